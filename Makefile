# floodchat: `make` builds ./floodchat (static, stripped), `make test` builds
# and runs every test. See README.md.

CXX      ?= g++
PREFIX   ?= /usr/local
DESTDIR  ?=
# systemd reads units from $(PREFIX)/lib/systemd/system for PREFIX /usr and
# /usr/local; its sysusers.d only from /usr/lib (and /etc, /run).
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
VERSION  := $(shell sed -n 's/^const char kVersionText\[\] = "floodchat \([^ ]*\) .*/\1/p' src/options.cc)
BUILD    ?= build

WARN      = -Wall -Wextra -Wshadow -Wno-unused-parameter
CXXSTD    = -std=c++17
# The shipped binary: small and static. No exceptions or RTTI are used.
# Link-time optimisation inlines and merges across files: the musl build was
# 149,136 bytes with it and 157,328 without (measured 2026-12-02, before the
# metrics endpoint; 161,424 with it).
REL_FLAGS = $(CXXSTD) $(WARN) -Os -flto -fno-exceptions -fno-rtti -fno-asynchronous-unwind-tables \
            -ffunction-sections -fdata-sections
REL_LINK  = -static -flto=auto -Os -Wl,--gc-sections -s

# The C library it links. With musl (Debian package musl-tools) the binary is
# about 120 KB and resolves host names by itself; a static glibc binary is
# about 1 MB and needs glibc's NSS libraries at run time to resolve names.
# The default is musl when it is installed, else glibc: LIBC=glibc forces it.
# For musl, the code is compiled with libstdc++'s headers over musl's C
# headers and linked with no libstdc++ at all: src/runtime_min.cc supplies
# the little the headers leave out, src/musl_compat.h the two glibc names
# they use.
MUSL_ARCH  ?= x86_64-linux-musl
MUSL_SPECS ?= /usr/lib/$(MUSL_ARCH)/musl-gcc.specs
MUSL_INC   ?= /usr/include/$(MUSL_ARCH)
LIBC       ?= $(if $(wildcard $(MUSL_SPECS)),musl,glibc)
CXX_HEADERS = $(shell $(CXX) -xc++ -E -v /dev/null 2>&1 | sed -n 's/^ \(\/.*c++.*\)$$/\1/p')
MUSL_FLAGS  = -nostdinc $(addprefix -isystem ,$(CXX_HEADERS)) -isystem $(MUSL_INC) \
              -isystem $(shell $(CXX) -print-file-name=include) -include src/musl_compat.h \
              -DFLOODCHAT_NO_LIBSTDCXX -fno-threadsafe-statics
ifeq ($(LIBC),musl)
LIBC_FLAGS = $(MUSL_FLAGS)
LIBC_LINK  = $(patsubst %g++,%gcc,$(CXX)) -specs $(MUSL_SPECS)
else
LIBC_FLAGS =
LIBC_LINK  = $(CXX)
endif
# Tests: optimised, with debug info.
TEST_FLAGS = $(CXXSTD) $(WARN) -O2 -g
GTEST_LIBS = -lgtest_main -lgtest -pthread

