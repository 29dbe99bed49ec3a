/* model/unit.c — the unit table and exact decimal conversion (see unit.h, UNITS.md). */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/err.h"
#include "unit.h"

enum dim {
	D_CNY, D_USD, D_CNY_PER_PERSON, D_MASS, D_ENERGY_TCE, D_ELECTRICITY, D_POWER, D_VOLUME,
	D_WATER_INTENSITY, D_ENERGY_INTENSITY, D_CONCENTRATION, D_PEOPLE, D_PERSON_TIMES,
	D_RATIO, D_PP, D_AREA, D_AREA_MU, D_LENGTH, D_YEARS, D_DAYS, D_AGE, D_PATENTS_PER_POP,
	D_BEDS_PER_POP, D_PEOPLE_PER_POP,
	/* counts: one dimension per measure word */
	D_GE, D_JIA, D_JIAN, D_XIANG, D_SUO, D_ZHANG, D_QI, D_TIAO, D_ZUO, D_HU, D_TAO, D_LIANG,
	D_TAI, D_CHUANG, D__N
};

static const char *const dim_names[D__N] = {
	[D_CNY] = "money (CNY)", [D_USD] = "money (USD)",
	[D_CNY_PER_PERSON] = "money per person (CNY)", [D_MASS] = "mass",
	[D_ENERGY_TCE] = "energy (standard coal)", [D_ELECTRICITY] = "electricity",
	[D_POWER] = "power", [D_VOLUME] = "volume",
	[D_WATER_INTENSITY] = "water use per output (CNY)",
	[D_ENERGY_INTENSITY] = "energy use per output (CNY)",
	[D_CONCENTRATION] = "mass concentration", [D_PEOPLE] = "people",
	[D_PERSON_TIMES] = "person-times", [D_RATIO] = "percent",
	[D_PP] = "percentage points", [D_AREA] = "area", [D_AREA_MU] = "area (mu)",
	[D_LENGTH] = "length", [D_YEARS] = "years", [D_DAYS] = "days", [D_AGE] = "age",
	[D_PATENTS_PER_POP] = "patents per population", [D_BEDS_PER_POP] = "beds per population",
	[D_PEOPLE_PER_POP] = "people per population",
	[D_GE] = "count (个)", [D_JIA] = "count (家: enterprises, institutions)",
	[D_JIAN] = "count (件: patents, cases)", [D_XIANG] = "count (项: projects, items)",
	[D_SUO] = "count (所: schools, hospitals)", [D_ZHANG] = "count (张: beds)",
	[D_QI] = "count (起: incidents)", [D_TIAO] = "count (条: routes, lines)",
	[D_ZUO] = "count (座: facilities)", [D_HU] = "count (户: households)",
	[D_TAO] = "count (套: dwellings)", [D_LIANG] = "count (辆: vehicles)",
	[D_TAI] = "count (台: machines)", [D_CHUANG] = "count (床: beds)",
};

#define UNIT_MAX_ALIAS 5

struct unit {
	const char *name;
	enum dim dim;
	int exp; /* the unit is 10^exp of the dimension's base */
	const char *alias[UNIT_MAX_ALIAS];
};

/* Canonical spelling first, as Chinese statistical releases print it; aliases are the
 * other spellings met in plans and feeds (ASCII u for μ, m3 for m³, the micro sign U+00B5
 * beside the Greek mu U+03BC, fullwidth ％). Grouped by dimension, smallest unit first: the
 * accepted-units list of a NACK is read off in this order. */
