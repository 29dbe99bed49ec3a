/* tests/test_apply.c — the write path on its own, on a temporary store: one group commit
 * of mixed good and bad messages, the same id twice in one group, resends across groups,
 * retries of quarantined messages (alone and repeated in their group), a group rerun after
 * the map filled, a group that could not commit at all, and a group touching 150 series. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../daemon/apply.h"
#include "../daemon/qbound.h"
#include "../proto/err.h"
#include "../proto/status.h"
#include "check.h"

#define MAX_MSGS 128

static struct catalog *cat;
static const struct rules_cfg rules = { .margin_pct = 1.0, .hysteresis_pct = 0.5, .persistence = 2 };

/* The messages of one group, each with its own encoded bytes. */
struct group {
	struct apply_msg m[MAX_MSGS];
	struct apply_msg *p[MAX_MSGS];
	struct proto_buf raw[MAX_MSGS];
	size_t n;
};

static int64_t day_ms(int y, int mo, int d)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d };
	return (int64_t)timegm(&tm) * 1000;
}

static struct apply_msg *add_raw(struct group *g, const void *bytes, size_t len)
{
	size_t i = g->n++;
	CHECK(i < MAX_MSGS);
	struct apply_msg *m = &g->m[i];
	proto_buf_init(&g->raw[i]);
	proto_w_raw(&g->raw[i], bytes, len);
	m->raw = g->raw[i].data;
	m->len = m->raw_len = len;
	m->peer = "test";
	apply_decode(m);
	g->p[i] = m;
	return m;
}

static struct apply_msg *add_req(struct group *g, const struct proto_req *r)
{
	struct proto_buf b;
	proto_buf_init(&b);
	CHECK_OK(proto_req_encode(r, &b));
	struct apply_msg *m = add_raw(g, b.data, b.len);
	proto_buf_release(&b);
	return m;
}

/* An update of n items of one series, periods first, first + 1, ... (months or quarters);
 * detail: the ACK is to list the items. */
static struct apply_msg *add_update_ex(struct group *g, const char *id, const char *dept,
				       const char *ind, const char *unit, int year, int first, int n,
				       double value, bool detail)
{
	struct proto_item items[64];
	struct proto_req r = { .type = PROTO_UPDATE, .dept = dept, .items = items,
			       .n_items = (size_t)n, .detail = detail };
	const struct cat_indicator *x = catalog_find(cat, "test-plan", ind);
	CHECK(x && n <= 64);
	snprintf(r.id, sizeof(r.id), "%s", id);
	for (int i = 0; i < n; i++) {
		int k = first + i, per_year = x->freq == PERIOD_MONTH ? 12 : 4;
		items[i] = (struct proto_item){
			.plan = "test-plan", .ind = ind, .unit = unit, .value = value + i,
			.yoy = NAN, .status = PW_ST_FLASH,
			.period = { .year = (uint16_t)(year + (k - 1) / per_year),
				    .freq = (uint8_t)x->freq, .n = (uint8_t)((k - 1) % per_year + 1) },
		};
	}
	return add_req(g, &r);
}

static struct apply_msg *add_update(struct group *g, const char *id, const char *dept,
				    const char *ind, const char *unit, int year, int first, int n,
				    double value)
{
	return add_update_ex(g, id, dept, ind, unit, year, first, n, value, false);
}

static void group_reset(struct group *g)
{
	for (size_t i = 0; i < g->n; i++) {
		apply_msg_release(&g->m[i]);
		proto_buf_release(&g->raw[i]);
	}
	memset(g, 0, sizeof(*g));
}

static struct proto_view *view(const struct apply_msg *m)
{
	struct proto_view *v;
	CHECK(m->reply.len > 0);
	CHECK_OK(proto_view_new(&v, m->reply.data, m->reply.len));
	return v;
}

static void check_str(const struct proto_view *v, int item, const char *key, const char *want)
{
	char s[128];
	CHECK_OK(proto_view_str(v, item, key, s, sizeof(s)));
	if (strcmp(s, want) != 0)
		fprintf(stderr, "%s: '%s', wanted '%s'\n", key, s, want);
	CHECK(strcmp(s, want) == 0);
}

static int64_t get_int(const struct proto_view *v, const char *key)
{
	int64_t x;
	CHECK_OK(proto_view_int(v, -1, key, &x));
	return x;
}

