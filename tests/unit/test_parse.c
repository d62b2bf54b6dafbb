/* test_parse.c: the line parser, one named test per accepted shape and per
 * bad input (README "The capture format", bpftrace 0.17 and 0.24 shapes). */
#include <stdlib.h>

#include "../../postproc/parse.h"
#include "../../postproc/summary.h"
#include "unit.h"

static struct parser P;
static char err[512];

static int pl(const char *s)
{
	err[0] = '\0';
	return parse_line(&P, s, strlen(s), err, sizeof(err));
}

static void good_lines(void)
{
	int rc;

	rc = pl("@send[4321, mariadbd]: 182733");
	UNIT_TRUE("text map entry parses", rc == 0 && P.n == 1 && P.rec[0].kind == REC_MAP);
	UNIT_EQ_U64("text map entry value", 182733, P.rec[0].value);
	UNIT_TRUE("text map entry key is the text before ': '",
		  P.rec[0].keylen == 21 && memcmp(P.rec[0].key, "@send[4321, mariadbd]", 21) == 0);

	rc = pl("@x: 5");
	UNIT_TRUE("keyless map entry", rc == 0 && P.rec[0].kind == REC_MAP && P.rec[0].keylen == 2 &&
		  P.rec[0].value == 5);
	rc = pl("@send[77, my: odd] proc]: 9");
	UNIT_TRUE("comm with ':' and ']' keeps the whole key",
		  rc == 0 && P.rec[0].keylen == 24 && P.rec[0].value == 9);
	rc = pl("@send[1, a]: 18446744073709551615");
	UNIT_TRUE("2^64-1 is accepted", rc == 0 && P.rec[0].value == UINT64_MAX);

	rc = pl("1795558096");
	UNIT_TRUE("epoch time line", rc == 0 && P.rec[0].kind == REC_TIME && P.rec[0].ts == 1795558096 &&
		  !(P.rec[0].flags & REC_F_CLOCK));
	UNIT_TRUE("integer time line has no fraction", !(P.rec[0].flags & REC_F_FRAC) && P.rec[0].usec == 0);
	rc = pl("1795558096.000081");
	UNIT_TRUE("format-2 time line S.ffffff", rc == 0 && P.n == 1 && P.rec[0].kind == REC_TIME &&
		  P.rec[0].ts == 1795558096 && P.rec[0].usec == 81 && (P.rec[0].flags & REC_F_FRAC) &&
		  !(P.rec[0].flags & REC_F_CLOCK));
	rc = pl("1795558096.999999");
	UNIT_TRUE("format-2 time line keeps every microsecond", rc == 0 && P.rec[0].usec == 999999);
	rc = pl("22:15:01");
	UNIT_TRUE("HH:MM:SS time line", rc == 0 && P.rec[0].kind == REC_TIME &&
		  P.rec[0].ts == 22 * 3600 + 15 * 60 + 1 && (P.rec[0].flags & REC_F_CLOCK));
	rc = pl("# dbnetio-dump-end");
	UNIT_TRUE("dump-end marker", rc == 0 && P.n == 1 && P.rec[0].kind == REC_DUMP_END);
	rc = pl("# dbnetio-dump-ending");
	UNIT_TRUE("a longer '#' line is a comment, not the marker", rc == 0 && P.rec[0].kind == REC_COMMENT);
	rc = pl("Attaching 7 probes...");
	UNIT_TRUE("bpftrace banner", rc == 0 && P.rec[0].kind == REC_BANNER);
	rc = pl("Lost 12 events");
	UNIT_TRUE("Lost N events counted", rc == 0 && P.rec[0].kind == REC_LOST && P.rec[0].value == 12);
	rc = pl("WARNING: something odd");
	UNIT_TRUE("WARNING line", rc == 0 && P.rec[0].kind == REC_WARNING);
	rc = pl("ERROR: Unknown error -1: couldn't set RLIMIT_MEMLOCK for bpftrace.");
	UNIT_TRUE("ERROR line", rc == 0 && P.rec[0].kind == REC_WARNING);
	rc = pl("");
	UNIT_TRUE("blank line", rc == 0 && P.rec[0].kind == REC_BLANK);
	rc = pl("# dbnetio-capture 1 probe=kprobe filter=comm:mariadbd interval=1 counters=cumulative host=db1");
	UNIT_TRUE("dbnetio header", rc == 0 && P.rec[0].kind == REC_HEADER);
	rc = pl("# dbnetio-final");
	UNIT_TRUE("final marker", rc == 0 && P.rec[0].kind == REC_FINAL);
	rc = pl("@h: ");
	UNIT_TRUE("histogram map header is unsupported, not an error", rc == 0 && P.rec[0].kind == REC_UNSUPPORTED);
	rc = pl("[64, 128)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|");
	UNIT_TRUE("histogram bucket line is unsupported, not an error", rc == 0 && P.rec[0].kind == REC_UNSUPPORTED);

	rc = pl("time: 1609459200pid: 4321 type: sendMsg size: 1234");
	UNIT_TRUE("BCC line gives a time and a map record", rc == 0 && P.n == 2 && P.rec[0].kind == REC_TIME &&
		  P.rec[0].ts == 1609459200 && P.rec[1].kind == REC_MAP && P.rec[1].value == 1234);
	UNIT_TRUE("BCC sendMsg becomes @send[pid]", P.n == 2 && P.rec[1].keylen == 11 &&
		  memcmp(P.rec[1].key, "@send[4321]", 11) == 0);
	rc = pl("time: 1609459200.25 pid: 9 type: recvMsg size: 5");
	UNIT_TRUE("BCC recvMsg with a fractional epoch", rc == 0 && P.n == 2 && P.rec[0].ts == 1609459200 &&
		  P.rec[1].keylen == 8 && memcmp(P.rec[1].key, "@recv[9]", 8) == 0);
}

