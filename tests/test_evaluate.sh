#!/bin/sh
# tests/test_evaluate.sh BUILD_DIR — `planwatch evaluate` against the real daemon: the 13th
# plans of the three regions with their 2020 results (data/history/by-region/*-13th-*.csv,
# imported by region), the final evaluation of 2020 of each, and the 14th plan of
# 泉港区 on its 2021 estimates and 2023 figures (annual monitoring, the mid-term). THE check:
# licheng-13 2020 reproduces seed 001's 完成情况 column (专栏1) for every row the column
# decides by the numbers; the rows whose seed verdict rests on judgement, or on what the
# table does not print, are listed with the reason. 000's and 003's tables have no verdict
# column: their verdicts are derived by hand below. The seed's verdicts are oracles of this
# test only; the code reads no verdict (the catalog's `outcome` fields are never loaded).
# Then CSV, JSON and xlsx (python3-openpyxl) agree field by field, and the HTML table is
# checked in headless Chromium (the DOM checker first run on a broken page, which it must
# reject) and printed to PDF (pdfinfo: landscape A4 pages).
set -eu
B=$(cd "${1:-build}" && pwd)
NAME=evaluate
. "$(dirname "$0")/daemon_test.sh"
C=$SRC/catalog
start_daemon "catalog: [$C/regions/licheng.yaml, $C/regions/quangang.yaml, $C/regions/qetdz.yaml,
          $C/plans/licheng-13.yaml, $C/plans/quangang-13.yaml, $C/plans/qetdz-13.yaml,
          $C/plans/quangang-14.yaml]" "issuer: 泉港区发展和改革局"
pw debug clock 2024-03-01T02:30:00Z >/dev/null || fail "clock_set"

# The history as shipped, keyed by region (data/history/by-region/): the 13th plans' results
# tables, and the 14th plan's figures of 泉港区.
for f in licheng-13th-results quangang-13th-results qetdz-13th-results quangang-2021-estimates \
	quangang-2023-actuals; do
	pw import --backfill "$SRC/data/history/by-region/$f.csv" >"$T/import.out" 2>&1 ||
		fail "import $f: $(cat "$T/import.out")"
	grep -q " 0 rejected" "$T/import.out" || fail "import $f: $(cat "$T/import.out")"
done
pw --json catalog show licheng-13 >"$T/licheng-13.catalog.json" || fail "catalog show"
pw --json catalog show quangang-14 >"$T/quangang-14.catalog.json" || fail "catalog show"

ev() { pw evaluate "$@" >/dev/null || fail "evaluate $*"; }
ev --plan licheng-13 --year 2020 --format csv -o "$T/licheng.csv"
ev --plan licheng-13 --format json -o "$T/licheng.json"   # no --year: the target year
ev --plan licheng-13 --year 2020 --format xlsx -o "$T/licheng.xlsx"
ev --plan licheng-13 --year 2020 --lang zh --format csv -o "$T/licheng-zh.csv"
ev --plan licheng-13 --year 2020 --issuer 鲤城区发展和改革局 -o "$T/licheng.html"
ev --plan quangang-13 --year 2020 --format csv -o "$T/quangang.csv"
ev --plan qetdz-13 --year 2020 --format csv -o "$T/qetdz.csv"
ev --plan quangang-14 --format json -o "$T/qg14.json"      # latest year with figures: 2023
ev --plan quangang-14 --year 2023 --issuer 泉港区发展和改革局 --lang both -o "$T/qg14.html"
ev --plan licheng-13 --year 2020 --lang en -o "$T/licheng-en.html"
if pw evaluate --plan no-such-plan --format csv -o "$T/x.csv" 2>"$T/err"; then
	fail "unknown plan accepted"
fi
grep -q "unknown_plan" "$T/err" || fail "unknown plan message: $(cat "$T/err")"
if pw evaluate --plan licheng-13 --format xlsx 2>"$T/err"; then fail "xlsx to stdout"; fi

