/*
 * condor_submit.c - queue jobs described by a submit file, as HTCondor's
 * condor_submit does.
 *
 * Glue only: the description becomes ads in libcore/submit.c; here they
 * are handed to the queue in one transaction, event 000 is logged for
 * each proc after the commit, and the result is printed.  Errors in the
 * description are printed HTCondor's way ("ERROR: job.sub:3: ...") and
 * queue nothing; failures of the queue itself name this tool.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classad.h"
#include "common.h"
#include "control.h"
#include "error.h"
#include "knob.h"
#include "num.h"
#include "queue.h"
#include "strbuf.h"
#include "submit.h"
#include "ulog.h"
#include "xalloc.h"
#include "banned.h"

static const char *const synopsis[] = {
	"[-terse | -verbose] [-dry-run file] [-batch-name name] [-append line] "
	"[-maxjobs n] [-unused] [submit-file | -] [key=value ...] [-queue args ...]",
	NULL,
};

static const char details[] =
	"Queues the jobs a submit description file describes (standard input\n"
	"when no file or \"-\" is given).  See condor_submit(1).\n";

struct opts {
	bool terse, verbose, unused;
	const char *dry_run, *batch_name, *file;
	long long maxjobs, dry_cluster;
	struct strbuf queue;
	int nappend, nkeys;
	const char **appends, **keys;
};

static const char *
need_arg(int argc, char **argv, int i)
{
	if (i + 1 >= argc)
		cmd_die("%s requires another argument", argv[i]);
	return argv[i + 1];
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	o->appends = xcalloc((size_t)argc, sizeof(*o->appends));
	o->keys = xcalloc((size_t)argc, sizeof(*o->keys));
	o->dry_cluster = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *colon = strchr(a, ':'), *tail;
		if (cmd_opt(a, "help", 1, &tail))
			cmd_usage(synopsis, details, stdout, 0);
		else if (strcmp(a, "-") == 0 && !o->file)
			o->file = a;
		else if (cmd_opt(a, "verbose", 1, &tail))
			o->verbose = true;
		else if (cmd_opt(a, "terse", 3, &tail))
			o->terse = true;
		else if (cmd_opt(a, "unused", 2, &tail))
			o->unused = !o->unused;
		else if (cmd_opt(a, "dry-run", 3, &tail)) {
			o->dry_run = need_arg(argc, argv, i++);
			if (colon && strncmp(colon, ":cluster=", 9) == 0 &&
			    num_parse_ll(colon + 9, 1, 2147483647, &o->dry_cluster) < 0)
				cmd_die("bad -dry-run cluster: %s", colon + 9);
		} else if (cmd_opt(a, "append", 1, &tail))
			o->appends[o->nappend++] = need_arg(argc, argv, i++);
		else if (cmd_opt(a, "batch-name", 1, &tail))
			o->batch_name = need_arg(argc, argv, i++);
		else if (cmd_opt(a, "maxjobs", 2, &tail)) {
			if (num_parse_ll(need_arg(argc, argv, i), 0, 2147483647,
					 &o->maxjobs) < 0)
				cmd_die("bad -maxjobs value: %s", argv[i + 1]);
			i++;
		} else if (cmd_opt(a, "queue", 1, &tail)) {
			for (i++; i < argc && argv[i][0] != '-'; i++)
				strbuf_addf(&o->queue, "%s%s", o->queue.len ? " " : "", argv[i]);
			i--;
			if (o->queue.len == 0)
				strbuf_adds(&o->queue, " ");
		} else if (a[0] == '-')
			cmd_usage(synopsis, details, stderr, 1);
		else if (strchr(a, '=') != NULL)
			o->keys[o->nkeys++] = a;
		else if (o->file == NULL)
			o->file = a;
		else
			cmd_usage(synopsis, details, stderr, 1);
	}
}

static _Noreturn void
submit_die(const struct error *err)
{
	fflush(stdout);
	fprintf(stderr, "ERROR: %s\n", err->msg);
	exit(1);
}

static struct submit *
load(const struct opts *o, const struct knobs *k)
{
	struct submit_config cfg;
	struct error err;
	submit_config_load(&cfg, k, o->dry_run == NULL);
	char *owner = cmd_username();
	cfg.owner = owner;
	cfg.warn_unused ^= o->unused;
	cfg.max_jobs = o->maxjobs;
	struct submit *s = submit_new(&cfg);
	free(owner);
	submit_config_release(&cfg);
	for (int i = 0; i < o->nkeys; i++)
		if (submit_define(s, o->keys[i], &err) < 0)
			submit_die(&err);
	/* Command-line keys plus -queue need no file (HTCondor). */
	if (o->file || o->queue.len == 0 || o->nkeys == 0)
		if (submit_parse_file(s, o->file ? o->file : "-", &err) < 0)
			submit_die(&err);
	for (int i = 0; i < o->nappend; i++)
		if (submit_append(s, o->appends[i], &err) < 0)
			submit_die(&err);
	if (o->batch_name && submit_batch_name(s, o->batch_name, &err) < 0)
		submit_die(&err);
	if (o->queue.len && submit_queue_args(s, o->queue.buf, &err) < 0)
		submit_die(&err);
	return s;
}

