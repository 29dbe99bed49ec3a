/* client/evaluation_out.c — the evaluation as CSV (UTF-8 with a BOM, CRLF), JSON and the
 * HTML leadership table (landscape A4, page numbers, 约束性 rows marked and counted). Every
 * writer prints the cells evaluation.c formatted, so the formats agree field by field. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../proto/status.h"
#include "evaluation.h"
#include "evaluation_int.h"

static const char *header(const struct ev *e, size_t i, char *buf, size_t cap)
{
	if (e->lang == EVALUATION_ZH)
		return ev_columns[i].zh;
	if (e->lang == EVALUATION_BOTH) {
		snprintf(buf, cap, "%s %s", ev_columns[i].zh, ev_columns[i].en);
		return buf;
	}
	return ev_columns[i].en;
}

void ev_write_csv(const struct ev *e, FILE *f)
{
	char buf[128];
	fputs("\xEF\xBB\xBF", f); /* the BOM: Excel reads the file as UTF-8 */
	/* The header row is English unless a language is asked for. */
	for (size_t i = 0; i < EV_N_COLUMNS; i++)
		rep_csv_field(f, e->lang_asked ? header(e, i, buf, sizeof(buf)) : ev_columns[i].en,
			      i + 1 == EV_N_COLUMNS);
	for (size_t k = 0; k < e->n; k++)
		for (size_t i = 0; i < EV_N_COLUMNS; i++)
			rep_csv_field(f, e->rows[k].cells[i], i + 1 == EV_N_COLUMNS);
}

/* The kind of evaluation of year y: 终期评估 in the target year, 中期评估 in the third
 * year of the plan, 年度监测 otherwise. */
static const char *stage(const struct ev *e, bool en)
{
	int base = e->n ? e->rows[0].x->base_year : 0;
	if (e->final)
		return en ? "final evaluation" : "终期评估";
	if (e->year - base == 3)
		return en ? "mid-term evaluation" : "中期评估";
	return en ? "annual monitoring" : "年度监测";
}

void ev_write_json(const struct ev *e, FILE *f)
{
	fputs("{\"plan\":", f);
	rep_json_str(f, e->r.plan);
	fputs(",\"plan_name\":", f);
	rep_json_str(f, e->r.plan_name);
	fputs(",\"region\":", f);
	rep_json_str(f, e->r.region);
	fprintf(f, ",\"year\":%d,\"stage\":\"%s\",\"issuer\":", e->year, stage(e, true));
	rep_json_str(f, e->issuer);
	fprintf(f, ",\"generated_ms\":%lld,\"summary\":{\"indicators\":%zu,\"binding\":%d,"
		   "\"binding_achieved\":%d",
		(long long)e->r.now_ms, e->n, e->binding, e->binding_done);
	for (int v = 1; v < EVALUATE_N; v++)
		fprintf(f, ",\"%s\":%d", evaluate_name(v), e->verdicts[v]);
	fputs("},\"rows\":[", f);
	for (size_t k = 0; k < e->n; k++) {
		fputs(k ? ",\n{" : "\n{", f);
		for (size_t i = 0; i < EV_N_COLUMNS; i++) {
			const char *c = e->rows[k].cells[i];
			fprintf(f, "%s\"%s\":", i ? "," : "", ev_columns[i].en);
			if (!c[0])
				fputs("null", f);
			else if (ev_columns[i].number)
				fputs(c, f); /* formatted as published: a JSON number as it is */
			else
				rep_json_str(f, c);
		}
		fputs(",\"departments\":", f);
		rep_json_str(f, e->rows[k].x->depts);
		fputs(",\"basis\":", f); /* level, rate, bound, sum or annual: what was judged */
		rep_json_str(f, e->rows[k].res.basis);
		fputc('}', f);
	}
	fputs("\n]}\n", f);
}

/* ---- HTML ---- */

/* The page box: its page numbers in the page's language (Chromium prints margin boxes). */
static const char page_zh[] =
	"@page{size:A4 landscape;margin:12mm 10mm 14mm;"
	"@bottom-center{content:\"第 \" counter(page) \" 页 共 \" counter(pages) \" 页\";"
	"font-size:9pt;color:#444}}\n";
