/* dfuctl: firmware updates for USB DFU devices. Dispatches to one command per file. */
#include <stdio.h>
#include <string.h>
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
    fprintf(fp, "\n'dfuctl COMMAND --help' describes a command's options. "
                "Exit codes are listed in README.md.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("dfuctl %s (libdfu %s)\n", dfu_version(), dfu_version());
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(name, commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    cli_out out = {{0}, NULL, name};
    out.common.json = cli_json_anywhere(argc - 1, argv + 1);
    if (out.common.json) return cli_usage_report(&out, DFU_ERR_ARG, false, "unknown command");
    fprintf(stderr, "dfuctl: unknown command '%s'\n\n", name);
    usage(stderr);
    return EXIT_USAGE;
}
