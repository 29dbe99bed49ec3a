#!/usr/bin/env python3
"""tests/test_migrate_v3.py PLANWATCHD — the schema 3 -> 4 migration through the real daemon.

tests/fixtures/store-v3/data.mdb was written by the release before issue 16 (series keyed by
plan; manifest.json says what it holds). The new daemon starts on it with the format-2
catalog of 泉港区 and 鲤城区 (both regions, their 13th and 14th plans) and must re-key it by
region in one transaction with data, revisions, alerts, log, msgids and quarantine intact:
  * status counts, query and history of quangang gdp equal the manifest's;
  * the same series answers for the 13th plan (quangang-13 gdp: one series, two plans);
  * alert states, the first 257 notices (seq and topic) and the rejected list are unchanged;
    those notices replay as published then (body v 1, a change's owner under "plan"), the
    store's log_v2_from (and log_v3_from) is 258 and the new daemon's notices are v 3;
  * resending the acknowledged fx-1 stores nothing (a duplicate);
  * a catalog that lacks a plan the store holds (licheng-14) refuses the start; the refused
    re-key writes nothing (the seal of issue 20 that opening adds first does), so the store
    stays keyed by plan and a second refusal leaves data.mdb byte-identical.
"""
import hashlib
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
from pwcheck import daemon_on_copy  # noqa: E402

# Both written by releases before issue 16: alert records as the raw struct (store-v3, made
# at 86d647f) and as daemon/alert.c's version 2 (store-v3-alert2, made at fb198f8).
FIXTURES = [os.path.join(HERE, "fixtures", n) for n in ("store-v3", "store-v3-alert2")]
FIXTURE = FIXTURES[0]
BOTH = ["catalog/regions/quangang.yaml", "catalog/regions/licheng.yaml",
        "catalog/plans/quangang-13.yaml", "catalog/plans/quangang-14.yaml",
        "catalog/plans/licheng-13.yaml", "catalog/plans/licheng-14.yaml"]
FAILED = []