static const char page_en[] =
	"@page{size:A4 landscape;margin:12mm 10mm 14mm;"
	"@bottom-center{content:\"Page \" counter(page) \" of \" counter(pages);"
	"font-size:9pt;color:#444}}\n";
static const char css[] =
	"body{font-family:\"Noto Sans CJK SC\",\"Noto Serif CJK SC\",sans-serif;font-size:10pt;"
	"color:#111;margin:0}\n"
	"h1{font-size:16pt;text-align:center;margin:0 0 4mm}\n"
	".meta{display:flex;justify-content:space-between;font-size:9pt;margin:0 0 2mm}\n"
	"p.summary{font-size:10.5pt;margin:0 0 3mm}\n"
	"table{border-collapse:collapse;width:100%}thead{display:table-header-group}\n"
	"th,td{border:1px solid #555;padding:1mm 1.2mm;vertical-align:top}\n"
	"th{background:#eee;font-weight:600;font-size:9pt}td.n{text-align:right;white-space:nowrap}\n"
	"tr{break-inside:avoid}tr.binding td.ind{font-weight:600}"
	"tr.binding td.attr{color:#a40000}\n"
	".note{font-size:8pt;color:#333}.v-achieved,.v-achieved_early,.v-ahead{color:#0a5c1a}"
	".v-not_achieved,.v-behind,.v-likely_not_achieved{color:#a40000}\n";

