/*
 * policy.c - exit classification and HTCondor's job policy expressions.
 *
 * Every decision is computed on the caller's ad (or a scratch copy of it
 * holding the exit attributes) and returned as data; see policy.h for the
 * semantics and the deliberate differences from HTCondor.
 */
#include "config.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include "classad.h"
#include "num.h"
#include "policy.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

/* ------------------------------------------------------------------ */
/* Decisions                                                           */
/* ------------------------------------------------------------------ */

void
policy_decision_init(struct policy_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->action = POLICY_NONE;
}

void
policy_decision_release(struct policy_decision *d)
{
	for (size_t i = 0; i < d->n_updates; i++) {
		free(d->updates[i].name);
		free(d->updates[i].text);
	}
	free(d->updates);
	free(d->reason);
	free(d->fired_attr);
	policy_decision_init(d);
}

const char *
policy_decision_update(const struct policy_decision *d, const char *name)
{
	for (size_t i = 0; i < d->n_updates; i++)
		if (strcasecmp(d->updates[i].name, name) == 0)
			return d->updates[i].text;
	return NULL;
}

/* Records name = v in d and, when scratch is given, on the scratch ad the
 * policy expressions are evaluated against. */
static void
add_update(struct policy_decision *d, struct classad *scratch,
	   const char *name, const struct cval *v)
{
	struct strbuf sb = STRBUF_INIT;
	cval_unparse(v, &sb);
	XGROW(d->updates, d->n_updates + 1, d->alloc_updates);
	d->updates[d->n_updates].name = xstrdup(name);
	d->updates[d->n_updates].text = strbuf_detach(&sb, NULL);
	d->n_updates++;
	if (scratch != NULL)
		classad_set_value(scratch, name, v);
}

static void
add_int(struct policy_decision *d, struct classad *scratch, const char *name,
	long long i)
{
	struct cval v = { 0 };
	cval_set_int(&v, i);
	add_update(d, scratch, name, &v);
}

static void
add_bool(struct policy_decision *d, struct classad *scratch, const char *name,
	 bool b)
{
	struct cval v = { 0 };
	cval_set_bool(&v, b);
	add_update(d, scratch, name, &v);
}

/* ------------------------------------------------------------------ */
/* Signals                                                             */
/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	int num;
} signal_names[] = {
	{ "SIGHUP", SIGHUP }, { "SIGINT", SIGINT }, { "SIGQUIT", SIGQUIT },
	{ "SIGILL", SIGILL }, { "SIGTRAP", SIGTRAP }, { "SIGABRT", SIGABRT },
	{ "SIGIOT", SIGABRT }, { "SIGBUS", SIGBUS }, { "SIGFPE", SIGFPE },
	{ "SIGKILL", SIGKILL }, { "SIGUSR1", SIGUSR1 }, { "SIGSEGV", SIGSEGV },
	{ "SIGUSR2", SIGUSR2 }, { "SIGPIPE", SIGPIPE }, { "SIGALRM", SIGALRM },
	{ "SIGTERM", SIGTERM }, { "SIGCHLD", SIGCHLD }, { "SIGCLD", SIGCHLD },
	{ "SIGCONT", SIGCONT }, { "SIGSTOP", SIGSTOP }, { "SIGTSTP", SIGTSTP },
	{ "SIGTTIN", SIGTTIN }, { "SIGTTOU", SIGTTOU }, { "SIGURG", SIGURG },
	{ "SIGXCPU", SIGXCPU }, { "SIGXFSZ", SIGXFSZ },
	{ "SIGVTALRM", SIGVTALRM }, { "SIGPROF", SIGPROF },
	{ "SIGWINCH", SIGWINCH }, { "SIGIO", SIGIO }, { "SIGPOLL", SIGIO },
	{ "SIGSYS", SIGSYS },
#ifdef SIGPWR
	{ "SIGPWR", SIGPWR },
#endif
#ifdef SIGSTKFLT
	{ "SIGSTKFLT", SIGSTKFLT },
#endif
};

#define POLICY_SIGNAL_MAX 64

int
policy_signal_number(const char *s)
{
	int n;
	if (s == NULL)
		return -1;
	if (num_parse_int(s, 1, POLICY_SIGNAL_MAX, &n) == 0)
		return n;
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
		if (strcasecmp(s, signal_names[i].name) == 0)
			return signal_names[i].num;
	return -1;
}

