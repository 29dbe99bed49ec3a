/* client/report.c — the progress report of one plan (HTML, CSV, JSON), built from raw
 * protocol requests: catalog, status, alerts and one query per indicator. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../proto/err.h"
#include "../proto/period.h"
#include "../proto/proto.h"
#include "../proto/status.h"
#include "planwatch.h"
#include "report.h"

#define REP_NAME 512    /* bytes: indicator and plan names */
#define REP_SHORT 128   /* bytes: category, unit */
#define REP_QUERY_LIMIT 10000 /* the protocol's maximum; a plan's series is far shorter */

/* Display verdict of one indicator, exclusive; the summary counts each indicator once. */
enum rep_verdict {
	REP_ON_TRACK,
	REP_AT_RISK,
	REP_OFF_TRACK,
	REP_OVERDUE,
	REP_NONE,    /* figures, but no verdict (no rule, no city target, or withheld) */
	REP_NO_DATA, /* no figure at all (by the report period) */
	REP_V_N,
};

static const struct {
	const char *name, *cls, *zh, *en;
} verdicts[REP_V_N] = {
	[REP_ON_TRACK] = { "on_track", "on-track", "按期", "on track" },
	[REP_AT_RISK] = { "at_risk", "at-risk", "预警", "at risk" },
	[REP_OFF_TRACK] = { "off_track", "off-track", "偏离", "off track" },
	[REP_OVERDUE] = { "overdue", "overdue", "逾期", "overdue" },
	[REP_NONE] = { "none", "no-verdict", "无判定", "no verdict" },
	[REP_NO_DATA] = { "no_data", "no-data", "无数据", "no data" },
};

struct rep_obs {
	struct period per;
	char text[PERIOD_TEXT_MAX];
	double value, yoy; /* yoy NAN when not reported */
	int status;        /* enum pw_status, 0 if unknown */
	bool backfill;
};

struct rep_ind {
	char id[PROTO_MAX_ID + 1];
	char name[REP_NAME], name_en[REP_NAME], category[REP_SHORT], unit[REP_SHORT];
	char attribute[16], kind[16], form[8];
	int direction; /* 1: higher is better, -1: lower is better */
	int base_year, target_year;
	int due_days; /* a figure is due this many days after its period ends */
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
	double value, required, gap;    /* what was compared; NAN without a verdict */
	int verdict;                    /* enum rep_verdict */
};

struct rep {
	struct pw_client *c;
	char idbase[40];
	unsigned n_req;
	const char *plan;
	char plan_name[REP_NAME * 2];
	struct period cut;
	bool has_cut;
	int64_t now_ms;
	struct rep_ind *inds;
	size_t n;
	size_t *order; /* display order: category, binding first, catalog order */
	size_t *cat_first, n_cats; /* per category: index of its first indicator */
	char *err;
	size_t errlen;
};

static int rep_fail(struct rep *r, int rc, const char *fmt, ...)
{
	va_list ap;
	if (r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err, r->errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* ---- requests ---- */

/* Sends q and decodes the reply into *out (a "result"). A NACK becomes its negative code. */
static int rep_call(struct rep *r, struct proto_req *q, struct proto_view **out)
{
	struct proto_buf b;
	void *reply;
	size_t len;
	char type[16] = "", name[64] = "", msg[256] = "";
	int64_t code = 0;
	int rc;

	snprintf(q->id, sizeof(q->id), "%s-%u", r->idbase, ++r->n_req);
	proto_buf_init(&b);
	rc = proto_req_encode(q, &b);
	if (rc == 0)
		rc = pw_call(r->c, b.data, b.len, q->id, &reply, &len);
	proto_buf_release(&b);
	if (rc < 0)
		return rep_fail(r, rc, "%s request failed: %s", proto_type_name(q->type),
				pw_strerror(rc));
	rc = proto_view_new(out, reply, len);
	free(reply);
	if (rc < 0)
		return rep_fail(r, rc, "bad reply to %s: %s", proto_type_name(q->type),
				pw_strerror(rc));
	proto_view_str(*out, -1, "type", type, sizeof(type));
	if (strcmp(type, "result") == 0)
		return 0;
	if (strcmp(type, "nack") == 0) {
		proto_view_int(*out, -1, "code", &code);
		proto_view_str(*out, -1, "error", name, sizeof(name));
		proto_view_str(*out, -1, "message", msg, sizeof(msg));
		rc = code > 0 && code < -PW__LAST ? (int)-code : PW_EPROTO;
		rep_fail(r, rc, "%s refused: %s: %s", proto_type_name(q->type), name, msg);
	} else {
		rc = rep_fail(r, PW_EPROTO, "unexpected reply '%s' to %s", type,
			      proto_type_name(q->type));
	}
	proto_view_free(*out);
	*out = NULL;
	return rc;
}

/* A string field, "" when absent; a value cut at cap never ends in half a character. */
static void view_text(const struct proto_view *v, int item, const char *key, char *buf,
		      size_t cap)
{
	if (proto_view_str(v, item, key, buf, cap) < 0) {
		buf[0] = '\0';
		return;
	}
	size_t n = strlen(buf);
	if (n + 1 < cap)
		return;
	size_t k = n;
	while (k > 0 && ((unsigned char)buf[k - 1] & 0xc0) == 0x80)
		k--;
	if (k > 0 && ((unsigned char)buf[k - 1] & 0x80)) {
		unsigned char lead = (unsigned char)buf[k - 1];
		size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
		if (n - (k - 1) < need)
			buf[k - 1] = '\0';
	}
}

static double view_num(const struct proto_view *v, int item, const char *key)
{
	double x;
	return proto_view_double(v, item, key, &x) == 0 && isfinite(x) ? x : NAN;
}

static int period_end(const struct period *p)
{
	int first, last;
	period_months(p, &first, &last);
	return p->year * 12 + last;
}

/* Does a figure of period p count for the report (it ends by the end of the cutoff)? */
static bool in_report(const struct rep *r, const struct period *p)
{
	return !r->has_cut || period_end(p) <= period_end(&r->cut);
}

static bool text_in_report(const struct rep *r, const char *s)
{
	struct period p;
	return period_parse(&p, s, strlen(s)) == 0 && in_report(r, &p);
}

/* Days from 1970-01-01 to the first day after the period (months since year 0 given). */
static int64_t days_after(int month_index)
{
	struct tm tm = { .tm_year = month_index / 12 - 1900, .tm_mon = month_index % 12,
			 .tm_mday = 1 };
	return (int64_t)timegm(&tm) / 86400;
}

/* Was the figure of period s (overdue now) already due when the report period ended? */
static bool due_in_report(const struct rep *r, const struct rep_ind *x, const char *s)
{
	struct period p;
	if (!r->has_cut)
		return true;
	if (period_parse(&p, s, strlen(s)) < 0)
		return false;
	return days_after(period_end(&p)) + x->due_days <= days_after(period_end(&r->cut));
}

static struct rep_ind *find_ind(struct rep *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->inds[i].id, id) == 0)
			return &r->inds[i];
	return NULL;
}

