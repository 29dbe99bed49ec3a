/* daemon/server.c — sockets, the poll loop, systemd notification. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <systemd/sd-daemon.h>
#include <zmq.h>

#include "../proto/err.h"
#include "../store/store.h"
#include "activate.h"
#include "apply.h"
#include "auth.h"
#include "catalog.h"
#include "keypair.h"
#include "log.h"
#include "metrics.h"
#include "publisher.h"
#include "query.h"
#include "rules.h"
#include "server.h"

#define SERVER_VERSION "0.1.0"
#define SERVER_MAX_ENVELOPE 4    /* ROUTER frames before the payload (identity, delimiter) */
#define SERVER_TIMER_MS 60000    /* overdue check period */
#define SERVER_STATUS_MS 2000    /* STATUS= line period */
#define SERVER_MAX_SUB CONFIG_MAX_LIST
/* A group stops growing once it holds this many update items (group_max still caps the
 * messages): LMDB keeps every page a txn dirties in memory until the commit, so an
 * unbounded group is unbounded RSS (and spills), and a longer commit for every ACK in it. */
#define SERVER_GROUP_ITEMS 20000

struct slot {
	struct apply_msg m;
	zmq_msg_t env[SERVER_MAX_ENVELOPE];
	int n_env;
	zmq_msg_t payload;
	bool has_payload;
	char peer[STORE_DEPT_MAX + 1];
};

struct server {
	struct config cfg;
	struct catalog *cat;
	struct rules_cfg rules;
	struct store *store;
	void *zctx;
	void *router;
	struct publisher *pub; /* owns the XPUB socket, on its own thread */
	unsigned long pub_damaged_seen;
	void *subs[SERVER_MAX_SUB];
	size_t n_subs;
	struct slot *slots;
	size_t n_slots;
	struct apply_msg *group; /* contiguous copies for apply_group */
	struct apply_ctx actx;
	struct query_stats st;
	struct proto_buf scratch;
	int64_t clock_offset_ms; /* tests may move the clock (allow_clock_set) */
	int64_t next_timer_ms, next_status_ms, next_watchdog_ms;
	uint64_t watchdog_usec;
	bool curve; /* CURVE on: ZAP user ids are authenticated departments */
	void *zap;  /* ZAP handler socket (REP), bound before any other socket */
	struct auth *auth;
	struct keypair key;
	struct metrics *metrics;    /* NULL: metrics_listen is off */
	struct metrics_snapshot ms; /* counted by the loop, copied out by publish_metrics() */
	uint64_t alerts_mark;       /* groups + notices when ms.alerts was last counted */
};

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t now_ms(const struct server *s)
{
	return wall_ms() + s->clock_offset_ms;
}

static void rules_from_config(struct rules_cfg *r, const struct config *c)
{
	r->margin_pct = c->margin_pct;
	r->hysteresis_pct = c->hysteresis_pct;
	r->persistence = c->persistence;
}

static int load_catalog(const struct config *c, struct catalog **cat, char *err, size_t errlen)
{
	char cerr[CAT_ERR_MAX];
	int rc = catalog_load(cat, (const char *const *)c->catalog, c->n_catalog, cerr);
	if (rc < 0)
		snprintf(err, errlen, "catalog: %s", cerr);
	return rc;
}

/* ---- sockets ---- */

