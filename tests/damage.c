/* tests/damage.c — a damaged store is refused or reported, never a crash or a silent change.
 *
 * Populates a store through the real daemon (revisions with notes, notices, quarantined
 * frames), stops it and records every answer a client can get: each series (query), each
 * period's vintages (history), the notification log (since), the alerts, the quarantine
 * and the status counts. Then, on a fresh copy for each kind of damage to data.mdb —
 * cut to half, last page cut, random pages overwritten, emptied to 0 bytes, tail pages
 * zeroed, bits flipped, one log record or one alert state changed or cut short (through
 * LMDB: the pages stay sound) — the daemon is started again and must either
 *   - refuse to start: exit (not die by a signal) with a non-zero code and a log line
 *     that names the store, or
 *   - serve: every answer equals the recorded one, or says the data is damaged (a NACK,
 *     or a `{damaged: true}` notice in place of a log record); writes afterwards get an
 *     ACK or a NACK (`damaged` without retry); and the daemon stops cleanly.
 * `planwatchd --verify`, run on each damaged copy first, must say "damaged" (exit 1)
 * whenever the daemon refused or reported damage, and "ok" (exit 0) on the undamaged one.
 * A sanitizer report, SIGBUS, SIGSEGV or an LMDB assertion fails the run. Kinds not fixed
 * yet are named with --xfail: they are run and reported, and one that passes fails the run
 * so that the list stays true.
 *
 * usage: damage [--seed S] [--rounds N] [--xfail kind,kind] [--only kind] */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <zmq.h>

#include "../proto/proto.h"
#include "check.h"
#include "harness.h"

#define N_INDS 40
#define N_PERIODS 12
#define N_REVS 3
#define PAGE 4096

/* ---- the reference: every answer of the undamaged store, as text ---- */

struct answer {
	char *what;   /* the request, for messages */
	struct proto_req req;
	char ind[16]; /* req.ind points here */
	char **items; /* JSON of each item */
	size_t n;
	char *root;   /* selected root fields (status counts), or NULL */
};

struct reference {
	struct answer *a;
	size_t n, cap;
};

static struct answer *ref_add(struct reference *ref, const char *what)
{
	if (ref->n == ref->cap) {
		ref->cap = ref->cap * 2 + 64;
		ref->a = realloc(ref->a, ref->cap * sizeof(*ref->a));
		CHECK(ref->a);
	}
	struct answer *a = &ref->a[ref->n++];
	memset(a, 0, sizeof(*a));
	a->what = strdup(what);
	return a;
}

static const char *status_keys[] = { "observations", "revisions", "last_seq", "quarantined" };

/* Outcome of asking one request of a (maybe damaged) daemon. */
enum verdict { SAME, REPORTED, CHANGED };

static char *status_root(const struct proto_view *v)
{
	char *out = calloc(1, 512);
	CHECK(out);
	for (size_t k = 0; k < sizeof(status_keys) / sizeof(*status_keys); k++) {
		int64_t x = -1;
		proto_view_int(v, -1, status_keys[k], &x);
		snprintf(out + strlen(out), 512 - strlen(out), "%s=%lld ", status_keys[k],
			 (long long)x);
	}
	return out;
}

/* Sends a request and returns the decoded reply, or NULL when none came (timeout). */
static struct proto_view *ask(struct pw_client *c, struct proto_req *r)
{
	static unsigned n;
	struct proto_buf b;
	struct proto_view *v = NULL;
	void *reply;
	size_t len;

	snprintf(r->id, sizeof(r->id), "d-%u", n++);
	proto_buf_init(&b);
	CHECK_OK(proto_req_encode(r, &b));
	if (pw_call(c, b.data, b.len, r->id, &reply, &len) == 0) {
		CHECK_OK(proto_view_new(&v, reply, len));
		free(reply);
	}
	proto_buf_release(&b);
	return v;
}

