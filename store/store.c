/* store/store.c — planwatch's durable state in one LMDB environment (contract: store.h).
 *
 * Keys (big-endian numbers, so LMDB's byte order is numeric and time order):
 *   vin    vid(u64)                      every accepted vintage, appended in arrival order
 *   idx    plan\0ind\0period(4)          -> the newest vintage of that observation
 *   log    seq(u64)   quar  id(u64)      alert  plan\0ind   msgid  dept\0msgid   meta  key
 * Why a vintage log and an index (schema 3): a group commit writes every page it dirtied.
 * Keyed by series (schema 1 obs + rev, schema 2 rev), a group of N updates spread over
 * series dirtied about N leaf pages of a table that holds every vintage; appended by vid,
 * N vintages fill N/35 fresh pages, and the index (one small entry per observation) is a
 * table a few hundred pages big. The older vintages of an observation form a chain through
 * each record's prev vid. store_open migrates schemas 1 and 2 once.
 *
 * Values start with a format byte (VAL_V1) so a later release can change a layout and
 * still read old records. Fixed fields are little-endian; doubles are stored as their
 * IEEE-754 bits (memcpy), so NaN payloads and -0.0 come back unchanged. Strings are
 * length-prefixed, without NUL.
 *   vin       v, u8 len + idx key, u64 prev vid (0: first vintage), then the fields:
 *             u8 status, u8 flags, u32 rev, f64 value, f64 yoy, i64 recv_ms,
 *             u8 len + dept, u8 len + msgid, u16 len + reason
 *   idx       the newest vintage's u64 vid, u32 rev, f64 value, f64 yoy, u8 status,
 *             u8 flags (its head: a writer's check reads the index alone)
 *   log       v, topic, NUL, body  (the NUL lets callbacks use the topic in place)
 *   quar      v, i64 recv_ms, i32 code, u8 len + dept, u8 len + peer, u16 len + detail,
 *             raw bytes (the rest of the value)
 *   alert, msgid, meta  the caller's bytes as given: opaque, versioned by their owners
 *   meta "schema"       u32 STORE_SCHEMA; 1 and 2 are migrated, any other value refused
 * Every decoder checks lengths against the value it reads: a corrupt record is PW_ESTORE. */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../proto/bytes.h"
#include "../proto/err.h"
#include "store.h"

#define STORE_SCHEMA 3u
#define STORE_SCHEMA_V1 1u /* tables obs + rev, keyed by series */
#define STORE_SCHEMA_V2 2u /* table rev only */
#define VAL_V1 1

#define MAP_SIZE_DEFAULT (64ull << 20)
#define MAP_MAX_DEFAULT (64ull << 30)
#define FILE_MODE 0640

/* Only a test build (make check-powerloss-break) sets this, to an unsafe flag such as
 * MDB_NOMETASYNC, to prove the power-loss simulator catches what that flag loses. */
#ifndef STORE_TEST_ENV_FLAGS
#define STORE_TEST_ENV_FLAGS 0
#endif

/* LMDB's limit on one value (MDB_MAXDATASIZE in mdb.c). */
#define VAL_SIZE_MAX 0xffffffffull

#define SERIES_KEY_MAX (STORE_ID_MAX + 1 + STORE_ID_MAX + 1)
#define OBS_KEY_MAX (SERIES_KEY_MAX + 4)
#define SEEK_KEY_MAX (OBS_KEY_MAX + 1) /* a series key + 5 x 0xff: after all its periods */
#define MSGID_KEY_MAX (STORE_DEPT_MAX + 1 + STORE_MSGID_MAX)
#define META_KEY_MAX 511 /* LMDB's default maximum key size */

#define OBS_FIXED (1 + 1 + 4 + 8 + 8 + 8)
#define OBS_FIELDS_MAX (OBS_FIXED + 1 + STORE_DEPT_MAX + 1 + STORE_MSGID_MAX + 2 + STORE_REASON_MAX)
#define VIN_VAL_MAX (1 + 1 + OBS_KEY_MAX + 8 + OBS_FIELDS_MAX)
#define IDX_VAL 30
#define QUAR_FIXED (1 + 8 + 4)
#define QUAR_HEAD_MAX (QUAR_FIXED + 1 + STORE_DEPT_MAX + 1 + STORE_DEPT_MAX + 2 + STORE_REASON_MAX)

enum { DB_VIN, DB_IDX, DB_LOG, DB_ALERT, DB_MSGID, DB_QUAR, DB_META, DB_COUNT };

static const char *const db_names[DB_COUNT] = {
	[DB_VIN] = "vin",     [DB_IDX] = "idx",   [DB_LOG] = "log",   [DB_ALERT] = "alert",
	[DB_MSGID] = "msgid", [DB_QUAR] = "quar", [DB_META] = "meta",
};
#define DB_NAME_OLD_OBS "obs" /* schema 1 */
#define DB_NAME_OLD_REV "rev" /* schemas 1 and 2 */
#define META_OLD_N_OBS "n_obs" /* schema 2 */

struct store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	int lock_fd;
	char *data_path; /* dir/data.mdb, for store_stat */
	uint64_t map_size, map_max;
	bool in_txn; /* inside store_write/store_read: the map must not move */
};

struct store_txn {
	struct store *s;
	MDB_txn *txn;
	bool write;
	bool full; /* a write hit MDB_MAP_FULL: the txn is dead, store_write grows and reruns */
	/* Last log seq / quarantine id, looked up once per txn so appends need no cursor. */
	bool log_known, quar_known, vin_known;
	uint64_t log_last, quar_last, vin_last;
	/* Cursors kept for the whole txn: LMDB skips the root-to-leaf search when
	 * the key is on the page a cursor already holds (a get followed by the put of the same
	 * key, neighbouring periods of one series). Closed by txn_end(). */
	MDB_cursor *cur[DB_COUNT];
	/* Append cursors (vin, log, quar) stay at the table's end: LMDB's MDB_APPEND then
	 * finds the last page without a search from the root. */
	MDB_cursor *app[DB_COUNT];
};

/* ---- errors ---- */

static int map_err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return PW_ENOTFOUND;
	case MDB_MAP_FULL:
		return PW_EFULL;
	case ENOMEM:
		return PW_ENOMEM;
	case EAGAIN:
	case EBUSY:
	case MDB_READERS_FULL:
		return PW_EBUSY;
	default:
		return PW_ESTORE;
	}
}

/* For every call that may allocate pages: remembers MAP_FULL, which leaves the LMDB
 * txn unusable even if fn swallows the error, so store_write must not commit it. */
static int write_err(struct store_txn *t, int rc)
{
	assert(t && t->write);
	if (rc == MDB_MAP_FULL)
		t->full = true;
	return map_err(rc);
}

static int txn_check(const struct store_txn *t, bool write)
{
	if (!t || !t->txn || (write && !t->write))
		return PW_EINVAL;
	return 0;
}

/* ---- byte order: proto/bytes.h ---- */

static uint8_t *w_str(uint8_t *p, const char *s, size_t len, size_t len_bytes)
{
	p = bytes_put_le(p, len, len_bytes);
	memcpy(p, s, len);
	return p + len;
}

/* A bounds-checked reader over one value; any overrun or bad length sets bad. */
struct rd {
	const uint8_t *p, *end;
	bool bad;
};

static const uint8_t *rd_take(struct rd *r, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *q = r->p;
	r->p += n;
	return q;
}

static uint64_t rd_le(struct rd *r, size_t n)
{
	const uint8_t *q = rd_take(r, n);
	return q ? bytes_get_le(q, n) : 0;
}

