/*
 * schedd_loop.c - the daemon's event loop and one iteration of it; see
 * schedd.h and schedd.c.
 *
 * An iteration: reap starters; refresh the queue (only the journal's new
 * tail); signal runs whose job a tool held, removed or asked to vacate,
 * and runs due for their periodic checkpoint signal; then, only if there
 * is something to change, take the queue lock, apply finished runs, the
 * periodic policy, the times of checkpoint signals and new starts, commit
 * once, write the events, unlock,
 * and only then spawn the new starters and remove dead sandboxes.  If the
 * commit fails nothing of the iteration happened: its runs are applied
 * again next time and its starts are undone.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "error.h"
#include "queue.h"
#include "schedd.h"
#include "schedd_int.h"
#include "ulog.h"
#include "xalloc.h"
#include "banned.h"

/* How long to wait before trying again after a failed iteration (ms). */
#define RETRY_MS 1000

static bool
any_busy(const struct schedd *s)
{
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i].busy)
			return true;
	return false;
}

/* true while some starter may still be running (its run not yet over) */
static bool
any_alive(const struct schedd *s)
{
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i].busy && !s->slots[i].exited)
			return true;
	return false;
}

/*
 * Shutting down, every run is over, but their results could not be
 * recorded (the queue cannot be written: a full disk, a LOCAL_DIR removed
 * under us).  Waiting would be forever; leaving loses nothing, because each
 * result stays in its sandbox and the next start applies it (recovery).
 */
static bool
give_up_recording(const struct schedd *s)
{
	return s->shutdown != SHUTDOWN_NONE && s->retry && !any_alive(s);
}

static bool
any_exited(const struct schedd *s)
{
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i].busy && s->slots[i].exited)
			return true;
	return false;
}

static bool
free_slot(const struct schedd *s)
{
	for (size_t i = 0; i < s->nslots && i < (size_t)s->num_cpus; i++)
		if (!s->slots[i].busy)
			return true;
	return false;
}

/* Jobs a tool removed from the queue: their spool goes too, as it does
 * when HTCondor's schedd destroys a job.  A range too large to walk is
 * left to the sweep at the next start-up. */
static void
removed_by_tools(struct schedd *s)
{
	for (size_t i = 0; i < s->nremoved; i++) {
		const struct schedd_note *n = &s->removed[i];
		if ((long long)n->hi - n->lo > 1000000)
			continue;
		for (long long p = n->lo; p <= n->hi; p++)
			if (queue_find(s->q, n->cluster, (int)p) == NULL &&
			    schedd_slot_of(s, n->cluster, (int)p) == NULL)
				schedd_remove_spool(s, n->cluster, (int)p);
	}
	s->nremoved = 0;
}

/* ------------------------------------------------------------------ */
/* One iteration                                                        */
/* ------------------------------------------------------------------ */

static void
reap(struct schedd *s)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < s->nslots; i++) {
			struct slot *sl = &s->slots[i];
			if (sl->busy && sl->pid == pid && sl->pidfd < 0)
				sl->exited = true;
		}
	}
}

/* After a failed commit the handle's memory holds changes that never
 * reached the disk: load the queue afresh. */
static void
reopen_queue(struct schedd *s)
{
	struct error err;
	queue_close(s->q);
	s->q = NULL;
	if (schedd_open_queue(s, &err) < 0) {
		schedd_log(s, "cannot reopen the queue: %s", err.msg);
		return;
	}
	schedd_idle_rebuild(s);
}

/* Work done once the iteration's transaction is durable: the new
 * starters first, since they are what the slots wait for. */
static void
after_commit(struct schedd *s)
{
	struct error err;
	schedd_spawn_pending(s);
	for (size_t i = 0; i < s->nfinished; i++) {
		struct slot *sl = &s->finished[i];
		if (sl->sandbox && schedd_remove_sandbox(sl->sandbox, &err) < 0)
			schedd_log(s, "cannot remove sandbox: %s", err.msg);
		schedd_slot_clear(s, sl);
	}
	s->nfinished = 0;
	for (size_t i = 0; i < s->ngone; i++)
		schedd_remove_spool(s, s->gone[i].cluster, s->gone[i].proc);
	s->ngone = 0;
}

