/* daemon/rules.c — target tracking: which requirement applies to each target kind and on
 * what basis (a growth target's rate on the reported yoy, its level on the level path;
 * a year's 年度目标 for any kind; a city's number first), the state machine with
 * persistence for sub-annual figures and hysteresis (the arithmetic and the state steps are
 * model/planmath.c, the state is daemon/alert.c's record), backfilled periods counted
 * silently into the streak, the verdict of every judged period (daemon/verdict.c's
 * record). Overdue figures are daemon/overdue.c's. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../proto/bytes.h"
#include "../proto/err.h"
#include "../proto/status.h"
#include "alert.h"
#include "overdue.h"
#include "planmath.h"
#include "rules.h"
#include "verdict.h"

/* What one evaluation compared. */
struct verdict {
	struct planmath_verdict pm; /* state: enum rules_state, RULES_NONE: no requirement */
	bool points;                /* compared in percentage points (growth), not level */
	const char *rule;
	const char *basis; /* what was judged: "rate" (yoy), "level", "bound", "sum" */
	bool texts;        /* format text_zh/text_en: only a notice shows them */
	char text_zh[400], text_en[400];
};

/* Formats one of v's texts when v->texts: most evaluations announce nothing, and the
 * texts' float formatting was most of an evaluation's cost. */
__attribute__((format(printf, 3, 4))) static void vtext(struct verdict *v, char *dst,
							const char *fmt, ...)
{
	va_list ap;
	if (!v->texts)
		return;
	va_start(ap, fmt);
	vsnprintf(dst, sizeof(v->text_zh), fmt, ap);
	va_end(ap);
}

const char *rules_state_name(int state)
{
	switch (state) {
	case RULES_ON_TRACK: return "on_track";
	case RULES_AT_RISK: return "at_risk";
	case RULES_OFF_TRACK: return "off_track";
	default: return "none";
	}
}

/* ---- operator targets ---- */

/* Year 0 ("every year") keeps the key and the one double of schema 3; a year's targets are
 * its revisions in order, each {f64 value, i64 set_ms} (little-endian), the newest last. */
static void target_key(char *buf, size_t cap, const char *plan, const char *ind, unsigned year)
{
	if (year)
		snprintf(buf, cap, "target/%s/%s/%u", plan, ind, year);
	else
		snprintf(buf, cap, "target/%s/%s", plan, ind);
}

#define TARGET_REV 16

static int year_revs(struct store_txn *t, const char *key, uint8_t *buf, size_t *len)
{
	int rc = store_meta_get(t, key, buf, RULES_TARGET_REVS * TARGET_REV, len);
	if (rc == 0 && (*len == 0 || *len % TARGET_REV))
		return PW_EDAMAGED;
	return rc;
}

int rules_target_get(struct store_txn *t, const char *plan, const char *ind, unsigned year,
		     double *value, uint32_t *rev)
{
	uint8_t buf[RULES_TARGET_REVS * TARGET_REV];
	char key[160];
	size_t len;
	int rc;

	if (year) {
		target_key(key, sizeof(key), plan, ind, year);
		if ((rc = year_revs(t, key, buf, &len)) != PW_ENOTFOUND) {
			if (rc == 0) {
				*value = bytes_to_double(bytes_get_le(buf + len - TARGET_REV, 8));
				*rev = (uint32_t)(len / TARGET_REV);
			}
			return rc;
		}
	}
	target_key(key, sizeof(key), plan, ind, 0);
	rc = store_meta_get(t, key, value, sizeof(*value), &len);
	if (rc == 0 && len != sizeof(*value))
		return PW_EDAMAGED;
	*rev = year ? 0 : 1; /* 0: the every-year target stands in for the year */
	return rc;
}

int rules_target_put(struct store_txn *t, const char *plan, const char *ind, unsigned year,
		     double value, int64_t set_ms, uint32_t *rev)
{
	uint8_t buf[RULES_TARGET_REVS * TARGET_REV];
	char key[160];
	size_t len = 0;
	int rc;

	target_key(key, sizeof(key), plan, ind, year);
	if (!year) {
		*rev = 1;
		return store_meta_put(t, key, &value, sizeof(value));
	}
	if ((rc = year_revs(t, key, buf, &len)) < 0 && rc != PW_ENOTFOUND)
		return rc;
	if (rc == PW_ENOTFOUND)
		len = 0;
	if (len / TARGET_REV >= RULES_TARGET_REVS)
		return PW_ETOOBIG;
	bytes_put_le(buf + len, bytes_of_double(value), 8);
	bytes_put_le(buf + len + 8, (uint64_t)set_ms, 8);
	len += TARGET_REV;
	*rev = (uint32_t)(len / TARGET_REV);
	return store_meta_put(t, key, buf, len);
}

/* ---- alert state ---- */

/* The indicator's alert state; a fresh one when none is stored or the record is of a
 * version this release does not know. */
static int state_get(struct store_txn *t, const struct cat_indicator *x, struct alert *a)
{
	uint8_t buf[ALERT_REC_MAX];
	size_t len;
	int rc = store_alert_get(t, x->plan->id, x->id, buf, sizeof(buf), &len);
	if (rc == PW_ENOTFOUND || (rc == 0 && alert_decode(a, buf, len) < 0)) {
		memset(a, 0, sizeof(*a));
		return 0;
	}
	return rc;
}

static int state_put(struct store_txn *t, const struct cat_indicator *x, const struct alert *a)
{
	uint8_t buf[ALERT_REC];
	return store_alert_put(t, x->plan->id, x->id, buf, alert_encode(a, buf));
}

