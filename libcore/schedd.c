/*
 * schedd.c - the daemon's set-up and its shared helpers (log, slots,
 * configuration); see schedd.h.  The event loop and its iterations are in
 * schedd_loop.c, starting jobs in schedd_start.c, applying results in
 * schedd_exit.c, the periodic policy and stopping runs in
 * schedd_periodic.c, crash recovery in schedd_recover.c and the processes
 * of runs in schedd_proc.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"
#include "error.h"
#include "fileio.h"
#include "knob.h"
#include "queue.h"
#include "schedd.h"
#include "schedd_int.h"
#include "spool.h"
#include "strbuf.h"
#include "ulog.h"
#include "xalloc.h"
#include "banned.h"

/* Upper bound on NUM_CPUS: a typo must not make a million slots. */
#define MAX_SLOTS 4096

/* ------------------------------------------------------------------ */
/* The daemon's log                                                     */
/* ------------------------------------------------------------------ */

void
schedd_log(struct schedd *s, const char *fmt, ...)
{
	time_t now = time(NULL);
	struct tm tm;
	/* HTCondor's daemon-log stamp, "MM/DD/YY HH:MM:SS " */
	if (localtime_r(&now, &tm) != NULL)
		strbuf_addf(&s->log, "%02d/%02d/%02d %02d:%02d:%02d ", tm.tm_mon + 1,
			    tm.tm_mday, tm.tm_year % 100, tm.tm_hour, tm.tm_min,
			    tm.tm_sec);
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&s->log, fmt, ap);
	va_end(ap);
	strbuf_addc(&s->log, '\n');
}

void
schedd_log_flush(struct schedd *s)
{
	if (s->log.len > 0 && s->logfn != NULL)
		s->logfn(s->log_arg, s->log.buf, s->log.len);
	strbuf_reset(&s->log);
}

/* ------------------------------------------------------------------ */
/* Slots                                                                */
/* ------------------------------------------------------------------ */

struct slot *
schedd_slot_of(struct schedd *s, int cluster, int proc)
{
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i].busy && s->slots[i].cluster == cluster &&
		    s->slots[i].proc == proc)
			return &s->slots[i];
	return NULL;
}

struct slot *
schedd_slot_add(struct schedd *s, int id)
{
	while (s->nslots < (size_t)id) {
		XGROW(s->slots, s->nslots + 1, s->aslots);
		s->slots[s->nslots] = (struct slot){ .id = (int)s->nslots + 1,
						     .pidfd = -1 };
		s->nslots++;
	}
	return &s->slots[id - 1];
}

char *
schedd_slot_name(const struct schedd *s, const struct slot *sl)
{
	return xasprintf("slot%d@%s", sl->id, s->host);
}

void
schedd_slot_clear(struct schedd *s, struct slot *sl)
{
	if (sl->pidfd >= 0) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, sl->pidfd, NULL);
		close(sl->pidfd);
	}
	free(sl->sandbox);
	free(sl->stop_reason);
	int id = sl->id;
	*sl = (struct slot){ .id = id, .pidfd = -1 };
}

/* ------------------------------------------------------------------ */
/* Configuration                                                        */
/* ------------------------------------------------------------------ */

static long long
knob_range(const struct knobs *k, const char *name, long long dflt,
	   long long lo, long long hi)
{
	long long v = knob_get_int(k, name, dflt);
	return v < lo ? lo : v > hi ? hi : v;
}

/* The knobs SIGHUP may change. */
static void
read_tunables(struct schedd *s, const struct knobs *k)
{
	s->num_cpus = (int)knob_range(k, "NUM_CPUS", 1, 1, MAX_SLOTS);
	s->interval = knob_range(k, "PERIODIC_EXPR_INTERVAL", 60, 1, 86400);
	s->max_vacate = knob_range(k, "MachineMaxVacateTime", 600, 0, 86400);
	s->killing_timeout = knob_range(k, "KILLING_TIMEOUT", 30, 1, 86400);
	schedd_checkpoint_configure(s, k);
}

static char *
required(const struct knobs *k, const char *name, struct error *err)
{
	char *v = knob_get(k, name);
	if (v == NULL || v[0] == '\0') {
		free(v);
		error_set(err, "%s is not set", name);
		return NULL;
	}
	return v;
}

static char *
host_name(const struct knobs *k)
{
	char *h = knob_get(k, "FULL_HOSTNAME");
	if (h == NULL || h[0] == '\0') {
		free(h);
		h = knob_get(k, "HOSTNAME");
	}
	if (h == NULL || h[0] == '\0') {
		char buf[256];
		free(h);
		if (gethostname(buf, sizeof(buf)) < 0)
			snprintf(buf, sizeof(buf), "localhost");
		buf[sizeof(buf) - 1] = '\0';
		h = xstrdup(buf);
	}
	return h;
}

