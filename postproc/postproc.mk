# postproc/postproc.mk: rules for dbnetio-report (the stream's consumer).
# Appends its binaries to BINS.
