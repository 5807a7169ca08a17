/* Exit codes, error and log reporting, and the JSON writer. */
#include <stdarg.h>
#include <string.h>

#include "lib_terms.h"
#include "output.h"
#include "printable.h"
#include "signals.h"

int cli_exit_code(int err)
{
    switch (err) {
    case DFU_OK: return EXIT_OK;
    case DFU_ERR_ARG:
    case DFU_ERR_EXISTS: return EXIT_USAGE;
    case DFU_ERR_FORMAT: return EXIT_BAD_FILE;
    case DFU_ERR_NO_DEVICE:
    case DFU_ERR_NOT_FOUND: return EXIT_NO_DEVICE;
    case DFU_ERR_AMBIGUOUS: return EXIT_SEVERAL;
    case DFU_ERR_ACCESS:
    case DFU_ERR_BUSY:
    case DFU_ERR_STALL:
    case DFU_ERR_TIMEOUT:
    case DFU_ERR_DISCONNECTED:
    case DFU_ERR_USB:
    case DFU_ERR_DEVICE:
    case DFU_ERR_PROTOCOL: return EXIT_DEVICE;
    case DFU_ERR_VERIFY: return EXIT_VERIFY;
    case DFU_ERR_CANCELLED: return EXIT_INTERRUPTED;
    case DFU_ERR_REFUSED: return EXIT_REFUSED;
    default: return EXIT_FAILURE_OTHER;
    }
}

int cli_device_fallback(int err)
{
    return err == DFU_ERR_UNSUPPORTED ? EXIT_REFUSED : EXIT_OK;
}

/* A library message for the terminal: in dfuctl's terms, and with the control characters a
 * device's strings or a file's target names may carry escaped. JSON keeps them, escaped its way. */
static const char *terminal_text(const char *msg, char *buf, size_t cap)
{
    char terms[4096];
    return cli_printable_text(cli_lib_terms(msg, terms, sizeof(terms)), buf, cap);
}

static void log_line(dfu_log_level level, const char *line, void *payload)
{
    (void)payload;
    static const char *const prefix[] = {"error: ", "warning: ", "", ""};
    char text[4096];
    fprintf(stderr, "dfuctl: %s%s\n", prefix[level], terminal_text(line, text, sizeof(text)));
}

void cli_install_log(cli_out *out)
{
    dfu_log_level max = DFU_LOG_WARN;
    if (out->common.quiet) max = DFU_LOG_ERROR;
    if (out->common.verbose == 1) max = DFU_LOG_INFO;
    if (out->common.verbose >= 2) max = DFU_LOG_DEBUG;
    dfu_ctx_set_log(out->ctx, log_line, max, NULL);
    if (out->common.json) cli_signals_json(out->cmd);
}

int cli_report_error_text(cli_out *out, int err, int fallback_exit)
{
    const dfu_error_info *e = dfu_ctx_error(out->ctx);
    char text[4096];
    const char *msg = terminal_text(
        (e->code == err && e->message[0]) ? e->message : dfu_error_name(err), text, sizeof(text));
    fprintf(stderr, "dfuctl %s: error: %s\n", out->cmd, msg);
    return fallback_exit != EXIT_OK ? fallback_exit : cli_exit_code(err);
}

/* The error object of README.md's "JSON lines" table. */
static void json_error(const char *cmd, int err, int code, const char *msg,
                       const dfu_error_info *said)
{
    json_w w;
    jw_init(&w, stdout);
    jw_object(&w, NULL);
    jw_string(&w, "type", "error");
    jw_string(&w, "command", cmd);
    jw_string(&w, "error", dfu_error_name(err));
    jw_int(&w, "exit_code", code);
    jw_string(&w, "message", msg);
    cli_json_device_said(&w, said);
    jw_end(&w);
    jw_finish(&w);
}

void cli_json_device_said(json_w *w, const dfu_error_info *e)
{
    if (e && e->dfu_status >= 0)
        jw_string(w, "dfu_status", dfu_status_name(e->dfu_status));
    else
        jw_null(w, "dfu_status");
    if (e && e->dfu_state >= 0)
        jw_string(w, "dfu_state", dfu_state_name(e->dfu_state));
    else
        jw_null(w, "dfu_state");
}

int cli_report_error(cli_out *out, int err, int fallback_exit)
{
    const dfu_error_info *e = dfu_ctx_error(out->ctx);
    char text[4096];
    const char *msg = cli_lib_terms(
        (e->code == err && e->message[0]) ? e->message : dfu_error_name(err), text, sizeof(text));
    int code = cli_report_error_text(out, err, fallback_exit);
    if (out->common.json) json_error(out->cmd, err, code, msg, e->code == err ? e : NULL);
    return code;
}