static int
read_config(struct schedd *s, struct error *err)
{
	if ((s->spool = required(s->k, "SPOOL", err)) == NULL ||
	    (s->execute = required(s->k, "EXECUTE", err)) == NULL ||
	    (s->log_dir = required(s->k, "LOG", err)) == NULL ||
	    (s->lock_dir = required(s->k, "LOCK", err)) == NULL)
		return -1;
	s->host = host_name(s->k);
	read_tunables(s, s->k);
	/* Without STARTER the starter runs in a fork of this daemon (see
	 * schedd_start.c); with it, that program is exec'd. */
	s->starter = knob_get(s->k, "STARTER");
	if (s->starter != NULL && s->starter[0] == '\0') {
		free(s->starter);
		s->starter = NULL;
	}
	if (s->starter != NULL && access(s->starter, X_OK) < 0)
		return error_errno(err, "starter '%s'", s->starter);
	if (fileio_mkdirs(s->spool, 0700, err) < 0 ||
	    fileio_mkdirs(s->execute, 0700, err) < 0 ||
	    fileio_mkdirs(s->log_dir, 0700, err) < 0 ||
	    fileio_mkdirs(s->lock_dir, 0700, err) < 0)
		return -1;
	/* the sandboxes' paths go into job ads and logs: make them absolute */
	char *real = realpath(s->execute, NULL);
	if (real == NULL)
		return error_errno(err, "resolve '%s'", s->execute);
	free(s->execute);
	s->execute = real;
	return 0;
}

/* SIGHUP: the slot count, the periodic interval and PERIODIC_CHECKPOINT
 * may change. */
void
schedd_reconfigure(struct schedd *s)
{
	struct error err;
	struct knobs *k = knobs_load(&err);
	if (k == NULL) {
		schedd_log(s, "SIGHUP: configuration not reloaded: %s", err.msg);
		return;
	}
	long long old = s->interval;
	read_tunables(s, k);
	knobs_free(k);
	schedd_slot_add(s, s->num_cpus);
	if (old != s->interval) {
		struct itimerspec it = { { s->interval, 0 }, { s->interval, 0 } };
		timerfd_settime(s->timerfd, 0, &it, NULL);
	}
	schedd_log(s, "SIGHUP: reconfigured: NUM_CPUS = %d, PERIODIC_EXPR_INTERVAL = %lld%s",
		   s->num_cpus, s->interval,
		   s->pckpt_expr ? ", PERIODIC_CHECKPOINT set" : "");
}

/* ------------------------------------------------------------------ */
/* Set-up                                                               */
/* ------------------------------------------------------------------ */

static void
note_change(void *arg, enum queue_change what, int cluster, int lo, int hi)
{
	struct schedd *s = arg;
	if (what == QUEUE_RELOADED) {
		s->reset = true;
		s->nnotes = 0;
		return;
	}
	if (what == QUEUE_REMOVED) {
		XGROW(s->removed, s->nremoved + 1, s->aremoved);
		s->removed[s->nremoved++] = (struct schedd_note){ cluster, lo, hi };
		return;
	}
	if (s->reset)
		return;
	XGROW(s->notes, s->nnotes + 1, s->anotes);
	s->notes[s->nnotes++] = (struct schedd_note){ cluster, lo, hi };
}

void
schedd_remove_spool(struct schedd *s, int cluster, int proc)
{
	/* most jobs never spool anything: spare them spool_remove_job's
	 * directory fsync */
	char *dir = spool_job_dir(s->spool, cluster, proc);
	char *nw = xasprintf("%s.new", dir);
	char *old = xasprintf("%s.old", dir);
	struct stat st;
	bool any = lstat(dir, &st) == 0 || lstat(nw, &st) == 0 || lstat(old, &st) == 0;
	free(dir);
	free(nw);
	free(old);
	struct error err;
	if (any && spool_remove_job(s->spool, cluster, proc, &err) < 0)
		schedd_log(s, "job %d.%d: cannot remove its spool: %s", cluster, proc,
			   err.msg);
}

int
schedd_open_queue(struct schedd *s, struct error *err)
{
	s->q = queue_open(s->spool, QUEUE_DAEMON, err);
	if (s->q == NULL)
		return -1;
	queue_watch(s->q, note_change, s);
	s->reset = true;
	return 0;
}

static int
epoll_add(struct schedd *s, int fd, unsigned long long tag, struct error *err)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return error_errno(err, "epoll_ctl");
	return 0;
}

