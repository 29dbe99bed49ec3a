#!/bin/sh
# bench/with-influxdb.sh — runs a command with a private InfluxDB 1.x on loopback.
#
#   bench/with-influxdb.sh build/bench --daemon build/planwatchd --only peer
#
# Installs Debian's `influxdb` package if influxd is missing (and, if the package started
# its system service, stops and disables it again), writes a config into a temporary
# directory (data, meta, WAL there; HTTP and RPC bound to 127.0.0.1 on free ports; WAL
# fsync'd on every write: wal-fsync-delay 0s, so an HTTP 204 means durable), starts
# influxd, runs the command with `--influx PORT --influx-dir DIR` appended, then stops
# influxd and removes the directory, also when the command fails or is interrupted.
# Without influxd (no package reachable) the command runs without the peer.
set -eu

if [ $# -eq 0 ]; then
	echo "usage: $0 COMMAND [ARGS...]" >&2
	exit 2
fi

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

if ! command -v influxd >/dev/null 2>&1; then
	echo "with-influxdb: installing Debian's influxdb package (the peer)" >&2
	was_active=$(systemctl is-active influxdb 2>/dev/null || true)
	if $SUDO apt-get install -y -q influxdb >/dev/null 2>&1 ||
	   { $SUDO apt-get update -qq >/dev/null 2>&1 &&
	     DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q influxdb >/dev/null 2>&1; }; then
		# Our own instance only: the package's service must not keep running.
		if [ "$was_active" != active ] &&
		   [ "$(systemctl is-active influxdb 2>/dev/null || true)" = active ]; then
			$SUDO systemctl stop influxdb || true
			$SUDO systemctl disable influxdb >/dev/null 2>&1 || true
		fi
	fi
fi
if ! command -v influxd >/dev/null 2>&1; then
	echo "with-influxdb: influxd not available; running without the peer" >&2
	exec "$@"
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/pwinflux.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Two free loopback ports (bound once by the kernel's choice, then released).
ports=$(/usr/bin/python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')
http_port=${ports% *}
rpc_port=${ports#* }

cat >"$dir/influxdb.conf" <<EOF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc_port"
[meta]
  dir = "$dir/meta"
  logging-enabled = false
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  wal-fsync-delay = "0s"
  index-version = "inmem"
  query-log-enabled = false
  trace-logging-enabled = false
[retention]
  enabled = false
[shard-precreation]
  enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:$http_port"
  auth-enabled = false
  log-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
EOF

influxd -config "$dir/influxdb.conf" >"$dir/influxd.log" 2>&1 &
pid=$!
i=0
until curl -sf -o /dev/null "http://127.0.0.1:$http_port/ping"; do
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "with-influxdb: influxd did not start:" >&2
		tail -20 "$dir/influxd.log" >&2
		exit 1
	fi
	sleep 0.1
done
echo "with-influxdb: influxd $(influxd version 2>/dev/null | cut -d' ' -f2) on 127.0.0.1:$http_port, data in $dir" >&2
"$@" --influx "$http_port" --influx-dir "$dir"
