/* daemon/query.c — answers read requests. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../proto/err.h"
#include "../proto/status.h"
#include "query.h"

struct qctx {
	const struct catalog *cat;
	const struct rules_cfg *rules;
	const struct query_stats *st;
	const struct proto_req *r;
	const struct cat_indicator *x; /* the series asked about (query, history) */
	struct proto_buf items; /* encoded elements of the "items" array */
	uint32_t n;
	uint32_t limit;
	bool more;
	uint64_t last;
	/* as_of: the candidate vintage of the period being walked */
	struct store_obs pending;
	bool has_pending;
};

void query_nack(struct proto_buf *b, const char *id, int code)
{
	proto_buf_reset(b);
	proto_w_reply(b, PROTO_NACK, id, 4);
	proto_w_str(b, "code");
	proto_w_int(b, -code);
	proto_w_str(b, "error");
	proto_w_str(b, pw_errname(code));
	proto_w_str(b, "message");
	proto_w_str(b, pw_strerror(code));
	proto_w_str(b, "retry");
	proto_w_bool(b, code == PW_ESTORE || code == PW_ENOMEM);
}

static void w_obs(struct proto_buf *b, const struct store_obs *o)
{
	char per[PERIOD_TEXT_MAX];
	period_format(&o->period, per);
	proto_w_map(b, 10);
	proto_w_str(b, "period");
	proto_w_str(b, per);
	proto_w_str(b, "value");
	proto_w_double(b, o->value);
	proto_w_str(b, "status");
	proto_w_str(b, status_name(o->status));
	proto_w_str(b, "yoy");
	proto_w_double(b, o->yoy);
	proto_w_str(b, "rev");
	proto_w_uint(b, o->rev);
	proto_w_str(b, "time");
	proto_w_int(b, o->recv_ms);
	proto_w_str(b, "dept");
	proto_w_str(b, o->dept);
	proto_w_str(b, "msgid");
	proto_w_str(b, o->msgid);
	proto_w_str(b, "reason");
	proto_w_str(b, o->reason[0] ? o->reason : NULL);
	proto_w_str(b, "backfill");
	proto_w_bool(b, o->flags & STORE_OBS_BACKFILL);
}

static int take(struct qctx *q)
{
	if (q->n >= q->limit) {
		q->more = true;
		return 1;
	}
	q->n++;
	return 0;
}

static int obs_cb(const struct store_obs *o, void *arg)
{
	struct qctx *q = arg;
	if (take(q))
		return 1;
	w_obs(&q->items, o);
	return q->items.err;
}

/* Vintages arrive ordered by period then rev: keep the newest one known at as_of. */
static int flush_pending(struct qctx *q)
{
	if (!q->has_pending)
		return 0;
	q->has_pending = false;
	return obs_cb(&q->pending, q);
}

static int asof_cb(const struct store_obs *o, void *arg)
{
	struct qctx *q = arg;
	int rc;
	if (q->has_pending && period_cmp(&q->pending.period, &o->period) != 0 &&
	    (rc = flush_pending(q)) != 0)
		return rc;
	if (o->recv_ms <= q->r->as_of_ms) {
		q->pending = *o;
		q->has_pending = true;
	}
	return 0;
}

static int series_txn(struct store_txn *t, void *arg)
{
	struct qctx *q = arg;
	const struct proto_req *r = q->r;
	const struct period *from = r->has_from ? &r->from : NULL;
	const struct period *to = r->has_to ? &r->to : NULL;
	int rc;

	const char *owner = cat_owner(q->x); /* a plan's series are its region's */

	if (r->type == PROTO_HISTORY)
		return store_rev_range(t, owner, r->ind, &r->period, &r->period, obs_cb, q);
	if (!r->as_of_ms)
		return store_obs_range(t, owner, r->ind, from, to, obs_cb, q);
	if ((rc = store_rev_range(t, owner, r->ind, from, to, asof_cb, q)) < 0)
		return rc;
	return flush_pending(q);
}

