/* client/xlsxin.c — reads one worksheet of an .xlsx file with libzip and expat (see
 * xlsxin.h). Every part is streamed: libzip inflates a chunk, expat parses it, and the
 * byte counts are checked before the next chunk, so a ZIP bomb costs at most the limit. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <zip.h>

#include "../proto/err.h"
#include "xlsxin.h"

#define RATIO_GRACE (1u << 20) /* a part's first MiB is never a bomb: tiny parts compress well */
#define CHUNK 16384

/* A growable byte buffer. */
struct xbuf {
	char *p;
	size_t len, cap;
};

struct xcell {
	uint32_t row, col;
	uint8_t type;
	bool in_sst; /* text is in the shared-string table, not in the sheet's own text */
	bool percent;
	size_t off, len;
};

struct xsheet {
	char *name, *rid;
};

struct xrel {
	char *id, *target, *type;
	bool external;
};

struct xlsxin;
typedef void (*start_fn)(struct xlsxin *x, const char *name, const char **attr);
typedef void (*end_fn)(struct xlsxin *x, const char *name);

/* What the worksheet handlers know about the cell being read. */
enum ctype { CT_NUM, CT_SST, CT_STR, CT_INLINE, CT_BOOL, CT_ERR, CT_DATE };

struct xlsxin {
	struct xlsxin_limits lim;
	zip_t *zip;
	/* The shared strings, back to back, each NUL-terminated. */
	struct xbuf sst;
	size_t *sst_off, *sst_len, n_sst, cap_sst;
	/* The sheet's own cell texts (numbers, inline strings), likewise. */
	struct xbuf text;
	struct xcell *cells;
	size_t n_cells, cap_cells;
	/* The styles: which custom number formats show a percentage, and for each cell style
	 * (cellXfs, what a cell's s="N" names) whether it uses one. */
	uint32_t *pct_fmts;
	size_t n_pct_fmts, cap_pct_fmts;
	bool *xf_pct;
	size_t n_xf, cap_xf;
	bool in_fmts, in_xfs, cell_pct;
	struct xsheet *sheets;
	size_t n_sheets, cap_sheets;
	struct xrel *rels;
	size_t n_rels, cap_rels;
	char *sheet_name;
	/* The part being parsed. */
	const char *part;
	XML_Parser xp;
	start_fn start;
	end_fn end;
	unsigned depth;
	size_t total; /* uncompressed bytes of all parts so far */
	bool collect; /* character data goes to cur */
	struct xbuf cur;
	/* Shared strings and worksheet state. */
	int in_rph;                /* inside a phonetic run (<rPh>): not part of the text */
	bool in_si, in_is, in_data, in_row, in_cell, has_value, has_formula;
	uint32_t row, col;         /* the current row and the last cell's column */
	enum ctype ctype;
	int err;
	char msg[XLSXIN_ERR_MAX];
};

void xlsxin_limits_default(struct xlsxin_limits *l)
{
	*l = (struct xlsxin_limits){
		.max_file = 64u << 20,
		.max_part = 64u << 20,
		.max_total = 256u << 20,
		.max_ratio = 100,
		.max_strings = 1000000,
		.max_string_bytes = 64u << 20,
		.max_cell = 128u << 10,
		.max_cells = 1000000,
		.max_rows = 1048576,
		.max_cols = 16384,
		.max_sheets = 1000,
		.max_depth = 32,
	};
}

/* Records the first error as "PART: line N: ..." (the part and line while one is being
 * parsed) and stops the parser; returns err. */
__attribute__((format(printf, 3, 4))) static int fail(struct xlsxin *x, int err,
						       const char *fmt, ...)
{
	va_list ap;
	int off = 0;

	if (x->err)
		return x->err;
	x->err = err;
	if (x->part && x->xp)
		off = snprintf(x->msg, sizeof(x->msg), "%s: line %lu: ", x->part,
			       (unsigned long)XML_GetCurrentLineNumber(x->xp));
	else if (x->part)
		off = snprintf(x->msg, sizeof(x->msg), "%s: ", x->part);
	if (off < 0 || (size_t)off >= sizeof(x->msg))
		off = 0;
	va_start(ap, fmt);
	vsnprintf(x->msg + off, sizeof(x->msg) - (size_t)off, fmt, ap);
	va_end(ap);
	if (x->xp)
		XML_StopParser(x->xp, XML_FALSE);
	return err;
}

