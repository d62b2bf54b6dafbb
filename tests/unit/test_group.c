/* test_group.c: per-client and per-connection keys from map entries to the
 * series a report shows — the series stage's members, the group stage's
 * sums by process, client and connection, the overflow a process's total
 * has beyond its keyed entries, and the statistics of a group's summed
 * samples (not of its members'). */
#include <stdlib.h>

#include "../../postproc/group.h"
#include "../../postproc/parse.h"
#include "../../postproc/series.h"
#include "../../postproc/sessions.h"
#include "../../postproc/summary.h"
#include "unit.h"

#define MAXS 256
static struct sample got[MAXS];
static struct series *got_s[MAXS];
static int ngot;
static char err[512];

/* The wiring of engine.c, without writers: series -> group -> here. */
struct gx {
	struct series_table t;
	struct group_table g;
	struct series_source src;
	struct capture_meta m;
	unsigned nindex;
};

static int on_group_sample(void *arg, struct series *s, const struct sample *smp)
{
	(void)arg;
	if (ngot < MAXS) {
		got[ngot] = *smp;
		got_s[ngot] = s;
		ngot++;
	}
	return 0;
}

static int on_member(void *arg, struct series *s, const struct sample *smp)
{
	struct gx *x = arg;
	return group_member_sample(&x->g, &x->m, s, smp, err, sizeof(err));
}

static int on_dump(void *arg, struct capture_meta *m, int64_t ts, bool partial)
{
	struct gx *x = arg;
	(void)m;
	(void)ts;
	(void)partial;
	return group_close_dump(&x->g, err, sizeof(err));
}

/* key: the capture's key= (known), or -1 for a header-less stream; by: --by
 * or NULL for the capture's own key. */
static void gx_init(struct gx *x, int key, const char *by)
{
	struct group_opts o = { 0 };

	memset(x, 0, sizeof(*x));
	x->m.interval = 1;
	x->m.file = "test.txt";
	if (key >= 0) {
		x->m.key = (enum capture_key)key;
		x->m.key_known = true;
		x->m.format_version = 2;
	}
	if (by && group_by_parse(by, &o.by, err, sizeof(err)) < 0)
		printf("# group_by_parse: %s\n", err);
	series_table_init(&x->t, NULL, 0, NULL, on_dump, x);
	x->t.next_index = &x->nindex;
	x->t.on_member = on_member;
	group_table_init(&x->g, &o, NULL, 0, &x->nindex, on_group_sample, NULL);
	series_source_init(&x->src, &x->m);
	ngot = 0;
}

static void T(struct gx *x, int64_t ts)
{
	series_time(&x->t, &x->src, ts, 0, 0, err, sizeof(err));
}

static int V(struct gx *x, const char *key, uint64_t v)
{
	err[0] = '\0';
	int rc = series_value(&x->t, &x->src, key, strlen(key), v, err, sizeof(err));
	if (rc < 0 && !strstr(err, "expected"))
		printf("# series_value: %s\n", err);
	return rc;
}

static void gx_end(struct gx *x)
{
	series_close_dump(&x->t, &x->src, err, sizeof(err));
}

static void gx_free(struct gx *x)
{
	group_table_free(&x->g);
	series_table_free(&x->t);
}

/* The group whose label is `label`, NULL if none. */
static struct series *G(struct gx *x, const char *label)
{
	for (size_t i = 0; i < x->g.n; i++)
		if (strcmp(x->g.all[i]->label, label) == 0)
			return x->g.all[i];
	return NULL;
}

static uint64_t total(struct gx *x, const char *label)
{
	struct series *s = G(x, label);
	return s ? s->total_bytes : UINT64_MAX;
}

/* Two clients and the process total: 127.0.0.2 sends 1000, 2000 more;
 * ::1 sends 100, 300 more; @psend says 1100, then 3900: 500 bytes found no
 * key in the second dump. */
