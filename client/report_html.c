/* client/report_html.c — the report as one self-contained HTML page: inline CSS, a summary
 * per category and a row per indicator with an SVG sparkline of its series against the
 * required trajectory (model/planmath.c); prints on A4. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/status.h"
#include "report_int.h"

static void esc_num(FILE *f, double v)
{
	char buf[48];
	rep_fmt_num(buf, sizeof(buf), v);
	rep_esc(f, buf);
}

/* ---- sparkline: the series against the required trajectory ---- */

struct pt {
	double x, y;
};

/* x of a period: its end, in years, where a year's end is the year itself (the annual
 * figure of 2023 sits at 2023, the one of 2026Q3 at 2025.75). */
static double period_x(const struct period *p)
{
	int first, last;
	period_months(p, &first, &last);
	return p->year - 1 + last / 12.0;
}

/* Flows reported 1–N月累计 (sums such as 地区生产总值): a partial year is not comparable
 * with an annual trajectory, so only full-year figures are drawn. Rates and averages
 * reported year-to-date (优良天数比率, PM2.5) are. */
static bool flow_ytd(const struct rep_ind *x)
{
	return strcmp(x->form, "ytd") == 0 && strcmp(x->kind, "growth") == 0 &&
	       strcmp(x->unit, "%") != 0;
}

static bool full_year(const struct period *p)
{
	return p->freq == PERIOD_ANNUAL || (p->freq == PERIOD_QUARTER && p->n == 4) ||
	       (p->freq == PERIOD_MONTH && p->n == 12);
}

/* The verdict was on the yoy growth (rules.c): the sparkline then draws the growth rates
 * against the required rate, which is what was compared, so its last point and its line
 * tell what the badge tells. */
static bool yoy_mode(const struct rep_ind *x)
{
	return x->state[0] && !isnan(x->required) && rep_judged_by_yoy(x);
}

/* The points to draw into pts (room for n_obs + 1), by time. Cumulative targets draw the
 * running total of annual figures from the baseline year on; in yoy mode the reported
 * growth rates, and for the figure judged the growth the daemon compared. */
static size_t spark_points(const struct rep_ind *x, struct pt *pts)
{
	size_t n = 0, m = 0;
	bool cum = strcmp(x->kind, "cumulative") == 0, yoy = yoy_mode(x);
	double sum = 0;
	for (size_t i = 0; i < x->n_obs; i++) {
		const struct rep_obs *o = &x->obs[i];
		struct pt p = { period_x(&o->per), o->value };
		if (yoy) {
			bool judged = strcmp(o->text, x->state_period) == 0;
			if (!judged && isnan(o->yoy))
				continue;
			p.y = judged ? x->value : o->yoy;
		} else if (cum) {
			if (o->per.freq != PERIOD_ANNUAL || o->per.year <= x->base_year)
				continue;
			if (n == 0)
				pts[n++] = (struct pt){ x->base_year, 0 };
			sum += o->value;
			p.y = sum;
		} else if (flow_ytd(x) && !full_year(&o->per)) {
			continue;
		}
		/* Series order puts a year before its quarters and months: sort by time
		 * (insertion, stable), the later report winning at the same period end. */
		size_t k = n;
		while (k > 0 && pts[k - 1].x > p.x + 1e-9) {
			pts[k] = pts[k - 1];
			k--;
		}
		pts[k] = p;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		if (m > 0 && fabs(pts[m - 1].x - pts[i].x) < 1e-9)
			m--; /* same period end (2026 and 2026-12): the later one stays */
		pts[m++] = pts[i];
	}
	return m;
}

/* The growth-weighted path of a five-year sum (planmath_cum_path) at time t, straight
 * between the year ends. */
static bool cum_at(const struct planmath_target *tg, double t, double *y)
{
	int k = (int)floor(t + 1e-9);
	double y0 = 0, y1;
	if (t < tg->base_year || (k > tg->base_year && !planmath_cum_path(tg, k, &y0)))
		return false;
	if (!planmath_cum_path(tg, k + 1, &y1))
		return false;
	*y = y0 + (t - k) * (y1 - y0);
	return true;
}

