/* tests/test_template.c — the department sheet (client/template.c, libxlsxwriter), read
 * back through the import (csvin + xlsxin): what is written is what imports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../client/csvin.h"
#include "../client/template.h"
#include "check.h"

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc((size_t)n);
	CHECK(b && fread(b, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

int main(void)
{
	char dir[] = "/tmp/test_template_XXXXXX", path[64], err[TEMPLATE_ERR_MAX];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/t.xlsx", dir);
	struct template_sheet sh = { .region = "test", .dept = "统计局" };
	CHECK_OK(period_parse(&sh.period, "2026-10", 7));
	const struct template_ind inds[] = {
		{ "gdp", "地区生产总值", "亿元", true },
		{ "cpi", "居民消费价格指数", "%", false },
	};
	CHECK_OK(template_write(path, &sh, inds, 2, err));

	size_t len;
	unsigned char *buf = slurp(path, &len);
	struct csvin *c;
	char cerr[CSVIN_ERR_MAX];
	CHECK_OK(csvin_parse(&c, buf, len, cerr));
	CHECK(csvin_count(c) == 2);
	struct csvin_row *r = csvin_row(c, 0);
	CHECK(r->line == 2);
	/* series are the region's (issue 16): the sheet names the region, not a plan */
	CHECK(strcmp(r->col[CSVIN_REGION], "test") == 0 && !r->col[CSVIN_PLAN][0] &&
	      strcmp(r->col[CSVIN_IND], "gdp") == 0);
	CHECK(strcmp(r->col[CSVIN_PERIOD], "2026年1-10月") == 0); /* cumulative */
	CHECK(strcmp(r->col[CSVIN_UNIT], "亿元") == 0 && strcmp(r->col[CSVIN_STATUS], "快报") == 0);
	CHECK(strcmp(r->col[CSVIN_DEPT], "统计局") == 0);
	CHECK(!r->col[CSVIN_VALUE][0] && !r->col[CSVIN_YOY][0] && !r->col[CSVIN_REASON][0]);
	r = csvin_row(c, 1);
	CHECK(r->line == 3 && strcmp(r->col[CSVIN_PERIOD], "2026年10月") == 0);
	CHECK(strcmp(r->col[CSVIN_UNIT], "%") == 0);
	csvin_free(c);
	free(buf);

	/* Arguments; a directory that does not exist. */
	CHECK_RC(template_write(NULL, &sh, inds, 2, err), PW_EINVAL);
	CHECK_RC(template_write(path, &sh, inds, 0, err), PW_EINVAL);
	struct template_sheet nodept = sh, noregion = sh;
	nodept.dept = NULL;
	noregion.region = NULL;
	CHECK_RC(template_write(path, &nodept, inds, 2, err), PW_EINVAL);
	CHECK_RC(template_write(path, &noregion, inds, 2, err), PW_EINVAL);
	const struct template_ind noname[] = { { "gdp", NULL, "亿元", true } };
	CHECK_RC(template_write(path, &sh, noname, 1, err), PW_EINVAL);
	CHECK_RC(template_write("/nonexistent/dir/t.xlsx", &sh, inds, 2, err), PW_ESYS);
	CHECK(strstr(err, "/nonexistent/dir/t.xlsx"));
	unlink(path);
	rmdir(dir);
	printf("test_template: ok\n");
	return 0;
}
