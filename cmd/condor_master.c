/*
 * condor_master - the condorlet daemon: runs queued jobs; see
 * condor_master(1) and libcore/schedd.h.
 *
 * Glue only: options, the single-instance lock (libcore/control.h),
 * daemonizing, and where the log goes.  Without -f the first process
 * forks the daemon and exits only once the daemon listens (0) or has
 * failed to start (1, with the daemon's message), so whoever started it -
 * a user, a script, condor_submit's autostart - knows which.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "control.h"
#include "error.h"
#include "fileio.h"
#include "knob.h"
#include "schedd.h"
#include "strbuf.h"
#include "banned.h"

static const char *const synopsis[] = {
	"[-f] [-t]",
	NULL,
};

static const char details[] =
	"Runs the jobs in the queue.  See condor_master(1).\n"
	"  -f  stay in the foreground, logging to standard error too\n"
	"  -t  log to standard error too\n";

/* Where the daemon's log lines go. */
struct sink {
	int fd;			/* LOG/MasterLog */
	bool to_stderr;
};

static void
write_log(void *arg, const char *text, size_t len)
{
	const struct sink *k = arg;
	if (k->fd >= 0)
		fileio_write_all(k->fd, text, len, "MasterLog", NULL);
	if (k->to_stderr)
		fileio_write_all(STDERR_FILENO, text, len, "stderr", NULL);
}

/* Inherited descriptors would keep a caller's pipes open for as long as
 * the daemon lives (and leak into every job). */
static void
sane_descriptors(void)
{
	close_range(3, ~0U, 0);
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			exit(1);
}

/*
 * Forks the daemon.  Returns in the daemon (a grandchild, in a session of
 * its own, which can never regain a terminal) with *report the pipe to
 * write its start-up outcome to; the first process exits with that
 * outcome.
 */
static void
daemonize(int *report)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		cmd_die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		cmd_die("fork: %s", strerror(errno));
	if (pid > 0) {
		close(p[1]);
		char buf[ERROR_MSG_MAX + 64];
		size_t len = 0;
		ssize_t n;
		while (len < sizeof(buf) - 1 &&
		       ((n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0 ||
			(n < 0 && errno == EINTR)))
			len += n > 0 ? (size_t)n : 0;
		buf[len] = '\0';
		waitpid(pid, NULL, 0);
		if (strcmp(buf, "OK") == 0)
			exit(0);
		cmd_die("%s", len ? buf : "the daemon exited while starting");
	}
	close(p[0]);
	if (setsid() < 0 || (pid = fork()) < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		_exit(1);
	*report = p[1];
}

/* Start-up failed: say why (on stderr, or through the report pipe). */
static _Noreturn void
fail(int report, const char *msg)
{
	if (report < 0)
		cmd_die("%s", msg);
	fileio_write_all(report, msg, strlen(msg), "pipe", NULL);
	_exit(1);
}

static int
open_master_log(const struct knobs *k, int report)
{
	char *dir = cmd_knob_required(k, "LOG");
	struct error err;
	int fd = -1;
	if (fileio_mkdirs(dir, 0700, &err) == 0) {
		char *path = fileio_join(dir, "MasterLog");
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			error_errno(&err, "open '%s'", path);
		free(path);
	}
	free(dir);
	if (fd < 0)
		fail(report, err.msg);
	return fd;
}

/* Takes the single-instance lock, or fails with HTCondor-like words. */
static int
lock_instance(const struct knobs *k, int report)
{
	char *dir = cmd_knob_required(k, "LOCK");
	struct error err;
	pid_t holder = 0;
	int fd = fileio_mkdirs(dir, 0700, &err) < 0
			 ? -1
			 : control_lock_master(dir, &holder, &err);
	if (fd < 0 && holder > 0) {
		char *local = knob_get(k, "LOCAL_DIR");
		error_set(&err, "another condor_master is already running (pid %ld) for %s",
			  (long)holder, local ? local : dir);
		free(local);
	}
	free(dir);
	if (fd < 0)
		fail(report, err.msg);
	return fd;
}

int
main(int argc, char **argv)
{
	bool foreground = false, terminal = false;
	cmd_init(argv[0]);
	for (int i = 1; i < argc; i++) {
		if (cmd_opt(argv[i], "help", 1, NULL))
			cmd_usage(synopsis, details, stdout, 0);
		else if (strcmp(argv[i], "-f") == 0)
			foreground = true;
		else if (strcmp(argv[i], "-t") == 0)
			terminal = true;
		else
			cmd_usage(synopsis, details, stderr, 1);
	}
	sane_descriptors();
	struct knobs *k = cmd_load_knobs();
	int report = -1;
	if (!foreground)
		daemonize(&report);
	int lockfd = lock_instance(k, report);
	struct sink sink = { open_master_log(k, report), foreground || terminal };
	struct schedd_options o = { write_log, &sink };
	struct error err;
	struct schedd *s = schedd_new(k, &o, &err);
	if (s == NULL) {
		knobs_free(k);
		fail(report, err.msg);
	}
	if (report >= 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			if (!terminal)
				dup2(null, STDERR_FILENO);
			close(null);
		}
		fileio_write_all(report, "OK", 2, "pipe", NULL);
		close(report);
	}
	int status = 0;
	if (schedd_run(s, &err) < 0) {
		struct strbuf line = STRBUF_INIT;
		strbuf_addf(&line, "condor_master: %s\n", err.msg);
		write_log(&sink, line.buf, line.len);
		strbuf_release(&line);
		status = 1;
	}
	schedd_free(s);
	knobs_free(k);
	close(sink.fd);
	close(lockfd);
	return cmd_finish(status);
}
