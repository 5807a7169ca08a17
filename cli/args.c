/* Command-line option parsing (no getopt: it is not on Windows and cannot describe itself). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "output.h"

cli_number cli_parse_number(const char *text, uint32_t max, uint32_t *out)
{
    if (!text) return CLI_NUMBER_INVALID;
    /* "-1" is a number, below the range; strtoull would take it as 2^64 - 1. */
    bool negative = *text == '-';
    const char *digits = text + (negative || *text == '+');
    /* strtoull would skip spaces and take a second sign. */
    if (*digits < '0' || *digits > '9') return CLI_NUMBER_INVALID;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(digits, &end, 0);
    bool too_big = errno == ERANGE;
    if ((errno && !too_big) || end == digits) return CLI_NUMBER_INVALID;
    static const struct {
        const char *suffix;
        unsigned long long mult;
    } units[] = {{"", 1},       {"K", 1024},        {"k", 1024},
                 {"KiB", 1024}, {"M", 1024 * 1024}, {"MiB", 1024 * 1024}};
    unsigned long long mult = 0;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(end, units[i].suffix) == 0) mult = units[i].mult;
    if (!mult) return CLI_NUMBER_INVALID;
    if (too_big || (negative && v) || v > max / mult) return CLI_NUMBER_RANGE;
    *out = (uint32_t)(v * mult);
    return CLI_NUMBER_OK;
}

void cli_number_message(cli_number result, const char *name, const char *text, uint32_t max,
                        char *buf, size_t cap)
{
    /* 0xffff is easier to recognise than 65535; 86400 reads better in decimal. */
    char hex[16] = "";
    if ((max & (max + 1u)) == 0) snprintf(hex, sizeof(hex), " (0x%lx)", (unsigned long)max);
    if (result == CLI_NUMBER_RANGE)
        snprintf(buf, cap, "--%s: '%s' is out of range: it takes 0 to %lu%s", name, text,
                 (unsigned long)max, hex);
    else
        snprintf(buf, cap, "--%s: '%s' is not a number (examples: 4096, 0x08000000, 64K)", name,
                 text);
}

static uint32_t kind_max(opt_kind kind)
{
    switch (kind) {
    case OPT_U8: return 0xffu;
    case OPT_U16: return 0xffffu;
    case OPT_SECONDS: return 86400u;
    default: return UINT32_MAX;
    }
}

static const cli_opt *find(const cli_opt *opts, const cli_opt *common, const char *name, size_t len,
                           char short_name)
{
    const cli_opt *tables[] = {opts, common};
    for (int t = 0; t < 2; t++) {
        for (const cli_opt *o = tables[t]; o && o->name; o++) {
            if (short_name ? o->short_name == short_name
                           : (strlen(o->name) == len && strncmp(o->name, name, len) == 0))
                return o;
        }
    }
    return NULL;
}

/* Where o is in opts (-1 when it is not there, or too far down to be tracked). */
static int index_of(const cli_opt *opts, const cli_opt *o)
{
    for (int i = 0; i < CLI_MAX_OPTS && opts && opts[i].name; i++)
        if (&opts[i] == o) return i;
    return -1;
}

bool cli_json_anywhere(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--json") == 0) return true;
    return false;
}

static int fail(const char *cmd, bool json, bool hint, const char *fmt, ...) DFU_PRINTF(4, 5);
static int fail(const char *cmd, bool json, bool hint, const char *fmt, ...)
{
    cli_out out = {{0}, NULL, cmd};
    out.common.json = json;
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cli_usage_report(&out, DFU_ERR_ARG, hint, msg);
    return -1;
}

static int assign(const char *cmd, bool json, const cli_opt *o, const char *value)
{
    if (o->seen) *o->seen = true;
    switch (o->kind) {
    case OPT_FLAG: *(bool *)o->value = true; return 0;
    case OPT_COUNT: (*(int *)o->value)++; return 0;
    case OPT_STRING: *(const char **)o->value = value; return 0;
    case OPT_U32:
    case OPT_U16:
    case OPT_U8:
    case OPT_SECONDS: {
        cli_number r = cli_parse_number(value, kind_max(o->kind), (uint32_t *)o->value);
        if (r == CLI_NUMBER_OK) return 0;
        char msg[512];
        cli_number_message(r, o->name, value, kind_max(o->kind), msg, sizeof(msg));
        return fail(cmd, json, false, "%s", msg);
    }
    }
    return -1;
}

