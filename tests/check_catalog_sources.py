#!/usr/bin/env python3
"""Prove the indicator catalog and the imported history against the seed texts.

The catalog (catalog/SCHEMA.md): region files catalog/regions/*.yaml, plan files
catalog/plans/*.yaml, history by region data/history/by-region/*.csv. Every file of those
directories is checked (a file the tables below do not name fails: it would go unchecked),
and catalog/ holds no other YAML file (a retired format-1 file would be one).
  * region files: id (GB/T 2260 code or CODE-alias) and alias as written down in REGIONS,
    each series' fields (names, unit: a canonical entry of model/unit.c, frequency and form,
    departments), bounds/due_days/first_due (judgement, not seed text) listed in `derived`,
    first_due a period of its frequency (and only with due_days), its name on its source line
    unless `derived` says the name is composed;
  * plan files: keys, id, window (base = start - 1), status, every target on a series of the
    plan's region with the numbers its kind needs; its numbers -- unless named in `derived` --
    as number tokens on its table row (13th-plan 专栏1 tables: also in their column, COLUMNS;
    compared numerically, 1e-9), a prose target (prose: true) on its own line outside the
    table; outcome numbers and text on the row; the 属性 cell of every row (or no attribute
    where the table has none); row, 约束性 and prose counts against the seed table and against
    EXPECTED_ROWS / EXPECTED_BINDING / EXPECTED_PROSE written down by hand; 年度目标 inside the
    window and their numbers on their own source lines;
  * history by region: header, region and series known, unit = the series' or a unit of its
    dimension (read from model/unit.c: the daemon converts it), status, department, period
    form, value (converted into the series' unit) inside bounds, and the value as printed (and
    yoy, if given) on the cited FILE:LINE..LINE+3;
  * the fixture 15th plan (tests/fixtures/plan-15-TEST-FIXTURE): on its region's series,
    exactly one baseline off its stored 2025 figure.

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

# Each plan's main-indicator table in its seed: (file, first line, last line), header included.
TABLES = {
    "quangang-14": (S000, 234, 259),  # 专栏2 “十四五”时期经济社会发展主要指标表
    "licheng-14": (S001, 398, 632),   # 专栏3 “十四五”经济社会发展主要指标
    "qetdz-14": (S003, 263, 470),     # untitled main-indicator table after 二、总体要求
    # The 13th plans' results tables (专栏1 of each 14th-plan outline).
    "quangang-13": (S000, 118, 156),  # 专栏1 “十三五”经济社会发展主要目标完成情况
    "licheng-13": (S001, 26, 338),    # 专栏1 “十三五”规划纲要指标完成情况
    "qetdz-13": (S003, 24, 211),      # 专栏1 泉州开发区“十三五”规划主要目标完成情况
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
    # 000 lines 122-156: one row per line, 序号 1..31 (经济发展 1-11, 城市建设 12-15, 民生福祉
    # 16-23, 生态文明 24-31), plus the 其中 line 137 under row 15 (no 序号);
    "quangang-13": 31,
    # 001 lines 45-338: one cell per line, 序号 1..36 on lines 47, 55, ... 333;
    "licheng-13": 36,
    # 003 lines 40-211: one cell per line, 序号 1..21 on lines 41, 49, ... 205.
    "qetdz-13": 21,
}
# Rows whose 属性 cell is 约束性, counted by hand: 000 rows 14,19-23; 001 rows 26-31; 003 rows
# 18-25. None: the table has no 属性 column (none of the three 专栏1 tables has one).
EXPECTED_BINDING = {"quangang-14": 6, "licheng-14": 6, "qetdz-14": 8,
                    "quangang-13": None, "licheng-13": None, "qetdz-13": None}
# Quantified prose targets catalogued with prose: true (not table rows), see catalog/README.md.
EXPECTED_PROSE = {"quangang-14": 15, "licheng-14": 0, "qetdz-14": 0,
                  "quangang-13": 0, "licheng-13": 0, "qetdz-13": 0}
# Table rows deliberately catalogued as more than one target: (plan, line) -> targets.
SPLIT_ROWS = {
    ("qetdz-14", 409): 2,     # 安全生产主要指标: deaths (keep) + 较大以上事故 (ceiling)
    ("quangang-13", 125): 3,  # 三次产业结构 3:75:22: primary, secondary, tertiary share
    ("qetdz-13", 62): 2,      # 第三产业增加值 约35亿元，占比重达到20%: amount + share
    ("qetdz-13", 70): 2,      # 文化产业增加值 4.27亿，比重2.3%: amount (info) + share
}

HISTORY_DIR = "data/history/by-region"
UNIT_TABLE = "model/unit.c"
EXPECTED_HISTORY = [
    "quangang-13th-results.csv",
    "quangang-2021-estimates.csv",
    "quangang-2023-actuals.csv",
    "licheng-13th-results.csv",
    "qetdz-13th-results.csv",
]
CSV_HEADER = ["region", "indicator", "period", "value", "unit", "status", "dept", "yoy",
              "reason", "source"]

# ---- schema, mirroring model/catalog.c ----
ATTRIBUTES = {"expected", "binding"}
KINDS = {"growth", "level", "ceiling", "floor", "keep", "city", "cumulative", "info"}
DIRECTIONS = {"up", "down"}
FREQUENCIES = {"monthly", "quarterly", "annual"}
FORMS = {"level", "ytd"}
STATUSES = {"estimate", "flash", "preliminary", "final", "revised"}
KNOWN_DEPTS = {"统计局", "财政局", "发改局", "科技局", "人社局", "生态环境局", "商务局", "卫健局",
               "教育局", "医保局", "住建局", "林业局", "应急管理局", "工信局", "市场监管局",
               "水利局", "文旅局", "自然资源局", "税务局",
               # series of the 13th plans: ports, poverty, elderly care, volunteers
               "交通运输局", "乡村振兴局", "民政局"}
PLAN_ID_RE = re.compile(r"^[a-z0-9-]{1,64}$")
IND_ID_RE = re.compile(r"^[a-z0-9_]{1,64}$")
PERIOD_RE = re.compile(r"^(\d{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))?$")
SPAN_RE = re.compile(r"^(\d{4})-(\d{4})$")  # a plan period's total: proto/period.c
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


# ---- checks of series and targets ----

def check_series_fields(ind, iid, iw, rep):
    """What defines a series: names, unit, frequency and form, departments."""
    for k in ("name", "name_en", "category", "unit"):
        if not isinstance(ind[k], str) or not ind[k].strip():
            rep.err(iw, "%s: %r must be a non-empty string" % (iid, k))
    if len(str(ind["unit"]).encode()) > 32:
        rep.err(iw, "%s: unit longer than 32 bytes" % iid)
    for key, allowed in (("frequency", FREQUENCIES), ("form", FORMS)):
        if key in ind and ind[key] not in allowed:
            rep.err(iw, "%s: %s %r not one of %s" % (iid, key, ind[key], sorted(allowed)))
    if ind.get("form", "level") == "ytd" and ind.get("frequency", "annual") == "annual":
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


def check_target_enums(ind, iid, iw, rep):
    """attribute (when present), kind, direction, prose."""
    for key, allowed in (("attribute", ATTRIBUTES), ("kind", KINDS), ("direction", DIRECTIONS)):
        if key in ind and ind[key] not in allowed:
            rep.err(iw, "%s: %s %r not one of %s" % (iid, key, ind[key], sorted(allowed)))
    if "prose" in ind and not isinstance(ind["prose"], bool):
        rep.err(iw, "%s: prose must be true or false" % iid)


def target_numbers(ind, iid, iw, rep, base_year, target_year):
    """Checks baseline/target {year, value} and growth; returns ({key: value}, growth)."""
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
    return yv, growth


def check_kind_needs(ind, yv, growth, iid, iw, rep):
    """Every kind but info/city has the numbers its rule needs; ceilings/floors agree with direction."""
    kind, direction = ind["kind"], ind.get("direction", "up")
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


def check_bounds(bounds, yv, iid, iw, rep, factor=None):
    """bounds {min, max}; every value in yv (times factor(key), for another unit) inside them.
    Returns (min, max), None where absent or bad."""
    lo = hi = None
    if bounds is None:
        return lo, hi
    if not isinstance(bounds, dict) or set(bounds) - {"min", "max", "__line__"}:
        rep.err(iw, "%s: bounds must be {min, max}" % iid)
        return lo, hi
    lo, hi = bounds.get("min"), bounds.get("max")
    if (lo is not None and not is_num(lo)) or (hi is not None and not is_num(hi)) or \
            (lo is not None and hi is not None and lo > hi):
        rep.err(iw, "%s: bad bounds %r" % (iid, bounds))
        return None, None
    for key, v in yv.items():
        v = v * (factor or 1)
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            rep.err(iw, "%s: %s.value %s outside bounds %s..%s" % (iid, key, fmt(v), lo, hi))
    return lo, hi


def check_due(ind, iid, iw, rep):
    if "due_days" in ind and (not isinstance(ind["due_days"], int) or
                              not 1 <= ind["due_days"] <= 400):
        rep.err(iw, "%s: due_days must be 1..400" % iid)


def check_derived(ind, derivable, judgement, iid, iw, rep):
    """`derived` names only fields it may and that exist; judgement fields must be listed.
    Returns the list."""
    derived = ind.get("derived", [])
    if not isinstance(derived, list):
        rep.err(iw, "%s: derived must be a list" % iid)
        derived = []
    for d in derived:
        if d not in derivable:
            rep.err(iw, "%s: derived names %r, not one of %s" % (iid, d, sorted(derivable)))
        elif d not in ind:
            rep.err(iw, "%s: derived names %r but the indicator has no such field" % (iid, d))
    for d in judgement:
        if d in ind and d not in derived:
            rep.err(iw, "%s: %s is judgement, not seed text: list it in derived" % (iid, d))
    return derived


def prove_numbers(tokens, pairs, derived, here, iid, first, last, rep):
    """Each (key, value) of pairs not None and not derived must be a number token."""
    for key, v in pairs:
        if v is None or key in derived:
            continue
        if has_number(tokens, v):
            rep.numbers += 1
        else:
            rep.err(here, "%s: %s %s is not on lines %d-%d (numbers there: %s)"
                    % (iid, key, fmt(v), first, last,
                       ", ".join(fmt(t) for t in sorted(tokens)) or "none"))


def seed_attribute(slines, first, last):
    """The row's 属性 cell: the first 预期性/约束性 on lines first..last, or None."""
    for l in range(first, last + 1):
        txt = slines[l - 1]
        hits = [(txt.find(w), w) for w in ("约束性", "预期性") if w in txt]
        if hits:
            return "binding" if min(hits)[1] == "约束性" else "expected"
    return None


