/* store/store.h — planwatch's durable state: one LMDB environment, named databases.
 *
 *   vin    vid(8 BE) -> every accepted vintage, appended in arrival order, each linked
 *          to the vintage of the same observation before it
 *   idx    owner\0ind\0period(4 BE) -> vid, rev, value, yoy, status, flags of the
 *          observation's latest vintage. The owner of a series is its region id
 *          (schema 4, docs/MODEL.md): the series outlives the plans that judge it. The
 *          store does not interpret it: the fields and parameters still called `plan`
 *          below carry the owner.
 *   log    seq (8 BE) -> topic\0body  (notification log, seq starts at 1, no gaps)
 *   alert  plan\0ind -> opaque alert state owned by the rules engine
 *   msgid  dept\0msgid -> opaque reply bytes (idempotent retries)
 *   quar   id (8 BE) -> rejected message (reason, raw bytes)
 *   meta   text key -> opaque value (schema version, operator-set targets, clock, ...)
 *   verdict plan\0period(4)\0ind -> opaque verdict of one judged period, owned by the
 *          rules (schema 7: a report of an earlier period reads it after later figures
 *          came). Period-major since schema 8: the verdicts one release writes (one period,
 *          many indicators) are neighbours in a leaf or two; schema 7's plan\0ind\0period
 *          put each into its indicator's own leaf
 *   due    owner\0ind\0period -> opaque entry of one figure announced overdue and still
 *          missing (schema 7), deleted by the daemon in the txn that stores the figure
 *
 * Keys are laid out so a cursor walks one series in time order. The idx entries of recent
 * vintages wait in memory (store/hot.c) and reach idx a few series per commit; every read
 * sees idx and them merged, and store_open rebuilds them from vin. Nothing here knows
 * ZeroMQ or msgpack. All functions return 0 or a negative enum pw_err code.
 * Not thread-safe: one thread owns a struct store. */
#ifndef PW_STORE_H
#define PW_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/period.h"

#define STORE_ID_MAX 64      /* plan / indicator id bytes, without NUL */
#define STORE_DEPT_MAX 64    /* department name bytes (UTF-8), without NUL */
#define STORE_MSGID_MAX 64   /* client message id bytes, without NUL */
#define STORE_REASON_MAX 256 /* revision reason bytes (UTF-8), without NUL */
#define STORE_TOPIC_MAX 200  /* notification topic bytes, without NUL */
#define STORE_UNIT_MAX 32    /* unit-as-sent bytes (UTF-8), without NUL */
#define STORE_SRC_MAX 8      /* component vintages a derived vintage names */

#define STORE_OBS_BACKFILL 0x01 /* flags: stored as historical backfill */
#define STORE_OBS_CONFIRM 0x02  /* flags: the sender confirmed it (confirm: true) */
#define STORE_OBS_DERIVED 0x04  /* flags: computed by a catalog formula from src[] */

struct store;
struct store_txn;

/* One vintage of one observation. Strings are NUL-terminated. */
struct store_obs {
	char plan[STORE_ID_MAX + 1];
	char ind[STORE_ID_MAX + 1];
	struct period period;
	double value;
	double yoy;      /* year-on-year growth in %, NaN when not reported */
	uint8_t status;  /* enum pw_status */
	uint8_t flags;   /* STORE_OBS_* */
	uint32_t rev;    /* 1 for the first vintage, +1 for each accepted change */
	int64_t recv_ms; /* daemon receive time, ms since the Unix epoch */
	char dept[STORE_DEPT_MAX + 1];
	char msgid[STORE_MSGID_MAX + 1];
	char reason[STORE_REASON_MAX + 1];
	/* As sent: the unit and value the figure arrived in, before the exact conversion into
	 * the catalog's unit. sent_unit "" = as stored (a vintage written before the daemon
	 * kept them): store_obs_put ignores sent_value then and reads give sent_value = value. */
	char sent_unit[STORE_UNIT_MAX + 1];
	double sent_value;
	uint8_t overrode; /* the plausibility code (positive, 32 or 33) confirm overrode, or 0 */
	uint8_t n_src;    /* derived: the component vintages (vids) it was computed from */
	uint64_t src[STORE_SRC_MAX];
};

