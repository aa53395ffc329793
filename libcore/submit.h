/*
 * submit.h - the submit-description language: HTCondor's condor_submit
 * input turned into job ClassAds.
 *
 * Owns: reading submit descriptions (case-insensitive "name = value"
 * commands, '#' comments, backslash continuations, "+Attr"/"MY.Attr"
 * custom attributes, "include" of other files), lazy macro expansion
 * ($(X), $(X:default), $ENV(), the $F...() family, $INT(), $REAL(),
 * $CHOICE(), $BASENAME(), $DIRNAME(), $SUBSTR(), $RANDOM_INTEGER(),
 * $RANDOM_CHOICE(), $(DOLLAR); $$(...) is left for match time), every
 * form of the queue statement, and the mapping of commands to the job
 * attributes HTCondor gives them.  It produces ads; it never touches the
 * job queue or the event log (cmd/condor_submit.c glues those on).
 *
 * Use: submit_new(), then in HTCondor's order submit_define() for
 * command-line "key=value" arguments, submit_parse_file() (or _text) for
 * the description, submit_append() for -append lines, submit_queue_args()
 * for -queue; then submit_build() once with the cluster id.  Syntax errors
 * are reported by the parse calls, everything else by submit_build().
 *
 * Errors: libcore style - the functions return -1 and leave
 * "file:line: message" in the caller's struct error, the message worded
 * as HTCondor words it ("job.sub:3: hold=yes is invalid, must eval to a
 * boolean.").  A failed build returns no ads at all.
 *
 * Speed: the file is parsed once, the commands are turned into attributes
 * once per queue statement, and for each further proc only the commands
 * whose values depend on per-proc variables (Process, ProcId, Step, Item,
 * ItemIndex/Row, JobId, loop variables, $RANDOM_*()) are evaluated again;
 * only their attributes (plus ProcId and JobStatus, as HTCondor does) go
 * into the proc ads.  Everything else lives once in the cluster ad.
 *
 * Hostile input is bounded by the limits below; exceeding one is an error
 * naming the file and line, never a crash or a hang.
 */
#ifndef CONDORLET_SUBMIT_H
#define CONDORLET_SUBMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct classad;
struct error;
struct knobs;
struct strbuf;

/* Size of a submit description (and of a "queue ... from FILE" list). */
#define SUBMIT_MAX_FILE_SIZE	(64u << 20)
/* One logical line, after joining continuations. */
#define SUBMIT_MAX_LINE		(1u << 20)
/* One macro-expanded value. */
#define SUBMIT_MAX_VALUE	(1u << 20)
/* Nesting of macro references inside macro values (and of includes). */
#define SUBMIT_MAX_DEPTH	32
/* Procs in one cluster unless SUBMIT_MAX_PROCS_IN_CLUSTER lowers it. */
#define SUBMIT_MAX_PROCS	1000000

/*
 * What the submit environment tells the parser.  Strings are copied by
 * submit_new; NULL means "the default" given for each field.
 */
struct submit_config {
	const char *cwd;		/* submit directory; NULL: getcwd() */
	const char *owner;		/* Owner; NULL: "condor" */
	const char *uid_domain;		/* User = owner@uid_domain; NULL: hostname */
	const char *filesystem_domain;	/* FileSystemDomain; NULL: hostname */
	const char *schedd_name;	/* GlobalJobId prefix; NULL: hostname */
	const char *spool;		/* $(SPOOL); NULL: empty */
	const char *arch, *opsys;	/* ARCH, OPSYS; NULL: from uname() */
	char *const *envp;		/* for getenv and $ENV(); NULL: environ */
	time_t now;			/* QDate; 0: time(NULL) */
	long max_procs;			/* per cluster; <= 0: SUBMIT_MAX_PROCS */
	long long max_jobs;		/* -maxjobs; <= 0: no limit */
	int default_max_retries;	/* DEFAULT_JOB_MAX_RETRIES; < 0: 2 */
	bool allow_getenv;		/* SUBMIT_ALLOW_GETENV */
	bool allow_stdin_items;		/* "queue ... from -" may read stdin */
	bool warn_unused;		/* WARN_ON_UNUSED_SUBMIT_FILE_MACROS */
	bool schedd_attrs;		/* add GlobalJobId, TotalSubmitProcs, User */
};

