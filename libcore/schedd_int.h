/*
 * schedd_int.h - the daemon's private state, shared by schedd.c (set-up,
 * helpers), schedd_loop.c (the loop, one iteration), schedd_start.c
 * (choosing and starting idle jobs), schedd_exit.c (applying a run's
 * result and the job state changes the daemon makes), schedd_periodic.c
 * (periodic expressions, noticing what the tools changed, stopping runs),
 * schedd_ckpt.c (the periodic checkpoint signal), schedd_recover.c (start-up recovery, sandbox removal) and schedd_proc.c
 * (finding and killing the processes of a run).  Nothing outside
 * libcore/schedd*.c includes it.
 */
#ifndef CONDORLET_SCHEDD_INT_H
#define CONDORLET_SCHEDD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "schedd.h"
#include "strbuf.h"

struct cexpr;
struct classad;
struct knobs;
struct queue;
struct starter_result;
struct ulog_batch;

/* The private job attribute naming a run's sandbox (see schedd.h). */
#define SCHEDD_SANDBOX_ATTR "CondorletSandbox"

/* epoll tags; adopted starters' pidfds are TAG_SLOT + slot position. */
enum { TAG_SIGNAL = 1, TAG_CONTROL, TAG_TIMER, TAG_SLOT = 16 };

/* Why the daemon asked a run to stop; decides the events and the state
 * the job is left in when the run's result arrives. */
enum stop_why {
	STOP_NONE = 0,
	STOP_SHUTDOWN,		/* the daemon is shutting down: back to Idle */
	STOP_HELD,		/* the job was held meanwhile */
	STOP_REMOVED,		/* the job was removed meanwhile */
	STOP_VACATE,		/* periodic_vacate, or a state no run may have */
	STOP_USER_VACATE,	/* condor_vacate_job (ACTION_VACATE_ATTR) */
};

/* One execution slot (slot<id>), busy with at most one run. */
struct slot {
	int id;			/* 1-based */
	bool busy;
	int cluster, proc;
	char *sandbox;		/* EXECUTE/dir_<n>, absolute; NULL when free */
	pid_t pid;		/* the starter; 0 until spawned */
	int pidfd;		/* starters adopted at start-up; else -1 */
	bool spawn_pending;	/* started in this iteration's transaction */
	bool exited;		/* the starter is gone: apply the run's result */
	bool lost;		/* no result will come (the spawn failed) */
	int signalled;		/* 0, STARTER_SIG_VACATE or STARTER_SIG_KILL */
	enum stop_why why;
	char *stop_reason;	/* STOP_VACATE: why, for event 004 (owned) */
	bool by_policy;		/* the daemon's own policy held/removed the job */
	int escalations;	/* steps taken past the deadline */
	struct timespec deadline;	/* CLOCK_MONOTONIC; valid if signalled */
	/* The periodic checkpoint signal: LastPeriodicCheckpoint (the run's
	 * start, then the last signal), and whether the job's attribute of
	 * that name still has to be brought up to date. */
	time_t last_pckpt;
	bool pckpt_unrecorded;
};

/* An idle job waiting for a slot, in the order jobs are started. */
struct idle_entry {
	int prio, cluster, proc;
};

struct idle_heap {
	struct idle_entry *v;
	size_t n, alloc;
};

/* A range of procs the last refresh reported changed (queue_watch). */
struct schedd_note {
	int cluster, lo, hi;
};

struct job_id {
	int cluster, proc;
};

enum shutdown_mode {
	SHUTDOWN_NONE,
	SHUTDOWN_GRACEFUL,
	SHUTDOWN_FAST,
};

struct schedd {
	struct knobs *k;		/* borrowed */
	schedd_log_fn *logfn;
	void *log_arg;
	struct strbuf log;		/* lines not yet handed to logfn */

