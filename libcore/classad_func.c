/*
 * classad_func.c - the built-in function table, and the type, conversion,
 * math and list built-ins.  The string ones are in classad_func_str.c.
 *
 * Each built-in follows HTCondor's classad library: a wrong number of
 * arguments is ERROR; an unknown function parses but evaluates to ERROR;
 * names match without case.  Known differences, deliberate: pow() of two
 * integers is computed exactly (HTCondor rounds through a double and gets
 * pow(-2,3) wrong), stringListMax/Min start from the first item, and
 * conversions of values out of the 64-bit range give ERROR instead of
 * whatever the C cast happens to produce.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "classad_int.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

void
cfunc_eval_args(const struct cctx *cx, struct cexpr *const *args, size_t n,
		struct cval *vals)
{
	for (size_t i = 0; i < n; i++)
		ceval(cx, args[i], &vals[i]);
}

void
cfunc_release_args(struct cval *vals, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cval_release(&vals[i]);
}

/* Evaluates the single argument of a one-argument built-in. */
static void
arg1(const struct cctx *cx, struct cexpr *const *args, struct cval *v)
{
	ceval(cx, args[0], v);
}

/* A real that fits a long long; false for NaN and out-of-range values. */
static bool
real_to_ll(double r, long long *out)
{
	if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0))
		return false;
	*out = (long long)r;
	return true;
}

/* ------------------------------------------------------------------ */
/* Types and control                                                   */
/* ------------------------------------------------------------------ */

static void
cfn_time(const struct cctx *cx, struct cexpr *const *args, size_t n, int mode,
	 struct cval *out)
{
	cval_set_int(out, (long long)time(NULL));
}

/* isUndefined, isError ...: mode is the cval_type tested. */
static void
cfn_is_type(const struct cctx *cx, struct cexpr *const *args, size_t n,
	    int mode, struct cval *out)
{
	struct cval v = { 0 };
	arg1(cx, args, &v);
	cval_set_bool(out, (int)v.type == mode);
	cval_release(&v);
}

static void
cfn_if_then_else(const struct cctx *cx, struct cexpr *const *args, size_t n,
		 int mode, struct cval *out)
{
	struct cval c = { 0 };
	bool b;
	arg1(cx, args, &c);
	if (c.type == CVAL_UNDEFINED)
		cval_set_undefined(out);
	else if (!cval_bool_equiv(&c, &b))
		cval_set_error(out);
	else
		ceval(cx, args[b ? 1 : 2], out);
	cval_release(&c);
}

/* eval(s): parses the string s and evaluates it where eval() stands. */
static void
cfn_eval(const struct cctx *cx, struct cexpr *const *args, size_t n, int mode,
	 struct cval *out)
{
	struct cval v = { 0 }, s = { 0 };
	arg1(cx, args, &v);
	if (!cval_to_string(&v, &s)) {
		cval_set_error(out);
	} else {
		struct cexpr *e = cexpr_parse(s.u.s, NULL);
		if (e == NULL)
			cval_set_error(out);
		else
			ceval(cx, e, out);
		cexpr_free(e);
	}
	cval_release(&s);
	cval_release(&v);
}

/* unparse(Attr): the text of Attr's expression, unevaluated. */
static void
cfn_unparse(const struct cctx *cx, struct cexpr *const *args, size_t n,
	    int mode, struct cval *out)
{
	if (args[0]->kind != CN_ATTR) {
		cval_set_error(out);
		return;
	}
	const struct cattr *a = cx->my ?
		classad_find(cx->my, args[0]->u.attr.name, args[0]->u.attr.hash) : NULL;
	if (a == NULL) {
		cval_set_string(out, "");
		return;
	}
	char *text = cexpr_to_text(cattr_expr(a));
	cval_take_string(out, text, strlen(text));
}

static void
cfn_debug(const struct cctx *cx, struct cexpr *const *args, size_t n, int mode,
	  struct cval *out)
{
	arg1(cx, args, out);
}

/* ------------------------------------------------------------------ */
/* Conversions                                                         */
/* ------------------------------------------------------------------ */

/* Converts to a real as real() and the math functions do; false (with
 * *out UNDEFINED or ERROR) if v has no numeric reading. */
