/* tests/test_plausible.c — suspect_scale, ytd_decrease and the yoy warning, each on both
 * sides of its threshold and with confirm. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/plausible.h"
#include "check.h"

static struct period P(const char *s)
{
	struct period p;
	CHECK_OK(period_parse(&p, s, strlen(s)));
	return p;
}

static struct plaus_ref R(const char *per, double v)
{
	return (struct plaus_ref){ .has = true, .period = P(per), .value = v };
}

/* A level series at 2026-10 with the previous month and a year earlier both at `ref`. */
static struct plaus_in level(double value, double ref)
{
	return (struct plaus_in){ .period = P("2026-10"), .value = value, .yoy = NAN,
				  .prev = R("2026-09", ref), .year_ago = R("2025-10", ref) };
}

static int run(const struct plaus_in *in, struct plaus_out *out)
{
	char text[256];
	int rc = plaus_check(in, out);
	plaus_explain(in, out, text, sizeof(text));
	CHECK(strlen(text) < sizeof(text));
	if (out->flagged || out->yoy_warn)
		CHECK(text[0]); /* every finding is explained */
	return rc;
}

static void test_scale(void)
{
	struct plaus_out o;
	struct plaus_in in;

	/* each slip factor, both directions */
	const double f[] = { 10, 100, 1000, 1e4 };
	const int pw[] = { 1, 2, 3, 4 };
	for (int i = 0; i < 4; i++) {
		in = level(812.5 * f[i], 812.5);
		CHECK_RC(run(&in, &o), PW_ESCALE);
		CHECK(o.scale_pow == pw[i] && o.scale_ref == 812.5);
		in = level(812.5 / f[i], 812.5);
		CHECK_RC(run(&in, &o), PW_ESCALE);
		CHECK(o.scale_pow == -pw[i]);
	}
	/* the threshold: 5x is suspect, just under is not; 1/5 likewise */
	in = level(500, 100);
	CHECK_RC(run(&in, &o), PW_ESCALE);
	in = level(499.99, 100);
	CHECK_RC(run(&in, &o), 0);
	CHECK(!o.flagged);
	in = level(20, 100);
	CHECK_RC(run(&in, &o), PW_ESCALE);
	in = level(20.01, 100);
	CHECK_RC(run(&in, &o), 0);
	/* BOTH comparators must be off: a real jump from last month but like last year passes */
	in = level(81.25, 812.5);
	in.year_ago.value = 80;
	CHECK_RC(run(&in, &o), 0);
	in = level(81.25, 812.5);
	in.prev.value = 79;
	CHECK_RC(run(&in, &o), 0);
	/* one comparator alone decides when it is the only one */
	in = level(81.25, 812.5);
	in.year_ago.has = false;
	CHECK_RC(run(&in, &o), PW_ESCALE);
	in.prev.has = false;
	CHECK_RC(run(&in, &o), 0); /* nothing to compare with */
	/* the revision 812.5 -> 81.25 of one period */
	in = level(81.25, 800);
	in.old = R("2026-10", 812.5);
	CHECK_RC(run(&in, &o), PW_ESCALE);
	CHECK(o.scale_pow == -1);
	/* correcting a confirmed outlier back to the series' scale is not suspect */
	in = level(812.5, 800);
	in.old = R("2026-10", 81.25);
	CHECK_RC(run(&in, &o), 0);
	/* zero, negative, rates: no ratio, no check */
	in = level(0, 812.5);
	CHECK_RC(run(&in, &o), 0);
	in = level(-81.25, 812.5);
	CHECK_RC(run(&in, &o), 0);
	in = level(81.25, -812.5);
	CHECK_RC(run(&in, &o), 0);
	in = level(6.5, 0.3);
	in.rate = true;
	CHECK_RC(run(&in, &o), 0);
	in.rate = false;
	CHECK_RC(run(&in, &o), PW_ESCALE);
	/* comparators of the wrong period are ignored */
	in = level(8125, 812.5);
	in.prev.period = P("2026-08");
	in.year_ago.period = P("2024-10");
	CHECK_RC(run(&in, &o), 0);
	/* confirm lets it in and still says what was confirmed */
	in = level(8125, 812.5);
	in.confirm = true;
	CHECK_RC(run(&in, &o), 0);
	CHECK(o.flagged == PW_ESCALE);
	/* ytd: January against December is no comparison (1/12 is not a slip) */
	in = (struct plaus_in){ .period = P("2026-01"), .value = 60, .yoy = NAN, .ytd = true,
				.prev = R("2025-12", 700), .year_ago = R("2025-01", 58) };
	CHECK_RC(run(&in, &o), 0);
	in.year_ago.has = false;
	CHECK_RC(run(&in, &o), 0);
	in.ytd = false; /* a level series would be compared */
	CHECK_RC(run(&in, &o), PW_ESCALE);
}

static struct plaus_in ytd(const char *per, double v)
{
	return (struct plaus_in){ .period = P(per), .value = v, .yoy = NAN, .ytd = true };
}

