/* tests/report_main.c — drives report_write() for tests/test_report.sh until `planwatch
 * report` exists: report_main PLAN PERIOD|- html|csv|json OUT. The endpoint is
 * $PLANWATCH_ENDPOINT. Exit 0 on success, 1 on error (message on stderr), 2 on usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../client/planwatch.h"
#include "../client/report.h"

int main(int argc, char **argv)
{
	struct pw_client *c;
	char err[REPORT_ERR_MAX];
	const char *ep = getenv("PLANWATCH_ENDPOINT");
	int format, rc;
	FILE *f;

	if (argc != 5 || (format = report_format_parse(argv[3])) < 0) {
		fprintf(stderr, "usage: report_main PLAN PERIOD|- html|csv|json OUT\n");
		return 2;
	}
	if ((rc = pw_client_new(&c, ep ? ep : PW_DEFAULT_ENDPOINT, NULL)) < 0) {
		fprintf(stderr, "report_main: cannot connect: %s\n", pw_strerror(rc));
		return 1;
	}
	if (!(f = fopen(argv[4], "w"))) {
		perror(argv[4]);
		pw_client_free(c);
		return 1;
	}
	rc = report_write(c, argv[1], strcmp(argv[2], "-") ? argv[2] : NULL, format, f, err,
			  sizeof(err));
	if (fclose(f) != 0 && rc == 0) {
		perror(argv[4]);
		rc = PW_ESYS;
	}
	pw_client_free(c);
	if (rc < 0) {
		fprintf(stderr, "report_main: %s (%s)\n", err, pw_errname(rc));
		return 1;
	}
	return 0;
}
