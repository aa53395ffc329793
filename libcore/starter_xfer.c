/*
 * starter_xfer.c - the job's files: input transfer into the sandbox, the
 * checkpoint commit and its bookkeeping (040 events, queue counters), and
 * output to the Iwd at exit or to the spool at eviction.
 *
 * Which files (reference htcondor-runtime.md 2.3, 3.2, 5.2):
 * - the output set is TransferOutput (an empty list sends nothing), else
 *   every top-level regular file that is new or changed since the input
 *   transfer, minus the executable and the starter's own files;
 * - a checkpoint sends TransferCheckpoint when the job has it, else the
 *   output set; an eviction under ON_EXIT_OR_EVICT sends the output set;
 *   both add _condor_stdout/_condor_stderr and go to the spool;
 * - at exit the output set goes to the Iwd (TransferOutputRemaps renaming
 *   it), and the standard streams to Out/Err; a job that misses its
 *   JobSuccessExitCode sends only its FailureFiles and standard streams.
 *
 * The checkpoint's 040 events and queue update are written after the job
 * has been restarted, by a child process (starter.c): they are bookkeeping,
 * and the restart is the part a self-checkpointing job waits for.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "policy.h"
#include "queue.h"
#include "spool.h"
#include "starter_int.h"
#include "strbuf.h"
#include "transfer.h"
#include "ulog.h"
#include "xalloc.h"
#include "banned.h"

/* A set of file names: added freely, sorted and made unique by
 * names_done before use (lists can be long: no quadratic checks). */
struct names {
	char **v;
	size_t n, alloc;
};

static void
names_add(struct names *l, const char *name)
{
	XGROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = xstrdup(name);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *const *
names_done(struct names *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), name_cmp);
	size_t out = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (out > 0 && strcmp(l->v[out - 1], l->v[i]) == 0)
			free(l->v[i]);
		else
			l->v[out++] = l->v[i];
	}
	l->n = out;
	return (const char *const *)l->v;
}

static void
names_release(struct names *l)
{
	transfer_names_free(l->v, l->n);
	memset(l, 0, sizeof(*l));
}

static void
names_add_list(struct names *l, const char *text)
{
	char **v;
	size_t n = starter_split_list(text, &v);
	for (size_t i = 0; i < n; i++)
		names_add(l, v[i]);
	transfer_names_free(v, n);
}

