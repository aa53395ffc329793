/*
 * control.c - the wake-up channel, the single-instance lock and autostart;
 * see control.h.
 *
 * Deliberate choices:
 *   - Datagrams, not a stream: a wake-up is one message with no reply, the
 *     daemon drains them all in one go, and a sender never blocks (a full
 *     receive queue means wake-ups are already pending, which is as good
 *     as delivered).
 *   - The abstract namespace: no path-length limit and no stale socket
 *     file after a crash.  Anyone on the machine may send to the name, but
 *     a wake-up only makes the daemon re-read a queue it trusts anyway.
 *   - Autostart waits for condor_master's first process, which exits only
 *     once the daemon is listening (or has failed and said why on stderr,
 *     which the tool shares), so there is no polling.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"
#include "error.h"
#include "fileio.h"
#include "knob.h"
#include "num.h"
#include "xalloc.h"
#include "banned.h"

extern char **environ;

#define MASTER_LOCK_FILE "condor_master.lock"

/* ------------------------------------------------------------------ */
/* The address                                                          */
/* ------------------------------------------------------------------ */

/* FNV-1a, 64 bits: stable across builds and machines, which is all a
 * rendezvous name needs. */
static uint64_t
fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/*
 * Fills addr with the abstract name for lock_dir.  Returns 1 if lock_dir
 * does not exist (then no daemon can be using it), 0 or -1.
 */
static int
control_address(const char *lock_dir, struct sockaddr_un *addr, socklen_t *len,
		struct error *err)
{
	char *real = realpath(lock_dir, NULL);
	if (real == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 1;
		return error_errno(err, "resolve '%s'", lock_dir);
	}
	char uid[24];
	snprintf(uid, sizeof(uid), "%lu", (unsigned long)getuid());
	uint64_t h = fnv1a(14695981039346656037ULL, real, strlen(real) + 1);
	h = fnv1a(h, uid, strlen(uid));
	free(real);
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	int n = snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1,
			 "condorlet-%016llx", (unsigned long long)h);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The daemon's side                                                    */
/* ------------------------------------------------------------------ */

int
control_listen(const char *lock_dir, struct error *err)
{
	struct sockaddr_un addr;
	socklen_t len;
	int r = control_address(lock_dir, &addr, &len, err);
	if (r != 0)
		return r > 0 ? error_set(err, "'%s' does not exist", lock_dir) : -1;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_errno(err, "socket");
	if (bind(fd, (struct sockaddr *)&addr, len) < 0) {
		error_errno(err, "bind the control socket for '%s'", lock_dir);
		close(fd);
		return -1;
	}
	return fd;
}

unsigned
control_receive(int fd)
{
	unsigned mask = 0;
	for (;;) {
		unsigned char msg[64];
		ssize_t n = recv(fd, msg, sizeof(msg), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n < CONTROL_MSG_SIZE || msg[0] != CONTROL_VERSION)
			continue;
		if (msg[1] == CONTROL_WAKE)
			mask |= 1u << CONTROL_WAKE;
	}
	return mask;
}

/* The pid written in the lock file, or 0. */
static pid_t
read_holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	int pid;
	return num_parse_int(buf, 1, INT_MAX, &pid) == 0 ? (pid_t)pid : 0;
}

int
control_lock_master(const char *lock_dir, pid_t *holder, struct error *err)
{
	*holder = 0;
	char *path = fileio_join(lock_dir, MASTER_LOCK_FILE);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		error_errno(err, "open '%s'", path);
		free(path);
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			*holder = read_holder(fd);
			error_set(err, "'%s' is locked by another process", path);
		} else {
			error_errno(err, "lock '%s'", path);
		}
		close(fd);
		free(path);
		return -1;
	}
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	int wrc = ftruncate(fd, 0) < 0
			  ? error_errno(err, "truncate '%s'", path)
			  : fileio_write_all(fd, buf, (size_t)n, path, err);
	if (wrc < 0) {
		close(fd);
		free(path);
		return -1;
	}
	free(path);
	return fd;
}

/* ------------------------------------------------------------------ */
/* The tools' side                                                      */
/* ------------------------------------------------------------------ */