static void client_capture(void)
{
	struct gx x;

	gx_init(&x, CAPTURE_KEY_CLIENT, NULL);
	T(&x, 100);
	V(&x, "@send[4321, mariadbd, 127.0.0.2]", 1000);
	V(&x, "@send[4321, mariadbd, ::1]", 100);
	V(&x, "@recv[4321, mariadbd, 127.0.0.2]", 50);
	V(&x, "@psend[4321, mariadbd]", 1100);
	V(&x, "@precv[4321, mariadbd]", 50);
	T(&x, 101);
	V(&x, "@send[4321, mariadbd, 127.0.0.2]", 3000);
	V(&x, "@send[4321, mariadbd, ::1]", 400);
	V(&x, "@recv[4321, mariadbd, 127.0.0.2]", 80);
	V(&x, "@psend[4321, mariadbd]", 3900);
	V(&x, "@precv[4321, mariadbd]", 80);
	gx_end(&x);

	struct series *a = G(&x, "4321 mariadbd 127.0.0.2 send");
	UNIT_TRUE("client: a group per client and direction, plus the overflow", x.g.n == 4 && a);
	UNIT_EQ_STR("client: the group's client", "127.0.0.2", a ? a->client : NULL);
	UNIT_TRUE("client: no ports in a client grouping", a && a->client_port == -1 && a->local_port == -1);
	UNIT_EQ_STR("client: the group's key is the capture's tuple", "4321, mariadbd, 127.0.0.2",
		    a ? a->key : NULL);
	UNIT_EQ_U64("client: totals per client are the counters", 3000, total(&x, "4321 mariadbd 127.0.0.2 send"));
	UNIT_EQ_U64("client: IPv6 client total", 400, total(&x, "4321 mariadbd ::1 send"));
	UNIT_EQ_U64("overflow: @psend - sum(@send) at the end", 500, total(&x, "4321 mariadbd overflow send"));
	UNIT_TRUE("overflow: no recv overflow when @precv equals its entries",
		  !G(&x, "4321 mariadbd overflow recv"));
	struct series *o = G(&x, "4321 mariadbd overflow send");
	UNIT_TRUE("overflow: appears when first nonzero (one sample)", o && o->stats.n == 1);
	UNIT_EQ_U64("overflow: a process's clients sum to its @psend",
		    3900, total(&x, "4321 mariadbd 127.0.0.2 send") + total(&x, "4321 mariadbd ::1 send") +
		    total(&x, "4321 mariadbd overflow send"));
	UNIT_TRUE("members are not groups: @psend is no series of its own",
		  !G(&x, "4321 mariadbd send") && x.t.n == 5 && x.t.all[3]->grouped && x.t.all[3]->total);
	UNIT_EQ_U64("samples: one per group per dump it is in (3 + 4)", 7, ngot);
	bool distinct = x.nindex == x.t.n + x.g.n;
	for (size_t i = 0; i < x.g.n; i++)
		for (size_t j = 0; j < x.t.n; j++)
			distinct &= x.g.all[i]->index != x.t.all[j]->index && x.g.all[i]->index < x.nindex;
	UNIT_TRUE("members and groups share one numbering, no index twice", distinct);
	gx_free(&x);

	gx_init(&x, CAPTURE_KEY_CLIENT, "process");
	T(&x, 100);
	V(&x, "@send[4321, mariadbd, 127.0.0.2]", 1000);
	V(&x, "@send[4321, mariadbd, ::1]", 100);
	V(&x, "@psend[4321, mariadbd]", 1100);
	V(&x, "@recv[4321, mariadbd, 127.0.0.2]", 50);
	T(&x, 101);
	V(&x, "@send[4321, mariadbd, 127.0.0.2]", 3000);
	V(&x, "@send[4321, mariadbd, ::1]", 400);
	V(&x, "@psend[4321, mariadbd]", 3900);
	V(&x, "@recv[4321, mariadbd, 127.0.0.2]", 80);
	gx_end(&x);
	struct series *p = G(&x, "4321 mariadbd send");
	UNIT_TRUE("--by process: one group per process and direction", x.g.n == 2 && p);
	UNIT_EQ_U64("--by process: the process is its @psend", 3900, p ? p->total_bytes : 0);
	UNIT_EQ_STR("--by process: the key a process capture would have", "@send[4321, mariadbd]",
		    p ? p->raw : NULL);
	UNIT_TRUE("--by process: no client", p && p->client[0] == '\0' && p->client_port == -1);
	UNIT_EQ_U64("--by process: without @precv, the sum of its clients", 80, total(&x, "4321 mariadbd recv"));
	gx_free(&x);
}

/* A group's rates are those of its summed bytes: two clients peaking in
 * different seconds make a process whose peak is neither sum of peaks. */
