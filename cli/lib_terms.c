/* The library's option names in its messages, as dfuctl's options. */
#include <string.h>

#include "lib_terms.h"

static const struct {
    const char *api, *cli;
} terms[] = {
    {"`force`", "--force"},
    {"`no_leave`", "--no-leave"},
    {"`transfer_size`", "--transfer-size"},
    {"`detach_wait_ms`", "--wait"},
    {"`len`", "--size"},
    {"`dfu_journal_discard()`", "`dfuctl recover --discard`"},
};

const char *cli_lib_terms(const char *msg, char *buf, size_t cap)
{
    size_t o = 0;
    if (!cap) return buf;
    while (*msg && o + 1 < cap) {
        size_t i = 0, n = sizeof(terms) / sizeof(terms[0]);
        while (i < n && strncmp(msg, terms[i].api, strlen(terms[i].api)) != 0) i++;
        const char *from = i < n ? terms[i].cli : msg;
        size_t len = i < n ? strlen(terms[i].cli) : 1;
        if (len > cap - 1 - o) len = cap - 1 - o;
        memcpy(buf + o, from, len);
        o += len;
        msg += i < n ? strlen(terms[i].api) : 1;
    }
    buf[o] = '\0';
    return buf;
}
