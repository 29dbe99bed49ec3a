/* model/evaluate.h — the verdict of a plan evaluation on one target (规划评估): the final
 * evaluation of the target year (终期评估) and the annual monitoring and mid-term
 * evaluation of the years before it (年度监测、中期评估).
 *
 * Pure: the numbers of one target and of one year's figure in, a verdict, the requirement,
 * the completion rate, the actual average growth and the rule in words out. The numbers
 * decide; a verdict a results table states (001 专栏1 完成情况) is never an input. The
 * arithmetic is model/planmath.c, shared with the live rules (daemon/rules.c).
 *
 * Verdicts of the final year: achieved 已完成, not_achieved 未完成, likely_achieved 预计可以完成
 * and likely_not_achieved 预计难以完成 (only an estimate, 预计数, exists; a flash figure,
 * 快报数, decides as 001 does: "快报数，已完成"), not_assessable 难以评估 (with the reason),
 * no_data 无数据. Of earlier years, in the vocabulary of the national 14th-plan mid-term
 * evaluation: achieved_early 提前实现, ahead 快于预期, on_path 基本符合预期, behind 滞后于预期,
 * and not_assessable, no_data. */
#ifndef PW_EVALUATE_H
#define PW_EVALUATE_H

#include <stdbool.h>
#include <stddef.h>

#include "planmath.h"

enum evaluate_verdict {
	EVALUATE_NONE = 0,
	EVALUATE_ACHIEVED,
	EVALUATE_NOT_ACHIEVED,
	EVALUATE_LIKELY_ACHIEVED,
	EVALUATE_LIKELY_NOT_ACHIEVED,
	EVALUATE_NOT_ASSESSABLE,
	EVALUATE_NO_DATA,
	EVALUATE_ACHIEVED_EARLY,
	EVALUATE_AHEAD,
	EVALUATE_ON_PATH,
	EVALUATE_BEHIND,
	EVALUATE_N
};

#define EVALUATE_MISSING_MAX 16

/* The 年度目标 of the year evaluated (a work report's, seed 002:81): a level (a year's
 * figure, e.g. 优良率 95) or a growth over the year before (技术合同成交额 +100%). */
struct evaluate_annual {
	bool has_value, has_growth; /* a value comes first when a year states both */
	double value, growth;
};

/* One target of a plan. */
struct evaluate_target {
	int kind;                 /* enum cat_kind (model/catalog.h) */
	int direction;            /* +1 higher is better, -1 lower is better */
	struct planmath_target t; /* baseline, target, stated growth; for kind city t.target
				   * is the city's number for the year (NAN: not set) */
	bool comparable;          /* its growth is at comparable prices (cat_comparable_prices) */
	const char *unit;         /* for the rule in words; NULL: none */
	const struct evaluate_annual *annual; /* the year's 年度目标, NULL: none */
	const char *def_change;   /* 统计口径改变: what changed, so that the figures no longer
				   * compare with the baseline; NULL: none */
	int def_change_year;      /* the first year of the new definition; 0: every year */
};

/* The figure of the year evaluated. */
struct evaluate_figure {
	int year;
	double value;    /* the year's figure; of a cumulative target the sum of the plan
			  * years up to year; NAN: none */
	double growth;   /* the actual average growth (%) since the baseline at comparable
			  * prices (the reported yoys chained), NAN: not known */
	bool estimate;   /* only an estimate (预计数) exists */
	double own;      /* the year's own figure: of a cumulative target the year's amount,
			  * not the sum (an annual target is of the year); NAN: none */
	double yoy;      /* its growth over the year before in %: reported, or for a series
			  * at current prices from the two levels; NAN: not known */
	int missing[EVALUATE_MISSING_MAX]; /* cumulative: plan years without a figure */
	size_t n_missing;
	bool total;      /* cumulative: value is the figure reported for the plan period as a
			  * whole (2016-2020), not a sum of the years; n_missing is 0 */
};

struct evaluate_result {
	int verdict;          /* enum evaluate_verdict */
	const char *basis;    /* "level", "rate" (average growth), "bound", "sum", "annual"
			       * (the year's 年度目标); NULL: none */
	double required;      /* what the year requires (the target in the final year) */
	double completion;    /* completion rate in %: the figure against the final target
			       * (inverted for lower-is-better), or the actual against the planned
			       * average growth; NAN when it has no meaning */
	double actual_growth; /* the actual average growth (%) since the baseline, NAN */
	char rule_zh[400], rule_en[400]; /* the rule applied, in words */
};

/* Evaluates t on f with margin_pct (planmath_margin: the band of on_path around the path
 * of an earlier year). The final evaluation when f->year is the target year or later.
 * What a year requires, first match wins (docs/MODEL.md §2): a city's number (kind city);
 * the year's 年度目标 (t->annual), in an earlier year — and in the final year only for a
 * city target without a number, since a final evaluation judges the plan's own target —
 * held as a bound of that year (met: on path; short: behind); the plan's path or bound.
 * A definition change (t->def_change) in force by f->year makes any year not assessable,
 * with the reason in the rule. */
void evaluate_target(const struct evaluate_target *t, const struct evaluate_figure *f,
		     double margin_pct, struct evaluate_result *r);

const char *evaluate_name(int verdict);    /* "achieved", …; "none" for bad values */
const char *evaluate_name_zh(int verdict); /* "已完成", …; "" for bad values */
const char *evaluate_name_en(int verdict); /* "not achieved", …: words; "" for bad values */

/* A number as the tables print it: at most 15 significant digits, so binary noise
 * (3.4700000000000006) never shows; computed numbers (decimals >= 0) rounded to that many
 * decimals, more below 1 so that two significant digits show (0.035, not 0.04); trailing
 * zeros dropped. "" for NaN. */
void evaluate_format(double x, int decimals, char buf[32]);

#endif