static bool is_nack(const struct proto_view *v, char *err, size_t cap)
{
	char type[16];
	err[0] = '\0';
	if (proto_view_str(v, -1, "type", type, sizeof(type)) < 0 || strcmp(type, "nack") != 0)
		return false;
	proto_view_str(v, -1, "error", err, cap);
	return true;
}

/* Records answer a from reply v (the undamaged store). */
static void record(struct answer *a, struct proto_view *v)
{
	char err[64];
	CHECK(v && !is_nack(v, err, sizeof(err)));
	a->n = proto_view_count(v);
	a->items = calloc(a->n + 1, sizeof(char *));
	CHECK(a->items);
	for (size_t i = 0; i < a->n; i++)
		CHECK_OK(proto_view_json(v, (int)i, &a->items[i]));
	if (a->req.type == PROTO_STATUS)
		a->root = status_root(v);
}

/* A replayed notice whose record could not be read: {seq, topic, body: {damaged: true}}. */
static bool damaged_notice(const struct proto_view *v, size_t i)
{
	char *js;
	bool yes;
	CHECK_OK(proto_view_json(v, (int)i, &js));
	yes = strstr(js, "\"damaged\":true") != NULL;
	free(js);
	return yes;
}

static enum verdict compare(const struct answer *a, struct proto_view *v, char *why, size_t cap)
{
	char err[64];
	if (!v) {
		snprintf(why, cap, "no reply");
		return CHANGED;
	}
	if (is_nack(v, err, sizeof(err))) {
		/* A refusal that says the store is damaged, and not to retry, reports it;
		 * "not_found" for data that was there, or store_error with retry (a client
		 * would retry forever), does not. */
		bool retry = true;
		proto_view_bool(v, -1, "retry", &retry);
		if (strcmp(err, "damaged") == 0 && !retry)
			return REPORTED;
		snprintf(why, cap, "nack %s%s", err, retry ? " (retry)" : "");
		return CHANGED;
	}
	enum verdict out = SAME;
	size_t n = proto_view_count(v);
	if (n != a->n) {
		snprintf(why, cap, "%zu items instead of %zu", n, a->n);
		return CHANGED;
	}
	for (size_t i = 0; i < n; i++) {
		char *js;
		CHECK_OK(proto_view_json(v, (int)i, &js));
		bool same = strcmp(js, a->items[i]) == 0;
		free(js);
		if (same)
			continue;
		if (a->req.type == PROTO_SINCE && damaged_notice(v, i)) {
			out = REPORTED;
			continue;
		}
		snprintf(why, cap, "item %zu differs", i);
		return CHANGED;
	}
	if (a->root) {
		char *root = status_root(v);
		bool same = strcmp(root, a->root) == 0;
		if (!same)
			snprintf(why, cap, "status %s instead of %s", root, a->root);
		free(root);
		if (!same)
			return CHANGED;
	}
	return out;
}

static void ind_name(char *buf, int i)
{
	snprintf(buf, 16, "ind%03d", i);
}

/* Builds the list of requests; the periods come from the populated store. */
static void build_reference(struct reference *ref, struct pw_client *c)
{
	char what[64];
	for (int i = 0; i < N_INDS; i++) {
		struct answer *a;
		snprintf(what, sizeof(what), "query ind%03d", i);
		a = ref_add(ref, what);
		ind_name(a->ind, i);
		a->req = (struct proto_req){ .type = PROTO_QUERY, .plan = HARNESS_BENCH_PLAN, .limit = 10000 };
		for (int p = 0; p < N_PERIODS; p++) {
			snprintf(what, sizeof(what), "history ind%03d 2025-%02d", i, p + 1);
			a = ref_add(ref, what);
			ind_name(a->ind, i);
			a->req = (struct proto_req){ .type = PROTO_HISTORY, .plan = HARNESS_BENCH_PLAN,
						     .has_period = true, .limit = 10000 };
			snprintf(what, sizeof(what), "2025-%02d", p + 1);
			CHECK_OK(period_parse(&a->req.period, what, 7));
		}
	}
	for (int s = 0; s < 8; s++) {
		snprintf(what, sizeof(what), "since %d", s * 1000);
		struct answer *a = ref_add(ref, what);
		a->req = (struct proto_req){ .type = PROTO_SINCE, .seq = (uint64_t)s * 1000,
					     .limit = 1000 };
	}
	ref_add(ref, "alerts")->req = (struct proto_req){ .type = PROTO_ALERTS };
	ref_add(ref, "rejected")->req = (struct proto_req){ .type = PROTO_REJECTED, .limit = 100 };
	ref_add(ref, "status")->req = (struct proto_req){ .type = PROTO_STATUS };
	for (size_t k = 0; k < ref->n; k++) {
		struct answer *a = &ref->a[k];
		if (a->ind[0])
			a->req.ind = a->ind;
		struct proto_view *v = ask(c, &a->req);
		record(a, v);
		proto_view_free(v);
	}
}

