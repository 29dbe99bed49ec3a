#!/bin/sh
# tests/cli.sh BUILD_DIR — the planwatch CLI against the real daemon: push, query,
# watch --since, import with a bad row, idempotent re-import, an Excel sheet with Chinese
# headers, periods and statuses (written by openpyxl), the template -> filled -> import
# round trip, history, catalog check
# errors with file:line, and a clear message when the daemon is down.
set -eu
B=$(cd "${1:-build}" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/pwcli.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "cli.sh: FAIL: $*" >&2; [ -f "$T/daemon.log" ] && tail -n 20 "$T/daemon.log" >&2; exit 1; }

PORT=$((20000 + $$ % 20000))
cat > "$T/conf" <<CONF
state_dir: $T/state
catalog: [$SRC/tests/fixtures/test-region.yaml, $SRC/tests/fixtures/test-plan.yaml]
listen: ipc://$T/in.sock
publish: ipc://$T/pub.sock
metrics_listen: "127.0.0.1:$PORT"
CONF
export PLANWATCH_ENDPOINT=ipc://$T/in.sock PLANWATCH_PUB=ipc://$T/pub.sock
pw() { "$B/planwatch" "$@"; }

# Daemon down: a clear message, non-zero exit.
if pw --timeout 300 status >"$T/out" 2>&1; then fail "status succeeded without a daemon"; fi
grep -q "no planwatchd listening at .*start it with" "$T/out" || fail "no hint when the daemon is down: $(cat "$T/out")"

"$B/planwatchd" --help | grep -q -- "--config" || fail "planwatchd --help"
pw --help | grep -q "import FILE.csv" || fail "planwatch --help"
pw push --help | grep -q "usage" || fail "planwatch push --help"
"$B/planwatchd" --config "$T/conf" --check | grep -q "1 plans, 6 indicators" || fail "--check"

"$B/planwatchd" --config "$T/conf" 2>"$T/daemon.log" &
PID=$!
i=0; until pw --timeout 300 status >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 100 ] || fail "daemon did not start"; sleep 0.3; done

pw push test-plan gdp 2025Q3 812.5 --yoy 5.8 --id cli-1 | grep -q "acknowledged" || fail "push"
pw query test-plan gdp | grep -q "2025Q3 *812.5 *flash" || fail "query table"
# 5.8% against the plan's 6%: at risk, the first verdict (then the overdue figures).
pw alerts | sed -n 2p | grep -q "^test-plan *gdp .*at_risk *2025Q3 *5.8 *6 *-0.2" || fail "alerts table: $(pw alerts | head -3)"
# 2026 lies outside the plan's window (2021-2025): stored, judged by no plan (no extrapolated
# path), so the verdict stays the 2025Q3 one.
pw push test-plan gdp 2026Q3 790 --yoy 1.0 --id cli-1b | grep -q "acknowledged" || fail "push 2026"
pw query test-plan gdp | grep -q "2026Q3 *790 *flash" || fail "query 2026"
pw alerts | sed -n 2p | grep -q "^test-plan *gdp .*at_risk *2025Q3 *5.8 *6 *-0.2" || fail "2026 judged: $(pw alerts | head -3)"
pw --json query test-plan gdp | grep -q '"value":812.5' || fail "query json"
pw watch change. --since 0 --count 1 | grep -q "change.test.gdp .*\"value\":812.5" || fail "watch --since 0"
# A first start announces no old gaps (overdue_since: the store's creation); alerts counts
# them and says how to list them, one line per (责任单位, region, period) with --all.
[ "$(pw watch overdue. --since 0 --wait 300 | wc -l)" = 0 ] || fail "overdue burst at start"
pw alerts >"$T/alerts"
grep -q "^no figure overdue since overdue notices began" "$T/alerts" &&
	grep -Eq "^[0-9]+ older gaps \(due before [0-9-]{10}\) were never announced" "$T/alerts" ||
	fail "alerts without old gaps: $(cat "$T/alerts")"
pw alerts --all >"$T/alerts-all"
grep -Eq "^财政局 +test +[0-9]{4}-[0-9]{2} +due [0-9-]{10} +[0-9]+ days late: fiscal_revenue 一般公共预算收入 \(never announced\)$" \
	"$T/alerts-all" || fail "alerts --all: $(cat "$T/alerts-all")"

