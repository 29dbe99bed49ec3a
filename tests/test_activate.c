/* tests/test_activate.c — matching passed sockets (LISTEN_FDS) to endpoints. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../daemon/activate.h"
#include "check.h"

static int unix_socket(const char *path, int type, bool listening)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	int fd = socket(AF_UNIX, type, 0);

	CHECK(fd >= 0 && strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path));
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract, as libzmq and systemd spell it */
	CHECK(bind(fd, (struct sockaddr *)&sa, len) == 0);
	CHECK(!listening || listen(fd, 8) == 0);
	return fd;
}

/* A listening loopback socket on an ephemeral port; *port receives it. */
static int tcp_socket(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	CHECK(fd >= 0);
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 8) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Moves fds[0..n) to SD_LISTEN_FDS_START (3) onwards, as the service manager passes them. */
static void pass(int *fds, int n)
{
	int high[8];
	char buf[32];

	CHECK(n <= 8);
	for (int i = 0; i < n; i++) {
		CHECK((high[i] = fcntl(fds[i], F_DUPFD, 100)) >= 0);
		close(fds[i]);
	}
	for (int i = 0; i < n; i++) {
		CHECK(dup2(high[i], 3 + i) == 3 + i);
		close(high[i]);
	}
	snprintf(buf, sizeof(buf), "%d", n);
	setenv("LISTEN_FDS", buf, 1);
	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	setenv("LISTEN_PID", buf, 1);
}

int main(void)
{
	char dir[64], a[128], b[128], quiet[128], ep[256], abstract[64];
	int fds[4], port;

	snprintf(dir, sizeof(dir), "/tmp/pwact.XXXXXX");
	CHECK(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/ingest.sock", dir);
	snprintf(b, sizeof(b), "%s/other.sock", dir);
	snprintf(quiet, sizeof(quiet), "%s/quiet.sock", dir);
	snprintf(abstract, sizeof(abstract), "@pwact-%d", (int)getpid());

	/* Not socket activated: nothing matches, and bad arguments are refused. */
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	snprintf(ep, sizeof(ep), "ipc://%s", a);
	CHECK(activate_fd_for(ep) == -1);
	CHECK(activate_fd_for(NULL) == -1);

	fds[0] = unix_socket(a, SOCK_STREAM, true);
	fds[1] = unix_socket(abstract, SOCK_STREAM, true);
	fds[2] = tcp_socket(&port);
	fds[3] = unix_socket(quiet, SOCK_STREAM, false); /* bound, not listening */
	pass(fds, 4);

	/* ipc://: the same path (or abstract name), listening, stream. */
	snprintf(ep, sizeof(ep), "ipc://%s", a);
	CHECK(activate_fd_for(ep) == 3);
	CHECK(activate_fd_for(ep) == 3); /* LISTEN_FDS stays for the next endpoint */
	snprintf(ep, sizeof(ep), "ipc://%s", b);
	CHECK(activate_fd_for(ep) == -1);
	snprintf(ep, sizeof(ep), "ipc://%s", abstract);
	CHECK(activate_fd_for(ep) == 4);
	snprintf(ep, sizeof(ep), "ipc://%s", abstract + 1); /* a relative path, not the name */
	CHECK(activate_fd_for(ep) == -1);
	snprintf(ep, sizeof(ep), "ipc://%s", quiet);
	CHECK(activate_fd_for(ep) == -1);

	/* tcp://: the port, and a numeric non-wildcard host must be the bound address. */
	snprintf(ep, sizeof(ep), "tcp://127.0.0.1:%d", port);
	CHECK(activate_fd_for(ep) == 5);
	snprintf(ep, sizeof(ep), "tcp://*:%d", port);
	CHECK(activate_fd_for(ep) == 5);
	snprintf(ep, sizeof(ep), "tcp://0.0.0.0:%d", port);
	CHECK(activate_fd_for(ep) == 5);
	snprintf(ep, sizeof(ep), "tcp://[::]:%d", port);
	CHECK(activate_fd_for(ep) == 5);
	snprintf(ep, sizeof(ep), "tcp://localhost:%d", port); /* a name: port alone */
	CHECK(activate_fd_for(ep) == 5);
	snprintf(ep, sizeof(ep), "tcp://127.0.0.2:%d", port);
	CHECK(activate_fd_for(ep) == -1);
	snprintf(ep, sizeof(ep), "tcp://[::1]:%d", port);
	CHECK(activate_fd_for(ep) == -1);
	snprintf(ep, sizeof(ep), "tcp://127.0.0.1:%d", port == 65535 ? 1 : port + 1);
	CHECK(activate_fd_for(ep) == -1);
	CHECK(activate_fd_for("tcp://127.0.0.1:*") == -1);
	CHECK(activate_fd_for("tcp://127.0.0.1:99999") == -1);
	CHECK(activate_fd_for("tcp://127.0.0.1") == -1);
	CHECK(activate_fd_for("tcp://:") == -1);
	CHECK(activate_fd_for("inproc://zeromq.zap.01") == -1);

	/* The sockets were passed to another process (LISTEN_PID): ignore them. */
	setenv("LISTEN_PID", "1", 1);
	snprintf(ep, sizeof(ep), "ipc://%s", a);
	CHECK(activate_fd_for(ep) == -1);

	for (int fd = 3; fd < 7; fd++)
		close(fd);
	unlink(a);
	unlink(quiet);
	rmdir(dir);
	printf("test_activate: ok\n");
	return 0;
}
