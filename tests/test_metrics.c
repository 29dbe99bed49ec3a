/* tests/test_metrics.c — the Prometheus endpoint over a real loopback TCP connection. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../daemon/metrics.h"
#include "check.h"

#define RESP_MAX 65536
#define PROMTOOL "promtool" /* from PATH: /usr/bin (Debian) or /usr/local/bin (make deps) */

struct resp {
	int status;
	char raw[RESP_MAX];
	const char *body; /* into raw */
};

/* Sends one HTTP/1.1 request (Connection: close) to 127.0.0.1:port or [::1]:port and
 * reads the whole answer into r. */
static void http(int family, unsigned port, const char *method, const char *path,
		 struct resp *r)
{
	struct sockaddr_storage sa = { 0 };
	socklen_t salen;
	struct timeval tv = { .tv_sec = 5 };
	char req[256];
	size_t len = 0;
	ssize_t n;

	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&sa;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		a->sin6_addr = in6addr_loopback;
		salen = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&sa;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		salen = sizeof(*a);
	}
	int fd = socket(family, SOCK_STREAM, 0);
	CHECK(fd >= 0);
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	CHECK(connect(fd, (struct sockaddr *)&sa, salen) == 0);
	int rl = snprintf(req, sizeof(req),
			  "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s\r\n",
			  method, path, strcmp(method, "POST") == 0 ? "Content-Length: 0\r\n" : "");
	CHECK(rl > 0 && (size_t)rl < sizeof(req));
	CHECK(write(fd, req, (size_t)rl) == rl);
	while ((n = read(fd, r->raw + len, sizeof(r->raw) - 1 - len)) > 0)
		len += (size_t)n;
	CHECK(n == 0); /* EOF, not a timeout */
	close(fd);
	r->raw[len] = '\0';
	CHECK(sscanf(r->raw, "HTTP/1.%*d %d", &r->status) == 1);
	const char *sep = strstr(r->raw, "\r\n\r\n");
	CHECK(sep);
	r->body = sep + 4;
}

