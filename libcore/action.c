/*
 * action.c - the job-action engine and its descriptors; see action.h.
 *
 * The engine is the one place that knows the order HTCondor's schedd
 * checks things in (actOnJobs): the job must exist, its state must allow
 * the action, then the caller must own it (or be a queue super user).
 * Per-job work is kept to lookups of literal attributes and queue_set_attr
 * calls with texts built once per command, so a 100,000-job command
 * spends its time in the queue, not here.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "action.h"
#include "classad.h"
#include "error.h"
#include "queue.h"
#include "select.h"
#include "strbuf.h"
#include "ulog.h"
#include "xalloc.h"
#include "banned.h"

/* JobStatus values (reference/htcondor-cli.md 3.1). */
enum {
	ST_RUNNING = 2,
	ST_REMOVED = 3,
	ST_COMPLETED = 4,
	ST_HELD = 5,
	ST_TRANSFERRING_OUTPUT = 6,
};

/* HoldReasonCode values (reference/htcondor-cli.md 3.2). */
enum {
	HOLD_USER_REQUEST = 1,
	HOLD_SPOOLING_INPUT = 16,
};

struct action_ctx {
	const struct action_request *req;
	struct queue *q;
	struct ulog_batch *log;
	time_t now;
	char now_text[24];
	char subcode_text[16];
	char *reason;		/* "via condor_hold (by user alice)", or NULL */
	char *reason_text;	/* the same as a ClassAd string literal */
	char *body;		/* the event body, or NULL */
	char *owner_text;	/* the caller as a ClassAd string literal */
	bool super;		/* the caller may act on anyone's jobs */
};

/* ------------------------------------------------------------------ */
/* Attribute changes                                                   */
/* ------------------------------------------------------------------ */

static int
set_attr(struct action_ctx *c, int cl, int pr, const char *name,
	 const char *text, struct error *err)
{
	return queue_set_attr(c->q, cl, pr, name, text, err);
}

/*
 * Makes name undefined for the job.  A value the job inherits from its
 * cluster ad cannot be deleted from the proc alone, so it is masked with
 * an explicit undefined (which every reader treats as absent).
 */
static int
drop_attr(struct action_ctx *c, int cl, int pr, const struct classad *job,
	  const char *name, struct error *err)
{
	const struct classad *parent = classad_parent(job);
	bool inherited = parent != NULL && classad_has(parent, name);
	if (classad_has_own(job, name) &&
	    queue_delete_attr(c->q, cl, pr, name, err) < 0)
		return -1;
	if (inherited)
		return set_attr(c, cl, pr, name, "undefined", err);
	return 0;
}

/* Copies from's value to `to` and drops from; nothing if from is absent. */
static int
move_attr(struct action_ctx *c, int cl, int pr, const struct classad *job,
	  const char *from, const char *to, struct error *err)
{
	const char *t = classad_lookup_text(job, from);
	if (t == NULL)
		return 0;
	char *copy = xstrdup(t);	/* t may not survive the next change */
	int rc = set_attr(c, cl, pr, to, copy, err);
	free(copy);
	if (rc < 0)
		return -1;
	return drop_attr(c, cl, pr, job, from, err);
}

