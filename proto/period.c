/* proto/period.c — period syntax and ordering. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "period.h"

static int parse_digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return PW_EPERIOD;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int period_parse(struct period *p, const char *s, size_t len)
{
	int year, n = 0;
	uint8_t freq;

	if (len < 4 || parse_digits(s, 4, &year) < 0)
		return PW_EPERIOD;
	if (len == 4) {
		freq = PERIOD_ANNUAL;
	} else if (len == 6 && s[4] == 'Q') {
		if (parse_digits(s + 5, 1, &n) < 0 || n < 1 || n > 4)
			return PW_EPERIOD;
		freq = PERIOD_QUARTER;
	} else if (len == 7 && s[4] == '-') {
		if (parse_digits(s + 5, 2, &n) < 0 || n < 1 || n > 12)
			return PW_EPERIOD;
		freq = PERIOD_MONTH;
	} else if (len == 9 && s[4] == '-') {
		int first = year;
		if (parse_digits(s + 5, 4, &year) < 0 || first < PERIOD_YEAR_MIN)
			return PW_EPERIOD;
		n = year - first + 1;
		if (n < PERIOD_SPAN_MIN || n > PERIOD_SPAN_MAX)
			return PW_EPERIOD;
		freq = PERIOD_SPAN;
	} else {
		return PW_EPERIOD;
	}
	if (year < PERIOD_YEAR_MIN || year > PERIOD_YEAR_MAX)
		return PW_EPERIOD;
	p->year = (uint16_t)year;
	p->freq = freq;
	p->n = (uint8_t)n;
	return 0;
}

/* A cursor over the Chinese forms of period_parse_text: s..end, advanced by what matches. */
struct zh_cur {
	const char *s, *end;
};

/* Consumes the literal lit if the text continues with it. */
static int zh_eat(struct zh_cur *c, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(c->end - c->s) < n || memcmp(c->s, lit, n) != 0)
		return 0;
	c->s += n;
	return 1;
}

/* One or two ASCII digits, or a Chinese numeral 一..十二; 0 if none. */
static int zh_number(struct zh_cur *c)
{
	static const char *const zh[] = { "十二", "十一", "十", "一", "二", "两", "三", "四",
					  "五", "六", "七", "八", "九" };
	static const int val[] = { 12, 11, 10, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9 };
	int v = 0, k = 0;
	while (k < 2 && c->s < c->end && *c->s >= '0' && *c->s <= '9')
		v = v * 10 + (*c->s++ - '0'), k++;
	if (k)
		return v;
	for (size_t i = 0; i < sizeof(val) / sizeof(val[0]); i++)
		if (zh_eat(c, zh[i]))
			return val[i];
	return 0;
}

/* The dash of a cumulative range "1-10月": ASCII, en/em dash, full-width, tilde or 至. */
static int zh_dash(struct zh_cur *c)
{
	static const char *const dash[] = { "-", "—", "–", "－", "~", "～", "至" };
	for (size_t i = 0; i < sizeof(dash) / sizeof(dash[0]); i++)
		if (zh_eat(c, dash[i]))
			return 1;
	return 0;
}

/* A plan period "2016-2020年" or "2016年-2020年" at c (past the first year, whose digits
 * are at first): 1 with *p parsed by period_parse from the canonical text (a span or
 * refused), 0 when the text is not of this form. */
static int zh_span(struct zh_cur c, const char *first, struct period *p)
{
	char canon[9];
	zh_eat(&c, "年");
	if (!zh_dash(&c) || c.end - c.s != 4 + (int)strlen("年") ||
	    memcmp(c.s + 4, "年", strlen("年")) != 0)
		return 0;
	memcpy(canon, first, 4);
	canon[4] = '-';
	memcpy(canon + 5, c.s, 4);
	if (period_parse(p, canon, sizeof(canon)) < 0)
		p->freq = 0;
	return 1;
}

