#!/usr/bin/env python3
"""Prove that catalog format 2 lost nothing of format 1 (issue 16).

Until the loader switches to format 2 (catalog/SCHEMA.md), both exist: catalog/<plan>.yaml
(format 1, what the daemon loads today) and catalog/regions/*.yaml + catalog/plans/*.yaml
(format 2). This check fails when any of these differs between them:
  * every format-1 plan: its id, name (= title), name_en (= title_en), district (= its region's
    name), source, baseline_year (= base_year) and target_year (= end_year);
  * every format-1 indicator: a series of that id in the plan's region with the same name,
    name_en, category, unit, frequency, form, departments, bounds and due_days, and a target
    of the plan on that series with the same attribute, kind, direction, baseline, target,
    growth, prose, source and note; every name in `derived` is kept by the series or the target;
  * every annual target: the same year, growth/value, source and note, per year in the plan;
  * every data/history/*.csv row: the same indicator, period, value, unit, status, dept, yoy
    and source in data/history/by-region/ under the plan's region (reason may be reworded).
Format 2 may hold more (the 13th plans, series only they have, first_due): that is not loss.

Usage: python3 tests/check_catalog_conversion.py [--root DIR]; exit 1 on any loss.
Called by tests/check_catalog_sources.py (so it runs in `make test`), and its --selftest
shows that a dropped indicator, a changed number and a dropped history row are caught.
"""
import argparse
import csv
import glob
import os
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERIES_FIELDS = ["name", "name_en", "category", "unit", "frequency", "form", "departments",
                 "bounds", "due_days"]
TARGET_FIELDS = ["attribute", "kind", "direction", "baseline", "target", "growth", "prose",
                 "source", "note"]
PLAN_FIELDS = [("id", "id"), ("name", "title"), ("name_en", "title_en"), ("source", "source"),
               ("baseline_year", "base_year"), ("target_year", "end_year")]
CSV_FIELDS = ["indicator", "period", "value", "unit", "status", "dept", "yoy", "source"]


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def format2(root):
    regions, plans = {}, {}
    for p in sorted(glob.glob(os.path.join(root, "catalog", "regions", "*.yaml"))):
        d = load(p)
        r = d["region"]
        regions[r["alias"]] = (r, {s["id"]: s for s in d.get("series") or []})
        regions[r["id"]] = regions[r["alias"]]
    for p in sorted(glob.glob(os.path.join(root, "catalog", "plans", "*.yaml"))):
        d = load(p)
        plans[d["plan"]["id"]] = d
    return regions, plans


