/*
 * test_action.c - the vacate descriptors of the job-action engine: which
 * states they accept, the request they record (and never weaken), their
 * messages, and that they log no event and change no JobStatus (the daemon
 * does both once the job has left its slot).
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "action.h"
#include "classad.h"
#include "error.h"
#include "queue.h"
#include "select.h"
#include "strbuf.h"
#include "xalloc.h"
#include "tap.h"
#include "banned.h"

static char *scratch;

/* Cluster 1: procs 0..4 in states Running, Idle, Held, Running,
 * TransferringOutput, all owned by alice; each logs to log. */
static char *
make_queue(const char *name)
{
	char *spool = xasprintf("%s/%s", scratch, name);
	struct error err = { "" };
	struct queue *q = queue_open(spool, QUEUE_WRITE, &err);
	if (q == NULL) {
		diag("queue_open: %s", err.msg);
		return spool;
	}
	static const int states[] = { 2, 1, 5, 2, 6 };
	int id = queue_new_cluster_id(q);
	struct classad *cad = classad_new();
	classad_set_int(cad, "ClusterId", id);
	classad_set_string(cad, "Owner", "alice");
	char *log = xasprintf("%s.log", spool);
	classad_set_string(cad, "UserLog", log);
	free(log);
	struct classad *procs[5];
	for (int i = 0; i < 5; i++) {
		procs[i] = classad_new();
		classad_set_int(procs[i], "ProcId", i);
		classad_set_int(procs[i], "JobStatus", states[i]);
	}
	if (queue_add_cluster(q, id, cad, procs, 5, &err) < 0 ||
	    queue_commit(q, &err) < 0)
		diag("make_queue: %s", err.msg);
	queue_close(q);
	return spool;
}

/* "status request" of job 1.p, e.g. "2 1" or "1 undefined". */
static char *
state_of(const char *spool, int p)
{
	struct error err = { "" };
	struct queue *q = queue_open(spool, QUEUE_READ, &err);
	struct strbuf sb = STRBUF_INIT;
	const struct classad *job = q ? queue_find(q, 1, p) : NULL;
	long long st = -1, req = -1;
	if (job != NULL) {
		classad_get_int(job, "JobStatus", &st);
		if (classad_get_int(job, ACTION_VACATE_ATTR, &req))
			strbuf_addf(&sb, "%lld %lld", st, req);
		else
			strbuf_addf(&sb, "%lld undefined", st);
	}
	queue_close(q);
	return strbuf_detach(&sb, NULL);
}

static int
run(const char *spool, const struct action *a, const struct action_id *ids,
    size_t nids, const struct job_select *sel, const char *user,
    struct action_report *rep)
{
	struct action_request req = {
		.action = a,
		.spool = spool,
		.user = user,
		.ids = ids,
		.nids = nids,
		.sel = sel,
	};
	struct error err = { "" };
	int rc = action_run(&req, rep, &err);
	if (rc < 0)
		diag("action_run: %s", err.msg);
	return rc;
}

static void
expect_state(const char *spool, int p, const char *want, const char *what)
{
	char *got = state_of(spool, p);
	is_str(got, want, "%s: job 1.%d", what, p);
	free(got);
}

static void
test_ids(void)
{
	char *spool = make_queue("ids");
	struct action_id ids[] = { { 1, 0 }, { 1, 1 }, { 1, 2 }, { 1, 4 }, { 1, 9 } };
	struct action_report rep;
	ok(run(spool, &action_vacate, ids, 5, NULL, "alice", &rep) == 0, "vacate runs");
	is_int((int)rep.ids_done, 2, "the running and the transferring job");
	is_int(rep.id_results[0], ACTION_OK, "running: vacated");
	is_int(rep.id_results[1], ACTION_BAD_STATUS, "idle: not running");
	is_int(rep.id_results[2], ACTION_BAD_STATUS, "held: not running");
	is_int(rep.id_results[3], ACTION_OK, "transferring output: vacated");
	is_int(rep.id_results[4], ACTION_NOT_FOUND, "absent: not found");
	action_report_release(&rep);
	expect_state(spool, 0, "2 1", "JobStatus unchanged, graceful request");
	expect_state(spool, 1, "1 undefined", "idle untouched");
	expect_state(spool, 2, "5 undefined", "held untouched");
	expect_state(spool, 4, "6 1", "transferring");

	/* -fast strengthens a graceful request; a graceful one never
	 * weakens a fast one */
	ok(run(spool, &action_vacate_fast, ids, 1, NULL, "alice", &rep) == 0,
	   "fast vacate runs");
	action_report_release(&rep);
	expect_state(spool, 0, "2 2", "fast request");
	ok(run(spool, &action_vacate, ids, 1, NULL, "alice", &rep) == 0,
	   "graceful again");
	is_int(rep.id_results[0], ACTION_OK, "reported vacated");
	action_report_release(&rep);
	expect_state(spool, 0, "2 2", "still fast");

	/* someone else's job */
	ok(run(spool, &action_vacate, ids + 3, 1, NULL, "mallory", &rep) == 0,
	   "another user runs");
	is_int(rep.id_results[0], ACTION_PERMISSION_DENIED, "permission denied");
	action_report_release(&rep);
	expect_state(spool, 3, "2 undefined", "nothing recorded for mallory");

	/* no event: the daemon writes 004 once the job has left */
	char *log = xasprintf("%s.log", spool);
	struct stat st;
	ok(stat(log, &st) < 0 || st.st_size == 0, "no event logged");
	free(log);
	free(spool);
}

