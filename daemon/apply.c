/* daemon/apply.c — validate, store and announce one group of messages atomically. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/err.h"
#include "../proto/status.h"
#include "apply.h"
#include "derive.h"
#include "outlier.h"
#include "overdue.h"
#include "qbound.h"
#include "reply.h"
#include "validate.h"

/* Quarantine keeps at most this much of an oversized frame: enough to see what it was. */
#define APPLY_QUARANTINE_RAW_MAX PROTO_MAX_FRAME
#define APPLY_MSGID_REPLY_MAX 512 /* a stored ACK without items; longer ones are read whole */

/* What the store held for one item before the group wrote it (check pass -> write pass). */
struct apply_prev {
	const struct cat_indicator *ind; /* what validation found the item's indicator to be */
	bool found;
	bool same; /* an identical re-send of what is stored: acknowledged, not stored */
	struct store_head head;
};

/* One valid item, in the order the duplicate check sorts them. */
struct apply_key {
	const struct cat_indicator *ind; /* one per (plan, indicator) */
	const struct cat_series *series; /* ind->series: one per stored series */
	struct period period;
	uint32_t idx; /* position in the batch */
};

/* A figure the group stored, whose period every plan judging it gets a verdict for. */
struct apply_judged {
	const struct cat_indicator *ind;
	struct period period;
};

/* A series touched by the group whose gen it carries. */
struct apply_mark {
	const struct cat_series *series;
	uint64_t gen;
};

/* An accepted update whose ACK is written once the group's last notice (its seq) is known. */
struct apply_ack {
	bool pending;
	bool target; /* a target_set: its ACK carries the seq, nothing is remembered */
	int dup_of; /* index of the message of this group it repeats, or -1 */
	uint32_t count;
	/* the update's own (dept, id): for a retry, not the retry request's id */
	char id[PROTO_MAX_ID + 1], dept[PROTO_MAX_DEPT + 1];
	uint32_t hash;
	bool detail;                  /* the update asked for the ACK's items: */
	size_t detail_off, detail_len; /* its elements in apply.detail */
	uint32_t n_detail;
};

struct apply {
	const struct catalog *cat;
	const struct rules_cfg *rules;
	struct qbound *qb; /* the quarantine's bounds; NULL: none */
	/* the group being applied */
	struct apply_msg *const *msgs;
	size_t n;
	struct notice_list *notices; /* notices->now_ms is the group's clock */
	/* scratch, reused between groups */
	struct apply_ack *acks; /* [n] */
	size_t cap_acks;
	uint32_t *ids;          /* open-addressed (dept, id) -> 1 + index of an accepted update */
	size_t cap_ids;         /* a power of two, at least 2 n */
	const struct cat_indicator **touched; /* in the order first touched */
	size_t n_touched, cap_touched;
	struct apply_mark *marks; /* open-addressed series -> touched this group (gen) */
	size_t cap_marks;         /* a power of two, at least 2 n_touched */
	uint64_t gen;             /* the group's mark: a new group, no series marked */
	struct apply_judged *periods;
	size_t n_periods, cap_periods;
	struct overdue_arrivals *arrivals; /* due entries the group's figures ended */
	struct apply_prev *prev;  /* [n_items] of the update being applied */
	struct apply_key *sorted; /* [n_items]: duplicate check */
	const struct cat_indicator **inds; /* [n_items]: prev[i].ind, for the outlier checks */
	const struct store_head **heads;   /* [n_items]: &prev[i].head if found, for them too */
	uint32_t *order;                   /* [n_items]: sorted's item indices */
	size_t cap_scratch;
	struct outlier *outlier; /* the plausibility findings of checked_req's items */
	struct derive *derive;   /* the group's figures that derived series are computed from */
	const struct proto_req *checked_req;
	/* the message being applied: the update whose items a NACK lists (a retry's stored
	 * update; NULL: none), and the quarantine id of a retried message (else 0) */
	const struct proto_req *judged;
	uint64_t kept_as;
	struct proto_req *retry_req;
	uint8_t *retry_raw;
	size_t retry_cap;
	struct proto_buf stored_ack; /* a retried update's ACK under its own id */
	struct proto_buf detail;     /* the group's ACK items (updates sent with detail: true) */
	uint8_t *prior;              /* a stored ACK too long for the stack */
	size_t prior_cap;
};

int apply_new(struct apply **ret, const struct catalog *cat, const struct rules_cfg *rules)
{
	struct apply *a = calloc(1, sizeof(*a));
	if (!a)
		return PW_ENOMEM;
	a->cat = cat;
	a->rules = rules;
	proto_buf_init(&a->stored_ack);
	proto_buf_init(&a->detail);
	int rc = outlier_new(&a->outlier);
	if (rc == 0 && (rc = derive_new(&a->derive)) < 0)
		outlier_free(a->outlier);
	if (rc == 0 && (rc = overdue_arrivals_new(&a->arrivals)) < 0) {
		outlier_free(a->outlier);
		derive_free(a->derive);
	}
	if (rc < 0) {
		free(a);
		return rc;
	}
	*ret = a;
	return 0;
}

void apply_free(struct apply *a)
{
	if (!a)
		return;
	free(a->acks);
	free(a->ids);
	free(a->touched);
	free(a->marks);
	free(a->periods);
	overdue_arrivals_free(a->arrivals);
	free(a->prev);
	free(a->sorted);
	free(a->inds);
	free(a->heads);
	free(a->order);
	outlier_free(a->outlier);
	derive_free(a->derive);
	proto_req_free(a->retry_req);
	free(a->retry_raw);
	proto_buf_release(&a->stored_ack);
	proto_buf_release(&a->detail);
	free(a->prior);
	free(a);
}

