/* tests/test_xlsxin.c — the .xlsx reader (client/xlsxin.c) and the import of a sheet
 * through csvin: cell types, references, and hostile files (ZIP bomb, huge shared-string
 * table, truncated ZIP, entity expansion, malformed XML, a sheet that is a directory,
 * missing parts). The workbooks are written here with libzip, part by part. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>

#include "../client/csvin.h"
#include "../client/xlsxin.h"
#include "check.h"

#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_R "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_PKG "http://schemas.openxmlformats.org/package/2006/relationships"

#define WORKBOOK                                                                           \
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"                  \
	"<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_R "\"><sheets>"                     \
	"<sheet name=\"报表\" sheetId=\"1\" r:id=\"rId1\"/>"                                \
	"<sheet name=\"Two\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>"
#define RELS                                                                               \
	"<Relationships xmlns=\"" NS_PKG "\">"                                              \
	"<Relationship Id=\"rId1\" Type=\"" NS_R "/worksheet\" Target=\"worksheets/sheet1.xml\"/>" \
	"<Relationship Id=\"rId2\" Type=\"" NS_R "/worksheet\" "                            \
	"Target=\"/xl/worksheets/./sheet2.xml\"/>"                                          \
	"<Relationship Id=\"rId3\" Type=\"" NS_R "/sharedStrings\" Target=\"sharedStrings.xml\"/>" \
	"</Relationships>"
#define SST_HEAD "<sst xmlns=\"" NS_MAIN "\" count=\"4\" uniqueCount=\"4\">"
#define SST                                                                                \
	SST_HEAD "<si><t>plan</t></si><si><t xml:space=\"preserve\"> 812.5 </t></si>"       \
	"<si><r><t>地区</t></r><r><rPr><b/></rPr><t>生产总值</t></r>"                         \
	"<rPh sb=\"0\" eb=\"1\"><t>ちく</t></rPh></si><si><t>a &amp; b &lt;c&gt;</t></si></sst>"
#define SHEET_HEAD "<worksheet xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_R "\"><sheetData>"
#define SHEET_TAIL "</sheetData></worksheet>"

struct part {
	const char *name;
	const char *data; /* NULL: a directory entry */
	size_t len;       /* 0: strlen(data) */
};

/* Writes the parts as a ZIP (deflated) and returns its bytes in *buf (malloc'd). */
static size_t build(const struct part *parts, size_t n, unsigned char **buf)
{
	char path[] = "/tmp/test_xlsxin_XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	int zerr;
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
	CHECK(z != NULL);
	for (size_t i = 0; i < n; i++) {
		if (!parts[i].data) {
			CHECK(zip_dir_add(z, parts[i].name, ZIP_FL_ENC_UTF_8) >= 0);
			continue;
		}
		size_t len = parts[i].len ? parts[i].len : strlen(parts[i].data);
		zip_source_t *s = zip_source_buffer(z, parts[i].data, len, 0);
		CHECK(s != NULL);
		CHECK(zip_file_add(z, parts[i].name, s, ZIP_FL_ENC_UTF_8) >= 0);
	}
	CHECK(zip_close(z) == 0);
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	CHECK(size > 0);
	*buf = malloc((size_t)size);
	CHECK(*buf && fread(*buf, 1, (size_t)size, f) == (size_t)size);
	fclose(f);
	unlink(path);
	return (size_t)size;
}

/* A workbook of the standard parts with sheet1 = sheet (and sheet2 a small one). */
static size_t book(const char *sheet, const char *sst, unsigned char **buf)
{
	struct part p[] = {
		{ "[Content_Types].xml", "<Types/>", 0 },
		{ "xl/workbook.xml", WORKBOOK, 0 },
		{ "xl/_rels/workbook.xml.rels", RELS, 0 },
		{ "xl/sharedStrings.xml", sst ? sst : SST, 0 },
		{ "xl/worksheets/sheet1.xml", sheet, 0 },
		{ "xl/worksheets/sheet2.xml", SHEET_HEAD "<row r=\"2\"><c r=\"B2\"><v>7</v></c></row>"
		  SHEET_TAIL, 0 },
	};
	return build(p, sizeof(p) / sizeof(p[0]), buf);
}

/* Opens buf; checks the code and, on error, that the message holds needle. */
static struct xlsxin *open_want(const unsigned char *buf, size_t len, const char *sheet,
				const struct xlsxin_limits *lim, int want, const char *needle)
{
	struct xlsxin *x = NULL;
	char err[XLSXIN_ERR_MAX];
	int rc = xlsxin_open(&x, buf, len, sheet, lim, err);
	if (rc != want || (needle && !strstr(err, needle)))
		fprintf(stderr, "xlsxin_open: %d '%s' (wanted %d '%s')\n", rc, err, want,
			needle ? needle : "");
	CHECK_RC(rc, want);
	CHECK((x != NULL) == (want == 0));
	CHECK(!needle || strstr(err, needle));
	return x;
}

