/* tests/test_integration.c — the real planwatchd on ipc:// in a temp dir, driven
 * through libplanwatch: ingest, durability, idempotency, replay, bad input. */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zmq.h>

#include "../proto/proto.h"
#include "check.h"
#include "harness.h"

#define PLAN "test-plan"
#define REGION "test" /* the plan's region: change topics name it */

static struct pw_obs obs(const char *ind, const char *period, double value, const char *unit,
			 const char *status)
{
	return (struct pw_obs){ .plan = PLAN, .indicator = ind, .period = period, .value = value,
				.unit = unit, .status = status, .yoy = NAN };
}

static int push1(struct pw_client *c, const char *dept, const char *id, struct pw_obs o,
		 struct pw_ack *a)
{
	CHECK_OK(pw_push(c, dept, id, &o, 1, 0, a));
	return a->code;
}

static struct proto_view *query(struct pw_client *c, const char *ind)
{
	struct proto_req r = { .type = PROTO_QUERY, .plan = PLAN, .ind = ind };
	return harness_request(c, &r);
}

static double latest_value(struct pw_client *c, const char *ind, const char *period)
{
	struct proto_view *v = query(c, ind);
	char per[16];
	double val = NAN;
	for (size_t i = 0; i < proto_view_count(v); i++) {
		CHECK_OK(proto_view_str(v, (int)i, "period", per, sizeof(per)));
		if (strcmp(per, period) == 0)
			CHECK_OK(proto_view_double(v, (int)i, "value", &val));
	}
	proto_view_free(v);
	return val;
}

/* ---- 1. push -> ACK -> query -> subscriber gets change with seq ---- */
static void test_push_query_notify(struct harness *h)
{
	struct pw_client *c = harness_client(h);
	struct pw_sub *s;
	struct pw_notice n;
	struct pw_ack a;
	char topic_buf[64];

	CHECK(c);
	CHECK_OK(pw_sub_new(&s, h->pub, "change.", -1, c, NULL));
	CHECK_RC(push1(c, "统计局", "m-1", obs("gdp", "2026Q3", 812.5, "亿元", "flash"), &a), 0);
	CHECK(a.changed == 1 && a.count == 1 && a.seq >= 1);
	CHECK(latest_value(c, "gdp", "2026Q3") == 812.5);
	CHECK_OK(pw_sub_next(s, &n, 30000));
	CHECK(strcmp(n.topic, "change." REGION ".gdp") == 0);
	CHECK(n.seq == a.seq);
	struct proto_view *v;
	CHECK_OK(proto_view_new(&v, n.body, n.len));
	double val;
	int64_t seq;
	CHECK_OK(proto_view_double(v, -1, "value", &val));
	CHECK_OK(proto_view_int(v, -1, "seq", &seq));
	CHECK_OK(proto_view_str(v, -1, "topic", topic_buf, sizeof(topic_buf)));
	CHECK(val == 812.5 && (uint64_t)seq == n.seq && strcmp(topic_buf, n.topic) == 0);
	CHECK(proto_view_double(v, -1, "old_value", &val) == PW_ENOTFOUND);
	proto_view_free(v);
	/* A revision carries the old value. */
	CHECK_RC(push1(c, "统计局", "m-2", obs("gdp", "2026Q3", 815.0, "亿元", "preliminary"), &a), 0);
	CHECK_OK(pw_sub_next(s, &n, 30000));
	CHECK_OK(proto_view_new(&v, n.body, n.len));
	CHECK_OK(proto_view_double(v, -1, "old_value", &val));
	CHECK(val == 812.5);
	int64_t rev;
	CHECK_OK(proto_view_int(v, -1, "rev", &rev));
	CHECK(rev == 2);
	proto_view_free(v);
	pw_sub_free(s);
	pw_client_free(c);
}

/* ---- 2. ACK means durable: SIGKILL right after the ACK ---- */
static void test_ack_durable(struct harness *h)
{
	struct pw_client *c = harness_client(h);
	struct pw_ack a;
	CHECK_RC(push1(c, "人社局", "dur-1", obs("unemployment", "2025", 1.85, "%", "final"), &a), 0);
	pw_client_free(c);
	CHECK(harness_stop(h, SIGKILL) == 128 + SIGKILL);
	CHECK_OK(harness_start(h));
	c = harness_client(h);
	CHECK(latest_value(c, "unemployment", "2025") == 1.85);
	pw_client_free(c);
}

/* ---- 3. the same message id twice: one revision, the same ACK ---- */
static void test_idempotent(struct harness *h)
{
	struct pw_client *c = harness_client(h);
	struct pw_ack a1, a2;
	int64_t revs = harness_status(c, "revisions");
	CHECK_RC(push1(c, "统计局", "idem-1", obs("urbanization", "2024", 57.2, "%", "final"), &a1), 0);
	CHECK(harness_status(c, "revisions") == revs + 1);
	CHECK_RC(push1(c, "统计局", "idem-1", obs("urbanization", "2024", 57.2, "%", "final"), &a2), 0);
	CHECK(a1.seq == a2.seq && a1.changed == a2.changed && a1.count == a2.count);
	CHECK(harness_status(c, "revisions") == revs + 1);
	/* Even a different payload under a used id is not applied twice. */
	CHECK_RC(push1(c, "统计局", "idem-1", obs("urbanization", "2024", 99, "%", "final"), &a2), 0);
	CHECK(latest_value(c, "urbanization", "2024") == 57.2);
	CHECK(harness_status(c, "duplicates") >= 2);
	pw_client_free(c);
}

