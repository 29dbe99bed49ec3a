/* daemon/qbound.h — the quarantine's bounds: bytes per sender and in total, raw bytes kept
 * per message (planwatchd.conf: quarantine_*).
 *
 * Every rejected message of a feeder is kept for `rejected` and `retry`; without a bound a
 * peer sending junk fills the disk and the figures of every department are refused
 * store_full. Each record is counted under its sender (the authenticated key, else the
 * peer: net.c); past a bound the oldest records go first, the sender's own before anyone
 * else's, and are counted. The counts live in memory, built from the store at start, and
 * follow the write transaction: what a group did is kept by qbound_commit() once it
 * committed and undone by qbound_abort() when it did not (or is run again). */
#ifndef PW_QBOUND_H
#define PW_QBOUND_H

#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"

struct qbound_limits {
	uint64_t total;      /* bytes of all records */
	uint64_t per_sender; /* bytes of one sender's records */
	size_t raw_max;      /* raw bytes kept of one message (the rest is cut) */
};

enum qbound_why { QBOUND_SENDER, QBOUND_TOTAL, QBOUND_N_WHY };

struct qbound_stats {
	uint64_t bytes, records;
	uint64_t dropped[QBOUND_N_WHY]; /* records dropped, by the bound that dropped them */
};

struct qbound;

int qbound_new(struct qbound **ret, const struct qbound_limits *lim);
void qbound_free(struct qbound *q); /* NULL-safe */

/* Counts the records store s holds (at start, before any write). */
int qbound_load(struct qbound *q, struct store *s);

/* Stores r in write txn t (r->raw_len cut to raw_max first), then drops the oldest records
 * while a bound is exceeded: the record just stored is never dropped. r->id is set. */
int qbound_put(struct qbound *q, struct store_txn *t, struct store_reject *r);

/* Enforces the bounds on what is stored (limits lowered since the records were kept). */
int qbound_trim(struct qbound *q, struct store_txn *t);

/* The transaction of the last puts committed (keep them) / did not (undo them). Both
 * NULL-safe. */
void qbound_commit(struct qbound *q);
void qbound_abort(struct qbound *q);

/* Committed figures. */
void qbound_stats(const struct qbound *q, struct qbound_stats *out);

#endif