static void test_ytd(void)
{
	struct plaus_out o;
	struct plaus_in in;

	/* the running total 160 -> 150.3 -> 40 */
	in = ytd("2026-04", 150.3);
	in.ytd_before = R("2026-03", 160);
	CHECK_RC(run(&in, &o), PW_EYTD);
	CHECK(o.ytd_ref.value == 160);
	in = ytd("2026-05", 40);
	in.ytd_before = R("2026-04", 150.3);
	CHECK_RC(run(&in, &o), PW_EYTD);
	/* the threshold: equal is fine (a month without activity), a hair lower is not */
	in = ytd("2026-04", 160);
	in.ytd_before = R("2026-03", 160);
	CHECK_RC(run(&in, &o), 0);
	in.value = 159.99;
	CHECK_RC(run(&in, &o), PW_EYTD);
	/* not across a year change */
	in = ytd("2026-01", 12);
	in.ytd_before = R("2025-12", 160);
	CHECK_RC(run(&in, &o), 0);
	/* 1-2月 combined release filed as February, no January: March compares with it */
	in = ytd("2026-03", 20);
	in.ytd_before = R("2026-02", 25);
	CHECK_RC(run(&in, &o), PW_EYTD);
	/* a late January above the February (1-2月) total already held */
	in = ytd("2026-01", 30);
	in.ytd_after = R("2026-02", 25);
	CHECK_RC(run(&in, &o), PW_EYTD);
	CHECK(o.ytd_ref.value == 25);
	in.value = 25;
	CHECK_RC(run(&in, &o), 0);
	/* a ytd_after of the next year is ignored */
	in = ytd("2026-12", 300);
	in.ytd_after = R("2027-01", 25);
	CHECK_RC(run(&in, &o), 0);
	/* quarterly ytd */
	in = ytd("2026Q3", 500);
	in.ytd_before = R("2026Q2", 510);
	CHECK_RC(run(&in, &o), PW_EYTD);
	/* not a ytd form: a level series may fall */
	in.ytd = false;
	CHECK_RC(run(&in, &o), 0);
	/* confirm */
	in = ytd("2026-04", 150.3);
	in.ytd_before = R("2026-03", 160);
	in.confirm = true;
	CHECK_RC(run(&in, &o), 0);
	CHECK(o.flagged == PW_EYTD);
}

static void test_yoy(void)
{
	struct plaus_out o;
	struct plaus_in in;

	/* 108 against 100 is +8%: reported 8.0 agrees */
	in = ytd("2026-06", 108);
	in.year_ago = R("2025-06", 100);
	in.yoy = 8.0;
	CHECK_RC(run(&in, &o), 0);
	CHECK(!o.yoy_warn && fabs(o.yoy_computed - 8.0) < 1e-9);
	/* nominal tolerance 3 pp: 5.0 reported is 3.0 away (not beyond), 4.9 is */
	in.yoy = 5.0;
	CHECK_RC(run(&in, &o), 0);
	CHECK(!o.yoy_warn && o.yoy_tol == PLAUS_YOY_TOL_NOMINAL);
	in.yoy = 4.9;
	CHECK_RC(run(&in, &o), 0); /* a warning, never a rejection */
	CHECK(o.yoy_warn);
	/* comparable prices: 8 pp, for the deflator */
	in.comparable = true;
	in.yoy = 0.0;
	CHECK_RC(run(&in, &o), 0);
	CHECK(!o.yoy_warn && o.yoy_tol == PLAUS_YOY_TOL_COMPARABLE);
	in.yoy = -0.1;
	run(&in, &o);
	CHECK(o.yoy_warn);
	/* relative part for large growth: 40% reported, 10 pp tolerance */
	CHECK(plaus_yoy_tolerance(40, false) == 10.0 && plaus_yoy_tolerance(-40, true) == 10.0);
	CHECK(plaus_yoy_tolerance(2, false) == PLAUS_YOY_TOL_NOMINAL);
	in = ytd("2026-06", 150);
	in.year_ago = R("2025-06", 100);
	in.yoy = 40.0;
	run(&in, &o);
	CHECK(!o.yoy_warn);
	in.yoy = 39.9;
	run(&in, &o);
	CHECK(o.yoy_warn);
	/* the yoy sent as a fraction (0.08 for 8%) */
	in = ytd("2026-06", 108);
	in.year_ago = R("2025-06", 100);
	in.yoy = 0.08;
	run(&in, &o);
	CHECK(o.yoy_warn);
	/* nothing to compute without the same period a year earlier */
	in.year_ago.period = P("2025-05");
	run(&in, &o);
	CHECK(!o.yoy_warn && isnan(o.yoy_computed));
	in.year_ago.has = false;
	run(&in, &o);
	CHECK(!o.yoy_warn);
	/* a warning together with a scale slip: both reported */
	in = level(1080, 100);
	in.yoy = 8.0;
	CHECK_RC(run(&in, &o), PW_ESCALE);
	CHECK(o.yoy_warn);
}

