/* model/unit.h — the unit table: spellings, dimensions, exact decimal conversion.
 *
 * Every unit belongs to one dimension and is 10^exp of that dimension's base unit
 * (亿元 = 10^8 元). A figure is converted only within its dimension, by moving the decimal
 * point of its text and parsing the result once, so 4.4 万元 is 0.00044 亿元 (the double
 * nearest 0.00044), never 4.4 × 10^-4 = 0.00044000000000000007. Money in CNY and in USD are different
 * dimensions: no rate, no conversion. Each measure word of a count (家 enterprises, 件
 * patents or cases, 项 projects, 个, 所 schools, 张 beds, 起 incidents ...) is a dimension
 * of its own: officials choose the word by what is counted, so 家 and 件 never mix.
 * Units that are not decimal multiples of one another (亩 and 公顷, 年 and 天) are in
 * different dimensions too: their conversion would not be exact. See model/UNITS.md. */
#ifndef PW_UNIT_H
#define PW_UNIT_H

#include <stddef.h>

#define UNIT_TEXT_MAX 64 /* bytes of a decimal text that unit_convert_text accepts */

struct unit; /* an entry of the static table; lives as long as the program */

/* Returns the table entry for any accepted spelling of a unit ("ug/m3", "微克/立方米" and
 * "μg/m³" are one entry), or NULL when s is not a unit of the table. */
const struct unit *unit_find(const char *s);

/* The canonical spelling (what catalogs should say), e.g. "μg/m³". */
const char *unit_name(const struct unit *u);

/* The dimension's English name, e.g. "money (CNY)". */
const char *unit_dim_name(const struct unit *u);

/* Nonzero when a and b are of one dimension (a figure in a converts to b). */
int unit_same_dim(const struct unit *a, const struct unit *b);

/* Writes the canonical spellings of u's dimension, "元, 千元, 万元, 亿元, 万亿元", into buf (cut
 * to cap, always NUL-terminated). Returns the length it needed, like snprintf. */
size_t unit_accepted(const struct unit *u, char *buf, size_t cap);

/* Moves the decimal point of the decimal text s by k places (k > 0: to the right) and
 * writes the result as plain decimal text without redundant zeros ("32570", -4 gives
 * "3.257"; "-0.50", 1 gives "-5"). s is [+-]digits[.digits][e[+-]digits]. Returns 0,
 * PW_EINVAL (not such a text), PW_ETOOBIG (s longer than UNIT_TEXT_MAX or the result over
 * cap) or PW_ERANGE (exponent beyond ±9999). */
int unit_shift_text(const char *s, int k, char *out, size_t cap);

/* Converts the decimal text s from unit `from` to unit `to` into *out (the double nearest
 * the exact shifted decimal). Returns 0, PW_EUNIT (different dimensions), PW_EINVAL (not
 * a decimal text), PW_ETOOBIG (text over UNIT_TEXT_MAX) or PW_ERANGE (the result does not
 * fit a double: overflow, or underflow of a nonzero value to zero or a subnormal). */
int unit_convert_text(const char *s, const struct unit *from, const struct unit *to, double *out);

/* Converts a value as sent on the wire (a double): its shortest decimal text that reads
 * back as v is taken as the figure's text, then unit_convert_text. Same returns; v not
 * finite is PW_EINVAL. */
int unit_convert(double v, const struct unit *from, const struct unit *to, double *out);

/* Writes the shortest decimal text that reads back as v into buf[cap >= 32]: plain
 * ("32570", "0.00044") when it fits, else with an exponent ("1e+300"). */
void unit_dtoa(double v, char *buf, size_t cap);

/* Iteration over the table for tests and docs: entry i (0-based) or NULL past the end. */
const struct unit *unit_at(size_t i);

/* The other accepted spellings of u: alias i (0-based) or NULL past the end. */
const char *unit_alias(const struct unit *u, size_t i);

#endif
