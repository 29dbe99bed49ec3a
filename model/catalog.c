/* model/catalog.c — loads and indexes the indicator catalog. */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/err.h"
#include "../proto/period.h"
#include "catalog.h"
#include "unit.h"
#include "ydoc.h"

struct catalog {
	struct cat_region *regions;
	size_t n_regions;
	struct cat_plan *plans;
	size_t n_plans;
	const struct cat_indicator **index; /* open addressing by (plan id, indicator id) */
	size_t n_index, cap_index;          /* cap_index: a power of two, at least 2 n_index */
	struct cat_file *files; /* the text of every file, as loaded */
	size_t n_files;
	void **allocs; /* every string and array we own */
	size_t n_allocs, cap_allocs;
};

static void *own(struct catalog *c, void *p)
{
	if (!p)
		return NULL;
	if (c->n_allocs == c->cap_allocs) {
		size_t cap = c->cap_allocs ? 2 * c->cap_allocs : 64;
		void **a = realloc(c->allocs, cap * sizeof(*a));
		if (!a) {
			free(p);
			return NULL;
		}
		c->allocs = a;
		c->cap_allocs = cap;
	}
	c->allocs[c->n_allocs++] = p;
	return p;
}

static void *own_calloc(struct catalog *c, size_t n, size_t size)
{
	return own(c, calloc(n ? n : 1, size));
}

void catalog_free(struct catalog *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_allocs; i++)
		free(c->allocs[i]);
	free(c->allocs);
	free(c->index);
	free(c->files);
	free(c->plans);
	free(c->regions);
	free(c);
}

/* ---- enum tables ---- */

static const char *const kind_names[] = {
	[CAT_GROWTH] = "growth", [CAT_LEVEL] = "level", [CAT_CEILING] = "ceiling",
	[CAT_FLOOR] = "floor", [CAT_KEEP] = "keep", [CAT_CITY] = "city",
	[CAT_CUMULATIVE] = "cumulative", [CAT_INFO] = "info",
};

const char *cat_kind_name(int kind)
{
	return kind >= CAT_GROWTH && kind <= CAT_INFO ? kind_names[kind] : "unknown";
}

const char *cat_attr_name(int attr)
{
	return attr == CAT_BINDING ? "binding" : attr == CAT_EXPECTED ? "expected" : "none";
}

const char *cat_attr_name_zh(int attr)
{
	return attr == CAT_BINDING ? "约束性" : attr == CAT_EXPECTED ? "预期性" : "未标注";
}

static int parse_enum(struct ydoc *d, ynode n, const char *what, const char *const *names,
		      int lo, int hi, int *out)
{
	const char *s;
	int rc = ydoc_str(d, n, what, &s);
	if (rc < 0)
		return rc;
	for (int i = lo; i <= hi; i++)
		if (names[i] && strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return ydoc_fail(d, n, "%s: unknown value '%s'", what, s);
}

/* ---- field helpers ---- */

static int dup_str(struct catalog *c, struct ydoc *d, ynode map, const char *key,
		   bool required, const char **out)
{
	ynode n = ydoc_get(d, map, key);
	const char *s;
	int rc;

	if (!n) {
		*out = NULL;
		return required ? ydoc_fail(d, map, "missing key '%s'", key) : 0;
	}
	if ((rc = ydoc_str(d, n, key, &s)) < 0)
		return rc;
	if (!(*out = own(c, strdup(s))))
		return PW_ENOMEM;
	return 0;
}

static bool id_valid(const char *s, bool dash)
{
	size_t n = strlen(s);
	if (n == 0 || n > CAT_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
		      (dash && ch == '-')))
			return false;
	}
	return true;
}

static int opt_double(struct ydoc *d, ynode map, const char *key, bool *has, double *out)
{
	ynode n = ydoc_get(d, map, key);
	*has = n != 0;
	return n ? ydoc_double(d, n, key, out) : 0;
}

static int year_value(struct ydoc *d, ynode map, const char *key, int *year, bool *has,
		      double *value)
{
	static const char *const keys[] = { "year", "value", NULL };
	ynode n = ydoc_get(d, map, key);
	long y;
	int rc;

	*has = false;
	if (!n)
		return 0;
	if ((rc = ydoc_check_keys(d, n, keys)) < 0)
		return rc;
	ynode yn = ydoc_get(d, n, "year");
	if (!yn)
		return ydoc_fail(d, n, "%s: missing key 'year'", key);
	if ((rc = ydoc_int(d, yn, "year", PERIOD_YEAR_MIN, PERIOD_YEAR_MAX, &y)) < 0)
		return rc;
	*year = (int)y;
	return opt_double(d, n, "value", has, value);
}

static int source_ref(struct catalog *c, struct ydoc *d, ynode map, const char **file,
		      int *line)
{
	static const char *const keys[] = { "file", "line", NULL };
	ynode n = ydoc_get(d, map, "source");
	long l;
	int rc;

	if (!n)
		return ydoc_fail(d, map, "missing key 'source' (seed file and line)");
	if ((rc = ydoc_check_keys(d, n, keys)) < 0)
		return rc;
	if ((rc = dup_str(c, d, n, "file", true, file)) < 0)
		return rc;
	ynode ln = ydoc_get(d, n, "line");
	if (!ln)
		return ydoc_fail(d, n, "source: missing key 'line'");
	if ((rc = ydoc_int(d, ln, "line", 1, 1000000, &l)) < 0)
		return rc;
	*line = (int)l;
	return 0;
}

/* departments: a non-empty list of names of 1..64 bytes without '.'; what names the owner
 * in errors. */
static int parse_depts(struct catalog *c, struct ydoc *d, ynode map, const char *what,
		       const char *const **out, size_t *n_out)
{
	ynode seq = ydoc_get(d, map, "departments");
	size_t n = ydoc_len(d, seq);
	const char **depts;
	int rc;

	if (n == 0)
		return ydoc_fail(d, map, "%s: 'departments' must name at least one", what);
	if (!(depts = own_calloc(c, n, sizeof(*depts))))
		return PW_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *s;
		if ((rc = ydoc_str(d, ydoc_at(d, seq, i), "departments", &s)) < 0)
			return rc;
		if (strlen(s) == 0 || strlen(s) > 64)
			return ydoc_fail(d, ydoc_at(d, seq, i), "department name length 1..64");
		/* one part of the overdue.<alias>.<dept> and resolved.<alias>.<dept> topics */
		if (strchr(s, '.'))
			return ydoc_fail(d, ydoc_at(d, seq, i),
					 "department name '%s' must not contain '.' (notice topics "
					 "name it as one part)", s);
		if (!(depts[i] = own(c, strdup(s))))
			return PW_ENOMEM;
	}
	*out = depts;
	*n_out = n;
	return 0;
}

