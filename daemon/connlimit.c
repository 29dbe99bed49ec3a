/* daemon/connlimit.c — the connection bound (see connlimit.h). */
#include <errno.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "connlimit.h"

static atomic_size_t bound;      /* 0: not set up, pass everything */
static atomic_ulong refused;

/* Not declared without _GNU_SOURCE, which the build does not define. */
int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

void connlimit_setup(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		rl.rlim_cur = rl.rlim_max = 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	rlim_t lim = rl.rlim_cur == RLIM_INFINITY ? (rlim_t)1 << 20 : rl.rlim_cur;
	rlim_t reserve = lim / 4 > CONNLIMIT_RESERVE ? lim / 4 : CONNLIMIT_RESERVE;
	atomic_store(&bound, lim > reserve ? (size_t)(lim - reserve) : 1);
}

size_t connlimit_max(void)
{
	return atomic_load(&bound);
}

unsigned long connlimit_refused(void)
{
	return atomic_load(&refused);
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	long c = syscall(SYS_accept4, fd, addr, len, flags);
	size_t b = atomic_load(&bound);
	if (c >= 0 && b && (size_t)c >= b) {
		close((int)c);
		atomic_fetch_add(&refused, 1);
		errno = ECONNABORTED; /* skipped by libzmq's and libmicrohttpd's listeners */
		return -1;
	}
	return (int)c;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return accept4(fd, addr, len, 0);
}