/* ---- 4. a late subscriber replays what it missed ---- */
static void test_since(struct harness *h)
{
	struct pw_client *c = harness_client(h);
	struct pw_ack a;
	CHECK_RC(push1(c, "财政局", "since-0", obs("fiscal_revenue", "2026-01", 2.1, "亿元", "flash"), &a), 0);
	uint64_t mark = a.seq;
	const char *periods[] = { "2026-02", "2026-03", "2026-04", "2026-05", "2026-06" };
	for (int i = 0; i < 5; i++) {
		char id[32];
		snprintf(id, sizeof(id), "since-%d", i + 1);
		CHECK_RC(push1(c, "财政局", id, obs("fiscal_revenue", periods[i], 2.2 + i, "亿元", "flash"), &a), 0);
	}
	struct pw_sub *s;
	struct pw_notice n;
	CHECK_OK(pw_sub_new(&s, h->pub, "change." REGION ".fiscal_revenue", (int64_t)mark, c, NULL));
	for (int i = 0; i < 5; i++) {
		CHECK_OK(pw_sub_next(s, &n, 30000));
		CHECK(n.seq > mark && n.replayed);
		CHECK(strcmp(n.topic, "change." REGION ".fiscal_revenue") == 0);
		mark = n.seq;
	}
	/* Exactly those five: nothing more within a short wait. */
	CHECK_RC(pw_sub_next(s, &n, 300), PW_ETIMEDOUT);
	/* Then live ones continue in order without duplicates. */
	CHECK_RC(push1(c, "财政局", "since-live", obs("fiscal_revenue", "2026-07", 9.9, "亿元", "flash"), &a), 0);
	CHECK_OK(pw_sub_next(s, &n, 30000));
	CHECK(n.seq == a.seq);
	pw_sub_free(s);
	pw_client_free(c);
}

/* ---- 5. bad input table ---- */

static void w_item(struct proto_buf *b, const char *ind, const char *period, double value,
		   const char *unit, const char *status)
{
	proto_w_map(b, 6);
	proto_w_str(b, "plan");
	proto_w_str(b, PLAN);
	proto_w_str(b, "indicator");
	proto_w_str(b, ind);
	proto_w_str(b, "period");
	proto_w_str(b, period);
	proto_w_str(b, "value");
	proto_w_double(b, value);
	if (!isfinite(value)) { /* proto_w_double writes nil for these: force a float */
		b->len--;
		uint8_t f[9] = { 0xcb };
		uint64_t bits;
		memcpy(&bits, &value, 8);
		for (int i = 0; i < 8; i++)
			f[1 + i] = (uint8_t)(bits >> (56 - 8 * i));
		proto_w_raw(b, f, 9);
	}
	proto_w_str(b, "unit");
	proto_w_str(b, unit);
	proto_w_str(b, "status");
	proto_w_str(b, status);
}

static void w_head(struct proto_buf *b, uint32_t extra, const char *id, const char *dept)
{
	proto_w_map(b, 5 + extra);
	proto_w_str(b, "v");
	proto_w_uint(b, 1);
	proto_w_str(b, "type");
	proto_w_str(b, "update");
	proto_w_str(b, "id");
	proto_w_str(b, id);
	proto_w_str(b, "dept");
	proto_w_str(b, dept);
	proto_w_str(b, "items");
}

struct bad_case {
	const char *name;
	int want;
};

static const struct bad_case bad_cases[] = {
	{ "garbage bytes", PW_EPROTO },
	{ "truncated msgpack", PW_EPROTO },
	{ "array instead of map", PW_EPROTO },
	{ "version 2", PW_EVERSION },
	{ "unknown type", PW_ETYPE },
	{ "missing id", PW_EFIELD },
	{ "unknown top-level field", PW_EFIELD },
	{ "empty batch", PW_EEMPTY },
	{ "batch of 1001", PW_ETOOBIG },
	{ "oversized frame", PW_ETOOBIG },
	{ "value as string", PW_EFIELD },
	{ "unknown indicator", PW_EINDICATOR },
	{ "unknown plan", PW_EPLAN },
	{ "wrong unit", PW_EUNIT },
	{ "period 2026-13", PW_EPERIOD },
	{ "NaN value", PW_EVALUE },
	{ "Inf value", PW_EVALUE },
	{ "missing value", PW_EFIELD },
	{ "unknown status", PW_ESTATUS },
	{ "invalid UTF-8 dept", PW_EUTF8 },
	{ "department not allowed", PW_EDEPT },
	{ "implausible value", PW_EBOUNDS },
	{ "quarter for a monthly indicator", PW_EPERIOD },
	{ "period in the future", PW_EPERIOD },
	{ "duplicate key", PW_EFIELD },
	{ "nesting too deep", PW_EPROTO },
	{ "good item beside a bad one", PW_EINDICATOR },
	{ "same observation twice in a batch", PW_EFIELD },
	{ "a year before the reach", PW_EPERIOD },
};

