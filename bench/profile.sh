#!/bin/sh
# bench/profile.sh — where planwatchd's time goes under the bench load.
#
#   bench/profile.sh [SECTION [BENCH ARGS...]]     SECTION: ingest (default) or latency
#   bench/profile.sh callgrind [BENCH ARGS...]      instruction counts of the ingest load
#                                                   (40,000 updates), repeatable under load
#   bench/profile.sh callgrind --updates 200000 --daemon-config 'group_max: 5'
#                                                   the same with groups as small as 8 x 1 in
#                                                   flight forms and series of full length
#                                                   (240 periods): what costs per group or per
#                                                   stored period shows (issue 21's regression)
#
# Builds planwatchd with frame pointers in build/prof/, runs `bench --only SECTION` with the
# daemon started under `perf record -e cpu-clock -g` (software clock sampling: this VM has
# no hardware counters), and writes the flat and the inclusive profile of the last daemon
# the section started (ingest: the 8-feeder run; latency: the one-in-flight run) to
# bench/results/profile-SECTION-TIME.txt. Without a working perf it falls back to
# `valgrind --tool=callgrind` (instruction counts) under a fixed, smaller load.
# LMDB's own functions show as addresses unless a liblmdb with symbols is installed.
set -eu
section=${1:-ingest}
[ $# -gt 0 ] && shift
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
make -s O=build/prof MODE_CFLAGS='-g -O2 -fno-omit-frame-pointer' build/prof/planwatchd build/prof/bench
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pwprof.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
out=bench/results/profile-$section-$(date +%s).txt
mkdir -p bench/results

force_cg=false
if [ "$section" = callgrind ]; then
	force_cg=true
	section=ingest
	out=bench/results/callgrind-ingest-$(date +%s).txt
fi
if ! $force_cg && perf record -q -e cpu-clock -o "$tmp/probe.data" true >/dev/null 2>&1; then
	cat >"$tmp/daemon" <<EOF
#!/bin/sh
exec perf record -q -F 2000 -e cpu-clock -g -o "$tmp/perf-\$\$.data" -- "$top/build/prof/planwatchd" "\$@"
EOF
	chmod +x "$tmp/daemon"
	build/prof/bench --daemon "$tmp/daemon" --only "$section" --out "$tmp/bench.json" "$@"
	data=$(ls -t "$tmp"/perf-*.data | head -1)
	{
		echo "# perf cpu-clock profile of planwatchd, bench --only $section $*"
		echo "## self"
		perf report -i "$data" --no-children --sort symbol -g none --percent-limit 0.5 2>/dev/null |
			grep -v '^#' | grep -v '^$'
		echo "## inclusive (children)"
		perf report -i "$data" --children --sort symbol -g none --percent-limit 1 2>/dev/null |
			grep -v '^#' | grep -v '^$'
	} >"$out"
else
	echo "profile: perf unusable here; using callgrind (slow, smaller load)" >&2
	cat >"$tmp/daemon" <<EOF
#!/bin/sh
exec valgrind -q --tool=callgrind --callgrind-out-file="$tmp/cg-\$\$.out" "$top/build/prof/planwatchd" "\$@"
EOF
	chmod +x "$tmp/daemon"
	build/prof/bench --daemon "$tmp/daemon" --only "$section" --updates 40000 --out "$tmp/bench.json" "$@"
	data=$(ls -t "$tmp"/cg-*.out | head -1) # the last daemon: the 8-feeder run
	{
		echo "# callgrind (instructions) of planwatchd, 8-feeder run of bench --only $section --updates 40000 $*"
		echo "## inclusive"
		callgrind_annotate --inclusive=yes "$data" | sed -n '/^Ir/,$p' | grep -v '=>\|No information' | head -80
		echo "## self"
		callgrind_annotate "$data" | sed -n '/^Ir/,$p' | head -40
	} >"$out"
fi
head -60 "$out"
echo "profile: $out"
