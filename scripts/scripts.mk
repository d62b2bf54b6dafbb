# scripts/scripts.mk: rules for the capture side (the kernel-facts helper).
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

$(BUILD)/dbnetio-kfacts: scripts/dbnetio-kfacts.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(KFACTS_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(KFACTS_LIBS)

$(BUILD)/tcpwork: tests/lanes/tcpwork.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -pthread -o $@ $< $(ALL_LDFLAGS) -pthread

INSTALL_TARGETS += install-scripts
UNINSTALL_TARGETS += uninstall-scripts

.PHONY: install-scripts uninstall-scripts
install-scripts: $(BUILD)/dbnetio-kfacts
	$(call msg,INSTALL,$(DESTDIR)$(BINDIR)/dbnetio)
	$(Q)$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man8
	$(Q)sed 's|^libexecdir=.*|libexecdir=$${DBNETIO_LIBEXECDIR:-$(LIBEXECDIR)}|' scripts/dbnetio > $(DESTDIR)$(BINDIR)/dbnetio
	$(Q)chmod 755 $(DESTDIR)$(BINDIR)/dbnetio
	$(Q)$(INSTALL) -m 755 $(BUILD)/dbnetio-kfacts $(DESTDIR)$(LIBEXECDIR)/dbnetio-kfacts
	$(Q)$(INSTALL) -m 644 scripts/dbnetio.bt scripts/dbnetio-tp.bt $(DESTDIR)$(LIBEXECDIR)/
	$(Q)$(INSTALL) -m 644 man/dbnetio.8 $(DESTDIR)$(MANDIR)/man8/dbnetio.8

uninstall-scripts:
	$(Q)rm -f $(DESTDIR)$(BINDIR)/dbnetio $(DESTDIR)$(LIBEXECDIR)/dbnetio-kfacts \
		$(DESTDIR)$(LIBEXECDIR)/dbnetio.bt $(DESTDIR)$(LIBEXECDIR)/dbnetio-tp.bt \
		$(DESTDIR)$(MANDIR)/man8/dbnetio.8
	$(Q)-rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null || true
