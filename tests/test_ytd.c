/* tests/test_ytd.c — model/ytd.c on both sides of each boundary: January and the combined
 * 1–2月 release, the year change (1月 of one year is not 12月 of the last minus anything),
 * a revised earlier month (what depends on it changes when derived again), quarters,
 * non-additive series; 序时进度 on both sides of each tolerance, both directions; the
 * release calendar with a controlled clock. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../model/ytd.h"
#include "check.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static void year_init(struct ytd_year *y)
{
	memset(y, 0, sizeof(*y));
	for (int i = 0; i < 13; i++)
		y->yoy[i] = NAN;
}

static void put(struct ytd_year *y, int n, double v)
{
	y->held[n] = true;
	y->value[n] = v;
}

/* January is its own 当月; February after a January is the difference. */
static void test_january_february(void)
{
	struct ytd_year cur, prev;
	struct ytd_row r;
	year_init(&cur);
	year_init(&prev);
	put(&prev, 1, 8), put(&prev, 2, 18), put(&prev, 3, 30);
	put(&cur, 1, 10), put(&cur, 2, 22), put(&cur, 3, 36);

	CHECK_OK(ytd_derive(&cur, &prev, PERIOD_MONTH, 1, true, &r));
	CHECK(r.cum == 10 && r.single == 10 && r.first == 1 && !r.combined);
	CHECK(NEAR(r.cum_yoy, 25) && r.cum_yoy_computed && NEAR(r.single_yoy, 25));

	CHECK_OK(ytd_derive(&cur, &prev, PERIOD_MONTH, 2, true, &r));
	CHECK(r.cum == 22 && r.single == 12 && r.first == 2 && !r.combined);
	CHECK(NEAR(r.single_yoy, 20)); /* 12 over 10 */

	CHECK_OK(ytd_derive(&cur, &prev, PERIOD_MONTH, 3, true, &r));
	CHECK(r.single == 14 && NEAR(r.single_yoy, (14.0 / 12 - 1) * 100)); /* 14 over 12 */
}

/* No January: the 1–2月 release is February's 当月, compared with last year's 1–2月 even
 * when last year had a January; March is 1–3月 − 1–2月. */
static void test_combined(void)
{
	struct ytd_year cur, prev;
	struct ytd_row r;
	year_init(&cur);
	year_init(&prev);
	put(&prev, 1, 8), put(&prev, 2, 20), put(&prev, 3, 30);
	put(&cur, 2, 25), put(&cur, 3, 40);

	CHECK_RC(ytd_derive(&cur, &prev, PERIOD_MONTH, 1, true, &r), PW_ENOTFOUND);
	CHECK(isnan(r.cum) && isnan(r.single));

	CHECK_OK(ytd_derive(&cur, &prev, PERIOD_MONTH, 2, true, &r));
	CHECK(r.combined && r.first == 1 && r.single == 25);
	CHECK(NEAR(r.single_yoy, 25)); /* over last year's 1–2月 (20), not its February (12) */

	CHECK_OK(ytd_derive(&cur, &prev, PERIOD_MONTH, 3, true, &r));
	CHECK(!r.combined && r.single == 15 && NEAR(r.single_yoy, 50)); /* 15 over 10 */

	/* This year has a January, last year had none: February's 当月 has no comparable. */
	struct ytd_year c2, p2;
	year_init(&c2);
	year_init(&p2);
	put(&p2, 2, 20);
	put(&c2, 1, 9), put(&c2, 2, 21);
	CHECK_OK(ytd_derive(&c2, &p2, PERIOD_MONTH, 2, true, &r));
	CHECK(r.single == 12 && isnan(r.single_yoy) && NEAR(r.cum_yoy, 5));
}

/* A gap in the year (April missing) leaves May's 当月 unknown, not May's 1–5月. */
static void test_gap(void)
{
	struct ytd_year cur;
	struct ytd_row r;
	year_init(&cur);
	put(&cur, 3, 30), put(&cur, 5, 50);
	CHECK_OK(ytd_derive(&cur, NULL, PERIOD_MONTH, 5, true, &r));
	CHECK(r.cum == 50 && isnan(r.single) && isnan(r.cum_yoy) && isnan(r.single_yoy));
}

/* The year change: January 2026 is 1月 of 2026 whatever December 2025 held, and its 同比
 * is against January 2025 (the caller's prev is the year before, not the month before). */
