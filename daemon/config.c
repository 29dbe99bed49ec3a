/* daemon/config.c — planwatchd.conf loading. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../proto/err.h"
#include "config.h"
#include "ydoc.h"

static void resolve(char out[CONFIG_PATH_MAX], const char *base, const char *path)
{
	if (path[0] == '/' || !base[0])
		snprintf(out, CONFIG_PATH_MAX, "%.*s", CONFIG_PATH_MAX - 1, path);
	else
		snprintf(out, CONFIG_PATH_MAX, "%.*s/%.*s", CONFIG_PATH_MAX / 2 - 1, base,
			 CONFIG_PATH_MAX / 2 - 1, path);
}

/* ipc:// endpoints name files: make them relative to the config like other paths. */
static void resolve_endpoint(char out[CONFIG_EP_MAX], const char *base, const char *ep)
{
	if (strncmp(ep, "ipc://", 6) == 0 && ep[6] != '/' && ep[6] != '@' && base[0])
		snprintf(out, CONFIG_EP_MAX, "ipc://%.*s/%.*s", CONFIG_PATH_MAX / 2, base,
			 CONFIG_PATH_MAX / 2, ep + 6);
	else
		snprintf(out, CONFIG_EP_MAX, "%.*s", CONFIG_PATH_MAX, ep);
}

void config_defaults(struct config *c, const char *base_dir)
{
	memset(c, 0, sizeof(*c));
	resolve(c->state_dir, base_dir, "state");
	snprintf(c->listen, sizeof(c->listen), "ipc://%s/ingest.sock", c->state_dir);
	snprintf(c->publish, sizeof(c->publish), "ipc://%s/notify.sock", c->state_dir);
	c->map_size = 64ull << 20;
	c->map_max = 64ull << 30;
	c->group_max = 2000;
	c->pub_hwm = 100000;
	c->quarantine_max = 64ull << 20;
	c->quarantine_sender_max = 16ull << 20;
	c->quarantine_raw_max = 1ull << 20; /* a whole request frame: retry needs it all */
	c->margin_pct = 1.0;
	c->hysteresis_pct = 0.5;
	c->persistence = 2;
}

void config_release(struct config *c)
{
	for (size_t i = 0; i < c->n_catalog; i++)
		free(c->catalog[i]);
	for (size_t i = 0; i < c->n_sub_bind; i++)
		free(c->sub_bind[i]);
	for (size_t i = 0; i < c->n_sub_connect; i++)
		free(c->sub_connect[i]);
	c->n_catalog = c->n_sub_bind = c->n_sub_connect = 0;
}

static int list(struct ydoc *d, ynode root, const char *key, const char *base, bool endpoint,
		char **out, size_t *n)
{
	ynode seq = ydoc_get(d, root, key);
	size_t len = ydoc_len(d, seq);
	char buf[CONFIG_EP_MAX];
	const char *s;
	int rc;

	if (len > CONFIG_MAX_LIST)
		return ydoc_fail(d, seq, "%s: at most %d entries", key, CONFIG_MAX_LIST);
	for (size_t i = 0; i < len; i++) {
		if ((rc = ydoc_str(d, ydoc_at(d, seq, i), key, &s)) < 0)
			return rc;
		if (endpoint)
			resolve_endpoint(buf, base, s);
		else
			resolve(buf, base, s);
		if (!(out[*n] = strdup(buf)))
			return PW_ENOMEM;
		(*n)++;
	}
	return 0;
}

/* A size in units of 2^shift bytes, 1 to max units. */
static int size_key(struct ydoc *d, ynode root, const char *key, int shift, long max,
		    uint64_t *out)
{
	long v;
	ynode n = ydoc_get(d, root, key);
	int rc;
	if (!n)
		return 0;
	if ((rc = ydoc_int(d, n, key, 1, max, &v)) < 0)
		return rc;
	*out = (uint64_t)v << shift;
	return 0;
}

static int mib(struct ydoc *d, ynode root, const char *key, uint64_t *out)
{
	return size_key(d, root, key, 20, 1L << 30, out);
}