static int parse_bounds(struct ydoc *d, ynode map, bool *has_min, double *min, bool *has_max,
			double *max)
{
	static const char *const keys[] = { "min", "max", NULL };
	ynode n = ydoc_get(d, map, "bounds");
	int rc;

	*has_min = *has_max = false;
	if (!n)
		return 0;
	if ((rc = ydoc_check_keys(d, n, keys)) < 0)
		return rc;
	if ((rc = opt_double(d, n, "min", has_min, min)) < 0 ||
	    (rc = opt_double(d, n, "max", has_max, max)) < 0)
		return rc;
	if (*has_min && *has_max && *min > *max)
		return ydoc_fail(d, n, "bounds: min %g > max %g", *min, *max);
	return 0;
}

/* What each target kind needs to be evaluated at all. */
static int check_kind(struct ydoc *d, ynode map, const struct cat_indicator *ind)
{
	switch (ind->kind) {
	case CAT_GROWTH:
		if (!ind->has_growth && !(ind->has_base && ind->has_target))
			return ydoc_fail(d, map, "indicator '%s': kind growth needs 'growth' or "
					 "baseline and target values", ind->id);
		break;
	case CAT_LEVEL:
	case CAT_CUMULATIVE:
		if (!ind->has_target)
			return ydoc_fail(d, map, "indicator '%s': kind %s needs a target value",
					 ind->id, cat_kind_name(ind->kind));
		break;
	case CAT_CEILING:
	case CAT_FLOOR:
		if (!ind->has_target)
			return ydoc_fail(d, map, "indicator '%s': kind %s needs target.value",
					 ind->id, cat_kind_name(ind->kind));
		break;
	case CAT_KEEP:
		if (!ind->has_base)
			return ydoc_fail(d, map, "indicator '%s': kind keep needs baseline.value",
					 ind->id);
		break;
	}
	return 0;
}

static bool unit_is_change(const struct cat_indicator *x);

static void finish_indicator(struct cat_indicator *x)
{
	const struct unit *u = unit_find(x->unit);
	x->change = unit_is_change(x);
	x->running_total = x->form == CAT_FORM_YTD && u && unit_additive(u);
	x->comparable = cat_name_comparable(x->name);
}

static int ind_id_cmp(const void *a, const void *b)
{
	const struct cat_indicator *x = *(const struct cat_indicator *const *)a;
	const struct cat_indicator *y = *(const struct cat_indicator *const *)b;
	int r = strcmp(x->id, y->id);
	return r ? r : (x > y) - (x < y);
}

/* Fails on the first indicator (in file order) whose id an earlier one already has.
 * Sorted, so a plan of 10^5 indicators loads in a second, not a minute. */
static int check_dup_ids(struct ydoc *d, ynode seq, struct cat_indicator *inds, size_t n)
{
	const struct cat_indicator **v = malloc(n * sizeof(*v));
	size_t dup = SIZE_MAX, first = 0;
	if (!v)
		return PW_ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = &inds[i];
	qsort(v, n, sizeof(*v), ind_id_cmp);
	for (size_t k = 1, run = 0; k < n; k++) {
		if (strcmp(v[k]->id, v[k - 1]->id) != 0) {
			run = k;
			continue;
		}
		size_t i = (size_t)(v[k] - inds);
		if (i < dup) {
			dup = i;
			first = (size_t)(v[run] - inds);
		}
	}
	free(v);
	if (dup == SIZE_MAX)
		return 0;
	return ydoc_fail(d, ydoc_at(d, seq, dup), "duplicate target on series '%s' (first at line "
			 "%d)", inds[dup].id, inds[first].yaml_line);
}

/* ---- regions and their series ---- */

static const char *const freq_names[] = {
	[PERIOD_ANNUAL] = "annual", [PERIOD_QUARTER] = "quarterly", [PERIOD_MONTH] = "monthly",
};
static const char *const form_names[] = { [CAT_FORM_LEVEL] = "level", [CAT_FORM_YTD] = "ytd" };
static const char *const status_names[] = {
	[CAT_DRAFT] = "draft", [CAT_ACTIVE] = "active", [CAT_CLOSED] = "closed",
};

const char *cat_status_name(int status)
{
	return status >= CAT_DRAFT && status <= CAT_CLOSED ? status_names[status] : "unknown";
}