static const struct unit units[] = {
	{ "元", D_CNY, 0, { "人民币元", "CNY" } },
	{ "千元", D_CNY, 3, { 0 } }, /* enterprise accounts (规上企业财务) */
	{ "万元", D_CNY, 4, { 0 } },
	{ "亿元", D_CNY, 8, { 0 } },
	{ "万亿元", D_CNY, 12, { 0 } },
	{ "美元", D_USD, 0, { "USD" } },
	{ "万美元", D_USD, 4, { 0 } },
	{ "亿美元", D_USD, 8, { 0 } },
	{ "元/人", D_CNY_PER_PERSON, 0, { 0 } },
	{ "万元/人", D_CNY_PER_PERSON, 4, { 0 } },
	{ "千克", D_MASS, -3, { "公斤", "kg" } },
	{ "吨", D_MASS, 0, { "t" } },
	{ "万吨", D_MASS, 4, { 0 } },
	{ "吨标准煤", D_ENERGY_TCE, 0, { "吨标煤", "tce" } },
	{ "万吨标准煤", D_ENERGY_TCE, 4, { "万吨标煤" } },
	{ "千瓦时", D_ELECTRICITY, 0, { "kWh", "度" } },
	{ "万千瓦时", D_ELECTRICITY, 4, { 0 } },
	{ "亿千瓦时", D_ELECTRICITY, 8, { 0 } },
	{ "千瓦", D_POWER, 0, { "kW" } },
	{ "万千瓦", D_POWER, 4, { 0 } },
	{ "立方米", D_VOLUME, 0, { "m³", "m3", "方" } },
	{ "万立方米", D_VOLUME, 4, { "万m³", "万方" } },
	{ "亿立方米", D_VOLUME, 8, { "亿m³", "亿方" } },
	{ "立方米/万元", D_WATER_INTENSITY, 0, { "m³/万元", "m3/万元" } },
	{ "吨标准煤/万元", D_ENERGY_INTENSITY, 0, { "吨标煤/万元", "tce/万元" } },
	{ "μg/m³", D_CONCENTRATION, -6, { "ug/m³", "μg/m3", "ug/m3", "µg/m³", "微克/立方米" } },
	{ "mg/m³", D_CONCENTRATION, -3, { "mg/m3", "毫克/立方米" } },
	{ "人", D_PEOPLE, 0, { "名" } },
	{ "万人", D_PEOPLE, 4, { 0 } },
	{ "人次", D_PERSON_TIMES, 0, { 0 } },
	{ "万人次", D_PERSON_TIMES, 4, { 0 } },
	{ "‰", D_RATIO, -3, { 0 } },
	{ "%", D_RATIO, -2, { "％" } },
	{ "个百分点", D_PP, 0, { "百分点", "pp" } },
	{ "平方米", D_AREA, 0, { "m²", "m2" } },
	{ "公顷", D_AREA, 4, { "ha" } },
	{ "平方公里", D_AREA, 6, { "平方千米", "km²", "km2" } },
	{ "亩", D_AREA_MU, 0, { 0 } },
	{ "万亩", D_AREA_MU, 4, { 0 } },
	{ "米", D_LENGTH, 0, { "m" } },
	{ "公里", D_LENGTH, 3, { "千米", "km" } },
	{ "年", D_YEARS, 0, { 0 } },
	{ "天", D_DAYS, 0, { "日" } },
	{ "岁", D_AGE, 0, { 0 } },
	{ "件/万人", D_PATENTS_PER_POP, 0, { "件/万人口" } },
	{ "张/万人", D_BEDS_PER_POP, -1, { "张/万人口" } },
	{ "张/千人", D_BEDS_PER_POP, 0, { "张/千人口" } },
	{ "人/万人", D_PEOPLE_PER_POP, -1, { "人/万人口" } },
	{ "人/千人", D_PEOPLE_PER_POP, 0, { "人/千人口" } },
	{ "个", D_GE, 0, { 0 } },
	{ "家", D_JIA, 0, { 0 } },
	{ "件", D_JIAN, 0, { 0 } },
	{ "万件", D_JIAN, 4, { 0 } },
	{ "项", D_XIANG, 0, { 0 } },
	{ "所", D_SUO, 0, { 0 } },
	{ "张", D_ZHANG, 0, { 0 } },
	{ "起", D_QI, 0, { 0 } },
	{ "条", D_TIAO, 0, { 0 } },
	{ "座", D_ZUO, 0, { 0 } },
	{ "户", D_HU, 0, { 0 } },
	{ "万户", D_HU, 4, { 0 } },
	{ "套", D_TAO, 0, { 0 } },
	{ "辆", D_LIANG, 0, { 0 } },
	{ "万辆", D_LIANG, 4, { 0 } },
	{ "台", D_TAI, 0, { 0 } },
	{ "床", D_CHUANG, 0, { 0 } },
};

