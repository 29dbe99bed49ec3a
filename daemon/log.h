/* daemon/log.h — daemon logging: journald with structured fields under systemd,
 * plain stderr otherwise. Only the daemon logs; libraries return codes. */
#ifndef PW_LOG_H
#define PW_LOG_H

#include <syslog.h>

/* Decides once where logs go: the journal when stderr is the journal stream
 * (JOURNAL_STREAM matches stderr's device:inode), else stderr. verbose enables debug. */
void log_setup(int verbose);

/* fields: NULL or "KEY=value" strings terminated by NULL (PLAN=, INDICATOR=, DEPT=, ERRNO=). */
void log_fields(int prio, const char *const *fields, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(...) log_fields(LOG_ERR, NULL, __VA_ARGS__)
#define log_warn(...) log_fields(LOG_WARNING, NULL, __VA_ARGS__)
#define log_notice(...) log_fields(LOG_NOTICE, NULL, __VA_ARGS__)
#define log_info(...) log_fields(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...) log_fields(LOG_DEBUG, NULL, __VA_ARGS__)

#endif
