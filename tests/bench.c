/* tests/bench.c — `make bench`: durable acknowledged ingest against the machine's limits.
 *
 * Measures in one run: fdatasync latency, the raw LMDB limit (puts of the same shape, one
 * durable commit per group, no ZeroMQ, no msgpack), and the real daemon fed by 1 and 8
 * pipelined feeders (throughput, p50/p99 ACK latency, daemon RSS). Prints a table and one
 * JSON line (also written to bench/results/). Figures, not pass/fail. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <lmdb.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../client/planwatch.h"
#include "../proto/period.h"
#include "harness.h"

#define N_INDS 100
#define BATCH_DEFAULT 100
#define WINDOW 64

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), dcmp);
	size_t i = (size_t)(p * (n - 1));
	return v[i];
}

/* ---- physical limits ---- */

static void bench_fdatasync(const char *dir, double *p50, double *p99)
{
	char path[300], buf[4096];
	double lat[300];
	snprintf(path, sizeof(path), "%s/fsync.bin", dir);
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 300; i++) {
		double t0 = now_s();
		if (pwrite(fd, buf, sizeof(buf), (off_t)(i % 16) * 4096) < 0 || fdatasync(fd) < 0)
			perror("fdatasync");
		lat[i] = now_s() - t0;
	}
	close(fd);
	unlink(path);
	*p50 = pct(lat, 300, 0.5) * 1e3;
	*p99 = pct(lat, 300, 0.99) * 1e3;
}

/* LMDB puts shaped like the daemon's obs+rev writes: series-major keys, one durable
 * commit per group of `group` records. Returns records/s. */
static double bench_raw_lmdb(const char *dir, long total, int group)
{
	char path[300];
	MDB_env *env;
	MDB_dbi obs, rev;
	MDB_txn *txn;
	snprintf(path, sizeof(path), "%s/raw", dir);
	mkdir(path, 0700);
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 4);
	mdb_env_set_mapsize(env, 4ull << 30);
	if (mdb_env_open(env, path, MDB_NOTLS, 0600) != 0) {
		fprintf(stderr, "bench: cannot open raw LMDB env\n");
		exit(1);
	}
	mdb_txn_begin(env, NULL, 0, &txn);
	mdb_dbi_open(txn, "obs", MDB_CREATE, &obs);
	mdb_dbi_open(txn, "rev", MDB_CREATE, &rev);
	mdb_txn_commit(txn);
	char val[120];
	memset(val, 7, sizeof(val));
	double t0 = now_s();
	long done = 0;
	for (long g = 0; done < total; g++) {
		mdb_txn_begin(env, NULL, 0, &txn);
		for (int i = 0; i < group && done < total; i++, done++) {
			char key[64];
			int ind = (int)(done % N_INDS);
			long k = done / N_INDS;
			int n = snprintf(key, sizeof(key), "bench%cind%03d%c", 0, ind, 0);
			key[n] = (char)(k >> 8), key[n + 1] = (char)k, key[n + 2] = 3,
			key[n + 3] = (char)(k % 12);
			MDB_val kv = { (size_t)n + 4, key }, vv = { sizeof(val), val };
			mdb_put(txn, obs, &kv, &vv, 0);
			char rkey[72];
			memcpy(rkey, key, (size_t)n + 4);
			memset(rkey + n + 4, 0, 4);
			rkey[n + 7] = 1;
			MDB_val rk = { (size_t)n + 8, rkey };
			mdb_put(txn, rev, &rk, &vv, 0);
		}
		if (mdb_txn_commit(txn) != 0) {
			fprintf(stderr, "bench: raw commit failed\n");
			exit(1);
		}
	}
	double rate = total / (now_s() - t0);
	mdb_env_close(env);
	return rate;
}

/* ---- the daemon ---- */

struct feeder {
	const char *ep;
	int id, batch;
	long messages;
	double *lat;
	long n_lat, acked, nacked;
	long long items;
};

struct inflight {
	char id[40];
	double t0;
};

