/* condor_vacate_job - make running jobs leave their slot and go back to
 * Idle; see condor_vacate_job(1) and cmd/jobaction.h. */
#include "config.h"

#include <stddef.h>

#include "action.h"
#include "jobaction.h"
#include "banned.h"

static const char *const synopsis[] = {
	"[-fast] [-constraint expression] [cluster | cluster.proc | user ...]",
	"[-fast] -all",
	NULL,
};

static const char details[] =
	"Vacates running jobs: each gets its kill signal and its vacate time,\n"
	"leaves its slot and becomes idle, to start again from its checkpoint.\n"
	"  -fast                  kill the jobs at once, transferring nothing\n"
	"  -constraint expression vacate running jobs for which the expression is true\n"
	"  -all                   vacate every running job (alone)\n"
	"  cluster                vacate the running jobs of the cluster\n"
	"  cluster.proc           vacate that job\n"
	"  user                   vacate the running jobs the user owns\n";

static const struct jobaction_tool tool = {
	.action = &action_vacate,
	.fast_action = &action_vacate_fast,
	.synopsis = synopsis,
	.details = details,
};

int
main(int argc, char **argv)
{
	return jobaction_main(argc, argv, &tool);
}
