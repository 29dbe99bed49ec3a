/* model/plausible.c — plausibility of a new figure against its series (see plausible.h). */
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "../proto/err.h"
#include "plausible.h"
#include "unit.h"

static bool same_period(const struct period *a, const struct period *b)
{
	return a->year == b->year && a->freq == b->freq && a->n == b->n;
}

static bool is_year_ago(const struct period *p, const struct period *ref)
{
	return ref->year + 1 == p->year && ref->freq == p->freq && ref->n == p->n;
}

/* ratio ≥ PLAUS_SCALE_RATIO or ≤ 1/PLAUS_SCALE_RATIO; both sides of the threshold count
 * as off, so 5× exactly is suspect. */
static bool off_scale(double ratio)
{
	return ratio >= PLAUS_SCALE_RATIO || ratio * PLAUS_SCALE_RATIO <= 1.0;
}

/* The comparators the scale check may use: those that exist and fit their role. For a
 * ytd series the previous period only counts within the year: January's total is not
 * comparable with December's. */
static size_t scale_refs(const struct plaus_in *in, double refs[3])
{
	size_t n = 0;
	if (in->old.has && same_period(&in->old.period, &in->period))
		refs[n++] = in->old.value;
	if (in->prev.has) {
		struct period pp = period_prev(&in->period);
		if (same_period(&in->prev.period, &pp) && (!in->ytd || pp.year == in->period.year))
			refs[n++] = in->prev.value;
	}
	if (in->year_ago.has && is_year_ago(&in->period, &in->year_ago.period))
		refs[n++] = in->year_ago.value;
	return n;
}

static bool check_scale(const struct plaus_in *in, struct plaus_out *out)
{
	double refs[3], best = INFINITY;
	size_t n = in->rate ? 0 : scale_refs(in, refs);

	if (!n || !(in->value > 0))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!(refs[i] > 0))
			return false;
		double r = in->value / refs[i];
		if (!off_scale(r))
			return false;
		double l = log10(r);
		if (fabs(l) < best) {
			best = fabs(l);
			out->scale_pow = (int)lround(l);
			out->scale_ref = refs[i];
		}
	}
	return true;
}

/* Same year, same frequency, and before (dir < 0) or after (dir > 0) the new period. */
static bool ytd_fits(const struct plaus_in *in, const struct plaus_ref *r, int dir)
{
	if (!r->has || r->period.year != in->period.year || r->period.freq != in->period.freq)
		return false;
	return dir < 0 ? r->period.n < in->period.n : r->period.n > in->period.n;
}

static bool check_ytd(const struct plaus_in *in, struct plaus_out *out)
{
	if (!in->ytd || in->period.freq == PERIOD_ANNUAL)
		return false;
	if (ytd_fits(in, &in->ytd_before, -1) && in->value < in->ytd_before.value) {
		out->ytd_ref = in->ytd_before;
		return true;
	}
	if (ytd_fits(in, &in->ytd_after, 1) && in->value > in->ytd_after.value) {
		out->ytd_ref = in->ytd_after;
		return true;
	}
	return false;
}

double plaus_yoy_tolerance(double yoy, bool comparable)
{
	double base = comparable ? PLAUS_YOY_TOL_COMPARABLE : PLAUS_YOY_TOL_NOMINAL;
	double rel = PLAUS_YOY_TOL_RELATIVE * fabs(yoy);
	return rel > base ? rel : base;
}

static void check_yoy(const struct plaus_in *in, struct plaus_out *out)
{
	out->yoy_computed = NAN;
	if (isnan(in->yoy) || !in->year_ago.has || in->rate ||
	    !is_year_ago(&in->period, &in->year_ago.period) || !(in->year_ago.value > 0) ||
	    !(in->value >= 0))
		return;
	out->yoy_computed = (in->value / in->year_ago.value - 1) * 100;
	out->yoy_tol = plaus_yoy_tolerance(in->yoy, in->comparable);
	/* 108 / 100 - 1 is 0.08000000000000007: the division's noise must not decide a
	 * figure that sits exactly on the tolerance */
	out->yoy_warn = fabs(out->yoy_computed - in->yoy) > out->yoy_tol + 1e-9;
}

static struct plaus_ref ref_at(const struct plaus_year *y, int year, int freq, int n)
{
	struct plaus_ref r = { .has = y->held[n], .value = y->value[n] };
	r.period = (struct period){ .year = (uint16_t)year, .freq = (uint8_t)freq, .n = (uint8_t)n };
	return r;
}

