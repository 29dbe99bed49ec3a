/* daemon/qbound.c — per-sender and total bounds on the quarantine, with an undo log. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/err.h"
#include "qbound.h"

struct qb_rec {
	uint64_t id, bytes;
};

/* One sender's records, oldest first: a ring, so that dropping the oldest and undoing
 * that (putting it back in front) are O(1). */
struct qb_sender {
	char name[STORE_DEPT_MAX + 1];
	struct qb_rec *ring;
	size_t cap, head, n;
	uint64_t bytes;
};

enum qb_kind { QB_PUSH, QB_POP };

/* What a transaction changed, to undo it in reverse if it does not commit. */
struct qb_op {
	enum qb_kind kind;
	enum qbound_why why; /* QB_POP: the bound that dropped it */
	size_t sender;
	struct qb_rec rec;
};

struct qbound {
	struct qbound_limits lim;
	struct qb_sender *senders;
	size_t n_senders, cap_senders;
	uint64_t bytes, records;
	uint64_t dropped[QBOUND_N_WHY];
	struct qb_op *undo;
	size_t n_undo, cap_undo;
	uint64_t keep; /* the record being put: its own trim never drops it (0: none) */
};

int qbound_new(struct qbound **ret, const struct qbound_limits *lim)
{
	struct qbound *q = calloc(1, sizeof(*q));
	if (!q)
		return PW_ENOMEM;
	q->lim = *lim;
	*ret = q;
	return 0;
}

void qbound_free(struct qbound *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->n_senders; i++)
		free(q->senders[i].ring);
	free(q->senders);
	free(q->undo);
	free(q);
}

/* ---- one sender's ring ---- */

static struct qb_rec *ring_at(const struct qb_sender *s, size_t i)
{
	return &s->ring[(s->head + i) % s->cap];
}

/* Room for one more record (the order kept, the oldest at index 0). */
static int ring_reserve(struct qb_sender *s)
{
	if (s->n < s->cap)
		return 0;
	size_t cap = s->cap ? 2 * s->cap : 16;
	struct qb_rec *r = malloc(cap * sizeof(*r));
	if (!r)
		return PW_ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		r[i] = *ring_at(s, i);
	free(s->ring);
	s->ring = r;
	s->cap = cap;
	s->head = 0;
	return 0;
}

/* ---- the counts ---- */

/* Room for one more element in *p (n in use of *cap, each elem bytes): doubles. */
static int grow(void **p, size_t n, size_t *cap, size_t elem, size_t first)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? 2 * *cap : first;
	void *q = realloc(*p, c * elem);
	if (!q)
		return PW_ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

static int sender_of(struct qbound *q, const char *name, size_t *out)
{
	for (size_t i = 0; i < q->n_senders; i++)
		if (strcmp(q->senders[i].name, name) == 0) {
			*out = i;
			return 0;
		}
	int rc = grow((void **)&q->senders, q->n_senders, &q->cap_senders, sizeof(*q->senders), 8);
	if (rc < 0)
		return rc;
	struct qb_sender *s = &q->senders[q->n_senders];
	memset(s, 0, sizeof(*s));
	size_t n = strnlen(name, sizeof(s->name) - 1);
	memcpy(s->name, name, n);
	*out = q->n_senders++;
	return 0;
}

static int log_op(struct qbound *q, enum qb_kind kind, enum qbound_why why, size_t sender,
		  struct qb_rec rec)
{
	int rc = grow((void **)&q->undo, q->n_undo, &q->cap_undo, sizeof(*q->undo), 64);
	if (rc < 0)
		return rc;
	q->undo[q->n_undo++] = (struct qb_op){ kind, why, sender, rec };
	return 0;
}

/* Counts a record as its sender's newest; logged: undone by qbound_abort(). */
static int add(struct qbound *q, size_t sender, struct qb_rec rec, bool logged)
{
	struct qb_sender *s = &q->senders[sender];
	int rc;
	if ((rc = ring_reserve(s)) < 0 ||
	    (logged && (rc = log_op(q, QB_PUSH, QBOUND_SENDER, sender, rec)) < 0))
		return rc;
	*ring_at(s, s->n++) = rec;
	s->bytes += rec.bytes;
	q->bytes += rec.bytes;
	q->records++;
	return 0;
}

