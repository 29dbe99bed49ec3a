/* store/hot.c — the hot index (hot_*): the newest vintage heads of observations whose idx
 * entry is not yet written, in memory, by series. No LMDB calls (store.c writes, flushes
 * and rebuilds it; contract in store_int.h).
 *
 * Why: idx is ordered by series, so a release (one period of many indicators) put into it
 * dirties one idx leaf per indicator, and a durable commit writes every page it dirtied.
 * Held here, a release costs the vintages appended to vin (a few fresh pages) and the idx
 * entries reach LMDB later, a few series per commit, each series' pending periods side by
 * side on one or two leaves. Everything here can be rebuilt from vin (store.c, at open and
 * after a failed write txn): nothing durable lives only in memory.
 *
 * Series are found through an open-addressing hash of their key; each holds its pending
 * periods sorted (a release appends at the end). Series with pending entries queue in the
 * order they got their first one, so the queue's head holds the oldest pending vintage. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/err.h"
#include "store_int.h"

struct hot_ent {
	uint8_t period[4];
	uint8_t head[IDX_VAL];
	bool fresh; /* no idx entry yet: an observation idx does not count */
};

struct hot_series {
	uint8_t key[SERIES_KEY_MAX];
	size_t klen;
	struct hot_ent *e;
	size_t n, cap;
	uint64_t first_vid;      /* vid of the oldest pending entry: the queue's order */
	struct hot_series *next; /* queue */
	bool queued;
};

struct hot {
	struct hot_series **slot; /* open addressing; series are never removed, only emptied */
	size_t cap, n_series;
	size_t n_ent, n_fresh;
	struct hot_series *head, *tail;
};

/* A multiply-xorshift over 8-byte words, the last word overlapping the one before when n is
 * not a multiple of 8, then murmur3's finaliser (the slot is the hash's low bits). Every
 * lookup hashes its key: a byte-at-a-time hash (FNV-1a) was a tenth of the write txn's
 * instructions. Keys are at least 4 bytes (plan\0ind\0); shorter ones are hashed too. */
static uint64_t key_hash(const uint8_t *k, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;
	if (n < 8) {
		w = 0;
		for (size_t i = 0; i < n; i++)
			w |= (uint64_t)k[i] << (8 * i);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
	} else {
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&w, k + i, 8);
			h = (h ^ w) * 0xff51afd7ed558ccdull;
			h ^= h >> 29;
		}
		memcpy(&w, k + n - 8, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

struct hot *hot_new(void)
{
	struct hot *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->cap = 64;
	if (!(h->slot = calloc(h->cap, sizeof(*h->slot)))) {
		free(h);
		return NULL;
	}
	return h;
}

void hot_clear(struct hot *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->cap; i++) {
		if (h->slot[i]) {
			free(h->slot[i]->e);
			free(h->slot[i]);
			h->slot[i] = NULL;
		}
	}
	h->n_series = h->n_ent = h->n_fresh = 0;
	h->head = h->tail = NULL;
}

void hot_free(struct hot *h)
{
	if (!h)
		return;
	hot_clear(h);
	free(h->slot);
	free(h);
}

static size_t find_slot(struct hot_series *const *slot, size_t cap, const uint8_t *k, size_t n)
{
	size_t i = (size_t)key_hash(k, n) & (cap - 1);
	while (slot[i] && (slot[i]->klen != n || memcmp(slot[i]->key, k, n) != 0))
		i = (i + 1) & (cap - 1);
	return i;
}

struct hot_series *hot_series_find(const struct hot *h, const uint8_t *key, size_t klen)
{
	return h->slot[find_slot(h->slot, h->cap, key, klen)];
}

static int grow_table(struct hot *h)
{
	size_t cap = h->cap * 2;
	struct hot_series **slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return PW_ENOMEM;
	for (size_t i = 0; i < h->cap; i++)
		if (h->slot[i])
			slot[find_slot(slot, cap, h->slot[i]->key, h->slot[i]->klen)] = h->slot[i];
	free(h->slot);
	h->slot = slot;
	h->cap = cap;
	return 0;
}

