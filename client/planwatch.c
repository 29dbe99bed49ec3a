/* client/planwatch.c — libplanwatch: DEALER feeder and SUB + SINCE subscriber. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "../proto/period.h"
#include "../proto/proto.h"
#include "../proto/status.h"
#include "planwatch.h"

#define PW_TIMEOUT_DEFAULT 5000
#define PW_SINCE_PAGE 1000

struct pw_client {
	void *zctx;
	void *dealer;
	int timeout_ms;
	struct proto_req *req;
	struct proto_buf buf;
	char *strs; /* copies of caller strings for one encode */
};

static int curve_setup(void *z, const struct pw_opts *o, bool server_side_key)
{
	if (!o || !o->server_public)
		return 0;
	if (!o->client_public || !o->client_secret)
		return PW_EINVAL;
	if (zmq_setsockopt(z, ZMQ_CURVE_SERVERKEY, o->server_public, 40) != 0 ||
	    zmq_setsockopt(z, ZMQ_CURVE_PUBLICKEY, o->client_public, 40) != 0 ||
	    zmq_setsockopt(z, ZMQ_CURVE_SECRETKEY, o->client_secret, 40) != 0)
		return PW_EINVAL;
	(void)server_side_key;
	return 0;
}

int pw_client_new(struct pw_client **ret, const char *endpoint, const struct pw_opts *opts)
{
	struct pw_client *c;
	int64_t max_msg = PROTO_MAX_REPLY;
	int linger = 0, rc;

	if (!ret || !endpoint)
		return PW_EINVAL;
	if (!(c = calloc(1, sizeof(*c))))
		return PW_ENOMEM;
	c->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : PW_TIMEOUT_DEFAULT;
	proto_buf_init(&c->buf);
	if (!(c->req = proto_req_new()) || !(c->zctx = zmq_ctx_new()) ||
	    !(c->dealer = zmq_socket(c->zctx, ZMQ_DEALER))) {
		rc = PW_ENOMEM;
		goto out_free;
	}
	zmq_setsockopt(c->dealer, ZMQ_LINGER, &linger, sizeof(linger));
	/* A larger frame from a wrong or hostile endpoint drops the connection in ZeroMQ
	 * instead of being buffered whole. */
	zmq_setsockopt(c->dealer, ZMQ_MAXMSGSIZE, &max_msg, sizeof(max_msg));
	if ((rc = curve_setup(c->dealer, opts, false)) < 0)
		goto out_free;
	if (zmq_connect(c->dealer, endpoint) != 0) {
		rc = PW_EINVAL;
		goto out_free;
	}
	*ret = c;
	return 0;
out_free:
	pw_client_free(c);
	return rc;
}

void pw_client_free(struct pw_client *c)
{
	if (!c)
		return;
	if (c->dealer)
		zmq_close(c->dealer);
	if (c->zctx)
		zmq_ctx_term(c->zctx);
	proto_req_free(c->req);
	proto_buf_release(&c->buf);
	free(c);
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Receives one frame within timeout_ms (-1 = forever) into a malloc'd buffer. */
static int recv_frame(void *z, int timeout_ms, void **out, size_t *len)
{
	zmq_pollitem_t it = { .socket = z, .events = ZMQ_POLLIN };
	int rc = zmq_poll(&it, 1, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? PW_ETIMEDOUT : PW_ESYS;
	if (rc == 0)
		return PW_ETIMEDOUT;
	zmq_msg_t m;
	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, z, 0) < 0) {
		zmq_msg_close(&m);
		return PW_ESYS;
	}
	*len = zmq_msg_size(&m);
	if (!(*out = malloc(*len ? *len : 1))) {
		zmq_msg_close(&m);
		return PW_ENOMEM;
	}
	memcpy(*out, zmq_msg_data(&m), *len);
	zmq_msg_close(&m);
	return 0;
}

int pw_call(struct pw_client *c, const void *req, size_t len, const char *id, void **reply,
	    size_t *reply_len)
{
	char rid[PROTO_MAX_ID + 1];
	int64_t deadline;

	if (!c || !req || !id || !reply || !reply_len)
		return PW_EINVAL;
	if (zmq_send(c->dealer, req, len, 0) < 0)
		return PW_ESYS;
	deadline = mono_ms() + c->timeout_ms;
	for (;;) {
		int64_t left = deadline - mono_ms();
		void *buf;
		size_t n;
		struct proto_view *v = NULL; /* stays NULL when the frame is not a reply */
		int rc = recv_frame(c->dealer, left > 0 ? (int)left : 0, &buf, &n);
		if (rc < 0)
			return rc;
		/* Replies to requests we gave up on may still arrive, and a reply that is not a
		 * map or has no id is nobody's: skip them. */
		if (proto_view_new(&v, buf, n) == 0 &&
		    proto_view_str(v, -1, "id", rid, sizeof(rid)) == 0 && strcmp(rid, id) == 0) {
			proto_view_free(v);
			*reply = buf;
			*reply_len = n;
			return 0;
		}
		proto_view_free(v);
		free(buf);
	}
}

