/*
 * ulogread.h - reading a job event log (the text ulog.h writes), as a
 * stream that can follow a file while other processes append to it.
 *
 * An event is a header line "NNN (C.P.S) <date> <first body line>", more
 * body lines, and a line of exactly "...".  Both date forms are accepted:
 * "YYYY-MM-DD HH:MM:SS[.mmm][Z]" and the legacy "MM/DD HH:MM:SS" (which
 * has no year: the reader assumes the year that puts it nearest before
 * now).  Lines outside any event are skipped as garbage.  An event whose
 * "..." has not arrived yet is not returned: the reader waits for the
 * rest, so a follower never acts on half an event.  A header line met
 * inside an event ends the earlier one (a writer died mid-event; its
 * header is still worth having).  Lines longer than ULOGREAD_LINE_MAX and
 * events longer than ULOGREAD_EVENT_MAX are cut (ev.truncated is set), so
 * memory stays bounded whatever the file holds.
 */
#ifndef CONDORLET_ULOGREAD_H
#define CONDORLET_ULOGREAD_H

#include <stdbool.h>
#include <time.h>

struct error;

#define ULOGREAD_LINE_MAX 8192
#define ULOGREAD_EVENT_MAX 65536

struct ulogread_event {
	int code;			/* 0 submit, 5 terminated, ... */
	int cluster, proc, subproc;
	time_t when;			/* the header's date; 0 if unusable */
	char *text;	/* the whole event, header line included, every line
			 * ending in '\n', without the "..." line; owned by
			 * the reader until the next ulogread_next call */
	const char *body;		/* into text: the first body line */
	bool truncated;
};

struct ulogread;

/* Opens path for reading from its start.  NULL with errno set and err
 * filled when it cannot be opened or is not a regular file. */
struct ulogread *ulogread_open(const char *path, struct error *err);
void ulogread_close(struct ulogread *r);

/*
 * Reads the next complete event into *ev: 1 when there is one, 0 when
 * the file holds no further complete event yet (call again after it
 * grows), -1 on a read error (err filled).  A file that shrank is read
 * again from its start.
 */
int ulogread_next(struct ulogread *r, struct ulogread_event *ev,
		  struct error *err);

/*
 * Waits at most timeout_ms (< 0: up to a second) for the file to change,
 * with inotify when the system has it and a short sleep otherwise.
 * Returning says only "look again": it may be early or spurious.
 */
void ulogread_wait(struct ulogread *r, int timeout_ms);

/* The host an execute (001) event names: the text after "host: " on its
 * first line, or "" if there is none.  Caller frees. */
char *ulogread_execute_host(const struct ulogread_event *ev);

/*
 * A tracker of which jobs a log shows still in flight (condor_wait's
 * bookkeeping).  It follows the jobs that match (cluster, proc, subproc),
 * where -1 matches any value: a submit (000) makes a job pending, a
 * terminate (005) or abort (009) ends it.  Memory grows with the number of
 * distinct jobs seen, not with the number of events.
 */
struct ulogwait;

enum ulogwait_what {
	ULOGWAIT_IGNORED,	/* not a job being followed */
	ULOGWAIT_SUBMITTED,
	ULOGWAIT_EXECUTING,
	ULOGWAIT_COMPLETED,
	ULOGWAIT_ABORTED,
	ULOGWAIT_OTHER,		/* a followed job's other event */
};

struct ulogwait *ulogwait_new(int cluster, int proc, int subproc);
void ulogwait_free(struct ulogwait *w);
bool ulogwait_matches(const struct ulogwait *w, const struct ulogread_event *ev);
/* Accounts for ev and says what it was to the jobs followed. */
enum ulogwait_what ulogwait_feed(struct ulogwait *w, const struct ulogread_event *ev);
/* Submit events seen, and terminate plus abort events seen. */
long long ulogwait_submitted(const struct ulogwait *w);
long long ulogwait_ended(const struct ulogwait *w);
/* true once something was submitted and nothing is pending. */
bool ulogwait_all_done(const struct ulogwait *w);

#endif
