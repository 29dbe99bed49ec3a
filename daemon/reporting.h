/* daemon/reporting.h — departments' reporting discipline, for the Prometheus endpoint: per
 * responsible department, what it owes now (催报: the figures whose due date has passed and
 * that the store does not hold, and the due date of the oldest of them), and how it
 * reported over the last REPORTING_WINDOW_DAYS days (figures due, on time, late: the
 * on-time rate).
 *
 * The release calendar is model/ytd.c's (ytd_latest_due, ytd_due_ms), the rule the
 * dispatch table and its 催报 list use (docs/DISPATCH.md); what is owed is catalog_owes
 * (model/catalog.h), the table's rule too: the periods a plan, active or closed, asks for,
 * from first_due on, each once however many plans judge it, no January of a combined 1–2月
 * release unless one came. Whether a figure came on time is model/discipline.c's rule (disc_classify): its
 * first vintage's receipt time against its due date, so a later revision is not lateness. */
#ifndef PW_REPORTING_H
#define PW_REPORTING_H

#include <stddef.h>
#include <stdint.h>

#include "../model/catalog.h"
#include "../store/store.h"
#include "metrics.h"

/* The window of the on-time rate: figures due in (now − 365 days, now]. A year, so that
 * every monthly, quarterly and annual figure of a series is in it once a year. */
#define REPORTING_WINDOW_DAYS 365

/* Fills out[0..max) in order of first appearance (regions, then their series by id), from
 * read txn t at now_ms: each department that owes a figure now (missing, oldest_due_ms:
 * the newest period due of each series) or had one due in the window (expected, on_time, late); *n is how many
 * (at most max; the rest are left out). Returns 0 or the store's error. */
int reporting_count(struct store_txn *t, const struct catalog *c, int64_t now_ms,
		    struct metrics_dept *out, size_t max, size_t *n);

#endif
