/* group.c: the grouping stage (see group.h for what a group is).
 *
 * Members arrive as the series stage reads them, one sample per map entry;
 * each is resolved once, at its first sample, to its process node (source,
 * direction, pid, comm) and, when the grouping has a client, to its group.
 * Its bytes are added to both.  Nothing is emitted until the dump closes:
 * only then are a process's total and its keyed entries all known, so only
 * then can its overflow be derived and its groups' sums be final.  Groups
 * and processes a dump touched are kept in one list in the order they were
 * first touched, so the samples come out in the capture's own order.
 *
 * Overflow.  When the capture's per-client map is full, a process's bytes
 * that found no key are missing from @send/@recv but not from @psend/@precv.
 * Per process and direction the overflow so far is O = (sum of the total's
 * per-interval bytes) - (sum of its keyed entries'), both as the series
 * stage made them (counter resets included), so O is the capture's
 * @psend - sum(@send) as long as nothing restarted, and stays right across
 * a restart.  Each dump's overflow sample is what O grew by.  The maps are
 * printed one after another, so a dump is not an atomic snapshot: bytes that
 * arrive between the @send lines and the @psend line make O briefly too
 * large, and at the next dump it shrinks.  Bytes cannot be negative, so a
 * shrink is carried: the overflow series holds its highest O and grows only
 * past it (never below zero, never counted twice as a counter reset would).
 * The process group, when the process has a total, is that total itself,
 * exact whatever the overflow did.
 *
 * Cost: a hash lookup per member's first sample, then per sample two
 * additions through the member's index; a group's sample per dump.
 */
#include "group.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "sessions.h"

/* ===== attributes ===== */

/* The key fields a grouping can have, in the order they appear in a key. */
enum {
	GF_CLIENT = 1,           /* the peer's address */
	GF_PORTS = 2,            /* the peer's port and the local port */
	GF_USER = 4,             /* the session's user, database, application */
	GF_DB = 8,
	GF_APP = 16,
	GF_SESSION = GF_USER | GF_DB | GF_APP,
};

/* One --by attribute: its name, the fields it groups by, the capture key
 * that has them.  Add new attributes (user, database, application) here. */
static const struct group_attr_def {
	const char *name;
	unsigned fields;
	enum capture_key needs;
} attr_defs[GROUP_NATTRS] = {
	[GROUP_BY_CLIENT] = { "client", GF_CLIENT, CAPTURE_KEY_CLIENT },
	[GROUP_BY_CONNECTION] = { "connection", GF_CLIENT | GF_PORTS, CAPTURE_KEY_CONNECTION },
	/* a session is joined by its client address and port (or backend pid) */
	[GROUP_BY_USER] = { "user", GF_USER, CAPTURE_KEY_CONNECTION },
	[GROUP_BY_DATABASE] = { "database", GF_DB, CAPTURE_KEY_CONNECTION },
	[GROUP_BY_APPLICATION] = { "application", GF_APP, CAPTURE_KEY_CONNECTION },
};

/* The key fields capture m is grouped by. */
static unsigned fields_for(const struct group_table *g, const struct capture_meta *m)
{
	unsigned f = 0;

	if (g->o.by.given) {
		for (size_t i = 0; i < g->o.by.n; i++)
			f |= attr_defs[g->o.by.attr[i]].fields;
		return f;
	}
	for (size_t i = 0; i < GROUP_NATTRS; i++)
		if (attr_defs[i].needs <= m->key && attr_defs[i].needs > CAPTURE_KEY_PROCESS)
			f |= attr_defs[i].fields;
	/* sessions only when asked: they need the database's session list */
	f &= ~(unsigned)GF_SESSION;
	return g->o.no_ports ? f & ~(unsigned)GF_PORTS : f;
}

int group_by_parse(const char *spec, struct group_by *by, char *err, size_t errlen)
{
	const char *s = spec;

	memset(by, 0, sizeof(*by));
	by->given = true;
	for (;;) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		while (n && *s == ' ')
			s++, n--;
		while (n && s[n - 1] == ' ')
			n--;
		bool known = n == 7 && memcmp(s, "process", 7) == 0;
		for (size_t a = 0; !known && a < GROUP_NATTRS; a++) {
			if (strlen(attr_defs[a].name) != n || memcmp(s, attr_defs[a].name, n) != 0)
				continue;
			known = true;
			bool dup = false;
			for (size_t i = 0; i < by->n; i++)
				dup |= by->attr[i] == (enum group_attr)a;
			if (!dup && by->n < GROUP_MAX_ATTRS)
				by->attr[by->n++] = (enum group_attr)a;
		}
		if (!known) {
			snprintf(err, errlen, "--by '%s': expected process, client, connection, user, "
				 "database or application (or a comma list of them), got '%.*s'", spec,
				 (int)n, s);
			return -1;
		}
		if (!e)
			return 0;
		s = e + 1;
	}
}

