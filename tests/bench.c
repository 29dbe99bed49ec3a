/* tests/bench.c — `make bench` / `make bench-full`: planwatchd against this machine's limits.
 *
 * Every ratio is taken between figures measured in the same run:
 *   fsync      fdatasync latency of a 4 KiB write in the daemon's state directory
 *   ingest     the real daemon fed by 1 and 8 pipelined feeders (libplanwatch, DEALER,
 *              window of messages in flight): durable acknowledged updates/s, ACK latency,
 *              the daemon's own group sizes (STATUS items / groups) and CPU per update
 *   raw        the raw limit: LMDB puts of the same keys and value sizes as the store writes
 *              for each update (vintage appended to vin, idx entry overwritten), the same
 *              item order and group size as the daemon formed, one durable commit per
 *              group, no ZeroMQ, no msgpack; the same plus a log record per update (all the
 *              daemon must write durably); one put per update keyed by series (rev, the
 *              layout of schemas 1-2); and the same through store.c (get + put); the
 *              prototype loop: a minimal ROUTER -> decode -> LMDB (the vin+idx puts) -> ACK
 *              server in a forked child, fed by the 8 feeders of ingest
 *   latency    8 paced feeders at 50% of the 8-feeder peak: ACK latency vs fdatasync
 *   fanout     100 SUB subscribers of "breach.", 1,000 updates/s each flipping a binding
 *              ceiling indicator: update sent -> notice received at every subscriber
 *   fair       planwatchd and (with --influx) InfluxDB under the same loads, interleaved
 *              A B A B over --rounds: 8 feeders x 1, x 4, x 64 messages of 100 in flight
 *              (InfluxDB: that many connections, max 64, one write each) and paced at 1k,
 *              10k, 50k updates/s (p50/p99 ACK); per round fdatasync spaced 10 ms (the
 *              bound of a paced ACK), the pages one release writes per commit (daemon and
 *              store.c) and store.c's release commit spaced 10 ms
 * and with --full also
 *   memory     1,000,000 updates: VmRSS / RssAnon / RssFile sampled, bytes on disk per
 *              stored observation by table
 *   scaling    1, 2, 8, 32 feeders (batch 100) and batches of 1, 10, 100, 1000 (8 feeders)
 *   series     ingest rate and LMDB size with 10^3 .. 10^5 series through the daemon and
 *              10^3 .. 10^6 series through store.c (updates scattered over the series)
 *   peer       (with --influx HOST:PORT, see bench/with-influxdb.sh) the same 1,000,000
 *              observations written to InfluxDB 1.x over HTTP, batches of 100, 8 connections
 * Prints a table, writes one JSON document to bench/results/. Figures, not pass/fail. */
#define _GNU_SOURCE /* memmem, strcasestr */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <lmdb.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "../client/planwatch.h"
#include "../proto/period.h"
#include "../proto/proto.h"
#include "../store/store.h"
#include "harness.h"

#define N_INDS 100         /* indicators of the main bench plan */
#define N_PERIODS 240      /* 2006-01 .. 2025-12 */
#define BATCH_DEFAULT 100
#define WINDOW_ITEMS 6400  /* items in flight per feeder: window = 6400 / batch, in [4, 200] */
#define FAN_SUBS 100
#define FAN_INDS 100
#define FAN_CEILING 50.0
#define FAN_HI 100.0 /* breach value base: 100 + J * 1e-6 carries the update number J */
#define FAN_LO 10.0
#define SCATTER_PRIME 999983L
#define DEPT "统计局"
#define MAX_FEEDERS 64

/* ---- small utilities ---- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	if (s <= 0)
		return;
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die("out of memory");
	return p;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* A growable sample of latencies in seconds. */
struct lat {
	double *v;
	size_t n, cap;
};

static void lat_add(struct lat *l, double x)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		if (!(l->v = realloc(l->v, l->cap * sizeof(*l->v))))
			die("out of memory");
	}
	l->v[l->n++] = x;
}

static void lat_merge(struct lat *dst, const struct lat *src)
{
	for (size_t i = 0; i < src->n; i++)
		lat_add(dst, src->v[i]);
}

/* Percentiles in ms. */
struct pcts {
	size_t n;
	double p50, p90, p99, p999, max, mean;
};

static struct pcts lat_pcts(struct lat *l)
{
	struct pcts p = { .n = l->n, .p50 = NAN, .p90 = NAN, .p99 = NAN, .p999 = NAN,
			  .max = NAN, .mean = NAN };
	if (!l->n)
		return p;
	qsort(l->v, l->n, sizeof(*l->v), dcmp);
	double sum = 0;
	for (size_t i = 0; i < l->n; i++)
		sum += l->v[i];
#define AT(q) (l->v[(size_t)((q) * (double)(l->n - 1) + 0.5)] * 1e3)
	p.p50 = AT(0.5);
	p.p90 = AT(0.9);
	p.p99 = AT(0.99);
	p.p999 = AT(0.999);
#undef AT
	p.max = l->v[l->n - 1] * 1e3;
	p.mean = sum / l->n * 1e3;
	return p;
}

static void lat_free(struct lat *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- JSON output ---- */

struct js {
	char *b;
	size_t n, cap;
	int depth;
	bool need_comma[32];
};

static void js_put(struct js *j, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int k = vsnprintf(j->b + j->n, j->cap - j->n, fmt, ap);
		va_end(ap);
		if (k < 0)
			die("vsnprintf");
		if ((size_t)k < j->cap - j->n) {
			j->n += (size_t)k;
			return;
		}
		j->cap = j->cap * 2 + (size_t)k + 256;
		if (!(j->b = realloc(j->b, j->cap)))
			die("out of memory");
	}
}

static void js_key(struct js *j, const char *k)
{
	if (j->need_comma[j->depth])
		js_put(j, ",");
	j->need_comma[j->depth] = true;
	if (k)
		js_put(j, "\"%s\":", k);
}

static void js_open(struct js *j, const char *k, char c)
{
	js_key(j, k);
	js_put(j, "%c", c);
	j->need_comma[++j->depth] = false;
}

static void js_close(struct js *j, char c)
{
	j->depth--;
	js_put(j, "%c", c);
}

static void js_num(struct js *j, const char *k, double v)
{
	js_key(j, k);
	if (isfinite(v))
		js_put(j, "%.6g", v);
	else
		js_put(j, "null");
}

static void js_int(struct js *j, const char *k, long long v)
{
	js_key(j, k);
	js_put(j, "%lld", v);
}

static void js_bool(struct js *j, const char *k, bool v)
{
	js_key(j, k);
	js_put(j, v ? "true" : "false");
}

static void js_str(struct js *j, const char *k, const char *s)
{
	js_key(j, k);
	js_put(j, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			js_put(j, "\\%c", *s);
		else
			js_put(j, "%c", (unsigned char)*s < 32 ? ' ' : *s);
	}
	js_put(j, "\"");
}

static void js_pcts(struct js *j, const char *k, const struct pcts *p)
{
	js_open(j, k, '{');
	js_int(j, "n", (long long)p->n);
	js_num(j, "p50_ms", p->p50);
	js_num(j, "p90_ms", p->p90);
	js_num(j, "p99_ms", p->p99);
	js_num(j, "p999_ms", p->p999);
	js_num(j, "max_ms", p->max);
	js_num(j, "mean_ms", p->mean);
	js_close(j, '}');
}

/* ---- /proc ---- */

struct mem {
	long rss_kb, anon_kb, file_kb;
};

static struct mem proc_mem(pid_t pid)
{
	char path[64], line[256];
	struct mem m = { -1, -1, -1 };
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return m;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "VmRSS: %ld", &m.rss_kb);
		sscanf(line, "RssAnon: %ld", &m.anon_kb);
		sscanf(line, "RssFile: %ld", &m.file_kb);
	}
	fclose(f);
	return m;
}

/* CPU seconds (user + system) used so far by pid. */
static double proc_cpu(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return NAN;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return NAN;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU ns the thread-group leader (the daemon's loop thread) has run, from
 * /proc/PID/schedstat: nanoseconds, where /proc/PID/stat counts clock ticks. NAN if
 * unreadable. */
static double proc_loop_ns(pid_t pid)
{
	char path[64];
	unsigned long long ns;
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return NAN;
	int n = fscanf(f, "%llu", &ns);
	fclose(f);
	return n == 1 ? (double)ns : NAN;
}

/* Bytes pid passed to write calls (wchar) and page-cache bytes it dirtied (write_bytes:
 * a page counts once until written back, so after an fdatasync each page it rewrites
 * counts again). -1 if unreadable. */
struct pio {
	long long wchar, write_bytes;
};

static struct pio proc_io(pid_t pid)
{
	char path[64], line[128];
	struct pio io = { -1, -1 };
	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return io;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "wchar: %lld", &io.wchar);
		sscanf(line, "write_bytes: %lld", &io.write_bytes);
	}
	fclose(f);
	return io;
}

static double rusage_cpu(int who)
{
	struct rusage ru;
	getrusage(who, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static double self_cpu(void)
{
	return rusage_cpu(RUSAGE_SELF);
}

/* Busy and total jiffies of the whole machine (/proc/stat "cpu" line). */
static void machine_cpu(double *busy, double *total)
{
	unsigned long long v[10] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	*busy = *total = 0;
	if (!f)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) == 8) {
		for (int i = 0; i < 8; i++)
			*total += (double)v[i];
		*busy = *total - (double)v[3] - (double)v[4]; /* minus idle and iowait */
	}
	fclose(f);
}

static long long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* ---- fdatasync ---- */

struct fsync_res {
	struct pcts p;
};

/* n fdatasyncs of a rewritten 4 KiB block, one every spacing s (0: back to back). */
static void bench_fsync(const char *dir, int n, double spacing, struct fsync_res *r)
{
	char path[600], buf[4096];
	struct lat l = { 0 };
	snprintf(path, sizeof(path), "%s/fsync.bin", dir);
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0)
		die("cannot create %s: %s", path, strerror(errno));
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 16; i++) /* allocate the blocks first: LMDB rewrites its pages */
		if (pwrite(fd, buf, sizeof(buf), (off_t)i * 4096) < 0)
			die("pwrite: %s", strerror(errno));
	fdatasync(fd);
	double start = now_s();
	for (int i = 0; i < n; i++) {
		sleep_s(start + i * spacing - now_s());
		double t0 = now_s();
		if (pwrite(fd, buf, sizeof(buf), (off_t)(i % 16) * 4096) < 0 || fdatasync(fd) < 0)
			die("fdatasync: %s", strerror(errno));
		lat_add(&l, now_s() - t0);
	}
	close(fd);
	unlink(path);
	r->p = lat_pcts(&l);
	lat_free(&l);
}

/* ---- catalogs ---- */

/* Region "bench" (plan bench-1): n_growth monthly YTD growth series named fmt (the shape of
 * most plan indicators); region "fan" (plan fan-1): n_ceiling binding monthly ceilings c000..
 * (breach at once). Catalog format 2 in dir; *list gets the files, space-separated. */
static void write_region_plan(const char *dir, const char *alias, char *list, size_t cap,
			      FILE **region, FILE **plan)
{
	char path[600];
	size_t n = strlen(list);
	snprintf(path, sizeof(path), "%s/%s-region.yaml", dir, alias);
	if (!(*region = fopen(path, "w")))
		die("cannot write %s", path);
	fprintf(*region, "region:\n  id: \"000000-%s\"\n  alias: %s\n  name: %s\nseries:\n", alias,
		alias, alias);
	n += (size_t)snprintf(list + n, cap - n, "%s%s", n ? " " : "", path);
	snprintf(path, sizeof(path), "%s/%s-plan.yaml", dir, alias);
	if (!(*plan = fopen(path, "w")))
		die("cannot write %s", path);
	fprintf(*plan, "plan:\n  id: %s-1\n  region: %s\n  title: %s\n  start_year: 2021\n"
		       "  end_year: 2025\n  base_year: 2020\n  status: active\ntargets:\n",
		alias, alias, alias);
	snprintf(list + n, cap - n, " %s", path);
}

static void write_catalog(const char *dir, const char *fmt, long n_growth, int n_ceiling,
			  char *list, size_t cap)
{
	FILE *r, *p;
	char id[32];
	list[0] = '\0';
	write_region_plan(dir, "bench", list, cap, &r, &p);
	/* The 10^5-series catalog in short: a short English name and no bounds (optional), or
	 * its region file would pass the daemon's 16 MiB limit on a catalog file (CAT_FILE_MAX). */
	bool brief = n_growth > 50000;
	for (long i = 0; i < n_growth; i++) {
		snprintf(id, sizeof(id), fmt, i);
		fprintf(r, "  - {id: %s, name: 指标%ld, name_en: %s%ld, category: 测试, unit: 亿元, "
			   "frequency: monthly, form: ytd, departments: [" DEPT "]%s}\n", id, i,
			brief ? "I" : "Indicator ", i,
			brief ? "" : ", bounds: {min: 0, max: 1000000000}");
		fprintf(p, "  - {series: %s, attribute: expected, kind: growth, growth: 6, "
			   "baseline: {year: 2020, value: 100}}\n", id);
	}
	fclose(r);
	fclose(p);
	if (!n_ceiling)
		return;
	write_region_plan(dir, "fan", list, cap, &r, &p);
	for (int i = 0; i < n_ceiling; i++) {
		fprintf(r, "  - {id: c%03d, name: 上限%d, name_en: Ceiling %d, category: 测试, "
			   "unit: \"%%\", frequency: monthly, form: level, departments: [" DEPT "], "
			   "bounds: {min: 0, max: 1000}}\n", i, i, i);
		fprintf(p, "  - {series: c%03d, attribute: binding, kind: ceiling, direction: down, "
			   "baseline: {year: 2020, value: 40}, target: {year: 2025, value: %g}}\n", i,
			FAN_CEILING);
	}
	fclose(r);
	fclose(p);
}

/* ---- the daemon ---- */

/* Extra YAML lines for every daemon's config (--daemon-config), e.g. "group_max: 50". */
static const char *daemon_extra = "";
/* --daemon-b: a second build the fair section runs beside the first, row by row (A/B). */
static const char *daemon_a, *daemon_b;

struct dstat {
	int64_t items, groups, accepted, notices, subscriptions, observations, revisions;
};

struct daemon {
	struct harness h;
	struct pw_client *c; /* for STATUS */
	double start_s;      /* time from exec to answering STATUS */
	/* The prototype loop (h.pid, h.ep only): its counters in shared memory, no STATUS. */
	const struct dstat *counts;
};

static void daemon_start(struct daemon *d, const char *fmt, long n_growth, int n_ceiling,
			 const char *extra)
{
	char list[1400], conf[2000];
	memset(d, 0, sizeof(*d));
	snprintf(conf, sizeof(conf), "%s\n%s", extra, daemon_extra);
	extra = conf;
	if (harness_init(&d->h, NULL, "") < 0)
		die("cannot make a temporary directory");
	write_catalog(d->h.dir, fmt, n_growth, n_ceiling, list, sizeof(list));
	if (harness_use_catalog(&d->h, list, extra) < 0)
		die("cannot write the config");
	double t0 = now_s();
	if (harness_start(&d->h) < 0)
		die("daemon did not start (log %s)", d->h.log);
	d->start_s = now_s() - t0;
	if (!(d->c = harness_client(&d->h)))
		die("cannot connect");
}

static struct dstat daemon_status(struct daemon *d)
{
	if (d->counts)
		return (struct dstat){ .items = __atomic_load_n(&d->counts->items, __ATOMIC_ACQUIRE),
				       .groups = __atomic_load_n(&d->counts->groups, __ATOMIC_ACQUIRE),
				       .accepted = __atomic_load_n(&d->counts->accepted,
								   __ATOMIC_ACQUIRE) };
	struct proto_req r = { .type = PROTO_STATUS };
	struct proto_view *v = harness_request(d->c, &r);
	struct dstat s = { 0 };
	proto_view_int(v, -1, "items", &s.items);
	proto_view_int(v, -1, "groups", &s.groups);
	proto_view_int(v, -1, "accepted", &s.accepted);
	proto_view_int(v, -1, "notices", &s.notices);
	proto_view_int(v, -1, "subscriptions", &s.subscriptions);
	proto_view_int(v, -1, "observations", &s.observations);
	proto_view_int(v, -1, "revisions", &s.revisions);
	proto_view_free(v);
	return s;
}

static void daemon_stop(struct daemon *d)
{
	pw_client_free(d->c);
	d->c = NULL;
	if (d->h.pid && harness_stop(&d->h, SIGTERM) != 0)
		fprintf(stderr, "bench: daemon exited badly (log %s)\n", d->h.log);
}

