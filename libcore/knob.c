/*
 * knob.c - see knob.h.
 *
 * Deliberate choices:
 *  - The knobs live in one array sorted by name (case-insensitively), so
 *    lookup is a binary search and -dump needs no extra sort.  A name keeps
 *    the spelling of its first definition (the defaults table, usually), so
 *    "_condor_spool" still shows as SPOOL.
 *  - Values are stored raw and expanded on every lookup, as HTCondor does:
 *    a later override of LOCAL_DIR moves SPOOL with it.
 *  - A new definition that mentions its own name ("PATH = $(PATH):/x") is
 *    resolved against the previous definition at once, which is the one
 *    self-reference HTCondor allows; any other reference cycle expands to
 *    the empty string.  Expansion depth and output length are bounded, so a
 *    hostile file can neither hang nor exhaust a tool.
 *  - libconfig groups cannot be knobs and are rejected with file:line;
 *    arrays and lists of scalars become HTCondor's comma-separated lists.
 *  - FULL_HOSTNAME asks the resolver, which may wait on the network; it is
 *    looked up on first use, since most tools never ask for it.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <libconfig.h>

#include "error.h"
#include "fileio.h"
#include "knob.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

#define KNOB_SYSTEM_CONFIG "/etc/condorlet/condorlet.conf"
#define KNOB_ENV_PREFIX "_condor_"
#define KNOB_ORIGIN_DEFAULT "<default>"
/* Bounds on hostile input: nesting of $(NAME) references, the length of
 * one expanded value, and the size of one config file. */
#define KNOB_EXPAND_DEPTH 64
#define KNOB_EXPAND_MAX (256 * 1024)
#define KNOB_EXPAND_STEPS 100000L
#define KNOB_FILE_MAX (16 * 1024 * 1024)

struct knob {
	char *name;   /* display spelling */
	char *raw;    /* NULL only while a lazy default is unresolved */
	char *origin; /* "<default>", "environment (_CONDOR_X)" or a path */
	int line;
	bool lazy_fqdn;
};

struct knobs {
	/* The array is reached through a pointer, so lookups through a const
	 * struct knobs may still fill in a lazy default (see entry_raw). */
	struct knob *v;
	size_t n, alloc;
	char **files;
	size_t nfiles, files_alloc;
};

/* ---- the table ---------------------------------------------------------- */

