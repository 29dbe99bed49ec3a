/* planwatch.h — libplanwatch, the C client of planwatchd (protocol v1).
 *
 * Feeders push observations and get an ACK only once the daemon has committed them
 * durably; alerting clients subscribe to notices and replay what they missed. All
 * functions return 0 or a negative code from enum pw_err (err.h); pw_strerror() and
 * pw_errname() describe it. Not thread-safe: use one client per thread. */
#ifndef PLANWATCH_H
#define PLANWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PW_DEFAULT_ENDPOINT "ipc://state/ingest.sock"
#define PW_DEFAULT_PUB "ipc://state/notify.sock"
#define PW_BACKFILL 0x1 /* pw_push flag: historical data, announce but raise no alerts */
#define PW_DETAIL 0x2   /* pw_push flag: the ACK names each item's region and judging plans */

struct pw_client;

struct pw_opts {
	int timeout_ms; /* per request; 0 = 5000 */
	/* CURVE (all three, Z85 text, or all NULL for NULL security on ipc://) */
	const char *server_public;
	const char *client_public;
	const char *client_secret;
};

/* Connects a DEALER to the daemon's listen endpoint. Connecting never fails for a
 * daemon that is down; requests then end in PW_ETIMEDOUT. */
int pw_client_new(struct pw_client **ret, const char *endpoint, const struct pw_opts *opts);
void pw_client_free(struct pw_client *c);

/* One observation of a series, named by its region (id or alias: a department reports
 * figures, not plans) or, v1, by a plan of that region (plan); one of the two, or both when
 * they agree. yoy = NAN (math.h) when not reported; reason may be NULL. unit is any
 * unit of the indicator's dimension (the daemon converts 32570 元 into a 万元 catalog
 * exactly). confirm says an outlier is real (suspect_scale, ytd_decrease). period and
 * status may be written as people write them (period_parse_text, status_parse_text:
 * "2026年1-10月", "快报"); they are sent in the canonical form. */
struct pw_obs {
	const char *plan, *indicator, *period, *unit, *status, *reason;
	/* The series' region (id or alias): set it, plan, or both (then they must agree). A
	 * department reports figures of a region's series, whatever plan judges them. */
	const char *region;
	double value, yoy;
	bool confirm;
};

#define PW_ACK_MAX_BAD 32
#define PW_ACK_MAX_ITEMS 32

/* One item of the ACK of a PW_DETAIL push. */
struct pw_ack_item {
	uint32_t index;
	char region[65];     /* the series' region id */
	char indicator[65];
	char period[16];
	size_t n_judged;     /* plans that judge the period; 0 = no plan in force */
	char judged_by[160]; /* their ids, ", "-separated (cut to fit) */
	bool untargeted;     /* no plan of the region has a target on the series: stored and
			      * announced, judged by none whatever the year */
};

/* The daemon's answer to an update. code 0 = acknowledged (durable). */
struct pw_ack {
	char id[65];
	int code;        /* 0 or the NACK's code (negative enum pw_err) */
	bool retry;      /* NACK is transient: resend the same message id later */
	uint64_t seq;    /* notification log position after the commit */
	uint32_t count, changed;
	uint64_t quarantine; /* NACK: id of the quarantined copy */
	char message[320];   /* NACK: the daemon's text, naming what was expected */
	size_t n_bad;        /* NACK: items with their own error (the first PW_ACK_MAX_BAD) */
	struct {
		uint32_t index;
		int code;
		char message[384]; /* what the item was expected to be (the accepted units, the
				    * bounds, the comparators); "" when its code says it all */
	} bad[PW_ACK_MAX_BAD];
	size_t n_items; /* ACK of a PW_DETAIL push: items described (the first PW_ACK_MAX_ITEMS) */
	struct pw_ack_item items[PW_ACK_MAX_ITEMS];
};

/* Sends one update and waits for its ACK/NACK. Returns 0 when a reply arrived (see
 * ack->code), PW_ETIMEDOUT, or another error. The same msgid may be resent safely. */
int pw_push(struct pw_client *c, const char *dept, const char *msgid, const struct pw_obs *obs,
	    size_t n, unsigned flags, struct pw_ack *ack);

/* Pipelined feeding: send many, then collect replies in any order. */
int pw_send_update(struct pw_client *c, const char *dept, const char *msgid,
		   const struct pw_obs *obs, size_t n, unsigned flags);
int pw_recv_ack(struct pw_client *c, struct pw_ack *ack, int timeout_ms);

/* Sends a raw request frame (msgpack, PROTOCOL.md) and waits for the reply with the same
 * id. *reply is malloc'd; the caller frees it. */
int pw_call(struct pw_client *c, const void *req, size_t len, const char *id, void **reply,
	    size_t *reply_len);

/* ---- subscribing ---- */

struct pw_sub;

struct pw_notice {
	uint64_t seq;
	char topic[201];
	const void *body; /* msgpack map, valid until the next pw_sub_next */
	size_t len;
	bool replayed; /* came from the log (SINCE), not live */
};

/* Subscribes to topic prefix ("" = all) on the PUB endpoint, then replays from the
 * daemon's log every notice with seq > since (since < 0: only new ones) through client c
 * (kept, not owned). Notices arrive in seq order with no duplicates; without a prefix
 * a gap in the live stream (a slow subscriber dropped at the high-water mark) is
 * filled from the log, with a prefix the log is asked on every jump of seq. */
int pw_sub_new(struct pw_sub **ret, const char *pub_endpoint, const char *prefix, int64_t since,
	       struct pw_client *c, const struct pw_opts *opts);
void pw_sub_free(struct pw_sub *s);
/* Next notice; PW_ETIMEDOUT when none arrived within timeout_ms (-1 = wait). */
int pw_sub_next(struct pw_sub *s, struct pw_notice *n, int timeout_ms);

#endif