/* Region ids: a GB/T 2260 code, or the parent's code, '-' and an alias (catalog/SCHEMA.md). */
static bool region_id_valid(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < 6; i++)
		if (i >= n || s[i] < '0' || s[i] > '9')
			return false;
	if (n == 6)
		return true;
	if (n > 23 || s[6] != '-' || s[7] < 'a' || s[7] > 'z')
		return false;
	for (size_t i = 8; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static bool alias_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 32 || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* An optional source: {file, line}; absent leaves *file NULL. */
static int opt_source(struct catalog *c, struct ydoc *d, ynode map, const char **file, int *line)
{
	*file = NULL;
	*line = 0;
	return ydoc_get(d, map, "source") ? source_ref(c, d, map, file, line) : 0;
}

static int parse_first_due(struct ydoc *d, ynode map, struct cat_series *s)
{
	ynode n = ydoc_get(d, map, "first_due");
	const char *txt;
	int rc;

	if (!n) {
		if (s->due_days)
			return ydoc_fail(d, map, "series '%s': due_days needs first_due", s->id);
		return 0;
	}
	if ((rc = ydoc_str(d, n, "first_due", &txt)) < 0)
		return rc;
	if (period_parse(&s->first_due, txt, strlen(txt)) < 0 || s->first_due.freq != s->freq)
		return ydoc_fail(d, n, "series '%s': first_due '%s' is not a %s period", s->id, txt,
				 freq_names[s->freq]);
	return 0;
}

/* formula: the text parsed now; its arguments are resolved once the region's series are
 * all read (resolve_formulas). */
static int parse_formula(struct catalog *c, struct ydoc *d, ynode map, struct cat_series *s)
{
	struct formula_text ft;
	struct cat_formula *f;
	char err[FORMULA_ERR_MAX];
	ynode n = ydoc_get(d, map, "formula");
	int rc;

	if (!n)
		return 0;
	if (!(f = own_calloc(c, 1, sizeof(*f))))
		return PW_ENOMEM;
	if ((rc = dup_str(c, d, map, "formula", true, &f->text)) < 0)
		return rc;
	if (formula_parse(f->text, &ft, err, sizeof(err)) < 0)
		return ydoc_fail(d, n, "series '%s': %s", s->id, err);
	f->fn = ft.fn;
	f->n_args = ft.n_args;
	f->node = n;
	for (size_t i = 0; i < ft.n_args; i++)
		if (!(f->arg_ids[i] = own(c, strdup(ft.args[i]))))
			return PW_ENOMEM;
	s->formula = f;
	return 0;
}

/* A series' unit is an entry of the unit table (model/unit.c), spelt as the table names
 * it: conversions, bounds, formula factors and the plausibility checks are all worked out
 * from it, and one spelling per unit keeps NACKs, notices and reports alike (the catalogs
 * once spelt the PM units three ways). */
static int check_series_unit(struct ydoc *d, ynode map, const struct cat_series *s)
{
	const struct unit *u = unit_find(s->unit);
	ynode n = ydoc_get(d, map, "unit");
	if (!u)
		return ydoc_fail(d, n, "series '%s': unit '%s' is not in the unit table "
				 "(model/UNITS.md; 'planwatch units' lists them)", s->id, s->unit);
	if (strcmp(unit_name(u), s->unit) != 0)
		return ydoc_fail(d, n, "series '%s': unit '%s' is written '%s' in catalogs (one spelling per unit)",
				 s->id, s->unit, unit_name(u));
	return 0;
}

static int parse_series(struct catalog *c, struct ydoc *d, ynode map,
			const struct cat_region *r, struct cat_series *s)
{
	static const char *const keys[] = {
		"id", "name", "name_en", "category", "unit", "frequency", "form", "departments",
		"bounds", "due_days", "first_due", "source", "derived", "note", "formula", NULL,
	};
	char what[CAT_ID_MAX + 16];
	ynode n;
	long l;
	int rc;

	s->region = r;
	s->yaml_line = ydoc_line(d, map);
	if ((rc = ydoc_check_keys(d, map, keys)) < 0 ||
	    (rc = dup_str(c, d, map, "id", true, &s->id)) < 0)
		return rc;
	if (!id_valid(s->id, false))
		return ydoc_fail(d, ydoc_get(d, map, "id"),
				 "series id '%s' must be 1..64 of [a-z0-9_]", s->id);
	if ((rc = dup_str(c, d, map, "name", true, &s->name)) < 0 ||
	    (rc = dup_str(c, d, map, "name_en", true, &s->name_en)) < 0 ||
	    (rc = dup_str(c, d, map, "category", true, &s->category)) < 0 ||
	    (rc = dup_str(c, d, map, "unit", true, &s->unit)) < 0 ||
	    (rc = dup_str(c, d, map, "note", false, &s->note)) < 0)
		return rc;
	if (strlen(s->unit) > 32)
		return ydoc_fail(d, map, "series '%s': unit longer than 32 bytes", s->id);
	if ((rc = check_series_unit(d, map, s)) < 0)
		return rc;
	if (!(n = ydoc_get(d, map, "frequency")))
		return ydoc_fail(d, map, "series '%s': missing key 'frequency'", s->id);
	if ((rc = parse_enum(d, n, "frequency", freq_names, PERIOD_ANNUAL, PERIOD_MONTH,
			     &s->freq)) < 0)
		return rc;
	if (!(n = ydoc_get(d, map, "form")))
		return ydoc_fail(d, map, "series '%s': missing key 'form'", s->id);
	if ((rc = parse_enum(d, n, "form", form_names, CAT_FORM_LEVEL, CAT_FORM_YTD, &s->form)) < 0)
		return rc;
	snprintf(what, sizeof(what), "series '%s'", s->id);
	if ((rc = parse_depts(c, d, map, what, &s->depts, &s->n_depts)) < 0 ||
	    (rc = parse_bounds(d, map, &s->has_min, &s->min, &s->has_max, &s->max)) < 0)
		return rc;
	if ((n = ydoc_get(d, map, "due_days"))) {
		if ((rc = ydoc_int(d, n, "due_days", 1, 400, &l)) < 0)
			return rc;
		s->due_days = (int)l;
	}
	if ((rc = parse_first_due(d, map, s)) < 0 || (rc = parse_formula(c, d, map, s)) < 0)
		return rc;
	return opt_source(c, d, map, &s->source_file, &s->source_line);
}

static int series_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cat_series *)a)->id, ((const struct cat_series *)b)->id);
}

static int parse_region_header(struct catalog *c, struct ydoc *d, ynode map, struct cat_region *r)
{
	static const char *const keys[] = { "id", "alias", "name", "name_en", "parent", NULL };
	int rc;

	if ((rc = ydoc_check_keys(d, map, keys)) < 0 ||
	    (rc = dup_str(c, d, map, "id", true, &r->id)) < 0 ||
	    (rc = dup_str(c, d, map, "alias", true, &r->alias)) < 0 ||
	    (rc = dup_str(c, d, map, "name", true, &r->name)) < 0 ||
	    (rc = dup_str(c, d, map, "name_en", false, &r->name_en)) < 0)
		return rc;
	if (!region_id_valid(r->id))
		return ydoc_fail(d, ydoc_get(d, map, "id"), "region id '%s' must be 6 digits "
				 "(GB/T 2260), or 6 digits, '-' and [a-z][a-z0-9]{0,15}", r->id);
	if (!alias_valid(r->alias))
		return ydoc_fail(d, ydoc_get(d, map, "alias"),
				 "region alias '%s' must be [a-z][a-z0-9]{0,31}", r->alias);
	return 0;
}

/* Does following formulas from s lead back to target? depth bounds the walk (a cycle
 * elsewhere cannot loop it). */
static bool reaches(const struct cat_series *s, const struct cat_series *target, size_t depth)
{
	if (!s->formula || depth == 0)
		return false;
	for (size_t i = 0; i < s->formula->n_args; i++)
		if (s->formula->args[i] == target || reaches(s->formula->args[i], target, depth - 1))
			return true;
	return false;
}

/* One formula's arguments: series of the region, not the series itself, of its frequency
 * (an annual series may derive from monthly or quarterly ones: their full-year figures),
 * with units the function takes. */
static int resolve_formula(struct ydoc *d, const struct cat_region *r, struct cat_series *s)
{
	struct cat_formula *f = (struct cat_formula *)s->formula;
	const struct unit *units[FORMULA_ARGS], *result = unit_find(s->unit);
	char err[FORMULA_ERR_MAX];

	for (size_t i = 0; i < f->n_args; i++) {
		const char *id = f->arg_ids[i];
		const struct cat_series *a = catalog_series(r, id);
		if (!a)
			return ydoc_fail(d, f->node, "series '%s': formula names '%s', which is not a "
				       "series of region '%s'", s->id, id, r->alias);
		if (a == s)
			return ydoc_fail(d, f->node, "series '%s': its formula names itself", s->id);
		if (a->freq != s->freq && s->freq != PERIOD_ANNUAL)
			return ydoc_fail(d, f->node, "series '%s' (%s): formula part '%s' is %s; a "
				       "figure is derived from figures of its own period", s->id,
				       freq_names[s->freq], a->id, freq_names[a->freq]);
		if (!(units[i] = unit_find(a->unit)) || !result)
			return ydoc_fail(d, f->node, "series '%s': unit '%s' is not in the unit table",
					 s->id, result ? a->unit : s->unit);
		f->args[i] = a;
	}
	if (formula_scale(f->fn, result, units, f->n_args, f->scale, err, sizeof(err)) < 0)
		return ydoc_fail(d, f->node, "series '%s': %s", s->id, err);
	return 0;
}

/* Resolves every formula of region r, refuses cycles, and lists each series' users. */
static int resolve_formulas(struct catalog *c, struct ydoc *d, const struct cat_region *r,
			    struct cat_series *v, size_t n)
{
	size_t *count = calloc(n, sizeof(*count));
	int rc = 0;

