#!/usr/bin/env python3
"""tests/test_plans.py PLANWATCHD — plans across time, through the real daemon.

On the shipped format-2 catalog of 泉港区 (catalog/regions/quangang.yaml, its 13th plan
2016-2020 closed and its 14th 2021-2025) with the daemon clock in December 2026:
  * one series, two plans: gdp 2020 is judged by quangang-13 only, gdp 2021Q2 (sent as a v1
    item naming quangang-13) by quangang-14 only; both plans answer the same series;
  * a 2026 figure is stored and judged by no expired plan: no verdict notice, the 14th plan's
    verdict stays its 2021Q2 one, and `alerts` says "no plan in force for 2026";
  * change notices name the region (change.quangang.gdp);
  * items may name the series by region (id or alias) + indicator; a plan of another region
    beside it is bad_field, an unknown region unknown_region;
  * protocol v2 (PROTOCOL.md §3, §4): an update with detail: true gets an ACK with items
    {index, region, indicator, period, judged_by} (a resend: the same bytes), one without
    it the ACK of v1; change notices are body v 2 (region, alias, sent_unit/sent_value,
    judged_by, no plan); verdict and target notices are topic'd kind.alias.plan.series
    with region, alias, plan, plan_window; query and history by region (id or alias) answer
    the series a v1 plan names; Subscriber(region=) keeps one region's notices; status
    tells log_v2_from;
then a bureau adding its 15th plan, the steps of catalog/README.md "Adding a 15th plan", with
the fixture 15th plan (tests/fixtures/plan-15-TEST-FIXTURE, made-up numbers):
  * the stored 2025 figures come in as region-keyed history (`planwatch import --backfill` of
    the fixture CSV);
  * `planwatch catalog check --store` lints the plan file before it is loaded: exactly the one
    baseline that differs from the stored 2025 figure, "quangang-15 gdp: 15th-plan baseline
    1050 differs from the stored 2025 final figure 1062" (a copy with the stored 1062: none);
  * loaded as a draft by SIGHUP (a reload, not a restart): the daemon's lint logs the same one
    line, plan.quangang.quangang-15 announces it (draft, previous nil), and the draft judges
    nothing (2026 still has no plan in force);
  * set active, SIGHUP (plan.quangang.quangang-15: active, previous draft):
  * city targets per year (target_set year): 2026 = 3.2, 2027 = 3.0, 2026 revised to 3.3;
    the notices carry year and rev, a year outside the window is out_of_range, and a 2026
    figure is judged against 3.3;
  * a 2026 figure is judged by quangang-15 (its 2026 年度目标 5.5%), and there is a plan in
    force again; the 14th plan judged the 2025 figure that arrived after 2026Q3 (each plan is
    governed by its newest period inside its window);
  * the 14th plan closed (`status: closed`, SIGHUP; plan.quangang.quangang-14: closed,
    previous active; nothing for the plans that did not change): a late revision of its 2025 figure is
    judged but announced by no verdict notice, `query` still answers its series and `report
    --plan quangang-14 --period 2025` still shows its 2025 verdicts; a restart lints again.
"""
import csv
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "client", "python"))
import planwatch_client as pwc  # noqa: E402
from test_python_client import Daemon  # noqa: E402

BASE = ["catalog/regions/quangang.yaml", "catalog/plans/quangang-13.yaml",
        "catalog/plans/quangang-14.yaml", "catalog/regions/licheng.yaml",
        "catalog/plans/licheng-14.yaml"]
P15 = "tests/fixtures/plan-15-TEST-FIXTURE/quangang-15.TEST-FIXTURE.yaml"
DEC_2026 = 1796169600000  # 2026-12-01T00:00:00Z
FAILED = []


