/*
 * submit_macro.c - the submit macro table and $(...) expansion.
 *
 * Values are stored raw and expanded when a command is looked up, as
 * HTCondor does, so "arguments = $(x)" followed by "x = 5" works.  A
 * macro's own previous value is substituted when it is redefined in terms
 * of itself ("PATH = $(PATH):/opt"), which is the only way a definition
 * may refer to itself; any other cycle is an error, found by keeping the
 * chain of names being expanded.  Expansion depth and result size are
 * bounded (SUBMIT_MAX_DEPTH, SUBMIT_MAX_VALUE) so hostile input cannot
 * hang or exhaust memory.
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

#include "classad.h"
#include "error.h"
#include "num.h"
#include "strbuf.h"
#include "submit_int.h"
#include "xalloc.h"
#include "banned.h"

/* ------------------------------------------------------------------ */
/* The table                                                           */
/* ------------------------------------------------------------------ */

static uint64_t
name_hash(const char *name)
{
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= (uint64_t)tolower(*p);
		h *= 1099511628211ULL;
	}
	return h;
}

void
mtable_init(struct mtable *t)
{
	memset(t, 0, sizeof(*t));
}

void
mtable_release(struct mtable *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->order[i]->name);
		free(t->order[i]->value);
		free(t->order[i]);
	}
	free(t->order);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static struct smacro **
slot_for(const struct mtable *t, const char *name)
{
	size_t mask = t->cap - 1;
	for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask) {
		if (t->slots[i] == NULL || strcasecmp(t->slots[i]->name, name) == 0)
			return &t->slots[i];
	}
}

static void
mtable_rehash(struct mtable *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	free(t->slots);
	t->slots = xcalloc(cap, sizeof(*t->slots));
	t->cap = cap;
	for (size_t i = 0; i < t->n; i++)
		*slot_for(t, t->order[i]->name) = t->order[i];
}

struct smacro *
mtable_find(const struct mtable *t, const char *name)
{
	if (t->cap == 0)
		return NULL;
	return *slot_for(t, name);
}

struct smacro *
mtable_set(struct mtable *t, const char *name, const char *value,
	   const char *file, int line, unsigned flags)
{
	struct smacro *m = mtable_find(t, name);
	if (m != NULL) {
		char *v = xstrdup(value);
		free(m->value);
		m->value = v;
		m->file = file;
		m->line = line;
		/* A user definition replaces a default for good. */
		m->flags = (m->flags & SM_USED) | flags;
		return m;
	}
	if ((t->n + 1) * 2 > t->cap)
		mtable_rehash(t);
	m = xcalloc(1, sizeof(*m));
	m->name = xstrdup(name);
	m->value = xstrdup(value);
	m->file = file;
	m->line = line;
	m->flags = flags;
	XGROW(t->order, t->n + 1, t->alloc);
	t->order[t->n++] = m;
	*slot_for(t, name) = m;
	return m;
}

/* ------------------------------------------------------------------ */
/* Lookup and expansion                                                */
/* ------------------------------------------------------------------ */

void
xctx_init(struct xctx *x, struct submit *s, const char *file, int line,
	  struct error *err)
{
	memset(x, 0, sizeof(*x));
	x->s = s;
	x->file = file;
	x->line = line;
	x->err = err;
}

const char *
submit_lookup(struct xctx *x, const char *name, struct smacro **mp)
{
	struct submit *s = x->s;
	if (mp)
		*mp = NULL;
	/* Backwards, so a queue variable hides a built-in of the same name. */
	for (size_t i = s->nlive; i-- > 0;) {
		struct slive *l = &s->live[i];
		if (l->value != NULL && strcasecmp(l->name, name) == 0) {
			l->used = true;
			if (l->per_proc)
				x->touched = true;
			return l->value;
		}
	}
	struct smacro *m = mtable_find(&s->macros, name);
	if (m == NULL)
		return NULL;
	m->flags |= SM_USED;
	if (mp)
		*mp = m;
	return m->value;
}

