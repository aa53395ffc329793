/*
 * common.h - the small helper library every tool links (cmd/libcmd.a).
 *
 * Owns how a tool talks to the user: its name in messages
 * ("condor_q: ..."), warnings and fatal errors on stderr, --help and usage
 * errors, and the final check that stdout really reached its destination
 * (a full disk or a closed pipe must not exit 0).  Decisions belong in
 * libcore; this file only formats and exits.
 */
#ifndef CONDORLET_CMD_COMMON_H
#define CONDORLET_CMD_COMMON_H

#include <stdbool.h>
#include <stdio.h>

struct error;
struct knobs;

/* Sets the program name used in messages from argv[0]'s basename. */
void cmd_init(const char *argv0);
const char *cmd_name(void);

/* "condor_x: message\n" on stderr. */
void cmd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cmd_warn, then exit(1) after flushing stdout. */
_Noreturn void cmd_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For messages HTCondor words with a prefix of its own instead of the
 * program name ("Error: ..."): prefix, the message, newline; exit(1). */
_Noreturn void cmd_die_prefixed(const char *prefix, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints err->msg with the program prefix. */
void cmd_warn_error(const struct error *err);
_Noreturn void cmd_die_error(const struct error *err);

/*
 * Usage text: each tool defines its synopsis lines (exactly the SYNOPSIS of
 * its manual, checked by tests/cli/000-meta.bats) and calls cmd_usage.
 * cmd_usage(stdout, 0) is --help; cmd_usage(stderr, 1) is a usage error.
 */
_Noreturn void cmd_usage(const char *const *synopsis, const char *details,
			 FILE *to, int status);

/*
 * HTCondor's option matching: "-" (or "--") followed by at least min
 * letters of word, e.g. "-con" for "-constraint".  When colon is not NULL
 * the option may carry ":text" (as -af:jh or -dry-run:full) and *colon
 * gets the text after ':' (NULL without one); otherwise the option must
 * end after the letters.
 */
bool cmd_opt(const char *arg, const char *word, size_t min, const char **colon);

/*
 * Freeing a 100,000-job queue just before exit costs the read-only tools a
 * third of their run time in free() calls the kernel makes moot.  Like
 * git's UNLEAK, they skip that teardown, except in AddressSanitizer builds,
 * where the teardown is what lets the leak checker prove nothing leaked.
 */
#if defined(__SANITIZE_ADDRESS__)
#define CMD_FREE_AT_EXIT 1
#else
#define CMD_FREE_AT_EXIT 0
#endif

/* Loads the configuration or exits 1 with the file:line message. */
struct knobs *cmd_load_knobs(void);
/* The knob's expanded value, or exits 1 if it is undefined. */
char *cmd_knob_required(const struct knobs *k, const char *name);

/* The invoking user's login name (from the password database, falling
 * back to $USER, then the uid number).  Caller frees. */
char *cmd_username(void);

/* Flushes and closes stdout; returns 1 (after a message) if anything
 * written to it was lost, else status.  Every tool ends with
 * "return cmd_finish(status);". */
int cmd_finish(int status);

#endif
