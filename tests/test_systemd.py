#!/usr/bin/python3
"""tests/test_systemd.py — planwatchd against the service-manager protocol, without systemd.

The script plays systemd for a real planwatchd: it owns the NOTIFY_SOCKET, sets
WATCHDOG_USEC/WATCHDOG_PID, sends SIGHUP and SIGTERM, and checks what a Type=notify unit
relies on:
  * READY=1 only once the ROUTER endpoint answers (a status request succeeds right after);
  * STATUS= lines with the counters; WATCHDOG=1 at about WATCHDOG_USEC/2;
  * SIGHUP with a broken catalog: RELOADING=1 then READY=1, the old catalog keeps
    serving, the log names FILE:LINE; SIGHUP with a fixed catalog adds its new indicator;
  * SIGTERM in the middle of a pipelined push: STOPPING=1, exit 0, and every update that
    was acknowledged is in the store after a restart (ACK => committed);
  * every notification comes from the main pid (NotifyAccess=main);
  * socket activation (planwatchd.socket): under systemd-socket-activate the daemon adopts
    the passed sockets (same inodes; the request on the connection that started it is
    answered; notices flow on the adopted XPUB). Skipped with a notice when the tool is
    absent or the binary has no daemon/activate.c;
  * without AF_NETLINK (a seccomp filter, as RestrictAddressFamilies= does it) a tcp://
    bind address other than '*' makes --check and the daemon exit 1 naming the endpoint
    and AF_NETLINK, not abort inside libzmq; the unit allows AF_NETLINK;
  * `systemd-analyze verify` accepts the units in systemd/ (skipped without the tool).

usage: tests/test_systemd.py [PLANWATCHD]     (default build/planwatchd)
Needs python3-zmq and python3-msgpack; no root, no network, no systemd.
"""
import array
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import msgpack
import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURE_REGION = os.path.join(HERE, "fixtures", "test-region.yaml")
FIXTURE = os.path.join(HERE, "fixtures", "test-plan.yaml")
UNIT_DIR = os.path.join(ROOT, "systemd")

WATCHDOG_USEC = 400000
START_TIMEOUT = 30.0  # sanitized builds start slowly on a busy machine
REPLY_TIMEOUT = 15.0
PLAN = "test-plan"

# One more series, appended to the region copy for the second reload, and the plan's target
# on it (inserted before the plan copy's annual_targets).
EXTRA_SERIES = """\
  - id: population
    name: 常住人口
    name_en: Resident population
    category: 民生福祉
    unit: 万人
    frequency: annual
    form: level
    departments: [统计局]
    bounds: {min: 0, max: 1000}
    source: {file: 000_612fed59f6b5e226.txt, line: 250}
"""
EXTRA_TARGET = """\
  - series: population
    attribute: expected
    kind: info
"""

BROKEN_CATALOG = """\
plan:
  id: test-plan
  title: [unclosed
targets:
  - series: gdp
"""


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def log(msg):
    print("test_systemd: " + msg, flush=True)


class Manager:
    """The service manager's end of NOTIFY_SOCKET: records every datagram with the
    sender's credentials, like systemd does for NotifyAccess=main."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.settimeout(0.2)
        self.events = []  # (monotonic time, pid, {KEY: value})
        self.cond = threading.Condition()
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        ucred_len = array.array("i", [0, 0, 0]).itemsize * 3
        while not self.stop:
            try:
                data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(ucred_len))
            except socket.timeout:
                continue
            except OSError:
                return
            pid = None
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = array.array("i", payload[:ucred_len])[0]
            fields = {}
            for line in data.decode("utf-8", "replace").split("\n"):
                if "=" in line:
                    k, v = line.split("=", 1)
                    fields[k] = v
            with self.cond:
                self.events.append((time.monotonic(), pid, fields))
                self.cond.notify_all()

    def mark(self):
        with self.cond:
            return len(self.events)

    def wait_for(self, key, value=None, start=0, timeout=START_TIMEOUT, alive=None):
        """Index of the first event at or after start that has key (= value)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(start, len(self.events)):
                    f = self.events[i][2]
                    if key in f and (value is None or f[key] == value):
                        return i
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failure("no %s%s from planwatchd within %.0f s" %
                                  (key, "=" + value if value else "", timeout))
                if alive and not alive():
                    raise Failure("planwatchd exited while waiting for %s" % key)
                self.cond.wait(min(left, 0.2))

    def since(self, start, key):
        with self.cond:
            return [(t, pid, f) for (t, pid, f) in self.events[start:] if key in f]

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


