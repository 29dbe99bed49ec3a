#!/usr/bin/env python3
"""tests/test_migrate_v7.py PLANWATCHD — store schema 7 -> 8 through the real daemon.

tests/fixtures/store-v7/data.mdb was written by main at f9d0eaf (the verdict table keyed
plan\\0ind\\0period; manifest.json says what that daemon answered). The new daemon opens a
copy with the same catalog of 泉港区 and 鲤城区 and must:
  * re-key every verdict and change nothing else: after the first start the verdict table
    holds exactly the old records, each value byte for byte under plan\\0period\\0ind; vin,
    msgid, quarantine and alert are the same bytes, idx keeps its entries (and gains those
    the hot index flushes); meta "schema" is 8,
    "overdue_since" unchanged, no "rejudge" (a store created at 7 has nothing to re-judge,
    and no pass is logged); every old due entry and notice kept;
  * answer as the old daemon did: status counts, the queries with each period's verdicts
    (quangang gdp 2025Q1-Q4, at risk / on track period by period; 2026Q1 judged by no
    plan), alerts as of nine (plan, period) cuts (2025Q3 at risk though 2025Q4 came after
    it, the closed 13th plans' 2020), the report of quangang-14 as of 2025Q3, the announced
    overdue groups;
  * judge new figures into the new table: licheng gdp 2025Q4 gets its verdict (as of
    2025Q4, in the query) while as of 2025Q3 stays the old one; a revision of quangang gdp
    2025Q4 (+4.0%) replaces that period's verdict, as of 2025 and in the report, and leaves
    2025Q3's; afterwards the table holds one record more, all under schema-8 keys.
The daemon's config sets overdue_since far ahead: the overdue check at the start runs on the
real clock, and whatever became due since the fixture was made must not be announced in
between (it would be new notices, not the upgrade's doing).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "client", "python"))
import planwatch_client as pwc  # noqa: E402
from pwcheck import check, daemon_on_copy, outcome  # noqa: E402

FIXTURE = os.path.join(HERE, "fixtures", "store-v7")
PERIOD_FREQ = {1: "", 2: "Q", 3: "-", 4: "span"}


def dump(state_dir):
    """Every table of the LMDB environment in state_dir (read from a copy: mdb_dump leaves a
    lock file) as {table: {key bytes: value bytes}}."""
    t = tempfile.mkdtemp(prefix="pwdump.")
    try:
        shutil.copy(os.path.join(state_dir, "data.mdb"), os.path.join(t, "data.mdb"))
        out = subprocess.run(["mdb_dump", "-a", t], capture_output=True, text=True,
                             timeout=60, check=True).stdout
    finally:
        shutil.rmtree(t, ignore_errors=True)
    tables, cur, pend, data = {}, None, None, False
    for line in out.splitlines():
        if line.startswith("database="):
            cur = line.split("=", 1)[1]
            tables[cur] = {}
        elif line == "HEADER=END":
            data, pend = True, None
        elif line == "DATA=END":
            data = False
        elif data and line.startswith(" ") and cur is not None:
            b = bytes.fromhex(line[1:])
            if pend is None:
                pend = b
            else:
                tables[cur][pend] = b
                pend = None
    return tables


def v7_to_v8(k):
    """plan\\0ind\\0period(4) -> plan\\0period(4)\\0ind (None if k is not a v7 key)."""
    plan, _, rest = k.partition(b"\0")
    ind, _, per = rest.partition(b"\0")
    if not plan or not ind or len(per) != 4:
        return None
    return plan + b"\0" + per + b"\0" + ind


def v8_parts(k):
    plan, _, rest = k.partition(b"\0")
    if len(rest) < 6 or rest[4] != 0 or b"\0" in rest[5:]:
        return None
    return plan.decode(), rest[:4], rest[5:].decode()


def schema_of(tables):
    v = tables["meta"].get(b"schema", b"")
    return int.from_bytes(v[:4], "little") if len(v) == 8 else None


def items(reply):
    """A reply's items as JSON sees them (the CLI's --json and the Python client agree)."""
    return json.loads(json.dumps(reply["items"], sort_keys=True))


def report(cli, ep, period):
    out = subprocess.run([cli, "-e", ep, "report", "--plan", "quangang-14", "--period", period,
                          "--format", "json"], capture_output=True, text=True, timeout=120)
    return json.loads(out.stdout) if out.returncode == 0 and out.stdout else {}


def announced(alerts):
    return sorted((g["alias"], g["period"], i["indicator"]) for g in alerts["overdue"]
                  if g["announced"] for i in g["indicators"])


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build", "planwatchd")
    cli = os.path.join(os.path.dirname(binary), "planwatch")
    m = json.load(open(os.path.join(FIXTURE, "manifest.json"), encoding="utf-8"))
    old = dump(FIXTURE)
    check(schema_of(old) == 7 and len(old["verdict"]) == m["tables"]["verdict"] > 50,
          "the fixture is schema 7 with %d verdicts" % len(old["verdict"]))
    d = daemon_on_copy(binary, FIXTURE, m["catalog"])
    with open(d.conf, "a") as f:
        f.write("overdue_since: 2099-01-01\n")
    state = os.path.join(d.dir, "state")
    try:
        # 1. The upgrade alone: one start, no request.
        d.start()
        d.stop()
        new = dump(state)
        check(schema_of(new) == 8, "meta schema 8 (got %s)" % schema_of(new))
        want = {v7_to_v8(k): v for k, v in old["verdict"].items()}
        check(None not in want and new["verdict"] == want,
              "every one of the %d verdicts under plan\\0period\\0ind, value byte for byte "
              "(%d records after)" % (len(want), len(new["verdict"])))
        for t in ("vin", "msgid", "quar", "alert"):
            check(new.get(t) == old.get(t), "table %s unchanged (%d records)" %
                  (t, len(old.get(t, {}))))
        # idx lags vin (the hot index, store/hot.c): the start's write txns may move a few
        # pending entries into it, never change one it has.
        check(all(new["idx"].get(k) == v for k, v in old["idx"].items()) and
              len(new["idx"]) <= m["status"]["observations"],
              "idx: the %d entries unchanged (%d after the hot index's flushes)" %
              (len(old["idx"]), len(new["idx"])))
        check(all(new["due"].get(k) == v for k, v in old["due"].items()),
              "the %d due entries kept" % len(old["due"]))
        check(all(new["log"].get(k) == v for k, v in old["log"].items()),
              "the %d notices kept" % len(old["log"]))
        check(new["meta"].get(b"overdue_since") == old["meta"][b"overdue_since"] and
              b"rejudge" not in new["meta"] and b"rejudge" not in old["meta"],
              "overdue_since unchanged, no rejudge mark")
        meta_old = {k: v for k, v in old["meta"].items() if k != b"schema"}
        check(all(new["meta"].get(k) == v for k, v in meta_old.items()),
              "every other meta key unchanged: %s" % sorted(meta_old))

        # 2. What the old daemon answered.
        d.start()
        with pwc.Client(d.ep, timeout=30) as c, pwc.Feeder(d.ep, timeout=30) as f:
            c.clock_set(m["status"]["now"])
            st = c.status()
            for k in ("observations", "revisions", "quarantined", "last_seq"):
                check(st[k] == m["status"][k], "status %s %s (manifest %s)" % (k, st[k], m["status"][k]))
            for ind, key in (("gdp", "query_quangang_gdp"), ("forest_cover", "query_quangang_forest_cover")):
                check(items(c.query("quangang-14", ind)) == m[key]["items"],
                      "query quangang-14 %s: figures and each period's verdicts" % ind)
            check(items(c.query("licheng-14", "gdp")) == m["query_licheng_gdp"]["items"],
                  "query licheng-14 gdp")
            q = {x["period"]: x["verdicts"] for x in c.query("quangang-14", "gdp")["items"]}
            check([(v["plan"], v["state"]) for v in q["2025Q3"]] == [("quangang-14", "at_risk")] and
                  [(v["plan"], v["state"]) for v in q["2025Q4"]] == [("quangang-14", "on_track")] and
                  q["2026Q1"] == [], "query: 2025Q3 at risk, 2025Q4 on track, 2026Q1 judged by none")
            for cut, was in sorted(m["as_of"].items()):
                plan, period = cut.split(":")
                check(items(c.alerts(plan=plan, period=period)) == was["items"],
                      "alerts as of %s %s: the same %d verdicts" % (plan, period, len(was["items"])))
            g = {x["indicator"]: x for x in c.alerts(plan="quangang-14", period="2025Q3")["items"]}
            check(g["gdp"]["period"] == "2025Q3" and g["gdp"]["state"] == "at_risk" and
                  abs(g["gdp"]["value"] - 4.9) < 1e-9, "as of 2025Q3: gdp at risk (4.9 vs 6)")
            r = report(cli, d.ep, "2025Q3")
            check(r.get("indicators") == m["report_quangang14_2025Q3"]["indicators"] and
                  r.get("summary") == m["report_quangang14_2025Q3"]["summary"],
                  "report --plan quangang-14 --period 2025Q3: the same %d indicators" %
                  len(m["report_quangang14_2025Q3"]["indicators"]))
            a = c.alerts()
            check(announced(a) == announced(m["alerts"]) and announced(a),
                  "the %d announced overdue figures" % len(announced(m["alerts"])))

            # 3. New figures are judged into the re-keyed table.
            r = f.push("统计局", "v8-1", [{"plan": "licheng-14", "indicator": "gdp",
                                           "period": "2025Q4", "value": 372.0 * 4 / 3, "unit": "亿元",
                                           "status": "flash", "yoy": 5.9}])
            check(r.get("type") == "ack", "licheng gdp 2025Q4 accepted")
            lq = {x["period"]: x["verdicts"] for x in c.query("licheng-14", "gdp")["items"]}
            check([v["plan"] for v in lq.get("2025Q4", [])] == ["licheng-14"] and
                  lq["2025Q4"][0]["state"] != "none", "query: licheng gdp 2025Q4 judged: %s" % lq.get("2025Q4"))
            l4 = {x["indicator"]: x for x in c.alerts(plan="licheng-14", period="2025Q4")["items"]}
            check(l4.get("gdp", {}).get("period") == "2025Q4", "as of 2025Q4: licheng gdp's new verdict")
            check(items(c.alerts(plan="licheng-14", period="2025Q3")) ==
                  m["as_of"]["licheng-14:2025Q3"]["items"], "as of 2025Q3: licheng's old verdict")
            r = f.push("统计局", "v8-2", [{"plan": "quangang-14", "indicator": "gdp",
                                           "period": "2025Q4", "value": 985.0, "unit": "亿元",
                                           "status": "preliminary", "yoy": 4.0,
                                           "reason": "初步核实"}])
            check(r.get("type") == "ack", "quangang gdp 2025Q4 revised")
            y = {x["indicator"]: x for x in c.alerts(plan="quangang-14", period="2025")["items"]}
            check(y["gdp"]["period"] == "2025Q4" and y["gdp"]["state"] != "on_track" and
                  abs(y["gdp"]["value"] - 4.0) < 1e-9,
                  "as of 2025: the revised 2025Q4 (+4.0%%) re-judged: %s" % y["gdp"]["state"])
            rep = {x["indicator"]: x for x in report(cli, d.ep, "2025").get("indicators", [])}
            check(rep.get("gdp", {}).get("verdict_period") == "2025Q4" and
                  rep["gdp"]["verdict"] == y["gdp"]["state"], "report --period 2025 says so too")
            check(items(c.alerts(plan="quangang-14", period="2025Q3")) ==
                  m["as_of"]["quangang-14:2025Q3"]["items"], "as of 2025Q3 unchanged")
        d.stop()
        after = dump(state)
        parts = [v8_parts(k) for k in after["verdict"]]
        plans = {os.path.basename(x)[:-5] for x in m["catalog"] if "/plans/" in x}
        check(len(after["verdict"]) == len(old["verdict"]) + 1 and
              all(p and p[0] in plans for p in parts),
              "%d verdicts, every key plan\\0period\\0ind" % len(after["verdict"]))
        with open(d.log, errors="replace") as fh:
            log = fh.read()
        check("stored periods filled in" not in log, "no re-judging pass (a store created at 7)")
    finally:
        d.stop()
        print(d.log_tail(4), end="")
        d.cleanup()
    return outcome("test_migrate_v7")


if __name__ == "__main__":
    sys.exit(main())
