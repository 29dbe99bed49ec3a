#!/usr/bin/env python3
"""tests/test_verdicts.py PLANWATCHD — the verdict of each judged period (table verdict),
through the real daemon and `planwatch report`.

On 泉港区 (region file, its 13th and 14th plans, the fixture 15th plan of
tests/fixtures/plan-15-TEST-FIXTURE) with the clock in December 2026:
  * gdp 2025Q3 (+4.0%, short of 6%: at risk, the first quarter off), 2025Q4 (+6.5%: on
    track), then 2026Q1 (judged by quangang-15 only): `report --plan quangang-14 --period
    2025Q3` still shows 2025Q3's verdict (at risk, against 6), `--period 2025` 2025Q4's, and
    alerts as of 2025Q3 say so too — on main before this change the 2025Q3 report said
    "none" once 2025Q4 had come;
  * the 14th plan closed (its file edited, restart): the same reports, unchanged;
  * a city target set for 2025 (air_good_days 99) re-judges the stored 2025 periods: the
    2025-06 verdict is judged against 99, a 2024 one keeps its own requirement.
"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "client", "python"))
import planwatch_client as pwc  # noqa: E402
from test_python_client import Daemon  # noqa: E402
from pwcheck import check, outcome  # noqa: E402

FIX = "tests/fixtures/plan-15-TEST-FIXTURE/"
DEC_2026 = 1796169600000  # 2026-12-01T00:00:00Z


def configure(d, q14):
    cats = ["%s/catalog/regions/quangang.yaml" % SRC, "%s/catalog/plans/quangang-13.yaml" % SRC,
            q14, "%s/%squangang-15.TEST-FIXTURE.yaml" % (SRC, FIX)]
    with open(d.conf, "w") as f:
        f.write("state_dir: %s/state\ncatalog:\n%slisten: %s\npublish: %s\n"
                "allow_clock_set: true\n" % (d.dir, "".join("  - %s\n" % c for c in cats),
                                             d.ep, d.pub))


def item(ind, period, value, unit, yoy=None, status="final"):
    it = {"region": "quangang", "indicator": ind, "period": period, "value": value,
          "unit": unit, "status": status}
    if yoy is not None:
        it["yoy"] = yoy
    return it


def report(cli, ep, period):
    out = subprocess.run([cli, "-e", ep, "report", "--plan", "quangang-14", "--period", period,
                          "--format", "json"], capture_output=True, text=True, timeout=120)
    if out.returncode:
        return {}
    return {x["indicator"]: x for x in json.loads(out.stdout)["indicators"]}


def as_of(c, period, plan="quangang-14"):
    return {x["indicator"]: x for x in c.alerts(plan=plan, period=period)["items"]}


def reports_2025(cli, d, c, when):
    r = report(cli, d.ep, "2025Q3").get("gdp", {})
    check(r.get("verdict") == "at_risk" and r.get("verdict_period") == "2025Q3" and
          r.get("required") == 6 and abs(r.get("gap", 0) + 2) < 1e-9,
          "%s: report --period 2025Q3: gdp at risk in 2025Q3 (4.0 vs 6): %s" %
          (when, {k: r.get(k) for k in ("verdict", "verdict_period", "required", "gap")}))
    r = report(cli, d.ep, "2025").get("gdp", {})
    check(r.get("verdict") == "on_track" and r.get("verdict_period") == "2025Q4",
          "%s: report --period 2025: 2025Q4 on track" % when)
    a = as_of(c, "2025Q3").get("gdp", {})
    check(a.get("state") == "at_risk" and a.get("period") == "2025Q3" and
          a.get("rule") == "growth_yoy", "%s: alerts as of 2025Q3: %s" % (when, a))


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build", "planwatchd")
    cli = os.path.join(os.path.dirname(binary), "planwatch")
    d = Daemon(binary)
    q14 = os.path.join(d.dir, "quangang-14.yaml")
    shutil.copy(os.path.join(SRC, "catalog", "plans", "quangang-14.yaml"), q14)
    configure(d, q14)
    try:
        d.start()
        with pwc.Client(d.ep, timeout=30) as c, pwc.Feeder(d.ep, timeout=30) as f:
            c.clock_set(DEC_2026)
            for k, (per, v, yoy) in enumerate([("2025Q3", 700, 4.0), ("2025Q4", 1002, 6.5),
                                               ("2026Q1", 240, 5.5)]):
                r = f.push("统计局", "v-%d" % k, [item("gdp", per, v, "亿元", yoy, "flash")])
                check(r.get("type") == "ack", "gdp %s acknowledged" % per)
            now = {x["indicator"]: x for x in c.alerts(plan="quangang-14")["items"]}
            check(now.get("gdp", {}).get("period") == "2025Q4" and
                  now["gdp"]["state"] == "on_track", "quangang-14 now: 2025Q4 on track")
            g15 = as_of(c, "2026Q1", "quangang-15").get("gdp", {})
            check(g15.get("period") == "2026Q1", "2026Q1 judged by quangang-15: %s" % g15)
            check(as_of(c, "2026Q1").get("gdp", {}).get("period") == "2025Q4",
                  "and not by quangang-14 (its newest stays 2025Q4)")
            reports_2025(cli, d, c, "after 2026Q1")
            # A city target for 2025 re-judges 2025's stored periods, not 2024's.
            for k, per in enumerate(("2024-06", "2025-06")):
                f.push("生态环境局", "a-%d" % k, [item("air_good_days", per, 98.2, "%")])
            r = c.result("target_set", plan="quangang-14", indicator="air_good_days",
                         value=97, year=2024)
            r = c.result("target_set", plan="quangang-14", indicator="air_good_days",
                         value=99, year=2025)
            a25 = as_of(c, "2025-06").get("air_good_days", {})
            a24 = as_of(c, "2024-06").get("air_good_days", {})
            check(a25.get("required") == 99 and a25.get("period") == "2025-06" and
                  a25.get("state") in ("at_risk", "off_track"),
                  "2025-06 judged again against 2025's 99: %s" % a25)
            check(a24.get("required") == 97 and a24.get("state") == "on_track",
                  "2024-06 keeps 2024's 97: %s" % a24)
        # The 14th plan closes: its stored verdicts stay what the reports show.
        d.stop()
        with open(q14, encoding="utf-8") as fh:
            text = fh.read()
        with open(q14, "w", encoding="utf-8") as fh:
            fh.write(text.replace("  status: active", "  status: closed", 1))
        d.start()
        with pwc.Client(d.ep, timeout=30) as c:
            c.clock_set(DEC_2026)
            reports_2025(cli, d, c, "closed")
    finally:
        d.stop()
        print(d.log_tail(3), end="")
        d.cleanup()
    return outcome("test_verdicts")


if __name__ == "__main__":
    sys.exit(main())