def check_annual_numbers(at, seeds, skip, iid, aw, rep):
    """An annual target's growth/value on its own source line (+3)."""
    aref = check_source_ref(at.get("source"), seeds, aw, rep)
    if aref is None:
        return
    af, al, alines = aref
    alast = min(al + 3, len(alines))
    atok = numbers("\n".join(alines[al - 1:alast]))
    for key in ("growth", "value"):
        if key not in at:
            continue
        if not is_num(at[key]):
            rep.err(aw, "%s: annual target %s %r is not a number" % (iid, key, at[key]))
        elif skip:
            pass
        elif has_number(atok, at[key]):
            rep.numbers += 1
        else:
            rep.err("%s [%s:%d]" % (aw, af, al), "%s: annual target %s %s not on lines %d-%d"
                    % (iid, key, fmt(at[key]), al, alast))


def table_seed(plan, table, seeds, where, rep):
    """The plan cites its table's seed; returns that seed's lines, or None."""
    if plan.get("source") != table[0]:
        rep.err(where, "plan source %r, expected the table's seed %r" % (plan.get("source"), table[0]))
    tlines = seeds.lines(table[0])
    if tlines is None:
        rep.err(where, "table seed %r not found in %s" % (table[0], seeds.root))
    return tlines


def item_list(doc, key, rpath, rep):
    items = doc.get(key)
    if not isinstance(items, list) or not items:
        rep.err(rpath, "%s must be a non-empty list" % key)
        return None
    return items


def table_or_prose(item, sfile, sline, table, what, iid, where, rep):
    """A table item cites a line of the table, a prose item (prose: true) a line outside it.
    Returns (prose, placed correctly)."""
    tfile, tfirst, tlast = table
    prose = item.get("prose", False) is True
    in_table = sfile == tfile and tfirst <= sline <= tlast
    if prose and in_table:
        rep.err(where, "%s: prose %s cites the table (%s:%d)" % (iid, what, sfile, sline))
    if not prose and not in_table:
        rep.err(where, "%s: table %s must cite %s lines %d-%d, cites %s:%d"
                % (iid, what, tfile, tfirst, tlast, sfile, sline))
    return prose, prose != in_table


def item_head(item, keys, required, what, seen, rpath, rep):
    """The checks every list item with an id shares: a mapping, known keys, the required ones,
    a valid and unique id. Returns (id, where) with id None when the item cannot be checked
    further; a good item is added to seen."""
    if not isinstance(item, dict):
        rep.err(rpath, "%s must be a mapping: %r" % (what, item))
        return None, rpath
    where = "%s:%d" % (rpath, item["__line__"])
    iid = item.get("id")
    for k in set(item) - keys - {"__line__"}:
        rep.err(where, "%s %r: unknown key %r" % (what, iid, k))
    missing = [k for k in required if k not in item]
    if missing:
        rep.err(where, "%s %r: missing %s" % (what, iid, ", ".join(missing)))
        return None, where
    if not isinstance(iid, str) or not IND_ID_RE.match(iid):
        rep.err(where, "%s id %r must be 1..64 of [a-z0-9_]" % (what, iid))
        return None, where
    if iid in seen:
        rep.err(where, "duplicate %s id %r (first at line %d)" % (what, iid, seen[iid]["__line__"]))
        return None, where
    seen[iid] = item
    return iid, where


def table_rows(items, tfile, extra=()):
    """Sorted first lines of the table rows the items cite (non-prose), plus extra."""
    return sorted({i["source"]["line"] for i in items
                   if isinstance(i, dict) and not i.get("prose")
                   and isinstance(i.get("source"), dict)
                   and i["source"].get("file") == tfile
                   and isinstance(i["source"].get("line"), int)} | set(extra))


def row_ender(row_lines, tlast, tlines=None, seq=None):
    """row_end(line): the last line of the row starting at line (before the next row; with seq,
    a one-cell-per-line table, also before the next row's 序号 cell)."""
    def row_end(line):
        nxt = [l for l in row_lines if l > line]
        end = min(nxt[0] - 1, tlast) if nxt else tlast
        if seq and nxt and nxt[0] in seq and nxt[0] - 1 > line and \
                SEQ_RE.match(tlines[nxt[0] - 2]):
            end = min(end, nxt[0] - 2)
        return end
    return row_end


def check_table_counts(rpath, plan_id, table, tlines, per_row, items, seq, expected_rows,
                       expected_binding, expected_prose, split_rows, what, id_key, rep):
    """Rows, 约束性 rows and prose items against the seed table and the hand counts.
    expected_binding None: the table has no 属性 column, rows are its 序号 cells (seq)."""
    tfile, tfirst, tlast = table
    tw = "%s [%s:%d-%d]" % (rpath, tfile, tfirst, tlast)
    ttext = tlines[tfirst - 1:tlast]
    seed_binding = sum(l.count("约束性") for l in ttext)
    if expected_binding is not None:
        seed_rows = sum(l.count("预期性") + l.count("约束性") for l in ttext)
        if seed_rows != expected_rows:
            rep.err(tw, "seed table has %d 属性 cells (rows), EXPECTED_ROWS says %d" % (seed_rows, expected_rows))
        if seed_binding != expected_binding:
            rep.err(tw, "seed table has %d 约束性 rows, EXPECTED_BINDING says %d" % (seed_binding, expected_binding))
        cat_binding = sum(1 for l, group in per_row.items()
                          if any(i.get("attribute") == "binding" for i in group))
        if cat_binding != seed_binding:
            rep.err(tw, "catalog has %d binding rows, the seed table marks %d 约束性" % (cat_binding, seed_binding))
    else:
        if seed_binding or "预期性" in "".join(ttext):
            rep.err(tw, "EXPECTED_BINDING says no 属性 column, but the seed table has 属性 cells")
        if len(seq) != expected_rows:
            rep.err(tw, "seed table has %d 序号 rows, EXPECTED_ROWS says %d" % (len(seq), expected_rows))
    if len(per_row) != expected_rows:
        rep.err(tw, "catalog has %d table rows, the seed table has %d" % (len(per_row), expected_rows))
    for line, group in sorted(per_row.items()):
        want = split_rows.get((plan_id, line), 1)
        if len(group) != want:
            rep.err("%s [%s:%d]" % (rpath, tfile, line), "%d %s cite this table row (%s), expected %d"
                    % (len(group), what, ", ".join(str(i.get(id_key)) for i in group), want))
    nprose = sum(1 for i in items if isinstance(i, dict) and i.get("prose") is True)
    if nprose != expected_prose:
        rep.err(rpath, "%d prose %s, EXPECTED_PROSE says %d" % (nprose, what, expected_prose))


