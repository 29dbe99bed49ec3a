/* tests/test_publisher.c — the publisher thread over a real XPUB/SUB pair: order, rendering
 * of compact change records, subscription counting, the queue bound, flush on free. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "../daemon/publisher.h"
#include "../proto/status.h"
#include "check.h"

#define EP "inproc://test-publisher"

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static bool wait_subs(const struct publisher *p, unsigned want)
{
	for (int i = 0; i < 500; i++) {
		if (publisher_subscriptions(p) == want)
			return true;
		sleep_ms(10);
	}
	return false;
}

/* Lists one plain msgpack notice {v, seq, topic, time, n: k}. */
static void list_plain(struct notice_list *l, uint64_t seq, uint64_t k)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->items = realloc(l->items, l->cap * sizeof(*l->items));
		CHECK(l->items);
	}
	struct notice_out *o = &l->items[l->n++];
	snprintf(o->topic, sizeof(o->topic), "accepted.统计局");
	o->seq = seq;
	o->off = l->bodies.len;
	proto_w_map(&l->bodies, 2);
	proto_w_str(&l->bodies, "seq");
	proto_w_uint(&l->bodies, seq);
	proto_w_str(&l->bodies, "n");
	proto_w_uint(&l->bodies, k);
	o->len = l->bodies.len - o->off;
}

/* A compact change record, as the log keeps it (written through a real store txn). */
struct change_arg {
	struct notice_list *l;
};

static int change_txn(struct store_txn *t, void *arg)
{
	struct change_arg *a = arg;
	struct period p;
	CHECK_OK(period_parse(&p, "2026-10", 7));
	struct notice_change c = { .region = "350505", .alias = "quangang", .ind = "gdp",
				   .name = "地区生产总值",
				   .unit = "亿元", .dept = "统计局", .msgid = "m1", .period = p,
				   .value = 812.5, .yoy = 5.8, .rev = 1, .status = PW_ST_FLASH };
	return notice_emit_change(a->l, t, &c);
}

static int recv_notice(void *sub, char *topic, size_t tcap, uint8_t *body, size_t bcap)
{
	int n = zmq_recv(sub, topic, tcap - 1, 0);
	CHECK(n >= 0);
	topic[n] = '\0';
	int more = 0;
	size_t ml = sizeof(more);
	zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &ml);
	CHECK(more);
	n = zmq_recv(sub, body, bcap, 0);
	CHECK(n >= 0 && (size_t)n <= bcap);
	return n;
}

