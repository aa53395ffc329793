/*
 * starter_env.c - from the job ad to what the starter runs: the executable
 * and its arguments, the environment HTCondor's starter gives a job
 * (reference htcondor-runtime.md 7.2), the standard files (2.4), and the
 * signals and grace period of a vacate (3.1).
 *
 * Deliberate choices:
 * - A job with ShouldTransferFiles NO runs in its Iwd with Cmd and its
 *   standard files as given, as HTCondor runs a shared-filesystem job;
 *   every other job (IF_NEEDED included: on one machine there is nothing
 *   to gain from skipping the sandbox) runs in the sandbox.
 * - The job does not inherit the starter's environment, as in HTCondor:
 *   it gets STARTER_JOB_ENVIRONMENT, its own Environment over that, then
 *   the starter's variables.
 */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "jobargs.h"
#include "knob.h"
#include "policy.h"
#include "spool.h"
#include "starter_int.h"
#include "strbuf.h"
#include "transfer.h"
#include "xalloc.h"
#include "banned.h"

#define NULL_FILE "/dev/null"
/* What condor_submit's $$(CondorScratchDir) becomes in HTCondor's ads. */
#define SCRATCH_MAGIC "#CoNdOrScRaTcHdIr#"
#define SCRATCH_MACRO "$$(CondorScratchDir)"
/* The longest vacate grace period honoured (a year), so a hostile value
 * cannot overflow the deadline arithmetic. */
#define MAX_GRACE (365LL * 24 * 3600)

static const char default_thread_vars[] =
	"CUBACORES GOMAXPROCS JULIA_NUM_THREADS MKL_NUM_THREADS "
	"NUMEXPR_NUM_THREADS OMP_NUM_THREADS OMP_THREAD_LIMIT "
	"OPENBLAS_NUM_THREADS PYTHON_CPU_COUNT ROOT_MAX_THREADS "
	"TF_LOOP_PARALLEL_ITERATIONS TF_NUM_THREADS";