# ---- history CSV ----

def load_units(root=ROOT):
    """Every spelling in model/unit.c's table -> (dimension, exp, canonical spelling): the C
    table is the one source, read here rather than copied."""
    units = {}
    with open(os.path.join(root, UNIT_TABLE), encoding="utf-8") as f:
        for m in re.finditer(r'^\s*\{ "([^"]+)", (D_\w+), (-?\d+), \{ ([^}]*)\} \},', f.read(),
                             re.M):
            for name in [m.group(1)] + re.findall(r'"([^"]+)"', m.group(4)):
                units[name] = (m.group(2), int(m.group(3)), m.group(1))
    return units


def check_canonical_unit(units, unit, iid, where, rep):
    """A catalog unit is a canonical entry of model/unit.c (as tests/test_unit.c demands of
    the format-1 files the C loader reads)."""
    u = units.get(unit)
    if u is None:
        rep.err(where, "%s: unit %r is not in %s" % (iid, unit, UNIT_TABLE))
    elif u[2] != unit:
        rep.err(where, "%s: unit %r is not canonical, write %r" % (iid, unit, u[2]))


def unit_scale(units, frm, to):
    """Power of ten that converts a number in unit frm into unit to (0 for the same unit), or
    None when frm is not a unit of to's dimension in model/unit.c's table."""
    if frm == to:
        return 0
    a, b = units.get(frm), units.get(to)
    if not a or not b or a[0] != b[0]:
        return None
    return a[1] - b[1]


def check_history(path, header, resolve, seeds, rep):
    """Checks one history CSV whose first column names the owner (a region, by alias).
    resolve(owner, indicator, where) returns (series dict, (first year, last year) the daemon
    accepts, scale(unit) -> power of ten into the series' unit or None), or None after
    reporting why. The value is proved as printed and bounded after the
    exact conversion. Returns the number of rows checked."""
    rpath = rel(path)
    base = os.path.basename(path)
    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    except OSError as e:
        rep.err(rpath, "cannot read: %s" % e)
        return 0
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or rows[0] != header:
        rep.err(rpath + ":1", "header must be exactly %s" % ",".join(header))
        return 0
    seen = {}
    n = 0
    for lineno, row in enumerate(rows[1:], start=2):
        w = "%s:%d" % (rpath, lineno)
        if row == [] or row == [""]:
            continue
        n += 1
        if len(row) != len(header):
            rep.err(w, "%d fields, expected %d" % (len(row), len(header)))
            continue
        r = dict(zip(header, row))
        owner, iid = row[0], r["indicator"]
        prefix = base.split("-")[0]
        if owner != prefix and not owner.startswith(prefix + "-"):
            rep.err(w, "%s %r in a %s-* file" % (header[0], owner, prefix))
        got = resolve(owner, iid, w)
        if got is None:
            continue
        ind, (ymin, ymax), unit_scale_of, spans = got
        key = (owner, iid, r["period"])
        if key in seen:
            rep.err(w, "duplicate %s/%s %s (first at line %d)" % (owner, iid, r["period"], seen[key]))
        seen[key] = lineno
        m = PERIOD_RE.match(r["period"])
        sm = SPAN_RE.match(r["period"])
        if sm:
            if (int(sm.group(1)), int(sm.group(2))) not in spans:
                rep.err(w, "period %r: a total is only for a plan window (start_year-end_year) "
                        "of a plan with a cumulative target on %s (here: %s)"
                        % (r["period"], iid, sorted(spans) or "none"))
        elif not m:
            rep.err(w, "period %r is not YYYY, YYYYQn, YYYY-MM or a plan window YYYY-YYYY"
                    % r["period"])
        else:
            pf = "quarterly" if m.group(2) else "monthly" if m.group(3) else "annual"
            if pf != "annual" and pf != ind.get("frequency", "annual"):
                rep.err(w, "%s period %r for a %s indicator" % (pf, r["period"], ind.get("frequency", "annual")))
            y = int(m.group(1))
            if not ymin <= y <= ymax:
                rep.err(w, "year %d outside what the daemon accepts for %s" % (y, owner))
        scale = unit_scale_of(r["unit"])
        if scale is None:
            rep.err(w, "unit %r, catalog says %r (not of its dimension)" % (r["unit"], ind["unit"]))
            scale = 0
        if r["status"] not in STATUSES:
            rep.err(w, "status %r not one of %s" % (r["status"], sorted(STATUSES)))
        if "estimates" in base and r["status"] != "estimate":
            rep.err(w, "status %r in an estimates file" % r["status"])
        if r["dept"] not in (ind.get("departments") or []):
            rep.err(w, "dept %r may not report %s/%s (allowed: %s)"
                    % (r["dept"], owner, iid, ", ".join(ind.get("departments") or [])))
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


def check_history_dir(root, history_dir, expected_history, header, resolve, seeds, rep, summary,
                      width):
    """Every CSV of history_dir (each expected one must exist); a summary line per file."""
    hdir = os.path.join(root, history_dir)
    files = sorted(f for f in os.listdir(hdir) if f.endswith(".csv")) if os.path.isdir(hdir) else []
    for name in expected_history:
        if name not in files:
            rep.err(os.path.join(history_dir, name), "missing history file")
    for name in files:
        before = rep.numbers
        n = check_history(os.path.join(hdir, name), header, resolve, seeds, rep)
        summary.append("%-*s %3d rows, %d numbers proved" % (width, os.path.join(history_dir, name),
                                                               n, rep.numbers - before))


# ---- regions and plans (catalog/SCHEMA.md) ----

REGIONS = {  # alias -> (file, region id: GB/T 2260 code, or a catalog id where none exists)
    "quangang": ("catalog/regions/quangang.yaml", "350505"),
    "licheng": ("catalog/regions/licheng.yaml", "350502"),
    "qetdz": ("catalog/regions/qetdz.yaml", "350500-qetdz"),
}
PLANS = {
    "quangang-13": "catalog/plans/quangang-13.yaml",
    "quangang-14": "catalog/plans/quangang-14.yaml",
    "licheng-13": "catalog/plans/licheng-13.yaml",
    "licheng-14": "catalog/plans/licheng-14.yaml",
    "qetdz-13": "catalog/plans/qetdz-13.yaml",
    "qetdz-14": "catalog/plans/qetdz-14.yaml",
}
# Where each number sits in a 13th-plan row, read off the table headers: "tab" = the tab field
# of the row's line (000 line 120: 分类 序号 指标名称 2020年目标 五年年增长 | 2020年总量 年均增长),
# "line" = lines after the name line (001 lines 29-35: 指标, 目标, 2015年实际, 2020年实际,
# 完成情况; 003 lines 28-38: 规划目标 2020年 comes first). A number on its row but in another
# column (a 2020 result given as the target) fails here, not only off the row.
COLUMNS = {
    "quangang-13": ("tab", {"target": 3, "growth": 4, "outcome value": 5, "outcome growth": 6}),
    "licheng-13": ("line", {"target": 1, "baseline": 2, "outcome value": 3}),
    "qetdz-13": ("line", {"target": 1}),
}
SUB_ROWS = {("quangang-13", 137)}  # 其中 lines: a target of their own, not a 序号 row

REGION_KEYS = {"id", "alias", "name", "name_en", "parent"}
SERIES_KEYS = {"id", "name", "name_en", "category", "unit", "frequency", "form", "departments",
               "bounds", "due_days", "first_due", "source", "derived", "note", "formula"}
FORMULA_RE = re.compile(r"^\s*(share|ratio|per_capita|sum)\s*\(\s*([a-z0-9_]+(?:\s*,\s*[a-z0-9_]+)+)\s*\)\s*$")
SERIES_REQUIRED = ["id", "name", "name_en", "category", "unit", "departments", "source"]
SERIES_DERIVABLE = {"bounds", "due_days", "first_due", "unit", "name"}
PLAN_KEYS = {"id", "region", "title", "title_en", "source", "start_year", "end_year",
              "base_year", "status"}
