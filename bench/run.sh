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
# The scheduler under a flood (src/publish/scheduler.c): 10k and 100k posts due
# at once on 1,000 channels, fake network at 20 ms a publish. Linked with the
# objects of `make tribu`, all of src/ but main.o.
make -j2 tribu >/dev/null
cc -O2 -g -std=c17 -D_GNU_SOURCE -Isrc $(pkg-config --cflags jansson libsodium) \
	-o build/schedule_bench bench/schedule.c \
	$(find src -name '*.c' ! -path src/main.c | sed 's|^|build/|; s|\.c$|.o|') \
	-lmicrohttpd -ljansson -lsqlite3 -lsodium -lcurl -lxml2 -lutf8proc -lpthread -lm
./build/schedule_bench | tee bench/out/schedule.txt