/* Copies a len_bytes-prefixed string of at most max bytes into dst[max + 1]. */
static void rd_str(struct rd *r, size_t len_bytes, char *dst, size_t max)
{
	size_t n = (size_t)rd_le(r, len_bytes);
	const uint8_t *q;

	dst[0] = '\0';
	if (n > max)
		r->bad = true;
	if (!(q = rd_take(r, n)) || memchr(q, '\0', n)) {
		r->bad = true;
		return;
	}
	memcpy(dst, q, n);
	dst[n] = '\0';
}

/* ---- keys ---- */

/* Length of the NUL-terminated string in a fixed array, or -1 when it is not terminated. */
static long arr_len(const char *a, size_t size)
{
	size_t n = strnlen(a, size);
	return n < size ? (long)n : -1;
}

/* Writes plan\0ind\0 into key and returns its length, or a negative code. */
static int series_key(uint8_t key[SERIES_KEY_MAX], const char *plan, const char *ind)
{
	if (!plan || !ind)
		return PW_EINVAL;
	size_t lp = strnlen(plan, STORE_ID_MAX + 1), li = strnlen(ind, STORE_ID_MAX + 1);
	if (!lp || !li)
		return PW_EINVAL;
	if (lp > STORE_ID_MAX || li > STORE_ID_MAX)
		return PW_ETOOBIG;
	memcpy(key, plan, lp + 1);
	memcpy(key + lp + 1, ind, li + 1);
	return (int)(lp + li + 2);
}

/* Copies the 1..max byte id at *p, which must end with a NUL before end, into dst and
 * moves *p past the NUL. */
static bool key_id(const uint8_t **p, const uint8_t *end, char *dst, size_t max)
{
	size_t avail = (size_t)(end - *p);
	const uint8_t *nul = memchr(*p, '\0', avail < max + 1 ? avail : max + 1);
	if (!nul || nul == *p)
		return false;
	memcpy(dst, *p, (size_t)(nul - *p) + 1);
	*p = nul + 1;
	return true;
}

/* Splits a key "a\0b" (a: 1..max_a bytes, b: min_b..max_b bytes without NUL). */
static bool key_pair(const MDB_val *k, char *a, size_t max_a, char *b, size_t min_b,
		     size_t max_b)
{
	const uint8_t *p = k->mv_data, *end = p + k->mv_size;
	if (!key_id(&p, end, a, max_a))
		return false;
	size_t n = (size_t)(end - p);
	if (n < min_b || n > max_b || memchr(p, '\0', n))
		return false;
	memcpy(b, p, n);
	b[n] = '\0';
	return true;
}

static bool period_valid(const struct period *p)
{
	if (p->year < PERIOD_YEAR_MIN || p->year > PERIOD_YEAR_MAX)
		return false;
	switch (p->freq) {
	case PERIOD_ANNUAL:
		return p->n == 0;
	case PERIOD_QUARTER:
		return p->n >= 1 && p->n <= 4;
	case PERIOD_MONTH:
		return p->n >= 1 && p->n <= 12;
	}
	return false;
}

/* ---- observation values ---- */

struct obs_lens {
	size_t dept, msgid, reason;
};

static int obs_check(const struct store_obs *o, struct obs_lens *l)
{
	long d = arr_len(o->dept, sizeof(o->dept)), m = arr_len(o->msgid, sizeof(o->msgid));
	long r = arr_len(o->reason, sizeof(o->reason));

	if (arr_len(o->plan, sizeof(o->plan)) < 0 || arr_len(o->ind, sizeof(o->ind)) < 0 ||
	    d < 0 || m < 0 || r < 0 || o->rev == 0 || !period_valid(&o->period))
		return PW_EINVAL;
	l->dept = (size_t)d;
	l->msgid = (size_t)m;
	l->reason = (size_t)r;
	return 0;
}

/* The fields every vintage record carries after its key part. */
static uint8_t *obs_fields_encode(uint8_t *p, const struct store_obs *o, const struct obs_lens *l)
{
	assert(l->dept <= STORE_DEPT_MAX && l->msgid <= STORE_MSGID_MAX &&
	       l->reason <= STORE_REASON_MAX);
	*p++ = o->status;
	*p++ = o->flags;
	p = bytes_put_le(p, o->rev, 4);
	p = bytes_put_le(p, bytes_of_double(o->value), 8);
	p = bytes_put_le(p, bytes_of_double(o->yoy), 8);
	p = bytes_put_le(p, (uint64_t)o->recv_ms, 8);
	p = w_str(p, o->dept, l->dept, 1);
	p = w_str(p, o->msgid, l->msgid, 1);
	p = w_str(p, o->reason, l->reason, 2);
	return p;
}

/* Reads the fields to the end of r: anything left over or missing is PW_ESTORE. */
static int obs_fields_decode(struct rd *r, struct store_obs *o)
{
	o->status = (uint8_t)rd_le(r, 1);
	o->flags = (uint8_t)rd_le(r, 1);
	o->rev = (uint32_t)rd_le(r, 4);
	o->value = bytes_to_double(rd_le(r, 8));
	o->yoy = bytes_to_double(rd_le(r, 8));
	o->recv_ms = (int64_t)rd_le(r, 8);
	rd_str(r, 1, o->dept, STORE_DEPT_MAX);
	rd_str(r, 1, o->msgid, STORE_MSGID_MAX);
	rd_str(r, 2, o->reason, STORE_REASON_MAX);
	/* rev 0 is never written: a chain walk counts revs down to 1. */
	return r->bad || r->p != r->end || o->rev == 0 ? PW_ESTORE : 0;
}

/* Splits an idx key plan\0ind\0period(4) into o. */
static bool idx_key_split(const uint8_t *k, size_t n, struct store_obs *o)
{
	const uint8_t *p = k, *end = k + n;
	if (!key_id(&p, end, o->plan, STORE_ID_MAX) || !key_id(&p, end, o->ind, STORE_ID_MAX) ||
	    (size_t)(end - p) != 4u)
		return false;
	o->period = period_from_key(p);
	return true;
}

static size_t vin_encode(uint8_t buf[VIN_VAL_MAX], const uint8_t *ikey, size_t ikey_len,
			 uint64_t prev, const struct store_obs *o, const struct obs_lens *l)
{
	uint8_t *p = buf;
	assert(ikey_len <= OBS_KEY_MAX);
	*p++ = VAL_V1;
	*p++ = (uint8_t)ikey_len;
	memcpy(p, ikey, ikey_len);
	p = bytes_put_le(p + ikey_len, prev, 8);
	return (size_t)(obs_fields_encode(p, o, l) - buf);
}

/* Decodes a vin record into *o and *prev; with want (an idx key), the record must belong
 * to that observation. */
static int vin_decode(const MDB_val *v, struct store_obs *o, uint64_t *prev, const uint8_t *want,
		      size_t want_len)
{
	struct rd r = { .p = v->mv_data, .end = (const uint8_t *)v->mv_data + v->mv_size };
	memset(o, 0, sizeof(*o));
	if (rd_le(&r, 1) != VAL_V1)
		return PW_ESTORE;
	size_t kl = (size_t)rd_le(&r, 1);
	const uint8_t *k = rd_take(&r, kl);
	*prev = rd_le(&r, 8);
	if (r.bad || !idx_key_split(k, kl, o) ||
	    (want && (kl != want_len || memcmp(k, want, kl) != 0)))
		return PW_ESTORE;
	return obs_fields_decode(&r, o);
}

