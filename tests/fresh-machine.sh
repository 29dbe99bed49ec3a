#!/bin/bash
# tests/fresh-machine.sh — the README and the ops guide on a freshly bootstrapped Debian 12.
#
# `make fresh-machine` (root; mmdebstrap and systemd-container from `make deps`):
#  1. bootstraps a bookworm root with mmdebstrap (variant minbase: Essential, Priority
#     required and apt, plus systemd, git, make, ca-certificates — nothing else) from the apt sources configured on this
#     machine (/etc/apt/sources.list and sources.list.d/*.list|*.sources, deb822 too; no
#     mirror is written here). The pristine root is kept as a tarball in
#     ${PLANWATCH_CACHE:-~/.cache/planwatch}/fresh-machine/, keyed by those sources, so a
#     rerun only unpacks it; downloaded .debs are kept there too (apt's archive cache);
#  2. puts a clean clone of HEAD (committed work only: not this working tree) at
#     /root/planwatch and ../shared at /root/shared;
#  3. in a container (systemd-nspawn, host network for apt), as root with no sudo, runs the
#     README's "Set up" commands literally, one by one, as parsed out of README.md, then its
#     "Example session" likewise, and checks what they print;
#  4. boots the same root with systemd as PID 1 (systemd-nspawn -b, --private-network) and
#     follows docs/OPERATIONS.md from a control unit inside (this script with --ops).
# It stops at the first failing step, naming it, and removes the container, its mounts and
# the unpacked root on every exit, also on Ctrl-C. For work on this script only:
# FRESH_KEEP=1 keeps the root (path printed) and a copy as it was after step 3,
# FRESH_ROOT=DIR boots a fresh copy of that (step 4 only, with the clone moved to HEAD), FRESH_SKIP='make test' skips that README command.
#
# usage: tests/fresh-machine.sh            (the whole check, from the host)
#        tests/fresh-machine.sh --readme   (inside the container: step 3)
#        tests/fresh-machine.sh --ops      (inside the booted container: step 4)
set -Eeuo pipefail
export LC_ALL=C.UTF-8

STEP="start"
step() { STEP="$*"; echo; echo "=== [$(date +%T)] $STEP"; }
# grep -q stops reading at the first match, and under pipefail the writer's SIGPIPE then
# fails the pipeline (a race: it failed "man planwatchd" once); has reads to the end.
has() { grep "$@" >/dev/null; }
die() { echo "fresh-machine: FAIL in step '$STEP': $*" >&2; exit 1; }
on_err() { echo "fresh-machine: FAIL in step '$STEP' (command exited $1: $BASH_COMMAND)" >&2; }
trap 'on_err $?' ERR