/* HTCondor's changed-files mode (top level only). */
static int
changed_files(struct starter *st, struct names *out, struct error *err)
{
	char **all;
	size_t n;
	if (transfer_changed_files(st->snap, st->job.sandbox, &all, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *name = all[i];
		if (strchr(name, '/') != NULL || strncmp(name, ".starter.", 9) == 0 ||
		    (st->job.exe_name && strcmp(name, st->job.exe_name) == 0))
			continue;
		names_add(out, name);
	}
	transfer_names_free(all, n);
	return 0;
}

/* The output set, from TransferOutput or the changed files. */
static int
output_set(struct starter *st, struct names *out, struct error *err)
{
	char *list = classad_get_string(st->job.ad, "TransferOutput");
	int rc = 0;
	if (list != NULL)
		names_add_list(out, list);
	else
		rc = changed_files(st, out, err);
	free(list);
	return rc;
}

static void
add_std(const struct starter *st, struct names *out)
{
	if (st->job.out_dest != NULL)
		names_add(out, STARTER_STDOUT);
	if (st->job.err_dest != NULL)
		names_add(out, STARTER_STDERR);
}

static long long
bytes_of(const struct starter *st, const struct names *l)
{
	long long sum = 0;
	for (size_t i = 0; i < l->n; i++) {
		char *p = fileio_join(st->job.sandbox, l->v[i]);
		struct stat s;
		if (lstat(p, &s) == 0 && S_ISREG(s.st_mode))
			sum += (long long)s.st_size;
		free(p);
	}
	return sum;
}

static void
log_transfer(const struct starter *st, struct ulog_batch *b,
	     enum ulog_transfer what, time_t when)
{
	char *body = ulog_body_file_transfer(what, NULL, -1);
	ulog_add_job(b, st->job.ad, ULOG_FILE_TRANSFER, when, body);
	free(body);
}

/* ---- in ---- */

int
starter_transfer_in(struct starter *st, struct error *err)
{
	const struct starter_job *j = &st->job;
	int rc = 0;
	if (!j->shared) {
		char *list = classad_get_string(j->ad, "TransferInput");
		if (j->exe_name != NULL)
			rc = transfer_executable(j->cmd, j->sandbox, j->exe_name, err);
		if (rc == 0 && list != NULL)
			rc = transfer_inputs(j->iwd, list, j->sandbox, err);
		if (rc == 0 && j->stdin_input != NULL)
			rc = transfer_inputs(j->iwd, j->stdin_input, j->sandbox, err);
		if (rc == 0 && j->jobspool != NULL)
			rc = spool_restore(j->jobspool, j->sandbox, err);
		free(list);
		if (rc < 0)
			return -1;
	}
	st->snap = transfer_snapshot_take(j->sandbox, err);
	if (st->snap == NULL)
		return -1;
	for (size_t i = 0; i < st->snap->n; i++)
		if (st->snap->v[i].type == TRANSFER_FILE)
			st->res.bytes_received += st->snap->v[i].size;
	return 0;
}

/* ---- checkpoints ---- */

int
starter_checkpoint_commit(struct starter *st, struct error *err)
{
	if (st->job.shared || st->job.jobspool == NULL)
		return 0;
	struct names l = { 0 };
	char *list = classad_get_string(st->job.ad, "TransferCheckpoint");
	int rc = 0;
	if (list != NULL)
		names_add_list(&l, list);
	else
		rc = output_set(st, &l, err);
	free(list);
	add_std(st, &l);
	const char *const *names = names_done(&l);
	if (rc == 0)
		rc = spool_commit(st->job.sandbox, names, l.n, st->job.jobspool,
				  err);
	if (rc == 0)
		st->res.bytes_sent += bytes_of(st, &l);
	names_release(&l);
	return rc;
}

/* The updates a checkpoint makes to job: the counters (policy.h) and the
 * output transfer stamps. */
static void
checkpoint_updates(const struct starter *st, const struct classad *job,
		   const struct starter_ckpt *c, struct policy_decision *d)
{
	policy_after_checkpoint(job, c->exit_time, c->run_start, d);
	if (st->job.shared)
		return;
	long long starts = 0;
	classad_get_int(job, "NumOutputTransferStarts", &starts);
	const struct { const char *name; long long v; } x[] = {
		{ "TransferOutStarted", (long long)c->xfer_start },
		{ "TransferOutFinished", (long long)c->xfer_end },
		{ "NumOutputTransferStarts", starts + 1 },
	};
	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
		XGROW(d->updates, d->n_updates + 1, d->alloc_updates);
		d->updates[d->n_updates].name = xstrdup(x[i].name);
		d->updates[d->n_updates].text = xasprintf("%lld", x[i].v);
		d->n_updates++;
	}
}

void
starter_checkpoint_count(struct starter *st, const struct starter_ckpt *c)
{
	struct policy_decision d = POLICY_DECISION_INIT;
	checkpoint_updates(st, st->job.ad, c, &d);
	for (size_t i = 0; i < d.n_updates; i++)
		classad_set_text_trusted(st->job.ad, d.updates[i].name,
					 d.updates[i].text);
	policy_decision_release(&d);
}

