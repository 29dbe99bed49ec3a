/* daemon/server.c — the poll loop: read a batch, commit its writes as one group, reply,
 * publish, answer reads, run timers. Sockets are net.c's, the settings in force live.c's,
 * systemd messages notify.c's, the write path apply.c's, the read path query.c's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../proto/err.h"
#include "../store/store.h"
#include "apply.h"
#include "connlimit.h"
#include "catalog.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "net.h"
#include "notify.h"
#include "overdue.h"
#include "planstat.h"
#include "publisher.h"
#include "qbound.h"
#include "query.h"
#include "reply.h"
#include "reporting.h"
#include "role.h"
#include "rules.h"
#include "sandbox.h"
#include "server.h"

#define SERVER_VERSION "0.1.0"
#define SERVER_TIMER_MS 60000    /* overdue check period */
#define SERVER_STATUS_MS 2000    /* STATUS= line period */
/* A group stops growing once it holds this many update items (group_max still caps the
 * messages): LMDB keeps every page a txn dirties in memory until the commit, so an
 * unbounded group is unbounded RSS (and spills), and a longer commit for every ACK in it. */
#define SERVER_GROUP_ITEMS 20000

struct server {
	struct live *live; /* config, catalog, rule settings */
	struct store *store;
	struct net *net;
	struct apply *apply;
	struct qbound *qbound; /* the quarantine's bounds, lent to apply */
	unsigned long pub_damaged_seen;
	struct net_slot *slots;
	size_t n_slots;
	struct apply_msg **writes;        /* [n_slots]: the write messages of a batch */
	struct notice_list group_notices; /* what a group commit caused */
	struct notice_list timer_notices; /* what the overdue check caused */
	struct query_stats st;
	struct proto_buf scratch;
	int64_t clock_offset_ms; /* tests may move the clock (allow_clock_set) */
	int64_t next_timer_ms, next_status_ms, next_watchdog_ms;
	uint64_t watchdog_usec;
	struct metrics *metrics;    /* NULL: metrics_listen is off */
	struct metrics_snapshot ms; /* counted by the loop, copied out by publish_metrics() */
	uint64_t alerts_mark;       /* groups + notices when ms.alerts was last counted */
	uint64_t refused_logged;    /* st.refused when last logged */
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

static int64_t mono_ms(void)
{
	return mono_us() / 1000;
}

static int64_t now_ms(const struct server *s)
{
	return wall_ms() + s->clock_offset_ms;
}

static int open_store(struct server *s, const struct config *cfg, char *err, size_t errlen)
{
	int rc;
	if (mkdir(cfg->state_dir, 0750) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create state_dir '%s': %s", cfg->state_dir,
			 strerror(errno));
		return PW_ESYS;
	}
	if ((rc = store_open(&s->store, cfg->state_dir, cfg->map_size, cfg->map_max)) < 0)
		snprintf(err, errlen, "cannot open store in '%s': %s%s", cfg->state_dir,
			 pw_strerror(rc),
			 rc == PW_EBUSY ? " (another planwatchd uses this state_dir)" : "");
	return rc;
}

static const char *plan_owner(const char *plan, void *arg)
{
	return catalog_plan_owner(arg, plan);
}

/* A store written before series belonged to regions (schema 5 or older) is re-keyed once, in
 * one transaction, by the catalog just loaded: the store does not read catalogs (6 and 7
 * became 8 in store_open). A plan the catalog lacks refuses the start and leaves the store
 * as it was. A store that got its verdict table by an upgrade (from schema 6 or older) then
 * gets the verdicts of the figures it holds (rules_rejudge, again after a crash). */
static int upgrade_store(struct server *s, const char *dir, char *err, size_t errlen)
{
	char why[256];
	unsigned n;
	int rc;

	if (store_schema(s->store) < 8) {
		if ((rc = store_migrate_owner(s->store, plan_owner, (void *)live_catalog(s->live),
					      why, sizeof(why))) < 0) {
			snprintf(err, errlen, "cannot upgrade the store in '%s' to schema 8: %s", dir,
				 why[0] ? why : pw_strerror(rc));
			return rc;
		}
		log_notice("store in '%s' upgraded to schema 8: series keyed by region", dir);
	}
	if ((rc = rules_rejudge(s->store, live_rules(s->live), live_catalog(s->live), wall_ms(),
				&n)) < 0) {
		snprintf(err, errlen, "cannot fill in the verdicts of the store in '%s': %s", dir,
			 pw_strerror(rc));
		return rc;
	}
	if (n)
		log_notice("verdicts of %u stored periods filled in (store upgraded from schema 6 "
			   "or older)", n);
	return 0;
}