/* The required value at time t (same x scale as period_x); false where there is none. The
 * requirement is model/planmath.c's, as the daemon judges it; what the daemon judges by
 * YoY growth is drawn as the path the growth rate implies. */
static bool path_at(const struct rep_ind *x, double t, double *y)
{
	struct planmath_target tg = rep_target(x), lv = tg;
	double g;
	if (yoy_mode(x)) {
		*y = x->required;
		return true;
	}
	if (strcmp(x->kind, "growth") == 0) {
		lv.growth = NAN; /* rules.c: a level path runs between the two levels */
		if (!planmath_growth(isnan(x->target) ? &tg : &lv, &g))
			return false;
		if (!isnan(x->base) && x->base > 0) {
			*y = planmath_compound(x->base, g, t - x->base_year);
			return t >= x->base_year;
		}
		if (strcmp(x->unit, "%") == 0 && !isnan(x->growth)) {
			*y = x->growth; /* the figure is itself a growth rate (固定资产投资增速) */
			return true;
		}
		if (!isnan(x->target) && x->target > 0) {
			*y = planmath_compound(x->target, g, t - x->target_year);
			return t >= x->base_year;
		}
		return false;
	}
	if (strcmp(x->kind, "level") == 0)
		return planmath_level(&tg, t, y);
	if (strcmp(x->kind, "ceiling") == 0 || strcmp(x->kind, "floor") == 0) {
		*y = x->target;
		return !isnan(x->target);
	}
	if (strcmp(x->kind, "keep") == 0) {
		*y = x->base;
		return !isnan(x->base);
	}
	if (strcmp(x->kind, "cumulative") == 0)
		return cum_at(&tg, t, y);
	return false; /* city (set by the city), info (no target) */
}

#define SPARK_W 220.0
#define SPARK_H 64.0
#define SPARK_L 4.0
#define SPARK_R 4.0
#define SPARK_T 6.0
#define SPARK_B 14.0 /* room for the year labels */
#define SPARK_STEP 0.25 /* years between samples of the trajectory */

struct frame {
	double x0, x1, y0, y1;
};

static double sx(const struct frame *fr, double x)
{
	return SPARK_L + (x - fr->x0) / (fr->x1 - fr->x0) * (SPARK_W - SPARK_L - SPARK_R);
}

static double sy(const struct frame *fr, double y)
{
	return SPARK_H - SPARK_B - (y - fr->y0) / (fr->y1 - fr->y0) * (SPARK_H - SPARK_T - SPARK_B);
}

static void widen(double *lo, double *hi, double v)
{
	if (v < *lo)
		*lo = v;
	if (v > *hi)
		*hi = v;
}

/* The requirement the daemon compared, at the period it judged: a short tick, so the
 * picture cannot disagree with the badge even where a year's 年度目标 replaced the path. */
static void req_tick(FILE *f, const struct rep_ind *x, const struct frame *fr)
{
	struct period p;
	if (!x->state[0] || isnan(x->required) || !x->state_period[0] ||
	    period_parse(&p, x->state_period, strlen(x->state_period)) < 0)
		return;
	double cx = sx(fr, period_x(&p)), cy = sy(fr, x->required);
	fprintf(f, "<line class=\"req\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		   "data-required=\"%.6g\"/>", cx - 5, cy, cx + 5, cy, x->required);
}