# Every source file of the node but main.cc, listed once: the release build,
# the tests, the sanitizer build, the fuzz targets, the simulator and the
# cross builds all take their objects from here. Header dependencies are
# tracked by the compiler (-MMD), so a changed header rebuilds what uses it.
SRCS  = src/base/buffer.cc src/base/diag.cc \
        src/net/net_address.cc src/net/net_posix.cc src/net/net_win32.cc src/net/system_posix.cc src/net/system_win32.cc src/net/terminal_posix.cc src/net/terminal_win32.cc \
        src/crypto/aead.cc src/crypto/chacha20.cc src/crypto/cpu.cc src/crypto/keys.cc \
        src/crypto/poly1305.cc src/crypto/session.cc src/crypto/sha256.cc src/crypto/wipe.cc \
        src/crypto/x25519.cc \
        src/wire/frame.cc src/wire/summary.cc src/wire/tree.cc \
        src/broadcast/dedup.cc src/broadcast/origins.cc src/broadcast/store.cc src/broadcast/repair.cc src/broadcast/history.cc src/broadcast/flood.cc src/broadcast/relay.cc src/broadcast/tree.cc \
        src/membership/address_book.cc src/membership/membership.cc \
        src/console/columns.cc src/console/command.cc src/console/console.cc src/console/editor.cc src/console/format.cc src/console/views.cc \
        src/transport/keyed.cc src/transport/listener.cc src/transport/peer_io.cc src/transport/transport.cc \
        src/metrics/exposition.cc src/metrics/http.cc src/metrics/server.cc \
        src/node/configs.cc src/node/key_file.cc src/node/node.cc src/node/presence_agent.cc src/node/protocol.cc \
        src/presence/presence.cc \
        src/node_limits.cc src/options.cc src/runtime_min.cc
MAIN  = src/main.cc
# The simulator: the node's policies (from SRCS) over a virtual network.
SIM_SRCS = src/sim/connections.cc src/sim/network.cc src/sim/scenario.cc
SIM_MAIN = src/sim/sim_main.cc
# The primitives alone, for the crypto benchmark.
CRYPTO_SRCS = $(filter src/crypto/%,$(filter-out %/keys.cc %/session.cc,$(SRCS)))
TESTS = tests/address_book_test.cc tests/base_test.cc tests/buffer_test.cc tests/command_test.cc tests/crypto_test.cc tests/dedup_test.cc \
        tests/console_test.cc tests/editor_test.cc tests/flood_test.cc tests/format_test.cc tests/frame_test.cc tests/lines_test.cc \
        tests/membership_test.cc tests/options_test.cc tests/presence_test.cc tests/protocol_test.cc tests/metrics_test.cc tests/relay_test.cc tests/session_test.cc tests/tree_test.cc tests/sim_test.cc tests/store_test.cc tests/summary_test.cc tests/transport_test.cc \
        tests/attack_e2e_test.cc tests/e2e_test.cc tests/mesh_e2e_test.cc \
        tests/overload_e2e_test.cc tests/cross_e2e_test.cc tests/keyed_e2e_test.cc tests/fidelity_e2e_test.cc tests/service_e2e_test.cc tests/terminal_e2e_test.cc tests/presence_e2e_test.cc \
        tests/delivery_e2e_test.cc tests/broadcast_e2e_test.cc tests/harness.cc tests/json.cc tests/proxy.cc
# The test suites that start real processes; the rest are unit tests.
E2E_SUITES = Attack Broadcast Cross Delivery EndToEnd Fidelity Keyed Mesh Overload Presence Service Terminal
empty :=
space := $(empty) $(empty)
E2E_FILTER = $(subst $(space),:,$(E2E_SUITES:%=%.*))

REL_DIR   = $(BUILD)/rel-$(LIBC)
REL_OBJS  = $(SRCS:%.cc=$(REL_DIR)/%.o) $(MAIN:%.cc=$(REL_DIR)/%.o)
LIB_OBJS  = $(SRCS:%.cc=$(BUILD)/test/%.o) $(SIM_SRCS:%.cc=$(BUILD)/test/%.o)
TEST_OBJS = $(TESTS:%.cc=$(BUILD)/test/%.o)

.PHONY: all sim ct test unit e2e lint install uninstall deb deb-name clean bench bench-crypto fuzz fuzz-build sanitize FORCE windows aarch64 armhf

# The binary's name: cross builds (below) set it.
OUT ?= floodchat

all: $(OUT)

$(OUT): $(REL_OBJS) $(BUILD)/libc
	$(LIBC_LINK) -o $@ $(REL_OBJS) $(REL_LINK)
	@echo "$@: $(LIBC), $$(wc -c < $@) bytes"

# The simulator, optimised as the tests are.
sim: $(BUILD)/floodchat-sim