static void check_sheet(const char *sheet, const char *sst, int want, const char *needle)
{
	unsigned char *buf;
	size_t len = book(sheet, sst, &buf);
	xlsxin_free(open_want(buf, len, NULL, NULL, want, needle));
	free(buf);
}

static void check_cell(const struct xlsxin *x, size_t i, const char *ref, int type,
		       const char *text)
{
	struct xlsxin_cell c;
	char r[16];
	CHECK_OK(xlsxin_get(x, i, &c));
	xlsxin_ref_format(c.row, c.col, r);
	if (strcmp(r, ref) != 0 || c.type != type || strcmp(c.text, text) != 0 ||
	    strlen(c.text) != c.len)
		fprintf(stderr, "cell %zu: %s type %d '%s' (wanted %s %d '%s')\n", i, r, c.type,
			c.text, ref, type, text);
	CHECK(strcmp(r, ref) == 0 && c.type == type && strcmp(c.text, text) == 0);
	CHECK(strlen(c.text) == c.len);
}

static void test_refs(void)
{
	static const struct {
		const char *s;
		uint32_t row, col;
	} good[] = { { "A1", 1, 1 }, { "Z9", 9, 26 }, { "AA10", 10, 27 }, { "AZ1", 1, 52 },
		     { "BA1", 1, 53 }, { "ZZ1", 1, 702 }, { "AAA1", 1, 703 },
		     { "XFD1048576", 1048576, 16384 } };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint32_t row, col;
		char back[16];
		CHECK_OK(xlsxin_ref(good[i].s, strlen(good[i].s), &row, &col));
		CHECK(row == good[i].row && col == good[i].col);
		xlsxin_ref_format(row, col, back);
		CHECK(strcmp(back, good[i].s) == 0);
	}
	static const char *const bad[] = { "", "A", "1", "A0", "A01", "XFE1", "a1", "AAAA1",
					   "A1048577", "A10000000", "$A$1", "A1 ", "A-1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t row, col;
		CHECK_RC(xlsxin_ref(bad[i], strlen(bad[i]), &row, &col), PW_EINVAL);
	}
}

static void test_cells(void)
{
	/* Every kind of cell, gaps in rows and columns, cells and rows without r. */
	const char *sheet =
		SHEET_HEAD
		"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"C1\" t=\"s\"><v>2</v></c>"
		"<c t=\"inlineStr\"><is><t>内联</t></is></c></row>"
		"<row r=\"3\" spans=\"1:9\"><c r=\"A3\"><v>812.5</v></c>"
		"<c r=\"B3\" t=\"s\"><v>1</v></c>"
		"<c r=\"C3\" t=\"str\"><f>A3&amp;\"x\"</f><v>812.5x</v></c>"
		"<c r=\"D3\"><f>A3*2</f><v>1625</v></c>"
		"<c r=\"E3\"><f>A3*3</f></c>"
		"<c r=\"F3\" t=\"b\"><v>1</v></c><c r=\"G3\" t=\"b\"><v>0</v></c>"
		"<c r=\"H3\" t=\"e\"><v>#DIV/0!</v></c><c r=\"I3\" t=\"d\"><v>2026-10-31</v></c>"
		"<c r=\"J3\" s=\"3\"/><c r=\"K3\"><v>46326</v></c><c r=\"L3\" t=\"s\"><v>3</v></c>"
		"<c r=\"M3\" t=\"n\"><v>1.5E-3</v></c><c r=\"N3\"><f t=\"shared\" si=\"0\"/></c>"
		"<c r=\"O3\"><f>1/0</f><v></v></c><c r=\"P3\" t=\"e\"><f>1/0</f><v>#DIV/0!</v></c>"
		"</row>"
		"<row><c r=\"AA4\" t=\"inlineStr\"><is><r><t>富</t></r><r><t>文本</t></r>"
		"<rPh><t>x</t></rPh></is></c></row>"
		SHEET_TAIL;
	unsigned char *buf;
	size_t len = book(sheet, NULL, &buf);
	struct xlsxin *x = open_want(buf, len, NULL, NULL, 0, NULL);
	CHECK(strcmp(xlsxin_sheet(x), "报表") == 0);
	size_t i = 0;
	check_cell(x, i++, "A1", XLSXIN_STR, "plan");
	check_cell(x, i++, "C1", XLSXIN_STR, "地区生产总值"); /* runs joined, no phonetic */
	check_cell(x, i++, "D1", XLSXIN_STR, "内联");
	check_cell(x, i++, "A3", XLSXIN_NUM, "812.5");
	check_cell(x, i++, "B3", XLSXIN_STR, " 812.5 "); /* a number stored as text */
	check_cell(x, i++, "C3", XLSXIN_STR, "812.5x");
	check_cell(x, i++, "D3", XLSXIN_NUM, "1625"); /* a formula's cached value */
	check_cell(x, i++, "E3", XLSXIN_FORMULA, "=A3*3"); /* never calculated */
	/* J3: styled but empty */
	check_cell(x, i++, "F3", XLSXIN_BOOL, "TRUE");
	check_cell(x, i++, "G3", XLSXIN_BOOL, "FALSE");
	check_cell(x, i++, "H3", XLSXIN_ERROR, "#DIV/0!");
	check_cell(x, i++, "I3", XLSXIN_DATE, "2026-10-31");
	check_cell(x, i++, "K3", XLSXIN_NUM, "46326"); /* a date left as its serial */
	check_cell(x, i++, "L3", XLSXIN_STR, "a & b <c>");
	check_cell(x, i++, "M3", XLSXIN_NUM, "1.5E-3");
	check_cell(x, i++, "N3", XLSXIN_FORMULA, "="); /* a shared formula's later cell */
	check_cell(x, i++, "O3", XLSXIN_FORMULA, "=");
	check_cell(x, i++, "P3", XLSXIN_ERROR, "#DIV/0!");
	check_cell(x, i++, "AA4", XLSXIN_STR, "富文本");
	CHECK(xlsxin_count(x) == i);
	struct xlsxin_cell c;
	CHECK_RC(xlsxin_get(x, i, &c), PW_EINVAL);
	xlsxin_free(x);

	/* The second sheet by name; an unknown name lists the sheets. */
	x = open_want(buf, len, "Two", NULL, 0, NULL);
	CHECK(xlsxin_count(x) == 1);
	check_cell(x, 0, "B2", XLSXIN_NUM, "7");
	xlsxin_free(x);
	open_want(buf, len, "Three", NULL, PW_ENOTFOUND, "no sheet named 'Three' (the workbook "
							 "has '报表', 'Two')");
	free(buf);

	CHECK_RC(xlsxin_open(NULL, "", 0, NULL, NULL, NULL), PW_EINVAL);
	CHECK(xlsxin_count(NULL) == 0);
	CHECK(strcmp(xlsxin_sheet(NULL), "") == 0);
	xlsxin_free(NULL);
}

