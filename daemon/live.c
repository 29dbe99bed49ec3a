/* daemon/live.c — configuration and catalog in force, and their reload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/err.h"
#include "live.h"
#include "log.h"

struct live {
	struct config cfg;
	struct catalog *cat;
	struct rules_cfg rules;
};

static void rules_from_config(struct rules_cfg *r, const struct config *c)
{
	r->margin_pct = c->margin_pct;
	r->hysteresis_pct = c->hysteresis_pct;
	r->persistence = c->persistence;
	r->overdue_since_ms = c->overdue_since_ms;
}

static int load_catalog(const struct config *c, struct catalog **cat, char *err, size_t errlen)
{
	char cerr[CAT_ERR_MAX];
	int rc = catalog_load(cat, (const char *const *)c->catalog, c->n_catalog, cerr);
	if (rc < 0)
		snprintf(err, errlen, "catalog: %s", cerr);
	return rc;
}

/* Copies src[0..n) into dst; *n_dst counts what was copied, so config_release() frees a
 * partial copy. */
static int copy_list(char **dst, size_t *n_dst, char *const *src, size_t n)
{
	for (*n_dst = 0; *n_dst < n; (*n_dst)++)
		if (!(dst[*n_dst] = strdup(src[*n_dst])))
			return PW_ENOMEM;
	return 0;
}

int live_new(struct live **ret, const struct config *cfg, char *err, size_t errlen)
{
	struct live *l = calloc(1, sizeof(*l));
	int rc;

	if (!l)
		return PW_ENOMEM;
	l->cfg = *cfg;
	/* The config's lists are owned by the caller's copy; take our own. */
	if ((rc = copy_list(l->cfg.catalog, &l->cfg.n_catalog, cfg->catalog, cfg->n_catalog)) < 0 ||
	    (rc = copy_list(l->cfg.sub_bind, &l->cfg.n_sub_bind, cfg->sub_bind, cfg->n_sub_bind)) < 0 ||
	    (rc = copy_list(l->cfg.sub_connect, &l->cfg.n_sub_connect, cfg->sub_connect,
			    cfg->n_sub_connect)) < 0) {
		snprintf(err, errlen, "%s", pw_strerror(rc));
		goto out_free;
	}
	rules_from_config(&l->rules, cfg);
	if ((rc = load_catalog(cfg, &l->cat, err, errlen)) < 0)
		goto out_free;
	*ret = l;
	return 0;
out_free:
	live_free(l);
	return rc;
}

void live_free(struct live *l)
{
	if (!l)
		return;
	catalog_free(l->cat);
	config_release(&l->cfg);
	free(l);
}

const struct config *live_config(const struct live *l)
{
	return &l->cfg;
}

const struct catalog *live_catalog(const struct live *l)
{
	return l->cat;
}

const struct rules_cfg *live_rules(const struct live *l)
{
	return &l->rules;
}

/* True if nc differs from the running config in a setting only a restart applies. */
static bool restart_only_changed(const struct config *nc, const struct config *c)
{
	return strcmp(nc->listen, c->listen) || strcmp(nc->publish, c->publish) ||
	       strcmp(nc->state_dir, c->state_dir) || nc->group_max != c->group_max ||
	       strcmp(nc->keys.clients_file, c->keys.clients_file) ||
	       strcmp(nc->keys.server_secret_file, c->keys.server_secret_file) ||
	       nc->n_sub_bind != c->n_sub_bind || nc->n_sub_connect != c->n_sub_connect ||
	       strcmp(nc->metrics_listen, c->metrics_listen);
}

int live_reload(struct live *l)
{
	struct config nc;
	struct catalog *cat;
	char err[CONFIG_ERR_MAX + 64];

	int rc = config_load(&nc, l->cfg.path, err);
	if (rc < 0) {
		log_err("reload: keeping the running configuration: %s", err);
		return rc;
	}
	if ((rc = load_catalog(&nc, &cat, err, sizeof(err))) < 0) {
		log_err("reload: keeping the running catalog: %s", err);
		config_release(&nc);
		return rc;
	}
	/* Sockets and the store stay as they are: endpoints change only on restart. */
	if (restart_only_changed(&nc, &l->cfg))
		log_warn("reload: endpoints, state_dir, group_max, keys and SUB sockets change only "
			 "on restart; the new catalog and rule settings are applied now");
	catalog_free(l->cat);
	l->cat = cat;
	/* The new catalog list moves over (no copy that could fail half way). */
	for (size_t i = 0; i < l->cfg.n_catalog; i++)
		free(l->cfg.catalog[i]);
	memcpy(l->cfg.catalog, nc.catalog, nc.n_catalog * sizeof(nc.catalog[0]));
	l->cfg.n_catalog = nc.n_catalog;
	nc.n_catalog = 0;
	l->cfg.margin_pct = nc.margin_pct;
	l->cfg.hysteresis_pct = nc.hysteresis_pct;
	l->cfg.persistence = nc.persistence;
	snprintf(l->cfg.issuer, sizeof(l->cfg.issuer), "%s", nc.issuer);
	rules_from_config(&l->rules, &l->cfg);
	config_release(&nc);
	log_notice("reloaded: %zu plans, %zu indicators", catalog_n_plans(l->cat),
		   catalog_n_indicators(l->cat));
	return 0;
}
