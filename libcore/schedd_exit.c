/*
 * schedd_exit.c - what happens to a job when its run ends, and the state
 * changes the daemon makes to jobs (hold, release, remove), with the
 * events HTCondor's shadow and schedd write for each
 * (reference/htcondor-runtime.md 1.5, 3.3, 5.2):
 *
 *   run ended, job still Running   exit: the exit policy (005, 004
 *                                  requeued, or 012); eviction: 004, Idle;
 *                                  starter failure: 021, 004, 012, Held
 *   held meanwhile                 004 then 012 (a policy hold: 012 only)
 *   removed meanwhile              004 then 009 (a policy remove: 009 only)
 *
 * The tools leave 012/009 of a running job to the daemon, which writes
 * them after the 004 once the run is over.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "classad.h"
#include "error.h"
#include "policy.h"
#include "queue.h"
#include "schedd_int.h"
#include "starter.h"
#include "strbuf.h"
#include "ulog.h"
#include "xalloc.h"
#include "banned.h"

/* HTCondor's vacate reason codes (>= 1000) for 004. */
enum {
	VACATE_STARTD_SHUTDOWN = 1013,
	VACATE_SCHEDD_VACATE = 1022,
	VACATE_JOB_REMOVED = 1023,
};

/* ------------------------------------------------------------------ */
/* Attribute helpers                                                    */
/* ------------------------------------------------------------------ */

long long
schedd_job_int(const struct classad *job, const char *name, long long dflt)
{
	long long v;
	return classad_get_int(job, name, &v) ? v : dflt;
}

int
schedd_set_text(struct schedd *s, int cluster, int proc, const char *name,
		const char *text, struct error *err)
{
	return queue_set_attr(s->q, cluster, proc, name, text, err);
}

int
schedd_set_int(struct schedd *s, int cluster, int proc, const char *name,
	       long long v, struct error *err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", v);
	return queue_set_attr(s->q, cluster, proc, name, buf, err);
}

static int
set_real(struct schedd *s, int cluster, int proc, const char *name, double v,
	 struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	cval_format_real(v, &sb);
	int rc = queue_set_attr(s->q, cluster, proc, name, sb.buf, err);
	strbuf_release(&sb);
	return rc;
}

int
schedd_set_str(struct schedd *s, int cluster, int proc, const char *name,
	       const char *v, struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	cval_quote_string(v, &sb);
	int rc = queue_set_attr(s->q, cluster, proc, name, sb.buf, err);
	strbuf_release(&sb);
	return rc;
}

int
schedd_unset(struct schedd *s, int cluster, int proc, const struct classad *job,
	     const char *name, struct error *err)
{
	const struct classad *parent = classad_parent(job);
	bool inherited = parent != NULL && classad_has(parent, name);
	if (classad_has_own(job, name) &&
	    queue_delete_attr(s->q, cluster, proc, name, err) < 0)
		return -1;
	return inherited ? queue_set_attr(s->q, cluster, proc, name, "undefined", err)
			 : 0;
}

/* Copies from's value to `to` and drops from (as condor_release does). */
static int
move_attr(struct schedd *s, int c, int p, const struct classad *job,
	  const char *from, const char *to, struct error *err)
{
	const char *t = classad_lookup_text(job, from);
	if (t == NULL)
		return 0;
	char *copy = xstrdup(t);
	int rc = queue_set_attr(s->q, c, p, to, copy, err);
	free(copy);
	return rc < 0 ? -1 : schedd_unset(s, c, p, job, from, err);
}

