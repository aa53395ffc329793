/*
 * sshjob.c - finding a running job's sandbox, environment and processes
 * for condor_ssh_to_job (sshjob.h).
 *
 * Deliberate choices:
 * - Ownership is checked before the job's state, so another user's job
 *   is refused the same way whatever it is doing.
 * - A job that is Running in the queue but whose starter is gone, or has
 *   not written .job.env yet, or has no process between two incarnations,
 *   counts as not running: each of those is a moment of a legitimate run
 *   (starting, checkpointing, ending) and -auto-retry should wait it out.
 *   Anything the daemon and the starter would never make is an error.
 * - The job's process ids come from /proc/<starter>/task/<tid>/children;
 *   on a kernel without that file, from a scan of /proc for the starter's
 *   children.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "action.h"
#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "jobargs.h"
#include "num.h"
#include "queue.h"
#include "sshjob.h"
#include "starter.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

#define SANDBOX_ATTR "CondorletSandbox"	/* the daemon's (schedd.h) */
#define SANDBOX_PREFIX "dir_"
/* Bounds on what is read from /proc. */
#define CHILDREN_MAX (64u << 10)
#define STAT_MAX 4096
#define PIDS_MAX 4096

enum { JOB_IDLE = 1, JOB_RUNNING, JOB_REMOVED, JOB_COMPLETED, JOB_HELD };

/* ------------------------------------------------------------------ */
/* The job id                                                           */
/* ------------------------------------------------------------------ */

/* Parses n bytes of s as a number in [min, max]. */
static int
id_part(const char *s, size_t n, int min, int max, int *out)
{
	if (n == 0 || n > 10)
		return -1;
	char buf[16];
	memcpy(buf, s, n);
	buf[n] = '\0';
	return num_is_digits(buf) ? num_parse_int(buf, min, max, out) : -1;
}