/* ---- updates ---- */

static int fill_update(struct pw_client *c, const char *dept, const char *msgid,
		       const struct pw_obs *obs, size_t n, unsigned flags)
{
	struct proto_req *r = c->req;
	struct proto_item *items;

	if (!dept || !msgid || !obs || n == 0 || n > PROTO_MAX_BATCH || strlen(msgid) == 0 ||
	    strlen(msgid) > PROTO_MAX_ID)
		return PW_EINVAL;
	if (!(items = calloc(n, sizeof(*items))))
		return PW_ENOMEM;
	free(r->items);
	memset(r, 0, sizeof(*r));
	r->items = items;
	r->items_cap = r->n_items = n;
	r->type = PROTO_UPDATE;
	snprintf(r->id, sizeof(r->id), "%s", msgid);
	r->dept = dept;
	r->backfill = flags & PW_BACKFILL;
	r->detail = flags & PW_DETAIL;
	for (size_t i = 0; i < n; i++) {
		const struct pw_obs *o = &obs[i];
		int st;
		if ((!o->plan && !o->region) || !o->indicator || !o->period || !o->unit ||
		    !o->status)
			return PW_EINVAL;
		if (period_parse_text(&items[i].period, o->period, strlen(o->period)) < 0)
			return PW_EPERIOD;
		if ((st = status_parse_text(o->status)) < 0)
			return st;
		items[i].plan = o->plan;
		items[i].region = o->region;
		items[i].ind = o->indicator;
		items[i].unit = o->unit;
		items[i].reason = o->reason;
		items[i].status = (uint8_t)st;
		items[i].value = o->value;
		items[i].yoy = o->yoy;
		items[i].confirm = o->confirm;
	}
	return 0;
}

int pw_send_update(struct pw_client *c, const char *dept, const char *msgid,
		   const struct pw_obs *obs, size_t n, unsigned flags)
{
	int rc;
	if (!c)
		return PW_EINVAL;
	if ((rc = fill_update(c, dept, msgid, obs, n, flags)) < 0)
		return rc;
	proto_buf_reset(&c->buf);
	if ((rc = proto_req_encode(c->req, &c->buf)) < 0)
		return rc;
	return zmq_send(c->dealer, c->buf.data, c->buf.len, 0) < 0 ? PW_ESYS : 0;
}

/* An ACK's items (detail: true): region, period and judging plans of each. */
static void parse_ack_items(const struct proto_view *v, struct pw_ack *ack)
{
	size_t n = proto_view_count(v);
	for (size_t i = 0; i < n && ack->n_items < PW_ACK_MAX_ITEMS; i++) {
		int64_t idx;
		char id[PROTO_MAX_ID + 1];
		if (proto_view_int(v, (int)i, "index", &idx) < 0)
			continue;
		struct pw_ack_item *it = &ack->items[ack->n_items++];
		it->index = (uint32_t)idx;
		proto_view_str(v, (int)i, "region", it->region, sizeof(it->region));
		proto_view_str(v, (int)i, "indicator", it->indicator, sizeof(it->indicator));
		proto_view_str(v, (int)i, "period", it->period, sizeof(it->period));
		bool targeted = true; /* a daemon before `targeted` sends none */
		it->untargeted = proto_view_bool(v, (int)i, "targeted", &targeted) == 0 && !targeted;
		for (size_t k = 0; proto_view_str_at(v, (int)i, "judged_by", k, id, sizeof(id)) == 0; k++) {
			size_t at = strlen(it->judged_by);
			snprintf(it->judged_by + at, sizeof(it->judged_by) - at, "%s%s", k ? ", " : "", id);
			it->n_judged++;
		}
	}
}

