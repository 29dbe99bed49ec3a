#!/bin/sh
# Starts or stops planwatchd on the bundled default (etc/planwatchd.conf, state in ./state).
# Used by `make run` / `make stop`. No root needed.
set -eu
cmd=$1
bin=${2:-build}
cd "$(dirname "$0")/.."
mkdir -p state
pidfile=state/planwatchd.pid
log=state/planwatchd.log
running() { [ -f $pidfile ] && kill -0 "$(cat $pidfile)" 2>/dev/null; }
case $cmd in
start)
	if running; then
		echo "planwatchd already running (pid $(cat $pidfile)); 'make stop' to stop it"
		exit 0
	fi
	"$bin/planwatchd" --check --config etc/planwatchd.conf
	nohup "$bin/planwatchd" --config etc/planwatchd.conf >>$log 2>&1 &
	echo $! > $pidfile
	i=0
	until "$bin/planwatch" --timeout 500 status >/dev/null 2>&1; do
		i=$((i + 1))
		sleep 0.25 # a socket not there yet fails at once
		if [ $i -gt 120 ] || ! running; then
			echo "planwatchd did not start; see $log" >&2
			tail -n 20 $log >&2
			exit 1
		fi
	done
	echo "planwatchd running (pid $(cat $pidfile)), logs in $log"
	if [ ! -f state/.history-loaded ]; then
		# Region-keyed (catalog/SCHEMA.md "History by region"): the 13th plans' results and
		# the 14th plan's figures of the same series, judged by the plan whose window holds them.
		echo "loading historical figures from data/history/by-region/ ..."
		ok=1
		for f in data/history/by-region/*.csv; do
			[ -e "$f" ] || continue
			"$bin/planwatch" import --backfill "$f" || ok=0
		done
		[ $ok = 1 ] && touch state/.history-loaded
	fi
	cat <<MSG

Try it (in this directory):
  $bin/planwatch watch --region quangang &                # 泉港区's notices as they come
  $bin/planwatch push quangang gdp 2025Q4 1002 --yoy 5.8  # judged by quangang-14 (2021-2025)
  $bin/planwatch query quangang gdp
  $bin/planwatch alerts
No plan in force for 2026 in the bundled catalog (13th and 14th plans only): a 2026 figure
is stored and judged by none — load the 15th-plan catalog; see catalog/README.md.
  make stop
MSG
	;;
stop)
	if running; then
		kill "$(cat $pidfile)"
		while running; do sleep 0.1; done
		echo "planwatchd stopped"
	else
		echo "planwatchd is not running"
	fi
	# No daemon: its socket files (left by a kill -9) would only make clients wait.
	rm -f $pidfile state/ingest.sock state/notify.sock
	;;
*)
	echo "usage: $0 start|stop [BUILD_DIR]" >&2
	exit 2
	;;
esac
