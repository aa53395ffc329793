/*
 * classad_func_str.c - the string, string-list and regular-expression
 * built-ins (see classad_func.c for the table and the general rules).
 *
 * Regular expressions are POSIX extended ones (<regex.h>), as HTCondor
 * builds them where it does not use PCRE; the option string understands
 * "i" (ignore case), and for regexps() "f" (substitute into the full
 * target) and "g" (every match); other option letters are ignored.
 *
 * "String lists" are HTCondor's comma/space separated strings: items are
 * split at any of the delimiter characters, trimmed of white space, and
 * empty items are dropped.
 */
#include "config.h"

#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classad_int.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

/* Finishes a built string: ERROR if it grew too long. */
static void
take_buf(struct strbuf *sb, struct cval *out)
{
	size_t len = sb->len;
	cval_take_string(out, strbuf_detach(sb, NULL), len);
}

/* ------------------------------------------------------------------ */
/* strcat, join, substr, case, strcmp                                  */
/* ------------------------------------------------------------------ */

/* Appends the string form of v; false (out set) at UNDEFINED or ERROR. */
static bool
append_string(struct strbuf *sb, const struct cval *v, struct cval *out)
{
	struct cval s = { 0 };
	if (!cval_to_string(v, &s)) {
		*out = s;
		return false;
	}
	strbuf_adds(sb, s.u.s);
	cval_release(&s);
	if (sb->len > CVAL_MAX_STRING) {
		cval_set_error(out);
		return false;
	}
	return true;
}

void
cfn_strcat(const struct cctx *cx, struct cexpr *const *args, size_t n,
	   int mode, struct cval *out)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		struct cval v = { 0 };
		ceval(cx, args[i], &v);
		bool ok = append_string(&sb, &v, out);
		cval_release(&v);
		if (!ok) {
			strbuf_release(&sb);
			return;
		}
	}
	take_buf(&sb, out);
}

/* Joins parts[1..n) with parts[0] as the separator. */
static void
join_values(const struct cval *parts, size_t n, struct cval *out)
{
	struct strbuf sb = STRBUF_INIT, sep = STRBUF_INIT;
	bool ok = n == 0 || append_string(&sep, &parts[0], out);
	for (size_t i = 1; ok && i < n; i++) {
		if (i > 1)
			strbuf_add(&sb, sep.buf, sep.len);
		ok = append_string(&sb, &parts[i], out);
	}
	if (ok)
		take_buf(&sb, out);
	strbuf_release(&sb);
	strbuf_release(&sep);
}

/* join(sep, list), join(list) or join(sep, a, b, ...). */
void
cfn_join(const struct cctx *cx, struct cexpr *const *args, size_t n, int mode,
	 struct cval *out)
{
	struct cval *v = xcalloc(n ? n : 1, sizeof(*v));
	cfunc_eval_args(cx, args, n, v);
	if (n >= 1 && n <= 2 && v[n - 1].type == CVAL_LIST) {
		const struct cval *list = &v[n - 1];
		struct cval *parts = xcalloc(list->u.list.n + 1, sizeof(*parts));
		if (n == 2)
			parts[0] = v[0];
		else
			parts[0].type = CVAL_STRING, parts[0].u.s = (char *)"";
		if (list->u.list.n)
			memcpy(parts + 1, list->u.list.items, list->u.list.n * sizeof(*parts));
		join_values(parts, list->u.list.n + 1, out);
		free(parts);	/* the parts were borrowed from v */
	} else {
		join_values(v, n, out);
	}
	cfunc_release_args(v, n);
	free(v);
}

