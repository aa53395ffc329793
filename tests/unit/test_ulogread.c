/* test_ulogread.c - the event log reader and job tracker (libcore/ulogread.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "strbuf.h"
#include "ulog.h"
#include "ulogread.h"
#include "xalloc.h"
#include "tap.h"
#include "banned.h"

/* 2024-06-01 14:03:07 UTC */
#define T0 ((time_t)1717250587)

static char *tmpdir;

static char *
write_log(const char *name, const char *text)
{
	char *path = fileio_join(tmpdir, name);
	fileio_replace(path, text, strlen(text), 0644, NULL);
	return path;
}

static void
append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND);
	fileio_write_all(fd, text, strlen(text), path, NULL);
	close(fd);
}

static void
test_every_kind(void)
{
	/* Events written by our own writer, read back. */
	char *path = fileio_join(tmpdir, "kinds.log");
	struct ulog_batch *b = ulog_batch_new();
	struct ulog_run run = { .run = { 1, 0 } };
	struct ulog_exit ex = { .value = 3 };
	char *bodies[] = {
		ulog_body_submit(),
		ulog_body_file_transfer(ULOG_XFER_IN_STARTED, "<h>", -1),
		ulog_body_execute("<10.1.2.3:5>", "slot1", "/x", 1, 2, 3),
		ulog_body_evicted(&run, 1022, 0, "Job vacated by schedd"),
		ulog_body_requeued(&run, &ex, "policy"),
		ulog_body_terminated(&run, &ex),
		ulog_body_aborted("via condor_rm"),
		ulog_body_held("why", 1, 0),
		ulog_body_released("because"),
		ulog_body_remote_error("slot1", "boom", true, 1, 2),
	};
	int codes[] = { 0, 40, 1, 4, 4, 5, 9, 12, 13, 21 };
	size_t n = sizeof(codes) / sizeof(codes[0]);
	for (size_t i = 0; i < n; i++)
		ulog_add(b, path, codes[i], 635, (int)i, T0 + (time_t)i, bodies[i]);
	is_int(ulog_flush(b, NULL), 0, "wrote every kind");
	ulog_batch_free(b);

	struct error err;
	struct ulogread *r = ulogread_open(path, &err);
	ok(r != NULL, "open");
	struct ulogread_event ev;
	for (size_t i = 0; i < n; i++) {
		int rc = ulogread_next(r, &ev, &err);
		ok(rc == 1 && ev.code == codes[i] && ev.cluster == 635 &&
		   ev.proc == (int)i && ev.subproc == 0 && ev.when == T0 + (time_t)i &&
		   !ev.truncated, "event %zu: code %03d", i, codes[i]);
		char *want = xasprintf("%s\n", bodies[i]);
		is_str(ev.body, want, "event %zu body round-trips", i);
		free(want);
	}
	is_int(ulogread_next(r, &ev, &err), 0, "then no more");
	ulogread_close(r);
	for (size_t i = 0; i < n; i++)
		free(bodies[i]);
	free(path);
}

static void
test_dates_and_garbage(void)
{
	char *path = write_log("dates.log",
		"garbage before anything\n"
		"...\n"
		"005 (012.003.004) 2024-06-01 14:03:07.123Z Job terminated.\n"
		"\t(1) Normal termination (return value 0)\n"
		"...\n"
		"12 (1.0.0) 2024-06-01 14:03:07 too few digits in the code\n"
		"...\n"
		"001 (1.0.0) 2024-13-01 14:03:07 bad month\n"
		"...\n"
		"000 (12345.000.000) 06/01 14:03:07 Job submitted from host: <x>\r\n"
		"...\r\n"
		"009 (001.000.000) 2024-06-01 14:03:07 \n"
		"...\n");
	struct ulogread *r = ulogread_open(path, NULL);
	struct ulogread_event ev;
	ok(ulogread_next(r, &ev, NULL) == 1 && ev.code == 5 && ev.cluster == 12 &&
	   ev.proc == 3 && ev.subproc == 4 && ev.when == T0,
	   "ISO date with milliseconds and Z, after garbage");
	is_str(ev.text, "005 (012.003.004) 2024-06-01 14:03:07.123Z Job terminated.\n"
	       "\t(1) Normal termination (return value 0)\n", "event text");
	is_str(ev.body, "Job terminated.\n\t(1) Normal termination (return value 0)\n",
	       "body starts after the date");
	ok(ulogread_next(r, &ev, NULL) == 1 && ev.code == 0 && ev.cluster == 12345,
	   "malformed headers are skipped; legacy MM/DD date and CRLF accepted");
	struct tm tm;
	localtime_r(&ev.when, &tm);
	ok(tm.tm_mon == 5 && tm.tm_mday == 1 && tm.tm_hour == 14 &&
	   ev.when <= time(NULL) + 86400, "legacy date: June 1st, not in the future");
	ok(ulogread_next(r, &ev, NULL) == 1 && ev.code == 9 && *ev.body == '\n',
	   "empty first body line");
	is_int(ulogread_next(r, &ev, NULL), 0, "end");
	ulogread_close(r);
	free(path);
}

