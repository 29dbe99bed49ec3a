/* daemon/alert.h — the durable alert state of one indicator (the store's alert table,
 * key plan\0ind), as a versioned little-endian record like the store's own.
 *
 * Version 2 (written): u8 2, u8 state, u8 last_raw, u8 overdue, u16 streak_before,
 * last_period and overdue_period as u16 year + u8 freq + u8 n each, f64 value, f64 required,
 * f64 gap (IEEE-754 bits), i64 since_ms: ALERT_REC bytes. Version 1 (read, never written)
 * was struct alert_v1's bytes as the daemon's ABI laid them out; it is read on that ABI
 * only, and rewritten as version 2 the next time the indicator's state is stored. */
#ifndef PW_ALERT_H
#define PW_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/period.h"

#define ALERT_VERSION 2
#define ALERT_REC 46

struct alert {
	uint8_t state;          /* enum rules_state last announced (or silently reached) */
	uint8_t last_raw;       /* verdict of the last evaluation, before persistence */
	uint8_t overdue;        /* 1 while overdue_period is missing and announced */
	uint16_t streak_before; /* consecutive off periods before last_period */
	struct period last_period;
	struct period overdue_period;
	double value, required, gap;
	int64_t since_ms; /* when state was entered */
};

/* The version 1 record: the raw struct releases up to this one stored. */
struct alert_v1 {
	uint8_t version; /* 1 */
	uint8_t state, last_raw, overdue;
	uint16_t streak_before;
	struct period last_period;
	struct period overdue_period;
	double value, required, gap;
	int64_t since_ms;
};

/* The largest record alert_decode reads: a buffer of this size holds any version. */
#define ALERT_REC_MAX (sizeof(struct alert_v1) > ALERT_REC ? sizeof(struct alert_v1) : ALERT_REC)

/* Writes a's version 2 record into out; returns its length, ALERT_REC. */
size_t alert_encode(const struct alert *a, uint8_t out[ALERT_REC]);
/* Reads a record of either version into *a. PW_ESTORE (and *a untouched) for an unknown
 * version or a length that does not match it. */
int alert_decode(struct alert *a, const void *buf, size_t len);

#endif
