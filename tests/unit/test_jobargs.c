/*
 * test_jobargs.c - splitting a job ad's Arguments/Args and Environment/Env
 * into argv and envp: the raw forms directly, and round trips through
 * condor_submit (libcore/submit) with the examples of HTCondor's manual
 * (reference htcondor-cli.md 2.1a).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classad.h"
#include "error.h"
#include "jobargs.h"
#include "strbuf.h"
#include "submit.h"
#include "xalloc.h"
#include "tap.h"
#include "banned.h"

/* "a|b|c": the vector joined with '|' (NULL for a NULL vector). */
static char *
joined(char **v)
{
	if (v == NULL)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; v[i]; i++)
		strbuf_addf(&sb, "%s%s", i ? "|" : "", v[i]);
	return strbuf_detach(&sb, NULL);
}

static void
check_vec(char **v, const char *want, const char *name)
{
	char *got = joined(v);
	is_str(got, want, "%s", name);
	free(got);
	jobargs_free(v);
}

static void
test_raw_args(void)
{
	struct error err = { "" };
	size_t n = 99;
	check_vec(jobargs_split_v1("  one \"two\"  'three'\t", &n),
		  "one|\"two\"|'three'", "V1 raw: whitespace only, quotes are text");
	is_int(n, 3, "V1 count");
	check_vec(jobargs_split_v1("", &n), "", "V1 empty");
	is_int(n, 0, "V1 empty count");
	check_vec(jobargs_split_v1(NULL, NULL), "", "V1 NULL");
	check_vec(jobargs_split_v2("one two' 'with' 'spaces 3", &n, &err),
		  "one|two with spaces|3", "V2 raw: quoted runs join a word");
	check_vec(jobargs_split_v2("'' a '''' b\\c \"d\"", &n, &err),
		  "|a|'|b\\c|\"d\"", "V2: empty word, literal quote, backslash");
	is_int(n, 5, "V2 count");
	char **v = jobargs_split_v2("a 'unbalanced", &n, &err);
	ok(v == NULL, "V2 unbalanced quote is refused");
	ok(strstr(err.msg, "nbalanced") != NULL, "message: %s", err.msg);
}

static void
test_raw_env(void)
{
	struct error err = { "" };
	struct jobenv *e = jobenv_new();
	ok(jobenv_parse_v2(e, "one=1 two=\"2\" three='spacey ''quoted'' value' "
			   "empty=", &err) == 0, "V2 env parses");
	is_int(jobenv_count(e), 4, "four variables");
	is_str(jobenv_get(e, "two"), "\"2\"", "double quotes are text");
	is_str(jobenv_get(e, "three"), "spacey 'quoted' value", "single quotes group");
	is_str(jobenv_get(e, "empty"), "", "empty value");
	ok(jobenv_get(e, "nope") == NULL, "absent name");
	ok(jobenv_parse_v1(e, " one=uno ; four=4;;x=a=b ", ';', &err) == 0,
	   "V1 env parses");
	is_str(jobenv_get(e, "one"), "uno", "a later entry replaces");
	is_str(jobenv_get(e, "x"), "a=b", "value keeps '='");
	jobenv_set(e, "four", "no", false);
	is_str(jobenv_get(e, "four"), "4", "set without replace keeps");
	jobenv_set(e, "four", "yes", true);
	is_str(jobenv_get(e, "four"), "yes", "set with replace replaces");
	char **envp = jobenv_envp(e);
	check_vec(envp, "empty=|four=yes|one=uno|three=spacey 'quoted' value|"
		  "two=\"2\"|x=a=b", "envp in name order");
	is_str(jobenv_name_at(e, 0), "empty", "name_at");
	is_str(jobenv_value_at(e, 1), "yes", "value_at");
	ok(jobenv_name_at(e, 99) == NULL, "name_at past the end");
	ok(jobenv_parse_v1(e, "noequals", ';', &err) == -1, "V1 entry without '='");
	ok(strstr(err.msg, "noequals") != NULL, "message names it: %s", err.msg);
	ok(jobenv_parse_v2(e, "=x", &err) == -1, "empty name refused");
	ok(jobenv_parse_v2(e, "a='x", &err) == -1, "V2 unbalanced quote");
	jobenv_free(e);
	jobenv_free(NULL);
}

