/*
 * submit_attrs.c - submit commands to job attributes.
 *
 * One handler per command group, run in HTCondor's order (make_job_ad in
 * submit_utils.cpp): universe, iwd, executable, ... arguments, then one
 * handler per custom "+Attr"/"MY.Attr" (which therefore override what the
 * commands computed), then Requirements, which is built from the
 * commands' values.  The file-transfer and resource handlers live in
 * submit_transfer.c.  Handlers only read submit keys through sj_param*()
 * and write through sj_set_*(), which is how submit_job.c learns which of
 * them depend on per-proc values and must run again for every proc.
 * Each key is looked up by its submit name and then by its job attribute
 * name ("priority|prio|JobPrio", "executable|Cmd"), as HTCondor allows.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "num.h"
#include "strbuf.h"
#include "submit_int.h"
#include "xalloc.h"
#include "banned.h"

#define NULL_FILE "/dev/null"

static void
compress_path(struct strbuf *sb)
{
	size_t w = 0;
	for (size_t r = 0; r < sb->len; r++) {
		if (sb->buf[r] == '/' && w > 0 && sb->buf[w - 1] == '/')
			continue;
		sb->buf[w++] = sb->buf[r];
	}
	strbuf_setlen(sb, w);
}

/* dir + "/" + name (name absolute: name), repeated slashes collapsed. */
char *
submit_full_path(const char *dir, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	if (name[0] == '/')
		strbuf_adds(&sb, name);
	else
		strbuf_addf(&sb, "%s/%s", dir, name);
	compress_path(&sb);
	return strbuf_detach(&sb, NULL);
}

bool
submit_is_true(const char *v)
{
	return strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0;
}

/* ------------------------------------------------------------------ */
/* Signals                                                             */
/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	int num;
} signals[] = {
	{ "SIGHUP", SIGHUP }, { "SIGINT", SIGINT }, { "SIGQUIT", SIGQUIT },
	{ "SIGILL", SIGILL }, { "SIGTRAP", SIGTRAP }, { "SIGABRT", SIGABRT },
	{ "SIGBUS", SIGBUS }, { "SIGFPE", SIGFPE }, { "SIGKILL", SIGKILL },
	{ "SIGUSR1", SIGUSR1 }, { "SIGSEGV", SIGSEGV }, { "SIGUSR2", SIGUSR2 },
	{ "SIGPIPE", SIGPIPE }, { "SIGALRM", SIGALRM }, { "SIGTERM", SIGTERM },
	{ "SIGCHLD", SIGCHLD }, { "SIGCONT", SIGCONT }, { "SIGSTOP", SIGSTOP },
	{ "SIGTSTP", SIGTSTP }, { "SIGTTIN", SIGTTIN }, { "SIGTTOU", SIGTTOU },
	{ "SIGURG", SIGURG }, { "SIGXCPU", SIGXCPU }, { "SIGXFSZ", SIGXFSZ },
	{ "SIGVTALRM", SIGVTALRM }, { "SIGPROF", SIGPROF },
	{ "SIGWINCH", SIGWINCH }, { "SIGIO", SIGIO }, { "SIGSYS", SIGSYS },
#ifdef SIGPWR
	{ "SIGPWR", SIGPWR },
#endif
};

const char *
submit_signal_name(const char *text)
{
	long long n;
	if (num_parse_ll(text, 1, 1000, &n) == 0) {
		for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
			if (signals[i].num == n)
				return signals[i].name;
		return NULL;
	}
	while (isspace((unsigned char)*text))
		text++;
	size_t len = strlen(text);
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strlen(signals[i].name) == len &&
		    strncasecmp(signals[i].name, text, len) == 0)
			return signals[i].name;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Simple commands, table driven                                       */
/* ------------------------------------------------------------------ */

enum simple_kind { SK_EXPR, SK_STRING, SK_INT, SK_BOOL, SK_IGNORE };

struct simple {
	const char *names;	/* "submit_key|AttrName" */
	const char *attr;
	enum simple_kind kind;
};

