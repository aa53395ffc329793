/*
 * submit.c - the submit object: creation, the command-line additions
 * (key=value, -append, -queue, -batch-name), running the statements in
 * file order (so commands between queue statements change only later
 * jobs; if/else, error and warning are evaluated as they are reached),
 * warnings, and the -dry-run and -verbose printing.  Queue statements
 * themselves are submit_job.c's: there "queue 100000" with "arguments =
 * $(Process)" costs one run of the command handlers and three small
 * attributes per proc.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "knob.h"
#include "num.h"
#include "strbuf.h"
#include "submit_int.h"
#include "xalloc.h"
#include "banned.h"

extern char **environ;

/* ------------------------------------------------------------------ */
/* Creation                                                            */
/* ------------------------------------------------------------------ */

void
submit_config_init(struct submit_config *c)
{
	memset(c, 0, sizeof(*c));
	c->default_max_retries = 2;
	c->allow_getenv = true;
	c->allow_stdin_items = true;
	c->warn_unused = true;
}

void
submit_config_load(struct submit_config *c, const struct knobs *k, bool schedd)
{
	submit_config_init(c);
	c->spool = knob_get(k, "SPOOL");
	c->arch = knob_get(k, "ARCH");
	c->opsys = knob_get(k, "OPSYS");
	if (schedd) {
		c->uid_domain = knob_get(k, "UID_DOMAIN");
		c->filesystem_domain = knob_get(k, "FILESYSTEM_DOMAIN");
		c->schedd_name = knob_get(k, "FULL_HOSTNAME");
	}
	c->max_procs = knob_get_int(k, "SUBMIT_MAX_PROCS_IN_CLUSTER", 0);
	long long retries = knob_get_int(k, "DEFAULT_JOB_MAX_RETRIES", 2);
	c->default_max_retries = retries >= 0 && retries <= INT_MAX ? (int)retries : 2;
	c->allow_getenv = knob_get_bool(k, "SUBMIT_ALLOW_GETENV", true);
	c->warn_unused = knob_get_bool(k, "WARN_ON_UNUSED_SUBMIT_FILE_MACROS", true);
	c->schedd_attrs = schedd;
}

void
submit_config_release(struct submit_config *c)
{
	free((char *)c->spool);
	free((char *)c->uid_domain);
	free((char *)c->filesystem_domain);
	free((char *)c->schedd_name);
	free((char *)c->arch);
	free((char *)c->opsys);
	c->spool = c->uid_domain = c->filesystem_domain = c->schedd_name = NULL;
	c->arch = c->opsys = NULL;
}

static char *
hostname(void)
{
	char buf[256];
	if (gethostname(buf, sizeof(buf)) < 0)
		return xstrdup("localhost");
	buf[sizeof(buf) - 1] = '\0';
	return xstrdup(buf);
}

static char *
dup_or(const char *v, const char *dflt)
{
	return xstrdup(v ? v : dflt);
}

