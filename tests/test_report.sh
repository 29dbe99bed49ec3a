#!/bin/sh
# tests/test_report.sh BUILD_DIR — the plan report (client/report.c) against the real daemon
# and a real browser: quangang-14 with the seed history (data/history/by-region/quangang-*.csv,
# backfill: series keyed by region, the 13th plan's results among them) and a few current figures that give every verdict colour, written as HTML,
# CSV and JSON; headless Chromium loads the HTML (DOM, console, screenshot, A4 PDF).
# Only the browser part is skipped, and only when no Chromium is installed.
# UPDATE_EXAMPLE=1 also writes the seed-only screenshot to docs/report-example.png; KEEP=1
# keeps the temporary directory.
set -eu
B=$(cd "${1:-build}" && pwd)
NAME=report
. "$(dirname "$0")/daemon_test.sh"

# ---- the report: `planwatch report` ----
report() { # report PLAN PERIOD|- FORMAT OUT
	if [ "$2" = - ]; then set -- --plan "$1" --format "$3" -o "$4"
	else set -- --plan "$1" --period "$2" --format "$3" -o "$4"; fi
	"$B/planwatch" report "$@" >/dev/null
}

# ---- the daemon, with its clock set so that the run does not depend on the date ----
start_daemon "catalog: [$SRC/catalog/regions/quangang.yaml, $SRC/catalog/plans/quangang-13.yaml,
          $SRC/catalog/plans/quangang-14.yaml]"
pw debug clock 2026-11-20T00:00:00Z >/dev/null || fail "clock_set"

for f in "$SRC"/data/history/by-region/quangang-*.csv; do
	pw import --backfill "$f" >"$T/import.out" 2>&1 || fail "import $f: $(cat "$T/import.out")"
	grep -q " 0 rejected" "$T/import.out" || fail "import $f: $(cat "$T/import.out")"
done
pw debug tick >/dev/null || fail "tick"
pw --json catalog show quangang-14 >"$T/catalog.json" || fail "catalog show"

# Seed data only: the reference picture (the daemon has no current figure yet).
report quangang-14 - html "$T/seed.html" || fail "seed report"

# Current figures: a breach of a binding indicator (森林覆盖率 below its 2020 level), an
# early warning (GDP growth 5.8% < 6%, expected: at risk before persistence), figures on
# track (城镇化率 above its linear path, R&D growth above its floor, a city target met), and
# a figure without a verdict (单位GDP能耗降低: the city has not set its target).
push() { pw push "$@" >"$T/push.out" 2>&1 || fail "push $*: $(cat "$T/push.out")"; }
push quangang-14 forest_cover 2025 40.2 --status preliminary --id rep-t1
push quangang-14 gdp 2025Q3 812.5 --yoy 5.8 --status flash --id rep-t2
push quangang-14 urbanization 2025 61.2 --status final --id rep-t3
push quangang-14 rd_growth 2025 19 --status final --id rep-t4
pw target set quangang-14 air_good_days 97 >/dev/null || fail "target set"
push quangang-14 air_good_days 2025-10 98.2 --status flash --id rep-t5
push quangang-14 energy_intensity_cut 2025 14.2 --status preliminary --id rep-t6
# A year and one of its months (series order: 2025, then 2025-06): drawn in time order.
push quangang-14 pm25 2025 19.5 --status final --id rep-t7
push quangang-14 pm25 2025-06 21 --status flash --id rep-t8
# A figure of 2026, after the plan's window (judged by no plan): the region's series holds
# it, the 14th plan's report does not show it (its latest GDP stays 2025Q3).
push quangang gdp 2026Q1 262 --yoy 5.9 --status flash --id rep-t9
pw alerts --all >"$T/alerts.txt"
grep -q "forest_cover .*off_track" "$T/alerts.txt" ||
	fail "no breach in the daemon: $(cat "$T/alerts.txt")"

report quangang-14 - html "$T/report.html" || fail "html report"
report quangang-14 - csv "$T/report.csv" || fail "csv report"
report quangang-14 - json "$T/report.json" || fail "json report"
report quangang-14 2026-09 json "$T/cut.json" || fail "json report --period 2026-09"
report quangang-14 2026-09 html "$T/cut.html" || fail "html report --period 2026-09"
report quangang-14 2025-09 json "$T/cut25.json" || fail "json report --period 2025-09"
report quangang-14 2020Q2 json "$T/early.json" || fail "json report --period 2020Q2"
# The Chinese form of the same period gives the same report (the CLI passes it on canonical).
report quangang-14 2026年1-9月 json "$T/cut-zh.json" || fail "json report --period 2026年1-9月"
for f in cut cut-zh; do sed 's/"generated[_a-z]*": *"*[^",]*"*//g' "$T/$f.json" >"$T/$f.nogen"; done
diff "$T/cut.nogen" "$T/cut-zh.nogen" >&2 || fail "report --period 2026年1-9月 differs from 2026-09"

