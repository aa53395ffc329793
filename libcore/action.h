/*
 * action.h - acting on queued jobs: hold, release, remove and vacate,
 * through one engine and one descriptor per action.
 *
 * Owns the rules HTCondor's schedd applies in actOnJobs: which job states
 * each action may leave (see reference/htcondor-cli.md 6.4), who may act
 * on a job (its Owner, or a member of QUEUE_SUPER_USERS), the attribute
 * changes (reference 3.3), the job event logged for each job, and the exact
 * texts of the per-job and per-selection results.  The tools only parse
 * options, call action_run and print what these functions format.
 *
 * A command is one queue transaction: action_run opens the queue for
 * writing, applies every change, commits once, then writes all events as
 * one ulog batch (queue first, log second, as HTCondor's schedd does).  If
 * anything fails before the commit, nothing changed.  All jobs get the
 * same timestamp and reason text, so the queue can store the changes for
 * a run of procs as one range record; condor_hold -all on 100,000 jobs is
 * one transaction and one log append.
 *
 * Jobs are chosen two ways, as HTCondor's tools do:
 *   - ids ("635.0"): each one is reported on its own ("Job 635.0 held",
 *     "Job 635.0 not found", ...), in the order given;
 *   - a selection (clusters, owners, -constraint, -all): jobs whose state
 *     the action cannot leave, or that belong to someone else, are skipped
 *     silently, and the result is one line: done if at least one job was
 *     acted on.
 * A job named both ways is acted on once (the id comes first; the
 * selection then finds it already in its new state and skips it).
 *
 * Running jobs: the engine changes the queue only; stopping a running
 * process (and its 004 event) is the daemon's part, which reacts to the
 * new JobStatus.  Vacate changes no JobStatus (HTCondor's does not
 * either): it records the request in the private attribute
 * ACTION_VACATE_ATTR, which the daemon acts on and clears when the run
 * is over; waking the daemon after the commit is the tool's next step.
 */
#ifndef CONDORLET_ACTION_H
#define CONDORLET_ACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "ulog.h"

struct classad;
struct error;
struct job_select;
struct strbuf;

/* What happened to one job (HTCondor's AR_* results). */
enum action_result {
	ACTION_OK,
	ACTION_NOT_FOUND,
	ACTION_BAD_STATUS,		/* "not held to be released" */
	ACTION_ALREADY_DONE,		/* "already held" */
	ACTION_PERMISSION_DENIED,
};

struct action_ctx;	/* one command's state, private to action.c */

/*
 * One action, as data.  A new action (condor_vacate_job) is one more
 * const struct action; the engine, the selection rules and the messages
 * stay as they are.
 */
struct action {
	const char *verb;		/* "hold": "Permission denied to hold job" */
	const char *past;		/* "held": "Job 635.0 held" */
	const char *default_reason;	/* "via condor_hold"; NULL: no reason */
	const char *already_done;	/* "already held"; NULL if never */
	const char *bad_status;		/* "not held to be released"; NULL if never */
	/* The legal-transition rule: ACTION_OK if the job, currently in
	 * status, may be acted on; else why not (never ACTION_NOT_FOUND). */
	enum action_result (*check)(const struct classad *job, int status);
	/* Queues this job's attribute changes (NULL: none).  -1 with err set
	 * stops the command; nothing is committed then. */
	int (*apply)(struct action_ctx *ctx, int cluster, int proc,
		     const struct classad *job, struct error *err);
	/* The event logged for each job acted on, with its body built once
	 * per command from the full reason (NULL: no event). */
	enum ulog_event event;
	char *(*event_body)(const struct action_ctx *ctx);
	/* The job leaves the queue for the history at once (rm), unless it
	 * is running: then it stays, in its new state, until the daemon has
	 * stopped it and removes it. */
	bool leaves_queue;
};

extern const struct action action_hold;
extern const struct action action_release;
extern const struct action action_remove;
/* condor_vacate_job, and condor_vacate_job -fast. */
extern const struct action action_vacate;
extern const struct action action_vacate_fast;

