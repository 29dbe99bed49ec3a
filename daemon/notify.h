/* daemon/notify.h — telling systemd how the service is doing (sd_notify): READY,
 * RELOADING, STOPPING, the STATUS= line and WATCHDOG pings. Without a service manager
 * (no NOTIFY_SOCKET) every call does nothing. */
#ifndef PW_NOTIFY_H
#define PW_NOTIFY_H

#include <stdint.h>

#include "query.h"

void notify_ready(void);
void notify_reloading(void); /* follow with notify_ready() when done, kept or not */
void notify_stopping(void);
/* STATUS=accepted N, rejected N, subscriptions N, last commit TIME */
void notify_status(const struct query_stats *st);

/* The watchdog interval systemd expects pings within, in µs (0: no watchdog); ping with
 * notify_watchdog() at least twice per interval. */
uint64_t notify_watchdog_usec(void);
void notify_watchdog(void);

#endif