/* Decodes a schema 1/2 rev record (key plan\0ind\0period(4)rev(4)), for the migration. */
static int old_rev_decode(struct store_obs *o, const MDB_val *k, const MDB_val *v)
{
	struct rd r = { .p = v->mv_data, .end = (const uint8_t *)v->mv_data + v->mv_size };
	memset(o, 0, sizeof(*o));
	if (k->mv_size < 8 || !idx_key_split(k->mv_data, k->mv_size - 4, o) ||
	    rd_le(&r, 1) != VAL_V1 || obs_fields_decode(&r, o) < 0 ||
	    bytes_get_be((const uint8_t *)k->mv_data + k->mv_size - 4, 4) != o->rev)
		return PW_ESTORE;
	return 0;
}

/* ---- environment ---- */

static char *path_join(const char *dir, const char *name)
{
	size_t ld = strlen(dir), ln = strlen(name);
	char *p = malloc(ld + 1 + ln + 1);
	if (p) {
		memcpy(p, dir, ld);
		p[ld] = '/';
		memcpy(p + ld + 1, name, ln + 1);
	}
	return p;
}

/* Takes the single-writer lock. LMDB alone would let a second daemon open the environment
 * and queue behind the writer mutex; two daemons must instead fail fast. */
static int lock_dir(struct store *s, const char *dir)
{
	char *path = path_join(dir, "planwatch.lock");
	int fd, rc = 0;

	assert(s->lock_fd < 0);
	if (!path)
		return PW_ENOMEM;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, FILE_MODE)) < 0) {
		rc = PW_ESYS;
		goto out_free_path;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		rc = e == EWOULDBLOCK ? PW_EBUSY : PW_ESYS;
		close(fd);
		errno = e;
		goto out_free_path;
	}
	s->lock_fd = fd;
out_free_path:
	free(path);
	return rc;
}

static int put_schema(struct store_txn *t)
{
	uint8_t ver[4];
	bytes_put_le(ver, STORE_SCHEMA, sizeof(ver));
	MDB_val k = { 6, (void *)"schema" }, v = { sizeof(ver), ver };
	return write_err(t, mdb_put(t->txn, t->s->dbi[DB_META], &k, &v, 0));
}

static int seq_append(struct store_txn *t, int db, bool *known, uint64_t *last, size_t len,
		      void **data, uint64_t *id);
static int txn_cursor(struct store_txn *t, int db, MDB_cursor **c);

/* Appends one vintage of the observation with idx key ikey (after prev) and points idx at
 * it. c is a cursor on idx, positioned on ikey when it exists (the put then needs no
 * search). */
static int vin_append(struct store_txn *t, MDB_cursor *c, const uint8_t *ikey, size_t ikey_len,
		      uint64_t prev, const struct store_obs *o, const struct obs_lens *l)
{
	uint8_t val[VIN_VAL_MAX], iv[IDX_VAL];
	size_t len = vin_encode(val, ikey, ikey_len, prev, o, l);
	void *data;
	uint64_t vid;
	int rc = seq_append(t, DB_VIN, &t->vin_known, &t->vin_last, len, &data, &vid);
	if (rc < 0)
		return rc;
	memcpy(data, val, len);
	uint8_t *q = bytes_put_le(iv, vid, 8);
	q = bytes_put_le(q, o->rev, 4);
	q = bytes_put_le(q, bytes_of_double(o->value), 8);
	q = bytes_put_le(q, bytes_of_double(o->yoy), 8);
	*q++ = o->status;
	*q = o->flags;
	MDB_val k = { ikey_len, (void *)ikey }, v = { IDX_VAL, iv };
	return write_err(t, mdb_cursor_put(c, &k, &v, 0));
}

/* Schemas 1 and 2 -> 3: every rev record, in key order (observation, then rev), becomes a
 * vintage chained to the one before it; then the old tables go. One txn: an interrupted
 * migration leaves the old schema intact. */
