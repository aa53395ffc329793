/*
 * starter_exec.c - the job's processes: starting an incarnation, the event
 * loop that waits for it while acting on the daemon's signals, and the
 * final kill.
 *
 * Deliberate choices:
 * - The daemon's signals and SIGCHLD are blocked and read from a signalfd,
 *   so the loop is one poll(2) with no handler races and no polling
 *   interval; a timeout is armed only during a vacate's grace period.
 * - Jobs start with posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK)), so a
 *   restart after a checkpoint costs what the kernel charges, and an exec
 *   failure comes back as an errno instead of a child that exits 127.
 *   The child gets its own session (the job's process group is the unit
 *   every signal goes to), an empty signal mask, default dispositions,
 *   umask 077, and nothing but fds 0-2.
 * - The starter is a child subreaper: whatever the job leaves behind is
 *   re-parented to it, so the final kill can find and reap all of it,
 *   including processes that left the job's process group.  Its only
 *   other child is the recorder of checkpoints (below), which is waited
 *   for, never killed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "num.h"
#include "starter_int.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

/* Bounds the final kill: rounds of "kill every child, reap one". */
#define KILL_ROUNDS 100000

static long long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
starter_signals_init(struct starter *st, struct error *err)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, STARTER_SIG_VACATE);
	sigaddset(&set, STARTER_SIG_KILL);
	sigaddset(&set, STARTER_SIG_CHECKPOINT);
	sigaddset(&set, STARTER_SIG_REMOVE);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return error_errno(err, "sigprocmask");
	st->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (st->sigfd < 0)
		return error_errno(err, "signalfd");
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return error_errno(err, "prctl(PR_SET_CHILD_SUBREAPER)");
	return 0;
}

/* ---- starting an incarnation ---- */

static int
open_std(const char *path, int flags, bool nofollow, const char *which,
	 struct error *err)
{
	int fd = open(path, flags | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0),
		      0644);
	if (fd < 0) {
		int e = errno;
		error_set(err, "Failed to open '%s' as standard %s: %s (errno %d)",
			  path, which, strerror(e), e);
	}
	return fd;
}

static int
open_files(const struct starter_job *j, int fds[3], int *hold_code,
	   struct error *err)
{
	int wflags = O_WRONLY | O_CREAT | O_APPEND | (j->append ? 0 : O_TRUNC);
	fds[0] = fds[1] = fds[2] = -1;
	fds[0] = open_std(j->in, O_RDONLY, false, "input", err);
	if (fds[0] < 0) {
		*hold_code = STARTER_HOLD_OPEN_INPUT;
		return -1;
	}
	*hold_code = STARTER_HOLD_OPEN_OUTPUT;
	fds[1] = open_std(j->out, wflags, j->out_nofollow, "output", err);
	if (fds[1] < 0)
		return -1;
	fds[2] = j->err_is_out ? dup(fds[1]) :
		 open_std(j->err, wflags, j->err_nofollow, "error", err);
	return fds[2] < 0 ? -1 : 0;
}

