#!/usr/bin/env python3
"""Prove the indicator catalog and the imported history against the seed texts.

For every indicator in catalog/*.yaml (catalog/SCHEMA.md):
  * the cited seed file exists and the cited line is inside it;
  * the Chinese name (or its first 4 characters) is on source.line..line+3;
  * baseline.value, target.value and growth -- unless named in `derived` -- appear as number
    tokens on those lines (compared numerically, 1e-9); the same for annual_targets on their
    own source lines;
  * keys, ids, attribute/kind/frequency/form/direction values are valid (the same rules as the
    C loader in model/catalog.c), every kind but info/city has the numbers it needs, and
    bounds/due_days (judgement, not seed text) are listed in `derived`;
  * table rows: the row count, the 约束性 count and each row's 属性 cell agree with the seed
    table, and the counts agree with EXPECTED_ROWS / EXPECTED_BINDING written down by hand.
For every row of data/history/*.csv: header, plan/indicator known, unit = the catalog's or a
unit of its dimension (read from the one unit table, model/unit.c: the daemon converts it),
status, department, period form, value (converted into the catalog's unit) inside bounds,
and value as printed (and yoy, if given) on the cited FILE:LINE..LINE+3.

Usage (from the repo root):
    python3 tests/check_catalog_sources.py [--seeds DIR]   # default: ../shared/seeds
    python3 tests/check_catalog_sources.py --selftest      # negative tests of the checker
Exit status 0 when everything holds, 1 on any failure (each printed as FILE:LINE: problem).
"""

import argparse
import csv
import decimal
import io
import os
import re
import sys
import tempfile
import unicodedata

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.stderr.write("check_catalog_sources: python3-yaml is required (apt-get install python3-yaml)\n")
    sys.exit(2)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SEEDS = os.path.normpath(os.path.join(ROOT, "..", "shared", "seeds"))

S000 = "000_612fed59f6b5e226.txt"  # 泉港区 14th FYP outline
S001 = "001_e3009caee327b07f.txt"  # 鲤城区 14th FYP outline
S002 = "002_49a294c5263d6bd8.txt"  # 泉港区 government work report, Dec 2021
S003 = "003_e039f04ee756256b.txt"  # 泉州经济技术开发区 14th FYP
S004 = "004_75d34e636deef5af.txt"  # 泉港区 2024 mid-term evaluation follow-up

CATALOGS = {
    "quangang-14": "catalog/quangang-14.yaml",
    "licheng-14": "catalog/licheng-14.yaml",
    "qetdz-14": "catalog/qetdz-14.yaml",
}

# Each plan's main-indicator table in its seed: (file, first line, last line), header included.
TABLES = {
    "quangang-14": (S000, 234, 259),  # 专栏2 “十四五”时期经济社会发展主要指标表
    "licheng-14": (S001, 398, 632),   # 专栏3 “十四五”经济社会发展主要指标
    "qetdz-14": (S003, 263, 470),     # untitled main-indicator table after 二、总体要求
}

# Table rows, counted by reading the seeds (序号 cells), not derived from the catalog:
EXPECTED_ROWS = {
    # 000 lines 237-259: one row per line, 序号 1..23 (经济发展 1-8, 创新驱动 9-12,
    # 民生福祉 13-18, 生态文明 19-23).
    "quangang-14": 23,
    # 001 lines 414-631: one cell per line, 序号 1..31 on lines 415, 423, ... 627
    # (经济质效 1-6, 创新驱动 7-10, 开放发展 11-13, 文化引领 14-19, 民生福祉 20-25, 生态文明 26-31).
    "licheng-14": 31,
    # 003 lines 271-469: one cell per line, 序号 1..25 on lines 272, 280, ... 464
    # (经济发展 1-7, 创新驱动 8-13, 社会事业 14-18 incl. 18 安全生产主要指标 at 409, 绿色发展 19-25).
    "qetdz-14": 25,
}
# Rows whose 属性 cell is 约束性, counted by hand: 000 rows 14,19-23; 001 rows 26-31; 003 rows 18-25.
EXPECTED_BINDING = {"quangang-14": 6, "licheng-14": 6, "qetdz-14": 8}
# Quantified prose targets catalogued with prose: true (not table rows), see catalog/README.md.
EXPECTED_PROSE = {"quangang-14": 15, "licheng-14": 0, "qetdz-14": 0}
# Table rows deliberately catalogued as more than one indicator: (plan, line) -> indicators.
SPLIT_ROWS = {("qetdz-14", 409): 2}  # 安全生产主要指标: deaths (keep) + 较大以上事故 (ceiling)

HISTORY_DIR = "data/history"
UNIT_TABLE = "model/unit.c"
EXPECTED_HISTORY = [
    "quangang-13th-results.csv",
    "quangang-2021-estimates.csv",
    "quangang-2023-actuals.csv",
    "licheng-13th-results.csv",
    "qetdz-13th-results.csv",
]
CSV_HEADER = ["plan", "indicator", "period", "value", "unit", "status", "dept", "yoy", "reason",
              "source"]

# ---- schema, mirroring model/catalog.c ----
PLAN_KEYS = {"id", "name", "name_en", "district", "source", "baseline_year", "target_year"}
IND_KEYS = {"id", "name", "name_en", "category", "unit", "attribute", "kind", "direction",
            "baseline", "target", "growth", "frequency", "form", "departments", "bounds",
            "due_days", "prose", "source", "derived", "note", "annual_targets"}
