/*
 * schedd_ckpt.c - the periodic checkpoint signal (reference/htcondor-
 * runtime.md 4; DESIGN.md "A job's life" step 6).
 *
 * A running job with WantCheckpointSignal true is sent its CheckpointSig
 * whenever the machine's PERIODIC_CHECKPOINT expression is true.  As in
 * HTCondor's startd, the expression is evaluated in the slot's context
 * against the job: unscoped names resolve in a small slot ad first, which
 * holds LastPeriodicCheckpoint (the run's start, then the time of the last
 * signal), then in the job's ad.  The daemon only asks the starter
 * (STARTER_SIG_CHECKPOINT); the starter signals the job and judges the
 * exit that follows.
 *
 * Evaluations happen on a tick of their own, once a second while such a
 * run exists, not on PERIODIC_EXPR_INTERVAL: an interval of a couple of
 * seconds must work, and a daemon with no such run never wakes for it.
 * The slot holds the authoritative LastPeriodicCheckpoint; the job's
 * attribute of that name, written in the iteration's transaction, is
 * there for users to see and for a restarted daemon to continue from.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "knob.h"
#include "queue.h"
#include "schedd_int.h"
#include "starter.h"
#include "banned.h"

/* Evaluations are this far apart while a run wants the signal (ms). */
#define PCKPT_TICK_MS 1000

static long long
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
schedd_checkpoint_free(struct schedd *s)
{
	cexpr_free(s->pckpt_expr);
	classad_free(s->pckpt_slot);
	s->pckpt_expr = NULL;
	s->pckpt_slot = NULL;
}

void
schedd_checkpoint_configure(struct schedd *s, const struct knobs *k)
{
	schedd_checkpoint_free(s);
	char *text = knob_get(k, "PERIODIC_CHECKPOINT");
	struct error err;
	struct cexpr *e = text != NULL ? cexpr_parse(text, &err) : NULL;
	if (text != NULL && e == NULL)
		schedd_log(s, "PERIODIC_CHECKPOINT is not an expression (%s): "
			   "no checkpoint signals will be sent", err.msg);
	free(text);
	struct cval v = { 0 };
	bool never = e == NULL || (cexpr_is_literal(e, &v) &&
				   !(v.type == CVAL_BOOL && v.u.b) &&
				   !(v.type == CVAL_INT && v.u.i != 0));
	cval_release(&v);
	if (never) {
		cexpr_free(e);
		return;
	}
	s->pckpt_expr = e;
	s->pckpt_slot = classad_new();
}

/* true when value v of the expression says "now", as constraints do. */
static bool
truthy(const struct cval *v)
{
	switch (v->type) {
	case CVAL_BOOL:
		return v->u.b;
	case CVAL_INT:
		return v->u.i != 0;
	case CVAL_REAL:
		return v->u.r != 0.0;
	default:
		return false;
	}
}

/* The job of a run that may be sent the signal now, or NULL. */
static const struct classad *
wants_signal(struct schedd *s, const struct slot *sl)
{
	if (!sl->busy || sl->exited || sl->pid <= 0 || sl->signalled || s->q == NULL)
		return NULL;
	const struct classad *job = queue_find(s->q, sl->cluster, sl->proc);
	bool want = false;
	if (job == NULL || schedd_job_int(job, "JobStatus", 0) != 2 ||
	    !classad_get_bool(job, "WantCheckpointSignal", &want) || !want)
		return NULL;
	return job;
}

long
schedd_checkpoint_timeout(struct schedd *s)
{
	if (s->pckpt_expr == NULL)
		return -1;
	bool any = false;
	for (size_t i = 0; i < s->nslots && !any; i++)
		any = wants_signal(s, &s->slots[i]) != NULL;
	if (!any) {
		s->pckpt_next = 0;
		return -1;
	}
	long long now = mono_ms();
	if (s->pckpt_next == 0)
		s->pckpt_next = now;
	long long left = s->pckpt_next - now;
	return left < 0 ? 0 : left > PCKPT_TICK_MS ? PCKPT_TICK_MS : (long)left;
}

static void
send_signal(struct schedd *s, struct slot *sl)
{
	int rc = sl->pidfd >= 0 ? (int)syscall(SYS_pidfd_send_signal, sl->pidfd,
					       STARTER_SIG_CHECKPOINT, NULL, 0)
				: kill(sl->pid, STARTER_SIG_CHECKPOINT);
	if (rc < 0 && errno != ESRCH) {
		schedd_log(s, "Job %d.%d: cannot signal its starter (pid %ld): %s",
			   sl->cluster, sl->proc, (long)sl->pid, strerror(errno));
		return;
	}
	schedd_log(s, "Job %d.%d: PERIODIC_CHECKPOINT is true: sending its "
		   "checkpoint signal", sl->cluster, sl->proc);
	sl->last_pckpt = s->now;
	sl->pckpt_unrecorded = true;
}

void
schedd_checkpoint_tick(struct schedd *s)
{
	if (s->pckpt_expr == NULL || s->pckpt_next == 0)
		return;
	long long now = mono_ms();
	if (now < s->pckpt_next)
		return;
	s->pckpt_next = now + PCKPT_TICK_MS;
	for (size_t i = 0; i < s->nslots; i++) {
		struct slot *sl = &s->slots[i];
		const struct classad *job = wants_signal(s, sl);
		if (job == NULL)
			continue;
		classad_set_int(s->pckpt_slot, "LastPeriodicCheckpoint",
				(long long)sl->last_pckpt);
		struct cval v = { 0 };
		cexpr_eval(s->pckpt_expr, s->pckpt_slot, job, &v);
		if (truthy(&v))
			send_signal(s, sl);
		cval_release(&v);
	}
}

bool
schedd_checkpoint_unrecorded(const struct schedd *s)
{
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i].busy && s->slots[i].pckpt_unrecorded)
			return true;
	return false;
}

int
schedd_checkpoint_record(struct schedd *s, struct error *err)
{
	for (size_t i = 0; i < s->nslots; i++) {
		struct slot *sl = &s->slots[i];
		if (!sl->busy || !sl->pckpt_unrecorded)
			continue;
		sl->pckpt_unrecorded = false;
		if (queue_find(s->q, sl->cluster, sl->proc) != NULL &&
		    schedd_set_int(s, sl->cluster, sl->proc, "LastPeriodicCheckpoint",
				   (long long)sl->last_pckpt, err) < 0)
			return -1;
	}
	return 0;
}

time_t
schedd_checkpoint_since(const struct schedd *s, const struct classad *job)
{
	long long t = schedd_job_int(job, "LastPeriodicCheckpoint", -1);
	if (t < 0)
		t = schedd_job_int(job, "JobCurrentStartDate", -1);
	/* a value in the future (edited, or a clock step) must not postpone
	 * the signal forever */
	if (t < 0 || t > (long long)s->now)
		t = (long long)s->now;
	return (time_t)t;
}
