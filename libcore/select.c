/*
 * select.c - job selections; see select.h.
 *
 * Deliberate choices:
 *   - Within SELECT_ACTION, HTCondor's tools (src/condor_rm.V6/rm.cpp)
 *     OR the clusters and owners together and AND every -constraint onto
 *     that group; job ids are acted on separately, so they are ORed with
 *     the rest.  We do the same: "condor_rm alice -constraint 'JobStatus
 *     == 5'" removes alice's held jobs, not everything held plus all of
 *     alice's jobs.
 *   - In SELECT_QUERY, -all adds nothing (condor_q -allusers may be
 *     combined with ids and owners); only SELECT_ACTION refuses to mix.
 *   - Ids, clusters and owners are kept sorted so select_match costs
 *     O(log n) per job even when a script passes thousands of ids.
 *   - Owner names are restricted to what a login name can look like, so
 *     "../../x" or a quote-carrying string is an error, never a silent
 *     non-match or something a later layer might take for a path.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classad.h"
#include "error.h"
#include "num.h"
#include "select.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

#define SELECT_OWNER_MAX 256

struct select_id {
	int cluster, proc;
};

struct select_constraint {
	char *text;		/* as the user wrote it, for messages */
	struct cexpr *expr;
};

struct job_select {
	enum select_style style;
	bool all;
	struct select_id *ids;	/* sorted, unique */
	size_t nids, ids_alloc;
	int *clusters;		/* sorted, unique */
	size_t nclusters, clusters_alloc;
	char **owners;		/* sorted case-insensitively, unique */
	size_t nowners, owners_alloc;
	struct select_constraint *cons;	/* in the order given */
	size_t ncons, cons_alloc;
	/* Clusters and owners in argument order, as HTCondor's tools spell
	 * the constraint they build: "ClusterId == 1 || Owner == \"bob\"". */
	struct strbuf usercluster;
	size_t nusercluster;	/* arguments in usercluster (duplicates too) */
};

struct job_select *
select_new(enum select_style style)
{
	struct job_select *s = xcalloc(1, sizeof(*s));
	s->style = style;
	strbuf_init(&s->usercluster);
	return s;
}

void
select_free(struct job_select *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nowners; i++)
		free(s->owners[i]);
	for (size_t i = 0; i < s->ncons; i++) {
		free(s->cons[i].text);
		cexpr_free(s->cons[i].expr);
	}
	free(s->ids);
	free(s->clusters);
	free(s->owners);
	free(s->cons);
	strbuf_release(&s->usercluster);
	free(s);
}

/* ---- sorted sets ---- */

static int
id_cmp(int ca, int pa, int cb, int pb)
{
	if (ca != cb)
		return ca < cb ? -1 : 1;
	return pa < pb ? -1 : pa > pb;
}

/* Index of the first id >= (cluster, proc). */
static size_t
id_lower(const struct job_select *s, int cluster, int proc)
{
	size_t lo = 0, hi = s->nids;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (id_cmp(s->ids[mid].cluster, s->ids[mid].proc, cluster, proc) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool
has_id(const struct job_select *s, int cluster, int proc)
{
	size_t i = id_lower(s, cluster, proc);
	return i < s->nids && s->ids[i].cluster == cluster && s->ids[i].proc == proc;
}

static void
add_id(struct job_select *s, int cluster, int proc)
{
	size_t i = id_lower(s, cluster, proc);
	if (i < s->nids && s->ids[i].cluster == cluster && s->ids[i].proc == proc)
		return;
	XGROW(s->ids, s->nids + 1, s->ids_alloc);
	memmove(s->ids + i + 1, s->ids + i, (s->nids - i) * sizeof(*s->ids));
	s->ids[i] = (struct select_id){ cluster, proc };
	s->nids++;
}

static size_t
cluster_lower(const struct job_select *s, int cluster)
{
	size_t lo = 0, hi = s->nclusters;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->clusters[mid] < cluster)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool
has_cluster(const struct job_select *s, int cluster)
{
	size_t i = cluster_lower(s, cluster);
	return i < s->nclusters && s->clusters[i] == cluster;
}

static void
add_cluster(struct job_select *s, int cluster)
{
	size_t i = cluster_lower(s, cluster);
	if (i < s->nclusters && s->clusters[i] == cluster)
		return;
	XGROW(s->clusters, s->nclusters + 1, s->clusters_alloc);
	memmove(s->clusters + i + 1, s->clusters + i,
		(s->nclusters - i) * sizeof(*s->clusters));
	s->clusters[i] = cluster;
	s->nclusters++;
}

/* Owner comparison is case-insensitive: HTCondor selects owners with the
 * ClassAd expression Owner == "name", and == ignores case on strings. */
static size_t
owner_lower(const struct job_select *s, const char *name)
{
	size_t lo = 0, hi = s->nowners;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcasecmp(s->owners[mid], name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool
has_owner(const struct job_select *s, const char *name)
{
	size_t i = owner_lower(s, name);
	return i < s->nowners && strcasecmp(s->owners[i], name) == 0;
}

static void
add_owner(struct job_select *s, const char *name)
{
	size_t i = owner_lower(s, name);
	if (i < s->nowners && strcasecmp(s->owners[i], name) == 0)
		return;
	XGROW(s->owners, s->nowners + 1, s->owners_alloc);
	memmove(s->owners + i + 1, s->owners + i,
		(s->nowners - i) * sizeof(*s->owners));
	s->owners[i] = xstrdup(name);
	s->nowners++;
}

/* ---- adding ---- */

static int
mix_error(struct error *err)
{
	return error_set(err, "can't mix -all with other constraints");
}

static bool
refuses_more(const struct job_select *s)
{
	return s->style == SELECT_ACTION && s->all;
}

/* Appends arg for a message: printable ASCII as is, anything else as \xNN,
 * cut at 64 bytes, so hostile text cannot play games with the terminal. */
static void
quote_arg(struct strbuf *out, const char *arg)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)arg; *p; p++, n++) {
		if (n == 64) {
			strbuf_adds(out, "...");
			break;
		}
		if (*p >= 0x20 && *p < 0x7f)
			strbuf_addc(out, (char)*p);
		else
			strbuf_addf(out, "\\x%02x", *p);
	}
}

static bool
plausible_owner(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > SELECT_OWNER_MAX)
		return false;
	if (!isalnum((unsigned char)name[0]) && name[0] != '_')
		return false;
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (!(c < 0x80 && (isalnum(c) || c == '.' || c == '_' ||
				   c == '-' || c == '@')))
			return false;
	}
	return true;
}