"$PY" - "$T" <<'PY' || fail "evaluation content"
import csv, json, sys
import openpyxl
t = sys.argv[1]
def check(cond, what):
    if not cond:
        sys.exit(f"  {what}")

COLS = ("region,plan,indicator,name,unit,attribute,kind,baseline_year,baseline,target_year,"
        "target,planned_growth,year,actual,actual_period,actual_status,actual_growth,required,"
        "completion_rate,verdict,verdict_zh,note").split(",")
raw = open(f"{t}/licheng.csv", "rb").read()
check(raw.startswith(b"\xef\xbb\xbf"), "CSV without a UTF-8 BOM")
text = raw[3:].decode("utf-8")
check("\r\n" in text, "CSV lines end in CRLF")
rows = list(csv.reader(text.splitlines(True)))
check(rows[0] == COLS, f"CSV header {rows[0]}")
zh = list(csv.reader(open(f"{t}/licheng-zh.csv", encoding="utf-8-sig").read().splitlines(True)))
check(zh[0][3] == "指标" and zh[0][19] == "结论代码" and zh[1:] == rows[1:], "--lang zh header")
d = {r["indicator"]: r for r in csv.DictReader(text.splitlines(True))}
cat = json.load(open(f"{t}/licheng-13.catalog.json"))["items"]
check(sorted(d) == sorted(c["indicator"] for c in cat), "rows differ from the plan's targets")
for r in d.values():  # numbers rounded as published: never binary noise
    for k in ("baseline", "target", "actual", "planned_growth", "actual_growth", "required",
              "completion_rate"):
        check(len(r[k]) < 12 and "e" not in r[k], f"{r['indicator']}.{k} = {r[k]!r}")

# ---- seed 001 专栏1: 鲤城区 13th plan, 完成情况 (the oracle) ----
# Rows the column decides by the numbers: the verdict must be reproduced.
decided = {
    "gdp": "achieved",                 # 1  380 vs 438.08 (四经普调整数，已完成)
    "gdp_per_capita": "achieved",      # 2  9.5 vs 11.06
    "fiscal_total_revenue": "not_achieved",  # 3  24.6 vs 20.24
    "fiscal_revenue": "not_achieved",  # 4  14.6 vs 12.28
    "retail_sales": "not_achieved",    # 6  482 vs 235.55 (四经普调整数，未完成)
    "services_share": "achieved",      # 8  60 vs 63.77
    "high_tech_output_share": "not_achieved",  # 9  60 vs 41.4 (快报数，未完成: flash decides)
    "industrial_labour_productivity": "achieved",  # 10 25 vs 30.5 (快报数，已完成)
    "culture_industry_bases": "not_achieved",  # 13 4 vs 3
    "park_green_per_capita": "achieved",  # 14 14.5 vs 14.87
    "built_up_green_ratio": "not_achieved",  # 15 43 vs 40.3
    "green_coverage": "not_achieved",  # 16 45.5 vs 43.2
    "disposable_income": "not_achieved",  # 17 52000 vs 49217
    "unemployment_registered": "achieved",  # 18 4.0以下 vs 2.0
    "resident_pension_coverage": "achieved",  # 19 95 vs 99.6
    "resident_medical_coverage": "achieved",  # 20 95 vs 96.2
    "beds_per_1000": "achieved",       # 21 1.69 vs 2.63
    "health_workers_per_1000": "achieved",  # 22 4.25 vs 4.8
    "volunteer_ratio": "achieved",     # 23 10 vs 17.2
    "rd_intensity": "not_achieved",    # 24 2.3 vs 0.82
    "invention_patents_per_10k": "achieved",  # 25 6.5 vs 12.95
    "high_tech_enterprises": "achieved",  # 26 55 vs 81
    "pm25": "achieved",                # 33 0.035 vs 0.021 (a ceiling)
    "surface_water_compliance": "achieved",  # 34 100 vs 100
    "cod_cut_tonnes": "achieved",      # 28 201 vs 759.9, "2020年实际为五年累计数，已完成" (001:274):
                                       #    a 2016-2020 total in the history, no sum of years
    "drinking_water_source_compliance": "achieved",  # 35 100 vs 100
    "forest_cover": "achieved",        # 36 21.69 vs 21.79
}
# Rows whose seed verdict the numbers do not decide: (the seed says, the numbers give, why).
judged = {
    "fixed_asset_investment_growth": ("统计口径改变，难以评估", "not_assessable",
        "a definition change is a fact the figures do not carry; the numbers cannot decide "
        "either: the series is itself a rate and only 2015 and 2020 are known, so no average "
        "growth over 2016-2020 exists"),
    "exports": ("海关未反馈数据，预计可以完成", "no_data",
        "no 2020 figure at all: the expectation is the writer's"),
    "tourism_revenue": ("已完成，疫情影响回落", "not_achieved",
        "62.43 -> 68.19 is 1.78%/yr against 年均增长10%: judged achieved despite the figure"),
    "tourist_visits": ("已完成，疫情影响回落", "not_achieved",
        "558.16 against the 800 lower end of 800-900: judged achieved despite the figure"),
    "industrial_energy_intensity_change": ("已完成", "not_assessable",
        "完成市下达目标: the city's number is not printed, so -6.84 has nothing to be held against"),
    "air_good_days": ("已完成", "not_assessable", "完成市下达指标: the city's number is not printed"),
    "ammonia_cut_tonnes": ("(empty)", "no_data", "the cell is empty, and unlike row 28 (001:274) "
        "the table does not say that 245.3 is a five-year sum: not in the history"),
    "so2_cut_tonnes": ("(empty)", "no_data", "the cell is empty; 9.1 is not said to be a "
        "five-year sum (as row 28 is): not in the history"),
    "nox_cut_tonnes": ("(empty)", "no_data", "the cell is empty; 2.5 is not said to be a "
        "five-year sum (as row 28 is): not in the history"),
}
check(len(decided) + len(judged) == 36 == len(d), f"001 has 36 rows, {len(d)} evaluated")
for i, want in decided.items():
    check(d[i]["verdict"] == want, f"001 {i}: {d[i]['verdict']}, the seed says {want}")
