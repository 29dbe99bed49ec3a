/* tests/powerloss/shim.c — LD_PRELOAD recorder for the power-loss simulator (powerloss.c).
 *
 *   PW_POWERLOSS_FILE=/abs/state/data.mdb PW_POWERLOSS_JOURNAL=/abs/journal \
 *   LD_PRELOAD=libpwshim.so planwatchd ...
 *
 * kill -9 keeps the page cache; a power cut keeps only what reached the disk. To know what
 * that is at any moment, this shim appends every event on the one state file named by
 * PW_POWERLOSS_FILE to a journal: each write (offset, bytes), each completed
 * fsync/fdatasync/syncfs/sync, each ftruncate, and whether the descriptor written was opened
 * O_DSYNC/O_SYNC (LMDB writes its meta page through such a second descriptor, so that write
 * is durable when it returns). The writes still go to the real file: LMDB reads its own
 * writes back through its read-only map. powerloss.c later rebuilds, for any event of the
 * journal, the file as a power cut during that event would leave it (the model of SQLite's
 * crash-test VFS, src/test6.c: writes since the last sync are each kept, dropped or torn at
 * sector granularity).
 *
 * A write is journalled before it is issued and a sync after it returns, so a journal can
 * only claim less durability than the disk had, never more — as long as no write is issued
 * while a sync of the file is running (a sync thread beside the writer): such a write would
 * be journalled before that sync's end without being covered by it. What this shim cannot
 * model it refuses, aborting the process with a message instead of passing unchecked: a
 * write during a sync, and a writable shared map of the file (MDB_WRITEMAP writes through
 * memory and syncs with msync).
 *
 * Only the daemon's own calls through the PLT are seen (liblmdb imports open, pwrite,
 * write, writev, lseek, fsync, fdatasync, ftruncate, mmap, msync); test code only. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"

#define MAX_FD 4096

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int jfd = -1;                 /* the journal, opened at the first tracked open */
static char target[4096];            /* PW_POWERLOSS_FILE */
static unsigned char tracked[MAX_FD]; /* 0: not ours, 1: ours, 2: ours and O_DSYNC */
static int syncing;                  /* syncs of the file running now (under lock) */

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_syncfs)(int);
static void (*real_sync)(void);
static int (*real_ftruncate)(int, off_t);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static void *(*real_mmap64)(void *, size_t, int, int, int, off_t);

static void die(const char *what)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "pwshim: %s\n", what);
	if (n > 0 && real_write)
		(void)!real_write(2, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	abort();
}

/* Also called from every wrapper: a sanitizer runtime's own start-up may reach open or
 * mmap before shared-library constructors run. */
__attribute__((constructor)) static void shim_init(void)
{
	if (real_write)
		return;
	real_open = dlsym(RTLD_NEXT, "open");
	real_open64 = dlsym(RTLD_NEXT, "open64");
	real_openat = dlsym(RTLD_NEXT, "openat");
	real_close = dlsym(RTLD_NEXT, "close");
	real_write = dlsym(RTLD_NEXT, "write");
	real_pwrite = dlsym(RTLD_NEXT, "pwrite");
	real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
	real_writev = dlsym(RTLD_NEXT, "writev");
	real_pwritev = dlsym(RTLD_NEXT, "pwritev");
	real_fsync = dlsym(RTLD_NEXT, "fsync");
	real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
	real_syncfs = dlsym(RTLD_NEXT, "syncfs");
	real_sync = dlsym(RTLD_NEXT, "sync");
	real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
	real_mmap = dlsym(RTLD_NEXT, "mmap");
	real_mmap64 = dlsym(RTLD_NEXT, "mmap64");
	if (!real_open || !real_write || !real_pwrite || !real_writev || !real_fsync ||
	    !real_fdatasync || !real_mmap || !real_close || !real_openat || !real_ftruncate)
		abort();
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Appends one record (and its bytes); the caller holds lock. Short writes retried: the
 * journal must be complete, or the rebuilt files would be wrong. */
static void jput(const struct pl_rec *r, const struct iovec *iov, int n)
{
	struct iovec v[1 + 64];
	int k = 0;
	v[k++] = (struct iovec){ (void *)r, sizeof(*r) };
	for (int i = 0; i < n; i++) {
		if (k == (int)(sizeof(v) / sizeof(v[0])))
			die("too many iovecs");
		v[k++] = iov[i];
	}
	for (int i = 0; i < k;) {
		ssize_t w = real_writev(jfd, v + i, k - i);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("journal write failed");
		}
		while (i < k && (size_t)w >= v[i].iov_len)
			w -= (ssize_t)v[i++].iov_len;
		if (i < k) {
			v[i].iov_base = (char *)v[i].iov_base + w;
			v[i].iov_len -= (size_t)w;
		}
	}
}