static int parse_ack(const void *buf, size_t len, struct pw_ack *ack)
{
	struct proto_view *v;
	char type[16];
	int64_t x;
	int rc;

	memset(ack, 0, sizeof(*ack));
	if ((rc = proto_view_new(&v, buf, len)) < 0)
		return rc;
	proto_view_str(v, -1, "id", ack->id, sizeof(ack->id));
	if (proto_view_str(v, -1, "type", type, sizeof(type)) < 0) {
		proto_view_free(v);
		return PW_EPROTO;
	}
	if (strcmp(type, "ack") == 0) {
		if (proto_view_int(v, -1, "seq", &x) == 0)
			ack->seq = (uint64_t)x;
		if (proto_view_int(v, -1, "count", &x) == 0)
			ack->count = (uint32_t)x;
		if (proto_view_int(v, -1, "changed", &x) == 0)
			ack->changed = (uint32_t)x;
		parse_ack_items(v, ack);
	} else {
		ack->code = proto_view_int(v, -1, "code", &x) == 0 ? -(int)x : PW_EPROTO;
		proto_view_bool(v, -1, "retry", &ack->retry);
		proto_view_str(v, -1, "message", ack->message, sizeof(ack->message));
		if (proto_view_int(v, -1, "quarantine", &x) == 0)
			ack->quarantine = (uint64_t)x;
		size_t n = proto_view_count(v);
		for (size_t i = 0; i < n && ack->n_bad < PW_ACK_MAX_BAD; i++) {
			int64_t idx, code;
			if (proto_view_int(v, (int)i, "index", &idx) == 0 &&
			    proto_view_int(v, (int)i, "code", &code) == 0) {
				ack->bad[ack->n_bad].index = (uint32_t)idx;
				ack->bad[ack->n_bad].code = -(int)code;
				proto_view_str(v, (int)i, "message", ack->bad[ack->n_bad].message,
					       sizeof(ack->bad[0].message));
				ack->n_bad++;
			}
		}
	}
	proto_view_free(v);
	return 0;
}

int pw_recv_ack(struct pw_client *c, struct pw_ack *ack, int timeout_ms)
{
	void *buf;
	size_t len;
	int rc;
	if (!c || !ack)
		return PW_EINVAL;
	if ((rc = recv_frame(c->dealer, timeout_ms, &buf, &len)) < 0)
		return rc;
	rc = parse_ack(buf, len, ack);
	free(buf);
	return rc;
}

int pw_push(struct pw_client *c, const char *dept, const char *msgid, const struct pw_obs *obs,
	    size_t n, unsigned flags, struct pw_ack *ack)
{
	void *reply;
	size_t len;
	int rc;

	if (!c || !ack)
		return PW_EINVAL;
	if ((rc = fill_update(c, dept, msgid, obs, n, flags)) < 0)
		return rc;
	proto_buf_reset(&c->buf);
	if ((rc = proto_req_encode(c->req, &c->buf)) < 0)
		return rc;
	if ((rc = pw_call(c, c->buf.data, c->buf.len, msgid, &reply, &len)) < 0)
		return rc;
	rc = parse_ack(reply, len, ack);
	free(reply);
	return rc;
}

/* ---- subscriber ---- */

struct pw_sub {
	void *zctx, *sub;
	struct pw_client *c;
	char prefix[PROTO_MAX_TEXT + 1];
	uint64_t last;       /* highest seq delivered */
	struct proto_view *page; /* current SINCE reply */
	size_t page_i, page_n;
	bool page_more;
	struct proto_buf body;
	unsigned n_calls;
};

static int since_page(struct pw_sub *s, uint64_t after)
{
	struct proto_req r = { .type = PROTO_SINCE, .seq = after, .limit = PW_SINCE_PAGE };
	struct proto_buf b;
	void *reply;
	size_t len;
	int rc;

	snprintf(r.id, sizeof(r.id), "since-%llu-%u", (unsigned long long)after, s->n_calls++);
	r.prefix = s->prefix[0] ? s->prefix : NULL;
	proto_buf_init(&b);
	if ((rc = proto_req_encode(&r, &b)) < 0)
		goto out_buf;
	if ((rc = pw_call(s->c, b.data, b.len, r.id, &reply, &len)) < 0)
		goto out_buf;
	proto_view_free(s->page);
	s->page = NULL;
	rc = proto_view_new(&s->page, reply, len);
	free(reply);
	if (rc < 0)
		goto out_buf;
	s->page_i = 0;
	s->page_n = proto_view_count(s->page);
	s->page_more = false;
	proto_view_bool(s->page, -1, "more", &s->page_more);
out_buf:
	proto_buf_release(&b);
	return rc;
}

int pw_sub_new(struct pw_sub **ret, const char *pub_endpoint, const char *prefix, int64_t since,
	       struct pw_client *c, const struct pw_opts *opts)
{
	struct pw_sub *s;
	int64_t max_msg = PROTO_MAX_REPLY;
	int rc, linger = 0;

