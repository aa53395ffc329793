/*
 * condor_q.c - show the jobs in the queue, as HTCondor's condor_q does.
 *
 * Glue only: options are parsed here, the query and totals are
 * qsummary's scan, and every output form is adprint's or qsummary's.
 * The whole output is built in memory and written once (large -long
 * output is written in pieces so it never all sits in memory).
 *
 * Messages HTCondor defines ("Error: unrecognized argument -x", "Error:
 * Argument N (expr) is not a valid constraint", ...) are printed with its
 * exact text, without the "condor_q: " prefix.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "action.h"
#include "adprint.h"
#include "common.h"
#include "error.h"
#include "knob.h"
#include "num.h"
#include "qsummary.h"
#include "queue.h"
#include "select.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

static const char *const synopsis[] = {
	"[-allusers] [-nobatch] [-run | -hold] [-totals] [-long | -json] "
	"[-af[:jlhVr,tng] attr ...] [-format fmt attr] [-attributes list] "
	"[-constraint expr] [-limit n] [cluster | cluster.proc | owner ...]",
	NULL,
};

static const char details[] =
	"Shows the jobs in the queue: by default only your own, one line per\n"
	"batch.  See condor_q(1).\n";

enum form { FORM_BATCH, FORM_JOBS, FORM_TOTALS, FORM_LONG, FORM_JSON, FORM_MASK };

struct qopts {
	bool allusers, nobatch, batch, run, hold, totals, lng, json;
	bool named;		/* a job id, cluster or owner was given */
	bool partial;		/* a cluster.proc was given */
	long long limit;
	struct job_select *sel;
	struct adprint *mask;	/* -af / -format items */
	struct adprint_attrs attrs;
};

static struct adprint *
mask_of(struct qopts *o)
{
	if (o->mask == NULL)
		o->mask = adprint_new();
	return o->mask;
}

static int
parse_af(struct qopts *o, int argc, char **argv, int i, const char *opts)
{
	size_t n;
	int last = adprint_af_span(argc, argv, i, &n);
	if (n == 0)
		cmd_die_prefixed("Error: ", "-autoformat requires at least one attribute parameter");
	struct error err;
	if (adprint_add_autoformat(mask_of(o), opts, (const char *const *)&argv[i + 1],
				   n, &err) < 0)
		cmd_die_prefixed("Error: ", "%s", err.msg);
	return last;
}

static void
add_constraint(struct qopts *o, int argc, char **argv, int i)
{
	struct error err;
	if (i >= argc)
		cmd_die_prefixed("Error: ", "Argument %s requires another parameter", argv[i - 1]);
	if (select_add_constraint(o->sel, argv[i], &err) < 0)
		cmd_die_prefixed("Error: ", "Argument %d (%s) is not a valid constraint", i, argv[i]);
}

static void
add_restriction(struct qopts *o, const char *arg)
{
	struct error err;
	if (select_add_arg(o->sel, arg, &err) < 0)
		cmd_die_prefixed("Error: ", "%s", err.msg);
	o->named = true;
	const char *dot = strchr(arg, '.');
	if (dot != NULL && dot != arg && dot[1] != '\0' && num_is_digits(dot + 1))
		o->partial = true;
}

/* Returns the index of the last argument an option consumed. */
static int
parse_option(struct qopts *o, int argc, char **argv, int i)
{
	const char *a = argv[i], *colon;
	struct error err;
	if (cmd_opt(a, "help", 1, NULL))
		cmd_usage(synopsis, details, stdout, 0);
	else if (cmd_opt(a, "allusers", 2, NULL))
		o->allusers = true;
	else if (cmd_opt(a, "nobatch", 3, NULL))
		o->nobatch = true;
	else if (cmd_opt(a, "batch", 2, NULL))
		o->batch = true;
	else if (cmd_opt(a, "run", 1, NULL))
		o->run = true;
	else if (cmd_opt(a, "hold", 2, NULL) || cmd_opt(a, "held", 2, NULL))
		o->hold = true;
	else if (cmd_opt(a, "totals", 3, NULL))
		o->totals = true;
	else if (cmd_opt(a, "long", 1, NULL))
		o->lng = true;
	else if (cmd_opt(a, "json", 2, NULL))
		o->json = true;
	else if (cmd_opt(a, "wide", 1, &colon))
		;	/* output to a pipe is never cut; a terminal is not fitted */
	else if (cmd_opt(a, "constraint", 2, NULL))
		add_constraint(o, argc, argv, ++i);
	else if (cmd_opt(a, "af", 2, &colon) || cmd_opt(a, "autoformat", 5, &colon))
		i = parse_af(o, argc, argv, i, colon);
	else if (cmd_opt(a, "format", 2, NULL)) {
		if (i + 2 >= argc)
			cmd_die_prefixed("Error: ", "-format requires format and attribute parameters");
		if (adprint_add_format(mask_of(o), argv[i + 1], argv[i + 2], &err) < 0)
			cmd_die_prefixed("Error: ", "%s", err.msg);
		i += 2;
	} else if (cmd_opt(a, "attributes", 2, NULL)) {
		if (i + 1 >= argc || adprint_attrs_parse(&o->attrs, argv[i + 1], &err) < 0)
			cmd_die_prefixed("Error: ", "-attributes requires a list of attribute names");
		i++;
	} else if (cmd_opt(a, "limit", 3, NULL)) {
		if (i + 1 >= argc ||
		    num_parse_ll(argv[i + 1], 0, 1LL << 40, &o->limit) < 0)
			cmd_die_prefixed("Error: ", "-limit requires a non-negative number");
		i++;
	} else {
		fprintf(stderr, "Error: unrecognized argument %s\n", a);
		cmd_usage(synopsis, NULL, stderr, 1);
	}
	return i;
}