static void json_lines(void)
{
	int rc;

	rc = pl("{\"type\": \"map\", \"data\": {\"@send\": {\"11153,python3\": 210000}}}");
	UNIT_TRUE("json map event", rc == 0 && P.n == 1 && P.rec[0].kind == REC_MAP && P.rec[0].value == 210000);
	UNIT_TRUE("json key becomes the text form",
		  P.n == 1 && P.rec[0].keylen == 21 && memcmp(P.rec[0].key, "@send[11153, python3]", 21) == 0);
	rc = pl("{\"type\": \"map\", \"data\": {\"@send\": {\"1,a\": 1, \"2,b\": 2, \"3,c, d\": 3}}}");
	UNIT_TRUE("json map with three keys gives three records", rc == 0 && P.n == 3 && P.rec[2].value == 3);
	UNIT_TRUE("json comm holding ', ' is kept", P.n == 3 && P.rec[2].keylen == 14 &&
		  memcmp(P.rec[2].key, "@send[3, c, d]", 14) == 0);
	rc = pl("{\"type\": \"map\", \"data\": {\"@x\": 5}}");
	UNIT_TRUE("json keyless map", rc == 0 && P.n == 1 && P.rec[0].keylen == 2 && P.rec[0].value == 5);
	rc = pl("{\"type\": \"map\", \"data\": {\"@send\": {\"4321,mariadbd\": \"18446744073709551615\"}}}");
	UNIT_TRUE("json 0.24+ quoted large integer", rc == 0 && P.n == 1 && P.rec[0].value == UINT64_MAX);
	rc = pl("{\"type\": \"map\", \"data\": {\"@send\": {\"1,a\": 18446744073709551615}}}");
	UNIT_TRUE("json unquoted 2^64-1", rc == 0 && P.n == 1 && P.rec[0].value == UINT64_MAX);
	rc = pl("{\"type\": \"time\", \"data\": \"1795558421\\n\"}");
	UNIT_TRUE("json time event", rc == 0 && P.n == 1 && P.rec[0].kind == REC_TIME && P.rec[0].ts == 1795558421);
	rc = pl("{\"type\": \"time\", \"data\": \"22:13:45\\n\"}");
	UNIT_TRUE("json HH:MM:SS time event", rc == 0 && P.n == 1 && (P.rec[0].flags & REC_F_CLOCK));
	rc = pl("{\"type\": \"printf\", \"data\": \"# dbnetio-capture 1 probe=tracepoint interval=2\\n\"}");
	UNIT_TRUE("json printf header", rc == 0 && P.n == 1 && P.rec[0].kind == REC_HEADER);
	rc = pl("{\"type\": \"printf\", \"data\": \"# dbnetio-final\\n\"}");
	UNIT_TRUE("json printf final marker", rc == 0 && P.n == 1 && P.rec[0].kind == REC_FINAL);
	rc = pl("{\"type\": \"printf\", \"data\": \"1795558096.000081\\n\"}");
	UNIT_TRUE("json printf format-2 time line", rc == 0 && P.n == 1 && P.rec[0].kind == REC_TIME &&
		  P.rec[0].ts == 1795558096 && P.rec[0].usec == 81 &&
		  (P.rec[0].flags & (REC_F_FRAC | REC_F_JSON)) == (REC_F_FRAC | REC_F_JSON));
	rc = pl("{\"type\": \"time\", \"data\": \"1795558096.500000\\n\"}");
	UNIT_TRUE("json time event with a fraction", rc == 0 && P.n == 1 && P.rec[0].kind == REC_TIME &&
		  P.rec[0].usec == 500000 && (P.rec[0].flags & REC_F_FRAC));
	rc = pl("{\"type\": \"printf\", \"data\": \"# dbnetio-dump-end\\n\"}");
	UNIT_TRUE("json printf dump-end marker", rc == 0 && P.n == 1 && P.rec[0].kind == REC_DUMP_END);
	rc = pl("{\"type\": \"printf\", \"data\": \"1795558096\\n\"}");
	UNIT_TRUE("json printf of an integer is a comment, not a time", rc == 0 && P.n == 1 &&
		  P.rec[0].kind == REC_COMMENT);
	rc = pl("{\"type\": \"printf\", \"data\": \"hello\\n\"}");
	UNIT_TRUE("json other printf is a comment", rc == 0 && P.n == 1 && P.rec[0].kind == REC_COMMENT);
	rc = pl("{\"type\": \"attached_probes\", \"data\": {\"probes\": 5}}");
	UNIT_TRUE("json attached_probes", rc == 0 && P.n == 1 && P.rec[0].kind == REC_BANNER);
	rc = pl("{\"type\": \"lost_events\", \"data\": {\"events\": 42}}");
	UNIT_TRUE("json lost_events", rc == 0 && P.n == 1 && P.rec[0].kind == REC_LOST && P.rec[0].value == 42);
	rc = pl("{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 64, \"max\": 127, \"count\": 1}]}}");
	UNIT_TRUE("json hist is unsupported", rc == 0 && P.n == 1 && P.rec[0].kind == REC_UNSUPPORTED);
	rc = pl("{\"type\": \"something_new\", \"data\": 1, \"extra\": true}");
	UNIT_TRUE("json unknown type ignored", rc == 0 && P.n == 1 && P.rec[0].kind == REC_COMMENT);
}