static void write_spark(FILE *f, const struct rep_ind *x)
{
	struct pt *pts = malloc((x->n_obs + 1) * sizeof(*pts));
	size_t n = pts ? spark_points(x, pts) : 0;
	struct frame fr = { INFINITY, -INFINITY, INFINITY, -INFINITY };
	double y, probe;
	bool has_path = path_at(x, x->target_year, &probe);
	bool cum = strcmp(x->kind, "cumulative") == 0;

	for (size_t i = 0; i < n; i++)
		widen(&fr.x0, &fr.x1, pts[i].x);
	if (has_path) {
		widen(&fr.x0, &fr.x1, x->target_year);
		if (path_at(x, x->base_year, &y))
			widen(&fr.x0, &fr.x1, x->base_year);
	}
	if (n == 0 && !has_path) {
		fputs("<span class=\"nospark\">无数据 no data</span>", f);
		free(pts);
		return;
	}
	if (fr.x1 - fr.x0 < 1)
		fr.x0 = fr.x1 - 1;
	for (size_t i = 0; i < n; i++)
		widen(&fr.y0, &fr.y1, pts[i].y);
	for (double t = fr.x0; has_path && t <= fr.x1 + 1e-9; t += SPARK_STEP)
		if (path_at(x, t, &y))
			widen(&fr.y0, &fr.y1, y);
	double pad = (fr.y1 - fr.y0) * 0.08;
	if (pad <= 0)
		pad = fabs(fr.y1) > 0 ? fabs(fr.y1) * 0.05 : 1;
	fr.y0 -= pad;
	fr.y1 += pad;

	fprintf(f, "<svg class=\"spark\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		   "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"",
		SPARK_W, SPARK_H, SPARK_W, SPARK_H);
	rep_esc(f, x->name);
	fputs(cum ? " 累计 cumulative" : "", f);
	fputs("\"><title>", f);
	rep_esc(f, x->name);
	if (n > 0) {
		fputs(": ", f);
		esc_num(f, pts[0].y);
		fputs(" → ", f);
		esc_num(f, pts[n - 1].y);
		fputc(' ', f);
		rep_esc(f, x->unit);
	}
	if (has_path)
		fputs("; 虚线 dashed: 要求路径 required path", f);
	fputs("</title>", f);
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
		SPARK_L, SPARK_H - SPARK_B, SPARK_W - SPARK_R, SPARK_H - SPARK_B);
	if (has_path) {
		bool first = true;
		fputs("<polyline class=\"path\" points=\"", f);
		for (double t = fr.x0; t <= fr.x1 + 1e-9; t += SPARK_STEP) {
			if (!path_at(x, t, &y))
				continue;
			fprintf(f, "%s%.1f,%.1f", first ? "" : " ", sx(&fr, t), sy(&fr, y));
			first = false;
		}
		fputs("\"/>", f);
		if (!yoy_mode(x) && !isnan(x->target) && (strcmp(x->kind, "growth") == 0 || cum ||
							  strcmp(x->kind, "level") == 0))
			fprintf(f, "<circle class=\"target\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\"/>",
				sx(&fr, x->target_year), sy(&fr, x->target));
	}
	if (n > 1) {
		fputs("<polyline class=\"series\" points=\"", f);
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%s%.1f,%.1f", i ? " " : "", sx(&fr, pts[i].x),
				sy(&fr, pts[i].y));
		fputs("\"/>", f);
	}
	req_tick(f, x, &fr);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%s\"/>",
			i + 1 == n ? "last" : "pt", sx(&fr, pts[i].x), sy(&fr, pts[i].y),
			i + 1 == n ? "3.2" : "1.8");
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%.0f</text>", SPARK_L, SPARK_H - 3, floor(fr.x0));
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>", SPARK_W - SPARK_R,
		SPARK_H - 3, ceil(fr.x1 - 1e-9));
	fputs("</svg>", f);
	if (yoy_mode(x))
		fputs("<div class=\"cap\">同比增速 yoy growth, %</div>", f);
	else if (cum)
		fputs("<div class=\"cap\">累计值 running total</div>", f);
	else if (flow_ytd(x))
		fputs("<div class=\"cap\">全年值 full-year figures</div>", f);
	free(pts);
}

