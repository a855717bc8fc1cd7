#!/bin/sh
# `make bench`: every benchmark in bench/, in turn. Each prints its figures,
# the targets, and the ratio to its baseline measured in the same run.
set -eu
cd "$(dirname "$0")/.."
mkdir -p bench/out
/usr/bin/python3 bench/http.py | tee bench/out/http.txt
# Time-zone conversions (src/core/tz.c): ns per call.
mkdir -p build
cc -O2 -std=c17 -D_GNU_SOURCE -Isrc -o build/tz_bench bench/tz_bench.c \
	src/core/tz.c src/core/mem.c src/core/clock.c -lpthread
./build/tz_bench | tee bench/out/tz.txt