static int uint_key(struct ydoc *d, ynode root, const char *key, long min, long max,
		    unsigned *out)
{
	long v;
	ynode n = ydoc_get(d, root, key);
	int rc;
	if (!n)
		return 0;
	if ((rc = ydoc_int(d, n, key, min, max, &v)) < 0)
		return rc;
	*out = (unsigned)v;
	return 0;
}

static int dbl_key(struct ydoc *d, ynode root, const char *key, double *out)
{
	ynode n = ydoc_get(d, root, key);
	return n ? ydoc_double(d, n, key, out) : 0;
}

static int bool_key(struct ydoc *d, ynode root, const char *key, bool *out)
{
	ynode n = ydoc_get(d, root, key);
	return n ? ydoc_bool(d, n, key, out) : 0;
}

static int path_key(struct ydoc *d, ynode root, const char *key, const char *base,
		    bool endpoint, char *out)
{
	ynode n = ydoc_get(d, root, key);
	const char *s;
	int rc;
	if (!n)
		return 0;
	if ((rc = ydoc_str(d, n, key, &s)) < 0)
		return rc;
	if (endpoint)
		resolve_endpoint(out, base, s);
	else
		resolve(out, base, s);
	return 0;
}

/* A date YYYY-MM-DD (a real day after 1970-01-01, up to 9999) as Unix ms at 00:00 UTC. */
static int date_key(struct ydoc *d, ynode root, const char *key, int64_t *out)
{
	ynode n = ydoc_get(d, root, key);
	const char *s;
	struct tm tm = { 0 };
	int rc;
	if (!n)
		return 0;
	if ((rc = ydoc_str(d, n, key, &s)) < 0)
		return rc;
	const char *end = strptime(s, "%Y-%m-%d", &tm);
	int mday = tm.tm_mday; /* timegm normalises tm: 02-30 would become 03-02 */
	time_t t = end && !*end && strlen(s) == 10 ? timegm(&tm) : (time_t)-1;
	struct tm back;
	if (t <= 0 || !gmtime_r(&t, &back) || back.tm_mday != mday || back.tm_year > 8099)
		return ydoc_fail(d, n, "'%s' must be a date YYYY-MM-DD, e.g. 2026-12-01", key);
	*out = (int64_t)t * 1000;
	return 0;
}