/* Fills c with the defaults (every switch as HTCondor's default). */
void submit_config_init(struct submit_config *c);
/*
 * Fills c from the configuration: SPOOL, ARCH, OPSYS,
 * SUBMIT_MAX_PROCS_IN_CLUSTER,
 * DEFAULT_JOB_MAX_RETRIES, SUBMIT_ALLOW_GETENV,
 * WARN_ON_UNUSED_SUBMIT_FILE_MACROS and, when schedd (a real submit, as
 * opposed to -dry-run), UID_DOMAIN, FILESYSTEM_DOMAIN and FULL_HOSTNAME
 * for the attributes the schedd adds.  The strings it sets are allocated;
 * free them with submit_config_release.
 */
void submit_config_load(struct submit_config *c, const struct knobs *k,
			bool schedd);
void submit_config_release(struct submit_config *c);

struct submit;

struct submit *submit_new(const struct submit_config *cfg);
void submit_free(struct submit *s);

/*
 * Defines one command from the command line, "name=value" (or
 * "+Attr=value", "MY.Attr=value"), as if it were at the top of the file.
 */
int submit_define(struct submit *s, const char *assignment, struct error *err);

/*
 * Reads a submit description.  path "-" reads standard input (then
 * $(SUBMIT_FILE) is empty and "queue from -" is refused).  Syntax errors
 * (a line that is neither a command nor a queue statement, an illegal
 * name, an unterminated item list, NUL bytes, oversized lines) are
 * reported here as "file:line: ...".  May be called once.
 */
int submit_parse_file(struct submit *s, const char *path, struct error *err);
/* The same for text already in memory; name is used in messages and as
 * $(SUBMIT_FILE). */
int submit_parse_text(struct submit *s, const char *name, const char *text,
		      size_t len, struct error *err);

/*
 * -append: a line applied after the file, just before its first queue
 * statement.  A line that is itself a queue statement acts as -queue.
 */
int submit_append(struct submit *s, const char *line, struct error *err);
/* -queue: the arguments of a queue statement the file must not have. */
int submit_queue_args(struct submit *s, const char *args, struct error *err);
/* -batch-name: MY.JobBatchName = "name", which wins over the file. */
int submit_batch_name(struct submit *s, const char *name, struct error *err);

/*
 * The jobs of one cluster.  procs[i] is the proc ad of proc i (ProcId i);
 * its parent is cluster_ad and it holds only ProcId, JobStatus and the
 * attributes that differ from the cluster ad.
 */
struct submit_result {
	int cluster;
	struct classad *cluster_ad;
	struct classad **procs;
	size_t nprocs;
	bool ads_given_away;	/* set by submit_result_disown */
};

/*
 * Runs the description: every queue statement adds procs to one cluster
 * with the given id ($(Cluster)).  On success *out holds the ads (the
 * caller releases them with submit_result_release) - possibly zero procs
 * when every queue statement was empty, which is not an error.  On
 * failure nothing is returned.
 */
int submit_build(struct submit *s, int cluster, struct submit_result *out,
		 struct error *err);
/* Frees the ads (unless disowned) and the array; r is left empty. */
void submit_result_release(struct submit_result *r);
/* The ads now belong to someone else (queue_add_cluster took them);
 * release will free only the array. */
void submit_result_disown(struct submit_result *r);

/*
 * Warnings of the last submit_build, in order, without the "WARNING: "
 * prefix: unused lines and queue variables (HTCondor's "the line 'foo =
 * bar' was unused by condor_submit. Is it a typo?"), empty queue
 * statements, several queue statements.  Borrowed until submit_free.
 */
size_t submit_warning_count(const struct submit *s);
const char *submit_warning_at(const struct submit *s, size_t i);
/* true if the last build found only empty queue statements. */
bool submit_only_empty_queues(const struct submit *s);
/* The name the description was read as ("job.sub", "-"), for messages. */
const char *submit_file_name(const struct submit *s);

/*
 * condor_submit -dry-run text for proc i: a blank line, for proc 0 the
 * cluster ad ("ClusterId=C" first, then Name=value in ClassAd order: by
 * name length, then case-insensitively), then "ProcId=P", "JobStatus=S"
 * and the proc's own attributes in the same order.
 */
void submit_format_dry_run(const struct submit_result *r, size_t i,
			   struct strbuf *out);
/* Writes the -dry-run text of every proc to the file at path (replaced). */
int submit_write_dry_run(const struct submit_result *r, const char *path,
			 struct error *err);
/* condor_submit -verbose text for proc i: "\n** Proc C.P:\n" and every
 * attribute (cluster's included) as "Name = value", sorted by name. */
void submit_format_verbose(const struct submit_result *r, size_t i,
			   struct strbuf *out);

#endif
