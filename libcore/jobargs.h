/*
 * jobargs.h - a job's command line and environment, from the strings
 * condor_submit stores in its ad.
 *
 * Owns the reading side of HTCondor's argument and environment syntaxes
 * (the writing side is condor_submit's, libcore/submit_args.c, whose
 * splitter this module reuses so that the two can never disagree):
 *
 *   Arguments   "V2 raw": words separated by whitespace; single quotes
 *               group, '' inside them is a literal quote.  Backslash and
 *               double quote are ordinary characters.
 *   Args        "V1 raw": words separated by whitespace, nothing quotes
 *               (a double quote in a word is just a character).
 *   Environment V2 raw: words as in Arguments, each NAME=value.
 *   Env         V1: entries separated by EnvDelim (default ';'), each
 *               NAME=value, surrounding whitespace ignored.
 *
 * Arguments wins over Args and Environment over Env, as in HTCondor's
 * starter.  A vector returned here is NULL-terminated and owned by the
 * caller (jobargs_free).  Functions that can fail return -1 with err
 * naming the attribute and the problem; the text is hostile (a job ad) and
 * is never trusted to be well-formed.
 */
#ifndef CONDORLET_JOBARGS_H
#define CONDORLET_JOBARGS_H

#include <stdbool.h>
#include <stddef.h>

struct classad;
struct error;

/* Splits V1 raw text; cannot fail.  *n (if not NULL) gets the count. */
char **jobargs_split_v1(const char *text, size_t *n);
/* Splits V2 raw text; NULL with err set on an unbalanced single quote. */
char **jobargs_split_v2(const char *text, size_t *n, struct error *err);
/* The job's arguments (Arguments, else Args, else none) without argv[0]. */
char **jobargs_from_ad(const struct classad *job, size_t *n, struct error *err);
/* Frees a vector from this module (NULL is fine). */
void jobargs_free(char **v);

/* An environment: names unique (case-sensitive), kept sorted by name. */
struct jobenv;

struct jobenv *jobenv_new(void);
void jobenv_free(struct jobenv *e);
/* Adds the entries of V2 raw text; entries already present are replaced. */
int jobenv_parse_v2(struct jobenv *e, const char *text, struct error *err);
/* Adds the entries of V1 text separated by delim. */
int jobenv_parse_v1(struct jobenv *e, const char *text, char delim,
		    struct error *err);
/* Adds the job's Environment (else Env with EnvDelim). */
int jobenv_from_ad(struct jobenv *e, const struct classad *job,
		   struct error *err);
/* Sets name=value; an existing name keeps its value unless replace. */
void jobenv_set(struct jobenv *e, const char *name, const char *value,
		bool replace);
/* The value of name (borrowed until e next changes), or NULL. */
const char *jobenv_get(const struct jobenv *e, const char *name);
size_t jobenv_count(const struct jobenv *e);
/* The i-th name and value in name order (i < jobenv_count); borrowed. */
const char *jobenv_name_at(const struct jobenv *e, size_t i);
const char *jobenv_value_at(const struct jobenv *e, size_t i);
/* "NAME=value" strings in name order, NULL-terminated (jobargs_free). */
char **jobenv_envp(const struct jobenv *e);

#endif