/* Builds one job from a submit description and returns its flat ad. */
static struct classad *
submit_one(const char *text)
{
	struct submit_config cfg;
	submit_config_init(&cfg);
	cfg.cwd = "/";
	cfg.owner = "alice";
	char *const envp[] = { "FROMSUBMIT=yes", "PATH=/bin", NULL };
	cfg.envp = envp;
	cfg.allow_getenv = true;
	struct submit *s = submit_new(&cfg);
	struct submit_result r = { 0 };
	struct error err = { "" };
	struct classad *flat = NULL;
	if (submit_parse_text(s, "t.sub", text, strlen(text), &err) == 0 &&
	    submit_build(s, 1, &r, &err) == 0 && r.nprocs == 1)
		flat = classad_flatten(r.procs[0]);
	else
		diag("submit failed: %s", err.msg);
	submit_result_release(&r);
	submit_free(s);
	return flat;
}

static void
args_case(const char *line, const char *want, const char *name)
{
	char *text = xasprintf("executable = /bin/sh\n%s\nqueue\n", line);
	struct classad *ad = submit_one(text);
	struct error err = { "" };
	char **v = ad ? jobargs_from_ad(ad, NULL, &err) : NULL;
	check_vec(v, want, name);
	classad_free(ad);
	free(text);
}

static void
env_case(const char *line, const char *want, const char *name)
{
	char *text = xasprintf("executable = /bin/sh\n%s\nqueue\n", line);
	struct classad *ad = submit_one(text);
	struct error err = { "" };
	struct jobenv *e = jobenv_new();
	int rc = ad ? jobenv_from_ad(e, ad, &err) : -1;
	check_vec(rc == 0 ? jobenv_envp(e) : NULL, want, name);
	jobenv_free(e);
	classad_free(ad);
	free(text);
}

static void
test_round_trips(void)
{
	args_case("arguments = one \\\"two\\\" 'three'", "one|\"two\"|'three'",
		  "old syntax: \\\" is a quote, single quotes are text");
	args_case("arguments = \"one 'two with spaces' 3\"",
		  "one|two with spaces|3", "new syntax: single quotes group");
	args_case("arguments = \"one \"\"two\"\" 'spacey ''quoted'' argument'\"",
		  "one|\"two\"|spacey 'quoted' argument",
		  "new syntax: doubled quotes");
	args_case("arguments = \"a\\b '' c\\\"", "a\\b||c\\",
		  "new syntax: backslash is ordinary, '' is an empty argument");
	args_case("arguments2 = \"x 'y z'\"", "x|y z", "arguments2");
	args_case("", "", "no arguments");
	env_case("environment = \"one=1 two=\"\"2\"\" three='spacey ''quoted'' value'\"",
		 "one=1|three=spacey 'quoted' value|two=\"2\"",
		 "new environment syntax");
	env_case("environment = one=1;two=2;three=\"quotes have no 'special' meaning\"",
		 "one=1|three=\"quotes have no 'special' meaning\"|two=2",
		 "old environment syntax");
	env_case("env = a=1;b=two words", "a=1|b=two words", "env (V1, Env + EnvDelim)");
	env_case("environment = \"A=1\"\ngetenv = FROM*", "A=1|FROMSUBMIT=yes",
		 "getenv merged at submit");
	env_case("environment = \"PATH=/mine\"\ngetenv = true",
		 "FROMSUBMIT=yes|PATH=/mine", "environment wins over getenv");
}

static void
test_hostile_ads(void)
{
	struct error err = { "" };
	struct classad *ad = classad_new();
	classad_set_string(ad, "Arguments", "ok 'broken");
	ok(jobargs_from_ad(ad, NULL, &err) == NULL, "bad Arguments refused");
	ok(strstr(err.msg, "Arguments") != NULL, "message names the attribute: %s",
	   err.msg);
	classad_set_int(ad, "Arguments", 5);
	classad_set_string(ad, "Args", "x y");
	check_vec(jobargs_from_ad(ad, NULL, &err), "x|y",
		  "a non-string Arguments falls back to Args");
	classad_set_string(ad, "Env", "a:1|b:2");
	classad_set_string(ad, "EnvDelim", "|");
	struct jobenv *e = jobenv_new();
	ok(jobenv_from_ad(e, ad, &err) == -1, "Env entries without '='");
	ok(strstr(err.msg, "Env") != NULL, "message names Env: %s", err.msg);
	classad_set_string(ad, "Env", "a=1|b=2");
	ok(jobenv_from_ad(e, ad, &err) == 0, "Env with EnvDelim '|'");
	is_str(jobenv_get(e, "b"), "2", "EnvDelim honoured");
	jobenv_free(e);
	classad_free(ad);
}

int
main(void)
{
	plan_lazy();
	test_raw_args();
	test_raw_env();
	test_round_trips();
	test_hostile_ads();
	return tap_done();
}
