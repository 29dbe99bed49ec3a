/* client/report_int.h — what the report's files share (not installed; report.h is the
 * contract): the loaded report (report.c fills it over the wire and judges each
 * indicator), the formatting every output uses (report_fmt.c, rep_*), and one writer per
 * format (report_csv.c, report_json.c, report_html.c with its SVG sparklines). */
#ifndef PW_REPORT_INT_H
#define PW_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../proto/period.h"
#include "../proto/proto.h"
#include "planmath.h"

#define REP_NAME 512    /* bytes: indicator and plan names */
#define REP_SHORT 128   /* bytes: category, unit */
#define REP_QUERY_LIMIT 10000 /* the protocol's maximum; a plan's series is far shorter */

/* Display verdict of one indicator, exclusive; the summary counts each indicator once. A
 * missing figure (overdue) is not a verdict: it is counted on its own, beside it, so an
 * indicator whose latest figure is on track stays on track while a later one is late. */
enum rep_verdict {
	REP_ON_TRACK,
	REP_AT_RISK,
	REP_OFF_TRACK,
	REP_NONE,    /* figures, but no verdict (no rule, no city target, or withheld) */
	REP_NO_DATA, /* no figure at all (by the report period) */
	REP_V_N,
};

/* Names of each verdict: wire/JSON name, CSS class, Chinese and English text. */
struct rep_verdict_name {
	const char *name, *cls, *zh, *en;
};
extern const struct rep_verdict_name rep_verdicts[REP_V_N];

struct rep_obs {
	struct period per;
	char text[PERIOD_TEXT_MAX];
	double value, yoy; /* yoy NAN when not reported */
	int status;        /* enum pw_status, 0 if unknown */
	bool backfill;
};

#define REP_YEARS_MAX 16 /* years of 年度目标 or city numbers kept per target */

/* A target of one year: a 年度目标 of the catalog (value and/or growth, NAN when absent), or
 * a city's number set with `target set` (value; year 0: every year; rev its revision). */
struct rep_year_target {
	int year;
	double value, growth;
	unsigned rev;
};

struct rep_ind {
	char id[PROTO_MAX_ID + 1];
	char name[REP_NAME], name_en[REP_NAME], category[REP_SHORT], unit[REP_SHORT];
	char attribute[16], kind[16], form[8];
	int direction; /* 1: higher is better, -1: lower is better */
	int base_year, target_year;
	int due_days; /* a figure is due this many days after its period ends */
	char depts[REP_NAME]; /* 责任单位: the departments, the responsible one first, "、" */
	double base, target, growth; /* NAN when the catalog has none */
	int cat_rank;                /* position of the category in the catalog */
	size_t order;                /* position in the catalog */
	struct rep_obs *obs;         /* the figures that count, in series order */
	size_t n_obs;
	/* the daemon's alert state, as far as it applies to the report period */
	char state[16];                 /* on_track / at_risk / off_track, "" for none */
	char state_period[PERIOD_TEXT_MAX]; /* the figure the verdict is about */
	char withheld[PERIOD_TEXT_MAX]; /* verdict not shown: it is about this later period */
	char overdue[PERIOD_TEXT_MAX];  /* a figure not received by its due date, "" if none */
	int days_late;                  /* days since that figure was due (at the report time) */
	double value, required, gap;    /* what was compared; NAN without a verdict */
	int verdict;                    /* enum rep_verdict */
	struct rep_year_target annual[REP_YEARS_MAX]; /* the catalog's 年度目标 */
	size_t n_annual;
	struct rep_year_target city[REP_YEARS_MAX]; /* kind city: the numbers set (store) */
	size_t n_city;
	char def_change[REP_NAME]; /* 统计口径改变: what changed, "" for none */
	int def_change_year;       /* from which year (0: every year) */
};

struct rep {
	struct pw_client *c;
	char idbase[40];
	unsigned n_req;
	const char *plan;
	char plan_name[REP_NAME * 2], plan_name_en[REP_NAME * 2];
	char region[REP_SHORT]; /* the plan's region (alias), "" if the daemon does not say */
	int win_from, win_to;   /* the plan's window; 0 if the daemon does not say */
	struct period cut;
	bool has_cut;
	int64_t now_ms;
	char issuer[256]; /* the daemon's issuer (制表单位), "" if none */
	struct rep_ind *inds;
	size_t n;
	size_t *order; /* display order: category, binding first, catalog order */
	size_t *cat_first, n_cats; /* per category: index of its first indicator */
	char *err;
	size_t errlen;
};