int cli_report_message(const cli_out *out, int err, const char *message)
{
    int code = cli_exit_code(err);
    fprintf(stderr, "dfuctl %s: error: %s\n", out->cmd, message);
    if (out->common.json) json_error(out->cmd, err, code, message, NULL);
    return code;
}

int cli_usage_report(const cli_out *out, int err, bool hint, const char *message)
{
    const char *cmd = out->cmd ? out->cmd : "";
    fprintf(stderr, "dfuctl%s%s: %s", out->cmd ? " " : "", cmd, message);
    if (hint) fprintf(stderr, " (see dfuctl%s%s --help)", out->cmd ? " " : "", cmd);
    fputc('\n', stderr);
    if (out->common.json) json_error(out->cmd, err, EXIT_USAGE, message, NULL);
    return EXIT_USAGE;
}

int cli_usage_error(const cli_out *out, const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return cli_usage_report(out, DFU_ERR_ARG, true, msg);
}

void cli_say(const cli_out *out, const char *fmt, ...)
{
    if (out->common.quiet || out->common.json) return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout); /* a log shows it when it happens, not at exit */
}

void jw_init(json_w *w, FILE *fp)
{
    memset(w, 0, sizeof(*w));
    w->fp = fp;
    w->first[0] = true;
}

size_t cli_json_char(const char *s, char esc[8])
{
    const unsigned char *p = (const unsigned char *)s;
    switch (*p) {
    case '"': snprintf(esc, 8, "\\\""); return 1;
    case '\\': snprintf(esc, 8, "\\\\"); return 1;
    case '\n': snprintf(esc, 8, "\\n"); return 1;
    case '\r': snprintf(esc, 8, "\\r"); return 1;
    case '\t': snprintf(esc, 8, "\\t"); return 1;
    default: break;
    }
    if (*p < 0x20) {
        snprintf(esc, 8, "\\u%04x", *p);
        return 1;
    }
    if (*p < 0x80) {
        snprintf(esc, 8, "%c", *p);
        return 1;
    }
    /* Device strings and file names are not always UTF-8: keep the JSON valid. C1 controls are
     * escaped too, for the terminal that shows it (0x9B is CSI). */
    uint32_t cp = 0;
    size_t n = cli_utf8_len(s, &cp);
    if (!n)
        snprintf(esc, 8, "\\ufffd");
    else if (cp < 0xA0)
        snprintf(esc, 8, "\\u%04x", (unsigned)cp);
    else
        snprintf(esc, 8, "%.*s", (int)n, s);
    return n ? n : 1;
}

static void put_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    while (*s) {
        char esc[8];
        s += cli_json_char(s, esc);
        fputs(esc, fp);
    }
    fputc('"', fp);
}

static void key(json_w *w, const char *k)
{
    if (!w->first[w->depth]) fputc(',', w->fp);
    w->first[w->depth] = false;
    if (k) {
        put_string(w->fp, k);
        fputc(':', w->fp);
    }
}

static void open_nested(json_w *w, const char *k, char open, char close)
{
    key(w, k);
    fputc(open, w->fp);
    if (w->depth + 1 < JSON_MAX_DEPTH) w->depth++;
    w->first[w->depth] = true;
    w->closer[w->depth] = close;
}

void jw_object(json_w *w, const char *k)
{
    open_nested(w, k, '{', '}');
}

void jw_array(json_w *w, const char *k)
{
    open_nested(w, k, '[', ']');
}

void jw_end(json_w *w)
{
    if (w->depth == 0) return;
    fputc(w->closer[w->depth], w->fp);
    w->depth--;
}

void jw_string(json_w *w, const char *k, const char *value)
{
    key(w, k);
    if (value)
        put_string(w->fp, value);
    else
        fputs("null", w->fp);
}

void jw_uint(json_w *w, const char *k, uint64_t value)
{
    key(w, k);
    fprintf(w->fp, "%llu", (unsigned long long)value);
}

void jw_int(json_w *w, const char *k, int64_t value)
{
    key(w, k);
    fprintf(w->fp, "%lld", (long long)value);
}

void jw_double(json_w *w, const char *k, double value)
{
    key(w, k);
    fprintf(w->fp, "%.6g", value);
}

void jw_bool(json_w *w, const char *k, bool value)
{
    key(w, k);
    fputs(value ? "true" : "false", w->fp);
}

void jw_null(json_w *w, const char *k)
{
    key(w, k);
    fputs("null", w->fp);
}

void jw_finish(json_w *w)
{
    while (w->depth > 0) jw_end(w);
    fputc('\n', w->fp);
    fflush(w->fp);
    w->first[0] = true;
}
