/* client/report_json.c — the report as one JSON document: summary, then every indicator
 * with its series. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/status.h"
#include "report_int.h"

static void json_opt_str(FILE *f, const char *s)
{
	rep_json_str(f, s && s[0] ? s : NULL);
}

static void json_num(FILE *f, double v)
{
	char buf[40];
	if (!isfinite(v)) {
		fputs("null", f);
		return;
	}
	rep_fmt_exact(buf, sizeof(buf), v);
	fputs(buf, f);
}

static void json_counts(const struct rep *r, FILE *f, int cat)
{
	struct rep_counts c;
	rep_count_verdicts(r, cat, &c);
	fprintf(f, "\"indicators\":%d,\"binding\":%d,\"binding_on_track\":%d", c.total,
		c.binding, c.binding_on_track);
	for (int v = 0; v < REP_V_N; v++)
		fprintf(f, ",\"%s\":%d", rep_verdicts[v].name, c.verdict[v]);
	/* beside the verdicts, not one of them: an indicator can be on track and late */
	fprintf(f, ",\"overdue\":%d", c.overdue);
}

void report_json_write(const struct rep *r, FILE *f)
{
	char t[40], per[PERIOD_TEXT_MAX];
	fputs("{\"plan\":", f);
	rep_json_str(f, r->plan);
	fputs(",\"plan_name\":", f);
	rep_json_str(f, r->plan_name);
	fputs(",\"period\":", f);
	if (r->has_cut) {
		period_format(&r->cut, per);
		rep_json_str(f, per);
	} else {
		fputs("null", f);
	}
	rep_fmt_time(t, sizeof(t), r->now_ms, "%Y-%m-%dT%H:%M:%SZ");
	fprintf(f, ",\"generated\":\"%s\",\"generated_ms\":%lld,\"summary\":[", t,
		(long long)r->now_ms);
	for (size_t c = 0; c < r->n_cats; c++) {
		fputs(c ? ",{\"category\":" : "{\"category\":", f);
		rep_json_str(f, r->inds[r->cat_first[c]].category);
		fputc(',', f);
		json_counts(r, f, (int)c);
		fputc('}', f);
	}
	fputs("],\"total\":{", f);
	json_counts(r, f, -1);
	fputs("},\"indicators\":[", f);
	for (size_t k = 0; k < r->n; k++) {
		const struct rep_ind *x = &r->inds[r->order[k]];
		const struct rep_obs *o = rep_latest(x);
		fputs(k ? ",\n{" : "\n{", f);
		fputs("\"plan\":", f);
		rep_json_str(f, r->plan);
		fputs(",\"indicator\":", f);
		rep_json_str(f, x->id);
		fputs(",\"name\":", f);
		rep_json_str(f, x->name);
		fputs(",\"name_en\":", f);
		rep_json_str(f, x->name_en);
		fputs(",\"category\":", f);
		rep_json_str(f, x->category);
		fputs(",\"attribute\":", f);
		rep_json_str(f, x->attribute);
		fputs(",\"kind\":", f);
		rep_json_str(f, x->kind);
		fputs(",\"unit\":", f);
		rep_json_str(f, x->unit);
		fputs(",\"baseline_year\":", f);
		if (isnan(x->base))
			fputs("null", f);
		else
			fprintf(f, "%d", x->base_year);
		fputs(",\"baseline\":", f);
		json_num(f, x->base);
		fputs(",\"target_year\":", f);
		if (isnan(x->target))
			fputs("null", f);
		else
			fprintf(f, "%d", x->target_year);
		fputs(",\"target\":", f);
		json_num(f, x->target);
		fputs(",\"growth\":", f);
		json_num(f, x->growth);
		fputs(",\"latest_period\":", f);
		json_opt_str(f, o ? o->text : NULL);
		fputs(",\"latest_value\":", f);
		json_num(f, o ? o->value : NAN);
		fputs(",\"status\":", f);
		json_opt_str(f, o ? rep_status_en(o->status) : NULL);
		fputs(",\"verdict\":", f);
		rep_json_str(f, rep_verdicts[x->verdict].name);
		fputs(",\"required\":", f);
		json_num(f, x->required);
		fputs(",\"gap\":", f);
		json_num(f, x->gap);
		fputs(",\"gap_unit\":", f);
		json_opt_str(f, x->state[0] ? rep_gap_unit(x) : NULL);
		fputs(",\"verdict_period\":", f);
		json_opt_str(f, x->state_period);
		fputs(",\"overdue\":", f);
		json_opt_str(f, x->overdue);
		fputs(",\"days_late\":", f);
		if (x->overdue[0])
			fprintf(f, "%d", x->days_late);
		else
			fputs("null", f);
		fputs(",\"departments\":", f);
		rep_json_str(f, x->depts);
		fputs(",\"series\":[", f);
		for (size_t i = 0; i < x->n_obs; i++) {
			fputs(i ? ",{\"period\":" : "{\"period\":", f);
			rep_json_str(f, x->obs[i].text);
			fputs(",\"value\":", f);
			json_num(f, x->obs[i].value);
			fputs(",\"status\":", f);
			json_opt_str(f, rep_status_en(x->obs[i].status));
			fputs(",\"yoy\":", f);
			json_num(f, x->obs[i].yoy);
			fprintf(f, ",\"backfill\":%s}", x->obs[i].backfill ? "true" : "false");
		}
		fputs("]}", f);
	}
	fputs("\n]}\n", f);
}
