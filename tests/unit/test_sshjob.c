/*
 * test_sshjob.c - finding a running job for condor_ssh_to_job, against a
 * queue and sandboxes made by hand: every forged sandbox path and every
 * hostile file in a sandbox is refused (or, where it is a moment of a
 * legitimate run, reported as not running), and a real-looking run gives
 * the job's environment and process ids.  The "starter" is a forked child
 * that writes .starter.pid and has a "job" child in a session of its own
 * and a helper child in its own session.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "jobargs.h"
#include "queue.h"
#include "sshjob.h"
#include "starter.h"
#include "starter_int.h"
#include "transfer.h"
#include "xalloc.h"
#include "tap.h"
#include "banned.h"

static char root[] = "/tmp/test_sshjob.XXXXXX";
static char *spool, *execute, *me;

static const char *const job_env[] = {
	"A=1", "MARK=seen", "PATH=/usr/bin:/bin", SSHJOB_PIDS_VAR "=bogus", NULL,
};

/* ---- fixtures ---- */

static void
put(const char *dir, const char *name, const char *data)
{
	char *p = fileio_join(dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		fileio_write_all(fd, data, strlen(data), p, NULL);
		close(fd);
	}
	free(p);
}

/* A job with the given status, Owner and CondorletSandbox (if not NULL);
 * returns its cluster. */
static int
add_job(int status, const char *owner, const char *sandbox, bool shared)
{
	struct error err;
	struct queue *q = queue_open(spool, QUEUE_WRITE, &err);
	if (q == NULL) {
		diag("queue_open: %s", err.msg);
		return -1;
	}
	int id = queue_new_cluster_id(q);
	struct classad *cad = classad_new();
	classad_set_string(cad, "Owner", owner);
	classad_set_string(cad, "Iwd", root);
	if (shared)
		classad_set_string(cad, "ShouldTransferFiles", "NO");
	struct classad *p = classad_new();
	classad_set_int(p, "ProcId", 0);
	classad_set_int(p, "JobStatus", status);
	if (status == 5)
		classad_set_string(p, "HoldReason", "via condor_hold (by user x)");
	if (sandbox != NULL)
		classad_set_string(p, "CondorletSandbox", sandbox);
	if (queue_add_cluster(q, id, cad, &p, 1, &err) < 0 ||
	    queue_commit(q, &err) < 0) {
		diag("add job: %s", err.msg);
		id = -1;
	}
	queue_close(q);
	return id;
}

/* EXECUTE/dir_<n> with the .job.ad of job cluster.0 and a .job.env. */
static char *
make_sandbox(int n, int cluster)
{
	char *dir = xasprintf("%s/dir_%d", execute, n);
	mkdir(dir, 0700);
	char *ad = xasprintf("Args = \"60\"\nClusterId = %d\nProcId = 0\n", cluster);
	put(dir, STARTER_JOB_AD, ad);
	free(ad);
	struct error err;
	if (starter_job_env_write(dir, (char *const *)job_env, &err) < 0)
		diag("env write: %s", err.msg);
	return dir;
}

struct fake {
	pid_t starter, job, helper;
};