PLAN_STATUSES = {"draft", "active", "closed"}
TARGET_KEYS = {"series", "name", "unit", "category", "attribute", "kind", "direction",
               "baseline", "target", "growth", "prose", "source", "derived", "note", "outcome",
               "definition_change"}
DEFCHANGE_KEYS = {"reason", "year", "source"}
TARGET_REQUIRED = ["series", "kind", "source"]
TARGET_DERIVABLE = {"baseline", "target", "growth"}
OUTCOME_KEYS = {"value", "growth", "text"}
ANNUAL_KEYS = {"series", "growth", "value", "source", "note"}
REGION_ID_RE = re.compile(r"^[0-9]{6}(-[a-z][a-z0-9]{0,15})?$")
ALIAS_RE = re.compile(r"^[a-z][a-z0-9]{0,31}$")
SEQ_RE = re.compile(r"^[^\t\d]*\t(\d+)(?:\t|$)")


def check_definition_change(dc, seeds, start, end, sid, tw, rep):
    """definition_change: {reason, year?, source}: a reason to print, a year of the window,
    and a seed line that states a definition change (口径)."""
    if not isinstance(dc, dict) or set(dc) - DEFCHANGE_KEYS - {"__line__"}:
        rep.err(tw, "%s: definition_change must be {reason, year, source}" % sid)
        return
    if not isinstance(dc.get("reason"), str) or not dc["reason"].strip():
        rep.err(tw, "%s: definition_change without a reason" % sid)
    if "year" in dc and (not isinstance(dc["year"], int) or not start <= dc["year"] <= end):
        rep.err(tw, "%s: definition_change year %r outside %d..%d" % (sid, dc["year"], start, end))
    if "source" not in dc:
        rep.err(tw, "%s: definition_change without a source" % sid)
        return
    ref = check_source_ref(dc["source"], seeds, tw, rep)
    if ref is None:
        return
    sfile, sline, slines = ref
    if "口径" not in slines[sline - 1]:
        rep.err(tw, "%s: %s:%d does not state a definition change (口径)" % (sid, sfile, sline))
    else:
        rep.names += 1


def seq_rows(tlines, first, last):
    """序号 cells of a table without 属性 column: {line of the row's name: 序号}. A 序号 cell is
    a line whose first tab-separated number is the next expected 序号; the name is on the same
    line (one row per line) or on the next one (one cell per line)."""
    rows, want = {}, 1
    for l in range(first, last + 1):
        m = SEQ_RE.match(tlines[l - 1])
        if m and int(m.group(1)) == want:
            rest = tlines[l - 1][m.end():]
            rows[l if re.search(r"[\u4e00-\u9fff]", rest) else l + 1] = want
            want += 1
    return rows


def check_region(path, doc, alias, want_id, seeds, units, rep):
    """Checks one region file; returns (region, {series id: series}) or None."""
    rpath = rel(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("region"), dict):
        rep.err(rpath, "top level must be a mapping with region and series")
        return None
    for k in set(doc) - {"region", "series", "__line__"}:
        rep.err("%s:%d" % (rpath, doc["__line__"]), "unknown key %r" % k)
    reg = doc["region"]
    where = "%s:%d" % (rpath, reg["__line__"])
    for k in set(reg) - REGION_KEYS - {"__line__"}:
        rep.err(where, "region: unknown key %r" % k)
    for k in ("id", "alias", "name"):
        if k not in reg:
            rep.err(where, "region: missing key %r" % k)
    if not isinstance(reg.get("id"), str) or not REGION_ID_RE.match(reg["id"]):
        rep.err(where, "region id %r must be a GB/T 2260 code (6 digits, a string) or "
                       "CODE-alias under its parent's code" % (reg.get("id"),))
    elif reg["id"] != want_id:
        rep.err(where, "region id %r, expected %r" % (reg["id"], want_id))
    if reg.get("alias") != alias or not ALIAS_RE.match(str(reg.get("alias"))):
        rep.err(where, "region alias %r, expected %r" % (reg.get("alias"), alias))
    out = {}
    for s in doc.get("series") or []:
        sid, sw = item_head(s, SERIES_KEYS, SERIES_REQUIRED, "series", out, rpath, rep)
        if sid is None:
            continue
        check_series_fields(s, sid, sw, rep)
        check_canonical_unit(units, s["unit"], sid, sw, rep)
        check_bounds(s.get("bounds"), {}, sid, sw, rep)
        check_due(s, sid, sw, rep)
        derived = check_derived(s, SERIES_DERIVABLE, ("bounds", "due_days", "first_due"), sid, sw,
                                rep)
        fd = s.get("first_due")
        if fd is not None:
            m = PERIOD_RE.match(str(fd))
            pf = None if not m else "quarterly" if m.group(2) else "monthly" if m.group(3) \
                else "annual"
            if pf != s.get("frequency", "annual"):
                rep.err(sw, "%s: first_due %r is not a %s period" % (sid, fd, s.get("frequency", "annual")))
            if "due_days" not in s:
                rep.err(sw, "%s: first_due without due_days (no release calendar)" % sid)
        ref = check_source_ref(s["source"], seeds, sw, rep)
        if ref is None or "name" in derived:
            continue
        sfile, sline, slines = ref
        last = min(sline + 3, len(slines))
        joined = "".join(slines[sline - 1:last])
        if s["name"] in joined or s["name"][:4] in joined:
            rep.names += 1
        else:
            rep.err("%s [%s:%d]" % (sw, sfile, sline), "%s: name %r not on lines %d-%d"
                    % (sid, s["name"], sline, last))
    # a derived series' formula (catalog/SCHEMA.md) names other series of the region; the
    # daemon's loader checks units and cycles, this the names
    for sid, s in out.items():
        if "formula" not in s:
            continue
        m = FORMULA_RE.match(str(s["formula"]))
        if not m:
            rep.err("%s:%d" % (rpath, s["__line__"]), "%s: formula %r is not fn(a, b, ...)"
                    % (sid, s["formula"]))
            continue
        for a in re.split(r"\s*,\s*", m.group(2)):
            if a not in out or a == sid:
                rep.err("%s:%d" % (rpath, s["__line__"]), "%s: formula names %r, not another "
                        "series of the region" % (sid, a))
    return reg, out


def check_columns(columns, slines, sline, last, pairs, here, sid, rep):
    """Each (key, value) named in columns must be a number of its own cell."""
    how, cells = columns
    for key, v in pairs:
        if v is None or key not in cells:
            continue
        if how == "tab":
            f = slines[sline - 1].split("\t")
            cell = f[cells[key]] if cells[key] < len(f) else ""
        else:
            l = sline + cells[key]
            cell = slines[l - 1] if l <= last else ""
        if not has_number(numbers(cell), v):
            rep.err(here, "%s: %s %s is not in its column (cell %r)" % (sid, key, fmt(v), cell.strip()))


