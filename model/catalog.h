/* model/catalog.h — the indicator catalog: regions and their series, plans and their targets
 * (catalog/SCHEMA.md, docs/MODEL.md).
 *
 * Loaded whole from YAML files or not at all: a bad file leaves nothing half-applied
 * and reports "FILE:LINE: problem". Read-only once loaded.
 *
 * A series (region, indicator) is defined once in its region's file; a plan is a set of
 * targets on those series with a window start_year..end_year and a status. For each target
 * the loader also builds a struct cat_indicator: the series' definition joined with the
 * plan's target, the (plan, indicator) view the plan-keyed store and rules read, and for
 * each series its own record (cat_series.self: the definition alone, plan NULL), what a
 * series no plan targets is checked and shown by. catalog_judges() answers which plans
 * judge a (region, series, period). */
#ifndef PW_CATALOG_H
#define PW_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "../proto/period.h"
#include "formula.h"
#include "planmath.h"

#define CAT_ID_MAX 64
#define CAT_REGION_PLANS_MAX 16 /* plans per region (13th, 14th, 15th ...): checked at load */

/* CAT_ATTR_NONE: the plan's table has no 属性 column (the 13th-plan results tables). */
enum cat_attr { CAT_ATTR_NONE = 0, CAT_EXPECTED = 1, CAT_BINDING = 2 };
enum cat_status { CAT_DRAFT = 1, CAT_ACTIVE, CAT_CLOSED };
enum cat_kind {
	CAT_GROWTH = 1, CAT_LEVEL, CAT_CEILING, CAT_FLOOR, CAT_KEEP, CAT_CITY, CAT_CUMULATIVE,
	CAT_INFO,
};
enum cat_form { CAT_FORM_LEVEL = 1, CAT_FORM_YTD = 2 };

struct cat_annual {
	int year;
	bool has_growth, has_value;
	double growth, value;
	const char *source_file;
	int source_line;
};

struct cat_indicator;
struct cat_plan;
struct cat_region;
struct cat_series;

/* A derived series' formula (model/formula.h, catalog/SCHEMA.md): fn over args, each a
 * series of the same region, its value scale[] × ... in the series' unit. */
struct cat_formula {
	int fn; /* enum formula_fn */
	const char *text; /* as written, e.g. "share(rd_spending, gdp)" */
	const char *arg_ids[FORMULA_ARGS];
	const struct cat_series *args[FORMULA_ARGS];
	size_t n_args;
	double scale[FORMULA_ARGS];
	int node; /* the formula's YAML node, while the catalog loads */
};

/* One statistic of one region, whatever plan judges it. */
struct cat_series {
	const struct cat_region *region;
	const char *id, *name, *name_en, *category, *unit, *note;
	int freq; /* enum period_freq */
	int form; /* enum cat_form */
	bool has_min, has_max;
	double min, max;
	int due_days;             /* release calendar; 0 = no release expected, never overdue */
	struct period first_due;  /* first period expected (year 0 when due_days is 0) */
	const char *const *depts; /* 责任单位: [0] is responsible */
	size_t n_depts;
	const char *source_file; /* NULL when the region file gives none */
	int source_line, yaml_line;
	const struct cat_formula *formula; /* derived from other series; NULL: reported only */
	const struct cat_series *const *users; /* the derived series whose formula names it */
	size_t n_users;
	/* The targets on it: of each plan of its region that has one, in start_year order
	 * (catalog_region_plans), whatever the plan's status and window. */
	const struct cat_indicator *const *targets;
	size_t n_targets;
	/* The series' own record (plan NULL, no target): what a figure of a series no plan
	 * targets is checked against. Each target's record is a copy of it that its plan
	 * refines (name, category, note and the target). */
	const struct cat_indicator *self;
};

/* A catalog file's text as loaded (what the daemon's `catalog` request with `sources`
 * sends, PROTOCOL.md §3): its name (the path it was read from) and bytes. */
struct cat_file {
	const char *name;
	const char *text;
	size_t len;
};

#define CAT_FILE_MAX (16 << 20) /* bytes of one catalog file */

struct cat_region {
	const char *id, *alias, *name, *name_en, *file;
	const struct cat_file *src; /* the file it was loaded from */
	const struct cat_series *series; /* sorted by id */
	size_t n_series;
};

/* A target: a series' definition joined with a plan's requirement on it. plan NULL: the
 * series' own record (cat_series.self), no requirement (kind 0, no baseline or target). */
