/* tests/test_planmath.c — the plan maths (model/planmath.c) on every target kind: what each
 * requires, on both sides of the baseline and target years, and every verdict on both sides
 * of each threshold (off_track | at_risk at the requirement, at_risk | on_track at the
 * margin), for both directions, in level and in percentage-point terms. */
#include <math.h>
#include <stdio.h>

#include "../model/planmath.h"
#include "check.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static const struct planmath_target plan = {
	.base_year = 2020, .target_year = 2025, .base = 10, .target = 20, .growth = NAN,
};

/* kind growth: the stated rate wins; else implied by positive ends; else none. */
static void test_growth(void)
{
	struct planmath_target t = { 2020, 2022, 100, 121, NAN };
	double g = 0;

	CHECK(planmath_growth(&t, &g) && NEAR(g, 10)); /* 100 x 1.1^2 = 121 */
	CHECK(NEAR(planmath_compound(100, g, 2), 121));
	CHECK(NEAR(planmath_compound(121, g, -2), 100)); /* back from the target */
	CHECK(NEAR(planmath_compound(100, 10, 0.5), 100 * sqrt(1.1)));
	t.growth = 6.5;
	CHECK(planmath_growth(&t, &g) && g == 6.5);
	t.growth = NAN;
	/* A target of zero or below implies no rate (it was NaN / -100 % in rules.c). */
	t.target = 0;
	CHECK(!planmath_growth(&t, &g));
	t.target = -5;
	CHECK(!planmath_growth(&t, &g));
	t.target = 121;
	t.base = 0;
	CHECK(!planmath_growth(&t, &g));
	t.base = NAN;
	CHECK(!planmath_growth(&t, &g));
	t.base = 100;
	t.target_year = 2020; /* not after the baseline */
	CHECK(!planmath_growth(&t, &g));
	t.target = NAN;
	t.target_year = 2022;
	CHECK(!planmath_growth(&t, &g));
	/* positive ends below 1 imply a rate too (the test is > 0, not >= 1) */
	t = (struct planmath_target){ 2020, 2022, 0.5, 0.605, NAN };
	CHECK(planmath_growth(&t, &g) && NEAR(g, 10));
}

/* kind level: the linear path, from the baseline year on, held at the target. */
static void test_level(void)
{
	struct planmath_target t = plan;
	double r = 0;

	CHECK(!planmath_level(&t, 2019, &r));
	CHECK(!planmath_level(&t, 2019.99, &r));
	CHECK(planmath_level(&t, 2020, &r) && NEAR(r, 10));
	CHECK(planmath_level(&t, 2022, &r) && NEAR(r, 14));
	CHECK(planmath_level(&t, 2022.5, &r) && NEAR(r, 15));
	CHECK(planmath_level(&t, 2025, &r) && NEAR(r, 20));
	CHECK(planmath_level(&t, 2030, &r) && NEAR(r, 20));
	t.base = NAN; /* no baseline: the target throughout */
	CHECK(planmath_level(&t, 2010, &r) && r == 20);
	t = plan;
	t.target_year = 2020; /* not after the baseline: the target */
	CHECK(planmath_level(&t, 2022, &r) && r == 20);
	CHECK(planmath_level(&t, 2019, &r) && r == 20); /* even before it: no path to be on */
	t = plan;
	t.target = NAN;
	CHECK(!planmath_level(&t, 2022, &r));
	t = (struct planmath_target){ 2020, 2025, 20, 10, NAN }; /* falling (lower is better) */
	CHECK(planmath_level(&t, 2021, &r) && NEAR(r, 18));
}

/* kind cumulative: the pro-rata share of the target, capped at the target. */
static void test_pro_rata(void)
{
	struct planmath_target t = { 2020, 2025, NAN, 50, NAN };
	double r = -1;

	CHECK(!planmath_pro_rata(&t, 2019, &r));
	CHECK(planmath_pro_rata(&t, 2020, &r) && r == 0);
	CHECK(planmath_pro_rata(&t, 2022, &r) && NEAR(r, 20));
	CHECK(planmath_pro_rata(&t, 2025, &r) && NEAR(r, 50));
	CHECK(planmath_pro_rata(&t, 2031, &r) && NEAR(r, 50));
	t.target_year = 2020;
	CHECK(!planmath_pro_rata(&t, 2022, &r));
	t.target_year = 2025;
	t.target = NAN;
	CHECK(!planmath_pro_rata(&t, 2022, &r));
}