static void daemon_cleanup(struct daemon *d)
{
	if (d->c)
		daemon_stop(d);
	harness_cleanup(&d->h);
}

/* ---- workloads ---- */

enum gen_kind {
	GEN_SWEEP,   /* one message = one period of every indicator; later passes revise */
	GEN_SCATTER, /* consecutive items land on series far apart (j * prime mod n) */
	GEN_FLIP,    /* fan plan: each update flips one ceiling indicator breach <-> resolved */
};

struct gen {
	enum gen_kind kind;
	const char *plan, *fmt, *unit;
	long n;          /* indicators */
	long per_feeder; /* scatter: items per feeder (feeders cover disjoint ranges) */
	long j0;         /* sweep, scatter: index of the first item */
	bool sequential; /* scatter: j mod n instead of j * prime mod n (preloading) */
	const char *tag; /* message ids are TAG<feeder>-<n> (NULL: "f"); a new tag, new ids */
	double bias;     /* sweep: added to every value (a pass over the same periods revises) */
};

/* Item i of message m of feeder f. */
static void gen_item(const struct gen *g, int f, long m, int batch, int i, char *ind, size_t cap,
		     struct period *p, double *value)
{
	long j = m * batch + i, idx, k;
	switch (g->kind) {
	case GEN_SWEEP:
		j += g->j0;
		k = (j / g->n) % N_PERIODS;
		idx = (j + f * 7) % g->n;
		*value = (double)(m + 1 + f * 1000000L) + g->bias;
		break;
	case GEN_SCATTER:
		j += g->j0 + f * g->per_feeder;
		idx = g->sequential ? j % g->n : (long)((j * (int64_t)SCATTER_PRIME) % g->n);
		k = (j / g->n) % N_PERIODS;
		*value = (double)(j % 1000003 + 1);
		break;
	default: /* GEN_FLIP */
		idx = j % g->n;
		k = 19 * 12; /* 2025-01, revised over and over */
		*value = (j / g->n) % 2 == 0 ? FAN_HI + (double)j * 1e-6 : FAN_LO;
		break;
	}
	snprintf(ind, cap, g->fmt, idx);
	*p = (struct period){ .year = (uint16_t)(2006 + k / 12), .freq = PERIOD_MONTH,
			      .n = (uint8_t)(1 + k % 12) };
}

struct feeder {
	/* in */
	const char *ep;
	const struct gen *g;
	int id, batch, window;
	long max_msgs;
	double rate;     /* messages/s; 0 = as fast as the window allows */
	double t0;       /* shared start */
	double t_stop;   /* no sends after this (0 = none) */
	double *t_sent;  /* optional [max_msgs] */
	double *t_acked; /* optional [max_msgs] */
	/* out */
	struct lat lat;
	long sent, acked, nacked, items;
	double max_lag; /* paced: worst lateness of a send behind its schedule, s */
	double t_end;
	int err;
};

static void *feed(void *arg)
{
	struct feeder *fd = arg;
	struct pw_client *c;
	struct pw_opts o = { .timeout_ms = 60000 };
	struct pw_obs *obs = xcalloc((size_t)fd->batch, sizeof(*obs));
	char(*pers)[PERIOD_TEXT_MAX] = xcalloc((size_t)fd->batch, PERIOD_TEXT_MAX);
	char(*inds)[24] = xcalloc((size_t)fd->batch, 24);
	double *t_send = xcalloc((size_t)fd->max_msgs + 1, sizeof(double));
	long got = 0;
	char id[40];

	if (pw_client_new(&c, fd->ep, &o) < 0) {
		fd->err = 1;
		return NULL;
	}
	for (;;) {
		double now = now_s();
		bool more = fd->sent < fd->max_msgs && (fd->t_stop == 0 || now < fd->t_stop);
		bool room = fd->sent - got < fd->window;
		double due = fd->rate > 0 ? fd->t0 + fd->sent / fd->rate : now;
		if (more && room && now >= due) {
			long m = fd->sent;
			for (int i = 0; i < fd->batch; i++) {
				struct period p;
				double v;
				gen_item(fd->g, fd->id, m, fd->batch, i, inds[i], sizeof(inds[i]), &p, &v);
				period_format(&p, pers[i]);
				obs[i] = (struct pw_obs){ .plan = fd->g->plan, .indicator = inds[i],
							  .period = pers[i], .unit = fd->g->unit,
							  .status = "flash", .yoy = NAN, .value = v,
							  /* synthetic values: the checks run, confirm
							   * passes them */
							  .confirm = true };
			}
			snprintf(id, sizeof(id), "%s%d-%ld", fd->g->tag ? fd->g->tag : "f", fd->id, m);
			t_send[m] = now_s();
			if (fd->t_sent)
				fd->t_sent[m] = t_send[m];
			if (fd->rate > 0 && t_send[m] - due > fd->max_lag)
				fd->max_lag = t_send[m] - due;
			if (pw_send_update(c, DEPT, id, obs, (size_t)fd->batch, 0) < 0) {
				fprintf(stderr, "bench: send failed\n");
				fd->err = 1;
				break;
			}
			fd->sent++;
			continue;
		}
		if (!more && got == fd->sent)
			break;
		/* Wait for an ACK; a paced feeder wakes up in time for its next send (zmq_poll
		 * counts in ms, so the last millisecond is polled with short sleeps). */
		int to = 60000;
		double wait = 0;
		if (more && room) {
			wait = due - now;
			to = wait > 0.0015 ? (int)((wait - 0.001) * 1e3) : 0;
		}
		struct pw_ack a;
		int rc = pw_recv_ack(c, &a, to);
		if (rc == PW_ETIMEDOUT) {
			if (to == 60000) {
				fprintf(stderr, "bench: feeder %d: no ACK within 60 s\n", fd->id);
				fd->err = 1;
				break;
			}
			if (to == 0)
				sleep_s(wait < 50e-6 ? wait : 50e-6);
			continue;
		}
		if (rc < 0) {
			fprintf(stderr, "bench: feeder %d: %s\n", fd->id, pw_strerror(rc));
			fd->err = 1;
			break;
		}
		double t = now_s();
		const char *dash = strchr(a.id, '-');
		long m = dash ? strtol(dash + 1, NULL, 10) : -1;
		if (m < 0 || m >= fd->sent) {
			fprintf(stderr, "bench: unexpected reply id '%s'\n", a.id);
			continue;
		}
		lat_add(&fd->lat, t - t_send[m]);
		if (fd->t_acked)
			fd->t_acked[m] = t;
		if (a.code == 0 && a.count != (uint32_t)fd->batch) {
			/* An ACK must name every item of its update: anything else is a broken
			 * reply, not an acknowledgement. */
			fprintf(stderr, "bench: feeder %d: ACK %s counts %u items of %d\n", fd->id,
				a.id, a.count, fd->batch);
			fd->err = 1;
			break;
		}
		if (a.code == 0) {
			fd->acked++;
			fd->items += fd->batch;
		} else {
			if (!fd->nacked)
				fprintf(stderr, "bench: NACK %s: %s\n", a.id, pw_errname(a.code));
			fd->nacked++;
		}
		got++;
	}
	fd->t_end = now_s();
	free(obs);
	free(pers);
	free(inds);
	free(t_send);
	pw_client_free(c);
	return NULL;
}

struct run {
	const char *name;
	int feeders, batch, window;
	double rate_target; /* items/s, 0 = unlimited */
	bool burst;         /* paced: all feeders send at the same instants (else interleaved) */
	double secs, rate;  /* acknowledged items/s */
	struct pcts lat;
	long nacked, msgs;
	double group_items, group_msgs; /* the daemon's average group */
	double daemon_cpu;              /* daemon CPU s / wall s during the run */
	double us_per_item;             /* daemon CPU µs per acknowledged update */
	double loop_us_per_item;        /* the same, loop thread only, from ns counters */
	double client_cpu;              /* bench process CPU s / wall s */
	double max_lag_ms;
	struct mem mem;
	int err;
};

static int window_for(int batch)
{
	int w = WINDOW_ITEMS / batch;
	return w < 4 ? 4 : w > 200 ? 200 : w;
}

/* Runs n feeders against d: each sends up to total_items / n items (or until secs, if > 0),
 * paced at rate_items/s overall if > 0: their slots interleaved, so messages arrive evenly
 * spaced at the overall rate, or with r->burst all n at once at each slot. */
static void run_feeders(struct daemon *d, const struct gen *g, int n, int batch, int window,
			long total_items, double rate_items, double secs, struct run *r)
{
	pthread_t th[MAX_FEEDERS];
	struct feeder *fd = xcalloc((size_t)n, sizeof(*fd));
	long per = total_items / batch / n;
	struct dstat s0 = daemon_status(d);
	double cpu0 = proc_cpu(d->h.pid), self0 = self_cpu(), loop0 = proc_loop_ns(d->h.pid);
	double t_begin = now_s(), t0 = t_begin + 0.01; /* paced feeders start together at t0 */

	if (per < 1)
		per = 1;
	r->feeders = n;
	r->batch = batch;
	r->window = window ? window : window_for(batch);
	r->rate_target = rate_items;
	double spacing = rate_items > 0 && !r->burst ? batch / rate_items : 0;
	for (int i = 0; i < n; i++) {
		fd[i] = (struct feeder){ .ep = d->h.ep, .g = g, .id = i, .batch = batch,
					 .window = r->window, .max_msgs = per, .t0 = t0 + i * spacing,
					 .rate = rate_items > 0 ? rate_items / batch / n : 0,
					 .t_stop = secs > 0 ? t0 + secs : 0 };
		if (pthread_create(&th[i], NULL, feed, &fd[i]) != 0)
			die("pthread_create");
	}
	struct lat all = { 0 };
	long items = 0;
	double t_end = t_begin;
	r->nacked = r->msgs = 0;
	r->max_lag_ms = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		items += fd[i].items;
		r->nacked += fd[i].nacked;
		r->msgs += fd[i].sent;
		r->err |= fd[i].err;
		if (fd[i].t_end > t_end)
			t_end = fd[i].t_end;
		if (fd[i].max_lag * 1e3 > r->max_lag_ms)
			r->max_lag_ms = fd[i].max_lag * 1e3;
		lat_merge(&all, &fd[i].lat);
		lat_free(&fd[i].lat);
	}
	r->secs = t_end - t_begin;
	r->rate = items / r->secs;
	r->lat = lat_pcts(&all);
	lat_free(&all);
	double cpu1 = proc_cpu(d->h.pid);
	r->daemon_cpu = (cpu1 - cpu0) / r->secs;
	r->us_per_item = items ? (cpu1 - cpu0) / items * 1e6 : NAN;
	r->loop_us_per_item = items ? (proc_loop_ns(d->h.pid) - loop0) / items / 1e3 : NAN;
	r->client_cpu = (self_cpu() - self0) / r->secs;
	struct dstat s1 = daemon_status(d);
	double groups = (double)(s1.groups - s0.groups);
	r->group_items = groups > 0 ? (s1.items - s0.items) / groups : NAN;
	r->group_msgs = groups > 0 ? (s1.accepted - s0.accepted) / groups : NAN;
	r->mem = proc_mem(d->h.pid);
	free(fd);
}

static void print_header(void)
{
	printf("%-40s %11s %8s %8s %8s %7s %7s %6s\n", "measure", "updates/s", "p50 ms", "p99 ms",
	       "max ms", "grp", "µs/upd", "dCPU");
}

static void print_run(const struct run *r)
{
	printf("%-40s %11.0f %8.2f %8.2f %8.2f %7.0f %7.2f %5.0f%%%s\n", r->name, r->rate,
	       r->lat.p50, r->lat.p99, r->lat.max, r->group_items, r->us_per_item,
	       r->daemon_cpu * 100, r->nacked ? "  NACKs!" : "");
	fflush(stdout);
}

static void js_run(struct js *j, const char *k, const struct run *r)
{
	js_open(j, k, '{');
	js_str(j, "name", r->name);
	js_int(j, "feeders", r->feeders);
	js_int(j, "batch", r->batch);
	js_int(j, "window", r->window);
	js_num(j, "rate_target_per_s", r->rate_target);
	js_num(j, "secs", r->secs);
	js_num(j, "updates_per_s", r->rate);
	js_int(j, "messages", r->msgs);
	js_pcts(j, "ack_latency", &r->lat);
	js_int(j, "nacks", r->nacked);
	js_num(j, "group_items", r->group_items);
	js_num(j, "group_messages", r->group_msgs);
	js_num(j, "daemon_cpu", r->daemon_cpu);
	js_num(j, "daemon_cpu_us_per_update", r->us_per_item);
	js_num(j, "loop_thread_cpu_us_per_update", r->loop_us_per_item);
	js_num(j, "client_cpu", r->client_cpu);
	js_num(j, "max_send_lag_ms", r->max_lag_ms);
	js_int(j, "rss_kb", r->mem.rss_kb);
	js_int(j, "rss_anon_kb", r->mem.anon_kb);
	js_int(j, "rss_file_kb", r->mem.file_kb);
	js_close(j, '}');
}

/* ---- the raw limit ---- */

/* The store's value layout (store.c: obs, rev): v, status, flags, u32 rev, f64 value,
 * f64 yoy, i64 recv_ms, u8 len + dept, u8 len + msgid, u16 len + reason. */
static size_t obs_value(uint8_t *buf, uint32_t rev, double value, const char *msgid)
{
	uint8_t *p = buf;
	size_t ld = strlen(DEPT), lm = strlen(msgid);
	uint64_t bits;
	*p++ = 1;
	*p++ = 1;
	*p++ = 0;
	memcpy(p, &rev, 4);
	p += 4;
	memcpy(&bits, &value, 8);
	memcpy(p, &bits, 8);
	p += 8;
	memset(p, 0xff, 8); /* NaN yoy */
	p += 8;
	memset(p, 0, 8);
	p += 8;
	*p++ = (uint8_t)ld;
	memcpy(p, DEPT, ld);
	p += ld;
	*p++ = (uint8_t)lm;
	memcpy(p, msgid, lm);
	p += lm;
	*p++ = 0;
	*p++ = 0;
	return (size_t)(p - buf);
}

/* plan\0ind\0period(4 BE)[rev(4 BE)] as store.c lays it out. */
static size_t obs_key(uint8_t *key, const char *plan, const char *ind, const struct period *p)
{
	size_t lp = strlen(plan) + 1, li = strlen(ind) + 1;
	memcpy(key, plan, lp);
	memcpy(key + lp, ind, li);
	period_key(p, key + lp + li);
	return lp + li + 4;
}

/* Revision counters for (indicator, period), for the raw writer. */
struct revs {
	long n;
	uint32_t *r;
};

static uint32_t *rev_slot(struct revs *rv, const char *ind, const struct period *p)
{
	long idx = strtol(ind + strcspn(ind, "0123456789"), NULL, 10);
	long k = (p->year - 2006) * 12 + p->n - 1;
	if (idx < 0 || idx >= rv->n || k < 0 || k >= N_PERIODS)
		die("raw: key out of range");
	return &rv->r[idx * N_PERIODS + k];
}

struct raw_res {
	double rate, group_items, secs;
	long groups;
	long long bytes;
	struct pcts commit; /* one group: puts + durable commit */
};

enum { RAW_OBS = 1, RAW_REV = 2, RAW_LOG = 4, RAW_VIN = 8 };
#define RAW_LOG_VALUE 170 /* about one compact change record with its topic */

/* A fresh raw LMDB environment (default sync flags) and its writer's state: the revision
 * counter and last vid of each (indicator, period), the last vid and log seq written. */
struct raw_db {
	char path[400];
	MDB_env *env;
	MDB_dbi obs, rev, log, vin, idx;
	struct revs rv;
	uint64_t *last_vid;
	uint64_t vid, seq;
};

