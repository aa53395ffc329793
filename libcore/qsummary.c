/*
 * qsummary.c - see qsummary.h.
 *
 * The batch view's widths follow HTCondor's condor_q (queue.cpp, the
 * "progress" format): OWNER is as wide as the longest owner, but 8 when
 * every owner is shorter than the 5-letter heading; BATCH_NAME is at least
 * 10 wide; SUBMITTED is 12 wide, right-aligned; the counters are "%6d" with
 * zero shown as "_"; HOLD appears only when some batch has held jobs or
 * there is no row at all.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adprint.h"
#include "classad.h"
#include "qsummary.h"
#include "queue.h"
#include "select.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

/* ------------------------------------------------------------------ */
/* Counts                                                              */
/* ------------------------------------------------------------------ */

void
qcounts_add(struct qcounts *c, long long status)
{
	c->jobs++;
	switch (status) {
	case 1: c->idle++; break;
	case 2: case 6: c->running++; break;
	case 3: c->removed++; break;
	case 4: c->completed++; break;
	case 5: c->held++; break;
	case 7: c->suspended++; break;
	default: break;
	}
}

/* ------------------------------------------------------------------ */
/* The scan                                                            */
/* ------------------------------------------------------------------ */

/* The Owner of each job, evaluated once per cluster. */
struct owner_cache {
	int cluster;
	char *owner;	/* the cluster's; NULL if it has none */
};

static char *
job_owner(struct owner_cache *oc, int cluster, const struct classad *job,
	  bool *must_free)
{
	*must_free = false;
	if (classad_has_own(job, "Owner")) {
		*must_free = true;
		return classad_get_string(job, "Owner");
	}
	if (oc->cluster != cluster) {
		free(oc->owner);
		oc->owner = classad_get_string(job, "Owner");
		oc->cluster = cluster;
	}
	return oc->owner;
}

void
qscan_run(struct queue *q, const struct qscan *s, qscan_fn fn, void *arg,
	  struct qtotals *t)
{
	struct owner_cache oc = { .cluster = -1, .owner = NULL };
	struct queue_iter it = {0};
	struct classad *job;
	int cluster, proc;
	long long shown = 0;

	memset(t, 0, sizeof(*t));
	while ((job = queue_next(q, &it, &cluster, &proc)) != NULL) {
		long long status = 0;
		(void)classad_get_int(job, "JobStatus", &status);
		qcounts_add(&t->all, status);

		bool own_copy;
		char *owner = job_owner(&oc, cluster, job, &own_copy);
		bool mine = owner && s->me && strcmp(owner, s->me) == 0;
		if (own_copy)
			free(owner);
		if (mine)
			qcounts_add(&t->mine, status);

		if (s->only_mine && !mine)
			continue;
		if (s->status_mask &&
		    (status < 0 || status > 31 ||
		     !(s->status_mask & (1u << status))))
			continue;
		if (s->sel && !select_match(s->sel, cluster, proc, job))
			continue;
		if (s->limit >= 0 && shown >= s->limit)
			continue;
		shown++;
		qcounts_add(&t->query, status);
		if (fn)
			fn(arg, cluster, proc, job, status);
	}
	free(oc.owner);
}

/* ------------------------------------------------------------------ */
/* Title and footer                                                    */
/* ------------------------------------------------------------------ */

void
qsummary_title(const char *schedd_name, long long now, struct strbuf *out)
{
	time_t tt = (time_t)now;
	struct tm tm;
	strbuf_addf(out, "\n\n-- Schedd: %s : <127.0.0.1:0?...", schedd_name);
	/* HTCondor's strftime(" @ %m/%d/%y %H:%M:%S"), two-digit year and all. */
	if (localtime_r(&tt, &tm) != NULL)
		strbuf_addf(out, " @ %02d/%02d/%02d %02d:%02d:%02d",
			    tm.tm_mon + 1, tm.tm_mday, tm.tm_year % 100,
			    tm.tm_hour, tm.tm_min, tm.tm_sec);
	strbuf_addc(out, '\n');
}

static void
counts_line(const char *who, const struct qcounts *c, struct strbuf *out)
{
	strbuf_addf(out,
		    "Total for %s: %lld jobs; %lld completed, %lld removed, "
		    "%lld idle, %lld running, %lld held, %lld suspended",
		    who, c->jobs, c->completed, c->removed, c->idle, c->running,
		    c->held, c->suspended);
}