/* HTCondor's ARCH names for the common machines. */
static char *
arch_name(void)
{
	struct utsname u;
	if (uname(&u) < 0)
		return xstrdup("X86_64");
	if (strcmp(u.machine, "x86_64") == 0)
		return xstrdup("X86_64");
	if (u.machine[0] == 'i' && strcmp(u.machine + 2, "86") == 0)
		return xstrdup("INTEL");
	if (strcmp(u.machine, "aarch64") == 0 || strcmp(u.machine, "ppc64le") == 0)
		return xstrdup(u.machine);
	char *a = xstrdup(u.machine);
	for (char *p = a; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return a;
}

static const char *const live_names[LV_NBUILTIN] = {
	"Cluster", "ClusterId", "Process", "ProcId", "Step", "ItemIndex", "Row",
	"JobId", "Node",
};

struct submit *
submit_new(const struct submit_config *cfg)
{
	struct submit *s = xcalloc(1, sizeof(*s));
	if (cfg)
		s->cfg = *cfg;
	else
		submit_config_init(&s->cfg);
	char *host = hostname();
	if (s->cfg.cwd == NULL) {
		char *wd = getcwd(NULL, 0);
		s->cwd = wd ? wd : xstrdup("/");
	} else {
		s->cwd = xstrdup(s->cfg.cwd);
	}
	s->owner = dup_or(s->cfg.owner, "condor");
	s->uid_domain = dup_or(s->cfg.uid_domain, host);
	s->fs_domain = dup_or(s->cfg.filesystem_domain, host);
	s->schedd_name = dup_or(s->cfg.schedd_name, host);
	s->spool = dup_or(s->cfg.spool, "");
	free(host);
	s->cfg.cwd = s->cwd;
	s->cfg.owner = s->owner;
	s->cfg.uid_domain = s->uid_domain;
	s->cfg.filesystem_domain = s->fs_domain;
	s->cfg.schedd_name = s->schedd_name;
	s->cfg.spool = s->spool;
	if (s->cfg.envp == NULL)
		s->cfg.envp = environ;
	if (s->cfg.now == 0)
		s->cfg.now = time(NULL);
	if (s->cfg.max_procs <= 0 || s->cfg.max_procs > SUBMIT_MAX_PROCS)
		s->cfg.max_procs = SUBMIT_MAX_PROCS;
	if (s->cfg.default_max_retries < 0)
		s->cfg.default_max_retries = 2;
	s->arch = s->cfg.arch && *s->cfg.arch ? xstrdup(s->cfg.arch) : arch_name();
	s->opsys = xstrdup(s->cfg.opsys && *s->cfg.opsys ? s->cfg.opsys : "LINUX");
	s->cfg.arch = s->arch;
	s->cfg.opsys = s->opsys;
	mtable_init(&s->macros);
	for (int i = 0; i < LV_NBUILTIN; i++) {
		s->live[i].name = live_names[i];
		s->live[i].per_proc = i != LV_CLUSTER && i != LV_CLUSTERID &&
				      i != LV_NODE;
	}
	s->nlive = LV_NBUILTIN;
	s->rng = ((uint64_t)s->cfg.now << 20) ^ (uint64_t)getpid() ^
		 (uint64_t)(uintptr_t)s ^ 0x9e3779b97f4a7c15ULL;
	if (s->rng == 0)
		s->rng = 1;
	return s;
}

void
submit_free(struct submit *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nstmts; i++)
		stmt_release(&s->stmts[i]);
	free(s->stmts);
	for (size_t i = 0; i < s->nappends; i++)
		stmt_release(&s->appends[i]);
	free(s->appends);
	stmt_release(&s->cmd_queue);
	mtable_release(&s->macros);
	strvec_clear(&s->files);
	strvec_clear(&s->warnings);
	free(s->cwd);
	free(s->owner);
	free(s->uid_domain);
	free(s->fs_domain);
	free(s->schedd_name);
	free(s->spool);
	free(s->arch);
	free(s->opsys);
	free(s);
}

/* ------------------------------------------------------------------ */
/* Command-line additions                                              */
/* ------------------------------------------------------------------ */

static const char *
file_named(struct submit *s, const char *name)
{
	for (size_t i = 0; i < s->files.n; i++)
		if (strcmp(s->files.v[i], name) == 0)
			return s->files.v[i];
	strvec_push(&s->files, name);
	return s->files.v[s->files.n - 1];
}

int
submit_define(struct submit *s, const char *assignment, struct error *err)
{
	char *name, *value;
	enum stmt_kind kind;
	const char *why;
	if (submit_split_assignment(assignment, &name, &value, &kind, &why) < 0 ||
	    kind != ST_SET)
		return error_set(err, "'%s' is not a name=value argument", assignment);
	XGROW(s->stmts, s->nstmts + 1, s->astmts);
	memmove(s->stmts + s->ndefines + 1, s->stmts + s->ndefines,
		(s->nstmts - (size_t)s->ndefines) * sizeof(*s->stmts));
	struct stmt *st = &s->stmts[s->ndefines];
	memset(st, 0, sizeof(*st));
	st->kind = ST_SET;
	st->name = name;
	st->value = value;
	st->file = file_named(s, "<command line>");
	st->line = ++s->ndefines;
	s->nstmts++;
	return 0;
}

int
submit_queue_args(struct submit *s, const char *args, struct error *err)
{
	if (s->has_cmd_queue)
		return error_set(err, "only one -queue argument is allowed");
	if (submit_queue_wants_lines(args))
		return error_set(err, "-queue: the item list must end with ')' "
				 "on the same line");
	s->cmd_queue.kind = ST_QUEUE;
	s->cmd_queue.value = xstrdup(args);
	s->cmd_queue.file = file_named(s, "<-queue>");
	s->cmd_queue.line = 0;
	s->has_cmd_queue = true;
	return 0;
}

