#!/bin/sh
# `make bench`: every benchmark in bench/, in turn. Each prints its figures,
# the targets, and the ratio to its baseline measured in the same run.
set -eu
cd "$(dirname "$0")/.."
mkdir -p bench/out
/usr/bin/python3 bench/http.py | tee bench/out/http.txt