static int
move_hold_reasons(struct schedd *s, int c, int p, const struct classad *job,
		  struct error *err)
{
	static const char *const names[][2] = {
		{ "HoldReason", "LastHoldReason" },
		{ "HoldReasonCode", "LastHoldReasonCode" },
		{ "HoldReasonSubCode", "LastHoldReasonSubCode" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (move_attr(s, c, p, job, names[i][0], names[i][1], err) < 0)
			return -1;
	return 0;
}

/* JobStatus to, with LastJobStatus and EnteredCurrentStatus. */
static int
set_status(struct schedd *s, int c, int p, const struct classad *job, int to,
	   struct error *err)
{
	long long from = schedd_job_int(job, "JobStatus", 0);
	if (schedd_set_int(s, c, p, "LastJobStatus", from, err) < 0 ||
	    schedd_set_int(s, c, p, "JobStatus", to, err) < 0 ||
	    schedd_set_int(s, c, p, "EnteredCurrentStatus", (long long)s->now, err) < 0)
		return -1;
	return 0;
}

void
schedd_gone(struct schedd *s, int cluster, int proc)
{
	XGROW(s->gone, s->ngone + 1, s->agone);
	s->gone[s->ngone++] = (struct job_id){ cluster, proc };
}

static void
add_event(struct schedd *s, const struct classad *job, enum ulog_event ev,
	  char *body)
{
	ulog_add_job(s->ulog, job, ev, s->now, body);
	free(body);
}

/* ------------------------------------------------------------------ */
/* State changes                                                        */
/* ------------------------------------------------------------------ */

int
schedd_hold(struct schedd *s, int c, int p, const struct classad *job, int code,
	    int subcode, const char *reason, bool log, struct error *err)
{
	long long holds = schedd_job_int(job, "NumHolds", 0);
	if (set_status(s, c, p, job, 5, err) < 0 ||
	    schedd_set_str(s, c, p, "HoldReason", reason, err) < 0 ||
	    schedd_set_int(s, c, p, "HoldReasonCode", code, err) < 0 ||
	    schedd_set_int(s, c, p, "HoldReasonSubCode", subcode, err) < 0 ||
	    schedd_set_int(s, c, p, "NumHolds",
			   holds < 0 || holds == LLONG_MAX ? 1 : holds + 1, err) < 0 ||
	    move_attr(s, c, p, job, "ReleaseReason", "LastReleaseReason", err) < 0)
		return -1;
	if (log)
		add_event(s, job, ULOG_HELD, ulog_body_held(reason, code, subcode));
	schedd_log(s, "Job %d.%d held (code %d): %s", c, p, code, reason);
	return 0;
}

int
schedd_release(struct schedd *s, int c, int p, const struct classad *job,
	       const char *reason, struct error *err)
{
	if (set_status(s, c, p, job, 1, err) < 0 ||
	    schedd_set_str(s, c, p, "ReleaseReason", reason, err) < 0 ||
	    move_hold_reasons(s, c, p, job, err) < 0 ||
	    (classad_has(job, "JobStatusOnRelease") &&
	     schedd_unset(s, c, p, job, "JobStatusOnRelease", err) < 0))
		return -1;
	add_event(s, job, ULOG_RELEASED, ulog_body_released(reason));
	schedd_log(s, "Job %d.%d released: %s", c, p, reason);
	schedd_idle_consider(s, job, c, p);
	return 0;
}

int
schedd_remove(struct schedd *s, int c, int p, const struct classad *job,
	      const char *reason, bool log, struct error *err)
{
	bool held = schedd_job_int(job, "JobStatus", 0) == 5;
	if (set_status(s, c, p, job, 3, err) < 0 ||
	    schedd_set_str(s, c, p, "RemoveReason", reason, err) < 0 ||
	    (held && move_hold_reasons(s, c, p, job, err) < 0))
		return -1;
	if (log)
		add_event(s, job, ULOG_ABORTED, ulog_body_aborted(reason));
	schedd_log(s, "Job %d.%d removed: %s", c, p, reason);
	/* a job with a run leaves once the run is over */
	if (schedd_slot_of(s, c, p))
		return 0;
	schedd_gone(s, c, p);
	return queue_remove_job(s->q, c, p, err);
}

/* ------------------------------------------------------------------ */
/* The end of a run                                                     */
/* ------------------------------------------------------------------ */

/* Reads the run's result; a run without one (its starter died, or never
 * started) is an eviction without checkpoint.  Returns true if lost. */
static bool
read_result(struct schedd *s, const struct slot *sl, struct starter_result *r)
{
	struct error err;
	if (!sl->lost && starter_result_read(sl->sandbox, r, &err) == 0)
		return false;
	if (!sl->lost)
		schedd_log(s, "Job %d.%d: no result from its starter: %s", sl->cluster,
			   sl->proc, err.msg);
	/* the starter is gone without a word: nothing of its run may go on
	 * (the job would run twice once restarted) */
	schedd_kill_stragglers(s, sl->sandbox);
	memset(r, 0, sizeof(*r));
	r->outcome = STARTER_EVICTED;
	return true;
}

static long long
sat_add(long long a, long long b)
{
	if (a < 0)
		a = 0;
	if (b < 0)
		b = 0;
	return a > LLONG_MAX - b ? LLONG_MAX : a + b;
}

/* Accounting every run's end gets, and the numbers its events print. */
static int
end_of_run(struct schedd *s, const struct slot *sl, const struct classad *job,
	   const struct starter_result *r, struct ulog_run *run, struct error *err)
{
	int c = sl->cluster, p = sl->proc;
	long long start = schedd_job_int(job, "JobCurrentStartDate", (long long)s->now);
	long long wall = (long long)s->now > start ? (long long)s->now - start : 0;
	double prev = 0;
	classad_get_real(job, "RemoteWallClockTime", &prev);
	long long cum_usr = sat_add(schedd_job_int(job, "CumulativeRemoteUserCpu", 0),
				    r->usr_sec);
	long long cum_sys = sat_add(schedd_job_int(job, "CumulativeRemoteSysCpu", 0),
				    r->sys_sec);
	long long sent = sat_add(schedd_job_int(job, "BytesSent", 0), r->bytes_sent);
	long long recvd = sat_add(schedd_job_int(job, "BytesRecvd", 0),
				  r->bytes_received);
	long long slot_time = sat_add(schedd_job_int(job, "CumulativeSlotTime", 0), wall);
	char *host = classad_get_string(job, "RemoteHost");
	int rc = -1;
	if (set_real(s, c, p, "RemoteWallClockTime", (prev > 0 ? prev : 0) + (double)wall,
		     err) < 0 ||
	    set_real(s, c, p, "CumulativeSlotTime", (double)slot_time, err) < 0 ||
	    set_real(s, c, p, "RemoteUserCpu", (double)sat_add(r->usr_sec, 0), err) < 0 ||
	    set_real(s, c, p, "RemoteSysCpu", (double)sat_add(r->sys_sec, 0), err) < 0 ||
	    set_real(s, c, p, "CumulativeRemoteUserCpu", (double)cum_usr, err) < 0 ||
	    set_real(s, c, p, "CumulativeRemoteSysCpu", (double)cum_sys, err) < 0 ||
	    set_real(s, c, p, "BytesSent", (double)sent, err) < 0 ||
	    set_real(s, c, p, "BytesRecvd", (double)recvd, err) < 0 ||
	    (host && schedd_set_str(s, c, p, "LastRemoteHost", host, err) < 0) ||
	    schedd_unset(s, c, p, job, "RemoteHost", err) < 0 ||
	    schedd_unset(s, c, p, job, SCHEDD_SANDBOX_ATTR, err) < 0 ||
	    /* a vacate request is for this run only, honoured or not */
	    (classad_has(job, ACTION_VACATE_ATTR) &&
	     schedd_unset(s, c, p, job, ACTION_VACATE_ATTR, err) < 0))
		goto out;
	*run = (struct ulog_run){
		.run = { r->usr_sec, r->sys_sec },
		.total = { cum_usr, cum_sys },
		.run_sent = r->bytes_sent,
		.run_received = r->bytes_received,
		.total_sent = sent,
		.total_received = recvd,
		.job = job,
	};
	rc = 0;
out:
	free(host);
	return rc;
}

/* Back to Idle after a run cut short, with event 004. */
static int
evicted(struct schedd *s, const struct slot *sl, const struct classad *job,
	const struct ulog_run *run, int code, const char *reason, struct error *err)
{
	int c = sl->cluster, p = sl->proc;
	if (schedd_job_int(job, "JobStatus", 0) == 2 &&
	    set_status(s, c, p, job, 1, err) < 0)
		return -1;
	if (schedd_set_int(s, c, p, "LastVacateTime", (long long)s->now, err) < 0 ||
	    schedd_set_str(s, c, p, "VacateReason", reason, err) < 0 ||
	    schedd_set_int(s, c, p, "VacateReasonCode", code, err) < 0 ||
	    schedd_set_int(s, c, p, "VacateReasonSubCode", 0, err) < 0)
		return -1;
	add_event(s, job, ULOG_EVICTED, ulog_body_evicted(run, code, 0, reason));
	schedd_log(s, "Job %d.%d evicted: %s", c, p, reason);
	schedd_idle_consider(s, job, c, p);
	return 0;
}

/* Why a run the daemon did not ask to stop (or asked for a shutdown, a
 * periodic vacate or a condor_vacate_job) ended as an eviction.  A vacate
 * request the job's ad still holds counts even when this daemon did not
 * send it: its predecessor did, and died before the run was over. */
static const char *
evict_reason(const struct slot *sl, bool vacate_requested, bool lost, int *code)
{
	*code = 0;
	if (lost)
		return "The job's starter exited without reporting how the job ended";
	enum stop_why why = sl->why;
	if (why == STOP_NONE && vacate_requested)
		why = STOP_USER_VACATE;
	switch (why) {
	case STOP_SHUTDOWN:
		*code = VACATE_STARTD_SHUTDOWN;
		return "Startd was shutdown";
	case STOP_VACATE:
		return sl->stop_reason ? sl->stop_reason : "Job vacated by schedd";
	case STOP_USER_VACATE:
		*code = VACATE_SCHEDD_VACATE;
		return "Job vacated by schedd";
	default:
		return "The job's starter was stopped by a signal";
	}
}

/* The exit policy, HTCondor's order, for a job that exited on its own. */
static int
exited(struct schedd *s, const struct slot *sl, const struct classad *job,
       const struct starter_result *r, const struct ulog_run *run,
       struct error *err)
{
	int c = sl->cluster, p = sl->proc;
	struct policy_exit ex;
	struct policy_decision d = POLICY_DECISION_INIT;
	policy_classify_exit(job, r->wait_status, false, &ex);
	policy_after_exit(job, &ex, s->now, &d);
	struct ulog_exit ue = { ex.by_signal, ex.by_signal ? ex.exit_signal : ex.exit_code,
				ex.core_dumped, NULL };
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < d.n_updates; i++)
		rc = schedd_set_text(s, c, p, d.updates[i].name, d.updates[i].text, err);
	if (rc < 0)
		goto out;
	if (d.action == POLICY_HOLD) {
		rc = schedd_hold(s, c, p, job, d.hold_code, d.hold_subcode,
				 d.reason ? d.reason : "", true, err);
	} else if (d.action == POLICY_REQUEUE) {
		rc = set_status(s, c, p, job, 1, err);
		if (rc == 0) {
			add_event(s, job, ULOG_EVICTED,
				  ulog_body_requeued(run, &ue, d.reason ? d.reason : ""));
			schedd_log(s, "Job %d.%d exited (%s %d) and was requeued: %s", c, p,
				   ex.by_signal ? "signal" : "status", ue.value,
				   d.reason ? d.reason : "");
			schedd_idle_consider(s, job, c, p);
		}
	} else {
		rc = set_status(s, c, p, job, 4, err);
		if (rc == 0)
			rc = schedd_set_int(s, c, p, "CompletionDate", (long long)s->now, err);
		if (rc < 0)
			goto out;
		add_event(s, job, ULOG_TERMINATED, ulog_body_terminated(run, &ue));
		schedd_log(s, "Job %d.%d completed (%s %d)", c, p,
			   ex.by_signal ? "signal" : "status", ue.value);
		bool leave = false;
		if (!classad_get_bool(job, "LeaveJobInQueue", &leave) || !leave) {
			schedd_gone(s, c, p);
			rc = queue_remove_job(s->q, c, p, err);
		}
	}
out:
	policy_decision_release(&d);
	return rc;
}

/* The starter stopped the job because it could not go on: 021, 004 and a
 * hold, as HTCondor's starter-initiated holds log. */
static int
starter_hold(struct schedd *s, const struct slot *sl, const struct classad *job,
	     const struct starter_result *r, const struct ulog_run *run,
	     struct error *err)
{
	int code = r->hold_code;
	if (code == 0)
		code = r->outcome == STARTER_CHECKPOINT_FAILED
			       ? POLICY_HOLD_FAILED_TO_CHECKPOINT
			       : 6;	/* FailedToCreateProcess */
	char *slot = schedd_slot_name(s, sl);
	char *reason = xasprintf("Error from %s: %s", slot, r->hold_reason);
	add_event(s, job, ULOG_REMOTE_ERROR,
		  ulog_body_remote_error(slot, r->hold_reason, true, code,
					 r->hold_subcode));
	add_event(s, job, ULOG_EVICTED, ulog_body_evicted(run, code, r->hold_subcode,
							  reason));
	int rc = schedd_hold(s, sl->cluster, sl->proc, job, code, r->hold_subcode,
			     reason, true, err);
	free(reason);
	free(slot);
	return rc;
}

static bool
policy_hold_code(long long code)
{
	return code == 3 || code == 5 || code == 26 || code == 27;
}

/* The job was held while it ran: 004 (unless a policy held it), 012. */
static void
held_meanwhile(struct schedd *s, const struct slot *sl, const struct classad *job,
	       const struct ulog_run *run)
{
	long long code = schedd_job_int(job, "HoldReasonCode", 0);
	long long sub = schedd_job_int(job, "HoldReasonSubCode", 0);
	char *reason = classad_get_string(job, "HoldReason");
	int icode = code < INT_MIN || code > INT_MAX ? 0 : (int)code;
	int isub = sub < INT_MIN || sub > INT_MAX ? 0 : (int)sub;
	if (!sl->by_policy && !policy_hold_code(code))
		add_event(s, job, ULOG_EVICTED,
			  ulog_body_evicted(run, icode, isub, reason ? reason : ""));
	add_event(s, job, ULOG_HELD, ulog_body_held(reason ? reason : "", icode, isub));
	schedd_log(s, "Job %d.%d stopped: it was held", sl->cluster, sl->proc);
	free(reason);
}

/* The job was removed while it ran: 004 (unless a policy removed it), 009,
 * and it leaves the queue. */
static int
removed_meanwhile(struct schedd *s, const struct slot *sl,
		  const struct classad *job, const struct ulog_run *run,
		  struct error *err)
{
	char *reason = classad_get_string(job, "RemoveReason");
	if (!sl->by_policy)
		add_event(s, job, ULOG_EVICTED,
			  ulog_body_evicted(run, VACATE_JOB_REMOVED, 0,
					    reason ? reason : ""));
	add_event(s, job, ULOG_ABORTED, ulog_body_aborted(reason));
	free(reason);
	schedd_log(s, "Job %d.%d stopped: it was removed", sl->cluster, sl->proc);
	schedd_gone(s, sl->cluster, sl->proc);
	return queue_remove_job(s->q, sl->cluster, sl->proc, err);
}

int
schedd_apply_run(struct schedd *s, struct slot *sl, struct error *err)
{
	struct starter_result r;
	bool lost = read_result(s, sl, &r);
	const struct classad *job = queue_find(s->q, sl->cluster, sl->proc);
	if (job == NULL) {
		/* removed outright while its run was being stopped (condor_rm
		 * of a job held a moment before): only its spool is left */
		schedd_log(s, "Job %d.%d left the queue while it ran", sl->cluster,
			   sl->proc);
		schedd_gone(s, sl->cluster, sl->proc);
		return 0;
	}
	long long status = schedd_job_int(job, "JobStatus", 0);
	/* read before end_of_run drops it */
	bool vacate_req = schedd_job_int(job, ACTION_VACATE_ATTR, 0) != 0;
	struct ulog_run run;
	if (end_of_run(s, sl, job, &r, &run, err) < 0)
		return -1;
	int code;
	const char *why;
	switch (status) {
	case 2:
		/* a hold the starter asks for (an output transfer that failed
		 * at exit or at eviction, too) comes before the exit policy */
		if (r.hold_code != 0 || r.outcome == STARTER_CHECKPOINT_FAILED ||
		    r.outcome == STARTER_START_FAILED)
			return starter_hold(s, sl, job, &r, &run, err);
		if (r.outcome == STARTER_EXITED)
			return exited(s, sl, job, &r, &run, err);
		why = evict_reason(sl, vacate_req, lost, &code);
		return evicted(s, sl, job, &run, code, why, err);
	case 5:
		held_meanwhile(s, sl, job, &run);
		return 0;
	case 3:
		return removed_meanwhile(s, sl, job, &run, err);
	default:
		why = evict_reason(sl, vacate_req, lost, &code);
		return evicted(s, sl, job, &run, code, why, err);
	}
}