bool group_by_has_ports(const struct group_by *by)
{
	for (size_t i = 0; by->given && i < by->n; i++)
		if (attr_defs[by->attr[i]].fields & GF_PORTS)
			return true;
	return false;
}

bool group_by_has_session(const struct group_by *by)
{
	for (size_t i = 0; by->given && i < by->n; i++)
		if (attr_defs[by->attr[i]].fields & GF_SESSION)
			return true;
	return false;
}

int group_check(const struct group_table *g, const struct capture_meta *m, char *err,
		size_t errlen)
{
	for (size_t i = 0; g->o.by.given && i < g->o.by.n; i++) {
		const struct group_attr_def *d = &attr_defs[g->o.by.attr[i]];
		if (d->needs <= m->key)
			continue;
		snprintf(err, errlen, "--by %s: %s has key=%s: its counters are per %s, so it cannot "
			 "be grouped by %s (use %s)", d->name, m->file, parse_key_name(m->key),
			 parse_key_name(m->key), d->name,
			 m->key == CAPTURE_KEY_CLIENT ? "--by client or --by process" : "--by process");
		return -1;
	}
	if (group_by_has_session(&g->o.by) && !m->sessions) {
		snprintf(err, errlen, "--by: %s has no sessions to join: expected %s%s (written by "
			 "dbnetio --db mariadb|postgres -o CAPTURE), or give --sessions FILE",
			 m->file, strcmp(m->file, "-") ? m->file : "CAPTURE",
			 ".sessions");
		return -1;
	}
	return 0;
}

/* ===== nodes: groups and processes ===== */

/* A group (is_proc false) or a process and direction of a source (true),
 * found by (source, is_proc, raw). */
struct group_node {
	struct group_node *hnext;
	struct group_node *next_touched;
	uint64_t hash;
	unsigned source;
	bool is_proc;
	bool touched;
	char *raw;               /* "@send[4321, mariadbd, 127.0.0.2]" */
	/* a group */
	struct series *s;        /* what writers see */
	uint64_t dump_bytes;     /* this dump's sum so far */
	/* a process */
	unsigned fields;         /* its source's grouping */
	const char *direction;
	long long pid;
	char *comm;
	uint64_t total_sum, leaf_sum, overflow_sum;  /* see the file comment */
	uint64_t dump_total, dump_leaf;
	uint64_t dump_total_resets, dump_leaf_resets;   /* for its process group */
	bool has_total, dump_has_total;
	struct group_node *whole;     /* its group when the grouping has no client */
	struct group_node *overflow;  /* its "overflow" group, once nonzero */
};

/* A member series, by its index: where its bytes go. */
struct group_member {
	struct group_node *proc;
	struct group_node *group;     /* NULL for a total, or no client in the grouping */
	const struct session *sess;   /* the session group is for (by session) */
	bool joined;                  /* group is the join's answer for sess */
	uint64_t resets;              /* of the member's counter resets, those passed on */
};

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return __builtin_add_overflow(a, b, &a) ? UINT64_MAX : a;
}

/* Double the hash table.  0 or -1. */
static int nodes_grow(struct group_table *g)
{
	size_t nb = g->nbuckets ? g->nbuckets * 2 : 256;
	struct group_node **b = calloc(nb, sizeof(*b));

	if (!b)
		return -1;
	for (size_t i = 0; i < g->nbuckets; i++)
		for (struct group_node *n = g->buckets[i], *next; n; n = next) {
			next = n->hnext;
			n->hnext = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	free(g->buckets);
	g->buckets = b;
	g->nbuckets = nb;
	return 0;
}

/* The node (source, is_proc, raw) if there is one. */
static struct group_node *node_find(struct group_table *g, unsigned source, bool is_proc,
				    const char *raw, uint64_t h)
{
	for (struct group_node *n = g->buckets[h & (g->nbuckets - 1)]; n; n = n->hnext)
		if (n->hash == h && n->source == source && n->is_proc == is_proc &&
		    strcmp(n->raw, raw) == 0)
			return n;
	return NULL;
}

/* A new node, in the table.  NULL when out of memory. */
static struct group_node *node_new(struct group_table *g, unsigned source, bool is_proc,
				   const char *raw, uint64_t h)
{
	struct group_node *n;

	if ((g->nnodes + 1) * 2 > g->nbuckets && nodes_grow(g) < 0)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n || !(n->raw = strdup(raw))) {
		free(n);
		return NULL;
	}
	n->hash = h;
	n->source = source;
	n->is_proc = is_proc;
	n->hnext = g->buckets[h & (g->nbuckets - 1)];
	g->buckets[h & (g->nbuckets - 1)] = n;
	g->nnodes++;
	return n;
}

