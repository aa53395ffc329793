/*
 * error.h - the error value libcore fills instead of printing.
 *
 * libcore never prints and never exits.  A failing function returns -1 (or
 * NULL) and leaves a one-line message in a caller-owned struct error.  The
 * message names what it is about, the way the user will want to read it:
 * "job.sub:12: hold=yes is invalid, must eval to a boolean", "job 635.0 not
 * found", "fsync 'SPOOL/job_queue.log': Input/output error".  It carries no
 * program-name prefix: cmd/ adds "condor_x: " when it prints.
 *
 * A NULL struct error pointer is allowed everywhere and discards the message.
 */
#ifndef CONDORLET_ERROR_H
#define CONDORLET_ERROR_H

#define ERROR_MSG_MAX 1024

struct error {
	char msg[ERROR_MSG_MAX];
};

/* Always returns -1, so failures can be written "return error_set(...);". */
int error_set(struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Like error_set, with ": strerror(errno)" appended (errno read on entry). */
int error_errno(struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prefixes the existing message with "prefix: ".  Returns -1. */
int error_prefix(struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void error_clear(struct error *err);

#endif
