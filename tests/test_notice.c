/* tests/test_notice.c — notices in the durable log: the compact change record and the wire
 * body rendered from it (PUB and SINCE must see the same bytes). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/notice.h"
#include "../proto/bytes.h"
#include "../proto/err.h"
#include "../proto/status.h"
#include "check.h"

struct logged {
	uint64_t seq[8];
	char topic[8][STORE_TOPIC_MAX + 1];
	uint8_t body[8][2048];
	size_t len[8];
	size_t n;
};

static int log_cb(uint64_t seq, const char *topic, const void *body, size_t len, void *arg)
{
	struct logged *g = arg;
	CHECK(g->n < 8 && len <= sizeof(g->body[0]));
	g->seq[g->n] = seq;
	snprintf(g->topic[g->n], sizeof(g->topic[0]), "%s", topic);
	memcpy(g->body[g->n], body, len);
	g->len[g->n++] = len;
	return 0;
}

static int read_log(struct store_txn *t, void *arg)
{
	return store_log_since(t, 0, log_cb, arg);
}

struct emit {
	struct notice_list *l;
	const struct notice_change *c;
	size_t n;
};

static int emit_txn(struct store_txn *t, void *arg)
{
	struct emit *e = arg;
	notice_list_clear(e->l);
	for (size_t i = 0; i < e->n; i++) {
		int rc = notice_emit_change(e->l, t, &e->c[i]);
		if (rc < 0)
			return rc;
	}
	/* Any other notice stays msgpack, stored as published. */
	notice_begin(e->l);
	proto_w_str(&e->l->fields, "id");
	proto_w_str(&e->l->fields, "m1");
	return notice_emit(e->l, t, "accepted.统计局");
}

/* A key without its value must not reach the log as a map with a wrong count. */
static int emit_bad_txn(struct store_txn *t, void *arg)
{
	struct notice_list *l = arg;
	notice_begin(l);
	proto_w_str(&l->fields, "id");
	proto_w_str(&l->fields, "m1");
	proto_w_str(&l->fields, "count");
	return notice_emit(l, t, "accepted.x");
}

