# tests/tests.mk: rules for test binaries, benchmarks and fuzzing.