static void group_statistics(void)
{
	struct gx x;
	static const uint64_t a[] = { 100, 100, 400, 400 }, b[] = { 0, 300, 300, 300 };

	gx_init(&x, CAPTURE_KEY_CLIENT, "process");
	/* a format-2 capture's first dump is partial: a baseline before it */
	T(&x, 99);
	V(&x, "@send[7, pg, 10.0.0.1]", 0);
	V(&x, "@send[7, pg, 10.0.0.2]", 0);
	for (int i = 0; i < 4; i++) {
		T(&x, 100 + i);
		V(&x, "@send[7, pg, 10.0.0.1]", a[i]);      /* +100, +0, +300, +0 */
		V(&x, "@send[7, pg, 10.0.0.2]", b[i]);      /* +0, +300, +0, +0 */
	}
	gx_end(&x);
	struct series *p = G(&x, "7 pg send");
	UNIT_TRUE("stats: one process group", x.g.n == 1 && p);
	if (!p)
		return;
	UNIT_EQ_DBL("stats: peak of the sums (300), not the sum of peaks (600)", 300, p->stats.max, 0);
	/* labelled by the interval's start: the dump at 101 closes [100, 101) */
	UNIT_EQ_U64("stats: peak time is the sum's", 100, p->stats.max_ts);
	UNIT_EQ_DBL("stats: mean of the summed rates", 175, stats_mean(&p->stats), 1e-9);
	UNIT_EQ_DBL("stats: min of the summed rates", 0, stats_min(&p->stats), 0);
	UNIT_EQ_DBL("stats: p50 of the summed rates", 100, stats_quantile(&p->stats, 0.5), 0);
	UNIT_EQ_U64("stats: four rate samples", 4, p->stats.n);
	gx_free(&x);
}

/* Connections summed by client; ::ffff:a.b.c.d is the same client. */
static void connection_capture(void)
{
	struct gx x;

	gx_init(&x, CAPTURE_KEY_CONNECTION, NULL);
	T(&x, 100);
	V(&x, "@send[4321, mariadbd, 127.0.0.2, 53124, 3306]", 10);
	V(&x, "@send[4321, mariadbd, ::ffff:127.0.0.2, 53125, 3306]", 20);
	V(&x, "@send[4321, mariadbd, ::1, 40000, 3306]", 5);
	V(&x, "@psend[4321, mariadbd]", 35);
	T(&x, 101);
	V(&x, "@send[4321, mariadbd, 127.0.0.2, 53124, 3306]", 110);
	V(&x, "@send[4321, mariadbd, ::ffff:127.0.0.2, 53125, 3306]", 220);
	V(&x, "@send[4321, mariadbd, ::1, 40000, 3306]", 5);
	V(&x, "@psend[4321, mariadbd]", 335);
	gx_end(&x);
	struct series *c = G(&x, "4321 mariadbd 127.0.0.2:53125>3306 send");
	UNIT_TRUE("connection: a group per connection", x.g.n == 3 && c);
	UNIT_TRUE("connection: its ports", c && c->client_port == 53125 && c->local_port == 3306);
	UNIT_EQ_STR("connection: the mapped address is the IPv4 client", "127.0.0.2", c ? c->client : NULL);
	UNIT_TRUE("connection: IPv6 label in brackets", G(&x, "4321 mariadbd [::1]:40000>3306 send") != NULL);
	UNIT_EQ_STR("connection: the group's key", "4321, mariadbd, 127.0.0.2, 53125, 3306", c ? c->key : NULL);
	UNIT_TRUE("connection: no overflow when @psend is the sum", !G(&x, "4321 mariadbd overflow send"));
	gx_free(&x);

	gx_init(&x, CAPTURE_KEY_CONNECTION, "client");
	T(&x, 100);
	V(&x, "@send[4321, mariadbd, 127.0.0.2, 53124, 3306]", 10);
	V(&x, "@send[4321, mariadbd, ::ffff:127.0.0.2, 53125, 3306]", 20);
	V(&x, "@send[4321, mariadbd, ::1, 40000, 3306]", 5);
	T(&x, 101);
	V(&x, "@send[4321, mariadbd, 127.0.0.2, 53124, 3306]", 110);
	V(&x, "@send[4321, mariadbd, ::ffff:127.0.0.2, 53125, 3306]", 220);
	V(&x, "@send[4321, mariadbd, ::1, 40000, 3306]", 5);
	gx_end(&x);
	struct series *cl = G(&x, "4321 mariadbd 127.0.0.2 send");
	UNIT_TRUE("--by client of a connection capture: a group per client", x.g.n == 2 && cl);
	UNIT_EQ_U64("--by client: its connections summed (mapped address too)", 330, cl ? cl->total_bytes : 0);
	UNIT_EQ_DBL("--by client: its rate is the connections' summed bytes", 300, cl ? cl->stats.max : 0, 0);
	UNIT_TRUE("--by client: no ports", cl && cl->client_port == -1);
	gx_free(&x);
}

