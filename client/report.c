/* client/report.c — the progress report of one plan (contract: report.h): loaded from raw
 * protocol requests (catalog, status, alerts and one query per indicator), each indicator
 * judged for the report period, then written by report_csv.c, report_json.c or
 * report_html.c. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../proto/err.h"
#include "../proto/period.h"
#include "../proto/proto.h"
#include "../proto/status.h"
#include "planwatch.h"
#include "report.h"
#include "report_int.h"

int rep_fail(struct rep *r, int rc, const char *fmt, ...)
{
	va_list ap;
	if (r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err, r->errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* ---- requests ---- */

int rep_call(struct rep *r, struct proto_req *q, struct proto_view **out)
{
	struct proto_buf b;
	void *reply;
	size_t len;
	char type[16] = "", name[64] = "", msg[256] = "";
	int64_t code = 0;
	int rc;

	snprintf(q->id, sizeof(q->id), "%s-%u", r->idbase, ++r->n_req);
	proto_buf_init(&b);
	rc = proto_req_encode(q, &b);
	if (rc == 0)
		rc = pw_call(r->c, b.data, b.len, q->id, &reply, &len);
	proto_buf_release(&b);
	if (rc < 0)
		return rep_fail(r, rc, "%s request failed: %s", proto_type_name(q->type),
				pw_strerror(rc));
	rc = proto_view_new(out, reply, len);
	free(reply);
	if (rc < 0)
		return rep_fail(r, rc, "bad reply to %s: %s", proto_type_name(q->type),
				pw_strerror(rc));
	proto_view_str(*out, -1, "type", type, sizeof(type));
	if (strcmp(type, "result") == 0)
		return 0;
	if (strcmp(type, "nack") == 0) {
		proto_view_int(*out, -1, "code", &code);
		proto_view_str(*out, -1, "error", name, sizeof(name));
		proto_view_str(*out, -1, "message", msg, sizeof(msg));
		rc = code > 0 && code < -PW__LAST ? (int)-code : PW_EPROTO;
		rep_fail(r, rc, "%s refused: %s: %s", proto_type_name(q->type), name, msg);
	} else {
		rc = rep_fail(r, PW_EPROTO, "unexpected reply '%s' to %s", type,
			      proto_type_name(q->type));
	}
	proto_view_free(*out);
	*out = NULL;
	return rc;
}

void rep_view_text(const struct proto_view *v, int item, const char *key, char *buf,
		   size_t cap)
{
	if (proto_view_str(v, item, key, buf, cap) < 0) {
		buf[0] = '\0';
		return;
	}
	size_t n = strlen(buf);
	if (n + 1 < cap)
		return;
	size_t k = n;
	while (k > 0 && ((unsigned char)buf[k - 1] & 0xc0) == 0x80)
		k--;
	if (k > 0 && ((unsigned char)buf[k - 1] & 0x80)) {
		unsigned char lead = (unsigned char)buf[k - 1];
		size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
		if (n - (k - 1) < need)
			buf[k - 1] = '\0';
	}
}

double rep_view_num(const struct proto_view *v, int item, const char *key)
{
	double x;
	return proto_view_double(v, item, key, &x) == 0 && isfinite(x) ? x : NAN;
}

size_t rep_view_years(const struct proto_view *v, int i, bool city, struct rep_year_target *out,
		      size_t max)
{
	struct proto_view *sub = NULL;
	size_t n = 0;

	if (proto_view_sub(v, i, city ? "city_targets" : "annual_targets", &sub) < 0)
		sub = NULL;
	for (size_t k = 0; sub && k < proto_view_count(sub) && n < max; k++) {
		int64_t y, rev;
		if (proto_view_int(sub, (int)k, "year", &y) < 0 || y < 0 || y > PERIOD_YEAR_MAX)
			continue;
		out[n] = (struct rep_year_target){ .year = (int)y,
						   .value = rep_view_num(sub, (int)k, "value"),
						   .growth = rep_view_num(sub, (int)k, "growth") };
		out[n].rev = proto_view_int(sub, (int)k, "rev", &rev) == 0 && rev > 0 ? (unsigned)rev
										       : 0;
		if (!isnan(out[n].value) || !isnan(out[n].growth))
			n++;
	}
	proto_view_free(sub);
	return n;
}