static void build_bad(int k, struct proto_buf *b, char *id)
{
	snprintf(id, 32, "bad-%d", k);
	proto_buf_reset(b);
	switch (k) {
	case 0: proto_w_raw(b, "\xc1\xc1garbage", 9); id[0] = '\0'; break;
	case 1:
		w_head(b, 0, id, "统计局");
		proto_w_array(b, 1);
		w_item(b, "gdp", "2026Q3", 1, "亿元", "flash");
		b->len -= 10; /* the id, before the cut, is still answered */
		break;
	case 2: proto_w_array(b, 2); proto_w_uint(b, 1); proto_w_str(b, "update"); id[0] = '\0'; break;
	case 3:
		proto_w_map(b, 3);
		proto_w_str(b, "v"); proto_w_uint(b, 2);
		proto_w_str(b, "type"); proto_w_str(b, "update");
		proto_w_str(b, "id"); proto_w_str(b, id);
		break;
	case 4:
		proto_w_map(b, 3);
		proto_w_str(b, "v"); proto_w_uint(b, 1);
		proto_w_str(b, "type"); proto_w_str(b, "frobnicate");
		proto_w_str(b, "id"); proto_w_str(b, id);
		break;
	case 5:
		proto_w_map(b, 4);
		proto_w_str(b, "v"); proto_w_uint(b, 1);
		proto_w_str(b, "type"); proto_w_str(b, "update");
		proto_w_str(b, "dept"); proto_w_str(b, "统计局");
		proto_w_str(b, "items"); proto_w_array(b, 1);
		w_item(b, "gdp", "2026Q3", 1, "亿元", "flash");
		id[0] = '\0';
		break;
	case 6:
		w_head(b, 1, id, "统计局");
		proto_w_array(b, 1);
		w_item(b, "gdp", "2026Q3", 1, "亿元", "flash");
		proto_w_str(b, "priority"); proto_w_uint(b, 9);
		break;
	case 7: w_head(b, 0, id, "统计局"); proto_w_array(b, 0); break;
	case 8:
		w_head(b, 0, id, "统计局");
		proto_w_array(b, 1001);
		for (int i = 0; i < 1001; i++)
			w_item(b, "gdp", "2026Q3", 1, "亿元", "flash");
		break;
	case 9:
		w_head(b, 1, id, "统计局");
		proto_w_array(b, 1);
		w_item(b, "gdp", "2026Q3", 1, "亿元", "flash");
		proto_w_str(b, "pad");
		{
			size_t n = PROTO_MAX_FRAME + 10;
			char *pad = calloc(1, n);
			proto_w_bin(b, pad, n);
			free(pad);
		}
		/* refused for its size; the id, before the padding, is still answered */
		break;
	case 10:
		w_head(b, 0, id, "统计局");
		proto_w_array(b, 1);
		proto_w_map(b, 6);
		proto_w_str(b, "plan"); proto_w_str(b, PLAN);
		proto_w_str(b, "indicator"); proto_w_str(b, "gdp");
		proto_w_str(b, "period"); proto_w_str(b, "2026Q3");
		proto_w_str(b, "value"); proto_w_str(b, "812.5");
		proto_w_str(b, "unit"); proto_w_str(b, "亿元");
		proto_w_str(b, "status"); proto_w_str(b, "flash");
		break;
	case 11: w_head(b, 0, id, "统计局"); proto_w_array(b, 1); w_item(b, "gdpx", "2026Q3", 1, "亿元", "flash"); break;
	case 12:
		w_head(b, 0, id, "统计局");
		proto_w_array(b, 1);
		proto_w_map(b, 6);
		proto_w_str(b, "plan"); proto_w_str(b, "no-such-plan");
		proto_w_str(b, "indicator"); proto_w_str(b, "gdp");
		proto_w_str(b, "period"); proto_w_str(b, "2026Q3");
		proto_w_str(b, "value"); proto_w_double(b, 1);
		proto_w_str(b, "unit"); proto_w_str(b, "亿元");
		proto_w_str(b, "status"); proto_w_str(b, "flash");
		break;
	case 13: w_head(b, 0, id, "统计局"); proto_w_array(b, 1); w_item(b, "gdp", "2026Q3", 1, "亿美元", "flash"); break;
	case 14: w_head(b, 0, id, "财政局"); proto_w_array(b, 1); w_item(b, "fiscal_revenue", "2026-13", 1, "亿元", "flash"); break;
	case 15: w_head(b, 0, id, "统计局"); proto_w_array(b, 1); w_item(b, "gdp", "2026Q3", NAN, "亿元", "flash"); break;
	case 16: w_head(b, 0, id, "统计局"); proto_w_array(b, 1); w_item(b, "gdp", "2026Q3", INFINITY, "亿元", "flash"); break;
	case 17:
		w_head(b, 0, id, "统计局");
		proto_w_array(b, 1);
		proto_w_map(b, 5);
		proto_w_str(b, "plan"); proto_w_str(b, PLAN);
		proto_w_str(b, "indicator"); proto_w_str(b, "gdp");
		proto_w_str(b, "period"); proto_w_str(b, "2026Q3");
		proto_w_str(b, "unit"); proto_w_str(b, "亿元");
		proto_w_str(b, "status"); proto_w_str(b, "flash");
		break;
	case 18: w_head(b, 0, id, "统计局"); proto_w_array(b, 1); w_item(b, "gdp", "2026Q3", 1, "亿元", "guess"); break;
	case 19: w_head(b, 0, id, "\xff\xfe"); proto_w_array(b, 1); w_item(b, "gdp", "2026Q3", 1, "亿元", "flash"); break;
	case 20: w_head(b, 0, id, "财政局"); proto_w_array(b, 1); w_item(b, "gdp", "2026Q3", 1, "亿元", "flash"); break;
	case 21: w_head(b, 0, id, "统计局"); proto_w_array(b, 1); w_item(b, "gdp", "2026Q3", 1e9, "亿元", "flash"); break;
	case 22: w_head(b, 0, id, "财政局"); proto_w_array(b, 1); w_item(b, "fiscal_revenue", "2026Q1", 1, "亿元", "flash"); break;
	case 23: w_head(b, 0, id, "统计局"); proto_w_array(b, 1); w_item(b, "gdp", "2029Q1", 1, "亿元", "flash"); break;
	case 24:
		w_head(b, 0, id, "统计局");
		proto_w_array(b, 1);
		proto_w_map(b, 7);
		proto_w_str(b, "plan"); proto_w_str(b, PLAN);
		proto_w_str(b, "indicator"); proto_w_str(b, "gdp");
		proto_w_str(b, "period"); proto_w_str(b, "2026Q3");
		proto_w_str(b, "value"); proto_w_double(b, 1);
		proto_w_str(b, "value"); proto_w_double(b, 2);
		proto_w_str(b, "unit"); proto_w_str(b, "亿元");
		proto_w_str(b, "status"); proto_w_str(b, "flash");
		break;
	case 25:
		w_head(b, 0, id, "统计局");
		proto_w_array(b, 1);
		proto_w_map(b, 1);
		proto_w_str(b, "plan");
		proto_w_array(b, 1); proto_w_array(b, 1); proto_w_array(b, 1); proto_w_uint(b, 1);
		/* refused by the structural scan; the id, before the nesting, is answered */
		break;
	case 26:
		w_head(b, 0, id, "统计局");
		proto_w_array(b, 2);
		w_item(b, "gdp", "2026Q2", 700, "亿元", "flash");
		w_item(b, "gdpx", "2026Q2", 1, "亿元", "flash");
		break;
	case 27:
		w_head(b, 0, id, "统计局");
		proto_w_array(b, 2);
		w_item(b, "gdp", "2026Q1", 300, "亿元", "flash");
		w_item(b, "gdp", "2026Q1", 301, "亿元", "flash");
		break;
	case 28: /* the reach (PROTOCOL.md Periods) begins at base_year 2020 - 15 = 2005 */
		w_head(b, 0, id, "统计局");
		proto_w_array(b, 1);
		w_item(b, "gdp", "2004", 500, "亿元", "final");
		break;
	}
}