static void
test_selection(void)
{
	char *spool = make_queue("sel");
	struct error err = { "" };
	struct job_select *sel = select_new(SELECT_ACTION);
	ok(select_add_all(sel, &err) == 0, "-all");
	struct action_report rep;
	ok(run(spool, &action_vacate_fast, NULL, 0, sel, "alice", &rep) == 0,
	   "-fast -all runs");
	is_int((int)rep.sel_done, 3, "three jobs not idle nor held");
	struct action_request req = { .action = &action_vacate_fast, .sel = sel };
	struct strbuf sb = STRBUF_INIT;
	action_sel_message(&req, action_sel_outcome(&req, &rep), "condor_vacate_job", &sb);
	is_str(sb.buf, "All jobs have been fast-vacated", "selection message");
	action_report_release(&rep);
	expect_state(spool, 0, "2 2", "fast");
	expect_state(spool, 1, "1 undefined", "idle skipped");

	/* a cluster of only idle jobs: nothing to vacate */
	select_free(sel);
	sel = select_new(SELECT_ACTION);
	ok(select_add_constraint(sel, "JobStatus == 1", &err) == 0, "constraint");
	ok(run(spool, &action_vacate, NULL, 0, sel, "alice", &rep) == 0, "runs");
	req.action = &action_vacate;
	req.sel = sel;
	ok(action_failed(&req, &rep), "nothing vacated is a failure");
	strbuf_reset(&sb);
	action_sel_message(&req, action_sel_outcome(&req, &rep), "condor_vacate_job", &sb);
	is_str(sb.buf, "Couldn't find/vacate all jobs matching constraint (JobStatus == 1)",
	       "failure message");
	action_report_release(&rep);
	strbuf_release(&sb);
	select_free(sel);
	free(spool);
}

static void
test_messages(void)
{
	struct strbuf sb = STRBUF_INIT;
	static const struct {
		const struct action *a;
		enum action_result r;
		const char *want;
	} cases[] = {
		{ &action_vacate, ACTION_OK, "Job 635.0 vacated" },
		{ &action_vacate_fast, ACTION_OK, "Job 635.0 fast-vacated" },
		{ &action_vacate, ACTION_BAD_STATUS, "Job 635.0 not running to be vacated" },
		{ &action_vacate_fast, ACTION_BAD_STATUS,
		  "Job 635.0 not running to be fast-vacated" },
		{ &action_vacate, ACTION_PERMISSION_DENIED,
		  "Permission denied to vacate job 635.0" },
		{ &action_vacate_fast, ACTION_PERMISSION_DENIED,
		  "Permission denied to fast-vacate job 635.0" },
		{ &action_vacate, ACTION_NOT_FOUND, "Job 635.0 not found" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strbuf_reset(&sb);
		bool good = action_result_message(cases[i].a, cases[i].r, 635, 0, &sb);
		is_str(sb.buf, cases[i].want, "message %zu", i);
		ok(good == (cases[i].r == ACTION_OK), "stdout only for success %zu", i);
	}
	strbuf_release(&sb);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
main(void)
{
	plan_lazy();
	char tmpl[] = "/tmp/test_action.XXXXXX";
	const char *tmp = mkdtemp(tmpl);
	if (tmp == NULL)
		return 1;
	scratch = xstrdup(tmp);
	test_ids();
	test_selection();
	test_messages();
	nftw(scratch, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(scratch);
	return tap_done();
}
