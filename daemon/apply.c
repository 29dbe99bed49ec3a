/* daemon/apply.c — validate, store and announce one group of messages atomically. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/err.h"
#include "../proto/status.h"
#include "apply.h"
#include "validate.h"

/* Quarantine keeps at most this much of an oversized frame: enough to see what it was. */
#define APPLY_QUARANTINE_RAW_MAX PROTO_MAX_FRAME
#define APPLY_MSGID_REPLY_MAX 512

void apply_ctx_init(struct apply_ctx *c)
{
	memset(c, 0, sizeof(*c));
	notice_list_init(&c->notices);
}

void apply_ctx_release(struct apply_ctx *c)
{
	notice_list_release(&c->notices);
	free(c->touched);
	free(c->prev);
	free(c->sorted);
	proto_req_free(c->retry_req);
	free(c->retry_raw);
	memset(c, 0, sizeof(*c));
}

void apply_decode(struct apply_msg *m)
{
	if (!m->req && !(m->req = proto_req_new())) {
		m->decode_rc = PW_ENOMEM;
		return;
	}
	if (m->len > PROTO_MAX_FRAME || m->raw_len < m->len) {
		m->req->id[0] = '\0';
		m->decode_rc = PW_ETOOBIG;
		return;
	}
	m->decode_rc = proto_req_decode(m->req, m->raw, m->len);
}

void apply_msg_release(struct apply_msg *m)
{
	proto_req_free(m->req);
	proto_buf_release(&m->reply);
	m->req = NULL;
}

bool apply_is_write(const struct apply_msg *m)
{
	if (m->decode_rc < 0 || m->from_sub)
		return true;
	switch (m->req->type) {
	case PROTO_UPDATE:
	case PROTO_RETRY:
	case PROTO_TARGET_SET:
		return true;
	default:
		return false;
	}
}

/* ---- replies ---- */

/* The NACK's message: the code's text, and what the first bad item was expected to be
 * (validate_explain) when that is the code's reason. */
static void nack_message(const struct catalog *cat, const struct proto_req *req, int code,
			 char *buf, size_t cap)
{
	char why[APPLY_DETAIL_MAX] = "";
	for (size_t i = 0; cat && req && req->type == PROTO_UPDATE && i < req->n_items; i++)
		if (req->items[i].err) {
			if (req->items[i].err == code)
				validate_explain(cat, &req->items[i], why, sizeof(why));
			break;
		}
	snprintf(buf, cap, "%s%s%s", pw_strerror(code), why[0] ? ": " : "", why);
}

static void encode_nack(struct proto_buf *b, const struct catalog *cat, const char *id,
			int code, bool retry, uint64_t quarantine_id, const struct proto_req *req)
{
	char msg[APPLY_DETAIL_MAX + 128];
	uint32_t n_bad = 0;
	if (req && req->type == PROTO_UPDATE)
		for (size_t i = 0; i < req->n_items; i++)
			n_bad += req->items[i].err != 0;
	proto_buf_reset(b);
	proto_w_reply(b, PROTO_NACK, id, 6);
	proto_w_str(b, "code");
	proto_w_int(b, -code);
	proto_w_str(b, "error");
	proto_w_str(b, pw_errname(code));
	nack_message(cat, req, code, msg, sizeof(msg));
	proto_w_str(b, "message");
	proto_w_str(b, msg);
	proto_w_str(b, "retry");
	proto_w_bool(b, retry);
	proto_w_str(b, "quarantine");
	proto_w_uint(b, quarantine_id);
	proto_w_str(b, "items");
	proto_w_array(b, n_bad);
	for (size_t i = 0; n_bad && i < req->n_items; i++) {
		int e = req->items[i].err;
		if (!e)
			continue;
		size_t n = cat ? validate_explain(cat, &req->items[i], msg, sizeof(msg)) : 0;
		proto_w_map(b, n ? 4 : 3);
		proto_w_str(b, "index");
		proto_w_uint(b, i);
		proto_w_str(b, "code");
		proto_w_int(b, -e);
		proto_w_str(b, "error");
		proto_w_str(b, pw_errname(e));
		if (n) {
			proto_w_str(b, "message");
			proto_w_str(b, msg);
		}
	}
}

