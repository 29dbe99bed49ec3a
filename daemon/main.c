/* daemon/main.c — planwatchd: options, signals, and the server's lifetime. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>
#include <zmq.h>

#include "../proto/err.h"
#include "catalog.h"
#include "config.h"
#include "log.h"
#include "server.h"

#define DEFAULT_CONFIG "/etc/planwatch/planwatchd.conf"

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
		"usage: planwatchd [--config FILE] [--check] [--verbose]\n"
		"\n"
		"Monitors five-year-plan indicators: receives department figures over ZeroMQ,\n"
		"validates them against the indicator catalog, stores every revision in LMDB and\n"
		"publishes change and target notifications.\n"
		"\n"
		"  -c, --config FILE  configuration (YAML); default $PLANWATCH_CONFIG or\n"
		"                     " DEFAULT_CONFIG "\n"
		"  -n, --check        load config and catalog, print a summary, exit (0 = valid)\n"
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

static int check_only(const struct config *cfg)
{
	struct catalog *cat;
	char err[CAT_ERR_MAX];
	if (catalog_load(&cat, (const char *const *)cfg->catalog, cfg->n_catalog, err) < 0) {
		log_err("%s", err);
		return 1;
	}
	catalog_lint(cat, print_lint, NULL);
	printf("config %s: ok; %zu plans, %zu indicators; state %s; listen %s; publish %s\n",
	       cfg->path, catalog_n_plans(cat), catalog_n_indicators(cat), cfg->state_dir,
	       cfg->listen, cfg->publish);
	catalog_free(cat);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "check", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },	    { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },	    { NULL, 0, NULL, 0 },
	};
	const char *path = getenv("PLANWATCH_CONFIG");
	int check = 0, verbose = 0, c;
	struct config cfg;
	struct server *srv;
	char err[1024];

	while ((c = getopt_long(argc, argv, "c:nvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
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
	struct sigaction sa = { .sa_handler = on_term };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (server_new(&srv, &cfg, err, sizeof(err)) < 0) {
		log_err("cannot start: %s", err);
		config_release(&cfg);
		return 1;
	}
	config_release(&cfg);
	int rc = server_run(srv, &got_term, &got_hup);
	server_free(srv);
	return rc < 0 ? 1 : 0;
}
