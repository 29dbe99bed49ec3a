/* daemon/validate.h — checks one decoded observation against the catalog. */
#ifndef PW_VALIDATE_H
#define PW_VALIDATE_H

#include <stdint.h>

#include "../proto/proto.h"
#include "catalog.h"

/* Returns 0 and the indicator in *ind, or the first problem: PW_EPLAN, PW_EINDICATOR,
 * PW_EDEPT (dept may not report it), PW_EUNIT, PW_EPERIOD (frequency other than the
 * indicator's or annual, before the
 * plan's reach or not yet begun at now_ms), PW_EVALUE (not finite), PW_EBOUNDS. */
int validate_item(const struct catalog *c, const char *dept, const struct proto_item *it,
		  int64_t now_ms, const struct cat_indicator **ind);

/* How far back history may go before a plan's baseline year (13th-plan series). */
#define VALIDATE_HISTORY_YEARS 15

#endif
