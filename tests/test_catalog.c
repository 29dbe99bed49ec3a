/* tests/test_catalog.c — catalog loading, lookups and file:line errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../model/catalog.h"
#include "../proto/period.h"
#include "check.h"

static char tmpdir[64];

static const char *write_file(const char *name, const char *text)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	CHECK(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* A region with two series and a plan with a target on the first (catalog/SCHEMA.md): each
 * error test appends to one of them. Lines 26 (region) and 17 (plan) are the first appended. */
static const char *REGION1 =
	"region:\n  id: \"000000-t\"\n  alias: t\n  name: 测试区\nseries:\n"
	"  - id: gdp\n    name: 地区生产总值\n    name_en: GDP\n    category: 经济发展\n"
	"    unit: 亿元\n    frequency: quarterly\n    form: ytd\n    departments: [统计局]\n"
	"    bounds: {min: 0, max: 5000}\n    due_days: 20\n    first_due: 2021Q1\n"
	"    source: {file: 000_612fed59f6b5e226.txt, line: 238}\n"
	"  - id: forest\n    name: 森林覆盖率\n    name_en: Forest\n    category: 生态\n"
	"    unit: \"%\"\n    frequency: annual\n    form: level\n    departments: [林业局, 统计局]\n";
static const char *PLAN1 =
	"plan:\n  id: t-14\n  region: t\n  title: 测试\n  start_year: 2021\n  end_year: 2025\n"
	"  base_year: 2020\n  status: active\ntargets:\n"
	"  - series: gdp\n    attribute: expected\n    kind: growth\n"
	"    baseline: {year: 2020, value: 734.44}\n    target: {year: 2025, value: 1000}\n"
	"    growth: 6\n    source: {file: 000_612fed59f6b5e226.txt, line: 238}\n";

/* Loads REGION1 + region_extra and PLAN1 + plan_extra; expects rc and, on failure, an error
 * naming file:line (file "r.yaml" or "p.yaml"). */
static void expect(const char *region_extra, const char *plan_extra, int want, const char *file,
		   int line)
{
	char text[4096], err[CAT_ERR_MAX], needle[32];
	static char rpath[128];
	struct catalog *c = NULL;
	snprintf(text, sizeof(text), "%s%s", REGION1, region_extra);
	snprintf(rpath, sizeof(rpath), "%s", write_file("r.yaml", text));
	snprintf(text, sizeof(text), "%s%s", PLAN1, plan_extra);
	const char *files[2] = { rpath, write_file("p.yaml", text) };
	int rc = catalog_load(&c, files, 2, err);
	if (rc != want)
		fprintf(stderr, "extra '%s' '%s': %s\n", region_extra, plan_extra, err);
	CHECK_RC(rc, want);
	if (rc < 0) {
		snprintf(needle, sizeof(needle), "%s:%d: ", file, line);
		if (!strstr(err, needle))
			fprintf(stderr, "error '%s' lacks '%s'\n", err, needle);
		CHECK(strstr(err, needle) != NULL);
	}
	catalog_free(c);
}

static const char *src_path(const char *rel)
{
	static char buf[8][256];
	static int k;
	const char *src = getenv("PLANWATCH_SRCDIR");
	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", src ? src : ".", rel);
	return buf[k];
}

/* The ids of the plans catalog_judges names for (region, series, period), space-separated. */
static const char *judged_by(const struct catalog *c, const char *region, const char *series,
			     const char *period)
{
	static char out[256];
	struct cat_judge j[CAT_REGION_PLANS_MAX];
	struct period p;
	const struct cat_region *r = catalog_region(c, region);
	CHECK(r);
	const struct cat_series *s = catalog_series(r, series);
	CHECK(s && s->region == r);
	CHECK_OK(period_parse(&p, period, strlen(period)));
	size_t n = catalog_judges(c, s, &p, j, CAT_REGION_PLANS_MAX);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		CHECK(j[i].x->series == s && cat_in_window(j[i].x->plan, p.year));
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? " " : "",
			 j[i].x->plan->id);
	}
	return out;
}

