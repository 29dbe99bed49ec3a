/* daemon/live.h — the settings in force: the daemon's own copy of its configuration, the
 * loaded catalog and the rule settings, replaced together on SIGHUP (a broken file keeps
 * the running ones). */
#ifndef PW_LIVE_H
#define PW_LIVE_H

#include <stddef.h>

#include "catalog.h"
#include "config.h"
#include "rules.h"

struct live;

/* Copies cfg (the caller keeps its own) and loads its catalog; on failure err says why.
 * *ret only on success. */
int live_new(struct live **ret, const struct config *cfg, char *err, size_t errlen);
void live_free(struct live *l); /* NULL-safe */

const struct config *live_config(const struct live *l);
const struct catalog *live_catalog(const struct live *l);
/* Valid for l's lifetime: a reload changes the settings in place. */
const struct rules_cfg *live_rules(const struct live *l);

/* Re-reads the config file and its catalog. Returns 0 when the new catalog and rule
 * settings are in force (the previous catalog is freed: re-read live_catalog()), or a
 * negative code with the running ones kept; logs either way. Endpoints, the store and
 * keys change only on restart. */
int live_reload(struct live *l);

#endif
