/* proto/proto.c — msgpack encoding and strict decoding of protocol v1. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "bytes.h"
#include "err.h"
#include "proto.h"
#include "status.h"

static const char *const type_names[] = {
	[PROTO_UPDATE] = "update",	   [PROTO_QUERY] = "query",
	[PROTO_HISTORY] = "history",	   [PROTO_SINCE] = "since",
	[PROTO_STATUS] = "status",	   [PROTO_ALERTS] = "alerts",
	[PROTO_REJECTED] = "rejected",	   [PROTO_RETRY] = "retry",
	[PROTO_TARGET_SET] = "target_set", [PROTO_CATALOG] = "catalog",
	[PROTO_CLOCK_SET] = "clock_set",   [PROTO_TICK] = "tick",
	[PROTO_BACKUP] = "backup",
	[PROTO_ACK] = "ack",		   [PROTO_NACK] = "nack",
	[PROTO_RESULT] = "result",
};

const char *proto_type_name(int type)
{
	if (type <= 0 || type >= (int)(sizeof(type_names) / sizeof(type_names[0])))
		return NULL;
	return type_names[type];
}

static int type_parse(const char *s, size_t n)
{
	for (size_t t = 1; t < sizeof(type_names) / sizeof(type_names[0]); t++)
		if (type_names[t] && strlen(type_names[t]) == n && memcmp(type_names[t], s, n) == 0)
			return (int)t;
	return PW_ETYPE;
}

/* ---- UTF-8 ---- */

bool proto_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		unsigned c = *p;
		size_t extra;
		unsigned min, cp;
		if (c < 0x80) {
			p++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			extra = 1, min = 0x80, cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			extra = 2, min = 0x800, cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			extra = 3, min = 0x10000, cp = c & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - p) <= extra)
			return false;
		for (size_t i = 1; i <= extra; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += extra + 1;
	}
	return true;
}

/* ---- structural pre-scan ----
 * msgpack-c's C unpacker has no limits: a 6-byte frame may announce 2^32 array elements
 * and the zone would try to allocate them. This scan walks the bytes first and checks
 * that every announced count fits in the bytes that remain and that nesting is bounded. */

static int need(const uint8_t *p, const uint8_t *end, uint64_t n)
{
	return (uint64_t)(end - p) >= n ? 0 : PW_EPROTO;
}

static int scan_obj(const uint8_t **pp, const uint8_t *end, int depth);

static int scan_children(const uint8_t **pp, const uint8_t *end, uint64_t n, int depth)
{
	if ((uint64_t)(end - *pp) < n)
		return PW_EPROTO; /* every element takes at least one byte */
	for (uint64_t i = 0; i < n; i++) {
		int r = scan_obj(pp, end, depth);
		if (r < 0)
			return r;
	}
	return 0;
}

static int scan_obj(const uint8_t **pp, const uint8_t *end, int depth)
{
	const uint8_t *p = *pp;
	uint64_t skip = 0, kids = 0;
	int hdr = 1;

	if (depth <= 0)
		return PW_EPROTO;
	if (p >= end)
		return PW_EPROTO;
	uint8_t b = *p;
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
		/* fixint, nil, bool */
	} else if (b >= 0x80 && b <= 0x8f) {
		kids = 2u * (b & 0x0f);
	} else if (b >= 0x90 && b <= 0x9f) {
		kids = b & 0x0f;
	} else if (b >= 0xa0 && b <= 0xbf) {
		skip = b & 0x1f;
	} else {
		switch (b) {
		case 0xc7: case 0xc8: case 0xc9: case 0xd4: case 0xd5: case 0xd6: case 0xd7:
		case 0xd8:
			return PW_EPROTO; /* ext types: never part of this protocol */
		case 0xc4: case 0xd9: hdr = 2; break;
		case 0xc5: case 0xda: hdr = 3; break;
		case 0xc6: case 0xdb: hdr = 5; break;
		case 0xca: skip = 4; break;
		case 0xcb: skip = 8; break;
		case 0xcc: case 0xd0: skip = 1; break;
		case 0xcd: case 0xd1: skip = 2; break;
		case 0xce: case 0xd2: skip = 4; break;
		case 0xcf: case 0xd3: skip = 8; break;
		case 0xdc: hdr = 3; break;
		case 0xdd: hdr = 5; break;
		case 0xde: hdr = 3; break;
		case 0xdf: hdr = 5; break;
		default: return PW_EPROTO; /* 0xc1 is never used */
		}
		if (hdr > 1) {
			if (need(p, end, (uint64_t)hdr) < 0)
				return PW_EPROTO;
			uint64_t n = bytes_get_be(p + 1, (size_t)hdr - 1);
			if (b == 0xdc || b == 0xdd)
				kids = n;
			else if (b == 0xde || b == 0xdf)
				kids = 2 * n;
			else
				skip = n;
		}
	}
	p += hdr;
	if (need(p, end, skip) < 0)
		return PW_EPROTO;
	p += skip;
	*pp = p;
	return kids ? scan_children(pp, end, kids, depth - 1) : 0;
}

/* Checks that buf holds exactly one msgpack object nested at most max_depth deep. */
static int scan(const void *buf, size_t len, int max_depth)
{
	const uint8_t *p = buf, *end = p + len;
	int r = scan_obj(&p, end, max_depth);
	if (r < 0)
		return r;
	return p == end ? 0 : PW_EPROTO;
}

static int unpack(msgpack_unpacked *u, const void *buf, size_t len, int max_depth)
{
	size_t off = 0;
	int r = scan(buf, len, max_depth);
	if (r < 0)
		return r;
	msgpack_unpacked_init(u);
	switch (msgpack_unpack_next(u, buf, len, &off)) {
	case MSGPACK_UNPACK_SUCCESS:
		return 0;
	case MSGPACK_UNPACK_NOMEM_ERROR:
		msgpack_unpacked_destroy(u);
		return PW_ENOMEM;
	default:
		msgpack_unpacked_destroy(u);
		return PW_EPROTO;
	}
}

/* ---- request decoding ---- */

struct proto_req *proto_req_new(void)
{
	return calloc(1, sizeof(struct proto_req));
}

