/*
 * schedd_recover.c - picking up after a daemon that died, and the care
 * needed to remove what runs leave behind.
 *
 * At start-up every job whose ad records a run (CondorletSandbox) is looked
 * at, whatever its status, since a tool may have held or removed it while
 * no daemon ran:
 *   - the sandbox holds .starter.result: the run ended meanwhile; its result
 *     is applied by the first iteration, as if the starter had just exited;
 *   - its starter is alive (starter_alive, or, in the instant before it
 *     wrote .starter.pid, a condor_starter process whose argument is the
 *     sandbox): adopted through a pidfd, and waited for like any other;
 *   - neither: the run is lost.  Whatever is left of it is killed (the
 *     starter's session, and any process working inside the sandbox) and
 *     the first iteration accounts for it as an eviction without
 *     checkpoint, so the job restarts from its spool.
 * Sandboxes no run owns are then removed, killing anything still in them.
 *
 * The sandbox path comes from the queue, which tools can edit, so it is
 * accepted only in the exact form the daemon writes (EXECUTE/dir_<n>):
 * a job must not be able to make the daemon remove or kill elsewhere.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "num.h"
#include "queue.h"
#include "schedd_int.h"
#include "starter.h"
#include "xalloc.h"
#include "banned.h"

/* Directory depth the remover descends before moving a subtree up. */
#define RM_MAX_DEPTH 32
/* Passes over a sandbox before giving up on it. */
#define RM_MAX_PASSES 4096

/* ------------------------------------------------------------------ */
/* Sandbox names                                                        */
/* ------------------------------------------------------------------ */

/* n of "dir_<n>", or -1. */
static long long
dir_number(const char *name)
{
	long long n;
	if (strncmp(name, "dir_", 4) != 0 || !num_is_digits(name + 4) ||
	    num_parse_ll(name + 4, 0, LLONG_MAX - 1, &n) < 0)
		return -1;
	return n;
}

/* true if path is EXECUTE/dir_<n>, exactly as the daemon names them. */
static bool
valid_sandbox(const struct schedd *s, const char *path)
{
	size_t n = strlen(s->execute);
	return strncmp(path, s->execute, n) == 0 && path[n] == '/' &&
	       dir_number(path + n + 1) >= 0;
}

static void
scan_next_dir(struct schedd *s)
{
	DIR *d = opendir(s->execute);
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		long long n = dir_number(de->d_name);
		if (n >= 0 && (unsigned long long)n >= s->next_dir)
			s->next_dir = (unsigned long long)n + 1;
	}
	closedir(d);
}

static bool
exists_in(const char *dir, const char *name)
{
	char *p = fileio_join(dir, name);
	struct stat st;
	bool yes = lstat(p, &st) == 0;
	free(p);
	return yes;
}

/* ------------------------------------------------------------------ */
/* Removing a sandbox                                                   */
/* ------------------------------------------------------------------ */

/*
 * Empties the directory dirfd.  Subdirectories deeper than RM_MAX_DEPTH are
 * moved up into top under a fresh name instead, so the next pass meets them
 * shallow: a hostile tree of any depth costs passes, never unbounded
 * recursion or descriptors.  Sets *again if anything was moved.
 */
static int
empty_dir(int top, int dirfd, int depth, unsigned *moved, bool *again,
	  struct error *err)
{
	/* a description of its own: a dup would share (and leave at the
	 * end) the read position that the next pass needs at the start */
	int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (d == NULL) {
		if (dfd >= 0)
			close(dfd);
		return error_errno(err, "read a directory");
	}
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
			continue;
		if (errno != EISDIR && errno != EPERM) {
			rc = error_errno(err, "remove '%s'", name);
			continue;
		}
		if (depth >= RM_MAX_DEPTH) {
			char fresh[32];
			snprintf(fresh, sizeof(fresh), ".rm.%u", (*moved)++);
			if (renameat(dirfd, name, top, fresh) < 0)
				rc = error_errno(err, "move '%s' up", name);
			*again = true;
			continue;
		}
		int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == EACCES && fchmodat(dirfd, name, 0700, 0) == 0)
			fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			rc = error_errno(err, "open '%s'", name);
			continue;
		}
		(void)fchmod(fd, 0700);	/* a job may have made it read-only */
		if (empty_dir(top, fd, depth + 1, moved, again, err) < 0)
			rc = -1;
		close(fd);
		if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0) {
			if (errno == ENOTEMPTY)
				*again = true;	/* what moved up is still there */
			else if (errno != ENOENT)
				rc = error_errno(err, "rmdir '%s'", name);
		}
	}
	closedir(d);
	return rc;
}