static void
usercluster_add(struct job_select *s, bool owner, const char *value)
{
	if (s->nusercluster++ > 0)
		strbuf_adds(&s->usercluster, " || ");
	if (owner)
		strbuf_addf(&s->usercluster, "Owner == \"%s\"", value);
	else
		strbuf_addf(&s->usercluster, "ClusterId == %s", value);
}

/* The number before an optional ".proc": all digits, 1..INT_MAX. */
static int
add_numeric(struct job_select *s, const char *arg, const char *dot,
	    struct error *err)
{
	char head[32];
	size_t hl = dot ? (size_t)(dot - arg) : strlen(arg);
	int cluster, proc;
	/* A number too long for head is out of range anyway. */
	if (hl >= sizeof(head))
		return error_set(err, "Invalid cluster # from %s.", arg);
	memcpy(head, arg, hl);
	head[hl] = '\0';
	if (num_parse_int(head, 1, INT_MAX, &cluster) < 0)
		return error_set(err, "Invalid cluster # from %s.", arg);
	if (dot == NULL) {
		char canon[16];
		snprintf(canon, sizeof(canon), "%d", cluster);
		add_cluster(s, cluster);
		usercluster_add(s, false, canon);
		return 0;
	}
	if (num_parse_int(dot + 1, 0, INT_MAX, &proc) < 0)
		return error_set(err, "Invalid proc # from %s.", arg);
	add_id(s, cluster, proc);
	return 0;
}

int
select_add_arg(struct job_select *s, const char *arg, struct error *err)
{
	if (refuses_more(s))
		return mix_error(err);
	const char *dot = strchr(arg, '.');
	bool digits = num_is_digits(arg);
	if (!digits && dot != NULL && dot != arg && strchr(dot + 1, '.') == NULL) {
		/* "digits.digits" is a job id; anything else with a dot is a
		 * name such as "first.last". */
		char *c = xstrndup(arg, (size_t)(dot - arg));
		digits = num_is_digits(c) && num_is_digits(dot + 1);
		free(c);
	} else {
		dot = NULL;
	}
	if (digits)
		return add_numeric(s, arg, dot, err);
	if (!plausible_owner(arg)) {
		struct strbuf q = STRBUF_INIT;
		quote_arg(&q, arg);
		error_set(err, "Invalid user name \"%s\": a user name has only "
			  "letters, digits, '.', '_', '-' and '@'", q.buf);
		strbuf_release(&q);
		return -1;
	}
	add_owner(s, arg);
	usercluster_add(s, true, arg);
	return 0;
}

int
select_add_constraint(struct job_select *s, const char *expr, struct error *err)
{
	if (refuses_more(s))
		return mix_error(err);
	struct cexpr *e = cexpr_parse(expr, err);
	if (e == NULL)
		return error_prefix(err, "invalid constraint");
	XGROW(s->cons, s->ncons + 1, s->cons_alloc);
	s->cons[s->ncons].text = xstrdup(expr);
	s->cons[s->ncons].expr = e;
	s->ncons++;
	return 0;
}