IND_REQUIRED = ["id", "name", "name_en", "category", "unit", "attribute", "kind", "departments",
                "source"]
ANNUAL_KEYS = {"year", "growth", "value", "source", "note"}
ATTRIBUTES = {"expected", "binding"}
KINDS = {"growth", "level", "ceiling", "floor", "keep", "city", "cumulative", "info"}
DIRECTIONS = {"up", "down"}
FREQUENCIES = {"monthly", "quarterly", "annual"}
FORMS = {"level", "ytd"}
STATUSES = {"estimate", "flash", "preliminary", "final", "revised"}
DERIVABLE = {"baseline", "target", "growth", "bounds", "due_days", "annual_targets"}
KNOWN_DEPTS = {"统计局", "财政局", "发改局", "科技局", "人社局", "生态环境局", "商务局", "卫健局",
               "教育局", "医保局", "住建局", "林业局", "应急管理局", "工信局", "市场监管局",
               "水利局", "文旅局", "自然资源局", "税务局"}
PLAN_ID_RE = re.compile(r"^[a-z0-9-]{1,64}$")
IND_ID_RE = re.compile(r"^[a-z0-9_]{1,64}$")
PERIOD_RE = re.compile(r"^(\d{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))?$")
HISTORY_YEARS = 15  # daemon/validate.h VALIDATE_HISTORY_YEARS
TOL = 1e-9


# ---- helpers ----

class LineLoader(yaml.SafeLoader):
    """SafeLoader that records each mapping's 1-based line under '__line__'."""


def _mapping_with_line(loader, node, deep=False):
    m = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    m["__line__"] = node.start_mark.line + 1
    return m


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)

_NUM_RE = re.compile(r"(?<![0-9.])([-−]?)(\d+(?:\.\d+)?)")


def numbers(text):
    """Every number token in text (full-width digits folded); '-1.5' also yields -1.5."""
    out = set()
    for m in _NUM_RE.finditer(unicodedata.normalize("NFKC", text)):
        v = float(m.group(2))
        out.add(v)
        if m.group(1):
            out.add(-v)
    return out


def has_number(tokens, v):
    return any(abs(t - v) <= TOL for t in tokens)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def fmt(v):
    return ("%.10g" % v) if is_num(v) else repr(v)


class Seeds:
    """Seed files split into lines exactly as `sed -n Np` / `cat -n` count them."""

    def __init__(self, root):
        self.root = root
        self.cache = {}

    def lines(self, name):
        if name not in self.cache:
            path = os.path.join(self.root, name)
            if os.path.basename(name) != name or not os.path.isfile(path):
                self.cache[name] = None
            else:
                with open(path, encoding="utf-8") as f:
                    self.cache[name] = [l.rstrip("\r") for l in f.read().split("\n")]
        return self.cache[name]


class Report:
    def __init__(self):
        self.errors = []
        self.numbers = 0   # numbers proved against seed text
        self.names = 0

    def err(self, where, msg):
        self.errors.append("%s: %s" % (where, msg))


def rel(path):
    try:
        return os.path.relpath(path, ROOT)
    except ValueError:
        return path


# ---- catalog ----

def load_yaml(path, rep):
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.load(f, Loader=LineLoader)
    except (OSError, yaml.YAMLError) as e:
        rep.err(rel(path), "cannot load: %s" % e)
        return None


def check_source_ref(ref, seeds, where, rep):
    """Validates {file, line}; returns (file, line, lines) or None."""
    if not isinstance(ref, dict) or set(ref) - {"file", "line", "__line__"} or \
            "file" not in ref or "line" not in ref:
        rep.err(where, "source must be {file: SEED, line: N}, got %r" % (ref,))
        return None
    f, ln = ref["file"], ref["line"]
    lines = seeds.lines(f) if isinstance(f, str) else None
    if lines is None:
        rep.err(where, "seed file %r not found in %s" % (f, seeds.root))
        return None
    if not isinstance(ln, int) or isinstance(ln, bool) or not 1 <= ln <= len(lines):
        rep.err(where, "%s: line %r outside the file (1..%d)" % (f, ln, len(lines)))
        return None
    return f, ln, lines


