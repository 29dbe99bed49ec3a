/* model/formula.c — derived indicators' formulas: parsed, unit-checked, evaluated. */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/err.h"
#include "../proto/status.h"
#include "formula.h"

static const char *const fn_names[] = {
	[FORMULA_SHARE] = "share", [FORMULA_RATIO] = "ratio", [FORMULA_PER_CAPITA] = "per_capita",
	[FORMULA_SUM] = "sum",
};

const char *formula_fn_name(int fn)
{
	return fn >= FORMULA_SHARE && fn <= FORMULA_SUM ? fn_names[fn] : "?";
}

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (cap)
		vsnprintf(err, cap, fmt, ap);
	va_end(ap);
	return PW_EINVAL;
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* An id [a-z0-9_]{1,64} at *p into dst; moves *p past it. */
static bool read_id(const char **p, char dst[65])
{
	size_t n = 0;
	while (((**p >= 'a' && **p <= 'z') || (**p >= '0' && **p <= '9') || **p == '_') && n < 64)
		dst[n++] = *(*p)++;
	dst[n] = '\0';
	return n > 0 && !((**p >= 'a' && **p <= 'z') || (**p >= '0' && **p <= '9') || **p == '_');
}

int formula_parse(const char *s, struct formula_text *out, char *err, size_t cap)
{
	char name[65];
	const char *p = skip_space(s);

	memset(out, 0, sizeof(*out));
	if (!read_id(&p, name))
		return fail(err, cap, "formula '%s': expected share, ratio, per_capita or sum", s);
	for (int fn = FORMULA_SHARE; fn <= FORMULA_SUM; fn++)
		if (strcmp(name, fn_names[fn]) == 0)
			out->fn = fn;
	if (!out->fn)
		return fail(err, cap, "formula '%s': unknown function '%s' (share, ratio, "
				      "per_capita, sum)", s, name);
	p = skip_space(p);
	if (*p++ != '(')
		return fail(err, cap, "formula '%s': expected '(' after %s", s, name);
	for (;;) {
		p = skip_space(p);
		if (out->n_args == FORMULA_ARGS)
			return fail(err, cap, "formula '%s': more than %d arguments", s, FORMULA_ARGS);
		if (!read_id(&p, out->args[out->n_args]))
			return fail(err, cap, "formula '%s': an argument must be a series id "
					      "[a-z0-9_]{1,64}", s);
		out->n_args++;
		p = skip_space(p);
		if (*p == ')')
			break;
		if (*p++ != ',')
			return fail(err, cap, "formula '%s': expected ',' or ')'", s);
	}
	if (*skip_space(p + 1))
		return fail(err, cap, "formula '%s': text after ')'", s);
	if (out->fn != FORMULA_SUM ? out->n_args != 2 : out->n_args < 2)
		return fail(err, cap, "formula '%s': %s takes %s arguments", s, name,
			    out->fn == FORMULA_SUM ? "2 or more" : "2");
	return 0;
}

/* 10^k with from = 10^k to: the factor of a figure's conversion (exact: a power of ten). */
static double factor(const struct unit *from, const struct unit *to)
{
	double f = NAN;
	return unit_convert(1, from, to, &f) == 0 ? f : NAN;
}

/* The factor of a fraction (1 = 100 %) in unit u, NaN unless u is a percentage. */
static double fraction_in(const struct unit *u)
{
	double f = NAN;
	return unit_convert(100, unit_find("%"), u, &f) == 0 ? f : NAN;
}

/* A result unit spelt "N/D" whose N is of a's dimension and D of b's: the factor that
 * takes a/b into it. NaN when it is not such a unit. */
static double quotient_factor(const struct unit *result, const struct unit *a,
			      const struct unit *b)
{
	const char *name = unit_name(result), *slash = strchr(name, '/');
	char num[64];
	if (!slash || (size_t)(slash - name) >= sizeof(num))
		return NAN;
	memcpy(num, name, (size_t)(slash - name));
	num[slash - name] = '\0';
	const struct unit *n = unit_find(num), *d = unit_find(slash + 1);
	if (!n || !d || !unit_same_dim(n, a) || !unit_same_dim(d, b))
		return NAN;
	return factor(a, n) / factor(b, d);
}

int formula_scale(int fn, const struct unit *result, const struct unit *const *args, size_t n,
		  double scale[FORMULA_ARGS], char *err, size_t cap)
{
	const struct unit *a = args[0], *b = n > 1 ? args[1] : NULL;
	const char *ru = unit_name(result);

	for (size_t i = 0; i < FORMULA_ARGS; i++)
		scale[i] = NAN;
	switch (fn) {
	case FORMULA_SUM:
		for (size_t i = 0; i < n; i++)
			if (!isfinite(scale[i] = factor(args[i], result))) {
				fail(err, cap, "sum: part %zu is in %s (%s), the series in %s (%s)",
				     i + 1, unit_name(args[i]), unit_dim_name(args[i]), ru,
				     unit_dim_name(result));
				return PW_EUNIT;
			}
		return 0;
	case FORMULA_SHARE:
	case FORMULA_RATIO:
		if (unit_same_dim(a, b) && isfinite(fraction_in(result))) {
			scale[0] = factor(a, b) * fraction_in(result);
			return 0;
		}
		if (fn == FORMULA_RATIO && isfinite(scale[0] = quotient_factor(result, a, b)))
			return 0;
		fail(err, cap, "%s(%s, %s) into %s: %s", formula_fn_name(fn), unit_name(a),
		     unit_name(b), ru,
		     fn == FORMULA_SHARE ? "a share is of two figures of one dimension, in % or ‰"
					 : "a ratio is a percentage of two figures of one dimension, "
					   "or in a unit N/D of their dimensions");
		return PW_EUNIT;
	case FORMULA_PER_CAPITA: {
		const struct unit *person = unit_find("人");
		double per = unit_same_dim(b, person) ? factor(b, person) : NAN;
		if (isfinite(per)) {
			if (unit_same_dim(a, result))
				scale[0] = factor(a, result) / per;
			else
				scale[0] = quotient_factor(result, a, person) / per;
		}
		if (isfinite(scale[0]))
			return 0;
		fail(err, cap, "per_capita(%s, %s) into %s: the second must count people (人, 万人) "
			       "and the series be in the first's dimension or N/人", unit_name(a),
		     unit_name(b), ru);
		return PW_EUNIT;
	}
	default:
		fail(err, cap, "unknown formula function %d", fn);
		return PW_EINVAL;
	}
}

double formula_eval(int fn, const double *scale, const double *v, size_t n)
{
	double x = 0;
	char text[32];

	if (fn == FORMULA_SUM) {
		for (size_t i = 0; i < n; i++)
			x += scale[i] * v[i];
	} else {
		x = scale[0] * v[0] / v[1];
	}
	if (!isfinite(x))
		return NAN;
	snprintf(text, sizeof(text), "%.15g", x);
	return strtod(text, NULL);
}

uint8_t formula_status(const uint8_t *st, size_t n)
{
	int weakest = PW_ST_FINAL;
	bool revised = false;
	for (size_t i = 0; i < n; i++) {
		int s = st[i] == PW_ST_REVISED ? PW_ST_FINAL : st[i];
		revised |= st[i] == PW_ST_REVISED;
		if (s < weakest)
			weakest = s;
	}
	return (uint8_t)(weakest == PW_ST_FINAL && revised ? PW_ST_REVISED : weakest);
}