static const struct simple simple_cmds[] = {
	{ "max_job_retirement_time|MaxJobRetirementTime", "MaxJobRetirementTime", SK_EXPR },
	{ "want_graceful_removal|WantGracefulRemoval", "WantGracefulRemoval", SK_EXPR },
	{ "job_max_vacate_time|JobMaxVacateTime", "JobMaxVacateTime", SK_EXPR },
	{ "periodic_hold|PeriodicHold", "PeriodicHold", SK_EXPR },
	{ "periodic_hold_reason|PeriodicHoldReason", "PeriodicHoldReason", SK_EXPR },
	{ "periodic_hold_subcode|PeriodicHoldSubCode", "PeriodicHoldSubCode", SK_EXPR },
	{ "periodic_release|PeriodicRelease", "PeriodicRelease", SK_EXPR },
	{ "periodic_remove|PeriodicRemove", "PeriodicRemove", SK_EXPR },
	{ "periodic_vacate|PeriodicVacate", "PeriodicVacate", SK_EXPR },
	{ "on_exit_hold_reason|OnExitHoldReason", "OnExitHoldReason", SK_EXPR },
	{ "on_exit_hold_subcode|OnExitHoldSubCode", "OnExitHoldSubCode", SK_EXPR },
	{ "allowed_job_duration|AllowedJobDuration", "AllowedJobDuration", SK_EXPR },
	{ "allowed_execute_duration|AllowedExecuteDuration", "AllowedExecuteDuration", SK_EXPR },
	{ "next_job_start_delay|NextJobStartDelay", "NextJobStartDelay", SK_EXPR },
	{ "keep_claim_idle|KeepClaimIdle", "KeepClaimIdle", SK_EXPR },
	{ "stack_size|StackSize", "StackSize", SK_EXPR },
	{ "job_ad_information_attrs|JobAdInformationAttrs", "JobAdInformationAttrs", SK_STRING },
	{ "submit_event_notes|SubmitEventNotes", "SubmitEventNotes", SK_STRING },
	{ "submit_event_user_notes|SubmitEventUserNotes", "SubmitEventUserNotes", SK_STRING },
	{ "output_destination|OutputDestination", "OutputDestination", SK_STRING },
	{ "remote_initialdir|RemoteIwd", "RemoteIwd", SK_STRING },
	{ "coresize|CoreSize", "CoreSize", SK_INT },
	{ "nice_user|NiceUser", "NiceUser", SK_BOOL },
	{ "erase_output_and_error_on_restart|EraseOutputAndErrorOnRestart",
	  "EraseOutputAndErrorOnRestart", SK_BOOL },
	{ "preserve_relative_paths|PreserveRelativePaths", "PreserveRelativePaths", SK_BOOL },
	{ "max_materialize", NULL, SK_IGNORE },
	{ "max_idle", NULL, SK_IGNORE },
	{ "skip_filechecks", NULL, SK_IGNORE },
};

static int
h_simple(struct sjob *j, const void *arg)
{
	const struct simple *c = arg;
	if (c->kind == SK_BOOL || c->kind == SK_INT) {
		bool exists = false, b = false;
		long long n = 0;
		int rc = c->kind == SK_BOOL ?
			 sj_param_bool(j, c->names, false, &b, &exists) :
			 sj_param_int(j, c->names, 0, &n, &exists);
		if (rc < 0 || !exists)
			return rc;
		if (c->kind == SK_BOOL)
			sj_set_bool(j, c->attr, b);
		else
			sj_set_int(j, c->attr, n);
		return 0;
	}
	char *v = sj_param(j, c->names);
	int rc = 0;
	if (v == NULL || c->kind == SK_IGNORE)
		rc = 0;
	else if (c->kind == SK_EXPR)
		rc = sj_set_expr(j, c->attr, v);
	else
		sj_set_string(j, c->attr, v);
	free(v);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Universe, directories, executable                                   */
/* ------------------------------------------------------------------ */

static int
h_universe(struct sjob *j, const void *arg)
{
	static const struct {
		const char *name;
		int num;
		const char *title;
	} univ[] = {
		{ "standard", 1, "Standard" }, { "vanilla", 5, "Vanilla" },
		{ "scheduler", 7, "Scheduler" }, { "grid", 9, "Grid" },
		{ "java", 10, "Java" }, { "parallel", 11, "Parallel" },
		{ "local", 12, "Local" }, { "vm", 13, "VM" },
		{ "docker", -1, "Docker" }, { "container", -1, "Container" },
	};
	(void)arg;
	char *v = sj_param(j, "universe|JobUniverse");
	int num = 5;
	const char *title = "Vanilla";
	if (v != NULL) {
		long long n;
		size_t i;
		for (i = 0; i < sizeof(univ) / sizeof(univ[0]); i++)
			if (strcasecmp(v, univ[i].name) == 0 ||
			    (num_parse_ll(v, 1, 100, &n) == 0 && n == univ[i].num))
				break;
		if (i == sizeof(univ) / sizeof(univ[0])) {
			int rc = sj_fail(j, "I don't know about the '%s' universe.", v);
			free(v);
			return rc;
		}
		num = univ[i].num;
		title = univ[i].title;
		free(v);
	}
	if (num != 5)
		return sj_fail(j, "'%s' is not a supported universe.  condorlet runs "
			       "vanilla universe jobs only.", title);
	j->universe = num;
	sj_set_int(j, "JobUniverse", num);
	return 0;
}

static int
h_iwd(struct sjob *j, const void *arg)
{
	(void)arg;
	char *v = sj_param(j, "initialdir|Iwd");
	if (v == NULL)
		v = sj_param(j, "initial_dir|job_iwd");
	char *iwd = submit_full_path(j->s->cwd, v ? v : "");
	size_t n = strlen(iwd);
	if (n > 1 && iwd[n - 1] == '/')
		iwd[n - 1] = '\0';
	free(v);
	if (access(iwd, F_OK | X_OK) < 0) {
		int rc = sj_fail(j, "No such directory: %s", iwd);
		free(iwd);
		return rc;
	}
	free(j->iwd);
	j->iwd = iwd;
	j->iwd_varying = j->touched;
	sj_set_string(j, "Iwd", iwd);
	return 0;
}

static int
h_submit_file(struct sjob *j, const void *arg)
{
	(void)arg;
	if (!j->s->from_stdin && j->s->file_name != NULL)
		sj_set_string(j, "JobSubmitFile", j->s->file_name);
	return 0;
}

/* A script whose "#!" line ends in CR cannot run; HTCondor refuses it. */
static bool
crlf_script(const char *path)
{
	char buf[512];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 3 || buf[0] != '#' || buf[1] != '!')
		return false;
	buf[n] = '\0';
	char *nl = strchr(buf, '\n');
	return nl != NULL && nl > buf && nl[-1] == '\r';
}