# A wrong unit is refused with its code and the item index; nothing stored.
if pw push test-plan gdp 2026Q2 700 --unit 亿美元 --id cli-2 2>"$T/err"; then fail "wrong unit accepted"; fi
grep -q "wrong_unit" "$T/err" && grep -q "quarantine" "$T/err" || fail "wrong unit message"
grep -q "send one of 元, 千元, 万元, 亿元, 万亿元" "$T/err" || fail "wrong unit lists no accepted units: $(cat "$T/err")"
# ... on the item's own line too (the NACK's items carry what each was expected to be)
grep -q "^  item 0: wrong_unit: unit '亿美元' is money (USD), .*send one of 元, 千元, 万元, 亿元, 万亿元$" "$T/err" || fail "item line lacks the item's text: $(cat "$T/err")"
pw rejected | grep -q "wrong_unit" || fail "rejected list"
pw rejected | grep -q "wrong_unit: unit '亿美元' is money (USD)" || fail "quarantine detail lacks the expected units: $(pw rejected)"
pw units | grep -q "^money (CNY): 元, 千元, 万元, 亿元, 万亿元$" || fail "units table: $(pw units | head -3)"
pw units ug/m3 | grep -q "^ug/m3: μg/m³ (also " || fail "units ug/m3: $(pw units ug/m3)"
if pw units 亿 2>"$T/err"; then fail "units 亿 found"; fi
# A figure as published in another unit of the dimension is converted exactly.
pw push test-plan gdp 2026Q2 7000000 --unit 万元 --id cli-u1 | grep -q "acknowledged" || fail "push in 万元"
pw query test-plan gdp | grep -q "2026Q2 *700 " || fail "7000000 万元 not stored as 700 亿元: $(pw query test-plan gdp)"
pw history test-plan gdp 2026Q2 | grep -q "sent as 7000000 万元" || fail "history lacks the figure as sent: $(pw history test-plan gdp 2026Q2)"
# A slipped decimal: refused naming what it was compared with; --confirm lets it in, recorded.
pw push test-plan gdp 2024Q4 812.5 --id cli-s0 >/dev/null || fail "push 2024Q4"
if pw push test-plan gdp 2024Q4 81.25 --status preliminary --id cli-s1 2>"$T/err"; then fail "812.5 -> 81.25 accepted"; fi
grep -q "suspect_scale: .*value 81.25 is about /10^1 from the series; revised vintage 2024Q4 812.5" "$T/err" || fail "suspect_scale not explained: $(cat "$T/err")"
grep -q "^  item 0: suspect_scale: value 81.25 is about /10^1 from the series; revised vintage 2024Q4 812.5" "$T/err" || fail "item line lacks the comparators: $(cat "$T/err")"
pw push test-plan gdp 2024Q4 81.25 --status preliminary --confirm --id cli-s2 | grep -q "acknowledged" || fail "--confirm refused"
pw history test-plan gdp 2024Q4 | grep -q "2024Q4 *81.25 .*confirmed (suspect_scale)" || fail "confirm not in history: $(pw history test-plan gdp 2024Q4)"
if pw push test-plan gdp 2026Q1 9999 --id cli-u2 2>"$T/err"; then fail "out of bounds accepted"; fi
grep -q "implausible_value: .*9999 亿元 is outside the bounds 0..5000 亿元" "$T/err" || fail "bounds not named: $(cat "$T/err")"
grep -q "^  item 0: implausible_value: .*9999 亿元 is outside the bounds 0..5000 亿元" "$T/err" || fail "item line lacks the bounds: $(cat "$T/err")"

