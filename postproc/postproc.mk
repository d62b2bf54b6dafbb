# postproc/postproc.mk: rules for dbnetio-report (the stream's consumer).
# Appends its binaries to BINS.
#
# POSTPROC_SRCS: every stage and writer; a new writer adds its .c here.
# The library objects (all but the main) are reused by tests/unit and the
# fuzzer through $(BUILD)/libdbnetio-report.a.

JSONC_CFLAGS := $(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null)
JSONC_LIBS   := $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null || echo -ljson-c)
# fontconfig: which characters the chart fonts can draw (plot_text.c)
FONTCONFIG_CFLAGS := $(shell $(PKG_CONFIG) --cflags fontconfig 2>/dev/null)
FONTCONFIG_LIBS   := $(shell $(PKG_CONFIG) --libs fontconfig 2>/dev/null || echo -lfontconfig)

POSTPROC_LIB_SRCS := postproc/input.c postproc/parse.c postproc/series.c postproc/fastpath.c \
	postproc/group.c postproc/sessions.c postproc/stats.c postproc/threshold.c postproc/units.c postproc/engine.c \
	postproc/write_util.c postproc/write_table.c postproc/write_csv.c \
	postproc/write_json.c postproc/write_prom.c postproc/write_live.c \
	postproc/prom_rules.c postproc/rotate.c
POSTPROC_SRCS := postproc/dbnetio-report.c $(POSTPROC_LIB_SRCS)

POSTPROC_LIB_OBJS := $(POSTPROC_LIB_SRCS:postproc/%.c=$(BUILD)/postproc/%.o)
POSTPROC_LIB := $(BUILD)/libdbnetio-report.a
POSTPROC_LDLIBS := $(JSONC_LIBS) $(FONTCONFIG_LIBS) -lm

BINS += $(BUILD)/dbnetio-report

$(BUILD)/postproc/%.o: postproc/%.c | $(BUILD)/postproc
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(JSONC_CFLAGS) -c $< -o $@

$(BUILD)/postproc:
	$(Q)mkdir -p $@

$(POSTPROC_LIB): $(POSTPROC_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/dbnetio-report: $(BUILD)/postproc/dbnetio-report.o $(POSTPROC_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ -o $@ $(POSTPROC_LDLIBS)

.PHONY: install-postproc uninstall-postproc
INSTALL_TARGETS += install-postproc
UNINSTALL_TARGETS += uninstall-postproc

install-postproc: $(BUILD)/dbnetio-report
	$(call msg,INSTALL,$(DESTDIR)$(BINDIR)/dbnetio-report)
	$(Q)$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(Q)$(INSTALL) -m 755 $(BUILD)/dbnetio-report $(DESTDIR)$(BINDIR)/dbnetio-report
	$(Q)$(INSTALL) -m 644 man/dbnetio-report.1 $(DESTDIR)$(MANDIR)/man1/dbnetio-report.1

uninstall-postproc:
	$(Q)rm -f $(DESTDIR)$(BINDIR)/dbnetio-report $(DESTDIR)$(MANDIR)/man1/dbnetio-report.1

# ---- charts and report (write_plot.c, write_report.c) --------------------
# The gnuplot templates of plots/ are compiled into the binary (see
# plot_templates.awk), so written .gp files need nothing installed; they are
# also installed to $(DATADIR)/plots for people who want to run them by hand.
PLOT_TEMPLATES := $(sort $(wildcard plots/*.gp))
PLOT_OBJS := $(BUILD)/postproc/write_plot.o $(BUILD)/postproc/plot_text.o $(BUILD)/postproc/write_report.o \
	$(BUILD)/postproc/plot_templates.o

$(POSTPROC_LIB): $(PLOT_OBJS)

$(BUILD)/postproc/plot_text.o: postproc/plot_text.c | $(BUILD)/postproc
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(FONTCONFIG_CFLAGS) -c $< -o $@

$(BUILD)/postproc/plot_templates.c: $(PLOT_TEMPLATES) postproc/plot_templates.awk | $(BUILD)/postproc
	$(call msg,GEN,$@)
	$(Q)awk -f postproc/plot_templates.awk $(PLOT_TEMPLATES) > $@

$(BUILD)/postproc/plot_templates.o: $(BUILD)/postproc/plot_templates.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

.PHONY: install-plots uninstall-plots
INSTALL_TARGETS += install-plots
UNINSTALL_TARGETS += uninstall-plots

install-plots:
	$(call msg,INSTALL,$(DESTDIR)$(DATADIR)/plots)
	$(Q)$(INSTALL) -d $(DESTDIR)$(DATADIR)/plots
	$(Q)$(INSTALL) -m 644 $(PLOT_TEMPLATES) $(DESTDIR)$(DATADIR)/plots/

uninstall-plots:
	$(Q)rm -f $(addprefix $(DESTDIR)$(DATADIR)/plots/,$(notdir $(PLOT_TEMPLATES)))
	$(Q)-rmdir $(DESTDIR)$(DATADIR)/plots $(DESTDIR)$(DATADIR) 2>/dev/null || true