void
qsummary_footer(const struct qtotals *t, const char *me, bool totals_only,
		struct strbuf *out)
{
	if (!totals_only)
		strbuf_addc(out, '\n');
	counts_line("query", &t->query, out);
	/* HTCondor prints each "\nTotal for" field after the column
	 * separator, so every line but the last ends in a space. */
	if (me != NULL) {
		strbuf_adds(out, " \n");
		counts_line(me, &t->mine, out);
	}
	strbuf_adds(out, " \n");
	counts_line("all users", &t->all, out);
	strbuf_adds(out, "\n\n");
}

/* ------------------------------------------------------------------ */
/* The batch view                                                      */
/* ------------------------------------------------------------------ */

struct batch {
	char *owner;		/* NULL: no Owner */
	char *name;		/* JobBatchName, or "ID: <cluster>" */
	long long qdate;	/* earliest QDate; -1 if none */
	int min_cluster, min_proc, max_cluster, max_proc;
	long long idle, run, held;
	long long total, done;
	bool unknown_total;	/* a cluster without TotalSubmitProcs */
};

/* The cluster being accumulated (its procs come one after another). */
struct cluster_acc {
	int cluster;		/* -1: none */
	size_t batch;		/* index into batches */
	int min_proc, max_proc;
	long long nprocs;
	long long idle, run, held;
	long long total;	/* TotalSubmitProcs; -1 if missing */
};

/* Batch names (owner "\n" name) to batch indexes, open addressing. */
struct name_slot {
	char *key;		/* NULL: empty */
	size_t batch;
};

struct qbatch {
	bool partial;
	struct batch *rows;
	size_t n, alloc;
	struct cluster_acc cur;
	struct name_slot *slots;
	size_t nslots, used;
};

struct qbatch *
qbatch_new(bool partial)
{
	struct qbatch *b = xcalloc(1, sizeof(*b));
	b->partial = partial;
	b->cur.cluster = -1;
	return b;
}

void
qbatch_free(struct qbatch *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++) {
		free(b->rows[i].owner);
		free(b->rows[i].name);
	}
	for (size_t i = 0; i < b->nslots; i++)
		free(b->slots[i].key);
	free(b->slots);
	free(b->rows);
	free(b);
}

static uint64_t
hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct name_slot *
find_slot(struct name_slot *slots, size_t nslots, const char *key)
{
	size_t i = (size_t)(hash_key(key) & (nslots - 1));
	while (slots[i].key != NULL && strcmp(slots[i].key, key) != 0)
		i = (i + 1) & (nslots - 1);
	return &slots[i];
}

static void
grow_slots(struct qbatch *b)
{
	size_t n = b->nslots ? b->nslots * 2 : 64;
	struct name_slot *s = xcalloc(n, sizeof(*s));
	for (size_t i = 0; i < b->nslots; i++)
		if (b->slots[i].key)
			*find_slot(s, n, b->slots[i].key) = b->slots[i];
	free(b->slots);
	b->slots = s;
	b->nslots = n;
}

static size_t
new_batch(struct qbatch *b, const char *owner, char *name, int cluster,
	  int proc)
{
	XGROW(b->rows, b->n + 1, b->alloc);
	struct batch *r = &b->rows[b->n];
	memset(r, 0, sizeof(*r));
	r->owner = owner ? xstrdup(owner) : NULL;
	r->name = name;
	r->qdate = -1;
	r->min_cluster = r->max_cluster = cluster;
	r->min_proc = r->max_proc = proc;
	return b->n++;
}

/* The batch a cluster belongs to: by JobBatchName (per owner), else its own. */
static size_t
batch_of(struct qbatch *b, int cluster, int proc, const struct classad *job)
{
	char *owner = classad_get_string(job, "Owner");
	char *bname = classad_get_string(job, "JobBatchName");
	size_t idx;
	if (bname == NULL) {
		idx = new_batch(b, owner, xasprintf("ID: %d", cluster), cluster,
				proc);
	} else {
		char *key = xasprintf("%s\n%s", bname, owner ? owner : "");
		if (2 * (b->used + 1) > b->nslots)
			grow_slots(b);
		struct name_slot *s = find_slot(b->slots, b->nslots, key);
		if (s->key != NULL) {
			idx = s->batch;
			free(key);
			free(bname);
		} else {
			idx = new_batch(b, owner, bname, cluster, proc);
			s->key = key;
			s->batch = idx;
			b->used++;
		}
	}
	free(owner);
	return idx;
}

