/*
 * jobaction.c - see jobaction.h.
 *
 * Options are matched the way HTCondor's tools match them: one or two
 * leading dashes and any prefix of the name down to a minimum length
 * ("-c", "-constr", "--constraint").  Argument errors are all reported
 * before anything is done, so a bad id never leaves half a command done.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "action.h"
#include "common.h"
#include "control.h"
#include "error.h"
#include "jobaction.h"
#include "knob.h"
#include "num.h"
#include "select.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

struct parsed {
	struct job_select *sel;
	struct action_id *ids;
	size_t nids, ids_alloc;
	bool has_selection;	/* a cluster, owner, -constraint or -all */
	bool all;
	const char *reason;
	int subcode;
	bool fast;
	bool bad;
};

/* A job id goes to the id list as well as into the selection (which
 * checks it and enforces the -all rule); anything else is a selection. */
static void
positional(struct parsed *p, const char *arg)
{
	struct error err;
	error_clear(&err);
	if (select_add_arg(p->sel, arg, &err) < 0) {
		/* HTCondor prints argument errors bare, the -all clash with
		 * the tool's name. */
		if (p->all)
			cmd_warn_error(&err);
		else
			fprintf(stderr, "%s\n", err.msg);
		p->bad = true;
		return;
	}
	struct job_select *one = select_new(SELECT_ACTION);
	int c, pr;
	if (select_add_arg(one, arg, NULL) == 0 && select_single_job(one, &c, &pr)) {
		XGROW(p->ids, p->nids + 1, p->ids_alloc);
		p->ids[p->nids++] = (struct action_id){ c, pr };
	} else {
		p->has_selection = true;
	}
	select_free(one);
}

static const char *
option_value(int argc, char **argv, int *i, const char *name, bool no_dash)
{
	const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	if (v == NULL || (no_dash && v[0] == '-'))
		cmd_die("-%s requires another argument", name);
	(*i)++;
	return v;
}

static void
parse(struct parsed *p, int argc, char **argv, const struct jobaction_tool *t)
{
	struct error err;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		error_clear(&err);
		if (arg[0] != '-' || arg[1] == '\0') {
			positional(p, arg);
		} else if (cmd_opt(arg, "help", 1, NULL)) {
			cmd_usage(t->synopsis, t->details, stdout, 0);
		} else if (cmd_opt(arg, "constraint", 1, NULL)) {
			const char *v = option_value(argc, argv, &i, "constraint", true);
			p->has_selection = true;
			if (select_add_constraint(p->sel, v, &err) < 0) {
				cmd_warn_error(&err);
				p->bad = true;
			}
		} else if (cmd_opt(arg, "all", 1, NULL)) {
			p->has_selection = p->all = true;
			if (select_add_all(p->sel, &err) < 0) {
				cmd_warn_error(&err);
				p->bad = true;
			}
		} else if (cmd_opt(arg, "reason", 1, NULL)) {
			p->reason = option_value(argc, argv, &i, "reason", false);
		} else if (cmd_opt(arg, "fast", t->fast_action ? 1 : 2, NULL)) {
			if (t->fast_action == NULL) {
				fprintf(stderr, "-fast is only valid with "
					"condor_vacate_job\n");
				cmd_usage(t->synopsis, NULL, stderr, 1);
			}
			p->fast = true;
		} else if (t->subcode && cmd_opt(arg, "subcode", 1, NULL)) {
			const char *v = option_value(argc, argv, &i, "subcode", false);
			if (num_parse_int(v, INT_MIN, INT_MAX, &p->subcode) < 0) {
				fprintf(stderr, "Invalid -subcode %s!\n", v);
				p->bad = true;
			}
		} else {
			fprintf(stderr, "Unrecognized option: %s\n", arg);
			cmd_usage(t->synopsis, NULL, stderr, 1);
		}
	}
}

static void
print_line(bool ok, const struct strbuf *line)
{
	if (ok) {
		printf("%s\n", line->buf);
	} else {
		fflush(stdout);
		fprintf(stderr, "%s\n", line->buf);
	}
}

/* HTCondor's output: one line per id, then one for the selection.  When
 * no id succeeded, or the selection found nothing, its (empty) error
 * stack is printed first, hence the blank stderr lines. */
static void
report(const struct action_request *req, const struct action_report *rep)
{
	struct strbuf line = STRBUF_INIT;
	if (req->nids > 0 && rep->ids_done == 0)
		print_line(false, &line);
	for (size_t i = 0; i < req->nids; i++) {
		strbuf_reset(&line);
		bool ok = action_result_message(req->action, rep->id_results[i],
						req->ids[i].cluster,
						req->ids[i].proc, &line);
		print_line(ok, &line);
	}
	enum action_sel_outcome o = action_sel_outcome(req, rep);
	strbuf_reset(&line);
	if (o == ACTION_SEL_FAILED)
		print_line(false, &line);
	action_sel_message(req, o, cmd_name(), &line);
	if (o != ACTION_SEL_NONE)
		print_line(o == ACTION_SEL_DONE, &line);
	if (rep->log_failed)
		cmd_warn("%s", rep->log_error);
	strbuf_release(&line);
}

static int
run(struct parsed *p, const struct jobaction_tool *t)
{
	struct knobs *k = cmd_load_knobs();
	char *spool = cmd_knob_required(k, "SPOOL");
	char *supers = knob_get(k, "QUEUE_SUPER_USERS");
	char *user = cmd_username();
	struct action_request req = {
		.action = p->fast ? t->fast_action : t->action,
		.spool = spool,
		.user = user,
		.super_users = supers,
		.reason = p->reason,
		.subcode = p->subcode,
		.ids = p->ids,
		.nids = p->nids,
		.sel = p->has_selection ? p->sel : NULL,
	};
	struct action_report rep;
	struct error err;
	error_clear(&err);
	int status = 1;
	if (action_run(&req, &rep, &err) < 0) {
		cmd_warn_error(&err);
	} else {
		report(&req, &rep);
		status = action_failed(&req, &rep) ? 1 : 0;
		/* the change is durable: let the daemon act on it now (a
		 * daemon that is not running is no concern of this tool) */
		if (rep.ids_done + rep.sel_done > 0)
			(void)control_wake(k, NULL);
		action_report_release(&rep);
	}
	free(user);
	free(supers);
	free(spool);
	knobs_free(k);
	return status;
}

int
jobaction_main(int argc, char **argv, const struct jobaction_tool *t)
{
	/* stdio would allocate this buffer at the first result line, after
	 * the queue has freed 100,000 ads: glibc then spends a tenth of a
	 * second consolidating its free lists.  A static buffer avoids it. */
	static char outbuf[BUFSIZ];
	setvbuf(stdout, outbuf, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF,
		sizeof(outbuf));
	cmd_init(argv[0]);
	struct parsed p = { .sel = select_new(SELECT_ACTION) };
	parse(&p, argc, argv, t);
	int status = 1;
	if (!p.bad && p.nids == 0 && !p.has_selection) {
		fprintf(stderr, "You did not specify any jobs\n");
		select_free(p.sel);
		free(p.ids);
		cmd_usage(t->synopsis, NULL, stderr, 1);
	}
	if (!p.bad)
		status = run(&p, t);
	select_free(p.sel);
	free(p.ids);
	return cmd_finish(status);
}