/* Each bad input is its own named test: it must fail with a message that
 * says what was expected. */
static void bad_lines(void)
{
	int rc;

	rc = pl("garbage here");
	UNIT_ERR_HAS("bad: garbage line", rc, err, "expected a map entry");
	rc = pl("@send[1, a]: 18446744073709551616");
	UNIT_ERR_HAS("bad: value past 2^64", rc, err, "out of range");
	rc = pl("@send[1, a]: 99999999999999999999999999");
	UNIT_ERR_HAS("bad: value far past 2^64", rc, err, "out of range");
	rc = pl("@send[1, a]: -5");
	UNIT_ERR_HAS("bad: negative value", rc, err, "non-negative");
	rc = pl("@send[1, a]: 12abc");
	UNIT_ERR_HAS("bad: value with trailing garbage", rc, err, "expected a map entry");
	rc = pl("@send[1, a] 12");
	UNIT_ERR_HAS("bad: map entry without ': '", rc, err, "expected a map entry");
	rc = pl("@send[1, a");
	UNIT_ERR_HAS("bad: truncated map entry", rc, err, "expected a map entry");
	rc = pl("@se nd: 5");
	UNIT_ERR_HAS("bad: map name with a space", rc, err, "expected a map entry");
	rc = pl("@: 5");
	UNIT_ERR_HAS("bad: empty map name", rc, err, "expected a map entry");
	rc = parse_line(&P, "@send[1, a]: 5\0\x01\x02", 17, err, sizeof(err));
	UNIT_ERR_HAS("bad: binary bytes after a value", rc, err, "expected");
	rc = parse_line(&P, "\x7f" "ELF\x02\x01\x01", 7, err, sizeof(err));
	UNIT_ERR_HAS("bad: binary data", rc, err, "\\x7f");
	rc = pl("99999999999999999999999");
	UNIT_ERR_HAS("bad: time line past 2^64", rc, err, "out of range");
	rc = pl("99999999999999");
	UNIT_ERR_HAS("bad: time line past any epoch", rc, err, "epoch");
	rc = pl("1795558096.00008");
	UNIT_ERR_HAS("bad: time line with five decimals", rc, err, "six decimals");
	rc = pl("1795558096.0000812");
	UNIT_ERR_HAS("bad: time line with seven decimals", rc, err, "six decimals");
	rc = pl("1795558096.");
	UNIT_ERR_HAS("bad: time line with a bare point", rc, err, "six decimals");
	rc = pl("1795558096.00a081");
	UNIT_ERR_HAS("bad: time line with a letter in the fraction", rc, err, "six decimals");
	rc = pl("99999999999999.000000");
	UNIT_ERR_HAS("bad: fractional time line past any epoch", rc, err, "epoch");
	rc = pl("25:61:00");
	UNIT_ERR_HAS("bad: impossible time of day", rc, err, "HH:MM:SS");
	rc = pl("Lost many events");
	UNIT_ERR_HAS("bad: Lost line without a number", rc, err, "Lost N events");
	rc = pl("time: 1609459200pid: 4321 type: fooMsg size: 1");
	UNIT_ERR_HAS("bad: BCC line with an unknown type", rc, err, "sendMsg|recvMsg");
	rc = pl("time: 1609459200pid: 4321 type: sendMsg size: 1x");
	UNIT_ERR_HAS("bad: BCC line with a bad size", rc, err, "non-negative");
	rc = pl("{\"type\": \"map\", \"data\": {\"@send\": {\"1,a\": 5}}");
	UNIT_ERR_HAS("bad: truncated json", rc, err, "JSON");
	rc = pl("{\"type\": \"map\", \"data\": {\"@send\": {\"1,a\": 5}}} trailing");
	UNIT_ERR_HAS("bad: json with trailing data", rc, err, "trailing");
	rc = pl("{\"data\": 5}");
	UNIT_ERR_HAS("bad: json without a type", rc, err, "\"type\"");
	rc = pl("{\"type\": \"map\", \"data\": {\"@send\": {\"1,a\": -1}}}");
	UNIT_ERR_HAS("bad: json negative value", rc, err, "non-negative");
	rc = pl("{\"type\": \"map\", \"data\": {\"@send\": {\"1,a\": 1.5}}}");
	UNIT_ERR_HAS("bad: json fractional value", rc, err, "integer");
	rc = pl("{\"type\": \"map\", \"data\": {\"@send\": {\"1,a\": 1e30}}}");
	UNIT_ERR_HAS("bad: json value past 2^64", rc, err, "integer");
	rc = pl("{\"type\": \"map\", \"data\": {\"@send\": {\"1,a\": \"18446744073709551616\"}}}");
	UNIT_ERR_HAS("bad: json quoted value past 2^64", rc, err, "out of range");
	rc = pl("{\"type\": \"map\", \"data\": {\"@send\": {\"1,a\": \"12x\"}}}");
	UNIT_ERR_HAS("bad: json quoted garbage", rc, err, "non-negative integer");
	rc = pl("{\"type\": \"map\", \"data\": {\"send\": 5}}");
	UNIT_ERR_HAS("bad: json map name without @", rc, err, "'@name'");
	rc = pl("{\"type\": \"map\", \"data\": 5}");
	UNIT_ERR_HAS("bad: json map data not an object", rc, err, "object");
	rc = pl("{\"type\": \"time\", \"data\": \"noon\\n\"}");
	UNIT_ERR_HAS("bad: json time event not a time", rc, err, "time event");
	rc = pl("{\"type\": \"lost_events\", \"data\": {}}");
	UNIT_ERR_HAS("bad: json lost_events without a count", rc, err, "events");
}

