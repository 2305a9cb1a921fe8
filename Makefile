# create-image: one non-recursive Makefile.
#
#   make                 build build/create-image, and delete-image and
#                        list-images: links to it, told apart by name; and
#                        build/libexec/in-guest, which hooks run guest
#                        commands with
#   make check           unit tests, then leakcheck, then the fuzzers for
#                        FUZZ_CHECK_SECONDS (8) each, then the end-to-end
#                        suite (root)
#   make unit            unit tests only
#   make leakcheck       the unit tests and dry runs of the program under
#                        valgrind: no definite leak, no memory error
#   make test-build      build/tests/create-image: the program with fault
#                        injection (src/lib/fault.h), for the suite only
#   make fuzz            the parsers under libFuzzer and the sanitizers,
#                        FUZZ_SECONDS (20) each; needs clang
#   make deps            install the Debian packages needed to build and test
#   make demo            build, then create the demo guest from built-in defaults
#   make install         install PREFIX (/usr/local) into DESTDIR

VERSION  := 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
SBINDIR  ?= $(PREFIX)/sbin
DATADIR  ?= $(PREFIX)/share/create-image
LIBEXECDIR ?= $(PREFIX)/lib/create-image
MANDIR   ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc

CC       ?= cc
PKGS     := blkid libarchive libcurl xlutil xenlight libcrypt libparted \
	    libconfig libcrypto
# CFLAGS and LDFLAGS are the builder's; what the code needs is added here,
# so "make CFLAGS=-O0" still builds.
CFLAGS   ?= -O2 -g
# -fvisibility=hidden: the libraries must not call our functions by
# name. libconfig calls its own internal strbuf_release(), and libc has
# an error(); exported from the binary, ours would take their place.
ALL_CFLAGS = -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -fvisibility=hidden \
	    $(shell pkg-config --cflags $(PKGS)) $(CFLAGS)
# liblvm2cmd ships no pkg-config file.
LIBS     = $(shell pkg-config --libs $(PKGS)) -llvm2cmd $(LDLIBS)
# CI treats a warning as an error.
ifneq ($(CI),)
ALL_CFLAGS += -Werror
endif

B := build
# src/ is one folder per layer (cmd, guest, state, storage, install, build,
# fleet, output) over src/lib; headers are included by their names alone.
MAIN_SRC := src/cmd/create-image.c
# Programs of their own, run by the hooks: see HELPERS.
HELPER_SRC := src/cmd/in-guest.c
LIB_SRC  := $(sort $(wildcard src/lib/*.c))
CORE_SRC := $(filter-out $(MAIN_SRC) $(HELPER_SRC) $(LIB_SRC),\
	$(sort $(wildcard src/*/*.c)))