# ---------------------------------------------------------------- inside, step 3: README
run_readme() {
	cd /root/planwatch
	export HOME=/root
	. tests/readme_session.sh # readme_block, readme_session_script: as tests/readme.sh runs them
	step "README: no sudo on this machine"
	! command -v sudo >/dev/null || die "sudo is installed: not a fresh root Debian"
	mapfile -t setup < <(readme_block "Set up (Debian 12)")
	mapfile -t session < <(readme_block "Example session")
	[ ${#setup[@]} = 2 ] || die "README's Set up block: want 2 commands, got: ${setup[*]}"
	[ ${#session[@]} -ge 3 ] || die "README's Example session: too few commands: ${session[*]}"
	for cmd in "${setup[@]}"; do
		step "README set up: $cmd"
		if [ "$cmd" = "${FRESH_SKIP:-}" ]; then
			echo "fresh-machine: SKIPPED '$cmd' (FRESH_SKIP): not a complete check"
			continue
		fi
		bash -ec "$cmd" </dev/null
	done
	step "README: make deps installed no service (prometheus, avahi)"
	for unit in prometheus avahi-daemon; do
		[ ! -e /lib/systemd/system/$unit.service ] || die "$unit.service was installed"
	done
	command -v promtool >/dev/null || die "no promtool after make deps"
	step "README example session"
	readme_session_script /tmp/session.sh
	rc=0
	bash /tmp/session.sh >/tmp/session.out 2>&1 || rc=$?
	cat /tmp/session.out
	[ $rc = 0 ] || die "example session failed (exit $rc)"
	grep -q "acknowledged (durable)" /tmp/session.out || die "push not acknowledged"
	grep -Eq '^[0-9]+ change\.quangang\.gdp ' /tmp/session.out ||
		die "watch printed no notice for the push"
	grep -q "gdp 2026Q1: no plan in force for 2026 — load the 15th-plan catalog; see catalog/README.md" \
		/tmp/session.out || die "a 2026 figure was not said to be judged by no plan"
	step "after make stop: a CLI command says at once that no daemon listens"
	t0=$(date +%s)
	if build/planwatch status >/tmp/dead.out 2>&1; then die "status succeeded after make stop"; fi
	cat /tmp/dead.out
	grep -q "no planwatchd listening at ipc://state/ingest.sock" /tmp/dead.out ||
		die "no 'no planwatchd listening' message"
	[ $(($(date +%s) - t0)) -lt 3 ] || die "the CLI waited for its timeout"
	[ ! -e state/ingest.sock ] || die "make stop left state/ingest.sock"
	step "man pages readable (man-db)"
	man -l man/planwatchd.8 2>/dev/null | has "EXIT STATUS" || die "man -l man/planwatchd.8"
	echo "README: ok"
}

# ---------------------------------------------------------------- inside, step 4: ops guide
EP=ipc:///run/planwatch/ingest.sock
CONF=/etc/planwatch/planwatchd.conf
CAT=/usr/local/share/planwatch/catalog

show() { systemctl show -P "$2" "$1"; }
journal_has() { # TEXT: the unit's journal since the last mark has TEXT (waits up to 10 s)
	local i
	for i in $(seq 50); do
		journalctl -q -u planwatchd --no-pager --since "$MARK" -o cat | has -F -- "$1" && return 0
		sleep 0.2
	done
	journalctl -u planwatchd --no-pager --since "$MARK" | tail -20
	return 1
}
mark() { MARK=$(date '+%Y-%m-%d %H:%M:%S'); sleep 1; }
wait_active() {
	local i
	for i in $(seq 150); do
		[ "$(systemctl is-active planwatchd)" = active ] && return 0
		sleep 0.2
	done
	systemctl status planwatchd --no-pager || true
	return 1
}
pw() { planwatch --timeout 5000 "$@"; }

run_ops() {
	cd /root/planwatch
	export HOME=/root
	step "ops: booted with systemd as PID 1"
	[ "$(cat /proc/1/comm)" = systemd ] || die "PID 1 is $(cat /proc/1/comm)"
	step "ops: no service running that nobody asked for"
	systemctl list-units --type=service --state=running --no-legend --plain | tee /tmp/running
	! grep -E "prometheus|avahi|cups|exim|postfix|apache|nginx" /tmp/running ||
		die "unwanted services running"

	step "Install: make (already built by the README step) and make install"
	make
	make install
	step "Install: systemd-sysusers, daemon-reload"
	systemd-sysusers
	id planwatch
	systemctl daemon-reload
	step "Install: man planwatchd (installed man page, man-db)"
	out=$(man -P cat planwatchd 2>&1) || die "man planwatchd exited $?: $(head -c 600 <<<"$out")"
	has "planwatchd" <<<"$out" || die "man planwatchd: $(head -c 600 <<<"$out")"
	step "Install: planwatchd --check as the service user (runuser)"
	runuser -u planwatch -- planwatchd --check --config $CONF
	step "Install: systemctl enable --now planwatchd (READY=1)"
	systemctl enable --now planwatchd
	wait_active || die "planwatchd not active"
	[ "$(show planwatchd Type)" = notify ] || die "not Type=notify"
	st=$(show planwatchd StatusText)
	echo "Status: $st"
	echo "$st" | grep -Eq '^accepted 0, rejected 0, subscriptions [0-9]+, last commit never$' ||
		die "StatusText '$st' differs from the guide"

	step "Install: a member of group planwatch uses the service's sockets"
	useradd -m alice
	usermod -aG planwatch alice
	runuser -u alice -- env PLANWATCH_ENDPOINT=$EP PLANWATCH_PUB=ipc:///run/planwatch/notify.sock \
		planwatch status | has accepted || die "alice: planwatch status"
	(cd / && runuser -u alice -- planwatch status >/dev/null) || die "default endpoint outside a source tree"
	useradd -m bob
	if (cd / && runuser -u bob -- planwatch --timeout 2000 status >/tmp/bob.out 2>&1); then
		die "a user outside group planwatch got an answer"
	fi
	cat /tmp/bob.out
	grep -q "permission denied" /tmp/bob.out || die "no permission hint for bob"

	step "Feed: push through the CLI, watch the notice"
	(trap - ERR; cd / && timeout 20 runuser -u alice -- planwatch watch >/tmp/watch.out 2>&1 || :) &
	sleep 1
	(cd / && pw push quangang-14 gdp 2026Q3 812.5 --yoy 5.8) | tee /tmp/push.out
	grep -q "acknowledged (durable)" /tmp/push.out || die "push not acknowledged"
	sleep 2.5
	st=$(show planwatchd StatusText)
	echo "Status: $st"
	echo "$st" | grep -Eq '^accepted 1, rejected 0, subscriptions [0-9]+, last commit 20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' ||
		die "StatusText '$st' after a push differs from the guide"
	grep -q "gdp" /tmp/watch.out || { cat /tmp/watch.out; die "alice's watch saw no notice"; }

	step "Monitoring: planwatch --json status, systemctl is-failed"
	(cd / && pw --json status) | has '"accepted":1' || die "--json status lacks accepted 1"
	! systemctl is-failed -q planwatchd || die "is-failed says failed"

	step "Monitoring: journal fields DEPT=, PLAN=, INDICATOR= on a rejected update"
	mark
	if (cd / && pw push quangang-14 gdp 2026Q3 812.5 --unit 吨 >/tmp/rej.out 2>&1); then
		die "a wrong unit was accepted"
	fi
	journal_has "rejected message" || die "no 'rejected message' in the journal"
	journalctl -u planwatchd --since "$MARK" -o verbose --no-pager -p warning >/tmp/verbose
	grep -q "DEPT=统计局" /tmp/verbose || die "no DEPT= field"
	grep -q "PLAN=quangang-14" /tmp/verbose || die "no PLAN= field"
	grep -q "INDICATOR=gdp" /tmp/verbose || die "no INDICATOR= field"
	journalctl -u planwatchd -p warning --no-pager DEPT=统计局 | has "rejected" ||
		die "journalctl DEPT=统计局 filter"

	step "Configure: systemctl reload with a good catalog"
	planwatchd --check --config $CONF
	mark
	systemctl reload planwatchd
	journal_has "reloaded: 6 plans" || die "no 'reloaded: 6 plans' line (3 regions, each with its 13th and 14th plan)"
	[ "$(systemctl is-active planwatchd)" = active ] || die "not active after reload"

	step "Configure: systemctl reload with a broken catalog keeps the running one"
	cp $CAT/plans/licheng-14.yaml /root/licheng-14.yaml.good
	printf 'indicators:\n  - id: [broken\n' >>$CAT/plans/licheng-14.yaml
	if planwatchd --check --config $CONF >/dev/null 2>&1; then die "--check passed a broken catalog"; fi
	mark
	systemctl reload planwatchd
	journal_has "reload: keeping the running catalog: catalog: $CAT/plans/licheng-14.yaml:" ||
		die "no FILE:LINE message for the broken catalog"
	[ "$(systemctl is-active planwatchd)" = active ] || die "not active after a broken reload"
	(cd / && pw query quangang-14 gdp | has 812.5) || die "old catalog no longer serves"
	cp /root/licheng-14.yaml.good $CAT/plans/licheng-14.yaml
	systemctl reload planwatchd

	step "Backup a): planwatch backup (root; the daemon writes as planwatch)"
	day=$(date +%F)
	(cd / && planwatch backup /var/lib/planwatch-backup/$day) | tee /tmp/bk.out
	[ -s /var/lib/planwatch-backup/$day/data.mdb ] || die "no backup data.mdb"
	step "Backup: a target in the service's private /tmp is refused"
	if (cd / && pw backup /tmp/bk >/tmp/bktmp.out 2>&1); then die "backup into /tmp 'succeeded'"; fi
	cat /tmp/bktmp.out
	grep -q "private /tmp" /tmp/bktmp.out || die "no PrivateTmp explanation"
	step "Backup b): mdb_copy as the planwatch user"
	d=/var/lib/planwatch-backup/$(date +%F-%H%M)
	runuser -u planwatch -- mkdir $d
	runuser -u planwatch -- mdb_copy -c /var/lib/planwatch $d
	[ -s $d/data.mdb ] || die "mdb_copy made no data.mdb"

	step "Restore from backup a)"
	(cd / && pw push quangang-14 gdp 2026Q4 830 --yoy 6.1 >/dev/null)
	systemctl stop planwatchd
	mkdir /var/lib/planwatch.before-restore
	mv /var/lib/planwatch/data.mdb /var/lib/planwatch/lock.mdb /var/lib/planwatch.before-restore/
	install -o planwatch -g planwatch -m 0640 /var/lib/planwatch-backup/$day/data.mdb \
		/var/lib/planwatch/data.mdb
	systemctl start planwatchd
	(cd / && pw query quangang-14 gdp) | tee /tmp/q.out
	grep -q 812.5 /tmp/q.out || die "restored store lacks the backed-up figure"
	! grep -Eq "2026Q4 +830" /tmp/q.out || die "restored store has a figure from after the backup"

	step "Upgrade: backup, make install, daemon-reload, --check, restart"
	(cd / && planwatch backup /var/lib/planwatch-backup/pre-upgrade-$day >/dev/null)
	make install
	systemctl daemon-reload
	runuser -u planwatch -- planwatchd --check --config $CONF >/dev/null
	systemctl restart planwatchd
	wait_active || die "not active after the upgrade restart"

	step "Monitoring: the watchdog restarts a stalled daemon (kill -STOP, WatchdogSec=3s drop-in)"
	mkdir -p /etc/systemd/system/planwatchd.service.d
	printf '[Service]\nWatchdogSec=3s\n' >/etc/systemd/system/planwatchd.service.d/fm-watchdog.conf
	systemctl daemon-reload
	systemctl restart planwatchd
	wait_active
	pid=$(show planwatchd MainPID)
	n0=$(show planwatchd NRestarts)
	mark
	kill -STOP "$pid"
	for i in $(seq 200); do
		p=$(show planwatchd MainPID)
		[ "$p" != "$pid" ] && [ "$p" != 0 ] && [ "$(systemctl is-active planwatchd)" = active ] && break
		sleep 0.2
	done
	[ "$(show planwatchd MainPID)" != "$pid" ] || die "no restart after the watchdog timeout"
	wait_active
	journal_has "Watchdog timeout" || die "no 'Watchdog timeout' in the journal"
	[ "$(show planwatchd NRestarts)" -gt "$n0" ] || die "NRestarts did not grow"
	rm /etc/systemd/system/planwatchd.service.d/fm-watchdog.conf
	systemctl daemon-reload
	systemctl restart planwatchd
	wait_active

	step "Clean stop: exit 0 (Result=success)"
	systemctl stop planwatchd
	[ "$(show planwatchd Result)" = success ] || die "Result=$(show planwatchd Result)"
	[ "$(show planwatchd ExecMainStatus)" = 0 ] || die "exit $(show planwatchd ExecMainStatus)"
	step "Stopped service: the CLI says so at once"
	t0=$(date +%s)
	if pw -e $EP status >/tmp/dead.out 2>&1; then die "status answered with the service stopped"; fi
	cat /tmp/dead.out
	grep -q "no planwatchd listening at $EP" /tmp/dead.out || die "no 'no planwatchd listening'"
	[ $(($(date +%s) - t0)) -lt 3 ] || die "the CLI waited for its timeout"

	step "Socket activation: planwatchd.socket starts the service on the first connection"
	systemctl enable --now planwatchd.socket
	[ "$(systemctl is-active planwatchd)" != active ] || die "service already active"
	ls -l /run/planwatch/
	stat -c '%U:%G %a' /run/planwatch/ingest.sock | has "planwatch:planwatch 660" ||
		die "socket mode/owner not as planwatchd.socket says"
	(cd / && pw status >/dev/null) || die "status through the socket unit"
	wait_active || die "socket activation did not start planwatchd"
	ino=$(stat -c %i /run/planwatch/ingest.sock)
	systemctl restart planwatchd
	wait_active
	[ "$(stat -c %i /run/planwatch/ingest.sock)" = "$ino" ] || die "socket file replaced on restart"
	(cd / && pw status >/dev/null) || die "status after a restart under the socket unit"
	systemctl disable --now planwatchd.socket
	systemctl stop planwatchd

	step "CURVE: keygen (server key root-only, given as a credential)"
	keygen=$(planwatch keygen --server -o /etc/planwatch/server.key)
	echo "$keygen"
	echo "$keygen" | has "server_secret_file: /run/credentials/planwatchd.service/server.key" ||
		die "keygen --server does not print the guide's credential path"
	echo "$keygen" | has "LoadCredential=server.key:/etc/planwatch/server.key" ||
		die "keygen --server does not print the LoadCredential= line"
	spub=$(echo "$keygen" | sed -n 's/^public key: //p')
	[ "$(stat -c '%U %a' /etc/planwatch/server.key)" = "root 600" ] || die "server.key not root 0600"
	cd /root
	planwatch keygen --dept 统计局 -o 统计局.key >/tmp/k1
	planwatch keygen --dept 财政局 -o 财政局.key >/tmp/k2
	planwatch keygen --dept 统计局 -o stranger.key >/dev/null
	p1=$(sed -n 's/^public key: //p' /tmp/k1)
	p2=$(sed -n 's/^public key: //p' /tmp/k2)
	cat >/etc/planwatch/clients.yaml <<EOF
departments:
  - {dept: "统计局", public: "$p1"}
  - {dept: "财政局", public: "$p2"}
EOF
	step "CURVE: --check catches a key file the service user cannot read"
	cp $CONF /root/planwatchd.conf.ipc
	cat >>$CONF <<EOF
listen: tcp://127.0.0.1:7601
publish: tcp://0.0.0.0:7602
server_secret_file: /etc/planwatch/server.key
clients_file: /etc/planwatch/clients.yaml
metrics_listen: "127.0.0.1:9321"
EOF
	sed -i '/^listen: ipc/d; /^publish: ipc/d' $CONF
	if planwatchd --check --config $CONF >/tmp/chk.out 2>&1; then
		die "root --check passed a server key that user planwatch cannot read"
	fi
	cat /tmp/chk.out
	grep -q "not readable by user planwatch" /tmp/chk.out || die "no readability message"
	# `systemctl edit planwatchd` writes this file; the check writes it directly.
	step "CURVE: drop-in LoadCredential= and the credential path"
	sed -i 's|^server_secret_file: .*|server_secret_file: /run/credentials/planwatchd.service/server.key|' $CONF
	printf '[Service]\nLoadCredential=server.key:/etc/planwatch/server.key\nIPAddressAllow=10.20.0.0/16\n' \
		>/etc/systemd/system/planwatchd.service.d/override.conf
	systemctl daemon-reload
	planwatchd --check --config $CONF
	mark
	systemctl restart planwatchd
	wait_active || die "CURVE config on tcp://127.0.0.1:7601 did not start"
	journal_has "CURVE on: 2 department keys; server public key $spub" || die "no 'CURVE on' line"
	step "CURVE: an authorised department's push is acknowledged"
	planwatch -e tcp://127.0.0.1:7601 -k 统计局.key -s "$spub" push quangang-14 gdp 2026Q4 830 \
		--yoy 6.1 | tee /tmp/c1
	grep -q "acknowledged" /tmp/c1 || die "authorised push not acknowledged"
	step "CURVE: an unknown key is refused"
	mark
	if planwatch -e tcp://127.0.0.1:7601 -k stranger.key -s "$spub" --timeout 3000 \
		push quangang-14 gdp 2026Q4 831 >/tmp/c2 2>&1; then die "unknown key accepted"; fi
	journal_has "refused CURVE client" || die "no 'refused CURVE client' line"
	step "CURVE: another department's key cannot report for 统计局"
	if planwatch -e tcp://127.0.0.1:7601 -k 财政局.key -s "$spub" push quangang-14 gdp 2026Q4 832 \
		--dept 统计局 >/tmp/c3 2>&1; then die "财政局 key reported as 统计局"; fi
	cat /tmp/c3
	grep -q "dept_mismatch\|differs from the authenticated" /tmp/c3 || die "no dept_mismatch"
	step "CURVE: plaintext client gets nothing"
	if planwatch -e tcp://127.0.0.1:7601 --timeout 2000 status >/dev/null 2>&1; then
		die "a plaintext client got an answer"
	fi

	step "Prometheus metrics: scrape /metrics"
	sleep 2.2
	curl -sf http://127.0.0.1:9321/metrics >/tmp/metrics || die "no /metrics"
	grep -q '^planwatch_updates_accepted_total [1-9]' /tmp/metrics || die "accepted counter"
	promtool check metrics </tmp/metrics || die "promtool check metrics"

	step "Security: is IPAddressDeny= enforced here? (the guide's check)"
	systemd-run --wait -q true || die "systemd-run does not work"
	if systemd-run --wait -q -p IPAddressDeny=any curl -sf -o /dev/null --max-time 3 \
		http://127.0.0.1:9321/metrics; then
		echo "IPADDRESS-FILTER inactive (no cgroup-v2 BPF here): IPAddressAllow/Deny do nothing"
	else
		echo "IPADDRESS-FILTER active"
	fi
	step "Security: systemd-analyze security planwatchd.service <= 1.5"
	systemd-analyze security --no-pager planwatchd.service | tee /tmp/sec | tail -1
	score=$(sed -n 's/.*Overall exposure level for planwatchd.service: \([0-9.]*\).*/\1/p' /tmp/sec)
	[ -n "$score" ] || die "no exposure score"
	awk -v s="$score" 'BEGIN { exit !(s <= 1.5) }' || die "exposure $score > 1.5"
	echo "EXPOSURE $score"
	step "Clean stop of the CURVE service"
	systemctl stop planwatchd
	[ "$(show planwatchd Result)" = success ] || die "Result=$(show planwatchd Result)"
	echo "ops guide: ok"
}

case ${1:-} in
--readme) run_readme; exit 0 ;;
--ops)
	trap 'echo $? >/fm/ops.rc' EXIT
	run_ops
	exit 0 ;;
"") ;;
*) echo "usage: $0 [--readme|--ops]" >&2; exit 2 ;;
esac