static void test_bad_inputs(struct harness *h)
{
	struct pw_client *c = harness_client(h);
	struct proto_buf b;
	char id[32], err[64];
	size_t n_cases = sizeof(bad_cases) / sizeof(bad_cases[0]);

	CHECK(n_cases >= 15);
	proto_buf_init(&b);
	int64_t obs0 = harness_status(c, "observations"), revs0 = harness_status(c, "revisions");
	int64_t quar0 = harness_status(c, "quarantined"), last0 = harness_status(c, "last_seq");
	for (size_t k = 0; k < n_cases; k++) {
		void *reply;
		size_t len;
		struct proto_view *v;
		int64_t code, qid;
		build_bad((int)k, &b, id);
		CHECK(b.err == 0);
		if (getenv("PLANWATCH_TEST_VERBOSE"))
			fprintf(stderr, "bad input %zu: %s\n", k, bad_cases[k].name);
		CHECK_OK(pw_call(c, b.data, b.len, id, &reply, &len));
		CHECK_OK(proto_view_new(&v, reply, len));
		free(reply);
		CHECK_OK(proto_view_str(v, -1, "type", err, sizeof(err)));
		if (strcmp(err, "nack") != 0)
			fprintf(stderr, "case '%s' was not refused\n", bad_cases[k].name);
		CHECK(strcmp(err, "nack") == 0);
		CHECK_OK(proto_view_int(v, -1, "code", &code));
		if (-code != bad_cases[k].want)
			fprintf(stderr, "case '%s': got %s, want %s\n", bad_cases[k].name,
				pw_errname((int)-code), pw_errname(bad_cases[k].want));
		CHECK(-code == bad_cases[k].want);
		CHECK_OK(proto_view_str(v, -1, "error", err, sizeof(err)));
		CHECK(strcmp(err, pw_errname(bad_cases[k].want)) == 0);
		CHECK_OK(proto_view_int(v, -1, "quarantine", &qid));
		CHECK(qid == quar0 + (int64_t)k + 1);
		proto_view_free(v);
		/* The daemon keeps serving and the store is unchanged. */
		CHECK(harness_status(c, "quarantined") == quar0 + (int64_t)k + 1);
		CHECK(harness_status(c, "observations") == obs0);
		CHECK(harness_status(c, "revisions") == revs0);
		CHECK(harness_status(c, "last_seq") == last0);
	}
	/* Per-item codes: the good item of case 26 is reported as fine, the bad one by index. */
	build_bad(26, &b, id);
	strcpy(id, "bad-26b");
	{
		void *reply;
		size_t len;
		struct pw_ack a;
		b.len = 0;
		w_head(&b, 0, id, "统计局");
		proto_w_array(&b, 2);
		w_item(&b, "gdp", "2026Q2", 700, "亿元", "flash");
		w_item(&b, "gdpx", "2026Q2", 1, "亿元", "flash");
		CHECK_OK(pw_call(c, b.data, b.len, id, &reply, &len));
		struct proto_view *v;
		CHECK_OK(proto_view_new(&v, reply, len));
		CHECK(proto_view_count(v) == 1);
		int64_t idx, code;
		CHECK_OK(proto_view_int(v, 0, "index", &idx));
		CHECK_OK(proto_view_int(v, 0, "code", &code));
		CHECK(idx == 1 && -code == PW_EINDICATOR);
		proto_view_free(v);
		free(reply);
		(void)a;
	}
	CHECK(isnan(latest_value(c, "gdp", "2026Q2")));
	/* The quarantine lists them with the raw bytes. */
	struct proto_req r = { .type = PROTO_REJECTED, .seq = (uint64_t)quar0 };
	struct proto_view *v = harness_request(c, &r);
	CHECK(proto_view_count(v) == n_cases + 1);
	const void *raw;
	size_t raw_len;
	CHECK_OK(proto_view_bin(v, 0, "raw", &raw, &raw_len));
	CHECK(raw_len == 9 && memcmp(raw, "\xc1\xc1garbage", 9) == 0);
	proto_view_free(v);
	proto_buf_release(&b);
	pw_client_free(c);
}

