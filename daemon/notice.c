/* daemon/notice.c — durable notification log entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/bytes.h"
#include "../proto/err.h"
#include "../proto/status.h"
#include "notice.h"

void notice_list_init(struct notice_list *l)
{
	memset(l, 0, sizeof(*l));
	proto_buf_init(&l->bodies);
	proto_buf_init(&l->fields);
}

void notice_list_clear(struct notice_list *l)
{
	l->n = 0;
	proto_buf_reset(&l->bodies);
	proto_buf_reset(&l->fields);
}

void notice_list_release(struct notice_list *l)
{
	free(l->items);
	proto_buf_release(&l->bodies);
	proto_buf_release(&l->fields);
	memset(l, 0, sizeof(*l));
}

void notice_begin(struct notice_list *l)
{
	proto_buf_reset(&l->fields);
}

/* The pairs every notice body starts with, damaged ones included. */
static void w_seq_topic(struct proto_map *m, uint64_t seq, const char *topic, size_t topic_len)
{
	proto_kv_uint(m, "v", PROTO_VERSION);
	proto_kv_uint(m, "seq", seq);
	proto_map_key(m, "topic");
	proto_w_strn(m->b, topic, topic_len);
}

/* Writes the head of a body into the map m just opened; the caller adds its pairs and
 * closes m. */
static void w_head(struct proto_map *m, uint64_t seq, const char *topic, size_t topic_len,
		   int64_t time_ms)
{
	w_seq_topic(m, seq, topic, topic_len);
	proto_kv_int(m, "time", time_ms);
}

static void w_indicator(struct proto_map *m, const char *plan, const char *ind, const char *name,
			const char *period)
{
	proto_kv_str(m, "plan", plan);
	proto_kv_str(m, "indicator", ind);
	proto_kv_str(m, "name", name);
	if (period)
		proto_kv_str(m, "period", period);
}

void notice_w_indicator(struct notice_list *l, const char *plan, const char *ind,
			const char *name, const char *period)
{
	/* No header of its own: notice_emit() counts the pairs in l->fields. */
	struct proto_map fields = { .b = &l->fields };
	w_indicator(&fields, plan, ind, name, period);
}

void notice_warning_begin(struct notice_list *l, char topic[STORE_TOPIC_MAX + 1],
			  const char *owner, const char *ind, const char *name, const char *period,
			  int code, const char *message)
{
	struct proto_map fields = { .b = &l->fields };
	notice_topic(topic, "warning", owner, ind);
	notice_begin(l);
	w_indicator(&fields, owner, ind, name, period);
	proto_kv_int(&fields, "code", -code);
	proto_kv_str(&fields, "error", pw_errname(code));
	proto_kv_str(&fields, "message", message);
}

static size_t put_part(char *buf, size_t at, const char *s)
{
	size_t n = strnlen(s, STORE_TOPIC_MAX - at);
	memcpy(buf + at, s, n);
	return at + n;
}

size_t notice_topic(char buf[STORE_TOPIC_MAX + 1], const char *kind, const char *plan,
		    const char *ind)
{
	size_t n = put_part(buf, 0, kind);
	n = put_part(buf, n, ".");
	n = put_part(buf, n, plan);
	n = put_part(buf, n, ".");
	n = put_part(buf, n, ind);
	buf[n] = '\0';
	return n;
}

/* Room for one more notice in l. */
static int reserve_item(struct notice_list *l)
{
	if (l->n < l->cap)
		return 0;
	size_t cap = l->cap ? 2 * l->cap : 64;
	struct notice_out *items = realloc(l->items, cap * sizeof(*items));
	if (!items)
		return PW_ENOMEM;
	l->items = items;
	l->cap = cap;
	return 0;
}

/* Appends log_data to the log (it must get seq last + 1, which the body at l->bodies[off..]
 * already carries) and lists the body for publishing. */
static int append_listed(struct notice_list *l, struct store_txn *t, const char *topic,
			 size_t topic_len, uint64_t last, size_t off, const void *log_data,
			 size_t log_len)
{
	uint64_t seq;
	int rc;
	if (l->bodies.err)
		return l->bodies.err;
	if ((rc = store_log_append(t, topic, log_data, log_len, &seq)) < 0)
		return rc;
	if (seq != last + 1)
		return PW_ESTORE;
	struct notice_out *o = &l->items[l->n++];
	memcpy(o->topic, topic, topic_len + 1);
	o->seq = seq;
	o->off = off;
	o->len = l->bodies.len - off;
	return 0;
}

