/* store/migrate.c — the schema version in meta "schema": written into a fresh store, checked
 * on every open, and older schemas rewritten once, in one txn: 1 and 2 (tables obs + rev,
 * then rev, keyed by series) as the vintage log vin + its index idx (see store.c); 3 (idx
 * always complete) and 4 (idx may lag vin by the hot index, hot.c) by their number; every
 * value of 1 to 4 sealed with the CRC-32C schema 5 adds (see record.c); schema 5
 * (series keyed by plan) re-keyed as 6 (series keyed by their owner, the region:
 * docs/MODEL.md section 8) in one txn when the daemon, which knows the catalog, gives the
 * mapping (store_migrate_owner); 6 given the verdict and due tables of 7 (section 3:
 * the tables are opened empty, the meta keys below say what the daemon still has to do);
 * and 7's verdicts re-keyed period-major as 8 (plan\0period\0ind: the verdicts of one
 * release are neighbours, so its commit dirties a leaf or two of the table, not one leaf
 * per indicator). Every step runs in the one txn of store_open (or store_migrate_owner):
 * an interrupted migration leaves the old schema intact. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../proto/err.h"
#include "../proto/period.h"
#include "store_int.h"

#define DB_NAME_OLD_OBS "obs" /* schema 1 */
#define DB_NAME_OLD_REV "rev" /* schemas 1 and 2 */
#define META_OLD_N_OBS "n_obs" /* schema 2 */

/* A sealed meta value of at most 8 bytes. */
static int put_meta(struct store_txn *t, const char *key, const void *val, size_t len)
{
	uint8_t buf[8 + REC_CRC];
	memcpy(buf, val, len);
	rec_seal(buf, len);
	MDB_val k = { strlen(key), (void *)key }, v = { len + REC_CRC, buf };
	return store_write_err(t, mdb_put(t->txn, t->s->dbi[DB_META], &k, &v, 0));
}

/* Schema 5 on writes its version sealed (u32 + CRC, 8 bytes); schemas 1-4 wrote a bare u32,
 * which is how an older planwatchd refuses a newer store. */
static int put_schema(struct store_txn *t, unsigned schema)
{
	uint8_t ver[4];
	bytes_put_le(ver, schema, 4);
	int rc = put_meta(t, "schema", ver, sizeof(ver));
	if (rc == 0)
		t->s->schema = schema;
	return rc;
}

/* Schema 3 -> 4 (and the tables schemas 1 and 2 share with it): every value gets its
 * CRC-32C. One txn with the rest of the migration. */
static int seal_tables(struct store_txn *t, const int *dbs, size_t n)
{
	uint8_t stack[1024];
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		MDB_cursor *c;
		MDB_val k, v;
		if ((rc = mdb_cursor_open(t->txn, t->s->dbi[dbs[i]], &c)) != 0)
			return store_map_err(rc);
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			if (v.mv_size > VAL_SIZE_MAX - REC_CRC) {
				rc = PW_ETOOBIG;
				break;
			}
			/* The value lives in the map: copy it before the put moves it. */
			size_t n_new = v.mv_size + REC_CRC;
			uint8_t *buf = n_new <= sizeof(stack) ? stack : malloc(n_new);
			if (!buf) {
				rc = PW_ENOMEM;
				break;
			}
			memcpy(buf, v.mv_data, v.mv_size);
			rec_seal(buf, v.mv_size);
			/* The key too: LMDB copies it while it rewrites the page it points into. */
			uint8_t key[META_KEY_MAX];
			memcpy(key, k.mv_data, k.mv_size < sizeof(key) ? k.mv_size : sizeof(key));
			MDB_val nk = { k.mv_size < sizeof(key) ? k.mv_size : sizeof(key), key };
			MDB_val nv = { n_new, buf };
			rc = mdb_cursor_put(c, &nk, &nv, MDB_CURRENT);
			if (buf != stack)
				free(buf);
			if (rc != 0) {
				rc = store_write_err(t, rc);
				break;
			}
		}
		mdb_cursor_close(c);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	return rc;
}

