/*
 * The spec string, "[sim:]PROFILE[,option[=value]]...", parsed in one place. Every unknown
 * option, bad value or option the profile does not have is DFU_ERR_ARG naming it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/str.h"
#include "sim_internal.h"

typedef struct parser {
    dfu_ctx *ctx;
    const char *spec;
    sim_config *cfg;
} parser;

static int bad(parser *p, const char *what, const char *text, size_t len)
{
    return dfu_err(p->ctx, DFU_ERR_ARG, "sim: %s '%.*s' in '%s'", what, (int)len, text, p->spec);
}

/* Names every profile, so a mistyped one can be corrected (and shell completion tested
 * against the library's own list). */
static int unknown_profile(parser *p, const char *text, size_t len)
{
    char known[512] = "";
    size_t at = 0;
    for (size_t i = 0; i < dfu_sim_profile_count() && at < sizeof(known); i++)
        at += (size_t)snprintf(known + at, sizeof(known) - at, "%s%s", i ? ", " : "",
                               dfu_sim_profile_at(i)->name);
    return dfu_err(p->ctx, DFU_ERR_ARG, "sim: unknown profile '%.*s' in '%s' (profiles: %s)",
                   (int)len, text, p->spec, known);
}

/* Unsigned decimal or 0x-hex, the whole text, at most max. */
static bool parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        n -= 2;
    }
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        if (v > (max - d) / base) return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

/* A fraction 0..1 ("0", "1", "0.25", ".5") in millionths; locale-independent. */
static bool parse_ppm(const char *s, size_t n, uint32_t *out)
{
    size_t i = 0;
    uint32_t whole = 0, frac = 0, scale = 100000;
    bool digits = false;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits = true) {
        whole = whole * 10 + (uint32_t)(s[i] - '0');
        if (whole > 1) return false;
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits = true) {
            frac += (uint32_t)(s[i] - '0') * scale;
            scale /= 10;
        }
    }
    if (i != n || !digits || (whole == 1 && frac != 0)) return false;
    *out = whole * 1000000 + frac;
    return true;
}

static bool parse_bool(const char *v, size_t n, int *out)
{
    if (n == 1 && (v[0] == '0' || v[0] == '1')) {
        *out = v[0] - '0';
        return true;
    }
    return false;
}

/* A DFU state or status by number or by its specification name. */
static bool parse_named(const char *s, size_t n, int count, const char *(*name)(int), int *out)
{
    uint64_t v;
    if (parse_u64(s, n, 255, &v)) {
        *out = (int)v;
        return true;
    }
    for (int i = 0; i < count; i++) {
        const char *nm = name(i);
        if (strlen(nm) == n && memcmp(nm, s, n) == 0) {
            *out = i;
            return true;
        }
    }
    return false;
}

/* Splits "a:b:c" into at most max fields; returns the count, or -1 when there are more. */
static int split(const char *s, size_t n, char sep, const char **f, size_t *fl, int max)
{
    int k = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == sep) {
            if (k == max) return -1;
            f[k] = s + start;
            fl[k++] = i - start;
            start = i + 1;
        }
    }
    return k;
}

static const char *const kinds[] = {"unplug", "powerloss",   "xfer", "stall",
                                    "lie",    "polltimeout", "busy", "reset"};
static const char *const wheres[] = {"block", "command", "erase", "program", "rate"};

static int lookup(const char *const *names, size_t count, const char *s, size_t n)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0) return (int)i;
    return -1;
}

/* Which (kind, where) pairs exist, and how many extra fields each takes (min, max). */
static bool fault_shape(sim_fault_kind k, sim_fault_where w, int *min, int *max)
{
    bool arrival = w == SIM_AT_BLOCK || w == SIM_AT_COMMAND;
    bool inside = w == SIM_AT_ERASE || w == SIM_AT_PROGRAM;
    *min = *max = 0;
    switch (k) {
    case SIM_FAULT_XFER:
        *min = w == SIM_AT_RATE ? 1 : 0;
        *max = 1;
        return w == SIM_AT_RATE || arrival;
    case SIM_FAULT_UNPLUG: *max = 1; return arrival || inside;
    case SIM_FAULT_POWERLOSS: *max = inside ? 1 : 0; return arrival || inside;
    case SIM_FAULT_LIE: *max = 2; return arrival;
    case SIM_FAULT_POLLTIMEOUT: *min = *max = 1; return arrival;
    case SIM_FAULT_STALL:
    case SIM_FAULT_BUSY:
    case SIM_FAULT_RESET: return arrival;
    }
    return false;
}