/* The codes of PROTOCOL.md §6, read from the document (the test's oracle): names[code]. */
static void section6_codes(char names[64][32])
{
	char line[512];
	bool in6 = false;
	FILE *f = fopen("proto/PROTOCOL.md", "r");
	CHECK(f);
	memset(names, 0, 64 * 32);
	while (fgets(line, sizeof(line), f)) {
		int code;
		char name[32];
		if (strncmp(line, "## ", 3) == 0)
			in6 = strncmp(line, "## 6.", 5) == 0;
		if (in6 && sscanf(line, "| %d | `%31[a-z_]` |", &code, name) == 2 && code > 0 &&
		    code < 64)
			snprintf(names[code], 32, "%s", name);
	}
	fclose(f);
	CHECK(strcmp(names[11], "bad_field") == 0); /* the parse found the table */
}

/* One NACK shape everywhere (PROTOCOL.md §3): every request type that can be refused gets
 * {v, type, id, code, error, message, retry, quarantine, items}, with a code of §6. */
static void check_nack_shape(struct pw_client *c, struct proto_req *r, int want,
			     char names[64][32])
{
	static const char *const keys[] = { "v", "type", "id", "code", "error", "message",
					    "retry", "quarantine", "items" };
	struct proto_view *v = harness_request(c, r);
	char key[32], *text;
	int64_t code;
	CHECK(proto_view_nkeys(v) == 9);
	for (size_t i = 0; i < 9; i++) {
		CHECK_OK(proto_view_entry(v, i, key, sizeof(key), &text));
		free(text);
		if (strcmp(key, keys[i]) != 0)
			fprintf(stderr, "%s NACK: key %zu is '%s', wanted '%s'\n",
				proto_type_name(r->type), i, key, keys[i]);
		CHECK(strcmp(key, keys[i]) == 0);
	}
	CHECK_OK(proto_view_int(v, -1, "code", &code));
	CHECK_OK(proto_view_str(v, -1, "error", key, sizeof(key)));
	if (code <= 0 || code >= 64 || strcmp(names[code], key) != 0)
		fprintf(stderr, "%s NACK: code %lld '%s' is not in PROTOCOL.md section 6\n",
			proto_type_name(r->type), (long long)code, key);
	CHECK(code > 0 && code < 64 && strcmp(names[code], key) == 0);
	if (want && -code != want)
		fprintf(stderr, "%s NACK: %s, wanted %s\n", proto_type_name(r->type), key,
			pw_errname(want));
	CHECK(!want || -code == want);
	proto_view_free(v);
}

static void test_nack_shape(struct harness *h)
{
	struct pw_client *c = harness_client(h);
	char names[64][32], path[400];
	section6_codes(names);
	struct proto_req q = { .type = PROTO_QUERY, .plan = "no-such-plan", .ind = "gdp" };
	check_nack_shape(c, &q, PW_EPLAN, names);
	struct proto_req hi = { .type = PROTO_HISTORY, .plan = PLAN, .ind = "gdpx",
				.has_period = true, .period = { .year = 2024, .freq = PERIOD_ANNUAL } };
	check_nack_shape(c, &hi, PW_EINDICATOR, names);
	struct proto_req al = { .type = PROTO_ALERTS, .plan = "no-such-plan" };
	check_nack_shape(c, &al, PW_EPLAN, names);
	struct proto_req ca = { .type = PROTO_CATALOG, .plan = "no-such-plan" };
	check_nack_shape(c, &ca, PW_EPLAN, names);
	struct proto_req re = { .type = PROTO_RETRY, .seq = 999999 };
	check_nack_shape(c, &re, PW_ENOTFOUND, names);
	struct proto_req ts = { .type = PROTO_TARGET_SET, .plan = PLAN, .ind = "gdp", .value = 1 };
	check_nack_shape(c, &ts, PW_EDENIED, names);
	/* backup: into a directory that is not empty, and below a file (mkdir fails) */
	struct proto_req bk = { .type = PROTO_BACKUP, .path = h->dir };
	check_nack_shape(c, &bk, 0, names);
	snprintf(path, sizeof(path), "%s/daemon.log/sub", h->dir);
	bk.path = path;
	check_nack_shape(c, &bk, 0, names);
	pw_client_free(c);
}

/* A frame over the 1 MiB limit, its id first: too_big, quarantined with its raw bytes cut. */
static void send_big_junk(struct pw_client *c, const char *id)
{
	struct proto_buf b;
	void *reply;
	size_t len;
	static char pad[1100000];
	proto_buf_init(&b);
	proto_w_map(&b, 4);
	proto_w_str(&b, "v"); proto_w_uint(&b, 1);
	proto_w_str(&b, "id"); proto_w_str(&b, id);
	proto_w_str(&b, "type"); proto_w_str(&b, "update");
	proto_w_str(&b, "pad"); proto_w_bin(&b, pad, sizeof(pad));
	CHECK_OK(pw_call(c, b.data, b.len, id, &reply, &len));
	struct proto_view *v;
	int64_t code;
	CHECK_OK(proto_view_new(&v, reply, len));
	CHECK_OK(proto_view_int(v, -1, "code", &code));
	CHECK(-code == PW_ETOOBIG);
	proto_view_free(v);
	free(reply);
	proto_buf_release(&b);
}

/* Pages through the quarantine: every reply's items stay within about 8 MiB (`more`
 * until the end); returns the records listed and the largest raw. */
static size_t list_rejected(struct pw_client *c, size_t *raw_max, size_t *pages)
{
	uint64_t after = 0;
	size_t n = 0;
	bool more = true;
	*raw_max = *pages = 0;
	while (more) {
		struct proto_req r = { .type = PROTO_REJECTED, .seq = after };
		struct proto_view *v = harness_request(c, &r);
		size_t raw_sum = 0;
		CHECK_OK(proto_view_bool(v, -1, "more", &more));
		for (size_t i = 0; i < proto_view_count(v); i++) {
			const void *raw;
			size_t rl;
			int64_t id;
			CHECK_OK(proto_view_bin(v, (int)i, "raw", &raw, &rl));
			CHECK_OK(proto_view_int(v, (int)i, "id", &id));
			after = (uint64_t)id;
			raw_sum += rl;
			if (rl > *raw_max)
				*raw_max = rl;
		}
		CHECK(raw_sum <= (9u << 20)); /* the budget, and one item past it */
		CHECK(!more || proto_view_count(v) > 0);
		n += proto_view_count(v);
		(*pages)++;
		proto_view_free(v);
	}
	return n;
}

