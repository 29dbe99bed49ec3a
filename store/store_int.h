/* store/store_int.h — what the store's three files share and nothing outside store/ sees:
 * the environment and txn structs (store.c), the record codecs (record.c, rec_*) and the
 * schema check and migration (migrate.c, migrate_*). Not installed; include store.h for the
 * contract. */
#ifndef PW_STORE_INT_H
#define PW_STORE_INT_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../proto/bytes.h"
#include "store.h"

#define STORE_SCHEMA 8u    /* 7 with the verdict table keyed plan, period, indicator (record.c) */
#define STORE_SCHEMA_V7 7u /* 6 + the verdict and due tables (docs/MODEL.md sections 3, 6) */
#define STORE_SCHEMA_V6 6u /* 5 with series keyed by their owner (region), not by plan */
#define STORE_SCHEMA_V5 5u /* 4 + a CRC-32C at the end of every value; keyed by plan */
#define STORE_SCHEMA_V1 1u /* tables obs + rev, keyed by series */
#define STORE_SCHEMA_V2 2u /* table rev only */
#define STORE_SCHEMA_V3 3u /* vin + idx, idx always complete */
#define STORE_SCHEMA_V4 4u /* 3 + the hot index: idx may lag vin; values without checksums */
#define META_IDX_LWM "idx_lwm" /* u64 LE: vin from this vid on may be newer than idx (0: none) */
#define META_OVERDUE_SINCE "overdue_since" /* i64 LE ms: written once (store.h) */
#define META_REJUDGE "rejudge" /* u8 1: the verdicts of stored figures are still to be filled */
#define REC_CRC 4          /* bytes of the CRC-32C that ends every value (schema 5) */
#define VAL_V1 1
#define VIN_V2 2 /* a vin record that also keeps the figure as sent and its provenance */

/* LMDB's limit on one value (MDB_MAXDATASIZE in mdb.c). */
#define VAL_SIZE_MAX 0xffffffffull

#define SERIES_KEY_MAX (STORE_ID_MAX + 1 + STORE_ID_MAX + 1)
#define OBS_KEY_MAX (SERIES_KEY_MAX + 4)
#define VERDICT_KEY_MAX (STORE_ID_MAX + 1 + 4 + 1 + STORE_ID_MAX) /* plan\0period\0ind */
#define SEEK_KEY_MAX (OBS_KEY_MAX + 1) /* a series key + 5 x 0xff: after all its periods */
#define MSGID_KEY_MAX (STORE_DEPT_MAX + 1 + STORE_MSGID_MAX)
#define META_KEY_MAX 511 /* LMDB's default maximum key size */

#define OBS_FIXED (1 + 1 + 4 + 8 + 8 + 8)
#define OBS_FIELDS_MAX (OBS_FIXED + 1 + STORE_DEPT_MAX + 1 + STORE_MSGID_MAX + 2 + STORE_REASON_MAX)
#define OBS_V2_MAX (1 + STORE_UNIT_MAX + 8 + 1 + 1 + 8 * STORE_SRC_MAX)
#define VIN_VAL_MAX (1 + 1 + OBS_KEY_MAX + 8 + OBS_FIELDS_MAX + OBS_V2_MAX + REC_CRC)
#define IDX_VAL (30 + REC_CRC)
#define QUAR_FIXED (1 + 8 + 4)
#define QUAR_HEAD_MAX (QUAR_FIXED + 1 + STORE_DEPT_MAX + 1 + STORE_DEPT_MAX + 2 + STORE_REASON_MAX)

enum { DB_VIN, DB_IDX, DB_LOG, DB_ALERT, DB_MSGID, DB_QUAR, DB_META, DB_VERDICT, DB_DUE, DB_COUNT };

struct hot;

/* When the hot index writes its entries to idx (store.c hot_due): the defaults in store_open;
 * tests set small ones so that every branch runs under the reference model. */
struct hot_limits {
	size_t eager;     /* at most this many entries pending: a series every txn */
	unsigned every;   /* above that: a series every this many txns */
	uint64_t lag_max; /* a series whose oldest vintage lags the newest this much: at once */
	size_t target;    /* above this many entries: series after series until below */
};