class Daemon:
    def __init__(self, binary, conf, notify_path, logpath):
        self.binary, self.conf, self.notify_path, self.logpath = binary, conf, notify_path, logpath
        self.proc = None

    def start(self):
        env = dict(os.environ)
        for k in ("JOURNAL_STREAM", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
                  "PLANWATCH_CONFIG"):
            env.pop(k, None)  # stderr must be our log file, not the journal
        env["NOTIFY_SOCKET"] = self.notify_path
        env["WATCHDOG_USEC"] = str(WATCHDOG_USEC)
        self.logf = open(self.logpath, "ab")
        # sd_watchdog_enabled() wants WATCHDOG_PID == getpid(): the shell's pid, kept by exec.
        self.proc = subprocess.Popen(
            ["/bin/sh", "-c", 'WATCHDOG_PID=$$; export WATCHDOG_PID; exec "$0" "$@"',
             self.binary, "--config", self.conf],
            env=env, stdin=subprocess.DEVNULL, stdout=self.logf, stderr=self.logf,
            start_new_session=True)
        return self.proc.pid

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        check(self.alive(), "planwatchd is not running (signal %d)" % sig)
        os.kill(self.proc.pid, sig)

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Failure("planwatchd did not exit within %.0f s" % timeout)

    def kill(self):
        if self.alive():
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: wrappers too
            except OSError:
                self.proc.kill()
            self.proc.wait()
        if self.proc is not None:
            self.logf.close()

    def log_text(self):
        with open(self.logpath, "rb") as f:
            return f.read().decode("utf-8", "replace")


class Client:
    """A DEALER: requests are matched to replies by id, like the protocol says."""

    def __init__(self, ctx, endpoint):
        self.sock = ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(endpoint)
        self.n = 0
        self.pending = {}

    def next_id(self, prefix="c"):
        self.n += 1
        return "%s-%d" % (prefix, self.n)

    def send(self, msg, flags=0):
        self.sock.send(msgpack.packb(msg, use_bin_type=True), flags)

    def recv(self, timeout):
        if not self.sock.poll(int(timeout * 1000)):
            return None
        return msgpack.unpackb(self.sock.recv(), raw=False)

    def call(self, msg, timeout=REPLY_TIMEOUT):
        if msg["id"] in self.pending:
            return self.pending.pop(msg["id"])
        self.send(msg)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure("no reply to %s '%s' within %.0f s" %
                              (msg["type"], msg["id"], timeout))
            r = self.recv(left)
            if r is None:
                continue
            if r.get("id") == msg["id"]:
                return r
            self.pending[r.get("id")] = r

    def close(self):
        self.sock.close()


def update(msgid, dept, items):
    return {"v": 1, "type": "update", "id": msgid, "dept": dept, "items": items}


def item(indicator, period, value, unit):
    return {"plan": PLAN, "indicator": indicator, "period": period, "value": value,
            "unit": unit, "status": "flash"}


def expect_ack(reply, what):
    check(reply.get("type") == "ack", "%s: expected ack, got %r" % (what, reply))
    return reply


def catalog_lines(catalogs):
    return "catalog:\n" + "".join("  - %s\n" % c for c in catalogs)


def write_config(tmp, catalogs):
    conf = os.path.join(tmp, "planwatchd.conf")
    with open(conf, "w") as f:
        f.write("state_dir: %s/state\n" % tmp)
        f.write(catalog_lines(catalogs))
        f.write("listen: ipc://%s/ingest.sock\n" % tmp)
        f.write("publish: ipc://%s/notify.sock\n" % tmp)
    return conf


# ---- the checks ----

