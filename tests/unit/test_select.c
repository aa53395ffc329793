/* test_select.c - job selection (libcore/select.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "classad.h"
#include "error.h"
#include "select.h"
#include "strbuf.h"
#include "tap.h"
#include "banned.h"

/* A small queue: (cluster, proc, owner, status). */
static const struct {
	int cluster, proc;
	const char *owner;
	int status;
} jobs[] = {
	{ 1, 0, "alice", 1 }, { 1, 1, "alice", 5 },
	{ 2, 0, "bob", 1 },   { 2, 1, "bob", 5 },
	{ 3, 0, "Alice", 5 }, { 4, 0, "carol", 1 },
};
#define NJOBS (sizeof(jobs) / sizeof(jobs[0]))

static struct classad *ads[NJOBS];

static void
make_ads(void)
{
	for (size_t i = 0; i < NJOBS; i++) {
		ads[i] = classad_new();
		classad_set_int(ads[i], "ClusterId", jobs[i].cluster);
		classad_set_int(ads[i], "ProcId", jobs[i].proc);
		classad_set_string(ads[i], "Owner", jobs[i].owner);
		classad_set_int(ads[i], "JobStatus", jobs[i].status);
	}
}

/* Which jobs match, as "1.0 2.1 ..." */
static char *
matches(const struct job_select *s)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < NJOBS; i++)
		if (select_match(s, jobs[i].cluster, jobs[i].proc, ads[i]))
			strbuf_addf(&sb, "%s%d.%d", sb.len ? " " : "",
				    jobs[i].cluster, jobs[i].proc);
	return strbuf_detach(&sb, NULL);
}

/*
 * Builds a selection from words: "-all", "-c EXPR" (a constraint), or an
 * argument.  Returns NULL (with err) at the first refusal.
 */
static struct job_select *
build(enum select_style style, const char *const *words, struct error *err)
{
	struct job_select *s = select_new(style);
	error_clear(err);
	for (size_t i = 0; words[i] != NULL; i++) {
		int rc;
		if (strcmp(words[i], "-all") == 0)
			rc = select_add_all(s, err);
		else if (strcmp(words[i], "-c") == 0)
			rc = select_add_constraint(s, words[++i], err);
		else
			rc = select_add_arg(s, words[i], err);
		if (rc < 0) {
			select_free(s);
			return NULL;
		}
	}
	return s;
}

struct match_case {
	enum select_style style;
	const char *words[6];
	const char *want;	/* matching jobs */
	const char *describe;	/* select_describe, for SELECT_ACTION */
};

