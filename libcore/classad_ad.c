/*
 * classad_ad.c - ads: attributes in insertion order, case-insensitive
 * lookup, parent chaining, lazy parsing.
 *
 * Lookups are the hot path (condor_q evaluates a few attributes of every
 * job, most of them found only in the ~60-attribute cluster ad), so an ad
 * with more than INDEX_MIN (16) attributes keeps an open-addressing hash index
 * beside its array; smaller ads are scanned, comparing stored hashes
 * before names.  A name's hash is computed once per lookup and reused at
 * every level of the parent chain (attribute references carry theirs from
 * parse time).
 *
 * Text is the source of truth: classad_set_text stores canonical text
 * (and the tree it parsed), trusted text is stored as given and parsed on
 * first use.  Values set from C keep their tree too when the text would
 * not give back exactly the same value (reals, strings with a backslash).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classad_int.h"
#include "error.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

#define INDEX_MIN 16
/* Parent chains longer than this are treated as ending there (a cycle
 * made by mistake must not hang a lookup). */
#define CHAIN_MAX 64

struct classad {
	struct cattr *attrs;
	size_t n, alloc;
	uint32_t *slots;	/* attrs index + 1, 0 = empty; NULL: no index */
	size_t nslots;		/* a power of two, at least 2n */
	const struct classad *parent;
};

/* ------------------------------------------------------------------ */
/* The index                                                           */
/* ------------------------------------------------------------------ */

static void
index_put(struct classad *ad, size_t idx)
{
	size_t mask = ad->nslots - 1, s = ad->attrs[idx].hash & mask;
	while (ad->slots[s])
		s = (s + 1) & mask;
	ad->slots[s] = (uint32_t)(idx + 1);
}

static void
index_rebuild(struct classad *ad)
{
	free(ad->slots);
	ad->slots = NULL;
	ad->nslots = 0;
	if (ad->n <= INDEX_MIN)
		return;
	size_t ns = 32;
	while (ns < ad->n * 2)
		ns *= 2;
	ad->slots = xcalloc(ns, sizeof(*ad->slots));
	ad->nslots = ns;
	for (size_t i = 0; i < ad->n; i++)
		index_put(ad, i);
}

static bool
same_name(const struct cattr *a, const char *name, uint32_t hash)
{
	return a->hash == hash && strcasecmp(a->name, name) == 0;
}

/* Index of name among ad's own attributes, or -1. */
static long
find_own(const struct classad *ad, const char *name, uint32_t hash)
{
	if (ad->slots == NULL) {
		for (size_t i = 0; i < ad->n; i++)
			if (same_name(&ad->attrs[i], name, hash))
				return (long)i;
		return -1;
	}
	size_t mask = ad->nslots - 1;
	for (size_t s = hash & mask; ad->slots[s]; s = (s + 1) & mask) {
		size_t i = ad->slots[s] - 1;
		if (same_name(&ad->attrs[i], name, hash))
			return (long)i;
	}
	return -1;
}

const struct cattr *
classad_find(const struct classad *ad, const char *name, uint32_t hash)
{
	for (int level = 0; ad && level < CHAIN_MAX; ad = ad->parent, level++) {
		long i = find_own(ad, name, hash);
		if (i >= 0)
			return &ad->attrs[i];
	}
	return NULL;
}

