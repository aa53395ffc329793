/*
 * condor_history.c - show jobs that have left the queue, as HTCondor's
 * condor_history does: newest first, from $(HISTORY) or -file.
 *
 * Glue only: the file is history.h's, the selection select.h's, and the
 * output forms adprint's.  Like HTCondor it prints as it reads (rows are
 * not held back to fit the columns), and an absent history file is an
 * empty history: just the heading.  Messages HTCondor defines are printed
 * with its exact text.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adprint.h"
#include "classad.h"
#include "common.h"
#include "error.h"
#include "history.h"
#include "knob.h"
#include "num.h"
#include "select.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

static const char *const synopsis[] = {
	"[-forwards] [-limit n] [-scanlimit n] [-constraint expr] "
	"[-long | -json] [-af[:jlhVr,tng] attr ...] [-format fmt attr] "
	"[-attributes list] [-file file] [cluster | cluster.proc | owner ...]",
	NULL,
};

static const char details[] =
	"Shows jobs that have left the queue, newest first.  See condor_history(1).\n";

struct hopts {
	bool forwards, lng, json;
	long long limit, scanlimit;	/* <= 0: no limit */
	const char *file;
	struct job_select *sel;
	struct adprint *mask;
	struct adprint_attrs attrs;
};

static struct adprint *
mask_of(struct hopts *o)
{
	if (o->mask == NULL)
		o->mask = adprint_new();
	return o->mask;
}

static int
parse_af(struct hopts *o, int argc, char **argv, int i, const char *opts)
{
	size_t n;
	int last = adprint_af_span(argc, argv, i, &n);
	if (n == 0) {
		fprintf(stderr, "Error: Argument %s requires at least one attribute parameter\n"
			"\t\te.g. condor_history %s ClusterId\n", argv[i], argv[i]);
		exit(1);
	}
	struct error err;
	if (adprint_add_autoformat(mask_of(o), opts, (const char *const *)&argv[i + 1],
				   n, &err) < 0)
		cmd_die_prefixed("Error: ", "%s", err.msg);
	return last;
}

static long long
number_arg(int argc, char **argv, int i)
{
	long long n;
	if (i >= argc || num_parse_ll(argv[i], -(1LL << 40), 1LL << 40, &n) < 0)
		cmd_die_prefixed("Error: ", "Argument %s requires a number value as a parameter.",
			argv[i - 1]);
	return n;
}

static int
parse_option(struct hopts *o, int argc, char **argv, int i)
{
	const char *a = argv[i], *colon;
	struct error err;
	if (cmd_opt(a, "help", 1, NULL))
		cmd_usage(synopsis, details, stdout, 0);
	else if (cmd_opt(a, "long", 1, NULL))
		o->lng = true;
	else if (cmd_opt(a, "json", 4, NULL))
		o->json = true;
	else if (cmd_opt(a, "backwards", 1, NULL))
		o->forwards = false;
	else if (cmd_opt(a, "forwards", 4, NULL) || cmd_opt(a, "nobackwards", 3, NULL))
		o->forwards = true;
	else if (cmd_opt(a, "match", 1, NULL) || cmd_opt(a, "limit", 3, NULL))
		o->limit = number_arg(argc, argv, ++i);
	else if (cmd_opt(a, "scanlimit", 4, NULL))
		o->scanlimit = number_arg(argc, argv, ++i);
	else if (cmd_opt(a, "file", 2, NULL)) {
		if (i + 1 >= argc)
			cmd_die_prefixed("Error: ", "Argument %s requires another parameter", a);
		o->file = argv[++i];
	} else if (cmd_opt(a, "wide", 1, &colon))
		;	/* rows are never cut to a terminal here */
	else if (cmd_opt(a, "constraint", 1, NULL)) {
		if (i + 1 >= argc)
			cmd_die_prefixed("Error: ", "Argument %s requires another parameter", a);
		if (select_add_constraint(o->sel, argv[i + 1], &err) < 0)
			cmd_die_prefixed("Error: ", " could not parse constraint %s", argv[i + 1]);
		i++;
	} else if (cmd_opt(a, "af", 2, &colon) || cmd_opt(a, "autoformat", 5, &colon))
		i = parse_af(o, argc, argv, i, colon);
	else if (cmd_opt(a, "format", 2, NULL)) {
		if (i + 2 >= argc) {
			fputs("Error: Argument -format requires a spec and classad "
			      "attribute name as parameters.\n"
			      "\t\te.g. condor_history -format '%d' ClusterId\n", stderr);
			exit(1);
		}
		if (adprint_add_format(mask_of(o), argv[i + 1], argv[i + 2], &err) < 0)
			cmd_die_prefixed("Error: ", "%s", err.msg);
		i += 2;
	} else if (cmd_opt(a, "attributes", 2, NULL)) {
		if (i + 1 >= argc || argv[i + 1][0] == '-' ||
		    adprint_attrs_parse(&o->attrs, argv[i + 1], &err) < 0)
			cmd_die_prefixed("Error: ", "Argument -attributes must be followed by a list of attributes");
		i++;
	} else {
		fprintf(stderr, "Error: Unknown argument %s\n", a);
		cmd_usage(synopsis, NULL, stderr, 1);
	}
	return i;
}