/* A signal attribute may hold a number or a name; -1 if absent or bad. */
static int
signal_attr(const struct classad *job, const char *name)
{
	struct cval v = { 0 };
	int sig = -1;
	classad_eval_attr(job, name, &v);
	if (v.type == CVAL_INT) {
		if (v.u.i >= 1 && v.u.i <= POLICY_SIGNAL_MAX)
			sig = (int)v.u.i;
	} else if (v.type == CVAL_STRING) {
		sig = policy_signal_number(v.u.s);
	}
	cval_release(&v);
	return sig;
}

int
policy_kill_signal(const struct classad *job)
{
	int sig = signal_attr(job, "KillSig");
	return sig > 0 ? sig : SIGTERM;
}

int
policy_checkpoint_signal(const struct classad *job)
{
	int sig = signal_attr(job, "CheckpointSig");
	return sig > 0 ? sig : policy_kill_signal(job);
}

/* ------------------------------------------------------------------ */
/* Classifying an exit                                                 */
/* ------------------------------------------------------------------ */

/* The current attribute name if the job has it, else 8.5.3's spelling. */
static const char *
spelling(const struct classad *job, const char *current, const char *old)
{
	return classad_has(job, current) ? current : old;
}

/*
 * The raw wait status a checkpoint exit has, as HTCondor's starter computes
 * it; -1 when the job configures no checkpoint exit.  The by-signal status
 * carries no core bit, so a core-dumping death never matches.
 */
static int
promised_status(const struct classad *job, bool *by_signal, int *value)
{
	bool bysig = false;
	long long code = 0;

	*by_signal = false;
	*value = 0;
	if (classad_get_bool(job, spelling(job, "SuccessCheckpointExitBySignal",
					   "CheckpointExitBySignal"), &bysig) && bysig) {
		int sig = signal_attr(job, spelling(job, "SuccessCheckpointExitSignal",
						    "CheckpointExitSignal"));
		*by_signal = true;
		*value = sig > 0 ? sig : 0;
		return sig > 0 ? sig : -1;
	}
	if (classad_get_int(job, spelling(job, "SuccessCheckpointExitCode",
					  "CheckpointExitCode"), &code) &&
	    code >= 1 && code <= 255) {
		*value = (int)code;
		return (int)code << 8;
	}
	return -1;
}

void
policy_classify_exit(const struct classad *job, int wait_status,
		     bool checkpoint_signal_sent, struct policy_exit *out)
{
	memset(out, 0, sizeof(*out));
	out->wait_status = wait_status;
	if (WIFSIGNALED(wait_status)) {
		out->by_signal = true;
		out->exit_signal = WTERMSIG(wait_status);
		out->core_dumped = WCOREDUMP(wait_status) != 0;
	} else if (WIFEXITED(wait_status)) {
		out->exit_code = WEXITSTATUS(wait_status);
	}

	int want = promised_status(job, &out->promised_by_signal,
				   &out->promised_value);
	if (checkpoint_signal_sent) {
		/* HTCondor's quirk (reference 9.13): nothing configured means
		 * the promised status is 0, so a clean exit is a checkpoint. */
		if (want < 0 && !out->promised_by_signal)
			want = 0;
		out->checkpoint = wait_status == want;
		out->broken_promise = !out->checkpoint;
	} else {
		out->checkpoint = want >= 0 && wait_status == want;
	}
}

/* ------------------------------------------------------------------ */
/* Evaluating policy expressions                                       */
/* ------------------------------------------------------------------ */

/* HTCondor's Value::IsNumber: booleans and numbers, reals truncated. */
static bool
as_number(const struct cval *v, long long *out)
{
	switch (v->type) {
	case CVAL_BOOL:
		*out = v->u.b;
		return true;
	case CVAL_INT:
		*out = v->u.i;
		return true;
	case CVAL_REAL:
		if (!(v->u.r > -9.2e18 && v->u.r < 9.2e18))
			return false;
		*out = (long long)v->u.r;
		return true;
	default:
		return false;
	}
}