static void
fold_cluster(struct qbatch *b)
{
	struct cluster_acc *c = &b->cur;
	if (c->cluster < 0)
		return;
	struct batch *r = &b->rows[c->batch];
	r->idle += c->idle;
	r->run += c->run;
	r->held += c->held;
	if (c->total < 0) {
		r->unknown_total = true;
	} else {
		r->total += c->total;
		if (!b->partial)
			r->done += c->total - c->nprocs;
	}
	if (c->cluster < r->min_cluster ||
	    (c->cluster == r->min_cluster && c->min_proc < r->min_proc)) {
		r->min_cluster = c->cluster;
		r->min_proc = c->min_proc;
	}
	if (c->cluster > r->max_cluster ||
	    (c->cluster == r->max_cluster && c->max_proc > r->max_proc)) {
		r->max_cluster = c->cluster;
		r->max_proc = c->max_proc;
	}
	c->cluster = -1;
}

static void
start_cluster(struct qbatch *b, int cluster, int proc,
	      const struct classad *job)
{
	struct cluster_acc *c = &b->cur;
	memset(c, 0, sizeof(*c));
	c->cluster = cluster;
	c->min_proc = c->max_proc = proc;
	c->batch = batch_of(b, cluster, proc, job);
	if (!classad_get_int(job, "TotalSubmitProcs", &c->total) || c->total < 0)
		c->total = -1;
	double qdate;
	struct batch *r = &b->rows[c->batch];
	if (classad_get_real(job, "QDate", &qdate) && qdate >= 0 &&
	    qdate < 9.2e18 && (r->qdate < 0 || (long long)qdate < r->qdate))
		r->qdate = (long long)qdate;
}

void
qbatch_add(struct qbatch *b, int cluster, int proc, const struct classad *job,
	   long long status)
{
	if (cluster != b->cur.cluster) {
		fold_cluster(b);
		start_cluster(b, cluster, proc, job);
	}
	struct cluster_acc *c = &b->cur;
	c->nprocs++;
	if (proc < c->min_proc)
		c->min_proc = proc;
	if (proc > c->max_proc)
		c->max_proc = proc;
	switch (status) {
	case 1: case 7: c->idle++; break;
	case 2: case 6: c->run++; break;
	case 5: c->held++; break;
	default: break;
	}
}

size_t
qbatch_rows(struct qbatch *b)
{
	fold_cluster(b);
	return b->n;
}

static void
add_padded(struct strbuf *out, const char *s, size_t width)
{
	size_t len = strlen(s);
	strbuf_adds(out, s);
	if (len < width)
		strbuf_addchars(out, ' ', width - len);
}

static void
add_count(struct strbuf *out, long long n)
{
	if (n > 0)
		strbuf_addf(out, " %6lld", n);
	else
		strbuf_adds(out, "      _");
}

static void
render_row(const struct batch *r, size_t ow, size_t bw, bool hold,
	   struct strbuf *out)
{
	add_padded(out, r->owner ? r->owner : "", ow);
	strbuf_addc(out, ' ');
	add_padded(out, r->name, bw);
	strbuf_addc(out, ' ');
	if (r->qdate >= 0) {
		strbuf_addc(out, ' ');
		adprint_date(r->qdate, out);
	} else {
		strbuf_addchars(out, ' ', 12);
	}
	bool known = !r->unknown_total;
	add_count(out, known ? r->done : 0);
	add_count(out, r->run);
	add_count(out, r->idle);
	if (hold)
		add_count(out, r->held);
	add_count(out, known ? r->total : 0);
	if (r->min_cluster == r->max_cluster && r->min_proc == r->max_proc)
		strbuf_addf(out, " %d.%d\n", r->min_cluster, r->min_proc);
	else if (r->min_cluster == r->max_cluster)
		strbuf_addf(out, " %d.%d-%d\n", r->min_cluster, r->min_proc,
			    r->max_proc);
	else
		strbuf_addf(out, " %d.%d ... %d.%d\n", r->min_cluster,
			    r->min_proc, r->max_cluster, r->max_proc);
}

void
qbatch_render(struct qbatch *b, struct strbuf *out)
{
	fold_cluster(b);
	size_t ow = 0, bw = 10;
	bool hold = b->n == 0;
	for (size_t i = 0; i < b->n; i++) {
		const struct batch *r = &b->rows[i];
		size_t len = r->owner ? strlen(r->owner) : 0;
		if (len > ow)
			ow = len;
		len = strlen(r->name);
		if (len > bw)
			bw = len;
		if (r->held > 0)
			hold = true;
	}
	if (ow < 5)
		ow = 8;
	add_padded(out, "OWNER", ow);
	strbuf_addc(out, ' ');
	add_padded(out, "BATCH_NAME", bw);
	strbuf_adds(out, "    SUBMITTED   DONE   RUN    IDLE");
	if (hold)
		strbuf_adds(out, "   HOLD");
	strbuf_adds(out, "  TOTAL JOB_IDS\n");
	for (size_t i = 0; i < b->n; i++)
		render_row(&b->rows[i], ow, bw, hold, out);
}
