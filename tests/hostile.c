/* tests/hostile.c — a hostile peer against the real daemon over real ZeroMQ.
 *
 * A seeded mutator of its own (its own msgpack writer, not proto/'s encoder) sends
 * mutated frames — bit flips, truncation, type confusion, huge lengths and counts, deep
 * nesting, valid-but-wrong fields, pipelined and reused ids — interleaved with valid
 * updates on the same pipelined DEALER, while a second connection sends multipart junk
 * and hangs up with requests in flight. A reference model then checks the store:
 *   - every frame on the main connection got exactly one reply, a msgpack map of type
 *     "ack" or "nack";
 *   - every valid update was acknowledged, and every deliberately invalid one refused;
 *   - everything acknowledged is stored: each valid item exactly once under its id, in
 *     the order sent, its revisions numbered 1..n;
 *   - nothing unacknowledged is stored: every vintage of every series carries the id of
 *     an ACK this peer received;
 *   - the daemon still serves, stops cleanly, and a restarted daemon holds the same.
 * Valid updates write indicators ind000..ind049, mutated ones start from ind050..ind099,
 * so a mutation that happens to be valid cannot disturb what the model predicts.
 *
 * Every refused frame whose id was readable must be answered under that id (PROTOCOL.md
 * §2), frames that are not one well-formed msgpack map included.
 *
 * usage: hostile [--frames N] [--seed S] [--long] [--no-check-ids]
 *   --long: 200,000 frames; --no-check-ids: only count the frames answered under their id. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "../proto/proto.h"
#include "check.h"
#include "harness.h"
#include "rng.h"

#define N_INDS 100
#define N_VALID_INDS 50
#define N_PERIODS 12
#define VALID_ITEMS 5
#define WINDOW 128
#define VALID_EVERY 5 /* one valid update per this many frames */