static void test_bad_sheets(void)
{
	check_sheet(SHEET_HEAD "<row r=\"2\"/><row r=\"2\"/>" SHEET_TAIL, NULL, PW_EPROTO,
		    "row 2 after row 2: rows out of order");
	check_sheet(SHEET_HEAD "<row r=\"x\"/>" SHEET_TAIL, NULL, PW_EPROTO, "not a number");
	check_sheet(SHEET_HEAD "<row r=\"1\"><c r=\"B1\"><v>1</v></c><c r=\"A1\"><v>1</v></c>"
		    "</row>" SHEET_TAIL, NULL, PW_EPROTO, "cell A1 out of place in row 1");
	check_sheet(SHEET_HEAD "<row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"A1\"><v>2</v></c>"
		    "</row>" SHEET_TAIL, NULL, PW_EPROTO, "cell A1 out of place in row 1");
	check_sheet(SHEET_HEAD "<row r=\"1\"><c r=\"A1\"><v>1</v></c><c><v>2</v></c>"
		    "<c r=\"C1\"><v>3</v></c></row>" SHEET_TAIL, NULL, 0, NULL);
	check_sheet(SHEET_HEAD "<row r=\"1\"><c r=\"A2\"><v>1</v></c></row>" SHEET_TAIL, NULL,
		    PW_EPROTO, "cell A2 out of place");
	check_sheet(SHEET_HEAD "<row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row>" SHEET_TAIL, NULL,
		    PW_EPROTO, "cell reference 'XFE1'");
	check_sheet(SHEET_HEAD "<row r=\"1048577\"/>" SHEET_TAIL, NULL, PW_ETOOBIG,
		    "limit max_rows");
	check_sheet(SHEET_HEAD "<row r=\"1048576\"><c r=\"XFD1048576\"><v>1</v></c></row>"
		    SHEET_TAIL, NULL, 0, NULL);
	check_sheet(SHEET_HEAD "<row><c t=\"s\"><v>4</v></c></row>" SHEET_TAIL, NULL, PW_EPROTO,
		    "cell A1: shared string '4' of 4");
	check_sheet(SHEET_HEAD "<row><c t=\"s\"><v>3</v></c></row>" SHEET_TAIL, NULL, 0, NULL);
	check_sheet(SHEET_HEAD "<row><c t=\"s\"><v>-1</v></c></row>" SHEET_TAIL, NULL, PW_EPROTO,
		    "shared string");
	check_sheet(SHEET_HEAD "<row><c t=\"b\"><v>2</v></c></row>" SHEET_TAIL, NULL, PW_EPROTO,
		    "boolean '2'");
	check_sheet(SHEET_HEAD "<row><c t=\"q\"><v>2</v></c></row>" SHEET_TAIL, NULL, PW_EPROTO,
		    "unknown type t=\"q\"");
	/* Malformed XML, with the part and the line named. */
	check_sheet(SHEET_HEAD "\n<row><c><v>1</c></row>" SHEET_TAIL, NULL, PW_EPROTO,
		    "xl/worksheets/sheet1.xml: line 2: malformed XML: mismatched tag");
	check_sheet(SHEET_HEAD "<row>", NULL, PW_EPROTO, "malformed XML");
	check_sheet("", NULL, PW_EPROTO, "malformed XML: no element found");
	check_sheet(SHEET_HEAD "<row><c><v>&foo;</v></c></row>" SHEET_TAIL, NULL, PW_EPROTO,
		    "undefined entity");
	check_sheet(SHEET_HEAD "<row><c><v>\xff</v></c></row>" SHEET_TAIL, NULL, PW_EPROTO,
		    "malformed XML");
	check_sheet(SHEET_HEAD SHEET_TAIL, NULL, 0, NULL); /* the sheet is fine ... */
	check_sheet(SHEET_HEAD SHEET_TAIL, SST_HEAD "<si><t>x", PW_EPROTO,
		    "xl/sharedStrings.xml: line 1: malformed XML"); /* ... the strings not */
}