def check_catalog(path, doc, seeds, plan_id, table, expected_rows, expected_binding,
                  expected_prose, split_rows, rep):
    """Checks one catalog document; returns {indicator id: indicator} for the CSV checks."""
    rpath = rel(path)
    out = {}
    if not isinstance(doc, dict):
        rep.err(rpath, "top level must be a mapping with plan and indicators")
        return None
    for k in set(doc) - {"plan", "indicators", "__line__"}:
        rep.err("%s:%d" % (rpath, doc["__line__"]), "unknown key %r" % k)
    plan = doc.get("plan")
    if not isinstance(plan, dict):
        rep.err(rpath, "missing plan")
        return None
    where = "%s:%d" % (rpath, plan["__line__"])
    for k in set(plan) - PLAN_KEYS - {"__line__"}:
        rep.err(where, "plan: unknown key %r" % k)
    for k in ("id", "name", "baseline_year", "target_year"):
        if k not in plan:
            rep.err(where, "plan: missing key %r" % k)
    if plan.get("id") != plan_id or not PLAN_ID_RE.match(str(plan.get("id"))):
        rep.err(where, "plan id %r, expected %r" % (plan.get("id"), plan_id))
    base_year, target_year = plan.get("baseline_year"), plan.get("target_year")
    if not isinstance(base_year, int) or not isinstance(target_year, int) or \
            target_year <= base_year:
        rep.err(where, "plan years %r..%r invalid" % (base_year, target_year))
        base_year, target_year = 2020, 2025
    tfile, tfirst, tlast = table
    if plan.get("source") != tfile:
        rep.err(where, "plan source %r, expected the table's seed %r" % (plan.get("source"), tfile))
    tlines = seeds.lines(tfile)
    if tlines is None:
        rep.err(where, "table seed %r not found in %s" % (tfile, seeds.root))
        return None

    inds = doc.get("indicators")
    if not isinstance(inds, list) or not inds:
        rep.err(rpath, "indicators must be a non-empty list")
        return None

    # Table row starts (for the per-row window and 属性 cell).
    row_lines = sorted({i["source"]["line"] for i in inds
                        if isinstance(i, dict) and not i.get("prose")
                        and isinstance(i.get("source"), dict)
                        and i["source"].get("file") == tfile
                        and isinstance(i["source"].get("line"), int)})

    def row_end(line):
        nxt = [l for l in row_lines if l > line]
        return min(nxt[0] - 1, tlast) if nxt else tlast

    per_row = {}
    for ind in inds:
        if not isinstance(ind, dict):
            rep.err(rpath, "indicator must be a mapping: %r" % (ind,))
            continue
        iw = "%s:%d" % (rpath, ind["__line__"])
        iid = ind.get("id")
        for k in set(ind) - IND_KEYS - {"__line__"}:
            rep.err(iw, "indicator %r: unknown key %r" % (iid, k))
        missing = [k for k in IND_REQUIRED if k not in ind]
        if missing:
            rep.err(iw, "indicator %r: missing %s" % (iid, ", ".join(missing)))
            continue
        if not isinstance(iid, str) or not IND_ID_RE.match(iid):
            rep.err(iw, "indicator id %r must be 1..64 of [a-z0-9_]" % (iid,))
            continue
        if iid in out:
            rep.err(iw, "duplicate indicator id %r (first at line %d)" % (iid, out[iid]["__line__"]))
            continue
        out[iid] = ind
        for k in ("name", "name_en", "category", "unit"):
            if not isinstance(ind[k], str) or not ind[k].strip():
                rep.err(iw, "%s: %r must be a non-empty string" % (iid, k))
        if len(str(ind["unit"]).encode()) > 32:
            rep.err(iw, "%s: unit longer than 32 bytes" % iid)
        for key, allowed in (("attribute", ATTRIBUTES), ("kind", KINDS)):
            if ind[key] not in allowed:
                rep.err(iw, "%s: %s %r not one of %s" % (iid, key, ind[key], sorted(allowed)))
        for key, allowed in (("direction", DIRECTIONS), ("frequency", FREQUENCIES),
                             ("form", FORMS)):
            if key in ind and ind[key] not in allowed:
                rep.err(iw, "%s: %s %r not one of %s" % (iid, key, ind[key], sorted(allowed)))
        if "prose" in ind and not isinstance(ind["prose"], bool):
            rep.err(iw, "%s: prose must be true or false" % iid)
        direction = ind.get("direction", "up")
        freq, form = ind.get("frequency", "annual"), ind.get("form", "level")
        if form == "ytd" and freq == "annual":
            rep.err(iw, "%s: form ytd needs monthly or quarterly figures" % iid)
        depts = ind["departments"]
        if not isinstance(depts, list) or not depts:
            rep.err(iw, "%s: departments must name at least one" % iid)
        else:
            for d in depts:
                if d not in KNOWN_DEPTS:
                    rep.err(iw, "%s: unknown department %r" % (iid, d))
            if len(set(depts)) != len(depts):
                rep.err(iw, "%s: department listed twice" % iid)

        # numbers present
        yv = {}
        for key in ("baseline", "target"):
            if key in ind:
                m = ind[key]
                if not isinstance(m, dict) or set(m) - {"year", "value", "__line__"} or \
                        not isinstance(m.get("year"), int):
                    rep.err(iw, "%s: %s must be {year: Y[, value: V]}" % (iid, key))
                    continue
                if "value" in m:
                    if not is_num(m["value"]):
                        rep.err(iw, "%s: %s.value %r is not a number" % (iid, key, m["value"]))
                    else:
                        yv[key] = m["value"]
        if "target" in ind and isinstance(ind["target"], dict) and \
                ind["target"].get("year") not in (None, target_year):
            rep.err(iw, "%s: target year %r, plan target year %d" % (iid, ind["target"].get("year"), target_year))
        if "baseline" in ind and isinstance(ind["baseline"], dict) and \
                ind["baseline"].get("year") not in (None, base_year):
            rep.err(iw, "%s: baseline year %r, plan baseline year %d" % (iid, ind["baseline"].get("year"), base_year))
        growth = ind.get("growth")
        if growth is not None and not is_num(growth):
            rep.err(iw, "%s: growth %r is not a number" % (iid, growth))
            growth = None
        kind = ind["kind"]
        if kind == "growth" and growth is None and not ("baseline" in yv and "target" in yv):
            rep.err(iw, "%s: kind growth needs growth or baseline and target values" % iid)
        if kind in ("level", "cumulative", "ceiling", "floor") and "target" not in yv:
            rep.err(iw, "%s: kind %s needs target.value" % (iid, kind))
        if kind == "keep" and "baseline" not in yv:
            rep.err(iw, "%s: kind keep needs baseline.value" % iid)
        if kind == "ceiling" and direction != "down":
            rep.err(iw, "%s: a ceiling (value <= target) means lower is better: direction down" % iid)
        if kind == "floor" and direction != "up":
            rep.err(iw, "%s: a floor (value >= target) means higher is better: direction up" % iid)

        bounds = ind.get("bounds")
        lo = hi = None
        if bounds is not None:
            if not isinstance(bounds, dict) or set(bounds) - {"min", "max", "__line__"}:
                rep.err(iw, "%s: bounds must be {min, max}" % iid)
            else:
                lo, hi = bounds.get("min"), bounds.get("max")
                if (lo is not None and not is_num(lo)) or (hi is not None and not is_num(hi)) or \
                        (lo is not None and hi is not None and lo > hi):
                    rep.err(iw, "%s: bad bounds %r" % (iid, bounds))
                    lo = hi = None
                for key, v in yv.items():
                    if (lo is not None and v < lo) or (hi is not None and v > hi):
                        rep.err(iw, "%s: %s.value %s outside bounds %s..%s" % (iid, key, fmt(v), lo, hi))
        if "due_days" in ind and (not isinstance(ind["due_days"], int) or
                                  not 1 <= ind["due_days"] <= 400):
            rep.err(iw, "%s: due_days must be 1..400" % iid)

        derived = ind.get("derived", [])
        if not isinstance(derived, list):
            rep.err(iw, "%s: derived must be a list" % iid)
            derived = []
        for d in derived:
            if d not in DERIVABLE:
                rep.err(iw, "%s: derived names %r, not one of %s" % (iid, d, sorted(DERIVABLE)))
            elif d not in ind:
                rep.err(iw, "%s: derived names %r but the indicator has no such field" % (iid, d))
        for d in ("bounds", "due_days"):
            if d in ind and d not in derived:
                rep.err(iw, "%s: %s is judgement, not seed text: list it in derived" % (iid, d))

        # the cited seed line
        ref = check_source_ref(ind["source"], seeds, iw, rep)
        if ref is None:
            continue
        sfile, sline, slines = ref
        prose = ind.get("prose", False) is True
        in_table = sfile == tfile and tfirst <= sline <= tlast
        if prose and in_table:
            rep.err(iw, "%s: prose indicator cites the table (%s:%d)" % (iid, sfile, sline))
        if not prose:
            if not in_table:
                rep.err(iw, "%s: table indicator must cite %s lines %d-%d, cites %s:%d"
                        % (iid, tfile, tfirst, tlast, sfile, sline))
                continue
            per_row.setdefault(sline, []).append(ind)
            last = min(sline + 3, row_end(sline))
        else:
            last = min(sline + 3, len(slines))
        here = "%s [%s:%d]" % (iw, sfile, sline)
        win = slines[sline - 1:last]
        joined = "".join(win)
        name = ind["name"]
        if isinstance(name, str) and (name in joined or name[:4] in joined):
            rep.names += 1
        else:
            rep.err(here, "%s: name %r not on lines %d-%d" % (iid, name, sline, last))
        tokens = numbers("\n".join(win))
        for key, v in (("baseline", yv.get("baseline")), ("target", yv.get("target")),
                       ("growth", growth)):
            if v is None or key in derived:
                continue
            if has_number(tokens, v):
                rep.numbers += 1
            else:
                rep.err(here, "%s: %s %s is not on lines %d-%d (numbers there: %s)"
                        % (iid, key, fmt(v), sline, last,
                           ", ".join(fmt(t) for t in sorted(tokens)) or "none"))
        if not prose:
            # the row's 属性 cell: first 预期性/约束性 from the name line to the row's end
            attr = None
            for l in range(sline, row_end(sline) + 1):
                txt = slines[l - 1]
                hits = [(txt.find(w), w) for w in ("约束性", "预期性") if w in txt]
                if hits:
                    attr = "binding" if min(hits)[1] == "约束性" else "expected"
                    break
            if attr is None:
                rep.err(here, "%s: no 属性 cell (约束性/预期性) in the row" % iid)
            elif attr != ind["attribute"]:
                rep.err(here, "%s: attribute %s, but the seed row says %s"
                        % (iid, ind["attribute"], "约束性" if attr == "binding" else "预期性"))

        # annual targets: their own source lines
        ats = ind.get("annual_targets", [])
        if not isinstance(ats, list):
            rep.err(iw, "%s: annual_targets must be a list" % iid)
            ats = []
        for at in ats:
            aw = "%s:%d" % (rpath, at["__line__"]) if isinstance(at, dict) else iw
            if not isinstance(at, dict):
                rep.err(aw, "%s: annual target must be a mapping" % iid)
                continue
            for k in set(at) - ANNUAL_KEYS - {"__line__"}:
                rep.err(aw, "%s: annual target: unknown key %r" % (iid, k))
            if not isinstance(at.get("year"), int) or not base_year < at["year"] <= target_year:
                rep.err(aw, "%s: annual target year %r outside the plan" % (iid, at.get("year")))
            if "growth" not in at and "value" not in at:
                rep.err(aw, "%s: annual target needs growth or value" % iid)
            aref = check_source_ref(at.get("source"), seeds, aw, rep)
            if aref is None:
                continue
            af, al, alines = aref
            alast = min(al + 3, len(alines))
            atok = numbers("\n".join(alines[al - 1:alast]))
            for key in ("growth", "value"):
                if key not in at:
                    continue
                if not is_num(at[key]):
                    rep.err(aw, "%s: annual target %s %r is not a number" % (iid, key, at[key]))
                elif "annual_targets" in derived:
                    pass
                elif has_number(atok, at[key]):
                    rep.numbers += 1
                else:
                    rep.err("%s [%s:%d]" % (aw, af, al), "%s: annual target %s %s not on lines %d-%d"
                            % (iid, key, fmt(at[key]), al, alast))

    # ---- table-level counts ----
    tw = "%s [%s:%d-%d]" % (rpath, tfile, tfirst, tlast)
    ttext = tlines[tfirst - 1:tlast]
    seed_rows = sum(l.count("预期性") + l.count("约束性") for l in ttext)
    seed_binding = sum(l.count("约束性") for l in ttext)
    if seed_rows != expected_rows:
        rep.err(tw, "seed table has %d 属性 cells (rows), EXPECTED_ROWS says %d" % (seed_rows, expected_rows))
    if seed_binding != expected_binding:
        rep.err(tw, "seed table has %d 约束性 rows, EXPECTED_BINDING says %d" % (seed_binding, expected_binding))
    if len(per_row) != expected_rows:
        rep.err(tw, "catalog has %d table rows, the seed table has %d" % (len(per_row), expected_rows))
    cat_binding = sum(1 for l, group in per_row.items()
                      if any(i["attribute"] == "binding" for i in group))
    if cat_binding != seed_binding:
        rep.err(tw, "catalog has %d binding rows, the seed table marks %d 约束性" % (cat_binding, seed_binding))
    for line, group in sorted(per_row.items()):
        want = split_rows.get((plan_id, line), 1)
        if len(group) != want:
            rep.err("%s [%s:%d]" % (rpath, tfile, line), "%d indicators cite this table row (%s), expected %d"
                    % (len(group), ", ".join(str(i.get("id")) for i in group), want))
    nprose = sum(1 for i in inds if isinstance(i, dict) and i.get("prose") is True)
    if nprose != expected_prose:
        rep.err(rpath, "%d prose indicators, EXPECTED_PROSE says %d" % (nprose, expected_prose))
    return out