static int answer_series(struct store *s, struct qctx *q, struct proto_buf *b)
{
	const struct proto_req *r = q->r;
	const struct cat_indicator *ind;
	int rc;

	if (!catalog_plan(q->cat, r->plan))
		return PW_EPLAN;
	if (!(ind = catalog_find(q->cat, r->plan, r->ind)))
		return PW_EINDICATOR;
	q->x = ind;
	if ((rc = store_read(s, series_txn, q)) < 0)
		return rc;
	proto_w_reply(b, PROTO_RESULT, r->id, 8);
	proto_w_str(b, "plan");
	proto_w_str(b, r->plan);
	proto_w_str(b, "indicator");
	proto_w_str(b, r->ind);
	proto_w_str(b, "name");
	proto_w_str(b, ind->name);
	proto_w_str(b, "name_en");
	proto_w_str(b, ind->name_en);
	proto_w_str(b, "unit");
	proto_w_str(b, ind->unit);
	proto_w_str(b, "as_of");
	proto_w_int(b, r->as_of_ms);
	proto_w_str(b, "more");
	proto_w_bool(b, q->more);
	proto_w_str(b, "items");
	proto_w_array(b, q->n);
	proto_w_raw(b, q->items.data, q->items.len);
	return 0;
}

static int log_cb(uint64_t seq, const char *topic, const void *body, size_t len, void *arg)
{
	struct qctx *q = arg;
	if (q->r->prefix && strncmp(topic, q->r->prefix, strlen(q->r->prefix)) != 0)
		return 0;
	if (take(q))
		return 1;
	proto_w_map(&q->items, 3);
	proto_w_str(&q->items, "seq");
	proto_w_uint(&q->items, seq);
	proto_w_str(&q->items, "topic");
	proto_w_str(&q->items, topic);
	proto_w_str(&q->items, "body");
	int rc = notice_body_write(&q->items, seq, topic, body, len);
	return rc == NOTICE_DAMAGED ? 0 : rc; /* replayed as damaged; > 0 would stop the walk */
}

static int since_txn(struct store_txn *t, void *arg)
{
	struct qctx *q = arg;
	int rc = store_log_last(t, &q->last);
	return rc < 0 ? rc : store_log_since(t, q->r->seq, log_cb, q);
}

static int reject_cb(const struct store_reject *j, void *arg)
{
	struct qctx *q = arg;
	const struct proto_req *r = q->r;
	if (r->dept && strcmp(r->dept, j->dept) != 0)
		return 0;
	if (r->time_ms && j->recv_ms < r->time_ms)
		return 0;
	if (take(q))
		return 1;
	proto_w_map(&q->items, 9);
	proto_w_str(&q->items, "id");
	proto_w_uint(&q->items, j->id);
	proto_w_str(&q->items, "time");
	proto_w_int(&q->items, j->recv_ms);
	proto_w_str(&q->items, "code");
	proto_w_int(&q->items, -j->code);
	proto_w_str(&q->items, "error");
	proto_w_str(&q->items, pw_errname(j->code));
	proto_w_str(&q->items, "message");
	proto_w_str(&q->items, pw_strerror(j->code));
	proto_w_str(&q->items, "dept");
	proto_w_str(&q->items, j->dept);
	proto_w_str(&q->items, "peer");
	proto_w_str(&q->items, j->peer);
	proto_w_str(&q->items, "detail");
	proto_w_str(&q->items, j->detail);
	proto_w_str(&q->items, "raw");
	proto_w_bin(&q->items, j->raw, j->raw_len);
	return q->items.err;
}

static int rejected_txn(struct store_txn *t, void *arg)
{
	struct qctx *q = arg;
	return store_quarantine_list(t, q->r->seq, reject_cb, q);
}

static void w_opt_double(struct proto_buf *b, bool has, double v)
{
	if (has)
		proto_w_double(b, v);
	else
		proto_w_nil(b);
}