/* ---- the seeded generator: the run is reproducible from --seed ---- */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	return rng_next(&rng_state);
}
static size_t rndn(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

/* ---- a minimal msgpack writer, independent of proto/ ---- */
struct mp {
	uint8_t *d;
	size_t n, cap;
};
static void mp_put(struct mp *m, const void *p, size_t n)
{
	if (!n)
		return;
	if (m->n + n > m->cap) {
		m->cap = (m->n + n) * 2 + 64;
		m->d = realloc(m->d, m->cap);
		CHECK(m->d);
	}
	memcpy(m->d + m->n, p, n);
	m->n += n;
}
static void mp_byte(struct mp *m, uint8_t b)
{
	mp_put(m, &b, 1);
}
static void mp_be(struct mp *m, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		mp_byte(m, (uint8_t)(v >> (8 * i)));
}
static void mp_hdr(struct mp *m, uint32_t n, uint8_t fix, uint32_t fixmax, uint8_t b16,
		   uint8_t b32)
{
	if (n < fixmax) {
		mp_byte(m, (uint8_t)(fix | n));
	} else if (n < 65536) {
		mp_byte(m, b16);
		mp_be(m, n, 2);
	} else {
		mp_byte(m, b32);
		mp_be(m, n, 4);
	}
}
static void mp_map(struct mp *m, uint32_t n)
{
	mp_hdr(m, n, 0x80, 16, 0xde, 0xdf);
}
static void mp_arr(struct mp *m, uint32_t n)
{
	mp_hdr(m, n, 0x90, 16, 0xdc, 0xdd);
}
static void mp_strn(struct mp *m, const char *s, size_t n)
{
	if (n < 32)
		mp_byte(m, (uint8_t)(0xa0 | n));
	else if (n < 256) {
		mp_byte(m, 0xd9);
		mp_be(m, n, 1);
	} else {
		mp_byte(m, 0xda);
		mp_be(m, n, 2);
	}
	mp_put(m, s, n);
}
static void mp_str(struct mp *m, const char *s)
{
	mp_strn(m, s, strlen(s));
}
static void mp_uint(struct mp *m, uint64_t v)
{
	if (v < 128)
		mp_byte(m, (uint8_t)v);
	else {
		mp_byte(m, 0xcf);
		mp_be(m, v, 8);
	}
}
static void mp_f64(struct mp *m, double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	mp_byte(m, 0xcb);
	mp_be(m, u, 8);
}

/* ---- the update frames ---- */

struct item {
	int ind, period; /* ind000.., 2025-01 + period */
	double value;
};

static void ind_name(char *buf, int ind)
{
	snprintf(buf, 16, "ind%03d", ind % 1000); /* the bound lets gcc see it fits */
}
static void period_name(char *buf, int p)
{
	snprintf(buf, 16, "2025-%02d", p % 12 + 1);
}

/* The fault a structured junk frame carries; every one of them must be refused. */
enum fault {
	F_NONE,
	F_VERSION, F_VERSION_STR, F_NO_VERSION, F_TYPE, F_TYPE_INT, F_ID_EMPTY_MISSING,
	F_DEPT_OTHER, F_DEPT_INT, F_DEPT_LONG, F_DEPT_UTF8, F_ITEMS_EMPTY, F_ITEMS_MAP,
	F_ITEMS_TOO_MANY, F_ITEMS_SCALAR, F_EXTRA_KEY, F_DUP_KEY, F_PLAN, F_INDICATOR, F_UNIT,
	F_PERIOD, F_VALUE_NAN, F_VALUE_INF, F_VALUE_NEG, F_VALUE_HUGE, F_VALUE_STR, F_VALUE_NIL,
	F_STATUS, F_STATUS_INT, F_YOY_NAN, F_YOY_STR, F_REASON_LONG, F_REASON_INT, F_NUL,
	F_PLAN_UTF8, F_DUP_ITEM, F_ITEM_MISSING, F_ITEM_EXTRA, F_NEST, F_BIN_FOR_STR, F_EXT,
	F_HUGE_ARRAY, F_HUGE_STR, F_HUGE_MAP, F_TRAILING, F__COUNT
};

static const char *bad_periods[] = { "2025-13", "2025-00", "1900", "2101-01", "20x5-01",
				     "2025Q1", "2099-01", "2025-1", "", "2025-01-01" };

/* Writes one item; fault applies to item-level faults only. */
static void put_item(struct mp *m, const struct item *it, enum fault f)
{
	char ind[16], per[16];
	ind_name(ind, it->ind);
	period_name(per, it->period);
	int n = 7 + (f == F_YOY_NAN || f == F_YOY_STR) + (f == F_REASON_LONG || f == F_REASON_INT) +
		(f == F_ITEM_EXTRA) - (f == F_ITEM_MISSING);
	mp_map(m, (uint32_t)n);
	mp_str(m, "plan");
	if (f == F_PLAN)
		mp_str(m, "no-such-plan");
	else if (f == F_PLAN_UTF8)
		mp_strn(m, "ben\xc3\x28", 5);
	else if (f == F_NUL)
		mp_strn(m, "ben\0ch", 6);
	else if (f == F_BIN_FOR_STR) {
		mp_byte(m, 0xc4);
		mp_byte(m, (uint8_t)strlen(HARNESS_BENCH_PLAN));
		mp_put(m, HARNESS_BENCH_PLAN, strlen(HARNESS_BENCH_PLAN));
	} else
		mp_str(m, HARNESS_BENCH_PLAN);
	mp_str(m, "indicator");
	mp_str(m, f == F_INDICATOR ? "ind999" : ind);
	mp_str(m, "period");
	mp_str(m, f == F_PERIOD ? bad_periods[rndn(sizeof(bad_periods) / sizeof(*bad_periods))]
				: per);
	mp_str(m, "value");
	switch (f) {
	case F_VALUE_NAN: mp_f64(m, NAN); break;
	case F_VALUE_INF: mp_f64(m, -INFINITY); break;
	case F_VALUE_NEG: mp_f64(m, -1.0 - (double)rndn(1000)); break;
	case F_VALUE_HUGE: mp_f64(m, 1e12); break;
	case F_VALUE_STR: mp_str(m, "812.5"); break;
	case F_VALUE_NIL: mp_byte(m, 0xc0); break;
	case F_EXT:
		mp_byte(m, 0xd4);
		mp_byte(m, 1);
		mp_byte(m, 0);
		break;
	default: mp_f64(m, it->value);
	}
	if (f != F_ITEM_MISSING) {
		mp_str(m, "unit");
		mp_str(m, f == F_UNIT ? "no-such-unit" : "亿元"); /* 万元 converts now */
	}
	mp_str(m, "status");
	if (f == F_STATUS_INT)
		mp_uint(m, 2);
	else
		mp_str(m, f == F_STATUS ? "finall" : "flash");
	if (f == F_YOY_NAN || f == F_YOY_STR) {
		mp_str(m, "yoy");
		if (f == F_YOY_NAN)
			mp_f64(m, NAN);
		else
			mp_str(m, "5.8");
	}
	if (f == F_REASON_LONG || f == F_REASON_INT) {
		mp_str(m, "reason");
		if (f == F_REASON_INT)
			mp_uint(m, 7);
		else {
			char r[300];
			memset(r, 'r', sizeof(r));
			mp_strn(m, r, sizeof(r));
		}
	}
	if (f == F_ITEM_EXTRA) {
		mp_str(m, "comment");
		mp_str(m, "x");
	}
	/* values are message numbers, not a series: the plausibility checks would call a
	 * revision from 1.25 to 10.25 suspect_scale */
	mp_str(m, "confirm");
	mp_byte(m, 0xc3);
}

static bool item_fault(enum fault f)
{
	return (f >= F_PLAN && f <= F_ITEM_EXTRA && f != F_DUP_ITEM) || f == F_BIN_FOR_STR ||
	       f == F_EXT;
}

/* Encodes an update of n items (the fault goes to item `bad`) into m. */
static void put_update(struct mp *m, const char *id, const struct item *items, size_t n,
		       enum fault f)
{
	size_t bad = rndn(n);
	int keys = 5 - (f == F_NO_VERSION) - (f == F_ID_EMPTY_MISSING && rnd() % 2) +
		   (f == F_EXTRA_KEY || f == F_DUP_KEY);
	bool id_empty = f == F_ID_EMPTY_MISSING && keys == 5;
	mp_map(m, (uint32_t)keys);
	if (f != F_NO_VERSION) {
		mp_str(m, "v");
		if (f == F_VERSION_STR)
			mp_str(m, "1");
		else
			mp_uint(m, f == F_VERSION ? 2 + rndn(1000) : 1);
	}
	mp_str(m, "type");
	if (f == F_TYPE_INT)
		mp_uint(m, 1);
	else
		mp_str(m, f == F_TYPE ? "updat" : "update");
	if (f != F_ID_EMPTY_MISSING || id_empty) {
		mp_str(m, "id");
		mp_str(m, id_empty ? "" : id);
	}
	mp_str(m, "dept");
	switch (f) {
	case F_DEPT_OTHER: mp_str(m, "财政局"); break;
	case F_DEPT_INT: mp_uint(m, 9); break;
	case F_DEPT_LONG: {
		char d[65];
		memset(d, 'd', sizeof(d));
		mp_strn(m, d, sizeof(d));
		break;
	}
	case F_DEPT_UTF8: mp_strn(m, "\xe7\xbb\x9f\xe8\xae", 5); break;
	default: mp_str(m, "统计局");
	}
	if (f == F_DUP_KEY) {
		mp_str(m, "dept");
		mp_str(m, "统计局");
	}
	if (f == F_EXTRA_KEY) {
		mp_str(m, "priority");
		mp_uint(m, 1);
	}
	mp_str(m, "items");
	switch (f) {
	case F_ITEMS_EMPTY: mp_arr(m, 0); return;
	case F_ITEMS_MAP: mp_map(m, 0); return;
	case F_ITEMS_SCALAR: mp_str(m, "items"); return;
	case F_NEST: {
		size_t depth = 3 + rndn(3000);
		for (size_t i = 0; i < depth; i++)
			mp_byte(m, 0x91);
		mp_byte(m, 0x80);
		return;
	}
	case F_HUGE_ARRAY: mp_byte(m, 0xdd); mp_be(m, 0xffffffffu - rndn(16), 4); return;
	case F_HUGE_MAP:
		mp_byte(m, 0x91);
		mp_byte(m, 0xdf);
		mp_be(m, 0xffffffffu - rndn(16), 4);
		return;
	case F_HUGE_STR:
		mp_byte(m, 0x91);
		mp_byte(m, 0x81);
		mp_byte(m, 0xdb);
		mp_be(m, 0x7fffffffu + rndn(1u << 30), 4);
		mp_put(m, "plan", 4);
		return;
	case F_ITEMS_TOO_MANY: {
		mp_arr(m, 1001);
		for (int i = 0; i < 1001; i++) {
			struct item it = { 50 + i % 50, (i / 50) % N_PERIODS, 1.0 + i };
			put_item(m, &it, F_NONE);
		}
		return;
	}
	default: break;
	}
	if (f == F_DUP_ITEM) {
		mp_arr(m, (uint32_t)n + 1);
		for (size_t i = 0; i < n; i++)
			put_item(m, &items[i], F_NONE);
		put_item(m, &items[bad], F_NONE);
	} else {
		mp_arr(m, (uint32_t)n);
		for (size_t i = 0; i < n; i++)
			put_item(m, &items[i], i == bad && item_fault(f) ? f : F_NONE);
	}
	if (f == F_TRAILING)
		mp_put(m, "\xc0\x01", 2);
}

/* Byte-level damage to a frame that was valid. */
static void mutate(struct mp *m)
{
	static const uint8_t types[] = { 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8,
					 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd3,
					 0xd4, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
					 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xe0, 0xff, 0x00 };
	static const char *huge[] = { "\xdd\xff\xff\xff\xff", "\xdf\xff\xff\xff\xff",
				      "\xdb\xff\xff\xff\xff", "\xc6\xff\xff\xff\xff",
				      "\xc9\xff\xff\xff\xff\x01", "\xdc\xff\xff", "\xde\xff\xff",
				      "\xda\xff\xff", "\xc5\xff\xff" };
	int rounds = 1 + (int)rndn(3);
	for (int k = 0; k < rounds && m->n; k++) {
		size_t pos = rndn(m->n);
		switch (rndn(8)) {
		case 0: /* bit flips */
			for (size_t b = 1 + rndn(8); b; b--) {
				size_t p = rndn(m->n);
				m->d[p] ^= (uint8_t)(1u << rndn(8));
			}
			break;
		case 1: /* truncation */
			m->n = rndn(m->n);
			break;
		case 2: /* type confusion: one header byte replaced */
			m->d[pos] = types[rndn(sizeof(types))];
			break;
		case 3: { /* a huge length or count inserted */
			const char *h = huge[rndn(sizeof(huge) / sizeof(*huge))];
			size_t hn = strlen(h) ? strlen(h) : 1;
			struct mp t = { 0 };
			mp_put(&t, m->d, pos);
			mp_put(&t, h, hn);
			mp_put(&t, m->d + pos, m->n - pos);
			free(m->d);
			*m = t;
			break;
		}
		case 4: /* a range deleted */
			if (m->n > pos + 1) {
				size_t len = 1 + rndn(m->n - pos - 1);
				memmove(m->d + pos, m->d + pos + len, m->n - pos - len);
				m->n -= len;
			}
			break;
		case 5: { /* a range repeated (duplicate keys, wrong counts) */
			size_t len = 1 + rndn(m->n - pos);
			struct mp t = { 0 };
			mp_put(&t, m->d, pos + len);
			mp_put(&t, m->d + pos, m->n - pos);
			free(m->d);
			*m = t;
			break;
		}
		case 6: /* random bytes overwritten */
			for (size_t b = 1 + rndn(4); b; b--)
				m->d[rndn(m->n)] = (uint8_t)rnd();
			break;
		default: /* trailing garbage */
			for (size_t b = 1 + rndn(8); b; b--)
				mp_byte(m, (uint8_t)rnd());
		}
	}
}

/* ---- the reference model ---- */

struct idset {
	char **s;
	size_t cap, n;
};
static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	while (*s)
		h = (h ^ (uint8_t)*s++) * 1099511628211ull;
	return h;
}
static bool idset_has(const struct idset *set, const char *s)
{
	if (!set->cap)
		return false;
	for (size_t i = hash(s) % set->cap; set->s[i]; i = (i + 1) % set->cap)
		if (strcmp(set->s[i], s) == 0)
			return true;
	return false;
}
static void idset_add(struct idset *set, const char *s)
{
	if (idset_has(set, s))
		return;
	if ((set->n + 1) * 2 > set->cap) {
		struct idset t = { calloc(set->cap * 2 + 1024, sizeof(char *)), set->cap * 2 + 1024,
				   0 };
		CHECK(t.s);
		for (size_t i = 0; i < set->cap; i++)
			if (set->s[i]) {
				size_t j = hash(set->s[i]) % t.cap;
				while (t.s[j])
					j = (j + 1) % t.cap;
				t.s[j] = set->s[i];
				t.n++;
			}
		free(set->s);
		*set = t;
	}
	size_t i = hash(s) % set->cap;
	while (set->s[i])
		i = (i + 1) % set->cap;
	set->s[i] = strdup(s);
	set->n++;
}
static void idset_free(struct idset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->s[i]);
	free(set->s);
}