/* Forks a starter for sandbox (see the top of the file). */
static int
fake_starter(const char *sandbox, struct fake *f)
{
	int fds[2];
	if (pipe(fds) < 0)
		return -1;
	f->starter = fork();
	if (f->starter == 0) {
		close(fds[0]);
		setsid();
		pid_t kids[2];
		kids[0] = fork();
		if (kids[0] == 0) {
			setsid();
			for (;;)
				pause();
		}
		kids[1] = fork();
		if (kids[1] == 0)
			for (;;)
				pause();
		if (starter_pid_write(sandbox, NULL) < 0 ||
		    write(fds[1], kids, sizeof(kids)) != (ssize_t)sizeof(kids))
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	pid_t kids[2];
	ssize_t n = read(fds[0], kids, sizeof(kids));
	close(fds[0]);
	if (f->starter < 0 || n != (ssize_t)sizeof(kids))
		return -1;
	f->job = kids[0];
	f->helper = kids[1];
	/* The job's setsid may not have happened yet. */
	for (int i = 0; i < 1000 && getsid(f->job) != f->job; i++)
		usleep(1000);
	return 0;
}

static void
fake_stop(struct fake *f)
{
	kill(f->job, SIGKILL);
	kill(f->helper, SIGKILL);
	kill(f->starter, SIGKILL);
	waitpid(f->starter, NULL, 0);
}

static struct sshjob_request
request(int cluster)
{
	return (struct sshjob_request){
		.spool = spool, .execute = execute, .user = me,
		.super_users = "", .cluster = cluster, .proc = 0,
	};
}

/* sshjob_find's return and state; err gets the message. */
static int
find(const struct sshjob_request *req, struct sshjob *job, struct error *err)
{
	error_clear(err);
	int rc = sshjob_find(req, job, err);
	return rc < 0 ? -1 : (int)job->state;
}

static const char *
env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

/* ---- the tests ---- */

static void
test_parse_id(void)
{
	static const struct {
		const char *s;
		int rc, c, p;
	} cases[] = {
		{ "1", 0, 1, 0 }, { "635", 0, 635, 0 }, { "635.2", 0, 635, 2 },
		{ "635.2.0", 0, 635, 2 }, { "2147483647.2147483647", 0, 2147483647,
					    2147483647 },
		{ "", -1, 0, 0 }, { "0", -1, 0, 0 }, { "0.0", -1, 0, 0 },
		{ "1.", -1, 0, 0 }, { ".1", -1, 0, 0 }, { "1..0", -1, 0, 0 },
		{ "1.0.1", -1, 0, 0 }, { "1.0.", -1, 0, 0 }, { "1.0.0.0", -1, 0, 0 },
		{ "1.0.00x", -1, 0, 0 }, { "-1", -1, 0, 0 }, { "+1", -1, 0, 0 },
		{ " 1", -1, 0, 0 }, { "1 ", -1, 0, 0 }, { "1.x", -1, 0, 0 },
		{ "2147483648", -1, 0, 0 }, { "99999999999.0", -1, 0, 0 },
		{ "1.2147483648", -1, 0, 0 }, { "alice", -1, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		int c = -7, p = -7;
		int rc = sshjob_parse_id(cases[i].s, &c, &p);
		ok(rc == cases[i].rc && (rc < 0 ? c == -7 && p == -7 :
			c == cases[i].c && p == cases[i].p), "job id '%s'", cases[i].s);
	}
}

static void
test_env_parse(void)
{
	struct error err;
	char **v = sshjob_env_parse("A=1\0B=\0C=x=y\0", 13, "f", &err);
	ok(v != NULL && v[0] && v[1] && v[2] && !v[3], "three entries");
	if (v) {
		is_str(v[0], "A=1", "first entry");
		is_str(v[1], "B=", "an empty value");
		is_str(v[2], "C=x=y", "'=' in a value");
	}
	jobargs_free(v);
	v = sshjob_env_parse("", 0, "f", &err);
	ok(v != NULL && v[0] == NULL, "an empty file is an empty environment");
	jobargs_free(v);

	static const struct {
		const char *data;
		size_t len;
		const char *msg;
	} bad[] = {
		{ "A=1", 3, "f: entry 1 is not terminated by a NUL byte" },
		{ "A=1\0B", 5, "f: entry 2 is not terminated by a NUL byte" },
		{ "A\0", 2, "f: entry 1 has no '='" },
		{ "=1\0", 3, "f: entry 1 has no name" },
		{ "\0", 1, "f: entry 1 has no '='" },
		{ "B=1\0A=2\0", 8, "f: entry 2 is out of order or repeats a name" },
		{ "A=1\0A=2\0", 8, "f: entry 2 is out of order or repeats a name" },
		{ "AB=1\0A=2\0", 9, "f: entry 2 is out of order or repeats a name" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		error_clear(&err);
		v = sshjob_env_parse(bad[i].data, bad[i].len, "f", &err);
		ok(v == NULL, "bad .job.env %zu refused", i);
		is_str(err.msg, bad[i].msg, "bad .job.env %zu message", i);
		jobargs_free(v);
	}
	v = sshjob_env_parse("A=1\0AB=2\0", 9, "f", &err);
	ok(v != NULL, "a name that extends the previous one is in order");
	jobargs_free(v);
	size_t big = STARTER_JOB_ENV_MAX + 1;
	char *data = xcalloc(big, 1);
	v = sshjob_env_parse(data, big, "f", &err);
	ok(v == NULL && strstr(err.msg, "too large"), "an oversized file is refused");
	free(data);
}

static void
test_env_write(void)
{
	char *dir = fileio_join(root, "w");
	mkdir(dir, 0700);
	char *target = fileio_join(root, "target");
	char *link = fileio_join(dir, STARTER_JOB_ENV);
	symlink(target, link);
	struct error err;
	ok(starter_job_env_write(dir, (char *const *)job_env, &err) == 0,
	   "starter_job_env_write");
	struct stat st;
	ok(lstat(link, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600,
	   "a regular file of mode 0600 replaced the planted symlink");
	ok(access(target, F_OK) < 0, "the symlink was not followed");
	char *text;
	size_t len;
	if (fileio_read_all(link, STARTER_JOB_ENV_MAX, &text, &len, &err) == 0) {
		char **v = sshjob_env_parse(text, len, link, &err);
		ok(v != NULL && v[3] != NULL && v[4] == NULL, "it reads back");
		for (size_t i = 0; v && i < 4; i++)
			is_str(v[i], job_env[i], "entry %zu", i);
		jobargs_free(v);
		free(text);
	} else {
		ok(0, "read back: %s", err.msg);
	}
	ok(transfer_name_is_private(STARTER_JOB_ENV),
	   ".job.env is never transferred out");
	char *empty[] = { NULL };
	ok(starter_job_env_write(dir, empty, &err) == 0 && lstat(link, &st) == 0 &&
	   st.st_size == 0, "an empty environment is an empty file");
	free(target);
	free(link);
	free(dir);
}

static void
test_states(void)
{
	struct sshjob job;
	struct error err;
	struct sshjob_request req = request(99999);
	is_int(find(&req, &job, &err), SSHJOB_GONE, "an unknown job is gone");
	req = request(add_job(1, me, NULL, false));
	is_int(find(&req, &job, &err), SSHJOB_NOT_RUNNING, "an idle job is not running");
	req = request(add_job(5, me, NULL, false));
	is_int(find(&req, &job, &err), SSHJOB_HELD, "a held job");
	is_str(job.hold_reason, "via condor_hold (by user x)", "its hold reason");
	sshjob_release(&job);
	req = request(add_job(4, me, NULL, false));
	is_int(find(&req, &job, &err), SSHJOB_ENDED, "a completed job has ended");
	req = request(add_job(3, me, NULL, false));
	is_int(find(&req, &job, &err), SSHJOB_ENDED, "a removed job has ended");

	req = request(add_job(1, "someone-else", NULL, false));
	is_int(find(&req, &job, &err), -1, "another user's job is refused");
	ok(strstr(err.msg, "belongs to someone-else") &&
	   strstr(err.msg, "permission denied"), "with a message: %s", err.msg);
	req.super_users = me;
	is_int(find(&req, &job, &err), SSHJOB_NOT_RUNNING,
	       "a QUEUE_SUPER_USERS member may look at it");
}

static void
test_forged(void)
{
	struct sshjob job;
	struct error err;
	char *real = realpath(execute, NULL);
	char *dir1 = make_sandbox(1, 1);
	char *notdir = xasprintf("%s/dir_6", real);
	put(real, "dir_6", "x");
	char *link = xasprintf("%s/dir_5", real);
	symlink(dir1, link);
	char *paths[] = {
		"/tmp", "/etc", "", "relative/dir_1",
		xasprintf("%s/dir_x", real), xasprintf("%s/dir_", real),
		xasprintf("%s/dir_1/..", real), xasprintf("%s/../%s/dir_1", real,
							 strrchr(real, '/') + 1),
		xasprintf("%s/dir_1/", real), xasprintf("%s/dir_-1", real),
		xasprintf("%s/dir_99999999999999999999", real),
		xasprintf("%s//dir_1", real), link, notdir,
		xasprintf("%s/dir_7", real),	/* does not exist */
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
		struct sshjob_request req = request(add_job(2, me, paths[i], false));
		is_int(find(&req, &job, &err), -1, "forged sandbox '%s' refused", paths[i]);
		ok(strstr(err.msg, "job ") == err.msg, "  message names the job: %s",
		   err.msg);
	}
	for (size_t i = 4; i < sizeof(paths) / sizeof(*paths); i++)
		if (paths[i] != link && paths[i] != notdir)
			free(paths[i]);
	struct sshjob_request req = request(add_job(2, me, NULL, false));
	is_int(find(&req, &job, &err), -1, "a running job without a sandbox is refused");
	free(link);
	free(notdir);
	free(dir1);
	free(real);
}

/* A run in dir_<n> of a new running job; returns the request. */
static struct sshjob_request
running(int n, char **dir)
{
	char *real = realpath(execute, NULL);
	char *sb = xasprintf("%s/dir_%d", real, n);
	struct sshjob_request req = request(add_job(2, me, sb, false));
	*dir = make_sandbox(n, req.cluster);
	free(sb);
	free(real);
	return req;
}

static void
test_running(void)
{
	struct sshjob job;
	struct error err;
	char *dir;
	struct sshjob_request req = running(10, &dir);
	is_int(find(&req, &job, &err), SSHJOB_NOT_RUNNING,
	       "no .starter.pid yet: not running");
	put(dir, STARTER_PID_FILE, "999999999 1\n");
	is_int(find(&req, &job, &err), SSHJOB_NOT_RUNNING,
	       "a dead starter: not running");

	struct fake f;
	if (fake_starter(dir, &f) < 0) {
		ok(0, "fake starter");
		free(dir);
		return;
	}
	req.term = "xterm-test";
	is_int(find(&req, &job, &err), SSHJOB_READY, "a live run is ready");
	if (job.state == SSHJOB_READY) {
		char *real = realpath(dir, NULL);
		is_str(job.sandbox, real, "the sandbox");
		is_str(job.cwd, real, "the shell starts in the sandbox");
		free(real);
		is_int(job.starter, f.starter, "the starter");
		is_int(job.npids, 1, "one job process (the helper is not the job's)");
		is_int(job.npids ? job.pids[0] : 0, f.job, "the job's pid");
		char want[32];
		snprintf(want, sizeof(want), "%ld", (long)f.job);
		is_str(env_get(job.envp, SSHJOB_PIDS_VAR), want,
		       "_CONDOR_JOB_PIDS replaces the job's own");
		is_str(env_get(job.envp, "MARK"), "seen", "the job's environment");
		is_str(env_get(job.envp, "TERM"), "xterm-test", "TERM added");
		size_t n = 0;
		while (job.envp[n])
			n++;
		is_int(n, 5, "nothing else");
		char *sh = sshjob_pick_shell(&job, "no-such-shell,sh", NULL, &err);
		ok(sh && strcmp(strrchr(sh, '/'), "/sh") == 0 && sh[0] == '/',
		   "-shells: the first that exists, found in the job's PATH: %s",
		   sh ? sh : err.msg);
		free(sh);
		sh = sshjob_pick_shell(&job, "no-such-shell,,/nonexistent/sh", NULL, &err);
		ok(sh == NULL && strstr(err.msg, "none of the shells"),
		   "-shells: none exists: %s", err.msg);
		free(sh);
		sh = sshjob_pick_shell(&job, NULL, "/bin/sh", &err);
		is_str(sh, "/bin/sh", "$SHELL");
		free(sh);
		sh = sshjob_pick_shell(&job, NULL, "/nonexistent/shell", &err);
		ok(sh != NULL && sh[0] == '/', "a missing $SHELL falls back: %s",
		   sh ? sh : "(null)");
		free(sh);
	}
	sshjob_release(&job);

	/* hostile files in the sandbox */
	char *env = fileio_join(dir, STARTER_JOB_ENV);
	char *aside = fileio_join(dir, "env.aside");
	rename(env, aside);
	is_int(find(&req, &job, &err), SSHJOB_NOT_RUNNING,
	       "no .job.env yet (input transfer): not running");
	mkfifo(env, 0600);
	is_int(find(&req, &job, &err), -1, "a FIFO .job.env is refused, not read");
	unlink(env);
	symlink(aside, env);
	is_int(find(&req, &job, &err), -1, "a symlink .job.env is refused");
	unlink(env);
	put(dir, STARTER_JOB_ENV, "MARK=seen");
	is_int(find(&req, &job, &err), -1, "a malformed .job.env is refused");
	ok(strstr(err.msg, env) != NULL, "  naming the file: %s", err.msg);
	rename(aside, env);
	is_int(find(&req, &job, &err), SSHJOB_READY, "restored: ready again");
	sshjob_release(&job);

	put(dir, STARTER_JOB_AD, "ClusterId = 12345\nProcId = 0\n");
	is_int(find(&req, &job, &err), -1, "a sandbox of another job is refused");
	ok(strstr(err.msg, "belongs to another job") != NULL, "  %s", err.msg);
	char *ad = xasprintf("ClusterId = %d\nProcId = 0\n", req.cluster);
	put(dir, STARTER_JOB_AD, ad);
	free(ad);

	/* The fake starter never reaps it: a zombie is no job process. */
	kill(f.job, SIGKILL);
	pid_t *pids = NULL;
	for (int i = 0; i < 1000 && sshjob_job_pids(f.starter, &pids) > 0; i++) {
		free(pids);
		usleep(1000);
	}
	free(pids);
	is_int(find(&req, &job, &err), SSHJOB_NOT_RUNNING,
	       "no job process (between incarnations): not running");
	fake_stop(&f);
	is_int(find(&req, &job, &err), SSHJOB_NOT_RUNNING,
	       "the starter gone: not running");

	char *pidf = fileio_join(dir, STARTER_PID_FILE);
	unlink(pidf);
	mkfifo(pidf, 0600);
	is_int(find(&req, &job, &err), SSHJOB_NOT_RUNNING,
	       "a FIFO .starter.pid does not block");
	free(pidf);
	free(env);
	free(aside);
	free(dir);
}

static void
test_shared(void)
{
	struct sshjob job;
	struct error err;
	char *real = realpath(execute, NULL);
	char *sb = xasprintf("%s/dir_20", real);
	struct sshjob_request req = request(add_job(2, me, sb, true));
	char *dir = make_sandbox(20, req.cluster);
	struct fake f;
	if (fake_starter(dir, &f) == 0) {
		is_int(find(&req, &job, &err), SSHJOB_READY, "a job without transfer");
		is_str(job.cwd, root, "its shell starts in its Iwd");
		sshjob_release(&job);
		fake_stop(&f);
	}
	pid_t *pids;
	is_int(sshjob_job_pids(getpid(), &pids), 0, "no children, no job pids");
	ok(pids == NULL, "and no array");
	free(sb);
	free(real);
	free(dir);
}

int
main(void)
{
	plan_lazy();
	if (mkdtemp(root) == NULL)
		return 1;
	spool = fileio_join(root, "spool");
	execute = fileio_join(root, "execute");
	mkdir(execute, 0700);
	struct passwd *pw = getpwuid(geteuid());
	me = xstrdup(pw ? pw->pw_name : "me");

	test_parse_id();
	test_env_parse();
	test_env_write();
	test_states();
	test_forged();
	test_running();
	test_shared();

	char *cmd[] = { "rm", "-rf", root, NULL };
	pid_t pid = fork();
	if (pid == 0) {
		execvp("rm", cmd);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	free(spool);
	free(execute);
	free(me);
	return tap_done();
}