static int xbuf_add(struct xlsxin *x, struct xbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return fail(x, PW_ENOMEM, "out of memory");
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* Grows an array of n elements of size sz to hold one more. */
static int grow(struct xlsxin *x, void **arr, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? 2 * *cap : 64;
	void *p = realloc(*arr, c * sz);
	if (!p)
		return fail(x, PW_ENOMEM, "out of memory");
	*arr = p;
	*cap = c;
	return 0;
}

static char *xstrdup(struct xlsxin *x, const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		fail(x, PW_ENOMEM, "out of memory");
	return d;
}

/* The local part of an expat name "namespace|local" (or of an unqualified name). */
static const char *local(const char *name)
{
	const char *bar = strrchr(name, '|');
	return bar ? bar + 1 : name;
}

/* The value of attribute `name`: namespaced (r:id) when ns, else unqualified. */
static const char *attr(const char **a, const char *name, bool ns)
{
	for (; a[0]; a += 2) {
		const char *bar = strrchr(a[0], '|');
		if ((bar != NULL) == ns && strcmp(bar ? bar + 1 : a[0], name) == 0)
			return a[1];
	}
	return NULL;
}

/* ---- cell references ---- */

int xlsxin_ref(const char *s, size_t len, uint32_t *row, uint32_t *col)
{
	size_t i = 0;
	uint32_t c = 0, r = 0;

	if (!s || !row || !col)
		return PW_EINVAL;
	for (; i < len && i < 3 && s[i] >= 'A' && s[i] <= 'Z'; i++)
		c = c * 26 + (uint32_t)(s[i] - 'A' + 1);
	if (i == 0 || c > 16384 || i == len || s[i] == '0')
		return PW_EINVAL;
	for (size_t k = i; k < len; k++) {
		if (s[k] < '0' || s[k] > '9' || k - i >= 7)
			return PW_EINVAL;
		r = r * 10 + (uint32_t)(s[k] - '0');
	}
	if (r < 1 || r > 1048576)
		return PW_EINVAL;
	*row = r;
	*col = c;
	return 0;
}

void xlsxin_ref_format(uint32_t row, uint32_t col, char buf[16])
{
	char letters[8];
	int n = 0;
	for (uint32_t c = col; c > 0 && n < 7; c = (c - 1) / 26)
		letters[n++] = (char)('A' + (c - 1) % 26);
	int k = 0;
	while (n > 0)
		buf[k++] = letters[--n];
	snprintf(buf + k, (size_t)(16 - k), "%u", (unsigned)row);
}

/* ---- parsing one part ---- */

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **a)
{
	struct xlsxin *x = ud;
	if (x->err)
		return;
	if (++x->depth > x->lim.max_depth) {
		fail(x, PW_ETOOBIG, "XML nested deeper than %u elements (limit max_depth)",
		     x->lim.max_depth);
		return;
	}
	x->start(x, local(name), a);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct xlsxin *x = ud;
	if (x->err)
		return;
	x->depth--;
	x->end(x, local(name));
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct xlsxin *x = ud;
	if (x->err || !x->collect || x->in_rph)
		return;
	if (x->cur.len + (size_t)len > x->lim.max_cell) {
		fail(x, PW_ETOOBIG, "a cell or string longer than %zu bytes (limit max_cell)",
		     x->lim.max_cell);
		return;
	}
	xbuf_add(x, &x->cur, s, (size_t)len);
}

/* OOXML has no DTD: one here can only be an attack (entity expansion, "billion laughs"). */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal;
	fail(ud, PW_EPROTO, "a DOCTYPE is not allowed (no DTD or entity declarations)");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param,
			      const XML_Char *value, int value_len, const XML_Char *base,
			      const XML_Char *sysid, const XML_Char *pubid,
			      const XML_Char *notation)
{
	(void)name, (void)is_param, (void)value, (void)value_len, (void)base, (void)sysid;
	(void)pubid, (void)notation;
	fail(ud, PW_EPROTO, "entity declarations are not allowed");
}