bool
starter_checkpoint_record(struct starter *st, const struct starter_ckpt *c,
			  size_t n)
{
	const struct starter_job *j = &st->job;
	if (!j->shared) {
		struct ulog_batch *b = ulog_batch_new();
		for (size_t i = 0; i < n; i++) {
			log_transfer(st, b, ULOG_XFER_OUT_STARTED, c[i].xfer_start);
			log_transfer(st, b, ULOG_XFER_OUT_FINISHED, c[i].xfer_end);
		}
		ulog_flush(b, NULL);
		ulog_batch_free(b);
	}
	struct error err;
	struct queue *q = st->spool ? queue_open(st->spool, QUEUE_WRITE, &err) : NULL;
	if (q == NULL)
		return true;	/* no queue to ask: carry on */
	bool found = queue_find(q, j->cluster, j->proc) != NULL;
	/* Each checkpoint counts from the one before: the handle sees its
	 * own uncommitted changes. */
	for (size_t i = 0; found && i < n; i++) {
		struct policy_decision d = POLICY_DECISION_INIT;
		checkpoint_updates(st, queue_find(q, j->cluster, j->proc), &c[i], &d);
		for (size_t u = 0; u < d.n_updates; u++)
			queue_set_attr(q, j->cluster, j->proc, d.updates[u].name,
				       d.updates[u].text, &err);
		policy_decision_release(&d);
	}
	if (found)
		queue_commit(q, &err);	/* a lost update is not worth the job */
	queue_close(q);
	return found;
}

/* ---- out ---- */

/* TransferOutputRemaps ("src = dst; ..."), sorted by src for lookups. */
struct remap {
	char *src, *dst;
};

static int
remap_cmp(const void *a, const void *b)
{
	return strcmp(((const struct remap *)a)->src,
		      ((const struct remap *)b)->src);
}

static size_t
remaps_parse(const char *text, struct remap **out)
{
	size_t n = 0, alloc = 0;
	*out = NULL;
	for (const char *p = text ? text : ""; *p;) {
		size_t len = strcspn(p, ";");
		char *e = xstrndup(p, len);
		char *eq = strchr(e, '=');
		char **src = NULL, **dst = NULL;
		size_t ns = 0, nd = 0;
		if (eq != NULL) {
			*eq = '\0';
			ns = starter_split_list(e, &src);
			nd = starter_split_list(eq + 1, &dst);
		}
		if (ns == 1 && nd == 1) {
			XGROW(*out, n + 1, alloc);
			(*out)[n].src = xstrdup(src[0]);
			(*out)[n++].dst = xstrdup(dst[0]);
		}
		transfer_names_free(src, ns);
		transfer_names_free(dst, nd);
		free(e);
		p += len + (p[len] == ';');
	}
	if (n > 1)
		qsort(*out, n, sizeof(**out), remap_cmp);
	return n;
}

static void
remaps_free(struct remap *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].src);
		free(r[i].dst);
	}
	free(r);
}

/* Where name goes under the remaps (matched whole or by its last
 * component), or NULL.  Borrowed from r. */
static const char *
remap_of(const struct remap *r, size_t n, const char *name)
{
	const char *base = strrchr(name, '/');
	const char *keys[2] = { name, base ? base + 1 : NULL };
	for (size_t i = 0; i < 2 && n > 0; i++) {
		struct remap key = { .src = (char *)keys[i] };
		const struct remap *hit = keys[i] ?
			bsearch(&key, r, n, sizeof(*r), remap_cmp) : NULL;
		if (hit != NULL)
			return hit->dst;
	}
	return NULL;
}

static void
keep_first(int rc, struct error *first, const struct error *e, int *out)
{
	if (rc < 0 && *out == 0) {
		*first = *e;
		*out = -1;
	}
}

/* Copies l's files to the Iwd (remapped where asked), then the standard
 * streams to Out/Err.  Keeps going; the first failure is returned. */