/* Put n on this dump's list, once. */
static void touch(struct group_table *g, struct group_node *n)
{
	if (n->touched)
		return;
	n->touched = true;
	n->next_touched = NULL;
	if (g->touched_last)
		g->touched_last->next_touched = n;
	else
		g->touched = n;
	g->touched_last = n;
}

/* The key tuple of a group: "PID, COMM", then the fields of the grouping it
 * has (an address, then two ports), as a capture keyed so would print it,
 * then its session attributes ("user=...", escaped so that no two read
 * alike) or "(unknown session)".  Returns a malloc'd string, NULL when out
 * of memory. */
static char *key_text(long long pid, const char *comm, unsigned fields, const char *client,
		      int client_port, int local_port, const struct session *sess)
{
	static const struct { unsigned f; const char *name; size_t off; } attrs[] = {
		{ GF_USER, "user", offsetof(struct session, user) },
		{ GF_DB, "database", offsetof(struct session, database) },
		{ GF_APP, "application", offsetof(struct session, application) },
	};
	char *shown[3] = { NULL, NULL, NULL };
	size_t len = strlen(comm) + strlen(client) + 96;
	char *k = NULL;
	int o;

	for (size_t i = 0; sess && i < 3; i++)
		if (fields & attrs[i].f) {
			shown[i] = session_display(*(char *const *)((const char *)sess + attrs[i].off),
						   ",=]");
			if (!shown[i])
				goto out;
			len += strlen(shown[i]) + 16;
		}
	if (!(k = malloc(len)))
		goto out;
	o = snprintf(k, len, "%lld, %s", pid, comm);
	if (fields & GF_CLIENT)
		o += snprintf(k + o, len - (size_t)o, ", %s", client);
	if ((fields & GF_PORTS) && client_port >= 0)
		o += snprintf(k + o, len - (size_t)o, ", %d, %d", client_port, local_port);
	if ((fields & GF_SESSION) && !sess)
		snprintf(k + o, len - (size_t)o, ", (unknown session)");
	for (size_t i = 0; sess && i < 3; i++)
		if (shown[i])
			o += snprintf(k + o, len - (size_t)o, ", %s=%s", attrs[i].name, shown[i]);
out:
	for (size_t i = 0; i < 3; i++)
		free(shown[i]);
	return k;
}

/* "@send[" key "]" */
static char *raw_text(const char *direction, const char *key)
{
	size_t len = strlen(key) + 8;
	char *r = malloc(len);
	if (r)
		snprintf(r, len, "@%s[%s]", direction, key);
	return r;
}

/* Free a group's series (made by group_get()). */

/* The group of process p (its pid, comm, direction, source) with the given
 * client fields, made on first use.  NULL when out of memory. */