/* Feeds one chunk to expat after the size checks; returns 0 or the error. */
static int parse_chunk(struct xlsxin *x, const char *p, size_t n, size_t got, uint64_t comp,
		       bool last)
{
	if (got > x->lim.max_part)
		return fail(x, PW_ETOOBIG, "more than %zu bytes uncompressed (limit max_part)",
			    x->lim.max_part);
	if (x->total > x->lim.max_total)
		return fail(x, PW_ETOOBIG, "the parts read hold more than %zu bytes uncompressed "
			    "(limit max_total)", x->lim.max_total);
	if (got > RATIO_GRACE && got / x->lim.max_ratio > (comp ? comp : 1))
		return fail(x, PW_ETOOBIG, "%llu compressed bytes expand more than %u times "
			    "(a ZIP bomb? limit max_ratio)", (unsigned long long)comp,
			    x->lim.max_ratio);
	if (XML_Parse(x->xp, p, (int)n, last) == XML_STATUS_ERROR && !x->err)
		return fail(x, PW_EPROTO, "malformed XML: %s",
			    XML_ErrorString(XML_GetErrorCode(x->xp)));
	return x->err;
}

/* Streams part `name` through expat with the handlers start/end. A missing part is
 * PW_ENOTFOUND (with a message only unless optional). */
static int read_part(struct xlsxin *x, const char *name, bool optional, start_fn start,
		     end_fn end)
{
	char chunk[CHUNK];
	zip_stat_t st;
	size_t got = 0;
	int rc = 0;

	x->part = name;
	zip_int64_t i = zip_name_locate(x->zip, name, ZIP_FL_NOCASE);
	if (i < 0) {
		x->part = NULL;
		if (optional)
			return PW_ENOTFOUND;
		return fail(x, PW_EPROTO, "no part '%s' in the ZIP (not an Excel .xlsx workbook?)",
			    name);
	}
	zip_stat_init(&st);
	if (zip_stat_index(x->zip, (zip_uint64_t)i, 0, &st) < 0)
		return fail(x, PW_EPROTO, "cannot read the ZIP directory: %s",
			    zip_strerror(x->zip));
	size_t nlen = st.name ? strlen(st.name) : 0;
	if (nlen == 0 || st.name[nlen - 1] == '/')
		return fail(x, PW_EPROTO, "is a directory, not an XML part");
	if ((st.valid & ZIP_STAT_SIZE) && st.size > x->lim.max_part)
		return fail(x, PW_ETOOBIG, "%llu bytes uncompressed, more than %zu (limit max_part)",
			    (unsigned long long)st.size, x->lim.max_part);
	uint64_t comp = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
	zip_file_t *f = zip_fopen_index(x->zip, (zip_uint64_t)i, 0);
	if (!f)
		return fail(x, PW_EPROTO, "cannot open: %s", zip_strerror(x->zip));
	if (!(x->xp = XML_ParserCreateNS(NULL, '|'))) {
		zip_fclose(f);
		return fail(x, PW_ENOMEM, "out of memory");
	}
	XML_SetUserData(x->xp, x);
	XML_SetElementHandler(x->xp, on_start, on_end);
	XML_SetCharacterDataHandler(x->xp, on_text);
	XML_SetStartDoctypeDeclHandler(x->xp, on_doctype);
	XML_SetEntityDeclHandler(x->xp, on_entity);
	XML_SetParamEntityParsing(x->xp, XML_PARAM_ENTITY_PARSING_NEVER);
	x->start = start;
	x->end = end;
	x->depth = 0;
	x->collect = x->in_si = x->in_is = x->in_data = x->in_row = x->in_cell = false;
	x->in_fmts = x->in_xfs = false;
	x->in_rph = 0;
	for (;;) {
		zip_int64_t n = zip_fread(f, chunk, sizeof(chunk));
		if (n < 0) {
			rc = fail(x, PW_EPROTO, "corrupt ZIP data: %s", zip_file_strerror(f));
			break;
		}
		got += (size_t)n;
		x->total += (size_t)n;
		if ((rc = parse_chunk(x, chunk, (size_t)n, got, comp, n == 0)) < 0 || n == 0)
			break;
	}
	XML_ParserFree(x->xp);
	x->xp = NULL;
	zip_fclose(f);
	x->part = NULL; /* the caller may free name */
	return rc;
}

/* ---- xl/workbook.xml and its relationships ---- */

