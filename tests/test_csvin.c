/* tests/test_csvin.c — the import CSV reader (client/csvin.c). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../client/csvin.h"
#include "check.h"

#define HDR "plan,indicator,period,value,unit,status,dept,yoy,reason,source"

/* Parses s in one piece; checks the result code; returns the parser (NULL on error). */
static struct csvin *parse(const char *s, int want, char err[CSVIN_ERR_MAX])
{
	struct csvin *c = NULL;
	char buf[CSVIN_ERR_MAX];
	int rc = csvin_parse(&c, s, strlen(s), err ? err : buf);
	if (rc != want)
		fprintf(stderr, "parsing '%.60s...': %s\n", s, err ? err : buf);
	CHECK_RC(rc, want);
	CHECK((c != NULL) == (want == 0));
	return c;
}

/* The same text fed in pieces of `step` bytes must give the same rows. */
static void check_split(const char *s, size_t step, const struct csvin *whole)
{
	struct csvin *c;
	size_t len = strlen(s);
	CHECK_OK(csvin_new(&c));
	for (size_t i = 0; i < len; i += step)
		CHECK_OK(csvin_feed(c, s + i, len - i < step ? len - i : step));
	CHECK_OK(csvin_end(c));
	CHECK(csvin_count(c) == csvin_count(whole));
	for (size_t i = 0; i < csvin_count(c); i++) {
		struct csvin_row *a = csvin_row(c, i), *b = csvin_row((struct csvin *)whole, i);
		CHECK(a->line == b->line);
		for (int k = 0; k < CSVIN_COLS; k++)
			CHECK(strcmp(a->col[k], b->col[k]) == 0);
	}
	csvin_free(c);
}

/* Checks that parsing fails with want and that the message starts with "line N:". */
static void check_fails(const char *s, int want, long line, const char *needle)
{
	char err[CSVIN_ERR_MAX], prefix[32];
	CHECK(parse(s, want, err) == NULL);
	snprintf(prefix, sizeof(prefix), "line %ld: ", line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || (needle && !strstr(err, needle))) {
		fprintf(stderr, "unexpected message '%s' (wanted '%s...%s')\n", err, prefix,
			needle ? needle : "");
		abort();
	}
}

static void test_basic(void)
{
	/* The file of tests/cli.sh: a quoted comma, the row numbers the CLI reports. */
	const char *s = HDR "\n"
			    "test-plan,urbanization,2021,55.9,%,final,统计局,,,seed:1\n"
			    "test-plan,urbanization,2022,56.4,%,final,统计局,,,seed:2\n"
			    "test-plan,urbanization,2023,56.8,万元,final,统计局,,,seed:3\n"
			    "test-plan,unemployment,2023,1.8,%,final,人社局,,\"年报, 修订\",seed:4\n";
	struct csvin *c = parse(s, 0, NULL);
	CHECK(csvin_count(c) == 4);
	struct csvin_row *r = csvin_row(c, 2);
	CHECK(r->line == 4);
	CHECK(strcmp(r->col[CSVIN_UNIT], "万元") == 0);
	CHECK(strcmp(r->col[CSVIN_YOY], "") == 0);
	CHECK(r->err == 0);
	r = csvin_row(c, 3);
	CHECK(r->line == 5);
	CHECK(strcmp(r->col[CSVIN_REASON], "年报, 修订") == 0);
	CHECK(strcmp(r->col[CSVIN_DEPT], "人社局") == 0);
	CHECK(strcmp(r->col[CSVIN_SOURCE], "seed:4") == 0);
	CHECK(csvin_row(c, 4) == NULL);
	CHECK(strcmp(csvin_error(c), "") == 0);
	for (size_t step = 1; step <= 7; step++)
		check_split(s, step, c);
	csvin_free(c);

	/* Header only: no rows, no error. No newline at the end of the last row. */
	c = parse(HDR, 0, NULL);
	CHECK(csvin_count(c) == 0);
	csvin_free(c);
	c = parse(HDR "\np,i,2024,1,%,final,d,,,s", 0, NULL);
	CHECK(csvin_count(c) == 1 && csvin_row(c, 0)->line == 2);
	CHECK(strcmp(csvin_row(c, 0)->col[CSVIN_SOURCE], "s") == 0);
	csvin_free(c);

	/* Unquoted fields lose surrounding blanks; quoted ones keep them. */
	c = parse(HDR "\n p , i ,2024, 1.5 ,%,final,d,,\"  two  \",s\n", 0, NULL);
	CHECK(strcmp(csvin_row(c, 0)->col[CSVIN_PLAN], "p") == 0);
	CHECK(strcmp(csvin_row(c, 0)->col[CSVIN_VALUE], "1.5") == 0);
	CHECK(strcmp(csvin_row(c, 0)->col[CSVIN_REASON], "  two  ") == 0);
	csvin_free(c);

	/* Doubled quotes inside a quoted field. */
	c = parse(HDR "\np,i,2024,1,%,final,d,,\"他说\"\"修订\"\"\",s\n", 0, NULL);
	CHECK(strcmp(csvin_row(c, 0)->col[CSVIN_REASON], "他说\"修订\"") == 0);
	csvin_free(c);
}

