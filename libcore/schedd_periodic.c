/*
 * schedd_periodic.c - the periodic policy expressions (policy_periodic
 * decides, this file carries the decisions out), noticing runs whose job a
 * tool held, removed or asked to vacate, shutdown, and the escalation of
 * stop requests a starter does not honour in time.
 *
 * Stopping a run is always a request to its starter (starter.h): a vacate
 * (the job gets its KillSig and its vacate time) or a kill.  The daemon
 * steps in only past a deadline: a vacate becomes a kill, and a kill that
 * is ignored becomes SIGKILL of the starter and of what is left of the job.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "action.h"
#include "classad.h"
#include "error.h"
#include "policy.h"
#include "queue.h"
#include "schedd_int.h"
#include "starter.h"
#include "xalloc.h"
#include "banned.h"

/* ------------------------------------------------------------------ */
/* Runs whose job changed under them                                    */
/* ------------------------------------------------------------------ */

/*
 * A Running job with a vacate request (condor_vacate_job): a graceful one
 * asks the starter to vacate, a fast one to kill, also when a graceful
 * vacate is already under way.  The request stays in the queue until the
 * run is over, so this is asked again after a restart of the daemon.
 */
static void
vacate_requested(struct schedd *s, struct slot *sl, const struct classad *job)
{
	long long req = schedd_job_int(job, ACTION_VACATE_ATTR, 0);
	if (req == 0)
		return;
	bool fast = req == ACTION_VACATE_FAST;
	if (fast ? sl->signalled == STARTER_SIG_KILL : sl->signalled != 0)
		return;
	schedd_log(s, "Job %d.%d: %s by condor_vacate_job", sl->cluster, sl->proc,
		   fast ? "killing it (-fast)" : "vacating it");
	schedd_signal(s, sl, fast ? STARTER_SIG_KILL : STARTER_SIG_VACATE,
		      STOP_USER_VACATE);
}

void
schedd_check_running(struct schedd *s)
{
	for (size_t i = 0; i < s->nslots; i++) {
		struct slot *sl = &s->slots[i];
		if (!sl->busy || sl->exited || sl->pid <= 0)
			continue;
		const struct classad *job = queue_find(s->q, sl->cluster, sl->proc);
		long long status = job ? schedd_job_int(job, "JobStatus", 0) : 0;
		if (status == 2) {
			vacate_requested(s, sl, job);
			continue;
		}
		if (sl->signalled)
			continue;
		int sig = STARTER_SIG_VACATE;
		enum stop_why why = STOP_VACATE;
		bool graceful = true;
		if (status == 5) {
			why = STOP_HELD;
		} else if (status == 3) {
			/* graceful by default, as HTCondor's GRACEFULLY_REMOVE_JOBS,
			 * but a removed job's files are never transferred */
			why = STOP_REMOVED;
			sig = STARTER_SIG_REMOVE;
			if (classad_get_bool(job, "WantGracefulRemoval", &graceful) &&
			    !graceful)
				sig = STARTER_SIG_KILL;
		} else if (job == NULL) {
			sig = STARTER_SIG_KILL;
		}
		schedd_log(s, "Job %d.%d is no longer Running in the queue (status %lld): "
			   "%s it", sl->cluster, sl->proc, status,
			   sig == STARTER_SIG_KILL ? "killing" : "vacating");
		schedd_signal(s, sl, sig, why);
	}
}

void
schedd_begin_shutdown(struct schedd *s, enum shutdown_mode mode)
{
	if (mode > s->shutdown)
		s->shutdown = mode;
	for (size_t i = 0; i < s->nslots; i++) {
		struct slot *sl = &s->slots[i];
		if (!sl->busy || sl->exited)
			continue;
		if (s->shutdown == SHUTDOWN_FAST && sl->signalled != STARTER_SIG_KILL)
			schedd_signal(s, sl, STARTER_SIG_KILL, STOP_SHUTDOWN);
		else if (!sl->signalled)
			schedd_signal(s, sl, STARTER_SIG_VACATE, STOP_SHUTDOWN);
	}
}

/* ------------------------------------------------------------------ */
/* Deadlines                                                            */
/* ------------------------------------------------------------------ */

