/* tests/test_security.c — CURVE on tcp://127.0.0.1 with the real daemon: the right key
 * is accepted, an unknown key refused, a department cannot write another's indicator or
 * claim another department, oversized frames have no effect, a subscriber that stops
 * reading does not stall ingest, and plaintext tcp:// is refused at start. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "../model/keypair.h"
#include "../proto/proto.h"
#include "check.h"
#include "harness.h"

static struct keypair server, stats, stranger;

static void keypair(const char *dir, const char *name, struct keypair *k)
{
	char path[400], pub[64], err[600];
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	CHECK_OK(keypair_generate(path, name, pub, sizeof(pub)));
	CHECK_OK(keypair_load(k, path, err, sizeof(err)));
	CHECK(strcmp(k->public_key, pub) == 0);
}

static struct pw_client *client_with(const struct harness *h, const struct keypair *k,
				     int timeout_ms)
{
	struct pw_client *c;
	struct pw_opts o = { .timeout_ms = timeout_ms, .server_public = server.public_key,
			     .client_public = k->public_key, .client_secret = k->secret_key };
	CHECK_OK(pw_client_new(&c, h->ep, &o));
	return c;
}

static struct pw_obs obs(const char *ind, const char *period, double v, const char *unit)
{
	return (struct pw_obs){ .plan = "test-plan", .indicator = ind, .period = period,
				.value = v, .unit = unit, .status = "flash", .yoy = NAN };
}

static bool log_contains(const struct harness *h, const char *needle)
{
	char buf[65536];
	FILE *f = fopen(h->log, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Pipelines n updates of 10 monthly figures each; returns updates/s. */
static double ingest(struct pw_client *c, int n, int base)
{
	struct pw_obs items[10];
	char periods[10][12], id[32];
	double t0 = now_s();
	int inflight = 0;
	for (int m = 0; m < n || inflight; ) {
		while (m < n && inflight < 50) {
			for (int i = 0; i < 10; i++) {
				int k = (m * 10 + i) % 240;
				snprintf(periods[i], 12, "%04d-%02d", 2006 + k / 12, 1 + k % 12);
				items[i] = obs("fiscal_revenue", periods[i], (base * 100 + m) % 450 + 1, "亿元");
				items[i].confirm = true; /* load, not figures: totals wrap around */
			}
			snprintf(id, sizeof(id), "ing-%d-%d", base, m);
			CHECK_OK(pw_send_update(c, "财政局", id, items, 10, 0));
			m++, inflight++;
		}
		struct pw_ack a;
		CHECK_OK(pw_recv_ack(c, &a, 60000));
		CHECK_RC(a.code, 0);
		inflight--;
	}
	return n * 10 / (now_s() - t0);
}

/* The code of the reply to r (0 for an ack or a result). */
static int reply_code(struct pw_client *c, struct proto_req *r)
{
	struct proto_view *v = harness_request(c, r);
	int64_t code = 0;
	char type[16];
	CHECK_OK(proto_view_str(v, -1, "type", type, sizeof(type)));
	if (strcmp(type, "nack") == 0)
		CHECK_OK(proto_view_int(v, -1, "code", &code));
	proto_view_free(v);
	return (int)-code;
}

