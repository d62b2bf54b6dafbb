/* group.h: the grouping stage (--by): from the series of a capture's keys
 * to the series a report shows.
 *
 * A group is every member series that agrees on the grouping's attributes,
 * its bytes summed per interval; its statistics (rates, percentiles, peak)
 * and its thresholds are made from those summed samples, as if the capture
 * had been keyed that way, never from its members' statistics.  A grouping
 * is a list of attributes (`--by client`; a later `--by client,user` joins
 * session attributes per connection): each names the key fields it groups
 * by and the capture key that has them.  The process (source, pid, comm,
 * direction) is always part of a group's key; `--by process` adds nothing.
 *
 * Process captures are not grouped: their series are the groups (the series
 * stage keeps their statistics, and its hot path stays as it was).  Client
 * and connection captures are: their @send/@recv series are summed by
 * process and the grouping's fields, their @psend/@precv totals are each
 * process's exact total (a process group is its total when it has one), and
 * what a process's total has beyond its keyed series is its overflow, the
 * group of client "overflow", made when it is first nonzero.
 *
 * Groups are struct series (series.h), numbered with the run's series
 * (series->index); writers see them and nothing else of this stage.
 */
#ifndef DBNETIO_GROUP_H
#define DBNETIO_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "series.h"
#include "summary.h"
#include "threshold.h"

/* What --by may name besides "process".  A new attribute is one entry here
 * and one in group.c's attribute table. */
enum group_attr {
	GROUP_BY_CLIENT,         /* the peer's address */
	GROUP_BY_CONNECTION,     /* the peer's address and port, the local port */
	GROUP_BY_USER,           /* the session's database user (sessions.h) */
	GROUP_BY_DATABASE,       /* the session's database (schema) */
	GROUP_BY_APPLICATION,    /* the session's application_name */
	GROUP_NATTRS
};

#define GROUP_MAX_ATTRS 8

struct group_by {
	bool given;              /* --by was given; else each capture's own key */
	size_t n;
	enum group_attr attr[GROUP_MAX_ATTRS]; /* in the order given */
};

struct group_opts {
	struct group_by by;
	bool no_ports;           /* without --by, group a connection capture by
				  * client (Prometheus series carry no ports) */
};

/* Called for each group's sample as a dump closes, after the group's own
 * numbers took it (series_add_sample()). */
typedef int (*group_sample_fn)(void *arg, struct series *g, const struct sample *smp);

struct group_node;
struct group_member;

struct group_table {
	struct group_opts o;
	const struct threshold *th;
	size_t nth;
	unsigned *next_index;    /* the run's series numbering (shared) */
	group_sample_fn on_sample;
	void *arg;
	struct series **all;     /* the groups, in order of creation */
	size_t n, cap;
	/* private to group.c */
	struct group_node **buckets;   /* groups and processes, by (source, raw key) */
	size_t nbuckets, nnodes;
	struct group_member *members;  /* by member series->index */
	size_t nmembers;
	struct group_node *touched;    /* this dump's groups and processes, in order */
	struct group_node *touched_last;
	bool in_dump;
	struct sample dump;            /* this dump's ts, seconds, rate-ness */
};

/* "process", "client", "connection" or a comma list of them
 * ("client,connection").  0, or -1 with err naming what is accepted. */
int group_by_parse(const char *spec, struct group_by *by, char *err, size_t errlen);
/* Prometheus: does the grouping keep ports (only an explicit --by can)? */
bool group_by_has_ports(const struct group_by *by);
/* Does it group by a session attribute (user, database, application), so
 * that each capture needs its sessions (capture_meta.sessions)? */
bool group_by_has_session(const struct group_by *by);

/* next_index: the counter the series stage numbers its series with. */
int group_table_init(struct group_table *g, const struct group_opts *o,
		     const struct threshold *th, size_t nth, unsigned *next_index,
		     group_sample_fn on_sample, void *arg);
void group_table_free(struct group_table *g);
/* Can capture m be grouped as asked?  0, or -1 with err naming its key when
 * --by asks for a finer grouping than the capture has. */
int group_check(const struct group_table *g, const struct capture_meta *m, char *err,
		size_t errlen);
/* A member's sample (the series stage's on_member), m its source.  0, or -1
 * with err (out of memory). */
int group_member_sample(struct group_table *g, const struct capture_meta *m,
			const struct series *s, const struct sample *smp, char *err, size_t errlen);
/* The dump closed: derive each process's overflow, then make the sample of
 * every group the dump touched, in the order it touched them, and hand it
 * to on_sample.  0, or a series_error: SERIES_ENOMEM with err, or
 * SERIES_EHOOK when on_sample failed (the hook has its own message). */
int group_close_dump(struct group_table *g, char *err, size_t errlen);

#endif