/* One quarantined (rejected) message. raw points into the map (read) or the caller (put). */
struct store_reject {
	uint64_t id; /* assigned by store_quarantine_put, from 1 */
	int64_t recv_ms;
	int code; /* enum pw_err */
	char dept[STORE_DEPT_MAX + 1];
	char peer[STORE_DEPT_MAX + 1]; /* authenticated identity or transport, e.g. "ipc" */
	char detail[STORE_REASON_MAX + 1];
	const void *raw;
	size_t raw_len;
	size_t bytes; /* what the record takes in the store, key and value: set by put and reads */
};

struct store_stat {
	uint64_t map_size;  /* current map size in bytes */
	uint64_t map_used;  /* bytes in use (last page number * page size) */
	uint64_t map_full_reruns; /* write txns aborted on a full map and run again, since open */
	uint64_t file_size; /* data.mdb size on disk */
	uint64_t n_obs; /* observations (series x period) */
	uint64_t n_rev; /* vintages */
	uint64_t n_log, n_alert, n_msgid, n_quar;
	uint64_t last_seq;
};

/* Opens (creating if needed) the environment in directory dir, which must exist.
 * map_size is the initial map size in bytes (0 = 64 MiB); the map doubles, up to map_max
 * (0 = 64 GiB), before a write txn once over three quarters of it is in use, and on
 * MDB_MAP_FULL (the txn then runs again). Returns PW_EBUSY if another process
 * holds the environment's lock file (planwatchd is single-writer), PW_EDAMAGED when
 * store_check finds the file damaged (an existing data.mdb of 0 bytes included: it never
 * becomes a new store), PW_ESTORE on an incompatible file. *ret is written only on
 * success. */
int store_open(struct store **ret, const char *dir, uint64_t map_size, uint64_t map_max);
void store_free(struct store *s); /* NULL-safe */

/* Checks dir/data.mdb before anything maps it: meta pages, size against the last page,
 * every page of every table (read with pread, so a damaged file is an error, not SIGBUS).
 * Returns 0 (also when there is no data.mdb yet), or PW_EDAMAGED with the first problem
 * as text in why (cap bytes), PW_ESYS, PW_ENOMEM. Reads the whole file: store_open runs
 * it too; call it first only to learn why. */
int store_check(const char *dir, char *why, size_t cap);

/* Runs fn(txn, arg) in one write transaction and commits it durably (fdatasync) if fn
 * returns 0. If any write hits MDB_MAP_FULL, the transaction is aborted, the map grows
 * and fn runs again from scratch, so fn must not keep effects of an earlier attempt
 * outside the transaction (reset its outputs at entry). Returns fn's negative code
 * (transaction aborted), PW_EFULL when the map cannot grow, or 0 once committed. */
typedef int (*store_txn_fn)(struct store_txn *t, void *arg);
int store_write(struct store *s, store_txn_fn fn, void *arg);

/* The schema the store was opened at: 8, or 5 (series keyed by plan: schemas 1 to 4 become
 * 5 at open) until store_migrate_owner has run; a schema-5 store refuses every other write
 * (PW_ESTORE). Schema 6 (keyed by region, without the verdict and due tables) becomes 7,
 * and 7 (verdicts keyed plan\0ind\0period) becomes 8 (every verdict re-keyed, nothing else
 * changed) at open, in one transaction: an interrupted upgrade leaves the old schema. A
 * store that got the verdict table by a migration from 6 or older (not a new one, not a
 * 7) has meta "rejudge" (u8 1): the verdicts of the figures it holds are still to be filled
 * in by the daemon, which deletes the key when it has; 7 -> 8 keeps the key as it was.
 * Every store of schema 7 or 8 has meta "overdue_since" (i64 LE, Unix ms): the time of the
 * open that created it or brought it to 7. */
unsigned store_schema(const struct store *s);

/* Vintages the reads of observations (get, last, range, history) have decoded since
 * store_open: what a read costs, counted rather than timed, so a test can tell a lookup
 * from a walk of a whole series (issue 21). */
uint64_t store_vintages_read(const struct store *s);

/* The owner (region id) of a schema-5 plan id, or NULL when the caller does not know it. */
typedef const char *(*store_owner_fn)(const char *plan, void *arg);

/* Schema 5 -> 8 in one write transaction: every series key (idx and the key inside each vin
 * record) moves from plan to map(plan); vids, revisions, alerts, targets, the log, msgids
 * and quarantine are unchanged. On failure nothing is written: PW_EINVAL with err[cap] saying
 * why (a plan the map does not know), or another code. A schema-8 store: 0, nothing done. */
int store_migrate_owner(struct store *s, store_owner_fn map, void *arg, char *err, size_t cap);

