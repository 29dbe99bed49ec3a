/* client/xlsxin.h — reads the cells of one worksheet of an Excel .xlsx file (libzip, expat).
 *
 * An .xlsx file is a ZIP archive of XML parts (ECMA-376 / ISO 29500). xlsxin reads
 * xl/workbook.xml (the sheet names), xl/_rels/workbook.xml.rels (where each sheet's part
 * is), the styles (only which cell formats are percentages) and the shared-string table
 * (if the workbook has them) and the one worksheet asked for,
 * and keeps the cells that hold a value:
 *   - shared strings (t="s"), inline strings (t="inlineStr"), a formula's string result
 *     (t="str"): XLSXIN_STR, the text (rich-text runs joined, phonetic runs dropped);
 *   - numbers (no t or t="n"): XLSXIN_NUM, the text of <v> as Excel wrote it ("812.5",
 *     "1.5E-3"), flagged `percent` when its number format shows a percentage (Excel
 *     stores 5.8% as 0.058); a date formatted cell is a number too (its serial);
 *   - booleans (t="b"): XLSXIN_BOOL, "TRUE" or "FALSE"; errors (t="e"): XLSXIN_ERROR,
 *     "#DIV/0!"; ISO dates (t="d"): XLSXIN_DATE, the text as given.
 * A formula counts by its cached value, of the types above. A formula without one (never
 * calculated: openpyxl and other writers store none) is XLSXIN_FORMULA, "=" and the
 * formula's text ("=SUM(B2:B9)"; only "=" for the later cells of a shared formula), so
 * that a caller can refuse it rather than take the cell for empty. A cell with neither
 * is empty, i.e. absent. Numbers stored as text are strings: the caller converts.
 *
 * The file is peer input: every size is bounded (struct xlsxin_limits), a DOCTYPE (and
 * with it every entity declaration) is refused, and anything malformed is an error with a
 * message naming the part, never a crash. */
#ifndef PW_XLSXIN_H
#define PW_XLSXIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XLSXIN_ERR_MAX 256

struct xlsxin_limits {
	size_t max_file;         /* bytes of the .xlsx file itself */
	size_t max_part;         /* uncompressed bytes of one part (one XML file) */
	size_t max_total;        /* uncompressed bytes of all parts read */
	unsigned max_ratio;      /* uncompressed / compressed, checked past 1 MiB of a part */
	size_t max_strings;      /* entries of the shared-string table */
	size_t max_string_bytes; /* bytes of all shared strings together */
	size_t max_cell;         /* bytes of one cell's text */
	size_t max_cells;        /* cells with a value in the sheet */
	uint32_t max_rows;       /* highest row number (Excel: 1048576) */
	uint32_t max_cols;       /* highest column number (Excel: 16384, XFD) */
	unsigned max_sheets;     /* sheets listed in the workbook */
	unsigned max_depth;      /* XML element nesting */
};

/* The defaults: file 64 MiB, part 64 MiB, total 256 MiB, ratio 100, 1,000,000 strings of
 * 64 MiB, cell 128 KiB (Excel's 32,767 characters), 1,000,000 cells (32 MiB of index),
 * 1,048,576 rows, 16,384 columns, 1000 sheets, depth 32. */
void xlsxin_limits_default(struct xlsxin_limits *l);

enum xlsxin_type {
	XLSXIN_STR = 1, XLSXIN_NUM, XLSXIN_BOOL, XLSXIN_ERROR, XLSXIN_DATE, XLSXIN_FORMULA,
};

/* One cell with a value. text is NUL-terminated (len bytes, UTF-8: expat checks it) and
 * owned by the xlsxin. */
struct xlsxin_cell {
	uint32_t row, col; /* 1-based: A1 is row 1, col 1 */
	int type;          /* enum xlsxin_type */
	const char *text;
	size_t len;
	bool percent; /* a number shown as a percentage: text is the fraction */
};

struct xlsxin;

/* Reads sheet `sheet` (its name as shown on the tab; NULL: the first sheet) of the .xlsx
 * file in buf[0..len); lim NULL means the defaults. The buffer is not kept. Returns 0,
 * PW_EPROTO (not a ZIP, malformed XML or workbook, a part missing or a directory),
 * PW_ETOOBIG (a limit; the message names it), PW_ENOTFOUND (no sheet of that name),
 * PW_ENOMEM or PW_EINVAL; on error err (if not NULL) says what and where, e.g.
 * "xl/worksheets/sheet1.xml: line 3: cell B3: shared string 9 of 4". *ret only on
 * success. */
int xlsxin_open(struct xlsxin **ret, const void *buf, size_t len, const char *sheet,
		const struct xlsxin_limits *lim, char err[XLSXIN_ERR_MAX]);
void xlsxin_free(struct xlsxin *x); /* NULL-safe */

/* The name of the sheet that was read. */
const char *xlsxin_sheet(const struct xlsxin *x);

/* The cells with a value, by row and then column (the order the format requires). */
size_t xlsxin_count(const struct xlsxin *x);
int xlsxin_get(const struct xlsxin *x, size_t i, struct xlsxin_cell *out); /* PW_EINVAL past end */

/* Parses a cell reference "B12" (columns A..XFD, rows 1..1048576; no '$'). Returns 0 or
 * PW_EINVAL. */
int xlsxin_ref(const char *s, size_t len, uint32_t *row, uint32_t *col);

/* Writes a cell reference ("B12") for messages; buf of 16 bytes. */
void xlsxin_ref_format(uint32_t row, uint32_t col, char buf[16]);

#endif
