/* model/planmath.h — the plan maths: what a target requires in a period, the gap, the verdict.
 *
 * Pure arithmetic on the numbers a catalog states (no catalog, store or I/O), used by the
 * daemon's rules (daemon/rules.c: the verdict on a new figure), the catalog's lint and the
 * client's report (client/report_html.c: the trajectory it draws), so the three cannot
 * disagree. Times are in years: 2026 is the year 2026, 2026.5 half-way through it. */
#ifndef PW_PLANMATH_H
#define PW_PLANMATH_H

#include <stdbool.h>

/* The numbers of one target as the catalog states them; NAN for a number it does not give. */
struct planmath_target {
	int base_year, target_year;
	double base, target; /* baseline and target values */
	double growth;       /* stated average annual growth in %, NAN if none */
};

/* Verdicts; the values are those of enum rules_state and of the wire names (rules.h). */
enum planmath_state {
	PLANMATH_NONE = 0,
	PLANMATH_ON_TRACK,
	PLANMATH_AT_RISK,
	PLANMATH_OFF_TRACK,
};

/* What one comparison found. */
struct planmath_verdict {
	int state;                   /* enum planmath_state */
	double value, required, gap; /* gap = (value - required) * direction: > 0 is better */
};

/* The average annual growth (%) the plan asks for: stated, or implied by a positive
 * baseline and a positive target a positive number of years later. False if neither. */
bool planmath_growth(const struct planmath_target *t, double *g);

/* from grown by g % a year for years years (years may be negative or fractional). */
double planmath_compound(double from, double g, double years);

/* The linear path from baseline to target at time when: the target itself without a
 * baseline or when the target year is not after the baseline year, held at the target
 * after the target year. False before the baseline year. */
bool planmath_level(const struct planmath_target *t, double when, double *req);

/* The pro-rata share of a cumulative target reached at time when: target x elapsed /
 * planned years, capped at the target. False when the target year is not after the
 * baseline year or when is before the baseline year. */
bool planmath_pro_rata(const struct planmath_target *t, double when, double *req);

/* A margin of pct around required: pct percentage points when points (the value is a
 * growth rate), else pct % of |required|. */
double planmath_margin(double required, bool points, double pct);

/* Compares value with required: direction +1 (higher is better) or -1. A met requirement
 * (gap >= 0) is on_track, never at_risk; short of it by no more than the margin
 * (planmath_margin of margin_pct) is at_risk; further short is off_track.
 * A NaN value or requirement is PLANMATH_NONE: nothing was compared. */
void planmath_judge(struct planmath_verdict *v, double value, double required, int direction,
		    bool points, double margin_pct);

/* One step of the announced state of a target (daemon/rules.c keeps it per indicator). */
struct planmath_step {
	int from;        /* the announced state before: enum planmath_state */
	int raw;         /* this period's planmath_judge state (not NONE) */
	double gap;      /* its gap */
	double margin;   /* planmath_margin of the margin */
	double hyst;     /* planmath_margin of the hysteresis */
	unsigned streak; /* consecutive off_track periods ending with this one */
	unsigned need;   /* periods off_track before a breach: 1 for a full-year figure or a
			  * binding target (a full-year shortfall is off track at once), the
			  * configured persistence for monthly and quarterly figures */
};

/* The announced state after s. A met requirement is on_track from any state. Off track is
 * left only when the gap has come back inside the margin by the hysteresis (no flapping
 * between off_track and at_risk on a figure hovering at the margin); on_track and at_risk
 * go off_track once the streak reaches need, and a shortfall before that is at_risk. */
int planmath_next(const struct planmath_step *s);

/* The requirement of a cumulative (五年累计) target after the plan years up to year: the
 * yearly amounts grow by the stated growth t->growth % (a growth-weighted path:
 * target x ((1+g)^k - 1) / ((1+g)^n - 1) after k of n years), or are equal when no growth
 * is stated (pro rata). Capped at the target. False when the target year is not after the
 * baseline year, year is not after the baseline year, or there is no target. */
bool planmath_cum_path(const struct planmath_target *t, int year, double *req);

/* The actual average annual growth (%) from base to value over years years; NaN unless
 * both are positive and years > 0. */
double planmath_avg_growth(double base, double value, double years);

#endif