/* ---- report.c: loading, shared with the evaluation (client/evaluation.c) ---- */

/* Request ids of this run (call once, before rep_load). */
void rep_begin(struct rep *r);
/* Loads r->plan over the wire (catalog, status, alerts, one query per indicator, each
 * judged for r->cut). Returns 0 or a negative code with r->err set. */
int rep_load(struct rep *r);
void rep_release(struct rep *r);
/* Sets r->err from fmt and returns rc. */
int rep_fail(struct rep *r, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Sends q (its id made from r->idbase) and decodes the reply into *out (a "result"); the
 * caller frees it. A NACK becomes its negative code, with the daemon's message in r->err.
 * Also used by client/dispatch.c. */
int rep_call(struct rep *r, struct proto_req *q, struct proto_view **out);
/* A string field, "" when absent; a value cut at cap never ends in half a character. */
void rep_view_text(const struct proto_view *v, int item, const char *key, char *buf,
		   size_t cap);
/* A finite number field, NAN when absent or not finite. */
double rep_view_num(const struct proto_view *v, int item, const char *key);
/* The year targets of catalog item i of v (its annual_targets, or its city_targets when
 * city) into out[0..max); returns how many. */
size_t rep_view_years(const struct proto_view *v, int i, bool city, struct rep_year_target *out,
		      size_t max);
/* The 年度目标 of x for year, NULL if none. */
const struct rep_year_target *rep_annual_for(const struct rep_ind *x, int year);
/* The city's number for year (its own newest revision, else the every-year one), NAN if
 * none is set: the rule daemon/rules.c judges a figure by. */
double rep_city_for(const struct rep_year_target *city, size_t n, int year);

/* ---- report_fmt.c ---- */

/* The newest figure that counts, NULL if none. */
const struct rep_obs *rep_latest(const struct rep_ind *x);
/* A binding (约束性) indicator. */
bool rep_is_binding(const struct rep_ind *x);
/* Growth targets on cumulative (1–N月) or sub-annual figures, or without a baseline, are
 * judged by year-on-year growth (rules.c): required and gap are then percentages and
 * percentage points. The alerts reply does not name the rule, so this mirrors rules.c
 * (except a year's annual_targets value, which rules.c compares as a level). */
bool rep_judged_by_yoy(const struct rep_ind *x);
/* "≥" or "≤": how the value must relate to the requirement. */
const char *rep_req_sign(const struct rep_ind *x);
/* A number for people: up to six significant digits, at most four decimals, no exponent. */
void rep_fmt_num(char *buf, size_t cap, double v);
/* A number for machines: the shortest of %.15g / %.17g that reads back exactly. */
void rep_fmt_exact(char *buf, size_t cap, double v);
/* ms since the epoch as UTC text in strftime's fmt. */
void rep_fmt_time(char *buf, size_t cap, int64_t ms, const char *fmt);
/* The unit of the gap: "pp" when judged by YoY growth, else the indicator's. */
const char *rep_gap_unit(const struct rep_ind *x);
/* The English name of a catalog category ("" if unknown). */
const char *rep_category_en(const char *zh);
/* The wire name of a figure's status ("" for none). */
const char *rep_status_en(int st);
/* The numbers of x's target for the plan maths. */
struct planmath_target rep_target(const struct rep_ind *x);
/* What the summary counts for the indicators of category cat (-1: all). */
struct rep_counts {
	int verdict[REP_V_N]; /* by enum rep_verdict, each indicator once */
	int total, binding;
	int overdue;          /* indicators with a figure overdue, whatever their verdict */
	int binding_on_track; /* binding indicators on track */
};
void rep_count_verdicts(const struct rep *r, int cat, struct rep_counts *c);

/* s escaped for HTML text and attribute values. */
void rep_esc(FILE *f, const char *s);
/* s as one CSV field (RFC 4180 quoting), then "," or, last, CRLF. */
void rep_csv_field(FILE *f, const char *s, bool last);
/* s as a JSON string; null for NULL. */
void rep_json_str(FILE *f, const char *s);
/* v as an exact JSON number; null when not finite. */
void rep_json_num(FILE *f, double v);

/* 1 + the index of s in names[0..n), or PW_EINVAL (NULL or not there): the parsers of
 * option words whose enums count from 1. */
int rep_name_index(const char *s, const char *const *names, int n);

/* ---- one writer per format: the loaded report r to f ---- */

void report_csv_write(const struct rep *r, FILE *f);
void report_json_write(const struct rep *r, FILE *f);
void report_html_write(const struct rep *r, FILE *f);

#endif
