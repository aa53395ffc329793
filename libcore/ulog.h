/*
 * ulog.h - the job event log (the submit file's `log`), in HTCondor's text
 * format: "NNN (CCC.PPP.000) YYYY-MM-DD HH:MM:SS <first body line>", more
 * body lines, then a line of exactly "...".  See
 * shared/reference/htcondor-runtime.md section 1.
 *
 * Events are collected in a batch and written by ulog_flush: one append
 * (O_APPEND, so concurrent writers never interleave inside an event) and
 * one fsync per log file, however many jobs the batch covers - condor_hold
 * -all on 100,000 jobs writes each log once.  Callers commit the queue
 * first and log afterwards, as HTCondor's schedd does.
 */
#ifndef CONDORLET_ULOG_H
#define CONDORLET_ULOG_H

#include <stdbool.h>
#include <time.h>

struct classad;
struct error;

enum ulog_event {
	ULOG_SUBMIT = 0,
	ULOG_EXECUTE = 1,
	ULOG_EVICTED = 4,
	ULOG_TERMINATED = 5,
	ULOG_ABORTED = 9,
	ULOG_HELD = 12,
	ULOG_RELEASED = 13,
	ULOG_REMOTE_ERROR = 21,
	ULOG_FILE_TRANSFER = 40,
};

struct ulog_batch;

struct ulog_batch *ulog_batch_new(void);
void ulog_batch_free(struct ulog_batch *b);

/*
 * Queues one event for the log file at path.  body is the event text after
 * the header: its first line goes on the header line, later lines are
 * written as given (callers include their leading tab), and the "..."
 * terminator is added here.  A trailing newline in body is optional.
 */
void ulog_add(struct ulog_batch *b, const char *path, enum ulog_event event,
	      int cluster, int proc, time_t when, const char *body);
/* Like ulog_add, with the path taken from the job's UserLog attribute;
 * does nothing when the job has no log. */
void ulog_add_job(struct ulog_batch *b, const struct classad *job,
		  enum ulog_event event, time_t when, const char *body);

/* Writes every queued event.  Keeps going past a file that fails (so one
 * bad log path does not cost other jobs their events) and returns -1 with
 * the first failure in err. */
int ulog_flush(struct ulog_batch *b, struct error *err);

/*
 * Group fsync for the daemon, which writes events for many jobs many times
 * a second.  ulog_flush_deferred writes exactly like ulog_flush (readers
 * such as condor_wait see the events at once) but leaves the fsync for
 * later, remembering each path written in pending; ulog_pending_sync then
 * fsyncs them all, once each, and empties the set.  The daemon syncs within
 * a bounded delay, so what a power cut can lose is the last instants of
 * events, never a job's state (the queue journal is made durable first).
 * pending may be NULL when another writer will sync the same file soon
 * (the starter's last events precede the daemon's 005 in the same log).
 */
struct ulog_pending;
struct ulog_pending *ulog_pending_new(void);
void ulog_pending_free(struct ulog_pending *p);
int ulog_flush_deferred(struct ulog_batch *b, struct ulog_pending *pending,
			struct error *err);
/* true while some written path has not been fsync'ed */
bool ulog_pending_any(const struct ulog_pending *p);
/* fsyncs every pending path (keeps going past failures, reports the first) */
int ulog_pending_sync(struct ulog_pending *p, struct error *err);

/* Event bodies (caller frees), exactly as HTCondor words them. */
char *ulog_body_submit(void);			/* "Job submitted from host: <...>" */
char *ulog_body_held(const char *reason, int code, int subcode);
char *ulog_body_released(const char *reason);
char *ulog_body_aborted(const char *reason);

/* ---- runtime events (001, 004, 005, 021, 040): ulog_run.c ---- */

/* CPU time of one process tree, in whole seconds. */
struct ulog_usage {
	long long usr_sec, sys_sec;
};

/* How a job's process ended: by_signal false means exit(value); true means
 * killed by signal value, with core telling whether a core file was left
 * (core_path names it; NULL or "" prints no path). */
struct ulog_exit {
	bool by_signal;
	int value;
	bool core;
	const char *core_path;
};

/*
 * What one run of a job consumed, for 004 and 005.  "Sent by job" is the
 * output the job sent back; "received by job" is its input.  The total_*
 * fields (cumulative over every run) are printed by 005 only.  job, when
 * not NULL, is the job ad the "Partitionable Resources" table is built
 * from: for Cpus, Disk and Memory the columns are <R>Usage, Request<R> and
 * <R>Provisioned (blank when undefined); no table when none is defined.
 * Borrowed for the duration of the call.
 */
struct ulog_run {
	struct ulog_usage run, total;
	long long run_sent, run_received;
	long long total_sent, total_received;
	const struct classad *job;
};

/* The contact token 000 and 001 put after "host: ": "<127.0.0.1:0?...>"
 * naming this machine.  Caller frees. */
char *ulog_local_address(void);

/*
 * 001: "Job executing on host: <host>", then "\tSlotName: <slot>" when slot
 * is not NULL, then the sandbox and the slot's resources as sorted
 * "\tName = value" lines.  host NULL means ulog_local_address().
 */
char *ulog_body_execute(const char *host, const char *slot,
			const char *scratch_dir, int cpus, long long disk_kb,
			long long memory_mb);
/* 004 for a run cut short: "Job was evicted." (with " Code N Subcode M"
 * when code is not 0), CPU times, bytes, "\tReason: <reason>" when
 * reason is not empty, then the resource table. */
char *ulog_body_evicted(const struct ulog_run *run, int code, int subcode,
			const char *reason);
/* 004 for a job that exited but stays in the queue (OnExitRemove false):
 * the termination lines and then policy, the sentence that says why, on a
 * line of its own without "Reason: ". */
char *ulog_body_requeued(const struct ulog_run *run, const struct ulog_exit *ex,
			 const char *policy);
/* 005 "Job terminated.": exit lines, run and total usage and bytes, then
 * the resource table. */
char *ulog_body_terminated(const struct ulog_run *run, const struct ulog_exit *ex);
/* 021: "Error from starter on <slot>:" ("Message" when !critical), one
 * tab-indented line per line of message, and "\tCode N Subcode M" when
 * code is not 0. */
char *ulog_body_remote_error(const char *slot, const char *message,
			     bool critical, int code, int subcode);

enum ulog_transfer {
	ULOG_XFER_IN_QUEUED,
	ULOG_XFER_IN_STARTED,
	ULOG_XFER_IN_FINISHED,
	ULOG_XFER_OUT_QUEUED,
	ULOG_XFER_OUT_STARTED,
	ULOG_XFER_OUT_FINISHED,
};
/* 040, e.g. "Started transferring input files".  queued_secs >= 0 adds
 * "\tSeconds spent in queue: N" to the two Started forms; otherwise host,
 * when not NULL, adds "\tTransferring to host: <host>" to the input
 * Queued and Started forms. */
char *ulog_body_file_transfer(enum ulog_transfer what, const char *host,
			      long long queued_secs);

#endif
