# tests/tests.mk: rules for test binaries, benchmarks and fuzzing.
#
#   make unit-tests   build tests/unit/test_*.c into $(BUILD)/tests/ (SAN=1 too)
#   make fuzz         run the parser fuzzer for FUZZ_SECONDS (default 600)
#   make bench-parse  the parser benchmark (tests/bench/parse-bench)

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: unit-tests fuzz fuzz-build bench-parse
unit-tests: $(UNIT_BINS)

$(BUILD)/tests:
	$(Q)mkdir -p $@

$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/unit.h $(POSTPROC_LIB) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-unused-result $(JSONC_CFLAGS) $< -o $@ $(ALL_LDFLAGS) $(POSTPROC_LIB) $(POSTPROC_LDLIBS)

# The fuzzer: libFuzzer needs clang; its own build dir, never mixed with gcc objects.
FUZZ_CC ?= clang
FUZZ_BUILD := build/fuzz
FUZZ_SECONDS ?= 600
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_SRCS := tests/fuzz/fuzz_parse.c $(filter-out postproc/dbnetio-report.c,$(POSTPROC_SRCS))

$(FUZZ_BUILD)/fuzz_parse: $(FUZZ_SRCS) $(wildcard postproc/*.h)
	$(call msg,CLANG,$@)
	$(Q)mkdir -p $(FUZZ_BUILD)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(JSONC_CFLAGS) $(FUZZ_SRCS) -o $@ $(JSONC_LIBS) -lm

fuzz-build: $(FUZZ_BUILD)/fuzz_parse

fuzz: $(FUZZ_BUILD)/fuzz_parse
	$(Q)mkdir -p .cache/fuzz-corpus
	$(Q)mkdir -p .cache/fuzz-findings
	$(Q)$(FUZZ_BUILD)/fuzz_parse -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -artifact_prefix=.cache/fuzz-findings/ \
		.cache/fuzz-corpus tests/fuzz/corpus

bench-parse: $(BUILD)/dbnetio-report
	$(Q)tests/bench/parse-bench