static bool
to_real(const struct cval *v, double *out, struct cval *bad)
{
	double num, scale;
	switch (v->type) {
	case CVAL_INT: *out = (double)v->u.i; return true;
	case CVAL_REAL: *out = v->u.r; return true;
	case CVAL_BOOL: *out = v->u.b ? 1.0 : 0.0; return true;
	case CVAL_STRING:
		if (cval_parse_number(v->u.s, &num, &scale)) {
			*out = num * scale;
			return true;
		}
		break;
	case CVAL_UNDEFINED:
		cval_set_undefined(bad);
		return false;
	default:
		break;
	}
	cval_set_error(bad);
	return false;
}

/* Converts to an integer as int() does; false (with *bad UNDEFINED or
 * ERROR) if v has no integer reading. */
static bool
to_int(const struct cval *v, long long *out, struct cval *bad)
{
	double num, scale;
	switch (v->type) {
	case CVAL_INT: *out = v->u.i; return true;
	case CVAL_BOOL: *out = v->u.b; return true;
	case CVAL_REAL:
		if (real_to_ll(v->u.r, out))
			return true;
		break;
	case CVAL_STRING:	/* HTCondor truncates before scaling: "2.5K" is 2048 */
		if (cval_parse_number(v->u.s, &num, &scale) && real_to_ll(num, out) &&
		    real_to_ll((double)*out * scale, out))
			return true;
		break;
	case CVAL_UNDEFINED:
		cval_set_undefined(bad);
		return false;
	default:
		break;
	}
	cval_set_error(bad);
	return false;
}

static void
cfn_int(const struct cctx *cx, struct cexpr *const *args, size_t n, int mode,
	struct cval *out)
{
	struct cval v = { 0 };
	long long i;
	arg1(cx, args, &v);
	if (to_int(&v, &i, out))
		cval_set_int(out, i);
	cval_release(&v);
}

static void
cfn_real(const struct cctx *cx, struct cexpr *const *args, size_t n, int mode,
	 struct cval *out)
{
	struct cval v = { 0 };
	double r;
	arg1(cx, args, &v);
	if (to_real(&v, &r, out))
		cval_set_real(out, r);
	cval_release(&v);
}

static void
cfn_string(const struct cctx *cx, struct cexpr *const *args, size_t n, int mode,
	   struct cval *out)
{
	struct cval v = { 0 };
	arg1(cx, args, &v);
	cval_to_string(&v, out);
	cval_release(&v);
}

static void
cfn_bool(const struct cctx *cx, struct cexpr *const *args, size_t n, int mode,
	 struct cval *out)
{
	struct cval v = { 0 };
	bool b;
	arg1(cx, args, &v);
	if (v.type == CVAL_UNDEFINED)
		cval_set_undefined(out);
	else if (cval_bool_equiv(&v, &b))
		cval_set_bool(out, b);
	else if (v.type != CVAL_STRING)
		cval_set_error(out);
	else if (strcasecmp(v.u.s, "true") == 0)
		cval_set_bool(out, true);
	else if (strcasecmp(v.u.s, "false") == 0)
		cval_set_bool(out, false);
	else
		cval_set_undefined(out);
	cval_release(&v);
}

/* ------------------------------------------------------------------ */
/* Math                                                                */
/* ------------------------------------------------------------------ */

enum { ROUND_FLOOR, ROUND_CEIL, ROUND_NEAREST };

static void
cfn_round(const struct cctx *cx, struct cexpr *const *args, size_t n, int mode,
	  struct cval *out)
{
	struct cval v = { 0 };
	double r;
	long long i;
	arg1(cx, args, &v);
	if (v.type == CVAL_INT) {
		cval_set_int(out, v.u.i);
	} else if (!to_real(&v, &r, out)) {
		cval_set_error(out);	/* floor(undefined) is ERROR in HTCondor */
	} else {
		r = mode == ROUND_FLOOR ? floor(r) : mode == ROUND_CEIL ? ceil(r) : rint(r);
		real_to_ll(r, &i) ? cval_set_int(out, i) : cval_set_error(out);
	}
	cval_release(&v);
}

