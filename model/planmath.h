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

/* Compares value with required: direction +1 (higher is better) or -1. margin_pct: within
 * this margin (planmath_margin) above the requirement is at_risk. Below the requirement is off_track.
 * A NaN value or requirement is PLANMATH_NONE: nothing was compared. */
void planmath_judge(struct planmath_verdict *v, double value, double required, int direction,
		    bool points, double margin_pct);

#endif