static const struct match_case match_cases[] = {
	/* SELECT_ACTION: ids, clusters and owners are alternatives ... */
	{ SELECT_ACTION, { "1.1", NULL }, "1.1", "" },
	{ SELECT_ACTION, { "2", NULL }, "2.0 2.1", "in cluster 2" },
	{ SELECT_ACTION, { "002", NULL }, "2.0 2.1", "in cluster 2" },
	{ SELECT_ACTION, { "bob", NULL }, "2.0 2.1", "of user \"bob\"" },
	{ SELECT_ACTION, { "alice", NULL }, "1.0 1.1 3.0", "of user \"alice\"" },
	{ SELECT_ACTION, { "1", "2", NULL }, "1.0 1.1 2.0 2.1",
	  "matching constraint (ClusterId == 1 || ClusterId == 2)" },
	{ SELECT_ACTION, { "bob", "4", "1.0", NULL }, "1.0 2.0 2.1 4.0",
	  "matching constraint (Owner == \"bob\" || ClusterId == 4)" },
	{ SELECT_ACTION, { "1.0", "1.0", "4.0", NULL }, "1.0 4.0", "" },
	/* ... and constraints narrow the cluster/owner group. */
	{ SELECT_ACTION, { "-c", "JobStatus == 5", NULL }, "1.1 2.1 3.0",
	  "matching constraint (JobStatus == 5)" },
	{ SELECT_ACTION, { "bob", "-c", "JobStatus == 5", NULL }, "2.1",
	  "matching constraint ((JobStatus == 5) && (Owner == \"bob\"))" },
	{ SELECT_ACTION, { "1", "2", "-c", "JobStatus == 1", NULL }, "1.0 2.0",
	  "matching constraint ((JobStatus == 1) && "
	  "(ClusterId == 1 || ClusterId == 2))" },
	{ SELECT_ACTION, { "-c", "JobStatus == 1", "-c", "ClusterId > 1", NULL },
	  "2.0 4.0", "matching constraint ((JobStatus == 1) && (ClusterId > 1))" },
	/* An id is acted on whatever the constraint says. */
	{ SELECT_ACTION, { "4.0", "-c", "JobStatus == 5", NULL }, "1.1 2.1 3.0 4.0",
	  "matching constraint (JobStatus == 5)" },
	{ SELECT_ACTION, { "-all", NULL }, "1.0 1.1 2.0 2.1 3.0 4.0", "" },
	{ SELECT_ACTION, { "nobody", NULL }, "", "of user \"nobody\"" },
	{ SELECT_ACTION, { "9", NULL }, "", "in cluster 9" },
	{ SELECT_ACTION, { "first.last", NULL }, "", "of user \"first.last\"" },
	{ SELECT_ACTION, { "1.2.3", NULL }, "", "of user \"1.2.3\"" },
	{ SELECT_ACTION, { NULL }, "", "" },
	/* SELECT_QUERY: ids/clusters OR, owners OR, the groups AND. */
	{ SELECT_QUERY, { NULL }, "1.0 1.1 2.0 2.1 3.0 4.0", NULL },
	{ SELECT_QUERY, { "1", "2.1", NULL }, "1.0 1.1 2.1", NULL },
	{ SELECT_QUERY, { "bob", "carol", NULL }, "2.0 2.1 4.0", NULL },
	{ SELECT_QUERY, { "alice", "1", "3", NULL }, "1.0 1.1 3.0", NULL },
	{ SELECT_QUERY, { "bob", "1", NULL }, "", NULL },
	{ SELECT_QUERY, { "bob", "-c", "JobStatus == 5", NULL }, "2.1", NULL },
	{ SELECT_QUERY, { "-c", "JobStatus == 1", "-c", "ClusterId < 4", NULL },
	  "1.0 2.0", NULL },
	{ SELECT_QUERY, { "-all", "bob", NULL }, "2.0 2.1", NULL },
	{ SELECT_QUERY, { "bob", "-all", NULL }, "2.0 2.1", NULL },
};

static void
test_matching(void)
{
	for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *mc = &match_cases[i];
		struct strbuf name = STRBUF_INIT;
		strbuf_adds(&name, mc->style == SELECT_ACTION ? "action:" : "query:");
		for (size_t w = 0; mc->words[w]; w++)
			strbuf_addf(&name, " '%s'", mc->words[w]);
		struct error err;
		struct job_select *s = build(mc->style, mc->words, &err);
		if (!ok(s != NULL, "%s is accepted", name.buf)) {
			diag("  error: %s", err.msg);
			strbuf_release(&name);
			continue;
		}
		char *got = matches(s);
		is_str(got, mc->want, "%s matches", name.buf);
		free(got);
		if (mc->describe != NULL) {
			struct strbuf d = STRBUF_INIT;
			select_describe(s, &d);
			is_str(d.buf, mc->describe, "%s is described", name.buf);
			strbuf_release(&d);
		}
		select_free(s);
		strbuf_release(&name);
	}
}

struct bad_case {
	enum select_style style;
	const char *words[4];
	const char *message;	/* a part of the error message */
};