static void
abandon(struct schedd *s, const struct error *err)
{
	schedd_log(s, "queue update failed, will retry: %s", err->msg);
	schedd_unstart_pending(s);
	/* the runs applied are not applied: back into their slots */
	for (size_t i = 0; i < s->nfinished; i++)
		s->slots[s->finished[i].id - 1] = s->finished[i];
	s->nfinished = 0;
	s->ngone = 0;
	s->retry = true;
	reopen_queue(s);
}

/*
 * The event logs are fsync'ed at most this long after an event is written,
 * all at once: at hundreds of jobs a second, one fsync per log per
 * iteration was a quarter of a trivial job's cost.  The queue journal,
 * which holds the truth, is still made durable by every commit.
 */
#define ULOG_SYNC_DELAY_MS 50

static long long
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sync_logs(struct schedd *s)
{
	struct error err;
	if (ulog_pending_sync(s->ulog_pending, &err) < 0)
		schedd_log(s, "job event log: %s", err.msg);
	s->ulog_sync_at = 0;
}

/* The epoll timeout, shortened to the next due fsync of the logs. */
static long
with_log_sync(struct schedd *s, long timeout)
{
	if (s->ulog_sync_at == 0)
		return timeout;
	long long left = s->ulog_sync_at - mono_ms();
	if (left < 0)
		left = 0;
	return timeout < 0 || timeout > left ? (long)left : timeout;
}

/* The changes of one iteration, under the lock, in one transaction. */
static int
transact(struct schedd *s, struct error *err)
{
	int rc = 0;
	schedd_idle_notes(s);
	for (size_t i = 0; rc == 0 && i < s->nslots; i++) {
		struct slot *sl = &s->slots[i];
		if (!sl->busy || !sl->exited)
			continue;
		rc = schedd_apply_run(s, sl, err);
		if (rc < 0)
			break;
		/* the slot is free for this transaction's starts */
		XGROW(s->finished, s->nfinished + 1, s->afinished);
		s->finished[s->nfinished++] = *sl;
		*sl = (struct slot){ .id = sl->id, .pidfd = -1 };
	}
	if (rc == 0 && s->periodic_due)
		rc = schedd_periodic(s, err);
	if (rc == 0)
		rc = schedd_checkpoint_record(s, err);
	if (rc == 0 && s->shutdown == SHUTDOWN_NONE)
		rc = schedd_start_jobs(s, err);
	if (rc == 0)
		rc = queue_commit(s->q, err);
	if (rc == 0) {
		struct error lerr;
		if (ulog_flush_deferred(s->ulog, s->ulog_pending, &lerr) < 0)
			schedd_log(s, "job event log: %s", lerr.msg);
		if (ulog_pending_any(s->ulog_pending) && s->ulog_sync_at == 0)
			s->ulog_sync_at = mono_ms() + ULOG_SYNC_DELAY_MS;
	}
	return rc;
}

static void
iterate(struct schedd *s)
{
	struct error err;
	s->now = time(NULL);
	s->retry = false;
	reap(s);
	if (s->q == NULL) {
		reopen_queue(s);
		if (s->q == NULL) {
			s->retry = true;
			return;
		}
	}
	if (queue_refresh(s->q, &err) < 0) {
		schedd_log(s, "cannot read the queue: %s", err.msg);
		s->retry = true;
		return;
	}
	schedd_idle_notes(s);
	removed_by_tools(s);
	schedd_check_running(s);
	schedd_checkpoint_tick(s);
	if (!s->periodic_due && !any_exited(s) && !schedd_checkpoint_unrecorded(s) &&
	    (s->shutdown != SHUTDOWN_NONE || !free_slot(s) || !schedd_idle_ready(s)))
		return;
	if (queue_lock(s->q, &err) < 0) {
		schedd_log(s, "cannot lock the queue: %s", err.msg);
		s->retry = true;
		return;
	}
	s->ulog = ulog_batch_new();
	int rc = transact(s, &err);
	queue_unlock(s->q);
	ulog_batch_free(s->ulog);
	s->ulog = NULL;
	if (rc < 0) {
		abandon(s, &err);
		return;
	}
	s->periodic_due = false;
	after_commit(s);
	schedd_check_running(s);
}

