/* proto/bytes.h — fixed-width integers and doubles in byte buffers, for the store's records,
 * the alert state record and the log's compact notices. Doubles travel as their IEEE-754
 * bits, so NaN payloads and -0.0 come back unchanged. */
#ifndef PW_BYTES_H
#define PW_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Writes the n low bytes of v little-endian at p; returns p + n. */
/* The widths of 4 and 8 bytes are spelt out byte by byte: the compiler merges those into
 * one load or store (and a byte swap for big-endian), where it keeps a loop a loop, about 6
 * instructions a byte, on every field of every record and notice. Callers pass a constant
 * n, so the branch folds away. */
static inline uint8_t *bytes_put_le(uint8_t *p, uint64_t v, size_t n)
{
	if (n == 8 || n == 4) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)(v >> 16);
		p[3] = (uint8_t)(v >> 24);
		if (n == 8) {
			p[4] = (uint8_t)(v >> 32);
			p[5] = (uint8_t)(v >> 40);
			p[6] = (uint8_t)(v >> 48);
			p[7] = (uint8_t)(v >> 56);
		}
		return p + n;
	}
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return p + n;
}

static inline uint64_t bytes_get_le(const uint8_t *p, size_t n)
{
	if (n == 4)
		return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
		       (uint64_t)p[3] << 24;
	if (n == 8)
		return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
		       (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
		       (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Big-endian, for keys: LMDB's byte order is then numeric order. */
static inline void bytes_put_be(uint8_t *p, uint64_t v, size_t n)
{
	if (n == 8) {
		p[0] = (uint8_t)(v >> 56);
		p[1] = (uint8_t)(v >> 48);
		p[2] = (uint8_t)(v >> 40);
		p[3] = (uint8_t)(v >> 32);
		p[4] = (uint8_t)(v >> 24);
		p[5] = (uint8_t)(v >> 16);
		p[6] = (uint8_t)(v >> 8);
		p[7] = (uint8_t)v;
		return;
	}
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static inline uint64_t bytes_get_be(const uint8_t *p, size_t n)
{
	if (n == 4)
		return (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 |
		       (uint64_t)p[3];
	if (n == 8)
		return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
		       (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
		       (uint64_t)p[6] << 8 | (uint64_t)p[7];
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