static int parse(struct config *c, struct ydoc *d, const char *base)
{
	static const char *const keys[] = {
		"state_dir", "catalog", "listen", "publish", "sub_bind", "sub_connect",
		"map_size_mb", "map_max_mb", "group_max", "pub_hwm", "allow_clock_set",
		"allow_insecure_tcp", "margin_pct", "hysteresis_pct", "persistence",
		"server_secret_file", "clients_file", "metrics_listen", "issuer", "overdue_since",
		"quarantine_max_mb", "quarantine_sender_max_mb", "quarantine_raw_max_kb", NULL,
	};
	ynode root = ydoc_root(d);
	int rc;

	if ((rc = ydoc_check_keys(d, root, keys)) < 0)
		return rc;
	if ((rc = path_key(d, root, "state_dir", base, false, c->state_dir)) < 0)
		return rc;
	/* Endpoint defaults follow the state directory unless given. */
	snprintf(c->listen, sizeof(c->listen), "ipc://%s/ingest.sock", c->state_dir);
	snprintf(c->publish, sizeof(c->publish), "ipc://%s/notify.sock", c->state_dir);
	if ((rc = path_key(d, root, "listen", base, true, c->listen)) < 0 ||
	    (rc = path_key(d, root, "publish", base, true, c->publish)) < 0 ||
	    (rc = list(d, root, "catalog", base, false, c->catalog, &c->n_catalog)) < 0 ||
	    (rc = list(d, root, "sub_bind", base, true, c->sub_bind, &c->n_sub_bind)) < 0 ||
	    (rc = list(d, root, "sub_connect", base, true, c->sub_connect, &c->n_sub_connect)) < 0 ||
	    (rc = mib(d, root, "map_size_mb", &c->map_size)) < 0 ||
	    (rc = mib(d, root, "map_max_mb", &c->map_max)) < 0 ||
	    (rc = mib(d, root, "quarantine_max_mb", &c->quarantine_max)) < 0 ||
	    (rc = mib(d, root, "quarantine_sender_max_mb", &c->quarantine_sender_max)) < 0 ||
	    (rc = size_key(d, root, "quarantine_raw_max_kb", 10, 1024, &c->quarantine_raw_max)) < 0 ||
	    (rc = uint_key(d, root, "group_max", 1, 100000, &c->group_max)) < 0 ||
	    (rc = uint_key(d, root, "pub_hwm", 1, 10000000, &c->pub_hwm)) < 0 ||
	    (rc = uint_key(d, root, "persistence", 1, 24, &c->persistence)) < 0 ||
	    (rc = bool_key(d, root, "allow_clock_set", &c->allow_clock_set)) < 0 ||
	    (rc = bool_key(d, root, "allow_insecure_tcp", &c->allow_insecure_tcp)) < 0 ||
	    (rc = dbl_key(d, root, "margin_pct", &c->margin_pct)) < 0 ||
	    (rc = dbl_key(d, root, "hysteresis_pct", &c->hysteresis_pct)) < 0 ||
	    (rc = date_key(d, root, "overdue_since", &c->overdue_since_ms)) < 0 ||
	    (rc = path_key(d, root, "server_secret_file", base, false,
			   c->keys.server_secret_file)) < 0 ||
	    (rc = path_key(d, root, "clients_file", base, false, c->keys.clients_file)) < 0)
		return rc;
	ynode m = ydoc_get(d, root, "metrics_listen");
	const char *s;
	if (m) {
		if ((rc = ydoc_str(d, m, "metrics_listen", &s)) < 0)
			return rc;
		snprintf(c->metrics_listen, sizeof(c->metrics_listen), "%s", s);
	}
	if ((m = ydoc_get(d, root, "issuer"))) {
		if ((rc = ydoc_str(d, m, "issuer", &s)) < 0)
			return rc;
		if (strlen(s) >= sizeof(c->issuer))
			return ydoc_fail(d, m, "'issuer' is longer than 255 bytes");
		snprintf(c->issuer, sizeof(c->issuer), "%s", s);
	}
	if (c->n_catalog == 0)
		return ydoc_fail(d, root, "'catalog' must list at least one catalog file");
	if (c->map_size > c->map_max)
		return ydoc_fail(d, root, "map_size_mb is larger than map_max_mb");
	if (c->quarantine_sender_max > c->quarantine_max)
		return ydoc_fail(d, root, "quarantine_sender_max_mb is larger than quarantine_max_mb");
	if (c->quarantine_raw_max >= c->quarantine_sender_max)
		return ydoc_fail(d, root, "quarantine_raw_max_kb must be below "
				 "quarantine_sender_max_mb: one message must fit a sender's share");
	if (c->margin_pct < 0 || c->hysteresis_pct < 0)
		return ydoc_fail(d, root, "margin_pct and hysteresis_pct must be >= 0");
	return 0;
}

int config_load(struct config *c, const char *path, char err[CONFIG_ERR_MAX])
{
	struct ydoc *d;
	char dir[CONFIG_PATH_MAX];
	int rc;

	snprintf(dir, sizeof(dir), "%s", path);
	config_defaults(c, dirname(dir));
	snprintf(c->path, sizeof(c->path), "%s", path);
	if ((rc = ydoc_load(&d, path, err)) < 0)
		return rc;
	snprintf(dir, sizeof(dir), "%s", path);
	rc = parse(c, d, dirname(dir));
	if (rc < 0) {
		snprintf(err, CONFIG_ERR_MAX, "%s", ydoc_error(d)[0] ? ydoc_error(d) : pw_strerror(rc));
		config_release(c);
	}
	ydoc_free(d);
	return rc;
}