/* Writes a only if it differs from the state read (before): a group that changes nothing
 * about an indicator (a revision of an older period, a repeated figure) then dirties no
 * page of the alert table. A fresh state (what state_get gives when none is stored) is
 * always written, so every evaluated indicator keeps a record, as before. */
static int state_put_changed(struct store_txn *t, const struct cat_indicator *x,
			     const struct alert *before, const struct alert *a)
{
	uint8_t was[ALERT_REC], now[ALERT_REC], fresh[ALERT_REC];
	struct alert none;
	memset(&none, 0, sizeof(none));
	alert_encode(&none, fresh);
	alert_encode(before, was);
	alert_encode(a, now);
	if (!memcmp(was, now, ALERT_REC) && memcmp(was, fresh, ALERT_REC) != 0)
		return 0;
	return state_put(t, x, a);
}

/* ---- series access ---- */

struct cum {
	int from, to;
	double sum;
	int n;
	bool seen[64]; /* seen[y - from]: a figure of year y is in the sum */
	bool has_total; /* a figure reported for the whole span from..to (2016-2020) */
	double total;
};

static int cum_cb(const struct store_obs *o, void *arg)
{
	struct cum *c = arg;
	if (o->period.freq == PERIOD_SPAN && period_first_year(&o->period) == c->from &&
	    o->period.year == c->to) {
		c->has_total = true;
		c->total = o->value;
	}
	if (o->period.freq == PERIOD_ANNUAL && o->period.year >= c->from && o->period.year <= c->to) {
		c->sum += o->value;
		c->n++;
		if (o->period.year - c->from < 64)
			c->seen[o->period.year - c->from] = true;
	}
	return 0;
}

/* "2022、2023" into buf: the years of c without a figure; "" when none. */
static void cum_missing(const struct cum *c, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int y = c->from; y <= c->to && y - c->from < 64; y++)
		if (!c->seen[y - c->from] && len + 8 < cap)
			len += (size_t)snprintf(buf + len, cap - len, "%s%d", len ? "," : "", y);
}

/* Judges value against required; the plan maths is model/planmath.c. */
static void compare(struct verdict *v, const struct rules_cfg *cfg, int direction, double value,
		    double required, bool points)
{
	v->points = points;
	planmath_judge(&v->pm, value, required, direction, points, cfg->margin_pct);
}

/* YoY growth in % of o: reported, or — for a series at current prices only — from the same
 * period a year earlier. A ratio of nominal levels is not a comparable-price growth rate.
 * The year-earlier value is its index head's (no vintage read: the head carries it). */
static bool yoy_of(struct store_txn *t, const struct cat_indicator *x, const struct store_obs *o,
		   double *yoy)
{
	struct store_head prev;
	struct period p = o->period;
	if (!isnan(o->yoy)) {
		*yoy = o->yoy;
		return true;
	}
	if (cat_comparable_prices(x))
		return false;
	p.year--;
	if (store_obs_head(t, o->plan, o->ind, &p, &prev) == 0 && prev.value > 0) {
		*yoy = (o->value / prev.value - 1) * 100;
		return true;
	}
	return false;
}

/* The rate requirement g (%) judged on o's growth: in-year monitoring of a rate. */
static void judge_rate(const struct rules_cfg *cfg, struct store_txn *t,
		       const struct cat_indicator *x, const struct store_obs *o, struct verdict *v,
		       double g, const char *src_zh, const char *src_en)
{
	double yoy;
	if (!yoy_of(t, x, o, &yoy))
		return;
	compare(v, cfg, x->direction, yoy, g, true);
	v->rule = "growth_yoy";
	v->basis = "rate";
	vtext(v, v->text_zh, "同比增长%.2f%%，要求不低于%s%g%%", yoy, src_zh, g);
	vtext(v, v->text_en, "YoY growth %.2f%% against %s of %g%%", yoy,
		 src_en, g);
}

/* A year's 年度目标, for a target of any kind: a value (judged on an annual figure, or on a
 * 1-N月 figure of a share or rate, whose year-to-date value is comparable with the year's)
 * or a growth (judged on the figure's yoy). False when the year has none that applies. */
static bool eval_annual(const struct rules_cfg *cfg, struct store_txn *t,
			const struct cat_indicator *x, const struct store_obs *o, struct verdict *v)
{
	int y = o->period.year;
	const struct cat_annual *an = cat_annual_for(x, y);
	if (!an)
		return false;
	if (an->has_value &&
	    (o->period.freq == PERIOD_ANNUAL || strcmp(x->unit, "%") == 0)) {
		compare(v, cfg, x->direction, o->value, an->value, false);
		v->rule = "annual_value";
		v->basis = "level";
		vtext(v, v->text_zh, "%d年度目标%g%s", y, an->value, x->unit);
		vtext(v, v->text_en, "%d annual target %g %s", y, an->value, x->unit);
		return true;
	}
	if (an->has_growth) {
		judge_rate(cfg, t, x, o, v, an->growth, "年度目标", "annual target");
		return true;
	}
	return false;
}

/* A growth target: the rate (年均增长 g, real for GDP and value added) is judged in-year on
 * the reported yoy; an annual figure without a yoy is judged on the level path only — the
 * geometric path from the baseline to the target level, or, for a series at current
 * prices without a target level, the baseline grown by the stated rate. */