static int migrate_to_vin(struct store_txn *t)
{
	MDB_dbi rev, obs;
	MDB_cursor *rc_rev = NULL, *ci;
	MDB_val k, v;
	uint8_t ikey[OBS_KEY_MAX];
	size_t ikey_len = 0;
	uint64_t prev = 0;
	int rc = mdb_dbi_open(t->txn, DB_NAME_OLD_REV, 0, &rev);

	if (rc != 0 && rc != MDB_NOTFOUND)
		return map_err(rc);
	if (rc == 0) {
		if ((rc = txn_cursor(t, DB_IDX, &ci)) < 0)
			return rc;
		if ((rc = mdb_cursor_open(t->txn, rev, &rc_rev)) != 0)
			return map_err(rc);
		for (rc = mdb_cursor_get(rc_rev, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(rc_rev, &k, &v, MDB_NEXT)) {
			struct store_obs o;
			struct obs_lens l;
			if ((rc = old_rev_decode(&o, &k, &v)) < 0 || (rc = obs_check(&o, &l)) < 0) {
				rc = PW_ESTORE;
				break;
			}
			size_t kl = k.mv_size - 4;
			if (kl != ikey_len || memcmp(k.mv_data, ikey, kl) != 0) {
				memcpy(ikey, k.mv_data, kl); /* the next observation's first vintage */
				ikey_len = kl;
				prev = 0;
			}
			if ((rc = vin_append(t, ci, ikey, ikey_len, prev, &o, &l)) < 0)
				break;
			prev = t->vin_last;
		}
		mdb_cursor_close(rc_rev);
		if (rc != MDB_NOTFOUND)
			return rc < 0 ? rc : map_err(rc);
		if ((rc = mdb_drop(t->txn, rev, 1)) != 0)
			return write_err(t, rc);
	}
	if ((rc = mdb_dbi_open(t->txn, DB_NAME_OLD_OBS, 0, &obs)) == 0) {
		if ((rc = mdb_drop(t->txn, obs, 1)) != 0)
			return write_err(t, rc);
	} else if (rc != MDB_NOTFOUND) {
		return map_err(rc);
	}
	MDB_val nk = { sizeof(META_OLD_N_OBS) - 1, (void *)META_OLD_N_OBS };
	rc = mdb_del(t->txn, t->s->dbi[DB_META], &nk, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return write_err(t, rc);
	return put_schema(t);
}

/* Opens every named database and checks (or, in a new environment, writes) the schema;
 * migrates schemas 1 and 2. */
static int init_txn(struct store_txn *t, void *arg)
{
	struct store *s = t->s;
	MDB_dbi meta, main_db;
	MDB_stat ms;
	bool fresh = false;
	int rc;

	(void)arg;
	rc = mdb_dbi_open(t->txn, db_names[DB_META], 0, &meta);
	if (rc == MDB_NOTFOUND) {
		/* No meta: only an empty environment may become a planwatch store. */
		if ((rc = mdb_dbi_open(t->txn, NULL, 0, &main_db)) != 0 ||
		    (rc = mdb_stat(t->txn, main_db, &ms)) != 0)
			return map_err(rc);
		if (ms.ms_entries != 0)
			return PW_ESTORE;
		fresh = true;
	} else if (rc != 0) {
		return write_err(t, rc);
	}
	for (int i = 0; i < DB_COUNT; i++)
		if ((rc = mdb_dbi_open(t->txn, db_names[i], MDB_CREATE, &s->dbi[i])) != 0)
			return write_err(t, rc);

	MDB_val k = { 6, (void *)"schema" }, v;
	if (fresh)
		return put_schema(t);
	if ((rc = mdb_get(t->txn, s->dbi[DB_META], &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? PW_ESTORE : map_err(rc);
	if (v.mv_size != 4)
		return PW_ESTORE;
	uint64_t ver = bytes_get_le(v.mv_data, 4);
	if (ver == STORE_SCHEMA_V1 || ver == STORE_SCHEMA_V2)
		return migrate_to_vin(t);
	return ver == STORE_SCHEMA ? 0 : PW_ESTORE;
}

/* Picks the map size: map_size for a new file; for an existing one the size it was last
 * grown to (so a restart does not replay the growth), kept within [map_size, map_max]. */
static int set_map(struct store *s, bool existing, uint64_t map_size)
{
	MDB_envinfo info;
	uint64_t want;
	int rc;

	if ((rc = mdb_env_info(s->env, &info)) != 0)
		return map_err(rc);
	want = info.me_mapsize;
	if (!existing || want < map_size)
		want = map_size;
	if (want > s->map_max)
		want = s->map_max;
	/* LMDB rounds a size below the data in use up to it. */
	if (want != info.me_mapsize && (rc = mdb_env_set_mapsize(s->env, (size_t)want)) != 0)
		return map_err(rc);
	if ((rc = mdb_env_info(s->env, &info)) != 0)
		return map_err(rc);
	s->map_size = info.me_mapsize;
	return 0;
}

int store_open(struct store **ret, const char *dir, uint64_t map_size, uint64_t map_max)
{
	struct store *s;
	struct stat fs;
	bool existing;
	int rc, dead;

	if (!ret || !dir || !*dir)
		return PW_EINVAL;
	if (!map_size)
		map_size = MAP_SIZE_DEFAULT;
	if (!map_max)
		map_max = MAP_MAX_DEFAULT;
	if (map_max > SIZE_MAX)
		map_max = SIZE_MAX;
	if (map_size > map_max)
		return PW_EINVAL;
	if (!(s = calloc(1, sizeof(*s))))
		return PW_ENOMEM;
	s->lock_fd = -1;
	s->map_max = map_max;
	if (!(s->data_path = path_join(dir, "data.mdb"))) {
		rc = PW_ENOMEM;
		goto out_free;
	}
	if ((rc = lock_dir(s, dir)) < 0)
		goto out_free;
	existing = stat(s->data_path, &fs) == 0 && fs.st_size > 0;
	if ((rc = map_err(mdb_env_create(&s->env))) < 0)
		goto out_free;
	if ((rc = map_err(mdb_env_set_maxdbs(s->env, DB_COUNT + 2 /* old obs, rev */))) < 0)
		goto out_free;
	if (!existing && (rc = map_err(mdb_env_set_mapsize(s->env, (size_t)map_size))) < 0)
		goto out_free;
	/* MDB_NOTLS: a read txn is not tied to its thread's TLS slot. Sync flags stay at the
	 * durable default (MDB_NOMETASYNC could lose the last acknowledged commit). */
	if ((rc = map_err(mdb_env_open(s->env, dir, MDB_NOTLS | STORE_TEST_ENV_FLAGS, FILE_MODE))) < 0)
		goto out_free;
	/* Free reader slots left by crashed processes, or they would pin old pages forever. */
	if ((rc = map_err(mdb_reader_check(s->env, &dead))) < 0)
		goto out_free;
	if ((rc = set_map(s, existing, map_size)) < 0)
		goto out_free;
	if ((rc = store_write(s, init_txn, NULL)) < 0)
		goto out_free;
	*ret = s;
	return 0;
out_free:
	store_free(s);
	return rc;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	if (s->env)
		mdb_env_close(s->env);
	/* Only after the environment is closed may another daemon take over. */
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s->data_path);
	free(s);
}

/* Closes the cursors txn_cursor() opened; before the txn ends (a read txn does not free
 * them, a write txn would). */
static void txn_cursors_close(struct store_txn *t)
{
	for (int i = 0; i < DB_COUNT; i++) {
		if (t->cur[i]) {
			mdb_cursor_close(t->cur[i]);
			t->cur[i] = NULL;
		}
		if (t->app[i]) {
			mdb_cursor_close(t->app[i]);
			t->app[i] = NULL;
		}
	}
}

/* The txn's own cursor on db, opened on first use. */
static int txn_cursor(struct store_txn *t, int db, MDB_cursor **c)
{
	int rc;
	assert(db >= 0 && db < DB_COUNT);
	if (!t->cur[db] && (rc = mdb_cursor_open(t->txn, t->s->dbi[db], &t->cur[db])) != 0)
		return map_err(rc);
	*c = t->cur[db];
	return 0;
}

/* Doubles the map (capped at map_max); only legal with no txn active in this process. */
static int grow(struct store *s)
{
	MDB_envinfo info;
	uint64_t next;
	int rc;

	assert(!s->in_txn);
	if (s->map_size >= s->map_max)
		return PW_EFULL;
	next = s->map_size > s->map_max / 2 ? s->map_max : s->map_size * 2;
	if ((rc = mdb_env_set_mapsize(s->env, (size_t)next)) != 0 ||
	    (rc = mdb_env_info(s->env, &info)) != 0)
		return map_err(rc);
	/* store_write loops until this fails: insist on progress. */
	if (info.me_mapsize <= s->map_size)
		return PW_EFULL;
	s->map_size = info.me_mapsize;
	return 0;
}

int store_write(struct store *s, store_txn_fn fn, void *arg)
{
	int rc;

	if (!s || !fn || s->in_txn)
		return PW_EINVAL;
	for (;;) {
		struct store_txn t = { .s = s, .write = true };
		if ((rc = map_err(mdb_txn_begin(s->env, NULL, 0, &t.txn))) < 0)
			return rc;
		s->in_txn = true;
		rc = fn(&t, arg);
		s->in_txn = false;
		txn_cursors_close(&t);
		if (!t.full && rc >= 0) {
			/* A failed commit has already freed the txn. */
			rc = mdb_txn_commit(t.txn);
			if (rc == 0)
				return 0;
			if (rc != MDB_MAP_FULL)
				return map_err(rc);
		} else {
			mdb_txn_abort(t.txn);
			if (!t.full)
				return rc;
		}
		if ((rc = grow(s)) < 0)
			return rc;
	}
}

int store_read(struct store *s, store_txn_fn fn, void *arg)
{
	struct store_txn t = { .s = s };
	int rc;

	if (!s || !fn || s->in_txn)
		return PW_EINVAL;
	if ((rc = map_err(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t.txn))) < 0)
		return rc;
	s->in_txn = true;
	rc = fn(&t, arg);
	s->in_txn = false;
	txn_cursors_close(&t);
	mdb_txn_abort(t.txn);
	return rc;
}

/* ---- observations ---- */

/* The vintage vid into *o (and its chain link *prev); it must belong to want. */
static int vin_get(struct store_txn *t, uint64_t vid, struct store_obs *o, uint64_t *prev,
		   const uint8_t *want, size_t want_len)
{
	uint8_t key[8];
	MDB_cursor *c;
	int rc;
	bytes_put_be(key, vid, 8);
	MDB_val k = { 8, key }, v;
	if ((rc = txn_cursor(t, DB_VIN, &c)) < 0)
		return rc;
	if ((rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY)) != 0)
		return rc == MDB_NOTFOUND ? PW_ESTORE : map_err(rc); /* idx points nowhere */
	return vin_decode(&v, o, prev, want, want_len);
}

static int idx_val(const MDB_val *v, uint64_t *vid, uint32_t *rev)
{
	if (v->mv_size != IDX_VAL)
		return PW_ESTORE;
	*vid = bytes_get_le(v->mv_data, 8);
	*rev = (uint32_t)bytes_get_le((const uint8_t *)v->mv_data + 8, 4);
	return *vid && *rev ? 0 : PW_ESTORE;
}

/* The newest vintage of the observation whose idx entry is (ikey, v), cross-checked: the
 * vintage must belong to ikey and carry the rev the index names. */
static int idx_newest(struct store_txn *t, const uint8_t *ikey, size_t ikey_len, const MDB_val *v,
		      struct store_obs *o)
{
	uint64_t vid, prev;
	uint32_t rev;
	int rc;
	if ((rc = idx_val(v, &vid, &rev)) < 0 || (rc = vin_get(t, vid, o, &prev, ikey, ikey_len)) < 0)
		return rc;
	return o->rev == rev ? 0 : PW_ESTORE;
}

/* Finds the idx entry of (plan, ind, p): its key into key (*klen bytes) and its value. */
static int idx_find(struct store_txn *t, const char *plan, const char *ind, const struct period *p,
		    uint8_t key[OBS_KEY_MAX], size_t *klen, MDB_val *v)
{
	MDB_cursor *c;
	int n, rc;

	if ((rc = txn_check(t, false)) < 0)
		return rc;
	if (!p)
		return PW_EINVAL;
	if ((n = series_key(key, plan, ind)) < 0)
		return n;
	period_key(p, key + n);
	*klen = (size_t)n + 4;
	MDB_val k = { *klen, key };
	if ((rc = txn_cursor(t, DB_IDX, &c)) < 0)
		return rc;
	return map_err(mdb_cursor_get(c, &k, v, MDB_SET_KEY));
}

int store_obs_head(struct store_txn *t, const char *plan, const char *ind,
		   const struct period *p, struct store_head *out)
{
	uint8_t key[OBS_KEY_MAX];
	size_t klen;
	uint64_t vid;
	uint32_t rev;
	MDB_val v;
	int rc;

	if (!out)
		return PW_EINVAL;
	if ((rc = idx_find(t, plan, ind, p, key, &klen, &v)) < 0 ||
	    (rc = idx_val(&v, &vid, &rev)) < 0)
		return rc;
	const uint8_t *q = (const uint8_t *)v.mv_data + 12;
	*out = (struct store_head){ .rev = rev, .value = bytes_to_double(bytes_get_le(q, 8)),
				    .yoy = bytes_to_double(bytes_get_le(q + 8, 8)), .status = q[16], .flags = q[17] };
	return 0;
}

int store_obs_get(struct store_txn *t, const char *plan, const char *ind,
		  const struct period *p, struct store_obs *out)
{
	uint8_t key[OBS_KEY_MAX];
	size_t klen;
	struct store_obs o;
	MDB_val v;
	int rc;

	if (!out)
		return PW_EINVAL;
	if ((rc = idx_find(t, plan, ind, p, key, &klen, &v)) < 0 ||
	    (rc = idx_newest(t, key, klen, &v, &o)) < 0)
		return rc;
	*out = o;
	return 0;
}

int store_obs_put(struct store_txn *t, const struct store_obs *o)
{
	uint8_t key[OBS_KEY_MAX];
	struct obs_lens l;
	uint64_t prev = 0;
	uint32_t rev = 0;
	MDB_cursor *c;
	int n, rc;

	if ((rc = txn_check(t, true)) < 0)
		return rc;
	if (!o)
		return PW_EINVAL;
	if ((rc = obs_check(o, &l)) < 0)
		return rc;
	if ((n = series_key(key, o->plan, o->ind)) < 0)
		return n;
	period_key(&o->period, key + n);
	MDB_val k = { (size_t)n + 4, key }, v;
	if ((rc = txn_cursor(t, DB_IDX, &c)) < 0)
		return rc;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
	if (rc == 0 && (rc = idx_val(&v, &prev, &rev)) < 0)
		return rc;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return map_err(rc);
	/* History is append-only: a rev at or below the newest is the caller's bug. */
	if (o->rev <= rev)
		return PW_EINVAL;
	return vin_append(t, c, key, (size_t)n + 4, prev, o, &l);
}

/* Callback protocol shared by every iterator: > 0 stops without error. */
static int cb_result(int rc)
{
	return rc > 0 ? 0 : rc;
}

static int cursor_open(struct store_txn *t, int db, MDB_cursor **c)
{
	assert(t && db >= 0 && db < DB_COUNT);
	return map_err(mdb_cursor_open(t->txn, t->s->dbi[db], c));
}

/* Every vintage of the observation whose newest is vid, oldest first, to cb. */
static int chain_walk(struct store_txn *t, uint64_t vid, uint32_t rev, const uint8_t *ikey,
		      size_t ikey_len, store_obs_cb cb, void *arg)
{
	uint64_t stack[64], *vids = stack, cap = 64, n = 0;
	struct store_obs o;
	int rc = 0;

	/* Walk back to the first vintage; revs must fall strictly, so a damaged chain cannot
	 * loop. */
	for (uint64_t at = vid; at; n++) {
		uint64_t prev;
		if (n == cap) {
			uint64_t *more = malloc(2 * cap * sizeof(*more));
			if (!more) {
				rc = PW_ENOMEM;
				goto out;
			}
			memcpy(more, vids, n * sizeof(*more));
			if (vids != stack)
				free(vids);
			vids = more;
			cap *= 2;
		}
		if ((rc = vin_get(t, at, &o, &prev, ikey, ikey_len)) < 0)
			goto out;
		if (o.rev > rev || (n == 0 && o.rev != rev)) {
			rc = PW_ESTORE;
			goto out;
		}
		rev = o.rev - 1;
		vids[n] = at;
		at = prev;
	}
	while (n-- > 0) {
		uint64_t prev;
		if ((rc = vin_get(t, vids[n], &o, &prev, ikey, ikey_len)) < 0)
			goto out;
		if ((rc = cb(&o, arg)) != 0)
			goto out;
	}
out:
	if (vids != stack)
		free(vids);
	return rc;
}

/* Walks the observations of one series with from <= period <= to in time order: with
 * every_vintage, each one's whole history, else its newest vintage. */
static int series_walk(struct store_txn *t, bool every_vintage, const char *plan, const char *ind,
		       const struct period *from, const struct period *to, store_obs_cb cb,
		       void *arg)
{
	uint8_t key[OBS_KEY_MAX], to_key[4];
	MDB_cursor *c;
	int n, rc;

	if ((rc = txn_check(t, false)) < 0)
		return rc;
	if (!cb)
		return PW_EINVAL;
	if ((n = series_key(key, plan, ind)) < 0)
		return n;
	size_t prefix = (size_t)n;
	MDB_val k = { prefix, key }, v;
	if (from) {
		period_key(from, key + prefix);
		k.mv_size += 4;
	}
	if (to)
		period_key(to, to_key);
	/* A cursor of its own: the callbacks may use the txn's cursors. */
	if ((rc = cursor_open(t, DB_IDX, &c)) < 0)
		return rc;
	MDB_cursor_op op = MDB_SET_RANGE;
	while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		const uint8_t *kp = k.mv_data;
		uint64_t vid;
		uint32_t rev;
		struct store_obs o;
		if (k.mv_size < prefix || memcmp(kp, key, prefix) != 0)
			break; /* past the series */
		if (k.mv_size != prefix + 4 || (rc = idx_val(&v, &vid, &rev)) < 0) {
			rc = PW_ESTORE;
			goto out_close;
		}
		if (to && memcmp(kp + prefix, to_key, 4) > 0)
			break;
		if (every_vintage)
			rc = chain_walk(t, vid, rev, kp, k.mv_size, cb, arg);
		else if ((rc = idx_newest(t, kp, k.mv_size, &v, &o)) == 0)
			rc = cb(&o, arg);
		if (rc != 0) {
			rc = cb_result(rc);
			goto out_close;
		}
	}
	rc = rc == MDB_NOTFOUND ? 0 : map_err(rc);
out_close:
	mdb_cursor_close(c);
	return rc;
}

int store_obs_range(struct store_txn *t, const char *plan, const char *ind,
		    const struct period *from, const struct period *to, store_obs_cb cb,
		    void *arg)
{
	return series_walk(t, false, plan, ind, from, to, cb, arg);
}

int store_rev_range(struct store_txn *t, const char *plan, const char *ind,
		    const struct period *from, const struct period *to, store_obs_cb cb,
		    void *arg)
{
	return series_walk(t, true, plan, ind, from, to, cb, arg);
}

/* From an idx cursor just past a series' entries (or MDB_NOTFOUND: past the end), steps
 * back onto its last entry. */
static int idx_step_back(MDB_cursor *c, int seek_rc, MDB_val *k, MDB_val *v)
{
	if (seek_rc != 0 && seek_rc != MDB_NOTFOUND)
		return seek_rc;
	return mdb_cursor_get(c, k, v, seek_rc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);
}

int store_obs_last(struct store_txn *t, const char *plan, const char *ind, unsigned skip_flags,
		   struct store_obs *out)
{
	uint8_t key[SEEK_KEY_MAX];
	MDB_cursor *c;
	MDB_val k, v;
	int n, rc;

	if ((rc = txn_check(t, false)) < 0)
		return rc;
	if (!out)
		return PW_EINVAL;
	if ((n = series_key(key, plan, ind)) < 0)
		return n;
	size_t prefix = (size_t)n;
	if ((rc = cursor_open(t, DB_IDX, &c)) < 0)
		return rc;
	/* plan\0ind\0 + 5 x 0xff sorts after every key of the series (they have 4 more
	 * bytes): seek there, step back, and on through the periods, newest first. */
	memset(key + prefix, 0xff, 5);
	k = (MDB_val){ prefix + 5, key };
	rc = idx_step_back(c, mdb_cursor_get(c, &k, &v, MDB_SET_RANGE), &k, &v);
	for (; rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_PREV)) {
		struct store_obs o;
		if (k.mv_size < prefix || memcmp(k.mv_data, key, prefix) != 0) {
			rc = MDB_NOTFOUND; /* before the series */
			break;
		}
		if (k.mv_size != prefix + 4) {
			rc = PW_ESTORE;
			goto out_close;
		}
		if ((rc = idx_newest(t, k.mv_data, k.mv_size, &v, &o)) < 0)
			goto out_close;
		if (!(o.flags & skip_flags)) {
			*out = o;
			goto out_close;
		}
	}
	rc = map_err(rc);
out_close:
	mdb_cursor_close(c);
	return rc;
}

