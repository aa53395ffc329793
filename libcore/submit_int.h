/*
 * submit_int.h - what the submit_*.c files share; not installed.
 *
 * The pieces: submit_parse.c turns text into a list of statements
 * (assignments, queue statements, if/else, error/warning), submit_macro.c
 * owns the macro table and expansion, submit_queue.c parses queue
 * arguments and loads their items, submit_args.c converts argument and
 * environment syntax, submit_attrs.c and submit_transfer.c map commands
 * to job attributes, submit_job.c runs one queue statement into cluster
 * and proc ads, and submit.c runs the statements in order.
 */
#ifndef CONDORLET_SUBMIT_INT_H
#define CONDORLET_SUBMIT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "submit.h"

struct classad;
struct error;
struct strbuf;

/* ------------------------------------------------------------------ */
/* Macro table (submit_macro.c)                                        */
/* ------------------------------------------------------------------ */

enum {
	SM_USED = 1,		/* looked up or referenced: no unused warning */
	SM_DEFAULT = 2,		/* built-in default: never warned about */
};

/* One macro: a submit command or a user variable.  name keeps its first
 * spelling; lookups ignore case.  "+Foo" is stored as "MY.Foo". */
struct smacro {
	char *name;
	char *value;		/* raw, unexpanded */
	const char *file;	/* borrowed from struct submit's file names */
	int line;
	unsigned flags;
};

struct mtable {
	struct smacro **slots;	/* open addressing, cap a power of two */
	size_t cap;
	struct smacro **order;	/* definition order, for iteration */
	size_t n, alloc;
};

void mtable_init(struct mtable *t);
void mtable_release(struct mtable *t);
struct smacro *mtable_find(const struct mtable *t, const char *name);
/* Defines or redefines name (the stored value is copied). */
struct smacro *mtable_set(struct mtable *t, const char *name, const char *value,
			  const char *file, int line, unsigned flags);

/* A variable whose value the queue loop sets: Process, Step, loop
 * variables...  value is borrowed (buf for the numeric ones). */
struct slive {
	const char *name;
	const char *value;
	char buf[32];
	bool per_proc;		/* differs between procs of a cluster */
	bool used;
	bool loop_var;		/* a queue statement's variable */
};

/* One expansion: where the text came from (for messages) and whether it
 * consulted anything that differs between procs. */
struct xctx {
	struct submit *s;
	struct error *err;
	const char *file;
	int line;
	bool touched;
	int depth;
	const char *stack[SUBMIT_MAX_DEPTH + 1];
};

void xctx_init(struct xctx *x, struct submit *s, const char *file, int line,
	       struct error *err);
/* Appends text with every macro expanded.  -1 (x->err set) on a
 * reference cycle, too deep nesting, an oversized result or a bad
 * function call. */
int submit_expand(struct xctx *x, const char *text, struct strbuf *out);
/* Looks name up as a macro reference would (live variables first, then
 * the table); marks it used; sets x->touched for per-proc values.
 * Returns the raw value or NULL, and the macro if it is a table entry. */
const char *submit_lookup(struct xctx *x, const char *name, struct smacro **m);

/* ------------------------------------------------------------------ */
/* Statements (submit_parse.c)                                         */
/* ------------------------------------------------------------------ */

enum stmt_kind {
	ST_SET,		/* name = value */
	ST_APPEND,	/* name += value */
	ST_QUEUE,	/* queue args (value), optional inline lines */
	ST_IF,		/* if <value> */
	ST_ELIF,
	ST_ELSE,
	ST_ENDIF,
	ST_ERROR,	/* error : msg */
	ST_WARNING,	/* warning : msg */
};

struct stmt {
	enum stmt_kind kind;
	char *name;
	char *value;
	const char *file;
	int line;
	char **lines;		/* ST_QUEUE: lines of a multi-line "(" list */
	size_t nlines;
	bool has_lines;
};

/* Parses text into s's statement list (appending).  depth counts
 * includes. */
int submit_parse_into(struct submit *s, const char *name, const char *text,
		      size_t len, int depth, struct error *err);
/* true if line (trimmed) starts with queue/iterate/iter as a word; *args
 * points at the arguments. */
bool submit_is_queue_line(const char *line, const char **args);
/* Splits "name = value"; returns a stmt-like pair or -1 with a message. */
int submit_split_assignment(const char *line, char **name, char **value,
			    enum stmt_kind *kind, const char **why);
void stmt_release(struct stmt *st);
/* Canonical macro name for a command name: "+Foo" -> "MY.Foo". */
char *submit_macro_name(const char *name);

/* ------------------------------------------------------------------ */
/* Queue statements (submit_queue.c)                                   */
/* ------------------------------------------------------------------ */

