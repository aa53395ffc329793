/*
 * starter_int.h - what the starter_*.c files share; not installed.
 *
 * starter.c runs the life cycle, starter_env.c turns the job ad into a
 * struct starter_job (argv, environment, standard files, signals),
 * starter_exec.c owns processes and signals (spawn, the event loop, the
 * final kill), starter_xfer.c moves files and records checkpoints, and
 * starter_result.c owns the files of the daemon protocol.
 */
#ifndef CONDORLET_STARTER_INT_H
#define CONDORLET_STARTER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "starter.h"

struct classad;
struct error;
struct knobs;
struct transfer_snapshot;

/* HoldReasonCode values the starter produces (htcondor-cli.md 3.2). */
enum {
	STARTER_HOLD_CREATE_PROCESS = 6,
	STARTER_HOLD_OPEN_OUTPUT = 7,
	STARTER_HOLD_OPEN_INPUT = 8,
	STARTER_HOLD_TRANSFER_OUTPUT = 12,
	STARTER_HOLD_TRANSFER_INPUT = 13,
	STARTER_HOLD_IWD = 14,
	STARTER_HOLD_CHECKPOINT = 36,
};

/* How to run the job, decided once from its ad (starter_env.c). */
struct starter_job {
	struct classad *ad;	/* from .job.ad; checkpoint counters kept current */
	int cluster, proc;
	char *sandbox;		/* canonical path */
	char *iwd;		/* the submit directory */
	char *cwd;		/* sandbox, or iwd for a shared-filesystem job */
	bool shared;		/* ShouldTransferFiles NO: no file transfer */
	char *exe;		/* the path executed */
	char *exe_name;		/* its name in the sandbox, or NULL */
	char *cmd;		/* Cmd as the ad says, for transfer in */
	char *stdin_input;	/* In, when it is transferred in */
	char **argv, **envp;
	char *in, *out, *err;	/* what fds 0, 1 and 2 open */
	bool out_nofollow, err_nofollow;	/* sandbox files: no symlinks */
	bool err_is_out;	/* fd 2 shares fd 1's file */
	bool append;		/* the job checkpoints: never truncate */
	char *out_dest, *err_dest;	/* where _condor_std* go at exit, or NULL */
	int kill_sig, ckpt_sig;
	bool want_ckpt_signal;
	long long vacate_secs;
	char *jobspool;
};

int starter_job_load(struct starter_job *j, const char *sandbox,
		     const struct knobs *k, const char *spool, int *hold_code,
		     struct error *err);
void starter_job_release(struct starter_job *j);
/* Splits a file list (commas and whitespace) into *names (caller frees
 * with transfer_names_free).  Returns the count. */
size_t starter_split_list(const char *text, char ***names);

/* A committed checkpoint whose events and counters are not yet written. */
struct starter_ckpt {
	time_t xfer_start, xfer_end;	/* the commit */
	time_t exit_time, run_start;	/* the incarnation that made it */
};

/* The exit status of a recorder that found the job gone from the queue. */
#define STARTER_RECORD_GONE 3

/* One run of the starter: the job and its processes. */
struct starter {
	struct starter_job job;
	struct knobs *knobs;
	char *spool;
	struct transfer_snapshot *snap;	/* the sandbox after input transfer */
	int sigfd;
	pid_t pid;		/* the running incarnation, 0 if none */
	pid_t recorder;		/* the process recording checkpoints, or 0 */
	struct starter_ckpt *pending;	/* committed, not yet recorded */
	size_t npending, apending;
	time_t start_time;	/* when the running incarnation started */
	bool vacate;		/* STARTER_SIG_VACATE received */
	bool hard_kill;		/* the vacate grace period ran out */
	bool no_transfer;	/* STARTER_SIG_REMOVE: the job is being removed */
	bool killed;		/* STARTER_SIG_KILL, or the job left the queue */
	bool ckpt_sent;		/* checkpoint signal sent to this incarnation */
	long long deadline_ms;	/* CLOCK_MONOTONIC end of the grace period */
	long long usr_us, sys_us;
	struct starter_result res;
};

/* starter_exec.c */
int starter_signals_init(struct starter *st, struct error *err);
/* Starts an incarnation.  On failure returns -1 with err and *hold_code
 * (and *subcode) saying why. */
int starter_spawn(struct starter *st, int *hold_code, int *subcode,
		  struct error *err);
/* Runs the event loop until the running incarnation exits. */
int starter_wait(struct starter *st, int *status, struct error *err);
/* Stops the running incarnation at once, as STARTER_SIG_KILL does. */
void starter_kill_job(struct starter *st);
/* Starts a recorder for the pending checkpoints unless one is running
 * (the next starts when it exits). */
void starter_record(struct starter *st);
/* Records every pending checkpoint and waits for it. */
void starter_record_all(struct starter *st);
/* Handles signals already delivered; true if a vacate or kill is pending. */
bool starter_stop_requested(struct starter *st);
/* SIGKILLs every process of the job and reaps them all. */
void starter_kill_all(struct starter *st);

/* starter_xfer.c */
int starter_transfer_in(struct starter *st, struct error *err);
/* Commits the checkpoint of the incarnation that just exited. */
int starter_checkpoint_commit(struct starter *st, struct error *err);
/* Advances the checkpoint counters in the starter's copy of the job ad. */
void starter_checkpoint_count(struct starter *st, const struct starter_ckpt *c);
/* The 040 events of committed checkpoints c[0..n) and their counters in
 * the queue, in one transaction; false if the job left the queue. */
bool starter_checkpoint_record(struct starter *st, const struct starter_ckpt *c,
			       size_t n);
/* Output to the Iwd after the job exited with status. */
int starter_output_final(struct starter *st, int status, struct error *err);
/* Output to the spool after a vacate (ON_EXIT_OR_EVICT). */
int starter_output_evict(struct starter *st, struct error *err);

/* starter_result.c */
int starter_pid_write(const char *sandbox, struct error *err);

#endif