struct run {
	struct harness *h;
	void *zctx, *dealer;
	long frames, sent;     /* frames to send (mutated and junk), sent so far */
	long valid_total, valid_sent;
	long replies, expected; /* replies received, frames sent on the main connection */
	long inflight;
	long *valid_acks; /* per valid message: ACKs received */
	long *valid_sends;
	struct idset acked;   /* every id an ACK came back for */
	long junk_sent;
	long junk_echo_expected, junk_echoed; /* refused frames whose id was readable */
	bool *echo_want; /* per frame sent: a reply under its "j-N" id is due */
	long mutated_acked;
	long counts[F__COUNT];
};

static void valid_items(long j, struct item *it)
{
	for (int i = 0; i < VALID_ITEMS; i++) {
		long k = (j * VALID_ITEMS + i) % (N_VALID_INDS * N_PERIODS);
		it[i] = (struct item){ (int)(k % N_VALID_INDS), (int)(k / N_VALID_INDS),
				       (double)j + 0.25 };
	}
}

static void send_frame(struct run *r, const void *p, size_t n)
{
	CHECK(zmq_send(r->dealer, p, n, 0) == (int)n);
	r->expected++;
	r->inflight++;
}

static void send_valid(struct run *r, long j)
{
	struct item it[VALID_ITEMS];
	char id[32];
	struct mp m = { 0 };
	valid_items(j, it);
	snprintf(id, sizeof(id), "v-%ld", j);
	put_update(&m, id, it, VALID_ITEMS, F_NONE);
	send_frame(r, m.d, m.n);
	r->valid_sends[j]++;
	/* Pipelined id reuse: the same id again at once, identical or with other content;
	 * either way the first is what must be stored, once. */
	if (rnd() % 16 == 0) {
		if (rnd() % 2) {
			m.n = 0;
			it[0].value += 1000000;
			put_update(&m, id, it, VALID_ITEMS, F_NONE);
		}
		send_frame(r, m.d, m.n);
		r->valid_sends[j]++;
	}
	free(m.d);
}