static const char css[] =
	":root{--on:#1e7b34;--on-bg:#e2f3e5;--risk:#a86400;--risk-bg:#fff0d1;--off:#c0261d;"
	"--off-bg:#fde3e0;--late:#6c5a8c;--late-bg:#ece6f4;--none:#777;--none-bg:#eeeeee;}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0 auto;max-width:1180px;padding:24px;color:#1f2328;background:#fff;"
	"font:14px/1.45 \"Noto Sans CJK SC\",\"Source Han Sans SC\",\"PingFang SC\","
	"\"Microsoft YaHei\",\"WenQuanYi Micro Hei\",sans-serif;}\n"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 8px;"
	"border-bottom:2px solid #1f2328;padding-bottom:3px}\n"
	".en{color:#57606a;font-weight:normal}.sub{margin:0 0 10px;color:#57606a}\n"
	"dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}\n"
	"dl.meta dt{font-weight:bold}dl.meta dd{margin:0}\n"
	"table{border-collapse:collapse;width:100%}\n"
	"th,td{border:1px solid #d0d7de;padding:5px 7px;vertical-align:top;text-align:left}\n"
	"thead th{background:#f3f5f7;font-size:12px}th small,td small{display:block;"
	"color:#57606a;font-size:11px;font-weight:normal}\n"
	"table.summary td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	"table.summary tr.total td{font-weight:bold;background:#f6f8fa}\n"
	"td.n.on-track.nz{background:var(--on-bg);color:var(--on)}"
	"td.n.at-risk.nz{background:var(--risk-bg);color:var(--risk)}"
	"td.n.off-track.nz{background:var(--off-bg);color:var(--off)}"
	"td.n.overdue.nz{background:var(--late-bg);color:var(--late)}\n"
	".on-track{--c:var(--on);--bg:var(--on-bg)}.at-risk{--c:var(--risk);--bg:var(--risk-bg)}"
	".off-track{--c:var(--off);--bg:var(--off-bg)}.overdue{--c:var(--late);--bg:var(--late-bg)}"
	".no-verdict,.no-data{--c:var(--none);--bg:var(--none-bg)}\n"
	"tr.ind td:first-child{border-left:5px solid var(--c)}\n"
	"tr.ind.binding td:first-child{background:#fff8f6}\n"
	".badge{display:inline-block;padding:1px 7px;border-radius:10px;font-size:12px;"
	"white-space:nowrap;background:var(--bg);color:var(--c);border:1px solid var(--c)}\n"
	".attr{display:inline-block;font-size:11px;padding:0 5px;border-radius:3px;"
	"margin-top:2px}\n"
	".attr.binding{background:#c0261d;color:#fff;font-weight:bold}"
	".attr.expected{color:#57606a;border:1px solid #d0d7de}\n"
	".name{font-weight:bold}.id{font:11px monospace;color:#8c959f}\n"
	".val{font-size:16px;font-weight:bold;font-variant-numeric:tabular-nums}\n"
	".note{font-size:11px;color:#57606a}.late{font-size:11px;color:var(--late)}\n"
	"p.lead{font-size:14px;margin:.5em 0 0}svg .req{stroke:#1f2328;stroke-width:1.5}\n"
	"svg.spark{display:block}svg.spark .axis{stroke:#d0d7de;stroke-width:1}"
	"svg.spark .path{fill:none;stroke:#5b7db1;stroke-width:1.4;stroke-dasharray:4 3}"
	"svg.spark .series{fill:none;stroke:#1f2328;stroke-width:1.6}"
	"svg.spark .pt{fill:#1f2328}svg.spark .last{fill:var(--c);stroke:#1f2328;stroke-width:.8}"
	"svg.spark .target{fill:#fff;stroke:#5b7db1;stroke-width:1.2}"
	"svg.spark text{font-size:9px;fill:#57606a}\n"
	".cap{font-size:10px;color:#57606a}.nospark{font-size:11px;color:#8c959f}\n"
	".legend{font-size:12px;color:#57606a;margin:6px 0}.legend .badge{margin-right:4px}\n"
	"footer{margin-top:24px;font-size:11px;color:#57606a;border-top:1px solid #d0d7de;"
	"padding-top:6px}\n"
	"col.c-ind{width:26%}col.c-unit{width:7%}col.c-bt{width:16%}col.c-last{width:14%}"
	"col.c-v{width:15%}col.c-spark{width:22%}\n"
	"@page{size:A4 portrait;margin:12mm 10mm}\n"
	"@media print{body{max-width:none;padding:0;font-size:9pt}"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
	"h1{font-size:15pt}h2{font-size:12pt;break-after:avoid;page-break-after:avoid}"
	"thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}"
	"th,td{padding:3px 4px}.val{font-size:11pt}svg.spark{width:160px;height:47px}}\n";

static void write_head(const struct rep *r, FILE *f)
{
	fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	      f);
	rep_esc(f, r->plan_name[0] ? r->plan_name : r->plan);
	fputs(" — 规划指标监测报告</title>\n<style>\n", f);
	fputs(css, f);
	fputs("</style>\n</head>\n", f);
}