int
submit_append(struct submit *s, const char *line, struct error *err)
{
	const char *args;
	if (submit_is_queue_line(line, &args))
		return submit_queue_args(s, args, err);
	char *name, *value;
	enum stmt_kind kind;
	const char *why;
	if (submit_split_assignment(line, &name, &value, &kind, &why) < 0)
		return error_set(err, "-append '%s': %s", line, why);
	XGROW(s->appends, s->nappends + 1, s->aappends);
	struct stmt *st = &s->appends[s->nappends++];
	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->name = name;
	st->value = value;
	st->file = file_named(s, "<-append>");
	st->line = (int)s->nappends;
	return 0;
}

int
submit_batch_name(struct submit *s, const char *name, struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "MY.JobBatchName = ");
	cval_quote_string(name, &sb);
	int rc = submit_append(s, sb.buf, err);
	strbuf_release(&sb);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */
/* ------------------------------------------------------------------ */

/* Enough to be useful; a hostile file must not print a million lines. */
#define MAX_WARNINGS 100

void
submit_warn(struct submit *s, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	if (s->warnings.n > MAX_WARNINGS)
		return;
	if (s->warnings.n == MAX_WARNINGS) {
		strvec_push(&s->warnings, "(more warnings not shown)");
		return;
	}
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < s->warnings.n; i++)
		if (strcmp(s->warnings.v[i], sb.buf) == 0) {
			strbuf_release(&sb);
			return;
		}
	strvec_push(&s->warnings, sb.buf);
	strbuf_release(&sb);
}

size_t
submit_warning_count(const struct submit *s)
{
	return s->warnings.n;
}

const char *
submit_warning_at(const struct submit *s, size_t i)
{
	return i < s->warnings.n ? s->warnings.v[i] : NULL;
}

bool
submit_only_empty_queues(const struct submit *s)
{
	return s->only_empty;
}

const char *
submit_file_name(const struct submit *s)
{
	return s->file_name ? s->file_name : "-";
}