/* Opens dir/name for the n indicators of a plan; dies on failure. */
static void raw_open(struct raw_db *db, const char *dir, const char *name, long n)
{
	MDB_txn *txn;
	memset(db, 0, sizeof(*db));
	db->rv = (struct revs){ .n = n, .r = xcalloc((size_t)n * N_PERIODS, sizeof(uint32_t)) };
	db->last_vid = xcalloc((size_t)n * N_PERIODS, sizeof(uint64_t));
	snprintf(db->path, sizeof(db->path), "%s/%s", dir, name);
	mkdir(db->path, 0700);
	if (mdb_env_create(&db->env) || mdb_env_set_maxdbs(db->env, 8) ||
	    mdb_env_set_mapsize(db->env, (size_t)16 << 30) ||
	    mdb_env_open(db->env, db->path, MDB_NOTLS, 0600))
		die("cannot open raw LMDB env");
	if (mdb_txn_begin(db->env, NULL, 0, &txn) ||
	    mdb_dbi_open(txn, "obs", MDB_CREATE, &db->obs) ||
	    mdb_dbi_open(txn, "rev", MDB_CREATE, &db->rev) ||
	    mdb_dbi_open(txn, "log", MDB_CREATE, &db->log) ||
	    mdb_dbi_open(txn, "vin", MDB_CREATE, &db->vin) ||
	    mdb_dbi_open(txn, "idx", MDB_CREATE, &db->idx) || mdb_txn_commit(txn))
		die("cannot open raw LMDB tables");
}

/* Closes and removes the environment; returns the size its data file had. */
static long long raw_close(struct raw_db *db)
{
	char path[440];
	mdb_env_close(db->env);
	snprintf(path, sizeof(path), "%s/data.mdb", db->path);
	long long bytes = file_size(path);
	snprintf(path, sizeof(path), "rm -rf '%s'", db->path);
	if (system(path) != 0)
		fprintf(stderr, "bench: cannot remove %s\n", db->path);
	free(db->rv.r);
	free(db->last_vid);
	return bytes;
}

/* The puts of one update (tables: RAW_*) in txn: the keys and value sizes the store
 * writes for it. */
static void raw_put(struct raw_db *db, MDB_txn *txn, int tables, const char *plan,
		    const char *ind, const struct period *p, double v, const char *msgid)
{
	uint8_t key[160], val[200];
	size_t kl = obs_key(key, plan, ind, p);
	uint32_t *slot = rev_slot(&db->rv, ind, p);
	uint32_t rn = ++*slot;
	size_t vl = obs_value(val, rn, v, msgid);
	key[kl] = (uint8_t)(rn >> 24), key[kl + 1] = (uint8_t)(rn >> 16);
	key[kl + 2] = (uint8_t)(rn >> 8), key[kl + 3] = (uint8_t)rn;
	MDB_val rk = { kl + 4, key }, ok = { kl, key }, vv = { vl, val };
	if ((tables & RAW_REV && mdb_put(txn, db->rev, &rk, &vv, MDB_NOOVERWRITE)) ||
	    (tables & RAW_OBS && mdb_put(txn, db->obs, &ok, &vv, 0)))
		die("raw: put");
	if (tables & RAW_VIN) {
		/* store.c schema 3: the vintage appended under the next vid (value: v, idx key,
		 * prev vid, fields), the index entry overwritten. */
		uint64_t *lv = &db->last_vid[slot - db->rv.r];
		uint8_t vk[8], vval[260], iv[12];
		uint64_t vid = ++db->vid;
		for (int b = 0; b < 8; b++)
			vk[b] = (uint8_t)(vid >> (56 - 8 * b));
		vval[0] = 1;
		vval[1] = (uint8_t)kl;
		memcpy(vval + 2, key, kl);
		memcpy(vval + 2 + kl, lv, 8);
		memcpy(vval + 2 + kl + 8, val + 1, vl - 1);
		memcpy(iv, &vid, 8);
		memcpy(iv + 8, &rn, 4);
		*lv = vid;
		MDB_val k1 = { 8, vk }, v1 = { 2 + kl + 8 + vl - 1, vval };
		MDB_val k2 = { kl, key }, v2 = { 12, iv };
		if (mdb_put(txn, db->vin, &k1, &v1, MDB_APPEND) || mdb_put(txn, db->idx, &k2, &v2, 0))
			die("raw: vin/idx put");
	}
	if (tables & RAW_LOG) {
		uint8_t sk[8];
		uint64_t seq = ++db->seq;
		for (int b = 0; b < 8; b++)
			sk[b] = (uint8_t)(seq >> (56 - 8 * b));
		MDB_val lk = { 8, sk }, lv = { RAW_LOG_VALUE, NULL };
		if (mdb_put(txn, db->log, &lk, &lv, MDB_APPEND | MDB_RESERVE))
			die("raw: log put");
		memset(lv.mv_data, 0x5a, RAW_LOG_VALUE);
	}
}

/* Writes the items the feeders would send, interleaved message by message as the daemon's
 * round-robin read forms its groups, committing every group_msgs messages. */
static void bench_raw(const char *dir, const struct gen *g, int feeders, int batch, long total,
		      double group_items, int tables, struct raw_res *r)
{
	struct raw_db db;
	MDB_txn *txn = NULL;
	struct lat cl = { 0 };
	double tg = 0;
	long per = total / batch / feeders;
	long group_msgs = lround(group_items / batch);
	if (group_msgs < 1)
		group_msgs = 1;
	raw_open(&db, dir, "raw", g->n);
	double t0 = now_s();
	long in_group = 0, items = 0;
	r->groups = 0;
	for (long m = 0; m < per; m++)
		for (int f = 0; f < feeders; f++) {
			char msgid[40], ind[24];
			snprintf(msgid, sizeof(msgid), "f%d-%ld", f, m);
			if (!txn) {
				tg = now_s();
				if (mdb_txn_begin(db.env, NULL, 0, &txn))
					die("raw: txn_begin");
			}
			for (int i = 0; i < batch; i++) {
				struct period p;
				double v;
				gen_item(g, f, m, batch, i, ind, sizeof(ind), &p, &v);
				raw_put(&db, txn, tables, g->plan, ind, &p, v, msgid);
				items++;
			}
			if (++in_group == group_msgs || (m == per - 1 && f == feeders - 1)) {
				if (mdb_txn_commit(txn))
					die("raw: commit");
				lat_add(&cl, now_s() - tg);
				txn = NULL;
				in_group = 0;
				r->groups++;
			}
		}
	r->secs = now_s() - t0;
	r->rate = items / r->secs;
	r->group_items = (double)items / r->groups;
	r->commit = lat_pcts(&cl);
	lat_free(&cl);
	r->bytes = raw_close(&db);
}

/* The same through store.c: store_obs_get (the previous vintage) + store_obs_put. */
struct store_arg {
	const struct gen *g;
	int feeders, batch;
	long m, group_msgs, per;
	int f;
	long items;
};

static int store_group(struct store_txn *t, void *arg)
{
	struct store_arg *a = arg;
	for (long done = 0; done < a->group_msgs && a->m < a->per; done++) {
		char msgid[40];
		snprintf(msgid, sizeof(msgid), "f%d-%ld", a->f, a->m);
		for (int i = 0; i < a->batch; i++) {
			struct store_obs o = { .yoy = NAN, .status = 1 }, prev;
			gen_item(a->g, a->f, a->m, a->batch, i, o.ind, sizeof(o.ind), &o.period,
				 &o.value);
			snprintf(o.plan, sizeof(o.plan), "%s", a->g->plan);
			int rc = store_obs_get(t, o.plan, o.ind, &o.period, &prev);
			if (rc < 0 && rc != PW_ENOTFOUND)
				return rc;
			o.rev = rc == 0 ? prev.rev + 1 : 1;
			snprintf(o.dept, sizeof(o.dept), "%s", DEPT);
			snprintf(o.msgid, sizeof(o.msgid), "%s", msgid);
			if ((rc = store_obs_put(t, &o)) < 0)
				return rc;
		}
		a->items += a->batch;
		if (++a->f == a->feeders) {
			a->f = 0;
			a->m++;
		}
	}
	return 0;
}

static void bench_store(const char *dir, const struct gen *g, int feeders, int batch, long total,
			double group_items, struct raw_res *r)
{
	char path[400];
	struct store *s;
	struct store_arg a = { .g = g, .feeders = feeders, .batch = batch,
			       .per = total / batch / feeders };
	a.group_msgs = lround(group_items / batch);
	if (a.group_msgs < 1)
		a.group_msgs = 1;
	snprintf(path, sizeof(path), "%s/storeapi", dir);
	mkdir(path, 0700);
	int rc = store_open(&s, path, (uint64_t)1 << 30, 0);
	if (rc < 0)
		die("store_open: %s", pw_strerror(rc));
	double t0 = now_s();
	r->groups = 0;
	while (a.m < a.per) {
		if ((rc = store_write(s, store_group, &a)) < 0)
			die("store_write: %s", pw_strerror(rc));
		r->groups++;
	}
	r->secs = now_s() - t0;
	r->rate = a.items / r->secs;
	r->group_items = (double)a.items / r->groups;
	store_free(s);
	snprintf(path, sizeof(path), "%s/storeapi/data.mdb", dir);
	r->bytes = file_size(path);
	snprintf(path, sizeof(path), "rm -rf '%s/storeapi'", dir);
	if (system(path) != 0)
		fprintf(stderr, "bench: cannot remove the store copy\n");
}

/* ---- the prototype loop ---- */

/* Issue 21's yardstick for deep pipelines: a minimal ROUTER -> decode -> LMDB -> ACK loop,
 * without the daemon's validation, log, rules or notices. It runs in a forked child, so the
 * dCPU and µs/upd columns are its own as they are the daemon's, and the feeders are the
 * daemon row's. Its groups are capped as the daemon's: */
#define PLOOP_GROUP_MSGS 2000   /* daemon/config.c: group_max's default */
#define PLOOP_GROUP_ITEMS 20000 /* daemon/server.c: SERVER_GROUP_ITEMS */

struct ploop_msg {
	zmq_msg_t peer; /* the ROUTER's routing id of the sender */
	struct proto_req *req;
};

static volatile sig_atomic_t ploop_stop;

static void ploop_on_term(int sig)
{
	(void)sig;
	ploop_stop = 1;
}

/* Reads and decodes one waiting update into m: 1, or 0 when none waits. Anything but a
 * well-formed update from a DEALER is a bench bug: the loop dies. */
static int ploop_read(void *router, struct ploop_msg *m)
{
	zmq_msg_t body;
	zmq_msg_init(&m->peer);
	if (zmq_msg_recv(&m->peer, router, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&m->peer);
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		die("prototype: recv: %s", zmq_strerror(errno));
	}
	zmq_msg_init(&body);
	if (!zmq_msg_more(&m->peer) || zmq_msg_recv(&body, router, 0) < 0 || zmq_msg_more(&body))
		die("prototype: not [routing id, request]");
	if (!m->req && !(m->req = proto_req_new()))
		die("out of memory");
	int rc = proto_req_decode(m->req, zmq_msg_data(&body), zmq_msg_size(&body));
	zmq_msg_close(&body);
	if (rc < 0 || m->req->type != PROTO_UPDATE || m->req->n_bad)
		die("prototype: not a well-formed update (%s)", pw_strerror(rc));
	return 1;
}

/* Answers m after its group's commit: the ACK as daemon/reply.c writes it (no items);
 * seq, with no log here, counts the updates committed so far. */
static void ploop_ack(void *router, struct ploop_msg *m, struct proto_buf *b, uint64_t seq)
{
	struct proto_map map;
	proto_buf_reset(b);
	proto_reply_open(&map, b, PROTO_ACK, m->req->id);
	proto_kv_uint(&map, "count", m->req->n_items);
	proto_kv_uint(&map, "changed", m->req->n_items); /* every item appends a vintage */
	proto_kv_uint(&map, "seq", seq);
	proto_map_close(map);
	if (b->err || zmq_msg_send(&m->peer, router, ZMQ_SNDMORE) < 0 ||
	    zmq_send(router, b->data, b->len, 0) < 0)
		die("prototype: cannot send an ACK");
}

/* The child: serves ep until SIGTERM, counting into st; writes a byte to ready once bound. */
static void ploop_serve(const char *dir, const char *ep, long n_inds, struct dstat *st,
			int ready)
{
	struct raw_db db;
	struct ploop_msg *msgs = xcalloc(PLOOP_GROUP_MSGS, sizeof(*msgs));
	struct proto_buf ack;
	void *zctx = zmq_ctx_new(), *router = zctx ? zmq_socket(zctx, ZMQ_ROUTER) : NULL;
	signal(SIGTERM, ploop_on_term);
	raw_open(&db, dir, "proto", n_inds);
	if (!router || zmq_bind(router, ep) < 0 || write(ready, "r", 1) != 1)
		die("prototype: cannot serve %s", ep);
	close(ready);
	proto_buf_init(&ack);
	int linger = 0;
	zmq_setsockopt(router, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_pollitem_t pi = { .socket = router, .events = ZMQ_POLLIN };
	while (!ploop_stop) {
		if (zmq_poll(&pi, 1, 100) <= 0)
			continue;
		size_t n = 0, items = 0;
		while (n < PLOOP_GROUP_MSGS && items < PLOOP_GROUP_ITEMS && ploop_read(router, &msgs[n]))
			items += msgs[n++].req->n_items;
		if (!n)
			continue;
		MDB_txn *txn;
		if (mdb_txn_begin(db.env, NULL, 0, &txn))
			die("prototype: txn_begin");
		for (size_t k = 0; k < n; k++)
			for (size_t i = 0; i < msgs[k].req->n_items; i++) {
				const struct proto_item *it = &msgs[k].req->items[i];
				raw_put(&db, txn, RAW_VIN, it->plan, it->ind, &it->period, it->value,
					msgs[k].req->id);
			}
		if (mdb_txn_commit(txn))
			die("prototype: commit");
		__atomic_add_fetch(&st->items, (int64_t)items, __ATOMIC_RELEASE);
		__atomic_add_fetch(&st->accepted, (int64_t)n, __ATOMIC_RELEASE);
		__atomic_add_fetch(&st->groups, 1, __ATOMIC_RELEASE);
		for (size_t k = 0; k < n; k++)
			ploop_ack(router, &msgs[k], &ack, (uint64_t)db.vid);
	}
	zmq_close(router);
	zmq_ctx_term(zctx);
	raw_close(&db);
	_exit(0);
}

/* Runs n feeders (batch, window, total as run_feeders) against the prototype loop on a
 * fresh environment in dir. */
static void bench_ploop(const char *dir, const struct gen *g, int n, int batch, int window,
			long total, struct run *r)
{
	struct daemon d = { 0 };
	int pipefd[2];
	char c;
	struct dstat *st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED || pipe(pipefd) < 0)
		die("prototype: %s", strerror(errno));
	memset(st, 0, sizeof(*st));
	snprintf(d.h.ep, sizeof(d.h.ep), "ipc://%s/proto.sock", dir);
	fflush(stdout);
	if ((d.h.pid = fork()) < 0)
		die("fork: %s", strerror(errno));
	if (d.h.pid == 0) {
		close(pipefd[0]);
		ploop_serve(dir, d.h.ep, g->n, st, pipefd[1]);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1)
		die("prototype loop did not start");
	close(pipefd[0]);
	d.counts = st;
	run_feeders(&d, g, n, batch, window, total, 0, 0, r);
	int status = 0;
	kill(d.h.pid, SIGTERM);
	waitpid(d.h.pid, &status, 0);
	munmap(st, sizeof(*st));
	/* Not a figure to print beside the daemon's if a single update was refused, lost or
	 * answered with anything but its ACK. */
	if (r->err || r->nacked || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("%s: failed (%ld NACKs%s%s)", r->name, r->nacked, r->err ? ", feeder errors" : "",
		    WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "" : ", the loop exited badly");
}

/* ---- fan-out ---- */

struct subs {
	const char *pub;
	int n;
	const double *t_sent, *t_acked;
	long n_upd;
	volatile int *stop;
	volatile int ready;
	/* out */
	struct lat lat_send, lat_ack;
	long received, bad;
};

/* Update number J from the "observed" float of a breach notice body (msgpack). */
static long fan_j(const void *body, size_t len)
{
	static const char key[] = "\xa8observed";
	const uint8_t *p = memmem(body, len, key, sizeof(key) - 1);
	if (!p || (size_t)((const uint8_t *)body + len - p) < sizeof(key) - 1 + 9 ||
	    p[sizeof(key) - 1] != 0xcb)
		return -1;
	p += sizeof(key);
	uint64_t bits = 0;
	for (int i = 0; i < 8; i++)
		bits = bits << 8 | p[i];
	double v;
	memcpy(&v, &bits, 8);
	return lround((v - FAN_HI) * 1e6);
}

static void *subscribe(void *arg)
{
	struct subs *s = arg;
	void *ctx = zmq_ctx_new();
	void **socks = xcalloc((size_t)s->n, sizeof(*socks));
	zmq_pollitem_t *items = xcalloc((size_t)s->n, sizeof(*items));
	for (int i = 0; i < s->n; i++) {
		int hwm = 0;
		socks[i] = zmq_socket(ctx, ZMQ_SUB);
		zmq_setsockopt(socks[i], ZMQ_RCVHWM, &hwm, sizeof(hwm));
		zmq_setsockopt(socks[i], ZMQ_SUBSCRIBE, "breach.", 7);
		if (zmq_connect(socks[i], s->pub) != 0)
			die("cannot connect a subscriber: %s", zmq_strerror(errno));
		items[i] = (zmq_pollitem_t){ .socket = socks[i], .events = ZMQ_POLLIN };
	}
	s->ready = 1;
	char topic[256], body[4096];
	while (!*s->stop) {
		if (zmq_poll(items, s->n, 100) <= 0)
			continue;
		for (int i = 0; i < s->n; i++) {
			if (!(items[i].revents & ZMQ_POLLIN))
				continue;
			for (;;) {
				int tn = zmq_recv(socks[i], topic, sizeof(topic), ZMQ_DONTWAIT);
				if (tn < 0)
					break;
				int bn = zmq_recv(socks[i], body, sizeof(body), 0);
				double t = now_s();
				long j = bn > 0 ? fan_j(body, (size_t)(bn < (int)sizeof(body) ? bn
										   : (int)sizeof(body)))
						: -1;
				if (j < 0 || j >= s->n_upd || s->t_sent[j] == 0) {
					s->bad++;
					continue;
				}
				s->received++;
				lat_add(&s->lat_send, t - s->t_sent[j]);
				if (s->t_acked[j] > 0)
					lat_add(&s->lat_ack, t - s->t_acked[j]);
			}
		}
	}
	for (int i = 0; i < s->n; i++)
		zmq_close(socks[i]);
	zmq_ctx_term(ctx);
	free(socks);
	free(items);
	return NULL;
}

struct fan_res {
	int subs;
	double rate, secs;
	long updates, breaches, expected, received, bad;
	struct pcts send, ack, update_ack;
};

static void bench_fanout(double rate, double secs, struct fan_res *r)
{
	struct daemon d;
	struct gen g = { .kind = GEN_FLIP, .plan = "fan-1", .fmt = "c%03ld", .unit = "%", .n = FAN_INDS };
	long n = (long)(rate * secs);
	double *t_sent = xcalloc((size_t)n + 1, sizeof(double));
	double *t_acked = xcalloc((size_t)n + 1, sizeof(double));
	volatile int stop = 0;
	enum { THREADS = 2 };
	struct subs sb[THREADS];
	pthread_t th[THREADS];

	daemon_start(&d, "ind%03ld", 1, FAN_INDS, "");
	for (int i = 0; i < THREADS; i++) {
		sb[i] = (struct subs){ .pub = d.h.pub, .n = FAN_SUBS / THREADS, .t_sent = t_sent,
				       .t_acked = t_acked, .n_upd = n, .stop = &stop };
		if (pthread_create(&th[i], NULL, subscribe, &sb[i]) != 0)
			die("pthread_create");
	}
	/* Every subscription must have reached the daemon before the first notice. */
	for (int i = 0; i < 200; i++) {
		if (daemon_status(&d).subscriptions >= FAN_SUBS)
			break;
		sleep_s(0.05);
	}
	struct feeder fd = { .ep = d.h.ep, .g = &g, .id = 0, .batch = 1, .window = 200,
			     .max_msgs = n, .rate = rate, .t0 = now_s() + 0.01, .t_sent = t_sent,
			     .t_acked = t_acked };
	feed(&fd);
	/* Drain: wait until every breach reached every subscriber, at most 5 s. */
	long breaches = 0;
	for (long j = 0; j < n; j++)
		breaches += (j / FAN_INDS) % 2 == 0;
	r->expected = breaches * FAN_SUBS;
	for (int i = 0; i < 100; i++) {
		long got = 0;
		for (int k = 0; k < THREADS; k++)
			got += sb[k].received;
		if (got >= r->expected)
			break;
		sleep_s(0.05);
	}
	stop = 1;
	struct lat ls = { 0 }, la = { 0 };
	r->received = r->bad = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		r->received += sb[i].received;
		r->bad += sb[i].bad;
		lat_merge(&ls, &sb[i].lat_send);
		lat_merge(&la, &sb[i].lat_ack);
		lat_free(&sb[i].lat_send);
		lat_free(&sb[i].lat_ack);
	}
	r->subs = FAN_SUBS;
	r->rate = fd.acked / (fd.t_end - fd.t0);
	r->secs = fd.t_end - fd.t0;
	r->updates = fd.acked;
	r->breaches = breaches;
	r->send = lat_pcts(&ls);
	r->ack = lat_pcts(&la);
	r->update_ack = lat_pcts(&fd.lat);
	if (fd.nacked || fd.err)
		fprintf(stderr, "bench: fan-out feeder: %ld NACKs%s\n", fd.nacked,
			fd.err ? ", errors" : "");
	lat_free(&fd.lat);
	lat_free(&ls);
	lat_free(&la);
	daemon_cleanup(&d);
	free(t_sent);
	free(t_acked);
}