# Errors: an unknown plan and a bad period are refused with a reason, nothing else.
if report no-such-plan - html "$T/x.html" 2>"$T/err"; then fail "unknown plan accepted"; fi
grep -q "unknown_plan" "$T/err" || fail "unknown plan message: $(cat "$T/err")"
if report quangang-14 2026-13 html "$T/x.html" 2>"$T/err"; then fail "bad period accepted"; fi
grep -q "bad period '2026-13'" "$T/err" || fail "bad period message: $(cat "$T/err")"

# ---- CSV, JSON and the HTML source ----
"$PY" - "$T" <<'PY' || fail "report content"
import csv, json, re, sys
t = sys.argv[1]
cat = json.load(open(f"{t}/catalog.json"))["items"]
ids = [c["indicator"] for c in cat]
byid = {c["indicator"]: c for c in cat}
def check(cond, what):
    if not cond:
        sys.exit(f"  {what}")

cols = ("plan indicator name name_en category attribute kind unit baseline_year baseline "
        "target_year target growth latest_period latest_value status verdict required gap "
        "gap_unit verdict_period overdue days_late departments").split()
raw = open(f"{t}/report.csv", newline="", encoding="utf-8").read()
rows = list(csv.reader(raw.splitlines(True)))
check(rows[0] == cols, f"csv header {rows[0]}")
check(len(rows) - 1 == len(cat), f"csv has {len(rows) - 1} rows, catalog {len(cat)}")
check(all(len(r) == len(cols) for r in rows), "csv row width")
check(raw.endswith("\r\n") and "\r\n" in raw, "csv lines end in CRLF")
check('"Licensed (assistant) physicians per 1,000 residents"' in raw, "comma not quoted")
d = {r["indicator"]: r for r in csv.DictReader(raw.splitlines(True))}
check(sorted(d) == sorted(ids), "csv indicators differ from the catalog")
fc = d["forest_cover"]
check(fc["verdict"] == "off_track" and fc["latest_period"] == "2025" and
      float(fc["latest_value"]) == 40.2 and fc["status"] == "preliminary", f"forest_cover {fc}")
check(float(fc["required"]) == 41.41 and abs(float(fc["gap"]) + 1.21) < 1e-9 and
      fc["gap_unit"] == "pp", f"forest_cover gap {fc}")  # a share in %: percentage points
check(fc["departments"] == byid["forest_cover"]["departments"][0] if len(byid["forest_cover"]["departments"]) == 1
      else fc["departments"] == "、".join(byid["forest_cover"]["departments"]), f"forest_cover 责任单位 {fc}")
check(d["gdp"]["verdict"] == "at_risk" and d["gdp"]["gap_unit"] == "pp" and
      float(d["gdp"]["required"]) == 6 and d["gdp"]["overdue"] == "2025Q4", f"gdp {d['gdp']}")
check(d["urbanization"]["verdict"] == "on_track", f"urbanization {d['urbanization']}")
check(d["rd_growth"]["verdict"] == "on_track", f"rd_growth {d['rd_growth']}")
# A row that is also overdue keeps its verdict; the late figure is said beside it: the
# newest missing month of the plan's window (December is covered by the annual 2025 figure).
check(d["pm25"]["verdict"] == "on_track" and d["pm25"]["latest_period"] == "2025-06" and
      d["pm25"]["overdue"] == "2025-11" and float(d["pm25"]["required"]) == 23, f"pm25 {d['pm25']}")
check(d["water_use_total"]["verdict"] == "no_data" and d["water_use_total"]["latest_period"] == "" and
      d["water_use_total"]["overdue"] != "" and int(d["water_use_total"]["days_late"]) > 0,
      f"water_use_total {d['water_use_total']}")