const struct rep_year_target *rep_annual_for(const struct rep_ind *x, int year)
{
	for (size_t i = 0; i < x->n_annual; i++)
		if (x->annual[i].year == year)
			return &x->annual[i];
	return NULL;
}

double rep_city_for(const struct rep_year_target *city, size_t n, int year)
{
	double every = NAN;
	for (size_t i = 0; i < n; i++) {
		if (city[i].year == year)
			return city[i].value;
		if (city[i].year == 0)
			every = city[i].value;
	}
	return every;
}

static int period_end(const struct period *p)
{
	int first, last;
	period_months(p, &first, &last);
	return p->year * 12 + last;
}

/* Does a figure of period p count for the report (it ends by the end of the cutoff)? */
static bool in_report(const struct rep *r, const struct period *p)
{
	return !r->has_cut || period_end(p) <= period_end(&r->cut);
}

/* Is p a figure of the plan: in its window or its base year (the year before)? The region's
 * series also holds the figures earlier and later plans judge. A plan period's total
 * (2016-2020) is of the plan whose window it lies in, not of the next one's base year. */
static bool in_plan(const struct rep *r, const struct period *p)
{
	if (p->freq == PERIOD_SPAN)
		return !r->win_to || (period_first_year(p) >= r->win_from && p->year <= r->win_to);
	return !r->win_to || (p->year >= r->win_from - 1 && p->year <= r->win_to);
}

static bool text_in_report(const struct rep *r, const char *s)
{
	struct period p;
	return period_parse(&p, s, strlen(s)) == 0 && in_report(r, &p);
}

/* Days from 1970-01-01 to the first day after the period (months since year 0 given). */
static int64_t days_after(int month_index)
{
	struct tm tm = { .tm_year = month_index / 12 - 1900, .tm_mon = month_index % 12,
			 .tm_mday = 1 };
	return (int64_t)timegm(&tm) / 86400;
}

/* Was the figure of period s (overdue now) already due when the report period ended? */
static bool due_in_report(const struct rep *r, const struct rep_ind *x, const char *s)
{
	struct period p;
	if (!r->has_cut)
		return true;
	if (period_parse(&p, s, strlen(s)) < 0)
		return false;
	return days_after(period_end(&p)) + x->due_days <= days_after(period_end(&r->cut));
}

static struct rep_ind *find_ind(struct rep *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->inds[i].id, id) == 0)
			return &r->inds[i];
	return NULL;
}

/* The departments of catalog item i joined with "、" (the responsible one first). */
static void view_depts(const struct proto_view *v, int i, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	char d[REP_SHORT];
	for (size_t k = 0; k < 16 && proto_view_str_at(v, i, "departments", k, d, sizeof(d)) == 0;
	     k++) {
		int n = snprintf(buf + len, cap - len, "%s%s", len ? "、" : "", d);
		if (n < 0 || (size_t)n >= cap - len) {
			buf[len] = '\0'; /* never half a name */
			return;
		}
		len += (size_t)n;
	}
}

