/*
 * policy.h - how a job ended, and what happens to it next.
 *
 * Owns: the pure decisions HTCondor's starter and shadow make when a job's
 * process is reaped, and the ones its schedd and shadow make on the
 * periodic timer (shared/reference/htcondor-runtime.md sections 2.2, 2.5,
 * 4 and 5; htcondor-cli.md section 3.3).  Nothing here starts processes,
 * touches files or changes the queue: each function reads a job ad and
 * fills a struct policy_decision that the caller carries out (writes the
 * listed attribute updates, logs the events, moves the job).
 *
 * Expression semantics follow HTCondor's UserPolicy: a policy expression
 * fires when it evaluates to a non-zero number (booleans count as 0/1,
 * reals are truncated toward zero).  UNDEFINED, ERROR, strings and lists
 * never fire, and an absent expression never fires, except OnExitRemove,
 * whose absence or any value other than a zero number means "remove".
 *
 * Deliberate differences from HTCondor, each because a single machine has
 * no use for the alternative:
 * - A checkpoint exit does not require WantFTOnCheckpoint: DESIGN.md says
 *   the older spellings (+SuccessCheckpointExitCode alone, 8.5.3's
 *   CheckpointExitCode) mean the same as checkpoint_exit_code.
 * - SuccessCheckpointExitCode 0 (or outside 1..255) configures nothing, so
 *   a plain exit 0 is never mistaken for a checkpoint outside the
 *   checkpoint-signal path (where HTCondor's "expected status 0" quirk is
 *   kept, reference section 9.13).
 * - AllowedJobDuration / AllowedExecuteDuration and the SYSTEM_PERIODIC_*
 *   macros are not evaluated here.
 */
#ifndef CONDORLET_POLICY_H
#define CONDORLET_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct classad;

/* JobStatus values (htcondor-cli.md 3.1). */
enum policy_job_status {
	POLICY_IDLE = 1,
	POLICY_RUNNING = 2,
	POLICY_REMOVED = 3,
	POLICY_COMPLETED = 4,
	POLICY_HELD = 5,
	POLICY_SUSPENDED = 7,
};

/* HoldReasonCode values this module produces. */
enum {
	POLICY_HOLD_USER_REQUEST = 1,
	POLICY_HOLD_JOB_POLICY = 3,
	POLICY_HOLD_JOB_POLICY_UNDEFINED = 5,
	POLICY_HOLD_FAILED_TO_CHECKPOINT = 36,
};

/* ------------------------------------------------------------------ */
/* Classifying an exit                                                 */
/* ------------------------------------------------------------------ */

/*
 * One reaped job process.  by_signal selects which of exit_code and
 * exit_signal is meaningful (the other is 0).  checkpoint: the exit is the
 * job's promised checkpoint exit (commit, call policy_after_checkpoint and
 * restart in place).  broken_promise: a checkpoint signal had been sent
 * and the job exited some other way (call policy_checkpoint_broken_promise).
 * When neither is set the exit goes to policy_after_exit.
 */
struct policy_exit {
	int wait_status;	/* as waitpid(2) reported it */
	bool by_signal;
	int exit_code;
	int exit_signal;
	bool core_dumped;
	bool checkpoint;
	bool broken_promise;
	/* What the job promised, for the broken-promise message: a signal
	 * number when promised_by_signal, else an exit code. */
	bool promised_by_signal;
	int promised_value;
};

/*
 * Classifies wait_status for job.  The checkpoint exit is exit code
 * SuccessCheckpointExitCode (else CheckpointExitCode), or, when
 * SuccessCheckpointExitBySignal (else CheckpointExitBySignal) is true,
 * death by SuccessCheckpointExitSignal (else CheckpointExitSignal, a number
 * or a name like "SIGUSR2") without a core dump.  checkpoint_signal_sent
 * says the daemon sent the periodic checkpoint signal since the process
 * started; then anything but the checkpoint exit is a broken promise, and
 * with no checkpoint exit configured a clean exit 0 is the checkpoint.
 * A wait status that is neither an exit nor a signal death is classified
 * as exit code 0 with by_signal false.  Cannot fail.
 */
void policy_classify_exit(const struct classad *job, int wait_status,
			  bool checkpoint_signal_sent, struct policy_exit *out);

/* ------------------------------------------------------------------ */
/* Signals                                                             */
/* ------------------------------------------------------------------ */

/*
 * Returns the signal number named by text: "SIGTERM" (any case, the SIG
 * prefix required as condor_submit requires it) or a decimal number in
 * 1..64 ("15", " 15 ").  Returns -1 for NULL, "TERM", "0", "SIGBOGUS" ...
 */
int policy_signal_number(const char *name_or_number);
/* The job's KillSig (a name or a number) as a signal number; SIGTERM when
 * absent or invalid. */
int policy_kill_signal(const struct classad *job);
/* The job's CheckpointSig; policy_kill_signal(job) when absent or invalid. */
int policy_checkpoint_signal(const struct classad *job);