static void w_indicator(struct proto_buf *b, const struct cat_indicator *x)
{
	char src[300];
	proto_w_map(b, 22);
	proto_w_str(b, "plan");
	proto_w_str(b, x->plan->id);
	proto_w_str(b, "indicator");
	proto_w_str(b, x->id);
	proto_w_str(b, "name");
	proto_w_str(b, x->name);
	proto_w_str(b, "name_en");
	proto_w_str(b, x->name_en);
	proto_w_str(b, "category");
	proto_w_str(b, x->category);
	proto_w_str(b, "unit");
	proto_w_str(b, x->unit);
	proto_w_str(b, "attribute");
	proto_w_str(b, cat_attr_name(x->attribute));
	proto_w_str(b, "kind");
	proto_w_str(b, cat_kind_name(x->kind));
	proto_w_str(b, "direction");
	proto_w_str(b, x->direction > 0 ? "up" : "down");
	proto_w_str(b, "frequency");
	proto_w_str(b, period_freq_name(x->freq));
	proto_w_str(b, "form");
	proto_w_str(b, x->form == CAT_FORM_YTD ? "ytd" : "level");
	proto_w_str(b, "baseline_year");
	proto_w_int(b, x->base_year);
	proto_w_str(b, "baseline");
	w_opt_double(b, x->has_base, x->base);
	proto_w_str(b, "target_year");
	proto_w_int(b, x->target_year);
	proto_w_str(b, "target");
	w_opt_double(b, x->has_target, x->target);
	proto_w_str(b, "growth");
	w_opt_double(b, x->has_growth, x->growth);
	proto_w_str(b, "departments");
	proto_w_array(b, (uint32_t)x->n_depts);
	for (size_t i = 0; i < x->n_depts; i++)
		proto_w_str(b, x->depts[i]);
	proto_w_str(b, "due_days");
	proto_w_int(b, x->due_days);
	proto_w_str(b, "prose");
	proto_w_bool(b, x->prose);
	proto_w_str(b, "source");
	snprintf(src, sizeof(src), "%s:%d", x->source_file, x->source_line);
	proto_w_str(b, src);
	proto_w_str(b, "plan_name");
	proto_w_str(b, x->plan->name);
	proto_w_str(b, "annual_targets");
	proto_w_array(b, (uint32_t)x->n_annual);
	for (size_t i = 0; i < x->n_annual; i++) {
		proto_w_map(b, 3);
		proto_w_str(b, "year");
		proto_w_int(b, x->annual[i].year);
		proto_w_str(b, "growth");
		w_opt_double(b, x->annual[i].has_growth, x->annual[i].growth);
		proto_w_str(b, "value");
		w_opt_double(b, x->annual[i].has_value, x->annual[i].value);
	}
}

static int answer_catalog(struct qctx *q)
{
	for (size_t i = 0; i < catalog_n_plans(q->cat); i++) {
		const struct cat_plan *p = catalog_plan_at(q->cat, i);
		if (q->r->plan && strcmp(q->r->plan, p->id) != 0)
			continue;
		for (size_t j = 0; j < p->n_inds; j++) {
			w_indicator(&q->items, &p->inds[j]);
			q->n++;
		}
	}
	if (q->r->plan && !catalog_plan(q->cat, q->r->plan))
		return PW_EPLAN;
	return 0;
}

static void answer_status(struct store *s, const struct qctx *q, struct proto_buf *b)
{
	const struct query_stats *st = q->st;
	struct store_stat ss = { 0 };
	store_stat(s, &ss);
	proto_w_reply(b, PROTO_RESULT, q->r->id, 17);
	proto_w_str(b, "version");
	proto_w_str(b, st->version);
	proto_w_str(b, "uptime_s");
	proto_w_int(b, (st->now_ms - st->started_ms) / 1000);
	proto_w_str(b, "now");
	proto_w_int(b, st->now_ms);
	proto_w_str(b, "accepted");
	proto_w_uint(b, st->accepted);
	proto_w_str(b, "rejected");
	proto_w_uint(b, st->rejected);
	proto_w_str(b, "duplicates");
	proto_w_uint(b, st->duplicates);
	proto_w_str(b, "items");
	proto_w_uint(b, st->items);
	proto_w_str(b, "groups");
	proto_w_uint(b, st->groups);
	proto_w_str(b, "notices");
	proto_w_uint(b, st->notices);
	proto_w_str(b, "subscriptions");
	proto_w_uint(b, st->subscriptions);
	proto_w_str(b, "last_commit");
	proto_w_uint(b, st->last_commit_ms);
	proto_w_str(b, "last_seq");
	proto_w_uint(b, ss.last_seq);
	proto_w_str(b, "observations");
	proto_w_uint(b, ss.n_obs);
	proto_w_str(b, "revisions");
	proto_w_uint(b, ss.n_rev);
	proto_w_str(b, "quarantined");
	proto_w_uint(b, ss.n_quar);
	proto_w_str(b, "map_size");
	proto_w_uint(b, ss.map_size);
	proto_w_str(b, "map_used");
	proto_w_uint(b, ss.map_used);
}