static void write_header(const struct rep *r, FILE *f)
{
	char t[40], per[PERIOD_TEXT_MAX];
	struct rep_counts c;
	rep_count_verdicts(r, -1, &c);
	fprintf(f, "<body data-plan=\"");
	rep_esc(f, r->plan);
	fputs("\">\n<header>\n<h1>", f);
	rep_esc(f, r->plan_name[0] ? r->plan_name : r->plan);
	fputs("</h1>\n<p class=\"sub\">规划指标监测报告 <span class=\"en\">Plan indicator "
	      "progress report</span> · <code>",
	      f);
	rep_esc(f, r->plan);
	fputs("</code></p>\n<dl class=\"meta\">\n<dt>报告期 <span class=\"en\">Period</span></dt><dd>",
	      f);
	if (r->has_cut) {
		period_format(&r->cut, per);
		fputs("截至 ", f);
		rep_esc(f, per);
		fputs(" <span class=\"en\">figures for periods ending by ", f);
		rep_esc(f, per);
		fputs("</span>", f);
	} else {
		fputs("最新数据 <span class=\"en\">latest figures</span>", f);
	}
	rep_fmt_time(t, sizeof(t), r->now_ms, "%Y-%m-%d %H:%M UTC");
	fputs("</dd>\n<dt>数据时间 <span class=\"en\">Data as of</span></dt><dd>", f);
	rep_esc(f, t);
	fputs(" <span class=\"en\">(planwatchd)</span></dd>\n", f);
	fprintf(f, "<dt>指标 <span class=\"en\">Indicators</span></dt><dd>%d 项，其中约束性 %d 项 "
		   "<span class=\"en\">(%d binding)</span></dd>\n</dl>\n", c.total, c.binding,
		c.binding);
	/* The line a reader takes away: verdicts first, late figures beside them. */
	fprintf(f, "<p class=\"lead\" data-summary>主要指标 %d 项中，达到序时进度 %d 项，预警 %d 项，"
		   "滞后 %d 项，无判定 %d 项，无数据 %d 项；约束性指标 %d 项，达到序时进度 %d 项。"
		   "另有 %d 项指标的数据逾期未报。<span class=\"en\">Of %d indicators: %d on track, "
		   "%d at risk, %d off track, %d without a verdict, %d without data; %d binding, %d "
		   "of them on track. %d have a figure overdue.</span></p>\n</header>\n",
		c.total, c.verdict[REP_ON_TRACK], c.verdict[REP_AT_RISK], c.verdict[REP_OFF_TRACK],
		c.verdict[REP_NONE], c.verdict[REP_NO_DATA], c.binding, c.binding_on_track,
		c.overdue, c.total, c.verdict[REP_ON_TRACK], c.verdict[REP_AT_RISK],
		c.verdict[REP_OFF_TRACK], c.verdict[REP_NONE], c.verdict[REP_NO_DATA], c.binding,
		c.binding_on_track, c.overdue);
}

static void summary_row(const struct rep *r, FILE *f, int cat)
{
	struct rep_counts c;
	static const int cols[] = { REP_ON_TRACK, REP_AT_RISK, REP_OFF_TRACK, REP_NONE,
				    REP_NO_DATA };
	rep_count_verdicts(r, cat, &c);
	if (cat < 0) {
		fputs("<tr class=\"total\"><td>合计 <span class=\"en\">Total</span></td>", f);
	} else {
		const char *zh = r->inds[r->cat_first[cat]].category;
		fputs("<tr data-category=\"", f);
		rep_esc(f, zh);
		fputs("\"><td>", f);
		rep_esc(f, zh);
		fputs(" <small>", f);
		rep_esc(f, rep_category_en(zh));
		fputs("</small></td>", f);
	}
	fprintf(f, "<td class=\"n\">%d</td><td class=\"n\">%d</td>", c.total, c.binding);
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		fprintf(f, "<td class=\"n %s%s\" data-count=\"%s\">%d</td>", rep_verdicts[cols[i]].cls,
			c.verdict[cols[i]] ? " nz" : "", rep_verdicts[cols[i]].name,
			c.verdict[cols[i]]);
	fprintf(f, "<td class=\"n overdue%s\" data-count=\"overdue\">%d</td>", c.overdue ? " nz" : "",
		c.overdue);
	fputs("</tr>\n", f);
}