int store_series_list(struct store_txn *t, store_obs_cb cb, void *arg)
{
	MDB_cursor *c;
	MDB_val k, v;
	struct store_obs o;
	int rc;

	if ((rc = txn_check(t, false)) < 0)
		return rc;
	if (!cb)
		return PW_EINVAL;
	if ((rc = cursor_open(t, DB_IDX, &c)) < 0)
		return rc;
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		/* Jump to the series' newest period: seek just past every key with this
		 * prefix (plan\0ind\0 + 5 x 0xff sorts after all of them), step back. */
		uint8_t seek[SERIES_KEY_MAX + 5];
		const uint8_t *p = k.mv_data, *end = p + k.mv_size;
		if (!key_id(&p, end, o.plan, STORE_ID_MAX) ||
		    !key_id(&p, end, o.ind, STORE_ID_MAX)) {
			rc = PW_ESTORE;
			goto out_close;
		}
		size_t prefix = (size_t)(p - (const uint8_t *)k.mv_data);
		memcpy(seek, k.mv_data, prefix);
		memset(seek + prefix, 0xff, 5);
		k = (MDB_val){ prefix + 5, seek };
		if ((rc = idx_step_back(c, mdb_cursor_get(c, &k, &v, MDB_SET_RANGE), &k, &v)) != 0)
			break;
		if (k.mv_size != prefix + 4 || memcmp(k.mv_data, seek, prefix) != 0) {
			rc = PW_ESTORE;
			goto out_close;
		}
		if ((rc = idx_newest(t, k.mv_data, k.mv_size, &v, &o)) < 0)
			goto out_close;
		if ((rc = cb(&o, arg)) != 0) {
			rc = cb_result(rc);
			goto out_close;
		}
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	rc = rc == MDB_NOTFOUND ? 0 : map_err(rc);
out_close:
	mdb_cursor_close(c);
	return rc;
}