static void
parse_args(struct qopts *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			i = parse_option(o, argc, argv, i);
		else
			add_restriction(o, argv[i]);
	}
	if (o->run && o->hold) {
		fputs("-run and -hold/held or -idle are incompatible\n", stderr);
		cmd_usage(synopsis, NULL, stderr, 1);
	}
	if (o->batch && o->mask != NULL)
		cmd_die_prefixed("Error: ", "-batch conflicts with -format and -af");
}

static enum form
form_of(const struct qopts *o)
{
	if (o->mask != NULL)
		return FORM_MASK;
	if (o->json)
		return FORM_JSON;
	if (o->lng)
		return FORM_LONG;
	if (o->totals)
		return FORM_TOTALS;
	if (o->nobatch || o->run || o->hold)
		return FORM_JOBS;
	return FORM_BATCH;
}

/* ---- printing each job ---- */

struct printer {
	enum form form;
	const struct qopts *o;
	struct adprint *mask;	/* FORM_MASK, FORM_JOBS */
	struct qbatch *batch;	/* FORM_BATCH */
	size_t nads;		/* FORM_JSON */
	struct strbuf out;
};

static void
flush_out(struct strbuf *out)
{
	if (out->len > 0 && fwrite(out->buf, 1, out->len, stdout) != out->len)
		cmd_die("write error on standard output");
	strbuf_reset(out);
}

static void
print_job(void *arg, int cluster, int proc, const struct classad *job,
	  long long status)
{
	struct printer *p = arg;
	const struct adprint_attrs *only = p->o->attrs.n ? &p->o->attrs : NULL;
	switch (p->form) {
	case FORM_BATCH: qbatch_add(p->batch, cluster, proc, job, status); break;
	case FORM_MASK:
	case FORM_JOBS: adprint_row(p->mask, job, &p->out); break;
	case FORM_LONG: adprint_long(job, only, &p->out); break;
	case FORM_JSON: p->nads += adprint_json(job, only, p->nads, &p->out); break;
	case FORM_TOTALS: break;
	}
	if (p->out.len > (1u << 20))
		flush_out(&p->out);
}

static bool
is_super_user(const struct knobs *k, const char *me)
{
	char *list = knob_get(k, "QUEUE_SUPER_USERS");
	bool super = action_is_super_user(list, me);
	free(list);
	return super;
}

static char *
schedd_name(const struct knobs *k)
{
	char *name = knob_get(k, "SCHEDD_NAME");
	if (name != NULL && *name)
		return name;
	free(name);
	char host[256];
	if (gethostname(host, sizeof(host)) < 0)
		return xstrdup("localhost");
	host[sizeof(host) - 1] = '\0';
	return xstrdup(host);
}

static void
print_queue(struct qopts *o, struct queue *q, const struct knobs *k)
{
	char *me = cmd_username();
	long long now = (long long)time(NULL);
	struct qscan scan = {
		.sel = o->sel, .me = me, .limit = o->limit,
		.only_mine = !o->allusers && !o->named && !is_super_user(k, me) &&
			     knob_get_bool(k, "CONDOR_Q_ONLY_MY_JOBS", true),
		.status_mask = o->run ? (1u << 2 | 1u << 6 | 1u << 7)
			     : o->hold ? 1u << 5 : 0,
	};
	struct printer p = { .form = form_of(o), .o = o, .mask = o->mask };
	strbuf_init(&p.out);
	if (p.form == FORM_BATCH)
		p.batch = qbatch_new(o->partial);
	if (p.form == FORM_JOBS)
		p.mask = adprint_new_view(o->run ? ADPRINT_VIEW_RUN : o->hold ?
					  ADPRINT_VIEW_HOLD : ADPRINT_VIEW_JOBS, now);
	if (p.mask != NULL) {
		/* Rows wait for the column widths; -af without headings streams. */
		adprint_set_buffered(p.mask, adprint_has_headings(p.mask));
		adprint_set_trim(p.mask, p.form == FORM_JOBS);
	}

	struct qtotals t;
	qscan_run(q, &scan, print_job, &p, &t);

	bool standard = p.form == FORM_BATCH || p.form == FORM_JOBS ||
			p.form == FORM_TOTALS;
	if (standard) {
		char *name = schedd_name(k);
		struct strbuf head = STRBUF_INIT;
		qsummary_title(name, now, &head);
		flush_out(&head);
		strbuf_release(&head);
		free(name);
	}
	if (p.form == FORM_BATCH)
		qbatch_render(p.batch, &p.out);
	if (p.mask != NULL)
		adprint_finish(p.mask, true, &p.out);
	if (p.form == FORM_JSON)
		adprint_json_end(p.nads, &p.out);
	if (standard && !o->run)
		qsummary_footer(&t, scan.only_mine ? me : NULL,
				p.form == FORM_TOTALS, &p.out);
	flush_out(&p.out);

	strbuf_release(&p.out);
	qbatch_free(p.batch);
	if (p.mask != o->mask)
		adprint_free(p.mask);
	free(me);
}

int
main(int argc, char **argv)
{
	cmd_init(argv[0]);
	struct qopts o = { .limit = -1 };
	o.sel = select_new(SELECT_QUERY);
	parse_args(&o, argc, argv);

	struct knobs *k = cmd_load_knobs();
	char *spool = cmd_knob_required(k, "SPOOL");
	struct error err;
	struct queue *q = queue_open(spool, QUEUE_READ, &err);
	if (q == NULL)
		cmd_die_error(&err);
	print_queue(&o, q, k);

	if (CMD_FREE_AT_EXIT)
		queue_close(q);
	free(spool);
	knobs_free(k);
	adprint_free(o.mask);
	adprint_attrs_release(&o.attrs);
	select_free(o.sel);
	return cmd_finish(0);
}