static bool fault_extra(sim_fault *f, const char **x, const size_t *xl, int nx)
{
    uint64_t v;
    switch (f->kind) {
    case SIM_FAULT_XFER:
        if (f->where == SIM_AT_RATE) return parse_ppm(x[0], xl[0], &f->ppm);
        f->value = SIM_XFER_EITHER;
        if (nx == 0) return true;
        if (xl[0] == 6 && memcmp(x[0], "before", 6) == 0)
            f->value = SIM_XFER_BEFORE;
        else if (xl[0] == 5 && memcmp(x[0], "after", 5) == 0)
            f->value = SIM_XFER_AFTER;
        else
            return false;
        return true;
    case SIM_FAULT_UNPLUG:
        f->value = 1000;
        if (nx == 0) return true;
        if (!parse_u64(x[0], xl[0], 3600000, &v)) return false;
        f->value = (uint32_t)v;
        return true;
    case SIM_FAULT_POWERLOSS: return nx == 0 || parse_ppm(x[0], xl[0], &f->ppm);
    case SIM_FAULT_POLLTIMEOUT:
        if (!parse_u64(x[0], xl[0], 0xFFFFFF, &v)) return false;
        f->value = (uint32_t)v;
        return true;
    case SIM_FAULT_LIE:
        f->lie_state = DFU_STATE_DNLOAD_IDLE;
        f->lie_status = DFU_STATUS_OK;
        if (nx >= 1 && !parse_named(x[0], xl[0], 11, dfu_state_name, &f->lie_state)) return false;
        if (nx == 2 && !parse_named(x[1], xl[1], 16, dfu_status_name, &f->lie_status)) return false;
        return true;
    default: return true;
    }
}

/* KIND@WHERE[:N][:ARG...] */
static int parse_fault(parser *p, const char *v, size_t n)
{
    sim_config *cfg = p->cfg;
    if (cfg->fault_count == SIM_MAX_FAULTS) return bad(p, "too many faults at", v, n);
    const char *at = memchr(v, '@', n);
    if (!at) return bad(p, "fault without @WHERE", v, n);
    const char *f[5];
    size_t fl[5];
    int nf = split(at + 1, n - (size_t)(at + 1 - v), ':', f, fl, 5);
    int k = lookup(kinds, SIM_COUNT(kinds), v, (size_t)(at - v));
    int w = nf > 0 ? lookup(wheres, SIM_COUNT(wheres), f[0], fl[0]) : -1;
    if (k < 0) return bad(p, "unknown fault kind", v, (size_t)(at - v));
    if (w < 0) return bad(p, "unknown fault place", v, n);
    sim_fault *flt = &cfg->faults[cfg->fault_count];
    memset(flt, 0, sizeof(*flt));
    flt->kind = (sim_fault_kind)k;
    flt->where = (sim_fault_where)w;
    flt->ppm = SIM_PPM_RANDOM;
    int min, max;
    if (!fault_shape(flt->kind, flt->where, &min, &max))
        return bad(p, "fault kind and place do not go together", v, n);
    int first_extra = flt->where == SIM_AT_RATE ? 1 : 2;
    if (flt->where != SIM_AT_RATE) {
        if (nf < 2 || !parse_u64(f[1], fl[1], UINT64_MAX, &flt->n))
            return bad(p, "fault needs a number N", v, n);
    }
    int nx = nf - first_extra;
    if (nf < 0 || nx < min || nx > max || !fault_extra(flt, f + first_extra, fl + first_extra, nx))
        return bad(p, "bad fault arguments", v, n);
    size_t tl = n < sizeof(flt->text) - 1 ? n : sizeof(flt->text) - 1;
    memcpy(flt->text, v, tl);
    flt->text[tl] = '\0';
    cfg->fault_count++;
    return DFU_OK;
}

