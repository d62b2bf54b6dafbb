# tests/bench/bench.mk: the tracing-overhead benchmarks (make bench-overhead).
# Benchmarks, not tests: they print tables and never fail on the numbers.
#   tests/bench/overhead        sysbench point-select q/s (and server CPU per
#                               query) untraced, and traced and under an
#                               empty-filter probe (the floor) for bpftrace
#                               and for the collector, alternating; ~8 minutes
#   tests/bench/overhead-calls  CPU ns per socket call of the same three
#                               kinds, on a loopback ping-pong; ~1 minute
#   tests/bench/live-memory     VmRSS of every process of the service's
#                               pipeline over a live run with 1,000 client
#                               keys at 1 s, at its start and end; 30 minutes
#                               (make bench-live LIVE_MEMORY_ARGS='-d 180')
# All need root.  Options pass through, e.g.
#   make bench-overhead OVERHEAD_ARGS='-n 7 -t 15' OVERHEAD_CALLS_ARGS='-n 9'

OVERHEAD_ARGS ?=
OVERHEAD_CALLS_ARGS ?=

LIVE_MEMORY_ARGS ?=

.PHONY: bench-overhead bench-live

$(BUILD)/overhead-pingpong: tests/bench/overhead-pingpong.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -pthread $< -o $@ $(ALL_LDFLAGS) -pthread

bench-overhead: all $(BUILD)/overhead-pingpong
	$(Q)tests/bench/overhead $(OVERHEAD_ARGS)
	$(Q)tests/bench/overhead-calls $(OVERHEAD_CALLS_ARGS)

bench-live: all
	$(Q)tests/bench/live-memory $(LIVE_MEMORY_ARGS)