static void encode_ack(struct proto_buf *b, const char *id, size_t count, uint32_t changed,
		       uint64_t seq)
{
	proto_buf_reset(b);
	proto_w_reply(b, PROTO_ACK, id, 3);
	proto_w_str(b, "count");
	proto_w_uint(b, count);
	proto_w_str(b, "changed");
	proto_w_uint(b, changed);
	proto_w_str(b, "seq");
	proto_w_uint(b, seq);
}

void apply_fail_all(struct apply_ctx *ctx, int rc)
{
	for (size_t i = 0; i < ctx->n; i++) {
		struct apply_msg *m = &ctx->msgs[i];
		if (!apply_is_write(m))
			continue;
		encode_nack(&m->reply, NULL, m->req ? m->req->id : "", rc, true, 0, NULL);
		m->result = rc;
		snprintf(m->detail, sizeof(m->detail), "group not committed: %s", pw_strerror(rc));
	}
}

/* ---- rejection ---- */

static void describe(const struct catalog *cat, struct apply_msg *m, int code)
{
	const struct proto_req *r = m->decode_rc < 0 ? NULL : m->req;
	if (r && r->type == PROTO_UPDATE)
		for (size_t i = 0; i < r->n_items; i++) {
			const struct proto_item *it = &r->items[i];
			char per[PERIOD_TEXT_MAX] = "?";
			if (!it->err)
				continue;
			if (it->err != PW_EPERIOD && it->err != PW_EFIELD)
				period_format(&it->period, per);
			char why[APPLY_DETAIL_MAX] = "";
			validate_explain(cat, it, why, sizeof(why));
			snprintf(m->detail, sizeof(m->detail), "item %zu (%s/%s %s): %s%s", i,
				 it->plan ? it->plan : it->region ? it->region : "?",
				 it->ind ? it->ind : "?", per,
				 pw_errname(it->err), why[0] ? ": " : "");
			/* what was expected, cut to what is left of the detail */
			size_t len = strlen(m->detail);
			size_t n = strnlen(why, sizeof(m->detail) - 1 - len);
			memcpy(m->detail + len, why, n);
			m->detail[len + n] = '\0';
			return;
		}
	snprintf(m->detail, sizeof(m->detail), "%s (%zu bytes)", pw_errname(code), m->len);
}

static int reject(struct store_txn *t, struct apply_ctx *ctx, struct apply_msg *m, int code,
		  const char *reply_id, bool quarantine)
{
	struct store_reject q = { .recv_ms = ctx->notices.now_ms, .code = code };
	const char *dept = m->decode_rc == 0 && m->req->dept ? m->req->dept : "";
	int rc;

	m->result = code;
	describe(ctx->cat, m, code);
	if (quarantine) {
		snprintf(q.dept, sizeof(q.dept), "%s", dept);
		snprintf(q.peer, sizeof(q.peer), "%s", m->peer ? m->peer : "");
		snprintf(q.detail, sizeof(q.detail), "%s", m->detail);
		q.raw = m->raw;
		q.raw_len = m->raw_len < APPLY_QUARANTINE_RAW_MAX ? m->raw_len
								  : APPLY_QUARANTINE_RAW_MAX;
		if ((rc = store_quarantine_put(t, &q)) < 0)
			return rc;
	}
	if (!m->from_sub) {
		encode_nack(&m->reply, ctx->cat, reply_id, code, false, q.id,
			    m->decode_rc == 0 ? m->req : NULL);
		return m->reply.err;
	}
	char topic[STORE_TOPIC_MAX + 1];
	snprintf(topic, sizeof(topic), "rejected.%s", dept[0] ? dept : "unknown");
	notice_begin(&ctx->notices);
	struct proto_buf *f = &ctx->notices.fields;
	proto_w_str(f, "id");
	proto_w_str(f, reply_id);
	proto_w_str(f, "code");
	proto_w_int(f, -code);
	proto_w_str(f, "error");
	proto_w_str(f, pw_errname(code));
	proto_w_str(f, "detail");
	proto_w_str(f, m->detail);
	proto_w_str(f, "quarantine");
	proto_w_uint(f, q.id);
	return notice_emit(&ctx->notices, t, topic, 5);
}