def check_plan(path, doc, plan_id, regions, seeds, table, expected_rows, expected_binding,
                expected_prose, split_rows, sub_rows, units, rep, columns=None):
    """Checks one plan file against its region's series and its seed table; returns the plan."""
    rpath = rel(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("plan"), dict):
        rep.err(rpath, "top level must be a mapping with plan and targets")
        return None
    for k in set(doc) - {"plan", "targets", "annual_targets", "__line__"}:
        rep.err("%s:%d" % (rpath, doc["__line__"]), "unknown key %r" % k)
    plan = doc["plan"]
    where = "%s:%d" % (rpath, plan["__line__"])
    for k in set(plan) - PLAN_KEYS - {"__line__"}:
        rep.err(where, "plan: unknown key %r" % k)
    for k in ("id", "region", "title", "start_year", "end_year", "base_year", "status"):
        if k not in plan:
            rep.err(where, "plan: missing key %r" % k)
    if plan.get("id") != plan_id or not PLAN_ID_RE.match(str(plan.get("id"))):
        rep.err(where, "plan id %r, expected %r" % (plan.get("id"), plan_id))
    if plan.get("status") not in PLAN_STATUSES:
        rep.err(where, "plan status %r not one of %s" % (plan.get("status"), sorted(PLAN_STATUSES)))
    start, end, base = plan.get("start_year"), plan.get("end_year"), plan.get("base_year")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end, base)) or \
            not base < start <= end or base != start - 1:
        rep.err(where, "plan years: base %r, window %r..%r (base must be the year before the "
                       "start)" % (base, start, end))
        base, start, end = 2020, 2021, 2025
    reg = regions.get(plan.get("region"))
    if reg is None:
        rep.err(where, "plan region %r is not a region alias" % (plan.get("region"),))
        return None
    series = reg[1]
    tfile, tfirst, tlast = table
    tlines = table_seed(plan, table, seeds, where, rep)
    if tlines is None:
        return None
    targets = item_list(doc, "targets", rpath, rep)
    if targets is None:
        return None
    has_attr = expected_binding is not None
    seq = {} if has_attr else seq_rows(tlines, tfirst, tlast)
    row_end = row_ender(table_rows(targets, tfile, seq), tlast, tlines, seq)

    per_row, seen = {}, {}
    for t in targets:
        if not isinstance(t, dict):
            rep.err(rpath, "target must be a mapping: %r" % (t,))
            continue
        tw = "%s:%d" % (rpath, t["__line__"])
        sid = t.get("series")
        for k in set(t) - TARGET_KEYS - {"__line__"}:
            rep.err(tw, "target %r: unknown key %r" % (sid, k))
        missing = [k for k in TARGET_REQUIRED if k not in t]
        if missing:
            rep.err(tw, "target %r: missing %s" % (sid, ", ".join(missing)))
            continue
        s = series.get(sid)
        if s is None:
            rep.err(tw, "target series %r is not a series of region %s" % (sid, plan.get("region")))
            continue
        if has_attr and "attribute" not in t:
            rep.err(tw, "%s: missing attribute (the table has a 属性 column)" % sid)
        if not has_attr and "attribute" in t:
            rep.err(tw, "%s: attribute %r, but the table has no 属性 column" % (sid, t["attribute"]))
        check_target_enums(t, sid, tw, rep)
        yv, growth = target_numbers(t, sid, tw, rep, base, end)
        check_kind_needs(t, yv, growth, sid, tw, rep)
        unit = t.get("unit", s["unit"])
        if "unit" in t:
            check_canonical_unit(units, unit, sid, tw, rep)
        scale = unit_scale(units, unit, s["unit"])
        if scale is None:
            rep.err(tw, "%s: unit %r does not convert exactly to the series unit %r"
                    % (sid, unit, s["unit"]))
            scale = 0
        check_bounds(s.get("bounds"), yv, sid, tw, rep, 10.0 ** scale)
        derived = check_derived(t, TARGET_DERIVABLE, (), sid, tw, rep)
        oc = t.get("outcome")
        if oc is not None and (not isinstance(oc, dict) or set(oc) - OUTCOME_KEYS - {"__line__"}
                               or not set(oc) - {"__line__"}):
            rep.err(tw, "%s: outcome must be {value, growth, text} (at least one)" % sid)
            oc = None
        if "definition_change" in t:
            check_definition_change(t["definition_change"], seeds, start, end, sid, tw, rep)
        ref = check_source_ref(t["source"], seeds, tw, rep)
        if ref is None:
            continue
        sfile, sline, slines = ref
        key = (sid, sfile, sline)
        if key in seen:
            rep.err(tw, "%s: a second target on the same series and line" % sid)
        seen[key] = True
        prose, placed = table_or_prose(t, sfile, sline, table, "target", sid, tw, rep)
        if not prose:
            if not placed:
                continue
            if seq and sline not in seq and (plan_id, sline) not in sub_rows:
                rep.err(tw, "%s: %s:%d is not a 序号 row of the table (name lines: %s)"
                        % (sid, sfile, sline, ", ".join(str(l) for l in sorted(seq)[:5]) + " ..."))
            if (plan_id, sline) not in sub_rows:
                per_row.setdefault(sline, []).append(t)
            last = row_end(sline) if seq else min(sline + 3, row_end(sline))
        else:
            last = min(sline + 3, len(slines))
        here = "%s [%s:%d]" % (tw, sfile, sline)
        win = slines[sline - 1:last]
        joined = "".join(win)
        name = t.get("name", s["name"])
        if isinstance(name, str) and (name in joined or name[:4] in joined):
            rep.names += 1
        else:
            rep.err(here, "%s: name %r not on lines %d-%d" % (sid, name, sline, last))
        tokens = numbers("\n".join(win))
        prove_numbers(tokens, (("baseline", yv.get("baseline")), ("target", yv.get("target")),
                               ("growth", growth)), derived, here, sid, sline, last, rep)
        if columns and not prose:
            check_columns(columns, slines, sline, last,
                          (("target", yv.get("target")), ("baseline", yv.get("baseline")),
                           ("growth", growth), ("outcome value", (oc or {}).get("value")),
                           ("outcome growth", (oc or {}).get("growth"))), here, sid, rep)
        if oc:
            prove_numbers(tokens, (("outcome value", oc.get("value")),
                                   ("outcome growth", oc.get("growth"))), (), here, sid, sline,
                          last, rep)
            if "text" in oc and oc["text"] not in joined:
                rep.err(here, "%s: outcome text %r not on lines %d-%d" % (sid, oc["text"], sline, last))
            elif "text" in oc:
                rep.names += 1
        if has_attr and not prose:
            attr = seed_attribute(slines, sline, row_end(sline))
            if attr is None:
                rep.err(here, "%s: no 属性 cell (约束性/预期性) in the row" % sid)
            elif attr != t.get("attribute"):
                rep.err(here, "%s: attribute %s, but the seed row says %s"
                        % (sid, t.get("attribute"), "约束性" if attr == "binding" else "预期性"))

    for y in doc.get("annual_targets") or []:
        yw = "%s:%d" % (rpath, y["__line__"]) if isinstance(y, dict) else rpath
        if not isinstance(y, dict) or set(y) - {"year", "targets", "__line__"}:
            rep.err(yw, "annual_targets entries must be {year, targets}")
            continue
        if not isinstance(y.get("year"), int) or not start <= y["year"] <= end:
            rep.err(yw, "annual targets of %r: outside the plan window %d..%d" % (y.get("year"), start, end))
        for at in y.get("targets") or []:
            aw = "%s:%d" % (rpath, at["__line__"]) if isinstance(at, dict) else yw
            if not isinstance(at, dict):
                rep.err(aw, "annual target must be a mapping")
                continue
            for k in set(at) - ANNUAL_KEYS - {"__line__"}:
                rep.err(aw, "annual target: unknown key %r" % k)
            if at.get("series") not in series:
                rep.err(aw, "annual target series %r is not a series of region %s"
                        % (at.get("series"), plan.get("region")))
                continue
            if "growth" not in at and "value" not in at:
                rep.err(aw, "%s: annual target needs growth or value" % at["series"])
            check_annual_numbers(at, seeds, False, at["series"], aw, rep)

    check_table_counts(rpath, plan_id, table, tlines, per_row, targets, seq, expected_rows,
                       expected_binding, expected_prose, split_rows, "targets", "series", rep)
    return plan


def region_resolver(regions, plans, units, rep):
    """resolve() for format-2 history: a region alias -> its series; the years the daemon
    accepts run from HISTORY_YEARS before the region's first plan to 5 after its last; the
    spans (first, last) a row may give as a plan period's total: the windows of the region's
    plans with a cumulative target on the series (daemon/validate.c span_fits)."""
    def resolve(alias, iid, w):
        reg = regions.get(alias)
        if reg is None or reg[0].get("alias") != alias:
            rep.err(w, "unknown region %r (use its alias)" % alias)
            return None
        s = reg[1].get(iid)
        if s is None:
            rep.err(w, "indicator %r is not a series of region %r" % (iid, alias))
            return None
        ps = [p for p in plans.values() if p.get("region") == alias]
        lo = min((p["base_year"] for p in ps), default=2020) - HISTORY_YEARS
        hi = max((p["end_year"] for p in ps), default=2025) + 5
        spans = {(p["start_year"], p["end_year"]) for p in ps
                 if iid in p.get("__cumulative__", ())}
        return s, (lo, hi), lambda unit: unit_scale(units, unit, s["unit"]), spans
    return resolve


FIXTURE15 = ("tests/fixtures/plan-15-TEST-FIXTURE/quangang-15.TEST-FIXTURE.yaml",
             "tests/fixtures/plan-15-TEST-FIXTURE/quangang-2025.TEST-FIXTURE.csv")
FIXTURE15_MISMATCH = {"gdp": (1050, 1062)}  # the one baseline the lint test must catch


