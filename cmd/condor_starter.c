/*
 * condor_starter.c - run one job in its sandbox and record how it ended.
 *
 * Glue only: starter_run (libcore/starter.h) is the whole life of the job;
 * this file checks the command line and reports a failure to write the
 * result.  The daemon spawns it; it also runs by hand on a sandbox that
 * holds a .job.ad.
 */
#include "config.h"

#include <stdio.h>

#include "common.h"
#include "error.h"
#include "starter.h"
#include "banned.h"

static const char *const synopsis[] = {
	"sandbox",
	NULL,
};

static const char details[] =
	"Runs the job described by sandbox/.job.ad in the directory sandbox,\n"
	"then writes sandbox/.starter.result.  See condor_starter(1).\n";

int
main(int argc, char **argv)
{
	const char *sandbox = NULL;
	cmd_init(argv[0]);
	for (int i = 1; i < argc; i++) {
		if (cmd_opt(argv[i], "help", 1, NULL))
			cmd_usage(synopsis, details, stdout, 0);
		else if (argv[i][0] == '-' || sandbox != NULL)
			cmd_usage(synopsis, details, stderr, 1);
		else
			sandbox = argv[i];
	}
	if (sandbox == NULL || sandbox[0] == '\0')
		cmd_usage(synopsis, details, stderr, 1);
	struct error err = { "" };
	int status = starter_run(sandbox, &err);
	if (status != 0)
		cmd_warn_error(&err);
	return cmd_finish(status != 0);
}
