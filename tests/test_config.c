/* tests/test_config.c — config loading, path resolution, file:line errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../daemon/config.h"
#include "check.h"

static char dir[64];

static const char *write_conf(const char *text)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/planwatchd.conf", dir);
	FILE *f = fopen(path, "w");
	CHECK(f);
	fputs(text, f);
	fclose(f);
	return path;
}

int main(void)
{
	struct config c;
	char err[CONFIG_ERR_MAX], want[256];

	snprintf(dir, sizeof(dir), "/tmp/pwconf.XXXXXX");
	CHECK(mkdtemp(dir));
	/* Relative paths and ipc:// endpoints follow the config file's directory. */
	const char *p = write_conf("state_dir: st\ncatalog: [cat/a.yaml, /abs/b.yaml]\n"
				   "listen: ipc://run/in.sock\npublish: tcp://127.0.0.1:5555\n"
				   "map_size_mb: 8\ngroup_max: 500\npersistence: 3\nmargin_pct: 2.5\n");
	CHECK_OK(config_load(&c, p, err));
	snprintf(want, sizeof(want), "%s/st", dir);
	CHECK(strcmp(c.state_dir, want) == 0);
	snprintf(want, sizeof(want), "%s/cat/a.yaml", dir);
	CHECK(c.n_catalog == 2 && strcmp(c.catalog[0], want) == 0);
	CHECK(strcmp(c.catalog[1], "/abs/b.yaml") == 0);
	snprintf(want, sizeof(want), "ipc://%s/run/in.sock", dir);
	CHECK(strcmp(c.listen, want) == 0);
	CHECK(strcmp(c.publish, "tcp://127.0.0.1:5555") == 0);
	CHECK(c.map_size == 8u << 20 && c.group_max == 500 && c.persistence == 3);
	CHECK(c.margin_pct == 2.5 && c.hysteresis_pct == 0.5);
	config_release(&c);

	/* Defaults: endpoints live in the state directory; overdue_since is the store's. */
	p = write_conf("catalog: [a.yaml]\n");
	CHECK_OK(config_load(&c, p, err));
	snprintf(want, sizeof(want), "ipc://%s/state/ingest.sock", dir);
	CHECK(strcmp(c.listen, want) == 0);
	CHECK(c.overdue_since_ms == 0);
	config_release(&c);
	/* overdue_since: a date, 00:00 UTC. */
	p = write_conf("catalog: [a.yaml]\noverdue_since: \"2026-12-01\"\n");
	CHECK_OK(config_load(&c, p, err));
	CHECK(c.overdue_since_ms == 1796083200000);
	config_release(&c);

	/* Errors are fatal and name file:line. */
	const struct {
		const char *text, *needle;
	} bad[] = {
		{ "catalog: [a]\nlisen: x\n", "planwatchd.conf:2: unknown key 'lisen'" },
		{ "catalog: [a]\ngroup_max: 0\n", "planwatchd.conf:2: group_max: 0 is outside" },
		{ "catalog: [a]\npersistence: many\n", "planwatchd.conf:2: persistence: 'many'" },
		{ "state_dir: x\n", "planwatchd.conf:1: 'catalog' must list" },
		{ "catalog: [a]\nallow_clock_set: perhaps\n", "planwatchd.conf:2: allow_clock_set" },
		{ "catalog: [a]\nmap_size_mb: 100\nmap_max_mb: 10\n", "map_size_mb is larger" },
		{ "catalog: [a]\nquarantine_max_mb: 4\nquarantine_sender_max_mb: 8\n",
		  "quarantine_sender_max_mb is larger" },
		{ "catalog: [a]\nquarantine_sender_max_mb: 1\n", "quarantine_raw_max_kb must be" },
		{ "catalog: [a]\nquarantine_raw_max_kb: 2048\n", "quarantine_raw_max_kb: 2048" },
		{ "catalog: [a\n", "planwatchd.conf:" },
		{ "catalog: [a]\noverdue_since: 2026-02-30\n", "planwatchd.conf:2: 'overdue_since' must" },
		{ "catalog: [a]\noverdue_since: 2026-12\n", "planwatchd.conf:2: 'overdue_since' must" },
		{ "catalog: [a]\noverdue_since: 2026-12-01x\n", "'overdue_since' must be a date" },
		{ "catalog: [a]\noverdue_since: 1970-01-01\n", "'overdue_since' must be a date" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = write_conf(bad[i].text);
		CHECK_RC(config_load(&c, p, err), PW_ECONFIG);
		if (!strstr(err, bad[i].needle))
			fprintf(stderr, "error '%s' lacks '%s'\n", err, bad[i].needle);
		CHECK(strstr(err, bad[i].needle) != NULL);
	}
	CHECK_RC(config_load(&c, "/nonexistent/planwatchd.conf", err), PW_ESYS);
	CHECK(strstr(err, "/nonexistent/planwatchd.conf: cannot open") != NULL);
	snprintf(want, sizeof(want), "rm -rf %s", dir);
	CHECK(system(want) == 0);
	printf("test_config: ok\n");
	return 0;
}
