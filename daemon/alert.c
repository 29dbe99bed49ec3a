/* daemon/alert.c — the alert state record (contract and layouts: alert.h). */
#include <string.h>

#include "../proto/bytes.h"
#include "../proto/err.h"
#include "alert.h"

static uint8_t *put_period(uint8_t *p, const struct period *per)
{
	p = bytes_put_le(p, per->year, 2);
	*p++ = per->freq;
	*p++ = per->n;
	return p;
}

static const uint8_t *get_period(const uint8_t *p, struct period *per)
{
	per->year = (uint16_t)bytes_get_le(p, 2);
	per->freq = p[2];
	per->n = p[3];
	return p + 4;
}

size_t alert_encode(const struct alert *a, uint8_t out[ALERT_REC])
{
	uint8_t *p = out;
	*p++ = ALERT_VERSION;
	*p++ = a->state;
	*p++ = a->last_raw;
	p = bytes_put_le(p, a->streak_before, 2);
	p = put_period(p, &a->last_period);
	p = bytes_put_le(p, bytes_of_double(a->value), 8);
	p = bytes_put_le(p, bytes_of_double(a->required), 8);
	p = bytes_put_le(p, bytes_of_double(a->gap), 8);
	p = bytes_put_le(p, (uint64_t)a->since_ms, 8);
	return (size_t)(p - out);
}

static void decode_v1(struct alert *a, const void *buf)
{
	struct alert_v1 v;
	memcpy(&v, buf, sizeof(v));
	*a = (struct alert){
		.state = v.state,
		.last_raw = v.last_raw,
		.streak_before = v.streak_before,
		.last_period = v.last_period,
		.value = v.value,
		.required = v.required,
		.gap = v.gap,
		.since_ms = v.since_ms,
		.had_overdue = v.overdue != 0,
		.overdue_period = v.overdue_period,
	};
}

/* The three f64 and since_ms, the tail versions 2 and 3 share. */
static void get_tail(const uint8_t *p, struct alert *r)
{
	r->value = bytes_to_double(bytes_get_le(p, 8));
	r->required = bytes_to_double(bytes_get_le(p + 8, 8));
	r->gap = bytes_to_double(bytes_get_le(p + 16, 8));
	r->since_ms = (int64_t)bytes_get_le(p + 24, 8);
}

int alert_decode(struct alert *a, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	struct alert r;

	if (len == sizeof(struct alert_v1) && p[0] == 1) {
		decode_v1(a, buf);
		return 0;
	}
	memset(&r, 0, sizeof(r));
	if (len == ALERT_REC_V2 && p[0] == 2) {
		r.state = p[1];
		r.last_raw = p[2];
		r.had_overdue = p[3] != 0;
		r.streak_before = (uint16_t)bytes_get_le(p + 4, 2);
		get_tail(get_period(get_period(p + 6, &r.last_period), &r.overdue_period), &r);
	} else if (len == ALERT_REC && p[0] == ALERT_VERSION) {
		r.state = p[1];
		r.last_raw = p[2];
		r.streak_before = (uint16_t)bytes_get_le(p + 3, 2);
		get_tail(get_period(p + 5, &r.last_period), &r);
	} else {
		return PW_ESTORE;
	}
	*a = r;
	return 0;
}
