/* daemon/query.c — answers read requests. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../proto/err.h"
#include "../proto/status.h"
#include "log.h"
#include "overdue.h"
#include "query.h"
#include "reply.h"
#include "reporting.h"
#include "validate.h"
#include "verdict.h"

struct qctx {
	struct store_txn *t; /* the snapshot being read (query, history) */
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
	/* since: notices replayed as damaged placeholders, and the first one's seq */
	uint64_t n_damaged, first_damaged;
	/* as_of: the candidate vintage of the period being walked */
	struct store_obs pending;
	bool has_pending;
	/* alerts: the overdue groups (a msgpack array) and what was counted beside them */
	struct proto_buf overdue;
	struct overdue_summary ods;
	/* alerts: the departments' reporting discipline (daemon/reporting.h) */
	struct metrics_dept depts[METRICS_DEPTS_MAX];
	size_t n_depts;
};

/* A derived vintage's sources: {indicator, period, rev} of each component vintage, read
 * by its vid in the same snapshot. */
static int w_sources(struct proto_buf *b, struct store_txn *t, const struct store_obs *o)
{
	proto_w_array(b, o->n_src);
	for (unsigned i = 0; i < o->n_src; i++) {
		char per[PERIOD_TEXT_MAX];
		struct store_obs c;
		struct proto_map m;
		int rc = store_vintage_get(t, o->src[i], &c);
		if (rc < 0)
			return rc == PW_ENOTFOUND ? PW_EDAMAGED : rc; /* a source points nowhere */
		period_format(&c.period, per);
		proto_map_open(&m, b);
		proto_kv_str(&m, "indicator", c.ind);
		proto_kv_str(&m, "period", per);
		proto_kv_uint(&m, "rev", c.rev);
		proto_kv_double(&m, "value", c.value);
		proto_kv_str(&m, "status", status_name(c.status));
		proto_map_close(m);
	}
	return 0;
}

/* The pairs of one plan's verdict on a period: what verdict.h keeps, rule by name. */
static void w_verdict(struct proto_map *m, const struct cat_indicator *x,
		      const struct verdict_rec *v)
{
	proto_kv_str(m, "state", rules_state_name(v->state));
	proto_kv_double(m, "value", v->value);
	proto_kv_double(m, "required", v->required);
	proto_kv_double(m, "gap", v->gap);
	proto_kv_str(m, "gap_unit", v->points ? "pp" : x->unit);
	proto_kv_str(m, "rule", verdict_rule_name(v->rule));
	proto_kv_uint(m, "rev", v->rev);
}

/* "verdicts": one map per plan that judges period p of the series (docs/MODEL.md section
 * 2), its stored verdict or, when it has none (no requirement that year), state none. */
static int w_verdicts(struct proto_map *m, struct qctx *q, const struct period *p)
{
	struct cat_judge j[CAT_REGION_PLANS_MAX];
	size_t n = catalog_judges(q->cat, q->x->series, p, j, CAT_REGION_PLANS_MAX);
	proto_map_key(m, "verdicts");
	proto_w_array(m->b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		struct verdict_rec v;
		struct proto_map e;
		int rc = verdict_get(q->t, j[i].x->plan->id, j[i].x->id, p, &v);
		if (rc < 0 && rc != PW_ENOTFOUND)
			return rc;
		proto_map_open(&e, m->b);
		proto_kv_str(&e, "plan", j[i].x->plan->id);
		if (rc == 0)
			w_verdict(&e, j[i].x, &v);
		else
			proto_kv_str(&e, "state", rules_state_name(RULES_NONE));
		proto_map_close(e);
	}
	return 0;
}

/* One vintage, a query's with the verdicts of its period. The series' unit is what a
 * vintage kept from before the daemon recorded the unit as sent was sent in. */
