#!/usr/bin/env python3
"""One-shot converter: catalog format 1 (catalog/<plan>.yaml) -> format 2 (catalog/SCHEMA.md).

Writes data/history/by-region/*.csv (the history with a region column instead of plan),
catalog/regions/<alias>.yaml (the region and its series, from the 14th-plan
indicators) and catalog/plans/<plan>.yaml (the plan and its targets). It was run once for
issue 16; after that the format-2 files are edited by hand (the 13th plans and the series only
they have were added by hand). tests/check_catalog_conversion.py proves, on every `make test`,
that nothing of a format-1 file is missing from the format-2 files, so a hand edit that loses
a number fails the build until the format-1 files are retired.

Usage (from the repo root): python3 catalog/convert_v1.py [--out DIR]   # default: catalog/
"""
import argparse
import json
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Region identity: GB/T 2260 code where one exists; alias is the stable short name.
REGIONS = {
    "quangang-14": {
        "id": "350505", "alias": "quangang", "name": "泉港区", "name_en": "Quangang District",
    },
    "licheng-14": {
        "id": "350502", "alias": "licheng", "name": "鲤城区", "name_en": "Licheng District",
    },
    "qetdz-14": {
        "id": "350500-qetdz", "alias": "qetdz", "name": "泉州经济技术开发区",
        "name_en": "Quanzhou Economic and Technological Development Zone",
    },
}
SERIES_KEYS = ["id", "name", "name_en", "category", "unit", "frequency", "form", "departments",
               "bounds", "due_days"]
SERIES_DERIVED = {"bounds", "due_days"}
TARGET_KEYS = ["attribute", "kind", "direction", "baseline", "target", "growth", "prose",
               "source", "derived", "note"]
FIRST_DUE = {"annual": "2021", "quarterly": "2021Q1", "monthly": "2021-02"}

_PLAIN = re.compile(r"^[A-Za-z\u4e00-\u9fff\u3000-\u303f\uff00-\uffef][\w\u4e00-\u9fff（）、·/×²³μ．.+-]*$")


def scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str) and _PLAIN.match(v) and v.lower() not in ("yes", "no", "on", "off",
                                                                     "true", "false", "null"):
        return v
    return json.dumps(v, ensure_ascii=False)