static long long
ipow(long long base, long long exp)
{
	unsigned long long r = 1, b = (unsigned long long)base;
	while (exp > 0) {
		if (exp & 1)
			r *= b;
		b *= b;
		exp >>= 1;
	}
	return (long long)r;
}

static void
cfn_pow(const struct cctx *cx, struct cexpr *const *args, size_t n, int mode,
	struct cval *out)
{
	struct cval v[2] = { { 0 } };
	double a, b;
	cfunc_eval_args(cx, args, 2, v);
	if (v[0].type == CVAL_INT && v[1].type == CVAL_INT && v[1].u.i >= 0)
		cval_set_int(out, ipow(v[0].u.i, v[1].u.i));
	else if (to_real(&v[0], &a, out) && to_real(&v[1], &b, out))
		cval_set_real(out, pow(a, b));
	else
		cval_set_error(out);
	cfunc_release_args(v, 2);
}

/* quantize(a, b): a rounded up to a multiple of b; with a list b, the
 * first item not smaller than a (or a multiple of the last). */
static void
quantize_to(const struct cval *a, double ra, const struct cval *base,
	    struct cval *out)
{
	double rb;
	if (!to_real(base, &rb, out)) {
		cval_set_error(out);
	} else if (base->type == CVAL_INT) {
		long long ib = base->u.i;
		if (ib == 0 || ib == -1) {
			cval_copy(out, a);
		} else if (a->type == CVAL_INT) {
			long long t = (long long)((unsigned long long)a->u.i +
						  (unsigned long long)ib - 1u);
			cval_set_int(out, (long long)((unsigned long long)(t / ib) *
						      (unsigned long long)ib));
		} else {
			cval_set_real(out, ceil(ra / (double)ib) * (double)ib);
		}
	} else if (rb >= -1e-8 && rb <= 1e-8) {
		cval_copy(out, a);
	} else {
		cval_set_real(out, ceil(ra / rb) * rb);
	}
}

static void
cfn_quantize(const struct cctx *cx, struct cexpr *const *args, size_t n,
	     int mode, struct cval *out)
{
	struct cval v[2] = { { 0 } };
	double ra, rb;
	cfunc_eval_args(cx, args, 2, v);
	if (!to_real(&v[0], &ra, out)) {
		cval_set_error(out);
	} else if (v[1].type != CVAL_LIST) {
		quantize_to(&v[0], ra, &v[1], out);
	} else {
		const struct cval *last = NULL;
		bool done = false;
		for (size_t i = 0; i < v[1].u.list.n && !done; i++) {
			last = &v[1].u.list.items[i];
			if (!to_real(last, &rb, out)) {
				cval_set_error(out);
				done = true;
			} else if (rb >= ra) {
				cval_copy(out, last);
				done = true;
			}
		}
		if (!done && last == NULL)
			cval_copy(out, &v[0]);
		else if (!done)
			quantize_to(&v[0], ra, last, out);
	}
	cfunc_release_args(v, 2);
}

static void
cfn_abs(const struct cctx *cx, struct cexpr *const *args, size_t n, int mode,
	struct cval *out)
{
	struct cval v = { 0 };
	arg1(cx, args, &v);
	if (v.type == CVAL_INT)
		cval_set_int(out, v.u.i < 0 ?
			     (long long)(0ULL - (unsigned long long)v.u.i) : v.u.i);
	else if (v.type == CVAL_REAL)
		cval_set_real(out, fabs(v.u.r));
	else if (v.type == CVAL_UNDEFINED)
		cval_set_undefined(out);
	else
		cval_set_error(out);
	cval_release(&v);
}

/* interval(secs): "d+hh:mm:ss", "h:mm:ss", "m:ss" or "s". */
static void
cfn_interval(const struct cctx *cx, struct cexpr *const *args, size_t n,
	     int mode, struct cval *out)
{
	struct cval v = { 0 };
	long long t;
	arg1(cx, args, &v);
	if (!to_int(&v, &t, out) || t < -((long long)1 << 50) || t > ((long long)1 << 50)) {
		cval_set_error(out);
	} else {
		long long days = t / 86400, rest = t % 86400;
		long long h = rest / 3600, m = rest % 3600 / 60, s = rest % 60;
		struct strbuf sb = STRBUF_INIT;
		if (days != 0)
			strbuf_addf(&sb, "%lld+%02lld:%02lld:%02lld", days, llabs(h), llabs(m), llabs(s));
		else if (h != 0)
			strbuf_addf(&sb, "%lld:%02lld:%02lld", h, llabs(m), llabs(s));
		else if (m != 0)
			strbuf_addf(&sb, "%lld:%02lld", m, llabs(s));
		else
			strbuf_addf(&sb, "%lld", s);
		size_t len = sb.len;
		cval_take_string(out, strbuf_detach(&sb, NULL), len);
	}
	cval_release(&v);
}