static int load_catalog(struct rep *r)
{
	struct proto_req q = { .type = PROTO_CATALOG, .plan = r->plan };
	struct proto_view *v;
	int rc = rep_call(r, &q, &v);
	if (rc < 0)
		return rc;
	size_t n = proto_view_count(v);
	if (n == 0) {
		proto_view_free(v);
		return rep_fail(r, PW_EPLAN, "plan '%s' has no indicators", r->plan);
	}
	r->inds = calloc(n, sizeof(*r->inds));
	r->cat_first = calloc(n, sizeof(*r->cat_first));
	if (!r->inds || !r->cat_first) {
		proto_view_free(v);
		return rep_fail(r, PW_ENOMEM, "out of memory");
	}
	rep_view_text(v, 0, "plan_name", r->plan_name, sizeof(r->plan_name));
	rep_view_text(v, 0, "plan_name_en", r->plan_name_en, sizeof(r->plan_name_en));
	rep_view_text(v, 0, "region", r->region, sizeof(r->region));
	int64_t w[2];
	if (proto_view_int_at(v, 0, "plan_window", 0, &w[0]) == 0 &&
	    proto_view_int_at(v, 0, "plan_window", 1, &w[1]) == 0 && w[0] > 0 && w[0] <= w[1] &&
	    w[1] <= PERIOD_YEAR_MAX) {
		r->win_from = (int)w[0];
		r->win_to = (int)w[1];
	}
	for (size_t i = 0; i < n; i++) {
		struct rep_ind *x = &r->inds[r->n];
		char dir[8] = "";
		int64_t y;
		if (proto_view_str(v, (int)i, "indicator", x->id, sizeof(x->id)) < 0 || !x->id[0]) {
			proto_view_free(v);
			return rep_fail(r, PW_EPROTO, "catalog reply: item %zu has no indicator",
					i);
		}
		rep_view_text(v, (int)i, "name", x->name, sizeof(x->name));
		rep_view_text(v, (int)i, "name_en", x->name_en, sizeof(x->name_en));
		rep_view_text(v, (int)i, "category", x->category, sizeof(x->category));
		rep_view_text(v, (int)i, "unit", x->unit, sizeof(x->unit));
		rep_view_text(v, (int)i, "attribute", x->attribute, sizeof(x->attribute));
		rep_view_text(v, (int)i, "kind", x->kind, sizeof(x->kind));
		rep_view_text(v, (int)i, "form", x->form, sizeof(x->form));
		rep_view_text(v, (int)i, "direction", dir, sizeof(dir));
		x->direction = strcmp(dir, "down") == 0 ? -1 : 1;
		x->base_year = proto_view_int(v, (int)i, "baseline_year", &y) == 0 ? (int)y : 0;
		x->target_year = proto_view_int(v, (int)i, "target_year", &y) == 0 ? (int)y : 0;
		x->due_days = proto_view_int(v, (int)i, "due_days", &y) == 0 ? (int)y : 0;
		view_depts(v, (int)i, x->depts, sizeof(x->depts));
		x->base = rep_view_num(v, (int)i, "baseline");
		x->target = rep_view_num(v, (int)i, "target");
		x->growth = rep_view_num(v, (int)i, "growth");
		x->n_annual = rep_view_years(v, (int)i, false, x->annual, REP_YEARS_MAX);
		x->n_city = rep_view_years(v, (int)i, true, x->city, REP_YEARS_MAX);
		rep_view_text(v, (int)i, "definition_change", x->def_change, sizeof(x->def_change));
		x->def_change_year = proto_view_int(v, (int)i, "definition_change_year", &y) == 0 &&
						     y > 0 && y <= PERIOD_YEAR_MAX
					     ? (int)y
					     : 0;
		x->value = x->required = x->gap = NAN;
		x->order = r->n;
		x->cat_rank = -1;
		for (size_t k = 0; k < r->n_cats; k++)
			if (strcmp(r->inds[r->cat_first[k]].category, x->category) == 0)
				x->cat_rank = (int)k;
		if (x->cat_rank < 0) {
			x->cat_rank = (int)r->n_cats;
			r->cat_first[r->n_cats++] = r->n;
		}
		r->n++;
	}
	proto_view_free(v);
	return 0;
}

static int load_status(struct rep *r)
{
	struct proto_req q = { .type = PROTO_STATUS };
	struct proto_view *v;
	int rc = rep_call(r, &q, &v);
	if (rc < 0)
		return rc;
	if (proto_view_int(v, -1, "now", &r->now_ms) < 0)
		r->now_ms = 0;
	rep_view_text(v, -1, "issuer", r->issuer, sizeof(r->issuer));
	proto_view_free(v);
	return 0;
}

/* The overdue figure of each indicator: its newest missing period in the plan's window
 * that was due by the end of the report period, with the daemon's days late. */