static void *feed(void *arg)
{
	struct feeder *fd = arg;
	struct pw_client *c;
	struct pw_opts o = { .timeout_ms = 60000 };
	struct inflight win[WINDOW];
	struct pw_obs *obs = calloc((size_t)fd->batch, sizeof(*obs));
	char (*periods)[12] = calloc((size_t)fd->batch, 12);
	char (*inds)[16] = calloc((size_t)fd->batch, 16);
	long sent = 0, got = 0;
	if (pw_client_new(&c, fd->ep, &o) < 0)
		return NULL;
	for (long m = 0; m < fd->messages || got < sent;) {
		while (m < fd->messages && sent - got < WINDOW) {
			struct inflight *w = &win[sent % WINDOW];
			for (int i = 0; i < fd->batch; i++) {
				/* Distinct (indicator, month) per item; later messages revise them. */
				long k = (m * fd->batch + i) / N_INDS;
				int year = 2006 + (int)(k / 12) % 20, month = 1 + (int)(k % 12);
				snprintf(periods[i], sizeof(periods[i]), "%04d-%02d", year, month);
				snprintf(inds[i], 16, "ind%03d",
					 (int)((m * fd->batch + i + fd->id * 7) % N_INDS));
				obs[i] = (struct pw_obs){ .plan = "bench", .indicator = inds[i],
							  .period = periods[i], .unit = "亿元",
							  .status = "flash", .yoy = NAN,
							  .value = (double)(m + 1 + fd->id * 1000000L) };
			}
			snprintf(w->id, sizeof(w->id), "f%d-%ld", fd->id, m);
			w->t0 = now_s();
			if (pw_send_update(c, "统计局", w->id, obs, (size_t)fd->batch, 0) < 0) {
				fprintf(stderr, "bench: send failed\n");
				goto out;
			}
			sent++, m++;
		}
		struct pw_ack a;
		if (pw_recv_ack(c, &a, 60000) < 0) {
			fprintf(stderr, "bench: no ACK within 60 s\n");
			goto out;
		}
		/* Window slots are reused in order; ACKs come back in order on one DEALER. */
		long idx = strtol(strchr(a.id, '-') + 1, NULL, 10);
		fd->lat[fd->n_lat++] = now_s() - win[idx % WINDOW].t0;
		if (a.code == 0) {
			fd->acked++;
			fd->items += fd->batch;
		} else {
			fd->nacked++;
		}
		got++;
	}
out:
	free(obs);
	free(periods);
	free(inds);
	pw_client_free(c);
	return NULL;
}

static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

struct run {
	int feeders, batch;
	double rate, p50, p99;
	long rss_kb, nacked;
};

static void run_feeders(struct harness *h, int n, int batch, long total_items, struct run *r)
{
	pthread_t th[64];
	struct feeder fd[64];
	long per = total_items / batch / n;
	double t0 = now_s();
	for (int i = 0; i < n; i++) {
		fd[i] = (struct feeder){ .ep = h->ep, .id = i, .batch = batch, .messages = per };
		fd[i].lat = calloc((size_t)per + 1, sizeof(double));
		pthread_create(&th[i], NULL, feed, &fd[i]);
	}
	long long items = 0;
	size_t nlat = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		items += fd[i].items;
		nlat += (size_t)fd[i].n_lat;
	}
	double dt = now_s() - t0;
	double *all = calloc(nlat + 1, sizeof(double));
	size_t k = 0;
	r->nacked = 0;
	for (int i = 0; i < n; i++) {
		memcpy(all + k, fd[i].lat, (size_t)fd[i].n_lat * sizeof(double));
		k += (size_t)fd[i].n_lat;
		r->nacked += fd[i].nacked;
		free(fd[i].lat);
	}
	r->feeders = n;
	r->batch = batch;
	r->rate = items / dt;
	r->p50 = pct(all, k, 0.5) * 1e3;
	r->p99 = pct(all, k, 0.99) * 1e3;
	r->rss_kb = rss_kb(h->pid);
	free(all);
}

