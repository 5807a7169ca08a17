/* dfuctl: firmware updates for USB DFU devices. Dispatches to one command per file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>
#endif
#include <libdfu/libdfu.h>

#include "commands.h"
#include "output.h"

static const cli_command commands[] = {
    {"info", cmd_info, "describe a firmware file: format, identity, targets, segments"},
    {"convert", cmd_convert, "convert a firmware file between bin, hex, srec, elf, dfu, dfuse"},
    {"flash", cmd_flash, "write a firmware file to a device, verify it, start it"},
    {"read", cmd_read, "read a device's memory into a file"},
    {"verify", cmd_verify, "compare a device's memory with a firmware file"},
    {"erase", cmd_erase, "erase sectors, or the whole flash"},
    {"unprotect", cmd_unprotect, "remove read protection (erases everything)"},
    {"detach", cmd_detach, "bring a device from its application into DFU mode"},
    {"leave", cmd_leave, "leave DFU mode and start the firmware"},
    {"reset", cmd_reset, "USB-reset a device"},
    {"recover", cmd_recover, "finish an interrupted update"},
    {"list", cmd_list, "list DFU devices, their alternate settings and memory layouts"},
};

static void usage(FILE *fp)
{
    fprintf(fp, "usage: dfuctl COMMAND [options] [args]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
    /* Handled in main(), without options of their own; listed for people and for the shell
     * completion, which takes every command from this text. */
    fprintf(fp, "\nother commands:\n  %-10s %s\n  %-10s %s\n", "help",
            "this text, or with COMMAND that command's options", "version",
            "print the versions of dfuctl and libdfu (as --version)");
    fprintf(fp, "\n'dfuctl COMMAND --help' or 'dfuctl help COMMAND' describes a command's options. "
                "Exit codes are listed in dfuctl(1) and README.md.\n");
}

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(name, commands[i].name) == 0) return &commands[i];
    return NULL;
}

/* The options every command takes that may also come before its name, as people write them
 * out of habit (`dfuctl --json flash FW`): --json, -q/--quiet, -v/--verbose, and bundles of the
 * short ones (-qv). */
static bool is_leading_option(const char *a)
{
    if (!strcmp(a, "--json") || !strcmp(a, "--quiet") || !strcmp(a, "--verbose")) return true;
    if (a[0] != '-' || a[1] == '\0' || a[1] == '-') return false;
    for (const char *c = a + 1; *c; c++)
        if (*c != 'q' && *c != 'v') return false;
    return true;
}

/* A usage error before a command was found. out.cmd is the command when the line names one. */
static int early_usage_error(int argc, char **argv, int at, const char *message)
{
    cli_out out = {{0}, NULL, NULL};
    out.common.json = cli_json_anywhere(argc, argv);
    for (int i = at; i < argc && !out.cmd && strcmp(argv[i], "--") != 0; i++)
        if (find_command(argv[i])) out.cmd = argv[i];
    if (out.common.json || out.cmd) return cli_usage_report(&out, DFU_ERR_ARG, true, message);
    fprintf(stderr, "dfuctl: %s\n\n", message);
    usage(stderr);
    return EXIT_USAGE;
}

#ifdef _WIN32
/* The console's code page belongs to the console, shared with the shell that started us: put
 * back what it was. */
static UINT console_cp;
static void restore_console_cp(void)
{
    SetConsoleOutputCP(console_cp);
}
#endif

int main(int argc, char **argv)
{
    /* Whole lines reach a log or a pipe as they are printed: a process stopped at once (a
     * second Ctrl-C) leaves no JSON line or message half-written in a buffer. */
#ifndef _WIN32
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
#else
    setvbuf(stdout, NULL, _IONBF, 0); /* Windows' C runtime takes line buffering as full */
    /* The manifest makes our strings UTF-8 (cli/windows/dfuctl.manifest.in); the console shows
     * them so only when told. */
    console_cp = GetConsoleOutputCP();
    if (console_cp && console_cp != CP_UTF8 && SetConsoleOutputCP(CP_UTF8))
        atexit(restore_console_cp);
#endif
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    int at = 1;
    while (at < argc && is_leading_option(argv[at])) at++;
    if (at == argc) return early_usage_error(argc, argv, at, "no command given");
    const char *name = argv[at];
    if (strcmp(name, "help") == 0 && at + 1 < argc && strcmp(argv[at + 1], "-h") != 0 &&
        strcmp(argv[at + 1], "--help") != 0) {
        /* `dfuctl help flash` is `dfuctl flash --help`. */
        if (at + 2 < argc) {
            char msg[512];
            snprintf(msg, sizeof(msg), "help: one command at a time ('%.200s' is one too many)",
                     argv[at + 2]);
            return early_usage_error(argc, argv, at, msg);
        }
        const cli_command *c = find_command(argv[at + 1]);
        if (!c) {
            char msg[512];
            snprintf(msg, sizeof(msg), "help: unknown command '%.200s'", argv[at + 1]);
            return early_usage_error(argc, argv, at, msg);
        }
        char help_opt[] = "--help";
        char *help_argv[] = {argv[at + 1], help_opt, NULL};
        return c->run(2, help_argv);
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("dfuctl %s (libdfu %s)\n", dfu_version(), dfu_version());
        return EXIT_OK;
    }
    if (name[0] == '-') {
        char msg[512];
        snprintf(msg, sizeof(msg),
                 "unknown option '%.200s' before the command: only --json, -q/--quiet and "
                 "-v/--verbose may come before it",
                 name);
        return early_usage_error(argc, argv, at, msg);
    }
    const cli_command *c = find_command(name);
    if (c) {
        /* The leading options go right after the name, as if given there (before any "--"). */
        char *arg = argv[at];
        for (int i = at; i > 1; i--) argv[i] = argv[i - 1];
        argv[1] = arg;
        return c->run(argc - 1, argv + 1);
    }
    cli_out out = {{0}, NULL, name};
    out.common.json = cli_json_anywhere(argc, argv);
    if (out.common.json) return cli_usage_report(&out, DFU_ERR_ARG, false, "unknown command");
    fprintf(stderr, "dfuctl: unknown command '%s'\n\n", name);
    usage(stderr);
    return EXIT_USAGE;
}
