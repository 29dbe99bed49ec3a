/* client/report_fmt.c — formatting every report format shares: numbers for people and
 * for machines, times, units, category and status names, verdict counts. */
#include <time.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/status.h"
#include "report_int.h"

const struct rep_verdict_name rep_verdicts[REP_V_N] = {
	/* 达到序时进度 / 滞后: a planner's words for on and behind the path; 按期 ("on time")
	 * would read as the opposite of 逾期, which is about figures, not targets. */
	[REP_ON_TRACK] = { "on_track", "on-track", "达到序时进度", "on track" },
	[REP_AT_RISK] = { "at_risk", "at-risk", "预警", "at risk" },
	[REP_OFF_TRACK] = { "off_track", "off-track", "滞后", "off track" },
	[REP_NONE] = { "none", "no-verdict", "无判定", "no verdict" },
	[REP_NO_DATA] = { "no_data", "no-data", "无数据", "no data" },
};

const struct rep_obs *rep_latest(const struct rep_ind *x)
{
	return x->n_obs ? &x->obs[x->n_obs - 1] : NULL;
}

bool rep_is_binding(const struct rep_ind *x)
{
	return strcmp(x->attribute, "binding") == 0;
}

/* The figure the daemon's verdict is about, NULL if it is not among x's. */
static const struct rep_obs *judged_obs(const struct rep_ind *x)
{
	for (size_t i = x->n_obs; i-- > 0;)
		if (strcmp(x->obs[i].text, x->state_period) == 0)
			return &x->obs[i];
	return NULL;
}

/* A growth target's rate is judged on the yoy (rules.c eval_growth): of a figure that
 * reports one, of a monthly or quarterly figure, or without a baseline; an annual level
 * without a yoy is judged on the level path. The alerts reply does not name the basis,
 * so this mirrors rules.c (except a year's annual_targets, which the report does not
 * load). */
bool rep_judged_by_yoy(const struct rep_ind *x)
{
	struct period p;
	const struct rep_obs *o;
	if (strcmp(x->kind, "growth") != 0)
		return false;
	if (isnan(x->base))
		return true;
	if (!x->state_period[0] || period_parse(&p, x->state_period, strlen(x->state_period)) < 0)
		return strcmp(x->form, "ytd") == 0;
	return p.freq != PERIOD_ANNUAL || ((o = judged_obs(x)) && !isnan(o->yoy));
}

/* "≥" or "≤": how the value must relate to the requirement. */
const char *rep_req_sign(const struct rep_ind *x)
{
	if (strcmp(x->kind, "ceiling") == 0)
		return "≤";
	if (strcmp(x->kind, "floor") == 0)
		return "≥";
	return x->direction < 0 ? "≤" : "≥";
}

/* A number for people: up to six significant digits, at most four decimals, no exponent. */
void rep_fmt_num(char *buf, size_t cap, double v)
{
	if (isnan(v)) {
		snprintf(buf, cap, "–");
		return;
	}
	double a = fabs(v);
	int digits = a >= 1 ? (int)floor(log10(a)) + 1 : 1;
	int dec = 6 - digits;
	dec = dec < 0 ? 0 : dec > 4 ? 4 : dec;
	snprintf(buf, cap, "%.*f", dec, v);
	if (strchr(buf, '.')) {
		char *e = buf + strlen(buf) - 1;
		while (*e == '0')
			*e-- = '\0';
		if (*e == '.')
			*e = '\0';
	}
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, cap, "0");
}

/* A number for machines: the shortest of %.15g / %.17g that reads back exactly. */
void rep_fmt_exact(char *buf, size_t cap, double v)
{
	snprintf(buf, cap, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, cap, "%.17g", v);
}

void rep_fmt_time(char *buf, size_t cap, int64_t ms, const char *fmt)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, cap, fmt, &tm);
}

/* A gap between two percentages is in percentage points, whether the percentages are
 * growth rates or shares. */
const char *rep_gap_unit(const struct rep_ind *x)
{
	return rep_judged_by_yoy(x) || strcmp(x->unit, "%") == 0 ? "pp" : x->unit;
}

static const struct {
	const char *zh, *en;
} categories_en[] = {
	{ "经济发展", "Economic development" }, { "经济质效", "Economic quality and efficiency" },
	{ "创新驱动", "Innovation" },           { "民生福祉", "People's well-being" },
	{ "生态文明", "Ecological progress" },  { "绿色发展", "Green development" },
	{ "开放发展", "Opening up" },           { "文化引领", "Culture" },
	{ "社会事业", "Social services" },      { "安全保障", "Security" },
};

const char *rep_category_en(const char *zh)
{
	for (size_t i = 0; i < sizeof(categories_en) / sizeof(categories_en[0]); i++)
		if (strcmp(categories_en[i].zh, zh) == 0)
			return categories_en[i].en;
	return "";
}

const char *rep_status_en(int st)
{
	return st ? status_name(st) : "";
}

/* The numbers of x's target for the plan maths. */
struct planmath_target rep_target(const struct rep_ind *x)
{
	return (struct planmath_target){ .base_year = x->base_year, .target_year = x->target_year,
					 .base = x->base, .target = x->target, .growth = x->growth };
}

void rep_count_verdicts(const struct rep *r, int cat, struct rep_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < r->n; i++) {
		const struct rep_ind *x = &r->inds[i];
		if (cat >= 0 && x->cat_rank != cat)
			continue;
		c->verdict[x->verdict]++;
		c->total++;
		c->binding += rep_is_binding(x);
		c->binding_on_track += rep_is_binding(x) && x->verdict == REP_ON_TRACK;
		c->overdue += x->overdue[0] != '\0';
	}
}

void rep_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

void rep_json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void rep_csv_field(FILE *f, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputs(last ? "\r\n" : ",", f);
}