void proto_req_free(struct proto_req *r)
{
	if (!r)
		return;
	free(r->items);
	free(r->arena);
	free(r);
}

static bool key_is(const msgpack_object_kv *kv, const char *key)
{
	size_t n = strlen(key);
	return kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == n &&
	       memcmp(kv->key.via.str.ptr, key, n) == 0;
}

/* Copies a string object into the arena as a NUL-terminated string. */
static int get_str(struct proto_req *r, const msgpack_object *o, size_t max, const char **out)
{
	if (o->type != MSGPACK_OBJECT_STR)
		return PW_EFIELD;
	size_t n = o->via.str.size;
	if (n > max)
		return PW_ETOOBIG;
	if (!proto_utf8_valid(o->via.str.ptr, n))
		return PW_EUTF8;
	if (memchr(o->via.str.ptr, 0, n))
		return PW_EFIELD; /* C strings would silently cut it: "统计局\0x" is not 统计局 */
	assert(r->arena_len + n + 1 <= r->arena_cap);
	char *s = r->arena + r->arena_len;
	memcpy(s, o->via.str.ptr, n);
	s[n] = '\0';
	r->arena_len += n + 1;
	*out = s;
	return 0;
}

static int get_nonempty_str(struct proto_req *r, const msgpack_object *o, size_t max,
			    const char **out)
{
	int rc = get_str(r, o, max, out);
	if (rc == 0 && (*out)[0] == '\0')
		return PW_EFIELD;
	return rc;
}

static int get_double(const msgpack_object *o, double *out)
{
	switch (o->type) {
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		*out = o->via.f64;
		return 0;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		*out = (double)o->via.u64;
		return 0;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		*out = (double)o->via.i64;
		return 0;
	default:
		return PW_EFIELD;
	}
}

static int get_bool(const msgpack_object *o, bool *out)
{
	if (o->type != MSGPACK_OBJECT_BOOLEAN)
		return PW_EFIELD;
	*out = o->via.boolean;
	return 0;
}

static int get_uint(const msgpack_object *o, uint64_t max, uint64_t *out)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return PW_EFIELD;
	if (o->via.u64 > max)
		return PW_ERANGE;
	*out = o->via.u64;
	return 0;
}

static int get_int(const msgpack_object *o, int64_t *out)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (o->via.u64 > INT64_MAX)
			return PW_ERANGE;
		*out = (int64_t)o->via.u64;
		return 0;
	}
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*out = o->via.i64;
		return 0;
	}
	return PW_EFIELD;
}

static int get_period(struct proto_req *r, const msgpack_object *o, struct period *p)
{
	const char *s;
	int rc = get_str(r, o, PERIOD_TEXT_MAX, &s);
	if (rc == PW_ETOOBIG)
		return PW_EPERIOD;
	if (rc < 0)
		return rc;
	return period_parse(p, s, strlen(s));
}

/* Rejects duplicate keys: a map that says "value" twice has no single meaning. Maps
 * larger than the protocol has keys for are refused first, keeping this O(n^2) check
 * cheap (a 1 MiB frame of 200k keys must not stall the daemon). */
#define PROTO_MAX_KEYS 24
static int check_unique_keys(const msgpack_object_map *m)
{
	if (m->size > PROTO_MAX_KEYS)
		return PW_EFIELD;
	for (uint32_t i = 0; i < m->size; i++) {
		if (m->ptr[i].key.type != MSGPACK_OBJECT_STR)
			return PW_EFIELD;
		for (uint32_t j = 0; j < i; j++)
			if (m->ptr[j].key.via.str.size == m->ptr[i].key.via.str.size &&
			    memcmp(m->ptr[j].key.via.str.ptr, m->ptr[i].key.via.str.ptr,
				   m->ptr[i].key.via.str.size) == 0)
				return PW_EFIELD;
	}
	return 0;
}

enum item_field {
	F_PLAN = 1, F_IND = 2, F_PERIOD = 4, F_VALUE = 8, F_UNIT = 16, F_STATUS = 32, F_REGION = 64,
};
/* plan or region (or both), and the rest. */
#define ITEM_REQUIRED (F_IND | F_PERIOD | F_VALUE | F_UNIT | F_STATUS)

static int decode_item_field(struct proto_req *r, struct proto_item *it,
			     const msgpack_object_kv *kv, unsigned *seen)
{
	const msgpack_object *o = &kv->val;
	const char *s;
	int rc;

	/* nil for an optional key is the key left out: yoy, reason, confirm, and plan or
	 * region (one of them must still name the series) */
	if (o->type == MSGPACK_OBJECT_NIL &&
	    (key_is(kv, "plan") || key_is(kv, "region") || key_is(kv, "yoy") ||
	     key_is(kv, "reason") || key_is(kv, "confirm")))
		return 0;
	if (key_is(kv, "plan")) {
		*seen |= F_PLAN;
		return get_nonempty_str(r, o, PROTO_MAX_ID, &it->plan);
	} else if (key_is(kv, "region")) {
		*seen |= F_REGION;
		return get_nonempty_str(r, o, PROTO_MAX_ID, &it->region);
	} else if (key_is(kv, "indicator")) {
		*seen |= F_IND;
		return get_nonempty_str(r, o, PROTO_MAX_ID, &it->ind);
	} else if (key_is(kv, "period")) {
		*seen |= F_PERIOD;
		return get_period(r, o, &it->period);
	} else if (key_is(kv, "value")) {
		*seen |= F_VALUE;
		return get_double(o, &it->value);
	} else if (key_is(kv, "unit")) {
		*seen |= F_UNIT;
		return get_str(r, o, PROTO_MAX_UNIT, &it->unit);
	} else if (key_is(kv, "status")) {
		*seen |= F_STATUS;
		if ((rc = get_str(r, o, 16, &s)) < 0)
			return rc == PW_ETOOBIG ? PW_ESTATUS : rc;
		if ((rc = status_parse(s)) < 0)
			return rc;
		it->status = (uint8_t)rc;
		return 0;
	} else if (key_is(kv, "yoy")) {
		if ((rc = get_double(o, &it->yoy)) < 0)
			return rc;
		/* NaN is how "absent" is held, so a sent NaN must not pass as absent. */
		return isfinite(it->yoy) ? 0 : PW_EVALUE;
	} else if (key_is(kv, "reason")) {
		return get_str(r, o, PROTO_MAX_TEXT, &it->reason);
	} else if (key_is(kv, "confirm")) {
		return get_bool(o, &it->confirm);
	}
	return PW_EFIELD;
}

