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

#define STORE_SCHEMA 3u
#define STORE_SCHEMA_V1 1u /* tables obs + rev, keyed by series */
#define STORE_SCHEMA_V2 2u /* table rev only */
#define VAL_V1 1

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

/* ---- record.c: keys and values, no LMDB calls ---- */

/* The string lengths of a checked store_obs. */
struct rec_lens {
	size_t dept, msgid, reason;
};

/* Writes plan\0ind\0 into key and returns its length, or a negative code. */
int rec_series_key(uint8_t key[SERIES_KEY_MAX], const char *plan, const char *ind);
/* Copies the 1..max byte id at *p, which must end with a NUL before end, into dst and
 * moves *p past the NUL. */
bool rec_key_id(const uint8_t **p, const uint8_t *end, char *dst, size_t max);
/* Splits a key "a\0b" (a: 1..max_a bytes, b: min_b..max_b bytes without NUL). */
bool rec_key_pair(const MDB_val *k, char *a, size_t max_a, char *b, size_t min_b, size_t max_b);
/* PW_EINVAL unless every string of o is terminated, rev > 0 and the period valid. */
int rec_obs_check(const struct store_obs *o, struct rec_lens *l);
/* A vin record for ikey after prev into buf; returns its length. */
size_t rec_vin_encode(uint8_t buf[VIN_VAL_MAX], const uint8_t *ikey, size_t ikey_len,
		      uint64_t prev, const struct store_obs *o, const struct rec_lens *l);
/* Decodes a vin record into *o and *prev; with want (an idx key), the record must belong
 * to that observation. */
int rec_vin_decode(const MDB_val *v, struct store_obs *o, uint64_t *prev, const uint8_t *want,
		   size_t want_len);
/* Decodes a schema 1/2 rev record (key plan\0ind\0period(4)rev(4)), for the migration. */
int rec_old_rev_decode(struct store_obs *o, const MDB_val *k, const MDB_val *v);
/* The idx value (head) of vintage vid of o. */
void rec_idx_encode(uint8_t iv[IDX_VAL], uint64_t vid, const struct store_obs *o);
/* The vid and rev of an idx value (both non-zero), and with head its head fields. */
int rec_idx_decode(const MDB_val *v, uint64_t *vid, uint32_t *rev, struct store_head *head);
/* A log value: topic (tl bytes, no NUL) and body into the len bytes at p. */
size_t rec_log_size(size_t tl, size_t len);
void rec_log_encode(uint8_t *p, const char *topic, size_t tl, const void *body, size_t len);
/* Splits a log value into its NUL-terminated topic and body, pointing into v. */
int rec_log_decode(const MDB_val *v, const char **topic, const uint8_t **body, size_t *len);
/* The head of a quarantine record (everything before the raw bytes) into head. */
int rec_reject_head(uint8_t head[QUAR_HEAD_MAX], const struct store_reject *r, size_t *len);
/* Decodes a quarantine record; r->raw points into v. */
int rec_reject_decode(struct store_reject *r, const MDB_val *k, const MDB_val *v);

/* ---- migrate.c ---- */

/* Checks the schema of an opened environment: a fresh one gets STORE_SCHEMA, schemas 1
 * and 2 are migrated in t (an interrupted migration leaves them intact), anything else is
 * PW_ESTORE. */
int migrate_schema(struct store_txn *t, bool fresh);

#endif