static bool profile_has(const sim_config *cfg, uint32_t quirk)
{
    return (cfg->prof->quirks & quirk) != 0;
}

static int parse_string_option(parser *p, char **dst, const char *v, size_t vl, size_t max,
                               const char *opt, size_t ol)
{
    if (vl == 0 || vl > max) return bad(p, "bad value for option", opt, ol);
    free(*dst);
    *dst = dfu_strndup(v, vl);
    return *dst ? DFU_OK : dfu_err(p->ctx, DFU_ERR_NOMEM, "sim: out of memory");
}

static int parse_flag(parser *p, const char *k, size_t kl, const char *v, size_t vl, bool has,
                      int *out, bool allowed)
{
    if (!allowed) return bad(p, "option not supported by this profile:", k, kl);
    if (!has) {
        *out = 1;
        return DFU_OK;
    }
    return parse_bool(v, vl, out) ? DFU_OK : bad(p, "bad value for option", k, kl + 1 + vl);
}

static int parse_number(parser *p, const char *k, size_t kl, const char *v, size_t vl, uint64_t min,
                        uint64_t max, uint64_t *out)
{
    if (!parse_u64(v, vl, max, out) || *out < min)
        return bad(p, "bad value for option", k, kl + 1 + vl);
    return DFU_OK;
}

#define KEY(s) (kl == sizeof(s) - 1 && memcmp(k, s, kl) == 0)

/* Options that may stand alone: "runtime", "realtime", "boot0" (= 1) and the like. */
static int parse_flag_option(parser *p, const char *k, size_t kl, const char *v, size_t vl,
                             bool has, bool *done)
{
    sim_config *cfg = p->cfg;
    int b = 0, rc = DFU_OK;
    *done = true;
    if (KEY("runtime")) {
        if (!has || (vl == 5 && memcmp(v, "reset", 5) == 0))
            cfg->runtime = SIM_RT_RESET;
        else if (vl == 6 && memcmp(v, "detach", 6) == 0)
            cfg->runtime = SIM_RT_DETACH;
        else
            rc = bad(p, "bad value for option", k, kl + 1 + vl);
    } else if (KEY("realtime")) {
        rc = parse_flag(p, k, kl, v, vl, has, &b, true);
        cfg->realtime = b != 0;
    } else if (KEY("replug")) {
        rc = parse_flag(p, k, kl, v, vl, has, &b, true);
        cfg->replug = b != 0;
    } else if (KEY("button")) {
        rc = parse_flag(p, k, kl, v, vl, has, &cfg->button, cfg->prof->boot == SIM_BOOT_CUSTOM);
    } else if (KEY("boot0")) {
        rc = parse_flag(p, k, kl, v, vl, has, &cfg->boot0, cfg->prof->boot == SIM_BOOT_STROM);
    } else if (KEY("rdp")) {
        rc = parse_flag(p, k, kl, v, vl, has, &cfg->rdp, profile_has(cfg, SIM_Q_RDP));
    } else if (KEY("tolerant")) {
        rc = parse_flag(p, k, kl, v, vl, has, &cfg->tolerant,
                        profile_has(cfg, SIM_Q_OPTIONS_TOLERANT));
    } else if (KEY("willdetach")) {
        rc = parse_flag(p, k, kl, v, vl, has, &cfg->willdetach,
                        profile_has(cfg, SIM_Q_OPTIONS_TOLERANT));
    } else {
        *done = false;
    }
    return rc;
}