int plaus_gather(struct plaus_in *in, plaus_year_fn fn, void *arg)
{
	struct plaus_year cur, before;
	const struct period *p = &in->period;
	int n = p->freq == PERIOD_ANNUAL ? 0 : p->n, rc;
	int last = p->freq == PERIOD_MONTH ? 12 : p->freq == PERIOD_QUARTER ? 4 : 0;

	assert(in && fn && n <= 12);
	in->old = in->prev = in->year_ago = in->ytd_before = in->ytd_after = (struct plaus_ref){ 0 };
	memset(&before, 0, sizeof(before));
	if ((rc = fn(arg, p->year, p->freq, &cur)) < 0)
		return rc;
	if (p->year > PERIOD_YEAR_MIN && (rc = fn(arg, p->year - 1, p->freq, &before)) < 0)
		return rc;
	in->old = ref_at(&cur, p->year, p->freq, n);
	in->year_ago = ref_at(&before, p->year - 1, p->freq, n);
	/* the previous period: within the year, else the last of the year before (and for a
	 * year, the year before: previous period and year-ago are one figure) */
	in->prev = n > 1 ? ref_at(&cur, p->year, p->freq, n - 1)
			 : ref_at(&before, p->year - 1, p->freq, last);
	if (!in->ytd || p->freq == PERIOD_ANNUAL)
		return 0;
	for (int k = n - 1; k >= 1 && !in->ytd_before.has; k--)
		in->ytd_before = ref_at(&cur, p->year, p->freq, k);
	for (int k = n + 1; k <= last && !in->ytd_after.has; k++)
		in->ytd_after = ref_at(&cur, p->year, p->freq, k);
	return 0;
}

int plaus_check(const struct plaus_in *in, struct plaus_out *out)
{
	assert(in && out);
	memset(out, 0, sizeof(*out));
	if (check_scale(in, out))
		out->flagged = PW_ESCALE;
	else if (check_ytd(in, out))
		out->flagged = PW_EYTD;
	check_yoy(in, out);
	return in->confirm ? 0 : out->flagged;
}

/* Appends printf-style text to buf[cap] at *len (cut, never overflowing). */
__attribute__((format(printf, 4, 5))) static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	if (*len >= cap)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	*len += n > 0 ? (size_t)n : 0;
}

static void append_ref(char *buf, size_t cap, size_t *len, const char *what,
		       const struct plaus_ref *r)
{
	char v[32], p[PERIOD_TEXT_MAX];
	unit_dtoa(r->value, v, sizeof(v));
	period_format(&r->period, p);
	append(buf, cap, len, "; %s %s %s", what, p, v);
}

void plaus_explain(const struct plaus_in *in, const struct plaus_out *out, char *buf,
		   size_t cap)
{
	char v[32];
	size_t len = 0;

	assert(in && out && buf && cap > 0);
	buf[0] = '\0';
	unit_dtoa(in->value, v, sizeof(v));
	if (out->flagged == PW_ESCALE) {
		append(buf, cap, &len, "value %s is about %s10^%d from the series", v,
		       out->scale_pow < 0 ? "/" : "x", abs(out->scale_pow));
		if (in->old.has)
			append_ref(buf, cap, &len, "revised vintage", &in->old);
		if (in->prev.has)
			append_ref(buf, cap, &len, "previous period", &in->prev);
		if (in->year_ago.has)
			append_ref(buf, cap, &len, "a year earlier", &in->year_ago);
		append(buf, cap, &len, " (expected within x%g of them)", PLAUS_SCALE_RATIO);
	} else if (out->flagged == PW_EYTD) {
		char r[32], p[PERIOD_TEXT_MAX];
		unit_dtoa(out->ytd_ref.value, r, sizeof(r));
		period_format(&out->ytd_ref.period, p);
		append(buf, cap, &len, "year-to-date %s is %s than %s of %s in the same year", v,
		       period_cmp(&out->ytd_ref.period, &in->period) < 0 ? "lower" : "higher", r, p);
	} else if (out->yoy_warn) {
		append(buf, cap, &len,
		       "value %s against a year earlier is %+.1f%%, reported yoy %+.1f%% "
		       "(tolerance %.1f pp)",
		       v, out->yoy_computed, in->yoy, out->yoy_tol);
	}
	if (out->flagged && in->confirm)
		append(buf, cap, &len, " [confirmed]");
	else if (out->flagged)
		append(buf, cap, &len, "; send confirm: true if it is real");
}