int notice_emit(struct notice_list *l, struct store_txn *t, const char *topic)
{
	struct proto_map m;
	uint32_t n_pairs;
	uint64_t last;
	int rc;

	if (l->fields.err)
		return l->fields.err;
	/* Counted, not told: a field added to a notice changes one place. */
	if ((rc = proto_count_pairs(l->fields.data, l->fields.len, &n_pairs)) < 0)
		return PW_EINVAL;
	size_t topic_len = strnlen(topic, STORE_TOPIC_MAX + 1);
	if (topic_len > STORE_TOPIC_MAX)
		return PW_ETOOBIG;
	if ((rc = reserve_item(l)) < 0 || (rc = store_log_last(t, &last)) < 0)
		return rc;
	/* The body carries its own seq, so it is encoded before the append assigns it. */
	size_t off = l->bodies.len;
	/* The count is known before the head: open with the header it will need. */
	if (4 + n_pairs >= 16) /* v, seq, topic, time and the fields: a map16 */
		proto_map_open_wide(&m, &l->bodies);
	else
		proto_map_open(&m, &l->bodies);
	w_head(&m, last + 1, topic, topic_len, l->now_ms);
	proto_w_raw(&l->bodies, l->fields.data, l->fields.len);
	m.n += n_pairs;
	proto_map_close(m);
	return append_listed(l, t, topic, topic_len, last, off, l->bodies.data + off,
			     l->bodies.len - off);
}

/* ---- change notices: compact log record <-> wire body ----
 *
 * Record (little-endian):  u8 NOTICE_COMPACT, u8 format (1), u8 flags (bit 0 has_old,
 * bit 1 backfill), u8 status, u8 old_status, u32 rev, period key (4), i64 time ms,
 * f64 value, f64 yoy, f64 old_value, then u16 length + bytes of plan, indicator, name,
 * unit, dept, msgid, reason. */
#define COMPACT_FORMAT 1
#define COMPACT_FIXED (5 + 4 + 4 + 8 + 3 * 8)
#define COMPACT_STRS 7

/* The wire body: the same pairs, in the same order, as every other notice's head. */
static void render_change(struct proto_buf *b, uint64_t seq, const char *topic, size_t topic_len,
			  int64_t time_ms, const struct notice_change *c)
{
	char per[PERIOD_TEXT_MAX];
	struct proto_map m;
	period_format(&c->period, per);
	proto_map_open_wide(&m, b); /* a change notice has more than 15 pairs */
	w_head(&m, seq, topic, topic_len, time_ms);
	w_indicator(&m, c->plan, c->ind, c->name, per);
	proto_kv_double(&m, "value", c->value);
	proto_kv_str(&m, "unit", c->unit);
	proto_kv_str(&m, "status", status_name(c->status));
	proto_kv_double(&m, "yoy", c->yoy);
	proto_kv_uint(&m, "rev", c->rev);
	proto_kv_str(&m, "dept", c->dept);
	proto_kv_str(&m, "msgid", c->msgid);
	proto_kv_str(&m, "reason", c->reason && c->reason[0] ? c->reason : NULL);
	proto_kv_bool(&m, "backfill", c->backfill);
	if (c->has_old)
		proto_kv_double(&m, "old_value", c->old_value);
	else
		proto_kv_str(&m, "old_value", NULL);
	proto_kv_str(&m, "old_status", c->has_old ? status_name(c->old_status) : NULL);
	proto_map_close(m);
}

/* Appends c's compact record to b, with one capacity check. */
static int compact_encode(struct proto_buf *b, int64_t time_ms, const struct notice_change *c)
{
	const char *strs[COMPACT_STRS] = { c->plan, c->ind,  c->name,		      c->unit,
					   c->dept, c->msgid, c->reason ? c->reason : "" };
	size_t lens[COMPACT_STRS], total = COMPACT_FIXED;
	for (int i = 0; i < COMPACT_STRS; i++) {
		if ((lens[i] = strlen(strs[i])) > 0xffff)
			return PW_ETOOBIG;
		total += 2 + lens[i];
	}
	uint8_t *p = proto_w_space(b, total);
	if (!p)
		return b->err;
	*p++ = NOTICE_COMPACT;
	*p++ = COMPACT_FORMAT;
	*p++ = (uint8_t)((c->has_old ? 1 : 0) | (c->backfill ? 2 : 0));
	*p++ = c->status;
	*p++ = c->has_old ? c->old_status : 0;
	p = bytes_put_le(p, c->rev, 4);
	period_key(&c->period, p);
	p += 4;
	p = bytes_put_le(p, (uint64_t)time_ms, 8);
	p = bytes_put_le(p, bytes_of_double(c->value), 8);
	p = bytes_put_le(p, bytes_of_double(c->yoy), 8);
	p = bytes_put_le(p, bytes_of_double(c->has_old ? c->old_value : 0), 8);
	for (int i = 0; i < COMPACT_STRS; i++) {
		p = bytes_put_le(p, lens[i], 2);
		memcpy(p, strs[i], lens[i]);
		p += lens[i];
	}
	return 0;
}