/* The tables every schema before 4 wrote without checksums. */
static const int tables_v1[] = { DB_LOG, DB_ALERT, DB_MSGID, DB_QUAR, DB_META };
static const int tables_v3[] = { DB_VIN, DB_IDX, DB_LOG, DB_ALERT, DB_MSGID, DB_QUAR, DB_META };

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
		return store_map_err(rc);
	if (rc == 0) {
		if ((rc = store_txn_cursor(t, DB_IDX, &ci)) < 0)
			return rc;
		if ((rc = mdb_cursor_open(t->txn, rev, &rc_rev)) != 0)
			return store_map_err(rc);
		for (rc = mdb_cursor_get(rc_rev, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(rc_rev, &k, &v, MDB_NEXT)) {
			struct store_obs o;
			struct rec_lens l;
			if ((rc = rec_old_rev_decode(&o, &k, &v)) < 0 || (rc = rec_obs_check(&o, &l)) < 0) {
				rc = PW_ESTORE;
				break;
			}
			size_t kl = k.mv_size - 4;
			if (kl != ikey_len || memcmp(k.mv_data, ikey, kl) != 0) {
				memcpy(ikey, k.mv_data, kl); /* the next observation's first vintage */
				ikey_len = kl;
				prev = 0;
			}
			if ((rc = store_vin_append(t, ci, ikey, ikey_len, prev, &o, &l)) < 0)
				break;
			prev = t->vin_last;
		}
		mdb_cursor_close(rc_rev);
		if (rc != MDB_NOTFOUND)
			return rc < 0 ? rc : store_map_err(rc);
		if ((rc = mdb_drop(t->txn, rev, 1)) != 0)
			return store_write_err(t, rc);
	}
	if ((rc = mdb_dbi_open(t->txn, DB_NAME_OLD_OBS, 0, &obs)) == 0) {
		if ((rc = mdb_drop(t->txn, obs, 1)) != 0)
			return store_write_err(t, rc);
	} else if (rc != MDB_NOTFOUND) {
		return store_map_err(rc);
	}
	/* n_obs of schema 2 goes; so would a replay mark: this idx is complete. */
	static const char *const gone[] = { META_OLD_N_OBS, META_IDX_LWM };
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		MDB_val nk = { strlen(gone[i]), (void *)gone[i] };
		rc = mdb_del(t->txn, t->s->dbi[DB_META], &nk, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return store_write_err(t, rc);
	}
	/* vin and idx were written sealed above; the other tables still need it. */
	if ((rc = seal_tables(t, tables_v1, sizeof(tables_v1) / sizeof(*tables_v1))) < 0)
		return rc;
	return put_schema(t, STORE_SCHEMA_V5);
}

/* meta "overdue_since": the time of this open, unless a store has it already. Figures due
 * before it are never announced overdue, so the first start of a store (or of the release
 * that brings overdue per department) does not announce years of gaps in one burst. */
static int put_overdue_since(struct store_txn *t)
{
	MDB_val k = { strlen(META_OVERDUE_SINCE), (void *)META_OVERDUE_SINCE }, v;
	struct timespec ts;
	uint8_t ms[8];
	int rc = mdb_get(t->txn, t->s->dbi[DB_META], &k, &v);
	if (rc != MDB_NOTFOUND)
		return store_map_err(rc);
	clock_gettime(CLOCK_REALTIME, &ts);
	bytes_put_le(ms, (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000, 8);
	return put_meta(t, META_OVERDUE_SINCE, ms, sizeof(ms));
}

/* One verdict record of schema 7 under its schema-8 key, for the sort: the key (klen bytes)
 * and the sealed value as it was (vlen bytes) side by side in one buffer. */
struct verdict_ent {
	uint8_t *p;
	size_t klen, vlen;
};

static int verdict_ent_cmp(const void *x, const void *y)
{
	const struct verdict_ent *a = x, *b = y;
	int r = memcmp(a->p, b->p, a->klen < b->klen ? a->klen : b->klen);
	/* LMDB's default order: bytes, then the shorter key first */
	return r ? r : (a->klen > b->klen) - (a->klen < b->klen);
}

/* The bytes of every key and value of table db: what verdicts_read copies (a schema-8 key
 * is as long as its schema-7 key). */
static int table_bytes(struct store_txn *t, int db, size_t *total)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	*total = 0;
	if ((rc = mdb_cursor_open(t->txn, t->s->dbi[db], &c)) != 0)
		return store_map_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		*total += k.mv_size + v.mv_size;
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : store_map_err(rc);
}