static int parse_option(parser *p, const char *k, size_t kl, const char *v, size_t vl, bool has)
{
    sim_config *cfg = p->cfg;
    uint64_t n;
    int rc;
    bool done;
    rc = parse_flag_option(p, k, kl, v, vl, has, &done);
    if (done) return rc;
    if (!has) return bad(p, "option needs a value:", k, kl);
    if (KEY("state")) return parse_string_option(p, &cfg->state_file, v, vl, 4096, k, kl);
    if (KEY("serial")) return parse_string_option(p, &cfg->serial, v, vl, 60, k, kl);
    if (KEY("path")) return parse_string_option(p, &cfg->path, v, vl, 255, k, kl);
    if (KEY("product")) return parse_string_option(p, &cfg->product, v, vl, 120, k, kl);
    if (KEY("fault")) return parse_fault(p, v, vl);
    if (KEY("seed")) return parse_number(p, k, kl, v, vl, 0, UINT64_MAX, &cfg->seed);
    if (KEY("reenum")) {
        rc = parse_number(p, k, kl, v, vl, 0, 600000, &n);
        cfg->reenum_ms = (int64_t)n;
        return rc;
    }
    if (KEY("transfer")) {
        rc = parse_number(p, k, kl, v, vl, 1, SIM_MAX_XFER, &n);
        cfg->transfer = (uint32_t)n;
        return rc;
    }
    if (KEY("wtransfer")) {
        rc = parse_number(p, k, kl, v, vl, 0, 0xFFFF, &n);
        cfg->wtransfer = (int32_t)n;
        return rc;
    }
    if (KEY("funclen")) {
        if (vl == 1 && (v[0] == '7' || v[0] == '9')) {
            cfg->funclen = (uint8_t)(v[0] - '0');
            return DFU_OK;
        }
        return bad(p, "bad value for option", k, kl + 1 + vl);
    }
    if (KEY("timing")) {
        if (vl == 3 && (memcmp(v, "typ", 3) == 0 || memcmp(v, "max", 3) == 0)) {
            cfg->timing_max = v[1] == 'a';
            return DFU_OK;
        }
        return bad(p, "bad value for option", k, kl + 1 + vl);
    }
    if (KEY("rev")) {
        if (!profile_has(cfg, SIM_Q_H7_STUCK_ERASE))
            return bad(p, "option not supported by this profile:", k, kl);
        if (vl == 1 && (v[0] == 'V' || v[0] == 'Y')) {
            cfg->rev_v = v[0] == 'V';
            return DFU_OK;
        }
        return bad(p, "bad value for option", k, kl + 1 + vl);
    }
    return bad(p, "unknown option", k, kl);
}

static void defaults(sim_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->boot0 = 1;
    cfg->tolerant = -1;
    cfg->willdetach = -1;
    cfg->rev_v = 1;
    cfg->reenum_ms = -1;
    cfg->wtransfer = -1;
}

int dfu_simi_parse(sim_config *cfg, dfu_ctx *ctx, const char *spec)
{
    defaults(cfg);
    if (!spec) return dfu_err(ctx, DFU_ERR_ARG, "sim: no spec string");
    parser p = {ctx, spec, cfg};
    const char *s = strncmp(spec, "sim:", 4) == 0 ? spec + 4 : spec;
    size_t plen = strcspn(s, ",");
    char name[64];
    if (plen == 0 || plen >= sizeof(name)) return bad(&p, "no profile", s, plen);
    memcpy(name, s, plen);
    name[plen] = '\0';
    cfg->prof = dfu_simi_profile_find(name);
    if (!cfg->prof) return unknown_profile(&p, s, plen);
    int rc = DFU_OK;
    for (const char *o = s + plen; !rc && *o == ',';) {
        o++;
        size_t ol = strcspn(o, ",");
        const char *eq = memchr(o, '=', ol);
        size_t kl = eq ? (size_t)(eq - o) : ol;
        if (ol == 0)
            rc = bad(&p, "empty option", o, 0);
        else
            rc = parse_option(&p, o, kl, eq ? eq + 1 : "", eq ? ol - kl - 1 : 0, eq != NULL);
        o += ol;
    }
    if (rc) dfu_simi_config_free(cfg);
    return rc;
}

void dfu_simi_config_free(sim_config *cfg)
{
    free(cfg->state_file);
    free(cfg->serial);
    free(cfg->path);
    free(cfg->product);
    cfg->state_file = cfg->serial = cfg->path = cfg->product = NULL;
}