# ---- history CSV ----

def load_units(root=ROOT):
    """Every spelling in model/unit.c's table -> (dimension, exp): the C table is the one
    source, read here rather than copied."""
    units = {}
    with open(os.path.join(root, UNIT_TABLE), encoding="utf-8") as f:
        for m in re.finditer(r'^\s*\{ "([^"]+)", (D_\w+), (-?\d+), \{ ([^}]*)\} \},', f.read(),
                             re.M):
            for name in [m.group(1)] + re.findall(r'"([^"]+)"', m.group(4)):
                units[name] = (m.group(2), int(m.group(3)))
    return units


def check_history(path, catalogs, seeds, rep, units=None):
    """catalogs: plan id -> (plan dict, {indicator id: indicator}). Returns rows checked."""
    rpath = rel(path)
    base = os.path.basename(path)
    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    except OSError as e:
        rep.err(rpath, "cannot read: %s" % e)
        return 0
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or rows[0] != CSV_HEADER:
        rep.err(rpath + ":1", "header must be exactly %s" % ",".join(CSV_HEADER))
        return 0
    seen = {}
    n = 0
    for lineno, row in enumerate(rows[1:], start=2):
        w = "%s:%d" % (rpath, lineno)
        if row == [] or row == [""]:
            continue
        n += 1
        if len(row) != len(CSV_HEADER):
            rep.err(w, "%d fields, expected %d" % (len(row), len(CSV_HEADER)))
            continue
        r = dict(zip(CSV_HEADER, row))
        plan, iid = r["plan"], r["indicator"]
        if plan not in catalogs:
            rep.err(w, "unknown plan %r" % plan)
            continue
        prefix = base.split("-")[0]
        if not plan.startswith(prefix + "-"):
            rep.err(w, "plan %r in a %s-* file" % (plan, prefix))
        pdoc, inds = catalogs[plan]
        ind = inds.get(iid)
        if ind is None:
            rep.err(w, "indicator %r is not in plan %r" % (iid, plan))
            continue
        key = (plan, iid, r["period"])
        if key in seen:
            rep.err(w, "duplicate %s/%s %s (first at line %d)" % (plan, iid, r["period"], seen[key]))
        seen[key] = lineno
        m = PERIOD_RE.match(r["period"])
        if not m:
            rep.err(w, "period %r is not YYYY, YYYYQn or YYYY-MM" % r["period"])
        else:
            pf = "quarterly" if m.group(2) else "monthly" if m.group(3) else "annual"
            if pf != "annual" and pf != ind.get("frequency", "annual"):
                rep.err(w, "%s period %r for a %s indicator" % (pf, r["period"], ind.get("frequency", "annual")))
            y = int(m.group(1))
            if not pdoc["baseline_year"] - HISTORY_YEARS <= y <= pdoc["target_year"] + 5:
                rep.err(w, "year %d outside what the daemon accepts for %s" % (y, plan))
        scale = 0
        if r["unit"] != ind["unit"]:
            a, b = (units or {}).get(r["unit"]), (units or {}).get(ind["unit"])
            if not a or not b or a[0] != b[0]:
                rep.err(w, "unit %r, catalog says %r (not of its dimension)"
                        % (r["unit"], ind["unit"]))
            else:
                scale = a[1] - b[1]
        if r["status"] not in STATUSES:
            rep.err(w, "status %r not one of %s" % (r["status"], sorted(STATUSES)))
        if "estimates" in base and r["status"] != "estimate":
            rep.err(w, "status %r in an estimates file" % r["status"])
        if r["dept"] not in (ind.get("departments") or []):
            rep.err(w, "dept %r may not report %s/%s (allowed: %s)"
                    % (r["dept"], plan, iid, ", ".join(ind.get("departments") or [])))
        try:
            value = float(r["value"])
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError
        except ValueError:
            rep.err(w, "value %r is not a number" % r["value"])
            continue
        yoy = None
        if r["yoy"] != "":
            try:
                yoy = float(r["yoy"])
            except ValueError:
                rep.err(w, "yoy %r is not a number" % r["yoy"])
        b = ind.get("bounds") or {}
        conv = float(decimal.Decimal(r["value"]).scaleb(scale))
        if ("min" in b and conv < b["min"]) or ("max" in b and conv > b["max"]):
            rep.err(w, "value %s outside bounds %s..%s" % (fmt(conv), b.get("min"), b.get("max")))
        sm = re.match(r"^([^:]+):(\d+)$", r["source"])
        if not sm:
            rep.err(w, "source %r must be FILE:LINE" % r["source"])
            continue
        sfile, sline = sm.group(1), int(sm.group(2))
        ref = check_source_ref({"file": sfile, "line": sline}, seeds, w, rep)
        if ref is None:
            continue
        slines = ref[2]
        last = min(sline + 3, len(slines))
        tokens = numbers("\n".join(slines[sline - 1:last]))
        for what, v in (("value", value), ("yoy", yoy)):
            if v is None:
                continue
            if has_number(tokens, v):
                rep.numbers += 1
            else:
                rep.err("%s [%s:%d]" % (w, sfile, sline), "%s %s is not on lines %d-%d"
                        % (what, fmt(v), sline, last))
    return n