/* True if body has exactly this line. */
static int has_line(const char *body, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = body; (p = strstr(p, line)); p++)
		if ((p == body || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

static void check_line(const char *body, const char *line)
{
	if (!has_line(body, line)) {
		fprintf(stderr, "missing line '%s' in:\n%s", line, body);
		abort();
	}
}

/* Pipes body into promtool check metrics; skipped with a notice when it is not there. */
static void check_promtool(const char *body)
{
	if (system("command -v " PROMTOOL " >/dev/null") != 0) {
		printf("notice: %s not installed (make deps puts it in /usr/local/bin): skipping "
		       "the promtool check\n", PROMTOOL);
		return;
	}
	FILE *p = popen(PROMTOOL " check metrics", "w");
	CHECK(p);
	CHECK(fwrite(body, 1, strlen(body), p) == strlen(body));
	int st = pclose(p);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("promtool check metrics: ok\n");
}

static void test_helpers(void)
{
	struct metrics_hist h = { 0 };

	CHECK(metrics_topic_index("change.p.i") == METRICS_TOPIC_CHANGE);
	CHECK(metrics_topic_index("breach.p.i") == METRICS_TOPIC_BREACH);
	CHECK(metrics_topic_index("at_risk.p.i") == METRICS_TOPIC_AT_RISK);
	CHECK(metrics_topic_index("resolved.p.i") == METRICS_TOPIC_RESOLVED);
	CHECK(metrics_topic_index("overdue.p.i") == METRICS_TOPIC_OVERDUE);
	CHECK(metrics_topic_index("target.p.i") == METRICS_TOPIC_TARGET);
	CHECK(metrics_topic_index("accepted.统计局") == METRICS_TOPIC_ACCEPTED);
	CHECK(metrics_topic_index("rejected.unknown") == METRICS_TOPIC_REJECTED);
	CHECK(metrics_topic_index("rejected") == METRICS_TOPIC_REJECTED);
	CHECK_RC(metrics_topic_index("changes.p.i"), PW_ENOTFOUND);
	CHECK_RC(metrics_topic_index("chang.p.i"), PW_ENOTFOUND);
	CHECK_RC(metrics_topic_index(""), PW_ENOTFOUND);
	CHECK_RC(metrics_topic_index(NULL), PW_EINVAL);

	/* Upper bounds are inclusive (le). */
	metrics_observe_commit(&h, 0.0005);
	metrics_observe_commit(&h, 0.0006);
	metrics_observe_commit(&h, 1.0);
	metrics_observe_commit(&h, 2.5);
	metrics_observe_commit(&h, -1);
	metrics_observe_commit(&h, NAN);
	CHECK(h.bucket[0] == 3 && h.bucket[1] == 1 && h.bucket[10] == 1 && h.bucket[11] == 1);
	CHECK(h.count == 6);
	CHECK(fabs(h.sum - 3.5011) < 1e-12);
	metrics_observe_commit(NULL, 1); /* ignored */
}

static void test_bad_listen(void)
{
	static const char *const bad[] = {
		"", "9321", ":9321", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
		"127.0.0.1:93x1", "127.0.0.1:-1", "127.0.0.1:123456", "localhost:9321",
		"127.1:9321", "1.2.3.4.5:9321", " 127.0.0.1:9321", "::1:9321", "[::1]9321",
		"[::1", "[127.0.0.1]:9321", "[]:9321", "tcp://127.0.0.1:9321",
	};
	struct metrics *m = (struct metrics *)&m; /* must stay untouched */
	char err[200];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK_RC(metrics_new(&m, bad[i], err, sizeof(err)), PW_EINVAL);
		CHECK(m == (struct metrics *)&m);
		CHECK(strstr(err, "metrics_listen"));
	}
	CHECK_RC(metrics_new(NULL, "127.0.0.1:0", err, sizeof(err)), PW_EINVAL);
	CHECK_RC(metrics_new(&m, NULL, err, sizeof(err)), PW_EINVAL);
	CHECK_RC(metrics_new(&m, "x", NULL, 0), PW_EINVAL);
	metrics_free(NULL);
	metrics_publish(NULL, NULL);
	CHECK(metrics_port(NULL) == 0);
}

static void fill(struct metrics_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->version, sizeof(s->version), "0.1.0");
	s->started_ms = 1700000000123;
	s->last_commit_ms = 1700000100456;
	s->accepted = 42;
	s->rejected[-PW_EINDICATOR] = 3;
	s->rejected[-PW_EBOUNDS] = 2;
	s->duplicates = 5;
	s->items = 420;
	s->groups = 17;
	s->notices[METRICS_TOPIC_CHANGE] = 400;
	s->notices[METRICS_TOPIC_BREACH] = 2;
	s->subscriptions = 3;
	s->alerts[METRICS_ALERT_ON_TRACK] = 30;
	s->alerts[METRICS_ALERT_OFF_TRACK] = 4;
	s->alerts[METRICS_ALERT_OVERDUE] = 1;
	/* what departments owe, with a name that needs label escaping */
	snprintf(s->depts[0].name, sizeof(s->depts[0].name), "%s", "商务局");
	s->depts[0].missing = 2;
	s->depts[0].oldest_due_ms = 1795219200000; /* 2026-11-21 00:00 UTC */
	snprintf(s->depts[1].name, sizeof(s->depts[1].name), "%s", "a\"b");
	s->depts[1].missing = 1;
	s->depts[0].expected = 9;
	s->depts[0].on_time = 2;
	s->depts[0].late = 1;
	/* a department that owes nothing now but reported in the window */
	snprintf(s->depts[2].name, sizeof(s->depts[2].name), "%s", "财政局");
	s->depts[2].expected = 4;
	s->depts[2].on_time = 4;
	s->n_depts = 3;
	s->store.map_size = 67108864;
	s->store.map_used = 1048576;
	s->store.file_size = 2097152;
	s->store.n_obs = 400;
	s->store.n_rev = 410;
	s->store.n_log = 402;
	s->store.n_quar = 5;
	s->store.last_seq = 402;
	/* issue 20's bounds: the role table, connections, the quarantine */
	s->refused = 7;
	s->connections_max = 768;
	s->connections_refused = 11;
	s->quarantine_bytes = 1048000;
	s->quarantine_dropped[0] = 13;
	s->quarantine_dropped[1] = 2;
	metrics_observe_commit(&s->commit, 0.0004);
	metrics_observe_commit(&s->commit, 0.003);
	metrics_observe_commit(&s->commit, 0.003);
	metrics_observe_commit(&s->commit, 2);
}

