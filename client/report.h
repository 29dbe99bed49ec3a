/* client/report.h — the progress report of one plan: `planwatch report`.
 *
 * Reads everything over the wire (catalog, status, alerts and one query per indicator,
 * see proto/PROTOCOL.md) and writes one self-contained document: HTML (inline CSS and
 * SVG sparklines, prints on A4), CSV (RFC 4180, one row per indicator) or JSON. The
 * module never prints anywhere but the FILE * it is given and never exits. */
#ifndef PW_REPORT_H
#define PW_REPORT_H

#include <stddef.h>
#include <stdio.h>

enum report_format {
	REPORT_HTML = 1,
	REPORT_CSV,
	REPORT_JSON,
};

#define REPORT_ERR_MAX 512 /* a sensible errlen for report_write */

struct pw_client;

/* Parses "html", "csv" or "json". Returns the enum report_format value (> 0) or PW_EINVAL. */
int report_format_parse(const char *s);

/* Writes the report of plan to out. period: NULL for the newest figures, else a period
 * ("2026", "2026Q3", "2026-10"): only observations whose period ends by the end of that
 * one count, and a verdict the daemon reached on a later figure is not shown. Returns 0,
 * PW_EINVAL (bad argument or period), PW_EPLAN (unknown plan), PW_ETIMEDOUT (no daemon),
 * PW_ESYS (writing out failed, errno kept), PW_ENOMEM or the code of a refused request;
 * err (when errlen > 0) then holds an English sentence without a trailing newline. On
 * error, out may hold a partial document. */
int report_write(struct pw_client *c, const char *plan, const char *period, int format,
		 FILE *out, char *err, size_t errlen);

#endif
