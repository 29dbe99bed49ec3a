/* client/evaluation.h — the evaluation of one plan: `planwatch evaluate`.
 *
 * 年度监测、中期评估、终期评估: per target of the plan, the baseline, the target, the planned
 * average growth, the figure of the year evaluated (its period and data status), the actual
 * average growth since the baseline, what the year requires, the completion rate and the
 * verdict of model/evaluate.c with its rule in words. Loaded over the wire as the progress
 * report is (client/report.c); written as HTML (the leadership table: landscape A4,
 * Chinese by default, 约束性 rows marked and counted, 责任单位, Beijing time, page numbers),
 * CSV (UTF-8 with a BOM, so Excel opens the Chinese), JSON or xlsx (libxlsxwriter), all four
 * with the same fields. The module never prints anywhere but the FILE * it is given. */
#ifndef PW_EVALUATION_H
#define PW_EVALUATION_H

#include <stddef.h>
#include <stdio.h>

enum evaluation_format { EVALUATION_HTML = 1, EVALUATION_CSV, EVALUATION_JSON, EVALUATION_XLSX };
enum evaluation_lang { EVALUATION_ZH = 1, EVALUATION_EN, EVALUATION_BOTH };

struct pw_client;

struct evaluation_opts {
	const char *plan;
	int year;           /* 0: the target year once its figures are in, else the latest
			     * year with figures */
	int format;         /* enum evaluation_format */
	int lang;           /* enum evaluation_lang; 0: Chinese text, English CSV/xlsx headers */
	const char *issuer; /* 制表单位, NULL or "": not printed */
	double margin_pct;  /* the band of on_path (model/evaluate.h), e.g. 1 */
	const char *path;   /* xlsx: the file written (libxlsxwriter writes files only) */
};

int evaluation_format_parse(const char *s); /* "html" … "xlsx" -> enum, or PW_EINVAL */
int evaluation_lang_parse(const char *s);   /* "zh", "en", "both" -> enum, or PW_EINVAL */

/* Writes the evaluation to out (xlsx: to o->path; out is not used).
 * Returns 0, PW_EINVAL, PW_EPLAN, PW_ENOTFOUND (no figure of the plan at all and no
 * --year), PW_ETIMEDOUT, PW_ESYS, PW_ENOMEM; err (errlen > 0) then holds a sentence. */
int evaluation_write(struct pw_client *c, const struct evaluation_opts *o, FILE *out,
		     char *err, size_t errlen);

#endif