/* A billion laughs: expat would bound it, but OOXML has no DTD, so any is refused. */
static void test_entities(void)
{
	const char *lol =
		"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		"<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		"<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
		"<sst><si><t>&lol3;</t></si></sst>";
	check_sheet(SHEET_HEAD SHEET_TAIL, lol, PW_EPROTO, "a DOCTYPE is not allowed");
	check_sheet("<!DOCTYPE x SYSTEM \"file:///etc/passwd\"><worksheet/>", NULL, PW_EPROTO,
		    "a DOCTYPE is not allowed");
	check_sheet("<!DOCTYPE x><worksheet/>", NULL, PW_EPROTO, "DOCTYPE");
}

static void test_limits(void)
{
	struct xlsxin_limits lim;
	unsigned char *buf;
	size_t len;

	/* A ZIP bomb: 8 MiB of blanks in a sheet deflate to a few KiB. It is stopped after
	 * the first MiB past the ratio, not inflated whole. */
	size_t big = 8u << 20;
	char *pad = malloc(big + 200);
	CHECK(pad);
	strcpy(pad, SHEET_HEAD);
	size_t k = strlen(pad);
	memset(pad + k, ' ', big);
	strcpy(pad + k + big, SHEET_TAIL);
	len = book(pad, NULL, &buf);
	CHECK(len < big / 100);
	open_want(buf, len, NULL, NULL, PW_ETOOBIG, "expand more than 100 times (a ZIP bomb?");
	xlsxin_limits_default(&lim);
	lim.max_ratio = 100000; /* the ratio allowed: now the part's size is the limit */
	lim.max_part = 4u << 20;
	open_want(buf, len, NULL, &lim, PW_ETOOBIG, "limit max_part");
	lim.max_part = 64u << 20;
	lim.max_total = 2u << 20;
	open_want(buf, len, NULL, &lim, PW_ETOOBIG, "limit max_total");
	lim.max_total = 256u << 20;
	xlsxin_free(open_want(buf, len, NULL, &lim, 0, NULL)); /* and is a valid sheet */
	lim.max_file = len - 1;
	open_want(buf, len, NULL, &lim, PW_ETOOBIG, "limit max_file");
	free(buf);
	free(pad);

	/* A huge shared-string table: limited by count and by bytes. */
	char sst[4096];
	k = (size_t)snprintf(sst, sizeof(sst), "%s", SST_HEAD);
	for (int i = 0; i < 20; i++)
		k += (size_t)snprintf(sst + k, sizeof(sst) - k, "<si><t>string %02d</t></si>", i);
	snprintf(sst + k, sizeof(sst) - k, "</sst>");
	len = book(SHEET_HEAD SHEET_TAIL, sst, &buf);
	xlsxin_limits_default(&lim);
	lim.max_strings = 20;
	xlsxin_free(open_want(buf, len, NULL, &lim, 0, NULL));
	lim.max_strings = 19;
	open_want(buf, len, NULL, &lim, PW_ETOOBIG, "more than 19 shared strings");
	lim.max_strings = 20;
	lim.max_string_bytes = 20 * 10; /* 20 strings of 9 bytes + NUL fit exactly */
	xlsxin_free(open_want(buf, len, NULL, &lim, 0, NULL));
	lim.max_string_bytes = 20 * 10 - 1;
	open_want(buf, len, NULL, &lim, PW_ETOOBIG, "limit max_string_bytes");
	lim.max_string_bytes = 1000;
	lim.max_cell = 8;
	open_want(buf, len, NULL, &lim, PW_ETOOBIG, "longer than 8 bytes (limit max_cell)");
	lim.max_cell = 9;
	xlsxin_free(open_want(buf, len, NULL, &lim, 0, NULL));
	free(buf);

	/* Cells, columns, nesting. */
	len = book(SHEET_HEAD "<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c>"
		   "</row>" SHEET_TAIL, NULL, &buf);
	xlsxin_limits_default(&lim);
	lim.max_cells = 3;
	xlsxin_free(open_want(buf, len, NULL, &lim, 0, NULL));
	lim.max_cells = 2;
	open_want(buf, len, NULL, &lim, PW_ETOOBIG, "more than 2 cells");
	lim.max_cells = 3;
	lim.max_cols = 1;
	open_want(buf, len, NULL, &lim, PW_ETOOBIG, "cell B1 is past column 1");
	lim.max_cols = 2;
	lim.max_rows = 1;
	open_want(buf, len, NULL, &lim, PW_ETOOBIG, "row 2 is past row 1");
	lim.max_rows = 2;
	lim.max_depth = 4; /* worksheet, sheetData, row, c, v is 5 */
	open_want(buf, len, NULL, &lim, PW_ETOOBIG, "nested deeper than 4");
	lim.max_depth = 5;
	xlsxin_free(open_want(buf, len, NULL, &lim, 0, NULL));
	lim.max_ratio = 0;
	CHECK_RC(xlsxin_open(&(struct xlsxin *){ NULL }, buf, len, NULL, &lim, NULL), PW_EINVAL);
	free(buf);
	char deep[8192];
	k = (size_t)snprintf(deep, sizeof(deep), "%s", SHEET_HEAD);
	for (int i = 0; i < 200; i++)
		k += (size_t)snprintf(deep + k, sizeof(deep) - k, "<x>");
	check_sheet(deep, NULL, PW_ETOOBIG, "limit max_depth");
}