/* Checks m's reply is an ACK with this id, count and changed; returns its seq. */
static int64_t check_ack(const struct apply_msg *m, const char *id, int64_t count, int64_t changed)
{
	struct proto_view *v = view(m);
	CHECK(m->result == 0);
	CHECK(proto_view_nkeys(v) == 6);
	check_str(v, -1, "type", "ack");
	check_str(v, -1, "id", id);
	CHECK(get_int(v, "count") == count);
	CHECK(get_int(v, "changed") == changed);
	int64_t seq = get_int(v, "seq");
	proto_view_free(v);
	return seq;
}

/* Checks m's reply is a NACK; returns its quarantine id. */
static int64_t check_nack(const struct apply_msg *m, const char *id, const char *error, bool retry)
{
	struct proto_view *v = view(m);
	bool r;
	CHECK(m->result < 0);
	CHECK(proto_view_nkeys(v) == 9);
	check_str(v, -1, "type", "nack");
	check_str(v, -1, "id", id);
	check_str(v, -1, "error", error);
	CHECK_OK(proto_view_bool(v, -1, "retry", &r));
	CHECK(r == retry);
	int64_t q = get_int(v, "quarantine");
	proto_view_free(v);
	return q;
}

static size_t count_topics(const struct notice_list *l, const char *prefix)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += strncmp(l->items[i].topic, prefix, strlen(prefix)) == 0;
	return n;
}

/* Good and bad messages in one group; the same id twice; a read left alone. */
static void test_mixed(struct apply *a, struct store *st, int64_t *q_future, int64_t *q_unit)
{
	struct group g = { .n = 0 };
	struct notice_list out;
	notice_list_init(&out);
	int64_t now = day_ms(2025, 11, 15);

	add_update(&g, "a", "统计局", "gdp", "亿元", 2024, 1, 4, 800);
	add_update(&g, "a", "统计局", "gdp", "亿元", 2024, 1, 4, 800); /* the dup_of path */
	add_update(&g, "bad-unit", "统计局", "gdp", "%", 2025, 1, 1, 800); /* another dimension */
	/* fiscal_revenue 2025-12 has not begun on 2025-11-15: quarantined, retried below. */
	add_update(&g, "f", "财政局", "fiscal_revenue", "亿元", 2025, 12, 1, 30);
	add_raw(&g, "\x93\x01\x02", 3); /* an array, not a map */
	struct proto_req q = { .type = PROTO_STATUS };
	snprintf(q.id, sizeof(q.id), "s1");
	struct apply_msg *read = add_req(&g, &q);
	add_update(&g, "a", "统计局", "gdp", "亿元", 2024, 1, 4, 800); /* a third time */
	CHECK(!apply_is_write(read));

	CHECK_OK(apply_group(a, st, g.p, g.n, now, &out));
	int64_t seq = check_ack(&g.m[0], "a", 4, 4);
	CHECK(!g.m[0].duplicate && g.m[0].changed == 4);
	CHECK(g.m[1].duplicate && g.m[6].duplicate);
	/* The repeats get the first one's ACK byte for byte. */
	CHECK(g.m[1].reply.len == g.m[0].reply.len &&
	      memcmp(g.m[1].reply.data, g.m[0].reply.data, g.m[0].reply.len) == 0);
	CHECK(g.m[6].reply.len == g.m[0].reply.len &&
	      memcmp(g.m[6].reply.data, g.m[0].reply.data, g.m[0].reply.len) == 0);
	*q_unit = check_nack(&g.m[2], "bad-unit", "wrong_unit", false);
	struct proto_view *v = view(&g.m[2]);
	CHECK(proto_view_count(v) == 1);
	check_str(v, 0, "error", "wrong_unit");
	/* The catalog reaches the NACK: the item and the message say which units it takes. */
	char why[256], msg[384];
	CHECK_OK(proto_view_str(v, 0, "message", why, sizeof(why)));
	CHECK_OK(proto_view_str(v, -1, "message", msg, sizeof(msg)));
	CHECK(strstr(why, "亿元") != NULL && strstr(msg, why) != NULL);
	proto_view_free(v);
	*q_future = check_nack(&g.m[3], "f", "bad_period", false);
	int64_t q_bad = check_nack(&g.m[4], "", "malformed", false);
	CHECK(*q_unit > 0 && *q_future > *q_unit && q_bad > *q_future);
	CHECK(read->reply.len == 0 && read->result == 0); /* reads are not apply's */
	/* One change notice per changed item, none for the repeats; the ACK's seq covers all
	 * the group's notices. */
	CHECK(count_topics(&out, "change.") == 4);
	CHECK(out.n >= 4 && (int64_t)out.items[out.n - 1].seq == seq);
	CHECK(out.now_ms == now);
	group_reset(&g);

	/* A later group: the resend gets the stored ACK, byte for byte, and stores nothing. */
	add_update(&g, "a", "统计局", "gdp", "亿元", 2024, 1, 4, 800);
	CHECK_OK(apply_group(a, st, g.p, g.n, now, &out));
	CHECK(check_ack(&g.m[0], "a", 4, 4) == seq);
	CHECK(g.m[0].duplicate && out.n == 0);
	group_reset(&g);

	/* Another authenticated department naming 统计局 with 统计局's id: refused before the
	 * lookup (it used to get 统计局's original ACK). */
	struct apply_msg *other = add_update(&g, "a", "统计局", "gdp", "亿元", 2024, 1, 4, 800);
	other->auth_dept = "财政局";
	CHECK_OK(apply_group(a, st, g.p, g.n, now, &out));
	check_nack(other, "a", "dept_mismatch", false);
	group_reset(&g);

	/* A resend through SUB ingest gets no reply: an accepted.* notice confirms it. */
	struct apply_msg *sub = add_update(&g, "a", "统计局", "gdp", "亿元", 2024, 1, 4, 800);
	sub->from_sub = true;
	CHECK_OK(apply_group(a, st, g.p, g.n, now, &out));
	CHECK(sub->duplicate && count_topics(&out, "accepted.统计局") == 1);
	group_reset(&g);
	notice_list_release(&out);
}

