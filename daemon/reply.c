/* daemon/reply.c — ACK and NACK encoding. */
#include <stdio.h>

#include "../proto/err.h"
#include "reply.h"
#include "validate.h"

#define REPLY_TEXT_MAX 256 /* bytes: what an item was expected to be */

void reply_ack(struct proto_buf *b, const char *id, size_t count, uint32_t changed, uint64_t seq,
	       const struct reply_items *items)
{
	struct proto_map m;
	proto_buf_reset(b);
	proto_reply_open(&m, b, PROTO_ACK, id);
	proto_kv_uint(&m, "count", count);
	proto_kv_uint(&m, "changed", changed);
	proto_kv_uint(&m, "seq", seq);
	if (items) {
		proto_map_key(&m, "items");
		proto_w_array(b, items->n);
		proto_w_raw(b, items->data, items->len);
	}
	proto_map_close(m);
}

size_t reply_explain_catalog(const void *cat, const struct proto_req *req, size_t i, char *buf,
			     size_t cap)
{
	return validate_explain(cat, &req->items[i], buf, cap);
}

/* The NACK's message: the code's text, and what the first bad item was expected to be when
 * that is the code's reason. */
static void nack_message(reply_explain_fn explain, const void *arg, const struct proto_req *req,
			 int code, char *buf, size_t cap)
{
	char why[REPLY_TEXT_MAX] = "";
	for (size_t i = 0; explain && req && req->type == PROTO_UPDATE && i < req->n_items; i++)
		if (req->items[i].err) {
			if (req->items[i].err == code)
				explain(arg, req, i, why, sizeof(why));
			break;
		}
	snprintf(buf, cap, "%s%s%s", pw_strerror(code), why[0] ? ": " : "", why);
}

/* The "items" array: one {index, code, error[, message]} per bad item of an update. */
static void w_bad_items(struct proto_buf *b, reply_explain_fn explain, const void *arg,
			const struct proto_req *req)
{
	char msg[REPLY_TEXT_MAX + 128];
	uint32_t n_bad = 0;
	if (req && req->type == PROTO_UPDATE)
		for (size_t i = 0; i < req->n_items; i++)
			n_bad += req->items[i].err != 0;
	proto_w_array(b, n_bad);
	for (size_t i = 0; n_bad && i < req->n_items; i++) {
		int e = req->items[i].err;
		struct proto_map m;
		if (!e)
			continue;
		proto_map_open(&m, b);
		proto_kv_uint(&m, "index", i);
		proto_kv_int(&m, "code", -e);
		proto_kv_str(&m, "error", pw_errname(e));
		if (explain && explain(arg, req, i, msg, sizeof(msg)))
			proto_kv_str(&m, "message", msg);
		proto_map_close(m);
	}
}

/* The one NACK shape: every NACK, of a write or a read, is written here. */
static void nack_write(struct proto_buf *b, reply_explain_fn explain, const void *arg,
		       const char *id, int code, bool retry, uint64_t quarantine_id,
		       const struct proto_req *req, const char *msg)
{
	struct proto_map m;
	proto_buf_reset(b);
	proto_reply_open(&m, b, PROTO_NACK, id);
	proto_kv_int(&m, "code", -code);
	proto_kv_str(&m, "error", pw_errname(code));
	proto_kv_str(&m, "message", msg);
	proto_kv_bool(&m, "retry", retry);
	proto_kv_uint(&m, "quarantine", quarantine_id);
	proto_map_key(&m, "items");
	w_bad_items(b, explain, arg, req);
	proto_map_close(m);
}

void reply_nack_explained(struct proto_buf *b, reply_explain_fn explain, const void *arg,
			  const char *id, int code, bool retry, uint64_t quarantine_id,
			  const struct proto_req *req)
{
	char msg[REPLY_TEXT_MAX + 128];
	nack_message(explain, arg, req, code, msg, sizeof(msg));
	nack_write(b, explain, arg, id, code, retry, quarantine_id, req, msg);
}

void reply_nack(struct proto_buf *b, const struct catalog *cat, const char *id, int code,
		bool retry, uint64_t quarantine_id, const struct proto_req *req)
{
	reply_nack_explained(b, cat ? reply_explain_catalog : NULL, cat, id, code, retry,
			     quarantine_id, req);
}

void reply_nack_text(struct proto_buf *b, const char *id, int code, const char *why)
{
	char msg[REPLY_TEXT_MAX + 128];
	snprintf(msg, sizeof(msg), "%s: %s", pw_strerror(code), why);
	nack_write(b, NULL, NULL, id, code, reply_retryable(code), 0, NULL, msg);
}

bool reply_retryable(int code)
{
	return code == PW_ESTORE || code == PW_ENOMEM || code == PW_EFULL;
}
