/* client/csvin.c — reads the import format, from CSV text with libcsv or from an .xlsx
 * sheet with xlsxin (see csvin.h). Both sources hand their fields to one row handler
 * (put_field, end_row): the header mapping, the checks and the row store are shared. */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "../proto/err.h"
#include "../proto/proto.h"
#include "csvin.h"
#include "xlsxin.h"

#define CSVIN_CHUNK 65536 /* bytes handed to libcsv at a time: errors stop the parse early */

#define HEADER "region,indicator,period,value,unit,status,dept,yoy,reason,source"
#define COL_IGNORED (-1)
#define COL_UNKNOWN (-2)

/* The header names of each column: the English one first, then the Chinese ones of
 * department spreadsheets (documented in csvin.h and man/planwatch.1). */
static const struct {
	const char *names[4];
	bool required;
} columns[CSVIN_COLS] = {
	[CSVIN_PLAN] = { { "plan", "规划", "规划代码" }, false }, /* plan or region: end_header */
	[CSVIN_IND] = { { "indicator", "指标", "指标代码" }, true },
	[CSVIN_PERIOD] = { { "period", "期别", "时期" }, true },
	[CSVIN_VALUE] = { { "value", "数值" }, true },
	[CSVIN_UNIT] = { { "unit", "单位", "计量单位" }, true },
	[CSVIN_STATUS] = { { "status", "数据状态" }, true },
	[CSVIN_DEPT] = { { "dept", "报送单位", "责任单位" }, true },
	[CSVIN_YOY] = { { "yoy", "同比" }, false },
	[CSVIN_REASON] = { { "reason", "说明", "备注" }, false },
	[CSVIN_SOURCE] = { { "source", "来源" }, false },
	[CSVIN_REGION] = { { "region", "地区", "地区代码" }, false },
};

/* Columns a sheet may carry for people's sake; their content is not imported. */
static const char *const ignored[] = { "", "name", "指标名称", "序号" };

/* The column a header name stands for, COL_IGNORED or COL_UNKNOWN. */
static int column_of(const char *name)
{
	for (int i = 0; i < CSVIN_COLS; i++)
		for (int k = 0; k < 4 && columns[i].names[k]; k++)
			if (strcmp(name, columns[i].names[k]) == 0)
				return i;
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (strcmp(name, ignored[i]) == 0)
			return COL_IGNORED;
	return COL_UNKNOWN;
}

struct csvin {
	struct csv_parser p;
	struct csvin_row *rows;
	size_t n_rows, cap_rows;
	char **blocks; /* rows[i]'s fields live in blocks[i] */
	/* The header: which column each of its n_hdr fields is (or COL_IGNORED). */
	int map[CSVIN_MAX_COLS];
	size_t n_hdr;
	bool have[CSVIN_COLS];
	/* The row being read: its fields back to back, each NUL-terminated; off[] by header
	 * position while the header is read, by column afterwards. */
	char *fbuf;
	size_t flen, fcap;
	size_t off[CSVIN_MAX_COLS];
	size_t n_field;
	bool nonempty;
	long row_line;
	/* Line counting through the callbacks: the line the parser has reached. */
	long line;
	bool prev_cr; /* the last callback ended a line at a CR (its LF may follow) */
	/* Line counting over the bytes fed, for errors inside a field. */
	long raw_line;
	bool raw_prev_cr;
	unsigned long long fed; /* bytes given to libcsv */
	/* The first bytes, held until we know whether they are a byte order mark or a ZIP. */
	unsigned char head[4];
	size_t n_head;
	bool started, header_done, ended;
	/* An .xlsx file (it starts with a ZIP header): held whole, read at csvin_end. */
	bool zip;
	unsigned char *zbuf;
	size_t zlen, zcap;
	char *sheet;
	int err;
	char msg[CSVIN_ERR_MAX];
};

/* Records the first error as "line N: ..." (no prefix for line 0: a whole-file error of
 * an .xlsx file, whose message names the part); returns it. */
__attribute__((format(printf, 4, 5))) static int fail(struct csvin *c, int err, long line,
							  const char *fmt, ...)
{
	va_list ap;
	if (c->err)
		return c->err;
	c->err = err;
	int off = line > 0 ? snprintf(c->msg, sizeof(c->msg), "line %ld: ", line) : 0;
	if (off < 0 || (size_t)off >= sizeof(c->msg))
		return err;
	va_start(ap, fmt);
	vsnprintf(c->msg + off, sizeof(c->msg) - (size_t)off, fmt, ap);
	va_end(ap);
	return err;
}