int
select_add_all(struct job_select *s, struct error *err)
{
	if (s->style == SELECT_ACTION &&
	    (s->nids || s->nusercluster || s->ncons))
		return mix_error(err);
	s->all = true;
	return 0;
}

/* ---- asking ---- */

bool
select_is_empty(const struct job_select *s)
{
	return !s->all && s->nids == 0 && s->nusercluster == 0 && s->ncons == 0;
}

bool
select_single_job(const struct job_select *s, int *cluster, int *proc)
{
	if (s->all || s->nids != 1 || s->nusercluster != 0 || s->ncons != 0)
		return false;
	*cluster = s->ids[0].cluster;
	*proc = s->ids[0].proc;
	return true;
}

/* The job's Owner as a plain string: the canonical text of a string
 * literal without escapes is used in place (no allocation per job);
 * anything else is evaluated.  *to_free gets what the caller must free. */
static const char *
job_owner(const struct classad *job, char *buf, size_t bufsize, char **to_free)
{
	*to_free = NULL;
	const char *t = classad_lookup_text(job, "Owner");
	if (t == NULL)
		return NULL;
	size_t len = strlen(t);
	if (len >= 2 && len - 2 < bufsize && t[0] == '"' && t[len - 1] == '"' &&
	    memchr(t + 1, '\\', len - 2) == NULL &&
	    memchr(t + 1, '"', len - 2) == NULL) {
		memcpy(buf, t + 1, len - 2);
		buf[len - 2] = '\0';
		return buf;
	}
	*to_free = classad_get_string(job, "Owner");
	return *to_free;
}

static bool
match_owner(const struct job_select *s, const struct classad *job)
{
	char buf[SELECT_OWNER_MAX + 1], *to_free;
	const char *owner = job_owner(job, buf, sizeof(buf), &to_free);
	bool hit = owner != NULL && has_owner(s, owner);
	free(to_free);
	return hit;
}

static bool
match_constraints(const struct job_select *s, const struct classad *job)
{
	for (size_t i = 0; i < s->ncons; i++)
		if (!classad_matches(s->cons[i].expr, job))
			return false;
	return true;
}

static bool
match_action(const struct job_select *s, int cluster, int proc,
	     const struct classad *job)
{
	if (s->all || has_id(s, cluster, proc))
		return true;
	if (s->nusercluster == 0 && s->ncons == 0)
		return false;
	if (s->nusercluster != 0 && !has_cluster(s, cluster) &&
	    !(s->nowners != 0 && match_owner(s, job)))
		return false;
	return match_constraints(s, job);
}

static bool
match_query(const struct job_select *s, int cluster, int proc,
	    const struct classad *job)
{
	if ((s->nids || s->nclusters) && !has_id(s, cluster, proc) &&
	    !has_cluster(s, cluster))
		return false;
	if (s->nowners && !match_owner(s, job))
		return false;
	return match_constraints(s, job);
}

bool
select_match(const struct job_select *s, int cluster, int proc,
	     const struct classad *job)
{
	if (s->style == SELECT_ACTION)
		return match_action(s, cluster, proc, job);
	return match_query(s, cluster, proc, job);
}

/*
 * HTCondor's wording: a lone cluster or owner is named; anything else
 * shows the constraint the tool built, where each -constraint (and then
 * the cluster/owner group) is parenthesised and joined with " && " once
 * there are two or more parts.
 */
void
select_describe(const struct job_select *s, struct strbuf *out)
{
	if (s->all && s->style == SELECT_ACTION)
		return;
	if (s->ncons == 0 && s->nusercluster == 1) {
		const char *t = s->usercluster.buf;
		const char *eq = strstr(t, " == ");
		strbuf_addf(out, "%s %s",
			    strncmp(t, "ClusterId", 9) == 0 ? "in cluster" : "of user",
			    eq ? eq + 4 : t);
		return;
	}
	size_t parts = s->ncons + (s->nusercluster ? 1 : 0);
	if (parts == 0)
		return;
	strbuf_adds(out, "matching constraint (");
	if (parts == 1) {
		strbuf_adds(out, s->ncons ? s->cons[0].text : s->usercluster.buf);
	} else {
		for (size_t i = 0; i < s->ncons; i++)
			strbuf_addf(out, "%s(%s)", i ? " && " : "", s->cons[i].text);
		if (s->nusercluster)
			strbuf_addf(out, " && (%s)", s->usercluster.buf);
	}
	strbuf_addc(out, ')');
}
