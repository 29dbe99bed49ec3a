/* client/template.c — writes the department's reporting sheet with libxlsxwriter (see
 * template.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <xlsxwriter.h>

#include "../proto/err.h"
#include "../proto/status.h"
#include "template.h"

/* The sheet's columns. Their headers are csvin's Chinese names, so the filled sheet
 * imports as it is. */
enum tcol { T_REGION, T_IND, T_NAME, T_PERIOD, T_VALUE, T_UNIT, T_STATUS, T_DEPT, T_YOY, T_REASON };

static const struct {
	const char *header;
	double width;
} tcols[] = {
	[T_REGION] = { "地区", 14 },   [T_IND] = { "指标代码", 22 },  [T_NAME] = { "指标名称", 30 },
	[T_PERIOD] = { "期别", 16 }, [T_VALUE] = { "数值", 12 },    [T_UNIT] = { "单位", 10 },
	[T_STATUS] = { "数据状态", 12 }, [T_DEPT] = { "报送单位", 12 }, [T_YOY] = { "同比", 10 },
	[T_REASON] = { "说明", 30 },
};
#define N_TCOLS (sizeof(tcols) / sizeof(tcols[0]))

/* The pre-filled text of column col for indicator ind, or NULL for a cell the department
 * fills in. The one place that knows which fields identify a series: region and indicator. */
static const char *cell_text(enum tcol col, const struct template_sheet *s,
			     const struct template_ind *ind, char period[PERIOD_TEXT_ZH_MAX])
{
	switch (col) {
	case T_REGION:
		return s->region;
	case T_IND:
		return ind->indicator;
	case T_NAME:
		return ind->name;
	case T_PERIOD:
		period_format_text(&s->period, ind->cumulative, period);
		return period;
	case T_UNIT:
		return ind->unit;
	case T_STATUS:
		return status_name_zh(PW_ST_FLASH);
	case T_DEPT:
		return s->dept;
	default:
		return NULL;
	}
}

/* The drop-down of status names and the number checks of the value columns. */
static lxw_error validations(lxw_worksheet *ws, lxw_row_t last)
{
	char *names[PW_ST_REVISED - PW_ST_ESTIMATE + 2];
	lxw_error e;
	int k = 0;

	for (int st = PW_ST_ESTIMATE; st <= PW_ST_REVISED; st++)
		names[k++] = (char *)status_name_zh(st);
	names[k] = NULL;
	lxw_data_validation list = {
		.validate = LXW_VALIDATION_TYPE_LIST,
		.value_list = names,
		.error_title = "数据状态",
		.error_message = "请从列表中选择：预计数、快报、初步核算、最终核实、调整数",
	};
	if ((e = worksheet_data_validation_range(ws, 1, T_STATUS, last, T_STATUS, &list)))
		return e;
	lxw_data_validation number = {
		.validate = LXW_VALIDATION_TYPE_DECIMAL,
		.criteria = LXW_VALIDATION_CRITERIA_BETWEEN,
		.minimum_number = -1e15,
		.maximum_number = 1e15,
		.error_title = "数值",
		.error_message = "请输入数字（同比填百分点，如 5.8）",
	};
	if ((e = worksheet_data_validation_range(ws, 1, T_VALUE, last, T_VALUE, &number)))
		return e;
	return worksheet_data_validation_range(ws, 1, T_YOY, last, T_YOY, &number);
}

static lxw_error write_cells(lxw_workbook *wb, lxw_worksheet *ws, const struct template_sheet *s,
			     const struct template_ind *inds, size_t n)
{
	lxw_format *bold = workbook_add_format(wb);
	lxw_format *input = workbook_add_format(wb);
	char period[PERIOD_TEXT_ZH_MAX];
	lxw_error e;

	format_set_bold(bold);
	format_set_bg_color(input, 0xFFF2CC); /* the cells to fill in */
	for (size_t c = 0; c < N_TCOLS; c++) {
		if ((e = worksheet_write_string(ws, 0, (lxw_col_t)c, tcols[c].header, bold)) ||
		    (e = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, tcols[c].width, NULL)))
			return e;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < N_TCOLS; c++) {
			const char *t = cell_text((enum tcol)c, s, &inds[i], period);
			lxw_row_t row = (lxw_row_t)(i + 1);
			lxw_format *f = c == T_STATUS ? input : NULL; /* pre-filled, may change */
			if (!t)
				e = worksheet_write_blank(ws, row, (lxw_col_t)c, input);
			else if (t[0])
				e = worksheet_write_string(ws, row, (lxw_col_t)c, t, f);
			else
				e = LXW_NO_ERROR;
			if (e)
				return e;
		}
	}
	worksheet_freeze_panes(ws, 1, 0);
	return validations(ws, (lxw_row_t)n);
}

int template_write(const char *path, const struct template_sheet *s,
		   const struct template_ind *inds, size_t n, char err[TEMPLATE_ERR_MAX])
{
	if (err)
		err[0] = '\0';
	if (!path || !s || !s->region || !s->dept || !inds || n == 0)
		return PW_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!inds[i].indicator || !inds[i].name || !inds[i].unit)
			return PW_EINVAL;
	/* libxlsxwriter prints its own errors: open the file first so that the usual one (no
	 * such directory, no permission) is ours to report. */
	FILE *f = fopen(path, "wb");
	if (!f) {
		if (err)
			snprintf(err, TEMPLATE_ERR_MAX, "cannot create '%s': %s", path,
				 strerror(errno));
		return PW_ESYS;
	}
	fclose(f);
	lxw_workbook *wb = workbook_new(path);
	if (!wb) {
		if (err)
			snprintf(err, TEMPLATE_ERR_MAX, "cannot create workbook '%s'", path);
		return PW_ESYS;
	}
	lxw_worksheet *ws = workbook_add_worksheet(wb, "报送");
	lxw_error e = ws ? write_cells(wb, ws, s, inds, n) : LXW_ERROR_MEMORY_MALLOC_FAILED;
	lxw_error e2 = workbook_close(wb); /* frees wb, also after an error */
	if (e || e2) {
		if (err)
			snprintf(err, TEMPLATE_ERR_MAX, "cannot write '%s': %s", path,
				 lxw_strerror(e ? e : e2));
		return PW_ESYS;
	}
	return 0;
}