cat > "$T/h.csv" <<CSV
plan,indicator,period,value,unit,status,dept,yoy,reason,source
test-plan,urbanization,2021,55.9,%,final,统计局,,,seed:1
test-plan,urbanization,2022,56.4,%,final,统计局,,,seed:2
test-plan,urbanization,2023,56.8,万元,final,统计局,,,seed:3
test-plan,unemployment,2023,1.8,%,final,人社局,,"年报, 修订",seed:4
test-plan,unemployment,2024,1.7,%,final,人社局,5.8%,,seed:5
CSV
if pw import "$T/h.csv" >"$T/out" 2>"$T/err"; then fail "import with a bad row exited 0"; fi
grep -q "5 rows, 3 accepted, 2 rejected" "$T/out" || fail "import summary: $(cat "$T/out")"
grep -q "h.csv:6: test-plan/unemployment 2024: bad_value" "$T/err" || fail "yoy 5.8% not refused"
grep -q "h.csv:4: test-plan/urbanization 2023: wrong_unit: unit '万元' is money (CNY), .*send one of " "$T/err" || fail "import row error without the accepted units: $(cat "$T/err")"
pw query test-plan urbanization | grep -q "2022 *56.4" || fail "imported row missing"
# Importing the same file again stores nothing twice.
pw status >"$T/out"
grep -Eq '^type +result$' "$T/out" || fail "status: type line: $(head -3 "$T/out")"
grep -Eq '^accepted +[0-9]+$' "$T/out" || fail "status: accepted line"
revs=$(pw --json status | sed 's/.*"revisions":\([0-9]*\).*/\1/')
pw import "$T/h.csv" >/dev/null 2>&1 || true
revs2=$(pw --json status | sed 's/.*"revisions":\([0-9]*\).*/\1/')
[ "$revs" = "$revs2" ] || fail "re-import added revisions ($revs -> $revs2)"
# History keyed by region (data/history/by-region/): the series of region test, by alias or
# id; a row that names an unknown region is refused by name, the others stored.
cat > "$T/r.csv" <<CSV
region,indicator,period,value,unit,status,dept,yoy,reason,source
test,urbanization,2020,55,%,final,统计局,,,seed:1
000000-test,unemployment,2020,2,%,final,人社局,,,seed:2
atlantis,unemployment,2021,2,%,final,人社局,,,seed:3
CSV
if pw import --backfill "$T/r.csv" >"$T/out" 2>"$T/err"; then fail "import with an unknown region exited 0"; fi
grep -q "3 rows, 2 accepted, 1 rejected" "$T/out" || fail "region import summary: $(cat "$T/out")"
grep -q "r.csv:4: atlantis/unemployment 2021: unknown_region" "$T/err" || fail "region row error: $(cat "$T/err")"
pw query test-plan urbanization | grep -q "2020 *55 " || fail "region-keyed row not on the plan's series"
pw query test-plan unemployment | grep -q "2020 *2 " || fail "row keyed by region id missing"