def check(cond, what):
    print("%s %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        FAILED.append(what)


def configure(d, catalogs):
    with open(d.conf, "w") as f:
        f.write("state_dir: %s/state\ncatalog:\n%slisten: %s\npublish: %s\n"
                "allow_clock_set: true\n" % (d.dir, "".join("  - %s\n" % os.path.join(SRC, c)
                                                            for c in catalogs), d.ep, d.pub))


def item(plan, period, value, yoy=None, status="final"):
    it = {"indicator": "gdp", "period": period, "value": value, "unit": "亿元", "status": status}
    if plan:
        it["plan"] = plan
    if yoy is not None:
        it["yoy"] = yoy
    return it


def verdicts(c):
    return {(a["plan"], a["indicator"]): a for a in c.alerts()["items"]}


def notices_after(c, seq):
    """Every notice after seq (paged), and the last seq seen."""
    out, more = [], True
    while more:
        page = c.since(seq, limit=500)
        out += page["items"]
        more = page.get("more") and page["items"]
        if page["items"]:
            seq = page["items"][-1]["seq"]
    return out, seq


def topics_after(c, seq):
    items, seq = notices_after(c, seq)
    return [x["topic"] for x in items], seq


def plan_notices(c, seq):
    """(topic, status, previous) of the plan. notices after seq."""
    items, _ = notices_after(c, seq)
    return [(x["topic"], x["body"]["status"], x["body"]["previous"]) for x in items
            if x["topic"].startswith("plan.")]


def check_v2(c, f, seq):
    """The v2 protocol through the daemon: ACK items, notice bodies and topics, reads by
    region. Returns the last seq seen."""
    _, seq = notices_after(c, seq)
    plain = f.push("统计局", "p-v0", [dict(item(None, "2022Q1", 180.2, 6.5), region="quangang")])
    check(sorted(plain) == ["changed", "count", "id", "seq", "type", "v"],
          "without detail the ACK is v1's: %s" % sorted(plain))
    items = [dict(item(None, "2022Q2", 4000000, 6.6), region="quangang", unit="万元"),
             item("quangang-13", "2026Q2", 500.0, 4.0, "flash"),
             dict(item(None, "2019", 650.1, 7.4), region="350505")]
    r, frame = f.push("统计局", "p-v1", items, detail=True, raw=True)
    # targeted: a plan of the region has a target on gdp, though none judges 2026Q2
    want = [{"index": 0, "region": "350505", "indicator": "gdp", "period": "2022Q2",
             "judged_by": ["quangang-14"], "targeted": True},
            {"index": 1, "region": "350505", "indicator": "gdp", "period": "2026Q2",
             "judged_by": [], "targeted": True},
            {"index": 2, "region": "350505", "indicator": "gdp", "period": "2019",
             "judged_by": ["quangang-13"], "targeted": True}]
    check(r.get("type") == "ack" and r.get("items") == want, "ACK items: %s" % r.get("items"))
    r2, frame2 = f.push("统计局", "p-v1", items, raw=True)
    check(frame2 == frame, "a resend (without detail) gets the original ACK, items and all")
    notices, seq = notices_after(c, seq)
    changes = [n["body"] for n in notices if n["topic"] == "change.quangang.gdp"]
    check([b["period"] for b in changes] == ["2022Q1", "2022Q2", "2026Q2", "2019"],
          "one change notice per new figure: %s" % [b["period"] for b in changes])
    b = changes[1] if len(changes) == 4 else {}
    check(b.get("v") == 3 and b.get("region") == "350505" and b.get("alias") == "quangang" and
          "plan" not in b and b.get("judged_by") == ["quangang-14"] and b.get("value") == 400 and
          b.get("unit") == "亿元" and b.get("sent_unit") == "万元" and b.get("sent_value") == 4000000,
          "change body v3 (v2's: region, alias, what was sent, judged_by): %s" % b)
    check(len(changes) == 4 and changes[2].get("judged_by") == [] and
          changes[3].get("judged_by") == ["quangang-13"] and changes[0].get("sent_unit") == "亿元",
          "judged_by [] for 2026, the 13th plan for 2019")
    # A full-year figure of +2% against 6% (the newest in the window): the 14th plan's
    # breach, by region then plan.
    r = f.push("统计局", "p-v2", [dict(item(None, "2023", 900.0, 2.0), region="quangang")])
    check(r.get("type") == "ack", "gdp 2023 acknowledged")
    notices, seq = notices_after(c, seq)
    br = [n for n in notices if n["topic"].startswith("breach.")]
    check([n["topic"] for n in br] == ["breach.quangang.quangang-14.gdp"],
          "verdict topic kind.alias.plan.series: %s" % [n["topic"] for n in notices])
    b = br[0]["body"] if br else {}
    check(b.get("v") == 3 and b.get("region") == "350505" and b.get("alias") == "quangang" and
          b.get("plan") == "quangang-14" and b.get("plan_window") == [2021, 2025] and
          b.get("period") == "2023" and b.get("state") == "off_track",
          "verdict body names region and plan: %s" % b)
    # Reads by region: the series a v1 plan names, with the region in the reply.
    qr, q14 = c.query(region="quangang", indicator="gdp"), c.query("quangang-14", "gdp")
    check(qr["items"] == q14["items"] and len(qr["items"]) >= 8, "query by region = by plan")
    check(qr.get("region") == "350505" and qr.get("alias") == "quangang" and qr.get("plan") is None
          and q14.get("plan") == "quangang-14", "query names the region: %s" %
          {k: qr.get(k) for k in ("plan", "region", "alias")})
    hr = c.history(region="350505", indicator="gdp", period="2019")
    check(hr["items"] == c.history("quangang-13", "gdp", "2019")["items"] and
          [x["value"] for x in hr["items"]] == [650.1], "history by region id")
    for kw, err in ((dict(region="atlantis"), "unknown_region"),
                    (dict(region="quangang", plan="licheng-14"), "bad_field"),
                    (dict(region="licheng", indicator="no_such"), "unknown_indicator"),
                    (dict(), "bad_field")):
        args = dict(dict(indicator="gdp"), **kw)
        got = c.call("query", **args)
        check(got.get("type") == "nack" and got.get("error") == err,
              "query %s: %s" % (kw, got.get("error")))
    st = c.status()
    check(st.get("log_v2_from") == 1 and st.get("log_v3_from") == 1,
          "a fresh store's notices are v2 topics and v3 bodies from seq 1")
    return seq


def cli(d, binary, *args):
    """planwatch ARGS against the daemon: (exit code, stdout, stderr)."""
    p = subprocess.run([os.path.join(os.path.dirname(binary), "planwatch")] + list(args),
                       env=dict(os.environ, PLANWATCH_ENDPOINT=d.ep), capture_output=True,
                       text=True, cwd=SRC)
    return p.returncode, p.stdout, p.stderr


def variant(d, src, name, old, new):
    """A copy of catalog file src in the daemon's directory with old replaced by new once."""
    with open(os.path.join(SRC, src), encoding="utf-8") as f:
        text = f.read()
    check(old in text, "%s holds %r" % (src, old))
    path = os.path.join(d.dir, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new, 1))
    return path


