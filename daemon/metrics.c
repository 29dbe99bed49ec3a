/* daemon/metrics.c — Prometheus text endpoint served by libmicrohttpd's own thread. */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "metrics.h"

#define METRICS_LISTEN_MAX 64       /* "[" INET6_ADDRSTRLEN "]:65535" fits */
#define METRICS_CONN_LIMIT 16       /* concurrent scrapers */
#define METRICS_CONN_TIMEOUT_S 10   /* idle connection timeout */
#define METRICS_OUT_INITIAL 8192    /* a scrape is about 6 KiB */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Upper bounds (seconds) of all but the last (+Inf) bucket. */
static const double commit_bounds[METRICS_N_BUCKETS - 1] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
};

/* Label values, indexed by enum metrics_topic / enum metrics_alert. */
static const char *const topic_names[METRICS_N_TOPICS] = {
	[METRICS_TOPIC_CHANGE] = "change",     [METRICS_TOPIC_BREACH] = "breach",
	[METRICS_TOPIC_AT_RISK] = "at_risk",   [METRICS_TOPIC_RESOLVED] = "resolved",
	[METRICS_TOPIC_OVERDUE] = "overdue",   [METRICS_TOPIC_TARGET] = "target",
	[METRICS_TOPIC_ACCEPTED] = "accepted", [METRICS_TOPIC_REJECTED] = "rejected",
	[METRICS_TOPIC_PLAN] = "plan",
};
static const char *const alert_names[METRICS_N_ALERTS] = {
	[METRICS_ALERT_ON_TRACK] = "on_track",
	[METRICS_ALERT_AT_RISK] = "at_risk",
	[METRICS_ALERT_OFF_TRACK] = "off_track",
	[METRICS_ALERT_OVERDUE] = "overdue",
};

struct metrics {
	struct MHD_Daemon *httpd;
	unsigned port;
	pthread_mutex_t lock; /* guards published and snap */
	bool published;
	struct metrics_snapshot snap;
};

/* ---- pure helpers ---- */

void metrics_observe_commit(struct metrics_hist *h, double seconds)
{
	size_t i = 0;
	if (!h)
		return;
	if (!(seconds > 0)) /* also NaN */
		seconds = 0;
	while (i < METRICS_N_BUCKETS - 1 && seconds > commit_bounds[i])
		i++;
	h->bucket[i]++;
	h->count++;
	h->sum += isinf(seconds) ? 0 : seconds;
}

int metrics_topic_index(const char *topic)
{
	if (!topic)
		return PW_EINVAL;
	size_t len = strcspn(topic, ".");
	for (int i = 0; i < METRICS_N_TOPICS; i++)
		if (strlen(topic_names[i]) == len && memcmp(topic, topic_names[i], len) == 0)
			return i;
	return PW_ENOTFOUND;
}

/* ---- formatting (HTTP thread, from a private copy) ---- */

struct out {
	char *p;
	size_t len, cap;
	bool oom;
};

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		assert(n >= 0);
		if ((size_t)n < o->cap - o->len)
			break;
		size_t cap = o->cap * 2 + (size_t)n;
		char *p = realloc(o->p, cap);
		if (!p) {
			o->oom = true;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	o->len += (size_t)n;
}

static void family(struct out *o, const char *name, const char *type, const char *help)
{
	out_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One label value with \, " and newline escaped as the text format requires. */
static void label_value(struct out *o, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			out_printf(o, "\\%c", *v);
		else if (*v == '\n')
			out_printf(o, "\\n");
		else
			out_printf(o, "%c", *v);
	}
}

static void counter(struct out *o, const char *name, const char *help, uint64_t v)
{
	family(o, name, "counter", help);
	out_printf(o, "%s %" PRIu64 "\n", name, v);
}

static void gauge(struct out *o, const char *name, const char *help, uint64_t v)
{
	family(o, name, "gauge", help);
	out_printf(o, "%s %" PRIu64 "\n", name, v);
}

static void gauge_seconds(struct out *o, const char *name, const char *help, int64_t ms)
{
	family(o, name, "gauge", help);
	if (ms < 0)
		ms = 0;
	out_printf(o, "%s %" PRId64 ".%03d\n", name, ms / 1000, (int)(ms % 1000));
}

static void format_hist(struct out *o, const char *name, const char *help,
			const struct metrics_hist *h)
{
	uint64_t cum = 0;
	family(o, name, "histogram", help);
	for (size_t i = 0; i < METRICS_N_BUCKETS; i++) {
		cum += h->bucket[i];
		if (i < METRICS_N_BUCKETS - 1)
			out_printf(o, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name, commit_bounds[i],
				   cum);
		else
			out_printf(o, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, cum);
	}
	out_printf(o, "%s_sum %.9g\n", name, h->sum);
	out_printf(o, "%s_count %" PRIu64 "\n", name, h->count);
}

