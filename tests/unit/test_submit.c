/*
 * test_submit.c - unit tests of the submit-description language.
 *
 * Most cases are data: tests/unit/submit/NAME.sub is a description and
 * NAME.expect says what building it must give (see run_case for the
 * directives; attribute lines are compared as exact "Name=value" text of
 * the -dry-run output, per section).  Error cases, hostile input and the
 * helpers are tested inline below.
 *
 * The case directory is argv[1], else $CONDORLET_SRCDIR/tests/unit/submit.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "strbuf.h"
#include "submit.h"
#include "submit_int.h"
#include "xalloc.h"
#include "tap.h"

#define NOW 1700000000

static const char *casedir;

static char *const test_env[] = {
	"HOME=/home/alice", "PATH=/usr/bin:/bin", "SECRET=hush", "LANG=C",
	"MULTI=a\nb", NULL,
};

static void
config_for_tests(struct submit_config *c)
{
	submit_config_init(c);
	c->cwd = casedir;
	c->owner = "alice";
	c->uid_domain = "example.org";
	c->filesystem_domain = "fs.example.org";
	c->schedd_name = "schedd.example.org";
	c->spool = "/var/spool/condorlet";
	c->envp = test_env;
	c->now = NOW;
}

/* ------------------------------------------------------------------ */
/* Data-driven cases                                                   */
/* ------------------------------------------------------------------ */

struct section {
	char *name;		/* "cluster" or "proc N" */
	struct strvec lines;
};

struct sections {
	struct section *v;
	size_t n;
};

static struct section *
section_add(struct sections *ss, const char *name)
{
	ss->v = xreallocarray(ss->v, ss->n + 1, sizeof(*ss->v));
	struct section *s = &ss->v[ss->n++];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	return s;
}

static void
sections_free(struct sections *ss)
{
	for (size_t i = 0; i < ss->n; i++) {
		free(ss->v[i].name);
		strvec_clear(&ss->v[i].lines);
	}
	free(ss->v);
}

/* Splits the dry-run text of every proc into "cluster" and "proc N". */
static void
split_dry_run(const struct submit_result *r, struct sections *ss)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < r->nprocs; i++) {
		strbuf_reset(&sb);
		submit_format_dry_run(r, i, &sb);
		struct section *cur = NULL;
		char name[32];
		for (char *line = sb.buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			if (strncmp(line, "ClusterId=", 10) == 0)
				cur = section_add(ss, "cluster");
			if (strncmp(line, "ProcId=", 7) == 0) {
				snprintf(name, sizeof(name), "proc %zu", i);
				cur = section_add(ss, name);
			}
			if (cur && *line)
				strvec_push(&cur->lines, line);
		}
	}
	strbuf_release(&sb);
}

static const struct section *
find_section(const struct sections *ss, const char *name)
{
	for (size_t i = 0; i < ss->n; i++)
		if (strcmp(ss->v[i].name, name) == 0)
			return &ss->v[i];
	return NULL;
}

static bool
section_has(const struct section *s, const char *line, bool prefix)
{
	for (size_t i = 0; s && i < s->lines.n; i++)
		if (prefix ? strncmp(s->lines.v[i], line, strlen(line)) == 0 :
			     strcmp(s->lines.v[i], line) == 0)
			return true;
	return false;
}

/* "@DIR@" in an expectation stands for the case directory. */
static char *
subst_dir(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = s; *p;) {
		const char *at = strstr(p, "@DIR@");
		if (at == NULL) {
			strbuf_adds(&sb, p);
			break;
		}
		strbuf_add(&sb, p, (size_t)(at - p));
		strbuf_adds(&sb, casedir);
		p = at + 5;
	}
	return strbuf_detach(&sb, NULL);
}

static bool
has_warning(const struct submit *s, const char *w)
{
	for (size_t i = 0; i < submit_warning_count(s); i++)
		if (strcmp(submit_warning_at(s, i), w) == 0)
			return true;
	return false;
}

/*
 * Directives of a .expect file, one per line:
 *   define N=V | append LINE | queue ARGS | batch NAME   (before the build)
 *   schedd                 build with the schedd's attributes
 *   cluster N              build with cluster id N (default 1)
 *   error MESSAGE          the parse or build fails with exactly this
 *   procs N                number of procs
 *   warning MESSAGE        this warning was given
 *   nowarnings             no warning at all
 *   [cluster] / [proc N]   start a section; then
 *   Name=value             this line is in the section
 *   !Name=                 no line of the section starts with this
 */
