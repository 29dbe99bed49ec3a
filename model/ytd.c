/* model/ytd.c — cumulative and single-period figures, 同比 and 序时进度 (contract: ytd.h). */
#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <time.h>

#include "../proto/err.h"
#include "ytd.h"

static int periods_in_year(int freq)
{
	return freq == PERIOD_MONTH ? 12 : freq == PERIOD_QUARTER ? 4 : 0;
}

/* Growth of a over b in %, NaN unless both are finite and b is positive: a 同比 over a zero
 * or negative base is not a growth rate. */
static double growth(double a, double b)
{
	if (!isfinite(a) || !isfinite(b) || b <= 0)
		return NAN;
	return (a / b - 1) * 100;
}

/* The single period n of year y: *first is the first period it covers. Month 2 without a
 * January is the combined 1–2月 release. NaN when the period before n is missing. */
static double single_of(const struct ytd_year *y, int freq, int n, int *first)
{
	assert(n >= 1);
	*first = n;
	if (!y->held[n])
		return NAN;
	if (n == 1)
		return y->value[1];
	if (freq == PERIOD_MONTH && n == 2 && !y->held[1]) {
		*first = 1;
		return y->value[2];
	}
	if (!y->held[n - 1])
		return NAN;
	return y->value[n] - y->value[n - 1];
}

/* Last year's figure over months first..n: the same span as this year's single period, so a
 * combined 1–2月 compares with last year's 1–2月 even when last year had a January. */
static double span_of(const struct ytd_year *y, int freq, int first, int n)
{
	if (!y->held[n])
		return NAN;
	if (first == 1)
		return y->value[n];
	int f;
	double v = single_of(y, freq, n, &f);
	return f == first ? v : NAN;
}

int ytd_derive(const struct ytd_year *cur, const struct ytd_year *prev, int freq, int n,
	       bool additive, struct ytd_row *out)
{
	if (!cur || !out || n < 1 || n > periods_in_year(freq))
		return PW_EINVAL;
	*out = (struct ytd_row){ .freq = freq, .n = n, .cum = NAN, .cum_yoy = NAN,
				 .single = NAN, .single_yoy = NAN, .first = n };
	if (!cur->held[n])
		return PW_ENOTFOUND;
	out->cum = cur->value[n];
	out->cum_yoy = cur->yoy[n];
	if (isnan(out->cum_yoy) && prev && prev->held[n]) {
		out->cum_yoy = growth(cur->value[n], prev->value[n]);
		out->cum_yoy_computed = !isnan(out->cum_yoy);
	}
	if (!additive)
		return 0;
	out->single = single_of(cur, freq, n, &out->first);
	out->combined = freq == PERIOD_MONTH && n == 2 && out->first == 1;
	if (prev && !isnan(out->single))
		out->single_yoy = growth(out->single, span_of(prev, freq, out->first, n));
	return 0;
}

void ytd_quarters(const struct ytd_year *months, struct ytd_year *quarters)
{
	*quarters = (struct ytd_year){ .held = { false } };
	for (int i = 0; i < 13; i++)
		quarters->yoy[i] = NAN;
	for (int k = 1; k <= 4; k++) {
		quarters->held[k] = months->held[3 * k];
		quarters->value[k] = months->value[3 * k];
		quarters->yoy[k] = months->yoy[3 * k];
	}
}

/* ---- 序时进度 ---- */

static double elapsed_pct(int freq, int n)
{
	int k = periods_in_year(freq);
	return k ? 100.0 * n / k : NAN;
}

static int pace_of(double gap, double tol)
{
	if (isnan(gap))
		return YTD_PACE_NONE;
	if (gap > tol)
		return YTD_PACE_AHEAD;
	if (gap < -tol)
		return YTD_PACE_BEHIND;
	return YTD_PACE_ON;
}

void ytd_pace_total(double ytd, double annual, int freq, int n, int direction,
		    struct ytd_progress *out)
{
	*out = (struct ytd_progress){ .pace = YTD_PACE_NONE, .elapsed = elapsed_pct(freq, n),
				      .completion = NAN, .gap = NAN };
	if (!isfinite(ytd) || !isfinite(annual) || annual <= 0 || isnan(out->elapsed))
		return;
	out->completion = ytd / annual * 100;
	out->gap = (out->completion - out->elapsed) * (direction < 0 ? -1 : 1);
	out->pace = pace_of(out->gap, YTD_PACE_TOL_PP);
}

/* out for a value held against a target: the elapsed share, completion the value, the
 * gap value − target signed so that > 0 is better; false (pace NONE) without both. */
static bool against(double value, double target, int freq, int n, int direction,
		    struct ytd_progress *out)
{
	*out = (struct ytd_progress){ .pace = YTD_PACE_NONE, .elapsed = elapsed_pct(freq, n),
				      .completion = value, .gap = NAN };
	if (!isfinite(value) || !isfinite(target))
		return false;
	out->gap = (value - target) * (direction < 0 ? -1 : 1);
	return true;
}

void ytd_pace_growth(double ytd_yoy, double target_growth, int freq, int n, int direction,
		     struct ytd_progress *out)
{
	if (against(ytd_yoy, target_growth, freq, n, direction, out))
		out->pace = pace_of(out->gap, YTD_GROWTH_TOL_PP);
}

void ytd_pace_level(double ytd, double target, int freq, int n, int direction,
		    struct ytd_progress *out)
{
	if (against(ytd, target, freq, n, direction, out))
		out->pace = out->gap >= 0 ? YTD_PACE_MET : YTD_PACE_SHORT;
}

const char *ytd_pace_zh(int pace)
{
	switch (pace) {
	case YTD_PACE_AHEAD: return "超序时";
	case YTD_PACE_ON: return "达序时";
	case YTD_PACE_BEHIND: return "滞后";
	case YTD_PACE_MET: return "达标";
	case YTD_PACE_SHORT: return "未达标";
	default: return "";
	}
}

const char *ytd_pace_en(int pace)
{
	switch (pace) {
	case YTD_PACE_AHEAD: return "ahead of schedule";
	case YTD_PACE_ON: return "on schedule";
	case YTD_PACE_BEHIND: return "behind schedule";
	case YTD_PACE_MET: return "met";
	case YTD_PACE_SHORT: return "short of it";
	default: return "";
	}
}

/* ---- the release calendar ---- */

int64_t ytd_due_ms(const struct period *p, int due_days)
{
	int first, last;
	period_months(p, &first, &last);
	int64_t end = last == 12 ? period_day_ms(p->year + 1, 1, 1)
				 : period_day_ms(p->year, last + 1, 1);
	return end + (int64_t)due_days * 86400000;
}

struct period ytd_latest_due(int freq, int due_days, int64_t now_ms)
{
	time_t secs = (time_t)(now_ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	struct period p = { .year = (uint16_t)(tm.tm_year + 1900), .freq = (uint8_t)freq };
	p.n = freq == PERIOD_MONTH ? (uint8_t)(tm.tm_mon + 1)
	      : freq == PERIOD_QUARTER ? (uint8_t)(tm.tm_mon / 3 + 1) : 0;
	/* due_days is at most a year (catalog limit), so a few steps back suffice. */
	for (int i = 0; i < 40 && ytd_due_ms(&p, due_days) > now_ms; i++)
		p = period_prev(&p);
	return p;
}

bool ytd_expected(const struct period *first, const struct period *p)
{
	if (first->year && period_cmp(p, first) < 0)
		return false;
	return !(p->freq == PERIOD_MONTH && p->n == 1 && first->freq == PERIOD_MONTH &&
		 first->n == 2);
}
