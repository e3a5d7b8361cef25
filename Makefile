# pea: a daemonless container engine. Plain GNU make, non-recursive: this file
# holds the flags and the rules, each folder adds its part in its module.mk.
#
#   make                      build every binary into $(BUILD)/bin
#   make deps                 install the Debian packages the build and the tests need
#   make check                deps (when missing), build, unit tests, every bats suite
#   make SANITIZE=address,undefined check     the same, built with sanitizers in build-san/
#   make install uninstall    PREFIX=/usr/local DESTDIR=…
#   make docs format lint analyze demo bench clean

.DEFAULT_GOAL := all
SHELL := /bin/bash
.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY:

VERSION := 0.1.0

ifdef SANITIZE
BUILD ?= build-san
else
BUILD ?= build
endif
# One spelling per folder: BUILD=build and BUILD=$PWD/build must name the same
# targets, or the dependency files of one do not match the rules of the other.
override BUILD := $(patsubst $(CURDIR)/%,%,$(abspath $(BUILD)))

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
DESTDIR ?=

CC ?= gcc
AR ?= ar
PKG_CONFIG ?= pkg-config
INSTALL ?= install

# Every pkg-config module some part of pea links. Each module.mk names the ones
# its binaries need in its pea_program call; compile flags come from all.
PKG_MODULES := json-c libseccomp libcap fuse3 libarchive libcurl libnftables libmnl \
	yaml-0.1 libzstd libcrypto gpgme

ifneq ($(filter-out deps help clean format lint,$(or $(MAKECMDGOALS),all)),)
PKG_MISSING := $(foreach m,$(PKG_MODULES),$(if $(shell $(PKG_CONFIG) --exists $(m) && echo y),,$(m)))
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(filter-out $(PKG_MISSING),$(PKG_MODULES)) 2>/dev/null)

WARNINGS := -Wall -Wextra -Werror -Wformat=2 -Wformat-security -Wshadow -Wpointer-arith \
	-Wmissing-prototypes -Wstrict-prototypes -Wmissing-declarations -Wold-style-definition \
	-Wnull-dereference -Wimplicit-fallthrough=5 -Wundef -Wvla -Wcast-align \
	-Wdouble-promotion -Wduplicated-cond -Wlogical-op -Wjump-misses-init -Wswitch-default \
	-Werror=return-type -Werror=incompatible-pointer-types -Werror=int-conversion \
	-Wno-unused-parameter -Wno-missing-field-initializers
ifneq ($(findstring clang,$(shell $(CC) --version 2>/dev/null)),)
# gcc-only warnings; clang says which it does not know.
WARNINGS := $(filter-out -Wduplicated-cond -Wlogical-op -Wjump-misses-init -Wimplicit-fallthrough=5,$(WARNINGS)) \
	-Wimplicit-fallthrough
endif

HARDENING := -fstack-protector-strong -fstack-clash-protection -fcf-protection -fPIE
ifndef SANITIZE
HARDENING += -D_FORTIFY_SOURCE=3
endif

OPTFLAGS ?= -O2 -g
CFLAGS ?= $(OPTFLAGS)
PEA_CFLAGS := -std=gnu17 $(WARNINGS) $(HARDENING) -D_GNU_SOURCE -DPEA_VERSION='"$(VERSION)"' \
	-I. -MMD -MP $(PKG_CFLAGS)
PEA_LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack -Wl,--as-needed


ifdef SANITIZE
PEA_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
PEA_LDFLAGS += -fsanitize=$(SANITIZE)
endif

# pea_static_program's link: a static PIE, no ld.so and no libc.so to map,
# relocate and bind at each exec (0.26-0.4 ms of CPU less per exec here: an
# empty main() costs 0.59 ms dynamic, 0.24 static), for the binaries exec'd on
# every container start that use nothing of glibc that loads modules (NSS's
# getpw*, getaddrinfo, dlopen, iconv: the link warns of each). The sanitizers
# need the dynamic loader: a SANITIZE build links them as pea_program does.
ifdef SANITIZE
PEA_STATIC_LDFLAGS = $(PEA_LDFLAGS)
pea_static_libs = -Wl,-Bstatic $(1) -Wl,-Bdynamic
else
PEA_STATIC_LDFLAGS := -static-pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack
pea_static_libs = $(1)
endif

# What the fragments fill in.
PROGRAMS :=        # $(BUILD)/bin/NAME
INSTALL_BIN :=     # NAME, installed to BINDIR
INSTALL_LIBEXEC := # NAME, built as $(BUILD)/libexec/pea/NAME, installed to LIBEXECDIR/pea
ARCHIVES :=        # $(BUILD)/lib/libNAME.a of the components, for the unit tests
DEB_PACKAGES :=    # Debian packages for make deps
CHECK_PROGRAMS :=  # unit test binaries
MAN_EXTRA :=       # man pages to install that are not named after a binary

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