static int judge(double value, double required, int dir, bool points)
{
	struct planmath_verdict v;
	planmath_judge(&v, value, required, dir, points, 1.0);
	CHECK(v.value == value || (isnan(v.value) && isnan(value)));
	CHECK(v.required == required || (isnan(v.required) && isnan(required)));
	if (v.state != PLANMATH_NONE)
		CHECK(NEAR(v.gap, (value - required) * dir));
	return v.state;
}

/* The verdict: floor / growth path / level path / keep / city (higher is better, or as the
 * indicator's direction says) and ceiling (lower is better); margin 1 % of |required|. */
static void test_judge(void)
{
	CHECK(NEAR(planmath_margin(200, false, 1.0), 2));
	CHECK(NEAR(planmath_margin(-200, false, 1.0), 2));
	CHECK(planmath_margin(200, true, 1.5) == 1.5);

	/* direction +1 (floor, keep, city, growth, level, cumulative), required 100, margin 1:
	 * met is on track (never at risk), short by up to the margin at risk, beyond off. */
	CHECK(judge(98.999, 100, 1, false) == PLANMATH_OFF_TRACK);
	CHECK(judge(99, 100, 1, false) == PLANMATH_AT_RISK);
	CHECK(judge(99.5, 100, 1, false) == PLANMATH_AT_RISK); /* the margin-zone mutant */
	CHECK(judge(99.999, 100, 1, false) == PLANMATH_AT_RISK);
	CHECK(judge(100, 100, 1, false) == PLANMATH_ON_TRACK);
	CHECK(judge(100.001, 100, 1, false) == PLANMATH_ON_TRACK);
	/* direction -1 (ceiling, a lower-is-better level or keep), limit 100 */
	CHECK(judge(101.001, 100, -1, false) == PLANMATH_OFF_TRACK);
	CHECK(judge(101, 100, -1, false) == PLANMATH_AT_RISK);
	CHECK(judge(100.5, 100, -1, false) == PLANMATH_AT_RISK);
	CHECK(judge(100, 100, -1, false) == PLANMATH_ON_TRACK);
	CHECK(judge(99.999, 100, -1, false) == PLANMATH_ON_TRACK);
	/* a negative requirement: the margin is of its magnitude */
	CHECK(judge(-101.5, -100, 1, false) == PLANMATH_OFF_TRACK);
	CHECK(judge(-100.5, -100, 1, false) == PLANMATH_AT_RISK);
	CHECK(judge(-100, -100, 1, false) == PLANMATH_ON_TRACK);
	/* growth judged by YoY: 1 percentage point, whatever the rate */
	CHECK(judge(4.999, 6, 1, true) == PLANMATH_OFF_TRACK);
	CHECK(judge(5.5, 6, 1, true) == PLANMATH_AT_RISK);
	CHECK(judge(6, 6, 1, true) == PLANMATH_ON_TRACK);
	/* 居民收入 +7.6% against 7.5%: met, on track (it was at risk inside the margin) */
	CHECK(judge(7.6, 7.5, 1, true) == PLANMATH_ON_TRACK);
	CHECK(judge(-0.5, 0, 1, true) == PLANMATH_AT_RISK); /* a level margin would be 0 */
	CHECK(judge(-0.001, 0, 1, false) == PLANMATH_OFF_TRACK); /* 1 % of 0 is 0 */
	/* nothing compared: no verdict (a NaN gap used to read as on_track) */
	CHECK(judge(NAN, 100, 1, false) == PLANMATH_NONE);
	CHECK(judge(100, NAN, 1, false) == PLANMATH_NONE);
	/* the states are the rules' (rules.h) and the wire's numbering */
	CHECK(PLANMATH_NONE == 0 && PLANMATH_ON_TRACK == 1 && PLANMATH_AT_RISK == 2 &&
	      PLANMATH_OFF_TRACK == 3);
}

static int next(int from, int raw, double gap, unsigned streak, unsigned need)
{
	struct planmath_step s = { .from = from, .raw = raw, .gap = gap, .margin = 1,
				   .hyst = 0.5, .streak = streak, .need = need };
	return planmath_next(&s);
}

/* The announced state: a met requirement is on track from anywhere; off track is left
 * only once back inside the margin by the hysteresis (gap >= -1 + 0.5); a shortfall goes
 * off track when the streak reaches need, and is at risk before. */