/* substr(s, offset [, length]): negative values count from the end. */
void
cfn_substr(const struct cctx *cx, struct cexpr *const *args, size_t n,
	   int mode, struct cval *out)
{
	struct cval v[3] = { { 0 } };
	cfunc_eval_args(cx, args, n, v);
	bool undef = false;
	for (size_t i = 0; i < n; i++)
		undef |= v[i].type == CVAL_UNDEFINED;
	if (undef) {
		cval_set_undefined(out);
	} else if (v[0].type != CVAL_STRING || v[1].type != CVAL_INT ||
		   (n == 3 && v[2].type != CVAL_INT)) {
		cval_set_error(out);
	} else {
		long long alen = (long long)strlen(v[0].u.s);
		long long off = v[1].u.i, len = n == 3 ? v[2].u.i : 0;
		if (off < 0)
			off = off < -alen ? 0 : alen + off;
		else if (off > alen)
			off = alen;
		if (len <= 0)
			len = len < -alen ? 0 : alen - off + len;
		if (len < 0 || (n == 3 && v[2].u.i == 0))
			len = 0;
		if (len > alen - off)
			len = alen - off;
		char *s = xstrndup(v[0].u.s + off, (size_t)len);
		cval_take_string(out, s, (size_t)len);
	}
	cfunc_release_args(v, n);
}

/* toUpper (mode 1) and toLower (mode 0). */
void
cfn_case(const struct cctx *cx, struct cexpr *const *args, size_t n, int mode,
	 struct cval *out)
{
	struct cval v = { 0 };
	ceval(cx, args[0], &v);
	if (cval_to_string(&v, out))
		for (char *p = out->u.s; *p; p++)
			*p = (char)(mode ? toupper((unsigned char)*p) :
				    tolower((unsigned char)*p));
	cval_release(&v);
}

/* strcmp (mode 0) and stricmp (mode 1): -1, 0 or 1. */
void
cfn_strcmp(const struct cctx *cx, struct cexpr *const *args, size_t n,
	   int mode, struct cval *out)
{
	struct cval v[2] = { { 0 } }, s[2] = { { 0 } };
	cfunc_eval_args(cx, args, 2, v);
	if (v[0].type == CVAL_UNDEFINED || v[1].type == CVAL_UNDEFINED) {
		cval_set_undefined(out);
	} else if (!cval_to_string(&v[0], &s[0]) || !cval_to_string(&v[1], &s[1])) {
		cval_set_error(out);
	} else {
		int c = mode ? strcasecmp(s[0].u.s, s[1].u.s) : strcmp(s[0].u.s, s[1].u.s);
		cval_set_int(out, (c > 0) - (c < 0));
	}
	cfunc_release_args(s, 2);
	cfunc_release_args(v, 2);
}

/* ------------------------------------------------------------------ */
/* split                                                               */
/* ------------------------------------------------------------------ */

struct vlist {
	struct cval *items;
	size_t n, alloc;
};

static void
vlist_add(struct vlist *l, const char *s, size_t len)
{
	XGROW(l->items, l->n + 1, l->alloc);
	cval_take_string(&l->items[l->n++], xstrndup(s, len), len);
}

static void
vlist_finish(struct vlist *l, struct cval *out)
{
	memset(out, 0, sizeof(*out));
	out->type = CVAL_LIST;
	out->u.list.items = l->items;
	out->u.list.n = l->n;
}

/*
 * split(s [, seps]): items between separator characters (", \t" by
 * default).  Runs of white space, or white space around one separator,
 * count once; a separator repeated ("a,,b") gives an empty item.
 */
void
cfn_split(const struct cctx *cx, struct cexpr *const *args, size_t n, int mode,
	  struct cval *out)
{
	struct cval v[2] = { { 0 } };
	cfunc_eval_args(cx, args, n, v);
	if (v[0].type != CVAL_STRING || (n == 2 && v[1].type != CVAL_STRING)) {
		cval_set_error(out);
		cfunc_release_args(v, n);
		return;
	}
	const char *s = v[0].u.s, *seps = n == 2 ? v[1].u.s : ", \t";
	size_t len = strlen(s), last = 0;
	int prev = -1;
	struct vlist l = { 0 };
	for (size_t i = 0; *seps && i < len; i++) {
		if (strchr(seps, s[i]) == NULL)
			continue;
		if (i > last)
			vlist_add(&l, s + last, i - last);
		else if (!isspace(prev) && prev == (unsigned char)s[i])
			vlist_add(&l, "", 0);
		if (!isspace((unsigned char)s[i]))
			prev = (unsigned char)s[i];
		last = i + 1;
	}
	if (len > last)
		vlist_add(&l, s + last, len - last);
	vlist_finish(&l, out);
	cfunc_release_args(v, n);
}