/* One gauge per department of s: value(d) for the departments keep(d) holds for. */
static void dept_gauge(struct out *o, const struct metrics_snapshot *s, const char *name,
		       const char *help, bool (*keep)(const struct metrics_dept *),
		       void (*value)(struct out *, const struct metrics_dept *))
{
	family(o, name, "gauge", help);
	for (size_t i = 0; i < s->n_depts && i < METRICS_DEPTS_MAX; i++) {
		if (!keep(&s->depts[i]))
			continue;
		out_printf(o, "%s{dept=\"", name);
		label_value(o, s->depts[i].name);
		out_printf(o, "\"} ");
		value(o, &s->depts[i]);
		out_printf(o, "\n");
	}
}

static bool owes(const struct metrics_dept *d)
{
	return d->missing > 0;
}

static bool had_due(const struct metrics_dept *d)
{
	return d->expected > 0;
}

static void v_missing(struct out *o, const struct metrics_dept *d)
{
	out_printf(o, "%" PRIu64, d->missing);
}

static void v_oldest(struct out *o, const struct metrics_dept *d)
{
	int64_t ms = d->oldest_due_ms > 0 ? d->oldest_due_ms : 0;
	out_printf(o, "%" PRId64 ".%03d", ms / 1000, (int)(ms % 1000));
}

static void v_expected(struct out *o, const struct metrics_dept *d)
{
	out_printf(o, "%" PRIu64, d->expected);
}

static void v_on_time(struct out *o, const struct metrics_dept *d)
{
	out_printf(o, "%" PRIu64, d->on_time);
}

static void v_late(struct out *o, const struct metrics_dept *d)
{
	out_printf(o, "%" PRIu64, d->late);
}

static void v_ratio(struct out *o, const struct metrics_dept *d)
{
	out_printf(o, "%.6g", (double)d->on_time / (double)d->expected);
}

/* The reporting discipline per responsible department (daemon/reporting.c): what is owed
 * now, and over the last 365 days what was due, on time and late, and the on-time rate. */
static void format_reporting(struct out *o, const struct metrics_snapshot *s)
{
	dept_gauge(o, s, "planwatch_reporting_missing",
		   "Figures due and not received (the 催报 list), by responsible department", owes,
		   v_missing);
	dept_gauge(o, s, "planwatch_reporting_oldest_missing_due_timestamp_seconds",
		   "Due date of the oldest missing figure, Unix seconds, by responsible department "
		   "(time() minus it: how late)", owes, v_oldest);
	dept_gauge(o, s, "planwatch_reporting_expected",
		   "Figures due in the last 365 days, by responsible department", had_due,
		   v_expected);
	dept_gauge(o, s, "planwatch_reporting_on_time",
		   "Figures due in the last 365 days whose first vintage came by the due date",
		   had_due, v_on_time);
	dept_gauge(o, s, "planwatch_reporting_late",
		   "Figures due in the last 365 days whose first vintage came after the due date",
		   had_due, v_late);
	dept_gauge(o, s, "planwatch_reporting_on_time_ratio",
		   "On-time rate over the last 365 days: on time / due (按时率)", had_due, v_ratio);
}