/* Deletes the sender's oldest record from the store and the counts. */
static int drop_oldest(struct qbound *q, struct store_txn *t, size_t sender,
		       enum qbound_why why)
{
	struct qb_sender *s = &q->senders[sender];
	struct qb_rec rec = *ring_at(s, 0);
	int rc = store_quarantine_del(t, rec.id);
	if ((rc < 0 && rc != PW_ENOTFOUND) || (rc = log_op(q, QB_POP, why, sender, rec)) < 0)
		return rc;
	s->head = (s->head + 1) % s->cap;
	s->n--;
	s->bytes -= rec.bytes;
	q->bytes -= rec.bytes;
	q->records--;
	return 0;
}

/* The sender whose oldest record is the oldest of all (not the one being put), or -1. */
static long oldest_sender(const struct qbound *q)
{
	long best = -1;
	uint64_t best_id = UINT64_MAX;
	for (size_t i = 0; i < q->n_senders; i++) {
		const struct qb_sender *s = &q->senders[i];
		if (s->n && ring_at(s, 0)->id != q->keep && ring_at(s, 0)->id < best_id) {
			best_id = ring_at(s, 0)->id;
			best = (long)i;
		}
	}
	return best;
}

int qbound_trim(struct qbound *q, struct store_txn *t)
{
	int rc;
	for (size_t i = 0; i < q->n_senders; i++) {
		const struct qb_sender *s = &q->senders[i];
		while (s->bytes > q->lim.per_sender && s->n && ring_at(s, 0)->id != q->keep)
			if ((rc = drop_oldest(q, t, i, QBOUND_SENDER)) < 0)
				return rc;
	}
	long i;
	while (q->bytes > q->lim.total && (i = oldest_sender(q)) >= 0)
		if ((rc = drop_oldest(q, t, (size_t)i, QBOUND_TOTAL)) < 0)
			return rc;
	return 0;
}

int qbound_put(struct qbound *q, struct store_txn *t, struct store_reject *r)
{
	size_t sender;
	int rc;
	if (r->raw_len > q->lim.raw_max)
		r->raw_len = q->lim.raw_max;
	if ((rc = store_quarantine_put(t, r)) < 0 || (rc = sender_of(q, r->peer, &sender)) < 0 ||
	    (rc = add(q, sender, (struct qb_rec){ r->id, r->bytes }, true)) < 0)
		return rc;
	q->keep = r->id;
	rc = qbound_trim(q, t);
	q->keep = 0;
	return rc;
}

void qbound_commit(struct qbound *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->n_undo; i++)
		if (q->undo[i].kind == QB_POP)
			q->dropped[q->undo[i].why]++;
	q->n_undo = 0;
}

void qbound_abort(struct qbound *q)
{
	if (!q)
		return;
	/* In reverse, each ring is as it was right after the op: a pop left room in front. */
	while (q->n_undo) {
		const struct qb_op *op = &q->undo[--q->n_undo];
		struct qb_sender *s = &q->senders[op->sender];
		if (op->kind == QB_PUSH) {
			s->n--;
			s->bytes -= op->rec.bytes;
			q->bytes -= op->rec.bytes;
			q->records--;
		} else {
			s->head = (s->head + s->cap - 1) % s->cap;
			*ring_at(s, 0) = op->rec;
			s->n++;
			s->bytes += op->rec.bytes;
			q->bytes += op->rec.bytes;
			q->records++;
		}
	}
}

static int load_cb(const struct store_reject *r, void *arg)
{
	struct qbound *q = arg;
	size_t sender;
	int rc = sender_of(q, r->peer, &sender);
	return rc < 0 ? rc : add(q, sender, (struct qb_rec){ r->id, r->bytes }, false);
}

static int load_txn(struct store_txn *t, void *arg)
{
	return store_quarantine_sizes(t, load_cb, arg);
}

int qbound_load(struct qbound *q, struct store *s)
{
	return store_read(s, load_txn, q);
}

void qbound_stats(const struct qbound *q, struct qbound_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!q)
		return;
	out->bytes = q->bytes;
	out->records = q->records;
	memcpy(out->dropped, q->dropped, sizeof(out->dropped));
}