static int load_catalog(struct rep *r)
{
	struct proto_req q = { .type = PROTO_CATALOG, .plan = r->plan };
	struct proto_view *v;
	int rc = rep_call(r, &q, &v);
	if (rc < 0)
		return rc;
	size_t n = proto_view_count(v);
	if (n == 0) {
		proto_view_free(v);
		return rep_fail(r, PW_EPLAN, "plan '%s' has no indicators", r->plan);
	}
	r->inds = calloc(n, sizeof(*r->inds));
	r->cat_first = calloc(n, sizeof(*r->cat_first));
	if (!r->inds || !r->cat_first) {
		proto_view_free(v);
		return rep_fail(r, PW_ENOMEM, "out of memory");
	}
	view_text(v, 0, "plan_name", r->plan_name, sizeof(r->plan_name));
	for (size_t i = 0; i < n; i++) {
		struct rep_ind *x = &r->inds[r->n];
		char dir[8] = "";
		int64_t y;
		if (proto_view_str(v, (int)i, "indicator", x->id, sizeof(x->id)) < 0 || !x->id[0]) {
			proto_view_free(v);
			return rep_fail(r, PW_EPROTO, "catalog reply: item %zu has no indicator",
					i);
		}
		view_text(v, (int)i, "name", x->name, sizeof(x->name));
		view_text(v, (int)i, "name_en", x->name_en, sizeof(x->name_en));
		view_text(v, (int)i, "category", x->category, sizeof(x->category));
		view_text(v, (int)i, "unit", x->unit, sizeof(x->unit));
		view_text(v, (int)i, "attribute", x->attribute, sizeof(x->attribute));
		view_text(v, (int)i, "kind", x->kind, sizeof(x->kind));
		view_text(v, (int)i, "form", x->form, sizeof(x->form));
		view_text(v, (int)i, "direction", dir, sizeof(dir));
		x->direction = strcmp(dir, "down") == 0 ? -1 : 1;
		x->base_year = proto_view_int(v, (int)i, "baseline_year", &y) == 0 ? (int)y : 0;
		x->target_year = proto_view_int(v, (int)i, "target_year", &y) == 0 ? (int)y : 0;
		x->due_days = proto_view_int(v, (int)i, "due_days", &y) == 0 ? (int)y : 0;
		x->base = view_num(v, (int)i, "baseline");
		x->target = view_num(v, (int)i, "target");
		x->growth = view_num(v, (int)i, "growth");
		x->value = x->required = x->gap = NAN;
		x->order = r->n;
		x->cat_rank = -1;
		for (size_t k = 0; k < r->n_cats; k++)
			if (strcmp(r->inds[r->cat_first[k]].category, x->category) == 0)
				x->cat_rank = (int)k;
		if (x->cat_rank < 0) {
			x->cat_rank = (int)r->n_cats;
			r->cat_first[r->n_cats++] = r->n;
		}
		r->n++;
	}
	proto_view_free(v);
	return 0;
}

static int load_status(struct rep *r)
{
	struct proto_req q = { .type = PROTO_STATUS };
	struct proto_view *v;
	int rc = rep_call(r, &q, &v);
	if (rc < 0)
		return rc;
	if (proto_view_int(v, -1, "now", &r->now_ms) < 0)
		r->now_ms = 0;
	proto_view_free(v);
	return 0;
}

