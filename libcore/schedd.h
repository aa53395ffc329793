/*
 * schedd.h - the daemon's work: give idle jobs slots, start a starter for
 * each (starter.h), apply what each run's starter reports, evaluate the
 * periodic policy expressions, react to what the tools change, shut down
 * cleanly, and pick up after a crash.  condor_master is glue around this.
 *
 * One event loop (epoll) over a signalfd (SIGCHLD, SIGTERM, SIGQUIT,
 * SIGHUP, SIGINT), the control socket (control.h), a timerfd for the
 * periodic expressions and the pidfds of starters adopted after a restart.
 * Nothing polls: a wake-up, a starter's exit, the timer or a deadline (a
 * stop to escalate, a checkpoint signal due) runs one iteration, and an iteration commits all its queue changes in one
 * transaction (one fdatasync), then writes its job events in one ulog
 * batch.  The queue lock is held only for that commit, never while
 * waiting.
 *
 * Invariants:
 *   - A job is Running in the queue exactly while it has a run: from the
 *     commit that starts it (which records the sandbox in the private
 *     attribute CondorletSandbox, before its starter exists) to the commit
 *     that applies the run's result (which deletes the attribute, before
 *     the sandbox is removed).  A job whose ad has CondorletSandbox is never
 *     started again until that run is accounted for, whatever its status.
 *   - Starters survive the daemon.  At start-up every recorded run is
 *     found again: its result is applied if it ended meanwhile, its
 *     starter adopted if it still runs, or, if neither, its processes are
 *     killed and the job goes back to Idle to restart from its last
 *     committed checkpoint.  So no job is lost and none runs twice.
 *   - One daemon per LOCAL_DIR (control_lock_master, taken by the caller
 *     before schedd_new).
 *   - A vacate request (action.h, ACTION_VACATE_ATTR, written by
 *     condor_vacate_job on a Running job) is carried out for the job's
 *     current run, also by a daemon that adopts the run after a restart,
 *     and is deleted by the commit that applies the run's result, whatever
 *     it was; a run that starts drops a stale one.  Its eviction is logged
 *     as 004 with code 1022, "Job vacated by schedd".
 *
 * Configuration (knobs): SPOOL, EXECUTE, LOG, LOCK, NUM_CPUS (slots),
 * PERIODIC_EXPR_INTERVAL (seconds), MachineMaxVacateTime, KILLING_TIMEOUT,
 * PERIODIC_CHECKPOINT (when a job with WantCheckpointSignal is sent its
 * CheckpointSig; evaluated once a second while such a job runs), STARTER
 * (the condor_starter to run; see control_find_program), FULL_HOSTNAME
 * (slot names "slot<N>@<host>").  SIGHUP re-reads NUM_CPUS,
 * PERIODIC_EXPR_INTERVAL and PERIODIC_CHECKPOINT.
 */
#ifndef CONDORLET_SCHEDD_H
#define CONDORLET_SCHEDD_H

#include <stddef.h>

struct error;
struct knobs;
struct schedd;

/* Receives the daemon's log: text is one or more complete lines, each
 * starting with a "MM/DD/YY HH:MM:SS " timestamp. */
typedef void schedd_log_fn(void *arg, const char *text, size_t len);

struct schedd_options {
	schedd_log_fn *log;	/* NULL: no log */
	void *log_arg;
};

/*
 * Sets the daemon up: blocks the signals it handles (so call it before
 * starting any thread), opens the queue, recovers (spool debris, the runs
 * recorded in the queue, leftover sandboxes) and listens on the control
 * socket.  k is read here and on SIGHUP (re-loaded then); it is borrowed
 * until schedd_free.  NULL with err set on failure.
 */
struct schedd *schedd_new(struct knobs *k, const struct schedd_options *o,
			  struct error *err);
/*
 * Runs the loop until a shutdown signal has been handled: SIGTERM or
 * SIGINT vacate every running job gracefully, SIGQUIT kills them; both
 * wait for the starters, put the jobs back to Idle and return 0.  -1 with
 * err set if the loop itself failed (the queue cannot be written).
 */
int schedd_run(struct schedd *s, struct error *err);
/* Frees everything; starters still running are left running (a later
 * daemon adopts them). */
void schedd_free(struct schedd *s);

#endif
