/* daemon/verdict.h — the verdict of one judged period (the store's verdict table, key
 * plan\0series\0period, docs/MODEL.md section 3), as a versioned little-endian record like
 * daemon/alert.c's. The alert table keeps what a plan announced about a series (its newest
 * period governs); this table keeps what each period was judged, so a report of an earlier
 * period (`report --plan quangang-14 --period 2025Q3`) still has its verdict once later
 * figures came.
 *
 * Version 1: u8 1, u8 state, u8 raw, u8 rule, u8 flags (1: gap in percentage points),
 * f64 value, f64 required, f64 gap (IEEE-754 bits), u32 rev, i64 judged_ms: VERDICT_REC bytes. */
#ifndef PW_VERDICT_H
#define PW_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/period.h"
#include "../store/store.h"

#define VERDICT_VERSION 1
#define VERDICT_REC 41

struct verdict_rec {
	uint8_t state;  /* enum rules_state the period stands at: after persistence and
			 * hysteresis when it was judged as its plan's newest live figure, else raw */
	uint8_t raw;    /* the period's own verdict (model/planmath.c planmath_judge) */
	uint8_t rule;   /* verdict_rule_code() of the rule that gave the requirement */
	bool points;    /* value, required and gap in percentage points (a rate was judged) */
	double value, required, gap;
	uint32_t rev;   /* the revision of the figure judged */
	int64_t judged_ms;
};

size_t verdict_encode(const struct verdict_rec *r, uint8_t out[VERDICT_REC]);
/* PW_ESTORE (and *r untouched) for an unknown version or length. */
int verdict_decode(struct verdict_rec *r, const void *buf, size_t len);

/* The rules' names ("growth_yoy", "level_path", ... proto/PROTOCOL.md "Alert fields") as
 * one byte: 0 for a name it does not know, which verdict_rule_name gives back as NULL. */
uint8_t verdict_rule_code(const char *name);
const char *verdict_rule_name(uint8_t code);

/* Stores r as the verdict of (plan, ind, p) unless the stored one says the same (judged_ms
 * aside): re-judging a period that did not change dirties no page. */
int verdict_put(struct store_txn *t, const char *plan, const char *ind, const struct period *p,
		const struct verdict_rec *r);

/* The verdict of (plan, ind, p): 0, PW_ENOTFOUND when that period was never judged by
 * that plan, PW_ESTORE for a record this release cannot read. */
int verdict_get(struct store_txn *t, const char *plan, const char *ind, const struct period *p,
		struct verdict_rec *r);

#endif
