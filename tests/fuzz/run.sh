#!/bin/sh
# tests/fuzz/run.sh SECONDS [TARGET...] — build and run the libFuzzer targets.
#
# Builds fuzz_proto, fuzz_catalog, fuzz_csv, fuzz_unit, fuzz_xlsx and fuzz_store with clang
# (-fsanitize=fuzzer,address,undefined) into build/fuzz/, replays the reproducers in tests/fuzz/regress/<target>/
# (built with -DFUZZ_STRICT=1: no known bug is stepped around), then runs each target for SECONDS on a scratch corpus build/fuzz/corpus/<target>/
# seeded from tests/fuzz/corpus/<target>/ (the repository is never written to).
# Prints execs, execs/s, cov: and ft: per target. Exits non-zero if a build failed, a
# reproducer still fails, or a crash, leak, timeout or OOM was found; the input is left
# in build/fuzz/artifacts/<target>/ (see tests/fuzz/README.md).
#
# Environment: CLANG (default clang), FUZZ_FLAGS (extra libFuzzer flags), FUZZ_CFLAGS.
set -u

usage() { echo "usage: $0 SECONDS [proto|catalog|csv|unit|xlsx|store]..." >&2; exit 2; }
[ $# -ge 1 ] || usage
SECS=$1
shift
case $SECS in ''|*[!0-9]*) usage ;; esac
TARGETS=${*:-proto catalog csv unit xlsx store}

SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$SRC/build/fuzz
CLANG=${CLANG:-clang}
cd "$SRC" || exit 1
mkdir -p "$OUT"

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "fuzz: $CLANG not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 1
fi
MSGPACK=msgpack
pkg-config --exists msgpack-c 2>/dev/null && MSGPACK=msgpack-c
PKG_CFLAGS=$(pkg-config --cflags $MSGPACK yaml-0.1 libzip expat) || exit 1
PKG_LIBS="$(pkg-config --libs $MSGPACK yaml-0.1 libzip expat) -lcsv -lm -llmdb" || exit 1
CFLAGS="-std=c11 -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 -Wall -Wextra -Werror -Wshadow
	-Wstrict-prototypes -Wmissing-prototypes -Iproto -Imodel -g -O1 -fno-omit-frame-pointer
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined ${FUZZ_CFLAGS:-}"
PROTO_SRC="proto/err.c proto/period.c proto/status.c proto/proto.c"

sources() {
	case $1 in
	proto) echo "tests/fuzz/fuzz_proto.c $PROTO_SRC" ;;
	catalog) echo "tests/fuzz/fuzz_catalog.c model/catalog.c model/ydoc.c model/planmath.c model/unit.c model/formula.c $PROTO_SRC" ;;
	csv) echo "tests/fuzz/fuzz_csv.c client/csvin.c client/xlsxin.c $PROTO_SRC" ;;
	unit) echo "tests/fuzz/fuzz_unit.c model/unit.c $PROTO_SRC" ;;
	xlsx) echo "tests/fuzz/fuzz_xlsx.c client/xlsxin.c client/csvin.c $PROTO_SRC" ;;
	store) echo "tests/fuzz/fuzz_store.c store/store.c store/record.c store/migrate.c store/hot.c store/pages.c $PROTO_SRC" ;;
	*) echo "fuzz: unknown target '$1'" >&2; return 1 ;;
	esac
}

# Per-target libFuzzer options: catalog inputs are files, bigger and slower to load.
options() {
	case $1 in
	proto) echo "-max_len=4096" ;;
	catalog) echo "-max_len=8192" ;;
	csv) echo "-max_len=8192" ;;
	unit) echo "-max_len=96" ;;
	xlsx) echo "-max_len=16384" ;;
	store) echo "-max_len=160000" ;;
	esac
}

# Sanitizer runtime options: crash on the first error, check leaks, quiet libFuzzer output.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

fail=0
summary=""
for t in $TARGETS; do
	src=$(sources "$t") || exit 2
	bin=$OUT/fuzz_$t
	log=$OUT/fuzz_$t.log
	echo "== fuzz_$t: build"
	# shellcheck disable=SC2086
	if ! $CLANG $CFLAGS -o "$bin" $src $PKG_CFLAGS $PKG_LIBS; then
		echo "fuzz_$t: BUILD FAILED" >&2
		fail=1
		summary="$summary
fuzz_$t: build failed"
		continue
	fi

	# Known reproducers must pass, with nothing skipped (-DFUZZ_STRICT=1): each runs once.
	reg=tests/fuzz/regress/$t
	if ls "$reg"/* >/dev/null 2>&1; then
		echo "== fuzz_$t: $(ls "$reg" | wc -l) regression input(s)"
		# shellcheck disable=SC2086
		if ! $CLANG $CFLAGS -DFUZZ_STRICT=1 -o "${bin}_strict" $src $PKG_CFLAGS $PKG_LIBS; then
			echo "fuzz_$t: BUILD FAILED (strict)" >&2
			fail=1
		else
			: >"$OUT/fuzz_$t.regress.log"
			for r in "$reg"/*; do
				"${bin}_strict" -runs=1 "$r" >"$OUT/regress.one" 2>&1
				rc=$?
				cat "$OUT/regress.one" >>"$OUT/fuzz_$t.regress.log"
				[ $rc -eq 0 ] && continue
				echo "fuzz_$t: reproducer $r still fails:" >&2
				grep -E "^SUMMARY: [A-Z]|property violated|runtime error" \
					"$OUT/regress.one" | head -n 1 >&2
				fail=1
				summary="$summary
fuzz_$t: REPRODUCER FAILS: $r"
			done
		fi
	fi

	corpus=$OUT/corpus/$t
	art=$OUT/artifacts/$t
	mkdir -p "$corpus" "$art"
	cp -p tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
	dict=""
	[ -f tests/fuzz/$t.dict ] && dict="-dict=tests/fuzz/$t.dict"
	before=$(ls "$art" | wc -l)
	echo "== fuzz_$t: ${SECS}s"
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$SECS" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$art/" $dict $(options "$t") ${FUZZ_FLAGS:-} "$corpus" >"$log" 2>&1
	rc=$?
	after=$(ls "$art" | wc -l)
	last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
	line="fuzz_$t: execs ${execs:-?} (${rate:-?}/s) cov ${cov:-?} ft ${ft:-?} corpus ${corp:-?}"
	if [ $rc -ne 0 ] || [ "$after" -gt "$before" ]; then
		fail=1
		line="$line  FAILED (exit $rc; $log)"
		grep -m 5 -E "ERROR: |property violated|runtime error|Test unit written" "$log" >&2
	fi
	echo "$line"
	summary="$summary
$line"
done
echo "== fuzz summary$summary"
exit $fail
