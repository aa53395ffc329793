/*
 * classad_parse.c - recursive-descent parser for ClassAd expressions, and
 * the tree helpers (free, clone, literals).
 *
 * Precedence, lowest first, as HTCondor's parser has it:
 *   ?: (right-associative; "a ?: b" is the defaulting form)
 *   ||   &&   |   ^   &   == != =?= =!= (is isnt)   < <= > >=
 *   << >> >>>   + -   * / %   unary - + ! ~   postfix .name [index]
 * Parentheses are kept as nodes so an expression prints back as written.
 *
 * Hostile input: text longer than CEXPR_MAX_TEXT is refused before it is
 * looked at, and every node records the height of its subtree, so a tree
 * higher than CEXPR_MAX_DEPTH (however it was built: nesting or a long
 * left-associative chain) is refused before anything recurses over it.
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

struct cparser {
	struct clexer lx;
	const char *text;
	unsigned nest;		/* recursion depth of the parse functions */
	bool failed;
	size_t fail_off;
	const char *fail_why;	/* NULL: a plain syntax error */
};

/* ------------------------------------------------------------------ */
/* Nodes                                                               */
/* ------------------------------------------------------------------ */

struct cexpr *
cexpr_new_node(enum cnode_kind kind)
{
	struct cexpr *e = xcalloc(1, sizeof(*e));
	e->kind = (unsigned char)kind;
	e->depth = 1;
	return e;
}

static unsigned
child_depth(const struct cexpr *c)
{
	return c ? c->depth : 0;
}

void
cexpr_fix_depth(struct cexpr *e)
{
	unsigned d = 0;
	switch (e->kind) {
	case CN_SELECT:
		d = child_depth(e->u.sel.base);
		break;
	case CN_OP:
		d = child_depth(e->u.op.a);
		if (child_depth(e->u.op.b) > d)
			d = child_depth(e->u.op.b);
		if (child_depth(e->u.op.c) > d)
			d = child_depth(e->u.op.c);
		break;
	case CN_CALL:
		for (size_t i = 0; i < e->u.call.n; i++)
			if (child_depth(e->u.call.args[i]) > d)
				d = child_depth(e->u.call.args[i]);
		break;
	case CN_LIST:
		for (size_t i = 0; i < e->u.list.n; i++)
			if (child_depth(e->u.list.items[i]) > d)
				d = child_depth(e->u.list.items[i]);
		break;
	default:
		break;
	}
	/* saturate: the parser refuses anything near the limit anyway */
	e->depth = (unsigned short)(d + 1 > 60000 ? 60000 : d + 1);
}

void
cexpr_free(struct cexpr *e)
{
	if (e == NULL)
		return;
	switch (e->kind) {
	case CN_LIT:
		cval_release(&e->u.lit);
		break;
	case CN_ATTR:
		free(e->u.attr.name);
		break;
	case CN_SELECT:
		cexpr_free(e->u.sel.base);
		free(e->u.sel.name);
		break;
	case CN_OP:
		cexpr_free(e->u.op.a);
		cexpr_free(e->u.op.b);
		cexpr_free(e->u.op.c);
		break;
	case CN_CALL:
		for (size_t i = 0; i < e->u.call.n; i++)
			cexpr_free(e->u.call.args[i]);
		free(e->u.call.args);
		free(e->u.call.name);
		break;
	case CN_LIST:
		for (size_t i = 0; i < e->u.list.n; i++)
			cexpr_free(e->u.list.items[i]);
		free(e->u.list.items);
		break;
	}
	free(e);
}

static struct cexpr **
clone_vec(struct cexpr *const *v, size_t n)
{
	struct cexpr **out = n ? xreallocarray(NULL, n, sizeof(*out)) : NULL;
	for (size_t i = 0; i < n; i++)
		out[i] = cexpr_clone(v[i]);
	return out;
}