static long long
ms_until(const struct timespec *now, const struct timespec *t)
{
	long long ms = (long long)(t->tv_sec - now->tv_sec) * 1000 +
		       (t->tv_nsec - now->tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms;
}

/* The starter ignored a kill: SIGKILL it and the rest of its run. */
static void
kill_hard(struct schedd *s, struct slot *sl)
{
	schedd_log(s, "Job %d.%d: starter (pid %ld) did not stop; killing it",
		   sl->cluster, sl->proc, (long)sl->pid);
	if (sl->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, sl->pidfd, SIGKILL, NULL, 0);
	else if (sl->pid > 0)
		kill(sl->pid, SIGKILL);
	schedd_kill_stragglers(s, sl->sandbox);
}

long
schedd_escalate(struct schedd *s)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long next = -1;
	for (size_t i = 0; i < s->nslots; i++) {
		struct slot *sl = &s->slots[i];
		if (!sl->busy || sl->exited || !sl->signalled)
			continue;
		long long ms = ms_until(&now, &sl->deadline);
		if (ms == 0) {
			if (sl->signalled == STARTER_SIG_VACATE ||
			    sl->signalled == STARTER_SIG_REMOVE) {
				schedd_log(s, "Job %d.%d: vacate time expired; "
					   "escalating to a fast shutdown of the job",
					   sl->cluster, sl->proc);
				int esc = sl->escalations;
				schedd_signal(s, sl, STARTER_SIG_KILL, sl->why);
				sl->escalations = esc + 1;
			} else if (sl->escalations < 2) {
				kill_hard(s, sl);
				sl->escalations = 2;
				sl->deadline = now;
				sl->deadline.tv_sec += (time_t)s->killing_timeout;
			} else {
				/* unkillable (uninterruptible sleep): look
				 * again now and then, quietly */
				sl->deadline = now;
				sl->deadline.tv_sec += (time_t)s->killing_timeout;
			}
			ms = ms_until(&now, &sl->deadline);
		}
		if (next < 0 || ms < next)
			next = ms;
	}
	return next > 86400000 ? 86400000 : (long)next;
}

/* ------------------------------------------------------------------ */
/* Periodic expressions                                                 */
/* ------------------------------------------------------------------ */

static bool
has_periodic(const struct classad *job)
{
	static const char *const names[] = { "PeriodicHold", "PeriodicRelease",
					     "PeriodicRemove", "PeriodicVacate",
					     "TimerRemove" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (classad_has(job, names[i]))
			return true;
	return false;
}

static int
carry_out(struct schedd *s, int c, int p, const struct classad *job,
	  const struct policy_decision *d, struct error *err)
{
	struct slot *sl = schedd_slot_of(s, c, p);
	const char *reason = d->reason ? d->reason : "";
	switch (d->action) {
	case POLICY_HOLD:
		if (sl != NULL)
			sl->by_policy = true;
		/* a running job's 012 comes when its run is over */
		return schedd_hold(s, c, p, job, d->hold_code, d->hold_subcode,
				   reason, sl == NULL, err);
	case POLICY_RELEASE:
		return schedd_release(s, c, p, job, reason, err);
	case POLICY_REMOVE:
		if (sl != NULL)
			sl->by_policy = true;
		return schedd_remove(s, c, p, job, reason, sl == NULL, err);
	case POLICY_VACATE:
		if (sl != NULL && !sl->signalled) {
			free(sl->stop_reason);
			sl->stop_reason = xstrdup(reason);
			schedd_log(s, "Job %d.%d: %s", c, p, reason);
			schedd_signal(s, sl, STARTER_SIG_VACATE, STOP_VACATE);
		}
		return 0;
	default:
		return 0;
	}
}

int
schedd_periodic(struct schedd *s, struct error *err)
{
	struct queue_iter it = { 0 };
	struct classad *job;
	int c, p;
	struct policy_decision d = POLICY_DECISION_INIT;
	int rc = 0;
	while (rc == 0 && (job = queue_next(s->q, &it, &c, &p)) != NULL) {
		if (!has_periodic(job))
			continue;
		long long status = schedd_job_int(job, "JobStatus", 0);
		/* a run being stopped is left to finish stopping */
		struct slot *sl = schedd_slot_of(s, c, p);
		if (sl != NULL && (sl->signalled || sl->exited))
			continue;
		policy_periodic(job, status < 0 || status > 100 ? 0 : (int)status,
				s->now, &d);
		if (d.action != POLICY_NONE)
			rc = carry_out(s, c, p, job, &d, err);
	}
	policy_decision_release(&d);
	return rc;
}