/* The value of the /metrics sample `line` (name and labels) at 127.0.0.1:port, by curl as
 * a scraper would; aborts when the endpoint or the sample is missing. */
static int64_t scrape(int port, const char *line)
{
	char cmd[128], buf[512];
	long long x = -1;
	size_t n = strlen(line);
	snprintf(cmd, sizeof(cmd), "curl -sf http://127.0.0.1:%d/metrics", port);
	FILE *p = popen(cmd, "r");
	CHECK(p);
	while (fgets(buf, sizeof(buf), p))
		if (strncmp(buf, line, n) == 0 && buf[n] == ' ')
			x = strtoll(buf + n + 1, NULL, 10);
	CHECK(pclose(p) == 0);
	if (x < 0)
		fprintf(stderr, "/metrics has no sample %s\n", line);
	CHECK(x >= 0);
	return x;
}

/* The quarantine is bounded (planwatchd.conf quarantine_*): 1 MiB junk frames do not fill
 * the disk, the oldest go first and are counted (status and /metrics), figures are still
 * accepted; a listing is paged by size. */
static void test_quarantine_bound(void)
{
	struct harness h;
	struct pw_ack a;
	size_t raw_max, pages;
	char id[32], extra[200];
	int port = 20000 + getpid() % 20000;
	CHECK_OK(harness_init(&h, NULL, NULL));
	CHECK_OK(harness_start(&h));
	struct pw_client *c = harness_client(&h);
	for (int i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "big-%d", i);
		send_big_junk(c, id);
	}
	/* 12 MiB of raw bytes: more than one reply may carry */
	CHECK(list_rejected(c, &raw_max, &pages) == 12);
	CHECK(raw_max == PROTO_MAX_FRAME && pages >= 2);
	pw_client_free(c);
	CHECK(harness_stop(&h, SIGTERM) == 0);
	/* Lower bounds: trimmed at start, oldest first; then held while junk keeps coming. */
	snprintf(extra, sizeof(extra), "quarantine_max_mb: 2\nquarantine_sender_max_mb: 1\n"
		 "quarantine_raw_max_kb: 200\nmetrics_listen: \"127.0.0.1:%d\"\n", port);
	CHECK_OK(harness_write_config(&h, extra));
	CHECK_OK(harness_start(&h));
	c = harness_client(&h);
	CHECK(harness_status(c, "quarantine_bytes") <= (1 << 20));
	CHECK(harness_status(c, "quarantine_dropped") >= 11);
	for (int i = 12; i < 30; i++) {
		snprintf(id, sizeof(id), "big-%d", i);
		send_big_junk(c, id);
		CHECK(harness_status(c, "quarantine_bytes") <= (1 << 20));
	}
	CHECK(list_rejected(c, &raw_max, &pages) == (size_t)harness_status(c, "quarantined"));
	CHECK(raw_max == 200 * 1024 && pages == 1);
	int64_t kept = harness_status(c, "quarantined");
	CHECK(kept >= 4 && kept <= 5 && harness_status(c, "quarantine_dropped") == 30 - kept);
	/* All from one sender: its own bound dropped them. The figures follow each commit. */
	CHECK(scrape(port, "planwatch_quarantine_dropped_total{bound=\"sender\"}") == 30 - kept);
	CHECK(scrape(port, "planwatch_quarantine_dropped_total{bound=\"total\"}") == 0);
	CHECK(scrape(port, "planwatch_quarantine_bytes") == harness_status(c, "quarantine_bytes"));
	/* The oldest (id 1) went: retry answers not_found. */
	struct proto_req rt = { .type = PROTO_RETRY, .seq = 1 };
	struct proto_view *v = harness_request(c, &rt);
	char err[32];
	CHECK_OK(proto_view_str(v, -1, "error", err, sizeof(err)));
	CHECK(strcmp(err, "not_found") == 0);
	proto_view_free(v);
	CHECK_RC(push1(c, "统计局", "after-junk", obs("gdp", "2025Q1", 300, "亿元", "flash"), &a), 0);
	pw_client_free(c);
	CHECK(harness_stop(&h, SIGTERM) == 0);
	harness_cleanup(&h);
}

