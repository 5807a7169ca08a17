/* Escaping text from files for the terminal. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "printable.h"
/* Header-only: the same decoder the library checks its own text with. */
#include "../libdfu/src/core/utf8.h"

size_t cli_utf8_len(const char *s, uint32_t *cp)
{
    size_t n = 0;
    while (n < 4 && s[n]) n++;
    return n ? dfu_utf8_len((const uint8_t *)s, n, cp) : 0;
}

/* The text for the character at s (a C string) in esc; returns the bytes it takes. C1 control
 * characters (U+0080-U+009F) are escaped like C0 ones: many terminals obey them as ESC sequences
 * (0x9B is CSI), UTF-8-encoded (C2 80-C2 9F) or as a raw 0x80-0x9F byte outside UTF-8. */
static size_t escape_char(const uint8_t *s, char esc[16], int quotes)
{
    uint32_t cp = 0;
    size_t len = cli_utf8_len((const char *)s, &cp);
    if (len > 1) {
        if (cp < 0xA0)
            snprintf(esc, 16, "\\x%02x\\x%02x", s[0], s[1]);
        else
            snprintf(esc, 16, "%.*s", (int)len, (const char *)s);
        return len;
    }
    uint8_t c = s[0];
    if (quotes && (c == '"' || c == '\\'))
        snprintf(esc, 16, "\\%c", c);
    else if (!quotes && c == '\n' && strncmp((const char *)s + 1, "  ", 2) == 0)
        snprintf(esc, 16, "\n"); /* a message's list: "\n  item" */
    else if (c == '\n')
        snprintf(esc, 16, "\\n");
    else if (c == '\t')
        snprintf(esc, 16, "\\t");
    else if (c < 0x20 || (c >= 0x7f && c < 0xA0))
        snprintf(esc, 16, "\\x%02x", c);
    else
        snprintf(esc, 16, "%c", c);
    return 1;
}

static const char *escape(const char *s, char *buf, size_t cap, int quotes)
{
    size_t n = 0;
    while (*s && cap) {
        char esc[16];
        size_t used = escape_char((const uint8_t *)s, esc, quotes);
        size_t len = strlen(esc);
        if (n + len >= cap) break;
        memcpy(buf + n, esc, len);
        n += len;
        s += used;
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
