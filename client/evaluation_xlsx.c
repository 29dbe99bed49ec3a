/* client/evaluation_xlsx.c — the evaluation as an xlsx workbook (libxlsxwriter): one sheet,
 * the same header and cells as the CSV, numbers as numbers (the value of the rounded text,
 * so the sheet shows what the table prints), 约束性 rows in bold. */
#include <stdlib.h>
#include <xlsxwriter.h>

#include "../proto/err.h"
#include "evaluation.h"
#include "evaluation_int.h"

int ev_write_xlsx(const struct ev *e, const char *path)
{
	lxw_workbook *wb = workbook_new(path);
	if (!wb)
		return PW_ESYS;
	lxw_worksheet *ws = workbook_add_worksheet(wb, e->lang == EVALUATION_EN ? "evaluation"
										 : "评估表");
	lxw_format *head = workbook_add_format(wb), *bold = workbook_add_format(wb);
	format_set_bold(head);
	format_set_bold(bold);
	for (size_t i = 0; i < EV_N_COLUMNS; i++)
		worksheet_write_string(ws, 0, (lxw_col_t)i,
				       e->lang_asked && e->lang == EVALUATION_ZH ? ev_columns[i].zh
										  : ev_columns[i].en,
				       head);
	for (size_t k = 0; k < e->n; k++) {
		lxw_format *fmt = rep_is_binding(e->rows[k].x) ? bold : NULL;
		for (size_t i = 0; i < EV_N_COLUMNS; i++) {
			const char *c = e->rows[k].cells[i];
			lxw_row_t r = (lxw_row_t)(k + 1);
			if (!c[0])
				continue;
			if (ev_columns[i].number)
				worksheet_write_number(ws, r, (lxw_col_t)i, strtod(c, NULL), fmt);
			else
				worksheet_write_string(ws, r, (lxw_col_t)i, c, fmt);
		}
	}
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, 9); /* A4 */
	worksheet_repeat_rows(ws, 0, 0);
	return workbook_close(wb) == LXW_NO_ERROR ? 0 : PW_ESYS;
}