static void
test_growth(void)
{
	char *path = write_log("grow.log",
		"000 (007.000.000) 2024-06-01 14:03:07 Job submitted\n...\n"
		"005 (007.000.000) 2024-06-01 14:03:08 Job terminated.\n"
		"\t(1) Normal term");
	struct ulogread *r = ulogread_open(path, NULL);
	struct ulogread_event ev;
	is_int(ulogread_next(r, &ev, NULL), 1, "first event");
	is_int(ulogread_next(r, &ev, NULL), 0, "a half-written event is not returned");
	is_int(ulogread_next(r, &ev, NULL), 0, "still not");
	append(path, "ination (return value 0)\n");
	is_int(ulogread_next(r, &ev, NULL), 0, "not without its terminator");
	append(path, "..");
	is_int(ulogread_next(r, &ev, NULL), 0, "not with half a terminator");
	append(path, ".\n000 (008.000.000) 2024-06-01 14:03:09 next\n");
	ok(ulogread_next(r, &ev, NULL) == 1 && ev.code == 5 && ev.cluster == 7,
	   "the event completes once the file grows");
	is_str(ev.text, "005 (007.000.000) 2024-06-01 14:03:08 Job terminated.\n"
	       "\t(1) Normal termination (return value 0)\n",
	       "pieces joined exactly");
	is_int(ulogread_next(r, &ev, NULL), 0, "the next one waits");
	append(path, "009 (009.000.000) 2024-06-01 14:03:10 aborted\n...\n");
	ok(ulogread_next(r, &ev, NULL) == 1 && ev.cluster == 8,
	   "a header inside an event ends the unfinished one");
	ok(ulogread_next(r, &ev, NULL) == 1 && ev.cluster == 9, "then the next");

	/* The wait returns by itself, and early when the file changes. */
	struct timespec a, z;
	clock_gettime(CLOCK_MONOTONIC, &a);
	ulogread_wait(r, 50);
	clock_gettime(CLOCK_MONOTONIC, &z);
	long ms = (z.tv_sec - a.tv_sec) * 1000 + (z.tv_nsec - a.tv_nsec) / 1000000;
	ok(ms < 1000, "wait honours a short timeout (%ld ms)", ms);

	/* Truncation: the reader starts over. */
	fileio_replace(path, "", 0, 0644, NULL);
	r = (ulogread_close(r), ulogread_open(path, NULL));
	append(path, "000 (010.000.000) 2024-06-01 14:03:07 x\n...\n");
	ok(ulogread_next(r, &ev, NULL) == 1 && ev.cluster == 10, "reads a new file");
	int fd = open(path, O_WRONLY | O_TRUNC);
	close(fd);
	append(path, "000 (11.0.0) 06/01 14:03:07 y\n...\n");
	ok(ulogread_next(r, &ev, NULL) == 1 && ev.cluster == 11,
	   "a file that shrank is read again from its start");
	ulogread_close(r);
	free(path);
}

static void
test_huge(void)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addchars(&sb, 'x', 3 * ULOGREAD_LINE_MAX);	/* garbage line */
	strbuf_adds(&sb, "\n000 (001.000.000) 2024-06-01 14:03:07 big\n\t");
	strbuf_addchars(&sb, 'y', 2 * ULOGREAD_LINE_MAX);
	strbuf_addc(&sb, '\n');
	for (int i = 0; i < 20; i++) {
		strbuf_addc(&sb, '\t');
		strbuf_addchars(&sb, 'z', ULOGREAD_LINE_MAX - 10);
		strbuf_addc(&sb, '\n');
	}
	strbuf_adds(&sb, "...\n005 (001.000.000) 2024-06-01 14:03:08 small\n...\n");
	char *path = write_log("huge.log", sb.buf);
	strbuf_release(&sb);
	struct ulogread *r = ulogread_open(path, NULL);
	struct ulogread_event ev;
	ok(ulogread_next(r, &ev, NULL) == 1 && ev.code == 0 && ev.truncated &&
	   strlen(ev.text) <= ULOGREAD_EVENT_MAX,
	   "an oversized event is cut and flagged");
	ok(ulogread_next(r, &ev, NULL) == 1 && ev.code == 5 && !ev.truncated,
	   "the next event is intact");
	ulogread_close(r);
	free(path);
}