	if (!count)
		return PW_ENOMEM;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (v[i].formula)
			rc = resolve_formula(d, r, &v[i]);
	for (size_t i = 0; i < n && rc == 0; i++)
		if (reaches(&v[i], &v[i], n))
			rc = ydoc_fail(d, v[i].formula->node, "series '%s': its formula depends on "
				       "itself through other formulas", v[i].id);
	for (size_t i = 0; i < n && rc == 0; i++)
		for (size_t k = 0; v[i].formula && k < v[i].formula->n_args; k++)
			count[v[i].formula->args[k] - v]++;
	for (size_t j = 0; j < n && rc == 0; j++) {
		if (!count[j])
			continue;
		const struct cat_series **u = own_calloc(c, count[j], sizeof(*u));
		if (!u) {
			rc = PW_ENOMEM;
			break;
		}
		v[j].users = u;
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; v[i].formula && k < v[i].formula->n_args; k++)
				if (v[i].formula->args[k] == &v[j])
					u[v[j].n_users++] = &v[i];
	}
	free(count);
	return rc;
}

/* Each series' own record (cat_series.self), built once the series are sorted (their
 * addresses final): its definition, no plan, no requirement. */
static int series_records(struct catalog *c, struct cat_series *v, size_t n)
{
	struct cat_indicator *x = own_calloc(c, n, sizeof(*x));
	if (!x)
		return PW_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct cat_series *s = &v[i];
		x[i] = (struct cat_indicator){
			.series = s, .id = s->id, .name = s->name, .name_en = s->name_en,
			.category = s->category, .unit = s->unit, .note = s->note, .direction = 1,
			.freq = s->freq, .form = s->form, .has_min = s->has_min, .min = s->min,
			.has_max = s->has_max, .max = s->max, .due_days = s->due_days,
			.depts = s->depts, .n_depts = s->n_depts, .source_file = s->source_file,
			.source_line = s->source_line, .yaml_line = s->yaml_line,
		};
		finish_indicator(&x[i]);
		v[i].self = &x[i];
	}
	return 0;
}

static int parse_region(struct catalog *c, struct ydoc *d, struct cat_region *r)
{
	static const char *const keys[] = { "region", "series", NULL };
	ynode root = ydoc_root(d), seq;
	struct cat_series *v;
	size_t n;
	int rc;

	if ((rc = ydoc_check_keys(d, root, keys)) < 0 ||
	    (rc = parse_region_header(c, d, ydoc_get(d, root, "region"), r)) < 0)
		return rc;
	seq = ydoc_get(d, root, "series");
	if ((n = ydoc_len(d, seq)) == 0)
		return ydoc_fail(d, root, "region '%s' has no series", r->alias);
	if (!(v = own_calloc(c, n, sizeof(*v))))
		return PW_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if ((rc = parse_series(c, d, ydoc_at(d, seq, i), r, &v[i])) < 0)
			return rc;
	qsort(v, n, sizeof(*v), series_cmp);
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i].id, v[i - 1].id) == 0) {
			int a = v[i].yaml_line, b = v[i - 1].yaml_line;
			return ydoc_fail(d, seq, "duplicate series id '%s' (lines %d and %d)", v[i].id,
					 a < b ? a : b, a < b ? b : a);
		}
	r->series = v;
	r->n_series = n;
	if ((rc = resolve_formulas(c, d, r, v, n)) < 0)
		return rc;
	return series_records(c, v, n);
}

/* ---- plans ---- */

static int parse_plan_header(struct catalog *c, struct ydoc *d, ynode map, struct cat_plan *p)
{
	static const char *const keys[] = {
		"id", "region", "title", "title_en", "source", "start_year", "end_year",
		"base_year", "status", NULL,
	};
	const char *region;
	ynode n;
	long y;
	int rc;

	if ((rc = ydoc_check_keys(d, map, keys)) < 0 ||
	    (rc = dup_str(c, d, map, "id", true, &p->id)) < 0 ||
	    (rc = ydoc_req_str(d, map, "region", &region)) < 0 ||
	    (rc = dup_str(c, d, map, "title", true, &p->name)) < 0 ||
	    (rc = dup_str(c, d, map, "title_en", false, &p->name_en)) < 0 ||
	    (rc = dup_str(c, d, map, "source", false, &p->source)) < 0)
		return rc;
	/* A hyphen tells a plan id from a series id in topics (docs/MODEL.md section 4). */
	if (!id_valid(p->id, true) || !strchr(p->id, '-'))
		return ydoc_fail(d, ydoc_get(d, map, "id"), "plan id '%s' must be 1..64 of "
				 "[a-z0-9_-] with a hyphen (<alias>-<n>)", p->id);
	if (!(p->region = catalog_region(c, region)))
		return ydoc_fail(d, ydoc_get(d, map, "region"),
				 "plan '%s': region '%s' is not in the catalog files", p->id, region);
	p->district = p->region->name;
	if (!(n = ydoc_get(d, map, "start_year")) ||
	    (rc = ydoc_int(d, n, "start_year", PERIOD_YEAR_MIN + 1, PERIOD_YEAR_MAX, &y)) < 0)
		return n ? rc : ydoc_fail(d, map, "missing key 'start_year'");
	p->start_year = (int)y;
	if (!(n = ydoc_get(d, map, "end_year")) ||
	    (rc = ydoc_int(d, n, "end_year", p->start_year, PERIOD_YEAR_MAX, &y)) < 0)
		return n ? rc : ydoc_fail(d, map, "missing key 'end_year'");
	p->target_year = (int)y;
	if (!(n = ydoc_get(d, map, "base_year")) ||
	    (rc = ydoc_int(d, n, "base_year", PERIOD_YEAR_MIN, PERIOD_YEAR_MAX, &y)) < 0)
		return n ? rc : ydoc_fail(d, map, "missing key 'base_year'");
	if (y != p->start_year - 1)
		return ydoc_fail(d, n, "plan '%s': base_year %ld must be start_year - 1 = %d",
				 p->id, y, p->start_year - 1);
	p->base_year = (int)y;
	if (!(n = ydoc_get(d, map, "status")))
		return ydoc_fail(d, map, "plan '%s': missing key 'status'", p->id);
	return parse_enum(d, n, "status", status_names, CAT_DRAFT, CAT_CLOSED, &p->status);
}

/* Converts the target's numbers from the unit its plan prints them in to the series' (the
 * one unit table, model/unit.c: exact, within one dimension). */
static int target_unit(struct catalog *c, struct ydoc *d, ynode map, struct cat_indicator *x)
{
	const struct unit *from, *to = unit_find(x->unit);
	const char *unit;
	int rc;

	if ((rc = dup_str(c, d, map, "unit", false, &unit)) < 0 || !unit || strcmp(unit, x->unit) == 0)
		return rc;
	from = unit_find(unit);
	if (!from || !to || !unit_same_dim(from, to) ||
	    (x->has_base && unit_convert(x->base, from, to, &x->base) < 0) ||
	    (x->has_target && unit_convert(x->target, from, to, &x->target) < 0))
		return ydoc_fail(d, ydoc_get(d, map, "unit"), "target '%s': unit '%s' does not "
				 "convert exactly to the series unit '%s'", x->id, unit, x->unit);
	return 0;
}