static int load_alerts(struct rep *r)
{
	struct proto_req q = { .type = PROTO_ALERTS, .plan = r->plan };
	struct proto_view *v;
	int rc = rep_call(r, &q, &v);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < proto_view_count(v); i++) {
		char id[PROTO_MAX_ID + 1] = "", state[16] = "", per[PERIOD_TEXT_MAX] = "";
		struct rep_ind *x;
		if (proto_view_str(v, (int)i, "indicator", id, sizeof(id)) < 0 ||
		    !(x = find_ind(r, id)))
			continue; /* not (or no longer) in the catalog */
		view_text(v, (int)i, "state", state, sizeof(state));
		view_text(v, (int)i, "period", per, sizeof(per));
		view_text(v, (int)i, "overdue", x->overdue, sizeof(x->overdue));
		if (strcmp(state, "on_track") == 0 || strcmp(state, "at_risk") == 0 ||
		    strcmp(state, "off_track") == 0) {
			snprintf(x->state, sizeof(x->state), "%s", state);
			snprintf(x->state_period, sizeof(x->state_period), "%s", per);
			x->value = view_num(v, (int)i, "value");
			x->required = view_num(v, (int)i, "required");
			x->gap = view_num(v, (int)i, "gap");
		}
	}
	proto_view_free(v);
	return 0;
}

static int load_series(struct rep *r, struct rep_ind *x)
{
	struct proto_req q = { .type = PROTO_QUERY, .plan = r->plan, .ind = x->id,
			       .limit = REP_QUERY_LIMIT };
	struct proto_view *v;
	int rc = rep_call(r, &q, &v);
	if (rc < 0)
		return rc;
	size_t n = proto_view_count(v);
	if (n && !(x->obs = calloc(n, sizeof(*x->obs)))) {
		proto_view_free(v);
		return rep_fail(r, PW_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		struct rep_obs *o = &x->obs[x->n_obs];
		char st[16] = "";
		bool bf = false;
		view_text(v, (int)i, "period", o->text, sizeof(o->text));
		o->value = view_num(v, (int)i, "value");
		if (period_parse(&o->per, o->text, strlen(o->text)) < 0 || isnan(o->value)) {
			proto_view_free(v);
			return rep_fail(r, PW_EPROTO, "query reply for '%s': bad item %zu", x->id,
					i);
		}
		if (!in_report(r, &o->per))
			continue;
		view_text(v, (int)i, "status", st, sizeof(st));
		o->status = status_parse(st) > 0 ? status_parse(st) : 0;
		o->yoy = view_num(v, (int)i, "yoy");
		proto_view_bool(v, (int)i, "backfill", &bf);
		o->backfill = bf;
		x->n_obs++;
	}
	proto_view_free(v);
	return 0;
}

/* The display verdict, from the daemon's state restricted to the report period. */
static void judge(const struct rep *r, struct rep_ind *x)
{
	if (x->state[0] && x->state_period[0] && !text_in_report(r, x->state_period)) {
		snprintf(x->withheld, sizeof(x->withheld), "%s", x->state_period);
		x->state[0] = '\0';
		x->state_period[0] = '\0';
		x->value = x->required = x->gap = NAN;
	}
	if (x->overdue[0] && !due_in_report(r, x, x->overdue))
		x->overdue[0] = '\0';
	if (strcmp(x->state, "off_track") == 0)
		x->verdict = REP_OFF_TRACK;
	else if (strcmp(x->state, "at_risk") == 0)
		x->verdict = REP_AT_RISK;
	else if (x->overdue[0])
		x->verdict = REP_OVERDUE;
	else if (strcmp(x->state, "on_track") == 0)
		x->verdict = REP_ON_TRACK;
	else
		x->verdict = x->n_obs ? REP_NONE : REP_NO_DATA;
}

/* Category, then binding (约束性) before expected, then catalog order. */
static bool shown_before(const struct rep_ind *a, const struct rep_ind *b)
{
	bool ba = strcmp(a->attribute, "binding") == 0, bb = strcmp(b->attribute, "binding") == 0;
	if (a->cat_rank != b->cat_rank)
		return a->cat_rank < b->cat_rank;
	if (ba != bb)
		return ba;
	return a->order < b->order;
}

static int load(struct rep *r)
{
	int rc;
	if ((rc = load_catalog(r)) < 0 || (rc = load_status(r)) < 0 || (rc = load_alerts(r)) < 0)
		return rc;
	for (size_t i = 0; i < r->n; i++) {
		if ((rc = load_series(r, &r->inds[i])) < 0)
			return rc;
		judge(r, &r->inds[i]);
	}
	if (!(r->order = calloc(r->n, sizeof(*r->order))))
		return rep_fail(r, PW_ENOMEM, "out of memory");
	/* Insertion sort: stable, and a plan has tens of indicators. */
	for (size_t i = 0; i < r->n; i++) {
		size_t k = i;
		while (k > 0 && shown_before(&r->inds[i], &r->inds[r->order[k - 1]])) {
			r->order[k] = r->order[k - 1];
			k--;
		}
		r->order[k] = i;
	}
	return 0;
}

static void rep_release(struct rep *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->inds[i].obs);
	free(r->inds);
	free(r->order);
	free(r->cat_first);
}