int cli_parse(int argc, char **argv, const cli_opt *opts, cli_common *common, const char **pos,
              int max_pos, int *npos)
{
    const cli_opt common_opts[] = {
        {"json", 0, OPT_FLAG, &common->json, NULL, NULL, "machine-readable JSON output"},
        {"quiet", 'q', OPT_FLAG, &common->quiet, NULL, NULL, "print nothing but errors"},
        {"verbose", 'v', OPT_COUNT, &common->verbose, NULL, NULL, "more detail (repeatable)"},
        {"help", 'h', OPT_FLAG, &common->help, NULL, NULL, "show this help"},
        {NULL, 0, OPT_FLAG, NULL, NULL, NULL, NULL},
    };
    const char *cmd = argv[0];
    bool json = cli_json_anywhere(argc, argv);
    bool options_done = false;
    /* The value each option with a value was given, to refuse a second one: "-d A -d B" must
     * not quietly act on B (or an --address, --size or -o other than the one meant). */
    const char *given[CLI_MAX_OPTS] = {0};
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || a[1] == '\0') {
            if (*npos >= max_pos) return fail(cmd, json, true, "unexpected argument '%s'", a);
            pos[(*npos)++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = true;
            continue;
        }
        const cli_opt *o;
        const char *value = NULL;
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            o = find(opts, common_opts, a + 2, len, 0);
            if (eq) value = eq + 1;
        } else {
            o = find(opts, common_opts, NULL, 0, a[1]);
            if (o && a[2]) value = a + 2; /* -ofile */
        }
        if (!o) return fail(cmd, json, true, "unknown option '%s'", a);
        if (o->kind == OPT_FLAG || o->kind == OPT_COUNT) {
            if (value && a[1] == '-') return fail(cmd, json, false, "--%s takes no value", o->name);
            if (value) { /* bundled short flags: -qv */
                for (const char *c = a + 1; *c; c++) {
                    const cli_opt *f = find(opts, common_opts, NULL, 0, *c);
                    if (!f || (f->kind != OPT_FLAG && f->kind != OPT_COUNT))
                        return fail(cmd, json, false, "unknown option '-%c' in '%s'", *c, a);
                    assign(cmd, json, f, NULL);
                }
                continue;
            }
        } else if (!value) {
            if (i + 1 >= argc)
                return fail(cmd, json, false, "--%s needs a value (%s)", o->name,
                            o->metavar ? o->metavar : "VALUE");
            value = argv[++i];
        }
        int idx = index_of(opts, o);
        if (o->kind != OPT_FLAG && o->kind != OPT_COUNT && idx >= 0) {
            const char **prev = &given[idx];
            if (*prev)
                return fail(cmd, json, false, "--%s given twice ('%s' and '%s'); give it once",
                            o->name, *prev, value);
            *prev = value;
        }
        if (assign(cmd, json, o, value)) return -1;
    }
    return 0;
}

void cli_print_help(const char *cmd, const char *usage, const char *summary, const cli_opt *opts)
{
    printf("usage: dfuctl %s %s\n\n%s\n\noptions:\n", cmd, usage, summary);
    for (const cli_opt *o = opts; o && o->name; o++) {
        char left[64];
        if (o->short_name)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
                     o->metavar ? " " : "", o->metavar ? o->metavar : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->metavar ? " " : "",
                     o->metavar ? o->metavar : "");
        printf("  %-30s %s\n", left, o->help);
    }
    printf("  %-30s %s\n  %-30s %s\n  %-30s %s\n  %-30s %s\n", "    --json",
           "machine-readable JSON output", "-q, --quiet", "print nothing but errors",
           "-v, --verbose", "more detail (repeatable)", "-h, --help", "show this help");
}
