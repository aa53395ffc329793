/*
 * submit_args.c - HTCondor's two syntaxes for arguments and environment.
 *
 * Old ("V1") syntax is a value that does not start with a double quote:
 * arguments split on whitespace, with \" standing for a literal quote;
 * environment entries separated by ';'.  New ("V2") syntax is a value in
 * double quotes ("" inside is a literal "), split on whitespace, where
 * single quotes group ('' inside is a literal ').  Job ads store V2 "raw"
 * strings: arguments joined by one space, with every run of spaces, tabs,
 * newlines or single quotes inside an argument wrapped in single quotes.
 */
#include "config.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"
#include "submit_int.h"
#include "xalloc.h"
#include "banned.h"

void
strvec_push_n(struct strvec *sv, const char *s, size_t n)
{
	XGROW(sv->v, sv->n + 2, sv->alloc);
	sv->v[sv->n++] = xstrndup(s, n);
	sv->v[sv->n] = NULL;
}

void
strvec_push(struct strvec *sv, const char *s)
{
	strvec_push_n(sv, s, strlen(s));
}

void
strvec_clear(struct strvec *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

/* ---- arguments ---- */

int
args_split_v1(const char *in, struct strvec *out, struct strbuf *why)
{
	struct strbuf arg = STRBUF_INIT;
	bool have = false;
	for (const char *p = in;; p++) {
		if (*p == '\0' || isspace((unsigned char)*p)) {
			if (have)
				strvec_push_n(out, arg.buf, arg.len);
			strbuf_reset(&arg);
			have = false;
			if (*p == '\0')
				break;
		} else if (p[0] == '\\' && p[1] == '"') {
			strbuf_addc(&arg, '"');
			have = true;
			p++;
		} else if (*p == '"') {
			strbuf_addf(why, "Found illegal unescaped double-quote: %s", p);
			strbuf_release(&arg);
			return -1;
		} else {
			strbuf_addc(&arg, *p);
			have = true;
		}
	}
	strbuf_release(&arg);
	return 0;
}

int
args_unquote_v2(const char *in, struct strbuf *out, struct strbuf *why)
{
	size_t n = strlen(in);
	while (n && isspace((unsigned char)in[n - 1]))
		n--;
	if (n < 2 || in[0] != '"' || in[n - 1] != '"') {
		strbuf_addf(why, "Expected a double-quote at the end of: %s", in);
		return -1;
	}
	for (size_t i = 1; i + 1 < n; i++) {
		if (in[i] == '"') {
			if (i + 2 < n && in[i + 1] == '"') {
				strbuf_addc(out, '"');
				i++;
				continue;
			}
			strbuf_addf(why, "Found illegal unescaped double-quote: %s",
				    in + i);
			return -1;
		}
		strbuf_addc(out, in[i]);
	}
	return 0;
}

int
args_split_v2(const char *in, struct strvec *out, struct strbuf *why)
{
	struct strbuf arg = STRBUF_INIT;
	bool have = false;
	for (const char *p = in;; p++) {
		if (*p == '\0' || isspace((unsigned char)*p)) {
			if (have)
				strvec_push_n(out, arg.buf, arg.len);
			strbuf_reset(&arg);
			have = false;
			if (*p == '\0')
				break;
		} else if (*p == '\'') {
			const char *start = p;
			have = true;
			for (p++;; p++) {
				if (*p == '\0') {
					strbuf_addf(why, "Unbalanced single quote starting here: %s",
						    start);
					strbuf_release(&arg);
					return -1;
				}
				if (*p == '\'') {
					if (p[1] != '\'')
						break;
					p++;
				}
				strbuf_addc(&arg, *p);
			}
		} else {
			strbuf_addc(&arg, *p);
			have = true;
		}
	}
	strbuf_release(&arg);
	return 0;
}

static bool
needs_quote(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\'';
}

static void
join_one_v2(const char *a, struct strbuf *out)
{
	if (*a == '\0') {
		strbuf_adds(out, "''");
		return;
	}
	bool in = false;
	for (const char *p = a; *p; p++) {
		bool q = needs_quote(*p);
		if (q && !in)
			strbuf_addc(out, '\'');
		else if (!q && in)
			strbuf_addc(out, '\'');
		in = q;
		if (*p == '\'')
			strbuf_addc(out, '\'');
		strbuf_addc(out, *p);
	}
	if (in)
		strbuf_addc(out, '\'');
}

void
args_join_v2(const struct strvec *args, struct strbuf *out)
{
	for (size_t i = 0; i < args->n; i++) {
		if (i)
			strbuf_addc(out, ' ');
		join_one_v2(args->v[i], out);
	}
}

void
args_join_v1(const struct strvec *args, struct strbuf *out)
{
	for (size_t i = 0; i < args->n; i++) {
		if (i)
			strbuf_addc(out, ' ');
		strbuf_adds(out, args->v[i]);
	}
}

/* ---- environment ---- */

void
envset_release(struct envset *e)
{
	strvec_clear(&e->names);
	strvec_clear(&e->values);
}

/* Index of name, or where it would go (*found false). */
static size_t
env_find(const struct envset *e, const char *name, size_t nlen, bool *found)
{
	size_t lo = 0, hi = e->names.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *m = e->names.v[mid];
		int c = strncmp(m, name, nlen);
		if (c == 0)
			c = m[nlen] == '\0' ? 0 : 1;
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static void
insert_at(struct strvec *sv, size_t at, char *s)
{
	XGROW(sv->v, sv->n + 2, sv->alloc);
	memmove(sv->v + at + 1, sv->v + at, (sv->n - at) * sizeof(*sv->v));
	sv->v[at] = s;
	sv->n++;
	sv->v[sv->n] = NULL;
}

void
envset_put(struct envset *e, const char *name, size_t nlen, const char *value,
	   bool replace)
{
	bool found;
	size_t at = env_find(e, name, nlen, &found);
	if (found) {
		if (replace) {
			free(e->values.v[at]);
			e->values.v[at] = xstrdup(value);
		}
		return;
	}
	insert_at(&e->names, at, xstrndup(name, nlen));
	insert_at(&e->values, at, xstrdup(value));
}

static int
env_entry(struct envset *e, const char *s, size_t n, struct strbuf *why)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0)
		return 0;
	const char *eq = memchr(s, '=', n);
	if (eq == NULL || eq == s) {
		strbuf_addf(why, "Missing '=' after environment variable name in "
			    "'%.*s'", (int)n, s);
		return -1;
	}
	char *v = xstrndup(eq + 1, n - (size_t)(eq + 1 - s));
	envset_put(e, s, (size_t)(eq - s), v, true);
	free(v);
	return 0;
}

