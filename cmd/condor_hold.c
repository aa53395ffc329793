/* condor_hold - put jobs on hold; see condor_hold(1) and cmd/jobaction.h. */
#include "config.h"

#include <stddef.h>

#include "action.h"
#include "jobaction.h"
#include "banned.h"

static const char *const synopsis[] = {
	"[-reason text] [-subcode number] [-constraint expression] "
	"[cluster | cluster.proc | user ...]",
	"[-reason text] [-subcode number] -all",
	NULL,
};

static const char details[] =
	"Holds jobs: they stay in the queue and do not run until released.\n"
	"  -reason text           HoldReason (default \"via condor_hold\")\n"
	"  -subcode number        HoldReasonSubCode (default 0)\n"
	"  -constraint expression hold jobs for which the expression is true\n"
	"  -all                   hold every job (alone)\n"
	"  cluster                hold every job of the cluster\n"
	"  cluster.proc           hold that job\n"
	"  user                   hold every job the user owns\n";

static const struct jobaction_tool tool = {
	.action = &action_hold,
	.synopsis = synopsis,
	.details = details,
	.subcode = true,
};

int
main(int argc, char **argv)
{
	return jobaction_main(argc, argv, &tool);
}