int
schedd_remove_sandbox(const char *path, struct error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 && errno == ENOTDIR)
		return unlink(path) == 0 ? 0 : error_errno(err, "remove '%s'", path);
	if (fd < 0)
		return error_errno(err, "open '%s'", path);
	(void)fchmod(fd, 0700);
	unsigned moved = 0;
	int rc = 0;
	bool again = true;
	for (int pass = 0; again && pass < RM_MAX_PASSES; pass++) {
		again = false;
		struct error perr;
		rc = empty_dir(fd, fd, 1, &moved, &again, &perr);
		if (rc < 0 && !again) {
			error_set(err, "'%s': %s", path, perr.msg);
			break;
		}
	}
	close(fd);
	if (rc == 0 && rmdir(path) < 0 && errno != ENOENT)
		rc = error_errno(err, "rmdir '%s'", path);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Recovering runs                                                      */
/* ------------------------------------------------------------------ */

/* N of RemoteHost "slot<N>@...", or 0. */
static int
slot_id_of(const struct classad *job)
{
	char *host = classad_get_string(job, "RemoteHost");
	int id = 0;
	if (host != NULL && strncmp(host, "slot", 4) == 0) {
		char *at = strchr(host, '@');
		if (at != NULL) {
			*at = '\0';
			if (num_parse_int(host + 4, 1, 4096, &id) < 0)
				id = 0;
		}
	}
	free(host);
	return id;
}

/* A free slot for a recovered run: its recorded one if possible. */
static struct slot *
claim_slot(struct schedd *s, int want)
{
	if (want > 0) {
		struct slot *sl = schedd_slot_add(s, want);
		if (!sl->busy)
			return sl;
	}
	for (size_t i = 0; i < s->nslots; i++)
		if (!s->slots[i].busy)
			return &s->slots[i];
	return schedd_slot_add(s, (int)s->nslots + 1);
}

static bool
adopt(struct schedd *s, struct slot *sl, pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return false;
	sl->pid = pid;
	sl->pidfd = fd;
	struct error err;
	if (schedd_watch_pidfd(s, sl, &err) < 0) {
		schedd_log(s, "Job %d.%d: %s", sl->cluster, sl->proc, err.msg);
		close(fd);
		sl->pidfd = -1;
		sl->pid = 0;
		return false;
	}
	return true;
}

/* A Running job with no run recorded: nothing of it can be found. */
static int
orphan_to_idle(struct schedd *s, int c, int p, const struct classad *job,
	       struct error *err)
{
	schedd_log(s, "Job %d.%d was Running but no run of it is recorded: "
		   "back to Idle", c, p);
	if (schedd_set_int(s, c, p, "LastJobStatus", 2, err) < 0 ||
	    schedd_set_int(s, c, p, "JobStatus", 1, err) < 0 ||
	    schedd_set_int(s, c, p, "EnteredCurrentStatus", (long long)s->now, err) < 0)
		return -1;
	return classad_has(job, "RemoteHost") ? schedd_unset(s, c, p, job, "RemoteHost", err)
					      : 0;
}

static void
recover_run(struct schedd *s, int c, int p, const struct classad *job,
	    char *sandbox)
{
	struct slot *sl = claim_slot(s, slot_id_of(job));
	sl->busy = true;
	sl->cluster = c;
	sl->proc = p;
	sl->sandbox = sandbox;
	sl->last_pckpt = schedd_checkpoint_since(s, job);
	pid_t pid;
	if (exists_in(sandbox, STARTER_RESULT_FILE)) {
		sl->exited = true;
		schedd_log(s, "Job %d.%d: its run in %s ended while no daemon ran", c, p,
			   sandbox);
	} else if (((pid = starter_alive(sandbox)) > 0 ||
		    (pid = schedd_find_starter(sandbox)) > 0) &&
		   adopt(s, sl, pid)) {
		schedd_log(s, "Job %d.%d: adopted its running starter (pid %ld) in %s", c,
			   p, (long)pid, sandbox);
	} else if (exists_in(sandbox, STARTER_RESULT_FILE)) {
		sl->exited = true;	/* it finished just now */
	} else {
		schedd_log(s, "Job %d.%d: its run in %s is lost; it will start again "
			   "from its last checkpoint", c, p, sandbox);
		schedd_kill_stragglers(s, sandbox);
		sl->exited = true;
		sl->lost = true;
	}
}

