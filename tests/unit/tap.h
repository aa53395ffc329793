/*
 * tap.h - a tiny Test Anything Protocol emitter for the C unit tests.
 * Header-only: each test program is one .c file that includes this.
 *
 *   plan_lazy();                       // plan printed at the end
 *   ok(cond, "name %d", i);            // one test point
 *   is_str(got, want, "name");         // string equality, shows both on failure
 *   is_int(got, want, "name");
 *   return tap_done();                 // exit status 1 if anything failed
 */
#ifndef CONDORLET_TAP_H
#define CONDORLET_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count_;
static int tap_failed_;

static inline void
plan_lazy(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static inline int __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list ap;
	tap_count_++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_count_);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed_++;
	return cond;
}

static inline void __attribute__((format(printf, 1, 2)))
diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define is_str(got, want, ...)                                                 \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		int c_ = (g_ == NULL && w_ == NULL) ||                         \
			 (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0);    \
		if (!ok(c_, __VA_ARGS__))                                      \
			diag("  got: '%s'\n#   want: '%s'", g_ ? g_ : "(null)", \
			     w_ ? w_ : "(null)");                              \
	} while (0)

#define is_int(got, want, ...)                                                 \
	do {                                                                   \
		long long g_ = (long long)(got), w_ = (long long)(want);       \
		if (!ok(g_ == w_, __VA_ARGS__))                                \
			diag("  got: %lld\n#   want: %lld", g_, w_);           \
	} while (0)

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_count_);
	return tap_failed_ ? 1 : 0;
}

#endif