static bool same_reply(const struct apply_msg *x, const struct apply_msg *y)
{
	return x->reply.len == y->reply.len && memcmp(x->reply.data, y->reply.data, x->reply.len) == 0;
}

/* detail: true: the ACK lists per item its index, region, indicator, period and the plans
 * that judge it (test-plan's window is 2021-2025: 2026 is judged by none). A resend in the
 * same group, without detail, gets the original ACK with its items; so does a resend of a
 * long one (beyond the stack buffer the stored ACK is first read into) in a later group. */
static void test_detail(struct apply *a, struct store *st)
{
	struct group g = { .n = 0 };
	struct notice_list out;
	char s[64];
	notice_list_init(&out);
	int64_t now = day_ms(2026, 7, 1);

	struct apply_msg *d1 = add_update_ex(&g, "d1", "统计局", "gdp", "亿元", 2025, 3, 4, 900, true);
	struct apply_msg *again = add_update(&g, "d1", "统计局", "gdp", "亿元", 2025, 3, 4, 900);
	struct apply_msg *plain = add_update(&g, "d0", "统计局", "gdp", "亿元", 2021, 1, 1, 700);
	struct apply_msg *d2 = add_update_ex(&g, "d2", "财政局", "fiscal_revenue", "亿元", 2023, 1,
					     40, 10, true);
	CHECK_OK(apply_group(a, st, g.p, g.n, now, &out));
	CHECK(again->duplicate && same_reply(again, d1));
	check_ack(plain, "d0", 1, 1); /* no detail asked: the ACK of v1, six keys */
	struct proto_view *v = view(d1);
	CHECK(proto_view_nkeys(v) == 7 && proto_view_count(v) == 4);
	const char *per[4] = { "2025Q3", "2025Q4", "2026Q1", "2026Q2" };
	for (int i = 0; i < 4; i++) {
		int64_t idx;
		CHECK_OK(proto_view_int(v, i, "index", &idx));
		CHECK(idx == i);
		check_str(v, i, "region", "000000-test"); /* the region's id */
		check_str(v, i, "indicator", "gdp");
		check_str(v, i, "period", per[i]);
		int judged = proto_view_str_at(v, i, "judged_by", 0, s, sizeof(s));
		CHECK(i < 2 ? judged == 0 && strcmp(s, "test-plan") == 0 : judged == PW_ENOTFOUND);
		CHECK(proto_view_str_at(v, i, "judged_by", 1, s, sizeof(s)) == PW_ENOTFOUND);
	}
	proto_view_free(v);
	v = view(d2);
	CHECK(proto_view_count(v) == 40 && d2->reply.len > 512);
	proto_view_free(v);
	struct proto_buf first;
	proto_buf_init(&first);
	proto_w_raw(&first, d2->reply.data, d2->reply.len);
	group_reset(&g);

	d2 = add_update(&g, "d2", "财政局", "fiscal_revenue", "亿元", 2023, 1, 40, 10);
	CHECK_OK(apply_group(a, st, g.p, g.n, now, &out));
	CHECK(d2->duplicate && d2->reply.len == first.len &&
	      memcmp(d2->reply.data, first.data, first.len) == 0);
	proto_buf_release(&first);
	group_reset(&g);
	notice_list_release(&out);
}

