/* model/catalog.h — the indicator catalog: plans, indicators, targets (catalog/SCHEMA.md).
 *
 * Loaded whole from YAML files or not at all: a bad file leaves nothing half-applied
 * and reports "FILE:LINE: problem". Read-only once loaded. */
#ifndef PW_CATALOG_H
#define PW_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "planmath.h"

#define CAT_ID_MAX 64

enum cat_attr { CAT_EXPECTED = 1, CAT_BINDING = 2 };
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

struct cat_plan;

struct cat_indicator {
	const struct cat_plan *plan;
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
};

struct cat_plan {
	const char *id, *name, *name_en, *district, *source, *file;
	int base_year, target_year;
	const struct cat_indicator *inds;
	size_t n_inds;
};

struct catalog;

#define CAT_ERR_MAX 512

/* Loads every file; all or nothing. On failure err holds "FILE:LINE: message" and the
 * return is PW_ECONFIG (or PW_ESYS / PW_ENOMEM). Duplicate plan ids across files fail. */
int catalog_load(struct catalog **ret, const char *const *files, size_t n_files,
		 char err[CAT_ERR_MAX]);
void catalog_free(struct catalog *c);

size_t catalog_n_plans(const struct catalog *c);
const struct cat_plan *catalog_plan_at(const struct catalog *c, size_t i);
const struct cat_plan *catalog_plan(const struct catalog *c, const char *id);
/* O(log n) lookup of (plan, indicator). */
const struct cat_indicator *catalog_find(const struct catalog *c, const char *plan,
					 const char *ind);
bool cat_dept_allowed(const struct cat_indicator *ind, const char *dept);
size_t catalog_n_indicators(const struct catalog *c);

/* The numbers of x's target for the plan maths (NAN where the catalog gives none). */
struct planmath_target cat_target(const struct cat_indicator *x);

const char *cat_kind_name(int kind);
const char *cat_attr_name(int attr);
const char *cat_attr_name_zh(int attr);

/* Non-fatal consistency warnings (e.g. baseline x (1+g)^n far from the target), one per
 * line into cb. Returns the number of warnings. */
int catalog_lint(const struct catalog *c, void (*cb)(const char *msg, void *arg), void *arg);

#endif