int
sshjob_parse_id(const char *s, int *cluster, int *proc)
{
	int c, p = 0, node = 0;
	size_t n = strcspn(s, ".");
	if (id_part(s, n, 1, INT_MAX, &c) < 0)
		return -1;
	if (s[n] == '.') {
		s += n + 1;
		n = strcspn(s, ".");
		if (id_part(s, n, 0, INT_MAX, &p) < 0)
			return -1;
		if (s[n] == '.' && (id_part(s + n + 1, strlen(s + n + 1), 0, 0,
					    &node) < 0))
			return -1;
	}
	*cluster = c;
	*proc = p;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Files in the sandbox                                                 */
/* ------------------------------------------------------------------ */

/*
 * Reads dirfd/name (shown as dir/name): a regular file owned by the
 * caller, at most max bytes, never through a symbolic link, never
 * blocking on a FIFO.  *missing is set when it does not exist.
 */
static int
read_private(int dirfd, const char *dir, const char *name, size_t max,
	     char **out, size_t *lenp, bool *missing, struct error *err)
{
	*out = NULL;
	*missing = false;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		*missing = errno == ENOENT;
		return error_errno(err, "open '%s/%s'", dir, name);
	}
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0)
		rc = error_errno(err, "stat '%s/%s'", dir, name);
	else if (!S_ISREG(st.st_mode))
		rc = error_set(err, "'%s/%s' is not a regular file", dir, name);
	else if (st.st_uid != geteuid())
		rc = error_set(err, "'%s/%s' is owned by uid %ld, not by you", dir,
			       name, (long)st.st_uid);
	else if ((unsigned long long)st.st_size > max)
		rc = error_set(err, "'%s/%s' is too large (more than %zu bytes)",
			       dir, name, max);
	char *buf = rc == 0 ? xmalloc(max + 2) : NULL;
	size_t len = 0;
	while (rc == 0 && len <= max) {
		ssize_t n = read(fd, buf + len, max + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = error_errno(err, "read '%s/%s'", dir, name);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (rc == 0 && len > max)	/* it grew while we read */
		rc = error_set(err, "'%s/%s' is too large (more than %zu bytes)",
			       dir, name, max);
	close(fd);
	if (rc < 0) {
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	*out = buf;
	*lenp = len;
	return 0;
}

/* The value of line "Name = value" in the text of a .job.ad, or NULL. */
static const char *
ad_line_value(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = text; *p;) {
		if (strncmp(p, name, n) == 0 && strncmp(p + n, " = ", 3) == 0)
			return p + n + 3;
		const char *nl = strchr(p, '\n');
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return NULL;
}

static bool
ad_int_is(const char *text, const char *name, int want)
{
	const char *v = ad_line_value(text, name);
	if (v == NULL)
		return false;
	char *line = xstrndup(v, strcspn(v, "\n"));
	int got;
	bool yes = num_parse_int(line, INT_MIN, INT_MAX, &got) == 0 && got == want;
	free(line);
	return yes;
}

/* The sandbox's .job.ad is the daemon's record of which job runs there. */
static int
check_job_ad(const struct sshjob_request *req, int dirfd, const char *sandbox,
	     struct error *err)
{
	char *text;
	size_t len;
	bool missing;
	if (read_private(dirfd, sandbox, STARTER_JOB_AD, STARTER_JOB_AD_MAX, &text,
			 &len, &missing, err) < 0)
		return error_prefix(err, "job %d.%d", req->cluster, req->proc);
	int rc = 0;
	if (!ad_int_is(text, "ClusterId", req->cluster) ||
	    !ad_int_is(text, "ProcId", req->proc))
		rc = error_set(err, "job %d.%d: sandbox '%s' belongs to another job",
			       req->cluster, req->proc, sandbox);
	free(text);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The sandbox path                                                     */
/* ------------------------------------------------------------------ */

/* true if name is dir_<n>, exactly as the daemon names sandboxes. */
static bool
sandbox_name_ok(const char *name)
{
	long long n;
	const char *digits = name + strlen(SANDBOX_PREFIX);
	return strncmp(name, SANDBOX_PREFIX, strlen(SANDBOX_PREFIX)) == 0 &&
	       num_is_digits(digits) && strlen(digits) <= 19 &&
	       num_parse_ll(digits, 0, LLONG_MAX, &n) == 0;
}

/*
 * Opens sandbox, which the queue says is the job's, after checking that it
 * is EXECUTE/dir_<n> (execute resolved), a directory that is no symbolic
 * link, owned by the caller.  Returns the directory's fd, or -1.
 */
static int
open_sandbox(const struct sshjob_request *req, const char *sandbox,
	     struct error *err)
{
	char *exec = realpath(req->execute, NULL);
	if (exec == NULL)
		return error_errno(err, "job %d.%d: EXECUTE directory '%s'",
				   req->cluster, req->proc, req->execute);
	size_t n = strlen(exec);
	bool form = strncmp(sandbox, exec, n) == 0 && sandbox[n] == '/' &&
		    sandbox_name_ok(sandbox + n + 1);
	free(exec);
	if (!form)
		return error_set(err, "job %d.%d: recorded sandbox '%s' is not "
				 "EXECUTE/dir_<n> (EXECUTE is '%s'); refusing to "
				 "enter it", req->cluster, req->proc, sandbox,
				 req->execute);
	struct stat st;
	if (lstat(sandbox, &st) < 0)
		return error_errno(err, "job %d.%d: sandbox '%s'", req->cluster,
				   req->proc, sandbox);
	if (!S_ISDIR(st.st_mode))
		return error_set(err, "job %d.%d: sandbox '%s' is not a directory "
				 "(symbolic links are not followed)",
				 req->cluster, req->proc, sandbox);
	if (st.st_uid != geteuid())
		return error_set(err, "job %d.%d: sandbox '%s' is owned by uid %ld, "
				 "not by you; refusing to enter it", req->cluster,
				 req->proc, sandbox, (long)st.st_uid);
	int fd = open(sandbox, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "job %d.%d: open sandbox '%s'", req->cluster,
				   req->proc, sandbox);
	struct stat st2;
	if (fstat(fd, &st2) < 0 || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino) {
		close(fd);
		return error_set(err, "job %d.%d: sandbox '%s' changed while being "
				 "checked", req->cluster, req->proc, sandbox);
	}
	return fd;
}

/* ------------------------------------------------------------------ */
/* The environment                                                      */
/* ------------------------------------------------------------------ */

/* strcmp of the names of two "NAME=value" entries. */
static int
name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	return c != 0 ? c : alen < blen ? -1 : alen > blen ? 1 : 0;
}

char **
sshjob_env_parse(const char *data, size_t len, const char *what,
		 struct error *err)
{
	if (len > STARTER_JOB_ENV_MAX) {
		error_set(err, "%s: too large (more than %u bytes)", what,
			  STARTER_JOB_ENV_MAX);
		return NULL;
	}
	char **v = NULL;
	size_t n = 0, alloc = 0;
	const char *prev = NULL;
	size_t prev_len = 0;
	for (size_t off = 0; off < len;) {
		const char *e = data + off;
		const char *nul = memchr(e, '\0', len - off);
		const char *eq = nul ? memchr(e, '=', (size_t)(nul - e)) : NULL;
		const char *why = nul == NULL ? "is not terminated by a NUL byte" :
				  eq == NULL ? "has no '='" :
				  eq == e ? "has no name" : NULL;
		size_t nlen = eq ? (size_t)(eq - e) : 0;
		if (why == NULL && prev != NULL && name_cmp(prev, prev_len, e, nlen) >= 0)
			why = "is out of order or repeats a name";
		if (why != NULL) {
			error_set(err, "%s: entry %zu %s", what, n + 1, why);
			XGROW(v, n + 1, alloc);
			v[n] = NULL;
			jobargs_free(v);
			return NULL;
		}
		XGROW(v, n + 2, alloc);
		v[n++] = xstrdup(e);
		prev = e;
		prev_len = nlen;
		off += (size_t)(nul - e) + 1;
	}
	XGROW(v, n + 1, alloc);
	v[n] = NULL;
	return v;
}

static bool
has_name(const char *entry, const char *name)
{
	size_t n = strlen(name);
	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

/* The job's environment, our variables replacing any it has. */
static char **
final_env(char **jobenv, const pid_t *pids, size_t npids, const char *term)
{
	size_t n = 0;
	while (jobenv[n] != NULL)
		n++;
	char **v = xcalloc(n + 3, sizeof(*v));
	size_t out = 0;
	bool have_term = false;
	for (size_t i = 0; i < n; i++) {
		if (has_name(jobenv[i], SSHJOB_PIDS_VAR)) {
			free(jobenv[i]);
			continue;
		}
		have_term = have_term || has_name(jobenv[i], "TERM");
		v[out++] = jobenv[i];
	}
	free(jobenv);
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, SSHJOB_PIDS_VAR "=");
	for (size_t i = 0; i < npids; i++)
		strbuf_addf(&sb, "%s%ld", i ? " " : "", (long)pids[i]);
	v[out++] = strbuf_detach(&sb, NULL);
	if (term != NULL && !have_term)
		v[out++] = xasprintf("TERM=%s", term);
	v[out] = NULL;
	return v;
}

/* ------------------------------------------------------------------ */
/* The job's processes                                                  */
/* ------------------------------------------------------------------ */

/* Fields 4 (ppid) and 6 (session) of /proc/<pid>/stat; -1 if gone or a
 * zombie. */
static int
proc_ids(pid_t pid, long long *ppid, long long *sid)
{
	char path[64], buf[STAT_MAX];
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name (field 2) may hold spaces and parentheses. */
	char *p = strrchr(buf, ')');
	char *end;
	if (p == NULL || p[1] != ' ' || p[2] == '\0' || p[3] != ' ' ||
	    p[2] == 'Z' || p[2] == 'X')
		return -1;
	*ppid = strtoll(p + 4, &end, 10);
	if (*end != ' ')
		return -1;
	strtoll(end + 1, &end, 10);	/* the process group */
	if (*end != ' ')
		return -1;
	*sid = strtoll(end + 1, &end, 10);
	return *end == ' ' ? 0 : -1;
}

static void
add_pid(pid_t **v, size_t *n, size_t *alloc, long long pid)
{
	if (pid < 1 || pid > INT_MAX || *n >= PIDS_MAX)
		return;
	XGROW(*v, *n + 1, *alloc);
	(*v)[(*n)++] = (pid_t)pid;
}

/* The starter's children from /proc/<pid>/task/<tid>/children; -1 if the
 * kernel does not provide that file. */
static int
children_from_tasks(pid_t starter, pid_t **v, size_t *n, size_t *alloc)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/task", (long)starter);
	DIR *d = opendir(path);
	if (d == NULL)
		return -1;
	struct dirent *de;
	int rc = -1;
	while ((de = readdir(d)) != NULL) {
		if (!num_is_digits(de->d_name))
			continue;
		char *f = xasprintf("%s/%s/children", path, de->d_name);
		char *text = NULL;
		size_t len;
		if (fileio_read_all(f, CHILDREN_MAX, &text, &len, NULL) == 0) {
			rc = 0;
			for (char *p = text; *p;) {
				char *end;
				long long pid = strtoll(p, &end, 10);
				if (end == p)
					break;
				add_pid(v, n, alloc, pid);
				p = end;
			}
		}
		free(text);
		free(f);
	}
	closedir(d);
	return rc;
}

static void
children_from_scan(pid_t starter, pid_t **v, size_t *n, size_t *alloc)
{
	DIR *d = opendir("/proc");
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		long long pid, ppid, sid;
		if (!num_is_digits(de->d_name) ||
		    num_parse_ll(de->d_name, 1, INT_MAX, &pid) < 0 ||
		    proc_ids((pid_t)pid, &ppid, &sid) < 0 || ppid != starter)
			continue;
		add_pid(v, n, alloc, pid);
	}
	closedir(d);
}