static void test_endpoint(int family, const char *listen)
{
	struct metrics *m = NULL, *m2 = NULL;
	struct metrics_snapshot s;
	static struct resp r;
	char err[200], ep[64], line[200];
	int rc;

	rc = metrics_new(&m, listen, err, sizeof(err));
	if (family == AF_INET6 && rc == PW_ESYS) {
		printf("notice: IPv6 loopback unavailable (%s): skipping the [::1] test\n", err);
		return;
	}
	CHECK_OK(rc);
	unsigned port = metrics_port(m);
	CHECK(port > 0 && port <= 65535);

	/* A second endpoint on the same address and port fails cleanly. */
	snprintf(ep, sizeof(ep), family == AF_INET6 ? "[::1]:%u" : "127.0.0.1:%u", port);
	CHECK_RC(metrics_new(&m2, ep, err, sizeof(err)), PW_ESYS);
	CHECK(m2 == NULL);
	CHECK(strstr(err, "cannot listen on"));

	http(family, port, "GET", "/metrics", &r);
	CHECK(r.status == 503);

	fill(&s);
	metrics_publish(m, &s);
	http(family, port, "GET", "/metrics", &r);
	CHECK(r.status == 200);
	CHECK(strstr(r.raw, "text/plain; version=0.0.4"));
	check_line(r.body, "# HELP planwatch_updates_accepted_total Write messages accepted and "
			   "committed, duplicates included");
	check_line(r.body, "# TYPE planwatch_updates_accepted_total counter");
	check_line(r.body, "planwatch_updates_accepted_total 42");
	check_line(r.body, "planwatch_build_info{version=\"0.1.0\"} 1");
	check_line(r.body, "planwatch_start_time_seconds 1700000000.123");
	check_line(r.body, "planwatch_last_commit_timestamp_seconds 1700000100.456");
	check_line(r.body, "planwatch_updates_rejected_total{reason=\"unknown_indicator\"} 3");
	check_line(r.body, "planwatch_updates_rejected_total{reason=\"implausible_value\"} 2");
	check_line(r.body, "planwatch_updates_rejected_total{reason=\"final_locked\"} 0");
	CHECK(!strstr(r.body, "reason=\"ok\""));
	check_line(r.body, "planwatch_updates_duplicate_total 5");
	check_line(r.body, "planwatch_items_accepted_total 420");
	check_line(r.body, "planwatch_group_commits_total 17");
	check_line(r.body, "# TYPE planwatch_commit_duration_seconds histogram");
	check_line(r.body, "planwatch_commit_duration_seconds_bucket{le=\"0.0005\"} 1");
	check_line(r.body, "planwatch_commit_duration_seconds_bucket{le=\"0.001\"} 1");
	check_line(r.body, "planwatch_commit_duration_seconds_bucket{le=\"0.0025\"} 1");
	check_line(r.body, "planwatch_commit_duration_seconds_bucket{le=\"0.005\"} 3");
	check_line(r.body, "planwatch_commit_duration_seconds_bucket{le=\"1\"} 3");
	check_line(r.body, "planwatch_commit_duration_seconds_bucket{le=\"+Inf\"} 4");
	check_line(r.body, "planwatch_commit_duration_seconds_sum 2.0064");
	check_line(r.body, "planwatch_commit_duration_seconds_count 4");
	check_line(r.body, "planwatch_notices_published_total{kind=\"change\"} 400");
	check_line(r.body, "planwatch_notices_published_total{kind=\"breach\"} 2");
	check_line(r.body, "planwatch_notices_published_total{kind=\"rejected\"} 0");
	check_line(r.body, "planwatch_subscriptions 3");
	check_line(r.body, "planwatch_alerts{state=\"on_track\"} 30");
	check_line(r.body, "planwatch_alerts{state=\"at_risk\"} 0");
	check_line(r.body, "planwatch_alerts{state=\"off_track\"} 4");
	check_line(r.body, "planwatch_alerts{state=\"overdue\"} 1");
	check_line(r.body, "# TYPE planwatch_reporting_missing gauge");
	check_line(r.body, "planwatch_reporting_missing{dept=\"商务局\"} 2");
	check_line(r.body, "planwatch_reporting_oldest_missing_due_timestamp_seconds{dept=\"商务局\"} "
			   "1795219200.000");
	check_line(r.body, "planwatch_reporting_missing{dept=\"a\\\"b\"} 1");
	check_line(r.body, "# TYPE planwatch_reporting_on_time_ratio gauge");
	check_line(r.body, "planwatch_reporting_expected{dept=\"商务局\"} 9");
	check_line(r.body, "planwatch_reporting_on_time{dept=\"商务局\"} 2");
	check_line(r.body, "planwatch_reporting_late{dept=\"商务局\"} 1");
	check_line(r.body, "planwatch_reporting_on_time_ratio{dept=\"商务局\"} 0.222222");
	check_line(r.body, "planwatch_reporting_on_time_ratio{dept=\"财政局\"} 1");
	/* nothing owed now: no 催报 line; nothing due in the window: no rate (not 0/0) */
	CHECK(!strstr(r.body, "planwatch_reporting_missing{dept=\"财政局\"}"));
	CHECK(!strstr(r.body, "planwatch_reporting_on_time_ratio{dept=\"a\\\"b\"}"));
	check_line(r.body, "planwatch_store_map_size_bytes 67108864");
	check_line(r.body, "planwatch_store_map_used_bytes 1048576");
	check_line(r.body, "planwatch_store_file_size_bytes 2097152");
	check_line(r.body, "planwatch_store_observations 400");
	check_line(r.body, "planwatch_store_revisions 410");
	check_line(r.body, "planwatch_store_quarantined 5");
	check_line(r.body, "planwatch_store_log_entries 402");
	check_line(r.body, "planwatch_notice_last_seq 402");
	check_line(r.body, "planwatch_requests_refused_total 7");
	check_line(r.body, "planwatch_connections_max 768");
	check_line(r.body, "planwatch_connections_refused_total 11");
	check_line(r.body, "planwatch_quarantine_bytes 1048000");
	check_line(r.body, "# TYPE planwatch_quarantine_dropped_total counter");
	check_line(r.body, "planwatch_quarantine_dropped_total{bound=\"sender\"} 13");
	check_line(r.body, "planwatch_quarantine_dropped_total{bound=\"total\"} 2");
	CHECK(strstr(r.body, "\nplanwatch_uptime_seconds "));
	check_promtool(r.body);

	/* A second publish replaces the figures. */
	s.accepted = 43;
	s.rejected[-PW_EINDICATOR]++;
	s.notices[METRICS_TOPIC_RESOLVED] = 1;
	s.alerts[METRICS_ALERT_OFF_TRACK] = 3;
	s.store.last_seq = 403;
	metrics_observe_commit(&s.commit, 0.02);
	metrics_publish(m, &s);
	http(family, port, "GET", "/metrics", &r);
	CHECK(r.status == 200);
	check_line(r.body, "planwatch_updates_accepted_total 43");
	CHECK(!has_line(r.body, "planwatch_updates_accepted_total 42"));
	check_line(r.body, "planwatch_updates_rejected_total{reason=\"unknown_indicator\"} 4");
	check_line(r.body, "planwatch_notices_published_total{kind=\"resolved\"} 1");
	check_line(r.body, "planwatch_alerts{state=\"off_track\"} 3");
	check_line(r.body, "planwatch_notice_last_seq 403");
	check_line(r.body, "planwatch_commit_duration_seconds_bucket{le=\"0.01\"} 3");
	check_line(r.body, "planwatch_commit_duration_seconds_bucket{le=\"0.025\"} 4");
	check_line(r.body, "planwatch_commit_duration_seconds_count 5");

	/* A label value is escaped. */
	snprintf(s.version, sizeof(s.version), "a\"b\\c\nd");
	metrics_publish(m, &s);
	http(family, port, "GET", "/metrics", &r);
	snprintf(line, sizeof(line), "planwatch_build_info{version=\"a\\\"b\\\\c\\nd\"} 1");
	check_line(r.body, line);

	http(family, port, "GET", "/", &r);
	CHECK(r.status == 404);
	http(family, port, "GET", "/metrics/x", &r);
	CHECK(r.status == 404);
	http(family, port, "GET", "/metricsx", &r);
	CHECK(r.status == 404);
	http(family, port, "POST", "/metrics", &r);
	CHECK(r.status == 405);
	CHECK(strstr(r.raw, "Allow: GET"));
	http(family, port, "DELETE", "/other", &r);
	CHECK(r.status == 405);
	/* The query string is not part of the path. */
	http(family, port, "GET", "/metrics?x=1", &r);
	CHECK(r.status == 200);

	metrics_free(m);
	printf("endpoint on %s: ok\n", listen);
}

