/* tests/test_store.c — the store against its contract, against files corrupted behind its
 * back, and against an in-memory reference model fed random transactions. */
#include <dirent.h>
#include <errno.h>
#include <lmdb.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../proto/err.h"
#include "../proto/period.h"
#include "../store/store.h"
#include "../store/store_int.h" /* rec_crc32c: to forge sealed values */
#include "check.h"
#include "rng.h"

#define KIB (1024ull)
#define MIB (1024ull * 1024)
#define OBS_KEY_MAX_TEST (2 * STORE_ID_MAX + 6) /* plan\0ind\0period */

static char root[1024];

/* ---- helpers ---- */

static void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		CHECK(d);
		while ((e = readdir(d))) {
			char sub[2048];
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			int n = snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			CHECK(n > 0 && (size_t)n < sizeof(sub));
			rm_rf(sub);
		}
		closedir(d);
		CHECK(rmdir(path) == 0);
	} else {
		CHECK(unlink(path) == 0);
	}
}

static void mk_dir(char *buf, size_t cap, const char *name)
{
	int n = snprintf(buf, cap, "%s/%s", root, name);
	CHECK(n > 0 && (size_t)n < cap);
	CHECK(mkdir(buf, 0700) == 0);
}

static struct period month(int y, int m)
{
	struct period p = { .year = (uint16_t)y, .freq = PERIOD_MONTH, .n = (uint8_t)m };
	return p;
}

static struct period quarter(int y, int q)
{
	struct period p = { .year = (uint16_t)y, .freq = PERIOD_QUARTER, .n = (uint8_t)q };
	return p;
}

static struct period annual(int y)
{
	struct period p = { .year = (uint16_t)y, .freq = PERIOD_ANNUAL, .n = 0 };
	return p;
}

static void obs_fill(struct store_obs *o, const char *plan, const char *ind, struct period p,
		     double value, uint32_t rev)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->plan, sizeof(o->plan), "%s", plan);
	snprintf(o->ind, sizeof(o->ind), "%s", ind);
	o->period = p;
	o->value = value;
	o->yoy = NAN;
	o->status = 1;
	o->rev = rev;
	o->recv_ms = 1700000000000 + rev;
	snprintf(o->dept, sizeof(o->dept), "stats");
	snprintf(o->msgid, sizeof(o->msgid), "m-%u", (unsigned)rev);
}

static bool same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* The value as sent: sent_unit "" means as stored, and a read gives the value itself. */
static double sent_of(const struct store_obs *o)
{
	return o->sent_unit[0] ? o->sent_value : o->value;
}

static bool obs_eq(const struct store_obs *a, const struct store_obs *b)
{
	return strcmp(a->plan, b->plan) == 0 && strcmp(a->ind, b->ind) == 0 &&
	       period_cmp(&a->period, &b->period) == 0 && same_bits(a->value, b->value) &&
	       same_bits(a->yoy, b->yoy) && a->status == b->status && a->flags == b->flags &&
	       a->rev == b->rev && a->recv_ms == b->recv_ms && strcmp(a->dept, b->dept) == 0 &&
	       strcmp(a->msgid, b->msgid) == 0 && strcmp(a->reason, b->reason) == 0 &&
	       strcmp(a->sent_unit, b->sent_unit) == 0 && a->overrode == b->overrode &&
	       a->n_src == b->n_src && memcmp(a->src, b->src, a->n_src * sizeof(a->src[0])) == 0 &&
	       same_bits(sent_of(a), sent_of(b));
}

/* Deterministic xorshift64*; the seed is printed so a failure can be replayed. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	return rng_next(&rng_state);
}

static size_t rnd_n(size_t n)
{
	return (size_t)(rnd() % n);
}

/* Any bit pattern, NaNs made quiet so no FPU path can legally change them. */
static double rnd_double(void)
{
	uint64_t u = rnd();
	if ((u & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (u & 0xfffffffffffffull))
		u |= 0x8000000000000ull;
	double d;
	memcpy(&d, &u, sizeof(d));
	return d;
}

static void rnd_str(char *dst, size_t max)
{
	size_t n = rnd_n(max + 1);
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)('!' + rnd_n(94));
	dst[n] = '\0';
}

/* ---- transaction helpers ---- */

struct puts {
	const struct store_obs *o;
	size_t n;
	int fail; /* returned after the puts */
	unsigned runs;
};

static int puts_fn(struct store_txn *t, void *arg)
{
	struct puts *a = arg;
	int rc;
	a->runs++;
	for (size_t i = 0; i < a->n; i++)
		if ((rc = store_obs_put(t, &a->o[i])) < 0)
			return rc;
	return a->fail;
}

static int put_n(struct store *s, const struct store_obs *o, size_t n)
{
	struct puts a = { .o = o, .n = n };
	return store_write(s, puts_fn, &a);
}

struct get1 {
	const char *plan, *ind;
	struct period p;
	struct store_obs *out;
};

static int get1_fn(struct store_txn *t, void *arg)
{
	struct get1 *a = arg;
	return store_obs_get(t, a->plan, a->ind, &a->p, a->out);
}

struct head1 {
	const char *plan, *ind;
	struct period p;
	struct store_head *out;
};

static int head1_fn(struct store_txn *t, void *arg)
{
	struct head1 *a = arg;
	return store_obs_head(t, a->plan, a->ind, &a->p, a->out);
}

static int head1(struct store *s, const char *plan, const char *ind, struct period p,
		 struct store_head *out)
{
	struct head1 a = { plan, ind, p, out };
	return store_read(s, head1_fn, &a);
}

static int get1(struct store *s, const char *plan, const char *ind, struct period p,
		struct store_obs *out)
{
	struct get1 a = { .plan = plan, .ind = ind, .p = p, .out = out };
	return store_read(s, get1_fn, &a);
}

struct last1 {
	const char *plan, *ind;
	const struct period *to;
	unsigned skip;
	struct store_obs *out;
};

static int last1_fn(struct store_txn *t, void *arg)
{
	struct last1 *a = arg;
	return store_obs_last(t, a->plan, a->ind, a->to, a->skip, a->out);
}

static int last_upto(struct store *s, const char *plan, const char *ind,
		     const struct period *to, unsigned skip, struct store_obs *out)
{
	struct last1 a = { .plan = plan, .ind = ind, .to = to, .skip = skip, .out = out };
	return store_read(s, last1_fn, &a);
}

static int last1(struct store *s, const char *plan, const char *ind, unsigned skip,
		 struct store_obs *out)
{
	return last_upto(s, plan, ind, NULL, skip, out);
}

struct coll {
	struct store_obs *v;
	size_t n, cap;
	size_t stop_at; /* return ret after this many, 0 = never */
	int ret;
};

static int coll_cb(const struct store_obs *o, void *arg)
{
	struct coll *c = arg;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		CHECK(c->v);
	}
	c->v[c->n++] = *o;
	return c->stop_at && c->n == c->stop_at ? c->ret : 0;
}

enum { W_OBS, W_REV, W_SERIES };

struct walk {
	int kind;
	const char *plan, *ind;
	const struct period *from, *to;
	struct coll *c;
};

static int walk_fn(struct store_txn *t, void *arg)
{
	struct walk *w = arg;
	switch (w->kind) {
	case W_OBS:
		return store_obs_range(t, w->plan, w->ind, w->from, w->to, coll_cb, w->c);
	case W_REV:
		return store_rev_range(t, w->plan, w->ind, w->from, w->to, coll_cb, w->c);
	default:
		return store_series_list(t, coll_cb, w->c);
	}
}

static int walk(struct store *s, int kind, const char *plan, const char *ind,
		const struct period *from, const struct period *to, struct coll *c)
{
	struct walk w = { .kind = kind, .plan = plan, .ind = ind, .from = from, .to = to, .c = c };
	c->n = 0;
	return store_read(s, walk_fn, &w);
}

/* store_head_range's entries, for comparison with store_obs_range's. */
struct hcoll {
	struct period p[512];
	struct store_head h[512];
	size_t n;
};

static int hcoll_cb(const struct period *p, const struct store_head *h, void *arg)
{
	struct hcoll *c = arg;
	CHECK(c->n < 512);
	c->p[c->n] = *p;
	c->h[c->n++] = *h;
	return 0;
}

struct hwalk {
	const char *plan, *ind;
	const struct period *from, *to;
	struct hcoll *c;
};

static int hwalk_fn(struct store_txn *t, void *arg)
{
	struct hwalk *w = arg;
	return store_head_range(t, w->plan, w->ind, w->from, w->to, hcoll_cb, w->c);
}

/* The head walk of a series window gives exactly the observations the newest-vintage walk
 * gives, head for head. */
static void check_heads(struct store *s, const char *plan, const char *ind,
			const struct period *from, const struct period *to)
{
	struct coll c = { 0 };
	static struct hcoll hc;
	struct hwalk w = { plan, ind, from, to, &hc };
	hc.n = 0;
	CHECK_OK(walk(s, W_OBS, plan, ind, from, to, &c));
	CHECK_OK(store_read(s, hwalk_fn, &w));
	CHECK(hc.n == c.n);
	for (size_t i = 0; i < c.n; i++) {
		const struct store_head *h = &hc.h[i];
		CHECK(period_cmp(&hc.p[i], &c.v[i].period) == 0 && h->rev == c.v[i].rev &&
		      same_bits(h->value, c.v[i].value) && same_bits(h->yoy, c.v[i].yoy) &&
		      h->status == c.v[i].status && h->flags == c.v[i].flags && h->vid > 0);
	}
	free(c.v);
}

struct lrec {
	uint64_t seq;
	char topic[STORE_TOPIC_MAX + 1];
	uint8_t *body;
	size_t len;
};

struct lcoll {
	struct lrec *v;
	size_t n, cap;
	size_t stop_at;
	int ret;
	uint64_t after;
};

static void lcoll_clear(struct lcoll *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].body);
	c->n = 0;
}

static int lcoll_cb(uint64_t seq, const char *topic, const void *body, size_t len, void *arg)
{
	struct lcoll *c = arg;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		CHECK(c->v);
	}
	struct lrec *r = &c->v[c->n++];
	CHECK(strlen(topic) <= STORE_TOPIC_MAX);
	r->seq = seq;
	snprintf(r->topic, sizeof(r->topic), "%s", topic);
	r->len = len;
	r->body = malloc(len + 1);
	CHECK(r->body);
	if (len)
		memcpy(r->body, body, len);
	return c->stop_at && c->n == c->stop_at ? c->ret : 0;
}

static int since_fn(struct store_txn *t, void *arg)
{
	struct lcoll *c = arg;
	return store_log_since(t, c->after, lcoll_cb, c);
}

static int log_since(struct store *s, uint64_t after, struct lcoll *c)
{
	lcoll_clear(c);
	c->after = after;
	return store_read(s, since_fn, c);
}

static int last_fn(struct store_txn *t, void *arg)
{
	return store_log_last(t, arg);
}

static uint64_t log_last(struct store *s)
{
	uint64_t seq = 12345;
	CHECK_OK(store_read(s, last_fn, &seq));
	return seq;
}

/* Direct LMDB access, to damage or forge what the store reads (the store must be closed). */
struct raw {
	MDB_env *env;
	MDB_txn *txn;
};

static void raw_begin(struct raw *r, const char *dir)
{
	CHECK(mdb_env_create(&r->env) == 0);
	CHECK(mdb_env_set_maxdbs(r->env, 16) == 0);
	CHECK(mdb_env_open(r->env, dir, MDB_NOTLS, 0600) == 0);
	CHECK(mdb_txn_begin(r->env, NULL, 0, &r->txn) == 0);
}

static MDB_dbi raw_db(struct raw *r, const char *name)
{
	MDB_dbi dbi;
	CHECK(mdb_dbi_open(r->txn, name, MDB_CREATE, &dbi) == 0);
	return dbi;
}

static void raw_put(struct raw *r, const char *db, const void *key, size_t klen, const void *val,
		    size_t vlen)
{
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };
	CHECK(mdb_put(r->txn, raw_db(r, db), &k, &v, 0) == 0);
}

/* The same value sealed as the store seals every value since schema 5 (CRC-32C after it),
 * so that the decoders behind the checksum are reached. */
static void raw_sput(struct raw *r, const char *db, const void *key, size_t klen,
		     const void *val, size_t vlen)
{
	uint8_t buf[2048];
	CHECK(vlen + 4 <= sizeof(buf));
	memcpy(buf, val, vlen);
	uint32_t c = rec_crc32c(buf, vlen);
	for (int i = 0; i < 4; i++)
		buf[vlen + i] = (uint8_t)(c >> (8 * i));
	raw_put(r, db, key, klen, buf, vlen + 4);
}

static size_t raw_get(struct raw *r, const char *db, const void *key, size_t klen, void *buf,
		      size_t cap)
{
	MDB_val k = { klen, (void *)key }, v;
	CHECK(mdb_get(r->txn, raw_db(r, db), &k, &v) == 0);
	CHECK(v.mv_size <= cap);
	memcpy(buf, v.mv_data, v.mv_size);
	return v.mv_size;
}

static void raw_del(struct raw *r, const char *db, const void *key, size_t klen)
{
	MDB_val k = { klen, (void *)key };
	CHECK(mdb_del(r->txn, raw_db(r, db), &k, NULL) == 0);
}

static void raw_end(struct raw *r)
{
	CHECK(mdb_txn_commit(r->txn) == 0);
	mdb_env_close(r->env);
}

static size_t obs_key(uint8_t *key, const char *plan, const char *ind, struct period p)
{
	size_t lp = strlen(plan) + 1, li = strlen(ind) + 1;
	memcpy(key, plan, lp);
	memcpy(key + lp, ind, li);
	period_key(&p, key + lp + li);
	return lp + li + 4;
}

/* ---- open, close, arguments ---- */

static int put_meta_fn(struct store_txn *t, void *arg)
{
	return store_meta_put(t, "clock", arg, strlen(arg));
}

static void test_open(void)
{
	char dir[1100], bad[1200];
	struct store *s = NULL, *keep = (struct store *)&keep;
	struct store_stat st;
	struct store_obs o, got;

	mk_dir(dir, sizeof(dir), "open");
	store_free(NULL);
	CHECK_RC(store_open(NULL, dir, 0, 0), PW_EINVAL);
	CHECK_RC(store_open(&keep, NULL, 0, 0), PW_EINVAL);
	CHECK_RC(store_open(&keep, "", 0, 0), PW_EINVAL);
	CHECK_RC(store_open(&keep, dir, 1 * MIB, 64 * KIB), PW_EINVAL);
	snprintf(bad, sizeof(bad), "%s/missing", dir);
	CHECK_RC(store_open(&keep, bad, 0, 0), PW_ESYS);
	CHECK(keep == (struct store *)&keep); /* *ret untouched on failure */

	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_OK(store_stat(s, &st));
	CHECK(st.map_size == 64 * MIB);
	CHECK(st.n_obs == 0 && st.n_log == 0 && st.last_seq == 0);
	obs_fill(&o, "p", "i", month(2024, 5), 42.5, 1);
	CHECK_OK(put_n(s, &o, 1));
	CHECK_OK(store_write(s, put_meta_fn, "2026-01-01"));
	CHECK_RC(store_write(NULL, put_meta_fn, ""), PW_EINVAL);
	CHECK_RC(store_write(s, NULL, NULL), PW_EINVAL);
	CHECK_RC(store_read(s, NULL, NULL), PW_EINVAL);
	store_free(s);

	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_OK(get1(s, "p", "i", month(2024, 5), &got));
	CHECK(obs_eq(&o, &got));
	CHECK_OK(store_stat(s, &st));
	CHECK(st.n_obs == 1 && st.n_rev == 1);
	store_free(s);
}

/* ---- observations ---- */

static int bad_puts_fn(struct store_txn *t, void *arg)
{
	struct store_obs o, *good = arg;

	CHECK_RC(store_obs_put(NULL, good), PW_EINVAL);
	CHECK_RC(store_obs_put(t, NULL), PW_EINVAL);
	o = *good;
	o.rev = 0;
	CHECK_RC(store_obs_put(t, &o), PW_EINVAL);
	o = *good;
	o.period = month(2024, 13);
	CHECK_RC(store_obs_put(t, &o), PW_EINVAL);
	o.period = annual(2024);
	o.period.n = 1;
	CHECK_RC(store_obs_put(t, &o), PW_EINVAL);
	o = *good;
	o.plan[0] = '\0';
	CHECK_RC(store_obs_put(t, &o), PW_EINVAL);
	o = *good;
	memset(o.ind, 'x', sizeof(o.ind)); /* not terminated */
	CHECK_RC(store_obs_put(t, &o), PW_EINVAL);
	o = *good;
	memset(o.reason, 'x', sizeof(o.reason));
	CHECK_RC(store_obs_put(t, &o), PW_EINVAL);
	/* The rev is taken: history is append-only. The txn stays usable. */
	CHECK_RC(store_obs_put(t, good), PW_EINVAL);
	o = *good;
	o.rev++;
	o.value = -1;
	return store_obs_put(t, &o);
}

