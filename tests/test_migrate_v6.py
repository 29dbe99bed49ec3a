#!/usr/bin/env python3
"""tests/test_migrate_v6.py PLANWATCHD — store schema 6 -> 7 through the real daemon.

tests/fixtures/store-v6/data.mdb was written by main at 959d704 (series keyed by region, no
verdict or due table; manifest.json says what it holds). The new daemon opens it with the
same format-2 catalog of 泉港区 and 鲤城区 and must:
  * keep the data: status counts, query and history of quangang gdp, licheng gdp, the alert
    states, the 298 old notices (seq and topic), the quarantine, and a resent fx-1 stores
    nothing;
  * fill the verdicts of the stored periods (rules_rejudge), so alerts and the report as of
    2025Q3 show 2025Q3's verdict although 2025Q4 and 2026Q1 came after it: at risk (4.9%
    against 6%, the first quarter off), 2025Q2 on track;
  * turn the overdue periods the alert records remember into due entries: the same
    (region, indicator, period) listed as announced, no new overdue notice at the start (the
    store's overdue_since is the upgrade), and a late figure resolves its entry once;
  * query replies carry each period's verdicts (2025Q3 at risk by quangang-14, 2026Q1 judged
    by no plan);
  * announce the loaded plans once (plan.<alias>.<plan>, previous nil: the first start of a
    release that remembers plan status), and nothing else at the start; log_v2_from and
    log_v3_from are the first of them (the fixture's notices are v 1);
  * not fill them twice: a restart logs no second pass and announces no plan again.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "client", "python"))
import planwatch_client as pwc  # noqa: E402
from pwcheck import check, daemon_on_copy, outcome  # noqa: E402
from test_overdue import notices  # noqa: E402

FIXTURE = os.path.join(HERE, "fixtures", "store-v6")


def series(items):
    keys = ("period", "value", "rev", "status", "msgid", "dept", "reason", "yoy", "backfill")
    return [tuple(x.get(k) for k in keys) for x in items]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build", "planwatchd")
    cli = os.path.join(os.path.dirname(binary), "planwatch")
    m = json.load(open(os.path.join(FIXTURE, "manifest.json"), encoding="utf-8"))
    last = m["status"]["last_seq"]
    d = daemon_on_copy(binary, FIXTURE, m["catalog"])
    try:
        d.start()
        with pwc.Client(d.ep, timeout=30) as c, pwc.Feeder(d.ep, timeout=30) as f:
            st = c.status()
            for k in ("observations", "revisions", "quarantined"):
                check(st[k] == m["status"][k], "status %s %s (manifest %s)" % (k, st[k], m["status"][k]))
            plans = sorted(os.path.basename(x)[:-5] for x in m["catalog"] if "/plans/" in x)
            new = notices(c, last, None)
            check(st["last_seq"] == last + len(plans) and
                  sorted(x["topic"] for x in new) ==
                  sorted("plan.%s.%s" % (p.rsplit("-", 1)[0], p) for p in plans) and
                  all(x["body"]["previous"] is None and x["body"]["status"] ==
                      ("closed" if x["body"]["plan"].endswith("-13") else "active") for x in new),
                  "at the start only the %d plans are announced: %s" %
                  (len(plans), [x["topic"] for x in new]))
            check(st["log_v2_from"] == last + 1 and st["log_v3_from"] == last + 1 and
                  all(x["body"]["v"] == 3 for x in new),
                  "log_v2_from, log_v3_from %d, new bodies v 3" % st["log_v2_from"])
            log = [[x["seq"], x["topic"]] for x in notices(c, 0, None)][:last]
            check(log == m["log"], "notices 1..%d replay with their topics" % last)
            q = c.query("quangang-14", "gdp")
            check(series(q["items"]) == series(m["query_quangang_gdp"]["items"]), "query quangang gdp")
            h = c.history("quangang-14", "gdp", "2025Q3")
            check(series(h["items"]) == series(m["history_quangang_gdp_2025Q3"]["items"]) and
                  [x["value"] for x in h["items"]] == [690.1, 691.4], "history 2025Q3: revs 1 and 2")
            v = {x["period"]: x["verdicts"] for x in q["items"]}
            check([(x["plan"], x["state"]) for x in v.get("2025Q3", [])] ==
                  [("quangang-14", "at_risk")] and v.get("2026Q1") == [] and
                  v["2025Q3"][0]["required"] == 6 and v["2025Q3"][0]["rule"] == "growth_yoy",
                  "query: per period the verdict of each plan judging it: %s" %
                  {k: v.get(k) for k in ("2025Q3", "2026Q1")})
            lq = c.query("licheng-14", "gdp")
            check(series(lq["items"]) == series(m["query_licheng_gdp"]["items"]), "query licheng gdp")
            a = c.alerts()
            al = {(x["plan"], x["indicator"]): x["state"] for x in a["items"]}
            want = {(x["plan"], x["indicator"]): x["state"] for x in m["alerts"]["items"]
                    if x["state"] != "none"}
            check(al == want, "alert states as in the manifest: %s" % sorted(want.items()))
            rj = c.rejected()["items"]
            check([(r["id"], r["code"]) for r in rj] ==
                  [(r["id"], r["code"]) for r in m["rejected"]["items"]], "the two rejects")
            # Verdicts of the stored periods, as the live rules would have stored them.
            g = {x["indicator"]: x for x in c.alerts(plan="quangang-14", period="2025Q3")["items"]}
            check(g.get("gdp", {}).get("period") == "2025Q3" and g["gdp"]["state"] == "at_risk" and
                  g["gdp"]["required"] == 6 and abs(g["gdp"]["value"] - 4.9) < 1e-9,
                  "as of 2025Q3: gdp at risk (4.9 vs 6): %s" % g.get("gdp"))
            g2 = {x["indicator"]: x for x in c.alerts(plan="quangang-14", period="2025Q2")["items"]}
            check(g2.get("gdp", {}).get("state") == "on_track", "as of 2025Q2: on track")
            rep = subprocess.run([cli, "-e", d.ep, "report", "--plan", "quangang-14", "--period",
                                  "2025Q3", "--format", "json"], capture_output=True, text=True,
                                 timeout=120)
            r = {x["indicator"]: x for x in json.loads(rep.stdout or "{}").get("indicators", [])}
            check(r.get("gdp", {}).get("verdict") == "at_risk" and
                  r["gdp"]["verdict_period"] == "2025Q3", "report --period 2025Q3 after 2025Q4")
            l13 = {x["indicator"]: x for x in c.alerts(plan="licheng-13", period="2020")["items"]}
            check(len(l13) > 5 and all(x["period"] == "2020" for x in l13.values()),
                  "the closed 13th plan's 2020 verdicts (backfilled figures): %d" % len(l13))
            # The overdue periods of the old alert records, now due entries.
            alias = {"quangang-14": "quangang", "licheng-14": "licheng"}
            old = {(alias[x["plan"]], x["indicator"], x["overdue"]) for x in m["alerts"]["items"]
                   if x["overdue"]}
            due = {(g["alias"], i["indicator"], g["period"]) for g in a["overdue"]
                   if g["announced"] for i in g["indicators"]}
            check(due == old, "%d old overdue periods are due entries (got %d)" % (len(old), len(due)))
            r = f.push("统计局", "late-1", [{"plan": "licheng-14", "indicator": "gdp",
                                             "period": "2025Q4", "value": 372.0, "unit": "亿元",
                                             "status": "flash", "yoy": 5.6}])
            res = notices(c, last, "resolved.licheng.")
            check(r.get("type") == "ack" and len(res) == 1 and
                  res[0]["topic"] == "resolved.licheng.统计局" and
                  res[0]["body"]["previous"] == "overdue" and res[0]["body"]["period"] == "2025Q4" and
                  [i["indicator"] for i in res[0]["body"]["indicators"]] == ["gdp"],
                  "licheng gdp 2025Q4 arrives: resolved once: %s" % [x["topic"] for x in res])
            r = f.push("统计局", "fx-1", [{"plan": "quangang-14", "indicator": "gdp",
                                           "period": "2025Q1", "value": 218.3, "unit": "亿元",
                                           "status": "preliminary", "yoy": 5.9}])
            check(r.get("type") == "ack" and c.status()["revisions"] == m["status"]["revisions"] + 1,
                  "resent fx-1 stores nothing (only late-1 added a revision)")
            check(notices(c, last, "overdue.") == [], "no overdue notice since the upgrade")
        d.stop()
        d.start()
        with pwc.Client(d.ep, timeout=30) as c:
            check(c.alerts(plan="quangang-14", period="2025Q3")["items"], "verdicts kept")
            check(notices(c, last, "plan.") == new, "a restart announces no plan again")
        with open(d.log, errors="replace") as fh:
            passes = fh.read().count("stored periods filled in")
        check(passes == 1, "the verdicts were filled in once (%d passes logged)" % passes)
    finally:
        d.stop()
        print(d.log_tail(4), end="")
        d.cleanup()
    return outcome("test_migrate_v6")


if __name__ == "__main__":
    sys.exit(main())
