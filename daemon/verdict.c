/* daemon/verdict.c — the verdict record of one judged period (contract and layout:
 * verdict.h). */
#include <string.h>

#include "../proto/bytes.h"
#include "../proto/err.h"
#include "verdict.h"

/* Append only: a code once written names its rule in every store that holds it. */
static const char *const rule_names[] = {
	NULL,	       "growth_yoy", "growth_path", "annual_value", "level_path",
	"ceiling",     "floor",	     "keep_level",  "city_target",  "cumulative",
};
#define N_RULES (sizeof(rule_names) / sizeof(rule_names[0]))

uint8_t verdict_rule_code(const char *name)
{
	for (size_t i = 1; name && i < N_RULES; i++)
		if (strcmp(rule_names[i], name) == 0)
			return (uint8_t)i;
	return 0;
}

const char *verdict_rule_name(uint8_t code)
{
	return code < N_RULES ? rule_names[code] : NULL;
}

static uint8_t *put_f64(uint8_t *p, double x)
{
	return bytes_put_le(p, bytes_of_double(x), 8);
}

size_t verdict_encode(const struct verdict_rec *r, uint8_t out[VERDICT_REC])
{
	uint8_t *p = out;
	*p++ = VERDICT_VERSION;
	*p++ = r->state;
	*p++ = r->raw;
	*p++ = r->rule;
	*p++ = r->points ? 1 : 0;
	p = put_f64(p, r->value);
	p = put_f64(p, r->required);
	p = put_f64(p, r->gap);
	p = bytes_put_le(p, r->rev, 4);
	p = bytes_put_le(p, (uint64_t)r->judged_ms, 8);
	return (size_t)(p - out);
}

int verdict_decode(struct verdict_rec *r, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	if (len != VERDICT_REC || p[0] != VERDICT_VERSION)
		return PW_ESTORE;
	*r = (struct verdict_rec){
		.state = p[1],
		.raw = p[2],
		.rule = p[3],
		.points = p[4] & 1,
		.value = bytes_to_double(bytes_get_le(p + 5, 8)),
		.required = bytes_to_double(bytes_get_le(p + 13, 8)),
		.gap = bytes_to_double(bytes_get_le(p + 21, 8)),
		.rev = (uint32_t)bytes_get_le(p + 29, 4),
		.judged_ms = (int64_t)bytes_get_le(p + 33, 8),
	};
	return 0;
}

int verdict_put(struct store_txn *t, const char *plan, const char *ind, const struct period *p,
		const struct verdict_rec *r)
{
	uint8_t now[VERDICT_REC], was[VERDICT_REC];
	size_t len;
	verdict_encode(r, now);
	int rc = store_verdict_get(t, plan, ind, p, was, sizeof(was), &len);
	/* The same verdict judged again: only its time would differ (the last 8 bytes). */
	if (rc == 0 && len == VERDICT_REC && memcmp(was, now, VERDICT_REC - 8) == 0)
		return 0;
	if (rc < 0 && rc != PW_ENOTFOUND && rc != PW_ETOOBIG)
		return rc;
	return store_verdict_put(t, plan, ind, p, now, sizeof(now));
}

int verdict_get(struct store_txn *t, const char *plan, const char *ind, const struct period *p,
		struct verdict_rec *r)
{
	uint8_t buf[VERDICT_REC];
	size_t len;
	int rc = store_verdict_get(t, plan, ind, p, buf, sizeof(buf), &len);
	if (rc == PW_ETOOBIG) /* longer than any version we wrote */
		return PW_ESTORE;
	return rc < 0 ? rc : verdict_decode(r, buf, len);
}