static bool
ad_is(const struct classad *ad, const char *name, bool want)
{
	bool b;
	return classad_get_bool(ad, name, &b) && b == want;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

size_t
starter_split_list(const char *text, char ***names)
{
	size_t n = 0, alloc = 0;
	*names = NULL;
	for (const char *p = text ? text : ""; *p;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		const char *w = p;
		while (*p && *p != ',' && !isspace((unsigned char)*p))
			p++;
		if (p > w) {
			XGROW(*names, n + 1, alloc);
			(*names)[n++] = xstrndup(w, (size_t)(p - w));
		}
	}
	return n;
}

/* ---- the command ---- */

static int
load_ids(struct starter_job *j, struct error *err)
{
	long long c, p;
	if (!classad_get_int(j->ad, "ClusterId", &c) || c < 1 || c > INT_MAX ||
	    !classad_get_int(j->ad, "ProcId", &p) || p < 0 || p > INT_MAX)
		return error_set(err, "%s/%s: no valid ClusterId and ProcId",
				 j->sandbox, STARTER_JOB_AD);
	j->cluster = (int)c;
	j->proc = (int)p;
	char *iwd = classad_get_string(j->ad, "Iwd");
	if (iwd == NULL || iwd[0] != '/') {
		free(iwd);
		return error_set(err, "job %d.%d has no absolute Iwd", j->cluster,
				 j->proc);
	}
	j->iwd = iwd;
	char *stf = classad_get_string(j->ad, "ShouldTransferFiles");
	j->shared = stf != NULL && strcasecmp(stf, "NO") == 0;
	free(stf);
	j->cwd = xstrdup(j->shared ? j->iwd : j->sandbox);
	return 0;
}

static int
load_command(struct starter_job *j, struct error *err)
{
	char *cmd = classad_get_string(j->ad, "Cmd");
	if (cmd == NULL || cmd[0] == '\0') {
		free(cmd);
		return error_set(err, "job %d.%d has no Cmd", j->cluster, j->proc);
	}
	if (!j->shared && !ad_is(j->ad, "TransferExecutable", false)) {
		const char *name = base_name(cmd);
		if (!transfer_name_ok(name) || transfer_name_is_private(name) ||
		    strncmp(name, ".starter.", 9) == 0) {
			error_set(err, "job %d.%d: unusable executable name '%s'",
				  j->cluster, j->proc, cmd);
			free(cmd);
			return -1;
		}
		j->exe_name = xstrdup(name);
		j->exe = fileio_join(j->sandbox, name);
		j->cmd = fileio_join(j->iwd, cmd);
	} else {
		j->exe = fileio_join(j->iwd, cmd);
	}
	free(cmd);
	size_t n = 0;
	char **args = jobargs_from_ad(j->ad, &n, err);
	if (args == NULL)
		return error_prefix(err, "job %d.%d", j->cluster, j->proc);
	j->argv = xcalloc(n + 2, sizeof(*j->argv));
	j->argv[0] = xstrdup(j->exe);
	memcpy(j->argv + 1, args, n * sizeof(*args));
	free(args);	/* the strings now belong to j->argv */
	return 0;
}

/* One of Out/Err: the job writes the sandbox file private (to be copied to
 * the Iwd at exit) or, when that stream is not transferred, the path
 * itself. */
static void
load_out(struct starter_job *j, const char *attr, const char *xfer_attr,
	 const char *private, char **path, char **dest, bool *nofollow)
{
	char *v = classad_get_string(j->ad, attr);
	if (v == NULL)
		v = xstrdup(NULL_FILE);
	if (!j->shared && !ad_is(j->ad, xfer_attr, false) &&
	    strcmp(v, NULL_FILE) != 0) {
		*path = fileio_join(j->sandbox, private);
		*dest = fileio_join(j->iwd, v);
		*nofollow = true;
	} else {
		*path = fileio_join(j->iwd, v);
	}
	free(v);
}

static void
load_std(struct starter_job *j)
{
	char *in = classad_get_string(j->ad, "In");
	if (in == NULL)
		in = xstrdup(NULL_FILE);
	if (!j->shared && !ad_is(j->ad, "TransferIn", false) &&
	    strcmp(in, NULL_FILE) != 0 && transfer_name_ok(base_name(in))) {
		j->stdin_input = xstrdup(in);
		j->in = fileio_join(j->sandbox, base_name(in));
	} else {
		j->in = fileio_join(j->iwd, in);
	}
	free(in);
	load_out(j, "Out", "TransferOut", STARTER_STDOUT, &j->out, &j->out_dest,
		 &j->out_nofollow);
	load_out(j, "Err", "TransferErr", STARTER_STDERR, &j->err, &j->err_dest,
		 &j->err_nofollow);
	char *o = classad_get_string(j->ad, "Out");
	char *e = classad_get_string(j->ad, "Err");
	/* HTCondor: output == error means one file, _condor_stdout. */
	if (o && e && strcmp(o, e) == 0 && (j->out_dest == NULL) ==
	    (j->err_dest == NULL)) {
		j->err_is_out = true;
		free(j->err_dest);
		j->err_dest = NULL;
	}
	free(o);
	free(e);
	j->append = ad_is(j->ad, "WantCheckpointSignal", true) ||
		    ad_is(j->ad, "WantFTOnCheckpoint", true) ||
		    classad_has(j->ad, "SuccessCheckpointExitCode") ||
		    classad_has(j->ad, "CheckpointExitCode") ||
		    ad_is(j->ad, "SuccessCheckpointExitBySignal", true) ||
		    ad_is(j->ad, "CheckpointExitBySignal", true) ||
		    ad_is(j->ad, "EraseOutputAndErrorOnRestart", false);
}

/* ---- signals and the grace period ---- */

/* An attribute or knob text evaluated against the job as a count of
 * seconds; -1 when it is not a non-negative integer. */
static long long
eval_secs(const char *text, const struct classad *job)
{
	struct cval v = { 0 };
	long long r = -1;
	if (text != NULL && cexpr_eval_text(text, job, &v, NULL) == 0 &&
	    v.type == CVAL_INT && v.u.i >= 0)
		r = v.u.i;
	cval_release(&v);
	return r;
}

static void
load_signals(struct starter_job *j, const struct knobs *k)
{
	struct classad *probe = classad_new();
	const char *rks = classad_lookup_text(j->ad, "RemoveKillSig");
	/* HTCondor's graceful shutdown prefers RemoveKillSig when present. */
	if (rks != NULL) {
		classad_set_text_trusted(probe, "KillSig", rks);
		j->kill_sig = policy_kill_signal(probe);
	} else {
		j->kill_sig = policy_kill_signal(j->ad);
	}
	classad_free(probe);
	j->ckpt_sig = policy_checkpoint_signal(j->ad);
	j->want_ckpt_signal = ad_is(j->ad, "WantCheckpointSignal", true);

	char *mtext = knob_get(k, "MachineMaxVacateTime");
	long long machine = eval_secs(mtext, j->ad);
	free(mtext);
	if (machine < 0)
		machine = 600;
	if (machine > MAX_GRACE)
		machine = MAX_GRACE;
	long long job = eval_secs(classad_lookup_text(j->ad, "JobMaxVacateTime"),
				  j->ad);
	if (job < 0)
		job = eval_secs(classad_lookup_text(j->ad, "KillSigTimeout"), j->ad);
	j->vacate_secs = job >= 0 && job < machine ? job : machine;
}

/* ---- the environment ---- */

/* The length of the scratch-directory marker v starts with, or 0. */
static size_t
scratch_mark(const char *v)
{
	static const char *const marks[] = { SCRATCH_MAGIC, SCRATCH_MACRO };
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strncmp(v, marks[i], strlen(marks[i])) == 0)
			return strlen(marks[i]);
	return 0;
}