/* splitUserName (mode 0) and splitSlotName (mode 1): { before, after }
 * the first '@'; without one, the name is the user or the machine. */
void
cfn_split_at(const struct cctx *cx, struct cexpr *const *args, size_t n,
	     int mode, struct cval *out)
{
	struct cval v = { 0 };
	ceval(cx, args[0], &v);
	if (v.type != CVAL_STRING) {
		cval_set_error(out);
	} else {
		struct vlist l = { 0 };
		const char *at = strchr(v.u.s, '@');
		size_t len = strlen(v.u.s);
		if (at) {
			vlist_add(&l, v.u.s, (size_t)(at - v.u.s));
			vlist_add(&l, at + 1, strlen(at + 1));
		} else {
			vlist_add(&l, mode ? "" : v.u.s, mode ? 0 : len);
			vlist_add(&l, mode ? v.u.s : "", mode ? len : 0);
		}
		vlist_finish(&l, out);
	}
	cval_release(&v);
}

/* ------------------------------------------------------------------ */
/* String lists                                                        */
/* ------------------------------------------------------------------ */

struct sltoks {
	struct { const char *p; size_t n; } *t;
	size_t n, alloc;
};

/* Splits s at any of delims; trim: drop white space around items. */
static void
sl_split(const char *s, const char *delims, bool trim, struct sltoks *out)
{
	memset(out, 0, sizeof(*out));
	while (*s) {
		size_t len = strcspn(s, delims);
		const char *p = s;
		size_t m = len;
		while (trim && m && isspace((unsigned char)*p))
			p++, m--;
		while (trim && m && isspace((unsigned char)p[m - 1]))
			m--;
		if (m) {
			XGROW(out->t, out->n + 1, out->alloc);
			out->t[out->n].p = p;
			out->t[out->n++].n = m;
		}
		s += len;
		if (*s)
			s++;
	}
}

static bool
sl_contains(const struct sltoks *l, const char *item, size_t n, bool nocase)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->t[i].n == n && (nocase ? strncasecmp(l->t[i].p, item, n) :
				      strncmp(l->t[i].p, item, n)) == 0)
			return true;
	return false;
}

/* stringListSize(list [, delims]) */
void
cfn_sl_size(const struct cctx *cx, struct cexpr *const *args, size_t n,
	    int mode, struct cval *out)
{
	struct cval v[2] = { { 0 } };
	cfunc_eval_args(cx, args, n, v);
	if (v[0].type != CVAL_STRING || (n == 2 && v[1].type != CVAL_STRING)) {
		cval_set_error(out);
	} else {
		struct sltoks l;
		sl_split(v[0].u.s, n == 2 ? v[1].u.s : ", ", true, &l);
		cval_set_int(out, (long long)l.n);
		free(l.t);
	}
	cfunc_release_args(v, n);
}

/* stringListSum/Avg/Min/Max(list [, delims]): mode as in classad_func.c
 * (0 sum, 1 avg, 2 min, 3 max).  The result is an integer unless an item
 * is written as a real. */
