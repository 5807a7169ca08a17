/* Ctrl-C and SIGTERM handling for long device operations. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <unistd.h>
#endif

#include "output.h"
#include "signals.h"

static volatile sig_atomic_t interrupts;

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
        static const char msg[] = "\ndfuctl: stopped at once; run `dfuctl recover` to finish\n";
        ssize_t n = write(2, msg, sizeof(msg) - 1);
        (void)n;
        _exit(EXIT_INTERRUPTED);
    }
#else
    if (interrupts > 1) _exit(EXIT_INTERRUPTED);
    signal(sig, on_signal);
#endif
}

void cli_signals_install(void)
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

bool cli_interrupted(void)
{
    return interrupts > 0;
}