static void test_explain(void)
{
	struct plaus_out o;
	struct plaus_in in = level(81.25, 800);
	char t[256];
	in.old = R("2026-10", 812.5);
	plaus_check(&in, &o);
	plaus_explain(&in, &o, t, sizeof(t));
	CHECK(strstr(t, "81.25") && strstr(t, "/10^1") && strstr(t, "812.5") && strstr(t, "2025-10"));
	CHECK(strstr(t, "confirm"));
	in = ytd("2026-04", 150.3);
	in.ytd_before = R("2026-03", 160);
	plaus_check(&in, &o);
	plaus_explain(&in, &o, t, sizeof(t));
	CHECK(strcmp(t, "year-to-date 150.3 is lower than 160 of 2026-03 in the same year; "
			"send confirm: true if it is real") == 0);
	plaus_explain(&in, &o, t, 8); /* cut, terminated */
	CHECK(strlen(t) == 7);
}

/* A series as a list of "period=value" figures, read a year at a time like the store. */
struct series {
	const char *const *figs;
	int calls, fail_year;
};

static int year_of(void *arg, int year, int freq, struct plaus_year *out)
{
	struct series *s = arg;
	s->calls++;
	if (year == s->fail_year)
		return PW_ESTORE;
	memset(out, 0, sizeof(*out));
	for (const char *const *f = s->figs; *f; f++) {
		const char *eq = strchr(*f, '=');
		struct period p;
		CHECK_OK(period_parse(&p, *f, (size_t)(eq - *f)));
		if (p.year == year && p.freq == freq) {
			out->held[p.n] = true;
			out->value[p.n] = strtod(eq + 1, NULL);
		}
	}
	return 0;
}

static void test_gather(void)
{
	const char *figs[] = { "2025-03=150", "2025-12=700", "2026-02=25", "2026-03=160",
			       "2026-04=150.3", "2026-07=400", "2024=90", "2025=100", NULL };
	struct series s = { .figs = figs };
	struct plaus_in in = { .period = P("2026-05"), .value = 40, .yoy = NAN, .ytd = true };
	struct plaus_out o;

	CHECK_OK(plaus_gather(&in, year_of, &s));
	CHECK(s.calls == 2); /* the year and the year before, nothing else */
	CHECK(!in.old.has && !in.year_ago.has);
	CHECK(in.prev.has && in.prev.value == 150.3 && in.prev.period.n == 4);
	CHECK(in.ytd_before.has && in.ytd_before.value == 150.3);
	CHECK(in.ytd_after.has && in.ytd_after.value == 400 && in.ytd_after.period.n == 7);
	CHECK_RC(plaus_check(&in, &o), PW_EYTD); /* the 160 -> 150.3 -> 40 */
	/* a revision of March: old, previous (February, the 1-2月 release), a year earlier */
	in = (struct plaus_in){ .period = P("2026-03"), .value = 16, .yoy = NAN, .ytd = true };
	CHECK_OK(plaus_gather(&in, year_of, &s));
	CHECK(in.old.has && in.old.value == 160 && in.prev.value == 25);
	CHECK(in.year_ago.has && in.year_ago.value == 150);
	CHECK(in.ytd_before.value == 25 && in.ytd_after.value == 150.3);
	/* 16 is /10 from 160 and 150 but within x5 of February's 25: not a scale slip, yet
	 * below the February total */
	CHECK_RC(plaus_check(&in, &o), PW_EYTD);
	in.value = 1600; /* x10 from the vintage, x64 from February, x10.7 from a year ago */
	CHECK_RC(plaus_check(&in, &o), PW_ESCALE);
	CHECK(o.scale_pow == 1);
	/* January: the previous period is December of the year before, no ytd before */
	in = (struct plaus_in){ .period = P("2026-01"), .value = 60, .yoy = NAN, .ytd = true };
	CHECK_OK(plaus_gather(&in, year_of, &s));
	CHECK(in.prev.has && in.prev.value == 700 && in.prev.period.year == 2025);
	CHECK(!in.ytd_before.has && in.ytd_after.value == 25);
	CHECK_RC(plaus_check(&in, &o), PW_EYTD); /* January 60 above the 1-2月 total 25 */
	/* a year: previous period and a year earlier are one figure */
	in = (struct plaus_in){ .period = P("2026"), .value = 1000, .yoy = NAN };
	CHECK_OK(plaus_gather(&in, year_of, &s));
	CHECK(in.prev.value == 100 && in.year_ago.value == 100 && !in.ytd_before.has);
	CHECK_RC(plaus_check(&in, &o), PW_ESCALE);
	/* a store error is passed on */
	s.fail_year = 2025;
	CHECK_RC(plaus_gather(&in, year_of, &s), PW_ESTORE);
}

int main(void)
{
	test_scale();
	test_ytd();
	test_yoy();
	test_explain();
	test_gather();
	puts("test_plausible: ok");
	return 0;
}
