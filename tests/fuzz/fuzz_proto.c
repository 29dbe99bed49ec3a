/* tests/fuzz/fuzz_proto.c — libFuzzer target for the wire decoder (proto/proto.c).
 *
 * Every input is one request frame as a peer could send it:
 *  - proto_req_decode() into one reused proto_req (as the daemon does);
 *  - a request that decodes is encoded again with proto_req_encode() and decoded into a
 *    second proto_req: it must decode, with the same type, id, item count and, for each
 *    item that was valid, the same plan/region/indicator/period/value/unit/status/yoy/reason/
 *    confirm;
 *  - the same bytes as a reply/notice through proto_view_new(), proto_view_json() (the
 *    JSON must hold no raw control bytes) and the field accessors; a "body" map packed
 *    with proto_view_pack() must open as a view again.
 * A violated property calls abort(), which libFuzzer reports as a crash. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "../../proto/err.h"
#include "../../proto/proto.h"

/* Open bugs, reported with reproducers in tests/fuzz/regress/proto/ (README.md there).
 * While they are open the fuzzing build steps around them so that it can look further;
 * run.sh replays the reproducers with -DFUZZ_STRICT=1, where nothing is skipped.
 *  - proto.c json_obj() reads an ext object as if it were bin (overread);
 *  - proto_req_encode() writes a value that is not finite as nil. */
#ifndef FUZZ_STRICT
#define FUZZ_STRICT 0
#endif

#define FAIL(...)                                                     \
	do {                                                          \
		fprintf(stderr, "fuzz_proto: property violated: ");   \
		fprintf(stderr, __VA_ARGS__);                         \
		fputc('\n', stderr);                                  \
		abort();                                              \
	} while (0)

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool dbl_eq(double a, double b)
{
	return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof(a)) == 0 || a == b;
}

static bool period_eq(const struct period *a, const struct period *b)
{
	return a->year == b->year && a->freq == b->freq && a->n == b->n;
}

/* True if the request holds a number the encoder cannot write (it writes nil). */
static bool has_nonfinite(const struct proto_req *r)
{
	if (r->type == PROTO_TARGET_SET && !isfinite(r->value))
		return true;
	for (size_t i = 0; i < r->n_items; i++)
		if (r->items[i].err == 0 && !isfinite(r->items[i].value))
			return true;
	return false;
}

static void check_item(size_t i, const struct proto_item *a, const struct proto_item *b)
{
	if (b->err != 0)
		FAIL("item %zu was valid, after the round trip it is %s", i, pw_errname(b->err));
	if (!str_eq(a->plan, b->plan) || !str_eq(a->region, b->region) ||
	    !str_eq(a->ind, b->ind) || !str_eq(a->unit, b->unit) || !str_eq(a->reason, b->reason))
		FAIL("item %zu: a string changed", i);
	if (!period_eq(&a->period, &b->period))
		FAIL("item %zu: period changed", i);
	if (!dbl_eq(a->value, b->value) || !dbl_eq(a->yoy, b->yoy))
		FAIL("item %zu: value %.17g/%.17g became %.17g/%.17g", i, a->value, a->yoy,
		     b->value, b->yoy);
	if (a->status != b->status)
		FAIL("item %zu: status changed", i);
	if (a->confirm != b->confirm)
		FAIL("item %zu: confirm changed", i);
}

static void roundtrip(const struct proto_req *a, struct proto_req *b, struct proto_buf *buf)
{
	int rc;

	if (!FUZZ_STRICT && has_nonfinite(a))
		return;
	proto_buf_reset(buf);
	if ((rc = proto_req_encode(a, buf)) < 0)
		FAIL("a decoded request does not encode: %s", pw_errname(rc));
	if (buf->len > PROTO_MAX_FRAME + 4096)
		FAIL("re-encoded request grew to %zu bytes", buf->len);
	if ((rc = proto_req_decode(b, buf->data, buf->len)) < 0)
		FAIL("re-encoded %s request does not decode: %s", proto_type_name(a->type),
		     pw_errname(rc));
	if (a->type != b->type)
		FAIL("type %d became %d", a->type, b->type);
	if (strcmp(a->id, b->id) != 0)
		FAIL("id '%s' became '%s'", a->id, b->id);
	if (a->n_items != b->n_items)
		FAIL("%zu items became %zu", a->n_items, b->n_items);
	for (size_t i = 0; i < a->n_items; i++)
		if (a->items[i].err == 0)
			check_item(i, &a->items[i], &b->items[i]);
	if (!str_eq(a->dept, b->dept) || !str_eq(a->plan, b->plan) || !str_eq(a->ind, b->ind) ||
	    !str_eq(a->region, b->region) || !str_eq(a->prefix, b->prefix) ||
	    !str_eq(a->path, b->path))
		FAIL("a string field changed");
	if (a->backfill != b->backfill || a->detail != b->detail || a->has_from != b->has_from ||
	    a->has_to != b->has_to || a->has_period != b->has_period)
		FAIL("a flag changed");
	if ((a->has_from && !period_eq(&a->from, &b->from)) ||
	    (a->has_to && !period_eq(&a->to, &b->to)) ||
	    (a->has_period && !period_eq(&a->period, &b->period)))
		FAIL("a period changed");
	if (a->as_of_ms != b->as_of_ms || a->seq != b->seq || a->limit != b->limit ||
	    a->time_ms != b->time_ms || !dbl_eq(a->value, b->value))
		FAIL("a number changed");
}