static void eval_growth(const struct rules_cfg *cfg, struct store_txn *t,
			const struct cat_indicator *x, const struct store_obs *o, struct verdict *v)
{
	int y = o->period.year;
	struct planmath_target tg = cat_target(x);
	double g, req;

	/* 1-N月 and quarterly figures are not comparable with an annual level: their yoy. */
	if (!isnan(o->yoy) || o->period.freq != PERIOD_ANNUAL || !x->has_base) {
		if (planmath_growth(&tg, &g))
			judge_rate(cfg, t, x, o, v, g, "规划年均增长", "plan average growth");
		return;
	}
	struct planmath_target lv = tg;
	lv.growth = NAN; /* the path between the two levels, not the (real) stated rate */
	if (x->has_target && planmath_growth(&lv, &g)) {
		req = planmath_compound(x->base, g, y - x->base_year);
		compare(v, cfg, x->direction, o->value, req, false);
		v->rule = "level_path";
		v->basis = "level";
		vtext(v, v->text_zh, "从%g到%g%s的路径，%d年应达%.4g%s", x->base,
			 x->target, x->unit, y, req, x->unit);
		vtext(v, v->text_en, "the path from %g to %g %s requires %.4g %s in %d",
			 x->base, x->target, x->unit, req, x->unit, y);
		return;
	}
	if (cat_comparable_prices(x) || !planmath_growth(&tg, &g))
		return; /* a real rate cannot be judged on a nominal level */
	req = planmath_compound(x->base, g, y - x->base_year);
	compare(v, cfg, x->direction, o->value, req, false);
	v->rule = "growth_path";
	v->basis = "level";
	vtext(v, v->text_zh, "按规划年均增长%g%%，%d年应达%.4g%s", g, y, req,
		 x->unit);
	vtext(v, v->text_en, "plan average growth of %g%% requires %.4g %s in %d",
		 g, req, x->unit, y);
}

static void eval_level(const struct rules_cfg *cfg, const struct cat_indicator *x,
		       const struct store_obs *o, struct verdict *v)
{
	int y = o->period.year;
	struct planmath_target tg = cat_target(x);
	double req;
	if (!planmath_level(&tg, y, &req))
		return;
	compare(v, cfg, x->direction, o->value, req, false);
	v->rule = "level_path";
	v->basis = "level";
	vtext(v, v->text_zh, "线性路径%d年应达%.4g%s", y, req, x->unit);
	vtext(v, v->text_en, "linear path requires %.4g %s in %d", req, x->unit, y);
}

static void eval_bound(const struct rules_cfg *cfg, const struct cat_indicator *x,
		       const struct store_obs *o, struct verdict *v, double limit, int dir,
		       const char *rule, const char *zh, const char *en)
{
	compare(v, cfg, dir, o->value, limit, false);
	v->rule = rule;
	v->basis = "bound";
	vtext(v, v->text_zh, "%s%g%s", zh, limit, x->unit);
	vtext(v, v->text_en, "%s %g %s", en, limit, x->unit);
}

/* A five-year sum: the years after the baseline up to o's, against the growth-weighted
 * path (planmath_cum_path); the rule names the years whose figures are missing. */
static int eval_cumulative(const struct rules_cfg *cfg, struct store_txn *t,
			   const struct cat_indicator *x, const struct store_obs *o,
			   struct verdict *v)
{
	struct cum c = { .from = x->base_year + 1, .to = o->period.year };
	struct planmath_target tg = cat_target(x);
	char miss[64], miss_zh[96] = "", miss_en[96] = "";
	double req;
	int rc;
	/* Only the years of the sum are read, not the series' whole history; up to the last
	 * year's last key, a plan period's total (periods sort by year, frequency, number). */
	struct period from = { .year = (uint16_t)c.from, .freq = PERIOD_ANNUAL },
		      to = { .year = (uint16_t)c.to, .freq = PERIOD_SPAN, .n = PERIOD_SPAN_MAX };
	if ((rc = store_obs_range(t, cat_owner(x), x->id, &from, &to, cum_cb, &c)) < 0)
		return rc;
	if ((c.n == 0 && !c.has_total) || !planmath_cum_path(&tg, o->period.year, &req))
		return 0;
	if (c.has_total) {
		/* The department's own total of the span comes before a sum of the years. */
		compare(v, cfg, x->direction, c.total, req, false);
		v->rule = "cumulative_total";
		v->basis = "sum";
		vtext(v, v->text_zh, "%d-%d年累计%.4g%s（报送的规划期累计数），应达%.4g%s", c.from,
			 c.to, c.total, x->unit, req, x->unit);
		vtext(v, v->text_en, "%d-%d total %.4g %s (reported for the plan period), requirement %.4g %s",
			 c.from, c.to, c.total, x->unit, req, x->unit);
		return 0;
	}
	compare(v, cfg, x->direction, c.sum, req, false);
	v->rule = "cumulative";
	v->basis = "sum";
	cum_missing(&c, miss, sizeof(miss));
	if (miss[0]) {
		snprintf(miss_zh, sizeof(miss_zh), "（缺%s年数据）", miss);
		snprintf(miss_en, sizeof(miss_en), " (missing %s)", miss);
	}
	vtext(v, v->text_zh, "累计%.4g%s，按%s应达%.4g%s%s", c.sum, x->unit,
		 isnan(tg.growth) ? "进度" : "逐年增长路径", req, x->unit, miss_zh);
	vtext(v, v->text_en, "cumulative %.4g %s, %s requirement %.4g %s%s",
		 c.sum, x->unit, isnan(tg.growth) ? "pro-rata" : "growth-weighted", req, x->unit,
		 miss_en);
	return 0;
}

