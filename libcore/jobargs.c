/*
 * jobargs.c - splitting a job ad's argument and environment strings.
 *
 * The V2 splitter and the sorted environment set are condor_submit's own
 * (submit_args.c, declared in submit_int.h): what condor_submit joins, the
 * starter splits with the same code.  Only the V1 raw forms, which
 * condor_submit never has to split back, are read here.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "classad.h"
#include "error.h"
#include "jobargs.h"
#include "strbuf.h"
#include "submit_int.h"
#include "xalloc.h"
#include "banned.h"

struct jobenv {
	struct envset set;
};

/* Hands over sv's vector (always NULL-terminated, even when empty). */
static char **
detach(struct strvec *sv, size_t *n)
{
	if (sv->v == NULL)
		sv->v = xcalloc(1, sizeof(*sv->v));
	if (n != NULL)
		*n = sv->n;
	char **v = sv->v;
	memset(sv, 0, sizeof(*sv));
	return v;
}

char **
jobargs_split_v1(const char *text, size_t *n)
{
	struct strvec sv = { 0 };
	const char *p = text ? text : "";
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		const char *w = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		strvec_push_n(&sv, w, (size_t)(p - w));
	}
	return detach(&sv, n);
}

char **
jobargs_split_v2(const char *text, size_t *n, struct error *err)
{
	struct strvec sv = { 0 };
	struct strbuf why = STRBUF_INIT;
	if (args_split_v2(text ? text : "", &sv, &why) < 0) {
		error_set(err, "%s", why.buf);
		strbuf_release(&why);
		strvec_clear(&sv);
		return NULL;
	}
	strbuf_release(&why);
	return detach(&sv, n);
}

char **
jobargs_from_ad(const struct classad *job, size_t *n, struct error *err)
{
	char *v2 = classad_get_string(job, "Arguments");
	if (v2 != NULL) {
		char **v = jobargs_split_v2(v2, n, err);
		if (v == NULL)
			error_prefix(err, "job attribute Arguments");
		free(v2);
		return v;
	}
	char *v1 = classad_get_string(job, "Args");
	char **v = jobargs_split_v1(v1, n);
	free(v1);
	return v;
}

void
jobargs_free(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* ---- environment ---- */

struct jobenv *
jobenv_new(void)
{
	return xcalloc(1, sizeof(struct jobenv));
}

void
jobenv_free(struct jobenv *e)
{
	if (e == NULL)
		return;
	envset_release(&e->set);
	free(e);
}

/* One "NAME=value" entry of n bytes, surrounding whitespace ignored. */
static int
add_entry(struct jobenv *e, const char *s, size_t n, struct error *err)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0)
		return 0;
	const char *eq = memchr(s, '=', n);
	if (eq == NULL || eq == s)
		return error_set(err, "missing '=' after environment variable "
				 "name in '%.*s'", (int)(n > 200 ? 200 : n), s);
	char *value = xstrndup(eq + 1, n - (size_t)(eq + 1 - s));
	envset_put(&e->set, s, (size_t)(eq - s), value, true);
	free(value);
	return 0;
}

int
jobenv_parse_v2(struct jobenv *e, const char *text, struct error *err)
{
	size_t n = 0;
	char **words = jobargs_split_v2(text, &n, err);
	if (words == NULL)
		return -1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = add_entry(e, words[i], strlen(words[i]), err);
	jobargs_free(words);
	return rc;
}

int
jobenv_parse_v1(struct jobenv *e, const char *text, char delim,
		struct error *err)
{
	for (const char *p = text ? text : "";;) {
		const char *d = strchr(p, delim);
		size_t n = d ? (size_t)(d - p) : strlen(p);
		if (add_entry(e, p, n, err) < 0)
			return -1;
		if (d == NULL)
			return 0;
		p = d + 1;
	}
}

int
jobenv_from_ad(struct jobenv *e, const struct classad *job, struct error *err)
{
	char *v2 = classad_get_string(job, "Environment");
	if (v2 != NULL) {
		int rc = jobenv_parse_v2(e, v2, err);
		free(v2);
		return rc < 0 ? error_prefix(err, "job attribute Environment") : 0;
	}
	char *v1 = classad_get_string(job, "Env");
	if (v1 == NULL)
		return 0;
	char *delim = classad_get_string(job, "EnvDelim");
	char d = delim != NULL && strlen(delim) == 1 ? delim[0] : ';';
	int rc = jobenv_parse_v1(e, v1, d, err);
	free(delim);
	free(v1);
	return rc < 0 ? error_prefix(err, "job attribute Env") : 0;
}

void
jobenv_set(struct jobenv *e, const char *name, const char *value, bool replace)
{
	envset_put(&e->set, name, strlen(name), value, replace);
}

static int
name_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(char *const *)elem);
}

const char *
jobenv_get(const struct jobenv *e, const char *name)
{
	if (e->set.names.n == 0)
		return NULL;
	char **at = bsearch(name, e->set.names.v, e->set.names.n,
			    sizeof(char *), name_cmp);
	return at ? e->set.values.v[at - e->set.names.v] : NULL;
}

size_t
jobenv_count(const struct jobenv *e)
{
	return e->set.names.n;
}

const char *
jobenv_name_at(const struct jobenv *e, size_t i)
{
	return i < e->set.names.n ? e->set.names.v[i] : NULL;
}

const char *
jobenv_value_at(const struct jobenv *e, size_t i)
{
	return i < e->set.values.n ? e->set.values.v[i] : NULL;
}

char **
jobenv_envp(const struct jobenv *e)
{
	size_t n = e->set.names.n;
	char **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = xasprintf("%s=%s", e->set.names.v[i], e->set.values.v[i]);
	return v;
}
