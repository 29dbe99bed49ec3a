/* tests/test_unit.c — the unit table: spellings, dimensions, exact decimal conversion, and
 * every unit of catalog/ (every .yaml) being a canonical entry of the table. */
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../model/catalog.h"
#include "../model/unit.h"
#include "check.h"

static const struct unit *U(const char *s)
{
	const struct unit *u = unit_find(s);
	if (!u)
		fprintf(stderr, "unit '%s' not in the table\n", s);
	CHECK(u);
	return u;
}

/* Converts text from → to and checks the result is exactly the double strtod gives want. */
static void conv_text(const char *text, const char *from, const char *to, const char *want)
{
	double v = 0;
	int rc = unit_convert_text(text, U(from), U(to), &v);
	if (rc || v != strtod(want, NULL))
		fprintf(stderr, "%s %s -> %s: rc %d, %.17g, wanted %s\n", text, from, to, rc, v, want);
	CHECK_OK(rc);
	CHECK(v == strtod(want, NULL));
}

static void conv(double x, const char *from, const char *to, const char *want)
{
	double v = 0;
	CHECK_OK(unit_convert(x, U(from), U(to), &v));
	if (v != strtod(want, NULL))
		fprintf(stderr, "%.17g %s -> %s: %.17g, wanted %s\n", x, from, to, v, want);
	CHECK(v == strtod(want, NULL));
}

static void shift(const char *s, int k, const char *want)
{
	char out[128];
	int rc = unit_shift_text(s, k, out, sizeof(out));
	if (rc || strcmp(out, want) != 0)
		fprintf(stderr, "shift '%s' by %d: rc %d '%s', wanted '%s'\n", s, k, rc, out, want);
	CHECK_OK(rc);
	CHECK(strcmp(out, want) == 0);
}

static void test_table(void)
{
	/* spellings of one unit are one entry, named canonically */
	CHECK(U("ug/m³") == U("μg/m³") && U("μg/m3") == U("μg/m³") && U("ug/m3") == U("μg/m³"));
	CHECK(U("微克/立方米") == U("μg/m³") && U("\xc2\xb5g/m³") == U("μg/m³"));
	CHECK(U("毫克/立方米") == U("mg/m³") && U("mg/m3") == U("mg/m³"));
	CHECK(strcmp(unit_name(U("ug/m3")), "μg/m³") == 0);
	CHECK(U("百分点") == U("个百分点") && U("pp") == U("个百分点"));
	CHECK(U("％") == U("%"));
	CHECK(!unit_find("bogus") && !unit_find("") && !unit_find(NULL) && !unit_find("亿"));
	/* dimensions */
	CHECK(unit_same_dim(U("元"), U("亿元")) && unit_same_dim(U("μg/m³"), U("mg/m³")));
	CHECK(!unit_same_dim(U("亿元"), U("亿美元")));
	/* additive: sums (1-N月 - 1-(N-1)月 is the month), not averages or ratios */
	CHECK(unit_additive(U("亿元")) && unit_additive(U("万吨标准煤")) && unit_additive(U("天")));
	CHECK(!unit_additive(U("μg/m³")) && !unit_additive(U("%")) && !unit_additive(U("元/人")));
	CHECK(!unit_same_dim(U("%"), U("个百分点")));
	CHECK(!unit_same_dim(U("家"), U("件")) && !unit_same_dim(U("个"), U("家")));
	CHECK(!unit_same_dim(U("件"), U("件/万人")));
	CHECK(!unit_same_dim(U("亩"), U("公顷")) && !unit_same_dim(U("人"), U("人次")));
	CHECK(unit_same_dim(U("人"), U("名")) && unit_same_dim(U("%"), U("‰")));
	/* every canonical name finds itself, every name is unique, every unit has a dimension */
	size_t n = 0;
	for (const struct unit *u; (u = unit_at(n)); n++) {
		CHECK(unit_find(unit_name(u)) == u);
		CHECK(unit_dim_name(u) && unit_dim_name(u)[0]);
	}
	CHECK(n > 40 && !unit_at(n));
	/* each dimension's units stand together (the accepted lists and planwatch units rely
	 * on it) */
	for (size_t i = 1; i < n; i++)
		if (!unit_same_dim(unit_at(i), unit_at(i - 1)))
			for (size_t j = 0; j < i; j++)
				CHECK(!unit_same_dim(unit_at(i), unit_at(j)));
	CHECK(unit_alias(U("ug/m3"), 0) && !unit_alias(U("亿美元"), 0));
	/* the accepted list of a dimension, in table order, cut safely */
	char buf[128];
	CHECK(unit_accepted(U("亿美元"), buf, sizeof(buf)) == strlen("美元, 万美元, 亿美元"));
	CHECK(strcmp(buf, "美元, 万美元, 亿美元") == 0);
	unit_accepted(U("元"), buf, sizeof(buf));
	CHECK(strcmp(buf, "元, 千元, 万元, 亿元, 万亿元") == 0);
	unit_accepted(U("ug/m3"), buf, sizeof(buf));
	CHECK(strcmp(buf, "μg/m³, mg/m³") == 0);
	size_t need = unit_accepted(U("元"), buf, 5);
	CHECK(need == strlen("元, 千元, 万元, 亿元, 万亿元") && strlen(buf) < 5);
}