def log_since(d, start):
    with open(d.log, errors="replace") as fh:
        fh.seek(start)
        return fh.read()


def reload(d, catalogs):
    """Points the config at catalogs and sends SIGHUP; returns the log lines of the reload."""
    configure(d, catalogs)
    start = os.path.getsize(d.log)
    d.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        log = log_since(d, start)
        if "reloaded:" in log or "keeping the running" in log:
            check("reloaded:" in log, "reload refused: %s" % log)
            # The baseline lint is logged after "reloaded:", in the same turn of the loop:
            # a request answered after it proves the whole reload (lint included) is done.
            with pwc.Client(d.ep, timeout=30) as c:
                c.status()
            return log_since(d, start).splitlines()
        time.sleep(0.05)
    check(False, "no reload within 60 s")
    return []


def lint_lines(lines):
    return [ln for ln in lines if "-plan baseline" in ln]


LINT15 = "quangang-15 gdp: 15th-plan baseline 1050 differs from the stored 2025 final figure 1062"
CSV15 = "tests/fixtures/plan-15-TEST-FIXTURE/quangang-2025.TEST-FIXTURE.csv"


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build", "planwatchd")
    d = Daemon(binary)
    configure(d, BASE)
    try:
        d.start()
        with pwc.Client(d.ep, timeout=30) as c, pwc.Feeder(d.ep, timeout=30) as f:
            c.clock_set(DEC_2026)
            _, seq = topics_after(c, 0)
            r = f.push("统计局", "p-1", [item("quangang-13", "2020", 734.44, 7.3)])
            check(r.get("type") == "ack", "gdp 2020 acknowledged")
            v = verdicts(c)
            g13 = v.get(("quangang-13", "gdp"), {})
            check(g13.get("period") == "2020" and g13.get("required") == 9,
                  "gdp 2020 (+7.3%%) judged by quangang-13 against its 9%%: %s" % g13)
            check(v.get(("quangang-14", "gdp"), {}).get("period") is None, "and not by quangang-14")
            # A v1 item naming the 13th plan: stored under the region, judged by the 14th.
            r = f.push("统计局", "p-2", [item("quangang-13", "2021Q2", 345.6, 8.0)])
            check(r.get("type") == "ack", "gdp 2021Q2 acknowledged")
            v = verdicts(c)
            g14 = v.get(("quangang-14", "gdp"), {})
            check(g14.get("period") == "2021Q2" and g14.get("required") == 6,
                  "gdp 2021Q2 judged by quangang-14 (6%%): %s" % g14)
            check(v.get(("quangang-13", "gdp"), {}).get("period") == "2020", "quangang-13 keeps 2020")
            q13, q14 = c.query("quangang-13", "gdp"), c.query("quangang-14", "gdp")
            check([x["period"] for x in q13["items"]] == ["2020", "2021Q2"] and
                  q13["items"] == q14["items"], "one series answers for both plans")
            topics, seq = topics_after(c, seq)
            check(topics.count("change.quangang.gdp") == 2, "change notices name the region: %s"
                  % topics)
            check(not [t for t in topics if t.split(".")[0] in ("at_risk", "breach") and
                       "quangang-13" in t], "the closed 13th plan announces nothing")
            # 2026: no plan in force (the 14th ended with 2025): stored, judged by none.
            r = f.push("统计局", "p-3", [item("quangang-14", "2026Q3", 800, -3.0, "flash")])
            check(r.get("type") == "ack", "gdp 2026Q3 acknowledged")
            topics, seq = topics_after(c, seq)
            check(topics == ["change.quangang.gdp"], "2026Q3: only a change notice: %s" % topics)
            a = c.alerts()
            v = {(x["plan"], x["indicator"]): x for x in a["items"]}
            check(v.get(("quangang-14", "gdp"), {}).get("period") == "2021Q2",
                  "no expired plan judged 2026Q3 (quangang-14 keeps 2021Q2)")
            check(a.get("no_plan_in_force") == 2026, "alerts: no plan in force for 2026")
            out = subprocess.run([os.path.join(os.path.dirname(binary), "planwatch"), "alerts"],
                                 env=dict(os.environ, PLANWATCH_ENDPOINT=d.ep),
                                 capture_output=True, text=True).stdout
            check("no plan in force for 2026 — load the 15th-plan catalog; see catalog/README.md"
                  in out, "planwatch alerts says so plainly")
            # A department reports figures, not plans: region + indicator (id or alias).
            r = f.push("统计局", "p-r1", [dict(item(None, "2021Q3", 520.1, 7.5), region="quangang")])
            check(r.get("type") == "ack", "region item acknowledged: %s" % r)
            v = verdicts(c)
            check(v.get(("quangang-14", "gdp"), {}).get("period") == "2021Q3",
                  "the region item is judged by the plan in force")
            r = f.push("统计局", "p-r2", [dict(item("quangang-13", "2021Q4", 734.0, 7.0),
                                               region="350505")])
            check(r.get("type") == "ack", "region id and a plan of it agree: %s" % r)
            q = c.query("quangang-14", "gdp")
            check([x["period"] for x in q["items"]] == ["2020", "2021Q2", "2021Q3", "2021Q4",
                                                        "2026Q3"], "all on one series")
            r = f.push("统计局", "p-r3", [dict(item("licheng-14", "2021Q4", 1.0), region="quangang")])
            check(r.get("type") == "nack" and r.get("error") == "bad_field",
                  "region and plan of another region: %s" % r.get("error"))
            r = f.push("统计局", "p-r4", [dict(item(None, "2021Q4", 1.0), region="atlantis")])
            check(r.get("type") == "nack" and r.get("error") == "unknown_region",
                  "unknown region: %s" % r.get("error"))
            seq = check_v2(c, f, seq)
            # One region's notices: a licheng figure is not among quangang's.
            r = f.push("统计局", "p-l1", [dict(item(None, "2021Q3", 300.5, 8.1), region="licheng")])
            check(r.get("type") == "ack", "licheng gdp acknowledged: %s" % r)
            with pwc.Subscriber(d.pub, c, since=seq - 3, region="quangang") as sub:
                got = []
                while True:
                    n = sub.next(timeout=1.5)
                    if n is None:
                        break
                    got.append(n.topic)
            all_topics, seq = topics_after(c, seq - 3)
            check("change.licheng.gdp" in all_topics and got == [t for t in all_topics if
                                                                 ".quangang." in t],
                  "Subscriber(region=quangang): %s of %s" % (got, all_topics))
            # The 2025 final figure the 15th plan's baselines are checked against.
            # (with the fixture CSV's note: its row imported below is then an identical
            # re-send, not a new note on a final figure, which final_locked would refuse)
            r = f.push("统计局", "p-4", [dict(item("quangang-14", "2025", 1062, 5.9),
                                             reason="TEST FIXTURE: made up")])
            check(r.get("type") == "ack", "gdp 2025 acknowledged")

            # Adding the 15th plan (catalog/README.md). 1: the 2025 figures, region-keyed.
            rc, out, err = cli(d, binary, "import", "--backfill", CSV15)
            check(rc == 0 and "9 rows, 9 accepted, 0 rejected" in out,
                  "2025 figures imported by region: %s %s" % (out, err))
            # 2: the plan file checked against them before it is loaded.
            rc, out, err = cli(d, binary, "catalog", "check", "--store",
                               "catalog/regions/quangang.yaml", P15)
            warns = [ln for ln in err.splitlines() if ln.startswith("warning:")]
            check(rc == 0 and warns == ["warning: " + LINT15] and
                  "1 baseline(s) differ from the stored figures" in out,
                  "catalog check --store: %r %r" % (warns, out))
            fixed = variant(d, P15, "quangang-15.fixed.yaml", "value: 1050}", "value: 1062}")
            rc, out, err = cli(d, binary, "catalog", "check", "--store",
                               "catalog/regions/quangang.yaml", fixed)
            check(rc == 0 and "warning:" not in err and "0 baseline(s) differ" in out,
                  "a baseline equal to the stored figure passes: %r %r" % (err, out))
            # 3: loaded as a draft by a reload: linted, judges nothing.
            draft = variant(d, P15, "quangang-15.draft.yaml", "status: active", "status: draft")
            _, mark = topics_after(c, 0)
            lint = lint_lines(reload(d, BASE + [draft]))
            check(len(lint) == 1 and LINT15 in lint[0], "reload lint (draft): %s" % lint)
            pn = plan_notices(c, mark)
            check(pn == [("plan.quangang.quangang-15", "draft", None)],
                  "the draft's loading announced once: %s" % pn)
            r = f.push("统计局", "p-5d", [item("quangang-14", "2026Q3", 800.5, 5.0, "flash")])
            check(r.get("type") == "ack", "gdp 2026Q3 under the draft, acknowledged")
            a = c.alerts()
            check(a.get("no_plan_in_force") == 2026 and
                  not [x for x in a["items"] if x["plan"] == "quangang-15"],
                  "a draft judges nothing: %s" % a)
            # 4: active.
            _, mark = topics_after(c, 0)
            lint = lint_lines(reload(d, BASE + [P15]))
            check(len(lint) == 1 and LINT15 in lint[0], "reload lint (active): %s" % lint)
            pn = plan_notices(c, mark)
            check(pn == [("plan.quangang.quangang-15", "active", "draft")],
                  "draft -> active announced: %s" % pn)
            r = f.push("统计局", "p-5", [item("quangang-14", "2026Q3", 801, 5.0, "flash")])
            check(r.get("type") == "ack", "gdp 2026Q3 revised, acknowledged")
            a = c.alerts()
            v = {(x["plan"], x["indicator"]): x for x in a["items"]}
            g15 = v.get(("quangang-15", "gdp"), {})
            check(g15.get("period") == "2026Q3" and g15.get("required") == 5.5 and
                  g15.get("state") == "at_risk", "2026Q3 judged by quangang-15: %s" % g15)
            p14 = v.get(("quangang-14", "gdp"), {}).get("period")
            check(p14 == "2025", "quangang-14 judged its 2025 figure (sent after 2026Q3), "
                  "not 2026: %s" % p14)
            check("no_plan_in_force" not in a, "a plan is in force for 2026")
            # City targets (完成市下达任务) per year, kept with their history.
            def target(year, value):
                return c.call("target_set", plan="quangang-15", indicator="energy_intensity_cut",
                              value=value, year=year, dept="发改局")
            check(target(2026, 3.2).get("type") == "ack" and target(2027, 3.0).get("type") ==
                  "ack" and target(2026, 3.3).get("type") == "ack", "targets 2026, 2027, 2026")
            r = target(2031, 3.0)
            check(r.get("type") == "nack" and r.get("error") == "out_of_range",
                  "a year outside the window: %s" % r.get("error"))
            tg = [x for x in c.since(0, limit=10000, prefix="target.")["items"]]
            check([x["topic"] for x in tg] == ["target.quangang.quangang-15.energy_intensity_cut"] * 3,
                  "target topics by region then plan: %s" % [x["topic"] for x in tg])
            check([(x["body"]["year"], x["body"]["rev"], x["body"]["target"]) for x in tg] ==
                  [(2026, 1, 3.2), (2027, 1, 3.0), (2026, 2, 3.3)],
                  "target notices carry year and rev: %s" % [(x["body"]["year"], x["body"]["rev"])
                                                             for x in tg])
            r = f.push("发改局", "p-6", [{"plan": "quangang-15", "indicator": "energy_intensity_cut",
                                          "period": "2026", "value": 3.25, "unit": "%",
                                          "status": "preliminary"}])
            check(r.get("type") == "ack", "energy_intensity_cut 2026 acknowledged")
            e = {(x["plan"], x["indicator"]): x for x in c.alerts()["items"]}.get(
                ("quangang-15", "energy_intensity_cut"), {})
            check(e.get("required") == 3.3 and e.get("period") == "2026",
                  "2026 judged against its newest 2026 target 3.3 (not 2027's 3.0): %s" % e)
            # 5: the 14th plan closed after its 终期评估: judged, silent, still reported.
            closed = variant(d, "catalog/plans/quangang-14.yaml", "quangang-14.closed.yaml",
                             "status: active", "status: closed")
            base_closed = [closed if b == "catalog/plans/quangang-14.yaml" else b for b in BASE]
            _, mark = topics_after(c, 0)
            reload(d, base_closed + [P15])
            pn = plan_notices(c, mark)
            check(pn == [("plan.quangang.quangang-14", "closed", "active")],
                  "the 14th plan's closing announced, nothing else: %s" % pn)
            _, seq = topics_after(c, 0)
            r = f.push("统计局", "p-7", [item("quangang-14", "2025", 1040, 3.0, "revised")])
            check(r.get("type") == "ack", "a late revision of gdp 2025 acknowledged")
            topics, seq = topics_after(c, seq)
            check(topics == ["change.quangang.gdp"],
                  "the closed 14th plan announces nothing (3.0%% against its 6%%): %s" % topics)
            g14 = {(x["plan"], x["indicator"]): x for x in c.alerts()["items"]}.get(
                ("quangang-14", "gdp"), {})
            check(g14.get("period") == "2025" and g14.get("value") == 3.0 and
                  g14.get("state") == "off_track", "but it judges the revision: %s" % g14)
            q = c.query("quangang-14", "gdp")
            check([x["value"] for x in q["items"] if x["period"] == "2025"] == [1040],
                  "the closed plan still answers its series: %s" % q["items"])
            out_csv = os.path.join(d.dir, "q14-2025.csv")
            rc, out, err = cli(d, binary, "report", "--plan", "quangang-14", "--period", "2025",
                               "--format", "csv", "-o", out_csv)
            check(rc == 0, "report --plan quangang-14 --period 2025: %s" % err)
            with open(out_csv, newline="", encoding="utf-8") as fh:
                rows = {r["indicator"]: r for r in csv.DictReader(fh)}
            gdp = rows.get("gdp", {})
            check(gdp.get("latest_period") == "2025" and
                  float(gdp.get("latest_value", 0)) == 1040 and
                  gdp.get("verdict") == g14.get("state") and gdp.get("verdict_period") == "2025",
                  "the 14th plan's 2025 report after 2026 figures: %s" % gdp)
            check(float(rows.get("fiscal_total_revenue", {}).get("latest_value") or 0) == 121.5,
                  "and its other 2025 figures: %s" % rows.get("fiscal_total_revenue"))
        # A restart lints the loaded plans again (start and reload share the lint).
        d.stop()
        start = os.path.getsize(d.log)
        d.start()
        lint = lint_lines(log_since(d, start).splitlines())
        check(len(lint) == 1 and "quangang-15 gdp: 15th-plan baseline 1050 differs from the "
              "stored 2025 revised figure 1040" in lint[0],
              "start lint, on the revision: %s" % lint)
    finally:
        d.stop()
        if FAILED:
            print(d.log_tail(20), end="")
        shutil.rmtree(d.dir, ignore_errors=True)
    print("test_plans: %s" % ("FAILED: %d" % len(FAILED) if FAILED else "ok"))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
