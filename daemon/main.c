/* daemon/main.c — planwatchd: options, signals, and the server's lifetime. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <zmq.h>

#include "../proto/err.h"
#include "../store/store.h"
#include "catalog.h"
#include "config.h"
#include "sandbox.h"
#include "log.h"
#include "metrics.h"
#include "net.h"
#include "server.h"

#define DEFAULT_CONFIG "/etc/planwatch/planwatchd.conf"
#define SERVICE_USER "planwatch" /* User= in systemd/planwatchd.service */

static volatile sig_atomic_t got_term, got_hup; /* handlers only set these; the loop acts */

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: planwatchd [--config FILE] [--check | --verify[=DIR]] [--verbose]\n"
		"\n"
		"Monitors five-year-plan indicators: receives department figures over ZeroMQ,\n"
		"validates them against the indicator catalog, stores every revision in LMDB and\n"
		"publishes change and target notifications.\n"
		"\n"
		"  -c, --config FILE  configuration (YAML); default $PLANWATCH_CONFIG or\n"
		"                     " DEFAULT_CONFIG "\n"
		"  -n, --check        every check of the start short of binding (config, catalog,\n"
		"                     endpoints, keys, metrics address, state_dir), exit (0 = valid)\n"
		"      --verify[=DIR] check the store (state_dir, or DIR: e.g. a backup) page by\n"
		"                     page and record by record, list any damage, exit (0 = sound)\n"
		"  -v, --verbose      debug logging\n"
		"  -h, --help         this text\n"
		"  -V, --version      print the version\n"
		"\n"
		"Signals: SIGHUP reloads config and catalog (a broken file keeps the running one);\n"
		"SIGTERM/SIGINT commit what is in flight, acknowledge it and exit 0.\n"
		"See planwatchd(8) and planwatchd.conf(5).\n");
}

static void print_lint(const char *msg, void *arg)
{
	(void)arg;
	log_warn("%s", msg);
}

/* 0 when user `service` (the unit's User=) may read path by its mode bits, else -1 with
 * st set. A root --check reads everything; the service does not. */
static int service_can_read(const char *path, const char *service, struct stat *st)
{
	struct passwd *pw = getpwnam(service);
	gid_t groups[64];
	int ng = 64;

	if (!pw || stat(path, st) != 0)
		return 0; /* no such user (not installed as a service), or reported elsewhere */
	if (st->st_uid == pw->pw_uid)
		return (st->st_mode & S_IRUSR) ? 0 : -1;
	if (getgrouplist(service, pw->pw_gid, groups, &ng) >= 0)
		for (int i = 0; i < ng; i++)
			if (groups[i] == st->st_gid)
				return (st->st_mode & S_IRGRP) ? 0 : -1;
	return (st->st_mode & S_IROTH) ? 0 : -1;
}

/* A path only the running unit has (LoadCredential=): checked when it starts. */
static bool unit_credential(const char *path)
{
	return strncmp(path, "/run/credentials/", 17) == 0 && !getenv("CREDENTIALS_DIRECTORY");
}

/* The key files as the daemon will read them: readable at all, and, for a root --check of
 * a service config, readable by the service user. /run/credentials/ exists only inside the
 * running unit (LoadCredential=), so it is checked at start. */
static int check_keys(const struct config_keys *k)
{
	const char *files[2] = { k->server_secret_file, k->clients_file };
	int bad = 0;

	for (int i = 0; i < 2; i++) {
		struct stat st;
		const char *f = files[i];
		if (!f[0])
			continue;
		if (unit_credential(f)) {
			printf("%s: a systemd credential (LoadCredential=), checked when the unit "
			       "starts\n", f);
			continue;
		}
		if (access(f, R_OK) != 0) {
			log_err("cannot read '%s': %s", f, strerror(errno));
			bad = 1;
		} else if (geteuid() == 0 && service_can_read(f, SERVICE_USER, &st) < 0) {
			log_err("'%s' (owner uid %u, mode %04o) is not readable by user %s, which "
				"planwatchd.service runs as: hand it over with LoadCredential= (see "
				"docs/OPERATIONS.md) or make it readable by group %s",
				f, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), SERVICE_USER,
				SERVICE_USER);
			bad = 1;
		}
	}
	return bad;
}

