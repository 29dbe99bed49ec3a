/* tests/fuzz/fuzz_store.c — libFuzzer target for the store's file input: data.mdb.
 *
 * The input is written as data.mdb into a scratch directory and checked with store_check.
 * Property: when store_check accepts a file, LMDB may map it — store_open, store_verify
 * (every record of every table) and a write must not crash, assert or overrun; whatever
 * they return is fine. When store_check refuses, it gives a reason. Seeds are small real
 * stores (tests/fuzz/corpus/store/), so mutations reach the pages behind the meta pages. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../proto/err.h"
#include "../../store/store.h"

#define FAIL(...)                                                   \
	do {                                                        \
		fprintf(stderr, "fuzz_store: property violated: "); \
		fprintf(stderr, __VA_ARGS__);                       \
		fputc('\n', stderr);                                \
		abort();                                            \
	} while (0)

static char dir[64];

static void problem(const char *what, void *arg)
{
	(void)what;
	(void)arg;
}

static int write_one(struct store_txn *t, void *arg)
{
	struct store_obs o = { .plan = "fz", .ind = "x", .rev = 1, .value = 1.5,
			       .period = { .year = 2025, .freq = PERIOD_ANNUAL } };
	struct store_head h;
	(void)arg;
	/* Append after the newest vintage, if the store has one. */
	if (store_obs_head(t, o.plan, o.ind, &o.period, &h) == 0)
		o.rev = h.rev + 1;
	return store_obs_put(t, &o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128], why[512];
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/pwfuzzstore.XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || close(fd) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);

	int rc = store_check(dir, why, sizeof(why));
	if (rc == PW_EDAMAGED && !why[0])
		FAIL("refused without a reason");
	if (rc != 0 && rc != PW_EDAMAGED)
		FAIL("store_check: %s", pw_strerror(rc));
	if (rc == 0) {
		struct store *s;
		if (store_open(&s, dir, 1u << 20, 1u << 24) == 0) {
			struct store_verify_counts n;
			store_verify(s, problem, NULL, &n);
			store_write(s, write_one, NULL);
			store_free(s);
		}
	}
	return 0;
}
