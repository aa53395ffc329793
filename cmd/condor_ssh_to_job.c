/*
 * condor_ssh_to_job.c - a shell inside a running job: in its working
 * directory, with its environment and _CONDOR_JOB_PIDS, as HTCondor's tool
 * of that name gives one.  There is no ssh here: the job runs on this
 * machine, so the shell is simply started here, as the caller.
 *
 * Glue only: libcore/sshjob.h finds and checks the job, its sandbox and
 * its environment; this file parses the arguments, prints HTCondor's
 * messages and execs the shell.
 *
 * Exit codes: HTCondor's 2 for argument errors and 1 for failures, except
 * that an unknown option exits 1 with the usage, as every condorlet tool
 * does.  Once the shell runs, its exit status is the tool's.  Messages go
 * to standard error: standard output belongs to the remote command.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "error.h"
#include "knob.h"
#include "sshjob.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

#define EXIT_ARGS 2
/* How often -auto-retry looks at the queue again (HTCondor: 10 s). */
#define RETRY_SECS 1

static const char *const synopsis[] = {
	"[-debug] [-auto-retry] [-shells shell,...] [-x] "
	"cluster | cluster.proc | cluster.proc.node [remote-command ...]",
	NULL,
};

static const char details[] =
	"Starts a shell in a running job's working directory, with the job's\n"
	"environment, or runs remote-command there with /bin/sh -c.\n"
	"  -auto-retry      wait for the job to start running\n"
	"  -debug           tell what is found and run, on standard error\n"
	"  -shells a,b,...  the first of these shells that exists\n"
	"  -x               accepted for HTCondor's sake: nothing is forwarded\n"
	"See condor_ssh_to_job(1).\n";

struct options {
	bool debug, auto_retry;
	const char *shells;
	int cluster, proc;
	char *command;		/* the remote command, or NULL */
};

/* HTCondor's options that make no sense without ssh or a pool. */
static const struct {
	const char *word;
	size_t min;
	const char *why;
} unsupported[] = {
	{ "name", 1, "there is one queue, the local one" },
	{ "pool", 1, "there is one queue, the local one" },
	{ "ssh", 3, "no ssh is involved; the shell runs locally" },
	{ "keygen-options", 1, "no ssh keys are involved" },
	{ "remove-on-interrupt", 1, "only interactive jobs have it" },
	{ "X", 1, "nothing is forwarded; the shell runs locally" },
};

_Noreturn static void bad_args(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* An argument error: "condor_ssh_to_job: message", exit 2. */
static void
bad_args(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "%s: ", cmd_name());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_ARGS);
}

/* Returns the index of the job id argument. */
static int
parse_options(int argc, char **argv, struct options *o)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			return i + 1;
		if (cmd_opt(a, "help", 1, NULL))
			cmd_usage(synopsis, details, stdout, 0);
		if (cmd_opt(a, "debug", 1, NULL)) {
			o->debug = true;
		} else if (cmd_opt(a, "auto-retry", 1, NULL)) {
			o->auto_retry = true;
		} else if (cmd_opt(a, "shells", 2, NULL)) {
			if (++i == argc || argv[i][0] == '\0')
				bad_args("%s needs a comma-separated list of shells", a);
			o->shells = argv[i];
		} else if (strcmp(a, "-x") == 0) {
			continue;	/* no X11 forwarding: nothing is forwarded */
		} else {
			for (size_t u = 0; u < sizeof(unsupported) / sizeof(*unsupported); u++)
				if (cmd_opt(a, unsupported[u].word, unsupported[u].min, NULL))
					bad_args("%s is not supported: %s", a,
						 unsupported[u].why);
			cmd_usage(synopsis, details, stderr, 1);
		}
	}
	return i;
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	int i = parse_options(argc, argv, o);
	if (i >= argc) {
		fflush(stdout);
		fputs("ERROR: You must specify a job!\n", stderr);
		exit(EXIT_ARGS);
	}
	if (sshjob_parse_id(argv[i], &o->cluster, &o->proc) < 0)
		bad_args("'%s' is not a job id (cluster, cluster.proc or "
			 "cluster.proc.0)", argv[i]);
	if (i + 1 < argc) {
		/* As ssh does: the words joined by spaces, for the shell. */
		struct strbuf sb = STRBUF_INIT;
		for (int j = i + 1; j < argc; j++)
			strbuf_addf(&sb, "%s%s", j > i + 1 ? " " : "", argv[j]);
		o->command = strbuf_detach(&sb, NULL);
	}
}