/* The lowest port an unprivileged process may bind (net.ipv4.ip_unprivileged_port_start). */
static unsigned unprivileged_port_start(void)
{
	unsigned port = 1024;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "r");
	if (f) {
		if (fscanf(f, "%u", &port) != 1)
			port = 1024;
		fclose(f);
	}
	return port;
}

/* metrics_listen as the start reads it, and a privileged port where the daemon will not
 * be privileged: planwatchd.service runs as SERVICE_USER without capabilities, and a
 * --check not run by root speaks for a daemon that is not root either. */
static int check_metrics(const struct config *cfg)
{
	char err[300];
	unsigned port;
	if (!cfg->metrics_listen[0])
		return 0;
	if (metrics_check_listen(cfg->metrics_listen, &port, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return 1;
	}
	unsigned low = unprivileged_port_start();
	bool unprivileged = geteuid() != 0 || getpwnam(SERVICE_USER) != NULL;
	if (port && port < low && unprivileged) {
		log_err("metrics_listen '%s': port %u is privileged (below %u, "
			"net.ipv4.ip_unprivileged_port_start) and planwatchd runs as %s without "
			"CAP_NET_BIND_SERVICE: choose a port from %u up, e.g. 9321", cfg->metrics_listen,
			port, low, geteuid() != 0 ? "this user" : "user " SERVICE_USER, low);
		return 1;
	}
	return 0;
}

/* state_dir as the start needs it: a directory, or one its parent lets it create. */
static int check_state_dir(const char *dir)
{
	struct stat st;
	char parent[CONFIG_PATH_MAX];
	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		log_err("state_dir '%s' is not a directory", dir);
		return 1;
	}
	snprintf(parent, sizeof(parent), "%s", dir);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	else
		snprintf(parent, sizeof(parent), "%s", slash ? "/" : ".");
	if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode)) {
		log_err("state_dir '%s' cannot be created: '%s' is no directory", dir, parent);
		return 1;
	}
	return 0;
}

static int check_only(const struct config *cfg)
{
	struct catalog *cat;
	char err[CAT_ERR_MAX];
	int bad = check_keys(&cfg->keys);

	/* Every check the start makes before it binds: endpoints (tcp:// needs CURVE), the
	 * CURVE files (a key, a clients_file that loads), metrics_listen, state_dir. */
	if (net_check(cfg, !unit_credential(cfg->keys.server_secret_file), err, sizeof(err)) < 0) {
		log_err("%s", err);
		bad = 1;
	}
	bad |= check_metrics(cfg);
	bad |= check_state_dir(cfg->state_dir);

	/* Bind endpoints that would make libzmq abort in this environment. */
	const char *eps[2 + CONFIG_MAX_LIST] = { cfg->listen, cfg->publish };
	size_t n_eps = 2;
	for (size_t i = 0; i < cfg->n_sub_bind; i++)
		eps[n_eps++] = cfg->sub_bind[i];
	for (size_t i = 0; i < n_eps; i++)
		if (sandbox_bind_probe(eps[i], err, sizeof(err)) < 0) {
			log_err("%s", err);
			bad = 1;
		}
	if (catalog_load(&cat, (const char *const *)cfg->catalog, cfg->n_catalog, err) < 0) {
		log_err("%s", err);
		return 1;
	}
	if (bad) {
		catalog_free(cat);
		return 1;
	}
	if (catalog_lint(cat, print_lint, NULL) > 0)
		log_notice("the warnings above are lint, not errors: the plan text's own baseline, "
			   "growth rate and target disagree beyond rounding (e.g. a nominal target "
			   "against a real growth rate); the indicator's note: in the catalog says why");
	printf("config %s: ok; %zu plans, %zu indicators; state %s; listen %s; publish %s\n",
	       cfg->path, catalog_n_plans(cat), catalog_n_indicators(cat), cfg->state_dir,
	       cfg->listen, cfg->publish);
	catalog_free(cat);
	return 0;
}

static void print_problem(const char *problem, void *arg)
{
	(void)arg;
	printf("damaged: %s\n", problem);
}

/* planwatchd --verify: what PRAGMA integrity_check is to SQLite. Exit 0 when sound, 1 when
 * damaged or unreadable. */
