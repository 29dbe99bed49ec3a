/* model/catalog.c — loads and indexes the indicator catalog. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/err.h"
#include "../proto/period.h"
#include "catalog.h"
#include "ydoc.h"

struct catalog {
	struct cat_plan *plans;
	size_t n_plans;
	const struct cat_indicator **index; /* sorted by (plan id, indicator id) */
	size_t n_index;
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
	free(c->plans);
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
	return attr == CAT_BINDING ? "binding" : "expected";
}

const char *cat_attr_name_zh(int attr)
{
	return attr == CAT_BINDING ? "约束性" : "预期性";
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

static int parse_annual(struct catalog *c, struct ydoc *d, ynode seq, struct cat_indicator *ind)
{
	static const char *const keys[] = { "year", "growth", "value", "source", "note", NULL };
	size_t n = ydoc_len(d, seq);
	struct cat_annual *a = own_calloc(c, n, sizeof(*a));
	long y;
	int rc;

	if (!a)
		return PW_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		ynode e = ydoc_at(d, seq, i);
		if ((rc = ydoc_check_keys(d, e, keys)) < 0)
			return rc;
		ynode yn = ydoc_get(d, e, "year");
		if (!yn)
			return ydoc_fail(d, e, "annual target: missing key 'year'");
		if ((rc = ydoc_int(d, yn, "year", PERIOD_YEAR_MIN, PERIOD_YEAR_MAX, &y)) < 0)
			return rc;
		a[i].year = (int)y;
		if ((rc = opt_double(d, e, "growth", &a[i].has_growth, &a[i].growth)) < 0 ||
		    (rc = opt_double(d, e, "value", &a[i].has_value, &a[i].value)) < 0)
			return rc;
		if (!a[i].has_growth && !a[i].has_value)
			return ydoc_fail(d, e, "annual target %d: needs 'growth' or 'value'", a[i].year);
		if ((rc = source_ref(c, d, e, &a[i].source_file, &a[i].source_line)) < 0)
			return rc;
	}
	ind->annual = a;
	ind->n_annual = n;
	return 0;
}

static int parse_depts(struct catalog *c, struct ydoc *d, ynode map, struct cat_indicator *ind)
{
	ynode seq = ydoc_get(d, map, "departments");
	size_t n = ydoc_len(d, seq);
	const char **depts;
	int rc;

	if (n == 0)
		return ydoc_fail(d, map, "indicator '%s': 'departments' must name at least one",
				 ind->id);
	if (!(depts = own_calloc(c, n, sizeof(*depts))))
		return PW_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *s;
		if ((rc = ydoc_str(d, ydoc_at(d, seq, i), "departments", &s)) < 0)
			return rc;
		if (strlen(s) == 0 || strlen(s) > 64)
			return ydoc_fail(d, ydoc_at(d, seq, i), "department name length 1..64");
		if (!(depts[i] = own(c, strdup(s))))
			return PW_ENOMEM;
	}
	ind->depts = depts;
	ind->n_depts = n;
	return 0;
}