enum qmode { QM_NONE, QM_IN, QM_FROM, QM_MATCHING };
enum qmatch { QMATCH_DEFAULT, QMATCH_FILES, QMATCH_DIRS, QMATCH_ANY };

struct qspec {
	long long count;	/* procs per item */
	char **vars;		/* loop variable names (Item if none given) */
	size_t nvars;
	enum qmode mode;
	enum qmatch match;
	bool slice, has_start, has_end, has_step;
	long long start, end, step;
	char **items;		/* every item, before slicing */
	size_t nitems;
};

/* Parses expanded queue arguments and loads the items (inline lists,
 * files, stdin, globs).  Errors name st's file:line. */
int qspec_load(struct submit *s, const struct stmt *st, const char *args,
	       struct qspec *q, struct error *err);
void qspec_release(struct qspec *q);
/* true if raw queue arguments open a "(" item list continued on the
 * following lines. */
bool submit_queue_wants_lines(const char *args);
/* true if item index ix is selected by the slice. */
bool qspec_selected(const struct qspec *q, size_t ix);
/* Number of procs the statement queues (count x selected items). */
unsigned long long qspec_procs(const struct qspec *q);
/* Splits item into q->nvars fields in buf (reset first); field i starts
 * at offsets[i].  The last variable gets the rest of the line. */
void qspec_split_item(const struct qspec *q, const char *item,
		      struct strbuf *buf, size_t *offsets);

/* ------------------------------------------------------------------ */
/* Arguments and environment (submit_args.c)                           */
/* ------------------------------------------------------------------ */

struct strvec {
	char **v;
	size_t n, alloc;
};
void strvec_push(struct strvec *sv, const char *s);
void strvec_push_n(struct strvec *sv, const char *s, size_t n);
void strvec_clear(struct strvec *sv);

/* Splits V1 (old) argument syntax; -1 with why set on an unescaped '"'. */
int args_split_v1(const char *in, struct strvec *out, struct strbuf *why);
/* Splits V2 syntax (the text inside the outer double quotes, with ""
 * already meaning a literal "); -1 on an unbalanced single quote. */
int args_split_v2(const char *in, struct strvec *out, struct strbuf *why);
/* Strips the outer quotes of a V2 value and undoubles "";  -1 if the
 * value does not end in a quote. */
int args_unquote_v2(const char *in, struct strbuf *out, struct strbuf *why);
/* Joins as HTCondor's V2 raw form (quoting spaces and single quotes). */
void args_join_v2(const struct strvec *args, struct strbuf *out);
/* Joins as V1 raw form (single spaces). */
void args_join_v1(const struct strvec *args, struct strbuf *out);

/* An environment being built: names and values in name order. */
struct envset {
	struct strvec names, values;
};
void envset_release(struct envset *e);
/* Sets name=value; an existing name keeps its value unless replace. */
void envset_put(struct envset *e, const char *name, size_t nlen,
		const char *value, bool replace);
/* Parses V1 (';'-separated) or V2 (quoted) environment syntax. */
int envset_parse(struct envset *e, const char *in, bool *was_v1,
		 struct strbuf *why);
void envset_format_v2(const struct envset *e, struct strbuf *out);
void envset_format_v1(const struct envset *e, struct strbuf *out);
/* Imports the submitter's environment: every variable (all) or those the
 * matchlist selects; names already set win; values with newlines are
 * skipped. */
void envset_import(struct envset *e, char *const *envp, const char *matchlist);

/* ------------------------------------------------------------------ */
/* Jobs (submit_attrs.c and submit.c)                                  */
/* ------------------------------------------------------------------ */

struct sjob;
typedef int (*sj_handler_fn)(struct sjob *j, const void *arg);

struct sj_handler {
	sj_handler_fn fn;
	const void *arg;
};

/* Everything a command handler sees while it fills an ad. */
struct sjob {
	struct submit *s;
	struct error *err;
	const struct stmt *queue;	/* the queue statement being run */
	struct classad *ad;		/* where attributes go */
	bool touched;			/* current handler read a per-proc value */
	int handler;			/* index of the running handler */
	/* where the last key came from, for messages */
	const char *key_file;
	int key_line;
	/* bookkeeping of which handler wrote which attribute */
	bool recording;
	struct sj_write *writes;
	size_t nwrites, awrites;
	struct sj_owner *owners;	/* sorted by name; only when !recording */
	size_t nowners;
	/* values derived by handlers, with whether they vary per proc */
	bool failed;			/* a lookup failed (err is set) */
	char *iwd;
	bool iwd_varying;
	long long exe_kb;		/* size of the executable */
	bool exe_varying;
	int status;			/* JobStatus */
	int universe;
};

struct sj_write {
	int handler;
	char *name;
};

struct sj_owner {
	const char *name;
	int handler;
};