# pm25 2025-11 (monthly, due_days from the catalog) is late by the days since its due date,
# whole days rounded up (docs/DISPATCH.md) at the daemon's clock when the report was made
import calendar, datetime
due = datetime.datetime(2025, 12, 1) + datetime.timedelta(days=byid["pm25"]["due_days"])
gen = json.load(open(f"{t}/report.json"))["generated_ms"]
late = -(-(gen - calendar.timegm(due.timetuple()) * 1000) // 86400000)
check(int(d["pm25"]["days_late"]) in (late - 1, late),
      f"pm25 days late {d['pm25']['days_late']}, due {due}, {late} at the report")
ei = d["energy_intensity_cut"]
check(ei["verdict"] == "none" and ei["latest_value"] == "14.2", f"energy_intensity_cut {ei}")
ag = d["air_good_days"]  # on track, but its 2025-12 figure is overdue
check(ag["verdict"] == "on_track" and ag["verdict_period"] == "2025-10" and
      float(ag["required"]) == 97, f"air_good_days {ag}")
check(d["co2_intensity_cut"]["latest_period"] == "2020", "seed figure missing")

j = json.load(open(f"{t}/report.json"))
check(j["plan"] == "quangang-14" and j["period"] is None, "json header")
# The daemon's clock runs on from the time set: under load the report comes seconds later.
check(re.fullmatch(r"2026-11-20T00:0[0-2]:\d\dZ", j["generated"]) and
      1795132800000 <= j["generated_ms"] < 1795132800000 + 180000, f"json generated {j['generated']}")
ji = {x["indicator"]: x for x in j["indicators"]}
check(len(j["indicators"]) == len(cat) and sorted(ji) == sorted(ids), "json indicators")
for i in ids:  # the same content as the CSV
    for k in cols:
        v = ji[i][k]
        s = "" if v is None else str(v)
        if isinstance(v, float):
            check(float(d[i][k]) == v, f"json/csv differ: {i}.{k}")
        else:
            check(s == d[i][k], f"json/csv differ: {i}.{k}: {s!r} vs {d[i][k]!r}")
tot = j["total"]
verdicts = ("on_track", "at_risk", "off_track", "none", "no_data")
check(tot["indicators"] == len(cat) and sum(tot[v] for v in verdicts) == len(cat),
      f"totals {tot}")
# Overdue no longer swamps the summary: it is counted beside the verdicts.
n_on = sum(1 for i in ids if d[i]["verdict"] == "on_track")
check(tot["off_track"] == 1 and tot["at_risk"] == 1 and tot["on_track"] == n_on and n_on >= 4 and
      tot["none"] >= 1, f"verdicts {tot}")
check(tot["overdue"] == sum(1 for i in ids if d[i]["overdue"]) and tot["overdue"] > 30,
      f"overdue count {tot}")
check(tot["binding_on_track"] == sum(1 for i in ids if d[i]["verdict"] == "on_track" and
      d[i]["attribute"] == "binding"), f"binding on track {tot}")
check([s["category"] for s in j["summary"]] == ["经济发展", "创新驱动", "民生福祉", "生态文明"],
      "categories in plan order")
check(ji["gdp"]["series"][-1] == {"period": "2025Q3", "value": 812.5, "status": "flash",
      "yoy": 5.8, "backfill": False}, f"gdp series {ji['gdp']['series'][-1]}")

c = {x["indicator"]: x for x in json.load(open(f"{t}/cut.json"))["indicators"]}
c25 = {x["indicator"]: x for x in json.load(open(f"{t}/cut25.json"))["indicators"]}
# As of 2025-09 the newest figure is 2021's (backfilled): its own verdict, from the daemon's
# verdict table (98.5 against the city's 97), not the 2025-10 figure's.
check(c25["air_good_days"]["latest_period"] == "2021" and
      c25["air_good_days"]["verdict_period"] == "2021" and
      c25["air_good_days"]["verdict"] == "on_track",
      f"--period 2025-09 kept a later figure: {c25['air_good_days']}")
check(c["gdp"]["latest_period"] == "2025Q3" and c["gdp"]["verdict"] == "at_risk", "cut gdp")
check(c["forest_cover"]["verdict"] == "off_track", "cut forest_cover")
# 2025 annual figures with due_days 300 fell due on 2026-10-27: not overdue by 2026-09, when
# the newest missing figure due was 2024's (due 2025-10-27; the seed history has none)
check(c["rd_intensity"]["verdict"] == "none" and c["rd_intensity"]["overdue"] == "2024" and
      d["rd_intensity"]["overdue"] == "2025", f"rd_intensity by 2026-09: {c['rd_intensity']}")
e = json.load(open(f"{t}/early.json"))
check(e["period"] == "2020Q2" and e["total"]["no_data"] == len(cat), f"2020Q2 totals {e['total']}")

h = open(f"{t}/report.html", encoding="utf-8").read()
check(h.startswith("<!DOCTYPE html>") and h.rstrip().endswith("</html>"), "html frame")
check("<script" not in h.lower(), "the page has a script")
check(not re.search(r"""\b(src|href)\s*=|url\(|@import|<link""", h), "the page loads something")
check("R&amp;D 经费支出占 GDP 比重" in h and "R&D " not in h, "text not escaped")
check("@media print" in h and "size:A4" in h, "no print style")
check("泉港区国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要" in h, "plan name")
check("按期" not in h and "达到序时进度" in h and "滞后" in h, "达到序时进度 / 滞后, not 按期")
m = re.search(r"主要指标 (\d+) 项中，达到序时进度 (\d+) 项", h)
check(m and int(m.group(1)) == len(cat) and int(m.group(2)) == tot["on_track"], "summary line")
check(f"另有 {tot['overdue']} 项指标的数据逾期未报" in h, "overdue counted beside")
check("责任单位" in h and "逾期 " in h and " 天" in h, "责任单位 and days late")
# The sparkline never contradicts the verdict: the requirement tick of each judged row is on
# the right side of its last point (SVG y grows downwards).
for row in re.findall(r'<tr class="ind [^"]*"[^>]*data-indicator="([^"]+)"[^>]*>(.*?)</tr>', h, re.S):
    i, body = row
    tick = re.search(r'<line class="req" x1="[^"]+" y1="([^"]+)"', body)
    last = re.search(r'<circle class="last" cx="[^"]+" cy="([^"]+)"', body)
    v = d[i]["verdict"]
    if v not in ("on_track", "off_track") or not tick or not last:
        continue
    above = float(last.group(1)) <= float(tick.group(1)) + 0.05
    below = float(last.group(1)) >= float(tick.group(1)) - 0.05
    up = byid[i]["direction"] == "up"
    ok = (above if up else below) if v == "on_track" else (below if up else above)
    check(ok, f"sparkline of {i} contradicts {v}: last y {last.group(1)}, required y {tick.group(1)}")
PY

# ---- the browser ----
find_chromium
if [ -z "$CHROMIUM" ]; then
	echo "skipped: chromium not installed"
	exit 0
fi
browse() { # browse PAGE FLAGS... : stdout and stderr into $T/b.out, $T/b.err
	page=$1; shift
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d "$T/profile.XXXXXX")" --enable-logging=stderr --v=0 \
		"$@" "file://$page" >"$T/b.out" 2>"$T/b.err" ||
		fail "chromium $* $page: $(tail -5 "$T/b.err")"
}
# The page has no script: any console message from it (Chromium logs them all as
# "INFO:CONSOLE:N]" or "CONSOLE(N)]", whatever their level) is a fault.
console_errors() { grep -E ":CONSOLE[:(]|Uncaught" "$T/b.err"; }