int
envset_parse(struct envset *e, const char *in, bool *was_v1, struct strbuf *why)
{
	while (isspace((unsigned char)*in))
		in++;
	if (*in != '"') {
		*was_v1 = true;
		for (const char *p = in;;) {
			const char *d = strchr(p, ';');
			size_t n = d ? (size_t)(d - p) : strlen(p);
			if (env_entry(e, p, n, why) < 0)
				return -1;
			if (d == NULL)
				return 0;
			p = d + 1;
		}
	}
	*was_v1 = false;
	struct strbuf body = STRBUF_INIT;
	struct strvec words = { 0 };
	int rc = args_unquote_v2(in, &body, why);
	if (rc == 0)
		rc = args_split_v2(body.buf, &words, why);
	for (size_t i = 0; rc == 0 && i < words.n; i++)
		rc = env_entry(e, words.v[i], strlen(words.v[i]), why);
	strbuf_release(&body);
	strvec_clear(&words);
	return rc;
}

void
envset_format_v2(const struct envset *e, struct strbuf *out)
{
	struct strbuf one = STRBUF_INIT;
	for (size_t i = 0; i < e->names.n; i++) {
		strbuf_reset(&one);
		strbuf_addf(&one, "%s=%s", e->names.v[i], e->values.v[i]);
		if (i)
			strbuf_addc(out, ' ');
		join_one_v2(one.buf, out);
	}
	strbuf_release(&one);
}

void
envset_format_v1(const struct envset *e, struct strbuf *out)
{
	for (size_t i = 0; i < e->names.n; i++)
		strbuf_addf(out, "%s%s=%s", i ? ";" : "", e->names.v[i],
			    e->values.v[i]);
}

static bool
list_matches(const struct strvec *pats, bool negative, const char *name)
{
	for (size_t i = 0; i < pats->n; i++) {
		const char *p = pats->v[i];
		if ((p[0] == '!') != negative)
			continue;
		if (fnmatch(negative ? p + 1 : p, name, FNM_CASEFOLD) == 0)
			return true;
	}
	return false;
}

void
envset_import(struct envset *e, char *const *envp, const char *matchlist)
{
	struct strvec pats = { 0 };
	bool positive = matchlist == NULL;
	for (const char *p = matchlist; p && *p;) {
		while (*p && (isspace((unsigned char)*p) || *p == ',' || *p == ';'))
			p++;
		const char *w = p;
		while (*p && !isspace((unsigned char)*p) && *p != ',' && *p != ';')
			p++;
		if (p > w) {
			strvec_push_n(&pats, w, (size_t)(p - w));
			positive |= w[0] != '!';
		}
	}
	for (char *const *v = envp; v && *v; v++) {
		const char *eq = strchr(*v, '=');
		if (eq == NULL || eq == *v || strchr(eq, '\n') != NULL)
			continue;
		char *name = xstrndup(*v, (size_t)(eq - *v));
		bool take = matchlist == NULL ||
			    ((!positive || list_matches(&pats, false, name)) &&
			     !list_matches(&pats, true, name));
		if (take)
			envset_put(e, name, strlen(name), eq + 1, false);
		free(name);
	}
	strvec_clear(&pats);
}