/* ---- 6. data status: final is locked, revised replaces, identical resend no change ---- */
static void test_status_rules(struct harness *h)
{
	struct pw_client *c = harness_client(h);
	struct pw_ack a;
	CHECK_RC(push1(c, "统计局", "st-1", obs("urbanization", "2023", 56.0, "%", "estimate"), &a), 0);
	CHECK_RC(push1(c, "统计局", "st-2", obs("urbanization", "2023", 56.3, "%", "final"), &a), 0);
	CHECK_RC(push1(c, "统计局", "st-3", obs("urbanization", "2023", 56.4, "%", "flash"), &a), PW_EFINAL);
	CHECK(a.quarantine > 0);
	CHECK_RC(push1(c, "统计局", "st-4", obs("urbanization", "2023", 56.4, "%", "final"), &a), PW_EFINAL);
	/* Re-sending the identical final value is acknowledged but is not a change. */
	CHECK_RC(push1(c, "统计局", "st-5", obs("urbanization", "2023", 56.3, "%", "final"), &a), 0);
	CHECK(a.changed == 0);
	CHECK_RC(push1(c, "统计局", "st-6", obs("urbanization", "2023", 56.5, "%", "revised"), &a), 0);
	CHECK(a.changed == 1);
	CHECK(latest_value(c, "urbanization", "2023") == 56.5);
	CHECK_RC(push1(c, "统计局", "st-7", obs("urbanization", "2022", 55.5, "%", "preliminary"), &a), 0);
	CHECK_RC(push1(c, "统计局", "st-8", obs("urbanization", "2022", 55.6, "%", "flash"), &a), PW_EREGRESS);
	/* The reach's first year, base_year 2020 - 15 (2004 is a bad case above); none last. */
	CHECK_RC(push1(c, "统计局", "st-9", obs("gdp", "2005", 500, "亿元", "final"), &a), 0);
	struct proto_req r = { .type = PROTO_HISTORY, .plan = PLAN, .ind = "urbanization",
			       .has_period = true };
	period_parse(&r.period, "2023", 4);
	struct proto_view *v = harness_request(c, &r);
	CHECK(proto_view_count(v) == 3);
	double val;
	char st[16];
	CHECK_OK(proto_view_double(v, 0, "value", &val));
	CHECK(val == 56.0);
	CHECK_OK(proto_view_str(v, 2, "status", st, sizeof(st)));
	CHECK(strcmp(st, "revised") == 0);
	proto_view_free(v);
	pw_client_free(c);
}

/* ---- 7. SUB ingest: a department publisher, results announced on PUB ---- */
static void test_sub_ingest(const char *pub_ep_for_dept)
{
	struct harness h;
	char extra[400];
	snprintf(extra, sizeof(extra), "sub_connect:\n  - %s\n", pub_ep_for_dept);
	void *zctx = zmq_ctx_new();
	void *dept_pub = zmq_socket(zctx, ZMQ_PUB);
	CHECK(zmq_bind(dept_pub, pub_ep_for_dept) == 0);
	CHECK_OK(harness_init(&h, NULL, extra));
	CHECK_OK(harness_start(&h));
	struct pw_client *c = harness_client(&h);
	struct pw_sub *s;
	struct pw_notice n;
	CHECK_OK(pw_sub_new(&s, h.pub, "accepted.", -1, c, NULL));
	struct proto_req r = { .type = PROTO_UPDATE, .dept = "统计局", .n_items = 1 };
	struct proto_item it = { .plan = PLAN, .ind = "gdp", .unit = "亿元", .value = 600,
				 .status = 2, .yoy = NAN };
	period_parse(&it.period, "2026Q2", 6);
	r.items = &it;
	snprintf(r.id, sizeof(r.id), "sub-1");
	struct proto_buf b;
	proto_buf_init(&b);
	CHECK_OK(proto_req_encode(&r, &b));
	/* PUB drops until the daemon's SUB has connected: publish until it is announced. */
	int rc = PW_ETIMEDOUT;
	for (int i = 0; i < 300 && rc == PW_ETIMEDOUT; i++) {
		zmq_send(dept_pub, "upd", 3, ZMQ_SNDMORE);
		zmq_send(dept_pub, b.data, b.len, 0);
		rc = pw_sub_next(s, &n, 100);
	}
	CHECK_OK(rc);
	CHECK(strcmp(n.topic, "accepted.统计局") == 0);
	CHECK(latest_value(c, "gdp", "2026Q2") == 600);
	/* The same id again: a publisher has no reply to read, so the resend is announced as
	 * accepted again, changed 0, and nothing is stored twice (issue 20 item 11). */
	uint64_t first = n.seq;
	int64_t revisions = harness_status(c, "revisions");
	zmq_send(dept_pub, "upd", 3, ZMQ_SNDMORE);
	zmq_send(dept_pub, b.data, b.len, 0);
	CHECK_OK(pw_sub_next(s, &n, 10000));
	CHECK(strcmp(n.topic, "accepted.统计局") == 0 && n.seq > first);
	struct proto_view *nv;
	int64_t changed = -1, count = -1;
	char nid[16];
	CHECK_OK(proto_view_new(&nv, n.body, n.len));
	CHECK_OK(proto_view_str(nv, -1, "id", nid, sizeof(nid)));
	CHECK_OK(proto_view_int(nv, -1, "count", &count));
	CHECK_OK(proto_view_int(nv, -1, "changed", &changed));
	proto_view_free(nv);
	CHECK(strcmp(nid, "sub-1") == 0 && count == 1 && changed == 0);
	CHECK(harness_status(c, "revisions") == revisions);
	r.items = NULL;
	proto_buf_release(&b);
	pw_sub_free(s);
	pw_client_free(c);
	CHECK(harness_stop(&h, SIGTERM) == 0);
	harness_cleanup(&h);
	zmq_close(dept_pub);
	zmq_ctx_term(zctx);
}

/* ---- 8. frames that are not the reply ----
 * A stand-in server (no planwatchd) answers a request with another frame first, then with
 * the right reply. A frame that is not msgpack is skipped. A frame one byte over
 * PROTO_MAX_REPLY makes libplanwatch's ZMQ_MAXMSGSIZE drop the connection, so the right
 * reply never arrives either; without the limit the client would buffer the 64 MiB, skip
 * it and take the second. */
struct rogue {
	void *router;
	size_t pre_len; /* bytes of the frame sent before the reply (0: none) */
};