struct cexpr *
cexpr_clone(const struct cexpr *e)
{
	if (e == NULL)
		return NULL;
	struct cexpr *c = xmalloc(sizeof(*c));
	*c = *e;
	switch (e->kind) {
	case CN_LIT:
		cval_copy(&c->u.lit, &e->u.lit);
		break;
	case CN_ATTR:
		c->u.attr.name = xstrdup(e->u.attr.name);
		break;
	case CN_SELECT:
		c->u.sel.base = cexpr_clone(e->u.sel.base);
		c->u.sel.name = xstrdup(e->u.sel.name);
		break;
	case CN_OP:
		c->u.op.a = cexpr_clone(e->u.op.a);
		c->u.op.b = cexpr_clone(e->u.op.b);
		c->u.op.c = cexpr_clone(e->u.op.c);
		break;
	case CN_CALL:
		c->u.call.name = xstrdup(e->u.call.name);
		c->u.call.args = clone_vec(e->u.call.args, e->u.call.n);
		break;
	case CN_LIST:
		c->u.list.items = clone_vec(e->u.list.items, e->u.list.n);
		break;
	}
	return c;
}

struct cexpr *
cexpr_literal(const struct cval *v)
{
	struct cexpr *e;
	if (v->type == CVAL_LIST) {
		e = cexpr_new_node(CN_LIST);
		e->u.list.n = v->u.list.n;
		e->u.list.items = v->u.list.n ?
			xreallocarray(NULL, v->u.list.n, sizeof(struct cexpr *)) : NULL;
		for (size_t i = 0; i < v->u.list.n; i++)
			e->u.list.items[i] = cexpr_literal(&v->u.list.items[i]);
		cexpr_fix_depth(e);
		return e;
	}
	e = cexpr_new_node(CN_LIT);
	cval_copy(&e->u.lit, v);
	return e;
}

bool
cexpr_is_literal(const struct cexpr *e, struct cval *v)
{
	if (e->kind == CN_LIT && e->factor == 0) {
		if (v)
			cval_copy(v, &e->u.lit);
		return true;
	}
	/* "-5" is a negated literal in the tree but a literal to callers */
	if (e->kind == CN_OP && e->op == COP_NEG && e->u.op.a->kind == CN_LIT &&
	    e->u.op.a->factor == 0) {
		const struct cval *x = &e->u.op.a->u.lit;
		if (x->type == CVAL_INT) {
			if (v)
				cval_set_int(v, (long long)(0ULL - (unsigned long long)x->u.i));
			return true;
		}
		if (x->type == CVAL_REAL) {
			if (v)
				cval_set_real(v, -x->u.r);
			return true;
		}
	}
	return false;
}

uint32_t
classad_hash_name(const char *name)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		unsigned char c = *p;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = (h ^ c) * 16777619u;
	}
	return h;
}

/* ------------------------------------------------------------------ */
/* Parser                                                              */
/* ------------------------------------------------------------------ */

static struct cexpr *parse_expr(struct cparser *ps);

static void
fail_at(struct cparser *ps, size_t off, const char *why)
{
	if (ps->failed)
		return;
	ps->failed = true;
	ps->fail_off = off;
	ps->fail_why = why;
}

static const struct ctoken *
peek(struct cparser *ps)
{
	return clex_peek(&ps->lx);
}

static bool
accept(struct cparser *ps, enum ctok t)
{
	if (peek(ps)->type != t)
		return false;
	clex_next(&ps->lx);
	return true;
}

static bool
expect(struct cparser *ps, enum ctok t)
{
	if (accept(ps, t))
		return true;
	fail_at(ps, peek(ps)->off, NULL);
	return false;
}

/* Refuses trees higher than the limit; frees e and returns NULL then. */
static struct cexpr *
check_depth(struct cparser *ps, struct cexpr *e, size_t off)
{
	cexpr_fix_depth(e);
	if (e->depth > CEXPR_MAX_DEPTH) {
		fail_at(ps, off, "nested too deeply");
		cexpr_free(e);
		return NULL;
	}
	return e;
}

static struct cexpr *
make_op(struct cparser *ps, enum cop op, struct cexpr *a, struct cexpr *b,
	struct cexpr *c, size_t off)
{
	struct cexpr *e = cexpr_new_node(CN_OP);
	e->op = (unsigned char)op;
	e->u.op.a = a;
	e->u.op.b = b;
	e->u.op.c = c;
	return check_depth(ps, e, off);
}

