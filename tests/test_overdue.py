#!/usr/bin/env python3
"""tests/test_overdue.py PLANWATCHD — overdue per (department, period), through the real daemon.

On the shipped region files of 泉港区 and 鲤城区 (their 13th and 14th plans):
  * a first start announces nothing: the store's overdue_since is its creation, the old
    gaps are counted (alerts "unannounced") and listed only with all, never announced; a
    figure falling due after the start is announced;
then, on a second store with the config's overdue_since 2041-01-01 and the clock at
2041-02-01 12:00 (no plan in force: release calendars belong to the series):
  * the announced groups are exactly what an oracle computes from the region files (due_days,
    first_due, frequency, the responsible department): one overdue.<alias>.<dept> notice per
    (region, department, period), its indicators with their days late (whole days, rounded
    up), nothing due before overdue_since;
  * a second check, a restart (SIGTERM) and a kill -9 restart announce nothing again;
  * a figure clears its due entry in the txn that stores it: resolved.<alias>.<dept> for its
    (region, department, period), as announced (previous "overdue", the figure with its days
    late, the group's figures still outstanding), no longer in alerts; an annual figure
    stands in for December;
  * alerts lists the rest grouped, sorted by department then days late, narrowed by region,
    plan and department; the CLI prints one line per group (alerts --region --dept too).
Assumes the machine's clock is before 2041 (the start's own check must find nothing due
since 2041-01-01).
"""
import calendar
import os
import subprocess
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "client", "python"))
import planwatch_client as pwc  # noqa: E402
from test_python_client import Daemon  # noqa: E402
from pwcheck import check, outcome  # noqa: E402

REGIONS = ["catalog/regions/quangang.yaml", "catalog/regions/licheng.yaml"]
CATALOG = REGIONS + ["catalog/plans/quangang-13.yaml", "catalog/plans/quangang-14.yaml",
                     "catalog/plans/licheng-13.yaml", "catalog/plans/licheng-14.yaml"]
DAY = 86400000
SINCE = calendar.timegm((2041, 1, 1, 0, 0, 0)) * 1000
NOW = calendar.timegm((2041, 2, 1, 12, 0, 0)) * 1000
LOOKBACK = 12


# ---- the oracle: the release calendar of catalog/SCHEMA.md, from the region files ----

FREQ = {"annual": 1, "quarterly": 2, "monthly": 3}


def parse_period(s):
    s = str(s)
    if "Q" in s:
        return (int(s[:4]), 2, int(s[5:]))
    if "-" in s:
        return (int(s[:4]), 3, int(s[5:]))
    return (int(s), 1, 0)


def fmt(p):
    y, f, n = p
    return "%d" % y if f == 1 else "%dQ%d" % (y, n) if f == 2 else "%d-%02d" % (y, n)


def end_ms(p):
    y, f, n = p
    last = 12 if f == 1 else 3 * n if f == 2 else n
    y2, m2 = (y + 1, 1) if last == 12 else (y, last + 1)
    return calendar.timegm((y2, m2, 1, 0, 0, 0)) * 1000


def prev(p):
    y, f, n = p
    if f == 1:
        return (y - 1, 1, 0)
    top = 4 if f == 2 else 12
    return (y, f, n - 1) if n > 1 else (y - 1, f, top)


