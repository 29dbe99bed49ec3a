#!/bin/sh
# tests/check-build.sh — the Makefile rebuilds objects whose compile or link flags changed.
# Builds one object in a scratch tree (build/check-build) three times: with the default
# flags, again unchanged (must not recompile), and with other MODE_CFLAGS (must recompile).
# Without the libraries (pkg-config finds nothing) the build must stop with the 'run make deps'
# hint. That `make deps run` works in one invocation is checked for real by
# tests/fresh-machine.sh.
set -eu
cd "$(dirname "$0")/.."
O=build/check-build
obj=$O/proto/err.o
fail() { echo "check-build: FAIL: $*" >&2; exit 1; }
rm -rf $O
make -s O=$O $obj >/dev/null
[ -f $obj ] || fail "first build made no $obj"
t1=$(stat -c %Y $obj)
sleep 1.1
make -s O=$O $obj >/dev/null
[ "$(stat -c %Y $obj)" = "$t1" ] || fail "unchanged flags recompiled $obj"
out=$(make O=$O MODE_CFLAGS='-g -O1' $obj 2>&1)
echo "$out" | grep -q 'flags changed: rebuilding' || fail "no rebuild message: $out"
[ "$(stat -c %Y $obj)" != "$t1" ] || fail "changed MODE_CFLAGS did not recompile $obj"
grep -q -- '-O1' $O/flags || fail "$O/flags does not hold the new flags"
if out=$(PKG_CONFIG_LIBDIR=/nonexistent make O=$O $obj 2>&1); then
	fail "build went on without the libraries"
fi
echo "$out" | grep -q "run 'make deps'" || fail "no 'make deps' hint: $out"
rm -rf $O
echo "check-build: ok (changed flags rebuild, unchanged do not; missing libraries named)"
