/* proto/proto.h — planwatch wire protocol v1 (see proto/PROTOCOL.md).
 *
 * Every request and reply is one ZeroMQ frame holding one msgpack map with "v" (1),
 * "type" and "id". This module owns the msgpack encoding: strict decoding of requests
 * with limits checked before any allocation, an encoder for requests, a small writer
 * for replies and notices, and a read-only view for replies. No sockets, no LMDB. */
#ifndef PW_PROTO_H
#define PW_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "period.h"

#define PROTO_VERSION 1
#define PROTO_MAX_FRAME (1u << 20)   /* bytes of one request frame */
#define PROTO_HARD_FRAME (4u << 20)  /* ZMQ_MAXMSGSIZE: larger frames drop the peer */
#define PROTO_MAX_REPLY (64u << 20)  /* bytes of one reply or notice a client accepts */
#define PROTO_MAX_BATCH 1000         /* items of one update */
#define PROTO_MAX_TIME_MS 253402300799999LL /* a request's `time`: 9999-12-31T23:59:59.999Z */
#define PROTO_MAX_ID 64              /* bytes: message id, plan, indicator */
#define PROTO_MAX_DEPT 64            /* bytes: department name (UTF-8) */
#define PROTO_MAX_UNIT 32            /* bytes */
#define PROTO_MAX_TEXT 256           /* bytes: reason, topic prefix and other text */
#define PROTO_MAX_DEPTH 4            /* nesting: request map > items array > item map > scalar */

enum proto_type {
	PROTO_UPDATE = 1, /* feeder: a batch of observations */
	PROTO_QUERY,      /* latest values of one series, optional period range and as_of */
	PROTO_HISTORY,    /* every vintage of one period */
	PROTO_SINCE,      /* notices with seq > n */
	PROTO_STATUS,     /* daemon counters */
	PROTO_ALERTS,     /* current alert states */
	PROTO_REJECTED,   /* quarantined messages */
	PROTO_RETRY,      /* re-run a quarantined message through validation */
	PROTO_TARGET_SET, /* operator sets a city-assigned target */
	PROTO_CATALOG,    /* the loaded indicator catalog */
	PROTO_CLOCK_SET,  /* tests: set the daemon clock (only if the config allows it) */
	PROTO_TICK,       /* tests/ops: run the timers (overdue check) now */
	PROTO_BACKUP,     /* ops: consistent hot copy of the store into a directory */
	PROTO__REQ_LAST,
	PROTO_ACK = 32, /* replies */
	PROTO_NACK,
	PROTO_RESULT,
};

/* Returns the wire name ("update", "ack", ...) or NULL. */
const char *proto_type_name(int type);

/* One observation of an update. Strings point into the request's arena. */
struct proto_item {
	const char *plan, *ind, *unit;
	const char *region; /* NULL when absent: then plan names the series' region (v1) */
	const char *reason; /* NULL when absent */
	struct period period;
	double value;   /* after validation: converted into the catalog's unit */
	double sent;    /* after validation: the value as sent, in `unit` */
	double yoy;     /* NaN when absent */
	bool confirm;   /* the sender confirms an outlier (suspect_scale, ytd_decrease) */
	uint8_t status; /* enum pw_status */
	int decode_err; /* 0, or why this item could not be decoded (PW_EFIELD, PW_EPERIOD, ...) */
	int err;        /* decode_err, later also the validator's verdict */
};

/* A decoded request: a plain view, valid until the next decode or proto_req_free(). */
struct proto_req {
	int type;
	char id[PROTO_MAX_ID + 1]; /* "" if it could not be read */
	/* update */
	const char *dept;
	bool backfill;
	bool detail; /* the ACK lists each item's region and judging plans */
	struct proto_item *items;
	size_t n_items;
	size_t n_bad; /* items with err != 0 */
	/* query, history, alerts, target_set, catalog, rejected */
	const char *plan, *ind;
	const char *region; /* query, history, catalog: the series' region (id or alias) */
	bool sources; /* catalog: add the text of the region's catalog files */
	struct period from, to, period;
	bool has_from, has_to, has_period;
	int64_t as_of_ms; /* 0 = now */
	double value;     /* target_set */
	uint32_t year;    /* target_set: the year the target is for, 0 = every year */
	bool all;         /* alerts: also the overdue gaps never announced */
	/* since, rejected, retry, clock_set */
	const char *prefix; /* since: only notices whose topic starts with it */
	const char *path;   /* backup: target directory on the daemon's host */
	uint64_t seq;
	uint32_t limit; /* 0 = server default */
	int64_t time_ms;
	/* private */
	char *arena;
	size_t arena_len, arena_cap, items_cap;
};

struct proto_req *proto_req_new(void); /* NULL on OOM */
void proto_req_free(struct proto_req *r);