/* Line breaks in s[0..n): LF, CRLF and a lone CR count one each. *prev_cr carries a CR
 * at the end of one piece over to the next. */
static long breaks(const char *s, size_t n, bool *prev_cr)
{
	long k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r')
			k++;
		else if (s[i] == '\n' && !*prev_cr)
			k++;
		*prev_cr = s[i] == '\r';
	}
	return k;
}

/* Maps the header row onto the columns: every name known, none twice, the required ones
 * present. */
static void end_header(struct csvin *c)
{
	c->header_done = true;
	if (c->n_field > CSVIN_MAX_COLS) {
		fail(c, PW_EFIELD, c->row_line, "the header has %zu fields, more than %d",
		     c->n_field, CSVIN_MAX_COLS);
		return;
	}
	c->n_hdr = c->n_field;
	for (size_t i = 0; i < c->n_hdr; i++) {
		const char *name = c->fbuf + c->off[i];
		int col = column_of(name);
		if (col == COL_UNKNOWN) {
			fail(c, PW_EFIELD, c->row_line,
			     "header field %zu is '%.40s', not a column name; the header is %s "
			     "(or the Chinese names, see planwatch(1))", i + 1, name, HEADER);
			return;
		}
		if (col >= 0 && c->have[col]) {
			fail(c, PW_EFIELD, c->row_line, "header field %zu: column '%s' twice", i + 1,
			     columns[col].names[0]);
			return;
		}
		if (col >= 0)
			c->have[col] = true;
		c->map[i] = col;
	}
	for (int col = 0; col < CSVIN_COLS; col++)
		if (columns[col].required && !c->have[col]) {
			fail(c, PW_EFIELD, c->row_line, "the header has no column '%s' (%s); it is %s",
			     columns[col].names[0], columns[col].names[1], HEADER);
			return;
		}
	/* A series is (region, indicator): named by its region, or by a plan of it (v1). */
	if (!c->have[CSVIN_REGION] && !c->have[CSVIN_PLAN])
		fail(c, PW_EFIELD, c->row_line, "the header has no column 'region' (地区) nor 'plan' "
		     "(规划); it is %s", HEADER);
}

static void end_row(struct csvin *c)
{
	if (!c->header_done) {
		end_header(c);
		return;
	}
	if (c->n_field != c->n_hdr) {
		fail(c, PW_EFIELD, c->row_line, "%zu fields, expected %zu as in the header",
		     c->n_field, c->n_hdr);
		return;
	}
	if (c->n_rows == c->cap_rows) {
		size_t cap = c->cap_rows ? 2 * c->cap_rows : 256;
		struct csvin_row *rows = realloc(c->rows, cap * sizeof(*rows));
		char **blocks = rows ? realloc(c->blocks, cap * sizeof(*blocks)) : NULL;
		if (rows)
			c->rows = rows;
		if (!blocks) {
			fail(c, PW_ENOMEM, c->row_line, "out of memory");
			return;
		}
		c->blocks = blocks;
		c->cap_rows = cap;
	}
	/* One block per row, and a last empty string for the columns the header lacks. */
	char *block = malloc(c->flen + 1);
	if (!block) {
		fail(c, PW_ENOMEM, c->row_line, "out of memory");
		return;
	}
	memcpy(block, c->fbuf, c->flen);
	block[c->flen] = '\0';
	c->blocks[c->n_rows] = block;
	struct csvin_row *r = &c->rows[c->n_rows++];
	for (int i = 0; i < CSVIN_COLS; i++)
		r->col[i] = block + (c->have[i] ? c->off[i] : c->flen);
	r->line = c->row_line;
	r->err = 0;
}

/* Takes the next field of the current row, from either source; at is its line. */
static void put_field(struct csvin *c, const char *f, size_t len, long at)
{
	if (len > CSVIN_MAX_FIELD) {
		fail(c, PW_ETOOBIG, at, "field %zu is longer than %d bytes (a quote not closed?)",
		     c->n_field + 1, CSVIN_MAX_FIELD);
		return;
	}
	if (memchr(f, '\0', len)) {
		fail(c, PW_EPROTO, at, "NUL byte in field %zu (a UTF-16 file? save it as UTF-8)",
		     c->n_field + 1);
		return;
	}
	if (!proto_utf8_valid(f, len)) {
		fail(c, PW_EUTF8, at,
		     "field %zu is not UTF-8 (for a GBK export: iconv -f GB18030 -t UTF-8)",
		     c->n_field + 1);
		return;
	}
	if (len)
		c->nonempty = true;
	int slot = COL_IGNORED;
	if (!c->header_done)
		slot = c->n_field < CSVIN_MAX_COLS ? (int)c->n_field : COL_IGNORED;
	else if (c->n_field < c->n_hdr)
		slot = c->map[c->n_field];
	if (slot >= 0) {
		if (c->flen + len + 1 > c->fcap) {
			size_t cap = c->fcap ? c->fcap : 256;
			while (cap < c->flen + len + 1)
				cap *= 2;
			char *b = realloc(c->fbuf, cap);
			if (!b) {
				fail(c, PW_ENOMEM, at, "out of memory");
				return;
			}
			c->fbuf = b;
			c->fcap = cap;
		}
		c->off[slot] = c->flen;
		memcpy(c->fbuf + c->flen, f, len);
		c->fbuf[c->flen + len] = '\0';
		c->flen += len + 1;
	}
	c->n_field++;
}

