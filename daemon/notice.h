/* daemon/notice.h — notifications: appended to the durable log inside the write
 * transaction that caused them, published on PUB only after that transaction commits. */
#ifndef PW_NOTICE_H
#define PW_NOTICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/proto.h"
#include "../store/store.h"

struct notice_out {
	char topic[STORE_TOPIC_MAX + 1];
	uint64_t seq;
	size_t off, len; /* body bytes in notice_list.bodies */
};

/* Notices produced by one group commit, waiting for the commit to publish them. Bodies
 * are as logged (change notices compact): notice_body_write() gives the wire body. */
struct notice_list {
	struct notice_out *items;
	size_t n, cap;
	struct proto_buf bodies;
	struct proto_buf fields; /* scratch: callers encode their key/value pairs here */
	int64_t now_ms;
};

void notice_list_init(struct notice_list *l);
void notice_list_clear(struct notice_list *l); /* keeps memory */
void notice_list_release(struct notice_list *l);

/* Starts a notice: resets l->fields, into which the caller then writes its key/value
 * pairs with proto_w_* (no map header: notice_emit() counts them). */
void notice_begin(struct notice_list *l);

/* Writes the pairs every indicator notice starts with into l->fields: plan, indicator,
 * name, and period unless it is NULL (3 or 4 pairs). */
void notice_w_indicator(struct notice_list *l, const char *plan, const char *ind,
			const char *name, const char *period);

/* Starts a warning: a figure was stored, but something about it is doubtful (its yoy does
 * not fit its value, a department's figure disagrees with the one its components give).
 * Writes the topic "warning.alias.ind" into topic and into l->fields the series by region
 * (region id, alias, indicator, name, period), code (positive), error and message; the
 * caller adds its numbers, then calls notice_emit(l, t, topic). */
void notice_warning_begin(struct notice_list *l, char topic[STORE_TOPIC_MAX + 1],
			  const char *region, const char *alias, const char *ind, const char *name,
			  const char *period, int code, const char *message);

/* Writes the topic "kind.owner.ind" into buf, cut to STORE_TOPIC_MAX bytes; returns its
 * length. (One for every change notice: plain copies, not snprintf.) */
size_t notice_topic(char buf[STORE_TOPIC_MAX + 1], const char *kind, const char *owner,
		    const char *ind);
/* The topic of a plan's notice about a series: "kind.alias.plan.ind" (verdicts, targets). */
size_t notice_topic_plan(char buf[STORE_TOPIC_MAX + 1], const char *kind, const char *alias,
			 const char *plan, const char *ind);

/* A change notice (a new vintage), the notice of nearly every update. The log keeps it as
 * a compact binary record (first byte NOTICE_COMPACT, a byte msgpack never uses; under half
 * the msgpack body's size, so a group commit writes far fewer log pages); the
 * wire body is rendered from it by one function for PUB and for SINCE, so a replayed
 * notice is byte-identical to the one published. Records written before the topic scheme
 * of plans across time (compact format 1) still render as they were published: body v 1,
 * `plan` the topic's owner. */
#define NOTICE_COMPACT 0xc1
#define NOTICE_VERSION 3      /* body `v` of every notice this release writes */
#define NOTICE_JUDGES_MAX 16  /* plans listed in a change notice's judged_by */
struct notice_change {
	/* the series' region: its id and alias */
	const char *region, *alias;
	const char *ind, *name, *unit, *dept, *msgid;
	const char *reason; /* NULL or "" = none */
	const char *sent_unit; /* the unit the figure was sent in (NULL: unit) */
	double sent_value;     /* the value as sent, in sent_unit */
	const char *judged_by[NOTICE_JUDGES_MAX]; /* plans whose window holds the period */
	size_t n_judged;
	struct period period;
	double value, yoy;   /* yoy NaN when not reported */
	uint32_t rev;
	uint8_t status;      /* enum pw_status */
	bool backfill;
	bool confirm;        /* the sender confirmed an outlier (confirm: true) */
	uint8_t overridden;  /* with confirm: the check it let pass (positive code), 0 none */
	bool derived;        /* computed by the series' formula (daemon/derive.c) */
	bool has_old;        /* a previous vintage existed: */
	double old_value;
	uint8_t old_status;
};

/* Where the log's notice scheme changed: meta log_v2_from holds the first seq written by a
 * release with the v2 topics (notice bodies v 2), log_v3_from the first of v 3 (overdue per
 * department, plan. notices); notices before them replay as they were published. Each is
 * written once, at the first start of such a release (last seq + 1); *v2_from and *v3_from
 * get them. */
int notice_scheme_mark(struct store_txn *t, uint64_t *v2_from, uint64_t *v3_from);

/* Appends change c as a compact record to the log in t and to l: what l lists is what
 * the log holds, so publishers render every listed body with notice_body_write(). */
int notice_emit_change(struct notice_list *l, struct store_txn *t, const struct notice_change *c);

/* Writes the wire body of log record (seq, topic, body) into b: a compact record rendered,
 * any other body copied as stored. A damaged compact record is written as
 * {v, seq, topic, damaged: true} and NOTICE_DAMAGED (> 0) returned; < 0 on error. */
#define NOTICE_DAMAGED 1
int notice_body_write(struct proto_buf *b, uint64_t seq, const char *topic, const void *body,
		      size_t len);

/* Appends a notice with body {v, seq, topic, time, <the pairs in l->fields>} to the log in
 * t and to l. Returns 0 or a negative code (the transaction must then abort; PW_EINVAL if
 * l->fields holds a key without its value). */
int notice_emit(struct notice_list *l, struct store_txn *t, const char *topic);

#endif