static void
run_case(const char *name)
{
	char *subpath = xasprintf("%s/%s.sub", casedir, name);
	char *exppath = xasprintf("%s/%s.expect", casedir, name);
	char *sub = NULL, *exp = NULL;
	size_t sublen = 0, explen = 0;
	struct error err;
	if (fileio_read_all(subpath, 1 << 20, &sub, &sublen, &err) < 0 ||
	    fileio_read_all(exppath, 1 << 20, &exp, &explen, &err) < 0) {
		ok(0, "%s: read case: %s", name, err.msg);
		free(subpath);
		free(exppath);
		free(sub);
		free(exp);
		return;
	}
	struct submit_config cfg;
	config_for_tests(&cfg);
	struct strvec lines = { 0 };
	for (char *l = exp, *nl; l && *l; l = nl ? nl + 1 : NULL) {
		nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		if (*l && *l != '#')
			strvec_push(&lines, l);
	}
	int cluster = 1;
	for (size_t i = 0; i < lines.n; i++) {
		if (strcmp(lines.v[i], "schedd") == 0)
			cfg.schedd_attrs = true;
		if (strncmp(lines.v[i], "cluster ", 8) == 0)
			cluster = (int)strtol(lines.v[i] + 8, NULL, 10);
	}
	struct submit *s = submit_new(&cfg);
	char *subname = xasprintf("%s.sub", name);
	int rc = 0;
	error_clear(&err);
	for (size_t i = 0; rc == 0 && i < lines.n; i++) {
		const char *l = lines.v[i];
		if (strncmp(l, "define ", 7) == 0)
			rc = submit_define(s, l + 7, &err);
	}
	if (rc == 0)
		rc = submit_parse_text(s, subname, sub, sublen, &err);
	for (size_t i = 0; rc == 0 && i < lines.n; i++) {
		const char *l = lines.v[i];
		if (strncmp(l, "append ", 7) == 0)
			rc = submit_append(s, l + 7, &err);
		else if (strncmp(l, "queue ", 6) == 0)
			rc = submit_queue_args(s, l + 6, &err);
		else if (strncmp(l, "batch ", 6) == 0)
			rc = submit_batch_name(s, l + 6, &err);
	}
	struct submit_result r;
	memset(&r, 0, sizeof(r));
	if (rc == 0)
		rc = submit_build(s, cluster, &r, &err);
	struct sections ss = { 0 };
	if (rc == 0)
		split_dry_run(&r, &ss);
	const char *sect = "cluster";
	char sectbuf[64];
	bool want_error = false;
	for (size_t i = 0; i < lines.n; i++) {
		char *l = subst_dir(lines.v[i]);
		if (strncmp(l, "error ", 6) == 0) {
			want_error = true;
			ok(rc < 0, "%s: fails", name);
			is_str(err.msg, l + 6, "%s: error message", name);
		} else if (strncmp(l, "procs ", 6) == 0) {
			is_int(r.nprocs, strtol(l + 6, NULL, 10), "%s: %s", name, l);
		} else if (strncmp(l, "warning ", 8) == 0) {
			if (!ok(has_warning(s, l + 8), "%s: warns '%s'", name, l + 8))
				for (size_t k = 0; k < submit_warning_count(s); k++)
					diag("  warning: %s", submit_warning_at(s, k));
		} else if (strcmp(l, "nowarnings") == 0) {
			if (!ok(submit_warning_count(s) == 0, "%s: no warnings", name))
				diag("  first: %s", submit_warning_at(s, 0));
		} else if (l[0] == '[') {
			snprintf(sectbuf, sizeof(sectbuf), "%.*s", (int)strcspn(l + 1, "]"), l + 1);
			sect = sectbuf;
		} else if (l[0] == '!') {
			const struct section *sec = find_section(&ss, sect);
			ok(!section_has(sec, l + 1, true), "%s: [%s] has no %s", name, sect, l + 1);
		} else if (strchr(l, '=') && strncmp(l, "define ", 7) != 0 &&
			   strncmp(l, "append ", 7) != 0 && strncmp(l, "batch ", 6) != 0 &&
			   strncmp(l, "queue ", 6) != 0) {
			const struct section *sec = find_section(&ss, sect);
			if (!ok(section_has(sec, l, false), "%s: [%s] %s", name, sect, l)) {
				size_t k = strcspn(l, "=");
				for (size_t m = 0; sec && m < sec->lines.n; m++)
					if (strncmp(sec->lines.v[m], l, k + 1) == 0)
						diag("  got: %s", sec->lines.v[m]);
				if (rc < 0)
					diag("  build failed: %s", err.msg);
			}
		}
		free(l);
	}
	if (!want_error && rc < 0)
		ok(0, "%s: unexpected failure: %s", name, err.msg);
	sections_free(&ss);
	submit_result_release(&r);
	submit_free(s);
	strvec_clear(&lines);
	free(subname);
	free(subpath);
	free(exppath);
	free(sub);
	free(exp);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
run_cases(void)
{
	DIR *d = opendir(casedir);
	if (!ok(d != NULL, "open case directory %s", casedir))
		return;
	struct strvec names = { 0 };
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n > 7 && strcmp(e->d_name + n - 7, ".expect") == 0)
			strvec_push_n(&names, e->d_name, n - 7);
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), name_cmp);
	ok(names.n >= 20, "found %zu case files", names.n);
	for (size_t i = 0; i < names.n; i++)
		run_case(names.v[i]);
	strvec_clear(&names);
}

