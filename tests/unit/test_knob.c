/* test_knob.c - unit tests of the configuration module (knob.h). */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "knob.h"
#include "strbuf.h"
#include "xalloc.h"
#include "tap.h"

extern char **environ;

static char *scratch;

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(path);
}

static char *
path_in(const char *name)
{
	return fileio_join(scratch, name);
}

/* Writes text to scratch/name and returns the path (caller frees). */
static char *
write_conf(const char *name, const char *text)
{
	char *p = path_in(name);
	char *dir = fileio_dirname(p);
	struct error err;
	if (fileio_mkdirs(dir, 0755, &err) < 0 ||
	    fileio_replace(p, text, strlen(text), 0644, &err) < 0)
		diag("cannot write %s: %s", p, err.msg);
	free(dir);
	return p;
}

/* Removes every _CONDOR_ variable the test runner may have inherited. */
static void
clear_condor_env(void)
{
	for (;;) {
		char **ep = environ;
		while (*ep != NULL && strncasecmp(*ep, "_condor_", 8) != 0)
			ep++;
		if (*ep == NULL)
			return;
		char *name = xstrndup(*ep, strcspn(*ep, "="));
		unsetenv(name);
		free(name);
	}
}

static struct knobs *
load_only_env(void)
{
	struct error err;
	setenv("CONDOR_CONFIG", "ONLY_ENV", 1);
	error_clear(&err);
	struct knobs *k = knobs_load(&err);
	if (k == NULL)
		diag("knobs_load: %s", err.msg);
	return k;
}

/* Loads with CONDOR_CONFIG naming a file holding text. */
static struct knobs *
load_text(const char *text, struct error *err, char **pathp)
{
	char *p = write_conf("main.conf", text);
	setenv("CONDOR_CONFIG", p, 1);
	error_clear(err);
	struct knobs *k = knobs_load(err);
	if (pathp != NULL)
		*pathp = p;
	else
		free(p);
	return k;
}

static void
is_knob(const struct knobs *k, const char *name, const char *want, const char *what)
{
	char *v = knob_get(k, name);
	is_str(v, want, "%s", what);
	free(v);
}

