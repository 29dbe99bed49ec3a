/* tests/test_full.c — a store that cannot grow on disk: the real daemon under a file size
 * limit (RLIMIT_FSIZE, what a full disk looks like to one process without root). Updates
 * past the limit are answered store_full with retry (PROTOCOL.md §6), the daemon keeps
 * serving, everything acknowledged before is kept, and once there is room the same message
 * id goes through. */
#define _GNU_SOURCE /* prlimit */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../proto/proto.h"
#include "check.h"
#include "harness.h"

#define N_INDS 20
#define LIMIT (768 << 10)

/* Message j: one vintage of each indicator for month 1 + j % 12 with a long reason. */
static int push(struct pw_client *c, int j, struct pw_ack *a)
{
	static char inds[N_INDS][16], reason[250];
	char period[16], id[32];
	struct pw_obs obs[N_INDS];
	memset(reason, 'r', sizeof(reason) - 1);
	snprintf(period, sizeof(period), "2025-%02d", 1 + j % 12);
	snprintf(id, sizeof(id), "full-%d", j);
	for (int i = 0; i < N_INDS; i++) {
		snprintf(inds[i], sizeof(inds[i]), "ind%03d", i);
		obs[i] = (struct pw_obs){ .plan = HARNESS_BENCH_PLAN, .indicator = inds[i], .period = period,
					  .unit = "亿元", .status = "flash", .yoy = NAN,
					  .reason = reason, .value = 1000 + j,
					  /* j wraps over the months: load, not a running total */
					  .confirm = true };
	}
	return pw_push(c, "统计局", id, obs, N_INDS, 0, a);
}

int main(void)
{
	struct harness h;
	struct rlimit old, lim;
	CHECK_OK(harness_init(&h, NULL, NULL));
	CHECK_OK(harness_use_bench_catalog(&h, N_INDS, NULL));
	/* The daemon inherits the limit; this process gives it up again at once. */
	CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
	lim = (struct rlimit){ LIMIT, old.rlim_max }; /* the soft limit: it can be raised again */
	CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	int started = harness_start(&h);
	CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
	CHECK_OK(started);

	struct pw_client *c = harness_client(&h);
	struct pw_ack a;
	int j = 0, acked_items = 0;
	CHECK(c);
	for (;; j++) {
		CHECK(j < 10000); /* the limit must be reached */
		CHECK_OK(push(c, j, &a));
		if (a.code != 0)
			break;
		acked_items += (int)a.changed;
	}
	printf("test_full: %d updates acknowledged, then %s (retry %s)\n", j, pw_errname(a.code),
	       a.retry ? "true" : "false");
	CHECK_RC(a.code, PW_EFULL);
	CHECK(a.retry);
	CHECK(j > 0);
	/* Still serving, nothing acknowledged lost. */
	CHECK(harness_status(c, "revisions") == acked_items);
	CHECK_OK(push(c, j, &a));
	CHECK_RC(a.code, PW_EFULL);
	/* Room again: the same id is stored. */
	struct rlimit room = old;
	CHECK(prlimit(h.pid, RLIMIT_FSIZE, &room, NULL) == 0);
	CHECK_OK(push(c, j, &a));
	CHECK_RC(a.code, 0);
	CHECK(harness_status(c, "revisions") == acked_items + N_INDS);
	pw_client_free(c);
	CHECK(harness_stop(&h, SIGTERM) == 0);
	/* And the store is sound. */
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "'%s' --config '%s' --verify >/dev/null", h.daemon, h.conf);
	CHECK(system(cmd) == 0);
	harness_cleanup(&h);
	printf("test_full: ok\n");
	return 0;
}
