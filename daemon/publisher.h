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

/* Starts the thread; it takes xpub (bound, options set) and closes it when freed. */
int publisher_new(struct publisher **ret, void *xpub);

/* Flushes what was posted, stops the thread, closes the socket. NULL-safe. */
void publisher_free(struct publisher *p);

/* Hands l's notices to the thread and leaves l empty (its buffers are swapped for
 * recycled ones). Waits only if the thread is a long way behind (memory bound). */
int publisher_post(struct publisher *p, struct notice_list *l);

/* Live subscriptions as XPUB reported them (subscribe minus unsubscribe messages). */
unsigned publisher_subscriptions(const struct publisher *p);

/* Notices the thread could not render (damaged record) and so did not send. */
unsigned long publisher_dropped(const struct publisher *p);

#endif