/* Guards the recursion of the parse functions themselves. */
static bool
enter(struct cparser *ps)
{
	if (++ps->nest > CEXPR_MAX_DEPTH) {
		fail_at(ps, peek(ps)->off, "nested too deeply");
		return false;
	}
	return true;
}

static char *
token_text(struct cparser *ps, const struct ctoken *t)
{
	return xstrndup(ps->text + t->off, t->len);
}

/* Parses "( args )" after a function name. */
static struct cexpr *
parse_call(struct cparser *ps, const struct ctoken *name)
{
	struct cexpr *e = cexpr_new_node(CN_CALL);
	size_t alloc = 0;
	e->u.call.name = token_text(ps, name);
	e->u.call.fn = cfunc_lookup(ps->text + name->off, name->len);
	clex_next(&ps->lx);	/* the '(' */
	if (!accept(ps, CT_RPAREN)) {
		do {
			struct cexpr *arg = parse_expr(ps);
			if (arg == NULL) {
				cexpr_free(e);
				return NULL;
			}
			XGROW(e->u.call.args, e->u.call.n + 1, alloc);
			e->u.call.args[e->u.call.n++] = arg;
		} while (accept(ps, CT_COMMA));
		if (!expect(ps, CT_RPAREN)) {
			cexpr_free(e);
			return NULL;
		}
	}
	return check_depth(ps, e, name->off);
}

static struct cexpr *
parse_list(struct cparser *ps, size_t off)
{
	struct cexpr *e = cexpr_new_node(CN_LIST);
	size_t alloc = 0;
	if (!accept(ps, CT_RBRACE)) {
		do {
			struct cexpr *item = parse_expr(ps);
			if (item == NULL) {
				cexpr_free(e);
				return NULL;
			}
			XGROW(e->u.list.items, e->u.list.n + 1, alloc);
			e->u.list.items[e->u.list.n++] = item;
		} while (accept(ps, CT_COMMA));
		if (!expect(ps, CT_RBRACE)) {
			cexpr_free(e);
			return NULL;
		}
	}
	return check_depth(ps, e, off);
}

static struct cexpr *
parse_literal(struct cparser *ps, const struct ctoken *t)
{
	struct cexpr *e = cexpr_new_node(CN_LIT);
	switch (t->type) {
	case CT_INT:
		cval_set_int(&e->u.lit, t->i);
		e->factor = (unsigned char)t->factor;
		break;
	case CT_REAL:
		cval_set_real(&e->u.lit, t->r);
		e->factor = (unsigned char)t->factor;
		break;
	case CT_TRUE:
	case CT_FALSE:
		cval_set_bool(&e->u.lit, t->type == CT_TRUE);
		break;
	case CT_ERROR:
		cval_set_error(&e->u.lit);
		break;
	case CT_STRING:
		e->u.lit.type = CVAL_STRING;
		e->u.lit.u.s = clex_take_string(&ps->lx);
		return e;
	default:
		cval_set_undefined(&e->u.lit);
		break;
	}
	clex_next(&ps->lx);
	return e;
}

static struct cexpr *
parse_primary(struct cparser *ps)
{
	const struct ctoken *t = peek(ps);
	size_t off = t->off;
	switch (t->type) {
	case CT_INT: case CT_REAL: case CT_STRING: case CT_TRUE:
	case CT_FALSE: case CT_UNDEF: case CT_ERROR:
		return parse_literal(ps, t);
	case CT_IDENT: {
		struct ctoken name = *t;
		clex_next(&ps->lx);
		if (peek(ps)->type == CT_LPAREN)
			return parse_call(ps, &name);
		struct cexpr *e = cexpr_new_node(CN_ATTR);
		e->u.attr.name = token_text(ps, &name);
		e->u.attr.hash = classad_hash_name(e->u.attr.name);
		return e;
	}
	case CT_LPAREN: {
		clex_next(&ps->lx);
		struct cexpr *inner = parse_expr(ps);
		if (inner == NULL)
			return NULL;
		if (!expect(ps, CT_RPAREN)) {
			cexpr_free(inner);
			return NULL;
		}
		return make_op(ps, COP_PAREN, inner, NULL, NULL, off);
	}
	case CT_LBRACE:
		clex_next(&ps->lx);
		return parse_list(ps, off);
	default:
		fail_at(ps, off, NULL);
		return NULL;
	}
}

/* base.Name: MY. and TARGET. (any case) are scopes, anything else a
 * selection from whatever base evaluates to. */
static struct cexpr *
make_select(struct cparser *ps, struct cexpr *base, size_t off)
{
	const struct ctoken *t = peek(ps);
	if (t->type != CT_IDENT) {
		fail_at(ps, t->off, NULL);
		cexpr_free(base);
		return NULL;
	}
	struct cexpr *e = cexpr_new_node(CN_SELECT);
	e->u.sel.base = base;
	e->u.sel.name = token_text(ps, t);
	e->u.sel.hash = classad_hash_name(e->u.sel.name);
	clex_next(&ps->lx);
	if (base->kind == CN_ATTR && strcasecmp(base->u.attr.name, "my") == 0)
		e->scope = CSCOPE_MY;
	else if (base->kind == CN_ATTR && strcasecmp(base->u.attr.name, "target") == 0)
		e->scope = CSCOPE_TARGET;
	return check_depth(ps, e, off);
}

static struct cexpr *
parse_postfix(struct cparser *ps)
{
	size_t off = peek(ps)->off;
	struct cexpr *e = parse_primary(ps);
	while (e != NULL) {
		if (accept(ps, CT_DOT)) {
			e = make_select(ps, e, off);
		} else if (accept(ps, CT_LBRACK)) {
			struct cexpr *idx = parse_expr(ps);
			if (idx == NULL || !expect(ps, CT_RBRACK)) {
				cexpr_free(e);
				cexpr_free(idx);
				return NULL;
			}
			e = make_op(ps, COP_SUBSCRIPT, e, idx, NULL, off);
		} else {
			break;
		}
	}
	return e;
}

static struct cexpr *
parse_unary(struct cparser *ps)
{
	const struct ctoken *t = peek(ps);
	size_t off = t->off;
	enum cop op;
	switch (t->type) {
	case CT_MINUS: op = COP_NEG; break;
	case CT_PLUS: op = COP_POS; break;
	case CT_NOT: op = COP_NOT; break;
	case CT_TILDE: op = COP_BNOT; break;
	default:
		return parse_postfix(ps);
	}
	clex_next(&ps->lx);
	if (!enter(ps))
		return NULL;
	struct cexpr *a = parse_unary(ps);
	ps->nest--;
	if (a == NULL)
		return NULL;
	return make_op(ps, op, a, NULL, NULL, off);
}

/* One level of left-associative binary operators. */
struct binlevel {
	const enum ctok *toks;
	const enum cop *ops;
	size_t n;
};

static const enum ctok t_mul[] = { CT_STAR, CT_SLASH, CT_PERCENT };
static const enum cop o_mul[] = { COP_MUL, COP_DIV, COP_MOD };
static const enum ctok t_add[] = { CT_PLUS, CT_MINUS };
static const enum cop o_add[] = { COP_ADD, COP_SUB };
static const enum ctok t_shift[] = { CT_SHL, CT_SHR, CT_USHR };
static const enum cop o_shift[] = { COP_SHL, COP_SHR, COP_USHR };
static const enum ctok t_rel[] = { CT_LT, CT_LE, CT_GT, CT_GE };
static const enum cop o_rel[] = { COP_LT, COP_LE, COP_GT, COP_GE };
static const enum ctok t_eq[] = { CT_EQ, CT_NE, CT_META_EQ, CT_META_NE };
static const enum cop o_eq[] = { COP_EQ, COP_NE, COP_META_EQ, COP_META_NE };
static const enum ctok t_band[] = { CT_BAND };
static const enum cop o_band[] = { COP_BAND };
static const enum ctok t_bxor[] = { CT_BXOR };
static const enum cop o_bxor[] = { COP_BXOR };
static const enum ctok t_bor[] = { CT_BOR };
static const enum cop o_bor[] = { COP_BOR };
static const enum ctok t_and[] = { CT_AND };
static const enum cop o_and[] = { COP_AND };
static const enum ctok t_or[] = { CT_OR };
static const enum cop o_or[] = { COP_OR };