# The console check must be able to fail: a page with a script error trips it.
printf '<!DOCTYPE html><p>x</p><script>no_such_function();</script>\n' > "$T/canary.html"
browse "$T/canary.html" --dump-dom
console_errors >/dev/null ||
	fail "console check sees no error on a broken page: $(grep -i console "$T/b.err" | head -3)"

browse "$T/report.html" --dump-dom
cp "$T/b.out" "$T/dom.html"
if console_errors; then fail "console errors on the report"; fi
browse "$T/report.html" --screenshot="$T/report.png" --window-size=1200,2400
[ -s "$T/report.png" ] || fail "no screenshot"
if console_errors; then fail "console errors while taking the screenshot"; fi
browse "$T/report.html" --print-to-pdf="$T/report.pdf" --no-pdf-header-footer
[ -s "$T/report.pdf" ] || fail "no PDF"
browse "$T/seed.html" --screenshot="$T/seed.png" --window-size=1200,2400

"$PY" - "$T" <<'PY' || fail "rendered page"
import html.parser, json, re, struct, sys, zlib
t = sys.argv[1]
def check(cond, what):
    if not cond:
        sys.exit(f"  {what}")
cat = json.load(open(f"{t}/catalog.json"))["items"]
ids = [c["indicator"] for c in cat]
attr = {c["indicator"]: c["attribute"] for c in cat}

class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.section, self.scripts, self.text = [], None, 0, []
        self.cur, self.svg_classes, self.series = None, {}, {}
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "script":
            self.scripts += 1
        if tag == "section" and "data-category" in a:
            self.section = a["data-category"]
        if tag == "tr" and "data-indicator" in a:
            self.cur = a["data-indicator"]
            self.rows.append((self.section, a["data-indicator"], a.get("id"),
                              a.get("data-attribute"), a.get("class", "").split()))
            self.svg_classes[self.cur] = set()
        if self.cur and tag in ("polyline", "circle", "line"):
            self.svg_classes[self.cur].add(a.get("class"))
        if self.cur and tag == "polyline" and a.get("class") == "series":
            self.series[self.cur] = [float(q.split(",")[0]) for q in a["points"].split()]
    def handle_data(self, d):
        self.text.append(d)