static int evaluate(const struct rules_cfg *cfg, struct store_txn *t,
		    const struct cat_indicator *x, const struct store_obs *o, struct verdict *v,
		    bool texts)
{
	double target;
	int rc;

	memset(v, 0, sizeof(*v));
	v->pm.state = RULES_NONE;
	v->texts = texts;
	/* 统计口径改变: a figure of the new definition does not compare with the baseline, the
	 * path or a bound set on the old one. The evaluation calls it 难以评估 (model/evaluate.c);
	 * live, no rule judges across the break, not even a city's number. */
	if (cat_def_changed(x, o->period.year))
		return 0;
	/* A plan period's total is judged by the cumulative rule only (validate lets no other
	 * kind take one). */
	if (o->period.freq == PERIOD_SPAN)
		return x->kind == CAT_CUMULATIVE ? eval_cumulative(cfg, t, x, o, v) : 0;
	if (x->kind == CAT_CITY) {
		/* The city's number, once an operator set it, comes before the year's 年度目标. */
		uint32_t trev;
		rc = rules_target_get(t, x->plan->id, x->id, o->period.year, &target, &trev);
		if (rc < 0 && rc != PW_ENOTFOUND)
			return rc;
		if (rc == 0) {
			eval_bound(cfg, x, o, v, target, x->direction, "city_target", "完成市下达任务",
				   "city-assigned target");
			return 0;
		}
	}
	if (x->kind == CAT_INFO || eval_annual(cfg, t, x, o, v))
		return 0;
	switch (x->kind) {
	case CAT_GROWTH:
		eval_growth(cfg, t, x, o, v);
		break;
	case CAT_LEVEL:
		eval_level(cfg, x, o, v);
		break;
	case CAT_CEILING:
		eval_bound(cfg, x, o, v, x->target, -1, "ceiling", "不高于", "at most");
		break;
	case CAT_FLOOR:
		eval_bound(cfg, x, o, v, x->target, 1, "floor", "不低于", "at least");
		break;
	case CAT_KEEP:
		eval_bound(cfg, x, o, v, x->base, x->direction, "keep_level", "保持基期水平",
			   "keep the baseline level");
		break;
	case CAT_CUMULATIVE:
		return eval_cumulative(cfg, t, x, o, v);
	default: /* city without a number: no verdict until the city's number is set */
		break;
	}
	return 0;
}

/* ---- notices ---- */

void rules_notice_begin(struct notice_list *out, char topic[STORE_TOPIC_MAX + 1],
			const char *kind, const struct cat_indicator *x, const char *period)
{
	struct proto_buf *f = &out->fields;
	/* By alias, then plan: "breach.quangang." is every verdict of one region. */
	notice_topic_plan(topic, kind, cat_owner_alias(x), x->plan->id, x->id);
	notice_begin(out);
	notice_w_indicator(out, x->plan->id, x->id, x->name, period);
	proto_w_str(f, "region");
	proto_w_str(f, cat_owner(x));
	proto_w_str(f, "alias");
	proto_w_str(f, cat_owner_alias(x));
	proto_w_str(f, "plan_window");
	proto_w_array(f, 2);
	proto_w_int(f, x->plan->start_year);
	proto_w_int(f, x->plan->target_year);
}

static int emit_alert(struct notice_list *out, struct store_txn *t, const char *kind,
		      const struct cat_indicator *x, const struct store_obs *o,
		      const struct verdict *v, const char *previous, int to, unsigned streak)
{
	char topic[STORE_TOPIC_MAX + 1], per[PERIOD_TEXT_MAX];
	struct proto_buf *f = &out->fields;

	period_format(&o->period, per);
	rules_notice_begin(out, topic, kind, x, per);
	proto_w_str(f, "attribute");
	proto_w_str(f, cat_attr_name(x->attribute));
	proto_w_str(f, "observed");
	proto_w_double(f, o->value);
	proto_w_str(f, "unit");
	proto_w_str(f, x->unit);
	proto_w_str(f, "data_status");
	proto_w_str(f, status_name(o->status));
	proto_w_str(f, "value");
	proto_w_double(f, v->pm.value);
	proto_w_str(f, "required");
	proto_w_double(f, v->pm.required);
	proto_w_str(f, "gap");
	proto_w_double(f, v->pm.gap);
	proto_w_str(f, "gap_unit");
	/* a difference of two percentages, rates or shares, is in percentage points */
	proto_w_str(f, v->points || strcmp(x->unit, "%") == 0 ? "pp" : x->unit);
	proto_w_str(f, "state");
	proto_w_str(f, rules_state_name(to));
	proto_w_str(f, "previous");
	proto_w_str(f, previous);
	proto_w_str(f, "rule");
	proto_w_str(f, v->rule);
	proto_w_str(f, "basis");
	proto_w_str(f, v->basis);
	proto_w_str(f, "rule_zh");
	proto_w_str(f, v->text_zh);
	proto_w_str(f, "rule_en");
	proto_w_str(f, v->text_en);
	proto_w_str(f, "streak");
	proto_w_uint(f, streak);
	return notice_emit(out, t, topic);
}

/* Consecutive off-track periods ending at o's period, updating the stored counters. */
static unsigned update_streak(struct alert *a, const struct store_obs *o, int raw)
{
	int cmp = period_cmp(&o->period, &a->last_period);
	if (a->last_period.year == 0 || cmp > 0) {
		a->streak_before = a->last_period.year == 0 || a->last_raw != RULES_OFF_TRACK
					   ? 0
					   : (uint16_t)(a->streak_before + 1);
		a->last_period = o->period;
	}
	a->last_raw = (uint8_t)raw;
	return raw == RULES_OFF_TRACK ? a->streak_before + 1u : 0u;
}

