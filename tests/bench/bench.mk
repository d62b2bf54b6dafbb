# tests/bench/bench.mk: the tracing-overhead benchmark (make bench-overhead).
# A benchmark, not a test: it prints a table of sysbench q/s untraced, traced
# and under an empty-filter probe (the floor), and never fails on the numbers.
# Needs root; about 3 minutes with the defaults.
#   make bench-overhead OVERHEAD_ARGS='-n 7 -t 15'

OVERHEAD_ARGS ?=

.PHONY: bench-overhead

bench-overhead: all
	$(Q)tests/bench/overhead $(OVERHEAD_ARGS)
