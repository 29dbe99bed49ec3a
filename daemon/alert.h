/* daemon/alert.h — the durable alert state of one indicator (the store's alert table,
 * key plan\0ind), as a versioned little-endian record like the store's own.
 *
 * Version 3 (written): u8 3, u8 state, u8 last_raw, u16 streak_before, last_period as u16
 * year + u8 freq + u8 n, f64 value, f64 required, f64 gap (IEEE-754 bits), i64 since_ms:
 * ALERT_REC bytes. Versions 1 and 2 (read, never written) also carried the overdue period
 * the indicator announced (schema 6 and older; schema 7 keeps missing figures per series
 * in the due table, daemon/overdue.c): version 2 was u8 2, state, last_raw, u8 overdue,
 * u16 streak_before, last_period, overdue_period, the three f64 and since_ms (46 bytes);
 * version 1 was struct alert_v1's bytes as the daemon's ABI laid them out, read on that ABI
 * only. An old record is rewritten as version 3 the next time the state is stored. */
#ifndef PW_ALERT_H
#define PW_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/period.h"

#define ALERT_VERSION 3
#define ALERT_REC 41
#define ALERT_REC_V2 46

struct alert {
	uint8_t state;          /* enum rules_state last announced (or silently reached) */
	uint8_t last_raw;       /* verdict of the last evaluation, before persistence */
	uint16_t streak_before; /* consecutive off periods before last_period */
	struct period last_period;
	double value, required, gap;
	int64_t since_ms; /* when state was entered */
	/* Read from a version 1 or 2 record only, never written: the period it announced
	 * overdue and still missed (the store's upgrade to schema 7 moves it to the due
	 * table). */
	bool had_overdue;
	struct period overdue_period;
};

/* The version 1 record: the raw struct releases up to 86d647f stored. */
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
#define ALERT_REC_MAX (sizeof(struct alert_v1) > ALERT_REC_V2 ? sizeof(struct alert_v1) : ALERT_REC_V2)

/* Writes a's version 3 record into out; returns its length, ALERT_REC. */
size_t alert_encode(const struct alert *a, uint8_t out[ALERT_REC]);
/* Reads a record of any version into *a. PW_ESTORE (and *a untouched) for an unknown
 * version or a length that does not match it. */
int alert_decode(struct alert *a, const void *buf, size_t len);

#endif