static int read_only_put_fn(struct store_txn *t, void *arg)
{
	CHECK_RC(store_obs_put(t, arg), PW_EINVAL);
	CHECK_RC(store_log_append(t, "x", "", 0, NULL), PW_EINVAL);
	CHECK_RC(store_alert_put(t, "p", "i", "", 0), PW_EINVAL);
	CHECK_RC(store_alert_del(t, "p", "i"), PW_EINVAL);
	CHECK_RC(store_meta_put(t, "k", "", 0), PW_EINVAL);
	struct store_reject r = { .code = PW_EPROTO };
	CHECK_RC(store_quarantine_put(t, &r), PW_EINVAL);
	return 0;
}

static int long_id_fn(struct store_txn *t, void *arg)
{
	char longid[STORE_ID_MAX + 2];
	struct store_obs o;
	struct period p = month(2024, 1);
	(void)arg;
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	CHECK_RC(store_obs_get(t, longid, "i", &p, &o), PW_ETOOBIG);
	CHECK_RC(store_obs_get(t, "p", longid, &p, &o), PW_ETOOBIG);
	CHECK_RC(store_obs_get(t, NULL, "i", &p, &o), PW_EINVAL);
	CHECK_RC(store_obs_get(t, "p", "i", NULL, &o), PW_EINVAL);
	CHECK_RC(store_obs_get(t, "p", "i", &p, NULL), PW_EINVAL);
	CHECK_RC(store_obs_get(t, "", "i", &p, &o), PW_EINVAL);
	CHECK_RC(store_obs_get(t, "p", "", &p, &o), PW_EINVAL);
	CHECK_RC(store_obs_get(t, longid, "", &p, &o), PW_EINVAL); /* empty before too long */
	longid[STORE_ID_MAX] = '\0'; /* the longest ids: a key that fills its buffer */
	CHECK_RC(store_obs_get(t, longid, longid, &p, &o), PW_ENOTFOUND);
	longid[STORE_ID_MAX] = 'a';
	CHECK_RC(store_obs_range(t, longid, "i", NULL, NULL, coll_cb, NULL), PW_ETOOBIG);
	CHECK_RC(store_obs_range(t, "p", "i", NULL, NULL, NULL, NULL), PW_EINVAL);
	return 0;
}

static void test_obs(void)
{
	char dir[1100];
	struct store *s;
	struct store_obs a, b, c, got, keep;
	uint64_t nan_bits = 0x7ff8000000000123ull;

	mk_dir(dir, sizeof(dir), "obs");
	CHECK_OK(store_open(&s, dir, 0, 0));

	/* Every field at its limit; yoy a NaN with a payload. */
	memset(&a, 0, sizeof(a));
	memset(a.plan, 'P', STORE_ID_MAX);
	memset(a.ind, 'I', STORE_ID_MAX);
	a.period = month(2100, 12);
	a.value = 1234.5678e10;
	memcpy(&a.yoy, &nan_bits, sizeof(a.yoy));
	a.status = 255;
	a.flags = STORE_OBS_BACKFILL;
	a.rev = 0xfffffffe;
	a.recv_ms = INT64_MIN + 5;
	memset(a.dept, 'D', STORE_DEPT_MAX);
	memset(a.msgid, 'M', STORE_MSGID_MAX);
	for (int i = 0; i < 85; i++)
		memcpy(a.reason + 3 * i, "修", 3);
	a.reason[255] = '!';
	CHECK(strlen(a.reason) == STORE_REASON_MAX);

	obs_fill(&b, "p", "i", annual(1949), -0.0, 1);
	b.yoy = 2.5;
	b.recv_ms = INT64_MAX;
	obs_fill(&c, "p", "i1", quarter(2026, 3), INFINITY, 3);
	c.yoy = -INFINITY;
	c.reason[0] = '\0';
	c.dept[0] = '\0';
	c.msgid[0] = '\0';
	struct store_obs all[] = { a, b, c };
	CHECK_OK(put_n(s, all, 3));

	for (int round = 0; round < 2; round++) {
		CHECK_OK(get1(s, a.plan, a.ind, a.period, &got));
		CHECK(obs_eq(&a, &got));
		CHECK(isnan(got.yoy));
		CHECK_OK(get1(s, "p", "i", annual(1949), &got));
		CHECK(obs_eq(&b, &got) && signbit(got.value));
		CHECK_OK(get1(s, "p", "i1", quarter(2026, 3), &got));
		CHECK(obs_eq(&c, &got));
		memset(&keep, 0x5a, sizeof(keep));
		got = keep;
		CHECK_RC(get1(s, "p", "i", annual(1950), &got), PW_ENOTFOUND);
		CHECK_RC(get1(s, "p", "i", month(1949, 1), &got), PW_ENOTFOUND);
		CHECK_RC(get1(s, "p", "i2", annual(1949), &got), PW_ENOTFOUND);
		CHECK_RC(get1(s, "pp", "i", annual(1949), &got), PW_ENOTFOUND);
		CHECK(memcmp(&got, &keep, sizeof(got)) == 0); /* *out written only on success */
		store_free(s);
		CHECK_OK(store_open(&s, dir, 0, 0));
	}

	CHECK_OK(store_write(s, bad_puts_fn, &b));
	CHECK_OK(get1(s, "p", "i", annual(1949), &got));
	CHECK(got.rev == 2 && got.value == -1);
	CHECK_OK(store_read(s, read_only_put_fn, &c));
	CHECK_OK(store_read(s, long_id_fn, NULL));
	store_free(s);
}

struct vget {
	uint64_t vid;
	struct store_obs *out;
};

static int vget_fn(struct store_txn *t, void *arg)
{
	struct vget *a = arg;
	return store_vintage_get(t, a->vid, a->out);
}

/* A vintage with its figure as sent, a confirm and sources is written in format 2, one
 * without them in format 1 (as before), and both read back; vids from the head reach the
 * vintage. */
static void test_as_sent(void)
{
	char dir[1100];
	struct store *s;
	struct store_obs a, b, got;
	struct store_head h;
	uint8_t key[OBS_KEY_MAX], buf[VIN_VAL_MAX];
	struct rec_lens l;
	uint64_t prev;

	obs_fill(&a, "350505", "disposable_income", annual(2021), 3.257, 1);
	snprintf(a.sent_unit, sizeof(a.sent_unit), "元");
	a.sent_value = 32570;
	a.flags = STORE_OBS_CONFIRM;
	a.overrode = 32;
	obs_fill(&b, "350505", "rd_intensity", annual(2021), 1.35, 1);
	b.flags = STORE_OBS_DERIVED;
	b.n_src = STORE_SRC_MAX;
	for (unsigned i = 0; i < STORE_SRC_MAX; i++)
		b.src[i] = 0x0102030405060708ull * (i + 1);

	/* the format byte, and what a format-1 record reads as */
	int kl = rec_series_key(key, a.plan, a.ind);
	CHECK(kl > 0);
	period_key(&a.period, key + kl);
	CHECK_OK(rec_obs_check(&a, &l));
	size_t n = rec_vin_encode(buf, key, (size_t)kl + 4, 0, &a, &l);
	CHECK(buf[0] == 2);
	MDB_val v = { n, buf };
	CHECK_OK(rec_vin_decode(&v, &got, &prev, key, (size_t)kl + 4));
	CHECK(obs_eq(&a, &got) && got.sent_value == 32570 && strcmp(got.sent_unit, "元") == 0);
	struct store_obs plain = a;
	plain.sent_unit[0] = '\0';
	plain.overrode = 0;
	CHECK_OK(rec_obs_check(&plain, &l));
	n = rec_vin_encode(buf, key, (size_t)kl + 4, 0, &plain, &l);
	CHECK(buf[0] == 1);
	v.mv_size = n;
	CHECK_OK(rec_vin_decode(&v, &got, &prev, key, (size_t)kl + 4));
	CHECK(got.sent_value == 3.257 && !got.sent_unit[0] && !got.n_src);
	/* a format-2 record claiming more sources than there can be is damaged */
	CHECK_OK(rec_obs_check(&b, &l));
	n = rec_vin_encode(buf, key, (size_t)kl + 4, 0, &b, &l);
	size_t at = n - REC_CRC - 1 - 8 * STORE_SRC_MAX;
	CHECK(buf[at] == STORE_SRC_MAX);
	buf[at] = STORE_SRC_MAX + 1;
	rec_seal(buf, n - REC_CRC);
	v = (MDB_val){ n, buf };
	CHECK_RC(rec_vin_decode(&v, &got, &prev, NULL, 0), PW_EDAMAGED);
	b.n_src = STORE_SRC_MAX + 1;
	CHECK_RC(rec_obs_check(&b, &l), PW_EINVAL);
	b.n_src = STORE_SRC_MAX;

	mk_dir(dir, sizeof(dir), "as_sent");
	CHECK_OK(store_open(&s, dir, 0, 0));
	struct store_obs both[] = { a, b };
	CHECK_OK(put_n(s, both, 2));
	for (int round = 0; round < 2; round++) {
		CHECK_OK(get1(s, a.plan, a.ind, a.period, &got));
		CHECK(obs_eq(&a, &got));
		CHECK_OK(head1(s, b.plan, b.ind, b.period, &h));
		CHECK(h.vid == 2 && h.flags == STORE_OBS_DERIVED);
		struct vget g = { h.vid, &got };
		CHECK_OK(store_read(s, vget_fn, &g));
		CHECK(obs_eq(&b, &got));
		g.vid = 3;
		CHECK_RC(store_read(s, vget_fn, &g), PW_ENOTFOUND);
		store_free(s);
		CHECK_OK(store_open(&s, dir, 0, 0)); /* the hot index rebuilt from vin */
	}
	store_free(s);
}

static int cmp_period_rev(const void *x, const void *y)
{
	const struct store_obs *a = x, *b = y;
	int c = period_cmp(&a->period, &b->period);
	return c ? c : (a->rev > b->rev) - (a->rev < b->rev);
}

static bool in_range(const struct store_obs *o, const struct period *from, const struct period *to)
{
	return (!from || period_cmp(&o->period, from) >= 0) &&
	       (!to || period_cmp(&o->period, to) <= 0);
}

/* want: one series' records sorted by period then rev. */
static void check_walk(struct store *s, int kind, const struct store_obs *want, size_t n_want,
		       const struct period *from, const struct period *to)
{
	struct coll c = { 0 };
	size_t k = 0;

	CHECK_OK(walk(s, kind, want[0].plan, want[0].ind, from, to, &c));
	for (size_t i = 0; i < n_want; i++) {
		if (!in_range(&want[i], from, to))
			continue;
		if (kind == W_OBS && i + 1 < n_want &&
		    period_cmp(&want[i].period, &want[i + 1].period) == 0)
			continue; /* not the latest vintage */
		CHECK(k < c.n);
		CHECK(obs_eq(&want[i], &c.v[k]));
		k++;
	}
	CHECK(k == c.n);
	free(c.v);
}

static void test_range(void)
{
	char dir[1100];
	struct store *s;
	struct store_obs v[64], nb[4];
	struct coll c = { 0 };
	size_t n = 0;

	mk_dir(dir, sizeof(dir), "range");
	CHECK_OK(store_open(&s, dir, 0, 0));
	/* One series mixing frequencies, stored in shuffled order. */
	for (int y = 2021; y <= 2023; y++) {
		obs_fill(&v[n++], "P", "I", annual(y), y, 1);
		for (int m = 1; m <= 12; m++)
			obs_fill(&v[n++], "P", "I", month(y, m), y * 100 + m, 1);
	}
	obs_fill(&v[n++], "P", "I", quarter(2022, 2), 7, 1);
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rnd_n(i + 1);
		struct store_obs tmp = v[i];
		v[i] = v[j];
		v[j] = tmp;
	}
	/* Neighbours on both sides of the key prefix "P\0I\0". */
	obs_fill(&nb[0], "P", "H", month(2022, 1), -1, 1);
	obs_fill(&nb[1], "P", "I0", month(2022, 1), -2, 1);
	obs_fill(&nb[2], "P0", "I", month(2022, 1), -3, 1);
	obs_fill(&nb[3], "O", "I", month(2030, 1), -4, 1);
	CHECK_OK(put_n(s, nb, 4));
	CHECK_OK(put_n(s, v, n));
	qsort(v, n, sizeof(v[0]), cmp_period_rev);

	struct period f1 = month(2022, 1), t1 = month(2022, 12), q2 = quarter(2022, 2);
	struct period f2 = month(2021, 6), t2 = month(2021, 3), a23 = annual(2023);
	struct period before = annual(2000), after = annual(2099);
	check_walk(s, W_OBS, v, n, NULL, NULL);
	check_walk(s, W_OBS, v, n, &f1, &t1);
	check_walk(s, W_OBS, v, n, &f2, NULL);
	check_walk(s, W_OBS, v, n, NULL, &t2);
	check_walk(s, W_OBS, v, n, &q2, &q2);
	check_walk(s, W_OBS, v, n, &a23, &a23);
	check_walk(s, W_OBS, v, n, &f2, &t2); /* from > to: nothing */
	check_walk(s, W_OBS, v, n, &before, &after);
	check_walk(s, W_OBS, v, n, &after, NULL);
	check_walk(s, W_REV, v, n, &f1, &t1);

	/* Time order is period_cmp order: annual, quarters, months within a year. */
	CHECK_OK(walk(s, W_OBS, "P", "I", &f1, &t1, &c));
	CHECK(c.n == 12);
	CHECK_OK(walk(s, W_OBS, "P", "I", NULL, NULL, &c));
	CHECK(c.n == n);
	for (size_t i = 1; i < c.n; i++)
		CHECK(period_cmp(&c.v[i - 1].period, &c.v[i].period) < 0);

	c.stop_at = 5;
	c.ret = 1;
	CHECK_OK(walk(s, W_OBS, "P", "I", NULL, NULL, &c));
	CHECK(c.n == 5);
	c.ret = PW_EBOUNDS;
	CHECK_RC(walk(s, W_OBS, "P", "I", NULL, NULL, &c), PW_EBOUNDS);
	CHECK(c.n == 5);
	c.stop_at = 0;
	CHECK_OK(walk(s, W_OBS, "P", "J", NULL, NULL, &c));
	CHECK(c.n == 0);
	CHECK_OK(walk(s, W_OBS, "O", "I", NULL, NULL, &c));
	CHECK(c.n == 1 && c.v[0].value == -4);
	free(c.v);
	store_free(s);
}

static void test_rev(void)
{
	char dir[1100];
	struct store *s;
	struct store_obs *v = calloc(300, sizeof(*v)), got, nb;
	struct coll c = { 0 };
	size_t n = 0;

	CHECK(v);
	mk_dir(dir, sizeof(dir), "rev");
	CHECK_OK(store_open(&s, dir, 0, 0));
	/* 2024-03 gets 260 vintages so the rev byte order matters (255 < 256). */
	for (uint32_t r = 1; r <= 260; r++)
		obs_fill(&v[n++], "X", "x", month(2024, 3), r * 1.5, r);
	CHECK_OK(put_n(s, v, n));
	for (uint32_t r = 1; r <= 2; r++) {
		obs_fill(&v[n], "X", "x", month(2024, 1), -(double)r, r);
		CHECK_OK(put_n(s, &v[n++], 1));
	}
	obs_fill(&v[n], "X", "x", month(2024, 2), 0, 1);
	CHECK_OK(put_n(s, &v[n++], 1));
	for (uint32_t r = 1; r <= 3; r++) {
		obs_fill(&v[n], "X", "x", month(2024, 4), 100 + r, r);
		v[n].yoy = r;
		snprintf(v[n].reason, sizeof(v[n].reason), "revision %u", (unsigned)r);
		CHECK_OK(put_n(s, &v[n++], 1));
	}
	obs_fill(&nb, "X", "x0", month(2024, 3), 9, 1);
	CHECK_OK(put_n(s, &nb, 1));
	obs_fill(&nb, "X", "w", month(2024, 3), 9, 1);
	CHECK_OK(put_n(s, &nb, 1));
	qsort(v, n, sizeof(v[0]), cmp_period_rev);

	CHECK_OK(get1(s, "X", "x", month(2024, 3), &got));
	CHECK(got.rev == 260 && got.value == 390);
	CHECK_OK(get1(s, "X", "x", month(2024, 4), &got));
	CHECK(got.rev == 3 && strcmp(got.reason, "revision 3") == 0);

	struct period m1 = month(2024, 1), m2 = month(2024, 2), m3 = month(2024, 3);
	struct period m4 = month(2024, 4);
	check_walk(s, W_REV, v, n, &m3, &m3);
	check_walk(s, W_REV, v, n, &m4, &m4);
	check_walk(s, W_REV, v, n, &m2, &m3);
	check_walk(s, W_REV, v, n, NULL, NULL);
	check_walk(s, W_REV, v, n, NULL, &m1);
	check_walk(s, W_OBS, v, n, NULL, NULL);

	CHECK_OK(walk(s, W_REV, "X", "x", &m3, &m3, &c));
	CHECK(c.n == 260);
	for (size_t i = 0; i < c.n; i++)
		CHECK(c.v[i].rev == i + 1 && period_cmp(&c.v[i].period, &m3) == 0);
	c.stop_at = 256;
	c.ret = 7;
	CHECK_OK(walk(s, W_REV, "X", "x", NULL, NULL, &c));
	CHECK(c.n == 256);
	c.ret = PW_EFINAL;
	CHECK_RC(walk(s, W_REV, "X", "x", NULL, NULL, &c), PW_EFINAL);
	free(c.v);
	free(v);
	store_free(s);
}

