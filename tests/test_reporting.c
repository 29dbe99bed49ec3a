/* tests/test_reporting.c — daemon/reporting.c on a real store and the real quangang region
 * with the fixture 15th plan (made-up numbers, window 2026-2030), at controlled times: a
 * figure is owed from its due date on and not a millisecond before; the combined 1–2月
 * series owes no January; nothing before the plan's window; a stored figure is not owed;
 * departments are counted apart, with the due date of the oldest missing figure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/reporting.h"
#include "../model/ytd.h"
#include "../proto/status.h"
#include "check.h"

static struct store *st;
static struct catalog *cat;

struct run {
	int64_t now;
	struct metrics_dept d[METRICS_DEPTS_MAX];
	size_t n;
};

static int count_txn(struct store_txn *t, void *arg)
{
	struct run *r = arg;
	return reporting_count(t, cat, r->now, r->d, METRICS_DEPTS_MAX, &r->n);
}

/* The entry of dept at now, NULL when it has none. */
static const struct metrics_dept *dept_at(struct run *r, int64_t now, const char *dept)
{
	r->now = now;
	CHECK_OK(store_read(st, count_txn, r));
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->d[i].name, dept) == 0)
			return &r->d[i];
	return NULL;
}

/* The entry of dept at now, NULL when it owes nothing now. */
static const struct metrics_dept *owes(struct run *r, int64_t now, const char *dept)
{
	const struct metrics_dept *d = dept_at(r, now, dept);
	return d && d->missing ? d : NULL;
}

static int put_txn(struct store_txn *t, void *arg)
{
	return store_obs_put(t, arg);
}

/* A vintage of ind's period received at recv_ms (rev 1: its first). */
static void put_at(const char *ind, const char *period, int64_t recv_ms, uint32_t rev)
{
	struct store_obs o = { .value = 100 + rev, .status = PW_ST_FLASH, .rev = rev,
			       .recv_ms = recv_ms };
	/* series are keyed by their region (schema 6), whichever plan judges them */
	snprintf(o.plan, sizeof(o.plan), "%s", catalog_plan_owner(cat, "quangang-15"));
	snprintf(o.ind, sizeof(o.ind), "%s", ind);
	CHECK_OK(period_parse(&o.period, period, strlen(period)));
	CHECK_OK(store_write(st, put_txn, &o));
}

static void put(const char *ind, const char *period)
{
	put_at(ind, period, 1, 1);
}

/* The on-time rate over the window of REPORTING_WINDOW_DAYS: 一般公共预算总收入 (财政局,
 * due 15 days after the month, 1–2月 combined) at 2026-11-15 00:00 UTC, when October
 * falls due: February to October due in the window (9), nothing of 2025 (outside the
 * plan's window), no January. The store already holds September and October (early). */
static void test_window(struct run *r)
{
	struct period feb = { 2026, PERIOD_MONTH, 2 }, mar = { 2026, PERIOD_MONTH, 3 },
		      apr = { 2026, PERIOD_MONTH, 4 }, oct = { 2026, PERIOD_MONTH, 10 },
		      feb27 = { 2027, PERIOD_MONTH, 2 };
	int64_t now = ytd_due_ms(&oct, 15), day = 86400000;
	const struct metrics_dept *d = dept_at(r, now, "财政局");
	CHECK(d && d->expected == 9 && d->on_time == 2 && d->late == 0 && d->missing == 0);
	/* February came at its due date (on time), March a millisecond after it (late); April
	 * on time, then revised ten days late: a figure counts from its first vintage. */
	put_at("fiscal_total_revenue", "2026-02", ytd_due_ms(&feb, 15), 1);
	put_at("fiscal_total_revenue", "2026-03", ytd_due_ms(&mar, 15) + 1, 1);
	put_at("fiscal_total_revenue", "2026-04", ytd_due_ms(&apr, 15) - 5, 1);
	put_at("fiscal_total_revenue", "2026-04", ytd_due_ms(&apr, 15) + 10 * day, 2);
	d = dept_at(r, now, "财政局");
	CHECK(d && d->expected == 9 && d->on_time == 4 && d->late == 1);
	/* Before October's due date, October is not due yet: 8 in the window. */
	d = dept_at(r, now - 1, "财政局");
	CHECK(d && d->expected == 8 && d->on_time == 3);
	/* At 2027-03-16 00:00, when February 2027 falls due: the window (2026-03-16,
	 * 2027-03-16] holds 2026-03 to 2026-12 (February 2026, due at its start, has left
	 * it), January 2027 is not owed and February 2027 only just due (not yet missing). */
	d = dept_at(r, ytd_due_ms(&feb27, 15), "财政局");
	CHECK(d && d->expected == 10 && d->on_time == 3 && d->late == 1);
	d = dept_at(r, ytd_due_ms(&feb27, 15) + 1, "财政局");
	CHECK(d && d->expected == 11 && d->missing == 1);
	/* A January that came is owed and received, as the dispatch table counts it
	 * (catalog_owes): one more due, on time. */
	struct period jan27 = { 2027, PERIOD_MONTH, 1 };
	put_at("fiscal_total_revenue", "2027-01", ytd_due_ms(&jan27, 15) - 1, 1);
	d = dept_at(r, ytd_due_ms(&feb27, 15) + 1, "财政局");
	CHECK(d && d->expected == 12 && d->on_time == 4 && d->missing == 1);
}