struct store {
	MDB_env *env;
	struct hot *hot;     /* idx entries not yet in LMDB (hot.c) */
	uint64_t lwm_stored; /* meta "idx_lwm" as committed: replay vin from here (0: none) */
	unsigned hot_tick;   /* write txns since the hot index last wrote a series on its turn */
	struct hot_limits hot_lim;
	uint64_t lwm_next;   /* what the txn being committed wrote there */
	bool hot_ready;      /* rebuilt after open: write txns flush it */
	MDB_dbi dbi[DB_COUNT];
	int lock_fd;
	char *data_path; /* dir/data.mdb, for store_stat */
	uint64_t map_size, map_max;
	bool in_txn; /* inside store_write/store_read: the map must not move */
	unsigned schema; /* as opened; below STORE_SCHEMA only writes of the migration run */
	bool migrating;
	uint64_t vin_reads; /* vintages decoded for readers since open (store_vintages_read) */
	uint64_t map_full_reruns; /* write txns run again after MDB_MAP_FULL since open */
	unsigned grow_ahead_pct;  /* grow before a write txn above this % in use; 0: on MAP_FULL only */
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

/* ---- store.c: what migrate.c needs of the environment ---- */

/* An LMDB code as a pw_err code. */
int store_map_err(int rc);
/* For every call that may allocate pages: also remembers MAP_FULL in t. */
int store_write_err(struct store_txn *t, int rc);
/* The txn's own cursor on db, opened on first use, closed when the txn ends. */
int store_txn_cursor(struct store_txn *t, int db, MDB_cursor **c);
/* Appends one vintage of o (lens from rec_obs_check) after prev and points idx at it. */
struct rec_lens;
int store_vin_append(struct store_txn *t, MDB_cursor *c, const uint8_t *ikey, size_t ikey_len,
		     uint64_t prev, const struct store_obs *o, const struct rec_lens *l);

/* Orders two period keys (period_key: big-endian, so as numbers they order as memcmp
 * orders them) in two loads, not a call: the series walks and the hot index's search
 * compare one per step. */
static inline bool period_key_less(const uint8_t a[4], const uint8_t b[4])
{
	return bytes_get_be(a, 4) < bytes_get_be(b, 4);
}

static inline int period_key_cmp(const uint8_t a[4], const uint8_t b[4])
{
	return period_key_less(b, a) - period_key_less(a, b);
}

/* ---- record.c: keys and values, no LMDB calls ---- */

/* The string lengths of a checked store_obs. */
struct rec_lens {
	size_t dept, msgid, reason, sent_unit;
};

/* CRC-32C of p[0..n): in hardware where the CPU has it, else rec_crc32c_portable (the same
 * value by table; exported for the test that compares them). */
uint32_t rec_crc32c(const void *p, size_t n);
uint32_t rec_crc32c_portable(const void *p, size_t n);
/* Writes the CRC-32C of p[0..n) into p[n..n + REC_CRC): every value the store writes. */
void rec_seal(uint8_t *p, size_t n);
/* Checks the CRC-32C at the end of v; body gets the value without it. PW_EDAMAGED when
 * it does not match. */
int rec_open(const MDB_val *v, MDB_val *body);
/* Writes plan\0ind\0 into key and returns its length, or a negative code. */
int rec_series_key(uint8_t key[SERIES_KEY_MAX], const char *plan, const char *ind);
/* The verdict key of schema 8, plan\0period(4)\0ind (no trailing NUL): period-major, so the
 * verdicts of one release (one period, many indicators) are neighbours. Returns its length
 * or PW_EINVAL / PW_ETOOBIG as rec_series_key. */
int rec_verdict_key(uint8_t key[VERDICT_KEY_MAX], const char *plan, const struct period *p,
		    const char *ind);
/* Splits a verdict key of schema 8; false when k is not one. */
bool rec_verdict_key_split(const MDB_val *k, char plan[STORE_ID_MAX + 1], struct period *p,
			   char ind[STORE_ID_MAX + 1]);
/* Splits a key a\0ind\0period(4): the due table's, and the verdict table's of schema 7
 * (for the migration); false when k is not one. */
bool rec_series_period_split(const MDB_val *k, char a[STORE_ID_MAX + 1], char ind[STORE_ID_MAX + 1],
			     struct period *p);
/* Copies the 1..max byte id at *p, which must end with a NUL before end, into dst and
 * moves *p past the NUL. */
bool rec_key_id(const uint8_t **p, const uint8_t *end, char *dst, size_t max);
/* Splits a key "a\0b" (a: 1..max_a bytes, b: min_b..max_b bytes without NUL). */
bool rec_key_pair(const MDB_val *k, char *a, size_t max_a, char *b, size_t min_b, size_t max_b);
/* PW_EINVAL unless every string of o is terminated, rev > 0, the period valid and n_src at
 * most STORE_SRC_MAX. */
int rec_obs_check(const struct store_obs *o, struct rec_lens *l);
/* A vin record for ikey after prev into buf, sealed; returns its length. */
size_t rec_vin_encode(uint8_t buf[VIN_VAL_MAX], const uint8_t *ikey, size_t ikey_len,
		      uint64_t prev, const struct store_obs *o, const struct rec_lens *l);
/* Decodes a vin record into *o and *prev; with want (an idx key), the record must belong
 * to that observation. */
int rec_vin_decode(const MDB_val *v, struct store_obs *o, uint64_t *prev, const uint8_t *want,
		   size_t want_len);
/* Decodes a schema 1/2 rev record (key plan\0ind\0period(4)rev(4), no checksum), for the
 * migration. */
int rec_old_rev_decode(struct store_obs *o, const MDB_val *k, const MDB_val *v);
/* The idx value (head) of vintage vid of o. */
void rec_idx_encode(uint8_t iv[IDX_VAL], uint64_t vid, const struct store_obs *o);
/* The vid and rev of an idx value (both non-zero), and with head its head fields. */
int rec_idx_decode(const MDB_val *v, uint64_t *vid, uint32_t *rev, struct store_head *head);
/* A log value: topic (tl bytes, no NUL) and body, sealed, into the rec_log_size bytes at p. */
size_t rec_log_size(size_t tl, size_t len);
void rec_log_encode(uint8_t *p, const char *topic, size_t tl, const void *body, size_t len);
/* Splits a log value into its NUL-terminated topic and body, pointing into v. */
int rec_log_decode(const MDB_val *v, const char **topic, const uint8_t **body, size_t *len);
/* The head of a quarantine record (everything before the raw bytes) into head. */
int rec_reject_head(uint8_t head[QUAR_HEAD_MAX], const struct store_reject *r, size_t *len);
/* Decodes a (sealed) quarantine record; r->raw points into v. The decoders of sealed
 * values return PW_EDAMAGED when the checksum fails. */
int rec_reject_decode(struct store_reject *r, const MDB_val *k, const MDB_val *v);

/* ---- hot.c: idx entries held in memory (why: hot.c's opening comment) ---- */

struct hot_series;
struct hot *hot_new(void); /* NULL on OOM */
void hot_free(struct hot *h); /* NULL-safe */
void hot_clear(struct hot *h);
/* Sets the head of observation (series key, period pk) to head; vid is the vintage's
 * (queue order); fresh: idx has no entry for it. PW_ENOMEM leaves h unchanged. */
int hot_put(struct hot *h, const uint8_t *key, size_t klen, const uint8_t pk[4],
	    const uint8_t head[IDX_VAL], uint64_t vid, bool fresh);
/* The head of (key, pk) or NULL; valid until the next hot_put or hot_drop_oldest. */
const uint8_t *hot_get(const struct hot *h, const uint8_t *key, size_t klen, const uint8_t pk[4]);
/* A series (possibly with no entries) or NULL; its entries sorted by period. */
struct hot_series *hot_series_find(const struct hot *h, const uint8_t *key, size_t klen);
size_t hot_series_count(const struct hot_series *s); /* 0 for NULL */
size_t hot_series_seek(const struct hot_series *s, const uint8_t pk[4]); /* first >= pk; NULL: 0 */
const uint8_t *hot_series_period(const struct hot_series *s, size_t i);
const uint8_t *hot_series_head(const struct hot_series *s, size_t i);
const uint8_t *hot_series_key(const struct hot_series *s, size_t *klen);
/* The series holding the oldest pending vintage (NULL: none), that vintage's vid, and
 * emptying it once its entries are in idx. */
struct hot_series *hot_oldest(const struct hot *h);
uint64_t hot_series_first_vid(const struct hot_series *s);
void hot_drop_oldest(struct hot *h);
size_t hot_entries(const struct hot *h);
size_t hot_fresh(const struct hot *h); /* entries of observations idx lacks */
/* Every series with entries, sorted by key; the caller frees *out. */
int hot_sorted(const struct hot *h, struct hot_series ***out, size_t *n);

/* ---- pages.c ---- */

/* Reads data.mdb at path with pread and checks its meta pages, its size against the last
 * page, and every page of every tree (see pages.c). Returns 0 (also when there is no
 * file), PW_EDAMAGED with the first problem in why, PW_ESYS or PW_ENOMEM. */
int pages_check(const char *path, char *why, size_t cap);

/* ---- migrate.c ---- */

/* Checks the schema of an opened environment into t->s->schema: a fresh one gets
 * STORE_SCHEMA, schemas 1 to 4 become 5 in t (an interrupted migration leaves them
 * intact), 5 (keyed by plan) is left for migrate_owner, 6 and 7 become 8 in t, anything
 * else is PW_ESTORE. */
int migrate_schema(struct store_txn *t, bool fresh);
/* Schema 5 -> 8 in t: idx keys and the keys embedded in vin records move from the plan to
 * its owner (map), then the steps 6 -> 7 -> 8. The caller empties the hot index first and
 * rebuilds it after. PW_EINVAL with err when the map does not know a plan or two plans map
 * one series onto one key. */
int migrate_owner(struct store_txn *t, store_owner_fn map, void *arg, char *err, size_t cap);

#endif