static void test_series_list(void)
{
	char dir[1100];
	struct store *s;
	struct store_obs v[32];
	struct coll c = { 0 };
	size_t n = 0;

	mk_dir(dir, sizeof(dir), "series");
	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_OK(walk(s, W_SERIES, NULL, NULL, NULL, NULL, &c));
	CHECK(c.n == 0);
	for (int y = 2020; y <= 2024; y++)
		obs_fill(&v[n++], "A", "x", annual(y), y, 1);
	for (int m = 1; m <= 12; m++)
		obs_fill(&v[n++], "A", "xy", month(2023, m), m, 1);
	obs_fill(&v[n++], "AA", "x", quarter(2025, 1), 5, 1);
	obs_fill(&v[n++], "B", "x", month(1999, 1), 6, 1);
	obs_fill(&v[n++], "B", "x", month(1999, 1), 6.5, 2);
	obs_fill(&v[n++], "A", "x", month(2022, 7), 7, 1); /* the annual 2024 stays newest */
	CHECK_OK(put_n(s, v, n));

	CHECK_OK(walk(s, W_SERIES, NULL, NULL, NULL, NULL, &c));
	CHECK(c.n == 4);
	CHECK(obs_eq(&c.v[0], &v[4]));   /* A/x 2024 */
	CHECK(obs_eq(&c.v[1], &v[16]));  /* A/xy 2023-12 */
	CHECK(obs_eq(&c.v[2], &v[17]));  /* AA/x 2025Q1 */
	CHECK(obs_eq(&c.v[3], &v[19]));  /* B/x 1999-01, rev 2 */
	c.stop_at = 2;
	c.ret = 1;
	CHECK_OK(walk(s, W_SERIES, NULL, NULL, NULL, NULL, &c));
	CHECK(c.n == 2);
	c.ret = PW_ENOMEM;
	CHECK_RC(walk(s, W_SERIES, NULL, NULL, NULL, NULL, &c), PW_ENOMEM);
	free(c.v);
	store_free(s);
}

