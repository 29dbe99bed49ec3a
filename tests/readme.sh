#!/bin/bash
# tests/readme.sh BUILD_DIR — the README's example session, as it is written, against the real
# daemon on the bundled configuration (etc/planwatchd.conf's catalog: 13th and 14th plans of
# the three regions) with the history `make run` imports, its clock at 2026-12-01: what the
# session's comments promise is checked in what it prints. A region's figures by region
# (push/query quangang …), the v1 plan form beside it, a 2025 figure judged by the 14th plan,
# a 2026 one said plainly to be judged by none, watch --region (alias or code) printing that
# region's notices only. tests/fresh-machine.sh runs the same session (tests/readme_session.sh) on a
# fresh Debian root, without the clock.
set -euo pipefail
B=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/pwreadme.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "readme.sh: FAIL: $*" >&2; [ -f "$T/session.out" ] && cat "$T/session.out" >&2
	[ -f "$T/daemon.log" ] && tail -n 20 "$T/daemon.log" >&2; exit 1; }
cd "$SRC"
. tests/readme_session.sh

# The bundled configuration, its state and sockets moved into $T, the clock settable.
sed -e "s#^state_dir:.*#state_dir: $T/state#" -e "s#^listen:.*#listen: ipc://$T/in.sock#" \
	-e "s#^publish:.*#publish: ipc://$T/pub.sock#" -e "s#\.\./catalog/#$SRC/catalog/#" \
	etc/planwatchd.conf >"$T/planwatchd.conf"
echo "allow_clock_set: true" >>"$T/planwatchd.conf"
grep -q "^  - $SRC/catalog/plans/quangang-14.yaml$" "$T/planwatchd.conf" ||
	fail "the bundled config's catalog list was not rewritten: $(cat "$T/planwatchd.conf")"
