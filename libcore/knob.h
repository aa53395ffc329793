/*
 * knob.h - configuration: the knobs HTCondor users know (SPOOL, LOCAL_DIR,
 * NUM_CPUS, ...), read from libconfig files and the environment.
 *
 * Sources, later overriding earlier:
 *   1. compiled-in defaults (see knob.c for the table);
 *   2. $CONDOR_CONFIG if set, else /etc/condorlet/condorlet.conf and then
 *      $XDG_CONFIG_HOME/condorlet/condorlet.conf (~/.config/... if unset);
 *      a missing file is fine, a malformed one is an error naming file:line;
 *   3. every environment variable _CONDOR_<NAME> (prefix in any case).
 * Names are case-insensitive.  Values may reference other knobs as $(NAME)
 * (or $(NAME:default)); expansion happens on lookup, and a reference cycle
 * expands to the empty string instead of looping.
 */
#ifndef CONDORLET_KNOB_H
#define CONDORLET_KNOB_H

#include <stdbool.h>

struct error;
struct knobs;

/* Loads all sources.  Returns NULL with err set ("file:line: message") if a
 * config file exists but cannot be read or parsed. */
struct knobs *knobs_load(struct error *err);
/* Only the compiled-in defaults (for condor_config_val -default); no
 * file or environment is read, so it cannot fail. */
struct knobs *knobs_load_defaults(void);
void knobs_free(struct knobs *k);

/* Expanded value of name (caller frees), or NULL if name is not defined. */
char *knob_get(const struct knobs *k, const char *name);
/* Typed lookups; dflt when undefined or not of that type. */
bool knob_get_bool(const struct knobs *k, const char *name, bool dflt);
long long knob_get_int(const struct knobs *k, const char *name, long long dflt);

/* The raw (unexpanded) value and where it came from: "<default>",
 * "environment (_CONDOR_X)", or a file path with line.  Borrowed; NULL if
 * undefined. */
const char *knob_raw(const struct knobs *k, const char *name);
const char *knob_origin(const struct knobs *k, const char *name, int *line);

/* Iteration in name order for -dump: i < knobs_count(k). */
int knobs_count(const struct knobs *k);
const char *knob_name_at(const struct knobs *k, int i);
/* The config files that were actually read, for -dump and -config. */
int knobs_file_count(const struct knobs *k);
const char *knobs_file_at(const struct knobs *k, int i);

#endif