/* Judges o and moves a's state; *kind is the notice to emit (NULL: none). */
static int step(const struct rules_cfg *cfg, struct store_txn *t, const struct cat_indicator *x,
		const struct store_obs *o, struct alert *a, int64_t now_ms, struct verdict *v,
		const char **kind, unsigned *streak)
{
	int rc;
	*kind = NULL;
	if ((rc = evaluate(cfg, t, x, o, v, false)) < 0 || v->pm.state == RULES_NONE)
		return rc;
	*streak = update_streak(a, o, v->pm.state);
	/* Persistence is for the noise of monthly and quarterly figures; a full-year figure
	 * (or a binding target) short of its requirement is off track in its year. */
	bool full_year = o->period.freq == PERIOD_ANNUAL || x->attribute == CAT_BINDING;
	struct planmath_step s = {
		.from = a->state, .raw = v->pm.state, .gap = v->pm.gap, .streak = *streak,
		.margin = planmath_margin(v->pm.required, v->points, cfg->margin_pct),
		.hyst = planmath_margin(v->pm.required, v->points, cfg->hysteresis_pct),
		.need = full_year ? 1 : (cfg->persistence ? cfg->persistence : 1),
	};
	int from = a->state, to = planmath_next(&s);
	if (to == RULES_OFF_TRACK && from != to)
		*kind = "breach";
	else if (to == RULES_AT_RISK && from != to)
		*kind = from == RULES_OFF_TRACK ? "resolved" : "at_risk";
	else if (to == RULES_ON_TRACK && from != to && from != RULES_NONE)
		*kind = "resolved"; /* a first figure on track is not news */
	a->value = v->pm.value;
	a->required = v->pm.required;
	a->gap = v->pm.gap;
	if (to != from) {
		a->state = (uint8_t)to;
		a->since_ms = now_ms;
	}
	return 0;
}

struct replay {
	const struct rules_cfg *cfg;
	struct store_txn *t;
	const struct cat_indicator *x;
	struct alert *a;
	struct period before; /* replay periods before this one (the newest live figure) */
};

/* One backfilled period newer than the last judged: its verdict extends or breaks the
 * streak of off-track periods. The announced state moves only with a notice, so it is
 * left for the live figure. */
static int replay_cb(const struct store_obs *o, void *arg)
{
	struct replay *r = arg;
	struct verdict v;
	int rc;
	if (!(o->flags & STORE_OBS_BACKFILL) || period_cmp(&o->period, &r->before) >= 0 ||
	    !cat_in_window(r->x->plan, o->period.year) ||
	    o->period.freq != r->x->freq ||
	    (r->a->last_period.year && period_cmp(&o->period, &r->a->last_period) <= 0))
		return 0;
	if ((rc = evaluate(r->cfg, r->t, r->x, o, &v, false)) < 0)
		return rc;
	if (v.pm.state != RULES_NONE)
		update_streak(r->a, o, v.pm.state);
	return 0;
}

/* Where the replay's walk starts: replay_cb takes only periods inside the window and after
 * the last judged one, so the periods before are not read at all. From the series' first
 * period, every evaluation read the whole history: most of a small group's CPU (issue 21). */
static struct period replay_from(const struct cat_indicator *x, const struct alert *a)
{
	struct period from = { .year = (uint16_t)x->plan->start_year, .freq = PERIOD_ANNUAL };
	if (a->last_period.year && period_cmp(&a->last_period, &from) > 0)
		from = a->last_period;
	return from;
}

/* The newest figure of x's series (not backfilled) in a period up to its plan's end year:
 * found backwards from the window's end, not by walking the window (issue 21). */
static int newest_in_window(struct store_txn *t, const struct cat_indicator *x,
			    struct store_obs *out)
{
	/* Periods sort by year, then frequency, then number: a plan period's total (the
	 * window's, 2021-2025) is the end year's last key, after December. */
	struct period to = { .year = (uint16_t)x->plan->target_year, .freq = PERIOD_SPAN,
			     .n = PERIOD_SPAN_MAX };
	struct store_obs o;
	int rc = store_obs_last(t, cat_owner(x), x->id, &to, STORE_OBS_BACKFILL, &o);
	if (rc < 0)
		return rc;
	if (o.period.year < x->plan->start_year)
		return PW_ENOTFOUND;
	*out = o;
	return 0;
}

/* Stores what v found of o as the verdict of o's period, standing at state. */
static int put_verdict(struct store_txn *t, const struct cat_indicator *x,
		       const struct store_obs *o, const struct verdict *v, int state, int64_t now_ms)
{
	struct verdict_rec r = {
		.state = (uint8_t)state, .raw = (uint8_t)v->pm.state,
		.rule = verdict_rule_code(v->rule), .points = v->points, .value = v->pm.value,
		.required = v->pm.required, .gap = v->pm.gap, .rev = o->rev, .judged_ms = now_ms,
	};
	return verdict_put(t, x->plan->id, x->id, &o->period, &r);
}

int rules_judge_period(const struct rules_cfg *cfg, struct store_txn *t,
		       const struct cat_indicator *x, const struct period *p, int64_t now_ms)
{
	struct store_obs o;
	struct verdict v;
	int rc;

	if (x->plan->status == CAT_DRAFT || !cat_in_window(x->plan, p->year))
		return 0;
	if ((rc = store_obs_get(t, cat_owner(x), x->id, p, &o)) < 0)
		return rc == PW_ENOTFOUND ? 0 : rc;
	if ((rc = evaluate(cfg, t, x, &o, &v, false)) < 0 || v.pm.state == RULES_NONE)
		return rc;
	return put_verdict(t, x, &o, &v, v.pm.state, now_ms);
}