# ---- driver ----

def run(seeds_dir, root=ROOT, catalogs=CATALOGS, tables=TABLES, expected_rows=EXPECTED_ROWS,
        expected_binding=EXPECTED_BINDING, expected_prose=EXPECTED_PROSE, split_rows=SPLIT_ROWS,
        history_dir=HISTORY_DIR, expected_history=EXPECTED_HISTORY, quiet=False):
    rep = Report()
    seeds = Seeds(seeds_dir)
    if not os.path.isdir(seeds_dir):
        rep.err(seeds_dir, "seed directory not found (use --seeds DIR)")
        return rep, []
    loaded = {}
    summary = []
    for plan_id, relpath in catalogs.items():
        path = os.path.join(root, relpath)
        doc = load_yaml(path, rep)
        if doc is None:
            continue
        before = rep.numbers
        inds = check_catalog(path, doc, seeds, plan_id, tables[plan_id], expected_rows[plan_id],
                             expected_binding[plan_id], expected_prose[plan_id], split_rows, rep)
        if inds is not None:
            loaded[plan_id] = (doc["plan"], inds)
            nprose = sum(1 for i in inds.values() if i.get("prose") is True)
            nann = sum(len(i.get("annual_targets") or []) for i in inds.values())
            summary.append("%-12s %-28s %3d indicators: %2d table rows (%s:%d-%d), %2d prose, "
                           "%d annual targets, %d numbers proved"
                           % (plan_id, relpath, len(inds), expected_rows[plan_id],
                              tables[plan_id][0][:3], tables[plan_id][1], tables[plan_id][2],
                              nprose, nann, rep.numbers - before))
    hdir = os.path.join(root, history_dir)
    files = sorted(f for f in os.listdir(hdir) if f.endswith(".csv")) if os.path.isdir(hdir) else []
    for name in expected_history:
        if name not in files:
            rep.err(os.path.join(history_dir, name), "missing history file")
    units = load_units(root if os.path.exists(os.path.join(root, UNIT_TABLE)) else ROOT)
    for name in files:
        before = rep.numbers
        n = check_history(os.path.join(hdir, name), loaded, seeds, rep, units)
        summary.append("%-41s %3d rows, %d numbers proved" % (os.path.join(history_dir, name), n,
                                                                rep.numbers - before))
    return rep, summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default=DEFAULT_SEEDS,
                    help="directory with the seed texts (default: ../shared/seeds from the repo root)")
    ap.add_argument("--selftest", action="store_true", help="run the checker's own negative tests")
    args = ap.parse_args(argv)
    if args.selftest:
        return selftest()
    rep, summary = run(os.path.abspath(args.seeds))
    for line in summary:
        print(line)
    for e in rep.errors:
        print("FAIL " + e)
    status = "FAILED: %d problem(s)" % len(rep.errors) if rep.errors else "ok"
    print("check_catalog_sources: %d names and %d numbers checked against %s: %s"
          % (rep.names, rep.numbers, rel(os.path.abspath(args.seeds)), status))
    return 1 if rep.errors else 0


