/* client/dispatch.c — the 月度调度表 and the quarterly analysis of one region (contract:
 * dispatch.h, docs/DISPATCH.md): rows from the daemon's catalog, figures over the wire, the
 * arithmetic from model/ytd and model/discipline, then one writer per format. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xlsxwriter.h>

#include "../model/catalog.h"
#include "../model/discipline.h"
#include "../model/planmath.h"
#include "../model/unit.h"
#include "../model/ytd.h"
#include "../proto/err.h"
#include "../proto/proto.h"
#include "../proto/status.h"
#include "dispatch.h"
#include "report_int.h"

#define BJT_OFFSET_MS (8 * 3600 * 1000LL) /* Beijing time, UTC+8, no daylight saving */

/* What the year's target is: a total (序时进度), a growth (YTD 同比 against it), or a level
 * of the year (a share or a rate: the 1–N月 value against it, met or short). */
enum { TGT_NONE = 0, TGT_TOTAL, TGT_GROWTH, TGT_LEVEL };
/* Where it comes from, first match wins (docs/MODEL.md §2): the city's number set with
 * `target set` (kind city), the catalog's 年度目标, the plan's average growth. */
enum { SRC_NONE = 0, SRC_CITY, SRC_ANNUAL, SRC_PLAN };

/* One row of the table: one series of the region. */
struct drow {
	const struct cat_series *s;
	const struct cat_indicator *x; /* the target in force for the year; NULL: none */
	const struct cat_annual *an;   /* that year's 年度目标, NULL if none */
	struct period per;             /* the period shown */
	size_t order;                  /* plan order, series after the plan's */
	int cat_rank;
	bool binding, has;
	struct ytd_row y;
	int status;
	int64_t rev;
	int tgt; /* TGT_*: what the year's target is */
	int src; /* SRC_*: where it comes from */
	double target;
	double city; /* kind city: the city's number for the year (the store's), NAN: none */
	struct ytd_progress pace;
	double path; /* quarterly analysis: the plan's path for the year, NAN if none */
	int dstate, ddays;
	int64_t due_ms;
};

struct dsp {
	struct rep rq; /* requests, through client/report.c */
	const struct catalog *cat;
	const struct dispatch_opts *o;
	const struct cat_region *region;
	struct period per;
	int64_t now_ms;
	char issuer[256]; /* the daemon's issuer (status reply), "" if none */
	struct drow *rows;
	size_t n;
	struct disc_item *items; /* every figure owed this year to date */
	size_t n_items, cap_items;
	struct disc_dept *depts;
	size_t n_depts;
	const char *cats[64];
	size_t n_cats;
};

/* ---- labels ---- */

static void label(const struct dsp *d, FILE *f, const char *zh, const char *en,
		  void (*put)(FILE *, const char *))
{
	if (d->o->lang == DISPATCH_EN) {
		put(f, en);
	} else if (d->o->lang == DISPATCH_BOTH && en[0] && strcmp(zh, en) != 0) {
		put(f, zh);
		put(f, " / ");
		put(f, en);
	} else {
		put(f, zh);
	}
}

/* ---- the plan in force ---- */

/* The target on series s of the plan in force for p's year (catalog_judges), or NULL: the
 * year's target comes from it, and a figure is owed only when a plan asks for it. The
 * figures themselves are the region's series, plan or not. */
static const struct cat_indicator *plan_target(const struct catalog *c,
					       const struct cat_series *s, const struct period *p,
					       const struct cat_annual **an)
{
	struct cat_judge j[CAT_REGION_PLANS_MAX];
	size_t n = catalog_judges(c, s, p, j, CAT_REGION_PLANS_MAX);
	*an = n ? j[n - 1].annual : NULL;
	return n ? j[n - 1].x : NULL; /* the newest plan in force judges the year */
}

/* ---- loading ---- */

static int add_item(struct dsp *d, const struct disc_item *it)
{
	if (d->n_items == d->cap_items) {
		size_t cap = d->cap_items ? d->cap_items * 2 : 64;
		struct disc_item *p = realloc(d->items, cap * sizeof(*p));
		if (!p)
			return rep_fail(&d->rq, PW_ENOMEM, "out of memory");
		d->items = p;
		d->cap_items = cap;
	}
	d->items[d->n_items++] = *it;
	return 0;
}

/* The time the first vintage of period p of series s arrived (the history request's first
 * item). */
static int first_receipt(struct dsp *d, const struct cat_series *s, const struct period *p,
			 int64_t *ms)
{
	struct proto_req q = { .type = PROTO_HISTORY, .region = s->region->id, .ind = s->id,
			       .period = *p, .has_period = true, .limit = 1 };
	struct proto_view *v;
	int rc = rep_call(&d->rq, &q, &v);
	if (rc < 0)
		return rc;
	if (proto_view_count(v) == 0 || proto_view_int(v, 0, "time", ms) < 0)
		*ms = 0;
	proto_view_free(v);
	return 0;
}

struct series_years {
	struct ytd_year y[2]; /* [0] the year before, [1] the year */
	int64_t time[13], rev[13];
	int status[13];
};

static void years_init(struct series_years *sy)
{
	memset(sy, 0, sizeof(*sy));
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 13; i++)
			sy->y[k].yoy[i] = NAN;
}

/* The newest vintage of every period of the year and the year before, up to r->per. */
static int load_years(struct dsp *d, struct drow *r, struct series_years *sy)
{
	struct proto_req q = { .type = PROTO_QUERY, .region = r->s->region->id, .ind = r->s->id,
			       .from = { (uint16_t)(r->per.year - 1), r->per.freq, 1 },
			       .to = r->per, .has_from = true, .has_to = true,
			       .limit = REP_QUERY_LIMIT };
	struct proto_view *v;
	int rc = rep_call(&d->rq, &q, &v);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < proto_view_count(v); i++) {
		char text[PERIOD_TEXT_MAX + 8] = "", st[16] = "";
		struct period p;
		rep_view_text(v, (int)i, "period", text, sizeof(text));
		double val = rep_view_num(v, (int)i, "value");
		if (period_parse(&p, text, strlen(text)) < 0 || p.freq != r->per.freq ||
		    isnan(val) || (p.year != r->per.year && p.year + 1 != r->per.year))
			continue;
		int k = p.year == r->per.year;
		sy->y[k].held[p.n] = true;
		sy->y[k].value[p.n] = val;
		sy->y[k].yoy[p.n] = rep_view_num(v, (int)i, "yoy");
		if (k) {
			proto_view_int(v, (int)i, "time", &sy->time[p.n]);
			proto_view_int(v, (int)i, "rev", &sy->rev[p.n]);
			rep_view_text(v, (int)i, "status", st, sizeof(st));
			sy->status[p.n] = status_parse(st) > 0 ? status_parse(st) : 0;
		}
	}
	proto_view_free(v);
	return 0;
}

/* A number for the year: a total of a cumulative sum, else a level of the 1–N月 value. */
static void set_target(struct drow *r, int src, double v, bool additive)
{
	r->src = src;
	r->target = v;
	r->tgt = r->s->form == CAT_FORM_YTD && additive ? TGT_TOTAL : TGT_LEVEL;
}

/* What the year asks: the city's number, its 年度目标 (a growth, a total or a level), else
 * the plan's average growth; and how far along the year is against it. */