$(BUILD)/floodchat-sim: $(LIB_OBJS) $(SIM_MAIN:%.cc=$(BUILD)/test/%.o)
	$(CXX) $(TEST_FLAGS) -o $@ $^

# Names the C library ./floodchat was last linked with, and changes (so that
# it is linked again) only when LIBC does. Objects live in a directory per C
# library.
$(BUILD)/libc: FORCE
	@mkdir -p $(BUILD)
	@[ "$$(cat $@ 2>/dev/null)" = "$(LIBC)" ] || echo $(LIBC) > $@
FORCE:

# Objects depend on the headers they include (-MMD writes the list) and on
# this file, whose flags they were built with.
DEPFLAGS = -MMD -MP

$(REL_DIR)/%.o: %.cc Makefile
	@mkdir -p $(dir $@)
	$(CXX) $(REL_FLAGS) $(LIBC_FLAGS) $(DEPFLAGS) -Isrc -c -o $@ $<

$(BUILD)/test/src/%.o: src/%.cc Makefile
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_FLAGS) $(DEPFLAGS) -Isrc -c -o $@ $<

$(BUILD)/test/tests/%.o: tests/%.cc Makefile
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_FLAGS) $(DEPFLAGS) -Isrc -DFLOODCHAT_DEFAULT_BIN='"$(CURDIR)/floodchat"' \
	  -DFLOODCHAT_SOURCE_DIR='"$(CURDIR)"' -c -o $@ $<

$(BUILD)/floodchat_tests: $(LIB_OBJS) $(TEST_OBJS)
	$(CXX) $(TEST_FLAGS) -o $@ $^ $(GTEST_LIBS)

# Every test: the GoogleTest binary (unit and end-to-end; the end-to-end
# tests start ./floodchat), then the man page checks. `make unit` runs the
# unit tests alone (no process started, a few seconds), `make e2e` the
# end-to-end suites alone.
test: floodchat $(BUILD)/floodchat_tests lint
	FLOODCHAT_BIN=$(CURDIR)/floodchat $(BUILD)/floodchat_tests

unit: $(BUILD)/floodchat_tests
	$(BUILD)/floodchat_tests --gtest_filter='-$(E2E_FILTER)'

e2e: floodchat $(BUILD)/floodchat_tests
	FLOODCHAT_BIN=$(CURDIR)/floodchat $(BUILD)/floodchat_tests --gtest_filter='$(E2E_FILTER)'

# The man page: mandoc's linter, and SYNOPSIS identical to --help's usage.
lint: floodchat
	@if command -v mandoc >/dev/null 2>&1; then \
	  out=$$(mandoc -Tlint -Wwarning man/floodchat.1); \
	  if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; \
	  sh tests/synopsis_check.sh ./floodchat man/floodchat.1 || exit 1; \
	  echo "man page: lint clean, SYNOPSIS matches --help"; \
	else echo "man page: mandoc not installed, lint skipped"; fi

install: floodchat
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(UNITDIR) \
	  $(DESTDIR)$(SYSUSERSDIR)
	install -m 755 floodchat $(DESTDIR)$(PREFIX)/bin/floodchat
	install -m 644 man/floodchat.1 $(DESTDIR)$(PREFIX)/share/man/man1/floodchat.1
	sed 's#@BINDIR@#$(PREFIX)/bin#' contrib/floodchat-relay.service > \
	  $(DESTDIR)$(UNITDIR)/floodchat-relay.service
	chmod 644 $(DESTDIR)$(UNITDIR)/floodchat-relay.service
	install -m 644 contrib/floodchat.sysusers $(DESTDIR)$(SYSUSERSDIR)/floodchat.conf

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/floodchat $(DESTDIR)$(PREFIX)/share/man/man1/floodchat.1 \
	  $(DESTDIR)$(UNITDIR)/floodchat-relay.service $(DESTDIR)$(SYSUSERSDIR)/floodchat.conf