/* The overflow's edge cases. */
static void overflow_edges(void)
{
	struct gx x;

	/* @psend printed after @send took 50 bytes the next dump's @send has:
	 * O goes 0, 50, 0, 30: the overflow holds 50 and grows only past it */
	gx_init(&x, CAPTURE_KEY_CLIENT, NULL);
	static const uint64_t s[] = { 100, 200, 350, 400 }, p[] = { 100, 250, 350, 430 };
	for (int i = 0; i < 4; i++) {
		T(&x, 100 + i);
		V(&x, "@send[1, db, 10.0.0.1]", s[i]);
		V(&x, "@psend[1, db]", p[i]);
	}
	gx_end(&x);
	struct series *o = G(&x, "1 db overflow send");
	UNIT_EQ_U64("dip: the overflow never shrinks nor counts a reset", 50, o ? o->total_bytes : 0);
	UNIT_TRUE("dip: a sample every dump once it exists, none negative", o && o->stats.n == 3 &&
		  o->stats.max == 50 && stats_min(&o->stats) == 0);
	UNIT_EQ_U64("dip: no counter reset counted", 0, x.m.counts.resets);
	gx_free(&x);

	/* the capture restarted: every counter starts again from zero */
	gx_init(&x, CAPTURE_KEY_CLIENT, NULL);
	T(&x, 100);
	V(&x, "@send[1, db, 10.0.0.1]", 1000);
	V(&x, "@psend[1, db]", 1200);
	T(&x, 101);
	V(&x, "@send[1, db, 10.0.0.1]", 100);
	V(&x, "@psend[1, db]", 150);
	gx_end(&x);
	UNIT_EQ_U64("restart: the overflow is both runs' (200 + 50)", 250, total(&x, "1 db overflow send"));
	UNIT_EQ_U64("restart: the client is both runs'", 1100, total(&x, "1 db 10.0.0.1 send"));
	UNIT_EQ_U64("restart: resets counted for the entry and the total", 2, x.m.counts.resets);
	UNIT_EQ_U64("restart: the client's group has its member's reset", 1,
		    G(&x, "1 db 10.0.0.1 send") ? G(&x, "1 db 10.0.0.1 send")->resets : 9);
	gx_free(&x);
	gx_init(&x, CAPTURE_KEY_CLIENT, "process");
	T(&x, 100);
	V(&x, "@send[1, db, 10.0.0.1]", 1000);
	V(&x, "@send[1, db, 10.0.0.2]", 1000);
	V(&x, "@psend[1, db]", 2000);
	T(&x, 101);
	V(&x, "@send[1, db, 10.0.0.1]", 100);
	V(&x, "@send[1, db, 10.0.0.2]", 100);
	V(&x, "@psend[1, db]", 200);
	gx_end(&x);
	UNIT_EQ_U64("restart --by process: the process group has its total's reset", 1,
		    G(&x, "1 db send") ? G(&x, "1 db send")->resets : 9);
	gx_free(&x);

	/* no @psend at all: no overflow can be known */
	gx_init(&x, CAPTURE_KEY_CLIENT, NULL);
	T(&x, 100);
	V(&x, "@send[1, db, 10.0.0.1]", 1000);
	gx_end(&x);
	UNIT_TRUE("no totals: no overflow series", x.g.n == 1 && !G(&x, "1 db overflow send"));
	gx_free(&x);

	/* overflow of a process grouping is inside its total */
	gx_init(&x, CAPTURE_KEY_CONNECTION, "process");
	T(&x, 100);
	V(&x, "@send[1, db, 10.0.0.1, 5, 6]", 1000);
	V(&x, "@psend[1, db]", 5000);
	gx_end(&x);
	UNIT_TRUE("--by process: the overflow is no series, the total is @psend",
		  x.g.n == 1 && total(&x, "1 db send") == 5000);
	gx_free(&x);
}