p = Dom()
p.feed(open(f"{t}/dom.html", encoding="utf-8").read())
text = "".join(p.text)
check(p.scripts == 0, "script element in the DOM")
check("地区生产总值" in text and "Gross regional product" in text, "地区生产总值 missing")
got = [r[1] for r in p.rows]
check(sorted(got) == sorted(ids), f"rows {len(got)} vs catalog {len(ids)}")
check(all(r[2] == "ind-" + r[1] for r in p.rows), "row ids")
check(all(r[3] == attr[r[1]] for r in p.rows), "data-attribute differs from the catalog")
by_section = {}
for sec, i, _, a, _ in p.rows:
    by_section.setdefault(sec, []).append(a)
for sec, seq in by_section.items():
    check(seq == sorted(seq, key=lambda a: a != "binding"), f"{sec}: binding after expected: {seq}")
check(by_section["民生福祉"][0] == "binding", "民生福祉 does not start with its binding indicator")
cls = {r[1]: r[4] for r in p.rows}
check("off-track" in cls["forest_cover"] and "binding" in cls["forest_cover"],
      f"forest_cover {cls['forest_cover']}")
check("at-risk" in cls["gdp"] and "on-track" in cls["urbanization"], "gdp/urbanization classes")
check("on-track" in cls["pm25"] and "no-verdict" in cls["energy_intensity_cut"], "pm25 on track though late; grey")
# gdp was judged on its yoy (5.8% against 6%): the sparkline draws growth rates against the
# required rate; the seed history has no yoy, so only the judged figure is a point.
check({"path", "last", "req"} <= p.svg_classes["gdp"], f"gdp sparkline {p.svg_classes['gdp']}")
check({"path", "series", "last"} <= p.svg_classes["urbanization"],
      f"urbanization sparkline {p.svg_classes['urbanization']}")
check("path" not in p.svg_classes["energy_intensity_cut"], "city indicator has a trajectory")
check("path" in p.svg_classes["forest_cover"], "keep indicator lacks its line")
for i, xs in p.series.items():
    check(xs == sorted(xs) and len(set(xs)) == len(xs), f"{i}: series not in time order: {xs}")
check(len(p.series["pm25"]) == 3, f"pm25 series {p.series['pm25']}")

def png(path):
    data = open(path, "rb").read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, inter = struct.unpack(">IIBBBBB", body)
            check(depth == 8 and ctype in (2, 6) and inter == 0, "unexpected PNG format")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, rows, prev, stride = zlib.decompress(idat), [], bytearray(w * bpp), w * bpp
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows

def count(img, rgb, tol=12):
    w, h, bpp, rows = img
    n = 0
    for row in rows[::2]:
        for x in range(0, w * bpp, bpp * 2):
            if all(abs(row[x + k] - rgb[k]) <= tol for k in range(3)):
                n += 1
    return n

img = png(f"{t}/report.png")
check(img[:2] == (1200, 2400), f"screenshot is {img[:2]}")
check(count(img, (0xc0, 0x26, 0x1d)) > 20, "no off-track red in the screenshot")
check(count(img, (0xfd, 0xe3, 0xe0)) > 20, "no off-track badge background")
check(count(img, (0xe2, 0xf3, 0xe5)) > 20, "no on-track green in the screenshot")
check(count(img, (0xec, 0xe6, 0xf4)) > 20, "no overdue purple in the screenshot")
check(count(img, (0xff, 0xff, 0xff), 0) < 1200 * 2400 // 4 * 0.97, "the screenshot is blank")

pdf = open(f"{t}/report.pdf", "rb").read()
check(pdf.startswith(b"%PDF-"), "not a PDF")
pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
check(pages >= 2, f"PDF has {pages} pages")
check(re.search(rb"/MediaBox\s*\[\s*0 0 59[45](\.\d+)? 84[12](\.\d+)?\s*\]", pdf),
      "PDF pages are not A4")
PY

if [ "${UPDATE_EXAMPLE:-0}" = 1 ]; then
	cp "$T/seed.png" "$SRC/docs/report-example.png"
	echo "test_report.sh: wrote docs/report-example.png"
fi
kill "$PID"; wait "$PID" || fail "daemon exit status on SIGTERM"
PID=
echo "test_report.sh: ok"
