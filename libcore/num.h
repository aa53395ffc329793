/*
 * num.h - range-checked number parsing (atoi and friends are banned).
 *
 * Every function accepts optional surrounding ASCII whitespace and nothing
 * else: "12x", "", "0x10" are rejected.  Returns 0 on success, -1 if the
 * text is not a number or is outside [min, max]; *out is untouched on failure.
 */
#ifndef CONDORLET_NUM_H
#define CONDORLET_NUM_H

#include <stdbool.h>

int num_parse_ll(const char *s, long long min, long long max, long long *out);
int num_parse_int(const char *s, int min, int max, int *out);
int num_parse_double(const char *s, double *out);
/* true if s is one or more ASCII digits and nothing else. */
bool num_is_digits(const char *s);

#endif