/* What the series stage makes of keys in each kind of capture. */
static void keys_in_the_series_stage(void)
{
	struct gx x;

	gx_init(&x, -1, NULL);
	T(&x, 100);
	V(&x, "@other[1]", 5);
	V(&x, "@send[4321, mysqld, 10.1.1.1]", 10);
	UNIT_TRUE("header-less: a three-field key with an address makes a client capture",
		  x.m.key_known && x.m.key == CAPTURE_KEY_CLIENT);
	UNIT_TRUE("header-less: another map is its own series", x.t.n == 2 && !x.t.all[0]->grouped);
	UNIT_TRUE("header-less client capture: @send is a member", x.t.all[1]->grouped);
	V(&x, "@send[4321, my, odd, 10.1.1.2]", 10);
	UNIT_EQ_STR("header-less client capture: later keys' comm may hold ', '", "my, odd",
		    x.t.n == 3 ? x.t.all[2]->comm : NULL);
	gx_end(&x);
	gx_free(&x);

	gx_init(&x, -1, NULL);
	T(&x, 100);
	V(&x, "@send[77, my, odd: proc]", 10);
	UNIT_TRUE("header-less: a process key makes a process capture",
		  x.m.key_known && x.m.key == CAPTURE_KEY_PROCESS && !x.t.all[0]->grouped);
	UNIT_EQ_STR("process capture: comm with ', ' is all the rest", "my, odd: proc", x.t.all[0]->comm);
	V(&x, "@psend[77, x]", 10);
	UNIT_TRUE("process capture: @psend is just another map", x.t.n == 2 && !x.t.all[1]->grouped &&
		  !x.t.all[1]->direction);
	gx_end(&x);
	gx_free(&x);

	gx_init(&x, CAPTURE_KEY_CLIENT, NULL);
	T(&x, 100);
	int rc = V(&x, "@send[4321, mariadbd]", 10);
	UNIT_ERR_HAS("bad: a process key in a key=client capture", rc, err,
		     "@send: expected a key [PID, COMM, ADDR] (key=client)");
	rc = V(&x, "@psend[4321, mariadbd, 1.2.3.4]", 10);
	UNIT_TRUE("@psend's key is a process key: a comm may hold ', '", rc == 0 && x.t.n == 1 &&
		  strcmp(x.t.all[0]->comm, "mariadbd, 1.2.3.4") == 0);
	rc = V(&x, "@precv[x, y]", 10);
	UNIT_ERR_HAS("bad: @precv whose pid is no number", rc, err, "@precv: expected a key [PID, COMM]");
	gx_end(&x);
	gx_free(&x);
}

static void by_option(void)
{
	struct group_by by;
	struct group_table g;
	struct group_opts o = { 0 };
	struct capture_meta m = { .file = "cap.txt", .key = CAPTURE_KEY_CLIENT, .key_known = true };
	unsigned n = 0;
	int rc;

	rc = group_by_parse("process", &by, err, sizeof(err));
	UNIT_TRUE("--by process: no attributes", rc == 0 && by.given && by.n == 0);
	rc = group_by_parse("client, connection,client", &by, err, sizeof(err));
	UNIT_TRUE("--by list: each attribute once, in order", rc == 0 && by.n == 2 &&
		  by.attr[0] == GROUP_BY_CLIENT && by.attr[1] == GROUP_BY_CONNECTION);
	UNIT_TRUE("--by connection has ports", group_by_has_ports(&by));
	rc = group_by_parse("schema", &by, err, sizeof(err));
	UNIT_ERR_HAS("bad: --by schema", rc, err,
		     "expected process, client, connection, user, database or application");
	rc = group_by_parse("user,client", &by, err, sizeof(err));
	UNIT_TRUE("--by user,client parses, in order", rc == 0 && by.n == 2 &&
		  by.attr[0] == GROUP_BY_USER && by.attr[1] == GROUP_BY_CLIENT);
	UNIT_TRUE("--by user,client groups by session", group_by_has_session(&by));
	UNIT_TRUE("--by user,client has no ports", !group_by_has_ports(&by));
	rc = group_by_parse("client,", &by, err, sizeof(err));
	UNIT_ERR_HAS("bad: --by with an empty item", rc, err, "got ''");

	group_by_parse("connection", &o.by, err, sizeof(err));
	group_table_init(&g, &o, NULL, 0, &n, NULL, NULL);
	rc = group_check(&g, &m, err, sizeof(err));
	UNIT_ERR_HAS("bad: --by connection of a client capture names its key", rc, err,
		     "--by connection: cap.txt has key=client");
	m.key = CAPTURE_KEY_CONNECTION;
	UNIT_TRUE("--by connection of a connection capture", group_check(&g, &m, err, sizeof(err)) == 0);
	group_table_free(&g);
	group_by_parse("client", &o.by, err, sizeof(err));
	group_table_init(&g, &o, NULL, 0, &n, NULL, NULL);
	m.key = CAPTURE_KEY_PROCESS;
	rc = group_check(&g, &m, err, sizeof(err));
	UNIT_ERR_HAS("bad: --by client of a process capture", rc, err, "has key=process");
	group_table_free(&g);
}