void
cfn_sl_summary(const struct cctx *cx, struct cexpr *const *args, size_t n,
	       int mode, struct cval *out)
{
	struct cval v[2] = { { 0 } };
	struct sltoks l = { 0 };
	cfunc_eval_args(cx, args, n, v);
	if (v[0].type != CVAL_STRING || (n == 2 && v[1].type != CVAL_STRING)) {
		cval_set_error(out);
		goto done;
	}
	sl_split(v[0].u.s, n == 2 ? v[1].u.s : ", ", true, &l);
	double acc = 0.0;
	bool is_real = false;
	for (size_t i = 0; i < l.n; i++) {
		char *item = xstrndup(l.t[i].p, l.t[i].n), *end;
		double x = strtod(item, &end);
		bool bad = end == item;
		is_real |= strspn(item, "+-0123456789") != l.t[i].n;
		free(item);
		if (bad) {
			cval_set_error(out);
			goto done;
		}
		if (mode <= 1 || i == 0)
			acc = mode <= 1 ? acc + x : x;
		else if (mode == 2 ? x < acc : x > acc)
			acc = x;
	}
	if (l.n == 0) {
		if (mode <= 1)
			cval_set_real(out, 0.0);
		else
			cval_set_undefined(out);
	} else {
		if (mode == 1)
			acc /= (double)l.n;
		if (is_real)
			cval_set_real(out, acc);
		else if (acc >= -9223372036854775808.0 && acc < 9223372036854775808.0)
			cval_set_int(out, (long long)acc);
		else
			cval_set_error(out);
	}
done:
	free(l.t);
	cfunc_release_args(v, n);
}

/*
 * stringListMember(item, list [, delims]) and its variants, by mode:
 * 0 member, 1 IMember (without case), 2 SubsetMatch (every item of the
 * first list is in the second), 3 ISubsetMatch.  UNDEFINED arguments act
 * as empty strings unless both are UNDEFINED.
 */
void
cfn_sl_member(const struct cctx *cx, struct cexpr *const *args, size_t n,
	      int mode, struct cval *out)
{
	struct cval v[3] = { { 0 } };
	cfunc_eval_args(cx, args, n, v);
	bool bad = false;
	for (size_t i = 0; i < n; i++)
		bad |= v[i].type != CVAL_STRING && v[i].type != CVAL_UNDEFINED;
	if (bad) {
		cval_set_error(out);
	} else if (v[0].type == CVAL_UNDEFINED && v[1].type == CVAL_UNDEFINED) {
		cval_set_undefined(out);
	} else {
		const char *item = v[0].type == CVAL_STRING ? v[0].u.s : "";
		const char *list = v[1].type == CVAL_STRING ? v[1].u.s : "";
		const char *delims = n == 3 && v[2].type == CVAL_STRING ?
			v[2].u.s : ", \t\r\n";
		bool nocase = mode & 1, hit = true;
		struct sltoks l, items;
		sl_split(list, delims, true, &l);
		if (mode < 2) {
			hit = sl_contains(&l, item, strlen(item), nocase);
		} else {
			sl_split(item, delims, true, &items);
			for (size_t i = 0; i < items.n && hit; i++)
				hit = sl_contains(&l, items.t[i].p, items.t[i].n, nocase);
			free(items.t);
		}
		free(l.t);
		cval_set_bool(out, hit);
	}
	cfunc_release_args(v, n);
}

/* stringListsIntersect(a, b [, delims]): any item of a is in b. */
void
cfn_sl_intersect(const struct cctx *cx, struct cexpr *const *args, size_t n,
		 int mode, struct cval *out)
{
	struct cval v[3] = { { 0 } };
	bool err = false, undef = false, str = true;
	cfunc_eval_args(cx, args, n, v);
	for (size_t i = 0; i < n; i++) {
		err |= v[i].type == CVAL_ERROR;
		undef |= v[i].type == CVAL_UNDEFINED;
		str &= v[i].type == CVAL_STRING;
	}
	if (err || (!undef && !str)) {
		cval_set_error(out);
	} else if (undef) {
		cval_set_undefined(out);
	} else {
		const char *delims = n == 3 && *v[2].u.s ? v[2].u.s : " ,";
		struct sltoks a, b;
		bool hit = false;
		sl_split(v[0].u.s, delims, false, &a);
		sl_split(v[1].u.s, delims, false, &b);
		for (size_t i = 0; i < a.n && !hit; i++)
			hit = sl_contains(&b, a.t[i].p, a.t[i].n, false);
		free(a.t);
		free(b.t);
		cval_set_bool(out, hit);
	}
	cfunc_release_args(v, n);
}

