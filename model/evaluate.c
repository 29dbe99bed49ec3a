/* model/evaluate.c — the verdict of a plan evaluation on one target (contract: evaluate.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "evaluate.h"

static const char *const names[EVALUATE_N][3] = {
	[EVALUATE_ACHIEVED] = { "achieved", "已完成", "achieved" },
	[EVALUATE_NOT_ACHIEVED] = { "not_achieved", "未完成", "not achieved" },
	[EVALUATE_LIKELY_ACHIEVED] = { "likely_achieved", "预计可以完成", "likely achieved" },
	[EVALUATE_LIKELY_NOT_ACHIEVED] = { "likely_not_achieved", "预计难以完成",
					   "likely not achieved" },
	[EVALUATE_NOT_ASSESSABLE] = { "not_assessable", "难以评估", "not assessable" },
	[EVALUATE_NO_DATA] = { "no_data", "无数据", "no data" },
	[EVALUATE_ACHIEVED_EARLY] = { "achieved_early", "提前实现", "achieved early" },
	[EVALUATE_AHEAD] = { "ahead", "快于预期", "ahead" },
	[EVALUATE_ON_PATH] = { "on_path", "基本符合预期", "on path" },
	[EVALUATE_BEHIND] = { "behind", "滞后于预期", "behind" },
};

const char *evaluate_name(int v)
{
	return v > EVALUATE_NONE && v < EVALUATE_N ? names[v][0] : "none";
}

const char *evaluate_name_zh(int v)
{
	return v > EVALUATE_NONE && v < EVALUATE_N ? names[v][1] : "";
}

const char *evaluate_name_en(int v)
{
	return v > EVALUATE_NONE && v < EVALUATE_N ? names[v][2] : "";
}

void evaluate_format(double x, int decimals, char buf[32])
{
	if (isnan(x)) {
		buf[0] = '\0';
		return;
	}
	/* below 1, enough decimals for two significant digits (0.035, not 0.04) */
	if (decimals >= 0 && x != 0 && fabs(x) < 1 && ceil(-log10(fabs(x))) + 1 > decimals)
		decimals = (int)ceil(-log10(fabs(x))) + 1;
	if (decimals >= 0)
		snprintf(buf, 32, "%.*f", decimals, x);
	else
		snprintf(buf, 32, "%.15g", x);
	if (strchr(buf, '.') && !strchr(buf, 'e')) {
		char *end = buf + strlen(buf) - 1;
		while (*end == '0')
			*end-- = '\0';
		if (*end == '.')
			*end = '\0';
	}
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
}

/* What one evaluation compares: x against req in direction dir, in points or levels. */
struct cmp {
	double x, req, final_req; /* final_req: the target year's requirement */
	int dir;
	bool points;    /* x is a growth rate in % (margin in percentage points) */
	bool path;      /* req is an interpolated path (序时进度), not a bound of every year */
	bool annual;    /* req is the year's 年度目标: x is the year's own figure, not a sum */
	const char *basis, *zh, *en; /* the requirement in words */
};

static void set_rule(struct evaluate_result *r, const struct evaluate_target *t,
		     const struct evaluate_figure *f, const struct cmp *c, const char *zh,
		     const char *en)
{
	char x[32], req[32];
	const char *u = c->points ? "%" : t->unit ? t->unit : "";
	evaluate_format(c->x, c->points ? 2 : -1, x);
	evaluate_format(c->req, 2, req);
	snprintf(r->rule_zh, sizeof(r->rule_zh), "%s：%d年应%s%s%s，实际%s%s%s", c->zh, f->year,
		 c->dir > 0 ? "不低于" : "不高于", req, u, x, u, zh);
	const char *sep = c->points || !u[0] ? "" : " "; /* 5.8%, but 1000 亿元 */
	snprintf(r->rule_en, sizeof(r->rule_en), "%s: %d requires %s %s%s%s, actual %s%s%s%s",
		 c->en, f->year, c->dir > 0 ? "at least" : "at most", req, sep, u, x, sep, u, en);
}