for i, (seed, got, why) in judged.items():
    check(d[i]["verdict"] == got, f"001 {i} (judged: {why}): {d[i]['verdict']}, expected {got}")
check(d["gdp"]["actual_status"] == "revised" and d["high_tech_output_share"]["actual_status"] == "flash",
      "data status of the figure")
check(d["gdp"]["required"] == "380" and d["gdp"]["completion_rate"] == "115.3", f"gdp {d['gdp']}")
check(d["tourism_revenue"]["actual_growth"] == "1.78" and d["tourism_revenue"]["planned_growth"] == "10",
      f"tourism growth {d['tourism_revenue']}")
check(d["pm25"]["required"] == "0.035", f"pm25 required {d['pm25']['required']}")
check(d["unemployment_registered"]["note"].startswith("每年的约束：2020年应不高于4%"), "rule in words")
# a plan period's total (2016-2020 in the history) is evaluated as reported, and says so
cod = d["cod_cut_tonnes"]
check(cod["actual"] == "759.9" and cod["actual_period"] == "2016-2020" and
      cod["actual_status"] == "final" and "报送的规划期累计数" in cod["note"] and
      "缺" not in cod["note"], f"cod_cut_tonnes {cod}")

# ---- 000 专栏1 (泉港区 13th plan): no verdict column; derived by hand ----
# The table prints targets and 2020 figures, no 2015 figures: each level target is judged in
# its target year only. gdp 510 vs 734.44 achieved; gdp_per_capita 15 vs 21.28 achieved;
# fiscal_total_revenue 160 vs 89.4 not; fiscal_revenue 33 vs 25.58 not; retail_sales 114 vs
# 147.28 achieved; export_value 1.1 亿美元 vs 11000 万美元 = 1.1: met, achieved;
# rd_intensity 1.45 vs 1.22 not; patents_per_10k 4 vs 11.37 achieved; built_up_area 20 vs 20
# achieved; central_population 20 vs 20 achieved; urbanization 60 vs 55 not; port_throughput
# 7000 vs 5125 not; port_throughput_xiaocuo 2800 vs 1938.39 not; disposable_income 2.92 vs
# 3.02 achieved; engel_coefficient ceiling 35 vs 34.8 achieved; unemployment_surveyed ceiling
# 6 vs 1.61 achieved; higher_edu_per_10k 750 vs 750 achieved; beds_per_1000 4 vs 4.7
# achieved; doctors_per_1000 1.6 vs 1.8 achieved; elderly_care_beds_per_1000 38 vs 39.3
# achieved; forest_cover floor 41.41 vs 41.41 achieved; pm25 ceiling 26 vs 17 achieved;
# energy_intensity_cut 17 vs 30.72 and co2_intensity_cut 18.5 vs 18.5 (the 2016-2020
# reductions, in the history as the plan period's totals): achieved, on the totals, not on a
# sum missing 2016-2019; fdi_cumulative 五年累计 4 vs 3.75: not achieved; the four pollutant
# cuts 五年累计 so2 6.57 vs 16.57, cod 5.05 vs 25.89, nox 8.98 vs 28.39, ammonia 3.11 vs
# 13.76: achieved; the three 三次产业结构 shares are info (a structure, no direction): not
# assessable; fixed_asset_investment_total prints "--" for its five-year sum and
# poverty_rate has no 2020 figure: no data.
q = {r["indicator"]: r["verdict"] for r in csv.DictReader(
    open(f"{t}/quangang.csv", encoding="utf-8-sig").read().splitlines(True))}