/* Runs fn in a read-only snapshot. Returns fn's code. */
int store_read(struct store *s, store_txn_fn fn, void *arg);

/* ---- observations (read or write txn) ---- */

/* Latest vintage of (plan, ind, period) into *out, or PW_ENOTFOUND. */
int store_obs_get(struct store_txn *t, const char *plan, const char *ind,
		  const struct period *p, struct store_obs *out);

/* What a writer compares a new figure with: the latest vintage's head. */
struct store_head {
	uint64_t vid; /* the vintage's number (store_vintage_get) */
	uint32_t rev;
	double value, yoy;
	uint8_t status, flags;
};

/* The latest vintage's head of (plan, ind, period) into *out, or PW_ENOTFOUND: one index
 * read (store_obs_get reads the vintage too). */
int store_obs_head(struct store_txn *t, const char *plan, const char *ind,
		   const struct period *p, struct store_head *out);

/* The vintage numbered vid (a store_head's vid, a derived vintage's src[]) into *out, or
 * PW_ENOTFOUND. */
int store_vintage_get(struct store_txn *t, uint64_t vid, struct store_obs *out);

/* Appends o as the latest vintage of its observation (write txn). The caller chooses
 * o->rev (previous rev + 1; 1 for a new observation); a rev at or below the latest one is
 * PW_EINVAL (history is append-only). */
int store_obs_put(struct store_txn *t, const struct store_obs *o);

/* Callbacks return 0 to continue, > 0 to stop early (not an error), < 0 to abort
 * with that code (returned by the iterating function). */
typedef int (*store_obs_cb)(const struct store_obs *o, void *arg);

/* Latest vintages of one series with from <= period <= to (either may be NULL =
 * unbounded), in time order. */
int store_obs_range(struct store_txn *t, const char *plan, const char *ind,
		    const struct period *from, const struct period *to, store_obs_cb cb,
		    void *arg);

/* The heads of the same observations (store_head: vid, rev, value, yoy, status, flags),
 * from the index alone: what a writer's checks read of a neighbourhood of periods. cb must
 * not call the store (the walk shares the txn's cursor and holds the hot index's entries). */
typedef int (*store_head_cb)(const struct period *p, const struct store_head *h, void *arg);
int store_head_range(struct store_txn *t, const char *plan, const char *ind,
		     const struct period *from, const struct period *to, store_head_cb cb,
		     void *arg);

/* The latest vintage of the newest period up to to (NULL: the series' end) of one series
 * whose flags include none of skip_flags (STORE_OBS_*; 0 = the newest period), found
 * backwards from there: one search, not a walk. PW_ENOTFOUND if the series has no such
 * observation. */
int store_obs_last(struct store_txn *t, const char *plan, const char *ind,
		   const struct period *to, unsigned skip_flags, struct store_obs *out);

/* Every vintage of one series in [from, to], ordered by period then rev. With
 * from == to this is the full history of one period. */
int store_rev_range(struct store_txn *t, const char *plan, const char *ind,
		    const struct period *from, const struct period *to, store_obs_cb cb,
		    void *arg);

/* Every series key (plan, ind) that has at least one observation, in key order;
 * cb gets a store_obs with only plan and ind set and the newest period. */
int store_series_list(struct store_txn *t, store_obs_cb cb, void *arg);

/* ---- notification log ---- */

/* Appends a notice with seq = last + 1 (write txn); *seq receives it. */
int store_log_append(struct store_txn *t, const char *topic, const void *body, size_t len,
		     uint64_t *seq);
/* Highest seq in the log (0 if empty). */
int store_log_last(struct store_txn *t, uint64_t *seq);
typedef int (*store_log_cb)(uint64_t seq, const char *topic, const void *body, size_t len,
			    void *arg);
/* Notices with seq > after, ascending. A record that cannot be read (a damaged store)
 * comes with topic "", body NULL and len 0, in its place. */
int store_log_since(struct store_txn *t, uint64_t after, store_log_cb cb, void *arg);

/* ---- opaque key/value tables ---- */

/* Reads into buf (cap bytes); *len gets the full length. PW_ENOTFOUND if absent,
 * PW_ETOOBIG if cap is too small (then *len is set). */
int store_alert_get(struct store_txn *t, const char *plan, const char *ind, void *buf,
		    size_t cap, size_t *len);
int store_alert_put(struct store_txn *t, const char *plan, const char *ind, const void *buf,
		    size_t len);