/* The requirement of t in f's year, or false with r's verdict set (not assessable,
 * no data) when there is none to compare. */
static bool requirement(const struct evaluate_target *t, const struct evaluate_figure *f,
			struct cmp *c, struct evaluate_result *r)
{
	const struct planmath_target *p = &t->t;
	bool final = f->year >= p->target_year;
	double g;

	c->x = f->value;
	c->dir = t->direction;
	switch (t->kind) {
	case CAT_GROWTH:
		if (!isnan(p->target)) {
			struct planmath_target lv = *p;
			lv.growth = NAN; /* the path between the levels, not the (real) rate */
			c->basis = "level";
			c->final_req = p->target;
			c->path = true;
			c->zh = final ? "规划目标" : "从基期到目标的水平路径";
			c->en = final ? "the plan target" : "the level path from the baseline";
			if (final) {
				c->req = p->target;
				return true;
			}
			if (!planmath_growth(&lv, &g))
				return false; /* no baseline: judged in the target year only */
			c->req = planmath_compound(p->base, g, f->year - p->base_year);
			return true;
		}
		if (!planmath_growth(p, &g))
			return false;
		c->basis = "rate";
		c->points = true;
		c->path = true;
		c->x = r->actual_growth;
		c->req = c->final_req = g;
		c->zh = "规划年均增长";
		c->en = "the plan's average growth";
		return true;
	case CAT_LEVEL:
		c->basis = "level";
		c->final_req = p->target;
		c->path = true;
		c->zh = final ? "规划目标" : "从基期到目标的线性路径";
		c->en = final ? "the plan target" : "the linear path from the baseline";
		if (final || isnan(p->base)) {
			c->req = p->target;
			return final && !isnan(p->target);
		}
		return planmath_level(p, f->year, &c->req);
	case CAT_CEILING:
	case CAT_FLOOR:
	case CAT_CITY:
		c->basis = "bound";
		c->req = c->final_req = p->target;
		c->zh = t->kind == CAT_CITY ? "市下达目标" : "每年的约束";
		c->en = t->kind == CAT_CITY ? "the city's target" : "the bound of every year";
		return !isnan(p->target);
	case CAT_KEEP:
		c->basis = "bound";
		c->req = c->final_req = p->base;
		c->zh = "保持基期水平";
		c->en = "keep the baseline level";
		return !isnan(p->base);
	case CAT_CUMULATIVE:
		c->basis = "sum";
		c->final_req = p->target;
		c->path = true;
		c->zh = final ? "五年累计目标" : isnan(p->growth) ? "五年累计按进度" : "五年累计逐年增长路径";
		c->en = final ? "the five-year sum" : isnan(p->growth) ? "the sum pro rata"
								 : "the sum's growth-weighted path";
		return planmath_cum_path(p, f->year, &c->req);
	default:
		return false;
	}
}

/* Does the year's 年度目标 decide? A city's number comes first; a final evaluation judges
 * the plan's own target, except where the plan states none (a city target not yet set). */
static bool uses_annual(const struct evaluate_target *t, const struct evaluate_figure *f)
{
	const struct evaluate_annual *a = t->annual;
	if (!a || (!a->has_value && !a->has_growth))
		return false;
	if (t->kind == CAT_CITY)
		return isnan(t->t.target);
	return f->year < t->t.target_year;
}

/* The year's 年度目标 as the requirement: a level of the year's own figure, or a growth of
 * it over the year before. A bound of that year: met is on path, short is behind. */
static void annual_requirement(const struct evaluate_target *t, const struct evaluate_figure *f,
			       struct cmp *c)
{
	const struct evaluate_annual *a = t->annual;
	c->dir = t->direction;
	c->basis = "annual";
	c->annual = true;
	if (a->has_value) {
		c->x = f->own;
		c->req = c->final_req = a->value;
		c->zh = "年度目标";
		c->en = "the year's target";
		return;
	}
	c->points = true;
	c->x = f->yoy;
	c->req = c->final_req = a->growth;
	c->zh = "年度目标增长";
	c->en = "the year's target growth";
}