static void test_obs_last(void)
{
	char dir[1100], longid[STORE_ID_MAX + 2];
	struct store *s;
	struct store_obs v[16], got, keep;
	size_t n = 0;

	mk_dir(dir, sizeof(dir), "obslast");
	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_RC(last1(s, "A", "x", 0, &got), PW_ENOTFOUND);
	obs_fill(&v[n++], "A", "x", annual(2020), 1, 1);
	obs_fill(&v[n++], "A", "x", month(2024, 12), 2, 1);
	obs_fill(&v[n++], "A", "x", quarter(2024, 4), 3, 1); /* months sort after quarters */
	obs_fill(&v[n++], "A", "x", month(2024, 12), 4, 2);  /* a revision stays the newest */
	obs_fill(&v[n++], "A", "xy", month(2030, 1), 5, 1); /* neighbours share a prefix */
	obs_fill(&v[n++], "A", "w", month(2031, 1), 6, 1);
	obs_fill(&v[n++], "AA", "x", month(2032, 1), 7, 1);
	obs_fill(&v[n++], "B", "b", annual(2010), 8, 1);
	obs_fill(&v[n++], "B", "b", annual(2011), 9, 1);
	v[n - 1].flags = STORE_OBS_BACKFILL;
	obs_fill(&v[n++], "C", "only", annual(1990), 10, 1); /* the table's last key */
	v[n - 1].flags = STORE_OBS_BACKFILL;
	CHECK_OK(put_n(s, v, n));

	CHECK_OK(last1(s, "A", "x", 0, &got));
	CHECK(obs_eq(&got, &v[3]));
	CHECK_OK(last1(s, "A", "xy", 0, &got));
	CHECK(obs_eq(&got, &v[4]));
	CHECK_OK(last1(s, "A", "w", 0, &got));
	CHECK(obs_eq(&got, &v[5]));
	CHECK_OK(last1(s, "AA", "x", 0, &got));
	CHECK(obs_eq(&got, &v[6]));
	CHECK_OK(last1(s, "B", "b", 0, &got));
	CHECK(obs_eq(&got, &v[8]));
	CHECK_OK(last1(s, "B", "b", STORE_OBS_BACKFILL, &got)); /* steps back over backfill */
	CHECK(obs_eq(&got, &v[7]));
	CHECK_OK(last1(s, "C", "only", 0, &got));
	CHECK(obs_eq(&got, &v[9]));
	/* Up to a period: the one itself, the newest before one the series lacks, none. */
	struct period q4 = quarter(2024, 4), m11 = month(2024, 11), y2019 = annual(2019);
	CHECK_OK(last_upto(s, "A", "x", &q4, 0, &got));
	CHECK(obs_eq(&got, &v[2]));
	CHECK_OK(last_upto(s, "A", "x", &m11, 0, &got));
	CHECK(obs_eq(&got, &v[2]));
	CHECK_RC(last_upto(s, "A", "x", &y2019, 0, &got), PW_ENOTFOUND);
	struct period y2011 = annual(2011);
	CHECK_OK(last_upto(s, "B", "b", &y2011, STORE_OBS_BACKFILL, &got));
	CHECK(obs_eq(&got, &v[7]));
	/* Not found: *out untouched. */
	keep = got;
	CHECK_RC(last1(s, "C", "only", STORE_OBS_BACKFILL, &got), PW_ENOTFOUND);
	CHECK(obs_eq(&got, &keep));
	CHECK_RC(last1(s, "A", "v", 0, &got), PW_ENOTFOUND);
	CHECK_RC(last1(s, "A", "z", 0, &got), PW_ENOTFOUND);
	CHECK_RC(last1(s, "D", "x", 0, &got), PW_ENOTFOUND);
	CHECK_RC(last1(s, "0", "x", 0, &got), PW_ENOTFOUND);
	/* Argument checks. */
	memset(longid, 'i', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	CHECK_RC(last1(s, "A", longid, 0, &got), PW_ETOOBIG);
	CHECK_RC(last1(s, "", "x", 0, &got), PW_EINVAL);
	CHECK_RC(last1(s, NULL, "x", 0, &got), PW_EINVAL);
	CHECK_RC(last1(s, "A", "x", 0, NULL), PW_EINVAL);
	store_free(s);
}

/* ---- notification log ---- */

struct logs {
	size_t n;
	const char *topic;
	uint64_t first; /* expected seq of the first append */
	int fail;
};

static void body_for(uint64_t seq, uint8_t *buf, size_t *len)
{
	*len = (size_t)(seq % 7) * 3; /* includes empty bodies */
	for (size_t i = 0; i < *len; i++)
		buf[i] = (uint8_t)(seq * 31 + i); /* includes NULs */
}

static int logs_fn(struct store_txn *t, void *arg)
{
	struct logs *a = arg;
	uint64_t seq, last;
	uint8_t body[32];
	size_t len;

	CHECK_OK(store_log_last(t, &last));
	CHECK(last + 1 == a->first);
	for (size_t i = 0; i < a->n; i++) {
		body_for(a->first + i, body, &len);
		CHECK_OK(store_log_append(t, a->topic, len ? body : NULL, len, &seq));
		CHECK(seq == a->first + i);
		CHECK_OK(store_log_last(t, &last));
		CHECK(last == seq);
	}
	return a->fail;
}

static int log_limits_fn(struct store_txn *t, void *arg)
{
	char topic[STORE_TOPIC_MAX + 2];
	uint64_t seq = 99, *next = arg;

	memset(topic, 't', sizeof(topic) - 1);
	topic[sizeof(topic) - 1] = '\0';
	CHECK_RC(store_log_append(t, topic, "b", 1, &seq), PW_ETOOBIG);
	CHECK_RC(store_log_append(t, NULL, "b", 1, &seq), PW_EINVAL);
	CHECK_RC(store_log_append(t, "x", NULL, 1, &seq), PW_EINVAL);
	CHECK_RC(store_log_last(t, NULL), PW_EINVAL);
	CHECK_RC(store_log_since(t, 0, NULL, NULL), PW_EINVAL);
	CHECK(seq == 99);
	topic[STORE_TOPIC_MAX] = '\0';
	CHECK_OK(store_log_append(t, topic, "", 0, &seq));
	CHECK(seq == *next);
	return 0;
}

static void check_log(struct store *s, uint64_t n, const char *topic200)
{
	struct lcoll c = { 0 };
	uint8_t body[32];
	size_t len;

	CHECK(log_last(s) == n);
	for (uint64_t after = 0; after <= n + 1; after++) {
		CHECK_OK(log_since(s, after, &c));
		CHECK(c.n == (after < n ? n - after : 0));
		for (size_t i = 0; i < c.n; i++) {
			uint64_t seq = after + 1 + i;
			CHECK(c.v[i].seq == seq);
			if (seq == 9) {
				CHECK(strcmp(c.v[i].topic, topic200) == 0 && c.v[i].len == 0);
				continue;
			}
			body_for(seq, body, &len);
			CHECK(strcmp(c.v[i].topic, seq <= 3 ? "breach.a.b" : "change.x") == 0);
			CHECK(c.v[i].len == len && memcmp(c.v[i].body, body, len) == 0);
		}
	}
	CHECK_OK(log_since(s, UINT64_MAX, &c));
	CHECK(c.n == 0);
	c.stop_at = 2;
	c.ret = 3;
	CHECK_OK(log_since(s, 0, &c));
	CHECK(c.n == 2);
	c.ret = PW_ESTORE;
	CHECK_RC(log_since(s, 0, &c), PW_ESTORE);
	lcoll_clear(&c);
	free(c.v);
}

static void test_log(void)
{
	char dir[1100], topic200[STORE_TOPIC_MAX + 1];
	struct store *s;
	struct lcoll c = { 0 };
	uint64_t next;

	memset(topic200, 't', STORE_TOPIC_MAX);
	topic200[STORE_TOPIC_MAX] = '\0';
	mk_dir(dir, sizeof(dir), "log");
	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK(log_last(s) == 0);
	CHECK_OK(log_since(s, 0, &c));
	CHECK(c.n == 0);

	struct logs a = { .n = 3, .topic = "breach.a.b", .first = 1 };
	CHECK_OK(store_write(s, logs_fn, &a));
	a = (struct logs){ .n = 0, .topic = "change.x", .first = 4 };
	CHECK_OK(store_write(s, logs_fn, &a));
	/* An aborted txn consumes no seq. */
	a = (struct logs){ .n = 4, .topic = "change.x", .first = 4, .fail = PW_EBATCH };
	CHECK_RC(store_write(s, logs_fn, &a), PW_EBATCH);
	a = (struct logs){ .n = 5, .topic = "change.x", .first = 4 };
	CHECK_OK(store_write(s, logs_fn, &a));
	next = 9;
	CHECK_OK(store_write(s, log_limits_fn, &next));
	check_log(s, 9, topic200);
	store_free(s);

	CHECK_OK(store_open(&s, dir, 0, 0));
	check_log(s, 9, topic200);
	a = (struct logs){ .n = 2, .topic = "change.x", .first = 10 };
	CHECK_OK(store_write(s, logs_fn, &a));
	check_log(s, 11, topic200);
	store_free(s);
	free(c.v);
}

/* ---- opaque tables ---- */

static int kv_write_fn(struct store_txn *t, void *arg)
{
	char big[1000];
	(void)arg;
	memset(big, 'z', sizeof(big));
	CHECK_OK(store_alert_put(t, "p", "b", "abc", 3));
	CHECK_OK(store_alert_put(t, "p", "a", "old", 3));
	CHECK_OK(store_alert_put(t, "p", "a", big, sizeof(big))); /* overwrite */
	CHECK_OK(store_alert_put(t, "q", "a", NULL, 0));
	CHECK_OK(store_alert_put(t, "p", "del", "x", 1));
	CHECK_OK(store_alert_del(t, "p", "del"));
	CHECK_RC(store_alert_del(t, "p", "del"), PW_ENOTFOUND);
	CHECK_RC(store_alert_put(t, "p", "", "x", 1), PW_EINVAL);
	CHECK_RC(store_alert_put(t, "p", "a", NULL, 1), PW_EINVAL);

	CHECK_OK(store_msgid_put(t, "dept", "m1", "reply-1", 7));
	CHECK_OK(store_msgid_put(t, "", "", "anon", 4));
	CHECK_OK(store_msgid_put(t, "统计局", "m1", "reply-2", 7));
	char longd[STORE_DEPT_MAX + 2];
	memset(longd, 'd', sizeof(longd) - 1);
	longd[sizeof(longd) - 1] = '\0';
	CHECK_RC(store_msgid_put(t, longd, "m", "x", 1), PW_ETOOBIG);
	CHECK_RC(store_msgid_put(t, NULL, "m", "x", 1), PW_EINVAL);

	double target = 6.5;
	CHECK_OK(store_meta_put(t, "target/p/i", &target, sizeof(target)));
	CHECK_OK(store_meta_put(t, "empty", "", 0));
	CHECK_RC(store_meta_put(t, "schema", "\2\0\0\0", 4), PW_EINVAL);
	CHECK_RC(store_meta_put(t, "", "x", 1), PW_EINVAL);
	CHECK_RC(store_meta_put(t, NULL, "x", 1), PW_EINVAL);
	return 0;
}

struct alerts {
	char keys[8][140];
	size_t lens[8];
	size_t n, stop_at;
	int ret;
};

static int alert_cb(const char *plan, const char *ind, const void *buf, size_t len, void *arg)
{
	struct alerts *a = arg;
	CHECK(a->n < 8);
	snprintf(a->keys[a->n], sizeof(a->keys[0]), "%s/%s", plan, ind);
	a->lens[a->n] = len;
	if (len)
		CHECK(buf);
	a->n++;
	return a->stop_at && a->n == a->stop_at ? a->ret : 0;
}

static int kv_read_fn(struct store_txn *t, void *arg)
{
	char buf[1000];
	size_t len;
	(void)arg;

	len = 777;
	CHECK_RC(store_alert_get(t, "p", "none", buf, sizeof(buf), &len), PW_ENOTFOUND);
	CHECK(len == 777);
	CHECK_RC(store_alert_get(t, "p", "del", buf, sizeof(buf), &len), PW_ENOTFOUND);
	CHECK_OK(store_alert_get(t, "p", "b", buf, 3, &len));
	CHECK(len == 3 && memcmp(buf, "abc", 3) == 0);
	CHECK_RC(store_alert_get(t, "p", "b", buf, 2, &len), PW_ETOOBIG);
	CHECK(len == 3);
	len = 0;
	CHECK_RC(store_alert_get(t, "p", "b", NULL, 0, &len), PW_ETOOBIG);
	CHECK(len == 3);
	CHECK_RC(store_alert_get(t, "p", "b", NULL, 5, &len), PW_EINVAL);
	CHECK_RC(store_alert_get(t, "p", "b", buf, 5, NULL), PW_EINVAL);
	CHECK_OK(store_alert_get(t, "p", "a", buf, sizeof(buf), &len));
	CHECK(len == 1000 && buf[0] == 'z' && buf[999] == 'z');
	CHECK_OK(store_alert_get(t, "q", "a", NULL, 0, &len));
	CHECK(len == 0);

	struct alerts al = { .n = 0 };
	CHECK_OK(store_alert_list(t, alert_cb, &al));
	CHECK(al.n == 3);
	CHECK(strcmp(al.keys[0], "p/a") == 0 && al.lens[0] == 1000);
	CHECK(strcmp(al.keys[1], "p/b") == 0 && al.lens[1] == 3);
	CHECK(strcmp(al.keys[2], "q/a") == 0 && al.lens[2] == 0);
	al = (struct alerts){ .stop_at = 1, .ret = 1 };
	CHECK_OK(store_alert_list(t, alert_cb, &al));
	CHECK(al.n == 1);
	al = (struct alerts){ .stop_at = 2, .ret = PW_EDEPT };
	CHECK_RC(store_alert_list(t, alert_cb, &al), PW_EDEPT);

	CHECK_OK(store_msgid_get(t, "dept", "m1", buf, sizeof(buf), &len));
	CHECK(len == 7 && memcmp(buf, "reply-1", 7) == 0);
	CHECK_OK(store_msgid_get(t, "统计局", "m1", buf, sizeof(buf), &len));
	CHECK(len == 7 && memcmp(buf, "reply-2", 7) == 0);
	CHECK_OK(store_msgid_get(t, "", "", buf, sizeof(buf), &len));
	CHECK(len == 4 && memcmp(buf, "anon", 4) == 0);
	CHECK_RC(store_msgid_get(t, "dept", "m2", buf, sizeof(buf), &len), PW_ENOTFOUND);
	CHECK_RC(store_msgid_get(t, "dep", "tm1", buf, sizeof(buf), &len), PW_ENOTFOUND);
	CHECK_RC(store_msgid_get(t, "dept", "m1", buf, 6, &len), PW_ETOOBIG);
	CHECK(len == 7);

	double target = 0;
	CHECK_OK(store_meta_get(t, "target/p/i", &target, sizeof(target), &len));
	CHECK(len == sizeof(target) && target == 6.5);
	CHECK_RC(store_meta_get(t, "target/p/i", buf, 4, &len), PW_ETOOBIG);
	CHECK(len == sizeof(target));
	CHECK_OK(store_meta_get(t, "empty", buf, 0, &len));
	CHECK(len == 0);
	CHECK_RC(store_meta_get(t, "target/p/j", buf, sizeof(buf), &len), PW_ENOTFOUND);
	CHECK_OK(store_meta_get(t, "schema", buf, sizeof(buf), &len));
	CHECK(len == 4 && memcmp(buf, "\10\0\0\0", 4) == 0);
	return 0;
}

static void test_kv(void)
{
	char dir[1100];
	struct store *s;

	mk_dir(dir, sizeof(dir), "kv");
	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_OK(store_write(s, kv_write_fn, NULL));
	CHECK_OK(store_read(s, kv_read_fn, NULL));
	store_free(s);
	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_OK(store_read(s, kv_read_fn, NULL));
	store_free(s);
}

/* ---- verdict and due: records per (plan or owner, indicator, period) ---- */

struct per_seen {
	char keys[16][80];
	int n, stop_at;
};

static int per_cb(const char *a, const char *ind, const struct period *p, const void *buf,
		  size_t len, void *arg)
{
	struct per_seen *w = arg;
	char per[PERIOD_TEXT_MAX];
	period_format(p, per);
	CHECK(w->n < 16);
	snprintf(w->keys[w->n++], 80, "%s/%s/%s=%.*s", a, ind, per, (int)len, (const char *)buf);
	return w->stop_at && w->n == w->stop_at ? 1 : 0;
}

static int per_write_fn(struct store_txn *t, void *arg)
{
	(void)arg;
	struct period q3 = { 2025, PERIOD_QUARTER, 3 }, y = { 2025, PERIOD_ANNUAL, 0 },
		      m = { 2024, PERIOD_MONTH, 12 }, span = { 2025, PERIOD_SPAN, 5 };
	CHECK_OK(store_verdict_put(t, "p", "gdp", &q3, "q3", 2));
	CHECK_OK(store_verdict_put(t, "p", "gdp", &span, "s", 1));
	CHECK_OK(store_verdict_put(t, "p", "gdp", &y, "y", 1));
	CHECK_OK(store_verdict_put(t, "p", "gdp", &m, "m", 1));
	CHECK_OK(store_verdict_put(t, "p", "gdpx", &y, "x", 1));
	CHECK_OK(store_verdict_put(t, "p", "abc", &q3, "a", 1));
	CHECK_OK(store_verdict_put(t, "pq", "gdp", &y, "pq", 2)); /* not a record of "p" */
	CHECK_OK(store_verdict_put(t, "p", "gdp", &q3, "Q3", 2)); /* replaced */
	CHECK_OK(store_due_put(t, "350505", "gdp", &q3, "d1", 2));
	CHECK_OK(store_due_put(t, "350505", "pm25", &m, "d2", 2));
	CHECK_RC(store_due_del(t, "350505", "gdp", &y), PW_ENOTFOUND);
	CHECK_RC(store_verdict_put(t, "", "gdp", &y, "e", 1), PW_EINVAL);
	CHECK_RC(store_verdict_put(t, "p", "", &y, "e", 1), PW_EINVAL);
	CHECK_RC(store_verdict_put(t, "p", "gdp", NULL, "e", 1), PW_EINVAL);
	return 0;
}

/* The verdicts of plan "p" with from <= period <= to, as "plan/ind/period=value". */
static struct per_seen vlist(struct store_txn *t, const char *plan, const struct period *from,
			     const struct period *to, int stop_at)
{
	struct per_seen w = { .stop_at = stop_at };
	CHECK_OK(store_verdict_list(t, plan, from, to, per_cb, &w));
	return w;
}

static bool seen_eq(const struct per_seen *w, const char *const *want, int n)
{
	if (w->n != n)
		return false;
	for (int i = 0; i < n; i++)
		if (strcmp(w->keys[i], want[i]) != 0)
			return false;
	return true;
}

static int per_read_fn(struct store_txn *t, void *arg)
{
	struct period q3 = { 2025, PERIOD_QUARTER, 3 }, y = { 2025, PERIOD_ANNUAL, 0 },
		      q1 = { 2025, PERIOD_QUARTER, 1 }, q2 = { 2025, PERIOD_QUARTER, 2 };
	char buf[8];
	size_t len;
	struct per_seen w;
	(void)arg;
	CHECK_OK(store_verdict_get(t, "p", "gdp", &q3, buf, sizeof(buf), &len));
	CHECK(len == 2 && memcmp(buf, "Q3", 2) == 0);
	CHECK_OK(store_verdict_get(t, "p", "abc", &q3, buf, sizeof(buf), &len));
	CHECK(len == 1 && buf[0] == 'a');
	CHECK_OK(store_verdict_get(t, "pq", "gdp", &y, buf, sizeof(buf), &len));
	CHECK(len == 2 && memcmp(buf, "pq", 2) == 0);
	CHECK_RC(store_verdict_get(t, "p", "abc", &y, buf, sizeof(buf), &len), PW_ENOTFOUND);
	CHECK_RC(store_verdict_get(t, "p", "gdp", &q3, buf, 1, &len), PW_ETOOBIG);
	/* A plan's verdicts period by period (2024-12, 2025, 2025Q3, then the span ending in
	 * 2025), in a period by indicator: what one release wrote is side by side. Never plan
	 * "pq"'s, whose name starts with "p". */
	static const char *const all[] = { "p/gdp/2024-12=m", "p/gdp/2025=y", "p/gdpx/2025=x",
					   "p/abc/2025Q3=a", "p/gdp/2025Q3=Q3", "p/gdp/2021-2025=s" };
	w = vlist(t, "p", NULL, NULL, 0);
	CHECK(seen_eq(&w, all, 6));
	/* Bounds by period, either end inclusive, also between the stored periods. */
	w = vlist(t, "p", &y, &y, 0);
	CHECK(seen_eq(&w, all + 1, 2));
	w = vlist(t, "p", &q1, NULL, 0);
	CHECK(seen_eq(&w, all + 3, 3));
	w = vlist(t, "p", NULL, &q2, 0);
	CHECK(seen_eq(&w, all, 3));
	w = vlist(t, "p", &q1, &q2, 0);
	CHECK(w.n == 0);
	w = vlist(t, "p", NULL, NULL, 2); /* the callback stops the walk */
	CHECK(w.n == 2);
	static const char *const pq[] = { "pq/gdp/2025=pq" };
	w = vlist(t, "pq", NULL, NULL, 0);
	CHECK(seen_eq(&w, pq, 1));
	w = vlist(t, "none", NULL, NULL, 0);
	CHECK(w.n == 0);
	CHECK_RC(store_verdict_list(t, NULL, NULL, NULL, per_cb, &w), PW_EINVAL);
	CHECK_RC(store_verdict_list(t, "", NULL, NULL, per_cb, &w), PW_EINVAL);
	CHECK_RC(store_verdict_list(t, "p", NULL, NULL, NULL, &w), PW_EINVAL);
	w = (struct per_seen){ .n = 0 };
	CHECK_OK(store_due_list(t, per_cb, &w));
	CHECK(w.n == (arg ? 1 : 2) && strcmp(w.keys[w.n - 1], "350505/pm25/2024-12=d2") == 0);
	return 0;
}

static int per_del_fn(struct store_txn *t, void *arg)
{
	struct period q3 = { 2025, PERIOD_QUARTER, 3 };
	(void)arg;
	return store_due_del(t, "350505", "gdp", &q3);
}

static void verify_quiet(const char *problem, void *arg)
{
	fprintf(stderr, "verify: %s\n", problem);
	(void)arg;
}

static void test_verdict_due(void)
{
	char dir[1100];
	struct store *s;
	mk_dir(dir, sizeof(dir), "per");
	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_OK(store_write(s, per_write_fn, NULL));
	CHECK_OK(store_read(s, per_read_fn, NULL));
	CHECK_OK(store_write(s, per_del_fn, NULL));
	store_free(s);
	CHECK_OK(store_open(&s, dir, 0, 0)); /* durable; the deleted entry stays gone */
	CHECK_OK(store_read(s, per_read_fn, (void *)1));
	struct store_verify_counts n;
	CHECK_OK(store_verify(s, verify_quiet, NULL, &n));
	CHECK(n.problems == 0 && n.others >= 7 + 1);
	store_free(s);
	/* The key as docs/MODEL.md gives it: plan\0period(4)\0ind, the value sealed. */
	struct raw r;
	uint8_t v[8];
	static const uint8_t key[] = { 'p', 0, 2025 >> 8, 2025 & 0xff, PERIOD_QUARTER, 3, 0, 'g', 'd', 'p' };
	raw_begin(&r, dir);
	CHECK(raw_get(&r, "verdict", key, sizeof(key), v, sizeof(v)) == 2 + 4 && memcmp(v, "Q3", 2) == 0);
	raw_end(&r);
}

/* ---- quarantine ---- */

#define BIG_RAW (100 * 1024)

static void raw_for(uint64_t id, uint8_t *buf, size_t *len)
{
	*len = id == 2 ? 0 : id == 3 ? BIG_RAW : 10 + id;
	for (size_t i = 0; i < *len; i++)
		buf[i] = (uint8_t)(i * id); /* NULs included */
}

struct quar {
	size_t n;
	uint64_t first;
	uint8_t *buf;
};

static int quar_put_fn(struct store_txn *t, void *arg)
{
	struct quar *q = arg;
	for (size_t i = 0; i < q->n; i++) {
		uint64_t id = q->first + i;
		struct store_reject r = { .recv_ms = -(int64_t)id, .code = PW_EPROTO - (int)id };
		snprintf(r.dept, sizeof(r.dept), "dept%u", (unsigned)id);
		snprintf(r.peer, sizeof(r.peer), "%s", id % 2 ? "ipc" : "");
		memset(r.detail, 'd', id == 3 ? STORE_REASON_MAX : id);
		raw_for(id, q->buf, &r.raw_len);
		r.raw = r.raw_len ? q->buf : NULL;
		CHECK_OK(store_quarantine_put(t, &r));
		CHECK(r.id == id);
	}
	struct store_reject bad = { .code = 1 };
	memset(bad.peer, 'x', sizeof(bad.peer));
	CHECK_RC(store_quarantine_put(t, &bad), PW_EINVAL);
	bad.peer[0] = '\0';
	bad.raw_len = 3;
	CHECK_RC(store_quarantine_put(t, &bad), PW_EINVAL);
	CHECK_RC(store_quarantine_put(t, NULL), PW_EINVAL);
	return 0;
}

static void check_reject(const struct store_reject *r, uint8_t *buf)
{
	size_t len;
	CHECK(r->recv_ms == -(int64_t)r->id && r->code == PW_EPROTO - (int)r->id);
	CHECK(strcmp(r->peer, r->id % 2 ? "ipc" : "") == 0);
	CHECK(strlen(r->detail) == (r->id == 3 ? STORE_REASON_MAX : r->id));
	raw_for(r->id, buf, &len);
	CHECK(r->raw_len == len && (len == 0 || memcmp(r->raw, buf, len) == 0));
}

struct qlist {
	uint64_t after, ids[8];
	size_t n;
	uint8_t *buf;
};

static int qlist_cb(const struct store_reject *r, void *arg)
{
	struct qlist *l = arg;
	CHECK(l->n < 8);
	check_reject(r, l->buf);
	l->ids[l->n++] = r->id;
	return 0;
}

static int quar_read_fn(struct store_txn *t, void *arg)
{
	struct quar *q = arg;
	struct store_reject r;
	for (uint64_t id = 1; id <= q->n; id++) {
		CHECK_OK(store_quarantine_get(t, id, &r));
		CHECK(r.id == id);
		check_reject(&r, q->buf);
	}
	CHECK_RC(store_quarantine_get(t, 0, &r), PW_ENOTFOUND);
	CHECK_RC(store_quarantine_get(t, q->n + 1, &r), PW_ENOTFOUND);
	for (uint64_t after = 0; after <= q->n + 1; after++) {
		struct qlist l = { .after = after, .buf = q->buf };
		CHECK_OK(store_quarantine_list(t, after, qlist_cb, &l));
		CHECK(l.n == (after < q->n ? q->n - after : 0));
		for (size_t i = 0; i < l.n; i++)
			CHECK(l.ids[i] == after + 1 + i);
	}
	return 0;
}

static void test_quarantine(void)
{
	char dir[1100];
	struct store *s;
	uint8_t *buf = malloc(BIG_RAW);
	struct quar q = { .n = 3, .first = 1, .buf = buf };

	CHECK(buf);
	mk_dir(dir, sizeof(dir), "quar");
	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_OK(store_write(s, quar_put_fn, &q));
	CHECK_OK(store_read(s, quar_read_fn, &q));
	store_free(s);
	CHECK_OK(store_open(&s, dir, 0, 0));
	q = (struct quar){ .n = 2, .first = 4, .buf = buf };
	CHECK_OK(store_write(s, quar_put_fn, &q));
	q.n = 5;
	CHECK_OK(store_read(s, quar_read_fn, &q));
	struct store_stat st;
	CHECK_OK(store_stat(s, &st));
	CHECK(st.n_quar == 5);
	store_free(s);
	free(buf);
}

/* ---- transactions ---- */

struct abort_arg {
	struct store *s;
	int ret;
};

static int abort_fn(struct store_txn *t, void *arg)
{
	struct abort_arg *a = arg;
	struct store_obs o;
	struct store_reject r = { .code = PW_EPROTO, .raw = "x", .raw_len = 1 };
	uint64_t seq;

	obs_fill(&o, "ab", "ort", month(2024, 1), 1, 1);
	CHECK_OK(store_obs_put(t, &o));
	CHECK_OK(store_log_append(t, "change.ab", "b", 1, &seq));
	CHECK_OK(store_alert_put(t, "ab", "ort", "s", 1));
	CHECK_OK(store_msgid_put(t, "d", "m", "r", 1));
	CHECK_OK(store_meta_put(t, "k", "v", 1));
	CHECK_OK(store_quarantine_put(t, &r));
	/* Nested transactions would deadlock or move the map under this one. */
	CHECK_RC(store_write(a->s, abort_fn, a), PW_EINVAL);
	CHECK_RC(store_read(a->s, abort_fn, a), PW_EINVAL);
	CHECK_RC(store_backup(a->s, "/nonexistent"), PW_EINVAL);
	return a->ret;
}

static int absent_fn(struct store_txn *t, void *arg)
{
	struct store_obs o;
	struct store_reject r;
	struct period p = month(2024, 1);
	uint8_t buf[8];
	size_t len;
	uint64_t seq;
	(void)arg;
	CHECK_RC(store_obs_get(t, "ab", "ort", &p, &o), PW_ENOTFOUND);
	CHECK_OK(store_log_last(t, &seq));
	CHECK(seq == 0);
	CHECK_RC(store_alert_get(t, "ab", "ort", buf, sizeof(buf), &len), PW_ENOTFOUND);
	CHECK_RC(store_msgid_get(t, "d", "m", buf, sizeof(buf), &len), PW_ENOTFOUND);
	CHECK_RC(store_meta_get(t, "k", buf, sizeof(buf), &len), PW_ENOTFOUND);
	CHECK_RC(store_quarantine_get(t, 1, &r), PW_ENOTFOUND);
	return 0;
}

static void test_abort(void)
{
	char dir[1100];
	struct store *s;
	struct store_stat st;
	struct store_obs o;

	mk_dir(dir, sizeof(dir), "abort");
	CHECK_OK(store_open(&s, dir, 0, 0));
	struct abort_arg a = { .s = s, .ret = PW_EBOUNDS };
	CHECK_RC(store_write(s, abort_fn, &a), PW_EBOUNDS);
	CHECK_OK(store_read(s, absent_fn, NULL));
	CHECK_OK(store_stat(s, &st));
	CHECK(st.n_obs == 0 && st.n_rev == 0 && st.n_log == 0 && st.n_alert == 0 &&
	      st.n_msgid == 0 && st.n_quar == 0);
	store_free(s);
	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_OK(store_read(s, absent_fn, NULL));
	/* A positive return is not an error: committed, store_write returns 0. */
	a = (struct abort_arg){ .s = s, .ret = 1 };
	CHECK_OK(store_write(s, abort_fn, &a));
	CHECK_OK(get1(s, "ab", "ort", month(2024, 1), &o));
	CHECK_OK(store_stat(s, &st));
	CHECK(st.n_obs == 1 && st.n_rev == 1 && st.n_log == 1 && st.n_alert == 1 &&
	      st.n_msgid == 1 && st.n_quar == 1 && st.last_seq == 1);
	store_free(s);
}

/* ---- map growth ---- */

struct bulk {
	size_t n, first;
	unsigned runs;
};

static void bulk_obs(struct store_obs *o, size_t i)
{
	char ind[16];
	snprintf(ind, sizeof(ind), "ind%03zu", i % 100);
	obs_fill(o, "growth", ind, month(1950 + (int)(i / 100 / 12), (int)(i / 100 % 12) + 1),
		 (double)i, 1);
	snprintf(o->reason, sizeof(o->reason), "bulk record %zu with a reason of some length", i);
}

static int bulk_fn(struct store_txn *t, void *arg)
{
	struct bulk *b = arg;
	struct store_obs o;
	uint64_t seq;
	int rc;

	b->runs++;
	for (size_t i = b->first; i < b->first + b->n; i++) {
		bulk_obs(&o, i);
		if ((rc = store_obs_put(t, &o)) < 0)
			return rc;
		if (i % 10 == 0 && (rc = store_log_append(t, "bulk", o.reason, 60, &seq)) < 0)
			return rc;
	}
	return 0;
}

/* Ignores every error, as a careless fn might: store_write must still notice MAP_FULL. */
static int sloppy_fn(struct store_txn *t, void *arg)
{
	struct bulk *b = arg;
	struct store_obs o;

	b->runs++;
	for (size_t i = b->first; i < b->first + b->n; i++) {
		bulk_obs(&o, i);
		(void)store_obs_put(t, &o);
	}
	return 0;
}

static void check_bulk(struct store *s, size_t n)
{
	struct store_obs o, got;
	for (size_t i = 0; i < n; i++) {
		bulk_obs(&o, i);
		CHECK_OK(get1(s, o.plan, o.ind, o.period, &got));
		CHECK(obs_eq(&o, &got));
	}
}

static void test_growth(void)
{
	char dir[1100];
	struct store *s;
	struct store_stat st;
	struct bulk b = { .n = 20000 };

	mk_dir(dir, sizeof(dir), "growth");
	CHECK_OK(store_open(&s, dir, 64 * KIB, 64 * MIB));
	CHECK_OK(store_stat(s, &st));
	CHECK(st.map_size == 64 * KIB);
	CHECK_OK(store_write(s, bulk_fn, &b));
	CHECK(b.runs >= 4); /* several MAP_FULL retries */
	CHECK_OK(store_stat(s, &st));
	CHECK(st.map_full_reruns == b.runs - 1);
	CHECK(st.map_size > 64 * KIB && st.map_size <= 64 * MIB);
	CHECK(st.n_obs == b.n && st.n_rev == b.n && st.n_log == b.n / 10);
	CHECK(st.map_used <= st.map_size && st.map_used <= st.file_size && st.file_size > 0);
	uint64_t grown = st.map_size;
	check_bulk(s, b.n);
	store_free(s);

	/* Reopening keeps the grown map instead of replaying the growth. */
	CHECK_OK(store_open(&s, dir, 64 * KIB, 64 * MIB));
	CHECK_OK(store_stat(s, &st));
	CHECK(st.map_size == grown);
	check_bulk(s, b.n);
	b = (struct bulk){ .n = 100, .first = 20000 };
	CHECK_OK(store_write(s, bulk_fn, &b));
	CHECK(b.runs == 1);
	b = (struct bulk){ .n = 30000, .first = 20100 };
	CHECK_OK(store_write(s, sloppy_fn, &b));
	CHECK(b.runs >= 2);
	check_bulk(s, 50100);
	store_free(s);
}

/* Many small writes, as a daemon makes them: the map grows between transactions, before it
 * fills, so no write is aborted on MDB_MAP_FULL and run again (each rerun replays the hot
 * index and holds the group's ACKs). */
static void test_grow_ahead(void)
{
	char dir[1100];
	struct store *s;
	struct store_stat st;
	unsigned runs = 0;

	mk_dir(dir, sizeof(dir), "ahead");
	CHECK_OK(store_open(&s, dir, 64 * KIB, 64 * MIB));
	for (size_t first = 0; first < 20000; first += 100) {
		struct bulk b = { .n = 100, .first = first };
		CHECK_OK(store_write(s, bulk_fn, &b));
		runs += b.runs;
	}
	CHECK_OK(store_stat(s, &st));
	printf("grow ahead: 200 writes of 100 into a 64 KiB map: %u runs, %llu reruns, map %llu KiB "
	       "(%llu KiB in use)\n", runs, (unsigned long long)st.map_full_reruns,
	       (unsigned long long)(st.map_size / KIB), (unsigned long long)(st.map_used / KIB));
	CHECK(st.map_size >= 1 * MIB); /* it did grow, several times */
	CHECK(st.map_full_reruns == 0 && runs == 200);
	check_bulk(s, 20000);
	store_free(s);
}

static void test_full(void)
{
	char dir[1100];
	struct store *s;
	struct store_stat st;
	struct bulk b = { .n = 50 };

	mk_dir(dir, sizeof(dir), "full");
	CHECK_OK(store_open(&s, dir, 64 * KIB, 256 * KIB));
	CHECK_OK(store_write(s, bulk_fn, &b));
	b = (struct bulk){ .n = 20000, .first = 50 };
	CHECK_RC(store_write(s, bulk_fn, &b), PW_EFULL);
	CHECK(b.runs == 3); /* 64 KiB, 128 KiB, 256 KiB */
	CHECK_OK(store_stat(s, &st));
	CHECK(st.map_size == 256 * KIB && st.n_obs == 50 && st.n_log == 5);
	check_bulk(s, 50);
	/* Still usable for what fits. */
	b = (struct bulk){ .n = 10, .first = 50 };
	CHECK_OK(store_write(s, bulk_fn, &b));
	store_free(s);
	CHECK_OK(store_open(&s, dir, 64 * KIB, 256 * KIB));
	check_bulk(s, 60);
	store_free(s);
}

/* ---- single writer, schema, corruption ---- */

static void test_busy(void)
{
	char dir[1100];
	struct store *s, *s2 = NULL;
	int status;

	mk_dir(dir, sizeof(dir), "busy");
	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_RC(store_open(&s2, dir, 0, 0), PW_EBUSY);
	CHECK(s2 == NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct store *s3;
		_exit(store_open(&s3, dir, 0, 0) == PW_EBUSY ? 0 : 1);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	store_free(s);
	CHECK_OK(store_open(&s2, dir, 0, 0));
	store_free(s2);
}

static const char *same_owner(const char *plan, void *arg)
{
	(void)arg;
	return plan;
}

static const char *NULL_owner(const char *plan, void *arg)
{
	(void)plan, (void)arg;
	return NULL;
}

/* Plan "M" belongs to region "R1"; anything else is unknown. */
static const char *region_of(const char *plan, void *arg)
{
	(void)arg;
	return strcmp(plan, "M") == 0 ? "R1" : NULL;
}

static const char *region_of2(const char *plan, void *arg)
{
	(void)arg;
	return strcmp(plan, "X") == 0 ? "R2" : region_of(plan, NULL);
}

/* A store given its verdict table by a migration: overdue_since near now, the rejudge mark
 * set. */
static int upgraded_fn(struct store_txn *t, void *arg)
{
	uint8_t buf[16];
	size_t len;
	(void)arg;
	CHECK_OK(store_meta_get(t, "overdue_since", buf, sizeof(buf), &len));
	int64_t since = (int64_t)bytes_get_le(buf, 8);
	CHECK(len == 8 && llabs(since - (int64_t)time(NULL) * 1000) < 600000);
	CHECK_OK(store_meta_get(t, "rejudge", buf, sizeof(buf), &len));
	CHECK(len == 1 && buf[0] == 1);
	return 0;
}

static int fresh_fn(struct store_txn *t, void *arg)
{
	uint8_t buf[16];
	size_t len;
	(void)arg;
	CHECK_OK(store_meta_get(t, "overdue_since", buf, sizeof(buf), &len));
	CHECK(len == 8);
	CHECK_RC(store_meta_get(t, "rejudge", buf, sizeof(buf), &len), PW_ENOTFOUND);
	return 0;
}

static void test_schema(void)
{
	char dir[1100], foreign[1100];
	struct store *s = NULL;
	struct raw r;
	/* future: a schema this build does not know; v2: schema 3 as it was written (a bare
	 * u32, values without checksums), which is migrated. */
	uint8_t v3[4] = { 6, 0, 0, 0 }, v2[4] = { 3, 0, 0, 0 };

	mk_dir(dir, sizeof(dir), "schema");
	CHECK_OK(store_open(&s, dir, 0, 0));
	store_free(s);
	s = NULL;

	raw_begin(&r, dir);
	raw_put(&r, "meta", "schema", 6, v3, 4);
	raw_end(&r);
	CHECK_RC(store_open(&s, dir, 0, 0), PW_ESTORE);
	raw_begin(&r, dir);
	raw_put(&r, "meta", "schema", 6, v2, 3);
	raw_end(&r);
	CHECK_RC(store_open(&s, dir, 0, 0), PW_ESTORE);
	raw_begin(&r, dir);
	raw_del(&r, "meta", "schema", 6);
	raw_end(&r);
	CHECK_RC(store_open(&s, dir, 0, 0), PW_ESTORE);
	CHECK(s == NULL);
	raw_begin(&r, dir);
	raw_put(&r, "meta", "schema", 6, v2, 4);
	raw_del(&r, "meta", "overdue_since", 13); /* schema 3 had none (nor a sealed value) */
	raw_end(&r);
	/* Schema 3 (keyed by plan) opens as 5 (every value sealed), refuses writes until
	 * store_migrate_owner has run. */
	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK(store_schema(s) == 5);
	struct store_obs o;
	obs_fill(&o, "p", "i", month(2024, 1), 1, 1);
	CHECK_RC(put_n(s, &o, 1), PW_ESTORE);
	char err[256];
	CHECK_OK(store_migrate_owner(s, same_owner, NULL, err, sizeof(err)));
	CHECK(store_schema(s) == 8);
	CHECK_OK(put_n(s, &o, 1));
	CHECK_OK(store_migrate_owner(s, NULL_owner, NULL, err, sizeof(err))); /* 8: nothing to do */
	CHECK_OK(store_read(s, upgraded_fn, NULL)); /* 5 -> 8 in one step: rejudge pending */
	store_free(s);

	/* Schema 6 (keyed by region, no verdict or due table) becomes 8 at open (6 -> 7 -> 8),
	 * with the meta keys that tell the daemon what is left to do; a fresh store has
	 * overdue_since only. */
	uint8_t v6[4] = { 6, 0, 0, 0 };
	raw_begin(&r, dir);
	raw_sput(&r, "meta", "schema", 6, v6, 4);
	raw_del(&r, "meta", "rejudge", 7);
	raw_del(&r, "meta", "overdue_since", 13);
	raw_end(&r);
	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK(store_schema(s) == 8);
	CHECK_OK(store_read(s, upgraded_fn, NULL));
	CHECK_OK(get1(s, "p", "i", month(2024, 1), &o));
	store_free(s);
	mk_dir(dir, sizeof(dir), "schema-fresh");
	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_OK(store_read(s, fresh_fn, NULL));
	store_free(s);

	/* An LMDB environment of someone else is not taken over. */
	mk_dir(foreign, sizeof(foreign), "foreign");
	raw_begin(&r, foreign);
	raw_put(&r, "theirs", "k", 1, "v", 1);
	raw_end(&r);
	s = NULL;
	CHECK_RC(store_open(&s, foreign, 0, 0), PW_ESTORE);
	CHECK(s == NULL);
}

/* True if the environment in dir has a table of that name. */
static bool raw_has_table(const char *dir, const char *name)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	CHECK(mdb_env_create(&env) == 0);
	CHECK(mdb_env_set_maxdbs(env, 16) == 0);
	CHECK(mdb_env_open(env, dir, MDB_NOTLS | MDB_RDONLY, 0600) == 0);
	CHECK(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0);
	int rc = mdb_dbi_open(txn, name, 0, &dbi);
	CHECK(rc == 0 || rc == MDB_NOTFOUND);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return rc == 0;
}

static void raw_drop(struct raw *r, const char *name)
{
	CHECK(mdb_drop(r->txn, raw_db(r, name), 1) == 0);
}

static void vid_key(uint8_t k[8], uint64_t vid)
{
	for (int i = 0; i < 8; i++)
		k[i] = (uint8_t)(vid >> (56 - 8 * i));
}

#define IDX_VAL_TEST 30 /* vid, rev, value, yoy, status, flags */

/* An idx value pointing at vid (head fields zero). */
static void idx_value(uint8_t v[IDX_VAL_TEST], uint64_t vid, uint32_t rev)
{
	memset(v, 0, IDX_VAL_TEST);
	for (int i = 0; i < 8; i++)
		v[i] = (uint8_t)(vid >> (8 * i));
	for (int i = 0; i < 4; i++)
		v[8 + i] = (uint8_t)(rev >> (8 * i));
}

/* A vin value: v1, idx key, prev vid, then the fields bytes. */
static size_t vin_value(uint8_t *out, const uint8_t *ikey, size_t ikl, uint64_t prev,
			const uint8_t *fields, size_t flen)
{
	out[0] = 1;
	out[1] = (uint8_t)ikl;
	memcpy(out + 2, ikey, ikl);
	for (int i = 0; i < 8; i++)
		out[2 + ikl + i] = (uint8_t)(prev >> (8 * i));
	memcpy(out + 2 + ikl + 8, fields, flen);
	return 2 + ikl + 8 + flen;
}

/* The fields bytes of vintage vid (what follows its key part). */
static size_t raw_fields(struct raw *r, uint64_t vid, uint8_t *out, size_t cap)
{
	uint8_t k[8], v[1024];
	vid_key(k, vid);
	size_t len = raw_get(r, "vin", k, 8, v, sizeof(v));
	size_t head = 2 + v[1] + 8, crc = 4; /* the fields lie between key part and CRC */
	CHECK(len > head + crc && len - head - crc <= cap);
	memcpy(out, v + head, len - head - crc);
	return len - head - crc;
}

static int no_old_count_fn(struct store_txn *t, void *arg)
{
	uint8_t buf[8];
	size_t len;
	(void)arg;
	CHECK_RC(store_meta_get(t, "n_obs", buf, sizeof(buf), &len), PW_ENOTFOUND);
	return 0;
}

/* Schema-1 (obs + rev) and schema-2 (rev) stores open as schema 3: every vintage moved to
 * vin in its chain, idx pointing at the newest, old tables gone, every read unchanged. */
static void test_migrate(int from)
{
	char dir[1100];
	struct store *s;
	struct store_obs v[4], got;
	struct store_stat st;
	struct raw r;
	uint8_t key[OBS_KEY_MAX_TEST + 4], fields[1024], val[1100], ver[4] = { (uint8_t)from, 0, 0, 0 };

	mk_dir(dir, sizeof(dir), from == 1 ? "migrate1" : "migrate2");
	CHECK_OK(store_open(&s, dir, 0, 0));
	obs_fill(&v[0], "M", "a", month(2024, 1), 1.5, 1);
	obs_fill(&v[1], "M", "a", month(2024, 1), 1.75, 2);
	obs_fill(&v[2], "M", "a", month(2024, 2), 2.5, 1);
	obs_fill(&v[3], "M", "b", month(2023, 12), -4, 1);
	v[3].flags = STORE_OBS_BACKFILL;
	CHECK_OK(put_n(s, v, 4));
	store_free(s);

	/* Rewrite it as the old schema stored it: rev key = idx key + rev (BE), value = v1 +
	 * fields; schema 1 also kept the newest vintage under the idx key in obs. */
	raw_begin(&r, dir);
	for (uint64_t vid = 1; vid <= 4; vid++) {
		const struct store_obs *o = &v[vid - 1];
		size_t kl = obs_key(key, o->plan, o->ind, o->period);
		key[kl] = 0, key[kl + 1] = 0, key[kl + 2] = 0, key[kl + 3] = (uint8_t)o->rev;
		size_t fl = raw_fields(&r, vid, fields, sizeof(fields));
		val[0] = 1;
		memcpy(val + 1, fields, fl);
		raw_put(&r, "rev", key, kl + 4, val, fl + 1);
		if (from == 1 && vid != 1)
			raw_put(&r, "obs", key, kl, val, fl + 1);
	}
	raw_drop(&r, "vin");
	raw_drop(&r, "idx");
	raw_put(&r, "meta", "schema", 6, ver, 4);
	if (from == 2)
		raw_put(&r, "meta", "n_obs", 5, "\3\0\0\0\0\0\0\0", 8);
	raw_end(&r);
	CHECK(raw_has_table(dir, "rev") && !raw_has_table(dir, "vin"));

	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK(store_schema(s) == 5); /* 1 and 2 become 5 at open; 5 -> 6 needs the owner map */
	char err[256];
	CHECK_RC(store_migrate_owner(s, NULL_owner, NULL, err, sizeof(err)), PW_EINVAL);
	CHECK(strstr(err, "plan 'M'") && store_schema(s) == 5);
	CHECK_OK(store_migrate_owner(s, same_owner, NULL, err, sizeof(err)));
	CHECK_OK(store_stat(s, &st));
	CHECK(st.n_obs == 3 && st.n_rev == 4);
	CHECK_OK(get1(s, "M", "a", month(2024, 1), &got));
	CHECK(obs_eq(&v[1], &got));
	CHECK_OK(get1(s, "M", "b", month(2023, 12), &got));
	CHECK(obs_eq(&v[3], &got));
	struct coll c = { 0 };
	CHECK_OK(walk(s, W_OBS, "M", "a", NULL, NULL, &c));
	CHECK(c.n == 2 && obs_eq(&c.v[0], &v[1]) && obs_eq(&c.v[1], &v[2]));
	CHECK_OK(walk(s, W_REV, "M", "a", NULL, NULL, &c));
	CHECK(c.n == 3 && obs_eq(&c.v[0], &v[0]) && obs_eq(&c.v[1], &v[1]));
	free(c.v);
	/* New vintages chain onto the migrated ones. */
	struct store_obs more = v[1];
	more.rev = 3;
	more.value = 1.875;
	CHECK_OK(put_n(s, &more, 1));
	CHECK_OK(store_stat(s, &st));
	CHECK(st.n_obs == 3 && st.n_rev == 5);
	store_free(s);
	CHECK(!raw_has_table(dir, "obs") && !raw_has_table(dir, "rev"));

	CHECK_OK(store_open(&s, dir, 0, 0));
	c = (struct coll){ 0 };
	struct period jan = month(2024, 1);
	CHECK_OK(walk(s, W_REV, "M", "a", &jan, &jan, &c));
	CHECK(c.n == 3 && c.v[0].rev == 1 && c.v[1].rev == 2 && obs_eq(&c.v[2], &more));
	free(c.v);
	CHECK_OK(store_read(s, no_old_count_fn, NULL));
	store_free(s);
}

/* Schema 3 -> 4: series move from plan "M" to region "R1" with every vintage and chain;
 * an unknown plan refuses the whole migration and leaves schema 3 readable as it was. */
static void test_rekey(void)
{
	char dir[1100], err[256];
	struct store *s;
	struct store_obs v[3], got;
	struct raw r;
	uint8_t ver[4] = { 5, 0, 0, 0 }; /* sealed, keyed by plan */

	mk_dir(dir, sizeof(dir), "rekey");
	CHECK_OK(store_open(&s, dir, 0, 0));
	obs_fill(&v[0], "M", "a", month(2024, 1), 1.5, 1);
	obs_fill(&v[1], "M", "a", month(2024, 1), 1.75, 2);
	obs_fill(&v[2], "X", "a", month(2024, 2), 9, 1);
	CHECK_OK(put_n(s, v, 3));
	store_free(s);
	raw_begin(&r, dir);
	raw_sput(&r, "meta", "schema", 6, ver, 4);
	raw_end(&r);

	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_RC(store_migrate_owner(s, region_of, NULL, err, sizeof(err)), PW_EINVAL);
	CHECK(strstr(err, "plan 'X' that the catalog does not know") && store_schema(s) == 5);
	CHECK_OK(get1(s, "M", "a", month(2024, 1), &got)); /* untouched */
	CHECK(obs_eq(&v[1], &got));
	store_free(s);

	/* With X known as well (region R2), every series moves. */
	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_OK(store_migrate_owner(s, region_of2, NULL, err, sizeof(err)));
	CHECK(store_schema(s) == 8);
	CHECK_OK(get1(s, "R2", "a", month(2024, 2), &got));
	CHECK(got.value == 9 && strcmp(got.plan, "R2") == 0);
	CHECK_RC(get1(s, "M", "a", month(2024, 1), &got), PW_ENOTFOUND);
	CHECK_OK(get1(s, "R1", "a", month(2024, 1), &got));
	CHECK(strcmp(got.plan, "R1") == 0 && got.rev == 2 && got.value == 1.75);
	struct coll c = { 0 };
	CHECK_OK(walk(s, W_REV, "R1", "a", NULL, NULL, &c));
	CHECK(c.n == 2 && c.v[0].rev == 1 && c.v[0].value == 1.5 && c.v[1].rev == 2);
	free(c.v);
	store_free(s);
}

/* ---- schema 7 -> 8: the verdict table re-keyed period-major ---- */

#define V7_PLANS 3
#define V7_INDS 20
#define V7_PERIODS 41 /* 2021-2025: each year, its quarters, months 1, 6, 12; then the span */

static const char *const v7_plans[V7_PLANS] = { "p", "pq", "quangang-14" }; /* "p" a prefix */

static struct period v7_period(int k)
{
	if (k == V7_PERIODS - 1)
		return (struct period){ 2025, PERIOD_SPAN, 5 };
	int y = 2021 + k / 8, j = k % 8;
	static const int months[3] = { 1, 6, 12 };
	return j == 0 ? annual(y) : j <= 4 ? quarter(y, j) : month(y, months[j - 5]);
}

static void v7_ind(char out[8], int j)
{
	/* "i1" before "i10": a shorter id that is a prefix of another */
	snprintf(out, 8, j < 10 ? "i%d" : "i%d0", j < 10 ? j : j - 9);
}

/* Not every indicator has every period; values of varied length name their record. */
static bool v7_has(int i, int j, int k)
{
	return (i + 3 * j + k) % 5 != 0;
}

static size_t v7_value(char *out, size_t cap, int i, int j, int k)
{
	char ind[8], per[PERIOD_TEXT_MAX];
	struct period p = v7_period(k);
	v7_ind(ind, j);
	period_format(&p, per);
	int n = snprintf(out, cap, "%s/%s/%s:%.*s", v7_plans[i], ind, per, (i * 7 + j * 3 + k) % 40,
			 "0123456789012345678901234567890123456789");
	CHECK(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

static uint64_t raw_entries(struct raw *r, const char *db)
{
	MDB_stat st;
	CHECK(mdb_stat(r->txn, raw_db(r, db), &st) == 0);
	return st.ms_entries;
}

/* A plan's verdicts in the order schema 8 lists them: by period, then indicator. */
struct v7_ent {
	struct period p;
	char ind[8];
	int j, k;
};

static int v7_ent_cmp(const void *x, const void *y)
{
	const struct v7_ent *a = x, *b = y;
	int r = period_cmp(&a->p, &b->p);
	return r ? r : strcmp(a->ind, b->ind);
}

struct v7_walk {
	int plan;
	struct v7_ent want[V7_INDS * V7_PERIODS];
	int n_want, n;
};

static int v7_walk_cb(const char *plan, const char *ind, const struct period *p, const void *buf,
		      size_t len, void *arg)
{
	struct v7_walk *w = arg;
	char val[128];
	CHECK(w->n < w->n_want);
	const struct v7_ent *e = &w->want[w->n++];
	size_t vl = v7_value(val, sizeof(val), w->plan, e->j, e->k);
	CHECK(strcmp(plan, v7_plans[w->plan]) == 0 && strcmp(ind, e->ind) == 0 &&
	      period_cmp(p, &e->p) == 0 && len == vl && memcmp(buf, val, vl) == 0);
	return 0;
}

static int v7_read_fn(struct store_txn *t, void *arg)
{
	uint64_t *n_seen = arg;
	char val[128], buf[128], ind[8];
	size_t len;
	for (int i = 0; i < V7_PLANS; i++) {
		struct v7_walk *w = calloc(1, sizeof(*w));
		CHECK(w);
		w->plan = i;
		for (int j = 0; j < V7_INDS; j++)
			for (int k = 0; k < V7_PERIODS; k++) {
				if (!v7_has(i, j, k))
					continue;
				struct v7_ent *e = &w->want[w->n_want++];
				*e = (struct v7_ent){ .p = v7_period(k), .j = j, .k = k };
				v7_ind(e->ind, j);
				/* point reads under the new key */
				size_t vl = v7_value(val, sizeof(val), i, j, k);
				CHECK_OK(store_verdict_get(t, v7_plans[i], e->ind, &e->p, buf,
							   sizeof(buf), &len));
				CHECK(len == vl && memcmp(buf, val, vl) == 0);
			}
		qsort(w->want, (size_t)w->n_want, sizeof(w->want[0]), v7_ent_cmp);
		CHECK_OK(store_verdict_list(t, v7_plans[i], NULL, NULL, v7_walk_cb, w));
		CHECK(w->n == w->n_want);
		*n_seen += (uint64_t)w->n;
		free(w);
	}
	struct period absent = v7_period(0);
	v7_ind(ind, 0);
	CHECK(!v7_has(0, 0, 0));
	CHECK_RC(store_verdict_get(t, "p", ind, &absent, buf, sizeof(buf), &len), PW_ENOTFOUND);
	CHECK_OK(store_due_get(t, "R1", "i1", &absent, buf, sizeof(buf), &len));
	CHECK(len == 3 && memcmp(buf, "due", 3) == 0);
	CHECK_OK(store_alert_get(t, "p", "i1", buf, sizeof(buf), &len));
	CHECK(len == 5 && memcmp(buf, "alert", 5) == 0);
	return 0;
}

static int v7_seed_fn(struct store_txn *t, void *arg)
{
	struct period p = v7_period(0);
	(void)arg;
	CHECK_OK(store_due_put(t, "R1", "i1", &p, "due", 3));
	CHECK_OK(store_alert_put(t, "p", "i1", "alert", 5));
	return 0;
}

/* A schema-7 store as f9d0eaf wrote it (verdicts under plan\0ind\0period) opens as 8: every
 * verdict under its new key and nothing else changed (obs, due, alert, overdue_since; the
 * rejudge mark kept as it was, absent or present). A key the migration cannot read refuses
 * the open and leaves schema 7 as it was. */
static void test_migrate_v7(void)
{
	char dir[1100];
	struct store *s;
	struct store_obs o, got;
	struct raw r;
	uint8_t ver[4] = { 7, 0, 0, 0 }, since[16], since2[16], buf[64];
	uint64_t n = 0;

	for (int variant = 0; variant < 3; variant++) {
		mk_dir(dir, sizeof(dir), variant == 0 ? "v7" : variant == 1 ? "v7-rejudge" : "v7-bad");
		CHECK_OK(store_open(&s, dir, 0, 0));
		obs_fill(&o, "R1", "i1", month(2024, 1), 1.5, 1);
		CHECK_OK(put_n(s, &o, 1));
		CHECK_OK(store_write(s, v7_seed_fn, NULL));
		store_free(s);

		raw_begin(&r, dir);
		raw_sput(&r, "meta", "schema", 6, ver, 4);
		size_t sl = raw_get(&r, "meta", "overdue_since", 13, since, sizeof(since));
		if (variant == 1)
			raw_sput(&r, "meta", "rejudge", 7, "\1", 1);
		n = 0;
		for (int i = 0; i < V7_PLANS; i++)
			for (int j = 0; j < V7_INDS; j++)
				for (int k = 0; k < V7_PERIODS; k++) {
					char ind[8], val[128];
					uint8_t key[OBS_KEY_MAX_TEST];
					if (!v7_has(i, j, k))
						continue;
					v7_ind(ind, j);
					size_t kl = obs_key(key, v7_plans[i], ind, v7_period(k));
					raw_sput(&r, "verdict", key, kl, val,
						 v7_value(val, sizeof(val), i, j, k));
					n++;
				}
		if (variant == 2) /* one id, no period: not a schema-7 verdict key */
			raw_sput(&r, "verdict", "zz\0bad", 6, "x", 1);
		raw_end(&r);

		if (variant == 2) {
			s = NULL;
			CHECK_RC(store_open(&s, dir, 0, 0), PW_EDAMAGED);
			CHECK(s == NULL);
			raw_begin(&r, dir);
			CHECK(raw_get(&r, "meta", "schema", 6, buf, sizeof(buf)) == 4 + 4 && buf[0] == 7);
			CHECK(raw_entries(&r, "verdict") == n + 1);
			uint8_t key[OBS_KEY_MAX_TEST];
			char val[128];
			size_t kl = obs_key(key, "p", "i1", v7_period(1));
			CHECK(v7_has(0, 1, 1));
			size_t vl = v7_value(val, sizeof(val), 0, 1, 1);
			CHECK(raw_get(&r, "verdict", key, kl, buf, sizeof(buf)) == vl + 4 &&
			      memcmp(buf, val, vl) == 0); /* still under its old key */
			raw_end(&r);
			continue;
		}
		CHECK_OK(store_open(&s, dir, 0, 0));
		CHECK(store_schema(s) == 8);
		uint64_t seen = 0;
		CHECK_OK(store_read(s, v7_read_fn, &seen));
		CHECK(seen == n && n > 1500);
		CHECK_OK(get1(s, "R1", "i1", month(2024, 1), &got));
		CHECK(obs_eq(&o, &got));
		store_free(s);

		raw_begin(&r, dir);
		CHECK(raw_get(&r, "meta", "schema", 6, buf, sizeof(buf)) == 4 + 4 && buf[0] == 8);
		CHECK(raw_entries(&r, "verdict") == n); /* no record left under its old key */
		CHECK(raw_get(&r, "meta", "overdue_since", 13, since2, sizeof(since2)) == sl &&
		      memcmp(since, since2, sl) == 0);
		MDB_val k = { 7, (void *)"rejudge" }, v;
		int rc = mdb_get(r.txn, raw_db(&r, "meta"), &k, &v);
		CHECK(variant == 1 ? rc == 0 && v.mv_size == 1 + 4 && *(uint8_t *)v.mv_data == 1
				   : rc == MDB_NOTFOUND);
		raw_end(&r);
		CHECK_OK(store_open(&s, dir, 0, 0)); /* 8 opens as 8: nothing moves again */
		seen = 0;
		CHECK_OK(store_read(s, v7_read_fn, &seen));
		CHECK(seen == n);
		store_free(s);
	}
	/* A schema after 8 is refused. */
	uint8_t v9[4] = { 9, 0, 0, 0 };
	raw_begin(&r, dir);
	raw_sput(&r, "meta", "schema", 6, v9, 4);
	raw_end(&r);
	s = NULL;
	CHECK_RC(store_open(&s, dir, 0, 0), PW_ESTORE);
	CHECK(s == NULL);
}

/* ---- what one release's verdicts cost a commit, counted ---- */

/* Bytes this process has passed to write calls (/proc/self/io wchar): LMDB pwrites every
 * page a commit dirtied, whole and once, and the meta page's changed bytes. */
static long long wchar_now(void)
{
	char line[128];
	long long n = -1;
	FILE *f = fopen("/proc/self/io", "r");
	CHECK(f); /* the guard needs it: Linux task I/O accounting */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "wchar: %lld", &n) == 1)
			break;
	fclose(f);
	CHECK(n >= 0);
	return n;
}

#define RELEASE_INDS 100
#define RELEASE_PERIODS 100

struct release {
	int from, to; /* months since 2010-01, [from, to) */
};

/* The verdicts of periods [from, to) of every indicator, one release (period) after the
 * other, as the daemon stores them (41-byte records, daemon/verdict.h). */
static int release_fn(struct store_txn *t, void *arg)
{
	const struct release *rl = arg;
	uint8_t rec[41];
	for (int m = rl->from; m < rl->to; m++) {
		struct period p = month(2010 + m / 12, 1 + m % 12);
		for (int i = 0; i < RELEASE_INDS; i++) {
			char ind[16];
			snprintf(ind, sizeof(ind), "ind%03d", i);
			memset(rec, 0, sizeof(rec));
			rec[0] = 1;
			memcpy(rec + 1, &m, sizeof(m));
			memcpy(rec + 8, &i, sizeof(i));
			CHECK_OK(store_verdict_put(t, "quangang-14", ind, &p, rec, sizeof(rec)));
		}
	}
	return 0;
}

/* The regression schema 8 fixed: keyed plan\0ind\0period (schema 7), a release (a new
 * period of 100 indicators of a plan) put one verdict into each indicator's leaf: ~64
 * more pages per durable commit than the figures themselves (bench --only pages: 27 -> 91
 * per release commit). Period-major, the 100 verdicts are neighbours: a leaf or two, their
 * branch and root, the main table's page and the free list's. */
static void test_verdict_pages(void)
{
	char dir[1100];
	struct store *s;
	mk_dir(dir, sizeof(dir), "verdict-pages");
	CHECK_OK(store_open(&s, dir, 0, 0));
	for (int m = 0; m < RELEASE_PERIODS; m += 10) {
		struct release rl = { m, m + 10 };
		CHECK_OK(store_write(s, release_fn, &rl));
	}
	/* Two releases first: the pages freed by the preload's last commits are reused. */
	for (int m = RELEASE_PERIODS; m < RELEASE_PERIODS + 2; m++) {
		struct release rl = { m, m + 1 };
		CHECK_OK(store_write(s, release_fn, &rl));
	}
	struct release rl = { RELEASE_PERIODS + 2, RELEASE_PERIODS + 3 };
	long long w0 = wchar_now();
	CHECK_OK(store_write(s, release_fn, &rl));
	double pages = (double)(wchar_now() - w0) / 4096.0;
	printf("test_store: one release of %d verdicts: %.1f pages written\n", RELEASE_INDS, pages);
	CHECK(pages <= 12);
	store_free(s);
}

static void test_corrupt_values(void)
{
	char dir[1100];
	struct store *s;
	struct store_obs o, got;
	struct raw r;
	uint8_t key[OBS_KEY_MAX_TEST], fields[1024], val[1100], iv[IDX_VAL_TEST], vk[8];
	size_t klen, flen, len;
	struct period p0 = month(2024, 1);
	uint64_t vid = 100;

	mk_dir(dir, sizeof(dir), "corrupt");
	CHECK_OK(store_open(&s, dir, 0, 0));
	obs_fill(&o, "T", "t", p0, 3.25, 1);
	snprintf(o.reason, sizeof(o.reason), "a reason");
	CHECK_OK(put_n(s, &o, 1));
	store_free(s);

	raw_begin(&r, dir);
	flen = raw_fields(&r, 1, fields, sizeof(fields));
	/* Every truncation of the fields, a trailing byte, an unknown format byte: all
	 * corrupt. Each record is the newest vintage of a period of T/t. */
	for (size_t i = 0; i <= flen + 1; i++) {
		struct period p = month(1950 + (int)(i / 12), (int)(i % 12) + 1);
		klen = obs_key(key, "T", "t", p);
		fields[flen] = 0;
		len = vin_value(val, key, klen, 0, fields, i < flen ? i : flen + 1);
		if (i == flen + 1)
			val[0] = 2;
		vid_key(vk, ++vid);
		raw_sput(&r, "vin", vk, 8, val, i == flen + 1 ? len - 1 : len);
		idx_value(iv, vid, 1);
		raw_sput(&r, "idx", key, klen, iv, IDX_VAL_TEST);
	}
	/* idx pointing at a missing vintage, at one of another observation, with a short
	 * value, and saying rev 2 of a rev-1 vintage. */
	klen = obs_key(key, "T", "u", month(1990, 1));
	idx_value(iv, 99999, 1);
	raw_sput(&r, "idx", key, klen, iv, IDX_VAL_TEST);
	klen = obs_key(key, "T", "u", month(1990, 2));
	idx_value(iv, 1, 1);
	raw_sput(&r, "idx", key, klen, iv, IDX_VAL_TEST);
	klen = obs_key(key, "T", "u", month(1990, 3));
	raw_sput(&r, "idx", key, klen, iv, IDX_VAL_TEST - 1);
	klen = obs_key(key, "T", "u", month(1990, 4));
	len = vin_value(val, key, klen, 0, fields, flen);
	vid_key(vk, ++vid);
	raw_sput(&r, "vin", vk, 8, val, len);
	idx_value(iv, vid, 2);
	raw_sput(&r, "idx", key, klen, iv, IDX_VAL_TEST);
	/* Random damage to the fields: may decode or not, must never crash or overrun. */
	for (int i = 0; i < 600; i++) {
		uint8_t bad[1100];
		size_t blen = i % 5 == 0 ? rnd_n(flen + 8) : flen;
		memcpy(bad, fields, flen);
		for (size_t j = flen; j < blen; j++)
			bad[j] = (uint8_t)rnd();
		for (int f = 0; f < 1 + i % 3; f++)
			bad[rnd_n(blen ? blen : 1)] = (uint8_t)rnd();
		klen = obs_key(key, "F", "f", month(1950 + i / 12, i % 12 + 1));
		len = vin_value(val, key, klen, 0, bad, blen);
		vid_key(vk, ++vid);
		raw_sput(&r, "vin", vk, 8, val, len);
		idx_value(iv, vid, 1);
		raw_sput(&r, "idx", key, klen, iv, IDX_VAL_TEST);
	}
	raw_end(&r);

	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_OK(get1(s, "T", "t", p0, &got));
	CHECK(obs_eq(&o, &got));
	for (size_t i = 0; i <= flen + 1; i++)
		CHECK_RC(get1(s, "T", "t", month(1950 + (int)(i / 12), (int)(i % 12) + 1), &got),
			 PW_EDAMAGED);
	for (int m = 1; m <= 4; m++)
		CHECK_RC(get1(s, "T", "u", month(1990, m), &got), PW_EDAMAGED);
	struct coll c = { 0 };
	CHECK_RC(walk(s, W_OBS, "T", "t", NULL, NULL, &c), PW_EDAMAGED);
	CHECK(c.n == 0);
	CHECK_RC(walk(s, W_REV, "T", "u", NULL, NULL, &c), PW_EDAMAGED);
	struct period p2000 = month(2000, 1);
	CHECK_OK(walk(s, W_OBS, "T", "t", &p2000, NULL, &c)); /* the good record only */
	CHECK(c.n == 1 && obs_eq(&c.v[0], &o));
	int decoded = 0;
	for (int i = 0; i < 600; i++) {
		int rc = get1(s, "F", "f", month(1950 + i / 12, i % 12 + 1), &got);
		CHECK(rc == 0 || rc == PW_EDAMAGED);
		if (rc == 0) {
			decoded++;
			CHECK(strlen(got.dept) <= STORE_DEPT_MAX);
			CHECK(strlen(got.msgid) <= STORE_MSGID_MAX);
			CHECK(strlen(got.reason) <= STORE_REASON_MAX);
		}
	}
	CHECK(decoded > 0 && decoded < 600);
	free(c.v);
	store_free(s);
}

/* Damage that LMDB cannot see: a flipped bit in a value is caught by its CRC-32; a data.mdb
 * of 0 bytes or cut by a page is refused at open, with the reason from store_check. */
static void test_checksums(void)
{
	char dir[1100], path[1200], why[256];
	struct store *s;
	struct store_obs o, got;
	struct raw r;

	/* A page LMDB itself finds bad is damaged too, not a store_error to retry. */
	CHECK_RC(store_map_err(MDB_CORRUPTED), PW_EDAMAGED);
	CHECK_RC(store_map_err(MDB_PAGE_NOTFOUND), PW_EDAMAGED);
	CHECK_RC(store_map_err(MDB_BAD_TXN), PW_ESTORE);
	uint8_t vk[8], v[1100];

	/* CRC-32C's check value; the hardware and the table agree on every length. */
	CHECK(rec_crc32c("123456789", 9) == 0xe3069283u);
	CHECK(rec_crc32c_portable("123456789", 9) == 0xe3069283u);
	for (size_t n = 0; n < sizeof(v); n++) {
		v[n] = (uint8_t)rnd();
		CHECK(rec_crc32c(v, n) == rec_crc32c_portable(v, n));
	}
	mk_dir(dir, sizeof(dir), "crc");
	CHECK_OK(store_open(&s, dir, 0, 0));
	obs_fill(&o, "C", "c", month(2024, 1), 7.5, 1);
	snprintf(o.reason, sizeof(o.reason), "checked");
	CHECK_OK(put_n(s, &o, 1));
	store_free(s);
	raw_begin(&r, dir);
	vid_key(vk, 1);
	size_t len = raw_get(&r, "vin", vk, 8, v, sizeof(v));
	v[len - 4 - 3] ^= 0x10; /* a letter of the reason: still a valid record */
	raw_put(&r, "vin", vk, 8, v, len);
	raw_end(&r);
	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_RC(get1(s, "C", "c", month(2024, 1), &got), PW_EDAMAGED);
	store_free(s);
	CHECK_OK(store_check(dir, why, sizeof(why)));

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	struct stat st;
	CHECK(stat(path, &st) == 0 && st.st_size > 3 * 4096);
	CHECK(truncate(path, st.st_size - 4096) == 0);
	CHECK_RC(store_open(&s, dir, 0, 0), PW_EDAMAGED);
	CHECK_RC(store_check(dir, why, sizeof(why)), PW_EDAMAGED);
	CHECK(strstr(why, "cut short"));
	CHECK(truncate(path, 0) == 0);
	CHECK_RC(store_open(&s, dir, 0, 0), PW_EDAMAGED); /* not a new store */
	CHECK_RC(store_check(dir, why, sizeof(why)), PW_EDAMAGED);
	CHECK(strstr(why, "empty"));
	CHECK(stat(path, &st) == 0 && st.st_size == 0);
}

/* A named table's record with flags the store never sets (DUPSORT on vin): refused by
 * store_check before LMDB maps it, with the reason. Every copy of the record in the file is
 * patched (freed pages hold older copies of the main table's leaf). */
static void test_table_flags(void)
{
	static const uint8_t node[] = { 0x02, 0x00, 0x03, 0x00, 'v', 'i', 'n' }; /* F_SUBDATA, "vin" */
	char dir[1100], path[1200], why[256];
	struct store *s;
	struct store_obs o;
	mk_dir(dir, sizeof(dir), "flags");
	CHECK_OK(store_open(&s, dir, 0, 0));
	obs_fill(&o, "F", "f", month(2024, 1), 1.0, 1);
	CHECK_OK(put_n(s, &o, 1));
	store_free(s);
	CHECK_OK(store_check(dir, why, sizeof(why)));

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	FILE *f = fopen(path, "r+b");
	CHECK(f != NULL);
	static uint8_t buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf), f), patched = 0;
	for (size_t i = 0; i + sizeof(node) + 6 <= n; i++)
		if (memcmp(buf + i, node, sizeof(node)) == 0) {
			buf[i + sizeof(node) + 4] |= 0x04; /* md_flags after md_pad: MDB_DUPSORT */
			patched++;
		}
	CHECK(patched > 0);
	CHECK(fseek(f, 0, SEEK_SET) == 0 && fwrite(buf, 1, n, f) == n);
	CHECK(fclose(f) == 0);
	CHECK_RC(store_check(dir, why, sizeof(why)), PW_EDAMAGED);
	CHECK(strstr(why, "table vin records flags 0x4"));
	CHECK_RC(store_open(&s, dir, 0, 0), PW_EDAMAGED);
}