/* ------------------------------------------------------------------ */
/* Decisions                                                           */
/* ------------------------------------------------------------------ */

enum policy_action {
	POLICY_NONE = 0,	/* nothing fired: leave the job as it is */
	POLICY_COMPLETE,	/* job exit: terminate, event 005, Completed */
	POLICY_REQUEUE,		/* job exit: event 004 with reason, back to Idle */
	POLICY_HOLD,		/* Held with hold_code/hold_subcode/reason */
	POLICY_RELEASE,		/* periodic: release; reason is the ReleaseReason */
	POLICY_REMOVE,		/* periodic: remove; reason is the RemoveReason */
	POLICY_VACATE,		/* periodic: vacate a running job */
};

/* An attribute the caller writes to the job: text is canonical ClassAd
 * expression text, as classad_set_text_trusted accepts. */
struct policy_update {
	char *name;
	char *text;
};

/*
 * The result of a decision.  Owns reason, fired_attr and every update;
 * initialise with POLICY_DECISION_INIT or policy_decision_init, release
 * with policy_decision_release.  reason is NULL when nothing needs one
 * (POLICY_NONE, and POLICY_COMPLETE through a true OnExitRemove).
 * fired_attr names the expression that decided ("OnExitHold",
 * "PeriodicRemove", ...) or is NULL.
 */
struct policy_decision {
	enum policy_action action;
	int hold_code;
	int hold_subcode;
	char *reason;
	char *fired_attr;
	struct policy_update *updates;
	size_t n_updates;
	size_t alloc_updates;
};

#define POLICY_DECISION_INIT { .action = POLICY_NONE }
void policy_decision_init(struct policy_decision *d);
/* Frees everything d owns and leaves it as after policy_decision_init. */
void policy_decision_release(struct policy_decision *d);
/* The text of update name in d, or NULL (borrowed, lives as long as d). */
const char *policy_decision_update(const struct policy_decision *d,
				   const char *name);

/*
 * Decides what a non-checkpoint exit ex of a running job means, at time
 * now.  Adds the exit attributes the job gets (ExitBySignal, then ExitCode,
 * or ExitSignal and JobCoreDumped; NumJobCompletions + 1; CommittedTime
 * when the job completes) to out->updates, applies them to a scratch copy
 * of job and evaluates there in HTCondor's order, the first match winning:
 * TimerRemove, PeriodicHold, PeriodicRemove (either of the removes makes
 * the job COMPLETE, as HTCondor's shadow terminates it), OnExitHold (HOLD,
 * code 3, subcode OnExitHoldSubCode, reason OnExitHoldReason or "The job
 * attribute OnExitHold expression '...' evaluated to TRUE"), OnExitRemove
 * (a zero number: REQUEUE with "The job attribute OnExitRemove expression
 * '...' evaluated to FALSE"; anything else: COMPLETE).  Any previous
 * content of out is released first.  Cannot fail.
 */
void policy_after_exit(const struct classad *job, const struct policy_exit *ex,
		       time_t now, struct policy_decision *out);

/*
 * Evaluates the periodic expressions of a job in state job_status at time
 * now, the first match winning: PeriodicVacate (RUNNING or SUSPENDED only;
 * VACATE), TimerRemove (an integer epoch time already past; REMOVE),
 * PeriodicHold (not HELD nor COMPLETED; HOLD code 3), PeriodicRelease
 * (HELD with HoldReasonCode != 1 only; RELEASE), PeriodicRemove (REMOVE).
 * The reason is <Attr>Reason when it evaluates to a non-empty string, else
 * "The job attribute <Attr> expression '<expr>' evaluated to TRUE"; the
 * subcode is <Attr>SubCode or 0.  A REMOVED job is never acted on.  No
 * updates are produced.  Any previous content of out is released first.
 */
void policy_periodic(const struct classad *job, int job_status, time_t now,
		     struct policy_decision *out);

/*
 * The hold for ex->broken_promise: HOLD with code 36, subcode the raw wait
 * status, and HTCondor's text "Job did not exit as promised when sent its
 * checkpoint signal.  Promised exit was with exit code 85, actual exit
 * status was on signal 9." (the caller adds any "Error from ..." prefix).
 * No exit attributes are set: the job did not finish.
 */
void policy_checkpoint_broken_promise(const struct policy_exit *ex,
				      struct policy_decision *out);

/*
 * The counters a committed checkpoint advances (reference 2.5), as
 * updates in out with action POLICY_NONE: CheckpointNumber (the job's
 * value + 1, or 0 the first time), JobLastCheckpointTime = now, and
 * CommittedTime += now - start_time, where start_time is when this
 * incarnation of the process started (a negative span counts as 0).
 */
void policy_after_checkpoint(const struct classad *job, time_t now,
			     time_t start_time, struct policy_decision *out);

#endif
