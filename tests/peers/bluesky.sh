#!/usr/bin/env bash
# bluesky.sh - a real Bluesky PDS on loopback for the Bluesky connector's tests.
#
#   tests/peers/bluesky.sh install   npm ci of the pinned PDS (once; ~2.5 min cold)
#   tests/peers/bluesky.sh start     PLC + PDS on 127.0.0.1, waits until healthy,
#                                    prints the PDS URL on stdout
#   tests/peers/bluesky.sh status    running or not (exit 0 / 1), URL when running
#   tests/peers/bluesky.sh stop      stops what start started, by PID
#
# Usage from a test run:
#   tests/peers/bluesky.sh install && TRIBU_TEST_PDS=$(tests/peers/bluesky.sh start)
#
# It runs @atproto/pds 0.4.217 through @atproto/dev-env 0.3.215 (the last
# releases for Node 20), pinned by bluesky/package-lock.json, without AppView:
# a did:plc directory in memory and the PDS, both bound to 127.0.0.1 only.
# State is throwaway: every start begins with no accounts.
#
# Environment:
#   TRIBU_PEER_HOME  node_modules, logs and data (default ~/.cache/tribu-peers/bluesky);
#                    install is skipped when it already holds the same lock file
#                    installed with the same node version
#   TRIBU_PLC_PORT   did:plc directory port (default 2582)
#   TRIBU_PDS_PORT   PDS port (default 2583)
#   TRIBU_PEER_START_TIMEOUT  seconds to wait for the PDS (default 180)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/bluesky
PEER_HOME=${TRIBU_PEER_HOME:-${HOME:-/root}/.cache/tribu-peers/bluesky}
ENV_DIR=$PEER_HOME/env            # package.json, lock file, node_modules
STATE=$PEER_HOME/state            # pid, log, ready file, PDS data
PLC_PORT=${TRIBU_PLC_PORT:-2582}
PDS_PORT=${TRIBU_PDS_PORT:-2583}
START_TIMEOUT=${TRIBU_PEER_START_TIMEOUT:-180}

log() { printf '[bluesky-peer] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
alive() { [ -f "$STATE/node.pid" ] && kill -0 "$(cat "$STATE/node.pid")" 2>/dev/null; }
pds_url() { sed -n 's/^ *"pds": *"\([^"]*\)".*/\1/p' "$STATE/ready.json"; }

# Debian packages the install needs (node, npm, and a toolchain: better-sqlite3
# is compiled from source because its prebuilt binary cannot be downloaded).
need_packages() {
	local missing="" pair
	for pair in node:nodejs npm:npm g++:g++ make:make python3:python3 curl:curl flock:util-linux; do
		command -v "${pair%%:*}" >/dev/null || missing="$missing ${pair#*:}"
	done
	# node-gyp needs node's headers (Debian's nodejs has them in libnode-dev).
	[ -f /usr/include/node/node.h ] || missing="$missing libnode-dev"
	[ -z "$missing" ] && return 0
	log "installing Debian packages:$missing"
	local sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	$sudo apt-get install -y -qq --no-install-recommends $missing
}

# What an install depends on: the pinned tree and the node ABI of the addon.
install_hash() {
	{ cat "$HERE/package.json" "$HERE/package-lock.json"; node -v; } | sha256sum | cut -d' ' -f1
}

cmd_install() {
	need_packages
	mkdir -p "$PEER_HOME"
	# One install at a time (two test runs starting together).
	exec 9>"$PEER_HOME/install.lock"
	flock 9
	local want
	want=$(install_hash)
	if [ -d "$ENV_DIR/node_modules" ] && [ "$(cat "$ENV_DIR/.installed" 2>/dev/null)" = "$want" ]; then
		log "already installed in $ENV_DIR"
		return 0
	fi
	local t0=$SECONDS
	log "installing into $ENV_DIR (node $(node -v), npm $(npm -v)); takes a few minutes"
	rm -f "$ENV_DIR/.installed"
	mkdir -p "$ENV_DIR"
	cp "$HERE/package.json" "$HERE/package-lock.json" "$ENV_DIR/"
	# node-gyp must use the installed node headers, never download them.
	export npm_config_nodedir=${npm_config_nodedir:-/usr}
	(cd "$ENV_DIR" && npm ci --no-audit --no-fund --loglevel=error) >&2
	(cd "$ENV_DIR" && node -e "new (require('better-sqlite3'))(':memory:')") ||
		die "better-sqlite3 does not load (needs g++, make, python3 and node headers)"
	echo "$want" >"$ENV_DIR/.installed"
	log "installed in $((SECONDS - t0)) s"
}

cmd_start() {
	[ -f "$ENV_DIR/.installed" ] || die "not installed: run '$0 install' first"
	if alive; then
		log "already running (pid $(cat "$STATE/node.pid"))"
		pds_url
		return 0
	fi
	mkdir -p "$STATE"
	rm -f "$STATE/ready.json"
	cp "$HERE/run-pds.js" "$ENV_DIR/"
	# exec: the recorded PID is node's own.
	(cd "$ENV_DIR" && exec env PLC_PORT="$PLC_PORT" PDS_PORT="$PDS_PORT" \
		DATA_DIR="$STATE/data" READY_FILE="$STATE/ready.json" node run-pds.js) \
		>"$STATE/node.log" 2>&1 </dev/null &
	echo $! >"$STATE/node.pid"
	local deadline=$((SECONDS + START_TIMEOUT))
	until [ -s "$STATE/ready.json" ]; do
		if ! alive; then
			tail -20 "$STATE/node.log" >&2
			rm -f "$STATE/node.pid"
			die "the PDS exited during start (log: $STATE/node.log)"
		fi
		if [ $SECONDS -ge $deadline ]; then
			cmd_stop
			die "the PDS was not ready after ${START_TIMEOUT} s (log: $STATE/node.log)"
		fi
		sleep 0.2
	done
	local url
	url=$(pds_url)
	curl -fsS --max-time 10 "$url/xrpc/_health" >/dev/null || { cmd_stop; die "health check of $url failed"; }
	log "ready (pid $(cat "$STATE/node.pid"), log $STATE/node.log)"
	echo "$url"
}

cmd_status() {
	if alive; then
		log "running (pid $(cat "$STATE/node.pid"))"
		pds_url
	else
		log "not running"
		return 1
	fi
}

cmd_stop() {
	if alive; then
		local pid
		pid=$(cat "$STATE/node.pid")
		kill -TERM "$pid"        # run-pds.js closes its servers and exits
		for _ in $(seq 1 75); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "pid $pid did not exit after 15 s: SIGKILL"
			kill -KILL "$pid"
		fi
		log "stopped pid $pid"
	fi
	rm -f "$STATE/node.pid" "$STATE/ready.json"
}

case "${1:-}" in
install) cmd_install ;;
start) cmd_start ;;
status) cmd_status ;;
stop) cmd_stop ;;
*) sed -n '2,13p' "$0" >&2; exit 2 ;;
esac
