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

/* Event bodies (caller frees), exactly as HTCondor words them. */
char *ulog_body_submit(void);			/* "Job submitted from host: <...>" */
char *ulog_body_held(const char *reason, int code, int subcode);
char *ulog_body_released(const char *reason);
char *ulog_body_aborted(const char *reason);

#endif