static void populate(struct harness *h)
{
	struct pw_client *c = harness_client(h);
	static struct pw_obs obs[N_INDS * N_PERIODS];
	static char inds[N_INDS][32], pers[N_PERIODS][32], reasons[N_REVS][200];
	CHECK(c);
	for (int i = 0; i < N_INDS; i++)
		ind_name(inds[i], i);
	for (int p = 0; p < N_PERIODS; p++)
		snprintf(pers[p], sizeof(pers[p]), "2025-%02d", p + 1);
	for (int r = 0; r < N_REVS; r++) {
		memset(reasons[r], 'a' + r, sizeof(reasons[r]) - 1);
		size_t n = 0;
		for (int i = 0; i < N_INDS; i++)
			for (int p = 0; p < N_PERIODS; p++)
				obs[n++] = (struct pw_obs){ .plan = HARNESS_BENCH_PLAN, .indicator = inds[i],
							    .period = pers[p], .unit = "亿元",
							    .status = "flash", .yoy = 5.5 + r,
							    .reason = reasons[r],
							    .value = 100 + i + p * 0.5 + r * 0.125 };
		/* In batches of 160 items: several commits, several notices each. */
		for (size_t off = 0; off < n; off += 160) {
			struct pw_ack a;
			char id[64];
			snprintf(id, sizeof(id), "pop-%d-%zu", r, off);
			CHECK_OK(pw_push(c, "统计局", id, obs + off, n - off < 160 ? n - off : 160, 0,
					 &a));
			CHECK_RC(a.code, 0);
		}
	}
	/* A few quarantined messages. */
	for (int q = 0; q < 5; q++) {
		struct pw_ack a;
		char id[32];
		struct pw_obs bad = obs[q];
		bad.unit = "no-such-unit"; /* refused; 万元 would be converted */
		snprintf(id, sizeof(id), "bad-%d", q);
		CHECK_OK(pw_push(c, "统计局", id, &bad, 1, 0, &a));
		CHECK(a.code < 0 && a.quarantine > 0);
	}
	pw_client_free(c);
}

/* ---- the kinds of damage ---- */

static off_t file_size(const char *path)
{
	struct stat st;
	CHECK(stat(path, &st) == 0);
	return st.st_size;
}

static void overwrite(int fd, off_t at, const void *p, size_t n)
{
	CHECK(pwrite(fd, p, n, at) == (ssize_t)n);
}

/* The record under key (klen bytes; NULL: a random one of the table, neither its first
 * nor its last) of LMDB table `table` in the store beside path, rewritten through LMDB, so
 * that every page stays sound and only the record's own checksum can tell: variant v even
 * changes its first byte (for a log record: a record kind no daemon writes), odd cuts it to
 * half (a truncated body). Returns the key's first 8 bytes, big-endian (a log seq). */