int rules_evaluate(const struct rules_cfg *cfg, struct store_txn *t,
		   const struct cat_indicator *x, struct notice_list *out)
{
	struct store_obs newest;
	struct verdict v;
	struct alert a, before;
	const char *kind;
	unsigned streak = 0;
	int rc;

	if ((rc = state_get(t, x, &a)) < 0)
		return rc;
	before = a;
	/* The newest live period drives the verdict and its notice. Backfilled history
	 * announces nothing, but it is the state the live figure is judged against: the
	 * backfilled periods since the last judged one are replayed first, silently. */
	rc = store_obs_last(t, cat_owner(x), x->id, NULL, STORE_OBS_BACKFILL, &newest);
	/* No plan judges a period after its window (no extrapolating an expired plan's path,
	 * docs/MODEL.md section 2): the 14th plan is governed by its newest period up to 2025,
	 * also when a 2026 figure is already stored. */
	if (rc == 0 && newest.period.year > x->plan->target_year)
		rc = newest_in_window(t, x, &newest);
	if (rc == PW_ENOTFOUND)
		return state_put_changed(t, x, &before, &a);
	if (rc < 0)
		return rc;
	/* A draft judges nothing, and no plan judges a period outside its window: there is
	 * no extrapolating an expired plan's path (docs/MODEL.md section 2). */
	if (x->plan->status == CAT_DRAFT || !cat_in_window(x->plan, newest.period.year))
		return state_put_changed(t, x, &before, &a);
	struct replay r = { cfg, t, x, &a, newest.period };
	struct period start = replay_from(x, &a);
	if ((rc = store_obs_range(t, cat_owner(x), x->id, &start, &newest.period, replay_cb, &r)) < 0)
		return rc;
	int from = a.state;
	if ((rc = step(cfg, t, x, &newest, &a, out->now_ms, &v, &kind, &streak)) < 0)
		return rc;
	if (v.pm.state != RULES_NONE &&
	    (rc = put_verdict(t, x, &newest, &v, a.state, out->now_ms)) < 0)
		return rc;
	/* A closed plan's verdicts stay true, but it announces nothing. */
	if (x->plan->status != CAT_ACTIVE)
		kind = NULL;
	/* A notice: the same evaluation again, now with its texts. */
	if (kind && ((rc = evaluate(cfg, t, x, &newest, &v, true)) < 0 ||
		     (rc = emit_alert(out, t, kind, x, &newest, &v, rules_state_name(from), a.state,
				      streak)) < 0))
		return rc;
	return state_put_changed(t, x, &before, &a);
}

/* ---- listing ---- */

/* One item of the alerts reply. */
struct alert_item {
	const struct cat_indicator *x;
	int state;
	int64_t since_ms;
	const struct period *period; /* NULL: none judged yet */
	double value, required, gap;
	const char *rule; /* NULL: not said */
};

static void w_alert_item(struct proto_buf *b, const struct alert_item *it)
{
	const struct cat_indicator *x = it->x;
	char per[PERIOD_TEXT_MAX] = "";
	struct proto_map m;
	if (it->period)
		period_format(it->period, per);
	proto_map_open(&m, b);
	proto_kv_str(&m, "region", x->plan->region->id);
	proto_kv_str(&m, "alias", x->plan->region->alias);
	proto_kv_str(&m, "plan", x->plan->id);
	proto_kv_str(&m, "indicator", x->id);
	proto_kv_str(&m, "name", x->name);
	proto_kv_str(&m, "attribute", cat_attr_name(x->attribute));
	proto_kv_str(&m, "dept", x->n_depts ? x->depts[0] : NULL);
	proto_kv_str(&m, "state", rules_state_name(it->state));
	proto_kv_int(&m, "since", it->since_ms);
	proto_kv_str(&m, "period", it->period ? per : NULL);
	proto_kv_double(&m, "value", it->period ? it->value : NAN);
	proto_kv_double(&m, "required", it->period ? it->required : NAN);
	proto_kv_double(&m, "gap", it->period ? it->gap : NAN);
	if (it->rule)
		proto_kv_str(&m, "rule", it->rule);
	proto_map_close(m);
}

/* Are the indicators of plan p ones the filter may let through? */
static bool plan_wanted(const struct rules_alert_filter *f, const struct cat_plan *p)
{
	if (f->plan && strcmp(f->plan, p->id) != 0)
		return false;
	return !f->region || p->region == f->region;
}

/* Is x one the filter lets through? */
static bool alert_wanted(const struct rules_alert_filter *f, const struct cat_indicator *x)
{
	if (!plan_wanted(f, x->plan))
		return false;
	return !f->dept || (x->n_depts && strcmp(f->dept, x->depts[0]) == 0);
}

struct list_arg {
	const struct catalog *c;
	const struct rules_alert_filter *f;
	struct proto_buf *b;
	int n;
};

static int list_cb(const char *plan, const char *ind, const void *buf, size_t len, void *arg)
{
	struct list_arg *l = arg;
	const struct cat_indicator *x = catalog_find(l->c, plan, ind);
	struct alert a;
	/* a record of a plan no longer loaded is kept, not listed */
	if (!x || !alert_wanted(l->f, x) || alert_decode(&a, buf, len) < 0 ||
	    a.state == RULES_NONE)
		return 0;
	struct alert_item it = {
		.x = x, .state = a.state, .since_ms = a.since_ms,
		.period = a.last_period.year ? &a.last_period : NULL, .value = a.value,
		.required = a.required, .gap = a.gap,
	};
	w_alert_item(l->b, &it);
	l->n++;
	return 0;
}