/* Format 2 on the shipped catalog: two plans on one series, each in its own window. */
static void test_format2_catalog(void)
{
	const char *files[] = {
		src_path("catalog/plans/quangang-14.yaml"), /* plans before regions: any order */
		src_path("catalog/plans/quangang-13.yaml"),
		src_path("catalog/regions/quangang.yaml"),
		src_path("catalog/regions/licheng.yaml"),
		src_path("catalog/plans/licheng-13.yaml"),
		src_path("catalog/plans/licheng-14.yaml"),
		src_path("tests/fixtures/plan-15-TEST-FIXTURE/quangang-15.TEST-FIXTURE.yaml"),
	};
	char err[CAT_ERR_MAX];
	struct catalog *c;

	CHECK_OK(catalog_load(&c, files, 6, err));
	CHECK(catalog_n_regions(c) == 2 && catalog_n_plans(c) == 4);
	const struct cat_region *q = catalog_region(c, "350505");
	CHECK(q && q == catalog_region(c, "quangang") && strcmp(q->name, "泉港区") == 0);
	CHECK(catalog_region(c, "350502") == catalog_region(c, "licheng"));
	CHECK(catalog_region(c, "nowhere") == NULL && catalog_series(q, "nope") == NULL);

	/* 泉港区 GDP: one series, judged by the 13th plan in 2016-2020 and the 14th in 2021-2025. */
	CHECK(strcmp(judged_by(c, "quangang", "gdp", "2020"), "quangang-13") == 0);
	CHECK(strcmp(judged_by(c, "quangang", "gdp", "2021Q2"), "quangang-14") == 0);
	CHECK(strcmp(judged_by(c, "quangang", "gdp", "2025Q4"), "quangang-14") == 0);
	CHECK(strcmp(judged_by(c, "350505", "gdp", "2026Q3"), "") == 0); /* no plan in force */
	CHECK(strcmp(judged_by(c, "quangang", "gdp", "2015"), "") == 0);
	const struct cat_plan *p13 = catalog_plan(c, "quangang-13"), *p14 = catalog_plan(c, "quangang-14");
	CHECK(p13 && p13->status == CAT_CLOSED && p13->start_year == 2016 && p13->target_year == 2020);
	CHECK(p14 && p14->status == CAT_ACTIVE && p14->base_year == 2020 && p14->region == q);
	const struct cat_plan *pl[CAT_REGION_PLANS_MAX];
	CHECK(catalog_region_plans(c, q, pl, CAT_REGION_PLANS_MAX) == 2);
	CHECK(pl[0] == p13 && pl[1] == p14); /* start_year order, whatever the file order */

	/* 001:84's 统计口径改变, a fact the evaluation prints (no year: every year) */
	const struct cat_indicator *fai = catalog_find(c, "licheng-13",
						       "fixed_asset_investment_growth");
	CHECK(fai && fai->def_change && strstr(fai->def_change, "口径") &&
	      fai->def_change_year == 0);
	CHECK(catalog_find(c, "licheng-13", "gdp")->def_change == NULL);

	/* The series is defined once; the targets are the plans'. */
	const struct cat_indicator *g13 = catalog_find(c, "quangang-13", "gdp");
	const struct cat_indicator *g14 = catalog_find(c, "quangang-14", "gdp");
	CHECK(g13 && g14 && g13->series == g14->series && g13->freq == PERIOD_QUARTER);
	/* its targets in start_year order, although the 14th plan's file came first */
	CHECK(g13->series->n_targets == 2 && g13->series->targets[0] == g13 &&
	      g13->series->targets[1] == g14 && catalog_series_target(c, g13->series) == g14);
	CHECK(!g13->has_base && g13->target == 510 && g13->growth == 9);
	CHECK(g14->has_base && g14->base == 734.44 && g14->base_year == 2020);
	CHECK(g13->attribute == CAT_ATTR_NONE && strcmp(cat_attr_name(g13->attribute), "none") == 0);
	CHECK(g14->series->due_days == 25 && g14->series->first_due.year == 2021);
	/* Every series has its own record, the definition alone, which each target refines:
	 * 泉港 fdi_rmb (002:29, in 亿元) has no target, its record checks its figures. */
	const struct cat_series *rmb = catalog_series(q, "fdi_rmb");
	CHECK(rmb && rmb->self && rmb->self->series == rmb && !rmb->self->plan);
	CHECK(!catalog_series_target(c, rmb) && catalog_find(c, "quangang-14", "fdi_rmb") == NULL);
	CHECK(rmb->n_targets == 0);
	struct period y2021 = { .year = 2021, .freq = PERIOD_ANNUAL };
	CHECK(catalog_judges(c, rmb, &y2021, NULL, 0) == 0);
	const struct cat_indicator *own = rmb->self;
	CHECK(strcmp(own->id, "fdi_rmb") == 0 && strcmp(own->unit, "亿元") == 0 &&
	      strcmp(own->name, rmb->name) == 0 && own->freq == PERIOD_ANNUAL);
	CHECK(own->has_min && own->min == 0 && own->has_max && own->max == 300);
	CHECK(cat_dept_allowed(own, "商务局") && !cat_dept_allowed(own, "统计局"));
	CHECK(own->kind == 0 && !own->has_base && !own->has_target && own->n_annual == 0);
	CHECK(own->source_line == 29 && strcmp(own->source_file, "002_49a294c5263d6bd8.txt") == 0);
	/* a target is its series' record refined: the definition the same, the name its plan's */
	const struct cat_indicator *fdi = catalog_find(c, "quangang-13", "fdi_cumulative");
	CHECK(fdi && fdi->plan == p13 && fdi->series->self->plan == NULL);
	CHECK(strcmp(fdi->name, "实际利用外资") == 0 && strcmp(fdi->series->self->name, "利用外资") == 0);
	CHECK(fdi->unit == fdi->series->self->unit && fdi->depts == fdi->series->self->depts &&
	      fdi->max == fdi->series->self->max && fdi->due_days == fdi->series->self->due_days);
	CHECK(g14->running_total && g14->series->self->running_total);

	/* 年度目标 2022 (seed 002:81) per year. */
	struct cat_judge j;
	struct period y2022 = { .year = 2022, .freq = PERIOD_ANNUAL };
	CHECK(catalog_judges(c, g14->series, &y2022, &j, 1) == 1);
	CHECK(j.x == g14 && j.annual && j.annual->year == 2022 && j.annual->growth == 0.5);
	CHECK(cat_annual_for(g14, 2023) == NULL);
	/* A target in another unit of the series' dimension is converted exactly:
	 * 11000 万美元 (000:129) = 1.1 亿美元. */
	const struct cat_indicator *ex = catalog_find(c, "quangang-13", "export_value");
	CHECK(ex && strcmp(ex->unit, "亿美元") == 0 && ex->target > 1.0999999 && ex->target < 1.1000001);
	/* A 13th-only series has no release calendar: never overdue. */
	const struct cat_region *l = catalog_region(c, "licheng");
	size_t no_due = 0;
	for (size_t i = 0; i < l->n_series; i++)
		no_due += l->series[i].due_days == 0;
	CHECK(no_due > 0);
	catalog_free(c);

	/* With the (fixture) 15th plan a 2026 figure is judged by it, and only by it. */
	CHECK_OK(catalog_load(&c, files, 7, err));
	/* every target is found by its plan and id, and by no other plan that lacks one */
	size_t found = 0, absent = 0;
	for (size_t i = 0; i < catalog_n_plans(c); i++) {
		const struct cat_plan *p = catalog_plan_at(c, i);
		for (size_t m = 0; m < p->n_inds; m++, found++)
			CHECK(catalog_find(c, p->id, p->inds[m].id) == &p->inds[m]);
		for (size_t k = 0; k < catalog_n_plans(c); k++) {
			const struct cat_plan *o = catalog_plan_at(c, k);
			for (size_t m = 0; m < o->n_inds; m++) {
				const struct cat_indicator *x = catalog_find(c, p->id, o->inds[m].id);
				CHECK(!x || (x->plan == p && strcmp(x->id, o->inds[m].id) == 0));
				absent += !x;
			}
		}
	}
	CHECK(found == catalog_n_indicators(c) && absent > 0);
	CHECK(strcmp(judged_by(c, "quangang", "gdp", "2026Q3"), "quangang-15") == 0);
	CHECK(strcmp(judged_by(c, "quangang", "gdp", "2025"), "quangang-14") == 0);
	const struct cat_indicator *g15 = catalog_find(c, "quangang-15", "gdp");
	CHECK(g15 && cat_annual_for(g15, 2026)->growth == 5.5 && cat_annual_for(g15, 2027)->growth == 5);
	CHECK(g15->series->n_targets == 3 && g15->series->targets[2] == g15 &&
	      catalog_series_target(c, g15->series) == g15);
	catalog_free(c);
}

