/* tests/fuzz/fuzz_catalog.c — libFuzzer target for the catalog loader (model/catalog.c,
 * model/ydoc.c, libyaml underneath).
 *
 * The input is written to /tmp/pw-fuzz-catalog.<pid>.yaml and loaded with catalog_load()
 * after a fixed format-2 region file (region 350599 "fz", series a (annual) and b (monthly)),
 * so the input may be a plan on region fz or a region file (a file of the retired format 1
 * must be refused). A failed load must leave a "FILE:LINE: ..." message naming the file. A
 * loaded catalog
 * must be internally consistent: every indicator is found by catalog_find() under its
 * own ids, ids are valid, years and enums are in range, bounds are ordered, every
 * indicator has a department, and the index counts every indicator once. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../model/catalog.h"
#include "../../proto/err.h"
#include "../../proto/period.h"

#define FAIL(...)                                                     \
	do {                                                          \
		fprintf(stderr, "fuzz_catalog: property violated: "); \
		fprintf(stderr, __VA_ARGS__);                         \
		fputc('\n', stderr);                                  \
		abort();                                              \
	} while (0)

static char path[64], region_path[80];

static const char REGION[] =
	"region:\n  id: \"350599\"\n  alias: fz\n  name: 测试区\nseries:\n"
	"  - id: a\n    name: 甲\n    name_en: A\n    category: c\n    unit: 亿元\n"
	"    frequency: annual\n    form: level\n    departments: [统计局]\n"
	"  - id: b\n    name: 乙\n    name_en: B\n    category: c\n    unit: '%'\n"
	"    frequency: monthly\n    form: ytd\n    departments: [统计局, 财政局]\n"
	"    due_days: 15\n    first_due: 2026-02\n    source: {file: f.txt, line: 1}\n";

static void cleanup(void)
{
	if (path[0])
		unlink(path);
	if (region_path[0])
		unlink(region_path);
}

static bool id_ok(const char *s, bool dash)
{
	size_t n = strlen(s);
	if (n == 0 || n > CAT_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      (dash && s[i] == '-')))
			return false;
	return true;
}

static void check(const struct catalog *c)
{
	size_t total = 0;

	if (catalog_n_plans(c) > 1)
		FAIL("one plan file gave %zu plans", catalog_n_plans(c));
	if (catalog_n_regions(c) < 1 || catalog_n_regions(c) > 2 ||
	    catalog_region(c, "fz") != catalog_region(c, "350599"))
		FAIL("regions: %zu", catalog_n_regions(c));
	for (size_t i = 0; i < catalog_n_plans(c); i++) {
		const struct cat_plan *p = catalog_plan_at(c, i);
		if (!p || !p->id || !p->name || !id_ok(p->id, true))
			FAIL("plan %zu: bad id or name", i);
		if (catalog_plan(c, p->id) != p)
			FAIL("catalog_plan('%s') does not find it", p->id);
		if (p->base_year < PERIOD_YEAR_MIN || p->target_year > PERIOD_YEAR_MAX ||
		    p->base_year >= p->target_year || p->start_year <= p->base_year ||
		    p->start_year > p->target_year)
			FAIL("plan '%s': years %d, %d..%d", p->id, p->base_year, p->start_year,
			     p->target_year);
		if (p->status < CAT_DRAFT || p->status > CAT_CLOSED)
			FAIL("plan '%s': status %d", p->id, p->status);
		if (p->n_inds == 0 || !p->inds)
			FAIL("plan '%s' has no indicators", p->id);
		total += p->n_inds;
		for (size_t j = 0; j < p->n_inds; j++) {
			const struct cat_indicator *x = &p->inds[j];
			if (!x->id || !id_ok(x->id, false))
				FAIL("plan '%s' indicator %zu: bad id", p->id, j);
			if (catalog_find(c, p->id, x->id) != x)
				FAIL("catalog_find('%s', '%s') does not find it", p->id, x->id);
			if (x->plan != p)
				FAIL("'%s': wrong plan back-pointer", x->id);
			/* Every target is on a series of the plan's region. */
			if (!p->region || !x->series || x->series->region != p->region ||
			    catalog_series(p->region, x->id) != x->series ||
			    strcmp(cat_owner(x), p->region->id) != 0)
				FAIL("'%s': series of another region", x->id);
			if (!x->name || !x->name_en || !x->category || !x->unit ||
			    strlen(x->unit) > 32)
				FAIL("'%s': a required text is missing", x->id);
			if (x->attribute != CAT_EXPECTED && x->attribute != CAT_BINDING &&
			    x->attribute != CAT_ATTR_NONE)
				FAIL("'%s': attribute %d", x->id, x->attribute);
			if (x->kind < CAT_GROWTH || x->kind > CAT_INFO)
				FAIL("'%s': kind %d", x->id, x->kind);
			if (x->direction != 1 && x->direction != -1)
				FAIL("'%s': direction %d", x->id, x->direction);
			if (x->freq < PERIOD_ANNUAL || x->freq > PERIOD_MONTH)
				FAIL("'%s': frequency %d", x->id, x->freq);
			if (x->form != CAT_FORM_LEVEL && x->form != CAT_FORM_YTD)
				FAIL("'%s': form %d", x->id, x->form);
			if (x->n_depts == 0 || !x->depts)
				FAIL("'%s': no department", x->id);
			for (size_t k = 0; k < x->n_depts; k++) {
				if (!x->depts[k] || !x->depts[k][0] || strlen(x->depts[k]) > 64)
					FAIL("'%s': department %zu", x->id, k);
				if (!cat_dept_allowed(x, x->depts[k]))
					FAIL("'%s': own department refused", x->id);
			}
			if ((x->has_base && !isfinite(x->base)) ||
			    (x->has_target && !isfinite(x->target)) ||
			    (x->has_growth && !isfinite(x->growth)) ||
			    (x->has_min && !isfinite(x->min)) || (x->has_max && !isfinite(x->max)))
				FAIL("'%s': a number is not finite", x->id);
			if (x->has_min && x->has_max && x->min > x->max)
				FAIL("'%s': bounds %g > %g", x->id, x->min, x->max);
			if (x->due_days < 0 || x->due_days > 400)
				FAIL("'%s': due_days %d", x->id, x->due_days);
			if (x->source_file && x->source_line < 1)
				FAIL("'%s': source", x->id);
			for (size_t k = 0; k < x->n_annual; k++) {
				const struct cat_annual *a = &x->annual[k];
				if (a->year < PERIOD_YEAR_MIN || a->year > PERIOD_YEAR_MAX ||
				    (!a->has_growth && !a->has_value) || !cat_in_window(p, a->year))
					FAIL("'%s': annual target %zu", x->id, k);
			}
			/* An id that differs only by a suffix must not be found. */
			char other[CAT_ID_MAX + 3];
			snprintf(other, sizeof(other), "%s~", x->id);
			if (catalog_find(c, p->id, other))
				FAIL("catalog_find found '%s'", other);
		}
	}
	if (catalog_n_indicators(c) != total)
		FAIL("index holds %zu of %zu indicators", catalog_n_indicators(c), total);
	if (catalog_find(c, "", "") || catalog_plan(c, ""))
		FAIL("empty ids found");
}