A, N, X, D = "achieved", "not_achieved", "not_assessable", "no_data"
want000 = dict(gdp=A, gdp_per_capita=A, fiscal_total_revenue=N, fiscal_revenue=N, retail_sales=A,
               export_value=A, rd_intensity=N, patents_per_10k=A, built_up_area=A,
               central_population=A, urbanization=N, port_throughput=N,
               port_throughput_xiaocuo=N, disposable_income=A, engel_coefficient=A,
               unemployment_surveyed=A, higher_edu_per_10k=A, beds_per_1000=A,
               doctors_per_1000=A, elderly_care_beds_per_1000=A, forest_cover=A, pm25=A,
               energy_intensity_cut=A, co2_intensity_cut=A, primary_share=X,
               secondary_share=X, tertiary_share=X, fixed_asset_investment_total=D,
               fdi_cumulative=N, poverty_rate=D, so2_cut=A, cod_cut=A, nox_cut=A,
               ammonia_cut=A)
qr = {r["indicator"]: r for r in csv.DictReader(
    open(f"{t}/quangang.csv", encoding="utf-8-sig").read().splitlines(True))}
for i, v in (("fdi_cumulative", "3.75"), ("energy_intensity_cut", "30.72"), ("so2_cut", "16.57")):
    check(qr[i]["actual"] == v and qr[i]["actual_period"] == "2016-2020" and
          "报送的规划期累计数" in qr[i]["note"] and "缺" not in qr[i]["note"], f"000 {i} {qr[i]}")
check(qr["fdi_cumulative"]["required"] == "4", f"fdi required {qr['fdi_cumulative']}")
check(q == want000, f"000 by hand: {dict((k, (q.get(k), v)) for k, v in want000.items() if q.get(k) != v)}"
      f" extra {set(q) - set(want000)}")

