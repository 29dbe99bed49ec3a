/* proto/period.h — reporting periods: "2026" (year), "2026Q3" (quarter), "2026-10" (month),
 * "2016-2020" (a plan period's total, 五年累计). */
#ifndef PW_PERIOD_H
#define PW_PERIOD_H

#include <stddef.h>
#include <stdint.h>

/* PERIOD_SPAN: the total of the years year-n+1..year as one figure (a 13th plan's 五年累计
 * 2016-2020: year 2020, n 5). It is no frequency a series is reported at: only a target
 * that is cumulative over a plan window of exactly those years takes one (daemon/validate.c).
 * Its key sorts after every period of its last year. */
enum period_freq { PERIOD_ANNUAL = 1, PERIOD_QUARTER = 2, PERIOD_MONTH = 3, PERIOD_SPAN = 4 };

#define PERIOD_SPAN_MIN 2  /* years: a one-year span is the year itself */
#define PERIOD_SPAN_MAX 10

#define PERIOD_YEAR_MIN 1949
#define PERIOD_YEAR_MAX 2100
#define PERIOD_TEXT_MAX 10 /* "2016-2020" + NUL */

struct period {
	uint16_t year;
	uint8_t freq; /* enum period_freq */
	uint8_t n;    /* 0 for a year, 1..4 for a quarter, 1..12 for a month, the years of a span */
};

/* Parses exactly len bytes of s. Returns 0 or PW_EPERIOD (syntax, month 13, year range, a
 * span "YYYY-YYYY" whose last year is not after its first or longer than PERIOD_SPAN_MAX). */
int period_parse(struct period *p, const char *s, size_t len);

/* Parses a period as people write it: the canonical forms above, or the Chinese forms
 * of statistical tables (docs: man/planwatch.1, PERIODS):
 *   2026年, 2026年度, 2026年全年                    -> 2026
 *   2026年10月, 2026年1-10月 (also 1—10, 1–10, 1－10, 1~10, 1至10; 月份 for 月) -> 2026-10
 *   2026年三季度, 2026年第三季度, 2026年3季度, 2026年1-3季度, 2026年前三季度 -> 2026Q3
 *   2026年上半年                                    -> 2026Q2 (the Q1–Q2 release)
 *   2016-2020年, 2016—2020年 (any dash of 1-10月), 2016年-2020年 -> 2016-2020
 * Digits may be full-width (２０２６年１０月). A cumulative range must start at 1 (1-10月,
 * 1-3季度) and end past it; 3-5月 and 下半年 are not one period and are refused. Exactly
 * len bytes; no blanks.
 * Returns 0 or PW_EPERIOD. Only people's input goes through here: the wire stays canonical
 * (period_parse). */
int period_parse_text(struct period *p, const char *s, size_t len);

#define PERIOD_TEXT_ZH_MAX 24 /* "2026年1-3季度" + NUL, with room */

/* Writes the Chinese form of p that period_parse_text reads back as p: "2026年",
 * "2026年10月", "2026年三季度" or "2016-2020年"; with cumulative, a month or quarter past the first is the
 * range from the first, "2026年1-10月", "2026年1-3季度" (for a figure reported year to date). */
void period_format_text(const struct period *p, int cumulative, char buf[PERIOD_TEXT_ZH_MAX]);

/* Writes the canonical text (at most PERIOD_TEXT_MAX bytes with NUL) into buf. */
void period_format(const struct period *p, char buf[PERIOD_TEXT_MAX]);

/* Unix ms of 00:00 UTC on a proleptic Gregorian date (timegm's result, by arithmetic:
 * it runs for every item validated). */
int64_t period_day_ms(int year, int month, int day);

/* Orders by year, then frequency, then n. */
int period_cmp(const struct period *a, const struct period *b);

/* First and last month (1..12) the period covers (of a span: of its last year). */
void period_months(const struct period *p, int *first, int *last);

/* The period of the same frequency that precedes p (2026-01 -> 2025-12; a span the span
 * of as many years before it, 2016-2020 -> 2011-2015). */
struct period period_prev(const struct period *p);

/* The 4-byte big-endian sort key used by the store. */
void period_key(const struct period *p, uint8_t out[4]);
struct period period_from_key(const uint8_t in[4]);

/* First year of p (its year, but for a span). */
int period_first_year(const struct period *p);

/* Frequency names "annual", "quarterly", "monthly" ("span" for a span, which no series
 * has: period_freq_parse does not read it); 0 / PW_EINVAL from parse. */
const char *period_freq_name(int freq);
int period_freq_parse(const char *s);

#endif