struct cat_indicator {
	const struct cat_plan *plan;
	const struct cat_series *series; /* the region's series this target is on */
	const char *id, *name, *name_en, *category, *unit, *note;
	int attribute; /* enum cat_attr */
	int kind;      /* enum cat_kind */
	int direction; /* +1 higher is better, -1 lower is better */
	int freq;      /* enum period_freq */
	int form;      /* enum cat_form */
	int base_year, target_year;
	bool has_base, has_target, has_growth, has_min, has_max, prose;
	double base, target, growth, min, max;
	int due_days;
	const char *const *depts;
	size_t n_depts;
	const struct cat_annual *annual;
	size_t n_annual;
	const char *source_file;
	int source_line; /* 1-based line in source_file */
	int yaml_line;   /* where it is defined in the catalog file */
	/* what the plausibility checks ask of every figure, worked out once at load */
	bool change;        /* cat_value_is_change */
	bool running_total; /* cat_running_total */
	bool comparable;    /* cat_comparable_prices (of the name, as the plan gives it) */
	/* 统计口径改变 (format 2 `definition_change`): what changed, so that the figures from
	 * def_change_year on (0: every year) no longer compare with the baseline; NULL: none */
	const char *def_change;
	int def_change_year;
};

struct cat_plan {
	const char *id, *name, *name_en, *district, *source, *file;
	const struct cat_file *src; /* the file it was loaded from */
	const struct cat_region *region;
	int start_year, base_year, target_year; /* window start_year..target_year (end_year) */
	int status;                             /* enum cat_status */
	const struct cat_indicator *inds;
	size_t n_inds;
};

struct catalog;

#define CAT_ERR_MAX 512

/* Loads every file (region files and plan files, in any order); all or nothing. On failure
 * err holds "FILE:LINE: message" and the return is PW_ECONFIG (or PW_ESYS / PW_ENOMEM). A
 * file of the retired format 1 (a plan with its own `indicators`) fails with a message
 * naming the conversion (catalog/README.md).
 * Duplicate region ids or aliases, or plan ids, across files fail; so does a plan whose
 * region is not among the files. */
int catalog_load(struct catalog **ret, const char *const *files, size_t n_files,
		 char err[CAT_ERR_MAX]);
/* The same of files in memory (each copied: the caller keeps its own), named by their
 * names in errors and in cat_region.file / cat_plan.file: what a client builds from the
 * daemon's catalog sources, the same catalog the daemon loaded. */
int catalog_load_mem(struct catalog **ret, const struct cat_file *files, size_t n_files,
		     char err[CAT_ERR_MAX]);
void catalog_free(struct catalog *c);

size_t catalog_n_plans(const struct catalog *c);
const struct cat_plan *catalog_plan_at(const struct catalog *c, size_t i);
const struct cat_plan *catalog_plan(const struct catalog *c, const char *id);
/* O(log n) lookup of (plan, indicator). */
const struct cat_indicator *catalog_find(const struct catalog *c, const char *plan,
					 const char *ind);
size_t catalog_n_regions(const struct catalog *c);
const struct cat_region *catalog_region_at(const struct catalog *c, size_t i);
/* The region of id or alias, or NULL. */
const struct cat_region *catalog_region(const struct catalog *c, const char *id_or_alias);
/* The series id of region r, or NULL. O(log n). */
const struct cat_series *catalog_series(const struct cat_region *r, const char *id);
/* The plans of one region: out[0..] in start_year order; returns how many there are
 * (writes at most max). */
size_t catalog_region_plans(const struct catalog *c, const struct cat_region *r,
			    const struct cat_plan **out, size_t max);

/* What one plan asks of one series in one year: the plan's target (x), and that year's
 * 年度目标 from the plan file (annual, NULL if none). The city-assigned number (kind city)
 * is set by operators per year and kept in the store: the caller reads it for
 * (x->plan->id, x->id, year). */
struct cat_judge {
	const struct cat_indicator *x;
	const struct cat_annual *annual;
};

/* Every plan of region r that judges period p of series s: status not draft, start_year <=
 * p's year <= end_year, and a target on s (docs/MODEL.md section 2). Never a plan whose
 * window has ended: there is no extrapolation. Writes at most max to out in start_year
 * order and returns how many judge (0 = no plan in force for that year). */
size_t catalog_judges(const struct catalog *c, const struct cat_series *s,
		      const struct period *p, struct cat_judge *out, size_t max);

/* Does s's department owe period p of it (docs/DISPATCH.md "Reporting discipline"): s has a
 * release calendar (due_days > 0) and a department, a plan judges p (catalog_judges: active
 * or closed, for a closed plan's last year is reported after it closed and its final
 * evaluation needs it), p is not before first_due, and p is not the January of a combined
 * 1–2月 release: no January figure of p's year is held (jan_held) and either first_due is
 * a February or a February figure of p's year is (feb_held). A January that came is owed
 * and received, whatever the calendar says. The one rule of the dispatch table, the
 * metrics and `alerts --discipline`. */