struct publisher {
	struct metrics *m;
	atomic_bool stop;
	uint64_t n;
};

/* Publishes snapshots whose three counters are always equal, as fast as it can. */
static void *publish_loop(void *arg)
{
	struct publisher *p = arg;
	struct metrics_snapshot s = { 0 };
	while (!atomic_load(&p->stop)) {
		p->n++;
		s.accepted = s.items = s.groups = p->n;
		metrics_publish(p->m, &s);
	}
	return NULL;
}

static uint64_t value_of(const char *body, const char *name)
{
	char key[100];
	snprintf(key, sizeof(key), "\n%s ", name);
	const char *p = strstr(body, key);
	CHECK(p);
	return strtoull(p + strlen(key), NULL, 10);
}

/* Every scrape sees one whole snapshot, never a mix of two, while the loop publishes. */
static void test_concurrent(void)
{
	struct publisher p = { 0 };
	struct metrics_snapshot s = { 0 };
	static struct resp r;
	pthread_t th;
	char err[200];
	uint64_t last = 0;

	CHECK_OK(metrics_new(&p.m, "127.0.0.1:0", err, sizeof(err)));
	metrics_publish(p.m, &s);
	CHECK(pthread_create(&th, NULL, publish_loop, &p) == 0);
	for (int i = 0; i < 200; i++) {
		http(AF_INET, metrics_port(p.m), "GET", "/metrics", &r);
		CHECK(r.status == 200);
		uint64_t a = value_of(r.body, "planwatch_updates_accepted_total");
		CHECK(a == value_of(r.body, "planwatch_items_accepted_total"));
		CHECK(a == value_of(r.body, "planwatch_group_commits_total"));
		CHECK(a >= last);
		last = a;
	}
	atomic_store(&p.stop, true);
	CHECK(pthread_join(th, NULL) == 0);
	metrics_free(p.m);
	printf("concurrent: 200 scrapes during %" PRIu64 " publishes: ok\n", p.n);
}

int main(void)
{
	test_helpers();
	test_bad_listen();
	test_endpoint(AF_INET, "127.0.0.1:0");
	test_endpoint(AF_INET6, "[::1]:0");
	test_concurrent();
	printf("test_metrics: ok\n");
	return 0;
}