/* ------------------------------------------------------------------ */
/* Inline cases                                                        */
/* ------------------------------------------------------------------ */

/* Builds text as "t.sub"; returns 0/-1 and leaves the message in err. */
static int
build_text(const char *text, size_t len, struct submit_result *r,
	   struct error *err, struct submit **sp)
{
	struct submit_config cfg;
	config_for_tests(&cfg);
	struct submit *s = submit_new(&cfg);
	error_clear(err);
	memset(r, 0, sizeof(*r));
	int rc = submit_parse_text(s, "t.sub", text, len, err);
	if (rc == 0)
		rc = submit_build(s, 1, r, err);
	if (sp)
		*sp = s;
	else
		submit_free(s);
	return rc;
}

static void
expect_error(const char *text, const char *msg)
{
	struct submit_result r;
	struct error err;
	int rc = build_text(text, strlen(text), &r, &err, NULL);
	ok(rc < 0, "rejected: %s", msg);
	is_str(err.msg, msg, "message: %s", msg);
	submit_result_release(&r);
}

static void
test_errors(void)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "executable = /bin/sh\nhold = yes\nqueue\n",
		  "t.sub:2: hold=yes is invalid, must eval to a boolean." },
		{ "executable = /no/such/program\nqueue\n",
		  "t.sub:1: Can't access executable file /no/such/program: No such file or directory" },
		{ "executable = /bin/sh\n",
		  "\"t.sub\" doesn't contain any \"queue\" commands -- no jobs queued" },
		{ "executable = /bin/sh\n= oops\nqueue\n",
		  "t.sub:2: syntax error: missing a name before '='" },
		{ "executable = /bin/sh\nfoo bar baz\nqueue\n",
		  "t.sub:2: syntax error: 'foo bar baz' is neither 'name = value' nor a queue statement" },
		{ "executable = /bin/sh\nfoo$bar = 1\nqueue\n",
		  "t.sub:2: Illegal Identifier: foo$bar" },
		{ "arguments = 1\nqueue\n",
		  "t.sub:2: No 'executable' parameter was provided" },
		{ "executable = /bin/sh\ninitialdir = /no/such/dir\nqueue\n",
		  "t.sub:2: No such directory: /no/such/dir" },
		{ "executable = /bin/sh\nqueue -1\n",
		  "t.sub:2: Queue count out of range: -1" },
		{ "executable = /bin/sh\nqueue 2000000\n",
		  "t.sub:2: number of procs exceeds SUBMIT_MAX_PROCS_IN_CLUSTER (1000000)" },
		{ "executable = /bin/sh\nqueue lots\n",
		  "t.sub:2: Invalid Queue count expression: lots" },
		{ "executable = /bin/sh\nqueue x in (a b\n",
		  "t.sub:2: Reached end of file without finding closing brace ')' for Queue command on line 2" },
		{ "executable = /bin/sh\npriority = high\nqueue\n",
		  "t.sub:2: priority=high is invalid, must eval to an integer." },
		{ "executable = /bin/sh\nkill_sig = 99\nqueue\n", "t.sub:2: invalid signal 99" },
		{ "executable = /bin/sh\nkill_sig = TERM\nqueue\n", "t.sub:2: invalid signal TERM" },
		{ "executable = /bin/sh\nnotification = sometimes\nqueue\n",
		  "t.sub:2: Notification must be 'Never', 'Always', 'Complete', 'Start', or 'Error'" },
		{ "executable = /bin/sh\n+Foo = a b c\nqueue\n",
		  "t.sub:2: Parse error in expression: Foo = a b c" },
		{ "executable = /bin/sh\non_exit_remove = (ExitCode ==\nqueue\n",
		  "t.sub:2: Parse error in expression: OnExitRemove = (ExitCode ==" },
		{ "executable = /bin/sh\narguments = a\"b\nqueue\n",
		  "t.sub:2: Found illegal unescaped double-quote: \"b. The full arguments you specified were: a\"b" },
		{ "executable = /bin/sh\narguments = \"it's\"\nqueue\n",
		  "t.sub:2: Unbalanced single quote starting here: 's. The full arguments you specified were: \"it's\"" },
		{ "executable = /bin/sh\nuniverse = scheduler\nqueue\n",
		  "t.sub:2: 'Scheduler' is not a supported universe.  condorlet runs vanilla universe jobs only." },
		{ "executable = /bin/sh\nuniverse = outer_space\nqueue\n",
		  "t.sub:2: I don't know about the 'outer_space' universe." },
		{ "executable = /bin/sh\nshould_transfer_files = NO\ntransfer_input_files = a\nqueue\n",
		  "t.sub:2: you specified files you want Condor to transfer via \"transfer_input_files\", but you disabled should_transfer_files." },
		{ "executable = /bin/sh\nshould_transfer_files = NO\nwhen_to_transfer_output = ON_EXIT\nqueue\n",
		  "t.sub:3: WhenToTransferOutput specified as \"ON_EXIT\" yet ShouldTransferFiles defined as \"NO\".  Please remove this contradiction from your submit file and try again." },
		{ "executable = /bin/sh\nshould_transfer_files = maybe\nqueue\n",
		  "t.sub:2: invalid value (\"maybe\") for ShouldTransferFiles.  Please either specify \"YES\", \"NO\", or \"IF_NEEDED\" and try again." },
		{ "executable = /bin/sh\nwhen_to_transfer_output = later\nqueue\n",
		  "t.sub:2: invalid value (\"later\") for WhenToTransferOutput.  Please either specify \"ON_EXIT\", or \"ON_EXIT_OR_EVICT\" and try again." },
		{ "executable = /bin/sh\nA = $(B)x\nB = $(A)y\narguments = $(A)\nqueue\n",
		  "t.sub:4: macro 'A' is defined in terms of itself" },
		{ "executable = /bin/sh\nA = $(A)\narguments = $(A)\nqueue\n", NULL },
		{ "executable = /bin/sh\nqueue x from /no/such/items\n",
		  "t.sub:2: can't open queue items file /no/such/items: No such file or directory" },
		{ "executable = /bin/sh\nqueue x from ls |\n",
		  "t.sub:2: queue ... from a command ('ls |') is not supported" },
		{ "executable = /bin/sh\nqueue in [0:2:-1] (a b)\n",
		  "t.sub:2: invalid Queue statement: bad slice" },
		{ "executable = /bin/sh\nif true\nqueue\n", "t.sub:2: if without endif" },
		{ "executable = /bin/sh\nendif\nqueue\n", "t.sub:2: endif without a matching if" },
		{ "executable = /bin/sh\nerror : no $(x:good)\nqueue\n", "t.sub:2: no good" },
		{ "executable = /bin/sh\ninclude : /no/such/file.sub\nqueue\n",
		  "t.sub:2: Failed to open command file (/no/such/file.sub) (No such file or directory)" },
		{ "executable = /bin/sh\nx = $INT(y)\narguments = $(x)\ny = pi\nqueue\n",
		  "t.sub:3: $INT() macro: pi does not evaluate to an integer" },
		{ "executable = /bin/sh\narguments = $INT(3,%s)\nqueue\n",
		  "t.sub:2: $INT() macro: bad format '%s'" },
		{ "executable = /bin/sh\narguments = $CHOICE(5,a,b)\nqueue\n",
		  "t.sub:2: $CHOICE() macro: index 5 is out of range" },
		{ "executable = /bin/sh\nmax_retries = 3\nretry_until = ExitCode ==\nqueue\n",
		  "t.sub:3: retry_until=ExitCode == is invalid, it must be an integer or boolean expression." },
		{ "executable = /bin/sh\n+Bad.Name = 1\nqueue\n", "t.sub:2: invalid attribute name 'Bad.Name'" },
		{ "executable = /bin/sh\n+Owner = \"mallory\"\nqueue\n",
		  "t.sub:2: Owner = \"mallory\": jobs can only be submitted as the submitting user (alice)" },
		{ "executable = /bin/sh\nMY.User = \"alice@elsewhere\"\nqueue\n",
		  "t.sub:2: User = \"alice@elsewhere\": jobs can only be submitted as the submitting user (alice@example.org)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].msg == NULL) {
			/* a self-reference without an earlier value is empty */
			struct submit_result r;
			struct error err;
			int rc = build_text(cases[i].text, strlen(cases[i].text), &r, &err, NULL);
			ok(rc == 0, "self-reference without earlier value: %s", err.msg);
			submit_result_release(&r);
			continue;
		}
		expect_error(cases[i].text, cases[i].msg);
	}
}