static void
print_result(const struct opts *o, const struct submit_result *r, bool verbose)
{
	struct strbuf sb = STRBUF_INIT;
	bool dry_stdout = o->dry_run && strcmp(o->dry_run, "-") == 0;
	bool dots = !verbose && !o->terse;
	if (dots)
		fputs(o->dry_run ? "Dry-Run job(s)" : "Submitting job(s)", stdout);
	for (size_t i = 0; i < r->nprocs; i++) {
		strbuf_reset(&sb);
		if (verbose)
			submit_format_verbose(r, i, &sb);
		else if (dry_stdout)
			submit_format_dry_run(r, i, &sb);
		fwrite(sb.buf, 1, sb.len, stdout);
		if (dots)
			putchar('.');
	}
	if (o->terse)
		printf("%d.0 - %d.%zu\n", r->cluster, r->cluster, r->nprocs - 1);
	else if (!verbose)
		printf("\n%zu job(s) %s cluster %d.\n", r->nprocs,
		       o->dry_run ? "dry-run to" : "submitted to", r->cluster);
	strbuf_release(&sb);
}

/*
 * Queues the ads in one transaction and collects event 000 for each proc
 * (written by the caller after it has printed, since the proc ads belong
 * to the queue, which stays open until then).  NULL: nothing to queue.
 */
static struct queue *
enqueue(const char *spool, struct submit *s, struct submit_result *r,
	struct ulog_batch *b)
{
	struct error err;
	struct queue *q = queue_open(spool, QUEUE_WRITE, &err);
	if (q == NULL)
		cmd_die_error(&err);
	int cluster = queue_new_cluster_id(q);
	if (submit_build(s, cluster, r, &err) < 0) {
		queue_close(q);
		submit_die(&err);
	}
	if (r->nprocs == 0) {
		queue_close(q);
		return NULL;
	}
	submit_result_disown(r);
	if (queue_add_cluster(q, cluster, r->cluster_ad, r->procs, r->nprocs, &err) < 0 ||
	    queue_commit(q, &err) < 0) {
		queue_close(q);
		cmd_die_error(&err);
	}
	/* The queue took the proc ads (and cleared our array): borrow them back. */
	for (size_t i = 0; i < r->nprocs; i++)
		r->procs[i] = queue_find(q, cluster, (int)i);
	char *body = ulog_body_submit();
	long long qdate = 0;
	classad_get_int(r->cluster_ad, "QDate", &qdate);
	for (size_t i = 0; i < r->nprocs; i++)
		ulog_add_job(b, r->procs[i], ULOG_SUBMIT, (time_t)qdate, body);
	free(body);
	return q;
}

int
main(int argc, char **argv)
{
	struct opts o = { .queue = STRBUF_INIT };
	struct submit_result r;
	struct error err;
	cmd_init(argv[0]);
	parse_args(argc, argv, &o);
	bool verbose = o.verbose || (o.file && strcmp(o.file, "-") == 0 && !o.terse);
	struct knobs *k = cmd_load_knobs();
	struct submit *s = load(&o, k);
	struct queue *q = NULL;
	struct ulog_batch *b = ulog_batch_new();
	if (o.dry_run) {
		if (submit_build(s, (int)o.dry_cluster, &r, &err) < 0)
			submit_die(&err);
		if (strcmp(o.dry_run, "-") != 0 &&
		    submit_write_dry_run(&r, o.dry_run, &err) < 0)
			submit_die(&err);
	} else {
		char *spool = cmd_knob_required(k, "SPOOL");
		q = enqueue(spool, s, &r, b);
		free(spool);
	}
	if (r.nprocs > 0)
		print_result(&o, &r, verbose);
	fflush(stdout);
	bool queued = q != NULL;
	queue_close(q);
	if (ulog_flush(b, &err) < 0)
		cmd_warn_error(&err);
	ulog_batch_free(b);
	/* The jobs and their 000 events are written: wake the daemon, or
	 * start one (AUTOSTART_MASTER).  The submit itself succeeded either
	 * way, so a failure here is only a warning. */
	if (queued && control_notify(k, &err) < 0)
		cmd_warn_error(&err);
	for (size_t i = 0; i < submit_warning_count(s); i++)
		fprintf(stderr, "WARNING: %s\n", submit_warning_at(s, i));
	submit_result_release(&r);
	submit_free(s);
	knobs_free(k);
	free(o.appends);
	free(o.keys);
	strbuf_release(&o.queue);
	return cmd_finish(0);
}