/* ---- updates ---- */

static bool same_obs(const struct store_head *o, const struct proto_item *it)
{
	bool yoy_same = (isnan(o->yoy) && isnan(it->yoy)) || o->yoy == it->yoy;
	return o->value == it->value && o->status == it->status && yoy_same;
}

/* Orders valid items by indicator (the catalog entry stands for plan + indicator), period,
 * then position in the batch: pointer and integer compares, no strings. */
static int key_cmp(const void *a, const void *b)
{
	const struct apply_key *x = a, *y = b;
	if (x->series != y->series)
		return (uintptr_t)x->series < (uintptr_t)y->series ? -1 : 1;
	int r = period_cmp(&x->period, &y->period);
	return r ? r : (x->idx > y->idx) - (x->idx < y->idx);
}

static int scratch_reserve(struct apply_ctx *ctx, size_t n)
{
	if (n <= ctx->cap_scratch)
		return 0;
	struct apply_prev *p = realloc(ctx->prev, n * sizeof(*p));
	if (!p)
		return PW_ENOMEM;
	ctx->prev = p;
	struct apply_key *s = realloc(ctx->sorted, n * sizeof(*s));
	if (!s)
		return PW_ENOMEM;
	ctx->sorted = s;
	ctx->cap_scratch = n;
	return 0;
}

/* First pass: decide every item's fate without writing. What the store holds for item i
 * is left in ctx->prev[i] for the write pass (items of one batch have distinct keys, so
 * nothing between the passes changes it). */
static int check_items(struct store_txn *t, struct apply_ctx *ctx, struct proto_req *r)
{
	size_t n_ok = 0;
	int bad = 0, rc;

	if ((rc = scratch_reserve(ctx, r->n_items)) < 0)
		return rc;
	for (size_t i = 0; i < r->n_items; i++) {
		struct proto_item *it = &r->items[i];
		struct apply_prev *p = &ctx->prev[i];
		p->ind = NULL;
		if (!it->err)
			it->err = validate_item(ctx->cat, r->dept, it, ctx->notices.now_ms, &p->ind);
		if (!it->err)
			ctx->sorted[n_ok++] =
				(struct apply_key){ .ind = p->ind, .series = cat_series_key(p->ind),
						    .period = it->period, .idx = (uint32_t)i };
	}
	/* One observation twice in a batch is ambiguous (also when two items name it through
	 * two plans of its region): every copy after the first is refused. Sorted, this is O(n log n), not O(n²), for up to PROTO_MAX_BATCH items. */
	qsort(ctx->sorted, n_ok, sizeof(*ctx->sorted), key_cmp);
	for (size_t k = 1; k < n_ok; k++)
		if (ctx->sorted[k].series == ctx->sorted[k - 1].series &&
		    period_cmp(&ctx->sorted[k].period, &ctx->sorted[k - 1].period) == 0)
			r->items[ctx->sorted[k].idx].err = PW_EFIELD;
	for (size_t i = 0; i < r->n_items; i++) {
		struct proto_item *it = &r->items[i];
		struct apply_prev *p = &ctx->prev[i];
		p->found = false;
		if (!it->err) {
			rc = store_obs_head(t, cat_owner(p->ind), it->ind, &it->period, &p->head);
			if (rc == 0) {
				p->found = true;
				if (!same_obs(&p->head, it))
					it->err = status_may_replace(p->head.status, it->status);
			} else if (rc != PW_ENOTFOUND) {
				return rc;
			}
		}
		bad += it->err != 0;
	}
	return bad;
}