/* Evaluates attribute name in job as a number; false if absent or not one. */
static bool
eval_number(const struct classad *job, const char *name, long long *out)
{
	struct cval v = { 0 };
	classad_eval_attr(job, name, &v);
	bool ok = as_number(&v, out);
	cval_release(&v);
	return ok;
}

static void
set_reason_default(struct policy_decision *d, const struct classad *job,
		   const char *attr, const char *value)
{
	const char *text = classad_lookup_text(job, attr);
	free(d->reason);
	d->reason = xasprintf("The job attribute %s expression '%s' evaluated to %s",
			      attr, text ? text : "true", value);
}

/* Fills d for a fired attribute: <attr>Reason and <attr>SubCode if given. */
static void
fire(struct policy_decision *d, const struct classad *job, const char *attr,
     enum policy_action action)
{
	char *rname = xasprintf("%sReason", attr);
	char *sname = xasprintf("%sSubCode", attr);
	char *custom = classad_get_string(job, rname);
	long long sub = 0;

	d->action = action;
	d->hold_code = POLICY_HOLD_JOB_POLICY;
	d->hold_subcode = 0;
	if (eval_number(job, sname, &sub) && sub >= INT_MIN && sub <= INT_MAX)
		d->hold_subcode = (int)sub;
	free(d->fired_attr);
	d->fired_attr = xstrdup(attr);
	if (custom != NULL && custom[0] != '\0') {
		free(d->reason);
		d->reason = custom;
	} else {
		free(custom);
		set_reason_default(d, job, attr, "TRUE");
	}
	free(rname);
	free(sname);
}

/* Fires attr when it evaluates to a non-zero number. */
static bool
try_fire(struct policy_decision *d, const struct classad *job,
	 const char *attr, enum policy_action action)
{
	long long n = 0;
	if (!eval_number(job, attr, &n) || n == 0)
		return false;
	fire(d, job, attr, action);
	return true;
}

/* TimerRemove: an absolute time; HTCondor reads it as an integer. */
static bool
timer_remove(struct policy_decision *d, const struct classad *job, time_t now)
{
	struct cval v = { 0 };
	bool fired = false;
	classad_eval_attr(job, "TimerRemove", &v);
	if (v.type == CVAL_INT && v.u.i >= 0 && v.u.i < (long long)now) {
		fire(d, job, "TimerRemove", POLICY_REMOVE);
		fired = true;
	}
	cval_release(&v);
	return fired;
}

/*
 * The periodic part shared by policy_periodic and the exit path (where
 * HTCondor's PERIODIC_THEN_EXIT mode skips PeriodicVacate).
 */
static bool
periodic_checks(const struct classad *job, int status, time_t now,
		bool with_vacate, struct policy_decision *d)
{
	if (status == POLICY_REMOVED)
		return false;
	if (with_vacate && (status == POLICY_RUNNING || status == POLICY_SUSPENDED) &&
	    try_fire(d, job, "PeriodicVacate", POLICY_VACATE))
		return true;
	if (timer_remove(d, job, now))
		return true;
	if (status != POLICY_HELD && status != POLICY_COMPLETED &&
	    try_fire(d, job, "PeriodicHold", POLICY_HOLD))
		return true;
	if (status == POLICY_HELD) {
		long long code = 0;
		(void)eval_number(job, "HoldReasonCode", &code);
		if (code != POLICY_HOLD_USER_REQUEST &&
		    try_fire(d, job, "PeriodicRelease", POLICY_RELEASE))
			return true;
	}
	return try_fire(d, job, "PeriodicRemove", POLICY_REMOVE);
}

void
policy_periodic(const struct classad *job, int job_status, time_t now,
		struct policy_decision *out)
{
	policy_decision_release(out);
	if (!periodic_checks(job, job_status, now, true, out))
		policy_decision_release(out);
	if (out->action != POLICY_HOLD)
		out->hold_code = out->hold_subcode = 0;
}

/* ------------------------------------------------------------------ */
/* After an exit                                                       */
/* ------------------------------------------------------------------ */

static void
set_exit_attrs(const struct classad *job, const struct policy_exit *ex,
	       struct classad *scratch, struct policy_decision *d)
{
	long long done = 0;