/* ---- sequences (log, quarantine) ---- */

/* Highest u64 key of db, 0 if empty. */
static int last_id(struct store_txn *t, int db, uint64_t *id)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if ((rc = cursor_open(t, db, &c)) < 0)
		return rc;
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	if (rc == MDB_NOTFOUND) {
		*id = 0;
		rc = 0;
	} else if (rc == 0 && k.mv_size != 8) {
		rc = PW_ESTORE;
	} else if (rc == 0) {
		*id = bytes_get_be(k.mv_data, 8);
	} else {
		rc = map_err(rc);
	}
	mdb_cursor_close(c);
	return rc;
}

static int seq_last(struct store_txn *t, int db, bool *known, uint64_t *last)
{
	int rc;
	if (!*known) {
		if ((rc = last_id(t, db, last)) < 0)
			return rc;
		*known = true;
	}
	return 0;
}

/* Appends key last + 1 with an uninitialised value of len bytes at *data. */
static int seq_append(struct store_txn *t, int db, bool *known, uint64_t *last, size_t len,
		      void **data, uint64_t *id)
{
	uint8_t key[8];
	int rc;

	assert(t->write);
	if ((rc = seq_last(t, db, known, last)) < 0)
		return rc;
	if (*last == UINT64_MAX)
		return PW_ERANGE;
	bytes_put_be(key, *last + 1, 8);
	MDB_val k = { sizeof(key), key }, v = { len, NULL };
	if (!t->app[db] && (rc = mdb_cursor_open(t->txn, t->s->dbi[db], &t->app[db])) != 0)
		return map_err(rc);
	/* Keys only ascend: MDB_APPEND skips the search and fills pages completely. */
	if ((rc = mdb_cursor_put(t->app[db], &k, &v, MDB_APPEND | MDB_RESERVE)) != 0)
		return write_err(t, rc);
	*data = v.mv_data;
	*id = ++*last;
	return 0;
}

int store_log_last(struct store_txn *t, uint64_t *seq)
{
	int rc;

	if ((rc = txn_check(t, false)) < 0)
		return rc;
	if (!seq)
		return PW_EINVAL;
	if ((rc = seq_last(t, DB_LOG, &t->log_known, &t->log_last)) < 0)
		return rc;
	*seq = t->log_last;
	return 0;
}

int store_log_append(struct store_txn *t, const char *topic, const void *body, size_t len,
		     uint64_t *seq)
{
	void *data;
	uint64_t id;
	int rc;

	if ((rc = txn_check(t, true)) < 0)
		return rc;
	if (!topic || (!body && len))
		return PW_EINVAL;
	size_t tl = strnlen(topic, STORE_TOPIC_MAX + 1);
	if (tl > STORE_TOPIC_MAX || len > VAL_SIZE_MAX - tl - 2)
		return PW_ETOOBIG;
	rc = seq_append(t, DB_LOG, &t->log_known, &t->log_last, 1 + tl + 1 + len, &data, &id);
	if (rc < 0)
		return rc;
	uint8_t *p = data;
	*p++ = VAL_V1;
	memcpy(p, topic, tl + 1);
	if (len)
		memcpy(p + tl + 1, body, len);
	if (seq)
		*seq = id;
	return 0;
}