static const char *REGION = "region:\n  id: \"350505\"\n  alias: quangang\n  name: 泉港区\n"
			    "series:\n  - id: gdp\n    name: 地区生产总值\n    name_en: GDP\n"
			    "    category: 经济发展\n    unit: 亿元\n    frequency: annual\n"
			    "    form: level\n    departments: [统计局]\n";

/* Loads REGION (+ region_extra) and a plan file (plan_head's fields, then plan_tail);
 * expects rc and, on failure, an error naming file:line and containing what. */
static void expect2(const char *region_extra, const char *status, const char *plan_tail, int want,
		    const char *needle)
{
	char text[4096], err[CAT_ERR_MAX];
	static char rpath[128];
	struct catalog *c = NULL;
	snprintf(text, sizeof(text), "%s%s", REGION, region_extra);
	snprintf(rpath, sizeof(rpath), "%s", write_file("r.yaml", text));
	snprintf(text, sizeof(text),
		 "plan:\n  id: quangang-15\n  region: quangang\n  title: t\n  start_year: 2026\n"
		 "  end_year: 2030\n  base_year: 2025\n  status: %s\ntargets:\n"
		 "  - series: gdp\n    kind: growth\n    growth: 5\n%s", status, plan_tail);
	const char *files[2] = { rpath, write_file("p.yaml", text) };
	int rc = catalog_load(&c, files, 2, err);
	if (rc != want || (rc < 0 && !strstr(err, needle)))
		fprintf(stderr, "status %s tail '%s': rc %d err '%s' (want '%s')\n", status, plan_tail,
			rc, err, needle);
	CHECK_RC(rc, want);
	CHECK(rc == 0 || strstr(err, needle));
	if (rc == 0 && strcmp(status, "draft") == 0) {
		/* A draft is loaded (and linted) but judges nothing. */
		struct period p = { .year = 2026, .freq = PERIOD_ANNUAL };
		struct cat_judge j;
		const struct cat_region *r = catalog_region(c, "quangang");
		CHECK(catalog_judges(c, catalog_series(r, "gdp"), &p, &j, 1) == 0);
	}
	catalog_free(c);
}

