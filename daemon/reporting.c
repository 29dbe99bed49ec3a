/* daemon/reporting.c — departments' reporting discipline (contract: reporting.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../model/discipline.h"
#include "../model/ytd.h"
#include "reporting.h"

#define DAY_MS 86400000LL

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

static int first_cb(const struct store_obs *o, void *arg)
{
	*(int64_t *)arg = o->recv_ms;
	return 1; /* vintages come in rev order: the first is enough */
}

/* When the first vintage of s's period p arrived into *ms; 0 when none is stored. */
static int first_receipt(struct store_txn *t, const struct cat_series *s,
			 const struct period *p, int64_t *ms)
{
	struct store_obs o;
	int rc = store_obs_get(t, s->region->id, s->id, p, &o);
	*ms = 0;
	if (rc == PW_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	*ms = o.recv_ms;
	if (o.rev <= 1)
		return 0;
	rc = store_rev_range(t, s->region->id, s->id, p, p, first_cb, ms);
	return rc < 0 ? rc : 0;
}

/* Is month n of s's year y stored? */
static int held(struct store_txn *t, const struct cat_series *s, int y, int n, bool *out)
{
	struct store_obs o;
	struct period p = { y, PERIOD_MONTH, (uint8_t)n };
	int rc = store_obs_get(t, s->region->id, s->id, &p, &o);
	*out = rc == 0;
	return rc == PW_ENOTFOUND ? 0 : rc;
}

/* Is period p of s owed (catalog_owes, the dispatch table's rule; a January asks whether
 * that year's January and February are stored)? Asked per series, so a series two plans
 * judge is owed once. */
static int owed(struct store_txn *t, const struct catalog *c, const struct cat_series *s,
		const struct period *p, bool *out)
{
	bool jan = false, feb = false;
	int rc = 0;
	if (p->freq == PERIOD_MONTH && p->n == 1 &&
	    ((rc = held(t, s, p->year, 1, &jan)) < 0 || (rc = held(t, s, p->year, 2, &feb)) < 0))
		return rc;
	*out = catalog_owes(c, s, p, jan, feb);
	return 0;
}

/* The newest period s owes now, if it is missing: the 催报 gauges. */
static int count_missing(struct store_txn *t, const struct catalog *c, const struct cat_series *s,
			 int64_t now_ms, struct metrics_dept *out, size_t max, size_t *n)
{
	struct period p = ytd_latest_due(s->freq, s->due_days, now_ms);
	struct store_obs o;
	bool owes;
	int rc = owed(t, c, s, &p, &owes);
	if (rc < 0 || !owes)
		return rc;
	rc = store_obs_get(t, s->region->id, s->id, &p, &o);
	if (rc != PW_ENOTFOUND)
		return rc;
	struct metrics_dept *d = dept_slot(out, max, n, s->depts[0]);
	if (!d)
		return 0;
	int64_t due = ytd_due_ms(&p, s->due_days);
	d->missing++;
	if (!d->oldest_due_ms || due < d->oldest_due_ms)
		d->oldest_due_ms = due;
	return 0;
}

/* Every period s owed in the window: due, and on time or late (or still missing). */
static int count_window(struct store_txn *t, const struct catalog *c, const struct cat_series *s,
			int64_t now_ms, struct metrics_dept *out, size_t max, size_t *n)
{
	int64_t from = now_ms - REPORTING_WINDOW_DAYS * DAY_MS;
	struct disc_item it = { .dept = s->depts[0], .series = s->id };
	int rc;
	/* a year's periods: at most 12 months (+1 at the edge) */
	for (it.period = ytd_latest_due(s->freq, s->due_days, now_ms);
	     (it.due_ms = ytd_due_ms(&it.period, s->due_days)) > from;
	     it.period = period_prev(&it.period)) {
		bool due;
		if ((rc = owed(t, c, s, &it.period, &due)) < 0)
			return rc;
		if (!due)
			continue;
		if ((rc = first_receipt(t, s, &it.period, &it.recv_ms)) < 0)
			return rc;
		int st = disc_classify(&it, now_ms, NULL);
		struct metrics_dept *d = st == DISC_NOT_DUE ? NULL : dept_slot(out, max, n, it.dept);
		if (!d)
			continue;
		d->expected++;
		d->on_time += st == DISC_ON_TIME;
		d->late += st == DISC_LATE;
	}
	return 0;
}

int reporting_count(struct store_txn *t, const struct catalog *c, int64_t now_ms,
		    struct metrics_dept *out, size_t max, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < catalog_n_regions(c); i++) {
		const struct cat_region *g = catalog_region_at(c, i);
		for (size_t k = 0; k < g->n_series; k++) {
			const struct cat_series *s = &g->series[k];
			int rc;
			if ((rc = count_missing(t, c, s, now_ms, out, max, n)) < 0 ||
			    (rc = count_window(t, c, s, now_ms, out, max, n)) < 0)
				return rc;
		}
	}
	return 0;
}