static uint64_t damage_record(const char *path, const char *table, const void *key,
			      size_t klen, unsigned v)
{
	char dir[400];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *cur;
	MDB_val k = { klen, (void *)key }, val;
	uint8_t rec[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	CHECK(mdb_env_create(&env) == 0 && mdb_env_set_maxdbs(env, 16) == 0);
	CHECK(mdb_env_open(env, dir, 0, 0640) == 0);
	CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
	CHECK(mdb_dbi_open(txn, table, 0, &dbi) == 0);
	if (key) {
		CHECK(mdb_get(txn, dbi, &k, &val) == 0);
	} else {
		MDB_stat ms;
		CHECK(mdb_stat(txn, dbi, &ms) == 0 && ms.ms_entries > 2);
		size_t at = 1 + (size_t)rand() % (ms.ms_entries - 2);
		CHECK(mdb_cursor_open(txn, dbi, &cur) == 0);
		CHECK(mdb_cursor_get(cur, &k, &val, MDB_FIRST) == 0);
		while (at--)
			CHECK(mdb_cursor_get(cur, &k, &val, MDB_NEXT) == 0);
		mdb_cursor_close(cur);
	}
	CHECK(val.mv_size > 2 && val.mv_size <= sizeof(rec) && k.mv_size >= 8);
	uint64_t head = 0;
	for (int i = 0; i < 8; i++)
		head = head << 8 | ((const uint8_t *)k.mv_data)[i];
	memcpy(rec, val.mv_data, val.mv_size);
	if (v % 2 == 0)
		rec[0] ^= 0x7e;
	else
		val.mv_size /= 2;
	val.mv_data = rec;
	CHECK(mdb_put(txn, dbi, &k, &val, 0) == 0 && mdb_txn_commit(txn) == 0);
	mdb_env_close(env);
	return head;
}

/* The series the writes after the damage report first (run_case), and their period. */
#define WRITE_IND "ind000"
#define WRITE_PERIOD "2025-01"

/* Applies damage `kind` (variant v) to data.mdb. The two meta pages (0 and 1) are left
 * alone by the page kinds: LMDB itself handles a torn meta page by falling back to the
 * other one. */
static void damage(const char *kind, const char *path, unsigned v)
{
	off_t size = file_size(path);
	off_t pages = size / PAGE;
	int fd = open(path, O_RDWR);
	uint8_t buf[PAGE];
	CHECK(fd >= 0 && pages > 4);
	srand(v * 7919u + 17);
	if (strcmp(kind, "logrec") == 0) {
		uint64_t seq = damage_record(path, "log", NULL, 0, v);
		printf("damage: logrec    #%u: notice %llu %s\n", v, (unsigned long long)seq,
		       v % 2 == 0 ? "of an unknown record kind" : "cut to half");
	} else if (strcmp(kind, "alertrec") == 0) {
		/* the alert state of the series the write after the damage revises: read by the
		 * rules as the write is judged, by `alerts`, and by nothing at start (the index
		 * entries are: the hot index is rebuilt from them, so one damaged there refuses
		 * the start) */
		char key[64];
		int n = snprintf(key, sizeof(key), "%s%c%s", HARNESS_BENCH_PLAN, 0, WRITE_IND);
		damage_record(path, "alert", key, (size_t)n, v);
	} else if (strcmp(kind, "half") == 0) {
		CHECK(ftruncate(fd, size / 2) == 0);
	} else if (strcmp(kind, "lastpage") == 0) {
		CHECK(ftruncate(fd, size - PAGE) == 0);
	} else if (strcmp(kind, "empty") == 0) {
		CHECK(ftruncate(fd, 0) == 0);
	} else if (strcmp(kind, "randpages") == 0) {
		for (int k = 0; k < 3; k++) {
			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = (uint8_t)rand();
			overwrite(fd, (off_t)(2 + rand() % (pages - 2)) * PAGE, buf, sizeof(buf));
		}
	} else if (strcmp(kind, "zerotail") == 0) {
		memset(buf, 0, sizeof(buf));
		for (off_t p = pages - pages / 4; p < pages; p++)
			overwrite(fd, p * PAGE, buf, sizeof(buf));
	} else if (strcmp(kind, "bitflip") == 0) {
		for (int k = 0; k < 16; k++) {
			off_t at = 2 * PAGE + rand() % (size - 2 * PAGE);
			uint8_t b;
			CHECK(pread(fd, &b, 1, at) == 1);
			b ^= (uint8_t)(1u << (rand() % 8));
			overwrite(fd, at, &b, 1);
		}
	} else {
		CHECK(!"known kind");
	}
	CHECK(fsync(fd) == 0);
	close(fd);
}

static const char *kinds[] = { "half",	  "lastpage", "randpages", "empty",
			       "zerotail", "bitflip",  "logrec",    "alertrec" };
#define N_KINDS (sizeof(kinds) / sizeof(*kinds))

static bool sanitizer_report(const char *log)
{
	return harness_file_has(log, "AddressSanitizer") || harness_file_has(log, "runtime error") ||
	       harness_file_has(log, "LeakSanitizer") || harness_file_has(log, "Assertion");
}

/* Writes on top of the damage: the WRITE_IND figure pipelined among one figure of each
 * other series, so that they share groups. Each gets an ACK or a NACK, and a `damaged`
 * NACK says not to retry (a resend meets the same record). False when a reply is missing or
 * wrong (why says which); *hit: the WRITE_IND figure was refused as damaged; *others: every
 * other figure was acknowledged. */
static bool write_after(struct pw_client *c, bool *hit, bool *others, char *why, size_t cap)
{
	char inds[N_INDS][16], id[32];
	struct pw_obs o[N_INDS];
	struct pw_ack a;
	*hit = false;
	*others = true;
	for (int k = 0; k < N_INDS; k++) {
		int i = k < N_INDS / 2 ? k + 1 : k == N_INDS / 2 ? 0 : k; /* WRITE_IND midway */
		ind_name(inds[i], i);
		o[i] = (struct pw_obs){ .plan = HARNESS_BENCH_PLAN, .indicator = inds[i],
					.period = WRITE_PERIOD, .unit = "亿元", .status = "flash",
					.yoy = NAN, .value = 4242 + i,
					.confirm = true }; /* 40x the series: a load, not figures */
		snprintf(id, sizeof(id), "after-damage-%d", i);
		if (pw_send_update(c, "统计局", id, &o[i], 1, 0) < 0) {
			snprintf(why, cap, "cannot send");
			return false;
		}
	}
	for (int k = 0; k < N_INDS; k++) {
		int i;
		if (pw_recv_ack(c, &a, 30000) < 0 || sscanf(a.id, "after-damage-%d", &i) != 1) {
			snprintf(why, cap, "no reply");
			return false;
		}
		if (a.code == PW_EDAMAGED && a.retry) {
			snprintf(why, cap, "%s: damaged, and 'retry' (transient)", a.id);
			return false;
		}
		if (i == 0)
			*hit = a.code == PW_EDAMAGED;
		else if (a.code != 0)
			*others = false;
	}
	return true;
}

/* planwatchd --verify on the harness's state: its exit code (128+n for signal n). */
static int run_verify(const struct harness *h)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "'%s' --config '%s' --verify > '%s/verify.out' 2>&1", h->daemon,
		 h->conf, h->dir);
	int st = system(cmd);
	CHECK(st != -1);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* Runs one damaged copy; returns true when the daemon behaved, printing what it did. */