static void wb_start(struct xlsxin *x, const char *name, const char **a)
{
	if (strcmp(name, "sheet") != 0)
		return;
	const char *nm = attr(a, "name", false), *rid = attr(a, "id", true);
	if (!nm || !rid) {
		fail(x, PW_EPROTO, "a <sheet> without name or r:id");
		return;
	}
	if (x->n_sheets >= x->lim.max_sheets) {
		fail(x, PW_ETOOBIG, "more than %u sheets (limit max_sheets)", x->lim.max_sheets);
		return;
	}
	if (grow(x, (void **)&x->sheets, x->n_sheets, &x->cap_sheets, sizeof(*x->sheets)) < 0)
		return;
	struct xsheet *s = &x->sheets[x->n_sheets++];
	*s = (struct xsheet){ NULL, NULL };
	s->name = xstrdup(x, nm);
	s->rid = xstrdup(x, rid);
}

static void no_end(struct xlsxin *x, const char *name)
{
	(void)x, (void)name;
}

static void rel_start(struct xlsxin *x, const char *name, const char **a)
{
	if (strcmp(name, "Relationship") != 0)
		return;
	const char *id = attr(a, "Id", false), *target = attr(a, "Target", false);
	const char *type = attr(a, "Type", false), *mode = attr(a, "TargetMode", false);
	if (!id || !target) {
		fail(x, PW_EPROTO, "a <Relationship> without Id or Target");
		return;
	}
	/* As many relationships as sheets, plus styles, theme, strings and a few more. */
	if (x->n_rels >= 2 * (size_t)x->lim.max_sheets + 16) {
		fail(x, PW_ETOOBIG, "more than %zu relationships (limit 2 x max_sheets + 16)",
		     2 * (size_t)x->lim.max_sheets + 16);
		return;
	}
	if (grow(x, (void **)&x->rels, x->n_rels, &x->cap_rels, sizeof(*x->rels)) < 0)
		return;
	struct xrel *r = &x->rels[x->n_rels++];
	*r = (struct xrel){ NULL, NULL, NULL, mode && strcmp(mode, "External") == 0 };
	r->id = xstrdup(x, id);
	r->target = xstrdup(x, target);
	r->type = xstrdup(x, type);
}

/* The part a workbook relationship points at: "worksheets/sheet1.xml" is relative to
 * xl/, "/xl/worksheets/sheet1.xml" to the root; "." and ".." segments are resolved.
 * Returns a new string, or NULL with the error recorded. */
static char *resolve(struct xlsxin *x, const char *target)
{
	size_t n = strlen(target);
	char *out = malloc(n + 4);
	size_t len = 0;

	if (!out) {
		fail(x, PW_ENOMEM, "out of memory");
		return NULL;
	}
	if (target[0] != '/') {
		memcpy(out, "xl/", 3);
		len = 3;
	}
	for (const char *s = target; *s;) {
		while (*s == '/')
			s++;
		const char *e = strchr(s, '/');
		size_t k = e ? (size_t)(e - s) : strlen(s);
		if (k == 2 && s[0] == '.' && s[1] == '.') {
			if (len == 0) {
				free(out);
				fail(x, PW_EPROTO, "target '%.60s' leaves the archive", target);
				return NULL;
			}
			len--; /* drop the trailing '/' and the segment before it */
			while (len > 0 && out[len - 1] != '/')
				len--;
		} else if (!(k == 1 && s[0] == '.') && k > 0) {
			memcpy(out + len, s, k);
			len += k;
			if (e)
				out[len++] = '/';
		}
		s += k;
	}
	out[len] = '\0';
	return out;
}

static const struct xrel *rel_by_id(const struct xlsxin *x, const char *id)
{
	for (size_t i = 0; i < x->n_rels; i++)
		if (strcmp(x->rels[i].id, id) == 0)
			return &x->rels[i];
	return NULL;
}

/* The relationship whose Type ends in "/suffix" (a namespace URI, transitional or strict). */
static const struct xrel *rel_by_type(const struct xlsxin *x, const char *suffix)
{
	size_t k = strlen(suffix);
	for (size_t i = 0; i < x->n_rels; i++) {
		size_t n = strlen(x->rels[i].type);
		if (n > k && x->rels[i].type[n - k - 1] == '/' &&
		    strcmp(x->rels[i].type + n - k, suffix) == 0)
			return &x->rels[i];
	}
	return NULL;
}

/* ---- the shared-string table ---- */

static void sst_start(struct xlsxin *x, const char *name, const char **a)
{
	(void)a;
	if (strcmp(name, "si") == 0) {
		x->in_si = true;
		x->cur.len = 0;
	} else if (strcmp(name, "rPh") == 0) {
		x->in_rph++;
	} else if (strcmp(name, "t") == 0 && x->in_si) {
		x->collect = true;
	}
}