export PLANWATCH_ENDPOINT=ipc://$T/in.sock PLANWATCH_PUB=ipc://$T/pub.sock
"$B/planwatchd" --config "$T/planwatchd.conf" 2>"$T/daemon.log" &
PID=$!
i=0; until "$B/planwatch" --timeout 300 status >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "daemon did not start"; sleep 0.3; done
"$B/planwatch" debug clock 2026-12-01T08:00:00Z >/dev/null
for f in data/history/by-region/*.csv; do # what tests/run-local.sh (make run) loads
	"$B/planwatch" import --backfill "$f" >/dev/null
done

# watch --region from the log: the history holds the three regions' figures; one region's
# notices, by alias or by code, are exactly the notices whose topic names it (or, in topics
# of the old scheme, a plan of it: licheng-14).
"$B/planwatch" watch --since 0 --wait 1500 >"$T/all.out"
"$B/planwatch" watch --region licheng --since 0 --wait 1500 >"$T/licheng.out"
"$B/planwatch" watch --region 350502 --since 0 --wait 1500 >"$T/350502.out"
n_all=$(wc -l <"$T/all.out") n_li=$(grep -cE '^[0-9]+ [a-z_]+\.licheng(-[0-9]+)?\.' "$T/all.out")
[ "$n_li" -gt 0 ] && [ "$n_li" -lt "$n_all" ] || fail "history: $n_li licheng notices of $n_all"
grep -E '^[0-9]+ [a-z_]+\.licheng(-[0-9]+)?\.' "$T/all.out" | cmp -s - "$T/licheng.out" ||
	fail "watch --region licheng: $(wc -l <"$T/licheng.out") lines, not the $n_li of licheng"
cmp -s "$T/licheng.out" "$T/350502.out" || fail "watch --region 350502 differs from --region licheng"

# history and catalog show by region (code or alias) answer what the v1 plan forms do; an
# unknown region is refused by name.
"$B/planwatch" history 350505 gdp 2020 >"$T/h1"
"$B/planwatch" history quangang-13 gdp 2020 >"$T/h2"
grep -qE '^2020 +734.44 +final' "$T/h1" && cmp -s "$T/h1" "$T/h2" || fail "history by region: $(cat "$T/h1")"
"$B/planwatch" catalog show licheng >"$T/c1"
grep -q '^licheng-13 ' "$T/c1" && grep -q '^licheng-14 ' "$T/c1" &&
	! grep -qvE '^(licheng-1[34] |plan )' "$T/c1" || fail "catalog show licheng: $(head -3 "$T/c1")"
# A series no plan targets (泉港 fdi_rmb: 002:29's 实际利用外资 7.38 亿元, in RMB where the plans'
# fdi_cumulative is in 亿美元): in the history as printed, listed by region without a plan,
# pushed (its department and unit from the catalog) and said to be judged by none.
"$B/planwatch" history quangang fdi_rmb 2021 >"$T/h3"
grep -qE '^2021 +7.38 +estimate' "$T/h3" || fail "fdi_rmb 2021 not in the history: $(cat "$T/h3")"
"$B/planwatch" catalog show quangang >"$T/c2"
grep -qE '^- +fdi_rmb +亿元 +- +- ' "$T/c2" || fail "catalog show quangang lacks fdi_rmb: $(grep fdi "$T/c2")"
"$B/planwatch" catalog show quangang-14 | grep fdi_rmb >/dev/null && fail "fdi_rmb listed as a target of quangang-14"
"$B/planwatch" push quangang fdi_rmb 2022 8.1 --status estimate >"$T/p1"
grep -q "^  fdi_rmb 2022: no plan has a target on it: stored and announced, judged by none$" "$T/p1" ||
	fail "push fdi_rmb: $(cat "$T/p1")"
if "$B/planwatch" query atlantis gdp 2>"$T/err"; then fail "query of an unknown region succeeded"; fi
grep -q "unknown_region" "$T/err" || fail "unknown region: $(cat "$T/err")"

# plans: by the daemon's clock (2026-12-01), the 14th plans' windows have ended while their
# files still say active (终期评估 due, then status: closed), the 13th are closed, and no
# region has a plan in force for 2026; at a clock in 2023 the 14th are in force.
"$B/planwatch" plans >"$T/plans"
[ "$(grep -cE '^[a-z]+-14 +[a-z]+ +2021-2025 active +已到期未收官 ended, not closed +[0-9]+ +[0-9]+  .+第十四个五年规划' "$T/plans")" = 3 ] ||
	fail "plans: the 14th plans are not 'ended, not closed': $(cat "$T/plans")"
[ "$(grep -cE '^[a-z]+-13 +[a-z]+ +2016-2020 closed +已收官 closed +[0-9]+ +-  ' "$T/plans")" = 3 ] ||
	fail "plans: the 13th plans are not closed: $(cat "$T/plans")"
grep -q '^quangang-14: 规划期 2021-2025 已结束 the window ended: 终期评估 `planwatch evaluate --plan quangang-14 --year 2025`' "$T/plans" ||
	fail "plans: no 终期评估 hint for quangang-14"
[ "$(grep -c '^[a-z]*: 2026 年无实施中的规划 no plan in force for 2026' "$T/plans")" = 3 ] ||
	fail "plans: not every region is said to have no plan in force for 2026"
# The targets counted are catalog show's, plan by plan.
n14=$("$B/planwatch" catalog show quangang-14 | grep -c '^quangang-14 ')
grep -qE "^quangang-14 .* $n14 +[0-9]+  " "$T/plans" || fail "plans: quangang-14 has not $n14 targets"
"$B/planwatch" --json plans quangang | grep -q '"plan":"quangang-14","region":"quangang",.*"status":"active","window":\[2021,2025\],"phase":"已到期未收官 ended, not closed"' ||
	fail "plans --json: $("$B/planwatch" --json plans quangang)"
"$B/planwatch" debug clock 2023-06-01T00:00:00Z >/dev/null
"$B/planwatch" plans quangang >"$T/plans23"
grep -qE '^quangang-14 +quangang +2021-2025 active +实施中 in force ' "$T/plans23" &&
	! grep -q "no plan in force\|window ended" "$T/plans23" || fail "plans in 2023: $(cat "$T/plans23")"
"$B/planwatch" debug clock 2026-12-01T08:00:00Z >/dev/null
if "$B/planwatch" plans nowhere >"$T/plans-bad" 2>&1; then fail "plans of an unknown region succeeded"; fi
grep -q "unknown_region" "$T/plans-bad" || fail "plans nowhere: $(cat "$T/plans-bad")"
# The session, in a directory whose build/ is this build; `make stop` stops this daemon.
mkdir "$T/work"
ln -s "$B" "$T/work/build"
cat >"$T/prelude" <<EOF
make() { [ "\$*" = stop ] || exit 97; kill $PID; while kill -0 $PID 2>/dev/null; do sleep 0.1; done; }
EOF
readme_session_script "$T/session.sh" "$T/prelude"
grep -q "planwatch push quangang gdp 2026Q1" "$T/session.sh" || fail "no session parsed: $(cat "$T/session.sh")"
(cd "$T/work" && bash "$T/session.sh" >"$T/session.out" 2>&1) || fail "the example session failed"
PID=

out=$T/session.out
has() { grep -qE -- "$1" "$out" || fail "$2"; }
has "acknowledged \(durable\)" "no push was acknowledged"
has "^  gdp 2025Q4: judged by quangang-14$" "2025Q4 not judged by the 14th plan"
has "^  gdp 2026Q1: no plan in force for 2026 — load the 15th-plan catalog; see catalog/README.md$" \
	"the 2026 push does not say plainly that no plan judges it"
# query quangang gdp and query quangang-13 gdp: one series, with the 13th plan's final 2020
# figure (history), the 2025 figure and the 2026 one.
[ "$(grep -cE '^2020 +734.44 +final' "$out")" = 2 ] || fail "2020 734.44 not in both queries"
[ "$(grep -cE '^2025Q4 +1002 +flash' "$out")" = 2 ] || fail "2025Q4 not in both queries"
[ "$(grep -cE '^2026Q1 +240 +flash' "$out")" = 2 ] || fail "2026Q1 not in both queries"
# each period with the verdicts of the plans that judge it: 2025Q4 the 14th plan's, 2026Q1 none
[ "$(grep -cE '^2025Q4 +1002 +flash .*  quangang-14 (on_track|at_risk|off_track)$' "$out")" = 2 ] &&
	[ "$(grep -cE '^2026Q1 +240 +flash .*  -$' "$out")" = 2 ] ||
	fail "query without the verdicts of each period: $(grep -E '^2025Q4|^2026Q1' "$out")"
# alerts: no overdue figure announced at a first start, the older gaps counted; the current
# year (the clock's) has no plan in force.
grep -qE '^[0-9]+ older gaps \(due before [0-9-]{10}\) were never announced' "$out" ||
	fail "alerts does not count the older gaps never announced"
[ "$(grep -c '^no plan in force for 2026 — load the 15th-plan catalog; see catalog/README.md$' "$out")" = 1 ] ||
	fail "alerts does not say that no plan is in force for 2026"
# watch --region quangang: this region's notices and no other's: the two changes, by region.
[ "$(grep -cE '^[0-9]+ change\.quangang\.gdp ' "$out")" = 2 ] || fail "watch printed no change.quangang.gdp for the two pushes"
# (the region's alias second in the topic, or in topics of the old scheme a plan of it)
grep -E '^[0-9]+ [a-z_]+\.' "$out" | grep -vE '^[0-9]+ [a-z_]+\.quangang(-[0-9]+)?\.' &&
	fail "watch --region quangang printed another region's notice"
grep -qE '^[0-9]+ change\.quangang\.gdp .*"region":"350505".*"judged_by":\["quangang-14"\]' "$out" ||
	fail "the 2025Q4 change notice lacks region and judged_by"
grep -qE '^[0-9]+ change\.quangang\.gdp .*"judged_by":\[\]' "$out" ||
	fail "the 2026Q1 change notice is not judged_by []"
# plans, as the session ran it: the 14th plans' windows ended, 终期评估 due; no plan for 2026.
[ "$(grep -cE '^[a-z]+-14 +[a-z]+ +2021-2025 active +已到期未收官 ended, not closed ' "$out")" = 3 ] ||
	fail "the session's plans does not show the 14th plans ended, not closed"
[ "$(grep -c '^[a-z]*: 2026 年无实施中的规划 no plan in force for 2026' "$out")" = 3 ] ||
	fail "the session's plans does not name the regions without a plan for 2026"
echo "readme.sh: ok"
