/*
 * starter.c - one job's life in its sandbox (starter.h): set up, run the
 * job, restart it in place after each checkpoint, move its output, and
 * leave the result for the daemon.
 *
 * The order of a checkpoint is chosen for the job's sake: reap, commit to
 * the spool (the one step that must finish first: the restarted job may
 * overwrite its checkpoint files at once), restart, and only then log the
 * 040 events and update the queue's counters, in a child process (the
 * recorder, starter_exec.c) that the job never waits for.  A vacate or
 * kill that arrives during the commit is honoured before the restart; a
 * job that left the queue meanwhile is stopped.
 *
 * starter_run is a process's whole life: it blocks signals, becomes a
 * session leader and a child subreaper, and changes directory, so it must
 * run in a process of its own (condor_starter, or a forked test child).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "knob.h"
#include "policy.h"
#include "starter_int.h"
#include "transfer.h"
#include "xalloc.h"
#include "banned.h"

/* Sets the hold the result asks for (reasons are cut to fit). */
static void
hold(struct starter *st, int code, int subcode, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
hold(struct starter *st, int code, int subcode, const char *fmt, ...)
{
	va_list ap;
	st->res.hold_code = code;
	st->res.hold_subcode = subcode;
	va_start(ap, fmt);
	vsnprintf(st->res.hold_reason, sizeof(st->res.hold_reason), fmt, ap);
	va_end(ap);
}

/* The job's start failed; the result says why and holds the job. */
#define start_failed(st, ...) \
	((st)->res.outcome = STARTER_START_FAILED, hold((st), __VA_ARGS__))

/* HTCondor names the execution point in transfer failures. */
static char *
slot_name(const struct starter *st)
{
	char host[256] = "localhost";
	char *remote = NULL;
	if (st->job.ad != NULL)
		remote = classad_get_string(st->job.ad, "RemoteHost");
	if (remote != NULL)
		return remote;
	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	return xasprintf("slot1@%s", host);
}

/* Fds 0-2 open, so that nothing the starter opens lands on them. */
static void
std_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", O_RDWR) < 0)
			return;
}

static int
setup(struct starter *st, const char *sandbox)
{
	struct error e;
	int code;
	if (starter_signals_init(st, &e) < 0 || starter_pid_write(sandbox, &e) < 0 ||
	    (st->knobs = knobs_load(&e)) == NULL) {
		start_failed(st, STARTER_HOLD_CREATE_PROCESS, 0, "%s",
			     e.msg);
		return -1;
	}
	st->spool = knob_get(st->knobs, "SPOOL");
	if (starter_job_load(&st->job, sandbox, st->knobs, st->spool, &code,
			     &e) < 0) {
		start_failed(st, code, 0, "%s", e.msg);
		return -1;
	}
	if (chdir(st->job.cwd) < 0) {
		int en = errno;
		start_failed(st, STARTER_HOLD_IWD, en, "Failed to change to "
			     "directory '%s': %s", st->job.cwd, strerror(en));
		return -1;
	}
	if (starter_transfer_in(st, &e) < 0) {
		char *slot = slot_name(st);
		start_failed(st, STARTER_HOLD_TRANSFER_INPUT, 0, "Transfer input "
			     "files failure at execution point %s using protocol "
			     "file. Details: %s", slot, e.msg);
		free(slot);
		return -1;
	}
	/* After the transfer, so that no input file can stand in for it. */
	if (starter_job_env_write(sandbox, st->job.envp, &e) < 0) {
		start_failed(st, STARTER_HOLD_CREATE_PROCESS, 0, "%s", e.msg);
		return -1;
	}
	return 0;
}

/* ---- the incarnations ---- */

/* Acts on an incarnation's exit: true when the run is over, false when a
 * committed checkpoint restarts the job. */