/* ---- memory and disk ---- */

struct sampler {
	pid_t pid;
	volatile int stop;
	double t0;
	struct mem s[4096];
	double t[4096];
	int n;
};

static void *sample(void *arg)
{
	struct sampler *s = arg;
	while (!s->stop && s->n < 4096) {
		s->t[s->n] = now_s() - s->t0;
		s->s[s->n] = proc_mem(s->pid);
		s->n++;
		sleep_s(0.25);
	}
	return NULL;
}

struct table_use {
	const char *name;
	long long entries, pages;
};

struct disk {
	long long file_bytes, used_bytes;
	struct table_use t[10];
	int n;
	long long n_obs, n_rev;
};

/* Per-table page use of a stopped daemon's environment. */
static void disk_use(const char *state, struct disk *dk)
{
	static const char *const names[] = { "vin", "idx", "obs", "rev", "log", "alert", "msgid", "quar", "meta" };
	char path[600];
	MDB_env *env;
	MDB_txn *txn;
	MDB_envinfo info;
	MDB_stat st;
	memset(dk, 0, sizeof(*dk));
	snprintf(path, sizeof(path), "%s/data.mdb", state);
	dk->file_bytes = file_size(path);
	if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 12) ||
	    mdb_env_open(env, state, MDB_RDONLY | MDB_NOTLS, 0600)) {
		fprintf(stderr, "bench: cannot open %s\n", state);
		return;
	}
	mdb_env_info(env, &info);
	mdb_env_stat(env, &st);
	dk->used_bytes = (long long)(info.me_last_pgno + 1) * st.ms_psize;
	if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			MDB_dbi dbi;
			if (mdb_dbi_open(txn, names[i], 0, &dbi) || mdb_stat(txn, dbi, &st))
				continue;
			struct table_use *u = &dk->t[dk->n++];
			u->name = names[i];
			u->entries = (long long)st.ms_entries;
			u->pages = (long long)(st.ms_branch_pages + st.ms_leaf_pages +
					       st.ms_overflow_pages);
			if (!strcmp(names[i], "obs") || !strcmp(names[i], "idx"))
				dk->n_obs = u->entries;
			if (!strcmp(names[i], "rev") || !strcmp(names[i], "vin"))
				dk->n_rev = u->entries;
		}
		mdb_txn_abort(txn);
	}
	mdb_env_close(env);
}

struct memory_res {
	struct run run;
	struct mem at10, at50, end, max, min;
	double anon_dev, rss_dev; /* worst deviation from the 10% sample, fraction */
	struct disk disk;
	int samples;
};

static double mem_dev(const struct sampler *s, int from, long ref, int which)
{
	double worst = 0;
	for (int i = from; i < s->n; i++) {
		long v = which ? s->s[i].anon_kb : s->s[i].rss_kb;
		double d = fabs((double)v - ref) / (double)ref;
		if (d > worst)
			worst = d;
	}
	return worst;
}

static void bench_memory(long total, struct memory_res *mr)
{
	struct daemon d;
	struct gen g = { .kind = GEN_SWEEP, .plan = HARNESS_BENCH_PLAN, .fmt = "ind%03ld", .unit = "亿元",
			 .n = N_INDS };
	pthread_t th;
	struct sampler *s = xcalloc(1, sizeof(*s));
	daemon_start(&d, "ind%03ld", N_INDS, 0, "");
	s->pid = d.h.pid;
	s->t0 = now_s();
	if (pthread_create(&th, NULL, sample, s) != 0)
		die("pthread_create");
	mr->run.name = "planwatchd 8 feeders, 1M updates";
	run_feeders(&d, &g, 8, BATCH_DEFAULT, 0, total, 0, 0, &mr->run);
	s->stop = 1;
	pthread_join(th, NULL);
	mr->samples = s->n;
	if (s->n > 0) {
		double dur = s->t[s->n - 1];
		int i10 = 0, i50 = 0;
		while (i10 < s->n - 1 && s->t[i10] < 0.1 * dur)
			i10++;
		while (i50 < s->n - 1 && s->t[i50] < 0.5 * dur)
			i50++;
		mr->at10 = s->s[i10];
		mr->at50 = s->s[i50];
		mr->end = s->s[s->n - 1];
		mr->max = mr->min = s->s[i10];
		for (int i = i10; i < s->n; i++) {
			if (s->s[i].rss_kb > mr->max.rss_kb)
				mr->max.rss_kb = s->s[i].rss_kb;
			if (s->s[i].anon_kb > mr->max.anon_kb)
				mr->max.anon_kb = s->s[i].anon_kb;
			if (s->s[i].file_kb > mr->max.file_kb)
				mr->max.file_kb = s->s[i].file_kb;
			if (s->s[i].rss_kb < mr->min.rss_kb)
				mr->min.rss_kb = s->s[i].rss_kb;
			if (s->s[i].anon_kb < mr->min.anon_kb)
				mr->min.anon_kb = s->s[i].anon_kb;
		}
		mr->rss_dev = mem_dev(s, i10, mr->at10.rss_kb, 0);
		mr->anon_dev = mem_dev(s, i10, mr->at10.anon_kb, 1);
	}
	daemon_stop(&d);
	char state[400];
	snprintf(state, sizeof(state), "%s/state", d.h.dir);
	disk_use(state, &mr->disk);
	harness_cleanup(&d.h);
	free(s);
}

/* ---- series count ---- */

struct series_res {
	long series;
	bool daemon; /* through the daemon, else store.c */
	double start_s, preload_rate, rate, group_items;
	struct pcts lat;
	long long file_bytes;
	double bytes_per_series;
	long rss_kb;
};

static void bench_series_daemon(long n, long updates, struct series_res *sr)
{
	struct daemon d;
	struct run r = { .name = "series preload" };
	/* Its own message ids: the scattered run's "f" ids would repeat the preload's, and the
	 * daemon answers a repeated id with the first reply (an idempotent retry). */
	struct gen pre = { .kind = GEN_SCATTER, .plan = HARNESS_BENCH_PLAN, .fmt = "s%07ld", .unit = "亿元",
			   .n = n, .sequential = true, .tag = "p" };
	memset(sr, 0, sizeof(*sr));
	sr->series = n;
	sr->daemon = true;
	daemon_start(&d, "s%07ld", n, 0, "");
	sr->start_s = d.start_s;
	/* One observation per series, then updates scattered over all of them. */
	int batch = 1000;
	pre.per_feeder = n / 8;
	while (pre.per_feeder % batch)
		batch--;
	run_feeders(&d, &pre, 8, batch, 0, pre.per_feeder * 8, 0, 0, &r);
	if (r.err || r.nacked)
		die("series preload of %ld: failed (%ld NACKs)", n, r.nacked);
	sr->preload_rate = r.rate;
	struct gen g = pre;
	g.sequential = false;
	g.j0 = n;
	g.per_feeder = updates / 8;
	g.tag = NULL;
	r = (struct run){ .name = "series" };
	run_feeders(&d, &g, 8, BATCH_DEFAULT, 0, updates, 0, 0, &r);
	if (r.err || r.nacked)
		die("series, %ld: failed (%ld NACKs)", n, r.nacked);
	sr->rate = r.rate;
	sr->lat = r.lat;
	sr->group_items = r.group_items;
	sr->rss_kb = r.mem.rss_kb;
	daemon_stop(&d);
	char path[400];
	snprintf(path, sizeof(path), "%s/state/data.mdb", d.h.dir);
	sr->file_bytes = file_size(path);
	sr->bytes_per_series = (double)sr->file_bytes / n;
	harness_cleanup(&d.h);
}

static void bench_series_store(const char *dir, long n, long updates, double group_items,
			       struct series_res *sr)
{
	struct gen pre = { .kind = GEN_SCATTER, .plan = HARNESS_BENCH_PLAN, .fmt = "s%07ld", .unit = "亿元",
			   .n = n, .sequential = true, .per_feeder = n };
	struct raw_res r;
	memset(sr, 0, sizeof(*sr));
	sr->series = n;
	char path[400];
	snprintf(path, sizeof(path), "%s/storeapi", dir);
	mkdir(path, 0700);
	struct store *s;
	int rc = store_open(&s, path, (uint64_t)1 << 30, 0);
	if (rc < 0)
		die("store_open: %s", pw_strerror(rc));
	struct store_arg a = { .g = &pre, .feeders = 1, .batch = 1000 < n ? 1000 : (int)n,
			       .group_msgs = 10 };
	a.per = n / a.batch;
	double t0 = now_s();
	while (a.m < a.per)
		if ((rc = store_write(s, store_group, &a)) < 0)
			die("store_write: %s", pw_strerror(rc));
	sr->preload_rate = a.items / (now_s() - t0);
	struct gen g = pre;
	g.sequential = false;
	g.j0 = n;
	g.per_feeder = updates;
	a = (struct store_arg){ .g = &g, .feeders = 1, .batch = BATCH_DEFAULT };
	a.per = updates / a.batch;
	a.group_msgs = lround(group_items / a.batch);
	if (a.group_msgs < 1)
		a.group_msgs = 1;
	t0 = now_s();
	r.groups = 0;
	while (a.m < a.per) {
		if ((rc = store_write(s, store_group, &a)) < 0)
			die("store_write: %s", pw_strerror(rc));
		r.groups++;
	}
	sr->rate = a.items / (now_s() - t0);
	sr->group_items = (double)a.items / r.groups;
	store_free(s);
	snprintf(path, sizeof(path), "%s/storeapi/data.mdb", dir);
	sr->file_bytes = file_size(path);
	sr->bytes_per_series = (double)sr->file_bytes / n;
	sr->lat.p50 = sr->lat.p99 = NAN;
	snprintf(path, sizeof(path), "rm -rf '%s/storeapi'", dir);
	if (system(path) != 0)
		fprintf(stderr, "bench: cannot remove the store copy\n");
}

/* ---- InfluxDB 1.x peer (HTTP line protocol) ---- */

struct http {
	int fd;
	char buf[8192];
	size_t len;
};