static void test_year_change(void)
{
	struct ytd_year y2025, y2026;
	struct ytd_row r;
	year_init(&y2025);
	year_init(&y2026);
	put(&y2025, 1, 7), put(&y2025, 11, 110), put(&y2025, 12, 121);
	put(&y2026, 1, 7.7);
	CHECK_OK(ytd_derive(&y2026, &y2025, PERIOD_MONTH, 1, true, &r));
	CHECK(r.single == 7.7 && NEAR(r.single_yoy, 10) && NEAR(r.cum_yoy, 10));
	/* December: the last 当月 of 2025 is 1–12月 − 1–11月. */
	CHECK_OK(ytd_derive(&y2025, NULL, PERIOD_MONTH, 12, true, &r));
	CHECK(NEAR(r.single, 11) && isnan(r.single_yoy));
}

/* A revised earlier month: derived again from the newest vintages, September's 当月 and its
 * 同比 follow the revision of August; the reported 1–N同比 wins over the computed one. */
static void test_revision(void)
{
	struct ytd_year cur, prev;
	struct ytd_row before, after;
	year_init(&cur);
	year_init(&prev);
	put(&prev, 8, 80), put(&prev, 9, 90);
	put(&cur, 8, 88), put(&cur, 9, 99);
	CHECK_OK(ytd_derive(&cur, &prev, PERIOD_MONTH, 9, true, &before));
	CHECK(NEAR(before.single, 11) && NEAR(before.single_yoy, 10));
	cur.value[8] = 90; /* August revised from 88 to 90 */
	CHECK_OK(ytd_derive(&cur, &prev, PERIOD_MONTH, 9, true, &after));
	CHECK(NEAR(after.single, 9) && NEAR(after.single_yoy, -10));
	CHECK(after.cum == before.cum); /* 1–9月 itself did not change */
	cur.yoy[9] = 9.5;               /* a reported 同比 (comparable prices) */
	CHECK_OK(ytd_derive(&cur, &prev, PERIOD_MONTH, 9, true, &after));
	CHECK(after.cum_yoy == 9.5 && !after.cum_yoy_computed);
}

/* Quarters: 1季度 is its own; 三季度 = 1–3季度 − 1–2季度; n out of range refused. */
static void test_quarters(void)
{
	struct ytd_year cur, prev;
	struct ytd_row r;
	year_init(&cur);
	year_init(&prev);
	put(&prev, 1, 100), put(&prev, 2, 210), put(&prev, 3, 330);
	put(&cur, 1, 106), put(&cur, 2, 224), put(&cur, 3, 350);
	CHECK_OK(ytd_derive(&cur, &prev, PERIOD_QUARTER, 1, true, &r));
	CHECK(r.single == 106 && !r.combined && NEAR(r.single_yoy, 6));
	CHECK_OK(ytd_derive(&cur, &prev, PERIOD_QUARTER, 3, true, &r));
	CHECK(r.single == 126 && NEAR(r.single_yoy, 5)); /* 126 over 120 */
	/* February's rule is a month rule: quarter 2 without quarter 1 is no combined release. */
	cur.held[1] = false;
	CHECK_OK(ytd_derive(&cur, &prev, PERIOD_QUARTER, 2, true, &r));
	CHECK(isnan(r.single) && !r.combined);
	CHECK_RC(ytd_derive(&cur, &prev, PERIOD_QUARTER, 5, true, &r), PW_EINVAL);
	CHECK_RC(ytd_derive(&cur, &prev, PERIOD_MONTH, 0, true, &r), PW_EINVAL);
	CHECK_RC(ytd_derive(&cur, &prev, PERIOD_MONTH, 13, true, &r), PW_EINVAL);
	CHECK_RC(ytd_derive(&cur, &prev, PERIOD_ANNUAL, 1, true, &r), PW_EINVAL);
}

/* A monthly series in the quarterly analysis: its quarters are the 1–3N月 figures, so 三季度
 * is 1–9月 − 1–6月 (not September), with its 同比 over last year's same quarter; a quarter
 * whose last month is missing is not held, and a month between does not count. */
static void test_months_to_quarters(void)
{
	struct ytd_year cur, prev, qc, qp;
	struct ytd_row r;
	year_init(&cur);
	year_init(&prev);
	put(&prev, 3, 30), put(&prev, 6, 64), put(&prev, 9, 100);
	put(&cur, 2, 20), put(&cur, 3, 33), put(&cur, 5, 50), put(&cur, 6, 70), put(&cur, 9, 112);
	cur.yoy[9] = 12.5;
	ytd_quarters(&cur, &qc);
	ytd_quarters(&prev, &qp);
	CHECK(qc.held[1] && qc.held[2] && qc.held[3] && !qc.held[4] && !qc.held[0]);
	CHECK(qc.value[3] == 112 && qc.yoy[3] == 12.5 && isnan(qc.yoy[2]));
	CHECK_OK(ytd_derive(&qc, &qp, PERIOD_QUARTER, 3, true, &r));
	CHECK(r.cum == 112 && r.single == 42 && r.first == 3 && NEAR(r.single_yoy, 600.0 / 36));
	CHECK_OK(ytd_derive(&qc, &qp, PERIOD_QUARTER, 1, true, &r));
	CHECK(r.single == 33 && NEAR(r.single_yoy, 10)); /* 1-3月, 1-2月 came combined */
	cur.held[6] = false; /* June missing: no second quarter, no third quarter's own */
	ytd_quarters(&cur, &qc);
	CHECK(!qc.held[2]);
	CHECK_OK(ytd_derive(&qc, &qp, PERIOD_QUARTER, 3, true, &r));
	CHECK(r.cum == 112 && isnan(r.single));
}