static int
send_to_iwd(struct starter *st, struct names *l, struct error *err)
{
	const struct starter_job *j = &st->job;
	char *text = classad_get_string(j->ad, "TransferOutputRemaps");
	struct remap *remaps;
	size_t nremaps = remaps_parse(text, &remaps);
	struct names plain = { 0 };
	struct error e;
	int rc = 0, r;
	names_done(l);
	for (size_t i = 0; i < l->n; i++) {
		const char *to = remap_of(remaps, nremaps, l->v[i]);
		if (to == NULL) {
			names_add(&plain, l->v[i]);
			continue;
		}
		char *dest = fileio_join(j->iwd, to);
		if (strstr(to, "://") != NULL)
			r = error_set(&e, "output remap '%s': URLs are not "
				      "supported", to);
		else
			r = transfer_output_to(j->sandbox, l->v[i], dest, &e);
		keep_first(r, err, &e, &rc);
		free(dest);
	}
	r = transfer_outputs(j->sandbox, (const char *const *)plain.v, plain.n,
			     j->iwd, &e);
	keep_first(r, err, &e, &rc);
	if (j->out_dest != NULL) {
		r = transfer_output_to(j->sandbox, STARTER_STDOUT, j->out_dest, &e);
		keep_first(r, err, &e, &rc);
	}
	if (j->err_dest != NULL) {
		r = transfer_output_to(j->sandbox, STARTER_STDERR, j->err_dest, &e);
		keep_first(r, err, &e, &rc);
	}
	add_std(st, l);
	st->res.bytes_sent += bytes_of(st, l);
	names_release(&plain);
	remaps_free(remaps, nremaps);
	free(text);
	return rc;
}

/* true unless the job has a JobSuccessExitCode and missed it. */
static bool
exit_succeeded(const struct classad *job, int status)
{
	long long want;
	if (!classad_get_int(job, "JobSuccessExitCode", &want))
		return true;
	return WIFEXITED(status) && WEXITSTATUS(status) == want;
}

int
starter_output_final(struct starter *st, int status, struct error *err)
{
	if (st->job.shared)
		return 0;
	struct names l = { 0 };
	int rc = 0;
	if (exit_succeeded(st->job.ad, status)) {
		rc = output_set(st, &l, err);
	} else {
		char *ff = classad_get_string(st->job.ad, "FailureFiles");
		names_add_list(&l, ff);
		free(ff);
	}
	struct ulog_batch *b = ulog_batch_new();
	log_transfer(st, b, ULOG_XFER_OUT_STARTED, time(NULL));
	if (rc == 0)
		rc = send_to_iwd(st, &l, err);
	log_transfer(st, b, ULOG_XFER_OUT_FINISHED, time(NULL));
	/* not fsync'ed here: the daemon logs 005 (or 004) in the same file
	 * next and syncs it then (ulog.h, group fsync) */
	ulog_flush_deferred(b, NULL, NULL);
	ulog_batch_free(b);
	names_release(&l);
	return rc;
}

int
starter_output_evict(struct starter *st, struct error *err)
{
	const struct starter_job *j = &st->job;
	char *when = classad_get_string(j->ad, "WhenToTransferOutput");
	bool wanted = when != NULL && strcasecmp(when, "ON_EXIT_OR_EVICT") == 0;
	free(when);
	if (j->shared || !wanted || j->jobspool == NULL)
		return 0;
	bool to_spool = true;
	classad_get_bool(j->ad, "SpoolOnEvict", &to_spool);
	struct names l = { 0 };
	int rc = output_set(st, &l, err);
	struct ulog_batch *b = ulog_batch_new();
	log_transfer(st, b, ULOG_XFER_OUT_STARTED, time(NULL));
	if (rc == 0 && to_spool) {
		add_std(st, &l);
		const char *const *names = names_done(&l);
		rc = spool_commit(j->sandbox, names, l.n, j->jobspool, err);
		if (rc == 0)
			st->res.bytes_sent += bytes_of(st, &l);
	} else if (rc == 0) {
		rc = send_to_iwd(st, &l, err);
	}
	log_transfer(st, b, ULOG_XFER_OUT_FINISHED, time(NULL));
	ulog_flush_deferred(b, NULL, NULL);	/* as above: the daemon syncs */
	ulog_batch_free(b);
	names_release(&l);
	if (rc == 0)
		st->res.output_transferred = true;
	return rc;
}