/* Ends the current row (either source): stores it unless all its fields are empty. */
static void put_row_end(struct csvin *c)
{
	if (c->n_field > 0 && c->nonempty)
		end_row(c);
	c->n_field = 0;
	c->flen = 0;
	c->nonempty = false;
}

static void on_field(void *s, size_t len, void *arg)
{
	struct csvin *c = arg;
	const char *f = s ? s : "";
	bool cr = false;

	if (c->err)
		return;
	c->prev_cr = false;
	if (c->n_field == 0)
		c->row_line = c->line;
	long at = c->line;
	c->line += breaks(f, len, &cr);
	put_field(c, f, len, at);
}

/* ch is the unquoted CR or LF that ended the row (CSV_REPALL_NL reports each one, also
 * on empty lines), or -1 at the end of the file. */
static void on_row(int ch, void *arg)
{
	struct csvin *c = arg;

	if (c->err)
		return;
	if (ch == '\n' && c->n_field == 0 && c->prev_cr) {
		c->prev_cr = false; /* the LF of a CRLF */
		return;
	}
	put_row_end(c);
	c->prev_cr = ch == '\r';
	if (ch == '\r' || ch == '\n')
		c->line++;
}

/* Runs libcsv over p[0..len). The input is cut at fixed file offsets (multiples of
 * CSVIN_CHUNK), not where the caller's pieces end, so that the result never depends on
 * how the file was split. */
static int parse(struct csvin *c, const unsigned char *p, size_t len)
{
	while (len > 0) {
		size_t room = CSVIN_CHUNK - (size_t)(c->fed % CSVIN_CHUNK);
		size_t n = len < room ? len : room;
		size_t k = csv_parse(&c->p, p, n, on_field, on_row, c);
		if (c->err)
			return c->err;
		if (k != n) {
			c->raw_line += breaks((const char *)p, k, &c->raw_prev_cr);
			switch (csv_error(&c->p)) {
			case CSV_ENOMEM:
				return fail(c, PW_ENOMEM, c->raw_line, "out of memory");
			case CSV_ETOOBIG:
				return fail(c, PW_ETOOBIG, c->raw_line, "field too long");
			default:
				return fail(c, PW_EPROTO, c->raw_line,
					    "misplaced '\"': quote a field that holds '\"', ',' "
					    "or a line break, and double the '\"' inside it");
			}
		}
		c->raw_line += breaks((const char *)p, n, &c->raw_prev_cr);
		c->fed += n;
		/* A quoted field still open: stop a runaway quote before it eats the file. */
		if (c->fed % CSVIN_CHUNK == 0 && c->p.entry_pos > CSVIN_MAX_FIELD)
			return fail(c, PW_ETOOBIG, c->line,
				    "a field longer than %d bytes starts here (a quote not "
				    "closed?)", CSVIN_MAX_FIELD);
		p += n;
		len -= n;
	}
	return 0;
}

static const unsigned char zip_magic[4] = { 'P', 'K', 3, 4 };

/* Holds the bytes of an .xlsx file until csvin_end: a ZIP is read from its end. */
static int zip_keep(struct csvin *c, const unsigned char *p, size_t len)
{
	struct xlsxin_limits lim;
	xlsxin_limits_default(&lim);
	if (len > lim.max_file - c->zlen)
		return fail(c, PW_ETOOBIG, 0, "the .xlsx file is larger than %zu bytes",
			    lim.max_file);
	if (c->zlen + len > c->zcap) {
		size_t cap = c->zcap ? c->zcap : 65536;
		while (cap < c->zlen + len)
			cap *= 2;
		unsigned char *b = realloc(c->zbuf, cap);
		if (!b)
			return fail(c, PW_ENOMEM, 0, "out of memory");
		c->zbuf = b;
		c->zcap = cap;
	}
	memcpy(c->zbuf + c->zlen, p, len);
	c->zlen += len;
	return 0;
}

