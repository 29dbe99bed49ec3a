/* store/migrate.c — the schema version in meta "schema": written into a fresh store, checked
 * on every open, and schemas 1 and 2 (tables obs + rev, then rev, keyed by series) rewritten
 * as schema 3 (the vintage log vin + its index idx, see store.c) once, in one txn. */
#include "../proto/err.h"
#include "store_int.h"

#define DB_NAME_OLD_OBS "obs" /* schema 1 */
#define DB_NAME_OLD_REV "rev" /* schemas 1 and 2 */
#define META_OLD_N_OBS "n_obs" /* schema 2 */

static int put_schema(struct store_txn *t)
{
	uint8_t ver[4];
	bytes_put_le(ver, STORE_SCHEMA, sizeof(ver));
	MDB_val k = { 6, (void *)"schema" }, v = { sizeof(ver), ver };
	return store_write_err(t, mdb_put(t->txn, t->s->dbi[DB_META], &k, &v, 0));
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
	MDB_val nk = { sizeof(META_OLD_N_OBS) - 1, (void *)META_OLD_N_OBS };
	rc = mdb_del(t->txn, t->s->dbi[DB_META], &nk, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_write_err(t, rc);
	return put_schema(t);
}

int migrate_schema(struct store_txn *t, bool fresh)
{
	MDB_val k = { 6, (void *)"schema" }, v;
	int rc;

	if (fresh)
		return put_schema(t);
	if ((rc = mdb_get(t->txn, t->s->dbi[DB_META], &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? PW_ESTORE : store_map_err(rc);
	if (v.mv_size != 4)
		return PW_ESTORE;
	uint64_t ver = bytes_get_le(v.mv_data, 4);
	if (ver == STORE_SCHEMA_V1 || ver == STORE_SCHEMA_V2)
		return migrate_to_vin(t);
	return ver == STORE_SCHEMA ? 0 : PW_ESTORE;
}
