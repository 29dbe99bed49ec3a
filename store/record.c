/* store/record.c — the store's keys and record layouts, encoded and decoded (no LMDB calls).
 *
 * Values start with a format byte (VAL_V1) so a later release can change a layout and
 * still read old records. Fixed fields are little-endian; doubles are stored as their
 * IEEE-754 bits (memcpy), so NaN payloads and -0.0 come back unchanged. Strings are
 * length-prefixed, without NUL.
 *   vin       v, u8 len + idx key, u64 prev vid (0: first vintage), then the fields:
 *             u8 status, u8 flags, u32 rev, f64 value, f64 yoy, i64 recv_ms,
 *             u8 len + dept, u8 len + msgid, u16 len + reason;
 *             format 2 (VIN_V2) adds the figure as sent and its provenance:
 *             u8 len + unit as sent, f64 value as sent, u8 code confirm overrode,
 *             u8 n + n x u64 component vid. A vintage with nothing of these is written
 *             in format 1 (what the owner migration rewrites stays byte for byte as it
 *             was); readers take both, format 1 as "sent as stored"
 *   idx       the newest vintage's u64 vid, u32 rev, f64 value, f64 yoy, u8 status,
 *             u8 flags (its head: a writer's check reads the index alone)
 *   log       v, topic, NUL, body  (the NUL lets callbacks use the topic in place)
 *   quar      v, i64 recv_ms, i32 code, u8 len + dept, u8 len + peer, u16 len + detail,
 *             raw bytes (the rest of the value)
 *   alert, msgid, meta, verdict, due  the caller's bytes as given: opaque, versioned by
 *             their owners. Keys: verdict plan\0period(4)\0ind since schema 8 (schema 7:
 *             plan\0ind\0period(4), re-keyed at open), due owner\0ind\0period(4); the
 *             period is period_key's 4 bytes (year BE, freq, n), so it sorts in time order
 *   meta "schema"       u32 STORE_SCHEMA + its CRC; 1 to 4 (a bare u32) are migrated, any
 *                       other value refused
 * Since schema 5 every value of every table ends with a u32 CRC-32C (little-endian) of the
 * bytes before it: rec_seal writes it, rec_open checks it before any decoder reads a field,
 * so a flipped bit is PW_EDAMAGED instead of a different value. Why CRC-32C: it catches
 * every burst of up to 32 bits, and x86-64 computes it in hardware (SSE4.2): ~0.2 ns a byte
 * against ~1-2 for zlib's CRC-32, on the commit path of every update. The store guards
 * against damage, not against an attacker with write access to the file.
 * Every decoder checks lengths against the value it reads: a corrupt record is PW_EDAMAGED,
 * like one that fails its checksum (not PW_ESTORE, which a client may retry). */
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

/* ---- checksums ---- */

/* CRC-32C (Castagnoli; the polynomial of iSCSI, ext4 and Btrfs, reflected 0x82F63B78). */
static const uint32_t crc32c_table[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c,
	0x26a1e7e8, 0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
	0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c,
	0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
	0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc,
	0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
	0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
	0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
	0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad,
	0x1642ae59, 0xe4292d5a, 0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
	0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595, 0x417b1dbc, 0xb3109ebf,
	0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
	0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f,
	0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f,
	0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
	0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e,
	0x4767748a, 0xb50cf789, 0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
	0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46, 0x7198540d, 0x83f3d70e,
	0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
	0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
	0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
	0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4,
	0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
	0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b,
	0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
	0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6, 0x502036a5,
	0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975,
	0x0e330a81, 0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
	0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905,
	0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
	0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8,
	0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
	0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
	0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
	0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78,
	0x7fab5e8c, 0x8dc0dd8f, 0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
	0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1, 0x69e9f0d5, 0x9b8273d6,
	0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
	0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69,
	0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

uint32_t rec_crc32c_portable(const void *p, size_t n)
{
	const uint8_t *q = p;
	uint32_t c = 0xffffffffu;
	while (n--)
		c = crc32c_table[(c ^ *q++) & 0xff] ^ (c >> 8);
	return ~c;
}

#if defined(__x86_64__)
/* The same with the SSE4.2 crc32 instruction, 8 bytes a step (~20x the table). */
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(const void *p, size_t n)
{
	const uint8_t *q = p;
	uint64_t c = 0xffffffffu;
	for (; n >= 8; n -= 8, q += 8) {
		uint64_t w;
		memcpy(&w, q, 8);
		c = __builtin_ia32_crc32di(c, w);
	}
	uint32_t c32 = (uint32_t)c;
	while (n--)
		c32 = __builtin_ia32_crc32qi(c32, *q++);
	return ~c32;
}
#endif

uint32_t rec_crc32c(const void *p, size_t n)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2"))
		return crc32c_sse42(p, n);
#endif
	return rec_crc32c_portable(p, n);
}

