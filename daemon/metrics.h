/* daemon/metrics.h — optional Prometheus endpoint (text format 0.0.4): GET /metrics.
 *
 * The poll loop stays single-threaded and never blocks on HTTP: libmicrohttpd serves from
 * its own internal thread, and the loop hands it a copy of its figures with
 * metrics_publish(). That copy, taken and read under one mutex, is the only state the two
 * threads share; the HTTP thread formats each scrape from a private copy of it.
 *
 * The loop owns a struct metrics_snapshot, counts into it (metrics_observe_commit(),
 * metrics_topic_index()) and publishes it after a commit and on its status timer. */
#ifndef PW_METRICS_H
#define PW_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/err.h"
#include "../store/store.h"

#define METRICS_N_REASONS (-PW__LAST) /* rejected[-code] for PW__LAST < code < 0 */
#define METRICS_N_BUCKETS 12          /* commit-latency buckets, the last one +Inf */
#define METRICS_VERSION_MAX 32

/* Kinds of notice, the topic up to its first '.' (proto/PROTOCOL.md §4). */
enum metrics_topic {
	METRICS_TOPIC_CHANGE,
	METRICS_TOPIC_BREACH,
	METRICS_TOPIC_AT_RISK,
	METRICS_TOPIC_RESOLVED,
	METRICS_TOPIC_OVERDUE,
	METRICS_TOPIC_TARGET,
	METRICS_TOPIC_ACCEPTED,
	METRICS_TOPIC_REJECTED,
	METRICS_TOPIC_PLAN,
	METRICS_N_TOPICS
};

/* Indicators per alert state; overdue is counted apart (an indicator can be off track
 * and overdue at once). */
enum metrics_alert {
	METRICS_ALERT_ON_TRACK,
	METRICS_ALERT_AT_RISK,
	METRICS_ALERT_OFF_TRACK,
	METRICS_ALERT_OVERDUE,
	METRICS_N_ALERTS
};

/* Commit latency. bucket[i] counts observations in (bound[i-1], bound[i]] — not
 * cumulative; the endpoint adds them up. Bounds in seconds: 0.0005 0.001 0.0025 0.005
 * 0.01 0.025 0.05 0.1 0.25 0.5 1 +Inf. Zero-initialise. */
struct metrics_hist {
	uint64_t bucket[METRICS_N_BUCKETS];
	uint64_t count;
	double sum; /* seconds */
};

#define METRICS_DEPTS_MAX 32    /* departments shown in the reporting gauges */
#define METRICS_DEPT_NAME_MAX 64

/* What one department owes now, and how it reported over the window of
 * daemon/reporting.h (REPORTING_WINDOW_DAYS). */
struct metrics_dept {
	char name[METRICS_DEPT_NAME_MAX];
	uint64_t missing;  /* figures due and not received (the 催报 list) */
	int64_t oldest_due_ms; /* due date of the oldest of them, Unix ms */
	uint64_t expected; /* figures due in the window */
	uint64_t on_time;  /* of them, first received by the due date */
	uint64_t late;     /* of them, first received after it */
};

/* Everything /metrics shows. Zero-initialise; counters only grow. */
struct metrics_snapshot {
	char version[METRICS_VERSION_MAX]; /* planwatch_build_info{version=...} */
	int64_t started_ms;                /* daemon start, Unix ms (uptime: computed per scrape) */
	int64_t last_commit_ms;            /* last group commit, Unix ms; 0 = none yet */
	/* counters */
	uint64_t accepted;   /* write messages accepted (duplicates included) */
	uint64_t rejected[METRICS_N_REASONS]; /* write messages rejected, by -code; [0] unused */
	uint64_t duplicates; /* accepted messages that were retries of a stored one */
	uint64_t refused;    /* requests refused by the role table (daemon/role.h) */
	uint64_t quarantine_dropped[2]; /* oldest dropped by the bound: [0] sender, [1] total */
	uint64_t quarantine_bytes;      /* gauge: what the quarantine's records take */
	uint64_t items;      /* observations in accepted updates */
	uint64_t groups;     /* group commits (successful or not) */
	uint64_t notices[METRICS_N_TOPICS]; /* notices published, by enum metrics_topic */
	struct metrics_hist commit;         /* group commit duration */
	/* gauges */
	unsigned subscriptions;                  /* live PUB subscriptions */
	uint64_t connections_max;                /* the bound on peer connections */
	uint64_t connections_refused;            /* counter: shut down over the bound */
	uint64_t alerts[METRICS_N_ALERTS];       /* indicators, by enum metrics_alert */
	struct store_stat store;                 /* from store_stat() */
	struct metrics_dept depts[METRICS_DEPTS_MAX]; /* departments that owe figures or had
						       * figures due in the window */
	size_t n_depts;
};

struct metrics;

/* Starts the endpoint on listen, "a.b.c.d:port" or "[v6addr]:port" (numeric only; port 0
 * = any free port, see metrics_port()). Until the first metrics_publish() it answers 503.
 * Returns PW_EINVAL for a malformed listen, PW_ESYS if it cannot listen there, PW_ENOMEM;
 * err then says why. *ret is written only on success. */
int metrics_new(struct metrics **ret, const char *listen, char *err, size_t errlen);

/* The check metrics_new() makes of listen before it binds (planwatchd --check): 0 and the
 * port, or PW_EINVAL with err saying why. */
int metrics_check_listen(const char *listen, unsigned *port, char *err, size_t errlen);

/* Stops the HTTP thread (waits for a scrape in progress) and frees m. NULL-safe. */
void metrics_free(struct metrics *m);

/* The TCP port actually bound (useful with port 0). */
unsigned metrics_port(const struct metrics *m);

/* Replaces the published figures with a copy of *s. Waits at most for a scrape's copy
 * of the snapshot (a memcpy), never for the network. Does nothing when m is NULL
 * (endpoint off), so the loop may call it unconditionally. */
void metrics_publish(struct metrics *m, const struct metrics_snapshot *s);

/* Adds one observation (seconds; negative or NaN counts as 0) to h. Pure: no locking. */
void metrics_observe_commit(struct metrics_hist *h, double seconds);

/* The enum metrics_topic of a notice topic ("breach.p.i" -> METRICS_TOPIC_BREACH), or
 * PW_ENOTFOUND for another kind. */
int metrics_topic_index(const char *topic);

#endif