static void load_overdue(struct rep *r, const struct proto_view *v)
{
	struct proto_view *g;
	if (proto_view_sub(v, -1, "overdue", &g) < 0)
		return;
	for (size_t i = 0; i < proto_view_count(g); i++) {
		char per[PERIOD_TEXT_MAX] = "";
		struct proto_view *inds;
		struct period p, had;
		rep_view_text(g, (int)i, "period", per, sizeof(per));
		if (period_parse(&p, per, strlen(per)) < 0 ||
		    proto_view_sub(g, (int)i, "indicators", &inds) < 0)
			continue;
		for (size_t k = 0; k < proto_view_count(inds); k++) {
			char id[PROTO_MAX_ID + 1] = "";
			int64_t days = 0;
			struct rep_ind *x;
			if (proto_view_str(inds, (int)k, "indicator", id, sizeof(id)) < 0 ||
			    !(x = find_ind(r, id)) || p.year <= x->base_year ||
			    (x->target_year && p.year > x->target_year) || !due_in_report(r, x, per))
				continue;
			if (x->overdue[0] && period_parse(&had, x->overdue, strlen(x->overdue)) == 0 &&
			    period_cmp(&had, &p) >= 0)
				continue;
			proto_view_int(inds, (int)k, "days_late", &days);
			snprintf(x->overdue, sizeof(x->overdue), "%s", per);
			x->days_late = (int)days;
		}
		proto_view_free(inds);
	}
	proto_view_free(g);
}

/* The verdicts as of the report period (the daemon's verdict table: later figures do not
 * replace them), and every figure missing, announced or not. */
static int load_alerts(struct rep *r)
{
	struct proto_req q = { .type = PROTO_ALERTS, .plan = r->plan, .all = true,
			       .has_period = r->has_cut, .period = r->cut };
	struct proto_view *v;
	int rc = rep_call(r, &q, &v);
	if (rc < 0)
		return rc;
	load_overdue(r, v);
	for (size_t i = 0; i < proto_view_count(v); i++) {
		char id[PROTO_MAX_ID + 1] = "", state[16] = "", per[PERIOD_TEXT_MAX] = "";
		struct rep_ind *x;
		if (proto_view_str(v, (int)i, "indicator", id, sizeof(id)) < 0 ||
		    !(x = find_ind(r, id)))
			continue; /* not (or no longer) in the catalog */
		rep_view_text(v, (int)i, "state", state, sizeof(state));
		rep_view_text(v, (int)i, "period", per, sizeof(per));
		if (strcmp(state, "on_track") == 0 || strcmp(state, "at_risk") == 0 ||
		    strcmp(state, "off_track") == 0) {
			snprintf(x->state, sizeof(x->state), "%s", state);
			snprintf(x->state_period, sizeof(x->state_period), "%s", per);
			x->value = rep_view_num(v, (int)i, "value");
			x->required = rep_view_num(v, (int)i, "required");
			x->gap = rep_view_num(v, (int)i, "gap");
		}
	}
	proto_view_free(v);
	return 0;
}