static int decode_item(struct proto_req *r, struct proto_item *it, const msgpack_object *o)
{
	unsigned seen = 0;
	int rc;

	memset(it, 0, sizeof(*it));
	it->yoy = NAN;
	if (o->type != MSGPACK_OBJECT_MAP)
		return PW_EFIELD;
	if ((rc = check_unique_keys(&o->via.map)) < 0)
		return rc;
	for (uint32_t i = 0; i < o->via.map.size; i++)
		if ((rc = decode_item_field(r, it, &o->via.map.ptr[i], &seen)) < 0)
			return rc;
	return (seen & ITEM_REQUIRED) == ITEM_REQUIRED && (seen & (F_PLAN | F_REGION)) ? 0
											: PW_EFIELD;
}

static int decode_items(struct proto_req *r, const msgpack_object *o)
{
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return PW_EFIELD;
	size_t n = o->via.array.size;
	if (n == 0)
		return PW_EEMPTY;
	if (n > PROTO_MAX_BATCH)
		return PW_ETOOBIG;
	if (n > r->items_cap) {
		struct proto_item *items = realloc(r->items, n * sizeof(*items));
		if (!items)
			return PW_ENOMEM;
		r->items = items;
		r->items_cap = n;
	}
	r->n_items = n;
	for (size_t i = 0; i < n; i++) {
		r->items[i].err = decode_item(r, &r->items[i], &o->via.array.ptr[i]);
		r->items[i].decode_err = r->items[i].err;
		if (r->items[i].err)
			r->n_bad++;
	}
	return 0;
}

/* Which optional/required fields each request type takes. */
enum req_field {
	R_DEPT = 1 << 0, R_ITEMS = 1 << 1, R_BACKFILL = 1 << 2, R_PLAN = 1 << 3,
	R_IND = 1 << 4, R_FROM = 1 << 5, R_TO = 1 << 6, R_PERIOD = 1 << 7,
	R_ASOF = 1 << 8, R_VALUE = 1 << 9, R_SEQ = 1 << 10, R_LIMIT = 1 << 11,
	R_TIME = 1 << 12, R_PREFIX = 1 << 13, R_PATH = 1 << 14, R_YEAR = 1 << 15,
	R_REGION = 1 << 16, R_DETAIL = 1 << 17, R_ALL = 1 << 18, R_SOURCES = 1 << 19,
};

/* A series is named by its region or, v1, by a plan of it: one of the two is required. */
#define R_OWNER (R_PLAN | R_REGION)

static const struct {
	unsigned allowed, required;
} req_fields[PROTO__REQ_LAST] = {
	[PROTO_UPDATE] = { R_DEPT | R_ITEMS | R_BACKFILL | R_DETAIL, R_DEPT | R_ITEMS },
	[PROTO_QUERY] = { R_OWNER | R_IND | R_FROM | R_TO | R_ASOF | R_LIMIT, R_IND },
	[PROTO_HISTORY] = { R_OWNER | R_IND | R_PERIOD | R_LIMIT, R_IND | R_PERIOD },
	[PROTO_SINCE] = { R_SEQ | R_LIMIT | R_PREFIX, R_SEQ },
	[PROTO_STATUS] = { 0, 0 },
	[PROTO_ALERTS] = { R_PLAN | R_REGION | R_DEPT | R_PERIOD | R_ALL, 0 },
	[PROTO_REJECTED] = { R_SEQ | R_LIMIT | R_DEPT | R_TIME, 0 },
	[PROTO_RETRY] = { R_SEQ, R_SEQ },
	[PROTO_TARGET_SET] = { R_PLAN | R_IND | R_VALUE | R_DEPT | R_YEAR, R_PLAN | R_IND | R_VALUE },
	[PROTO_CATALOG] = { R_PLAN | R_REGION | R_SOURCES, 0 },
	[PROTO_CLOCK_SET] = { R_TIME, R_TIME },
	[PROTO_TICK] = { 0, 0 },
	[PROTO_BACKUP] = { R_PATH, R_PATH },
};

/* Besides req_fields' required: at least one of these (0: no such rule). */
static const unsigned req_one_of[PROTO__REQ_LAST] = {
	[PROTO_QUERY] = R_OWNER,
	[PROTO_HISTORY] = R_OWNER,
};

/* ---- request fields: one decoder per key ---- */

static int f_dept(struct proto_req *r, const msgpack_object *o)
{
	return get_nonempty_str(r, o, PROTO_MAX_DEPT, &r->dept);
}

static int f_items(struct proto_req *r, const msgpack_object *o)
{
	return decode_items(r, o);
}

static int f_backfill(struct proto_req *r, const msgpack_object *o)
{
	return get_bool(o, &r->backfill);
}

static int f_detail(struct proto_req *r, const msgpack_object *o)
{
	return get_bool(o, &r->detail);
}

static int f_sources(struct proto_req *r, const msgpack_object *o)
{
	return get_bool(o, &r->sources);
}

static int f_region(struct proto_req *r, const msgpack_object *o)
{
	return get_nonempty_str(r, o, PROTO_MAX_ID, &r->region);
}

static int f_plan(struct proto_req *r, const msgpack_object *o)
{
	return get_nonempty_str(r, o, PROTO_MAX_ID, &r->plan);
}

static int f_ind(struct proto_req *r, const msgpack_object *o)
{
	return get_nonempty_str(r, o, PROTO_MAX_ID, &r->ind);
}

static int f_from(struct proto_req *r, const msgpack_object *o)
{
	r->has_from = true;
	return get_period(r, o, &r->from);
}

static int f_to(struct proto_req *r, const msgpack_object *o)
{
	r->has_to = true;
	return get_period(r, o, &r->to);
}

static int f_period(struct proto_req *r, const msgpack_object *o)
{
	r->has_period = true;
	return get_period(r, o, &r->period);
}

static int f_as_of(struct proto_req *r, const msgpack_object *o)
{
	return get_int(o, &r->as_of_ms);
}