# ---- A Debian package of the static binary (dpkg-deb; no network, no
# debhelper): the binary, the man page, the unit, the sysusers file, the
# copyright and changelog, and maintainer scripts that create the user
# (contrib/debian/). The unit is not enabled: it needs a key file first.
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB       = floodchat_$(VERSION)_$(DEB_ARCH).deb
DEB_ROOT  = $(BUILD)/deb/root

deb: $(DEB)

deb-name:
	@echo $(DEB)

$(DEB): floodchat man/floodchat.1 contrib/floodchat-relay.service contrib/floodchat.sysusers \
        $(wildcard contrib/debian/*) Makefile
	rm -rf $(DEB_ROOT)
	$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/$(DEB_ROOT) PREFIX=/usr >/dev/null
	gzip -9n $(DEB_ROOT)/usr/share/man/man1/floodchat.1
	objcopy --remove-section=.comment $(DEB_ROOT)/usr/bin/floodchat  # the compiler's version string
	install -d $(DEB_ROOT)/usr/share/doc/floodchat $(DEB_ROOT)/DEBIAN
	install -m 644 contrib/debian/copyright $(DEB_ROOT)/usr/share/doc/floodchat/copyright
	install -d $(DEB_ROOT)/usr/share/lintian/overrides
	install -m 644 contrib/debian/lintian-overrides $(DEB_ROOT)/usr/share/lintian/overrides/floodchat
	sed 's/@VERSION@/$(VERSION)/' contrib/debian/changelog | gzip -9n > \
	  $(DEB_ROOT)/usr/share/doc/floodchat/changelog.gz
	chmod 644 $(DEB_ROOT)/usr/share/doc/floodchat/changelog.gz
	install -m 755 contrib/debian/postinst contrib/debian/prerm contrib/debian/postrm $(DEB_ROOT)/DEBIAN/
	sed -e 's/@VERSION@/$(VERSION)/' -e 's/@ARCH@/$(DEB_ARCH)/' \
	  -e "s/@SIZE@/$$(du -sk --exclude=DEBIAN $(DEB_ROOT) | cut -f1)/" \
	  contrib/debian/control.in > $(DEB_ROOT)/DEBIAN/control
	cd $(DEB_ROOT) && find usr -type f | sort | xargs md5sum > DEBIAN/md5sums
	chmod 644 $(DEB_ROOT)/DEBIAN/control $(DEB_ROOT)/DEBIAN/md5sums
	dpkg-deb --root-owner-group -Zxz --build $(DEB_ROOT) $@

bench: floodchat
	python3 bench/chain_bench.py ./floodchat

# The primitives' speed, built with the release flags.
bench-crypto: $(BUILD)/crypto_bench
	$(BUILD)/crypto_bench

$(BUILD)/crypto_bench: bench/crypto_bench.cc $(CRYPTO_SRCS) src/crypto/*.h src/base/endian.h
	@mkdir -p $(BUILD)
	$(CXX) $(CXXSTD) $(WARN) -Os -Isrc -o $@ bench/crypto_bench.cc $(CRYPTO_SRCS)

# ---- constant time: tests/ct_check.cc under valgrind's memcheck, with every
# secret marked undefined (crypto/ct.h), built with GCC and Clang at -Os,
# -O2 and -O3; any report of a branch or index on a secret fails.
CT_SRCS  = $(CRYPTO_SRCS) src/crypto/keys.cc
CT_BUILDS = gcc-Os gcc-O2 gcc-O3 clang-Os clang-O2 clang-O3

$(BUILD)/ct/ct_check-%: tests/ct_check.cc $(CT_SRCS) src/crypto/*.h src/base/endian.h Makefile
	@mkdir -p $(dir $@)
	$(if $(findstring clang,$*),clang++,$(CXX)) $(CXXSTD) $(WARN) -$(lastword $(subst -, ,$*)) -g \
	  -gdwarf-4 -DFLOODCHAT_CT_CHECK -Isrc -o $@ tests/ct_check.cc $(CT_SRCS)

ct: $(CT_BUILDS:%=$(BUILD)/ct/ct_check-%)
	@for b in $(CT_BUILDS); do \
	  valgrind -q --error-exitcode=1 --track-origins=yes $(BUILD)/ct/ct_check-$$b > $(BUILD)/ct/$$b.log 2>&1 \
	    || { cat $(BUILD)/ct/$$b.log; echo "ct: $$b: a branch or index depends on a secret"; exit 1; }; \
	  echo "ct: $$b: memcheck clean with every secret undefined"; \
	done

# ---- sanitizers: the whole suite, end-to-end tests included, against a node
# built with ASan and UBSan. The nodes the tests start write any report to
# $(SAN_DIR)/logs; a report from any process fails the target.
SAN_DIR   = $(BUILD)/sanitize
# UBSan's vptr check is left out: it tests that an object's vtable pointer is
# readable with a pipe, so in a process out of file descriptors (which the
# attack tests cause on purpose) every virtual call is reported as one on an
# object "with invalid vptr" (seen with GCC 12; a ten-line program that opens
# /dev/null until EMFILE shows it). ASan still checks every access.
SAN_FLAGS = $(CXXSTD) $(WARN) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
            -fno-sanitize=vptr -fno-sanitize-recover=undefined
SAN_OBJS  = $(SRCS:%.cc=$(SAN_DIR)/%.o)
SAN_SIM_OBJS = $(SIM_SRCS:%.cc=$(SAN_DIR)/%.o)

$(SAN_DIR)/src/%.o: src/%.cc Makefile
	@mkdir -p $(dir $@)
	$(CXX) $(SAN_FLAGS) $(DEPFLAGS) -Isrc -c -o $@ $<

$(SAN_DIR)/tests/%.o: tests/%.cc Makefile
	@mkdir -p $(dir $@)
	$(CXX) $(SAN_FLAGS) $(DEPFLAGS) -Isrc -DFLOODCHAT_DEFAULT_BIN='"$(CURDIR)/$(SAN_DIR)/floodchat"' \
	  -DFLOODCHAT_SOURCE_DIR='"$(CURDIR)"' -c -o $@ $<

$(SAN_DIR)/floodchat: $(SAN_OBJS) $(MAIN:%.cc=$(SAN_DIR)/%.o)
	$(CXX) $(SAN_FLAGS) -o $@ $^

$(SAN_DIR)/floodchat_tests: $(SAN_OBJS) $(SAN_SIM_OBJS) $(TESTS:%.cc=$(SAN_DIR)/%.o)
	$(CXX) $(SAN_FLAGS) -o $@ $^ $(GTEST_LIBS)

sanitize: $(SAN_DIR)/floodchat $(SAN_DIR)/floodchat_tests
	rm -rf $(SAN_DIR)/logs && mkdir -p $(SAN_DIR)/logs
	ASAN_OPTIONS=log_path=$(CURDIR)/$(SAN_DIR)/logs/asan:detect_leaks=1 \
	UBSAN_OPTIONS=log_path=$(CURDIR)/$(SAN_DIR)/logs/ubsan:print_stacktrace=1:halt_on_error=1 \
	  FLOODCHAT_BIN=$(CURDIR)/$(SAN_DIR)/floodchat $(SAN_DIR)/floodchat_tests
	@if [ -n "$$(ls -A $(SAN_DIR)/logs)" ]; then \
	  echo "sanitize: reports in $(SAN_DIR)/logs:"; cat $(SAN_DIR)/logs/*; exit 1; fi
	@echo "sanitize: no ASan or UBSan report from the tests or any node they started"

# ---- fuzzing: libFuzzer targets for the frame decoder, the handshake, the
# stdin line splitter, the command parser and the stdout formatter (clang,
# libclang-rt-dev). Each runs FUZZ_SECONDS from the seeds in tests/fuzz/seeds/
# plus what earlier runs found (kept in $(BUILD)/fuzz/corpus); any crash fails
# and leaves its input in $(BUILD)/fuzz/.
FUZZ_CXX     ?= clang++
FUZZ_SECONDS ?= 120
FUZZ_FLAGS    = $(CXXSTD) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS  = frame hello lines command format keyhello record http
FUZZ_OBJS     = $(SRCS:%.cc=$(BUILD)/fuzz/%.o)

$(BUILD)/fuzz/src/%.o: src/%.cc Makefile
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_FLAGS) $(DEPFLAGS) -Isrc -c -o $@ $<

$(BUILD)/fuzz/%_fuzz: tests/fuzz/%_fuzz.cc $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_FLAGS) $(DEPFLAGS) -Isrc -o $@ $< $(FUZZ_OBJS)

fuzz-build: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%_fuzz)

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(BUILD)/fuzz/corpus/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  $(BUILD)/fuzz/$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(BUILD)/fuzz/$$t- $(BUILD)/fuzz/corpus/$$t tests/fuzz/seeds/$$t \
	    > $(BUILD)/fuzz/$$t.log 2>&1 || { tail -40 $(BUILD)/fuzz/$$t.log; exit 1; }; \
	  grep -E "DONE|stat::number_of_executed_units" $(BUILD)/fuzz/$$t.log | \
	    sed "s/^/fuzz: $$t: /"; \
	done

# ---- Embedded Linux: static binaries for 64-bit and 32-bit ARM, built with
# Debian's cross compilers (g++-aarch64-linux-gnu, g++-arm-linux-gnueabihf);
# with musl when its libraries for that architecture are installed
# (musl-dev:arm64, musl-dev:armhf), else with glibc. qemu-user runs them.
aarch64:
	$(MAKE) OUT=floodchat-aarch64 BUILD=$(BUILD)/aarch64 CXX=aarch64-linux-gnu-g++ \
	  MUSL_ARCH=aarch64-linux-musl LIBC=$(if $(wildcard /usr/lib/aarch64-linux-musl/musl-gcc.specs),musl,glibc) \
	  floodchat-aarch64

armhf:
	$(MAKE) OUT=floodchat-armhf BUILD=$(BUILD)/armhf CXX=arm-linux-gnueabihf-g++ \
	  MUSL_ARCH=arm-linux-musleabihf LIBC=$(if $(wildcard /usr/lib/arm-linux-musleabihf/musl-gcc.specs),musl,glibc) \
	  floodchat-armhf

# ---- Windows: floodchat.exe, cross-built with MinGW-w64 (Debian package
# g++-mingw-w64-x86-64), static, importing only system DLLs.
WIN_CXX   ?= x86_64-w64-mingw32-g++
WIN_FLAGS  = $(REL_FLAGS) -D_WIN32_WINNT=0x0600 -D__USE_MINGW_ANSI_STDIO=1
WIN_LINK   = -static -static-libgcc -static-libstdc++ -flto=auto -Os -Wl,--gc-sections -s -lws2_32 -lbcrypt
WIN_OBJS   = $(SRCS:%.cc=$(BUILD)/win/%.o) $(MAIN:%.cc=$(BUILD)/win/%.o)

windows: floodchat.exe

floodchat.exe: $(WIN_OBJS)
	$(WIN_CXX) $(WIN_FLAGS) -o $@ $(WIN_OBJS) $(WIN_LINK)
	@echo "floodchat.exe: $$(wc -c < $@) bytes"

$(BUILD)/win/%.o: %.cc Makefile
	@mkdir -p $(dir $@)
	$(WIN_CXX) $(WIN_FLAGS) $(DEPFLAGS) -Isrc -c -o $@ $<

clean:
	rm -rf $(BUILD) floodchat floodchat.exe floodchat-aarch64 floodchat-armhf

# The header dependencies the compiler wrote (-MMD).
-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