static void test_header(void)
{
	check_fails("", PW_EFIELD, 1, "empty");
	check_fails("\n\n  \n", PW_EFIELD, 4, "empty");
	check_fails("plan,indicator,period\n", PW_EFIELD, 1, "no column 'value' (数值)");
	check_fails("plan,indicator,period,value,unit,status\n", PW_EFIELD, 1,
		    "no column 'dept' (报送单位)");
	check_fails(HDR ",extra\n", PW_EFIELD, 1, "header field 11 is 'extra', not a column");
	check_fails("plan,indicator,period,value,unit,status,department,yoy,reason,source\n",
		    PW_EFIELD, 1, "header field 7 is 'department'");
	check_fails("Plan,indicator,period,value,unit,status,dept,yoy,reason,source\n", PW_EFIELD,
		    1, "'Plan'");
	check_fails(HDR ",period\n", PW_EFIELD, 1, "header field 11: column 'period' twice");
	/* A series is named by its region, or by a plan of it: one of them (or both). */
	check_fails("indicator,period,value,unit,status,dept\n", PW_EFIELD, 1,
		    "no column 'region' (地区) nor 'plan' (规划)");
	check_fails(HDR ",地区,region\n", PW_EFIELD, 1, "column 'region' twice");
	struct csvin *rc = parse("地区,指标,期别,数值,单位,数据状态,报送单位\n"
				 "quangang,gdp,2025,1062,亿元,final,统计局\n", 0, NULL);
	CHECK(strcmp(csvin_row(rc, 0)->col[CSVIN_REGION], "quangang") == 0);
	CHECK(strcmp(csvin_row(rc, 0)->col[CSVIN_PLAN], "") == 0);
	csvin_free(rc);
	rc = parse("region,plan,indicator,period,value,unit,status,dept\n"
		   "quangang,quangang-14,gdp,2025,1062,亿元,final,统计局\n", 0, NULL);
	CHECK(strcmp(csvin_row(rc, 0)->col[CSVIN_REGION], "quangang") == 0);
	CHECK(strcmp(csvin_row(rc, 0)->col[CSVIN_PLAN], "quangang-14") == 0);
	csvin_free(rc);
	check_fails(HDR ",时期\n", PW_EFIELD, 1, "column 'period' twice");
	/* A data row where the header should be. */
	check_fails("\n\ntest-plan,gdp,2026Q3,812.5,亿元,flash,统计局,5.8,,\n", PW_EFIELD, 3,
		    "header field 1 is 'test-plan'");
	/* The header has 64 fields at most. */
	char wide[1024];
	int k = snprintf(wide, sizeof(wide), "%s", HDR);
	for (int i = 0; i < 54; i++)
		k += snprintf(wide + k, sizeof(wide) - (size_t)k, ",");
	snprintf(wide + k, sizeof(wide) - (size_t)k, "\n");
	csvin_free(parse(wide, 0, NULL)); /* 64 */
	snprintf(wide + k, sizeof(wide) - (size_t)k, ",\n");
	check_fails(wide, PW_EFIELD, 1, "65 fields, more than 64");
	/* Any order, Chinese names, ignored and optional columns: rows land by column. */
	struct csvin *z = parse("指标名称,报送单位,指标代码,期别,数值,计量单位,数据状态,规划,说明\n"
				"地区生产总值,统计局,gdp,2026年1-10月,812.5,亿元,快报,p,注\n",
				0, NULL);
	struct csvin_row *zr = csvin_row(z, 0);
	CHECK(strcmp(zr->col[CSVIN_PLAN], "p") == 0 && strcmp(zr->col[CSVIN_IND], "gdp") == 0);
	CHECK(strcmp(zr->col[CSVIN_DEPT], "统计局") == 0);
	CHECK(strcmp(zr->col[CSVIN_PERIOD], "2026年1-10月") == 0);
	CHECK(strcmp(zr->col[CSVIN_VALUE], "812.5") == 0);
	CHECK(strcmp(zr->col[CSVIN_UNIT], "亿元") == 0);
	CHECK(strcmp(zr->col[CSVIN_STATUS], "快报") == 0);
	CHECK(strcmp(zr->col[CSVIN_REASON], "注") == 0);
	CHECK(strcmp(zr->col[CSVIN_YOY], "") == 0 && strcmp(zr->col[CSVIN_SOURCE], "") == 0);
	csvin_free(z);
	/* A blank header field (a spreadsheet's trailing column) is not imported. */
	z = parse(HDR ",\np,i,2024,1,%,final,d,,,s,ignored\n", 0, NULL);
	CHECK(strcmp(csvin_row(z, 0)->col[CSVIN_SOURCE], "s") == 0);
	csvin_free(z);
	/* Quoted header names are the same names. */
	struct csvin *c = parse("\"plan\",indicator,period,value,unit,status,dept,yoy,reason,"
				"\"source\"\r\n",
				0, NULL);
	csvin_free(c);
}

