/* daemon/notice.c — durable notification log entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/err.h"
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

void notice_w_indicator(struct notice_list *l, const char *plan, const char *ind,
			    const char *name, const char *period)
{
	struct proto_buf *f = &l->fields;
	proto_w_str(f, "plan");
	proto_w_str(f, plan);
	proto_w_str(f, "indicator");
	proto_w_str(f, ind);
	proto_w_str(f, "name");
	proto_w_str(f, name);
	if (period) {
		proto_w_str(f, "period");
		proto_w_str(f, period);
	}
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

int notice_emit(struct notice_list *l, struct store_txn *t, const char *topic, uint32_t n_pairs)
{
	uint64_t last, seq;
	int rc;

	if (l->fields.err)
		return l->fields.err;
	size_t topic_len = strnlen(topic, STORE_TOPIC_MAX + 1);
	if (topic_len > STORE_TOPIC_MAX)
		return PW_ETOOBIG;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct notice_out *items = realloc(l->items, cap * sizeof(*items));
		if (!items)
			return PW_ENOMEM;
		l->items = items;
		l->cap = cap;
	}
	if ((rc = store_log_last(t, &last)) < 0)
		return rc;
	/* The body carries its own seq, so it is encoded before the append assigns it. */
	size_t off = l->bodies.len;
	proto_w_map(&l->bodies, n_pairs + 4);
	proto_w_str(&l->bodies, "v");
	proto_w_uint(&l->bodies, PROTO_VERSION);
	proto_w_str(&l->bodies, "seq");
	proto_w_uint(&l->bodies, last + 1);
	proto_w_str(&l->bodies, "topic");
	proto_w_strn(&l->bodies, topic, topic_len);
	proto_w_str(&l->bodies, "time");
	proto_w_int(&l->bodies, l->now_ms);
	proto_w_raw(&l->bodies, l->fields.data, l->fields.len);
	if (l->bodies.err)
		return l->bodies.err;
	size_t len = l->bodies.len - off;
	if ((rc = store_log_append(t, topic, l->bodies.data + off, len, &seq)) < 0)
		return rc;
	if (seq != last + 1)
		return PW_ESTORE;
	struct notice_out *o = &l->items[l->n++];
	memcpy(o->topic, topic, topic_len + 1);
	o->seq = seq;
	o->off = off;
	o->len = len;
	return 0;
}