static void format_all(struct out *o, const struct metrics_snapshot *s, int64_t now_ms)
{
	const struct store_stat *st = &s->store;
	int64_t up = s->started_ms > 0 && now_ms > s->started_ms ? now_ms - s->started_ms : 0;

	family(o, "planwatch_build_info", "gauge", "planwatchd version (value always 1)");
	out_printf(o, "planwatch_build_info{version=\"");
	label_value(o, s->version);
	out_printf(o, "\"} 1\n");
	gauge_seconds(o, "planwatch_start_time_seconds", "Daemon start time, Unix seconds",
		      s->started_ms);
	gauge_seconds(o, "planwatch_uptime_seconds", "Seconds since the daemon started", up);

	counter(o, "planwatch_updates_accepted_total",
		"Write messages accepted and committed, duplicates included", s->accepted);
	family(o, "planwatch_updates_rejected_total", "counter",
	       "Write messages rejected (and quarantined), by error name");
	for (int i = 1; i < METRICS_N_REASONS; i++)
		out_printf(o, "planwatch_updates_rejected_total{reason=\"%s\"} %" PRIu64 "\n",
			   pw_errname(-i), s->rejected[i]);
	counter(o, "planwatch_requests_refused_total",
		"Requests refused by the role table, neither applied nor quarantined (a reader's "
		"write or junk, an operator request of another key)", s->refused);
	counter(o, "planwatch_updates_duplicate_total",
		"Accepted messages that repeated an already stored message id", s->duplicates);
	counter(o, "planwatch_items_accepted_total", "Observations in accepted updates",
		s->items);
	counter(o, "planwatch_group_commits_total",
		"Group commits attempted (one LMDB transaction each)", s->groups);
	format_hist(o, "planwatch_commit_duration_seconds",
		    "Duration of one group commit, fdatasync included", &s->commit);
	gauge_seconds(o, "planwatch_last_commit_timestamp_seconds",
		      "Time of the last group commit, Unix seconds (0 = none since start)",
		      s->last_commit_ms);

	family(o, "planwatch_notices_published_total", "counter",
	       "Notices published on PUB, by topic kind");
	for (int i = 0; i < METRICS_N_TOPICS; i++)
		out_printf(o, "planwatch_notices_published_total{kind=\"%s\"} %" PRIu64 "\n",
			   topic_names[i], s->notices[i]);
	gauge(o, "planwatch_subscriptions", "Live PUB subscriptions", s->subscriptions);
	gauge(o, "planwatch_connections_max",
	      "Peer connections allowed: the descriptor limit less a reserve", s->connections_max);
	counter(o, "planwatch_connections_refused_total",
		"Peer connections shut down at once for being over planwatch_connections_max",
		s->connections_refused);
	gauge(o, "planwatch_notice_last_seq", "Sequence number of the newest logged notice",
	      st->last_seq);

	family(o, "planwatch_alerts", "gauge",
	       "Indicators by alert state; overdue is counted apart from the track states");
	for (int i = 0; i < METRICS_N_ALERTS; i++)
		out_printf(o, "planwatch_alerts{state=\"%s\"} %" PRIu64 "\n", alert_names[i],
			   s->alerts[i]);

	format_reporting(o, s);

	gauge(o, "planwatch_store_map_size_bytes", "LMDB map size", st->map_size);
	gauge(o, "planwatch_store_map_used_bytes", "LMDB map bytes in use", st->map_used);
	counter(o, "planwatch_store_map_full_reruns_total",
		"Write transactions aborted on a full LMDB map and run again after it grew (the map "
		"grows ahead at 3/4 in use, so these should stay rare)", st->map_full_reruns);
	gauge(o, "planwatch_store_file_size_bytes", "Size of data.mdb on disk", st->file_size);
	gauge(o, "planwatch_store_observations", "Stored observations (latest vintages)",
	      st->n_obs);
	gauge(o, "planwatch_store_revisions", "Stored vintages of all observations", st->n_rev);
	gauge(o, "planwatch_store_log_entries", "Notices in the durable log", st->n_log);
	gauge(o, "planwatch_store_quarantined", "Rejected messages kept in quarantine",
	      st->n_quar);
	gauge(o, "planwatch_quarantine_bytes",
	      "Bytes the quarantined messages take (bounded by quarantine_max_mb)",
	      s->quarantine_bytes);
	family(o, "planwatch_quarantine_dropped_total", "counter",
	       "Oldest quarantined messages dropped to keep a bound, by bound (a sender's "
	       "share or the total)");
	out_printf(o, "planwatch_quarantine_dropped_total{bound=\"sender\"} %" PRIu64 "\n",
		   s->quarantine_dropped[0]);
	out_printf(o, "planwatch_quarantine_dropped_total{bound=\"total\"} %" PRIu64 "\n",
		   s->quarantine_dropped[1]);
}