/* Visits the records of a table keyed by 8-byte big-endian ids (log, quarantine) with id >
 * after, ascending. visit returns 0 to go on; anything else ends the walk and is passed
 * through cb_result(). */
typedef int (*id_record_fn)(const MDB_val *k, const MDB_val *v, void *ctx);
static int walk_after(struct store_txn *t, int db, uint64_t after, id_record_fn visit, void *ctx)
{
	uint8_t key[8];
	MDB_cursor *c;
	int rc;

	if (after == UINT64_MAX)
		return 0;
	bytes_put_be(key, after + 1, 8);
	if ((rc = cursor_open(t, db, &c)) < 0)
		return rc;
	MDB_val k = { sizeof(key), key }, v;
	MDB_cursor_op op = MDB_SET_RANGE;
	while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if ((rc = visit(&k, &v, ctx)) != 0) {
			rc = cb_result(rc);
			goto out_close;
		}
	}
	rc = rc == MDB_NOTFOUND ? 0 : map_err(rc);
out_close:
	mdb_cursor_close(c);
	return rc;
}

struct log_walk {
	store_log_cb cb;
	void *arg;
};

static int log_visit(const MDB_val *k, const MDB_val *v, void *ctx)
{
	const struct log_walk *w = ctx;
	const uint8_t *p = v->mv_data, *nul = NULL;
	if (k->mv_size == 8 && v->mv_size >= 2 && p[0] == VAL_V1) {
		size_t span = v->mv_size - 1 < STORE_TOPIC_MAX + 1 ? v->mv_size - 1
								   : STORE_TOPIC_MAX + 1;
		nul = memchr(p + 1, '\0', span);
	}
	if (!nul)
		return PW_ESTORE;
	size_t head = (size_t)(nul - p) + 1;
	return w->cb(bytes_get_be(k->mv_data, 8), (const char *)p + 1, p + head, v->mv_size - head, w->arg);
}

int store_log_since(struct store_txn *t, uint64_t after, store_log_cb cb, void *arg)
{
	struct log_walk w = { cb, arg };
	int rc;

	if ((rc = txn_check(t, false)) < 0)
		return rc;
	if (!cb)
		return PW_EINVAL;
	return walk_after(t, DB_LOG, after, log_visit, &w);
}

/* ---- opaque key/value tables ---- */

static int kv_get(struct store_txn *t, int db, const void *key, size_t klen, void *buf,
		  size_t cap, size_t *len)
{
	MDB_val k = { klen, (void *)key }, v;
	int rc;

	assert(db >= 0 && db < DB_COUNT);
	if (!len || (!buf && cap))
		return PW_EINVAL;
	if ((rc = mdb_get(t->txn, t->s->dbi[db], &k, &v)) != 0)
		return map_err(rc);
	*len = v.mv_size;
	if (v.mv_size > cap)
		return PW_ETOOBIG;
	if (v.mv_size)
		memcpy(buf, v.mv_data, v.mv_size);
	return 0;
}

static int kv_put(struct store_txn *t, int db, const void *key, size_t klen, const void *buf,
		  size_t len)
{
	MDB_val k = { klen, (void *)key }, v = { len, (void *)buf };

	assert(db >= 0 && db < DB_COUNT && t->write);
	if (!buf && len)
		return PW_EINVAL;
	if (len > VAL_SIZE_MAX)
		return PW_ETOOBIG;
	return write_err(t, mdb_put(t->txn, t->s->dbi[db], &k, &v, 0));
}

/* plan\0ind, without a trailing NUL. */
static int alert_key(uint8_t key[SERIES_KEY_MAX], const char *plan, const char *ind)
{
	int n = series_key(key, plan, ind);
	return n < 0 ? n : n - 1;
}

int store_alert_get(struct store_txn *t, const char *plan, const char *ind, void *buf,
		    size_t cap, size_t *len)
{
	uint8_t key[SERIES_KEY_MAX];
	int n, rc;

	if ((rc = txn_check(t, false)) < 0)
		return rc;
	if ((n = alert_key(key, plan, ind)) < 0)
		return n;
	return kv_get(t, DB_ALERT, key, (size_t)n, buf, cap, len);
}

int store_alert_put(struct store_txn *t, const char *plan, const char *ind, const void *buf,
		    size_t len)
{
	uint8_t key[SERIES_KEY_MAX];
	int n, rc;

	if ((rc = txn_check(t, true)) < 0)
		return rc;
	if ((n = alert_key(key, plan, ind)) < 0)
		return n;
	return kv_put(t, DB_ALERT, key, (size_t)n, buf, len);
}

int store_alert_del(struct store_txn *t, const char *plan, const char *ind)
{
	uint8_t key[SERIES_KEY_MAX];
	int n, rc;

	if ((rc = txn_check(t, true)) < 0)
		return rc;
	if ((n = alert_key(key, plan, ind)) < 0)
		return n;
	MDB_val k = { (size_t)n, key };
	return write_err(t, mdb_del(t->txn, t->s->dbi[DB_ALERT], &k, NULL));
}

int store_alert_list(struct store_txn *t, store_alert_cb cb, void *arg)
{
	char plan[STORE_ID_MAX + 1], ind[STORE_ID_MAX + 1];
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if ((rc = txn_check(t, false)) < 0)
		return rc;
	if (!cb)
		return PW_EINVAL;
	if ((rc = cursor_open(t, DB_ALERT, &c)) < 0)
		return rc;
	MDB_cursor_op op = MDB_FIRST;
	while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (!key_pair(&k, plan, STORE_ID_MAX, ind, 1, STORE_ID_MAX)) {
			rc = PW_ESTORE;
			goto out_close;
		}
		if ((rc = cb(plan, ind, v.mv_data, v.mv_size, arg)) != 0) {
			rc = cb_result(rc);
			goto out_close;
		}
	}
	rc = rc == MDB_NOTFOUND ? 0 : map_err(rc);
out_close:
	mdb_cursor_close(c);
	return rc;
}

/* dept\0msgid; either may be empty. */
static int msgid_key(uint8_t key[MSGID_KEY_MAX], const char *dept, const char *msgid)
{
	if (!dept || !msgid)
		return PW_EINVAL;
	size_t ld = strnlen(dept, STORE_DEPT_MAX + 1), lm = strnlen(msgid, STORE_MSGID_MAX + 1);
	if (ld > STORE_DEPT_MAX || lm > STORE_MSGID_MAX)
		return PW_ETOOBIG;
	memcpy(key, dept, ld + 1);
	memcpy(key + ld + 1, msgid, lm);
	return (int)(ld + 1 + lm);
}

int store_msgid_get(struct store_txn *t, const char *dept, const char *msgid, void *buf,
		    size_t cap, size_t *len)
{
	uint8_t key[MSGID_KEY_MAX];
	int n, rc;

	if ((rc = txn_check(t, false)) < 0)
		return rc;
	if ((n = msgid_key(key, dept, msgid)) < 0)
		return n;
	return kv_get(t, DB_MSGID, key, (size_t)n, buf, cap, len);
}

int store_msgid_put(struct store_txn *t, const char *dept, const char *msgid,
		    const void *buf, size_t len)
{
	uint8_t key[MSGID_KEY_MAX];
	int n, rc;

	if ((rc = txn_check(t, true)) < 0)
		return rc;
	if ((n = msgid_key(key, dept, msgid)) < 0)
		return n;
	return kv_put(t, DB_MSGID, key, (size_t)n, buf, len);
}

static int meta_key(const char *key, size_t *klen)
{
	if (!key || !*key)
		return PW_EINVAL;
	if ((*klen = strnlen(key, META_KEY_MAX + 1)) > META_KEY_MAX)
		return PW_ETOOBIG;
	return 0;
}