# $(call pea_archive,NAME,SOURCES): $(BUILD)/lib/libNAME.a
define pea_archive
ARCHIVES += $(BUILD)/lib/lib$(1).a
$(BUILD)/lib/lib$(1).a: $(call obj,$(2))
	@mkdir -p $$(@D)
	$$(AR) rcs $$@ $$^
endef

# $(call pea_program,BINARY,MAIN_SOURCES,ARCHIVES,PKG_MODULES[,STATIC_PKG_MODULES])
# STATIC_PKG_MODULES are linked in from their archives: each library in DT_NEEDED
# costs every exec its loading and binding (json-c: 0.1-0.25 ms of CPU per exec
# here, and pea run execs pea, pea-storage three times and pea-monitor once).
comma := ,
define pea_program
PROGRAMS += $(BUILD)/bin/$(1)
$(BUILD)/bin/$(1): $(call obj,$(2)) $(foreach a,$(3),$(BUILD)/lib/lib$(a).a) $(BUILD)/lib/libpea.a
	@mkdir -p $$(@D)
	$$(CC) $$(PEA_LDFLAGS) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(foreach a,$(3),$(BUILD)/lib/lib$(a).a) $(BUILD)/lib/libpea.a $(if $(5),-Wl$(comma)-Bstatic $$(shell $$(PKG_CONFIG) --libs $(5)) -Wl$(comma)-Bdynamic) $$(shell $$(PKG_CONFIG) --libs $(filter-out $(5),$(4) json-c))
endef

# $(call pea_static_program,BINARY,MAIN_SOURCES,ARCHIVES,PKG_MODULES): every
# library and libc linked in (PEA_STATIC_LDFLAGS).
define pea_static_program
PROGRAMS += $(BUILD)/bin/$(1)
$(BUILD)/bin/$(1): $(call obj,$(2)) $(foreach a,$(3),$(BUILD)/lib/lib$(a).a) $(BUILD)/lib/libpea.a
	@mkdir -p $$(@D)
	$$(CC) $$(PEA_STATIC_LDFLAGS) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(foreach a,$(3),$(BUILD)/lib/lib$(a).a) $(BUILD)/lib/libpea.a $$(call pea_static_libs,$$(shell $$(PKG_CONFIG) --libs $(4) json-c))
endef