/* ---- shared formatting ---- */

static const struct rep_obs *latest(const struct rep_ind *x)
{
	return x->n_obs ? &x->obs[x->n_obs - 1] : NULL;
}

static bool is_binding(const struct rep_ind *x)
{
	return strcmp(x->attribute, "binding") == 0;
}

/* Growth targets on cumulative (1–N月) or sub-annual figures, or without a baseline, are
 * judged by year-on-year growth (rules.c): required and gap are then percentages and
 * percentage points. The alerts reply does not name the rule, so this mirrors rules.c
 * (except a year's annual_targets value, which rules.c compares as a level). */
static bool judged_by_yoy(const struct rep_ind *x)
{
	struct period p;
	if (strcmp(x->kind, "growth") != 0)
		return false;
	if (strcmp(x->form, "ytd") == 0 || isnan(x->base))
		return true;
	return x->state_period[0] &&
	       period_parse(&p, x->state_period, strlen(x->state_period)) == 0 &&
	       p.freq != PERIOD_ANNUAL;
}

/* "≥" or "≤": how the value must relate to the requirement. */
static const char *req_sign(const struct rep_ind *x)
{
	if (strcmp(x->kind, "ceiling") == 0)
		return "≤";
	if (strcmp(x->kind, "floor") == 0)
		return "≥";
	return x->direction < 0 ? "≤" : "≥";
}

/* A number for people: up to six significant digits, at most four decimals, no exponent. */
static void fmt_num(char *buf, size_t cap, double v)
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
static void fmt_exact(char *buf, size_t cap, double v)
{
	snprintf(buf, cap, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, cap, "%.17g", v);
}

static void fmt_time(char *buf, size_t cap, int64_t ms, const char *fmt)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, cap, fmt, &tm);
}

static const char *gap_unit(const struct rep_ind *x)
{
	return judged_by_yoy(x) ? "pp" : x->unit;
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

static const char *category_en(const char *zh)
{
	for (size_t i = 0; i < sizeof(categories_en) / sizeof(categories_en[0]); i++)
		if (strcmp(categories_en[i].zh, zh) == 0)
			return categories_en[i].en;
	return "";
}

static const char *status_en(int st)
{
	return st ? status_name(st) : "";
}

/* ---- CSV (RFC 4180) ---- */

static void csv_field(FILE *f, const char *s, bool last)
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

static void csv_num(FILE *f, double v)
{
	char buf[40] = "";
	if (!isnan(v))
		fmt_exact(buf, sizeof(buf), v);
	csv_field(f, buf, false);
}

static void csv_int(FILE *f, int v)
{
	char buf[16] = "";
	if (v)
		snprintf(buf, sizeof(buf), "%d", v);
	csv_field(f, buf, false);
}

static const char *const columns[] = {
	"plan",		  "indicator",	"name",	  "name_en",	 "category",	   "attribute",
	"kind",		  "unit",	"baseline_year", "baseline", "target_year", "target",
	"growth",	  "latest_period", "latest_value", "status", "verdict",	   "required",
	"gap",		  "gap_unit",	"verdict_period", "overdue",
};
#define N_COLUMNS (sizeof(columns) / sizeof(columns[0]))

static void write_csv(const struct rep *r, FILE *f)
{
	for (size_t i = 0; i < N_COLUMNS; i++)
		csv_field(f, columns[i], i + 1 == N_COLUMNS);
	for (size_t k = 0; k < r->n; k++) {
		const struct rep_ind *x = &r->inds[r->order[k]];
		const struct rep_obs *o = latest(x);
		bool judged = x->state[0] != '\0';
		csv_field(f, r->plan, false);
		csv_field(f, x->id, false);
		csv_field(f, x->name, false);
		csv_field(f, x->name_en, false);
		csv_field(f, x->category, false);
		csv_field(f, x->attribute, false);
		csv_field(f, x->kind, false);
		csv_field(f, x->unit, false);
		csv_int(f, isnan(x->base) ? 0 : x->base_year);
		csv_num(f, x->base);
		csv_int(f, isnan(x->target) ? 0 : x->target_year);
		csv_num(f, x->target);
		csv_num(f, x->growth);
		csv_field(f, o ? o->text : "", false);
		csv_num(f, o ? o->value : NAN);
		csv_field(f, o ? status_en(o->status) : "", false);
		csv_field(f, verdicts[x->verdict].name, false);
		csv_num(f, x->required);
		csv_num(f, x->gap);
		csv_field(f, judged ? gap_unit(x) : "", false);
		csv_field(f, x->state_period, false);
		csv_field(f, x->overdue, true);
	}
}

/* ---- JSON ---- */

static void json_str(FILE *f, const char *s)
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

static void json_opt_str(FILE *f, const char *s)
{
	json_str(f, s && s[0] ? s : NULL);
}

static void json_num(FILE *f, double v)
{
	char buf[40];
	if (!isfinite(v)) {
		fputs("null", f);
		return;
	}
	fmt_exact(buf, sizeof(buf), v);
	fputs(buf, f);
}

static void count_verdicts(const struct rep *r, int cat, int counts[REP_V_N], int *total,
			   int *binding)
{
	memset(counts, 0, sizeof(int) * REP_V_N);
	*total = *binding = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct rep_ind *x = &r->inds[i];
		if (cat >= 0 && x->cat_rank != cat)
			continue;
		counts[x->verdict]++;
		(*total)++;
		*binding += is_binding(x);
	}
}