static bool run_case(struct harness *h, const struct reference *ref, const char *kind,
		     unsigned variant)
{
	char cmd[1500], data[400], why[160] = "";
	int st = 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/state' && cp -a '%s/pristine' '%s/state' && : > '%s'",
		 h->dir, h->dir, h->dir, h->log);
	CHECK(system(cmd) == 0);
	snprintf(data, sizeof(data), "%s/state/data.mdb", h->dir);
	damage(kind, data, variant);
	int verify = run_verify(h);
	char out[300];
	snprintf(out, sizeof(out), "%s/verify.out", h->dir);
	bool verify_crashed = verify >= 128 || sanitizer_report(out);
	if (verify_crashed)
		printf("damage: %-9s #%u: planwatchd --verify CRASHED (%d)\n", kind, variant, verify);

	int rc = harness_try_start(h, &st);
	if (rc == 1) {
		/* Refused: by exit, with a message naming the store. */
		/* Under ASan a SIGBUS or SIGSEGV ends in exit 1: the report tells. */
		bool crashed = st >= 128 || sanitizer_report(h->log);
		bool clear = st > 0 && (harness_file_has(h->log, "store") || harness_file_has(h->log, "data.mdb"));
		printf("damage: %-9s #%u: %s (exit %d)%s; verify: exit %d\n", kind, variant,
		       crashed ? "CRASHED at start" : "refused to start", st,
		       crashed || clear ? "" : " WITHOUT A MESSAGE NAMING THE STORE", verify);
		return clear && !crashed && verify == 1 && !verify_crashed;
	}
	if (rc < 0) {
		printf("damage: %-9s #%u: hangs at start\n", kind, variant);
		harness_stop(h, SIGKILL);
		return false;
	}
	struct pw_client *c;
	struct pw_opts o5 = { .timeout_ms = 5000 }; /* a dead daemon is not waited for long */
	CHECK_OK(pw_client_new(&c, h->ep, &o5));
	size_t same = 0, reported = 0, changed = 0;
	for (size_t k = 0; k < ref->n; k++) {
		struct answer a = ref->a[k];
		struct proto_view *v = ask(c, &a.req);
		char w[128] = "";
		enum verdict vd = compare(&a, v, w, sizeof(w));
		proto_view_free(v);
		same += vd == SAME;
		reported += vd == REPORTED;
		if (vd == CHANGED && !changed++)
			snprintf(why, sizeof(why), "%s: %s", a.what, w);
		if (!v)
			break; /* it stopped answering */
	}
	/* Writes on top of the damage: ACKs or NACKs, not a crash. Where the damage is the
	 * alert state of the series one of them revises, that one alone is refused (damaged),
	 * not the others committed beside it. */
	char wwhy[128] = "";
	bool hit, others;
	bool wok = write_after(c, &hit, &others, wwhy, sizeof(wwhy));
	if (wok && strcmp(kind, "alertrec") == 0 && (!hit || !others)) {
		snprintf(wwhy, sizeof(wwhy), "%s", !hit ? "the damaged figure's write was not refused"
						       : "writes beside the damaged one were refused");
		wok = false;
	}
	pw_client_free(c);
	int stop = harness_stop(h, SIGTERM);
	/* Damage the daemon answered is logged (an operator must act). */
	bool logged = reported == 0 || harness_file_has(h->log, "damaged");
	if (!logged)
		printf("damage: %-9s #%u: damage reported to clients but not logged\n", kind,
		       variant);
	/* A damaged record is reported: since replays a log record as damaged in its place,
	 * alerts answers damaged. */
	bool seen = (strcmp(kind, "logrec") != 0 && strcmp(kind, "alertrec") != 0) || reported > 0;
	if (!seen)
		printf("damage: %-9s #%u: the damaged notice was not reported\n", kind, variant);
	/* Damage the daemon reported, --verify must have found. */
	bool verify_ok = !verify_crashed && (verify == 1 || (verify == 0 && reported == 0));
	bool ok = changed == 0 && wok && stop < 128 && !sanitizer_report(h->log) && verify_ok &&
		  logged && seen;
	printf("damage: %-9s #%u: served; %zu answers same, %zu reported damaged, %zu changed%s%s; "
	       "write: %s; stop: %s%d; verify: exit %d%s\n", kind, variant, same, reported, changed,
	       changed ? " — first: " : "", why,
	       wok ? (hit ? "ok (the damaged figure refused)" : "ok") : wwhy,
	       stop >= 128 ? "signal " : "exit ", stop >= 128 ? stop - 128 : stop, verify,
	       verify_ok ? "" : " (MISSED THE DAMAGE)");
	if (sanitizer_report(h->log))
		printf("damage: %-9s #%u: sanitizer or assertion report in %s\n", kind, variant,
		       h->log);
	return ok;
}

