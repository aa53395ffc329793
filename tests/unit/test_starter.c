/*
 * test_starter.c - the per-job starter end to end: a temporary SPOOL with
 * a queue, an Iwd, and a sandbox EXECUTE/dir_<n> holding a .job.ad written
 * by hand; starter_run runs in a forked child (it takes over its process)
 * and the test reads .starter.result, the spool, the Iwd, the event log
 * and the queue.  The jobs are small /bin/sh scripts.
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
#include <time.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "num.h"
#include "queue.h"
#include "spool.h"
#include "starter.h"
#include "strbuf.h"
#include "xalloc.h"
#include "tap.h"
#include "banned.h"

static char root[] = "/tmp/test_starter.XXXXXX";
static char *spool;
static int next_cluster = 1;

/* One job under test. */
struct tjob {
	int cluster;
	char *iwd, *sandbox, *jobspool;
};

static char *
path2(const char *dir, const char *name)
{
	return fileio_join(dir, name);
}

static void
put(const char *dir, const char *name, const char *data, mode_t mode)
{
	char *p = path2(dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd >= 0) {
		fileio_write_all(fd, data, strlen(data), p, NULL);
		fchmod(fd, mode);
		close(fd);
	}
	free(p);
}

/* Contents of dir/name, or "(missing)"; caller frees. */
static char *
get(const char *dir, const char *name)
{
	char *p = path2(dir, name), *s = NULL;
	size_t len;
	if (fileio_read_all(p, 1 << 24, &s, &len, NULL) < 0)
		s = xstrdup("(missing)");
	free(p);
	return s;
}

static void
is_file(const char *dir, const char *name, const char *want, const char *what)
{
	char *got = get(dir, name);
	is_str(got, want, "%s", what);
	free(got);
}

static bool
exists(const char *dir, const char *name)
{
	char *p = path2(dir, name);
	struct stat st;
	bool r = lstat(p, &st) == 0;
	free(p);
	return r;
}

static int
count_of(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/*
 * Makes job <next_cluster>.0: an Iwd holding job.sh (script), the job in
 * the queue, and a sandbox holding its .job.ad.  extra holds more
 * "Name = value" lines for the ad.
 */
static struct tjob
make_job(const char *script, const char *extra)
{
	struct tjob j = { .cluster = next_cluster++ };
	char name[64];
	snprintf(name, sizeof(name), "iwd_%d", j.cluster);
	j.iwd = path2(root, name);
	snprintf(name, sizeof(name), "execute/dir_%d", j.cluster);
	j.sandbox = path2(root, name);
	j.jobspool = spool_job_dir(spool, j.cluster, 0);
	mkdir(j.iwd, 0700);
	mkdir(j.sandbox, 0700);
	put(j.iwd, "job.sh", script, 0755);

	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "ClusterId = %d\nProcId = 0\nJobStatus = 2\n"
		    "Iwd = \"%s\"\nCmd = \"%s/job.sh\"\nOut = \"job.out\"\n"
		    "Err = \"job.err\"\nUserLog = \"%s/job.log\"\n"
		    "ShouldTransferFiles = \"YES\"\nWhenToTransferOutput = \"ON_EXIT\"\n"
		    "%s\n", j.cluster, j.iwd, j.iwd, j.iwd, extra ? extra : "");
	char *adpath = path2(j.sandbox, STARTER_JOB_AD);
	struct error err = { "" };
	put(j.sandbox, STARTER_JOB_AD, sb.buf, 0644);
	struct classad *proc = starter_job_ad_read(adpath, &err);
	if (proc == NULL)
		diag("job ad: %s", err.msg);
	struct queue *q = queue_open(spool, QUEUE_WRITE, &err);
	struct classad *cad = classad_new();
	classad_set_int(cad, "ClusterId", j.cluster);
	if (q == NULL || proc == NULL ||
	    queue_add_cluster(q, j.cluster, cad, &proc, 1, &err) < 0 ||
	    queue_commit(q, &err) < 0)
		diag("queue: %s", err.msg);
	if (q != NULL)
		queue_close(q);
	free(adpath);
	strbuf_release(&sb);
	return j;
}

static void
free_job(struct tjob *j)
{
	free(j->iwd);
	free(j->sandbox);
	free(j->jobspool);
}

static pid_t
start_starter(const struct tjob *j)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct error err = { "" };
		int rc = starter_run(j->sandbox, &err);
		if (rc != 0)
			fprintf(stderr, "starter_run: %s\n", err.msg);
		exit(rc);
	}
	return pid;
}