static void header(void)
{
	struct capture_meta m = { 0 };
	const char *h = "1 probe=kprobe filter=comm:my%20db interval=5 counters=interval host=db1 kernel=6.1.0 future=x";
	int rc = parse_header(h, strlen(h), &m, err, sizeof(err));
	UNIT_TRUE("header parses", rc == 0 && m.format_version == 1);
	UNIT_EQ_STR("header probe", "kprobe", m.probe);
	UNIT_EQ_STR("header filter is percent-decoded", "comm:my db", m.filter);
	UNIT_EQ_U64("header interval", 5, m.interval);
	UNIT_TRUE("header counters=interval", m.interval_counters);
	UNIT_EQ_STR("header host", "db1", m.host);
	UNIT_EQ_STR("header kernel", "6.1.0", m.kernel);
	free(m.probe); free(m.filter); free(m.host); free(m.kernel);
	memset(&m, 0, sizeof(m));
	rc = parse_header("x probe=kprobe", 14, &m, err, sizeof(err));
	UNIT_ERR_HAS("bad: header without a version", rc, err, "version");
	rc = parse_header("1 interval=0", 12, &m, err, sizeof(err));
	UNIT_ERR_HAS("bad: header interval 0", rc, err, "interval=");
	rc = parse_header("1 interval=99999999999999999999", 31, &m, err, sizeof(err));
	UNIT_ERR_HAS("bad: header interval past 2^64", rc, err, "interval=");
	rc = parse_header("1 counters=sometimes", 20, &m, err, sizeof(err));
	UNIT_ERR_HAS("bad: header counters value", rc, err, "counters=");
	rc = parse_header("1 probe", 7, &m, err, sizeof(err));
	UNIT_ERR_HAS("bad: header field without '='", rc, err, "key=value");
	free(m.probe);
	/* the interval is reported, and a bad header changes nothing */
	memset(&m, 0, sizeof(m));
	m.key = CAPTURE_KEY_CLIENT;
	m.interval = 3;
	rc = parse_header("1 probe=kprobe 4", 16, &m, err, sizeof(err));
	UNIT_TRUE("bad header: the meta is as it was (key, version, probe)",
		  rc < 0 && m.key == CAPTURE_KEY_CLIENT && m.format_version == 0 && !m.probe);
	rc = parse_header("1 probe=kprobe", 14, &m, err, sizeof(err));
	UNIT_TRUE("header without interval=: interval kept, not from the header",
		  rc == 0 && m.interval == 3 && !m.interval_from_header && m.key == CAPTURE_KEY_PROCESS);
	rc = parse_header("1 interval=7", 12, &m, err, sizeof(err));
	UNIT_TRUE("header interval=7: reported as the header's", rc == 0 && m.interval == 7 &&
		  m.interval_from_header);
	UNIT_EQ_STR("a later header without probe= keeps the probe", "kprobe", m.probe);
	free(m.probe);
}

