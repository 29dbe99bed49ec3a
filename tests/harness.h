/* tests/harness.h — starts the real planwatchd in a temporary directory for tests. */
#ifndef PW_HARNESS_H
#define PW_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../client/planwatch.h"
#include "../proto/proto.h"

struct harness {
	char dir[256];
	char conf[300];
	char ep[320], pub[320];
	char log[300];
	const char *daemon;
	pid_t pid;
	const struct pw_opts *opts; /* client options (CURVE keys) for pings and clients */
};

/* The integration tests' catalog (format 2): region "test" (000000-test) and its plan
 * "test-plan", paths relative to the source tree. */
#define HARNESS_FIXTURE "tests/fixtures/test-region.yaml tests/fixtures/test-plan.yaml"
/* The bench catalog of harness_write_bench_catalog: its plan (what v1 items and queries
 * name) and its region (the owner of its series in the store). */
#define HARNESS_BENCH_PLAN "bench-1"
#define HARNESS_BENCH_REGION "000000-bench"

/* Makes a temp dir with a config using HARNESS_FIXTURE (or catalogs, a space-separated list
 * of paths relative to the source tree) plus extra YAML lines. */
int harness_init(struct harness *h, const char *catalogs, const char *extra);
/* The same with explicit listen/publish endpoints (e.g. tcp:// for CURVE tests). */
int harness_init_eps(struct harness *h, const char *catalogs, const char *extra, const char *ep,
		     const char *pub);
/* Rewrites the config with extra YAML lines (after harness_init). */
int harness_write_config(struct harness *h, const char *extra);
/* Starts planwatchd ($PLANWATCHD or build/planwatchd); returns once it answers STATUS. */
int harness_start(struct harness *h);
/* The same, for a daemon that may refuse to start: 0 when it serves, 1 when it exited
 * (*exit_status: its code, or 128+n when killed by signal n), -1 when it hangs. */
int harness_try_start(struct harness *h, int *exit_status);
/* Sends sig and waits; returns the exit status (128+n when killed by signal n). */
int harness_stop(struct harness *h, int sig);
/* Stops (SIGTERM) if running and removes the directory. */
void harness_cleanup(struct harness *h);
/* Writes the bench catalog into h->dir (region "bench" with n monthly YTD series ind000..,
 * unit 亿元, 统计局; plan HARNESS_BENCH_PLAN with a growth target on each) and points the
 * config at it, with extra YAML lines. */
int harness_use_bench_catalog(struct harness *h, int n, const char *extra);
/* Points the config at catalog files (absolute paths, space-separated) instead of the
 * fixture. */
int harness_use_catalog(struct harness *h, const char *paths, const char *extra);

/* Sends request r (its id is set here) and returns the decoded reply; aborts the test on
 * a transport error. The caller frees the view. */
struct proto_view *harness_request(struct pw_client *c, struct proto_req *r);

/* Checks that string field key of v (item as for proto_view_str) is want; aborts otherwise,
 * naming both. */
void harness_check_str(const struct proto_view *v, int item, const char *key, const char *want);
/* Checks that a notice body names its series by region (v2): region id, alias, and no v1
 * owner key `plan`. */
void harness_check_by_region(const struct proto_view *body, const char *region, const char *alias);
/* The notices after seq `after` whose topic starts with prefix: how many; the last one's
 * body into *body (the caller frees it) when body is not NULL and there is one. */
int harness_notices(struct pw_client *c, uint64_t after, const char *prefix,
		    struct proto_view **body);
/* Message j of the durability tests (crash, powerloss): value j for `items` indicators of
 * the bench plan (ind000.., n_inds of them, from j * items on) at period 2025-12. */
void harness_bench_message(long j, int items, int n_inds, struct pw_obs *obs, char (*inds)[16]);

/* Through HISTORY of every indicator at 2025-12: seen[j] += 1 for each stored vintage whose
 * value is j (0 <= j < n; anything else aborts), revisions numbered 1.. without gaps. */
void harness_count_messages(struct pw_client *c, int n_inds, long n, int *seen);

/* True when a line of the text file at path (e.g. a daemon's log, h->log) contains needle;
 * false also when the file cannot be read. */
bool harness_file_has(const char *path, const char *needle);

/* An integer field of the daemon's status reply (e.g. "revisions"); aborts if absent. */
int64_t harness_status(struct pw_client *c, const char *key);

/* A client connected to the daemon. */
struct pw_client *harness_client(const struct harness *h);

/* Starts the daemon on catalogs (as harness_init), runs each of tests[0..n) with one client
 * in turn, stops it (it must exit 0) and removes its directory; aborts on any failure. */
void harness_run(const char *catalogs, void (*const *tests)(struct pw_client *c), size_t n);

#endif