/* Copies a NUL-terminated string into dst[cap], cut to fit (snprintf's result without
 * its format parser: this runs for every item). */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Remembers a series to judge after the batch: once, whichever plan the item named. */
static int touch(struct apply_ctx *ctx, const struct cat_indicator *ind)
{
	for (size_t i = 0; i < ctx->n_touched; i++)
		if (cat_series_key(ctx->touched[i]) == cat_series_key(ind))
			return 0;
	if (ctx->n_touched == ctx->cap_touched) {
		size_t cap = ctx->cap_touched ? 2 * ctx->cap_touched : 64;
		const struct cat_indicator **a = realloc(ctx->touched, cap * sizeof(*a));
		if (!a)
			return PW_ENOMEM;
		ctx->touched = a;
		ctx->cap_touched = cap;
	}
	ctx->touched[ctx->n_touched++] = ind;
	return 0;
}

static int emit_change(struct apply_ctx *ctx, struct store_txn *t, const struct cat_indicator *ind,
		       const struct store_obs *o, const struct store_head *prev)
{
	struct notice_change c = {
		.plan = cat_owner_alias(ind), .ind = o->ind, .name = ind->name, .unit = ind->unit,
		.dept = o->dept, .msgid = o->msgid, .reason = o->reason, .period = o->period,
		.value = o->value, .yoy = o->yoy, .rev = o->rev, .status = o->status,
		.backfill = o->flags & STORE_OBS_BACKFILL, .has_old = prev != NULL,
		.old_value = prev ? prev->value : 0, .old_status = prev ? prev->status : 0,
	};
	return notice_emit_change(&ctx->notices, t, &c);
}

static int store_item(struct store_txn *t, struct apply_ctx *ctx, const struct proto_req *r,
		      const struct proto_item *it, const struct apply_prev *prev, uint32_t *changed)
{
	const struct cat_indicator *ind = prev->ind;
	struct store_obs o;
	int rc;

	if (prev->found && same_obs(&prev->head, it))
		return 0; /* an identical re-send is acknowledged, not a change */
	memset(&o, 0, sizeof(o));
	copy_str(o.plan, sizeof(o.plan), cat_owner(ind)); /* a v1 item's plan names its region */
	copy_str(o.ind, sizeof(o.ind), it->ind);
	o.period = it->period;
	o.value = it->value;
	o.yoy = it->yoy;
	o.status = it->status;
	o.flags = r->backfill ? STORE_OBS_BACKFILL : 0;
	o.rev = prev->found ? prev->head.rev + 1 : 1;
	o.recv_ms = ctx->notices.now_ms;
	copy_str(o.dept, sizeof(o.dept), r->dept);
	copy_str(o.msgid, sizeof(o.msgid), r->id);
	copy_str(o.reason, sizeof(o.reason), it->reason ? it->reason : "");
	if ((rc = store_obs_put(t, &o)) < 0)
		return rc;
	if ((rc = emit_change(ctx, t, ind, &o, prev->found ? &prev->head : NULL)) < 0)
		return rc;
	(*changed)++;
	/* Backfilled history is announced but must not raise stale alerts. */
	return r->backfill ? 0 : touch(ctx, ind);
}

static int emit_accepted(struct apply_ctx *ctx, struct store_txn *t, const struct proto_req *r,
			 uint32_t changed)
{
	char topic[STORE_TOPIC_MAX + 1];
	struct proto_buf *f = &ctx->notices.fields;
	snprintf(topic, sizeof(topic), "accepted.%s", r->dept);
	notice_begin(&ctx->notices);
	proto_w_str(f, "id");
	proto_w_str(f, r->id);
	proto_w_str(f, "count");
	proto_w_uint(f, r->n_items);
	proto_w_str(f, "changed");
	proto_w_uint(f, changed);
	return notice_emit(&ctx->notices, t, topic, 3);
}