# A department's Excel sheet (written by openpyxl, as a department's tool would): Chinese
# headers in their own order, a name column, Chinese periods and statuses, a 同比 typed as a
# percentage, a number stored as text, a formula never calculated (no cached value: refused as bad_value, not lost), a
# row left without a value (not reported yet: not sent, not an error).
"$PYTHON" - "$T/dept.xlsx" <<'PY'
import sys
import openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "报送"
ws.append(["指标代码", "指标名称", "规划", "期别", "数值", "单位", "数据状态", "报送单位", "同比", "说明"])
ws.append(["gdp", "地区生产总值", "test-plan", "2026年上半年", 790, "亿元", "初步核算", "统计局", 0.055, None])
ws["I2"].number_format = "0.0%"  # typed as 5.5%: Excel keeps 0.055
ws.append(["fiscal_revenue", "一般公共预算收入", "test-plan", "2026年1-10月", "20.5", "亿元", "快报", "财政局", None, "含基金"])
ws.append(["fiscal_revenue", "一般公共预算收入", "test-plan", "2026年1—9月", "=1+1", "亿元", "快报", "财政局", None, None])
ws.append(["fiscal_revenue", "一般公共预算收入", "test-plan", "2026年1-8月", None, "亿元", "快报", "财政局", None, None])
ws.append([])
ws.append(["urbanization", "城镇化率", "test-plan", "2024年", 57.1, "%", "最终核实", "统计局", None, None])
wb.save(sys.argv[1])
PY
if pw import "$T/dept.xlsx" >"$T/out" 2>"$T/err"; then fail "xlsx import with a formula row exited 0"; fi
grep -q "5 rows, 3 accepted, 1 rejected, 1 without a value (not sent)" "$T/out" || fail "xlsx import summary: $(cat "$T/out") $(cat "$T/err")"
grep -q "dept.xlsx:4: test-plan/fiscal_revenue 2026年1—9月: bad_value" "$T/err" || fail "xlsx formula row: $(cat "$T/err")"
pw query test-plan gdp >"$T/q"; grep -q "2026Q2 *790 *preliminary *5.50 " "$T/q" || fail "xlsx gdp 2026年上半年, 5.5%: $(cat "$T/q")"
pw query test-plan fiscal_revenue | grep -q "2026-10 *20.5 *flash" || fail "xlsx number as text"
pw query test-plan urbanization | grep -q "2024 *57.1 *final" || fail "xlsx 2024年 最终核实"
# The same sheet again stores nothing twice (the message ids are the rows' hash).
revs=$(pw --json status | sed 's/.*"revisions":\([0-9]*\).*/\1/')
pw import "$T/dept.xlsx" >/dev/null 2>&1 || true
[ "$revs" = "$(pw --json status | sed 's/.*"revisions":\([0-9]*\).*/\1/')" ] || fail "xlsx re-import added revisions"
# A named sheet that is not there; a truncated file: clear messages, nothing stored.
if pw import "$T/dept.xlsx" --sheet 其他 2>"$T/err"; then fail "missing sheet accepted"; fi
grep -q "dept.xlsx: no sheet named '其他' (the workbook has '报送')" "$T/err" || fail "sheet message: $(cat "$T/err")"
head -c 2000 "$T/dept.xlsx" > "$T/cut.xlsx"
if pw import "$T/cut.xlsx" 2>"$T/err"; then fail "truncated xlsx accepted"; fi
grep -q "cut.xlsx: not an .xlsx file (not a valid ZIP archive" "$T/err" || fail "truncated xlsx message: $(cat "$T/err")"
# The CLI takes the same Chinese forms.
pw push test-plan urbanization 2025年全年 57.6 --status 快报 --id cli-zh | grep -q "acknowledged" || fail "push 2025年全年 快报"
pw query test-plan urbanization --from 2025年 | grep -q "2025 *57.6 *flash" || fail "query --from 2025年"
if pw push test-plan urbanization 2025年下半年 1 --id cli-zh2 2>"$T/err"; then fail "下半年 accepted"; fi

# The round trip: planwatch template -> filled by openpyxl as a department would -> import
# -> query. Only 统计局's quarterly indicators of the region, pre-filled, a status list; the
# sheet names the region (地区), whether asked by region or by a plan of it.
pw template --dept 统计局 --plan test-plan --period 2026Q1 -o "$T/tp.xlsx" | grep -q "1 indicator(s) of 统计局" ||
	fail "template --plan: $(pw template --dept 统计局 --plan test-plan --period 2026Q1 -o "$T/tp.xlsx" 2>&1)"
pw template --dept 统计局 --region test --period 2026Q1 -o "$T/t.xlsx" | grep -q "1 indicator(s) of 统计局" ||
	fail "template: $(pw template --dept 统计局 --region test --period 2026Q1 -o "$T/t.xlsx" 2>&1)"
cmp -s "$T/t.xlsx" "$T/tp.xlsx" || "$PYTHON" - "$T/t.xlsx" "$T/tp.xlsx" <<'PY' || fail "template --plan and --region differ"
import sys
import openpyxl
a, b = ([[c.value for c in r] for r in openpyxl.load_workbook(f)["报送"].iter_rows()] for f in sys.argv[1:3])
assert a == b, (a, b)
PY
"$PYTHON" - "$T/t.xlsx" <<'PY' || fail "template content"
import sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["报送"]
rows = [[c.value for c in r] for r in ws.iter_rows()]
assert rows[0] == ["地区", "指标代码", "指标名称", "期别", "数值", "单位", "数据状态", "报送单位", "同比", "说明"], rows[0]
assert rows[1][:4] == ["test", "gdp", "地区生产总值", "2026年一季度"], rows[1]
assert rows[1][4] is None and rows[1][8] is None, rows[1]
assert rows[1][5:8] == ["亿元", "快报", "统计局"], rows[1]
assert len(rows) == 2, rows
lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
assert len(lists) == 1 and str(lists[0].sqref) == "G2", [str(d.sqref) for d in lists]
assert lists[0].formula1 == '"预计数,快报,初步核算,最终核实,调整数"', lists[0].formula1
ws["E2"] = 201.5
ws["I2"] = 5.1
ws["G2"] = "初步核算"
wb.save(sys.argv[1])
PY
pw import "$T/t.xlsx" >"$T/out" 2>&1 || fail "import the filled template: $(cat "$T/out")"
grep -q "1 rows, 1 accepted, 0 rejected" "$T/out" || fail "template import: $(cat "$T/out")"
pw query test-plan gdp | grep -q "2026Q1 *201.5 *preliminary *5.1" || fail "template round trip: $(pw query test-plan gdp)"
if pw template --dept 林业局 --plan test-plan --period 2026-10 -o "$T/x.xlsx" 2>"$T/err"; then fail "template without indicators"; fi
grep -q "no monthly indicator that '林业局' reports" "$T/err" || fail "empty template message: $(cat "$T/err")"