/* --by user: each sample of a connection goes to the session its time
 * overlaps.  Port 53125 is bob's until 100.5, then carol's from 101.6
 * (a reused client port); ::1 has no session: its bytes stay per client
 * as the unknown session. */
static void session_join(void)
{
	struct session ss[] = {
		{ .id = "7", .addr = "127.0.0.2", .port = 53124, .user = "alice", .database = "shop",
		  .application = "", .born = -1e300, .gone = 1e300 },
		{ .id = "8", .addr = "127.0.0.2", .port = 53125, .user = "bob", .database = "shop",
		  .application = "", .born = -1e300, .gone = 100.5 },
		{ .id = "9", .addr = "127.0.0.2", .port = 53125, .user = "carol", .database = "shop",
		  .application = "", .born = 101.6, .gone = 1e300 },
	};
	struct session_log log = { .db = SESSION_DB_MARIADB, .s = ss, .n = 3, .first_ok = 0 };
	struct gx x;

	gx_init(&x, CAPTURE_KEY_CONNECTION, "user");
	x.m.sessions = &log;
	UNIT_EQ_U64("by user: a connection capture with sessions can be grouped", 0,
		    group_check(&x.g, &x.m, err, sizeof(err)) < 0);
	T(&x, 100);
	V(&x, "@send[4321, mariadbd, 127.0.0.2, 53124, 3306]", 1000);
	V(&x, "@send[4321, mariadbd, 127.0.0.2, 53125, 3306]", 100);
	V(&x, "@psend[4321, mariadbd]", 1100);
	T(&x, 101);
	V(&x, "@send[4321, mariadbd, 127.0.0.2, 53124, 3306]", 1000);
	V(&x, "@send[4321, mariadbd, 127.0.0.2, 53125, 3306]", 300);
	V(&x, "@send[4321, mariadbd, ::1, 40000, 3306]", 50);
	V(&x, "@psend[4321, mariadbd]", 1350);
	T(&x, 102);
	V(&x, "@send[4321, mariadbd, 127.0.0.2, 53124, 3306]", 1000);
	V(&x, "@send[4321, mariadbd, 127.0.0.2, 53125, 3306]", 700);
	V(&x, "@send[4321, mariadbd, ::1, 40000, 3306]", 50);
	V(&x, "@psend[4321, mariadbd]", 1750);
	gx_end(&x);
	UNIT_EQ_U64("by user: alice's bytes", 1000, total(&x, "4321 mariadbd user=alice send"));
	UNIT_EQ_U64("by user: bob's, before the port was reused", 300,
		    total(&x, "4321 mariadbd user=bob send"));
	UNIT_EQ_U64("by user: carol's, on bob's old port", 400,
		    total(&x, "4321 mariadbd user=carol send"));
	UNIT_EQ_U64("by user: no session: per client, unknown", 50,
		    total(&x, "4321 mariadbd ::1 (unknown session) send"));
	UNIT_EQ_U64("by user: four groups, no overflow, no empty unknown", 4, x.g.n);
	struct series *a = G(&x, "4321 mariadbd user=alice send");
	UNIT_EQ_STR("by user: the group carries its user", "alice", a ? a->db_user : NULL);
	UNIT_TRUE("by user: not the attributes it is not grouped by", a && !a->database);
	struct series *u = G(&x, "4321 mariadbd ::1 (unknown session) send");
	UNIT_TRUE("by user: the unknown group says so and keeps its client",
		  u && u->session_unknown && !u->db_user && !strcmp(u->client, "::1"));
	gx_free(&x);

	gx_init(&x, CAPTURE_KEY_CONNECTION, "user");
	int rc = group_check(&x.g, &x.m, err, sizeof(err));
	UNIT_ERR_HAS("bad: --by user without sessions names the file to look for", rc, err,
		     "test.txt.sessions");
	gx_free(&x);
	gx_init(&x, CAPTURE_KEY_CLIENT, "user");
	x.m.sessions = &log;
	rc = group_check(&x.g, &x.m, err, sizeof(err));
	UNIT_ERR_HAS("bad: --by user on a client capture", rc, err, "key=client");
	gx_free(&x);
}

int main(void)
{
	client_capture();
	group_statistics();
	connection_capture();
	overflow_edges();
	keys_in_the_series_stage();
	by_option();
	session_join();
	UNIT_DONE();
}