/* Waits (with -auto-retry) until the job runs; exits on anything else. */
static void
find_job(const struct options *o, const struct sshjob_request *req,
	 struct sshjob *job)
{
	bool said_waiting = false;
	for (;;) {
		struct error err;
		error_clear(&err);
		if (sshjob_find(req, job, &err) < 0)
			cmd_die_error(&err);
		if (job->state == SSHJOB_READY)
			return;
		fflush(stdout);
		switch (job->state) {
		case SSHJOB_GONE:
			fputs("Unable to fetch job ad; is it still in the queue?\n", stderr);
			exit(1);
		case SSHJOB_HELD:
			fprintf(stderr, "Job is held: \"%s\".\n", job->hold_reason);
			exit(1);
		case SSHJOB_NOT_RUNNING:
			if (o->auto_retry)
				break;
			/* FALLTHROUGH */
		default:
			fprintf(stderr, "Job %d.%d is not running.\n", o->cluster, o->proc);
			if (job->state == SSHJOB_NOT_RUNNING)
				fputs("(Use -auto-retry to keep trying periodically.)\n",
				      stderr);
			exit(1);
		}
		if (!said_waiting)
			fputs("Waiting for job to start...\n", stderr);
		said_waiting = true;
		sshjob_release(job);
		sleep(RETRY_SECS);
	}
}

static void
debug_report(const struct options *o, const struct sshjob *job,
	     char *const *argv)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < job->npids; i++)
		strbuf_addf(&sb, " %ld", (long)job->pids[i]);
	cmd_warn("job %d.%d: sandbox '%s', starter %ld, job processes%s",
		 o->cluster, o->proc, job->sandbox, (long)job->starter, sb.buf);
	strbuf_reset(&sb);
	for (size_t i = 0; argv[i] != NULL; i++)
		strbuf_addf(&sb, " '%s'", argv[i]);
	cmd_warn("running%s in '%s'", sb.buf, job->cwd);
	strbuf_release(&sb);
}

int
main(int argc, char **argv)
{
	cmd_init(argv[0]);
	struct options o = { 0 };
	parse_args(argc, argv, &o);

	struct knobs *k = cmd_load_knobs();
	char *spool = cmd_knob_required(k, "SPOOL");
	char *execute = cmd_knob_required(k, "EXECUTE");
	char *supers = knob_get(k, "QUEUE_SUPER_USERS");
	char *user = cmd_username();
	knobs_free(k);
	struct sshjob_request req = {
		.spool = spool, .execute = execute, .user = user,
		.super_users = supers, .cluster = o.cluster, .proc = o.proc,
		.term = o.command == NULL ? getenv("TERM") : NULL,
	};
	struct sshjob job;
	find_job(&o, &req, &job);

	struct error err;
	error_clear(&err);
	char *shell = o.command ? xstrdup("/bin/sh") :
		      sshjob_pick_shell(&job, o.shells, getenv("SHELL"), &err);
	int status = 1;
	if (shell == NULL) {
		cmd_warn_error(&err);
	} else {
		static char dash_c[] = "-c";
		char *args[] = { shell, o.command ? dash_c : NULL, o.command, NULL };
		if (o.debug)
			debug_report(&o, &job, args);
		fflush(stdout);
		if (chdir(job.cwd) < 0)
			cmd_warn("cannot change to '%s': %s", job.cwd, strerror(errno));
		else if (execve(shell, args, job.envp) < 0)
			cmd_warn("cannot run '%s': %s", shell, strerror(errno));
	}
	free(shell);
	sshjob_release(&job);
	free(spool);
	free(execute);
	free(supers);
	free(user);
	free(o.command);
	return cmd_finish(status);
}
