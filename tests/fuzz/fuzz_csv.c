/* tests/fuzz/fuzz_csv.c — libFuzzer target for the import CSV reader (client/csvin.c,
 * libcsv underneath).
 *
 * The input is parsed twice: in one piece with csvin_parse(), and fed in pieces whose
 * sizes come from the input's first byte. Both must agree (same result code, rows, lines
 * and fields). On success: every row has ten NUL-terminated UTF-8 fields without NUL
 * bytes inside, and line numbers increase and stay within the file. On failure the
 * message says "line N: ..." with N inside the file. Each row's period and status go
 * through the parsers of people's forms (period_parse_text, status_parse_text): what they
 * accept formats to a canonical text the wire parsers read back as the same value.
 * (An input that is an .xlsx file is fuzz_xlsx's: here it only must not crash.) */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../client/csvin.h"
#include "../../proto/err.h"
#include "../../proto/period.h"
#include "../../proto/proto.h"
#include "../../proto/status.h"

#define FAIL(...)                                                 \
	do {                                                      \
		fprintf(stderr, "fuzz_csv: property violated: "); \
		fprintf(stderr, __VA_ARGS__);                     \
		fputc('\n', stderr);                              \
		abort();                                          \
	} while (0)

/* Lines of the file: LF, CRLF and lone CR each end one. */
static long count_lines(const uint8_t *d, size_t n)
{
	long lines = 1;
	for (size_t i = 0; i < n; i++)
		if (d[i] == '\r' || (d[i] == '\n' && (i == 0 || d[i - 1] != '\r')))
			lines++;
	return lines;
}

static void check_msg(const char *msg, long lines)
{
	char *end;
	if (strncmp(msg, "line ", 5) != 0)
		FAIL("message '%s' has no line", msg);
	long line = strtol(msg + 5, &end, 10);
	if (line < 1 || line > lines || *end != ':')
		FAIL("message '%s' names a line outside 1..%ld", msg, lines);
}

/* Chinese periods and statuses come out canonical (the wire's forms). */
static void check_text_forms(const struct csvin_row *r)
{
	struct period p, q;
	char buf[PERIOD_TEXT_MAX];
	const char *per = r->col[CSVIN_PERIOD];
	if (period_parse_text(&p, per, strlen(per)) == 0) {
		period_format(&p, buf);
		if (period_parse(&q, buf, strlen(buf)) < 0 || period_cmp(&p, &q) != 0)
			FAIL("period '%s' read as '%s', which does not read back", per, buf);
	}
	int st = status_parse_text(r->col[CSVIN_STATUS]);
	if (st != PW_ESTATUS && status_parse(status_name(st)) != st)
		FAIL("status '%s' read as %d", r->col[CSVIN_STATUS], st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CSVIN_ERR_MAX];
	struct csvin *a = NULL, *b = NULL;
	long lines = count_lines(data, size);

	if (size >= 4 && memcmp(data, "PK\3\4", 4) == 0) {
		if (csvin_parse(&a, data, size, err) == 0)
			csvin_free(a);
		return 0;
	}

	int rc = csvin_parse(&a, data, size, err);
	if (rc > 0 || rc <= PW__LAST)
		FAIL("csvin_parse returned %d", rc);
	if (rc < 0) {
		if (a)
			FAIL("*ret written on failure");
		check_msg(err, lines);
	} else {
		long prev = 0;
		for (size_t i = 0; i < csvin_count(a); i++) {
			struct csvin_row *r = csvin_row(a, i);
			if (!r || r->err != 0)
				FAIL("row %zu missing or marked", i);
			if (r->line <= prev || r->line > lines)
				FAIL("row %zu on line %ld (previous %ld, file has %ld)", i,
				     r->line, prev, lines);
			prev = r->line;
			for (int k = 0; k < CSVIN_COLS; k++) {
				const char *f = r->col[k];
				if (!f)
					FAIL("row %zu field %d is NULL", i, k);
				size_t n = strlen(f);
				if (n > CSVIN_MAX_FIELD || !proto_utf8_valid(f, n))
					FAIL("row %zu field %d: %zu bytes or not UTF-8", i, k, n);
			}
			/* A kept row may have all its mapped fields empty: its text sits in an
			 * ignored column (a name without a code), and it is kept so the daemon
			 * refuses it rather than dropping text unseen (test_xlsxin.c, row 6). */
			check_text_forms(r);
		}
		if (csvin_row(a, csvin_count(a)))
			FAIL("a row past the end");
	}

	/* The same bytes in pieces of 1..16 bytes (the first byte chooses) must agree. */
	size_t step = size ? (size_t)(data[0] % 16) + 1 : 1;
	if (csvin_new(&b) < 0)
		abort();
	int rc2 = 0;
	for (size_t off = 0; off < size && rc2 == 0; off += step)
		rc2 = csvin_feed(b, data + off, size - off < step ? size - off : step);
	if (rc2 == 0)
		rc2 = csvin_end(b);
	if (rc2 != rc)
		FAIL("in one piece %d (%s), in pieces of %zu: %d (%s)", rc, err, step, rc2,
		     csvin_error(b));
	if (rc < 0 && strcmp(err, csvin_error(b)) != 0)
		FAIL("messages differ: '%s' / '%s'", err, csvin_error(b));
	if (rc == 0) {
		if (csvin_count(a) != csvin_count(b))
			FAIL("%zu rows / %zu rows", csvin_count(a), csvin_count(b));
		for (size_t i = 0; i < csvin_count(a); i++) {
			struct csvin_row *x = csvin_row(a, i), *y = csvin_row(b, i);
			if (x->line != y->line)
				FAIL("row %zu: line %ld / %ld", i, x->line, y->line);
			for (int k = 0; k < CSVIN_COLS; k++)
				if (strcmp(x->col[k], y->col[k]) != 0)
					FAIL("row %zu field %d differs", i, k);
		}
	}
	csvin_free(a);
	csvin_free(b);
	return 0;
}
