/* client/template.h — the reporting sheet of `planwatch template`: one department's
 * indicators of one region for one period, as an .xlsx file (libxlsxwriter) that the
 * department fills in and sends back to `planwatch import`.
 *
 * One sheet, 报送, headed in the Chinese names csvin reads (csvin.h):
 *     地区 指标代码 指标名称 期别 数值 单位 数据状态 报送单位 同比 说明
 * (地区: the region's alias; a figure is of the region's series, whatever plan judges it)
 * one row per indicator, pre-filled but for 数值, 同比 and 说明: the period in its Chinese
 * form (2026年1-10月 for a cumulative indicator, 2026年10月 otherwise; period.h), the
 * status 快报 with a drop-down list of the five Chinese status names, numbers checked as
 * numbers. The header row is frozen. */
#ifndef PW_TEMPLATE_H
#define PW_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "../proto/period.h"

#define TEMPLATE_ERR_MAX 256

/* One indicator of the sheet (strings borrowed for the call). */
struct template_ind {
	const char *indicator, *name, *unit;
	bool cumulative; /* reported as 1–N月 / 1–N季度 (the catalog's form: ytd) */
};

/* What the whole sheet is for (strings borrowed for the call). */
struct template_sheet {
	const char *region, *dept; /* region: its id or alias, as import reads it */
	struct period period;
};

/* Writes the sheet to path (replacing it). Returns 0, PW_EINVAL (NULL arguments, no
 * indicators) or PW_ESYS (libxlsxwriter could not write: err says why). */
int template_write(const char *path, const struct template_sheet *s,
		   const struct template_ind *inds, size_t n, char err[TEMPLATE_ERR_MAX]);

#endif
