/* daemon/apply.h — the write path: one group of inbound messages, one LMDB transaction.
 *
 * Every message read in one poll cycle is applied inside a single durable commit (group
 * commit); replies and notices are produced inside it and released only after it has
 * committed, so an ACK always means "on disk". struct apply is opaque: it holds the
 * catalog and rule settings the group is judged by and the scratch reused between groups. */
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

/* One inbound message. The caller fills the inputs, apply_decode() the decoded request,
 * apply_group() the outputs. */
struct apply_msg {
	/* in */
	const uint8_t *raw;
	size_t len;            /* full frame length (raw may hold fewer bytes, see raw_len) */
	size_t raw_len;        /* bytes available at raw */
	bool from_sub;         /* SUB ingest: results are announced on PUB, no reply */
	const char *auth_dept; /* CURVE-authenticated department, NULL without CURVE */
	const char *peer;      /* who sent it, for the quarantine record */
	/* decoded by apply_decode() */
	struct proto_req *req;
	int decode_rc;
	/* out, set for every write message by apply_group() */
	struct proto_buf reply; /* ACK or NACK (not sent for from_sub) */
	int result;             /* 0 accepted (or duplicate), < 0 rejected or failed: this code */
	bool duplicate;
	uint32_t changed; /* items that made a new revision */
	char detail[APPLY_DETAIL_MAX];
};

struct apply;

/* cat and rules are borrowed: they must outlive a, or be replaced with apply_set_catalog()
 * (rules is read at every group, so the caller may change it in place). */
int apply_new(struct apply **ret, const struct catalog *cat, const struct rules_cfg *rules);
void apply_free(struct apply *a); /* NULL-safe */
void apply_set_catalog(struct apply *a, const struct catalog *cat);

struct qbound;
/* Bounds the quarantine with q (borrowed; NULL: unbounded): rejected messages are kept
 * through it, and its counts follow each group's commit. */
void apply_set_quarantine(struct apply *a, struct qbound *q);

/* Decodes m->raw into m->req (allocated on first use). Sets m->decode_rc. */
void apply_decode(struct apply_msg *m);
void apply_msg_release(struct apply_msg *m);

/* True if the decoded request writes (update, retry, target_set) or must be quarantined. */
bool apply_is_write(const struct apply_msg *m);

/* Applies the write messages among msgs[0..n) (apply_is_write) in one durable transaction
 * at clock now_ms. out is cleared and receives the notices to publish once this returns 0.
 * Returns 0 when committed, or a negative code when nothing was (PW_EFULL: the store is
 * full); either way every write message has its reply and result — after a failure a
 * NACK with that code, retryable unless it is PW_EDAMAGED (reply_retryable). */
int apply_group(struct apply *a, struct store *s, struct apply_msg *const *msgs, size_t n,
		int64_t now_ms, struct notice_list *out);

/* The series the last group's alert rules were evaluated for, each once however many of its
 * messages named it (a count, for tests and the group's cost). */
size_t apply_series_judged(const struct apply *a);

#endif