static int w_obs(struct qctx *q, const struct store_obs *o)
{
	struct proto_buf *b = &q->items;
	char per[PERIOD_TEXT_MAX];
	struct proto_map m;
	int rc = 0;
	period_format(&o->period, per);
	proto_map_open_wide(&m, b);
	proto_kv_str(&m, "period", per);
	proto_kv_double(&m, "value", o->value);
	proto_kv_str(&m, "status", status_name(o->status));
	proto_kv_double(&m, "yoy", o->yoy);
	proto_kv_uint(&m, "rev", o->rev);
	proto_kv_int(&m, "time", o->recv_ms);
	proto_kv_str(&m, "dept", o->dept);
	proto_kv_str(&m, "msgid", o->msgid);
	proto_kv_str(&m, "reason", o->reason[0] ? o->reason : NULL);
	proto_kv_bool(&m, "backfill", o->flags & STORE_OBS_BACKFILL);
	proto_kv_double(&m, "sent_value", o->sent_value);
	proto_kv_str(&m, "sent_unit", o->sent_unit[0] ? o->sent_unit : q->x->unit);
	proto_kv_bool(&m, "confirm", o->flags & STORE_OBS_CONFIRM);
	proto_kv_str(&m, "overridden", o->overrode ? pw_errname(-(int)o->overrode) : NULL);
	proto_kv_bool(&m, "derived", o->flags & STORE_OBS_DERIVED);
	if (o->n_src) {
		proto_map_key(&m, "sources");
		rc = w_sources(b, q->t, o);
	}
	if (rc == 0 && q->r->type == PROTO_QUERY)
		rc = w_verdicts(&m, q, &o->period);
	proto_map_close(m);
	return rc;
}

/* One more item, unless the limit is reached or the items already fill the reply's
 * budget (a rejected message carries up to 1 MiB of raw bytes): then `more`. The first item
 * always goes, so a listing moves on. */
