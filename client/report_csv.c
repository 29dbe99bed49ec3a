/* client/report_csv.c — the report as CSV (RFC 4180): one row per indicator. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/status.h"
#include "report_int.h"

static void csv_num(FILE *f, double v)
{
	char buf[40] = "";
	if (!isnan(v))
		rep_fmt_exact(buf, sizeof(buf), v);
	rep_csv_field(f, buf, false);
}

static void csv_int(FILE *f, int v)
{
	char buf[16] = "";
	if (v)
		snprintf(buf, sizeof(buf), "%d", v);
	rep_csv_field(f, buf, false);
}

static const char *const columns[] = {
	"plan",		  "indicator",	"name",	  "name_en",	 "category",	   "attribute",
	"kind",		  "unit",	"baseline_year", "baseline", "target_year", "target",
	"growth",	  "latest_period", "latest_value", "status", "verdict",	   "required",
	"gap",		  "gap_unit",	"verdict_period", "overdue", "days_late", "departments",
};
#define N_COLUMNS (sizeof(columns) / sizeof(columns[0]))

void report_csv_write(const struct rep *r, FILE *f)
{
	for (size_t i = 0; i < N_COLUMNS; i++)
		rep_csv_field(f, columns[i], i + 1 == N_COLUMNS);
	for (size_t k = 0; k < r->n; k++) {
		const struct rep_ind *x = &r->inds[r->order[k]];
		const struct rep_obs *o = rep_latest(x);
		bool judged = x->state[0] != '\0';
		rep_csv_field(f, r->plan, false);
		rep_csv_field(f, x->id, false);
		rep_csv_field(f, x->name, false);
		rep_csv_field(f, x->name_en, false);
		rep_csv_field(f, x->category, false);
		rep_csv_field(f, x->attribute, false);
		rep_csv_field(f, x->kind, false);
		rep_csv_field(f, x->unit, false);
		csv_int(f, isnan(x->base) ? 0 : x->base_year);
		csv_num(f, x->base);
		csv_int(f, isnan(x->target) ? 0 : x->target_year);
		csv_num(f, x->target);
		csv_num(f, x->growth);
		rep_csv_field(f, o ? o->text : "", false);
		csv_num(f, o ? o->value : NAN);
		rep_csv_field(f, o ? rep_status_en(o->status) : "", false);
		rep_csv_field(f, rep_verdicts[x->verdict].name, false);
		csv_num(f, x->required);
		csv_num(f, x->gap);
		rep_csv_field(f, judged ? rep_gap_unit(x) : "", false);
		rep_csv_field(f, x->state_period, false);
		rep_csv_field(f, x->overdue, false);
		char late[16] = "";
		if (x->overdue[0])
			snprintf(late, sizeof(late), "%d", x->days_late);
		rep_csv_field(f, late, false);
		rep_csv_field(f, x->depts, true);
	}
}
