/* daemon/derive.h — derived series (a catalog formula over other series of the region):
 * computed in the write transaction of the figure that completes or revises one.
 *
 * The write path notes every figure it stores (derive_note); before the group's verdicts,
 * derive_run computes each derived figure those notes complete or change, from the
 * components' newest vintages of the same period — a full-year figure of an annual series
 * from the components' annual figure, or the last month or quarter of a year-to-date one —
 * and stores it as a vintage of its own (flag STORE_OBS_DERIVED, dept "planwatch", the
 * component vids as its provenance, the formula and components in words as its reason),
 * with the weakest of the components' statuses. A derived figure is itself a component of
 * others in turn. Where a department reports the figure as well, it is compared: a
 * disagreement beyond the rounding of the reported figure is a warning; the newer of the two
 * stands (a component's revision replaces a reported figure it no longer fits, unless the
 * status rules forbid it). struct derive is opaque: the group's notes. */
#ifndef PW_DERIVE_H
#define PW_DERIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "../store/store.h"
#include "catalog.h"

#define DERIVE_DEPT "planwatch" /* the department of a computed vintage */

struct derive;

int derive_new(struct derive **ret);
void derive_free(struct derive *d); /* NULL-safe */
void derive_reset(struct derive *d);  /* at the start of each attempt at a group's txn */

/* A figure of series s for period p was stored by update msgid (a department's, or a
 * derived one). backfill: it was historical. Returns 0 or PW_ENOMEM. */
int derive_note(struct derive *d, const struct cat_series *s, const struct period *p,
		bool backfill, const char *msgid, bool derived);

/* What derive_run tells the write path. */
struct derive_out {
	/* vintage o of derived series s was stored (prev: the head it replaced, NULL if
	 * none): announce and judge it */
	int (*stored)(void *arg, struct store_txn *t, const struct cat_series *s,
		      const struct store_obs *o, const struct store_head *prev);
	/* something about derived series s in period p is doubtful (code PW_EDERIVED: a
	 * department's figure disagrees with the components'; PW_EBOUNDS: the formula gives a
	 * value outside the series' bounds, not stored): message in words; reported and
	 * computed (NaN when there is none), tolerance the rounding allowed */
	int (*warn)(void *arg, struct store_txn *t, const struct cat_series *s,
		    const struct period *p, int code, const char *message, double reported,
		    double computed, double tolerance);
	void *arg;
};

/* Computes every derived figure the notes since derive_reset complete or change, at clock
 * now_ms, in the write txn t. Returns 0 or a negative code (the txn must abort). */
int derive_run(struct derive *d, struct store_txn *t, int64_t now_ms,
	       const struct derive_out *out);

/* May a department's figure of status `reported` replace a derived vintage of status
 * `derived`? A computed figure is no department's final word: only a less mature status is
 * refused (PW_EREGRESS; revised counts as final), never final_locked. */
int derive_may_replace(uint8_t derived, uint8_t reported);

/* Half a unit of the last decimal of v as printed (its shortest text): 2.35 → 0.005, 20.8 →
 * 0.05, 32570 → 0.5. What rounding to the figure's printed precision may have moved it. */
double derive_rounding(double v);

#endif
