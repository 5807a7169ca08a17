/* A string from a device or a file, put inside a message. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *dfu_shown(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    for (; s && *s && cap; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[5];
        if (c == '\n')
            snprintf(esc, sizeof(esc), "\\n");
        else if (c == '\t')
            snprintf(esc, sizeof(esc), "\\t");
        else if (c < 0x20 || c == 0x7f)
            snprintf(esc, sizeof(esc), "\\x%02x", c);
        else
            snprintf(esc, sizeof(esc), "%c", c);
        size_t len = strlen(esc);
        if (n + len >= cap) break;
        memcpy(buf + n, esc, len);
        n += len;
    }
    if (cap) buf[n] = '\0';
    return buf;
}