static int
pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return x < y ? -1 : x > y;
}

size_t
sshjob_job_pids(pid_t starter, pid_t **pids)
{
	pid_t *v = NULL;
	size_t n = 0, alloc = 0;
	long long ppid, starter_sid;
	*pids = NULL;
	if (proc_ids(starter, &ppid, &starter_sid) < 0)
		return 0;
	if (children_from_tasks(starter, &v, &n, &alloc) < 0)
		children_from_scan(starter, &v, &n, &alloc);
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		long long sid;
		if (proc_ids(v[i], &ppid, &sid) == 0 && ppid == starter &&
		    sid != starter_sid)
			v[out++] = v[i];
	}
	if (out > 1)
		qsort(v, out, sizeof(*v), pid_cmp);
	size_t uniq = 0;
	for (size_t i = 0; i < out; i++)
		if (uniq == 0 || v[uniq - 1] != v[i])
			v[uniq++] = v[i];
	if (uniq == 0) {
		free(v);
		return 0;
	}
	*pids = v;
	return uniq;
}

/* ------------------------------------------------------------------ */
/* The job                                                              */
/* ------------------------------------------------------------------ */

static bool
may_enter(const struct sshjob_request *req, const struct classad *ad)
{
	if (action_is_super_user(req->super_users, req->user))
		return true;
	char *owner = classad_get_string(ad, "Owner");
	bool yes = owner != NULL && strcmp(owner, req->user) == 0;
	free(owner);
	return yes;
}