/* True if the msgpack object in buf holds an ext value anywhere (only called on input
 * that proto_view_new() accepted, so counts and depth are already checked). */
static bool obj_has_ext(const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_EXT:
		return true;
	case MSGPACK_OBJECT_ARRAY:
		for (uint32_t i = 0; i < o->via.array.size; i++)
			if (obj_has_ext(&o->via.array.ptr[i]))
				return true;
		return false;
	case MSGPACK_OBJECT_MAP:
		for (uint32_t i = 0; i < o->via.map.size; i++)
			if (obj_has_ext(&o->via.map.ptr[i].key) ||
			    obj_has_ext(&o->via.map.ptr[i].val))
				return true;
		return false;
	default:
		return false;
	}
}

static bool has_ext(const uint8_t *data, size_t size)
{
	msgpack_unpacked u;
	size_t off = 0;
	bool ext = false;
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, (const char *)data, size, &off) == MSGPACK_UNPACK_SUCCESS)
		ext = obj_has_ext(&u.data);
	msgpack_unpacked_destroy(&u);
	return ext;
}

static void view(const uint8_t *data, size_t size, struct proto_buf *buf)
{
	struct proto_view *v, *w;
	char s[80], *json;
	int64_t i64;
	double d;
	bool bo;
	const void *p;
	size_t n;

	if (proto_view_new(&v, data, size) < 0)
		return;
	size_t count = proto_view_count(v);
	bool json_ok = FUZZ_STRICT || !has_ext(data, size);
	for (int item = -1; item < (int)count && item < 8; item++) {
		if (json_ok && proto_view_json(v, item, &json) == 0) {
			for (const char *c = json; *c; c++)
				if ((unsigned char)*c < 0x20)
					FAIL("raw control byte 0x%02x in JSON", (unsigned char)*c);
			free(json);
		}
		proto_view_str(v, item, "id", s, sizeof(s));
		proto_view_str(v, item, "topic", s, 1);
		proto_view_int(v, item, "seq", &i64);
		proto_view_double(v, item, "value", &d);
		proto_view_bool(v, item, "more", &bo);
		proto_view_bin(v, item, "raw", &p, &n);
		proto_buf_reset(buf);
		if (proto_view_pack(v, item, "body", buf) == 0 && buf->len > 0) {
			uint8_t b = buf->data[0];
			bool map = (b & 0xf0) == 0x80 || b == 0xde || b == 0xdf;
			int rc = map ? proto_view_new(&w, buf->data, buf->len) : 0;
			if (rc < 0)
				FAIL("a packed body map does not reopen as a view: %s",
				     pw_errname(rc));
			if (map)
				proto_view_free(w);
		}
	}
	proto_view_str(v, (int)count, "id", s, sizeof(s)); /* out of range */
	proto_view_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* One of each for the whole run: decoding reuses the request's arena and items,
	 * which is what the daemon does and where stale state would show. */
	static struct proto_req *req, *again;
	static struct proto_buf buf;

	if (!req) {
		req = proto_req_new();
		again = proto_req_new();
		if (!req || !again)
			abort();
		proto_buf_init(&buf);
	}
	int rc = proto_req_decode(req, data, size);
	/* The same bytes into the other (reused, differently used) request: decoding must not
	 * depend on what the request held before. */
	int rc2 = proto_req_decode(again, data, size);
	if (rc2 != rc || again->type != req->type || strcmp(again->id, req->id) != 0 ||
	    again->n_items != req->n_items || again->n_bad != req->n_bad)
		FAIL("decoding twice differs: %d/%d", rc, rc2);
	if (rc == 0) {
		if (req->type <= 0 || req->type >= PROTO__REQ_LAST || !req->id[0])
			FAIL("decode returned 0 with type %d, id '%s'", req->type, req->id);
		size_t bad = 0;
		for (size_t i = 0; i < req->n_items; i++)
			bad += req->items[i].err != 0;
		if (bad != req->n_bad)
			FAIL("n_bad %zu but %zu items have errors", req->n_bad, bad);
		roundtrip(req, again, &buf);
	} else if (rc > 0 || rc <= PW__LAST) {
		FAIL("decode returned %d", rc);
	}
	view(data, size, &buf);
	return 0;
}