static int sock_open(struct server *s, int type, void **out, char *err, size_t errlen)
{
	void *z = zmq_socket(s->zctx, type);
	int64_t maxmsg = PROTO_HARD_FRAME;
	int linger = 2000, hwm = (int)s->cfg.pub_hwm;

	if (!z) {
		snprintf(err, errlen, "zmq_socket: %s", zmq_strerror(errno));
		return PW_ESYS;
	}
	zmq_setsockopt(z, ZMQ_LINGER, &linger, sizeof(linger));
	if (s->curve && type != ZMQ_SUB) {
		int one = 1;
		const char *domain = type == ZMQ_XPUB ? AUTH_DOMAIN_PUB : AUTH_DOMAIN_INGEST;
		zmq_setsockopt(z, ZMQ_CURVE_SERVER, &one, sizeof(one));
		zmq_setsockopt(z, ZMQ_CURVE_SECRETKEY, s->key.secret_key, KEYPAIR_TEXT);
		zmq_setsockopt(z, ZMQ_ZAP_DOMAIN, domain, strlen(domain));
	}
	if (type == ZMQ_XPUB) {
		int one = 1;
		zmq_setsockopt(z, ZMQ_SNDHWM, &hwm, sizeof(hwm));
		zmq_setsockopt(z, ZMQ_XPUB_VERBOSER, &one, sizeof(one));
	} else {
		/* Per peer: at most 256 queued requests (each ≤ PROTO_HARD_FRAME) before ZeroMQ
		 * stops reading that connection; ROUTER fair-queues, so one flooding feeder
		 * slows itself, not the others. */
		int rcvhwm = 256, sndhwm = 100000;
		zmq_setsockopt(z, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
		zmq_setsockopt(z, ZMQ_RCVHWM, &rcvhwm, sizeof(rcvhwm));
		zmq_setsockopt(z, ZMQ_SNDHWM, &sndhwm, sizeof(sndhwm));
	}
	*out = z;
	return 0;
}

static int sock_bind(void *z, const char *ep, char *err, size_t errlen)
{
	int fd = activate_fd_for(ep); /* a socket passed by systemd (planwatchd.socket) */
	if (fd >= 0)
		zmq_setsockopt(z, ZMQ_USE_FD, &fd, sizeof(fd));
	if (zmq_bind(z, ep) != 0) {
		snprintf(err, errlen, "cannot bind '%s': %s", ep, zmq_strerror(errno));
		return PW_ESYS;
	}
	return 0;
}

/* CURVE needs a ZAP handler running before the first bind: since libzmq 4.2 a CURVE
 * server without one accepts any client that completes the handshake. */
static int setup_curve(struct server *s, char *err, size_t errlen)
{
	const struct config_keys *k = &s->cfg.keys;
	char why[600];
	int rc;

	if (!k->server_secret_file[0]) {
		log_warn("NULL security: clients are not authenticated; any local process that can "
			 "open the ipc:// sockets may report figures (set server_secret_file and "
			 "clients_file for CURVE)");
		return 0;
	}
	if (!zmq_has("curve")) {
		snprintf(err, errlen, "this libzmq was built without CURVE support (zmq_has(\"curve\") "
			 "is false): install Debian's libzmq5 or remove server_secret_file");
		return PW_ECONFIG;
	}
	if (!k->clients_file[0]) {
		snprintf(err, errlen, "server_secret_file is set but clients_file is not: list the "
			 "department public keys in clients_file");
		return PW_ECONFIG;
	}
	if ((rc = keypair_load(&s->key, k->server_secret_file, why, sizeof(why))) < 0 ||
	    (rc = auth_new(&s->auth, k->clients_file, why, sizeof(why))) < 0) {
		snprintf(err, errlen, "%s", why);
		return rc;
	}
	if (!(s->zap = zmq_socket(s->zctx, ZMQ_REP)) || zmq_bind(s->zap, AUTH_ZAP_ENDPOINT) != 0) {
		snprintf(err, errlen, "cannot start the ZAP handler: %s", zmq_strerror(errno));
		return PW_ESYS;
	}
	s->curve = true;
	log_notice("CURVE on: %zu department keys; server public key %s",
		   auth_n_departments(s->auth), s->key.public_key);
	return 0;
}

static int open_sockets(struct server *s, char *err, size_t errlen)
{
	int rc;
	if ((rc = setup_curve(s, err, errlen)) < 0)
		return rc;
	void *xpub = NULL;
	if ((rc = sock_open(s, ZMQ_ROUTER, &s->router, err, errlen)) < 0 ||
	    (rc = sock_bind(s->router, s->cfg.listen, err, errlen)) < 0 ||
	    (rc = sock_open(s, ZMQ_XPUB, &xpub, err, errlen)) < 0 ||
	    (rc = sock_bind(xpub, s->cfg.publish, err, errlen)) < 0) {
		if (xpub)
			zmq_close(xpub);
		return rc;
	}
	if ((rc = publisher_new(&s->pub, xpub, 0)) < 0) {
		zmq_close(xpub);
		snprintf(err, errlen, "cannot start the publisher thread: %s", strerror(errno));
		return rc;
	}
	for (size_t i = 0; i < s->cfg.n_sub_bind + s->cfg.n_sub_connect; i++) {
		bool bind = i < s->cfg.n_sub_bind;
		const char *ep = bind ? s->cfg.sub_bind[i] : s->cfg.sub_connect[i - s->cfg.n_sub_bind];
		void *z;
		if ((rc = sock_open(s, ZMQ_SUB, &z, err, errlen)) < 0)
			return rc;
		s->subs[s->n_subs++] = z;
		if (bind && s->curve) {
			/* Department publishers connecting to us authenticate like feeders. */
			int one = 1;
			zmq_setsockopt(z, ZMQ_CURVE_SERVER, &one, sizeof(one));
			zmq_setsockopt(z, ZMQ_CURVE_SECRETKEY, s->key.secret_key, KEYPAIR_TEXT);
			zmq_setsockopt(z, ZMQ_ZAP_DOMAIN, AUTH_DOMAIN_INGEST, strlen(AUTH_DOMAIN_INGEST));
		}
		zmq_setsockopt(z, ZMQ_SUBSCRIBE, "", 0);
		if (bind)
			rc = sock_bind(z, ep, err, errlen);
		else if (zmq_connect(z, ep) != 0) {
			snprintf(err, errlen, "cannot connect '%s': %s", ep, zmq_strerror(errno));
			rc = PW_ESYS;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Refuses plaintext TCP unless the operator said so: department figures travel there. */
static int check_endpoints(const struct config *c, char *err, size_t errlen)
{
	const char *eps[2 + 2 * CONFIG_MAX_LIST];
	size_t n = 0;
	eps[n++] = c->listen;
	eps[n++] = c->publish;
	for (size_t i = 0; i < c->n_sub_bind; i++)
		eps[n++] = c->sub_bind[i];
	for (size_t i = 0; i < c->n_sub_connect; i++)
		eps[n++] = c->sub_connect[i];
	for (size_t i = 0; i < n; i++)
		if (strncmp(eps[i], "tcp://", 6) == 0 && !c->keys.server_secret_file[0] &&
		    !c->allow_insecure_tcp) {
			snprintf(err, errlen, "endpoint '%s' is tcp:// without CURVE: set "
				 "server_secret_file (see planwatch keygen) or allow_insecure_tcp: true",
				 eps[i]);
			return PW_ECONFIG;
		}
	return 0;
}

int server_new(struct server **ret, const struct config *cfg, char *err, size_t errlen)
{
	struct server *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return PW_ENOMEM;
	s->cfg = *cfg;
	/* The config's lists are owned by the caller's copy; take our own. */
	for (size_t i = 0; i < cfg->n_catalog; i++)
		s->cfg.catalog[i] = strdup(cfg->catalog[i]);
	for (size_t i = 0; i < cfg->n_sub_bind; i++)
		s->cfg.sub_bind[i] = strdup(cfg->sub_bind[i]);
	for (size_t i = 0; i < cfg->n_sub_connect; i++)
		s->cfg.sub_connect[i] = strdup(cfg->sub_connect[i]);
	rules_from_config(&s->rules, cfg);
	apply_ctx_init(&s->actx);
	proto_buf_init(&s->scratch);
	s->st.version = SERVER_VERSION;
	s->st.started_ms = wall_ms();
	snprintf(s->ms.version, sizeof(s->ms.version), "%s", SERVER_VERSION);
	s->alerts_mark = UINT64_MAX; /* count at the first publish */
	if ((rc = check_endpoints(cfg, err, errlen)) < 0)
		goto out_free;
	if ((rc = load_catalog(cfg, &s->cat, err, errlen)) < 0)
		goto out_free;
	if (mkdir(cfg->state_dir, 0750) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create state_dir '%s': %s", cfg->state_dir,
			 strerror(errno));
		rc = PW_ESYS;
		goto out_free;
	}
	if ((rc = store_open(&s->store, cfg->state_dir, cfg->map_size, cfg->map_max)) < 0) {
		snprintf(err, errlen, "cannot open store in '%s': %s%s", cfg->state_dir,
			 pw_strerror(rc),
			 rc == PW_EBUSY ? " (another planwatchd uses this state_dir)" : "");
		goto out_free;
	}
	s->n_slots = cfg->group_max;
	s->slots = calloc(s->n_slots, sizeof(*s->slots));
	s->group = calloc(s->n_slots, sizeof(*s->group));
	if (!s->slots || !s->group || !(s->zctx = zmq_ctx_new())) {
		rc = PW_ENOMEM;
		goto out_free;
	}
	if ((rc = open_sockets(s, err, errlen)) < 0)
		goto out_free;
	/* Last, so that no HTTP thread runs unless everything else is up. */
	if (cfg->metrics_listen[0] &&
	    (rc = metrics_new(&s->metrics, cfg->metrics_listen, err, errlen)) < 0)
		goto out_free;
	*ret = s;
	return 0;
out_free:
	server_free(s);
	return rc;
}

void server_free(struct server *s)
{
	if (!s)
		return;
	metrics_free(s->metrics); /* joins the HTTP thread; it reads nothing of ours */
	if (s->router)
		zmq_close(s->router);
	publisher_free(s->pub); /* sends what was posted, closes XPUB */
	for (size_t i = 0; i < s->n_subs; i++)
		zmq_close(s->subs[i]);
	if (s->zap)
		zmq_close(s->zap);
	auth_free(s->auth);
	if (s->zctx)
		zmq_ctx_term(s->zctx);
	for (size_t i = 0; s->slots && i < s->n_slots; i++)
		apply_msg_release(&s->slots[i].m);
	free(s->slots);
	free(s->group);
	apply_ctx_release(&s->actx);
	proto_buf_release(&s->scratch);
	store_free(s->store);
	catalog_free(s->cat);
	config_release(&s->cfg);
	free(s);
}

/* ---- reading ---- */

static void slot_release(struct slot *sl)
{
	for (int i = 0; i < sl->n_env; i++)
		zmq_msg_close(&sl->env[i]);
	sl->n_env = 0;
	if (sl->has_payload)
		zmq_msg_close(&sl->payload);
	sl->has_payload = false;
}

static void slot_peer(struct slot *sl, bool from_sub)
{
	const char *uid = zmq_msg_gets(&sl->payload, "User-Id");
	const char *addr = zmq_msg_gets(&sl->payload, "Peer-Address");
	snprintf(sl->peer, sizeof(sl->peer), "%s%s%s", from_sub ? "sub:" : "",
		 uid && *uid ? uid : (addr && *addr ? addr : "local"), "");
}

/* Reads one whole multipart message without blocking. Returns 1 if one was read,
 * 0 if none pending, < 0 on error. Oversized envelopes are drained and dropped. */
static int read_one(const struct server *s, void *z, struct slot *sl, bool from_sub)
{
	zmq_msg_t part;
	int more = 1, n = 0;
	size_t more_len = sizeof(more);

	sl->n_env = 0;
	sl->has_payload = false;
	while (more) {
		zmq_msg_init(&part);
		if (zmq_msg_recv(&part, z, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
			zmq_msg_close(&part);
			if (n == 0 && errno == EAGAIN)
				return 0;
			slot_release(sl);
			return errno == EINTR ? 0 : PW_ESYS;
		}
		n++;
		zmq_getsockopt(z, ZMQ_RCVMORE, &more, &more_len);
		if (!more) {
			sl->payload = part;
			sl->has_payload = true;
		} else if (!from_sub && sl->n_env < SERVER_MAX_ENVELOPE) {
			sl->env[sl->n_env++] = part;
		} else {
			zmq_msg_close(&part); /* a SUB topic frame, or an envelope too deep */
		}
	}
	if (!from_sub && sl->n_env == 0) {
		slot_release(sl);
		return 0;
	}
	struct apply_msg *m = &sl->m;
	m->raw = zmq_msg_data(&sl->payload);
	m->len = m->raw_len = zmq_msg_size(&sl->payload);
	m->from_sub = from_sub;
	slot_peer(sl, from_sub);
	m->peer = sl->peer;
	m->auth_dept = NULL;
	const char *uid = zmq_msg_gets(&sl->payload, "User-Id");
	if (uid && *uid && s->curve)
		m->auth_dept = uid;
	apply_decode(m);
	return 1;
}

/* ---- writing ---- */

static void send_reply(struct server *s, struct slot *sl, const struct proto_buf *b)
{
	for (int i = 0; i < sl->n_env; i++) {
		zmq_msg_t copy;
		zmq_msg_init(&copy);
		zmq_msg_copy(&copy, &sl->env[i]);
		if (zmq_msg_send(&copy, s->router, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&copy);
			return; /* peer gone or its queue full: it will resend by id */
		}
	}
	zmq_send(s->router, b->data, b->len, ZMQ_DONTWAIT);
}

/* Counts l's notices and hands them to the publisher thread (l is empty after). */
static void publish(struct server *s, struct notice_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		int k = metrics_topic_index(l->items[i].topic);
		if (k >= 0)
			s->ms.notices[k]++;
	}
	s->st.notices += l->n;
	if (publisher_post(s->pub, l) < 0) {
		log_err("%zu notices not published: %s (SINCE still serves them)", l->n,
			"publisher out of memory or stopped");
		notice_list_clear(l);
	}
}

static void handle_zap(struct server *s)
{
	char who[120];
	bool ok;
	int events = 0;
	size_t len = sizeof(events);
	while (zmq_getsockopt(s->zap, ZMQ_EVENTS, &events, &len) == 0 && (events & ZMQ_POLLIN)) {
		if (auth_zap_handle(s->auth, s->zap, who, sizeof(who), &ok) < 0)
			return;
		if (!ok)
			log_warn("refused CURVE client: %s", who);
		else
			log_debug("authenticated CURVE client: %s", who);
	}
}

/* Figures the publisher thread keeps. */
static void sync_publisher(struct server *s)
{
	s->st.subscriptions = publisher_subscriptions(s->pub);
	unsigned long damaged = publisher_damaged(s->pub);
	if (damaged != s->pub_damaged_seen) {
		log_err("%lu notices published as damaged: their log records cannot be read "
			"(restore the store from a backup)",
			damaged - s->pub_damaged_seen);
		s->pub_damaged_seen = damaged;
	}
}

static void log_result(const struct apply_msg *m)
{
	char dept[80], plan[80], ind[80];
	const char *fields[4] = { dept, NULL, NULL, NULL };
	if (m->result == 0)
		return;
	snprintf(dept, sizeof(dept), "DEPT=%s", m->decode_rc == 0 && m->req->dept ? m->req->dept : "");
	/* The first bad item names what the department tried to report. */
	for (size_t i = 0; m->decode_rc == 0 && m->req->type == PROTO_UPDATE && i < m->req->n_items;
	     i++) {
		const struct proto_item *it = &m->req->items[i];
		if (!it->err || !it->plan || !it->ind)
			continue;
		snprintf(plan, sizeof(plan), "PLAN=%s", it->plan);
		snprintf(ind, sizeof(ind), "INDICATOR=%s", it->ind);
		fields[1] = plan;
		fields[2] = ind;
		break;
	}
	log_fields(LOG_WARNING, fields, "rejected message '%s' from %s: %s",
		   m->req && m->req->id[0] ? m->req->id : "?", m->peer ? m->peer : "?", m->detail);
}

static int count_alerts_txn(struct store_txn *t, void *arg)
{
	struct metrics_snapshot *ms = arg;
	struct rules_counts c;
	int rc = rules_count(t, &c);
	if (rc < 0)
		return rc;
	ms->alerts[METRICS_ALERT_ON_TRACK] = c.state[RULES_ON_TRACK];
	ms->alerts[METRICS_ALERT_AT_RISK] = c.state[RULES_AT_RISK];
	ms->alerts[METRICS_ALERT_OFF_TRACK] = c.state[RULES_OFF_TRACK];
	ms->alerts[METRICS_ALERT_OVERDUE] = c.overdue;
	return 0;
}

/* Hands the figures to the metrics thread (a memcpy under its mutex). full: also the
 * store figures and alert counts; the alert table is walked only if a commit or a notice
 * happened since the last count, as alert state changes only then. */
static void publish_metrics(struct server *s, bool full)
{
	if (!s->metrics)
		return;
	s->ms.started_ms = s->st.started_ms;
	s->ms.last_commit_ms = (int64_t)s->st.last_commit_ms;
	s->ms.accepted = s->st.accepted;
	s->ms.duplicates = s->st.duplicates;
	s->ms.items = s->st.items;
	s->ms.groups = s->st.groups;
	s->ms.subscriptions = s->st.subscriptions;
	if (full) {
		uint64_t mark = s->st.groups + s->st.notices;
		int rc = store_stat(s->store, &s->ms.store);
		if (rc == 0 && mark != s->alerts_mark &&
		    (rc = store_read(s->store, count_alerts_txn, &s->ms)) == 0)
			s->alerts_mark = mark;
		if (rc < 0)
			log_warn("metrics: cannot read store figures: %s", pw_strerror(rc));
	}
	metrics_publish(s->metrics, &s->ms);
}

/* Commits the write group and releases its replies and notices. */
static void commit_group(struct server *s, struct slot **writes, size_t n)
{
	int64_t t0 = mono_us();
	int rc;

	for (size_t i = 0; i < n; i++)
		s->group[i] = writes[i]->m;
	s->actx.cat = s->cat;
	s->actx.rules = &s->rules;
	s->actx.msgs = s->group;
	s->actx.n = n;
	s->actx.notices.now_ms = now_ms(s);
	rc = apply_group(s->store, &s->actx);
	if (rc < 0) {
		char en[32];
		const char *fields[] = { en, NULL };
		snprintf(en, sizeof(en), "ERRNO=%d", rc == PW_ESYS ? errno : 0);
		log_fields(LOG_ERR, rc == PW_ESYS ? fields : NULL,
			   "group of %zu messages not committed: %s", n, pw_strerror(rc));
		apply_fail_all(&s->actx, rc);
	}
	s->st.commit_us_last = (uint64_t)(mono_us() - t0);
	metrics_observe_commit(&s->ms.commit, (double)s->st.commit_us_last / 1e6);
	s->st.last_commit_ms = (uint64_t)wall_ms();
	s->st.groups++;
	for (size_t i = 0; i < n; i++) {
		struct apply_msg *m = &s->group[i];
		if (m->result == 0) {
			s->st.accepted++;
			s->st.duplicates += m->duplicate;
			s->st.items += m->req->type == PROTO_UPDATE ? m->req->n_items : 0;
		} else {
			s->st.rejected++;
			if (m->result < 0 && m->result > PW__LAST)
				s->ms.rejected[-m->result]++;
			log_result(m);
		}
		if (!m->from_sub)
			send_reply(s, writes[i], &m->reply);
		writes[i]->m = *m; /* give the (possibly grown) buffers back to the slot */
	}
	if (rc == 0)
		publish(s, &s->actx.notices);
	publish_metrics(s, false);
}

static int timer_txn(struct store_txn *t, void *arg)
{
	struct server *s = arg;
	notice_list_clear(&s->actx.notices);
	return rules_overdue(&s->rules, t, s->cat, &s->actx.notices);
}

static void run_timers(struct server *s)
{
	s->actx.notices.now_ms = now_ms(s);
	int rc = store_write(s->store, timer_txn, s);
	if (rc < 0)
		log_err("overdue check failed: %s", pw_strerror(rc));
	else
		publish(s, &s->actx.notices);
}

/* Requests that act on the daemon itself rather than the store. */
static bool handle_control(struct server *s, struct slot *sl)
{
	const struct proto_req *r = sl->m.req;
	if (sl->m.decode_rc < 0 || sl->m.from_sub)
		return false;
	if (r->type != PROTO_CLOCK_SET && r->type != PROTO_TICK && r->type != PROTO_BACKUP)
		return false;
	proto_buf_reset(&s->scratch);
	if (r->type == PROTO_CLOCK_SET && !s->cfg.allow_clock_set) {
		query_nack(&s->scratch, r->id, PW_EDENIED);
	} else if (r->type == PROTO_BACKUP) {
		/* Created here so it belongs to the daemon's user, who must write into it. */
		int rc = mkdir(r->path, 0750) == 0 || errno == EEXIST ? store_backup(s->store, r->path)
								      : PW_ESYS;
		if (rc < 0) {
			log_err("backup to '%s' failed: %s", r->path, pw_strerror(rc));
			query_nack(&s->scratch, r->id, rc);
		} else {
			log_notice("backup written to '%s'", r->path);
			proto_w_reply(&s->scratch, PROTO_ACK, r->id, 1);
			proto_w_str(&s->scratch, "path");
			proto_w_str(&s->scratch, r->path);
		}
	} else {
		if (r->type == PROTO_CLOCK_SET) {
			s->clock_offset_ms = r->time_ms - wall_ms();
			log_notice("clock set to %lld ms (test clock)", (long long)r->time_ms);
		}
		run_timers(s);
		proto_w_reply(&s->scratch, PROTO_ACK, r->id, 1);
		proto_w_str(&s->scratch, "now");
		proto_w_int(&s->scratch, now_ms(s));
	}
	send_reply(s, sl, &s->scratch);
	return true;
}

static void answer_reads(struct server *s, struct slot **reads, size_t n)
{
	s->st.now_ms = now_ms(s);
	sync_publisher(s);
	for (size_t i = 0; i < n; i++) {
		if (handle_control(s, reads[i]))
			continue;
		query_answer(s->store, s->cat, &s->rules, &s->st, reads[i]->m.req, &s->scratch);
		send_reply(s, reads[i], &s->scratch);
	}
}

/* One poll cycle's worth of input: at most group_max messages. */
static int read_batch(struct server *s, size_t *n_read)
{
	void *socks[1 + SERVER_MAX_SUB];
	size_t n_socks = 0, n = 0;
	socks[n_socks++] = s->router;
	for (size_t i = 0; i < s->n_subs; i++)
		socks[n_socks++] = s->subs[i];
	bool progress = true;
	size_t items = 0;
	/* Round-robin between sockets so one busy feeder cannot starve the others. */
	while (progress && n < s->n_slots && items < SERVER_GROUP_ITEMS) {
		progress = false;
		for (size_t k = 0; k < n_socks && n < s->n_slots && items < SERVER_GROUP_ITEMS;
		     k++) {
			int rc = read_one(s, socks[k], &s->slots[n], k > 0);
			if (rc < 0)
				return rc;
			if (rc > 0) {
				const struct apply_msg *m = &s->slots[n].m;
				if (m->decode_rc == 0 && m->req->type == PROTO_UPDATE)
					items += m->req->n_items;
				n++;
				progress = true;
			}
		}
	}
	*n_read = n;
	return 0;
}

static void process_batch(struct server *s, size_t n)
{
	struct slot *writes_buf[n ? n : 1], *reads_buf[n ? n : 1];
	size_t nw = 0, nr = 0;

	for (size_t i = 0; i < n; i++) {
		struct slot *sl = &s->slots[i];
		if (apply_is_write(&sl->m))
			writes_buf[nw++] = sl;
		else
			reads_buf[nr++] = sl;
	}
	if (nw)
		commit_group(s, writes_buf, nw);
	if (nr)
		answer_reads(s, reads_buf, nr);
	for (size_t i = 0; i < n; i++)
		slot_release(&s->slots[i]);
}

/* ---- systemd ---- */

static void notify_status(struct server *s)
{
	char when[32] = "never";
	if (s->st.last_commit_ms) {
		time_t t = (time_t)(s->st.last_commit_ms / 1000);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	sd_notifyf(0, "STATUS=accepted %llu, rejected %llu, subscriptions %u, last commit %s",
		   (unsigned long long)s->st.accepted, (unsigned long long)s->st.rejected,
		   s->st.subscriptions, when);
}

static void reload(struct server *s)
{
	struct config nc;
	struct catalog *cat;
	char err[CONFIG_ERR_MAX + 64];

	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", (unsigned long long)mono_us());
	int rc = config_load(&nc, s->cfg.path, err);
	if (rc < 0) {
		log_err("reload: keeping the running configuration: %s", err);
		goto out_ready;
	}
	if ((rc = load_catalog(&nc, &cat, err, sizeof(err))) < 0) {
		log_err("reload: keeping the running catalog: %s", err);
		config_release(&nc);
		goto out_ready;
	}
	/* Sockets and the store stay as they are: endpoints change only on restart. */
	if (strcmp(nc.listen, s->cfg.listen) || strcmp(nc.publish, s->cfg.publish) ||
	    strcmp(nc.state_dir, s->cfg.state_dir) || nc.group_max != s->cfg.group_max ||
	    strcmp(nc.keys.clients_file, s->cfg.keys.clients_file) ||
	    strcmp(nc.keys.server_secret_file, s->cfg.keys.server_secret_file) ||
	    nc.n_sub_bind != s->cfg.n_sub_bind || nc.n_sub_connect != s->cfg.n_sub_connect ||
	    strcmp(nc.metrics_listen, s->cfg.metrics_listen))
		log_warn("reload: endpoints, state_dir, group_max, keys and SUB sockets change only "
			 "on restart; the new catalog and rule settings are applied now");
	catalog_free(s->cat);
	s->cat = cat;
	for (size_t i = 0; i < s->cfg.n_catalog; i++)
		free(s->cfg.catalog[i]);
	for (size_t i = 0; i < nc.n_catalog; i++)
		s->cfg.catalog[i] = strdup(nc.catalog[i]);
	s->cfg.n_catalog = nc.n_catalog;
	s->cfg.margin_pct = nc.margin_pct;
	s->cfg.hysteresis_pct = nc.hysteresis_pct;
	s->cfg.persistence = nc.persistence;
	rules_from_config(&s->rules, &s->cfg);
	config_release(&nc);
	log_notice("reloaded: %zu plans, %zu indicators", catalog_n_plans(s->cat),
		   catalog_n_indicators(s->cat));
out_ready:
	sd_notify(0, "READY=1");
	notify_status(s);
}

static int64_t mono_ms(void)
{
	return mono_us() / 1000;
}

/* Timers run on the monotonic clock: a wall-clock step must not stop the watchdog. */
static long poll_timeout(const struct server *s)
{
	int64_t now = mono_ms(), next = s->next_timer_ms;
	if (s->next_status_ms < next)
		next = s->next_status_ms;
	if (s->watchdog_usec && s->next_watchdog_ms < next)
		next = s->next_watchdog_ms;
	/* Bounded so a signal arriving just before zmq_poll is acted on promptly. */
	if (next > now + 250)
		next = now + 250;
	return next <= now ? 0 : (long)(next - now);
}

static void tick(struct server *s)
{
	int64_t now = mono_ms();
	sync_publisher(s);
	if (s->watchdog_usec && now >= s->next_watchdog_ms) {
		sd_notify(0, "WATCHDOG=1");
		s->next_watchdog_ms = now + (int64_t)(s->watchdog_usec / 2000);
	}
	if (now >= s->next_status_ms) {
		notify_status(s);
		publish_metrics(s, true);
		s->next_status_ms = now + SERVER_STATUS_MS;
	}
	if (now >= s->next_timer_ms) {
		run_timers(s);
		s->next_timer_ms = now + SERVER_TIMER_MS;
	}
}

int server_run(struct server *s, volatile sig_atomic_t *term, volatile sig_atomic_t *hup)
{
	zmq_pollitem_t items[2 + SERVER_MAX_SUB];
	size_t n_items = 0;

	items[n_items++] = (zmq_pollitem_t){ .socket = s->router, .events = ZMQ_POLLIN };
	for (size_t i = 0; i < s->n_subs; i++)
		items[n_items++] = (zmq_pollitem_t){ .socket = s->subs[i], .events = ZMQ_POLLIN };
	if (s->zap)
		items[n_items++] = (zmq_pollitem_t){ .socket = s->zap, .events = ZMQ_POLLIN };
	if (sd_watchdog_enabled(0, &s->watchdog_usec) <= 0)
		s->watchdog_usec = 0;
	s->next_timer_ms = mono_ms();
	publish_metrics(s, true);
	if (s->metrics)
		log_notice("metrics on http://%s/metrics", s->cfg.metrics_listen);
	log_notice("planwatchd %s ready: %zu plans, %zu indicators; listen %s, publish %s",
		   SERVER_VERSION, catalog_n_plans(s->cat), catalog_n_indicators(s->cat),
		   s->cfg.listen, s->cfg.publish);
	sd_notify(0, "READY=1");
	while (!*term) {
		if (*hup) {
			*hup = 0;
			reload(s);
		}
		tick(s);
		int rc = zmq_poll(items, (int)n_items, poll_timeout(s));
		if (rc < 0 && errno != EINTR) {
			log_err("zmq_poll: %s", zmq_strerror(errno));
			return PW_ESYS;
		}
		if (rc <= 0)
			continue;
		if (s->zap)
			handle_zap(s);
		size_t n;
		if ((rc = read_batch(s, &n)) < 0) {
			log_err("receive failed: %s", zmq_strerror(errno));
			return rc;
		}
		if (n)
			process_batch(s, n);
	}
	sd_notify(0, "STOPPING=1");
	log_notice("stopping: accepted %llu, rejected %llu",
		   (unsigned long long)s->st.accepted, (unsigned long long)s->st.rejected);
	return 0;
}