/* Reads the n verdicts of schema 7 (plan\0ind\0period) into e, each under its new key, into
 * buf (cap bytes, table_bytes). Collected whole: the new keys sort among the old ones. */
static int verdicts_read(struct store_txn *t, struct verdict_ent *e, size_t n, uint8_t *buf,
			 size_t cap)
{
	size_t i = 0, used = 0;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(t->txn, t->s->dbi[DB_VERDICT], &c)) != 0)
		return store_map_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT), i++) {
		char plan[STORE_ID_MAX + 1], ind[STORE_ID_MAX + 1];
		uint8_t key[VERDICT_KEY_MAX];
		struct period p;
		int kl;
		if (!rec_series_period_split(&k, plan, ind, &p) ||
		    (kl = rec_verdict_key(key, plan, &p, ind)) < 0) {
			rc = PW_EDAMAGED;
			break;
		}
		if (i == n || cap - used < (size_t)kl + v.mv_size) {
			rc = PW_ESTORE; /* the table changed between the passes: cannot happen */
			break;
		}
		e[i] = (struct verdict_ent){ .p = buf + used, .klen = (size_t)kl, .vlen = v.mv_size };
		memcpy(e[i].p, key, (size_t)kl);
		memcpy(e[i].p + kl, v.mv_data, v.mv_size);
		used += (size_t)kl + v.mv_size;
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		rc = i == n ? 0 : PW_ESTORE;
	return rc < 0 ? rc : store_map_err(rc);
}

/* Schema 7 -> 8: every verdict moves from plan\0ind\0period to plan\0period\0ind (record.c),
 * its value byte for byte; the table is emptied and refilled in key order (MDB_APPEND: full
 * leaves). No other table or meta key changes ("rejudge" and "overdue_since" stay). Memory:
 * the table's keys and values once, and 24 bytes a record. */
static int migrate_to_8(struct store_txn *t)
{
	MDB_dbi dbi = t->s->dbi[DB_VERDICT];
	struct verdict_ent *e = NULL;
	uint8_t *buf = NULL;
	MDB_stat st;
	size_t total;
	int rc;

	if ((rc = mdb_stat(t->txn, dbi, &st)) != 0)
		return store_map_err(rc);
	if (st.ms_entries) {
		if ((rc = table_bytes(t, DB_VERDICT, &total)) < 0)
			return rc;
		if (!(e = calloc(st.ms_entries, sizeof(*e))) || !(buf = malloc(total))) {
			rc = PW_ENOMEM;
			goto out_free;
		}
		if ((rc = verdicts_read(t, e, st.ms_entries, buf, total)) < 0)
			goto out_free;
		qsort(e, st.ms_entries, sizeof(*e), verdict_ent_cmp);
		if ((rc = mdb_drop(t->txn, dbi, 0)) != 0) {
			rc = store_write_err(t, rc);
			goto out_free;
		}
		for (size_t i = 0; i < st.ms_entries; i++) {
			MDB_val nk = { e[i].klen, e[i].p }, nv = { e[i].vlen, e[i].p + e[i].klen };
			if ((rc = mdb_put(t->txn, dbi, &nk, &nv, MDB_APPEND)) != 0) {
				/* two old keys onto one new one cannot happen: the map is one to one */
				rc = rc == MDB_KEYEXIST ? PW_EDAMAGED : store_write_err(t, rc);
				goto out_free;
			}
		}
	}
	rc = put_schema(t, STORE_SCHEMA);
out_free:
	free(buf);
	free(e);
	return rc;
}