/* Decodes one request frame strictly. Returns 0 (items may still carry per-item errors,
 * see n_bad), or the message-level error: PW_ETOOBIG (frame, batch, string), PW_EPROTO
 * (not one msgpack map, trailing bytes, nesting too deep), PW_EVERSION, PW_ETYPE,
 * PW_EFIELD, PW_EEMPTY, PW_EUTF8. r->id is filled whenever it could be read. */
int proto_req_decode(struct proto_req *r, const void *buf, size_t len);

/* ---- encoding ---- */

/* A growable byte buffer; errors are sticky in err and reported by proto_buf_error(). */
struct proto_buf {
	uint8_t *data;
	size_t len, cap;
	int err;
};
void proto_buf_init(struct proto_buf *b);
void proto_buf_reset(struct proto_buf *b); /* len = 0, err = 0, keeps memory */
void proto_buf_release(struct proto_buf *b);

/* Encodes request r (as filled by a client) into b. */
int proto_req_encode(const struct proto_req *r, struct proto_buf *b);

/* Low-level writer for replies and notices (msgpack). */
void proto_w_map(struct proto_buf *b, uint32_t n);
void proto_w_array(struct proto_buf *b, uint32_t n);
void proto_w_strn_any(struct proto_buf *b, const char *s, size_t n);
void proto_w_nil(struct proto_buf *b);
/* Inline for the common case, a short string into a buffer with room (every key of every
 * notice): with a literal, the length and the copy are compile-time constants. */
static inline void proto_w_strn(struct proto_buf *b, const char *s, size_t n)
{
	if (n < 32 && !b->err && b->cap - b->len > n) {
		b->data[b->len] = (uint8_t)(0xa0 | n);
		memcpy(b->data + b->len + 1, s, n);
		b->len += n + 1;
		return;
	}
	proto_w_strn_any(b, s, n);
}
/* NULL writes nil. Inline so that strlen() of a literal key is folded at compile time. */
static inline void proto_w_str(struct proto_buf *b, const char *s)
{
	if (!s)
		proto_w_nil(b);
	else
		proto_w_strn(b, s, strlen(s));
}
void proto_w_int(struct proto_buf *b, int64_t v);
void proto_w_uint(struct proto_buf *b, uint64_t v);
void proto_w_double(struct proto_buf *b, double v); /* non-finite writes nil */
void proto_w_bool(struct proto_buf *b, bool v);
void proto_w_bin(struct proto_buf *b, const void *p, size_t n);
void proto_w_raw(struct proto_buf *b, const void *p, size_t n); /* pre-encoded object(s) */
/* Appends n bytes for the caller to fill and returns them (NULL and b->err set when out
 * of memory): for records built by hand, with one capacity check. */
uint8_t *proto_w_space(struct proto_buf *b, size_t n);
/* A map whose pair count is patched in when it is closed, so that adding a field changes
 * one line: proto_map_open() reserves the header, every proto_map_key() (or proto_kv_*)
 * counts one pair, proto_map_close() writes the header as msgpack-c would have (fixmap,
 * map16 or map32: the same bytes as proto_w_map() with the right count). Maps nest: an
 * inner map is opened and closed between an outer key and the outer's next key. */
struct proto_map {
	struct proto_buf *b;
	size_t at;       /* offset of the reserved header */
	uint32_t n;      /* pairs so far */
	uint8_t reserved; /* header bytes reserved: 1 (fixmap) or 3 (map16) */
};
static inline void proto_map_reserve(struct proto_map *m, struct proto_buf *b, uint8_t reserved)
{
	m->b = b;
	m->at = b->len;
	m->n = 0;
	m->reserved = reserved;
	if (!b->err && b->cap - b->len >= reserved)
		b->len += reserved; /* inline: every notice and reply opens maps */
	else
		proto_w_space(b, reserved);
}
/* One byte: the fixmap header most maps end with. A longer header moves the body. */
static inline void proto_map_open(struct proto_map *m, struct proto_buf *b)
{
	proto_map_reserve(m, b, 1);
}
/* The same for a map that usually has 16 pairs or more: reserves the map16 header, so that
 * closing it moves no bytes (a hint for speed only: any count still closes right). */
static inline void proto_map_open_wide(struct proto_map *m, struct proto_buf *b)
{
	proto_map_reserve(m, b, 3);
}
/* Writes key (NULL-free) and counts a pair: the caller then writes exactly one value. */
static inline void proto_map_key(struct proto_map *m, const char *key)
{
	m->n++;
	proto_w_str(m->b, key);
}
/* By value: the map's address never reaches a function the compiler cannot see, so its
 * count stays in a register while the pairs are written. The header the map was opened
 * with is filled in inline; proto_map_close_move() moves the body for another one. */