def check_ready(mgr, daemon, ctx, tmp):
    t0 = time.monotonic()
    mgr.wait_for("READY", "1", 0, START_TIMEOUT, daemon.alive)
    # At READY=1 the ROUTER must already be bound: a plain connect succeeds at once ...
    path = os.path.join(tmp, "ingest.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except OSError as e:
        raise Failure("READY=1 sent but '%s' does not accept connections: %s" % (path, e))
    finally:
        s.close()
    # ... and a status request is answered.
    c = Client(ctx, "ipc://" + path)
    r = c.call({"v": 1, "type": "status", "id": "x"})
    check(r.get("type") == "result", "status after READY=1: %r" % r)
    check("accepted" in r, "status reply lacks 'accepted': %r" % r)
    log("READY=1 after %.2f s; status answered (version %s)" % (time.monotonic() - t0,
                                                                 r.get("version")))
    return c


def check_status_and_watchdog(mgr, daemon):
    start = mgr.mark()
    t0 = time.monotonic()
    time.sleep(2.3)
    pings = [t for (t, _, _) in mgr.since(start, "WATCHDOG")]
    status = [f["STATUS"] for (_, _, f) in mgr.since(0, "STATUS")]
    span = time.monotonic() - t0
    expect = span / (WATCHDOG_USEC / 2e6)
    check(status, "no STATUS= line within %.1f s" % span)
    check(all("accepted" in s for s in status), "STATUS= without 'accepted': %r" % status[-1])
    # Loose lower bound (a slow machine must not fail the test), firm upper bound (a
    # busy loop must not flood the manager).
    check(len(pings) >= 3, "only %d WATCHDOG=1 in %.1f s (expected ~%.0f)" %
          (len(pings), span, expect))
    check(len(pings) <= 2 * expect + 3, "%d WATCHDOG=1 in %.1f s: more than twice the "
          "expected ~%.0f" % (len(pings), span, expect))
    gaps = sorted(b - a for a, b in zip(pings, pings[1:]))
    median = gaps[len(gaps) // 2]
    check(median < WATCHDOG_USEC / 1e6,
          "median WATCHDOG=1 gap %.3f s exceeds WATCHDOG_USEC: systemd would kill it" % median)
    log("%d STATUS= lines (last: %s); %d WATCHDOG=1 in %.1f s, median gap %.3f s" %
        (len(status), status[-1], len(pings), span, median))


def check_reload(mgr, daemon, c, region, catalog):
    # A known indicator is accepted; the one we add later is not (yet).
    expect_ack(c.call(update(c.next_id("pre"), "统计局", [item("gdp", "2024Q1", 180.5, "亿元")])),
               "gdp before reload")
    r = c.call(update(c.next_id("pre"), "统计局", [item("population", "2024", 98.7, "万人")]))
    check(r.get("type") == "nack", "population before it is in the catalog: %r" % r)

    good = open(catalog, encoding="utf-8").read()
    with open(catalog, "w", encoding="utf-8") as f:
        f.write(BROKEN_CATALOG)
    start = mgr.mark()
    daemon.signal(signal.SIGHUP)
    i = mgr.wait_for("RELOADING", "1", start, REPLY_TIMEOUT, daemon.alive)
    check("MONOTONIC_USEC" in mgr.events[i][2], "RELOADING=1 without MONOTONIC_USEC=")
    mgr.wait_for("READY", "1", i + 1, REPLY_TIMEOUT, daemon.alive)
    expect_ack(c.call(update(c.next_id("bad"), "统计局", [item("gdp", "2024Q2", 181.5, "亿元")])),
               "gdp after a broken catalog reload (old catalog must stay)")
    pat = re.compile(re.escape(catalog) + r":\d+")
    deadline = time.monotonic() + 5
    while not pat.search(daemon.log_text()):
        check(time.monotonic() < deadline,
              "log does not name %s:LINE after the failed reload:\n%s" %
              (catalog, daemon.log_text()[-2000:]))
        time.sleep(0.1)
    line = [ln for ln in daemon.log_text().splitlines() if pat.search(ln)][-1]
    log("broken catalog: RELOADING=1, READY=1, old catalog kept; log: %s" % line.strip())

    with open(region, "a", encoding="utf-8") as f:
        f.write(EXTRA_SERIES)
    with open(catalog, "w", encoding="utf-8") as f:
        f.write(good.replace("\nannual_targets:", "\n" + EXTRA_TARGET + "annual_targets:", 1))
    start = mgr.mark()
    daemon.signal(signal.SIGHUP)
    i = mgr.wait_for("RELOADING", "1", start, REPLY_TIMEOUT, daemon.alive)
    mgr.wait_for("READY", "1", i + 1, REPLY_TIMEOUT, daemon.alive)
    expect_ack(c.call(update(c.next_id("new"), "统计局", [item("population", "2024", 98.7, "万人")])),
               "the indicator added by the reload")
    expect_ack(c.call(update(c.next_id("new"), "统计局", [item("gdp", "2024Q3", 182.5, "亿元")])),
               "gdp after the good reload")
    log("fixed catalog: RELOADING=1, READY=1, new indicator accepted")


# Distinct observations for the heavy push: 财政局 reports fiscal_revenue (monthly), 统计局
# reports gdp (quarterly). Periods end in 2024 so that they have begun whatever the date.
MONTHS = ["%d-%02d" % (y, m) for y in range(2006, 2025) for m in range(1, 13)]
QUARTERS = ["%dQ%d" % (y, q) for y in range(2006, 2025) for q in range(1, 5)]
BATCH = 10


def heavy_message(n):
    """Update number n: 10 distinct periods (a window that slides, so later messages
    revise earlier periods), values unique to (n, k)."""
    if n % 2 == 0:
        dept, ind, unit, periods = "财政局", "fiscal_revenue", "亿元", MONTHS
    else:
        dept, ind, unit, periods = "统计局", "gdp", "亿元", QUARTERS
    first = (n // 2 * 7) % (len(periods) - BATCH)
    items = [item(ind, periods[first + k], round(1 + n * 0.01 + k * 0.001, 3), unit)
             for k in range(BATCH)]
    for it in items:
        it["confirm"] = True  # values unique to (n, k), not running totals: ytd_decrease
    return update("sd-%06d" % n, dept, items)


def check_term_under_load(mgr, daemon, ctx, endpoint):
    d = ctx.socket(zmq.DEALER)
    d.setsockopt(zmq.LINGER, 0)
    d.setsockopt(zmq.SNDHWM, 100000)
    d.setsockopt(zmq.RCVHWM, 100000)
    d.connect(endpoint)
    window, term_after = 200, 200
    sent, acked, nacked = {}, {}, []
    n = inflight = 0
    t_term = t_exit = None
    start = mgr.mark()
    deadline = time.monotonic() + 120
    while True:
        check(time.monotonic() < deadline, "heavy push did not finish within 120 s")
        if t_exit is None:
            while inflight < window:
                m = heavy_message(n)
                try:
                    d.send(msgpack.packb(m, use_bin_type=True), zmq.NOBLOCK)
                except zmq.Again:
                    break
                sent[m["id"]] = m
                n += 1
                inflight += 1
        if d.poll(20):
            while True:
                try:
                    r = msgpack.unpackb(d.recv(zmq.NOBLOCK), raw=False)
                except zmq.Again:
                    break
                inflight -= 1
                if r.get("type") == "ack":
                    acked[r["id"]] = r
                else:
                    nacked.append(r)
        if t_term is None and len(acked) >= term_after:
            daemon.signal(signal.SIGTERM)  # with `window` updates in flight
            t_term = time.monotonic()
        if t_term is not None and t_exit is None and not daemon.alive():
            t_exit = time.monotonic()
        if t_exit is not None and time.monotonic() - t_exit > 1.0:
            break  # every ACK the daemon flushed before exiting has arrived
    d.close()
    check(not nacked, "valid updates were refused: %r" % nacked[:3])
    rc = daemon.wait(5)
    mgr.wait_for("STOPPING", "1", start, 5)
    check(rc == 0, "planwatchd exited with %d after SIGTERM (expected 0); log tail:\n%s" %
          (rc, daemon.log_text()[-2000:]))
    log("SIGTERM with %d updates in flight: STOPPING=1, exit 0 after %.2f s; %d sent, %d "
        "acknowledged" % (window, t_exit - t_term, n, len(acked)))
    return sent, acked


def check_acked_committed(c, sent, acked):
    # For every (indicator, period), the vintages that acknowledged updates carried.
    want = {}
    for msgid in acked:
        for it in sent[msgid]["items"]:
            want.setdefault((it["indicator"], it["period"]), {})[msgid] = it["value"]
    ids = {}
    for (ind, per) in want:
        q = {"v": 1, "type": "history", "id": "h-%s-%s" % (ind, per), "plan": PLAN,
             "indicator": ind, "period": per}
        c.send(q)
        ids[q["id"]] = (ind, per)
    missing, checked = [], 0
    for _ in range(len(ids)):
        r = c.recv(REPLY_TIMEOUT)
        check(r is not None, "history replies stopped coming")
        check(r.get("type") == "result", "history: %r" % r)
        key = ids.pop(r["id"])
        check(not r.get("more"), "history of %s %s was cut by the limit" % key)
        have = {v["msgid"]: v["value"] for v in r["items"]}
        for msgid, value in want[key].items():
            checked += 1
            if have.get(msgid) != value:
                missing.append((msgid, key, value, have.get(msgid)))
    check(not missing, "%d acknowledged observations are not in the store after restart, "
          "e.g. %r" % (len(missing), missing[:5]))
    log("after restart: all %d observations of %d acknowledged updates are stored" %
        (checked, len(acked)))


def check_socket_activation(binary, tmp, ctx):
    tool = shutil.which("systemd-socket-activate")
    if not tool:
        log("systemd-socket-activate not found: socket activation check skipped")
        return
    with open(binary, "rb") as f:
        if b"activate_fd_for" not in f.read():
            log("%s has no daemon/activate.c: socket activation check skipped" % binary)
            return
    run = os.path.join(tmp, "sa")
    os.mkdir(run)
    conf = os.path.join(run, "planwatchd.conf")
    with open(conf, "w") as f:
        f.write("state_dir: %s/state\n%slisten: ipc://%s/ingest.sock\n"
                "publish: ipc://%s/notify.sock\n" % (run, catalog_lines([FIXTURE_REGION, FIXTURE]),
                                                    run, run))
    socks = [os.path.join(run, n) for n in ("ingest.sock", "notify.sock")]
    mgr = Manager(os.path.join(run, "notify"))
    # The tool gives the daemon only LISTEN_* and what -E names.
    setenv = ["-E", "NOTIFY_SOCKET=" + mgr.path]
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            setenv += ["-E", "%s=%s" % (k, os.environ[k])]
    logf = open(os.path.join(run, "log"), "wb")
    # Not accept mode: the tool listens, waits for the first connection, then execs the
    # daemon with LISTEN_FDS (same pid), as systemd does for planwatchd.socket.
    p = subprocess.Popen([tool, "-l", socks[0], "-l", socks[1], "--fdname=ingest:notify"] +
                         setenv + [binary, "--config", conf], stdin=subprocess.DEVNULL,
                         stdout=logf, stderr=logf, start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while not all(os.path.exists(x) for x in socks):
            check(time.monotonic() < deadline and p.poll() is None,
                  "systemd-socket-activate did not create %s" % socks)
            time.sleep(0.05)
        inodes = [os.stat(x).st_ino for x in socks]
        sub = ctx.socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        sub.setsockopt(zmq.SUBSCRIBE, b"change.")
        sub.connect("ipc://" + socks[1])
        c = Client(ctx, "ipc://" + socks[0])
        # This connection starts the daemon; a daemon that re-binds instead of adopting
        # leaves it in the old socket's backlog, unanswered.
        r = c.call({"v": 1, "type": "status", "id": "sa-status"})
        check(r.get("type") == "result", "status through the passed socket: %r" % r)
        mgr.wait_for("READY", "1", 0, START_TIMEOUT, lambda: p.poll() is None)
        check([os.stat(x).st_ino for x in socks] == inodes,
              "planwatchd re-created its sockets instead of adopting the passed ones")
        time.sleep(0.3)  # the subscription travels to the XPUB
        expect_ack(c.call(update("sa-1", "统计局", [item("gdp", "2024Q4", 190.5, "亿元")])),
                   "update through the passed socket")
        check(sub.poll(5000), "no notice on the passed XPUB socket")
        topic = sub.recv_multipart()[0]
        check(topic == b"change.test.gdp", "unexpected notice %r" % topic)
        c.close()
        sub.close()
        os.kill(p.pid, signal.SIGTERM)
        rc = p.wait(30)
        check(rc == 0, "socket-activated planwatchd exited with %d" % rc)
        log("socket activation: passed sockets adopted (same inodes), first request "
            "answered, notices published, exit 0")
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        logf.close()
        mgr.close()


# ---- a sandbox without AF_NETLINK, without systemd (issue 14) ----

def no_netlink():
    """preexec_fn: a seccomp filter making socket(AF_NETLINK, ...) fail with EAFNOSUPPORT,
    which is what RestrictAddressFamilies= without AF_NETLINK does to the unit. x86-64 only."""
    import ctypes
    import struct
    libc = ctypes.CDLL(None, use_errno=True)
    ld, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_RET|K
    allow, errno_afnosupport = 0x7fff0000, 0x00050000 | 97
    prog = [(ld, 0, 0, 4), (jeq, 0, 4, 0xc000003e),   # arch == x86-64, else allow
            (ld, 0, 0, 0), (jeq, 0, 2, 41),           # nr == socket, else allow
            (ld, 0, 0, 16), (jeq, 1, 0, 16),          # args[0] == AF_NETLINK -> errno
            (ret, 0, 0, allow), (ret, 0, 0, errno_afnosupport)]
    buf = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in prog))
    fprog = struct.pack("HxxxxxxQ", len(prog), ctypes.addressof(buf))
    fbuf = ctypes.create_string_buffer(fprog)
    if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, fbuf, 0, 0) != 0:  # NO_NEW_PRIVS, SECCOMP
        os._exit(99)


def free_tcp_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def check_bind_without_netlink(binary, tmp, catalogs):
    """libzmq asserts when it cannot list interfaces for a bind address other than '*'
    (src/ip_resolver.cpp:542, SIGABRT): the daemon must exit 1 with a message naming the
    endpoint and the cause instead, and --check must say the same."""
    if os.uname().machine != "x86_64":
        log("not x86-64: the no-AF_NETLINK check skipped")
        return
    port = free_tcp_port()
    ep = "tcp://127.0.0.1:%d" % port
    conf = os.path.join(tmp, "tcp.conf")
    with open(conf, "w") as f:
        f.write("state_dir: %s/tcp-state\n%s" % (tmp, catalog_lines(catalogs)))
        f.write("listen: %s\npublish: ipc://%s/tcp-notify.sock\n" % (ep, tmp))
        f.write("allow_insecure_tcp: true\n")
    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)
    for args in ([binary, "--check", "--config", conf], [binary, "--config", conf]):
        p = subprocess.run(args, preexec_fn=no_netlink, capture_output=True, text=True,
                           timeout=60, env=env)
        what = " ".join(os.path.basename(a) for a in args)
        check(p.returncode == 1, "%s without AF_NETLINK: exit %d (want 1; -6 is libzmq's "
              "abort)\n%s" % (what, p.returncode, p.stderr[-2000:]))
        check("cannot bind '%s'" % ep in p.stderr and "AF_NETLINK" in p.stderr,
              "%s without AF_NETLINK: message lacks endpoint or cause:\n%s" % (what, p.stderr))
    # The filter really bites: '*' binds without listing interfaces and starts.
    log("no AF_NETLINK: --check and start exit 1 naming %s and AF_NETLINK (no abort)" % ep)