# ---- 003 专栏1 (泉州经济技术开发区 13th plan): derived by hand ----
# gdp 190 vs 183.77 not; industrial_output 655 vs 582 not; tertiary_va 35 vs 38.22
# achieved; tertiary_share 20 vs 20.8 achieved; culture_va_share 10 vs 2.3 not;
# fiscal_total_revenue 17.67 vs 13.23 not; rd_intensity 5 vs 1.9 not; high_tech_enterprises
# 35 vs 50 achieved; rd_staff_share 5 vs 5.8 achieved; enterprise_tech_centers 15 vs 8 not;
# preschool_enrolment floor 99.8 vs 100 achieved; compulsory_retention floor 100 vs 100
# achieved; park_green_per_capita 9.1 vs 9.49 achieved; sewage_treatment floor 100 vs 100
# achieved; hazardous_waste_utilisation floor 100 vs 98 not; culture_va,
# invention_patents_per_10k and energy_intensity_cut have no quantified target, and
# social_insurance_coverage and work_safety_deaths are the city's numbers, not printed: not
# assessable; fixed_asset_investment_total 五年累计 100 vs 93.46 not; exports_usd 五年累计 25
# vs 32.68 achieved; invention_patent_grants 150 vs 273 (the 2016-2020 total) achieved: the
# plan period's totals of the history.
z = {r["indicator"]: r["verdict"] for r in csv.DictReader(
    open(f"{t}/qetdz.csv", encoding="utf-8-sig").read().splitlines(True))}
want003 = dict(gdp=N, industrial_output=N, tertiary_va=A, tertiary_share=A, culture_va_share=N,
               fiscal_total_revenue=N, rd_intensity=N, high_tech_enterprises=A,
               rd_staff_share=A, enterprise_tech_centers=N, preschool_enrolment=A,
               compulsory_retention=A, park_green_per_capita=A, sewage_treatment=A,
               hazardous_waste_utilisation=N, culture_va=X, invention_patents_per_10k=X,
               energy_intensity_cut=X, social_insurance_coverage=X, work_safety_deaths=X,
               fixed_asset_investment_total=N, exports_usd=A, invention_patent_grants=A)
check(z == want003, f"003 by hand: {dict((k, (z.get(k), v)) for k, v in want003.items() if z.get(k) != v)}"
      f" extra {set(z) - set(want003)}")

# ---- --lang en: the page in English words, not the CSV's codes ----
h = open(f"{t}/licheng-en.html", encoding="utf-8").read()
summ = h[h.index('<p class="summary">'):]
summ = summ[:summ.index("</p>")]
check("not achieved" in summ and "not_achieved" not in summ and "not assessable" in summ,
      f"English summary {summ}")
check("<h1>Licheng District 13th Five-Year Plan (2016-2020)<br>2020 final evaluation" in h,
      "English title")
check('<td class="v-not_achieved">not achieved</td>' in h and "已完成" not in h, "English verdicts")
check('"Page " counter(page) " of " counter(pages)' in h and "第 " not in h, "English page numbers")

# ---- CSV, JSON and xlsx agree field by field ----
j = json.load(open(f"{t}/licheng.json"))
check(j["year"] == 2020 and j["stage"] == "final evaluation", f"default year {j['year']} {j['stage']}")
jb = {r["indicator"]: r["basis"] for r in j["rows"]}
check(jb["gdp"] == "level" and jb["tourism_revenue"] == "rate" and jb["pm25"] == "bound" and
      jb["exports"] is None, f"basis {jb}")
jr = {r["indicator"]: r for r in j["rows"]}
wb = openpyxl.load_workbook(f"{t}/licheng.xlsx")
ws = wb.active
xl = [[c.value for c in row] for row in ws.iter_rows()]
check(xl[0] == COLS, f"xlsx header {xl[0]}")
xr = {r[2]: dict(zip(COLS, r)) for r in xl[1:]}
check(sorted(xr) == sorted(d) == sorted(jr), "xlsx / JSON rows")
num = {"baseline_year", "baseline", "target_year", "target", "planned_growth", "year", "actual",
       "actual_growth", "required", "completion_rate"}
for i in d:
    for k in COLS:
        c, jv, xv = d[i][k], jr[i][k], xr[i][k]
        if k in num:
            check((c == "" and jv is None and xv is None) or
                  (float(c) == float(jv) == float(xv)), f"{i}.{k}: csv {c!r} json {jv!r} xlsx {xv!r}")
        else:
            check((c == "" and jv is None and xv is None) or c == jv == xv,
                  f"{i}.{k}: csv {c!r} json {jv!r} xlsx {xv!r}")