static struct group_node *group_get(struct group_table *g, const struct group_node *p,
				    unsigned fields, const char *client, int client_port,
				    int local_port, const struct session *sess)
{
	char *key = key_text(p->pid, p->comm, fields, client, client_port, local_port, sess);
	char *raw = key ? raw_text(p->direction, key) : NULL;
	struct group_node *n = NULL;
	struct series *s = NULL;

	if (!raw)
		goto fail;
	uint64_t h = series_hash_key(p->source, raw, strlen(raw));
	if ((n = node_find(g, p->source, false, raw, h))) {
		free(key);
		free(raw);
		return n;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	s->index = (*g->next_index)++;
	s->source = p->source;
	s->raw = raw;
	s->rawlen = (uint32_t)strlen(raw);
	s->key = key;
	raw = key = NULL;
	s->map = strdup(p->direction[0] == 's' ? "@send" : "@recv");
	s->direction = p->direction;
	s->pid = p->pid;
	s->comm = strdup(p->comm);
	s->client = strdup(fields & GF_CLIENT ? client : "");
	s->client_port = fields & GF_PORTS ? client_port : -1;
	s->local_port = fields & GF_PORTS ? local_port : -1;
	if (fields & GF_SESSION) {
		/* an attribute the grouping has: its value, or NULL with
		 * session_unknown; one it has not: NULL */
		s->session_unknown = !sess;
		if (sess && (fields & GF_USER) && !(s->db_user = strdup(sess->user)))
			goto fail;
		if (sess && (fields & GF_DB) && !(s->database = strdup(sess->database)))
			goto fail;
		if (sess && (fields & GF_APP) && !(s->application = strdup(sess->application)))
			goto fail;
		s->session_fields = (fields & GF_USER ? SERIES_SESSION_USER : 0) |
				    (fields & GF_DB ? SERIES_SESSION_DATABASE : 0) |
				    (fields & GF_APP ? SERIES_SESSION_APPLICATION : 0);
	}
	stats_init(&s->stats);
	if (!s->map || !s->comm || !s->client || series_set_label(s) < 0)
		goto fail;
	if (series_watch(s, g->th, g->nth) < 0)
		goto fail;
	if (series_array_push(&g->all, &g->n, &g->cap, s) < 0)
		goto fail;
	if (!(n = node_new(g, p->source, false, s->raw, h))) {
		g->n--;         /* not kept after all */
		goto fail;
	}
	n->s = s;
	return n;
fail:
	free(key);
	free(raw);
	series_free(s, g->nth);
	return NULL;
}

/* The process node of member s, made on first use.  NULL when out of memory. */
static struct group_node *proc_get(struct group_table *g, const struct capture_meta *m,
				   const struct series *s)
{
	char *key = key_text(s->pid, s->comm, 0, "", -1, -1, NULL);
	char *raw = key ? raw_text(s->direction, key) : NULL;
	struct group_node *n = NULL;

	free(key);
	if (!raw)
		return NULL;
	uint64_t h = series_hash_key(s->source, raw, strlen(raw));
	n = node_find(g, s->source, true, raw, h);
	if (!n) {
		char *comm = strdup(s->comm);
		if (comm && (n = node_new(g, s->source, true, raw, h))) {
			n->fields = fields_for(g, m);
			n->direction = s->direction;
			n->pid = s->pid;
			n->comm = comm;
		} else {
			free(comm);
		}
	}
	free(raw);
	return n;
}

/* ===== API ===== */

int group_table_init(struct group_table *g, const struct group_opts *o,
		     const struct threshold *th, size_t nth, unsigned *next_index,
		     group_sample_fn on_sample, void *arg)
{
	memset(g, 0, sizeof(*g));
	g->o = *o;
	g->th = th;
	g->nth = nth;
	g->next_index = next_index;
	g->on_sample = on_sample;
	g->arg = arg;
	return nodes_grow(g);
}

void group_table_free(struct group_table *g)
{
	for (size_t i = 0; i < g->nbuckets; i++)
		for (struct group_node *n = g->buckets[i], *next; n; n = next) {
			next = n->hnext;
			series_free(n->s, g->nth);
			free(n->comm);
			free(n->raw);
			free(n);
		}
	free(g->buckets);
	free(g->all);
	free(g->members);
	memset(g, 0, sizeof(*g));
}

int group_member_sample(struct group_table *g, const struct capture_meta *m,
			const struct series *s, const struct sample *smp, char *err, size_t errlen)
{
	struct group_member *mb;

	if (s->index >= g->nmembers) {
		size_t n = g->nmembers ? g->nmembers : 64;
		while (n <= s->index)
			n *= 2;
		mb = realloc(g->members, n * sizeof(*mb));
		if (!mb)
			goto nomem;
		memset(mb + g->nmembers, 0, (n - g->nmembers) * sizeof(*mb));
		g->members = mb;
		g->nmembers = n;
	}
	mb = &g->members[s->index];
	if (!mb->proc) {
		if (!(mb->proc = proc_get(g, m, s)))
			goto nomem;
		if (!s->total && (mb->proc->fields & GF_CLIENT) && !(mb->proc->fields & GF_SESSION) &&
		    !(mb->group = group_get(g, mb->proc, mb->proc->fields, s->client,
					    s->client_port, s->local_port, NULL)))
			goto nomem;
	}
	if (!s->total && (mb->proc->fields & GF_SESSION)) {
		/* the join, per sample: a client port may be another session's
		 * later; bytes whose session is not known stay per client */
		const struct session *sess =
			smp->timed && m->sessions
				? session_find(m->sessions, s->client, s->client_port, s->pid,
					       (double)smp->ts, (double)smp->end)
				: NULL;
		/* no session and no bytes (a closed connection's entry stays in
		 * the map): nothing to attribute, no empty unknown group */
		if ((sess || smp->bytes) && (!mb->joined || sess != mb->sess)) {
			unsigned f = mb->proc->fields;
			if (!sess)
				f |= GF_CLIENT;
			if (!(mb->group = group_get(g, mb->proc, f, s->client, s->client_port,
						    s->local_port, sess)))
				goto nomem;
			mb->sess = sess;
			mb->joined = true;
		}
	}
	if (!g->in_dump) {
		g->dump = *smp;
		g->in_dump = true;
	}
	touch(g, mb->proc);
	/* a member's counter reset is its group's (the capture restarted) */
	uint64_t resets = s->resets - mb->resets;
	mb->resets = s->resets;
	if (s->total) {
		mb->proc->dump_total = add_sat(mb->proc->dump_total, smp->bytes);
		mb->proc->dump_total_resets += resets;
		mb->proc->dump_has_total = mb->proc->has_total = true;
		return 0;
	}
	mb->proc->dump_leaf = add_sat(mb->proc->dump_leaf, smp->bytes);
	mb->proc->dump_leaf_resets += resets;
	if (mb->group) {
		mb->group->dump_bytes = add_sat(mb->group->dump_bytes, smp->bytes);
		mb->group->s->resets += resets;
		touch(g, mb->group);
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* A process at the end of a dump: its overflow and, without a client in
 * the grouping, its process group.  0 or -1 (out of memory). */
static int proc_close(struct group_table *g, struct group_node *p)
{
	p->total_sum = add_sat(p->total_sum, p->dump_total);
	p->leaf_sum = add_sat(p->leaf_sum, p->dump_leaf);
	if (p->dump_has_total) {
		uint64_t o = p->total_sum > p->leaf_sum ? p->total_sum - p->leaf_sum : 0;
		uint64_t grew = o > p->overflow_sum ? o - p->overflow_sum : 0;
		p->overflow_sum += grew;
		if ((p->fields & (GF_CLIENT | GF_SESSION)) && (p->overflow || grew)) {
			if (!p->overflow &&
			    !(p->overflow = group_get(g, p, GF_CLIENT, "overflow", -1, -1, NULL)))
				return -1;
			p->overflow->dump_bytes = add_sat(p->overflow->dump_bytes, grew);
			touch(g, p->overflow);
		}
	}
	if (!(p->fields & (GF_CLIENT | GF_SESSION))) {
		if (!p->whole && !(p->whole = group_get(g, p, 0, "", -1, -1, NULL)))
			return -1;
		p->whole->dump_bytes = add_sat(p->whole->dump_bytes,
					       p->has_total ? p->dump_total : p->dump_leaf);
		p->whole->s->resets += p->has_total ? p->dump_total_resets : p->dump_leaf_resets;
		touch(g, p->whole);
	}
	p->dump_total = p->dump_leaf = 0;
	p->dump_total_resets = p->dump_leaf_resets = 0;
	p->dump_has_total = false;
	return 0;
}

int group_close_dump(struct group_table *g, char *err, size_t errlen)
{
	struct group_node *n;
	int ret = 0;

	if (!g->in_dump)
		return 0;
	/* processes first: they add overflow and process groups to the list */
	for (n = g->touched; n; n = n->next_touched)
		if (n->is_proc && proc_close(g, n) < 0) {
			snprintf(err, errlen, "out of memory");
			ret = SERIES_ENOMEM;
			break;
		}
	for (n = g->touched; n && ret == 0; n = n->next_touched) {
		if (n->is_proc)
			continue;
		struct sample smp = g->dump;
		smp.bytes = n->dump_bytes;
		/* as the series stage makes a rate: x * (1/1) is exact */
		smp.rate = !smp.is_rate ? 0 : smp.seconds == 1 ? (double)smp.bytes
							       : (double)smp.bytes * (1.0 / smp.seconds);
		n->dump_bytes = 0;
		if (series_add_sample(n->s, &smp) < 0) {
			snprintf(err, errlen, "out of memory");
			ret = SERIES_ENOMEM;
		} else if (g->on_sample && g->on_sample(g->arg, n->s, &smp) < 0) {
			snprintf(err, errlen, "a sample hook failed");
			ret = SERIES_EHOOK;
		}
	}
	for (n = g->touched; n; n = n->next_touched) {
		n->touched = false;
		n->dump_bytes = 0;
	}
	g->touched = g->touched_last = NULL;
	g->in_dump = false;
	return ret;
}