static int
finish_starter(pid_t pid, const struct tjob *j, struct starter_result *r)
{
	int status = -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	struct error err = { "" };
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		diag("starter child status %#x", status);
	if (starter_result_read(j->sandbox, r, &err) < 0) {
		diag("result: %s", err.msg);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int
run(const struct tjob *j, struct starter_result *r)
{
	return finish_starter(start_starter(j), j, r);
}

/* Waits (up to 10 s) until the job has created dir/name. */
static bool
wait_for(const char *dir, const char *name)
{
	for (int i = 0; i < 2000; i++) {
		if (exists(dir, name))
			return true;
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
	return false;
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The job's attribute as canonical text from the queue, or "(none)". */
static char *
queue_attr(int cluster, const char *name)
{
	struct error err;
	struct queue *q = queue_open(spool, QUEUE_READ, &err);
	const struct classad *ad = q ? queue_find(q, cluster, 0) : NULL;
	const char *t = ad ? classad_lookup_text(ad, name) : NULL;
	char *r = xstrdup(t ? t : "(none)");
	if (q)
		queue_close(q);
	return r;
}

static void
is_queue_attr(int cluster, const char *name, const char *want)
{
	char *got = queue_attr(cluster, name);
	is_str(got, want, "queue %s", name);
	free(got);
}

/* ------------------------------------------------------------------ */

static void
test_normal_exit(void)
{
	struct tjob j = make_job(
		"#!/bin/sh\n"
		"echo hello; echo oops >&2\n"
		"echo data > out.dat\n"
		"mkdir sub; echo x > sub/inner\n"
		"{ echo \"$#:$1:$2\"; echo \"$_CONDOR_SCRATCH_DIR\"; echo \"$_CONDOR_JOB_AD\";\n"
		"  echo \"$TMPDIR:$OMP_NUM_THREADS:$BATCH_SYSTEM:$FOO:$(pwd)\";\n"
		"  echo \"$MKL_NUM_THREADS:$SCR:$SAMPLE_VAR:$STARTER_ONLY:$HOME\"; } > env.txt\n"
		"cat input.txt >> env.txt\n"
		"exit 0\n",
		"Arguments = \"one two' 'words\"\n"
		"Environment = \"FOO=bar OMP_NUM_THREADS=7 SCR=$$(CondorScratchDir)/x\"\n"
		"RequestCpus = 1\nTransferInput = \"input.txt\"");
	put(j.iwd, "input.txt", "in\n", 0644);
	setenv("_CONDOR_STARTER_JOB_ENVIRONMENT", "\"SAMPLE_VAR=AnExample FOO=no\"", 1);
	setenv("STARTER_ONLY", "leaked", 1);
	setenv("HOME", "/nonexistent-home", 1);
	struct starter_result r;
	is_int(run(&j, &r), 0, "normal: starter exits 0");
	unsetenv("_CONDOR_STARTER_JOB_ENVIRONMENT");
	unsetenv("STARTER_ONLY");
	is_int(r.outcome, STARTER_EXITED, "normal: EXITED");
	ok(WIFEXITED(r.wait_status) && WEXITSTATUS(r.wait_status) == 0,
	   "normal: exit 0");
	is_int(r.hold_code, 0, "normal: no hold");
	is_file(j.iwd, "job.out", "hello\n", "normal: stdout copied to Out");
	is_file(j.iwd, "job.err", "oops\n", "normal: stderr copied to Err");
	is_file(j.iwd, "out.dat", "data\n", "normal: new file transferred");
	ok(!exists(j.iwd, "inner") && !exists(j.iwd, "sub"),
	   "normal: a new subdirectory is not output");
	ok(!exists(j.iwd, STARTER_JOB_AD) && !exists(j.iwd, STARTER_PID_FILE),
	   "normal: starter files stay in the sandbox");
	struct strbuf want = STRBUF_INIT;
	struct passwd *pw = getpwuid(getuid());
	strbuf_addf(&want, "2:one:two words\n%s\n%s/.job.ad\n%s:7:HTCondor:bar:%s\n"
		    "1:%s/x:AnExample::%s\nin\n", j.sandbox, j.sandbox, j.sandbox,
		    j.sandbox, j.sandbox, pw ? pw->pw_dir : "?");
	is_file(j.iwd, "env.txt", want.buf, "normal: argv, environment, cwd, input");
	strbuf_release(&want);
	char *log = get(j.iwd, "job.log");
	is_int(count_of(log, "Started transferring output files"), 1,
	       "normal: 040 started");
	is_int(count_of(log, "Finished transferring output files"), 1,
	       "normal: 040 finished");
	free(log);
	ok(r.bytes_received > 0 && r.bytes_sent > 0, "normal: bytes counted");
	is_int(starter_alive(j.sandbox), 0, "normal: starter no longer alive");
	ok(!exists(j.jobspool, "."), "normal: nothing spooled");
	free_job(&j);
}

static const char counting[] =
	"#!/bin/sh\n"
	"n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count\n"
	"echo \"run $n\"\n"
	"[ $n -lt 3 ] && exit 85\n"
	"exit 0\n";

static void
test_checkpoints(void)
{
	struct tjob j = make_job(counting,
				 "SuccessCheckpointExitCode = 85\n"
				 "WantFTOnCheckpoint = true\n"
				 "TransferCheckpoint = \"count\"");
	struct starter_result r;
	is_int(run(&j, &r), 0, "ckpt: starter exits 0");
	is_int(r.outcome, STARTER_EXITED, "ckpt: EXITED at the end");
	is_int(r.checkpoints, 2, "ckpt: two checkpoints");
	is_file(j.jobspool, "count", "2\n", "ckpt: spool holds the last checkpoint");
	is_file(j.jobspool, STARTER_STDOUT, "run 1\nrun 2\n",
		"ckpt: spooled stdout accumulates");
	is_file(j.iwd, "job.out", "run 1\nrun 2\nrun 3\n",
		"ckpt: stdout appended across restarts");
	is_file(j.iwd, "count", "3\n", "ckpt: final output");
	is_queue_attr(j.cluster, "CheckpointNumber", "1");
	is_queue_attr(j.cluster, "NumOutputTransferStarts", "2");
	char *t = queue_attr(j.cluster, "JobLastCheckpointTime");
	long long v = 0;
	num_parse_ll(t, 0, 1LL << 40, &v);
	free(t);
	ok(v > 1700000000, "ckpt: JobLastCheckpointTime set");
	t = queue_attr(j.cluster, "CommittedTime");
	ok(strcmp(t, "(none)") != 0, "ckpt: CommittedTime set (%s)", t);
	free(t);
	char *log = get(j.iwd, "job.log");
	is_int(count_of(log, "Finished transferring output files"), 3,
	       "ckpt: 040 pairs for two checkpoints and the exit");
	ok(count_of(log, "001 (") == 0, "ckpt: the starter writes no 001");
	free(log);
	free_job(&j);
}

static void
test_signal_checkpoint(void)
{
	struct tjob j = make_job(
		"#!/bin/sh\n"
		"if [ ! -e state ]; then echo 1 > state; kill -USR2 $$; sleep 5; fi\n"
		"echo done\nexit 0\n",
		"SuccessCheckpointExitBySignal = true\n"
		"SuccessCheckpointExitSignal = \"SIGUSR2\"\n"
		"WantFTOnCheckpoint = true\nTransferCheckpoint = \"state\"");
	struct starter_result r;
	run(&j, &r);
	is_int(r.outcome, STARTER_EXITED, "by signal: EXITED");
	is_int(r.checkpoints, 1, "by signal: one checkpoint");
	is_file(j.jobspool, "state", "1\n", "by signal: committed");
	is_file(j.iwd, "job.out", "done\n", "by signal: restarted");
	free_job(&j);
}

static void
test_unspecified_files(void)
{
	struct tjob j = make_job(
		"#!/bin/sh\n"
		"if [ ! -e checkpoint-file-1 ]; then touch checkpoint-file-1; exit 85; fi\n"
		"exit 0\n",
		"SuccessCheckpointExitCode = 85");
	struct starter_result r;
	run(&j, &r);
	is_int(r.outcome, STARTER_EXITED, "unspecified: EXITED");
	is_int(r.checkpoints, 1, "unspecified: one checkpoint");
	ok(exists(j.jobspool, "checkpoint-file-1"), "unspecified: new file spooled");
	ok(exists(j.jobspool, STARTER_STDOUT) && exists(j.jobspool, STARTER_STDERR),
	   "unspecified: stdout and stderr spooled");
	ok(!exists(j.jobspool, STARTER_JOB_AD) && !exists(j.jobspool, ".machine.ad") &&
	   !exists(j.jobspool, STARTER_PID_FILE) && !exists(j.jobspool, "job.sh"),
	   "unspecified: no .job.ad, .machine.ad, .starter.pid or executable");
	free_job(&j);
}

static void
test_checkpoint_failure(void)
{
	struct tjob j = make_job(
		"#!/bin/sh\n"
		"if [ ! -e marker ]; then echo good > state; touch marker; exit 85; fi\n"
		"rm -f state; exit 85\n",
		"SuccessCheckpointExitCode = 85\nTransferCheckpoint = \"state, marker\"");
	struct starter_result r;
	run(&j, &r);
	is_int(r.outcome, STARTER_CHECKPOINT_FAILED, "missing file: CHECKPOINT_FAILED");
	is_int(r.hold_code, 36, "missing file: code 36");
	is_int(r.hold_subcode, -1, "missing file: subcode -1");
	ok(strncmp(r.hold_reason, "Starter failed to upload checkpoint: ", 37) == 0 &&
	   strstr(r.hold_reason, "state") != NULL, "missing file: reason '%s'",
	   r.hold_reason);
	is_int(r.checkpoints, 1, "missing file: the first checkpoint counted");
	is_file(j.jobspool, "state", "good\n", "missing file: previous checkpoint kept");
	ok(!exists(j.iwd, "job.out"), "missing file: no output transfer");
	free_job(&j);

	/* A symlink to a directory: HTCondor's test case for this hold. */
	j = make_job("#!/bin/sh\nln -s /tmp s\nexit 85\n",
		     "SuccessCheckpointExitCode = 85\nTransferCheckpoint = \"s\"");
	run(&j, &r);
	is_int(r.outcome, STARTER_CHECKPOINT_FAILED, "symlink: CHECKPOINT_FAILED");
	is_int(r.hold_code, 36, "symlink: code 36");
	ok(!exists(j.jobspool, "s"), "symlink: nothing spooled");
	free_job(&j);
}

static const char sleeper[] =
	"#!/bin/sh\n"
	"echo partial > partial.dat\n"
	"echo before\n"
	"touch started\n"
	"sleep 30 & wait\n";

static void
test_vacate(void)
{
	struct tjob j = make_job(sleeper,
				 "WhenToTransferOutput = \"ON_EXIT_OR_EVICT\"\n"
				 "TransferOutput = \"partial.dat\"");
	pid_t pid = start_starter(&j);
	ok(wait_for(j.sandbox, "started"), "vacate: job started");
	is_int(starter_alive(j.sandbox), pid, "vacate: starter_alive names the starter");
	kill(pid, STARTER_SIG_VACATE);
	struct starter_result r;
	finish_starter(pid, &j, &r);
	is_int(r.outcome, STARTER_EVICTED, "vacate: EVICTED");
	ok(WIFSIGNALED(r.wait_status) && WTERMSIG(r.wait_status) == SIGTERM,
	   "vacate: the job got SIGTERM");
	ok(r.output_transferred, "vacate: ON_EXIT_OR_EVICT output committed");
	is_file(j.jobspool, "partial.dat", "partial\n", "vacate: output in the spool");
	is_file(j.jobspool, STARTER_STDOUT, "before\n", "vacate: stdout in the spool");
	ok(!exists(j.iwd, "partial.dat"), "vacate: nothing sent to the Iwd");
	is_int(starter_alive(j.sandbox), 0, "vacate: starter gone");
	free_job(&j);

	/* ON_EXIT (the default): a vacate transfers nothing. */
	j = make_job(sleeper, "KillSig = \"SIGINT\"");
	pid = start_starter(&j);
	wait_for(j.sandbox, "started");
	kill(pid, STARTER_SIG_VACATE);
	finish_starter(pid, &j, &r);
	is_int(r.outcome, STARTER_EVICTED, "vacate on exit: EVICTED");
	ok(WIFSIGNALED(r.wait_status) && WTERMSIG(r.wait_status) == SIGINT,
	   "vacate on exit: KillSig honoured");
	ok(!r.output_transferred && !exists(j.jobspool, "partial.dat"),
	   "vacate on exit: nothing spooled");
	free_job(&j);
}

static void
test_vacate_timeout(void)
{
	struct tjob j = make_job(
		"#!/bin/sh\ntrap '' TERM\ntouch started\necho x > partial.dat\n"
		"sleep 30\n",
		"WhenToTransferOutput = \"ON_EXIT_OR_EVICT\"\nJobMaxVacateTime = 1");
	pid_t pid = start_starter(&j);
	ok(wait_for(j.sandbox, "started"), "stubborn: job started");
	double t0 = now_s();
	kill(pid, STARTER_SIG_VACATE);
	struct starter_result r;
	finish_starter(pid, &j, &r);
	double took = now_s() - t0;
	is_int(r.outcome, STARTER_EVICTED, "stubborn: EVICTED");
	ok(WIFSIGNALED(r.wait_status) && WTERMSIG(r.wait_status) == SIGKILL,
	   "stubborn: SIGKILLed");
	ok(took > 0.8 && took < 5, "stubborn: killed after the grace period (%.2fs)",
	   took);
	ok(!r.output_transferred && !exists(j.jobspool, "."),
	   "stubborn: nothing committed");
	free_job(&j);

	/* MachineMaxVacateTime caps the job's own value. */
	setenv("_CONDOR_MachineMaxVacateTime", "0", 1);
	j = make_job("#!/bin/sh\ntrap '' TERM\ntouch started\nsleep 30\n",
		     "JobMaxVacateTime = 100");
	pid = start_starter(&j);
	wait_for(j.sandbox, "started");
	t0 = now_s();
	kill(pid, STARTER_SIG_VACATE);
	finish_starter(pid, &j, &r);
	unsetenv("_CONDOR_MachineMaxVacateTime");
	ok(now_s() - t0 < 0.8 && WIFSIGNALED(r.wait_status) &&
	   WTERMSIG(r.wait_status) == SIGKILL, "machine cap: killed at once");
	free_job(&j);
}

static void
test_fast_kill(void)
{
	struct tjob j = make_job(sleeper,
				 "WhenToTransferOutput = \"ON_EXIT_OR_EVICT\"");
	pid_t pid = start_starter(&j);
	wait_for(j.sandbox, "started");
	kill(pid, STARTER_SIG_KILL);
	struct starter_result r;
	finish_starter(pid, &j, &r);
	is_int(r.outcome, STARTER_EVICTED, "kill: EVICTED");
	ok(WIFSIGNALED(r.wait_status) && WTERMSIG(r.wait_status) == SIGKILL,
	   "kill: SIGKILL");
	ok(!r.output_transferred && !exists(j.jobspool, "."), "kill: no transfer");
	free_job(&j);
}

static void
test_checkpoint_signal(void)
{
	const char *script =
		"#!/bin/sh\n"
		"if [ -e state ]; then echo resumed; exit 0; fi\n"
		"trap 'echo 1 > state; exit $CODE' USR2\n"
		"touch started\n"
		"while :; do sleep 0.05; done\n";
	struct tjob j = make_job(script,
				 "SuccessCheckpointExitCode = 85\n"
				 "WantCheckpointSignal = true\nCheckpointSig = \"SIGUSR2\"\n"
				 "Environment = \"CODE=85\"\nTransferCheckpoint = \"state\"");
	pid_t pid = start_starter(&j);
	wait_for(j.sandbox, "started");
	kill(pid, STARTER_SIG_CHECKPOINT);
	struct starter_result r;
	finish_starter(pid, &j, &r);
	is_int(r.outcome, STARTER_EXITED, "ckpt signal: EXITED after the restart");
	is_int(r.checkpoints, 1, "ckpt signal: one checkpoint");
	is_file(j.iwd, "job.out", "resumed\n", "ckpt signal: restarted in place");
	free_job(&j);

	j = make_job(script,
		     "SuccessCheckpointExitCode = 85\n"
		     "WantCheckpointSignal = true\nCheckpointSig = \"SIGUSR2\"\n"
		     "Environment = \"CODE=3\"\nTransferCheckpoint = \"state\"");
	pid = start_starter(&j);
	wait_for(j.sandbox, "started");
	kill(pid, STARTER_SIG_CHECKPOINT);
	finish_starter(pid, &j, &r);
	is_int(r.outcome, STARTER_CHECKPOINT_FAILED, "broken promise: CHECKPOINT_FAILED");
	is_int(r.hold_code, 36, "broken promise: code 36");
	is_int(r.hold_subcode, 3 << 8, "broken promise: subcode is the wait status");
	ok(strstr(r.hold_reason, "did not exit as promised") != NULL,
	   "broken promise: reason '%s'", r.hold_reason);
	ok(!exists(j.jobspool, "state"), "broken promise: nothing committed");
	free_job(&j);
}

static void
test_start_failures(void)
{
	struct tjob j = make_job("#!/bin/sh\nexit 0\n",
				 "TransferExecutable = false\nCmd = \"/no/such/exe\"\n"
				 "Args = \"a b\"");
	struct starter_result r;
	is_int(run(&j, &r), 0, "exec failure: the result is still written");
	is_int(r.outcome, STARTER_START_FAILED, "exec failure: START_FAILED");
	is_int(r.hold_code, 6, "exec failure: code 6");
	is_int(r.hold_subcode, ENOENT, "exec failure: subcode errno");
	is_str(r.hold_reason, "Failed to execute '/no/such/exe' with arguments a b: "
	       "(errno=2: 'No such file or directory')", "exec failure: reason");
	free_job(&j);

	j = make_job("no shebang, not a program\n", NULL);
	run(&j, &r);
	is_int(r.outcome, STARTER_START_FAILED, "not executable: START_FAILED");
	is_int(r.hold_subcode, ENOEXEC, "not executable: ENOEXEC");
	free_job(&j);

	j = make_job("#!/bin/sh\nexit 0\n", "TransferInput = \"missing.txt\"");
	run(&j, &r);
	is_int(r.outcome, STARTER_START_FAILED, "missing input: START_FAILED");
	is_int(r.hold_code, 13, "missing input: code 13");
	ok(strstr(r.hold_reason, "missing.txt") != NULL, "missing input: '%s'",
	   r.hold_reason);
	free_job(&j);

	j = make_job("#!/bin/sh\nexit 0\n", "In = \"absent.in\"\nTransferIn = false");
	run(&j, &r);
	is_int(r.outcome, STARTER_START_FAILED, "missing stdin: START_FAILED");
	is_int(r.hold_code, 8, "missing stdin: code 8");
	free_job(&j);

	j = make_job("#!/bin/sh\nexit 0\n", "Iwd = \"relative\"");
	run(&j, &r);
	is_int(r.outcome, STARTER_START_FAILED, "bad Iwd: START_FAILED");
	free_job(&j);

	j = make_job("#!/bin/sh\nexit 0\n", NULL);
	put(j.sandbox, STARTER_JOB_AD, "ClusterId = 1\nthis is not an ad\n", 0644);
	run(&j, &r);
	is_int(r.outcome, STARTER_START_FAILED, "bad .job.ad: START_FAILED");
	ok(strstr(r.hold_reason, ".job.ad:2") != NULL, "bad .job.ad: '%s'",
	   r.hold_reason);
	free_job(&j);
}

static void
test_left_the_queue(void)
{
	struct tjob j = make_job(
		"#!/bin/sh\n"
		"if [ ! -e count ]; then echo 1 > count; exit 85; fi\n"
		"sleep 30\n",
		"SuccessCheckpointExitCode = 85");
	struct error err;
	struct queue *q = queue_open(spool, QUEUE_WRITE, &err);
	queue_remove_job(q, j.cluster, 0, &err);
	queue_commit(q, &err);
	queue_close(q);
	struct starter_result r;
	double t0 = now_s();
	run(&j, &r);
	is_int(r.outcome, STARTER_EVICTED, "gone: EVICTED after the checkpoint");
	ok(now_s() - t0 < 10 && WIFSIGNALED(r.wait_status) &&
	   WTERMSIG(r.wait_status) == SIGKILL, "gone: the restarted job was killed");
	is_int(r.checkpoints, 1, "gone: the checkpoint was committed");
	is_file(j.jobspool, "count", "1\n", "gone: spool holds it");
	free_job(&j);
}

static void
test_output_variants(void)
{
	/* Out == Err: one file; an empty TransferOutput sends only it;
	 * stragglers are killed. */
	struct tjob j = make_job(
		"#!/bin/sh\necho out; echo err >&2; echo x > new.dat\n"
		"sleep 100 & echo $! > bg.pid\n"
		"setsid sh -c 'echo $$ > bg2.pid; exec sleep 100' &\n"
		"while [ ! -s bg2.pid ]; do :; done\nexit 3\n",
		"Out = \"both.txt\"\nErr = \"both.txt\"\nTransferOutput = \"\"");
	struct starter_result r;
	run(&j, &r);
	is_int(r.outcome, STARTER_EXITED, "variants: EXITED");
	ok(WIFEXITED(r.wait_status) && WEXITSTATUS(r.wait_status) == 3,
	   "variants: exit code 3");
	is_file(j.iwd, "both.txt", "out\nerr\n", "variants: output == error");
	ok(!exists(j.iwd, "new.dat"), "variants: empty TransferOutput sends nothing");
	char *bg = get(j.sandbox, "bg.pid");
	int bgpid = 0;
	num_parse_int(bg, 1, 1 << 30, &bgpid);
	ok(bgpid > 0 && kill(bgpid, 0) < 0 && errno == ESRCH,
	   "variants: the background process was killed");
	free(bg);
	bg = get(j.sandbox, "bg2.pid");
	bgpid = 0;
	num_parse_int(bg, 1, 1 << 30, &bgpid);
	ok(bgpid > 0 && kill(bgpid, 0) < 0 && errno == ESRCH,
	   "variants: a process in a session of its own was killed too");
	free(bg);
	free_job(&j);

	/* A job that locks its sandbox still gets its result written. */
	j = make_job("#!/bin/sh\nchmod 0 .\nexit 4\n", NULL);
	run(&j, &r);
	is_int(r.outcome, STARTER_EXITED, "locked sandbox: EXITED");
	ok(WIFEXITED(r.wait_status) && WEXITSTATUS(r.wait_status) == 4,
	   "locked sandbox: exit code 4");
	free_job(&j);

	/* Remaps, and success_exit_code's failure files. */
	j = make_job("#!/bin/sh\necho a > a.dat; echo b > b.dat\nexit 0\n",
		     "TransferOutput = \"a.dat,b.dat\"\n"
		     "TransferOutputRemaps = \"a.dat = renamed.dat\"");
	run(&j, &r);
	is_file(j.iwd, "renamed.dat", "a\n", "remap: renamed");
	ok(!exists(j.iwd, "a.dat"), "remap: not under the old name");
	is_file(j.iwd, "b.dat", "b\n", "remap: others unchanged");
	free_job(&j);

	j = make_job("#!/bin/sh\necho a > a.dat; echo said\nexit 0\n",
		     "JobSuccessExitCode = 1");
	run(&j, &r);
	is_int(r.outcome, STARTER_EXITED, "failure files: EXITED");
	ok(!exists(j.iwd, "a.dat"), "failure files: outputs not sent");
	is_file(j.iwd, "job.out", "said\n", "failure files: stdout sent");
	free_job(&j);

	/* A listed output that does not exist: hold 12. */
	j = make_job("#!/bin/sh\nexit 0\n", "TransferOutput = \"nothere\"");
	run(&j, &r);
	is_int(r.outcome, STARTER_EXITED, "missing output: EXITED");
	is_int(r.hold_code, 12, "missing output: hold code 12");
	ok(strstr(r.hold_reason, "Transfer output files failure") != NULL &&
	   strstr(r.hold_reason, "nothere") != NULL, "missing output: '%s'",
	   r.hold_reason);
	free_job(&j);

	/* ShouldTransferFiles NO: runs in the Iwd and writes Out there. */
	j = make_job("#!/bin/sh\npwd\necho here > made.dat\nexit 0\n",
		     "ShouldTransferFiles = \"NO\"");
	run(&j, &r);
	is_int(r.outcome, STARTER_EXITED, "shared: EXITED");
	struct strbuf want = STRBUF_INIT;
	strbuf_addf(&want, "%s\n", j.iwd);
	is_file(j.iwd, "job.out", want.buf, "shared: cwd is the Iwd");
	strbuf_release(&want);
	ok(!exists(j.sandbox, "job.sh") && !exists(j.sandbox, STARTER_STDOUT),
	   "shared: nothing transferred in");
	free_job(&j);
}

static void
test_spool_restore(void)
{
	/* A second start (new sandbox) restores the spool, which wins over
	 * inputs, and stdout resumes from the spooled copy. */
	struct tjob j = make_job(
		"#!/bin/sh\ncat state\necho second > state\nexit 0\n",
		"SuccessCheckpointExitCode = 85\nTransferInput = \"state\"\n"
		"TransferCheckpoint = \"state\"");
	put(j.iwd, "state", "input\n", 0644);
	fileio_mkdirs(j.jobspool, 0700, NULL);
	put(j.jobspool, "state", "spooled\n", 0644);
	put(j.jobspool, STARTER_STDOUT, "earlier\n", 0644);
	struct starter_result r;
	run(&j, &r);
	is_file(j.iwd, "job.out", "earlier\nspooled\n",
		"restore: spool wins, stdout appended to its spooled copy");
	free_job(&j);
}

static void
test_result_files(void)
{
	char *dir = path2(root, "results");
	mkdir(dir, 0700);
	struct starter_result w = { .outcome = STARTER_CHECKPOINT_FAILED,
				    .wait_status = 85 << 8, .hold_code = 36,
				    .hold_subcode = -1, .usr_sec = 5,
				    .checkpoints = 7, .bytes_sent = 1LL << 40 };
	snprintf(w.hold_reason, sizeof(w.hold_reason), "two\nlines\r");
	struct starter_result r;
	struct error err = { "" };
	ok(starter_result_write(dir, &w, &err) == 0, "result: written");
	ok(starter_result_read(dir, &r, &err) == 0, "result: read back");
	ok(r.outcome == w.outcome && r.wait_status == w.wait_status &&
	   r.hold_code == 36 && r.hold_subcode == -1 && r.usr_sec == 5 &&
	   r.checkpoints == 7 && r.bytes_sent == w.bytes_sent,
	   "result: fields round-trip");
	is_str(r.hold_reason, "two|lines ", "result: newlines mapped");
	static const char *const bad[] = {
		"outcome = EXITED\n",
		"wait_status = 0\n",
		"outcome = PARTY\nwait_status = 0\n",
		"outcome = EXITED\nwait_status = 999999\n",
		"outcome = EXITED\nwait_status = 0\nusr_sec = -1\n",
		"outcome = EXITED\nwait_status = 0\ngarbage\n",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(dir, STARTER_RESULT_FILE, bad[i], 0600);
		ok(starter_result_read(dir, &r, &err) == -1 && r.outcome == 0,
		   "result: hostile file %zu refused (%s)", i, err.msg);
	}
	put(dir, STARTER_RESULT_FILE, "outcome = EXITED\nwait_status = 0\n"
	    "future_field = 1\n", 0600);
	ok(starter_result_read(dir, &r, &err) == 0, "result: unknown fields ignored");
	char *p = path2(dir, STARTER_RESULT_FILE);
	unlink(p);
	mkdir(p, 0700);
	ok(starter_result_write(dir, &w, &err) == 0,
	   "result: a directory planted at the name is moved aside");
	free(p);
	ok(starter_result_read(dir, &r, &err) == 0, "result: and it reads back");

	char text[64];
	snprintf(text, sizeof(text), "%ld 1\n", (long)getpid());
	put(dir, STARTER_PID_FILE, text, 0644);
	is_int(starter_alive(dir), 0, "alive: a reused pid is not the starter");
	put(dir, STARTER_PID_FILE, "junk", 0644);
	is_int(starter_alive(dir), 0, "alive: junk");
	is_str(starter_outcome_name(STARTER_EVICTED), "EVICTED", "outcome name");
	free(dir);
}

static void
test_standalone_errors(void)
{
	struct error err = { "" };
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		exit(starter_run("/no/such/sandbox", &err) == 1 &&
		     strstr(err.msg, "/no/such/sandbox") ? 0 : 1);
	int status;
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "a missing sandbox: status 1 and a message naming it");
	char *p = path2(root, "nope.ad");
	ok(starter_job_ad_read(p, &err) == NULL, "job ad: missing file");
	put(root, "nope.ad", "A = 1\n\n  B  =  (A + 1)\n9x = 2\n", 0644);
	ok(starter_job_ad_read(p, &err) == NULL && strstr(err.msg, "nope.ad:4"),
	   "job ad: bad name at line 4 (%s)", err.msg);
	put(root, "nope.ad", "A = 1\nB = (A +\n", 0644);
	ok(starter_job_ad_read(p, &err) == NULL && strstr(err.msg, "nope.ad:2"),
	   "job ad: bad expression at line 2 (%s)", err.msg);
	free(p);
}

int
main(void)
{
	plan_lazy();
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	spool = path2(root, "spool");
	char *exec = path2(root, "execute");
	mkdir(exec, 0700);
	setenv("CONDOR_CONFIG", "/dev/null", 1);
	setenv("_CONDOR_SPOOL", spool, 1);
	setenv("_CONDOR_LOCAL_DIR", root, 1);
	unsetenv("_CONDOR_MachineMaxVacateTime");

	test_normal_exit();
	test_checkpoints();
	test_signal_checkpoint();
	test_unspecified_files();
	test_checkpoint_failure();
	test_vacate();
	test_vacate_timeout();
	test_fast_kill();
	test_checkpoint_signal();
	test_start_failures();
	test_left_the_queue();
	test_output_variants();
	test_spool_restore();
	test_result_files();
	test_standalone_errors();

	if (tap_failed_ == 0) {
		char *cmd[] = { "rm", "-rf", root, NULL };
		pid_t pid = fork();
		if (pid == 0) {
			execvp("rm", cmd);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	} else {
		diag("left %s for inspection", root);
	}
	free(exec);
	free(spool);
	return tap_done();
}