static void
close_files(int fds[3])
{
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void
exec_failed(const struct starter_job *j, int e, struct error *err)
{
	struct strbuf args = STRBUF_INIT;
	for (size_t i = 1; j->argv[i] != NULL; i++)
		strbuf_addf(&args, "%s%s", i > 1 ? " " : " with arguments ",
			    j->argv[i]);
	error_set(err, "Failed to execute '%s'%.400s: (errno=%d: '%s')", j->exe,
		  args.buf, e, strerror(e));
	strbuf_release(&args);
}

static int
spawn(struct starter *st, const int fds[3], pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	sigemptyset(&none);
	sigfillset(&dfl);
	sigdelset(&dfl, SIGKILL);
	sigdelset(&dfl, SIGSTOP);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	int rc = 0;
	for (int i = 0; rc == 0 && i < 3; i++)
		rc = posix_spawn_file_actions_adddup2(&fa, fds[i], i);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	if (rc == 0)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	if (rc == 0)
		rc = posix_spawnattr_setsigmask(&at, &none);
	if (rc == 0)
		rc = posix_spawnattr_setsigdefault(&at, &dfl);
	if (rc == 0)
		rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID |
					      POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	if (rc == 0) {
		mode_t old = umask(077);
		rc = posix_spawn(pid, st->job.exe, &fa, &at, st->job.argv,
				 st->job.envp);
		umask(old);
	}
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

int
starter_spawn(struct starter *st, int *hold_code, int *subcode,
	      struct error *err)
{
	int fds[3];
	*subcode = 0;
	if (open_files(&st->job, fds, hold_code, err) < 0) {
		close_files(fds);
		return -1;
	}
	pid_t pid = 0;
	int e = spawn(st, fds, &pid);
	close_files(fds);
	if (e != 0) {
		exec_failed(&st->job, e, err);
		*hold_code = STARTER_HOLD_CREATE_PROCESS;
		*subcode = e;
		return -1;
	}
	st->pid = pid;
	st->start_time = time(NULL);
	st->ckpt_sent = false;
	return 0;
}

/* ---- the event loop ---- */

static void
add_usage(struct starter *st, const struct rusage *ru)
{
	st->usr_us += (long long)ru->ru_utime.tv_sec * 1000000 +
		      ru->ru_utime.tv_usec;
	st->sys_us += (long long)ru->ru_stime.tv_sec * 1000000 +
		      ru->ru_stime.tv_usec;
}

static void
signal_job(struct starter *st, int sig)
{
	if (st->pid > 0 && kill(-st->pid, sig) < 0)
		kill(st->pid, sig);
}

/*
 * The recorder: a child process that logs the 040 events of the pending
 * checkpoints and advances their counters in the queue, so that neither the
 * queue's replay nor the log's fsync stands between a checkpoint and the
 * restart.  One runs at a time, taking every checkpoint pending when it
 * starts, so the counters advance in order and a job that checkpoints
 * faster than the queue can be written costs one transaction per recorder,
 * not one per checkpoint.
 */
static void
recorder_done(struct starter *st, int status)
{
	st->recorder = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == STARTER_RECORD_GONE) {
		st->killed = true;	/* the job left the queue */
		signal_job(st, SIGKILL);
	}
}

void
starter_record(struct starter *st)
{
	if (st->recorder > 0 || st->npending == 0)
		return;
	pid_t pid = fork();
	if (pid == 0)
		_exit(starter_checkpoint_record(st, st->pending, st->npending) ?
		      0 : STARTER_RECORD_GONE);
	if (pid > 0)
		st->recorder = pid;
	else if (!starter_checkpoint_record(st, st->pending, st->npending))
		recorder_done(st, STARTER_RECORD_GONE << 8);
	st->npending = 0;
}

static void
wait_recorder(struct starter *st)
{
	while (st->recorder > 0) {
		int s;
		pid_t p = waitpid(st->recorder, &s, 0);
		if (p < 0 && errno == EINTR)
			continue;
		if (p == st->recorder)
			recorder_done(st, s);
		else
			st->recorder = 0;
	}
}

void
starter_record_all(struct starter *st)
{
	wait_recorder(st);
	starter_record(st);
	wait_recorder(st);
}

/* Reaps every exited child; true if one was the running incarnation. */
static bool
reap(struct starter *st, int *status)
{
	bool done = false;
	for (;;) {
		struct rusage ru;
		int s;
		pid_t p = wait4(-1, &s, WNOHANG, &ru);
		if (p <= 0)
			break;
		if (p == st->recorder) {
			recorder_done(st, s);
			starter_record(st);
			continue;
		}
		add_usage(st, &ru);
		if (p == st->pid) {
			*status = s;
			st->pid = 0;
			done = true;
		}
	}
	return done;
}

static void
on_signal(struct starter *st, int sig)
{
	if (sig == STARTER_SIG_REMOVE)
		st->no_transfer = true;
	if ((sig == STARTER_SIG_VACATE || sig == STARTER_SIG_REMOVE) && !st->vacate) {
		st->vacate = true;
		st->deadline_ms = now_ms() + st->job.vacate_secs * 1000;
		signal_job(st, st->job.kill_sig);
		if (st->job.vacate_secs <= 0) {
			st->hard_kill = true;
			signal_job(st, SIGKILL);
		}
	} else if (sig == STARTER_SIG_KILL) {
		st->killed = true;
		signal_job(st, SIGKILL);
	} else if (sig == STARTER_SIG_CHECKPOINT && st->pid > 0 && !st->vacate &&
		   !st->ckpt_sent && st->job.want_ckpt_signal) {
		st->ckpt_sent = true;
		signal_job(st, st->job.ckpt_sig);
	}
}

/* Reads every queued signal; true if the running incarnation exited. */
static bool
drain(struct starter *st, int *status)
{
	struct signalfd_siginfo si[16];
	bool exited = false;
	for (;;) {
		ssize_t n = read(st->sigfd, si, sizeof(si));
		if (n <= 0)
			break;
		for (size_t i = 0; i < (size_t)n / sizeof(si[0]); i++) {
			if (si[i].ssi_signo == SIGCHLD)
				exited |= reap(st, status);
			else
				on_signal(st, (int)si[i].ssi_signo);
		}
	}
	return exited;
}

void
starter_kill_job(struct starter *st)
{
	on_signal(st, STARTER_SIG_KILL);
}

bool
starter_stop_requested(struct starter *st)
{
	int ignored;
	drain(st, &ignored);
	return st->vacate || st->killed;
}

int
starter_wait(struct starter *st, int *status, struct error *err)
{
	for (;;) {
		/* A child may have exited before the signalfd was first read. */
		if (drain(st, status) || (st->pid > 0 && reap(st, status)))
			return 0;
		int timeout = -1;
		if (st->vacate && !st->hard_kill) {
			long long left = st->deadline_ms - now_ms();
			if (left <= 0) {
				st->hard_kill = true;
				signal_job(st, SIGKILL);
			} else {
				timeout = left > 3600000 ? 3600000 : (int)left;
			}
		}
		struct pollfd p = { .fd = st->sigfd, .events = POLLIN };
		if (poll(&p, 1, timeout) < 0 && errno != EINTR)
			return error_errno(err, "poll");
	}
}

/* ---- the end ---- */

/* SIGKILLs every current child (all of them are the job's leftovers). */
static void
kill_children(void)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%ld/children",
		 (long)getpid());
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char buf[8192];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* Only whole numbers: each one ends with a space (a full buffer may
	 * end inside one, and the rest is read next round). */
	for (char *p = buf; *p;) {
		char *end = p;
		while (*end >= '0' && *end <= '9')
			end++;
		if (*end != ' ' && *end != '\n')
			break;
		*end = '\0';
		int pid;
		if (end > p && num_parse_int(p, 1, 1 << 30, &pid) == 0)
			kill(pid, SIGKILL);
		p = end + 1;
	}
}

void
starter_kill_all(struct starter *st)
{
	starter_record_all(st);
	/* A group is only named while its leader is unreaped: an empty
	 * group's number may already belong to someone else.  Everything
	 * else is found through the children list, level by level. */
	signal_job(st, SIGKILL);
	for (int round = 0; round < KILL_ROUNDS; round++) {
		kill_children();
		struct rusage ru;
		int s;
		pid_t p = wait4(-1, &s, 0, &ru);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			break;
		add_usage(st, &ru);
		if (p == st->pid)
			st->pid = 0;
	}
}
