/* client/evaluation.c — the evaluation of one plan (contract: evaluation.h): the plan
 * loaded as the progress report loads it (client/report.c), each target evaluated by
 * model/evaluate.c for the year, the cells formatted once (so CSV, JSON, HTML and xlsx
 * cannot disagree), then written by one writer per format (evaluation_out.c, _xlsx.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/err.h"
#include "../proto/status.h"
#include "catalog.h"
#include "evaluation.h"
#include "evaluation_int.h"

const struct ev_column ev_columns[EV_N_COLUMNS] = {
	{ "region", "地区", false },           { "plan", "规划", false },
	{ "indicator", "指标代码", false },    { "name", "指标", false },
	{ "unit", "单位", false },             { "attribute", "属性", false },
	{ "kind", "目标类型", false },         { "baseline_year", "基期年份", true },
	{ "baseline", "基期值", true },        { "target_year", "目标年份", true },
	{ "target", "目标值", true },          { "planned_growth", "规划年均增长(%)", true },
	{ "year", "评估年份", true },          { "actual", "实际值", true },
	{ "actual_period", "数据期", false },  { "actual_status", "数据状态", false },
	{ "actual_growth", "实际年均增长(%)", true }, { "required", "当年要求", true },
	{ "completion_rate", "完成率(%)", true }, { "verdict", "结论代码", false },
	{ "verdict_zh", "评估结论", false },   { "note", "说明", false },
};

int evaluation_format_parse(const char *s)
{
	static const char *const names[] = { "html", "csv", "json", "xlsx" }; /* enum order */
	return rep_name_index(s, names, 4);
}

int evaluation_lang_parse(const char *s)
{
	static const char *const names[] = { "zh", "en", "both" }; /* enum order */
	return rep_name_index(s, names, 3);
}

static int kind_of(const char *k)
{
	static const char *const kinds[] = { [CAT_GROWTH] = "growth", [CAT_LEVEL] = "level",
					     [CAT_CEILING] = "ceiling", [CAT_FLOOR] = "floor",
					     [CAT_KEEP] = "keep", [CAT_CITY] = "city",
					     [CAT_CUMULATIVE] = "cumulative", [CAT_INFO] = "info" };
	for (int i = CAT_GROWTH; i <= CAT_INFO; i++)
		if (strcmp(k, kinds[i]) == 0)
			return i;
	return CAT_INFO;
}

/* The figure of the whole year y: the annual one, else a December or Q4 one; NULL. */
static const struct rep_obs *year_figure(const struct rep_ind *x, int y)
{
	const struct rep_obs *best = NULL;
	for (size_t i = 0; i < x->n_obs; i++) {
		const struct period *p = &x->obs[i].per;
		if (p->year != y)
			continue;
		if (p->freq == PERIOD_ANNUAL)
			return &x->obs[i];
		if ((p->freq == PERIOD_MONTH && p->n == 12) || (p->freq == PERIOD_QUARTER && p->n == 4))
			best = &x->obs[i];
	}
	return best;
}

/* The figure reported for the span first..last as a whole (2016-2020); NULL. */
static const struct rep_obs *span_figure(const struct rep_ind *x, int first, int last)
{
	for (size_t i = 0; i < x->n_obs; i++) {
		const struct period *p = &x->obs[i].per;
		if (p->freq == PERIOD_SPAN && p->year == last && period_first_year(p) == first)
			return &x->obs[i];
	}
	return NULL;
}

/* A cumulative target's figure for year y: the plan period's own total once y is its last
 * year and one is reported (a department's 五年累计 comes before a sum of its years), else
 * the sum of the years after the baseline up to y, naming the years missing. */
static void cumulative_figure(const struct ev *e, const struct rep_ind *x, struct ev_row *w,
			      struct evaluate_figure *f)
{
	int last = e->year < x->target_year ? e->year : x->target_year;
	snprintf(w->period, sizeof(w->period), "%d-%d", x->base_year + 1, last);
	/* the span validate admits: the plan's window (win_from, from the catalog reply) */
	int first = e->r.win_from ? e->r.win_from : x->base_year + 1;
	if (e->year >= x->target_year && (w->fig = span_figure(x, first, x->target_year))) {
		f->value = w->fig->value;
		f->total = true;
		return;
	}
	bool any = false;
	f->value = 0;
	for (int k = x->base_year + 1; k <= last; k++) {
		const struct rep_obs *o = year_figure(x, k);
		if (o) {
			f->value += o->value;
			any = true;
			w->fig = o;
		} else if (f->n_missing < EVALUATE_MISSING_MAX) {
			f->missing[f->n_missing++] = k;
		}
	}
	if (!any)
		f->value = NAN;
}

/* The year evaluated when none is asked for: the plan's target year once any of its
 * figures is in, else the latest year with a figure; 0 when there is none. */