/* Every truncation of a valid file, and every single-byte change of its first KiB,
 * is refused or read; none crashes (ASan watches). */
static void test_truncated(void)
{
	unsigned char *buf;
	size_t len = book(SHEET_HEAD "<row><c t=\"s\"><v>0</v></c></row>" SHEET_TAIL, NULL, &buf);
	for (size_t n = 0; n < len; n++) {
		struct xlsxin *x = NULL;
		char err[XLSXIN_ERR_MAX];
		int rc = xlsxin_open(&x, buf, n, NULL, NULL, err);
		CHECK(rc == PW_EPROTO && x == NULL && err[0]);
	}
	open_want(buf, len / 2, NULL, NULL, PW_EPROTO, "not a valid ZIP archive");
	for (size_t i = 0; i < len && i < 1024; i++) {
		unsigned char save = buf[i];
		buf[i] ^= 0x5a;
		struct xlsxin *x = NULL;
		char err[XLSXIN_ERR_MAX];
		int rc = xlsxin_open(&x, buf, len, NULL, NULL, err);
		CHECK(rc == 0 || (rc < 0 && x == NULL && err[0]));
		xlsxin_free(x);
		buf[i] = save;
	}
	free(buf);
	open_want((const unsigned char *)"plan,indicator\n", 15, NULL, NULL, PW_EPROTO,
		  "an old .xls must be saved as .xlsx");
}

