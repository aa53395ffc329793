/*
 * test_policy.c - unit tests of libcore/policy: exit classification,
 * signal names, the exit policy, the periodic expressions, the broken
 * checkpoint promise and the checkpoint counters.  Table-driven: each job
 * ad is written as "Name = expr" lines, exactly as the queue stores them.
 */
#include "config.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classad.h"
#include "error.h"
#include "policy.h"
#include "xalloc.h"
#include "tap.h"
#include "banned.h"

#define EXITED(n) ((n) << 8)
#define KILLED(s) (s)
#define CORED(s) ((s) | 0x80)

/* Builds an ad from "Name = expr" lines separated by '\n'. */
static struct classad *
make_ad(const char *spec, const char *what)
{
	struct classad *ad = classad_new();
	char *copy = xstrdup(spec ? spec : "");
	char *line = copy;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line == '\0') {
			line = nl ? nl + 1 : NULL;
			continue;
		}
		char *eq = strchr(line, '=');
		struct error err = { { 0 } };
		if (eq == NULL) {
			ok(0, "%s: bad ad line '%s'", what, line);
		} else {
			char *end = eq;
			while (end > line && end[-1] == ' ')
				end--;
			*end = '\0';
			if (classad_set_text(ad, line, eq + 1, &err) != 0)
				ok(0, "%s: %s does not parse: %s", what, line, err.msg);
		}
		line = nl ? nl + 1 : NULL;
	}
	free(copy);
	return ad;
}

/* The ad text on one line, for test names (caller frees). */
static char *
flat(const char *spec)
{
	char *s = xstrdup(spec ? spec : "");
	for (char *p = s; *p; p++)
		if (*p == '\n')
			*p = ';';
	return s;
}