static int bad_tables_fn(struct store_txn *t, void *arg)
{
	struct store_reject rj;
	struct alerts al = { .n = 0 };
	struct lcoll lc = { 0 };
	struct qlist ql = { .n = 0 };
	uint64_t seq;
	(void)arg;
	CHECK_RC(store_log_last(t, &seq), PW_EDAMAGED);
	CHECK_RC(store_log_since(t, 0, lcoll_cb, &lc), PW_EDAMAGED);
	/* seq 1 cannot be decoded: it comes in its place with topic "" and no body; then the
	 * 7-byte key ends the walk. */
	CHECK(lc.n == 1 && lc.v[0].seq == 1 && lc.v[0].topic[0] == '\0' && lc.v[0].len == 0);
	lcoll_clear(&lc);
	free(lc.v);
	CHECK_RC(store_quarantine_get(t, 1, &rj), PW_EDAMAGED);
	CHECK_RC(store_quarantine_list(t, 0, qlist_cb, &ql), PW_EDAMAGED);
	CHECK(ql.n == 0);
	CHECK_RC(store_alert_list(t, alert_cb, &al), PW_EDAMAGED);
	return 0;
}

static void test_corrupt_keys(void)
{
	char dir[1100];
	struct store *s;
	struct store_obs o;
	struct store_stat st;
	struct raw r;
	uint8_t key[OBS_KEY_MAX_TEST + 4], val[1024];
	size_t klen, len;
	struct coll c = { 0 };

	mk_dir(dir, sizeof(dir), "badkeys");
	CHECK_OK(store_open(&s, dir, 0, 0));
	obs_fill(&o, "R", "r", month(2024, 1), 1, 7);
	CHECK_OK(put_n(s, &o, 1));
	store_free(s);

	raw_begin(&r, dir);
	uint8_t fields[1024], iv[IDX_VAL_TEST], vk[8];
	size_t flen = raw_fields(&r, 1, fields, sizeof(fields)); /* R/r rev 7 */
	idx_value(iv, 1, 7);
	raw_sput(&r, "idx", "zzz", 3, iv, IDX_VAL_TEST);			/* no NUL at all */
	raw_sput(&r, "idx", "Q\0q\0\7\350\3", 7, iv, IDX_VAL_TEST); /* 3-byte period */
	/* Series R/s: vintage 3 (rev 7) chained to vintage 2, which says rev 7 too: a chain
	 * whose revs do not fall. */
	klen = obs_key(key, "R", "s", month(2024, 1));
	len = vin_value(val, key, klen, 0, fields, flen);
	vid_key(vk, 2);
	raw_sput(&r, "vin", vk, 8, val, len);
	len = vin_value(val, key, klen, 2, fields, flen);
	vid_key(vk, 3);
	raw_sput(&r, "vin", vk, 8, val, len);
	idx_value(iv, 3, 7);
	raw_sput(&r, "idx", key, klen, iv, IDX_VAL_TEST);
	/* Series R/t: a vintage that says rev 0 and links to itself, under an idx entry that
	 * says rev 0 too, and one under rev 7: a walk must stop, not loop. */
	uint8_t f0[1024];
	memcpy(f0, fields, flen);
	f0[2] = f0[3] = f0[4] = f0[5] = 0; /* the fields' u32 rev */
	klen = obs_key(key, "R", "t", month(2024, 1));
	len = vin_value(val, key, klen, 4, f0, flen);
	vid_key(vk, 4);
	raw_sput(&r, "vin", vk, 8, val, len);
	idx_value(iv, 4, 0);
	raw_sput(&r, "idx", key, klen, iv, IDX_VAL_TEST);
	klen = obs_key(key, "R", "t", month(2024, 2));
	len = vin_value(val, key, klen, 4, fields, flen); /* rev 7, then the rev-0 loop */
	vid_key(vk, 5);
	raw_sput(&r, "vin", vk, 8, val, len);
	idx_value(iv, 5, 7);
	raw_sput(&r, "idx", key, klen, iv, IDX_VAL_TEST);
	raw_sput(&r, "log", "\1\2\3\4\5\6\7", 7, "\1x", 2); /* 7-byte seq */
	raw_sput(&r, "log", "\0\0\0\0\0\0\0\1", 8, "\1no-nul", 7);
	raw_sput(&r, "quar", "\0\0\0\0\0\0\0\1", 8, "\1\0\0", 3);
	raw_sput(&r, "alert", "no-separator", 12, "x", 1);
	raw_end(&r);

	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_RC(walk(s, W_SERIES, NULL, NULL, NULL, NULL, &c), PW_EDAMAGED);
	CHECK_RC(walk(s, W_OBS, "Q", "q", NULL, NULL, &c), PW_EDAMAGED);
	CHECK_OK(walk(s, W_OBS, "R", "r", NULL, NULL, &c));
	CHECK(c.n == 1 && obs_eq(&c.v[0], &o));
	CHECK_OK(walk(s, W_REV, "R", "r", NULL, NULL, &c));
	CHECK(c.n == 1 && obs_eq(&c.v[0], &o));
	CHECK_RC(walk(s, W_REV, "R", "s", NULL, NULL, &c), PW_EDAMAGED);
	CHECK(c.n == 0); /* the chain is checked before the first callback */
	CHECK_OK(walk(s, W_OBS, "R", "s", NULL, NULL, &c)); /* the newest vintage is sound */
	CHECK(c.n == 1);
	struct period t1 = month(2024, 1), t2 = month(2024, 2);
	CHECK_RC(walk(s, W_REV, "R", "t", &t1, &t1, &c), PW_EDAMAGED);
	CHECK_RC(walk(s, W_REV, "R", "t", &t2, &t2, &c), PW_EDAMAGED);
	CHECK_RC(get1(s, "R", "t", t1, &o), PW_EDAMAGED);
	CHECK_OK(store_read(s, bad_tables_fn, NULL));
	CHECK_RC(store_stat(s, &st), PW_EDAMAGED);
	free(c.v);
	store_free(s);
}