static uint32_t crc_of(const void *p, size_t n)
{
	return rec_crc32c(p, n);
}

void rec_seal(uint8_t *p, size_t n)
{
	bytes_put_le(p + n, crc_of(p, n), REC_CRC);
}

int rec_open(const MDB_val *v, MDB_val *body)
{
	if (v->mv_size < REC_CRC)
		return PW_EDAMAGED;
	size_t n = v->mv_size - REC_CRC;
	if (bytes_get_le((const uint8_t *)v->mv_data + n, REC_CRC) != crc_of(v->mv_data, n))
		return PW_EDAMAGED;
	*body = (MDB_val){ n, v->mv_data };
	return 0;
}

/* ---- keys ---- */

/* Length of the NUL-terminated string in a fixed array, or -1 when it is not terminated. */
static long arr_len(const char *a, size_t size)
{
	size_t n = strnlen(a, size);
	return n < size ? (long)n : -1;
}

/* The lengths of two ids of a key: PW_EINVAL for a missing or empty one, PW_ETOOBIG for one
 * longer than STORE_ID_MAX. */
static int ids_len(const char *a, const char *b, size_t *la, size_t *lb)
{
	if (!a || !b)
		return PW_EINVAL;
	*la = strnlen(a, STORE_ID_MAX + 1);
	*lb = strnlen(b, STORE_ID_MAX + 1);
	if (!*la || !*lb)
		return PW_EINVAL;
	return *la > STORE_ID_MAX || *lb > STORE_ID_MAX ? PW_ETOOBIG : 0;
}

/* Writes plan\0ind\0 into key and returns its length, or a negative code. */
int rec_series_key(uint8_t key[SERIES_KEY_MAX], const char *plan, const char *ind)
{
	size_t lp, li;
	int rc = ids_len(plan, ind, &lp, &li);
	if (rc < 0)
		return rc;
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

int rec_verdict_key(uint8_t key[VERDICT_KEY_MAX], const char *plan, const struct period *p,
		    const char *ind)
{
	size_t lp, li;
	int rc = ids_len(plan, ind, &lp, &li);
	if (rc < 0 || !p)
		return rc < 0 ? rc : PW_EINVAL;
	memcpy(key, plan, lp + 1);
	period_key(p, key + lp + 1);
	key[lp + 5] = '\0';
	memcpy(key + lp + 6, ind, li);
	return (int)(lp + 6 + li);
}

bool rec_verdict_key_split(const MDB_val *k, char plan[STORE_ID_MAX + 1], struct period *p,
			   char ind[STORE_ID_MAX + 1])
{
	const uint8_t *q = k->mv_data, *end = q + k->mv_size;
	/* the period's 4 bytes may hold NULs: they are fixed-size, then one NUL, then ind */
	if (!rec_key_id(&q, end, plan, STORE_ID_MAX) || end - q < 6 || q[4] != '\0')
		return false;
	*p = period_from_key(q);
	q += 5;
	size_t n = (size_t)(end - q);
	if (n > STORE_ID_MAX || memchr(q, '\0', n))
		return false;
	memcpy(ind, q, n);
	ind[n] = '\0';
	return true;
}

bool rec_series_period_split(const MDB_val *k, char a[STORE_ID_MAX + 1], char ind[STORE_ID_MAX + 1],
			     struct period *p)
{
	const uint8_t *q = k->mv_data, *end = q + k->mv_size;
	if (!rec_key_id(&q, end, a, STORE_ID_MAX) || !rec_key_id(&q, end, ind, STORE_ID_MAX) ||
	    end - q != 4)
		return false;
	*p = period_from_key(q);
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
	case PERIOD_SPAN:
		return p->n >= PERIOD_SPAN_MIN && p->n <= PERIOD_SPAN_MAX &&
		       period_first_year(p) >= PERIOD_YEAR_MIN;
	}
	return false;
}

