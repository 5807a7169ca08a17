/* Ctrl-C and SIGTERM handling for long device operations. */
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#ifndef _WIN32
#include <unistd.h>
#endif

#include "output.h"
#include "signals.h"

static volatile sig_atomic_t interrupts;
/* What a second interrupt prints: formatted before, since a handler may not format. */
static char stop_msg[2600] = "\ndfuctl: stopped at once\n";
static size_t stop_len = sizeof("\ndfuctl: stopped at once\n") - 1;

static void on_signal(int sig)
{
    (void)sig;
    interrupts++;
#ifndef _WIN32
    if (interrupts == 1) {
        static const char msg[] =
            "\ndfuctl: interrupted: finishing the current block (interrupt again to stop now)\n";
        ssize_t n = write(2, msg, sizeof(msg) - 1);
        (void)n;
    } else {
        ssize_t n = write(2, stop_msg, stop_len);
        (void)n;
        _exit(EXIT_INTERRUPTED);
    }
#else
    if (interrupts > 1) _exit(EXIT_INTERRUPTED);
    signal(sig, on_signal);
#endif
}

void cli_signals_install(const char *recover_command)
{
    if (recover_command) {
        int n = snprintf(stop_msg, sizeof(stop_msg),
                         "\ndfuctl: stopped at once; the journal is kept. Finish the update "
                         "with:\n  %s\n",
                         recover_command);
        stop_len = n < 0 ? 0 : (size_t)n < sizeof(stop_msg) ? (size_t)n : sizeof(stop_msg) - 1;
    }
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

bool cli_interrupted(void)
{
    return interrupts > 0;
}
