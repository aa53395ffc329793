/*
 * faultinject.c - an LD_PRELOAD library that makes one chosen system call
 * fail, so tests can show that a command which fails half-way changed
 * nothing (jq and SQLite test their failure paths the same way).
 *
 *   FAULT_WRITE=N    the Nth write(2) to a regular file fails (ENOSPC)
 *   FAULT_FSYNC=N    the Nth fsync(2) or fdatasync(2) fails (EIO)
 *   FAULT_RENAME=N   the Nth rename(2)/renameat(2)/renameat2(2) fails (EIO)
 *   FAULT_TRACE=1    prints each counted call to stderr (to pick N)
 *
 * Counts are per process.  Writes to terminals, pipes and sockets are not
 * counted: a tool must still be able to print the error it is reporting.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static long
env_long(const char *name)
{
	const char *v = getenv(name);
	if (v == NULL || *v == '\0')
		return 0;
	return strtol(v, NULL, 10);
}

static int
should_fail(const char *kind, const char *env, long *counter)
{
	long n = ++*counter;
	if (env_long("FAULT_TRACE"))
		fprintf(stderr, "faultinject: %s #%ld\n", kind, n);
	return env_long(env) == n;
}

static long nwrite, nfsync, nrename;

ssize_t
write(int fd, const void *buf, size_t len)
{
	static ssize_t (*real)(int, const void *, size_t);
	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	struct stat st;
	if (fd > 2 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    should_fail("write", "FAULT_WRITE", &nwrite)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, len);
}

int
fsync(int fd)
{
	static int (*real)(int);
	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	if (should_fail("fsync", "FAULT_FSYNC", &nfsync)) {
		errno = EIO;
		return -1;
	}
	return real(fd);
}

int
fdatasync(int fd)
{
	static int (*real)(int);
	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	if (should_fail("fdatasync", "FAULT_FSYNC", &nfsync)) {
		errno = EIO;
		return -1;
	}
	return real(fd);
}

int
rename(const char *from, const char *to)
{
	static int (*real)(const char *, const char *);
	if (real == NULL)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	if (should_fail("rename", "FAULT_RENAME", &nrename)) {
		errno = EIO;
		return -1;
	}
	return real(from, to);
}

int
renameat(int fd1, const char *from, int fd2, const char *to)
{
	static int (*real)(int, const char *, int, const char *);
	if (real == NULL)
		real = (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat");
	if (should_fail("rename", "FAULT_RENAME", &nrename)) {
		errno = EIO;
		return -1;
	}
	return real(fd1, from, fd2, to);
}

int
renameat2(int fd1, const char *from, int fd2, const char *to, unsigned flags)
{
	static int (*real)(int, const char *, int, const char *, unsigned);
	if (real == NULL)
		real = (int (*)(int, const char *, int, const char *, unsigned))
			dlsym(RTLD_NEXT, "renameat2");
	if (should_fail("rename", "FAULT_RENAME", &nrename)) {
		errno = EIO;
		return -1;
	}
	return real(fd1, from, fd2, to, flags);
}