static void check_body(const uint8_t *body, size_t len, const struct notice_change *c, uint64_t seq)
{
	struct proto_view *v;
	char s[300];
	double d;
	int64_t i;
	bool b;
	CHECK_OK(proto_view_new(&v, body, len));
	CHECK(proto_view_nkeys(v) == 26); /* v, seq, topic, time and the change's 22 */
	CHECK_OK(proto_view_int(v, -1, "v", &i));
	CHECK(i == 3);
	CHECK_OK(proto_view_str(v, -1, "region", s, sizeof(s)));
	CHECK(strcmp(s, c->region) == 0);
	CHECK_OK(proto_view_str(v, -1, "alias", s, sizeof(s)));
	CHECK(strcmp(s, c->alias) == 0);
	CHECK(proto_view_str(v, -1, "plan", s, sizeof(s)) == PW_ENOTFOUND); /* v1's owner key */
	CHECK_OK(proto_view_str(v, -1, "sent_unit", s, sizeof(s)));
	CHECK(strcmp(s, c->sent_unit ? c->sent_unit : c->unit) == 0);
	CHECK_OK(proto_view_double(v, -1, "sent_value", &d));
	CHECK(d == (c->sent_unit ? c->sent_value : c->value));
	CHECK_OK(proto_view_bool(v, -1, "confirm", &b));
	CHECK(b == c->confirm);
	CHECK_OK(proto_view_bool(v, -1, "derived", &b));
	CHECK(b == c->derived);
	if (c->confirm && c->overridden) {
		CHECK_OK(proto_view_str(v, -1, "overridden", s, sizeof(s)));
		CHECK(strcmp(s, pw_errname(-(int)c->overridden)) == 0);
	} else {
		CHECK(proto_view_str(v, -1, "overridden", s, sizeof(s)) < 0); /* nil */
	}
	for (size_t k = 0; k < c->n_judged; k++) {
		CHECK_OK(proto_view_str_at(v, -1, "judged_by", k, s, sizeof(s)));
		CHECK(strcmp(s, c->judged_by[k]) == 0);
	}
	CHECK(proto_view_str_at(v, -1, "judged_by", c->n_judged, s, sizeof(s)) < 0);
	CHECK_OK(proto_view_int(v, -1, "seq", &i));
	CHECK((uint64_t)i == seq);
	CHECK_OK(proto_view_int(v, -1, "time", &i));
	CHECK(i == 1735689600123);
	CHECK_OK(proto_view_str(v, -1, "topic", s, sizeof(s)));
	char want[STORE_TOPIC_MAX + 1];
	notice_topic(want, "change", c->alias, c->ind);
	CHECK(strcmp(s, want) == 0);
	CHECK_OK(proto_view_str(v, -1, "name", s, sizeof(s)));
	CHECK(strcmp(s, c->name) == 0);
	CHECK_OK(proto_view_str(v, -1, "unit", s, sizeof(s)));
	CHECK(strcmp(s, c->unit) == 0);
	CHECK_OK(proto_view_str(v, -1, "period", s, sizeof(s)));
	char per[PERIOD_TEXT_MAX];
	period_format(&c->period, per);
	CHECK(strcmp(s, per) == 0);
	CHECK_OK(proto_view_double(v, -1, "value", &d));
	CHECK(d == c->value);
	CHECK_OK(proto_view_int(v, -1, "rev", &i));
	CHECK(i == (int64_t)c->rev);
	CHECK_OK(proto_view_str(v, -1, "status", s, sizeof(s)));
	CHECK(strcmp(s, status_name(c->status)) == 0);
	CHECK_OK(proto_view_bool(v, -1, "backfill", &b));
	CHECK(b == c->backfill);
	if (isfinite(c->yoy)) {
		CHECK_OK(proto_view_double(v, -1, "yoy", &d));
		CHECK(d == c->yoy);
	} else {
		CHECK(proto_view_double(v, -1, "yoy", &d) < 0); /* nil */
	}
	if (c->has_old) {
		CHECK_OK(proto_view_double(v, -1, "old_value", &d));
		CHECK(d == c->old_value);
		CHECK_OK(proto_view_str(v, -1, "old_status", s, sizeof(s)));
		CHECK(strcmp(s, status_name(c->old_status)) == 0);
	} else {
		CHECK(proto_view_double(v, -1, "old_value", &d) < 0);
		CHECK(proto_view_str(v, -1, "old_status", s, sizeof(s)) < 0);
	}
	if (c->reason && c->reason[0]) {
		CHECK_OK(proto_view_str(v, -1, "reason", s, sizeof(s)));
		CHECK(strcmp(s, c->reason) == 0);
	} else {
		CHECK(proto_view_str(v, -1, "reason", s, sizeof(s)) < 0);
	}
	proto_view_free(v);
}

/* A compact record of format 1, as releases before the v2 topics logged it (the layout of
 * daemon/notice.c, written out here by hand): it replays as it was published then. */
static void check_v1_record(void)
{
	const char *strs[7] = { "quangang", "gdp", "地区生产总值", "亿元", "统计局", "m-7", "" };
	uint8_t rec[256], *p = rec;
	struct period per;
	CHECK_OK(period_parse(&per, "2025Q3", 6));
	*p++ = NOTICE_COMPACT, *p++ = 1, *p++ = 0, *p++ = PW_ST_FLASH, *p++ = 0;
	p = bytes_put_le(p, 1, 4);
	period_key(&per, p);
	p += 4;
	p = bytes_put_le(p, 1735689600123, 8);
	p = bytes_put_le(p, bytes_of_double(690.1), 8);
	p = bytes_put_le(p, bytes_of_double(5.2), 8);
	p = bytes_put_le(p, bytes_of_double(0), 8);
	for (size_t i = 0; i < 7; i++) {
		p = bytes_put_le(p, strlen(strs[i]), 2);
		memcpy(p, strs[i], strlen(strs[i]));
		p += strlen(strs[i]);
	}
	struct proto_buf b;
	struct proto_view *v;
	char s[64];
	int64_t i;
	double d;
	proto_buf_init(&b);
	CHECK_OK(notice_body_write(&b, 12, "change.quangang.gdp", rec, (size_t)(p - rec)));
	CHECK_OK(proto_view_new(&v, b.data, b.len));
	CHECK(proto_view_nkeys(v) == 19); /* v, seq, topic, time and v1's 15 */
	CHECK_OK(proto_view_int(v, -1, "v", &i));
	CHECK(i == 1);
	CHECK_OK(proto_view_str(v, -1, "plan", s, sizeof(s)));
	CHECK(strcmp(s, "quangang") == 0);
	CHECK(proto_view_str(v, -1, "region", s, sizeof(s)) == PW_ENOTFOUND);
	CHECK_OK(proto_view_str(v, -1, "msgid", s, sizeof(s)));
	CHECK(strcmp(s, "m-7") == 0);
	CHECK_OK(proto_view_double(v, -1, "value", &d));
	CHECK(d == 690.1);
	proto_view_free(v);
	proto_buf_release(&b);
}