/* formatTime([t [, fmt]]): strftime in local time, "%c" by default. */
static void
cfn_format_time(const struct cctx *cx, struct cexpr *const *args, size_t n,
		int mode, struct cval *out)
{
	struct cval v[2] = { { 0 } };
	long long t = (long long)time(NULL);
	const char *fmt = "%c";
	cfunc_eval_args(cx, args, n, v);
	bool ok = true;
	if (n >= 1) {
		if (v[0].type == CVAL_INT)
			t = v[0].u.i;
		else if (v[0].type != CVAL_REAL || !real_to_ll(v[0].u.r, &t))
			ok = false;
	}
	if (n == 2) {
		if (v[1].type == CVAL_STRING)
			fmt = v[1].u.s;
		else
			ok = false;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[1024];
	if (ok && localtime_r(&tt, &tm) != NULL) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		size_t len = strftime(buf, sizeof(buf), fmt, &tm);
#pragma GCC diagnostic pop
		buf[len < sizeof(buf) ? len : 0] = '\0';
		cval_set_string(out, buf);
	} else {
		cval_set_error(out);
	}
	cfunc_release_args(v, n);
}

/* ------------------------------------------------------------------ */
/* Lists                                                               */
/* ------------------------------------------------------------------ */

static void
cfn_size(const struct cctx *cx, struct cexpr *const *args, size_t n, int mode,
	 struct cval *out)
{
	struct cval v = { 0 };
	arg1(cx, args, &v);
	if (v.type == CVAL_UNDEFINED)
		cval_set_undefined(out);
	else if (v.type == CVAL_LIST)
		cval_set_int(out, (long long)v.u.list.n);
	else if (v.type == CVAL_STRING)
		cval_set_int(out, (long long)strlen(v.u.s));
	else
		cval_set_error(out);
	cval_release(&v);
}

/* member(x, list) compares with ==, identicalMember with =?=. */
static void
cfn_member(const struct cctx *cx, struct cexpr *const *args, size_t n, int mode,
	   struct cval *out)
{
	struct cval v[2] = { { 0 } };
	enum cop op = mode ? COP_META_EQ : COP_EQ;
	cfunc_eval_args(cx, args, 2, v);
	if (v[1].type == CVAL_UNDEFINED || (!mode && v[0].type == CVAL_UNDEFINED)) {
		cval_set_undefined(out);
	} else if (v[1].type != CVAL_LIST || v[0].type == CVAL_LIST ||
		   (!mode && v[0].type == CVAL_ERROR)) {
		cval_set_error(out);
	} else {
		cval_set_bool(out, false);
		for (size_t i = 0; i < v[1].u.list.n; i++) {
			struct cval r = { 0 };
			ceval_compare(op, &v[1].u.list.items[i], &v[0], &r);
			bool hit = r.type == CVAL_BOOL && r.u.b;
			if (hit) {
				cval_set_bool(out, true);
				break;
			}
		}
	}
	cfunc_release_args(v, 2);
}

enum { AGG_SUM, AGG_AVG, AGG_MIN, AGG_MAX };