int main(int argc, char **argv)
{
	long total = 200000;
	int c;
	const char *daemon = "build/planwatchd";
	static const struct option opts[] = {
		{ "daemon", required_argument, NULL, 'd' }, { "updates", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	while ((c = getopt_long(argc, argv, "d:n:h", opts, NULL)) != -1) {
		if (c == 'd')
			daemon = optarg;
		else if (c == 'n')
			total = atol(optarg);
		else {
			printf("usage: bench [--daemon PATH] [--updates N]\n"
			       "Measures fdatasync, raw LMDB and planwatchd ingest; prints a table "
			       "and JSON.\n");
			return c == 'h' ? 0 : 2;
		}
	}
	setenv("PLANWATCHD", daemon, 1);
	struct harness h;
	char catpath[400];
	if (harness_init(&h, "tests/fixtures/test-plan.yaml", "") < 0)
		return 1;
	snprintf(catpath, sizeof(catpath), "%s/bench.yaml", h.dir);
	if (harness_write_bench_catalog(catpath, N_INDS) < 0 || harness_use_catalog(&h, catpath, ""))
		return 1;
	FILE *f;

	double fs50, fs99;
	bench_fdatasync(h.dir, &fs50, &fs99);
	double raw = bench_raw_lmdb(h.dir, total, 8 * BATCH_DEFAULT);
	if (harness_start(&h) < 0) {
		fprintf(stderr, "bench: daemon did not start (log %s)\n", h.log);
		return 1;
	}
	struct run r1, r8;
	run_feeders(&h, 1, BATCH_DEFAULT, total, &r1);
	run_feeders(&h, 8, BATCH_DEFAULT, total, &r8);
	struct stat sb;
	char mdb[400];
	snprintf(mdb, sizeof(mdb), "%s/state/data.mdb", h.dir);
	long long disk = stat(mdb, &sb) == 0 ? (long long)sb.st_size : -1;
	harness_cleanup(&h);

	printf("\nplanwatch bench (%ld updates per run, batches of %d, window %d)\n", total,
	       BATCH_DEFAULT, WINDOW);
	printf("%-34s %14s %10s %10s %10s\n", "measure", "updates/s", "p50 ms", "p99 ms", "RSS MiB");
	printf("%-34s %14s %10.3f %10.3f %10s\n", "fdatasync (4 KiB)", "-", fs50, fs99, "-");
	printf("%-34s %14.0f %10s %10s %10s\n", "raw LMDB limit (800/commit)", raw, "-", "-", "-");
	struct run *runs[] = { &r1, &r8 };
	for (int i = 0; i < 2; i++)
		printf("planwatchd, %d feeder(s)%-11s %14.0f %10.2f %10.2f %10.1f\n", runs[i]->feeders,
		       "", runs[i]->rate, runs[i]->p50, runs[i]->p99, runs[i]->rss_kb / 1024.0);
	printf("ratio planwatchd(8) / raw LMDB: %.2f; p99 ACK / p99 fdatasync: %.1f\n",
	       r8.rate / raw, r8.p99 / fs99);
	if (r1.nacked || r8.nacked)
		printf("warning: %ld NACKs during the runs\n", r1.nacked + r8.nacked);
	char json[1024];
	snprintf(json, sizeof(json),
		 "{\"updates\":%ld,\"batch\":%d,\"fdatasync_p50_ms\":%.3f,\"fdatasync_p99_ms\":%.3f,"
		 "\"raw_lmdb_per_s\":%.0f,\"feeders1_per_s\":%.0f,\"feeders1_p50_ms\":%.3f,"
		 "\"feeders1_p99_ms\":%.3f,\"feeders8_per_s\":%.0f,\"feeders8_p50_ms\":%.3f,"
		 "\"feeders8_p99_ms\":%.3f,\"rss_kb\":%ld,\"disk_bytes\":%lld,\"nacks\":%ld}",
		 total, BATCH_DEFAULT, fs50, fs99, raw, r1.rate, r1.p50, r1.p99, r8.rate, r8.p50,
		 r8.p99, r8.rss_kb, disk, r1.nacked + r8.nacked);
	printf("%s\n", json);
	mkdir("bench", 0755);
	mkdir("bench/results", 0755);
	char out[100];
	snprintf(out, sizeof(out), "bench/results/bench-%ld.json", (long)time(NULL));
	if ((f = fopen(out, "w"))) {
		fprintf(f, "%s\n", json);
		fclose(f);
	}
	return 0;
}
