/*
 * schedd_start.c - which idle job runs next, and starting it: the sandbox,
 * the job's attributes for this run, its .job.ad, event 001 and the
 * starter process.
 *
 * Idle jobs wait in a binary heap ordered by JobPrio (highest first), then
 * cluster and proc, so picking the next job costs a logarithm, not a walk
 * over 100,000 ads.  Entries are never updated in place: a job that changes
 * is pushed again, and an entry is checked against the queue when it
 * reaches the top (its job must still be Idle, without a run, with that
 * priority), so stale entries simply fall out.  The heap is rebuilt from
 * the queue when the queue is loaded afresh or the heap has grown well
 * past the number of jobs.
 *
 * A run is committed to the queue before its starter exists: a daemon
 * killed in between finds a recorded run without a starter at restart and
 * puts the job back to Idle, whereas the other order could leave a starter
 * running a job the queue calls Idle, to be started a second time.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "action.h"
#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "queue.h"
#include "schedd_int.h"
#include "starter.h"
#include "strbuf.h"
#include "ulog.h"
#include "xalloc.h"
#include "banned.h"

extern char **environ;

/* ------------------------------------------------------------------ */
/* The heap                                                             */
/* ------------------------------------------------------------------ */

static bool
before(const struct idle_entry *a, const struct idle_entry *b)
{
	if (a->prio != b->prio)
		return a->prio > b->prio;
	if (a->cluster != b->cluster)
		return a->cluster < b->cluster;
	return a->proc < b->proc;
}

void
idle_push(struct idle_heap *h, int prio, int cluster, int proc)
{
	XGROW(h->v, h->n + 1, h->alloc);
	size_t i = h->n++;
	struct idle_entry e = { prio, cluster, proc };
	while (i > 0 && before(&e, &h->v[(i - 1) / 2])) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = e;
}

static void
idle_pop(struct idle_heap *h)
{
	if (h->n == 0)
		return;
	struct idle_entry last = h->v[--h->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(&h->v[c + 1], &h->v[c]))
			c++;
		if (!before(&h->v[c], &last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n > 0)
		h->v[i] = last;
}

void
idle_free(struct idle_heap *h)
{
	free(h->v);
	*h = (struct idle_heap){ 0 };
}

/* ------------------------------------------------------------------ */
/* Which jobs may start                                                 */
/* ------------------------------------------------------------------ */

static int
job_prio(const struct classad *job)
{
	long long p = schedd_job_int(job, "JobPrio", 0);
	return p < INT_MIN ? INT_MIN : p > INT_MAX ? INT_MAX : (int)p;
}

/*
 * Idle and without a run.  Every run of a live daemon holds a slot (runs
 * recorded by a previous daemon were given slots by the recovery), so the
 * slot table, not the queue's CondorletSandbox, says whether a job has a
 * run: a value a user put there cannot keep a job from running.
 */
static bool
startable(struct schedd *s, const struct classad *job, int cluster, int proc)
{
	return schedd_job_int(job, "JobStatus", 0) == 1 &&
	       schedd_slot_of(s, cluster, proc) == NULL;
}

/* Pushed even while its last run still holds a slot (the run is being
 * applied): whether it may start is checked again when it is popped. */
void
schedd_idle_consider(struct schedd *s, const struct classad *job, int cluster,
		     int proc)
{
	if (schedd_job_int(job, "JobStatus", 0) == 1)
		idle_push(&s->idle, job_prio(job), cluster, proc);
}

void
schedd_idle_rebuild(struct schedd *s)
{
	s->idle.n = 0;
	s->reset = false;
	s->nnotes = 0;
	if (s->q == NULL)
		return;
	struct queue_iter it = { 0 };
	struct classad *job;
	int c, p;
	while ((job = queue_next(s->q, &it, &c, &p)) != NULL)
		schedd_idle_consider(s, job, c, p);
}

void
schedd_idle_notes(struct schedd *s)
{
	if (s->reset || s->idle.n > 2 * queue_job_count(s->q) + 4096) {
		schedd_idle_rebuild(s);
		return;
	}
	for (size_t i = 0; i < s->nnotes; i++) {
		const struct schedd_note *n = &s->notes[i];
		struct queue_iter it = { (size_t)n->cluster, (size_t)n->lo };
		struct classad *job;
		int c, p;
		while ((job = queue_next(s->q, &it, &c, &p)) != NULL &&
		       c == n->cluster && p <= n->hi)
			schedd_idle_consider(s, job, c, p);
	}
	s->nnotes = 0;
}

/* The best job that may start now, or NULL; stale entries are dropped and
 * a job whose priority changed is put back in its new place. */
static struct classad *
idle_top(struct schedd *s, int *cluster, int *proc)
{
	while (s->idle.n > 0) {
		struct idle_entry e = s->idle.v[0];
		struct classad *job = queue_find(s->q, e.cluster, e.proc);
		if (job != NULL && startable(s, job, e.cluster, e.proc)) {
			int prio = job_prio(job);
			if (prio == e.prio) {
				*cluster = e.cluster;
				*proc = e.proc;
				return job;
			}
			idle_pop(&s->idle);
			idle_push(&s->idle, prio, e.cluster, e.proc);
			continue;
		}
		idle_pop(&s->idle);
	}
	return NULL;
}

bool
schedd_idle_ready(struct schedd *s)
{
	int c, p;
	return idle_top(s, &c, &p) != NULL;
}

/* ------------------------------------------------------------------ */
/* Starting one job                                                     */
/* ------------------------------------------------------------------ */

/* A new, empty sandbox EXECUTE/dir_<n> (caller frees), or NULL. */
static char *
make_sandbox(struct schedd *s, struct error *err)
{
	for (int tries = 0; tries < 1000; tries++) {
		char *path = xasprintf("%s/dir_%llu", s->execute, s->next_dir++);
		if (mkdir(path, 0700) == 0)
			return path;
		if (errno != EEXIST) {
			error_errno(err, "create sandbox '%s'", path);
			free(path);
			return NULL;
		}
		free(path);
	}
	error_set(err, "no free sandbox name in '%s'", s->execute);
	return NULL;
}

static int
name_cmp(const void *a, const void *b)
{
	return classad_name_cmp(*(const char *const *)a, *(const char *const *)b);
}

/* The job's full ad, as HTCondor writes .job.ad: "Name = value" lines. */
static int
write_job_ad(const char *sandbox, const struct classad *job, struct error *err)
{
	struct classad *flat = classad_flatten(job);
	size_t n = classad_size(flat);
	const char **names = xreallocarray(NULL, n ? n : 1, sizeof(*names));
	for (size_t i = 0; i < n; i++)
		names[i] = classad_name_at(flat, i);
	qsort(names, n, sizeof(*names), name_cmp);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s = %s\n", names[i],
			    classad_lookup_text(flat, names[i]));
	free(names);
	classad_free(flat);
	char *path = fileio_join(sandbox, STARTER_JOB_AD);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	int rc = fd < 0 ? error_errno(err, "create '%s'", path)
			: fileio_write_all(fd, sb.buf, sb.len, path, err);
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = error_errno(err, "close '%s'", path);
	free(path);
	strbuf_release(&sb);
	return rc;
}

