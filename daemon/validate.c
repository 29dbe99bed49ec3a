/* daemon/validate.c — catalog checks for observations, and what a refusal expected. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../model/unit.h"
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

/* The unit check: 0 when the item's unit is the catalog's or of its dimension. */
static int check_unit(const struct cat_indicator *x, const struct proto_item *it)
{
	/* the common case costs one strcmp; the table is searched only for other spellings */
	if (strcmp(it->unit, x->unit) == 0)
		return 0;
	const struct unit *want = unit_find(x->unit), *got = unit_find(it->unit);
	if (!got)
		return PW_ENOUNIT;
	if (!want || !unit_same_dim(got, want))
		return PW_EUNIT;
	return 0;
}

/* Converts it->value from the item's unit into the catalog's (check_unit passed). */
static int convert(const struct cat_indicator *x, struct proto_item *it)
{
	if (strcmp(it->unit, x->unit) == 0)
		return 0;
	int rc = unit_convert(it->sent, unit_find(it->unit), unit_find(x->unit), &it->value);
	if (rc < 0)
		it->value = it->sent; /* a refused item keeps what was sent, for the NACK text */
	return rc == PW_EUNIT ? PW_EUNIT : rc < 0 ? PW_ERANGE : 0;
}

/* A series outlives its plans, so from VALIDATE_HISTORY_YEARS before its region's first plan
 * on, without upper limit (the period must have begun: checked by the caller). A region
 * without plans has no such edge: its series are reported for their own sake. */
static bool year_in_reach(const struct catalog *c, const struct cat_indicator *x, int year)
{
	const struct cat_plan *first = NULL;
	return catalog_region_plans(c, x->series->region, &first, 1) == 0 ||
	       year >= first->base_year - VALIDATE_HISTORY_YEARS;
}

int validate_series(const struct catalog *c, const char *plan, const char *region,
		    const char *ind, const struct period *p, const struct cat_indicator **out)
{
	const struct cat_region *r = NULL;
	const struct cat_indicator *x = NULL;

	if (region && !(r = catalog_region(c, region)))
		return PW_EREGION;
	if (plan) {
		if (!catalog_plan(c, plan))
			return PW_EPLAN;
		if (!(x = catalog_find(c, plan, ind)))
			return PW_EINDICATOR;
		if (r && x->series->region != r)
			return PW_EFIELD;
		*out = x;
		return 0;
	}
	if (!r)
		return PW_EFIELD;
	const struct cat_series *s = catalog_series(r, ind);
	if (!s)
		return PW_EINDICATOR;
	struct cat_judge j;
	if (p && catalog_judges(c, s, p, &j, 1) > 0) {
		*out = j.x;
		return 0;
	}
	/* A series no plan has a target on is still the region's statistic: its own record
	 * checks it (unit, bounds, frequency, departments), and no plan judges it. */
	x = catalog_series_target(c, s);
	*out = x ? x : s->self;
	return 0;
}

static int find_series(const struct catalog *c, const struct proto_item *it,
		       const struct cat_indicator **out)
{
	return validate_series(c, it->plan, it->region, it->ind, &it->period, out);
}

/* A plan period's total (2016-2020) fits a cumulative target only, and only the window of
 * its plan: a sum of other years is no figure the plan asks for. */
static bool span_fits(const struct cat_indicator *x, const struct period *p)
{
	return p->freq != PERIOD_SPAN ||
	       (x->kind == CAT_CUMULATIVE && x->plan && period_first_year(p) == x->plan->start_year &&
		p->year == x->plan->target_year);
}

int validate_item(const struct catalog *c, const char *dept, struct proto_item *it,
		  int64_t now_ms, const struct cat_indicator **ind)
{
	const struct cat_indicator *x;
	int rc;

	it->sent = it->value;
	if ((rc = find_series(c, it, &x)) < 0)
		return rc;
	if (!cat_dept_allowed(x, dept))
		return PW_EDEPT;
	if ((rc = check_unit(x, it)) < 0)
		return rc;
	/* A full-year figure is welcome for any indicator: history arrives as annual values. */
	if ((it->period.freq != x->freq && it->period.freq != PERIOD_ANNUAL &&
	     it->period.freq != PERIOD_SPAN) || !span_fits(x, &it->period) ||
	    !year_in_reach(c, x, it->period.year) || period_start_ms(&it->period) > now_ms)
		return PW_EPERIOD;
	if (!isfinite(it->value))
		return PW_EVALUE;
	if ((rc = convert(x, it)) < 0)
		return rc;
	if ((x->has_min && it->value < x->min) || (x->has_max && it->value > x->max))
		return PW_EBOUNDS;
	*ind = x;
	return 0;
}

/* The length snprintf wrote into buf[cap] given its return n. */
static size_t clipped(int n, size_t cap)
{
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* "元, 千元, 万元, 亿元, 万亿元" for the catalog unit, or the unit itself outside the table. */
static void accepted(const char *unit, char *buf, size_t cap)
{
	const struct unit *u = unit_find(unit);
	if (u)
		unit_accepted(u, buf, cap);
	else
		snprintf(buf, cap, "%s", unit);
}

static size_t explain_unit(const struct cat_indicator *x, const struct proto_item *it,
			   char *buf, size_t cap)
{
	char list[160];
	const struct unit *got = unit_find(it->unit), *want = unit_find(x->unit);
	int n;

	accepted(x->unit, list, sizeof(list));
	if (!got)
		n = snprintf(buf, cap, "unit '%s' is not one planwatch knows; %s is in %s: send one of %s",
			     it->unit, x->name, x->unit, list);
	else
		n = snprintf(buf, cap, "unit '%s' is %s, %s is in %s (%s): send one of %s",
			     it->unit, unit_dim_name(got), x->name, x->unit,
			     want ? unit_dim_name(want) : "not in the unit table", list);
	return clipped(n, cap);
}

static size_t explain_bounds(const struct cat_indicator *x, const struct proto_item *it,
			     char *buf, size_t cap)
{
	char v[32], sent[32], lo[32] = "-inf", hi[32] = "inf", as_sent[96] = "";
	int n;

	unit_dtoa(it->value, v, sizeof(v));
	if (x->has_min)
		unit_dtoa(x->min, lo, sizeof(lo));
	if (x->has_max)
		unit_dtoa(x->max, hi, sizeof(hi));
	if (strcmp(it->unit, x->unit) != 0) {
		unit_dtoa(it->sent, sent, sizeof(sent));
		snprintf(as_sent, sizeof(as_sent), " (sent as %s %s)", sent, it->unit);
	}
	n = snprintf(buf, cap, "value %s %s%s is outside the bounds %s..%s %s of %s", v, x->unit,
		     as_sent, lo, hi, x->unit, x->name);
	return clipped(n, cap);
}

size_t validate_explain(const struct catalog *c, const struct proto_item *it, char *buf,
			size_t cap)
{
	const struct cat_indicator *x;

	if (!cap)
		return 0;
	buf[0] = '\0';
	if (!it->ind || !it->unit || find_series(c, it, &x) < 0)
		return 0;
	switch (it->err) {
	case PW_EUNIT:
	case PW_ENOUNIT: return explain_unit(x, it, buf, cap);
	case PW_EBOUNDS: return explain_bounds(x, it, buf, cap);
	case PW_ERANGE: {
		char v[32];
		unit_dtoa(it->sent, v, sizeof(v));
		int n = snprintf(buf, cap, "%s %s does not fit a double in %s", v, it->unit, x->unit);
		return clipped(n, cap);
	}
	default: return 0;
	}
}