static void random_items(struct item *it, size_t n)
{
	/* Distinct keys in the mutation space: consecutive, from a random start. */
	size_t start = rndn(N_VALID_INDS * N_PERIODS);
	for (size_t i = 0; i < n; i++) {
		size_t k = (start + i) % (N_VALID_INDS * N_PERIODS);
		it[i] = (struct item){ N_VALID_INDS + (int)(k % N_VALID_INDS),
				       (int)(k / N_VALID_INDS), (double)rndn(100000) / 4 };
	}
}

static void send_hostile(struct run *r)
{
	struct item it[8];
	char id[32];
	struct mp m = { 0 };
	size_t n = 1 + rndn(8);
	bool echo = false;
	random_items(it, n);
	if (rnd() % 3 == 0) { /* structured: valid-but-wrong, type confusion, limits */
		enum fault f = (enum fault)(1 + rndn(F__COUNT - 1));
		snprintf(id, sizeof(id), "j-%ld", r->sent);
		put_update(&m, id, it, n, f);
		r->counts[f]++;
		r->junk_sent++;
		/* Its id is a str of the top-level map, before any fault: readable. */
		echo = f != F_ID_EMPTY_MISSING;
	} else {
		snprintf(id, sizeof(id), "m-%ld", r->sent);
		put_update(&m, id, it, n, F_NONE);
		switch (rndn(64)) {
		case 0: m.n = 0; break;                        /* empty frame */
		case 1:                                         /* pure noise */
			m.n = 0;
			for (size_t b = rndn(64); b; b--)
				mp_byte(&m, (uint8_t)rnd());
			break;
		default: mutate(&m);
		}
		r->counts[F_NONE]++;
	}
	if (r->sent % 5000 == 4999) { /* now and then a frame over the 1 MiB limit */
		m.n = 0;
		put_update(&m, id, it, n, F_NONE);
		struct mp big = { 0 };
		mp_put(&big, m.d, m.n);
		while (big.n <= PROTO_MAX_FRAME)
			mp_byte(&big, (uint8_t)rnd());
		free(m.d);
		m = big;
		/* too_big, but its id comes first: answered under it (PROTOCOL.md §2) */
		echo = strncmp(id, "j-", 2) == 0;
	}
	r->junk_echo_expected += echo;
	r->echo_want[r->sent] = echo;
	send_frame(r, m.d, m.n);
	free(m.d);
	r->sent++;
}

