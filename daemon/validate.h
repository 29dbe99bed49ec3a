/* daemon/validate.h — checks one decoded observation against the catalog. */
#ifndef PW_VALIDATE_H
#define PW_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/proto.h"
#include "catalog.h"

/* The series an item or a query names, in the view of one plan of its region (the target
 * its figures are checked against). A v1 request names a plan (plan): its region's series.
 * One that names the region (id or alias; a department reports figures, not plans) names the
 * series itself: the first plan in force for period p (NULL: none asked), else the newest
 * plan with a target on the series, else (no plan targets it) the series' own record
 * (cat_series.self, plan NULL). Both given: they must agree (PW_EFIELD). PW_EREGION,
 * PW_EPLAN, PW_EINDICATOR; neither given: PW_EFIELD. */
int validate_series(const struct catalog *c, const char *plan, const char *region,
		    const char *ind, const struct period *p, const struct cat_indicator **out);

/* Returns 0 and the indicator in *ind, or the first problem: PW_EPLAN, PW_EINDICATOR,
 * PW_EDEPT (dept may not report it), PW_ENOUNIT (unit not in model/unit.c), PW_EUNIT (a
 * unit of another dimension than the catalog's), PW_EPERIOD (frequency other than the
 * indicator's or annual, before the plan's reach or not yet begun at now_ms), PW_EVALUE
 * (not finite), PW_ERANGE (does not fit a double once converted), PW_EBOUNDS. A value in
 * another unit of the catalog unit's dimension is converted exactly (model/unit.h):
 * it->value becomes the value in the catalog's unit, it->sent keeps the value as sent
 * (it->unit is left as sent). The bounds apply to the converted value. */
int validate_item(const struct catalog *c, const char *dept, struct proto_item *it,
		  int64_t now_ms, const struct cat_indicator **ind);

/* Writes what was expected for an item that validate_item refused with it->err (the
 * accepted units of the indicator's dimension; the bounds in the catalog's unit) into
 * buf, cut to cap and NUL-terminated. Returns the length written; 0 (and "") when the
 * error says it all on its own. */
size_t validate_explain(const struct catalog *c, const struct proto_item *it, char *buf,
			size_t cap);

/* How far back history may go before a plan's baseline year (13th-plan series). */
#define VALIDATE_HISTORY_YEARS 15

#endif