static void sst_end(struct xlsxin *x, const char *name)
{
	if (strcmp(name, "t") == 0) {
		x->collect = false;
	} else if (strcmp(name, "rPh") == 0) {
		x->in_rph--;
	} else if (strcmp(name, "si") == 0 && x->in_si) {
		x->in_si = false;
		if (x->n_sst >= x->lim.max_strings) {
			fail(x, PW_ETOOBIG, "more than %zu shared strings (limit max_strings)",
			     x->lim.max_strings);
			return;
		}
		if (x->sst.len + x->cur.len + 1 > x->lim.max_string_bytes) {
			fail(x, PW_ETOOBIG, "shared strings longer than %zu bytes in all "
			     "(limit max_string_bytes)", x->lim.max_string_bytes);
			return;
		}
		size_t cap = x->cap_sst;
		if (grow(x, (void **)&x->sst_off, x->n_sst, &cap, sizeof(size_t)) < 0 ||
		    grow(x, (void **)&x->sst_len, x->n_sst, &x->cap_sst, sizeof(size_t)) < 0)
			return;
		x->sst_off[x->n_sst] = x->sst.len;
		x->sst_len[x->n_sst] = x->cur.len;
		if (xbuf_add(x, &x->sst, x->cur.p ? x->cur.p : "", x->cur.len) < 0)
			return;
		x->sst.len++; /* keep the NUL between strings */
		x->n_sst++;
	}
}

/* ---- the styles: only what tells a percentage ---- */

#define MAX_STYLES 65536 /* Excel allows 64,000 cell formats */

/* Does an Excel number format show a percentage: a '%' outside quotes and escapes? */
static bool format_is_percent(const char *f)
{
	bool quoted = false;
	for (; *f; f++) {
		if (*f == '"')
			quoted = !quoted;
		else if (*f == '\\' && f[1])
			f++;
		else if (*f == '%' && !quoted)
			return true;
	}
	return false;
}

static bool fmt_is_percent(const struct xlsxin *x, uint32_t id)
{
	if (id == 9 || id == 10) /* the built-in 0% and 0.00% */
		return true;
	for (size_t i = 0; i < x->n_pct_fmts; i++)
		if (x->pct_fmts[i] == id)
			return true;
	return false;
}

static int parse_uint(const char *s, uint32_t max, uint32_t *out);

static void styles_start(struct xlsxin *x, const char *name, const char **a)
{
	const char *id = attr(a, "numFmtId", false);
	uint32_t n = 0;

	if (strcmp(name, "cellXfs") == 0) {
		x->in_xfs = true;
	} else if (strcmp(name, "numFmts") == 0) {
		x->in_fmts = true; /* not the numFmt of a differential format (dxf) */
	} else if (strcmp(name, "numFmt") == 0 && x->in_fmts) {
		const char *code = attr(a, "formatCode", false);
		if (!id || !code || parse_uint(id, UINT32_MAX - 1, &n) < 0 ||
		    !format_is_percent(code))
			return;
		if (x->n_pct_fmts >= MAX_STYLES) {
			fail(x, PW_ETOOBIG, "more than %d number formats", MAX_STYLES);
			return;
		}
		if (grow(x, (void **)&x->pct_fmts, x->n_pct_fmts, &x->cap_pct_fmts,
			 sizeof(*x->pct_fmts)) == 0)
			x->pct_fmts[x->n_pct_fmts++] = n;
	} else if (strcmp(name, "xf") == 0 && x->in_xfs) {
		if (x->n_xf >= MAX_STYLES) {
			fail(x, PW_ETOOBIG, "more than %d cell formats", MAX_STYLES);
			return;
		}
		if (id && parse_uint(id, UINT32_MAX - 1, &n) < 0)
			n = 0;
		if (grow(x, (void **)&x->xf_pct, x->n_xf, &x->cap_xf, sizeof(*x->xf_pct)) == 0)
			x->xf_pct[x->n_xf++] = id && fmt_is_percent(x, n);
	}
}

static void styles_end(struct xlsxin *x, const char *name)
{
	if (strcmp(name, "cellXfs") == 0)
		x->in_xfs = false;
	else if (strcmp(name, "numFmts") == 0)
		x->in_fmts = false;
}

/* ---- the worksheet ---- */