/* Every operator request, and an update, from client c: want for each. */
static void check_operator_requests(struct pw_client *c, int want_op, int want_update,
				    const char *backup_dir)
{
	struct proto_req reqs[] = {
		/* the payload's dept is a claim, never the notice's set_by */
		{ .type = PROTO_TARGET_SET, .plan = "test-plan", .ind = "energy_intensity_cut",
		  .value = 14, .dept = "统计局" },
		{ .type = PROTO_TICK },
		{ .type = PROTO_CLOCK_SET, .time_ms = 1767225600000 },
		{ .type = PROTO_BACKUP, .path = backup_dir },
		{ .type = PROTO_REJECTED },
		{ .type = PROTO_RETRY, .seq = 1 },
	};
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		int rc = reply_code(c, &reqs[i]);
		/* an operator's retry of quarantine id 1 gets that message's own verdict */
		if (want_op == 0 && reqs[i].type == PROTO_RETRY)
			continue;
		if (rc != want_op)
			fprintf(stderr, "%s: %s, wanted %s\n", proto_type_name(reqs[i].type),
				pw_errname(rc), pw_errname(want_op));
		CHECK(rc == want_op);
	}
	struct pw_obs o = obs("gdp", "2025Q1", 300, "亿元");
	struct pw_ack a;
	char id[32];
	snprintf(id, sizeof(id), "role-%d-%d", want_op, want_update);
	CHECK_OK(pw_push(c, "统计局", id, &o, 1, 0, &a));
	CHECK_RC(a.code, want_update);
}

/* One role table (PROTOCOL.md §1): readers read; departments feed (and read); operators
 * (their own key list) act on the daemon; each refused before anything is looked up, and
 * a reader's junk is refused and counted, not quarantined. */
static void test_roles(struct harness *h, const char *clients, const struct keypair *reader)
{
	struct keypair ops;
	char dir[400];
	keypair(h->dir, "ops", &ops);
	FILE *f = fopen(clients, "w");
	CHECK(f);
	fprintf(f, "departments:\n  - {dept: \"统计局\", public: \"%s\"}\n"
		   "readers:\n  - {name: \"dashboard\", public: \"%s\"}\n"
		   "operators:\n  - {name: \"ops\", public: \"%s\"}\n", stats.public_key,
		reader->public_key, ops.public_key);
	fclose(f);
	CHECK_OK(harness_start(h));
	struct pw_client *rd = client_with(h, reader, 30000), *dept = client_with(h, &stats, 30000),
			 *op = client_with(h, &ops, 30000);
	snprintf(dir, sizeof(dir), "%s/backup-reader", h->dir);
	check_operator_requests(rd, PW_EDENIED, PW_EDENIED, dir);
	check_operator_requests(dept, PW_EDENIED, 0, dir);
	check_operator_requests(op, 0, PW_EDENIED, dir);
	struct stat st;
	snprintf(dir, sizeof(dir), "%s/backup-reader/data.mdb", h->dir);
	CHECK(stat(dir, &st) == 0); /* the operator's backup, no one else's */
	CHECK((st.st_mode & 0777) == 0640); /* like the store, whatever the umask */
	/* Junk: a reader's is refused with its decoding error and counted, a department's is
	 * quarantined. */
	int64_t quar = harness_status(op, "quarantined"), refused = harness_status(op, "refused");
	void *reply;
	size_t len;
	struct proto_view *v;
	int64_t code, qid;
	CHECK_OK(pw_call(rd, "\xc1\xc1junk", 6, "", &reply, &len));
	CHECK_OK(proto_view_new(&v, reply, len));
	free(reply);
	CHECK_OK(proto_view_int(v, -1, "code", &code));
	CHECK_OK(proto_view_int(v, -1, "quarantine", &qid));
	CHECK(-code == PW_EPROTO && qid == 0);
	proto_view_free(v);
	CHECK(harness_status(op, "quarantined") == quar);
	CHECK(harness_status(op, "refused") == refused + 1);
	CHECK_OK(pw_call(dept, "\xc1\xc1junk", 6, "", &reply, &len));
	free(reply);
	CHECK(harness_status(op, "quarantined") == quar + 1);
	CHECK(harness_status(op, "refused") == refused + 1);
	/* The operator's target is signed with its identity, never the payload's. */
	struct proto_req since = { .type = PROTO_SINCE, .prefix = "target." };
	v = harness_request(op, &since);
	char *json;
	CHECK(proto_view_count(v) == 1);
	CHECK_OK(proto_view_json(v, 0, &json));
	CHECK(strstr(json, "\"set_by\":\"operator:ops\"") != NULL);
	free(json);
	proto_view_free(v);
	pw_client_free(rd);
	pw_client_free(dept);
	pw_client_free(op);
	CHECK(harness_stop(h, SIGTERM) == 0);
	CHECK(log_contains(h, "requests refused by role"));
}