static int f_value(struct proto_req *r, const msgpack_object *o)
{
	return get_double(o, &r->value);
}

static int f_seq(struct proto_req *r, const msgpack_object *o)
{
	return get_uint(o, UINT64_MAX, &r->seq);
}

static int f_limit(struct proto_req *r, const msgpack_object *o)
{
	uint64_t u;
	int rc = get_uint(o, UINT32_MAX, &u);
	if (rc < 0)
		return rc;
	r->limit = (uint32_t)u;
	return 0;
}

static int f_time(struct proto_req *r, const msgpack_object *o)
{
	int rc = get_int(o, &r->time_ms);
	if (rc < 0)
		return rc;
	/* The daemon subtracts and adds clocks in ms: a bounded time cannot overflow them. */
	return r->time_ms >= 0 && r->time_ms <= PROTO_MAX_TIME_MS ? 0 : PW_ERANGE;
}

static int f_prefix(struct proto_req *r, const msgpack_object *o)
{
	return get_str(r, o, PROTO_MAX_TEXT, &r->prefix);
}

static int f_path(struct proto_req *r, const msgpack_object *o)
{
	return get_nonempty_str(r, o, PROTO_MAX_TEXT, &r->path);
}

static int f_year(struct proto_req *r, const msgpack_object *o)
{
	uint64_t u;
	int rc = get_uint(o, PERIOD_YEAR_MAX, &u);
	if (rc < 0)
		return rc;
	r->year = (uint32_t)u;
	return 0;
}

static int f_all(struct proto_req *r, const msgpack_object *o)
{
	return get_bool(o, &r->all);
}

static const struct {
	const char *name;
	unsigned bit;
	int (*decode)(struct proto_req *r, const msgpack_object *o);
} req_keys[] = {
	{ "dept", R_DEPT, f_dept },	       { "items", R_ITEMS, f_items },
	{ "backfill", R_BACKFILL, f_backfill }, { "plan", R_PLAN, f_plan },
	{ "indicator", R_IND, f_ind },	       { "from", R_FROM, f_from },
	{ "to", R_TO, f_to },		       { "period", R_PERIOD, f_period },
	{ "as_of", R_ASOF, f_as_of },	       { "value", R_VALUE, f_value },
	{ "seq", R_SEQ, f_seq },	       { "limit", R_LIMIT, f_limit },
	{ "time", R_TIME, f_time },	       { "prefix", R_PREFIX, f_prefix },
	{ "path", R_PATH, f_path },	       { "year", R_YEAR, f_year },
	{ "region", R_REGION, f_region },      { "detail", R_DETAIL, f_detail },
	{ "all", R_ALL, f_all },	       { "sources", R_SOURCES, f_sources },
};

/* Decodes one field of the root map: the key must be one the request type allows. */
static int decode_field(struct proto_req *r, const msgpack_object_kv *kv, unsigned *seen)
{
	for (size_t i = 0; i < sizeof(req_keys) / sizeof(req_keys[0]); i++) {
		if (!key_is(kv, req_keys[i].name))
			continue;
		if (!(req_fields[r->type].allowed & req_keys[i].bit))
			return PW_EFIELD;
		/* nil for an optional key is the key left out (PROTOCOL.md §2) */
		if (kv->val.type == MSGPACK_OBJECT_NIL &&
		    !(req_fields[r->type].required & req_keys[i].bit))
			return 0;
		*seen |= req_keys[i].bit;
		return req_keys[i].decode(r, &kv->val);
	}
	return PW_EFIELD;
}

static void req_clear(struct proto_req *r)
{
	struct proto_item *items = r->items;
	char *arena = r->arena;
	size_t items_cap = r->items_cap, arena_cap = r->arena_cap;

	memset(r, 0, sizeof(*r));
	r->items = items;
	r->items_cap = items_cap;
	r->arena = arena;
	r->arena_cap = arena_cap;
}

/* The id as decode_header() accepts it: 1..PROTO_MAX_ID bytes of UTF-8 without NUL. */
static bool id_acceptable(const char *s, size_t n)
{
	return n >= 1 && n <= PROTO_MAX_ID && proto_utf8_valid(s, n) && !memchr(s, 0, n);
}

/* Reads a str header at *pp: sets *s and *n and advances past the string; false if the
 * object there is not a str that fits in the bytes that remain. */
static bool peek_str(const uint8_t **pp, const uint8_t *end, const char **s, size_t *n)
{
	const uint8_t *p = *pp;
	size_t hdr, len;
	if (p >= end)
		return false;
	if (*p >= 0xa0 && *p <= 0xbf)
		hdr = 1, len = *p & 0x1f;
	else if (*p == 0xd9 || *p == 0xda || *p == 0xdb) {
		hdr = *p == 0xd9 ? 2 : *p == 0xda ? 3 : 5;
		if (need(p, end, hdr) < 0)
			return false;
		len = (size_t)bytes_get_be(p + 1, hdr - 1);
	} else
		return false;
	if (need(p, end, (uint64_t)hdr + len) < 0)
		return false;
	*s = (const char *)p + hdr;
	*n = len;
	*pp = p + hdr + len;
	return true;
}

/* A frame that is not one well-formed, bounded msgpack map can still carry a readable id:
 * walks the top-level map's pairs in order, each checked by the pre-scan, and copies the
 * first acceptable "id" str found before the first pair that cannot be read (a huge count,
 * deep nesting, a cut-off value, trailing bytes after the map). */
static void salvage_id(struct proto_req *r, const void *buf, size_t len)
{
	const uint8_t *p = buf, *end = p + len;
	uint64_t pairs;
	if (len == 0)
		return;
	if (*p >= 0x80 && *p <= 0x8f) {
		pairs = *p & 0x0f;
		p += 1;
	} else if (*p == 0xde || *p == 0xdf) {
		size_t w = *p == 0xde ? 2 : 4;
		if (need(p, end, 1 + w) < 0)
			return;
		pairs = bytes_get_be(p + 1, w);
		p += 1 + w;
	} else {
		return;
	}
	for (uint64_t i = 0; i < pairs; i++) {
		const uint8_t *k = p;
		const char *key, *val;
		size_t kn, vn;
		if (peek_str(&k, end, &key, &kn) && kn == 2 && !memcmp(key, "id", 2)) {
			const uint8_t *v = k;
			if (peek_str(&v, end, &val, &vn) && id_acceptable(val, vn)) {
				memcpy(r->id, val, vn);
				r->id[vn] = '\0';
			}
			return;
		}
		if (scan_obj(&p, end, PROTO_MAX_DEPTH) < 0 || scan_obj(&p, end, PROTO_MAX_DEPTH) < 0)
			return;
	}
}