/* Marks m accepted with its ACK to be written by finish_acks(); dup_of is the index of the
 * message of this group it repeats, or -1. */
static void pend_ack(struct apply_msg *m, const char *id, const char *dept, const char *reply_id,
		     uint32_t count, int dup_of)
{
	m->ack_pending = true;
	m->dup_of = dup_of;
	m->ack_count = count;
	copy_str(m->ack_id, sizeof(m->ack_id), id);
	copy_str(m->ack_dept, sizeof(m->ack_dept), dept);
	copy_str(m->reply_id, sizeof(m->reply_id), reply_id);
	m->result = 0;
}

/* Applies update r for message m. reply_id is the id the reply carries (differs from
 * r->id for a retry). quarantine: store a rejection (false when retrying one). */
static int apply_update(struct store_txn *t, struct apply_ctx *ctx, struct apply_msg *m,
			struct proto_req *r, const char *reply_id, bool quarantine)
{
	uint8_t prior[APPLY_MSGID_REPLY_MAX];
	size_t len;
	int rc, bad;

	rc = store_msgid_get(t, r->dept, r->id, prior, sizeof(prior), &len);
	if (rc == 0 && len == 0) {
		/* Accepted earlier in this same group: its ACK is not written yet. */
		for (size_t j = 0; &ctx->msgs[j] < m; j++) {
			struct apply_msg *o = &ctx->msgs[j];
			if (o->ack_pending && o->dup_of < 0 && strcmp(o->ack_id, r->id) == 0 &&
			    strcmp(o->ack_dept, r->dept) == 0) {
				m->duplicate = true;
				pend_ack(m, o->ack_id, o->ack_dept, reply_id, o->ack_count, (int)j);
				return 0;
			}
		}
		return PW_ESTORE; /* a placeholder without its message: cannot happen */
	}
	if (rc == 0) {
		/* A resent id gets the original ACK and stores nothing twice. */
		m->duplicate = true;
		m->result = 0;
		proto_buf_reset(&m->reply);
		if (strcmp(reply_id, r->id) == 0)
			proto_w_raw(&m->reply, prior, len);
		else
			encode_ack(&m->reply, reply_id, r->n_items, 0, 0);
		return m->reply.err;
	}
	if (rc != PW_ENOTFOUND)
		return rc;
	if (m->auth_dept && strcmp(m->auth_dept, r->dept) != 0)
		return reject(t, ctx, m, PW_EAUTH, reply_id, quarantine);
	if ((bad = check_items(t, ctx, r)) < 0)
		return bad;
	if (bad) {
		int first = 0;
		for (size_t i = 0; !first && i < r->n_items; i++)
			first = r->items[i].err;
		return reject(t, ctx, m, first, reply_id, quarantine);
	}
	m->changed = 0;
	for (size_t i = 0; i < r->n_items; i++)
		if ((rc = store_item(t, ctx, r, &r->items[i], &ctx->prev[i], &m->changed)) < 0)
			return rc;
	if (m->from_sub && (rc = emit_accepted(ctx, t, r, m->changed)) < 0)
		return rc;
	/* The ACK carries the log position after the whole group, alert notices included:
	 * written by finish_acks() once the rules have run. */
	/* Reserve the id now so a resend later in this group is seen as a duplicate. */
	if ((rc = store_msgid_put(t, r->dept, r->id, "", 0)) < 0)
		return rc;
	pend_ack(m, r->id, r->dept, reply_id, (uint32_t)r->n_items, -1);
	return 0;
}

/* Encodes the ACK of every accepted update with the group's final seq and remembers it
 * under (dept, id) for idempotent resends. */
