#!/bin/sh
# tests/check_lib.sh LIB.a — the installed client library exports pw_* and nothing else:
# every other global (proto_*, period_*, status_*, ...) would collide with an application's
# own names. Exits 1, listing the offenders, when a defined global symbol lacks the prefix.
set -u
[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: $0 LIB.a" >&2; exit 2; }
# nm -g --defined-only: "ADDR TYPE NAME" per defined global; archive member headers and
# blank lines have fewer fields.
syms=$(nm -g --defined-only "$1") || { echo "check_lib: nm failed on $1" >&2; exit 1; }
bad=$(printf '%s\n' "$syms" | awk 'NF == 3 && $3 !~ /^pw_/ { print $3 }')
n=$(printf '%s\n' "$syms" | awk 'NF == 3 && $3 ~ /^pw_/' | wc -l)
if [ -n "$bad" ]; then
	echo "check_lib: $1 exports symbols without the pw_ prefix:" >&2
	printf '  %s\n' $bad >&2
	exit 1
fi
[ "$n" -gt 0 ] || { echo "check_lib: $1 exports no pw_ symbol at all" >&2; exit 1; }
echo "check_lib: $1 exports $n symbols, all pw_*"
