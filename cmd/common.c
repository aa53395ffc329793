/* common.c - see common.h. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "error.h"
#include "knob.h"
#include "xalloc.h"
#include "banned.h"

static const char *progname = "condorlet";

void
cmd_init(const char *argv0)
{
	if (argv0 != NULL && *argv0 != '\0') {
		const char *slash = strrchr(argv0, '/');
		progname = slash ? slash + 1 : argv0;
		/* Libtool-style "lt-" prefixes never reach users. */
		if (strncmp(progname, "lt-", 3) == 0)
			progname += 3;
	}
}

const char *
cmd_name(void)
{
	return progname;
}

static void
vwarn(const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cmd_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void
cmd_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(1);
}

void
cmd_die_prefixed(const char *prefix, const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs(prefix, stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void
cmd_warn_error(const struct error *err)
{
	cmd_warn("%s", err->msg[0] ? err->msg : "unknown error");
}

void
cmd_die_error(const struct error *err)
{
	cmd_warn_error(err);
	exit(1);
}

void
cmd_usage(const char *const *synopsis, const char *details, FILE *to, int status)
{
	for (size_t i = 0; synopsis[i] != NULL; i++)
		fprintf(to, "%s %s %s\n", i == 0 ? "usage:" : "      ",
			progname, synopsis[i]);
	if (details != NULL && to == stdout)
		fputs(details, to);
	if (to == stdout)
		exit(cmd_finish(status));
	exit(status);
}

bool
cmd_opt(const char *arg, const char *word, size_t min, const char **colon)
{
	if (arg[0] != '-')
		return false;
	arg += (arg[1] == '-') ? 2 : 1;
	size_t n = strcspn(arg, colon ? ":" : "");
	if (n < min || n > strlen(word) || strncmp(arg, word, n) != 0)
		return false;
	if (colon)
		*colon = arg[n] == ':' ? arg + n + 1 : NULL;
	return true;
}

struct knobs *
cmd_load_knobs(void)
{
	struct error err;
	error_clear(&err);
	struct knobs *k = knobs_load(&err);
	if (k == NULL)
		cmd_die_error(&err);
	return k;
}

char *
cmd_knob_required(const struct knobs *k, const char *name)
{
	char *v = knob_get(k, name);
	if (v == NULL || *v == '\0')
		cmd_die("configuration knob %s is not defined", name);
	return v;
}

char *
cmd_username(void)
{
	struct passwd *pw = getpwuid(geteuid());
	if (pw != NULL && pw->pw_name != NULL && *pw->pw_name)
		return xstrdup(pw->pw_name);
	const char *u = getenv("USER");
	if (u != NULL && *u)
		return xstrdup(u);
	return xasprintf("%ld", (long)geteuid());
}

int
cmd_finish(int status)
{
	bool bad = ferror(stdout) != 0;
	if (fclose(stdout) != 0)
		bad = true;
	if (bad) {
		fprintf(stderr, "%s: write error on standard output: %s\n", progname,
			strerror(errno ? errno : EIO));
		return 1;
	}
	return status;
}