static void w_items_reply(struct proto_buf *b, struct qctx *q, bool with_last)
{
	proto_w_reply(b, PROTO_RESULT, q->r->id, with_last ? 3 : 2);
	if (with_last) {
		proto_w_str(b, "last_seq");
		proto_w_uint(b, q->last);
	}
	proto_w_str(b, "more");
	proto_w_bool(b, q->more);
	proto_w_str(b, "items");
	proto_w_array(b, q->n);
	proto_w_raw(b, q->items.data, q->items.len);
}


/* The current year when no plan that judges (status not draft) has it in its window: every
 * figure of that year is stored and judged by none. 0 when some plan is in force. */
static int year_without_plan(const struct catalog *c, int64_t now_ms)
{
	time_t secs = (time_t)(now_ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	int year = tm.tm_year + 1900;
	for (size_t i = 0; i < catalog_n_plans(c); i++) {
		const struct cat_plan *p = catalog_plan_at(c, i);
		if (p->status != CAT_DRAFT && cat_in_window(p, year))
			return 0;
	}
	return year;
}

/* The alerts list, and no_plan_in_force (the year) when no loaded plan judges this year. */
static void w_alerts_reply(struct proto_buf *b, struct qctx *q)
{
	int year = year_without_plan(q->cat, q->st->now_ms);
	proto_w_reply(b, PROTO_RESULT, q->r->id, year ? 3 : 2);
	if (year) {
		proto_w_str(b, "no_plan_in_force");
		proto_w_uint(b, (uint64_t)year);
	}
	proto_w_str(b, "more");
	proto_w_bool(b, q->more);
	proto_w_str(b, "items");
	proto_w_array(b, q->n);
	proto_w_raw(b, q->items.data, q->items.len);
}

static int alerts_txn(struct store_txn *t, void *arg)
{
	struct qctx *q = arg;
	int rc = rules_alerts_encode(q->rules, t, q->cat, q->r->plan, &q->items);
	if (rc < 0)
		return rc;
	q->n = (uint32_t)rc;
	return 0;
}

int query_answer(struct store *s, const struct catalog *cat, const struct rules_cfg *rules,
		 const struct query_stats *st, const struct proto_req *r, struct proto_buf *b)
{
	struct qctx q = { .cat = cat, .rules = rules, .st = st, .r = r };
	int rc = 0;

	q.limit = r->limit ? r->limit : QUERY_LIMIT_DEFAULT;
	if (q.limit > QUERY_LIMIT_MAX)
		q.limit = QUERY_LIMIT_MAX;
	proto_buf_init(&q.items);
	proto_buf_reset(b);
	switch (r->type) {
	case PROTO_QUERY:
	case PROTO_HISTORY:
		rc = answer_series(s, &q, b);
		break;
	case PROTO_SINCE:
		if ((rc = store_read(s, since_txn, &q)) == 0)
			w_items_reply(b, &q, true);
		break;
	case PROTO_REJECTED:
		if ((rc = store_read(s, rejected_txn, &q)) == 0)
			w_items_reply(b, &q, false);
		break;
	case PROTO_CATALOG:
		if ((rc = answer_catalog(&q)) == 0)
			w_items_reply(b, &q, false);
		break;
	case PROTO_ALERTS:
		if (r->plan && !catalog_plan(cat, r->plan))
			rc = PW_EPLAN;
		else if ((rc = store_read(s, alerts_txn, &q)) == 0)
			w_alerts_reply(b, &q);
		break;
	case PROTO_STATUS:
		answer_status(s, &q, b);
		break;
	default:
		rc = PW_ETYPE;
	}
	if (!rc && (b->err || q.items.err))
		rc = b->err ? b->err : q.items.err;
	if (rc < 0)
		query_nack(b, r->id, rc);
	proto_buf_release(&q.items);
	return rc;
}
