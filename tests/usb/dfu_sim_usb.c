/*
 * dfu-sim-usb: serves simulated DFU devices as USB devices and runs a command that sees them.
 *
 *   dfu-sim-usb [-v] [--node-mode OCTAL] SPEC... -- COMMAND [ARG...]
 *   dfu-sim-usb sim:stm32f405,runtime -- dfu-util -l
 *   dfu-sim-usb sim:stm32f405 sim:stm32f405 -- dfuctl list
 *
 * Each SPEC (sim.h; a leading "sim:" is optional) is one device at port path 1-1, 1-2, ... The
 * command, and everything it starts, runs under umockdev's preload and talks to the devices
 * with any libusb. Exit status: the command's; 125 when the bridge itself fails.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bridge.h"

#define EXIT_BRIDGE 125

static int usage(void)
{
    fprintf(stderr, "usage: dfu-sim-usb [-v] [--node-mode OCTAL] SPEC... -- COMMAND [ARG...]\n"
                    "serves each simulated device SPEC (e.g. sim:stm32f405,runtime) as a USB "
                    "device to COMMAND through umockdev\n"
                    "  -v                 log plugs, unplugs and control transfers\n"
                    "  --node-mode OCTAL  access mode of the device nodes (default 0666; 0600 "
                    "locks out non-root clients)\n");
    return EXIT_BRIDGE;
}

static int run(char **cmd)
{
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execvp(cmd[0], cmd);
        fprintf(stderr, "dfu-sim-usb: %s: %s\n", cmd[0], strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
    char err[1024];
    if (!sim_usb_reexec_under_preload(argv, err, sizeof(err))) {
        fprintf(stderr, "dfu-sim-usb: %s\n", err);
        return EXIT_BRIDGE;
    }
    int first = 1, sep = -1;
    bool verbose = false;
    unsigned mode = 0666;
    for (; first < argc && argv[first][0] == '-' && strcmp(argv[first], "--"); first++) {
        if (!strcmp(argv[first], "-v"))
            verbose = true;
        else if (!strcmp(argv[first], "--node-mode") && first + 1 < argc)
            mode = (unsigned)strtoul(argv[++first], NULL, 8);
        else
            return usage();
    }
    for (int i = first; i < argc && sep < 0; i++)
        if (!strcmp(argv[i], "--")) sep = i;
    if (sep < 0 || sep + 1 >= argc) return usage();
    sim_usb *b =
        sim_usb_new((const char *const *)argv + first, (size_t)(sep - first), err, sizeof(err));
    if (!b) {
        fprintf(stderr, "dfu-sim-usb: %s\n", err);
        return EXIT_BRIDGE;
    }
    sim_usb_set_verbose(b, verbose);
    sim_usb_set_node_mode(b, mode);
    int code = run(argv + sep + 1);
    sim_usb_free(b);
    if (code < 0) {
        fprintf(stderr, "dfu-sim-usb: cannot run %s: %s\n", argv[sep + 1], strerror(errno));
        return EXIT_BRIDGE;
    }
    return code;
}
