#!/bin/sh
# Source checks run by `make test` (after curl's checksrc): each rule is one
# check; the last line is "N passed, N failed".
cd "$(dirname "$0")/.." || exit 1
pass=0 fail=0
check() {  # check NAME OUTPUT: passes when OUTPUT is empty
	if [ -z "$2" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		printf 'FAIL %s:\n%s\n' "$1" "$2"
	fi
}

# Unbounded or unsafe string and number functions (STYLE.md: Strings).
check "no banned functions in src/" "$(grep -rnE '\b(strcpy|strcat|strncpy|sprintf|vsprintf|gets|strtok|atoi|atol|sscanf)\s*\(' src | grep -v '^\S*:\s*/\?\*')"
# SQL lives in src/store/ only.
check "no SQL outside src/store/" "$(grep -rnE '"(SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA|BEGIN) ' src | grep -v '^src/store/')"
# Every .c says what it is for before anything else.
check "every .c opens with a comment" "$(for f in $(find src -name '*.c'); do head -1 "$f" | grep -q '^/\*' || echo "$f"; done)"
# A file that logs names its module.
check "files that log define LOG_MODULE" "$(for f in $(grep -rlE '\blog_(error|warn|info|debug)\(' src --include='*.c'); do grep -q '#define LOG_MODULE' "$f" || echo "$f"; done)"
# No umbrella header, no header included from outside its domain but the public one.
check "private headers stay in their folder" "$(grep -rnE '#include "[a-z]+/[a-z_]+_int\.h"' src | awk -F: '{split($1,a,"/"); split($3,b,"\""); split(b[2],c,"/"); if (a[2] != c[1]) print}')"
# No typedef'd structs (STYLE.md: Names).
check "no typedef struct" "$(grep -rn 'typedef struct' src)"
# Secrets never reach the logs.
check "no secrets in log lines" "$(grep -rnE 'log_(error|warn|info|debug)\(.*(password|token|secret)[a-z_]*\)' src | grep -vE '"[^"]*(password|token|secret)[^"]*"' )"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