static const char *
action_name(enum policy_action a)
{
	static const char *names[] = { "NONE", "COMPLETE", "REQUEUE", "HOLD",
				       "RELEASE", "REMOVE", "VACATE" };
	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

/* ------------------------------------------------------------------ */
/* Signals                                                             */
/* ------------------------------------------------------------------ */

static void
test_signal_numbers(void)
{
	static const struct {
		const char *in;
		int want;
	} cases[] = {
		{ "SIGTERM", SIGTERM }, { "sigusr2", SIGUSR2 }, { "SigKill", SIGKILL },
		{ "15", 15 }, { " 9 ", 9 }, { "64", 64 }, { "SIGIOT", SIGABRT },
		{ "TERM", -1 }, { "USR1", -1 }, { "0", -1 }, { "65", -1 },
		{ "-1", -1 }, { "SIGBOGUS", -1 }, { "", -1 }, { "15x", -1 },
		{ "SIG", -1 }, { "99999999999999999999", -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(policy_signal_number(cases[i].in), cases[i].want,
		       "policy_signal_number('%s')", cases[i].in);
	is_int(policy_signal_number(NULL), -1, "policy_signal_number(NULL)");

	static const struct {
		const char *ad;
		int kill, ckpt;
	} ads[] = {
		{ "", SIGTERM, SIGTERM },
		{ "KillSig = \"SIGINT\"", SIGINT, SIGINT },
		{ "KillSig = 9", 9, 9 },
		{ "KillSig = \"bogus\"", SIGTERM, SIGTERM },
		{ "KillSig = 0", SIGTERM, SIGTERM },
		{ "KillSig = true", SIGTERM, SIGTERM },
		{ "CheckpointSig = \"SIGUSR2\"", SIGTERM, SIGUSR2 },
		{ "CheckpointSig = 10\nKillSig = \"SIGQUIT\"", SIGQUIT, 10 },
		{ "KillSig = \"SIGQUIT\"", SIGQUIT, SIGQUIT },
		{ "CheckpointSig = \"junk\"\nKillSig = \"SIGHUP\"", SIGHUP, SIGHUP },
		{ "CheckpointSig = \"12\"", SIGTERM, 12 },
	};
	for (size_t i = 0; i < sizeof(ads) / sizeof(ads[0]); i++) {
		struct classad *ad = make_ad(ads[i].ad, "signal ad");
		char *f = flat(ads[i].ad);
		is_int(policy_kill_signal(ad), ads[i].kill, "kill signal of {%s}", f);
		is_int(policy_checkpoint_signal(ad), ads[i].ckpt,
		       "checkpoint signal of {%s}", f);
		free(f);
		classad_free(ad);
	}
}

/* ------------------------------------------------------------------ */
/* Classification                                                      */
/* ------------------------------------------------------------------ */

static const struct classify_case {
	const char *ad;
	int status;
	bool signal_sent;
	bool checkpoint, broken;
	bool by_signal;
	int code_or_signal;
	bool core;
} classify_cases[] = {
	{ "SuccessCheckpointExitCode = 85", EXITED(85), false, true, false, false, 85, false },
	{ "SuccessCheckpointExitCode = 85", EXITED(0), false, false, false, false, 0, false },
	{ "SuccessCheckpointExitCode = 85", EXITED(1), false, false, false, false, 1, false },
	{ "SuccessCheckpointExitCode = 85", KILLED(9), false, false, false, true, 9, false },
	{ "SuccessCheckpointExitCode = 85\nWantFTOnCheckpoint = true", EXITED(85), false, true, false, false, 85, false },
	/* No checkpoint configured: never a checkpoint, even exit 0. */
	{ "", EXITED(0), false, false, false, false, 0, false },
	{ "SuccessCheckpointExitCode = 0", EXITED(0), false, false, false, false, 0, false },
	{ "SuccessCheckpointExitCode = 300", EXITED(44), false, false, false, false, 44, false },
	{ "SuccessCheckpointExitCode = \"85\"", EXITED(85), false, false, false, false, 85, false },
	/* 8.5.3 spellings. */
	{ "CheckpointExitCode = 85", EXITED(85), false, true, false, false, 85, false },
	{ "CheckpointExitBySignal = true\nCheckpointExitSignal = \"SIGUSR1\"", KILLED(SIGUSR1), false, true, false, true, SIGUSR1, false },
	{ "CheckpointExitBySignal = true\nCheckpointExitSignal = 12", KILLED(12), false, true, false, true, 12, false },
	/* The current spelling wins over the old one. */
	{ "SuccessCheckpointExitCode = 77\nCheckpointExitCode = 85", EXITED(85), false, false, false, false, 85, false },
	/* By signal. */
	{ "SuccessCheckpointExitBySignal = true\nSuccessCheckpointExitSignal = 12", KILLED(12), false, true, false, true, 12, false },
	{ "SuccessCheckpointExitBySignal = true\nSuccessCheckpointExitSignal = 12", CORED(12), false, false, false, true, 12, true },
	{ "SuccessCheckpointExitBySignal = true\nSuccessCheckpointExitSignal = 12", EXITED(12), false, false, false, false, 12, false },
	{ "SuccessCheckpointExitBySignal = false\nSuccessCheckpointExitSignal = 12\nSuccessCheckpointExitCode = 85", KILLED(12), false, false, false, true, 12, false },
	{ "SuccessCheckpointExitBySignal = false\nSuccessCheckpointExitSignal = 12\nSuccessCheckpointExitCode = 85", EXITED(85), false, true, false, false, 85, false },
	{ "SuccessCheckpointExitBySignal = true", KILLED(12), false, false, false, true, 12, false },
	{ "SuccessCheckpointExitBySignal = true\nSuccessCheckpointExitSignal = 0", EXITED(0), false, false, false, false, 0, false },
	/* After the periodic checkpoint signal. */
	{ "SuccessCheckpointExitCode = 85\nWantCheckpointSignal = true", EXITED(85), true, true, false, false, 85, false },
	{ "SuccessCheckpointExitCode = 85\nWantCheckpointSignal = true", EXITED(1), true, false, true, false, 1, false },
	{ "SuccessCheckpointExitCode = 85\nWantCheckpointSignal = true", KILLED(15), true, false, true, true, 15, false },
	{ "WantCheckpointSignal = true", EXITED(0), true, true, false, false, 0, false },
	{ "WantCheckpointSignal = true", EXITED(2), true, false, true, false, 2, false },
	{ "SuccessCheckpointExitBySignal = true\nSuccessCheckpointExitSignal = 12", KILLED(12), true, true, false, true, 12, false },
	{ "SuccessCheckpointExitBySignal = true\nSuccessCheckpointExitSignal = 12", EXITED(0), true, false, true, false, 0, false },
	{ "SuccessCheckpointExitBySignal = true", EXITED(0), true, false, true, false, 0, false },
};

static void
test_classify(void)
{
	for (size_t i = 0; i < sizeof(classify_cases) / sizeof(classify_cases[0]); i++) {
		const struct classify_case *c = &classify_cases[i];
		struct classad *ad = make_ad(c->ad, "classify");
		struct policy_exit ex;
		policy_classify_exit(ad, c->status, c->signal_sent, &ex);
		int got = ex.by_signal ? ex.exit_signal : ex.exit_code;
		char *f = flat(c->ad);
		ok(ex.checkpoint == c->checkpoint && ex.broken_promise == c->broken &&
		   ex.by_signal == c->by_signal && got == c->code_or_signal &&
		   ex.core_dumped == c->core && ex.wait_status == c->status,
		   "classify %zu {%s} status %#x%s: ckpt %d broken %d sig %d value %d core %d",
		   i, f, (unsigned)c->status, c->signal_sent ? " after signal" : "",
		   ex.checkpoint, ex.broken_promise, ex.by_signal, got, ex.core_dumped);
		free(f);
		classad_free(ad);
	}
}

/* ------------------------------------------------------------------ */
/* The exit policy                                                     */
/* ------------------------------------------------------------------ */

static const char MAX_RETRIES_2[] =
	"JobMaxRetries = 2\nOnExitHold = false\n"
	"OnExitRemove = NumJobCompletions > JobMaxRetries || ExitCode =?= 0";
static const char SUCCESS_5[] =
	"JobSuccessExitCode = 5\nJobMaxRetries = 2\n"
	"OnExitRemove = NumJobCompletions > JobMaxRetries || ExitCode =?= JobSuccessExitCode";

static const struct exit_case {
	const char *ad;
	const char *extra;	/* more ad lines, e.g. the completion count */
	int status;
	enum policy_action action;
	int code, subcode;
	const char *reason;	/* NULL: must be NULL */
} exit_cases[] = {
	{ "", NULL, EXITED(0), POLICY_COMPLETE, 0, 0, NULL },
	{ "", NULL, EXITED(1), POLICY_COMPLETE, 0, 0, NULL },
	{ "", NULL, KILLED(9), POLICY_COMPLETE, 0, 0, NULL },
	{ "SuccessCheckpointExitCode = 85", NULL, EXITED(0), POLICY_COMPLETE, 0, 0, NULL },
	/* The early-checkpoint-exit pattern. */
	{ "OnExitRemove = ExitCode =!= 85", NULL, EXITED(85), POLICY_REQUEUE, 0, 0,
	  "The job attribute OnExitRemove expression 'ExitCode =!= 85' evaluated to FALSE" },
	{ "OnExitRemove = (ExitCode =!= 85)", NULL, EXITED(85), POLICY_REQUEUE, 0, 0,
	  "The job attribute OnExitRemove expression '(ExitCode =!= 85)' evaluated to FALSE" },
	{ "OnExitRemove = (ExitCode =!= 85)", NULL, EXITED(0), POLICY_COMPLETE, 0, 0, NULL },
	/* OnExitRemove values: only a zero number keeps the job. */
	{ "OnExitRemove = false", NULL, EXITED(0), POLICY_REQUEUE, 0, 0,
	  "The job attribute OnExitRemove expression 'false' evaluated to FALSE" },
	{ "OnExitRemove = 0", NULL, EXITED(0), POLICY_REQUEUE, 0, 0,
	  "The job attribute OnExitRemove expression '0' evaluated to FALSE" },
	{ "OnExitRemove = 0.5", NULL, EXITED(0), POLICY_REQUEUE, 0, 0,
	  "The job attribute OnExitRemove expression '0.5' evaluated to FALSE" },
	{ "OnExitRemove = 2", NULL, EXITED(0), POLICY_COMPLETE, 0, 0, NULL },
	{ "OnExitRemove = NoSuchAttr > 1", NULL, EXITED(0), POLICY_COMPLETE, 0, 0, NULL },
	{ "OnExitRemove = undefined", NULL, EXITED(0), POLICY_COMPLETE, 0, 0, NULL },
	{ "OnExitRemove = \"no\"", NULL, EXITED(0), POLICY_COMPLETE, 0, 0, NULL },
	{ "OnExitRemove = 1 / 0", NULL, EXITED(0), POLICY_COMPLETE, 0, 0, NULL },
	{ "OnExitRemove = OnExitRemove", NULL, EXITED(0), POLICY_COMPLETE, 0, 0, NULL },
	{ "OnExitRemove = ExitBySignal =!= true", NULL, KILLED(9), POLICY_REQUEUE, 0, 0,
	  "The job attribute OnExitRemove expression 'ExitBySignal =!= true' evaluated to FALSE" },
	{ "OnExitRemove = ExitSignal =!= 9", NULL, KILLED(9), POLICY_REQUEUE, 0, 0,
	  "The job attribute OnExitRemove expression 'ExitSignal =!= 9' evaluated to FALSE" },
	{ "OnExitRemove = JobCoreDumped", NULL, CORED(11), POLICY_COMPLETE, 0, 0, NULL },
	{ "OnExitRemove = JobCoreDumped", NULL, KILLED(11), POLICY_REQUEUE, 0, 0,
	  "The job attribute OnExitRemove expression 'JobCoreDumped' evaluated to FALSE" },
	/* OnExitHold. */
	{ "OnExitHold = true", NULL, EXITED(0), POLICY_HOLD, 3, 0,
	  "The job attribute OnExitHold expression 'true' evaluated to TRUE" },
	{ "OnExitHold = ExitCode != 0", NULL, EXITED(0), POLICY_COMPLETE, 0, 0, NULL },
	{ "OnExitHold = ExitCode != 0\nOnExitHoldReason = strcat(\"bad exit \", string(ExitCode))\nOnExitHoldSubCode = 40 + ExitCode",
	  NULL, EXITED(3), POLICY_HOLD, 3, 43, "bad exit 3" },
	{ "OnExitHold = true\nOnExitHoldReason = \"\"\nOnExitHoldSubCode = \"x\"", NULL, EXITED(3), POLICY_HOLD, 3, 0,
	  "The job attribute OnExitHold expression 'true' evaluated to TRUE" },
	{ "OnExitHold = true\nOnExitHoldReason = 17", NULL, EXITED(3), POLICY_HOLD, 3, 0,
	  "The job attribute OnExitHold expression 'true' evaluated to TRUE" },
	{ "OnExitHold = NoSuchAttr", NULL, EXITED(3), POLICY_COMPLETE, 0, 0, NULL },
	{ "OnExitHold = true\nOnExitRemove = false", NULL, EXITED(3), POLICY_HOLD, 3, 0,
	  "The job attribute OnExitHold expression 'true' evaluated to TRUE" },
	/* Periodic expressions come first at exit; vacate and release never. */
	{ "PeriodicHold = ExitCode == 1\nOnExitHold = true", NULL, EXITED(1), POLICY_HOLD, 3, 0,
	  "The job attribute PeriodicHold expression 'ExitCode == 1' evaluated to TRUE" },
	{ "PeriodicHold = ExitCode == 1\nOnExitHold = true", NULL, EXITED(2), POLICY_HOLD, 3, 0,
	  "The job attribute OnExitHold expression 'true' evaluated to TRUE" },
	{ "PeriodicRemove = true\nOnExitHold = true", NULL, EXITED(0), POLICY_COMPLETE, 0, 0,
	  "The job attribute PeriodicRemove expression 'true' evaluated to TRUE" },
	{ "TimerRemove = 100\nOnExitRemove = false", NULL, EXITED(0), POLICY_COMPLETE, 0, 0,
	  "The job attribute TimerRemove expression '100' evaluated to TRUE" },
	{ "PeriodicVacate = true\nPeriodicRelease = true", NULL, EXITED(0), POLICY_COMPLETE, 0, 0, NULL },
	/* max_retries = 2 as condor_submit writes it. */
	{ MAX_RETRIES_2, NULL, EXITED(1), POLICY_REQUEUE, 0, 0,
	  "The job attribute OnExitRemove expression 'NumJobCompletions > JobMaxRetries || ExitCode =?= 0' evaluated to FALSE" },
	{ MAX_RETRIES_2, "NumJobCompletions = 1", EXITED(1), POLICY_REQUEUE, 0, 0,
	  "The job attribute OnExitRemove expression 'NumJobCompletions > JobMaxRetries || ExitCode =?= 0' evaluated to FALSE" },
	{ MAX_RETRIES_2, "NumJobCompletions = 2", EXITED(1), POLICY_COMPLETE, 0, 0, NULL },
	{ MAX_RETRIES_2, NULL, EXITED(0), POLICY_COMPLETE, 0, 0, NULL },
	{ MAX_RETRIES_2, NULL, KILLED(9), POLICY_REQUEUE, 0, 0,
	  "The job attribute OnExitRemove expression 'NumJobCompletions > JobMaxRetries || ExitCode =?= 0' evaluated to FALSE" },
	/* success_exit_code = 5. */
	{ SUCCESS_5, NULL, EXITED(5), POLICY_COMPLETE, 0, 0, NULL },
	{ SUCCESS_5, NULL, EXITED(0), POLICY_REQUEUE, 0, 0,
	  "The job attribute OnExitRemove expression 'NumJobCompletions > JobMaxRetries || ExitCode =?= JobSuccessExitCode' evaluated to FALSE" },
	{ SUCCESS_5, "NumJobCompletions = 2", EXITED(0), POLICY_COMPLETE, 0, 0, NULL },
	/* success_exit_code = 1, max_retries = 0: a failed exit 0 completes. */
	{ "JobSuccessExitCode = 1\nJobMaxRetries = 0\nOnExitRemove = NumJobCompletions > JobMaxRetries || ExitCode =?= JobSuccessExitCode",
	  NULL, EXITED(0), POLICY_COMPLETE, 0, 0, NULL },
};

static void
test_after_exit(void)
{
	for (size_t i = 0; i < sizeof(exit_cases) / sizeof(exit_cases[0]); i++) {
		const struct exit_case *c = &exit_cases[i];
		char *spec = xasprintf("%s\n%s", c->ad, c->extra ? c->extra : "");
		struct classad *ad = make_ad(spec, "exit");
		struct policy_exit ex;
		struct policy_decision d = POLICY_DECISION_INIT;
		char *f = flat(spec);

		policy_classify_exit(ad, c->status, false, &ex);
		policy_after_exit(ad, &ex, 1000, &d);
		ok(d.action == c->action && d.hold_code == c->code &&
		   d.hold_subcode == c->subcode,
		   "exit %zu {%s} status %#x: %s code %d subcode %d", i, f,
		   (unsigned)c->status, action_name(d.action),
		   d.hold_code, d.hold_subcode);
		if (c->reason != NULL || d.action != POLICY_COMPLETE)
			is_str(d.reason, c->reason, "exit %zu reason", i);
		policy_decision_release(&d);
		classad_free(ad);
		free(spec);
		free(f);
	}
}

static void
test_exit_updates(void)
{
	struct classad *ad = make_ad("NumJobCompletions = 4\nExitCode = 7", "updates");
	struct policy_exit ex;
	struct policy_decision d = POLICY_DECISION_INIT;

	policy_classify_exit(ad, EXITED(3), false, &ex);
	policy_after_exit(ad, &ex, 1000, &d);
	is_str(policy_decision_update(&d, "ExitBySignal"), "false", "exit: ExitBySignal");
	is_str(policy_decision_update(&d, "ExitCode"), "3", "exit: ExitCode");
	is_str(policy_decision_update(&d, "NumJobCompletions"), "5", "exit: NumJobCompletions");
	is_str(policy_decision_update(&d, "ExitSignal"), NULL, "exit: no ExitSignal");
	is_str(policy_decision_update(&d, "CommittedTime"), NULL,
	       "exit: no CommittedTime without JobCurrentStartDate");
	is_int(classad_lookup_text(ad, "ExitCode") != NULL &&
	       strcmp(classad_lookup_text(ad, "ExitCode"), "7") == 0, 1,
	       "exit: the caller's ad is not changed");
	is_str(classad_lookup_text(ad, "NumJobCompletions"), "4", "exit: completions untouched");

	policy_classify_exit(ad, CORED(11), false, &ex);
	policy_after_exit(ad, &ex, 1000, &d);
	is_str(policy_decision_update(&d, "ExitBySignal"), "true", "signal: ExitBySignal");
	is_str(policy_decision_update(&d, "ExitSignal"), "11", "signal: ExitSignal");
	is_str(policy_decision_update(&d, "JobCoreDumped"), "true", "signal: JobCoreDumped");
	is_int(d.n_updates, 4, "signal: four updates");
	policy_decision_release(&d);
	classad_free(ad);

	/* CommittedTime at termination counts from the last checkpoint. */
	ad = make_ad("JobCurrentStartDate = 1000\nJobLastCheckpointTime = 1500\n"
		     "CommittedTime = 400", "committed");
	policy_classify_exit(ad, EXITED(0), false, &ex);
	policy_after_exit(ad, &ex, 2000, &d);
	is_str(policy_decision_update(&d, "CommittedTime"), "900", "complete: CommittedTime");
	classad_set_int(ad, "JobLastCheckpointTime", 10);
	policy_after_exit(ad, &ex, 2000, &d);
	is_str(policy_decision_update(&d, "CommittedTime"), "1400",
	       "complete: a checkpoint before this run counts from the start");
	classad_set_text_trusted(ad, "OnExitRemove", "false");
	policy_after_exit(ad, &ex, 2000, &d);
	is_str(policy_decision_update(&d, "CommittedTime"), NULL, "requeue: no CommittedTime");
	policy_decision_release(&d);
	classad_free(ad);

	/* A completion count at the limit does not overflow. */
	ad = make_ad("NumJobCompletions = 9223372036854775807", "overflow");
	policy_classify_exit(ad, EXITED(0), false, &ex);
	policy_after_exit(ad, &ex, 1000, &d);
	is_str(policy_decision_update(&d, "NumJobCompletions"), "1", "hostile completions reset");
	policy_decision_release(&d);
	classad_free(ad);

	/* The cluster ad's policy applies to the proc. */
	struct classad *cluster = make_ad("OnExitRemove = ExitCode =!= 85", "cluster");
	ad = classad_new();
	classad_set_parent(ad, cluster);
	policy_classify_exit(ad, EXITED(85), false, &ex);
	policy_after_exit(ad, &ex, 1000, &d);
	is_int(d.action, POLICY_REQUEUE, "cluster policy requeues the proc");
	policy_decision_release(&d);
	classad_free(ad);
	classad_free(cluster);
}

/* ------------------------------------------------------------------ */
/* Periodic                                                            */
/* ------------------------------------------------------------------ */

static const struct periodic_case {
	const char *ad;
	int status;
	enum policy_action action;
	int code, subcode;
	const char *reason;
} periodic_cases[] = {
	{ "", 1, POLICY_NONE, 0, 0, NULL },
	{ "PeriodicHold = true", 1, POLICY_HOLD, 3, 0,
	  "The job attribute PeriodicHold expression 'true' evaluated to TRUE" },
	{ "PeriodicHold = JobStatus == 2", 2, POLICY_NONE, 0, 0, NULL },
	{ "PeriodicHold = JobStatus == 2\nJobStatus = 2", 2, POLICY_HOLD, 3, 0,
	  "The job attribute PeriodicHold expression 'JobStatus == 2' evaluated to TRUE" },
	{ "PeriodicHold = true", 5, POLICY_NONE, 0, 0, NULL },
	{ "PeriodicHold = true", 4, POLICY_NONE, 0, 0, NULL },
	{ "PeriodicHold = true", 3, POLICY_NONE, 0, 0, NULL },
	{ "PeriodicHold = true\nPeriodicHoldReason = \"too long\"\nPeriodicHoldSubCode = 7", 1,
	  POLICY_HOLD, 3, 7, "too long" },
	{ "PeriodicHold = NoSuchAttr", 1, POLICY_NONE, 0, 0, NULL },
	{ "PeriodicHold = \"yes\"", 1, POLICY_NONE, 0, 0, NULL },
	{ "PeriodicHold = 0", 1, POLICY_NONE, 0, 0, NULL },
	{ "PeriodicHold = -1", 1, POLICY_HOLD, 3, 0,
	  "The job attribute PeriodicHold expression '-1' evaluated to TRUE" },
	/* Release: only held jobs, never those held by condor_hold. */
	{ "PeriodicRelease = true\nHoldReasonCode = 3", 5, POLICY_RELEASE, 0, 0,
	  "The job attribute PeriodicRelease expression 'true' evaluated to TRUE" },
	{ "PeriodicRelease = true\nHoldReasonCode = 15", 5, POLICY_RELEASE, 0, 0,
	  "The job attribute PeriodicRelease expression 'true' evaluated to TRUE" },
	{ "PeriodicRelease = true", 5, POLICY_RELEASE, 0, 0,
	  "The job attribute PeriodicRelease expression 'true' evaluated to TRUE" },
	{ "PeriodicRelease = true\nHoldReasonCode = 1", 5, POLICY_NONE, 0, 0, NULL },
	{ "PeriodicRelease = true\nHoldReasonCode = 3", 1, POLICY_NONE, 0, 0, NULL },
	/* Remove: any state but Removed. */
	{ "PeriodicRemove = true", 1, POLICY_REMOVE, 0, 0,
	  "The job attribute PeriodicRemove expression 'true' evaluated to TRUE" },
	{ "PeriodicRemove = true", 5, POLICY_REMOVE, 0, 0,
	  "The job attribute PeriodicRemove expression 'true' evaluated to TRUE" },
	{ "PeriodicRemove = true", 4, POLICY_REMOVE, 0, 0,
	  "The job attribute PeriodicRemove expression 'true' evaluated to TRUE" },
	{ "PeriodicRemove = true", 3, POLICY_NONE, 0, 0, NULL },
	{ "PeriodicRemove = true\nPeriodicRemoveReason = \"gone\"", 2, POLICY_REMOVE, 0, 0, "gone" },
	/* Vacate: running or suspended only. */
	{ "PeriodicVacate = true", 2, POLICY_VACATE, 0, 0,
	  "The job attribute PeriodicVacate expression 'true' evaluated to TRUE" },
	{ "PeriodicVacate = true", 7, POLICY_VACATE, 0, 0,
	  "The job attribute PeriodicVacate expression 'true' evaluated to TRUE" },
	{ "PeriodicVacate = true", 1, POLICY_NONE, 0, 0, NULL },
	{ "PeriodicVacate = true", 5, POLICY_NONE, 0, 0, NULL },
	/* TimerRemove: an integer time already past. */
	{ "TimerRemove = 100", 1, POLICY_REMOVE, 0, 0,
	  "The job attribute TimerRemove expression '100' evaluated to TRUE" },
	{ "TimerRemove = 5000", 1, POLICY_NONE, 0, 0, NULL },
	{ "TimerRemove = -1", 1, POLICY_NONE, 0, 0, NULL },
	{ "TimerRemove = \"100\"", 1, POLICY_NONE, 0, 0, NULL },
	/* Order: vacate, timer, hold, release, remove. */
	{ "PeriodicVacate = true\nPeriodicHold = true\nPeriodicRemove = true", 2, POLICY_VACATE, 0, 0,
	  "The job attribute PeriodicVacate expression 'true' evaluated to TRUE" },
	{ "PeriodicVacate = true\nPeriodicHold = true\nPeriodicRemove = true", 1, POLICY_HOLD, 3, 0,
	  "The job attribute PeriodicHold expression 'true' evaluated to TRUE" },
	{ "TimerRemove = 100\nPeriodicHold = true", 1, POLICY_REMOVE, 0, 0,
	  "The job attribute TimerRemove expression '100' evaluated to TRUE" },
	{ "PeriodicHold = true\nPeriodicRemove = true", 1, POLICY_HOLD, 3, 0,
	  "The job attribute PeriodicHold expression 'true' evaluated to TRUE" },
	{ "PeriodicRelease = true\nPeriodicRemove = true\nHoldReasonCode = 3", 5, POLICY_RELEASE, 0, 0,
	  "The job attribute PeriodicRelease expression 'true' evaluated to TRUE" },
	{ "PeriodicRelease = true\nPeriodicRemove = true\nHoldReasonCode = 1", 5, POLICY_REMOVE, 0, 0,
	  "The job attribute PeriodicRemove expression 'true' evaluated to TRUE" },
};

static void
test_periodic(void)
{
	for (size_t i = 0; i < sizeof(periodic_cases) / sizeof(periodic_cases[0]); i++) {
		const struct periodic_case *c = &periodic_cases[i];
		struct classad *ad = make_ad(c->ad, "periodic");
		struct policy_decision d = POLICY_DECISION_INIT;
		char *f = flat(c->ad);
		policy_periodic(ad, c->status, 1000, &d);
		ok(d.action == c->action && d.hold_code == c->code &&
		   d.hold_subcode == c->subcode && d.n_updates == 0,
		   "periodic %zu {%s} status %d: %s code %d subcode %d", i, f,
		   c->status, action_name(d.action), d.hold_code, d.hold_subcode);
		is_str(d.reason, c->reason, "periodic %zu reason", i);
		free(f);
		policy_decision_release(&d);
		classad_free(ad);
	}
}

/* ------------------------------------------------------------------ */
/* Checkpoints                                                         */
/* ------------------------------------------------------------------ */

static const struct promise_case {
	const char *ad;
	int status;
	int subcode;
	const char *reason;
} promise_cases[] = {
	{ "SuccessCheckpointExitCode = 85", EXITED(1), EXITED(1),
	  "Job did not exit as promised when sent its checkpoint signal.  "
	  "Promised exit was with exit code 85, actual exit status was with exit code 1." },
	{ "SuccessCheckpointExitCode = 85", KILLED(9), 9,
	  "Job did not exit as promised when sent its checkpoint signal.  "
	  "Promised exit was with exit code 85, actual exit status was on signal 9." },
	{ "SuccessCheckpointExitBySignal = true\nSuccessCheckpointExitSignal = 12", EXITED(0), 0,
	  "Job did not exit as promised when sent its checkpoint signal.  "
	  "Promised exit was on signal 12, actual exit status was with exit code 0." },
	{ "CheckpointExitBySignal = true\nCheckpointExitSignal = \"SIGUSR2\"", CORED(12), CORED(12),
	  "Job did not exit as promised when sent its checkpoint signal.  "
	  "Promised exit was on signal 12, actual exit status was on signal 12." },
	{ "WantCheckpointSignal = true", EXITED(3), EXITED(3),
	  "Job did not exit as promised when sent its checkpoint signal.  "
	  "Promised exit was with exit code 0, actual exit status was with exit code 3." },
};

static void
test_checkpoints(void)
{
	for (size_t i = 0; i < sizeof(promise_cases) / sizeof(promise_cases[0]); i++) {
		const struct promise_case *c = &promise_cases[i];
		struct classad *ad = make_ad(c->ad, "promise");
		struct policy_exit ex;
		struct policy_decision d = POLICY_DECISION_INIT;
		policy_classify_exit(ad, c->status, true, &ex);
		ok(ex.broken_promise && !ex.checkpoint, "promise %zu is broken", i);
		policy_checkpoint_broken_promise(&ex, &d);
		ok(d.action == POLICY_HOLD && d.hold_code == 36 && d.hold_subcode == c->subcode &&
		   d.n_updates == 0, "promise %zu: %s code %d subcode %d", i,
		   action_name(d.action), d.hold_code, d.hold_subcode);
		is_str(d.reason, c->reason, "promise %zu reason", i);
		policy_decision_release(&d);
		classad_free(ad);
	}

	struct classad *ad = classad_new();
	struct policy_decision d = POLICY_DECISION_INIT;
	policy_after_checkpoint(ad, 1300, 1000, &d);
	is_int(d.action, POLICY_NONE, "first checkpoint: no action");
	is_str(policy_decision_update(&d, "CheckpointNumber"), "0", "first checkpoint is number 0");
	is_str(policy_decision_update(&d, "JobLastCheckpointTime"), "1300", "first checkpoint time");
	is_str(policy_decision_update(&d, "CommittedTime"), "300", "first committed time");
	classad_set_int(ad, "CheckpointNumber", 2);
	classad_set_int(ad, "CommittedTime", 50);
	policy_after_checkpoint(ad, 1300, 1200, &d);
	is_str(policy_decision_update(&d, "CheckpointNumber"), "3", "third checkpoint");
	is_str(policy_decision_update(&d, "CommittedTime"), "150", "committed time adds up");
	is_int(d.n_updates, 3, "three checkpoint updates");
	policy_after_checkpoint(ad, 1000, 1200, &d);
	is_str(policy_decision_update(&d, "CommittedTime"), "50", "clock going back commits nothing");
	classad_set_text_trusted(ad, "CommittedTime", "9223372036854775807");
	policy_after_checkpoint(ad, 1300, 1200, &d);
	is_str(policy_decision_update(&d, "CommittedTime"), "9223372036854775807",
	       "committed time saturates");
	classad_set_text_trusted(ad, "CheckpointNumber", "\"x\"");
	policy_after_checkpoint(ad, 1300, 1200, &d);
	is_str(policy_decision_update(&d, "CheckpointNumber"), "0", "junk number restarts at 0");
	policy_decision_release(&d);
	classad_free(ad);
}

int
main(void)
{
	plan_lazy();
	test_signal_numbers();
	test_classify();
	test_after_exit();
	test_exit_updates();
	test_periodic();
	test_checkpoints();
	return tap_done();
}