static void test_format2_errors(void)
{
	expect2("", "active", "", 0, "");
	expect2("", "draft", "", 0, "");
	expect2("", "retired", "", PW_ECONFIG, "p.yaml:8: status: unknown value 'retired'");
	expect2("", "active", "  - series: nope\n    kind: info\n", PW_ECONFIG,
		"p.yaml:13: plan 'quangang-15': region 'quangang' has no series 'nope'");
	expect2("", "active", "  - series: gdp\n    kind: info\n", PW_ECONFIG, "duplicate");
	expect2("", "active", "    unit: 亿美元\n", PW_ECONFIG, "does not convert exactly");
	expect2("", "active", "    colour: red\n", PW_ECONFIG, "p.yaml:13: unknown key");
	/* definition_change: a reason, a source, a year of the window if any */
	const char *dc = "    definition_change: {reason: 口径改变, year: 2027, "
			 "source: {file: x.txt, line: 3}}\n";
	expect2("", "active", dc, 0, "");
	expect2("", "active", "    definition_change: {reason: 口径改变, year: 2031, "
		"source: {file: x.txt, line: 3}}\n", PW_ECONFIG, "year: 2031 is outside 2026..2030");
	expect2("", "active", "    definition_change: {reason: '', source: {file: x.txt, line: 3}}\n",
		PW_ECONFIG, "definition_change: empty reason");
	expect2("", "active", "    definition_change: {reason: 口径改变}\n", PW_ECONFIG,
		"missing key 'source'");
	expect2("", "active", "    definition_change: {source: {file: x.txt, line: 3}}\n",
		PW_ECONFIG, "missing key 'reason'");
	expect2("", "active", "    definition_change: {reason: x, since: 2027, "
		"source: {file: x.txt, line: 3}}\n", PW_ECONFIG, "unknown key");
	expect2("    due_days: 20\n", "active", "", PW_ECONFIG, "r.yaml:6: series 'gdp': due_days "
		"needs first_due");
	expect2("    due_days: 20\n    first_due: 2021Q1\n", "active", "", PW_ECONFIG,
		"first_due '2021Q1' is not a annual period");
	/* A series' unit: an entry of the unit table, spelt as the table spells it, refused at
	 * the unit's line otherwise (亿 alone is no unit; ug/m3 is μg/m³) */
	expect2("  - id: x6\n    name: x\n    name_en: x\n    category: x\n    unit: 亿\n"
		"    frequency: annual\n    form: level\n    departments: [a]\n", "active", "",
		PW_ECONFIG, "r.yaml:18: series 'x6': unit '亿' is not in the unit table");
	expect2("  - id: x7\n    name: x\n    name_en: x\n    category: x\n    unit: ug/m3\n"
		"    frequency: annual\n    form: level\n    departments: [a]\n", "active", "",
		PW_ECONFIG, "r.yaml:18: series 'x7': unit 'ug/m3' is written 'μg/m³' in catalogs");
	expect2("  - id: gdp\n    name: x\n    name_en: x\n    category: x\n    unit: 个\n"
		"    frequency: annual\n    form: level\n    departments: [a]\n", "active", "",
		PW_ECONFIG, "duplicate series id 'gdp' (lines 6 and 14)");

	/* Region ids: GB/T 2260, or the parent's code with an alias; and the plan's header. */
	char err[CAT_ERR_MAX];
	struct catalog *c;
	const char *bad[] = {
		"region:\n  id: \"35050\"\n  alias: q\n  name: x\nseries: []\n",
		"region:\n  id: \"350500-QETDZ\"\n  alias: q\n  name: x\nseries: []\n",
		"region:\n  id: \"350505\"\n  alias: 9q\n  name: x\nseries: []\n",
	};
	for (size_t i = 0; i < 3; i++) {
		const char *f = write_file("bad.yaml", bad[i]);
		CHECK_RC(catalog_load(&c, &f, 1, err), PW_ECONFIG);
		CHECK(strstr(err, "bad.yaml:") && strstr(err, "must be"));
	}
	const char *plan_only = write_file("orphan.yaml", "plan:\n  id: x-1\n  region: nowhere\n"
					   "  title: t\n  start_year: 2026\n  end_year: 2030\n"
					   "  base_year: 2025\n  status: active\ntargets: []\n");
	CHECK_RC(catalog_load(&c, &plan_only, 1, err), PW_ECONFIG);
	CHECK(strstr(err, "region 'nowhere' is not in the catalog files"));
}

