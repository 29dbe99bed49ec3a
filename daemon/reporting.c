/* daemon/reporting.c — figures owed now per department (contract: reporting.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../model/ytd.h"
#include "reporting.h"

/* The period x owes now, false when it owes none (no calendar, outside the window,
 * before its first period, a January of a combined 1–2月 series). */
static bool owed(const struct cat_indicator *x, int64_t now_ms, struct period *p)
{
	if (x->due_days <= 0 || x->plan->status != CAT_ACTIVE)
		return false;
	*p = ytd_latest_due(x->freq, x->due_days, now_ms);
	if (!cat_in_window(x->plan, p->year))
		return false;
	return !x->series || ytd_expected(&x->series->first_due, p);
}

static struct metrics_dept *dept_slot(struct metrics_dept *out, size_t max, size_t *n,
					const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strncmp(out[i].name, name, sizeof(out[i].name) - 1) == 0)
			return &out[i];
	if (*n == max)
		return NULL;
	struct metrics_dept *d = &out[(*n)++];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	return d;
}

int reporting_missing(struct store_txn *t, const struct catalog *c, int64_t now_ms,
		      struct metrics_dept *out, size_t max, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < catalog_n_plans(c); i++) {
		const struct cat_plan *pl = catalog_plan_at(c, i);
		for (size_t k = 0; k < pl->n_inds; k++) {
			const struct cat_indicator *x = &pl->inds[k];
			struct period p;
			struct store_obs o;
			if (!owed(x, now_ms, &p) || !x->n_depts)
				continue;
			int rc = store_obs_get(t, cat_owner(x), x->id, &p, &o);
			if (rc == 0)
				continue;
			if (rc != PW_ENOTFOUND)
				return rc;
			struct metrics_dept *d = dept_slot(out, max, n, x->depts[0]);
			if (!d)
				continue;
			int64_t due = ytd_due_ms(&p, x->due_days);
			d->missing++;
			if (!d->oldest_due_ms || due < d->oldest_due_ms)
				d->oldest_due_ms = due;
		}
	}
	return 0;
}