static void row_target(struct drow *r, bool additive)
{
	int dir = r->x ? r->x->direction : 1;
	r->tgt = TGT_NONE;
	r->src = SRC_NONE;
	r->target = NAN;
	if (r->x && r->x->kind == CAT_CITY && !isnan(r->city)) {
		set_target(r, SRC_CITY, r->city, additive);
	} else if (r->an && r->an->has_growth) {
		r->tgt = TGT_GROWTH;
		r->src = SRC_ANNUAL;
		r->target = r->an->growth;
	} else if (r->an && r->an->has_value) {
		set_target(r, SRC_ANNUAL, r->an->value, additive);
	} else if (r->x && r->x->kind == CAT_GROWTH && r->x->has_growth) {
		r->tgt = TGT_GROWTH;
		r->src = SRC_PLAN;
		r->target = r->x->growth;
	}
	if (r->tgt == TGT_TOTAL)
		ytd_pace_total(r->y.cum, r->target, r->per.freq, r->per.n, dir, &r->pace);
	else if (r->tgt == TGT_LEVEL)
		ytd_pace_level(r->y.cum, r->target, r->per.freq, r->per.n, dir, &r->pace);
	else
		ytd_pace_growth(r->tgt == TGT_GROWTH ? r->y.cum_yoy : NAN, r->target, r->per.freq,
				r->per.n, dir, &r->pace);
}

/* The plan's path for the year (quarterly analysis): the linear path of a level target,
 * the baseline grown at the plan's rate for a growth target. */
static double plan_path(const struct cat_indicator *x, int year)
{
	struct planmath_target t = cat_target(x);
	double req = NAN, g;
	if (x->kind == CAT_GROWTH) {
		if (x->has_base && planmath_growth(&t, &g))
			req = planmath_compound(x->base, g, year - x->base_year);
	} else if (x->kind == CAT_LEVEL || x->kind == CAT_CEILING || x->kind == CAT_FLOOR) {
		if (!planmath_level(&t, year, &req))
			req = NAN;
	}
	return req;
}

/* Figures owed by the row's department this year up to the row's period (catalog_owes, the
 * daemon's metrics' rule). */
static int owe(struct dsp *d, struct drow *r, struct series_years *sy)
{
	bool month = r->per.freq == PERIOD_MONTH;
	for (int n = 1; n <= r->per.n; n++) {
		struct period p = { r->per.year, r->per.freq, (uint8_t)n };
		if (!catalog_owes(d->cat, r->s, &p, month && sy->y[1].held[1],
				  month && sy->y[1].held[2]))
			continue;
		struct disc_item it = { .dept = r->s->depts[0], .series = r->s->id, .period = p,
					.due_ms = ytd_due_ms(&p, r->s->due_days) };
		int rc;
		if (sy->y[1].held[n]) {
			it.recv_ms = sy->time[n];
			if (sy->rev[n] > 1 && (rc = first_receipt(d, r->s, &p, &it.recv_ms)) < 0)
				return rc;
		}
		if (n == r->per.n) {
			r->due_ms = it.due_ms;
			r->dstate = disc_classify(&it, d->now_ms, &r->ddays);
		}
		if ((rc = add_item(d, &it)) < 0)
			return rc;
	}
	return 0;
}

static int load_row(struct dsp *d, struct drow *r)
{
	const struct unit *u = unit_find(r->s->unit);
	bool additive = r->s->form == CAT_FORM_YTD && u && unit_additive(u);
	struct series_years sy;
	int rc;

	r->y = (struct ytd_row){ .cum = NAN, .cum_yoy = NAN, .single = NAN, .single_yoy = NAN };
	r->path = NAN;
	ytd_pace_growth(NAN, NAN, r->per.freq, r->per.n, 1, &r->pace);
	years_init(&sy);
	if ((rc = load_years(d, r, &sy)) < 0)
		return rc;
	if (d->per.freq == PERIOD_QUARTER && r->per.freq == PERIOD_MONTH) {
		/* the quarterly analysis: a monthly series' 三季度 is 1–9月 − 1–6月 */
		struct ytd_year q[2];
		ytd_quarters(&sy.y[1], &q[1]);
		ytd_quarters(&sy.y[0], &q[0]);
		r->has = ytd_derive(&q[1], &q[0], PERIOD_QUARTER, d->per.n, additive, &r->y) == 0;
	} else {
		r->has = ytd_derive(&sy.y[1], &sy.y[0], r->per.freq, r->per.n, additive, &r->y) == 0;
	}
	if (r->has) {
		r->status = sy.status[r->per.n];
		r->rev = sy.rev[r->per.n];
	}
	row_target(r, additive);
	if (d->per.freq == PERIOD_QUARTER && r->x)
		r->path = plan_path(r->x, r->per.year);
	return owe(d, r, &sy);
}

static int cat_rank(struct dsp *d, const char *cat)
{
	for (size_t i = 0; i < d->n_cats; i++)
		if (strcmp(d->cats[i], cat) == 0)
			return (int)i;
	if (d->n_cats < sizeof(d->cats) / sizeof(d->cats[0]))
		d->cats[d->n_cats++] = cat;
	return (int)d->n_cats - 1;
}