static int scheme_txn(struct store_txn *t, void *arg)
{
	struct query_stats *st = arg;
	return notice_scheme_mark(t, &st->log_v2_from, &st->log_v3_from);
}

/* Notices before meta log_v2_from replay with their old topics and body v 1, before
 * log_v3_from with body v 2: the first start of this release marks where its scheme begins. */
static int mark_scheme(struct server *s, const char *dir, char *err, size_t errlen)
{
	int rc = store_write(s->store, scheme_txn, &s->st);
	if (rc < 0)
		snprintf(err, errlen, "cannot mark the notice scheme in the store in '%s': %s", dir,
			 pw_strerror(rc));
	return rc;
}

static void lint_line(const char *msg, void *arg)
{
	(void)arg;
	log_warn("%s", msg);
}

static int lint_txn(struct store_txn *t, void *arg)
{
	int rc = rules_baseline_lint(t, arg, lint_line, NULL);
	return rc < 0 ? rc : 0;
}

static int trim_txn(struct store_txn *t, void *arg)
{
	return qbound_trim(arg, t);
}

/* Counts what the quarantine holds and trims it to the bounds (lowered since?). */
static int bound_quarantine(struct server *s, const struct config *cfg, char *err,
			    size_t errlen)
{
	const struct qbound_limits lim = { .total = cfg->quarantine_max,
					   .per_sender = cfg->quarantine_sender_max,
					   .raw_max = cfg->quarantine_raw_max };
	struct qbound_stats st;
	int rc;
	if ((rc = qbound_new(&s->qbound, &lim)) < 0 ||
	    (rc = qbound_load(s->qbound, s->store)) < 0) {
		snprintf(err, errlen, "cannot count the quarantine: %s", pw_strerror(rc));
		return rc;
	}
	rc = store_write(s->store, trim_txn, s->qbound);
	if (rc < 0) {
		qbound_abort(s->qbound);
		snprintf(err, errlen, "cannot trim the quarantine: %s", pw_strerror(rc));
		return rc;
	}
	qbound_commit(s->qbound);
	qbound_stats(s->qbound, &st);
	if (st.dropped[QBOUND_SENDER] + st.dropped[QBOUND_TOTAL])
		log_notice("quarantine trimmed to its bounds: %llu oldest messages dropped",
			   (unsigned long long)(st.dropped[QBOUND_SENDER] + st.dropped[QBOUND_TOTAL]));
	return 0;
}

/* Checks the loaded plans' baselines against the stored figures (at start and reload). */
static void lint_baselines(struct server *s)
{
	int rc = store_read(s->store, lint_txn, (void *)live_catalog(s->live));
	if (rc < 0)
		log_err("baseline lint failed: %s", pw_strerror(rc));
}

int server_new(struct server **ret, const struct config *cfg, char *err, size_t errlen)
{
	struct server *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return PW_ENOMEM;
	notice_list_init(&s->group_notices);
	notice_list_init(&s->timer_notices);
	proto_buf_init(&s->scratch);
	s->st.version = SERVER_VERSION;
	s->st.started_ms = wall_ms();
	snprintf(s->ms.version, sizeof(s->ms.version), "%s", SERVER_VERSION);
	s->alerts_mark = UINT64_MAX; /* count at the first publish */
	if ((rc = net_check_endpoints(cfg, err, errlen)) < 0 ||
	    (rc = live_new(&s->live, cfg, err, errlen)) < 0 ||
	    (rc = open_store(s, cfg, err, errlen)) < 0 ||
	    (rc = upgrade_store(s, cfg->state_dir, err, errlen)) < 0 ||
	    (rc = bound_quarantine(s, cfg, err, errlen)) < 0 ||
	    (rc = mark_scheme(s, cfg->state_dir, err, errlen)) < 0)
		goto out_free;
	lint_baselines(s);
	s->st.issuer = live_config(s->live)->issuer; /* live keeps it, reloads included */
	s->n_slots = cfg->group_max;
	s->slots = calloc(s->n_slots, sizeof(*s->slots));
	s->writes = calloc(s->n_slots, sizeof(*s->writes));
	if (!s->slots || !s->writes ||
	    apply_new(&s->apply, live_catalog(s->live), live_rules(s->live)) < 0) {
		rc = PW_ENOMEM;
		goto out_free;
	}
	apply_set_quarantine(s->apply, s->qbound);
	if ((rc = net_new(&s->net, live_config(s->live), err, errlen)) < 0)
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
	net_free(s->net);
	for (size_t i = 0; s->slots && i < s->n_slots; i++)
		apply_msg_release(&s->slots[i].m);
	free(s->slots);
	free(s->writes);
	apply_free(s->apply);
	qbound_free(s->qbound);
	notice_list_release(&s->group_notices);
	notice_list_release(&s->timer_notices);
	proto_buf_release(&s->scratch);
	store_free(s->store);
	live_free(s->live);
	free(s);
}