/* ------------------------------------------------------------------ */
/* The loop                                                             */
/* ------------------------------------------------------------------ */

static void
handle_signals(struct schedd *s)
{
	struct signalfd_siginfo si;
	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			break;	/* every iteration reaps */
		case SIGTERM:
		case SIGINT:
			schedd_log(s, "Got %s: shutting down gracefully",
				   si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			schedd_begin_shutdown(s, s->shutdown == SHUTDOWN_NONE
							 ? SHUTDOWN_GRACEFUL
							 : SHUTDOWN_FAST);
			break;
		case SIGQUIT:
			schedd_log(s, "Got SIGQUIT: shutting down fast");
			schedd_begin_shutdown(s, SHUTDOWN_FAST);
			break;
		case SIGHUP:
			schedd_reconfigure(s);
			break;
		}
	}
}

static void
handle_slot_fd(struct schedd *s, size_t pos)
{
	if (pos >= s->nslots)
		return;
	struct slot *sl = &s->slots[pos];
	if (sl->busy && sl->pidfd >= 0) {
		sl->exited = true;
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, sl->pidfd, NULL);
		close(sl->pidfd);
		sl->pidfd = -1;
		sl->pid = 0;	/* not our child: nothing to reap */
	}
}

static void
dispatch(struct schedd *s, const struct epoll_event *ev)
{
	unsigned long long tag = ev->data.u64;
	uint64_t ticks;
	switch (tag) {
	case TAG_SIGNAL:
		handle_signals(s);
		break;
	case TAG_CONTROL:
		control_receive(s->ctlfd);
		break;
	case TAG_TIMER:
		if (read(s->timerfd, &ticks, sizeof(ticks)) > 0)
			s->periodic_due = true;
		break;
	default:
		if (tag >= TAG_SLOT)
			handle_slot_fd(s, (size_t)(tag - TAG_SLOT));
		break;
	}
}

int
schedd_run(struct schedd *s, struct error *err)
{
	s->periodic_due = true;	/* evaluate the policy once at start */
	iterate(s);
	schedd_log_flush(s);
	while (s->shutdown == SHUTDOWN_NONE || any_busy(s)) {
		long timeout = schedd_escalate(s);
		long tick = schedd_checkpoint_timeout(s);
		if (tick >= 0 && (timeout < 0 || tick < timeout))
			timeout = tick;
		if (s->retry && (timeout < 0 || timeout > RETRY_MS))
			timeout = RETRY_MS;
		timeout = with_log_sync(s, timeout);
		struct epoll_event evs[16];
		int n = epoll_wait(s->epfd, evs, 16, timeout > INT_MAX ? INT_MAX
							 : (int)timeout);
		if (n < 0 && errno != EINTR) {
			error_errno(err, "epoll_wait");
			schedd_log_flush(s);
			return -1;
		}
		for (int i = 0; i < n; i++)
			dispatch(s, &evs[i]);
		iterate(s);
		if (s->ulog_sync_at != 0 && mono_ms() >= s->ulog_sync_at)
			sync_logs(s);
		if (give_up_recording(s)) {
			schedd_log(s, "Cannot record the last runs' results; the next start will");
			schedd_log_flush(s);
			break;
		}
		schedd_log_flush(s);
	}
	sync_logs(s);
	schedd_log(s, "All jobs stopped; condor_master (pid %ld) exiting",
		   (long)getpid());
	schedd_log_flush(s);
	return 0;
}
