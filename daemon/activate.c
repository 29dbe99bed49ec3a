/* daemon/activate.c — systemd socket activation: find the passed socket for an endpoint. */
#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <systemd/sd-daemon.h>

#include "activate.h"

#define ACTIVATE_HOST_MAX 256

/* The unix socket for "PATH" or "@NAME" (abstract, as libzmq spells it), or -1. */
static int find_unix(int n, const char *path)
{
	char abstract[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t len = 0;

	assert(path);
	if (path[0] == '@') {
		/* sd_is_socket_unix() compares abstract names by length, NUL first. */
		len = strlen(path);
		if (len > sizeof(abstract))
			return -1;
		abstract[0] = '\0';
		memcpy(abstract + 1, path + 1, len - 1);
		path = abstract;
	}
	for (int i = 0; i < n; i++)
		if (sd_is_socket_unix(SD_LISTEN_FDS_START + i, SOCK_STREAM, 1, path, len) > 0)
			return SD_LISTEN_FDS_START + i;
	return -1;
}

/* True if fd is bound to the numeric address host (v4 or v6, without brackets). */
static bool bound_to(int fd, const char *host)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct in_addr a4;
	struct in6_addr a6;

	assert(host);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return false;
	if (ss.ss_family == AF_INET && inet_pton(AF_INET, host, &a4) == 1)
		return memcmp(&((struct sockaddr_in *)&ss)->sin_addr, &a4, sizeof(a4)) == 0;
	if (ss.ss_family == AF_INET6 && inet_pton(AF_INET6, host, &a6) == 1)
		return memcmp(&((struct sockaddr_in6 *)&ss)->sin6_addr, &a6, sizeof(a6)) == 0;
	return false;
}

/* The tcp socket for "HOST:PORT", or -1. A numeric HOST must match the bound address;
 * a wildcard ("*", 0.0.0.0, ::) or a name (interface, host name) matches on the port alone,
 * so "tcp://0.0.0.0:5555" adopts the dual-stack [::]:5555 of "ListenStream=5555". */
static int find_tcp(int n, const char *hostport)
{
	char host[ACTIVATE_HOST_MAX];
	const char *colon = strrchr(hostport, ':');
	char *end;
	long port;
	bool numeric;
	struct in6_addr a, wild = IN6ADDR_ANY_INIT;

	assert(hostport);
	if (!colon || colon == hostport || (size_t)(colon - hostport) >= sizeof(host))
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || port < 1 || port > 65535)
		return -1; /* "*" (ephemeral port) cannot have been passed in */
	if (hostport[0] == '[' && colon[-1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)(colon - hostport) - 2, hostport + 1);
	else
		snprintf(host, sizeof(host), "%.*s", (int)(colon - hostport), hostport);
	if (inet_pton(AF_INET, host, &a) == 1)
		numeric = ((struct in_addr *)&a)->s_addr != htonl(INADDR_ANY);
	else
		numeric = inet_pton(AF_INET6, host, &a) == 1 && memcmp(&a, &wild, sizeof(a)) != 0;
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		if (sd_is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1, (uint16_t)port) <= 0)
			continue;
		if (!numeric || bound_to(fd, host))
			return fd;
	}
	return -1;
}

int activate_fd_for(const char *endpoint)
{
	int n;

	if (!endpoint)
		return -1;
	/* 0: keep LISTEN_FDS for the next endpoint; sd_listen_fds() checks LISTEN_PID. */
	if ((n = sd_listen_fds(0)) <= 0)
		return -1;
	if (strncmp(endpoint, "ipc://", 6) == 0)
		return find_unix(n, endpoint + 6);
	if (strncmp(endpoint, "tcp://", 6) == 0)
		return find_tcp(n, endpoint + 6);
	return -1;
}
