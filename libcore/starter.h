/*
 * starter.h - one job's life in its sandbox, and the contract between the
 * daemon (condor_master, libcore/schedd) and the per-job starter process
 * (condor_starter, libcore/starter).
 *
 * Why a separate process per job: the job's parent must be something that
 * lives exactly as long as the job, so that the job's exit status is never
 * lost and long file transfers never stall the daemon's loop.  The daemon
 * spawns one condor_starter per job start; the starter is the job's parent,
 * in a session of its own, and survives a crash of the daemon.  A restarted
 * daemon finds each running job's starter again through the files below
 * and waits for it (pidfd), so running jobs keep their work.
 *
 * The protocol, all of it through the sandbox directory EXECUTE/dir_<n>/
 * (0700, owned by the job's owner):
 *
 *   .job.ad            written by the daemon before the spawn: the job's
 *                      flattened ad, one "Name = value" per line (HTCondor's
 *                      format; the job may read it, _CONDOR_JOB_AD points at
 *                      it).
 *   .starter.pid       written by the starter at start: "<pid> <starttime>"
 *                      where starttime is field 22 of /proc/<pid>/stat, so a
 *                      reused pid is never mistaken for the starter.
 *   .starter.result    written atomically (write, fsync, rename) by the
 *                      starter just before it exits: "name = value" lines,
 *                      see struct starter_result.  Its presence means the
 *                      job's run is over and nothing of it is still running.
 *   .job.env           written by the starter after the input transfer and
 *                      before the job's first process starts: the job's
 *                      environment (see starter_job_env_write), for
 *                      condor_ssh_to_job.  Its absence while the starter
 *                      lives means the job has not started yet.
 *
 * The starter is invoked as
 *     condor_starter SANDBOX
 * with the daemon's environment (so it reads the same configuration:
 * SPOOL, MachineMaxVacateTime, ...).  It exits 0 once .starter.result is
 * written, non-zero if it could not even write that (the daemon then treats
 * the run as evicted without a checkpoint).
 *
 * What the starter does: transfers the inputs in (executable, TransferInput,
 * then the spool, which wins), runs the job (stdout/stderr to
 * _condor_stdout/_condor_stderr, or In/Out/Err when not transferring), and:
 *   - on a checkpoint exit (policy_classify_exit): commits the checkpoint to
 *     the spool (spool_commit), logs the two 040 events, records the
 *     checkpoint counters in the queue itself (a short write transaction),
 *     and restarts the job in place - the daemon is not involved;
 *   - on a checkpoint it cannot commit: stops, outcome CHECKPOINT_FAILED
 *     with hold code 36 and the reason;
 *   - on any other exit: transfers the output to the Iwd (040 events), then
 *     outcome EXITED with the wait status; the daemon applies the policy;
 *   - on STARTER_SIG_VACATE: sends the job its KillSig, waits
 *     min(JobMaxVacateTime, MachineMaxVacateTime), then SIGKILLs the job's
 *     process group; if the job left in time and WhenToTransferOutput is
 *     ON_EXIT_OR_EVICT, commits the output files to the spool; outcome
 *     EVICTED (even if the job exited 0 meanwhile);
 *   - on STARTER_SIG_KILL: SIGKILLs the job's process group at once, no
 *     transfer; outcome EVICTED;
 *   - on STARTER_SIG_CHECKPOINT: sends the job its CheckpointSig; an exit
 *     after that which is not a checkpoint exit is a broken promise:
 *     outcome CHECKPOINT_FAILED (policy_checkpoint_broken_promise).
 */
#ifndef CONDORLET_STARTER_H
#define CONDORLET_STARTER_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct classad;
struct error;

#define STARTER_JOB_AD ".job.ad"
#define STARTER_PID_FILE ".starter.pid"
#define STARTER_RESULT_FILE ".starter.result"
#define STARTER_STDOUT "_condor_stdout"
#define STARTER_STDERR "_condor_stderr"

/* Signals the daemon sends to a starter (never to the job directly). */
#define STARTER_SIG_VACATE SIGTERM
#define STARTER_SIG_KILL SIGQUIT
#define STARTER_SIG_CHECKPOINT SIGUSR1
/* Like STARTER_SIG_VACATE (KillSig, grace period, then SIGKILL), for a job
 * being removed: nothing is transferred, whatever WhenToTransferOutput. */
#define STARTER_SIG_REMOVE SIGUSR2

