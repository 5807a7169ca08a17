/* Device quirks: parse the table's lines and apply the ones that match a device. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "quirks.h"

const char *dfu_quirks_builtin(void)
{
    return dfu_quirks_data;
}

typedef struct line_ctx {
    dfu_ctx *ctx;
    const char *source;
    unsigned line;
} line_ctx;

static int bad(const line_ctx *l, const char *what, const char *token, size_t len)
{
    return dfu_err(l->ctx, DFU_ERR_ARG, "%s:%u: %s '%.*s'", l->source, l->line, what, (int)len,
                   token);
}

static bool parse_u32(const char *s, size_t len, uint32_t *out)
{
    char buf[24];
    if (len == 0 || len >= sizeof(buf)) return false;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *end;
    unsigned long long v = strtoull(buf, &end, 0);
    if (*end || v > UINT32_MAX || buf[0] == '-') return false;
    *out = (uint32_t)v;
    return true;
}

static void note(dfu_quirks *q, const char *key, size_t len)
{
    size_t used = strlen(q->names);
    if (used + len + 2 < sizeof(q->names))
        snprintf(q->names + used, sizeof(q->names) - used, "%s%.*s", used ? " " : "", (int)len,
                 key);
}

/* The flags: on by being there, so "stuck-dnbusy=0" must not turn one on. */
static bool *flag_field(dfu_quirks *q, const char *key, size_t klen)
{
    const struct {
        const char *name;
        bool *field;
    } flags[] = {
        {"dfuse", &q->force_dfuse},
        {"dfu11", &q->force_dfu11},
        {"stuck-dnbusy", &q->stuck_dnbusy},
        {"gd32-layout", &q->gd32_layout},
        {"utf8-serial", &q->utf8_serial},
        {"no-upload", &q->no_upload},
        {"verify-before-manifest", &q->verify_before_manifest},
        {"not-cortex-m", &q->not_cortex_m},
    };
    for (size_t i = 0; i < DFU_ARRAY_SIZE(flags); i++)
        if (klen == strlen(flags[i].name) && strncmp(key, flags[i].name, klen) == 0)
            return flags[i].field;
    return NULL;
}

/* One "key[=value]" token. */
static int apply_key(const line_ctx *l, const char *tok, size_t len, dfu_quirks *q)
{
    const char *eq = memchr(tok, '=', len);
    size_t klen = eq ? (size_t)(eq - tok) : len;
    const char *val = eq ? eq + 1 : NULL;
    size_t vlen = eq ? len - klen - 1 : 0;
    uint32_t v = 0, v2 = 0;
#define KEY(name) (klen == strlen(name) && strncmp(tok, name, klen) == 0)
#define NEED_U32                                                                                   \
    do {                                                                                           \
        if (!val || !parse_u32(val, vlen, &v)) return bad(l, "needs a number:", tok, len);         \
    } while (0)
    bool *flag = flag_field(q, tok, klen);
    if ((flag || KEY("none")) && val) return bad(l, "takes no value:", tok, len);
    if (KEY("none")) {
        memset(q, 0, sizeof(*q));
        return DFU_OK;
    } else if (flag) {
        *flag = true;
    } else if (KEY("transfer-size")) {
        NEED_U32;
        if (v == 0 || v > 0xffff) return bad(l, "transfer size out of range:", tok, len);
        q->transfer_size = (uint16_t)v;
    } else if (KEY("mass-erase-poll")) {
        NEED_U32;
        q->mass_erase_poll_ms = v;
    } else if (KEY("erase-poll")) {
        NEED_U32;
        q->erase_poll_ms = v;
    } else if (KEY("poll-stalls")) {
        NEED_U32;
        q->poll_stalls = (uint8_t)DFU_MIN(v, 255u);
    } else if (KEY("app-base")) {
        NEED_U32;
        q->has_app_base = true;
        q->app_base = v;
    } else if (KEY("ram")) {
        const char *dash = val ? memchr(val, '-', vlen) : NULL;
        if (!dash || !parse_u32(val, (size_t)(dash - val), &v) ||
            !parse_u32(dash + 1, vlen - (size_t)(dash - val) - 1, &v2) || v2 <= v)
            return bad(l, "needs START-END:", tok, len);
        q->ram_start = v;
        q->ram_end = v2;
    } else {
        return bad(l, "unknown quirk", tok, len);
    }
#undef KEY
#undef NEED_U32
    note(q, tok, len);
    return DFU_OK;
}

/* "VID:PID[/BCD[-BCD]]": does it name this device? */
static int match_ids(const line_ctx *l, const char *tok, size_t len, uint16_t vid, uint16_t pid,
                     uint16_t bcd, bool *match)
{
    char buf[40];
    if (len >= sizeof(buf)) return bad(l, "expected VID:PID[/BCD[-BCD]], got", tok, len);
    memcpy(buf, tok, len);
    buf[len] = 0;
    unsigned v, p, lo = 0, hi = 0xffff;
    int n = 0, consumed = 0;
    n = sscanf(buf, "%4x:%4x%n", &v, &p, &consumed);
    if (n != 2) return bad(l, "expected VID:PID[/BCD[-BCD]], got", tok, len);
    const char *rest = buf + consumed;
    if (*rest == '/') {
        int c2 = 0;
        if (sscanf(rest, "/%4x%n", &lo, &c2) != 1) return bad(l, "bad bcdDevice in", tok, len);
        hi = lo;
        rest += c2;
        if (*rest == '-') {
            if (sscanf(rest, "-%4x%n", &hi, &c2) != 1) return bad(l, "bad bcdDevice in", tok, len);
            rest += c2;
        }
    }
    if (*rest) return bad(l, "expected VID:PID[/BCD[-BCD]], got", tok, len);
    *match = v == vid && p == pid && bcd >= lo && bcd <= hi;
    return DFU_OK;
}

int dfu_quirks_apply(dfu_ctx *ctx, const char *text, const char *source, uint16_t vid, uint16_t pid,
                     uint16_t bcd, dfu_quirks *q)
{
    line_ctx l = {ctx, source, 0};
    for (const char *p = text; p && *p;) {
        const char *eol = strchr(p, '\n');
        const char *end = eol ? eol : p + strlen(p);
        const char *hash = memchr(p, '#', (size_t)(end - p));
        const char *stop = hash ? hash : end;
        l.line++;
        bool first = true, match = false;
        for (const char *s = p; s < stop;) {
            while (s < stop && isspace((unsigned char)*s)) s++;
            const char *e = s;
            while (e < stop && !isspace((unsigned char)*e)) e++;
            if (e == s) break;
            int rc = first ? match_ids(&l, s, (size_t)(e - s), vid, pid, bcd, &match)
                           : (match ? apply_key(&l, s, (size_t)(e - s), q) : DFU_OK);
            if (rc) return rc;
            /* Keys of lines for other devices are still checked, so a typo never hides. */
            if (!first && !match) {
                dfu_quirks scratch = {0};
                if ((rc = apply_key(&l, s, (size_t)(e - s), &scratch))) return rc;
            }
            first = false;
            s = e;
        }
        p = eol ? eol + 1 : NULL;
    }
    return DFU_OK;
}