static size_t
find_pos(const struct knobs *k, const char *name, bool *found)
{
	size_t lo = 0, hi = k->n;
	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcasecmp(k->v[mid].name, name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct knob *
find(const struct knobs *k, const char *name)
{
	bool found;
	size_t i;
	if (name == NULL)
		return NULL;
	i = find_pos(k, name, &found);
	return found ? &k->v[i] : NULL;
}

static void
resolve_fqdn(struct knob *e)
{
	char host[256];
	struct addrinfo hints = { .ai_flags = AI_CANONNAME }, *res = NULL;

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if (strchr(host, '.') == NULL &&
	    getaddrinfo(host, NULL, &hints, &res) == 0 && res != NULL &&
	    res->ai_canonname != NULL && strchr(res->ai_canonname, '.'))
		e->raw = xstrdup(res->ai_canonname);
	else
		e->raw = xstrdup(host);
	if (res != NULL)
		freeaddrinfo(res);
	e->lazy_fqdn = false;
}

static const char *
entry_raw(const struct knob *ce)
{
	/* ce points into k->v, which is never const storage. */
	struct knob *e = (struct knob *)ce;
	if (e->lazy_fqdn)
		resolve_fqdn(e);
	return e->raw;
}

/* The ')' that closes the '(' at open, or NULL. */
static const char *
closing_paren(const char *open, const char *end)
{
	int depth = 0;
	for (const char *p = open; p < end; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p;
	}
	return NULL;
}

/* Replaces each $(NAME) or $(NAME:default) of the knob's own name in raw by
 * the previous raw value of prev (or by the default text if there was
 * none).  prev is only read when raw refers to itself. */
static char *
resolve_self(const char *name, const char *raw, const struct knob *prev)
{
	struct strbuf sb = STRBUF_INIT;
	size_t nlen = strlen(name);
	const char *p = raw, *end = raw + strlen(raw);

	while (p < end) {
		const char *body = NULL, *close = NULL;
		if (p[0] == '$' && p[1] == '(' && strncasecmp(p + 2, name, nlen) == 0) {
			body = p + 2 + nlen;
			if (*body == ')' || *body == ':')
				close = closing_paren(p + 1, end);
		}
		if (close != NULL) {
			if (prev != NULL)
				strbuf_adds(&sb, entry_raw(prev));
			else if (*body == ':')
				strbuf_add(&sb, body + 1, (size_t)(close - body - 1));
			p = close + 1;
			continue;
		}
		strbuf_addc(&sb, *p++);
	}
	return strbuf_detach(&sb, NULL);
}

/* Defines (or redefines) name; takes ownership of nothing. */
static void
knob_define(struct knobs *k, const char *name, const char *raw,
	    const char *origin, int line)
{
	bool found;
	size_t i = find_pos(k, name, &found);
	struct knob *e;

	if (found) {
		e = &k->v[i];
		char *value = resolve_self(name, raw, e);
		free(e->raw);
		free(e->origin);
		e->raw = value;
	} else {
		XGROW(k->v, k->n + 1, k->alloc);
		memmove(&k->v[i + 1], &k->v[i], (k->n - i) * sizeof(*k->v));
		k->n++;
		e = &k->v[i];
		e->name = xstrdup(name);
		e->raw = resolve_self(name, raw, NULL);
	}
	e->origin = xstrdup(origin);
	e->line = line;
	e->lazy_fqdn = false;
}

static void
add_file(struct knobs *k, const char *path)
{
	for (size_t i = 0; i < k->nfiles; i++)
		if (strcmp(k->files[i], path) == 0)
			return;
	XGROW(k->files, k->nfiles + 1, k->files_alloc);
	k->files[k->nfiles++] = xstrdup(path);
}

/* ---- defaults ----------------------------------------------------------- */

static const struct {
	const char *name, *value;
} fixed_defaults[] = {
	{ "SPOOL", "$(LOCAL_DIR)/spool" },
	{ "EXECUTE", "$(LOCAL_DIR)/execute" },
	{ "LOG", "$(LOCAL_DIR)/log" },
	{ "LOCK", "$(LOG)" },
	{ "RUN", "$(LOCK)" },
	{ "HISTORY", "$(SPOOL)/history" },
	{ "DETECTED_CPUS_LIMIT", "$(DETECTED_CPUS)" },
	{ "NUM_CPUS", "$(DETECTED_CPUS_LIMIT)" },
	{ "MINUTE", "60" },
	{ "HOUR", "3600" },
	{ "MachineMaxVacateTime", "600" },
	{ "KILLING_TIMEOUT", "30" },
	{ "PERIODIC_CHECKPOINT", "false" },
	{ "PERIODIC_EXPR_INTERVAL", "60" },
	{ "MAX_PERIODIC_EXPR_INTERVAL", "1200" },
	{ "AUTOSTART_MASTER", "true" },
	{ "QUEUE_SUPER_USERS", "root" },
	{ "UID_DOMAIN", "$(FULL_HOSTNAME)" },
	{ "FILESYSTEM_DOMAIN", "$(FULL_HOSTNAME)" },
	{ "JOB_DEFAULT_REQUESTMEMORY", "128" },
	{ "JOB_DEFAULT_REQUESTDISK",
	  "MAX({1024, (TransferInputSizeMB+1) * 1.25}) * 1024" },
	{ "JOB_DEFAULT_REQUESTCPUS", "1" },
	{ "JOB_DEFAULT_LEASE_DURATION", "2400" },
	{ "DEFAULT_JOB_MAX_RETRIES", "2" },
	{ "CONDOR_Q_ONLY_MY_JOBS", "true" },
	{ "CONDOR_Q_DASH_BATCH_IS_DEFAULT", "true" },
	{ "SUBMIT_SKIP_FILECHECKS", "true" },
	{ "WARN_ON_UNUSED_SUBMIT_FILE_MACROS", "true" },
	{ "SUBMIT_ALLOW_GETENV", "true" },
	{ "SUBMIT_MAX_PROCS_IN_CLUSTER", "0" },
};

/* $HOME, else the password database; NULL if neither knows. */
static const char *
home_dir(void)
{
	const char *h = getenv("HOME");
	if (h != NULL && *h == '/')
		return h;
	struct passwd *pw = getpwuid(geteuid());
	return pw != NULL && pw->pw_dir != NULL && *pw->pw_dir ? pw->pw_dir : NULL;
}

/* An XDG base directory: $var if absolute, else $HOME/fallback. */
static char *
xdg_dir(const char *var, const char *fallback)
{
	const char *v = getenv(var), *home;
	if (v != NULL && *v == '/')
		return xstrdup(v);
	home = home_dir();
	return home != NULL ? fileio_join(home, fallback) : NULL;
}

static char *
default_local_dir(void)
{
	if (geteuid() == 0)
		return xstrdup("/var/lib/condorlet");
	char *state = xdg_dir("XDG_STATE_HOME", ".local/state");
	if (state == NULL)
		return xasprintf("/tmp/condorlet-%ld", (long)geteuid());
	char *dir = fileio_join(state, "condorlet");
	free(state);
	return dir;
}

static void
define_detected(struct knobs *k)
{
	char buf[256], *s;
	long n;
	struct utsname u;

	s = default_local_dir();
	knob_define(k, "LOCAL_DIR", s, KNOB_ORIGIN_DEFAULT, 0);
	free(s);

	n = sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(buf, sizeof(buf), "%ld", n > 0 ? n : 1L);
	knob_define(k, "DETECTED_CPUS", buf, KNOB_ORIGIN_DEFAULT, 0);

	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	long long mib = pages > 0 && psize > 0
				? (long long)pages / (1024 * 1024 / psize) : 0;
	snprintf(buf, sizeof(buf), "%lld", mib);
	knob_define(k, "DETECTED_MEMORY", buf, KNOB_ORIGIN_DEFAULT, 0);

	if (gethostname(buf, sizeof(buf)) != 0)
		snprintf(buf, sizeof(buf), "localhost");
	buf[sizeof(buf) - 1] = '\0';
	buf[strcspn(buf, ".")] = '\0';
	knob_define(k, "HOSTNAME", buf, KNOB_ORIGIN_DEFAULT, 0);
	knob_define(k, "FULL_HOSTNAME", "", KNOB_ORIGIN_DEFAULT, 0);
	struct knob *fq = find(k, "FULL_HOSTNAME");
	free(fq->raw);
	fq->raw = NULL;
	fq->lazy_fqdn = true;

	if (uname(&u) != 0) {
		snprintf(u.machine, sizeof(u.machine), "unknown");
		snprintf(u.sysname, sizeof(u.sysname), "unknown");
	}
	/* HTCondor's spellings: X86_64 and INTEL, other machines as uname
	 * says; the OS upper-cased (LINUX). */
	if (strcmp(u.machine, "x86_64") == 0 || strcmp(u.machine, "amd64") == 0)
		knob_define(k, "ARCH", "X86_64", KNOB_ORIGIN_DEFAULT, 0);
	else if (u.machine[0] == 'i' && strcmp(u.machine + 2, "86") == 0)
		knob_define(k, "ARCH", "INTEL", KNOB_ORIGIN_DEFAULT, 0);
	else
		knob_define(k, "ARCH", u.machine, KNOB_ORIGIN_DEFAULT, 0);
	for (char *c = u.sysname; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	knob_define(k, "OPSYS", u.sysname, KNOB_ORIGIN_DEFAULT, 0);
}

static void
define_defaults(struct knobs *k)
{
	for (size_t i = 0; i < sizeof(fixed_defaults) / sizeof(*fixed_defaults); i++)
		knob_define(k, fixed_defaults[i].name, fixed_defaults[i].value,
			    KNOB_ORIGIN_DEFAULT, 0);
	define_detected(k);
}

/* ---- config files ------------------------------------------------------- */

static bool
valid_name(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.')
			return false;
	return true;
}

static void
format_float(struct strbuf *sb, double d)
{
	char buf[64];
	/* The shortest text that reads back as the same double. */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d || isnan(d))
			break;
	}
	strbuf_adds(sb, buf);
}

static int
scalar_text(const config_setting_t *s, struct strbuf *sb)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		strbuf_adds(sb, config_setting_get_string(s));
		return 0;
	case CONFIG_TYPE_INT:
		strbuf_addf(sb, "%d", config_setting_get_int(s));
		return 0;
	case CONFIG_TYPE_INT64:
		strbuf_addf(sb, "%lld", config_setting_get_int64(s));
		return 0;
	case CONFIG_TYPE_FLOAT:
		format_float(sb, config_setting_get_float(s));
		return 0;
	case CONFIG_TYPE_BOOL:
		strbuf_adds(sb, config_setting_get_bool(s) ? "true" : "false");
		return 0;
	default:
		return -1;
	}
}