void proto_map_close_move(struct proto_map m);
static inline void proto_map_close(struct proto_map m)
{
	struct proto_buf *b = m.b;
	if (b->err)
		return;
	if (m.reserved == 1 && m.n < 16) {
		b->data[m.at] = (uint8_t)(0x80 | m.n);
	} else if (m.reserved == 3 && m.n >= 16 && m.n <= 0xffff) {
		b->data[m.at] = 0xde; /* map16, count big-endian */
		b->data[m.at + 1] = (uint8_t)(m.n >> 8);
		b->data[m.at + 2] = (uint8_t)m.n;
	} else {
		proto_map_close_move(m);
	}
}
/* A key and a scalar value: one pair. Inline, so that a literal key's length is folded. */
static inline void proto_kv_str(struct proto_map *m, const char *key, const char *v)
{
	proto_map_key(m, key);
	proto_w_str(m->b, v); /* NULL writes nil */
}
static inline void proto_kv_int(struct proto_map *m, const char *key, int64_t v)
{
	proto_map_key(m, key);
	proto_w_int(m->b, v);
}
static inline void proto_kv_uint(struct proto_map *m, const char *key, uint64_t v)
{
	proto_map_key(m, key);
	proto_w_uint(m->b, v);
}
static inline void proto_kv_double(struct proto_map *m, const char *key, double v)
{
	proto_map_key(m, key);
	proto_w_double(m->b, v); /* non-finite writes nil */
}
static inline void proto_kv_bool(struct proto_map *m, const char *key, bool v)
{
	proto_map_key(m, key);
	proto_w_bool(m->b, v);
}
/* Opens a reply map and writes its "v", "type" and "id"; the caller adds its pairs and
 * closes it with proto_map_close(). */
void proto_reply_open(struct proto_map *m, struct proto_buf *b, int type, const char *id);

/* Counts the key/value pairs in p[0..len), a run of msgpack objects with no map header
 * (a notice's fields): *n pairs, or PW_EPROTO if it is not a whole, even number of
 * objects (a key without its value). */
int proto_count_pairs(const void *p, size_t len, uint32_t *n);

/* ---- reading replies and notices (clients) ---- */

struct proto_view; /* a decoded msgpack map */

/* Decodes one msgpack object (any shape, same limits as requests); the view keeps its own
 * copy of buf. PW_ETOOBIG for more than PROTO_MAX_REPLY bytes. *ret only on success. */
int proto_view_new(struct proto_view **ret, const void *buf, size_t len);
void proto_view_free(struct proto_view *v);

/* Field lookups on the root map (item < 0) or on element `item` of its "items" array.
 * Strings are copied NUL-terminated into buf (truncated to cap). Return 0, PW_ENOTFOUND
 * (absent or nil) or PW_EFIELD (wrong type). Integers are accepted where doubles are. */
int proto_view_str(const struct proto_view *v, int item, const char *key, char *buf, size_t cap);
/* Element index of an array-of-strings field (e.g. a catalog entry's "departments"). */
int proto_view_str_at(const struct proto_view *v, int item, const char *key, size_t index,
		      char *buf, size_t cap);
/* The same of an array of integers (e.g. a catalog entry's "plan_window"). */
int proto_view_int_at(const struct proto_view *v, int item, const char *key, size_t index,
		      int64_t *out);
int proto_view_int(const struct proto_view *v, int item, const char *key, int64_t *out);
int proto_view_double(const struct proto_view *v, int item, const char *key, double *out);
int proto_view_bool(const struct proto_view *v, int item, const char *key, bool *out);
/* Number of elements of the root's "items" array (0 if none). */
size_t proto_view_count(const struct proto_view *v);
/* JSON text of the root (item < 0), or of one item, into a malloc'd NUL-terminated string. */
int proto_view_json(const struct proto_view *v, int item, char **out);
/* Entries of the root map, in wire order: the number, and entry i's key (NUL-terminated,
 * cut to cap) and value as text in a malloc'd string (a string as itself, anything else
 * as JSON). */
size_t proto_view_nkeys(const struct proto_view *v);
int proto_view_entry(const struct proto_view *v, size_t i, char *key, size_t cap, char **text);
/* Bytes of a bin field (e.g. a quarantined message's "raw"); p points into the view. */
int proto_view_bin(const struct proto_view *v, int item, const char *key, const void **p,
		   size_t *n);
/* Re-encodes field key of the root/item (any type, e.g. a replayed notice's "body" map)
 * as msgpack into b (appended). */
int proto_view_pack(const struct proto_view *v, int item, const char *key, struct proto_buf *b);
/* A view of array field key of the root/item (e.g. a catalog entry's "annual_targets", the
 * alerts reply's "reporting") as the root of {"items": array}: its elements read with the
 * same lookups. 0 and *ret, or PW_ENOTFOUND (absent or nil), PW_EFIELD (not an array). */
int proto_view_sub(const struct proto_view *v, int item, const char *key, struct proto_view **ret);

/* True if s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
bool proto_utf8_valid(const char *s, size_t n);

#endif