static int http_open(struct http *h, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1;
	h->len = 0;
	if ((h->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	setsockopt(h->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(h->fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(h->fd);
		return -1;
	}
	return 0;
}

/* POSTs body to path; returns the HTTP status or -1. The response body is discarded. */
static int http_post(struct http *h, const char *path, const char *ctype, const char *body,
		     size_t len)
{
	char head[512];
	int hn = snprintf(head, sizeof(head),
			  "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n"
			  "Content-Length: %zu\r\n\r\n", path, ctype, len);
	if (write(h->fd, head, (size_t)hn) != hn)
		return -1;
	for (size_t off = 0; off < len;) {
		ssize_t k = write(h->fd, body + off, len - off);
		if (k <= 0)
			return -1;
		off += (size_t)k;
	}
	/* Read the head, then Content-Length bytes of body (chunked: until 0\r\n\r\n). */
	char *end;
	h->len = 0;
	for (;;) {
		h->buf[h->len] = '\0';
		if ((end = strstr(h->buf, "\r\n\r\n")))
			break;
		if (h->len >= sizeof(h->buf) - 1)
			return -1;
		ssize_t k = read(h->fd, h->buf + h->len, sizeof(h->buf) - 1 - h->len);
		if (k <= 0)
			return -1;
		h->len += (size_t)k;
	}
	int status = 0;
	if (sscanf(h->buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	size_t head_len = (size_t)(end + 4 - h->buf), want = 0;
	const char *cl = strcasestr(h->buf, "\r\nContent-Length:");
	bool chunked = strcasestr(h->buf, "\r\nTransfer-Encoding: chunked") != NULL;
	if (cl && cl < end)
		want = strtoul(cl + 17, NULL, 10);
	size_t have = h->len - head_len;
	if (chunked) {
		while (!memmem(h->buf + head_len, h->len - head_len, "0\r\n\r\n", 5)) {
			if (h->len >= sizeof(h->buf) - 1)
				h->len = head_len; /* not kept: only the end marker matters */
			ssize_t k = read(h->fd, h->buf + h->len, sizeof(h->buf) - 1 - h->len);
			if (k <= 0)
				return -1;
			h->len += (size_t)k;
		}
		return status;
	}
	while (have < want) {
		char sink[4096];
		ssize_t k = read(h->fd, sink, want - have < sizeof(sink) ? want - have : sizeof(sink));
		if (k <= 0)
			return -1;
		have += (size_t)k;
	}
	return status;
}

struct influx_feeder {
	int port, id, batch;
	long msgs;
	const struct gen *g;
	double t0, t_stop, rate; /* paced: rate messages/s from t0; no sends after t_stop (0: none) */
	struct lat lat;
	long items, errors;
	double t_end;
};

static void *influx_feed(void *arg)
{
	struct influx_feeder *fd = arg;
	struct http h;
	size_t cap = (size_t)fd->batch * 200 + 256;
	char *body = xcalloc(cap, 1);
	if (http_open(&h, fd->port) < 0) {
		fd->errors++;
		free(body);
		return NULL;
	}
	for (long m = 0; m < fd->msgs; m++) {
		size_t n = 0;
		char msgid[40];
		/* Paced, a write is due at its slot and its latency counts from then: a
		 * connection still busy with the previous write makes it late, as a feeder's
		 * window would. */
		double due = fd->rate > 0 ? fd->t0 + m / fd->rate : 0;
		if (fd->t_stop > 0 && (due > 0 ? due : now_s()) >= fd->t_stop)
			break;
		sleep_s(due - now_s());
		snprintf(msgid, sizeof(msgid), "f%d-%ld", fd->id, m);
		for (int i = 0; i < fd->batch; i++) {
			char ind[24];
			struct period p;
			double v;
			int first, last;
			gen_item(fd->g, fd->id, m, fd->batch, i, ind, sizeof(ind), &p, &v);
			period_months(&p, &first, &last);
			struct tm tm = { .tm_year = p.year - 1900, .tm_mon = first - 1, .tm_mday = 1 };
			/* What planwatch keeps of a vintage: value, status, department, message id,
			 * receive time; the series is (plan, indicator), the time the period. */
			n += (size_t)snprintf(body + n, cap - n,
					      "obs,plan=%s,ind=%s value=%.17g,status=\"flash\","
					      "dept=\"" DEPT "\",msgid=\"%s\",recv_ms=%lldi %lld\n",
					      fd->g->plan, ind, v, msgid,
					      (long long)time(NULL) * 1000, (long long)timegm(&tm));
		}
		double t0 = now_s();
		int st = http_post(&h, "/write?db=bench&precision=s", "text/plain", body, n);
		lat_add(&fd->lat, now_s() - (due > 0 && due < t0 ? due : t0));
		if (st == 204) {
			fd->items += fd->batch;
		} else {
			if (!fd->errors)
				fprintf(stderr, "bench: influx write: HTTP %d\n", st);
			fd->errors++;
			if (st < 0) {
				close(h.fd);
				if (http_open(&h, fd->port) < 0)
					break;
			}
		}
	}
	fd->t_end = now_s();
	close(h.fd);
	free(body);
	return NULL;
}

struct peer_res {
	bool ran;
	int conns;
	double rate, secs;
	struct pcts lat;
	long errors;
	long long disk_bytes;
};

static long long du_bytes(const char *dir)
{
	char cmd[600], out[64] = "";
	snprintf(cmd, sizeof(cmd), "du -sb '%s' 2>/dev/null", dir);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(out, sizeof(out), p))
		out[0] = '\0';
	pclose(p);
	return out[0] ? atoll(out) : -1;
}

static int influx_query(int port, const char *q)
{
	struct http h;
	char body[512];
	snprintf(body, sizeof(body), "q=%s", q);
	for (char *p = body; *p; p++)
		if (*p == ' ')
			*p = '+';
	if (http_open(&h, port) < 0)
		return -1;
	int st = http_post(&h, "/query", "application/x-www-form-urlencoded", body, strlen(body));
	close(h.fd);
	return st;
}

/* conns connections, one write of BATCH_DEFAULT in flight each: total items, or for secs
 * (> 0) at rate items/s overall (> 0, paced) or as fast as they go. */
static void bench_influx(int port, const char *data_dir, int conns, long total, double secs,
			 double rate, bool burst, struct peer_res *pr)
{
	if (conns < 1 || conns > MAX_FEEDERS)
		die("influx: %d connections (1..%d)", conns, MAX_FEEDERS);
	struct gen g = { .kind = GEN_SWEEP, .plan = HARNESS_BENCH_PLAN, .fmt = "ind%03ld", .unit = "亿元",
			 .n = N_INDS };
	struct influx_feeder *fd = xcalloc((size_t)conns, sizeof(*fd));
	pthread_t th[MAX_FEEDERS];
	influx_query(port, "DROP DATABASE bench");
	/* One shard for the 20 years of periods: InfluxDB's best case (7-day shards would
	 * make 1,000 of them). */
	if (influx_query(port, "CREATE DATABASE bench WITH SHARD DURATION 1560w") != 200)
		die("influx: cannot create the database on port %d", port);
	double t0 = now_s(), spacing = rate > 0 && !burst ? BATCH_DEFAULT / rate : 0;
	for (int i = 0; i < conns; i++) {
		fd[i] = (struct influx_feeder){ .port = port, .id = i, .batch = BATCH_DEFAULT,
						.msgs = total / BATCH_DEFAULT / conns, .g = &g,
						.t0 = t0 + 0.01 + i * spacing, .t_stop = secs > 0 ? t0 + 0.01 + secs : 0,
						.rate = rate > 0 ? rate / BATCH_DEFAULT / conns : 0 };
		if (pthread_create(&th[i], NULL, influx_feed, &fd[i]) != 0)
			die("pthread_create");
	}
	struct lat all = { 0 };
	long items = 0;
	double t_end = t0;
	pr->errors = 0;
	for (int i = 0; i < conns; i++) {
		pthread_join(th[i], NULL);
		items += fd[i].items;
		pr->errors += fd[i].errors;
		if (fd[i].t_end > t_end)
			t_end = fd[i].t_end;
		lat_merge(&all, &fd[i].lat);
		lat_free(&fd[i].lat);
	}
	pr->ran = true;
	pr->conns = conns;
	pr->secs = t_end - t0;
	pr->rate = items / pr->secs;
	pr->lat = lat_pcts(&all);
	lat_free(&all);
	pr->disk_bytes = data_dir ? du_bytes(data_dir) : -1;
	free(fd);
}

/* ---- the fair comparison: same concurrency, same pacing, interleaved ---- */

/* Pages one release (one period of all N_INDS indicators, one message) costs a commit,
 * after PRELOAD_PERIODS periods were stored: through the daemon (its whole commit: vintages,
 * index, log, alerts, message id) and through store.c alone (vin + idx). Counted from the
 * bytes the process passed to write calls (/proc/PID/io wchar: LMDB pwrites each dirty
 * page whole, once per commit, plus the meta page's changed bytes; the daemon's other
 * write calls are a few eventfd words). Beside it the page-cache bytes dirtied
 * (write_bytes), which this kernel counts per folio (large folios on ext4: an upper bound).
 * store.c's commits are spaced 10 ms apart, the spacing a paced feeder sees, and their
 * latency is the bound under a paced row's ACK: two flushes per commit. The releases are
 * the 60 months 2021-01 .. 2025-12 after a preload up to 2020-12: every one a new period,
 * inside the bench plan's window (judged: a verdict each); PRELOAD + RELEASES <= N_PERIODS,
 * or the last releases would wrap to revisions of 2006. */
#define PRELOAD_PERIODS 180
#define RELEASES 60
_Static_assert(PRELOAD_PERIODS + RELEASES <= N_PERIODS, "releases must be new periods");

struct pages_res {
	double daemon_pages, daemon_dirty_pages, store_pages, store_dirty_pages;
	double daemon_old_pages; /* a revision of an older period: the newest, so the verdicts, unchanged */
	long daemon_groups, store_commits;
	struct pcts store_commit; /* ms per spaced release commit through store.c */
};

/* Pages per commit of n one-message commits of gen g (new message ids: tag). */
static double pages_per_commit(struct daemon *d, struct gen *g, const char *tag, long j0,
			       long n_msgs, double *dirty, long *groups)
{
	struct run r = { .name = tag };
	g->j0 = j0;
	g->tag = tag; /* not the preload's ids, or the daemon would answer them as retries */
	struct dstat s0 = daemon_status(d);
	struct pio a = proc_io(d->h.pid);
	run_feeders(d, g, 1, N_INDS, 1, n_msgs * N_INDS, 0, 0, &r);
	struct pio b = proc_io(d->h.pid);
	struct dstat s1 = daemon_status(d);
	*groups = (long)(s1.groups - s0.groups);
	double n = *groups > 0 ? (double)*groups : NAN;
	*dirty = a.write_bytes < 0 ? NAN : (b.write_bytes - a.write_bytes) / 4096.0 / n;
	return a.wchar < 0 ? NAN : (b.wchar - a.wchar) / 4096.0 / n;
}

static void pages_daemon(struct pages_res *pr)
{
	struct gen g = { .kind = GEN_SWEEP, .plan = HARNESS_BENCH_PLAN, .fmt = "ind%03ld", .unit = "亿元",
			 .n = N_INDS };
	struct daemon d;
	struct run r = { .name = "preload" };
	double dirty;
	long groups;
	daemon_start(&d, "ind%03ld", N_INDS, 0, "");
	run_feeders(&d, &g, 1, N_INDS, 64, (long)PRELOAD_PERIODS * N_INDS, 0, 0, &r);
	/* The store's state after commits of one message each (what the measured ones are), not
	 * after the preload's large groups: 540 revisions of 2006-01 .. 2020-12, one message a
	 * commit, before measuring. The idx entries the hot index holds back are written some
	 * commits later; after the warm-up as many are written per commit as arrive. */
	static const char *const warm[] = { "w0", "w1", "w2" };
	for (int w = 0; w < 3; w++) { /* 3 passes over the preloaded periods, new values each */
		g.bias = 0.25 * (w + 1);
		pages_per_commit(&d, &g, warm[w], 0, PRELOAD_PERIODS, &dirty, &groups);
	}
	g.bias = 0;
	pr->daemon_pages = pages_per_commit(&d, &g, "r", (long)PRELOAD_PERIODS * N_INDS,
					    RELEASES, &pr->daemon_dirty_pages, &pr->daemon_groups);
	/* Revisions of periods 100.. while the newest is PRELOAD_PERIODS + RELEASES - 1. */
	pr->daemon_old_pages = pages_per_commit(&d, &g, "o", 100L * N_INDS, RELEASES, &dirty,
						&groups);
	daemon_cleanup(&d);
}

static void pages_store(const char *dir, struct pages_res *pr)
{
	struct gen g = { .kind = GEN_SWEEP, .plan = HARNESS_BENCH_PLAN, .fmt = "ind%03ld", .unit = "亿元",
			 .n = N_INDS };
	char path[400];
	struct store *s;
	struct lat cl = { 0 };
	struct store_arg a = { .g = &g, .feeders = 1, .batch = N_INDS, .group_msgs = 20,
			       .per = PRELOAD_PERIODS };
	snprintf(path, sizeof(path), "%s/pages", dir);
	mkdir(path, 0700);
	int rc = store_open(&s, path, (uint64_t)1 << 30, 0);
	if (rc < 0)
		die("store_open: %s", pw_strerror(rc));
	while (a.m < a.per)
		if ((rc = store_write(s, store_group, &a)) < 0)
			die("store_write: %s", pw_strerror(rc));
	a.group_msgs = 1;
	a.per = PRELOAD_PERIODS + RELEASES;
	struct pio io0 = proc_io(getpid());
	double start = now_s();
	for (long i = 0; a.m < a.per; i++) {
		sleep_s(start + (double)i * 0.01 - now_s());
		double t0 = now_s();
		if ((rc = store_write(s, store_group, &a)) < 0)
			die("store_write: %s", pw_strerror(rc));
		lat_add(&cl, now_s() - t0);
	}
	struct pio io1 = proc_io(getpid());
	pr->store_commits = RELEASES;
	pr->store_pages = io0.wchar < 0 ? NAN : (io1.wchar - io0.wchar) / 4096.0 / RELEASES;
	pr->store_dirty_pages = io0.write_bytes < 0 ? NAN :
				(io1.write_bytes - io0.write_bytes) / 4096.0 / RELEASES;
	pr->store_commit = lat_pcts(&cl);
	lat_free(&cl);
	store_free(s);
	snprintf(path, sizeof(path), "rm -rf '%s/pages'", dir);
	if (system(path) != 0)
		fprintf(stderr, "bench: cannot remove %s/pages\n", dir);
}

static void print_pages(const struct pages_res *p)
{
	printf("%-40s %11.1f   (page cache dirtied, per folio: %.1f; %ld commits)\n",
	       "pages written per release commit, daemon", p->daemon_pages, p->daemon_dirty_pages,
	       p->daemon_groups);
	printf("%-40s %11.1f\n", "pages per commit, revising an old period", p->daemon_old_pages);
	printf("%-40s %11.1f   (page cache dirtied, per folio: %.1f)\n",
	       "pages written per release, store.c", p->store_pages, p->store_dirty_pages);
	printf("%-40s %11s %8.2f %8.2f %8.2f\n", "store.c release commit, every 10 ms", "-",
	       p->store_commit.p50, p->store_commit.p99, p->store_commit.max);
	fflush(stdout);
}

/* --max-pages: both daemon figures (a release, a revision of an old period) at most max;
 * a count from write calls, exact for a given build, so make test can hold it. */
static bool pages_within(const struct pages_res *p, double max)
{
	bool ok = p->daemon_pages <= max && p->daemon_old_pages <= max;
	printf("pages check: %.1f and %.1f pages per commit, limit %.1f: %s\n", p->daemon_pages,
	       p->daemon_old_pages, max, ok ? "ok" : "FAIL");
	return ok;
}

static void js_pages(struct js *j, const char *k, const struct pages_res *p)
{
	js_open(j, k, '{');
	js_num(j, "daemon_per_release_commit", p->daemon_pages);
	js_num(j, "daemon_dirtied_folio_pages_per_commit", p->daemon_dirty_pages);
	js_int(j, "daemon_commits", p->daemon_groups);
	js_num(j, "daemon_per_old_period_revision_commit", p->daemon_old_pages);
	js_num(j, "store_per_release_commit", p->store_pages);
	js_num(j, "store_dirtied_folio_pages_per_commit", p->store_dirty_pages);
	js_pcts(j, "store_release_commit_spaced_10ms", &p->store_commit);
	js_close(j, '}');
}

/* One load both systems get: feeders x window messages of BATCH_DEFAULT in flight
 * (InfluxDB: feeders x window connections, one write in flight each: HTTP/1.1 has no
 * concurrent requests on one connection), or paced at rate items/s. */
struct fair_load {
	const char *name;
	int feeders, window;
	double rate, secs;
	bool burst;    /* paced: the 8 feeders' messages due at the same instants */
	double target; /* in flight: the issue's planwatchd / InfluxDB target (0: none) */
};

/* Paced rows: messages evenly spaced at the rate (one every 100, 10, 2 ms), each feeder
 * taking every 8th slot; the burst row sends 8 at once every 80 ms, so its last ACK is
 * bounded by the CPU of 800 updates, not by the flushes. */
static const struct fair_load fair_loads[] = {
	{ "8 x 1 in flight", 8, 1, 0, 3, false, 3 },
	{ "8 x 4 in flight", 8, 4, 0, 3, false, 0 },
	{ "8 x 64 in flight", 8, 64, 0, 3, false, 3.5 },
	{ "paced 1k/s", 8, 64, 1000, 10, false, 0 },
	{ "paced 10k/s", 8, 64, 10000, 4, false, 0 },
	{ "paced 50k/s", 8, 64, 50000, 3, false, 0 },
	{ "10k/s, 8 at once", 8, 64, 10000, 4, true, 0 },
};
#define N_FAIR (sizeof(fair_loads) / sizeof(fair_loads[0]))

/* --loads: the fair rows to run (bit i: fair_loads[i]) and whether the pages figures run;
 * for quick A/B runs of one row. */
static unsigned fair_mask = (1u << N_FAIR) - 1;
static bool fair_pages = true;

static bool fair_on(size_t i)
{
	return fair_mask & (1u << i);
}

/* LIST: comma-separated parts of load names ("1k", "8 x 1 ", "x 64") or "pages". */
static void parse_loads(const char *list)
{
	char buf[256], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", list);
	fair_mask = 0;
	fair_pages = false;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool hit = !strcmp(t, "pages");
		fair_pages |= hit;
		for (size_t i = 0; i < N_FAIR; i++)
			if (strstr(fair_loads[i].name, t)) {
				fair_mask |= 1u << i;
				hit = true;
			}
		if (!hit)
			die("--loads: no fair load matches '%s'", t);
	}
}

struct fair_round {
	struct run pw[N_FAIR], pwb[N_FAIR]; /* --daemon, --daemon-b */
	struct peer_res ix[N_FAIR];
	struct fsync_res spaced; /* one fdatasync every 10 ms */
	struct pages_res pages, pagesb;
};

/* One fair row of planwatchd build `daemon` (PLANWATCHD for harness_start). */
/* Writes back what the previous run left (its removed store included) before the next
 * one measures: each starts on a quiet disk. */
static void settle(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		syncfs(fd);
		close(fd);
	}
	sleep_s(0.2);
}

static void fair_row(const char *daemon, const char *label, const struct fair_load *l,
		     struct run *r, const char *dir)
{
	struct gen sweep = { .kind = GEN_SWEEP, .plan = HARNESS_BENCH_PLAN, .fmt = "ind%03ld", .unit = "亿元",
			     .n = N_INDS };
	struct daemon d;
	char name[64];
	setenv("PLANWATCHD", daemon, 1);
	daemon_start(&d, "ind%03ld", N_INDS, 0, "");
	long total = (long)(l->rate > 0 ? l->rate * l->secs : l->secs * 1e6);
	r->burst = l->burst;
	run_feeders(&d, &sweep, l->feeders, BATCH_DEFAULT, l->window, total, l->rate, l->secs, r);
	snprintf(name, sizeof(name), "%s, %s", label, l->name);
	r->name = name;
	print_run(r);
	r->name = l->name;
	daemon_cleanup(&d);
	settle(dir);
}

static void fair_round(const char *dir, int influx_port, int round, struct fair_round *fr)
{
	char name[64];
	bench_fsync(dir, 300, 0.01, &fr->spaced);
	printf("%-40s %11s %8.3f %8.3f %8.3f\n", "fdatasync, one every 10 ms", "-",
	       fr->spaced.p.p50, fr->spaced.p.p99, fr->spaced.p.max);
	for (size_t i = 0; i < N_FAIR; i++) {
		const struct fair_load *l = &fair_loads[i];
		if (!fair_on(i))
			continue;
		/* A and B take turns going first: the one after another's cleanup shares the
		 * disk with the removal of its files. */
		bool b_first = daemon_b && round % 2;
		if (b_first)
			fair_row(daemon_b, "planwatchd B", l, &fr->pwb[i], dir);
		fair_row(daemon_a, daemon_b ? "planwatchd A" : "planwatchd", l, &fr->pw[i], dir);
		if (daemon_b && !b_first)
			fair_row(daemon_b, "planwatchd B", l, &fr->pwb[i], dir);
		if (!influx_port)
			continue;
		int conns = l->rate > 0 ? l->feeders : l->feeders * l->window;
		if (conns > MAX_FEEDERS)
			conns = MAX_FEEDERS; /* 8 x 64: InfluxDB near its peak, 64 connections */
		bench_influx(influx_port, NULL, conns, 1L << 40, l->secs, l->rate, l->burst,
			     &fr->ix[i]);
		settle(dir);
		snprintf(name, sizeof(name), "InfluxDB, %s", l->name);
		printf("%-40s %11.0f %8.2f %8.2f %8.2f   (%d connections%s)\n", name, fr->ix[i].rate,
		       fr->ix[i].lat.p50, fr->ix[i].lat.p99, fr->ix[i].lat.max, conns,
		       fr->ix[i].errors ? ", ERRORS" : "");
	}
	setenv("PLANWATCHD", daemon_a, 1);
	if (!fair_pages)
		return;
	pages_daemon(&fr->pages);
	pages_store(dir, &fr->pages);
	print_pages(&fr->pages);
	if (daemon_b) {
		setenv("PLANWATCHD", daemon_b, 1);
		pages_daemon(&fr->pagesb);
		fr->pagesb.store_pages = fr->pagesb.store_dirty_pages = NAN; /* store.c: this bench's */
		printf("%-40s %11.1f   (revising an old period: %.1f)\n", "B: pages per release commit",
		       fr->pagesb.daemon_pages, fr->pagesb.daemon_old_pages);
		setenv("PLANWATCHD", daemon_a, 1);
	}
}

static double dmin(double a, double b)
{
	return isnan(a) ? b : a < b ? a : b;
}

static double dmax(double a, double b)
{
	return isnan(a) ? b : a > b ? a : b;
}

/* What bounds row i, from each round's own figures (min-max over rounds). Paced: an ACK
 * costs at least the loop's CPU for the messages due at once (its user and system time
 * per update, from the ns counters, x 100 x 1 or 8) and a durable commit (a store.c
 * release commit: data fdatasync + O_DSYNC meta write), each printed against the spaced
 * fdatasync p99; the target (2x) needs their sum below 2 (the commit's own CPU is in
 * both, so the sum overstates a little). In flight: the rate is updates in flight / ACK
 * time (Little's law), and of the p50 ACK this much is the loop's CPU for one group. */
static void fair_bound(struct js *j, const struct fair_round *fr, int rounds, bool b, size_t i)
{
	const struct fair_load *l = &fair_loads[i];
	double clo = NAN, chi = NAN, flo = NAN, fhi = NAN, llo = NAN, lhi = NAN;
	for (int r = 0; r < rounds; r++) {
		const struct run *a = b ? &fr[r].pwb[i] : &fr[r].pw[i];
		double spaced = fr[r].spaced.p.p99;
		if (l->rate > 0) {
			double cpu = a->loop_us_per_item * BATCH_DEFAULT * (l->burst ? l->feeders : 1) / 1e3;
			clo = dmin(clo, cpu / spaced);
			chi = dmax(chi, cpu / spaced);
			if (fair_pages) {
				flo = dmin(flo, fr[r].pages.store_commit.p99 / spaced);
				fhi = dmax(fhi, fr[r].pages.store_commit.p99 / spaced);
			}
		} else {
			double cpu = a->loop_us_per_item * a->group_items / 1e3;
			double little = l->feeders * l->window * BATCH_DEFAULT / (a->lat.p50 / 1e3);
			clo = dmin(clo, cpu / a->lat.p50);
			chi = dmax(chi, cpu / a->lat.p50);
			llo = dmin(llo, little);
			lhi = dmax(lhi, little);
		}
	}
	if (l->rate > 0) {
		printf("  %-18s bound: loop CPU for the %s %5.2f-%5.2fx, a durable commit "
		       "%5.2f-%5.2fx spaced fdatasync p99\n", "", l->burst ? "8 messages due at once" :
		       "message", clo, chi, flo, fhi);
		js_num(j, "bound_loop_cpu_over_spaced_fdatasync_p99_min", clo);
		js_num(j, "bound_loop_cpu_over_spaced_fdatasync_p99_max", chi);
		js_num(j, "bound_commit_p99_over_spaced_fdatasync_p99_min", flo);
		js_num(j, "bound_commit_p99_over_spaced_fdatasync_p99_max", fhi);
	} else {
		printf("  %-18s bound: in flight / p50 ACK = %.0f-%.0f/s; the loop's CPU per group is "
		       "%.0f-%.0f%% of the p50 ACK\n", "", llo, lhi, clo * 100, chi * 100);
		js_num(j, "bound_little_updates_per_s_min", llo);
		js_num(j, "bound_little_updates_per_s_max", lhi);
		js_num(j, "bound_loop_cpu_per_group_over_p50_ack_min", clo);
		js_num(j, "bound_loop_cpu_per_group_over_p50_ack_max", chi);
	}
}

/* The in-flight rows' second bound: the single writer loop at 100% of a CPU could not pass
 * 1 / (its CPU per update), whatever it waited for; against the same round's InfluxDB rate
 * that is the ratio reachable at this CPU cost, and the target's ratio needs at most
 * 1 / (target x InfluxDB rate) of loop CPU per update. */
static void fair_cpu_bound(struct js *j, const struct fair_round *fr, int rounds, bool b, size_t i)
{
	const struct fair_load *l = &fair_loads[i];
	double rlo = NAN, rhi = NAN, qlo = NAN, qhi = NAN, nlo = NAN, nhi = NAN;
	for (int r = 0; r < rounds; r++) {
		const struct run *a = b ? &fr[r].pwb[i] : &fr[r].pw[i];
		double ix = fr[r].ix[i].rate, ceiling = 1e6 / a->loop_us_per_item;
		if (!(ix > 0) || !(a->loop_us_per_item > 0))
			continue;
		rlo = dmin(rlo, ceiling);
		rhi = dmax(rhi, ceiling);
		qlo = dmin(qlo, ceiling / ix);
		qhi = dmax(qhi, ceiling / ix);
		if (l->target > 0) {
			nlo = dmin(nlo, 1e6 / (l->target * ix));
			nhi = dmax(nhi, 1e6 / (l->target * ix));
		}
	}
	if (isnan(rlo))
		return;
	printf("  %-18s bound: one CPU / the loop's CPU per update = %.0f-%.0f/s = %.2f-%.2fx "
	       "InfluxDB", "", rlo, rhi, qlo, qhi);
	if (l->target > 0)
		printf(" (%.1fx needs <= %.2f-%.2f us per update)", l->target, nlo, nhi);
	printf("\n");
	js_num(j, "bound_loop_cpu_updates_per_s_min", rlo);
	js_num(j, "bound_loop_cpu_updates_per_s_max", rhi);
	js_num(j, "bound_loop_cpu_over_influxdb_min", qlo);
	js_num(j, "bound_loop_cpu_over_influxdb_max", qhi);
	if (l->target > 0) {
		js_num(j, "target_loop_cpu_us_per_update_min", nlo);
		js_num(j, "target_loop_cpu_us_per_update_max", nhi);
	}
}

/* What bounds the daemon against the prototype loop at a deep pipeline, from the same
 * run's figures. Its groups are large (18,000 updates), so a commit's flushes are a small
 * share and the single writer loop is CPU-bound: it cannot pass 1 / (its CPU per update),
 * and matching the prototype needs at most 1 / (the prototype's rate) of loop CPU per
 * update. The second line is the machine: at the prototype's rate, the daemon's threads
 * and the feeders at their CPU per update would need that many CPUs. */
static void prototype_bound(struct js *j, const struct run *d, const struct run *p)
{
	if (!(d->loop_us_per_item > 0) || !(p->rate > 0))
		return;
	double ceiling = 1e6 / d->loop_us_per_item, need = 1e6 / p->rate;
	double cpus = (d->us_per_item * p->rate + d->client_cpu / d->rate * p->rate * 1e6) / 1e6;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	printf("    bound: one CPU / the loop's CPU per update = %.0f/s = %.2fx the "
	       "prototype (>= 1x needs <= %.2f us per update; the loop's %.2f, the prototype's "
	       "%.2f)\n", ceiling, ceiling / p->rate, need, d->loop_us_per_item,
	       p->loop_us_per_item);
	printf("    bound: at the prototype's rate the daemon (%.2f us per update, all "
	       "threads) and its feeders would need %.2f CPUs of %ld\n", d->us_per_item, cpus,
	       online);
	js_num(j, "prototype_bound_loop_cpu_updates_per_s", ceiling);
	js_num(j, "prototype_bound_loop_cpu_over_prototype", ceiling / p->rate);
	js_num(j, "prototype_target_loop_cpu_us_per_update", need);
	js_num(j, "prototype_loop_cpu_us_per_update", p->loop_us_per_item);
	js_num(j, "prototype_bound_cpus_needed", cpus);
	js_int(j, "cpus_online", online);
}

/* Ratios per round, reported as min-max over the rounds (each ratio within one round); b:
 * of the --daemon-b build. */
static void fair_report(struct js *j, const struct fair_round *fr, int rounds, bool peer, bool b)
{
	printf("\nfair comparison%s, %d rounds (each ratio within one round; min-max over rounds)\n",
	       b ? " of build B" : daemon_b ? " of build A" : "", rounds);
	js_open(j, b ? "fair_summary_b" : "fair_summary", '{');
	for (size_t i = 0; i < N_FAIR; i++) {
		if (!fair_on(i))
			continue;
		double lo = NAN, hi = NAN, p99lo = NAN, p99hi = NAN, flo = NAN, fhi = NAN, ilo = NAN,
		       ihi = NAN;
		for (int r = 0; r < rounds; r++) {
			const struct run *a = b ? &fr[r].pwb[i] : &fr[r].pw[i];
			const struct peer_res *ix = &fr[r].ix[i];
			double x = fair_loads[i].rate > 0 ? ix->lat.p99 / a->lat.p99 : a->rate / ix->rate;
			double y = a->lat.p99 / fr[r].spaced.p.p99;
			if (peer) {
				lo = dmin(lo, x);
				hi = dmax(hi, x);
				ilo = dmin(ilo, ix->lat.p99);
				ihi = dmax(ihi, ix->lat.p99);
			}
			p99lo = dmin(p99lo, a->lat.p99);
			p99hi = dmax(p99hi, a->lat.p99);
			flo = dmin(flo, y);
			fhi = dmax(fhi, y);
		}
		js_open(j, fair_loads[i].name, '{');
		if (fair_loads[i].rate > 0) {
			printf("  %-18s p99 ACK %6.2f-%6.2f ms = %5.2f-%5.2fx spaced fdatasync p99 "
			       "(target <= 2)", fair_loads[i].name, p99lo, p99hi, flo, fhi);
			if (peer)
				printf("; InfluxDB p99 %.2f-%.2f ms, InfluxDB/planwatchd %.2f-%.2f "
				       "(target > 1)", ilo, ihi, lo, hi);
			printf("\n");
			js_num(j, "p99_ack_over_spaced_fdatasync_min", flo);
			js_num(j, "p99_ack_over_spaced_fdatasync_max", fhi);
			if (peer) {
				js_num(j, "influx_p99_over_planwatchd_p99_min", lo);
				js_num(j, "influx_p99_over_planwatchd_p99_max", hi);
			}
		} else if (peer) {
			printf("  %-18s planwatchd / InfluxDB updates/s %5.2f-%5.2f\n",
			       fair_loads[i].name, lo, hi);
			js_num(j, "planwatchd_over_influxdb_min", lo);
			js_num(j, "planwatchd_over_influxdb_max", hi);
		}
		fair_bound(j, fr, rounds, b, i);
		if (peer && fair_loads[i].rate <= 0)
			fair_cpu_bound(j, fr, rounds, b, i);
		js_close(j, '}');
	}
	double plo = NAN, phi = NAN, slo = NAN, shi = NAN, blo = NAN, bhi = NAN;
	for (int r = 0; r < rounds && fair_pages; r++) {
		const struct pages_res *pg = b ? &fr[r].pagesb : &fr[r].pages;
		plo = dmin(plo, pg->daemon_pages);
		phi = dmax(phi, pg->daemon_pages);
		slo = dmin(slo, fr[r].pages.store_pages);
		shi = dmax(shi, fr[r].pages.store_pages);
		double q = fr[r].pages.store_commit.p99 / fr[r].spaced.p.p99;
		blo = dmin(blo, q);
		bhi = dmax(bhi, q);
	}
	if (fair_pages) {
		printf("  pages per one-release commit: daemon %.1f-%.1f (target <= 30), store.c "
		       "alone %.1f-%.1f\n", plo, phi, slo, shi);
		printf("  bound: a store.c release commit every 10 ms, p99 = %.2f-%.2fx spaced "
		       "fdatasync p99 (LMDB: data fdatasync + O_DSYNC meta write)\n", blo, bhi);
	}
	js_num(j, "pages_per_release_commit_daemon_min", plo);
	js_num(j, "pages_per_release_commit_daemon_max", phi);
	js_num(j, "pages_per_release_commit_store_min", slo);
	js_num(j, "pages_per_release_commit_store_max", shi);
	js_num(j, "store_release_commit_p99_over_spaced_fdatasync_min", blo);
	js_num(j, "store_release_commit_p99_over_spaced_fdatasync_max", bhi);
	js_close(j, '}');
}

/* Build B against build A, row by row within each round. */
static void fair_ab(struct js *j, const struct fair_round *fr, int rounds)
{
	printf("\nA/B (A %s, B %s), each ratio within one round; min-max over rounds\n", daemon_a,
	       daemon_b);
	js_open(j, "fair_ab", '{');
	for (size_t i = 0; i < N_FAIR; i++) {
		if (!fair_on(i))
			continue;
		double lo = NAN, hi = NAN, clo = NAN, chi = NAN;
		bool paced = fair_loads[i].rate > 0;
		for (int r = 0; r < rounds; r++) {
			const struct run *a = &fr[r].pw[i], *b = &fr[r].pwb[i];
			double x = paced ? a->lat.p99 / b->lat.p99 : b->rate / a->rate;
			double y = a->loop_us_per_item / b->loop_us_per_item;
			lo = dmin(lo, x);
			hi = dmax(hi, x);
			clo = dmin(clo, y);
			chi = dmax(chi, y);
		}
		/* The loop's CPU per update (ns counters) moves less than wall-clock figures on a
		 * shared machine. */
		printf("  %-18s %s %5.2f-%5.2f; loop CPU per update A / B %5.2f-%5.2f\n",
		       fair_loads[i].name, paced ? "p99 ACK A / B  " : "updates/s B / A", lo, hi,
		       clo, chi);
		js_open(j, fair_loads[i].name, '{');
		js_num(j, paced ? "p99_ack_a_over_b_min" : "rate_b_over_a_min", lo);
		js_num(j, paced ? "p99_ack_a_over_b_max" : "rate_b_over_a_max", hi);
		js_num(j, "loop_cpu_per_update_a_over_b_min", clo);
		js_num(j, "loop_cpu_per_update_a_over_b_max", chi);
		js_close(j, '}');
	}
	double lo = NAN, hi = NAN;
	for (int r = 0; r < rounds; r++) {
		double x = fr[r].pagesb.daemon_pages / fr[r].pages.daemon_pages;
		lo = dmin(lo, x);
		hi = dmax(hi, x);
	}
	printf("  pages per release commit B / A %5.2f-%5.2f\n", lo, hi);
	js_num(j, "pages_per_release_commit_b_over_a_min", lo);
	js_num(j, "pages_per_release_commit_b_over_a_max", hi);
	js_close(j, '}');
}

static void js_fair_round(struct js *j, const struct fair_round *fr, bool peer)
{
	js_open(j, NULL, '{');
	js_pcts(j, "fdatasync_spaced_10ms", &fr->spaced.p);
	js_open(j, "loads", '[');
	for (size_t i = 0; i < N_FAIR; i++) {
		if (!fair_on(i))
			continue;
		js_open(j, NULL, '{');
		js_str(j, "load", fair_loads[i].name);
		js_run(j, "planwatchd", &fr->pw[i]);
		if (daemon_b)
			js_run(j, "planwatchd_b", &fr->pwb[i]);
		if (peer) {
			js_open(j, "influxdb", '{');
			js_int(j, "connections", fr->ix[i].conns);
			js_num(j, "updates_per_s", fr->ix[i].rate);
			js_pcts(j, "write_latency", &fr->ix[i].lat);
			js_int(j, "errors", fr->ix[i].errors);
			js_close(j, '}');
		}
		js_close(j, '}');
	}
	js_close(j, ']');
	js_pages(j, "pages", &fr->pages);
	if (daemon_b)
		js_pages(j, "pages_b", &fr->pagesb);
	js_close(j, '}');
}

/* ---- main ---- */

enum {
	S_FSYNC = 1 << 0, S_INGEST = 1 << 1, S_RAW = 1 << 2, S_LATENCY = 1 << 3,
	S_FANOUT = 1 << 4, S_MEMORY = 1 << 5, S_SCALING = 1 << 6, S_SERIES = 1 << 7,
	S_PEER = 1 << 8, S_FAIR = 1 << 9, S_PAGES = 1 << 10,
};

static const struct {
	const char *name;
	int bit;
} sections[] = {
	{ "fsync", S_FSYNC },	  { "ingest", S_INGEST },   { "raw", S_RAW },
	{ "latency", S_LATENCY }, { "fanout", S_FANOUT },   { "memory", S_MEMORY },
	{ "scaling", S_SCALING }, { "series", S_SERIES },   { "peer", S_PEER },
	{ "fair", S_FAIR },	  { "pages", S_PAGES },
};

static int parse_sections(const char *s)
{
	int bits = 0;
	char *copy = strdup(s), *save, *tok;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
			if (!strcmp(tok, sections[i].name))
				break;
		if (i == sizeof(sections) / sizeof(sections[0]))
			die("unknown section '%s'", tok);
		bits |= sections[i].bit;
	}
	free(copy);
	return bits;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench [--daemon PATH] [--full] [--only SECTIONS] [--updates N]\n"
		   "             [--influx PORT [--influx-dir DIR]] [--out FILE]\n"
		   "             [--daemon-config 'YAML LINES'] [--rounds N] [--daemon-b PATH]\n"
		   "             [--loads LIST]\n"
		   "Measures fdatasync, the raw LMDB limit and planwatchd (ingest, ACK latency,\n"
		   "fan-out; with --full also memory, scaling, series count and the InfluxDB peer);\n"
		   "prints a table and writes JSON to bench/results/.\n"
		   "raw also runs the prototype loop (a minimal ROUTER -> decode -> LMDB -> ACK\n"
		   "server, no validation, log or rules) under the 8 feeders of ingest.\n"
		   "SECTIONS: comma-separated of fsync ingest raw latency fanout memory scaling\n"
		   "series peer fair pages (default quick: fsync,ingest,raw,latency,fanout,fair;\n"
		   "pages: only the pages-per-release figures of fair, for A/B runs).\n"
		   "fair: planwatchd and InfluxDB (--influx) at equal concurrency and paced,\n"
		   "interleaved A B A B over --rounds N (default 3), with fdatasync spaced 10 ms\n"
		   "and the pages one release costs a commit; --daemon-b PATH runs a second build\n"
		   "beside --daemon in every row (A/B ratios per round); --loads runs only the\n"
		   "rows whose names contain one of LIST's parts (e.g. '1k,10k,8 x 1 ', 'pages').\n"
		   "--max-pages N: with section pages, exit 1 if the daemon writes more than N\n"
		   "pages per release commit or per revising commit (make test's check-pages).\n");
}