static void on_reply(struct run *r, const void *p, size_t n)
{
	struct proto_view *v;
	char type[16], id[PROTO_MAX_ID + 1];
	int rc = proto_view_new(&v, p, n);
	if (rc < 0)
		fprintf(stderr, "hostile: a reply that is not msgpack (%zu bytes)\n", n);
	CHECK_OK(rc);
	CHECK_OK(proto_view_str(v, -1, "type", type, sizeof(type)));
	CHECK(strcmp(type, "ack") == 0 || strcmp(type, "nack") == 0);
	CHECK_OK(proto_view_str(v, -1, "id", id, sizeof(id)));
	bool ack = strcmp(type, "ack") == 0;
	if (ack)
		idset_add(&r->acked, id);
	char *end = NULL;
	long j = strncmp(id, "v-", 2) == 0 ? strtol(id + 2, &end, 10) : -1;
	/* A mutated frame's salvaged id can read "v-..." too: only "v-N" with N one of ours
	 * is a valid update's reply. */
	if (j >= 0 && j < r->valid_total && end && !*end) {
		if (!ack) {
			char err[64] = "";
			proto_view_str(v, -1, "error", err, sizeof(err));
			fprintf(stderr, "hostile: valid update %s refused: %s\n", id, err);
		}
		CHECK(ack);
		r->valid_acks[j]++;
	} else if (strncmp(id, "j-", 2) == 0 && (j = strtol(id + 2, &end, 10)) >= 0 &&
		   j < r->sent && !*end && r->echo_want[j]) {
		if (ack)
			fprintf(stderr, "hostile: deliberately invalid frame %s acknowledged\n", id);
		CHECK(!ack);
		r->echo_want[j] = false; /* one reply each */
		r->junk_echoed++;
	} else if (ack) {
		/* Also a mutated frame whose salvaged id reads "j-N" (seed 1796248543: an "m-"
		 * id mutated into one of a junk frame's). */
		r->mutated_acked++;
	}
	proto_view_free(v);
	r->replies++;
	r->inflight--;
}

