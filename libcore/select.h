/*
 * select.h - which jobs a command is about: job ids ("635", "635.0"),
 * owners, -constraint and -all, turned into a predicate over job ads.
 *
 * Argument classification follows HTCondor's tools: all digits is a
 * cluster, digits.digits is a job, anything else is an owner name.  How
 * the parts combine depends on the tool:
 *   SELECT_ACTION (condor_hold/release/rm/vacate_job): every id, cluster
 *     and owner is ORed; each -constraint is ANDed onto that group (as
 *     HTCondor's rm.cpp does, so "condor_rm alice -constraint X" cannot
 *     reach beyond alice's jobs); -all matches everything and cannot be
 *     mixed with anything else.
 *   SELECT_QUERY (condor_q, condor_history): ids and clusters are ORed,
 *     owners are ORed, and the two groups (and every -constraint) are
 *     ANDed; -all combines with the rest; no argument at all matches
 *     everything.
 */
#ifndef CONDORLET_SELECT_H
#define CONDORLET_SELECT_H

#include <stdbool.h>

struct classad;
struct error;
struct strbuf;

enum select_style {
	SELECT_ACTION,
	SELECT_QUERY,
};

struct job_select;

struct job_select *select_new(enum select_style style);
void select_free(struct job_select *s);

/* Classifies and adds one argument.  Returns -1 with err set for an
 * argument no job can match and HTCondor rejects ("Invalid cluster # from
 * 0."), or an owner name that is not a plausible user name. */
int select_add_arg(struct job_select *s, const char *arg, struct error *err);
/* Adds a ClassAd constraint; -1 with err set if it does not parse. */
int select_add_constraint(struct job_select *s, const char *expr,
			  struct error *err);
/* -all: -1 with err set if other selections were already given (and the
 * other adders fail likewise once -all is set). */
int select_add_all(struct job_select *s, struct error *err);

bool select_is_empty(const struct job_select *s);
/* true if the selection names exactly one job, returned through cluster and proc. */
bool select_single_job(const struct job_select *s, int *cluster, int *proc);
/* true if the job matches. */
bool select_match(const struct job_select *s, int cluster, int proc,
		  const struct classad *job);

/*
 * The phrase HTCondor prints for a non-id selection, for messages like
 * "All jobs in cluster 635 have been held": "in cluster 635",
 * "of user \"alice\"", "matching constraint (<expr>)", or "" for -all.
 */
void select_describe(const struct job_select *s, struct strbuf *out);

#endif
