/* condor_rm - remove jobs from the queue; see condor_rm(1) and
 * cmd/jobaction.h. */
#include "config.h"

#include <stddef.h>

#include "action.h"
#include "jobaction.h"
#include "banned.h"

static const char *const synopsis[] = {
	"[-reason text] [-constraint expression] "
	"[cluster | cluster.proc | user ...]",
	"[-reason text] -all",
	NULL,
};

static const char details[] =
	"Removes jobs: they leave the queue for the history.\n"
	"  -reason text           RemoveReason (default \"via condor_rm\")\n"
	"  -constraint expression remove jobs for which the expression is true\n"
	"  -all                   remove every job (alone)\n"
	"  cluster                remove every job of the cluster\n"
	"  cluster.proc           remove that job\n"
	"  user                   remove every job the user owns\n";

static const struct jobaction_tool tool = {
	.action = &action_remove,
	.synopsis = synopsis,
	.details = details,
};

int
main(int argc, char **argv)
{
	return jobaction_main(argc, argv, &tool);
}