static void
replace_scratch(struct jobenv *e, const char *sandbox)
{
	for (size_t i = 0; i < jobenv_count(e); i++) {
		const char *v = jobenv_value_at(e, i);
		if (!strstr(v, SCRATCH_MAGIC) && !strstr(v, SCRATCH_MACRO))
			continue;
		struct strbuf sb = STRBUF_INIT;
		while (*v) {
			size_t m = scratch_mark(v);
			if (m > 0)
				strbuf_adds(&sb, sandbox);
			else
				strbuf_addc(&sb, *v);
			v += m > 0 ? m : 1;
		}
		char *name = xstrdup(jobenv_name_at(e, i));
		jobenv_set(e, name, sb.buf, true);
		free(name);
		strbuf_release(&sb);
	}
}

/* The slot's CPUs: the daemon's CpusProvisioned, else RequestCpus, capped
 * by NUM_CPUS. */
static long long
job_cpus(const struct starter_job *j, const struct knobs *k)
{
	long long cpus = 1, v;
	if (classad_get_int(j->ad, "CpusProvisioned", &v) && v >= 1)
		cpus = v;
	else if (classad_get_int(j->ad, "RequestCpus", &v) && v >= 1)
		cpus = v;
	long long max = knob_get_int(k, "NUM_CPUS", 0);
	return max >= 1 && cpus > max ? max : cpus;
}

static void
set_thread_vars(struct jobenv *e, const struct starter_job *j,
		const struct knobs *k)
{
	char *list = knob_get(k, "STARTER_NUM_THREADS_ENV_VARS");
	char **names;
	size_t n = starter_split_list(list ? list : default_thread_vars, &names);
	char num[32];
	snprintf(num, sizeof(num), "%lld", job_cpus(j, k));
	for (size_t i = 0; i < n; i++)
		jobenv_set(e, names[i], num, false);
	transfer_names_free(names, n);
	free(list);
}