static int parse_uint(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return PW_EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || (v = v * 10 + (uint64_t)(*s - '0')) > max)
			return PW_EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static void row_start(struct xlsxin *x, const char **a)
{
	const char *r = attr(a, "r", false);
	uint32_t n = x->row + 1;

	if (r && parse_uint(r, UINT32_MAX / 2, &n) < 0) {
		fail(x, PW_EPROTO, "row number '%.20s' is not a number", r);
		return;
	}
	if (n <= x->row) {
		fail(x, PW_EPROTO, "row %u after row %u: rows out of order", (unsigned)n,
		     (unsigned)x->row);
		return;
	}
	if (n > x->lim.max_rows) {
		fail(x, PW_ETOOBIG, "row %u is past row %u (limit max_rows)", (unsigned)n,
		     (unsigned)x->lim.max_rows);
		return;
	}
	x->row = n;
	x->col = 0;
	x->in_row = true;
}

static void cell_start(struct xlsxin *x, const char **a)
{
	static const struct {
		const char *t;
		enum ctype ct;
	} types[] = { { "n", CT_NUM }, { "s", CT_SST }, { "str", CT_STR }, { "inlineStr", CT_INLINE },
		      { "b", CT_BOOL }, { "e", CT_ERR }, { "d", CT_DATE } };
	const char *r = attr(a, "r", false), *t = attr(a, "t", false), *st = attr(a, "s", false);
	uint32_t row = x->row, col = x->col + 1, style;
	char ref[16];

	if (r && xlsxin_ref(r, strlen(r), &row, &col) < 0) {
		fail(x, PW_EPROTO, "cell reference '%.20s' is not one (A1..XFD1048576)", r);
		return;
	}
	xlsxin_ref_format(row, col, ref);
	if (row != x->row || col <= x->col) {
		fail(x, PW_EPROTO, "cell %s out of place in row %u (cells go left to right)", ref,
		     (unsigned)x->row);
		return;
	}
	if (col > x->lim.max_cols) {
		fail(x, PW_ETOOBIG, "cell %s is past column %u (limit max_cols)", ref,
		     (unsigned)x->lim.max_cols);
		return;
	}
	x->ctype = CT_NUM;
	if (t) {
		size_t i = 0;
		while (i < sizeof(types) / sizeof(types[0]) && strcmp(t, types[i].t) != 0)
			i++;
		if (i == sizeof(types) / sizeof(types[0])) {
			fail(x, PW_EPROTO, "cell %s has an unknown type t=\"%.20s\"", ref, t);
			return;
		}
		x->ctype = types[i].ct;
	}
	/* A style that is not in the table is Excel's problem, not ours: no percentage. */
	x->cell_pct = st && parse_uint(st, UINT32_MAX - 1, &style) == 0 && style < x->n_xf &&
		      x->xf_pct[style];
	x->col = col;
	x->in_cell = true;
	x->has_value = x->has_formula = false;
	x->cur.len = 0;
}

static void sheet_start(struct xlsxin *x, const char *name, const char **a)
{
	if (strcmp(name, "sheetData") == 0) {
		x->in_data = true;
	} else if (!x->in_data) {
		return;
	} else if (strcmp(name, "row") == 0) {
		row_start(x, a);
	} else if (strcmp(name, "c") == 0 && x->in_row) {
		cell_start(x, a);
	} else if (!x->in_cell) {
		return;
	} else if (strcmp(name, "f") == 0) {
		x->collect = x->has_formula = true; /* kept in case no value follows */
		x->cur.len = 0;
	} else if (strcmp(name, "v") == 0 && x->ctype != CT_INLINE) {
		x->collect = x->has_value = true;
		x->cur.len = 0;
	} else if (strcmp(name, "is") == 0 && x->ctype == CT_INLINE) {
		x->in_is = x->has_value = true;
	} else if (strcmp(name, "rPh") == 0) {
		x->in_rph++;
	} else if (strcmp(name, "t") == 0 && x->in_is) {
		x->collect = true;
	}
}