static bool daemon_alive(struct harness *h)
{
	int st;
	return h->pid && waitpid(h->pid, &st, WNOHANG) == 0;
}

/* Receives replies until at most `keep` are in flight; fails when the daemon dies or
 * stops answering for 60 s. */
static void drain(struct run *r, long keep)
{
	time_t quiet_since = time(NULL);
	while (r->inflight > keep) {
		zmq_pollitem_t pi = { r->dealer, 0, ZMQ_POLLIN, 0 };
		CHECK(zmq_poll(&pi, 1, 200) >= 0);
		if (!(pi.revents & ZMQ_POLLIN)) {
			if (!daemon_alive(r->h)) {
				fprintf(stderr, "hostile: daemon died; log %s\n", r->h->log);
				CHECK(!"daemon alive");
			}
			CHECK(time(NULL) - quiet_since < 60);
			continue;
		}
		zmq_msg_t msg;
		zmq_msg_init(&msg);
		CHECK(zmq_msg_recv(&msg, r->dealer, 0) >= 0);
		CHECK(!zmq_msg_more(&msg)); /* a reply is one frame */
		on_reply(r, zmq_msg_data(&msg), zmq_msg_size(&msg));
		zmq_msg_close(&msg);
		quiet_since = time(NULL);
	}
}

/* A second peer: multipart junk, and hanging up with requests in flight. Its replies
 * are not counted; it only must not hurt the daemon or the main connection. */
static void chaos_peer(struct run *r)
{
	void *z = zmq_socket(r->zctx, ZMQ_DEALER);
	int linger = 0;
	CHECK(z);
	zmq_setsockopt(z, ZMQ_LINGER, &linger, sizeof(linger));
	CHECK(zmq_connect(z, r->h->ep) == 0);
	for (int i = 0; i < 20; i++) {
		struct item it[2];
		struct mp m = { 0 };
		char id[32];
		random_items(it, 2);
		snprintf(id, sizeof(id), "c-%ld-%d", r->sent, i);
		put_update(&m, id, it, 2, F_NONE);
		if (i % 2)
			zmq_send(z, m.d, m.n, ZMQ_SNDMORE); /* multipart: a frame too many */
		zmq_send(z, m.d, m.n, 0);
		free(m.d);
	}
	zmq_close(z); /* gone before the replies */
}

