/* prom_rules.h: Prometheus alerting rules from threshold specs
 * (--prom-rules); the mapping is described in prom_rules.c. */
#ifndef DBNETIO_PROM_RULES_H
#define DBNETIO_PROM_RULES_H

#include <stddef.h>
#include <stdio.h>

#include "threshold.h"

/* The default rate() window: four scrapes at node_exporter's usual 15 s. */
#define PROM_RULES_WINDOW_DEFAULT 60

/* Write one rule group, a rule per threshold, rate() over window seconds.
 * 0, or -1 with err. */
int prom_rules_write(FILE *f, const struct threshold *th, size_t n, unsigned window,
		     char *err, size_t errlen);

#endif