/* Where the job runs: its Iwd when it transfers no files, else the
 * sandbox (starter_env.c decides the same way). */
static char *
job_cwd(const struct classad *ad, const char *sandbox)
{
	char *stf = classad_get_string(ad, "ShouldTransferFiles");
	bool shared = stf != NULL && strcasecmp(stf, "NO") == 0;
	free(stf);
	char *iwd = shared ? classad_get_string(ad, "Iwd") : NULL;
	if (iwd != NULL && iwd[0] == '/')
		return iwd;
	free(iwd);
	return xstrdup(sandbox);
}

/* Reads .job.env and the process ids of the live run in sandbox (dirfd);
 * leaves job->state NOT_RUNNING if the job's process is not there. */
static int
enter_run(const struct sshjob_request *req, const char *sandbox, int dirfd,
	  struct sshjob *job, struct error *err)
{
	char *text;
	size_t len;
	bool missing;
	char *what = fileio_join(sandbox, STARTER_JOB_ENV);
	int rc = read_private(dirfd, sandbox, STARTER_JOB_ENV, STARTER_JOB_ENV_MAX,
			      &text, &len, &missing, err);
	char **env = NULL;
	if (rc == 0) {
		env = sshjob_env_parse(text, len, what, err);
		free(text);
		rc = env == NULL ? -1 : 0;
	} else if (missing) {
		rc = 0;	/* the starter is still transferring input */
	}
	free(what);
	if (rc < 0)
		return error_prefix(err, "job %d.%d", req->cluster, req->proc);
	if (env == NULL)
		return 0;
	job->npids = sshjob_job_pids(job->starter, &job->pids);
	if (job->npids == 0 || starter_alive(sandbox) != job->starter) {
		jobargs_free(env);
		return 0;	/* between incarnations, or just ended */
	}
	job->envp = final_env(env, job->pids, job->npids, req->term);
	job->state = SSHJOB_READY;
	return 0;
}