/* First pass: version, type and id, so that any later error can still be answered
 * with the client's id. */
static int decode_header(struct proto_req *r, const msgpack_object_map *m)
{
	int have_v = 0, rc;

	r->type = 0;
	/* The id first, so that every later error is answered with the client's id. */
	for (uint32_t i = 0; i < m->size; i++) {
		const msgpack_object *o = &m->ptr[i].val;
		if (key_is(&m->ptr[i], "id") && o->type == MSGPACK_OBJECT_STR &&
		    id_acceptable(o->via.str.ptr, o->via.str.size)) {
			memcpy(r->id, o->via.str.ptr, o->via.str.size);
			r->id[o->via.str.size] = '\0';
		}
	}
	for (uint32_t i = 0; i < m->size; i++) {
		const msgpack_object_kv *kv = &m->ptr[i];
		const msgpack_object *o = &kv->val;
		if (key_is(kv, "v")) {
			if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 != PROTO_VERSION)
				return PW_EVERSION;
			have_v = 1;
		} else if (key_is(kv, "type")) {
			if (o->type != MSGPACK_OBJECT_STR)
				return PW_ETYPE;
			rc = type_parse(o->via.str.ptr, o->via.str.size);
			if (rc < 0 || rc >= PROTO__REQ_LAST)
				return PW_ETYPE;
			r->type = rc;
		}
	}
	if (!have_v)
		return PW_EVERSION;
	if (!r->type)
		return PW_ETYPE;
	if (!r->id[0])
		return PW_EFIELD;
	return 0;
}

int proto_req_decode(struct proto_req *r, const void *buf, size_t len)
{
	msgpack_unpacked u;
	unsigned seen = 0;
	int rc;

	req_clear(r);
	if (len > PROTO_MAX_FRAME) {
		salvage_id(r, buf, len);
		return PW_ETOOBIG;
	}
	/* Every string copy costs its bytes plus a NUL, and each string has a header byte. */
	size_t need_cap = 2 * len + 16;
	if (need_cap > r->arena_cap) {
		char *a = realloc(r->arena, need_cap);
		if (!a)
			return PW_ENOMEM;
		r->arena = a;
		r->arena_cap = need_cap;
	}
	if ((rc = unpack(&u, buf, len, PROTO_MAX_DEPTH)) < 0) {
		salvage_id(r, buf, len);
		return rc;
	}
	const msgpack_object *root = &u.data;
	if (root->type != MSGPACK_OBJECT_MAP) {
		rc = PW_EPROTO;
		goto out_unpacked;
	}
	if ((rc = decode_header(r, &root->via.map)) < 0)
		goto out_unpacked;
	if ((rc = check_unique_keys(&root->via.map)) < 0)
		goto out_unpacked;
	for (uint32_t i = 0; i < root->via.map.size; i++) {
		const msgpack_object_kv *kv = &root->via.map.ptr[i];
		if (key_is(kv, "v") || key_is(kv, "type") || key_is(kv, "id"))
			continue;
		if ((rc = decode_field(r, kv, &seen)) < 0)
			goto out_unpacked;
	}
	unsigned required = req_fields[r->type].required, one_of = req_one_of[r->type];
	rc = (seen & required) == required && (!one_of || (seen & one_of)) ? 0 : PW_EFIELD;
out_unpacked:
	msgpack_unpacked_destroy(&u);
	return rc;
}

/* ---- writer ---- */