static void
test_hostile(void)
{
	struct submit_result r;
	struct error err;
	struct strbuf sb = STRBUF_INIT;

	strbuf_adds(&sb, "executable = /bin/sh\narguments = ");
	strbuf_addchars(&sb, 'a', (1u << 20) + 10);
	strbuf_adds(&sb, "\nqueue\n");
	ok(build_text(sb.buf, sb.len, &r, &err, NULL) < 0, "an oversized line is refused");
	is_str(err.msg, "t.sub:2: line is longer than 1048576 bytes", "oversized line message");
	submit_result_release(&r);

	strbuf_reset(&sb);
	strbuf_adds(&sb, "executable = /bin/sh\nA = x\n");
	for (int i = 0; i < 22; i++)
		strbuf_addf(&sb, "A = $(A)$(A)\n");
	strbuf_adds(&sb, "arguments = $(A)\nqueue\n");
	ok(build_text(sb.buf, sb.len, &r, &err, NULL) < 0, "an exploding macro is refused");
	ok(strstr(err.msg, "longer than") != NULL, "explosion message: %s", err.msg);
	submit_result_release(&r);

	strbuf_reset(&sb);
	strbuf_adds(&sb, "executable = /bin/sh\n");
	for (int i = 0; i < 40; i++)
		strbuf_addf(&sb, "A%d = $(A%d)\n", i, i + 1);
	strbuf_adds(&sb, "A40 = end\narguments = $(A0)\nqueue\n");
	ok(build_text(sb.buf, sb.len, &r, &err, NULL) < 0, "deep nesting is refused");
	ok(strstr(err.msg, "nested more than 32 deep") != NULL, "nesting message: %s", err.msg);
	submit_result_release(&r);

	static const char nul[] = "executable = /bin/sh\nqueue\0\n";
	ok(build_text(nul, sizeof(nul) - 1, &r, &err, NULL) < 0, "a NUL byte is refused");
	is_str(err.msg, "t.sub:2: NUL byte in the submit description (is it a binary file?)",
	       "NUL message");
	submit_result_release(&r);

	static const char utf[] = "executable = /bin/sh\narguments = \xff\xfe\xc3\x28 ok\n"
				  "+Note = \"\xe2\x28\xa1\"\nqueue\n";
	ok(build_text(utf, sizeof(utf) - 1, &r, &err, NULL) == 0,
	   "invalid UTF-8 passes through: %s", err.msg);
	const char *args = r.nprocs ? classad_lookup_text(r.cluster_ad, "Args") : NULL;
	ok(args && strstr(args, "\xff\xfe") != NULL, "the bytes are kept");
	submit_result_release(&r);

	/* every byte value on its own line, as random garbage would have */
	strbuf_reset(&sb);
	for (int c = 1; c < 256; c++) {
		strbuf_addc(&sb, (char)c);
		strbuf_adds(&sb, c % 7 ? " = x\n" : "\n");
	}
	ok(build_text(sb.buf, sb.len, &r, &err, NULL) < 0, "garbage is refused: %s", err.msg);
	submit_result_release(&r);

	strbuf_reset(&sb);
	strbuf_adds(&sb, "executable = /bin/sh\n");
	for (int i = 0; i < 5000; i++)
		strbuf_addf(&sb, "unused%d = %d\n+Attr%d = %d\n", i, i, i, i);
	strbuf_adds(&sb, "queue 2\n+Attr7 = 8\nqueue\n");
	struct submit *s = NULL;
	ok(build_text(sb.buf, sb.len, &r, &err, &s) == 0, "many lines and attributes: %s",
	   err.msg);
	is_int(submit_warning_count(s), 101, "warnings are capped");
	is_str(submit_warning_at(s, 100), "(more warnings not shown)", "... and say so");
	if (r.nprocs == 3)
		is_str(classad_lookup_text(r.procs[2], "Attr7"), "8", "a later statement's change");
	submit_result_release(&r);
	submit_free(s);

	strbuf_reset(&sb);
	strbuf_adds(&sb, "executable = /bin/sh\n");
	for (int i = 0; i < 40; i++)
		strbuf_adds(&sb, "if true\n");
	strbuf_adds(&sb, "queue\n");
	ok(build_text(sb.buf, sb.len, &r, &err, NULL) < 0, "deeply nested ifs are refused");
	submit_result_release(&r);
	strbuf_release(&sb);
}