/* The handler table for one queue statement: the fixed commands, then
 * one handler per MY.* macro, then Requirements.  Caller frees. */
struct sj_handler *submit_handlers(struct submit *s, size_t *n);
void submit_handlers_free(struct sj_handler *h, size_t n);
/* The attributes every job has before any command (MyType, QDate...). */
void submit_base_attrs(struct submit *s, struct classad *ad);

/*
 * Helpers handlers use (submit.c).  names lists the spellings a command
 * may have, "submit_key|AttrName"; the first that is defined is used, and
 * messages name the first.  sj_param returns the expanded value (caller
 * frees) or NULL when undefined or empty; on an expansion error it also
 * returns NULL and sets j->failed.  The typed forms return -1 on a bad
 * value with HTCondor's "key=value is invalid, must eval to ..." message;
 * exists may be NULL.
 */
char *sj_param(struct sjob *j, const char *names);
int sj_param_bool(struct sjob *j, const char *names, bool dflt, bool *out,
		  bool *exists);
int sj_param_int(struct sjob *j, const char *names, long long dflt,
		 long long *out, bool *exists);
/* Makes the next sj_fail name where the first defined spelling of names
 * was defined. */
void sj_locate(struct sjob *j, const char *names);
int sj_fail(struct sjob *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sj_warn(struct sjob *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sj_set_string(struct sjob *j, const char *attr, const char *v);
void sj_set_int(struct sjob *j, const char *attr, long long v);
void sj_set_bool(struct sjob *j, const char *attr, bool v);
void sj_set_real(struct sjob *j, const char *attr, double v);
/* Parses text as an expression; HTCondor's "Parse error in expression"
 * on failure. */
int sj_set_expr(struct sjob *j, const char *attr, const char *text);
/* The job's initial working directory (marks the handler per-proc if the
 * directory is). */
const char *sj_iwd(struct sjob *j);

/* ------------------------------------------------------------------ */
/* The submit object                                                   */
/* ------------------------------------------------------------------ */

enum {
	LV_CLUSTER, LV_CLUSTERID, LV_PROCESS, LV_PROCID, LV_STEP,
	LV_ITEMINDEX, LV_ROW, LV_JOBID, LV_NODE, LV_NBUILTIN
};

struct submit {
	struct submit_config cfg;	/* strings owned (below) */
	char *cwd, *owner, *uid_domain, *fs_domain, *schedd_name, *spool;
	char *arch, *opsys;

	struct mtable macros;
	struct stmt *stmts;
	size_t nstmts, astmts;
	struct stmt *appends;		/* -append lines */
	size_t nappends, aappends;
	struct stmt cmd_queue;		/* -queue */
	bool has_cmd_queue;
	struct strvec files;		/* names statements point into */
	const char *file_name;		/* the description as given */
	bool parsed;
	bool from_stdin;
	int ndefines;

	struct slive live[LV_NBUILTIN + 16];
	size_t nlive;

	struct strvec warnings;
	bool only_empty;
	uint64_t rng;
};

/* "file:line: message" for statement st into err; returns -1. */
int submit_stmt_fail(const struct stmt *st, struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Runs one queue statement, appending its procs to out (submit_job.c). */
int submit_run_queue(struct submit *s, const struct stmt *st,
		     struct submit_result *out, struct error *err);
/* The live values of Process, ProcId, Step, ItemIndex, Row and JobId. */
void submit_set_proc_vars(struct submit *s, int cluster, int proc, size_t step,
			  size_t row);
void submit_set_num(struct slive *l, long long v);
/* Appends a warning unless the same text is already there. */
void submit_warn(struct submit *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "file:line: " prefix (empty when file is NULL). */
void submit_where(struct strbuf *sb, const char *file, int line);
/* A pseudo-random 64-bit number (xorshift, seeded per submit). */
uint64_t submit_random(struct submit *s);

/* dir + "/" + name (name itself if absolute), repeated '/' collapsed;
 * "." and ".." are kept, as HTCondor keeps them.  Caller frees. */
char *submit_full_path(const char *dir, const char *name);
/* "true" (any case) or "1". */
bool submit_is_true(const char *v);
/* Handlers of submit_transfer.c, used in submit_attrs.c's table. */
int submit_h_transfer(struct sjob *j, const void *arg);
int submit_h_checkpoint(struct sjob *j, const void *arg);
int submit_h_sizes(struct sjob *j, const void *arg);
int submit_h_request_custom(struct sjob *j, const void *arg);
int submit_h_requirements(struct sjob *j, const void *arg);

/* Signal names (submit_attrs.c): "SIGTERM" for 15 or "sigterm"; NULL if
 * unknown. */
const char *submit_signal_name(const char *text);

#endif
