# scripts/collect.mk: rules for dbnetio-collect, the libbpf collector.
# Appends its binary to BINS; every output goes under $(BUILD)/collect/
# except the binary itself, $(BUILD)/dbnetio-collect.
#
#   $(BUILD)/collect/vmlinux.h              the running kernel's types, from its BTF
#   $(BUILD)/collect/SET.bpf.o               the kernel side, one object per probe
#                                            set (clang -target bpf, CO-RE)
#   $(BUILD)/collect/SET.lskel.h             its light skeleton (bpftool gen
#                                            skeleton -L): the object and a loader
#                                            program that loads it in the kernel
#   $(BUILD)/dbnetio-collect                 the user side, every set embedded
# SET is fexit, fexit-sendpage (tcp_sendpage too, for kernels before 6.5),
# tracepoint or kprobe: one source, scripts/dbnetio-collect.bpf.c, and a
# -D per set, because every program of a light skeleton must load.
#
# CO-RE: the object is relocated against the BTF of the kernel it runs on,
# so one build runs on 6.1, 6.12 and 6.18; vmlinux.h only has to come from a
# kernel new enough to declare every type the program names.  Needs clang,
# llvm-strip and bpftool (scripts/install-deps build).
#
#   make bench-collect   start-up time, memory and per-call cost beside
#                        bpftrace (tests/bench/collect-bench; needs root)

CLANG      ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL    ?= bpftool
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
COLLECT_BENCH_ARGS ?=

COLLECT_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' \
	-e 's/ppc64le/powerpc/' -e 's/s390x/s390/' -e 's/riscv64/riscv/')
COLLECT_DIR := $(BUILD)/collect
COLLECT_LIBBPF_CFLAGS := $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null)
COLLECT_LIBBPF_LIBS   := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
# The BPF_PROG/BPF_KPROBE macros declare every argument of the traced
# function, used or not: -Wunused-parameter is noise there, nothing else is.
COLLECT_BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(COLLECT_ARCH) \
	$(WARNFLAGS) -Wno-unused-parameter -I$(COLLECT_DIR) -Iscripts $(COLLECT_LIBBPF_CFLAGS)

BINS += $(BUILD)/dbnetio-collect

$(COLLECT_DIR):
	$(Q)mkdir -p $@

$(COLLECT_DIR)/vmlinux.h: | $(COLLECT_DIR)
	$(call msg,BTF,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

COLLECT_SETS := fexit fexit-sendpage tracepoint kprobe
COLLECT_SET_DEFS_fexit := -DCOLLECT_SET_FEXIT
COLLECT_SET_DEFS_fexit-sendpage := -DCOLLECT_SET_FEXIT -DCOLLECT_SENDPAGE
COLLECT_SET_DEFS_tracepoint := -DCOLLECT_SET_TRACEPOINT
COLLECT_SET_DEFS_kprobe := -DCOLLECT_SET_KPROBE
COLLECT_LSKELS := $(COLLECT_SETS:%=$(COLLECT_DIR)/%.lskel.h)

$(COLLECT_DIR)/%.bpf.o: scripts/dbnetio-collect.bpf.c scripts/dbnetio-collect.h \
		$(COLLECT_DIR)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(COLLECT_BPF_CFLAGS) $(COLLECT_SET_DEFS_$*) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

# The skeleton's name is the set's with '-' as '_': collect_fexit_sendpage.
$(COLLECT_DIR)/%.lskel.h: $(COLLECT_DIR)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton -L $< name collect_$(subst -,_,$*) > $@.tmp
	$(Q)mv $@.tmp $@

$(BUILD)/dbnetio-collect: scripts/dbnetio-collect.c scripts/dbnetio-collect.h \
		$(COLLECT_LSKELS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -MF $(COLLECT_DIR)/dbnetio-collect.d $(COLLECT_LIBBPF_CFLAGS) \
		-I$(COLLECT_DIR) -Iscripts -o $@ $< $(ALL_LDFLAGS) $(COLLECT_LIBBPF_LIBS)

.SECONDARY: $(COLLECT_SETS:%=$(COLLECT_DIR)/%.bpf.o)

INSTALL_TARGETS += install-collect
UNINSTALL_TARGETS += uninstall-collect

.PHONY: install-collect uninstall-collect bench-collect
install-collect: $(BUILD)/dbnetio-collect
	$(call msg,INSTALL,$(DESTDIR)$(BINDIR)/dbnetio-collect)
	$(Q)$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8
	$(Q)$(INSTALL) -m 755 $(BUILD)/dbnetio-collect $(DESTDIR)$(BINDIR)/dbnetio-collect
	$(Q)$(INSTALL) -m 644 man/dbnetio-collect.8 $(DESTDIR)$(MANDIR)/man8/dbnetio-collect.8

uninstall-collect:
	$(Q)rm -f $(DESTDIR)$(BINDIR)/dbnetio-collect $(DESTDIR)$(MANDIR)/man8/dbnetio-collect.8

bench-collect: $(BUILD)/dbnetio-collect $(BUILD)/overhead-pingpong
	$(Q)tests/bench/collect-bench $(COLLECT_BENCH_ARGS)