static int
setup_fds(struct schedd *s, struct error *err)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return error_errno(err, "sigprocmask");
	signal(SIGPIPE, SIG_IGN);
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->sigfd < 0 || s->epfd < 0 || s->timerfd < 0)
		return error_errno(err, "create the daemon's descriptors");
	struct itimerspec it = { { s->interval, 0 }, { s->interval, 0 } };
	if (timerfd_settime(s->timerfd, 0, &it, NULL) < 0)
		return error_errno(err, "timerfd_settime");
	if ((s->ctlfd = control_listen(s->lock_dir, err)) < 0)
		return -1;
	s->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (s->devnull < 0)
		return error_errno(err, "open /dev/null");
	char *path = fileio_join(s->log_dir, "StarterLog");
	s->starter_log = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (s->starter_log < 0)
		error_errno(err, "open '%s'", path);
	free(path);
	if (s->starter_log < 0)
		return -1;
	return epoll_add(s, s->sigfd, TAG_SIGNAL, err) < 0 ||
			       epoll_add(s, s->ctlfd, TAG_CONTROL, err) < 0 ||
			       epoll_add(s, s->timerfd, TAG_TIMER, err) < 0
		       ? -1
		       : 0;
}

/* Applies recovery under the lock, in one transaction. */
static int
recover(struct schedd *s, struct error *err)
{
	struct error serr;
	if (spool_recover_all(s->spool, &serr) < 0)
		schedd_log(s, "spool recovery: %s", serr.msg);
	if (queue_lock(s->q, err) < 0)
		return -1;
	s->ulog = ulog_batch_new();
	s->now = time(NULL);
	int rc = schedd_recover(s, err);
	if (rc == 0)
		rc = queue_commit(s->q, err);
	if (rc == 0 && ulog_flush(s->ulog, &serr) < 0)
		schedd_log(s, "job event log: %s", serr.msg);
	queue_unlock(s->q);
	ulog_batch_free(s->ulog);
	s->ulog = NULL;
	return rc;
}

struct schedd *
schedd_new(struct knobs *k, const struct schedd_options *o, struct error *err)
{
	struct schedd *s = xcalloc(1, sizeof(*s));
	s->ulog_pending = ulog_pending_new();
	strbuf_init(&s->log);
	s->k = k;
	s->logfn = o ? o->log : NULL;
	s->log_arg = o ? o->log_arg : NULL;
	s->epfd = s->sigfd = s->ctlfd = s->timerfd = -1;
	s->devnull = s->starter_log = -1;
	if (read_config(s, err) < 0 || setup_fds(s, err) < 0 ||
	    schedd_open_queue(s, err) < 0)
		goto fail;
	schedd_slot_add(s, s->num_cpus);
	schedd_log(s, "condor_master (pid %ld) started: %d slot%s, SPOOL %s, EXECUTE %s",
		   (long)getpid(), s->num_cpus, s->num_cpus == 1 ? "" : "s",
		   s->spool, s->execute);
	if (recover(s, err) < 0) {
		schedd_log(s, "recovery failed: %s", err->msg);
		goto fail;
	}
	schedd_log_flush(s);
	return s;
fail:
	schedd_log_flush(s);
	schedd_free(s);
	return NULL;
}

void
schedd_free(struct schedd *s)
{
	if (s == NULL)
		return;
	schedd_log_flush(s);
	for (size_t i = 0; i < s->nslots; i++)
		schedd_slot_clear(s, &s->slots[i]);
	free(s->slots);
	queue_close(s->q);
	idle_free(&s->idle);
	free(s->notes);
	free(s->removed);
	free(s->gone);
	for (size_t i = 0; i < s->nfinished; i++)
		schedd_slot_clear(s, &s->finished[i]);
	free(s->finished);
	schedd_checkpoint_free(s);
	/* whatever the loop left unsynced (an error exit) */
	if (ulog_pending_any(s->ulog_pending))
		ulog_pending_sync(s->ulog_pending, NULL);
	ulog_pending_free(s->ulog_pending);
	int fds[] = { s->epfd, s->sigfd, s->ctlfd, s->timerfd, s->devnull,
		      s->starter_log };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(s->spool);
	free(s->execute);
	free(s->lock_dir);
	free(s->log_dir);
	free(s->starter);
	free(s->host);
	strbuf_release(&s->log);
	free(s);
}

int
schedd_watch_pidfd(struct schedd *s, struct slot *sl, struct error *err)
{
	return epoll_add(s, sl->pidfd, TAG_SLOT + (unsigned long long)(sl->id - 1),
			 err);
}
