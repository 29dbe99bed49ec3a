/* tests/test_catalog.c — catalog loading, lookups and file:line errors. */
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

static const char *HEAD = "plan:\n  id: p1\n  name: 测试\n  baseline_year: 2020\n"
			  "  target_year: 2025\nindicators:\n";
static const char *IND = "  - id: gdp\n    name: 地区生产总值\n    name_en: GDP\n"
			 "    category: 经济发展\n    unit: 亿元\n    attribute: expected\n"
			 "    kind: growth\n    baseline: {year: 2020, value: 734.44}\n"
			 "    target: {year: 2025, value: 1000}\n    growth: 6\n"
			 "    frequency: quarterly\n    form: ytd\n    departments: [统计局]\n"
			 "    bounds: {min: 0, max: 5000}\n"
			 "    source: {file: 000_612fed59f6b5e226.txt, line: 238}\n";

/* Loads HEAD + IND with `extra` appended to the indicator; expects rc and, on failure,
 * an error naming `line`. */
static void expect(const char *extra, int want, int line)
{
	char text[4096], err[CAT_ERR_MAX], needle[32];
	struct catalog *c = NULL;
	snprintf(text, sizeof(text), "%s%s%s", HEAD, IND, extra);
	const char *path = write_file("c.yaml", text);
	int rc = catalog_load(&c, &path, 1, err);
	if (rc != want)
		fprintf(stderr, "extra '%s': %s\n", extra, err);
	CHECK_RC(rc, want);
	if (rc < 0) {
		snprintf(needle, sizeof(needle), "c.yaml:%d: ", line);
		if (!strstr(err, needle))
			fprintf(stderr, "error '%s' lacks '%s'\n", err, needle);
		CHECK(strstr(err, needle) != NULL);
	}
	catalog_free(c);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pwcat.XXXXXX");
	CHECK(mkdtemp(tmpdir));

	/* A good file loads and is indexed. */
	expect("", 0, 0);
	char err[CAT_ERR_MAX];
	struct catalog *c;
	char text[4096];
	snprintf(text, sizeof(text), "%s%s%s", HEAD, IND,
		 "  - id: forest\n    name: 森林覆盖率\n    name_en: Forest\n    category: 生态\n"
		 "    unit: \"%\"\n    attribute: binding\n    kind: keep\n"
		 "    baseline: {year: 2020, value: 41.41}\n    departments: [林业局, 统计局]\n"
		 "    source: {file: x.txt, line: 1}\n");
	const char *path = write_file("ok.yaml", text);
	CHECK_OK(catalog_load(&c, &path, 1, err));
	CHECK(catalog_n_plans(c) == 1 && catalog_n_indicators(c) == 2);
	const struct cat_indicator *g = catalog_find(c, "p1", "gdp");
	CHECK(g && g->kind == CAT_GROWTH && g->freq == PERIOD_QUARTER && g->form == CAT_FORM_YTD);
	CHECK(g->has_base && g->base == 734.44 && g->target == 1000 && g->growth == 6);
	CHECK(g->due_days == 20 && g->source_line == 238 && g->direction == 1);
	const struct cat_indicator *f = catalog_find(c, "p1", "forest");
	CHECK(f && f->attribute == CAT_BINDING && f->freq == PERIOD_ANNUAL && f->due_days == 60);
	CHECK(cat_dept_allowed(f, "统计局") && !cat_dept_allowed(f, "财政局"));
	CHECK(catalog_find(c, "p1", "nope") == NULL && catalog_find(c, "p2", "gdp") == NULL);
	CHECK(f->target_year == 2025); /* defaults to the plan's */
	catalog_free(c);

	/* Every error names the file and the line of the offending node. */
	expect("    colour: blue\n", PW_ECONFIG, 22);
	expect("  - id: gdp\n    name: x\n    name_en: x\n    category: x\n    unit: x\n"
	       "    attribute: expected\n    kind: info\n    departments: [a]\n"
	       "    source: {file: f, line: 1}\n", PW_ECONFIG, 22);
	expect("  - id: Bad-Id\n", PW_ECONFIG, 22);
	expect("  - id: x2\n    name: x\n    name_en: x\n    category: x\n    unit: x\n"
	       "    attribute: mandatory\n", PW_ECONFIG, 27);
	expect("  - id: x3\n    name: x\n    name_en: x\n    category: x\n    unit: x\n"
	       "    attribute: binding\n    kind: ceiling\n    departments: [a]\n"
	       "    source: {file: f, line: 1}\n", PW_ECONFIG, 22);
	expect("  - id: x4\n    name: x\n    name_en: x\n    category: x\n    unit: x\n"
	       "    attribute: binding\n    kind: info\n    departments: []\n"
	       "    source: {file: f, line: 1}\n", PW_ECONFIG, 22);
	expect("  - id: x5\n    name: x\n    name_en: x\n    category: x\n    unit: x\n"
	       "    attribute: binding\n    kind: info\n    departments: [a]\n"
	       "    bounds: {min: 5, max: 1}\n    source: {file: f, line: 1}\n", PW_ECONFIG, 30);
	expect("  - id: x6\n    name: x\n    name_en: x\n    category: x\n    unit: x\n"
	       "    attribute: binding\n    kind: info\n    departments: [a]\n"
	       "    growth: lots\n    source: {file: f, line: 1}\n", PW_ECONFIG, 30);
	expect("  - id: x7\n  bad indent: [\n", PW_ECONFIG, 23);

	/* Two files defining one plan: refused, nothing loaded. */
	const char *two[2];
	two[0] = write_file("a.yaml", text);
	char copy[4096];
	snprintf(copy, sizeof(copy), "%s", text);
	static char pathb[128];
	snprintf(pathb, sizeof(pathb), "%s", write_file("b.yaml", copy));
	two[1] = pathb;
	CHECK_RC(catalog_load(&c, two, 2, err), PW_ECONFIG);
	CHECK(strstr(err, "already defined") != NULL);
	const char *missing = "/nonexistent/catalog.yaml";
	CHECK_RC(catalog_load(&c, &missing, 1, err), PW_ESYS);
	CHECK(strstr(err, missing) != NULL);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	CHECK(system(cmd) == 0);
	printf("test_catalog: ok\n");
	return 0;
}