# ---------------------------------------------------------------- host
# bash reads a script as it runs: run from a private copy, so that editing (or a git
# checkout of) this file during a run cannot change what runs.
if [ -z "${FRESH_SRC:-}" ]; then
	FRESH_SRC=$(cd "$(dirname "$0")/.." && pwd)
	copy=$(mktemp /tmp/fresh-machine.XXXXXX.sh)
	cp "$0" "$copy"
	FRESH_SRC=$FRESH_SRC bash "$copy" "$@" && rc=0 || rc=$?
	rm -f "$copy"
	exit $rc
fi
SRC=$FRESH_SRC
SELF=$0
T_START=$(date +%s)
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap, systemd-nspawn)"
for t in mmdebstrap systemd-nspawn git; do
	command -v $t >/dev/null || die "$t not found: run 'make deps' (mmdebstrap, systemd-container)"
done
git -C "$SRC" diff --quiet HEAD -- || echo "fresh-machine: note: uncommitted changes are not tested (the clone is HEAD)"

CACHE=${PLANWATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/planwatch}/fresh-machine
mkdir -p "$CACHE/apt-archives/partial"
W=$(mktemp -d /var/tmp/planwatch-fresh.XXXXXX)
NSPAWN_PID=
MACHINE=pwfresh-$$
cleanup() {
	local rc=$?
	trap - EXIT INT TERM ERR
	set +e
	if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
		kill -TERM "$NSPAWN_PID" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$NSPAWN_PID" 2>/dev/null || true
	fi
	# nspawn mounts in its own namespace; anything left under $W would be ours: unmount.
	findmnt -rn -o TARGET | grep "^$W" | sort -r | while read -r m; do umount -l "$m" || true; done
	if [ "${FRESH_KEEP:-0}" = 1 ]; then
		echo "fresh-machine: root kept in $W"
	else
		rm -rf --one-file-system "$W"
	fi
	echo "fresh-machine: $( [ $rc = 0 ] && echo ok || echo FAILED) after $(($(date +%s) - T_START)) s"
	exit $rc
}
trap cleanup EXIT
trap 'echo "fresh-machine: interrupted in step $STEP: cleaning up" >&2; exit 130' INT TERM

