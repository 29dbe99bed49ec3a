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
 * The record layouts are in record.c, the schema check and migration in migrate.c,
 * the internals they share in store_int.h. */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../proto/err.h"
#include "store_int.h"

#define MAP_SIZE_DEFAULT (64ull << 20)
#define MAP_MAX_DEFAULT (64ull << 30)
#define FILE_MODE 0640

static const char *const db_names[DB_COUNT] = {
	[DB_VIN] = "vin",     [DB_IDX] = "idx",   [DB_LOG] = "log",   [DB_ALERT] = "alert",
	[DB_MSGID] = "msgid", [DB_QUAR] = "quar", [DB_META] = "meta",
};

/* ---- errors ---- */

int store_map_err(int rc)
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
int store_write_err(struct store_txn *t, int rc)
{
	assert(t && t->write);
	if (rc == MDB_MAP_FULL)
		t->full = true;
	return store_map_err(rc);
}

static int txn_check(const struct store_txn *t, bool write)
{
	if (!t || !t->txn || (write && !t->write))
		return PW_EINVAL;
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

static int seq_append(struct store_txn *t, int db, bool *known, uint64_t *last, size_t len,
		      void **data, uint64_t *id);

/* Appends one vintage of the observation with idx key ikey (after prev) and points idx at
 * it. c is a cursor on idx, positioned on ikey when it exists (the put then needs no
 * search). */
int store_vin_append(struct store_txn *t, MDB_cursor *c, const uint8_t *ikey, size_t ikey_len,
		     uint64_t prev, const struct store_obs *o, const struct rec_lens *l)
{
	uint8_t val[VIN_VAL_MAX], iv[IDX_VAL];
	size_t len = rec_vin_encode(val, ikey, ikey_len, prev, o, l);
	void *data;
	uint64_t vid;
	int rc = seq_append(t, DB_VIN, &t->vin_known, &t->vin_last, len, &data, &vid);
	if (rc < 0)
		return rc;
	memcpy(data, val, len);
	rec_idx_encode(iv, vid, o);
	MDB_val k = { ikey_len, (void *)ikey }, v = { IDX_VAL, iv };
	return store_write_err(t, mdb_cursor_put(c, &k, &v, 0));
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
			return store_map_err(rc);
		if (ms.ms_entries != 0)
			return PW_ESTORE;
		fresh = true;
	} else if (rc != 0) {
		return store_write_err(t, rc);
	}
	for (int i = 0; i < DB_COUNT; i++)
		if ((rc = mdb_dbi_open(t->txn, db_names[i], MDB_CREATE, &s->dbi[i])) != 0)
			return store_write_err(t, rc);

	return migrate_schema(t, fresh);
}