static void note(const char *msg, void *arg)
{
	(void)msg;
	++*(int *)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CAT_ERR_MAX];
	struct catalog *c = NULL;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/pw-fuzz-catalog.%ld.yaml", (long)getpid());
		atexit(cleanup);
	}
	if (!region_path[0]) {
		snprintf(region_path, sizeof(region_path), "/tmp/pw-fuzz-region.%ld.yaml",
			 (long)getpid());
		FILE *r = fopen(region_path, "wb");
		if (!r || fputs(REGION, r) < 0 || fclose(r) != 0)
			abort();
	}
	FILE *f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	/* The fixed region first: an error about the input then names the input. */
	const char *files[] = { region_path, path };
	int rc = catalog_load(&c, files, 2, err);
	if (rc == 0) {
		check(c);
		int n = 0;
		if (catalog_lint(c, note, &n) != n)
			FAIL("catalog_lint count differs from its callbacks");
		catalog_free(c);
	} else {
		if (c)
			FAIL("catalog_load failed but wrote *ret");
		if (rc != PW_ECONFIG && rc != PW_ENOMEM && rc != PW_ESYS)
			FAIL("catalog_load returned %d", rc);
		if (rc == PW_ECONFIG && strncmp(err, path, strlen(path)) != 0)
			FAIL("error '%s' does not start with the file name", err);
		if (rc == PW_ECONFIG) {
			/* FILE:LINE: with a line that exists (libyaml may point one past the end).
			 * libyaml also breaks lines at CR, NEL, LS and PS: count generously. */
			long lines = 1;
			for (size_t i = 0; i < size; i++)
				lines += data[i] == '\n' || data[i] == '\r' || data[i] == 0x85 ||
					 data[i] == 0xa8 || data[i] == 0xa9;
			char *end;
			const char *ln = err + strlen(path);
			long line = *ln == ':' ? strtol(ln + 1, &end, 10) : -1;
			if (line < 1 || line > lines + 1 || *end != ':')
				FAIL("error '%s': line outside 1..%ld", err, lines + 1);
		}
		if (!memchr(err, '\0', sizeof(err)))
			FAIL("error message not terminated");
	}
	return 0;
}