static int default_year(const struct rep *r)
{
	int target = 0, latest = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->inds[i].target_year > target)
			target = r->inds[i].target_year;
	for (size_t i = 0; i < r->n; i++) {
		const struct rep_ind *x = &r->inds[i];
		if (year_figure(x, target))
			return target;
		for (size_t k = 0; k < x->n_obs; k++)
			if (x->obs[k].per.year > latest && x->obs[k].per.year <= target &&
			    x->obs[k].per.year > x->base_year)
				latest = x->obs[k].per.year;
	}
	return latest;
}

/* The actual average growth (%) since the baseline at comparable prices: the reported
 * yoys of every year chained (for a series whose figure is itself a rate, its yearly
 * values); NaN unless every year has one. */
static double chained_growth(const struct rep_ind *x, int y, bool rate_series)
{
	double q = 1;
	if (y <= x->base_year)
		return NAN;
	for (int k = x->base_year + 1; k <= y; k++) {
		const struct rep_obs *o = year_figure(x, k);
		double g = o ? (rate_series ? o->value : o->yoy) : NAN;
		if (isnan(g))
			return NAN;
		q *= 1 + g / 100;
	}
	return (pow(q, 1.0 / (y - x->base_year)) - 1) * 100;
}

/* The growth of year y's own figure over the year before (%): reported; of a rate series
 * the figure itself; at current prices from the two levels (never at comparable prices, as
 * daemon/rules.c); NAN when not known. */
static double year_growth(const struct rep_ind *x, int y, bool rate_series, bool comparable)
{
	const struct rep_obs *o = year_figure(x, y), *prev = year_figure(x, y - 1);
	if (!o)
		return NAN;
	if (rate_series)
		return o->value;
	if (!isnan(o->yoy) || comparable)
		return o->yoy;
	return prev && prev->value > 0 ? (o->value / prev->value - 1) * 100 : NAN;
}

static void evaluate_row(const struct ev *e, const struct rep_ind *x, struct ev_row *w)
{
	struct evaluate_target t = {
		.kind = kind_of(x->kind), .direction = x->direction, .unit = x->unit,
		.t = { x->base_year, x->target_year, x->base, x->target, x->growth },
		.def_change = x->def_change[0] ? x->def_change : NULL,
		.def_change_year = x->def_change_year,
	};
	struct evaluate_figure f = { .year = e->year, .value = NAN, .growth = NAN };
	const struct rep_year_target *an = rep_annual_for(x, e->year);
	struct evaluate_annual a = { .has_value = an && !isnan(an->value),
				     .has_growth = an && !isnan(an->growth),
				     .value = an ? an->value : NAN,
				     .growth = an ? an->growth : NAN };
	/* A growth target on a series that is itself a rate (固定资产投资增长率, %): its
	 * figures are the yearly rates, never levels to take a ratio of. */
	bool rate_series = t.kind == CAT_GROWTH && strcmp(x->unit, "%") == 0;
	t.comparable = rate_series || cat_name_comparable(x->name);
	t.annual = an ? &a : NULL;
	if (t.kind == CAT_CITY) /* the city's number for the year, set with target set */
		t.t.target = rep_city_for(x->city, x->n_city, e->year);
	w->x = x;
	if (t.kind == CAT_CUMULATIVE) {
		cumulative_figure(e, x, w, &f);
	} else if ((w->fig = year_figure(x, e->year))) {
		f.value = w->fig->value;
		snprintf(w->period, sizeof(w->period), "%s", w->fig->text);
	}
	if (w->fig)
		f.estimate = w->fig->status == PW_ST_ESTIMATE;
	if (t.comparable)
		f.growth = chained_growth(x, e->year, rate_series);
	const struct rep_obs *own = year_figure(x, e->year);
	f.own = own ? own->value : NAN;
	f.yoy = year_growth(x, e->year, rate_series, t.comparable);
	w->actual = f.value;
	evaluate_target(&t, &f, e->margin_pct, &w->res);
	w->target = t.t.target;
	/* the stated rate, or the one a growth target's two levels imply */
	w->planned_growth = x->growth;
	if (isnan(w->planned_growth) && (t.kind != CAT_GROWTH ||
					 !planmath_growth(&t.t, &w->planned_growth)))
		w->planned_growth = NAN;
}

static void num(char *buf, double v, int decimals)
{
	evaluate_format(v, decimals, buf);
}

