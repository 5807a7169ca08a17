/* Ctrl-C and SIGTERM handling for long device operations. */
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#ifndef _WIN32
#include <unistd.h>
#else
#include <io.h>
#endif

#include "output.h"
#include "recover_hint.h"
#include "signals.h"

static volatile sig_atomic_t interrupts;
/* What the first interrupt prints: it depends on what is being stopped. */
static const char finishing_msg[] =
    "\ndfuctl: interrupted: finishing the current block (interrupt again to stop now)\n";
static const char waiting_msg[] = "\ndfuctl: interrupted: no longer waiting for the device\n";
static const char *volatile first_msg = finishing_msg;
static volatile size_t first_len = sizeof(finishing_msg) - 1;
/* What a second interrupt prints: formatted before, since a handler may not format. */
static char stop_msg[CLI_RECOVER_COMMAND_MAX + 128] = "\ndfuctl: stopped at once\n";
static size_t stop_len = sizeof("\ndfuctl: stopped at once\n") - 1;

/* With --json, the error object a second interrupt ends stdout with. */
static char json_cmd[32];
static char stop_json[2 * CLI_RECOVER_COMMAND_MAX + 512];
static size_t stop_json_len;

static void on_signal(int sig)
{
    (void)sig;
    interrupts++;
#ifndef _WIN32
    if (interrupts == 1) {
        ssize_t n = write(2, first_msg, first_len);
        (void)n;
    } else {
        ssize_t n = write(2, stop_msg, stop_len);
        if (stop_json_len) n = write(1, stop_json, stop_json_len);
        (void)n;
        _exit(EXIT_INTERRUPTED);
    }
#else
    /* Windows runs the handler on a thread of its own, where the C runtime's _write is safe. */
    if (interrupts > 1) {
        _write(2, stop_msg, (unsigned)stop_len);
        if (stop_json_len) _write(1, stop_json, (unsigned)stop_json_len);
        _exit(EXIT_INTERRUPTED);
    }
    signal(sig, on_signal);
#endif
}

void cli_signals_json(const char *cmd)
{
    snprintf(json_cmd, sizeof(json_cmd), "%s", cmd ? cmd : "");
}

/* s as a JSON string's contents, as jw_string writes them; false when it does not fit cap. */
static bool json_escape(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    while (*s) {
        char esc[8];
        s += cli_json_char(s, esc);
        size_t len = strlen(esc);
        if (o + len >= cap) return false;
        memcpy(out + o, esc, len);
        o += len;
    }
    out[o] = '\0';
    return true;
}

static void format_stop_json(const char *recover_command)
{
    static char msg[CLI_RECOVER_COMMAND_MAX + 128], esc[sizeof(stop_json) - 256];
    if (recover_command)
        snprintf(msg, sizeof(msg),
                 "stopped at once by a second interrupt; the journal is kept. Finish the "
                 "update with: %s",
                 recover_command);
    else
        snprintf(msg, sizeof(msg), "stopped at once by a second interrupt");
    if (!json_escape(esc, sizeof(esc), msg)) /* the command's quoting, escaped again */
        snprintf(esc, sizeof(esc), "stopped at once by a second interrupt; the journal is kept");
    int n = snprintf(stop_json, sizeof(stop_json),
                     "{\"type\":\"error\",\"command\":\"%s\",\"error\":\"%s\",\"exit_code\":%d,"
                     "\"message\":\"%s\",\"dfu_status\":null,\"dfu_state\":null}\n",
                     json_cmd, dfu_error_name(DFU_ERR_CANCELLED), EXIT_INTERRUPTED, esc);
    stop_json_len = n < 0                           ? 0
                    : (size_t)n < sizeof(stop_json) ? (size_t)n
                                                    : 0; /* never half an object */
}

static void install_handlers(void)
{
#ifndef _WIN32
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
#else
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
#endif
}

void cli_signals_install_waiting(void)
{
    if (json_cmd[0]) format_stop_json(NULL);
    first_msg = waiting_msg;
    first_len = sizeof(waiting_msg) - 1;
    install_handlers();
}

void cli_signals_install(const char *recover_command)
{
    first_msg = finishing_msg;
    first_len = sizeof(finishing_msg) - 1;
    if (json_cmd[0]) format_stop_json(recover_command);
    if (recover_command) {
        int n = snprintf(stop_msg, sizeof(stop_msg),
                         "\ndfuctl: stopped at once; the journal is kept. Finish the update "
                         "with:\n  %s\n",
                         recover_command);
        stop_len = n < 0 ? 0 : (size_t)n < sizeof(stop_msg) ? (size_t)n : sizeof(stop_msg) - 1;
    }
    install_handlers();
}

bool cli_interrupted(void)
{
    return interrupts > 0;
}
