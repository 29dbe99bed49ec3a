/* daemon/notify.c — sd_notify messages. */
#include <time.h>

#include <systemd/sd-daemon.h>

#include "notify.h"

void notify_ready(void)
{
	sd_notify(0, "READY=1");
}

void notify_reloading(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	unsigned long long usec = (unsigned long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", usec);
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

void notify_status(const struct query_stats *st)
{
	char when[32] = "never";
	if (st->last_commit_ms) {
		time_t t = (time_t)(st->last_commit_ms / 1000);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	sd_notifyf(0, "STATUS=accepted %llu, rejected %llu, subscriptions %u, last commit %s",
		   (unsigned long long)st->accepted, (unsigned long long)st->rejected,
		   st->subscriptions, when);
}

uint64_t notify_watchdog_usec(void)
{
	uint64_t usec = 0;
	/* WATCHDOG_PID must be ours, or this says no watchdog. */
	return sd_watchdog_enabled(0, &usec) > 0 ? usec : 0;
}

void notify_watchdog(void)
{
	sd_notify(0, "WATCHDOG=1");
}
