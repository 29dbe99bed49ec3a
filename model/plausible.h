/* model/plausible.h — would a statistician believe this figure? Pure checks of a new value
 * against what the series already holds; no store, no catalog.
 *
 * - suspect_scale (PW_ESCALE): the value is at least PLAUS_SCALE_RATIO times larger or
 *   smaller than every comparator that exists — the vintage it revises, the previous period
 *   and the same period a year earlier. A slipped decimal (×10), a percent sent as a
 *   fraction (×100) or 元 sent as 万元 (×10⁴) lands there; a genuine change of a level
 *   between periods is far below 5×. Only strictly positive values and comparators are
 *   compared (a ratio across zero or a sign says nothing about scale); values that are
 *   themselves rates of change (`rate`) are not checked: 0.3% → 6.5% growth is ordinary.
 * - ytd_decrease (PW_EYTD): a year-to-date total below the total of an earlier month (or
 *   quarter) of the same year, or above a later one's. Never across a year change (January
 *   starts again from zero); the comparator is whichever earlier month of the year exists,
 *   so the combined 1–2月 release (filed as February, no January) is compared with March.
 *   Rounding is monotone, so published totals of a non-decreasing sum never decrease: no
 *   tolerance. Series that can fall (profits, net figures) need confirm.
 * - yoy_mismatch (PW_EYOY, a warning): value / same period a year earlier − 1 differs from
 *   the reported 同比 by more than the tolerance (plaus_yoy_tolerance).
 * With confirm the value passes; the result still says what was overridden so that the
 * vintage can record it. */
#ifndef PW_PLAUSIBLE_H
#define PW_PLAUSIBLE_H

#include <stdbool.h>
#include <stddef.h>

#include "../proto/period.h"

#define PLAUS_SCALE_RATIO 5.0 /* ≥ this factor (or ≤ its inverse) from every comparator */

/* yoy tolerance in percentage points (see plaus_yoy_tolerance). */
#define PLAUS_YOY_TOL_NOMINAL 3.0     /* current-price yoy: same-scope (同口径) base changes */
#define PLAUS_YOY_TOL_COMPARABLE 8.0  /* comparable-price yoy: plus the price deflator */
#define PLAUS_YOY_TOL_RELATIVE 0.25   /* and at least this share of the reported growth */

/* One figure the series holds; has = false when it does not exist. */
struct plaus_ref {
	bool has;
	struct period period;
	double value;
};

struct plaus_in {
	struct period period; /* of the new value */
	double value;
	double yoy;      /* reported 同比 in %, NaN when absent */
	bool ytd;        /* value form is year-to-date cumulative */
	bool rate;       /* the value itself is a growth rate or change: no scale check */
	bool comparable; /* the reported yoy is at comparable prices (GDP, value added) */
	bool confirm;    /* the sender confirmed a real outlier */
	struct plaus_ref old;      /* the vintage this one revises (same period) */
	struct plaus_ref prev;     /* the previous period (period_prev) */
	struct plaus_ref year_ago; /* the same period a year earlier */
	struct plaus_ref ytd_before; /* ytd: latest earlier month/quarter of the same year */
	struct plaus_ref ytd_after;  /* ytd: earliest later month/quarter of the same year */
};

struct plaus_out {
	int flagged;         /* PW_ESCALE / PW_EYTD found (also when confirmed), else 0 */
	int scale_pow;       /* suspect_scale: nearest power of ten, e.g. -1 for ÷10 */
	double scale_ref;    /* suspect_scale: the comparator nearest in ratio */
	struct plaus_ref ytd_ref; /* ytd_decrease: the total it contradicts */
	bool yoy_warn;       /* the yoy_mismatch warning */
	double yoy_computed; /* value / year_ago − 1, in %, NaN when not computable */
	double yoy_tol;      /* the tolerance used, in percentage points */
};

/* What a series holds in one year, for plaus_gather: held[n] and value[n] for n = 1..12
 * (months) or 1..4 (quarters), n = 0 for the annual figure. */
struct plaus_year {
	bool held[13];
	double value[13];
};

/* Fills *out with the latest values the series holds in `year` at frequency `freq`
 * (enum period_freq). Returns 0 or a negative code, which plaus_gather passes on. The
 * caller's implementation is one range read of the store per (series, year), overlaid
 * with the items of the batch being checked. */
typedef int (*plaus_year_fn)(void *arg, int year, int freq, struct plaus_year *out);

/* Fills in->old, prev, year_ago and, for a ytd in->period, ytd_before (the latest earlier
 * period of the same year held: March after a 1–2月 release filed as February finds
 * February) and ytd_after, from at most two calls of fn (the year and the year before).
 * in->period and in->ytd must be set. Returns 0 or fn's error. */
int plaus_gather(struct plaus_in *in, plaus_year_fn fn, void *arg);

/* Runs every check. Returns 0 (plausible, or confirmed: out->flagged then says what was
 * confirmed) or PW_ESCALE / PW_EYTD (scale first) for the caller to refuse. The yoy
 * warning is only in out. Comparators whose period does not fit their role (a year_ago
 * that is not a year earlier, a ytd_before of another year or not earlier) are ignored. */
int plaus_check(const struct plaus_in *in, struct plaus_out *out);

/* The yoy tolerance in percentage points for a reported growth of yoy %. */
double plaus_yoy_tolerance(double yoy, bool comparable);

/* Writes what was expected for a flagged result ("value 81.25 is ÷10 from 812.5 (the
 * previous period and a year earlier ...)") into buf (cut to cap, NUL-terminated). */
void plaus_explain(const struct plaus_in *in, const struct plaus_out *out, char *buf,
		   size_t cap);

#endif