/* The header's key= (issue 9): the shape of @send/@recv. */
static void header_key(void)
{
	struct capture_meta m = { 0 };
	const char *h = "2 probe=tracepoint key=client filter=comm:mariadbd collector=bpftrace";
	int rc = parse_header(h, strlen(h), &m, err, sizeof(err));
	UNIT_TRUE("format 2 header with key=client", rc == 0 && m.format_version == 2 &&
		  m.key == CAPTURE_KEY_CLIENT && m.key_known);
	h = "2 key=connection";
	rc = parse_header(h, strlen(h), &m, err, sizeof(err));
	UNIT_TRUE("header key=connection", rc == 0 && m.key == CAPTURE_KEY_CONNECTION);
	h = "2 probe=kprobe";
	rc = parse_header(h, strlen(h), &m, err, sizeof(err));
	UNIT_TRUE("format 2 header without key= is a process capture",
		  rc == 0 && m.key == CAPTURE_KEY_PROCESS && m.key_known);
	h = "1 probe=kprobe interval=1";
	rc = parse_header(h, strlen(h), &m, err, sizeof(err));
	UNIT_TRUE("format 1 header is a process capture", rc == 0 && m.key == CAPTURE_KEY_PROCESS &&
		  m.key_known);
	h = "2 key=user";
	rc = parse_header(h, strlen(h), &m, err, sizeof(err));
	UNIT_ERR_HAS("bad: header key=user", rc, err, "key=process, key=client or key=connection");
	free(m.probe);
	free(m.filter);
}