/* Sandboxes no run owns: kill what is in them and remove them. */
static void
sweep_execute(struct schedd *s)
{
	DIR *d = opendir(s->execute);
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (dir_number(de->d_name) < 0)
			continue;
		char *path = fileio_join(s->execute, de->d_name);
		bool owned = false;
		for (size_t i = 0; i < s->nslots && !owned; i++)
			owned = s->slots[i].busy && s->slots[i].sandbox &&
				strcmp(s->slots[i].sandbox, path) == 0;
		if (!owned) {
			struct error err;
			pid_t pid = starter_alive(path);
			if (pid > 0)
				kill(pid, SIGKILL);
			schedd_kill_stragglers(s, path);
			if (schedd_remove_sandbox(path, &err) < 0)
				schedd_log(s, "cannot remove stale sandbox: %s", err.msg);
			else
				schedd_log(s, "removed stale sandbox %s", path);
		}
		free(path);
	}
	closedir(d);
}

/* C and P of "cluster<C>.proc<P>.subproc0"; false for anything else. */
static bool
jobspool_name(const char *name, int *cluster, int *proc)
{
	char buf[64];
	size_t len = strlen(name);
	if (len >= sizeof(buf) || strncmp(name, "cluster", 7) != 0 ||
	    len <= 16 || strcmp(name + len - 9, ".subproc0") != 0)
		return false;
	memcpy(buf, name + 7, len - 16);
	buf[len - 16] = '\0';
	char *dot = strstr(buf, ".proc");
	if (dot == NULL)
		return false;
	*dot = '\0';
	return num_is_digits(buf) && num_is_digits(dot + 5) &&
	       num_parse_int(buf, 1, INT_MAX - 1, cluster) == 0 &&
	       num_parse_int(dot + 5, 0, INT_MAX - 1, proc) == 0;
}

/* Spool directories of jobs no longer in the queue (a daemon killed
 * between a job's leaving and its spool's removal, or a tool that removed
 * a job while no daemon ran) go as they would have. */
static void
sweep_spool(struct schedd *s)
{
	DIR *d = opendir(s->spool);
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!num_is_digits(de->d_name))
			continue;
		char *cdir = fileio_join(s->spool, de->d_name);
		DIR *cd = opendir(cdir);
		struct dirent *pe;
		while (cd != NULL && (pe = readdir(cd)) != NULL) {
			if (!num_is_digits(pe->d_name))
				continue;
			char *pdir = fileio_join(cdir, pe->d_name);
			DIR *pd = opendir(pdir);
			struct dirent *je;
			int c, p;
			while (pd != NULL && (je = readdir(pd)) != NULL)
				if (jobspool_name(je->d_name, &c, &p) &&
				    queue_find(s->q, c, p) == NULL)
					schedd_remove_spool(s, c, p);
			if (pd != NULL)
				closedir(pd);
			free(pdir);
		}
		if (cd != NULL)
			closedir(cd);
		free(cdir);
	}
	closedir(d);
}

int
schedd_recover(struct schedd *s, struct error *err)
{
	scan_next_dir(s);
	/* collected first: recovering changes the queue being walked */
	struct job_id *ids = NULL;
	size_t n = 0, alloc = 0;
	struct queue_iter it = { 0 };
	struct classad *job;
	int c, p;
	while ((job = queue_next(s->q, &it, &c, &p)) != NULL) {
		if (classad_has(job, SCHEDD_SANDBOX_ATTR) ||
		    schedd_job_int(job, "JobStatus", 0) == 2) {
			XGROW(ids, n + 1, alloc);
			ids[n++] = (struct job_id){ c, p };
		}
	}
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		c = ids[i].cluster;
		p = ids[i].proc;
		job = queue_find(s->q, c, p);
		char *sandbox = classad_get_string(job, SCHEDD_SANDBOX_ATTR);
		if (sandbox != NULL && valid_sandbox(s, sandbox)) {
			recover_run(s, c, p, job, sandbox);
			continue;
		}
		if (sandbox != NULL)
			schedd_log(s, "Job %d.%d: ignoring its recorded sandbox '%s'", c,
				   p, sandbox);
		free(sandbox);
		if (classad_has(job, SCHEDD_SANDBOX_ATTR))
			rc = schedd_unset(s, c, p, job, SCHEDD_SANDBOX_ATTR, err);
		if (rc == 0 && schedd_job_int(job, "JobStatus", 0) == 2)
			rc = orphan_to_idle(s, c, p, job, err);
	}
	free(ids);
	if (rc == 0) {
		sweep_execute(s);
		sweep_spool(s);
	}
	return rc;
}