static void test_lines(void)
{
	/* Blank lines, blank-looking lines and rows of empty fields are skipped; line
	 * numbers stay those of the file. */
	const char *s = "\n" HDR "\n"
			"\n"
			"   \n"
			",,,,,,,,,\n"
			"p,i,2021,1,%,final,d,,,s\n"
			"\"\"\n"
			"p,i,2022,2,%,final,d,,,s\n";
	struct csvin *c = parse(s, 0, NULL);
	CHECK(csvin_count(c) == 2);
	CHECK(csvin_row(c, 0)->line == 6);
	CHECK(csvin_row(c, 1)->line == 8);
	for (size_t step = 1; step <= 3; step++)
		check_split(s, step, c);
	csvin_free(c);

	/* A quoted field with line breaks: the row starts on line 2, the next one is on 5. */
	s = HDR "\n"
		"p,i,2021,1,%,final,d,,\"第一行\n第二行\n第三行\",s\n"
		"p,i,2022,2,%,final,d,,,s\n";
	c = parse(s, 0, NULL);
	CHECK(csvin_count(c) == 2);
	CHECK(csvin_row(c, 0)->line == 2);
	CHECK(strcmp(csvin_row(c, 0)->col[CSVIN_REASON], "第一行\n第二行\n第三行") == 0);
	CHECK(csvin_row(c, 1)->line == 5);
	check_split(s, 1, c);
	csvin_free(c);

	/* CRLF (Excel), with a CRLF inside a quoted field, and old Mac CR endings. */
	s = HDR "\r\n"
		"p,i,2021,1,%,final,d,,\"a\r\nb\",s\r\n"
		"\r\n"
		"p,i,2022,2,%,final,d,,,s\r\n";
	c = parse(s, 0, NULL);
	CHECK(csvin_count(c) == 2);
	CHECK(csvin_row(c, 0)->line == 2);
	CHECK(strcmp(csvin_row(c, 0)->col[CSVIN_REASON], "a\r\nb") == 0);
	CHECK(csvin_row(c, 1)->line == 5);
	for (size_t step = 1; step <= 4; step++)
		check_split(s, step, c);
	csvin_free(c);
	c = parse(HDR "\rp,i,2021,1,%,final,d,,,s\r\rp,i,2022,2,%,final,d,,,s\r", 0, NULL);
	CHECK(csvin_count(c) == 2);
	CHECK(csvin_row(c, 0)->line == 2 && csvin_row(c, 1)->line == 4);
	csvin_free(c);
}