static const struct bad_case bad_cases[] = {
	{ SELECT_ACTION, { "0", NULL }, "Invalid cluster # from 0." },
	{ SELECT_ACTION, { "000", NULL }, "Invalid cluster # from 000." },
	{ SELECT_ACTION, { "0.1", NULL }, "Invalid cluster # from 0.1." },
	{ SELECT_ACTION, { "99999999999999999999", NULL },
	  "Invalid cluster # from 99999999999999999999." },
	{ SELECT_ACTION, { "2147483648", NULL }, "Invalid cluster # from 2147483648." },
	{ SELECT_ACTION, { "99999999999999999999999999999999999999.0", NULL },
	  "Invalid cluster #" },
	{ SELECT_ACTION, { "1.99999999999999999999", NULL },
	  "Invalid proc # from 1.99999999999999999999." },
	{ SELECT_ACTION, { "../../x", NULL }, "Invalid user name \"../../x\"" },
	{ SELECT_ACTION, { "/etc/passwd", NULL }, "Invalid user name" },
	{ SELECT_ACTION, { "", NULL }, "Invalid user name" },
	{ SELECT_ACTION, { "1;rm", NULL }, "Invalid user name" },
	{ SELECT_ACTION, { "a b", NULL }, "Invalid user name" },
	{ SELECT_ACTION, { "al\"ice", NULL }, "Invalid user name" },
	{ SELECT_ACTION, { ".hidden", NULL }, "Invalid user name" },
	{ SELECT_ACTION, { "-x", NULL }, "Invalid user name" },
	{ SELECT_ACTION, { "esc\x1b[2J", NULL }, "esc\\x1b[2J" },
	{ SELECT_QUERY, { "0", NULL }, "Invalid cluster # from 0." },
	{ SELECT_QUERY, { "../x", NULL }, "Invalid user name" },
	/* -all cannot be mixed, in either order, for actions. */
	{ SELECT_ACTION, { "1", "-all", NULL }, "can't mix -all with other constraints" },
	{ SELECT_ACTION, { "1.0", "-all", NULL }, "can't mix -all" },
	{ SELECT_ACTION, { "-all", "1.0", NULL }, "can't mix -all" },
	{ SELECT_ACTION, { "-all", "alice", NULL }, "can't mix -all" },
	{ SELECT_ACTION, { "-all", "-c", "true", NULL }, "can't mix -all" },
	{ SELECT_ACTION, { "-c", "true", "-all", NULL }, "can't mix -all" },
	/* Constraints must parse. */
	{ SELECT_ACTION, { "-c", "JobStatus == == 1", NULL }, "invalid constraint" },
	{ SELECT_QUERY, { "-c", "(", NULL }, "invalid constraint" },
};

static void
test_refusals(void)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		struct strbuf name = STRBUF_INIT;
		for (size_t w = 0; bc->words[w]; w++)
			strbuf_addf(&name, " '%s'", bc->words[w]);
		struct error err;
		struct job_select *s = build(bc->style, bc->words, &err);
		ok(s == NULL, "refused:%s", name.buf);
		ok(strstr(err.msg, bc->message) != NULL, "message for%s", name.buf);
		if (strstr(err.msg, bc->message) == NULL)
			diag("  got: '%s'\n#   want a part: '%s'", err.msg, bc->message);
		select_free(s);
		strbuf_release(&name);
	}
	/* A long hostile name is cut short in the message. */
	char big[4096];
	memset(big, '/', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	struct job_select *s = select_new(SELECT_ACTION);
	struct error err;
	is_int(select_add_arg(s, big, &err), -1, "a 4 KiB name is refused");
	ok(strlen(err.msg) < 300, "and its message stays short (%zu)", strlen(err.msg));
	/* Too long a user name, even made of good characters. */
	memset(big, 'a', sizeof(big) - 1);
	is_int(select_add_arg(s, big, &err), -1, "a 4 KiB user name is refused");
	ok(select_is_empty(s), "refused arguments leave nothing behind");
	select_free(s);
}

static void
test_queries(void)
{
	struct error err;
	struct job_select *s = select_new(SELECT_ACTION);
	int c = -1, p = -1;
	ok(select_is_empty(s), "a new selection is empty");
	ok(!select_single_job(s, &c, &p), "an empty selection names no job");
	is_int(select_add_arg(s, "635.7", &err), 0, "add 635.7");
	ok(!select_is_empty(s), "no longer empty");
	ok(select_single_job(s, &c, &p) && c == 635 && p == 7, "it names job 635.7");
	is_int(select_add_arg(s, "635.8", &err), 0, "add 635.8");
	ok(!select_single_job(s, &c, &p), "two ids are not a single job");
	select_free(s);

	s = select_new(SELECT_ACTION);
	is_int(select_add_arg(s, "635", &err), 0, "add 635");
	ok(!select_single_job(s, &c, &p), "a cluster is not a single job");
	select_free(s);

	s = select_new(SELECT_ACTION);
	is_int(select_add_all(s, &err), 0, "-all alone");
	ok(!select_is_empty(s), "-all is not empty");
	ok(!select_single_job(s, &c, &p), "-all is not a single job");
	select_free(s);

	s = select_new(SELECT_ACTION);
	is_int(select_add_constraint(s, "true", &err), 0, "a constraint alone");
	ok(!select_is_empty(s), "a constraint is not empty");
	select_free(s);

	select_free(NULL);
	ok(1, "select_free(NULL) is harmless");
}

int
main(void)
{
	plan_lazy();
	make_ads();
	test_matching();
	test_refusals();
	test_queries();
	for (size_t i = 0; i < NJOBS; i++)
		classad_free(ads[i]);
	return tap_done();
}