bool catalog_owes(const struct catalog *c, const struct cat_series *s, const struct period *p,
		  bool jan_held, bool feb_held);

/* A target on series s in some plan of its region (the newest plan's first, whatever its
 * status and window), or NULL: what a figure of s computed by its formula is announced and
 * judged as; with none, nothing checks a figure of s and the store holds none. */
const struct cat_indicator *catalog_series_target(const struct catalog *c,
						  const struct cat_series *s);

/* The 年度目标 of x for year, or NULL. */
const struct cat_annual *cat_annual_for(const struct cat_indicator *x, int year);
/* True when x's definition changed (definition_change) by year: its figures of that year
 * do not compare with the baseline, path or bound of the old definition. */
bool cat_def_changed(const struct cat_indicator *x, int year);
/* True when year lies in x's plan window. */
bool cat_in_window(const struct cat_plan *p, int year);
/* The ordinal of the national five-year plan whose window holds year: "15th" for 2026 (and
 * for 2026..2030), "14th" for 2021; the year itself before 1966. */
void cat_plan_ordinal(int year, char buf[16]);

const char *cat_status_name(int status);

/* Who owns x's series in the store: its region's id (every plan with a target on one series
 * shares its figures). */
const char *cat_owner(const struct cat_indicator *x);
/* The owner as topics name it: the region's alias. */
const char *cat_owner_alias(const struct cat_indicator *x);
/* The region id of plan id's series, NULL when no such plan is loaded: the mapping of the
 * schema 5 -> 6 migration (docs/MODEL.md section 8). */
const char *catalog_plan_owner(const struct catalog *c, const char *plan);

bool cat_dept_allowed(const struct cat_indicator *ind, const char *dept);
size_t catalog_n_indicators(const struct catalog *c);

/* The numbers of x's target for the plan maths (NAN where the catalog gives none). */
struct planmath_target cat_target(const struct cat_indicator *x);

/* Is x's growth published at comparable prices (可比价: 地区生产总值 and 增加值, by the
 * statistical system's rule), so that a ratio of two nominal levels is not its growth rate?
 * Other amounts (revenue, retail sales, investment, income) grow at current prices. */
bool cat_comparable_prices(const struct cat_indicator *x);
/* The same rule on a series name (for clients, which have the name over the wire). */
bool cat_name_comparable(const char *name);

/* Is x's value itself a change (a growth rate, a reduction, a change in percentage points)
 * rather than a level? Then the ratio of two periods says nothing about scale: 0.3 % growth
 * after 6.5 % is ordinary. True for a unit of percentage points, and for a percentage whose
 * catalog bounds admit negative values: a level (a share, a coverage rate) lies in 0..100,
 * a growth or reduction may fall below zero. */
bool cat_value_is_change(const struct cat_indicator *x);

/* Is x a running total (1–N月累计: form ytd in an additive unit, unit_additive), which never
 * falls within a year? A year-to-date average (PM2.5 in μg/m³, a share of good-air days in
 * %) may, and its January is comparable with December. */
bool cat_running_total(const struct cat_indicator *x);

const char *cat_kind_name(int kind);
const char *cat_attr_name(int attr);
const char *cat_attr_name_zh(int attr);

/* Non-fatal consistency warnings (e.g. baseline x (1+g)^n far from the target), one per
 * line into cb. Returns the number of warnings. */
int catalog_lint(const struct catalog *c, void (*cb)(const char *msg, void *arg), void *arg);

/* ---- successor-plan baseline lint (docs/MODEL.md section 7) ----
 * A plan's printed baseline is checked against the stored figure of its series for the
 * plan's base year. The store is the daemon's (rules_baseline_lint, at start and reload)
 * or, through queries, the running daemon's (`planwatch catalog check --store`): both ask
 * for the same periods and word the difference the same way. */

/* The periods whose stored figure x's baseline is checked against, in the order to try: the
 * base year (annual), then for a ytd series the base year's last quarter or month. Returns
 * how many (0 when x has no baseline value). */
size_t cat_baseline_periods(const struct cat_indicator *x, struct period out[2]);
/* When the stored figure (value, its data status word: "final", "flash", ...) differs from
 * x's baseline by more than 1e-9 relative, writes the lint line ("quangang-15 gdp:
 * 15th-plan baseline 1050 differs from the stored 2025 final figure 1062") and returns true.
 * Never an error: the plan is what was adopted. */
bool cat_baseline_differs(const struct cat_indicator *x, double stored, const char *status,
			  char *msg, size_t cap);

#endif
