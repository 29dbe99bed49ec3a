/* daemon/log.c — journald or stderr.
 *
 * The log destination is process-wide by nature (stderr, the journal socket); the two
 * settings below are written once by log_setup() before the loop starts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"

static int log_to_journal;
static int log_verbose;

void log_setup(int verbose)
{
	const char *js = getenv("JOURNAL_STREAM");
	struct stat st;
	unsigned long long dev, ino;

	log_verbose = verbose;
	/* Without journald sd_journal_send() silently drops messages: only use it when
	 * systemd connected our stderr to the journal. */
	if (js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
		log_to_journal = 1;
}

static const char *prio_name(int prio)
{
	switch (prio) {
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

void log_fields(int prio, const char *const *fields, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (prio == LOG_DEBUG && !log_verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_to_journal) {
		struct iovec iov[12];
		char m[2100], p[32];
		int n = 0;
		snprintf(m, sizeof(m), "MESSAGE=%s", msg);
		snprintf(p, sizeof(p), "PRIORITY=%d", prio);
		iov[n++] = (struct iovec){ m, strlen(m) };
		iov[n++] = (struct iovec){ p, strlen(p) };
		iov[n++] = (struct iovec){ (void *)"SYSLOG_IDENTIFIER=planwatchd", 28 };
		for (size_t i = 0; fields && fields[i] && n < 12; i++)
			iov[n++] = (struct iovec){ (void *)fields[i], strlen(fields[i]) };
		sd_journal_sendv(iov, n);
		return;
	}
	char ts[32];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s planwatchd %s: %s", ts, prio_name(prio), msg);
	for (size_t i = 0; fields && fields[i]; i++)
		fprintf(stderr, " %s", fields[i]);
	fputc('\n', stderr);
}