/* definition_change: {reason, year (optional: a year of the window), source}. The reason
 * is what the evaluation prints; the source is where the plan text says so. */
static int def_change(struct catalog *c, struct ydoc *d, ynode map, const struct cat_plan *p,
		      struct cat_indicator *x)
{
	static const char *const keys[] = { "reason", "year", "source", NULL };
	ynode n = ydoc_get(d, map, "definition_change"), yn;
	const char *file;
	long y;
	int rc, line;

	if (!n)
		return 0;
	if ((rc = ydoc_check_keys(d, n, keys)) < 0 ||
	    (rc = dup_str(c, d, n, "reason", true, &x->def_change)) < 0 ||
	    (rc = source_ref(c, d, n, &file, &line)) < 0)
		return rc;
	if (!x->def_change[0])
		return ydoc_fail(d, n, "definition_change: empty reason");
	if ((yn = ydoc_get(d, n, "year")) &&
	    (rc = ydoc_int(d, yn, "year", p->start_year, p->target_year, &y)) < 0)
		return rc;
	x->def_change_year = yn ? (int)y : 0;
	return 0;
}

/* One target: the series' definition joined with the plan's requirement on it. */
static int parse_target(struct catalog *c, struct ydoc *d, ynode map, struct cat_plan *p,
			struct cat_indicator *x)
{
	static const char *const keys[] = {
		"series", "name", "unit", "category", "attribute", "kind", "direction",
		"baseline", "target", "growth", "prose", "source", "derived", "outcome", "note",
		"definition_change", NULL,
	};
	static const char *const attrs[] = { [CAT_EXPECTED] = "expected", [CAT_BINDING] = "binding" };
	static const char *const dirs[] = { [0] = "down", [1] = "up" };
	const struct cat_series *s;
	const char *sid;
	ynode n;
	int rc, dir = 1;

	if ((rc = ydoc_check_keys(d, map, keys)) < 0 ||
	    (rc = ydoc_req_str(d, map, "series", &sid)) < 0)
		return rc;
	if (!(s = catalog_series(p->region, sid)))
		return ydoc_fail(d, ydoc_get(d, map, "series"), "plan '%s': region '%s' has no "
				 "series '%s'", p->id, p->region->alias, sid);
	*x = *s->self; /* the series' definition, which the target refines */
	x->plan = p;
	x->yaml_line = ydoc_line(d, map);
	if ((rc = dup_str(c, d, map, "name", false, &x->name)) < 0 ||
	    (rc = dup_str(c, d, map, "category", false, &x->category)) < 0 ||
	    (rc = dup_str(c, d, map, "note", false, &x->note)) < 0)
		return rc;
	if (!x->name)
		x->name = s->name;
	x->comparable = cat_name_comparable(x->name); /* the plan's name may differ */
	if (!x->category)
		x->category = s->category;
	if ((n = ydoc_get(d, map, "attribute")) &&
	    (rc = parse_enum(d, n, "attribute", attrs, CAT_EXPECTED, CAT_BINDING,
			     &x->attribute)) < 0)
		return rc;
	if (!(n = ydoc_get(d, map, "kind")))
		return ydoc_fail(d, map, "target '%s': missing key 'kind'", x->id);
	if ((rc = parse_enum(d, n, "kind", kind_names, CAT_GROWTH, CAT_INFO, &x->kind)) < 0)
		return rc;
	if ((n = ydoc_get(d, map, "direction")) &&
	    (rc = parse_enum(d, n, "direction", dirs, 0, 1, &dir)) < 0)
		return rc;
	x->direction = dir ? 1 : -1;
	x->base_year = p->base_year;
	x->target_year = p->target_year;
	if ((rc = year_value(d, map, "baseline", &x->base_year, &x->has_base, &x->base)) < 0 ||
	    (rc = year_value(d, map, "target", &x->target_year, &x->has_target, &x->target)) < 0 ||
	    (rc = opt_double(d, map, "growth", &x->has_growth, &x->growth)) < 0 ||
	    (rc = target_unit(c, d, map, x)) < 0)
		return rc;
	if ((n = ydoc_get(d, map, "prose")) && (rc = ydoc_bool(d, n, "prose", &x->prose)) < 0)
		return rc;
	if ((rc = opt_source(c, d, map, &x->source_file, &x->source_line)) < 0 ||
	    (rc = def_change(c, d, map, p, x)) < 0)
		return rc;
	return check_kind(d, map, x);
}

static struct cat_indicator *target_of(struct cat_indicator *v, size_t n, const char *sid)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].id, sid) == 0)
			return &v[i];
	return NULL;
}

/* annual_targets: [{year, targets: [{series, growth | value, source, note}]}]. Each entry is
 * appended to its target's annual list (counted first, so each list is one allocation). */
static int parse_plan_annual(struct catalog *c, struct ydoc *d, ynode seq, struct cat_plan *p,
			      struct cat_indicator *v, size_t n_v)
{
	static const char *const year_keys[] = { "year", "targets", NULL };
	static const char *const keys[] = { "series", "growth", "value", "source", "note", NULL };
	size_t *cap = calloc(n_v ? n_v : 1, sizeof(*cap));
	int rc = 0;

	if (!cap)
		return PW_ENOMEM;
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		for (size_t i = 0; i < ydoc_len(d, seq) && rc == 0; i++) {
			ynode y = ydoc_at(d, seq, i), ts = ydoc_get(d, y, "targets");
			long year;
			if ((rc = ydoc_check_keys(d, y, year_keys)) < 0)
				break;
			ynode yn = ydoc_get(d, y, "year");
			if (!yn) {
				rc = ydoc_fail(d, y, "annual_targets: missing key 'year'");
				break;
			}
			if ((rc = ydoc_int(d, yn, "year", p->start_year, p->target_year, &year)) < 0)
				break;
			for (size_t j = 0; j < ydoc_len(d, ts) && rc == 0; j++) {
				ynode e = ydoc_at(d, ts, j);
				const char *sid;
				if ((rc = ydoc_check_keys(d, e, keys)) < 0 ||
				    (rc = ydoc_req_str(d, e, "series", &sid)) < 0)
					break;
				struct cat_indicator *x = target_of(v, n_v, sid);
				if (!x) {
					rc = ydoc_fail(d, e, "annual target %ld: plan '%s' has no "
						       "target on series '%s'", year, p->id, sid);
					break;
				}
				size_t k = (size_t)(x - v);
				if (pass == 0) {
					cap[k]++;
					continue;
				}
				struct cat_annual *a = (struct cat_annual *)&x->annual[x->n_annual++];
				a->year = (int)year;
				if ((rc = opt_double(d, e, "growth", &a->has_growth, &a->growth)) < 0 ||
				    (rc = opt_double(d, e, "value", &a->has_value, &a->value)) < 0)
					break;
				if (!a->has_growth && !a->has_value)
					rc = ydoc_fail(d, e, "annual target %d: needs 'growth' or "
						       "'value'", a->year);
				else
					rc = opt_source(c, d, e, &a->source_file, &a->source_line);
			}
		}
		for (size_t k = 0; pass == 0 && rc == 0 && k < n_v; k++)
			if (cap[k] && !(v[k].annual = own_calloc(c, cap[k], sizeof(*v[k].annual))))
				rc = PW_ENOMEM;
	}
	free(cap);
	return rc;
}

