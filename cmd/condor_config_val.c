/*
 * condor_config_val - print configuration knobs, HTCondor style.
 *
 * Glue only: knob.h loads and expands; this file picks what to print and
 * prints it in HTCondor's formats (reference/htcondor-cli.md section 7.1).
 * Options are HTCondor's single-dash words, which may be abbreviated as far
 * as HTCondor allows; "--word" is accepted as well.
 */
#include "config.h"

#include <ctype.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "knob.h"
#include "xalloc.h"
#include "banned.h"

static const char *const synopsis[] = {
	"[-verbose] [-raw] [-expanded] [-default] name ...",
	"-dump [-verbose] [-expanded] [-default] [regex ...]",
	"-config [name ...]",
	"-help",
	NULL,
};

static const char details[] =
	"\n"
	"  -verbose   also say where each value came from, its raw and default text\n"
	"  -raw       print values as written, without $(NAME) expansion\n"
	"  -expanded  print expanded values (the default, except with -dump)\n"
	"  -default   print the compiled-in default instead of the current value\n"
	"  -dump      print every knob, or those whose names match a regex\n"
	"  -config    list the configuration files that were read\n"
	"  -help      print this help and exit\n";

struct opts {
	bool verbose, raw, expanded, dflt, dump, config;
};

/* HTCondor's option words and the shortest prefix it accepts for each. */
static const struct {
	const char *word;
	size_t min;
	size_t field;
} words[] = {
	{ "dump", 1, offsetof(struct opts, dump) },
	{ "verbose", 1, offsetof(struct opts, verbose) },
	{ "raw", 3, offsetof(struct opts, raw) },
	{ "default", 3, offsetof(struct opts, dflt) },
	{ "expanded", 2, offsetof(struct opts, expanded) },
	{ "config", 2, offsetof(struct opts, config) },
};

static void
parse_option(const char *arg, struct opts *o)
{
	const char *w = arg + 1 + (arg[1] == '-');
	size_t len = strlen(w);

	if (len >= 1 && strncmp("help", w, len) == 0)
		cmd_usage(synopsis, details, stdout, 0);
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++) {
		if (len >= words[i].min && strncmp(words[i].word, w, len) == 0) {
			*(bool *)((char *)o + words[i].field) = true;
			return;
		}
	}
	cmd_warn("%s is not a valid argument", arg);
	cmd_usage(synopsis, details, stderr, 1);
}