static void
set_condor_vars(struct jobenv *e, const struct starter_job *j,
		const struct knobs *k)
{
	char num[32];
	char *jobad = fileio_join(j->sandbox, STARTER_JOB_AD);
	char *machad = fileio_join(j->sandbox, ".machine.ad");
	jobenv_set(e, "BATCH_SYSTEM", "HTCondor", true);
	jobenv_set(e, "_CONDOR_JOB_IWD", j->cwd, true);
	jobenv_set(e, "_CONDOR_SCRATCH_DIR", j->sandbox, true);
	jobenv_set(e, "APPTAINER_CACHEDIR", j->sandbox, true);
	jobenv_set(e, "SINGULARITY_CACHEDIR", j->sandbox, true);
	jobenv_set(e, "_CONDOR_JOB_AD", jobad, true);
	if (access(machad, F_OK) == 0)
		jobenv_set(e, "_CONDOR_MACHINE_AD", machad, true);
	snprintf(num, sizeof(num), "%ld", (long)getpid());
	jobenv_set(e, "CONDOR_STARTER_PID", num, true);
	jobenv_set(e, "TMPDIR", j->sandbox, true);
	jobenv_set(e, "TEMP", j->sandbox, true);
	jobenv_set(e, "TMP", j->sandbox, true);
	if (knob_get_bool(k, "STARTER_SETS_HOME_ENV", true)) {
		struct passwd *pw = getpwuid(getuid());
		if (pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/')
			jobenv_set(e, "HOME", pw->pw_dir, false);
	}
	set_thread_vars(e, j, k);
	free(jobad);
	free(machad);
}

static int
load_env(struct starter_job *j, const struct knobs *k, struct error *err)
{
	struct jobenv *e = jobenv_new();
	char *dflt = knob_get(k, "STARTER_JOB_ENVIRONMENT");
	int rc = 0;
	if (dflt != NULL && dflt[0] == '"' && strlen(dflt) >= 2) {
		dflt[strlen(dflt) - 1] = '\0';
		rc = jobenv_parse_v2(e, dflt + 1, err);
	} else if (dflt != NULL) {
		rc = jobenv_parse_v1(e, dflt, ';', err);
	}
	if (rc < 0)
		error_prefix(err, "STARTER_JOB_ENVIRONMENT");
	free(dflt);
	if (rc == 0 && jobenv_from_ad(e, j->ad, err) < 0)
		rc = error_prefix(err, "job %d.%d", j->cluster, j->proc);
	if (rc == 0) {
		replace_scratch(e, j->sandbox);
		set_condor_vars(e, j, k);
		j->envp = jobenv_envp(e);
	}
	jobenv_free(e);
	return rc;
}

/* ---- .job.env, for condor_ssh_to_job (starter.h) ---- */

int
starter_job_env_write(const char *sandbox, char *const *envp, struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; envp != NULL && envp[i] != NULL; i++)
		strbuf_add(&sb, envp[i], strlen(envp[i]) + 1);	/* with its NUL */
	char *path = fileio_join(sandbox, STARTER_JOB_ENV);
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int rc = -1;
	if (sb.len > STARTER_JOB_ENV_MAX) {
		error_set(err, "the job's environment (%zu bytes) is larger than "
			  "%u bytes", sb.len, STARTER_JOB_ENV_MAX);
		goto out;
	}
	/* The sandbox is the job's: never open a name it may have planted. */
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		      0600);
	if (fd < 0) {
		error_errno(err, "create '%s'", tmp);
		goto out;
	}
	rc = fileio_write_all(fd, sb.buf, sb.len, tmp, err);
	if (close(fd) < 0 && rc == 0)
		rc = error_errno(err, "close '%s'", tmp);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = error_errno(err, "rename '%s' to '%s'", tmp, path);
	if (rc < 0)
		unlink(tmp);
out:
	free(tmp);
	free(path);
	strbuf_release(&sb);
	return rc;
}

/* ---- the whole job ---- */

int
starter_job_load(struct starter_job *j, const char *sandbox,
		 const struct knobs *k, const char *spool, int *hold_code,
		 struct error *err)
{
	memset(j, 0, sizeof(*j));
	j->sandbox = xstrdup(sandbox);
	*hold_code = STARTER_HOLD_CREATE_PROCESS;
	char *path = fileio_join(sandbox, STARTER_JOB_AD);
	j->ad = starter_job_ad_read(path, err);
	free(path);
	if (j->ad == NULL)
		return -1;
	if (load_ids(j, err) < 0) {
		*hold_code = STARTER_HOLD_IWD;
		return -1;
	}
	if (load_command(j, err) < 0 || load_env(j, k, err) < 0)
		return -1;
	load_std(j);
	load_signals(j, k);
	if (spool != NULL)
		j->jobspool = spool_job_dir(spool, j->cluster, j->proc);
	return 0;
}

void
starter_job_release(struct starter_job *j)
{
	classad_free(j->ad);
	jobargs_free(j->argv);
	jobargs_free(j->envp);
	free(j->sandbox);
	free(j->iwd);
	free(j->cwd);
	free(j->exe);
	free(j->exe_name);
	free(j->cmd);
	free(j->stdin_input);
	free(j->in);
	free(j->out);
	free(j->err);
	free(j->out_dest);
	free(j->err_dest);
	free(j->jobspool);
	memset(j, 0, sizeof(*j));
}