static int load_series(struct rep *r, struct rep_ind *x)
{
	struct proto_req q = { .type = PROTO_QUERY, .plan = r->plan, .ind = x->id,
			       .limit = REP_QUERY_LIMIT };
	struct proto_view *v;
	int rc = rep_call(r, &q, &v);
	if (rc < 0)
		return rc;
	size_t n = proto_view_count(v);
	if (n && !(x->obs = calloc(n, sizeof(*x->obs)))) {
		proto_view_free(v);
		return rep_fail(r, PW_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		struct rep_obs *o = &x->obs[x->n_obs];
		char st[16] = "";
		bool bf = false;
		rep_view_text(v, (int)i, "period", o->text, sizeof(o->text));
		o->value = rep_view_num(v, (int)i, "value");
		if (period_parse(&o->per, o->text, strlen(o->text)) < 0 || isnan(o->value)) {
			proto_view_free(v);
			return rep_fail(r, PW_EPROTO, "query reply for '%s': bad item %zu", x->id,
					i);
		}
		if (!in_report(r, &o->per) || !in_plan(r, &o->per))
			continue;
		rep_view_text(v, (int)i, "status", st, sizeof(st));
		o->status = status_parse(st) > 0 ? status_parse(st) : 0;
		o->yoy = rep_view_num(v, (int)i, "yoy");
		proto_view_bool(v, (int)i, "backfill", &bf);
		o->backfill = bf;
		x->n_obs++;
	}
	proto_view_free(v);
	return 0;
}

/* The display verdict, from the daemon's state restricted to the report period. */
static void judge(const struct rep *r, struct rep_ind *x)
{
	if (x->state[0] && x->state_period[0] && !text_in_report(r, x->state_period)) {
		snprintf(x->withheld, sizeof(x->withheld), "%s", x->state_period);
		x->state[0] = '\0';
		x->state_period[0] = '\0';
		x->value = x->required = x->gap = NAN;
	}
	/* An overdue figure is shown beside the verdict, never instead of it. */
	if (strcmp(x->state, "off_track") == 0)
		x->verdict = REP_OFF_TRACK;
	else if (strcmp(x->state, "at_risk") == 0)
		x->verdict = REP_AT_RISK;
	else if (strcmp(x->state, "on_track") == 0)
		x->verdict = REP_ON_TRACK;
	else
		x->verdict = x->n_obs ? REP_NONE : REP_NO_DATA;
}

/* Category, then binding (约束性) before expected, then catalog order. */
static bool shown_before(const struct rep_ind *a, const struct rep_ind *b)
{
	bool ba = strcmp(a->attribute, "binding") == 0, bb = strcmp(b->attribute, "binding") == 0;
	if (a->cat_rank != b->cat_rank)
		return a->cat_rank < b->cat_rank;
	if (ba != bb)
		return ba;
	return a->order < b->order;
}

int rep_load(struct rep *r)
{
	int rc;
	if ((rc = load_catalog(r)) < 0 || (rc = load_status(r)) < 0 || (rc = load_alerts(r)) < 0)
		return rc;
	for (size_t i = 0; i < r->n; i++) {
		if ((rc = load_series(r, &r->inds[i])) < 0)
			return rc;
		judge(r, &r->inds[i]);
	}
	if (!(r->order = calloc(r->n, sizeof(*r->order))))
		return rep_fail(r, PW_ENOMEM, "out of memory");
	/* Insertion sort: stable, and a plan has tens of indicators. */
	for (size_t i = 0; i < r->n; i++) {
		size_t k = i;
		while (k > 0 && shown_before(&r->inds[i], &r->inds[r->order[k - 1]])) {
			r->order[k] = r->order[k - 1];
			k--;
		}
		r->order[k] = i;
	}
	return 0;
}

void rep_release(struct rep *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->inds[i].obs);
	free(r->inds);
	free(r->order);
	free(r->cat_first);
}

/* ---- entry points ---- */

int report_format_parse(const char *s)
{
	static const char *const names[] = { "html", "csv", "json" }; /* enum report_format */
	return rep_name_index(s, names, 3);
}

void rep_begin(struct rep *r)
{
	struct timespec ts;
	/* Request ids unique per call: a late reply to an earlier report is never taken. */
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(r->idbase, sizeof(r->idbase), "rep-%llx",
		 (unsigned long long)ts.tv_sec * 1000000ull +
			 (unsigned long long)ts.tv_nsec / 1000);
}

int report_write(struct pw_client *c, const char *plan, const char *period, int format,
		 FILE *out, char *err, size_t errlen)
{
	struct rep r = { .c = c, .plan = plan, .err = err, .errlen = errlen };
	int rc;

	if (err && errlen)
		err[0] = '\0';
	else
		r.errlen = 0;
	if (!c || !plan || !out || format < REPORT_HTML || format > REPORT_JSON)
		return rep_fail(&r, PW_EINVAL, "invalid argument");
	if (!plan[0] || strlen(plan) > PROTO_MAX_ID)
		return rep_fail(&r, PW_EINVAL, "bad plan id '%.*s'", PROTO_MAX_ID, plan);
	if (period) {
		if (period_parse(&r.cut, period, strlen(period)) < 0)
			return rep_fail(&r, PW_EINVAL,
					"bad period '%.16s': use 2026, 2026Q3 or 2026-10", period);
		r.has_cut = true;
	}
	rep_begin(&r);
	if ((rc = rep_load(&r)) < 0)
		goto out_release;
	errno = 0;
	if (format == REPORT_HTML)
		report_html_write(&r, out);
	else if (format == REPORT_CSV)
		report_csv_write(&r, out);
	else
		report_json_write(&r, out);
	if (fflush(out) != 0 || ferror(out))
		rc = rep_fail(&r, PW_ESYS, "cannot write the report: %s",
			      strerror(errno ? errno : EIO));
out_release:
	rep_release(&r);
	return rc;
}