s = j["summary"]
check(s["indicators"] == 36 and s["achieved"] == sum(1 for r in d.values() if r["verdict"] == "achieved"),
      f"summary {s}")

# ---- 泉港区 14th plan, annual monitoring: the latest year with figures, 2023 = the mid-term
g = json.load(open(f"{t}/qg14.json"))
check(g["year"] == 2023 and g["stage"] == "mid-term evaluation", f"qg14 {g['year']} {g['stage']}")
gv = {r["indicator"]: r for r in g["rows"]}
earlier = {"achieved_early", "ahead", "on_path", "behind", "not_assessable", "no_data"}
check(all(r["verdict"] in earlier for r in g["rows"]), f"qg14 verdicts {set(r['verdict'] for r in g['rows'])}")
# rd_spending: 年均增长18% with no baseline value printed (000:265): no average growth
check(gv["rd_spending"]["verdict"] == "not_assessable" and "无基期值" in gv["rd_spending"]["note"],
      f"rd_spending {gv['rd_spending']}")
# rd_growth 44.7 against the floor of 18 (000:265) every year: met, on path (a bound is
# never ahead); tech_contract_value 5600 (2023 only) against 8000 x 3/5 = 4800: ahead by
# more than the margin (48), the rule naming 2021 and 2022 as missing
check(gv["rd_growth"]["verdict"] == "on_path" and gv["rd_growth"]["required"] == 18, f"rd_growth {gv['rd_growth']}")
tc = gv["tech_contract_value"]
check(tc["verdict"] == "ahead" and tc["required"] == 4800 and "缺2021、2022年数据" in tc["note"], f"tech {tc}")
check(gv["gdp"]["verdict"] == "no_data", "gdp 2023 has no figure")
PY

# ---- every verdict of earlier years and of an estimate, through the daemon ----
# 2024 (the fourth year): urbanization 60.2 is already the 2025 target of 60 (55 -> 60):
# achieved early; patents_per_10k 12 against the linear 11.37 + 4/5 x 2.63 = 13.47:
# behind; pm25 (ceiling 23) 24: a bound not met, behind. 2025, only estimates: urbanization
# 61 likely achieved, forest_cover 41 against keeping 41.41 likely not achieved.
push() { pw push "$@" >"$T/push.out" 2>&1 || fail "push $*: $(cat "$T/push.out")"; }
pw debug clock 2026-03-01T02:30:00Z >/dev/null || fail "clock_set 2026"
push quangang-14 urbanization 2024 60.2 --status final --id ev-1
push quangang-14 patents_per_10k 2024 12 --status final --id ev-2
push quangang-14 pm25 2024 24 --status final --id ev-3
push quangang-14 urbanization 2025 61 --status estimate --id ev-4
push quangang-14 forest_cover 2025 41 --status estimate --id ev-5
ev --plan quangang-14 --year 2024 --format csv -o "$T/qg2024.csv"
ev --plan quangang-14 --format csv -o "$T/qg2025.csv"   # the target year's figures are in
"$PY" - "$T" <<'PY' || fail "verdicts of 2024 and 2025"
import csv, sys
t = sys.argv[1]
def rows(f):
    return {r["indicator"]: r for r in csv.DictReader(open(f, encoding="utf-8-sig").read().splitlines(True))}
a, b = rows(f"{t}/qg2024.csv"), rows(f"{t}/qg2025.csv")
want = {("urbanization", "achieved_early"), ("patents_per_10k", "behind"), ("pm25", "behind")}
got = {(i, a[i]["verdict"]) for i, _ in want}
if got != want or a["patents_per_10k"]["required"] != "13.47":
    sys.exit(f"  2024: {got} {a['patents_per_10k']}")