/* ---- HTTP thread ---- */

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, MHD_HTTP_METHOD_GET);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Answers on the first call: nothing here reads a request body. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct metrics *m = cls;
	struct metrics_snapshot snap;
	struct out o = { 0 };
	bool have;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET is allowed\n");
	if (strcmp(url, "/metrics") != 0)
		return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: the endpoint is /metrics\n");
	pthread_mutex_lock(&m->lock);
	have = m->published;
	if (have)
		snap = m->snap;
	pthread_mutex_unlock(&m->lock);
	if (!have)
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "planwatchd is starting\n");
	snap.version[sizeof(snap.version) - 1] = '\0';
	if (!(o.p = malloc(METRICS_OUT_INITIAL)))
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	o.cap = METRICS_OUT_INITIAL;
	format_all(&o, &snap, wall_ms());
	if (o.oom) {
		free(o.p);
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(o.len, o.p, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(o.p);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_CONTENT_TYPE);
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- lifetime ---- */

/* Parses "a.b.c.d:port" or "[v6]:port" (numeric, port 0..65535) into *sa. */
static int parse_listen(const char *listen, struct sockaddr_storage *sa, bool *v6,
			uint16_t *port)
{
	char host[METRICS_LISTEN_MAX];
	const char *colon;
	size_t hlen;
	unsigned long p = 0;

	if (strlen(listen) >= METRICS_LISTEN_MAX)
		return PW_EINVAL;
	if (listen[0] == '[') {
		const char *rb = strchr(listen, ']');
		if (!rb || rb[1] != ':')
			return PW_EINVAL;
		hlen = (size_t)(rb - listen - 1);
		memcpy(host, listen + 1, hlen);
		colon = rb + 1;
		*v6 = true;
	} else {
		if (!(colon = strchr(listen, ':')) || strchr(colon + 1, ':'))
			return PW_EINVAL;
		hlen = (size_t)(colon - listen);
		memcpy(host, listen, hlen);
		*v6 = false;
	}
	host[hlen] = '\0';
	if (colon[1] == '\0' || strlen(colon + 1) > 5)
		return PW_EINVAL;
	for (const char *d = colon + 1; *d; d++) {
		if (*d < '0' || *d > '9')
			return PW_EINVAL;
		p = p * 10 + (unsigned long)(*d - '0');
	}
	if (p > 65535)
		return PW_EINVAL;
	*port = (uint16_t)p;
	memset(sa, 0, sizeof(*sa));
	if (*v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)sa;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(*port);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return PW_EINVAL;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)sa;
		a->sin_family = AF_INET;
		a->sin_port = htons(*port);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return PW_EINVAL;
	}
	return 0;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* metrics_listen as a socket address, err saying what is wrong with it. */
static int listen_addr(const char *listen, struct sockaddr_storage *sa, bool *v6,
		       uint16_t *port, char *err, size_t errlen)
{
	if (parse_listen(listen, sa, v6, port) < 0) {
		set_err(err, errlen, "metrics_listen '%s' is not \"IPv4:port\" or \"[IPv6]:port\" "
			"(numeric address, port 0 to 65535; no host names)", listen);
		return PW_EINVAL;
	}
	return 0;
}

int metrics_check_listen(const char *listen, unsigned *port, char *err, size_t errlen)
{
	struct sockaddr_storage sa;
	uint16_t p;
	bool v6;
	int rc = listen_addr(listen, &sa, &v6, &p, err, errlen);
	if (rc == 0)
		*port = p;
	return rc;
}

int metrics_new(struct metrics **ret, const char *listen, char *err, size_t errlen)
{
	struct sockaddr_storage sa;
	sigset_t all, old;
	uint16_t port;
	bool v6;
	int rc, e;

	if (!ret || !listen)
		return PW_EINVAL;
	if ((rc = listen_addr(listen, &sa, &v6, &port, err, errlen)) < 0)
		return rc;
	struct metrics *m = calloc(1, sizeof(*m));
	if (!m)
		return PW_ENOMEM;
	if ((rc = pthread_mutex_init(&m->lock, NULL)) != 0) {
		free(m);
		errno = rc;
		set_err(err, errlen, "pthread_mutex_init: %s", strerror(rc));
		return PW_ESYS;
	}
	/* The HTTP thread inherits this mask: signals stay with the poll loop's thread, whose
	 * handlers set the flags it checks. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	errno = 0;
	m->httpd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | (v6 ? MHD_USE_IPv6 : 0), port,
		NULL, NULL, on_request, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_CONN_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_CONN_TIMEOUT_S, MHD_OPTION_END);
	e = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!m->httpd) {
		set_err(err, errlen, "cannot listen on '%s' for metrics%s%s", listen, e ? ": " : "",
			e ? strerror(e) : "");
		pthread_mutex_destroy(&m->lock);
		free(m);
		errno = e;
		return PW_ESYS;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->httpd, MHD_DAEMON_INFO_BIND_PORT);
	m->port = info && info->port ? info->port : port;
	*ret = m;
	return 0;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->httpd); /* joins the HTTP thread */
	pthread_mutex_destroy(&m->lock);
	free(m);
}

unsigned metrics_port(const struct metrics *m)
{
	return m ? m->port : 0;
}

void metrics_publish(struct metrics *m, const struct metrics_snapshot *s)
{
	if (!m || !s)
		return;
	pthread_mutex_lock(&m->lock);
	m->snap = *s;
	m->published = true;
	pthread_mutex_unlock(&m->lock);
}
