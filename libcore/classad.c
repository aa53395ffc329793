/*
 * classad.c - ClassAd values and printing (unparse) of values and trees.
 *
 * Ownership rule for values: functions that fill a struct cval (the
 * setters, cval_copy's dst, the evaluators' out) overwrite it without
 * releasing what it held, so pass a zero-initialised or released value.
 *
 * Printing follows HTCondor's old-syntax unparser, the one condor_q -l,
 * condor_submit -dump and the job queue use:
 *  - binary operators get one space each side, unary ones none, "is" and
 *    "isnt" print as =?= and =!=, parentheses are kept as written;
 *  - function arguments and list items are joined by "," (lists are
 *    wrapped in "{ " and " }"); names print as written;
 *  - strings are quoted, and only the double quote is escaped (\"): the
 *    old syntax has no other escapes, so "C:\dir" prints as it reads;
 *  - reals print with up to 16 significant digits ("%.16G") and always
 *    show a '.' or an exponent (1.0, 0.5, 1E+20); zero prints as 0.0 or
 *    -0.0; infinities and NaN as real("INF"), real("-INF"), real("NaN").
 * string() and strcat() convert values with HTCondor's *new*-syntax
 * printer instead (reals as "%1.15E"), which is what they do there.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classad_int.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

void
cval_release(struct cval *v)
{
	if (v->type == CVAL_STRING) {
		free(v->u.s);
	} else if (v->type == CVAL_LIST) {
		for (size_t i = 0; i < v->u.list.n; i++)
			cval_release(&v->u.list.items[i]);
		free(v->u.list.items);
	}
	memset(v, 0, sizeof(*v));
}

void
cval_copy(struct cval *dst, const struct cval *src)
{
	if (dst == src)
		return;
	*dst = *src;
	if (src->type == CVAL_STRING) {
		dst->u.s = xstrdup(src->u.s);
	} else if (src->type == CVAL_LIST) {
		size_t n = src->u.list.n;
		dst->u.list.items = n ? xcalloc(n, sizeof(struct cval)) : NULL;
		for (size_t i = 0; i < n; i++)
			cval_copy(&dst->u.list.items[i], &src->u.list.items[i]);
	}
}

void
cval_set_int(struct cval *v, long long i)
{
	memset(v, 0, sizeof(*v));
	v->type = CVAL_INT;
	v->u.i = i;
}

void
cval_set_real(struct cval *v, double r)
{
	memset(v, 0, sizeof(*v));
	v->type = CVAL_REAL;
	v->u.r = r;
}

void
cval_set_bool(struct cval *v, bool b)
{
	memset(v, 0, sizeof(*v));
	v->type = CVAL_BOOL;
	v->u.b = b;
}

void
cval_set_string(struct cval *v, const char *s)
{
	memset(v, 0, sizeof(*v));
	v->type = CVAL_STRING;
	v->u.s = xstrdup(s);
}

void
cval_set_undefined(struct cval *v)
{
	memset(v, 0, sizeof(*v));
	v->type = CVAL_UNDEFINED;
}

void
cval_set_error(struct cval *v)
{
	memset(v, 0, sizeof(*v));
	v->type = CVAL_ERROR;
}

void
cval_take_string(struct cval *v, char *s, size_t len)
{
	if (len > CVAL_MAX_STRING) {
		free(s);
		cval_set_error(v);
		return;
	}
	memset(v, 0, sizeof(*v));
	v->type = CVAL_STRING;
	v->u.s = s;
}

size_t
cval_weight(const struct cval *v)
{
	size_t w = 1;
	if (v->type == CVAL_STRING)
		w += strlen(v->u.s) / 64;
	if (v->type == CVAL_LIST)
		for (size_t i = 0; i < v->u.list.n && w <= CVAL_MAX_WEIGHT; i++)
			w += cval_weight(&v->u.list.items[i]);
	return w;
}

bool
cval_bool_equiv(const struct cval *v, bool *b)
{
	switch (v->type) {
	case CVAL_BOOL:
		*b = v->u.b;
		return true;
	case CVAL_INT:
		*b = v->u.i != 0;
		return true;
	case CVAL_REAL:
		*b = v->u.r != 0.0;
		return true;
	default:
		return false;
	}
}

bool
cval_parse_number(const char *s, double *num, double *scale)
{
	char *end;
	double r = strtod(s, &end);
	if (end == s)
		return false;
	*num = r;
	switch (*end) {
	case 'K': case 'k': *scale = 1024.0; break;
	case 'M': case 'm': *scale = 1024.0 * 1024.0; break;
	case 'G': case 'g': *scale = 1024.0 * 1024.0 * 1024.0; break;
	case 'T': case 't': *scale = 1024.0 * 1024.0 * 1024.0 * 1024.0; break;
	default: *scale = 1.0; break;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Printing values                                                     */