/* The knob text of one top-level setting; -1 for what cannot be a knob. */
static int
setting_text(const config_setting_t *s, struct strbuf *sb, const char **why)
{
	int type = config_setting_type(s);
	if (type == CONFIG_TYPE_GROUP) {
		*why = "groups are not supported";
		return -1;
	}
	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
		return scalar_text(s, sb);
	for (int i = 0; i < config_setting_length(s); i++) {
		if (i > 0)
			strbuf_adds(sb, ", ");
		if (scalar_text(config_setting_get_elem(s, (unsigned)i), sb) < 0) {
			*why = "lists may hold only strings, numbers and booleans";
			return -1;
		}
	}
	return 0;
}

/* libconfig names included files as written; they are opened relative to
 * the include directory, which is what a user needs to see. */
static char *
source_path(const char *file, const char *top, const char *incdir)
{
	if (file == NULL)
		return xstrdup(top);
	if (*file == '/' || strcmp(file, top) == 0)
		return xstrdup(file);
	return fileio_join(incdir, file);
}

static int
define_settings(struct knobs *k, const config_t *cf, const char *path,
		const char *incdir, struct error *err)
{
	const config_setting_t *root = config_root_setting(cf);
	struct strbuf sb = STRBUF_INIT;
	int rc = 0;

	for (int i = 0; rc == 0 && i < config_setting_length(root); i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(s), *why = NULL;
		char *src = source_path(config_setting_source_file(s), path, incdir);
		int line = (int)config_setting_source_line(s);

		strbuf_reset(&sb);
		if (!valid_name(name))
			rc = error_set(err, "%s:%d: knob %s: a name may hold only "
				       "letters, digits and _", src, line, name);
		else if (setting_text(s, &sb, &why) < 0)
			rc = error_set(err, "%s:%d: knob %s: %s", src, line, name, why);
		else
			knob_define(k, name, sb.buf, src, line);
		free(src);
	}
	strbuf_release(&sb);
	return rc;
}