/* A cumulative average (PM2.5) has no 当月 by subtraction; a zero base has no 同比. */
static void test_not_additive(void)
{
	struct ytd_year cur, prev;
	struct ytd_row r;
	year_init(&cur);
	year_init(&prev);
	put(&prev, 3, 0), put(&prev, 4, 24);
	put(&cur, 3, 20), put(&cur, 4, 21);
	CHECK_OK(ytd_derive(&cur, &prev, PERIOD_MONTH, 4, false, &r));
	CHECK(r.cum == 21 && isnan(r.single) && isnan(r.single_yoy) && NEAR(r.cum_yoy, -12.5));
	CHECK_OK(ytd_derive(&cur, &prev, PERIOD_MONTH, 3, true, &r));
	CHECK(isnan(r.cum_yoy) && isnan(r.single_yoy) && !r.cum_yoy_computed);
}

/* 序时进度 of a total: October is 83.33 % of the year; 达序时 within ±1 point. */
static void test_pace_total(void)
{
	struct ytd_progress p;
	ytd_pace_total(250, 300, PERIOD_MONTH, 10, 1, &p); /* 83.33 % of 83.33 % */
	CHECK(p.pace == YTD_PACE_ON && NEAR(p.elapsed, 250.0 / 3) && NEAR(p.gap, 0));
	ytd_pace_total(253.1, 300, PERIOD_MONTH, 10, 1, &p); /* +1.03 points */
	CHECK(p.pace == YTD_PACE_AHEAD && p.gap > YTD_PACE_TOL_PP);
	ytd_pace_total(252.9, 300, PERIOD_MONTH, 10, 1, &p); /* +0.97 points */
	CHECK(p.pace == YTD_PACE_ON);
	ytd_pace_total(246.9, 300, PERIOD_MONTH, 10, 1, &p); /* -1.03 points */
	CHECK(p.pace == YTD_PACE_BEHIND && NEAR(p.completion, 82.3));
	ytd_pace_total(247.1, 300, PERIOD_MONTH, 10, 1, &p);
	CHECK(p.pace == YTD_PACE_ON);
	/* "时间过半、任务过半": 2季度 is half the year. */
	ytd_pace_total(150, 300, PERIOD_QUARTER, 2, 1, &p);
	CHECK(p.pace == YTD_PACE_ON && p.elapsed == 50);
	ytd_pace_total(140, 300, PERIOD_QUARTER, 2, 1, &p);
	CHECK(p.pace == YTD_PACE_BEHIND && NEAR(p.gap, 140.0 / 3 - 50));
	/* A ceiling (energy use): under the share is ahead. */
	ytd_pace_total(140, 300, PERIOD_QUARTER, 2, -1, &p);
	CHECK(p.pace == YTD_PACE_AHEAD && p.gap > 0);
	/* Nothing to judge. */
	ytd_pace_total(NAN, 300, PERIOD_MONTH, 10, 1, &p);
	CHECK(p.pace == YTD_PACE_NONE);
	ytd_pace_total(100, 0, PERIOD_MONTH, 10, 1, &p);
	CHECK(p.pace == YTD_PACE_NONE && isnan(p.completion));
	CHECK(strcmp(ytd_pace_zh(YTD_PACE_BEHIND), "滞后") == 0 && ytd_pace_zh(0)[0] == '\0');
	CHECK(strcmp(ytd_pace_en(YTD_PACE_AHEAD), "ahead of schedule") == 0);
}