/* ------------------------------------------------------------------ */

void
cval_quote_string(const char *s, struct strbuf *out)
{
	strbuf_addc(out, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			strbuf_addc(out, '\\');
		strbuf_addc(out, *p);
	}
	strbuf_addc(out, '"');
}

/* New-syntax quoting, as string() prints strings inside lists. */
static void
quote_string_new(const char *s, struct strbuf *out)
{
	strbuf_addc(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '\a': strbuf_adds(out, "\\a"); break;
		case '\b': strbuf_adds(out, "\\b"); break;
		case '\f': strbuf_adds(out, "\\f"); break;
		case '\n': strbuf_adds(out, "\\n"); break;
		case '\r': strbuf_adds(out, "\\r"); break;
		case '\t': strbuf_adds(out, "\\t"); break;
		case '\v': strbuf_adds(out, "\\v"); break;
		case '\\': strbuf_adds(out, "\\\\"); break;
		case '"': strbuf_adds(out, "\\\""); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				strbuf_addf(out, "\\%03o", *p);
			else
				strbuf_addc(out, (char)*p);
		}
	}
	strbuf_addc(out, '"');
}

static bool
real_special(double r, struct strbuf *out)
{
	if (r == 0.0)
		strbuf_adds(out, signbit(r) ? "-0.0" : "0.0");
	else if (isnan(r))
		strbuf_adds(out, "real(\"NaN\")");
	else if (isinf(r))
		strbuf_adds(out, r < 0 ? "real(\"-INF\")" : "real(\"INF\")");
	else
		return false;
	return true;
}

void
cval_format_real(double r, struct strbuf *out)
{
	if (real_special(r, out))
		return;
	char buf[64];
	snprintf(buf, sizeof(buf), "%.16G", r);	/* at most ~24 chars */
	strbuf_adds(out, buf);
	if (buf[strcspn(buf, ".Ee")] == '\0')
		strbuf_adds(out, ".0");
}

static void
format_real_new(double r, struct strbuf *out)
{
	if (!real_special(r, out))
		strbuf_addf(out, "%1.15E", r);
}

static void
unparse_value(const struct cval *v, struct strbuf *out, bool newsyntax)
{
	switch (v->type) {
	case CVAL_UNDEFINED:
		strbuf_adds(out, "undefined");
		break;
	case CVAL_ERROR:
		strbuf_adds(out, "error");
		break;
	case CVAL_BOOL:
		strbuf_adds(out, v->u.b ? "true" : "false");
		break;
	case CVAL_INT:
		strbuf_addf(out, "%lld", v->u.i);
		break;
	case CVAL_REAL:
		if (newsyntax)
			format_real_new(v->u.r, out);
		else
			cval_format_real(v->u.r, out);
		break;
	case CVAL_STRING:
		if (newsyntax)
			quote_string_new(v->u.s, out);
		else
			cval_quote_string(v->u.s, out);
		break;
	case CVAL_LIST:
		strbuf_adds(out, "{ ");
		for (size_t i = 0; i < v->u.list.n; i++) {
			if (i)
				strbuf_addc(out, ',');
			unparse_value(&v->u.list.items[i], out, newsyntax);
		}
		strbuf_adds(out, " }");
		break;
	}
}

void
cval_unparse(const struct cval *v, struct strbuf *out)
{
	unparse_value(v, out, false);
}

void
cval_format_plain(const struct cval *v, struct strbuf *out)
{
	if (v->type == CVAL_STRING)
		strbuf_adds(out, v->u.s);
	else
		cval_unparse(v, out);
}