static double
now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_many_procs(void)
{
	static const char text[] = "executable = /bin/sh\narguments = $(Process)\n"
				   "output = out.$(Cluster)\nqueue 100000\n";
	struct submit_result r;
	struct error err;
	double t0 = now_seconds();
	int rc = build_text(text, sizeof(text) - 1, &r, &err, NULL);
	double t = now_seconds() - t0;
	ok(rc == 0, "queue 100000 builds: %s", err.msg);
	is_int(r.nprocs, 100000, "100000 procs");
	diag("building 100000 procs took %.3f s", t);
	ok(t < 5.0, "in reasonable time");
	if (r.nprocs == 100000) {
		is_str(classad_lookup_text(r.procs[99999], "Args"), "\"99999\"", "last proc's Args");
		ok(!classad_has_own(r.cluster_ad, "Args"), "Args is not in the cluster ad");
		ok(classad_has_own(r.cluster_ad, "Out"), "Out (constant) is in the cluster ad");
		ok(!classad_has_own(r.procs[5], "Out"), "... and not in the proc ads");
		is_int(classad_size(r.procs[5]), 3, "proc ads hold ProcId, JobStatus, Args");
	}
	submit_result_release(&r);
}

static void
test_args_env(void)
{
	struct strvec v = { 0 };
	struct strbuf why = STRBUF_INIT, out = STRBUF_INIT, body = STRBUF_INIT;

	ok(args_split_v1("one \\\"two\\\" 'three'", &v, &why) == 0, "V1 split");
	args_join_v1(&v, &out);
	is_str(out.buf, "one \"two\" 'three'", "V1 raw");
	strvec_clear(&v);
	strbuf_reset(&out);

	ok(args_unquote_v2("\"-one 'The Quicker, Redder Fox' '-two other stuff'\"", &body, &why) == 0,
	   "V2 unquote");
	ok(args_split_v2(body.buf, &v, &why) == 0, "V2 split");
	is_int(v.n, 3, "three arguments");
	args_join_v2(&v, &out);
	is_str(out.buf, "-one The' 'Quicker,' 'Redder' 'Fox -two' 'other' 'stuff",
	       "V2 raw as HTCondor writes it");
	strvec_clear(&v);
	strbuf_reset(&out);
	strbuf_reset(&body);

	ok(args_unquote_v2("\"one \"\"two\"\" 'spacey ''quoted'' argument' ''\"", &body, &why) == 0,
	   "V2 with quotes");
	ok(args_split_v2(body.buf, &v, &why) == 0, "split");
	is_int(v.n, 4, "four arguments");
	if (v.n == 4) {
		is_str(v.v[1], "\"two\"", "doubled double quote");
		is_str(v.v[2], "spacey 'quoted' argument", "doubled single quote");
		is_str(v.v[3], "", "empty argument");
	}
	strvec_clear(&v);
	strbuf_release(&why);
	strbuf_release(&out);
	strbuf_release(&body);

	struct envset e = { 0 };
	bool v1;
	struct strbuf w = STRBUF_INIT, o = STRBUF_INIT;
	ok(envset_parse(&e, "b=2;a=1 ;c=\"q 'x'\"", &v1, &w) == 0 && v1, "V1 environment");
	envset_format_v2(&e, &o);
	is_str(o.buf, "a=1 b=2 c=\"q' '''x''''\"", "sorted, quoted V2 form");
	strbuf_reset(&o);
	envset_import(&e, test_env, "PATH, !SECRET, l*");
	envset_format_v1(&e, &o);
	is_str(o.buf, "LANG=C;PATH=/usr/bin:/bin;a=1;b=2;c=\"q 'x'\"", "matchlist import");
	envset_release(&e);
	strbuf_release(&w);
	strbuf_release(&o);

	is_str(submit_signal_name("15"), "SIGTERM", "signal number");
	is_str(submit_signal_name(" sigusr2 "), "SIGUSR2", "signal name");
	ok(submit_signal_name("USR2") == NULL, "name without SIG");
	ok(submit_signal_name("0") == NULL, "signal 0");
}

