/* model/ydoc.h — typed access to a YAML document (libyaml) with file:line errors.
 *
 * The catalog and the config are YAML. libyaml parses; this module turns nodes into
 * checked C values and every failure into one message "FILE:LINE: what is wrong". */
#ifndef PW_YDOC_H
#define PW_YDOC_H

#include <stdbool.h>
#include <stddef.h>

struct ydoc;
typedef int ynode; /* node index in the document, 0 = absent */

#define YDOC_ERR_MAX 512

/* Loads path. On failure returns PW_ECONFIG (or PW_ESYS) and writes the message to err. */
int ydoc_load(struct ydoc **ret, const char *path, char err[YDOC_ERR_MAX]);
/* The same of a document in memory, text[0..len) (read during the call only), named name
 * in errors. */
int ydoc_parse(struct ydoc **ret, const char *name, const void *text, size_t len,
	       char err[YDOC_ERR_MAX]);
void ydoc_free(struct ydoc *d);

ynode ydoc_root(const struct ydoc *d);
const char *ydoc_path(const struct ydoc *d);
int ydoc_line(const struct ydoc *d, ynode n); /* 1-based */

/* Mappings: the value of key, or 0. ydoc_check_keys fails on any key not in the
 * NULL-terminated list (typos must not be silently ignored). */
ynode ydoc_get(const struct ydoc *d, ynode map, const char *key);
int ydoc_check_keys(struct ydoc *d, ynode map, const char *const *allowed);
bool ydoc_is_map(const struct ydoc *d, ynode n);

/* Sequences: number of elements and element i. A scalar counts as a sequence of one. */
size_t ydoc_len(const struct ydoc *d, ynode seq);
ynode ydoc_at(const struct ydoc *d, ynode seq, size_t i);

/* Scalars. Each returns 0, or PW_ECONFIG after writing "file:line: key: problem" to the
 * document's error buffer (ydoc_error). "what" names the field in messages. */
int ydoc_str(struct ydoc *d, ynode n, const char *what, const char **out);
int ydoc_double(struct ydoc *d, ynode n, const char *what, double *out);
int ydoc_int(struct ydoc *d, ynode n, const char *what, long min, long max, long *out);
int ydoc_bool(struct ydoc *d, ynode n, const char *what, bool *out);

/* Required variants: fail with "missing key" when absent. */
int ydoc_req_str(struct ydoc *d, ynode map, const char *key, const char **out);

/* Formats an error at node n (line of n) into the error buffer; returns PW_ECONFIG. */
int ydoc_fail(struct ydoc *d, ynode n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *ydoc_error(const struct ydoc *d);

#endif