/* ---- publishing and figures ---- */

/* Counts l's notices and hands them to the publisher thread (l is empty after). */
static void publish(struct server *s, struct notice_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		int k = metrics_topic_index(l->items[i].topic);
		if (k >= 0)
			s->ms.notices[k]++;
	}
	s->st.notices += l->n;
	if (publisher_post(net_publisher(s->net), l) < 0) {
		log_err("%zu notices not published: %s (SINCE still serves them)", l->n,
			"publisher out of memory or stopped");
		notice_list_clear(l);
	}
}

/* Figures the publisher thread and the accepting threads (connlimit) keep. */
static void sync_quarantine(struct server *s)
{
	struct qbound_stats q;
	qbound_stats(s->qbound, &q);
	s->st.quarantine_bytes = s->ms.quarantine_bytes = q.bytes;
	s->ms.quarantine_dropped[0] = q.dropped[QBOUND_SENDER];
	s->ms.quarantine_dropped[1] = q.dropped[QBOUND_TOTAL];
	s->st.quarantine_dropped = q.dropped[QBOUND_SENDER] + q.dropped[QBOUND_TOTAL];
}

static void sync_publisher(struct server *s)
{
	const struct publisher *pub = net_publisher(s->net);
	s->st.subscriptions = publisher_subscriptions(pub);
	unsigned long refused = connlimit_refused();
	s->st.connections_max = connlimit_max();
	if (refused != s->st.connections_refused)
		log_warn("%lu connections refused: over the bound of %zu descriptors (the "
			 "descriptor limit less a reserve; raise LimitNOFILE=)",
			 refused - (unsigned long)s->st.connections_refused, connlimit_max());
	s->st.connections_refused = refused;
	unsigned long damaged = publisher_damaged(pub);
	if (damaged != s->pub_damaged_seen) {
		log_err("%lu notices published as damaged: their log records cannot be read "
			"(restore the store from a backup)",
			damaged - s->pub_damaged_seen);
		s->pub_damaged_seen = damaged;
	}
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

/* What departments owe now: recounted on every full publish, as a due date passes without
 * any commit. */
static int count_reporting_txn(struct store_txn *t, void *arg)
{
	struct server *s = arg;
	return reporting_count(t, live_catalog(s->live), now_ms(s), s->ms.depts,
			       METRICS_DEPTS_MAX, &s->ms.n_depts);
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
	s->ms.connections_max = s->st.connections_max;
	s->ms.connections_refused = s->st.connections_refused;
	s->ms.refused = s->st.refused;
	sync_quarantine(s);
	if (full) {
		uint64_t mark = s->st.groups + s->st.notices;
		int rc = store_stat(s->store, &s->ms.store);
		if (rc == 0 && mark != s->alerts_mark &&
		    (rc = store_read(s->store, count_alerts_txn, &s->ms)) == 0)
			s->alerts_mark = mark;
		if (rc == 0)
			rc = store_read(s->store, count_reporting_txn, s);
		if (rc < 0)
			log_warn("metrics: cannot read store figures: %s", pw_strerror(rc));
	}
	metrics_publish(s->metrics, &s->ms);
}

/* ---- writes ---- */

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

static void count_result(struct server *s, const struct apply_msg *m)
{
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
}

/* Commits msgs as one group; logs a failure. */
static int commit_msgs(struct server *s, struct apply_msg *const *msgs, size_t n)
{
	int rc = apply_group(s->apply, s->store, msgs, n, now_ms(s), &s->group_notices);
	if (rc < 0) {
		char en[32];
		const char *fields[] = { en, NULL };
		snprintf(en, sizeof(en), "ERRNO=%d", rc == PW_ESYS ? errno : 0);
		log_fields(LOG_ERR, rc == PW_ESYS ? fields : NULL,
			   "group of %zu messages not committed: %s", n, pw_strerror(rc));
	} else {
		publish(s, &s->group_notices);
	}
	return rc;
}

/* Commits the write group and releases its replies and notices. A group that failed on
 * what no retry cures (a damaged record one message reached) is committed again a message
 * at a time: only a message that reaches the damage is refused for it, the others are not. */
static void commit_group(struct server *s, struct net_slot **writes, size_t n)
{
	int64_t t0 = mono_us();
	for (size_t i = 0; i < n; i++)
		s->writes[i] = &writes[i]->m;
	int rc = commit_msgs(s, s->writes, n);
	for (size_t i = 0; rc < 0 && !reply_retryable(rc) && n > 1 && i < n; i++)
		commit_msgs(s, &s->writes[i], 1);
	s->st.commit_us_last = (uint64_t)(mono_us() - t0);
	metrics_observe_commit(&s->ms.commit, (double)s->st.commit_us_last / 1e6);
	s->st.last_commit_ms = (uint64_t)wall_ms();
	s->st.groups++;
	for (size_t i = 0; i < n; i++) {
		count_result(s, &writes[i]->m);
		if (!writes[i]->m.from_sub)
			net_reply(s->net, writes[i], &writes[i]->m.reply);
	}
	publish_metrics(s, false);
}

/* The plans' status changes (a reload runs the timers at once), then the overdue check. */
static int timer_txn(struct store_txn *t, void *arg)
{
	struct server *s = arg;
	const struct catalog *c = live_catalog(s->live);
	notice_list_clear(&s->timer_notices);
	int rc = planstat_check(t, c, &s->timer_notices);
	return rc < 0 ? rc : overdue_tick(live_rules(s->live), t, c, &s->timer_notices);
}

static void run_timers(struct server *s)
{
	s->timer_notices.now_ms = now_ms(s);
	int rc = store_write(s->store, timer_txn, s);
	if (rc < 0)
		log_err("plan status and overdue check failed: %s", pw_strerror(rc));
	else
		publish(s, &s->timer_notices);
}

/* ---- reads and operator requests ---- */

static void control_nack(struct proto_buf *b, const char *id, int code)
{
	reply_nack(b, NULL, id, code, reply_retryable(code), 0, NULL);
}

/* A failed backup's code as PROTOCOL.md §3 lists them, and why in words. */
static int backup_error(int rc, int err, char *why, size_t cap)
{
	if (rc == PW_EINVAL) {
		snprintf(why, cap, "the directory is not empty");
		return PW_EDENIED;
	}
	if (rc != PW_ESYS) {
		snprintf(why, cap, "%s", pw_strerror(rc));
		return rc;
	}
	snprintf(why, cap, "%s", strerror(err));
	return err == ENOSPC || err == EDQUOT || err == EFBIG ? PW_EFULL : PW_ESYS;
}

static void control_backup(struct server *s, const struct proto_req *r)
{
	char why[160];
	if (sandbox_private_tmp(r->path)) {
		log_err("backup to '%s' refused: that is the service's private /tmp "
			"(PrivateTmp=yes), seen by no one else and deleted when it stops; "
			"write below /var/lib/planwatch-backup", r->path);
		reply_nack_text(&s->scratch, r->id, PW_EDENIED,
				"the service's private /tmp (PrivateTmp=yes)");
		return;
	}
	/* Created here so it belongs to the daemon's user, who must write into it. */
	int rc = mkdir(r->path, 0750) == 0 || errno == EEXIST ? store_backup(s->store, r->path)
							      : PW_ESYS;
	if (rc < 0) {
		rc = backup_error(rc, errno, why, sizeof(why));
		log_err("backup to '%s' failed: %s", r->path, why);
		reply_nack_text(&s->scratch, r->id, rc, why);
		return;
	}
	log_notice("backup written to '%s'", r->path);
	struct proto_map m;
	proto_reply_open(&m, &s->scratch, PROTO_ACK, r->id);
	proto_kv_str(&m, "path", r->path);
	proto_map_close(m);
}

/* Requests that act on the daemon itself rather than the store. */
static bool handle_control(struct server *s, struct net_slot *sl)
{
	const struct proto_req *r = sl->m.req;
	if (sl->m.decode_rc < 0 || sl->m.from_sub)
		return false;
	if (r->type != PROTO_CLOCK_SET && r->type != PROTO_TICK && r->type != PROTO_BACKUP)
		return false;
	proto_buf_reset(&s->scratch);
	if (r->type == PROTO_CLOCK_SET && !live_config(s->live)->allow_clock_set) {
		control_nack(&s->scratch, r->id, PW_EDENIED);
	} else if (r->type == PROTO_BACKUP) {
		control_backup(s, r);
	} else {
		if (r->type == PROTO_CLOCK_SET) {
			s->clock_offset_ms = r->time_ms - wall_ms();
			log_notice("clock set to %lld ms (test clock)", (long long)r->time_ms);
		}
		run_timers(s);
		struct proto_map m;
		proto_reply_open(&m, &s->scratch, PROTO_ACK, r->id);
		proto_kv_int(&m, "now", now_ms(s));
		proto_map_close(m);
	}
	net_reply(s->net, sl, &s->scratch);
	return true;
}

static void answer_reads(struct server *s, struct net_slot **reads, size_t n)
{
	s->st.now_ms = now_ms(s);
	sync_publisher(s);
	sync_quarantine(s);
	for (size_t i = 0; i < n; i++) {
		if (handle_control(s, reads[i]))
			continue;
		query_answer(s->store, live_catalog(s->live), live_rules(s->live), &s->st,
			     reads[i]->m.req, &s->scratch);
		net_reply(s->net, reads[i], &s->scratch);
	}
}

/* The role table (daemon/role.h), before anything of the request is looked up: what the
 * peer may not send is refused (denied) and neither applied nor quarantined; a frame that
 * cannot be decoded is quarantined only for a feeder, whose data the quarantine keeps, and
 * refused with its decoding error otherwise. Counted, logged in sum by tick(). */
static bool refuse_by_role(struct server *s, struct net_slot *sl)
{
	const struct apply_msg *m = &sl->m;
	int code;
	if (m->decode_rc < 0)
		code = sl->roles & ROLE_FEEDER ? 0 : m->decode_rc;
	else
		code = role_may(sl->roles, m->req->type) ? 0 : PW_EDENIED;
	if (!code)
		return false;
	s->st.refused++;
	if (!m->from_sub) {
		reply_nack(&s->scratch, NULL, m->req ? m->req->id : "", code, false, 0, NULL);
		net_reply(s->net, sl, &s->scratch);
	}
	return true;
}

static void process_batch(struct server *s, size_t n)
{
	struct net_slot *writes_buf[n ? n : 1], *reads_buf[n ? n : 1];
	size_t nw = 0, nr = 0;

	for (size_t i = 0; i < n; i++) {
		struct net_slot *sl = &s->slots[i];
		if (refuse_by_role(s, sl))
			continue;
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
		net_slot_close(&s->slots[i]);
}

/* ---- the loop ---- */

static void reload(struct server *s)
{
	notify_reloading();
	if (live_reload(s->live) == 0) {
		apply_set_catalog(s->apply, live_catalog(s->live));
		lint_baselines(s);
		s->next_timer_ms = mono_ms(); /* plan. notices of the new files now */
	}
	notify_ready();
	notify_status(&s->st);
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
	if (s->st.refused != s->refused_logged) {
		log_warn("%llu requests refused by role (a reader's write or junk, an operator "
			 "request from a key that is no operator's: PROTOCOL.md section 1)",
			 (unsigned long long)(s->st.refused - s->refused_logged));
		s->refused_logged = s->st.refused;
	}
	if (s->watchdog_usec && now >= s->next_watchdog_ms) {
		notify_watchdog();
		s->next_watchdog_ms = now + (int64_t)(s->watchdog_usec / 2000);
	}
	if (now >= s->next_status_ms) {
		notify_status(&s->st);
		publish_metrics(s, true);
		s->next_status_ms = now + SERVER_STATUS_MS;
	}
	if (now >= s->next_timer_ms) {
		run_timers(s);
		s->next_timer_ms = now + SERVER_TIMER_MS;
	}
}

static void announce_ready(struct server *s)
{
	const struct config *c = live_config(s->live);
	const struct catalog *cat = live_catalog(s->live);
	publish_metrics(s, true);
	if (s->metrics)
		log_notice("metrics on http://%s/metrics", c->metrics_listen);
	log_notice("planwatchd %s ready: %zu plans, %zu indicators; listen %s, publish %s",
		   SERVER_VERSION, catalog_n_plans(cat), catalog_n_indicators(cat), c->listen,
		   c->publish);
	notify_ready();
}

int server_run(struct server *s, volatile sig_atomic_t *term, volatile sig_atomic_t *hup)
{
	zmq_pollitem_t items[NET_MAX_POLL];
	size_t n_items = net_poll_items(s->net, items);

	s->watchdog_usec = notify_watchdog_usec();
	s->next_timer_ms = mono_ms();
	announce_ready(s);
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
		net_handle_zap(s->net);
		size_t n;
		if ((rc = net_read_batch(s->net, s->slots, s->n_slots, SERVER_GROUP_ITEMS, &n)) < 0) {
			log_err("receive failed: %s", zmq_strerror(errno));
			return rc;
		}
		if (n)
			process_batch(s, n);
	}
	notify_stopping();
	log_notice("stopping: accepted %llu, rejected %llu",
		   (unsigned long long)s->st.accepted, (unsigned long long)s->st.rejected);
	return 0;
}
