#!/bin/sh
# `make test`: every phase prints its own "N passed, N failed" line; this
# runs them in order, shows their output, and ends with the sum on one line.
# A phase that dies without its summary line counts as one failure.
#
# Phases: source checks; peers (real servers the tests talk to); unit tests
# plain and under ASan/UBSan; end-to-end tests against the real binary,
# plain and under ASan/UBSan.
set -u
cd "$(dirname "$0")/.." || exit 1
PY=/usr/bin/python3
LOG=$(mktemp -d /tmp/tribu-test-XXXXXX)
pass=0 fail=0 skip=0
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

phase() {  # phase NAME COMMAND...
	name=$1
	shift
	echo "== $name"
	t0=$(date +%s)
	"$@" >"$LOG/out" 2>&1
	cat "$LOG/out"
	line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$LOG/out" | tail -1)
	if [ -z "$line" ]; then
		echo "== $name: no summary line (crashed?): counted as 1 failure"
		fail=$((fail + 1))
		return
	fi
	p=$(echo "$line" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + ${s:-0}))
	echo "== $name: $line ($(($(date +%s) - t0)) s)"
}

phase "source checks" sh tools/check.sh

# A real Bluesky PDS on loopback for the connector tests (installed once,
# cached). If it cannot start, its tests count as failures, never as skips.
echo "== peers: Bluesky PDS"
PDS=""
if bash tests/peers/bluesky.sh install >"$LOG/peer" 2>&1 &&
	PDS=$(bash tests/peers/bluesky.sh start 2>>"$LOG/peer"); then
	echo "== peers: PDS at $PDS"
	trap 'bash tests/peers/bluesky.sh stop >/dev/null 2>&1' EXIT
else
	tail -30 "$LOG/peer"
	echo "== peers: the Bluesky PDS did not start: counted as 1 failure"
	fail=$((fail + 1))
fi

phase "unit" env TRIBU_TEST_PDS="$PDS" ./build/unit
phase "unit (asan+ubsan)" env TRIBU_TEST_PDS="$PDS" ./build/unit-asan
phase "e2e" env TRIBU_TEST_PDS="$PDS" TRIBU_BIN=./tribu $PY tests/e2e/run.py
phase "e2e (asan+ubsan)" env TRIBU_TEST_PDS="$PDS" TRIBU_BIN=./build/tribu-asan $PY tests/e2e/run.py

bash tests/peers/bluesky.sh stop >/dev/null 2>&1
trap - EXIT
rm -rf "$LOG"
if [ "$skip" -gt 0 ]; then
	echo "total: $pass passed, $fail failed, $skip skipped"
else
	echo "total: $pass passed, $fail failed"
fi
[ "$fail" = 0 ]
