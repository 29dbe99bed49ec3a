#!/usr/bin/python3
"""Tests planwatch_client.py against the real daemon (a second client, from PROTOCOL.md only).

    /usr/bin/python3 client/python/test_python_client.py [PLANWATCHD]

PLANWATCHD defaults to build/planwatchd (in the current directory, else in the source
tree). The daemon runs in a temporary directory with the fixture catalog and ipc://
endpoints, like tests/harness.c. Exits 0 when every test passed, 1 otherwise.
PLANWATCH_KEEP_TMP=1 keeps the directory (config, state, daemon.log)."""
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import planwatch_client as pwc  # noqa: E402

FIXTURES = [os.path.join(HERE, "..", "..", "tests", "fixtures", f)
            for f in ("test-region.yaml", "test-plan.yaml")]
PLAN = "test-plan"
REGION = "test"  # the plan's region: change topics name it


class Daemon:
    """planwatchd as a child process in a temp dir (config as tests/harness.c writes it)."""

    def __init__(self, binary):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="pwpy.")
        self.ep = "ipc://%s/ingest.sock" % self.dir
        self.pub = "ipc://%s/notify.sock" % self.dir
        self.conf = os.path.join(self.dir, "planwatchd.conf")
        self.log = os.path.join(self.dir, "daemon.log")
        with open(self.conf, "w") as f:
            f.write("state_dir: %s/state\ncatalog:\n%slisten: %s\npublish: %s\n"
                    "allow_clock_set: true\n"
                    % (self.dir, "".join("  - %s\n" % os.path.abspath(c) for c in FIXTURES),
                       self.ep, self.pub))
        self.proc = None

    def start(self, timeout=60.0):
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([self.binary, "--config", self.conf],
                                         stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + timeout
        with pwc.Client(self.ep, timeout=0.2) as c:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError("planwatchd exited at start (%s); log:\n%s" %
                                       (self.proc.returncode, self.log_tail()))
                try:
                    c.status()
                    return
                except pwc.Timeout:
                    pass
        raise RuntimeError("planwatchd did not answer within %.0fs" % timeout)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def log_tail(self, n=30):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def cleanup(self):
        self.stop()
        if os.environ.get("PLANWATCH_KEEP_TMP"):
            print("kept %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def obs(indicator, period, value, unit="%", status="final", **kw):
    it = {"plan": PLAN, "indicator": indicator, "period": period, "value": value,
          "unit": unit, "status": status}
    it.update(kw)
    return it


def eq(got, want, what):
    if got != want:
        raise AssertionError("%s: got %r, wanted %r" % (what, got, want))


def near(got, want, what, tol=1e-9):
    if not isinstance(got, (int, float)) or abs(got - want) > tol:
        raise AssertionError("%s: got %r, wanted %r" % (what, got, want))


# ---- the tests; each gets the daemon and a Feeder, plus a live Subscriber started first ----

def test_push_ack(d, f, live):
    gdp = obs("gdp", "2026Q3", 812.5, unit="亿元", status="flash", yoy=5.8)
    r = f.push("统计局", "py-ack-1", [gdp])
    eq(r["type"], "ack", "reply type")
    eq(r["id"], "py-ack-1", "id echoed")
    eq(r["v"], 1, "v")
    eq(r["count"], 1, "count")
    eq(r["changed"], 1, "changed")
    if not isinstance(r["seq"], int) or r["seq"] < 1:
        raise AssertionError("seq %r" % r["seq"])
    # The ack came after the commit: the value is there, and the log is at seq.
    q = f.query(PLAN, "gdp")
    eq([(i["period"], i["value"], i["status"], i["yoy"], i["dept"], i["msgid"], i["rev"])
        for i in q["items"]], [("2026Q3", 812.5, "flash", 5.8, "统计局", "py-ack-1", 1)],
       "query after ack")
    eq(q["unit"], "亿元", "query unit")
    st = f.status()
    if st["last_seq"] < r["seq"]:
        raise AssertionError("status last_seq %d < ack seq %d" % (st["last_seq"], r["seq"]))
    # Integers are accepted where floats are expected; two items, one ack.
    # (urbanization is left alone until test_breach.)
    r = f.push("统计局", "py-ack-2", [obs("forest_cover", "2021", 42), obs("forest_cover",
                                                                      "2022", 42.3)])
    eq((r["type"], r["count"], r["changed"]), ("ack", 2, 2), "two-item ack")
    h = f.history(PLAN, "forest_cover", "2021")
    eq([(i["value"], i["rev"]) for i in h["items"]], [(42, 1)], "history")


def test_nack(d, f, live):
    before = f.status()
    r = f.push("统计局", "py-nack-1", [obs("no_such_indicator", "2024", 1)])
    eq(r["type"], "nack", "unknown indicator: reply type")
    eq((r["code"], r["error"]), (12, "unknown_indicator"), "unknown indicator code")
    eq(r["retry"], False, "retry")
    eq([(i["index"], i["code"], i["error"]) for i in r["items"]],
       [(0, 12, "unknown_indicator")], "unknown indicator items")
    if not isinstance(r.get("message"), str) or not r["message"]:
        raise AssertionError("nack without message: %r" % r)
    if not isinstance(r.get("quarantine"), int) or r["quarantine"] < 1:
        raise AssertionError("nack without quarantine id: %r" % r)

    # NaN in the second item: the whole batch is refused (atomic), the item is named.
    r = f.push("统计局", "py-nack-2", [obs("forest_cover", "2020", 41.41),
                                     obs("forest_cover", "2019", math.nan)])
    eq(r["type"], "nack", "NaN: reply type")
    eq((r["code"], r["error"]), (16, "bad_value"), "NaN code")
    eq([(i["index"], i["code"], i["error"]) for i in r["items"]], [(1, 16, "bad_value")],
       "NaN items")
    q = f.query(PLAN, "forest_cover", from_="2019", to="2020")
    eq(q["items"], [], "nothing of a refused batch is stored")

    # A NACKed id is not remembered: fixed, it is accepted under the same id.
    r = f.push("统计局", "py-nack-2", [obs("forest_cover", "2020", 41.41)])
    eq((r["type"], r["count"]), ("ack", 1), "resend of a nacked id after the fix")
    after = f.status()
    if after["rejected"] < before["rejected"] + 2:
        raise AssertionError("status rejected %d -> %d" % (before["rejected"],
                                                           after["rejected"]))
    rej = f.rejected(seq=0)
    errs = [i["error"] for i in rej["items"]]
    if "unknown_indicator" not in errs or "bad_value" not in errs:
        raise AssertionError("quarantine lacks the refused updates: %r" % errs)


def test_idempotent(d, f, live):
    items = [obs("unemployment", "2023", 1.8, reason="年报, 修订")]
    r1, raw1 = f.push("人社局", "py-idem-1", items, raw=True)
    eq((r1["type"], r1["changed"]), ("ack", 1), "first push")
    seq_before = f.status()["last_seq"]
    r2, raw2 = f.push("人社局", "py-idem-1", items, raw=True)
    eq(r2, r1, "resent ack")
    eq(raw2, raw1, "resent ack bytes")
    eq(f.status()["last_seq"], seq_before, "a resend logs no notice")
    eq(len(f.history(PLAN, "unemployment", "2023")["items"]), 1, "a resend stores nothing")
    # Even with different content under the same id: the original ack, nothing stored.
    r3 = f.push("人社局", "py-idem-1", [obs("unemployment", "2023", 9.9)])
    eq(r3, r1, "same id, other content")
    eq(f.query(PLAN, "unemployment")["items"][0]["value"], 1.8, "value kept")
    # The same figure under a new id: acknowledged with changed 0, no revision.
    r4 = f.push("人社局", "py-idem-2", items)
    eq((r4["type"], r4["count"], r4["changed"]), ("ack", 1, 0), "identical re-send")
    eq(len(f.history(PLAN, "unemployment", "2023")["items"]), 1, "no new revision")


def test_pipelined(d, f, live):
    batches = [("统计局", "py-pipe-%03d" % i,
                # running totals (ytd): each quarter's above the one before, else the
                # daemon refuses a revision as ytd_decrease
                [obs("gdp", "2026Q%d" % (i % 3 + 1), 250 * (i % 3 + 1) + i, unit="亿元",
                     status="flash", yoy=6.0)])
               for i in range(60)]
    t0 = time.monotonic()
    replies = f.push_many(batches, window=32)
    eq(len(replies), 60, "replies")
    for (_, id_, _), r in zip(batches, replies):
        eq((r["id"], r["type"]), (id_, "ack"), "pipelined reply")
    eq(len({r["id"] for r in replies}), 60, "one reply per id")
    eq(f.query(PLAN, "gdp", from_="2026Q1", to="2026Q3")["items"][-1]["period"], "2026Q3",
       "pipelined data stored")
    print("    60 pipelined updates in %.2fs" % (time.monotonic() - t0))


def wait_topic(sub, topic, seen, after, timeout=20.0):
    """Reads sub until a notice with this topic and seq > after; every notice read is
    kept in seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = sub.next(timeout=max(0.1, deadline - time.monotonic()))
        if n is None:
            break
        seen[n.seq] = n
        if n.topic == topic and n.seq > after:
            return n
    raise AssertionError("no %s notice within %.0fs (saw %s)" %
                         (topic, timeout, [n.topic for n in seen.values()][-10:]))


def test_breach(d, f, live):
    """urbanization: linear 55 (2020) -> 60 (2025); expected indicator, annual figures: short
    by no more than the margin (1 % of 58) is at risk, further short is off track in its
    year (persistence is for monthly and quarterly figures)."""
    before = f.status()["last_seq"]
    # These notices must come live. The Subscriber fetches from the log (§5.4, correctly
    # but replayed) whatever it reads behind a gap: the first notices, published before
    # its SUB connection was up (slow joiner), or anything logged during a second's quiet
    # on a loaded machine. So it first catches up to the log's end, and the quiet window
    # is widened for this test only.
    deadline = time.monotonic() + 20
    while live.sub.last < before and time.monotonic() < deadline:
        n = live.sub.next(timeout=1.0)
        if n:
            live.seen[n.seq] = n
    eq(live.sub.last, before, "live subscriber caught up before the push")
    live.sub.QUIET = 15.0
    try:
        _breach_live(f, live, before)
    finally:
        live.sub.QUIET = pwc.Subscriber.QUIET


def _breach_live(f, live, before):
    r = f.push("统计局", "py-urb-2023", [obs("urbanization", "2023", 57.5)])
    eq(r["type"], "ack", "push 2023")
    n = wait_topic(live.sub, "at_risk.test.test-plan.urbanization", live.seen, before)
    b = n.body
    eq(n.replayed, False, "at_risk came live")
    eq((b["topic"], b["plan"], b["indicator"], b["state"]),
       (n.topic, PLAN, "urbanization", "at_risk"), "at_risk fields")
    eq(b["period"], "2023", "at_risk period")
    near(b["value"], 57.5, "at_risk value")
    near(b["required"], 58, "at_risk required (55 + 3/5 x 5)", 1e-6)
    near(b["gap"], -0.5, "at_risk gap", 1e-6)

    before = n.seq
    r = f.push("统计局", "py-urb-2024", [obs("urbanization", "2024", 50)])
    eq(r["type"], "ack", "push 2024")
    n = wait_topic(live.sub, "breach.test.test-plan.urbanization", live.seen, before)
    b = n.body
    eq(n.replayed, False, "breach came live")
    for k in ("value", "required", "gap", "state", "rule_zh", "rule_en", "seq", "time",
              "attribute", "observed", "unit", "previous", "rule", "basis", "streak"):
        if k not in b:
            raise AssertionError("breach notice lacks %r: %r" % (k, b))
    eq((b["state"], b["period"], b["attribute"], b["unit"]),
       ("off_track", "2024", "expected", "%"), "breach fields")
    near(b["value"], 50, "breach value")
    near(b["required"], 59, "breach required (55 + 4/5 x 5)", 1e-6)
    near(b["gap"], -9, "breach gap", 1e-6)
    if not (isinstance(b["rule_zh"], str) and b["rule_zh"] and isinstance(b["rule_en"], str)
            and b["rule_en"]):
        raise AssertionError("rule texts: %r / %r" % (b["rule_zh"], b["rule_en"]))
    eq(b["seq"], n.seq, "body seq")
    # The alert list agrees.
    al = [a for a in f.alerts(PLAN)["items"] if a["indicator"] == "urbanization"]
    eq([a["state"] for a in al], ["off_track"], "alerts")


def test_ack_seq(d, f, live):
    """PROTOCOL.md §3: the ack's seq is "the notification log position after this commit",
    and §4: notices are logged in the same transaction as the data that caused them. So
    since(ack.seq) holds nothing of this update, and every notice it caused has
    seq <= ack.seq. (unemployment: ceiling 1.9; 1.91 is short by less than the margin
    (0.019) -> change + at_risk.)"""
    before = f.status()["last_seq"]
    r = f.push("人社局", "py-seq-1", [obs("unemployment", "2024", 1.91)])
    eq(r["type"], "ack", "push")
    n = wait_topic(live.sub, "at_risk.test.test-plan.unemployment", live.seen, before)
    topics = [(m.seq, m.topic) for s_, m in sorted(live.seen.items()) if s_ > before]
    own = [(i["seq"], i["topic"]) for i in f.since(r["seq"])["items"]
           if i["topic"].endswith(".unemployment")]
    if n.seq > r["seq"] or own:
        raise AssertionError("ack seq %d, but this update's notices are %s (since(%d) returns "
                             "%s): the ack seq is not the log position after the commit"
                             % (r["seq"], topics, r["seq"], own))


def test_replay(d, f, live):
    # Drain the live subscriber up to the current end of the log.
    last = f.status()["last_seq"]
    deadline = time.monotonic() + 20
    while live.sub.last < last and time.monotonic() < deadline:
        n = live.sub.next(timeout=1.0)
        if n:
            live.seen[n.seq] = n
    eq(sorted(live.seen), list(range(1, last + 1)), "live subscriber saw every seq once")

    # A subscriber started now from 0 gets everything from the log, in order, once;
    # small pages so that "more" is exercised.
    with pwc.Subscriber(d.pub, f, since=0, page=7) as s:
        got = []
        while True:
            n = s.next(timeout=1.5)
            if n is None:
                break
            got.append(n)
        seqs = [n.seq for n in got]
        eq(seqs, list(range(1, last + 1)), "replay seqs 1..last_seq without gaps or doubles")
        if not all(n.replayed for n in got):
            raise AssertionError("a notice was not from the log")
        if s.replays < (last + 6) // 7:
            raise AssertionError("only %d since calls for %d notices" % (s.replays, last))
        for n in got:
            eq(n.topic, n.body["topic"], "topic frame = body topic")
            eq(n.body, live.seen[n.seq].body, "replayed body %d = live body" % n.seq)

    # With a prefix: only those topics, still in order.
    with pwc.Subscriber(d.pub, f, prefix="breach.", since=0) as s:
        n = s.next(timeout=2)
        eq(n.topic if n else None, "breach.test.test-plan.urbanization", "prefix replay")
        eq(s.next(timeout=1), None, "nothing else under breach.")

    # Resuming from a seq: only what came after it; then live notices continue the
    # sequence (since=None: only new ones).
    with pwc.Subscriber(d.pub, f, since=last - 2) as s, \
            pwc.Subscriber(d.pub, f, since=None) as new:
        eq([s.next(timeout=2).seq, s.next(timeout=2).seq], [last - 1, last], "resume")
        eq(new.last, last, "since=None starts at last_seq")
        time.sleep(0.3)  # let the SUB connections settle: the log covers them anyway
        r = f.push("统计局", "py-urb-2022", [obs("urbanization", "2022", 57.5,
                                                  status="revised")])
        eq(r["type"], "ack", "push after replay")
        n1 = s.next(timeout=5)
        n2 = new.next(timeout=5)
        eq((n1.seq, n1.topic), (last + 1, "change.%s.urbanization" % REGION), "resumed live")
        eq((n2.seq, n2.topic), (last + 1, "change.%s.urbanization" % REGION), "new-only live")


def test_bad_frames(d, f, live):
    # Not a map; wrong version; unknown type: answered, never crashing the daemon.
    f.send_raw(b"\x93\x01\x02\x03")
    f.send_raw(pwc.pack({"v": 2, "type": "status", "id": "py-v2"}))
    f.send_raw(pwc.pack({"v": 1, "type": "launch", "id": "py-launch"}))
    eq(f.recv("py-v2")["error"], "unsupported_version", "v 2")
    eq(f.recv("py-launch")["error"], "unknown_type", "unknown type")
    f.status()


def test_units(d, f, live):
    # A figure in another unit of the indicator's dimension is converted exactly: 255800
    # 万元 is 25.58 亿元 (the double nearest 25.58, not 255800 * 0.0001).
    r = f.push("财政局", "py-unit-1", [obs("fiscal_revenue", "2021", 255800, unit="万元")])
    eq(r["type"], "ack", "万元 into 亿元")
    eq(f.query(PLAN, "fiscal_revenue", from_="2021", to="2021")["items"][0]["value"], 25.58,
       "stored value")
    # Another dimension: refused, and both messages list what is accepted.
    r = f.push("财政局", "py-unit-2", [obs("fiscal_revenue", "2022", 3.9, unit="亿美元")])
    eq((r["type"], r["error"]), ("nack", "wrong_unit"), "亿美元 into 亿元")
    for m in (r["message"], r["items"][0]["message"]):
        if "send one of 元, 千元, 万元, 亿元, 万亿元" not in m:
            raise AssertionError("accepted units not named: %r" % m)
    r = f.push("财政局", "py-unit-3", [obs("fiscal_revenue", "2022", 39, unit="ppm")])
    eq((r["type"], r["error"]), ("nack", "unknown_unit"), "unit not in the table")
    # confirm: a bool (the override of suspect_scale / ytd_decrease), anything else is refused
    r = f.push("财政局", "py-unit-4", [obs("fiscal_revenue", "2022", 26.1, unit="亿元",
                                           confirm=True)])
    eq(r["type"], "ack", "confirm: true")
    r = f.push("财政局", "py-unit-5", [obs("fiscal_revenue", "2023", 27, unit="亿元",
                                           confirm="yes")])
    eq((r["type"], r["error"]), ("nack", "bad_field"), "confirm not a bool")


def test_plausible(d, f, live):
    # The vintage keeps the figure as sent: 5000000 万元 is 500 亿元, kept as 5000000 万元.
    eq(f.push("统计局", "py-pl-1", [obs("gdp", "2023Q2", 5000000, unit="万元")])["type"], "ack",
       "万元 into 亿元")
    v = f.history(PLAN, "gdp", "2023Q2")["items"][-1]
    eq((v["value"], v["sent_value"], v["sent_unit"]), (500, 5000000, "万元"), "kept as sent")
    # A slipped decimal (812.5 -> 81.25) is refused, named, quarantined; confirm lets it in,
    # and the vintage records what was overridden.
    eq(f.push("统计局", "py-pl-2", [obs("gdp", "2023Q3", 812.5, unit="亿元")])["type"], "ack",
       "812.5")
    r = f.push("统计局", "py-pl-3", [obs("gdp", "2023Q3", 81.25, unit="亿元", status="revised")])
    eq((r["type"], r["error"], r["code"]), ("nack", "suspect_scale", 32), "81.25 refused")
    if "812.5" not in r["items"][0]["message"] or not r["quarantine"]:
        raise AssertionError("the NACK names the comparators and is quarantined: %r" % r)
    last = f.status()["last_seq"]
    r = f.push("统计局", "py-pl-4", [obs("gdp", "2023Q3", 81.25, unit="亿元", status="revised",
                                         confirm=True)])
    eq(r["type"], "ack", "confirmed")
    v = f.history(PLAN, "gdp", "2023Q3")["items"][-1]
    eq((v["value"], v["confirm"], v["overridden"], v["derived"]),
       (81.25, True, "suspect_scale", False), "confirm recorded")
    b = f.since(last, prefix="change.test.gdp")["items"][-1]["body"]
    eq((b["value"], b["confirm"], b["overridden"], b["derived"]),
       (81.25, True, "suspect_scale", False), "confirm in the change notice")
    # A yoy that does not fit the value a year earlier: stored, and a warning notice.
    last = f.status()["last_seq"]
    r = f.push("统计局", "py-pl-5", [obs("gdp", "2024Q3", 85, unit="亿元", yoy=-30)])
    eq(r["type"], "ack", "stored despite the yoy")
    w = f.since(last, prefix="warning.")["items"]
    eq([(i["topic"], i["body"]["error"], i["body"]["region"], i["body"]["alias"],
         "plan" in i["body"]) for i in w],
       [("warning.test.gdp", "yoy_mismatch", "000000-test", "test", False)], "yoy warning")


class Live:
    pass


def test_catalog_sources(d, f, live):
    # The files the daemon loaded, byte for byte, the region's first; none unasked.
    r = f.catalog(plan=PLAN, sources=True)
    got = [(os.path.basename(s["name"]), s["text"]) for s in r["sources"]]
    want = [(os.path.basename(p), open(p, "rb").read()) for p in FIXTURES]
    eq(got, want, "catalog sources")
    eq("sources" in f.catalog(region=REGION), False, "no sources unasked")


TESTS = [test_push_ack, test_nack, test_idempotent, test_pipelined, test_breach, test_ack_seq,
         test_replay, test_bad_frames, test_units, test_plausible, test_catalog_sources]


def main(argv):
    binary = argv[1] if len(argv) > 1 else "build/planwatchd"
    if not os.path.exists(binary) and not os.path.isabs(binary):
        binary = os.path.join(SRC, binary)
    if not os.access(binary, os.X_OK):
        print("test_python_client: no daemon at %s (make first)" % binary, file=sys.stderr)
        return 1
    d = Daemon(os.path.abspath(binary))
    failed = []
    try:
        d.start()
        with pwc.Feeder(d.ep, timeout=30.0) as f:
            live = Live()
            # The live subscriber starts first, from 0, so that it sees every notice.
            live.sub = pwc.Subscriber(d.pub, f, since=0)
            live.seen = {}
            for t in TESTS:
                name = t.__name__
                try:
                    t(d, f, live)
                    print("ok   %s" % name)
                except Exception as e:
                    failed.append(name)
                    print("FAIL %s: %s" % (name, e))
                    if not isinstance(e, AssertionError):
                        traceback.print_exc()
                if d.proc.poll() is not None:
                    failed.append("daemon exited (%s)" % d.proc.returncode)
                    break
            live.sub.close()
        rc = d.stop()
        if rc not in (0, None):
            failed.append("daemon exit status %s" % rc)
    except Exception as e:
        failed.append("setup: %s" % e)
        traceback.print_exc()
    finally:
        if failed:
            print("---- daemon log (%s):\n%s" % (d.log, d.log_tail()))
        d.cleanup()
    if failed:
        print("test_python_client: %d failed: %s" % (len(failed), ", ".join(failed)))
        return 1
    print("test_python_client: all %d tests passed" % len(TESTS))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