/* Plaintext tcp:// (allow_insecure_tcp): peers feed and read, operator requests are for
 * the local socket or an operator key only. */
static void test_insecure_tcp(int port)
{
	struct harness h;
	char ep[64], pub[64], dir[400];
	snprintf(ep, sizeof(ep), "tcp://127.0.0.1:%d", port);
	snprintf(pub, sizeof(pub), "tcp://127.0.0.1:%d", port + 1);
	CHECK_OK(harness_init_eps(&h, NULL, "allow_insecure_tcp: true\n", ep, pub));
	CHECK_OK(harness_start(&h));
	struct pw_client *c = harness_client(&h);
	snprintf(dir, sizeof(dir), "%s/backup-tcp", h.dir);
	check_operator_requests(c, PW_EDENIED, 0, dir);
	pw_client_free(c);
	CHECK(harness_stop(&h, SIGTERM) == 0);
	harness_cleanup(&h);
}

int main(void)
{
	umask(022); /* the usual one: a backup must still be 0640 */
	struct harness h;
	char ep[64], pub[64], extra[1200], clients[400];
	struct pw_ack a;
	int port = 20000 + getpid() % 20000;

	CHECK(zmq_has("curve"));
	snprintf(ep, sizeof(ep), "tcp://127.0.0.1:%d", port);
	snprintf(pub, sizeof(pub), "tcp://127.0.0.1:%d", port + 1);

	/* Plaintext tcp:// is refused at start. */
	CHECK_OK(harness_init_eps(&h, NULL, NULL, ep, pub));
	CHECK(harness_start(&h) < 0);
	CHECK(log_contains(&h, "is tcp:// without CURVE"));
	harness_cleanup(&h);

	CHECK_OK(harness_init_eps(&h, NULL, NULL, ep, pub));
	keypair(h.dir, "server", &server);
	keypair(h.dir, "stats", &stats);
	keypair(h.dir, "stranger", &stranger);
	snprintf(clients, sizeof(clients), "%s/clients.yaml", h.dir);
	FILE *f = fopen(clients, "w");
	CHECK(f);
	fprintf(f, "departments:\n  - {dept: \"统计局\", public: \"%s\"}\n", stats.public_key);
	fclose(f);
	snprintf(extra, sizeof(extra), "server_secret_file: %s/server.key\nclients_file: %s\n",
		 h.dir, clients);
	CHECK_OK(harness_write_config(&h, extra));
	struct pw_opts stats_opts = { .server_public = server.public_key,
				      .client_public = stats.public_key,
				      .client_secret = stats.secret_key };
	h.opts = &stats_opts;
	CHECK_OK(harness_start(&h));
	CHECK(log_contains(&h, "CURVE on: 1 department keys"));

	/* The right key: accepted. */
	struct pw_client *c = client_with(&h, &stats, 30000);
	struct pw_obs o = obs("gdp", "2026Q1", 300, "亿元");
	CHECK_OK(pw_push(c, "统计局", "sec-1", &o, 1, 0, &a));
	CHECK_RC(a.code, 0);

	/* An unknown key: the handshake is refused, nothing arrives, and it is logged. */
	struct pw_client *bad = client_with(&h, &stranger, 1500);
	o = obs("gdp", "2026Q2", 1, "亿元");
	CHECK_RC(pw_push(bad, "统计局", "sec-2", &o, 1, 0, &a), PW_ETIMEDOUT);
	pw_client_free(bad);
	char needle[100];
	snprintf(needle, sizeof(needle), "refused CURVE client: unknown key %s", stranger.public_key);
	CHECK(log_contains(&h, needle));

	/* A valid key writing another department's indicator. */
	o = obs("fiscal_revenue", "2026-01", 2, "亿元");
	CHECK_OK(pw_push(c, "统计局", "sec-3", &o, 1, 0, &a));
	CHECK_RC(a.code, PW_EDEPT);
	/* Claiming another department in the payload. */
	CHECK_OK(pw_push(c, "财政局", "sec-4", &o, 1, 0, &a));
	CHECK_RC(a.code, PW_EAUTH);
	CHECK(log_contains(&h, "from 统计局"));

	/* Oversized frames: over the protocol limit is NACKed (under its id, read before the
	 * padding) and quarantined without effect; over ZMQ_MAXMSGSIZE the peer is dropped
	 * and the daemon serves on. */
	struct proto_buf big;
	proto_buf_init(&big);
	proto_w_map(&big, 4);
	proto_w_str(&big, "v");
	proto_w_uint(&big, 1);
	proto_w_str(&big, "type");
	proto_w_str(&big, "status");
	proto_w_str(&big, "id");
	proto_w_str(&big, "big-1");
	proto_w_str(&big, "pad");
	char *pad = calloc(1, 20u << 20);
	proto_w_bin(&big, pad, 2u << 20);
	void *reply;
	size_t len;
	CHECK_OK(pw_call(c, big.data, big.len, "big-1", &reply, &len));
	struct proto_view *v;
	CHECK_OK(proto_view_new(&v, reply, len));
	int64_t code;
	CHECK_OK(proto_view_int(v, -1, "code", &code));
	CHECK(-code == PW_ETOOBIG);
	proto_view_free(v);
	free(reply);
	struct pw_client *huge = client_with(&h, &stats, 1500);
	proto_buf_reset(&big);
	proto_w_bin(&big, pad, 20u << 20);
	CHECK_RC(pw_call(huge, big.data, big.len, "", &reply, &len), PW_ETIMEDOUT);
	pw_client_free(huge);
	free(pad);
	proto_buf_release(&big);
	o = obs("gdp", "2026Q2", 310, "亿元");
	CHECK_OK(pw_push(c, "统计局", "sec-5", &o, 1, 0, &a));
	CHECK_RC(a.code, 0);

	/* A subscriber that stops reading does not stall ingest. */
	pw_client_free(c);
	struct keypair fin;
	keypair(h.dir, "fin", &fin);
	CHECK(harness_stop(&h, SIGTERM) == 0);
	f = fopen(clients, "w");
	fprintf(f, "departments:\n  - {dept: \"统计局\", public: \"%s\"}\n"
		   "  - {dept: \"财政局\", public: \"%s\"}\n", stats.public_key, fin.public_key);
	fclose(f);
	snprintf(extra, sizeof(extra), "server_secret_file: %s/server.key\nclients_file: %s\n"
		 "pub_hwm: 1000\n", h.dir, clients);
	CHECK_OK(harness_write_config(&h, extra));
	CHECK_OK(harness_start(&h));
	c = client_with(&h, &fin, 60000);
	/* 财政局's key naming 统计局 with one of 统计局's ids (sec-1, acknowledged above): refused
	 * before the id is looked up, never 统计局's ACK (issue 20 item 2). */
	o = obs("gdp", "2026Q1", 300, "亿元");
	CHECK_OK(pw_push(c, "统计局", "sec-1", &o, 1, 0, &a));
	CHECK_RC(a.code, PW_EAUTH);
	double alone = ingest(c, 2000, 1);
	void *zctx = zmq_ctx_new(), *sub = zmq_socket(zctx, ZMQ_SUB);
	int one = 1, hwm = 10;
	zmq_setsockopt(sub, ZMQ_CURVE_SERVERKEY, server.public_key, 40);
	zmq_setsockopt(sub, ZMQ_CURVE_PUBLICKEY, stats.public_key, 40);
	zmq_setsockopt(sub, ZMQ_CURVE_SECRETKEY, stats.secret_key, 40);
	zmq_setsockopt(sub, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
	CHECK(zmq_connect(sub, h.pub) == 0);
	/* Make sure it is subscribed: read one notice, then never again. */
	char topic[256];
	int got = -1;
	for (int i = 0; i < 200 && got < 0; i++) {
		o = obs("gdp", "2026Q3", 400 + i, "亿元");
		snprintf(needle, sizeof(needle), "warm-%d", i);
		struct pw_client *w = client_with(&h, &stats, 30000);
		CHECK_OK(pw_push(w, "统计局", needle, &o, 1, 0, &a));
		pw_client_free(w);
		got = zmq_recv(sub, topic, sizeof(topic), ZMQ_DONTWAIT);
	}
	CHECK(got > 0);
	(void)one;
	double stalled = ingest(c, 2000, 2);
	printf("ingest with no subscriber: %.0f updates/s; with a stalled subscriber: %.0f "
	       "updates/s\n", alone, stalled);
	/* Every update was acknowledged (ingest() checks each ACK); the daemon did not block. */
	CHECK(stalled > 0);
	struct proto_req r = { .type = PROTO_STATUS };
	struct proto_buf b;
	snprintf(r.id, sizeof(r.id), "st");
	proto_buf_init(&b);
	proto_req_encode(&r, &b);
	CHECK_OK(pw_call(c, b.data, b.len, "st", &reply, &len));
	free(reply);
	proto_buf_release(&b);
	zmq_close(sub);
	pw_client_free(c);
	CHECK(harness_stop(&h, SIGTERM) == 0);

	/* Readers listed: only they may subscribe; a reader key cannot write. */
	struct keypair reader;
	keypair(h.dir, "reader", &reader);
	f = fopen(clients, "w");
	fprintf(f, "departments:\n  - {dept: \"统计局\", public: \"%s\"}\n"
		   "readers:\n  - {name: \"dashboard\", public: \"%s\"}\n", stats.public_key,
		reader.public_key);
	fclose(f);
	CHECK_OK(harness_start(&h));
	void *subs[2];
	const struct keypair *who[2] = { &reader, &stats };
	for (int i = 0; i < 2; i++) {
		subs[i] = zmq_socket(zctx, ZMQ_SUB);
		zmq_setsockopt(subs[i], ZMQ_CURVE_SERVERKEY, server.public_key, 40);
		zmq_setsockopt(subs[i], ZMQ_CURVE_PUBLICKEY, who[i]->public_key, 40);
		zmq_setsockopt(subs[i], ZMQ_CURVE_SECRETKEY, who[i]->secret_key, 40);
		zmq_setsockopt(subs[i], ZMQ_SUBSCRIBE, "", 0);
		CHECK(zmq_connect(subs[i], h.pub) == 0);
	}
	got = -1;
	c = client_with(&h, &stats, 30000);
	for (int i = 0; i < 200 && got < 0; i++) {
		o = obs("gdp", "2026Q3", 500 + i, "亿元");
		snprintf(needle, sizeof(needle), "rd-%d", i);
		CHECK_OK(pw_push(c, "统计局", needle, &o, 1, 0, &a));
		CHECK_RC(a.code, 0);
		usleep(10000);
		got = zmq_recv(subs[0], topic, sizeof(topic), ZMQ_DONTWAIT);
	}
	CHECK(got > 0); /* the reader receives notices */
	CHECK(zmq_recv(subs[1], topic, sizeof(topic), ZMQ_DONTWAIT) < 0); /* a writer key does not */
	CHECK(log_contains(&h, "refused CURVE client: key of 统计局 may not subscribe"));
	for (int i = 0; i < 2; i++)
		zmq_close(subs[i]);
	zmq_ctx_term(zctx);
	pw_client_free(c);
	CHECK(harness_stop(&h, SIGTERM) == 0);

	test_roles(&h, clients, &reader);
	harness_cleanup(&h);
	test_insecure_tcp(port + 2);
	printf("test_security: ok\n");
	return 0;
}