/* What follows "2026年": sets freq and n, or returns PW_EPERIOD. */
static int zh_rest(struct zh_cur *c, uint8_t *freq, int *n)
{
	int first = 0, last;

	if (c->s == c->end || zh_eat(c, "全年") || zh_eat(c, "度")) {
		*freq = PERIOD_ANNUAL;
		*n = 0;
		return c->s == c->end ? 0 : PW_EPERIOD;
	}
	if (zh_eat(c, "上半年")) {
		*freq = PERIOD_QUARTER;
		*n = 2;
		return c->s == c->end ? 0 : PW_EPERIOD;
	}
	if (zh_eat(c, "前")) {
		first = 1; /* 前三季度 = 1-3季度 */
	} else if (!zh_eat(c, "第")) {
		struct zh_cur save = *c;
		if (zh_number(c) == 1 && zh_dash(c))
			first = 1;
		else
			*c = save;
	}
	if ((last = zh_number(c)) == 0 || (first && last < 2))
		return PW_EPERIOD;
	if (zh_eat(c, "季度")) {
		*freq = PERIOD_QUARTER;
		if (last > 4)
			return PW_EPERIOD;
	} else if (zh_eat(c, "月")) {
		zh_eat(c, "份");
		*freq = PERIOD_MONTH;
		if (last > 12)
			return PW_EPERIOD;
	} else {
		return PW_EPERIOD;
	}
	*n = last;
	return c->s == c->end ? 0 : PW_EPERIOD;
}

/* Copies s[0..len) to out with full-width digits (０..９, typed in an IME's full-width
 * mode) made ASCII; returns the new length, or 0 if it does not fit. */
static size_t ascii_digits(const char *s, size_t len, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < len; k++) {
		const unsigned char *u = (const unsigned char *)s + i;
		if (k == cap)
			return 0;
		if (len - i >= 3 && u[0] == 0xef && u[1] == 0xbc && u[2] >= 0x90 && u[2] <= 0x99) {
			out[k] = (char)('0' + (u[2] - 0x90));
			i += 3;
		} else {
			out[k] = s[i++];
		}
	}
	return k;
}

int period_parse_text(struct period *p, const char *text, size_t text_len)
{
	char buf[64];
	uint8_t freq;
	int year, n;

	if (period_parse(p, text, text_len) == 0)
		return 0;
	size_t len = ascii_digits(text, text_len, buf, sizeof(buf));
	const char *s = buf;
	struct zh_cur c = { s + 4, s + len };
	if (len < 4 || parse_digits(s, 4, &year) < 0)
		return PW_EPERIOD;
	if (zh_span(c, s, p))
		return p->freq == PERIOD_SPAN ? 0 : PW_EPERIOD;
	if (!zh_eat(&c, "年"))
		return PW_EPERIOD;
	if (zh_rest(&c, &freq, &n) < 0 || year < PERIOD_YEAR_MIN || year > PERIOD_YEAR_MAX)
		return PW_EPERIOD;
	p->year = (uint16_t)year;
	p->freq = freq;
	p->n = (uint8_t)n;
	return 0;
}

void period_format_text(const struct period *p, int cumulative, char buf[PERIOD_TEXT_ZH_MAX])
{
	static const char *const zh[] = { "", "一", "二", "三", "四" };
	unsigned y = p->year, n = p->n;

	if (p->freq == PERIOD_MONTH && cumulative && n > 1)
		snprintf(buf, PERIOD_TEXT_ZH_MAX, "%04u年1-%u月", y, n % 100);
	else if (p->freq == PERIOD_MONTH)
		snprintf(buf, PERIOD_TEXT_ZH_MAX, "%04u年%u月", y, n % 100);
	else if (p->freq == PERIOD_QUARTER && cumulative && n > 1)
		snprintf(buf, PERIOD_TEXT_ZH_MAX, "%04u年1-%u季度", y, n % 10);
	else if (p->freq == PERIOD_QUARTER)
		snprintf(buf, PERIOD_TEXT_ZH_MAX, "%04u年%s季度", y, zh[n <= 4 ? n : 0]);
	else if (p->freq == PERIOD_SPAN)
		snprintf(buf, PERIOD_TEXT_ZH_MAX, "%04u-%04u年", (unsigned)period_first_year(p) % 10000,
			 y % 10000);
	else
		snprintf(buf, PERIOD_TEXT_ZH_MAX, "%04u年", y);
}

