/* A string from a device or a file, put inside a message. */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "utf8.h"

/* The text for the character at s (a C string), in esc; returns the bytes it takes. Control
 * characters become escapes: C0 and DEL, and C1 (U+0080-U+009F), which many terminals obey as
 * ESC sequences (0x9B is CSI), whether UTF-8-encoded (C2 80-C2 9F) or a raw 0x80-0x9F byte that
 * is not part of a UTF-8 sequence. Other bytes, valid UTF-8 or not, are kept. */
static size_t shown_char(const uint8_t *s, char esc[16])
{
    size_t avail = 0;
    while (avail < 4 && s[avail]) avail++;
    uint32_t cp = 0;
    size_t len = dfu_utf8_len(s, avail, &cp);
    if (len > 1 && cp < 0xA0) {
        snprintf(esc, 16, "\\x%02x\\x%02x", s[0], s[1]);
    } else if (len > 1) {
        memcpy(esc, s, len);
        esc[len] = '\0';
    } else {
        len = 1;
        if (s[0] == '\n')
            snprintf(esc, 16, "\\n");
        else if (s[0] == '\t')
            snprintf(esc, 16, "\\t");
        else if (s[0] < 0x20 || (s[0] >= 0x7f && s[0] < 0xA0))
            snprintf(esc, 16, "\\x%02x", s[0]);
        else
            snprintf(esc, 16, "%c", s[0]);
    }
    return len;
}

const char *dfu_shown(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    while (s && *s && cap) {
        char esc[16];
        size_t used = shown_char((const uint8_t *)s, esc);
        size_t len = strlen(esc);
        if (n + len >= cap) break;
        memcpy(buf + n, esc, len);
        n += len;
        s += used;
    }
    if (cap) buf[n] = '\0';
    return buf;
}
