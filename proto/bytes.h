/* proto/bytes.h — fixed-width integers and doubles in byte buffers, for the store's records,
 * the alert state record and the log's compact notices. Doubles travel as their IEEE-754
 * bits, so NaN payloads and -0.0 come back unchanged. */
#ifndef PW_BYTES_H
#define PW_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Writes the n low bytes of v little-endian at p; returns p + n. */
static inline uint8_t *bytes_put_le(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return p + n;
}

static inline uint64_t bytes_get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Big-endian, for keys: LMDB's byte order is then numeric order. */
static inline void bytes_put_be(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static inline uint64_t bytes_get_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static inline uint64_t bytes_of_double(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof(u));
	return u;
}

static inline double bytes_to_double(uint64_t u)
{
	double d;
	memcpy(&d, &u, sizeof(d));
	return d;
}

#endif