include $(sort $(wildcard */module.mk))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(PEA_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
# pea's default seccomp profile is built into pea (.incbin in seccomp-profile.c)
$(BUILD)/obj/frontend/seccomp-profile.o: config/seccomp.json

.PHONY: all
all: check-pkgs $(PROGRAMS)

.PHONY: check-pkgs
check-pkgs:
	@if [ -n "$(strip $(PKG_MISSING))" ]; then \
		echo "missing development packages for: $(strip $(PKG_MISSING))" >&2; \
		echo "run 'make deps' as root (it installs them with apt-get)" >&2; \
		exit 1; \
	fi

# ---- dependencies ---------------------------------------------------------

DEB_PACKAGES += build-essential pkg-config go-md2man clang clang-format libclang-rt-14-dev cppcheck \
	libjson-c-dev libseccomp-dev libcap-dev libfuse3-dev fuse3 libarchive-dev \
	libcurl4-openssl-dev libnftables-dev nftables libmnl-dev libyaml-dev libzstd-dev libssl-dev \
	bats bats-support bats-assert bats-file jq curl busybox-static docker-registry \
	uidmap iproute2 util-linux procps psmisc tini hyperfine time \
	crun runc conmon skopeo fuse-overlayfs netavark aardvark-dns

.PHONY: deps
deps:
	@scripts/deps.sh $(sort $(DEB_PACKAGES))

# ---- tests ------------------------------------------------------------------

.PHONY: check
check: deps-if-missing
	@$(MAKE) --no-print-directory all check-programs
	@PEA_BUILD=$(abspath $(BUILD)) tests/run.sh $(TESTS)

.PHONY: deps-if-missing
deps-if-missing:
	@scripts/deps.sh --if-missing $(sort $(DEB_PACKAGES))

.PHONY: check-programs
check-programs: $(CHECK_PROGRAMS)

# ---- docs -------------------------------------------------------------------

MAN_SOURCES := $(wildcard docs/*.[1-8].md)
MAN_PAGES := $(patsubst docs/%.md,$(BUILD)/man/%,$(MAN_SOURCES))

.PHONY: docs
docs: $(MAN_PAGES)

$(BUILD)/man/%: docs/%.md
	@mkdir -p $(@D)
	go-md2man -in $< -out $@

# ---- install ----------------------------------------------------------------

CONFIG_FILES := $(wildcard config/*.conf config/*.json)
# Man pages of binaries that are built and installed, plus pages a module.mk
# lists in MAN_EXTRA (pages for subcommands and file formats).
INSTALLED_NAMES = $(INSTALL_BIN) $(INSTALL_LIBEXEC)
MAN_INSTALL = $(foreach m,$(MAN_SOURCES:docs/%.md=%),$(if $(strip $(filter $(basename $(m)),$(INSTALLED_NAMES)) $(filter $(m),$(MAN_EXTRA))),$(m)))
man_dir = $(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(1)))

.PHONY: install
install: all $(foreach m,$(MAN_INSTALL),$(BUILD)/man/$(m))
	$(INSTALL) -d $(DESTDIR)$(BINDIR)
	$(foreach b,$(INSTALL_BIN),$(INSTALL) -m 0755 $(BUILD)/bin/$(b) $(DESTDIR)$(BINDIR)/$(b) &&) true
	$(if $(INSTALL_LIBEXEC),$(INSTALL) -d $(DESTDIR)$(LIBEXECDIR)/pea)
	$(foreach b,$(INSTALL_LIBEXEC),$(INSTALL) -m 0755 $(BUILD)/libexec/pea/$(b) $(DESTDIR)$(LIBEXECDIR)/pea/$(b) &&) true
	$(foreach m,$(MAN_INSTALL),$(INSTALL) -D -m 0644 $(BUILD)/man/$(m) $(call man_dir,$(m))/$(m) &&) true
	$(foreach c,$(CONFIG_FILES),$(INSTALL) -D -m 0644 $(c) $(DESTDIR)$(DATADIR)/pea/$(notdir $(c)) &&) true
	$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR)
	$(foreach b,$(INSTALL_BIN),{ cat completions/bash/pea-completion.bash; \
		echo "complete -F _pea_complete $(b)"; } >$(DESTDIR)$(BASHCOMPDIR)/$(b) && \
		chmod 0644 $(DESTDIR)$(BASHCOMPDIR)/$(b) &&) true

# Removes exactly what install put there, then the folders it made if empty.
.PHONY: uninstall
uninstall:
	rm -f $(foreach b,$(INSTALL_BIN),$(DESTDIR)$(BINDIR)/$(b))
	rm -f $(foreach b,$(INSTALL_LIBEXEC),$(DESTDIR)$(LIBEXECDIR)/pea/$(b))
	rm -f $(foreach m,$(MAN_INSTALL),$(call man_dir,$(m))/$(m))
	rm -f $(foreach c,$(CONFIG_FILES),$(DESTDIR)$(DATADIR)/pea/$(notdir $(c)))
	rm -f $(foreach b,$(INSTALL_BIN),$(DESTDIR)$(BASHCOMPDIR)/$(b))
	-rmdir $(DESTDIR)$(LIBEXECDIR)/pea $(DESTDIR)$(DATADIR)/pea 2>/dev/null
	@# Folders left empty, up to (not including) DESTDIR; without DESTDIR none.
	@if [ -n "$(DESTDIR)" ]; then for d in $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(MANDIR)/man* \
		$(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR); do \
		while [ "$$d" != "$(DESTDIR)" ] && [ "$$d" != / ] && rmdir "$$d" 2>/dev/null; do \
			d=$$(dirname "$$d"); done; done; fi

# ---- code quality -----------------------------------------------------------

C_SOURCES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')

.PHONY: format
format:
	clang-format -i $(C_SOURCES)

.PHONY: lint
lint:
	clang-format --dry-run --Werror $(C_SOURCES)
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
		--inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE -I. $(filter %.c,$(C_SOURCES))

.PHONY: analyze
analyze:
	$(MAKE) clean-objs BUILD=build-analyze
	$(MAKE) BUILD=build-analyze CFLAGS="$(OPTFLAGS) -fanalyzer" all

# ---- demo and benchmarks ----------------------------------------------------

.PHONY: demo
demo: deps-if-missing all
	@PEA_BUILD=$(abspath $(BUILD)) scripts/demo.sh

.PHONY: bench
bench: deps-if-missing all
	@PEA_BUILD=$(abspath $(BUILD)) bench/run.sh $(BENCH)

# ---- housekeeping -----------------------------------------------------------

.PHONY: clean clean-objs
clean:
	rm -rf build build-san build-analyze $(BUILD)
clean-objs:
	rm -rf $(BUILD)/obj

.PHONY: help
help:
	@sed -n '3,10s/^# \{0,1\}//p' Makefile