static int parse_plan(struct catalog *c, struct ydoc *d, struct cat_plan *p)
{
	static const char *const keys[] = { "plan", "targets", "annual_targets", NULL };
	ynode root = ydoc_root(d), seq, an;
	struct cat_indicator *v;
	size_t n;
	int rc;

	if ((rc = ydoc_check_keys(d, root, keys)) < 0)
		return rc;
	/* Neither `region` nor `plan`: say what a catalog file is, at a line of this file. */
	if (!ydoc_get(d, root, "plan"))
		return ydoc_fail(d, root, "missing key 'plan' (a plan file) or 'region' (a region "
				 "file)");
	if ((rc = parse_plan_header(c, d, ydoc_get(d, root, "plan"), p)) < 0)
		return rc;
	seq = ydoc_get(d, root, "targets");
	if ((n = ydoc_len(d, seq)) == 0)
		return ydoc_fail(d, root, "plan '%s' has no targets", p->id);
	if (!(v = own_calloc(c, n, sizeof(*v))))
		return PW_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if ((rc = parse_target(c, d, ydoc_at(d, seq, i), p, &v[i])) < 0)
			return rc;
	if ((rc = check_dup_ids(d, seq, v, n)) < 0)
		return rc;
	if ((an = ydoc_get(d, root, "annual_targets")) &&
	    (rc = parse_plan_annual(c, d, an, p, v, n)) < 0)
		return rc;
	p->inds = v;
	p->n_inds = n;
	return 0;
}

/* A format-1 file (a plan owning its `indicators`, before series belonged to regions) is
 * refused by name rather than with the first unknown key it happens to contain: the reader
 * is told what the file is and where the conversion is described. */
static int refuse_format1(struct ydoc *d)
{
	ynode root = ydoc_root(d), plan, n;

	if (!ydoc_is_map(d, root))
		return 0;
	n = ydoc_get(d, root, "indicators");
	plan = ydoc_get(d, root, "plan");
	if (!n && ydoc_is_map(d, plan) && !ydoc_get(d, plan, "region"))
		n = ydoc_get(d, plan, "baseline_year") ? ydoc_get(d, plan, "baseline_year")
						       : ydoc_get(d, plan, "target_year");
	if (!n)
		return 0;
	return ydoc_fail(d, n, "catalog format 1 (a plan with its own 'indicators') is no longer "
			 "read: split it into a region file and a plan file, see catalog/README.md "
			 "\"Converting a format-1 file\"");
}

/* Region files are read in pass 0, plan files in pass 1 (their targets name the
 * region's series), so the files may be listed in any order. */
static int parse_file(struct catalog *c, const struct cat_file *f, int pass, char *err)
{
	struct ydoc *d;
	int rc = 0;

	if ((rc = ydoc_parse(&d, f->name, f->text, f->len, err)) < 0)
		return rc;
	ynode root = ydoc_root(d);
	bool is_region = ydoc_is_map(d, root) && ydoc_get(d, root, "region");
	if (is_region != (pass == 0))
		goto out_doc;
	if (is_region) {
		struct cat_region *r = &c->regions[c->n_regions];
		r->file = f->name;
		r->src = f;
		if ((rc = parse_region(c, d, r)) < 0)
			goto out_doc;
		c->n_regions++;
	} else {
		struct cat_plan *p = &c->plans[c->n_plans];
		p->file = f->name;
		p->src = f;
		if ((rc = refuse_format1(d)) < 0 || (rc = parse_plan(c, d, p)) < 0)
			goto out_doc;
		c->n_plans++;
	}
out_doc:
	if (rc == PW_ECONFIG && ydoc_error(d)[0])
		snprintf(err, CAT_ERR_MAX, "%s", ydoc_error(d));
	ydoc_free(d);
	return rc;
}

/* FNV-1a of s and its NUL, continued from h. */
static uint64_t str_hash(uint64_t h, const char *s)
{
	do
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	while (*s++);
	return h;
}

/* The slot of (plan, ind) in c->index: the one holding it, else the empty one where it goes.
 * Every item's validation looks its indicator up by name: a hash, not a binary search of
 * string compares (a dozen at a hundred indicators). */
static size_t index_slot(const struct catalog *c, const char *plan, const char *ind)
{
	size_t mask = c->cap_index - 1;
	size_t k = (size_t)str_hash(str_hash(14695981039346656037ull, plan), ind) & mask;
	for (const struct cat_indicator *x; (x = c->index[k]); k = (k + 1) & mask)
		if (strcmp(x->id, ind) == 0 && strcmp(x->plan->id, plan) == 0)
			break;
	return k;
}

static int build_index(struct catalog *c)
{
	size_t n = 0, cap = 16;
	for (size_t i = 0; i < c->n_plans; i++)
		n += c->plans[i].n_inds;
	while (cap < 2 * n)
		cap *= 2;
	if (!(c->index = calloc(cap, sizeof(*c->index))))
		return PW_ENOMEM;
	c->cap_index = cap;
	for (size_t i = 0; i < c->n_plans; i++)
		for (size_t j = 0; j < c->plans[i].n_inds; j++) {
			const struct cat_indicator *x = &c->plans[i].inds[j];
			/* (plan, series) is unique: check_unique and the duplicate target check */
			c->index[index_slot(c, x->plan->id, x->id)] = x;
		}
	c->n_index = n;
	return 0;
}

/* Each series' targets (cat_series.targets), once every plan is parsed and indexed: what
 * judging a period looks up per plan of the region is then a list, not a search each. */
static int build_targets(struct catalog *c)
{
	for (size_t i = 0; i < c->n_regions; i++) {
		const struct cat_region *r = &c->regions[i];
		const struct cat_plan *plans[CAT_REGION_PLANS_MAX];
		size_t np = catalog_region_plans(c, r, plans, CAT_REGION_PLANS_MAX);
		assert(np <= CAT_REGION_PLANS_MAX); /* checked by check_unique */
		if (!np)
			continue;
		/* one block for the region, np slots a series */
		const struct cat_indicator **all = own_calloc(c, r->n_series * np, sizeof(*all));
		if (!all)
			return PW_ENOMEM;
		for (size_t k = 0; k < r->n_series; k++) {
			/* the catalog's own series, const to its readers only */
			struct cat_series *s = (struct cat_series *)&r->series[k];
			const struct cat_indicator **t = all + k * np;
			for (size_t j = 0; j < np; j++)
				if ((t[s->n_targets] = catalog_find(c, plans[j]->id, s->id)))
					s->n_targets++;
			s->targets = t;
		}
	}
	return 0;
}