/* ------------------------------------------------------------------ */
/* Regular expressions                                                 */
/* ------------------------------------------------------------------ */

static bool
re_compile(regex_t *re, const char *pattern, const char *opts, bool nosub)
{
	int flags = REG_EXTENDED | (nosub ? REG_NOSUB : 0);
	if (opts && (strchr(opts, 'i') || strchr(opts, 'I')))
		flags |= REG_ICASE;
	return regcomp(re, pattern, flags) == 0;
}

/* Common argument checks: ERROR first, then UNDEFINED, then types (the
 * first nstr arguments must be strings).  Returns false with out set. */
static bool
re_check_args(const struct cval *v, size_t n, size_t nstr, struct cval *out)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].type == CVAL_ERROR) {
			cval_set_error(out);
			return false;
		}
	for (size_t i = 0; i < n; i++)
		if (v[i].type == CVAL_UNDEFINED) {
			cval_set_undefined(out);
			return false;
		}
	for (size_t i = 0; i < n; i++)
		if (i < nstr && v[i].type != CVAL_STRING) {
			cval_set_error(out);
			return false;
		}
	return true;
}

/* regexp(pattern, target [, options]) */
void
cfn_regexp(const struct cctx *cx, struct cexpr *const *args, size_t n,
	   int mode, struct cval *out)
{
	struct cval v[3] = { { 0 } };
	regex_t re;
	cfunc_eval_args(cx, args, n, v);
	if (re_check_args(v, n, n, out)) {
		if (!re_compile(&re, v[0].u.s, n == 3 ? v[2].u.s : NULL, true)) {
			cval_set_error(out);
		} else {
			cval_set_bool(out, regexec(&re, v[1].u.s, 0, NULL, 0) == 0);
			regfree(&re);
		}
	}
	cfunc_release_args(v, n);
}

#define RE_GROUPS 10

/* Appends the substitution for one match; false on a bad group. */
static bool
re_substitute(struct strbuf *sb, const char *target, const char *repl,
	      const regmatch_t *m)
{
	for (const char *r = repl; *r; r++) {
		if (*r == '\\' && isdigit((unsigned char)r[1])) {
			int g = r[1] - '0';
			r++;
			if (m[g].rm_so < 0)
				return false;
			strbuf_add(sb, target + m[g].rm_so,
				   (size_t)(m[g].rm_eo - m[g].rm_so));
		} else {
			strbuf_addc(sb, *r);
		}
	}
	return true;
}

/* The substitution loop of regexps(): full puts the unmatched text
 * around the matches back, all repeats for every match. */
static void
re_replace(regex_t *re, const char *target, const char *repl, bool full,
	   bool all, struct cval *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t pos = 0, tlen = strlen(target);
	regmatch_t m[RE_GROUPS];
	while (pos <= tlen &&
	       regexec(re, target + pos, RE_GROUPS, m, pos ? REG_NOTBOL : 0) == 0) {
		for (int g = 0; g < RE_GROUPS; g++)
			if (m[g].rm_so >= 0)
				m[g].rm_so += (regoff_t)pos, m[g].rm_eo += (regoff_t)pos;
		if (full)
			strbuf_add(&sb, target + pos, (size_t)m[0].rm_so - pos);
		if (!re_substitute(&sb, target, repl, m) || sb.len > CVAL_MAX_STRING) {
			strbuf_release(&sb);
			cval_set_error(out);
			return;
		}
		pos = (size_t)m[0].rm_eo;
		if (m[0].rm_so == m[0].rm_eo) {	/* empty match: step over one char */
			if (full && pos < tlen)
				strbuf_addc(&sb, target[pos]);
			pos++;
		}
		if (!all)
			break;
	}
	if (full && pos < tlen)
		strbuf_adds(&sb, target + pos);	/* all of it when nothing matched */
	take_buf(&sb, out);
}

