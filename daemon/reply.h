/* daemon/reply.h — the two reply shapes every request gets: an ACK (a write committed) or
 * a NACK (refused, or failed), the same NACK for writes and reads (proto/PROTOCOL.md). */
#ifndef PW_REPLY_H
#define PW_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/proto.h"
#include "catalog.h"

/* The elements of an ACK's "items" array, encoded (an update sent with detail: true). */
struct reply_items {
	const uint8_t *data;
	size_t len;
	uint32_t n;
};

/* Writes {v, type: ack, id, count, changed, seq} into b (reset first), and "items" when
 * items is not NULL. */
void reply_ack(struct proto_buf *b, const char *id, size_t count, uint32_t changed, uint64_t seq,
	       const struct reply_items *items);

/* Writes {v, type: nack, id, code, error, message, retry, quarantine, items} into b (reset
 * first). quarantine_id: the quarantined copy, 0 if none. req: the decoded update whose
 * bad items are listed (NULL or another type: an empty list). cat: the catalog the items
 * were judged by, for what they were expected to be (validate_explain) in the message and
 * in each item; NULL: the code's own text only. */
void reply_nack(struct proto_buf *b, const struct catalog *cat, const char *id, int code,
		bool retry, uint64_t quarantine_id, const struct proto_req *req);

/* What bad item i of req was expected to be, into buf (cut to cap, NUL-terminated); returns
 * the length, 0 (and "") when its code says it all. */
typedef size_t (*reply_explain_fn)(const void *arg, const struct proto_req *req, size_t i,
				   char *buf, size_t cap);

/* reply_nack with the explanation of each bad item from explain(arg, ...) instead of the
 * catalog's alone (NULL: none). */
void reply_nack_explained(struct proto_buf *b, reply_explain_fn explain, const void *arg,
			  const char *id, int code, bool retry, uint64_t quarantine_id,
			  const struct proto_req *req);

/* The catalog's explanation (validate_explain), a reply_explain_fn with arg the catalog. */
size_t reply_explain_catalog(const void *cat, const struct proto_req *req, size_t i, char *buf,
			     size_t cap);

/* The same shape for a request that is no update, not quarantined: the message is the
 * code's text, ": ", and why (what went wrong, e.g. a system error's text); retry as
 * reply_retryable(code). */
void reply_nack_text(struct proto_buf *b, const char *id, int code, const char *why);

/* True for codes a client should answer by resending the same request later (the store
 * failed or was out of memory, not the request). */
bool reply_retryable(int code);

#endif