/* The text of a sheet cell as the sheet shows it: a number formatted as a percentage is
 * the number of percent points (Excel keeps 5.8% as 0.058; the import format, like the
 * catalog, means 5.8). buf holds a converted number. */
static const char *cell_shown(const struct xlsxin_cell *cell, char buf[32], size_t *len)
{
	char *end;
	double v;

	*len = cell->len;
	if (!cell->percent || !isfinite(v = strtod(cell->text, &end)) || *end)
		return cell->text;
	int n = snprintf(buf, 32, "%.15g", v * 100); /* 15 digits: 0.058 -> 5.8, not 5.800..01 */
	*len = n > 0 && n < 32 ? (size_t)n : 0;
	return buf;
}

/* Hands one sheet row to the row handler: fields 1..width, "" where the sheet has no
 * cell; cells[0..n) are the row's cells, left to right. Blanks around a cell's text go,
 * as libcsv drops them around an unquoted field. */
static void xlsx_row(struct csvin *c, const struct xlsxin_cell *cells, size_t n)
{
	uint32_t width = c->header_done ? (uint32_t)c->n_hdr : cells[n - 1].col;
	char ref[16];

	c->row_line = (long)cells[0].row;
	if (c->header_done && cells[n - 1].col > width) {
		xlsxin_ref_format(cells[n - 1].row, cells[n - 1].col, ref);
		fail(c, PW_EFIELD, c->row_line, "cell %s has a value but its column has no header",
		     ref);
		return;
	}
	if (!c->header_done && width > CSVIN_MAX_COLS) {
		fail(c, PW_EFIELD, c->row_line, "the header has %u fields, more than %d",
		     (unsigned)width, CSVIN_MAX_COLS);
		return;
	}
	size_t k = 0;
	for (uint32_t col = 1; col <= width && !c->err; col++) {
		const char *t = "";
		char num[32];
		size_t len = 0;
		if (k < n && cells[k].col == col) {
			t = cell_shown(&cells[k++], num, &len);
			while (len && strchr(" \t\r\n", t[0]))
				t++, len--;
			while (len && strchr(" \t\r\n", t[len - 1]))
				len--;
		}
		put_field(c, t, len, c->row_line);
	}
	if (!c->err)
		put_row_end(c);
}

#define XLSX_ROW_CELLS 1024 /* more cells in one row than that: their columns have no header */

/* Reads the kept .xlsx file: its sheet's rows go to the row handler like CSV lines. */
static int read_xlsx(struct csvin *c)
{
	struct xlsxin_cell row[XLSX_ROW_CELLS];
	char err[XLSXIN_ERR_MAX];
	struct xlsxin *x;
	size_t n = 0;

	int rc = xlsxin_open(&x, c->zbuf, c->zlen, c->sheet, NULL, err);
	free(c->zbuf);
	c->zbuf = NULL;
	if (rc < 0)
		return fail(c, rc, 0, "%s", err);
	for (size_t i = 0; i < xlsxin_count(x) && !c->err; i++) {
		struct xlsxin_cell cell;
		xlsxin_get(x, i, &cell);
		if (n > 0 && cell.row != row[0].row) {
			xlsx_row(c, row, n);
			n = 0;
		}
		if (n == XLSX_ROW_CELLS) {
			char ref[16];
			xlsxin_ref_format(cell.row, cell.col, ref);
			fail(c, PW_EFIELD, (long)cell.row, "cell %s: more than %d cells in a row", ref,
			     XLSX_ROW_CELLS);
			break;
		}
		row[n++] = cell;
	}
	if (n > 0 && !c->err)
		xlsx_row(c, row, n);
	c->line = c->row_line + 1;
	xlsxin_free(x);
	return c->err;
}

int csvin_new(struct csvin **ret)
{
	if (!ret)
		return PW_EINVAL;
	struct csvin *c = calloc(1, sizeof(*c));
	if (!c)
		return PW_ENOMEM;
	if (csv_init(&c->p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL | CSV_APPEND_NULL) != 0) {
		free(c);
		return PW_ENOMEM;
	}
	c->line = 1;
	c->raw_line = 1;
	*ret = c;
	return 0;
}

void csvin_free(struct csvin *c)
{
	if (!c)
		return;
	csv_free(&c->p);
	for (size_t i = 0; i < c->n_rows; i++)
		free(c->blocks[i]);
	free(c->blocks);
	free(c->rows);
	free(c->fbuf);
	free(c->zbuf);
	free(c->sheet);
	free(c);
}