def check_fixture15(root, regions, rep):
    """The made-up 15th plan stays usable for the successor tests: every target is on a series
    of its region, its window follows the 14th plan's, and its baselines equal the fixture's
    2025 figures except exactly FIXTURE15_MISMATCH."""
    ppath, cpath = (os.path.join(root, f) for f in FIXTURE15)
    doc = load_yaml(ppath, rep)
    if doc is None:
        return
    w = rel(ppath)
    plan = doc["plan"]
    if "TEST FIXTURE" not in plan.get("title_en", "") or "测试夹具" not in plan.get("title", ""):
        rep.err(w, "the fixture plan's title must say TEST FIXTURE / 测试夹具")
    if (plan.get("base_year"), plan.get("start_year"), plan.get("end_year")) != (2025, 2026, 2030):
        rep.err(w, "fixture window must be 2026-2030 with base year 2025")
    reg = regions.get(plan.get("region"))
    if reg is None:
        rep.err(w, "fixture region %r unknown" % plan.get("region"))
        return
    with open(cpath, encoding="utf-8", newline="") as f:
        stored = {(r["indicator"], r["period"]): float(r["value"]) for r in csv.DictReader(f)}
    mismatch = {}
    for t in doc.get("targets") or []:
        if t["series"] not in reg[1]:
            rep.err(w, "fixture target on %r, not a series of %s" % (t["series"], plan["region"]))
        b = (t.get("baseline") or {}).get("value")
        v = stored.get((t["series"], "2025"))
        if b is None or v is None:
            rep.err(w, "fixture %s: baseline and stored 2025 figure both needed" % t["series"])
        elif abs(b - v) > TOL:
            mismatch[t["series"]] = (b, v)
    if mismatch != FIXTURE15_MISMATCH:
        rep.err(w, "fixture baselines differ from the stored 2025 figures in %r, expected exactly %r"
                % (mismatch, FIXTURE15_MISMATCH))


CATALOG_DIRS = ("catalog", "catalog/regions", "catalog/plans")


def check_coverage(root, dirs, regions, plans, rep):
    """Every YAML file of the catalog directories is one the checker reads: a region file of
    regions, a plan file of plans; the top directory (dirs[0]) holds none (a format-1 file
    would sit there). Returns the number of files checked."""
    named = {os.path.normpath(f) for f, _ in regions.values()} | \
        {os.path.normpath(f) for f in plans.values()}
    seen = 0
    for i, d in enumerate(dirs):
        full = os.path.join(root, d)
        names = sorted(n for n in os.listdir(full) if n.endswith((".yaml", ".yml"))) \
            if os.path.isdir(full) else []
        for n in names:
            f = os.path.normpath(os.path.join(d, n))
            if i == 0:
                rep.err(f, "a catalog file outside %s: the daemon's configs list region and "
                           "plan files only (a format-1 file? see catalog/README.md "
                           "\"Converting a format-1 file\")" % ", ".join(dirs[1:]))
            elif f not in named:
                rep.err(f, "not checked: name it in REGIONS or PLANS (with its table in TABLES, "
                           "EXPECTED_ROWS, EXPECTED_BINDING, EXPECTED_PROSE)")
            else:
                seen += 1
    return seen


def run(seeds_dir, root=ROOT, regions_=REGIONS, plans_=PLANS, tables=TABLES,
        expected_rows=EXPECTED_ROWS, expected_binding=EXPECTED_BINDING,
        expected_prose=EXPECTED_PROSE, split_rows=SPLIT_ROWS, sub_rows=SUB_ROWS,
        history_dir=HISTORY_DIR, expected_history=EXPECTED_HISTORY, columns=COLUMNS,
        catalog_dirs=CATALOG_DIRS):
    """Region files, plan files, history by region. Returns (report, summary)."""
    rep = Report()
    seeds = Seeds(seeds_dir)
    summary = []
    if not os.path.isdir(seeds_dir):
        rep.err(seeds_dir, "seed directory not found (use --seeds DIR)")
        return rep, summary
    regions, plans = {}, {}
    units = load_units(root if os.path.exists(os.path.join(root, UNIT_TABLE)) else ROOT)
    for alias, (relpath, want_id) in regions_.items():
        path = os.path.join(root, relpath)
        doc = load_yaml(path, rep)
        if doc is None:
            continue
        before = rep.names
        got = check_region(path, doc, alias, want_id, seeds, units, rep)
        if got is not None:
            regions[alias] = got
            summary.append("%-12s %-34s %3d series, %d names proved"
                           % (alias, relpath, len(got[1]), rep.names - before))
    for plan_id, relpath in plans_.items():
        path = os.path.join(root, relpath)
        doc = load_yaml(path, rep)
        if doc is None:
            continue
        before = rep.numbers
        plan = check_plan(path, doc, plan_id, regions, seeds, tables[plan_id],
                          expected_rows[plan_id], expected_binding[plan_id],
                          expected_prose[plan_id], split_rows, sub_rows, units, rep,
                          columns.get(plan_id))
        if plan is not None:
            plans[plan_id] = plan
            # the series a history row may give as a plan period's total (2016-2020)
            plan["__cumulative__"] = {x.get("series") for x in doc.get("targets") or []
                                      if isinstance(x, dict) and x.get("kind") == "cumulative"}
            t = tables[plan_id]
            nprose = sum(1 for x in doc.get("targets") or [] if x.get("prose") is True)
            summary.append("%-12s %-34s %3d targets: %2d table rows (%s:%d-%d), %2d prose, "
                           "%d numbers proved"
                           % (plan_id, relpath, len(doc.get("targets") or []),
                              expected_rows[plan_id], t[0][:3], t[1], t[2], nprose,
                              rep.numbers - before))
    n = check_coverage(root, catalog_dirs, regions_, plans_, rep)
    summary.append("every file of %s checked: %d" % (", ".join(catalog_dirs), n))
    check_history_dir(root, history_dir, expected_history, CSV_HEADER,
                      region_resolver(regions, plans, units, rep), seeds, rep, summary, 46)
    if root == ROOT:
        check_fixture15(root, regions, rep)
    return rep, summary


# ---- driver ----

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

# A 14th-plan table (属性 column, a prose target, a 年度目标): region file and plan file.
_REGION14 = """region:
  id: "350505"
  alias: tq
  name: 测试区
series:
  - id: gdp
    name: 地区生产总值
    name_en: GDP
    category: 经济发展
    unit: 亿元
    frequency: quarterly
    form: ytd
    departments: [统计局]
    bounds: {min: 0, max: 3000}
    due_days: 25
    first_due: "2021Q1"
    source: {file: t.txt, line: 3}
    derived: SERIESDERIVED
  - id: fai
    name: 固定资产投资
    name_en: FAI
    category: 经济发展
    unit: "%"
    frequency: monthly
    form: ytd
    departments: [统计局]
    source: {file: t.txt, line: 4}
  - id: forest_cover
    name: FORESTNAME
    name_en: Forest
    category: 生态文明
    unit: "%"
    frequency: annual
    form: level
    departments: [林业局]
    bounds: {min: 0, max: 100}
    source: {file: t.txt, line: 5}
    derived: FORESTDERIVED
  - id: tech_contract
    name: 技术合同成交金额
    name_en: Tech contracts
    category: 创新驱动
    unit: 万元
    frequency: annual
    form: level
    departments: [科技局]
    source: {file: t.txt, line: 7}
"""
_PLAN14 = """plan:
  id: tq-14
  region: tq
  title: 测试
  source: t.txt
  start_year: 2021
  end_year: 2025
  base_year: 2020
  status: active
targets:
  - series: gdp
    attribute: expected
    kind: growth
    direction: up
    baseline: {year: 2020, value: BASE}
    target: {year: 2025, value: 1000}
    growth: 6
    source: {file: t.txt, line: 3}
    TARGETDERIVED
  - series: fai
    attribute: expected
    kind: growth
    baseline: {year: 2020, value: -16.6}
    growth: 7
    source: {file: t.txt, line: 4}
FOREST
  - series: tech_contract
    attribute: expected
    kind: KIND
    TARGET
    prose: true
    source: {file: t.txt, line: 7}
EXTRA
annual_targets:
  - year: 2022
    targets:
      - {series: gdp, growth: ANNUALG, source: {file: t.txt, line: 8}}
"""
_FOREST = """  - series: forest_cover
    attribute: FORESTATTR
    kind: keep
    baseline: {year: 2020, value: 41.41}
    source: {file: t.txt, line: 5}
"""

