/* model/formula.h — derived indicators: a catalog formula over other series of the same
 * region and period (catalog/SCHEMA.md "Derived series").
 *
 *   share(a, b)        a / b as a percentage (‰): a and b of one dimension
 *   ratio(a, b)        a / b in the series' unit: a percentage when a and b are of one
 *                      dimension, else a unit spelt N/D (立方米/万元) with N of a's dimension
 *                      and D of b's
 *   per_capita(a, p)   a per person: p counts people (人, 万人); the series' unit is of a's
 *                      dimension (人均GDP in 万元) or N/人 (元/人)
 *   sum(a, b, ...)     a + b + ...: every part of the series' dimension
 *
 * Arguments are series ids of the region; up to FORMULA_ARGS of them. Units convert by
 * powers of ten (model/unit.c), worked out once when the catalog loads into one factor per
 * argument. Pure functions: no catalog, no store. */
#ifndef PW_FORMULA_H
#define PW_FORMULA_H

#include <stddef.h>
#include <stdint.h>

#include "unit.h"

#define FORMULA_ARGS 8
#define FORMULA_TEXT_MAX 256
#define FORMULA_ERR_MAX 200

enum formula_fn { FORMULA_SHARE = 1, FORMULA_RATIO, FORMULA_PER_CAPITA, FORMULA_SUM };

/* A formula as written: the function and its argument ids (NUL-terminated copies). */
struct formula_text {
	int fn; /* enum formula_fn */
	char args[FORMULA_ARGS][65];
	size_t n_args;
};

/* Parses "share(rd_spending, gdp)" (spaces allowed around the parts). Returns 0, or
 * PW_EINVAL with why in err (cut to cap): an unknown function, a bad id, the wrong number
 * of arguments (share, ratio, per_capita: 2; sum: 2 to FORMULA_ARGS). */
int formula_parse(const char *s, struct formula_text *out, char *err, size_t cap);

/* The factors that make f's value in the unit `result` from its arguments in their units:
 * the result is scale[0] × a / b for share, ratio and per_capita, Σ scale[i] × arg i for
 * sum. Returns 0, or PW_EUNIT with why in err when the units do not fit the function. */
int formula_scale(int fn, const struct unit *result, const struct unit *const *args, size_t n,
		  double scale[FORMULA_ARGS], char *err, size_t cap);

/* The value of f over v[0..n) (in the arguments' units), rounded to 15 significant digits
 * so that sums of printed figures carry no binary noise (1.1 + 2.2 is 3.3). NaN when it is
 * not a finite number (a zero denominator). */
double formula_eval(int fn, const double *scale, const double *v, size_t n);

/* The data status of a figure computed from figures of statuses st[0..n) (enum pw_status):
 * the weakest (a flash and a final give a flash); when that is final and one of them is a
 * revision, revised (the derived figure is revised with it). */
uint8_t formula_status(const uint8_t *st, size_t n);

/* The name of fn ("share"), or "?". */
const char *formula_fn_name(int fn);

#endif