static void
test_defaults(void)
{
	char *state = path_in("state"), *want_local, buf[64];
	setenv("XDG_STATE_HOME", state, 1);
	struct knobs *k = load_only_env();
	ok(k != NULL, "defaults load with CONDOR_CONFIG=ONLY_ENV");
	if (k == NULL)
		return;
	want_local = geteuid() == 0 ? xstrdup("/var/lib/condorlet")
				    : fileio_join(state, "condorlet");
	is_knob(k, "LOCAL_DIR", want_local, "LOCAL_DIR default depends on the user");
	char *want = fileio_join(want_local, "spool");
	is_knob(k, "SPOOL", want, "SPOOL is $(LOCAL_DIR)/spool");
	free(want);
	want = fileio_join(want_local, "log");
	is_knob(k, "LOCK", want, "LOCK is $(LOG) expanded");
	is_knob(k, "RUN", want, "RUN is $(LOCK) expanded");
	free(want);
	want = fileio_join(want_local, "spool/history");
	is_knob(k, "HISTORY", want, "HISTORY is under SPOOL");
	free(want);
	is_str(knob_raw(k, "SPOOL"), "$(LOCAL_DIR)/spool", "raw value is unexpanded");
	int line = -1;
	is_str(knob_origin(k, "SPOOL", &line), "<default>", "origin of a default");
	is_int(line, 0, "a default has no line");
	snprintf(buf, sizeof(buf), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	is_knob(k, "NUM_CPUS", buf, "NUM_CPUS is the detected CPU count");
	is_knob(k, "DETECTED_CPUS", buf, "DETECTED_CPUS is detected");
	is_int(knob_get_int(k, "MachineMaxVacateTime", 0), 600, "MachineMaxVacateTime 600");
	ok(!knob_get_bool(k, "PERIODIC_CHECKPOINT", true), "PERIODIC_CHECKPOINT false");
	ok(knob_get_bool(k, "AUTOSTART_MASTER", false), "AUTOSTART_MASTER true");
	is_knob(k, "QUEUE_SUPER_USERS", "root", "QUEUE_SUPER_USERS is root");
	is_int(knob_get_int(k, "PERIODIC_EXPR_INTERVAL", 0), 60, "PERIODIC_EXPR_INTERVAL");
	is_int(knob_get_int(k, "MAX_PERIODIC_EXPR_INTERVAL", 0), 1200,
	       "MAX_PERIODIC_EXPR_INTERVAL");
	is_int(knob_get_int(k, "JOB_DEFAULT_REQUESTMEMORY", 0), 128, "request memory");
	is_int(knob_get_int(k, "JOB_DEFAULT_REQUESTCPUS", 0), 1, "request cpus");
	is_int(knob_get_int(k, "DEFAULT_JOB_MAX_RETRIES", 0), 2, "max retries");
	is_int(knob_get_int(k, "SUBMIT_MAX_PROCS_IN_CLUSTER", -1), 0, "procs unlimited");
	is_int(knob_get_int(k, "KILLING_TIMEOUT", 0), 30, "KILLING_TIMEOUT");
	is_int(knob_get_int(k, "HOUR", 0), 3600, "HOUR");
	ok(knob_get_bool(k, "CONDOR_Q_ONLY_MY_JOBS", false), "CONDOR_Q_ONLY_MY_JOBS");
	ok(strstr(knob_raw(k, "JOB_DEFAULT_REQUESTDISK"), "TransferInputSizeMB") != NULL,
	   "REQUESTDISK is HTCondor's expression");
	is_knob(k, "OPSYS", "LINUX", "OPSYS from uname");
	char *fq = knob_get(k, "FULL_HOSTNAME"), *uid = knob_get(k, "UID_DOMAIN");
	ok(fq != NULL && *fq != '\0', "FULL_HOSTNAME is detected");
	is_str(uid, fq, "UID_DOMAIN is $(FULL_HOSTNAME)");
	free(fq);
	free(uid);
	ok(knob_get(k, "NO_SUCH_KNOB_HERE") == NULL, "an undefined knob is NULL");
	ok(knob_raw(k, "NO_SUCH_KNOB_HERE") == NULL, "and has no raw value");
	ok(knob_origin(k, "NO_SUCH_KNOB_HERE", &line) == NULL, "and no origin");
	is_int(knobs_file_count(k), 0, "ONLY_ENV reads no file");

	int sorted = 1;
	for (int i = 1; i < knobs_count(k); i++)
		if (strcasecmp(knob_name_at(k, i - 1), knob_name_at(k, i)) >= 0)
			sorted = 0;
	ok(sorted && knobs_count(k) > 30, "names iterate in case-insensitive order");
	ok(knob_name_at(k, knobs_count(k)) == NULL, "iteration past the end is NULL");
	knobs_free(k);
	free(want_local);
	free(state);
	unsetenv("XDG_STATE_HOME");
}

static void
test_case(void)
{
	struct knobs *k = load_only_env();
	char *a = knob_get(k, "spool"), *b = knob_get(k, "SpOoL");
	ok(a != NULL && b != NULL && strcmp(a, b) == 0, "names are case-insensitive");
	free(a);
	free(b);
	is_int(knob_get_int(k, "machinemaxvacatetime", 0), 600, "mixed-case default by any case");
	knobs_free(k);
}

static void
test_files(void)
{
	struct error err;
	char *xdg = path_in("xdg");
	char *user = write_conf("xdg/condorlet/condorlet.conf",
				"# user file\nSPOOL = \"/from/user\";\nUSERONLY = 1;\n");

	unsetenv("CONDOR_CONFIG");
	setenv("XDG_CONFIG_HOME", xdg, 1);
	error_clear(&err);
	struct knobs *k = knobs_load(&err);
	ok(k != NULL, "loads the XDG file when CONDOR_CONFIG is unset");
	if (k != NULL) {
		is_knob(k, "SPOOL", "/from/user", "the user file overrides the default");
		int line = 0;
		is_str(knob_origin(k, "spool", &line), user, "origin names the file");
		is_int(line, 2, "and the line");
		int found = 0;
		for (int i = 0; i < knobs_file_count(k); i++)
			found |= strcmp(knobs_file_at(k, i), user) == 0;
		ok(found, "the user file is listed as read");
		knobs_free(k);
	}

	/* CONDOR_CONFIG replaces the default files entirely. */
	char *path = NULL;
	k = load_text("Spool = \"/from/condor_config\";\n", &err, &path);
	ok(k != NULL, "CONDOR_CONFIG file loads");
	if (k != NULL) {
		is_knob(k, "SPOOL", "/from/condor_config", "CONDOR_CONFIG file wins");
		ok(knob_get(k, "USERONLY") == NULL, "and the XDG file is not read");
		int has_spool = 0;
		for (int i = 0; i < knobs_count(k); i++)
			has_spool |= strcmp(knob_name_at(k, i), "SPOOL") == 0;
		ok(has_spool, "the default's spelling of the name is kept");
		is_int(knobs_file_count(k), 1, "one file read");
		is_str(knobs_file_at(k, 0), path, "and it is CONDOR_CONFIG");
		knobs_free(k);
	}
	free(path);

	/* An XDG_CONFIG_HOME without the file is fine. */
	char *empty = path_in("nothing-here");
	unsetenv("CONDOR_CONFIG");
	setenv("XDG_CONFIG_HOME", empty, 1);
	error_clear(&err);
	k = knobs_load(&err);
	ok(k != NULL, "a missing default file is fine");
	knobs_free(k);
	free(empty);
	unsetenv("XDG_CONFIG_HOME");
	free(user);
	free(xdg);
}

static void
test_types_and_include(void)
{
	struct error err;
	free(write_conf("inc/extra.conf", "FROM_INCLUDE = \"yes\";\n"));
	char *path = NULL;
	struct knobs *k = load_text(
		"N = 42;\nBIG = 12345678901234L;\nF = 0.5;\nB = true;\nOFF = false;\n"
		"L = [\"a\", \"b\"];\nMIXED = (\"x\", 2, true);\n"
		"EXPR = \"10 * $(MINUTE) + (3 - 1) % 2\";\nTEXT = \"abc\";\n"
		"YES = \"Yes\";\nZERO = \"0\";\nHUGE = \"99999999999999999999\";\n"
		"DIV0 = \"1 / 0\";\nNEG = \"-5\";\nSPACEY = \"  7 \";\n"
		"@include \"inc/extra.conf\"\n", &err, &path);
	ok(k != NULL, "typed values load");
	if (k == NULL) {
		diag("%s", err.msg);
		free(path);
		return;
	}
	is_knob(k, "N", "42", "integers become text");
	is_knob(k, "BIG", "12345678901234", "64-bit integers too");
	is_knob(k, "F", "0.5", "floats in their shortest form");
	is_knob(k, "B", "true", "booleans as true");
	is_knob(k, "OFF", "false", "and false");
	is_knob(k, "L", "a, b", "arrays become comma lists");
	is_knob(k, "MIXED", "x, 2, true", "lists of mixed scalars too");
	is_int(knob_get_int(k, "N", 0), 42, "get_int");
	is_int(knob_get_int(k, "BIG", 0), 12345678901234LL, "get_int 64-bit");
	is_int(knob_get_int(k, "EXPR", 0), 600, "get_int evaluates simple arithmetic");
	is_int(knob_get_int(k, "TEXT", -3), -3, "get_int of text is the default");
	is_int(knob_get_int(k, "HUGE", -3), -3, "get_int on overflow is the default");
	is_int(knob_get_int(k, "DIV0", -3), -3, "get_int of 1/0 is the default");
	is_int(knob_get_int(k, "F", -3), -3, "get_int of a float is the default");
	is_int(knob_get_int(k, "NEG", 0), -5, "negative numbers");
	is_int(knob_get_int(k, "SPACEY", 0), 7, "white space is ignored");
	is_int(knob_get_int(k, "UNDEFINED_X", 9), 9, "get_int of undefined is the default");
	ok(knob_get_bool(k, "B", false), "get_bool true");
	ok(!knob_get_bool(k, "OFF", true), "get_bool false");
	ok(knob_get_bool(k, "YES", false), "get_bool yes, any case");
	ok(!knob_get_bool(k, "ZERO", true), "get_bool 0");
	ok(knob_get_bool(k, "N", false), "get_bool non-zero number");
	ok(knob_get_bool(k, "TEXT", true) && !knob_get_bool(k, "TEXT", false),
	   "get_bool of text is the default");
	ok(knob_get_bool(k, "UNDEFINED_X", true), "get_bool of undefined is the default");
	is_knob(k, "FROM_INCLUDE", "yes", "@include is read");
	char *inc = path_in("inc/extra.conf");
	int line = 0;
	is_str(knob_origin(k, "FROM_INCLUDE", &line), inc, "included origin is a full path");
	is_int(knobs_file_count(k), 2, "both files are listed");
	free(inc);
	knobs_free(k);
	free(path);
}

static void
test_env(void)
{
	struct error err;
	struct knobs *k;
	char *path = NULL;

	setenv("_condor_Spool", "  /from/env  ", 1);
	setenv("_CONDOR_NEWKNOB", "fresh", 1);
	setenv("_CONDOR_", "ignored", 1);
	setenv("_CoNdOr_PATHY", "$(PATHY):/env", 1);
	k = load_text("SPOOL = \"/from/file\";\nPATHY = \"/file\";\n", &err, &path);
	ok(k != NULL, "loads with environment overrides");
	if (k != NULL) {
		is_knob(k, "SPOOL", "/from/env", "environment beats the file, trimmed");
		const char *o = knob_origin(k, "SPOOL", NULL);
		ok(o != NULL && strncmp(o, "environment", 11) == 0, "origin is the environment");
		ok(o != NULL && strstr(o, "_condor_Spool") != NULL, "naming the variable");
		is_knob(k, "newknob", "fresh", "the environment defines new knobs");
		is_knob(k, "PATHY", "/file:/env", "self-reference extends the file's value");
		ok(knob_raw(k, "") == NULL, "an empty _CONDOR_ name is ignored");
		knobs_free(k);
	}
	unsetenv("_condor_Spool");
	unsetenv("_CONDOR_NEWKNOB");
	unsetenv("_CONDOR_");
	unsetenv("_CoNdOr_PATHY");
	free(path);
}

static void
test_expansion(void)
{
	struct error err;
	setenv("KNOBTEST_VAR", "from-env", 1);
	unsetenv("KNOBTEST_UNSET");
	struct knobs *k = load_text(
		"A = \"$(B)/x\";\nB = \"b$(C)\";\nC = \"c\";\n"
		"DFLT = \"$(UNDEFINED_Q:fallback $(C))\";\nNONE = \"[$(UNDEFINED_Q)]\";\n"
		"ENVV = \"$ENV(KNOBTEST_VAR)\";\nENVD = \"$ENV(KNOBTEST_UNSET:dflt)\";\n"
		"JOBREF = \"$$(Memory)\";\nDOL = \"$(DOLLAR)5\";\nFUNC = \"$RANDOM_INTEGER(1,2)\";\n"
		"UNCLOSED = \"$(A\";\nSPOOL = \"$(SPOOL)/more\";\n"
		"X = \"<$(Y)>\";\nY = \"($(X))\";\nSELF = \"a$(SELF)b\";\n", &err, NULL);
	ok(k != NULL, "expansion file loads");
	if (k == NULL) {
		diag("%s", err.msg);
		return;
	}
	is_knob(k, "A", "bc/x", "$(NAME) expands recursively");
	is_knob(k, "DFLT", "fallback c", "$(NAME:default) expands the default");
	is_knob(k, "NONE", "[]", "an undefined reference is empty");
	is_knob(k, "ENVV", "from-env", "$ENV(VAR)");
	is_knob(k, "ENVD", "dflt", "$ENV(VAR:default)");
	is_knob(k, "JOBREF", "$$(Memory)", "$$(...) is left for the job ad");
	is_knob(k, "DOL", "$5", "$(DOLLAR)");
	is_knob(k, "FUNC", "$RANDOM_INTEGER(1,2)", "unknown $FUNC() is literal");
	is_knob(k, "UNCLOSED", "$(A", "an unclosed reference is literal");
	is_str(knob_raw(k, "SPOOL"), "$(LOCAL_DIR)/spool/more",
	       "self-reference takes the previous definition");
	is_knob(k, "X", "<()>", "a reference cycle expands to empty");
	is_knob(k, "Y", "(<>)", "from either end");
	is_knob(k, "SELF", "ab", "self-reference with nothing before is empty");
	knobs_free(k);
	unsetenv("KNOBTEST_VAR");
}

static void
test_bounds(void)
{
	struct error err;
	struct strbuf sb = STRBUF_INIT;

	/* 40 levels of doubling: 2^40 references unless the work is bounded. */
	for (int i = 0; i < 40; i++)
		strbuf_addf(&sb, "K%d = \"$(K%d)$(K%d)x\";\n", i, i + 1, i + 1);
	strbuf_addf(&sb, "K40 = \"%s\";\n", "0123456789abcdef0123456789abcdef");
	/* Deeply nested defaults must not exhaust the C stack. */
	strbuf_adds(&sb, "NEST = \"");
	for (int i = 0; i < 20000; i++)
		strbuf_adds(&sb, "$(U:");
	for (int i = 0; i < 20000; i++)
		strbuf_addc(&sb, ')');
	strbuf_adds(&sb, "\";\n");
	struct knobs *k = load_text(sb.buf, &err, NULL);
	strbuf_release(&sb);
	ok(k != NULL, "bound-testing file loads");
	if (k == NULL) {
		diag("%s", err.msg);
		return;
	}
	time_t t0 = time(NULL);
	char *v = knob_get(k, "K0");
	ok(v != NULL && strlen(v) <= 256 * 1024, "exponential expansion is capped (%zu bytes)",
	   v ? strlen(v) : 0);
	free(v);
	v = knob_get(k, "NEST");
	ok(v != NULL, "deep nesting returns");
	free(v);
	ok(time(NULL) - t0 < 10, "and quickly");
	knobs_free(k);
}

static void
test_errors(void)
{
	struct error err;
	char *path = NULL;
	char want[4096];

	struct knobs *k = load_text("A = 1;\nB = ;\n", &err, &path);
	ok(k == NULL, "a syntax error fails the load");
	snprintf(want, sizeof(want), "%s:2: ", path);
	ok(strncmp(err.msg, want, strlen(want)) == 0, "message names file:line (%s)", err.msg);
	free(path);

	k = load_text("A = 1;\nG = { x = 1; };\n", &err, &path);
	ok(k == NULL, "a group is rejected");
	snprintf(want, sizeof(want), "%s:2: knob G: groups are not supported", path);
	is_str(err.msg, want, "with file, line and knob");
	free(path);

	k = load_text("L = ([1], 2);\n", &err, &path);
	ok(k == NULL, "a nested list is rejected");
	free(path);

	k = load_text("a-b = 1;\n", &err, &path);
	ok(k == NULL, "a name HTCondor cannot use is rejected");
	ok(strstr(err.msg, ":1: knob a-b") != NULL, "naming it (%s)", err.msg);
	free(path);

	k = load_text("A = 1;\nA = 2;\n", &err, &path);
	ok(k == NULL && strstr(err.msg, ":2: ") != NULL, "a duplicate is an error at its line");
	free(path);

	k = load_text("@include \"no/such/file.conf\"\n", &err, &path);
	ok(k == NULL && strstr(err.msg, ":1: ") != NULL, "a missing include is an error");
	free(path);

	char *missing = path_in("does-not-exist.conf");
	setenv("CONDOR_CONFIG", missing, 1);
	error_clear(&err);
	k = knobs_load(&err);
	ok(k == NULL, "a missing CONDOR_CONFIG file is an error");
	ok(strstr(err.msg, missing) != NULL && strstr(err.msg, "does not exist") != NULL,
	   "naming the file (%s)", err.msg);
	free(missing);

	setenv("CONDOR_CONFIG", scratch, 1);
	error_clear(&err);
	k = knobs_load(&err);
	ok(k == NULL && strstr(err.msg, "Is a directory") != NULL,
	   "a directory is an error (%s)", err.msg);

	char *xdg = path_in("badxdg");
	free(write_conf("badxdg/condorlet/condorlet.conf", "X = \"unterminated;\n"));
	unsetenv("CONDOR_CONFIG");
	setenv("XDG_CONFIG_HOME", xdg, 1);
	error_clear(&err);
	k = knobs_load(&err);
	ok(k == NULL && strstr(err.msg, "badxdg/condorlet/condorlet.conf:") != NULL,
	   "a malformed default file is an error too (%s)", err.msg);
	unsetenv("XDG_CONFIG_HOME");
	free(xdg);
	knobs_free(NULL);
	ok(1, "knobs_free(NULL) is harmless");
}

int
main(void)
{
	char tmpl[] = "/tmp/test_knob.XXXXXX";
	const char *tmpdir = getenv("TMPDIR");
	plan_lazy();
	clear_condor_env();
	scratch = tmpdir && *tmpdir ? xasprintf("%s/test_knob.XXXXXX", tmpdir) : xstrdup(tmpl);
	if (mkdtemp(scratch) == NULL) {
		printf("Bail out! mkdtemp %s failed\n", scratch);
		return 1;
	}

	test_defaults();
	test_case();
	test_files();
	test_types_and_include();
	test_env();
	test_expansion();
	test_bounds();
	test_errors();

	nftw(scratch, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(scratch);
	return tap_done();
}