	add_bool(d, scratch, "ExitBySignal", ex->by_signal);
	if (ex->by_signal) {
		add_int(d, scratch, "ExitSignal", ex->exit_signal);
		add_bool(d, scratch, "JobCoreDumped", ex->core_dumped);
	} else {
		add_int(d, scratch, "ExitCode", ex->exit_code);
	}
	if (!classad_get_int(job, "NumJobCompletions", &done) || done < 0 ||
	    done == LLONG_MAX)
		done = 0;
	add_int(d, scratch, "NumJobCompletions", done + 1);
}

/* committed + (now - start), never negative, saturating on hostile values. */
static long long
add_span(long long committed, long long now, long long start)
{
	long long span = (start >= 0 && now > start) ? now - start : 0;
	if (committed < 0)
		committed = 0;
	return committed > LLONG_MAX - span ? LLONG_MAX : committed + span;
}

/* At termination the time since the last checkpoint (or since this run
 * started) becomes committed too (reference 2.5). */
static void
commit_final_time(const struct classad *job, time_t now, struct policy_decision *d)
{
	long long start = 0, ckpt = 0, committed = 0;
	if (!classad_get_int(job, "JobCurrentStartDate", &start))
		return;
	if (classad_get_int(job, "JobLastCheckpointTime", &ckpt) && ckpt > start)
		start = ckpt;
	(void)classad_get_int(job, "CommittedTime", &committed);
	add_int(d, NULL, "CommittedTime", add_span(committed, (long long)now, start));
}

/* OnExitRemove: only a zero number keeps the job in the queue. */
static void
on_exit_remove(const struct classad *scratch, struct policy_decision *d)
{
	long long n = 1;
	const struct cexpr *e = classad_lookup_expr(scratch, "OnExitRemove");
	if (e != NULL && eval_number(scratch, "OnExitRemove", &n) && n == 0) {
		d->action = POLICY_REQUEUE;
		free(d->fired_attr);
		d->fired_attr = xstrdup("OnExitRemove");
		set_reason_default(d, scratch, "OnExitRemove", "FALSE");
		return;
	}
	d->action = POLICY_COMPLETE;
}

void
policy_after_exit(const struct classad *job, const struct policy_exit *ex,
		  time_t now, struct policy_decision *out)
{
	struct classad *scratch = classad_copy(job);

	policy_decision_release(out);
	set_exit_attrs(job, ex, scratch, out);
	if (periodic_checks(scratch, POLICY_RUNNING, now, false, out)) {
		/* The shadow terminates a job whose removal fires at exit. */
		if (out->action == POLICY_REMOVE)
			out->action = POLICY_COMPLETE;
	} else if (!try_fire(out, scratch, "OnExitHold", POLICY_HOLD)) {
		on_exit_remove(scratch, out);
	}
	if (out->action != POLICY_HOLD)
		out->hold_code = out->hold_subcode = 0;
	if (out->action == POLICY_COMPLETE)
		commit_final_time(scratch, now, out);
	classad_free(scratch);
}

/* ------------------------------------------------------------------ */
/* Checkpoints                                                         */
/* ------------------------------------------------------------------ */

void
policy_checkpoint_broken_promise(const struct policy_exit *ex,
				 struct policy_decision *out)
{
	policy_decision_release(out);
	out->action = POLICY_HOLD;
	out->hold_code = POLICY_HOLD_FAILED_TO_CHECKPOINT;
	out->hold_subcode = ex->wait_status;
	out->reason = xasprintf(
		"Job did not exit as promised when sent its checkpoint signal.  "
		"Promised exit was %s %d, actual exit status was %s %d.",
		ex->promised_by_signal ? "on signal" : "with exit code",
		ex->promised_value,
		ex->by_signal ? "on signal" : "with exit code",
		ex->by_signal ? ex->exit_signal : ex->exit_code);
}

void
policy_after_checkpoint(const struct classad *job, time_t now,
			time_t start_time, struct policy_decision *out)
{
	long long number = -1, committed = 0;

	policy_decision_release(out);
	if (!classad_get_int(job, "CheckpointNumber", &number) || number < -1 ||
	    number >= INT_MAX)
		number = -1;
	add_int(out, NULL, "CheckpointNumber", number + 1);
	add_int(out, NULL, "JobLastCheckpointTime", (long long)now);
	(void)classad_get_int(job, "CommittedTime", &committed);
	add_int(out, NULL, "CommittedTime",
		add_span(committed, (long long)now, (long long)start_time));
}