static void write_summary(const struct rep *r, FILE *f)
{
	fputs("<section class=\"summary\">\n<h2>总览 <span class=\"en\">Summary</span></h2>\n"
	      "<table class=\"summary\">\n<thead><tr><th>分类<small>Category</small></th>"
	      "<th>指标<small>Indicators</small></th><th>约束性<small>Binding</small></th>",
	      f);
	static const int cols[] = { REP_ON_TRACK, REP_AT_RISK, REP_OFF_TRACK, REP_NONE,
				    REP_NO_DATA };
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		fprintf(f, "<th>%s<small>%s</small></th>", rep_verdicts[cols[i]].zh,
			rep_verdicts[cols[i]].en);
	fputs("<th class=\"sep\">逾期未报<small>Figure overdue</small></th>", f);
	fputs("</tr></thead>\n<tbody>\n", f);
	for (size_t c = 0; c < r->n_cats; c++)
		summary_row(r, f, (int)c);
	summary_row(r, f, -1);
	fputs("</tbody>\n</table>\n<p class=\"legend\">", f);
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		fprintf(f, "<span class=\"badge %s\">%s %s</span>", rep_verdicts[cols[i]].cls,
			rep_verdicts[cols[i]].zh, rep_verdicts[cols[i]].en);
	fputs("<span class=\"badge overdue\">逾期未报 overdue</span>", f);
	fputs("<br>判定各列每项指标只计一次；逾期未报单独计数：最新数据达到序时进度的指标，下一期数据逾期时仍计为达到序时进度。"
	      "<span class=\"en\">Each indicator is counted once among the verdicts; a figure "
	      "overdue is counted on its own, so an indicator whose latest figure is on track "
	      "stays on track while its next figure is late.</span></p>\n"
	      "</section>\n",
	      f);
}

static void write_kind(const struct rep_ind *x, FILE *f)
{
	struct planmath_target tg = rep_target(x);
	double g;
	const char *k = x->kind;
	fputs("<div class=\"note\">", f);
	if (strcmp(k, "growth") == 0) {
		if (!isnan(x->growth)) {
			fputs("年均增长 ", f);
			esc_num(f, x->growth);
			fputs("% <span class=\"en\">avg. growth/yr</span>", f);
		} else if (planmath_growth(&tg, &g)) {
			fputs("隐含年均增长 ", f);
			esc_num(f, g);
			fputs("% <span class=\"en\">implied growth/yr</span>", f);
		} else {
			fputs("增长 <span class=\"en\">growth</span>", f);
		}
	} else if (strcmp(k, "level") == 0) {
		fputs("线性达标 <span class=\"en\">linear path</span>", f);
	} else if (strcmp(k, "ceiling") == 0) {
		fputs("上限 <span class=\"en\">ceiling</span>", f);
	} else if (strcmp(k, "floor") == 0) {
		fputs("下限 <span class=\"en\">floor</span>", f);
	} else if (strcmp(k, "keep") == 0) {
		fputs("保持基期水平 <span class=\"en\">keep baseline</span>", f);
	} else if (strcmp(k, "city") == 0) {
		fputs("完成市下达任务 <span class=\"en\">city-assigned</span>", f);
	} else if (strcmp(k, "cumulative") == 0) {
		fputs("五年累计 <span class=\"en\">cumulative</span>", f);
	} else {
		fputs("仅监测 <span class=\"en\">monitored</span>", f);
	}
	fputs("</div>", f);
}

/* <tr> with the classes and data attributes the page's CSS and tests select on. */
static void row_open(const struct rep_ind *x, FILE *f)
{
	const char *cls = rep_verdicts[x->verdict].cls;
	bool bind = rep_is_binding(x);

	fputs("<tr class=\"ind ", f);
	fputs(cls, f);
	fputs(bind ? " binding" : " expected", f);
	fputs("\" id=\"ind-", f);
	rep_esc(f, x->id);
	fputs("\" data-indicator=\"", f);
	rep_esc(f, x->id);
	fprintf(f, "\" data-attribute=\"%s\" data-verdict=\"%s\">\n", bind ? "binding" : "expected",
		rep_verdicts[x->verdict].name);
}