static void record(uint32_t kind, int fd, uint64_t off, const struct iovec *iov, int n)
{
	struct pl_rec r = { .magic = PL_MAGIC, .kind = kind, .off = off, .t_ns = now_ns(),
			    .pid = (uint32_t)getpid() };
	for (int i = 0; i < n; i++)
		r.len += iov[i].iov_len;
	if (kind == PL_WRITE && tracked[fd] == 2)
		r.kind = PL_DWRITE;
	jput(&r, iov, n);
}

/* The name is read at the first open, not in shim_init: a sanitizer's start-up can call
 * in before the environment is set up. */
static int is_target(const char *path)
{
	static int have_target;
	if (!have_target) {
		const char *t = getenv("PW_POWERLOSS_FILE");
		if (t && strlen(t) < sizeof(target))
			strcpy(target, t);
		have_target = 1;
	}
	return target[0] && path && !strcmp(path, target);
}

/* The journal opens with the first open of the file: a file that already has content is
 * journalled once as it is (the state the disk starts from). */
static void track(int fd, const char *path, int flags)
{
	if (fd < 0 || !is_target(path))
		return;
	if (fd >= MAX_FD)
		die("descriptor too large");
	pthread_mutex_lock(&lock);
	if (jfd < 0) {
		const char *j = getenv("PW_POWERLOSS_JOURNAL");
		if (!j || (jfd = real_open(j, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
			die("cannot open PW_POWERLOSS_JOURNAL");
		struct stat st;
		if (fstat(jfd, &st) == 0 && st.st_size == 0) {
			int rfd = real_open(path, O_RDONLY | O_CLOEXEC);
			char buf[65536];
			uint64_t off = 0;
			ssize_t n;
			while (rfd >= 0 && (n = pread(rfd, buf, sizeof(buf), (off_t)off)) > 0) {
				struct iovec v = { buf, (size_t)n };
				struct pl_rec r = { .magic = PL_MAGIC, .kind = PL_BASE, .off = off,
						    .len = (uint64_t)n, .t_ns = now_ns(),
						    .pid = (uint32_t)getpid() };
				jput(&r, &v, 1);
				off += (uint64_t)n;
			}
			if (rfd >= 0)
				real_close(rfd);
		}
	}
	tracked[fd] = (flags & (O_DSYNC | O_SYNC)) ? 2 : 1;
	if (flags & O_TRUNC) {
		struct pl_rec r = { .magic = PL_MAGIC, .kind = PL_TRUNC, .off = 0, .t_ns = now_ns(),
				    .pid = (uint32_t)getpid() };
		jput(&r, NULL, 0);
	}
	pthread_mutex_unlock(&lock);
}

static int ours(int fd)
{
	return fd >= 0 && fd < MAX_FD && tracked[fd];
}

#define OPEN_MODE(flags, mode)                                                                     \
	do {                                                                                       \
		if ((flags) & (O_CREAT | O_TMPFILE)) {                                             \
			va_list ap;                                                                \
			va_start(ap, flags);                                                       \
			mode = va_arg(ap, int);                                                    \
			va_end(ap);                                                                \
		}                                                                                  \
	} while (0)

int open(const char *path, int flags, ...)
{
	shim_init();
	int mode = 0;
	OPEN_MODE(flags, mode);
	int fd = real_open(path, flags, mode);
	track(fd, path, flags);
	return fd;
}

int open64(const char *path, int flags, ...)
{
	shim_init();
	int mode = 0;
	OPEN_MODE(flags, mode);
	int fd = (real_open64 ? real_open64 : real_open)(path, flags, mode);
	track(fd, path, flags);
	return fd;
}

int openat(int dirfd, const char *path, int flags, ...)
{
	shim_init();
	int mode = 0;
	OPEN_MODE(flags, mode);
	int fd = real_openat(dirfd, path, flags, mode);
	if (path[0] == '/')
		track(fd, path, flags);
	return fd;
}

int close(int fd)
{
	shim_init();
	if (ours(fd)) {
		pthread_mutex_lock(&lock);
		tracked[fd] = 0;
		pthread_mutex_unlock(&lock);
	}
	return real_close(fd);
}

static ssize_t logged_write(int fd, const struct iovec *iov, int n, off_t off, int positional,
			    ssize_t (*issue)(int, const struct iovec *, int, off_t))
{
	pthread_mutex_lock(&lock);
	if (syncing)
		die("a write of the state file while a sync of it runs: not modelled");
	off_t at = positional ? off : lseek(fd, 0, SEEK_CUR);
	record(PL_WRITE, fd, (uint64_t)at, iov, n);
	/* Under the lock: two threads' writes reach the journal in the order they were issued. */
	ssize_t w = issue(fd, iov, n, off);
	pthread_mutex_unlock(&lock);
	return w;
}

static ssize_t issue_write(int fd, const struct iovec *iov, int n, off_t off)
{
	(void)off;
	(void)n;
	return real_write(fd, iov[0].iov_base, iov[0].iov_len);
}

static ssize_t issue_pwrite(int fd, const struct iovec *iov, int n, off_t off)
{
	(void)n;
	return real_pwrite(fd, iov[0].iov_base, iov[0].iov_len, off);
}

static ssize_t issue_writev(int fd, const struct iovec *iov, int n, off_t off)
{
	(void)off;
	return real_writev(fd, iov, n);
}

static ssize_t issue_pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	return real_pwritev(fd, iov, n, off);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	shim_init();
	if (!ours(fd))
		return real_write(fd, buf, len);
	struct iovec v = { (void *)buf, len };
	return logged_write(fd, &v, 1, 0, 0, issue_write);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	shim_init();
	if (!ours(fd))
		return real_pwrite(fd, buf, len, off);
	struct iovec v = { (void *)buf, len };
	return logged_write(fd, &v, 1, off, 1, issue_pwrite);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	shim_init();
	if (!ours(fd))
		return (real_pwrite64 ? real_pwrite64 : real_pwrite)(fd, buf, len, off);
	struct iovec v = { (void *)buf, len };
	return logged_write(fd, &v, 1, off, 1, issue_pwrite);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	shim_init();
	if (!ours(fd))
		return real_writev(fd, iov, n);
	return logged_write(fd, iov, n, 0, 0, issue_writev);
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	shim_init();
	if (!ours(fd))
		return real_pwritev(fd, iov, n, off);
	return logged_write(fd, iov, n, off, 1, issue_pwritev);
}

static void sync_begins(void)
{
	pthread_mutex_lock(&lock);
	syncing++;
	pthread_mutex_unlock(&lock);
}

/* A sync is recorded after it returns: only then is the data durable. */
static void synced(int rc)
{
	pthread_mutex_lock(&lock);
	syncing--;
	if (rc == 0 && jfd >= 0)
		record(PL_SYNC, 0, 0, NULL, 0);
	pthread_mutex_unlock(&lock);
}

int fsync(int fd)
{
	shim_init();
	if (!ours(fd))
		return real_fsync(fd);
	sync_begins();
	int rc = real_fsync(fd);
	synced(rc);
	return rc;
}

int fdatasync(int fd)
{
	shim_init();
	if (!ours(fd))
		return real_fdatasync(fd);
	sync_begins();
	int rc = real_fdatasync(fd);
	synced(rc);
	return rc;
}

int syncfs(int fd)
{
	shim_init();
	sync_begins();
	int rc = real_syncfs(fd);
	synced(rc); /* the test keeps the state file on one file system */
	return rc;
}

void sync(void)
{
	shim_init();
	sync_begins();
	real_sync();
	synced(0);
}

int ftruncate(int fd, off_t len)
{
	shim_init();
	if (!ours(fd))
		return real_ftruncate(fd, len);
	pthread_mutex_lock(&lock);
	struct pl_rec r = { .magic = PL_MAGIC, .kind = PL_TRUNC, .off = (uint64_t)len,
			    .t_ns = now_ns(), .pid = (uint32_t)getpid() };
	jput(&r, NULL, 0);
	int rc = real_ftruncate(fd, len);
	pthread_mutex_unlock(&lock);
	return rc;
}

static void check_map(int prot, int flags, int fd)
{
	if (ours(fd) && (prot & PROT_WRITE) && (flags & MAP_SHARED))
		die("writable shared map of the state file (MDB_WRITEMAP?): writes through memory "
		    "are not modelled");
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	shim_init();
	check_map(prot, flags, fd);
	return real_mmap(addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	shim_init();
	check_map(prot, flags, fd);
	return (real_mmap64 ? real_mmap64 : real_mmap)(addr, len, prot, flags, fd, off);
}
