/* tests/crash.c — kill -9 harness: a pipelined feeder pushes updates with message ids
 * while planwatchd is SIGKILLed at random moments and restarted. Afterwards: every
 * acknowledged update is stored exactly once, no message is half-applied, the
 * notification log has no gap, and the store opens cleanly.
 *
 * usage: crash [--messages N] [--kills K] [--seed S]   (10 items per message) */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../proto/proto.h"
#include "check.h"
#include "harness.h"

#define N_INDS 100
#define ITEMS 10
#define WINDOW 64

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Message j carries value j for ITEMS distinct indicators at period 2025-12, so each
 * indicator's revision history must list message numbers ascending, each at most once. */
static void message(long j, struct pw_obs *obs, char inds[ITEMS][16])
{
	harness_bench_message(j, ITEMS, N_INDS, obs, inds);
}

struct feeder {
	struct harness *h;
	struct pw_client *c;
	long n, next;     /* messages total, next never sent */
	char *acked;      /* per message */
	long n_acked;
	long inflight[WINDOW];
	int n_inflight;
};

static void reconnect(struct feeder *f)
{
	pw_client_free(f->c);
	f->c = harness_client(f->h);
	CHECK(f->c);
	/* Resend everything unacknowledged under its original id: idempotent. */
	struct pw_obs obs[ITEMS];
	char inds[ITEMS][16], id[32];
	for (int k = 0; k < f->n_inflight; k++) {
		message(f->inflight[k], obs, inds);
		snprintf(id, sizeof(id), "crash-%ld", f->inflight[k]);
		CHECK_OK(pw_send_update(f->c, "统计局", id, obs, ITEMS, 0));
	}
}

/* Feeds until deadline or all sent+acked. Returns when the daemon seems gone (no ACK for
 * a while) or time is up. */
static void feed_for(struct feeder *f, double seconds)
{
	double end = now_s() + seconds;
	struct pw_obs obs[ITEMS];
	char inds[ITEMS][16], id[32];
	while (now_s() < end && (f->next < f->n || f->n_inflight)) {
		while (f->next < f->n && f->n_inflight < WINDOW) {
			message(f->next, obs, inds);
			snprintf(id, sizeof(id), "crash-%ld", f->next);
			CHECK_OK(pw_send_update(f->c, "统计局", id, obs, ITEMS, 0));
			f->inflight[f->n_inflight++] = f->next++;
		}
		struct pw_ack a;
		int rc = pw_recv_ack(f->c, &a, 200);
		if (rc == PW_ETIMEDOUT)
			continue;
		CHECK_OK(rc);
		CHECK_RC(a.code, 0);
		long j = strtol(a.id + 6, NULL, 10);
		for (int k = 0; k < f->n_inflight; k++)
			if (f->inflight[k] == j) {
				f->inflight[k] = f->inflight[--f->n_inflight];
				if (!f->acked[j]) {
					f->acked[j] = 1;
					f->n_acked++;
				}
				break;
			}
	}
}

static void verify(struct feeder *f)
{
	/* seen[j]: how many of message j's items are stored. */
	int *seen = calloc((size_t)f->n, sizeof(int));
	harness_count_messages(f->c, N_INDS, f->n, seen);
	long applied = 0;
	for (long j = 0; j < f->n; j++) {
		if (seen[j] != 0 && seen[j] != ITEMS)
			fprintf(stderr, "message %ld half-applied: %d of %d items\n", j, seen[j], ITEMS);
		CHECK(seen[j] == 0 || seen[j] == ITEMS); /* all or nothing, never twice */
		if (f->acked[j])
			CHECK(seen[j] == ITEMS);              /* acknowledged => stored */
		applied += seen[j] == ITEMS;
	}
	CHECK(applied == f->n); /* everything was eventually acknowledged */
	free(seen);
	/* The notification log: seq 1..last without a gap. */
	uint64_t expect = 1, last_seq = 0;
	for (;;) {
		struct proto_req r = { .type = PROTO_SINCE, .seq = expect - 1, .limit = 10000 };
		struct proto_view *v = harness_request(f->c, &r);
		int64_t ls;
		CHECK_OK(proto_view_int(v, -1, "last_seq", &ls));
		last_seq = (uint64_t)ls;
		size_t n = proto_view_count(v);
		for (size_t i = 0; i < n; i++) {
			int64_t seq;
			CHECK_OK(proto_view_int(v, (int)i, "seq", &seq));
			CHECK((uint64_t)seq == expect);
			expect++;
		}
		bool more;
		CHECK_OK(proto_view_bool(v, -1, "more", &more));
		proto_view_free(v);
		if (!more)
			break;
	}
	CHECK(expect - 1 == last_seq);
	printf("crash: %ld messages (%ld updates) stored exactly once; log seq 1..%llu without gaps\n",
	       f->n, f->n * ITEMS, (unsigned long long)last_seq);
}

int main(int argc, char **argv)
{
	long messages = 2000;
	int kills = 20, c;
	unsigned seed = (unsigned)time(NULL);
	static const struct option opts[] = {
		{ "messages", required_argument, NULL, 'm' }, { "kills", required_argument, NULL, 'k' },
		{ "seed", required_argument, NULL, 's' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	while ((c = getopt_long(argc, argv, "m:k:s:h", opts, NULL)) != -1) {
		if (c == 'm')
			messages = atol(optarg);
		else if (c == 'k')
			kills = atoi(optarg);
		else if (c == 's')
			seed = (unsigned)atol(optarg);
		else {
			printf("usage: crash [--messages N] [--kills K] [--seed S]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	srand(seed);
	printf("crash: seed %u, %ld messages of %d items, %d kills\n", seed, messages, ITEMS, kills);
	struct harness h;
	CHECK_OK(harness_init(&h, NULL, NULL));
	CHECK_OK(harness_use_bench_catalog(&h, N_INDS, "map_size_mb: 1\n"));
	CHECK_OK(harness_start(&h));
	struct feeder f = { .h = &h, .n = messages };
	f.acked = calloc((size_t)messages, 1);
	f.c = harness_client(&h);
	int hot = 0;
	for (int k = 0; k < kills; k++) {
		/* Random moments: sometimes right at start, sometimes deep into a burst. */
		feed_for(&f, (rand() % 400) / 1000.0);
		hot += f.n_inflight > 0;
		CHECK(harness_stop(&h, SIGKILL) == 128 + SIGKILL);
		CHECK_OK(harness_start(&h));
		reconnect(&f);
	}
	while (f.next < f.n || f.n_inflight) {
		long before = f.n_acked;
		feed_for(&f, 5);
		if (f.n_acked == before && f.n_inflight)
			reconnect(&f); /* lost replies of the last crash: resend */
	}
	printf("crash: %ld acknowledged; %d of %d kills hit with updates in flight\n", f.n_acked,
	       hot, kills);
	CHECK(hot > 0); /* otherwise this run proved nothing about crashes mid-commit */
	/* One more kill and restart, then verify from a fresh daemon. */
	CHECK(harness_stop(&h, SIGKILL) == 128 + SIGKILL);
	CHECK_OK(harness_start(&h));
	pw_client_free(f.c);
	f.c = harness_client(&h);
	verify(&f);
	pw_client_free(f.c);
	free(f.acked);
	CHECK(harness_stop(&h, SIGTERM) == 0);
	harness_cleanup(&h);
	printf("crash: ok\n");
	return 0;
}