static void
test_open_errors(void)
{
	struct error err;
	char *missing = fileio_join(tmpdir, "missing.log");
	errno = 0;
	ok(ulogread_open(missing, &err) == NULL && errno == ENOENT,
	   "a missing log: ENOENT (%s)", err.msg);
	errno = 0;
	ok(ulogread_open(tmpdir, &err) == NULL && errno == EISDIR,
	   "a directory: EISDIR (%s)", err.msg);
	free(missing);
}

static struct ulogread_event
mkev(int code, int c, int p)
{
	return (struct ulogread_event){ .code = code, .cluster = c, .proc = p,
					.text = (char *)"", .body = "" };
}

static void
test_tracker(void)
{
	struct ulogwait *w = ulogwait_new(-1, -1, -1);
	struct ulogread_event e;
	ok(!ulogwait_all_done(w), "nothing submitted is not done");
	e = mkev(0, 1, 0);
	is_int(ulogwait_feed(w, &e), ULOGWAIT_SUBMITTED, "submit");
	e = mkev(0, 1, 1);
	ulogwait_feed(w, &e);
	e = mkev(1, 1, 0);
	is_int(ulogwait_feed(w, &e), ULOGWAIT_EXECUTING, "execute");
	e = mkev(5, 1, 0);
	is_int(ulogwait_feed(w, &e), ULOGWAIT_COMPLETED, "terminate");
	ok(!ulogwait_all_done(w), "one still pending");
	e = mkev(12, 1, 1);
	is_int(ulogwait_feed(w, &e), ULOGWAIT_OTHER, "held is just another event");
	e = mkev(9, 1, 1);
	is_int(ulogwait_feed(w, &e), ULOGWAIT_ABORTED, "abort");
	ok(ulogwait_all_done(w) && ulogwait_ended(w) == 2 &&
	   ulogwait_submitted(w) == 2, "all done");
	ulogwait_free(w);

	w = ulogwait_new(7, 1, -1);
	e = mkev(0, 7, 0);
	is_int(ulogwait_feed(w, &e), ULOGWAIT_IGNORED, "filter: other proc ignored");
	e = mkev(0, 8, 1);
	is_int(ulogwait_feed(w, &e), ULOGWAIT_IGNORED, "filter: other cluster ignored");
	e = mkev(0, 7, 1);
	is_int(ulogwait_feed(w, &e), ULOGWAIT_SUBMITTED, "filter: the job");
	ulogwait_free(w);

	/* Many jobs: the table grows. */
	w = ulogwait_new(-1, -1, -1);
	for (int i = 0; i < 5000; i++) {
		e = mkev(0, i / 10, i % 10);
		ulogwait_feed(w, &e);
		ulogwait_feed(w, &e);	/* a repeated submit is one job */
	}
	for (int i = 0; i < 5000; i++) {
		e = mkev(5, i / 10, i % 10);
		ulogwait_feed(w, &e);
		if (i == 4998)
			ok(!ulogwait_all_done(w), "5000 jobs: one left");
	}
	ok(ulogwait_all_done(w), "5000 jobs: all done");
	ulogwait_free(w);
}

int
main(void)
{
	plan_lazy();
	setenv("TZ", "UTC", 1);
	tzset();
	char tmpl[] = "/tmp/test_ulogread.XXXXXX";
	tmpdir = mkdtemp(tmpl);
	if (tmpdir == NULL) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	test_every_kind();
	test_dates_and_garbage();
	test_growth();
	test_huge();
	test_open_errors();
	test_tracker();
	char *cmd[] = { "rm", "-rf", tmpdir, NULL };
	pid_t pid = fork();
	if (pid == 0) {
		execvp(cmd[0], cmd);
		_exit(127);
	}
	if (pid > 0) {
		int st;
		waitpid(pid, &st, 0);
	}
	return tap_done();
}
