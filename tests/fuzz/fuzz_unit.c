/* tests/fuzz/fuzz_unit.c — libFuzzer target for the unit table's text paths (model/unit.c):
 * unit_find on arbitrary bytes, and the decimal parser behind unit_shift_text and
 * unit_convert_text.
 *
 * The first byte picks a shift k in -20..20, the rest is the text (NUL-terminated copy).
 * Properties: a unit found names itself canonically; a text accepted by unit_shift_text
 * reads back under strtod as the same number shifted (shift by k then by -k is the shift
 * by 0); unit_convert_text from 元 to 万元 equals strtod of the text shifted by -4 (the
 * exactness claim: one correctly rounded parse of the moved point). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../model/unit.h"
#include "../../proto/err.h"

#define FAIL(...)                                                  \
	do {                                                       \
		fprintf(stderr, "fuzz_unit: property violated: "); \
		fprintf(stderr, __VA_ARGS__);                      \
		fputc('\n', stderr);                               \
		abort();                                           \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[UNIT_TEXT_MAX + 16], a[512], b[512], z[512];
	if (size < 1)
		return 0;
	int k = (int)(data[0] % 41) - 20;
	size_t n = size - 1 < sizeof(s) - 1 ? size - 1 : sizeof(s) - 1;
	memcpy(s, data + 1, n);
	s[n] = '\0';

	const struct unit *u = unit_find(s);
	if (u && unit_find(unit_name(u)) != u)
		FAIL("'%s' found, its name '%s' not", s, unit_name(u));

	if (unit_shift_text(s, 0, z, sizeof(z)) < 0)
		return 0;
	if (unit_shift_text(s, k, a, sizeof(a)) == 0 && unit_shift_text(a, -k, b, sizeof(b)) == 0 &&
	    strcmp(b, z) != 0)
		FAIL("'%s' shifted by %d and back is '%s', not '%s'", s, k, b, z);
	/* the plain text reads as the same number as the input */
	errno = 0;
	double x = strtod(s, NULL), y = strtod(z, NULL);
	if (errno == 0 && isnormal(x) && x != y)
		FAIL("'%s' is %.17g, its plain text '%s' is %.17g", s, x, z, y);
	double v;
	if (unit_convert_text(s, unit_find("元"), unit_find("万元"), &v) == 0 &&
	    unit_shift_text(s, -4, a, sizeof(a)) == 0 && strtod(a, NULL) != v)
		FAIL("'%s' 元 is %.17g 万元, the moved point '%s' says %.17g", s, v, a,
		     strtod(a, NULL));
	return 0;
}