enum starter_outcome {
	STARTER_EXITED = 1,		/* the job exited on its own */
	STARTER_EVICTED,		/* stopped by a vacate/kill request */
	STARTER_CHECKPOINT_FAILED,	/* hold, code 36 */
	STARTER_START_FAILED,		/* could not set up or exec: hold */
};

/*
 * Additions to the contract (starter module):
 * - hold_code is also set, with hold_subcode and hold_reason, when the job
 *   EXITED (or was EVICTED under ON_EXIT_OR_EVICT) but its output could not
 *   be transferred: HTCondor holds such a job (12, TransferOutputError)
 *   instead of applying the exit policy.  So: hold_code != 0 means "hold
 *   the job", whatever the outcome.
 * - hold_reason is the starter's own message; HTCondor's HoldReason adds
 *   "Error from <slot>: " in front, which is the daemon's to add.
 * - A checkpoint that cannot be committed holds with code 36 and subcode
 *   -1, as HTCondor's starter does (its tests check HoldReasonSubCode -1).
 */
struct starter_result {
	enum starter_outcome outcome;
	int wait_status;		/* of the last run (EXITED, EVICTED) */
	bool output_transferred;	/* EVICTED: output committed to spool */
	int hold_code, hold_subcode;	/* CHECKPOINT_FAILED, START_FAILED */
	char hold_reason[512];
	long long usr_sec, sys_sec;	/* CPU of all runs in this sandbox */
	long long bytes_sent, bytes_received;	/* output / input transfer */
	long long checkpoints;		/* committed in this sandbox */
};

/* Writes sandbox/.starter.result atomically and durably. */
int starter_result_write(const char *sandbox, const struct starter_result *r,
			 struct error *err);
/* Reads it back; -1 with err set if missing or malformed (hostile: a job
 * can write into its sandbox, so every field is range-checked). */
int starter_result_read(const char *sandbox, struct starter_result *r,
			struct error *err);

/* The pid of the sandbox's starter if it is still that process and alive,
 * else 0. */
pid_t starter_alive(const char *sandbox);

/* The starter's whole life (cmd/condor_starter.c calls it).  Returns the
 * process exit status: 0 when .starter.result was written. */
int starter_run(const char *sandbox, struct error *err);

/* ---- additions (starter module) ---- */

/*
 * Notes on the functions above:
 * - starter_run takes over its process: it blocks the STARTER_SIG_*
 *   signals and SIGCHLD, ignores SIGHUP/SIGINT/SIGPIPE, calls setsid,
 *   becomes a child subreaper and changes directory.  Run it in a process
 *   of its own.  It returns 1 (err set) only when it could not write the
 *   result.
 * - .starter.result holds "name = value" lines named after the fields of
 *   struct starter_result, with outcome spelled as starter_outcome_name
 *   gives it; unknown names are ignored by the reader.
 * - The result is trustworthy only once starter_alive() is 0: a job can
 *   write into its sandbox while it runs.
 */

/* Largest .job.ad the starter reads (a job ad is hostile input). */
#define STARTER_JOB_AD_MAX (8u << 20)

/*
 * Writes sandbox/.job.ad from job (flattened: its parent's attributes
 * too), one "Name = value" line per attribute, atomically.  For the daemon
 * and for tests.
 */
int starter_job_ad_write(const char *sandbox, const struct classad *job,
			 struct error *err);
/*
 * Reads a .job.ad file: each non-blank line "Name = expression".  Returns
 * a new ad (caller frees) or NULL with err naming "path:line".
 */
struct classad *starter_job_ad_read(const char *path, struct error *err);

/*
 * .job.env holds exactly the environment every incarnation of the job is
 * started with: "NAME=value" entries, each ended by a NUL byte, in name
 * order (strcmp of the names), each name once, nothing else.  It is
 * private (mode 0600, never transferred out: transfer_name_is_private)
 * and replaced atomically (temporary file, rename; not fsync'ed, as the
 * other protocol files).  It lives where the job can write, so a reader
 * must treat it as hostile: at most STARTER_JOB_ENV_MAX bytes, a regular
 * file, and every entry checked.
 */
#define STARTER_JOB_ENV ".job.env"
#define STARTER_JOB_ENV_MAX (4u << 20)

/* Writes sandbox/.job.env from envp (NULL-terminated "NAME=value"
 * strings, as the starter passes to the job).  -1 with err set if it is
 * larger than STARTER_JOB_ENV_MAX or cannot be written. */
int starter_job_env_write(const char *sandbox, char *const *envp,
			  struct error *err);

/* The outcome's name as .starter.result spells it ("EXITED", ...). */
const char *starter_outcome_name(enum starter_outcome o);

#endif
