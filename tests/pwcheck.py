"""tests/pwcheck.py — what the Python tests of tests/ that drive the daemon share: one
"ok"/"FAIL" line per check, the failures counted, the test's last line and exit status, and a
daemon started on a copy of a fixture store."""
import os
import shutil

from test_python_client import Daemon  # the daemon as a child process (client/python/)

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAILED = []


def check(cond, what):
    print("%s %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        FAILED.append(what)


def outcome(name):
    """Prints "NAME: ok" or "NAME: N FAILED"; returns the exit status (0 or 1)."""
    if FAILED:
        print("%s: %d FAILED" % (name, len(FAILED)))
        return 1
    print("%s: ok" % name)
    return 0


def daemon_on_copy(binary, fixture, catalogs):
    """A Daemon (not started) whose state is a copy of fixture/data.mdb, configured with the
    catalog files (paths relative to the source tree) and allow_clock_set."""
    d = Daemon(binary)
    os.makedirs(os.path.join(d.dir, "state"))
    shutil.copy(os.path.join(fixture, "data.mdb"), os.path.join(d.dir, "state", "data.mdb"))
    with open(d.conf, "w") as f:
        f.write("state_dir: %s/state\ncatalog:\n%slisten: %s\npublish: %s\n"
                "allow_clock_set: true\n" % (d.dir, "".join("  - %s/%s\n" % (SRC, c)
                                                            for c in catalogs), d.ep, d.pub))
    return d