/* Every series, every period, every vintage against the model. */
static void verify(struct run *r)
{
	struct pw_client *c = harness_client(r->h);
	long *seen = calloc((size_t)r->valid_total * VALID_ITEMS, sizeof(long));
	long vintages = 0, valid_vintages = 0;
	CHECK(c && seen);
	for (int ind = 0; ind < N_INDS; ind++) {
		char name[16];
		ind_name(name, ind);
		struct proto_req q = { .type = PROTO_QUERY, .plan = HARNESS_BENCH_PLAN, .ind = name,
				       .limit = 10000 };
		struct proto_view *qv = harness_request(c, &q);
		bool more = true;
		CHECK_OK(proto_view_bool(qv, -1, "more", &more));
		CHECK(!more);
		for (size_t p = 0; p < proto_view_count(qv); p++) {
			char per[16];
			CHECK_OK(proto_view_str(qv, (int)p, "period", per, sizeof(per)));
			struct proto_req hr = { .type = PROTO_HISTORY, .plan = HARNESS_BENCH_PLAN, .ind = name,
						.has_period = true, .limit = 10000 };
			CHECK_OK(period_parse(&hr.period, per, strlen(per)));
			struct proto_view *hv = harness_request(c, &hr);
			CHECK_OK(proto_view_bool(hv, -1, "more", &more));
			CHECK(!more);
			long last_j = -1;
			for (size_t i = 0; i < proto_view_count(hv); i++) {
				char msgid[PROTO_MAX_ID + 1];
				int64_t rev;
				double val;
				CHECK_OK(proto_view_str(hv, (int)i, "msgid", msgid, sizeof(msgid)));
				CHECK_OK(proto_view_int(hv, (int)i, "rev", &rev));
				CHECK_OK(proto_view_double(hv, (int)i, "value", &val));
				CHECK(rev == (int64_t)i + 1);
				vintages++;
				/* The chaos peer hung up before its ACKs: stored or not, both
				 * keep the word given to a peer that is gone. */
				if (strncmp(msgid, "c-", 2) == 0)
					continue;
				if (!idset_has(&r->acked, msgid))
					fprintf(stderr, "hostile: %s %s holds unacknowledged id '%s'\n",
						name, per, msgid);
				CHECK(idset_has(&r->acked, msgid)); /* nothing unacknowledged */
				if (strncmp(msgid, "v-", 2) != 0)
					continue;
				long j = strtol(msgid + 2, NULL, 10);
				struct item it[VALID_ITEMS];
				CHECK(ind < N_VALID_INDS && j >= 0 && j < r->valid_total);
				CHECK(j > last_j); /* in the order sent */
				last_j = j;
				valid_items(j, it);
				int k = 0;
				while (k < VALID_ITEMS && !(it[k].ind == ind &&
							    (int)strtol(per + 5, NULL, 10) ==
								    it[k].period + 1))
					k++;
				CHECK(k < VALID_ITEMS);     /* an item this message carried */
				CHECK(val == it[k].value);  /* with the value first sent */
				seen[j * VALID_ITEMS + k]++;
				valid_vintages++;
			}
			proto_view_free(hv);
		}
		proto_view_free(qv);
	}
	for (long j = 0; j < r->valid_total; j++)
		for (int k = 0; k < VALID_ITEMS; k++)
			CHECK(seen[j * VALID_ITEMS + k] == 1); /* acknowledged => stored once */
	printf("hostile: model holds: %ld vintages, %ld of them valid items (%ld expected), all "
	       "acknowledged ids\n", vintages, valid_vintages, r->valid_total * VALID_ITEMS);
	free(seen);
	pw_client_free(c);
}