/* A series of REGION's region for the formula tests. */
static void series(char *buf, size_t cap, const char *id, const char *unit, const char *freq,
		   const char *formula)
{
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n,
		 "  - id: %s\n    name: %s\n    name_en: x\n    category: x\n    unit: \"%s\"\n"
		 "    frequency: %s\n    form: level\n    departments: [统计局]\n%s%s%s", id, id,
		 unit, freq, formula ? "    formula: \"" : "", formula ? formula : "",
		 formula ? "\"\n" : "");
}

/* Derived series: formulas resolved against the region, units turned into one factor,
 * each mistake refused with its line. */
static void test_formulas(void)
{
	char extra[2048] = "";
	series(extra, sizeof(extra), "rd", "亿元", "annual", NULL);
	series(extra, sizeof(extra), "rd_share", "%", "annual", "share(rd, gdp)");
	series(extra, sizeof(extra), "pop", "万人", "annual", NULL);
	series(extra, sizeof(extra), "gdp_pc", "万元", "annual", "per_capita(gdp, pop)");
	series(extra, sizeof(extra), "water", "万立方米", "annual", NULL);
	series(extra, sizeof(extra), "water_per_gdp", "立方米/万元", "annual", "ratio(water, gdp)");
	series(extra, sizeof(extra), "both", "万元", "annual", " sum( rd ,gdp ) ");
	expect2(extra, "active", "", 0, "");

	char text[4096], err[CAT_ERR_MAX], rpath[128];
	struct catalog *c;
	snprintf(text, sizeof(text), "%s%s", REGION, extra);
	snprintf(rpath, sizeof(rpath), "%s", write_file("r.yaml", text));
	const char *files[1] = { rpath };
	CHECK_OK(catalog_load(&c, files, 1, err));
	const struct cat_region *r = catalog_region(c, "quangang");
	const struct cat_series *gdp = catalog_series(r, "gdp"), *sh = catalog_series(r, "rd_share");
	CHECK(sh->formula && sh->formula->fn == FORMULA_SHARE && sh->formula->n_args == 2);
	CHECK(sh->formula->args[0] == catalog_series(r, "rd") && sh->formula->args[1] == gdp);
	CHECK(sh->formula->scale[0] == 100); /* 亿元 / 亿元 as a percentage */
	CHECK(gdp->n_users == 4 && !catalog_series(r, "rd_share")->n_users);
	/* 亿元 / 万人 is 10^4 元 a head: 1 万元; 万立方米 / 亿元 is 10^-4 立方米 / 万元 × 10^4 */
	CHECK(catalog_series(r, "gdp_pc")->formula->scale[0] == 1);
	CHECK(catalog_series(r, "water_per_gdp")->formula->scale[0] == 1);
	const struct cat_formula *sum = catalog_series(r, "both")->formula;
	CHECK(sum->scale[0] == 10000 && sum->scale[1] == 10000);
	double v[2] = { 14, 950 };
	CHECK(formula_eval(sh->formula->fn, sh->formula->scale, v, 2) == 1.47368421052632);
	double parts[2] = { 1.1, 2.2 }, one[2] = { 1, 1 };
	CHECK(formula_eval(FORMULA_SUM, one, parts, 2) == 3.3); /* not 3.3000000000000003 */
	v[1] = 0;
	CHECK(isnan(formula_eval(FORMULA_SHARE, sh->formula->scale, v, 2)));
	catalog_free(c);

	/* the weakest status; final with a revision is revised */
	const uint8_t ff[] = { 2, 4 }, fr[] = { 4, 5 }, rr[] = { 5, 5 }, ep[] = { 3, 1 };
	CHECK(formula_status(ff, 2) == 2 && formula_status(fr, 2) == 5 &&
	      formula_status(rr, 2) == 5 && formula_status(ep, 2) == 1);

	static const struct {
		const char *unit, *freq, *formula, *needle;
	} bad[] = {
		{ "%", "annual", "share(rd, nope)", "r.yaml:38: series 'f': formula names 'nope', "
						     "which is not a series of region 'quangang'" },
		{ "%", "annual", "share(f, gdp)", "its formula names itself" },
		{ "%", "annual", "shar(rd, gdp)", "unknown function 'shar'" },
		{ "%", "annual", "share(rd)", "share takes 2 arguments" },
		{ "%", "annual", "share(rd, gdp) x", "text after ')'" },
		{ "%", "annual", "share(rd, pop)", "a share is of two figures of one dimension" },
		{ "亿元", "annual", "share(rd, gdp)", "in % or ‰" },
		{ "万元", "annual", "per_capita(gdp, rd)", "the second must count people" },
		{ "人", "annual", "sum(rd, gdp)", "sum: part 1 is in 亿元" },
		{ "%", "quarterly", "share(rd, gdp)", "formula part 'rd' is annual" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char e[2048] = "";
		series(e, sizeof(e), "rd", "亿元", "annual", NULL);
		series(e, sizeof(e), "pop", "万人", "annual", NULL);
		series(e, sizeof(e), "f", bad[i].unit, bad[i].freq, bad[i].formula);
		expect2(e, "active", "", PW_ECONFIG, bad[i].needle);
	}
	/* a cycle through two formulas */
	char e[2048] = "";
	series(e, sizeof(e), "a", "亿元", "annual", "sum(b, gdp)");
	series(e, sizeof(e), "b", "亿元", "annual", "sum(a, gdp)");
	expect2(e, "active", "", PW_ECONFIG, "depends on itself through other formulas");
	printf("test_catalog: formulas ok\n");
}

/* 可比价 follows the name a figure is published under: the series' own record by the
 * series' name, a target by the name its plan gives it. */
static void test_comparable_name(void)
{
	char text[4096], err[CAT_ERR_MAX];
	static char rpath[128];
	struct catalog *c;
	snprintf(rpath, sizeof(rpath), "%s", write_file("cmp-r.yaml", REGION));
	snprintf(text, sizeof(text),
		 "plan:\n  id: quangang-15\n  region: quangang\n  title: t\n  start_year: 2026\n"
		 "  end_year: 2030\n  base_year: 2025\n  status: active\ntargets:\n"
		 "  - series: gdp\n    name: 经济总量\n    kind: growth\n    growth: 5\n");
	const char *files[2] = { rpath, write_file("cmp-p.yaml", text) };
	CHECK_OK(catalog_load(&c, files, 2, err));
	const struct cat_indicator *x = catalog_find(c, "quangang-15", "gdp");
	CHECK(x && strcmp(x->name, "经济总量") == 0 && !cat_comparable_prices(x));
	CHECK(strcmp(x->series->self->name, "地区生产总值") == 0 &&
	      cat_comparable_prices(x->series->self));
	catalog_free(c);
}

/* catalog_find among many targets with one id: CAT_REGION_PLANS_MAX plans each with a target
 * on every one of 50 series. Each (plan, series) finds its own target, never another plan's
 * target on the same series. */
static void test_find_many(void)
{
	enum { SERIES = 50 };
	static char region[SERIES * 200 + 200], plan[SERIES * 60 + 400];
	const char *files[1 + CAT_REGION_PLANS_MAX];
	static char paths[1 + CAT_REGION_PLANS_MAX][128];
	char err[CAT_ERR_MAX], name[32];
	struct catalog *c;
	size_t n = (size_t)snprintf(region, sizeof(region), "region:\n  id: \"000000-m\"\n"
				    "  alias: m\n  name: m\nseries:\n");
	for (int i = 0; i < SERIES; i++)
		n += (size_t)snprintf(region + n, sizeof(region) - n,
				      "  - {id: s%02d, name: 指标%d, name_en: S%d, category: c, unit: 亿元, "
				      "frequency: annual, form: level, departments: [统计局]}\n", i, i, i);
	snprintf(paths[0], sizeof(paths[0]), "%s", write_file("many-r.yaml", region));
	files[0] = paths[0];
	for (int k = 0; k < CAT_REGION_PLANS_MAX; k++) {
		n = (size_t)snprintf(plan, sizeof(plan), "plan:\n  id: m-%d\n  region: m\n  title: t\n"
				     "  start_year: %d\n  end_year: %d\n  base_year: %d\n"
				     "  status: draft\ntargets:\n", k, 1951 + 5 * k, 1955 + 5 * k,
				     1950 + 5 * k);
		for (int i = 0; i < SERIES; i++)
			n += (size_t)snprintf(plan + n, sizeof(plan) - n,
					      "  - {series: s%02d, kind: growth, growth: 5}\n", i);
		snprintf(name, sizeof(name), "many-p%d.yaml", k);
		snprintf(paths[1 + k], sizeof(paths[1 + k]), "%s", write_file(name, plan));
		files[1 + k] = paths[1 + k];
	}
	CHECK_OK(catalog_load(&c, files, 1 + CAT_REGION_PLANS_MAX, err));
	CHECK(catalog_n_indicators(c) == SERIES * CAT_REGION_PLANS_MAX);
	for (int k = 0; k < CAT_REGION_PLANS_MAX; k++)
		for (int i = 0; i < SERIES; i++) {
			char pid[16], sid[16];
			snprintf(pid, sizeof(pid), "m-%d", k);
			snprintf(sid, sizeof(sid), "s%02d", i);
			const struct cat_indicator *x = catalog_find(c, pid, sid);
			CHECK(x && strcmp(x->plan->id, pid) == 0 && strcmp(x->id, sid) == 0);
		}
	CHECK(catalog_find(c, "m-16", "s00") == NULL && catalog_find(c, "m-0", "s50") == NULL);
	catalog_free(c);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pwcat.XXXXXX");
	CHECK(mkdtemp(tmpdir));
	test_comparable_name();
	test_find_many();

	/* A good pair loads and is indexed. */
	expect("", "", 0, "", 0);
	char err[CAT_ERR_MAX];
	struct catalog *c;
	char text[4096];
	static char rpath[128];
	snprintf(rpath, sizeof(rpath), "%s", write_file("ok-r.yaml", REGION1));
	snprintf(text, sizeof(text), "%s%s", PLAN1,
		 "  - series: forest\n    attribute: binding\n    kind: keep\n"
		 "    baseline: {year: 2020, value: 41.41}\n    source: {file: x.txt, line: 1}\n");
	const char *files[2] = { rpath, write_file("ok-p.yaml", text) };
	CHECK_OK(catalog_load(&c, files, 2, err));
	CHECK(catalog_n_plans(c) == 1 && catalog_n_indicators(c) == 2);
	const struct cat_indicator *g = catalog_find(c, "t-14", "gdp");
	CHECK(g && g->kind == CAT_GROWTH && g->freq == PERIOD_QUARTER && g->form == CAT_FORM_YTD);
	CHECK(g->has_base && g->base == 734.44 && g->target == 1000 && g->growth == 6);
	CHECK(g->due_days == 20 && g->source_line == 238 && g->direction == 1);
	CHECK(strcmp(cat_owner(g), "000000-t") == 0 && strcmp(cat_owner_alias(g), "t") == 0);
	CHECK(strcmp(catalog_plan_owner(c, "t-14"), "000000-t") == 0);
	CHECK(catalog_plan_owner(c, "t") == NULL); /* a region alias is no plan */
	const struct cat_indicator *f = catalog_find(c, "t-14", "forest");
	CHECK(f && f->attribute == CAT_BINDING && f->freq == PERIOD_ANNUAL);
	CHECK(f->due_days == 0); /* no release calendar: never overdue */
	CHECK(cat_dept_allowed(f, "统计局") && !cat_dept_allowed(f, "财政局"));
	CHECK(catalog_find(c, "t-14", "nope") == NULL && catalog_find(c, "t-15", "gdp") == NULL);
	CHECK(f->target_year == 2025); /* defaults to the plan's */
	catalog_free(c);

	/* Every error names the file and the line of the offending node. */
	expect("    colour: blue\n", "", PW_ECONFIG, "r.yaml", 26);
	expect("", "    colour: blue\n", PW_ECONFIG, "p.yaml", 17);
	expect("", "  - series: gdp\n    kind: info\n", PW_ECONFIG, "p.yaml", 17);
	expect("  - id: Bad-Id\n", "", PW_ECONFIG, "r.yaml", 26);
	expect("", "  - series: forest\n    attribute: mandatory\n    kind: info\n", PW_ECONFIG,
	       "p.yaml", 18);
	expect("", "  - series: forest\n    attribute: binding\n    kind: ceiling\n", PW_ECONFIG,
	       "p.yaml", 17);
	expect("  - id: x4\n    name: x\n    name_en: x\n    category: x\n    unit: 个\n"
	       "    frequency: annual\n    form: level\n    departments: []\n", "", PW_ECONFIG,
	       "r.yaml", 26);
	/* a department is one part of overdue.<alias>.<dept>: no '.' in it */
	expect("  - id: x4\n    name: x\n    name_en: x\n    category: x\n    unit: 个\n"
	       "    frequency: annual\n    form: level\n    departments: [统计局, a.b]\n", "",
	       PW_ECONFIG, "r.yaml", 33);
	expect("  - id: x5\n    name: x\n    name_en: x\n    category: x\n    unit: 个\n"
	       "    frequency: annual\n    form: level\n    departments: [a]\n"
	       "    bounds: {min: 5, max: 1}\n", "", PW_ECONFIG, "r.yaml", 34);
	expect("", "  - series: forest\n    kind: info\n    growth: lots\n", PW_ECONFIG, "p.yaml",
	       19);
	expect("", "  - series: x7\n  bad indent: [\n", PW_ECONFIG, "p.yaml", 18);

	/* Two files defining one plan, or one region: refused, nothing loaded. */
	const char *three[3] = { rpath, files[1], write_file("p2.yaml", text) };
	CHECK_RC(catalog_load(&c, three, 3, err), PW_ECONFIG);
	CHECK(strstr(err, "p2.yaml: plan id 't-14' already defined") != NULL);
	three[2] = write_file("r2.yaml", REGION1);
	CHECK_RC(catalog_load(&c, three, 3, err), PW_ECONFIG);
	CHECK(strstr(err, "r2.yaml: region 't' (000000-t) already defined") != NULL);
	const char *missing = "/nonexistent/catalog.yaml";
	CHECK_RC(catalog_load(&c, &missing, 1, err), PW_ESYS);
	CHECK(strstr(err, missing) != NULL);

	/* A file that is neither a region nor a plan file says so at a line of its own (fuzz
	 * reproducer tests/fuzz/regress/catalog/no-plan-key.yaml: line 0 before). */
	const char *neither = write_file("neither.yaml", "targets: re\n");
	CHECK_RC(catalog_load(&c, &neither, 1, err), PW_ECONFIG);
	CHECK(strstr(err, "neither.yaml:1: missing key 'plan' (a plan file) or 'region'"));

	/* A file of the retired format 1 is refused by name, pointing at the conversion. */
	const char *v1 = write_file("v1.yaml",
		"plan:\n  id: p1\n  name: 测试\n  baseline_year: 2020\n  target_year: 2025\n"
		"indicators:\n  - id: gdp\n    name: 地区生产总值\n");
	CHECK_RC(catalog_load(&c, &v1, 1, err), PW_ECONFIG);
	CHECK(strstr(err, "v1.yaml:") && strstr(err, "catalog format 1") &&
	      strstr(err, "catalog/README.md"));
	const char *v1_head = write_file("v1h.yaml", "plan:\n  id: p1\n  name: 测试\n"
				      "  baseline_year: 2020\n  target_year: 2025\n");
	CHECK_RC(catalog_load(&c, &v1_head, 1, err), PW_ECONFIG);
	CHECK(strstr(err, "v1h.yaml:4: catalog format 1"));

	test_format2_catalog();
	test_format2_errors();
	test_formulas();

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	CHECK(system(cmd) == 0);
	printf("test_catalog: ok\n");
	return 0;
}