pw push test-plan urbanization 2022 56.5 --status revised --reason "经普调整" --id cli-3 >/dev/null
pw history test-plan urbanization 2022 | grep -c "^2022" | grep -q 2 || fail "history"

FIX="$SRC/tests/fixtures/test-region.yaml $SRC/tests/fixtures/test-plan.yaml"
sed 's/^  - series: gdp$/  - series: gdp\n    colour: red/' "$SRC/tests/fixtures/test-plan.yaml" > "$T/bad.yaml"
if pw catalog check "$SRC/tests/fixtures/test-region.yaml" "$T/bad.yaml" 2>"$T/err"; then fail "bad catalog passed"; fi
grep -q "bad.yaml:16: unknown key 'colour'" "$T/err" || fail "catalog error lacks file:line: $(cat "$T/err")"
# A file of the retired format 1 (a plan with its own indicators) names the conversion.
printf 'plan:\n  id: x\n  name: x\n  baseline_year: 2020\n  target_year: 2025\nindicators:\n  - id: a\n' > "$T/v1.yaml"
if pw catalog check "$T/v1.yaml" 2>"$T/err"; then fail "format-1 catalog passed"; fi
grep -q "v1.yaml:7: catalog format 1 .*catalog/README.md \"Converting a format-1 file\"" "$T/err" ||
	fail "format-1 catalog: $(cat "$T/err")"
# shellcheck disable=SC2086
pw catalog check $FIX | grep -q "1 plans, 6 indicators" || fail "catalog check ok"
pw catalog show test-plan | grep -q "forest_cover" || fail "catalog show"

# Ops metrics, scraped for real.
sleep 2.2   # the full snapshot (store sizes, alert counts) is published every 2 s
curl -sf "http://127.0.0.1:$PORT/metrics" > "$T/metrics" || fail "metrics endpoint"
grep -q '^planwatch_updates_accepted_total [1-9]' "$T/metrics" || fail "accepted counter"
grep -q '^planwatch_updates_rejected_total{reason="wrong_unit"} [1-9]' "$T/metrics" || fail "rejected by reason"
grep -q '^planwatch_store_observations [1-9]' "$T/metrics" || fail "store gauge"
grep -q '^planwatch_commit_duration_seconds_count [1-9]' "$T/metrics" || fail "commit histogram"
if command -v promtool >/dev/null; then
	promtool check metrics < "$T/metrics" || fail "promtool check metrics"
else
	echo "cli.sh: promtool not installed, metrics format not linted"
fi
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/other")" = 404 ] || fail "metrics 404"

kill "$PID"; wait "$PID" || fail "daemon exit status on SIGTERM"
PID=

# A dead ipc:// endpoint is reported at once, not after the reply timeout (issue 14): a
# socket file nobody listens on (what a kill -9 leaves) and a missing one.
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/stale.sock"
for ep in "ipc://$T/stale.sock" "ipc://$T/missing.sock"; do
	t0=$(date +%s%N)
	if pw -e "$ep" --timeout 20000 status >"$T/dead.out" 2>&1; then fail "status on $ep succeeded"; fi
	ms=$((($(date +%s%N) - t0) / 1000000))
	grep -q "no planwatchd listening at $ep" "$T/dead.out" || fail "dead $ep: $(cat "$T/dead.out")"
	grep -q "start it with" "$T/dead.out" || fail "no start hint for $ep"
	[ $ms -lt 5000 ] || fail "dead $ep took $ms ms (waited for the timeout?)"
