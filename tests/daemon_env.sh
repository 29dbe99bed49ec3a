# tests/daemon_env.sh — sourced by the shell tests that run the real daemon on a temporary
# directory (tests/test_report.sh, tests/test_dispatch.sh). Before sourcing, set NAME (the
# test's name in messages) and TMPL (the mktemp template); $1 of the test is the build
# directory. Defines B, SRC, PY, T, the cleanup trap (KEEP=1 keeps $T), fail, pw, and
# start_daemon [CONF_LINES...]: writes $T/conf (state, ipc endpoints, allow_clock_set, then
# each argument as a line) and waits until the daemon answers.
set -eu
B=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
T=$(mktemp -d "$TMPL")
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true
	if [ -n "${KEEP:-}" ]; then echo "$NAME: kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
fail() {
	echo "$NAME: FAIL: $*" >&2
	[ -f "$T/daemon.log" ] && tail -n 20 "$T/daemon.log" >&2
	exit 1
}
export ASAN_OPTIONS=detect_leaks=1
export PLANWATCH_ENDPOINT=ipc://$T/in.sock PLANWATCH_PUB=ipc://$T/pub.sock
pw() { "$B/planwatch" "$@"; }
start_daemon() {
	{
		echo "state_dir: $T/state"
		echo "listen: ipc://$T/in.sock"
		echo "publish: ipc://$T/pub.sock"
		echo "allow_clock_set: true"
		for l in "$@"; do echo "$l"; done
	} >"$T/conf"
	"$B/planwatchd" --config "$T/conf" 2>"$T/daemon.log" &
	PID=$!
	i=0
	until pw --timeout 300 status >/dev/null 2>&1; do
		i=$((i+1)); [ $i -lt 100 ] || fail "daemon did not start"
	done
}