static void json_counts(const struct rep *r, FILE *f, int cat)
{
	int counts[REP_V_N], total, binding;
	count_verdicts(r, cat, counts, &total, &binding);
	fprintf(f, "\"indicators\":%d,\"binding\":%d", total, binding);
	for (int v = 0; v < REP_V_N; v++)
		fprintf(f, ",\"%s\":%d", verdicts[v].name, counts[v]);
}

static void write_json(const struct rep *r, FILE *f)
{
	char t[40], per[PERIOD_TEXT_MAX];
	fputs("{\"plan\":", f);
	json_str(f, r->plan);
	fputs(",\"plan_name\":", f);
	json_str(f, r->plan_name);
	fputs(",\"period\":", f);
	if (r->has_cut) {
		period_format(&r->cut, per);
		json_str(f, per);
	} else {
		fputs("null", f);
	}
	fmt_time(t, sizeof(t), r->now_ms, "%Y-%m-%dT%H:%M:%SZ");
	fprintf(f, ",\"generated\":\"%s\",\"generated_ms\":%lld,\"summary\":[", t,
		(long long)r->now_ms);
	for (size_t c = 0; c < r->n_cats; c++) {
		fputs(c ? ",{\"category\":" : "{\"category\":", f);
		json_str(f, r->inds[r->cat_first[c]].category);
		fputc(',', f);
		json_counts(r, f, (int)c);
		fputc('}', f);
	}
	fputs("],\"total\":{", f);
	json_counts(r, f, -1);
	fputs("},\"indicators\":[", f);
	for (size_t k = 0; k < r->n; k++) {
		const struct rep_ind *x = &r->inds[r->order[k]];
		const struct rep_obs *o = latest(x);
		fputs(k ? ",\n{" : "\n{", f);
		fputs("\"plan\":", f);
		json_str(f, r->plan);
		fputs(",\"indicator\":", f);
		json_str(f, x->id);
		fputs(",\"name\":", f);
		json_str(f, x->name);
		fputs(",\"name_en\":", f);
		json_str(f, x->name_en);
		fputs(",\"category\":", f);
		json_str(f, x->category);
		fputs(",\"attribute\":", f);
		json_str(f, x->attribute);
		fputs(",\"kind\":", f);
		json_str(f, x->kind);
		fputs(",\"unit\":", f);
		json_str(f, x->unit);
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
		json_opt_str(f, o ? status_en(o->status) : NULL);
		fputs(",\"verdict\":", f);
		json_str(f, verdicts[x->verdict].name);
		fputs(",\"required\":", f);
		json_num(f, x->required);
		fputs(",\"gap\":", f);
		json_num(f, x->gap);
		fputs(",\"gap_unit\":", f);
		json_opt_str(f, x->state[0] ? gap_unit(x) : NULL);
		fputs(",\"verdict_period\":", f);
		json_opt_str(f, x->state_period);
		fputs(",\"overdue\":", f);
		json_opt_str(f, x->overdue);
		fputs(",\"series\":[", f);
		for (size_t i = 0; i < x->n_obs; i++) {
			fputs(i ? ",{\"period\":" : "{\"period\":", f);
			json_str(f, x->obs[i].text);
			fputs(",\"value\":", f);
			json_num(f, x->obs[i].value);
			fputs(",\"status\":", f);
			json_opt_str(f, status_en(x->obs[i].status));
			fputs(",\"yoy\":", f);
			json_num(f, x->obs[i].yoy);
			fprintf(f, ",\"backfill\":%s}", x->obs[i].backfill ? "true" : "false");
		}
		fputs("]}", f);
	}
	fputs("\n]}\n", f);
}

/* ---- HTML ---- */

static void esc(FILE *f, const char *s)
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