static void cell(FILE *f, const char *cls, const char *s)
{
	fprintf(f, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
	rep_esc(f, s);
	fputs("</td>", f);
}

/* "主要指标 N 项中，已完成 a 项，…；约束性指标 N 项，已完成 M 项。" */
static void summary(const struct ev *e, FILE *f, bool en)
{
	static const int order[] = { EVALUATE_ACHIEVED, EVALUATE_ACHIEVED_EARLY, EVALUATE_AHEAD,
				     EVALUATE_ON_PATH, EVALUATE_BEHIND, EVALUATE_NOT_ACHIEVED,
				     EVALUATE_LIKELY_ACHIEVED, EVALUATE_LIKELY_NOT_ACHIEVED,
				     EVALUATE_NOT_ASSESSABLE, EVALUATE_NO_DATA };
	if (en)
		fprintf(f, "Of the %zu main indicators", e->n);
	else
		fprintf(f, "主要指标 %zu 项中", e->n);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (e->verdicts[order[i]] && en)
			fprintf(f, ", %d %s", e->verdicts[order[i]], evaluate_name_en(order[i]));
		else if (e->verdicts[order[i]])
			fprintf(f, "，%s %d 项", evaluate_name_zh(order[i]), e->verdicts[order[i]]);
	if (en)
		fprintf(f, "; of %d binding indicators, %d %s.", e->binding, e->binding_done,
			e->final ? "achieved" : "achieved or achieved early");
	else
		fprintf(f, "；约束性指标 %d 项，%s %d 项。", e->binding,
			e->final ? "已完成" : "已完成或提前实现", e->binding_done);
}

void ev_write_html(const struct ev *e, FILE *f)
{
	bool en = e->lang == EVALUATION_EN, both = e->lang == EVALUATION_BOTH;
	char when[64];
	/* Beijing time (UTC+8): the time the table was made, as an official signs it. */
	time_t t = (time_t)(e->r.now_ms / 1000) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), en ? "%Y-%m-%d %H:%M (Beijing time)" : "%Y年%m月%d日 %H:%M（北京时间）",
		 &tm);
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
		en ? "en" : "zh-CN");
	const char *title = e->r.plan_name[0] ? e->r.plan_name : e->r.plan;
	if (en && e->r.plan_name_en[0])
		title = e->r.plan_name_en;
	rep_esc(f, title);
	if (en)
		fprintf(f, " %d %s", e->year, stage(e, true));
	else
		fprintf(f, " %d年%s", e->year, stage(e, false));
	fprintf(f, "</title>\n<style>\n%s%s</style>\n</head>\n<body data-plan=\"",
		en ? page_en : page_zh, css);
	rep_esc(f, e->r.plan);
	fprintf(f, "\" data-year=\"%d\" data-stage=\"%s\">\n<h1>", e->year, stage(e, true));
	rep_esc(f, title);
	if (en)
		fprintf(f, "<br>%d %s of the main indicators</h1>\n", e->year, stage(e, true));
	else
		fprintf(f, "<br>主要指标%d年%s表%s%s%s</h1>\n", e->year, stage(e, false),
			both ? "<br><small>" : "", both ? stage(e, true) : "", both ? "</small>" : "");
	fputs("<div class=\"meta\"><span>", f);
	fputs(en ? "Issued by: " : "制表单位：", f);
	rep_esc(f, e->issuer ? e->issuer : "");
	fputs("</span><span>", f);
	fputs(en ? "Made: " : "制表时间：", f);
	rep_esc(f, when);
	fputs("</span></div>\n<p class=\"summary\">", f);
	summary(e, f, en);
	if (both) {
		fputs("<br>", f);
		summary(e, f, true);
	}
	fputs("</p>\n<table>\n<thead><tr>", f);
	static const char *const zh[] = { "序号", "指标", "单位", "属性", "基期", "目标",
					  "规划年均增长(%)", "实际", "实际年均增长(%)",
					  "当年要求", "完成率(%)", "评估结论", "责任单位", "说明" };
	static const char *const eng[] = { "No.", "Indicator", "Unit", "Attribute", "Baseline",
					   "Target", "Planned growth (%)", "Actual",
					   "Actual growth (%)", "Required", "Completion (%)",
					   "Verdict", "Responsible", "Rule" };
	for (size_t i = 0; i < sizeof(zh) / sizeof(zh[0]); i++) {
		fputs("<th>", f);
		fputs(en ? eng[i] : zh[i], f);
		if (both)
			fprintf(f, "<br><span class=\"note\">%s</span>", eng[i]);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (size_t k = 0; k < e->n; k++) {
		const struct ev_row *w = &e->rows[k];
		const char (*c)[EV_CELL] = w->cells;
		bool bind = rep_is_binding(w->x);
		char no[24], base[EV_CELL * 2 + 8], actual[EV_CELL * 4];
		fprintf(f, "<tr class=\"%s\" data-indicator=\"", bind ? "binding" : "expected");
		rep_esc(f, w->x->id);
		fprintf(f, "\" data-verdict=\"%s\">", c[19]);
		snprintf(no, sizeof(no), "%zu", k + 1);
		cell(f, "n", no);
		cell(f, "ind", en ? (w->x->name_en[0] ? w->x->name_en : c[3]) : c[3]);
		cell(f, NULL, c[4]);
		bool expd = strcmp(w->x->attribute, "expected") == 0; /* 13th tables print none */
		cell(f, "attr", bind ? (en ? "★ binding" : "★ 约束性")
			       : expd ? (en ? "expected" : "预期性") : "");
		snprintf(base, sizeof(base), "%s%s%s%s", c[8], c[7][0] ? " (" : "", c[7],
			 c[7][0] ? ")" : "");
		cell(f, "n", base);
		cell(f, "n", c[10]);
		cell(f, "n", c[11]);
		snprintf(actual, sizeof(actual), "%s%s%s%s%s", c[13], c[14][0] ? " (" : "", c[14],
			 c[15][0] && w->fig ? " " : "",
			 c[15][0] && w->fig ? (en ? c[15] : status_name_zh(w->fig->status)) : "");
		if (c[14][0])
			strncat(actual, ")", sizeof(actual) - strlen(actual) - 1);
		cell(f, "n", actual);
		cell(f, "n", c[16]);
		cell(f, "n", c[17]);
		cell(f, "n", c[18]);
		char vcls[64];
		snprintf(vcls, sizeof(vcls), "v-%s", c[19]);
		char verdict[EV_CELL * 2];
		snprintf(verdict, sizeof(verdict), "%s%s%s",
			 en ? evaluate_name_en(w->res.verdict) : c[20], both ? " / " : "",
			 both ? evaluate_name_en(w->res.verdict) : "");
		cell(f, vcls, verdict);
		cell(f, NULL, w->x->depts);
		fputs("<td class=\"note\">", f);
		rep_esc(f, en ? w->res.rule_en : w->res.rule_zh);
		if (both) {
			fputs("<br>", f);
			rep_esc(f, w->res.rule_en);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n</body>\n</html>\n", f);
}