static void
test_stdin_items(void)
{
	struct submit_config cfg;
	struct error err;
	config_for_tests(&cfg);
	struct submit *s = submit_new(&cfg);
	static const char text[] = "executable=/bin/sh\nqueue x from -\n";
	struct submit_result r;
	int fds[2];
	if (pipe(fds) < 0)
		return;
	int saved = dup(0);
	(void)!write(fds[1], "p\nq\n", 4);
	close(fds[1]);
	dup2(fds[0], 0);
	close(fds[0]);
	ok(submit_parse_text(s, "t.sub", text, sizeof(text) - 1, &err) == 0, "parse");
	ok(submit_build(s, 3, &r, &err) == 0, "queue from - reads stdin: %s", err.msg);
	is_int(r.nprocs, 2, "two items from stdin");
	submit_result_release(&r);
	submit_free(s);
	dup2(saved, 0);
	close(saved);

	cfg.allow_stdin_items = false;
	s = submit_new(&cfg);
	ok(submit_parse_text(s, "t.sub", text, sizeof(text) - 1, &err) == 0, "parse");
	ok(submit_build(s, 3, &r, &err) < 0, "queue from - refused when stdin is taken");
	is_str(err.msg, "t.sub:2: QUEUE FROM - (read from stdin) is not allowed in this context",
	       "message");
	submit_free(s);
}

