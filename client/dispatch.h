/* client/dispatch.h — `planwatch dispatch`: the 月度调度表 (monthly dispatch table) and the
 * quarterly analysis of one region (docs/DISPATCH.md).
 *
 * The catalog (regions, series, plans, 年度目标) is the daemon's: the caller fetches it
 * (dispatch_catalog_fetch) or loads the same files the daemon loads; the figures come over
 * the wire (query and history requests). Every
 * derived number (当月, 同比, 序时进度, lateness) is computed here from the newest vintages
 * at the time of the call (model/ytd, model/discipline): nothing derived is stored. */
#ifndef PW_DISPATCH_H
#define PW_DISPATCH_H

#include <stddef.h>
#include <stdio.h>

struct pw_client;
struct catalog;

enum dispatch_format { DISPATCH_HTML = 1, DISPATCH_CSV, DISPATCH_JSON, DISPATCH_XLSX };
enum dispatch_lang { DISPATCH_ZH = 1, DISPATCH_EN, DISPATCH_BOTH };

#define DISPATCH_ERR_MAX 512

struct dispatch_opts {
	const char *region; /* id or alias */
	const char *period; /* "2026-10" (monthly table) or "2026Q3" (quarterly analysis) */
	int format;         /* enum dispatch_format */
	int lang;           /* enum dispatch_lang */
	const char *issuer; /* 制表单位 in the header; NULL or "": the daemon's (config issuer) */
};

/* Parses "html" / "csv" / "json" / "xlsx" and "zh" / "en" / "both"; PW_EINVAL otherwise. */
int dispatch_format_parse(const char *s);
int dispatch_lang_parse(const char *s);

/* The daemon's catalog of region (id or alias): the text of the files it loaded the region
 * and the region's plans from (`catalog` with `sources`, PROTOCOL.md §3), parsed as the
 * daemon parsed them (catalog_load_mem), into *cat (catalog_free). Returns 0, the error of
 * the request (PW_EREGION: no such region), or PW_EPROTO when the reply has no sources. */
int dispatch_catalog_fetch(struct pw_client *c, const char *region, struct catalog **cat,
			   char *err, size_t errlen);

/* Writes the table for o (format html, csv or json) to out. Returns 0, PW_EINVAL (bad
 * option, unknown region, a period that is not a month or a quarter; err says which), the
 * error of a request, or PW_ESYS when out could not be written. */
int dispatch_write(struct pw_client *c, const struct catalog *cat, const struct dispatch_opts *o,
		   FILE *out, char *err, size_t errlen);

/* The same table as an Excel workbook (o->format xlsx, libxlsxwriter) written to path:
 * one sheet, A4 landscape, page numbers in the footer, numbers as numbers. */
int dispatch_write_xlsx(struct pw_client *c, const struct catalog *cat,
			const struct dispatch_opts *o, const char *path, char *err, size_t errlen);

#endif
