/* Copies of strings, malloc'd: the one place libdfu makes them. */
#ifndef DFU_CORE_STR_H
#define DFU_CORE_STR_H

#include <stddef.h>

/* A copy of s (not NULL); NULL when out of memory. */
char *dfu_strdup(const char *s);
/* The n bytes at s, then a NUL: a piece of a longer text (unlike POSIX strndup, it copies all n
 * bytes, NULs included, and s need not be terminated). NULL when out of memory. */
char *dfu_strndup(const char *s, size_t n);

#endif