/* A group judges each series it touched once, however many of its messages name it
 * (apply_series_judged), in a group whose other messages name no series at all. The
 * membership test behind it was a walk of the list so far: quadratic in the series of a
 * group, 61% of the daemon's time at 10^5 series (docs/PERFORMANCE.md). */
static void test_touch_once(struct apply *a, struct store *st)
{
	struct group g = { .n = 0 };
	struct notice_list out;
	char id[16];
	notice_list_init(&out);
	for (int m = 1; m <= 12; m++) {
		snprintf(id, sizeof(id), "t%d", m);
		add_update(&g, id, "财政局", "fiscal_revenue", "亿元", 2024, m, 1, 100 + m);
		if (m % 3 == 0) {
			snprintf(id, sizeof(id), "tq%d", m / 3);
			add_update(&g, id, "统计局", "gdp", "亿元", 2024, m / 3, 1, 800 + m);
		}
	}
	CHECK(g.n == 16);
	CHECK_OK(apply_group(a, st, g.p, g.n, day_ms(2026, 7, 1), &out));
	CHECK(apply_series_judged(a) == 2);
	group_reset(&g);
	/* the next group starts with no series marked: the same two again (periods no earlier
	 * test stored, running totals rising) */
	add_update(&g, "u1", "统计局", "gdp", "亿元", 2022, 1, 1, 900);
	add_update(&g, "u2", "财政局", "fiscal_revenue", "亿元", 2022, 1, 1, 110);
	add_update(&g, "u3", "统计局", "gdp", "亿元", 2022, 2, 1, 1910);
	CHECK_OK(apply_group(a, st, g.p, g.n, day_ms(2026, 7, 1), &out));
	CHECK(apply_series_judged(a) == 2);
	CHECK(apply_series_judged(NULL) == 0);
	group_reset(&g);
	notice_list_release(&out);
}

/* A quarantined update, retried once its period has begun: the reply carries the retry's
 * id, the store remembers the ACK under the update's own id. In the same group the update
 * itself is resent: the dup_of path for a retry. */
static void test_retry(struct apply *a, struct store *st, int64_t q_future, int64_t q_unit)
{
	struct group g = { .n = 0 };
	struct notice_list out;
	notice_list_init(&out);
	int64_t now = day_ms(2026, 11, 1);

	struct proto_req r = { .type = PROTO_RETRY, .seq = (uint64_t)q_future };
	snprintf(r.id, sizeof(r.id), "retry-1");
	add_req(&g, &r);
	add_update(&g, "f", "财政局", "fiscal_revenue", "亿元", 2025, 12, 1, 30);
	struct proto_req gone = { .type = PROTO_RETRY, .seq = 999999 };
	snprintf(gone.id, sizeof(gone.id), "retry-2");
	add_req(&g, &gone);
	CHECK_OK(apply_group(a, st, g.p, g.n, now, &out));
	int64_t seq = check_ack(&g.m[0], "retry-1", 1, 1);
	CHECK(check_ack(&g.m[1], "f", 1, 1) == seq);
	CHECK(!g.m[0].duplicate && g.m[1].duplicate);
	CHECK(check_nack(&g.m[2], "retry-2", "not_found", false) == 0); /* not re-quarantined */
	CHECK(count_topics(&out, "change.test.fiscal_revenue") == 1);
	group_reset(&g);

	/* Later: the update's id answers with the ACK stored under it, with its own id. */
	add_update(&g, "f", "财政局", "fiscal_revenue", "亿元", 2025, 12, 1, 30);
	add_req(&g, &r); /* the retry again: its update is known, nothing changes */
	CHECK_OK(apply_group(a, st, g.p, g.n, now, &out));
	CHECK(check_ack(&g.m[0], "f", 1, 1) == seq);
	CHECK(check_ack(&g.m[1], "retry-1", 1, 0) == 0);
	CHECK(g.m[0].duplicate && g.m[1].duplicate && out.n == 0);
	group_reset(&g);

	/* A retry that fails again: the NACK the direct send got, its bad items listed, under
	 * the retry's id and the quarantine id it stays under. */
	struct proto_req again = { .type = PROTO_RETRY, .seq = (uint64_t)q_unit };
	snprintf(again.id, sizeof(again.id), "retry-3");
	add_req(&g, &again);
	CHECK_OK(apply_group(a, st, g.p, g.n, now, &out));
	CHECK(check_nack(&g.m[0], "retry-3", "wrong_unit", false) == q_unit);
	struct proto_view *v = view(&g.m[0]);
	int64_t index;
	CHECK(proto_view_count(v) == 1);
	check_str(v, 0, "error", "wrong_unit");
	CHECK_OK(proto_view_int(v, 0, "index", &index));
	CHECK(index == 0);
	char why[256];
	CHECK_OK(proto_view_str(v, 0, "message", why, sizeof(why)));
	CHECK(strstr(why, "亿元") != NULL);
	proto_view_free(v);
	group_reset(&g);
	notice_list_release(&out);
}