/* Stores the finished cell <c> if it holds a value. */
static void cell_end(struct xlsxin *x)
{
	struct xcell c = { .row = x->row, .col = x->col, .type = XLSXIN_STR };
	const char *v = x->cur.len ? x->cur.p : ""; /* cur.p is stale past cur.len */
	char ref[16];

	x->in_cell = false;
	if ((!x->has_value || x->cur.len == 0) && !x->has_formula)
		return; /* empty */
	xlsxin_ref_format(c.row, c.col, ref);
	if (!x->has_value || x->cur.len == 0) {
		c.type = XLSXIN_FORMULA; /* never calculated: v is the formula */
		if (x->has_value)
			v = ""; /* <f>..</f><v></v>: the formula text was dropped at <v> */
	} else switch (x->ctype) {
	case CT_SST: {
		uint32_t i;
		if (parse_uint(v, UINT32_MAX - 1, &i) < 0 || i >= x->n_sst) {
			fail(x, PW_EPROTO, "cell %s: shared string '%.20s' of %zu", ref, v, x->n_sst);
			return;
		}
		c.in_sst = true;
		c.off = x->sst_off[i];
		c.len = x->sst_len[i];
		if (c.len == 0)
			return;
		break;
	}
	case CT_BOOL:
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
			fail(x, PW_EPROTO, "cell %s: boolean '%.20s' is not 0 or 1", ref, v);
			return;
		}
		c.type = XLSXIN_BOOL;
		v = v[0] == '1' ? "TRUE" : "FALSE";
		break;
	case CT_NUM:
		c.type = XLSXIN_NUM;
		c.percent = x->cell_pct;
		break;
	case CT_ERR:
		c.type = XLSXIN_ERROR;
		break;
	case CT_DATE:
		c.type = XLSXIN_DATE;
		break;
	default:
		break;
	}
	if (x->n_cells >= x->lim.max_cells) {
		fail(x, PW_ETOOBIG, "more than %zu cells with a value (limit max_cells)",
		     x->lim.max_cells);
		return;
	}
	if (grow(x, (void **)&x->cells, x->n_cells, &x->cap_cells, sizeof(c)) < 0)
		return;
	if (!c.in_sst) {
		const char *eq = c.type == XLSXIN_FORMULA ? "=" : "";
		c.off = x->text.len;
		c.len = strlen(eq) + strlen(v); /* XML text holds no NUL */
		if (xbuf_add(x, &x->text, eq, strlen(eq)) < 0 ||
		    xbuf_add(x, &x->text, v, strlen(v)) < 0)
			return;
		x->text.len++; /* keep the NUL */
	}
	x->cells[x->n_cells++] = c;
}

static void sheet_end(struct xlsxin *x, const char *name)
{
	if (strcmp(name, "v") == 0 || strcmp(name, "t") == 0 || strcmp(name, "f") == 0)
		x->collect = false;
	else if (strcmp(name, "rPh") == 0 && x->in_cell)
		x->in_rph--;
	else if (strcmp(name, "is") == 0)
		x->in_is = false;
	else if (strcmp(name, "c") == 0 && x->in_cell)
		cell_end(x);
	else if (strcmp(name, "row") == 0)
		x->in_row = false;
	else if (strcmp(name, "sheetData") == 0)
		x->in_data = false;
}

/* ---- the whole file ---- */

/* Finds the part of the sheet asked for (NULL: the first); returns a new string or NULL
 * with the error recorded. */
static char *sheet_part(struct xlsxin *x, const char *want)
{
	const struct xsheet *s = NULL;
	for (size_t i = 0; i < x->n_sheets && !s; i++)
		if (!want || strcmp(x->sheets[i].name, want) == 0)
			s = &x->sheets[i];
	if (!s) {
		char names[160] = "";
		size_t k = 0;
		for (size_t i = 0; i < x->n_sheets && k < sizeof(names) - 1; i++) {
			int w = snprintf(names + k, sizeof(names) - k, "%s'%s'", i ? ", " : "",
					 x->sheets[i].name);
			k = w < 0 ? sizeof(names) : k + (size_t)w;
		}
		if (!want)
			fail(x, PW_EPROTO, "xl/workbook.xml lists no sheet");
		else
			fail(x, PW_ENOTFOUND, "no sheet named '%.40s' (the workbook has %s)", want,
			     names);
		return NULL;
	}
	const struct xrel *r = rel_by_id(x, s->rid);
	if (!r || r->external) {
		fail(x, PW_EPROTO, "xl/_rels/workbook.xml.rels: sheet '%.40s' (%.20s) has no part",
		     s->name, s->rid);
		return NULL;
	}
	if (!(x->sheet_name = xstrdup(x, s->name)))
		return NULL;
	return resolve(x, r->target);
}