/* Fails when the region or plan parse_file just added repeats an earlier one's id (or alias). */
static int check_unique(const struct catalog *c, int pass, const char *file, char *err)
{
	if (pass == 0) {
		const struct cat_region *r = &c->regions[c->n_regions - 1];
		for (size_t j = 0; j + 1 < c->n_regions; j++) {
			const struct cat_region *o = &c->regions[j];
			if (strcmp(o->id, r->id) == 0 || strcmp(o->alias, r->alias) == 0 ||
			    strcmp(o->id, r->alias) == 0 || strcmp(o->alias, r->id) == 0) {
				snprintf(err, CAT_ERR_MAX, "%s: region '%s' (%s) already defined in %s",
					 file, r->alias, r->id, o->file);
				return PW_ECONFIG;
			}
		}
		return 0;
	}
	const struct cat_plan *p = &c->plans[c->n_plans - 1];
	size_t same_region = 0;
	for (size_t j = 0; j + 1 < c->n_plans; j++) {
		if (strcmp(c->plans[j].id, p->id) == 0) {
			snprintf(err, CAT_ERR_MAX, "%s: plan id '%s' already defined in %s", file,
				 p->id, c->plans[j].file);
			return PW_ECONFIG;
		}
		same_region += p->region && c->plans[j].region == p->region;
	}
	if (same_region >= CAT_REGION_PLANS_MAX) {
		snprintf(err, CAT_ERR_MAX, "%s: region '%s' has more than %d plans", file,
			 p->region->alias, CAT_REGION_PLANS_MAX);
		return PW_ECONFIG;
	}
	return 0;
}

/* Reads path whole into memory the catalog owns. */
static int read_file(struct catalog *c, const char *path, struct cat_file *f, char *err)
{
	FILE *in = fopen(path, "rb");
	size_t cap = 0, n = 0;
	char *buf = NULL;
	int rc = 0;

	if (!in) {
		snprintf(err, CAT_ERR_MAX, "%s: cannot open: %s", path, strerror(errno));
		return PW_ESYS;
	}
	do { /* until a short read: the end of the file, or an error */
		char *nb;
		if (cap > CAT_FILE_MAX)
			break;
		cap = cap ? 2 * cap : 65536;
		if (!(nb = realloc(buf, cap))) {
			rc = PW_ENOMEM;
			break;
		}
		buf = nb;
		n += fread(buf + n, 1, cap - n, in);
	} while (n == cap);
	if (!rc && ferror(in)) {
		snprintf(err, CAT_ERR_MAX, "%s: cannot read: %s", path, strerror(errno));
		rc = PW_ESYS;
	} else if (!rc && n > CAT_FILE_MAX) {
		snprintf(err, CAT_ERR_MAX, "%s: larger than %d MiB", path, CAT_FILE_MAX >> 20);
		rc = PW_ECONFIG;
	}
	fclose(in);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	if (!own(c, buf) || !(f->name = own(c, strdup(path))))
		return PW_ENOMEM;
	f->text = buf;
	f->len = n;
	return 0;
}

/* Copies the caller's file f into memory the catalog owns. */
static int copy_file(struct catalog *c, const struct cat_file *f, struct cat_file *out, char *err)
{
	char *text;
	if (f->len > CAT_FILE_MAX) {
		snprintf(err, CAT_ERR_MAX, "%s: larger than %d MiB", f->name, CAT_FILE_MAX >> 20);
		return PW_ECONFIG;
	}
	if (!(out->name = own(c, strdup(f->name))) || !(text = own(c, malloc(f->len ? f->len : 1))))
		return PW_ENOMEM;
	memcpy(text, f->text, f->len);
	out->text = text;
	out->len = f->len;
	return 0;
}

/* Loads files given by path (paths) or in memory (mem), all or nothing. */
static int load(struct catalog **ret, const char *const *paths, const struct cat_file *mem,
		size_t n_files, char err[CAT_ERR_MAX])
{
	struct catalog *c;
	int rc;

	err[0] = '\0';
	if (n_files == 0) {
		snprintf(err, CAT_ERR_MAX, "no catalog files given");
		return PW_ECONFIG;
	}
	if (!(c = calloc(1, sizeof(*c))))
		return PW_ENOMEM;
	if (!(c->plans = calloc(n_files, sizeof(*c->plans))) ||
	    !(c->regions = calloc(n_files, sizeof(*c->regions))) ||
	    !(c->files = calloc(n_files, sizeof(*c->files)))) {
		rc = PW_ENOMEM;
		goto out_free;
	}
	for (size_t i = 0; i < n_files; i++, c->n_files++)
		if ((rc = paths ? read_file(c, paths[i], &c->files[i], err)
				: copy_file(c, &mem[i], &c->files[i], err)) < 0)
			goto out_free;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n_files; i++) {
			size_t before = pass ? c->n_plans : c->n_regions;
			if ((rc = parse_file(c, &c->files[i], pass, err)) < 0)
				goto out_free;
			if ((pass ? c->n_plans : c->n_regions) != before &&
			    (rc = check_unique(c, pass, c->files[i].name, err)) < 0)
				goto out_free;
		}
	if ((rc = build_index(c)) < 0 || (rc = build_targets(c)) < 0)
		goto out_free;
	*ret = c;
	return 0;
out_free:
	if (!err[0])
		snprintf(err, CAT_ERR_MAX, "%s", pw_strerror(rc));
	catalog_free(c);
	return rc;
}

int catalog_load(struct catalog **ret, const char *const *files, size_t n_files,
		 char err[CAT_ERR_MAX])
{
	return load(ret, files, NULL, n_files, err);
}

int catalog_load_mem(struct catalog **ret, const struct cat_file *files, size_t n_files,
		     char err[CAT_ERR_MAX])
{
	return load(ret, NULL, files, n_files, err);
}

size_t catalog_n_plans(const struct catalog *c)
{
	return c->n_plans;
}

size_t catalog_n_indicators(const struct catalog *c)
{
	return c->n_index;
}

const struct cat_plan *catalog_plan_at(const struct catalog *c, size_t i)
{
	return i < c->n_plans ? &c->plans[i] : NULL;
}

const struct cat_plan *catalog_plan(const struct catalog *c, const char *id)
{
	for (size_t i = 0; i < c->n_plans; i++)
		if (strcmp(c->plans[i].id, id) == 0)
			return &c->plans[i];
	return NULL;
}

const struct cat_indicator *catalog_find(const struct catalog *c, const char *plan,
					 const char *ind)
{
	return c->index[index_slot(c, plan, ind)];
}

size_t catalog_n_regions(const struct catalog *c)
{
	return c->n_regions;
}

const struct cat_region *catalog_region_at(const struct catalog *c, size_t i)
{
	return i < c->n_regions ? &c->regions[i] : NULL;
}

const struct cat_region *catalog_region(const struct catalog *c, const char *id_or_alias)
{
	for (size_t i = 0; i < c->n_regions; i++)
		if (strcmp(c->regions[i].id, id_or_alias) == 0 ||
		    strcmp(c->regions[i].alias, id_or_alias) == 0)
			return &c->regions[i];
	return NULL;
}