int store_alert_del(struct store_txn *t, const char *plan, const char *ind);
typedef int (*store_alert_cb)(const char *plan, const char *ind, const void *buf, size_t len,
			      void *arg);
int store_alert_list(struct store_txn *t, store_alert_cb cb, void *arg);

int store_msgid_get(struct store_txn *t, const char *dept, const char *msgid, void *buf,
		    size_t cap, size_t *len);
int store_msgid_put(struct store_txn *t, const char *dept, const char *msgid,
		    const void *buf, size_t len);

int store_meta_get(struct store_txn *t, const char *key, void *buf, size_t cap, size_t *len);
int store_meta_put(struct store_txn *t, const char *key, const void *buf, size_t len);
/* PW_ENOTFOUND if absent. */
int store_meta_del(struct store_txn *t, const char *key);

/* ---- verdict and due: opaque records per (plan or owner, indicator, period) ---- */

/* Callbacks of the lists: key is the plan (verdict) or the owner (due). */
typedef int (*store_per_cb)(const char *key, const char *ind, const struct period *p,
			    const void *buf, size_t len, void *arg);
/* get as for the alert table (PW_ENOTFOUND, PW_ETOOBIG). */
int store_verdict_get(struct store_txn *t, const char *plan, const char *ind,
		      const struct period *p, void *buf, size_t cap, size_t *len);
int store_verdict_put(struct store_txn *t, const char *plan, const char *ind,
		      const struct period *p, const void *buf, size_t len);
/* The verdicts of one plan with from <= period <= to (either NULL: unbounded), in one walk,
 * in key order: by period (years ascending; in a year the annual period, then quarters,
 * then months, then a span ending that year), and in one period by indicator (byte order).
 * PW_EINVAL without a plan. */
int store_verdict_list(struct store_txn *t, const char *plan, const struct period *from,
		       const struct period *to, store_per_cb cb, void *arg);
/* The due table as the verdict table's get and put; its list walks every record in key
 * order: by owner, indicator, then period. */
int store_due_get(struct store_txn *t, const char *owner, const char *ind,
		  const struct period *p, void *buf, size_t cap, size_t *len);
int store_due_put(struct store_txn *t, const char *owner, const char *ind,
		  const struct period *p, const void *buf, size_t len);
/* PW_ENOTFOUND if absent. */
int store_due_del(struct store_txn *t, const char *owner, const char *ind,
		  const struct period *p);
int store_due_list(struct store_txn *t, store_per_cb cb, void *arg);

/* ---- quarantine ---- */

/* Stores r (id assigned and written back to r->id). */
int store_quarantine_put(struct store_txn *t, struct store_reject *r);
int store_quarantine_get(struct store_txn *t, uint64_t id, struct store_reject *out);
typedef int (*store_reject_cb)(const struct store_reject *r, void *arg);
/* Rejects with id > after, ascending. r->raw is valid only during the callback. */
int store_quarantine_list(struct store_txn *t, uint64_t after, store_reject_cb cb, void *arg);
/* Every record, ascending, for counting: as store_quarantine_list, but a record that
 * cannot be decoded is passed with its id and bytes, peer "" and no raw, not an error. */
int store_quarantine_sizes(struct store_txn *t, store_reject_cb cb, void *arg);
/* Deletes record id (write txn); PW_ENOTFOUND if there is none. Ids are never reused
 * while a newer record is kept. */
int store_quarantine_del(struct store_txn *t, uint64_t id);

/* ---- whole environment ---- */
int store_stat(struct store *s, struct store_stat *st);

/* What store_verify walked. */
struct store_verify_counts {
	uint64_t vintages, observations, chained, notices, quarantined, others;
	uint64_t problems;
};
typedef void (*store_problem_cb)(const char *problem, void *arg);
/* Walks every table in one read snapshot, like SQLite's PRAGMA integrity_check: every
 * record through its checksum and decoder, every observation's chain of vintages from its
 * index entry (revs n down to 1, each vintage reached once), the log's seqs 1..last
 * without a gap. Each problem goes to cb as text and is counted in n->problems. Returns 0
 * when the walk ran (problems or not), else a negative code. Pages were checked by
 * store_open (store_check). */
int store_verify(struct store *s, store_problem_cb cb, void *arg, struct store_verify_counts *n);
/* Consistent hot copy (compacting) into directory dir, which must exist and be empty. */
int store_backup(struct store *s, const char *dir);

#endif
