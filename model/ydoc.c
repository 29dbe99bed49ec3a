/* model/ydoc.c — libyaml document access with file:line errors. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "../proto/err.h"
#include "ydoc.h"

struct ydoc {
	yaml_document_t doc;
	char *path;
	char err[YDOC_ERR_MAX];
};

/* Loads the document parser's input holds, named path in errors. */
static int load(struct ydoc **ret, const char *path, yaml_parser_t *parser, char err[YDOC_ERR_MAX])
{
	struct ydoc *d;

	if (!(d = calloc(1, sizeof(*d))) || !(d->path = strdup(path))) {
		free(d);
		return PW_ENOMEM;
	}
	if (!yaml_parser_load(parser, &d->doc)) {
		snprintf(err, YDOC_ERR_MAX, "%s:%zu: %s%s%s", path, parser->problem_mark.line + 1,
			 parser->problem ? parser->problem : "syntax error",
			 parser->context ? " " : "", parser->context ? parser->context : "");
		goto out_fail;
	}
	if (!yaml_document_get_root_node(&d->doc)) {
		snprintf(err, YDOC_ERR_MAX, "%s:1: empty document", path);
		yaml_document_delete(&d->doc);
		goto out_fail;
	}
	*ret = d;
	return 0;
out_fail:
	free(d->path);
	free(d);
	return PW_ECONFIG;
}

int ydoc_load(struct ydoc **ret, const char *path, char err[YDOC_ERR_MAX])
{
	yaml_parser_t parser;
	FILE *f;

	if (!(f = fopen(path, "rb"))) {
		snprintf(err, YDOC_ERR_MAX, "%s: cannot open: %s", path, strerror(errno));
		return PW_ESYS;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	int rc = load(ret, path, &parser, err);
	yaml_parser_delete(&parser);
	fclose(f);
	return rc;
}

int ydoc_parse(struct ydoc **ret, const char *name, const void *text, size_t len,
	       char err[YDOC_ERR_MAX])
{
	yaml_parser_t parser;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, text, len);
	int rc = load(ret, name, &parser, err);
	yaml_parser_delete(&parser);
	return rc;
}

void ydoc_free(struct ydoc *d)
{
	if (!d)
		return;
	yaml_document_delete(&d->doc);
	free(d->path);
	free(d);
}

static yaml_node_t *node(const struct ydoc *d, ynode n)
{
	return n ? yaml_document_get_node((yaml_document_t *)&d->doc, n) : NULL;
}

ynode ydoc_root(const struct ydoc *d)
{
	(void)d;
	return 1; /* libyaml numbers nodes from 1; the root is the first */
}

const char *ydoc_path(const struct ydoc *d)
{
	return d->path;
}

int ydoc_line(const struct ydoc *d, ynode n)
{
	yaml_node_t *y = node(d, n);
	return y ? (int)y->start_mark.line + 1 : 0;
}

const char *ydoc_error(const struct ydoc *d)
{
	return d->err;
}

int ydoc_fail(struct ydoc *d, ynode n, const char *fmt, ...)
{
	va_list ap;
	int off = snprintf(d->err, sizeof(d->err), "%s:%d: ", d->path, ydoc_line(d, n));
	if (off < 0 || (size_t)off >= sizeof(d->err))
		return PW_ECONFIG; /* a path that long leaves no room: keep the truncated text */
	va_start(ap, fmt);
	vsnprintf(d->err + off, sizeof(d->err) - (size_t)off, fmt, ap);
	va_end(ap);
	return PW_ECONFIG;
}

bool ydoc_is_map(const struct ydoc *d, ynode n)
{
	yaml_node_t *y = node(d, n);
	return y && y->type == YAML_MAPPING_NODE;
}

static const char *scalar(const struct ydoc *d, ynode n)
{
	yaml_node_t *y = node(d, n);
	return y && y->type == YAML_SCALAR_NODE ? (const char *)y->data.scalar.value : NULL;
}

ynode ydoc_get(const struct ydoc *d, ynode map, const char *key)
{
	yaml_node_t *m = node(d, map);
	if (!m || m->type != YAML_MAPPING_NODE)
		return 0;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		const char *k = scalar(d, p->key);
		if (k && strcmp(k, key) == 0)
			return p->value;
	}
	return 0;
}

int ydoc_check_keys(struct ydoc *d, ynode map, const char *const *allowed)
{
	yaml_node_t *m = node(d, map);
	if (!m || m->type != YAML_MAPPING_NODE)
		return ydoc_fail(d, map, "expected a mapping (key: value)");
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		const char *k = scalar(d, p->key);
		size_t i;
		if (!k)
			return ydoc_fail(d, p->key, "keys must be plain text");
		for (i = 0; allowed[i]; i++)
			if (strcmp(k, allowed[i]) == 0)
				break;
		if (!allowed[i])
			return ydoc_fail(d, p->key, "unknown key '%s'", k);
		for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++) {
			const char *k2 = scalar(d, q->key);
			if (k2 && strcmp(k, k2) == 0)
				return ydoc_fail(d, p->key, "duplicate key '%s'", k);
		}
	}
	return 0;
}

size_t ydoc_len(const struct ydoc *d, ynode seq)
{
	yaml_node_t *y = node(d, seq);
	if (!y)
		return 0;
	if (y->type != YAML_SEQUENCE_NODE)
		return 1;
	return (size_t)(y->data.sequence.items.top - y->data.sequence.items.start);
}

ynode ydoc_at(const struct ydoc *d, ynode seq, size_t i)
{
	yaml_node_t *y = node(d, seq);
	if (!y)
		return 0;
	if (y->type != YAML_SEQUENCE_NODE)
		return i == 0 ? seq : 0;
	return i < ydoc_len(d, seq) ? y->data.sequence.items.start[i] : 0;
}

int ydoc_str(struct ydoc *d, ynode n, const char *what, const char **out)
{
	const char *s = scalar(d, n);
	if (!s)
		return ydoc_fail(d, n, "%s: expected text", what);
	*out = s;
	return 0;
}

int ydoc_double(struct ydoc *d, ynode n, const char *what, double *out)
{
	const char *s = scalar(d, n);
	char *end;
	if (!s || !*s)
		return ydoc_fail(d, n, "%s: expected a number", what);
	errno = 0;
	double v = strtod(s, &end);
	if (*end || errno || !isfinite(v))
		return ydoc_fail(d, n, "%s: '%s' is not a finite number", what, s);
	*out = v;
	return 0;
}

int ydoc_int(struct ydoc *d, ynode n, const char *what, long min, long max, long *out)
{
	const char *s = scalar(d, n);
	char *end;
	if (!s || !*s)
		return ydoc_fail(d, n, "%s: expected an integer", what);
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end || errno)
		return ydoc_fail(d, n, "%s: '%s' is not an integer", what, s);
	if (v < min || v > max)
		return ydoc_fail(d, n, "%s: %ld is outside %ld..%ld", what, v, min, max);
	*out = v;
	return 0;
}

int ydoc_bool(struct ydoc *d, ynode n, const char *what, bool *out)
{
	const char *s = scalar(d, n);
	if (s && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0))
		*out = true;
	else if (s && (strcmp(s, "false") == 0 || strcmp(s, "no") == 0))
		*out = false;
	else
		return ydoc_fail(d, n, "%s: expected true or false", what);
	return 0;
}

int ydoc_req_str(struct ydoc *d, ynode map, const char *key, const char **out)
{
	ynode n = ydoc_get(d, map, key);
	if (!n)
		return ydoc_fail(d, map, "missing key '%s'", key);
	return ydoc_str(d, n, key, out);
}