	char *spool, *execute, *lock_dir, *log_dir, *starter, *host;
	int num_cpus;
	long long interval;		/* PERIODIC_EXPR_INTERVAL, seconds */
	long long max_vacate;		/* MachineMaxVacateTime */
	long long killing_timeout;	/* KILLING_TIMEOUT */
	/* PERIODIC_CHECKPOINT, parsed; NULL when it can never be true (the
	 * default, false) or does not parse.  pckpt_slot is the slot ad it is
	 * evaluated in (the job is its target), pckpt_next when the next
	 * evaluation is due (CLOCK_MONOTONIC ms, 0: none scheduled). */
	struct cexpr *pckpt_expr;
	struct classad *pckpt_slot;
	long long pckpt_next;

	struct queue *q;
	struct slot *slots;
	size_t nslots, aslots;
	struct idle_heap idle;
	struct schedd_note *notes;
	size_t nnotes, anotes;
	struct schedd_note *removed;	/* procs tools removed (spool cleanup) */
	size_t nremoved, aremoved;
	bool reset;			/* the queue was loaded afresh */

	int epfd, sigfd, ctlfd, timerfd;
	int devnull, starter_log;	/* the starters' stdin/stdout, stderr */
	enum shutdown_mode shutdown;
	bool periodic_due;
	bool retry;			/* something failed: try again soon */
	unsigned long long next_dir;	/* next sandbox number to try */

	/* the iteration under way */
	time_t now;
	struct ulog_batch *ulog;
	/* Event logs written but not yet fsync'ed (ulog.h, group fsync), and
	 * when they must be: CLOCK_MONOTONIC milliseconds, 0 = nothing due. */
	struct ulog_pending *ulog_pending;
	long long ulog_sync_at;
	struct job_id *gone;		/* left the queue: remove their spool */
	size_t ngone, agone;
	/* runs applied in this transaction; their slots are free for new
	 * starts at once, their sandboxes go after the commit */
	struct slot *finished;
	size_t nfinished, afinished;
};

/* ---- schedd.c ---- */
/* Opens the queue (QUEUE_DAEMON) and watches it; the idle heap is to be
 * rebuilt (s->reset). */