if b["urbanization"]["year"] != "2025" or b["urbanization"]["verdict"] != "likely_achieved" or \
        b["forest_cover"]["verdict"] != "likely_not_achieved" or b["urbanization"]["actual_status"] != "estimate":
    sys.exit(f"  2025: {b['urbanization']} {b['forest_cover']}")
PY

# ---- the HTML in headless Chromium, and as PDF pages ----
find_chromium
if [ -z "$CHROMIUM" ]; then
	echo "test_evaluate.sh: ok (browser part skipped: chromium not installed)"
	exit 0
fi
browse() { # browse PAGE OUT FLAGS...
	page=$1 out=$2; shift 2
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$(mktemp -d "$T/profile.XXXXXX")" \
		"$@" "file://$page" >"$out" 2>"$T/b.err" || fail "chromium $* $page: $(tail -5 "$T/b.err")"
}
dom_check() { # dom_check DOM CSV CATALOG: the rendered table against the CSV
	"$PY" - "$@" <<'PY'
import csv, json, re, sys
dom, csvf, catf = sys.argv[1:4]
h = open(dom, encoding="utf-8").read()
rows = {r["indicator"]: r for r in csv.DictReader(open(csvf, encoding="utf-8-sig").read().splitlines(True))}
cat = {c["indicator"]: c for c in json.load(open(catf))["items"]}
def check(cond, what):
    if not cond:
        sys.exit("  DOM: " + what)
got = re.findall(r'<tr class="(binding|expected)" data-indicator="([^"]+)" data-verdict="([^"]+)">', h)
check(len(got) == len(rows), f"{len(got)} table rows, {len(rows)} targets")
for cls, i, v in got:
    check(rows[i]["verdict"] == v, f"{i}: {v} on the page, {rows[i]['verdict']} in the CSV")
    check((cls == "binding") == (cat[i]["attribute"] == "binding"), f"{i}: binding mark")
nb = sum(1 for c in cat.values() if c["attribute"] == "binding")
done = sum(1 for r in rows.values() if r["attribute"] == "binding" and r["verdict"] in ("achieved", "achieved_early"))
check(f"约束性指标 {nb} 项，" in h and re.search(rf"约束性指标 {nb} 项，[^0-9]* {done} 项", h), "binding count line")
check(f"主要指标 {len(rows)} 项中" in h, "summary line")
check(re.search(r"制表时间：\d{4}年\d\d月\d\d日 \d\d:\d\d（北京时间）", h), "Beijing time")
check("制表单位：" in h and "责任单位" in h, "制表单位 / 责任单位")
PY
}
ev --plan quangang-14 --year 2023 --issuer 泉港区发展和改革局 --format csv -o "$T/qg14.csv"
ev --plan quangang-14 --year 2023 -o "$T/qg14zh.html"  # 制表单位 from the daemon config
browse "$T/qg14zh.html" "$T/qg14.dom" --dump-dom
# The checker first on a broken page (a binding row no longer marked): it must fail.
sed '0,/<tr class="binding"/s//<tr class="expected"/' "$T/qg14.dom" >"$T/broken.dom"
if dom_check "$T/broken.dom" "$T/qg14.csv" "$T/quangang-14.catalog.json" 2>/dev/null; then
	fail "the DOM check passed a page with a binding row unmarked"
fi
dom_check "$T/qg14.dom" "$T/qg14.csv" "$T/quangang-14.catalog.json" || fail "rendered page"
grep -q "泉港区发展和改革局" "$T/qg14.dom" || fail "issuer not on the page"
browse "$T/qg14zh.html" "$T/pdf.out" --no-pdf-header-footer --print-to-pdf="$T/qg14.pdf"
if command -v pdfinfo >/dev/null 2>&1; then
	pdfinfo "$T/qg14.pdf" >"$T/pdfinfo" || fail "pdfinfo"
	pages=$(sed -n 's/^Pages: *//p' "$T/pdfinfo")
	size=$(sed -n 's/^Page size: *//p' "$T/pdfinfo")
	[ "$pages" -ge 2 ] || fail "PDF has $pages page(s): 50 rows fit on none"
	case $size in 841.9*x\ 59[45].*|842*x\ 595*) ;; *) fail "PDF page size $size, not landscape A4" ;; esac
	if command -v pdftotext >/dev/null 2>&1; then
		pdftotext "$T/qg14.pdf" "$T/qg14.txt"
		grep -q "第 *1 *页 *共 *$pages *页" "$T/qg14.txt" || fail "no page numbers in the PDF"
	fi