static void test_next(void)
{
	for (int from = PLANMATH_NONE; from <= PLANMATH_OFF_TRACK; from++) {
		CHECK(next(from, PLANMATH_ON_TRACK, 0, 0, 1) == PLANMATH_ON_TRACK);
		CHECK(next(from, PLANMATH_ON_TRACK, 0.001, 0, 2) == PLANMATH_ON_TRACK);
	}
	CHECK(next(PLANMATH_OFF_TRACK, PLANMATH_AT_RISK, -0.5, 0, 2) == PLANMATH_AT_RISK);
	CHECK(next(PLANMATH_OFF_TRACK, PLANMATH_AT_RISK, -0.501, 0, 2) == PLANMATH_OFF_TRACK);
	CHECK(next(PLANMATH_OFF_TRACK, PLANMATH_AT_RISK, -0.001, 0, 1) == PLANMATH_AT_RISK);
	CHECK(next(PLANMATH_OFF_TRACK, PLANMATH_OFF_TRACK, -3, 5, 1) == PLANMATH_OFF_TRACK);
	for (int from = PLANMATH_NONE; from <= PLANMATH_AT_RISK; from++) {
		/* a full-year figure (need 1) is off track at once; a quarter waits for two */
		CHECK(next(from, PLANMATH_OFF_TRACK, -3, 1, 1) == PLANMATH_OFF_TRACK);
		CHECK(next(from, PLANMATH_OFF_TRACK, -3, 1, 2) == PLANMATH_AT_RISK);
		CHECK(next(from, PLANMATH_OFF_TRACK, -3, 2, 2) == PLANMATH_OFF_TRACK);
		CHECK(next(from, PLANMATH_OFF_TRACK, -3, 3, 2) == PLANMATH_OFF_TRACK);
		/* short inside the margin: at risk, whatever the streak */
		CHECK(next(from, PLANMATH_AT_RISK, -0.2, 0, 1) == PLANMATH_AT_RISK);
		CHECK(next(from, PLANMATH_AT_RISK, -0.2, 9, 1) == PLANMATH_AT_RISK);
	}
}

/* A five-year sum with a stated growth follows the growth-weighted path: with g = 10 %,
 * amounts a, 1.1a, 1.21a, ... summing to the target; without a rate, pro rata. */
static void test_cum_path(void)
{
	struct planmath_target t = { 2020, 2025, NAN, 8000, NAN };
	double r = -1, w = 1 + 1.1 + 1.21 + 1.331 + 1.4641;

	CHECK(!planmath_cum_path(&t, 2020, &r));
	CHECK(planmath_cum_path(&t, 2021, &r) && NEAR(r, 1600));
	CHECK(planmath_cum_path(&t, 2023, &r) && NEAR(r, 4800));
	CHECK(planmath_cum_path(&t, 2025, &r) && NEAR(r, 8000));
	CHECK(planmath_cum_path(&t, 2027, &r) && NEAR(r, 8000));
	t.growth = 0;
	CHECK(planmath_cum_path(&t, 2022, &r) && NEAR(r, 3200));
	t.growth = 10;
	CHECK(planmath_cum_path(&t, 2021, &r) && NEAR(r, 8000 / w));
	CHECK(planmath_cum_path(&t, 2022, &r) && NEAR(r, 8000 * 2.1 / w));
	CHECK(planmath_cum_path(&t, 2024, &r) && NEAR(r, 8000 * (w - 1.4641) / w));
	CHECK(planmath_cum_path(&t, 2025, &r) && NEAR(r, 8000));
	CHECK(planmath_cum_path(&t, 2030, &r) && NEAR(r, 8000));
	t.growth = -100; /* nothing after the first year: all of it in year one */
	CHECK(planmath_cum_path(&t, 2021, &r) && NEAR(r, 8000));
	t.target_year = 2020;
	CHECK(!planmath_cum_path(&t, 2021, &r));
	t.target_year = 2025;
	t.target = NAN;
	CHECK(!planmath_cum_path(&t, 2022, &r));
}

static void test_avg_growth(void)
{
	CHECK(NEAR(planmath_avg_growth(100, 121, 2), 10));
	CHECK(NEAR(planmath_avg_growth(100, 81, 2), -10));
	CHECK(NEAR(planmath_avg_growth(62.43, 68.19, 5),
		   (pow(68.19 / 62.43, 0.2) - 1) * 100)); /* 001 旅游业总收入: about 1.78 % */
	CHECK(isnan(planmath_avg_growth(0, 121, 2)));
	CHECK(isnan(planmath_avg_growth(100, 0, 2)));
	CHECK(isnan(planmath_avg_growth(100, 121, 0)));
	CHECK(isnan(planmath_avg_growth(NAN, 121, 2)));
	/* positive numbers below 1 are numbers: base, value and years */
	CHECK(NEAR(planmath_avg_growth(0.5, 0.605, 2), 10));
	CHECK(NEAR(planmath_avg_growth(100, 110, 0.5), 21));
}

int main(void)
{
	test_growth();
	test_level();
	test_pro_rata();
	test_judge();
	test_next();
	test_cum_path();
	test_avg_growth();
	printf("test_planmath: ok\n");
	return 0;
}
