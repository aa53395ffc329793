/*
 * classad.h - ClassAd values, expressions and ads.
 *
 * Owns: the ClassAd expression language as HTCondor's old (unquoted-name)
 * syntax defines it: parsing, evaluation with three-valued logic (UNDEFINED
 * and ERROR propagate as HTCondor specifies), the built-in functions job
 * policies use, and printing an expression back in HTCondor's canonical
 * form ("unparse": binary operators get one space each side, function
 * arguments are joined by "," with no space, strings are double-quoted with
 * backslash escapes, reals always show a decimal point or exponent).
 *
 * A struct classad maps case-insensitive attribute names to expressions.
 * Each attribute keeps its expression text in canonical form and parses it
 * lazily on first evaluation: the job queue loads 100,000 ads and most
 * attributes are never evaluated.  The lazy cache is the only mutation a
 * const ad undergoes; libcore is single-threaded, so this is safe.
 *
 * An ad may have a parent (a proc ad's parent is its cluster ad): lookups
 * that miss in the ad continue in the parent, exactly as HTCondor chains
 * proc ads to cluster ads.  The parent is borrowed and must outlive the ad.
 *
 * Evaluation never fails in the C sense: bad operands yield ERROR values.
 * Only parsing reports through struct error.
 */
#ifndef CONDORLET_CLASSAD_H
#define CONDORLET_CLASSAD_H

#include <stdbool.h>
#include <stddef.h>

struct error;
struct strbuf;

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

enum cval_type {
	CVAL_UNDEFINED = 0,
	CVAL_ERROR,
	CVAL_BOOL,
	CVAL_INT,
	CVAL_REAL,
	CVAL_STRING,
	CVAL_LIST,
};

/*
 * A value owns its string and list storage; release it with cval_release.
 * A zero-initialised struct cval is UNDEFINED and needs no release.
 */
struct cval {
	enum cval_type type;
	union {
		bool b;
		long long i;
		double r;
		char *s;		/* CVAL_STRING: NUL-terminated, owned */
		struct {
			struct cval *items;	/* owned */
			size_t n;
		} list;
	} u;
};

void cval_release(struct cval *v);
void cval_copy(struct cval *dst, const struct cval *src);
void cval_set_int(struct cval *v, long long i);
void cval_set_real(struct cval *v, double r);
void cval_set_bool(struct cval *v, bool b);
void cval_set_string(struct cval *v, const char *s);	/* copies s */
void cval_set_undefined(struct cval *v);
void cval_set_error(struct cval *v);

/* Appends the value in ClassAd syntax: "abc" quoted and escaped, 1.0, true,
 * undefined, error, { 1,2 }. This is what condor_q -l prints. */
void cval_unparse(const struct cval *v, struct strbuf *out);
/* Appends the value as condor_q -af's %v shows it: strings without quotes,
 * everything else as cval_unparse. */
void cval_format_plain(const struct cval *v, struct strbuf *out);
/* Appends a real the way ClassAds print it (always with '.' or 'E'). */
void cval_format_real(double r, struct strbuf *out);
/* Escapes s as a ClassAd string literal, including the quotes. */
void cval_quote_string(const char *s, struct strbuf *out);

/* ------------------------------------------------------------------ */
/* Expressions                                                         */
/* ------------------------------------------------------------------ */

struct cexpr;	/* an immutable parsed expression tree */

/*
 * Parses text as one ClassAd expression.  Returns NULL with err set to a
 * message like "syntax error at offset 7 in 'a + * b'" on failure.  Text
 * longer than CEXPR_MAX_TEXT or nested deeper than CEXPR_MAX_DEPTH is
 * refused (hostile input must not overflow the stack).
 */
#define CEXPR_MAX_TEXT (1u << 20)
#define CEXPR_MAX_DEPTH 200
struct cexpr *cexpr_parse(const char *text, struct error *err);
void cexpr_free(struct cexpr *e);
/* Appends the canonical text of e. */
void cexpr_unparse(const struct cexpr *e, struct strbuf *out);
/* Returns a newly allocated canonical text of e. */
char *cexpr_to_text(const struct cexpr *e);
/* Builds literal expressions (for attributes set from C). */
struct cexpr *cexpr_literal(const struct cval *v);
/* true if e is a literal; then *v gets a copy of the value. */
bool cexpr_is_literal(const struct cexpr *e, struct cval *v);