static bool in_list(const char *list, const char *kind)
{
	size_t n = strlen(kind);
	for (const char *p = list; p && (p = strstr(p, kind)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const char *xfail = "", *only = NULL;
	unsigned seed = (unsigned)time(NULL), rounds = 2;
	int c;
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },  { "rounds", required_argument, NULL, 'r' },
		{ "xfail", required_argument, NULL, 'x' }, { "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },        { NULL, 0, NULL, 0 },
	};
	while ((c = getopt_long(argc, argv, "s:r:x:o:h", opts, NULL)) != -1) {
		if (c == 's')
			seed = (unsigned)strtoul(optarg, NULL, 10);
		else if (c == 'r')
			rounds = (unsigned)strtoul(optarg, NULL, 10);
		else if (c == 'x')
			xfail = optarg;
		else if (c == 'o')
			only = optarg;
		else {
			printf("usage: damage [--seed S] [--rounds N] [--xfail kind,..] [--only kind]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	printf("damage: seed %u, %u variants of each kind\n", seed, rounds);

	struct harness h;
	char cmd[1024];
	CHECK_OK(harness_init(&h, NULL, NULL));
	CHECK_OK(harness_use_bench_catalog(&h, N_INDS, NULL));
	CHECK_OK(harness_start(&h));
	populate(&h);
	CHECK(harness_stop(&h, SIGTERM) == 0);
	/* The reference comes from a restarted daemon: what a reopened store answers. */
	CHECK_OK(harness_start(&h));
	struct reference ref = { 0 };
	struct pw_client *cl = harness_client(&h);
	build_reference(&ref, cl);
	pw_client_free(cl);
	CHECK(harness_stop(&h, SIGTERM) == 0);
	snprintf(cmd, sizeof(cmd), "cp -a '%s/state' '%s/pristine' && rm -f '%s/pristine/lock.mdb'",
		 h.dir, h.dir, h.dir);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "%s/pristine/data.mdb", h.dir);
	printf("damage: reference of %zu answers from a store of %lld pages\n", ref.n,
	       (long long)(file_size(cmd) / PAGE));
	CHECK(run_verify(&h) == 0); /* the undamaged store is sound */

	int bad = 0, xfailed = 0, xpassed = 0;
	for (size_t k = 0; k < N_KINDS; k++) {
		if (only && strcmp(only, kinds[k]) != 0)
			continue;
		bool kind_ok = true;
		for (unsigned v = 0; v < rounds; v++)
			kind_ok &= run_case(&h, &ref, kinds[k], seed + v);
		bool expect_fail = in_list(xfail, kinds[k]);
		if (!kind_ok && expect_fail) {
			printf("damage: %s: KNOWN FAILURE (listed in --xfail)\n", kinds[k]);
			xfailed++;
		} else if (!kind_ok) {
			printf("damage: %s: FAILED\n", kinds[k]);
			bad++;
		} else if (expect_fail) {
			printf("damage: %s: passes now: remove it from --xfail\n", kinds[k]);
			xpassed++;
		}
	}
	for (size_t k = 0; k < ref.n; k++) {
		for (size_t i = 0; i < ref.a[k].n; i++)
			free(ref.a[k].items[i]);
		free(ref.a[k].items);
		free(ref.a[k].root);
		free(ref.a[k].what);
	}
	free(ref.a);
	if (bad || xpassed) {
		printf("damage: %d kinds failed, %d known failures now pass; state kept in %s\n",
		       bad, xpassed, h.dir);
		return 1;
	}
	harness_cleanup(&h);
	printf("damage: ok (%d known failures)\n", xfailed);
	return 0;
}
