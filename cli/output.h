/* Output of dfuctl: exit codes, errors, logs, and a small JSON writer. */
#ifndef DFUCTL_OUTPUT_H
#define DFUCTL_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <libdfu/libdfu.h>

#include "args.h"

/* Exit codes; documented in README.md ("Exit codes"). Scripts rely on them: never renumber. */
enum cli_exit {
    EXIT_OK = 0,
    EXIT_FAILURE_OTHER = 1, /* anything not below: output file, memory, internal */
    EXIT_USAGE = 2,         /* bad command line */
    EXIT_BAD_FILE = 3,      /* input file unreadable or malformed */
    EXIT_NO_DEVICE = 4,     /* no device matched */
    EXIT_SEVERAL = 5,       /* several devices matched */
    EXIT_DEVICE = 6,        /* device reported an error, or the link failed */
    EXIT_VERIFY = 7,        /* read-back differs from the image */
    EXIT_INTERRUPTED = 8,   /* interrupted or cancelled: run `dfuctl recover` */
    EXIT_REFUSED = 9,       /* a safety check refused to write */
};

/* The exit code for a libdfu error code. */
int cli_exit_code(int dfu_err);
/* fallback_exit for a device operation's error: a request the device cannot carry out
 * (DFU_ERR_UNSUPPORTED: reading back a device that cannot upload, erasing a DFU 1.1 device) is
 * refused before its memory is touched: EXIT_REFUSED, not "other failure". EXIT_OK (the mapping)
 * otherwise. File formats also say DFU_ERR_UNSUPPORTED, hence not in cli_exit_code(). */
int cli_device_fallback(int dfu_err);

/* Everything a command needs to report. */
typedef struct cli_out {
    cli_common common;
    dfu_ctx *ctx;
    const char *cmd;
} cli_out;

/* Routes libdfu's log lines to stderr according to -q/-v. */
void cli_install_log(cli_out *out);
/* Reports the context's last error (text on stderr; with --json also a JSON line on stdout) and
 * returns the exit code. fallback_exit overrides the mapping when not EXIT_OK. */
int cli_report_error(cli_out *out, int err, int fallback_exit);
/* An error dfuctl itself finds, with the code of libdfu error err: the same two outputs. */
int cli_report_message(const cli_out *out, int err, const char *message);
/* The same on stderr only: for commands whose JSON result line carries the error. */
int cli_report_error_text(cli_out *out, int err, int fallback_exit);
/* A usage error: message on stderr, followed by a pointer to --help; with --json also the error
 * object on stdout ("error": "arg"). Returns exit code 2. */
int cli_usage_error(const cli_out *out, const char *fmt, ...) DFU_PRINTF(2, 3);
/* The same with the error's name (DFU_ERR_EXISTS for an output file that exists) and without
 * the pointer to --help when hint is false. out->cmd NULL: no command was found ("command" is
 * null in the JSON object). */
int cli_usage_report(const cli_out *out, int err, bool hint, const char *message);
/* Human output goes through this: nothing with --quiet or --json. */
void cli_say(const cli_out *out, const char *fmt, ...) DFU_PRINTF(2, 3);

/* A compact JSON writer: one value, commas and nesting handled. */
#define JSON_MAX_DEPTH 32
typedef struct json_w {
    FILE *fp;
    int depth;
    bool first[JSON_MAX_DEPTH];
    char closer[JSON_MAX_DEPTH]; /* '}' or ']' for each open level */
} json_w;

void jw_init(json_w *w, FILE *fp);
/* The JSON text for the character at s (a C string) in esc, as jw_string writes it: quotes,
 * backslashes and control characters (C1 included) escaped, invalid UTF-8 as U+FFFD. Returns
 * the bytes of s it stands for. */
size_t cli_json_char(const char *s, char esc[8]);
/* key is NULL inside arrays and at the top level. */
void jw_object(json_w *w, const char *key);
void jw_array(json_w *w, const char *key);
void jw_end(json_w *w); /* closes the innermost object or array */
void jw_string(json_w *w, const char *key, const char *value); /* NULL writes null */
void jw_uint(json_w *w, const char *key, uint64_t value);
void jw_int(json_w *w, const char *key, int64_t value);
void jw_double(json_w *w, const char *key, double value);
void jw_bool(json_w *w, const char *key, bool value);
void jw_null(json_w *w, const char *key);
/* "dfu_status" and "dfu_state" of an error the device reported; null when unknown (e NULL, or the
 * error did not come from the device). */
void cli_json_device_said(json_w *w, const dfu_error_info *e);
/* Ends the top-level value with a newline and flushes (one JSON object per line). */
void jw_finish(json_w *w);

#endif