/* A series two active plans judge (the 15th plan and a special plan on the same revenue
 * series, windows overlapping) owes each figure once: the gauges count per series and
 * department, the same as with the 15th plan alone. */
static void test_shared_series(struct run *r, const char *dir)
{
	char path[256], err[CAT_ERR_MAX];
	snprintf(path, sizeof(path), "%s.fiscal.yaml", dir);
	FILE *f = fopen(path, "w");
	CHECK(f);
	fputs("plan:\n  id: quangang-fiscal\n  region: quangang\n  title: 财政专项规划（测试）\n"
	      "  title_en: Fiscal special plan (test)\n  start_year: 2026\n  end_year: 2030\n"
	      "  base_year: 2025\n  status: active\ntargets:\n"
	      "  - series: fiscal_total_revenue\n    attribute: expected\n    kind: growth\n"
	      "    growth: 5\n    note: test\n",
	      f);
	CHECK(fclose(f) == 0);
	const char *files[] = { "catalog/regions/quangang.yaml",
				"tests/fixtures/plan-15-TEST-FIXTURE/quangang-15.TEST-FIXTURE.yaml",
				path };
	struct catalog *one = cat, *both;
	if (catalog_load(&both, files, 3, err) < 0) {
		fprintf(stderr, "%s\n", err);
		CHECK(0);
	}
	struct period oct = { 2026, PERIOD_MONTH, 10 }, nov = { 2026, PERIOD_MONTH, 11 };
	int64_t at[] = { ytd_due_ms(&oct, 15), ytd_due_ms(&nov, 15) };
	for (size_t i = 0; i < 2; i++) {
		struct metrics_dept a;
		const struct metrics_dept *d = dept_at(r, at[i], "财政局");
		CHECK(d && d->expected > 0);
		a = *d;
		cat = both;
		d = dept_at(r, at[i], "财政局");
		cat = one;
		CHECK(d && d->expected == a.expected && d->on_time == a.on_time &&
		      d->late == a.late && d->missing == a.missing &&
		      d->oldest_due_ms == a.oldest_due_ms);
	}
	catalog_free(both);
	CHECK(remove(path) == 0);
}

/* A closed plan's figures are still owed (catalog_owes): December 2025 of the 14th plan,
 * due 15 January 2026, when the 14th plan has closed and the 15th is active, counts the
 * same whether the 14th is active or closed, and the metric owes it as the dispatch table
 * does (tests/test_dispatch.sh). Checked first on the 15th plan alone, which owes nothing
 * of 2025. */