/* sum, avg, min, max over a list of numbers. */
static void
cfn_aggregate(const struct cctx *cx, struct cexpr *const *args, size_t n,
	      int mode, struct cval *out)
{
	struct cval v = { 0 }, acc = { 0 };
	arg1(cx, args, &v);
	if (v.type == CVAL_UNDEFINED) {
		cval_set_undefined(out);
	} else if (v.type != CVAL_LIST) {
		cval_set_error(out);
	} else {
		size_t len = v.u.list.n;
		if (mode == AGG_SUM)
			cval_set_int(&acc, 0);
		for (size_t i = 0; i < len && acc.type != CVAL_ERROR; i++) {
			const struct cval *x = &v.u.list.items[i];
			struct cval t = { 0 };
			if (x->type != CVAL_INT && x->type != CVAL_REAL) {
				cval_set_error(&acc);
			} else if (i == 0) {
				acc = *x;
			} else if (mode == AGG_SUM || mode == AGG_AVG) {
				ceval_arith(COP_ADD, &acc, x, &t);
				acc = t;
			} else {
				ceval_compare(mode == AGG_MIN ? COP_LT : COP_GT, x, &acc, &t);
				if (t.type == CVAL_BOOL && t.u.b)
					acc = *x;
			}
		}
		if (mode == AGG_AVG && acc.type != CVAL_ERROR) {
			struct cval cnt;
			cval_set_real(&cnt, (double)len);
			if (len == 0)
				cval_set_undefined(out);
			else
				ceval_arith(COP_DIV, &acc, &cnt, out);
		} else {
			*out = acc;	/* numbers only: no storage to copy */
		}
	}
	cval_release(&v);
}

/* anyCompare(op, list, x) / allCompare(op, list, x). */
static void
cfn_list_compare(const struct cctx *cx, struct cexpr *const *args, size_t n,
		 int all, struct cval *out)
{
	static const struct { const char *s; enum cop op; } ops[] = {
		{ "<", COP_LT }, { "<=", COP_LE }, { "!=", COP_NE }, { "==", COP_EQ },
		{ ">", COP_GT }, { ">=", COP_GE }, { "is", COP_META_EQ },
		{ "isnt", COP_META_NE },
	};
	struct cval v[3] = { { 0 } };
	int op = -1;
	cfunc_eval_args(cx, args, 3, v);
	for (size_t k = 0; v[0].type == CVAL_STRING && k < sizeof(ops) / sizeof(ops[0]); k++)
		if (strcmp(v[0].u.s, ops[k].s) == 0)
			op = (int)ops[k].op;
	if (v[0].type == CVAL_UNDEFINED || v[1].type == CVAL_UNDEFINED) {
		cval_set_undefined(out);
	} else if (op < 0 || v[1].type != CVAL_LIST) {
		cval_set_error(out);
	} else {
		cval_set_bool(out, all);
		for (size_t i = 0; i < v[1].u.list.n; i++) {
			struct cval r = { 0 };
			ceval_compare((enum cop)op, &v[1].u.list.items[i], &v[2], &r);
			if (r.type != CVAL_BOOL) {
				if (r.type == CVAL_UNDEFINED && !all)
					continue;
				r.type == CVAL_UNDEFINED ? cval_set_bool(out, false) :
					cval_set_error(out);
				break;
			}
			if (r.u.b != all) {
				cval_set_bool(out, !all);
				break;
			}
		}
	}
	cfunc_release_args(v, 3);
}

/* ------------------------------------------------------------------ */
/* The table                                                           */
/* ------------------------------------------------------------------ */

#define VARIADIC 1000

