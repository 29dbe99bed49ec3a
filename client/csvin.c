/* client/csvin.c — reads the import CSV format with libcsv (see csvin.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "../proto/err.h"
#include "../proto/proto.h"
#include "csvin.h"

#define CSVIN_CHUNK 65536 /* bytes handed to libcsv at a time: errors stop the parse early */

static const char *const col_names[CSVIN_COLS] = {
	"plan", "indicator", "period", "value", "unit", "status", "dept", "yoy", "reason", "source",
};
#define HEADER "plan,indicator,period,value,unit,status,dept,yoy,reason,source"

struct csvin {
	struct csv_parser p;
	struct csvin_row *rows;
	size_t n_rows, cap_rows;
	/* The row being read: its first CSVIN_COLS fields back to back, each NUL-terminated. */
	char *fbuf;
	size_t flen, fcap;
	size_t off[CSVIN_COLS];
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
	/* The first bytes, held until we know whether they are a byte order mark. */
	unsigned char head[3];
	size_t n_head;
	bool started, header_done, ended;
	int err;
	char msg[CSVIN_ERR_MAX];
};

/* Records the first error as "line N: ..."; returns it. */
__attribute__((format(printf, 4, 5))) static int fail(struct csvin *c, int err, long line,
							  const char *fmt, ...)
{
	va_list ap;
	if (c->err)
		return c->err;
	c->err = err;
	int off = snprintf(c->msg, sizeof(c->msg), "line %ld: ", line);
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

static void end_row(struct csvin *c)
{
	if (!c->header_done) {
		c->header_done = true;
		if (c->n_field != CSVIN_COLS) {
			fail(c, PW_EFIELD, c->row_line,
			     "the header has %zu fields, expected %d: %s", c->n_field, CSVIN_COLS,
			     HEADER);
			return;
		}
		for (int i = 0; i < CSVIN_COLS; i++)
			if (strcmp(c->fbuf + c->off[i], col_names[i]) != 0) {
				fail(c, PW_EFIELD, c->row_line,
				     "header field %d is '%.40s', expected '%s'; the header is %s",
				     i + 1, c->fbuf + c->off[i], col_names[i], HEADER);
				return;
			}
		return;
	}
	if (c->n_field != CSVIN_COLS) {
		fail(c, PW_EFIELD, c->row_line, "%zu fields, expected %d (%s)", c->n_field,
		     CSVIN_COLS, HEADER);
		return;
	}
	if (c->n_rows == c->cap_rows) {
		size_t cap = c->cap_rows ? 2 * c->cap_rows : 256;
		struct csvin_row *rows = realloc(c->rows, cap * sizeof(*rows));
		if (!rows) {
			fail(c, PW_ENOMEM, c->row_line, "out of memory");
			return;
		}
		c->rows = rows;
		c->cap_rows = cap;
	}
	/* One block per row; field 0 is at its start, so csvin_free frees col[0]. */
	char *block = malloc(c->flen);
	if (!block) {
		fail(c, PW_ENOMEM, c->row_line, "out of memory");
		return;
	}
	memcpy(block, c->fbuf, c->flen);
	struct csvin_row *r = &c->rows[c->n_rows++];
	for (int i = 0; i < CSVIN_COLS; i++)
		r->col[i] = block + c->off[i];
	r->line = c->row_line;
	r->err = 0;
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
	if (c->n_field < CSVIN_COLS) {
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
		c->off[c->n_field] = c->flen;
		memcpy(c->fbuf + c->flen, f, len);
		c->fbuf[c->flen + len] = '\0';
		c->flen += len + 1;
	}
	c->n_field++;
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
	if (c->n_field > 0 && c->nonempty)
		end_row(c);
	c->n_field = 0;
	c->flen = 0;
	c->nonempty = false;
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
		free((void *)c->rows[i].col[0]);
	free(c->rows);
	free(c->fbuf);
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
	return parse(c, p, len);
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
	if (!c->started && c->n_head > 0) {
		c->started = true;
		if ((rc = parse(c, c->head, c->n_head)) < 0)
			return rc;
	}
	if (csv_fini(&c->p, on_field, on_row, c) != 0 && !c->err)
		return fail(c, PW_EPROTO, c->line, "a quoted field is not closed by '\"'");
	if (c->err)
		return c->err;
	if (!c->header_done)
		return fail(c, PW_EFIELD, c->line, "no header: the file is empty (expected %s)",
			    HEADER);
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