/* One update of one quarterly gdp figure in its own group, with an optional note. */
static int64_t send_note(struct apply *a, struct store *st, const char *id, double value,
			 const char *reason, int64_t changed)
{
	struct group g = { .n = 0 };
	struct notice_list out;
	struct proto_item it = { .plan = "test-plan", .ind = "gdp", .unit = "亿元", .value = value,
				 .yoy = NAN, .status = PW_ST_FLASH, .reason = reason,
				 .period = { .year = 2023, .freq = PERIOD_QUARTER, .n = 2 } };
	struct proto_req r = { .type = PROTO_UPDATE, .dept = "统计局", .items = &it, .n_items = 1 };
	snprintf(r.id, sizeof(r.id), "%s", id);
	notice_list_init(&out);
	add_req(&g, &r);
	CHECK_OK(apply_group(a, st, g.p, g.n, day_ms(2025, 11, 15), &out));
	int64_t seq = check_ack(&g.m[0], id, 1, changed);
	CHECK(count_topics(&out, "change.") == (size_t)changed);
	group_reset(&g);
	notice_list_release(&out);
	return seq;
}

static int note_cb(const struct store_obs *o, void *arg)
{
	char *notes = arg;
	size_t n = strlen(notes);
	snprintf(notes + n, 256 - n, "%u:%s;", o->rev, o->reason);
	return 0;
}

static int notes_txn(struct store_txn *t, void *arg)
{
	struct period p = { .year = 2023, .freq = PERIOD_QUARTER, .n = 2 };
	return store_rev_range(t, "000000-test", "gdp", &p, &p, note_cb, arg); /* the region's id */
}

/* A new note on the same figure is a revision: it is kept, not dropped as an identical
 * re-send (PROTOCOL.md: an identical re-send has the same value, status, yoy and note; a
 * re-send without a note leaves the stored one). */
static void test_reason(struct apply *a, struct store *st)
{
	char notes[256] = "";
	send_note(a, st, "n1", 700, "快报", 1);
	send_note(a, st, "n2", 700, "经普调整", 1); /* the note alone changed */
	send_note(a, st, "n3", 700, "经普调整", 0); /* identical */
	send_note(a, st, "n4", 700, NULL, 0);      /* no note: the stored one stands */
	send_note(a, st, "n5", 700, "", 0);
	send_note(a, st, "n6", 701, NULL, 1);
	CHECK_OK(store_read(st, notes_txn, notes));
	if (strcmp(notes, "1:快报;2:经普调整;3:;") != 0)
		fprintf(stderr, "revisions: %s\n", notes);
	CHECK(strcmp(notes, "1:快报;2:经普调整;3:;") == 0);
}

/* A group larger than the map: store_write grows it and reruns the group from scratch. The
 * rerun must not see its own first attempt (an id "accepted" then, notices listed then). */
static void test_map_full(const char *dir)
{
	struct store *st;
	struct apply *a;
	struct group g = { .n = 0 };
	struct notice_list out;
	struct store_stat before, after;
	char sub[300];
	snprintf(sub, sizeof(sub), "%s/full", dir);
	CHECK(mkdir(sub, 0700) == 0);
	CHECK_OK(store_open(&st, sub, 1 << 20, 256 << 20));
	CHECK_OK(apply_new(&a, cat, &rules));
	CHECK_OK(store_stat(st, &before));
	notice_list_init(&out);
	for (int i = 0; i < 100; i++) {
		char id[16];
		snprintf(id, sizeof(id), "m%d", i);
		add_update(&g, id, "财政局", "fiscal_revenue", "亿元", 2016, 1, 60, 10 + i * 0.01);
	}
	add_update(&g, "m0", "财政局", "fiscal_revenue", "亿元", 2016, 1, 60, 10);
	CHECK_OK(apply_group(a, st, g.p, g.n, day_ms(2026, 11, 1), &out));
	CHECK_OK(store_stat(st, &after));
	CHECK(after.map_size > before.map_size); /* it did fill and grow */
	for (int i = 0; i < 100; i++) {
		char id[16];
		snprintf(id, sizeof(id), "m%d", i);
		check_ack(&g.m[i], id, 60, 60);
		CHECK(!g.m[i].duplicate);
	}
	CHECK(g.m[100].duplicate);
	CHECK(count_topics(&out, "change.") == 6000);
	CHECK(after.n_rev == 6000);
	group_reset(&g);
	notice_list_release(&out);
	apply_free(a);
	store_free(st);
}

