/*
 * history.h - the history file of jobs that left the queue (HTCondor's
 * $(HISTORY), here SPOOL/history), read by condor_history.
 *
 * Format, as HTCondor writes it: each job as its full (flattened) ad, one
 * "Name = value" line per attribute (sorted without case), followed by a
 * banner line
 *
 *   *** Offset = 0 ClusterId = 7 ProcId = 0 Owner = "alice" CompletionDate = 0 CurrentTime = 1732200000
 *
 * where Offset is the byte offset of the ad's first line.  The banner ends
 * an ad; lines after the last banner (a torn append) belong to no ad.
 *
 * Writing is the queue's business (queue_commit appends removed jobs under
 * the queue lock, before the journal records their removal); the writer is
 * declared here so the format lives in one module.  Reading takes no lock:
 * appends are whole ads, and an ad without its banner is not returned.
 */
#ifndef CONDORLET_HISTORY_H
#define CONDORLET_HISTORY_H

#include <time.h>

struct classad;
struct error;

/* Longest line a reader accepts; longer lines are skipped.  An ad larger
 * than HISTORY_AD_MAX is skipped whole. */
#define HISTORY_LINE_MAX (1u << 20)
#define HISTORY_AD_MAX (64u << 20)

/* ---- reading ---- */

enum history_order {
	HISTORY_NEWEST_FIRST,	/* condor_history's default */
	HISTORY_OLDEST_FIRST,	/* condor_history -forwards */
};

struct history;

/*
 * Opens the history file at path and indexes where its ads are (one pass,
 * keeping two offsets per ad, never the whole file).  A missing file is an
 * empty history.  Returns NULL with err set if the file cannot be read.
 */
struct history *history_open(const char *path, enum history_order order,
			     struct error *err);
/*
 * Reads the next ad in the chosen order into *ad (a new parentless ad, the
 * caller's to free).  Lines that are not "Name = expression" are skipped,
 * as an admin may have edited the file.  Returns 1 with an ad, 0 at the
 * end, -1 with err set on a read error.
 */
int history_next(struct history *h, struct classad **ad, struct error *err);
/* Number of complete ads in the file when it was opened. */
size_t history_count(const struct history *h);
void history_close(struct history *h);

/* ---- writing (the queue module, under its lock) ---- */

struct history_writer;

/* Opens path for appending (created 0644).  NULL with err set on failure. */
struct history_writer *history_writer_open(const char *path, struct error *err);
/*
 * Appends job (flattened through its parent) with its banner; now is the
 * CurrentTime.  Output is buffered and written in large pieces; a write
 * error is remembered and reported by history_writer_commit.
 */
void history_writer_add(struct history_writer *w, const struct classad *job,
			int cluster, int proc, time_t now);
/* Writes what is buffered and fdatasyncs.  0, or -1 with err set. */
int history_writer_commit(struct history_writer *w, struct error *err);
/* Cuts the file back to its size at history_writer_open (used when the
 * journal transaction that should follow cannot be written). */
int history_writer_undo(struct history_writer *w, struct error *err);
void history_writer_free(struct history_writer *w);

#endif