/* "2022、2023年" of f's missing years into buf. */
static void missing_years(const struct evaluate_figure *f, char *buf, size_t cap, const char *sep)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < f->n_missing && i < EVALUATE_MISSING_MAX && len + 12 < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%d", i ? sep : "", f->missing[i]);
}

static void not_assessable(struct evaluate_result *r, const char *zh, const char *en)
{
	r->verdict = EVALUATE_NOT_ASSESSABLE;
	snprintf(r->rule_zh, sizeof(r->rule_zh), "%s", zh);
	snprintf(r->rule_en, sizeof(r->rule_en), "%s", en);
}

/* Not assessable for a definition change (统计口径改变), with what changed. */
static void def_changed(const struct evaluate_target *t, struct evaluate_result *r)
{
	char zh[400], en[400];
	if (t->def_change_year) {
		snprintf(zh, sizeof(zh), "%d年起统计口径改变，难以评估：%s", t->def_change_year,
			 t->def_change);
		snprintf(en, sizeof(en), "the statistical definition changed from %d: %s",
			 t->def_change_year, t->def_change);
	} else {
		snprintf(zh, sizeof(zh), "统计口径改变，难以评估：%s", t->def_change);
		snprintf(en, sizeof(en), "the statistical definition changed: %s", t->def_change);
	}
	not_assessable(r, zh, en);
}

static double completion(const struct cmp *c)
{
	if (c->points)
		return c->final_req > 0 && !isnan(c->x) ? c->x / c->final_req * 100 : NAN;
	if (c->dir > 0)
		return c->final_req > 0 ? c->x / c->final_req * 100 : NAN;
	return c->x > 0 && c->final_req > 0 ? c->final_req / c->x * 100 : NAN;
}

/* The verdict of the final year: the target is met or not; an estimate only says likely. */
static int final_verdict(const struct evaluate_figure *f, double gap)
{
	if (f->estimate)
		return gap >= 0 ? EVALUATE_LIKELY_ACHIEVED : EVALUATE_LIKELY_NOT_ACHIEVED;
	return gap >= 0 ? EVALUATE_ACHIEVED : EVALUATE_NOT_ACHIEVED;
}

/* The verdict of an earlier year. A path (序时进度) is an expectation: clearly above it is
 * ahead, within the margin either side on path, further below behind, and a level or sum
 * already at the final target achieved early. A bound holds every year: met is on path,
 * not met is behind — there is no being ahead of a limit. */
static int earlier_verdict(const struct cmp *c, double gap, double margin)
{
	if (!c->path)
		return gap >= 0 ? EVALUATE_ON_PATH : EVALUATE_BEHIND;
	if (!c->points && (c->x - c->final_req) * c->dir >= 0)
		return EVALUATE_ACHIEVED_EARLY;
	if (gap >= margin)
		return EVALUATE_AHEAD;
	if (gap >= -margin)
		return EVALUATE_ON_PATH;
	return EVALUATE_BEHIND;
}