/* ---- observation values ---- */

int rec_obs_check(const struct store_obs *o, struct rec_lens *l)
{
	long d = arr_len(o->dept, sizeof(o->dept)), m = arr_len(o->msgid, sizeof(o->msgid));
	long r = arr_len(o->reason, sizeof(o->reason));
	long u = arr_len(o->sent_unit, sizeof(o->sent_unit));

	if (arr_len(o->plan, sizeof(o->plan)) < 0 || arr_len(o->ind, sizeof(o->ind)) < 0 ||
	    d < 0 || m < 0 || r < 0 || u < 0 || o->rev == 0 || !period_valid(&o->period) ||
	    o->n_src > STORE_SRC_MAX)
		return PW_EINVAL;
	l->dept = (size_t)d;
	l->msgid = (size_t)m;
	l->reason = (size_t)r;
	l->sent_unit = (size_t)u;
	return 0;
}

/* Does o need format 2 (something format 1 cannot say)? */
static bool obs_needs_v2(const struct store_obs *o, const struct rec_lens *l)
{
	return l->sent_unit || o->overrode || o->n_src;
}

static uint8_t *obs_v2_encode(uint8_t *p, const struct store_obs *o, const struct rec_lens *l)
{
	assert(l->sent_unit <= STORE_UNIT_MAX && o->n_src <= STORE_SRC_MAX);
	p = w_str(p, o->sent_unit, l->sent_unit, 1);
	p = bytes_put_le(p, bytes_of_double(l->sent_unit ? o->sent_value : o->value), 8);
	*p++ = o->overrode;
	*p++ = o->n_src;
	for (unsigned i = 0; i < o->n_src; i++)
		p = bytes_put_le(p, o->src[i], 8);
	return p;
}

static void obs_v2_decode(struct rec_rd *r, struct store_obs *o)
{
	rd_str(r, 1, o->sent_unit, STORE_UNIT_MAX);
	o->sent_value = bytes_to_double(rd_le(r, 8));
	o->overrode = (uint8_t)rd_le(r, 1);
	o->n_src = (uint8_t)rd_le(r, 1);
	if (o->n_src > STORE_SRC_MAX) {
		r->bad = true;
		return;
	}
	for (unsigned i = 0; i < o->n_src; i++)
		o->src[i] = rd_le(r, 8);
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

/* Reads the fields (and, for format 2, what follows them) to the end of r: anything left
 * over or missing is PW_EDAMAGED. */
static int obs_fields_decode(struct rec_rd *r, struct store_obs *o, unsigned format)
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
	if (format == VIN_V2)
		obs_v2_decode(r, o);
	else
		o->sent_value = o->value; /* format 1: as sent = as stored */
	/* rev 0 is never written: a chain walk counts revs down to 1. */
	return r->bad || r->p != r->end || o->rev == 0 ? PW_EDAMAGED : 0;
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
	bool v2 = obs_needs_v2(o, l);
	assert(ikey_len <= OBS_KEY_MAX);
	*p++ = v2 ? VIN_V2 : VAL_V1;
	*p++ = (uint8_t)ikey_len;
	memcpy(p, ikey, ikey_len);
	p = bytes_put_le(p + ikey_len, prev, 8);
	p = obs_fields_encode(p, o, l);
	if (v2)
		p = obs_v2_encode(p, o, l);
	size_t n = (size_t)(p - buf);
	rec_seal(buf, n);
	return n + REC_CRC;
}

/* Decodes a vin record into *o and *prev; with want (an idx key), the record must belong
 * to that observation. */
int rec_vin_decode(const MDB_val *sealed, struct store_obs *o, uint64_t *prev,
		   const uint8_t *want, size_t want_len)
{
	MDB_val body, *v = &body;
	memset(o, 0, sizeof(*o));
	if (rec_open(sealed, &body) < 0)
		return PW_EDAMAGED;
	struct rec_rd r = { .p = v->mv_data, .end = (const uint8_t *)v->mv_data + v->mv_size };
	unsigned format = (unsigned)rd_le(&r, 1);
	if (format != VAL_V1 && format != VIN_V2)
		return PW_EDAMAGED;
	size_t kl = (size_t)rd_le(&r, 1);
	const uint8_t *k = rd_take(&r, kl);
	*prev = rd_le(&r, 8);
	if (r.bad || !idx_key_split(k, kl, o) ||
	    (want && (kl != want_len || memcmp(k, want, kl) != 0)))
		return PW_EDAMAGED;
	return obs_fields_decode(&r, o, format);
}