void apply_set_catalog(struct apply *a, const struct catalog *cat)
{
	a->cat = cat;
}

void apply_set_quarantine(struct apply *a, struct qbound *q)
{
	a->qb = q;
}

void apply_decode(struct apply_msg *m)
{
	if (!m->req && !(m->req = proto_req_new())) {
		m->decode_rc = PW_ENOMEM;
		return;
	}
	/* An oversized frame is decoded too: proto_req_decode refuses it, id read if it can be. */
	if (m->raw_len < m->len) {
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

static const char *msg_id(const struct apply_msg *m)
{
	return m->req ? m->req->id : "";
}

/* After a failed group: every write message gets a NACK with code rc, retryable when a
 * resend can succeed (store_error, store_full, no_memory). */
static void fail_all(struct apply *a, int rc)
{
	for (size_t i = 0; i < a->n; i++) {
		struct apply_msg *m = a->msgs[i];
		if (!apply_is_write(m))
			continue;
		reply_nack(&m->reply, NULL, msg_id(m), rc, reply_retryable(rc), 0, NULL);
		m->result = rc;
		snprintf(m->detail, sizeof(m->detail), "group not committed: %s", pw_strerror(rc));
	}
}

/* ---- rejection ---- */

/* What bad item i of req was expected to be (a reply_explain_fn): the plausibility finding
 * when req is the update last checked, else the catalog's expectation. */
static size_t apply_explain(const void *arg, const struct proto_req *req, size_t i, char *buf,
			    size_t cap)
{
	const struct apply *a = arg;
	size_t n = req == a->checked_req ? outlier_explain(a->outlier, i, buf, cap) : 0;
	return n ? n : validate_explain(a->cat, &req->items[i], buf, cap);
}

static void describe(const struct apply *a, struct apply_msg *m, const struct proto_req *r,
		     int code)
{
	if (r && r->type == PROTO_UPDATE)
		for (size_t i = 0; i < r->n_items; i++) {
			const struct proto_item *it = &r->items[i];
			char per[PERIOD_TEXT_MAX] = "?";
			if (!it->err)
				continue;
			if (it->err != PW_EPERIOD && it->err != PW_EFIELD)
				period_format(&it->period, per);
			char why[APPLY_DETAIL_MAX] = "";
			apply_explain(a, r, i, why, sizeof(why));
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

static int reject(struct store_txn *t, struct apply *a, struct apply_msg *m, int code,
		  const char *reply_id, bool quarantine)
{
	/* Not quarantined again: a retried message keeps its id in the NACK. */
	struct store_reject q = { .recv_ms = a->notices->now_ms, .code = code, .id = a->kept_as };
	const struct proto_req *r = a->judged;
	const char *dept = r && r->dept ? r->dept : "";
	int rc;

	m->result = code;
	describe(a, m, r, code);
	if (quarantine) {
		snprintf(q.dept, sizeof(q.dept), "%s", dept);
		snprintf(q.peer, sizeof(q.peer), "%s", m->peer ? m->peer : "");
		snprintf(q.detail, sizeof(q.detail), "%s", m->detail);
		q.raw = m->raw;
		q.raw_len = m->raw_len < APPLY_QUARANTINE_RAW_MAX ? m->raw_len
								  : APPLY_QUARANTINE_RAW_MAX;
		if ((rc = a->qb ? qbound_put(a->qb, t, &q) : store_quarantine_put(t, &q)) < 0)
			return rc;
	}
	if (!m->from_sub) {
		reply_nack_explained(&m->reply, apply_explain, a, reply_id, code, false, q.id, r);
		return m->reply.err;
	}
	char topic[STORE_TOPIC_MAX + 1];
	struct proto_buf *f = &a->notices->fields;
	snprintf(topic, sizeof(topic), "rejected.%s", dept[0] ? dept : "unknown");
	notice_begin(a->notices);
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
	return notice_emit(a->notices, t, topic);
}

/* ---- updates ---- */

static bool same_obs(const struct store_head *o, const struct proto_item *it)
{
	bool yoy_same = (isnan(o->yoy) && isnan(it->yoy)) || o->yoy == it->yoy;
	return o->value == it->value && o->status == it->status && yoy_same;
}

/* An identical re-send (PROTOCOL.md §2): the same value, status and yoy, and no note or the
 * stored one. A new note alone is a revision: every accepted note is kept. The vintage is
 * read only for a note on an otherwise identical figure. */
static int same_figure(struct store_txn *t, const struct cat_indicator *ind,
		       const struct store_head *o, const struct proto_item *it, bool *same)
{
	struct store_obs v;
	*same = same_obs(o, it);
	if (!*same || !it->reason || !it->reason[0])
		return 0;
	int rc = store_obs_get(t, cat_owner(ind), it->ind, &it->period, &v);
	if (rc < 0)
		return rc;
	*same = strcmp(v.reason, it->reason) == 0;
	return 0;
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

static int scratch_reserve(struct apply *a, size_t n)
{
	if (n <= a->cap_scratch)
		return 0;
	struct apply_prev *p = realloc(a->prev, n * sizeof(*p));
	if (!p)
		return PW_ENOMEM;
	a->prev = p;
	struct apply_key *s = realloc(a->sorted, n * sizeof(*s));
	if (!s)
		return PW_ENOMEM;
	a->sorted = s;
	const struct cat_indicator **x = realloc(a->inds, n * sizeof(*x));
	if (!x)
		return PW_ENOMEM;
	a->inds = x;
	const struct store_head **h = realloc(a->heads, n * sizeof(*h));
	if (!h)
		return PW_ENOMEM;
	a->heads = h;
	uint32_t *o = realloc(a->order, n * sizeof(*o));
	if (!o)
		return PW_ENOMEM;
	a->order = o;
	a->cap_scratch = n;
	return 0;
}

/* Would a statistician believe them? The items still valid after the catalog and status
 * checks, against their series (daemon/outlier.c). Returns the number refused. */
static int check_plausible(struct store_txn *t, struct apply *a, struct proto_req *r, size_t n_ok)
{
	for (size_t i = 0; i < r->n_items; i++) {
		a->inds[i] = a->prev[i].ind;
		a->heads[i] = a->prev[i].found ? &a->prev[i].head : NULL;
	}
	for (size_t k = 0; k < n_ok; k++)
		a->order[k] = a->sorted[k].idx;
	struct outlier_batch b = { .items = r->items, .n_items = r->n_items, .inds = a->inds,
				   .heads = a->heads, .order = a->order, .n_order = n_ok };
	a->checked_req = r;
	return outlier_check(a->outlier, t, &b);
}

/* First pass: decide every item's fate without writing. What the store holds for item i
 * is left in a->prev[i] for the write pass (items of one batch have distinct keys, so
 * nothing between the passes changes it). */
static int check_items(struct store_txn *t, struct apply *a, struct proto_req *r)
{
	size_t n_ok = 0;
	int bad = 0, rc;

	if ((rc = scratch_reserve(a, r->n_items)) < 0)
		return rc;
	for (size_t i = 0; i < r->n_items; i++) {
		struct proto_item *it = &r->items[i];
		struct apply_prev *p = &a->prev[i];
		p->ind = NULL;
		if (!it->err)
			it->err = validate_item(a->cat, r->dept, it, a->notices->now_ms, &p->ind);
		if (!it->err)
			a->sorted[n_ok++] =
				(struct apply_key){ .ind = p->ind, .series = p->ind->series,
						    .period = it->period, .idx = (uint32_t)i };
	}
	/* One observation twice in a batch is ambiguous (also when two items name it through
	 * two plans of its region): every copy after the first is refused. Sorted, this is
	 * O(n log n), not O(n²), for up to PROTO_MAX_BATCH items. */
	qsort(a->sorted, n_ok, sizeof(*a->sorted), key_cmp);
	for (size_t k = 1; k < n_ok; k++)
		if (a->sorted[k].series == a->sorted[k - 1].series &&
		    period_cmp(&a->sorted[k].period, &a->sorted[k - 1].period) == 0)
			r->items[a->sorted[k].idx].err = PW_EFIELD;
	for (size_t i = 0; i < r->n_items; i++) {
		struct proto_item *it = &r->items[i];
		struct apply_prev *p = &a->prev[i];
		p->found = p->same = false;
		if (!it->err) {
			rc = store_obs_head(t, cat_owner(p->ind), it->ind, &it->period, &p->head);
			if (rc == 0) {
				p->found = true;
				if ((rc = same_figure(t, p->ind, &p->head, it, &p->same)) < 0)
					return rc;
				if (!p->same)
					it->err = p->head.flags & STORE_OBS_DERIVED
							  ? derive_may_replace(p->head.status, it->status)
							  : status_may_replace(p->head.status, it->status);
			} else if (rc != PW_ENOTFOUND) {
				return rc;
			}
		}
		bad += it->err != 0;
	}
	int refused = check_plausible(t, a, r, n_ok);
	return refused < 0 ? refused : bad + refused;
}

/* Makes *buf (of *cap bytes, scratch kept between groups) hold at least n bytes. */
static int grow(uint8_t **buf, size_t *cap, size_t n)
{
	if (n <= *cap)
		return 0;
	uint8_t *p = realloc(*buf, n);
	if (!p)
		return PW_ENOMEM;
	*buf = p;
	*cap = n;
	return 0;
}

/* Copies a NUL-terminated string into dst[cap], cut to fit (snprintf's result without
 * its format parser: this runs for every item). */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static size_t mark_slot(const struct apply_mark *m, size_t cap, const struct cat_series *s,
			uint64_t gen)
{
	size_t i = (size_t)(((uintptr_t)s >> 4) * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
	while (m[i].gen == gen && m[i].series != s)
		i = (i + 1) & (cap - 1);
	return i;
}

/* Room for one more mark at load <= 1/2: the marks of this group move to a table twice
 * the size (those of earlier groups are free slots already). */
static int marks_reserve(struct apply *a)
{
	if (2 * (a->n_touched + 1) <= a->cap_marks)
		return 0;
	size_t cap = a->cap_marks ? 2 * a->cap_marks : 128;
	struct apply_mark *m = calloc(cap, sizeof(*m));
	if (!m)
		return PW_ENOMEM;
	for (size_t i = 0; i < a->n_touched; i++) {
		const struct cat_series *s = a->touched[i]->series;
		m[mark_slot(m, cap, s, a->gen)] = (struct apply_mark){ s, a->gen };
	}
	free(a->marks);
	a->marks = m;
	a->cap_marks = cap;
	return 0;
}

/* Remembers a series to judge after the batch: once, whichever plan the item named. A
 * group of 20,000 updates to as many series looked each up in the list so far: 61% of the
 * daemon's time at 10^5 series (docs/PERFORMANCE.md, issue 21). */
static int touch(struct apply *a, const struct cat_indicator *ind)
{
	int rc = marks_reserve(a);
	if (rc < 0)
		return rc;
	size_t at = mark_slot(a->marks, a->cap_marks, ind->series, a->gen);
	if (a->marks[at].gen == a->gen)
		return 0;
	a->marks[at] = (struct apply_mark){ ind->series, a->gen };
	if (a->n_touched == a->cap_touched) {
		size_t cap = a->cap_touched ? 2 * a->cap_touched : 64;
		const struct cat_indicator **t = realloc(a->touched, cap * sizeof(*t));
		if (!t)
			return PW_ENOMEM;
		a->touched = t;
		a->cap_touched = cap;
	}
	a->touched[a->n_touched++] = ind;
	return 0;
}

/* Remembers a stored figure, for the verdicts of its period after the batch. */
static int judge_later(struct apply *a, const struct cat_indicator *ind, const struct period *p)
{
	if (a->n_periods == a->cap_periods) {
		size_t cap = a->cap_periods ? 2 * a->cap_periods : 64;
		struct apply_judged *j = realloc(a->periods, cap * sizeof(*j));
		if (!j)
			return PW_ENOMEM;
		a->periods = j;
		a->cap_periods = cap;
	}
	a->periods[a->n_periods++] = (struct apply_judged){ .ind = ind, .period = *p };
	return 0;
}

struct judge_arg {
	struct apply *a;
	const struct cat_indicator *ind;
};

static int judge_cb(const struct store_obs *o, void *arg)
{
	struct judge_arg *j = arg;
	return judge_later(j->a, j->ind, &o->period);
}

/* A city target set for year (0: every year) changes the verdicts of the stored periods of
 * that year (of the plan's window): each is judged again after the batch. */
static int judge_target_years(struct store_txn *t, struct apply *a, const struct cat_indicator *ind,
			      unsigned year)
{
	struct judge_arg j = { a, ind };
	struct period from = { .year = (uint16_t)(year ? year : (unsigned)ind->plan->start_year),
			       .freq = PERIOD_ANNUAL };
	/* the year's last key: a plan period's total ending that year sorts after December */
	struct period to = { .year = (uint16_t)(year ? year : (unsigned)ind->plan->target_year),
			     .freq = PERIOD_SPAN, .n = PERIOD_SPAN_MAX };
	return store_obs_range(t, cat_owner(ind), ind->id, &from, &to, judge_cb, &j);
}

/* The plans that judge period p of series s (docs/MODEL.md section 2), their ids into out:
 * every plan of the region with a target on it whose window holds p's year, status not
 * draft. */
static size_t judged_by(const struct catalog *cat, const struct cat_series *s,
			const struct period *p, const char *out[NOTICE_JUDGES_MAX])
{
	struct cat_judge j[NOTICE_JUDGES_MAX];
	size_t n = catalog_judges(cat, s, p, j, NOTICE_JUDGES_MAX);
	for (size_t i = 0; i < n; i++)
		out[i] = j[i].x->plan->id;
	return n;
}

/* The change notice of vintage o of series s (name: as its plans call it). What was sent,
 * confirmed and derived is read from the vintage, so the notice says what the store keeps. */
static int emit_change(struct apply *a, struct store_txn *t, const struct cat_series *s,
		       const char *name, const struct store_obs *o, const struct store_head *prev)
{
	struct notice_change c = {
		.region = s->region->id, .alias = s->region->alias, .ind = o->ind, .name = name,
		.unit = s->unit, .dept = o->dept, .msgid = o->msgid, .reason = o->reason,
		.sent_unit = o->sent_unit[0] ? o->sent_unit : s->unit, .sent_value = o->sent_value,
		.period = o->period, .value = o->value, .yoy = o->yoy, .rev = o->rev,
		.status = o->status, .backfill = o->flags & STORE_OBS_BACKFILL,
		.confirm = o->flags & STORE_OBS_CONFIRM, .overridden = o->overrode,
		.derived = o->flags & STORE_OBS_DERIVED, .has_old = prev != NULL,
		.old_value = prev ? prev->value : 0, .old_status = prev ? prev->status : 0,
	};
	c.n_judged = judged_by(a->cat, s, &o->period, c.judged_by);
	return notice_emit_change(a->notices, t, &c);
}

/* The yoy warning of item k (outlier_yoy_warn), for the vintage o just stored. */
static int emit_yoy_warning(struct apply *a, struct store_txn *t, size_t k,
			    const struct cat_indicator *ind, const struct store_obs *o)
{
	char topic[STORE_TOPIC_MAX + 1], per[PERIOD_TEXT_MAX], why[APPLY_DETAIL_MAX];
	struct proto_map m = { .b = &a->notices->fields };
	double computed, tol;

	period_format(&o->period, per);
	outlier_explain(a->outlier, k, why, sizeof(why));
	outlier_yoy(a->outlier, k, &computed, &tol);
	notice_warning_begin(a->notices, topic, cat_owner(ind), cat_owner_alias(ind), o->ind,
			     ind->name, per, PW_EYOY, why);
	proto_kv_double(&m, "value", o->value);
	proto_kv_str(&m, "unit", ind->unit);
	proto_kv_uint(&m, "rev", o->rev);
	proto_kv_double(&m, "yoy", o->yoy);
	proto_kv_double(&m, "yoy_computed", computed);
	proto_kv_double(&m, "tolerance", tol);
	proto_kv_str(&m, "dept", o->dept);
	proto_kv_str(&m, "msgid", o->msgid);
	return notice_emit(a->notices, t, topic);
}

static int store_item(struct store_txn *t, struct apply *a, const struct proto_req *r, size_t k,
		      const struct apply_prev *prev, uint32_t *changed)
{
	const struct proto_item *it = &r->items[k];
	const struct cat_indicator *ind = prev->ind;
	struct store_obs o;
	int rc;

	if (prev->found && prev->same)
		return 0; /* an identical re-send is acknowledged, not a change */
	memset(&o, 0, sizeof(o));
	copy_str(o.plan, sizeof(o.plan), cat_owner(ind)); /* a v1 item's plan names its region */
	copy_str(o.ind, sizeof(o.ind), it->ind);
	o.period = it->period;
	o.value = it->value;
	o.yoy = it->yoy;
	o.status = it->status;
	o.flags = (r->backfill ? STORE_OBS_BACKFILL : 0) | (it->confirm ? STORE_OBS_CONFIRM : 0);
	o.rev = prev->found ? prev->head.rev + 1 : 1;
	o.recv_ms = a->notices->now_ms;
	copy_str(o.dept, sizeof(o.dept), r->dept);
	copy_str(o.msgid, sizeof(o.msgid), r->id);
	copy_str(o.reason, sizeof(o.reason), it->reason ? it->reason : "");
	/* the figure as the department published it, beside its exact conversion */
	copy_str(o.sent_unit, sizeof(o.sent_unit), it->unit);
	o.sent_value = it->sent;
	o.overrode = outlier_overrode(a->outlier, k);
	if ((rc = store_obs_put(t, &o)) < 0)
		return rc;
	if ((rc = emit_change(a, t, ind->series, ind->name, &o, prev->found ? &prev->head : NULL)) < 0)
		return rc;
	if (outlier_yoy_warn(a->outlier, k) && (rc = emit_yoy_warning(a, t, k, ind, &o)) < 0)
		return rc;
	if ((rc = overdue_arrived(t, ind->series, &o.period, a->notices->now_ms, a->arrivals)) < 0 ||
	    (rc = judge_later(a, ind, &o.period)) < 0)
		return rc;
	/* what derived series this figure completes or revises: computed before the verdicts */
	if ((rc = derive_note(a->derive, ind->series, &o.period, r->backfill, r->id, false)) < 0)
		return rc;
	(*changed)++;
	/* Backfilled history is announced but must not raise stale alerts. */
	return r->backfill ? 0 : touch(a, ind);
}

static int emit_accepted(struct apply *a, struct store_txn *t, const struct proto_req *r,
			 uint32_t changed)
{
	char topic[STORE_TOPIC_MAX + 1];
	struct proto_buf *f = &a->notices->fields;
	snprintf(topic, sizeof(topic), "accepted.%s", r->dept);
	notice_begin(a->notices);
	proto_w_str(f, "id");
	proto_w_str(f, r->id);
	proto_w_str(f, "count");
	proto_w_uint(f, r->n_items);
	proto_w_str(f, "changed");
	proto_w_uint(f, changed);
	return notice_emit(a->notices, t, topic);
}

/* The ACK's items of update r (detail: true): per item its index, the series' region and
 * indicator, the period, the plans that judge it and whether any plan targets the series;
 * appended to a->detail, where ack k finds them. */
static int detail_items(struct apply *a, const struct proto_req *r, struct apply_ack *k)
{
	struct proto_buf *b = &a->detail;
	k->detail = true;
	k->detail_off = b->len;
	k->n_detail = (uint32_t)r->n_items;
	for (size_t i = 0; i < r->n_items; i++) {
		const struct cat_indicator *x = a->prev[i].ind;
		const char *ids[NOTICE_JUDGES_MAX];
		char per[PERIOD_TEXT_MAX];
		struct proto_map m;
		size_t n = judged_by(a->cat, x->series, &r->items[i].period, ids);
		period_format(&r->items[i].period, per);
		proto_map_open(&m, b);
		proto_kv_uint(&m, "index", i);
		proto_kv_str(&m, "region", cat_owner(x));
		proto_kv_str(&m, "indicator", x->id);
		proto_kv_str(&m, "period", per);
		proto_map_key(&m, "judged_by");
		proto_w_array(b, (uint32_t)n);
		for (size_t j = 0; j < n; j++)
			proto_w_str(b, ids[j]);
		/* false: no plan of the region targets the series, whatever the year */
		proto_kv_bool(&m, "targeted", x->plan != NULL);
		proto_map_close(m);
	}
	k->detail_len = b->len - k->detail_off;
	return b->err;
}

/* ---- the group's accepted ids ----
 * A resend of an id accepted earlier in this same group is a duplicate although the store
 * does not hold its ACK yet: the group's accepted (dept, id) are kept here, in memory, so
 * that the ACK is written once, when the group's last seq is known. */

static uint32_t id_hash(const char *dept, const char *id)
{
	uint32_t h = 2166136261u; /* FNV-1a over dept, a NUL, id */
	for (const char *p = dept;; p++) {
		h = (h ^ (uint8_t)*p) * 16777619u;
		if (!*p)
			break;
	}
	for (const char *p = id; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

static int ids_reset(struct apply *a)
{
	size_t cap = 16;
	while (cap < 2 * a->n)
		cap *= 2;
	if (cap > a->cap_ids) {
		uint32_t *ids = realloc(a->ids, cap * sizeof(*ids));
		if (!ids)
			return PW_ENOMEM;
		a->ids = ids;
		a->cap_ids = cap;
	}
	memset(a->ids, 0, a->cap_ids * sizeof(*a->ids));
	return 0;
}

/* The index of the accepted update of this group with (dept, id), or -1. */
static int ids_find(const struct apply *a, const char *dept, const char *id, uint32_t h)
{
	size_t mask = a->cap_ids - 1;
	for (size_t k = h & mask; a->ids[k]; k = (k + 1) & mask) {
		const struct apply_ack *o = &a->acks[a->ids[k] - 1];
		if (o->hash == h && strcmp(o->id, id) == 0 && strcmp(o->dept, dept) == 0)
			return (int)(a->ids[k] - 1);
	}
	return -1;
}

static void ids_add(struct apply *a, size_t i)
{
	size_t mask = a->cap_ids - 1, k = a->acks[i].hash & mask;
	while (a->ids[k])
		k = (k + 1) & mask;
	a->ids[k] = (uint32_t)(i + 1);
}

/* Marks message i accepted, its ACK to be written by finish_acks(). */
static void pend_ack(struct apply *a, size_t i, const char *id, const char *dept, uint32_t hash,
		     uint32_t count, int dup_of)
{
	struct apply_ack *k = &a->acks[i];
	k->pending = true;
	k->dup_of = dup_of;
	k->detail = false;
	k->count = count;
	k->hash = hash;
	copy_str(k->id, sizeof(k->id), id);
	copy_str(k->dept, sizeof(k->dept), dept);
	a->msgs[i]->result = 0;
	if (dup_of < 0)
		ids_add(a, i);
}

/* Applies update r for message i. reply_id is the id the reply carries (differs from
 * r->id for a retry). quarantine: store a rejection (false when retrying one). */
static int apply_update(struct store_txn *t, struct apply *a, size_t i, struct proto_req *r,
			const char *reply_id, bool quarantine)
{
	struct apply_msg *m = a->msgs[i];
	uint8_t stack[APPLY_MSGID_REPLY_MAX], *prior = stack;
	uint32_t h = id_hash(r->dept, r->id);
	size_t len;
	int rc, bad;

	/* Before any lookup: another department's ids are not this peer's to resend, and
	 * their ACKs not its to read. */
	if (m->auth_dept && strcmp(m->auth_dept, r->dept) != 0)
		return reject(t, a, m, PW_EAUTH, reply_id, quarantine);
	int j = ids_find(a, r->dept, r->id, h);
	if (j >= 0) {
		/* Accepted earlier in this same group: its ACK is not written yet. */
		m->duplicate = true;
		pend_ack(a, i, r->id, r->dept, h, a->acks[j].count, j);
		/* A publisher feeder has no reply to read: the notice confirms its resend. */
		return m->from_sub ? emit_accepted(a, t, r, 0) : 0;
	}
	rc = store_msgid_get(t, r->dept, r->id, stack, sizeof(stack), &len);
	if (rc == PW_ETOOBIG) { /* an ACK with items (detail: true) */
		if ((rc = grow(&a->prior, &a->prior_cap, len)) < 0)
			return rc;
		prior = a->prior;
		rc = store_msgid_get(t, r->dept, r->id, prior, a->prior_cap, &len);
	}
	if (rc == 0) {
		/* A resent id gets the original ACK and stores nothing twice. */
		m->duplicate = true;
		m->result = 0;
		if (m->from_sub && (rc = emit_accepted(a, t, r, 0)) < 0)
			return rc;
		if (strcmp(reply_id, r->id) == 0) {
			proto_buf_reset(&m->reply);
			proto_w_raw(&m->reply, prior, len);
		} else {
			reply_ack(&m->reply, reply_id, r->n_items, 0, 0, NULL);
		}
		return m->reply.err;
	}
	if (rc != PW_ENOTFOUND)
		return rc;
	if ((bad = check_items(t, a, r)) < 0)
		return bad;
	if (bad) {
		int first = 0;
		for (size_t k = 0; !first && k < r->n_items; k++)
			first = r->items[k].err;
		return reject(t, a, m, first, reply_id, quarantine);
	}
	m->changed = 0;
	for (size_t k = 0; k < r->n_items; k++)
		if ((rc = store_item(t, a, r, k, &a->prev[k], &m->changed)) < 0)
			return rc;
	if (m->from_sub && (rc = emit_accepted(a, t, r, m->changed)) < 0)
		return rc;
	/* The ACK carries the log position after the whole group, alert notices included:
	 * written by finish_acks() once the rules have run. */
	pend_ack(a, i, r->id, r->dept, h, (uint32_t)r->n_items, -1);
	return r->detail ? detail_items(a, r, &a->acks[i]) : 0;
}

/* Writes the ACK of every accepted update, once, with the group's final seq, and
 * remembers it under (dept, id) for idempotent resends. */
static int finish_acks(struct store_txn *t, struct apply *a)
{
	uint64_t seq;
	int rc = store_log_last(t, &seq);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < a->n; i++) {
		struct apply_msg *m = a->msgs[i];
		const struct apply_ack *k = &a->acks[i];
		if (!k->pending)
			continue;
		if (k->target) {
			reply_ack(&m->reply, m->req->id, 1, 1, seq, NULL);
			if (m->reply.err)
				return m->reply.err;
			continue;
		}
		if (k->dup_of >= 0)
			m->changed = a->msgs[k->dup_of]->changed;
		/* A resend within the group gets the original's ACK: its items, if it had any. */
		const struct apply_ack *orig = k->dup_of >= 0 ? &a->acks[k->dup_of] : k;
		struct reply_items d = { a->detail.data + orig->detail_off, orig->detail_len,
					 orig->n_detail };
		const struct reply_items *items = orig->detail ? &d : NULL;
		reply_ack(&m->reply, m->req->id, k->count, m->changed, seq, items);
		if (m->reply.err)
			return m->reply.err;
		if (k->dup_of >= 0)
			continue;
		const struct proto_buf *stored = &m->reply;
		if (strcmp(m->req->id, k->id) != 0) {
			/* A retry: its reply carries the retry's id, the stored ACK the update's. */
			reply_ack(&a->stored_ack, k->id, k->count, m->changed, seq, items);
			if (a->stored_ack.err)
				return a->stored_ack.err;
			stored = &a->stored_ack;
		}
		if ((rc = store_msgid_put(t, k->dept, k->id, stored->data, stored->len)) < 0)
			return rc;
	}
	return 0;
}

/* ---- operator requests ---- */

static int apply_retry(struct store_txn *t, struct apply *a, size_t i)
{
	struct apply_msg *m = a->msgs[i];
	struct store_reject q;
	int rc = store_quarantine_get(t, m->req->seq, &q);

	if (rc == PW_ENOTFOUND)
		return reject(t, a, m, PW_ENOTFOUND, m->req->id, false);
	if (rc < 0)
		return rc;
	if ((rc = grow(&a->retry_raw, &a->retry_cap, q.raw_len)) < 0)
		return rc;
	memcpy(a->retry_raw, q.raw, q.raw_len);
	if (!a->retry_req && !(a->retry_req = proto_req_new()))
		return PW_ENOMEM;
	a->kept_as = q.id;
	a->judged = NULL;
	rc = proto_req_decode(a->retry_req, a->retry_raw, q.raw_len);
	if (rc == 0 && a->retry_req->type != PROTO_UPDATE)
		rc = PW_ETYPE;
	if (rc < 0)
		return reject(t, a, m, rc, m->req->id, false);
	a->judged = a->retry_req; /* its bad items, as the direct send listed them */
	if (a->retry_req->n_bad) {
		for (size_t k = 0; k < a->retry_req->n_items; k++)
			if (a->retry_req->items[k].err)
				return reject(t, a, m, a->retry_req->items[k].err, m->req->id, false);
	}
	return apply_update(t, a, i, a->retry_req, m->req->id, false);
}

static int apply_target(struct store_txn *t, struct apply *a, size_t i)
{
	struct apply_msg *m = a->msgs[i];
	const struct proto_req *r = m->req;
	const struct cat_indicator *ind = catalog_find(a->cat, r->plan, r->ind);
	char topic[STORE_TOPIC_MAX + 1];
	struct proto_buf *f = &a->notices->fields;
	double old;
	int rc;

	if (!catalog_plan(a->cat, r->plan))
		return reject(t, a, m, PW_EPLAN, r->id, false);
	if (!ind)
		return reject(t, a, m, PW_EINDICATOR, r->id, false);
	if (ind->kind != CAT_CITY || !isfinite(r->value))
		return reject(t, a, m, ind->kind != CAT_CITY ? PW_EDENIED : PW_EVALUE, r->id, false);
	/* A year's target is for a year the plan judges. */
	if (r->year && !cat_in_window(ind->plan, (int)r->year))
		return reject(t, a, m, PW_ERANGE, r->id, false);
	uint32_t rev;
	rc = rules_target_get(t, r->plan, r->ind, r->year, &old, &rev);
	if (rc < 0 && rc != PW_ENOTFOUND)
		return rc;
	bool had_old = rc == 0;
	rc = rules_target_put(t, r->plan, r->ind, r->year, r->value, a->notices->now_ms, &rev);
	if (rc == PW_ETOOBIG)
		return reject(t, a, m, rc, r->id, false);
	if (rc < 0)
		return rc;
	rules_notice_begin(a->notices, topic, "target", ind, NULL);
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
	/* Who is authenticated, never what the payload claims. */
	proto_w_str(f, m->auth_dept ? m->auth_dept : (m->peer ? m->peer : "operator"));
	proto_w_str(f, "year");
	proto_w_uint(f, r->year);
	proto_w_str(f, "rev");
	proto_w_uint(f, rev);
	if ((rc = notice_emit(a->notices, t, topic)) < 0 || (rc = touch(a, ind)) < 0 ||
	    (rc = judge_target_years(t, a, ind, r->year)) < 0)
		return rc;
	/* Its ACK, like an update's, carries the seq after the group: the target notice and
	 * whatever the re-evaluation announces have seq <= it. */
	a->acks[i].pending = true;
	a->acks[i].target = true;
	m->result = 0;
	return 0;
}

/* ---- derived series (daemon/derive.c) ---- */

/* A derived vintage: announced like a reported one, and judged by the plans with a target
 * on its series (none: stored and announced only). */
static int derived_stored(void *arg, struct store_txn *t, const struct cat_series *s,
			  const struct store_obs *o, const struct store_head *prev)
{
	struct apply *a = arg;
	const struct cat_indicator *x = catalog_series_target(a->cat, s);
	int rc = emit_change(a, t, s, x ? x->name : s->name, o, prev);
	/* a derived figure ends its due entry and is judged as a reported one is */
	if (rc < 0 || (rc = overdue_arrived(t, s, &o->period, a->notices->now_ms, a->arrivals)) < 0 ||
	    !x || (rc = judge_later(a, x, &o->period)) < 0 || (o->flags & STORE_OBS_BACKFILL))
		return rc;
	return touch(a, x);
}

static int derived_warn(void *arg, struct store_txn *t, const struct cat_series *s,
			const struct period *p, int code, const char *message, double reported,
			double computed, double tolerance)
{
	struct apply *a = arg;
	char topic[STORE_TOPIC_MAX + 1], per[PERIOD_TEXT_MAX];
	struct proto_map m = { .b = &a->notices->fields };

	period_format(p, per);
	notice_warning_begin(a->notices, topic, s->region->id, s->region->alias, s->id, s->name, per,
			     code, message);
	proto_kv_str(&m, "unit", s->unit);
	proto_kv_double(&m, "reported", reported);
	proto_kv_double(&m, "computed", computed);
	proto_kv_double(&m, "tolerance", tolerance);
	proto_kv_str(&m, "formula", s->formula->text);
	return notice_emit(a->notices, t, topic);
}

/* ---- the transaction ---- */

static int apply_one(struct store_txn *t, struct apply *a, size_t i)
{
	struct apply_msg *m = a->msgs[i];
	a->judged = m->decode_rc == 0 ? m->req : NULL;
	a->kept_as = 0;
	if (m->decode_rc < 0)
		return reject(t, a, m, m->decode_rc, msg_id(m), true);
	switch (m->req->type) {
	case PROTO_UPDATE:
		return apply_update(t, a, i, m->req, m->req->id, true);
	case PROTO_RETRY:
		return m->from_sub ? reject(t, a, m, PW_EDENIED, m->req->id, true) : apply_retry(t, a, i);
	case PROTO_TARGET_SET:
		return m->from_sub ? reject(t, a, m, PW_EDENIED, m->req->id, true)
				   : apply_target(t, a, i);
	default:
		/* Only reachable from SUB, which carries updates only. */
		return reject(t, a, m, PW_ETYPE, m->req->id, true);
	}
}

/* The overdue figures that arrived (resolved per department and period), the verdicts of
 * the group's stored periods, then each touched series' newest (with its notices): a
 * period that is its plan's newest gets the announced state last. */
static int judge_group(struct store_txn *t, struct apply *a)
{
	int rc = overdue_resolve(t, a->cat, a->arrivals, a->notices);
	if (rc < 0)
		return rc;
	/* every plan with a target on the series judges its new figures (each only inside
	 * its own window), not just the plan an item named */
	for (size_t i = 0; i < a->n_periods; i++) {
		const struct cat_series *s = a->periods[i].ind->series;
		for (size_t k = 0; k < s->n_targets; k++)
			if ((rc = rules_judge_period(a->rules, t, s->targets[k], &a->periods[i].period,
						     a->notices->now_ms)) < 0)
				return rc;
	}
	for (size_t i = 0; i < a->n_touched; i++) {
		const struct cat_series *s = a->touched[i]->series;
		for (size_t k = 0; k < s->n_targets; k++)
			if ((rc = rules_evaluate(a->rules, t, s->targets[k], a->notices)) < 0)
				return rc;
	}
	return 0;
}

size_t apply_series_judged(const struct apply *a)
{
	return a ? a->n_touched : 0;
}

static int apply_txn(struct store_txn *t, void *arg)
{
	struct apply *a = arg;
	int rc;

	/* store_write may run us again after growing the map: start from scratch. */
	notice_list_clear(a->notices);
	proto_buf_reset(&a->detail);
	qbound_abort(a->qb);
	a->n_touched = 0;
	a->gen++; /* every mark of the attempt before is stale */
	a->n_periods = 0;
	overdue_arrivals_clear(a->arrivals);
	derive_reset(a->derive);
	if ((rc = ids_reset(a)) < 0)
		return rc;
	for (size_t i = 0; i < a->n; i++) {
		struct apply_msg *m = a->msgs[i];
		a->acks[i] = (struct apply_ack){ .dup_of = -1 };
		if (!apply_is_write(m))
			continue;
		proto_buf_reset(&m->reply);
		a->checked_req = NULL;
		m->result = 0;
		m->duplicate = false;
		m->changed = 0;
		m->detail[0] = '\0';
		if (m->decode_rc == 0 && m->req->type == PROTO_UPDATE)
			for (size_t k = 0; k < m->req->n_items; k++)
				m->req->items[k].err = m->req->items[k].decode_err;
		if ((rc = apply_one(t, a, i)) < 0)
			return rc;
	}
	const struct derive_out dout = { derived_stored, derived_warn, a };
	if ((rc = derive_run(a->derive, t, a->notices->now_ms, &dout)) < 0)
		return rc;
	if ((rc = judge_group(t, a)) < 0)
		return rc;
	return finish_acks(t, a);
}

int apply_group(struct apply *a, struct store *s, struct apply_msg *const *msgs, size_t n,
		int64_t now_ms, struct notice_list *out)
{
	int rc = 0;
	a->msgs = msgs;
	a->n = n;
	a->notices = out;
	out->now_ms = now_ms;
	if (n > a->cap_acks) {
		struct apply_ack *acks = realloc(a->acks, n * sizeof(*acks));
		if (!acks)
			rc = PW_ENOMEM;
		else
			a->acks = acks, a->cap_acks = n;
	}
	if (rc == 0)
		rc = store_write(s, apply_txn, a);
	if (rc < 0) {
		qbound_abort(a->qb);
		notice_list_clear(out);
		fail_all(a, rc);
	} else {
		qbound_commit(a->qb);
	}
	a->msgs = NULL;
	a->notices = NULL;
	return rc;
}