else
	echo "test_evaluate.sh: pdfinfo not installed (poppler-utils): PDF pages not counted" >&2
fi
# ---- a plan period's total (2016-2020) on the wire: only a cumulative target's, only its
# plan's window, begun; stored as a vintage, revised like any other, and taken by evaluate
# before a sum of the years ----
refused() { # region indicator period value: must be refused with bad_period
	if pw push "$1" "$2" "$3" "$4" --status final --dept "$5" >"$T/push.out" 2>&1; then
		fail "push $2 $3 accepted: $(cat "$T/push.out")"
	fi
	grep -q "bad_period" "$T/push.out" || fail "push $2 $3: $(cat "$T/push.out")"
}
refused quangang gdp 2016-2020 734.44 统计局              # not a cumulative target
refused quangang fdi_cumulative 2016-2019 3.75 商务局     # not a plan's window
refused quangang fdi_cumulative 2017-2021 3.75 商务局     # across two windows
refused quangang fdi_cumulative 2011-2015 3.75 商务局     # no plan of that window
pw push quangang fdi_cumulative 2021-2025 4.2 --status estimate --dept 商务局 >"$T/push.out" 2>&1 ||
	fail "the 14th plan's window refused: $(cat "$T/push.out")"
grep -q "judged by quangang-14" "$T/push.out" || fail "2021-2025 not the 14th plan's: $(cat "$T/push.out")"
pw push quangang fdi_cumulative 2021-2024 4 --dept 商务局 >"$T/push.out" 2>&1 &&
	fail "a span ending before its plan accepted"
# yearly figures that sum to 5 (above the target 4) beside a revised total of 3.8: the total
# decides (not achieved), the years do not
for y in 2016 2017 2018 2019 2020; do
	pw push quangang fdi_cumulative $y 1 --status final --dept 商务局 --backfill >"$T/push.out" 2>&1 ||
		fail "push fdi $y: $(cat "$T/push.out")"
done
pw push quangang fdi_cumulative 2016—2020年 3.8 --status revised --dept 商务局 >"$T/push.out" 2>&1 ||
	fail "push the revised total: $(cat "$T/push.out")"
grep -q "judged by quangang-13" "$T/push.out" || fail "the total is not judged by the 13th plan: $(cat "$T/push.out")"
pw --json history quangang fdi_cumulative 2016-2020 >"$T/hist.json" || fail "history of the span"
ev --plan quangang-13 --year 2020 --format csv -o "$T/quangang2.csv"
"$PY" - "$T" <<'PY' || fail "plan period total"
import csv, json, sys
t = sys.argv[1]
h = json.load(open(f"{t}/hist.json"))
items = h["items"] if isinstance(h, dict) else h
vals = sorted((i["rev"], i["value"], i["status"], i["period"]) for i in items)
if [v[1:] for v in vals] != [(3.75, "final", "2016-2020"), (3.8, "revised", "2016-2020")]:
    sys.exit(f"  history of 2016-2020: {vals}")
r = {x["indicator"]: x for x in csv.DictReader(
    open(f"{t}/quangang2.csv", encoding="utf-8-sig").read().splitlines(True))}["fdi_cumulative"]
if (r["actual"], r["actual_period"], r["actual_status"], r["verdict"]) != \
        ("3.8", "2016-2020", "revised", "not_achieved") or "报送的规划期累计数" not in r["note"]:
    sys.exit(f"  fdi_cumulative with yearly figures beside the total: {r}")
PY
echo "test_evaluate.sh: ok"