static void test_field_count(void)
{
	check_fails(HDR "\np,i,2021,1,%,final,d,,,s\np,i,2022,2,%,final,d,,s\n", PW_EFIELD, 3,
		    "9 fields, expected 10 as in the header");
	check_fails(HDR "\np,i,2021,1,%,final,d,,,s,\n", PW_EFIELD, 2, "11 fields");
	/* An unquoted comma in the reason shifts the fields: reported on the row's line,
	 * also after a multi-line field and blank lines. */
	check_fails(HDR "\n"
			"p,i,2021,1,%,final,d,,\"x\ny\",s\n"
			"\n"
			"p,i,2022,2,%,final,d,,年报, 修订,s\n",
		    PW_EFIELD, 5, "11 fields");
	/* The last row without its newline. */
	check_fails(HDR "\np,i,2021", PW_EFIELD, 2, "3 fields");
}

static void test_quotes(void)
{
	/* Strict RFC 4180: a quote inside an unquoted field, text after a closing quote. */
	check_fails(HDR "\np,i,2021,1,%,final,d,,年报\"修订\",s\n", PW_EPROTO, 2, "misplaced");
	check_fails(HDR "\np,i,2021,1,%,final,d,,\"x\ny\"z,s\n", PW_EPROTO, 3, "misplaced");
	/* A quote never closed: reported where the field starts. */
	check_fails(HDR "\np,i,2021,1,%,final,d,,,s\np,i,2022,2,%,final,d,,\"oops,s\n", PW_EPROTO,
		    3, "not closed");
	/* A runaway quote in a big file stops at the field limit, not at the end. */
	size_t n = 200000;
	char *big = malloc(n + 200);
	CHECK(big);
	int k = snprintf(big, 200, "%s\np,i,2021,1,%%,final,d,,\"", HDR);
	memset(big + k, 'x', n);
	big[k + n] = '\0';
	char err[CSVIN_ERR_MAX];
	CHECK(parse(big, PW_ETOOBIG, err) == NULL);
	/* A closed but over-long field. */
	snprintf(big, 200, "%s\np,i,2021,1,%%,final,d,,\"", HDR);
	k = (int)strlen(big);
	memset(big + k, 'y', CSVIN_MAX_FIELD + 1);
	snprintf(big + k + CSVIN_MAX_FIELD + 1, 10, "\",s\n");
	check_fails(big, PW_ETOOBIG, 2, "longer than");
	/* Exactly at the limit is fine. */
	snprintf(big, 200, "%s\np,i,2021,1,%%,final,d,,\"", HDR);
	memset(big + k, 'y', CSVIN_MAX_FIELD);
	snprintf(big + k + CSVIN_MAX_FIELD, 10, "\",s\n");
	struct csvin *c = parse(big, 0, NULL);
	CHECK(strlen(csvin_row(c, 0)->col[CSVIN_REASON]) == CSVIN_MAX_FIELD);
	csvin_free(c);
	free(big);
}

