/* tests/test_client.c — libplanwatch against a fake daemon: a ROUTER in a child process that
 * answers with bytes no daemon should send (not msgpack, msgpack that is not a map, a map
 * without an id, an empty frame). A client library must skip or refuse such replies, never
 * crash: any program linking libplanwatch would go down with it. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zmq.h>

#include "../client/planwatch.h"
#include "../proto/proto.h"
#include "check.h"

static const struct {
	const char *bytes;
	size_t len;
} junk[] = {
	{ "\xc1\xc1garbage", 9 }, /* not msgpack */
	{ "\x92\x01\x02", 3 },    /* an array */
	{ "\xa3" "abc", 4 },      /* a string */
	{ "\x81\xa1x\x01", 4 },   /* a map without id */
	{ "", 0 },                /* nothing */
	{ "\x85", 1 },            /* a map cut short */
};
#define N_JUNK (sizeof(junk) / sizeof(*junk))

/* The fake daemon: for each request, every junk reply, then (if `answer`) a real one
 * carrying the request's id. */
static void fake_router(const char *ep, bool answer, int requests)
{
	void *ctx = zmq_ctx_new(), *r = zmq_socket(ctx, ZMQ_ROUTER);
	CHECK(zmq_bind(r, ep) == 0);
	for (int q = 0; q < requests; q++) {
		zmq_msg_t idm, req;
		zmq_msg_init(&idm);
		zmq_msg_init(&req);
		CHECK(zmq_msg_recv(&idm, r, 0) >= 0);
		CHECK(zmq_msg_recv(&req, r, 0) >= 0);
		struct proto_req *pr = proto_req_new();
		CHECK(pr);
		proto_req_decode(pr, zmq_msg_data(&req), zmq_msg_size(&req));
		for (size_t k = 0; k < N_JUNK; k++) {
			zmq_send(r, zmq_msg_data(&idm), zmq_msg_size(&idm), ZMQ_SNDMORE);
			zmq_send(r, junk[k].bytes, junk[k].len, 0);
		}
		if (answer) {
			struct proto_buf b;
			struct proto_map m;
			proto_buf_init(&b);
			if (pr->type == PROTO_UPDATE) {
				proto_reply_open(&m, &b, PROTO_ACK, pr->id);
				proto_kv_uint(&m, "count", 1);
				proto_kv_uint(&m, "changed", 1);
				proto_kv_uint(&m, "seq", 7);
			} else {
				proto_reply_open(&m, &b, PROTO_RESULT, pr->id);
			}
			proto_map_close(m);
			zmq_send(r, zmq_msg_data(&idm), zmq_msg_size(&idm), ZMQ_SNDMORE);
			zmq_send(r, b.data, b.len, 0);
			proto_buf_release(&b);
		}
		proto_req_free(pr);
		zmq_msg_close(&idm);
		zmq_msg_close(&req);
	}
	sleep(1); /* let the replies leave before the socket closes */
	zmq_close(r);
	zmq_ctx_term(ctx);
}

static pid_t spawn(const char *ep, bool answer, int requests)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fake_router(ep, answer, requests);
		_exit(0);
	}
	return pid;
}

static void reap(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void encode_status(struct proto_buf *b, const char *id)
{
	struct proto_req r = { .type = PROTO_STATUS };
	snprintf(r.id, sizeof(r.id), "%s", id);
	proto_buf_init(b);
	CHECK_OK(proto_req_encode(&r, b));
}

/* pw_call skips every junk reply and returns the one that carries its id. */
static void test_call_skips_junk(const char *ep)
{
	pid_t pid = spawn(ep, true, 1);
	struct pw_client *c;
	struct pw_opts o = { .timeout_ms = 10000 };
	struct proto_buf b;
	void *reply;
	size_t len;
	CHECK_OK(pw_client_new(&c, ep, &o));
	encode_status(&b, "s-1");
	CHECK_OK(pw_call(c, b.data, b.len, "s-1", &reply, &len));
	struct proto_view *v;
	char id[16];
	CHECK_OK(proto_view_new(&v, reply, len));
	CHECK_OK(proto_view_str(v, -1, "id", id, sizeof(id)));
	CHECK(strcmp(id, "s-1") == 0);
	proto_view_free(v);
	free(reply);
	proto_buf_release(&b);
	pw_client_free(c);
	reap(pid);
}

/* Only junk: pw_call times out instead of crashing; pw_recv_ack refuses each junk frame
 * with an error. */
static void test_only_junk(const char *ep)
{
	pid_t pid = spawn(ep, false, 2);
	struct pw_client *c;
	struct pw_opts o = { .timeout_ms = 1500 };
	struct proto_buf b;
	void *reply = NULL;
	size_t len;
	CHECK_OK(pw_client_new(&c, ep, &o));
	encode_status(&b, "s-2");
	CHECK_RC(pw_call(c, b.data, b.len, "s-2", &reply, &len), PW_ETIMEDOUT);
	CHECK(!reply);
	proto_buf_release(&b);
	struct pw_obs obs = { .plan = "p", .indicator = "i", .period = "2025", .unit = "u",
			      .status = "flash", .value = 1 };
	CHECK_OK(pw_send_update(c, "统计局", "u-1", &obs, 1, 0));
	for (size_t k = 0; k < N_JUNK; k++) {
		struct pw_ack a;
		int rc = pw_recv_ack(c, &a, 5000);
		CHECK(rc < 0 && rc != PW_ETIMEDOUT);
	}
	pw_client_free(c);
	reap(pid);
}

int main(void)
{
	char dir[] = "/tmp/pwclient.XXXXXX", ep[64], cmd[64];
	CHECK(mkdtemp(dir));
	snprintf(ep, sizeof(ep), "ipc://%s/fake.sock", dir);
	test_call_skips_junk(ep);
	test_only_junk(ep);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
	printf("test_client: ok\n");
	return 0;
}