/* What the slot provides: what the job asked for (one partition each). */
static int
provision(struct schedd *s, int c, int p, const struct classad *job,
	  long long *cpus, long long *disk, long long *memory, struct error *err)
{
	*cpus = schedd_job_int(job, "RequestCpus", 1);
	*disk = schedd_job_int(job, "RequestDisk", 0);
	*memory = schedd_job_int(job, "RequestMemory", 0);
	if (*cpus < 1)
		*cpus = 1;
	if (schedd_set_int(s, c, p, "CpusProvisioned", *cpus, err) < 0 ||
	    schedd_set_int(s, c, p, "DiskProvisioned", *disk, err) < 0 ||
	    schedd_set_int(s, c, p, "MemoryProvisioned", *memory, err) < 0)
		return -1;
	return 0;
}

/* The attributes HTCondor's schedd and shadow set when a run begins. */
static int
start_attrs(struct schedd *s, struct slot *sl, const struct classad *job,
	    const char *slot_name, struct error *err)
{
	int c = sl->cluster, p = sl->proc;
	long long now = (long long)s->now;
	static const char *const counters[] = { "NumJobStarts", "NumShadowStarts",
						"JobRunCount" };
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		long long n = schedd_job_int(job, counters[i], 0);
		if (schedd_set_int(s, c, p, counters[i], n < 0 || n == LLONG_MAX ? 1 : n + 1,
				   err) < 0)
			return -1;
	}
	if (!classad_has(job, "JobStartDate") &&
	    schedd_set_int(s, c, p, "JobStartDate", now, err) < 0)
		return -1;
	/* the last run's vacate, and a request no run honoured (a stale
	 * one must not stop this run) */
	static const char *const vacate[] = { "VacateReason", "VacateReasonCode",
					      "VacateReasonSubCode",
					      ACTION_VACATE_ATTR };
	for (size_t i = 0; i < sizeof(vacate) / sizeof(vacate[0]); i++)
		if (classad_has(job, vacate[i]) &&
		    schedd_unset(s, c, p, job, vacate[i], err) < 0)
			return -1;
	if (schedd_set_int(s, c, p, "LastJobStatus", 1, err) < 0 ||
	    schedd_set_int(s, c, p, "JobStatus", 2, err) < 0 ||
	    schedd_set_int(s, c, p, "EnteredCurrentStatus", now, err) < 0 ||
	    schedd_set_int(s, c, p, "JobCurrentStartDate", now, err) < 0 ||
	    schedd_set_int(s, c, p, "ShadowBday", now, err) < 0 ||
	    schedd_set_str(s, c, p, "RemoteHost", slot_name, err) < 0 ||
	    schedd_set_str(s, c, p, SCHEDD_SANDBOX_ATTR, sl->sandbox, err) < 0)
		return -1;
	/* the periodic checkpoint signal counts from the run's start */
	sl->last_pckpt = s->now;
	bool want = false;
	if (classad_get_bool(job, "WantCheckpointSignal", &want) && want &&
	    schedd_set_int(s, c, p, "LastPeriodicCheckpoint", now, err) < 0)
		return -1;
	return 0;
}