/* Name (Chinese, English), id and attribute. */
static void cell_indicator(const struct rep_ind *x, FILE *f)
{
	bool bind = rep_is_binding(x);

	fputs("<td><div class=\"name\">", f);
	rep_esc(f, x->name);
	fputs("</div><div class=\"en\">", f);
	rep_esc(f, x->name_en);
	fputs("</div><span class=\"id\">", f);
	rep_esc(f, x->id);
	fprintf(f, "</span> <span class=\"attr %s\">%s</span>",
		bind ? "binding" : "expected", bind ? "★ 约束性 binding" : "预期性 expected");
	if (x->depts[0]) {
		fputs("<div class=\"note dept\">责任单位 <span class=\"en\">responsible</span> ", f);
		rep_esc(f, x->depts);
		fputs("</div>", f);
	}
	fputs("</td>\n", f);
}

/* Baseline -> target (with their years) and how the target is judged. */
static void cell_target(const struct rep_ind *x, FILE *f)
{
	esc_num(f, x->base);
	if (!isnan(x->base))
		fprintf(f, " <span class=\"note\">(%d)</span>", x->base_year);
	fputs(" → ", f);
	esc_num(f, x->target);
	if (!isnan(x->target))
		fprintf(f, " <span class=\"note\">(%d)</span>", x->target_year);
	write_kind(x, f);
}

/* The newest figure that counts: value, period, status, YoY, backfill. */
static void cell_latest(const struct rep_obs *o, FILE *f)
{
	if (o) {
		fputs("<span class=\"val\">", f);
		esc_num(f, o->value);
		fputs("</span><div class=\"note\">", f);
		rep_esc(f, o->text);
		if (o->status)
			fprintf(f, " · %s <span class=\"en\">%s</span>", status_name_zh(o->status),
				status_name(o->status));
		fputs("</div>", f);
		if (!isnan(o->yoy)) {
			fputs("<div class=\"note\">同比 <span class=\"en\">yoy</span> ", f);
			fputs(o->yoy > 0 ? "+" : "", f);
			esc_num(f, o->yoy);
			fputs("%</div>", f);
		}
		if (o->backfill)
			fputs("<div class=\"note\">历史补录 <span class=\"en\">backfill</span></div>",
			      f);
	} else {
		fputs("<span class=\"note\">无数据 <span class=\"en\">no data</span></span>", f);
	}
}

/* What was required and the gap, as the daemon compared them. */
static void verdict_requirement(const struct rep_ind *x, const struct rep_obs *o, FILE *f)
{
	bool yoy = rep_judged_by_yoy(x);
	if (yoy && !isnan(x->value) && (!o || isnan(o->yoy))) {
		/* the daemon computed the growth from the year before */
		fputs("<div class=\"note\">同比 <span class=\"en\">yoy</span> ", f);
		esc_num(f, x->value);
		fputs("%</div>", f);
	}
	fputs("<div class=\"note\">要求 <span class=\"en\">required</span> ", f);
	fputs(yoy ? "同比 yoy " : "", f);
	fputs(rep_req_sign(x), f);
	fputc(' ', f);
	esc_num(f, x->required);
	fputs(yoy ? "%" : " ", f);
	if (!yoy)
		rep_esc(f, x->unit);
	fputs("</div><div class=\"note\">差距 <span class=\"en\">gap</span> ", f);
	fputs(x->gap > 0 ? "+" : "", f);
	esc_num(f, x->gap);
	fputc(' ', f);
	rep_esc(f, rep_gap_unit(x));
	fputs("</div>", f);
}

/* The verdict badge and its notes: requirement and gap, the period judged, a withheld
 * verdict, an overdue figure. */
