/* daemon/validate.c — catalog checks for observations. */
#include <math.h>
#include <string.h>

#include "../proto/err.h"
#include "validate.h"

/* Unix ms of the first instant of period p (UTC+8 would shift by hours only; the
 * check is "has the period begun", where a day's slack does not matter). */
static int64_t period_start_ms(const struct period *p)
{
	int first, last;
	period_months(p, &first, &last);
	return period_day_ms(p->year, first, 1);
}

int validate_item(const struct catalog *c, const char *dept, const struct proto_item *it,
		  int64_t now_ms, const struct cat_indicator **ind)
{
	const struct cat_indicator *x;

	if (!catalog_plan(c, it->plan))
		return PW_EPLAN;
	if (!(x = catalog_find(c, it->plan, it->ind)))
		return PW_EINDICATOR;
	if (!cat_dept_allowed(x, dept))
		return PW_EDEPT;
	if (strcmp(it->unit, x->unit) != 0)
		return PW_EUNIT;
	/* A full-year figure is welcome for any indicator: history arrives as annual values. */
	if ((it->period.freq != x->freq && it->period.freq != PERIOD_ANNUAL) ||
	    it->period.year < x->plan->base_year - VALIDATE_HISTORY_YEARS ||
	    it->period.year > x->plan->target_year + 5 || period_start_ms(&it->period) > now_ms)
		return PW_EPERIOD;
	if (!isfinite(it->value))
		return PW_EVALUE;
	if ((x->has_min && it->value < x->min) || (x->has_max && it->value > x->max))
		return PW_EBOUNDS;
	*ind = x;
	return 0;
}