/* Decodes a compact record; its strings are copied NUL-terminated into text (cap bytes,
 * at least len), which c's pointers then point into. */
static int compact_decode(const uint8_t *p, size_t len, char *text, struct notice_change *c,
			  int64_t *time_ms)
{
	const uint8_t *end = p + len;
	const char **strs[COMPACT_STRS] = { &c->plan, &c->ind,  &c->name,  &c->unit,
					    &c->dept, &c->msgid, &c->reason };
	if (len < COMPACT_FIXED || p[0] != NOTICE_COMPACT || p[1] != COMPACT_FORMAT || p[2] > 3)
		return PW_ESTORE;
	memset(c, 0, sizeof(*c));
	c->has_old = p[2] & 1;
	c->backfill = p[2] & 2;
	c->status = p[3];
	c->old_status = p[4];
	c->rev = (uint32_t)bytes_get_le(p + 5, 4);
	c->period = period_from_key(p + 9);
	*time_ms = (int64_t)bytes_get_le(p + 13, 8);
	c->value = bytes_to_double(bytes_get_le(p + 21, 8));
	c->yoy = bytes_to_double(bytes_get_le(p + 29, 8));
	c->old_value = bytes_to_double(bytes_get_le(p + 37, 8));
	p += COMPACT_FIXED;
	for (int i = 0; i < COMPACT_STRS; i++) {
		if (end - p < 2)
			return PW_ESTORE;
		size_t n = (size_t)bytes_get_le(p, 2);
		p += 2;
		if ((size_t)(end - p) < n || memchr(p, '\0', n))
			return PW_ESTORE;
		memcpy(text, p, n);
		text[n] = '\0';
		*strs[i] = text;
		text += n + 1;
		p += n;
	}
	return p == end ? 0 : PW_ESTORE;
}

int notice_emit_change(struct notice_list *l, struct store_txn *t, const struct notice_change *c)
{
	char topic[STORE_TOPIC_MAX + 1];
	uint64_t last;
	int rc;

	size_t topic_len = notice_topic(topic, "change", c->plan, c->ind);
	if ((rc = reserve_item(l)) < 0 || (rc = store_log_last(t, &last)) < 0)
		return rc;
	/* Listed as logged: the wire body is rendered off the commit's path, at publish. */
	size_t off = l->bodies.len;
	if ((rc = compact_encode(&l->bodies, l->now_ms, c)) < 0)
		return rc;
	return append_listed(l, t, topic, topic_len, last, off, l->bodies.data + off,
			     l->bodies.len - off);
}

int notice_body_write(struct proto_buf *b, uint64_t seq, const char *topic, const void *body,
		      size_t len)
{
	/* len 0: the store could not read the record (store_log_since). */
	if (len != 0 && ((const uint8_t *)body)[0] != NOTICE_COMPACT) {
		proto_w_raw(b, body, len);
		return b->err;
	}
	struct notice_change c;
	int64_t time_ms;
	char stack[1024];
	char *text = len <= sizeof(stack) ? stack : malloc(len);
	if (!text)
		return PW_ENOMEM;
	size_t mark = b->len;
	int rc = len ? compact_decode(body, len, text, &c, &time_ms) : PW_EDAMAGED;
	if (rc == 0) {
		render_change(b, seq, topic, strlen(topic), time_ms, &c);
		rc = b->err;
	} else {
		/* A damaged record still holds its place in the sequence: subscribers and SINCE
		 * see {v, seq, topic, damaged: true} and can go on past it. */
		struct proto_map m;
		b->len = mark;
		proto_map_open(&m, b);
		w_seq_topic(&m, seq, topic, strlen(topic));
		proto_kv_bool(&m, "damaged", true);
		proto_map_close(m);
		rc = b->err ? b->err : NOTICE_DAMAGED;
	}
	if (text != stack)
		free(text);
	return rc;
}