static void
test_verbose_format(void)
{
	static const char text[] = "executable = /bin/sh\nqueue\n";
	struct submit_result r;
	struct error err;
	struct strbuf sb = STRBUF_INIT;
	ok(build_text(text, sizeof(text) - 1, &r, &err, NULL) == 0, "build");
	submit_format_verbose(&r, 0, &sb);
	ok(strncmp(sb.buf, "\n** Proc 1.0:\nArguments = \"\"\nClusterId = 1\nCmd = \"/bin/sh\"\n", 55) == 0,
	   "verbose: header, then sorted Name = value");
	ok(strstr(sb.buf, "\nProcId = 0\n") != NULL, "verbose has the proc's own attributes");
	strbuf_reset(&sb);
	submit_format_dry_run(&r, 0, &sb);
	ok(strncmp(sb.buf, "\nClusterId=1\nIn=\"/dev/null\"\nCmd=\"/bin/sh\"\nErr=", 46) == 0,
	   "dry-run: blank line, ClusterId, then by length");
	ok(strstr(sb.buf, "\nProcId=0\nJobStatus=1\n") != NULL, "dry-run proc section");
	strbuf_release(&sb);
	submit_result_release(&r);
}

int
main(int argc, char **argv)
{
	plan_lazy();
	char *dir = NULL;
	if (argc > 1) {
		dir = xstrdup(argv[1]);
	} else {
		const char *src = getenv("CONDORLET_SRCDIR");
		dir = xasprintf("%s/tests/unit/submit", src ? src : ".");
	}
	char *abs = realpath(dir, NULL);
	casedir = abs ? abs : dir;
	run_cases();
	test_errors();
	test_hostile();
	test_many_procs();
	test_args_env();
	test_stdin_items();
	test_verbose_format();
	free(dir);
	free(abs);
	return tap_done();
}