done
# catalog check --store needs the daemon's store: without a daemon it fails, naming why.
# shellcheck disable=SC2086
if pw -e "ipc://$T/missing.sock" catalog check --store $FIX >"$T/dead.out" 2>&1; then
	fail "catalog check --store succeeded without a daemon"
fi
grep -q "no planwatchd listening" "$T/dead.out" || fail "check --store, no daemon: $(cat "$T/dead.out")"
# --check runs every check the start runs short of binding (issue 20 item 5): for each
# config the start refuses, --check must fail too, naming the same problem.
"$B/planwatch" keygen --server -o "$T/srv.key" >/dev/null || fail "keygen --server"
printf 'departments: [{dept: x, public: 1}]\n' > "$T/bad-clients.yaml"
check_refuses() { # NAME NEEDLE CONFIG-LINES
	{ printf 'state_dir: %s\ncatalog: [%s]\n' "$T/chk-state" "$SRC/tests/fixtures/test-region.yaml, $SRC/tests/fixtures/test-plan.yaml"
	  printf '%b' "$3"; } > "$T/chk.conf"
	if "$B/planwatchd" --config "$T/chk.conf" --check >"$T/chk.out" 2>&1; then
		fail "--check passed a config the start refuses ($1): $(cat "$T/chk.out")"; fi
	grep -q "$2" "$T/chk.out" || fail "--check ($1) does not say '$2': $(cat "$T/chk.out")"
	if timeout 20 "$B/planwatchd" --config "$T/chk.conf" >"$T/chk-start.out" 2>&1; then
		fail "the start accepted $1"; fi
}
check_refuses "tcp without CURVE" "tcp:// without CURVE" "listen: tcp://127.0.0.1:$((PORT + 1))\n"
check_refuses "a metrics host name" "metrics_listen 'localhost:9'" 'metrics_listen: "localhost:9"\n'
check_refuses "a metrics port out of range" "metrics_listen '127.0.0.1:99999'" 'metrics_listen: "127.0.0.1:99999"\n'
check_refuses "a secret without clients" "clients_file is not" "server_secret_file: $T/srv.key\n"
check_refuses "an unreadable clients file" "bad-clients.yaml" "server_secret_file: $T/srv.key\nclients_file: $T/bad-clients.yaml\n"
check_refuses "a missing secret key" "nokey" "server_secret_file: $T/nokey\nclients_file: $T/bad-clients.yaml\n"
if [ "$(id -u)" != 0 ]; then
	check_refuses "a privileged metrics port" "privileged" 'metrics_listen: "127.0.0.1:9"\n'
elif command -v setpriv >/dev/null; then
	# root binds port 9, a daemon of another user does not: check as user nobody, with the
	# daemon and its catalog copied where nobody can reach them (a checkout under /root,
	# mode 700, as on a fresh root Debian, is out of its reach)
	N=$(mktemp -d /tmp/pwcli-nobody.XXXXXX); chmod 777 "$N"
	cp "$B/planwatchd" "$SRC/tests/fixtures/test-region.yaml" "$SRC/tests/fixtures/test-plan.yaml" "$N/"
	chmod a+rX "$N"/*
	printf 'state_dir: %s/st\ncatalog: [%s]\nmetrics_listen: "127.0.0.1:9"\n' "$N" \
		"$N/test-region.yaml, $N/test-plan.yaml" > "$N/c.conf"; chmod 644 "$N/c.conf"
	asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env ASAN_OPTIONS=detect_leaks=0 "$@"; }
	if asnobody "$N/planwatchd" --config "$N/c.conf" --check >"$T/chk.out" 2>&1; then
		fail "--check as nobody passed a privileged metrics port"; fi
	grep -q "port 9 is privileged" "$T/chk.out" || fail "privileged port: $(cat "$T/chk.out")"
	if asnobody timeout 20 "$N/planwatchd" --config "$N/c.conf" >"$T/chk-start.out" 2>&1; then
		fail "the start as nobody bound port 9"; fi
	rm -rf "$N"
fi
echo "cli.sh: ok"