# ---- self-test: the checker must catch what it claims to catch ----

_SEED = """专栏 2：主要指标表
分类\t序号\t指标名称\t单位\t2020 年\t2025 年目标\t年均增长 (%)\t属性
经济发展\t1\t地区生产总值\t亿元\t734.44\t1000\t6\t预期性
\t2\t固定资产投资\t%\t-16.6\t--\t7\t预期性
生态文明\t3\t森林覆盖率\t%\t41.41\t41.41\t持平\t约束性

到 2025 年，技术合同成交金额五年累计 8000 万元以上。
2022 年目标：地区生产总值增长 0.5%。
"""

_GDP = """  - id: gdp
    name: 地区生产总值
    name_en: GDP
    category: 经济发展
    unit: 亿元
    attribute: expected
    kind: growth
    direction: up
    baseline: {year: 2020, value: BASE}
    target: {year: 2025, value: 1000}
    growth: 6
    frequency: quarterly
    form: ytd
    departments: [统计局]
    bounds: {min: 0, max: 3000}
    due_days: 25
    source: {file: t.txt, line: 3}
    derived: DERIVED
    annual_targets:
      - {year: 2022, growth: ANNUALG, source: {file: t.txt, line: 8}}
"""
_REST = """  - id: fai
    name: 固定资产投资
    name_en: FAI
    category: 经济发展
    unit: "%"
    attribute: expected
    kind: growth
    baseline: {year: 2020, value: -16.6}
    growth: 7
    frequency: monthly
    form: ytd
    departments: [统计局]
    source: {file: t.txt, line: 4}
  - id: forest_cover
    name: FORESTNAME
    name_en: Forest
    category: 生态文明
    unit: "%"
    attribute: FORESTATTR
    kind: keep
    baseline: {year: 2020, value: 41.41}
    departments: [林业局]
    bounds: {min: 0, max: 100}
    source: {file: t.txt, line: 5}
    derived: FORESTDERIVED
  - id: tech_contract
    name: 技术合同成交金额
    name_en: Tech contracts
    category: 创新驱动
    unit: 万元
    attribute: expected
    kind: KIND
    TARGET
    prose: true
    departments: [科技局]
    source: {file: t.txt, line: 7}
EXTRA"""