def period_of(ms, f):
    t = time.gmtime(ms // 1000)
    return (t.tm_year, f, 0 if f == 1 else (t.tm_mon - 1) // 3 + 1 if f == 2 else t.tm_mon)


def series():
    out = []
    for path in REGIONS:
        doc = yaml.safe_load(open(os.path.join(SRC, path), encoding="utf-8"))
        for s in doc["series"]:
            if s.get("due_days"):
                out.append(dict(alias=doc["region"]["alias"], region=str(doc["region"]["id"]),
                                id=s["id"], name=s["name"], dept=s["departments"][0],
                                freq=FREQ[s["frequency"]], due_days=s["due_days"],
                                first=parse_period(s["first_due"])))
    return out


def missing(s, now, stored=()):
    """(period, due_ms) of s missing at now among its LOOKBACK newest due periods."""
    due = lambda p: end_ms(p) + s["due_days"] * DAY  # noqa: E731
    p = period_of(now, s["freq"])
    while due(p) > now:
        p = prev(p)
    out = []
    for _ in range(LOOKBACK):
        if p < s["first"]:
            break
        combined_jan = p[1] == 3 and p[2] == 1 and s["first"][1] == 3 and s["first"][2] == 2
        if not combined_jan and (s["alias"], s["id"], p) not in stored:
            out.append((p, due(p)))
        p = prev(p)
    return out


def days_late(due, now):
    return -(-(now - due) // DAY)


def expected_groups(since, now, stored=()):
    g = {}
    for s in series():
        for p, due in missing(s, now, stored):
            if due >= since:
                g.setdefault((s["alias"], s["dept"], fmt(p)), {})[s["id"]] = days_late(due, now)
    return g


# ---- the daemon's side ----

def configure(d, extra=""):
    with open(d.conf, "w") as f:
        f.write("state_dir: %s/state\ncatalog:\n%slisten: %s\npublish: %s\n"
                "allow_clock_set: true\n%s" % (d.dir, "".join("  - %s/%s\n" % (SRC, c)
                                                              for c in CATALOG),
                                              d.ep, d.pub, extra))


def notices(c, seq, prefix):
    out, more = [], True
    while more:
        page = c.since(seq, limit=500, prefix=prefix)
        out += page["items"]
        more = page.get("more") and page["items"]
        if page["items"]:
            seq = page["items"][-1]["seq"]
    return out


def groups_of(overdue_notices):
    g = {}
    for n in overdue_notices:
        b = n["body"]
        key = (b["alias"], b["dept"], b["period"])
        check(n["topic"] == "overdue.%s.%s" % (b["alias"], b["dept"]) and key not in g,
              "one notice %s for %s" % (n["topic"], key))
        g[key] = {i["indicator"]: i["days_late"] for i in b["indicators"]}
    return g


def reply_groups(reply, announced=True):
    return {(x["alias"], x["dept"], x["period"]): {i["indicator"]: i["days_late"]
                                                   for i in x["indicators"]}
            for x in reply["overdue"] if x["announced"] == announced}


def first_start(binary):
    """The store's own overdue_since: a first start announces nothing."""
    d = Daemon(binary)
    configure(d)
    try:
        d.start()
        with pwc.Client(d.ep, timeout=30) as c:
            st = c.status()
            od = notices(c, 0, "overdue.")
            check(od == [], "first start: no overdue notice (%d)" % len(od))
            a = c.alerts()
            since = a["overdue_since"]
            check(abs(since - st["now"]) < 600000, "overdue_since is the store's creation")
            check(a["overdue"] == [] and a["unannounced"] > 100,
                  "alerts: nothing announced, %d older gaps counted" % a["unannounced"])
            every = c.alerts(all_=True)["overdue"]
            check(every and all(not x["announced"] for x in every) and
                  sum(len(x["indicators"]) for x in every) == a["unannounced"],
                  "alerts all: the %d gaps in %d groups, none announced" %
                  (a["unannounced"], len(every)))
            # 45 days on, monthly figures (due 10..20 days after their month) fall due.
            later = st["now"] + 45 * DAY
            c.clock_set(later)
            od = notices(c, 0, "overdue.")
            want = expected_groups(since, later)
            check(od and groups_of(od).keys() == want.keys(),
                  "45 days on: %d groups announced, all due since the start" % len(od))
    finally:
        d.stop()
        d.cleanup()


def restart(d, sig):
    if sig == "kill":
        d.proc.kill()
        d.proc.wait()
    else:
        d.stop()
    d.start()


def fixed_clock(binary):
    d = Daemon(binary)
    configure(d, "overdue_since: 2041-01-01\n")
    try:
        d.start()
        with pwc.Client(d.ep, timeout=30) as c, pwc.Feeder(d.ep, timeout=30) as f:
            check(notices(c, 0, "overdue.") == [], "start before 2041: nothing due since 2041")
            c.clock_set(NOW)
            od = notices(c, 0, "overdue.")
            want = expected_groups(SINCE, NOW)
            got = groups_of(od)
            check(got == want, "announced groups = the oracle's: %d notices, %d figures" %
                  (len(got), sum(map(len, got.values()))))
            if got != want:
                print("  got - want:", {k: v for k, v in got.items() if want.get(k) != v})
                print("  want - got:", {k: v for k, v in want.items() if got.get(k) != v})
            multi = [k for k, v in want.items() if len(v) > 1]
            check(multi and all(len(got.get(k, {})) == len(want[k]) for k in multi),
                  "%d notices list several indicators, e.g. %s" % (len(multi), multi[:1]))
            check(all(n["body"]["due"] >= "2041-01-01" for n in od), "nothing due before 2041")
            last = c.status()["last_seq"]
            c.tick()
            check(notices(c, last, "overdue.") == [], "a second check announces nothing")
            for how in ("term", "kill"):
                restart(d, how)
                c.clock_set(NOW)
                c.tick()
                check(notices(c, last, "overdue.") == [], "after a %s restart: nothing again" % how)
            # A figure arrives: its entry goes in the same txn; resolved, for its
            # department and period, says how late and what of the group is still missing.
            last = c.status()["last_seq"]
            r = f.push("统计局", "od-1", [{"region": "quangang", "indicator": "gdp",
                                           "period": "2040Q4", "value": 1300.5, "unit": "亿元",
                                           "status": "flash", "yoy": 5.0}])
            check(r.get("type") == "ack", "gdp 2040Q4 acknowledged: %s" % r)
            res = notices(c, last, "resolved.quangang.")
            group = dict(want[("quangang", "统计局", "2040Q4")])
            gdp_late = group.pop("gdp")
            b = res[0]["body"] if len(res) == 1 else {}
            check(len(res) == 1 and res[0]["topic"] == "resolved.quangang.统计局" and
                  b["previous"] == "overdue" and b["period"] == "2040Q4" and
                  res[0]["seq"] <= r["seq"] and "state" not in b and
                  [(i["indicator"], i["days_late"]) for i in b["indicators"]] == [("gdp", gdp_late)] and
                  {i["indicator"]: i["days_late"] for i in b["outstanding"]} == group,
                  "resolved.quangang.统计局: gdp %d days late, %d of 2040Q4 outstanding, in the "
                  "ack's txn: %s" % (gdp_late, len(group), [x["topic"] for x in res]))
            # An annual figure stands in for December.
            last = c.status()["last_seq"]
            r = f.push("财政局", "od-2", [{"region": "quangang", "indicator": "fiscal_revenue",
                                           "period": "2040", "value": 50.5, "unit": "亿元",
                                           "status": "flash"}])
            res = notices(c, last, "resolved.quangang.")
            check(r.get("type") == "ack" and len(res) == 1 and
                  res[0]["topic"] == "resolved.quangang.财政局" and
                  res[0]["body"]["period"] == "2040-12" and
                  [i["indicator"] for i in res[0]["body"]["indicators"]] == ["fiscal_revenue"],
                  "an annual figure resolves December: %s" % [(x["topic"], x["body"]["period"])
                                                              for x in res])
            stored = {("quangang", "gdp", (2040, 2, 4)), ("quangang", "fiscal_revenue", (2040, 3, 12))}
            a = c.alerts()
            left = expected_groups(SINCE, NOW, stored)
            check(reply_groups(a) == left, "alerts: the announced groups less the two figures")
            if reply_groups(a) != left:
                print("  reply:", sorted(reply_groups(a).items()), "\n  left:", sorted(left.items()))
            check(a.get("no_plan_in_force") == 2041, "overdue without a plan in force")
            order = [(x["dept"], -x["days_late"]) for x in a["overdue"]]
            check(order == sorted(order), "sorted by department, then days late")
            again = notices(c, 0, "resolved.quangang.")
            f.push("统计局", "od-3", [{"region": "quangang", "indicator": "gdp",
                                       "period": "2040Q4", "value": 1301, "unit": "亿元",
                                       "status": "preliminary", "yoy": 5.1}])
            check(len(notices(c, 0, "resolved.quangang.")) == len(again),
                  "a revision resolves nothing again")
            old = c.alerts(all_=True)
            check(reply_groups(old, False) and
                  all(x["due"] < "2041-01-01" for x in old["overdue"] if not x["announced"]),
                  "alerts all: the older gaps, never announced")
            dept = c.alerts(dept="财政局")["overdue"]
            check(dept and all(x["dept"] == "财政局" for x in dept), "alerts dept filter")
            plan = c.alerts(plan="licheng-14")["overdue"]
            check(plan and all(x["alias"] == "licheng" for x in plan), "alerts plan filter")
            reg = c.alerts(region="licheng", dept="统计局")["overdue"]
            check(reg and all(x["alias"] == "licheng" and x["dept"] == "统计局" for x in reg) and
                  reg == [x for x in a["overdue"] if x["alias"] == "licheng" and
                          x["dept"] == "统计局"],
                  "alerts region and dept filters: %d groups" % len(reg))
            bad = c.call("alerts", region="nowhere")
            check(bad.get("error") == "unknown_region", "alerts of an unknown region: %s" % bad)
            bad = c.call("alerts", region="quangang", plan="licheng-14")
            check(bad.get("error") == "bad_field", "alerts: a plan of another region: %s" % bad)
        out = subprocess.run([os.path.join(os.path.dirname(binary), "planwatch"), "-e", d.ep,
                              "alerts"], capture_output=True, text=True, timeout=60).stdout
        line = [x for x in out.splitlines() if x.startswith("统计局") and " quangang " in x and
                " 2040Q4 " in x]
        check(len(line) == 1 and "days late: " in line[0] and " gdp " not in line[0] and
              "disposable_income 居民人均可支配收入" in line[0],
              "planwatch alerts: one line per group: %s" % (line[:1] or out[:300]))
        check("overdue, by 责任单位" in out and
              out.index("no verdict") < out.index("overdue, by 责任单位"), "verdicts first, then overdue")
        out = subprocess.run([os.path.join(os.path.dirname(binary), "planwatch"), "-e", d.ep,
                              "alerts", "--region", "licheng", "--dept", "财政局"],
                             capture_output=True, text=True, timeout=60).stdout
        rows = [x for x in out.splitlines() if " days late:" in x]
        check(rows and all(x.startswith("财政局") and " licheng " in x for x in rows),
              "planwatch alerts --region licheng --dept 财政局: %d lines" % len(rows))
    finally:
        d.stop()
        print(d.log_tail(3), end="")
        d.cleanup()


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build", "planwatchd")
    if time.time() * 1000 >= SINCE:
        print("test_overdue: the machine's clock is past 2041; move SINCE and NOW")
        return 1
    first_start(binary)
    fixed_clock(binary)
    return outcome("test_overdue")


if __name__ == "__main__":
    sys.exit(main())