#define N_UNITS (sizeof(units) / sizeof(units[0]))

const struct unit *unit_at(size_t i)
{
	return i < N_UNITS ? &units[i] : NULL;
}

const char *unit_alias(const struct unit *u, size_t i)
{
	assert(u);
	return i < UNIT_MAX_ALIAS ? u->alias[i] : NULL;
}

const struct unit *unit_find(const char *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < N_UNITS; i++) {
		if (strcmp(units[i].name, s) == 0)
			return &units[i];
		for (size_t a = 0; a < UNIT_MAX_ALIAS && units[i].alias[a]; a++)
			if (strcmp(units[i].alias[a], s) == 0)
				return &units[i];
	}
	return NULL;
}

const char *unit_name(const struct unit *u)
{
	assert(u);
	return u->name;
}

const char *unit_dim_name(const struct unit *u)
{
	assert(u);
	return dim_names[u->dim];
}

int unit_same_dim(const struct unit *a, const struct unit *b)
{
	assert(a && b);
	return a->dim == b->dim;
}

size_t unit_accepted(const struct unit *u, char *buf, size_t cap)
{
	size_t len = 0;
	assert(u && buf && cap > 0);
	buf[0] = '\0';
	for (size_t i = 0; i < N_UNITS; i++) {
		if (units[i].dim != u->dim)
			continue;
		int n = snprintf(buf + (len < cap ? len : cap - 1), len < cap ? cap - len : 1, "%s%s",
				 len ? ", " : "", units[i].name);
		len += (size_t)n;
	}
	return len;
}

/* ---- decimal text ---- */

#define UNIT_EXP_MAX 9999

/* A decimal number as digits × 10^exp: sign, significant digits without leading zeros
 * (empty for zero), exponent. */
struct decimal {
	int neg;
	char digits[UNIT_TEXT_MAX + 1];
	size_t n;
	long exp;
};

/* Parses [+-]digits[.digits][(e|E)[+-]digits] with at least one mantissa digit. */
static int decimal_parse(const char *s, struct decimal *d)
{
	const char *p = s;
	int any = 0;

	if (strnlen(s, UNIT_TEXT_MAX + 1) > UNIT_TEXT_MAX)
		return PW_ETOOBIG;
	memset(d, 0, sizeof(*d));
	if (*p == '+' || *p == '-')
		d->neg = *p++ == '-';
	for (int frac = 0;; p++) {
		if (*p == '.' && !frac) {
			frac = 1;
			continue;
		}
		if (*p < '0' || *p > '9')
			break;
		any = 1;
		if (d->n || *p != '0')
			d->digits[d->n++] = *p;
		/* every digit after the point lowers the exponent, kept or not (0.005 = 5e-3) */
		if (frac)
			d->exp--;
	}
	if (!any)
		return PW_EINVAL;
	long e = 0;
	if (*p == 'e' || *p == 'E') {
		int eneg = 0, edig = 0;
		p++;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		for (; *p >= '0' && *p <= '9'; p++, edig++)
			if (e <= UNIT_EXP_MAX)
				e = e * 10 + (*p - '0');
		if (!edig)
			return PW_EINVAL;
		e = eneg ? -e : e;
	}
	if (*p)
		return PW_EINVAL;
	if (e > UNIT_EXP_MAX || e < -UNIT_EXP_MAX) {
		if (d->n)
			return PW_ERANGE;
		e = 0; /* zero is zero at any exponent */
	}
	d->exp += e;
	/* trailing zeros of the digits belong in the exponent: 32570 is 3257e1 */
	while (d->n && d->digits[d->n - 1] == '0') {
		d->n--;
		d->exp++;
	}
	d->digits[d->n] = '\0';
	if (!d->n)
		d->exp = 0;
	return 0;
}

/* Appends c to out[cap] at *len, failing when it does not fit with the NUL. */
static int put(char *out, size_t cap, size_t *len, char c)
{
	if (*len + 1 >= cap)
		return PW_ETOOBIG;
	out[(*len)++] = c;
	return 0;
}

