/* daemon/reporting.h — what departments owe now (催报), for the Prometheus endpoint: per
 * responsible department, the figures whose due date has passed and that the store does
 * not hold, and the due date of the oldest of them.
 *
 * The release calendar is model/ytd.c's (ytd_latest_due, ytd_due_ms), the rule the
 * dispatch table and its 催报 list use (docs/DISPATCH.md): for each indicator of an active
 * plan with a due_days, the newest period due by now, inside the plan's window; a January
 * is not owed by a series whose first_due is a February (the combined 1–2月 release). */
#ifndef PW_REPORTING_H
#define PW_REPORTING_H

#include <stddef.h>
#include <stdint.h>

#include "../model/catalog.h"
#include "../store/store.h"
#include "metrics.h"

/* Fills out[0..max) in catalog order of first appearance, from read txn t at now_ms;
 * *n is how many departments owe something (at most max; the rest are left out).
 * Returns 0 or the store's error. */
int reporting_missing(struct store_txn *t, const struct catalog *c, int64_t now_ms,
		      struct metrics_dept *out, size_t max, size_t *n);

#endif
