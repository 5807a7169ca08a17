/* Copies of strings (see str.h). */
#include <stdlib.h>
#include <string.h>

#include "str.h"

char *dfu_strdup(const char *s)
{
    return dfu_strndup(s, strlen(s));
}

char *dfu_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
