/* daemon/role.c — the role table (proto/PROTOCOL.md §1 "Roles"). */
#include <string.h>

#include "../proto/proto.h"
#include "role.h"

/* The role a request type needs. Every role includes reading. */
static const unsigned needs[PROTO__REQ_LAST] = {
	[PROTO_UPDATE] = ROLE_FEEDER,	   [PROTO_QUERY] = ROLE_READER,
	[PROTO_HISTORY] = ROLE_READER,	   [PROTO_SINCE] = ROLE_READER,
	[PROTO_STATUS] = ROLE_READER,	   [PROTO_ALERTS] = ROLE_READER,
	[PROTO_CATALOG] = ROLE_READER,	   [PROTO_REJECTED] = ROLE_OPERATOR,
	[PROTO_RETRY] = ROLE_OPERATOR,	   [PROTO_TARGET_SET] = ROLE_OPERATOR,
	[PROTO_CLOCK_SET] = ROLE_OPERATOR, [PROTO_TICK] = ROLE_OPERATOR,
	[PROTO_BACKUP] = ROLE_OPERATOR,
};

const char *role_name(enum role r)
{
	switch (r) {
	case ROLE_FEEDER: return "feeder";
	case ROLE_OPERATOR: return "operator";
	default: return "reader";
	}
}

unsigned role_of_peer(bool curve, const char *prop, bool local)
{
	if (!curve)
		return local ? ROLE_READER | ROLE_FEEDER | ROLE_OPERATOR : ROLE_READER | ROLE_FEEDER;
	static const enum role roles[] = { ROLE_READER, ROLE_FEEDER, ROLE_OPERATOR };
	for (size_t i = 0; prop && i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(prop, role_name(roles[i])) == 0)
			return ROLE_READER | roles[i];
	return 0;
}

bool role_may(unsigned roles, int type)
{
	return type > 0 && type < PROTO__REQ_LAST && (roles & needs[type]) != 0;
}
