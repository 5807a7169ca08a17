/*
 * Selector syntax (device.h): "VID:PID[,VID:PID]", "serial=S", "path=P" terms joined by commas,
 * or "sim:SPEC" naming a simulated device. Parsing errors name the bad term.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "../core/str.h"
#include "select.h"

typedef struct usb_id {
    uint16_t vid, pid;
} usb_id;

struct dfu_selector {
    char *text;
    char *sim_spec; /* points into text, or NULL */
    size_t id_count;
    usb_id ids[2]; /* [0] run-time (or any mode when alone), [1] DFU mode */
    char *serial;
    char *path;
};

static bool hex16(const char *s, size_t n, uint16_t *out)
{
    if (n < 1 || n > 4) return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i])) return false;
        v = v * 16 + (unsigned)(isdigit((unsigned char)s[i])
                                    ? s[i] - '0'
                                    : tolower((unsigned char)s[i]) - 'a' + 10);
    }
    *out = (uint16_t)v;
    return true;
}

static bool parse_id(const char *t, size_t n, usb_id *out)
{
    const char *colon = memchr(t, ':', n);
    return colon && hex16(t, (size_t)(colon - t), &out->vid) &&
           hex16(colon + 1, n - (size_t)(colon - t) - 1, &out->pid);
}

static int bad_term(dfu_ctx *ctx, const char *text, const char *t, size_t n, const char *why)
{
    /* A selector of one term is named once, not twice in a row. */
    if (t == text && n == strlen(text))
        return dfu_err(ctx, DFU_ERR_ARG, "device selector \"%s\": %s", text, why);
    return dfu_err(ctx, DFU_ERR_ARG, "device selector \"%s\": \"%.*s\": %s", text, (int)n, t, why);
}

static const char expected[] = "expected VID:PID in hex (0483:df11), a second VID:PID for DFU "
                               "mode, serial=S, path=P (USB port path, 1-1.4) or sim:PROFILE";

/* "serial=..." or "path=...": a non-empty value given once. */
static int keyed(dfu_ctx *ctx, const char *text, const char *t, size_t n, size_t klen, char **dst)
{
    if (*dst) return bad_term(ctx, text, t, n, "given twice");
    if (n == klen) return bad_term(ctx, text, t, n, "empty value");
    *dst = dfu_strndup(t + klen, n - klen);
    return *dst ? DFU_OK : dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
}

static int term(dfu_selector *s, dfu_ctx *ctx, const char *t, size_t n)
{
    if (n >= 7 && !strncmp(t, "serial=", 7)) return keyed(ctx, s->text, t, n, 7, &s->serial);
    if (n >= 5 && !strncmp(t, "path=", 5)) return keyed(ctx, s->text, t, n, 5, &s->path);
    if (n >= 4 && !strncmp(t, "sim:", 4))
        return bad_term(ctx, s->text, t, n, "sim: must start the selector (sim:PROFILE,opt...)");
    usb_id id;
    if (!parse_id(t, n, &id)) return bad_term(ctx, s->text, t, n, expected);
    if (s->id_count == 2)
        return bad_term(ctx, s->text, t, n, "at most two VID:PID (run-time, then DFU mode)");
    s->ids[s->id_count++] = id;
    return DFU_OK;
}

static int parse_terms(dfu_selector *s, dfu_ctx *ctx)
{
    const char *p = s->text;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (!n) return bad_term(ctx, s->text, p, 0, "empty term");
        int rc = term(s, ctx, p, n);
        if (rc) return rc;
        p += n;
        if (*p == ',' && !*++p) return bad_term(ctx, s->text, p, 0, "empty term after ','");
    }
    return DFU_OK;
}

int dfu_selector_parse(dfu_selector **out, dfu_ctx *ctx, const char *text)
{
    if (!out) return dfu_err(ctx, DFU_ERR_ARG, "dfu_selector_parse: out is NULL");
    *out = NULL;
    dfu_selector *s = calloc(1, sizeof(*s));
    if (s) s->text = dfu_strndup(text ? text : "", text ? strlen(text) : 0);
    if (!s || !s->text) {
        free(s);
        return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    }
    int rc = DFU_OK;
    if (!strncmp(s->text, "sim:", 4)) {
        s->sim_spec = s->text + 4;
        if (!*s->sim_spec)
            rc = dfu_err(ctx, DFU_ERR_ARG,
                         "device selector \"sim:\": needs a profile (sim:stm32f405)");
    } else {
        rc = parse_terms(s, ctx);
    }
    if (rc) {
        dfu_selector_free(s);
        return rc;
    }
    *out = s;
    return DFU_OK;
}

void dfu_selector_free(dfu_selector *sel)
{
    if (!sel) return;
    free(sel->text);
    free(sel->serial);
    free(sel->path);
    free(sel);
}

const char *dfu_selector_sim_spec(const dfu_selector *sel)
{
    return sel ? sel->sim_spec : NULL;
}

const char *dfu_selector_text(const dfu_selector *sel)
{
    return sel ? sel->text : "";
}

static bool same(const char *want, const char *have)
{
    return !want || (have && !strcmp(want, have));
}

bool dfu_selector_match(const dfu_selector *sel, const dfu_device_info *info)
{
    if (!sel) return true;
    if (sel->sim_spec) return info->backend && !strcmp(info->backend, "sim");
    if (sel->id_count) {
        /* With two pairs, the first is the run-time identity and the second the DFU one. */
        const usb_id *id =
            sel->id_count == 2 && info->mode == DFU_MODE_DFU ? &sel->ids[1] : &sel->ids[0];
        if (info->vid != id->vid || info->pid != id->pid) return false;
    }
    return same(sel->serial, info->serial) && same(sel->path, info->path);
}
