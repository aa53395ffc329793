/*
 * condor_wait.c - wait for the jobs of an event log to end, as HTCondor's
 * condor_wait does.
 *
 * Glue only: ulogread.h reads and follows the log and keeps the count of
 * jobs in flight; this file parses the options, prints HTCondor's messages
 * and keeps the clock.  Like HTCondor, it exits 0 only when the log proves
 * the jobs ended (or -num of them did); everything else is 1.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "error.h"
#include "num.h"
#include "ulogread.h"
#include "xalloc.h"
#include "banned.h"

static const char *const synopsis[] = {
	"[-debug] [-status] [-echo] [-wait seconds] [-num N] [-allevents] "
	"log [job]",
	NULL,
};

static const char details[] =
	"Waits until the jobs in the event log (or the one job or cluster\n"
	"given as C, C.P or C.P.S) have completed or been removed.\n"
	"See condor_wait(1).\n";

struct wopts {
	bool debug, status, echo, allevents;
	long long wait;		/* seconds; < 0 = for ever, 0 = read to EOF */
	long long num;		/* 0 = every job */
	const char *log, *job;
};

static long long
number_arg(int argc, char **argv, int i, long long min)
{
	long long n;
	if (i >= argc) {
		fprintf(stderr, "%s requires an argument\n", argv[i - 1]);
		cmd_usage(synopsis, details, stderr, 1);
	}
	if (num_parse_ll(argv[i], min, 1LL << 40, &n) < 0)
		cmd_die("%s: '%s' is not a number of at least %lld", argv[i - 1],
			argv[i], min);
	return n;
}

static void
parse_args(struct wopts *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *colon;
		if (cmd_opt(a, "help", 1, NULL))
			cmd_usage(synopsis, details, stdout, 0);
		else if (cmd_opt(a, "debug", 5, NULL))
			o->debug = true;
		else if (cmd_opt(a, "status", 6, NULL))
			o->status = true;
		else if (cmd_opt(a, "echo", 4, &colon))
			o->echo = true;	/* a :format is accepted: the log's own text is echoed */
		else if (cmd_opt(a, "allevents", 9, NULL))
			o->allevents = true;
		else if (cmd_opt(a, "wait", 4, NULL))
			o->wait = number_arg(argc, argv, ++i, 0);
		else if (cmd_opt(a, "num", 3, NULL))
			o->num = number_arg(argc, argv, ++i, 1);
		else if (o->log != NULL && o->job == NULL && strcmp(a, "-1") == 0)
			o->job = a;	/* HTCondor's spelling of "any cluster" */
		else if (a[0] == '-' && a[1] != '\0')
			cmd_usage(synopsis, details, stderr, 1);
		else if (o->log == NULL)
			o->log = a;
		else if (o->job == NULL)
			o->job = a;
		else {
			fprintf(stderr, "Extra argument: %s\n\n", a);
			cmd_usage(synopsis, details, stderr, 1);
		}
	}
	if (o->log == NULL)
		cmd_usage(synopsis, details, stderr, 1);
}

/* "C", "C.P" or "C.P.S" (or "-1"); -1 in a field matches anything. */
static bool
parse_job(const char *s, int id[3])
{
	id[0] = id[1] = id[2] = -1;
	if (strcmp(s, "-1") == 0)
		return true;
	char *copy = xstrdup(s);
	char *p = copy;
	bool ok = true;
	for (int f = 0; f < 3 && ok; f++) {
		char *dot = strchr(p, '.');
		if (dot != NULL)
			*dot = '\0';
		ok = num_is_digits(p) && num_parse_int(p, 0, 2147483647, &id[f]) == 0;
		if (dot == NULL)
			break;
		p = dot + 1;
		ok = ok && f < 2;
	}
	free(copy);
	return ok;
}

static long long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
report(const struct wopts *o, const struct ulogread_event *ev,
       enum ulogwait_what what)
{
	char key[48];
	snprintf(key, sizeof(key), "%d.%d.%d", ev->cluster, ev->proc, ev->subproc);
	if (o->echo)
		printf("%s...\n", ev->text);
	FILE *to = o->debug ? stderr : o->status ? stdout : NULL;
	if (to == NULL)
		return;
	if (what == ULOGWAIT_SUBMITTED)
		fprintf(to, "%s submitted\n", key);
	else if (what == ULOGWAIT_COMPLETED)
		fprintf(to, "%s completed\n", key);
	else if (what == ULOGWAIT_ABORTED)
		fprintf(to, "%s aborted\n", key);
	else if (what == ULOGWAIT_EXECUTING) {
		char *host = ulogread_execute_host(ev);
		fprintf(to, "%s executing on host %s\n", key, host);
		free(host);
	}
}

/* 0 or 1 when the wait is decided, -1 to go on. */
static int
decide(const struct wopts *o, const struct ulogwait *w)
{
	if (o->num > 0 && ulogwait_ended(w) >= o->num) {
		printf("Specifed number of jobs (%lld) done.\n", o->num);
		return 0;
	}
	if (o->num == 0 && ulogwait_all_done(w)) {
		printf("All jobs done.\n");
		return 0;
	}
	return -1;
}

static int
watch(const struct wopts *o, struct ulogread *r, struct ulogwait *w)
{
	long long deadline = o->wait > 0 ? now_ms() + o->wait * 1000 : -1;
	bool first_eof = true;
	struct ulogread_event ev;
	struct error err;
	for (;;) {
		int rc = ulogread_next(r, &ev, &err);
		if (rc < 0) {
			cmd_warn_error(&err);
			return 1;
		}
		int verdict;
		if (rc > 0) {
			report(o, &ev, ulogwait_feed(w, &ev));
			if (!o->allevents && (verdict = decide(o, w)) >= 0)
				return verdict;
			continue;
		}
		if (o->allevents && (verdict = decide(o, w)) >= 0)
			return verdict;
		if (first_eof && ulogwait_submitted(w) == 0) {
			fprintf(stderr, "This log does not mention %s!\n",
				o->job && strcmp(o->job, "-1") ? "that job" : "any jobs");
			return 1;
		}
		first_eof = false;
		if (o->wait == 0)
			return 0;
		long long left = deadline < 0 ? -1 : deadline - now_ms();
		if (deadline >= 0 && left <= 0) {
			printf("Time expired.\n");
			return 1;
		}
		fflush(stdout);
		ulogread_wait(r, left < 0 || left > 1000 ? 1000 : (int)left);
	}
}

int
main(int argc, char **argv)
{
	cmd_init(argv[0]);
	struct wopts o = { .wait = -1 };
	parse_args(&o, argc, argv);
	int id[3];
	if (o.job != NULL && !parse_job(o.job, id)) {
		fprintf(stderr, "Couldn't understand job number: %s\n", o.job);
		return cmd_finish(1);
	}
	if (o.job == NULL)
		id[0] = id[1] = id[2] = -1;
	if (o.debug)
		fprintf(stderr, "Reading log file %s\n", o.log);
	struct ulogread *r = ulogread_open(o.log, NULL);
	if (r == NULL) {
		fprintf(stderr, "Couldn't open %s: %s\n", o.log, strerror(errno));
		return cmd_finish(1);
	}
	struct ulogwait *w = ulogwait_new(id[0], id[1], id[2]);
	int status = watch(&o, r, w);
	ulogwait_free(w);
	ulogread_close(r);
	return cmd_finish(status);
}
