/* tests/rng.h — the tests' one pseudo-random generator (xorshift64*): seeded, so a failing
 * run is replayed from the seed it prints. */
#ifndef PW_TEST_RNG_H
#define PW_TEST_RNG_H

#include <stdint.h>

/* Next value of the sequence in *state (never 0: seed with an odd number). */
static inline uint64_t rng_next(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545F4914F6CDD1Dull;
}

#endif