_CSV_OK = "t-14,gdp,2020,734.44,亿元,final,统计局,,row,t.txt:3\n"


def _case(tmp, subs=None, csv_rows=_CSV_OK, rows=3, binding=1, prose=1):
    s = {"BASE": "734.44", "ANNUALG": "0.5", "DERIVED": "[bounds, due_days]", "FORESTNAME": "森林覆盖率",
         "FORESTATTR": "binding", "FORESTDERIVED": "[bounds]", "KIND": "cumulative",
         "TARGET": "target: {year: 2025, value: 8000}", "EXTRA": "", "DROPFOREST": False}
    s.update(subs or {})
    body = _GDP.replace("BASE", s["BASE"]).replace("DERIVED", s["DERIVED"]).replace(
        "ANNUALG", s["ANNUALG"])
    rest = _REST
    for k in ("FORESTNAME", "FORESTATTR", "FORESTDERIVED", "KIND", "TARGET", "EXTRA"):
        rest = rest.replace(k, s[k])
    if s["DROPFOREST"]:
        a = rest.index("  - id: forest_cover")
        b = rest.index("  - id: tech_contract")
        rest = rest[:a] + rest[b:]
    text = ("plan:\n  id: t-14\n  name: 测试\n  source: t.txt\n  baseline_year: 2020\n"
            "  target_year: 2025\nindicators:\n" + body + rest)
    os.makedirs(os.path.join(tmp, "catalog"), exist_ok=True)
    os.makedirs(os.path.join(tmp, "seeds"), exist_ok=True)
    os.makedirs(os.path.join(tmp, "hist"), exist_ok=True)
    with open(os.path.join(tmp, "seeds", "t.txt"), "w", encoding="utf-8") as f:
        f.write(_SEED)
    with open(os.path.join(tmp, "catalog", "t.yaml"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(tmp, "hist", "t-hist.csv"), "w", encoding="utf-8") as f:
        f.write(",".join(CSV_HEADER) + "\n" + csv_rows)
    rep, _ = run(os.path.join(tmp, "seeds"), root=tmp, catalogs={"t-14": "catalog/t.yaml"},
                 tables={"t-14": ("t.txt", 1, 5)}, expected_rows={"t-14": rows},
                 expected_binding={"t-14": binding}, expected_prose={"t-14": prose},
                 split_rows={}, history_dir="hist", expected_history=["t-hist.csv"])
    return rep.errors


def selftest():
    cases = [
        # (description, substitutions, csv rows, expected error fragment or None for clean)
        ("clean catalog and history pass", {}, _CSV_OK, None),
        ("wrong baseline on the cited line", {"BASE": "734.45"}, _CSV_OK, "baseline 734.45 is not on lines 3-3"),
        ("number from the next row is not accepted", {"BASE": "41.41"}, _CSV_OK, "baseline 41.41 is not on lines 3-3"),
        ("derived baseline is not looked up", {"BASE": "734.45", "DERIVED": "[baseline, bounds, due_days]"},
         _CSV_OK, None),
        ("bounds not listed in derived", {"DERIVED": "[due_days]"}, _CSV_OK, "bounds is judgement"),
        ("derived names a field that cannot be derived", {"DERIVED": "[bounds, due_days, prose]"},
         _CSV_OK, "derived names 'prose', not one of"),
        ("derived names a field that is absent", {"FORESTDERIVED": "[bounds, target]"},
         _CSV_OK, "derived names 'target' but the indicator has no such field"),
        ("wrong annual-target number", {"ANNUALG": "0.6"}, _CSV_OK,
         "annual target growth 0.6 not on lines 8-"),
        ("name not on the cited lines", {"FORESTNAME": "湿地保护率"}, _CSV_OK, "name '湿地保护率' not on lines"),
        ("binding row catalogued as expected", {"FORESTATTR": "expected"}, _CSV_OK,
         "attribute expected, but the seed row says 约束性"),
        ("a table row left out", {"DROPFOREST": True}, _CSV_OK, "catalog has 2 table rows"),
        ("EXPECTED_ROWS disagrees with the seed", {}, _CSV_OK, "EXPECTED_ROWS says 4"),
        ("kind without its numbers", {"KIND": "floor", "TARGET": "growth: 5"}, _CSV_OK,
         "kind floor needs target.value"),
        ("unknown kind", {"KIND": "target"}, _CSV_OK, "kind 'target' not one of"),
        ("unknown key", {"EXTRA": "    colour: red\n"}, _CSV_OK, "unknown key 'colour'"),
        ("prose target number wrong", {"TARGET": "target: {year: 2025, value: 9000}"}, _CSV_OK,
         "target 9000 is not on lines 7-"),
        ("csv value not on the cited line", {}, "t-14,gdp,2020,734.4,亿元,final,统计局,,x,t.txt:3\n",
         "value 734.4 is not on lines 3-6"),
        ("csv yoy not on the cited line", {}, "t-14,gdp,2020,734.44,亿元,final,统计局,6.5,x,t.txt:3\n",
         "yoy 6.5 is not on lines"),
        ("csv unit of another dimension", {}, "t-14,gdp,2020,734.44,亿美元,final,统计局,,x,t.txt:3\n",
         "unit '亿美元', catalog says '亿元' (not of its dimension)"),
        ("csv unit not in the unit table", {}, "t-14,gdp,2020,734.44,两,final,统计局,,x,t.txt:3\n",
         "unit '两', catalog says '亿元' (not of its dimension)"),
        ("csv unit of the dimension: bounds after conversion", {},
         "t-14,gdp,2020,73444000,万元,final,统计局,,x,t.txt:3\n", "value 7344.4 outside bounds"),
        ("csv value outside bounds", {}, "t-14,forest_cover,2020,1000,%,final,林业局,,x,t.txt:7\n",
         "outside bounds"),
        ("csv bad status", {}, "t-14,gdp,2020,734.44,亿元,guess,统计局,,x,t.txt:3\n", "status 'guess'"),
        ("csv department not allowed", {}, "t-14,gdp,2020,734.44,亿元,final,财政局,,x,t.txt:3\n",
         "dept '财政局' may not report"),
        ("csv period of the wrong frequency", {}, "t-14,gdp,2020-03,734.44,亿元,final,统计局,,x,t.txt:3\n",
         "monthly period '2020-03' for a quarterly indicator"),
        ("csv unknown indicator", {}, "t-14,gdpx,2020,734.44,亿元,final,统计局,,x,t.txt:3\n",
         "indicator 'gdpx' is not in plan"),
        ("csv line outside the seed", {}, "t-14,gdp,2020,734.44,亿元,final,统计局,,x,t.txt:99\n",
         "outside the file"),
    ]
    failed = 0
    for desc, subs, rows, want in cases:
        with tempfile.TemporaryDirectory() as tmp:
            kw = {"rows": 4} if "EXPECTED_ROWS" in desc else {}
            errs = _case(tmp, subs, rows, **kw)
        if want is None:
            ok = not errs
        else:
            ok = any(want in e for e in errs)
        failed += not ok
        print("%s %s" % ("ok  " if ok else "FAIL", desc))
        if not ok:
            for e in errs or ["(no errors reported)"]:
                print("       " + e)
    # number tokenizer
    tok = numbers("\t5\t固定资产投资\t%\t-16.6\t--\t7\t1.9%以内 2016-2020 ０.５ $23 \\mu")
    for v, present in ((-16.6, True), (16.6, True), (7, True), (1.9, True), (0.5, True),
                       (23, True), (2016, True), (-7, False), (1.6, False), (9, False)):
        ok = has_number(tok, v) == present
        failed += not ok
        print("%s numbers(): %s %s" % ("ok  " if ok else "FAIL", fmt(v), "found" if present else "absent"))
    print("selftest: %s" % ("ok" if not failed else "%d FAILED" % failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