static void judge(const struct evaluate_target *t, const struct evaluate_figure *f,
		  double margin_pct, const struct cmp *c, struct evaluate_result *r)
{
	bool final = f->year >= t->t.target_year;
	double gap = (c->x - c->req) * c->dir;
	double margin = planmath_margin(c->req, c->points, margin_pct);
	char miss[EVALUATE_MISSING_MAX * 8 + 16]; /* 16 x "2022、" (7 bytes): always fits */
	bool sum_missing = f->n_missing && !c->annual; /* a year's own figure is not a sum */

	r->basis = c->basis;
	r->required = c->req;
	r->completion = completion(c);
	r->verdict = final ? final_verdict(f, gap) : earlier_verdict(c, gap, margin);
	bool short_of = final ? gap < 0 : r->verdict == EVALUATE_BEHIND;
	if (sum_missing && short_of) {
		/* A sum short of its requirement while years are missing says nothing yet. */
		char zh[256], en[256];
		missing_years(f, miss, sizeof(miss), "、");
		snprintf(zh, sizeof(zh), "五年累计缺%s年数据，已报年份合计未达要求", miss);
		missing_years(f, miss, sizeof(miss), ", ");
		snprintf(en, sizeof(en), "the five-year sum lacks %s; the years reported fall short",
			 miss);
		not_assessable(r, zh, en);
		return;
	}
	char zh[200] = "", en[200] = "";
	if (sum_missing) {
		missing_years(f, miss, sizeof(miss), "、");
		snprintf(zh, sizeof(zh), "（缺%s年数据）", miss);
		missing_years(f, miss, sizeof(miss), ", ");
		snprintf(en, sizeof(en), " (missing %s)", miss);
	}
	if (f->total && !c->annual) {
		strncat(zh, "（报送的规划期累计数，非逐年合计）", sizeof(zh) - strlen(zh) - 1);
		strncat(en, " (the total reported for the plan period, not a sum of the years)",
			sizeof(en) - strlen(en) - 1);
	}
	if (f->estimate) {
		strncat(zh, "（预计数）", sizeof(zh) - strlen(zh) - 1);
		strncat(en, " (estimate)", sizeof(en) - strlen(en) - 1);
	}
	set_rule(r, t, f, c, zh, en);
}

void evaluate_target(const struct evaluate_target *t, const struct evaluate_figure *f,
		     double margin_pct, struct evaluate_result *r)
{
	struct cmp c = { 0 };
	memset(r, 0, sizeof(*r));
	r->required = r->completion = NAN;
	r->actual_growth = f->growth;
	/* A level ratio is a growth rate only at current prices. */
	if (isnan(r->actual_growth) && !t->comparable && t->kind == CAT_GROWTH)
		r->actual_growth = planmath_avg_growth(t->t.base, f->value, f->year - t->t.base_year);
	if (t->def_change && f->year >= t->def_change_year) {
		def_changed(t, r);
		return;
	}
	if (t->kind == CAT_INFO) {
		not_assessable(r, "无量化目标", "no quantified target");
		return;
	}
	bool annual = uses_annual(t, f);
	if (t->kind == CAT_CITY && isnan(t->t.target) && !annual) {
		not_assessable(r, "市下达目标未设定", "the city's target is not set");
		return;
	}
	if (isnan(annual ? f->own : f->value)) {
		r->verdict = EVALUATE_NO_DATA;
		snprintf(r->rule_zh, sizeof(r->rule_zh), "%d年无数据", f->year);
		snprintf(r->rule_en, sizeof(r->rule_en), "no figure for %d", f->year);
		return;
	}
	if (annual) {
		annual_requirement(t, f, &c);
		if (isnan(c.x))
			not_assessable(r, "无当年增速，无法对照年度增长目标",
				       "no growth over the year before to hold against the year's "
				       "target growth");
		else
			judge(t, f, margin_pct, &c, r);
		return;
	}
	if (!requirement(t, f, &c, r)) {
		if (t->kind == CAT_GROWTH || t->kind == CAT_LEVEL)
			not_assessable(r, "无基期值，只在目标年评估",
				       "no baseline value: judged in the target year only");
		else
			not_assessable(r, "无可比的要求", "no requirement to compare");
		return;
	}
	if (isnan(c.x) && t->comparable) {
		not_assessable(r, "无可比价年均增速（名义水平之比不是可比价增速）",
			       "no comparable-price average growth (a ratio of nominal levels is not one)");
		return;
	}
	if (isnan(c.x)) {
		not_assessable(r, "无基期值，无法计算年均增速", "no baseline value to grow from");
		return;
	}
	judge(t, f, margin_pct, &c, r);
}