static int parse_bounds(struct ydoc *d, ynode map, struct cat_indicator *ind)
{
	static const char *const keys[] = { "min", "max", NULL };
	ynode n = ydoc_get(d, map, "bounds");
	int rc;

	if (!n)
		return 0;
	if ((rc = ydoc_check_keys(d, n, keys)) < 0)
		return rc;
	if ((rc = opt_double(d, n, "min", &ind->has_min, &ind->min)) < 0 ||
	    (rc = opt_double(d, n, "max", &ind->has_max, &ind->max)) < 0)
		return rc;
	if (ind->has_min && ind->has_max && ind->min > ind->max)
		return ydoc_fail(d, n, "bounds: min %g > max %g", ind->min, ind->max);
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

static int parse_indicator(struct catalog *c, struct ydoc *d, ynode map, struct cat_plan *plan,
			   struct cat_indicator *ind)
{
	static const char *const keys[] = {
		"id", "name", "name_en", "category", "unit", "attribute", "kind", "direction",
		"baseline", "target", "growth", "frequency", "form", "departments", "bounds",
		"due_days", "prose", "source", "derived", "note", "annual_targets", NULL,
	};
	static const char *const attrs[] = { [CAT_EXPECTED] = "expected", [CAT_BINDING] = "binding" };
	static const char *const forms[] = { [CAT_FORM_LEVEL] = "level", [CAT_FORM_YTD] = "ytd" };
	static const char *const freqs[] = {
		[PERIOD_ANNUAL] = "annual", [PERIOD_QUARTER] = "quarterly", [PERIOD_MONTH] = "monthly",
	};
	static const char *const dirs[] = { [0] = "down", [1] = "up" };
	ynode n;
	long l;
	int rc, dir;

	ind->plan = plan;
	ind->yaml_line = ydoc_line(d, map);
	if ((rc = ydoc_check_keys(d, map, keys)) < 0)
		return rc;
	if ((rc = dup_str(c, d, map, "id", true, &ind->id)) < 0)
		return rc;
	if (!id_valid(ind->id, false))
		return ydoc_fail(d, ydoc_get(d, map, "id"),
				 "indicator id '%s' must be 1..64 of [a-z0-9_]", ind->id);
	if ((rc = dup_str(c, d, map, "name", true, &ind->name)) < 0 ||
	    (rc = dup_str(c, d, map, "name_en", true, &ind->name_en)) < 0 ||
	    (rc = dup_str(c, d, map, "category", true, &ind->category)) < 0 ||
	    (rc = dup_str(c, d, map, "unit", true, &ind->unit)) < 0 ||
	    (rc = dup_str(c, d, map, "note", false, &ind->note)) < 0)
		return rc;
	if (strlen(ind->unit) > 32)
		return ydoc_fail(d, map, "indicator '%s': unit longer than 32 bytes", ind->id);
	if (!(n = ydoc_get(d, map, "attribute")))
		return ydoc_fail(d, map, "indicator '%s': missing key 'attribute'", ind->id);
	if ((rc = parse_enum(d, n, "attribute", attrs, CAT_EXPECTED, CAT_BINDING,
			     &ind->attribute)) < 0)
		return rc;
	if (!(n = ydoc_get(d, map, "kind")))
		return ydoc_fail(d, map, "indicator '%s': missing key 'kind'", ind->id);
	if ((rc = parse_enum(d, n, "kind", kind_names, CAT_GROWTH, CAT_INFO, &ind->kind)) < 0)
		return rc;
	dir = 1;
	if ((n = ydoc_get(d, map, "direction")) &&
	    (rc = parse_enum(d, n, "direction", dirs, 0, 1, &dir)) < 0)
		return rc;
	ind->direction = dir ? 1 : -1;
	ind->freq = PERIOD_ANNUAL;
	if ((n = ydoc_get(d, map, "frequency")) &&
	    (rc = parse_enum(d, n, "frequency", freqs, PERIOD_ANNUAL, PERIOD_MONTH, &ind->freq)) < 0)
		return rc;
	ind->form = CAT_FORM_LEVEL;
	if ((n = ydoc_get(d, map, "form")) &&
	    (rc = parse_enum(d, n, "form", forms, CAT_FORM_LEVEL, CAT_FORM_YTD, &ind->form)) < 0)
		return rc;
	ind->base_year = plan->base_year;
	ind->target_year = plan->target_year;
	if ((rc = year_value(d, map, "baseline", &ind->base_year, &ind->has_base, &ind->base)) < 0 ||
	    (rc = year_value(d, map, "target", &ind->target_year, &ind->has_target,
			     &ind->target)) < 0 ||
	    (rc = opt_double(d, map, "growth", &ind->has_growth, &ind->growth)) < 0)
		return rc;
	if ((rc = parse_depts(c, d, map, ind)) < 0 || (rc = parse_bounds(d, map, ind)) < 0)
		return rc;
	ind->due_days = ind->freq == PERIOD_ANNUAL ? 60 : 20;
	if ((n = ydoc_get(d, map, "due_days"))) {
		if ((rc = ydoc_int(d, n, "due_days", 1, 400, &l)) < 0)
			return rc;
		ind->due_days = (int)l;
	}
	if ((n = ydoc_get(d, map, "prose")) && (rc = ydoc_bool(d, n, "prose", &ind->prose)) < 0)
		return rc;
	if ((rc = source_ref(c, d, map, &ind->source_file, &ind->source_line)) < 0)
		return rc;
	if ((n = ydoc_get(d, map, "annual_targets")) && (rc = parse_annual(c, d, n, ind)) < 0)
		return rc;
	return check_kind(d, map, ind);
}

static int parse_plan_header(struct catalog *c, struct ydoc *d, ynode map, struct cat_plan *p)
{
	static const char *const keys[] = {
		"id", "name", "name_en", "district", "source", "baseline_year", "target_year", NULL,
	};
	long y;
	int rc;

	if ((rc = ydoc_check_keys(d, map, keys)) < 0)
		return rc;
	if ((rc = dup_str(c, d, map, "id", true, &p->id)) < 0 ||
	    (rc = dup_str(c, d, map, "name", true, &p->name)) < 0 ||
	    (rc = dup_str(c, d, map, "name_en", false, &p->name_en)) < 0 ||
	    (rc = dup_str(c, d, map, "district", false, &p->district)) < 0 ||
	    (rc = dup_str(c, d, map, "source", false, &p->source)) < 0)
		return rc;
	if (!id_valid(p->id, true))
		return ydoc_fail(d, map, "plan id '%s' must be 1..64 of [a-z0-9_-]", p->id);
	ynode n = ydoc_get(d, map, "baseline_year");
	if (!n || (rc = ydoc_int(d, n, "baseline_year", PERIOD_YEAR_MIN, PERIOD_YEAR_MAX, &y)) < 0)
		return n ? rc : ydoc_fail(d, map, "missing key 'baseline_year'");
	p->base_year = (int)y;
	n = ydoc_get(d, map, "target_year");
	if (!n || (rc = ydoc_int(d, n, "target_year", p->base_year + 1, PERIOD_YEAR_MAX, &y)) < 0)
		return n ? rc : ydoc_fail(d, map, "missing key 'target_year'");
	p->target_year = (int)y;
	return 0;
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
	return ydoc_fail(d, ydoc_at(d, seq, dup), "duplicate indicator id '%s' (first at line %d)",
			 inds[dup].id, inds[first].yaml_line);
}

static int parse_file(struct catalog *c, const char *path, struct cat_plan *p, char *err)
{
	static const char *const keys[] = { "plan", "indicators", NULL };
	struct ydoc *d;
	struct cat_indicator *inds;
	int rc;

	if ((rc = ydoc_load(&d, path, err)) < 0)
		return rc;
	ynode root = ydoc_root(d);
	if ((rc = ydoc_check_keys(d, root, keys)) < 0)
		goto out_doc;
	ynode plan = ydoc_get(d, root, "plan");
	if (!plan) {
		rc = ydoc_fail(d, root, "missing key 'plan'");
		goto out_doc;
	}
	if (!(p->file = own(c, strdup(path)))) {
		rc = PW_ENOMEM;
		goto out_doc;
	}
	if ((rc = parse_plan_header(c, d, plan, p)) < 0)
		goto out_doc;
	ynode seq = ydoc_get(d, root, "indicators");
	size_t n = ydoc_len(d, seq);
	if (n == 0) {
		rc = ydoc_fail(d, root, "plan '%s' has no indicators", p->id);
		goto out_doc;
	}
	if (!(inds = own_calloc(c, n, sizeof(*inds)))) {
		rc = PW_ENOMEM;
		goto out_doc;
	}
	for (size_t i = 0; i < n; i++) {
		ynode e = ydoc_at(d, seq, i);
		if ((rc = parse_indicator(c, d, e, p, &inds[i])) < 0)
			goto out_doc;
	}
	if ((rc = check_dup_ids(d, seq, inds, n)) < 0)
		goto out_doc;
	p->inds = inds;
	p->n_inds = n;
out_doc:
	if (rc == PW_ECONFIG && ydoc_error(d)[0])
		snprintf(err, CAT_ERR_MAX, "%s", ydoc_error(d));
	ydoc_free(d);
	return rc;
}

static int index_cmp(const void *a, const void *b)
{
	const struct cat_indicator *x = *(const struct cat_indicator *const *)a;
	const struct cat_indicator *y = *(const struct cat_indicator *const *)b;
	int r = strcmp(x->plan->id, y->plan->id);
	return r ? r : strcmp(x->id, y->id);
}

static int build_index(struct catalog *c)
{
	size_t n = 0, k = 0;
	for (size_t i = 0; i < c->n_plans; i++)
		n += c->plans[i].n_inds;
	if (!(c->index = malloc(n * sizeof(*c->index))))
		return PW_ENOMEM;
	for (size_t i = 0; i < c->n_plans; i++)
		for (size_t j = 0; j < c->plans[i].n_inds; j++)
			c->index[k++] = &c->plans[i].inds[j];
	c->n_index = n;
	qsort(c->index, n, sizeof(*c->index), index_cmp);
	return 0;
}

int catalog_load(struct catalog **ret, const char *const *files, size_t n_files,
		 char err[CAT_ERR_MAX])
{
	struct catalog *c;
	int rc;

	err[0] = '\0';
	if (n_files == 0) {
		snprintf(err, CAT_ERR_MAX, "no catalog files given");
		return PW_ECONFIG;
	}
	if (!(c = calloc(1, sizeof(*c))) || !(c->plans = calloc(n_files, sizeof(*c->plans)))) {
		free(c);
		return PW_ENOMEM;
	}
	for (size_t i = 0; i < n_files; i++) {
		if ((rc = parse_file(c, files[i], &c->plans[i], err)) < 0)
			goto out_free;
		c->n_plans++;
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->plans[j].id, c->plans[i].id) == 0) {
				snprintf(err, CAT_ERR_MAX, "%s: plan id '%s' already defined in %s",
					 files[i], c->plans[i].id, c->plans[j].file);
				rc = PW_ECONFIG;
				goto out_free;
			}
	}
	if ((rc = build_index(c)) < 0)
		goto out_free;
	*ret = c;
	return 0;
out_free:
	if (!err[0])
		snprintf(err, CAT_ERR_MAX, "%s", pw_strerror(rc));
	catalog_free(c);
	return rc;
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
	size_t lo = 0, hi = c->n_index;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cat_indicator *x = c->index[mid];
		int r = strcmp(plan, x->plan->id);
		if (!r)
			r = strcmp(ind, x->id);
		if (!r)
			return x;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
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