static void esc_num(FILE *f, double v)
{
	char buf[48];
	fmt_num(buf, sizeof(buf), v);
	esc(f, buf);
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

/* The points to draw into pts (room for n_obs + 1), by time. Cumulative targets draw the
 * running total of annual figures from the baseline year on. */
static size_t spark_points(const struct rep_ind *x, struct pt *pts)
{
	size_t n = 0, m = 0;
	bool cum = strcmp(x->kind, "cumulative") == 0;
	double sum = 0;
	for (size_t i = 0; i < x->n_obs; i++) {
		const struct rep_obs *o = &x->obs[i];
		struct pt p = { period_x(&o->per), o->value };
		if (cum) {
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

/* The annual growth the plan asks for: stated, or implied by baseline and target. */
static bool plan_growth(const struct rep_ind *x, double *g)
{
	if (!isnan(x->growth)) {
		*g = x->growth;
		return true;
	}
	if (!isnan(x->base) && !isnan(x->target) && x->base > 0 && x->target > 0 &&
	    x->target_year > x->base_year) {
		*g = (pow(x->target / x->base, 1.0 / (x->target_year - x->base_year)) - 1) * 100;
		return true;
	}
	return false;
}

/* The required value at time t (same x scale as period_x); false where there is none. */
static bool path_at(const struct rep_ind *x, double t, double *y)
{
	int y0 = x->base_year, yt = x->target_year;
	double g, frac = yt > y0 ? (t - y0) / (yt - y0) : 1;
	frac = frac > 1 ? 1 : frac;
	if (strcmp(x->kind, "growth") == 0) {
		if (!plan_growth(x, &g))
			return false;
		if (!isnan(x->base) && x->base > 0) {
			*y = x->base * pow(1 + g / 100, t - y0);
			return t >= y0;
		}
		if (strcmp(x->unit, "%") == 0 && !isnan(x->growth)) {
			*y = x->growth; /* the figure is itself a growth rate (固定资产投资增速) */
			return true;
		}
		if (!isnan(x->target) && x->target > 0) {
			*y = x->target * pow(1 + g / 100, t - yt);
			return t >= y0;
		}
		return false;
	}
	if (strcmp(x->kind, "level") == 0) {
		if (isnan(x->target))
			return false;
		if (isnan(x->base)) {
			*y = x->target;
			return true;
		}
		*y = x->base + (x->target - x->base) * frac;
		return t >= y0;
	}
	if (strcmp(x->kind, "ceiling") == 0 || strcmp(x->kind, "floor") == 0) {
		*y = x->target;
		return !isnan(x->target);
	}
	if (strcmp(x->kind, "keep") == 0) {
		*y = x->base;
		return !isnan(x->base);
	}
	if (strcmp(x->kind, "cumulative") == 0) {
		*y = x->target * frac;
		return !isnan(x->target) && t >= y0;
	}
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
	esc(f, x->name);
	fputs(cum ? " 累计 cumulative" : "", f);
	fputs("\"><title>", f);
	esc(f, x->name);
	if (n > 0) {
		fputs(": ", f);
		esc_num(f, pts[0].y);
		fputs(" → ", f);
		esc_num(f, pts[n - 1].y);
		fputc(' ', f);
		esc(f, x->unit);
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
		if (!isnan(x->target) && (strcmp(x->kind, "growth") == 0 || cum ||
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
	for (size_t i = 0; i < n; i++)
		fprintf(f, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%s\"/>",
			i + 1 == n ? "last" : "pt", sx(&fr, pts[i].x), sy(&fr, pts[i].y),
			i + 1 == n ? "3.2" : "1.8");
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%.0f</text>", SPARK_L, SPARK_H - 3, floor(fr.x0));
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>", SPARK_W - SPARK_R,
		SPARK_H - 3, ceil(fr.x1 - 1e-9));
	fputs("</svg>", f);
	if (cum)
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
	esc(f, r->plan_name[0] ? r->plan_name : r->plan);
	fputs(" — 规划指标监测报告</title>\n<style>\n", f);
	fputs(css, f);
	fputs("</style>\n</head>\n", f);
}

static void write_header(const struct rep *r, FILE *f)
{
	char t[40], per[PERIOD_TEXT_MAX];
	int counts[REP_V_N], total, binding;
	count_verdicts(r, -1, counts, &total, &binding);
	fprintf(f, "<body data-plan=\"");
	esc(f, r->plan);
	fputs("\">\n<header>\n<h1>", f);
	esc(f, r->plan_name[0] ? r->plan_name : r->plan);
	fputs("</h1>\n<p class=\"sub\">规划指标监测报告 <span class=\"en\">Plan indicator "
	      "progress report</span> · <code>",
	      f);
	esc(f, r->plan);
	fputs("</code></p>\n<dl class=\"meta\">\n<dt>报告期 <span class=\"en\">Period</span></dt><dd>",
	      f);
	if (r->has_cut) {
		period_format(&r->cut, per);
		fputs("截至 ", f);
		esc(f, per);
		fputs(" <span class=\"en\">figures for periods ending by ", f);
		esc(f, per);
		fputs("</span>", f);
	} else {
		fputs("最新数据 <span class=\"en\">latest figures</span>", f);
	}
	fmt_time(t, sizeof(t), r->now_ms, "%Y-%m-%d %H:%M UTC");
	fputs("</dd>\n<dt>数据时间 <span class=\"en\">Data as of</span></dt><dd>", f);
	esc(f, t);
	fputs(" <span class=\"en\">(planwatchd)</span></dd>\n", f);
	fprintf(f, "<dt>指标 <span class=\"en\">Indicators</span></dt><dd>%d 项，其中约束性 %d 项 "
		   "<span class=\"en\">(%d binding)</span></dd>\n</dl>\n</header>\n",
		total, binding, binding);
}

static void summary_row(const struct rep *r, FILE *f, int cat)
{
	int counts[REP_V_N], total, binding;
	static const int cols[] = { REP_ON_TRACK, REP_AT_RISK, REP_OFF_TRACK, REP_OVERDUE,
				    REP_NONE, REP_NO_DATA };
	count_verdicts(r, cat, counts, &total, &binding);
	if (cat < 0) {
		fputs("<tr class=\"total\"><td>合计 <span class=\"en\">Total</span></td>", f);
	} else {
		const char *zh = r->inds[r->cat_first[cat]].category;
		fputs("<tr data-category=\"", f);
		esc(f, zh);
		fputs("\"><td>", f);
		esc(f, zh);
		fputs(" <small>", f);
		esc(f, category_en(zh));
		fputs("</small></td>", f);
	}
	fprintf(f, "<td class=\"n\">%d</td><td class=\"n\">%d</td>", total, binding);
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		fprintf(f, "<td class=\"n %s%s\" data-count=\"%s\">%d</td>", verdicts[cols[i]].cls,
			counts[cols[i]] ? " nz" : "", verdicts[cols[i]].name, counts[cols[i]]);
	fputs("</tr>\n", f);
}

static void write_summary(const struct rep *r, FILE *f)
{
	fputs("<section class=\"summary\">\n<h2>总览 <span class=\"en\">Summary</span></h2>\n"
	      "<table class=\"summary\">\n<thead><tr><th>分类<small>Category</small></th>"
	      "<th>指标<small>Indicators</small></th><th>约束性<small>Binding</small></th>",
	      f);
	static const int cols[] = { REP_ON_TRACK, REP_AT_RISK, REP_OFF_TRACK, REP_OVERDUE,
				    REP_NONE, REP_NO_DATA };
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		fprintf(f, "<th>%s<small>%s</small></th>", verdicts[cols[i]].zh,
			verdicts[cols[i]].en);
	fputs("</tr></thead>\n<tbody>\n", f);
	for (size_t c = 0; c < r->n_cats; c++)
		summary_row(r, f, (int)c);
	summary_row(r, f, -1);
	fputs("</tbody>\n</table>\n<p class=\"legend\">", f);
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		fprintf(f, "<span class=\"badge %s\">%s %s</span>", verdicts[cols[i]].cls,
			verdicts[cols[i]].zh, verdicts[cols[i]].en);
	fputs("<br>每项指标只计一次，依次取：偏离、预警、逾期、按期、无判定、无数据。"
	      "<span class=\"en\">Each indicator is counted once, in the first that applies of: "
	      "off track, at risk, overdue, on track, no verdict, no data.</span></p>\n"
	      "</section>\n",
	      f);
}

static void write_kind(const struct rep_ind *x, FILE *f)
{
	double g;
	const char *k = x->kind;
	fputs("<div class=\"note\">", f);
	if (strcmp(k, "growth") == 0) {
		if (!isnan(x->growth)) {
			fputs("年均增长 ", f);
			esc_num(f, x->growth);
			fputs("% <span class=\"en\">avg. growth/yr</span>", f);
		} else if (plan_growth(x, &g)) {
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

static void write_row(const struct rep *r, const struct rep_ind *x, FILE *f)
{
	const struct rep_obs *o = latest(x);
	const char *cls = verdicts[x->verdict].cls;
	bool bind = is_binding(x);
	(void)r;

	fputs("<tr class=\"ind ", f);
	fputs(cls, f);
	fputs(bind ? " binding" : " expected", f);
	fputs("\" id=\"ind-", f);
	esc(f, x->id);
	fputs("\" data-indicator=\"", f);
	esc(f, x->id);
	fprintf(f, "\" data-attribute=\"%s\" data-verdict=\"%s\">\n", bind ? "binding" : "expected",
		verdicts[x->verdict].name);

	/* indicator */
	fputs("<td><div class=\"name\">", f);
	esc(f, x->name);
	fputs("</div><div class=\"en\">", f);
	esc(f, x->name_en);
	fputs("</div><span class=\"id\">", f);
	esc(f, x->id);
	fprintf(f, "</span> <span class=\"attr %s\">%s</span></td>\n",
		bind ? "binding" : "expected", bind ? "★ 约束性 binding" : "预期性 expected");

	/* unit */
	fputs("<td>", f);
	esc(f, x->unit);
	fputs("</td>\n<td>", f);

	/* baseline -> target */
	esc_num(f, x->base);
	if (!isnan(x->base))
		fprintf(f, " <span class=\"note\">(%d)</span>", x->base_year);
	fputs(" → ", f);
	esc_num(f, x->target);
	if (!isnan(x->target))
		fprintf(f, " <span class=\"note\">(%d)</span>", x->target_year);
	write_kind(x, f);
	fputs("</td>\n<td>", f);

	/* latest */
	if (o) {
		fputs("<span class=\"val\">", f);
		esc_num(f, o->value);
		fputs("</span><div class=\"note\">", f);
		esc(f, o->text);
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
	fputs("</td>\n<td>", f);

	/* verdict */
	fprintf(f, "<span class=\"badge %s\">%s %s</span>", cls, verdicts[x->verdict].zh,
		verdicts[x->verdict].en);
	if (x->state[0] && x->verdict == REP_OVERDUE) /* on track, but a figure is missing */
		fputs("<div class=\"note\">最新数据按期 <span class=\"en\">latest figure on "
		      "track</span></div>",
		      f);
	if (!isnan(x->required)) {
		bool yoy = judged_by_yoy(x);
		if (yoy && !isnan(x->value) && (!o || isnan(o->yoy))) {
			/* the daemon computed the growth from the year before */
			fputs("<div class=\"note\">同比 <span class=\"en\">yoy</span> ", f);
			esc_num(f, x->value);
			fputs("%</div>", f);
		}
		fputs("<div class=\"note\">要求 <span class=\"en\">required</span> ", f);
		fputs(yoy ? "同比 yoy " : "", f);
		fputs(req_sign(x), f);
		fputc(' ', f);
		esc_num(f, x->required);
		fputs(yoy ? "%" : " ", f);
		if (!yoy)
			esc(f, x->unit);
		fputs("</div><div class=\"note\">差距 <span class=\"en\">gap</span> ", f);
		fputs(x->gap > 0 ? "+" : "", f);
		esc_num(f, x->gap);
		fputc(' ', f);
		esc(f, gap_unit(x));
		fputs("</div>", f);
	}
	if (x->state_period[0] && (!o || strcmp(x->state_period, o->text) != 0)) {
		fputs("<div class=\"note\">判定期 <span class=\"en\">verdict on</span> ", f);
		esc(f, x->state_period);
		fputs("</div>", f);
	}
	if (x->withheld[0]) {
		fputs("<div class=\"note\">判定针对 ", f);
		esc(f, x->withheld);
		fputs("，晚于报告期 <span class=\"en\">(the daemon's verdict is on a later "
		      "figure)</span></div>",
		      f);
	}
	if (x->overdue[0]) {
		fputs("<div class=\"late\">逾期未报 <span class=\"en\">overdue</span>: ", f);
		esc(f, x->overdue);
		fputs("</div>", f);
	}
	fputs("</td>\n<td>", f);
	write_spark(f, x);
	fputs("</td>\n</tr>\n", f);
}

static void write_html(const struct rep *r, FILE *f)
{
	write_head(r, f);
	write_header(r, f);
	write_summary(r, f);
	for (size_t c = 0; c < r->n_cats; c++) {
		const char *zh = r->inds[r->cat_first[c]].category;
		fputs("<section class=\"category\" data-category=\"", f);
		esc(f, zh);
		fputs("\">\n<h2>", f);
		esc(f, zh);
		fputs(" <span class=\"en\">", f);
		esc(f, category_en(zh));
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
				write_row(r, &r->inds[r->order[k]], f);
		fputs("</tbody>\n</table>\n</section>\n", f);
	}
	fputs("<footer>\n<p>判定由 planwatchd 按规划目标类型给出：年均增长（基期×(1+g)^(年−基年)，"
	      "累计数按同比增速）、线性达标、上限、下限、保持、完成市下达任务、五年累计；约束性指标偏离即告警，"
	      "预期性指标连续偏离方告警。逾期指按发布日历到期未报送。<span class=\"en\">Verdicts come "
	      "from planwatchd's target rules (growth path or year-on-year growth, linear path, "
	      "ceiling, floor, keep, city-assigned, cumulative): binding indicators are off track "
	      "at the first miss, expected ones after consecutive misses. Overdue: a figure not "
	      "received by its release-calendar due date. Dashed line: the required trajectory; "
	      "hollow circle: the plan target.</span></p>\n</footer>\n</body>\n</html>\n",
	      f);
}

/* ---- entry points ---- */

int report_format_parse(const char *s)
{
	if (!s)
		return PW_EINVAL;
	if (strcmp(s, "html") == 0)
		return REPORT_HTML;
	if (strcmp(s, "csv") == 0)
		return REPORT_CSV;
	if (strcmp(s, "json") == 0)
		return REPORT_JSON;
	return PW_EINVAL;
}

int report_write(struct pw_client *c, const char *plan, const char *period, int format,
		 FILE *out, char *err, size_t errlen)
{
	struct rep r = { .c = c, .plan = plan, .err = err, .errlen = errlen };
	struct timespec ts;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	else
		r.errlen = 0;
	if (!c || !plan || !out || format < REPORT_HTML || format > REPORT_JSON)
		return rep_fail(&r, PW_EINVAL, "invalid argument");
	if (!plan[0] || strlen(plan) > PROTO_MAX_ID)
		return rep_fail(&r, PW_EINVAL, "bad plan id '%.*s'", PROTO_MAX_ID, plan);
	if (period) {
		if (period_parse(&r.cut, period, strlen(period)) < 0)
			return rep_fail(&r, PW_EINVAL,
					"bad period '%.16s': use 2026, 2026Q3 or 2026-10", period);
		r.has_cut = true;
	}
	/* Request ids unique per call: a late reply to an earlier report is never taken. */
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(r.idbase, sizeof(r.idbase), "rep-%llx",
		 (unsigned long long)ts.tv_sec * 1000000ull +
			 (unsigned long long)ts.tv_nsec / 1000);
	if ((rc = load(&r)) < 0)
		goto out_release;
	errno = 0;
	if (format == REPORT_HTML)
		write_html(&r, out);
	else if (format == REPORT_CSV)
		write_csv(&r, out);
	else
		write_json(&r, out);
	if (fflush(out) != 0 || ferror(out))
		rc = rep_fail(&r, PW_ESYS, "cannot write the report: %s",
			      strerror(errno ? errno : EIO));
out_release:
	rep_release(&r);
	return rc;
}