static void test_parts(void)
{
	unsigned char *buf;
	size_t len;
	const char *sheet = SHEET_HEAD SHEET_TAIL;
	const char *rels_dir = "<Relationships xmlns=\"" NS_PKG "\"><Relationship Id=\"rId1\" "
			       "Type=\"" NS_R "/worksheet\" Target=\"worksheets/\"/></Relationships>";
	const char *wb1 = "<workbook xmlns:r=\"" NS_R "\"><sheets><sheet name=\"a\" r:id=\"rId1\"/>"
			  "</sheets></workbook>";

	/* The sheet's relationship points at a directory. */
	struct part dir[] = { { "xl/workbook.xml", wb1, 0 },
			      { "xl/_rels/workbook.xml.rels", rels_dir, 0 },
			      { "xl/worksheets/", NULL, 0 } };
	len = build(dir, 3, &buf);
	open_want(buf, len, NULL, NULL, PW_EPROTO, "xl/worksheets/: is a directory");
	free(buf);
	/* The workbook, its relationships, the sheet or the shared strings missing. */
	struct part none[] = { { "xl/_rels/workbook.xml.rels", RELS, 0 } };
	len = build(none, 1, &buf);
	open_want(buf, len, NULL, NULL, PW_EPROTO, "no part 'xl/workbook.xml' in the ZIP");
	free(buf);
	struct part norels[] = { { "xl/workbook.xml", WORKBOOK, 0 } };
	len = build(norels, 1, &buf);
	open_want(buf, len, NULL, NULL, PW_EPROTO, "no part 'xl/_rels/workbook.xml.rels'");
	free(buf);
	struct part nosheet[] = { { "xl/workbook.xml", WORKBOOK, 0 },
				  { "xl/_rels/workbook.xml.rels", RELS, 0 },
				  { "xl/sharedStrings.xml", SST, 0 } };
	len = build(nosheet, 3, &buf);
	open_want(buf, len, NULL, NULL, PW_EPROTO, "no part 'xl/worksheets/sheet1.xml'");
	free(buf);
	struct part nosst[] = { { "xl/workbook.xml", WORKBOOK, 0 },
				{ "xl/_rels/workbook.xml.rels", RELS, 0 },
				{ "xl/worksheets/sheet1.xml", sheet, 0 } };
	len = build(nosst, 3, &buf);
	open_want(buf, len, NULL, NULL, PW_EPROTO, "no part 'xl/sharedStrings.xml'");
	free(buf);
	/* No sheets, a sheet without a relationship, a target outside the archive. */
	struct part nosheets[] = { { "xl/workbook.xml", "<workbook/>", 0 },
				   { "xl/_rels/workbook.xml.rels", "<Relationships/>", 0 } };
	len = build(nosheets, 2, &buf);
	open_want(buf, len, NULL, NULL, PW_EPROTO, "lists no sheet");
	free(buf);
	struct part norid[] = { { "xl/workbook.xml", wb1, 0 },
				{ "xl/_rels/workbook.xml.rels", "<Relationships/>", 0 } };
	len = build(norid, 2, &buf);
	open_want(buf, len, NULL, NULL, PW_EPROTO, "sheet 'a' (rId1) has no part");
	free(buf);
	const char *escape = "<Relationships><Relationship Id=\"rId1\" Target=\"../../x.xml\"/>"
			     "</Relationships>";
	struct part esc[] = { { "xl/workbook.xml", wb1, 0 },
			      { "xl/_rels/workbook.xml.rels", escape, 0 } };
	len = build(esc, 2, &buf);
	open_want(buf, len, NULL, NULL, PW_EPROTO, "leaves the archive");
	free(buf);
	/* "../x.xml" from xl/ is x.xml at the root: found there, case-insensitively. */
	const char *up = "<Relationships><Relationship Id=\"rId1\" Target=\"../X.xml\"/>"
			 "</Relationships>";
	struct part upp[] = { { "xl/workbook.xml", wb1, 0 },
			      { "xl/_rels/workbook.xml.rels", up, 0 },
			      { "x.xml", SHEET_HEAD "<row><c><v>5</v></c></row>" SHEET_TAIL, 0 } };
	len = build(upp, 3, &buf);
	struct xlsxin *x = open_want(buf, len, NULL, NULL, 0, NULL);
	check_cell(x, 0, "A1", XLSXIN_NUM, "5");
	xlsxin_free(x);
	free(buf);
	const char *wb_bad = "<workbook><sheets><sheet name=\"a\"/></sheets></workbook>";
	struct part noid[] = { { "xl/workbook.xml", wb_bad, 0 },
			       { "xl/_rels/workbook.xml.rels", RELS, 0 } };
	len = build(noid, 2, &buf);
	open_want(buf, len, NULL, NULL, PW_EPROTO, "a <sheet> without name or r:id");
	free(buf);
}

/* A department's sheet through csvin: Chinese headers in their own order, an ignored
 * name column, numbers as numbers and as text, blanks trimmed, rows by sheet row. */