/* Reads one file; a missing one is fine unless required. */
static int
load_file(struct knobs *k, const char *path, bool required, struct error *err)
{
	struct stat st;
	config_t cf;
	int rc = 0;

	if (stat(path, &st) != 0) {
		if ((errno == ENOENT || errno == ENOTDIR) && !required)
			return 0;
		if (errno == ENOENT || errno == ENOTDIR)
			return error_set(err, "File specified in CONDOR_CONFIG "
					 "environment variable: \"%s\" does not exist",
					 path);
		return error_errno(err, "cannot read config file '%s'", path);
	}
	if (S_ISDIR(st.st_mode))
		return error_set(err, "cannot read config file '%s': Is a directory",
				 path);
	if (st.st_size > KNOB_FILE_MAX)
		return error_set(err, "config file '%s' is too large (over %d bytes)",
				 path, KNOB_FILE_MAX);

	char *incdir = fileio_dirname(path);
	config_init(&cf);
	config_set_include_dir(&cf, incdir);
	if (!config_read_file(&cf, path)) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO) {
			rc = error_errno(err, "cannot read config file '%s'", path);
		} else {
			char *src = source_path(config_error_file(&cf), path, incdir);
			rc = error_set(err, "%s:%d: %s", src, config_error_line(&cf),
				       config_error_text(&cf));
			free(src);
		}
	} else {
		for (unsigned i = 0; i < cf.num_filenames; i++) {
			char *src = source_path(cf.filenames[i], path, incdir);
			add_file(k, src);
			free(src);
		}
		add_file(k, path);
		rc = define_settings(k, &cf, path, incdir, err);
	}
	config_destroy(&cf);
	free(incdir);
	return rc;
}

