/* bench/slowsync.c — LD_PRELOAD: every fsync/fdatasync of the process, and every write
 * through a descriptor opened O_DSYNC/O_SYNC (how LMDB's default commit writes its meta
 * page), takes PW_SLOWSYNC_US microseconds longer (default 2000), as on a disk whose cache
 * flush is slow (a disk without a write cache, a network volume). For A/B runs of how a build's commit path
 * behaves when a flush costs more than the CPU of a group, which this machine's fast
 * virtual disk does not show:
 *
 *   LD_PRELOAD=build/slowsync.so PW_SLOWSYNC_US=3000 build/bench --only fair ...
 *
 * The bench's own spaced fdatasync is delayed too, so its ratios stay against the same
 * disk. Test code only. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAX_FD 4096
static unsigned char dsync[MAX_FD]; /* opened O_DSYNC or O_SYNC */

static long delay_us(void)
{
	static long us = -1;
	if (us < 0) {
		const char *e = getenv("PW_SLOWSYNC_US");
		us = e ? atol(e) : 2000;
	}
	return us;
}

static int slow(int rc)
{
	long us = delay_us();
	struct timespec ts = { us / 1000000, us % 1000000 * 1000 };
	while (us > 0 && nanosleep(&ts, &ts) != 0)
		;
	return rc;
}

int fdatasync(int fd)
{
	static int (*real)(int);
	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	return slow(real(fd));
}

int fsync(int fd)
{
	static int (*real)(int);
	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	return slow(real(fd));
}

static int opened(int fd, int flags)
{
	if (fd >= 0 && fd < MAX_FD)
		dsync[fd] = (flags & (O_DSYNC | O_SYNC)) != 0;
	return fd;
}

/* Looked up at each open (rare): the real open or open64. */
static int open_via(const char *name, const char *path, int flags, int mode)
{
	int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, name);
	return opened(real(path, flags, mode), flags);
}

#define MODE_ARG(flags, mode)                                                                      \
	do {                                                                                       \
		va_list ap;                                                                        \
		va_start(ap, flags);                                                               \
		mode = flags & (O_CREAT | O_TMPFILE) ? va_arg(ap, int) : 0;                        \
		va_end(ap);                                                                        \
	} while (0)

int open(const char *path, int flags, ...)
{
	int mode;
	MODE_ARG(flags, mode);
	return open_via("open", path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	int mode;
	MODE_ARG(flags, mode);
	return open_via("open64", path, flags, mode);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	if (!real)
		real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
	ssize_t rc = real(fd, buf, n, off);
	if (fd >= 0 && fd < MAX_FD && dsync[fd])
		slow(0);
	return rc;
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return pwrite(fd, buf, n, off);
}
