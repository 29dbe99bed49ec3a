/* daemon/apply.h — the write path: one group of inbound messages, one LMDB transaction.
 *
 * Every message read in one poll cycle is applied inside a single durable commit (group
 * commit); replies and notices are produced inside it and released only after it has
 * committed, so an ACK always means "on disk". */
#ifndef PW_APPLY_H
#define PW_APPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "../proto/proto.h"
#include "../store/store.h"
#include "catalog.h"
#include "notice.h"
#include "rules.h"

#define APPLY_DETAIL_MAX 256

struct apply_msg {
	/* in */
	const uint8_t *raw;
	size_t len;            /* full frame length (raw may hold fewer bytes, see raw_len) */
	size_t raw_len;        /* bytes available at raw */
	bool from_sub;         /* SUB ingest: results are announced on PUB, no reply */
	const char *auth_dept; /* CURVE-authenticated department, NULL without CURVE */
	const char *peer;      /* who sent it, for the quarantine record */
	struct proto_req *req; /* decoded by apply_decode() */
	int decode_rc;
	/* out, valid after apply_group() returned 0 */
	struct proto_buf reply;
	int result; /* 0 accepted (or duplicate), < 0 rejected with this code */
	bool duplicate;
	uint32_t changed; /* items that made a new revision */
	char detail[APPLY_DETAIL_MAX];
	/* an accepted update's ACK is written once the group's last notice is known */
	bool ack_pending;
	int dup_of; /* index of an earlier message of the group with the same id, or -1 */
	uint32_t ack_count;
	char ack_id[PROTO_MAX_ID + 1], ack_dept[PROTO_MAX_DEPT + 1], reply_id[PROTO_MAX_ID + 1];
};

/* What the store held for one item before the group wrote it (check pass -> write pass). */
struct apply_prev {
	const struct cat_indicator *ind; /* what validation found the item's indicator to be */
	bool found;
	struct store_head head;
};

/* One valid item, in the order the duplicate check sorts them. */
struct apply_key {
	const struct cat_indicator *ind; /* one per (plan, indicator) */
	const void *series;              /* cat_series_key(ind): one per stored series */
	struct period period;
	uint32_t idx; /* position in the batch */
};

struct apply_ctx {
	const struct catalog *cat;
	const struct rules_cfg *rules;
	struct apply_msg *msgs;
	size_t n;
	struct notice_list notices; /* notices.now_ms is the group's clock */
	/* scratch, reused between groups */
	const struct cat_indicator **touched;
	size_t n_touched, cap_touched;
	struct apply_prev *prev;     /* [n_items] of the update being applied */
	struct apply_key *sorted;    /* [n_items]: duplicate check */
	size_t cap_scratch;
	struct proto_req *retry_req;
	uint8_t *retry_raw;
	size_t retry_cap;
};

void apply_ctx_init(struct apply_ctx *c);
void apply_ctx_release(struct apply_ctx *c);

/* Decodes m->raw into m->req (allocated on first use). Sets m->decode_rc. */
void apply_decode(struct apply_msg *m);
void apply_msg_release(struct apply_msg *m);

/* True if the decoded request writes (update, retry, target_set) or must be quarantined. */
bool apply_is_write(const struct apply_msg *m);

/* Applies ctx->msgs[0..n) in one durable transaction. Returns 0 when committed (each
 * message's reply/result is set, ctx->notices holds what to publish), or a negative
 * code when nothing was committed (PW_EFULL: store full; callers answer every message
 * with a retryable NACK via apply_fail_all()). */
int apply_group(struct store *s, struct apply_ctx *ctx);

/* Sets every message's reply to a NACK with code rc (retry: true) after a failed group. */
void apply_fail_all(struct apply_ctx *ctx, int rc);

#endif