static int
load_files(struct knobs *k, struct error *err)
{
	const char *env = getenv("CONDOR_CONFIG");
	char *user, *path;
	int rc;

	if (env != NULL && *env != '\0') {
		if (strcmp(env, "ONLY_ENV") == 0)
			return 0;
		return load_file(k, env, true, err);
	}
	if (load_file(k, KNOB_SYSTEM_CONFIG, false, err) < 0)
		return -1;
	user = xdg_dir("XDG_CONFIG_HOME", ".config");
	if (user == NULL)
		return 0;
	path = fileio_join(user, "condorlet/condorlet.conf");
	rc = load_file(k, path, false, err);
	free(path);
	free(user);
	return rc;
}

/* ---- environment -------------------------------------------------------- */

extern char **environ;

static void
load_environment(struct knobs *k)
{
	size_t plen = strlen(KNOB_ENV_PREFIX);

	for (char **ep = environ; ep != NULL && *ep != NULL; ep++) {
		const char *var = *ep, *eq = strchr(var, '=');
		if (eq == NULL || strncasecmp(var, KNOB_ENV_PREFIX, plen) != 0)
			continue;
		char *name = xstrndup(var + plen, (size_t)(eq - var) - plen);
		if (valid_name(name)) {
			const char *v = eq + 1, *end = v + strlen(v);
			while (isspace((unsigned char)*v))
				v++;
			while (end > v && isspace((unsigned char)end[-1]))
				end--;
			char *value = xstrndup(v, (size_t)(end - v));
			char *origin = xasprintf("environment (%.*s)",
						 (int)(eq - var), var);
			knob_define(k, name, value, origin, 0);
			free(origin);
			free(value);
		}
		free(name);
	}
}

/* ---- public: loading ---------------------------------------------------- */

struct knobs *
knobs_load(struct error *err)
{
	struct knobs *k = xcalloc(1, sizeof(*k));

	define_defaults(k);
	if (load_files(k, err) < 0) {
		knobs_free(k);
		return NULL;
	}
	load_environment(k);
	return k;
}

struct knobs *
knobs_load_defaults(void)
{
	struct knobs *k = xcalloc(1, sizeof(*k));
	define_defaults(k);
	return k;
}

void
knobs_free(struct knobs *k)
{
	if (k == NULL)
		return;
	for (size_t i = 0; i < k->n; i++) {
		free(k->v[i].name);
		free(k->v[i].raw);
		free(k->v[i].origin);
	}
	free(k->v);
	for (size_t i = 0; i < k->nfiles; i++)
		free(k->files[i]);
	free(k->files);
	free(k);
}

/* ---- expansion ---------------------------------------------------------- */

struct expansion {
	const struct knobs *k;
	const char *stack[KNOB_EXPAND_DEPTH]; /* names being expanded */
	int depth;
	int nest;     /* recursion of expand_into, defaults included */
	long steps;   /* references expanded so far */
	struct strbuf out;
};

static void expand_into(struct expansion *x, const char *text, size_t len);

/* Past either bound the expansion stops where it is: a value of nothing
 * but references to references could otherwise take exponential time
 * without ever growing the output. */
static bool
full(const struct expansion *x)
{
	return x->out.len >= KNOB_EXPAND_MAX || x->steps >= KNOB_EXPAND_STEPS;
}

static void
emit(struct expansion *x, const char *s, size_t len)
{
	size_t room = KNOB_EXPAND_MAX - x->out.len;
	strbuf_add(&x->out, s, len < room ? len : room);
}

static bool
on_stack(const struct expansion *x, const char *name)
{
	for (int i = 0; i < x->depth; i++)
		if (strcasecmp(x->stack[i], name) == 0)
			return true;
	return false;
}