/* A group that cannot commit: every write gets a retryable NACK, nothing is published, and
 * the same messages commit once there is room. */
static void test_full(const char *dir)
{
	struct store *st;
	struct apply *a;
	struct group g = { .n = 0 };
	struct notice_list out;
	char sub[300];
	snprintf(sub, sizeof(sub), "%s/tiny", dir);
	CHECK(mkdir(sub, 0700) == 0);
	CHECK_OK(store_open(&st, sub, 1 << 20, 1 << 20));
	CHECK_OK(apply_new(&a, cat, &rules));
	notice_list_init(&out);
	for (int i = 0; i < 60; i++) {
		char id[16];
		snprintf(id, sizeof(id), "t%d", i);
		add_update(&g, id, "财政局", "fiscal_revenue", "亿元", 2016, 1, 60, 10 + i * 0.01);
	}
	CHECK_RC(apply_group(a, st, g.p, g.n, day_ms(2026, 11, 1), &out), PW_EFULL);
	for (size_t i = 0; i < g.n; i++)
		CHECK(check_nack(&g.m[i], g.m[i].req->id, "store_full", true) == 0);
	CHECK(out.n == 0);
	store_free(st);
	CHECK_OK(store_open(&st, sub, 1 << 20, 256 << 20));
	CHECK_OK(apply_group(a, st, g.p, g.n, day_ms(2026, 11, 1), &out));
	for (size_t i = 0; i < g.n; i++)
		check_ack(&g.m[i], g.m[i].req->id, 60, 60);
	group_reset(&g);
	notice_list_release(&out);
	apply_free(a);
	store_free(st);
}

/* What the store holds of the quarantine, per sender a/b/c and in total. */
struct quar_count {
	uint64_t bytes, records, sender_bytes[3], sender_records[3], min_id[3];
	size_t raw_max;
};

static int quar_count_cb(const struct store_reject *r, void *arg)
{
	struct quar_count *c = arg;
	int k = r->peer[0] - 'a';
	CHECK(k >= 0 && k < 3);
	c->bytes += r->bytes;
	c->records++;
	c->sender_bytes[k] += r->bytes;
	c->sender_records[k]++;
	if (!c->min_id[k])
		c->min_id[k] = r->id;
	if (r->raw_len > c->raw_max)
		c->raw_max = r->raw_len;
	return 0;
}

static int quar_count_txn(struct store_txn *t, void *arg)
{
	memset(arg, 0, sizeof(struct quar_count));
	return store_quarantine_list(t, 0, quar_count_cb, arg);
}

/* A group of n junk frames of 3000 bytes from peer. */
static int junk_group(struct apply *a, struct store *st, const char *peer, int n)
{
	static uint8_t junk[3000];
	struct group g = { .n = 0 };
	struct notice_list out;
	memset(junk, 0xc1, sizeof(junk));
	notice_list_init(&out);
	for (int i = 0; i < n; i++)
		add_raw(&g, junk, sizeof(junk))->peer = peer;
	int rc = apply_group(a, st, g.p, g.n, day_ms(2025, 11, 15), &out);
	for (int i = 0; rc == 0 && i < n; i++)
		check_nack(&g.m[i], "", "malformed", false);
	group_reset(&g);
	notice_list_release(&out);
	return rc;
}

/* The counts qbound keeps are the store's. */
static void check_counts(struct store *st, const struct qbound *q, struct quar_count *c)
{
	struct qbound_stats s;
	CHECK_OK(store_read(st, quar_count_txn, c));
	qbound_stats(q, &s);
	CHECK(s.bytes == c->bytes && s.records == c->records);
}

/* A store in dir/name (1 MiB map growing to map_max) and an apply bounded by lim. */
static void open_bounded(const char *dir, const char *name, uint64_t map_max,
			 const struct qbound_limits *lim, struct store **st, struct apply **a,
			 struct qbound **q)
{
	char sub[300];
	snprintf(sub, sizeof(sub), "%s/%s", dir, name);
	CHECK(mkdir(sub, 0700) == 0);
	CHECK_OK(store_open(st, sub, 1 << 20, map_max));
	CHECK_OK(apply_new(a, cat, &rules));
	CHECK_OK(qbound_new(q, lim));
	apply_set_quarantine(*a, *q);
}