const struct cat_series *catalog_series(const struct cat_region *r, const char *id)
{
	size_t lo = 0, hi = r->n_series;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(id, r->series[mid].id);
		if (!cmp)
			return &r->series[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t catalog_region_plans(const struct catalog *c, const struct cat_region *r,
			    const struct cat_plan **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_plans; i++)
		if (c->plans[i].region == r) {
			/* Insertion by start_year: a region has a handful of plans. */
			size_t k = n < max ? n : max;
			while (k > 0 && out[k - 1]->start_year > c->plans[i].start_year) {
				if (k < max)
					out[k] = out[k - 1];
				k--;
			}
			if (k < max)
				out[k] = &c->plans[i];
			n++;
		}
	return n;
}

bool cat_in_window(const struct cat_plan *p, int year)
{
	return p->start_year <= year && year <= p->target_year;
}

void cat_plan_ordinal(int year, char buf[16])
{
	/* The 3rd plan began in 1966 and each lasts five years. */
	int n = year >= 1966 ? (year - 1966) / 5 + 3 : 0;
	const char *suf = (n % 100 >= 11 && n % 100 <= 13) ? "th"
			  : n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
	if (n)
		snprintf(buf, 16, "%d%s", n, suf);
	else
		snprintf(buf, 16, "%d", year);
}

const struct cat_indicator *catalog_series_target(const struct catalog *c,
						  const struct cat_series *s)
{
	(void)c;
	return s->n_targets ? s->targets[s->n_targets - 1] : NULL;
}

const struct cat_annual *cat_annual_for(const struct cat_indicator *x, int year)
{
	for (size_t i = 0; i < x->n_annual; i++)
		if (x->annual[i].year == year)
			return &x->annual[i];
	return NULL;
}

size_t catalog_judges(const struct catalog *c, const struct cat_series *s,
		      const struct period *p, struct cat_judge *out, size_t max)
{
	size_t n = 0;

	(void)c;
	for (size_t i = 0; i < s->n_targets; i++) {
		const struct cat_indicator *x = s->targets[i];
		const struct cat_plan *pl = x->plan;
		if (pl->status == CAT_DRAFT || !cat_in_window(pl, p->year))
			continue;
		if (n < max)
			out[n] = (struct cat_judge){ .x = x, .annual = cat_annual_for(x, p->year) };
		n++;
	}
	return n;
}

bool catalog_owes(const struct catalog *c, const struct cat_series *s, const struct period *p,
		  bool jan_held, bool feb_held)
{
	if (s->due_days <= 0 || !s->n_depts || !catalog_judges(c, s, p, NULL, 0))
		return false;
	const struct period *first = &s->first_due;
	if (first->year && period_cmp(p, first) < 0)
		return false;
	bool combined = !jan_held && (feb_held || (first->freq == PERIOD_MONTH && first->n == 2));
	return !(p->freq == PERIOD_MONTH && p->n == 1 && combined);
}

bool cat_def_changed(const struct cat_indicator *x, int year)
{
	return x->def_change && year >= x->def_change_year;
}

const char *cat_owner(const struct cat_indicator *x)
{
	return x->series->region->id;
}

const char *cat_owner_alias(const struct cat_indicator *x)
{
	return x->series->region->alias;
}

const char *catalog_plan_owner(const struct catalog *c, const char *plan)
{
	const struct cat_plan *p = catalog_plan(c, plan);
	return p ? p->region->id : NULL;
}

bool cat_dept_allowed(const struct cat_indicator *ind, const char *dept)
{
	for (size_t i = 0; i < ind->n_depts; i++)
		if (strcmp(ind->depts[i], dept) == 0)
			return true;
	return false;
}

struct planmath_target cat_target(const struct cat_indicator *x)
{
	return (struct planmath_target){
		.base_year = x->base_year,
		.target_year = x->target_year,
		.base = x->has_base ? x->base : NAN,
		.target = x->has_target ? x->target : NAN,
		.growth = x->has_growth ? x->growth : NAN,
	};
}

bool cat_name_comparable(const char *name)
{
	return name && (strstr(name, "生产总值") || strstr(name, "增加值"));
}

bool cat_comparable_prices(const struct cat_indicator *x)
{
	return x->comparable;
}

bool cat_value_is_change(const struct cat_indicator *x)
{
	return x->change;
}

bool cat_running_total(const struct cat_indicator *x)
{
	return x->running_total;
}

/* The unit questions of the plausibility checks, answered once per indicator at load. */
static bool unit_is_change(const struct cat_indicator *x)
{
	const struct unit *u = unit_find(x->unit);
	if (!u)
		return false;
	if (unit_same_dim(u, unit_find("个百分点")))
		return true;
	return unit_same_dim(u, unit_find("%")) && x->has_min && x->min < 0;
}

size_t cat_baseline_periods(const struct cat_indicator *x, struct period out[2])
{
	if (!x->has_base)
		return 0;
	out[0] = (struct period){ .year = (uint16_t)x->base_year, .freq = PERIOD_ANNUAL };
	if (x->freq == PERIOD_ANNUAL || x->form != CAT_FORM_YTD)
		return 1;
	out[1] = (struct period){ .year = (uint16_t)x->base_year, .freq = (uint8_t)x->freq,
				  .n = (uint8_t)(x->freq == PERIOD_QUARTER ? 4 : 12) };
	return 2;
}

bool cat_baseline_differs(const struct cat_indicator *x, double stored, const char *status,
			  char *msg, size_t cap)
{
	char nth[16];
	if (fabs(stored - x->base) <= 1e-9 * fmax(fabs(x->base), fabs(stored)))
		return false;
	cat_plan_ordinal(x->plan->start_year, nth);
	snprintf(msg, cap, "%s %s: %s-plan baseline %.10g differs from the stored %d %s figure "
		 "%.10g", x->plan->id, x->id, nth, x->base, x->base_year, status, stored);
	return true;
}

int catalog_lint(const struct catalog *c, void (*cb)(const char *msg, void *arg), void *arg)
{
	char msg[512];
	int n = 0;

	for (size_t i = 0; i < c->n_plans; i++) {
		const struct cat_plan *p = &c->plans[i];
		for (size_t j = 0; j < p->n_inds; j++) {
			const struct cat_indicator *x = &p->inds[j];
			if (x->kind != CAT_GROWTH || !x->has_base || !x->has_target ||
			    !x->has_growth || x->base <= 0)
				continue;
			double implied = planmath_compound(x->base, x->growth,
							   x->target_year - x->base_year);
			double rel = fabs(implied - x->target) / x->target;
			/* Plans round both ends: flag only what rounding cannot explain. */
			if (rel > 0.05) {
				snprintf(msg, sizeof(msg),
					 "%s:%d: indicator '%s': baseline %g x (1+%g%%)^%d = %.4g, "
					 "but the target is %g (%.1f%% apart)", p->file, x->yaml_line,
					 x->id, x->base, x->growth, x->target_year - x->base_year,
					 implied, x->target, rel * 100);
				cb(msg, arg);
				n++;
			}
		}
	}
	return n;
}