static int
xfail(struct xctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
xfail(struct xctx *x, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	submit_where(&sb, x->file, x->line);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	error_set(x->err, "%s", sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* The ')' matching the '(' at open, or NULL. */
static const char *
find_close(const char *open)
{
	int depth = 0;
	for (const char *p = open; *p; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p;
	}
	return NULL;
}

static bool
is_name_char(int c)
{
	return isalnum(c) || c == '_' || c == '.';
}

static bool
valid_name(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_name_char((unsigned char)s[i]))
			return false;
	return true;
}

static void
trim_span(const char **p, size_t *n)
{
	while (*n && isspace((unsigned char)**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)(*p)[*n - 1]))
		(*n)--;
}

static int check_size(struct xctx *x, const struct strbuf *out);

/* Expands the value of macro name (raw value v) into out. */
static int
expand_value(struct xctx *x, const char *name, const char *v, bool live,
	     struct strbuf *out)
{
	if (live) {
		strbuf_adds(out, v);
		return check_size(x, out);
	}
	for (int i = 0; i < x->depth; i++)
		if (strcasecmp(x->stack[i], name) == 0)
			return xfail(x, "macro '%s' is defined in terms of itself",
				     name);
	if (x->depth >= SUBMIT_MAX_DEPTH)
		return xfail(x, "macros nested more than %d deep (at '%s')",
			     SUBMIT_MAX_DEPTH, name);
	x->stack[x->depth++] = name;
	int rc = submit_expand(x, v, out);
	x->depth--;
	return rc;
}

static bool
is_live_value(struct submit *s, const char *v)
{
	for (size_t i = 0; i < s->nlive; i++)
		if (s->live[i].value == v)
			return true;
	return false;
}

/* $(name) or $(name:default); body already has nested references expanded. */
static int
expand_ref(struct xctx *x, const char *body, size_t n, struct strbuf *out)
{
	const char *colon = memchr(body, ':', n);
	size_t nlen = colon ? (size_t)(colon - body) : n;
	const char *nm = body;
	trim_span(&nm, &nlen);
	if (!valid_name(nm, nlen)) {
		strbuf_adds(out, "$(");
		strbuf_add(out, body, n);
		strbuf_addc(out, ')');
		return 0;
	}
	char *name = xstrndup(nm, nlen);
	int rc = 0;
	if (strcasecmp(name, "DOLLAR") == 0) {
		strbuf_addc(out, '$');
		free(name);
		return 0;
	}
	const char *v = submit_lookup(x, name, NULL);
	size_t before = out->len;
	if (v != NULL)
		rc = expand_value(x, name, v, is_live_value(x->s, v), out);
	if (rc == 0 && colon != NULL && out->len == before)
		strbuf_add(out, colon + 1, (size_t)(body + n - (colon + 1)));
	free(name);
	return rc;
}

/* The value of a function argument that names a macro, or the text. */
static int
arg_value(struct xctx *x, const char *arg, size_t n, struct strbuf *out)
{
	trim_span(&arg, &n);
	if (valid_name(arg, n)) {
		char *name = xstrndup(arg, n);
		const char *v = submit_lookup(x, name, NULL);
		int rc = 0;
		if (v != NULL)
			rc = expand_value(x, name, v, is_live_value(x->s, v), out);
		else
			strbuf_add(out, arg, n);
		free(name);
		return rc;
	}
	strbuf_add(out, arg, n);
	return 0;
}

/* Splits args on commas into at most max pieces (the last takes the rest). */
static size_t
split_args(const char *body, const char **starts, size_t *lens, size_t max)
{
	size_t k = 0;
	const char *p = body;
	while (k < max) {
		const char *c = (k + 1 < max) ? strchr(p, ',') : NULL;
		starts[k] = p;
		lens[k] = c ? (size_t)(c - p) : strlen(p);
		trim_span(&starts[k], &lens[k]);
		k++;
		if (c == NULL)
			break;
		p = c + 1;
	}
	return k;
}

/* ---- $ENV ---- */

static const char *
env_get(struct submit *s, const char *name)
{
	size_t n = strlen(name);
	for (char *const *e = s->cfg.envp; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static int
fn_env(struct xctx *x, const char *body, struct strbuf *out)
{
	const char *colon = strchr(body, ':');
	size_t n = colon ? (size_t)(colon - body) : strlen(body);
	const char *nm = body;
	trim_span(&nm, &n);
	char *name = xstrndup(nm, n);
	const char *v = env_get(x->s, name);
	free(name);
	if (v != NULL)
		strbuf_adds(out, v);
	else if (colon != NULL)
		strbuf_adds(out, colon + 1);
	else
		strbuf_adds(out, "UNDEFINED");
	return 0;
}

/* ---- $F<letters>() ---- */

static void
compress_slashes(struct strbuf *sb)
{
	size_t w = 0;
	for (size_t r = 0; r < sb->len; r++) {
		if (sb->buf[r] == '/' && w > 0 && sb->buf[w - 1] == '/')
			continue;
		sb->buf[w++] = sb->buf[r];
	}
	strbuf_setlen(sb, w);
}

static int
fn_file(struct xctx *x, const char *letters, const char *body, struct strbuf *out)
{
	bool f = strchr(letters, 'f'), p = strchr(letters, 'p'),
	     d = strchr(letters, 'd'), nn = strchr(letters, 'n'),
	     xx = strchr(letters, 'x'), b = strchr(letters, 'b'),
	     q = strchr(letters, 'q'), a = strchr(letters, 'a'),
	     u = strchr(letters, 'u'), w = strchr(letters, 'w');
	struct strbuf path = STRBUF_INIT, res = STRBUF_INIT;
	int rc = arg_value(x, body, strlen(body), &path);
	if (rc < 0)
		goto out;
	if (f && path.buf[0] != '/' && path.len > 0) {
		struct strbuf full = STRBUF_INIT;
		strbuf_addf(&full, "%s/%s", x->s->cwd, path.buf);
		strbuf_release(&path);
		path = full;
		compress_slashes(&path);
	}
	const char *slash = strrchr(path.buf, '/');
	size_t dirlen = slash ? (size_t)(slash - path.buf) + 1 : 0;
	const char *file = path.buf + dirlen;
	const char *dot = strrchr(file, '.');
	size_t namelen = dot ? (size_t)(dot - file) : strlen(file);
	if (p || d || nn || xx) {
		if (p) {
			strbuf_add(&res, path.buf, dirlen);
		} else if (d && dirlen > 1) {
			size_t end = dirlen - 1, start = end;
			while (start > 0 && path.buf[start - 1] != '/')
				start--;
			strbuf_add(&res, path.buf + start, end - start);
			if (!b)
				strbuf_addc(&res, '/');
		}
		if (nn)
			strbuf_add(&res, file, namelen);
		if (xx && dot)
			strbuf_adds(&res, b ? dot + 1 : dot);
	} else {
		strbuf_add(&res, path.buf, path.len);
	}
	for (size_t i = 0; i < res.len; i++) {
		if (u && res.buf[i] == '\\')
			res.buf[i] = '/';
		else if (w && res.buf[i] == '/')
			res.buf[i] = '\\';
	}
	if (q)
		strbuf_addc(out, a ? '\'' : '"');
	strbuf_add(out, res.buf, res.len);
	if (q)
		strbuf_addc(out, a ? '\'' : '"');
out:
	strbuf_release(&path);
	strbuf_release(&res);
	return rc;
}

/* ---- $INT, $REAL ---- */

/*
 * A user-supplied printf format, allowed only as text around exactly one
 * conversion of the right kind, so it cannot read arguments we do not pass.
 */
static int
safe_format(const char *fmt, bool integer, long long iv, double dv,
	    struct strbuf *out)
{
	struct strbuf spec = STRBUF_INIT;
	int conversions = 0;
	char conv = 0;
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			strbuf_addc(&spec, *p);
			continue;
		}
		if (p[1] == '%') {
			strbuf_adds(&spec, "%%");
			p++;
			continue;
		}
		strbuf_addc(&spec, '%');
		p++;
		while (*p && strchr("-+ #0", *p))
			strbuf_addc(&spec, *p++);
		int digits = 0;
		while (isdigit((unsigned char)*p) && digits < 3) {
			strbuf_addc(&spec, *p++);
			digits++;
		}
		if (*p == '.') {
			strbuf_addc(&spec, *p++);
			digits = 0;
			while (isdigit((unsigned char)*p) && digits < 3) {
				strbuf_addc(&spec, *p++);
				digits++;
			}
		}
		const char *ok = integer ? "dixXou" : "feEgG";
		if (*p == '\0' || strchr(ok, *p) == NULL || ++conversions > 1) {
			strbuf_release(&spec);
			return -1;
		}
		conv = *p;
		if (integer)
			strbuf_adds(&spec, "ll");
		strbuf_addc(&spec, conv);
	}
	if (conversions == 0) {
		strbuf_release(&spec);
		return -1;
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (integer)
		strbuf_addf(out, spec.buf, iv);
	else
		strbuf_addf(out, spec.buf, dv);
#pragma GCC diagnostic pop
	strbuf_release(&spec);
	return 0;
}

static int
eval_number(struct xctx *x, const char *text, bool integer, long long *iv,
	    double *dv)
{
	struct cval v = { 0 };
	if (num_parse_ll(text, LLONG_MIN, LLONG_MAX, iv) == 0) {
		*dv = (double)*iv;
		return 0;
	}
	if (!integer && num_parse_double(text, dv) == 0) {
		*iv = (long long)*dv;
		return 0;
	}
	if (cexpr_eval_text(text, NULL, &v, NULL) < 0)
		return -1;
	int rc = 0;
	if (v.type == CVAL_INT) {
		*iv = v.u.i;
		*dv = (double)v.u.i;
	} else if (v.type == CVAL_REAL && v.u.r > -9.2e18 && v.u.r < 9.2e18) {
		*dv = v.u.r;
		*iv = (long long)v.u.r;
	} else if (v.type == CVAL_BOOL) {
		*iv = v.u.b;
		*dv = v.u.b;
	} else {
		rc = -1;
	}
	cval_release(&v);
	(void)x;
	return rc;
}

static int
fn_number(struct xctx *x, const char *fname, bool integer, const char *body,
	  struct strbuf *out)
{
	const char *st[2];
	size_t ln[2];
	size_t k = split_args(body, st, ln, 2);
	struct strbuf v = STRBUF_INIT;
	long long iv = 0;
	double dv = 0;
	int rc = arg_value(x, st[0], ln[0], &v);
	if (rc == 0 && eval_number(x, v.buf, integer, &iv, &dv) < 0)
		rc = xfail(x, "$%s() macro: %s does not evaluate to %s", fname,
			   v.buf, integer ? "an integer" : "a number");
	if (rc == 0) {
		if (k > 1) {
			char *fmt = xstrndup(st[1], ln[1]);
			if (safe_format(fmt, integer, iv, dv, out) < 0)
				rc = xfail(x, "$%s() macro: bad format '%s'",
					   fname, fmt);
			free(fmt);
		} else if (integer) {
			strbuf_addf(out, "%lld", iv);
		} else {
			cval_format_real(dv, out);
		}
	}
	strbuf_release(&v);
	return rc;
}

/* ---- $CHOICE, $RANDOM_CHOICE, $RANDOM_INTEGER ---- */

/* The comma-separated items of body after the first skip ones; a single
 * item that names a macro stands for that macro's list. */
static int
list_items(struct xctx *x, const char *body, size_t skip, struct strvec *items,
	   struct strbuf *tmp)
{
	const char *p = body;
	for (size_t i = 0; i < skip && p; i++) {
		p = strchr(p, ',');
		if (p)
			p++;
	}
	if (p == NULL)
		return 0;
	const char *src = p;
	size_t n = strlen(p);
	const char *t = p;
	trim_span(&t, &n);
	if (memchr(t, ',', n) == NULL && valid_name(t, n)) {
		strbuf_reset(tmp);
		if (arg_value(x, t, n, tmp) < 0)
			return -1;
		src = tmp->buf;
	}
	for (const char *q = src;;) {
		const char *c = strchr(q, ',');
		const char *it = q;
		size_t l = c ? (size_t)(c - q) : strlen(q);
		trim_span(&it, &l);
		strvec_push_n(items, it, l);
		if (!c)
			break;
		q = c + 1;
	}
	return 0;
}

static int
fn_choice(struct xctx *x, const char *body, struct strbuf *out)
{
	const char *c = strchr(body, ',');
	struct strbuf v = STRBUF_INIT, tmp = STRBUF_INIT;
	struct strvec items = { 0 };
	long long iv = 0;
	double dv = 0;
	size_t ilen = c ? (size_t)(c - body) : strlen(body);
	int rc = arg_value(x, body, ilen, &v);
	if (rc == 0 && eval_number(x, v.buf, true, &iv, &dv) < 0)
		rc = xfail(x, "$CHOICE() macro: index %s is not an integer", v.buf);
	if (rc == 0 && c != NULL)
		rc = list_items(x, body, 1, &items, &tmp);
	if (rc == 0 && (iv < 0 || (size_t)iv >= items.n))
		rc = xfail(x, "$CHOICE() macro: index %lld is out of range", iv);
	if (rc == 0)
		strbuf_adds(out, items.v[iv]);
	strvec_clear(&items);
	strbuf_release(&v);
	strbuf_release(&tmp);
	return rc;
}

static int
fn_random_choice(struct xctx *x, const char *body, struct strbuf *out)
{
	struct strvec items = { 0 };
	struct strbuf tmp = STRBUF_INIT;
	int rc = list_items(x, body, 0, &items, &tmp);
	x->touched = true;
	if (rc == 0 && items.n == 0)
		rc = xfail(x, "$RANDOM_CHOICE() macro needs at least one choice");
	if (rc == 0)
		strbuf_adds(out, items.v[submit_random(x->s) % items.n]);
	strvec_clear(&items);
	strbuf_release(&tmp);
	return rc;
}

static int
fn_random_integer(struct xctx *x, const char *body, struct strbuf *out)
{
	const char *st[3];
	size_t ln[3];
	size_t k = split_args(body, st, ln, 3);
	long long v[3] = { 0, 0, 1 };
	x->touched = true;
	for (size_t i = 0; i < k; i++) {
		struct strbuf a = STRBUF_INIT;
		double dv;
		int rc = arg_value(x, st[i], ln[i], &a);
		if (rc == 0 && eval_number(x, a.buf, true, &v[i], &dv) < 0)
			rc = xfail(x, "$RANDOM_INTEGER() macro: %s is not an integer",
				   a.buf);
		strbuf_release(&a);
		if (rc < 0)
			return rc;
	}
	if (k < 2 || v[2] <= 0 || v[1] < v[0] || v[1] - v[0] > (1LL << 53))
		return xfail(x, "$RANDOM_INTEGER() macro needs min,max[,step] "
			     "with min <= max and step > 0");
	unsigned long long span = (unsigned long long)(v[1] - v[0]) /
				  (unsigned long long)v[2] + 1;
	strbuf_addf(out, "%lld", v[0] + (long long)(submit_random(x->s) % span) * v[2]);
	return 0;
}

/* ---- $BASENAME, $DIRNAME, $SUBSTR, $EVAL ---- */

static int
fn_basename(struct xctx *x, const char *body, bool dir, struct strbuf *out)
{
	const char *st[2];
	size_t ln[2];
	size_t k = split_args(body, st, ln, dir ? 1 : 2);
	struct strbuf v = STRBUF_INIT;
	int rc = arg_value(x, st[0], ln[0], &v);
	if (rc == 0) {
		const char *slash = strrchr(v.buf, '/');
		if (dir) {
			if (slash == NULL)
				strbuf_addc(out, '.');
			else
				strbuf_add(out, v.buf, slash == v.buf ? 1 :
					   (size_t)(slash - v.buf));
		} else {
			const char *base = slash ? slash + 1 : v.buf;
			size_t bl = strlen(base);
			if (k > 1 && ln[1] > 0 && ln[1] < bl &&
			    memcmp(base + bl - ln[1], st[1], ln[1]) == 0)
				bl -= ln[1];
			strbuf_add(out, base, bl);
		}
	}
	strbuf_release(&v);
	return rc;
}

static int
fn_substr(struct xctx *x, const char *body, struct strbuf *out)
{
	const char *st[3];
	size_t ln[3];
	size_t k = split_args(body, st, ln, 3);
	struct strbuf v = STRBUF_INIT;
	long long n[2] = { 0, LLONG_MAX };
	int rc = arg_value(x, st[0], ln[0], &v);
	for (size_t i = 1; rc == 0 && i < k; i++) {
		char *t = xstrndup(st[i], ln[i]);
		if (num_parse_ll(t, -(1LL << 40), 1LL << 40, &n[i - 1]) < 0)
			rc = xfail(x, "$SUBSTR() macro: %s is not an integer", t);
		free(t);
	}
	if (rc == 0) {
		long long len = (long long)v.len, a = n[0], e;
		if (a < 0)
			a = a + len < 0 ? 0 : a + len;
		if (a > len)
			a = len;
		if (n[1] == LLONG_MAX)
			e = len;
		else if (n[1] < 0)
			e = len + n[1];
		else
			e = a + n[1] > len ? len : a + n[1];
		if (e > a)
			strbuf_add(out, v.buf + a, (size_t)(e - a));
	}
	strbuf_release(&v);
	return rc;
}

static int
fn_eval(struct xctx *x, const char *body, struct strbuf *out)
{
	struct cval v = { 0 };
	struct error e;
	if (cexpr_eval_text(body, NULL, &v, &e) < 0)
		return xfail(x, "$EVAL() macro: %s", e.msg);
	cval_format_plain(&v, out);
	cval_release(&v);
	return 0;
}

/* $NAME(body): returns 1 if NAME is not a function we know. */
static int
call_function(struct xctx *x, const char *fname, const char *body,
	      struct strbuf *out)
{
	if (strcmp(fname, "ENV") == 0)
		return fn_env(x, body, out);
	if (fname[0] == 'F' && fname[1] != '\0' &&
	    strspn(fname + 1, "fpdnxbquwa") == strlen(fname + 1))
		return fn_file(x, fname + 1, body, out);
	if (strcmp(fname, "INT") == 0)
		return fn_number(x, fname, true, body, out);
	if (strcmp(fname, "REAL") == 0)
		return fn_number(x, fname, false, body, out);
	if (strcmp(fname, "CHOICE") == 0)
		return fn_choice(x, body, out);
	if (strcmp(fname, "RANDOM_CHOICE") == 0)
		return fn_random_choice(x, body, out);
	if (strcmp(fname, "RANDOM_INTEGER") == 0)
		return fn_random_integer(x, body, out);
	if (strcmp(fname, "BASENAME") == 0)
		return fn_basename(x, body, false, out);
	if (strcmp(fname, "DIRNAME") == 0)
		return fn_basename(x, body, true, out);
	if (strcmp(fname, "SUBSTR") == 0)
		return fn_substr(x, body, out);
	if (strcmp(fname, "EVAL") == 0)
		return fn_eval(x, body, out);
	return 1;
}

static int
check_size(struct xctx *x, const struct strbuf *out)
{
	if (out->len > SUBMIT_MAX_VALUE)
		return xfail(x, "macro expansion is longer than %u bytes",
			     SUBMIT_MAX_VALUE);
	return 0;
}

/* Expands body (the text between the parentheses) if it holds references. */
static int
expand_body(struct xctx *x, const char *b, size_t n, struct strbuf *tmp)
{
	char *raw = xstrndup(b, n);
	int rc = 0;
	if (memchr(raw, '$', n) != NULL)
		rc = submit_expand(x, raw, tmp);
	else
		strbuf_add(tmp, raw, n);
	free(raw);
	return rc;
}

static int
expand_dollar(struct xctx *x, const char **pp, struct strbuf *out)
{
	const char *p = *pp;
	if (p[1] == '$') {
		/* $$(...) is for the matchmaker: copy it untouched. */
		const char *close = p[2] == '(' ? find_close(p + 2) : NULL;
		size_t n = close ? (size_t)(close - p) + 1 : 2;
		strbuf_add(out, p, n);
		*pp = p + n;
		return 0;
	}
	if (p[1] == '(') {
		const char *close = find_close(p + 1);
		if (close == NULL) {
			strbuf_addc(out, '$');
			*pp = p + 1;
			return 0;
		}
		struct strbuf body = STRBUF_INIT;
		int rc = expand_body(x, p + 2, (size_t)(close - p - 2), &body);
		if (rc == 0)
			rc = expand_ref(x, body.buf, body.len, out);
		strbuf_release(&body);
		*pp = close + 1;
		return rc;
	}
	const char *q = p + 1;
	while (isalnum((unsigned char)*q) || *q == '_')
		q++;
	const char *close = (q > p + 1 && *q == '(') ? find_close(q) : NULL;
	if (close != NULL) {
		char *fname = xstrndup(p + 1, (size_t)(q - p - 1));
		struct strbuf body = STRBUF_INIT;
		int rc = expand_body(x, q + 1, (size_t)(close - q - 1), &body);
		if (rc == 0)
			rc = call_function(x, fname, body.buf, out);
		free(fname);
		strbuf_release(&body);
		if (rc == 1) {
			strbuf_add(out, p, (size_t)(close - p) + 1);
			rc = 0;
		}
		*pp = close + 1;
		return rc;
	}
	strbuf_addc(out, '$');
	*pp = p + 1;
	return 0;
}

int
submit_expand(struct xctx *x, const char *text, struct strbuf *out)
{
	const char *p = text;
	while (*p) {
		const char *d = strchr(p, '$');
		if (d == NULL) {
			strbuf_adds(out, p);
			break;
		}
		strbuf_add(out, p, (size_t)(d - p));
		p = d;
		if (expand_dollar(x, &p, out) < 0)
			return -1;
		if (check_size(x, out) < 0)
			return -1;
	}
	return check_size(x, out);
}

/* ------------------------------------------------------------------ */
/* Misc                                                                */
/* ------------------------------------------------------------------ */

uint64_t
submit_random(struct submit *s)
{
	/* xorshift64*: plenty for $RANDOM_CHOICE and needs no global state. */
	uint64_t v = s->rng;
	v ^= v >> 12;
	v ^= v << 25;
	v ^= v >> 27;
	s->rng = v;
	return v * 2685821657736338717ULL;
}

void
submit_where(struct strbuf *sb, const char *file, int line)
{
	if (file == NULL)
		return;
	if (line > 0)
		strbuf_addf(sb, "%s:%d: ", file, line);
	else
		strbuf_addf(sb, "%s: ", file);
}