	if (!ret || !pub_endpoint || !c || (prefix && strlen(prefix) > PROTO_MAX_TEXT))
		return PW_EINVAL;
	if (!(s = calloc(1, sizeof(*s))))
		return PW_ENOMEM;
	s->c = c;
	snprintf(s->prefix, sizeof(s->prefix), "%s", prefix ? prefix : "");
	proto_buf_init(&s->body);
	if (!(s->zctx = zmq_ctx_new()) || !(s->sub = zmq_socket(s->zctx, ZMQ_SUB))) {
		rc = PW_ENOMEM;
		goto out_free;
	}
	zmq_setsockopt(s->sub, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(s->sub, ZMQ_MAXMSGSIZE, &max_msg, sizeof(max_msg));
	if ((rc = curve_setup(s->sub, opts, false)) < 0)
		goto out_free;
	/* Subscribe first, then read the log: anything published meanwhile is either in
	 * the replay or in the live stream, and seq removes the doubles. */
	zmq_setsockopt(s->sub, ZMQ_SUBSCRIBE, s->prefix, strlen(s->prefix));
	if (zmq_connect(s->sub, pub_endpoint) != 0) {
		rc = PW_EINVAL;
		goto out_free;
	}
	if (since < 0) {
		int64_t last = 0;
		if ((rc = since_page(s, UINT64_MAX - 1)) < 0)
			goto out_free;
		proto_view_int(s->page, -1, "last_seq", &last);
		s->last = (uint64_t)last;
		s->page_n = 0;
	} else {
		s->last = (uint64_t)since;
		if ((rc = since_page(s, s->last)) < 0)
			goto out_free;
	}
	*ret = s;
	return 0;
out_free:
	pw_sub_free(s);
	return rc;
}

void pw_sub_free(struct pw_sub *s)
{
	if (!s)
		return;
	if (s->sub)
		zmq_close(s->sub);
	if (s->zctx)
		zmq_ctx_term(s->zctx);
	proto_view_free(s->page);
	proto_buf_release(&s->body);
	free(s);
}

/* Delivers the next replayed notice with seq > last, if any. Returns 1 if delivered. */
static int next_from_page(struct pw_sub *s, struct pw_notice *n)
{
	while (s->page && s->page_i < s->page_n) {
		int i = (int)s->page_i++;
		int64_t seq;
		if (proto_view_int(s->page, i, "seq", &seq) < 0 || (uint64_t)seq <= s->last)
			continue;
		proto_buf_reset(&s->body);
		if (proto_view_pack(s->page, i, "body", &s->body) < 0)
			return PW_EPROTO;
		n->seq = (uint64_t)seq;
		proto_view_str(s->page, i, "topic", n->topic, sizeof(n->topic));
		n->body = s->body.data;
		n->len = s->body.len;
		n->replayed = true;
		s->last = n->seq;
		return 1;
	}
	return 0;
}

static int refill(struct pw_sub *s)
{
	return since_page(s, s->last);
}

int pw_sub_next(struct pw_sub *s, struct pw_notice *n, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
	int rc;

	if (!s || !n)
		return PW_EINVAL;
	for (;;) {
		if ((rc = next_from_page(s, n)) != 0)
			return rc < 0 ? rc : 0;
		if (s->page_more) {
			if ((rc = refill(s)) < 0)
				return rc;
			continue;
		}
		int64_t left = deadline < 0 ? -1 : deadline - mono_ms();
		zmq_pollitem_t it = { .socket = s->sub, .events = ZMQ_POLLIN };
		rc = zmq_poll(&it, 1, deadline < 0 ? -1 : (left > 0 ? (long)left : 0));
		if (rc < 0 && errno != EINTR)
			return PW_ESYS;
		if (rc <= 0) {
			/* Quiet: ask the log once, in case a live notice was lost. */
			if ((rc = refill(s)) < 0)
				return rc;
			if ((rc = next_from_page(s, n)) != 0)
				return rc < 0 ? rc : 0;
			return PW_ETIMEDOUT;
		}
		char topic[201];
		int tn = zmq_recv(s->sub, topic, sizeof(topic) - 1, 0);
		int more = 0;
		size_t ml = sizeof(more);
		zmq_getsockopt(s->sub, ZMQ_RCVMORE, &more, &ml);
		if (tn < 0 || !more)
			continue;
		void *buf;
		size_t len;
		if ((rc = recv_frame(s->sub, 0, &buf, &len)) < 0)
			return rc;
		struct proto_view *v;
		int64_t seq = 0;
		if (proto_view_new(&v, buf, len) == 0)
			proto_view_int(v, -1, "seq", &seq);
		else
			v = NULL;
		proto_view_free(v);
		if ((uint64_t)seq <= s->last) {
			free(buf);
			continue; /* already delivered from the log */
		}
		if ((uint64_t)seq != s->last + 1) {
			/* A jump: either filtered out by the prefix or dropped; the log knows. */
			free(buf);
			if ((rc = refill(s)) < 0)
				return rc;
			continue;
		}
		topic[tn < (int)sizeof(topic) ? tn : (int)sizeof(topic) - 1] = '\0';
		proto_buf_reset(&s->body);
		proto_w_raw(&s->body, buf, len);
		free(buf);
		if (s->body.err)
			return s->body.err;
		n->seq = (uint64_t)seq;
		snprintf(n->topic, sizeof(n->topic), "%s", topic);
		n->body = s->body.data;
		n->len = s->body.len;
		n->replayed = false;
		s->last = n->seq;
		return 0;
	}
}