struct classad;

/*
 * Evaluates e.  Unscoped attribute references resolve in `my` (then its
 * parents), then in `target`; MY.x only in `my`, TARGET.x only in `target`.
 * Either ad may be NULL.  The result is the caller's to release.
 * Self-referential attributes evaluate to ERROR instead of recursing.
 */
void cexpr_eval(const struct cexpr *e, const struct classad *my,
		const struct classad *target, struct cval *out);

/* Convenience: parse text, evaluate against my, release. Returns -1 (err
 * set) only when text does not parse. */
int cexpr_eval_text(const char *text, const struct classad *my,
		    struct cval *out, struct error *err);

/* ------------------------------------------------------------------ */
/* Ads                                                                 */
/* ------------------------------------------------------------------ */

struct classad *classad_new(void);
void classad_free(struct classad *ad);
/* A deep copy of ad's own attributes (the copy has the same parent). */
struct classad *classad_copy(const struct classad *ad);
/* A new parentless ad holding every attribute visible through ad: its
 * own, then its parent's that it does not override. */
struct classad *classad_flatten(const struct classad *ad);

void classad_set_parent(struct classad *ad, const struct classad *parent);
const struct classad *classad_parent(const struct classad *ad);

/*
 * Setters replace an existing attribute of the same name (compared without
 * case; the first spelling of the name is kept).  classad_set_text parses
 * text and stores its canonical form; it returns -1 with err set if text
 * is not an expression, leaving the ad unchanged.
 */
int classad_set_text(struct classad *ad, const char *name, const char *text,
		     struct error *err);
/* Stores text without parsing it; for text already in canonical form, e.g.
 * read back from our own queue file.  Parsed lazily when evaluated. */
void classad_set_text_trusted(struct classad *ad, const char *name,
			      const char *text);
/* Like classad_set_text_trusted, but borrows name and text instead of
 * copying them: both must stay valid and unchanged while the ad holds
 * them.  The queue uses this to give 100,000 procs one copy of a value
 * set on all of them. */
void classad_set_text_borrowed(struct classad *ad, const char *name,
			       const char *text);
void classad_set_expr(struct classad *ad, const char *name, struct cexpr *e); /* takes e */
void classad_set_int(struct classad *ad, const char *name, long long v);
void classad_set_real(struct classad *ad, const char *name, double v);
void classad_set_bool(struct classad *ad, const char *name, bool v);
void classad_set_string(struct classad *ad, const char *name, const char *s);
void classad_set_value(struct classad *ad, const char *name, const struct cval *v);
/* Removes name from the ad itself (not from the parent); true if it was there. */
bool classad_delete(struct classad *ad, const char *name);

/* Own attributes only, in insertion order; i < classad_size(ad). The
 * returned pointers are borrowed and valid until the ad is next changed. */
size_t classad_size(const struct classad *ad);
const char *classad_name_at(const struct classad *ad, size_t i);
const char *classad_text_at(const struct classad *ad, size_t i);

/* Chained lookups (ad, then its parents).  Borrowed; NULL if absent. */
bool classad_has(const struct classad *ad, const char *name);
const char *classad_lookup_text(const struct classad *ad, const char *name);
const struct cexpr *classad_lookup_expr(const struct classad *ad, const char *name);
/* true if name is defined in ad itself (not only in a parent). */
bool classad_has_own(const struct classad *ad, const char *name);

/* Evaluates attribute name in ad (UNDEFINED if absent). */
void classad_eval_attr(const struct classad *ad, const char *name, struct cval *out);
/* Typed getters: true when the attribute evaluates to that type
 * (an INT is accepted as a real, a REAL is truncated for get_int).
 * get_string returns a newly allocated string. */
bool classad_get_int(const struct classad *ad, const char *name, long long *out);
bool classad_get_real(const struct classad *ad, const char *name, double *out);
bool classad_get_bool(const struct classad *ad, const char *name, bool *out);
char *classad_get_string(const struct classad *ad, const char *name);

/* Evaluates a constraint: true only if it evaluates to boolean true
 * (or a non-zero number), as HTCondor's constraint matching does. */
bool classad_matches(const struct cexpr *constraint, const struct classad *ad);

/* Compare attribute names as HTCondor sorts -l output: case-insensitive. */
int classad_name_cmp(const char *a, const char *b);

#endif