/*
 * Starts job c.p in the free slot sl: 0, or 1 if the sandbox cannot be made
 * (a problem of the machine, not of the job: try again later), or -1 with
 * err set if the queue refused a change (the iteration is abandoned).
 */
static int
start_one(struct schedd *s, struct slot *sl, int c, int p,
	  const struct classad *job, struct error *err)
{
	struct error serr;
	char *sandbox = make_sandbox(s, &serr);
	if (sandbox == NULL) {
		schedd_log(s, "Job %d.%d not started: %s", c, p, serr.msg);
		s->retry = true;
		return 1;
	}
	sl->busy = true;
	sl->cluster = c;
	sl->proc = p;
	sl->sandbox = sandbox;
	sl->spawn_pending = true;
	char *name = schedd_slot_name(s, sl);
	long long cpus, disk, memory;
	int rc = start_attrs(s, sl, job, name, err);
	if (rc == 0)
		rc = provision(s, c, p, job, &cpus, &disk, &memory, err);
	if (rc == 0)
		rc = write_job_ad(sandbox, job, err);
	if (rc == 0) {
		char *body = ulog_body_execute(NULL, name, sandbox,
					       cpus > INT_MAX ? INT_MAX : (int)cpus,
					       disk, memory);
		ulog_add_job(s->ulog, job, ULOG_EXECUTE, s->now, body);
		free(body);
		schedd_log(s, "Job %d.%d started in %s, sandbox %s", c, p, name,
			   sandbox);
	}
	free(name);
	return rc;
}

int
schedd_start_jobs(struct schedd *s, struct error *err)
{
	for (size_t i = 0; i < s->nslots && i < (size_t)s->num_cpus; i++) {
		struct slot *sl = &s->slots[i];
		if (sl->busy)
			continue;
		int c, p;
		struct classad *job = idle_top(s, &c, &p);
		if (job == NULL)
			break;
		idle_pop(&s->idle);
		int rc = start_one(s, sl, c, p, job, err);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			idle_push(&s->idle, job_prio(job), c, p);
			break;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The starter process                                                  */
/* ------------------------------------------------------------------ */

static pid_t
exec_starter(struct schedd *s, const char *sandbox, struct error *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dflt;
	sigemptyset(&none);
	sigemptyset(&dflt);
	const int sigs[] = { SIGCHLD, SIGTERM, SIGQUIT, SIGHUP, SIGINT, SIGPIPE,
			     SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&dflt, sigs[i]);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, s->devnull, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, s->devnull, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, s->starter_log, STDERR_FILENO);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dflt);
	/* its own session: the job's parent must not get the terminal's
	 * signals, and must outlive this daemon */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	char *argv[] = { s->starter, (char *)sandbox, NULL };
	pid_t pid = 0;
	int rc = posix_spawn(&pid, s->starter, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0) {
		errno = rc;
		error_errno(err, "spawn '%s'", s->starter);
		return -1;
	}
	return pid;
}

/*
 * The starter normally runs in a fork of this daemon, not an exec of
 * condor_starter: the fork already has every library mapped and linked,
 * while an exec pays for loading libarchive and the dozen libraries it
 * pulls in - most of the cost of a trivial job.  The child drops every
 * descriptor of the daemon at once (above all the instance lock, which a
 * starter outliving the daemon must not keep), leaves the daemon's
 * session, and becomes the starter.
 */
