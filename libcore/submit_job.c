/*
 * submit_job.c - running one queue statement: the helpers command
 * handlers use (lookups that note per-proc dependencies, typed values,
 * messages, writes that note who wrote what) and the making of the base,
 * cluster and proc ads.
 *
 * At a queue statement every command handler (submit_attrs.c) runs once,
 * for the statement's first proc, into a base ad, noting which handlers
 * consulted a per-proc value.  Attributes whose last writer did not
 * consult one go into the cluster ad (the first statement's base ad
 * becomes it); for every further proc only the per-proc handlers run
 * again, into the proc ad.  A later queue statement's base ad is compared
 * with the cluster ad and the differences go into each of its procs.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classad.h"
#include "error.h"
#include "num.h"
#include "strbuf.h"
#include "submit_int.h"
#include "xalloc.h"
#include "banned.h"

/* ------------------------------------------------------------------ */
/* Handler helpers                                                     */
/* ------------------------------------------------------------------ */

static bool
is_live(const struct submit *s, const char *v)
{
	for (size_t i = 0; i < s->nlive; i++)
		if (s->live[i].value == v)
			return true;
	return false;
}

/* Looks one spelling up and expands it. */
static char *
param_one(struct sjob *j, const char *key, bool *found)
{
	struct xctx x;
	struct smacro *m = NULL;
	xctx_init(&x, j->s, NULL, 0, j->err);
	const char *raw = submit_lookup(&x, key, &m);
	*found = raw != NULL;
	if (raw == NULL)
		return NULL;
	j->touched |= x.touched;
	j->key_file = m ? m->file : (j->queue ? j->queue->file : NULL);
	j->key_line = m ? m->line : (j->queue ? j->queue->line : 0);
	if (*raw == '\0')
		return NULL;
	if (is_live(j->s, raw) || strchr(raw, '$') == NULL)
		return xstrdup(raw);
	struct strbuf sb = STRBUF_INIT;
	x.file = j->key_file;
	x.line = j->key_line;
	x.stack[0] = key;
	x.depth = 1;
	int rc = submit_expand(&x, raw, &sb);
	j->touched |= x.touched;
	if (rc < 0 || sb.len == 0) {
		if (rc < 0)
			j->failed = true;
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

char *
sj_param(struct sjob *j, const char *names)
{
	bool found;
	if (strchr(names, '|') == NULL)
		return param_one(j, names, &found);
	for (const char *p = names;;) {
		const char *bar = strchr(p, '|');
		char *key = bar ? xstrndup(p, (size_t)(bar - p)) : xstrdup(p);
		char *v = param_one(j, key, &found);
		free(key);
		if (found || bar == NULL)
			return v;
		p = bar + 1;
	}
}

static char *
first_name(const char *names)
{
	return xstrndup(names, strcspn(names, "|"));
}

int
sj_param_bool(struct sjob *j, const char *names, bool dflt, bool *out,
	      bool *exists)
{
	bool failed = j->failed;
	char *v = sj_param(j, names);
	if (exists)
		*exists = v != NULL;
	*out = dflt;
	if (v == NULL)
		return j->failed && !failed ? -1 : 0;
	int rc = 0;
	long long n;
	if (strcasecmp(v, "true") == 0) {
		*out = true;
	} else if (strcasecmp(v, "false") == 0) {
		*out = false;
	} else if (num_parse_ll(v, LLONG_MIN, LLONG_MAX, &n) == 0) {
		*out = n != 0;
	} else {
		struct cval cv = { 0 };
		if (cexpr_eval_text(v, NULL, &cv, NULL) == 0 && cv.type == CVAL_BOOL)
			*out = cv.u.b;
		else if (cv.type == CVAL_INT)
			*out = cv.u.i != 0;
		else
			rc = -1;
		cval_release(&cv);
	}
	if (rc < 0) {
		char *k = first_name(names);
		sj_fail(j, "%s=%s is invalid, must eval to a boolean.", k, v);
		free(k);
	}
	free(v);
	return rc;
}

int
sj_param_int(struct sjob *j, const char *names, long long dflt, long long *out,
	     bool *exists)
{
	bool failed = j->failed;
	char *v = sj_param(j, names);
	if (exists)
		*exists = v != NULL;
	*out = dflt;
	if (v == NULL)
		return j->failed && !failed ? -1 : 0;
	int rc = 0;
	if (num_parse_ll(v, INT_MIN, INT_MAX, out) < 0) {
		struct cval cv = { 0 };
		if (cexpr_eval_text(v, NULL, &cv, NULL) == 0 && cv.type == CVAL_INT &&
		    cv.u.i >= INT_MIN && cv.u.i <= INT_MAX)
			*out = cv.u.i;
		else
			rc = -1;
		cval_release(&cv);
	}
	if (rc < 0) {
		char *k = first_name(names);
		*out = dflt;
		sj_fail(j, "%s=%s is invalid, must eval to an integer.", k, v);
		free(k);
	}
	free(v);
	return rc;
}

void
sj_locate(struct sjob *j, const char *names)
{
	for (const char *p = names; *p;) {
		size_t n = strcspn(p, "|");
		char *key = xstrndup(p, n);
		struct smacro *m = mtable_find(&j->s->macros, key);
		free(key);
		if (m != NULL) {
			j->key_file = m->file;
			j->key_line = m->line;
			return;
		}
		p += n + (p[n] == '|');
	}
}

int
sj_fail(struct sjob *j, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	if (j->key_file)
		submit_where(&sb, j->key_file, j->key_line);
	else if (j->queue)
		submit_where(&sb, j->queue->file, j->queue->line);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	error_set(j->err, "%s", sb.buf);
	strbuf_release(&sb);
	j->failed = true;
	return -1;
}

void
sj_warn(struct sjob *j, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	submit_warn(j->s, "%s", sb.buf);
	strbuf_release(&sb);
}

static int
owner_cmp(const void *a, const void *b)
{
	const struct sj_owner *x = a, *y = b;
	return strcasecmp(x->name, y->name);
}

/* Records who writes attr while the base ad is built; afterwards refuses
 * a write that a later handler overrode in the base ad. */
static bool
may_write(struct sjob *j, const char *attr)
{
	if (j->recording) {
		XGROW(j->writes, j->nwrites + 1, j->awrites);
		j->writes[j->nwrites].handler = j->handler;
		j->writes[j->nwrites].name = xstrdup(attr);
		j->nwrites++;
		return true;
	}
	if (j->nowners == 0)
		return true;
	struct sj_owner key = { attr, 0 };
	const struct sj_owner *o = bsearch(&key, j->owners, j->nowners,
					   sizeof(*j->owners), owner_cmp);
	return o == NULL || o->handler <= j->handler;
}

void
sj_set_string(struct sjob *j, const char *attr, const char *v)
{
	if (may_write(j, attr))
		classad_set_string(j->ad, attr, v);
}

void
sj_set_int(struct sjob *j, const char *attr, long long v)
{
	if (may_write(j, attr))
		classad_set_int(j->ad, attr, v);
}

void
sj_set_bool(struct sjob *j, const char *attr, bool v)
{
	if (may_write(j, attr))
		classad_set_bool(j->ad, attr, v);
}

void
sj_set_real(struct sjob *j, const char *attr, double v)
{
	if (may_write(j, attr))
		classad_set_real(j->ad, attr, v);
}

int
sj_set_expr(struct sjob *j, const char *attr, const char *text)
{
	struct error e;
	if (!may_write(j, attr))
		return 0;
	if (classad_set_text(j->ad, attr, text, &e) < 0)
		return sj_fail(j, "Parse error in expression: %s = %s", attr, text);
	return 0;
}

const char *
sj_iwd(struct sjob *j)
{
	if (j->iwd_varying)
		j->touched = true;
	return j->iwd ? j->iwd : j->s->cwd;
}

/* ------------------------------------------------------------------ */
/* Queue statements                                                    */
/* ------------------------------------------------------------------ */

void
submit_set_num(struct slive *l, long long v)
{
	snprintf(l->buf, sizeof(l->buf), "%lld", v);
	l->value = l->buf;
}

void
submit_set_proc_vars(struct submit *s, int cluster, int proc, size_t step, size_t row)
{
	submit_set_num(&s->live[LV_PROCESS], proc);
	submit_set_num(&s->live[LV_PROCID], proc);
	submit_set_num(&s->live[LV_STEP], (long long)step);
	submit_set_num(&s->live[LV_ITEMINDEX], (long long)row);
	submit_set_num(&s->live[LV_ROW], (long long)row);
	snprintf(s->live[LV_JOBID].buf, sizeof(s->live[LV_JOBID].buf), "%d.%d",
		 cluster, proc);
	s->live[LV_JOBID].value = s->live[LV_JOBID].buf;
}

/* Everything one queue statement needs while it makes procs. */
struct qrun {
	struct submit *s;
	struct submit_result *out;
	const struct stmt *st;
	struct qspec q;
	struct sj_handler *h;
	size_t nh;
	bool *varying;			/* per handler */
	struct strvec vnames, vtexts;	/* per-proc attributes of the base ad */
	struct strvec dnames, dtexts;	/* this statement's differences */
	struct sjob j;
	struct strbuf itembuf;
	size_t offsets[16];
	bool later;			/* not the first statement */
};

static void
qrun_release(struct qrun *r)
{
	qspec_release(&r->q);
	submit_handlers_free(r->h, r->nh);
	free(r->varying);
	strvec_clear(&r->vnames);
	strvec_clear(&r->vtexts);
	strvec_clear(&r->dnames);
	strvec_clear(&r->dtexts);
	for (size_t i = 0; i < r->j.nwrites; i++)
		free(r->j.writes[i].name);
	free(r->j.writes);
	free(r->j.owners);
	free(r->j.iwd);
	strbuf_release(&r->itembuf);
	r->s->nlive = LV_NBUILTIN;
}

static void
set_item_vars(struct qrun *r, size_t ix)
{
	struct submit *s = r->s;
	if (r->q.mode == QM_NONE)
		return;
	qspec_split_item(&r->q, r->q.items[ix], &r->itembuf, r->offsets);
	for (size_t v = 0; v < r->q.nvars; v++)
		s->live[LV_NBUILTIN + v].value = r->itembuf.buf + r->offsets[v];
}

static int
run_handler(struct qrun *r, size_t i)
{
	struct sjob *j = &r->j;
	j->handler = (int)i;
	j->touched = false;
	j->failed = false;
	j->key_file = NULL;
	j->key_line = 0;
	int rc = r->h[i].fn(j, r->h[i].arg);
	return (rc < 0 || j->failed) ? -1 : 0;
}

static int
write_cmp(const void *a, const void *b)
{
	const struct sj_write *x = a, *y = b;
	int c = strcasecmp(x->name, y->name);
	return c ? c : (x->handler > y->handler) - (x->handler < y->handler);
}

/* After the base run: who wrote each attribute last (owners, sorted by
 * name), and which attributes therefore differ per proc. */
static void
note_owners(struct qrun *r, struct classad *base)
{
	struct sjob *j = &r->j;
	qsort(j->writes, j->nwrites, sizeof(*j->writes), write_cmp);
	j->owners = xcalloc(j->nwrites + 1, sizeof(*j->owners));
	size_t n = 0;
	for (size_t k = 0; k < j->nwrites; k++) {
		const struct sj_write *w = &j->writes[k];
		if (n > 0 && strcasecmp(j->owners[n - 1].name, w->name) == 0)
			n--;	/* sorted by handler too: the later writer wins */
		j->owners[n].name = w->name;
		j->owners[n].handler = w->handler;
		n++;
	}
	j->nowners = n;
	for (size_t k = 0; k < n; k++) {
		const char *text;
		if (!r->varying[j->owners[k].handler])
			continue;
		text = classad_lookup_text(base, j->owners[k].name);
		if (text == NULL)
			continue;
		strvec_push(&r->vnames, j->owners[k].name);
		strvec_push(&r->vtexts, text);
	}
	j->recording = false;
}

static bool
is_varying_attr(const struct qrun *r, const char *name)
{
	struct sj_owner key = { name, 0 };
	const struct sj_owner *o = bsearch(&key, r->j.owners, r->j.nowners,
					   sizeof(*r->j.owners), owner_cmp);
	return o != NULL && r->varying[o->handler];
}

/* A later statement: what its base ad changes relative to the cluster. */
static void
note_differences(struct qrun *r, struct classad *base)
{
	const struct classad *c = r->out->cluster_ad;
	for (size_t i = 0; i < classad_size(base); i++) {
		const char *n = classad_name_at(base, i);
		const char *t = classad_text_at(base, i);
		if (is_varying_attr(r, n))
			continue;
		const char *ct = classad_lookup_text(c, n);
		if (ct == NULL || strcmp(ct, t) != 0) {
			strvec_push(&r->dnames, n);
			strvec_push(&r->dtexts, t);
		}
	}
	for (size_t i = 0; i < classad_size(c); i++) {
		const char *n = classad_name_at(c, i);
		if (strcasecmp(n, "ClusterId") == 0 || is_varying_attr(r, n) ||
		    classad_has_own(base, n))
			continue;
		strvec_push(&r->dnames, n);
		strvec_push(&r->dtexts, "undefined");
	}
}

static int
make_base(struct qrun *r, struct error *err)
{
	struct submit *s = r->s;
	struct classad *base = classad_new();
	submit_base_attrs(s, base);
	r->j.ad = base;
	r->j.recording = true;
	r->varying = xcalloc(r->nh + 1, sizeof(*r->varying));
	for (size_t i = 0; i < r->nh; i++) {
		if (run_handler(r, i) < 0) {
			classad_free(base);
			(void)err;
			return -1;
		}
		r->varying[i] = r->j.touched;
	}
	note_owners(r, base);
	if (r->out->cluster_ad == NULL) {
		for (size_t i = 0; i < r->vnames.n; i++)
			classad_delete(base, r->vnames.v[i]);
		classad_set_int(base, "ClusterId", r->out->cluster);
		r->out->cluster_ad = base;
	} else {
		note_differences(r, base);
		classad_free(base);
		r->later = true;
	}
	return 0;
}

static int
make_proc(struct qrun *r, int proc, bool first, struct classad **out)
{
	struct submit *s = r->s;
	struct classad *ad = classad_new();
	classad_set_parent(ad, r->out->cluster_ad);
	classad_set_int(ad, "ProcId", proc);
	for (size_t i = 0; i < r->dnames.n; i++)
		classad_set_text_trusted(ad, r->dnames.v[i], r->dtexts.v[i]);
	if (first) {
		for (size_t i = 0; i < r->vnames.n; i++)
			classad_set_text_trusted(ad, r->vnames.v[i], r->vtexts.v[i]);
	} else {
		r->j.ad = ad;
		for (size_t i = 0; i < r->nh; i++) {
			if (r->varying[i] && run_handler(r, i) < 0) {
				classad_free(ad);
				return -1;
			}
		}
	}
	classad_set_int(ad, "JobStatus", r->j.status);
	if (s->cfg.schedd_attrs) {
		char *g = xasprintf("%s#%d.%d#%lld", s->schedd_name, r->out->cluster,
				    proc, (long long)s->cfg.now);
		classad_set_string(ad, "GlobalJobId", g);
		free(g);
	}
	if (r->later) {
		const struct classad *c = r->out->cluster_ad;
		for (size_t i = 0; i < r->vnames.n; i++) {
			const char *n = r->vnames.v[i];
			const char *t = classad_lookup_text(c, n);
			const char *mine = classad_has_own(ad, n) ?
					   classad_lookup_text(ad, n) : NULL;
			if (t && mine && strcmp(t, mine) == 0)
				classad_delete(ad, n);
		}
	}
	*out = ad;
	return 0;
}

static int
queue_procs(struct qrun *r, struct error *err)
{
	struct submit *s = r->s;
	struct submit_result *out = r->out;
	size_t nitems = r->q.mode == QM_NONE ? 1 : r->q.nitems;
	bool first = true;
	for (size_t ix = 0; ix < nitems; ix++) {
		if (r->q.mode != QM_NONE && !qspec_selected(&r->q, ix))
			continue;
		set_item_vars(r, ix);
		for (long long step = 0; step < r->q.count; step++) {
			int proc = (int)out->nprocs;
			submit_set_proc_vars(s, out->cluster, proc, (size_t)step, ix);
			if (first && make_base(r, err) < 0)
				return -1;
			struct classad *ad;
			if (make_proc(r, proc, first, &ad) < 0)
				return -1;
			out->procs[out->nprocs++] = ad;
			first = false;
		}
	}
	return 0;
}

int
submit_run_queue(struct submit *s, const struct stmt *st,
		 struct submit_result *out, struct error *err)
{
	struct qrun r;
	struct xctx x;
	struct strbuf args = STRBUF_INIT;
	memset(&r, 0, sizeof(r));
	r.s = s;
	r.out = out;
	r.st = st;
	xctx_init(&x, s, st->file, st->line, err);
	if (submit_expand(&x, st->value, &args) < 0) {
		strbuf_release(&args);
		return -1;
	}
	int rc = qspec_load(s, st, args.buf, &r.q, err);
	strbuf_release(&args);
	if (rc < 0)
		return -1;
	unsigned long long n = qspec_procs(&r.q);
	if (n == 0) {
		qspec_release(&r.q);
		return 0;
	}
	if (n > (unsigned long long)s->cfg.max_procs - out->nprocs) {
		qspec_release(&r.q);
		return submit_stmt_fail(st, err, "number of procs exceeds "
				 "SUBMIT_MAX_PROCS_IN_CLUSTER (%ld)", s->cfg.max_procs);
	}
	if (r.q.nvars > 16) {
		qspec_release(&r.q);
		return submit_stmt_fail(st, err, "more than 16 queue variables");
	}
	for (size_t v = 0; v < r.q.nvars; v++) {
		struct slive *l = &s->live[LV_NBUILTIN + v];
		memset(l, 0, sizeof(*l));
		l->name = r.q.vars[v];
		l->per_proc = true;
		l->loop_var = true;
		l->value = "";
	}
	s->nlive = LV_NBUILTIN + r.q.nvars;
	out->procs = xreallocarray(out->procs, out->nprocs + (size_t)n,
				   sizeof(*out->procs));
	r.h = submit_handlers(s, &r.nh);
	r.j.s = s;
	r.j.err = err;
	r.j.queue = st;
	r.j.status = 1;
	rc = queue_procs(&r, err);
	for (size_t v = 0; rc == 0 && v < r.q.nvars; v++)
		if (!s->live[LV_NBUILTIN + v].used && s->cfg.warn_unused)
			submit_warn(s, "the Queue variable '%s' was unused by "
				    "condor_submit. Is it a typo?", r.q.vars[v]);
	qrun_release(&r);
	return rc;
}
