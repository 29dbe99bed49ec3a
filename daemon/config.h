/* daemon/config.h — planwatchd configuration (YAML, see man/planwatchd.conf.5).
 *
 * Relative paths (state_dir, catalog files, ipc:// endpoints) are resolved against the
 * directory of the config file, so a bundled config works from any working directory. */
#ifndef PW_CONFIG_H
#define PW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_LIST 32
#define CONFIG_PATH_MAX 4096
#define CONFIG_ERR_MAX 512
#define CONFIG_EP_MAX (CONFIG_PATH_MAX + 64)

struct config_keys {
	char server_secret_file[CONFIG_PATH_MAX]; /* "" = CURVE off */
	char clients_file[CONFIG_PATH_MAX];       /* department public keys */
};

struct config {
	char path[CONFIG_PATH_MAX];
	char state_dir[CONFIG_PATH_MAX];
	char *catalog[CONFIG_MAX_LIST];
	size_t n_catalog;
	char listen[CONFIG_EP_MAX];  /* ROUTER: updates and queries */
	char publish[CONFIG_EP_MAX]; /* PUB: notifications */
	char *sub_bind[CONFIG_MAX_LIST];
	size_t n_sub_bind;
	char *sub_connect[CONFIG_MAX_LIST];
	size_t n_sub_connect;
	uint64_t map_size;     /* bytes */
	uint64_t map_max;      /* bytes */
	unsigned group_max;    /* messages per group commit */
	unsigned pub_hwm;      /* PUB high-water mark (messages per subscriber) */
	/* quarantine bounds (daemon/qbound.h) */
	uint64_t quarantine_max;        /* bytes of all rejected messages kept */
	uint64_t quarantine_sender_max; /* bytes of one sender's */
	uint64_t quarantine_raw_max;    /* raw bytes kept of one message */
	bool allow_clock_set;  /* tests: clock_set request accepted */
	bool allow_insecure_tcp;
	/* rules */
	double margin_pct;     /* at_risk when within this many percentage points/percent */
	double hysteresis_pct; /* must clear the threshold by this much to resolve */
	unsigned persistence;  /* expected indicators: consecutive off periods before breach */
	int64_t overdue_since_ms; /* overdue_since (a date, 00:00 UTC); 0: the store's own */
	struct config_keys keys;
	char metrics_listen[128]; /* "" = off */
	char issuer[256];         /* 制表单位 on evaluations (status reply); "" = none */
};

/* Loads path into *c (all or nothing). On failure err holds "FILE:LINE: message". */
int config_load(struct config *c, const char *path, char err[CONFIG_ERR_MAX]);
/* Defaults for a config built without a file, paths relative to base_dir. */
void config_defaults(struct config *c, const char *base_dir);
void config_release(struct config *c);

#endif