def check(cond, what):
    print("%s %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        FAILED.append(what)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def daemon_on(binary, catalogs):
    return daemon_on_copy(binary, FIXTURE, catalogs)


def series(items):
    keys = ("period", "value", "rev", "status", "msgid", "dept", "reason", "yoy", "backfill")
    return [tuple(x.get(k) for k in keys) for x in items]


def migrated(binary, m):
    d = daemon_on(binary, BOTH)
    try:
        d.start()
        with pwc.Client(d.ep, timeout=30) as c:
            st = c.status()
            for k in ("observations", "revisions", "quarantined"):
                check(st[k] == m["status"][k], "status %s %s (manifest %s)" % (k, st[k], m["status"][k]))
            check(st["last_seq"] >= 257, "log kept: last_seq %d" % st["last_seq"])
            q = c.query("quangang-14", "gdp")
            check(series(q["items"]) == series(m["query_quangang_gdp"]["items"]),
                  "query quangang-14 gdp: %d periods as in the manifest" % len(q["items"]))
            q13 = c.query("quangang-13", "gdp")
            check(series(q13["items"]) == series(q["items"]),
                  "quangang-13 gdp is the same series (region 350505)")
            lq = c.query("licheng-14", "gdp")
            check(series(lq["items"]) == series(m["query_licheng_gdp"]["items"]), "query licheng gdp")
            h = c.history("quangang-14", "gdp", "2025Q3")
            want = m["history_quangang_gdp_2025Q3"]["items"]
            check(series(h["items"]) == series(want) and [x["value"] for x in h["items"]] ==
                  [690.1, 691.4] and h["items"][1]["reason"] == "快报数修订",
                  "history 2025Q3: revs 1 and 2, 690.1 -> 691.4, 快报数修订")
            al = {(a["plan"], a["indicator"]): a["state"] for a in c.alerts()["items"]}
            for a in m["alerts"]["items"]:
                if a["state"] != "none":
                    got = al.get((a["plan"], a["indicator"]))
                    check(got == a["state"], "alert %s %s %s (got %s)" % (a["plan"], a["indicator"],
                                                                        a["state"], got))
            log, bodies, seq = [], [], 0
            while True:
                page = c.since(seq, limit=100)
                if not page["items"]:
                    break
                log += [[x["seq"], x["topic"]] for x in page["items"]]
                bodies += [x["body"] for x in page["items"]]
                seq = page["items"][-1]["seq"]
            check(log[:257] == m["log"], "notices 1..257 replay with their old topics")
            check(st["log_v2_from"] == 258 and st["log_v3_from"] == 258,
                  "log_v2_from and log_v3_from 258: %s %s" % (st["log_v2_from"], st["log_v3_from"]))
            check({b.get("v") for b in bodies[:257]} == {1} and
                  {b.get("v") for b in bodies[257:]} <= {3}, "bodies before 258 v 1, after v 3")
            old = [b for b, (_, t) in zip(bodies[:257], log) if t.startswith("change.")]
            check(old and all("plan" in b and "region" not in b for b in old),
                  "%d old change bodies as v1 had them (plan, no region)" % len(old))
            rj = c.rejected()["items"]
            raw = [r["raw"].hex() if isinstance(r["raw"], bytes) else r["raw"] for r in rj]
            check([(r["id"], r["code"]) for r in rj] ==
                  [(r["id"], r["code"]) for r in m["rejected"]["items"]] and
                  raw == [r["raw"] for r in m["rejected"]["items"]],
                  "rejected: the two quarantined messages, raw bytes intact")
        with pwc.Feeder(d.ep, timeout=30) as f:
            r = f.push("统计局", "fx-1", [{"plan": "quangang-14", "indicator": "gdp",
                                           "period": "2025Q1", "value": 218.3, "unit": "亿元",
                                           "status": "preliminary", "yoy": 5.9}])
            check(r.get("type") == "ack", "resent fx-1: %s" % r.get("type"))
            r = f.push("统计局", "fx-new", [{"region": "quangang", "indicator": "gdp",
                                             "period": "2025Q4", "value": 1002, "unit": "亿元",
                                             "status": "flash", "yoy": 5.8}])
            check(r.get("type") == "ack", "a new figure by region: %s" % r.get("type"))
        with pwc.Client(d.ep, timeout=30) as c:
            st2 = c.status()
            check(st2["revisions"] == m["status"]["revisions"] + 1,
                  "fx-1 resent stores nothing (the one new figure only)")
            new = [x for x in c.since(seq, prefix="change.")["items"]]
            check([(x["topic"], x["body"]["v"], x["body"]["region"], x["body"]["period"])
                   for x in new] == [("change.quangang.gdp", 3, "350505", "2025Q4")],
                  "after the switch a change notice is v 3 by region: %s" % new)
    finally:
        d.stop()
        print(d.log_tail(5), end="")
        shutil.rmtree(d.dir, ignore_errors=True)


def refused(binary):
    """licheng-14 is in the store but not in this catalog: no start, and the series stay keyed
    by plan. Opening seals a schema-3 store's records first (schema 5, issue 20: a store main's
    release reads); the refused re-key writes nothing, so a second refusal leaves the file
    byte-identical."""
    d = daemon_on(binary, BOTH[:1] + BOTH[2:4])
    mdb = os.path.join(d.dir, "state", "data.mdb")
    try:
        run = lambda: subprocess.run([binary, "--config", d.conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, timeout=60).returncode
        rc = run()
        check(rc != 0, "start refused (exit %d)" % rc)
        before = sha(mdb)
        rc = run()
        check(rc != 0 and sha(mdb) == before, "a refused re-key leaves data.mdb byte-identical")
    finally:
        shutil.rmtree(d.dir, ignore_errors=True)


def refused_message(binary):
    d = daemon_on(binary, BOTH[:1] + BOTH[2:4])
    try:
        p = subprocess.run([binary, "--config", d.conf], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=60)
        err = p.stderr.decode(errors="replace")
        check("plan 'licheng-14' that the catalog does not know" in err,
              "the refusal names the plan: %s" % err.strip().splitlines()[-1:])
    finally:
        shutil.rmtree(d.dir, ignore_errors=True)


def main():
    global FIXTURE
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build", "planwatchd")
    for FIXTURE in FIXTURES:
        print("== %s" % os.path.relpath(FIXTURE, SRC))
        with open(os.path.join(FIXTURE, "manifest.json"), encoding="utf-8") as f:
            m = json.load(f)
        check(m["schema"] == 3 and m["status"]["observations"] == 82, "fixture is schema 3")
        refused(binary)
        refused_message(binary)
        migrated(binary, m)
    print("test_migrate_v3: %s" % ("FAILED: %d" % len(FAILED) if FAILED else "ok"))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