/* Writes d as plain decimal text: the digits with the point placed by exp. */
static int decimal_plain(const struct decimal *d, char *out, size_t cap)
{
	size_t len = 0;
	long n = (long)d->n, point = n + d->exp; /* digits left of the point */
	int rc = 0;

	if (!d->n) {
		if (cap < 2)
			return PW_ETOOBIG;
		strcpy(out, "0"); /* -0 too: the text of a zero has no sign */
		return 0;
	}
	if (d->neg)
		rc |= put(out, cap, &len, '-');
	if (point <= 0) {
		rc |= put(out, cap, &len, '0');
		rc |= put(out, cap, &len, '.');
		for (long i = 0; i < -point && !rc; i++)
			rc |= put(out, cap, &len, '0');
		for (long i = 0; i < n && !rc; i++)
			rc |= put(out, cap, &len, d->digits[i]);
	} else {
		for (long i = 0; i < point && !rc; i++)
			rc |= put(out, cap, &len, i < n ? d->digits[i] : '0');
		if (point < n && !rc)
			rc |= put(out, cap, &len, '.');
		for (long i = point; i < n && !rc; i++)
			rc |= put(out, cap, &len, d->digits[i]);
	}
	if (rc)
		return PW_ETOOBIG;
	out[len] = '\0';
	return 0;
}

int unit_shift_text(const char *s, int k, char *out, size_t cap)
{
	struct decimal d;
	int rc;

	if (!s || !out || !cap)
		return PW_EINVAL;
	if ((rc = decimal_parse(s, &d)) < 0)
		return rc;
	if (d.n && (d.exp + k > UNIT_EXP_MAX || d.exp + k < -UNIT_EXP_MAX))
		return PW_ERANGE;
	if (d.n)
		d.exp += k;
	return decimal_plain(&d, out, cap);
}

int unit_convert_text(const char *s, const struct unit *from, const struct unit *to, double *out)
{
	struct decimal d;
	char text[UNIT_TEXT_MAX + 24];
	int rc;

	if (!s || !from || !to || !out)
		return PW_EINVAL;
	if (from->dim != to->dim)
		return PW_EUNIT;
	if ((rc = decimal_parse(s, &d)) < 0)
		return rc;
	if (!d.n) {
		*out = d.neg ? -0.0 : 0.0;
		return 0;
	}
	/* The one parse: digits and the shifted exponent, so strtod rounds the exact decimal
	 * once. exp stays within ±(UNIT_EXP_MAX + 64): strtod sees 0 or HUGE_VAL, no UB. */
	snprintf(text, sizeof(text), "%s%se%ld", d.neg ? "-" : "", d.digits,
		 d.exp + from->exp - to->exp);
	errno = 0;
	double v = strtod(text, NULL);
	if (errno == ERANGE || !isnormal(v))
		return PW_ERANGE;
	*out = v;
	return 0;
}

void unit_dtoa(double v, char *buf, size_t cap)
{
	char e[32];
	assert(buf && cap >= 32);
	/* If a text of k <= 15 significant digits reads back as v, rounding v to 15 digits
	 * gives that text padded with zeros (a double is within 2^-53 of it, far inside half
	 * a unit of the 15th digit), and the trailing zeros are dropped below: so 15, 16, 17
	 * digits are the only tries needed, not 1..17 (7 µs -> under 1 µs a conversion). */
	for (int p = 15; p <= 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	/* plain "32570" or "0.00044" where it fits, which is what people read and write */
	if (!isfinite(v) || unit_shift_text(e, 0, buf, cap) < 0)
		snprintf(buf, cap, "%s", e);
}

int unit_convert(double v, const struct unit *from, const struct unit *to, double *out)
{
	char text[32];

	if (!isfinite(v))
		return PW_EINVAL;
	if (!from || !to || !out)
		return PW_EINVAL;
	if (from->dim != to->dim)
		return PW_EUNIT;
	if (from->exp == to->exp || v == 0) {
		*out = v; /* same scale, or zero: the value as sent, bit for bit */
		return 0;
	}
	unit_dtoa(v, text, sizeof(text));
	return unit_convert_text(text, from, to, out);
}