/* ---- stat and backup ---- */

static int fill_fn(struct store_txn *t, void *arg)
{
	struct store_obs o;
	struct store_reject r = { .code = PW_EPROTO };
	uint64_t seq;
	(void)arg;
	for (uint32_t rev = 1; rev <= 3; rev++)
		for (int m = 1; m <= 12; m++) {
			obs_fill(&o, "b", "k", month(2025, m), m * rev, rev);
			CHECK_OK(store_obs_put(t, &o));
		}
	for (int i = 0; i < 5; i++)
		CHECK_OK(store_log_append(t, "t", "body", 4, &seq));
	CHECK_OK(store_alert_put(t, "b", "k", "a", 1));
	CHECK_OK(store_msgid_put(t, "d", "1", "r", 1));
	CHECK_OK(store_msgid_put(t, "d", "2", "r", 1));
	CHECK_OK(store_quarantine_put(t, &r));
	return 0;
}

static void check_filled(struct store *s)
{
	struct store_stat st;
	struct store_obs got;
	CHECK_OK(store_stat(s, &st));
	CHECK(st.n_obs == 12 && st.n_rev == 36 && st.n_log == 5 && st.last_seq == 5);
	CHECK(st.n_alert == 1 && st.n_msgid == 2 && st.n_quar == 1);
	CHECK(st.file_size > 0 && st.map_used <= st.file_size && st.map_used <= st.map_size);
	CHECK_OK(get1(s, "b", "k", month(2025, 12), &got));
	CHECK(got.rev == 3 && got.value == 36);
}