static void test_shift(void)
{
	shift("32570", -4, "3.257");
	shift("32570", 0, "32570");
	shift("3.257", 4, "32570");
	shift("-0.50", 1, "-5");
	shift("007.100", 0, "7.1");
	shift("0.0001", 4, "1");
	shift("1", -7, "0.0000001");
	shift(".5", 0, "0.5");
	shift("5.", 2, "500");
	shift("+12", -3, "0.012");
	shift("1.5e3", -4, "0.15");
	shift("15E-1", 1, "15");
	shift("0", 8, "0");
	shift("-0.000", -8, "0");
	shift("0e99999", 0, "0");
	shift("123456789012345678901234567890", -30, "0.12345678901234567890123456789");
	char out[8];
	CHECK_RC(unit_shift_text("123456789", 0, out, sizeof(out)), PW_ETOOBIG);
	CHECK_RC(unit_shift_text("1", 20, out, sizeof(out)), PW_ETOOBIG);
	CHECK_RC(unit_shift_text("1e9999", 1, out, sizeof(out)), PW_ERANGE);
	CHECK_RC(unit_shift_text("1e10000", 0, out, sizeof(out)), PW_ERANGE);
	/* not decimal text */
	const char *bad[] = { "", "-", ".", "e5", "1e", "1e+", "1.2.3", "1,5", " 1", "1 ", "0x10",
			      "inf", "nan", "1e5.3", "--1", "三" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_RC(unit_shift_text(bad[i], 0, out, sizeof(out)), PW_EINVAL);
	char lng[UNIT_TEXT_MAX + 2];
	memset(lng, '1', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	CHECK_RC(unit_shift_text(lng, 0, out, sizeof(out)), PW_ETOOBIG);
	lng[UNIT_TEXT_MAX] = '\0'; /* exactly the limit is fine */
	char big[128];
	CHECK_OK(unit_shift_text(lng, 0, big, sizeof(big)));
}

static void test_convert(void)
{
	double v;

	/* the seed figure: 32570 元 into a 万元 indicator is 3.257 */
	conv_text("32570", "元", "万元", "3.257");
	conv(32570, "元", "万元", "3.257");
	conv(3.257, "万元", "元", "32570");
	conv(7.38, "亿元", "万元", "73800");
	conv(32570, "元", "千元", "32.57");
	conv(0.0044, "亿元", "万元", "44");
	conv(4.4, "万元", "亿元", "0.00044");
	CHECK(4.4 * 1e-4 != 0.00044); /* what multiplying would have stored: 0.00044000000000000007 */
	conv(21, "μg/m³", "mg/m³", "0.021");
	conv(21, "ug/m3", "mg/m³", "0.021");
	conv(0.021, "mg/m³", "μg/m³", "21");
	conv(0.035, "毫克/立方米", "微克/立方米", "35");
	conv(5, "‰", "%", "0.5");
	conv(1.23, "万人", "人", "12300");
	conv(0.1, "元", "亿元", "1e-9");
	/* same scale, other spelling: the double as sent, bit for bit */
	CHECK_OK(unit_convert(0.1 + 0.2, U("ug/m3"), U("μg/m³"), &v));
	CHECK(v == 0.1 + 0.2);
	conv(0.1 + 0.2, "万元", "元", "3000.0000000000005"); /* the shortest text of 0.1+0.2 */
	/* negative, leading zeros, many digits, 1e-7 precision */
	conv_text("-32570", "元", "万元", "-3.257");
	conv(-1.5, "亿元", "万元", "-15000");
	conv_text("000032570.000", "元", "万元", "3.257");
	conv_text("0.0000001", "万元", "元", "0.001");
	conv_text("1234567.1234567", "元", "万元", "123.45671234567");
	conv(1234567.1234567, "元", "万元", "123.45671234567");
	CHECK(1234567.1234567 * 1e-4 != 123.45671234567);
	conv(1e-7, "万元", "亿元", "1e-11");
	conv(123.4567891, "亿元", "万元", "1234567.891");
	conv_text("12345678901234567890123", "元", "亿元", "123456789012345.67890123");
	conv_text("9007199254740993", "元", "元", "9007199254740993"); /* rounds as strtod */
	/* tiny and huge exponents */
	conv_text("1e-300", "万亿元", "元", "1e-288");
	conv_text("1e300", "元", "万亿元", "1e288");
	conv_text("1.7976931348623157e308", "亿元", "万亿元", "1.7976931348623157e304");
	conv(1e300, "元", "万亿元", "1e288");
	conv(0, "元", "亿元", "0");
	CHECK_OK(unit_convert(-0.0, U("元"), U("亿元"), &v));
	CHECK(v == 0 && signbit(v));
	/* values that do not fit a double */
	CHECK_RC(unit_convert_text("1.7976931348623157e308", U("亿元"), U("元"), &v), PW_ERANGE);
	CHECK_RC(unit_convert(1e305, U("万亿元"), U("元"), &v), PW_ERANGE);
	CHECK_RC(unit_convert_text("2e-308", U("元"), U("亿元"), &v), PW_ERANGE);
	CHECK_RC(unit_convert_text("1e-9999", U("元"), U("亿元"), &v), PW_ERANGE);
	CHECK_RC(unit_convert_text("1e99999", U("元"), U("亿元"), &v), PW_ERANGE);
	CHECK_RC(unit_convert(NAN, U("元"), U("亿元"), &v), PW_EINVAL);
	CHECK_RC(unit_convert(INFINITY, U("元"), U("元"), &v), PW_EINVAL);
	CHECK_RC(unit_convert_text("3,257", U("元"), U("亿元"), &v), PW_EINVAL);
	/* no currency conversion without a rate, no mixing of measure words */
	CHECK_RC(unit_convert(7.38, U("亿元"), U("亿美元"), &v), PW_EUNIT);
	CHECK_RC(unit_convert_text("7.38", U("亿元"), U("亿美元"), &v), PW_EUNIT);
	CHECK_RC(unit_convert(3, U("家"), U("件"), &v), PW_EUNIT);
	CHECK_RC(unit_convert(3, U("%"), U("个百分点"), &v), PW_EUNIT);
	CHECK_RC(unit_convert(3, U("亩"), U("公顷"), &v), PW_EUNIT);
	/* the shortest text is the figure's text */
	char t[32];
	unit_dtoa(32570, t, sizeof(t));
	CHECK(strtod(t, NULL) == 32570 && strlen(t) <= strlen("3.257e+04"));
	unit_dtoa(0.1 + 0.2, t, sizeof(t));
	CHECK(strcmp(t, "0.30000000000000004") == 0);
	unit_dtoa(1e-7, t, sizeof(t));
	CHECK(strcmp(t, "0.0000001") == 0);
	unit_dtoa(-812.5, t, sizeof(t));
	CHECK(strcmp(t, "-812.5") == 0);
	unit_dtoa(1e300, t, sizeof(t));
	CHECK(strtod(t, NULL) == 1e300 && strchr(t, 'e'));
	unit_dtoa(123456789012345.0, t, sizeof(t));
	CHECK(strcmp(t, "123456789012345") == 0);
	/* a figure of up to 15 significant digits comes back as printed */
	const char *printed[] = { "734.44", "0.0044", "3.257", "99.999999999999", "1.5e-5" };
	const char *plain[] = { "734.44", "0.0044", "3.257", "99.999999999999", "0.000015" };
	for (size_t i = 0; i < 5; i++) {
		unit_dtoa(strtod(printed[i], NULL), t, sizeof(t));
		CHECK(strcmp(t, plain[i]) == 0);
	}
	/* every double of a sweep survives the round trip 元 → 万元 → 元 when it has at most
	 * 15 significant digits (what a department prints) */
	for (int i = 1; i < 20000; i++) {
		double x = i * 0.37 + 0.01, y, z;
		char s[32];
		snprintf(s, sizeof(s), "%.6g", x);
		x = strtod(s, NULL);
		CHECK_OK(unit_convert(x, U("元"), U("万元"), &y));
		CHECK_OK(unit_convert(y, U("万元"), U("元"), &z));
		CHECK(z == x);
	}
}

/* Loads the catalog files (the loader refuses a series unit outside the table, or spelt
 * otherwise), then counts the series units that are not canonical entries of the table all
 * the same, naming each on stderr. (A target's own unit converts into its series' unit at
 * load.) */
static int bad_catalog_units(const char *const *files, size_t n)
{
	char err[CAT_ERR_MAX];
	struct catalog *c = NULL;
	int bad = 0;

	if (catalog_load(&c, files, n, err) < 0)
		fprintf(stderr, "%s\n", err);
	CHECK(c);
	for (size_t r = 0; r < catalog_n_regions(c); r++) {
		const struct cat_region *reg = catalog_region_at(c, r);
		for (size_t i = 0; i < reg->n_series; i++) {
			const struct cat_series *s = &reg->series[i];
			const struct unit *u = unit_find(s->unit);
			if (!u || strcmp(unit_name(u), s->unit) != 0) {
				fprintf(stderr, "%s:%d: %s/%s: unit '%s' %s%s\n", reg->file,
					s->yaml_line, reg->alias, s->id, s->unit,
					u ? "is not canonical, write " : "is not in model/unit.c",
					u ? unit_name(u) : "");
				bad++;
			}
		}
	}
	catalog_free(c);
	return bad;
}

static void test_catalog_units(void)
{
	glob_t g;
	CHECK(glob("catalog/regions/*.yaml", 0, NULL, &g) == 0 && g.gl_pathc >= 3);
	CHECK(glob("catalog/plans/*.yaml", GLOB_APPEND, NULL, &g) == 0 && g.gl_pathc >= 9);
	CHECK(bad_catalog_units((const char *const *)g.gl_pathv, g.gl_pathc) == 0);
	globfree(&g);

	/* a bogus and a non-canonical unit do not load */
	char dir[] = "/tmp/test_unit.XXXXXX", path[64];
	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bad.yaml", dir);
	const char *units[] = { "bogus", "ug/m3" };
	for (size_t k = 0; k < 2; k++) {
		FILE *f = fopen(path, "w");
		CHECK(f);
		fprintf(f, "region:\n  id: \"000000-t\"\n  alias: t\n  name: 测试区\nseries:\n"
			   "  - id: x\n    name: 测\n    name_en: X\n    category: c\n"
			   "    unit: %s\n    frequency: annual\n    form: level\n"
			   "    departments: [统计局]\n", units[k]);
		fclose(f);
		/* the loader refuses it, naming the file and the unit's line */
		const char *files[] = { path };
		char err[CAT_ERR_MAX], want[160];
		struct catalog *c = NULL;
		CHECK_RC(catalog_load(&c, files, 1, err), PW_ECONFIG);
		snprintf(want, sizeof(want), "bad.yaml:10: series 'x': unit '%s' is ", units[k]);
		if (!strstr(err, want))
			fprintf(stderr, "'%s' lacks '%s'\n", err, want);
		CHECK(strstr(err, want) && !c);
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_table();
	test_shift();
	test_convert();
	test_catalog_units();
	puts("test_unit: ok");
	return 0;
}