/* $(NAME) or $(NAME:default); body is what lies between the parentheses. */
static void
expand_ref(struct expansion *x, const char *body, size_t len)
{
	const char *colon = memchr(body, ':', len);
	size_t nlen = colon ? (size_t)(colon - body) : len;
	char *name = xstrndup(body, nlen);
	const struct knob *e = find(x->k, name);

	x->steps++;
	if (e != NULL) {
		/* A cycle, or a chain too deep to be sane, expands to nothing. */
		if (!on_stack(x, e->name) && x->depth < KNOB_EXPAND_DEPTH) {
			const char *raw = entry_raw(e);
			x->stack[x->depth++] = e->name;
			expand_into(x, raw, strlen(raw));
			x->depth--;
		}
	} else if (colon != NULL) {
		expand_into(x, colon + 1, len - nlen - 1);
	} else if (strcasecmp(name, "DOLLAR") == 0) {
		emit(x, "$", 1);
	}
	free(name);
}

/* $ENV(VAR) or $ENV(VAR:default): the environment's text, never expanded. */
static void
expand_env(struct expansion *x, const char *body, size_t len)
{
	const char *colon = memchr(body, ':', len);
	size_t nlen = colon ? (size_t)(colon - body) : len;
	char *name = xstrndup(body, nlen);
	const char *v = getenv(name);

	if (v != NULL)
		emit(x, v, strlen(v));
	else if (colon != NULL)
		expand_into(x, colon + 1, len - nlen - 1);
	free(name);
}

static bool
ref_name_ok(const char *body, size_t len)
{
	size_t i = 0;
	while (i < len && body[i] != ':' &&
	       (isalnum((unsigned char)body[i]) || body[i] == '_' || body[i] == '.'))
		i++;
	return i > 0 && (i == len || body[i] == ':');
}

static void
expand_into(struct expansion *x, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	if (x->nest >= KNOB_EXPAND_DEPTH)
		return;
	x->nest++;
	while (p < end && !full(x)) {
		const char *dollar = memchr(p, '$', (size_t)(end - p));
		if (dollar == NULL) {
			emit(x, p, (size_t)(end - p));
			break;
		}
		emit(x, p, (size_t)(dollar - p));
		p = dollar;
		/* "$$(...)" belongs to the job ad, not to the configuration. */
		if (end - p >= 2 && p[1] == '$') {
			emit(x, p, 2);
			p += 2;
			continue;
		}
		bool env = end - p >= 5 && strncasecmp(p + 1, "ENV(", 4) == 0;
		const char *open = env ? p + 4 : p + 1;
		const char *close = open < end && *open == '(' ?
					    closing_paren(open, end) : NULL;
		size_t blen = close ? (size_t)(close - open - 1) : 0;
		if (close == NULL || !ref_name_ok(open + 1, blen)) {
			emit(x, p, 1);
			p++;
			continue;
		}
		if (env)
			expand_env(x, open + 1, blen);
		else
			expand_ref(x, open + 1, blen);
		p = close + 1;
	}
	x->nest--;
}

/* ---- public: lookups ---------------------------------------------------- */

char *
knob_get(const struct knobs *k, const char *name)
{
	const struct knob *e = find(k, name);
	if (e == NULL)
		return NULL;

	struct expansion x = { .k = k, .depth = 1, .out = STRBUF_INIT };
	const char *raw = entry_raw(e);
	x.stack[0] = e->name;
	expand_into(&x, raw, strlen(raw));
	return strbuf_detach(&x.out, NULL);
}

/* A tiny integer evaluator, so "10 * $(MINUTE)" reads as 600 the way
 * HTCondor users write it.  Returns -1 on anything else or on overflow. */
struct arith {
	const char *p;
	int depth;
};

static int arith_sum(struct arith *a, long long *out);

static void
arith_space(struct arith *a)
{
	while (isspace((unsigned char)*a->p))
		a->p++;
}

