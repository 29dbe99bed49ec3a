/* store/record.c — the store's keys and record layouts, encoded and decoded (no LMDB calls).
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
#include <stdbool.h>
#include <string.h>

#include "../proto/err.h"
#include "store_int.h"

static uint8_t *w_str(uint8_t *p, const char *s, size_t len, size_t len_bytes)
{
	p = bytes_put_le(p, len, len_bytes);
	memcpy(p, s, len);
	return p + len;
}

/* A bounds-checked reader over one value; any overrun or bad length sets bad. */
struct rec_rd {
	const uint8_t *p, *end;
	bool bad;
};

static const uint8_t *rd_take(struct rec_rd *r, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *q = r->p;
	r->p += n;
	return q;
}

static uint64_t rd_le(struct rec_rd *r, size_t n)
{
	const uint8_t *q = rd_take(r, n);
	return q ? bytes_get_le(q, n) : 0;
}

/* Copies a len_bytes-prefixed string of at most max bytes into dst[max + 1]. */
static void rd_str(struct rec_rd *r, size_t len_bytes, char *dst, size_t max)
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
int rec_series_key(uint8_t key[SERIES_KEY_MAX], const char *plan, const char *ind)
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
bool rec_key_id(const uint8_t **p, const uint8_t *end, char *dst, size_t max)
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
bool rec_key_pair(const MDB_val *k, char *a, size_t max_a, char *b, size_t min_b,
		     size_t max_b)
{
	const uint8_t *p = k->mv_data, *end = p + k->mv_size;
	if (!rec_key_id(&p, end, a, max_a))
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

int rec_obs_check(const struct store_obs *o, struct rec_lens *l)
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
static uint8_t *obs_fields_encode(uint8_t *p, const struct store_obs *o, const struct rec_lens *l)
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
static int obs_fields_decode(struct rec_rd *r, struct store_obs *o)
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
	if (!rec_key_id(&p, end, o->plan, STORE_ID_MAX) || !rec_key_id(&p, end, o->ind, STORE_ID_MAX) ||
	    (size_t)(end - p) != 4u)
		return false;
	o->period = period_from_key(p);
	return true;
}

size_t rec_vin_encode(uint8_t buf[VIN_VAL_MAX], const uint8_t *ikey, size_t ikey_len,
			 uint64_t prev, const struct store_obs *o, const struct rec_lens *l)
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
int rec_vin_decode(const MDB_val *v, struct store_obs *o, uint64_t *prev, const uint8_t *want,
		      size_t want_len)
{
	struct rec_rd r = { .p = v->mv_data, .end = (const uint8_t *)v->mv_data + v->mv_size };
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
int rec_old_rev_decode(struct store_obs *o, const MDB_val *k, const MDB_val *v)
{
	struct rec_rd r = { .p = v->mv_data, .end = (const uint8_t *)v->mv_data + v->mv_size };
	memset(o, 0, sizeof(*o));
	if (k->mv_size < 8 || !idx_key_split(k->mv_data, k->mv_size - 4, o) ||
	    rd_le(&r, 1) != VAL_V1 || obs_fields_decode(&r, o) < 0 ||
	    bytes_get_be((const uint8_t *)k->mv_data + k->mv_size - 4, 4) != o->rev)
		return PW_ESTORE;
	return 0;
}

void rec_idx_encode(uint8_t iv[IDX_VAL], uint64_t vid, const struct store_obs *o)
{
	uint8_t *q = bytes_put_le(iv, vid, 8);
	q = bytes_put_le(q, o->rev, 4);
	q = bytes_put_le(q, bytes_of_double(o->value), 8);
	q = bytes_put_le(q, bytes_of_double(o->yoy), 8);
	*q++ = o->status;
	*q = o->flags;
}

int rec_idx_decode(const MDB_val *v, uint64_t *vid, uint32_t *rev, struct store_head *head)
{
	if (v->mv_size != IDX_VAL)
		return PW_ESTORE;
	const uint8_t *q = v->mv_data;
	*vid = bytes_get_le(q, 8);
	*rev = (uint32_t)bytes_get_le(q + 8, 4);
	if (!*vid || !*rev)
		return PW_ESTORE;
	if (head)
		*head = (struct store_head){ .rev = *rev,
					     .value = bytes_to_double(bytes_get_le(q + 12, 8)),
					     .yoy = bytes_to_double(bytes_get_le(q + 20, 8)),
					     .status = q[28], .flags = q[29] };
	return 0;
}

size_t rec_log_size(size_t tl, size_t len)
{
	return 1 + tl + 1 + len;
}

void rec_log_encode(uint8_t *p, const char *topic, size_t tl, const void *body, size_t len)
{
	*p++ = VAL_V1;
	memcpy(p, topic, tl);
	p[tl] = '\0';
	if (len)
		memcpy(p + tl + 1, body, len);
}

int rec_log_decode(const MDB_val *v, const char **topic, const uint8_t **body, size_t *len)
{
	const uint8_t *p = v->mv_data, *nul = NULL;
	if (v->mv_size >= 2 && p[0] == VAL_V1) {
		size_t span = v->mv_size - 1 < STORE_TOPIC_MAX + 1 ? v->mv_size - 1
								   : STORE_TOPIC_MAX + 1;
		nul = memchr(p + 1, '\0', span);
	}
	if (!nul)
		return PW_ESTORE;
	size_t head = (size_t)(nul - p) + 1;
	*topic = (const char *)p + 1;
	*body = p + head;
	*len = v->mv_size - head;
	return 0;
}

int rec_reject_head(uint8_t head[QUAR_HEAD_MAX], const struct store_reject *r, size_t *len)
{
	uint8_t *p = head;
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
	*len = (size_t)(p - head);
	return 0;
}

int rec_reject_decode(struct store_reject *r, const MDB_val *k, const MDB_val *v)
{
	struct rec_rd d = { .p = v->mv_data, .end = (const uint8_t *)v->mv_data + v->mv_size };

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
