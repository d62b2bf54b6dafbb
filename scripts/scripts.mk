# scripts/scripts.mk: rules for the capture side (the bpftrace programs and
# the kernel-facts helper).
# Appends its binaries to BINS.
#
# dbnetio-kfacts reads the running kernel's BTF with libbpf; the launcher
# (scripts/dbnetio) finds it in build/ next to the source tree or in
# LIBEXECDIR once installed.  tcpwork is the capture lanes' ground-truth
# workload (tests/lanes/); it is built here with the capture side it tests
# and is never installed.

KFACTS_CFLAGS := $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null)
KFACTS_LIBS   := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf)

BINS += $(BUILD)/dbnetio-kfacts $(BUILD)/tcpwork

# The bpftrace programs: every variant the launcher can choose, generated from
# one source by scripts/gen-program into $(BUILD)/programs/, one complete .bt
# file each (tier 20 compiles these very files).  A name spells its variables:
# dbnetio-kprobe-client-sendpage1-flags3-prime0.bt is probe=kprobe key=client
# sendpage=1 flags=3 prime=0.
#   sendpage  kernels before 6.5 have tcp_sendpage (sendfile's path; fexit
#             and kprobe programs)
#   flags     tcp_recvmsg's flags argument: 3 since 5.19, 4 before
#   splice    the kernel has tcp:tcp_rcv_space_adjust and the splice syscall
#             tracepoints (splice receive on the tracepoint program)
#   prime     bpftrace 0.18+ needs a sum(0) before each count (see the source)
PROGRAM_KEYS := process client connection
PROGRAMS := \
	$(foreach k,$(PROGRAM_KEYS),$(foreach s,0 1,$(foreach f,3 4,$(foreach p,0 1,\
		$(BUILD)/programs/dbnetio-kprobe-$(k)-sendpage$(s)-flags$(f)-prime$(p).bt)))) \
	$(foreach k,$(PROGRAM_KEYS),$(foreach s,0 1,$(foreach p,0 1,\
		$(BUILD)/programs/dbnetio-fexit-$(k)-sendpage$(s)-prime$(p).bt))) \
	$(foreach k,$(PROGRAM_KEYS),$(foreach s,0 1,$(foreach p,0 1,\
		$(BUILD)/programs/dbnetio-tracepoint-$(k)-splice$(s)-prime$(p).bt)))
BINS += $(PROGRAMS)

# dbnetio-PROBE-KEY-NAME1V1-NAME2V2... -> "probe=PROBE key=KEY name1=v1 ..."
program_vars = $(shell echo '$(1)' | sed 's/^dbnetio-\([a-z]*\)-\([a-z]*\)/probe=\1 key=\2/; s/-\([a-z]*\)\([0-9][0-9]*\)/ \1=\2/g')

$(BUILD)/programs/%.bt: scripts/dbnetio.bt.in scripts/gen-program
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)awk -f scripts/gen-program -v vars='$(call program_vars,$*)' $< > $@

$(BUILD)/dbnetio-kfacts: scripts/dbnetio-kfacts.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(KFACTS_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(KFACTS_LIBS)

$(BUILD)/tcpwork: tests/lanes/tcpwork.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -pthread -o $@ $< $(ALL_LDFLAGS) -pthread

INSTALL_TARGETS += install-scripts
UNINSTALL_TARGETS += uninstall-scripts

.PHONY: install-scripts uninstall-scripts
install-scripts: $(BUILD)/dbnetio-kfacts $(PROGRAMS)
	$(call msg,INSTALL,$(DESTDIR)$(BINDIR)/dbnetio)
	$(Q)$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man8
	$(Q)sed 's|^libexecdir=.*|libexecdir=$${DBNETIO_LIBEXECDIR:-$(LIBEXECDIR)}|' scripts/dbnetio > $(DESTDIR)$(BINDIR)/dbnetio
	$(Q)chmod 755 $(DESTDIR)$(BINDIR)/dbnetio
	$(Q)$(INSTALL) -m 755 $(BUILD)/dbnetio-kfacts $(DESTDIR)$(LIBEXECDIR)/dbnetio-kfacts
	$(Q)$(INSTALL) -m 755 scripts/dbnetio-sessions $(DESTDIR)$(LIBEXECDIR)/dbnetio-sessions
	$(Q)$(INSTALL) -d $(DESTDIR)$(LIBEXECDIR)/programs
	$(Q)$(INSTALL) -m 644 $(PROGRAMS) $(DESTDIR)$(LIBEXECDIR)/programs/
	$(Q)$(INSTALL) -m 644 man/dbnetio.8 $(DESTDIR)$(MANDIR)/man8/dbnetio.8

uninstall-scripts:
	$(Q)rm -f $(DESTDIR)$(BINDIR)/dbnetio $(DESTDIR)$(LIBEXECDIR)/dbnetio-kfacts \
		$(DESTDIR)$(LIBEXECDIR)/dbnetio-sessions \
		$(addprefix $(DESTDIR)$(LIBEXECDIR)/programs/,$(notdir $(PROGRAMS))) \
		$(DESTDIR)$(MANDIR)/man8/dbnetio.8
	$(Q)-rmdir $(DESTDIR)$(LIBEXECDIR)/programs $(DESTDIR)$(LIBEXECDIR) 2>/dev/null || true