/* The quarantine is bounded per sender and in total; the oldest go first, the sender's own
 * before anyone else's; raw bytes are cut; the counts follow commits, reruns and failures,
 * and are rebuilt from the store. */
static void test_quarantine_bounds(const char *dir)
{
	const struct qbound_limits lim = { .total = 20000, .per_sender = 8000, .raw_max = 1000 };
	struct store *st;
	struct apply *a;
	struct qbound *q, *q2;
	struct qbound_stats s;
	struct quar_count c;
	char sub[300];
	snprintf(sub, sizeof(sub), "%s/quar", dir);
	open_bounded(dir, "quar", 256 << 20, &lim, &st, &a, &q);
	/* One sender: at most 8000 bytes of its newest records. */
	for (int i = 0; i < 4; i++)
		CHECK_OK(junk_group(a, st, "a", 5));
	check_counts(st, q, &c);
	qbound_stats(q, &s);
	CHECK(c.raw_max == 1000);
	CHECK(c.sender_bytes[0] <= 8000 && c.sender_bytes[0] + 1100 > 8000);
	CHECK(s.dropped[QBOUND_SENDER] == 20 - c.records && s.dropped[QBOUND_TOTAL] == 0);
	CHECK(c.min_id[0] == 20 - c.records + 1); /* the oldest went */
	/* Two more: the total bound drops the oldest of all, a's. */
	CHECK_OK(junk_group(a, st, "b", 7));
	CHECK_OK(junk_group(a, st, "c", 7));
	check_counts(st, q, &c);
	qbound_stats(q, &s);
	CHECK(c.bytes <= 20000 && c.bytes + 1100 > 20000);
	CHECK(s.dropped[QBOUND_TOTAL] > 0);
	CHECK(c.sender_records[1] == 7 && c.sender_records[2] == 7 && c.sender_records[0] < 7);
	/* A group that does not commit changes nothing: a map that cannot grow. */
	store_free(st);
	CHECK_OK(store_open(&st, sub, 1 << 20, 1 << 20));
	struct qbound_stats before;
	qbound_stats(q, &before);
	/* 3 MB of junk into a 1 MiB map that may not grow: bounded, it never fills it. */
	for (int i = 0; i < 20; i++)
		CHECK_OK(junk_group(a, st, i % 2 ? "a" : "b", 50));
	check_counts(st, q, &c);
	CHECK(c.bytes <= 20000);
	/* Rebuilt from the store at start: the same counts. */
	CHECK_OK(qbound_new(&q2, &lim));
	CHECK_OK(qbound_load(q2, st));
	qbound_stats(q2, &before);
	qbound_stats(q, &s);
	CHECK(before.bytes == s.bytes && before.records == s.records);
	qbound_free(q2);
	apply_free(a);
	qbound_free(q);
	store_free(st);
}

/* A group that fails, and one run again after the map grew: the counts stay the store's. */
static void test_quarantine_rollback(const char *dir)
{
	const struct qbound_limits lim = { .total = 1 << 30, .per_sender = 1 << 30, .raw_max = 3000 };
	struct store *st;
	struct apply *a;
	struct qbound *q;
	struct qbound_stats s0, s1;
	struct quar_count c;
	char sub[300];
	snprintf(sub, sizeof(sub), "%s/quar-rb", dir);
	open_bounded(dir, "quar-rb", 1 << 20, &lim, &st, &a, &q);
	int rc = 0, groups = 0;
	while ((rc = junk_group(a, st, "a", 100)) == 0) /* 310 kB a group into a 1 MiB map */
		groups++;
	CHECK_RC(rc, PW_EFULL);
	qbound_stats(q, &s0);
	check_counts(st, q, &c); /* the failed group's puts were undone */
	CHECK(c.records == (uint64_t)groups * 100);
	store_free(st);
	CHECK_OK(store_open(&st, sub, 1 << 20, 64 << 20));
	CHECK_OK(junk_group(a, st, "b", 100)); /* grows the map: the group runs twice */
	struct store_stat ss;
	CHECK_OK(store_stat(st, &ss));
	CHECK(ss.map_size > (1u << 20));
	check_counts(st, q, &c);
	qbound_stats(q, &s1);
	CHECK(s1.records > s0.records && c.records == s1.records);
	apply_free(a);
	qbound_free(q);
	store_free(st);
}

/* A group touching more series than the first sizes of apply's touched set (64, 128), each
 * series by two messages: every series is evaluated after the batch and announces its
 * breach once. Region "many": N_MANY monthly ceilings, all breached by their figures (two
 * months: persistence 2). */