static void cell_verdict(const struct rep_ind *x, const struct rep_obs *o, FILE *f)
{
	const char *cls = rep_verdicts[x->verdict].cls;

	fprintf(f, "<span class=\"badge %s\">%s %s</span>", cls, rep_verdicts[x->verdict].zh,
		rep_verdicts[x->verdict].en);
	if (!isnan(x->required))
		verdict_requirement(x, o, f);
	if (x->state_period[0] && (!o || strcmp(x->state_period, o->text) != 0)) {
		fputs("<div class=\"note\">判定期 <span class=\"en\">verdict on</span> ", f);
		rep_esc(f, x->state_period);
		fputs("</div>", f);
	}
	if (x->withheld[0]) {
		fputs("<div class=\"note\">判定针对 ", f);
		rep_esc(f, x->withheld);
		fputs("，晚于报告期 <span class=\"en\">(the daemon's verdict is on a later "
		      "figure)</span></div>",
		      f);
	}
	if (x->overdue[0]) {
		fputs("<div class=\"late\">逾期未报 <span class=\"en\">overdue</span>: ", f);
		rep_esc(f, x->overdue);
		fprintf(f, "，逾期 %d 天 <span class=\"en\">%d days late</span></div>", x->days_late,
			x->days_late);
	}
}

static void write_row(const struct rep_ind *x, FILE *f)
{
	const struct rep_obs *o = rep_latest(x);

	row_open(x, f);
	cell_indicator(x, f);
	fputs("<td>", f);
	rep_esc(f, x->unit);
	fputs("</td>\n<td>", f);
	cell_target(x, f);
	fputs("</td>\n<td>", f);
	cell_latest(o, f);
	fputs("</td>\n<td>", f);
	cell_verdict(x, o, f);
	fputs("</td>\n<td>", f);
	write_spark(f, x);
	fputs("</td>\n</tr>\n", f);
}

void report_html_write(const struct rep *r, FILE *f)
{
	write_head(r, f);
	write_header(r, f);
	write_summary(r, f);
	for (size_t c = 0; c < r->n_cats; c++) {
		const char *zh = r->inds[r->cat_first[c]].category;
		fputs("<section class=\"category\" data-category=\"", f);
		rep_esc(f, zh);
		fputs("\">\n<h2>", f);
		rep_esc(f, zh);
		fputs(" <span class=\"en\">", f);
		rep_esc(f, rep_category_en(zh));
		fputs("</span></h2>\n<table class=\"inds\">\n<colgroup><col class=\"c-ind\">"
		      "<col class=\"c-unit\"><col class=\"c-bt\"><col class=\"c-last\">"
		      "<col class=\"c-v\"><col class=\"c-spark\"></colgroup>\n"
		      "<thead><tr><th>指标<small>Indicator</small></th><th>单位<small>Unit</small></th>"
		      "<th>基期 → 目标<small>Baseline → target</small></th>"
		      "<th>最新<small>Latest</small></th><th>判定<small>Verdict</small></th>"
		      "<th>走势<small>Trend; dashed = required path</small></th></tr></thead>\n"
		      "<tbody>\n",
		      f);
		for (size_t k = 0; k < r->n; k++)
			if (r->inds[r->order[k]].cat_rank == (int)c)
				write_row(&r->inds[r->order[k]], f);
		fputs("</tbody>\n</table>\n</section>\n", f);
	}
	fputs("<footer>\n<p>判定由 planwatchd 按规划目标类型给出：增速目标按报告的同比增速（地区生产总值、增加值为可比价）"
	      "判定，无同比的年度数按基期到目标的水平路径判定；线性达标、上限、下限、保持、完成市下达任务、"
	      "五年累计（按逐年增长路径）。达到要求即为达到序时进度；差距在容差以内为预警，超出为滞后："
	      "年度数据和约束性指标当期即判滞后，预期性指标的月度、季度数据连续偏离方判滞后。"
	      "逾期未报指按发布日历到期未报送，与判定分列。<span class=\"en\">Verdicts come from "
	      "planwatchd's target rules: a growth target on its reported yoy (comparable prices "
	      "for GDP and value added), an annual level without a yoy on the level path from the "
	      "baseline to the target; linear path, ceiling, floor, keep, city-assigned, five-year "
	      "sums on their growth-weighted path. Met is on track; short within the margin at "
	      "risk, beyond it off track — at once for full-year figures and binding indicators, "
	      "after consecutive misses for monthly and quarterly figures of expected ones. "
	      "Overdue (a figure not received by its release-calendar due date) is shown beside "
	      "the verdict. Dashed line: the required trajectory; black tick: the requirement the "
	      "daemon compared; hollow circle: the plan target.</span></p>\n</footer>\n</body>\n"
	      "</html>\n",
	      f);
}