int main(void)
{
	void *ctx = zmq_ctx_new();
	void *xpub = zmq_socket(ctx, ZMQ_XPUB), *sub = zmq_socket(ctx, ZMQ_SUB);
	int one = 1, timeout = 5000;
	struct publisher *p;
	struct notice_list l;
	char topic[STORE_TOPIC_MAX + 1];
	uint8_t body[4096];

	CHECK(xpub && sub);
	int unlimited = 0;
	zmq_setsockopt(xpub, ZMQ_XPUB_VERBOSER, &one, sizeof(one));
	/* This test reads after posting: no high-water-mark drops (the daemon's are tested
	 * with a stalled subscriber in test_security). */
	zmq_setsockopt(xpub, ZMQ_SNDHWM, &unlimited, sizeof(unlimited));
	zmq_setsockopt(sub, ZMQ_RCVHWM, &unlimited, sizeof(unlimited));
	CHECK(zmq_bind(xpub, EP) == 0);
	CHECK_OK(publisher_new(&p, xpub, 0));
	zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
	CHECK(zmq_connect(sub, EP) == 0);
	CHECK(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0) == 0);
	CHECK(wait_subs(p, 1));
	CHECK(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "change.", 7) == 0);
	CHECK(wait_subs(p, 2));
	CHECK(zmq_setsockopt(sub, ZMQ_UNSUBSCRIBE, "change.", 7) == 0);
	CHECK(wait_subs(p, 1));

	/* A compact change record goes out rendered, byte for byte what SINCE gives. */
	char dir[] = "/tmp/pwpub.XXXXXX";
	struct store *st;
	CHECK(mkdtemp(dir));
	CHECK_OK(store_open(&st, dir, 0, 0));
	notice_list_init(&l);
	l.now_ms = 1735689600000;
	struct change_arg ca = { &l };
	CHECK_OK(store_write(st, change_txn, &ca));
	CHECK(l.n == 1 && l.bodies.data[l.items[0].off] == NOTICE_COMPACT);
	struct proto_buf want;
	proto_buf_init(&want);
	CHECK_OK(notice_body_write(&want, l.items[0].seq, l.items[0].topic,
				   l.bodies.data + l.items[0].off, l.items[0].len));
	CHECK_OK(publisher_post(p, &l));
	CHECK(l.n == 0 && l.bodies.len == 0 && l.now_ms == 1735689600000); /* handed over */
	int n = recv_notice(sub, topic, sizeof(topic), body, sizeof(body));
	CHECK(strcmp(topic, "change.quangang.gdp") == 0);
	CHECK((size_t)n == want.len && memcmp(body, want.data, want.len) == 0);
	proto_buf_release(&want);

	/* A damaged record keeps its place: sent as {v, seq, topic, damaged: true} and
	 * counted; the next notice goes out after it. */
	list_plain(&l, 2, 0);
	l.bodies.data[l.items[0].off] = NOTICE_COMPACT; /* now a truncated compact record */
	list_plain(&l, 3, 1);
	CHECK_OK(publisher_post(p, &l));
	n = recv_notice(sub, topic, sizeof(topic), body, sizeof(body));
	struct proto_view *v;
	int64_t k;
	bool damaged = false;
	CHECK_OK(proto_view_new(&v, body, (size_t)n));
	CHECK_OK(proto_view_int(v, -1, "seq", &k));
	CHECK(k == 2);
	CHECK_OK(proto_view_bool(v, -1, "damaged", &damaged));
	CHECK(damaged);
	proto_view_free(v);
	n = recv_notice(sub, topic, sizeof(topic), body, sizeof(body));
	CHECK_OK(proto_view_new(&v, body, (size_t)n));
	CHECK_OK(proto_view_int(v, -1, "n", &k));
	CHECK(k == 1);
	proto_view_free(v);
	CHECK(publisher_damaged(p) == 1);

	/* 300 groups of 10 (more than the queue holds), posted before anything is read:
	 * every notice arrives, in order. */
	uint64_t seq = 100;
	for (int g = 0; g < 300; g++) {
		for (int i = 0; i < 10; i++, seq++)
			list_plain(&l, seq, seq);
		CHECK_OK(publisher_post(p, &l));
	}
	for (uint64_t want_seq = 100; want_seq < seq; want_seq++) {
		n = recv_notice(sub, topic, sizeof(topic), body, sizeof(body));
		CHECK_OK(proto_view_new(&v, body, (size_t)n));
		CHECK_OK(proto_view_int(v, -1, "n", &k));
		CHECK((uint64_t)k == want_seq);
		proto_view_free(v);
	}

	/* A queue of one: posting waits for the thread often (200-400 times per run, counted
	 * once by hand); nothing is lost or reordered. */
	void *xpub2 = zmq_socket(ctx, ZMQ_XPUB), *sub2 = zmq_socket(ctx, ZMQ_SUB);
	struct publisher *p2;
	zmq_setsockopt(xpub2, ZMQ_SNDHWM, &unlimited, sizeof(unlimited));
	zmq_setsockopt(sub2, ZMQ_RCVHWM, &unlimited, sizeof(unlimited));
	zmq_setsockopt(sub2, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
	CHECK(zmq_bind(xpub2, EP "-2") == 0);
	CHECK_OK(publisher_new(&p2, xpub2, 1));
	CHECK(zmq_connect(sub2, EP "-2") == 0);
	CHECK(zmq_setsockopt(sub2, ZMQ_SUBSCRIBE, "", 0) == 0);
	CHECK(wait_subs(p2, 1));
	for (uint64_t g = 0; g < 500; g++) {
		list_plain(&l, g, g);
		CHECK_OK(publisher_post(p2, &l));
	}
	for (uint64_t want_k = 0; want_k < 500; want_k++) {
		n = recv_notice(sub2, topic, sizeof(topic), body, sizeof(body));
		CHECK_OK(proto_view_new(&v, body, (size_t)n));
		CHECK_OK(proto_view_int(v, -1, "n", &k));
		CHECK((uint64_t)k == want_k);
		proto_view_free(v);
	}
	publisher_free(p2);
	zmq_close(sub2);

	/* Freeing flushes what was posted before it stopped. */
	for (int i = 0; i < 50; i++, seq++)
		list_plain(&l, seq, seq);
	CHECK_OK(publisher_post(p, &l));
	publisher_free(p);
	for (int i = 0; i < 50; i++) {
		n = recv_notice(sub, topic, sizeof(topic), body, sizeof(body));
		CHECK_OK(proto_view_new(&v, body, (size_t)n));
		CHECK_OK(proto_view_int(v, -1, "n", &k));
		CHECK((uint64_t)k == seq - 50 + (uint64_t)i);
		proto_view_free(v);
	}
	publisher_free(NULL);

	notice_list_release(&l);
	store_free(st);
	zmq_close(sub);
	zmq_ctx_term(ctx);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	printf("test_publisher: ok\n");
	return 0;
}