bool
cval_to_string(const struct cval *v, struct cval *out)
{
	if (v->type == CVAL_UNDEFINED || v->type == CVAL_ERROR) {
		*out = *v;
		return false;
	}
	if (v->type == CVAL_STRING) {
		cval_copy(out, v);
		return true;
	}
	struct strbuf sb = STRBUF_INIT;
	unparse_value(v, &sb, true);
	size_t len = sb.len;
	cval_take_string(out, strbuf_detach(&sb, NULL), len);
	return out->type == CVAL_STRING;
}

/* ------------------------------------------------------------------ */
/* Printing expressions                                                */
/* ------------------------------------------------------------------ */

static const char *const op_spelling[] = {
	[COP_NEG] = "-", [COP_POS] = "+", [COP_NOT] = "!", [COP_BNOT] = "~",
	[COP_MUL] = " * ", [COP_DIV] = " / ", [COP_MOD] = " % ",
	[COP_ADD] = " + ", [COP_SUB] = " - ",
	[COP_SHL] = " << ", [COP_SHR] = " >> ", [COP_USHR] = " >>> ",
	[COP_LT] = " < ", [COP_LE] = " <= ", [COP_GT] = " > ", [COP_GE] = " >= ",
	[COP_EQ] = " == ", [COP_NE] = " != ",
	[COP_META_EQ] = " =?= ", [COP_META_NE] = " =!= ",
	[COP_BAND] = " & ", [COP_BXOR] = " ^ ", [COP_BOR] = " | ",
	[COP_AND] = " && ", [COP_OR] = " || ", [COP_ELVIS] = " ?: ",
};

static void
unparse_vec(struct cexpr *const *v, size_t n, struct strbuf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addc(out, ',');
		cexpr_unparse(v[i], out);
	}
}

static void
unparse_op(const struct cexpr *e, struct strbuf *out)
{
	switch (e->op) {
	case COP_PAREN:
		strbuf_addc(out, '(');
		cexpr_unparse(e->u.op.a, out);
		strbuf_addc(out, ')');
		break;
	case COP_NEG: case COP_POS: case COP_NOT: case COP_BNOT:
		strbuf_adds(out, op_spelling[e->op]);
		cexpr_unparse(e->u.op.a, out);
		break;
	case COP_COND:
		cexpr_unparse(e->u.op.a, out);
		strbuf_adds(out, " ? ");
		cexpr_unparse(e->u.op.b, out);
		strbuf_adds(out, " : ");
		cexpr_unparse(e->u.op.c, out);
		break;
	case COP_SUBSCRIPT:
		cexpr_unparse(e->u.op.a, out);
		strbuf_addc(out, '[');
		cexpr_unparse(e->u.op.b, out);
		strbuf_addc(out, ']');
		break;
	default:
		cexpr_unparse(e->u.op.a, out);
		strbuf_adds(out, op_spelling[e->op]);
		cexpr_unparse(e->u.op.b, out);
		break;
	}
}

void
cexpr_unparse(const struct cexpr *e, struct strbuf *out)
{
	switch (e->kind) {
	case CN_LIT:
		cval_unparse(&e->u.lit, out);
		if (e->factor)
			strbuf_addc(out, (char)e->factor);
		break;
	case CN_ATTR:
		strbuf_adds(out, e->u.attr.name);
		break;
	case CN_SELECT:
		cexpr_unparse(e->u.sel.base, out);
		strbuf_addc(out, '.');
		strbuf_adds(out, e->u.sel.name);
		break;
	case CN_OP:
		unparse_op(e, out);
		break;
	case CN_CALL:
		strbuf_adds(out, e->u.call.name);
		strbuf_addc(out, '(');
		unparse_vec(e->u.call.args, e->u.call.n, out);
		strbuf_addc(out, ')');
		break;
	case CN_LIST:
		strbuf_adds(out, "{ ");
		unparse_vec(e->u.list.items, e->u.list.n, out);
		strbuf_adds(out, " }");
		break;
	}
}

char *
cexpr_to_text(const struct cexpr *e)
{
	struct strbuf sb = STRBUF_INIT;
	cexpr_unparse(e, &sb);
	return strbuf_detach(&sb, NULL);
}