static int take(struct qctx *q)
{
	if (q->n >= q->limit || (q->n && q->items.len >= QUERY_REPLY_BUDGET)) {
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
	int rc = w_obs(q, o);
	return rc < 0 ? rc : q->items.err;
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

	q->t = t;
	if (r->type == PROTO_HISTORY)
		return store_rev_range(t, owner, r->ind, &r->period, &r->period, obs_cb, q);
	if (!r->as_of_ms)
		return store_obs_range(t, owner, r->ind, from, to, obs_cb, q);
	if ((rc = store_rev_range(t, owner, r->ind, from, to, asof_cb, q)) < 0)
		return rc;
	return flush_pending(q);
}

/* The "more" and "items" pairs every listing ends with. */
static void w_items(struct proto_map *m, const struct qctx *q)
{
	proto_kv_bool(m, "more", q->more);
	proto_map_key(m, "items");
	proto_w_array(m->b, q->n);
	proto_w_raw(m->b, q->items.data, q->items.len);
}

static int answer_series(struct store *s, struct qctx *q, struct proto_buf *b)
{
	const struct proto_req *r = q->r;
	const struct cat_indicator *ind;
	struct proto_map m;
	int rc;

	/* By region (a series outlives its plans) or, v1, by a plan of the region. */
	if ((rc = validate_series(q->cat, r->plan, r->region, r->ind, NULL, &ind)) < 0)
		return rc;
	q->x = ind;
	if ((rc = store_read(s, series_txn, q)) < 0)
		return rc;
	const struct cat_region *reg = ind->series->region;
	proto_reply_open(&m, b, PROTO_RESULT, r->id);
	proto_kv_str(&m, "plan", r->plan); /* nil when asked by region */
	proto_kv_str(&m, "region", reg->id);
	proto_kv_str(&m, "alias", reg->alias);
	proto_kv_str(&m, "indicator", r->ind);
	proto_kv_str(&m, "name", ind->name);
	proto_kv_str(&m, "name_en", ind->name_en);
	proto_kv_str(&m, "unit", ind->unit);
	proto_kv_int(&m, "as_of", r->as_of_ms);
	w_items(&m, q);
	proto_map_close(m);
	return 0;
}

static int log_cb(uint64_t seq, const char *topic, const void *body, size_t len, void *arg)
{
	struct qctx *q = arg;
	if (q->r->prefix && strncmp(topic, q->r->prefix, strlen(q->r->prefix)) != 0)
		return 0;
	struct proto_map m;
	if (take(q))
		return 1;
	proto_map_open(&m, &q->items);
	proto_kv_uint(&m, "seq", seq);
	proto_kv_str(&m, "topic", topic);
	proto_map_key(&m, "body");
	int rc = notice_body_write(&q->items, seq, topic, body, len);
	proto_map_close(m);
	if (rc != NOTICE_DAMAGED)
		return rc;
	/* replayed as damaged, logged by query_answer; > 0 would stop the walk */
	if (!q->n_damaged++)
		q->first_damaged = seq;
	return 0;
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
	struct proto_map m;
	if (take(q))
		return 1;
	proto_map_open(&m, &q->items);
	proto_kv_uint(&m, "id", j->id);
	proto_kv_int(&m, "time", j->recv_ms);
	proto_kv_int(&m, "code", -j->code);
	proto_kv_str(&m, "error", pw_errname(j->code));
	proto_kv_str(&m, "message", pw_strerror(j->code));
	proto_kv_str(&m, "dept", j->dept);
	proto_kv_str(&m, "peer", j->peer);
	proto_kv_str(&m, "detail", j->detail);
	proto_map_key(&m, "raw");
	proto_w_bin(&q->items, j->raw, j->raw_len);
	proto_map_close(m);
	return q->items.err;
}

static int rejected_txn(struct store_txn *t, void *arg)
{
	struct qctx *q = arg;
	return store_quarantine_list(t, q->r->seq, reject_cb, q);
}

static void kv_opt_double(struct proto_map *m, const char *key, bool has, double v)
{
	if (has)
		proto_kv_double(m, key, v);
	else
		proto_kv_str(m, key, NULL);
}

static void kv_opt_int(struct proto_map *m, const char *key, bool has, int64_t v)
{
	if (has)
		proto_kv_int(m, key, v);
	else
		proto_kv_str(m, key, NULL);
}

#define CITY_YEARS_MAX 32 /* the every-year target and the years of a plan's window */

struct city_set {
	struct city_year {
		unsigned year;
		double value;
		uint32_t rev;
	} y[CITY_YEARS_MAX];
	size_t n;
};

/* Adds year's number of x to cs if one is set for that year itself. */
static int city_year(struct store_txn *t, const struct cat_indicator *x, unsigned year,
		     struct city_set *cs)
{
	double v;
	uint32_t rev;
	int rc = rules_target_get(t, x->plan->id, x->id, year, &v, &rev);
	/* a year without its own revision gets the every-year number with rev 0 */
	if (rc == PW_ENOTFOUND || (rc == 0 && rev == 0) || cs->n == CITY_YEARS_MAX)
		return rc == PW_ENOTFOUND ? 0 : rc;
	if (rc == 0)
		cs->y[cs->n++] = (struct city_year){ year, v, rev };
	return rc;
}

/* The city's numbers set for x (kind city): the every-year one (year 0) and each year's
 * newest revision, in year order, as an array of {year, value, rev}. */
static int city_targets(struct store_txn *t, const struct cat_indicator *x,
			struct proto_buf *b)
{
	struct city_set cs = { .n = 0 };
	int rc = city_year(t, x, 0, &cs);
	for (int y = x->plan->start_year; rc == 0 && y <= x->plan->target_year; y++)
		rc = city_year(t, x, (unsigned)y, &cs);
	if (rc < 0)
		return rc;
	proto_w_array(b, (uint32_t)cs.n);
	for (size_t i = 0; i < cs.n; i++) {
		struct proto_map a;
		proto_map_open(&a, b);
		proto_kv_uint(&a, "year", cs.y[i].year);
		proto_kv_double(&a, "value", cs.y[i].value);
		proto_kv_uint(&a, "rev", cs.y[i].rev);
		proto_map_close(a);
	}
	return 0;
}

/* One catalog item: a plan's target, or (x->plan NULL) a series no plan targets, by its
 * own record: then every key of a requirement is nil. */
static int w_indicator(struct proto_buf *b, struct store_txn *t, const struct cat_indicator *x)
{
	const struct cat_plan *p = x->plan;
	int rc = 0;
	char src[300];
	struct proto_map m;
	proto_map_open_wide(&m, b);
	proto_kv_str(&m, "plan", p ? p->id : NULL);
	proto_kv_str(&m, "region", x->series->region->alias);
	proto_kv_str(&m, "indicator", x->id);
	proto_kv_str(&m, "name", x->name);
	proto_kv_str(&m, "name_en", x->name_en);
	proto_kv_str(&m, "category", x->category);
	proto_kv_str(&m, "unit", x->unit);
	proto_kv_str(&m, "attribute", p ? cat_attr_name(x->attribute) : NULL);
	proto_kv_str(&m, "kind", p ? cat_kind_name(x->kind) : NULL);
	proto_kv_str(&m, "direction", !p ? NULL : x->direction > 0 ? "up" : "down");
	proto_kv_str(&m, "frequency", period_freq_name(x->freq));
	proto_kv_str(&m, "form", x->form == CAT_FORM_YTD ? "ytd" : "level");
	kv_opt_int(&m, "baseline_year", p != NULL, x->base_year);
	kv_opt_double(&m, "baseline", x->has_base, x->base);
	kv_opt_int(&m, "target_year", p != NULL, x->target_year);
	kv_opt_double(&m, "target", x->has_target, x->target);
	kv_opt_double(&m, "growth", x->has_growth, x->growth);
	proto_map_key(&m, "departments");
	proto_w_array(b, (uint32_t)x->n_depts);
	for (size_t i = 0; i < x->n_depts; i++)
		proto_w_str(b, x->depts[i]);
	proto_kv_int(&m, "due_days", x->due_days);
	proto_kv_bool(&m, "prose", x->prose);
	if (x->source_file)
		snprintf(src, sizeof(src), "%s:%d", x->source_file, x->source_line);
	proto_kv_str(&m, "source", x->source_file ? src : NULL);
	proto_kv_str(&m, "plan_name", p ? p->name : NULL);
	proto_kv_str(&m, "plan_name_en", p ? p->name_en : NULL);
	proto_kv_str(&m, "plan_status", p ? cat_status_name(p->status) : NULL);
	proto_map_key(&m, "plan_window"); /* [start_year, end_year], as in verdict notices */
	if (p) {
		proto_w_array(b, 2);
		proto_w_int(b, p->start_year);
		proto_w_int(b, p->target_year);
	} else {
		proto_w_nil(b); /* a series no plan targets */
	}
	proto_kv_str(&m, "formula", x->series->formula ? x->series->formula->text : NULL);
	proto_map_key(&m, "annual_targets");
	proto_w_array(b, (uint32_t)x->n_annual);
	for (size_t i = 0; i < x->n_annual; i++) {
		struct proto_map a;
		proto_map_open(&a, b);
		proto_kv_int(&a, "year", x->annual[i].year);
		kv_opt_double(&a, "growth", x->annual[i].has_growth, x->annual[i].growth);
		kv_opt_double(&a, "value", x->annual[i].has_value, x->annual[i].value);
		proto_map_close(a);
	}
	proto_kv_str(&m, "definition_change", x->def_change);
	proto_kv_int(&m, "definition_change_year", x->def_change_year);
	if (p && x->kind == CAT_CITY) {
		proto_map_key(&m, "city_targets");
		rc = city_targets(t, x, b);
	}
	proto_map_close(m);
	return rc;
}

/* The catalog, with each city target's numbers from the store (one snapshot): every plan's
 * targets, then (unless a plan is asked for) the series no plan targets — a department's
 * statistics are reportable whether or not a plan judges them. */
static int catalog_txn(struct store_txn *t, void *arg)
{
	struct qctx *q = arg;
	/* checked by answer_catalog: a region asked for is one of the catalog's */
	const struct cat_region *reg = q->r->region ? catalog_region(q->cat, q->r->region) : NULL;
	int rc;
	for (size_t i = 0; i < catalog_n_plans(q->cat); i++) {
		const struct cat_plan *p = catalog_plan_at(q->cat, i);
		if ((q->r->plan && strcmp(q->r->plan, p->id) != 0) || (reg && p->region != reg))
			continue;
		for (size_t j = 0; j < p->n_inds; j++) {
			if ((rc = w_indicator(&q->items, t, &p->inds[j])) < 0)
				return rc;
			q->n++;
		}
	}
	for (size_t i = 0; !q->r->plan && i < catalog_n_regions(q->cat); i++) {
		const struct cat_region *r = catalog_region_at(q->cat, i);
		for (size_t j = 0; (!reg || r == reg) && j < r->n_series; j++) {
			if (catalog_series_target(q->cat, &r->series[j]))
				continue;
			if ((rc = w_indicator(&q->items, t, r->series[j].self)) < 0)
				return rc;
			q->n++;
		}
	}
	return 0;
}

static void w_source(struct proto_buf *b, const struct cat_file *f)
{
	struct proto_map m;
	proto_map_open(&m, b);
	proto_kv_str(&m, "name", f->name);
	proto_map_key(&m, "text");
	proto_w_bin(b, f->text, f->len);
	proto_map_close(m);
}

/* `sources`: the text of each catalog file the reply's regions were loaded from, the
 * region's file then its plans' (every plan of the region, whichever was asked for), so
 * that a client builds the daemon's catalog with the daemon's parser (catalog_load_mem). */
static void w_sources_of(struct proto_map *m, const struct qctx *q)
{
	const struct catalog *c = q->cat;
	const struct cat_region *only = q->r->plan ? catalog_plan(c, q->r->plan)->region
				      : q->r->region ? catalog_region(c, q->r->region) : NULL;
	uint32_t n = 0;
	for (size_t i = 0; i < catalog_n_regions(c); i++)
		if (!only || catalog_region_at(c, i) == only)
			n++;
	for (size_t i = 0; i < catalog_n_plans(c); i++)
		if (!only || catalog_plan_at(c, i)->region == only)
			n++;
	proto_map_key(m, "sources");
	proto_w_array(m->b, n);
	for (size_t i = 0; i < catalog_n_regions(c); i++)
		if (!only || catalog_region_at(c, i) == only)
			w_source(m->b, catalog_region_at(c, i)->src);
	for (size_t i = 0; i < catalog_n_plans(c); i++)
		if (!only || catalog_plan_at(c, i)->region == only)
			w_source(m->b, catalog_plan_at(c, i)->src);
}

static void w_catalog_reply(struct proto_buf *b, struct qctx *q)
{
	struct proto_map m;
	proto_reply_open(&m, b, PROTO_RESULT, q->r->id);
	w_items(&m, q);
	if (q->r->sources)
		w_sources_of(&m, q);
	proto_map_close(m);
}

static int answer_catalog(struct store *s, struct qctx *q)
{
	if (q->r->region && !catalog_region(q->cat, q->r->region))
		return PW_EREGION;
	if (q->r->plan && !catalog_plan(q->cat, q->r->plan))
		return PW_EPLAN;
	return store_read(s, catalog_txn, q);
}

static void answer_status(struct store *s, const struct qctx *q, struct proto_buf *b)
{
	const struct query_stats *st = q->st;
	struct store_stat ss = { 0 };
	struct proto_map m;
	store_stat(s, &ss);
	proto_reply_open(&m, b, PROTO_RESULT, q->r->id);
	proto_kv_str(&m, "version", st->version);
	proto_kv_str(&m, "issuer", st->issuer && st->issuer[0] ? st->issuer : NULL);
	proto_kv_int(&m, "uptime_s", (st->now_ms - st->started_ms) / 1000);
	proto_kv_int(&m, "now", st->now_ms);
	proto_kv_uint(&m, "accepted", st->accepted);
	proto_kv_uint(&m, "rejected", st->rejected);
	proto_kv_uint(&m, "refused", st->refused);
	proto_kv_uint(&m, "duplicates", st->duplicates);
	proto_kv_uint(&m, "items", st->items);
	proto_kv_uint(&m, "groups", st->groups);
	proto_kv_uint(&m, "notices", st->notices);
	proto_kv_uint(&m, "subscriptions", st->subscriptions);
	proto_kv_uint(&m, "connections_max", st->connections_max);
	proto_kv_uint(&m, "connections_refused", st->connections_refused);
	proto_kv_uint(&m, "last_commit", st->last_commit_ms);
	proto_kv_uint(&m, "last_seq", ss.last_seq);
	proto_kv_uint(&m, "log_v2_from", st->log_v2_from);
	proto_kv_uint(&m, "log_v3_from", st->log_v3_from);
	proto_kv_uint(&m, "observations", ss.n_obs);
	proto_kv_uint(&m, "revisions", ss.n_rev);
	proto_kv_uint(&m, "quarantined", ss.n_quar);
	proto_kv_uint(&m, "quarantine_bytes", st->quarantine_bytes);
	proto_kv_uint(&m, "quarantine_dropped", st->quarantine_dropped);
	proto_kv_uint(&m, "map_size", ss.map_size);
	proto_kv_uint(&m, "map_used", ss.map_used);
	proto_kv_uint(&m, "map_full_reruns", ss.map_full_reruns);
	proto_map_close(m);
}

static void w_items_reply(struct proto_buf *b, struct qctx *q, bool with_last)
{
	struct proto_map m;
	proto_reply_open(&m, b, PROTO_RESULT, q->r->id);
	if (with_last)
		proto_kv_uint(&m, "last_seq", q->last);
	w_items(&m, q);
	proto_map_close(m);
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

/* alerts' region and plan, each optional: known, and the plan of that region. */
static int check_alerts_owner(const struct catalog *c, const struct proto_req *r)
{
	const struct cat_region *reg = r->region ? catalog_region(c, r->region) : NULL;
	const struct cat_plan *p = r->plan ? catalog_plan(c, r->plan) : NULL;
	if (r->region && !reg)
		return PW_EREGION;
	if (r->plan && !p)
		return PW_EPLAN;
	return reg && p && p->region != reg ? PW_EFIELD : 0;
}

/* Each department's reporting discipline, as the Prometheus gauges count it: figures due in
 * the last REPORTING_WINDOW_DAYS, on time, late, the on-time rate (nil when none was due),
 * and what it owes now with the oldest due date (nil when nothing). */
static void w_reporting(struct proto_map *m, const struct qctx *q)
{
	proto_map_key(m, "reporting");
	proto_w_array(m->b, (uint32_t)q->n_depts);
	for (size_t i = 0; i < q->n_depts; i++) {
		const struct metrics_dept *d = &q->depts[i];
		struct proto_map e;
		proto_map_open(&e, m->b);
		proto_kv_str(&e, "dept", d->name);
		proto_kv_uint(&e, "expected", d->expected);
		proto_kv_uint(&e, "on_time", d->on_time);
		proto_kv_uint(&e, "late", d->late);
		kv_opt_double(&e, "on_time_rate", d->expected > 0,
			      d->expected ? (double)d->on_time / (double)d->expected * 100 : 0);
		proto_kv_uint(&e, "missing", d->missing);
		if (d->missing)
			proto_kv_int(&e, "oldest_missing_due", d->oldest_due_ms);
		else
			proto_kv_str(&e, "oldest_missing_due", NULL);
		proto_map_close(e);
	}
}

/* The alerts list, no_plan_in_force (the year) when no loaded plan judges this year, and
 * the departments' reporting discipline. */
static void w_alerts_reply(struct proto_buf *b, struct qctx *q)
{
	int year = year_without_plan(q->cat, q->st->now_ms);
	struct proto_map m;
	proto_reply_open(&m, b, PROTO_RESULT, q->r->id);
	if (year)
		proto_kv_uint(&m, "no_plan_in_force", (uint64_t)year);
	proto_kv_uint(&m, "reporting_window_days", REPORTING_WINDOW_DAYS);
	w_reporting(&m, q);
	w_items(&m, q);
	proto_map_key(&m, "overdue");
	proto_w_raw(b, q->overdue.data, q->overdue.len);
	proto_kv_uint(&m, "unannounced", q->ods.unannounced);
	proto_kv_int(&m, "overdue_since", q->ods.since_ms);
	proto_map_close(m);
}

/* Verdicts (as of r->period when given), then the overdue figures (daemon/overdue.h), of
 * the region, plan and department asked for (each optional); and every department's
 * reporting discipline. */
static int alerts_txn(struct store_txn *t, void *arg)
{
	struct qctx *q = arg;
	const struct proto_req *r = q->r;
	const struct cat_region *reg = r->region ? catalog_region(q->cat, r->region) : NULL;
	struct rules_alert_filter vf = { .region = reg, .plan = r->plan, .dept = r->dept,
					 .cut = r->has_period ? &r->period : NULL };
	struct overdue_filter f = { .region = reg ? reg->id : NULL, .plan = r->plan,
				    .dept = r->dept, .all = r->all };
	int rc = rules_alerts_encode(t, q->cat, &vf, &q->items);
	if (rc < 0)
		return rc;
	q->n = (uint32_t)rc;
	proto_buf_reset(&q->overdue);
	if ((rc = overdue_encode(q->rules, t, q->cat, &f, q->st->now_ms, &q->overdue, &q->ods)) < 0)
		return rc;
	return reporting_count(t, q->cat, q->st->now_ms, q->depts, METRICS_DEPTS_MAX, &q->n_depts);
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
	proto_buf_init(&q.overdue);
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
		if ((rc = answer_catalog(s, &q)) == 0)
			w_catalog_reply(b, &q);
		break;
	case PROTO_ALERTS:
		if ((rc = check_alerts_owner(cat, r)) == 0 && (rc = store_read(s, alerts_txn, &q)) == 0)
			w_alerts_reply(b, &q);
		break;
	case PROTO_STATUS:
		answer_status(s, &q, b);
		break;
	default:
		rc = PW_ETYPE;
	}
	if (!rc && (b->err || q.items.err || q.overdue.err))
		rc = b->err ? b->err : q.items.err ? q.items.err : q.overdue.err;
	if (rc == PW_EDAMAGED) /* not transient: the operator must act (no retry in the NACK) */
		log_err("%s '%s': a record in the store is damaged; run planwatchd --verify and "
			"restore the store from a backup", proto_type_name(r->type), r->id);
	if (q.n_damaged) /* answered, placeholders in their places: the operator must still act */
		log_err("since '%s': %llu notices replayed as damaged (the first seq %llu): their "
			"log records cannot be read; run planwatchd --verify and restore the store "
			"from a backup", r->id, (unsigned long long)q.n_damaged,
			(unsigned long long)q.first_damaged);
	if (rc < 0)
		reply_nack(b, NULL, r->id, rc, reply_retryable(rc), 0, NULL);
	proto_buf_release(&q.items);
	proto_buf_release(&q.overdue);
	return rc;
}
