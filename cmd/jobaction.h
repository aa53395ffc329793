/*
 * jobaction.h - the shared front end of condor_hold, condor_release and
 * condor_rm and condor_vacate_job: HTCondor's options and
 * argument forms, the per-job and per-selection messages, the exit
 * status.  Each tool is a descriptor and a main() that calls
 * jobaction_main; the rules themselves live in libcore/action.h.
 */
#ifndef CONDORLET_CMD_JOBACTION_H
#define CONDORLET_CMD_JOBACTION_H

#include <stdbool.h>

struct action;

struct jobaction_tool {
	const struct action *action;
	const char *const *synopsis;	/* NULL-terminated; the manual's SYNOPSIS */
	const char *details;		/* option help printed by --help */
	bool subcode;			/* accepts -subcode (condor_hold) */
	/* What -fast selects instead of action (condor_vacate_job); NULL:
	 * -fast is refused, as HTCondor's other tools refuse it. */
	const struct action *fast_action;
};

/* Parses argv, acts, prints the results; returns the exit status. */
int jobaction_main(int argc, char **argv, const struct jobaction_tool *tool);

#endif