static void test_encoding(void)
{
	/* A UTF-8 BOM is dropped, also when it arrives one byte at a time. */
	const char *s = "\xef\xbb\xbf" HDR "\np,i,2021,1,%,final,统计局,,,s\n";
	struct csvin *c = parse(s, 0, NULL);
	CHECK(csvin_count(c) == 1 && csvin_row(c, 0)->line == 2);
	check_split(s, 1, c);
	check_split(s, 2, c);
	csvin_free(c);
	/* A BOM alone is an empty file; a BOM in the middle is text (and not a header). */
	check_fails("\xef\xbb\xbf", PW_EFIELD, 1, "empty");
	check_fails("\xef\xbb\xbf\xef\xbb\xbf" HDR "\n", PW_EFIELD, 1, "header field 1");
	/* Short files that start like a BOM. */
	check_fails("\xef", PW_EUTF8, 1, "not UTF-8");
	check_fails("\xef\xbb", PW_EUTF8, 1, "not UTF-8");
	/* UTF-16 (Excel "Unicode text") and GBK are refused with a hint. */
	check_fails("\xff\xfep\0l\0a\0n\0", PW_EPROTO, 1, "UTF-16");
	check_fails("\xfe\xff\0p\0l", PW_EPROTO, 1, "UTF-16");
	check_fails(HDR "\np,i,2021,1,%,final,\xcd\xb3\xbc\xc6\xbe\xd6,,,s\n", PW_EUTF8, 2,
		    "field 7 is not UTF-8");
	/* A NUL byte inside a field (strlen would cut it short). */
	char nul[200];
	int k = snprintf(nul, sizeof(nul), "%s\np,i,2021,1,%%,final,d,,", HDR);
	memcpy(nul + k, "a\0b,s\n", 6);
	struct csvin *d;
	char err[CSVIN_ERR_MAX];
	CHECK_RC(csvin_parse(&d, nul, (size_t)k + 6, err), PW_EPROTO);
	CHECK(strstr(err, "line 2: NUL byte in field 9"));
}

static void test_api(void)
{
	struct csvin *c;
	char err[CSVIN_ERR_MAX];

	CHECK_RC(csvin_new(NULL), PW_EINVAL);
	CHECK_RC(csvin_parse(NULL, "", 0, err), PW_EINVAL);
	CHECK_RC(csvin_parse(&c, NULL, 1, err), PW_EINVAL);
	CHECK_RC(csvin_feed(NULL, "x", 1), PW_EINVAL);
	CHECK_RC(csvin_end(NULL), PW_EINVAL);
	CHECK(csvin_count(NULL) == 0 && csvin_row(NULL, 0) == NULL);
	csvin_free(NULL);

	/* Errors are sticky; feeding after the end is a caller bug. */
	CHECK_OK(csvin_new(&c));
	CHECK_RC(csvin_feed(c, "a,b\n", 4), PW_EFIELD);
	CHECK_RC(csvin_feed(c, HDR "\n", strlen(HDR) + 1), PW_EFIELD);
	CHECK_RC(csvin_end(c), PW_EFIELD);
	CHECK(strstr(csvin_error(c), "line 1: header field 1 is 'a'"));
	csvin_free(c);
	CHECK_OK(csvin_new(&c));
	CHECK_OK(csvin_feed(c, HDR, strlen(HDR)));
	CHECK_OK(csvin_feed(c, NULL, 0));
	CHECK_OK(csvin_end(c));
	CHECK_RC(csvin_feed(c, "\n", 1), PW_EINVAL);
	CHECK_RC(csvin_end(c), PW_EINVAL);
	/* The caller may mark rows. */
	csvin_free(c);
	c = parse(HDR "\np,i,2021,1,%,final,d,,,s\n", 0, NULL);
	csvin_row(c, 0)->err = PW_EUNIT;
	CHECK(csvin_row(c, 0)->err == PW_EUNIT);
	csvin_free(c);
}

int main(void)
{
	test_basic();
	test_header();
	test_lines();
	test_field_count();
	test_quotes();
	test_encoding();
	test_api();
	printf("test_csvin: ok\n");
	return 0;
}