static int
move_hold_reasons(struct action_ctx *c, int cl, int pr,
		  const struct classad *job, struct error *err)
{
	static const char *const names[][2] = {
		{ "HoldReason", "LastHoldReason" },
		{ "HoldReasonCode", "LastHoldReasonCode" },
		{ "HoldReasonSubCode", "LastHoldReasonSubCode" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (move_attr(c, cl, pr, job, names[i][0], names[i][1], err) < 0)
			return -1;
	return 0;
}

struct attr_text {
	const char *name, *text;
};

static int
set_all(struct action_ctx *c, int cl, int pr, const struct attr_text *a,
	size_t n, struct error *err)
{
	for (size_t i = 0; i < n; i++)
		if (set_attr(c, cl, pr, a[i].name, a[i].text, err) < 0)
			return -1;
	return 0;
}

static long long
get_int(const struct classad *job, const char *name, long long dflt)
{
	long long v;
	return classad_get_int(job, name, &v) ? v : dflt;
}

/* ------------------------------------------------------------------ */
/* hold                                                                */
/* ------------------------------------------------------------------ */

static enum action_result
check_hold(const struct classad *job, int status)
{
	if (status == ST_REMOVED || status == ST_COMPLETED)
		return ACTION_PERMISSION_DENIED;
	if (status == ST_HELD) {
		long long code = get_int(job, "HoldReasonCode", 0);
		/* A job held for another reason (a policy, hold = true at
		 * submit) is held again, now by the user. */
		if (code == HOLD_USER_REQUEST || code == HOLD_SPOOLING_INPUT)
			return ACTION_ALREADY_DONE;
	}
	return ACTION_OK;
}

static int
apply_hold(struct action_ctx *c, int cl, int pr, const struct classad *job,
	   struct error *err)
{
	long long holds = get_int(job, "NumHolds", 0);
	char holds_text[24];
	snprintf(holds_text, sizeof(holds_text), "%lld",
		 holds >= 0 && holds < LLONG_MAX ? holds + 1 : 1);
	const struct attr_text a[] = {
		{ "JobStatus", "5" },
		{ "HoldReason", c->reason_text },
		{ "HoldReasonCode", "1" },
		{ "HoldReasonSubCode", c->subcode_text },
		{ "EnteredCurrentStatus", c->now_text },
		{ "LastSuspensionTime", "0" },
		{ "NumHolds", holds_text },
	};
	if (set_all(c, cl, pr, a, sizeof(a) / sizeof(a[0]), err) < 0)
		return -1;
	return move_attr(c, cl, pr, job, "ReleaseReason", "LastReleaseReason", err);
}

static char *
body_hold(const struct action_ctx *c)
{
	return ulog_body_held(c->reason, HOLD_USER_REQUEST, c->req->subcode);
}

const struct action action_hold = {
	.verb = "hold",
	.past = "held",
	.default_reason = "via condor_hold",
	.already_done = "already held",
	.check = check_hold,
	.apply = apply_hold,
	.event = ULOG_HELD,
	.event_body = body_hold,
};

/* ------------------------------------------------------------------ */
/* release                                                             */
/* ------------------------------------------------------------------ */

static enum action_result
check_release(const struct classad *job, int status)
{
	if (status != ST_HELD)
		return ACTION_BAD_STATUS;
	/* Held while input is being spooled: only the spooling may end it. */
	if (get_int(job, "HoldReasonCode", 0) == HOLD_SPOOLING_INPUT)
		return ACTION_BAD_STATUS;
	return ACTION_OK;
}

/*
 * The job goes back to Idle.  HTCondor's JobStatusOnRelease can name
 * another state, but nothing in condorlet sets it, so it is only dropped.
 */
static int
apply_release(struct action_ctx *c, int cl, int pr, const struct classad *job,
	      struct error *err)
{
	const struct attr_text a[] = {
		{ "JobStatus", "1" },
		{ "ReleaseReason", c->reason_text },
		{ "EnteredCurrentStatus", c->now_text },
	};
	if (set_all(c, cl, pr, a, sizeof(a) / sizeof(a[0]), err) < 0 ||
	    move_hold_reasons(c, cl, pr, job, err) < 0)
		return -1;
	return drop_attr(c, cl, pr, job, "JobStatusOnRelease", err);
}

static char *
body_release(const struct action_ctx *c)
{
	return ulog_body_released(c->reason);
}

const struct action action_release = {
	.verb = "release",
	.past = "released",
	.default_reason = "via condor_release",
	.bad_status = "not held to be released",
	.check = check_release,
	.apply = apply_release,
	.event = ULOG_RELEASED,
	.event_body = body_release,
};

/* ------------------------------------------------------------------ */
/* rm                                                                  */
/* ------------------------------------------------------------------ */

static enum action_result
check_remove(const struct classad *job, int status)
{
	(void)job;
	return status == ST_REMOVED ? ACTION_ALREADY_DONE : ACTION_OK;
}

static int
apply_remove(struct action_ctx *c, int cl, int pr, const struct classad *job,
	     struct error *err)
{
	bool held = get_int(job, "JobStatus", 0) == ST_HELD;
	const struct attr_text a[] = {
		{ "JobStatus", "3" },
		{ "RemoveReason", c->reason_text },
		{ "EnteredCurrentStatus", c->now_text },
	};
	if (set_all(c, cl, pr, a, sizeof(a) / sizeof(a[0]), err) < 0)
		return -1;
	return held ? move_hold_reasons(c, cl, pr, job, err) : 0;
}

static char *
body_remove(const struct action_ctx *c)
{
	return ulog_body_aborted(c->reason);
}

const struct action action_remove = {
	.verb = "remove",
	.past = "marked for removal",
	.default_reason = "via condor_rm",
	.already_done = "already marked for removal",
	.check = check_remove,
	.apply = apply_remove,
	.event = ULOG_ABORTED,
	.event_body = body_remove,
	.leaves_queue = true,
};

/* ------------------------------------------------------------------ */
/* vacate                                                              */
/* ------------------------------------------------------------------ */

static enum action_result
check_vacate(const struct classad *job, int status)
{
	(void)job;
	return status == ST_RUNNING || status == ST_TRANSFERRING_OUTPUT
		       ? ACTION_OK
		       : ACTION_BAD_STATUS;
}

/* Records the request; a stronger one already recorded stays. */
static int
request_vacate(struct action_ctx *c, int cl, int pr, const struct classad *job,
	       long long how, struct error *err)
{
	long long now = get_int(job, ACTION_VACATE_ATTR, 0);
	if (now == ACTION_VACATE_FAST)
		return 0;
	char text[24];
	snprintf(text, sizeof(text), "%lld", how);
	return set_attr(c, cl, pr, ACTION_VACATE_ATTR, text, err);
}

static int
apply_vacate(struct action_ctx *c, int cl, int pr, const struct classad *job,
	     struct error *err)
{
	return request_vacate(c, cl, pr, job, ACTION_VACATE_GRACEFUL, err);
}

static int
apply_vacate_fast(struct action_ctx *c, int cl, int pr, const struct classad *job,
		  struct error *err)
{
	return request_vacate(c, cl, pr, job, ACTION_VACATE_FAST, err);
}

/* No event: the daemon logs 004 once the job has left its slot. */
const struct action action_vacate = {
	.verb = "vacate",
	.past = "vacated",
	.bad_status = "not running to be vacated",
	.check = check_vacate,
	.apply = apply_vacate,
};

const struct action action_vacate_fast = {
	.verb = "fast-vacate",
	.past = "fast-vacated",
	.bad_status = "not running to be fast-vacated",
	.check = check_vacate,
	.apply = apply_vacate_fast,
};

/* ------------------------------------------------------------------ */
/* The engine                                                          */
/* ------------------------------------------------------------------ */

bool
action_is_super_user(const char *super_users, const char *user)
{
	const char *p = super_users != NULL ? super_users : "root";
	size_t ulen = strlen(user);
	while (*p) {
		size_t n = strcspn(p, ", \t\r\n");
		if (n == ulen && n > 0 && strncmp(p, user, n) == 0)
			return true;
		p += n;
		p += strspn(p, ", \t\r\n");
	}
	return false;
}

static bool
owns(const struct action_ctx *c, const struct classad *job)
{
	if (c->super)
		return true;
	const char *t = classad_lookup_text(job, "Owner");
	if (t == NULL)
		return false;
	if (strcmp(t, c->owner_text) == 0)
		return true;
	/* Not the plain literal we expected: evaluate it. */
	char *owner = classad_get_string(job, "Owner");
	bool yes = owner != NULL && strcmp(owner, c->req->user) == 0;
	free(owner);
	return yes;
}

/* The schedd's order: the state decides before ownership does.
 * *status gets the job's JobStatus. */
static enum action_result
consider(const struct action_ctx *c, const struct classad *job, int *status)
{
	long long st;
	if (!classad_get_int(job, "JobStatus", &st))
		return ACTION_NOT_FOUND;
	*status = st < INT_MIN || st > INT_MAX ? 0 : (int)st;
	enum action_result r = c->req->action->check(job, *status);
	if (r == ACTION_OK && !owns(c, job))
		r = ACTION_PERMISSION_DENIED;
	return r;
}

/* Applies the action to one job that passed consider(), in status. */
static int
act(struct action_ctx *c, int cl, int pr, const struct classad *job,
    int status, struct error *err)
{
	const struct action *a = c->req->action;
	bool running = status == ST_RUNNING || status == ST_TRANSFERRING_OUTPUT;
	if (a->apply != NULL && a->apply(c, cl, pr, job, err) < 0)
		return -1;
	/* Logged now, written after the commit: the ad is gone once the
	 * job leaves the queue.  A running job's event (012, 009) must
	 * follow the 004 of its stopped run, which only the daemon can
	 * write once the run is over: the daemon logs both. */
	if (c->body != NULL && !running)
		ulog_add_job(c->log, job, a->event, c->now, c->body);
	/* A running job stays until the daemon has stopped it. */
	if (a->leaves_queue && !running)
		return queue_remove_job(c->q, cl, pr, err);
	return 0;
}

static int
act_on_ids(struct action_ctx *c, struct action_report *rep, struct error *err)
{
	const struct action_request *req = c->req;
	for (size_t i = 0; i < req->nids; i++) {
		int cl = req->ids[i].cluster, pr = req->ids[i].proc;
		const struct classad *job = queue_find(c->q, cl, pr);
		int status = 0;
		enum action_result r = job ? consider(c, job, &status)
					   : ACTION_NOT_FOUND;
		if (r == ACTION_OK) {
			if (act(c, cl, pr, job, status, err) < 0)
				return -1;
			rep->ids_done++;
		}
		rep->id_results[i] = r;
	}
	return 0;
}

struct found_job {
	int cluster, proc, status;
	const struct classad *job;
};

/* Matching jobs are collected first and changed afterwards, so removing
 * a job never disturbs the iteration that found it. */
static int
act_on_selection(struct action_ctx *c, struct action_report *rep,
		 struct error *err)
{
	/* Sized for the whole queue at once: growing it step by step in a
	 * heap full of freed parser scraps costs more than the walk. */
	size_t n = 0, alloc = queue_job_count(c->q) + 1;
	struct found_job *found = xreallocarray(NULL, alloc, sizeof(*found));
	struct queue_iter it = { 0 };
	int cl, pr, status;
	const struct classad *job;
	while ((job = queue_next(c->q, &it, &cl, &pr)) != NULL) {
		if (!select_match(c->req->sel, cl, pr, job) ||
		    consider(c, job, &status) != ACTION_OK)
			continue;
		XGROW(found, n + 1, alloc);
		found[n++] = (struct found_job){ cl, pr, status, job };
	}
	for (size_t i = 0; i < n; i++) {
		struct found_job *f = &found[i];
		if (act(c, f->cluster, f->proc, f->job, f->status, err) < 0) {
			free(found);
			return -1;
		}
		rep->sel_done++;
	}
	free(found);
	return 0;
}

static void
ctx_init(struct action_ctx *c, const struct action_request *req)
{
	const struct action *a = req->action;
	memset(c, 0, sizeof(*c));
	c->req = req;
	c->now = req->now ? req->now : time(NULL);
	snprintf(c->now_text, sizeof(c->now_text), "%lld", (long long)c->now);
	snprintf(c->subcode_text, sizeof(c->subcode_text), "%d", req->subcode);
	const char *why = req->reason ? req->reason : a->default_reason;
	struct strbuf sb = STRBUF_INIT;
	if (why != NULL) {
		c->reason = xasprintf("%s (by user %s)", why, req->user);
		cval_quote_string(c->reason, &sb);
		c->reason_text = strbuf_detach(&sb, NULL);
	}
	cval_quote_string(req->user, &sb);
	c->owner_text = strbuf_detach(&sb, NULL);
	c->super = action_is_super_user(req->super_users, req->user);
	if (a->event_body != NULL)
		c->body = a->event_body(c);
	c->log = ulog_batch_new();
}

static void
ctx_release(struct action_ctx *c)
{
	free(c->reason);
	free(c->reason_text);
	free(c->owner_text);
	free(c->body);
	ulog_batch_free(c->log);
}

void
action_report_release(struct action_report *rep)
{
	free(rep->id_results);
	free(rep->log_error);
	memset(rep, 0, sizeof(*rep));
}

int
action_run(const struct action_request *req, struct action_report *rep,
	   struct error *err)
{
	memset(rep, 0, sizeof(*rep));
	struct queue *q = queue_open(req->spool, QUEUE_WRITE, err);
	if (q == NULL)
		return -1;
	struct action_ctx c;
	ctx_init(&c, req);
	c.q = q;
	rep->id_results = xcalloc(req->nids ? req->nids : 1,
				  sizeof(*rep->id_results));
	rep->queue_jobs = queue_job_count(q);
	if (act_on_ids(&c, rep, err) < 0 ||
	    (req->sel != NULL && act_on_selection(&c, rep, err) < 0) ||
	    (rep->ids_done + rep->sel_done > 0 && queue_commit(q, err) < 0))
		goto fail;
	/* Still under the queue lock, so events of concurrent commands
	 * reach each log in commit order. */
	struct error lerr;
	error_clear(&lerr);
	if (ulog_flush(c.log, &lerr) < 0) {
		rep->log_failed = true;
		rep->log_error = xstrdup(lerr.msg);
	}
	queue_close(q);
	ctx_release(&c);
	return 0;
fail:
	queue_close(q);
	ctx_release(&c);
	action_report_release(rep);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */
/* ------------------------------------------------------------------ */

bool
action_result_message(const struct action *a, enum action_result r,
		      int cluster, int proc, struct strbuf *out)
{
	const char *state = NULL;
	switch (r) {
	case ACTION_OK:
		strbuf_addf(out, "Job %d.%d %s", cluster, proc, a->past);
		return true;
	case ACTION_NOT_FOUND:
		strbuf_addf(out, "Job %d.%d not found", cluster, proc);
		return false;
	case ACTION_PERMISSION_DENIED:
		strbuf_addf(out, "Permission denied to %s job %d.%d", a->verb,
			    cluster, proc);
		return false;
	case ACTION_BAD_STATUS:
		state = a->bad_status;
		break;
	case ACTION_ALREADY_DONE:
		state = a->already_done;
		break;
	}
	if (state != NULL)
		strbuf_addf(out, "Job %d.%d %s", cluster, proc, state);
	else
		strbuf_addf(out, "Invalid result for job %d.%d", cluster, proc);
	return false;
}

enum action_sel_outcome
action_sel_outcome(const struct action_request *req,
		   const struct action_report *rep)
{
	if (req->sel == NULL)
		return ACTION_SEL_NONE;
	if (rep->sel_done > 0)
		return ACTION_SEL_DONE;
	return rep->queue_jobs == 0 ? ACTION_SEL_EMPTY_QUEUE : ACTION_SEL_FAILED;
}

void
action_sel_message(const struct action_request *req, enum action_sel_outcome o,
		   const char *tool, struct strbuf *out)
{
	struct strbuf what = STRBUF_INIT;
	if (req->sel != NULL) {
		strbuf_addc(&what, ' ');
		select_describe(req->sel, &what);
		if (what.len == 1)
			strbuf_reset(&what);
	}
	switch (o) {
	case ACTION_SEL_NONE:
		break;
	case ACTION_SEL_DONE:
		strbuf_addf(out, "All jobs%s have been %s", what.buf,
			    req->action->past);
		break;
	case ACTION_SEL_EMPTY_QUEUE:
		strbuf_addf(out, "%s:0:There are no jobs in the queue", tool);
		break;
	case ACTION_SEL_FAILED:
		strbuf_addf(out, "Couldn't find/%s all jobs%s", req->action->verb,
			    what.buf);
		break;
	}
	strbuf_release(&what);
}

bool
action_failed(const struct action_request *req, const struct action_report *rep)
{
	if (req->nids > 0 && rep->ids_done == 0)
		return true;
	return action_sel_outcome(req, rep) == ACTION_SEL_FAILED;
}
