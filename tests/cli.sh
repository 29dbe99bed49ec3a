#!/bin/sh
# tests/cli.sh BUILD_DIR — the planwatch CLI against the real daemon: push, query,
# watch --since, import with a bad row, idempotent re-import, history, catalog check
# errors with file:line, and a clear message when the daemon is down.
set -eu
B=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/pwcli.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "cli.sh: FAIL: $*" >&2; [ -f "$T/daemon.log" ] && tail -n 20 "$T/daemon.log" >&2; exit 1; }

PORT=$((20000 + $$ % 20000))
cat > "$T/conf" <<CONF
state_dir: $T/state
catalog: [$SRC/tests/fixtures/test-plan.yaml]
listen: ipc://$T/in.sock
publish: ipc://$T/pub.sock
metrics_listen: "127.0.0.1:$PORT"
CONF
export PLANWATCH_ENDPOINT=ipc://$T/in.sock PLANWATCH_PUB=ipc://$T/pub.sock
pw() { "$B/planwatch" "$@"; }

# Daemon down: a clear message, non-zero exit.
if pw --timeout 300 status >"$T/out" 2>&1; then fail "status succeeded without a daemon"; fi
grep -q "is planwatchd running" "$T/out" || fail "no hint when the daemon is down"

"$B/planwatchd" --help | grep -q -- "--config" || fail "planwatchd --help"
pw --help | grep -q "import FILE.csv" || fail "planwatch --help"
pw push --help | grep -q "usage" || fail "planwatch push --help"
"$B/planwatchd" --config "$T/conf" --check | grep -q "1 plans, 6 indicators" || fail "--check"

"$B/planwatchd" --config "$T/conf" 2>"$T/daemon.log" &
PID=$!
i=0; until pw --timeout 300 status >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 100 ] || fail "daemon did not start"; done

pw push test-plan gdp 2026Q3 812.5 --yoy 5.8 --id cli-1 | grep -q "acknowledged" || fail "push"
pw query test-plan gdp | grep -q "2026Q3 *812.5 *flash" || fail "query table"
# 5.8% against the plan's 6%: at risk, listed before the (many) overdue indicators.
pw alerts | sed -n 2p | grep -q "^test-plan *gdp .*at_risk *2026Q3 *5.8 *6 *-0.2" || fail "alerts table: $(pw alerts | head -3)"
pw --json query test-plan gdp | grep -q '"value":812.5' || fail "query json"
pw watch change. --since 0 --count 1 | grep -q "change.test-plan.gdp .*\"value\":812.5" || fail "watch --since 0"
pw watch overdue. --since 0 --count 1 | grep -q "overdue.test-plan" || fail "overdue at start"

# A wrong unit is refused with its code and the item index; nothing stored.
if pw push test-plan gdp 2026Q2 700 --unit 亿美元 --id cli-2 2>"$T/err"; then fail "wrong unit accepted"; fi
grep -q "wrong_unit" "$T/err" && grep -q "quarantine" "$T/err" || fail "wrong unit message"
grep -q "send one of 元, 千元, 万元, 亿元, 万亿元" "$T/err" || fail "wrong unit lists no accepted units: $(cat "$T/err")"
pw rejected | grep -q "wrong_unit" || fail "rejected list"
pw rejected | grep -q "wrong_unit: unit '亿美元' is money (USD)" || fail "quarantine detail lacks the expected units: $(pw rejected)"
pw units | grep -q "^money (CNY): 元, 千元, 万元, 亿元, 万亿元$" || fail "units table: $(pw units | head -3)"
pw units ug/m3 | grep -q "^ug/m3: μg/m³ (also " || fail "units ug/m3: $(pw units ug/m3)"
if pw units 亿 2>"$T/err"; then fail "units 亿 found"; fi
# A figure as published in another unit of the dimension is converted exactly.
pw push test-plan gdp 2026Q2 7000000 --unit 万元 --id cli-u1 | grep -q "acknowledged" || fail "push in 万元"
pw query test-plan gdp | grep -q "2026Q2 *700 " || fail "7000000 万元 not stored as 700 亿元: $(pw query test-plan gdp)"
if pw push test-plan gdp 2026Q1 9999 --id cli-u2 2>"$T/err"; then fail "out of bounds accepted"; fi
grep -q "implausible_value: .*9999 亿元 is outside the bounds 0..5000 亿元" "$T/err" || fail "bounds not named: $(cat "$T/err")"

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
grep -q "h.csv:4: test-plan/urbanization 2023: wrong_unit" "$T/err" || fail "import row error"
pw query test-plan urbanization | grep -q "2022 *56.4" || fail "imported row missing"
# Importing the same file again stores nothing twice.
pw status >"$T/out"
grep -Eq '^type +result$' "$T/out" || fail "status: type line: $(head -3 "$T/out")"
grep -Eq '^accepted +[0-9]+$' "$T/out" || fail "status: accepted line"
revs=$(pw --json status | sed 's/.*"revisions":\([0-9]*\).*/\1/')
pw import "$T/h.csv" >/dev/null 2>&1 || true
revs2=$(pw --json status | sed 's/.*"revisions":\([0-9]*\).*/\1/')
[ "$revs" = "$revs2" ] || fail "re-import added revisions ($revs -> $revs2)"

pw push test-plan urbanization 2022 56.5 --status revised --reason "经普调整" --id cli-3 >/dev/null
pw history test-plan urbanization 2022 | grep -c "^2022" | grep -q 2 || fail "history"

printf 'plan:\n  id: x\n  name: x\n  baseline_year: 2020\n  target_year: 2025\nindicators:\n  - id: a\n    colour: red\n' > "$T/bad.yaml"
if pw catalog check "$T/bad.yaml" 2>"$T/err"; then fail "bad catalog passed"; fi
grep -q "bad.yaml:8: unknown key 'colour'" "$T/err" || fail "catalog error lacks file:line: $(cat "$T/err")"
pw catalog check "$SRC/tests/fixtures/test-plan.yaml" | grep -q "1 plans, 6 indicators" || fail "catalog check ok"
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
echo "cli.sh: ok"