int main(int argc, char **argv)
{
	long frames = 10000;
	uint64_t seed = (uint64_t)time(NULL);
	int c;
	static const struct option opts[] = {
		{ "frames", required_argument, NULL, 'f' }, { "seed", required_argument, NULL, 's' },
		{ "long", no_argument, NULL, 'l' },         { "help", no_argument, NULL, 'h' },
		{ "no-check-ids", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	bool check_ids = true;
	while ((c = getopt_long(argc, argv, "f:s:lhi", opts, NULL)) != -1) {
		if (c == 'f')
			frames = atol(optarg);
		else if (c == 's')
			seed = strtoull(optarg, NULL, 10);
		else if (c == 'l')
			frames = 200000;
		else if (c == 'i')
			check_ids = false;
		else {
			printf("usage: hostile [--frames N] [--seed S] [--long] [--no-check-ids]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0); /* the seed survives an abort in the log */
	rng_state = seed * 2 + 1;
	printf("hostile: seed %llu, %ld hostile frames\n", (unsigned long long)seed, frames);

	struct harness h;
	CHECK_OK(harness_init(&h, NULL, NULL));
	/* Bounds small enough for the junk to reach them (issue 20 item 3). */
	CHECK_OK(harness_use_bench_catalog(&h, N_INDS, "quarantine_max_mb: 2\nquarantine_sender_max_mb: 1\n"
							 "quarantine_raw_max_kb: 64\n"));
	CHECK_OK(harness_start(&h));

	struct run r = { .h = &h, .frames = frames, .valid_total = frames / (VALID_EVERY - 1) };
	r.valid_acks = calloc((size_t)r.valid_total, sizeof(long));
	r.valid_sends = calloc((size_t)r.valid_total, sizeof(long));
	r.echo_want = calloc((size_t)frames, sizeof(bool));
	CHECK(r.valid_acks && r.valid_sends && r.echo_want);
	r.zctx = zmq_ctx_new();
	r.dealer = zmq_socket(r.zctx, ZMQ_DEALER);
	int linger = 0;
	zmq_setsockopt(r.dealer, ZMQ_LINGER, &linger, sizeof(linger));
	CHECK(zmq_connect(r.dealer, h.ep) == 0);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (r.sent < r.frames || r.valid_sent < r.valid_total) {
		long total = r.sent + r.valid_sent;
		if (total % VALID_EVERY == 0 && r.valid_sent < r.valid_total)
			send_valid(&r, r.valid_sent++);
		else if (r.sent < r.frames)
			send_hostile(&r);
		else
			send_valid(&r, r.valid_sent++);
		if (r.sent % 2000 == 1999)
			chaos_peer(&r);
		drain(&r, WINDOW);
	}
	drain(&r, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(r.replies == r.expected);
	for (long j = 0; j < r.valid_total; j++)
		CHECK(r.valid_acks[j] == r.valid_sends[j]);
	printf("hostile: %ld hostile frames (%ld structured faults, all refused; %ld mutated, %ld "
	       "of them acknowledged) and %ld valid updates in %.1f s; one reply per frame\n",
	       r.sent, r.junk_sent, r.sent - r.junk_sent, r.mutated_acked, r.valid_total, secs);
	/* PROTOCOL.md §2: only a request whose id cannot be read is answered with id "". */
	printf("hostile: %ld of %ld refused frames with a readable id were answered under it\n",
	       r.junk_echoed, r.junk_echo_expected);
	if (check_ids)
		CHECK(r.junk_echoed == r.junk_echo_expected);
	CHECK(daemon_alive(&h));
	/* One sender (this peer, local): its share of the quarantine, oldest dropped first. */
	struct pw_client *sc = harness_client(&h);
	int64_t qbytes = harness_status(sc, "quarantine_bytes");
	int64_t qkept = harness_status(sc, "quarantined");
	int64_t qdropped = harness_status(sc, "quarantine_dropped");
	pw_client_free(sc);
	printf("hostile: quarantine holds %lld records, %lld bytes (bound 1 MiB a sender); %lld "
	       "dropped\n", (long long)qkept, (long long)qbytes, (long long)qdropped);
	CHECK(qbytes <= (1 << 20));
	verify(&r);
	CHECK(harness_stop(&h, SIGTERM) == 0);
	CHECK_OK(harness_start(&h)); /* what was acknowledged survives a restart */
	verify(&r);
	CHECK(harness_stop(&h, SIGTERM) == 0);

	zmq_close(r.dealer);
	zmq_ctx_term(r.zctx);
	idset_free(&r.acked);
	free(r.valid_acks);
	free(r.valid_sends);
	free(r.echo_want);
	harness_cleanup(&h);
	printf("hostile: ok\n");
	return 0;
}