int main(void)
{
	char dir[] = "/tmp/pwnotice.XXXXXX";
	struct store *st;
	struct notice_list l;
	struct logged g = { .n = 0 };
	struct period p1, p2;
	CHECK(mkdtemp(dir));
	CHECK_OK(store_open(&st, dir, 0, 0));
	CHECK_OK(period_parse(&p1, "2026-10", 7));
	CHECK_OK(period_parse(&p2, "2026Q3", 6));
	const struct notice_change c[3] = {
		{ .region = "350505", .alias = "quangang", .ind = "gdp", .name = "地区生产总值",
		  .unit = "亿元", .dept = "统计局", .msgid = "2026-10-gdp", .reason = "", .period = p1,
		  .value = 812.5, .yoy = 5.8, .rev = 1, .status = PW_ST_FLASH,
		  .sent_unit = "万元", .sent_value = 8125000, .judged_by = { "quangang-15" },
		  .n_judged = 1, .confirm = true, .overridden = -PW_ESCALE },
		{ .region = "350505", .alias = "quangang", .ind = "gdp", .name = "地区生产总值",
		  .unit = "亿元", .dept = "统计局", .msgid = "2026-10-gdp-r", .reason = "经普调整",
		  .period = p1, .value = -0.0, .yoy = NAN, .rev = 2, .status = PW_ST_REVISED,
		  .has_old = true, .old_value = 812.5, .old_status = PW_ST_FLASH,
		  .judged_by = { "quangang-15", "quangang-16x" }, .n_judged = 2, .confirm = true },
		{ .region = "350500-qetdz", .alias = "qetdz", .ind = "forest", .name = "森林覆盖率",
		  .unit = "%", .dept = "林业局",
		  .msgid = "x", .reason = NULL, .period = p2, .value = 1e300, .yoy = -12.25,
		  .rev = 4000000000u, .status = PW_ST_FINAL, .backfill = true, .has_old = true,
		  .old_value = 1e-300, .old_status = PW_ST_PRELIMINARY,
		  .derived = true },
	};
	notice_list_init(&l);
	l.now_ms = 1735689600123;
	struct emit e = { .l = &l, .c = c, .n = 3 };
	CHECK_OK(store_write(st, emit_txn, &e));
	CHECK(l.n == 4);
	CHECK_OK(store_read(st, read_log, &g));
	CHECK(g.n == 4);
	struct proto_buf wire[3];
	for (size_t i = 0; i < 3; i++) {
		/* The list (what PUB renders) holds exactly what the log holds: the compact
		 * record... */
		CHECK(g.body[i][0] == NOTICE_COMPACT);
		CHECK(g.seq[i] == l.items[i].seq && strcmp(g.topic[i], l.items[i].topic) == 0);
		CHECK(g.len[i] == l.items[i].len);
		CHECK(memcmp(g.body[i], l.bodies.data + l.items[i].off, g.len[i]) == 0);
		/* ... much smaller than the wire body rendered from it, for PUB and SINCE alike. */
		proto_buf_init(&wire[i]);
		CHECK_OK(notice_body_write(&wire[i], g.seq[i], g.topic[i], g.body[i], g.len[i]));
		CHECK(g.len[i] * 2 < wire[i].len);
		check_body(wire[i].data, wire[i].len, &c[i], g.seq[i]);
		struct proto_buf b;
		proto_buf_init(&b);
		/* The same record as a version-2 release logged it (format 2, the same layout):
		 * replayed as published then, v 2, every other byte of the body the same. */
		uint8_t v2[2100];
		memcpy(v2, g.body[i], g.len[i]);
		CHECK(v2[1] == 3);
		v2[1] = 2;
		CHECK_OK(notice_body_write(&b, g.seq[i], g.topic[i], v2, g.len[i]));
		/* map16 header (3 bytes), "v" (2), then its value */
		CHECK(b.len == wire[i].len && b.data[5] == 0x02 && wire[i].data[5] == 0x03 &&
		      memcmp(b.data, wire[i].data, 5) == 0 &&
		      memcmp(b.data + 6, wire[i].data + 6, b.len - 6) == 0);
		/* Every truncation, a trailing byte and an unknown format are damaged records:
		 * never a crash, always the placeholder {v, seq, topic, damaged: true}. */
		uint8_t longer[2100];
		memcpy(longer, g.body[i], g.len[i]);
		longer[g.len[i]] = 0;
		for (size_t n = 1; n <= g.len[i] + 2; n++) {
			const uint8_t *rec = n <= g.len[i] + 1 ? longer : NULL;
			size_t rl = n <= g.len[i] + 1 ? n : g.len[i];
			if (n == g.len[i]) /* the intact record */
				continue;
			if (!rec) {
				longer[1] = 9; /* an unknown format */
				rec = longer;
			}
			proto_buf_reset(&b);
			CHECK_RC(notice_body_write(&b, 77, "change.x.y", rec, rl), NOTICE_DAMAGED);
			struct proto_view *pv;
			int64_t sq;
			bool dmg = false;
			char tp[32];
			CHECK_OK(proto_view_new(&pv, b.data, b.len));
			CHECK(proto_view_nkeys(pv) == 4);
			CHECK_OK(proto_view_int(pv, -1, "seq", &sq));
			CHECK_OK(proto_view_bool(pv, -1, "damaged", &dmg));
			CHECK_OK(proto_view_str(pv, -1, "topic", tp, sizeof(tp)));
			CHECK(sq == 77 && dmg && strcmp(tp, "change.x.y") == 0);
			proto_view_free(pv);
		}
		proto_buf_release(&b);
	}
	/* -0.0 and the huge values survive bit for bit. */
	struct proto_view *v;
	double d;
	CHECK_OK(proto_view_new(&v, wire[1].data, wire[1].len));
	CHECK_OK(proto_view_double(v, -1, "value", &d));
	CHECK(d == 0 && signbit(d));
	proto_view_free(v);
	for (size_t i = 0; i < 3; i++)
		proto_buf_release(&wire[i]);
	check_v1_record();
	/* A msgpack body is stored and replayed as it was. */
	CHECK(g.body[3][0] != NOTICE_COMPACT && g.len[3] == l.items[3].len);
	CHECK(memcmp(g.body[3], l.bodies.data + l.items[3].off, g.len[3]) == 0);
	struct proto_buf b;
	proto_buf_init(&b);
	CHECK_OK(notice_body_write(&b, g.seq[3], g.topic[3], g.body[3], g.len[3]));
	CHECK(b.len == g.len[3] && memcmp(b.data, g.body[3], b.len) == 0);
	/* A log record the store could not read (store_log_since: topic "", no body) is the
	 * placeholder too, not an empty body in the middle of a SINCE page. */
	proto_buf_reset(&b);
	CHECK_RC(notice_body_write(&b, 78, "", NULL, 0), NOTICE_DAMAGED);
	bool dmg = false;
	CHECK_OK(proto_view_new(&v, b.data, b.len));
	CHECK_OK(proto_view_bool(v, -1, "damaged", &dmg));
	CHECK(dmg);
	proto_view_free(v);
	proto_buf_release(&b);
	/* Its pairs were counted: v, seq, topic, time and the one field. */
	CHECK_OK(proto_view_new(&v, g.body[3], g.len[3]));
	CHECK(proto_view_nkeys(v) == 5);
	char id[8];
	CHECK_OK(proto_view_str(v, -1, "id", id, sizeof(id)));
	CHECK(strcmp(id, "m1") == 0);
	proto_view_free(v);
	CHECK_RC(store_write(st, emit_bad_txn, &l), PW_EINVAL);

	notice_list_release(&l);
	store_free(st);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	printf("test_notice: ok\n");
	return 0;
}