/* 序时进度 of a growth target: the YTD 同比 against the year's growth, ±0.2 points. */
static void test_pace_growth(void)
{
	struct ytd_progress p;
	ytd_pace_growth(7.0, 7.0, PERIOD_MONTH, 10, 1, &p);
	CHECK(p.pace == YTD_PACE_ON && p.completion == 7.0);
	ytd_pace_growth(7.3, 7.0, PERIOD_MONTH, 10, 1, &p);
	CHECK(p.pace == YTD_PACE_AHEAD);
	ytd_pace_growth(7.1, 7.0, PERIOD_MONTH, 10, 1, &p);
	CHECK(p.pace == YTD_PACE_ON);
	ytd_pace_growth(6.7, 7.0, PERIOD_QUARTER, 3, 1, &p);
	CHECK(p.pace == YTD_PACE_BEHIND && NEAR(p.gap, -0.3) && p.elapsed == 75);
	ytd_pace_growth(-3.5, -3.0, PERIOD_MONTH, 10, -1, &p); /* a reduction target: faster is ahead */
	CHECK(p.pace == YTD_PACE_AHEAD);
	ytd_pace_growth(NAN, 7.0, PERIOD_MONTH, 10, 1, &p);
	CHECK(p.pace == YTD_PACE_NONE);
}

/* A year's level (优良率稳定在95%以上, 002:117): the 1–N月 ratio against it, met or short. */
static void test_pace_level(void)
{
	struct ytd_progress p;
	ytd_pace_level(95, 95, PERIOD_MONTH, 10, 1, &p);
	CHECK(p.pace == YTD_PACE_MET && p.completion == 95 && p.gap == 0 && NEAR(p.elapsed, 250.0 / 3));
	ytd_pace_level(94.9, 95, PERIOD_MONTH, 10, 1, &p);
	CHECK(p.pace == YTD_PACE_SHORT && NEAR(p.gap, -0.1));
	ytd_pace_level(99, 95, PERIOD_MONTH, 10, 1, &p); /* no schedule to be ahead of */
	CHECK(p.pace == YTD_PACE_MET);
	ytd_pace_level(31, 30, PERIOD_QUARTER, 3, -1, &p); /* a ceiling (PM2.5 μg/m³) */
	CHECK(p.pace == YTD_PACE_SHORT && p.gap == -1 && p.elapsed == 75);
	ytd_pace_level(30, 30, PERIOD_QUARTER, 3, -1, &p);
	CHECK(p.pace == YTD_PACE_MET);
	ytd_pace_level(NAN, 95, PERIOD_MONTH, 10, 1, &p);
	CHECK(p.pace == YTD_PACE_NONE && isnan(p.gap));
	ytd_pace_level(95, NAN, PERIOD_MONTH, 10, 1, &p);
	CHECK(p.pace == YTD_PACE_NONE);
	CHECK(strcmp(ytd_pace_zh(YTD_PACE_MET), "达标") == 0 &&
	      strcmp(ytd_pace_zh(YTD_PACE_SHORT), "未达标") == 0 &&
	      strcmp(ytd_pace_en(YTD_PACE_SHORT), "short of it") == 0 &&
	      strcmp(ytd_pace_en(YTD_PACE_MET), "met") == 0);
}

/* The release calendar with a controlled clock: October's figure, due 15 days after
 * 31 October, is the latest due from 00:00 UTC on 16 November, not a millisecond earlier. */
static void test_calendar(void)
{
	struct period oct = { 2026, PERIOD_MONTH, 10 }, q3 = { 2026, PERIOD_QUARTER, 3 };
	int64_t due = period_day_ms(2026, 11, 16);
	CHECK(ytd_due_ms(&oct, 15) == due);
	CHECK(ytd_due_ms(&q3, 20) == period_day_ms(2026, 10, 21));
	struct period dec = { 2026, PERIOD_MONTH, 12 };
	CHECK(ytd_due_ms(&dec, 10) == period_day_ms(2027, 1, 11));

	struct period p = ytd_latest_due(PERIOD_MONTH, 15, due);
	CHECK(period_cmp(&p, &oct) == 0);
	p = ytd_latest_due(PERIOD_MONTH, 15, due - 1);
	CHECK(p.year == 2026 && p.n == 9);
	/* Across the year change: on 10 January 2027 December 2026 is not yet due. */
	p = ytd_latest_due(PERIOD_MONTH, 10, period_day_ms(2027, 1, 10));
	CHECK(p.year == 2026 && p.n == 11);
	p = ytd_latest_due(PERIOD_MONTH, 10, period_day_ms(2027, 1, 11));
	CHECK(p.year == 2026 && p.n == 12);
	p = ytd_latest_due(PERIOD_QUARTER, 20, period_day_ms(2026, 10, 21));
	CHECK(period_cmp(&p, &q3) == 0);
	p = ytd_latest_due(PERIOD_QUARTER, 20, period_day_ms(2026, 10, 20));
	CHECK(p.n == 2);
}

int main(void)
{
	test_january_february();
	test_combined();
	test_gap();
	test_year_change();
	test_revision();
	test_quarters();
	test_months_to_quarters();
	test_not_additive();
	test_pace_total();
	test_pace_growth();
	test_pace_level();
	test_calendar();
	puts("test_ytd: ok");
	return 0;
}