/* regexps(pattern, target, substitute [, options]); replace (mode 1) adds
 * "f", replaceAll (mode 2) "fg". */
void
cfn_regexps(const struct cctx *cx, struct cexpr *const *args, size_t n,
	    int mode, struct cval *out)
{
	struct cval v[4] = { { 0 } };
	regex_t re;
	cfunc_eval_args(cx, args, n, v);
	if (re_check_args(v, n, n, out)) {
		const char *opts = n == 4 ? v[3].u.s : "";
		bool full = mode >= 1 || strchr(opts, 'f');
		bool all = mode == 2 || (mode == 0 && strchr(opts, 'g'));
		if (!re_compile(&re, v[0].u.s, opts, false)) {
			cval_set_error(out);
		} else {
			re_replace(&re, v[1].u.s, v[2].u.s, full, all, out);
			regfree(&re);
		}
	}
	cfunc_release_args(v, n);
}

/* regexpMember(pattern, list [, options]): a list item matches.  A list
 * item that is UNDEFINED makes a "no" UNDEFINED; any other non-string is
 * ERROR. */
void
cfn_regexp_member(const struct cctx *cx, struct cexpr *const *args, size_t n,
		  int mode, struct cval *out)
{
	struct cval v[3] = { { 0 } };
	regex_t re;
	cfunc_eval_args(cx, args, n, v);
	if (!re_check_args(v, n, 1, out)) {
		cfunc_release_args(v, n);
		return;
	}
	if (v[1].type != CVAL_LIST || (n == 3 && v[2].type != CVAL_STRING) ||
	    !re_compile(&re, v[0].u.s, n == 3 ? v[2].u.s : NULL, true)) {
		cval_set_error(out);
		cfunc_release_args(v, n);
		return;
	}
	bool maybe = false;
	cval_set_bool(out, false);
	for (size_t i = 0; i < v[1].u.list.n; i++) {
		const struct cval *x = &v[1].u.list.items[i];
		if (x->type == CVAL_UNDEFINED) {
			maybe = true;
		} else if (x->type != CVAL_STRING) {
			cval_set_error(out);
			break;
		} else if (regexec(&re, x->u.s, 0, NULL, 0) == 0) {
			cval_set_bool(out, true);
			break;
		}
	}
	if (maybe && out->type == CVAL_BOOL && !out->u.b)
		cval_set_undefined(out);
	regfree(&re);
	cfunc_release_args(v, n);
}

/* stringListRegexpMember(pattern, list [, delims [, options]]) */
void
cfn_sl_regexp_member(const struct cctx *cx, struct cexpr *const *args,
		     size_t n, int mode, struct cval *out)
{
	struct cval v[4] = { { 0 } };
	regex_t re;
	bool strs = true;
	cfunc_eval_args(cx, args, n, v);
	for (size_t i = 0; i < n; i++)
		strs &= v[i].type == CVAL_STRING;
	if (!strs || !re_compile(&re, v[0].u.s, n == 4 ? v[3].u.s : NULL, true)) {
		cval_set_error(out);
	} else {
		struct sltoks l;
		sl_split(v[1].u.s, n >= 3 ? v[2].u.s : ", ", true, &l);
		cval_set_bool(out, false);
		for (size_t i = 0; i < l.n; i++) {
			char *item = xstrndup(l.t[i].p, l.t[i].n);
			bool hit = regexec(&re, item, 0, NULL, 0) == 0;
			free(item);
			if (hit) {
				cval_set_bool(out, true);
				break;
			}
		}
		if (l.n == 0)
			cval_set_undefined(out);
		free(l.t);
		regfree(&re);
	}
	cfunc_release_args(v, n);
}