/* Key a tuple as the series stage does: shape, then the fields. */
static struct parse_key K;
static int key(const char *k, enum capture_key shape)
{
	err[0] = '\0';
	return parse_dbnetio_key(k, strlen(k), shape, &K, err, sizeof(err));
}

static int comm_is(const char *want)
{
	return K.comm && K.commlen == strlen(want) && memcmp(K.comm, want, K.commlen) == 0;
}

static void key_tuples(void)
{
	int rc;

	rc = key("4321, mariadbd", CAPTURE_KEY_PROCESS);
	UNIT_TRUE("process key: pid and comm", rc == 0 && K.pid == 4321 && comm_is("mariadbd") &&
		  K.client[0] == '\0' && K.client_port == -1 && K.local_port == -1);
	rc = key("77, my, odd: proc", CAPTURE_KEY_PROCESS);
	UNIT_TRUE("process key: a comm with ', ' is all the rest", rc == 0 && K.pid == 77 &&
		  comm_is("my, odd: proc"));
	rc = key("4321", CAPTURE_KEY_PROCESS);
	UNIT_TRUE("process key: the BCC lines' pid alone", rc == 0 && K.pid == 4321 && comm_is(""));

	rc = key("4321, mariadbd, 127.0.0.2", CAPTURE_KEY_CLIENT);
	UNIT_TRUE("client key: IPv4", rc == 0 && K.pid == 4321 && comm_is("mariadbd") &&
		  K.client_port == -1);
	UNIT_EQ_STR("client key: IPv4 address", "127.0.0.2", K.client);
	rc = key("4321, mariadbd, ::1", CAPTURE_KEY_CLIENT);
	UNIT_EQ_STR("client key: IPv6 loopback", "::1", rc == 0 ? K.client : "(failed)");
	rc = key("4321, mariadbd, 2001:DB8:0:0::5", CAPTURE_KEY_CLIENT);
	UNIT_EQ_STR("client key: IPv6 in canonical form", "2001:db8::5", rc == 0 ? K.client : "(failed)");
	rc = key("4321, mariadbd, ::ffff:10.1.2.3", CAPTURE_KEY_CLIENT);
	UNIT_EQ_STR("client key: IPv4-mapped IPv6 becomes IPv4", "10.1.2.3", rc == 0 ? K.client : "(failed)");
	rc = key("4321, my, odd, proc, 10.0.0.1", CAPTURE_KEY_CLIENT);
	UNIT_TRUE("client key: a comm with ', ', the address from the right",
		  rc == 0 && K.pid == 4321 && comm_is("my, odd, proc") && strcmp(K.client, "10.0.0.1") == 0);

	rc = key("4321, mariadbd, 127.0.0.2, 53124, 3306", CAPTURE_KEY_CONNECTION);
	UNIT_TRUE("connection key: address and both ports", rc == 0 && K.pid == 4321 &&
		  comm_is("mariadbd") && strcmp(K.client, "127.0.0.2") == 0 &&
		  K.client_port == 53124 && K.local_port == 3306);
	rc = key("9, post, gres, ::ffff:192.168.0.9, 0, 65535", CAPTURE_KEY_CONNECTION);
	UNIT_TRUE("connection key: comm with ', ', mapped address, ports 0 and 65535",
		  rc == 0 && K.pid == 9 && comm_is("post, gres") && strcmp(K.client, "192.168.0.9") == 0 &&
		  K.client_port == 0 && K.local_port == 65535);

	rc = key("4321, mariadbd", CAPTURE_KEY_CLIENT);
	UNIT_ERR_HAS("bad: client key without an address", rc, err, "[PID, COMM, ADDR] (key=client)");
	rc = key("4321, mariadbd, db1.example", CAPTURE_KEY_CLIENT);
	UNIT_ERR_HAS("bad: client key with a host name", rc, err, "key=client");
	rc = key("4321, 127.0.0.2", CAPTURE_KEY_CLIENT);
	UNIT_ERR_HAS("bad: client key without a comm", rc, err, "key=client");
	rc = key("x, mariadbd, 127.0.0.2", CAPTURE_KEY_CLIENT);
	UNIT_ERR_HAS("bad: client key whose pid is no number", rc, err, "key=client");
	rc = key("4321, mariadbd, 127.0.0.2, 53124, 65536", CAPTURE_KEY_CONNECTION);
	UNIT_ERR_HAS("bad: connection key with a port past 65535", rc, err, "key=connection");
	rc = key("4321, mariadbd, 127.0.0.2, 53124", CAPTURE_KEY_CONNECTION);
	UNIT_ERR_HAS("bad: connection key with one port", rc, err, "RPORT, LPORT");
	rc = key("4321, mariadbd", CAPTURE_KEY_CONNECTION);
	UNIT_ERR_HAS("bad: process key where a connection key belongs", rc, err, "key=connection");

	/* a header-less stream: the first @send key says what the capture is */
	UNIT_TRUE("shape: two fields are a process key",
		  parse_key_shape("4321, mariadbd", 14) == CAPTURE_KEY_PROCESS);
	UNIT_TRUE("shape: three fields, an address third, a client key",
		  parse_key_shape("4321, mariadbd, ::1", 19) == CAPTURE_KEY_CLIENT);
	UNIT_TRUE("shape: five fields, address and ports, a connection key",
		  parse_key_shape("4321, m, 10.0.0.1, 5, 3306", 26) == CAPTURE_KEY_CONNECTION);
	UNIT_TRUE("shape: three fields without an address stay a process key",
		  parse_key_shape("77, my, odd", 11) == CAPTURE_KEY_PROCESS);
	UNIT_TRUE("shape: five fields without ports stay a process key",
		  parse_key_shape("7, a, 10.0.0.1, b, c", 20) == CAPTURE_KEY_PROCESS);
}

/* JSON map events name the same keys as text. */
static void json_keys(void)
{
	int rc = pl("{\"type\": \"map\", \"data\": {\"@send\": {\"4321,mariadbd,127.0.0.2\": 7, "
		    "\"4321,mariadbd,::1,53124,3306\": 8}}}");
	UNIT_TRUE("json client key becomes the text form", rc == 0 && P.n == 2 &&
		  P.rec[0].keylen == 32 && memcmp(P.rec[0].key, "@send[4321, mariadbd, 127.0.0.2]", 32) == 0);
	UNIT_TRUE("json connection key becomes the text form", rc == 0 && P.n == 2 &&
		  P.rec[1].keylen == 39 &&
		  memcmp(P.rec[1].key, "@send[4321, mariadbd, ::1, 53124, 3306]", 39) == 0);
}

int main(void)
{
	if (parse_init(&P) < 0)
		return 1;
	good_lines();
	json_lines();
	bad_lines();
	header();
	header_key();
	key_tuples();
	json_keys();
	parse_free(&P);
	UNIT_DONE();
}
