# dbnetio — top-level build.
#
#   make              build the post-processor and the capture helper into build/
#   make demo         trace a throwaway MariaDB under sysbench, write out/
#   make check        every test tier that can run here (tests/run)
#   make check-quick  unit tests only, for iteration
#   make bench        parser speed, tracing overhead and long-run memory benchmarks
#   make fuzz         the parser fuzzer, for longer than make check runs it
#   make install      PREFIX=/usr/local DESTDIR= (both honoured)
#
# Quiet unless V=1.  SAN=1 builds with ASan+UBSan into build/san/.
# Each area keeps its rules in its own fragment (postproc/postproc.mk,
# scripts/scripts.mk, tests/tests.mk); this file only ties them together.

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/dbnetio
DATADIR ?= $(PREFIX)/share/dbnetio
MANDIR  ?= $(PREFIX)/share/man
CC      ?= cc
PKG_CONFIG ?= pkg-config
INSTALL ?= install

SAN ?= 0
ifeq ($(SAN),1)
BUILD   ?= build/san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -g
else
BUILD   ?= build
SANFLAGS =
endif

WARNFLAGS = -Wall -Wextra -Werror
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARNFLAGS) $(CFLAGS) $(SANFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.DEFAULT_GOAL := all

# Fragments append to these.
BINS :=
CLEAN_EXTRA :=
INSTALL_TARGETS :=
UNINSTALL_TARGETS :=

include postproc/postproc.mk
include scripts/scripts.mk
include scripts/collect.mk
include service/service.mk
include tests/tests.mk
-include tests/bench/bench.mk

.PHONY: all deps deps-build check check-quick demo bench fuzz install uninstall clean

all: $(BINS)

deps:
	$(Q)scripts/install-deps check

deps-build:
	$(Q)scripts/install-deps build

check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run

check-quick: all
	$(Q)tests/run skeleton unit

demo:
	$(Q)scripts/install-deps demo
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo

DOCDIR ?= $(PREFIX)/share/doc/dbnetio

install: all $(INSTALL_TARGETS)
	$(call msg,INSTALL,$(DESTDIR)$(DOCDIR))
	$(Q)$(INSTALL) -d $(DESTDIR)$(DOCDIR)
	$(Q)$(INSTALL) -m 644 README.md $(DESTDIR)$(DOCDIR)/README.md

uninstall: $(UNINSTALL_TARGETS)
	$(Q)rm -f $(DESTDIR)$(DOCDIR)/README.md
	$(Q)-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# Benchmarks report ratios against references measured in the same run;
# they are never timed assertions and are not part of make check.
bench: all bench-parse bench-overhead bench-collect bench-live

$(BUILD):
	$(Q)mkdir -p $@

clean:
	$(call msg,CLEAN,build out)
	$(Q)rm -rf build out $(CLEAN_EXTRA)

-include $(wildcard $(BUILD)/*.d $(BUILD)/*/*.d)