static pid_t
fork_starter(struct schedd *s, const char *sandbox, struct error *err)
{
	pid_t pid = fork();
	if (pid < 0)
		return error_errno(err, "fork"), -1;
	if (pid > 0)
		return pid;
	if (dup2(s->devnull, STDIN_FILENO) < 0 || dup2(s->devnull, STDOUT_FILENO) < 0 ||
	    dup2(s->starter_log, STDERR_FILENO) < 0)
		_exit(1);
	close_range(3, ~0U, 0);
	setsid();
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	/* The starter's own signals stay blocked until its signalfd takes
	 * them: one sent this early must wait, not kill the starter. */
	sigset_t mine;
	sigemptyset(&mine);
	const int starter_sigs[] = { SIGCHLD, STARTER_SIG_VACATE, STARTER_SIG_KILL,
				     STARTER_SIG_CHECKPOINT, STARTER_SIG_REMOVE };
	for (size_t i = 0; i < sizeof(starter_sigs) / sizeof(starter_sigs[0]); i++)
		sigaddset(&mine, starter_sigs[i]);
	sigprocmask(SIG_SETMASK, &mine, NULL);
	prctl(PR_SET_NAME, "condor_starter");
	struct error e = { "" };
	int status = starter_run(sandbox, &e);
	if (status != 0)
		fprintf(stderr, "condor_starter: %s\n", e.msg[0] ? e.msg : "failed");
	fflush(stderr);
	/* _exit: the daemon's heap and atexit state are not the starter's */
	_exit(status != 0);
}

static pid_t
spawn_starter(struct schedd *s, const char *sandbox, struct error *err)
{
	return s->starter ? exec_starter(s, sandbox, err) : fork_starter(s, sandbox, err);
}

void
schedd_spawn_pending(struct schedd *s)
{
	for (size_t i = 0; i < s->nslots; i++) {
		struct slot *sl = &s->slots[i];
		if (!sl->busy || !sl->spawn_pending)
			continue;
		sl->spawn_pending = false;
		struct error err;
		pid_t pid = spawn_starter(s, sl->sandbox, &err);
		if (pid > 0) {
			sl->pid = pid;
			continue;
		}
		/* the job is Running in the queue: account for the run as
		 * lost, which puts it back to Idle */
		schedd_log(s, "Job %d.%d: %s", sl->cluster, sl->proc, err.msg);
		sl->exited = true;
		sl->lost = true;
		s->retry = true;
	}
}

void
schedd_unstart_pending(struct schedd *s)
{
	for (size_t i = 0; i < s->nslots; i++) {
		struct slot *sl = &s->slots[i];
		if (!sl->busy || !sl->spawn_pending)
			continue;
		struct error err;
		if (schedd_remove_sandbox(sl->sandbox, &err) < 0)
			schedd_log(s, "cannot remove sandbox: %s", err.msg);
		schedd_slot_clear(s, sl);
	}
}

/* Seconds the job may take to leave after a vacate request. */
static long long
vacate_time(struct schedd *s, const struct slot *sl)
{
	const struct classad *job = s->q ? queue_find(s->q, sl->cluster, sl->proc)
					 : NULL;
	long long t = job ? schedd_job_int(job, "JobMaxVacateTime", s->max_vacate)
			  : s->max_vacate;
	return t < 0 ? 0 : t > s->max_vacate ? s->max_vacate : t;
}

void
schedd_signal(struct schedd *s, struct slot *sl, int sig, enum stop_why why)
{
	if (sl->why == STOP_NONE || why == STOP_HELD || why == STOP_REMOVED)
		sl->why = why;
	if (sl->pid <= 0 || sl->exited)
		return;
	int rc = sl->pidfd >= 0 ? (int)syscall(SYS_pidfd_send_signal, sl->pidfd, sig,
					       NULL, 0)
				: kill(sl->pid, sig);
	if (rc < 0 && errno != ESRCH)
		schedd_log(s, "Job %d.%d: cannot signal its starter (pid %ld): %s",
			   sl->cluster, sl->proc, (long)sl->pid, strerror(errno));
	if (sig == STARTER_SIG_KILL || sl->signalled != STARTER_SIG_KILL)
		sl->signalled = sig;
	/* the starter gives the job its vacate time and then kills it; past
	 * that and KILLING_TIMEOUT more, the daemon steps in */
	long long wait = s->killing_timeout;
	if (sig == STARTER_SIG_VACATE || sig == STARTER_SIG_REMOVE)
		wait += vacate_time(s, sl);
	clock_gettime(CLOCK_MONOTONIC, &sl->deadline);
	sl->deadline.tv_sec += (time_t)wait;
	sl->escalations = 0;
}
