/* client/csvin.h — the import format of `planwatch import`: CSV read with libcsv, or the
 * first (or a named) sheet of an .xlsx workbook read with xlsxin. Both go through one row
 * handler: the same header mapping, checks and rows.
 *
 * A CSV file is UTF-8 text (an optional UTF-8 BOM is skipped) whose first non-blank line
 * is the header, e.g.
 *
 *     region,indicator,period,value,unit,status,dept,yoy,reason,source
 *
 * (or `plan` instead of `region`: a plan id, which the daemon maps to its region; a file may
 * have both, and a row then names its series by whichever it fills)
 *
 * followed by one row per observation with as many fields as the header. RFC 4180
 * quoting: a field in double quotes may hold commas, doubled quotes and line breaks;
 * unquoted fields lose leading and trailing blanks (libcsv). Lines end in LF, CRLF or CR.
 * Blank lines and rows whose fields are all empty (spreadsheet exports add them) are
 * skipped.
 *
 * An .xlsx file (recognised by its ZIP header, whatever its name) is read whole at
 * csvin_end(): its sheet's first non-empty row is the header, each later row one
 * observation; an empty cell is an empty field, a cell's surrounding blanks are dropped,
 * "line N" is the sheet's row N. Numbers come as Excel stores them (812.5, or a text
 * "812.5"), but a number formatted as a percentage as the percent points it shows (5.8
 * for 5.8%, which Excel stores as 0.058), formulas by their cached value (one never
 * calculated reads as its formula, "=A1*2", which is not a number).
 *
 * Header names, in any order, English or Chinese (exact text):
 *     region     地区, 地区代码 (or)     plan       规划, 规划代码
 *     indicator  指标, 指标代码
 *     period     期别, 时期              value      数值
 *     unit       单位, 计量单位          status     数据状态
 *     dept       报送单位, 责任单位      yoy        同比        (optional)
 *     reason     说明, 备注 (optional)   source     来源        (optional)
 * and columns that are not imported: name, 指标名称, 序号, and a blank header. Any other
 * name, or a column twice, is an error. Only the format is checked here, not the values:
 * the daemon validates those (the CLI takes Chinese periods and statuses: period.h). */
#ifndef PW_CSVIN_H
#define PW_CSVIN_H

#include <stddef.h>

#define CSVIN_COLS 11
#define CSVIN_MAX_COLS 64    /* fields of the header */
#define CSVIN_MAX_FIELD 4096 /* bytes of one field; more is an error (a runaway quote?) */
#define CSVIN_ERR_MAX 256

enum csvin_col {
	CSVIN_PLAN, CSVIN_IND, CSVIN_PERIOD, CSVIN_VALUE, CSVIN_UNIT, CSVIN_STATUS, CSVIN_DEPT,
	CSVIN_YOY, CSVIN_REASON, CSVIN_SOURCE,
	CSVIN_REGION, /* after SOURCE: the columns before it are the row's content hash (cli.c) */
};

/* One data row, by column (not by position in the file). col[] are NUL-terminated UTF-8
 * strings (never NULL, "" when empty or when the header lacks the column) in one block
 * owned by the csvin: do not free or re-point them. */
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
 *   PW_EFIELD  wrong header, a row with a field count other than the header's, an
 *              .xlsx cell with a value in a column without a header
 *   PW_EPROTO  not CSV: a quote inside an unquoted field, text after a closing quote,
 *              an unterminated quoted field, a NUL byte, a UTF-16 file; a broken .xlsx
 *              file (then the message names the part, without "line N": xlsxin.h)
 *   PW_ENOTFOUND  no sheet of the name given to csvin_set_sheet
 *   PW_EUTF8   a field is not UTF-8 (a GBK/GB18030 export: convert it with iconv)
 *   PW_ETOOBIG a field longer than CSVIN_MAX_FIELD bytes; an .xlsx over a limit of xlsxin
 *   PW_ENOMEM, PW_EINVAL (NULL arguments, feeding after csvin_end) */
int csvin_feed(struct csvin *c, const void *buf, size_t len);
int csvin_end(struct csvin *c);

/* Chooses the sheet of an .xlsx file by its tab name (default: the first sheet); call it
 * before csvin_end. Returns 0, PW_ENOMEM or PW_EINVAL. */
int csvin_set_sheet(struct csvin *c, const char *name);

/* The message of the first error ("" if none); valid until csvin_free(). */
const char *csvin_error(const struct csvin *c);

/* The data rows read so far (after csvin_end: all of them), in file order. */
size_t csvin_count(const struct csvin *c);
struct csvin_row *csvin_row(struct csvin *c, size_t i); /* NULL if i >= count */

/* Parses a whole file held in memory: csvin_new, csvin_feed, csvin_end. On failure
 * returns the error with its message in err (if err is not NULL); *ret only on success. */
int csvin_parse(struct csvin **ret, const void *buf, size_t len, char err[CSVIN_ERR_MAX]);

#endif
