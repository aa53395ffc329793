/* num.c - see num.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "num.h"
#include "banned.h"

static bool
only_space(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

int
num_parse_ll(const char *s, long long min, long long max, long long *out)
{
	if (s == NULL)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return -1;
	/* strtoll accepts "0x.." only with base 0; base 10 keeps "012" == 12. */
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || !only_space(end))
		return -1;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
num_parse_int(const char *s, int min, int max, int *out)
{
	long long v;
	if (num_parse_ll(s, min, max, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

int
num_parse_double(const char *s, double *out)
{
	if (s == NULL)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || !only_space(end) || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

bool
num_is_digits(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}