/* Category (in plan order), binding (约束性) first, then plan order. */
static int row_cmp(const void *a, const void *b)
{
	const struct drow *x = a, *y = b;
	if (x->cat_rank != y->cat_rank)
		return x->cat_rank - y->cat_rank;
	if (x->binding != y->binding)
		return x->binding ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The rows: the monthly series at the table's month; the quarterly analysis adds the
 * quarterly series at its quarter (and shows the monthly ones at the quarter's last month). */
static int pick_rows(struct dsp *d)
{
	const struct cat_region *g = d->region;
	if (!(d->rows = calloc(g->n_series ? g->n_series : 1, sizeof(*d->rows))))
		return rep_fail(&d->rq, PW_ENOMEM, "out of memory");
	for (size_t i = 0; i < g->n_series; i++) {
		const struct cat_series *s = &g->series[i];
		struct drow *r = &d->rows[d->n];
		if (s->freq == PERIOD_MONTH)
			r->per = (struct period){ d->per.year, PERIOD_MONTH,
						  (uint8_t)(d->per.freq == PERIOD_MONTH
								    ? d->per.n
								    : d->per.n * 3) };
		else if (s->freq == PERIOD_QUARTER && d->per.freq == PERIOD_QUARTER)
			r->per = d->per;
		else
			continue;
		r->s = s;
		r->x = plan_target(d->cat, s, &r->per, &r->an);
		r->binding = r->x && r->x->attribute == CAT_BINDING;
		r->order = r->x ? (size_t)(r->x - r->x->plan->inds) : 100000 + i;
		d->n++;
	}
	/* Category ranks in plan order: rank once the rows are in plan order. */
	qsort(d->rows, d->n, sizeof(*d->rows), row_cmp);
	for (size_t i = 0; i < d->n; i++)
		d->rows[i].cat_rank = cat_rank(d, d->rows[i].s->category);
	qsort(d->rows, d->n, sizeof(*d->rows), row_cmp);
	return 0;
}

static int load_now(struct dsp *d)
{
	struct proto_req q = { .type = PROTO_STATUS };
	struct proto_view *v;
	int rc = rep_call(&d->rq, &q, &v);
	if (rc < 0)
		return rc;
	if (proto_view_int(v, -1, "now", &d->now_ms) < 0)
		d->now_ms = (int64_t)time(NULL) * 1000;
	rep_view_text(v, -1, "issuer", d->issuer, sizeof(d->issuer));
	proto_view_free(v);
	return 0;
}

/* The city's numbers of the city targets among the rows: the store keeps them (`target
 * set`), the catalog reply carries them; one request per plan. */
static int load_city(struct dsp *d)
{
	for (size_t i = 0; i < d->n; i++)
		d->rows[i].city = NAN;
	for (size_t i = 0; i < d->n; i++) {
		const struct cat_indicator *x = d->rows[i].x;
		bool asked = false;
		if (!x || x->kind != CAT_CITY)
			continue;
		for (size_t k = 0; k < i && !asked; k++)
			asked = d->rows[k].x && d->rows[k].x->plan == x->plan &&
				d->rows[k].x->kind == CAT_CITY;
		if (asked)
			continue;
		struct proto_req q = { .type = PROTO_CATALOG, .plan = x->plan->id };
		struct proto_view *v;
		int rc = rep_call(&d->rq, &q, &v);
		if (rc < 0)
			return rc;
		for (size_t k = i; k < d->n; k++) {
			struct drow *r = &d->rows[k];
			struct rep_year_target city[REP_YEARS_MAX];
			char id[PROTO_MAX_ID + 1];
			if (!r->x || r->x->plan != x->plan || r->x->kind != CAT_CITY)
				continue;
			for (size_t j = 0; j < proto_view_count(v); j++) {
				if (proto_view_str(v, (int)j, "indicator", id, sizeof(id)) < 0 ||
				    strcmp(id, r->x->id) != 0)
					continue;
				size_t n = rep_view_years(v, (int)j, true, city, REP_YEARS_MAX);
				r->city = rep_city_for(city, n, r->per.year);
			}
		}
		proto_view_free(v);
	}
	return 0;
}

static int load(struct dsp *d)
{
	int rc;
	if ((rc = load_now(d)) < 0 || (rc = pick_rows(d)) < 0 || (rc = load_city(d)) < 0)
		return rc;
	for (size_t i = 0; i < d->n; i++)
		if ((rc = load_row(d, &d->rows[i])) < 0)
			return rc;
	/* The window of the on-time rate: the year to date (periods due by now). */
	if (!(d->depts = calloc(d->n_items ? d->n_items : 1, sizeof(*d->depts))))
		return rep_fail(&d->rq, PW_ENOMEM, "out of memory");
	d->n_depts = disc_summarise(d->items, d->n_items, INT64_MIN, d->now_ms, d->depts,
				    d->n_items);
	return 0;
}

/* ---- formatting shared by the writers ---- */

/* The 制表单位: the caller's, else the daemon's config (as the evaluation does). */
static const char *issuer(const struct dsp *d)
{
	return d->o->issuer && d->o->issuer[0] ? d->o->issuer : d->issuer;
}

static void fmt_num(char *buf, size_t cap, double v)
{
	if (isnan(v))
		snprintf(buf, cap, "%s", "");
	else
		rep_fmt_num(buf, cap, v);
}

static void fmt_pct(char *buf, size_t cap, double v)
{
	if (isnan(v))
		snprintf(buf, cap, "%s", "");
	else
		snprintf(buf, cap, "%.1f", v);
}

/* "1-10月", "1-2月", "10月", "1-3季度", "三季度" / "Jan-Oct", "Q1-Q3", "Q3" for period p
 * (cum: from the year's start; else from first). */
static void period_label(const struct dsp *d, char *buf, size_t cap, const struct period *p,
			 bool cum, int first)
{
	static const char *const qzh[] = { "", "一", "二", "三", "四" };
	static const char *const mon[] = { "",    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char zh[32], en[32];
	int a = cum ? 1 : first, n = p->n;
	if (p->freq == PERIOD_QUARTER) {
		if (a == n) {
			snprintf(zh, sizeof(zh), "%s季度", qzh[n]);
			snprintf(en, sizeof(en), "Q%d", n);
		} else {
			snprintf(zh, sizeof(zh), "1-%d季度", n); /* as the bureau writes 1–N季度 */
			snprintf(en, sizeof(en), "Q1-Q%d", n);
		}
	} else if (a == n) {
		snprintf(zh, sizeof(zh), "%d月", n);
		snprintf(en, sizeof(en), "%s", mon[n]);
	} else {
		snprintf(zh, sizeof(zh), "%d-%d月", a, n);
		snprintf(en, sizeof(en), "%s-%s", mon[a], mon[n]);
	}
	if (d->o->lang == DISPATCH_EN)
		snprintf(buf, cap, "%s %d", en, p->year);
	else if (d->o->lang == DISPATCH_BOTH)
		snprintf(buf, cap, "%d年%s / %s %d", p->year, zh, en, p->year);
	else
		snprintf(buf, cap, "%d年%s", p->year, zh);
}

static void fmt_bjt(char *buf, size_t cap, int64_t ms)
{
	rep_fmt_time(buf, cap, ms + BJT_OFFSET_MS, "%Y-%m-%d %H:%M");
}

static void fmt_date(char *buf, size_t cap, int64_t ms)
{
	/* due_ms is 00:00 UTC after the due day: the due day is the day before. */
	rep_fmt_time(buf, cap, ms - 1, "%Y-%m-%d");
}

static const char *row_name(const struct dsp *d, const struct drow *r)
{
	return d->o->lang == DISPATCH_EN && r->s->name_en && r->s->name_en[0] ? r->s->name_en
									     : r->s->name;
}

static const char *state_text(const struct dsp *d, int st)
{
	return d->o->lang == DISPATCH_EN ? disc_state_en(st) : disc_state_zh(st);
}

static const char *pace_text(const struct dsp *d, int pace)
{
	return d->o->lang == DISPATCH_EN ? ytd_pace_en(pace) : ytd_pace_zh(pace);
}

/* The cells of one row as text, in column order (the CSV and HTML writers share them). */
enum col {
	C_CAT, C_NAME, C_DEPT, C_UNIT, C_CUM, C_CUM_YOY, C_SINGLE, C_SINGLE_YOY, C_TARGET,
	C_PROGRESS, C_PACE, C_GAP, C_GAP_UNIT, C_PATH, C_STATUS, C_LATE, C_N
};
static const struct {
	const char *key, *zh, *en;
} cols[C_N] = {
	[C_CAT] = { "category", "类别", "Category" },
	[C_NAME] = { "indicator", "指标", "Indicator" },
	[C_DEPT] = { "dept", "责任单位", "Responsible" },
	[C_UNIT] = { "unit", "单位", "Unit" },
	[C_CUM] = { "ytd", "1-N月", "Year to date" },
	[C_CUM_YOY] = { "ytd_yoy", "同比(%)", "YoY (%)" },
	[C_SINGLE] = { "single", "当月", "Month" },
	[C_SINGLE_YOY] = { "single_yoy", "当月同比(%)", "Month YoY (%)" },
	[C_TARGET] = { "target", "年度目标", "Year's target" },
	[C_PROGRESS] = { "progress", "完成(%)", "Done (%)" },
	[C_PACE] = { "pace", "序时进度", "Against schedule" },
	[C_GAP] = { "gap", "差距", "Gap" },
	[C_GAP_UNIT] = { "gap_unit", "差距单位", "Gap unit" },
	[C_PATH] = { "plan_path", "规划路径", "Plan path" },
	[C_STATUS] = { "status", "数据状态", "Data status" },
	[C_LATE] = { "days_late", "逾期(天)", "Days late" },
};

/* The plan's path only in the quarterly analysis; the gap's unit in a column of its own
 * where cells are data (CSV, xlsx), in the gap's cell on the page. */
static bool col_shown(const struct dsp *d, int c)
{
	if (c == C_GAP_UNIT)
		return d->o->format != DISPATCH_HTML;
	return c != C_PATH || d->per.freq == PERIOD_QUARTER;
}

/* The unit of r's gap: points (pp) of the year's share for a total, of a rate for a growth
 * target, of a percentage for a level in %; a level's own unit otherwise; NULL without a
 * gap. */
static const char *gap_unit(const struct drow *r)
{
	if (isnan(r->pace.gap))
		return NULL;
	return r->tgt == TGT_LEVEL && strcmp(r->s->unit, "%") != 0 ? r->s->unit : "pp";
}

static void gap_unit_text(const struct dsp *d, const struct drow *r, char *buf, size_t cap)
{
	const char *u = gap_unit(r);
	snprintf(buf, cap, "%s",
		 !u ? "" : strcmp(u, "pp") != 0 ? u : d->o->lang == DISPATCH_EN ? "pp" : "百分点");
}

static void cell(const struct dsp *d, const struct drow *r, int c, char *buf, size_t cap)
{
	buf[0] = '\0';
	switch (c) {
	case C_CAT:
		snprintf(buf, cap, "%s",
			 d->o->lang == DISPATCH_EN && rep_category_en(r->s->category)[0]
				 ? rep_category_en(r->s->category)
				 : r->s->category);
		break;
	case C_NAME: snprintf(buf, cap, "%s", row_name(d, r)); break;
	case C_DEPT: snprintf(buf, cap, "%s", r->s->n_depts ? r->s->depts[0] : ""); break;
	case C_UNIT: snprintf(buf, cap, "%s", r->s->unit); break;
	case C_CUM: fmt_num(buf, cap, r->y.cum); break;
	case C_CUM_YOY: fmt_pct(buf, cap, r->y.cum_yoy); break;
	case C_SINGLE: fmt_num(buf, cap, r->y.single); break;
	case C_SINGLE_YOY: fmt_pct(buf, cap, r->y.single_yoy); break;
	case C_TARGET:
		if (!r->x)
			snprintf(buf, cap, "%s", d->o->lang == DISPATCH_EN ? "no plan in force"
									   : "无在期规划");
		else if (r->tgt == TGT_GROWTH)
			snprintf(buf, cap, "%s%.1f%%", r->target >= 0 ? "+" : "", r->target);
		else if (r->tgt == TGT_TOTAL || r->tgt == TGT_LEVEL)
			fmt_num(buf, cap, r->target);
		if (r->src == SRC_CITY) /* the city's number, not the plan's */
			snprintf(buf + strlen(buf), cap - strlen(buf), "%s",
				 d->o->lang == DISPATCH_EN ? " (city)" : "（市下达）");
		break;
	case C_PROGRESS:
		if (r->tgt == TGT_TOTAL)
			fmt_pct(buf, cap, r->pace.completion);
		break;
	case C_PACE: snprintf(buf, cap, "%s", pace_text(d, r->pace.pace)); break;
	case C_GAP:
		fmt_pct(buf, cap, r->pace.gap);
		if (!col_shown(d, C_GAP_UNIT) && buf[0]) { /* the page: "2.5 μg/m³", "1.7 百分点" */
			size_t len = strlen(buf);
			snprintf(buf + len, cap - len, " ");
			gap_unit_text(d, r, buf + len + 1, cap - len - 1);
		}
		break;
	case C_GAP_UNIT: gap_unit_text(d, r, buf, cap); break;
	case C_PATH: fmt_num(buf, cap, r->path); break;
	case C_STATUS:
		if (r->has)
			snprintf(buf, cap, "%s%s",
				 d->o->lang == DISPATCH_EN ? status_name(r->status)
							   : status_name_zh(r->status),
				 r->rev > 1 ? (d->o->lang == DISPATCH_EN ? " (revised)" : "(修订)")
					    : "");
		else if (r->x) /* without a plan in force nothing is owed */
			snprintf(buf, cap, "%s", state_text(d, r->dstate));
		break;
	case C_LATE:
		if (r->dstate == DISC_MISSING || r->dstate == DISC_LATE)
			snprintf(buf, cap, "%d", r->ddays);
		break;
	}
}

/* The column head of c: 1-N月 and 当月 name the table's period. */
static void head(const struct dsp *d, int c, char *buf, size_t cap)
{
	struct period p = d->per;
	const char *zh = cols[c].zh, *en = cols[c].en;
	if (c == C_CUM || c == C_SINGLE) {
		period_label(d, buf, cap, &p, c == C_CUM, p.n);
		return;
	}
	if (c == C_SINGLE_YOY && p.freq == PERIOD_QUARTER) { /* the quarter's, not a month's */
		zh = "当季同比(%)";
		en = "Quarter YoY (%)";
	}
	if (d->o->lang == DISPATCH_EN)
		snprintf(buf, cap, "%s", en);
	else if (d->o->lang == DISPATCH_BOTH)
		snprintf(buf, cap, "%s / %s", zh, en);
	else
		snprintf(buf, cap, "%s", zh);
}

/* One line of the 催报 list. */
struct chase {
	const struct disc_item *it;
	const char *name; /* the series' name in the table's language */
	char period[PERIOD_TEXT_MAX], due[16];
	int days;
};

/* The next figure missing now from item *i on, *i then past it; false at the end. */
static bool next_chase(const struct dsp *d, size_t *i, struct chase *c)
{
	for (; *i < d->n_items; (*i)++) {
		const struct disc_item *it = &d->items[*i];
		if (disc_classify(it, d->now_ms, &c->days) != DISC_MISSING)
			continue;
		const struct cat_series *s = catalog_series(d->region, it->series);
		c->it = it;
		c->name = !s ? it->series
			  : d->o->lang == DISPATCH_EN && s->name_en && s->name_en[0] ? s->name_en
										 : s->name;
		period_format(&it->period, c->period);
		fmt_date(c->due, sizeof(c->due), it->due_ms);
		(*i)++;
		return true;
	}
	return false;
}

/* The window the reporting discipline counts: the periods of the table's year up to its
 * period, those due by the time the table is drawn ("2026年1-10月"). */
static void window_label(const struct dsp *d, char *buf, size_t cap)
{
	period_label(d, buf, cap, &d->per, true, 1);
}

/* ---- CSV ---- */

static void csv_write(const struct dsp *d, FILE *f)
{
	char buf[REP_NAME * 2];
	fputs("\xEF\xBB\xBF", f); /* BOM: Excel opens UTF-8 CSV as such only with it */
	rep_csv_field(f, "period", false);
	for (int c = 0; c < C_N; c++) {
		if (!col_shown(d, c))
			continue;
		head(d, c, buf, sizeof(buf));
		rep_csv_field(f, buf, c == C_LATE);
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct drow *r = &d->rows[i];
		period_format(&r->per, buf);
		rep_csv_field(f, buf, false);
		for (int c = 0; c < C_N; c++) {
			if (!col_shown(d, c))
				continue;
			cell(d, r, c, buf, sizeof(buf));
			rep_csv_field(f, buf, c == C_LATE);
		}
	}
	fputs("\r\n", f);
	static const char *const dh[] = { "dept", "expected", "received", "on_time", "late",
					  "missing", "on_time_rate", "max_days_late" };
	for (size_t k = 0; k < 8; k++)
		rep_csv_field(f, dh[k], k == 7);
	for (size_t i = 0; i < d->n_depts; i++) {
		const struct disc_dept *s = &d->depts[i];
		rep_csv_field(f, s->dept, false);
		unsigned v[5] = { s->expected, s->received, s->on_time, s->late, s->missing };
		for (int k = 0; k < 5; k++) {
			snprintf(buf, sizeof(buf), "%u", v[k]);
			rep_csv_field(f, buf, false);
		}
		fmt_pct(buf, sizeof(buf), s->on_time_rate);
		rep_csv_field(f, buf, false);
		snprintf(buf, sizeof(buf), "%d", s->max_late_days);
		rep_csv_field(f, buf, true);
	}
}

/* ---- JSON ---- */

static void json_row(const struct drow *r, FILE *f)
{
	char per[PERIOD_TEXT_MAX], due[16] = "";
	period_format(&r->per, per);
	fputs("{\"indicator\":", f);
	rep_json_str(f, r->s->id);
	fputs(",\"name\":", f);
	rep_json_str(f, r->s->name);
	fputs(",\"name_en\":", f);
	rep_json_str(f, r->s->name_en ? r->s->name_en : "");
	fputs(",\"category\":", f);
	rep_json_str(f, r->s->category);
	fprintf(f, ",\"binding\":%s,\"plan\":", r->binding ? "true" : "false");
	if (r->x)
		rep_json_str(f, r->x->plan->id);
	else
		fputs("null", f);
	fputs(",\"dept\":", f);
	rep_json_str(f, r->s->n_depts ? r->s->depts[0] : "");
	fputs(",\"unit\":", f);
	rep_json_str(f, r->s->unit);
	fputs(",\"period\":", f);
	rep_json_str(f, per);
	fputs(",\"ytd\":", f);
	rep_json_num(f, r->y.cum);
	fputs(",\"ytd_yoy\":", f);
	rep_json_num(f, r->y.cum_yoy);
	fprintf(f, ",\"ytd_yoy_computed\":%s", r->y.cum_yoy_computed ? "true" : "false");
	fputs(",\"single\":", f);
	rep_json_num(f, r->y.single);
	fputs(",\"single_yoy\":", f);
	rep_json_num(f, r->y.single_yoy);
	static const char *const kinds[] = { "none", "total", "growth", "level" };
	static const char *const srcs[] = { "none", "city", "annual", "plan" };
	fprintf(f, ",\"combined\":%s,\"target_kind\":\"%s\",\"target_source\":\"%s\","
		   "\"target\":",
		r->y.combined ? "true" : "false", kinds[r->tgt], srcs[r->src]);
	rep_json_num(f, r->target);
	fputs(",\"elapsed\":", f);
	rep_json_num(f, r->pace.elapsed);
	fputs(",\"completion\":", f);
	rep_json_num(f, r->pace.completion);
	fputs(",\"gap\":", f);
	rep_json_num(f, r->pace.gap);
	fputs(",\"gap_unit\":", f);
	if (gap_unit(r))
		rep_json_str(f, gap_unit(r));
	else
		fputs("null", f);
	static const char *const paces[] = { [YTD_PACE_NONE] = "none", [YTD_PACE_AHEAD] = "ahead",
					      [YTD_PACE_ON] = "on", [YTD_PACE_BEHIND] = "behind",
					      [YTD_PACE_MET] = "met", [YTD_PACE_SHORT] = "short" };
	fprintf(f, ",\"pace\":\"%s\"", paces[r->pace.pace]);
	fputs(",\"plan_path\":", f);
	rep_json_num(f, r->path);
	fputs(",\"status\":", f);
	if (r->has)
		rep_json_str(f, status_name(r->status));
	else
		fputs("null", f);
	fprintf(f, ",\"rev\":%lld,\"reporting\":\"%s\",\"days_late\":%d,\"due\":",
		(long long)r->rev,
		r->dstate == DISC_ON_TIME  ? "on_time"
		: r->dstate == DISC_LATE   ? "late"
		: r->dstate == DISC_MISSING ? "missing"
					    : "not_due",
		r->ddays);
	if (r->due_ms) {
		fmt_date(due, sizeof(due), r->due_ms);
		rep_json_str(f, due);
	} else {
		fputs("null", f);
	}
	fputc('}', f);
}

static void json_write(const struct dsp *d, FILE *f)
{
	char per[PERIOD_TEXT_MAX], now[32];
	period_format(&d->per, per);
	fmt_bjt(now, sizeof(now), d->now_ms);
	fputs("{\"region\":", f);
	rep_json_str(f, d->region->id);
	fputs(",\"region_name\":", f);
	rep_json_str(f, d->region->name ? d->region->name : "");
	fputs(",\"period\":", f);
	rep_json_str(f, per);
	fprintf(f, ",\"kind\":\"%s\",\"generated_bjt\":",
		d->per.freq == PERIOD_MONTH ? "monthly" : "quarterly");
	rep_json_str(f, now);
	fputs(",\"issuer\":", f);
	rep_json_str(f, issuer(d));
	fputs(",\"rows\":[", f);
	for (size_t i = 0; i < d->n; i++) {
		fputs(i ? ",\n" : "\n", f);
		json_row(&d->rows[i], f);
	}
	char win[96];
	window_label(d, win, sizeof(win));
	fputs("],\n\"discipline_window\":", f);
	rep_json_str(f, win);
	fputs(",\n\"discipline\":[", f);
	for (size_t i = 0; i < d->n_depts; i++) {
		const struct disc_dept *s = &d->depts[i];
		fputs(i ? ",\n{\"dept\":" : "\n{\"dept\":", f);
		rep_json_str(f, s->dept);
		fprintf(f, ",\"expected\":%u,\"received\":%u,\"on_time\":%u,\"late\":%u,"
			   "\"missing\":%u,\"max_days_late\":%d,\"on_time_rate\":",
			s->expected, s->received, s->on_time, s->late, s->missing,
			s->max_late_days);
		rep_json_num(f, s->on_time_rate);
		fputc('}', f);
	}
	fputs("],\n\"chase\":[", f);
	struct chase ch;
	for (size_t i = 0, k = 0; next_chase(d, &i, &ch); k++) {
		fputs(k ? ",\n{\"dept\":" : "\n{\"dept\":", f);
		rep_json_str(f, ch.it->dept);
		fputs(",\"indicator\":", f);
		rep_json_str(f, ch.it->series);
		fprintf(f, ",\"period\":\"%s\",\"due\":\"%s\",\"days_late\":%d}", ch.period,
			ch.due, ch.days);
	}
	fputs("]}\n", f);
}

/* ---- HTML ---- */

static void html_put(FILE *f, const char *s)
{
	rep_esc(f, s);
}

static const char html_css[] =
	"body{font-family:'Noto Sans CJK SC','Noto Sans',sans-serif;font-size:9pt;margin:0}\n"
	"h1{font-size:14pt;text-align:center;margin:0 0 2mm}\n"
	".meta{display:flex;justify-content:space-between;font-size:8.5pt;margin-bottom:2mm}\n"
	"table{border-collapse:collapse;width:100%}\n"
	"th,td{border:0.5pt solid #444;padding:1mm 1.2mm}td.n{text-align:right;"
	"font-variant-numeric:tabular-nums}\n"
	"thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}\n"
	"th{background:#eee}tr.cat td{background:#f6f6f6;font-weight:bold}\n"
	".ahead{color:#060}.behind{color:#b00;font-weight:bold}.missing{color:#b00}\n"
	"h2{font-size:11pt;margin:4mm 0 1mm;break-after:avoid}\n";

static void html_head_row(const struct dsp *d, FILE *f)
{
	char buf[256];
	fputs("<thead><tr>", f);
	for (int c = C_NAME; c < C_N; c++) {
		if (!col_shown(d, c))
			continue;
		head(d, c, buf, sizeof(buf));
		fputs("<th>", f);
		rep_esc(f, buf);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n", f);
}

static int n_cols(const struct dsp *d)
{
	int n = 0;
	for (int c = C_NAME; c < C_N; c++)
		n += col_shown(d, c);
	return n;
}

static void html_row(const struct dsp *d, const struct drow *r, FILE *f)
{
	char buf[REP_NAME * 2];
	fprintf(f, "<tr data-indicator=\"%s\" class=\"%s%s\">", r->s->id,
		r->pace.pace == YTD_PACE_BEHIND || r->pace.pace == YTD_PACE_SHORT ? "behind"
		: r->pace.pace == YTD_PACE_AHEAD ? "ahead" : "",
		r->dstate == DISC_MISSING ? " missing" : "");
	for (int c = C_NAME; c < C_N; c++) {
		if (!col_shown(d, c))
			continue;
		cell(d, r, c, buf, sizeof(buf));
		bool num = c >= C_CUM && c <= C_PATH && c != C_PACE;
		fprintf(f, "<td%s data-col=\"%s\">", num ? " class=\"n\"" : "", cols[c].key);
		if (c == C_NAME && r->binding)
			fputs("★", f);
		rep_esc(f, buf);
		fputs("</td>", f);
	}
	fputs("</tr>\n", f);
}

static void html_discipline(const struct dsp *d, FILE *f)
{
	char win[96];
	window_label(d, win, sizeof(win));
	fputs("<h2>", f);
	label(d, f, "报送情况", "Reporting discipline", html_put);
	fputs("（", f);
	rep_esc(f, win);
	fputs("）</h2>\n<table class=\"discipline\"><thead><tr>", f);
	static const char *const zh[] = { "责任单位", "应报", "已报", "按时", "迟报", "未报",
					  "按时率(%)", "最长逾期(天)" };
	static const char *const en[] = { "Department", "Due", "Received", "On time", "Late",
					  "Missing", "On-time rate (%)", "Longest delay (days)" };
	for (int k = 0; k < 8; k++) {
		fputs("<th>", f);
		label(d, f, zh[k], en[k], html_put);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n", f);
	for (size_t i = 0; i < d->n_depts; i++) {
		const struct disc_dept *s = &d->depts[i];
		char rate[16];
		fmt_pct(rate, sizeof(rate), s->on_time_rate);
		fputs("<tr data-dept=\"", f);
		rep_esc(f, s->dept);
		fputs("\"><td>", f);
		rep_esc(f, s->dept);
		fprintf(f, "</td><td class=\"n\">%u</td><td class=\"n\">%u</td><td class=\"n\">%u</td>"
			   "<td class=\"n\">%u</td><td class=\"n\">%u</td><td class=\"n\">%s</td>"
			   "<td class=\"n\">%d</td></tr>\n",
			s->expected, s->received, s->on_time, s->late, s->missing, rate,
			s->max_late_days);
	}
	if (!d->n_depts) { /* said, not a bare head: no plan in force asked for a figure */
		fputs("<tr class=\"none\"><td colspan=\"8\">", f);
		label(d, f, "本期无应报数据", "nothing was due", html_put);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<h2>", f);
	label(d, f, "催报清单", "Figures to chase", html_put);
	fputs("</h2>\n<table class=\"chase\"><tbody>\n", f);
	struct chase ch;
	size_t n_chase = 0;
	for (size_t i = 0; next_chase(d, &i, &ch); n_chase++) {
		fputs("<tr class=\"missing\"><td>", f);
		rep_esc(f, ch.it->dept);
		fputs("</td><td>", f);
		rep_esc(f, ch.name);
		fprintf(f, "</td><td>%s</td><td>", ch.period);
		label(d, f, "应报日", "due", html_put);
		fprintf(f, " %s</td><td class=\"n\">%d</td></tr>\n", ch.due, ch.days);
	}
	if (!n_chase) {
		fputs("<tr class=\"none\"><td>", f);
		label(d, f, "无", "none", html_put);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

static void html_write(const struct dsp *d, FILE *f)
{
	char title[256], now[32], per[96];
	period_label(d, per, sizeof(per), &d->per, true, 1);
	fmt_bjt(now, sizeof(now), d->now_ms);
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n<title>",
		d->o->lang == DISPATCH_EN ? "en" : "zh-CN");
	snprintf(title, sizeof(title), "%s %s", d->region->name ? d->region->name : d->region->id,
		 per);
	rep_esc(f, title);
	/* Page numbers in the page's bottom margin box: Chromium prints them (CSS Paged Media). */
	fprintf(f, "</title>\n<style>@page{size:A4 landscape;margin:12mm 10mm 14mm;"
		   "@bottom-center{content:%s;font-size:8pt}}\n%s</style></head><body>\n<h1>",
		d->o->lang == DISPATCH_EN
			? "\"Page \" counter(page) \" of \" counter(pages)"
			: "\"第\" counter(page) \"页 共\" counter(pages) \"页\"",
		html_css);
	rep_esc(f, title);
	fputc(' ', f);
	if (d->per.freq == PERIOD_MONTH)
		label(d, f, "主要指标月度调度表", "monthly dispatch table", html_put);
	else
		label(d, f, "主要指标季度分析表", "quarterly analysis", html_put);
	fputs("</h1>\n<div class=\"meta\"><span>", f);
	label(d, f, "制表单位：", "Prepared by: ", html_put);
	rep_esc(f, issuer(d));
	fputs("</span><span>", f);
	label(d, f, "★ 约束性指标", "★ binding indicator", html_put);
	fputs("</span><span>", f);
	label(d, f, "制表时间（北京时间）：", "Generated (Beijing time): ", html_put);
	fprintf(f, "%s</span></div>\n<table class=\"dispatch\">\n", now);
	html_head_row(d, f);
	fputs("<tbody>\n", f);
	int last = -1;
	for (size_t i = 0; i < d->n; i++) {
		char cat[REP_SHORT * 2];
		if (d->rows[i].cat_rank != last) {
			last = d->rows[i].cat_rank;
			cell(d, &d->rows[i], C_CAT, cat, sizeof(cat));
			fprintf(f, "<tr class=\"cat\"><td colspan=\"%d\">", n_cols(d));
			rep_esc(f, cat);
			fputs("</td></tr>\n", f);
		}
		html_row(d, &d->rows[i], f);
	}
	fputs("</tbody></table>\n", f);
	html_discipline(d, f);
	fputs("</body></html>\n", f);
}

/* ---- xlsx (libxlsxwriter) ---- */

struct xl {
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *title, *head, *cat, *num, *pct, *text;
	lxw_row_t row;
};

static void xl_formats(struct xl *x)
{
	x->title = workbook_add_format(x->wb);
	format_set_bold(x->title);
	format_set_font_size(x->title, 14);
	x->head = workbook_add_format(x->wb);
	format_set_bold(x->head);
	format_set_border(x->head, LXW_BORDER_THIN);
	format_set_text_wrap(x->head);
	format_set_bg_color(x->head, 0xEEEEEE);
	x->cat = workbook_add_format(x->wb);
	format_set_bold(x->cat);
	x->text = workbook_add_format(x->wb);
	format_set_border(x->text, LXW_BORDER_THIN);
	x->num = workbook_add_format(x->wb);
	format_set_border(x->num, LXW_BORDER_THIN);
	format_set_num_format(x->num, "#,##0.00##");
	x->pct = workbook_add_format(x->wb);
	format_set_border(x->pct, LXW_BORDER_THIN);
	format_set_num_format(x->pct, "0.0");
}

/* The number of column c of row r, NAN when the cell is text or blank. */
static double xl_value(const struct drow *r, int c)
{
	switch (c) {
	case C_CUM: return r->y.cum;
	case C_CUM_YOY: return r->y.cum_yoy;
	case C_SINGLE: return r->y.single;
	case C_SINGLE_YOY: return r->y.single_yoy;
	case C_TARGET: return r->tgt == TGT_TOTAL || r->tgt == TGT_LEVEL ? r->target : NAN;
	case C_PROGRESS: return r->tgt == TGT_TOTAL ? r->pace.completion : NAN;
	case C_GAP: return r->pace.gap;
	case C_PATH: return r->path;
	case C_LATE:
		return r->dstate == DISC_MISSING || r->dstate == DISC_LATE ? r->ddays : NAN;
	default: return NAN;
	}
}

static bool xl_numeric(int c)
{
	return c >= C_CUM && c <= C_LATE && c != C_PACE && c != C_STATUS && c != C_TARGET &&
	       c != C_GAP_UNIT;
}

static void xl_rows(const struct dsp *d, struct xl *x)
{
	char buf[REP_NAME * 2];
	lxw_col_t col = 0;
	for (int c = C_NAME; c < C_N; c++) {
		if (!col_shown(d, c))
			continue;
		head(d, c, buf, sizeof(buf));
		worksheet_write_string(x->ws, x->row, col++, buf, x->head);
	}
	worksheet_repeat_rows(x->ws, x->row, x->row);
	worksheet_freeze_panes(x->ws, x->row + 1, 1);
	x->row++;
	int last = -1;
	for (size_t i = 0; i < d->n; i++) {
		const struct drow *r = &d->rows[i];
		if (r->cat_rank != last) {
			last = r->cat_rank;
			cell(d, r, C_CAT, buf, sizeof(buf));
			worksheet_write_string(x->ws, x->row++, 0, buf, x->cat);
		}
		col = 0;
		for (int c = C_NAME; c < C_N; c++) {
			if (!col_shown(d, c))
				continue;
			double v = xl_value(r, c);
			/* Numbers as numbers, so that the bureau's own sums and charts work. */
			if (xl_numeric(c) && !isnan(v)) {
				bool pct = c == C_CUM_YOY || c == C_SINGLE_YOY || c == C_PROGRESS ||
					   c == C_GAP;
				worksheet_write_number(x->ws, x->row, col++, v, pct ? x->pct : x->num);
				continue;
			}
			cell(d, r, c, buf, sizeof(buf));
			if (c == C_NAME && r->binding) {
				char star[sizeof(buf) + 4];
				snprintf(star, sizeof(star), "★%s", buf);
				worksheet_write_string(x->ws, x->row, col++, star, x->text);
			} else {
				worksheet_write_string(x->ws, x->row, col++, buf, x->text);
			}
		}
		x->row++;
	}
}

static void xl_discipline(const struct dsp *d, struct xl *x)
{
	static const char *const zh[] = { "责任单位", "应报", "已报", "按时", "迟报", "未报",
					  "按时率(%)", "最长逾期(天)" };
	static const char *const en[] = { "Department", "Due", "Received", "On time", "Late",
					  "Missing", "On-time rate (%)", "Longest delay (days)" };
	x->row++;
	worksheet_write_string(x->ws, x->row++, 0,
			       d->o->lang == DISPATCH_EN ? "Reporting discipline" : "报送情况",
			       x->cat);
	for (int k = 0; k < 8; k++)
		worksheet_write_string(x->ws, x->row, (lxw_col_t)k,
				       d->o->lang == DISPATCH_EN ? en[k] : zh[k], x->head);
	x->row++;
	for (size_t i = 0; i < d->n_depts; i++, x->row++) {
		const struct disc_dept *s = &d->depts[i];
		double v[7] = { s->expected, s->received, s->on_time, s->late, s->missing,
				s->on_time_rate, s->max_late_days };
		worksheet_write_string(x->ws, x->row, 0, s->dept, x->text);
		for (int k = 0; k < 7; k++)
			if (!isnan(v[k]))
				worksheet_write_number(x->ws, x->row, (lxw_col_t)(k + 1), v[k],
						       k == 5 ? x->pct : x->text);
	}
	x->row++;
	worksheet_write_string(x->ws, x->row++, 0,
			       d->o->lang == DISPATCH_EN ? "Figures to chase" : "催报清单", x->cat);
	struct chase ch;
	for (size_t i = 0; next_chase(d, &i, &ch); x->row++) {
		worksheet_write_string(x->ws, x->row, 0, ch.it->dept, x->text);
		worksheet_write_string(x->ws, x->row, 1, ch.name, x->text);
		worksheet_write_string(x->ws, x->row, 2, ch.period, x->text);
		worksheet_write_string(x->ws, x->row, 3, ch.due, x->text);
		worksheet_write_number(x->ws, x->row, 4, ch.days, x->text);
	}
}

/* The workbook: one sheet, A4 landscape, fitted to the page width, page numbers in the
 * footer, the column heads repeated on every printed page. */
static int xlsx_write(struct dsp *d, const char *path)
{
	char title[256], now[32], per[96], meta[512];
	struct xl x = { 0 };
	/* libxlsxwriter prints its own errors: open the file first so that the usual one (no
	 * such directory, no permission) is ours to report. */
	FILE *f = fopen(path, "wb");
	if (!f)
		return rep_fail(&d->rq, PW_ESYS, "cannot create '%s': %s", path,
				strerror(errno));
	fclose(f);
	if (!(x.wb = workbook_new(path)))
		return rep_fail(&d->rq, PW_ESYS, "cannot create workbook '%s'", path);
	x.ws = workbook_add_worksheet(x.wb, d->per.freq == PERIOD_MONTH ? "调度表" : "季度分析");
	if (x.ws) {
		xl_formats(&x);
		worksheet_set_landscape(x.ws);
		worksheet_set_paper(x.ws, 9); /* A4 */
		worksheet_fit_to_pages(x.ws, 1, 0);
		worksheet_set_footer(x.ws, "&C&P / &N");
		worksheet_set_column(x.ws, 0, 0, 24, NULL);
		worksheet_set_column(x.ws, 1, 14, 11, NULL);
		period_label(d, per, sizeof(per), &d->per, true, 1);
		fmt_bjt(now, sizeof(now), d->now_ms);
		snprintf(title, sizeof(title), "%s %s %s",
			 d->region->name ? d->region->name : d->region->id, per,
			 d->o->lang == DISPATCH_EN ? (d->per.freq == PERIOD_MONTH
							     ? "monthly dispatch table"
							     : "quarterly analysis")
			 : d->per.freq == PERIOD_MONTH ? "主要指标月度调度表" : "主要指标季度分析表");
		worksheet_write_string(x.ws, 0, 0, title, x.title);
		snprintf(meta, sizeof(meta), "%s%s    %s%s",
			 d->o->lang == DISPATCH_EN ? "Prepared by: " : "制表单位：",
			 issuer(d),
			 d->o->lang == DISPATCH_EN ? "Generated (Beijing time): " : "制表时间（北京时间）：",
			 now);
		worksheet_write_string(x.ws, 1, 0, meta, NULL);
		x.row = 3;
		xl_rows(d, &x);
		xl_discipline(d, &x);
	}
	lxw_error e = x.ws ? LXW_NO_ERROR : LXW_ERROR_MEMORY_MALLOC_FAILED;
	lxw_error e2 = workbook_close(x.wb); /* frees wb, also after an error */
	if (e || e2)
		return rep_fail(&d->rq, PW_ESYS, "cannot write '%s': %s", path,
				lxw_strerror(e ? e : e2));
	return 0;
}

/* ---- entry points ---- */

int dispatch_format_parse(const char *s)
{
	static const char *const names[] = { "html", "csv", "json", "xlsx" }; /* enum order */
	return rep_name_index(s, names, 4);
}

int dispatch_lang_parse(const char *s)
{
	static const char *const names[] = { "zh", "en", "both" };
	return rep_name_index(s, names, 3);
}

/* Request ids of one run: "dsp-" and the microsecond it started. */
static void id_base(struct rep *rq)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(rq->idbase, sizeof(rq->idbase), "dsp-%llx",
		 (unsigned long long)ts.tv_sec * 1000000ull +
			 (unsigned long long)ts.tv_nsec / 1000);
}

#define SOURCES_MAX (1 + CAT_REGION_PLANS_MAX) /* a region's file and its plans' */
#define SOURCE_NAME_MAX 1024

/* Parses the reply's `sources` (PROTOCOL.md §3 catalog) as the daemon parsed the files. */
static int load_sources(struct rep *rq, const struct proto_view *v, struct catalog **cat)
{
	struct cat_file files[SOURCES_MAX];
	struct proto_view *sv;
	char cerr[CAT_ERR_MAX], (*names)[SOURCE_NAME_MAX];
	int rc = proto_view_sub(v, -1, "sources", &sv);
	if (rc < 0)
		return rep_fail(rq, PW_EPROTO, "the daemon's catalog reply has no sources (a daemon "
				"older than PROTOCOL.md v2's catalog sources): pass --catalog");
	size_t n = proto_view_count(sv);
	if (!(names = calloc(SOURCES_MAX, sizeof(*names))))
		rc = rep_fail(rq, PW_ENOMEM, "out of memory");
	else if (n == 0 || n > SOURCES_MAX)
		rc = rep_fail(rq, PW_EPROTO, "the daemon sent %zu catalog files", n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const void *text;
		if (proto_view_str(sv, (int)i, "name", names[i], sizeof(names[i])) < 0 ||
		    proto_view_bin(sv, (int)i, "text", &text, &files[i].len) < 0)
			rc = rep_fail(rq, PW_EPROTO, "catalog source %zu: no name or text", i);
		files[i].name = names[i];
		files[i].text = text;
	}
	if (rc == 0 && (rc = catalog_load_mem(cat, files, n, cerr)) < 0)
		rep_fail(rq, rc, "the daemon's catalog: %s", cerr);
	free(names);
	proto_view_free(sv);
	return rc;
}

int dispatch_catalog_fetch(struct pw_client *c, const char *region, struct catalog **cat,
			   char *err, size_t errlen)
{
	struct rep rq = { .c = c, .err = err, .errlen = err ? errlen : 0 };
	struct proto_req q = { .type = PROTO_CATALOG, .region = region, .sources = true };
	struct proto_view *v;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!c || !region || !cat)
		return rep_fail(&rq, PW_EINVAL, "invalid argument");
	id_base(&rq);
	if ((rc = rep_call(&rq, &q, &v)) < 0)
		return rc;
	rc = load_sources(&rq, v, cat);
	proto_view_free(v);
	return rc;
}

/* Loads the table and writes it: to out, or for xlsx to path. */
static int run(struct pw_client *c, const struct catalog *cat, const struct dispatch_opts *o,
	       FILE *out, const char *path, char *err, size_t errlen)
{
	struct dsp d = { .rq = { .c = c, .err = err, .errlen = err ? errlen : 0 }, .cat = cat,
			 .o = o };
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!c || !cat || !o || !o->region || !o->period || (o->format == DISPATCH_XLSX ? !path : !out))
		return rep_fail(&d.rq, PW_EINVAL, "invalid argument");
	if (o->format < DISPATCH_HTML || o->format > DISPATCH_XLSX || o->lang < DISPATCH_ZH ||
	    o->lang > DISPATCH_BOTH)
		return rep_fail(&d.rq, PW_EINVAL, "bad format or language");
	if (!(d.region = catalog_region(cat, o->region)))
		return rep_fail(&d.rq, PW_EINVAL, "unknown region '%.64s'", o->region);
	if (period_parse(&d.per, o->period, strlen(o->period)) < 0 ||
	    d.per.freq == PERIOD_ANNUAL)
		return rep_fail(&d.rq, PW_EINVAL,
				"bad period '%.16s': use a month (2026-10) or a quarter (2026Q3)",
				o->period);
	id_base(&d.rq);
	if ((rc = load(&d)) < 0)
		goto out_free;
	if (o->format == DISPATCH_XLSX) {
		rc = xlsx_write(&d, path);
		goto out_free;
	}
	errno = 0;
	if (o->format == DISPATCH_HTML)
		html_write(&d, out);
	else if (o->format == DISPATCH_CSV)
		csv_write(&d, out);
	else
		json_write(&d, out);
	if (fflush(out) != 0 || ferror(out))
		rc = rep_fail(&d.rq, PW_ESYS, "cannot write the table: %s",
			      strerror(errno ? errno : EIO));
out_free:
	free(d.rows);
	free(d.items);
	free(d.depts);
	return rc;
}

int dispatch_write(struct pw_client *c, const struct catalog *cat, const struct dispatch_opts *o,
		   FILE *out, char *err, size_t errlen)
{
	if (o && o->format == DISPATCH_XLSX)
		return PW_EINVAL; /* a workbook is a file: dispatch_write_xlsx */
	return run(c, cat, o, out, NULL, err, errlen);
}

int dispatch_write_xlsx(struct pw_client *c, const struct catalog *cat,
			const struct dispatch_opts *o, const char *path, char *err, size_t errlen)
{
	if (!o || o->format != DISPATCH_XLSX)
		return PW_EINVAL;
	return run(c, cat, o, NULL, path, err, errlen);
}