/* Decodes a schema 1/2 rev record (key plan\0ind\0period(4)rev(4)), for the migration. */
int rec_old_rev_decode(struct store_obs *o, const MDB_val *k, const MDB_val *v)
{
	struct rec_rd r = { .p = v->mv_data, .end = (const uint8_t *)v->mv_data + v->mv_size };
	memset(o, 0, sizeof(*o));
	if (k->mv_size < 8 || !idx_key_split(k->mv_data, k->mv_size - 4, o) ||
	    rd_le(&r, 1) != VAL_V1 || obs_fields_decode(&r, o, VAL_V1) < 0 ||
	    bytes_get_be((const uint8_t *)k->mv_data + k->mv_size - 4, 4) != o->rev)
		return PW_EDAMAGED;
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
	rec_seal(iv, IDX_VAL - REC_CRC);
}

int rec_idx_decode(const MDB_val *v, uint64_t *vid, uint32_t *rev, struct store_head *head)
{
	MDB_val body;
	if (v->mv_size != IDX_VAL)
		return PW_EDAMAGED;
	if (rec_open(v, &body) < 0)
		return PW_EDAMAGED;
	const uint8_t *q = body.mv_data;
	*vid = bytes_get_le(q, 8);
	*rev = (uint32_t)bytes_get_le(q + 8, 4);
	if (!*vid || !*rev)
		return PW_EDAMAGED;
	if (head)
		*head = (struct store_head){ .vid = *vid, .rev = *rev,
					     .value = bytes_to_double(bytes_get_le(q + 12, 8)),
					     .yoy = bytes_to_double(bytes_get_le(q + 20, 8)),
					     .status = q[28], .flags = q[29] };
	return 0;
}

size_t rec_log_size(size_t tl, size_t len)
{
	return 1 + tl + 1 + len + REC_CRC;
}

void rec_log_encode(uint8_t *p, const char *topic, size_t tl, const void *body, size_t len)
{
	p[0] = VAL_V1;
	memcpy(p + 1, topic, tl);
	p[1 + tl] = '\0';
	if (len)
		memcpy(p + 1 + tl + 1, body, len);
	rec_seal(p, 1 + tl + 1 + len);
}

int rec_log_decode(const MDB_val *sealed, const char **topic, const uint8_t **body, size_t *len)
{
	MDB_val open, *v = &open;
	if (rec_open(sealed, &open) < 0)
		return PW_EDAMAGED;
	const uint8_t *p = v->mv_data, *nul = NULL;
	if (v->mv_size >= 2 && p[0] == VAL_V1) {
		size_t span = v->mv_size - 1 < STORE_TOPIC_MAX + 1 ? v->mv_size - 1
								   : STORE_TOPIC_MAX + 1;
		nul = memchr(p + 1, '\0', span);
	}
	if (!nul)
		return PW_EDAMAGED;
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

int rec_reject_decode(struct store_reject *r, const MDB_val *k, const MDB_val *sealed)
{
	MDB_val open, *v = &open;
	memset(r, 0, sizeof(*r));
	if (rec_open(sealed, &open) < 0)
		return PW_EDAMAGED;
	struct rec_rd d = { .p = v->mv_data, .end = (const uint8_t *)v->mv_data + v->mv_size };
	if (k->mv_size != 8 || rd_le(&d, 1) != VAL_V1)
		return PW_EDAMAGED;
	r->id = bytes_get_be(k->mv_data, 8);
	r->recv_ms = (int64_t)rd_le(&d, 8);
	r->code = (int)(int32_t)(uint32_t)rd_le(&d, 4);
	rd_str(&d, 1, r->dept, STORE_DEPT_MAX);
	rd_str(&d, 1, r->peer, STORE_DEPT_MAX);
	rd_str(&d, 2, r->detail, STORE_REASON_MAX);
	if (d.bad)
		return PW_EDAMAGED;
	r->raw = d.p;
	r->raw_len = (size_t)(d.end - d.p);
	return 0;
}