int store_meta_get(struct store_txn *t, const char *key, void *buf, size_t cap, size_t *len)
{
	size_t klen;
	int rc;

	if ((rc = txn_check(t, false)) < 0 || (rc = meta_key(key, &klen)) < 0)
		return rc;
	return kv_get(t, DB_META, key, klen, buf, cap, len);
}

int store_meta_put(struct store_txn *t, const char *key, const void *buf, size_t len)
{
	size_t klen;
	int rc;

	if ((rc = txn_check(t, true)) < 0 || (rc = meta_key(key, &klen)) < 0)
		return rc;
	/* The schema version belongs to store_open: overwriting it would brick the store. */
	if (strcmp(key, "schema") == 0)
		return PW_EINVAL;
	return kv_put(t, DB_META, key, klen, buf, len);
}

/* ---- quarantine ---- */

static int reject_decode(struct store_reject *r, const MDB_val *k, const MDB_val *v)
{
	struct rd d = { .p = v->mv_data, .end = (const uint8_t *)v->mv_data + v->mv_size };

	memset(r, 0, sizeof(*r));
	if (k->mv_size != 8 || rd_le(&d, 1) != VAL_V1)
		return PW_ESTORE;
	r->id = bytes_get_be(k->mv_data, 8);
	r->recv_ms = (int64_t)rd_le(&d, 8);
	r->code = (int)(int32_t)(uint32_t)rd_le(&d, 4);
	rd_str(&d, 1, r->dept, STORE_DEPT_MAX);
	rd_str(&d, 1, r->peer, STORE_DEPT_MAX);
	rd_str(&d, 2, r->detail, STORE_REASON_MAX);
	if (d.bad)
		return PW_ESTORE;
	r->raw = d.p;
	r->raw_len = (size_t)(d.end - d.p);
	return 0;
}

int store_quarantine_put(struct store_txn *t, struct store_reject *r)
{
	uint8_t head[QUAR_HEAD_MAX], *p = head;
	void *data;
	uint64_t id;
	int rc;

	if ((rc = txn_check(t, true)) < 0)
		return rc;
	if (!r || (!r->raw && r->raw_len))
		return PW_EINVAL;
	long ld = arr_len(r->dept, sizeof(r->dept)), lp = arr_len(r->peer, sizeof(r->peer));
	long lt = arr_len(r->detail, sizeof(r->detail));
	if (ld < 0 || lp < 0 || lt < 0)
		return PW_EINVAL;
	*p++ = VAL_V1;
	p = bytes_put_le(p, (uint64_t)r->recv_ms, 8);
	p = bytes_put_le(p, (uint32_t)(int32_t)r->code, 4);
	p = w_str(p, r->dept, (size_t)ld, 1);
	p = w_str(p, r->peer, (size_t)lp, 1);
	p = w_str(p, r->detail, (size_t)lt, 2);
	size_t hl = (size_t)(p - head);
	if (r->raw_len > VAL_SIZE_MAX - hl)
		return PW_ETOOBIG;
	rc = seq_append(t, DB_QUAR, &t->quar_known, &t->quar_last, hl + r->raw_len, &data, &id);
	if (rc < 0)
		return rc;
	memcpy(data, head, hl);
	if (r->raw_len)
		memcpy((uint8_t *)data + hl, r->raw, r->raw_len);
	r->id = id;
	return 0;
}

int store_quarantine_get(struct store_txn *t, uint64_t id, struct store_reject *out)
{
	uint8_t key[8];
	struct store_reject r;
	int rc;

	if ((rc = txn_check(t, false)) < 0)
		return rc;
	if (!out)
		return PW_EINVAL;
	bytes_put_be(key, id, 8);
	MDB_val k = { sizeof(key), key }, v;
	if ((rc = mdb_get(t->txn, t->s->dbi[DB_QUAR], &k, &v)) != 0)
		return map_err(rc);
	if ((rc = reject_decode(&r, &k, &v)) < 0)
		return rc;
	*out = r;
	return 0;
}

struct reject_walk {
	store_reject_cb cb;
	void *arg;
};

static int reject_visit(const MDB_val *k, const MDB_val *v, void *ctx)
{
	const struct reject_walk *w = ctx;
	struct store_reject r;
	int rc = reject_decode(&r, k, v);
	return rc < 0 ? rc : w->cb(&r, w->arg);
}

int store_quarantine_list(struct store_txn *t, uint64_t after, store_reject_cb cb, void *arg)
{
	struct reject_walk w = { cb, arg };
	int rc;

	if ((rc = txn_check(t, false)) < 0)
		return rc;
	if (!cb)
		return PW_EINVAL;
	return walk_after(t, DB_QUAR, after, reject_visit, &w);
}

/* ---- whole environment ---- */

int store_stat(struct store *s, struct store_stat *st)
{
	static const int dbs[] = { DB_IDX, DB_VIN, DB_LOG, DB_ALERT, DB_MSGID, DB_QUAR };
	struct store_stat r = { 0 };
	uint64_t *counts[] = { &r.n_obs, &r.n_rev, &r.n_log, &r.n_alert, &r.n_msgid, &r.n_quar };
	struct store_txn t = { .s = s };
	MDB_envinfo info;
	MDB_stat ms;
	struct stat fs;
	int rc;

	if (!s || !st)
		return PW_EINVAL;
	if ((rc = mdb_env_info(s->env, &info)) != 0 || (rc = mdb_env_stat(s->env, &ms)) != 0)
		return map_err(rc);
	r.map_size = info.me_mapsize;
	/* Pages 0..me_last_pgno are in use. */
	r.map_used = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
	if (stat(s->data_path, &fs) != 0)
		return PW_ESYS;
	r.file_size = (uint64_t)fs.st_size;
	/* A read txn of its own: store_stat may be called from inside a store_read. */
	if ((rc = map_err(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t.txn))) < 0)
		return rc;
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		if ((rc = mdb_stat(t.txn, s->dbi[dbs[i]], &ms)) != 0) {
			rc = map_err(rc);
			goto out_abort;
		}
		*counts[i] = ms.ms_entries;
	}
	if ((rc = last_id(&t, DB_LOG, &r.last_seq)) < 0)
		goto out_abort;
	*st = r;
out_abort:
	mdb_txn_abort(t.txn);
	return rc;
}

/* PW_ESYS if dir cannot be read, PW_EINVAL if it holds anything. */
static int dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return PW_ESYS;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			rc = PW_EINVAL;
			break;
		}
	closedir(d);
	return rc;
}

/* mdb_env_copy2 neither fsyncs the copy nor its directory entry. */
static int sync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return PW_ESYS;
	if (fsync(fd) != 0)
		rc = PW_ESYS;
	close(fd);
	return rc;
}

int store_backup(struct store *s, const char *dir)
{
	char *copy;
	int rc;

	if (!s || !dir || s->in_txn)
		return PW_EINVAL;
	if ((rc = dir_empty(dir)) < 0)
		return rc;
	if (!(copy = path_join(dir, "data.mdb")))
		return PW_ENOMEM;
	rc = map_err(mdb_env_copy2(s->env, dir, MDB_CP_COMPACT));
	if (rc == 0 && (rc = sync_path(copy, O_RDONLY)) == 0)
		rc = sync_path(dir, O_RDONLY | O_DIRECTORY);
	if (rc < 0) {
		/* dir was empty, so a partial copy is ours: leave it empty for a retry. */
		int e = errno;
		unlink(copy);
		errno = e;
	}
	free(copy);
	return rc;
}