void proto_buf_init(struct proto_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void proto_buf_reset(struct proto_buf *b)
{
	b->len = 0;
	b->err = 0;
}

void proto_buf_release(struct proto_buf *b)
{
	free(b->data);
	proto_buf_init(b);
}

static bool buf_grow(struct proto_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	uint8_t *d = realloc(b->data, cap);
	if (!d) {
		b->err = PW_ENOMEM;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

/* Makes room for n more bytes; false (and b->err set) when out of memory. */
static inline bool buf_reserve(struct proto_buf *b, size_t n)
{
	if (b->err)
		return false;
	return b->len + n <= b->cap || buf_grow(b, n);
}

static int buf_write(void *data, const char *p, size_t n)
{
	struct proto_buf *b = data;
	if (n == 0)
		return b->err ? -1 : 0; /* p may be NULL (an empty buffer's data) */
	if (!buf_reserve(b, n))
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

#define PACKER(b) msgpack_packer pk = { .data = (b), .callback = buf_write }

void proto_w_map(struct proto_buf *b, uint32_t n)
{
	PACKER(b);
	msgpack_pack_map(&pk, n);
}

void proto_w_array(struct proto_buf *b, uint32_t n)
{
	PACKER(b);
	msgpack_pack_array(&pk, n);
}

/* Strings are most of every notice: header and body go out with one capacity check
 * instead of msgpack-c's two callback writes (the profile's largest encoding cost). The
 * header is the msgpack spec's str family, the same bytes msgpack_pack_str() writes. */
void proto_w_strn_any(struct proto_buf *b, const char *s, size_t n)
{
	uint8_t h[5];
	size_t hl;
	if (n < 32) {
		h[0] = (uint8_t)(0xa0 | n);
		hl = 1;
	} else {
		/* str8, str16, str32: the type byte, then the length big-endian */
		size_t w = n <= 0xff ? 1 : n <= 0xffff ? 2 : 4;
		h[0] = w == 1 ? 0xd9 : w == 2 ? 0xda : 0xdb;
		bytes_put_be(h + 1, n, w);
		hl = 1 + w;
	}
	if (!buf_reserve(b, hl + n))
		return;
	memcpy(b->data + b->len, h, hl);
	if (n)
		memcpy(b->data + b->len + hl, s, n);
	b->len += hl + n;
}

void proto_w_int(struct proto_buf *b, int64_t v)
{
	PACKER(b);
	msgpack_pack_int64(&pk, v);
}

void proto_w_uint(struct proto_buf *b, uint64_t v)
{
	PACKER(b);
	msgpack_pack_uint64(&pk, v);
}

void proto_w_double(struct proto_buf *b, double v)
{
	PACKER(b);
	if (isfinite(v))
		msgpack_pack_double(&pk, v);
	else
		msgpack_pack_nil(&pk);
}

void proto_w_bool(struct proto_buf *b, bool v)
{
	PACKER(b);
	if (v)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
}

void proto_w_nil(struct proto_buf *b)
{
	PACKER(b);
	msgpack_pack_nil(&pk);
}

void proto_w_bin(struct proto_buf *b, const void *p, size_t n)
{
	PACKER(b);
	msgpack_pack_bin(&pk, n);
	msgpack_pack_bin_body(&pk, p, n);
}

void proto_w_raw(struct proto_buf *b, const void *p, size_t n)
{
	buf_write(b, p, n);
}

uint8_t *proto_w_space(struct proto_buf *b, size_t n)
{
	if (!buf_reserve(b, n))
		return NULL;
	uint8_t *p = b->data + b->len;
	b->len += n;
	return p;
}

/* ---- maps that count their pairs ---- */

void proto_map_close_move(struct proto_map map)
{
	const struct proto_map *m = &map;
	struct proto_buf *b = m->b;
	uint8_t h[5];
	size_t hl;
	if (b->err)
		return;
	assert(m->at + m->reserved <= b->len);
	if (m->n < 16) {
		h[0] = (uint8_t)(0x80 | m->n);
		hl = 1;
	} else {
		/* map16, map32: the type byte, then the count big-endian (msgpack-c's choice) */
		size_t w = m->n <= 0xffff ? 2 : 4;
		h[0] = w == 2 ? 0xde : 0xdf;
		bytes_put_be(h + 1, m->n, w);
		hl = 1 + w;
	}
	size_t body = b->len - m->at - m->reserved;
	if (hl > m->reserved && !proto_w_space(b, hl - m->reserved))
		return;
	if (hl != m->reserved)
		memmove(b->data + m->at + hl, b->data + m->at + m->reserved, body);
	memcpy(b->data + m->at, h, hl);
	b->len = m->at + hl + body;
}

void proto_reply_open(struct proto_map *m, struct proto_buf *b, int type, const char *id)
{
	proto_map_open(m, b);
	proto_kv_uint(m, "v", PROTO_VERSION);
	proto_kv_str(m, "type", proto_type_name(type));
	proto_kv_str(m, "id", id);
}

/* Deep enough for any fields the daemon writes (a notice's "departments" array is 1). */
#define PAIRS_MAX_DEPTH 8

int proto_count_pairs(const void *buf, size_t len, uint32_t *n)
{
	const uint8_t *p = buf, *end = p + len;
	uint32_t objs = 0;
	while (p < end) {
		int r = scan_obj(&p, end, PAIRS_MAX_DEPTH);
		if (r < 0)
			return r;
		objs++;
	}
	if (objs % 2)
		return PW_EPROTO;
	*n = objs / 2;
	return 0;
}

/* ---- request encoding (clients) ---- */

static void kv_period(struct proto_map *m, const char *k, const struct period *p)
{
	char text[PERIOD_TEXT_MAX];
	period_format(p, text);
	proto_kv_str(m, k, text);
}

static void encode_item(struct proto_buf *b, const struct proto_item *it)
{
	struct proto_map m;
	proto_map_open(&m, b);
	if (it->plan)
		proto_kv_str(&m, "plan", it->plan);
	if (it->region)
		proto_kv_str(&m, "region", it->region);
	proto_kv_str(&m, "indicator", it->ind);
	kv_period(&m, "period", &it->period);
	proto_map_key(&m, "value");
	{
		/* Encoded as it is, NaN included: the daemon must answer bad_value, and a nil
		 * would turn that into bad_field. */
		PACKER(b);
		msgpack_pack_double(&pk, it->value);
	}
	proto_kv_str(&m, "unit", it->unit ? it->unit : "");
	proto_kv_str(&m, "status", status_name(it->status));
	if (!isnan(it->yoy))
		proto_kv_double(&m, "yoy", it->yoy);
	if (it->reason)
		proto_kv_str(&m, "reason", it->reason);
	if (it->confirm)
		proto_kv_bool(&m, "confirm", true);
	proto_map_close(m);
}

int proto_req_encode(const struct proto_req *r, struct proto_buf *b)
{
	if (r->type <= 0 || r->type >= PROTO__REQ_LAST || !r->id[0])
		return PW_EINVAL;
	unsigned allowed = req_fields[r->type].allowed;
	struct {
		unsigned bit;
		bool present;
	} f[] = {
		{ R_DEPT, r->dept != NULL },	    { R_ITEMS, r->type == PROTO_UPDATE },
		{ R_BACKFILL, r->backfill },	    { R_PLAN, r->plan != NULL },
		{ R_IND, r->ind != NULL },	    { R_FROM, r->has_from },
		{ R_TO, r->has_to },		    { R_PERIOD, r->has_period },
		{ R_ASOF, r->as_of_ms != 0 },	    { R_VALUE, r->type == PROTO_TARGET_SET },
		{ R_SEQ, r->type == PROTO_SINCE || r->type == PROTO_RETRY || r->seq != 0 },
		{ R_LIMIT, r->limit != 0 },	    { R_TIME, r->time_ms != 0 || r->type == PROTO_CLOCK_SET },
		{ R_PREFIX, r->prefix != NULL },	    { R_PATH, r->path != NULL },
		{ R_YEAR, r->year != 0 },	    { R_REGION, r->region != NULL },
		{ R_DETAIL, r->detail },	    { R_ALL, r->all },
		{ R_SOURCES, r->sources },
	};
	struct proto_map m;
	proto_map_open(&m, b);
	proto_kv_uint(&m, "v", PROTO_VERSION);
	proto_kv_str(&m, "type", proto_type_name(r->type));
	proto_kv_str(&m, "id", r->id);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!f[i].present || !(allowed & f[i].bit))
			continue;
		switch (f[i].bit) {
		case R_DEPT: proto_kv_str(&m, "dept", r->dept); break;
		case R_ITEMS:
			proto_map_key(&m, "items");
			proto_w_array(b, (uint32_t)r->n_items);
			for (size_t k = 0; k < r->n_items; k++)
				encode_item(b, &r->items[k]);
			break;
		case R_BACKFILL: proto_kv_bool(&m, "backfill", true); break;
		case R_PLAN: proto_kv_str(&m, "plan", r->plan); break;
		case R_IND: proto_kv_str(&m, "indicator", r->ind); break;
		case R_FROM: kv_period(&m, "from", &r->from); break;
		case R_TO: kv_period(&m, "to", &r->to); break;
		case R_PERIOD: kv_period(&m, "period", &r->period); break;
		case R_ASOF: proto_kv_int(&m, "as_of", r->as_of_ms); break;
		case R_VALUE: proto_kv_double(&m, "value", r->value); break;
		case R_SEQ: proto_kv_uint(&m, "seq", r->seq); break;
		case R_LIMIT: proto_kv_uint(&m, "limit", r->limit); break;
		case R_TIME: proto_kv_int(&m, "time", r->time_ms); break;
		case R_PREFIX: proto_kv_str(&m, "prefix", r->prefix); break;
		case R_PATH: proto_kv_str(&m, "path", r->path); break;
		case R_YEAR: proto_kv_uint(&m, "year", r->year); break;
		case R_REGION: proto_kv_str(&m, "region", r->region); break;
		case R_DETAIL: proto_kv_bool(&m, "detail", true); break;
		case R_ALL: proto_kv_bool(&m, "all", true); break;
		case R_SOURCES: proto_kv_bool(&m, "sources", true); break;
		}
	}
	proto_map_close(m);
	return b->err;
}

/* ---- views ---- */

struct proto_view {
	msgpack_unpacked u;
	void *bytes; /* msgpack-c objects point into the input: the view keeps its own copy */
};

#define VIEW_MAX_DEPTH 8

int proto_view_new(struct proto_view **ret, const void *buf, size_t len)
{
	if (len > PROTO_MAX_REPLY)
		return PW_ETOOBIG;
	struct proto_view *v = malloc(sizeof(*v));
	if (!v)
		return PW_ENOMEM;
	if (!(v->bytes = malloc(len ? len : 1))) {
		free(v);
		return PW_ENOMEM;
	}
	memcpy(v->bytes, buf, len);
	int rc = unpack(&v->u, v->bytes, len, VIEW_MAX_DEPTH);
	if (rc < 0) {
		free(v->bytes);
		free(v);
		return rc;
	}
	if (v->u.data.type != MSGPACK_OBJECT_MAP) {
		proto_view_free(v);
		return PW_EPROTO;
	}
	*ret = v;
	return 0;
}

void proto_view_free(struct proto_view *v)
{
	if (!v)
		return;
	msgpack_unpacked_destroy(&v->u);
	free(v->bytes);
	free(v);
}

static const msgpack_object *map_get(const msgpack_object *m, const char *key)
{
	if (m->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < m->via.map.size; i++)
		if (key_is(&m->via.map.ptr[i], key))
			return &m->via.map.ptr[i].val;
	return NULL;
}

static const msgpack_object *view_items(const struct proto_view *v)
{
	const msgpack_object *o = map_get(&v->u.data, "items");
	return o && o->type == MSGPACK_OBJECT_ARRAY ? o : NULL;
}

size_t proto_view_count(const struct proto_view *v)
{
	const msgpack_object *items = view_items(v);
	return items ? items->via.array.size : 0;
}

static const msgpack_object *view_obj(const struct proto_view *v, int item)
{
	if (item < 0)
		return &v->u.data;
	const msgpack_object *items = view_items(v);
	if (!items || (size_t)item >= items->via.array.size)
		return NULL;
	return &items->via.array.ptr[item];
}

static const msgpack_object *view_field(const struct proto_view *v, int item, const char *key)
{
	const msgpack_object *o = view_obj(v, item);
	o = o ? map_get(o, key) : NULL;
	return o && o->type != MSGPACK_OBJECT_NIL ? o : NULL;
}

static int copy_str(const msgpack_object *o, char *buf, size_t cap)
{
	if (!o)
		return PW_ENOTFOUND;
	if (o->type != MSGPACK_OBJECT_STR || cap == 0)
		return PW_EFIELD;
	size_t n = o->via.str.size < cap - 1 ? o->via.str.size : cap - 1;
	memcpy(buf, o->via.str.ptr, n);
	buf[n] = '\0';
	return 0;
}

int proto_view_str(const struct proto_view *v, int item, const char *key, char *buf, size_t cap)
{
	return copy_str(view_field(v, item, key), buf, cap);
}

/* Element index of array field key into *out; 0, PW_ENOTFOUND or PW_EFIELD. */
static int view_elem(const struct proto_view *v, int item, const char *key, size_t index,
		     const msgpack_object **out)
{
	const msgpack_object *o = view_field(v, item, key);
	if (!o)
		return PW_ENOTFOUND;
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return PW_EFIELD;
	if (index >= o->via.array.size)
		return PW_ENOTFOUND;
	*out = &o->via.array.ptr[index];
	return 0;
}

int proto_view_str_at(const struct proto_view *v, int item, const char *key, size_t index,
		      char *buf, size_t cap)
{
	const msgpack_object *e;
	int rc = view_elem(v, item, key, index, &e);
	return rc < 0 ? rc : copy_str(e, buf, cap);
}

int proto_view_int_at(const struct proto_view *v, int item, const char *key, size_t index,
		      int64_t *out)
{
	const msgpack_object *e;
	int rc = view_elem(v, item, key, index, &e);
	return rc < 0 ? rc : get_int(e, out);
}

int proto_view_int(const struct proto_view *v, int item, const char *key, int64_t *out)
{
	const msgpack_object *o = view_field(v, item, key);
	return o ? get_int(o, out) : PW_ENOTFOUND;
}

int proto_view_double(const struct proto_view *v, int item, const char *key, double *out)
{
	const msgpack_object *o = view_field(v, item, key);
	return o ? get_double(o, out) : PW_ENOTFOUND;
}

int proto_view_bool(const struct proto_view *v, int item, const char *key, bool *out)
{
	const msgpack_object *o = view_field(v, item, key);
	if (!o)
		return PW_ENOTFOUND;
	if (o->type != MSGPACK_OBJECT_BOOLEAN)
		return PW_EFIELD;
	*out = o->via.boolean;
	return 0;
}

int proto_view_bin(const struct proto_view *v, int item, const char *key, const void **p,
		   size_t *n)
{
	const msgpack_object *o = view_field(v, item, key);
	if (!o)
		return PW_ENOTFOUND;
	if (o->type != MSGPACK_OBJECT_BIN)
		return PW_EFIELD;
	*p = o->via.bin.ptr;
	*n = o->via.bin.size;
	return 0;
}

/* ---- JSON rendering ---- */

static void json_str(struct proto_buf *b, const char *s, size_t n)
{
	char esc[8];
	buf_write(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			esc[0] = '\\', esc[1] = (char)c;
			buf_write(b, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			buf_write(b, esc, 6);
		} else {
			buf_write(b, (const char *)&s[i], 1);
		}
	}
	buf_write(b, "\"", 1);
}

static void json_double(struct proto_buf *b, double d)
{
	char num[40];
	if (!isfinite(d)) {
		buf_write(b, "null", 4);
		return;
	}
	/* Shortest of %.15g / %.17g that reads back exactly: 734.44 stays 734.44. */
	snprintf(num, sizeof(num), "%.15g", d);
	if (strtod(num, NULL) != d)
		snprintf(num, sizeof(num), "%.17g", d);
	buf_write(b, num, strlen(num));
}

static void json_obj(struct proto_buf *b, const msgpack_object *o)
{
	char num[40];
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		buf_write(b, "null", 4);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		buf_write(b, o->via.boolean ? "true" : "false", o->via.boolean ? 4 : 5);
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		snprintf(num, sizeof(num), "%llu", (unsigned long long)o->via.u64);
		buf_write(b, num, strlen(num));
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		snprintf(num, sizeof(num), "%lld", (long long)o->via.i64);
		buf_write(b, num, strlen(num));
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		json_double(b, o->via.f64);
		break;
	case MSGPACK_OBJECT_STR:
		json_str(b, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_ARRAY:
		buf_write(b, "[", 1);
		for (uint32_t i = 0; i < o->via.array.size; i++) {
			if (i)
				buf_write(b, ",", 1);
			json_obj(b, &o->via.array.ptr[i]);
		}
		buf_write(b, "]", 1);
		break;
	case MSGPACK_OBJECT_MAP:
		buf_write(b, "{", 1);
		for (uint32_t i = 0; i < o->via.map.size; i++) {
			if (i)
				buf_write(b, ",", 1);
			json_obj(b, &o->via.map.ptr[i].key);
			buf_write(b, ":", 1);
			json_obj(b, &o->via.map.ptr[i].val);
		}
		buf_write(b, "}", 1);
		break;
	default: /* bin (ext never passes the scan): hex */
		buf_write(b, "\"", 1);
		for (uint32_t i = 0; i < o->via.bin.size; i++) {
			snprintf(num, sizeof(num), "%02x", (unsigned char)o->via.bin.ptr[i]);
			buf_write(b, num, 2);
		}
		buf_write(b, "\"", 1);
	}
}

/* NUL-terminates b and hands its bytes to *out (or releases b on error). */
static int buf_to_text(struct proto_buf *b, char **out)
{
	buf_write(b, "", 1);
	if (b->err) {
		int err = b->err;
		proto_buf_release(b);
		return err;
	}
	*out = (char *)b->data;
	return 0;
}

int proto_view_json(const struct proto_view *v, int item, char **out)
{
	struct proto_buf b;
	const msgpack_object *o = view_obj(v, item);
	if (!o)
		return PW_ENOTFOUND;
	proto_buf_init(&b);
	json_obj(&b, o);
	return buf_to_text(&b, out);
}

size_t proto_view_nkeys(const struct proto_view *v)
{
	const msgpack_object *o = &v->u.data;
	return o->type == MSGPACK_OBJECT_MAP ? o->via.map.size : 0;
}

int proto_view_entry(const struct proto_view *v, size_t i, char *key, size_t cap, char **text)
{
	const msgpack_object *o = &v->u.data;
	if (o->type != MSGPACK_OBJECT_MAP || i >= o->via.map.size || !cap)
		return PW_ENOTFOUND;
	const msgpack_object_kv *kv = &o->via.map.ptr[i];
	if (kv->key.type != MSGPACK_OBJECT_STR)
		return PW_EFIELD;
	size_t kn = kv->key.via.str.size < cap - 1 ? kv->key.via.str.size : cap - 1;
	memcpy(key, kv->key.via.str.ptr, kn);
	key[kn] = '\0';
	struct proto_buf b;
	proto_buf_init(&b);
	if (kv->val.type == MSGPACK_OBJECT_STR)
		buf_write(&b, kv->val.via.str.ptr, kv->val.via.str.size);
	else
		json_obj(&b, &kv->val);
	return buf_to_text(&b, text);
}

int proto_view_pack(const struct proto_view *v, int item, const char *key, struct proto_buf *b)
{
	const msgpack_object *o = view_field(v, item, key);
	if (!o)
		return PW_ENOTFOUND;
	PACKER(b);
	msgpack_pack_object(&pk, *o);
	return b->err;
}

int proto_view_sub(const struct proto_view *v, int item, const char *key, struct proto_view **ret)
{
	const msgpack_object *o = view_field(v, item, key);
	struct proto_buf b;
	struct proto_map m;
	int rc;
	if (!o)
		return PW_ENOTFOUND;
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return PW_EFIELD;
	/* The array re-wrapped as {"items": array}: its maps read with the same lookups. */
	proto_buf_init(&b);
	proto_map_open(&m, &b);
	proto_map_key(&m, "items");
	rc = proto_view_pack(v, item, key, &b);
	proto_map_close(m);
	if (rc == 0)
		rc = b.err ? b.err : proto_view_new(ret, b.data, b.len);
	proto_buf_release(&b);
	return rc;
}
