/*
 * xalloc.h - allocation that cannot fail.
 *
 * Running out of memory is not an input error we can report usefully, so
 * these abort with a message instead of returning NULL.  Size arithmetic is
 * overflow-checked.  Bad *input* (a huge value in a submit file) must still
 * be rejected through struct error before it reaches an allocation.
 */
#ifndef CONDORLET_XALLOC_H
#define CONDORLET_XALLOC_H

#include <stddef.h>
#include <stdarg.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* xreallocarray: like reallocarray(3) but aborts on overflow or exhaustion. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string; never NULL. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Grow *arr (element size elem) so that it holds at least need elements. */
#define XGROW(arr, need, alloc)                                            \
	do {                                                               \
		if ((size_t)(need) > (alloc)) {                            \
			size_t xg_n_ = (alloc) ? (alloc) * 2 : 8;          \
			while (xg_n_ < (size_t)(need))                     \
				xg_n_ *= 2;                                \
			(arr) = xreallocarray((arr), xg_n_, sizeof(*(arr))); \
			(alloc) = xg_n_;                                   \
		}                                                          \
	} while (0)

#endif
