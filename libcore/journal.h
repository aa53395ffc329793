/*
 * journal.h - the record format of SPOOL/job_queue.log (internal to the
 * queue module; not installed).
 *
 * A journal is a sequence of transactions.  Each transaction is written
 * as one YAML document in exactly this frame:
 *
 *   ---
 *   seq: 42
 *   ops:
 *   - op: cluster            (a new cluster with its procs)
 *     id: 7
 *     ad:
 *       Cmd: '"/bin/sleep"'
 *     procs: '0-2'
 *     ads:
 *     - {ProcId: '0', Args: '"0"'}
 *   - {op: set, cluster: 7, procs: '0-99999', attrs: {JobStatus: '5'}}
 *   - {op: unset, cluster: 7, procs: '3', attrs: [HoldReason]}
 *   - {op: remove, cluster: 7, procs: '0-3,7'}
 *   - {op: next_cluster, id: 9}
 *   - {op: snapshot, next_cluster: 9}   (forget everything before)
 *   commit: {seq: 42, crc: 1a2b3c4d}
 *   ...
 *
 * The crc is the CRC-32 (IEEE) of the bytes from "---" up to the start of
 * the commit line.  The frame is found and checked textually before the
 * body is handed to libyaml, so a torn or damaged document is recognised
 * without trusting anything inside it.  Attribute values are ClassAd text
 * stored as quoted YAML scalars; bytes outside printable ASCII are written
 * as "\xNN" escapes and read back as the same bytes, so the file is pure
 * ASCII whatever a job's strings hold.
 */
#ifndef CONDORLET_JOURNAL_H
#define CONDORLET_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct classad;
struct error;
struct strbuf;

/* Longest attribute name the journal accepts (libyaml refuses mapping keys
 * longer than 1024 characters, and HTCondor names are short). */
#define JOURNAL_NAME_MAX 255

uint32_t journal_crc32(uint32_t crc, const void *buf, size_t len);
/* true if name is a ClassAd attribute name the journal can store. */
bool journal_name_ok(const char *name);

/* ---- framing ---- */

struct jframe {
	size_t start;		/* offset of "---" */
	size_t body_end;	/* offset of the commit line */
	size_t end;		/* offset just past the final "...\n" */
	unsigned long long seq;
};

/* Returns 1 and fills *f if a complete document with a matching CRC starts
 * at pos, 0 if pos == len, -1 otherwise (torn or damaged). */
int journal_frame(const char *buf, size_t len, size_t pos, struct jframe *f);
/* true if a valid document starts at some line at or after pos. */
bool journal_valid_after(const char *buf, size_t len, size_t pos);

/* ---- parsed documents ---- */

enum jop_type {
	JOP_SNAPSHOT,
	JOP_CLUSTER,
	JOP_NEXT_CLUSTER,
	JOP_SET,
	JOP_UNSET,
	JOP_REMOVE,
};

struct jrange {
	int lo, hi;	/* inclusive, lo <= hi */
};

/* One operation.  Pointers are owned by the op until the consumer takes
 * them (and sets them to NULL); journal_doc_release frees what is left. */
struct jop {
	enum jop_type type;
	int cluster;		/* CLUSTER/SET/UNSET/REMOVE */
	int next;		/* SNAPSHOT/NEXT_CLUSTER */
	struct classad *ad;	/* CLUSTER */
	struct classad **ads;	/* CLUSTER: proc ads, proc ids[i] */
	int *ids;
	size_t nads;
	struct jrange *ranges;	/* SET/UNSET/REMOVE, ascending, disjoint */
	size_t nranges;
	char **names;		/* SET/UNSET */
	char **texts;		/* SET */
	size_t nattrs;
};

struct arena;

struct jdoc {
	unsigned long long seq;
	struct jop *ops;
	size_t nops, alloc;
};

/* Parses the document framed by f (CRC already checked).  The ads'
 * attribute names and texts are copied into arena and lent to the ads
 * (classad_set_text_borrowed), so arena must outlive them.  On failure
 * returns -1 with err naming the byte offset; doc is then empty. */
int journal_parse(const char *buf, const struct jframe *f, struct arena *arena,
		  struct jdoc *doc, struct error *err);
void journal_doc_release(struct jdoc *doc);

/* Parses "0-3,7" (ascending, disjoint, ids 0..INT_MAX). */
int journal_parse_ranges(const char *s, struct jrange **out, size_t *n);

/* ---- writing ---- */

/* Starts a document; returns its start offset in sb, for journal_end. */
size_t journal_begin(struct strbuf *sb, unsigned long long seq);
/* Appends the commit record covering sb->buf[start..]. */
void journal_end(struct strbuf *sb, size_t start, unsigned long long seq);
/* Appends ids (ascending) as a range list, e.g. "0-3,7". */
void journal_add_ranges(struct strbuf *sb, const int *ids, size_t n);
/* "- op: cluster" with its ad; proc ads follow with journal_op_proc.
 * procs is the range text of the ids that follow. */
void journal_op_cluster(struct strbuf *sb, int id, const struct classad *ad,
			const char *procs);
void journal_op_proc(struct strbuf *sb, const struct classad *ad);
/* set: texts[i] is the value of names[i]; unset: texts is NULL. */
void journal_op_attrs(struct strbuf *sb, bool set, int cluster,
		      const char *procs, const char *const *names,
		      const char *const *texts, size_t n);
void journal_op_remove(struct strbuf *sb, int cluster, const char *procs);
void journal_op_next(struct strbuf *sb, bool snapshot, int next);

#endif
