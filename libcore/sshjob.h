/*
 * sshjob.h - what condor_ssh_to_job needs to enter a running job: the
 * sandbox the job runs in, the directory its shell starts in, the job's
 * exact environment and the ids of its processes.
 *
 * condorlet has no ssh: entering a job means running a shell on this
 * machine, as the caller, in the job's working directory and with the
 * job's environment (starter.h's .job.env) plus _CONDOR_JOB_PIDS, as
 * HTCondor's condor_ssh_to_job gives it.
 *
 * Everything looked at may be forged.  The queue may say anything in
 * CondorletSandbox (condor_submit accepts +CondorletSandbox), and the
 * sandbox is the job's to write in.  So a sandbox is entered only if it is
 * one the daemon made: the path is exactly EXECUTE/dir_<n> (EXECUTE
 * resolved), it is a directory and not a symbolic link, it is owned by
 * the caller (the shell runs as the caller and must not take its
 * environment from a file someone else controls), its .starter.pid names
 * a live starter (starter_alive), and its .job.ad names this job.  The
 * files read there are opened without following symbolic links, must be
 * regular files owned by the caller, and are read with a size bound;
 * .job.env is checked entry by entry.
 *
 * Ownership follows the other tools: a job may be entered by its Owner or
 * by a user named in QUEUE_SUPER_USERS (action_is_super_user).
 */
#ifndef CONDORLET_SSHJOB_H
#define CONDORLET_SSHJOB_H

#include <stddef.h>
#include <sys/types.h>

struct error;

/* The name condor_ssh_to_job adds to the job's environment. */
#define SSHJOB_PIDS_VAR "_CONDOR_JOB_PIDS"

enum sshjob_state {
	SSHJOB_READY,		/* running and enterable: every field is set */
	SSHJOB_GONE,		/* not in the queue */
	SSHJOB_NOT_RUNNING,	/* idle, or started but its process is not
				 * running yet (or between two incarnations):
				 * it may be running later */
	SSHJOB_ENDED,		/* completed or removed: it never runs again */
	SSHJOB_HELD,		/* hold_reason is set */
};

struct sshjob_request {
	const char *spool;	/* the SPOOL knob: where the queue is */
	const char *execute;	/* the EXECUTE knob: where sandboxes are */
	const char *user;	/* the caller's login name */
	const char *super_users;	/* QUEUE_SUPER_USERS; NULL means "root" */
	const char *term;	/* added to the environment as TERM when the
				 * job's has none (an interactive shell needs
				 * it, and ssh passes it), or NULL */
	int cluster, proc;
};

/* Filled by sshjob_find; the caller releases it with sshjob_release. */
struct sshjob {
	enum sshjob_state state;
	char *hold_reason;	/* SSHJOB_HELD: the job's HoldReason */
	/* SSHJOB_READY only (NULL or 0 otherwise): */
	char *sandbox;		/* EXECUTE/dir_<n> */
	char *cwd;		/* where the job runs: the sandbox, or its Iwd
				 * for a job without file transfer */
	char **envp;		/* NULL-terminated: .job.env, then
				 * SSHJOB_PIDS_VAR (and TERM, see above) */
	pid_t starter;
	pid_t *pids;		/* the job's processes, ascending */
	size_t npids;		/* at least 1 */
};

/*
 * Parses the job argument: "C" (proc 0), "C.P" or "C.P.N" with node N 0
 * (every job here has one node), each part plain decimal digits, C at
 * least 1.  Returns 0, or -1 if s is none of these.
 */
int sshjob_parse_id(const char *s, int *cluster, int *proc);

/*
 * Looks up job req->cluster.req->proc in the queue and, if it runs, its
 * sandbox.  Returns 0 with job->state telling what was found, or -1 with
 * err set (naming the job, and the file when it is about one) when the
 * caller may not enter the job, or the queue cannot be read, or the
 * sandbox or its files are not what the daemon and the starter make.
 * On -1 *job holds nothing to release.
 */
int sshjob_find(const struct sshjob_request *req, struct sshjob *job,
		struct error *err);
void sshjob_release(struct sshjob *job);

/*
 * Parses the len bytes of a .job.env file (starter.h), named what in
 * messages.  Returns its entries as a NULL-terminated vector (free it
 * with jobargs_free), or NULL with err set ("what: entry N: ...") if the
 * data is too large, an entry is not NUL-terminated, has no name or no
 * '=', or the names are not in strictly ascending order.
 */
char **sshjob_env_parse(const char *data, size_t len, const char *what,
			struct error *err);

/*
 * The job's processes under the starter whose pid is given: its children
 * that are outside the starter's own session (the job runs in a session
 * of its own; the starter's helpers stay in the starter's), ascending.
 * Returns the count and a new array in *pids (caller frees; NULL when 0).
 */
size_t sshjob_job_pids(pid_t starter, pid_t **pids);

/*
 * The shell to run for an interactive session: the first of the
 * comma-separated names in shells that is an executable file (a name
 * without '/' is looked up in the job's PATH, else /usr/bin:/bin); when
 * shells is NULL, env_shell (the caller's $SHELL) if executable, else the
 * caller's login shell from the password database, else /bin/sh.  A new
 * string, or NULL with err set when none of shells exists.
 */
char *sshjob_pick_shell(const struct sshjob *job, const char *shells,
			const char *env_shell, struct error *err);

#endif
