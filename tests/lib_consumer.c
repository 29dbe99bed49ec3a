/* tests/lib_consumer.c — an application of the installed library: it includes only the
 * installed headers, links only libplanwatch.a (make check-lib), and defines names of its
 * own that the library's internals also use (period_parse, proto_decode): with those
 * internals global, the link would fail with "multiple definition". */
#include <stdio.h>
#include <string.h>

#include "../client/planwatch.h"

int period_parse(void);
int proto_decode(void);
int period_parse(void)
{
	return 1;
}
int proto_decode(void)
{
	return 2;
}

int main(void)
{
	struct pw_client *c = NULL;
	/* An endpoint zmq refuses: the library runs, and fails cleanly, without a daemon. */
	int rc = pw_client_new(&c, "no-such-transport://x", NULL);
	pw_client_free(c);
	if (rc >= 0 || strlen(pw_strerror(rc)) == 0 || period_parse() != 1 || proto_decode() != 2) {
		fprintf(stderr, "lib_consumer: FAIL (rc %d)\n", rc);
		return 1;
	}
	printf("lib_consumer: ok (%s)\n", pw_strerror(rc));
	return 0;
}
