/* daemon/planstat.h — a plan's status as the daemon last saw it, announced when it changes
 * (docs/MODEL.md section 2).
 *
 * A plan is loaded, activated and closed by editing its file and SIGHUP (or a restart): the
 * store remembers each plan's status in meta "plan/<plan id>" (u8 1, u8 status, i64
 * changed_ms, little-endian: PLANSTAT_REC bytes), and a check that finds it different, or
 * absent, writes the new one and announces plan.<alias>.<plan> in the same txn:
 * {plan, name, region, alias, status, previous (nil: first seen), start_year, end_year,
 * base_year, plan_window}. So a plan's loading and each change of its status is announced
 * once, a restart announces nothing again, and a plan whose file is removed is not
 * announced (its record stays; loaded again with the same status it says nothing). */
#ifndef PW_PLANSTAT_H
#define PW_PLANSTAT_H

#include "../store/store.h"
#include "catalog.h"
#include "notice.h"

#define PLANSTAT_VERSION 1
#define PLANSTAT_REC 10

/* Compares every loaded plan's status with the one remembered; announces each that
 * differs into out (at out->now_ms) and remembers it. */
int planstat_check(struct store_txn *t, const struct catalog *c, struct notice_list *out);

#endif