/* The cells of row w, as every format writes them. */
static void format_row(const struct ev *e, struct ev_row *w)
{
	const struct rep_ind *x = w->x;
	char (*c)[EV_CELL] = w->cells;
	snprintf(c[0], EV_CELL, "%s", e->r.region);
	snprintf(c[1], EV_CELL, "%s", e->r.plan);
	snprintf(c[2], EV_CELL, "%s", x->id);
	snprintf(c[3], EV_CELL, "%s", x->name);
	snprintf(c[4], EV_CELL, "%s", x->unit);
	snprintf(c[5], EV_CELL, "%s", x->attribute);
	snprintf(c[6], EV_CELL, "%s", x->kind);
	if (!isnan(x->base))
		snprintf(c[7], EV_CELL, "%d", x->base_year);
	num(c[8], x->base, -1);
	snprintf(c[9], EV_CELL, "%d", x->target_year);
	num(c[10], w->target, -1);
	num(c[11], w->planned_growth, isnan(x->growth) ? 2 : -1);
	snprintf(c[12], EV_CELL, "%d", e->year);
	num(c[13], w->actual, -1);
	snprintf(c[14], EV_CELL, "%s", isnan(w->actual) ? "" : w->period);
	snprintf(c[15], EV_CELL, "%s", w->fig ? status_name(w->fig->status) : "");
	if (!w->fig || !w->fig->status)
		c[15][0] = '\0';
	num(c[16], w->res.actual_growth, 2);
	num(c[17], w->res.required, 2);
	num(c[18], w->res.completion, 1);
	snprintf(c[19], EV_CELL, "%s", evaluate_name(w->res.verdict));
	snprintf(c[20], EV_CELL, "%s", evaluate_name_zh(w->res.verdict));
	if (e->lang == EVALUATION_EN)
		snprintf(c[21], EV_CELL, "%s", w->res.rule_en);
	else if (e->lang == EVALUATION_BOTH)
		snprintf(c[21], EV_CELL, "%s / %s", w->res.rule_zh, w->res.rule_en);
	else
		snprintf(c[21], EV_CELL, "%s", w->res.rule_zh);
}

static int build(struct ev *e)
{
	if (!(e->rows = calloc(e->r.n ? e->r.n : 1, sizeof(*e->rows))))
		return rep_fail(&e->r, PW_ENOMEM, "out of memory");
	if (!e->year && !(e->year = default_year(&e->r)))
		return rep_fail(&e->r, PW_ENOTFOUND, "plan '%s' has no figure to evaluate yet",
				e->r.plan);
	for (size_t k = 0; k < e->r.n; k++) {
		struct ev_row *w = &e->rows[e->n++];
		const struct rep_ind *x = &e->r.inds[e->r.order[k]];
		evaluate_row(e, x, w);
		format_row(e, w);
		e->verdicts[w->res.verdict]++;
		if (rep_is_binding(x)) {
			e->binding++;
			e->binding_done += w->res.verdict == EVALUATE_ACHIEVED ||
					   w->res.verdict == EVALUATE_ACHIEVED_EARLY;
		}
	}
	e->final = e->n && e->year >= e->rows[0].x->target_year;
	return 0;
}

int evaluation_write(struct pw_client *c, const struct evaluation_opts *o, FILE *out,
		     char *err, size_t errlen)
{
	struct ev e = { .r = { .c = c, .err = err, .errlen = errlen } };
	int rc;

	if (err && errlen)
		err[0] = '\0';
	else
		e.r.errlen = 0;
	if (!c || !o || !o->plan || o->format < EVALUATION_HTML || o->format > EVALUATION_XLSX ||
	    (o->format == EVALUATION_XLSX ? !o->path : !out))
		return rep_fail(&e.r, PW_EINVAL, "invalid argument");
	if (!o->plan[0] || strlen(o->plan) > PROTO_MAX_ID)
		return rep_fail(&e.r, PW_EINVAL, "bad plan id '%.*s'", PROTO_MAX_ID, o->plan);
	e.r.plan = o->plan;
	e.year = o->year;
	e.lang = o->lang ? o->lang : EVALUATION_ZH;
	e.lang_asked = o->lang != 0;
	e.margin_pct = o->margin_pct;
	e.issuer = o->issuer && o->issuer[0] ? o->issuer : NULL;
	rep_begin(&e.r);
	if ((rc = rep_load(&e.r)) < 0)
		goto out_release;
	if (!e.issuer && e.r.issuer[0])
		e.issuer = e.r.issuer; /* the daemon's config names the 制表单位 */
	if ((rc = build(&e)) < 0)
		goto out_release;
	switch (o->format) {
	case EVALUATION_CSV: ev_write_csv(&e, out); break;
	case EVALUATION_JSON: ev_write_json(&e, out); break;
	case EVALUATION_XLSX: rc = ev_write_xlsx(&e, o->path); break;
	default: ev_write_html(&e, out); break;
	}
	if (rc < 0)
		rep_fail(&e.r, rc, "cannot write the xlsx workbook '%s'", o->path);
	else if (out && (fflush(out) != 0 || ferror(out)))
		rc = rep_fail(&e.r, PW_ESYS, "cannot write the evaluation");
out_release:
	free(e.rows);
	rep_release(&e.r);
	return rc;
}