static int finish_acks(struct store_txn *t, struct apply_ctx *ctx)
{
	uint64_t seq;
	int rc = store_log_last(t, &seq);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < ctx->n; i++) {
		struct apply_msg *m = &ctx->msgs[i];
		if (!m->ack_pending)
			continue;
		if (m->dup_of >= 0)
			m->changed = ctx->msgs[m->dup_of].changed;
		encode_ack(&m->reply, m->ack_id, m->ack_count, m->changed, seq);
		if (m->reply.err)
			return m->reply.err;
		rc = m->dup_of >= 0 ? 0
				    : store_msgid_put(t, m->ack_dept, m->ack_id, m->reply.data, m->reply.len);
		if (rc < 0)
			return rc;
		if (strcmp(m->reply_id, m->ack_id) != 0)
			encode_ack(&m->reply, m->reply_id, m->ack_count, m->changed, seq);
		if (m->reply.err)
			return m->reply.err;
	}
	return 0;
}

/* ---- operator requests ---- */

static int apply_retry(struct store_txn *t, struct apply_ctx *ctx, struct apply_msg *m)
{
	struct store_reject q;
	int rc = store_quarantine_get(t, m->req->seq, &q);

	if (rc == PW_ENOTFOUND)
		return reject(t, ctx, m, PW_ENOTFOUND, m->req->id, false);
	if (rc < 0)
		return rc;
	if (q.raw_len > ctx->retry_cap) {
		uint8_t *raw = realloc(ctx->retry_raw, q.raw_len);
		if (!raw)
			return PW_ENOMEM;
		ctx->retry_raw = raw;
		ctx->retry_cap = q.raw_len;
	}
	memcpy(ctx->retry_raw, q.raw, q.raw_len);
	if (!ctx->retry_req && !(ctx->retry_req = proto_req_new()))
		return PW_ENOMEM;
	rc = proto_req_decode(ctx->retry_req, ctx->retry_raw, q.raw_len);
	if (rc == 0 && ctx->retry_req->type != PROTO_UPDATE)
		rc = PW_ETYPE;
	if (rc < 0)
		return reject(t, ctx, m, rc, m->req->id, false);
	if (ctx->retry_req->n_bad) {
		for (size_t i = 0; i < ctx->retry_req->n_items; i++)
			if (ctx->retry_req->items[i].err)
				return reject(t, ctx, m, ctx->retry_req->items[i].err, m->req->id, false);
	}
	return apply_update(t, ctx, m, ctx->retry_req, m->req->id, false);
}

static int apply_target(struct store_txn *t, struct apply_ctx *ctx, struct apply_msg *m)
{
	const struct proto_req *r = m->req;
	const struct cat_indicator *ind = catalog_find(ctx->cat, r->plan, r->ind);
	char topic[STORE_TOPIC_MAX + 1];
	struct proto_buf *f = &ctx->notices.fields;
	double old;
	int rc;

	if (!catalog_plan(ctx->cat, r->plan))
		return reject(t, ctx, m, PW_EPLAN, r->id, false);
	if (!ind)
		return reject(t, ctx, m, PW_EINDICATOR, r->id, false);
	if (ind->kind != CAT_CITY || !isfinite(r->value))
		return reject(t, ctx, m, ind->kind != CAT_CITY ? PW_EDENIED : PW_EVALUE, r->id, false);
	/* A year's target is for a year the plan judges. */
	if (r->year && !cat_in_window(ind->plan, (int)r->year))
		return reject(t, ctx, m, PW_ERANGE, r->id, false);
	uint32_t rev;
	rc = rules_target_get(t, r->plan, r->ind, r->year, &old, &rev);
	if (rc < 0 && rc != PW_ENOTFOUND)
		return rc;
	bool had_old = rc == 0;
	rc = rules_target_put(t, r->plan, r->ind, r->year, r->value, ctx->notices.now_ms, &rev);
	if (rc == PW_ETOOBIG)
		return reject(t, ctx, m, rc, r->id, false);
	if (rc < 0)
		return rc;
	snprintf(topic, sizeof(topic), "target.%s.%s", r->plan, r->ind);
	notice_begin(&ctx->notices);
	notice_w_indicator(&ctx->notices, r->plan, r->ind, ind->name, NULL);
	proto_w_str(f, "target");
	proto_w_double(f, r->value);
	proto_w_str(f, "old_target");
	if (had_old)
		proto_w_double(f, old);
	else
		proto_w_nil(f);
	proto_w_str(f, "unit");
	proto_w_str(f, ind->unit);
	proto_w_str(f, "set_by");
	proto_w_str(f, r->dept ? r->dept : (m->peer ? m->peer : "operator"));
	proto_w_str(f, "year");
	proto_w_uint(f, r->year);
	proto_w_str(f, "rev");
	proto_w_uint(f, rev);
	if ((rc = notice_emit(&ctx->notices, t, topic, 9)) < 0)
		return rc;
	if ((rc = touch(ctx, ind)) < 0)
		return rc;
	encode_ack(&m->reply, r->id, 1, 1, 0);
	m->result = 0;
	return m->reply.err;
}