int csvin_feed(struct csvin *c, const void *buf, size_t len)
{
	static const unsigned char bom[3] = { 0xef, 0xbb, 0xbf };
	const unsigned char *p = buf;
	int rc;

	if (!c || (!buf && len))
		return PW_EINVAL;
	if (c->err)
		return c->err;
	if (c->ended)
		return PW_EINVAL;
	while (len > 0 && !c->started) {
		if (c->n_head < 4 && (c->n_head == 0 || memcmp(c->head, zip_magic, c->n_head) == 0) &&
		    *p == zip_magic[c->n_head]) {
			c->head[c->n_head++] = *p++; /* maybe an .xlsx file */
			len--;
			if (c->n_head == 4) {
				c->started = c->zip = true;
				c->n_head = 0;
				if ((rc = zip_keep(c, zip_magic, 4)) < 0)
					return rc;
			}
			continue;
		}
		if (c->n_head > 0 && c->head[0] == zip_magic[0]) {
			c->started = true; /* "PK" but not a ZIP after all: CSV text */
			if ((rc = parse(c, c->head, c->n_head)) < 0)
				return rc;
			c->n_head = 0;
			break;
		}
		c->head[c->n_head++] = *p++;
		len--;
		const unsigned char *h = c->head;
		bool utf16 = c->n_head == 2 && ((h[0] == 0xff && h[1] == 0xfe) ||
						(h[0] == 0xfe && h[1] == 0xff));
		if (utf16)
			return fail(c, PW_EPROTO, 1, "the file is UTF-16: save it as CSV UTF-8");
		if (c->n_head == 3 && memcmp(h, bom, 3) == 0) {
			c->started = true; /* a UTF-8 BOM (Excel's "CSV UTF-8"): drop it */
			c->n_head = 0;
		} else if (memcmp(h, bom, c->n_head) != 0 &&
			   !(c->n_head == 1 && (h[0] == 0xff || h[0] == 0xfe))) {
			c->started = true;
			if ((rc = parse(c, h, c->n_head)) < 0)
				return rc;
			c->n_head = 0;
		}
	}
	return c->zip ? zip_keep(c, p, len) : parse(c, p, len);
}

int csvin_end(struct csvin *c)
{
	int rc;

	if (!c)
		return PW_EINVAL;
	if (c->err)
		return c->err;
	if (c->ended)
		return PW_EINVAL;
	c->ended = true;
	if (c->zip) {
		if ((rc = read_xlsx(c)) < 0)
			return rc;
		goto out_header;
	}
	if (!c->started && c->n_head > 0) {
		c->started = true;
		if ((rc = parse(c, c->head, c->n_head)) < 0)
			return rc;
	}
	if (csv_fini(&c->p, on_field, on_row, c) != 0 && !c->err)
		return fail(c, PW_EPROTO, c->line, "a quoted field is not closed by '\"'");
	if (c->err)
		return c->err;
out_header:
	if (!c->header_done)
		return fail(c, PW_EFIELD, c->line, "no header: the %s is empty (expected %s)",
			    c->zip ? "sheet" : "file", HEADER);
	return 0;
}

int csvin_set_sheet(struct csvin *c, const char *name)
{
	if (!c || !name || c->ended)
		return PW_EINVAL;
	char *s = strdup(name);
	if (!s)
		return PW_ENOMEM;
	free(c->sheet);
	c->sheet = s;
	return 0;
}

const char *csvin_error(const struct csvin *c)
{
	return c ? c->msg : "";
}

size_t csvin_count(const struct csvin *c)
{
	return c ? c->n_rows : 0;
}

struct csvin_row *csvin_row(struct csvin *c, size_t i)
{
	return c && i < c->n_rows ? &c->rows[i] : NULL;
}

int csvin_parse(struct csvin **ret, const void *buf, size_t len, char err[CSVIN_ERR_MAX])
{
	struct csvin *c;
	int rc;

	if (err)
		err[0] = '\0';
	if (!ret || (!buf && len))
		return PW_EINVAL;
	if ((rc = csvin_new(&c)) < 0)
		return rc;
	if ((rc = csvin_feed(c, buf, len)) == 0)
		rc = csvin_end(c);
	if (rc < 0) {
		if (err)
			snprintf(err, CSVIN_ERR_MAX, "%s", csvin_error(c));
		csvin_free(c);
		return rc;
	}
	*ret = c;
	return 0;
}