HEADERS  := $(wildcard src/*/*.h)
INCLUDES := $(patsubst %/,-I%,$(sort $(dir $(HEADERS))))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
CORE_OBJ := $(CORE_SRC:%.c=$(B)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/u-*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
# The unit tests valgrind 3.19 cannot run all of (it has no openat2(2),
# no mount_setattr(2)): leakcheck runs these twins, linked with
# LeakSanitizer, natively as well.
LSAN_BIN := $(patsubst %,$(B)/tests/lsan-%,u-base-cache u-boot u-journal \
	u-rootfs u-sandbox u-secrets)

# Where the program looks for distros/ hooks/ templates/ etc/ and for
# in-guest; a build run from the checkout finds them beside the binary
# instead.
DEFS := -DVERSION='"$(VERSION)"' -DDATADIR='"$(DATADIR)"' \
	-DSYSCONFDIR='"$(SYSCONFDIR)"' -DLIBEXECDIR='"$(LIBEXECDIR)"'

# The other commands are create-image under their own names.
COMMANDS := delete-image list-images resize-image update-image
# First on the hooks' PATH: in-guest, and chroot, a link to it that
# enters only the guest's root.
HELPERS := in-guest chroot

all: $(B)/create-image $(COMMANDS:%=$(B)/%) $(HELPERS:%=$(B)/libexec/%)

# Rebuild when the compiled-in paths change (make install PREFIX=/usr).
$(B)/defs: FORCE
	@mkdir -p $(B)
	@echo '$(DEFS)' | cmp -s - $@ || echo '$(DEFS)' >$@

$(B)/%.o: %.c $(HEADERS) $(B)/defs
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DEFS) $(INCLUDES) -c -o $@ $<

$(B)/create-image: $(B)/$(MAIN_SRC:.c=.o) $(CORE_OBJ) $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(COMMANDS:%=$(B)/%): $(B)/create-image
	ln -sf create-image $@

# in-guest runs for every command a hook runs in the guest: it takes from
# src/lib only what it uses, and none of create-image's libraries.
$(B)/libcommon.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/libexec/in-guest: $(B)/src/cmd/in-guest.o $(B)/src/sandbox/sandbox.o \
		$(B)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

$(B)/libexec/chroot: $(B)/libexec/in-guest
	ln -sf in-guest $@

$(B)/tests/%: tests/unit/%.c tests/unit/unit.h $(CORE_OBJ) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DEFS) $(INCLUDES) -Itests/unit -o $@ $< \
		$(CORE_OBJ) $(LIB_OBJ) $(LIBS)

$(B)/tests/lsan-%: tests/unit/%.c tests/unit/unit.h $(CORE_OBJ) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=leak $(DEFS) $(INCLUDES) -Itests/unit \
		-o $@ $< $(CORE_OBJ) $(LIB_OBJ) $(LIBS)

$(B)/test-tool: tests/helper/test-tool.c $(CORE_OBJ) $(LIB_OBJ)
	$(CC) $(ALL_CFLAGS) $(DEFS) $(INCLUDES) -o $@ $< \
		$(CORE_OBJ) $(LIB_OBJ) $(LIBS)

# The test build: create-image compiled with -DFAULT_INJECTION, so that
# $CREATE_IMAGE_FAULT can fail any step, command or write (fault.h). It
# lives in build/tests/, beside the unit tests, where it finds the
# checkout's data and build/libexec/in-guest as build/create-image does;
# make install never installs it. Only the sources that include fault.h
# (never a header) are compiled again, into $(FI); the rest are the
# program's own objects.
FI := $(B)/fault
HASH := \#
FAULT_SRC := $(shell grep -l '^$(HASH)include "fault.h"' \
	$(MAIN_SRC) $(CORE_SRC) $(LIB_SRC))
FAULT_OBJ := $(FAULT_SRC:%.c=$(FI)/%.o)
TEST_OBJ := $(filter-out $(FAULT_SRC:%.c=$(B)/%.o),$(CORE_OBJ) $(LIB_OBJ)) \
	$(FAULT_OBJ)

$(FI)/%.o: %.c $(HEADERS) $(B)/defs
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DEFS) -DFAULT_INJECTION $(INCLUDES) -c -o $@ $<

$(B)/tests/create-image: $(B)/$(MAIN_SRC:.c=.o) $(TEST_OBJ) \
		$(HELPERS:%=$(B)/libexec/%)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(B)/$(MAIN_SRC:.c=.o) $(TEST_OBJ) $(LIBS)

test-build: $(B)/tests/create-image

# fault.h's own test needs the fault-injection objects.
$(B)/tests/u-fault: tests/unit/u-fault.c tests/unit/unit.h $(TEST_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DEFS) -DFAULT_INJECTION $(INCLUDES) \
		-Itests/unit -o $@ $< $(TEST_OBJ) $(LIBS)

unit: $(UNIT_BIN)
	@tests/run-unit $(UNIT_BIN)

# Each unit test, and create-image runs that change nothing (--dry-run,
# --help, bad input, list-images, cache list), under valgrind's memcheck:
# a definite leak or a memory error fails it. tests/valgrind.supp holds
# the third-party libraries' known reports.
leakcheck: all $(UNIT_BIN) $(LSAN_BIN)
	@tests/leakcheck $(UNIT_BIN)

# Unit tests, then leakcheck, then the fuzzers (FUZZ_CHECK_SECONDS each),
# then every tests/e2e/t*.sh; the last line is the total. (The fuzzers
# are its prerequisites below, once FUZZ_BIN is known.)
FUZZ_CHECK_SECONDS ?= 8
check: all $(UNIT_BIN) $(LSAN_BIN) $(B)/test-tool $(B)/tests/create-image
	FUZZ="$(FUZZ_BIN)" FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS) \
		tests/run $(UNIT_BIN)

# The parsers of text that comes from files and flags, fuzzed: each
# tests/fuzz/fuzz-NAME.c is built with clang's libFuzzer and the address
# and undefined-behaviour sanitizers into build-fuzz/ (never $(B): its
# objects are not the program's), and run for FUZZ_SECONDS on the seeds
# in tests/fuzz/corpus/NAME/. A crash, a leak or a sanitizer report fails
# the run and leaves the input in build-fuzz/NAME-crash-*. The harnesses
# link the modules they test and src/lib, through an archive so each takes
# only what it calls: never the storage layer, whose libparted reads
# past a buffer as it loads under the address sanitizer.
FB := build-fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 20
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -g -O1 \
	-fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	$(shell pkg-config --cflags libcurl)
# What those modules call: libcurl and libarchive for archive-state,
# libcrypto for sha256, libcrypt for secrets.
FUZZ_LIBS = -Wl,--as-needed $(shell pkg-config --libs libcurl libarchive \
	libcrypto libcrypt)
ifneq ($(CI),)
FUZZ_CFLAGS += -Werror
endif
FUZZ_CORE := src/guest/config.c src/guest/options.c src/guest/xentools.c \
	src/guest/secrets.c src/guest/partitions.c src/guest/net.c \
	src/guest/host-apt.c \
	src/build/template.c src/build/journal.c src/install/archive-state.c \
	src/install/install-archive.c
FUZZ_OBJ := $(patsubst %.c,$(FB)/%.o,$(LIB_SRC) $(FUZZ_CORE))
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz-%.c,%,\
	$(sort $(wildcard tests/fuzz/fuzz-*.c)))
FUZZ_BIN := $(FUZZ_NAMES:%=$(FB)/fuzz-%)
check: $(FUZZ_BIN)

$(FB)/defs: FORCE
	@mkdir -p $(FB)
	@echo '$(DEFS) $(FUZZ_CFLAGS)' | cmp -s - $@ || \
		echo '$(DEFS) $(FUZZ_CFLAGS)' >$@

$(FB)/%.o: %.c $(HEADERS) $(FB)/defs
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEFS) $(INCLUDES) -c -o $@ $<

$(FB)/libfuzz.a: $(FUZZ_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(FB)/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/fuzz.h $(HEADERS) $(FB)/libfuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(INCLUDES) -Itests/fuzz \
		-fsanitize=fuzzer -o $@ $< $(FB)/libfuzz.a \
		$(FUZZ_LIBS)

fuzz-build: $(FUZZ_BIN)

# New inputs go to build-fuzz/corpus/NAME, so the seeds stay as they are.
fuzz: $(FUZZ_BIN)
	@tests/fuzzcheck $(FUZZ_SECONDS) $(FUZZ_BIN)

deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		$$(grep -v '^#' tests/debian-packages)

demo: all
	./$(B)/create-image --hostname demo --force

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR) \
		$(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/create-image
	install -m 0755 $(B)/create-image $(DESTDIR)$(SBINDIR)/create-image
	install -m 0755 $(B)/libexec/in-guest $(DESTDIR)$(LIBEXECDIR)/in-guest
	ln -sf in-guest $(DESTDIR)$(LIBEXECDIR)/chroot
	for c in $(COMMANDS); do \
		ln -sf create-image $(DESTDIR)$(SBINDIR)/$$c || exit 1; \
	done
	cp -R distros hooks templates $(DESTDIR)$(DATADIR)/
	install -d $(DESTDIR)$(SYSCONFDIR)/create-image/hooks.d \
		$(DESTDIR)$(SYSCONFDIR)/create-image/hooks.d/base \
		$(DESTDIR)$(SYSCONFDIR)/create-image/role.d \
		$(DESTDIR)$(SYSCONFDIR)/create-image/skel \
		$(DESTDIR)$(SYSCONFDIR)/create-image/partitions.d
	for f in etc/partitions.d/*; do \
		t=$(DESTDIR)$(SYSCONFDIR)/create-image/partitions.d/$${f##*/}; \
		test -e "$$t" || install -m 0644 "$$f" "$$t" || exit 1; \
	done
	install -d $(DESTDIR)$(SYSCONFDIR)/create-image/sed.d
	for f in etc/role.d/* etc/sed.d/*; do \
		t=$(DESTDIR)$(SYSCONFDIR)/create-image/$${f#etc/}; \
		m=0644; test -x "$$f" && m=0755; \
		test -e "$$t" || install -m $$m "$$f" "$$t" || exit 1; \
	done
	test -e $(DESTDIR)$(SYSCONFDIR)/create-image/create-image.conf || \
		install -m 0644 etc/create-image.conf \
			$(DESTDIR)$(SYSCONFDIR)/create-image/create-image.conf
	install -m 0644 man/create-image.8 $(COMMANDS:%=man/%.8) \
		$(DESTDIR)$(MANDIR)/man8/

clean:
	rm -rf $(B) $(FB)

.PHONY: all unit leakcheck check test-build fuzz fuzz-build deps demo \
	install clean FORCE
.DELETE_ON_ERROR:
