/*
 * classad_eval.c - evaluating expression trees with HTCondor's semantics.
 *
 * The rules, as HTCondor's classad library implements them:
 *  - Most operators are strict: an ERROR operand gives ERROR, else an
 *    UNDEFINED operand gives UNDEFINED (ERROR wins over UNDEFINED).
 *  - && and || are not: false && x is false and true || x is true without
 *    looking at x; undefined && false is false, undefined || true is true;
 *    otherwise ERROR on the left wins, then whatever the right gives.
 *    Numbers count as booleans (non-zero is true); strings are ERROR.
 *  - ?: is lazy; an UNDEFINED condition gives UNDEFINED, a non-boolean one
 *    ERROR.  "a ?: b" is b when a is UNDEFINED, else a.
 *  - Arithmetic promotes booleans to 0/1 and integers to reals when mixed;
 *    integer division or modulus by zero is ERROR, and so is any real
 *    result that is not finite; % on reals is ERROR; integers wrap.
 *  - == != < <= > >= compare strings without case; comparing a string
 *    with anything but a string is ERROR; lists cannot be compared.
 *  - =?= and =!= ("is", "isnt") never give UNDEFINED: operands of
 *    different types are not identical (1 =?= 1.0 is false), strings
 *    compare with case, UNDEFINED =?= UNDEFINED is true.
 *  - Bitwise operators and shifts take integers only; shift counts are
 *    taken modulo 64.
 *  - An unscoped name is looked up in MY's ad, then its parents, then in
 *    TARGET's; an attribute found in TARGET evaluates with the roles of
 *    the two ads swapped, as in matchmaking.  An attribute that refers to
 *    itself, directly or not, evaluates to ERROR.
 * Every evaluation runs under a nesting limit and a step budget so a
 * hostile ad cannot exhaust the stack or loop for hours: past either,
 * the result is ERROR.
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classad_int.h"
#include "error.h"
#include "xalloc.h"
#include "banned.h"

/* ------------------------------------------------------------------ */
/* Operators                                                           */
/* ------------------------------------------------------------------ */

static bool
is_number(const struct cval *v)
{
	return v->type == CVAL_INT || v->type == CVAL_REAL;
}

static double
as_real(const struct cval *v)
{
	return v->type == CVAL_INT ? (double)v->u.i : v->u.r;
}

/* Booleans become integers for arithmetic and ordering. */
static void
promote_bool(const struct cval *v, struct cval *out)
{
	if (v->type == CVAL_BOOL)
		cval_set_int(out, v->u.b);
	else
		*out = *v;
}

static void
compare_order(enum cop op, int cmp, struct cval *out)
{
	bool r;
	switch (op) {
	case COP_LT: r = cmp < 0; break;
	case COP_LE: r = cmp <= 0; break;
	case COP_GT: r = cmp > 0; break;
	case COP_GE: r = cmp >= 0; break;
	case COP_EQ: case COP_META_EQ: r = cmp == 0; break;
	default: r = cmp != 0; break;
	}
	cval_set_bool(out, r);
}

static void
compare_identical(enum cop op, const struct cval *a, const struct cval *b,
		  struct cval *out)
{
	bool same;
	if (a->type != b->type)
		same = false;
	else if (a->type == CVAL_UNDEFINED || a->type == CVAL_ERROR)
		same = true;
	else if (a->type == CVAL_LIST) {
		cval_set_error(out);	/* as HTCondor: lists are not comparable */
		return;
	} else if (a->type == CVAL_STRING)
		same = strcmp(a->u.s, b->u.s) == 0;
	else if (a->type == CVAL_BOOL)
		same = a->u.b == b->u.b;
	else if (a->type == CVAL_INT)
		same = a->u.i == b->u.i;
	else
		same = a->u.r == b->u.r;
	cval_set_bool(out, op == COP_META_EQ ? same : !same);
}

void
ceval_compare(enum cop op, const struct cval *a, const struct cval *b,
	      struct cval *out)
{
	if (op == COP_META_EQ || op == COP_META_NE) {
		compare_identical(op, a, b, out);
		return;
	}
	if (a->type == CVAL_ERROR || b->type == CVAL_ERROR)
		cval_set_error(out);
	else if (a->type == CVAL_UNDEFINED || b->type == CVAL_UNDEFINED)
		cval_set_undefined(out);
	else if (a->type == CVAL_LIST || b->type == CVAL_LIST)
		cval_set_error(out);
	else if (a->type == CVAL_STRING || b->type == CVAL_STRING) {
		if (a->type != b->type)
			cval_set_error(out);
		else
			compare_order(op, strcasecmp(a->u.s, b->u.s), out);
	} else {
		struct cval x, y;
		promote_bool(a, &x);
		promote_bool(b, &y);
		if (x.type == CVAL_INT && y.type == CVAL_INT)
			compare_order(op, (x.u.i > y.u.i) - (x.u.i < y.u.i), out);
		else {
			double p = as_real(&x), q = as_real(&y);
			/* NaN is neither smaller, larger nor equal */
			if (isnan(p) || isnan(q))
				cval_set_bool(out, op == COP_NE);
			else
				compare_order(op, (p > q) - (p < q), out);
		}
	}
}

static void
arith_int(enum cop op, long long i, long long j, struct cval *out)
{
	unsigned long long a = (unsigned long long)i, b = (unsigned long long)j;
	switch (op) {
	case COP_ADD: cval_set_int(out, (long long)(a + b)); return;
	case COP_SUB: cval_set_int(out, (long long)(a - b)); return;
	case COP_MUL: cval_set_int(out, (long long)(a * b)); return;
	default: break;
	}
	if (j == 0)
		cval_set_error(out);
	else if (j == -1 && i == LLONG_MIN)	/* must not trap; HTCondor's answer */
		cval_set_int(out, op == COP_DIV ? LLONG_MAX : 0);
	else
		cval_set_int(out, op == COP_DIV ? i / j : i % j);
}

static void
arith_real(enum cop op, double p, double q, struct cval *out)
{
	double r;
	switch (op) {
	case COP_ADD: r = p + q; break;
	case COP_SUB: r = p - q; break;
	case COP_MUL: r = p * q; break;
	case COP_DIV:
		if (q == 0.0) {
			cval_set_error(out);
			return;
		}
		r = p / q;
		break;
	default:	/* HTCondor has no real modulus */
		cval_set_error(out);
		return;
	}
	if (isfinite(r))
		cval_set_real(out, r);
	else
		cval_set_error(out);
}

void
ceval_arith(enum cop op, const struct cval *a, const struct cval *b,
	    struct cval *out)
{
	if (a->type == CVAL_ERROR || b->type == CVAL_ERROR) {
		cval_set_error(out);
		return;
	}
	if (a->type == CVAL_UNDEFINED || b->type == CVAL_UNDEFINED) {
		cval_set_undefined(out);
		return;
	}
	struct cval x, y;
	promote_bool(a, &x);
	promote_bool(b, &y);
	if (!is_number(&x) || !is_number(&y))
		cval_set_error(out);
	else if (x.type == CVAL_INT && y.type == CVAL_INT)
		arith_int(op, x.u.i, y.u.i, out);
	else
		arith_real(op, as_real(&x), as_real(&y), out);
}

static void
bitwise(enum cop op, const struct cval *a, const struct cval *b,
	struct cval *out)
{
	if (a->type != CVAL_INT || b->type != CVAL_INT) {
		cval_set_error(out);
		return;
	}
	long long i = a->u.i;
	unsigned long long u = (unsigned long long)i;
	unsigned n = (unsigned)(b->u.i & 63);
	long long r;
	switch (op) {
	case COP_BAND: r = i & b->u.i; break;
	case COP_BOR: r = i | b->u.i; break;
	case COP_BXOR: r = i ^ b->u.i; break;
	case COP_SHL: r = (long long)(u << n); break;
	case COP_USHR: r = (long long)(u >> n); break;
	default:	/* arithmetic shift, sign-filling without relying on >> of negatives */
		r = i >= 0 ? (long long)(u >> n) :
			(long long)~((~u) >> n);
		break;
	}
	cval_set_int(out, r);
}

static void
unary(enum cop op, const struct cval *a, struct cval *out)
{
	bool b;
	if (op == COP_PAREN) {
		cval_copy(out, a);
		return;
	}
	if (a->type == CVAL_ERROR || a->type == CVAL_UNDEFINED) {
		*out = *a;
		return;
	}
	switch (op) {
	case COP_NOT:
		if (cval_bool_equiv(a, &b))
			cval_set_bool(out, !b);
		else
			cval_set_error(out);
		return;
	case COP_BNOT:
		if (a->type == CVAL_INT)
			cval_set_int(out, ~a->u.i);
		else
			cval_set_error(out);
		return;
	case COP_POS:
		if (is_number(a))
			*out = *a;
		else
			cval_set_error(out);
		return;
	default:
		if (a->type == CVAL_INT)
			cval_set_int(out, (long long)(0ULL - (unsigned long long)a->u.i));
		else if (a->type == CVAL_REAL)
			cval_set_real(out, -a->u.r);
		else
			cval_set_error(out);
		return;
	}
}

/* ------------------------------------------------------------------ */
/* Non-strict operators                                                */
/* ------------------------------------------------------------------ */

/* && and ||.  "stop" is the value that decides without looking right
 * (false for &&, true for ||); after that HTCondor's table is: ERROR on
 * the left wins; a left !stop yields the right side; a left UNDEFINED
 * yields stop if the right is stop, else UNDEFINED or the right's ERROR;
 * a right side that is not boolean, UNDEFINED or ERROR is ERROR. */
static void
eval_logical(const struct cctx *cx, const struct cexpr *e, bool stop,
	     struct cval *out)
{
	struct cval a = { 0 }, b = { 0 };
	bool x, y;
	ceval(cx, e->u.op.a, &a);
	bool a_bool = cval_bool_equiv(&a, &x);
	enum cval_type at = a.type;
	cval_release(&a);
	if (a_bool && x == stop) {
		cval_set_bool(out, stop);
		return;
	}
	if (!a_bool && at != CVAL_UNDEFINED) {	/* ERROR, string, list */
		cval_set_error(out);
		return;
	}
	ceval(cx, e->u.op.b, &b);
	bool b_bool = cval_bool_equiv(&b, &y);
	enum cval_type bt = b.type;
	cval_release(&b);
	if (bt == CVAL_UNDEFINED)
		cval_set_undefined(out);
	else if (!b_bool)	/* ERROR, string, list */
		cval_set_error(out);
	else if (a_bool || y == stop)
		cval_set_bool(out, y);
	else
		cval_set_undefined(out);
}

static void
eval_cond(const struct cctx *cx, const struct cexpr *e, struct cval *out)
{
	struct cval c = { 0 };
	bool b;
	ceval(cx, e->u.op.a, &c);
	if (e->op == COP_ELVIS) {
		if (c.type != CVAL_UNDEFINED) {
			*out = c;
			return;
		}
		ceval(cx, e->u.op.b, out);
		return;
	}
	if (c.type == CVAL_UNDEFINED)
		cval_set_undefined(out);
	else if (!cval_bool_equiv(&c, &b))
		cval_set_error(out);
	else
		ceval(cx, b ? e->u.op.b : e->u.op.c, out);
	cval_release(&c);
}

static void
eval_subscript(const struct cval *list, const struct cval *idx, struct cval *out)
{
	if (list->type == CVAL_ERROR || idx->type == CVAL_ERROR)
		cval_set_error(out);
	else if (list->type == CVAL_UNDEFINED || idx->type == CVAL_UNDEFINED)
		cval_set_undefined(out);
	else if (list->type != CVAL_LIST || idx->type != CVAL_INT ||
		 idx->u.i < 0 || (unsigned long long)idx->u.i >= list->u.list.n)
		cval_set_error(out);
	else
		cval_copy(out, &list->u.list.items[idx->u.i]);
}

static void
eval_op(const struct cctx *cx, const struct cexpr *e, struct cval *out)
{
	enum cop op = (enum cop)e->op;
	struct cval a = { 0 }, b = { 0 };

	switch (op) {
	case COP_AND:
		eval_logical(cx, e, false, out);
		return;
	case COP_OR:
		eval_logical(cx, e, true, out);
		return;
	case COP_COND: case COP_ELVIS:
		eval_cond(cx, e, out);
		return;
	case COP_PAREN:
		ceval(cx, e->u.op.a, out);
		return;
	case COP_NEG: case COP_POS: case COP_NOT: case COP_BNOT:
		ceval(cx, e->u.op.a, &a);
		unary(op, &a, out);
		cval_release(&a);	/* unary only moved values without storage */
		return;
	default:
		break;
	}
	ceval(cx, e->u.op.a, &a);
	ceval(cx, e->u.op.b, &b);
	switch (op) {
	case COP_MUL: case COP_DIV: case COP_MOD: case COP_ADD: case COP_SUB:
		ceval_arith(op, &a, &b, out);
		break;
	case COP_LT: case COP_LE: case COP_GT: case COP_GE:
	case COP_EQ: case COP_NE: case COP_META_EQ: case COP_META_NE:
		ceval_compare(op, &a, &b, out);
		break;
	case COP_SUBSCRIPT:
		eval_subscript(&a, &b, out);
		break;
	default:	/* bitwise and shifts: strict, integers only */
		if (a.type == CVAL_ERROR || b.type == CVAL_ERROR)
			cval_set_error(out);
		else if (a.type == CVAL_UNDEFINED || b.type == CVAL_UNDEFINED)
			cval_set_undefined(out);
		else
			bitwise(op, &a, &b, out);
		break;
	}
	cval_release(&a);
	cval_release(&b);
}

/* ------------------------------------------------------------------ */
/* Attribute references                                                */
/* ------------------------------------------------------------------ */

static bool
in_progress(const struct cstate *st, const struct cattr *a,
	    const struct classad *my)
{
	for (const struct cframe *f = st->frames; f; f = f->up)
		if (f->attr == a && f->my == my)
			return true;
	return false;
}

/* Evaluates attribute a with my/target as the scope it was found in. */
static void
eval_found(const struct cctx *cx, const struct cattr *a,
	   const struct classad *my, const struct classad *target,
	   struct cval *out)
{
	if (in_progress(cx->st, a, my)) {
		cval_set_error(out);
		return;
	}
	struct cframe f = { .attr = a, .my = my, .up = cx->st->frames };
	struct cctx inner = { .my = my, .target = target, .st = cx->st };
	cx->st->frames = &f;
	ceval(&inner, cattr_expr(a), out);
	cx->st->frames = f.up;
}

void
ceval_attr(const struct cctx *cx, enum cscope scope, const char *name,
	   uint32_t hash, struct cval *out)
{
	const struct cattr *a;
	if (scope != CSCOPE_TARGET && cx->my &&
	    (a = classad_find(cx->my, name, hash)) != NULL) {
		eval_found(cx, a, cx->my, cx->target, out);
		return;
	}
	if (scope != CSCOPE_MY && cx->target &&
	    (a = classad_find(cx->target, name, hash)) != NULL) {
		eval_found(cx, a, cx->target, cx->my, out);
		return;
	}
	cval_set_undefined(out);
}

static void
eval_select(const struct cctx *cx, const struct cexpr *e, struct cval *out)
{
	if (e->scope != CSCOPE_NONE) {
		ceval_attr(cx, (enum cscope)e->scope, e->u.sel.name,
			   e->u.sel.hash, out);
		return;
	}
	/* Ads are not values here, so selecting from anything defined is an
	 * error, and from UNDEFINED undefined, as HTCondor has it. */
	struct cval base = { 0 };
	ceval(cx, e->u.sel.base, &base);
	if (base.type == CVAL_UNDEFINED)
		cval_set_undefined(out);
	else
		cval_set_error(out);
	cval_release(&base);
}

static void
eval_list(const struct cctx *cx, const struct cexpr *e, struct cval *out)
{
	size_t n = e->u.list.n, weight = 1;
	struct cval *items = n ? xcalloc(n, sizeof(*items)) : NULL;
	for (size_t i = 0; i < n; i++) {
		ceval(cx, e->u.list.items[i], &items[i]);
		weight += cval_weight(&items[i]);
	}
	memset(out, 0, sizeof(*out));
	out->type = CVAL_LIST;
	out->u.list.items = items;
	out->u.list.n = n;
	if (weight > CVAL_MAX_WEIGHT) {
		cval_release(out);
		cval_set_error(out);
	}
}

void
ceval(const struct cctx *cx, const struct cexpr *e, struct cval *out)
{
	struct cstate *st = cx->st;
	if (st->depth >= CEVAL_MAX_DEPTH || st->steps >= CEVAL_MAX_STEPS) {
		st->steps = CEVAL_MAX_STEPS;	/* once out, stay out */
		cval_set_error(out);
		return;
	}
	st->depth++;
	st->steps++;
	switch (e->kind) {
	case CN_LIT:
		cval_copy(out, &e->u.lit);
		if (e->factor) {
			static const char factors[] = "BKMGT";
			double scale = ldexp(1.0, 10 * (int)(strchr(factors, e->factor) - factors));
			cval_set_real(out, (out->type == CVAL_INT ?
					    (double)out->u.i : out->u.r) * scale);
		}
		break;
	case CN_ATTR:
		ceval_attr(cx, CSCOPE_NONE, e->u.attr.name, e->u.attr.hash, out);
		break;
	case CN_SELECT:
		eval_select(cx, e, out);
		break;
	case CN_OP:
		eval_op(cx, e, out);
		break;
	case CN_CALL:
		cfunc_call(cx, e, out);
		break;
	case CN_LIST:
		eval_list(cx, e, out);
		break;
	}
	st->depth--;
}

void
cexpr_eval(const struct cexpr *e, const struct classad *my,
	   const struct classad *target, struct cval *out)
{
	struct cstate st = { 0 };
	struct cctx cx = { .my = my, .target = target, .st = &st };
	ceval(&cx, e, out);
}

int
cexpr_eval_text(const char *text, const struct classad *my,
		struct cval *out, struct error *err)
{
	struct cexpr *e = cexpr_parse(text, err);
	if (e == NULL)
		return -1;
	cexpr_eval(e, my, NULL, out);
	cexpr_free(e);
	return 0;
}