static int
check_executable(struct sjob *j, const char *name, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return sj_fail(j, "Can't access executable file %s: %s", name,
			       strerror(errno));
	if (S_ISDIR(st.st_mode))
		return sj_fail(j, "Can't access executable file %s: %s", name,
			       strerror(EISDIR));
	if (st.st_size == 0)
		return sj_fail(j, "Executable file %s has zero length", name);
	if (crlf_script(path))
		return sj_fail(j, "Executable file %s is a script with CRLF (DOS/Windows) "
			       "line endings", name);
	j->exe_kb = ((long long)st.st_size + 1023) / 1024;
	return 0;
}

static int
h_executable(struct sjob *j, const void *arg)
{
	(void)arg;
	bool transfer = true, exists = false;
	char *e = sj_param(j, "executable|Cmd");
	if (j->failed)
		return -1;
	if (e == NULL)
		return sj_fail(j, "No 'executable' parameter was provided");
	int rc = sj_param_bool(j, "transfer_executable|TransferExecutable", true,
			       &transfer, &exists);
	j->exe_kb = 0;
	j->exe_varying = j->touched;
	if (rc == 0 && !transfer) {
		sj_set_bool(j, "TransferExecutable", false);
		sj_set_string(j, "Cmd", e);
	} else if (rc == 0) {
		char *path = submit_full_path(j->s->cwd, e);
		if (strstr(e, "$$") == NULL)
			rc = check_executable(j, e, path);
		sj_set_string(j, "Cmd", path);
		free(path);
	}
	free(e);
	sj_set_int(j, "MinHosts", 1);
	sj_set_int(j, "MaxHosts", 1);
	sj_set_int(j, "CurrentHosts", 0);
	return rc;
}

static int
h_description(struct sjob *j, const void *arg)
{
	(void)arg;
	char *d = sj_param(j, "description|JobDescription");
	if (d != NULL)
		sj_set_string(j, "JobDescription", d);
	free(d);
	char *b = sj_param(j, "batch_name|JobBatchName");
	if (b != NULL) {
		size_t n = strlen(b);
		char *p = b;
		if (n >= 2 && (b[0] == '"' || b[0] == '\'') && b[n - 1] == b[0]) {
			b[n - 1] = '\0';
			p++;
		}
		sj_set_string(j, "JobBatchName", p);
	}
	free(b);
	return 0;
}