static const struct cfunc {
	const char *name;
	cfunc_fn *fn;
	unsigned char min;
	unsigned short max;
	int mode;
} functions[] = {
	{ "time", cfn_time, 0, 0, 0 },
	{ "isUndefined", cfn_is_type, 1, 1, CVAL_UNDEFINED },
	{ "isError", cfn_is_type, 1, 1, CVAL_ERROR },
	{ "isString", cfn_is_type, 1, 1, CVAL_STRING },
	{ "isInteger", cfn_is_type, 1, 1, CVAL_INT },
	{ "isReal", cfn_is_type, 1, 1, CVAL_REAL },
	{ "isBoolean", cfn_is_type, 1, 1, CVAL_BOOL },
	{ "isList", cfn_is_type, 1, 1, CVAL_LIST },
	{ "isClassAd", cfn_is_type, 1, 1, -1 },
	{ "ifThenElse", cfn_if_then_else, 3, 3, 0 },
	{ "eval", cfn_eval, 1, 1, 0 },
	{ "unparse", cfn_unparse, 1, 1, 0 },
	{ "debug", cfn_debug, 1, 1, 0 },
	{ "int", cfn_int, 1, 1, 0 },
	{ "real", cfn_real, 1, 1, 0 },
	{ "string", cfn_string, 1, 1, 0 },
	{ "bool", cfn_bool, 1, 1, 0 },
	{ "floor", cfn_round, 1, 1, ROUND_FLOOR },
	{ "ceil", cfn_round, 1, 1, ROUND_CEIL },
	{ "ceiling", cfn_round, 1, 1, ROUND_CEIL },
	{ "round", cfn_round, 1, 1, ROUND_NEAREST },
	{ "pow", cfn_pow, 2, 2, 0 },
	{ "quantize", cfn_quantize, 2, 2, 0 },
	{ "abs", cfn_abs, 1, 1, 0 },
	{ "interval", cfn_interval, 1, 1, 0 },
	{ "formatTime", cfn_format_time, 0, 2, 0 },
	{ "size", cfn_size, 1, 1, 0 },
	{ "member", cfn_member, 2, 2, 0 },
	{ "identicalMember", cfn_member, 2, 2, 1 },
	{ "sum", cfn_aggregate, 1, 1, AGG_SUM },
	{ "avg", cfn_aggregate, 1, 1, AGG_AVG },
	{ "min", cfn_aggregate, 1, 1, AGG_MIN },
	{ "max", cfn_aggregate, 1, 1, AGG_MAX },
	{ "anyCompare", cfn_list_compare, 3, 3, 0 },
	{ "allCompare", cfn_list_compare, 3, 3, 1 },
	{ "strcat", cfn_strcat, 0, VARIADIC, 0 },
	{ "join", cfn_join, 0, VARIADIC, 0 },
	{ "substr", cfn_substr, 2, 3, 0 },
	{ "toUpper", cfn_case, 1, 1, 1 },
	{ "toLower", cfn_case, 1, 1, 0 },
	{ "strcmp", cfn_strcmp, 2, 2, 0 },
	{ "stricmp", cfn_strcmp, 2, 2, 1 },
	{ "split", cfn_split, 1, 2, 0 },
	{ "splitUserName", cfn_split_at, 1, 1, 0 },
	{ "splitSlotName", cfn_split_at, 1, 1, 1 },
	{ "stringListSize", cfn_sl_size, 1, 2, 0 },
	{ "stringListSum", cfn_sl_summary, 1, 2, AGG_SUM },
	{ "stringListAvg", cfn_sl_summary, 1, 2, AGG_AVG },
	{ "stringListMin", cfn_sl_summary, 1, 2, AGG_MIN },
	{ "stringListMax", cfn_sl_summary, 1, 2, AGG_MAX },
	{ "stringListMember", cfn_sl_member, 2, 3, 0 },
	{ "stringListIMember", cfn_sl_member, 2, 3, 1 },
	{ "stringListSubsetMatch", cfn_sl_member, 2, 3, 2 },
	{ "stringListISubsetMatch", cfn_sl_member, 2, 3, 3 },
	{ "stringListsIntersect", cfn_sl_intersect, 2, 3, 0 },
	{ "stringListRegexpMember", cfn_sl_regexp_member, 2, 4, 0 },
	{ "regexp", cfn_regexp, 2, 3, 0 },
	{ "regexps", cfn_regexps, 3, 4, 0 },
	{ "replace", cfn_regexps, 3, 4, 1 },
	{ "replaceAll", cfn_regexps, 3, 4, 2 },
	{ "regexpMember", cfn_regexp_member, 2, 3, 0 },
};

int
cfunc_lookup(const char *name, size_t len)
{
	for (size_t k = 0; k < sizeof(functions) / sizeof(functions[0]); k++)
		if (strlen(functions[k].name) == len &&
		    strncasecmp(functions[k].name, name, len) == 0)
			return (int)k;
	return -1;
}

void
cfunc_call(const struct cctx *cx, const struct cexpr *call, struct cval *out)
{
	int k = call->u.call.fn;
	size_t n = call->u.call.n;
	if (k < 0 || n < functions[k].min || n > functions[k].max) {
		cval_set_error(out);
		return;
	}
	functions[k].fn(cx, call->u.call.args, n, functions[k].mode, out);
}
