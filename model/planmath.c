/* model/planmath.c — the plan maths (contract: planmath.h). */
#include <math.h>

#include "planmath.h"

bool planmath_growth(const struct planmath_target *t, double *g)
{
	if (!isnan(t->growth)) {
		*g = t->growth;
		return true;
	}
	/* A target of zero or below implies no growth rate (pow of a non-positive ratio is
	 * -100 % or NaN), and a NaN requirement would compare as on track. */
	if (t->base > 0 && t->target > 0 && t->target_year > t->base_year) {
		*g = (pow(t->target / t->base, 1.0 / (t->target_year - t->base_year)) - 1) * 100;
		return true;
	}
	return false;
}

double planmath_compound(double from, double g, double years)
{
	return from * pow(1 + g / 100, years);
}

/* The share of the plan period elapsed at when, capped at 1; < 0 before the baseline year. */
static double elapsed(const struct planmath_target *t, double when)
{
	double frac = (when - t->base_year) / (t->target_year - t->base_year);
	return frac > 1 ? 1 : frac;
}

bool planmath_level(const struct planmath_target *t, double when, double *req)
{
	if (isnan(t->base) || t->target_year <= t->base_year) {
		*req = t->target;
		return !isnan(t->target);
	}
	double frac = elapsed(t, when);
	if (frac < 0 || isnan(t->target))
		return false;
	*req = t->base + (t->target - t->base) * frac;
	return true;
}

bool planmath_pro_rata(const struct planmath_target *t, double when, double *req)
{
	if (t->target_year <= t->base_year || isnan(t->target))
		return false;
	double frac = elapsed(t, when);
	if (frac < 0)
		return false;
	*req = t->target * frac;
	return true;
}

double planmath_margin(double required, bool points, double pct)
{
	return points ? pct : fabs(required) * pct / 100;
}

void planmath_judge(struct planmath_verdict *v, double value, double required, int direction,
		    bool points, double margin_pct)
{
	v->value = value;
	v->required = required;
	v->gap = (value - required) * direction;
	double margin = planmath_margin(required, points, margin_pct);
	if (isnan(v->gap))
		v->state = PLANMATH_NONE;
	else if (v->gap >= 0)
		v->state = PLANMATH_ON_TRACK;
	else if (v->gap >= -margin)
		v->state = PLANMATH_AT_RISK;
	else
		v->state = PLANMATH_OFF_TRACK;
}

int planmath_next(const struct planmath_step *s)
{
	if (s->gap >= 0)
		return PLANMATH_ON_TRACK;
	if (s->from == PLANMATH_OFF_TRACK)
		return s->gap >= -s->margin + s->hyst ? PLANMATH_AT_RISK : PLANMATH_OFF_TRACK;
	if (s->raw == PLANMATH_OFF_TRACK && s->streak >= s->need)
		return PLANMATH_OFF_TRACK;
	return PLANMATH_AT_RISK;
}

bool planmath_cum_path(const struct planmath_target *t, int year, double *req)
{
	if (t->target_year <= t->base_year || year <= t->base_year || isnan(t->target))
		return false;
	int n = t->target_year - t->base_year;
	int k = year - t->base_year > n ? n : year - t->base_year;
	if (isnan(t->growth) || t->growth == 0) {
		*req = t->target * k / n;
		return true;
	}
	double q = 1 + t->growth / 100;
	*req = t->target * (pow(q, k) - 1) / (pow(q, n) - 1);
	return true;
}

double planmath_avg_growth(double base, double value, double years)
{
	if (!(base > 0) || !(value > 0) || !(years > 0))
		return NAN;
	return (pow(value / base, 1 / years) - 1) * 100;
}
