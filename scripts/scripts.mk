# scripts/scripts.mk: rules for the capture side (the kernel-facts helper).
# Appends its binaries to BINS.
