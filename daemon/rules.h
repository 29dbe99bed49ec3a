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
	double margin_pct;     /* at_risk when within this margin of the requirement */
	double hysteresis_pct; /* must clear the requirement by this much to resolve */
	unsigned persistence;  /* expected (预期性) indicators: consecutive off-track periods */
};

/* The verdicts of the plan maths (model/planmath.h), under the rules' names. */
enum rules_state {
	RULES_NONE = PLANMATH_NONE,
	RULES_ON_TRACK = PLANMATH_ON_TRACK,
	RULES_AT_RISK = PLANMATH_AT_RISK,
	RULES_OFF_TRACK = PLANMATH_OFF_TRACK,
};

/* Re-evaluates one indicator from its newest stored period; emits breach / at_risk /
 * resolved notices on state change only. Returns 0 or a negative code. */
int rules_evaluate(const struct rules_cfg *cfg, struct store_txn *t,
		   const struct cat_indicator *ind, struct notice_list *out);

/* Checks every indicator's release calendar at now (out->now_ms): publishes overdue once
 * per missing period, resolved when it arrives (the latter from rules_evaluate). */
int rules_overdue(const struct rules_cfg *cfg, struct store_txn *t, const struct catalog *c,
		  struct notice_list *out);

/* The operator-set target of a city-assigned indicator: PW_ENOTFOUND if none. */
int rules_target_get(struct store_txn *t, const char *plan, const char *ind, double *value);
int rules_target_put(struct store_txn *t, const char *plan, const char *ind, double value);

/* Appends one map per indicator with a verdict or an overdue figure (optionally of one
 * plan) to b; returns how many. */
int rules_alerts_encode(const struct rules_cfg *cfg, struct store_txn *t, const struct catalog *c,
			const char *plan, struct proto_buf *b);

const char *rules_state_name(int state);

/* Indicators by the alert state last reached, from one pass over the alert table. */
struct rules_counts {
	uint64_t state[RULES_OFF_TRACK + 1]; /* by enum rules_state */
	uint64_t overdue;                    /* with an announced, still missing period */
};
int rules_count(struct store_txn *t, struct rules_counts *out);

#endif