/* The newest stored verdict of each indicator of one plan whose period ends by the cut's
 * end, found in one walk of the plan's verdicts (period-major, store.h). */
struct cut_ind {
	bool found;
	struct period p;
	struct verdict_rec r;
};

struct cut_arg {
	const struct catalog *c;
	const struct cat_plan *plan;
	const struct rules_alert_filter *f;
	int cut_end; /* months since year 0 */
	struct cut_ind *v; /* one per indicator of plan, in its order */
};

static int period_end_month(const struct period *p)
{
	int first, last;
	period_months(p, &first, &last);
	return p->year * 12 + last;
}

static int cut_cb(const char *plan, const char *ind, const struct period *p, const void *buf,
		  size_t len, void *arg)
{
	struct cut_arg *a = arg;
	const struct cat_indicator *x = catalog_find(a->c, plan, ind);
	struct verdict_rec r;
	int end = period_end_month(p);
	/* a verdict of an indicator the plan no longer has is kept, not listed */
	if (!x || x->plan != a->plan || !alert_wanted(a->f, x) || end > a->cut_end ||
	    verdict_decode(&r, buf, len) < 0)
		return 0;
	struct cut_ind *w = &a->v[x - a->plan->inds];
	/* Of two periods ending together (2025 and 2025Q4), the later key: the same one
	 * rules_evaluate calls the newest. */
	if (w->found && (end < period_end_month(&w->p) ||
			 (end == period_end_month(&w->p) && period_cmp(p, &w->p) < 0)))
		return 0;
	*w = (struct cut_ind){ .found = true, .p = *p, .r = r };
	return 0;
}

static int encode_cut(struct store_txn *t, const struct catalog *c, const struct cat_plan *p,
		      const struct rules_alert_filter *f, struct proto_buf *b)
{
	struct cut_arg a = { .c = c, .plan = p, .f = f, .cut_end = period_end_month(f->cut) };
	/* A period of a later year ends after the cut: the walk stops at the cut year's last
	 * key (a span ending that year sorts after its December). */
	struct period to = { .year = f->cut->year, .freq = PERIOD_SPAN, .n = PERIOD_SPAN_MAX };
	int n = 0, rc;
	if (!plan_wanted(f, p) || !p->n_inds)
		return 0;
	if (!(a.v = calloc(p->n_inds, sizeof(*a.v))))
		return PW_ENOMEM;
	if ((rc = store_verdict_list(t, p->id, NULL, &to, cut_cb, &a)) < 0)
		goto out_free;
	for (size_t i = 0; i < p->n_inds; i++) {
		const struct cut_ind *w = &a.v[i];
		if (!w->found)
			continue;
		struct alert_item it = {
			.x = &p->inds[i], .state = w->r.state, .since_ms = w->r.judged_ms,
			.period = &w->p, .value = w->r.value, .required = w->r.required,
			.gap = w->r.gap, .rule = verdict_rule_name(w->r.rule),
		};
		w_alert_item(b, &it);
		n++;
	}
	rc = n;
out_free:
	free(a.v);
	return rc;
}

int rules_alerts_encode(struct store_txn *t, const struct catalog *c,
			const struct rules_alert_filter *f, struct proto_buf *b)
{
	struct list_arg l = { .c = c, .f = f, .b = b };
	int n = 0, rc;
	if (!f->cut) {
		rc = store_alert_list(t, list_cb, &l);
		return rc < 0 ? rc : l.n;
	}
	for (size_t i = 0; i < catalog_n_plans(c); i++) {
		if ((rc = encode_cut(t, c, catalog_plan_at(c, i), f, b)) < 0)
			return rc;
		n += rc;
	}
	return n;
}

static int count_cb(const char *plan, const char *ind, const void *buf, size_t len, void *arg)
{
	struct rules_counts *c = arg;
	struct alert a;
	(void)plan;
	(void)ind;
	if (alert_decode(&a, buf, len) < 0)
		return 0;
	if (a.state <= RULES_OFF_TRACK)
		c->state[a.state]++;
	return 0;
}

int rules_count(struct store_txn *t, struct rules_counts *out)
{
	struct rules_counts c = { 0 };
	int rc = store_alert_list(t, count_cb, &c);
	if (rc < 0 || (rc = overdue_count(t, &c.overdue)) < 0)
		return rc;
	*out = c;
	return 0;
}

/* ---- the verdicts of a store brought to schema 7 ---- */

struct rejudge {
	const struct rules_cfg *cfg;
	struct store_txn *t;
	const struct cat_indicator *x;
	struct alert a; /* the state machine replayed from nothing */
	int64_t now_ms;
	unsigned n;
};

/* One stored period, in period order: a live figure steps the replayed state as
 * rules_evaluate stepped the real one when it was the newest; a backfilled one only the
 * streak (its verdict is its own). */
static int rejudge_cb(const struct store_obs *o, void *arg)
{
	struct rejudge *r = arg;
	struct verdict v;
	const char *kind;
	unsigned streak = 0;
	int rc, state;
	if (!cat_in_window(r->x->plan, o->period.year))
		return 0;
	if (o->flags & STORE_OBS_BACKFILL) {
		if ((rc = evaluate(r->cfg, r->t, r->x, o, &v, false)) < 0 || v.pm.state == RULES_NONE)
			return rc;
		update_streak(&r->a, o, v.pm.state);
		state = v.pm.state;
	} else {
		if ((rc = step(r->cfg, r->t, r->x, o, &r->a, r->now_ms, &v, &kind, &streak)) < 0 ||
		    v.pm.state == RULES_NONE)
			return rc;
		state = r->a.state;
	}
	r->n++;
	return put_verdict(r->t, r->x, o, &v, state, r->now_ms);
}