static void test_stat_backup(void)
{
	char dir[1100], copy[1100], bad[1200];
	struct store *s, *b;
	struct store_stat st;

	mk_dir(dir, sizeof(dir), "stat");
	mk_dir(copy, sizeof(copy), "backup");
	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_RC(store_stat(s, NULL), PW_EINVAL);
	CHECK_RC(store_stat(NULL, &st), PW_EINVAL);
	CHECK_OK(store_write(s, fill_fn, NULL));
	check_filled(s);
	CHECK_RC(store_backup(s, NULL), PW_EINVAL);
	snprintf(bad, sizeof(bad), "%s/missing", copy);
	CHECK_RC(store_backup(s, bad), PW_ESYS);
	mode_t old_mask = umask(022); /* the usual umask: the copy still has the store's mode */
	CHECK_OK(store_backup(s, copy));
	umask(old_mask);
	char copy_data[1200];
	struct stat cs;
	snprintf(copy_data, sizeof(copy_data), "%s/data.mdb", copy);
	CHECK(stat(copy_data, &cs) == 0 && (cs.st_mode & 0777) == 0640);
	CHECK_RC(store_backup(s, copy), PW_EINVAL); /* not empty any more */
	CHECK_RC(store_backup(s, dir), PW_EINVAL);
	store_free(s);

	CHECK_OK(store_open(&b, copy, 0, 0));
	check_filled(b);
	uint64_t last = log_last(b);
	CHECK(last == 5);
	store_free(b);
}