static bool
classify(struct starter *st, int status)
{
	struct policy_exit ex;
	policy_classify_exit(st->job.ad, status, st->ckpt_sent, &ex);
	if (ex.broken_promise) {
		struct policy_decision d = POLICY_DECISION_INIT;
		policy_checkpoint_broken_promise(&ex, &d);
		st->res.outcome = STARTER_CHECKPOINT_FAILED;
		hold(st, d.hold_code, d.hold_subcode, "%s",
		     d.reason ? d.reason : "");
		policy_decision_release(&d);
		return true;
	}
	if (!ex.checkpoint) {
		st->res.outcome = STARTER_EXITED;
		return true;
	}
	struct error e;
	struct starter_ckpt c = { .exit_time = time(NULL) };
	c.run_start = st->start_time;
	c.xfer_start = c.exit_time;
	if (starter_checkpoint_commit(st, &e) < 0) {
		st->res.outcome = STARTER_CHECKPOINT_FAILED;
		hold(st, STARTER_HOLD_CHECKPOINT, -1,
		     "Starter failed to upload checkpoint: %s", e.msg);
		return true;
	}
	c.xfer_end = time(NULL);
	st->res.checkpoints++;
	starter_checkpoint_count(st, &c);
	XGROW(st->pending, st->npending + 1, st->apending);
	st->pending[st->npending++] = c;
	return false;
}

/* Runs incarnations until one ends the job's run here; *status gets the
 * last wait status. */
static void
run_job(struct starter *st, int *status)
{
	for (;;) {
		struct error e;
		int code, sub;
		if (starter_stop_requested(st)) {
			st->res.outcome = STARTER_EVICTED;
			return;
		}
		if (starter_spawn(st, &code, &sub, &e) < 0) {
			start_failed(st, code, sub, "%s", e.msg);
			return;
		}
		starter_record(st);
		if (starter_wait(st, status, &e) < 0) {
			starter_kill_job(st);
			st->res.outcome = STARTER_EVICTED;
			return;
		}
		st->res.wait_status = *status;
		if (st->vacate || st->killed) {
			st->res.outcome = STARTER_EVICTED;
			return;
		}
		if (classify(st, *status))
			return;
	}
}

/* After every process of the job is gone: its output. */
static void
finish(struct starter *st, int status)
{
	struct error e;
	int rc = 0;
	if (st->res.outcome == STARTER_EXITED)
		rc = starter_output_final(st, status, &e);
	else if (st->res.outcome == STARTER_EVICTED && st->vacate &&
		 !st->hard_kill && !st->killed && !st->no_transfer)
		rc = starter_output_evict(st, &e);
	if (rc < 0) {
		char *slot = slot_name(st);
		char host[256] = "localhost";
		gethostname(host, sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		hold(st, STARTER_HOLD_TRANSFER_OUTPUT, 0, "Transfer output files "
		     "failure at execution point %s while sending files to "
		     "access point %s. Details: %s", slot, host, e.msg);
		free(slot);
	}
}

static void
release(struct starter *st)
{
	starter_job_release(&st->job);
	transfer_snapshot_free(st->snap);
	knobs_free(st->knobs);
	free(st->spool);
	free(st->pending);
	if (st->sigfd >= 0)
		close(st->sigfd);
}

int
starter_run(const char *sandbox_arg, struct error *err)
{
	struct starter st;
	memset(&st, 0, sizeof(st));
	st.sigfd = -1;
	std_fds();
	setsid();	/* fails harmlessly when the daemon already did it */
	char *sandbox = realpath(sandbox_arg, NULL);
	if (sandbox == NULL) {
		error_errno(err, "sandbox '%s'", sandbox_arg);
		return 1;
	}
	int status = 0;
	bool started = false;
	if (setup(&st, sandbox) == 0) {
		started = true;
		run_job(&st, &status);
	}
	starter_kill_all(&st);
	chmod(sandbox, 0700);	/* the job may have locked us out */
	if (started)
		finish(&st, status);
	st.res.usr_sec = st.usr_us / 1000000;
	st.res.sys_sec = st.sys_us / 1000000;
	int rc = starter_result_write(sandbox, &st.res, err) < 0 ? 1 : 0;
	release(&st);
	free(sandbox);
	return rc;
}