static int
arith_atom(struct arith *a, long long *out)
{
	arith_space(a);
	if (*a->p == '-' || *a->p == '+') {
		bool neg = *a->p++ == '-';
		if (++a->depth > 64 || arith_atom(a, out) < 0)
			return -1;
		a->depth--;
		if (neg && __builtin_mul_overflow(*out, -1LL, out))
			return -1;
		return 0;
	}
	if (*a->p == '(') {
		a->p++;
		if (++a->depth > 64 || arith_sum(a, out) < 0)
			return -1;
		a->depth--;
		arith_space(a);
		if (*a->p != ')')
			return -1;
		a->p++;
		return 0;
	}
	if (!isdigit((unsigned char)*a->p))
		return -1;
	long long v = 0;
	while (isdigit((unsigned char)*a->p)) {
		if (__builtin_mul_overflow(v, 10LL, &v) ||
		    __builtin_add_overflow(v, (long long)(*a->p - '0'), &v))
			return -1;
		a->p++;
	}
	*out = v;
	return 0;
}

static int
arith_product(struct arith *a, long long *out)
{
	long long r;
	if (arith_atom(a, out) < 0)
		return -1;
	for (;;) {
		arith_space(a);
		char op = *a->p;
		if (op != '*' && op != '/' && op != '%')
			return 0;
		a->p++;
		if (arith_atom(a, &r) < 0)
			return -1;
		if (op == '*') {
			if (__builtin_mul_overflow(*out, r, out))
				return -1;
		} else if (r == 0 || (*out == LLONG_MIN && r == -1)) {
			return -1;
		} else {
			*out = op == '/' ? *out / r : *out % r;
		}
	}
}

static int
arith_sum(struct arith *a, long long *out)
{
	long long r;
	if (arith_product(a, out) < 0)
		return -1;
	for (;;) {
		arith_space(a);
		char op = *a->p;
		if (op != '+' && op != '-')
			return 0;
		a->p++;
		if (arith_product(a, &r) < 0)
			return -1;
		if (op == '+' ? __builtin_add_overflow(*out, r, out)
			      : __builtin_sub_overflow(*out, r, out))
			return -1;
	}
}

long long
knob_get_int(const struct knobs *k, const char *name, long long dflt)
{
	char *v = knob_get(k, name);
	long long r = dflt, tmp;
	if (v != NULL) {
		struct arith a = { .p = v, .depth = 0 };
		if (arith_sum(&a, &tmp) == 0) {
			arith_space(&a);
			if (*a.p == '\0')
				r = tmp;
		}
	}
	free(v);
	return r;
}

bool
knob_get_bool(const struct knobs *k, const char *name, bool dflt)
{
	static const char *const yes[] = { "true", "t", "yes", "y", "on" };
	static const char *const no[] = { "false", "f", "no", "n", "off" };
	char *v = knob_get(k, name);
	int r = -1;

	if (v == NULL)
		return dflt;
	char *s = v, *e = v + strlen(v);
	while (isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	for (size_t i = 0; r < 0 && i < sizeof(yes) / sizeof(*yes); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			r = 1;
		else if (strcasecmp(s, no[i]) == 0)
			r = 0;
	}
	free(v);
	if (r < 0) {
		/* Numbers (and "2 - 2") as HTCondor reads them: non-zero is true. */
		long long n = knob_get_int(k, name, LLONG_MIN);
		r = n == LLONG_MIN ? dflt : n != 0;
	}
	return r != 0;
}

const char *
knob_raw(const struct knobs *k, const char *name)
{
	const struct knob *e = find(k, name);
	return e != NULL ? entry_raw(e) : NULL;
}

const char *
knob_origin(const struct knobs *k, const char *name, int *line)
{
	const struct knob *e = find(k, name);
	if (line != NULL)
		*line = e != NULL ? e->line : 0;
	return e != NULL ? e->origin : NULL;
}

int
knobs_count(const struct knobs *k)
{
	return k->n > INT_MAX ? INT_MAX : (int)k->n;
}

const char *
knob_name_at(const struct knobs *k, int i)
{
	return i >= 0 && (size_t)i < k->n ? k->v[i].name : NULL;
}

int
knobs_file_count(const struct knobs *k)
{
	return k->nfiles > INT_MAX ? INT_MAX : (int)k->nfiles;
}

const char *
knobs_file_at(const struct knobs *k, int i)
{
	return i >= 0 && (size_t)i < k->nfiles ? k->files[i] : NULL;
}
