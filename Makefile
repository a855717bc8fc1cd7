# Tribu - one plain Makefile.
#   make          build ./tribu
#   make run      install what is missing, build, start on http://127.0.0.1:8080
#   make test     install what is missing, build, run every test (last line: N passed, N failed)
#   make bench    benchmarks (bench/), results to append to bench/RESULTS.md

PKGS    := libmicrohttpd jansson sqlite3 libsodium libcurl libxml-2.0 libutf8proc
CC      ?= cc
CSTD    := -std=c17 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  ?= -O2 -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -Isrc $(PKG_CFLAGS) -MMD -MP
LIBS    := $(PKG_LIBS) -lpthread -lm
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

SRC      := $(sort $(shell find src -name '*.c'))
LIB_SRC  := $(filter-out src/main.c,$(SRC))
TEST_SRC := $(sort $(shell find tests -name 'test_*.c')) tests/harness.c

OBJ       := $(SRC:%.c=build/%.o)
LIB_OBJ   := $(LIB_SRC:%.c=build/%.o)
TEST_OBJ  := $(TEST_SRC:%.c=build/%.o)
ASAN_OBJ      := $(SRC:%.c=build/asan/%.o)
ASAN_LIB_OBJ  := $(LIB_SRC:%.c=build/asan/%.o)
ASAN_TEST_OBJ := $(TEST_SRC:%.c=build/asan/%.o)

.PHONY: all deps run test unit check bench clean
all: tribu

deps:
	@sh scripts/deps.sh

tribu: $(OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

build/tribu-asan: $(ASAN_OBJ)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LIBS)

build/unit: $(LIB_OBJ) $(TEST_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

build/unit-asan: $(ASAN_LIB_OBJ) $(ASAN_TEST_OBJ)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LIBS)

build/src/main.o build/asan/src/main.o: .version-stamp
.version-stamp: FORCE
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
FORCE:

build/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(ALL_CFLAGS) -DTRIBU_VERSION='"$(VERSION)"' -Itests -c -o $@ $<

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC [asan] $<"
	@$(CC) $(ALL_CFLAGS) $(SAN) -DTRIBU_VERSION='"$(VERSION)"' -Itests -c -o $@ $<

run: deps
	@$(MAKE) --no-print-directory tribu
	./tribu serve

check:
	@sh tools/check.sh

unit: build/unit
	./build/unit

# The whole suite: source checks, unit tests (plain and ASan/UBSan), and the
# end-to-end tests against the real binary (plain and ASan/UBSan).
test: deps
	@$(MAKE) --no-print-directory tribu build/unit build/tribu-asan build/unit-asan
	@sh tests/run.sh

bench: deps
	@$(MAKE) --no-print-directory tribu
	@sh bench/run.sh

clean:
	rm -rf build tribu .version-stamp

-include $(OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(ASAN_OBJ:.o=.d) $(ASAN_TEST_OBJ:.o=.d)