int
submit_stmt_fail(const struct stmt *st, struct error *err, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	submit_where(&sb, st ? st->file : NULL, st ? st->line : 0);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	error_set(err, "%s", sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Statements                                                          */
/* ------------------------------------------------------------------ */

/* A definition in terms of the macro's own previous value, e.g.
 * "PATH = $(PATH):/x": the reference is replaced by that value now. */
static char *
self_subst(struct submit *s, const char *name, const char *value)
{
	if (strstr(value, "$(") == NULL)
		return xstrdup(value);
	struct smacro *old = mtable_find(&s->macros, name);
	struct strbuf out = STRBUF_INIT;
	size_t nl = strlen(name);
	for (const char *p = value; *p;) {
		if (p[0] == '$' && p[1] == '$') {
			strbuf_add(&out, p, 2);
			p += 2;
			continue;
		}
		if (p[0] != '$' || p[1] != '(') {
			strbuf_addc(&out, *p++);
			continue;
		}
		const char *b = p + 2;
		size_t k = strspn(b, " \t");
		if (strncasecmp(b + k, name, nl) == 0) {
			const char *after = b + k + nl;
			after += strspn(after, " \t");
			if (*after == ')' || *after == ':') {
				const char *close = strchr(after, ')');
				if (close != NULL) {
					if (old != NULL && old->value[0] != '\0')
						strbuf_adds(&out, old->value);
					else if (*after == ':')
						strbuf_add(&out, after + 1,
							   (size_t)(close - after - 1));
					p = close + 1;
					continue;
				}
			}
		}
		strbuf_add(&out, p, 2);
		p += 2;
	}
	return strbuf_detach(&out, NULL);
}

static int
exec_set(struct submit *s, const struct stmt *st, struct error *err)
{
	char *v = self_subst(s, st->name, st->value);
	if (st->kind == ST_APPEND) {
		struct smacro *old = mtable_find(&s->macros, st->name);
		if (old != NULL && old->value[0] != '\0' && st->value[0] != '\0') {
			char *both = xasprintf("%s %s", old->value, st->value);
			free(v);
			v = both;
		}
	}
	if (strlen(v) > SUBMIT_MAX_VALUE) {
		free(v);
		return submit_stmt_fail(st, err, "value of %s is longer than %u bytes",
				 st->name, SUBMIT_MAX_VALUE);
	}
	mtable_set(&s->macros, st->name, v, st->file, st->line, 0);
	free(v);
	return 0;
}

struct cond {
	bool active;	/* this branch runs */
	bool taken;	/* some branch of this if ran */
	bool outer;	/* the enclosing block runs */
	bool seen_else;
	const struct stmt *st;
};

struct run {
	struct cond conds[SUBMIT_MAX_DEPTH];
	int depth;
	int nqueue;
	bool appends_done;
};

static bool
running(const struct run *r)
{
	return r->depth == 0 || r->conds[r->depth - 1].active;
}

static int
eval_cond(struct submit *s, const struct stmt *st, bool *out, struct error *err)
{
	struct xctx x;
	struct strbuf sb = STRBUF_INIT;
	xctx_init(&x, s, st->file, st->line, err);
	const char *t = st->value;
	bool neg = false;
	while (*t == '!' || isspace((unsigned char)*t)) {
		neg ^= *t == '!';
		t++;
	}
	int rc = 0;
	if (strncasecmp(t, "defined", 7) == 0 && isspace((unsigned char)t[7])) {
		rc = submit_expand(&x, t + 8, &sb);
		char *name = sb.buf;
		while (isspace((unsigned char)*name))
			name++;
		size_t n = strlen(name);
		while (n && isspace((unsigned char)name[n - 1]))
			name[--n] = '\0';
		*out = rc == 0 && n > 0 && submit_lookup(&x, name, NULL) != NULL;
	} else if ((rc = submit_expand(&x, t, &sb)) == 0) {
		struct cval v = { 0 };
		long long n;
		if (strcasecmp(sb.buf, "true") == 0 || strcasecmp(sb.buf, "yes") == 0)
			*out = true;
		else if (strcasecmp(sb.buf, "false") == 0 || strcasecmp(sb.buf, "no") == 0)
			*out = false;
		else if (num_parse_ll(sb.buf, LLONG_MIN, LLONG_MAX, &n) == 0)
			*out = n != 0;
		else if (cexpr_eval_text(sb.buf, NULL, &v, NULL) == 0 &&
			 (v.type == CVAL_BOOL || v.type == CVAL_INT))
			*out = v.type == CVAL_BOOL ? v.u.b : v.u.i != 0;
		else
			rc = submit_stmt_fail(st, err, "if condition '%s' is not a boolean",
				       sb.buf);
		cval_release(&v);
	}
	strbuf_release(&sb);
	if (neg)
		*out = !*out;
	return rc;
}

static int
exec_cond(struct submit *s, struct run *r, const struct stmt *st,
	  struct error *err)
{
	bool v = false;
	struct cond *c = r->depth ? &r->conds[r->depth - 1] : NULL;
	switch (st->kind) {
	case ST_IF:
		if (r->depth >= SUBMIT_MAX_DEPTH)
			return submit_stmt_fail(st, err, "if statements nested more than %d deep",
					 SUBMIT_MAX_DEPTH);
		c = &r->conds[r->depth];
		c->outer = running(r);
		c->st = st;
		c->seen_else = false;
		if (c->outer && eval_cond(s, st, &v, err) < 0)
			return -1;
		c->active = c->outer && v;
		c->taken = c->active;
		r->depth++;
		return 0;
	case ST_ELIF:
	case ST_ELSE:
		if (c == NULL || c->seen_else)
			return submit_stmt_fail(st, err, "%s without a matching if",
					 st->kind == ST_ELSE ? "else" : "elif");
		if (st->kind == ST_ELSE) {
			c->seen_else = true;
			v = true;
		} else if (c->outer && !c->taken && eval_cond(s, st, &v, err) < 0) {
			return -1;
		}
		c->active = c->outer && !c->taken && v;
		c->taken |= c->active;
		return 0;
	default:
		if (c == NULL)
			return submit_stmt_fail(st, err, "endif without a matching if");
		r->depth--;
		return 0;
	}
}

static int
exec_message(struct submit *s, const struct stmt *st, struct error *err)
{
	struct xctx x;
	struct strbuf sb = STRBUF_INIT;
	xctx_init(&x, s, st->file, st->line, err);
	int rc = submit_expand(&x, st->value, &sb);
	if (rc == 0 && st->kind == ST_ERROR)
		rc = submit_stmt_fail(st, err, "%s", sb.buf);
	else if (rc == 0)
		submit_warn(s, "%s", sb.buf);
	strbuf_release(&sb);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Build                                                               */
/* ------------------------------------------------------------------ */

static void
set_default(struct submit *s, const char *name, const char *value)
{
	mtable_set(&s->macros, name, value, NULL, 0, SM_DEFAULT);
}

static void
set_defaults(struct submit *s, int cluster)
{
	char buf[64];
	struct tm tm;
	time_t now = s->cfg.now;
	localtime_r(&now, &tm);
	set_default(s, "ARCH", s->arch);
	set_default(s, "OPSYS", s->opsys);
	set_default(s, "OPSYSANDVER", "");
	set_default(s, "OPSYSMAJORVER", "");
	set_default(s, "OPSYSVER", "");
	set_default(s, "SPOOL", s->spool);
	set_default(s, "IsLinux", "true");
	set_default(s, "IsWindows", "false");
	set_default(s, "SUBMIT_FILE",
		    s->from_stdin || s->file_name == NULL ? "" : s->file_name);
	snprintf(buf, sizeof(buf), "%lld", (long long)now);
	set_default(s, "SUBMIT_TIME", buf);
	snprintf(buf, sizeof(buf), "%04d", tm.tm_year + 1900);
	set_default(s, "YEAR", buf);
	snprintf(buf, sizeof(buf), "%02d", tm.tm_mon + 1);
	set_default(s, "MONTH", buf);
	snprintf(buf, sizeof(buf), "%02d", tm.tm_mday);
	set_default(s, "DAY", buf);
	snprintf(buf, sizeof(buf), "%d", cluster);
	set_default(s, "JobListId", buf);
	submit_set_num(&s->live[LV_CLUSTER], cluster);
	submit_set_num(&s->live[LV_CLUSTERID], cluster);
	s->live[LV_NODE].value = "";
	submit_set_proc_vars(s, cluster, 0, 0, 0);
}

static int
exec_stmt(struct submit *s, struct run *run, const struct stmt *st,
	  struct submit_result *out, struct error *err);

static int
run_appends(struct submit *s, struct run *run, struct submit_result *out,
	    struct error *err)
{
	run->appends_done = true;
	for (size_t i = 0; i < s->nappends; i++)
		if (exec_stmt(s, run, &s->appends[i], out, err) < 0)
			return -1;
	return 0;
}

static int
exec_stmt(struct submit *s, struct run *run, const struct stmt *st,
	  struct submit_result *out, struct error *err)
{
	switch (st->kind) {
	case ST_IF:
	case ST_ELIF:
	case ST_ELSE:
	case ST_ENDIF:
		return exec_cond(s, run, st, err);
	default:
		break;
	}
	if (!running(run))
		return 0;
	switch (st->kind) {
	case ST_SET:
	case ST_APPEND:
		return exec_set(s, st, err);
	case ST_ERROR:
	case ST_WARNING:
		return exec_message(s, st, err);
	case ST_QUEUE:
		if (!run->appends_done && run_appends(s, run, out, err) < 0)
			return -1;
		run->nqueue++;
		return submit_run_queue(s, st, out, err);
	default:
		return 0;
	}
}

static void
warn_unused(struct submit *s)
{
	struct mtable *t = &s->macros;
	for (size_t i = 0; i < t->n; i++) {
		const struct smacro *m = t->order[i];
		if (m->flags & (SM_USED | SM_DEFAULT))
			continue;
		if (strchr(m->name, '.') != NULL || m->name[0] == '+')
			continue;
		submit_warn(s, "the line '%s = %s' was unused by condor_submit. "
			    "Is it a typo?", m->name, m->value);
	}
}

static const char *
display_name(const struct submit *s)
{
	if (s->from_stdin)
		return "<stdin>";
	return s->file_name ? s->file_name : "<command line>";
}

int
submit_build(struct submit *s, int cluster, struct submit_result *out,
	     struct error *err)
{
	struct run run;
	memset(&run, 0, sizeof(run));
	memset(out, 0, sizeof(*out));
	out->cluster = cluster;
	strvec_clear(&s->warnings);
	s->only_empty = false;
	set_defaults(s, cluster);
	for (size_t i = 0; s->has_cmd_queue && i < s->nstmts; i++)
		if (s->stmts[i].kind == ST_QUEUE)
			return submit_stmt_fail(&s->stmts[i], err, "-queue argument conflicts "
					 "with queue statement in submit file");
	for (size_t i = 0; i < s->nstmts; i++)
		if (exec_stmt(s, &run, &s->stmts[i], out, err) < 0)
			goto fail;
	if (run.depth > 0) {
		submit_stmt_fail(run.conds[run.depth - 1].st, err, "if without endif");
		goto fail;
	}
	if (s->has_cmd_queue && exec_stmt(s, &run, &s->cmd_queue, out, err) < 0)
		goto fail;
	if (!run.appends_done && run_appends(s, &run, out, err) < 0)
		goto fail;
	if (run.nqueue == 0) {
		error_set(err, "\"%s\" doesn't contain any \"queue\" commands -- "
			  "no jobs queued", display_name(s));
		goto fail;
	}
	if (s->cfg.max_jobs > 0 && out->nprocs > (unsigned long long)s->cfg.max_jobs) {
		error_set(err, "Number of submitted jobs would exceed -maxjobs (%lld)",
			  s->cfg.max_jobs);
		goto fail;
	}
	if (run.nqueue > 1)
		submit_warn(s, "Use of multiple queue statements in a single submit "
			    "file is deprecated.");
	if (out->nprocs == 0) {
		s->only_empty = true;
		submit_warn(s, "\"%s\" has only empty \"queue\" commands -- no jobs "
			    "queued", display_name(s));
	}
	if (s->cfg.warn_unused && out->nprocs > 0)
		warn_unused(s);
	if (s->cfg.schedd_attrs && out->cluster_ad != NULL)
		classad_set_int(out->cluster_ad, "TotalSubmitProcs",
				(long long)out->nprocs);
	return 0;
fail:
	submit_result_release(out);
	return -1;
}

void
submit_result_release(struct submit_result *r)
{
	if (!r->ads_given_away) {
		for (size_t i = 0; i < r->nprocs; i++)
			classad_free(r->procs[i]);
		classad_free(r->cluster_ad);
	}
	free(r->procs);
	memset(r, 0, sizeof(*r));
}

void
submit_result_disown(struct submit_result *r)
{
	r->ads_given_away = true;
}

/* ------------------------------------------------------------------ */
/* Printing                                                            */
/* ------------------------------------------------------------------ */

struct attr {
	const char *name, *text;
};

/* ClassAd order, as -dry-run prints: shorter names first, then by name. */
static int
dry_cmp(const void *a, const void *b)
{
	const struct attr *x = a, *y = b;
	size_t lx = strlen(x->name), ly = strlen(y->name);
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcasecmp(x->name, y->name);
}

static int
verbose_cmp(const void *a, const void *b)
{
	const struct attr *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static void
print_sorted(const struct classad *ad, const char *sep, bool dry,
	     struct strbuf *out)
{
	size_t n = classad_size(ad), k = 0;
	struct attr *a = xcalloc(n + 1, sizeof(*a));
	for (size_t i = 0; i < n; i++) {
		const char *name = classad_name_at(ad, i);
		if (dry && (strcasecmp(name, "ClusterId") == 0 ||
			    strcasecmp(name, "ProcId") == 0 ||
			    strcasecmp(name, "JobStatus") == 0))
			continue;
		a[k].name = name;
		a[k].text = classad_text_at(ad, i);
		k++;
	}
	qsort(a, k, sizeof(*a), dry ? dry_cmp : verbose_cmp);
	for (size_t i = 0; i < k; i++)
		strbuf_addf(out, "%s%s%s\n", a[i].name, sep, a[i].text);
	free(a);
}

void
submit_format_dry_run(const struct submit_result *r, size_t i, struct strbuf *out)
{
	if (i >= r->nprocs)
		return;
	const struct classad *p = r->procs[i];
	strbuf_addc(out, '\n');
	if (i == 0) {
		strbuf_addf(out, "ClusterId=%d\n", r->cluster);
		print_sorted(r->cluster_ad, "=", true, out);
	}
	const char *st = classad_lookup_text(p, "JobStatus");
	strbuf_addf(out, "ProcId=%zu\nJobStatus=%s\n", i, st ? st : "1");
	print_sorted(p, "=", true, out);
}

void
submit_format_verbose(const struct submit_result *r, size_t i, struct strbuf *out)
{
	if (i >= r->nprocs)
		return;
	struct classad *flat = classad_flatten(r->procs[i]);
	strbuf_addf(out, "\n** Proc %d.%zu:\n", r->cluster, i);
	print_sorted(flat, " = ", false, out);
	classad_free(flat);
}

int
submit_write_dry_run(const struct submit_result *r, const char *path,
		     struct error *err)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return error_set(err, "Failed to open file -dry-run output file (%s)",
				 strerror(errno));
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < r->nprocs; i++) {
		strbuf_reset(&sb);
		submit_format_dry_run(r, i, &sb);
		fwrite(sb.buf, 1, sb.len, f);
	}
	strbuf_release(&sb);
	bool bad = ferror(f) != 0;
	if (fclose(f) != 0 || bad)
		return error_errno(err, "write error on %s", path);
	return 0;
}
