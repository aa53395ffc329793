/*
 * qsummary.h - condor_q's reading of the queue: which jobs a query shows,
 * the per-status totals of its footer, and the default batch view.
 *
 * Owns:
 *   - the scan: one pass over the queue that counts every job for
 *     "Total for all users", the invoking user's for "Total for USER", and
 *     hands each job the query selects to a callback (with its JobStatus,
 *     evaluated once);
 *   - the title line ("-- Schedd: NAME : <ADDR?... @ MM/DD/YY HH:MM:SS")
 *     and the "Total for ..." footer, byte for byte as HTCondor prints them;
 *   - the batch view: jobs grouped into one row per JobBatchName (per
 *     owner) or else per cluster, with DONE/RUN/IDLE/HOLD/TOTAL counts.
 *
 * Performance: the scan evaluates JobStatus for every job and Owner once
 * per cluster (again only for a proc that overrides it); nothing else is
 * evaluated unless the caller's callback asks.  The batch view relies on
 * the queue handing out jobs in (cluster, proc) order and keeps one small
 * record per batch, so 100,000 jobs aggregate in one pass without copies.
 */
#ifndef CONDORLET_QSUMMARY_H
#define CONDORLET_QSUMMARY_H

#include <stdbool.h>
#include <stddef.h>

struct classad;
struct job_select;
struct queue;
struct strbuf;

/* Jobs by status, as the footer counts them (TRANSFERRING_OUTPUT counts as
 * running; statuses the footer has no word for count only in jobs). */
struct qcounts {
	long long jobs, completed, removed, idle, running, held, suspended;
};

void qcounts_add(struct qcounts *c, long long status);

struct qtotals {
	struct qcounts query;	/* the jobs the query selected */
	struct qcounts mine;	/* every job of the invoking user */
	struct qcounts all;	/* every job in the queue */
};

/* ---- the scan ---- */

struct qscan {
	const struct job_select *sel;	/* NULL: every job */
	const char *me;			/* the invoking user's name */
	bool only_mine;			/* show only jobs whose Owner is me */
	unsigned status_mask;		/* bit 1<<JobStatus to show; 0: any */
	long long limit;		/* show at most this many; < 0: all */
};

/* Called for each job the query shows, in (cluster, proc) order.  job is
 * borrowed from the queue (its parent is the cluster ad). */
typedef void (*qscan_fn)(void *arg, int cluster, int proc,
			 const struct classad *job, long long status);

/* Scans q once; fills *t (zeroed first).  fn may be NULL (totals only). */
void qscan_run(struct queue *q, const struct qscan *s, qscan_fn fn, void *arg,
	       struct qtotals *t);

/* ---- title and footer ---- */

/* Appends "\n\n-- Schedd: NAME : <127.0.0.1:0?... @ MM/DD/YY HH:MM:SS\n"
 * with now in local time. */
void qsummary_title(const char *schedd_name, long long now,
		    struct strbuf *out);

/*
 * Appends the footer: an empty line (unless totals_only, as -totals
 * prints it), "Total for query: ...", then "Total for ME: ..." when me is
 * not NULL (an only-my-jobs query), then "Total for all users: ...", each
 * line but the last ending in a space as HTCondor's do, and a final empty
 * line.
 */
void qsummary_footer(const struct qtotals *t, const char *me, bool totals_only,
		     struct strbuf *out);

/* ---- the batch view ---- */

struct qbatch;

/* partial: the query names single procs (C.P arguments, -hold, -run), so
 * DONE cannot be known and shows "_". */
struct qbatch *qbatch_new(bool partial);
void qbatch_free(struct qbatch *b);
/* Adds one shown job; jobs must come in (cluster, proc) order. */
void qbatch_add(struct qbatch *b, int cluster, int proc,
		const struct classad *job, long long status);
/* Appends the heading line and one row per batch, in order of each
 * batch's first job. */
void qbatch_render(struct qbatch *b, struct strbuf *out);
/* Number of rows (batches) so far. */
size_t qbatch_rows(struct qbatch *b);

#endif