#define N_MANY 150
static void test_touched_many(const char *dir)
{
	char region[300], plan[300], sub[300], err[CAT_ERR_MAX];
	const char *files[] = { region, plan };
	struct catalog *many;
	struct store *st;
	struct apply *a;
	struct group g = { .n = 0 };
	struct notice_list out;
	FILE *r, *p;

	snprintf(region, sizeof(region), "%s/many-region.yaml", dir);
	snprintf(plan, sizeof(plan), "%s/many-plan.yaml", dir);
	CHECK((r = fopen(region, "w")) && (p = fopen(plan, "w")));
	fprintf(r, "region:\n  id: \"000000-many\"\n  alias: many\n  name: many\nseries:\n");
	fprintf(p, "plan:\n  id: many-1\n  region: many\n  title: many\n  start_year: 2021\n"
		   "  end_year: 2025\n  base_year: 2020\n  status: active\ntargets:\n");
	for (int i = 0; i < N_MANY; i++) {
		fprintf(r, "  - {id: c%03d, name: 上限%d, name_en: Ceiling %d, category: 测试, unit: \"%%\", "
			   "frequency: monthly, form: level, departments: [统计局], "
			   "bounds: {min: 0, max: 1000}}\n", i, i, i);
		fprintf(p, "  - {series: c%03d, attribute: binding, kind: ceiling, direction: down, "
			   "baseline: {year: 2020, value: 40}, target: {year: 2025, value: 50}}\n", i);
	}
	CHECK(fclose(r) == 0 && fclose(p) == 0);
	CHECK_OK(catalog_load(&many, files, 2, err));
	snprintf(sub, sizeof(sub), "%s/many", dir);
	CHECK(mkdir(sub, 0700) == 0);
	CHECK_OK(store_open(&st, sub, 0, 0));
	CHECK_OK(apply_new(&a, many, &rules));
	notice_list_init(&out);
	/* two messages, each naming every series once (a month each), in a scattered order */
	static struct proto_item items[N_MANY];
	static char inds[N_MANY][8];
	for (int m = 0; m < 2; m++) {
		struct proto_req req = { .type = PROTO_UPDATE, .dept = "统计局", .items = items,
					 .n_items = N_MANY };
		snprintf(req.id, sizeof(req.id), "m%d", m);
		for (int k = 0; k < N_MANY; k++) {
			snprintf(inds[k], sizeof(inds[k]), "c%03d", k * 7 % N_MANY);
			items[k] = (struct proto_item){
				.plan = "many-1", .ind = inds[k], .unit = "%", .yoy = NAN,
				.value = 100 + k, .status = PW_ST_FLASH,
				.period = { .year = 2025, .freq = PERIOD_MONTH, .n = (uint8_t)(1 + m) } };
		}
		add_req(&g, &req);
	}
	CHECK_OK(apply_group(a, st, g.p, g.n, day_ms(2025, 3, 15), &out));
	/* one breach per series: none lost, none announced twice */
	static bool seen[N_MANY];
	for (size_t i = 0; i < out.n; i++) {
		int k;
		if (sscanf(out.items[i].topic, "breach.many.many-1.c%d", &k) != 1)
			continue;
		CHECK(k >= 0 && k < N_MANY && !seen[k]);
		seen[k] = true;
	}
	CHECK(count_topics(&out, "breach.") == N_MANY);
	CHECK(count_topics(&out, "change.") == 2 * N_MANY);
	group_reset(&g);
	notice_list_release(&out);
	apply_free(a);
	store_free(st);
	catalog_free(many);
}

int main(void)
{
	char dir[] = "/tmp/pwapply.XXXXXX", err[CAT_ERR_MAX], cmd[64];
	const char *files[] = { "tests/fixtures/test-region.yaml",
				"tests/fixtures/test-plan.yaml" };
	struct store *st;
	struct apply *a;
	int64_t q_future, q_unit;
	CHECK(mkdtemp(dir));
	CHECK_OK(catalog_load(&cat, files, 2, err));
	CHECK_OK(store_open(&st, dir, 0, 0));
	CHECK_OK(apply_new(&a, cat, &rules));
	test_mixed(a, st, &q_future, &q_unit);
	test_retry(a, st, q_future, q_unit);
	test_reason(a, st);
	test_detail(a, st);
	test_touch_once(a, st);
	apply_free(a);
	store_free(st);
	test_map_full(dir);
	test_full(dir);
	test_quarantine_bounds(dir);
	test_quarantine_rollback(dir);
	test_touched_many(dir);
	catalog_free(cat);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	printf("test_apply: ok\n");
	return 0;
}