#define LEVEL(t, o) { t, o, sizeof(t) / sizeof(t[0]) }
/* Tightest binding first; parse_binary(ps, i) parses level i. */
static const struct binlevel levels[] = {
	LEVEL(t_mul, o_mul), LEVEL(t_add, o_add), LEVEL(t_shift, o_shift),
	LEVEL(t_rel, o_rel), LEVEL(t_eq, o_eq), LEVEL(t_band, o_band),
	LEVEL(t_bxor, o_bxor), LEVEL(t_bor, o_bor), LEVEL(t_and, o_and),
	LEVEL(t_or, o_or),
};
#define NLEVELS (sizeof(levels) / sizeof(levels[0]))

static int
level_op(const struct binlevel *lv, enum ctok t)
{
	for (size_t k = 0; k < lv->n; k++)
		if (lv->toks[k] == t)
			return (int)lv->ops[k];
	return -1;
}

static struct cexpr *
parse_binary(struct cparser *ps, size_t level)
{
	size_t off = peek(ps)->off;
	struct cexpr *e = level == 0 ? parse_unary(ps) : parse_binary(ps, level - 1);
	while (e != NULL) {
		int op = level_op(&levels[level], peek(ps)->type);
		if (op < 0)
			break;
		clex_next(&ps->lx);
		struct cexpr *b = level == 0 ? parse_unary(ps) : parse_binary(ps, level - 1);
		if (b == NULL) {
			cexpr_free(e);
			return NULL;
		}
		e = make_op(ps, (enum cop)op, e, b, NULL, off);
	}
	return e;
}

static struct cexpr *
parse_expr(struct cparser *ps)
{
	size_t off = peek(ps)->off;
	if (!enter(ps))
		return NULL;
	struct cexpr *cond = parse_binary(ps, NLEVELS - 1), *e = cond;
	if (cond != NULL && accept(ps, CT_QMARK)) {
		struct cexpr *yes = NULL, *no = NULL;
		if (!accept(ps, CT_COLON)) {
			yes = parse_expr(ps);
			if (yes == NULL || !expect(ps, CT_COLON)) {
				cexpr_free(cond);
				cexpr_free(yes);
				ps->nest--;
				return NULL;
			}
		}
		no = parse_expr(ps);
		if (no == NULL) {
			cexpr_free(cond);
			cexpr_free(yes);
			e = NULL;
		} else if (yes == NULL) {
			e = make_op(ps, COP_ELVIS, cond, no, NULL, off);
		} else {
			e = make_op(ps, COP_COND, cond, yes, no, off);
		}
	}
	ps->nest--;
	return e;
}

/* The text quoted in messages, shortened so the message stays readable. */
static void
set_parse_error(struct error *err, const struct cparser *ps, size_t len)
{
	const int show = 200;
	const char *more = len > (size_t)show ? "..." : "";
	if (ps->fail_why)
		error_set(err, "expression %s at offset %zu in '%.*s%s'",
			  ps->fail_why, ps->fail_off, show, ps->text, more);
	else
		error_set(err, "syntax error at offset %zu in '%.*s%s'",
			  ps->fail_off, show, ps->text, more);
}

struct cexpr *
cexpr_parse(const char *text, struct error *err)
{
	size_t len = strnlen(text, (size_t)CEXPR_MAX_TEXT + 1);
	if (len > CEXPR_MAX_TEXT) {
		error_set(err, "expression longer than %u bytes", CEXPR_MAX_TEXT);
		return NULL;
	}
	struct cparser ps = { .text = text };
	clex_init(&ps.lx, text);
	struct cexpr *e = parse_expr(&ps);
	if (e != NULL && peek(&ps)->type != CT_EOF) {
		fail_at(&ps, peek(&ps)->off, NULL);
		cexpr_free(e);
		e = NULL;
	}
	if (e == NULL && !ps.failed)
		fail_at(&ps, peek(&ps)->off, NULL);
	clex_release(&ps.lx);
	if (e == NULL)
		set_parse_error(err, &ps, len);
	return e;
}