/* ---- randomized, against a reference model ---- */

#define M_SERIES 50
#define M_PERIODS 30
#define M_TXNS 400
#define M_OPS 60

struct cell {
	struct store_obs *revs; /* committed vintages, rev 1..n */
	size_t n, cap;
};

struct mlog {
	char topic[STORE_TOPIC_MAX + 1];
	uint8_t body[48];
	size_t len;
};

struct model {
	char plan[M_SERIES][8], ind[M_SERIES][8];
	struct period per[M_SERIES][M_PERIODS];
	struct cell cells[M_SERIES][M_PERIODS];
	struct mlog *log;
	size_t n_log, cap_log;
};

struct mop {
	bool is_log;
	size_t s, p;
	struct store_obs o;
	struct mlog l;
};

struct mtxn {
	struct mop ops[M_OPS];
	size_t n, fail_at; /* fail_at > n: commit */
	uint64_t log_base;
	unsigned runs;
};

static void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	for (size_t s = 0; s < M_SERIES; s++) {
		/* Plans shared by ten series; "i1" is a prefix of "i11": key boundaries matter. */
		snprintf(m->plan[s], sizeof(m->plan[s]), "p%zu", s % 5);
		snprintf(m->ind[s], sizeof(m->ind[s]), "i%zu", s);
		for (size_t p = 0; p < M_PERIODS; p++)
			m->per[s][p] = s % 2 ? quarter(2019 + (int)(p / 4), (int)(p % 4) + 1)
					     : month(2021 + (int)(p / 12), (int)(p % 12) + 1);
	}
}

static void model_free(struct model *m)
{
	for (size_t s = 0; s < M_SERIES; s++)
		for (size_t p = 0; p < M_PERIODS; p++)
			free(m->cells[s][p].revs);
	free(m->log);
}

static int mtxn_fn(struct store_txn *t, void *arg)
{
	struct mtxn *x = arg;
	uint64_t seq, next = x->log_base;
	struct store_obs got;
	int rc;

	x->runs++;
	for (size_t i = 0; i < x->n; i++) {
		struct mop *op = &x->ops[i];
		if (i == x->fail_at)
			return PW_EBATCH;
		if (op->is_log) {
			rc = store_log_append(t, op->l.topic, op->l.body, op->l.len, &seq);
			if (rc < 0)
				return rc;
			CHECK(seq == ++next);
			continue;
		}
		if ((rc = store_obs_put(t, &op->o)) < 0)
			return rc;
		if (i % 4 == 0) { /* a write txn reads its own writes */
			rc = store_obs_get(t, op->o.plan, op->o.ind, &op->o.period, &got);
			if (rc < 0)
				return rc;
			CHECK(obs_eq(&got, &op->o));
		}
		if (i % 4 == 1) { /* ... and finds the series' end through the same cursor */
			if ((rc = store_obs_last(t, op->o.plan, op->o.ind, NULL, 0, &got)) < 0)
				return rc;
			CHECK(strcmp(got.plan, op->o.plan) == 0 && strcmp(got.ind, op->o.ind) == 0);
			CHECK(period_cmp(&got.period, &op->o.period) >= 0);
		}
	}
	return x->fail_at == x->n ? PW_EBATCH : 0;
}

static void plan_txn(struct model *m, struct mtxn *x)
{
	static uint32_t pending[M_SERIES][M_PERIODS];

	memset(pending, 0, sizeof(pending));
	x->n = 1 + rnd_n(M_OPS);
	x->fail_at = rnd_n(6) == 0 ? rnd_n(x->n + 1) : SIZE_MAX;
	x->log_base = m->n_log;
	x->runs = 0;
	for (size_t i = 0; i < x->n; i++) {
		struct mop *op = &x->ops[i];
		op->is_log = rnd_n(7) == 0;
		if (op->is_log) {
			snprintf(op->l.topic, sizeof(op->l.topic), "change.p%zu.i%zu", rnd_n(5),
				 rnd_n(50));
			op->l.len = rnd_n(sizeof(op->l.body) + 1);
			for (size_t k = 0; k < op->l.len; k++)
				op->l.body[k] = (uint8_t)rnd();
			continue;
		}
		/* Skewed towards a few series and recent periods, so cells get many vintages. */
		op->s = rnd_n(4) ? rnd_n(8) : rnd_n(M_SERIES);
		op->p = M_PERIODS - 1 - rnd_n(rnd_n(2) ? 6 : M_PERIODS);
		struct cell *c = &m->cells[op->s][op->p];
		struct store_obs *o = &op->o;
		memset(o, 0, sizeof(*o));
		snprintf(o->plan, sizeof(o->plan), "%s", m->plan[op->s]);
		snprintf(o->ind, sizeof(o->ind), "%s", m->ind[op->s]);
		o->period = m->per[op->s][op->p];
		o->value = rnd_double();
		o->yoy = rnd_n(3) ? NAN : rnd_double();
		o->status = (uint8_t)rnd();
		o->flags = (uint8_t)rnd_n(2);
		o->rev = (uint32_t)c->n + ++pending[op->s][op->p];
		o->recv_ms = (int64_t)rnd();
		rnd_str(o->dept, STORE_DEPT_MAX);
		rnd_str(o->msgid, STORE_MSGID_MAX);
		rnd_str(o->reason, rnd_n(4) ? 20 : STORE_REASON_MAX);
		/* a third in format 2: as sent, a confirm, a derived vintage's sources */
		if (rnd_n(3) == 0) {
			rnd_str(o->sent_unit, STORE_UNIT_MAX);
			o->sent_value = rnd_double();
			o->overrode = (uint8_t)rnd_n(2) * 32;
			o->n_src = (uint8_t)rnd_n(STORE_SRC_MAX + 1);
			for (unsigned k = 0; k < o->n_src; k++)
				o->src[k] = rnd();
		}
	}
}

static void apply_txn(struct model *m, const struct mtxn *x)
{
	for (size_t i = 0; i < x->n; i++) {
		const struct mop *op = &x->ops[i];
		if (op->is_log) {
			if (m->n_log == m->cap_log) {
				m->cap_log = m->cap_log ? 2 * m->cap_log : 256;
				m->log = realloc(m->log, m->cap_log * sizeof(*m->log));
				CHECK(m->log);
			}
			m->log[m->n_log++] = op->l;
			continue;
		}
		struct cell *c = &m->cells[op->s][op->p];
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 4;
			c->revs = realloc(c->revs, c->cap * sizeof(*c->revs));
			CHECK(c->revs);
		}
		CHECK(op->o.rev == c->n + 1);
		c->revs[c->n++] = op->o;
	}
}

static const struct model *sort_model;

static int cmp_series_idx(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = strcmp(sort_model->plan[a], sort_model->plan[b]);
	return c ? c : strcmp(sort_model->ind[a], sort_model->ind[b]);
}

static void model_check(struct store *s, const struct model *m)
{
	struct coll c = { 0 };
	struct lcoll lc = { 0 };
	struct store_obs got;
	struct store_stat st;
	size_t order[M_SERIES], n_series = 0, n_obs = 0, n_rev = 0;

	for (size_t si = 0; si < M_SERIES; si++) {
		size_t k = 0, kl = 0, newest = SIZE_MAX;
		/* Periods are generated in time order, so model order is store order. */
		CHECK_OK(walk(s, W_REV, m->plan[si], m->ind[si], NULL, NULL, &c));
		for (size_t p = 0; p < M_PERIODS; p++) {
			const struct cell *cl = &m->cells[si][p];
			for (size_t r = 0; r < cl->n; r++, k++) {
				CHECK(k < c.n);
				CHECK(obs_eq(&cl->revs[r], &c.v[k]));
			}
			n_rev += cl->n;
		}
		CHECK(k == c.n);
		CHECK_OK(walk(s, W_OBS, m->plan[si], m->ind[si], NULL, NULL, &c));
		for (size_t p = 0; p < M_PERIODS; p++) {
			const struct cell *cl = &m->cells[si][p];
			int rc = get1(s, m->plan[si], m->ind[si], m->per[si][p], &got);
			struct store_head h;
			int hrc = head1(s, m->plan[si], m->ind[si], m->per[si][p], &h);
			if (!cl->n) {
				CHECK_RC(rc, PW_ENOTFOUND);
				CHECK_RC(hrc, PW_ENOTFOUND);
				continue;
			}
			CHECK_OK(rc);
			CHECK(obs_eq(&cl->revs[cl->n - 1], &got));
			/* The index's head is the newest vintage's, bit for bit. */
			CHECK_OK(hrc);
			CHECK(h.rev == got.rev && h.status == got.status && h.flags == got.flags);
			CHECK(memcmp(&h.value, &got.value, 8) == 0 && memcmp(&h.yoy, &got.yoy, 8) == 0);
			CHECK(kl < c.n && obs_eq(&cl->revs[cl->n - 1], &c.v[kl]));
			kl++;
			newest = p;
		}
		CHECK(kl == c.n);
		n_obs += kl;
		/* The series' end, with and without backfilled periods, and the newest up to a
		 * random period of it (bound: periods [0, end) are in reach). */
		for (unsigned skip = 0; skip <= STORE_OBS_BACKFILL; skip += STORE_OBS_BACKFILL)
			for (int bounded = 0; bounded < 2; bounded++) {
				size_t end = bounded ? 1 + rnd_n(M_PERIODS) : M_PERIODS, p = end;
				while (p > 0 && (!m->cells[si][p - 1].n ||
						 (m->cells[si][p - 1].revs[m->cells[si][p - 1].n - 1].flags &
						  skip)))
					p--;
				int rc = last_upto(s, m->plan[si], m->ind[si],
						   bounded ? &m->per[si][end - 1] : NULL, skip, &got);
				if (p == 0) {
					CHECK_RC(rc, PW_ENOTFOUND);
				} else {
					const struct cell *cl = &m->cells[si][p - 1];
					CHECK_OK(rc);
					CHECK(obs_eq(&cl->revs[cl->n - 1], &got));
				}
			}
		/* A random window. */
		size_t a = rnd_n(M_PERIODS), b = rnd_n(M_PERIODS), want = 0;
		CHECK_OK(walk(s, W_OBS, m->plan[si], m->ind[si], &m->per[si][a], &m->per[si][b],
			      &c));
		for (size_t p = a; p <= b; p++)
			want += m->cells[si][p].n > 0;
		CHECK(c.n == want);
		check_heads(s, m->plan[si], m->ind[si], &m->per[si][a], &m->per[si][b]);
		check_heads(s, m->plan[si], m->ind[si], NULL, NULL);
		if (newest != SIZE_MAX)
			order[n_series++] = si;
	}

	sort_model = m;
	qsort(order, n_series, sizeof(order[0]), cmp_series_idx);
	CHECK_OK(walk(s, W_SERIES, NULL, NULL, NULL, NULL, &c));
	CHECK(c.n == n_series);
	for (size_t i = 0; i < n_series; i++) {
		size_t si = order[i], p = M_PERIODS;
		while (!m->cells[si][p - 1].n)
			p--;
		const struct cell *cl = &m->cells[si][p - 1];
		CHECK(obs_eq(&cl->revs[cl->n - 1], &c.v[i]));
	}

	CHECK(log_last(s) == m->n_log);
	uint64_t after = m->n_log ? rnd_n(m->n_log) : 0;
	CHECK_OK(log_since(s, after, &lc));
	CHECK(lc.n == m->n_log - after);
	for (size_t i = 0; i < lc.n; i++) {
		const struct mlog *l = &m->log[after + i];
		CHECK(lc.v[i].seq == after + 1 + i);
		CHECK(strcmp(lc.v[i].topic, l->topic) == 0);
		CHECK(lc.v[i].len == l->len && memcmp(lc.v[i].body, l->body, l->len) == 0);
	}
	CHECK_OK(store_stat(s, &st));
	CHECK(st.n_obs == n_obs && st.n_rev == n_rev && st.n_log == m->n_log);
	CHECK(st.last_seq == m->n_log);
	lcoll_clear(&lc);
	free(lc.v);
	free(c.v);
}

/* lim: the hot index's limits for the run (NULL: store_open's defaults, which a store of
 * the model's 1,500 observations never leaves the eager regime of). */
static void test_model(uint64_t seed, const struct hot_limits *lim)
{
	char dir[1100];
	struct store *s;
	struct model *m = malloc(sizeof(*m));
	struct mtxn *x = malloc(sizeof(*x));
	unsigned aborted = 0, retried = 0;

	CHECK(m && x);
	rng_state = seed;
	mk_dir(dir, sizeof(dir), lim ? "model-tight" : "model");
	model_init(m);
	/* A small map, so growth retries happen in the middle of random work. */
	CHECK_OK(store_open(&s, dir, 64 * KIB, 256 * MIB));
	s->grow_ahead_pct = 0; /* else the map grows between txns and none meets MAP_FULL */
	if (lim)
		s->hot_lim = *lim;
	for (int i = 0; i < M_TXNS; i++) {
		plan_txn(m, x);
		int rc = store_write(s, mtxn_fn, x);
		if (x->fail_at <= x->n) {
			CHECK_RC(rc, PW_EBATCH);
			aborted++;
		} else {
			CHECK_OK(rc);
			apply_txn(m, x);
		}
		retried += x->runs - 1;
		if (i % 50 == 49)
			model_check(s, m);
		if (i == M_TXNS / 2) {
			store_free(s);
			CHECK_OK(store_open(&s, dir, 64 * KIB, 256 * MIB));
			s->grow_ahead_pct = 0;
			if (lim)
				s->hot_lim = *lim;
		}
	}
	store_free(s);
	CHECK_OK(store_open(&s, dir, 0, 0));
	model_check(s, m);
	store_free(s);
	CHECK(aborted > 10 && retried >= 2);
	model_free(m);
	free(m);
	free(x);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	const char *seed_env = getenv("TEST_STORE_SEED");
	uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : 0x9e3779b97f4a7c15ull;

	snprintf(root, sizeof(root), "%s/test_store.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	CHECK(mkdtemp(root));
	rng_state = seed;

	test_open();
	test_obs();
	test_as_sent();
	test_range();
	test_rev();
	test_series_list();
	test_obs_last();
	test_log();
	test_kv();
	test_verdict_due();
	test_quarantine();
	test_abort();
	test_growth();
	test_grow_ahead();
	test_full();
	test_busy();
	test_schema();
	test_migrate(1);
	test_migrate(2);
	test_rekey();
	test_migrate_v7();
	test_verdict_pages();
	test_corrupt_values();
	test_checksums();
	test_table_flags();
	test_corrupt_keys();
	test_stat_backup();
	printf("test_store: model seed %#llx\n", (unsigned long long)seed);
	test_model(seed, NULL);
	/* Small limits: idx written every 3rd txn above 8 pending entries, a lagging series at
	 * once, series after series above 300: every branch of hot_due under random work. */
	test_model(seed ^ 0x5bd1e995u, &(struct hot_limits){ .eager = 8, .every = 3, .lag_max = 400,
							     .target = 300 });

	rm_rf(root);
	printf("test_store: ok\n");
	return 0;
}
