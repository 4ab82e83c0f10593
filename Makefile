# floodchat: `make` builds ./floodchat (static, stripped), `make test` builds
# and runs every test. See README.md.

CXX      ?= g++
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build

WARN      = -Wall -Wextra -Wshadow -Wno-unused-parameter
CXXSTD    = -std=c++17
# The shipped binary: small and static. No exceptions or RTTI are used.
REL_FLAGS = $(CXXSTD) $(WARN) -Os -fno-exceptions -fno-rtti -fno-asynchronous-unwind-tables \
            -ffunction-sections -fdata-sections
REL_LINK  = -static -Wl,--gc-sections -s
# Tests: optimised, with debug info.
TEST_FLAGS = $(CXXSTD) $(WARN) -O2 -g
GTEST_LIBS = -lgtest_main -lgtest -pthread

SRCS  = buffer.cc command.cc console.cc dedup.cc dial.cc format.cc frame.cc loop.cc mesh.cc \
        net_posix.cc options.cc peers.cc relay.cc
TESTS = buffer_test.cc command_test.cc dedup_test.cc format_test.cc frame_test.cc lines_test.cc \
        mesh_test.cc options_test.cc relay_test.cc e2e_test.cc mesh_e2e_test.cc harness.cc

REL_OBJS  = $(SRCS:%.cc=$(BUILD)/rel/%.o) $(BUILD)/rel/main.o
LIB_OBJS  = $(SRCS:%.cc=$(BUILD)/test/%.o)
TEST_OBJS = $(TESTS:%.cc=$(BUILD)/test/tests/%.o)

.PHONY: all test unit e2e lint install uninstall clean bench

all: floodchat

floodchat: $(REL_OBJS)
	$(CXX) $(REL_FLAGS) -o $@ $(REL_OBJS) $(REL_LINK)

$(BUILD)/rel/%.o: src/%.cc src/*.h
	@mkdir -p $(dir $@)
	$(CXX) $(REL_FLAGS) -c -o $@ $<

$(BUILD)/test/%.o: src/%.cc src/*.h
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_FLAGS) -c -o $@ $<

$(BUILD)/test/tests/%.o: tests/%.cc src/*.h tests/*.h
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_FLAGS) -Isrc -DFLOODCHAT_DEFAULT_BIN='"$(CURDIR)/floodchat"' -c -o $@ $<

$(BUILD)/floodchat_tests: $(LIB_OBJS) $(TEST_OBJS)
	$(CXX) $(TEST_FLAGS) -o $@ $^ $(GTEST_LIBS)

# Every test: the GoogleTest binary (unit and end-to-end; the end-to-end
# tests start ./floodchat), then the man page checks.
test: floodchat $(BUILD)/floodchat_tests lint
	FLOODCHAT_BIN=$(CURDIR)/floodchat $(BUILD)/floodchat_tests

# The man page: mandoc's linter, and SYNOPSIS identical to --help's usage.
lint: floodchat
	@if command -v mandoc >/dev/null 2>&1; then \
	  out=$$(mandoc -Tlint -Wwarning man/floodchat.1); \
	  if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; \
	  sh tests/synopsis_check.sh ./floodchat man/floodchat.1 || exit 1; \
	  echo "man page: lint clean, SYNOPSIS matches --help"; \
	else echo "man page: mandoc not installed, lint skipped"; fi

install: floodchat
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 floodchat $(DESTDIR)$(PREFIX)/bin/floodchat
	install -m 644 man/floodchat.1 $(DESTDIR)$(PREFIX)/share/man/man1/floodchat.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/floodchat $(DESTDIR)$(PREFIX)/share/man/man1/floodchat.1

bench: floodchat
	python3 bench/chain_bench.py ./floodchat

clean:
	rm -rf $(BUILD) floodchat