static int
h_request_cpus(struct sjob *j, const void *arg)
{
	(void)arg;
	char *v = sj_param(j, "request_cpus|RequestCpus");
	int rc = 0;
	if (v == NULL) {
		char *typo = sj_param(j, "request_cpu");
		if (typo != NULL)
			sj_warn(j, "request_cpu is not a valid submit keyword, did you "
				"mean request_cpus?");
		free(typo);
		sj_set_int(j, "RequestCpus", 1);
	} else if (strcasecmp(v, "undefined") != 0) {
		rc = sj_set_expr(j, "RequestCpus", v);
	}
	free(v);
	return rc;
}

static int
h_hold(struct sjob *j, const void *arg)
{
	(void)arg;
	bool hold = false;
	if (sj_param_bool(j, "hold", false, &hold, NULL) < 0)
		return -1;
	if (hold) {
		sj_set_int(j, "HoldReasonCode", 15);
		sj_set_string(j, "HoldReason", "submitted on hold at user's request");
	}
	j->status = hold ? 5 : 1;
	return 0;
}

static int
h_priority(struct sjob *j, const void *arg)
{
	(void)arg;
	long long prio = 0;
	if (sj_param_int(j, "priority|prio|JobPrio", 0, &prio, NULL) < 0)
		return -1;
	sj_set_int(j, "JobPrio", prio);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Environment and arguments                                           */
/* ------------------------------------------------------------------ */

static int
h_environment(struct sjob *j, const void *arg)
{
	(void)arg;
	struct envset env = { 0 };
	struct strbuf why = STRBUF_INIT, out = STRBUF_INIT;
	bool allow_v1 = false, v1 = false, from_env_key = false;
	int rc = 0;
	char *e1 = sj_param(j, "environment");
	if (e1 == NULL) {
		e1 = sj_param(j, "env");
		from_env_key = e1 != NULL;
	}
	char *e2 = sj_param(j, "environment2");
	char *ge = sj_param(j, "getenv|get_env");
	if (sj_param_bool(j, "allow_environment_v1", false, &allow_v1, NULL) < 0)
		rc = -1;
	if (rc == 0 && e1 && e2 && !allow_v1)
		rc = sj_fail(j, "If you wish to specify both 'environment' and "
			     "'environment2' for maximal compatibility with different "
			     "versions of Condor, then you must also specify "
			     "allow_environment_v1=true.");
	if (rc == 0 && (e2 || e1)) {
		const char *src = e2 ? e2 : e1;
		if (envset_parse(&env, src, &v1, &why) < 0)
			rc = sj_fail(j, "%s. The environment you specified was: '%s'",
				     why.buf, src);
		if (e2)
			v1 = false;
	}
	if (rc == 0 && ge != NULL) {
		bool all = submit_is_true(ge);
		bool none = strcasecmp(ge, "false") == 0 || strcmp(ge, "0") == 0;
		if ((all || !none) && !j->s->cfg.allow_getenv)
			rc = sj_fail(j, "getenv = %s is not allowed: SUBMIT_ALLOW_GETENV "
				     "is false", ge);
		else if (all)
			envset_import(&env, j->s->cfg.envp, NULL);
		else if (!none)
			envset_import(&env, j->s->cfg.envp, ge);
	}
	if (rc == 0 && v1 && from_env_key) {
		envset_format_v1(&env, &out);
		sj_set_string(j, "Env", out.buf);
		sj_set_string(j, "EnvDelim", ";");
	} else if (rc == 0) {
		envset_format_v2(&env, &out);
		sj_set_string(j, "Environment", out.buf);
	}
	free(e1);
	free(e2);
	free(ge);
	envset_release(&env);
	strbuf_release(&why);
	strbuf_release(&out);
	return rc;
}

static int
h_arguments(struct sjob *j, const void *arg)
{
	(void)arg;
	bool allow_v1 = false;
	char *a1 = sj_param(j, "arguments|Args");
	char *a2 = sj_param(j, "arguments2");
	struct strvec args = { 0 };
	struct strbuf why = STRBUF_INIT, out = STRBUF_INIT, body = STRBUF_INIT;
	int rc = sj_param_bool(j, "allow_arguments_v1", false, &allow_v1, NULL);
	bool v1 = false;
	if (rc == 0 && a1 && a2 && !allow_v1)
		rc = sj_fail(j, "If you wish to specify both 'arguments' and "
			     "'arguments2' for maximal compatibility with different "
			     "versions of Condor, then you must also specify "
			     "allow_arguments_v1=true.");
	const char *src = a2 ? a2 : a1;
	if (rc == 0 && src != NULL) {
		if (a2 == NULL && src[0] != '"') {
			v1 = true;
			rc = args_split_v1(src, &args, &why);
		} else {
			rc = args_unquote_v2(src, &body, &why);
			if (rc == 0)
				rc = args_split_v2(body.buf, &args, &why);
		}
		if (rc < 0)
			rc = sj_fail(j, "%s. The full arguments you specified were: %s",
				     why.buf, src);
	}
	if (rc == 0 && v1) {
		args_join_v1(&args, &out);
		sj_set_string(j, "Args", out.buf);
	} else if (rc == 0) {
		args_join_v2(&args, &out);
		sj_set_string(j, "Arguments", out.buf);
	}
	free(a1);
	free(a2);
	strvec_clear(&args);
	strbuf_release(&why);
	strbuf_release(&out);
	strbuf_release(&body);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Notification, log, signals, rank, std files                         */
/* ------------------------------------------------------------------ */

static int
h_notification(struct sjob *j, const void *arg)
{
	static const char *const how[] = { "never", "always", "complete", "error",
					   "start" };
	(void)arg;
	int n = 0, rc = 0;
	char *v = sj_param(j, "notification|JobNotification");
	if (v != NULL) {
		for (n = 0; n < 5 && strcasecmp(v, how[n]) != 0; n++)
			;
		if (n == 5)
			rc = sj_fail(j, "Notification must be 'Never', 'Always', "
				     "'Complete', 'Start', or 'Error'");
	}
	free(v);
	if (rc == 0)
		sj_set_int(j, "JobNotification", n);
	char *who = sj_param(j, "notify_user|NotifyUser");
	if (who != NULL)
		sj_set_string(j, "NotifyUser", who);
	free(who);
	return rc;
}

static int
h_log(struct sjob *j, const void *arg)
{
	(void)arg;
	bool xml = false, exists = false;
	char *log = sj_param(j, "log|UserLog");
	if (log != NULL) {
		char *path = submit_full_path(sj_iwd(j), log);
		sj_set_string(j, "UserLog", path);
		free(path);
	}
	free(log);
	if (sj_param_bool(j, "log_xml|UserLogUseXML", false, &xml, &exists) < 0)
		return -1;
	if (exists)
		sj_set_bool(j, "UserLogUseXML", xml);
	return 0;
}

static int
h_kill_sig(struct sjob *j, const void *arg)
{
	static const struct {
		const char *names, *attr;
	} sigs[] = {
		{ "kill_sig|KillSig", "KillSig" },
		{ "remove_kill_sig|RemoveKillSig", "RemoveKillSig" },
		{ "hold_kill_sig|HoldKillSig", "HoldKillSig" },
	};
	(void)arg;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		char *v = sj_param(j, sigs[i].names);
		if (v == NULL)
			continue;
		const char *name = submit_signal_name(v);
		int rc = name ? 0 : sj_fail(j, "invalid signal %s", v);
		if (name)
			sj_set_string(j, sigs[i].attr, name);
		free(v);
		if (rc < 0)
			return rc;
	}
	long long t;
	bool exists = false;
	if (sj_param_int(j, "kill_sig_timeout|KillSigTimeout", 0, &t, &exists) < 0)
		return -1;
	if (exists)
		sj_set_int(j, "KillSigTimeout", t);
	return 0;
}

static int
h_rank(struct sjob *j, const void *arg)
{
	(void)arg;
	char *r = sj_param(j, "rank|Rank");
	char *p = sj_param(j, "preferences");
	int rc = 0;
	if (r && p)
		rc = sj_fail(j, "preferences and rank may not both be specified for a job");
	else if (r || p)
		rc = sj_set_expr(j, "Rank", r ? r : p);
	else
		sj_set_real(j, "Rank", 0.0);
	free(r);
	free(p);
	return rc;
}

struct stdfile {
	const char *file, *transfer, *stream;	/* key lists */
	const char *attr, *tattr, *sattr;
};

static const struct stdfile std_in = {
	"input|stdin", "transfer_input|TransferIn", "stream_input|StreamIn",
	"In", "TransferIn", "StreamIn"
};
static const struct stdfile std_out = {
	"output|stdout", "transfer_output|TransferOut", "stream_output|StreamOut",
	"Out", "TransferOut", "StreamOut"
};
static const struct stdfile std_err = {
	"error|stderr", "transfer_error|TransferErr", "stream_error|StreamErr",
	"Err", "TransferErr", "StreamErr"
};

static int
h_stdfile(struct sjob *j, const void *arg)
{
	const struct stdfile *f = arg;
	bool transfer = true, stream = false;
	if (sj_param_bool(j, f->transfer, true, &transfer, NULL) < 0 ||
	    sj_param_bool(j, f->stream, false, &stream, NULL) < 0)
		return -1;
	char *v = sj_param(j, f->file);
	if (v == NULL || strcmp(v, NULL_FILE) == 0)
		transfer = false;
	sj_set_string(j, f->attr, v ? v : NULL_FILE);
	if (transfer)
		sj_set_bool(j, f->sattr, stream);
	else
		sj_set_bool(j, f->tattr, false);
	free(v);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Exit policy                                                         */
/* ------------------------------------------------------------------ */

/* true if an expression needs parentheses before "|| x": only the
 * conditional operator binds more loosely than ||. */
static bool
needs_parens(const char *e)
{
	int depth = 0;
	for (const char *p = e; *p; p++) {
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				break;
		} else if (*p == '(' || *p == '[' || *p == '{') {
			depth++;
		} else if (*p == ')' || *p == ']' || *p == '}') {
			depth--;
		} else if (*p == '?' && depth == 0) {
			return true;
		}
	}
	return false;
}

static void
append_or(struct strbuf *sb, const char *e)
{
	strbuf_adds(sb, " || ");
	if (needs_parens(e))
		strbuf_addf(sb, "(%s)", e);
	else
		strbuf_adds(sb, e);
}

static bool
parses(const char *text)
{
	struct error e;
	struct cexpr *x = cexpr_parse(text, &e);
	cexpr_free(x);
	return x != NULL;
}

static int
h_retries(struct sjob *j, const void *arg)
{
	(void)arg;
	char *erc = sj_param(j, "on_exit_remove|OnExitRemove");
	char *ehc = sj_param(j, "on_exit_hold|OnExitHold");
	char *until = sj_param(j, "retry_until");
	long long retries = j->s->cfg.default_max_retries, code = 0;
	bool have_retries = false, have_code = false;
	struct strbuf rm = STRBUF_INIT;
	int rc = j->failed ? -1 : 0;
	if (rc == 0)
		rc = sj_param_int(j, "max_retries|JobMaxRetries", retries, &retries,
				  &have_retries);
	if (rc == 0)
		rc = sj_param_int(j, "success_exit_code|JobSuccessExitCode", 0, &code,
				  &have_code);
	if (rc == 0 && !have_retries && !have_code && !until) {
		if (erc)
			rc = sj_set_expr(j, "OnExitRemove", erc);
		if (rc == 0 && ehc)
			rc = sj_set_expr(j, "OnExitHold", ehc);
		goto out;
	}
	if (rc == 0 && until && !parses(until))
		sj_locate(j, "retry_until");
	if (rc == 0 && until && !parses(until))
		rc = sj_fail(j, "retry_until=%s is invalid, it must be an integer or "
			     "boolean expression.", until);
	if (rc == 0 && erc && !parses(erc))
		sj_locate(j, "on_exit_remove|OnExitRemove");
	if (rc == 0 && erc && !parses(erc))
		rc = sj_fail(j, "on_exit_remove=%s is invalid, it must be a boolean "
			     "expression.", erc);
	if (rc < 0)
		goto out;
	sj_set_int(j, "JobMaxRetries", retries);
	if (have_code)
		sj_set_int(j, "JobSuccessExitCode", code);
	strbuf_addf(&rm, "NumJobCompletions > JobMaxRetries || ExitCode =?= ");
	if (have_code)
		strbuf_adds(&rm, "JobSuccessExitCode");
	else
		strbuf_adds(&rm, "0");
	if (until) {
		long long futile;
		if (num_parse_ll(until, INT_MIN, INT_MAX, &futile) == 0)
			strbuf_addf(&rm, " || ExitCode =?= %lld", futile);
		else
			strbuf_addf(&rm, " || (%s)", until);
	}
	if (erc)
		append_or(&rm, erc);
	rc = sj_set_expr(j, "OnExitRemove", rm.buf);
	if (rc == 0) {
		if (ehc)
			rc = sj_set_expr(j, "OnExitHold", ehc);
		else
			sj_set_bool(j, "OnExitHold", false);
	}
out:
	free(erc);
	free(ehc);
	free(until);
	strbuf_release(&rm);
	return rc;
}

static int
h_lease(struct sjob *j, const void *arg)
{
	(void)arg;
	char *v = sj_param(j, "job_lease_duration|JobLeaseDuration");
	long long n = 2400;
	int rc = 0;
	if (v == NULL || num_parse_ll(v, LLONG_MIN, LLONG_MAX, &n) == 0) {
		if (n != 0) {
			if (n < 20) {
				sj_warn(j, "JobLeaseDuration less than 20 seconds is not "
					"allowed, using 20 instead");
				n = 20;
			}
			sj_set_int(j, "JobLeaseDuration", n);
		}
	} else {
		rc = sj_set_expr(j, "JobLeaseDuration", v);
	}
	free(v);
	return rc;
}

static int
h_leave_in_queue(struct sjob *j, const void *arg)
{
	(void)arg;
	char *v = sj_param(j, "leave_in_queue|LeaveJobInQueue");
	int rc = 0;
	if (v)
		rc = sj_set_expr(j, "LeaveJobInQueue", v);
	else
		sj_set_bool(j, "LeaveJobInQueue", false);
	free(v);
	return rc;
}

static int
h_concurrency(struct sjob *j, const void *arg)
{
	(void)arg;
	char *v = sj_param(j, "concurrency_limits");
	char *x = sj_param(j, "concurrency_limits_expr");
	int rc = 0;
	if (v && x) {
		rc = sj_fail(j, "concurrency_limits and concurrency_limits_expr can't "
			     "be used together");
	} else if (v) {
		struct strvec items = { 0 };
		struct strbuf out = STRBUF_INIT;
		for (char *p = v; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		for (const char *p = v; *p;) {
			while (*p && (isspace((unsigned char)*p) || *p == ','))
				p++;
			const char *w = p;
			while (*p && !isspace((unsigned char)*p) && *p != ',')
				p++;
			if (p > w)
				strvec_push_n(&items, w, (size_t)(p - w));
		}
		/* insertion sort: the list is short and must be sorted */
		for (size_t i = 1; i < items.n; i++)
			for (size_t k = i; k > 0 && strcmp(items.v[k - 1], items.v[k]) > 0; k--) {
				char *t = items.v[k];
				items.v[k] = items.v[k - 1];
				items.v[k - 1] = t;
			}
		for (size_t i = 0; i < items.n; i++)
			strbuf_addf(&out, "%s%s", i ? "," : "", items.v[i]);
		sj_set_string(j, "ConcurrencyLimits", out.buf);
		strvec_clear(&items);
		strbuf_release(&out);
	} else if (x) {
		rc = sj_set_expr(j, "ConcurrencyLimits", x);
	}
	free(v);
	free(x);
	return rc;
}

static int
h_accounting(struct sjob *j, const void *arg)
{
	(void)arg;
	char *g = sj_param(j, "accounting_group|AcctGroup");
	char *u = sj_param(j, "accounting_group_user|AcctGroupUser");
	if (g || u) {
		const char *user = u ? u : j->s->owner;
		sj_set_string(j, "AcctGroupUser", user);
		if (g) {
			char *both = xasprintf("%s.%s", g, user);
			sj_set_string(j, "AcctGroup", g);
			sj_set_string(j, "AccountingGroup", both);
			free(both);
		} else {
			sj_set_string(j, "AccountingGroup", user);
		}
	}
	free(g);
	free(u);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Custom attributes and Requirements                                  */
/* ------------------------------------------------------------------ */

static bool
valid_attr_name(const char *n)
{
	if (!isalpha((unsigned char)*n) && *n != '_')
		return false;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && *n != '_')
			return false;
	return true;
}

/*
 * condorlet's condor_submit is its own schedd, so it enforces what
 * HTCondor's schedd does: jobs belong to the user who submits them.
 */
static int
check_identity(struct sjob *j, const char *attr, const char *v)
{
	bool user = strcasecmp(attr, "User") == 0;
	char *want = user ? xasprintf("%s@%s", j->s->owner, j->s->uid_domain) :
		     xstrdup(j->s->owner);
	struct cval cv = { 0 };
	int rc = 0;
	if (v == NULL || cexpr_eval_text(v, NULL, &cv, NULL) < 0 ||
	    cv.type != CVAL_STRING || strcmp(cv.u.s, want) != 0)
		rc = sj_fail(j, "%s = %s: jobs can only be submitted as the "
			     "submitting user (%s)", attr, v ? v : "", want);
	cval_release(&cv);
	free(want);
	return rc;
}

/* arg is the macro name, "MY.Attr". */
static int
h_forced(struct sjob *j, const void *arg)
{
	const char *mname = arg;
	const char *attr = mname + 3;
	char *v = sj_param(j, mname);
	if (j->failed) {
		free(v);
		return -1;
	}
	if (!valid_attr_name(attr)) {
		free(v);
		return sj_fail(j, "invalid attribute name '%s'", attr);
	}
	int rc = 0;
	if (strcasecmp(attr, "Owner") == 0 || strcasecmp(attr, "User") == 0)
		rc = check_identity(j, attr, v);
	if (rc == 0)
		rc = sj_set_expr(j, attr, v ? v : "undefined");
	free(v);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The table                                                           */
/* ------------------------------------------------------------------ */

static const struct sj_handler fixed_handlers[] = {
	{ h_universe, NULL },
	{ h_iwd, NULL },
	{ h_submit_file, NULL },
	{ h_executable, NULL },
	{ h_description, NULL },
	{ h_request_cpus, NULL },
	{ h_hold, NULL },
	{ h_priority, NULL },
	{ h_environment, NULL },
	{ h_notification, NULL },
	{ h_log, NULL },
	{ h_kill_sig, NULL },
	{ h_rank, NULL },
	{ h_stdfile, &std_in },
	{ h_stdfile, &std_out },
	{ h_stdfile, &std_err },
	{ submit_h_transfer, NULL },
	{ submit_h_checkpoint, NULL },
	{ submit_h_sizes, NULL },
	{ submit_h_request_custom, NULL },
	{ h_retries, NULL },
	{ h_lease, NULL },
	{ h_leave_in_queue, NULL },
	{ h_arguments, NULL },
	{ h_concurrency, NULL },
	{ h_accounting, NULL },
};

struct sj_handler *
submit_handlers(struct submit *s, size_t *n)
{
	size_t nfixed = sizeof(fixed_handlers) / sizeof(fixed_handlers[0]);
	size_t nsimple = sizeof(simple_cmds) / sizeof(simple_cmds[0]);
	size_t cap = nfixed + nsimple + s->macros.n + 1, k = 0;
	struct sj_handler *h = xcalloc(cap, sizeof(*h));
	for (size_t i = 0; i < nfixed; i++)
		h[k++] = fixed_handlers[i];
	for (size_t i = 0; i < nsimple; i++)
		h[k++] = (struct sj_handler){ h_simple, &simple_cmds[i] };
	for (size_t i = 0; i < s->macros.n; i++)
		if (strncmp(s->macros.order[i]->name, "MY.", 3) == 0)
			h[k++] = (struct sj_handler){ h_forced, s->macros.order[i]->name };
	h[k++] = (struct sj_handler){ submit_h_requirements, NULL };
	*n = k;
	return h;
}

void
submit_handlers_free(struct sj_handler *h, size_t n)
{
	(void)n;
	free(h);
}

void
submit_base_attrs(struct submit *s, struct classad *ad)
{
	static const char *const reals[] = {
		"RemoteWallClockTime", "RemoteUserCpu", "RemoteSysCpu",
		"LocalUserCpu", "LocalSysCpu", "CumulativeRemoteUserCpu",
		"CumulativeRemoteSysCpu",
	};
	static const char *const zeros[] = {
		"CompletionDate", "JobSubmitMethod", "ExitStatus", "NumCkpts",
		"NumJobStarts", "NumJobCompletions", "NumRestarts", "NumSystemHolds",
		"CommittedTime", "CommittedSlotTime", "CumulativeSlotTime",
		"TotalSuspensions", "LastSuspensionTime", "CumulativeSuspensionTime",
		"CommittedSuspensionTime",
	};
	classad_set_string(ad, "MyType", "Job");
	classad_set_string(ad, "TargetType", "Machine");
	classad_set_int(ad, "QDate", (long long)s->cfg.now);
	classad_set_int(ad, "EnteredCurrentStatus", (long long)s->cfg.now);
	classad_set_string(ad, "Owner", s->owner);
	if (s->cfg.schedd_attrs) {
		char *user = xasprintf("%s@%s", s->owner, s->uid_domain);
		classad_set_string(ad, "User", user);
		free(user);
	}
	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++)
		classad_set_real(ad, reals[i], 0.0);
	for (size_t i = 0; i < sizeof(zeros) / sizeof(zeros[0]); i++)
		classad_set_int(ad, zeros[i], 0);
	classad_set_bool(ad, "ExitBySignal", false);
	char *v = xasprintf("$CondorVersion: %s condorlet $", PACKAGE_VERSION);
	classad_set_string(ad, "SubmitVersion", v);
	if (s->cfg.schedd_attrs)
		classad_set_string(ad, "CondorVersion", v);
	free(v);
	v = xasprintf("$CondorPlatform: %s-%s $", s->arch, s->opsys);
	classad_set_string(ad, "CondorPlatform", v);
	free(v);
}