/* ---- the transaction ---- */

static int apply_one(struct store_txn *t, struct apply_ctx *ctx, struct apply_msg *m)
{
	if (m->decode_rc < 0)
		return reject(t, ctx, m, m->decode_rc, m->req ? m->req->id : "", true);
	switch (m->req->type) {
	case PROTO_UPDATE:
		return apply_update(t, ctx, m, m->req, m->req->id, true);
	case PROTO_RETRY:
		return m->from_sub ? reject(t, ctx, m, PW_EDENIED, m->req->id, true)
				   : apply_retry(t, ctx, m);
	case PROTO_TARGET_SET:
		return m->from_sub ? reject(t, ctx, m, PW_EDENIED, m->req->id, true)
				   : apply_target(t, ctx, m);
	default:
		/* Only reachable from SUB, which carries updates only. */
		return reject(t, ctx, m, PW_ETYPE, m->req->id, true);
	}
}

/* Every plan with a target on x's series judges its new figures (each only inside its own
 * window: rules_evaluate), not just the plan an item named. */
static int judge_series(struct store_txn *t, struct apply_ctx *ctx, const struct cat_indicator *x)
{
	const struct cat_plan *plans[CAT_REGION_PLANS_MAX];
	size_t n;
	int rc;

	if (!x->series)
		return rules_evaluate(ctx->rules, t, x, &ctx->notices);
	n = catalog_region_plans(ctx->cat, x->series->region, plans, CAT_REGION_PLANS_MAX);
	for (size_t i = 0; i < n; i++) {
		const struct cat_indicator *y = catalog_find(ctx->cat, plans[i]->id, x->id);
		if (y && (rc = rules_evaluate(ctx->rules, t, y, &ctx->notices)) < 0)
			return rc;
	}
	return 0;
}

static int apply_txn(struct store_txn *t, void *arg)
{
	struct apply_ctx *ctx = arg;
	int rc;

	/* store_write may run us again after growing the map: start from scratch. */
	notice_list_clear(&ctx->notices);
	ctx->n_touched = 0;
	for (size_t i = 0; i < ctx->n; i++) {
		struct apply_msg *m = &ctx->msgs[i];
		if (!apply_is_write(m))
			continue;
		proto_buf_reset(&m->reply);
		m->result = 0;
		m->duplicate = false;
		m->changed = 0;
		m->ack_pending = false;
		m->dup_of = -1;
		m->detail[0] = '\0';
		if (m->decode_rc == 0 && m->req->type == PROTO_UPDATE)
			for (size_t k = 0; k < m->req->n_items; k++)
				m->req->items[k].err = m->req->items[k].decode_err;
		if ((rc = apply_one(t, ctx, m)) < 0)
			return rc;
	}
	for (size_t i = 0; i < ctx->n_touched; i++)
		if ((rc = judge_series(t, ctx, ctx->touched[i])) < 0)
			return rc;
	return finish_acks(t, ctx);
}

int apply_group(struct store *s, struct apply_ctx *ctx)
{
	return store_write(s, apply_txn, ctx);
}