static int set_map(struct store *s, bool existing, uint64_t map_size)
{
	MDB_envinfo info;
	uint64_t want;
	int rc;

	if ((rc = mdb_env_info(s->env, &info)) != 0)
		return store_map_err(rc);
	want = info.me_mapsize;
	if (!existing || want < map_size)
		want = map_size;
	if (want > s->map_max)
		want = s->map_max;
	/* LMDB rounds a size below the data in use up to it. */
	if (want != info.me_mapsize && (rc = mdb_env_set_mapsize(s->env, (size_t)want)) != 0)
		return store_map_err(rc);
	if ((rc = mdb_env_info(s->env, &info)) != 0)
		return store_map_err(rc);
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
	if ((rc = store_map_err(mdb_env_create(&s->env))) < 0)
		goto out_free;
	if ((rc = store_map_err(mdb_env_set_maxdbs(s->env, DB_COUNT + 2 /* old obs, rev */))) < 0)
		goto out_free;
	if (!existing && (rc = store_map_err(mdb_env_set_mapsize(s->env, (size_t)map_size))) < 0)
		goto out_free;
	/* MDB_NOTLS: a read txn is not tied to its thread's TLS slot. Sync flags stay at the
	 * durable default (MDB_NOMETASYNC could lose the last acknowledged commit). */
	if ((rc = store_map_err(mdb_env_open(s->env, dir, MDB_NOTLS, FILE_MODE))) < 0)
		goto out_free;
	/* Free reader slots left by crashed processes, or they would pin old pages forever. */
	if ((rc = store_map_err(mdb_reader_check(s->env, &dead))) < 0)
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

/* Closes the cursors store_txn_cursor() opened; before the txn ends (a read txn does not free
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
int store_txn_cursor(struct store_txn *t, int db, MDB_cursor **c)
{
	int rc;
	assert(db >= 0 && db < DB_COUNT);
	if (!t->cur[db] && (rc = mdb_cursor_open(t->txn, t->s->dbi[db], &t->cur[db])) != 0)
		return store_map_err(rc);
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
		return store_map_err(rc);
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
		if ((rc = store_map_err(mdb_txn_begin(s->env, NULL, 0, &t.txn))) < 0)
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
				return store_map_err(rc);
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
	if ((rc = store_map_err(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t.txn))) < 0)
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
	if ((rc = store_txn_cursor(t, DB_VIN, &c)) < 0)
		return rc;
	if ((rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY)) != 0)
		return rc == MDB_NOTFOUND ? PW_ESTORE : store_map_err(rc); /* idx points nowhere */
	return rec_vin_decode(&v, o, prev, want, want_len);
}

/* The newest vintage of the observation whose idx entry is (ikey, v), cross-checked: the
 * vintage must belong to ikey and carry the rev the index names. */
static int idx_newest(struct store_txn *t, const uint8_t *ikey, size_t ikey_len, const MDB_val *v,
		      struct store_obs *o)
{
	uint64_t vid, prev;
	uint32_t rev;
	int rc;
	if ((rc = rec_idx_decode(v, &vid, &rev, NULL)) < 0 || (rc = vin_get(t, vid, o, &prev, ikey, ikey_len)) < 0)
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
	if ((n = rec_series_key(key, plan, ind)) < 0)
		return n;
	period_key(p, key + n);
	*klen = (size_t)n + 4;
	MDB_val k = { *klen, key };
	if ((rc = store_txn_cursor(t, DB_IDX, &c)) < 0)
		return rc;
	return store_map_err(mdb_cursor_get(c, &k, v, MDB_SET_KEY));
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
	if ((rc = idx_find(t, plan, ind, p, key, &klen, &v)) < 0)
		return rc;
	return rec_idx_decode(&v, &vid, &rev, out);
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
	struct rec_lens l;
	uint64_t prev = 0;
	uint32_t rev = 0;
	MDB_cursor *c;
	int n, rc;

	if ((rc = txn_check(t, true)) < 0)
		return rc;
	if (!o)
		return PW_EINVAL;
	if ((rc = rec_obs_check(o, &l)) < 0)
		return rc;
	if ((n = rec_series_key(key, o->plan, o->ind)) < 0)
		return n;
	period_key(&o->period, key + n);
	MDB_val k = { (size_t)n + 4, key }, v;
	if ((rc = store_txn_cursor(t, DB_IDX, &c)) < 0)
		return rc;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
	if (rc == 0 && (rc = rec_idx_decode(&v, &prev, &rev, NULL)) < 0)
		return rc;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_map_err(rc);
	/* History is append-only: a rev at or below the newest is the caller's bug. */
	if (o->rev <= rev)
		return PW_EINVAL;
	return store_vin_append(t, c, key, (size_t)n + 4, prev, o, &l);
}

/* Callback protocol shared by every iterator: > 0 stops without error. */
static int cb_result(int rc)
{
	return rc > 0 ? 0 : rc;
}