/* The spelling the knob was defined with; falls back to upper case. */
static char *
display_name(const struct knobs *k, const char *name)
{
	for (int i = 0; i < knobs_count(k); i++)
		if (strcasecmp(knob_name_at(k, i), name) == 0)
			return xstrdup(knob_name_at(k, i));
	char *up = xstrdup(name);
	for (char *c = up; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	return up;
}

static void
print_origin(const struct knobs *k, const char *name)
{
	int line = 0;
	const char *o = knob_origin(k, name, &line);
	if (strcmp(o, "<default>") == 0)
		printf(" # at: <Default>\n");
	else if (strncmp(o, "environment", 11) == 0)
		printf(" # at: <Environment>\n");
	else
		printf(" # at: %s, line %d\n", o, line);
}

static void
print_default(const struct knobs *d, const char *name)
{
	const char *dv = d != NULL ? knob_raw(d, name) : NULL;
	if (dv != NULL)
		printf(" # default: %s\n", dv);
}

/* One name given on the command line; returns 1 if it is not defined. */
static int
print_one(const struct knobs *k, const struct knobs *d, const char *arg,
	  const struct opts *o)
{
	const struct knobs *src = o->dflt ? d : k;
	char *name = display_name(src, arg);
	char *value = NULL;

	if (knob_raw(src, arg) == NULL) {
		/* HTCondor's exact words, without the program prefix. */
		fflush(stdout);
		fprintf(stderr, "Not defined: %s\n", name);
		free(name);
		return 1;
	}
	value = o->raw || (o->dflt && !o->expanded) ? xstrdup(knob_raw(src, arg))
						    : knob_get(src, arg);
	if (!o->verbose) {
		printf("%s\n", value);
	} else {
		printf("%s = %s\n", name, value);
		print_origin(k, arg);
		if (!o->raw)
			printf(" # raw: %s = %s\n", name, knob_raw(k, arg));
		print_default(d, arg);
		printf("\n");
	}
	free(value);
	free(name);
	return 0;
}

static void
dump_knob(const struct knobs *k, const struct knobs *d, const char *name,
	  const struct opts *o)
{
	char *value = o->expanded ? knob_get(k, name) : xstrdup(knob_raw(k, name));

	if (strchr(value, '\n') != NULL)
		printf("%s @=end\n%s\n@end\n", name, value);
	else
		printf("%s = %s\n", name, value);
	if (o->verbose) {
		print_origin(k, name);
		if (o->expanded) {
			printf(" # raw: %s\n", knob_raw(k, name));
		} else {
			char *x = knob_get(k, name);
			printf(" # expanded: %s\n", x);
			free(x);
		}
		print_default(d, name);
	}
	free(value);
}

static int
dump(const struct knobs *k, const struct knobs *d, char **res, int nres,
     const struct opts *o)
{
	const struct knobs *src = o->dflt ? d : k;
	char *host = knob_get(k, "FULL_HOSTNAME");
	int status = 0;

	printf("# Configuration from machine: %s\n", host ? host : "<unknown hostname>");
	free(host);
	for (int r = 0; r < (nres > 0 ? nres : 1); r++) {
		regex_t re;
		int rc = 0;
		if (nres > 0) {
			printf("\n# Parameters with names that match %s:\n", res[r]);
			rc = regcomp(&re, res[r], REG_EXTENDED | REG_ICASE | REG_NOSUB);
			if (rc != 0) {
				char msg[256];
				regerror(rc, &re, msg, sizeof(msg));
				cmd_warn("invalid regular expression '%s': %s", res[r], msg);
				status = 1;
				continue;
			}
		}
		for (int i = 0; i < knobs_count(src); i++) {
			const char *name = knob_name_at(src, i);
			if (nres == 0 || regexec(&re, name, 0, NULL, 0) == 0)
				dump_knob(src, d, name, o);
		}
		if (nres > 0)
			regfree(&re);
	}
	if (!o->verbose) {
		printf("# Contributing configuration file(s):\n");
		for (int i = 0; i < knobs_file_count(k); i++)
			printf("#\t%s\n", knobs_file_at(k, i));
	}
	return status;
}

/* HTCondor's -config: labels on stderr, file names on stdout for xargs. */
static void
print_sources(const struct knobs *k)
{
	int n = knobs_file_count(k);

	if (n == 0) {
		fprintf(stderr, "Can't find the configuration source.\n");
		return;
	}
	fflush(stdout);
	fprintf(stderr, "Configuration source:\n");
	printf("\t%s\n", knobs_file_at(k, 0));
	fflush(stdout);
	if (n == 1)
		return;
	fprintf(stderr, "Local configuration source%s:\n", n == 2 ? "" : "s");
	for (int i = 1; i < n; i++)
		printf("\t%s\n", knobs_file_at(k, i));
	fflush(stdout);
	fprintf(stderr, "\n");
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	char **names = xcalloc((size_t)argc + 1, sizeof(*names));
	int nnames = 0, status = 0;

	cmd_init(argv[0]);
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			parse_option(argv[i], &o);
		else
			names[nnames++] = argv[i];
	}
	if (o.dflt && o.verbose)
		cmd_die("-default and -verbose cannot be used together");
	if (nnames == 0 && !o.dump && !o.config)
		cmd_usage(synopsis, details, stderr, 1);

	struct knobs *k = cmd_load_knobs();
	struct knobs *d = o.dflt || o.verbose ? knobs_load_defaults() : NULL;
	if (o.config)
		print_sources(k);
	if (o.dump)
		status = dump(k, d, names, nnames, &o);
	else
		for (int i = 0; i < nnames; i++)
			status |= print_one(k, d, names[i], &o);
	knobs_free(d);
	knobs_free(k);
	free(names);
	return cmd_finish(status);
}
