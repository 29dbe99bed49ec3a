/* daemon/query.h — the read path: answers queries from an LMDB read snapshot. Readers
 * never block the writer (MVCC), and answers are built after the group commit so a
 * client sees its own acknowledged writes. */
#ifndef PW_QUERY_H
#define PW_QUERY_H

#include <stdint.h>

#include "../proto/proto.h"
#include "../store/store.h"
#include "catalog.h"
#include "rules.h"

struct query_stats {
	uint64_t accepted, rejected, duplicates, items, groups, notices;
	uint64_t refused; /* by the role table: not applied, not quarantined */
	uint64_t quarantine_bytes, quarantine_dropped; /* qbound.h */
	uint64_t last_commit_ms;   /* wall clock of the last group commit */
	uint64_t commit_us_last;   /* duration of the last commit */
	unsigned subscriptions;    /* live PUB subscriptions */
	uint64_t connections_max, connections_refused; /* connlimit.h */
	int64_t started_ms;
	int64_t now_ms;            /* the daemon clock (may be set by tests) */
	const char *version;
	const char *issuer;        /* config issuer (制表单位), "" = none */
	uint64_t log_v2_from;      /* first seq of the v2 topic scheme (notice_scheme_mark) */
	uint64_t log_v3_from;      /* first seq of notice bodies v 3 */
};

#define QUERY_LIMIT_DEFAULT 1000
#define QUERY_LIMIT_MAX 10000
/* Items of one listing reply stop growing past this many bytes (`more` then): a reply is
 * never built whole beyond it, whatever the limit (10000 rejected messages of 1 MiB). */
#define QUERY_REPLY_BUDGET (8u << 20)

/* Writes the reply (result or nack) for read request r into b. Returns 0 or a negative
 * code for failures that are not the client's fault (then b holds a NACK anyway). */
int query_answer(struct store *s, const struct catalog *cat, const struct rules_cfg *rules,
		 const struct query_stats *st, const struct proto_req *r, struct proto_buf *b);

#endif