static int cursor_open(struct store_txn *t, int db, MDB_cursor **c)
{
	assert(t && db >= 0 && db < DB_COUNT);
	return store_map_err(mdb_cursor_open(t->txn, t->s->dbi[db], c));
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
	if ((n = rec_series_key(key, plan, ind)) < 0)
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
		if (k.mv_size != prefix + 4 || (rc = rec_idx_decode(&v, &vid, &rev, NULL)) < 0) {
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
	rc = rc == MDB_NOTFOUND ? 0 : store_map_err(rc);
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
	if ((n = rec_series_key(key, plan, ind)) < 0)
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
	rc = store_map_err(rc);
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
		if (!rec_key_id(&p, end, o.plan, STORE_ID_MAX) ||
		    !rec_key_id(&p, end, o.ind, STORE_ID_MAX)) {
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
	rc = rc == MDB_NOTFOUND ? 0 : store_map_err(rc);
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
		rc = store_map_err(rc);
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
		return store_map_err(rc);
	/* Keys only ascend: MDB_APPEND skips the search and fills pages completely. */
	if ((rc = mdb_cursor_put(t->app[db], &k, &v, MDB_APPEND | MDB_RESERVE)) != 0)
		return store_write_err(t, rc);
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
	size_t n = rec_log_size(tl, len);
	if ((rc = seq_append(t, DB_LOG, &t->log_known, &t->log_last, n, &data, &id)) < 0)
		return rc;
	rec_log_encode(data, topic, tl, body, len);
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
	rc = rc == MDB_NOTFOUND ? 0 : store_map_err(rc);
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
	const char *topic;
	const uint8_t *body;
	size_t len;
	if (k->mv_size != 8 || rec_log_decode(v, &topic, &body, &len) < 0)
		return PW_ESTORE;
	return w->cb(bytes_get_be(k->mv_data, 8), topic, body, len, w->arg);
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
		return store_map_err(rc);
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
	return store_write_err(t, mdb_put(t->txn, t->s->dbi[db], &k, &v, 0));
}

/* plan\0ind, without a trailing NUL. */
static int alert_key(uint8_t key[SERIES_KEY_MAX], const char *plan, const char *ind)
{
	int n = rec_series_key(key, plan, ind);
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
	return store_write_err(t, mdb_del(t->txn, t->s->dbi[DB_ALERT], &k, NULL));
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
		if (!rec_key_pair(&k, plan, STORE_ID_MAX, ind, 1, STORE_ID_MAX)) {
			rc = PW_ESTORE;
			goto out_close;
		}
		if ((rc = cb(plan, ind, v.mv_data, v.mv_size, arg)) != 0) {
			rc = cb_result(rc);
			goto out_close;
		}
	}
	rc = rc == MDB_NOTFOUND ? 0 : store_map_err(rc);
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

int store_quarantine_put(struct store_txn *t, struct store_reject *r)
{
	uint8_t head[QUAR_HEAD_MAX];
	void *data;
	uint64_t id;
	int rc;

	if ((rc = txn_check(t, true)) < 0)
		return rc;
	if (!r || (!r->raw && r->raw_len))
		return PW_EINVAL;
	size_t hl;
	if ((rc = rec_reject_head(head, r, &hl)) < 0)
		return rc;
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
		return store_map_err(rc);
	if ((rc = rec_reject_decode(&r, &k, &v)) < 0)
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
	int rc = rec_reject_decode(&r, k, v);
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
		return store_map_err(rc);
	r.map_size = info.me_mapsize;
	/* Pages 0..me_last_pgno are in use. */
	r.map_used = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
	if (stat(s->data_path, &fs) != 0)
		return PW_ESYS;
	r.file_size = (uint64_t)fs.st_size;
	/* A read txn of its own: store_stat may be called from inside a store_read. */
	if ((rc = store_map_err(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t.txn))) < 0)
		return rc;
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		if ((rc = mdb_stat(t.txn, s->dbi[dbs[i]], &ms)) != 0) {
			rc = store_map_err(rc);
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
	rc = store_map_err(mdb_env_copy2(s->env, dir, MDB_CP_COMPACT));
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