static void
parse_args(struct hopts *o, int argc, char **argv)
{
	struct error err;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			i = parse_option(o, argc, argv, i);
		else if (select_add_arg(o->sel, argv[i], &err) < 0)
			cmd_die_prefixed("Error: ", "%s", err.msg);
	}
}

static char *
history_path(const struct hopts *o)
{
	if (o->file)
		return xstrdup(o->file);
	struct knobs *k = cmd_load_knobs();
	char *path = knob_get(k, "HISTORY");
	knobs_free(k);
	if (path == NULL || *path == '\0') {
		fputs("Error: No passed search file and configuration key HISTORY is unset.\n"
		      "\nExtra Info: The variable HISTORY is not defined in your config "
		      "file. If you want Condor to keep a history of information, you "
		      "must define HISTORY in your config file\n", stderr);
		exit(1);
	}
	return path;
}

static void
flush_out(struct strbuf *out)
{
	if (out->len > 0 && fwrite(out->buf, 1, out->len, stdout) != out->len)
		cmd_die("write error on standard output");
	strbuf_reset(out);
}

/* Prints the jobs; returns how many were shown (-json: objects printed). */
static long long
print_history(struct hopts *o, struct history *h, struct adprint *mask,
	      struct strbuf *out)
{
	const struct adprint_attrs *only = o->attrs.n ? &o->attrs : NULL;
	long long shown = 0, scanned = 0;
	size_t nads = 0;	/* -json objects printed */
	struct classad *ad;
	struct error err;
	int rc = 0;
	while ((o->limit <= 0 || shown < o->limit) &&
	       (o->scanlimit <= 0 || scanned < o->scanlimit) &&
	       (rc = history_next(h, &ad, &err)) > 0) {
		scanned++;
		long long c = 0, p = 0;
		(void)classad_get_int(ad, "ClusterId", &c);
		(void)classad_get_int(ad, "ProcId", &p);
		if (select_match(o->sel, (int)c, (int)p, ad)) {
			if (o->json)
				nads += adprint_json(ad, only, nads, out);
			else if (o->lng)
				adprint_long(ad, only, out);
			else
				adprint_row(mask, ad, out);
			shown++;
		}
		classad_free(ad);
		if (out->len > (1u << 20))
			flush_out(out);
	}
	if (rc < 0)
		cmd_die_error(&err);
	return o->json ? (long long)nads : shown;
}

int
main(int argc, char **argv)
{
	cmd_init(argv[0]);
	struct hopts o = { .limit = -1, .scanlimit = -1 };
	o.sel = select_new(SELECT_QUERY);
	parse_args(&o, argc, argv);
	if (o.json)
		o.lng = true;
	char *path = history_path(&o);

	struct adprint *mask = o.mask;
	if (mask == NULL && !o.lng)
		mask = adprint_new_view(ADPRINT_VIEW_HISTORY, 0);
	struct strbuf out = STRBUF_INIT;
	if (mask != NULL && o.mask == NULL)
		adprint_set_max_width(mask, 1024);	/* HTCondor's cut for pipes */
	if (mask != NULL && !o.lng)
		adprint_headings(mask, &out);

	struct stat st;
	if (o.file && stat(o.file, &st) < 0) {
		int e = errno;
		flush_out(&out);
		fprintf(stderr, "Error opening history file %s: %s\n", o.file,
			strerror(e));
		exit(1);
	}
	struct error err;
	struct history *h = history_open(path, o.forwards ? HISTORY_OLDEST_FIRST
					 : HISTORY_NEWEST_FIRST, &err);
	if (h == NULL)
		cmd_die_error(&err);
	long long shown = print_history(&o, h, mask, &out);
	/* Unlike condor_q, condor_history -json prints an empty array. */
	if (o.json)
		strbuf_adds(&out, shown ? "]\n" : "[\n]\n");
	flush_out(&out);

	history_close(h);
	strbuf_release(&out);
	if (mask != o.mask)
		adprint_free(mask);
	adprint_free(o.mask);
	adprint_attrs_release(&o.attrs);
	select_free(o.sel);
	free(path);
	return cmd_finish(0);
}
