/*
 * Flashing speed: dfuctl against dfu-util 0.11 on the same simulated STM32F405 system
 * bootloader, served as a USB device (dfu-sim-usb) and running in real time (its datasheet
 * erase and program times, its 100/104 ms poll timeouts). Prints wall-clock seconds for each
 * tool and image size. dfu-util sends a Set Address before every 2 KiB block and sleeps after
 * the final status of each; dfuctl sets the address once per contiguous run and sleeps exactly
 * what the device asks.
 *
 *   bench_flash [KiB...]     image sizes (default: 32 128)
 */
#define _DEFAULT_SOURCE 1 /* mkdtemp() */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs argv with output discarded; returns the exit code, *secs the wall time. */
static int run(char *const *argv, double *secs)
{
    fflush(stdout); /* or the child inherits unwritten output and prints it again */
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    *secs = now() - t0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void write_image(const char *path, unsigned kib)
{
    FILE *fp = fopen(path, "wb");
    /* A Cortex-M vector table (SP in SRAM, reset handler inside), then varied bytes. */
    unsigned char head[8] = {0x00, 0x00, 0x02, 0x20, 0x89, 0x01, 0x00, 0x08};
    fwrite(head, 1, sizeof(head), fp);
    for (unsigned i = sizeof(head); i < kib * 1024; i++) fputc((int)((i * 2654435761u) >> 24), fp);
    fclose(fp);
}

int main(int argc, char **argv)
{
    if (access("/usr/bin/dfu-util", X_OK) != 0) {
        printf("bench_flash: dfu-util is not installed (apt-get install dfu-util)\n");
        return 0;
    }
    char dir[] = "/tmp/bench_flash.XXXXXX";
    if (!mkdtemp(dir)) return 1;
    unsigned sizes[8] = {32, 128};
    int nsizes = 2;
    if (argc > 1) {
        nsizes = 0;
        for (int i = 1; i < argc && nsizes < 8; i++) sizes[nsizes++] = (unsigned)atoi(argv[i]);
    }
    printf("flashing a simulated STM32F405 ROM over USB (umockdev), real time, no verify, no "
           "leave\n");
    printf("%8s  %12s  %12s  %8s\n", "image", "dfuctl", "dfu-util", "speed-up");
    for (int i = 0; i < nsizes; i++) {
        char fw[256], spec_a[512], spec_b[512], addr[64];
        snprintf(fw, sizeof(fw), "%s/fw%u.bin", dir, sizes[i]);
        write_image(fw, sizes[i]);
        snprintf(spec_a, sizeof(spec_a), "stm32f405,realtime,state=%s/a%u.img", dir, sizes[i]);
        snprintf(spec_b, sizeof(spec_b), "stm32f405,realtime,state=%s/b%u.img", dir, sizes[i]);
        snprintf(addr, sizeof(addr), "0x08000000");
        char *ours[] = {DFU_SIM_USB_PATH, spec_a, "--",          DFUCTL_PATH,
                        "flash",          "-d",   "0483:df11",   fw,
                        "--address",      addr,   "--no-verify", "--no-leave",
                        "--no-journal",   NULL};
        char *theirs[] = {DFU_SIM_USB_PATH,
                          spec_b,
                          "--",
                          "/usr/bin/dfu-util",
                          "-a",
                          "0",
                          "-s",
                          addr,
                          "-D",
                          fw,
                          NULL};
        double a, b;
        int ra = run(ours, &a), rb = run(theirs, &b);
        if (ra || rb) {
            printf("%6u KiB  exit %d / %d\n", sizes[i], ra, rb);
            continue;
        }
        printf("%6u KiB  %10.2f s  %10.2f s  %7.2fx\n", sizes[i], a, b, b / a);
        fflush(stdout);
    }
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
