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

/* The pairs every notice body starts with, damaged ones included: v is the body's scheme
 * (1 for records logged before log_v2_from, 2 before log_v3_from). */
static void w_seq_topic(struct proto_map *m, unsigned v, uint64_t seq, const char *topic,
			size_t topic_len)
{
	proto_kv_uint(m, "v", v);
	proto_kv_uint(m, "seq", seq);
	proto_map_key(m, "topic");
	proto_w_strn(m->b, topic, topic_len);
}

/* Writes the head of a body into the map m just opened; the caller adds its pairs and
 * closes m. */
static void w_head(struct proto_map *m, unsigned v, uint64_t seq, const char *topic,
		   size_t topic_len, int64_t time_ms)
{
	w_seq_topic(m, v, seq, topic, topic_len);
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

/* The pairs that name a series by region in v2 bodies (change, warning). */
static void w_series(struct proto_map *m, const char *region, const char *alias,
		     const char *ind, const char *name, const char *period)
{
	proto_kv_str(m, "region", region);
	proto_kv_str(m, "alias", alias);
	proto_kv_str(m, "indicator", ind);
	proto_kv_str(m, "name", name);
	proto_kv_str(m, "period", period);
}

void notice_warning_begin(struct notice_list *l, char topic[STORE_TOPIC_MAX + 1],
			  const char *region, const char *alias, const char *ind, const char *name,
			  const char *period, int code, const char *message)
{
	struct proto_map fields = { .b = &l->fields };
	notice_topic(topic, "warning", alias, ind);
	notice_begin(l);
	w_series(&fields, region, alias, ind, name, period);
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

/* parts[0..n) joined by dots into buf, cut to STORE_TOPIC_MAX bytes. */
static size_t topic_join(char buf[STORE_TOPIC_MAX + 1], const char *const *parts, size_t n_parts)
{
	size_t n = 0;
	for (size_t i = 0; i < n_parts; i++)
		n = put_part(buf, i ? put_part(buf, n, ".") : n, parts[i]);
	buf[n] = '\0';
	return n;
}

size_t notice_topic(char buf[STORE_TOPIC_MAX + 1], const char *kind, const char *owner,
		    const char *ind)
{
	const char *parts[] = { kind, owner, ind };
	return topic_join(buf, parts, 3);
}

size_t notice_topic_plan(char buf[STORE_TOPIC_MAX + 1], const char *kind, const char *alias,
			 const char *plan, const char *ind)
{
	const char *parts[] = { kind, alias, plan, ind };
	return topic_join(buf, parts, 4);
}

/* *from gets meta key's seq; written as last + 1 when the store has none. */
static int mark_from(struct store_txn *t, const char *key, uint64_t last, uint64_t *from)
{
	uint8_t v[8];
	size_t len;
	int rc = store_meta_get(t, key, v, sizeof(v), &len);
	if (rc == 0 && len == sizeof(v)) {
		*from = bytes_get_be(v, 8);
		return 0;
	}
	if (rc == 0)
		return PW_EDAMAGED;
	if (rc != PW_ENOTFOUND)
		return rc;
	bytes_put_be(v, last + 1, 8);
	if ((rc = store_meta_put(t, key, v, sizeof(v))) < 0)
		return rc;
	*from = last + 1;
	return 0;
}

int notice_scheme_mark(struct store_txn *t, uint64_t *v2_from, uint64_t *v3_from)
{
	uint64_t last;
	int rc = store_log_last(t, &last);
	if (rc < 0 || (rc = mark_from(t, "log_v2_from", last, v2_from)) < 0)
		return rc;
	return mark_from(t, "log_v3_from", last, v3_from);
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
	w_head(&m, NOTICE_VERSION, last + 1, topic, topic_len, l->now_ms);
	proto_w_raw(&l->bodies, l->fields.data, l->fields.len);
	m.n += n_pairs;
	proto_map_close(m);
	return append_listed(l, t, topic, topic_len, last, off, l->bodies.data + off,
			     l->bodies.len - off);
}

/* ---- change notices: compact log record <-> wire body ----
 *
 * Record (little-endian):  u8 NOTICE_COMPACT, u8 format, u8 flags (bit 0 has_old, bit 1
 * backfill, bit 2 converted: sent in another unit, bit 3 confirm, bit 4 derived), u8 status,
 * u8 old_status, u32 rev, period key (4), i64 time ms, f64 value, f64 yoy, f64 old_value,
 * then
 *   format 1 (logged before log_v2_from): u16 length + bytes of plan, indicator, name, unit,
 *     dept, msgid, reason;
 *   format 2 (logged before log_v3_from, body v 2) and 3 (body v 3, the same change body):
 *     if converted f64 sent_value; if confirm u8 the code it overrode (0 none;
 *     records before issue 19 have neither bit 3 nor 4); u16 length + bytes of region, alias, indicator,
 *     name, unit, dept, msgid, reason and, if converted, sent_unit; then u8 n and n plan
 *     ids (u16 length + bytes). A figure sent in the catalog's unit, the common case,
 *     repeats neither unit nor value. */
#define COMPACT_V1 1
#define COMPACT_V2 2
#define COMPACT_V3 3
#define COMPACT_FIXED (5 + 4 + 4 + 8 + 3 * 8)
#define COMPACT_STRS_MAX 9
#define COMPACT_CONVERTED 4
#define COMPACT_CONFIRM 8
#define COMPACT_DERIVED 16
#define COMPACT_V2_FLAGS 31 /* every flag bit a format-2 or 3 record may have */

/* The pairs of the vintage itself, the same in v1, v2 and v3 bodies: value to old_status. */
static void render_vintage(struct proto_map *m, const struct notice_change *c)
{
	proto_kv_double(m, "value", c->value);
	proto_kv_str(m, "unit", c->unit);
	proto_kv_str(m, "status", status_name(c->status));
	proto_kv_double(m, "yoy", c->yoy);
	proto_kv_uint(m, "rev", c->rev);
	proto_kv_str(m, "dept", c->dept);
	proto_kv_str(m, "msgid", c->msgid);
	proto_kv_str(m, "reason", c->reason && c->reason[0] ? c->reason : NULL);
	proto_kv_bool(m, "backfill", c->backfill);
	if (c->has_old)
		proto_kv_double(m, "old_value", c->old_value);
	else
		proto_kv_str(m, "old_value", NULL);
	proto_kv_str(m, "old_status", c->has_old ? status_name(c->old_status) : NULL);
}

/* The pairs of a v1 body (the owner under "plan", as topics named it then). */
static void render_v1(struct proto_map *m, const struct notice_change *c, const char *per)
{
	w_indicator(m, c->alias, c->ind, c->name, per);
	render_vintage(m, c);
}

/* The pairs of a v2 (and v3) body: the series by region, what was sent, which plans judge
 * it. */
static void render_v2(struct proto_map *m, const struct notice_change *c, const char *per)
{
	w_series(m, c->region, c->alias, c->ind, c->name, per);
	render_vintage(m, c);
	proto_kv_str(m, "sent_unit", c->sent_unit);
	proto_kv_double(m, "sent_value", c->sent_value);
	proto_kv_bool(m, "confirm", c->confirm);
	proto_kv_str(m, "overridden", c->overridden ? pw_errname(-(int)c->overridden) : NULL);
	proto_kv_bool(m, "derived", c->derived);
	proto_map_key(m, "judged_by");
	proto_w_array(m->b, (uint32_t)c->n_judged);
	for (size_t i = 0; i < c->n_judged; i++)
		proto_w_str(m->b, c->judged_by[i]);
}

/* The wire body: the same head, in the same order, as every other notice's. */
static void render_change(struct proto_buf *b, uint64_t seq, const char *topic, size_t topic_len,
			  int64_t time_ms, const struct notice_change *c, int format)
{
	char per[PERIOD_TEXT_MAX];
	struct proto_map m;
	period_format(&c->period, per);
	proto_map_open_wide(&m, b); /* a change notice has more than 15 pairs */
	w_head(&m, (unsigned)format, seq, topic, topic_len, time_ms); /* format n: body v n */
	if (format == COMPACT_V1)
		render_v1(&m, c, per);
	else
		render_v2(&m, c, per);
	proto_map_close(m);
}

/* Sent in another unit than the catalog's (then the as-sent pair is kept). */
static bool converted(const struct notice_change *c)
{
	return c->sent_unit && strcmp(c->sent_unit, c->unit) != 0;
}

/* The strings of a format-2 record, in record order. */
static size_t compact_strs(const struct notice_change *c, const char *strs[COMPACT_STRS_MAX])
{
	const char *s[COMPACT_STRS_MAX] = {
		c->region, c->alias, c->ind,		     c->name,
		c->unit,   c->dept,  c->msgid, c->reason ? c->reason : "",
		c->sent_unit,
	};
	memcpy(strs, s, sizeof(s));
	return converted(c) ? COMPACT_STRS_MAX : COMPACT_STRS_MAX - 1;
}

static uint8_t *put_str16(uint8_t *p, const char *s, size_t n)
{
	p = bytes_put_le(p, n, 2);
	memcpy(p, s, n);
	return p + n;
}

/* Appends c's compact record (format COMPACT_V3) to b, with one capacity check. */
static int compact_encode(struct proto_buf *b, int64_t time_ms, const struct notice_change *c)
{
	const char *strs[COMPACT_STRS_MAX];
	bool conv = converted(c);
	size_t n_strs = compact_strs(c, strs), lens[COMPACT_STRS_MAX];
	size_t total = COMPACT_FIXED + (conv ? 8 : 0) + (c->confirm ? 1 : 0) + 1;
	if (c->n_judged > NOTICE_JUDGES_MAX)
		return PW_EINVAL;
	for (size_t i = 0; i < n_strs; i++) {
		if ((lens[i] = strlen(strs[i])) > 0xffff)
			return PW_ETOOBIG;
		total += 2 + lens[i];
	}
	for (size_t i = 0; i < c->n_judged; i++)
		total += 2 + strnlen(c->judged_by[i], 0xffff);
	uint8_t *p = proto_w_space(b, total);
	if (!p)
		return b->err;
	*p++ = NOTICE_COMPACT;
	*p++ = COMPACT_V3;
	*p++ = (uint8_t)((c->has_old ? 1 : 0) | (c->backfill ? 2 : 0) |
			 (conv ? COMPACT_CONVERTED : 0) | (c->confirm ? COMPACT_CONFIRM : 0) |
			 (c->derived ? COMPACT_DERIVED : 0));
	*p++ = c->status;
	*p++ = c->has_old ? c->old_status : 0;
	p = bytes_put_le(p, c->rev, 4);
	period_key(&c->period, p);
	p += 4;
	p = bytes_put_le(p, (uint64_t)time_ms, 8);
	p = bytes_put_le(p, bytes_of_double(c->value), 8);
	p = bytes_put_le(p, bytes_of_double(c->yoy), 8);
	p = bytes_put_le(p, bytes_of_double(c->has_old ? c->old_value : 0), 8);
	if (conv)
		p = bytes_put_le(p, bytes_of_double(c->sent_value), 8);
	if (c->confirm)
		*p++ = c->overridden;
	for (size_t i = 0; i < n_strs; i++)
		p = put_str16(p, strs[i], lens[i]);
	*p++ = (uint8_t)c->n_judged;
	for (size_t i = 0; i < c->n_judged; i++)
		p = put_str16(p, c->judged_by[i], strnlen(c->judged_by[i], 0xffff));
	return 0;
}

/* Reads one u16-length string at *pp into *text (NUL-terminated; *out points at it). */
static int get_str16(const uint8_t **pp, const uint8_t *end, char **text, const char **out)
{
	const uint8_t *p = *pp;
	if (end - p < 2)
		return PW_ESTORE;
	size_t n = (size_t)bytes_get_le(p, 2);
	p += 2;
	if ((size_t)(end - p) < n || memchr(p, '\0', n))
		return PW_ESTORE;
	memcpy(*text, p, n);
	(*text)[n] = '\0';
	*out = *text;
	*text += n + 1;
	*pp = p + n;
	return 0;
}

/* Decodes a compact record of any format; its strings are copied NUL-terminated into
 * text (cap bytes, at least len), which c's pointers then point into. */
static int compact_decode(const uint8_t *p, size_t len, char *text, struct notice_change *c,
			  int64_t *time_ms, int *format)
{
	const uint8_t *end = p + len;
	const char **v1[] = { &c->alias, &c->ind, &c->name, &c->unit, &c->dept, &c->msgid,
			      &c->reason };
	const char **v2[] = { &c->region, &c->alias, &c->ind,	 &c->name,     &c->unit,
			      &c->dept,	  &c->msgid, &c->reason, &c->sent_unit };
	int rc;
	if (len < COMPACT_FIXED || p[0] != NOTICE_COMPACT || p[1] < COMPACT_V1 || p[1] > COMPACT_V3 ||
	    p[2] > (p[1] == COMPACT_V1 ? 3 : COMPACT_V2_FLAGS))
		return PW_ESTORE;
	bool conv = p[2] & COMPACT_CONVERTED;
	memset(c, 0, sizeof(*c));
	c->confirm = p[2] & COMPACT_CONFIRM;
	c->derived = p[2] & COMPACT_DERIVED;
	*format = p[1];
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
	if (*format == COMPACT_V1) {
		for (size_t i = 0; i < sizeof(v1) / sizeof(v1[0]); i++)
			if ((rc = get_str16(&p, end, &text, v1[i])) < 0)
				return rc;
		return p == end ? 0 : PW_ESTORE;
	}
	if (conv) {
		if (end - p < 8)
			return PW_ESTORE;
		c->sent_value = bytes_to_double(bytes_get_le(p, 8));
		p += 8;
	}
	if (c->confirm) {
		if (p == end)
			return PW_ESTORE;
		c->overridden = *p++;
	}
	for (size_t i = 0; i < sizeof(v2) / sizeof(v2[0]) - (conv ? 0 : 1); i++)
		if ((rc = get_str16(&p, end, &text, v2[i])) < 0)
			return rc;
	if (!conv) {
		c->sent_unit = c->unit;
		c->sent_value = c->value;
	}
	if (p == end || *p > NOTICE_JUDGES_MAX)
		return PW_ESTORE;
	c->n_judged = *p++;
	for (size_t i = 0; i < c->n_judged; i++)
		if ((rc = get_str16(&p, end, &text, &c->judged_by[i])) < 0)
			return rc;
	return p == end ? 0 : PW_ESTORE;
}

int notice_emit_change(struct notice_list *l, struct store_txn *t, const struct notice_change *c)
{
	char topic[STORE_TOPIC_MAX + 1];
	uint64_t last;
	int rc;

	size_t topic_len = notice_topic(topic, "change", c->alias, c->ind);
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
	int format;
	char stack[1024];
	char *text = len <= sizeof(stack) ? stack : malloc(len);
	if (!text)
		return PW_ENOMEM;
	size_t mark = b->len;
	int rc = len ? compact_decode(body, len, text, &c, &time_ms, &format) : PW_EDAMAGED;
	if (rc == 0) {
		render_change(b, seq, topic, strlen(topic), time_ms, &c, format);
		rc = b->err;
	} else {
		/* A damaged record still holds its place in the sequence: subscribers and SINCE
		 * see {v, seq, topic, damaged: true} and can go on past it. */
		struct proto_map m;
		b->len = mark;
		proto_map_open(&m, b);
		/* The shape of v 1, whatever the record was: nothing of it can be read. */
		w_seq_topic(&m, 1, seq, topic, strlen(topic));
		proto_kv_bool(&m, "damaged", true);
		proto_map_close(m);
		rc = b->err ? b->err : NOTICE_DAMAGED;
	}
	if (text != stack)
		free(text);
	return rc;
}