def flow(v):
    if isinstance(v, dict):
        return "{" + ", ".join("%s: %s" % (k, flow(x)) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(flow(x) for x in v) + "]"
    return scalar(v)


def emit_item(lines, keys, d, indent="  "):
    first = True
    for k in keys:
        if k not in d:
            continue
        lines.append("%s%s%s: %s" % (indent, "- " if first else "  ", k, flow(d[k])))
        first = False


def convert(plan_id, path, out):
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    p, inds = doc["plan"], doc["indicators"]
    reg = REGIONS[plan_id]
    head = [l for l in open(path, encoding="utf-8").read().split("\n") if l.startswith("#")]
    src_head = [l for l in head if "Format:" not in l and "Checked against" not in l]

    r = ["# %s — region file (catalog format 2, catalog/SCHEMA.md \"Format 2\")." % reg["name"],
         "# Generated from catalog/%s.yaml by catalog/convert_v1.py, then edited by hand: the"
         % plan_id,
         "# series definitions belong to the region; the plans that judge them are in catalog/plans/.",
         "# Checked by tests/check_catalog_sources.py and tests/check_catalog_conversion.py.",
         "region:",
         "  id: %s" % json.dumps(reg["id"]),
         "  alias: %s" % reg["alias"],
         "  name: %s" % reg["name"],
         "  name_en: %s" % scalar(reg["name_en"]),
         "  parent: {id: \"350500\", name: 泉州市}",
         "series:"]
    for ind in inds:
        s = {k: ind[k] for k in SERIES_KEYS if k in ind}
        s["first_due"] = FIRST_DUE[ind.get("frequency", "annual")]
        s["source"] = ind["source"]
        d = [x for x in ind.get("derived", []) if x in SERIES_DERIVED] + ["first_due"]
        s["derived"] = d
        emit_item(r, SERIES_KEYS + ["first_due", "source", "derived"], s)
        r.append("")
    with open(os.path.join(out, "regions", reg["alias"] + ".yaml"), "w", encoding="utf-8") as f:
        f.write("\n".join(r).rstrip("\n") + "\n")

    title = p["name"]
    pl = src_head + [
        "# Plan file (catalog format 2, catalog/SCHEMA.md \"Format 2\"), generated from",
        "# catalog/%s.yaml by catalog/convert_v1.py. Targets reference the series of region %s"
        % (plan_id, reg["alias"]),
        "# (catalog/regions/%s.yaml). Checked by tests/check_catalog_sources.py." % reg["alias"],
        "plan:",
        "  id: %s" % plan_id,
        "  region: %s" % reg["alias"],
        "  title: %s" % scalar(title),
        "  title_en: %s" % scalar(p["name_en"]),
        "  source: %s" % p["source"],
        "  start_year: %d" % (p["baseline_year"] + 1),
        "  end_year: %d" % p["target_year"],
        "  base_year: %d" % p["baseline_year"],
        "  # The window ended with 2025, but the plan stays active until its 终期评估 closes it",
        "  # (`planwatch plan close`): 2025 annual figures such as R&D (due ~300 days after the",
        "  # year) and revisions of 2025 figures still arrive in 2026 and are judged by it.",
        "  status: active",
        "targets:"]
    annual = {}
    for ind in inds:
        t = {"series": ind["id"]}
        for k in TARGET_KEYS:
            if k == "derived":
                d = [x for x in ind.get("derived", []) if x not in SERIES_DERIVED]
                if d:
                    t["derived"] = d
            elif k in ind:
                t[k] = ind[k]
        emit_item(pl, ["series"] + TARGET_KEYS, t)
        pl.append("")
        for at in ind.get("annual_targets", []):
            a = {"series": ind["id"]}
            a.update({k: at[k] for k in ("growth", "value", "source", "note") if k in at})
            annual.setdefault(at["year"], []).append(a)
    if annual:
        pl.append("# 年度目标: the targets of one year (government work report), per year; they")
        pl.append("# replace the plan path for that year only and are kept when the next year's arrive.")
        pl.append("annual_targets:")
        for y in sorted(annual):
            pl.append("  - year: %d" % y)
            pl.append("    targets:")
            for a in annual[y]:
                pl.append("      - " + flow(a))
    with open(os.path.join(out, "plans", plan_id + ".yaml"), "w", encoding="utf-8") as f:
        f.write("\n".join(pl).rstrip("\n") + "\n")


def convert_history(out_root):
    """data/history/<file>.csv (plan column) -> data/history/by-region/<file>.csv (region)."""
    import csv
    src = os.path.join(ROOT, "data", "history")
    dst = os.path.join(out_root, "data", "history", "by-region")
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if not name.endswith(".csv"):
            continue
        with open(os.path.join(src, name), encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0][0] == "plan"
        rows[0][0] = "region"
        for r in rows[1:]:
            r[0] = REGIONS[r[0]]["alias"]
        with open(os.path.join(dst, name), "w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "catalog"))
    ap.add_argument("--force", action="store_true",
                    help="overwrite existing format-2 files (loses the hand-made additions)")
    a = ap.parse_args()
    if os.path.exists(os.path.join(a.out, "regions")) and not a.force:
        sys.stderr.write("convert_v1: %s/regions exists and was edited by hand since; use --out "
                         "DIR for a fresh copy, or --force\n" % a.out)
        return 1
    for d in ("regions", "plans"):
        os.makedirs(os.path.join(a.out, d), exist_ok=True)
    for plan_id in REGIONS:
        convert(plan_id, os.path.join(ROOT, "catalog", plan_id + ".yaml"), a.out)
    convert_history(os.path.dirname(os.path.abspath(a.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