if [ -n "${FRESH_ROOT:-}" ]; then
	rmdir "$W"
	W=$FRESH_ROOT FRESH_KEEP=1
	R=$W/root
	[ -d "$W/root.readme" ] || die "$W/root.readme missing (made by a FRESH_KEEP=1 run)"
	rm -rf --one-file-system "$R"
	cp -a "$W/root.readme" "$R"
	rm -f "$W/fm/ops.rc" "$W/fm/ops.log"
	cp "$SELF" "$W/fm/fresh-machine.sh"
	git -C "$R/root/planwatch" fetch -q origin
	git -C "$R/root/planwatch" checkout -q --detach "$(git -C "$SRC" rev-parse HEAD)"
	NSPAWN=(systemd-nspawn -q -D "$R" --register=no --keep-unit -M "$MACHINE" --bind="$W/fm:/fm")
else
step "host: apt sources of this machine"
SOURCES=()
if [ -f /etc/apt/sources.list ] && grep -Eq '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list; then
	SOURCES+=(/etc/apt/sources.list)
fi
for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && SOURCES+=("$f")
done
[ ${#SOURCES[@]} -gt 0 ] || die "no apt sources in /etc/apt/sources.list*"
printf '  %s\n' "${SOURCES[@]}"
PKGS=systemd,git,make,ca-certificates
key=$( (echo "bookworm minbase $PKGS"; cat "${SOURCES[@]}") | sha256sum | cut -c1-16)
TARBALL=$CACHE/bookworm-$key.tar

if [ -f "$TARBALL" ]; then
	step "host: pristine root from the cache ($TARBALL)"
else
	step "host: mmdebstrap bookworm (variant minbase + $PKGS) -> $TARBALL"
	mmdebstrap --variant=minbase --include=$PKGS bookworm "$W/new.tar" "${SOURCES[@]}"
	mv "$W/new.tar" "$TARBALL"
fi
step "host: unpack the pristine root"
R=$W/root
mkdir -p "$R" "$W/fm"
tar -C "$R" --numeric-owner -xpf "$TARBALL"
# Keyrings named by Signed-By= in the sources must exist inside as they do here.
grep -hoE '(Signed-By:|signed-by=)[[:space:]]*/[^] ,]+' "${SOURCES[@]}" | sed 's/.*[:=][[:space:]]*//' |
	sort -u | while read -r k; do
		if [ -f "$k" ] && [ ! -e "$R$k" ]; then install -D -m 644 "$k" "$R$k"; fi
	done
echo "pristine root: $(du -sh "$R" | cut -f1), $(ls "$R/var/lib/dpkg/info/"*.list | wc -l) packages"

step "host: clean clone of HEAD ($(git -C "$SRC" rev-parse --short HEAD)) and ../shared"
git clone -q "$SRC" "$R/root/planwatch"
git -C "$R/root/planwatch" checkout -q --detach "$(git -C "$SRC" rev-parse HEAD)"
[ -d "$SRC/../shared" ] || die "no ../shared beside $SRC"
mkdir -p "$R/root/shared"
cp -a "$(readlink -f "$SRC/../shared")/." "$R/root/shared/"  # ../shared may be a symlink: copy what it names
cp "$SELF" "$W/fm/fresh-machine.sh"

NSPAWN=(systemd-nspawn -q -D "$R" --register=no --keep-unit -M "$MACHINE" --bind="$W/fm:/fm")

step "container: the README, literally, as root without sudo"
"${NSPAWN[@]}" --bind="$CACHE/apt-archives:/var/cache/apt/archives" --chdir=/root/planwatch \
	--setenv=FRESH_SKIP="${FRESH_SKIP:-}" /bin/bash /fm/fresh-machine.sh --readme </dev/null &
NSPAWN_PID=$!
wait $NSPAWN_PID || die "the README step failed (output above)"
NSPAWN_PID=
if [ "${FRESH_KEEP:-0}" = 1 ]; then cp -a "$R" "$W/root.readme"; fi # for FRESH_ROOT=
fi # FRESH_ROOT
T_README=$(date +%s)

step "boot: systemd as PID 1, private network, the ops guide from a control unit"
cat >"$R/etc/systemd/system/fresh-ops.service" <<'EOF'
[Unit]
Description=planwatch fresh-machine check: docs/OPERATIONS.md
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/bin/bash /fm/fresh-machine.sh --ops
StandardOutput=append:/fm/ops.log
StandardError=append:/fm/ops.log
TimeoutStartSec=900
ExecStopPost=/bin/systemctl poweroff --no-block
[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/fresh-ops.service "$R/etc/systemd/system/multi-user.target.wants/"
: >"$W/fm/ops.log"
"${NSPAWN[@]}" -b --private-network --console=pipe </dev/null >"$W/boot.log" 2>&1 &
NSPAWN_PID=$!
tail -n +1 -f "$W/fm/ops.log" --pid=$NSPAWN_PID &
TAIL_PID=$!
timeout_at=$(($(date +%s) + 900))
while kill -0 $NSPAWN_PID 2>/dev/null; do
	[ "$(date +%s)" -lt $timeout_at ] || { kill $TAIL_PID; die "booted container ran > 900 s"; }
	sleep 1
done
wait $NSPAWN_PID || true
NSPAWN_PID=
wait $TAIL_PID 2>/dev/null || true
[ -f "$W/fm/ops.rc" ] || { tail -30 "$W/boot.log"; die "the ops unit never finished (boot log above)"; }
[ "$(cat "$W/fm/ops.rc")" = 0 ] || die "the ops guide step failed (output above)"
T_END=$(date +%s)
echo
echo "fresh-machine: README $((T_README - T_START)) s, ops guide $((T_END - T_README)) s," \
	"exposure $(sed -n 's/^EXPOSURE //p' "$W/fm/ops.log")"