int
control_send(const char *lock_dir, enum control_type type, struct error *err)
{
	struct sockaddr_un addr;
	socklen_t len;
	int r = control_address(lock_dir, &addr, &len, err);
	if (r != 0)
		return r;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_errno(err, "socket");
	unsigned char msg[CONTROL_MSG_SIZE] = { CONTROL_VERSION, (unsigned char)type };
	ssize_t n;
	do {
		n = sendto(fd, msg, sizeof(msg), MSG_DONTWAIT | MSG_NOSIGNAL,
			   (struct sockaddr *)&addr, len);
	} while (n < 0 && errno == EINTR);
	int saved = errno;
	close(fd);
	if (n == (ssize_t)sizeof(msg))
		return 0;
	if (n >= 0)
		return error_set(err, "short send to the daemon");
	if (saved == ECONNREFUSED || saved == ENOENT)
		return 1;
	if (saved == EAGAIN || saved == EWOULDBLOCK)
		return 0;	/* its queue is full of wake-ups already */
	errno = saved;
	return error_errno(err, "wake the daemon");
}

/* The LOCK directory (caller frees), or NULL with err set. */
static char *
lock_dir_of(const struct knobs *k, struct error *err)
{
	char *dir = knob_get(k, "LOCK");
	if (dir == NULL || dir[0] == '\0') {
		free(dir);
		error_set(err, "LOCK is not set");
		return NULL;
	}
	return dir;
}

int
control_wake(const struct knobs *k, struct error *err)
{
	char *dir = lock_dir_of(k, err);
	if (dir == NULL)
		return -1;
	int r = control_send(dir, CONTROL_WAKE, err);
	free(dir);
	return r;
}

int
control_notify(const struct knobs *k, struct error *err)
{
	int r = control_wake(k, err);
	if (r != 1 || !knob_get_bool(k, "AUTOSTART_MASTER", true))
		return r;
	int started = control_autostart(k, err);
	if (started < 0)
		return -1;
	r = control_wake(k, err);
	if (r == 1)
		return error_set(err, started == 0
					      ? "condor_master started but does not answer"
					      : "condor_master did not start");
	return r;
}

/* ------------------------------------------------------------------ */
/* Finding and starting programs                                        */
/* ------------------------------------------------------------------ */

static bool
executable(const char *path)
{
	return access(path, X_OK) == 0;
}

/* name in the directory of the running executable, or in its
 * ../libexec/condorlet; NULL if neither exists. */
static char *
beside_self(const char *name)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	char *dir = fileio_dirname(self);
	const char *const where[] = { "", "/../libexec/condorlet" };
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		char *p = xasprintf("%s%s/%s", dir, where[i], name);
		if (executable(p)) {
			free(dir);
			return p;
		}
		free(p);
	}
	free(dir);
	return NULL;
}

static char *
on_path(const char *name)
{
	const char *path = getenv("PATH");
	if (path == NULL)
		return NULL;
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n > 0 && path[0] == '/') {
			char *p = xasprintf("%.*s/%s", (int)n, path, name);
			if (executable(p))
				return p;
			free(p);
		}
		path += n;
		path += *path == ':';
	}
	return NULL;
}

char *
control_find_program(const struct knobs *k, const char *knob, const char *name)
{
	char *v = knob ? knob_get(k, knob) : NULL;
	if (v != NULL && v[0] != '\0')
		return v;
	free(v);
	char *p = beside_self(name);
	return p ? p : on_path(name);
}

/* Waits for pid to exit, at most secs seconds; its wait status, or -1
 * with err set (it is left running on a timeout). */
static int
wait_bounded(pid_t pid, int secs, struct error *err)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd >= 0) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		int r;
		do {
			r = poll(&p, 1, secs * 1000);
		} while (r < 0 && errno == EINTR);
		close(pfd);
		if (r == 0)
			return error_set(err, "condor_master did not start within %d s",
					 secs);
	}
	int status;
	pid_t w;
	do {
		w = waitpid(pid, &status, 0);
	} while (w < 0 && errno == EINTR);
	if (w < 0)
		return error_errno(err, "wait for condor_master");
	return status;
}

int
control_autostart(const struct knobs *k, struct error *err)
{
	char *master = control_find_program(k, "MASTER", "condor_master");
	if (master == NULL)
		return error_set(err, "cannot find condor_master to start it");
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none;
	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	char *argv[] = { master, NULL };
	pid_t pid;
	int rc = posix_spawn(&pid, master, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0) {
		errno = rc;
		error_errno(err, "start '%s'", master);
		free(master);
		return -1;
	}
	int status = wait_bounded(pid, CONTROL_START_WAIT, err);
	if (status == -1) {
		free(master);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) <= 1) {
		/* 1 may be a lost race with another autostart: fine if a
		 * daemon answers, which control_notify checks next */
		free(master);
		return WEXITSTATUS(status);
	}
	error_set(err, "'%s' failed to start (status %d)", master, status);
	free(master);
	return -1;
}
