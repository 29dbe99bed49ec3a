/* client/csvin.h — the CSV import format of `planwatch import`, read with libcsv.
 *
 * A file is UTF-8 text (an optional UTF-8 BOM is skipped) whose first non-blank line is
 * the header
 *
 *     plan,indicator,period,value,unit,status,dept,yoy,reason,source
 *
 * followed by one row of exactly these ten fields per observation. RFC 4180 quoting:
 * a field in double quotes may hold commas, doubled quotes and line breaks; unquoted
 * fields lose leading and trailing blanks (libcsv). Lines end in LF, CRLF or CR. Blank
 * lines and rows whose fields are all empty (spreadsheet exports add them) are skipped.
 * Only the format is checked here, not the values: the daemon validates those. */
#ifndef PW_CSVIN_H
#define PW_CSVIN_H

#include <stddef.h>

#define CSVIN_COLS 10
#define CSVIN_MAX_FIELD 4096 /* bytes of one field; more is an error (a runaway quote?) */
#define CSVIN_ERR_MAX 256

enum csvin_col {
	CSVIN_PLAN, CSVIN_IND, CSVIN_PERIOD, CSVIN_VALUE, CSVIN_UNIT, CSVIN_STATUS, CSVIN_DEPT,
	CSVIN_YOY, CSVIN_REASON, CSVIN_SOURCE,
};

/* One data row. col[] are NUL-terminated UTF-8 strings (never NULL, "" when empty) in
 * one block owned by the csvin: do not free or re-point them. */
struct csvin_row {
	const char *col[CSVIN_COLS];
	long line; /* 1-based line of the file where the row starts */
	int err;   /* 0 after parsing; free for the caller (e.g. the row's NACK code) */
};

struct csvin;

/* A parser for one file. Returns 0, PW_EINVAL or PW_ENOMEM; *ret only on success. */
int csvin_new(struct csvin **ret);
void csvin_free(struct csvin *c); /* NULL-safe */

/* Feeds the next len bytes of the file (any split, e.g. fread chunks), then csvin_end()
 * once at end of file. Both return 0 or the first error, which is sticky and described
 * by csvin_error() as "line N: ...":
 *   PW_EFIELD  wrong header, or a row with a field count other than 10
 *   PW_EPROTO  not CSV: a quote inside an unquoted field, text after a closing quote,
 *              an unterminated quoted field, a NUL byte, a UTF-16 file
 *   PW_EUTF8   a field is not UTF-8 (a GBK/GB18030 export: convert it with iconv)
 *   PW_ETOOBIG a field longer than CSVIN_MAX_FIELD bytes
 *   PW_ENOMEM, PW_EINVAL (NULL arguments, feeding after csvin_end) */
int csvin_feed(struct csvin *c, const void *buf, size_t len);
int csvin_end(struct csvin *c);

/* The message of the first error ("" if none); valid until csvin_free(). */
const char *csvin_error(const struct csvin *c);

/* The data rows read so far (after csvin_end: all of them), in file order. */
size_t csvin_count(const struct csvin *c);
struct csvin_row *csvin_row(struct csvin *c, size_t i); /* NULL if i >= count */

/* Parses a whole file held in memory: csvin_new, csvin_feed, csvin_end. On failure
 * returns the error with its message in err (if err is not NULL); *ret only on success. */
int csvin_parse(struct csvin **ret, const void *buf, size_t len, char err[CSVIN_ERR_MAX]);

#endif