static void test_csvin_sheet(void)
{
	const char *sst = SST_HEAD "<si><t>指标代码</t></si><si><t>指标名称</t></si>"
			  "<si><t>规划</t></si><si><t>期别</t></si><si><t>数值</t></si>"
			  "<si><t>单位</t></si><si><t>数据状态</t></si><si><t>报送单位</t></si>"
			  "<si><t>同比</t></si><si><t>gdp</t></si><si><t>地区生产总值</t></si>"
			  "<si><t>test-plan</t></si><si><t>2026年1-10月</t></si>"
			  "<si><t>亿元</t></si><si><t>快报</t></si><si><t>统计局</t></si>"
			  "<si><t xml:space=\"preserve\"> 5.8 </t></si></sst>";
	const char *sheet =
		SHEET_HEAD
		"<row r=\"1\"><c t=\"s\"><v>0</v></c><c t=\"s\"><v>1</v></c><c t=\"s\"><v>2</v></c>"
		"<c t=\"s\"><v>3</v></c><c t=\"s\"><v>4</v></c><c t=\"s\"><v>5</v></c>"
		"<c t=\"s\"><v>6</v></c><c t=\"s\"><v>7</v></c><c t=\"s\"><v>8</v></c></row>"
		"<row r=\"3\"><c t=\"s\"><v>9</v></c><c t=\"s\"><v>10</v></c><c t=\"s\"><v>11</v></c>"
		"<c t=\"s\"><v>12</v></c><c><v>812.5</v></c><c t=\"s\"><v>13</v></c>"
		"<c t=\"s\"><v>14</v></c><c t=\"s\"><v>15</v></c><c t=\"s\"><v>16</v></c></row>"
		"<row r=\"5\"><c r=\"A5\" t=\"s\"><v>9</v></c><c r=\"C5\" t=\"s\"><v>11</v></c>"
		"<c r=\"E5\"><f>1+1</f><v>2</v></c></row>"
		"<row r=\"6\"><c r=\"B6\" t=\"s\"><v>10</v></c></row>"
		SHEET_TAIL;
	unsigned char *buf;
	size_t len = book(sheet, sst, &buf);
	struct csvin *c;
	char err[CSVIN_ERR_MAX];
	CHECK_OK(csvin_parse(&c, buf, len, err));
	CHECK(csvin_count(c) == 3);
	struct csvin_row *r = csvin_row(c, 0);
	CHECK(r->line == 3);
	CHECK(strcmp(r->col[CSVIN_PLAN], "test-plan") == 0);
	CHECK(strcmp(r->col[CSVIN_IND], "gdp") == 0);
	CHECK(strcmp(r->col[CSVIN_PERIOD], "2026年1-10月") == 0);
	CHECK(strcmp(r->col[CSVIN_VALUE], "812.5") == 0);
	CHECK(strcmp(r->col[CSVIN_UNIT], "亿元") == 0);
	CHECK(strcmp(r->col[CSVIN_STATUS], "快报") == 0);
	CHECK(strcmp(r->col[CSVIN_DEPT], "统计局") == 0);
	CHECK(strcmp(r->col[CSVIN_YOY], "5.8") == 0); /* text, blanks trimmed */
	CHECK(strcmp(r->col[CSVIN_REASON], "") == 0 && strcmp(r->col[CSVIN_SOURCE], "") == 0);
	r = csvin_row(c, 1);
	CHECK(r->line == 5 && strcmp(r->col[CSVIN_VALUE], "2") == 0);
	CHECK(strcmp(r->col[CSVIN_PERIOD], "") == 0 && strcmp(r->col[CSVIN_DEPT], "") == 0);
	/* Row 6 has only the name column: kept (it is not all empty), the daemon judges it. */
	CHECK(csvin_row(c, 2)->line == 6 && strcmp(csvin_row(c, 2)->col[CSVIN_IND], "") == 0);
	csvin_free(c);

	/* The same file fed in pieces, and the second sheet by name (no header there). */
	CHECK_OK(csvin_new(&c));
	for (size_t i = 0; i < len; i += 7)
		CHECK_OK(csvin_feed(c, buf + i, len - i < 7 ? len - i : 7));
	CHECK_OK(csvin_end(c));
	CHECK(csvin_count(c) == 3);
	csvin_free(c);
	CHECK_OK(csvin_new(&c));
	CHECK_OK(csvin_set_sheet(c, "Two"));
	CHECK_OK(csvin_feed(c, buf, len));
	CHECK_RC(csvin_end(c), PW_EFIELD);
	CHECK(strstr(csvin_error(c), "line 2: header field 2 is '7'"));
	CHECK_RC(csvin_set_sheet(c, "x"), PW_EINVAL); /* after the end */
	csvin_free(c);
	CHECK_OK(csvin_new(&c));
	CHECK_OK(csvin_set_sheet(c, "无"));
	CHECK_OK(csvin_feed(c, buf, len));
	CHECK_RC(csvin_end(c), PW_ENOTFOUND);
	CHECK(strncmp(csvin_error(c), "no sheet named '无'", 10) == 0);
	csvin_free(c);
	free(buf);

	/* A value in a column without a header; a header missing a column. */
	len = book(SHEET_HEAD "<row r=\"2\"><c t=\"s\"><v>0</v></c></row>" SHEET_TAIL, sst, &buf);
	CHECK_RC(csvin_parse(&c, buf, len, err), PW_EFIELD);
	CHECK(strstr(err, "line 2: the header has no column 'period'"));
	free(buf);
	len = book(SHEET_HEAD
		   "<row r=\"1\"><c t=\"s\"><v>0</v></c><c t=\"s\"><v>2</v></c><c t=\"s\"><v>3</v></c>"
		   "<c t=\"s\"><v>4</v></c><c t=\"s\"><v>5</v></c><c t=\"s\"><v>6</v></c>"
		   "<c t=\"s\"><v>7</v></c></row>"
		   "<row r=\"2\"><c r=\"A2\"><v>1</v></c><c r=\"H2\"><v>1</v></c></row>" SHEET_TAIL,
		   sst, &buf);
	CHECK_RC(csvin_parse(&c, buf, len, err), PW_EFIELD);
	CHECK(strstr(err, "line 2: cell H2 has a value but its column has no header"));
	free(buf);
	/* A broken file: xlsxin's message, no line. */
	len = book(SHEET_HEAD "<row>", sst, &buf);
	CHECK_RC(csvin_parse(&c, buf, len, err), PW_EPROTO);
	CHECK(strncmp(err, "xl/worksheets/sheet1.xml: line 1: malformed XML", 40) == 0);
	free(buf);
}