def check(root=ROOT):
    errs = []
    regions, plans = format2(root)
    plan_region = {}
    for old in sorted(glob.glob(os.path.join(root, "catalog", "*.yaml"))):
        where = os.path.relpath(old, root)
        d = load(old)
        p = d["plan"]
        new = plans.get(p["id"])
        if new is None:
            errs.append("%s: plan %s has no catalog/plans/ file" % (where, p["id"]))
            continue
        np_ = new["plan"]
        for a, b in PLAN_FIELDS:
            if p.get(a) != np_.get(b):
                errs.append("%s: plan %s: %s %r, format 2 %s %r" % (where, p["id"], a, p.get(a),
                                                                    b, np_.get(b)))
        reg = regions.get(np_.get("region"))
        if reg is None:
            errs.append("%s: plan %s: region %r not in catalog/regions/" % (where, p["id"],
                                                                          np_.get("region")))
            continue
        plan_region[p["id"]] = reg[0]["alias"]
        if p.get("district") != reg[0]["name"]:
            errs.append("%s: district %r, region name %r" % (where, p.get("district"), reg[0]["name"]))
        targets = {}
        for t in new.get("targets") or []:
            targets.setdefault(t["series"], []).append(t)
        annual = {}
        for y in new.get("annual_targets") or []:
            for a in y["targets"]:
                annual.setdefault((y["year"], a["series"]), []).append(a)
        for ind in d["indicators"]:
            iid = ind["id"]
            s = reg[1].get(iid)
            if s is None:
                errs.append("%s: %s/%s: no series %s in region %s" % (where, p["id"], iid, iid,
                                                                      reg[0]["alias"]))
                continue
            for k in SERIES_FIELDS:
                if ind.get(k) != s.get(k):
                    errs.append("%s: %s/%s: %s %r, series has %r" % (where, p["id"], iid, k,
                                                                      ind.get(k), s.get(k)))
            ts = [t for t in targets.get(iid, []) if t.get("source") == ind["source"]]
            if len(ts) != 1:
                errs.append("%s: %s/%s: %d targets on series %s citing %s, expected 1"
                            % (where, p["id"], iid, len(ts), iid, ind["source"]))
                continue
            t = ts[0]
            for k in TARGET_FIELDS:
                if ind.get(k) != t.get(k):
                    errs.append("%s: %s/%s: %s %r, target has %r" % (where, p["id"], iid, k,
                                                                      ind.get(k), t.get(k)))
            kept = set(s.get("derived") or []) | set(t.get("derived") or [])
            for k in ind.get("derived") or []:
                if k not in kept and not (k == "annual_targets"):
                    errs.append("%s: %s/%s: derived %r lost" % (where, p["id"], iid, k))
            for at in ind.get("annual_targets") or []:
                got = annual.get((at["year"], iid), [])
                want = {k: at[k] for k in ("growth", "value", "source", "note") if k in at}
                if not any({k: a.get(k) for k in ("growth", "value", "source", "note")
                            if k in a} == want for a in got):
                    errs.append("%s: %s/%s: annual target %d %r missing in the plan's %d targets"
                                % (where, p["id"], iid, at["year"], want, at["year"]))
    new_rows = {}
    for p in sorted(glob.glob(os.path.join(root, "data", "history", "by-region", "*.csv"))):
        with open(p, encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                key = (r.get("region"),) + tuple(r.get(k) for k in CSV_FIELDS)
                new_rows[key] = p
    for p in sorted(glob.glob(os.path.join(root, "data", "history", "*.csv"))):
        with open(p, encoding="utf-8", newline="") as f:
            for n, r in enumerate(csv.DictReader(f), start=2):
                reg = plan_region.get(r["plan"])
                key = (reg,) + tuple(r.get(k) for k in CSV_FIELDS)
                if key not in new_rows:
                    errs.append("%s:%d: %s/%s %s = %s is not in data/history/by-region/"
                                % (os.path.relpath(p, root), n, r["plan"], r["indicator"],
                                   r["period"], r["value"]))
    return errs


def selftest():
    """Copies the tree's catalog and history, breaks one thing at a time, expects a loss."""
    import shutil
    cases = [
        ("clean copy", None, None),
        ("indicator dropped from the region", ("catalog/regions/quangang.yaml", "  - id: rd_growth\n",
                                               "  - id: rd_growth_renamed\n"), "no series rd_growth"),
        ("baseline changed", ("catalog/plans/quangang-14.yaml", "value: 734.44}", "value: 734.4}"),
         "baseline"),
        ("annual target changed", ("catalog/plans/quangang-14.yaml", "series: gdp, growth: 0.5,",
                                   "series: gdp, growth: 0.6,"), "annual target 2022"),
        ("history row dropped", ("data/history/by-region/quangang-13th-results.csv",
                                 "quangang,gdp,2020,734.44", "quangang,gdp,2020,734.45"),
         "gdp 2020 = 734.44 is not in"),
        ("department changed", ("catalog/regions/licheng.yaml", "departments: [财政局]",
                                "departments: [税务局]"), "departments"),
    ]
    failed = 0
    for desc, edit, want in cases:
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(os.path.join(ROOT, "catalog"), os.path.join(tmp, "catalog"))
            shutil.copytree(os.path.join(ROOT, "data"), os.path.join(tmp, "data"))
            if edit:
                path = os.path.join(tmp, edit[0])
                text = open(path, encoding="utf-8").read()
                if edit[1] not in text:
                    print("FAIL %s: the edit does not apply" % desc)
                    failed += 1
                    continue
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text.replace(edit[1], edit[2], 1))
            errs = check(tmp)
        ok = not errs if want is None else any(want in e for e in errs)
        failed += not ok
        print("%s conversion: %s" % ("ok  " if ok else "FAIL", desc))
        if not ok:
            for e in errs[:5] or ["(no loss reported)"]:
                print("       " + e)
    return failed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=ROOT)
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args(argv)
    if a.selftest:
        n = selftest()
        print("check_catalog_conversion selftest: %s" % ("ok" if not n else "%d FAILED" % n))
        return 1 if n else 0
    errs = check(a.root)
    for e in errs:
        print("FAIL " + e)
    print("check_catalog_conversion: format 1 -> 2: %s" % ("FAILED: %d loss(es)" % len(errs)
                                                           if errs else "nothing lost"))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
