# tests/readme_session.sh — sourced (bash): the README's command blocks, as a user types them.
# Used by tests/readme.sh (make test) and tests/fresh-machine.sh (a fresh Debian root), so
# both run the README exactly as it is written. Run from the source tree's top.

# $1 = section heading: the commands of its first ```sh block, comments cut.
readme_block() {
	awk -v h="$1" '
		$0 == "## " h { sec = 1; next }
		sec && /^## / { exit }
		sec && /^```sh/ { blk = 1; next }
		blk && /^```/ { exit }
		blk { sub(/[ \t]+#.*$/, ""); sub(/^#.*$/, ""); if ($0 ~ /[^ \t]/) print }
	' README.md
}

# Writes the Example session as one shell script to $1 (after the lines of $2, a prelude,
# if given). One shell for all lines, as a user types them: a background job (`watch &`)
# gets the second a user takes to type the next line (a SUB socket needs a moment to
# subscribe), and is ended at the end.
readme_session_script() {
	local cmd
	{
		echo 'set -ex'
		[ -z "${2:-}" ] || cat "$2"
		readme_block "Example session" | while IFS= read -r cmd; do
			printf '%s\n' "$cmd"
			case $cmd in *'&') echo 'sleep 2' ;; esac
		done
		echo 'sleep 0.5; kill $(jobs -p)'
	} >"$1"
}