struct rejudge_plan {
	const struct rules_cfg *cfg;
	const struct cat_plan *p;
	int64_t now_ms;
	unsigned n;
};

static int rejudge_txn(struct store_txn *t, void *arg)
{
	struct rejudge_plan *rp = arg;
	struct period from = { .year = (uint16_t)rp->p->start_year, .freq = PERIOD_ANNUAL };
	/* to the window's last key: its plan period's total sorts after December */
	struct period to = { .year = (uint16_t)rp->p->target_year, .freq = PERIOD_SPAN,
			     .n = PERIOD_SPAN_MAX };
	rp->n = 0; /* store_write may run us again */
	for (size_t i = 0; i < rp->p->n_inds; i++) {
		const struct cat_indicator *x = &rp->p->inds[i];
		struct rejudge r = { .cfg = rp->cfg, .t = t, .x = x, .now_ms = rp->now_ms };
		int rc = store_obs_range(t, cat_owner(x), x->id, &from, &to, rejudge_cb, &r);
		if (rc < 0)
			return rc;
		rp->n += r.n;
	}
	return 0;
}

/* An overdue period an old alert record remembers, noted for the due table. */
struct old_overdue {
	char plan[STORE_ID_MAX + 1], ind[STORE_ID_MAX + 1];
	struct alert a;
};

struct old_list {
	struct old_overdue *v;
	size_t n, cap;
};

static int old_cb(const char *plan, const char *ind, const void *buf, size_t len, void *arg)
{
	struct old_list *l = arg;
	struct alert a;
	if (alert_decode(&a, buf, len) < 0 || !a.had_overdue)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;
		struct old_overdue *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return PW_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	struct old_overdue *o = &l->v[l->n++];
	snprintf(o->plan, sizeof(o->plan), "%s", plan);
	snprintf(o->ind, sizeof(o->ind), "%s", ind);
	o->a = a;
	return 0;
}

/* The overdue periods of old alert records become due entries; the records are rewritten
 * without them (version 3). Collected first: the alert table is not written while walked. */
static int old_overdue_txn(struct store_txn *t, void *arg)
{
	const struct catalog *c = arg;
	struct old_list l = { 0 };
	int rc = store_alert_list(t, old_cb, &l);
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		const struct cat_indicator *x = catalog_find(c, l.v[i].plan, l.v[i].ind);
		l.v[i].a.had_overdue = false;
		if (x && (rc = overdue_note(t, x, &l.v[i].a.overdue_period)) < 0)
			break;
		rc = x ? state_put(t, x, &l.v[i].a) : 0;
	}
	free(l.v);
	return rc;
}

static int rejudge_done_txn(struct store_txn *t, void *arg)
{
	(void)arg;
	int rc = store_meta_del(t, "rejudge");
	return rc == PW_ENOTFOUND ? 0 : rc;
}

static int rejudge_pending_txn(struct store_txn *t, void *arg)
{
	uint8_t v;
	size_t len;
	int rc = store_meta_get(t, "rejudge", &v, sizeof(v), &len);
	*(bool *)arg = rc == 0;
	return rc == PW_ENOTFOUND ? 0 : rc;
}

int rules_rejudge(struct store *s, const struct rules_cfg *cfg, const struct catalog *c,
		  int64_t now_ms, unsigned *n)
{
	bool pending = false;
	int rc;
	*n = 0;
	if ((rc = store_read(s, rejudge_pending_txn, &pending)) < 0 || !pending)
		return rc;
	if ((rc = store_write(s, old_overdue_txn, (void *)c)) < 0)
		return rc;
	for (size_t i = 0; i < catalog_n_plans(c); i++) {
		struct rejudge_plan rp = { .cfg = cfg, .p = catalog_plan_at(c, i), .now_ms = now_ms };
		if (rp.p->status == CAT_DRAFT)
			continue;
		if ((rc = store_write(s, rejudge_txn, &rp)) < 0)
			return rc;
		*n += rp.n;
	}
	return store_write(s, rejudge_done_txn, NULL);
}

/* ---- successor-plan baseline lint ---- */

/* The stored figure of x's series for its plan's base year (cat_baseline_periods: the
 * annual one, else a ytd series' last quarter or month). */
static int base_figure(struct store_txn *t, const struct cat_indicator *x, struct store_obs *o)
{
	struct period p[2];
	size_t n = cat_baseline_periods(x, p);
	int rc = PW_ENOTFOUND;
	for (size_t i = 0; i < n && rc == PW_ENOTFOUND; i++)
		rc = store_obs_get(t, cat_owner(x), x->id, &p[i], o);
	return rc;
}

int rules_baseline_lint(struct store_txn *t, const struct catalog *c,
			void (*cb)(const char *msg, void *arg), void *arg)
{
	char msg[400];
	int n = 0;

	for (size_t i = 0; i < catalog_n_plans(c); i++) {
		const struct cat_plan *p = catalog_plan_at(c, i);
		for (size_t j = 0; j < p->n_inds; j++) {
			const struct cat_indicator *x = &p->inds[j];
			struct store_obs o;
			int rc = base_figure(t, x, &o);
			if (rc == PW_ENOTFOUND)
				continue;
			if (rc < 0)
				return rc;
			if (!cat_baseline_differs(x, o.value, status_name(o.status), msg,
						  sizeof(msg)))
				continue;
			cb(msg, arg);
			n++;
		}
	}
	return n;
}