static int
examine_running(const struct sshjob_request *req, const struct classad *ad,
		struct sshjob *job, struct error *err)
{
	char *sandbox = classad_get_string(ad, SANDBOX_ATTR);
	if (sandbox == NULL)
		return error_set(err, "job %d.%d is running but records no sandbox",
				 req->cluster, req->proc);
	int dirfd = open_sandbox(req, sandbox, err);
	if (dirfd < 0) {
		free(sandbox);
		return -1;
	}
	job->state = SSHJOB_NOT_RUNNING;
	struct stat st;
	/* starter_alive reads the pid file by path: make sure it is a plain
	 * file first, so that a FIFO planted there cannot block us. */
	bool plain = fstatat(dirfd, STARTER_PID_FILE, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     S_ISREG(st.st_mode);
	int rc = 0;
	if (plain && (job->starter = starter_alive(sandbox)) > 0) {
		rc = check_job_ad(req, dirfd, sandbox, err);
		if (rc == 0)
			rc = enter_run(req, sandbox, dirfd, job, err);
	}
	close(dirfd);
	if (rc == 0 && job->state == SSHJOB_READY) {
		job->cwd = job_cwd(ad, sandbox);
		job->sandbox = sandbox;
		return 0;
	}
	free(sandbox);
	return rc;
}

static int
examine(const struct sshjob_request *req, const struct classad *ad,
	struct sshjob *job, struct error *err)
{
	if (!may_enter(req, ad)) {
		char *owner = classad_get_string(ad, "Owner");
		error_set(err, "job %d.%d belongs to %s, not to %s: permission denied",
			  req->cluster, req->proc, owner ? owner : "nobody", req->user);
		free(owner);
		return -1;
	}
	long long status = 0;
	classad_get_int(ad, "JobStatus", &status);
	switch (status) {
	case JOB_RUNNING:
		return examine_running(req, ad, job, err);
	case JOB_HELD:
		job->state = SSHJOB_HELD;
		job->hold_reason = classad_get_string(ad, "HoldReason");
		if (job->hold_reason == NULL)
			job->hold_reason = xstrdup("");
		return 0;
	case JOB_REMOVED:
	case JOB_COMPLETED:
		job->state = SSHJOB_ENDED;
		return 0;
	default:
		job->state = SSHJOB_NOT_RUNNING;
		return 0;
	}
}

int
sshjob_find(const struct sshjob_request *req, struct sshjob *job,
	    struct error *err)
{
	memset(job, 0, sizeof(*job));
	struct queue *q = queue_open(req->spool, QUEUE_READ, err);
	if (q == NULL)
		return -1;
	const struct classad *ad = queue_find(q, req->cluster, req->proc);
	int rc = 0;
	if (ad == NULL)
		job->state = SSHJOB_GONE;
	else
		rc = examine(req, ad, job, err);
	queue_close(q);
	if (rc < 0)
		sshjob_release(job);
	return rc;
}

void
sshjob_release(struct sshjob *job)
{
	free(job->hold_reason);
	free(job->sandbox);
	free(job->cwd);
	jobargs_free(job->envp);
	free(job->pids);
	memset(job, 0, sizeof(*job));
}

/* ------------------------------------------------------------------ */
/* The shell                                                            */
/* ------------------------------------------------------------------ */

static bool
executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

/* name as a path: itself if it holds '/', else looked up in path_var. */
static char *
find_program(const char *name, const char *path_var)
{
	if (strchr(name, '/') != NULL)
		return executable(name) ? xstrdup(name) : NULL;
	for (const char *p = path_var; *p;) {
		size_t n = strcspn(p, ":");
		if (n > 0) {
			char *dir = xstrndup(p, n);
			char *cand = fileio_join(dir, name);
			free(dir);
			if (cand[0] == '/' && executable(cand))
				return cand;
			free(cand);
		}
		p += n;
		p += *p == ':';
	}
	return NULL;
}

static const char *
env_value(char *const *envp, const char *name)
{
	for (size_t i = 0; envp != NULL && envp[i] != NULL; i++)
		if (has_name(envp[i], name))
			return envp[i] + strlen(name) + 1;
	return NULL;
}

char *
sshjob_pick_shell(const struct sshjob *job, const char *shells,
		  const char *env_shell, struct error *err)
{
	if (shells == NULL) {
		if (env_shell != NULL && env_shell[0] == '/' && executable(env_shell))
			return xstrdup(env_shell);
		struct passwd *pw = getpwuid(geteuid());
		if (pw != NULL && pw->pw_shell != NULL && pw->pw_shell[0] == '/' &&
		    executable(pw->pw_shell))
			return xstrdup(pw->pw_shell);
		return xstrdup("/bin/sh");
	}
	const char *path_var = env_value(job->envp, "PATH");
	if (path_var == NULL)
		path_var = "/usr/bin:/bin";
	for (const char *p = shells; *p;) {
		size_t n = strcspn(p, ",");
		char *name = xstrndup(p, n);
		char *found = n > 0 ? find_program(name, path_var) : NULL;
		free(name);
		if (found != NULL)
			return found;
		p += n;
		p += *p == ',';
	}
	error_set(err, "none of the shells '%s' exists", shells);
	return NULL;
}