/* The first entry of s with period >= pk (s->n if none). */
size_t hot_series_seek(const struct hot_series *s, const uint8_t pk[4])
{
	size_t lo = 0, hi = s ? s->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (period_key_less(s->e[mid].period, pk))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int hot_put(struct hot *h, const uint8_t *key, size_t klen, const uint8_t pk[4],
	    const uint8_t head[IDX_VAL], uint64_t vid, bool fresh)
{
	assert(klen <= SERIES_KEY_MAX);
	if ((h->n_series + 1) * 2 > h->cap) {
		int rc = grow_table(h);
		if (rc < 0)
			return rc;
	}
	size_t at = find_slot(h->slot, h->cap, key, klen);
	struct hot_series *s = h->slot[at];
	if (!s) {
		if (!(s = calloc(1, sizeof(*s))))
			return PW_ENOMEM;
		memcpy(s->key, key, klen);
		s->klen = klen;
		h->slot[at] = s;
		h->n_series++;
	}
	size_t i = hot_series_seek(s, pk);
	if (i < s->n && memcmp(s->e[i].period, pk, 4) == 0) {
		memcpy(s->e[i].head, head, IDX_VAL); /* a newer vintage; fresh stays as it was */
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		struct hot_ent *e = realloc(s->e, cap * sizeof(*e));
		if (!e)
			return PW_ENOMEM;
		s->e = e;
		s->cap = cap;
	}
	memmove(s->e + i + 1, s->e + i, (s->n - i) * sizeof(*s->e));
	memcpy(s->e[i].period, pk, 4);
	memcpy(s->e[i].head, head, IDX_VAL);
	s->e[i].fresh = fresh;
	s->n++;
	h->n_ent++;
	h->n_fresh += fresh;
	if (!s->queued) {
		s->first_vid = vid;
		s->queued = true;
		s->next = NULL;
		if (h->tail)
			h->tail->next = s;
		else
			h->head = s;
		h->tail = s;
	}
	return 0;
}

const uint8_t *hot_get(const struct hot *h, const uint8_t *key, size_t klen, const uint8_t pk[4])
{
	const struct hot_series *s = hot_series_find(h, key, klen);
	if (!s)
		return NULL;
	size_t i = hot_series_seek(s, pk);
	return i < s->n && memcmp(s->e[i].period, pk, 4) == 0 ? s->e[i].head : NULL;
}

size_t hot_series_count(const struct hot_series *s)
{
	return s ? s->n : 0;
}

const uint8_t *hot_series_period(const struct hot_series *s, size_t i)
{
	assert(i < s->n);
	return s->e[i].period;
}

const uint8_t *hot_series_head(const struct hot_series *s, size_t i)
{
	assert(i < s->n);
	return s->e[i].head;
}

const uint8_t *hot_series_key(const struct hot_series *s, size_t *klen)
{
	*klen = s->klen;
	return s->key;
}

struct hot_series *hot_oldest(const struct hot *h)
{
	return h->head;
}

uint64_t hot_series_first_vid(const struct hot_series *s)
{
	return s->first_vid;
}

/* Empties the queue's head after its entries were written to idx. */
void hot_drop_oldest(struct hot *h)
{
	struct hot_series *s = h->head;
	assert(s);
	for (size_t i = 0; i < s->n; i++)
		h->n_fresh -= s->e[i].fresh;
	h->n_ent -= s->n;
	s->n = 0;
	s->queued = false;
	h->head = s->next;
	if (!h->head)
		h->tail = NULL;
	s->next = NULL;
}

size_t hot_entries(const struct hot *h)
{
	return h->n_ent;
}

size_t hot_fresh(const struct hot *h)
{
	return h->n_fresh;
}

static int series_cmp(const void *a, const void *b)
{
	const struct hot_series *x = *(const struct hot_series *const *)a;
	const struct hot_series *y = *(const struct hot_series *const *)b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, n);
	return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

int hot_sorted(const struct hot *h, struct hot_series ***out, size_t *n)
{
	size_t k = 0;
	struct hot_series **v = malloc((h->n_series ? h->n_series : 1) * sizeof(*v));
	if (!v)
		return PW_ENOMEM;
	for (size_t i = 0; i < h->cap; i++)
		if (h->slot[i] && h->slot[i]->n)
			v[k++] = h->slot[i];
	qsort(v, k, sizeof(*v), series_cmp);
	*out = v;
	*n = k;
	return 0;
}