_CSV_OK = "tq,gdp,2020,734.44,亿元,final,统计局,,row,t.txt:3\n"


def _write(tmp, files):
    for name, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(tmp, name)), exist_ok=True)
        with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
            f.write(text)


def _fill(text, subs):
    """Substitutes subs into text (longest keys first: FOREST before FORESTNAME), drops the
    lines left empty."""
    for k in sorted(subs, key=len, reverse=True):
        text = text.replace(k, subs[k])
    return "\n".join(l for l in text.split("\n") if l.strip()) + "\n"


def _case(tmp, subs=None, csv_rows=_CSV_OK, rows=3, binding=1, prose=1):
    s = {"BASE": "734.44", "ANNUALG": "0.5", "SERIESDERIVED": "[bounds, due_days, first_due]",
         "TARGETDERIVED": "", "FORESTNAME": "森林覆盖率", "FORESTATTR": "binding",
         "FORESTDERIVED": "[bounds]", "KIND": "cumulative",
         "TARGET": "target: {year: 2025, value: 8000}", "EXTRA": "", "FOREST": _FOREST,
         "EXTRAFILES": ""}
    s.update(subs or {})
    extra = s.pop("EXTRAFILES")
    plan = _fill(_PLAN14, {"FOREST": s["FOREST"]})
    files = {"seeds/t.txt": _SEED, "regions/tq.yaml": _fill(_REGION14, s),
             "plans/tq-14.yaml": _fill(plan, s),
             "hist/tq-hist.csv": ",".join(CSV_HEADER) + "\n" + csv_rows}
    if extra:
        files[extra] = _PLAN14
    _write(tmp, files)
    rep, _ = run(os.path.join(tmp, "seeds"), root=tmp,
                 regions_={"tq": ("regions/tq.yaml", "350505")}, plans_={"tq-14": "plans/tq-14.yaml"},
                 tables={"tq-14": ("t.txt", 1, 5)}, expected_rows={"tq-14": rows},
                 expected_binding={"tq-14": binding}, expected_prose={"tq-14": prose},
                 split_rows={}, sub_rows=set(), history_dir="hist",
                 expected_history=["tq-hist.csv"], columns={},
                 catalog_dirs=(".", "regions", "plans"))
    return rep.errors


def run_cases(cases, case):
    """Runs (description, substitutions, csv rows, expected error fragment or None) through
    case(tmp, subs, rows[, rows=4 when the description names EXPECTED_ROWS]); returns failures."""
    failed = 0
    for desc, subs, rows, want in cases:
        with tempfile.TemporaryDirectory() as tmp:
            kw = {"rows": 4} if "EXPECTED_ROWS" in desc else {}
            errs = case(tmp, subs, rows, **kw)
        ok = not errs if want is None else any(want in e for e in errs)
        failed += not ok
        print("%s %s" % ("ok  " if ok else "FAIL", desc))
        if not ok:
            for e in errs or ["(no errors reported)"]:
                print("       " + e)
    return failed


def selftest():
    cases = [
        # (description, substitutions, csv rows, expected error fragment or None for clean)
        ("clean region, plan and history pass", {}, _CSV_OK, None),
        ("wrong baseline on the cited line", {"BASE": "734.45"}, _CSV_OK, "baseline 734.45 is not on lines 3-3"),
        ("number from the next row is not accepted", {"BASE": "41.41"}, _CSV_OK, "baseline 41.41 is not on lines 3-3"),
        ("derived baseline is not looked up", {"BASE": "734.45", "TARGETDERIVED": "derived: [baseline]"},
         _CSV_OK, None),
        ("series bounds not listed in derived", {"SERIESDERIVED": "[due_days, first_due]"}, _CSV_OK,
         "bounds is judgement"),
        ("derived names a field that cannot be derived", {"TARGETDERIVED": "derived: [prose]"},
         _CSV_OK, "derived names 'prose', not one of"),
        ("derived names a field that is absent", {"FORESTDERIVED": "[bounds, first_due]"},
         _CSV_OK, "derived names 'first_due' but the indicator has no such field"),
        ("wrong annual-target number", {"ANNUALG": "0.6"}, _CSV_OK,
         "annual target growth 0.6 not on lines 8-"),
        ("series name not on the cited lines", {"FORESTNAME": "湿地保护率"}, _CSV_OK,
         "name '湿地保护率' not on lines"),
        ("binding row catalogued as expected", {"FORESTATTR": "expected"}, _CSV_OK,
         "attribute expected, but the seed row says 约束性"),
        ("a table row left out", {"FOREST": ""}, _CSV_OK, "catalog has 2 table rows"),
        ("EXPECTED_ROWS disagrees with the seed", {}, _CSV_OK, "EXPECTED_ROWS says 4"),
        ("kind without its numbers", {"KIND": "floor", "TARGET": "growth: 5"}, _CSV_OK,
         "kind floor needs target.value"),
        ("unknown kind", {"KIND": "target"}, _CSV_OK, "kind 'target' not one of"),
        ("unknown key", {"EXTRA": "    colour: red"}, _CSV_OK, "unknown key 'colour'"),
        ("prose target number wrong", {"TARGET": "target: {year: 2025, value: 9000}"}, _CSV_OK,
         "target 9000 is not on lines 7-"),
        ("a plan file the checker does not name", {"EXTRAFILES": "plans/tq-15.yaml"}, _CSV_OK,
         "plans/tq-15.yaml: not checked: name it in REGIONS or PLANS"),
        ("a YAML file beside regions/ and plans/ (format 1?)", {"EXTRAFILES": "tq-14.yaml"},
         _CSV_OK, "tq-14.yaml: a catalog file outside regions, plans"),
        ("csv value not on the cited line", {}, "tq,gdp,2020,734.4,亿元,final,统计局,,x,t.txt:3\n",
         "value 734.4 is not on lines 3-6"),
        ("csv yoy not on the cited line", {}, "tq,gdp,2020,734.44,亿元,final,统计局,6.5,x,t.txt:3\n",
         "yoy 6.5 is not on lines"),
        ("csv unit not in the unit table", {}, "tq,gdp,2020,734.44,两,final,统计局,,x,t.txt:3\n",
         "unit '两', catalog says '亿元' (not of its dimension)"),
        ("csv unit of the dimension: bounds after conversion", {},
         "tq,gdp,2020,73444000,万元,final,统计局,,x,t.txt:3\n", "value 7344.4 outside bounds"),
        ("csv value outside bounds", {}, "tq,forest_cover,2020,1000,%,final,林业局,,x,t.txt:7\n",
         "outside bounds"),
        ("csv bad status", {}, "tq,gdp,2020,734.44,亿元,guess,统计局,,x,t.txt:3\n", "status 'guess'"),
        ("csv department not allowed", {}, "tq,gdp,2020,734.44,亿元,final,财政局,,x,t.txt:3\n",
         "dept '财政局' may not report"),
        ("csv period of the wrong frequency", {}, "tq,gdp,2020-03,734.44,亿元,final,统计局,,x,t.txt:3\n",
         "monthly period '2020-03' for a quarterly indicator"),
        ("csv line outside the seed", {}, "tq,gdp,2020,734.44,亿元,final,统计局,,x,t.txt:99\n",
         "outside the file"),
    ]
    failed = run_cases(cases, _case)
    # number tokenizer
    tok = numbers("\t5\t固定资产投资\t%\t-16.6\t--\t7\t1.9%以内 2016-2020 ０.５ $23 \\mu")
    for v, present in ((-16.6, True), (16.6, True), (7, True), (1.9, True), (0.5, True),
                       (23, True), (2016, True), (-7, False), (1.6, False), (9, False)):
        ok = has_number(tok, v) == present
        failed += not ok
        print("%s numbers(): %s %s" % ("ok  " if ok else "FAIL", fmt(v), "found" if present else "absent"))
    failed += selftest13()
    print("selftest: %s" % ("ok" if not failed else "%d FAILED" % failed))
    return 1 if failed else 0


# ---- self-test on a 13th-plan results table (no 属性 column, outcomes) ----