/* Schema 6 -> 7 (-> 8): the verdict and due tables exist (init_txn opened them); the daemon
 * fills the verdicts of the stored figures (meta "rejudge") and turns the overdue periods
 * the alert records remember into due entries, which the store cannot read. */
static int migrate_to_7(struct store_txn *t)
{
	static const uint8_t one = 1;
	int rc;
	if ((rc = put_overdue_since(t)) < 0 || (rc = put_meta(t, META_REJUDGE, &one, 1)) < 0)
		return rc;
	return migrate_to_8(t); /* an empty verdict table: only the number changes */
}

int migrate_schema(struct store_txn *t, bool fresh)
{
	MDB_val k = { 6, (void *)"schema" }, v;
	int rc;

	if (fresh) {
		if ((rc = put_overdue_since(t)) < 0)
			return rc;
		return put_schema(t, STORE_SCHEMA);
	}
	if ((rc = mdb_get(t->txn, t->s->dbi[DB_META], &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? PW_ESTORE : store_map_err(rc);
	if (v.mv_size == 4 + REC_CRC) { /* schema 5 and later: sealed */
		if ((rc = rec_open(&v, &v)) < 0)
			return rc;
		uint64_t sealed = bytes_get_le(v.mv_data, 4);
		if (sealed == STORE_SCHEMA_V6)
			return migrate_to_7(t);
		if (sealed == STORE_SCHEMA_V7)
			return migrate_to_8(t);
		if (sealed != STORE_SCHEMA && sealed != STORE_SCHEMA_V5)
			return PW_ESTORE;
		t->s->schema = (unsigned)sealed; /* 5: keyed by plan until store_migrate_owner */
		return 0;
	}
	if (v.mv_size != 4)
		return PW_ESTORE;
	uint64_t ver = bytes_get_le(v.mv_data, 4);
	if (ver == STORE_SCHEMA_V1 || ver == STORE_SCHEMA_V2)
		return migrate_to_vin(t);
	/* 3 -> 5: a schema 3 idx is complete (no "idx_lwm": nothing to replay); 4 -> 5: its
	 * replay mark stays valid (the seal changes no vid). Both get every value sealed; the
	 * number changes so an older binary refuses the store. */
	if (ver == STORE_SCHEMA_V3 || ver == STORE_SCHEMA_V4) {
		if ((rc = seal_tables(t, tables_v3, sizeof(tables_v3) / sizeof(*tables_v3))) < 0)
			return rc;
		return put_schema(t, STORE_SCHEMA_V5);
	}
	return PW_ESTORE;
}

/* ---- schema 5 -> 6 (-> 7 -> 8): series keyed by their owner (region) instead of the plan ---- */

struct idx_ent {
	uint8_t key[OBS_KEY_MAX];
	uint8_t val[IDX_VAL];
	size_t klen;
};

/* The new idx key of an old one: the owner the map gives for its plan, the same indicator
 * and period. PW_EINVAL (with err) when the map does not know the plan. */
static int owner_key(const struct store_obs *o, store_owner_fn map, void *arg, uint8_t *key,
		     size_t *klen, char *err, size_t cap)
{
	const char *owner = map(o->plan, arg);
	int n;

	if (!owner) {
		snprintf(err, cap, "store holds plan '%s' that the catalog does not know: add its "
			 "plan file before upgrading", o->plan);
		return PW_EINVAL;
	}
	if ((n = rec_series_key(key, owner, o->ind)) < 0)
		return n;
	period_key(&o->period, key + n);
	*klen = (size_t)n + 4;
	return 0;
}

/* Every vin record gets the new embedded key (vids and prev chains unchanged, so revisions
 * and history are unchanged). */
static int rekey_vin(struct store_txn *t, store_owner_fn map, void *arg, char *err, size_t cap)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(t->txn, t->s->dbi[DB_VIN], &c)) != 0)
		return store_map_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct store_obs o;
		struct rec_lens l;
		uint8_t key[OBS_KEY_MAX], buf[VIN_VAL_MAX];
		uint64_t prev;
		size_t klen;
		if ((rc = rec_vin_decode(&v, &o, &prev, NULL, 0)) < 0 ||
		    (rc = rec_obs_check(&o, &l)) < 0) {
			rc = PW_ESTORE;
			break;
		}
		if ((rc = owner_key(&o, map, arg, key, &klen, err, cap)) < 0)
			break;
		MDB_val nv = { rec_vin_encode(buf, key, klen, prev, &o, &l), buf };
		/* k points into the page the put rewrites (another size: delete + insert). */
		uint8_t vid[8];
		if (k.mv_size != sizeof(vid)) {
			rc = PW_ESTORE;
			break;
		}
		memcpy(vid, k.mv_data, sizeof(vid));
		MDB_val vk = { sizeof(vid), vid };
		if ((rc = mdb_cursor_put(c, &vk, &nv, MDB_CURRENT)) != 0) {
			rc = store_write_err(t, rc);
			break;
		}
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Every idx entry moves to its new key. Read whole first: the new keys sort among the
 * old ones. Two old keys onto one new key (two plans of one region) are refused. */
static int rekey_idx(struct store_txn *t, store_owner_fn map, void *arg, char *err, size_t cap)
{
	MDB_dbi dbi = t->s->dbi[DB_IDX];
	MDB_stat st;
	MDB_cursor *c;
	MDB_val k, v;
	struct idx_ent *e;
	size_t n = 0;
	int rc;

	if ((rc = mdb_stat(t->txn, dbi, &st)) != 0)
		return store_map_err(rc);
	if (!(e = calloc(st.ms_entries ? st.ms_entries : 1, sizeof(*e))))
		return PW_ENOMEM;
	if ((rc = mdb_cursor_open(t->txn, dbi, &c)) != 0) {
		rc = store_map_err(rc);
		goto out_free;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && n < st.ms_entries;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct store_obs o;
		const uint8_t *p = k.mv_data, *end = p + k.mv_size;
		memset(&o, 0, sizeof(o));
		if (v.mv_size != IDX_VAL || !rec_key_id(&p, end, o.plan, STORE_ID_MAX) ||
		    !rec_key_id(&p, end, o.ind, STORE_ID_MAX) || end - p != 4) {
			rc = PW_ESTORE;
			break;
		}
		o.period = period_from_key(p);
		if ((rc = owner_key(&o, map, arg, e[n].key, &e[n].klen, err, cap)) < 0)
			break;
		memcpy(e[n].val, v.mv_data, IDX_VAL);
		n++;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND && rc != 0)
		goto out_free;
	if ((rc = mdb_drop(t->txn, dbi, 0)) != 0) {
		rc = store_write_err(t, rc);
		goto out_free;
	}
	for (size_t i = 0; i < n; i++) {
		MDB_val nk = { e[i].klen, e[i].key }, nv = { IDX_VAL, e[i].val };
		if ((rc = mdb_put(t->txn, dbi, &nk, &nv, MDB_NOOVERWRITE)) != 0) {
			if (rc == MDB_KEYEXIST)
				snprintf(err, cap, "two plans hold one series of one region (%s): "
					 "the store cannot be re-keyed by region", (const char *)e[i].key);
			rc = rc == MDB_KEYEXIST ? PW_EINVAL : store_write_err(t, rc);
			goto out_free;
		}
	}
	rc = 0;
out_free:
	free(e);
	return rc;
}

int migrate_owner(struct store_txn *t, store_owner_fn map, void *arg, char *err, size_t cap)
{
	int rc;

	err[0] = '\0';
	if ((rc = rekey_vin(t, map, arg, err, cap)) < 0 || (rc = rekey_idx(t, map, arg, err, cap)) < 0)
		return rc;
	return migrate_to_7(t);
}
