/* model/ytd.h — the arithmetic of 月调度、季分析 (docs/DISPATCH.md): cumulative figures (1–N月,
 * 1–N季度) and the single month or quarter derived from them (当月 = 1–N月 − 1–(N−1)月),
 * 当月同比, and 序时进度 (completion of the year's target against the elapsed share).
 *
 * Pure: the caller hands in what a series holds in the year and the year before (the newest
 * vintage of each period). Nothing is stored: every derived figure is computed when it is
 * read, so a revision of an earlier month changes every 当月 and 同比 that depends on it the
 * next time the table is drawn — there is no derived copy to go stale.
 *
 * The combined 1–2月 release: many statistics (investment, retail sales, industry) publish no
 * January figure; the first release of the year is 1–2月, filed as period YYYY-02. Then
 * 当月 for February is the 1–2月 figure itself (ytd_row.combined), and its 同比 compares with
 * last year's 1–2月, whatever last year's January was. */
#ifndef PW_YTD_H
#define PW_YTD_H

#include <stdbool.h>
#include <stdint.h>

#include "../proto/period.h"

/* What a series holds in one year at one frequency: held[n], value[n] (the newest vintage)
 * and the 同比 reported with it (yoy[n] in %, NaN when none), n = 1..12 or 1..4. */
struct ytd_year {
	bool held[13];
	double value[13];
	double yoy[13];
};

/* The figures of one period of a cumulative (ytd) series. NaN for what cannot be derived. */
struct ytd_row {
	int freq, n;       /* PERIOD_MONTH or PERIOD_QUARTER; 1..12 or 1..4 */
	double cum;        /* 1–N月 (1–N季度) */
	double cum_yoy;    /* its 同比 in %: as reported, else computed from last year's 1–N */
	bool cum_yoy_computed;
	double single;     /* 当月 (当季) */
	double single_yoy; /* 当月同比 in %, computed: needs last year's same span */
	bool combined;     /* the February of a year without a January figure: single is 1–2月 */
	int first;         /* first month/quarter single covers (2月 combined: 1) */
};

/* Derives the row of period n (1..12 for freq PERIOD_MONTH, 1..4 for PERIOD_QUARTER) from
 * this year's and last year's figures (prev may be NULL: no 同比 then). additive: the
 * cumulative figure is a sum (investment, retail sales, value added), so the single period
 * is a difference; for a cumulative average or rate (PM2.5 concentration, a growth rate)
 * single stays NaN. Returns 0, or PW_EINVAL for a bad freq/n and PW_ENOTFOUND when the year
 * holds no figure for n. */
int ytd_derive(const struct ytd_year *cur, const struct ytd_year *prev, int freq, int n,
	       bool additive, struct ytd_row *out);

/* The quarters of a monthly series' year: quarter k is its 1–3k月 figure (and the 同比
 * reported with it), held when month 3k is. The quarterly analysis derives 三季度 = 1–9月 −
 * 1–6月 from them with ytd_derive(PERIOD_QUARTER). */
void ytd_quarters(const struct ytd_year *months, struct ytd_year *quarters);

/* ---- 序时进度 ---- */

/* 达序时: completion within this many percentage points of the elapsed share (either
 * side). One month is 8.3 points of a year, so 1 point is about three days' work; the
 * bureau's tables print progress to 0.1 %. */
#define YTD_PACE_TOL_PP 1.0
/* 达序时 for a growth target: 同比 within this many points of the year's target growth. */
#define YTD_GROWTH_TOL_PP 0.2

enum ytd_pace {
	YTD_PACE_NONE = 0, YTD_PACE_AHEAD, YTD_PACE_ON, YTD_PACE_BEHIND,
	YTD_PACE_MET, YTD_PACE_SHORT /* a level of the year (ytd_pace_level): 达标 / 未达标 */
};

struct ytd_progress {
	int pace;          /* enum ytd_pace */
	double elapsed;    /* share of the year elapsed, % (N/12 or N/4) */
	double completion; /* total target: YTD / annual target, %; growth: the YTD 同比 */
	double gap;        /* completion − elapsed (total) or 同比 − target (growth), in points,
			    * signed so that > 0 is better (a ceiling's direction reversed) */
};

/* 序时进度 of a year's total target (a year's investment in 亿元): completion of annual
 * against the elapsed share n/12 (monthly) or n/4 (quarterly). direction +1: more is
 * better; -1: the target is a ceiling (energy use), being under the share is ahead.
 * NaN ytd or a non-positive target: pace NONE. */
void ytd_pace_total(double ytd, double annual, int freq, int n, int direction,
		    struct ytd_progress *out);

/* 序时进度 of a year's growth target (GDP +7 %): the YTD 同比 against it, every month. */
void ytd_pace_growth(double ytd_yoy, double target_growth, int freq, int n, int direction,
		     struct ytd_progress *out);

/* A year's level target (优良率 95%, a city's number for a share or a rate): the 1–N月
 * value, an average or ratio of the year to date, against it as a bound: met or short,
 * there is no schedule to be ahead of. completion is the value, gap value − target (> 0
 * better; a ceiling's sign reversed). NaN: pace NONE. */
void ytd_pace_level(double ytd, double target, int freq, int n, int direction,
		    struct ytd_progress *out);

/* Chinese and English names of a pace ("超序时", "ahead of schedule"). */
const char *ytd_pace_zh(int pace);
const char *ytd_pace_en(int pace);

/* ---- the release calendar ---- */

/* Unix ms at which period p's figure is due: 00:00 UTC after its last day, plus due_days
 * days (the rule daemon/rules.c applies to overdue figures). */
int64_t ytd_due_ms(const struct period *p, int due_days);

/* The newest period of frequency freq whose figure is due by now_ms (due_days after its
 * end). The dispatch table defaults to it. */
struct period ytd_latest_due(int freq, int due_days, int64_t now_ms);

/* Is a figure of period p expected of a series whose first expected period is first (year
 * 0: any period)? Not before first, and never a January of a series whose first period is a
 * February: its January comes with February as 1–2月. */
bool ytd_expected(const struct period *first, const struct period *p);

#endif