static const char *verdict(bool ok)
{
	return ok ? "met" : "NOT met";
}

int main(int argc, char **argv)
{
	long total = 200000, mem_total = 1000000;
	const char *daemon = "build/planwatchd", *out = NULL, *influx_dir = NULL;
	int which = S_FSYNC | S_INGEST | S_RAW | S_LATENCY | S_FANOUT | S_FAIR, influx_port = 0, c;
	int rounds = 3;
	bool full = false, pages_over = false;
	double max_pages = 0; /* --max-pages: a check, not a figure */
	static const struct option opts[] = {
		{ "daemon", required_argument, NULL, 'd' }, { "updates", required_argument, NULL, 'n' },
		{ "full", no_argument, NULL, 'F' },	    { "only", required_argument, NULL, 'o' },
		{ "influx", required_argument, NULL, 'i' }, { "influx-dir", required_argument, NULL, 'D' },
		{ "out", required_argument, NULL, 'O' },    { "help", no_argument, NULL, 'h' },
		{ "daemon-config", required_argument, NULL, 'C' },
		{ "rounds", required_argument, NULL, 'R' },
		{ "daemon-b", required_argument, NULL, 'B' },
		{ "loads", required_argument, NULL, 'L' },
		{ "max-pages", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	bool only = false;
	while ((c = getopt_long(argc, argv, "d:n:Fo:i:D:O:C:R:B:L:P:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': daemon = optarg; break;
		case 'n': total = atol(optarg); break;
		case 'F': full = true; break;
		case 'o': which = parse_sections(optarg), only = true; break;
		case 'i': influx_port = atoi(optarg); break;
		case 'D': influx_dir = optarg; break;
		case 'O': out = optarg; break;
		case 'C': daemon_extra = optarg; break;
		case 'R': rounds = atoi(optarg); break;
		case 'B': daemon_b = optarg; break;
		case 'L': parse_loads(optarg); break;
		case 'P': max_pages = atof(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (full && !only)
		which = ~0;
	if (!influx_port)
		which &= ~S_PEER;
	setenv("PLANWATCHD", daemon, 1);
	daemon_a = daemon;
	signal(SIGPIPE, SIG_IGN);

	struct js j = { 0 };
	struct utsname un;
	char tmpdir[300];
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/pwbench.XXXXXX", tmp);
	if (!mkdtemp(tmpdir))
		die("cannot make %s", tmpdir);
	uname(&un);
	double busy0, total0;
	machine_cpu(&busy0, &total0);
	double self_cpu0 = self_cpu() + rusage_cpu(RUSAGE_CHILDREN), wall0 = now_s();
	js_open(&j, NULL, '{');
	js_str(&j, "bench", full ? "full" : "quick");
	js_int(&j, "time", (long long)time(NULL));
	js_str(&j, "kernel", un.release);
	js_int(&j, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
	js_str(&j, "daemon", daemon);
	js_str(&j, "daemon_config", daemon_extra);
	js_int(&j, "updates_per_run", total);

	printf("planwatch bench (%s): %ld updates per ingest run, batches of %d, window %d "
	       "messages per feeder\n", full ? "full" : "quick", total, BATCH_DEFAULT,
	       window_for(BATCH_DEFAULT));
	print_header();

	struct gen sweep = { .kind = GEN_SWEEP, .plan = HARNESS_BENCH_PLAN, .fmt = "ind%03ld", .unit = "亿元",
			     .n = N_INDS };
	struct fsync_res fs = { .p = { .p99 = NAN, .p50 = NAN } };
	struct run r1 = { .name = "planwatchd, 1 feeder" }, r8 = { .name = "planwatchd, 8 feeders" };
	struct run rl = { .name = "planwatchd, 8 feeders at 50% of peak" };
	struct run r0 = { .name = "planwatchd, 1 message in flight" };
	struct run rp = { .name = "prototype loop (ROUTER -> decode -> LMDB -> ACK), 8 feeders" };
	struct raw_res rawl = { .rate = NAN };
	struct raw_res raw = { .rate = NAN }, sapi = { .rate = NAN }, rawlog = { .rate = NAN };
	struct raw_res rawrev = { .rate = NAN };
	struct fan_res fan = { .subs = 0 };
	struct peer_res peer = { .ran = false };
	struct memory_res mem;
	bool have_mem = false;

	if (which & S_FSYNC) {
		bench_fsync(tmpdir, 2000, 0, &fs);
		printf("%-40s %11s %8.3f %8.3f %8.3f\n", "fdatasync (4 KiB)", "-", fs.p.p50, fs.p.p99,
		       fs.p.max);
		js_pcts(&j, "fdatasync", &fs.p);
	}
	if (which & (S_INGEST | S_RAW | S_LATENCY)) {
		/* Each on a fresh store, so the raw writer can replay exactly what the daemon
		 * wrote: 24,000 new observations, then revisions of them. */
		struct daemon d;
		daemon_start(&d, "ind%03ld", N_INDS, 0, "");
		run_feeders(&d, &sweep, 1, BATCH_DEFAULT, 0, total, 0, 0, &r1);
		print_run(&r1);
		daemon_cleanup(&d);
		daemon_start(&d, "ind%03ld", N_INDS, 0, "");
		run_feeders(&d, &sweep, 8, BATCH_DEFAULT, 0, total, 0, 0, &r8);
		print_run(&r8);
		daemon_cleanup(&d);
		js_open(&j, "ingest", '{');
		js_run(&j, "feeders1", &r1);
		js_run(&j, "feeders8", &r8);
		js_close(&j, '}');
	}
	if (which & S_RAW) {
		/* Same items, same interleaving, same group size as the daemon's 8-feeder run,
		 * on a fresh environment as the daemon's was. */
		double g = isfinite(r8.group_items) ? r8.group_items : 800;
		bench_raw(tmpdir, &sweep, 8, BATCH_DEFAULT, total, g, RAW_VIN, &raw);
		printf("%-40s %11.0f %8s %8s %8s %7.0f\n", "raw LMDB limit (vin+idx, same groups)",
		       raw.rate, "-", "-", "-", raw.group_items);
		bench_raw(tmpdir, &sweep, 8, BATCH_DEFAULT, total, g, RAW_VIN | RAW_LOG, &rawlog);
		printf("%-40s %11.0f %8s %8s %8s %7.0f\n", "raw LMDB vin+idx + log record",
		       rawlog.rate, "-", "-", "-", rawlog.group_items);
		bench_raw(tmpdir, &sweep, 8, BATCH_DEFAULT, total, g, RAW_REV, &rawrev);
		printf("%-40s %11.0f %8s %8s %8s %7.0f\n", "raw LMDB rev puts (keyed by series)",
		       rawrev.rate, "-", "-", "-", rawrev.group_items);
		bench_store(tmpdir, &sweep, 8, BATCH_DEFAULT, total, g, &sapi);
		printf("%-40s %11.0f %8s %8s %8s %7.0f\n", "store.c get+put (same groups)", sapi.rate,
		       "-", "-", "-", sapi.group_items);
		/* The feeders of "planwatchd, 8 feeders", against the minimal loop. */
		bench_ploop(tmpdir, &sweep, 8, BATCH_DEFAULT, 0, total, &rp);
		print_run(&rp);
		js_open(&j, "raw", '{');
		js_num(&j, "lmdb_per_s", raw.rate);
		js_num(&j, "lmdb_group_items", raw.group_items);
		js_int(&j, "lmdb_groups", raw.groups);
		js_pcts(&j, "lmdb_commit", &raw.commit);
		js_num(&j, "lmdb_with_log_per_s", rawlog.rate);
		js_num(&j, "lmdb_rev_by_series_per_s", rawrev.rate);
		js_pcts(&j, "lmdb_with_log_commit", &rawlog.commit);
		js_num(&j, "store_api_per_s", sapi.rate);
		js_run(&j, "prototype_loop8", &rp);
		if (full) {
			/* The limit against group size, and what the layouts cost: vin (+idx) is
			 * the limit above, +log adds a log record per update as the daemon
			 * appends, rev and obs+rev are the series-keyed layouts of schemas 2, 1. */
			static const int gsz[] = { 100, 1000, 10000, 0 };
			static const struct {
				const char *name;
				int t;
			} var[] = { { "vin", RAW_VIN }, { "vin_log", RAW_VIN | RAW_LOG },
				    { "rev", RAW_REV }, { "obs_rev", RAW_OBS | RAW_REV } };
			js_open(&j, "curve", '[');
			for (size_t a = 0; a < sizeof(var) / sizeof(var[0]); a++)
				for (size_t b = 0; b < sizeof(gsz) / sizeof(gsz[0]); b++) {
					struct raw_res x;
					double gi = gsz[b] ? gsz[b] : g;
					char name[80];
					bench_raw(tmpdir, &sweep, 8, BATCH_DEFAULT, total, gi, var[a].t, &x);
					snprintf(name, sizeof(name), "raw %s, %.0f per group", var[a].name, gi);
					printf("%-40s %11.0f %8.2f %8.2f %8.2f %7.0f\n", name, x.rate,
					       x.commit.p50, x.commit.p99, x.commit.max, x.group_items);
					js_open(&j, NULL, '{');
					js_str(&j, "tables", var[a].name);
					js_num(&j, "group_items", x.group_items);
					js_num(&j, "per_s", x.rate);
					js_pcts(&j, "commit", &x.commit);
					js_int(&j, "file_bytes", x.bytes);
					js_close(&j, '}');
				}
			js_close(&j, ']');
		}
		js_close(&j, '}');
	}
	if (which & S_LATENCY) {
		double peak = r8.rate > 0 ? r8.rate : 100000;
		struct daemon d;
		daemon_start(&d, "ind%03ld", N_INDS, 0, "");
		double secs = full ? 15 : 6;
		run_feeders(&d, &sweep, 8, BATCH_DEFAULT, 0, (long)(peak * secs), peak * 0.5, secs, &rl);
		print_run(&rl);
		daemon_cleanup(&d);
		/* The floor: one message in flight, nothing to wait for but its own commit. */
		daemon_start(&d, "ind%03ld", N_INDS, 0, "");
		run_feeders(&d, &sweep, 1, BATCH_DEFAULT, 1, full ? 300000 : 100000, 0, 3, &r0);
		print_run(&r0);
		daemon_cleanup(&d);
		/* What LMDB alone needs to put and commit a group of that size. */
		bench_raw(tmpdir, &sweep, 8, BATCH_DEFAULT, (long)(peak * 0.5 * 3),
			  isfinite(rl.group_items) ? rl.group_items : 1000, RAW_VIN | RAW_LOG, &rawl);
		printf("%-40s %11.0f %8.2f %8.2f %8.2f %7.0f\n", "raw LMDB group commit (same group)",
		       rawl.rate, rawl.commit.p50, rawl.commit.p99, rawl.commit.max, rawl.group_items);
		js_run(&j, "latency_at_half_peak", &rl);
		js_run(&j, "latency_one_in_flight", &r0);
		js_open(&j, "raw_commit_at_half_peak_group", '{');
		js_num(&j, "group_items", rawl.group_items);
		js_num(&j, "per_s", rawl.rate);
		js_pcts(&j, "commit", &rawl.commit);
		js_close(&j, '}');
	}
	if (which & S_FANOUT) {
		bench_fanout(1000, full ? 10 : 4, &fan);
		printf("%-40s %11.0f %8.2f %8.2f %8.2f   (%ld of %ld deliveries)\n",
		       "fan-out: send -> 100 subscribers", fan.rate, fan.send.p50, fan.send.p99,
		       fan.send.max, fan.received, fan.expected);
		printf("%-40s %11s %8.2f %8.2f %8.2f\n", "fan-out: ACK -> 100 subscribers", "-",
		       fan.ack.p50, fan.ack.p99, fan.ack.max);
		js_open(&j, "fanout", '{');
		js_int(&j, "subscribers", fan.subs);
		js_num(&j, "updates_per_s", fan.rate);
		js_int(&j, "updates", fan.updates);
		js_int(&j, "breaches", fan.breaches);
		js_int(&j, "deliveries_expected", fan.expected);
		js_int(&j, "deliveries", fan.received);
		js_int(&j, "bad", fan.bad);
		js_pcts(&j, "send_to_receive", &fan.send);
		js_pcts(&j, "ack_to_receive", &fan.ack);
		js_pcts(&j, "update_ack", &fan.update_ack);
		js_close(&j, '}');
	}
	if (which & (S_MEMORY | S_PEER)) {
		bench_memory(mem_total, &mem);
		have_mem = true;
		print_run(&mem.run);
		printf("  RSS MiB at 10%%/50%%/end/max: VmRSS %.1f/%.1f/%.1f/%.1f, RssAnon "
		       "%.1f/%.1f/%.1f/%.1f (worst drift from 10%%: %.1f%% / %.1f%%)\n",
		       mem.at10.rss_kb / 1024.0, mem.at50.rss_kb / 1024.0, mem.end.rss_kb / 1024.0,
		       mem.max.rss_kb / 1024.0, mem.at10.anon_kb / 1024.0, mem.at50.anon_kb / 1024.0,
		       mem.end.anon_kb / 1024.0, mem.max.anon_kb / 1024.0, mem.rss_dev * 100,
		       mem.anon_dev * 100);
		printf("  disk: data.mdb %.1f MiB, %lld vintages (%lld observations): %.0f B per "
		       "stored vintage\n", mem.disk.file_bytes / 1048576.0, mem.disk.n_rev,
		       mem.disk.n_obs, (double)mem.disk.file_bytes / (double)mem.disk.n_rev);
		printf("  by table (B per vintage):");
		for (int i = 0; i < mem.disk.n; i++)
			printf(" %s %.0f", mem.disk.t[i].name,
			       mem.disk.t[i].pages * 4096.0 / (double)mem.disk.n_rev);
		printf("\n");
		js_open(&j, "memory", '{');
		js_run(&j, "run", &mem.run);
		js_int(&j, "samples", mem.samples);
		js_int(&j, "rss_kb_at_10pct", mem.at10.rss_kb);
		js_int(&j, "rss_kb_at_50pct", mem.at50.rss_kb);
		js_int(&j, "rss_kb_end", mem.end.rss_kb);
		js_int(&j, "rss_kb_max", mem.max.rss_kb);
		js_int(&j, "anon_kb_at_10pct", mem.at10.anon_kb);
		js_int(&j, "anon_kb_at_50pct", mem.at50.anon_kb);
		js_int(&j, "anon_kb_end", mem.end.anon_kb);
		js_int(&j, "anon_kb_max", mem.max.anon_kb);
		js_int(&j, "file_kb_end", mem.end.file_kb);
		js_num(&j, "rss_drift", mem.rss_dev);
		js_num(&j, "anon_drift", mem.anon_dev);
		js_int(&j, "disk_file_bytes", mem.disk.file_bytes);
		js_int(&j, "disk_used_bytes", mem.disk.used_bytes);
		js_int(&j, "vintages", mem.disk.n_rev);
		js_int(&j, "observations", mem.disk.n_obs);
		js_num(&j, "bytes_per_vintage", (double)mem.disk.file_bytes / (double)mem.disk.n_rev);
		js_open(&j, "tables", '{');
		for (int i = 0; i < mem.disk.n; i++) {
			js_open(&j, mem.disk.t[i].name, '{');
			js_int(&j, "entries", mem.disk.t[i].entries);
			js_int(&j, "pages", mem.disk.t[i].pages);
			js_close(&j, '}');
		}
		js_close(&j, '}');
		js_close(&j, '}');
	}
	if (which & S_PEER) {
		bench_influx(influx_port, influx_dir, 8, mem_total, 0, 0, false, &peer);
		printf("%-40s %11.0f %8.2f %8.2f %8.2f   (%ld errors, %.1f MiB on disk)\n",
		       "InfluxDB 1.x, 8 connections, 1M", peer.rate, peer.lat.p50, peer.lat.p99,
		       peer.lat.max, peer.errors, peer.disk_bytes / 1048576.0);
		js_open(&j, "peer", '{');
		js_str(&j, "name", "influxdb");
		js_int(&j, "connections", peer.conns);
		js_num(&j, "updates_per_s", peer.rate);
		js_num(&j, "secs", peer.secs);
		js_pcts(&j, "write_latency", &peer.lat);
		js_int(&j, "errors", peer.errors);
		js_int(&j, "disk_bytes", peer.disk_bytes);
		js_close(&j, '}');
	}
	struct fair_round *fair = NULL;
	if (which & S_FAIR) {
		if (rounds < 1 || rounds > 20)
			die("--rounds must be 1..20");
		fair = xcalloc((size_t)rounds, sizeof(*fair));
		js_open(&j, "fair", '[');
		for (int r = 0; r < rounds; r++) {
			printf("fair comparison, round %d of %d%s\n", r + 1, rounds,
			       influx_port ? " (planwatchd and InfluxDB interleaved)" :
					     " (no InfluxDB: run under bench/with-influxdb.sh)");
			fair_round(tmpdir, influx_port, r, &fair[r]);
			js_fair_round(&j, &fair[r], influx_port != 0);
		}
		js_close(&j, ']');
	}
	if (which & S_PAGES) {
		struct pages_res pg;
		pages_daemon(&pg);
		pages_store(tmpdir, &pg);
		print_pages(&pg);
		js_pages(&j, "pages", &pg);
		pages_over = max_pages > 0 && !pages_within(&pg, max_pages);
	}
	if (which & S_SCALING) {
		static const int feeders[] = { 1, 2, 8, 32 }, batches[] = { 1, 10, 100, 1000 };
		char name[64];
		js_open(&j, "scaling", '{');
		js_open(&j, "feeders", '[');
		for (size_t i = 0; i < 4; i++) {
			struct daemon d;
			struct run r = { .name = name };
			snprintf(name, sizeof(name), "scaling: %d feeders x batch 100", feeders[i]);
			daemon_start(&d, "ind%03ld", N_INDS, 0, "");
			run_feeders(&d, &sweep, feeders[i], 100, 0, 10000000, 0, 4, &r);
			print_run(&r);
			js_run(&j, NULL, &r);
			daemon_cleanup(&d);
		}
		js_close(&j, ']');
		js_open(&j, "batch", '[');
		for (size_t i = 0; i < 4; i++) {
			struct daemon d;
			struct run r = { .name = name };
			snprintf(name, sizeof(name), "scaling: 8 feeders x batch %d", batches[i]);
			daemon_start(&d, "ind%03ld", N_INDS, 0, "");
			run_feeders(&d, &sweep, 8, batches[i], 0, 10000000, 0, 4, &r);
			print_run(&r);
			js_run(&j, NULL, &r);
			daemon_cleanup(&d);
		}
		js_close(&j, ']');
		js_close(&j, '}');
	}
	if (which & S_SERIES) {
		static const long dn[] = { 1000, 10000, 100000 }, sn[] = { 1000, 10000, 100000, 1000000 };
		double g = isfinite(r8.group_items) ? r8.group_items : 5000;
		js_open(&j, "series", '[');
		printf("%-40s %11s %8s %8s %9s %9s %8s\n", "series (scattered updates)", "updates/s",
		       "p50 ms", "p99 ms", "preload/s", "B/series", "start s");
		for (size_t i = 0; i < 3; i++) {
			struct series_res sr;
			bench_series_daemon(dn[i], 200000, &sr);
			printf("planwatchd, %-28ld %11.0f %8.2f %8.2f %9.0f %9.0f %8.2f\n", sr.series,
			       sr.rate, sr.lat.p50, sr.lat.p99, sr.preload_rate, sr.bytes_per_series,
			       sr.start_s);
			js_open(&j, NULL, '{');
			js_str(&j, "via", "daemon");
			js_int(&j, "series", sr.series);
			js_num(&j, "updates_per_s", sr.rate);
			js_num(&j, "preload_per_s", sr.preload_rate);
			js_num(&j, "group_items", sr.group_items);
			js_pcts(&j, "ack_latency", &sr.lat);
			js_int(&j, "file_bytes", sr.file_bytes);
			js_num(&j, "bytes_per_series", sr.bytes_per_series);
			js_num(&j, "daemon_start_s", sr.start_s);
			js_int(&j, "rss_kb", sr.rss_kb);
			js_close(&j, '}');
		}
		for (size_t i = 0; i < 4; i++) {
			struct series_res sr;
			bench_series_store(tmpdir, sn[i], 200000, g, &sr);
			printf("store.c, %-31ld %11.0f %8s %8s %9.0f %9.0f\n", sr.series, sr.rate, "-",
			       "-", sr.preload_rate, sr.bytes_per_series);
			js_open(&j, NULL, '{');
			js_str(&j, "via", "store");
			js_int(&j, "series", sr.series);
			js_num(&j, "updates_per_s", sr.rate);
			js_num(&j, "preload_per_s", sr.preload_rate);
			js_num(&j, "group_items", sr.group_items);
			js_int(&j, "file_bytes", sr.file_bytes);
			js_num(&j, "bytes_per_series", sr.bytes_per_series);
			js_close(&j, '}');
		}
		js_close(&j, ']');
	}

	/* ---- the ratios ---- */
	if (fair)
		fair_report(&j, fair, rounds, influx_port != 0, false);
	if (fair && daemon_b) {
		fair_report(&j, fair, rounds, influx_port != 0, true);
		fair_ab(&j, fair, rounds);
	}
	free(fair);
	printf("\ntargets (each ratio from this run)\n");
	js_open(&j, "ratios", '{');
	if (which & S_RAW && which & S_INGEST) {
		double x = r8.rate / raw.rate;
		printf("  durable acked/s, 8 feeders / raw LMDB limit     %6.2f   (target >= 0.50: %s)\n",
		       x, verdict(x >= 0.5));
		js_num(&j, "ingest8_over_raw", x);
		double y = r8.rate / rawlog.rate;
		printf("  durable acked/s, 8 feeders / raw + log record     %6.2f   (all the daemon must "
		       "write durably)\n", y);
		js_num(&j, "ingest8_over_raw_with_log", y);
		double z = r8.rate / rawrev.rate;
		printf("  durable acked/s, 8 feeders / raw rev by series    %6.2f   (schema 2's layout)\n",
		       z);
		js_num(&j, "ingest8_over_raw_rev_by_series", z);
		double q = r8.rate / rp.rate;
		printf("  durable acked/s, 8 feeders / prototype loop       %6.2f   (target >= 1: %s)\n", q,
		       verdict(q >= 1));
		js_num(&j, "ingest8_over_prototype_loop", q);
		prototype_bound(&j, &r8, &rp);
		js_num(&j, "ingest8_over_store_api", r8.rate / sapi.rate);
	}
	if (which & S_LATENCY && which & S_FSYNC) {
		double x = rl.lat.p99 / fs.p.p99;
		printf("  p99 ACK at 50%% load / p99 fdatasync             %6.2f   (target <= 3: %s; "
		       "%.2f ms vs %.3f ms)\n", x, verdict(x <= 3), rl.lat.p99, fs.p.p99);
		js_num(&j, "p99_ack_half_load_over_p99_fdatasync", x);
	}
	if (which & S_FANOUT) {
		bool ok = fan.send.p99 <= 5 && fan.received >= fan.expected;
		/* The commit of update J lies between its send and its ACK: commit -> receive is
		 * at most send -> receive and at least ACK -> receive. */
		printf("  fan-out p99 commit -> receive (100 subs)  <= %6.2f ms, >= %.2f ms (target "
		       "<= 5 ms, all delivered: %s)\n", fan.send.p99, fan.ack.p99, verdict(ok));
		js_num(&j, "fanout_p99_commit_to_receive_upper_ms", fan.send.p99);
		js_num(&j, "fanout_p99_commit_to_receive_lower_ms", fan.ack.p99);
		js_num(&j, "fanout_p99_ms", fan.send.p99);
		js_bool(&j, "fanout_all_delivered", fan.received >= fan.expected);
	}
	if (have_mem) {
		printf("  RSS drift over 1M updates (VmRSS / RssAnon)  %5.1f%% / %4.1f%% (target "
		       "<= 10%%: %s / %s)\n", mem.rss_dev * 100, mem.anon_dev * 100,
		       verdict(mem.rss_dev <= 0.1), verdict(mem.anon_dev <= 0.1));
		js_num(&j, "rss_drift", mem.rss_dev);
		js_num(&j, "anon_drift", mem.anon_dev);
		js_num(&j, "bytes_per_vintage", (double)mem.disk.file_bytes / (double)mem.disk.n_rev);
	}
	if (peer.ran && have_mem) {
		double x = mem.run.rate / peer.rate;
		printf("  planwatchd / InfluxDB, 1M updates, 8 feeders   %6.2f   (target >= 3: %s)\n", x,
		       verdict(x >= 3));
		js_num(&j, "planwatch_over_influxdb", x);
	}
	js_close(&j, '}');
	/* Other processes' CPU during the run (busy CPUs minus this process and the daemons
	 * it started and reaped; InfluxDB counts as other): figures are only comparable
	 * between runs on an otherwise idle machine. */
	double busy1, total1, tick = (double)sysconf(_SC_CLK_TCK);
	machine_cpu(&busy1, &total1);
	double wall = now_s() - wall0;
	double others =
		((busy1 - busy0) / tick - (self_cpu() + rusage_cpu(RUSAGE_CHILDREN) - self_cpu0)) / wall;
	double loadavg = NAN;
	FILE *la = fopen("/proc/loadavg", "r");
	if (la) {
		if (fscanf(la, "%lf", &loadavg) != 1)
			loadavg = NAN;
		fclose(la);
	}
	printf("machine: %.2f CPUs on average busy with other processes during the run%s; "
	       "load average %.2f at the end\n", others,
	       others > 0.15 ? " (NOT idle: figures disturbed)" : "", loadavg);
	js_num(&j, "cpus_busy_other_processes", others);
	js_num(&j, "loadavg_end", loadavg);
	js_num(&j, "wall_s", wall);
	js_close(&j, '}');

	char path[400];
	if (!out) {
		mkdir("bench", 0755);
		mkdir("bench/results", 0755);
		snprintf(path, sizeof(path), "bench/results/%s-%ld.json", full ? "full" : "quick",
			 (long)time(NULL));
		out = path;
	}
	FILE *f = fopen(out, "w");
	if (f) {
		fprintf(f, "%s\n", j.b);
		fclose(f);
		printf("JSON: %s\n", out);
	} else {
		fprintf(stderr, "bench: cannot write %s\n", out);
	}
	free(j.b);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmpdir);
	if (system(path) != 0)
		fprintf(stderr, "bench: cannot remove %s\n", tmpdir);
	return pages_over ? 1 : 0;
}
