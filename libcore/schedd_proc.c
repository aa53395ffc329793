/*
 * schedd_proc.c - the processes of a run, found through /proc: a starter
 * that has not yet written its pid file, and what is left of a run whose
 * starter is gone.
 *
 * A run's processes are recognised three ways, each only among processes
 * of the sandbox's owner: membership of the starter's session (the
 * starter leads one; its pid and start time are in .starter.pid, and the
 * session counts only if that pid is still the starter's or free, never
 * when it now leads someone else's session), a working directory inside
 * the sandbox, or the _CONDOR_SCRATCH_DIR the starter gives the job (which
 * its children inherit).  A process that left the session, the sandbox
 * and that variable behind escapes; nothing short of cgroups would catch
 * it.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "num.h"
#include "schedd_int.h"
#include "starter.h"
#include "xalloc.h"
#include "banned.h"

/* ------------------------------------------------------------------ */
/* Processes                                                            */
/* ------------------------------------------------------------------ */

/* Session id and start time (field 22) of pid, from /proc/<pid>/stat. */
static bool
proc_stat(long pid, long *session, unsigned long long *start)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold anything, so the
	 * fields are counted from the last ')'; f[k] is field k + 3 */
	char *p = strrchr(buf, ')');
	if (p == NULL)
		return false;
	char *f[20];
	int nf = 0;
	for (p++; nf < 20;) {
		p += strspn(p, " ");
		if (*p == '\0')
			break;
		f[nf++] = p;
		p += strcspn(p, " ");
		if (*p != '\0')
			*p++ = '\0';
	}
	long long sess, t;
	if (nf < 20 || num_parse_ll(f[3], 0, LLONG_MAX, &sess) < 0 ||
	    num_parse_ll(f[19], 0, LLONG_MAX, &t) < 0)
		return false;
	*session = (long)sess;
	*start = (unsigned long long)t;
	return true;
}

/* Calls fn for every process of ours in /proc except this one. */
static void
each_process(void (*fn)(void *arg, long pid), void *arg)
{
	DIR *d = opendir("/proc");
	if (d == NULL)
		return;
	uid_t me = getuid();
	long self = (long)getpid();
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		long long pid;
		struct stat st;
		char path[64];
		if (!num_is_digits(de->d_name) ||
		    num_parse_ll(de->d_name, 1, INT_MAX, &pid) < 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%lld", pid);
		if (stat(path, &st) < 0 || (me != 0 && st.st_uid != me))
			continue;
		fn(arg, (long)pid);
	}
	closedir(d);
}

struct find_starter {
	const char *sandbox;
	pid_t found;
};

static void
match_starter(void *arg, long pid)
{
	struct find_starter *f = arg;
	char path[64], buf[PATH_MAX + 256];
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	size_t l0 = strlen(buf);
	if ((ssize_t)l0 + 1 >= n)
		return;
	const char *base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	if (strcmp(base, "condor_starter") == 0 && strcmp(buf + l0 + 1, f->sandbox) == 0)
		f->found = (pid_t)pid;
}

pid_t
schedd_find_starter(const char *sandbox)
{
	struct find_starter f = { sandbox, 0 };
	each_process(match_starter, &f);
	return f.found;
}

struct stragglers {
	const char *sandbox;
	uid_t owner;			/* of the sandbox: only its processes */
	long session;			/* the starter's: 0 if unknown */
	unsigned long long start;	/* the starter's start time */
	int killed;
};

/* true if pid's working directory is the sandbox or below it. */
static bool
works_in(long pid, const char *sandbox)
{
	char path[64], cwd[PATH_MAX];
	snprintf(path, sizeof(path), "/proc/%ld/cwd", pid);
	ssize_t n = readlink(path, cwd, sizeof(cwd) - 1);
	if (n <= 0)
		return false;
	cwd[n] = '\0';
	size_t l = strlen(sandbox);
	return strncmp(cwd, sandbox, l) == 0 && (cwd[l] == '\0' || cwd[l] == '/');
}

/* true if pid's environment names the sandbox as its scratch directory,
 * as the starter sets it for the job (and the job's children inherit). */
static bool
started_in(long pid, const char *sandbox)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/environ", pid);
	char *env = NULL;
	size_t len = 0;
	if (fileio_read_all(path, 1u << 20, &env, &len, NULL) < 0)
		return false;
	char *want = xasprintf("_CONDOR_SCRATCH_DIR=%s", sandbox);
	size_t wl = strlen(want);
	bool yes = false;
	for (size_t i = 0; i < len && !yes; i += strlen(env + i) + 1)
		yes = strncmp(env + i, want, wl + 1) == 0;
	free(want);
	free(env);
	return yes;
}

static uid_t
proc_uid(long pid)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%ld", pid);
	return stat(path, &st) == 0 ? st.st_uid : (uid_t)-1;
}

static void
kill_straggler(void *arg, long pid)
{
	struct stragglers *st = arg;
	if (proc_uid(pid) != st->owner)
		return;
	long session = 0;
	unsigned long long start = 0;
	bool ours = st->session > 0 && proc_stat(pid, &session, &start) &&
		    session == st->session && start >= st->start;
	if (ours || works_in(pid, st->sandbox) || started_in(pid, st->sandbox)) {
		if (kill((pid_t)pid, SIGKILL) == 0)
			st->killed++;
	}
}

/* The starter's pid and start time from .starter.pid, if readable. */
static bool
read_pid_file(const char *sandbox, long *pid, unsigned long long *start)
{
	char *path = fileio_join(sandbox, STARTER_PID_FILE);
	char *buf = NULL;
	size_t len;
	int rc = fileio_read_all(path, 256, &buf, &len, NULL);
	free(path);
	if (rc < 0)
		return false;
	char *sp = strchr(buf, ' ');
	long long p = 0, t = 0;
	bool ok = false;
	if (sp != NULL) {
		*sp = '\0';
		sp[1 + strcspn(sp + 1, "\n")] = '\0';
		ok = num_parse_ll(buf, 1, INT_MAX, &p) == 0 &&
		     num_parse_ll(sp + 1, 0, LLONG_MAX, &t) == 0;
	}
	free(buf);
	if (ok) {
		*pid = (long)p;
		*start = (unsigned long long)t;
	}
	return ok;
}

void
schedd_kill_stragglers(struct schedd *s, const char *sandbox)
{
	if (sandbox == NULL)
		return;
	struct stat sb;
	if (lstat(sandbox, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return;
	struct stragglers st = { sandbox, sb.st_uid, 0, 0, 0 };
	long pid, leader;
	unsigned long long start, lstart;
	if (read_pid_file(sandbox, &pid, &start) &&
	    (!proc_stat(pid, &leader, &lstart) || lstart == start)) {
		/* the starter leads its own session: every process it left
		 * behind, unless one made a session of its own, is in it.
		 * (Unless its pid now leads someone else's session.) */
		st.session = pid;
		st.start = start;
	}
	each_process(kill_straggler, &st);
	if (st.killed > 0)
		schedd_log(s, "killed %d leftover process%s of the run in %s", st.killed,
			   st.killed == 1 ? "" : "es", sandbox);
}