static void *rogue_serve(void *arg)
{
	struct rogue *g = arg;
	zmq_msg_t who, req;
	zmq_msg_init(&who);
	zmq_msg_init(&req);
	CHECK(zmq_msg_recv(&who, g->router, 0) >= 0);
	CHECK(zmq_msg_recv(&req, g->router, 0) >= 0);
	struct proto_req *r = proto_req_new();
	CHECK(r);
	CHECK_OK(proto_req_decode(r, zmq_msg_data(&req), zmq_msg_size(&req)));
	if (g->pre_len) {
		char *pre = malloc(g->pre_len);
		zmq_msg_t copy;
		CHECK(pre);
		memset(pre, 0xc1, g->pre_len); /* a byte msgpack never uses */
		zmq_msg_init(&copy);
		zmq_msg_copy(&copy, &who);
		CHECK(zmq_msg_send(&copy, g->router, ZMQ_SNDMORE) >= 0);
		CHECK(zmq_send(g->router, pre, g->pre_len, 0) == (int)g->pre_len);
		free(pre);
	}
	struct proto_buf b;
	struct proto_map m;
	proto_buf_init(&b);
	proto_reply_open(&m, &b, PROTO_RESULT, r->id);
	proto_map_close(m);
	CHECK(zmq_msg_send(&who, g->router, ZMQ_SNDMORE) >= 0);
	CHECK(zmq_send(g->router, b.data, b.len, 0) == (int)b.len);
	proto_buf_release(&b);
	proto_req_free(r);
	zmq_msg_close(&req);
	return NULL;
}

/* One status call against the stand-in: 0 when its reply came, else why not. */
static int rogue_call(void *router, struct pw_client *c, const char *id, size_t pre_len)
{
	struct rogue g = { .router = router, .pre_len = pre_len };
	struct proto_req r = { .type = PROTO_STATUS };
	struct proto_buf b;
	pthread_t th;
	void *reply = NULL;
	size_t len;
	proto_buf_init(&b);
	snprintf(r.id, sizeof(r.id), "%s", id);
	CHECK_OK(proto_req_encode(&r, &b));
	CHECK(pthread_create(&th, NULL, rogue_serve, &g) == 0);
	int rc = pw_call(c, b.data, b.len, id, &reply, &len);
	CHECK(pthread_join(th, NULL) == 0);
	free(reply);
	proto_buf_release(&b);
	return rc;
}

static void test_oversized_reply(const char *dir)
{
	char ep[300];
	struct pw_client *c;
	struct pw_opts o = { .timeout_ms = 1500 };
	void *zctx = zmq_ctx_new();
	void *router = zmq_socket(zctx, ZMQ_ROUTER);
	snprintf(ep, sizeof(ep), "ipc://%s/rogue.sock", dir);
	CHECK(zmq_bind(router, ep) == 0);
	CHECK_OK(pw_client_new(&c, ep, &o));
	CHECK_OK(rogue_call(router, c, "plain", 0)); /* the stand-in does answer */
	CHECK_OK(rogue_call(router, c, "junk", 3));
	CHECK_RC(rogue_call(router, c, "big", (size_t)PROTO_MAX_REPLY + 1), PW_ETIMEDOUT);
	pw_client_free(c);
	zmq_close(router);
	zmq_ctx_term(zctx);
}

/* A second daemon with its own state dir but the same ipc:// endpoints must refuse to
 * start: libzmq would unlink the first daemon's socket and bind over it, leaving the first
 * running but unreachable (issue 20 item 4). */
static void test_second_daemon(struct harness *h)
{
	struct harness h2;
	int st = 0;
	CHECK_OK(harness_init_eps(&h2, NULL, NULL, h->ep, h->pub));
	/* Not harness_try_start: its ping would be answered by the first daemon. */
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		FILE *f = freopen(h2.log, "a", stderr);
		(void)f;
		execl(h2.daemon, h2.daemon, "--config", h2.conf, (char *)NULL);
		_exit(127);
	}
	int waited = 0;
	while (waitpid(pid, &st, WNOHANG) == 0 && waited++ < 600)
		usleep(100 * 1000);
	if (waited > 600) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	CHECK(waited <= 600 && WIFEXITED(st) && WEXITSTATUS(st) != 0);
	CHECK(harness_file_has(h2.log, "another process is listening"));
	struct pw_client *c = harness_client(h);
	CHECK(harness_status(c, "uptime_s") >= 0); /* the first still answers */
	pw_client_free(c);
	harness_cleanup(&h2);
}

int main(void)
{
	struct harness h;
	char ep[300];

	setvbuf(stdout, NULL, _IOLBF, 0);

	CHECK_OK(harness_init(&h, NULL, NULL));
	CHECK_OK(harness_start(&h));
	test_push_query_notify(&h);
	printf("ok push -> ack -> query -> notice\n");
	test_ack_durable(&h);
	printf("ok ack survives SIGKILL\n");
	test_idempotent(&h);
	printf("ok idempotent message ids\n");
	test_since(&h);
	printf("ok late subscriber replay\n");
	test_bad_inputs(&h);
	printf("ok %zu bad inputs refused, quarantined, store unchanged\n",
	       sizeof(bad_cases) / sizeof(bad_cases[0]));
	test_status_rules(&h);
	printf("ok data status rules and history\n");
	test_nack_shape(&h);
	printf("ok one NACK shape for every request, codes of PROTOCOL.md section 6\n");
	test_quarantine_bound();
	printf("ok the quarantine is bounded, oldest first, and listed by pages\n");
	test_second_daemon(&h);
	printf("ok a second daemon on the same ipc:// endpoints refuses to start\n");
	CHECK(harness_stop(&h, SIGTERM) == 0);
	printf("ok SIGTERM exits 0\n");
	snprintf(ep, sizeof(ep), "ipc://%s/dept-pub.sock", h.dir);
	test_sub_ingest(ep);
	printf("ok SUB ingest\n");
	test_oversized_reply(h.dir);
	printf("ok a frame that is no reply is skipped; one over PROTO_MAX_REPLY drops the connection\n");
	harness_cleanup(&h);
	return 0;
}