/* Numbers shown as percentages: flagged by xlsxin, read as percent points by the import. */
static void test_percent(void)
{
	const char *rels =
		"<Relationships xmlns=\"" NS_PKG "\">"
		"<Relationship Id=\"rId1\" Type=\"" NS_R "/worksheet\" "
		"Target=\"worksheets/sheet1.xml\"/>"
		"<Relationship Id=\"rId3\" Type=\"" NS_R "/styles\" Target=\"styles.xml\"/>"
		"</Relationships>";
	const char *wb = "<workbook xmlns:r=\"" NS_R "\"><sheets><sheet name=\"a\" r:id=\"rId1\"/>"
			 "</sheets></workbook>";
	const char *styles =
		"<styleSheet xmlns=\"" NS_MAIN "\"><numFmts count=\"3\">"
		"<numFmt numFmtId=\"164\" formatCode=\"0.0%\"/>"
		"<numFmt numFmtId=\"165\" formatCode=\"0.0&quot;%&quot;\"/>"
		"<numFmt numFmtId=\"167\" formatCode=\"0.0\\%\"/></numFmts>"
		"<cellStyleXfs><xf numFmtId=\"9\"/></cellStyleXfs>"
		/* before cellXfs (the schema puts it after): its format is still not a cell's */
		"<dxfs><dxf><numFmt numFmtId=\"166\" formatCode=\"0%\"/></dxf></dxfs>"
		"<cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"10\"/><xf numFmtId=\"164\"/>"
		"<xf numFmtId=\"165\"/><xf numFmtId=\"166\"/><xf numFmtId=\"167\"/><xf/></cellXfs>"
		"</styleSheet>";
	const char *sheet =
		SHEET_HEAD "<row r=\"1\"><c s=\"1\"><v>0.058</v></c><c s=\"2\"><v>0.571</v></c>"
		"<c s=\"3\"><v>5.8</v></c><c s=\"0\"><v>5.8</v></c><c s=\"99\"><v>5.8</v></c>"
		"<c s=\"1\" t=\"str\"><v>0.058</v></c><c s=\"4\"><v>5.8</v></c>"
		"<c s=\"5\"><v>5.8</v></c><c s=\"6\"><v>5.8</v></c></row>" SHEET_TAIL;
	struct part p[] = { { "xl/workbook.xml", wb, 0 }, { "xl/_rels/workbook.xml.rels", rels, 0 },
			    { "xl/styles.xml", styles, 0 }, { "xl/worksheets/sheet1.xml", sheet, 0 } };
	unsigned char *buf;
	size_t len = build(p, 4, &buf);
	struct xlsxin *x = open_want(buf, len, NULL, NULL, 0, NULL);
	/* 0%-style built-in, a custom %, a quoted "%", none, a style not in the table, a string,
	 * a dxf's format (not a cell's), an escaped \%, an xf without a format. */
	const bool want[] = { true, true, false, false, false, false, false, false, false };
	CHECK(xlsxin_count(x) == sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < xlsxin_count(x); i++) {
		struct xlsxin_cell c;
		CHECK_OK(xlsxin_get(x, i, &c));
		if (c.percent != want[i])
			fprintf(stderr, "cell %zu: percent %d\n", i, c.percent);
		CHECK(c.percent == want[i]);
	}
	xlsxin_free(x);
	free(buf);

	/* Through the import: a 同比 of 5.8% is 5.8, a value of 57.1% (unit %) is 57.1. */
#define IS(t) "<c t=\"inlineStr\"><is><t>" t "</t></is></c>"
	const char *hdr = "<row r=\"1\">" IS("规划") IS("指标") IS("期别") IS("数值") IS("单位")
		IS("数据状态") IS("报送单位") IS("同比") "</row>";
#undef IS
	char sheet2[2048];
	snprintf(sheet2, sizeof(sheet2), "%s%s<row r=\"2\"><c r=\"D2\" s=\"2\"><v>0.571</v></c>"
		 "<c r=\"H2\" s=\"1\"><v>0.058</v></c></row>" SHEET_TAIL, SHEET_HEAD, hdr);
	p[3].data = sheet2;
	len = build(p, 4, &buf);
	struct csvin *c;
	char err[CSVIN_ERR_MAX];
	CHECK_OK(csvin_parse(&c, buf, len, err));
	CHECK(csvin_count(c) == 1);
	CHECK(strcmp(csvin_row(c, 0)->col[CSVIN_VALUE], "57.1") == 0);
	CHECK(strcmp(csvin_row(c, 0)->col[CSVIN_YOY], "5.8") == 0);
	csvin_free(c);
	free(buf);
}

int main(void)
{
	test_refs();
	test_cells();
	test_bad_sheets();
	test_entities();
	test_limits();
	test_truncated();
	test_parts();
	test_csvin_sheet();
	test_percent();
	printf("test_xlsxin: ok\n");
	return 0;
}
