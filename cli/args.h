/* Command-line options: each command declares a table; this parses argv against it. */
#ifndef DFUCTL_ARGS_H
#define DFUCTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum opt_kind {
    OPT_FLAG,    /* bool, no value */
    OPT_STRING,  /* const char * */
    OPT_U32,     /* uint32_t: decimal, 0x hex, optional K/M suffix (KiB, MiB) */
    OPT_U16,     /* the same, 0 to 65535 (a uint32_t too) */
    OPT_U8,      /* the same, 0 to 255 (a uint32_t too) */
    OPT_SECONDS, /* the same, 0 to a day (86400; a uint32_t too) */
    OPT_COUNT,   /* int incremented each time (-v -v) */
} opt_kind;

typedef struct cli_opt {
    const char *name; /* long name without "--" */
    char short_name;  /* 0 when none */
    opt_kind kind;
    void *value; /* bool *, const char **, uint32_t *, int * */
    bool *seen;  /* optional: set when given */
    const char *metavar;
    const char *help;
} cli_opt;

/* The most options a command's table may have (an option given twice is refused). */
#define CLI_MAX_OPTS 64

/* Options every command takes. */
typedef struct cli_common {
    bool json;
    bool quiet;
    int verbose;
    bool help;
} cli_common;

/*
 * Parses argv[1..] (argv[0] is the command name) against opts (terminated by a {NULL} entry)
 * plus the common options; positional arguments go to pos (at most max_pos). Options and
 * positionals may be mixed; "--" ends options. An option that takes a value may be given only
 * once. Returns 0, or reports the problem as a usage error
 * (as JSON too when --json is anywhere on the command line) and returns -1.
 */
int cli_parse(int argc, char **argv, const cli_opt *opts, cli_common *common, const char **pos,
              int max_pos, int *npos);
typedef enum cli_number {
    CLI_NUMBER_OK,
    CLI_NUMBER_INVALID, /* not a number */
    CLI_NUMBER_RANGE,   /* a number, but below 0 or above max */
} cli_number;

/* Parses a number like the option parser does ("0x08000000", "64K", "1M"), from 0 to max. */
cli_number cli_parse_number(const char *text, uint32_t max, uint32_t *out);
/* The usage error for a number that failed: "--NAME: 'TEXT' is not a number (examples: ...)",
 * or "--NAME: 'TEXT' is out of range: it takes 0 to MAX". */
void cli_number_message(cli_number result, const char *name, const char *text, uint32_t max,
                        char *buf, size_t cap);
/* Whether --json is on the command line (before any "--"): a usage error is then reported as
 * JSON too, even one found before the option was reached. argv[0] is the command. */
bool cli_json_anywhere(int argc, char **argv);
/* Prints "usage: dfuctl CMD USAGE" and the option table. */
void cli_print_help(const char *cmd, const char *usage, const char *summary, const cli_opt *opts);

#endif
