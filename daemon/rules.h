/* daemon/rules.h — is each indicator on the path to its plan target?
 *
 * Evaluated inside the write transaction that stored the data, so alert state, the
 * notices it causes and the data commit together (a restart neither repeats nor forgets
 * an alert). Alert state per (plan, indicator) lives in the store's alert table. */
#ifndef PW_RULES_H
#define PW_RULES_H

#include <stdint.h>

#include "../store/store.h"
#include "catalog.h"
#include "notice.h"
#include "planmath.h"

struct rules_cfg {
	double margin_pct;     /* at_risk when short of the requirement by at most this */
	double hysteresis_pct; /* off track is left only this far back inside the margin */
	unsigned persistence;  /* monthly and quarterly figures of expected (预期性)
				* indicators: consecutive off-track periods before a breach */
	int64_t overdue_since_ms; /* config overdue_since (Unix ms), 0: the store's meta
				   * "overdue_since" (daemon/overdue.h) */
};

/* The verdicts of the plan maths (model/planmath.h), under the rules' names. */
enum rules_state {
	RULES_NONE = PLANMATH_NONE,
	RULES_ON_TRACK = PLANMATH_ON_TRACK,
	RULES_AT_RISK = PLANMATH_AT_RISK,
	RULES_OFF_TRACK = PLANMATH_OFF_TRACK,
};

/* Re-evaluates one indicator from its newest stored period inside its plan's window; emits
 * breach / at_risk / resolved notices on state change only, and stores that period's
 * verdict (table verdict: the announced state, after persistence and hysteresis). Returns
 * 0 or a negative code. */
int rules_evaluate(const struct rules_cfg *cfg, struct store_txn *t,
		   const struct cat_indicator *ind, struct notice_list *out);

/* Stores the verdict of period p of x's series as x's plan judges it (its own verdict: no
 * state machine, no notice), when the plan judges p (not a draft, p's year in its window)
 * and the period has a figure and a requirement. For every stored figure that is not its
 * plan's newest (a backfill, a late or revised older period); rules_evaluate then stores the
 * newest's. */
int rules_judge_period(const struct rules_cfg *cfg, struct store_txn *t,
		       const struct cat_indicator *x, const struct period *p, int64_t now_ms);

/* After a store was brought to schema 7 (meta "rejudge", store.h): fills the verdict table
 * for every stored period of every plan that judges it, replaying each series in period
 * order (live figures through the state machine, as rules_evaluate would have; no notice),
 * and turns the overdue periods old alert records remember into due entries. One txn per
 * plan; the last deletes the mark, so an interrupted pass runs again at the next start.
 * *n gets the verdicts stored. 0 and *n = 0 when there was nothing to do. */
int rules_rejudge(struct store *s, const struct rules_cfg *cfg, const struct catalog *c,
		  int64_t now_ms, unsigned *n);

/* City-assigned targets (完成市下达任务), set by operators per year and kept with their
 * history: rev 1, 2, ... of (plan, indicator, year); year 0 = every year (the one number of
 * schema 3). get: the newest rev of year, else the year-0 target (*rev 0); PW_ENOTFOUND if
 * neither. put appends a rev (*rev its number); PW_ETOOBIG past RULES_TARGET_REVS. */
#define RULES_TARGET_REVS 128
int rules_target_get(struct store_txn *t, const char *plan, const char *ind, unsigned year,
		     double *value, uint32_t *rev);
int rules_target_put(struct store_txn *t, const char *plan, const char *ind, unsigned year,
		     double value, int64_t set_ms, uint32_t *rev);

/* Which verdicts the alerts reply lists. */
struct rules_alert_filter {
	const struct cat_region *region; /* only this region's plans (NULL: all) */
	const char *plan;                /* only this plan (NULL: all) */
	const char *dept;                /* only indicators this 责任单位 is responsible for */
	const struct period *cut;        /* as of this period (NULL: now) */
};

/* Appends one map per loaded indicator with a verdict that f lets through to b: {region,
 * alias, plan, indicator, name, attribute, dept, state, since, period, value, required,
 * gap, rule (with cut)}; returns how many. Without cut: the announced state of its newest
 * period (table alert). With cut: the stored verdict of its newest period that ends by the
 * end of cut (table verdict), so a report of 2025 reads 2025's verdicts after 2026's
 * figures came. */
int rules_alerts_encode(struct store_txn *t, const struct catalog *c,
			const struct rules_alert_filter *f, struct proto_buf *b);

const char *rules_state_name(int state);

/* A plan's notice about series x (verdicts, targets): its topic "kind.alias.plan.ind" into
 * buf, and the notice: begun, with the pairs it starts with written into out->fields (plan,
 * indicator, name, period unless NULL, then region, alias, plan_window [start, end]). */
void rules_notice_begin(struct notice_list *out, char topic[STORE_TOPIC_MAX + 1],
			const char *kind, const struct cat_indicator *x, const char *period);

/* Successor-plan baseline lint (docs/MODEL.md section 7): for every format-2 target with a
 * baseline value, the stored figure of its series for the plan's base year (annual, else a
 * ytd series' last quarter or month); one line per baseline that differs (relative 1e-9)
 * into cb, e.g. "quangang-15 gdp: 15th-plan baseline 1050 differs from the stored 2025 final
 * figure 1062". Never an error: the plan is what was adopted. Returns how many, or a
 * negative code. */
int rules_baseline_lint(struct store_txn *t, const struct catalog *c,
			void (*cb)(const char *msg, void *arg), void *arg);

/* Indicators by the alert state last reached, from one pass over the alert table. */
struct rules_counts {
	uint64_t state[RULES_OFF_TRACK + 1]; /* by enum rules_state */
	uint64_t overdue;                    /* figures announced overdue, still missing */
};
int rules_count(struct store_txn *t, struct rules_counts *out);

#endif