static char *put4(char *p, unsigned v)
{
	p[3] = (char)('0' + v % 10), v /= 10;
	p[2] = (char)('0' + v % 10), v /= 10;
	p[1] = (char)('0' + v % 10), v /= 10;
	p[0] = (char)('0' + v % 10);
	return p + 4;
}

/* Every change notice formats its period: digits by hand, not snprintf (the profile). */
void period_format(const struct period *p, char buf[PERIOD_TEXT_MAX])
{
	char *e = put4(buf, (unsigned)p->year % 10000);
	switch (p->freq) {
	case PERIOD_QUARTER:
		if (p->year > 9999) { /* not a valid period; keep the old output */
			snprintf(buf, PERIOD_TEXT_MAX, "%04uQ%u", (unsigned)p->year, (unsigned)p->n % 10);
			return;
		}
		*e++ = 'Q';
		*e++ = (char)('0' + p->n % 10);
		break;
	case PERIOD_MONTH:
		*e++ = '-';
		*e++ = (char)('0' + p->n % 100 / 10);
		*e++ = (char)('0' + p->n % 10);
		break;
	case PERIOD_SPAN: /* first year, then the last */
		put4(buf, (unsigned)period_first_year(p) % 10000);
		*e++ = '-';
		e = put4(e, (unsigned)p->year % 10000);
		break;
	default:
		break;
	}
	*e = '\0';
}

int64_t period_day_ms(int year, int month, int day)
{
	/* Days from 1970-01-01 by the era arithmetic of H. Hinnant's days_from_civil. */
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468) * 86400000;
}

int period_cmp(const struct period *a, const struct period *b)
{
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if (a->freq != b->freq)
		return a->freq < b->freq ? -1 : 1;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	return 0;
}

void period_months(const struct period *p, int *first, int *last)
{
	switch (p->freq) {
	case PERIOD_QUARTER:
		*first = (p->n - 1) * 3 + 1;
		*last = p->n * 3;
		break;
	case PERIOD_MONTH:
		*first = *last = p->n;
		break;
	default:
		*first = 1;
		*last = 12;
	}
}

int period_first_year(const struct period *p)
{
	return p->freq == PERIOD_SPAN ? (int)p->year - p->n + 1 : p->year;
}

struct period period_prev(const struct period *p)
{
	struct period r = *p;
	if (p->freq == PERIOD_SPAN) {
		r.year = (uint16_t)(r.year - r.n);
	} else if (p->freq == PERIOD_ANNUAL || p->n <= 1) {
		r.year--;
		if (p->freq == PERIOD_QUARTER)
			r.n = 4;
		else if (p->freq == PERIOD_MONTH)
			r.n = 12;
	} else {
		r.n--;
	}
	return r;
}

void period_key(const struct period *p, uint8_t out[4])
{
	out[0] = (uint8_t)(p->year >> 8);
	out[1] = (uint8_t)p->year;
	out[2] = p->freq;
	out[3] = p->n;
}

struct period period_from_key(const uint8_t in[4])
{
	struct period p = { .year = (uint16_t)(in[0] << 8 | in[1]), .freq = in[2], .n = in[3] };
	return p;
}

const char *period_freq_name(int freq)
{
	switch (freq) {
	case PERIOD_ANNUAL:
		return "annual";
	case PERIOD_QUARTER:
		return "quarterly";
	case PERIOD_MONTH:
		return "monthly";
	case PERIOD_SPAN:
		return "span";
	}
	return "unknown";
}

int period_freq_parse(const char *s)
{
	if (strcmp(s, "annual") == 0)
		return PERIOD_ANNUAL;
	if (strcmp(s, "quarterly") == 0)
		return PERIOD_QUARTER;
	if (strcmp(s, "monthly") == 0)
		return PERIOD_MONTH;
	return PW_EINVAL;
}
