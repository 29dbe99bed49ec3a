/* daemon/publisher.h — the notice publisher: a thread that owns the XPUB socket.
 *
 * After a group commits, the loop hands its notices over (a buffer swap, no copy) and goes
 * back to the next group; this thread renders each wire body (notice_body_write) and
 * sends it, and counts the subscriptions XPUB reports. Rendering and the fan-out to many
 * subscribers were a sixth of the loop's work per update; on the second core they
 * overlap the next commit. Order is kept: notices go out in the order they were posted. */
#ifndef PW_PUBLISHER_H
#define PW_PUBLISHER_H

#include "notice.h"

struct publisher;

/* Starts the thread; it takes xpub (bound, options set) and closes it when freed. On
 * failure the caller still owns xpub. max_queued: groups posted and not yet sent before
 * posting waits (0 = the default, 64). */
int publisher_new(struct publisher **ret, void *xpub, size_t max_queued);

/* Flushes what was posted, stops the thread, closes the socket. NULL-safe. */
void publisher_free(struct publisher *p);

/* Hands l's notices to the thread and leaves l empty (its buffers are swapped for
 * recycled ones). Waits only if the thread is a long way behind (memory bound);
 * PW_ESYS if the thread has stopped (l is then left as it was). */
int publisher_post(struct publisher *p, struct notice_list *l);

/* Live subscriptions as XPUB reported them (subscribe minus unsubscribe messages). */
unsigned publisher_subscriptions(const struct publisher *p);

/* Notices whose log record was damaged, sent as {v, seq, topic, damaged: true}. */
unsigned long publisher_damaged(const struct publisher *p);

#endif