const struct cexpr *
cattr_expr(const struct cattr *a)
{
	if (a->expr == NULL) {
		/* the lazy cache: the one mutation a const ad undergoes */
		struct cattr *m = (struct cattr *)a;
		m->expr = cexpr_parse(m->text, NULL);
		if (m->expr == NULL) {
			struct cval err = { .type = CVAL_ERROR };
			m->expr = cexpr_literal(&err);
		}
	}
	return a->expr;
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */
/* ------------------------------------------------------------------ */

struct classad *
classad_new(void)
{
	return xcalloc(1, sizeof(struct classad));
}

static void
cattr_release(struct cattr *a)
{
	if (!(a->borrowed & CATTR_BORROWED_NAME))
		free(a->name);
	if (!(a->borrowed & CATTR_BORROWED_TEXT))
		free(a->text);
	cexpr_free(a->expr);
}

void
classad_free(struct classad *ad)
{
	if (ad == NULL)
		return;
	for (size_t i = 0; i < ad->n; i++)
		cattr_release(&ad->attrs[i]);
	free(ad->attrs);
	free(ad->slots);
	free(ad);
}

/* Appends an attribute; takes name, text and expr. */
static void
append_owned(struct classad *ad, char *name, char *text, struct cexpr *expr,
	     uint32_t hash)
{
	XGROW(ad->attrs, ad->n + 1, ad->alloc);
	ad->attrs[ad->n++] = (struct cattr){ .name = name, .text = text,
					     .expr = expr, .hash = hash };
	if (ad->slots && ad->n * 2 <= ad->nslots)
		index_put(ad, ad->n - 1);
	else if (ad->n > INDEX_MIN)
		index_rebuild(ad);
}

/* Appends a copy of attribute a (its name, text and tree). */
static void
append_copy(struct classad *ad, const struct cattr *a)
{
	append_owned(ad, xstrdup(a->name), xstrdup(a->text),
		     cexpr_clone(a->expr), a->hash);
}

struct classad *
classad_copy(const struct classad *ad)
{
	struct classad *c = classad_new();
	for (size_t i = 0; i < ad->n; i++)
		append_copy(c, &ad->attrs[i]);
	c->parent = ad->parent;
	return c;
}

struct classad *
classad_flatten(const struct classad *ad)
{
	struct classad *c = classad_new();
	for (int level = 0; ad && level < CHAIN_MAX; ad = ad->parent, level++)
		for (size_t i = 0; i < ad->n; i++)
			if (find_own(c, ad->attrs[i].name, ad->attrs[i].hash) < 0)
				append_copy(c, &ad->attrs[i]);
	return c;
}

void
classad_set_parent(struct classad *ad, const struct classad *parent)
{
	ad->parent = parent;
}

const struct classad *
classad_parent(const struct classad *ad)
{
	return ad->parent;
}

/* ------------------------------------------------------------------ */
/* Setting                                                             */
/* ------------------------------------------------------------------ */

/* Replaces the text and tree of an existing attribute. */
static void
replace_value(struct cattr *a, char *text, struct cexpr *expr, bool borrowed)
{
	if (!(a->borrowed & CATTR_BORROWED_TEXT))
		free(a->text);
	cexpr_free(a->expr);
	a->text = text;
	a->expr = expr;
	if (borrowed)
		a->borrowed |= CATTR_BORROWED_TEXT;
	else
		a->borrowed &= (unsigned char)~CATTR_BORROWED_TEXT;
}

/* Stores text and expr (both owned; expr may be NULL) under name. */
static void
set_attr(struct classad *ad, const char *name, char *text, struct cexpr *expr)
{
	uint32_t hash = classad_hash_name(name);
	long i = find_own(ad, name, hash);
	if (i >= 0) {
		replace_value(&ad->attrs[i], text, expr, false);
		return;
	}
	append_owned(ad, xstrdup(name), text, expr, hash);
}

void
classad_set_text_borrowed(struct classad *ad, const char *name, const char *text)
{
	uint32_t hash = classad_hash_name(name);
	long i = find_own(ad, name, hash);
	if (i >= 0) {
		replace_value(&ad->attrs[i], (char *)text, NULL, true);
		return;
	}
	append_owned(ad, (char *)name, (char *)text, NULL, hash);
	ad->attrs[ad->n - 1].borrowed = CATTR_BORROWED_NAME | CATTR_BORROWED_TEXT;
}

int
classad_set_text(struct classad *ad, const char *name, const char *text,
		 struct error *err)
{
	struct cexpr *e = cexpr_parse(text, err);
	if (e == NULL)
		return -1;
	set_attr(ad, name, cexpr_to_text(e), e);
	return 0;
}

void
classad_set_text_trusted(struct classad *ad, const char *name, const char *text)
{
	set_attr(ad, name, xstrdup(text), NULL);
}

void
classad_set_expr(struct classad *ad, const char *name, struct cexpr *e)
{
	set_attr(ad, name, cexpr_to_text(e), e);
}

void
classad_set_value(struct classad *ad, const char *name, const struct cval *v)
{
	struct strbuf sb = STRBUF_INIT;
	cval_unparse(v, &sb);
	bool exact = v->type != CVAL_REAL && v->type != CVAL_LIST &&
		(v->type != CVAL_STRING || strchr(v->u.s, '\\') == NULL);
	set_attr(ad, name, strbuf_detach(&sb, NULL), exact ? NULL : cexpr_literal(v));
}

void
classad_set_int(struct classad *ad, const char *name, long long v)
{
	struct cval c;
	cval_set_int(&c, v);
	classad_set_value(ad, name, &c);
}

void
classad_set_real(struct classad *ad, const char *name, double v)
{
	struct cval c;
	cval_set_real(&c, v);
	classad_set_value(ad, name, &c);
}

void
classad_set_bool(struct classad *ad, const char *name, bool v)
{
	struct cval c;
	cval_set_bool(&c, v);
	classad_set_value(ad, name, &c);
}

void
classad_set_string(struct classad *ad, const char *name, const char *s)
{
	struct cval c = { .type = CVAL_STRING, .u.s = (char *)s };
	classad_set_value(ad, name, &c);	/* borrows s: nothing to free */
}

bool
classad_delete(struct classad *ad, const char *name)
{
	long i = find_own(ad, name, classad_hash_name(name));
	if (i < 0)
		return false;
	cattr_release(&ad->attrs[i]);
	memmove(&ad->attrs[i], &ad->attrs[i + 1],
		(ad->n - (size_t)i - 1) * sizeof(*ad->attrs));
	ad->n--;
	index_rebuild(ad);
	return true;
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */
/* ------------------------------------------------------------------ */

size_t
classad_size(const struct classad *ad)
{
	return ad->n;
}

const char *
classad_name_at(const struct classad *ad, size_t i)
{
	return i < ad->n ? ad->attrs[i].name : NULL;
}

const char *
classad_text_at(const struct classad *ad, size_t i)
{
	return i < ad->n ? ad->attrs[i].text : NULL;
}

bool
classad_has(const struct classad *ad, const char *name)
{
	return classad_find(ad, name, classad_hash_name(name)) != NULL;
}

bool
classad_has_own(const struct classad *ad, const char *name)
{
	return find_own(ad, name, classad_hash_name(name)) >= 0;
}

const char *
classad_lookup_text(const struct classad *ad, const char *name)
{
	const struct cattr *a = classad_find(ad, name, classad_hash_name(name));
	return a ? a->text : NULL;
}

const struct cexpr *
classad_lookup_expr(const struct classad *ad, const char *name)
{
	const struct cattr *a = classad_find(ad, name, classad_hash_name(name));
	return a ? cattr_expr(a) : NULL;
}

void
classad_eval_attr(const struct classad *ad, const char *name, struct cval *out)
{
	struct cstate st = { 0 };
	struct cctx cx = { .my = ad, .target = NULL, .st = &st };
	ceval_attr(&cx, CSCOPE_MY, name, classad_hash_name(name), out);
}

bool
classad_get_int(const struct classad *ad, const char *name, long long *out)
{
	struct cval v = { 0 };
	bool ok = true;
	classad_eval_attr(ad, name, &v);
	if (v.type == CVAL_INT)
		*out = v.u.i;
	else if (v.type == CVAL_REAL && v.u.r >= -9223372036854775808.0 &&
		 v.u.r < 9223372036854775808.0)
		*out = (long long)v.u.r;
	else
		ok = false;
	cval_release(&v);
	return ok;
}

bool
classad_get_real(const struct classad *ad, const char *name, double *out)
{
	struct cval v = { 0 };
	bool ok = true;
	classad_eval_attr(ad, name, &v);
	if (v.type == CVAL_INT)
		*out = (double)v.u.i;
	else if (v.type == CVAL_REAL)
		*out = v.u.r;
	else
		ok = false;
	cval_release(&v);
	return ok;
}

/* Numbers count as booleans here, as in HTCondor's LookupBool. */
bool
classad_get_bool(const struct classad *ad, const char *name, bool *out)
{
	struct cval v = { 0 };
	classad_eval_attr(ad, name, &v);
	bool ok = cval_bool_equiv(&v, out);
	cval_release(&v);
	return ok;
}

char *
classad_get_string(const struct classad *ad, const char *name)
{
	struct cval v = { 0 };
	char *s = NULL;
	classad_eval_attr(ad, name, &v);
	if (v.type == CVAL_STRING) {
		s = v.u.s;
		v.u.s = NULL;
		v.type = CVAL_UNDEFINED;
	}
	cval_release(&v);
	return s;
}

bool
classad_matches(const struct cexpr *constraint, const struct classad *ad)
{
	struct cval v = { 0 };
	bool b = false;
	cexpr_eval(constraint, ad, NULL, &v);
	bool ok = cval_bool_equiv(&v, &b) && b;
	cval_release(&v);
	return ok;
}

int
classad_name_cmp(const char *a, const char *b)
{
	return strcasecmp(a, b);
}
