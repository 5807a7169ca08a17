/* Command-line option parsing (no getopt: it is not on Windows and cannot describe itself). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "output.h"

bool cli_parse_u32(const char *text, uint32_t *out)
{
    if (!text || !*text || *text == '-') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    if (errno || end == text) return false;
    static const struct {
        const char *suffix;
        unsigned long long mult;
    } units[] = {{"", 1},       {"K", 1024},        {"k", 1024},
                 {"KiB", 1024}, {"M", 1024 * 1024}, {"MiB", 1024 * 1024}};
    unsigned long long mult = 0;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(end, units[i].suffix) == 0) mult = units[i].mult;
    if (!mult) return false;
    if (v > UINT32_MAX / mult) return false;
    *out = (uint32_t)(v * mult);
    return true;
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
        if (!cli_parse_u32(value, (uint32_t *)o->value))
            return fail(cmd, json, false,
                        "--%s: '%s' is not a number (examples: 4096, 0x08000000, 64K)", o->name,
                        value);
        return 0;
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