_SEED2 = """专栏1 “十三五”完成情况
分类\t序号\t指标名称\t2020 年目标\t五年 年增长 (%)\t2020 年总量\t年均增长 (%)
经济\t1\t地区生产总值（亿元）\t510\t9\t734.44\t7.3
\t2\t城镇化率（%）\t60\t\t55\t
\t\t其中：肖厝港区港口货物吞吐量(万吨)\t2800\t\t1938.39\t
\t3\t贫困发生率 (%)\t0.2\t\t2019 年已全部消除\t
"""
_REGION2 = """region:
  id: "REGIONID"
  alias: tt
  name: 测试区
series:
  - id: gdp
    name: SERIESNAME
    name_en: GDP
    category: 经济
    unit: SERIESUNIT
    frequency: quarterly
    form: ytd
    departments: [统计局]
    bounds: {min: 0, max: 3000}
    due_days: 25
    first_due: "FIRSTDUE"
    source: {file: t2.txt, line: 3}
    derived: [bounds, due_days, first_due]
  - id: urbanization
    name: 城镇化率
    name_en: Urbanization
    category: 经济
    unit: "%"
    departments: [统计局]
    source: {file: t2.txt, line: 4}
  - id: port_xiaocuo
    name: 肖厝港区港口货物吞吐量
    name_en: Port
    category: 经济
    unit: 万吨
    departments: [交通运输局]
    source: {file: t2.txt, line: 5}
  - id: poverty_rate
    name: 贫困发生率
    name_en: Poverty
    category: 经济
    unit: "%"
    departments: [乡村振兴局]
    source: {file: t2.txt, line: 6}
"""
_PLAN2 = """plan:
  id: tt-13
  region: tt
  title: 测试规划
  source: t2.txt
  start_year: 2016
  end_year: 2020
  base_year: BASEYEAR
  status: STATUS
targets:
  - series: GDPSERIES
    name: 地区生产总值
    UNITLINE
    ATTRLINE
    kind: growth
    direction: up
    baseline: {year: 2015}
    target: {year: 2020, value: GDPTARGET}
    growth: 9
    source: {file: t2.txt, line: 3}
    outcome: {growth: OUTGROWTH}
  - series: urbanization
    kind: level
    direction: up
    target: {year: 2020, value: 60}
    source: {file: t2.txt, line: 4}
  - series: port_xiaocuo
    kind: level
    direction: up
    target: {year: 2020, value: 2800}
    source: {file: t2.txt, line: 5}
POVERTY
annual_targets:
  - year: ANNUALYEAR
    targets:
      - {series: gdp, growth: 9, source: {file: t2.txt, line: 3}}
"""
_POVERTY = """  - series: poverty_rate
    kind: ceiling
    direction: down
    target: {year: 2020, value: 0.2}
    source: {file: t2.txt, line: 6}
    outcome: {text: "OUTTEXT"}
"""
_CSV2_OK = "tt,gdp,2020,734.44,亿元,final,统计局,,x,t2.txt:3\n"


def _case13(tmp, subs=None, csv_rows=_CSV2_OK, rows=3):
    s = {"REGIONID": "350505", "SERIESNAME": "地区生产总值", "SERIESUNIT": "亿元",
         "FIRSTDUE": "2021Q1",
         "BASEYEAR": "2015", "STATUS": "closed", "GDPSERIES": "gdp", "UNITLINE": "",
         "ATTRLINE": "", "GDPTARGET": "510", "OUTGROWTH": "7.3", "ANNUALYEAR": "2019",
         "OUTTEXT": "2019 年已全部消除", "POVERTY": _POVERTY}
    s.update(subs or {})
    region, plan = _REGION2, _PLAN2
    for k, v in s.items():
        region = region.replace(k, v)
        plan = plan.replace(k, v)
    for k, v in s.items():  # POVERTY brings OUTTEXT
        plan = plan.replace(k, v)
    plan = "\n".join(l for l in plan.split("\n") if l.strip())
    _write(tmp, {"seeds/t2.txt": _SEED2, "regions/tt.yaml": region,
                 "plans/tt-13.yaml": plan + "\n",
                 "hist/tt-hist.csv": ",".join(CSV_HEADER) + "\n" + csv_rows})
    rep, _ = run(os.path.join(tmp, "seeds"), root=tmp,
                 regions_={"tt": ("regions/tt.yaml", "350505")},
                 plans_={"tt-13": "plans/tt-13.yaml"}, tables={"tt-13": ("t2.txt", 1, 6)},
                 expected_rows={"tt-13": rows}, expected_binding={"tt-13": None},
                 expected_prose={"tt-13": 0}, split_rows={}, sub_rows={("tt-13", 5)},
                 history_dir="hist", expected_history=["tt-hist.csv"],
                 columns={"tt-13": COLUMNS["quangang-13"]}, catalog_dirs=(".", "regions", "plans"))
    return rep.errors


def selftest13():
    cases = [
        ("13th table: clean region, plan and history pass", {}, _CSV2_OK, None),
        ("13th table: the 2020 result given as the target", {"GDPTARGET": "734.44"}, _CSV2_OK,
         "target 734.44 is not in its column"),
        ("13th table: a number from the next row", {"GDPTARGET": "60"}, _CSV2_OK,
         "target 60 is not on lines 3-3"),
        ("13th table: attribute on a table without 属性", {"ATTRLINE": "attribute: expected"},
         _CSV2_OK, "the table has no 属性 column"),
        ("13th table: a 序号 row left out", {"POVERTY": ""}, _CSV2_OK, "catalog has 2 table rows"),
        ("13th table: EXPECTED_ROWS disagrees with the seed", {}, _CSV2_OK, "EXPECTED_ROWS says 4"),
        ("13th table: target on a series the region lacks", {"GDPSERIES": "gdp_total"}, _CSV2_OK,
         "'gdp_total' is not a series of region tt"),
        ("13th table: outcome text not on the row", {"OUTTEXT": "已全部消除 2019"}, _CSV2_OK,
         "outcome text"),
        ("13th table: outcome growth wrong", {"OUTGROWTH": "7.4"}, _CSV2_OK,
         "outcome growth 7.4 is not on lines 3-3"),
        ("13th table: target unit that does not convert", {"UNITLINE": "unit: 万美元"}, _CSV2_OK,
         "does not convert exactly"),
        ("13th table: target unit not canonical", {"UNITLINE": "unit: 人民币元"}, _CSV2_OK,
         "unit '人民币元' is not canonical, write '元'"),
        ("13th table: series unit not in the unit table", {"SERIESUNIT": "两"},
         _CSV2_OK, "unit '两' is not in model/unit.c"),
        ("13th table: region id not a GB/T 2260 code", {"REGIONID": "35050"}, _CSV2_OK,
         "GB/T 2260"),
        ("13th table: bad plan status", {"STATUS": "finished"}, _CSV2_OK, "plan status 'finished'"),
        ("13th table: base year not the year before the start", {"BASEYEAR": "2014"}, _CSV2_OK,
         "plan years"),
        ("13th table: first_due of another frequency", {"FIRSTDUE": "2021"}, _CSV2_OK,
         "first_due '2021' is not a quarterly period"),
        ("13th table: annual targets outside the window", {"ANNUALYEAR": "2022"}, _CSV2_OK,
         "outside the plan window"),
        ("13th table: series name not on its line", {"SERIESNAME": "国内产出总计"}, _CSV2_OK,
         "name '国内产出总计' not on lines"),
        ("13th table: csv keyed by plan, not region", {}, _CSV2_OK.replace("tt,", "tt-13,", 1),
         "unknown region 'tt-13'"),
        ("13th table: csv unit of another dimension", {}, _CSV2_OK.replace("亿元", "万吨"),
         "unit '万吨', catalog says '亿元'"),
        ("13th table: csv in another unit of the dimension: the number must still be as printed", {}, "tt,gdp,2020,7344400,万元,final,统计局,,x,t2.txt:3\n",
         "value 7344400 is not on lines"),
        ("13th table: csv series the region lacks", {}, _CSV2_OK.replace(",gdp,", ",gdpx,"),
         "'gdpx' is not a series of region 'tt'"),
    ]
    failed = run_cases(cases, _case13)
    units = load_units()
    for (frm, to, want) in (("万美元", "亿美元", -4), ("亿元", "元", 8), ("μg/m³", "mg/m³", -3),
                            ("ug/m³", "μg/m³", 0), ("亿元", "亿美元", None), ("%", "‰", 1)):
        got = unit_scale(units, frm, to)
        ok = got == want
        failed += not ok
        print("%s unit_scale(%s, %s) = %r" % ("ok  " if ok else "FAIL", frm, to, got))
    return failed


if __name__ == "__main__":
    sys.exit(main())
