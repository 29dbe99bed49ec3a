# tests/daemon_test.sh — sourced by the shell tests that drive a real planwatchd and a
# headless Chromium (test_report.sh, test_evaluate.sh). The caller sets NAME (for messages)
# and B (the build directory) first. Defines SRC, PY, T (a temporary directory, removed on
# exit unless KEEP=1), fail, pw, start_daemon CONF-BODY and find_chromium.
SRC=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
T=$(mktemp -d "/tmp/pw$NAME.XXXXXX")
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true
	if [ -n "${KEEP:-}" ]; then echo "test_$NAME.sh: kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
fail() {
	echo "test_$NAME.sh: FAIL: $*" >&2
	[ -f "$T/daemon.log" ] && tail -n 20 "$T/daemon.log" >&2
	exit 1
}
[ -x "$B/planwatchd" ] && [ -x "$B/planwatch" ] ||
	fail "$B lacks planwatchd or planwatch: run make first"
export ASAN_OPTIONS=detect_leaks=1
export PLANWATCH_ENDPOINT=ipc://$T/in.sock PLANWATCH_PUB=ipc://$T/pub.sock
pw() { "$B/planwatch" "$@"; }

# start_daemon "catalog: [...]" [more config lines]: the daemon on $T's sockets, with a
# settable clock, waited for.
start_daemon() {
	printf 'state_dir: %s/state\nlisten: ipc://%s/in.sock\npublish: ipc://%s/pub.sock\n%s\n' \
		"$T" "$T" "$T" "allow_clock_set: true" >"$T/conf"
	for line in "$@"; do printf '%s\n' "$line" >>"$T/conf"; done
	"$B/planwatchd" --config "$T/conf" 2>"$T/daemon.log" &
	PID=$!
	i=0
	until pw --timeout 300 status >/dev/null 2>&1; do
		i=$((i+1)); [ $i -lt 100 ] || fail "daemon did not start"
		sleep 0.3 # a missing socket fails at once, not after the timeout
	done
}

# CHROMIUM: the browser to use, "" when none is installed.
find_chromium() {
	CHROMIUM=${CHROMIUM:-}
	for c in chromium chromium-browser google-chrome; do
		[ -n "$CHROMIUM" ] && break
		command -v $c >/dev/null 2>&1 && CHROMIUM=$c
	done
}