int schedd_open_queue(struct schedd *s, struct error *err);
/* SIGHUP: re-reads NUM_CPUS and PERIODIC_EXPR_INTERVAL. */
void schedd_reconfigure(struct schedd *s);
/* Appends one timestamped line to the daemon's log. */
void schedd_log(struct schedd *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void schedd_log_flush(struct schedd *s);
struct slot *schedd_slot_of(struct schedd *s, int cluster, int proc);
/* Adds a slot (id given) and returns it; the array may move. */
struct slot *schedd_slot_add(struct schedd *s, int id);
/* The slot's name, "slot<id>@<host>" (caller frees). */
char *schedd_slot_name(const struct schedd *s, const struct slot *sl);
void schedd_slot_clear(struct schedd *s, struct slot *sl);
/* Removes the spool directory of a job that left the queue, if it has one. */
void schedd_remove_spool(struct schedd *s, int cluster, int proc);
/* Watches an adopted starter's pidfd (sl->pidfd) for its exit. */
int schedd_watch_pidfd(struct schedd *s, struct slot *sl, struct error *err);

/* ---- schedd_start.c ---- */
void idle_push(struct idle_heap *h, int prio, int cluster, int proc);
void idle_free(struct idle_heap *h);
/* Pushes job if it may start (Idle, no run recorded, not in a slot). */
void schedd_idle_consider(struct schedd *s, const struct classad *job,
			  int cluster, int proc);
/* Rebuilds the heap from the whole queue. */
void schedd_idle_rebuild(struct schedd *s);
/* Applies the notes of the last refresh to the heap. */
void schedd_idle_notes(struct schedd *s);
/* true if some idle job could start now (drops stale entries on the way). */
bool schedd_idle_ready(struct schedd *s);
/* Starts idle jobs in the free slots (queue locked): queue changes and
 * 001 events now, the starters after the commit (schedd_spawn_pending). */
int schedd_start_jobs(struct schedd *s, struct error *err);
/* After the commit: spawns the starters of the runs just started. */
void schedd_spawn_pending(struct schedd *s);
/* The commit failed: forgets the runs just started. */
void schedd_unstart_pending(struct schedd *s);
/* Sends sig to the slot's starter and sets its deadline. */
void schedd_signal(struct schedd *s, struct slot *sl, int sig, enum stop_why why);

/* ---- schedd_exit.c ---- */
/* Applies the result of sl's finished run (queue locked). */
int schedd_apply_run(struct schedd *s, struct slot *sl, struct error *err);
/* State changes the daemon makes to a job (queue locked); reason is plain
 * text.  hold: Held with code/subcode and event 012 unless !log. */
int schedd_hold(struct schedd *s, int cluster, int proc, const struct classad *job,
		int code, int subcode, const char *reason, bool log,
		struct error *err);
int schedd_release(struct schedd *s, int cluster, int proc,
		   const struct classad *job, const char *reason, struct error *err);
int schedd_remove(struct schedd *s, int cluster, int proc,
		  const struct classad *job, const char *reason, bool log,
		  struct error *err);
/* Helpers: set an integer / a string / a raw expression text. */
int schedd_set_int(struct schedd *s, int cluster, int proc, const char *name,
		   long long v, struct error *err);
int schedd_set_str(struct schedd *s, int cluster, int proc, const char *name,
		   const char *v, struct error *err);
int schedd_set_text(struct schedd *s, int cluster, int proc, const char *name,
		    const char *text, struct error *err);
/* Makes name undefined for the job (masking a cluster value if need be). */
int schedd_unset(struct schedd *s, int cluster, int proc,
		 const struct classad *job, const char *name, struct error *err);
long long schedd_job_int(const struct classad *job, const char *name, long long dflt);
/* Notes that a job left the queue: its spool goes after the commit. */
void schedd_gone(struct schedd *s, int cluster, int proc);

/* ---- schedd_periodic.c ---- */
/* Signals the starters of runs whose job the tools held or removed. */
void schedd_check_running(struct schedd *s);
/* Escalates stops past their deadline; returns ms until the next one
 * (-1: none). */
long schedd_escalate(struct schedd *s);
/* Evaluates every job's periodic expressions (queue locked). */
int schedd_periodic(struct schedd *s, struct error *err);
/* Asks every run to stop for a shutdown. */
void schedd_begin_shutdown(struct schedd *s, enum shutdown_mode mode);

/* ---- schedd_ckpt.c ---- */
/* Reads PERIODIC_CHECKPOINT from k (at start and on SIGHUP). */
void schedd_checkpoint_configure(struct schedd *s, const struct knobs *k);
void schedd_checkpoint_free(struct schedd *s);
/* Ms until the next evaluation is due, -1 when no running job wants the
 * checkpoint signal. */
long schedd_checkpoint_timeout(struct schedd *s);
/* If an evaluation is due: sends STARTER_SIG_CHECKPOINT to the runs whose
 * job wants it and for which PERIODIC_CHECKPOINT is true. */
void schedd_checkpoint_tick(struct schedd *s);
/* true if some run's LastPeriodicCheckpoint is not yet in the queue. */
bool schedd_checkpoint_unrecorded(const struct schedd *s);
/* Writes those into the queue (queue locked). */
int schedd_checkpoint_record(struct schedd *s, struct error *err);
/* The LastPeriodicCheckpoint a recovered run continues from. */
time_t schedd_checkpoint_since(const struct schedd *s, const struct classad *job);

/* ---- schedd_recover.c ---- */
/* Finds the runs the queue records again (queue locked). */
int schedd_recover(struct schedd *s, struct error *err);
/* Removes a sandbox tree without following symlinks; 0 or -1. */
int schedd_remove_sandbox(const char *path, struct error *err);

/* ---- schedd_proc.c ---- */
/* Kills what is left of a run whose starter is gone (or must go): the
 * starter's session, and processes working in or started for sandbox. */
void schedd_kill_stragglers(struct schedd *s, const char *sandbox);
/* A condor_starter process started for sandbox that has not yet written
 * its pid file, or 0. */
pid_t schedd_find_starter(const char *sandbox);

#endif
