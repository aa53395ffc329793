/* condor_release - release held jobs; see condor_release(1) and
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
	"Releases held jobs: they become idle and may run again.\n"
	"  -reason text           ReleaseReason (default \"via condor_release\")\n"
	"  -constraint expression release held jobs for which the expression is true\n"
	"  -all                   release every held job (alone)\n"
	"  cluster                release the held jobs of the cluster\n"
	"  cluster.proc           release that job\n"
	"  user                   release the held jobs the user owns\n";

static const struct jobaction_tool tool = {
	.action = &action_release,
	.synopsis = synopsis,
	.details = details,
};

int
main(int argc, char **argv)
{
	return jobaction_main(argc, argv, &tool);
}
