/* tests/fuzz/fuzz_xlsx.c — libFuzzer target for the .xlsx reader (client/xlsxin.c, libzip
 * and expat underneath) and the import of a sheet through client/csvin.c.
 *
 * Two kinds of input. One that starts with a ZIP header ("PK\3\4") is a whole file, read
 * as is: this reaches libzip's checks and the ZIP limits. Any other input is the text of
 * up to five parts separated by NUL bytes — xl/workbook.xml, xl/_rels/workbook.xml.rels,
 * xl/sharedStrings.xml, xl/worksheets/sheet1.xml, xl/styles.xml — stored (not deflated)
 * into a ZIP here,
 * so mutations land in the XML, where most of the reader is.
 *
 * Each file is read with the default limits and with tight ones (which must fail at
 * least as often). On success: cells in strictly increasing (row, col) order inside the
 * limits, a known type, text NUL-terminated at len and UTF-8. On failure: *ret not
 * written, a known code and a message. csvin reads the same bytes: rows have UTF-8
 * fields, increasing lines; a failure has a message. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "../../client/csvin.h"
#include "../../client/xlsxin.h"
#include "../../proto/err.h"
#include "../../proto/proto.h"

#define FAIL(...)                                                  \
	do {                                                       \
		fprintf(stderr, "fuzz_xlsx: property violated: "); \
		fprintf(stderr, __VA_ARGS__);                      \
		fputc('\n', stderr);                               \
		abort();                                           \
	} while (0)

static const char *const part_names[] = { "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
					  "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml",
					  "xl/styles.xml" };
#define N_PARTS (sizeof(part_names) / sizeof(part_names[0]))

/* Stores the NUL-separated parts of d into an in-memory ZIP; returns its bytes (malloc'd)
 * or NULL. */
static unsigned char *pack(const uint8_t *d, size_t n, size_t *len)
{
	zip_error_t ze;
	unsigned char *out = NULL;

	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
	zip_t *z = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
	if (!z) {
		zip_source_free(src);
		zip_error_fini(&ze);
		return NULL;
	}
	zip_source_keep(src);
	size_t off = 0;
	for (size_t i = 0; i < N_PARTS && off <= n; i++) {
		const uint8_t *e = memchr(d + off, 0, n - off);
		size_t k = e ? (size_t)(e - (d + off)) : n - off;
		zip_source_t *s = zip_source_buffer(z, d + off, k, 0);
		zip_int64_t idx = s ? zip_file_add(z, part_names[i], s, 0) : -1;
		if (idx < 0)
			zip_source_free(s);
		else
			zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
		off += k + 1;
	}
	if (zip_close(z) < 0) {
		zip_discard(z);
		goto out_src;
	}
	zip_stat_t st;
	if (zip_source_stat(src, &st) < 0 || zip_source_open(src) < 0)
		goto out_src;
	if ((out = malloc(st.size ? st.size : 1)) &&
	    zip_source_read(src, out, st.size) != (zip_int64_t)st.size) {
		free(out);
		out = NULL;
	}
	*len = st.size;
	zip_source_close(src);
out_src:
	zip_source_free(src);
	zip_error_fini(&ze);
	return out;
}

static bool known_error(int rc)
{
	return rc == PW_EPROTO || rc == PW_ETOOBIG || rc == PW_ENOTFOUND || rc == PW_ENOMEM;
}

/* Reads buf with lim; checks the properties; returns the code. */
static int read_xlsx(const unsigned char *buf, size_t len, const struct xlsxin_limits *lim)
{
	struct xlsxin *x = (struct xlsxin *)1;
	char err[XLSXIN_ERR_MAX];
	int rc = xlsxin_open(&x, buf, len, NULL, lim, err);
	if (rc < 0) {
		if (x != (struct xlsxin *)1)
			FAIL("*ret written on failure");
		if (!known_error(rc) || !err[0])
			FAIL("code %d, message '%s'", rc, err);
		return rc;
	}
	if (rc != 0)
		FAIL("xlsxin_open returned %d", rc);
	if (xlsxin_count(x) > lim->max_cells)
		FAIL("%zu cells", xlsxin_count(x));
	uint32_t prow = 0, pcol = 0;
	for (size_t i = 0; i < xlsxin_count(x); i++) {
		struct xlsxin_cell c;
		if (xlsxin_get(x, i, &c) < 0)
			FAIL("cell %zu missing", i);
		if (c.row < 1 || c.row > lim->max_rows || c.col < 1 || c.col > lim->max_cols)
			FAIL("cell %zu at row %u col %u", i, c.row, c.col);
		if (c.row < prow || (c.row == prow && c.col <= pcol))
			FAIL("cell %zu (%u,%u) after (%u,%u)", i, c.row, c.col, prow, pcol);
		if (c.type < XLSXIN_STR || c.type > XLSXIN_FORMULA ||
		    (c.type == XLSXIN_FORMULA && c.text[0] != '=') ||
		    (c.percent && c.type != XLSXIN_NUM))
			FAIL("cell %zu type %d", i, c.type);
		if (c.len == 0 || c.len > lim->max_cell || strlen(c.text) != c.len ||
		    !proto_utf8_valid(c.text, c.len))
			FAIL("cell %zu text of %zu bytes", i, c.len);
		prow = c.row;
		pcol = c.col;
	}
	xlsxin_free(x);
	return 0;
}

static void read_csvin(const unsigned char *buf, size_t len)
{
	struct csvin *c = NULL;
	char err[CSVIN_ERR_MAX];
	int rc = csvin_parse(&c, buf, len, err);
	if (rc < 0) {
		if (c || !err[0] || rc <= PW__LAST)
			FAIL("csvin: code %d, message '%s'", rc, err);
		return;
	}
	long prev = 0;
	for (size_t i = 0; i < csvin_count(c); i++) {
		struct csvin_row *r = csvin_row(c, i);
		if (r->line <= prev)
			FAIL("row %zu on line %ld after %ld", i, r->line, prev);
		prev = r->line;
		for (int k = 0; k < CSVIN_COLS; k++)
			if (!r->col[k] || strlen(r->col[k]) > CSVIN_MAX_FIELD ||
			    !proto_utf8_valid(r->col[k], strlen(r->col[k])))
				FAIL("row %zu field %d", i, k);
	}
	csvin_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = NULL;
	const unsigned char *file = data;
	size_t len = size;

	if (size < 4 || memcmp(data, "PK\3\4", 4) != 0) {
		if (!(buf = pack(data, size, &len)))
			return 0;
		file = buf;
	}
	struct xlsxin_limits def, tight;
	xlsxin_limits_default(&def);
	tight = def;
	tight.max_cell = 64;
	tight.max_cells = 100;
	tight.max_strings = 20;
	tight.max_string_bytes = 400;
	tight.max_rows = 50;
	tight.max_cols = 20;
	tight.max_depth = 8;
	tight.max_part = 8192;
	tight.max_ratio = 4;
	int a = read_xlsx(file, len, &def);
	int b = read_xlsx(file, len, &tight);
	if (a < 0 && b == 0)
		FAIL("tight limits read what the defaults refused (%d)", a);
	read_csvin(file, len);
	free(buf);
	return 0;
}