/*
 * The vacate request, as the queue records it: a private attribute of the
 * running job whose value is ACTION_VACATE_GRACEFUL (the job gets its
 * KillSig and its vacate time) or ACTION_VACATE_FAST (killed at once, no
 * transfer).  A request is never weakened: a graceful vacate of a job
 * already being fast-vacated leaves it fast.  Being in the queue, the
 * request outlives a restart of the daemon, which honours it for a run it
 * adopts and forgets it once the run is over (schedd.h).
 */
#define ACTION_VACATE_ATTR "CondorletVacate"
enum {
	ACTION_VACATE_GRACEFUL = 1,
	ACTION_VACATE_FAST = 2,
};

struct action_id {
	int cluster, proc;
};

/* Everything a command asks for; the strings are borrowed for the call. */
struct action_request {
	const struct action *action;
	const char *spool;		/* the SPOOL knob: where the queue lives */
	const char *user;		/* the caller, for "(by user NAME)" and owner checks */
	const char *super_users;	/* QUEUE_SUPER_USERS; NULL means "root" */
	const char *reason;		/* -reason text; NULL for the default */
	int subcode;			/* -subcode, for hold (HoldReasonSubCode) */
	time_t now;			/* EnteredCurrentStatus and event time; 0: time(NULL) */
	const struct action_id *ids;	/* job ids, reported one by one */
	size_t nids;
	/* clusters, owners, -constraint, -all (NULL if none were given); it
	 * may also hold the ids, which are then not acted on twice */
	const struct job_select *sel;
};

/* What action_run did; release with action_report_release. */
struct action_report {
	enum action_result *id_results;	/* nids entries, in request order */
	size_t ids_done;		/* ids acted on */
	size_t sel_done;		/* jobs acted on through sel */
	size_t queue_jobs;		/* jobs in the queue before the command */
	bool log_failed;		/* the queue changed, but some events were not written */
	char *log_error;		/* then: why (owned) */
};

/*
 * Runs one command.  Returns -1 with err set if the queue could not be
 * opened, changed or committed; then nothing changed and rep holds no
 * results.  Otherwise 0, with every job's fate in rep, even when no job
 * was acted on.  A job event log that cannot be written does not undo
 * the committed change: it is reported in rep->log_failed.
 */
int action_run(const struct action_request *req, struct action_report *rep,
	       struct error *err);
void action_report_release(struct action_report *rep);

/* true if user is named in the QUEUE_SUPER_USERS list (names separated by
 * commas and/or white space; NULL means "root"). */
bool action_is_super_user(const char *super_users, const char *user);

/* ---- results as HTCondor words them ---- */

/* Appends "Job 635.0 held", "Job 635.0 not found", "Permission denied to
 * hold job 635.0" ...; returns true if r is a success (stdout) rather
 * than a failure (stderr). */
bool action_result_message(const struct action *a, enum action_result r,
			   int cluster, int proc, struct strbuf *out);

/* How the selection part of a command ended. */
enum action_sel_outcome {
	ACTION_SEL_NONE,	/* no selection was given */
	ACTION_SEL_DONE,	/* "All jobs in cluster 635 have been held" */
	ACTION_SEL_EMPTY_QUEUE,	/* "There are no jobs in the queue" (not an error) */
	ACTION_SEL_FAILED,	/* "Couldn't find/hold all jobs in cluster 635" */
};
enum action_sel_outcome action_sel_outcome(const struct action_request *req,
					   const struct action_report *rep);
/* Appends the line for outcome o (nothing for ACTION_SEL_NONE); the empty
 * queue text needs the tool's name: "condor_hold:0:There are no jobs in
 * the queue". */
void action_sel_message(const struct action_request *req,
			enum action_sel_outcome o, const char *tool,
			struct strbuf *out);

/* HTCondor's exit status rule: failure if ids were given and none was
 * acted on, or a selection acted on nothing in a non-empty queue. */
bool action_failed(const struct action_request *req,
		   const struct action_report *rep);

#endif
