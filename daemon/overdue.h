/* daemon/overdue.h — figures missing past their release date (docs/MODEL.md section 6).
 *
 * The release calendar belongs to the series (due_days, first_due in its region's file), so
 * a figure is overdue whether or not a plan in force asks for it. Period p of a series is
 * missing at now when first_due <= p, its due date (the end of p plus due_days,
 * model/ytd.h) has passed and the store has no figure for it (an annual figure stands in
 * for the year's last quarter or month). Only the OVERDUE_LOOKBACK newest due periods of a
 * series are looked at, so a check is bounded work.
 *
 * Announced once: a check announces the missing figures due since overdue_since (the
 * config key, else the store's meta "overdue_since": the time the store was created or
 * upgraded to schema 7) that it has not announced before, one notice
 * overdue.<alias>.<dept> per (region, responsible department, period) listing the
 * indicators, and remembers each figure in the store's due table in the same txn. The
 * txn that stores figures deletes their entries and announces, per (region, department,
 * period) again, resolved.<alias>.<dept> listing the indicators that arrived (days late)
 * and those still outstanding. <dept> is the department as the catalog names it (the
 * first of the series' departments, the 责任单位; a series without one counts as "-").
 * Older gaps are listed (overdue_encode with all) but never announced: a first start
 * does not announce years of gaps in one burst, and a restart announces nothing twice. */
#ifndef PW_OVERDUE_H
#define PW_OVERDUE_H

#include <stdbool.h>
#include <stdint.h>

#include "../proto/proto.h"
#include "../store/store.h"
#include "catalog.h"
#include "notice.h"
#include "rules.h"

#define OVERDUE_LOOKBACK 12 /* due periods of one series looked at, newest first */

/* The check at out->now_ms (hourly, at start, `tick`): announces what is newly missing. */
int overdue_tick(const struct rules_cfg *cfg, struct store_txn *t, const struct catalog *c,
		 struct notice_list *out);

/* The due entries one write txn ended, announced together when its figures are stored. */
struct overdue_arrivals;
int overdue_arrivals_new(struct overdue_arrivals **ret);
void overdue_arrivals_free(struct overdue_arrivals *a);
void overdue_arrivals_clear(struct overdue_arrivals *a);

/* Figure p of series s was just stored in t (reported, or computed by its formula): an
 * announced entry of it (or, for an annual figure, of the year's last quarter or month) is
 * deleted and kept in a. */
int overdue_arrived(struct store_txn *t, const struct cat_series *s, const struct period *p,
		    int64_t now_ms, struct overdue_arrivals *a);

/* One resolved.<alias>.<dept> notice per (region, department, period) of a's entries:
 * {region, alias, dept, period, due, days_late, indicators: [{indicator, name, due,
 * days_late}], previous: "overdue", outstanding: [the same of the group's figures still
 * announced and missing]}. Clears a. */
int overdue_resolve(struct store_txn *t, const struct catalog *c, struct overdue_arrivals *a,
		    struct notice_list *out);

/* The upgrade to schema 7: period p of x's series was announced overdue by a release that
 * kept it in the alert record. Becomes a due entry (announced at 0, seq 0) unless the
 * figure has arrived since, so that its arrival is still announced and nothing is
 * announced twice. */
int overdue_note(struct store_txn *t, const struct cat_indicator *x, const struct period *p);

/* Which gaps the alerts reply lists. */
struct overdue_filter {
	const char *region; /* only this region's series, by id (NULL: all) */
	const char *plan; /* only the series this plan has targets on (NULL: all) */
	const char *dept; /* only this responsible department (NULL: all) */
	bool all;         /* also the gaps never announced (due before overdue_since) */
};

/* What overdue_encode counted beside the groups. */
struct overdue_summary {
	uint32_t groups;
	uint32_t unannounced; /* gaps within the lookback that no notice announced */
	int64_t since_ms;     /* overdue_since in force */
};

/* Writes the msgpack array of groups (one per region, department, period and whether it was
 * announced) into b, sorted by department, then days late (most first):
 * {region, alias, dept, period, due (YYYY-MM-DD), days_late, announced,
 *  indicators: [{indicator, name, due, days_late}]}. */
int overdue_encode(const struct rules_cfg *cfg, struct store_txn *t, const struct catalog *c,
		   const struct overdue_filter *f, int64_t now_ms, struct proto_buf *b,
		   struct overdue_summary *sum);

/* Entries in the due table: figures announced overdue and still missing. */
int overdue_count(struct store_txn *t, uint64_t *n);

#endif
