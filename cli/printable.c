/* Escaping text from files for the terminal. */
#include <stdio.h>
#include <string.h>

#include "printable.h"

static const char *escape(const char *s, char *buf, size_t cap, int quotes)
{
    size_t n = 0;
    for (; *s && cap; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[5];
        if (quotes && (c == '"' || c == '\\'))
            snprintf(esc, sizeof(esc), "\\%c", c);
        else if (!quotes && c == '\n' && strncmp(s + 1, "  ", 2) == 0)
            snprintf(esc, sizeof(esc), "\n"); /* a message's list: "\n  item" */
        else if (c == '\n')
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

const char *cli_printable(const char *s, char *buf, size_t cap)
{
    return escape(s, buf, cap, 1);
}

const char *cli_printable_text(const char *s, char *buf, size_t cap)
{
    return escape(s, buf, cap, 0);
}