static int read_workbook(struct xlsxin *x, const char *want)
{
	int rc;
	char *path;

	if ((rc = read_part(x, "xl/workbook.xml", false, wb_start, no_end)) < 0 ||
	    (rc = read_part(x, "xl/_rels/workbook.xml.rels", false, rel_start, no_end)) < 0)
		return rc;
	if (x->err)
		return x->err; /* strdup failed inside a handler */
	const struct xrel *sty = rel_by_type(x, "styles");
	if (sty && !sty->external) {
		if (!(path = resolve(x, sty->target)))
			return x->err;
		rc = read_part(x, path, false, styles_start, styles_end);
		free(path);
		if (rc < 0)
			return rc;
	}
	const struct xrel *sst = rel_by_type(x, "sharedStrings");
	if (sst && !sst->external) {
		if (!(path = resolve(x, sst->target)))
			return x->err;
		rc = read_part(x, path, false, sst_start, sst_end);
		free(path);
		if (rc < 0)
			return rc;
	}
	if (!(path = sheet_part(x, want)))
		return x->err;
	rc = read_part(x, path, false, sheet_start, sheet_end);
	free(path);
	return rc;
}

void xlsxin_free(struct xlsxin *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n_sheets; i++) {
		free(x->sheets[i].name);
		free(x->sheets[i].rid);
	}
	for (size_t i = 0; i < x->n_rels; i++) {
		free(x->rels[i].id);
		free(x->rels[i].target);
		free(x->rels[i].type);
	}
	free(x->sheets);
	free(x->rels);
	free(x->sst.p);
	free(x->sst_off);
	free(x->sst_len);
	free(x->text.p);
	free(x->cells);
	free(x->cur.p);
	free(x->pct_fmts);
	free(x->xf_pct);
	free(x->sheet_name);
	free(x);
}

/* Opens buf as a ZIP archive (libzip's checks of the central directory included). */
static int open_zip(struct xlsxin *x, const void *buf, size_t len)
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(buf, len, 0, &ze);
	if (src && (x->zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze)))
		return 0;
	zip_source_free(src);
	fail(x, PW_EPROTO, "not an .xlsx file (not a valid ZIP archive: %s); an old .xls must "
	     "be saved as .xlsx", zip_error_strerror(&ze));
	zip_error_fini(&ze);
	return PW_EPROTO;
}

int xlsxin_open(struct xlsxin **ret, const void *buf, size_t len, const char *sheet,
		const struct xlsxin_limits *lim, char err[XLSXIN_ERR_MAX])
{
	struct xlsxin *x;
	int rc;

	if (err)
		err[0] = '\0';
	if (!ret || (!buf && len))
		return PW_EINVAL;
	if (!(x = calloc(1, sizeof(*x))))
		return PW_ENOMEM;
	if (lim)
		x->lim = *lim;
	else
		xlsxin_limits_default(&x->lim);
	if (x->lim.max_ratio == 0 || x->lim.max_depth == 0) {
		xlsxin_free(x);
		return PW_EINVAL;
	}
	if (len > x->lim.max_file)
		rc = fail(x, PW_ETOOBIG, "the file has %zu bytes, more than %zu (limit max_file)",
			  len, x->lim.max_file);
	else if ((rc = open_zip(x, buf ? buf : "", len)) == 0)
		rc = read_workbook(x, sheet);
	if (x->zip)
		zip_discard(x->zip);
	x->zip = NULL;
	if (rc < 0) {
		if (err)
			snprintf(err, XLSXIN_ERR_MAX, "%s", x->msg);
		xlsxin_free(x);
		return rc;
	}
	*ret = x;
	return 0;
}

const char *xlsxin_sheet(const struct xlsxin *x)
{
	return x && x->sheet_name ? x->sheet_name : "";
}

size_t xlsxin_count(const struct xlsxin *x)
{
	return x ? x->n_cells : 0;
}

int xlsxin_get(const struct xlsxin *x, size_t i, struct xlsxin_cell *out)
{
	if (!x || !out || i >= x->n_cells)
		return PW_EINVAL;
	const struct xcell *c = &x->cells[i];
	*out = (struct xlsxin_cell){ .row = c->row, .col = c->col, .type = c->type,
				     .text = (c->in_sst ? x->sst.p : x->text.p) + c->off,
				     .len = c->len, .percent = c->percent };
	return 0;
}