def check_unit(binary):
    sa = shutil.which("systemd-analyze")
    if not sa:
        log("systemd-analyze not found: unit verification skipped")
        return
    sbindir = os.path.dirname(os.path.abspath(binary))
    with tempfile.TemporaryDirectory(prefix="pwunit.") as d:
        units = []
        for name in sorted(os.listdir(UNIT_DIR)):
            if not name.endswith((".service", ".socket")):
                continue
            text = open(os.path.join(UNIT_DIR, name), encoding="utf-8").read()
            path = os.path.join(d, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace("@SBINDIR@", sbindir))
            units.append(path)
        check(units, "no unit files in %s" % UNIT_DIR)
        # libzmq lists the interfaces (netlink) for every tcp:// bind address but '*' and
        # aborts without: the unit must allow AF_NETLINK (issue 14).
        svc = open(os.path.join(UNIT_DIR, "planwatchd.service"), encoding="utf-8").read()
        fam = re.search(r"^RestrictAddressFamilies=(.*)$", svc, re.M)
        check(fam and "AF_NETLINK" in fam.group(1).split(),
              "planwatchd.service: RestrictAddressFamilies= lacks AF_NETLINK")
        p = subprocess.run([sa, "verify", "--man=no"] + units, capture_output=True, text=True)
        check(p.returncode == 0 and not p.stderr.strip(),
              "systemd-analyze verify: rc %d\n%s%s" % (p.returncode, p.stdout, p.stderr))
        log("systemd-analyze verify --man=no: %s ok" %
            " ".join(os.path.basename(u) for u in units))


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "planwatchd")
    binary = os.path.abspath(binary)
    check(os.access(binary, os.X_OK), "%s is not an executable (run make)" % binary)
    check_unit(binary)

    tmp = tempfile.mkdtemp(prefix="pwsd.")
    os.mkdir(os.path.join(tmp, "catalog"))
    region = os.path.join(tmp, "catalog", "test-region.yaml")
    catalog = os.path.join(tmp, "catalog", "test-plan.yaml")
    shutil.copyfile(FIXTURE_REGION, region)
    shutil.copyfile(FIXTURE, catalog)
    conf = write_config(tmp, [region, catalog])
    mgr = Manager(os.path.join(tmp, "notify"))
    daemon = Daemon(binary, conf, mgr.path, os.path.join(tmp, "planwatchd.log"))
    ctx = zmq.Context()
    ok = False
    try:
        daemon.start()
        c = check_ready(mgr, daemon, ctx, tmp)
        check_status_and_watchdog(mgr, daemon)
        check_reload(mgr, daemon, c, region, catalog)
        c.close()
        endpoint = "ipc://%s/ingest.sock" % tmp
        sent, acked = check_term_under_load(mgr, daemon, ctx, endpoint)
        pid1 = daemon.pid
        daemon.logf.close()

        daemon.start()
        mark = mgr.mark()
        mgr.wait_for("READY", "1", mark, START_TIMEOUT, daemon.alive)
        c = Client(ctx, endpoint)
        check_acked_committed(c, sent, acked)
        c.close()
        start = mgr.mark()
        daemon.signal(signal.SIGTERM)
        check(daemon.wait(30) == 0, "second planwatchd did not exit 0")
        mgr.wait_for("STOPPING", "1", start, 5)

        pids = {pid for (_, pid, _) in mgr.events}
        check(pids <= {pid1, daemon.pid},
              "notifications from pids %r, not only the main ones %r (NotifyAccess=main "
              "would drop them)" % (pids, {pid1, daemon.pid}))
        check_socket_activation(binary, tmp, ctx)
        check_bind_without_netlink(binary, tmp, [region, catalog])
        ok = True
    except Failure as e:
        print("test_systemd: FAIL: %s" % e, file=sys.stderr)
        if daemon.proc is not None:
            print("---- planwatchd log (tail) ----\n%s" % daemon.log_text()[-3000:],
                  file=sys.stderr)
    finally:
        daemon.kill()
        ctx.destroy(linger=0)
        mgr.close()
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("test_systemd: files kept in %s" % tmp, file=sys.stderr)
    if not ok:
        return 1
    print("test_systemd: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