static void test_closed_plan(struct run *r, const char *dir)
{
	char path[256], err[CAT_ERR_MAX], line[512];
	snprintf(path, sizeof(path), "%s.closed14.yaml", dir);
	FILE *in = fopen("catalog/plans/quangang-14.yaml", "r"), *out = fopen(path, "w");
	CHECK(in && out);
	int edits = 0;
	while (fgets(line, sizeof(line), in)) {
		if (strncmp(line, "  status: active", 16) == 0) {
			fputs("  status: closed\n", out);
			edits++;
		} else {
			fputs(line, out);
		}
	}
	CHECK(edits == 1);
	CHECK(fclose(in) == 0 && fclose(out) == 0);
	const char *files[][3] = {
		{ "catalog/regions/quangang.yaml",
		  "tests/fixtures/plan-15-TEST-FIXTURE/quangang-15.TEST-FIXTURE.yaml",
		  "catalog/plans/quangang-14.yaml" },
		{ "catalog/regions/quangang.yaml",
		  "tests/fixtures/plan-15-TEST-FIXTURE/quangang-15.TEST-FIXTURE.yaml", path },
	};
	struct period dec = { 2025, PERIOD_MONTH, 12 };
	int64_t at = ytd_due_ms(&dec, 15) + 1;
	struct catalog *one = cat, *c[2];
	struct metrics_dept got[2];
	CHECK(!owes(r, at, "财政局")); /* the 15th plan alone: 2025 is before its window */
	for (size_t i = 0; i < 2; i++) {
		if (catalog_load(&c[i], files[i], 3, err) < 0) {
			fprintf(stderr, "%s\n", err);
			CHECK(0);
		}
		CHECK(catalog_plan(c[i], "quangang-14")->status == (i ? CAT_CLOSED : CAT_ACTIVE));
		cat = c[i];
		const struct metrics_dept *d = owes(r, at, "财政局");
		CHECK(d && d->oldest_due_ms == ytd_due_ms(&dec, 15) && d->expected > 0);
		got[i] = *d;
		cat = one;
		catalog_free(c[i]);
	}
	CHECK(got[0].expected == got[1].expected && got[0].missing == got[1].missing &&
	      got[0].on_time == got[1].on_time && got[0].late == got[1].late);
	CHECK(remove(path) == 0);
}

int main(void)
{
	char dir[] = "/tmp/pwreporting.XXXXXX", err[CAT_ERR_MAX];
	const char *files[] = { "catalog/regions/quangang.yaml",
				"tests/fixtures/plan-15-TEST-FIXTURE/quangang-15.TEST-FIXTURE.yaml" };
	struct run r;
	const struct metrics_dept *d;
	CHECK(mkdtemp(dir));
	if (catalog_load(&cat, files, 2, err) < 0) {
		fprintf(stderr, "%s\n", err);
		CHECK(0);
	}
	CHECK_OK(store_open(&st, dir, 0, 0));

	/* 一般公共预算总收入 (财政局): monthly, due 15 days after the month, first_due a February. */
	struct period oct = { 2026, PERIOD_MONTH, 10 }, sep = { 2026, PERIOD_MONTH, 9 };
	int64_t due_oct = ytd_due_ms(&oct, 15), due_sep = ytd_due_ms(&sep, 15);
	d = owes(&r, due_oct, "财政局");
	CHECK(d && d->missing == 1 && d->oldest_due_ms == due_oct);
	d = owes(&r, due_oct - 1, "财政局"); /* October not yet due: September is owed */
	CHECK(d && d->missing == 1 && d->oldest_due_ms == due_sep);
	put("fiscal_total_revenue", "2026-09");
	CHECK(!owes(&r, due_oct - 1, "财政局"));
	CHECK(owes(&r, due_oct, "财政局"));
	put("fiscal_total_revenue", "2026-10");
	CHECK(!owes(&r, due_oct, "财政局"));

	/* The combined 1–2月 release: January is never owed; February from 16 March on. */
	CHECK(!owes(&r, period_day_ms(2026, 2, 20), "财政局"));
	CHECK(!owes(&r, period_day_ms(2026, 3, 16) - 1, "财政局"));
	d = owes(&r, period_day_ms(2026, 3, 16), "财政局");
	CHECK(d && d->oldest_due_ms == period_day_ms(2026, 3, 16));
	/* Before the plan's window (2025's December, due 15 January 2026) nothing is owed. */
	CHECK(!owes(&r, period_day_ms(2026, 1, 20), "财政局"));

	/* 统计局 owes its quarterly GDP and others apart from 财政局. */
	d = owes(&r, due_oct, "统计局");
	CHECK(d && d->missing >= 1);
	uint64_t before = d->missing;
	put("gdp", "2026Q3");
	d = owes(&r, due_oct, "统计局");
	CHECK(!d || d->missing == before - 1);

	test_window(&r);
	test_shared_series(&r, dir);
	test_closed_plan(&r, dir);

	store_free(st);
	catalog_free(cat);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	printf("test_reporting: ok\n");
	return 0;
}