static int verify_only(const struct config *cfg, const char *dir)
{
	char why[512], data[4096];
	struct store *s;
	struct store_verify_counts n;
	struct stat st;
	int rc;

	if (snprintf(data, sizeof(data), "%s/data.mdb", dir) >= (int)sizeof(data)) {
		log_err("cannot verify '%s': path too long", dir);
		return 1;
	}
	if (stat(data, &st) != 0) {
		log_err("cannot verify '%s': %s", data, strerror(errno));
		return 1;
	}
	if ((rc = store_check(dir, why, sizeof(why))) < 0) {
		if (rc == PW_EDAMAGED)
			printf("damaged: %s\n%s: damaged; restore it from a backup (planwatchd(8))\n",
			       why, data);
		else
			log_err("cannot verify '%s': %s", data, pw_strerror(rc));
		return 1;
	}
	if ((rc = store_open(&s, dir, cfg->map_size, cfg->map_max)) < 0) {
		log_err("cannot open store '%s': %s%s", dir, pw_strerror(rc),
			rc == PW_EBUSY ? " (planwatchd runs on it: verify a backup, --verify=DIR)" : "");
		return 1;
	}
	rc = store_verify(s, print_problem, NULL, &n);
	store_free(s);
	if (rc < 0) {
		log_err("cannot verify '%s': %s", data, pw_strerror(rc));
		return 1;
	}
	printf("%s: pages ok; %llu observations, %llu vintages, %llu notices, %llu quarantined, "
	       "%llu other records: %s\n", data, (unsigned long long)n.observations,
	       (unsigned long long)n.vintages, (unsigned long long)n.notices,
	       (unsigned long long)n.quarantined, (unsigned long long)n.others,
	       n.problems ? "DAMAGED" : "ok");
	if (n.problems)
		printf("%llu problems; restore the store from a backup (planwatchd(8))\n",
		       (unsigned long long)n.problems);
	return n.problems ? 1 : 0;
}

/* After a failed start: if the store is damaged, says what and where (store_open only
 * returns that it is). Reads the file again, but only when the start has failed. */
static void explain_damage(const struct config *cfg)
{
	char why[512];
	if (store_check(cfg->state_dir, why, sizeof(why)) == PW_EDAMAGED)
		log_err("store '%s/data.mdb' is damaged: %s; run planwatchd --verify, restore the "
			"store from a backup (planwatchd(8))", cfg->state_dir, why);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "check", no_argument, NULL, 'n' },
		{ "verify", optional_argument, NULL, 'y' },
		{ "verbose", no_argument, NULL, 'v' },	    { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },	    { NULL, 0, NULL, 0 },
	};
	const char *path = getenv("PLANWATCH_CONFIG");
	int check = 0, verify = 0, verbose = 0, c;
	const char *verify_dir = NULL;
	struct config cfg;
	struct server *srv;
	char err[1024];

	while ((c = getopt_long(argc, argv, "c:nvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
		case 'y': verify = 1, verify_dir = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("planwatchd 0.1.0 (protocol v1)\n"); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "planwatchd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	log_setup(verbose);
	if (!path)
		path = DEFAULT_CONFIG;
	if (config_load(&cfg, path, err) < 0) {
		log_err("%s", err);
		log_err("cannot start: fix the configuration (see planwatchd.conf(5)) or pass "
			"--config FILE");
		return 1;
	}
	if (check) {
		int rc = check_only(&cfg);
		config_release(&cfg);
		return rc;
	}
	if (verify) {
		int rc = verify_only(&cfg, verify_dir ? verify_dir : cfg.state_dir);
		config_release(&cfg);
		return rc;
	}
	struct sigaction sa = { .sa_handler = on_term };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Past a file size limit a write fails with EFBIG (answered store_full), not a kill. */
	signal(SIGXFSZ, SIG_IGN);
	if (server_new(&srv, &cfg, err, sizeof(err)) < 0) {
		log_err("cannot start: %s", err);
		explain_damage(&cfg);
		config_release(&cfg);
		return 1;
	}
	config_release(&cfg);
	int rc = server_run(srv, &got_term, &got_hup);
	server_free(srv);
	return rc < 0 ? 1 : 0;
}
