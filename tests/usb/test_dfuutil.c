/*
 * dfu-util 0.11, a program nobody here wrote, against every simulated profile served as a USB
 * device: it lists each with the alternate settings and names our own enumeration sees, writes
 * an image that reads back identical (checked in the device's memory too), follows a run-time
 * device into DFU mode, and (DfuSe) leaves DFU mode and mass-erases (mboot-f4, and the
 * STM32F405 and GD32VF103 ROMs, after which dfu-util sleeps 35 s).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdfu/device.h>
#include "usb/usb_libusb.h"
#include "usbtest.h"

#ifdef DFU_HAVE_UMOCKDEV /* processes and signals: only where the bridge runs */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#endif

/*
 * What dfu-util 0.11 does with each profile, as observed (and as the field reports it):
 * dnload_exit is its exit status after a download that did reach the device's memory where
 * image_written says so; upload_after says whether the device is still in DFU mode for an
 * upload right after (otherwise the upload starts from a fresh device holding the image).
 */
typedef struct profile {
    const char *spec;
    const char *transfer; /* -t for the download, NULL: the device's wTransferSize */
    bool dfuse;
    uint32_t base; /* DfuSe: where the test image goes (-s); DFU 1.1: where the device puts it */
    unsigned alts; /* alternate settings dfu-util lists */
    int dnload_exit;
    const char *dnload_says; /* a line dfu-util prints about the outcome */
    bool image_written;
    bool upload_after;
} profile;

static const profile profiles[] = {
    {"stm32f405", NULL, true, 0x08000000, 4, 0, "File downloaded successfully", true, true},
    /* Revision V keeps answering dfuDNBUSY after an erase: dfu-util polls it forever
     * (test_h743_rev_v_hangs_dfu_util); revision Y does not. */
    {"stm32h743,rev=Y", NULL, true, 0x08000000, 2, 0, "File downloaded successfully", true, true},
    /* Poll timeouts shorter than the work, and a stalled pipe when polled early: dfu-util 0.11
     * copes during erase (its L4 workaround) but not after a 2 KiB block; -t 1024 is the
     * workaround users found (dfu-util ticket #40). */
    {"stm32l476", NULL, true, 0x08000000, 4, 74, "Error during download get_status", false, true},
    {"stm32l476", "1024", true, 0x08000000, 4, 0, "File downloaded successfully", true, true},
    {"gd32vf103", NULL, true, 0x08000000, 2, 0, "File downloaded successfully", true, true},
    {"mboot-f4", NULL, true, 0x08008000, 1, 0, "File downloaded successfully", true, true},
    /* Not manifestation tolerant: it ends in dfuMANIFEST-WAIT-RESET, dfu-util resets it, the
     * device re-enumerates, and dfu-util 0.11 returns the reset's LIBUSB_ERROR_NOT_FOUND as a
     * failure (exit 74) although the download succeeded. */
    {"dfu11", NULL, false, 0x08008000, 1, 74, "Resetting USB to switch back to runtime mode", true,
     false},
    {"dfu11,tolerant=1", NULL, false, 0x08008000, 1, 0, "Done!", true, true},
    /* dapboot rejects the random "application" at manifestation (errFIRMWARE) and stays. */
    {"dapboot-f103", NULL, false, 0x08002000, 1, 0, "Done!", true, true},
    /* Same as dfu11; after the reset the board runs the new "application" (no DFU). */
    {"tinyusb", NULL, false, 0x08010000, 2, 74, "Resetting USB to switch back to runtime mode",
     true, false},
    {"tinyusb,tolerant=1", NULL, false, 0x08010000, 2, 0, "Done!", true, true},
};

#define IMAGE_SIZE  4096
#define TU_COUNT(a) (sizeof(a) / sizeof((a)[0]))

#ifdef DFU_HAVE_UMOCKDEV

static sim_usb *bridge(const char *spec)
{
    char err[512];
    const char *specs[] = {spec};
    sim_usb *b = sim_usb_new(specs, 1, err, sizeof(err));
    if (!b) fail_msg("bridge %s: %s", spec, err);
    return b;
}

/* dfu-util with arguments (NULL-terminated); fails the test unless it exits 0. */
static void dfu_util(tu_result *r, const char *first, ...)
{
    const char *argv[32] = {"dfu-util", first};
    size_t n = 2;
    va_list ap;
    va_start(ap, first);
    for (const char *a; n < 31 && (a = va_arg(ap, const char *));) argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    tu_run(r, false, argv);
}

static void expect_ok(tu_result *r, const char *what)
{
    if (r->exit_code) fail_msg("dfu-util %s: exit %d\n%s\n%s", what, r->exit_code, r->out, r->err);
}

/* Our enumeration of the bridged device, as the reference for dfu-util's listing. */
static dfu_device_info ours(void)
{
    dfu_ctx *ctx;
    dfu_backend *usb;
    dfu_device_info *list, info;
    size_t n;
    dfu_ctx_new(&ctx);
    assert_int_equal(dfu_backend_libusb_new(&usb, ctx), 0);
    assert_int_equal(usb->ops->enumerate(usb, ctx, &list, &n), 0);
    assert_int_equal(n, 1);
    info = list[0];
    memset(&list[0], 0, sizeof(list[0]));
    dfu_device_info_list_free(list, n);
    usb->ops->free(usb);
    dfu_ctx_free(ctx);
    return info;
}

static void check_listing(const profile *p, const char *out, const dfu_device_info *d)
{
    assert_int_equal(d->alt_count, p->alts);
    for (size_t i = 0; i < d->alt_count; i++) {
        char line[512];
        snprintf(line, sizeof(line),
                 "Found DFU: [%04x:%04x] ver=%04x, devnum=%u, cfg=1, intf=%u, path=\"%s\", "
                 "alt=%u, name=\"%s\", serial=\"%s\"",
                 d->vid, d->pid, d->bcd_device, d->address, d->alts[i].iface, d->path,
                 d->alts[i].alt, d->alts[i].name ? d->alts[i].name : "UNKNOWN",
                 d->serial ? d->serial : "UNKNOWN");
        if (!strstr(out, line)) fail_msg("%s: dfu-util -l lacks\n%s\nin\n%s", p->spec, line, out);
    }
}

#endif

static void test_lists_every_profile(void **state)
{
    (void)state;
    USBTEST_REQUIRE("dfu-util");
#ifdef DFU_HAVE_UMOCKDEV
    for (size_t i = 0; i < TU_COUNT(profiles); i++) {
        sim_usb *b = bridge(profiles[i].spec);
        tu_result r;
        dfu_util(&r, "-l", NULL);
        expect_ok(&r, "-l");
        dfu_device_info d = ours();
        check_listing(&profiles[i], r.out, &d);
        dfu_device_info_clear(&d);
        tu_result_free(&r);
        sim_usb_free(b);
    }
#endif
}

#ifdef DFU_HAVE_UMOCKDEV
static void write_image(const char *path, uint8_t *img, uint64_t seed)
{
    tu_rng rng;
    tu_rng_seed(&rng, seed);
    tu_rng_fill(&rng, img, IMAGE_SIZE);
    tu_write_file(path, img, IMAGE_SIZE);
}

static void device_holds(sim_usb *b, uint32_t addr, const uint8_t *want, size_t len)
{
    uint8_t *got = malloc(len);
    sim_usb_lock(b);
    /* Bring the device's clock up to now: an operation that ended since the last request
     * applies its effect to memory when the device's time passes its end. */
    dfu_sim_bus bus;
    dfu_sim_bus_status(sim_usb_sim(b, 0), sim_usb_now(b, 0), &bus);
    int rc = dfu_sim_peek(sim_usb_sim(b, 0), addr, got, len);
    sim_usb_unlock(b);
    assert_int_equal(rc, 0);
    assert_memory_equal(got, want, len);
    free(got);
}

static void expect_file_prefix(const char *path, const uint8_t *want, size_t len)
{
    size_t n;
    uint8_t *got = tu_read_file(path, &n);
    assert_non_null(got);
    assert_true(n >= len);
    assert_memory_equal(got, want, len);
    free(got);
}

static sim_usb *bridge_holding(const profile *p, const uint8_t *img)
{
    sim_usb *b = bridge(p->spec);
    sim_usb_lock(b);
    assert_int_equal(dfu_sim_poke(sim_usb_sim(b, 0), p->base, img, IMAGE_SIZE), 0);
    sim_usb_unlock(b);
    return b;
}

static void upload_and_compare(const profile *p, const char *out, const uint8_t *img)
{
    tu_result r;
    char range[48];
    snprintf(range, sizeof(range), "0x%08x:%u", p->base, IMAGE_SIZE);
    remove(out);
    if (p->dfuse)
        dfu_util(&r, "-a", "0", "-s", range, "-U", out, NULL);
    else
        dfu_util(&r, "-a", "0", "-U", out, NULL);
    expect_ok(&r, "-U");
    tu_result_free(&r);
    expect_file_prefix(out, img, IMAGE_SIZE);
}

static void round_trip(const profile *p, const char *dir)
{
    char *in = tu_path(dir, "in.bin"), *out = tu_path(dir, "out.bin");
    uint8_t img[IMAGE_SIZE];
    write_image(in, img, 0x5eed + p->base);
    sim_usb *b = bridge(p->spec);
    tu_result r;
    char addr[32];
    snprintf(addr, sizeof(addr), "0x%08x", p->base);
    const char *t = p->transfer ? "-t" : NULL; /* NULL ends the arguments early */
    if (p->dfuse)
        dfu_util(&r, "-a", "0", "-s", addr, "-D", in, t, p->transfer, NULL);
    else
        dfu_util(&r, "-a", "0", "-D", in, t, p->transfer, NULL);
    if (r.exit_code != p->dnload_exit ||
        (!strstr(r.out, p->dnload_says) && !strstr(r.err, p->dnload_says)))
        fail_msg("%s -t %s: dfu-util -D: exit %d (expected %d, saying \"%s\")\n%s\n%s", p->spec,
                 p->transfer ? p->transfer : "-", r.exit_code, p->dnload_exit, p->dnload_says,
                 r.out, r.err);
    tu_result_free(&r);
    if (p->image_written) device_holds(b, p->base, img, IMAGE_SIZE);
    if (!p->upload_after || !p->image_written) {
        sim_usb_free(b);
        b = bridge_holding(p, img);
    }
    upload_and_compare(p, out, img);
    sim_usb_free(b);
    free(in);
    free(out);
}
#endif

static void test_download_then_upload_every_profile(void **state)
{
    (void)state;
    USBTEST_REQUIRE("dfu-util");
#ifdef DFU_HAVE_UMOCKDEV
    char *dir = tu_tmpdir("usb_dfuutil_round_trip");
    for (size_t i = 0; i < TU_COUNT(profiles); i++) round_trip(&profiles[i], dir);
    free(dir);
#else
    (void)profiles;
#endif
}

#ifdef DFU_HAVE_UMOCKDEV
/* A minimal valid Cortex-M vector table at base: initial SP in SRAM, reset handler (Thumb) in
 * the image. */
static void vector_table(uint8_t *img, uint32_t base)
{
    const uint32_t sp = 0x20001000, reset = base + 0x101;
    for (int i = 0; i < 4; i++) {
        img[i] = (uint8_t)(sp >> (8 * i));
        img[4 + i] = (uint8_t)(reset >> (8 * i));
    }
}

/* Puts an application at base and power-cycles the device, which then boots it. */
static void install_app(sim_usb *b, uint32_t base)
{
    uint8_t vt[8];
    vector_table(vt, base);
    unsigned before = sim_usb_devnum(b, 0);
    sim_usb_lock(b);
    dfu_sim *sim = sim_usb_sim(b, 0);
    assert_int_equal(dfu_sim_poke(sim, base, vt, sizeof(vt)), 0);
    dfu_sim_power_cycle(sim, sim_usb_now(b, 0));
    sim_usb_unlock(b);
    sim_usb_poke_bus(b);
    assert_true(sim_usb_wait_plugged(b, 0, before, 5000));
}

static bool in_bootloader(sim_usb *b)
{
    sim_usb_lock(b);
    bool in = dfu_sim_in_bootloader(sim_usb_sim(b, 0));
    sim_usb_unlock(b);
    return in;
}
#endif

/* A run-time device: dfu-util detaches it, resets it, finds it in DFU mode and downloads. */
static void test_runtime_detaches_into_dfu_mode(void **state)
{
    (void)state;
    USBTEST_REQUIRE("dfu-util");
#ifdef DFU_HAVE_UMOCKDEV
    char *dir = tu_tmpdir("usb_dfuutil_runtime"), *in = tu_path(dir, "in.bin");
    uint8_t img[IMAGE_SIZE];
    write_image(in, img, 42);
    sim_usb *b = bridge("dfu11,runtime,tolerant=1");
    install_app(b, 0x08008000);
    assert_false(in_bootloader(b));
    unsigned app_devnum = sim_usb_devnum(b, 0);
    tu_result r;
    dfu_util(&r, "-l", NULL);
    expect_ok(&r, "-l");
    assert_non_null(strstr(r.out, "Found Runtime: [1209:0001]"));
    tu_result_free(&r);
    dfu_util(&r, "-a", "0", "-E", "1", "-D", in, NULL);
    expect_ok(&r, "-D on a run-time device");
    assert_non_null(strstr(r.out, "Device really in Run-Time Mode, send DFU detach request"));
    if (!strstr(r.out, "Opening DFU USB Device...") || !strstr(r.out, "DFU mode device"))
        fail_msg("%s", r.out);
    tu_result_free(&r);
    assert_true(in_bootloader(b));
    assert_int_not_equal(sim_usb_devnum(b, 0), app_devnum);
    device_holds(b, 0x08008000, img, IMAGE_SIZE);
    sim_usb_free(b);
    free(in);
    free(dir);
#endif
}

/* -s ADDR:leave: dfu-util 0.11 submits the leave request and exits 0; the device has left DFU
 * mode and runs the application it was given. */
static void test_dfuse_leave_runs_the_application(void **state)
{
    (void)state;
    USBTEST_REQUIRE("dfu-util");
#ifdef DFU_HAVE_UMOCKDEV
    char *dir = tu_tmpdir("usb_dfuutil_leave"), *in = tu_path(dir, "app.bin");
    uint8_t img[IMAGE_SIZE];
    write_image(in, img, 7);
    vector_table(img, 0x08000000);
    tu_write_file(in, img, IMAGE_SIZE);
    sim_usb *b = bridge("stm32f405");
    tu_result r;
    dfu_util(&r, "-a", "0", "-s", "0x08000000:leave", "-D", in, NULL);
    if (r.exit_code) fail_msg("dfu-util :leave: exit %d\n%s\n%s", r.exit_code, r.out, r.err);
    assert_non_null(strstr(r.out, "Submitting leave request"));
    tu_result_free(&r);
    device_holds(b, 0x08000000, img, IMAGE_SIZE);
    assert_false(in_bootloader(b));
    dfu_util(&r, "-l", NULL);
    assert_null(strstr(r.out, "Found DFU"));
    tu_result_free(&r);
    sim_usb_free(b);
    free(in);
    free(dir);
#endif
}

/* -s :mass-erase:force: what was written reads back erased, and the bootloader is intact
 * (mboot-f4: dfu-util's 35 s sleep for F405 and GD32 mass erases does not apply to it). */
static void test_dfuse_mass_erase(void **state)
{
    (void)state;
    USBTEST_REQUIRE("dfu-util");
#ifdef DFU_HAVE_UMOCKDEV
    char *dir = tu_tmpdir("usb_dfuutil_mass_erase"), *in = tu_path(dir, "in.bin"),
         *out = tu_path(dir, "out.bin");
    uint8_t img[IMAGE_SIZE], blank[IMAGE_SIZE], boot[256], boot_after[256];
    write_image(in, img, 11);
    memset(blank, 0xff, sizeof(blank));
    sim_usb *b = bridge("mboot-f4");
    sim_usb_lock(b);
    assert_int_equal(dfu_sim_peek(sim_usb_sim(b, 0), 0x08000000, boot, sizeof(boot)), 0);
    sim_usb_unlock(b);
    tu_result r;
    dfu_util(&r, "-a", "0", "-s", "0x08008000", "-D", in, NULL);
    expect_ok(&r, "-D");
    tu_result_free(&r);
    dfu_util(&r, "-a", "0", "-s", ":mass-erase:force", NULL);
    expect_ok(&r, ":mass-erase:force");
    assert_non_null(strstr(r.out, "Performing mass erase"));
    tu_result_free(&r);
    profile p = {"mboot-f4", NULL, true, 0x08008000, 1, 0, "", true, true};
    upload_and_compare(&p, out, blank);
    sim_usb_lock(b);
    assert_int_equal(dfu_sim_peek(sim_usb_sim(b, 0), 0x08000000, boot_after, sizeof(boot)), 0);
    sim_usb_unlock(b);
    assert_memory_equal(boot, boot_after, sizeof(boot));
    sim_usb_free(b);
    free(in);
    free(out);
    free(dir);
#endif
}

#ifdef DFU_HAVE_UMOCKDEV
/* The flash region of device i (the one holding 0x08000000): with fill, random bytes are
 * written all over it first; returns whether it reads erased (0xFF). */
static bool flash_erased(sim_usb *b, size_t i, bool fill)
{
    sim_usb_lock(b);
    dfu_sim *sim = sim_usb_sim(b, i);
    dfu_sim_bus bus;
    dfu_sim_bus_status(sim, sim_usb_now(b, i), &bus); /* let a finished erase land */
    dfu_sim_region r = {0};
    for (size_t k = 0; k < dfu_sim_region_count(sim) && r.address != 0x08000000; k++)
        dfu_sim_region_at(sim, k, &r);
    assert_int_equal(r.address, 0x08000000);
    uint8_t *m = malloc(r.size);
    if (fill) {
        tu_rng rng;
        tu_rng_seed(&rng, 13);
        tu_rng_fill(&rng, m, r.size);
        assert_int_equal(dfu_sim_poke(sim, r.address, m, r.size), 0);
    }
    assert_int_equal(dfu_sim_peek(sim, r.address, m, r.size), 0);
    sim_usb_unlock(b);
    bool erased = true;
    for (uint32_t a = 0; a < r.size && erased; a++) erased = m[a] == 0xff;
    free(m);
    return erased;
}

static uint64_t control_transfers(sim_usb *b, size_t i)
{
    dfu_sim_stats st;
    sim_usb_lock(b);
    dfu_sim_get_stats(sim_usb_sim(b, i), &st);
    sim_usb_unlock(b);
    return st.control_transfers;
}

/*
 * Returns once device i has received a control transfer beyond the `before` it had (the
 * program p has opened it, so its libusb_init is over) or p has exited. Two libusb programs
 * under one testbed must not initialise libusb at the same moment: umockdev names each uevent
 * socket after its descriptor number ($UMOCKDEV_DIR/event<fd>) and unlinks that name before
 * binding, so two processes holding the same number can both unlink, one bind then fails and
 * its libusb_init returns LIBUSB_ERROR_OTHER (seen in CI: "unable to initialize libusb").
 */
static void wait_until_talking(sim_usb *b, size_t i, uint64_t before, const tu_proc *p)
{
    for (unsigned waited_ms = 0; waited_ms < 120000; waited_ms += 10) {
        if (control_transfers(b, i) > before) return;
        siginfo_t info = {0};
        if (waitid(P_PID, (id_t)p->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid)
            return; /* exited: tu_wait() collects it and the caller judges */
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    fail_msg("device %zu: no request from its dfu-util within 120 s", i);
}
#endif

/* -s :mass-erase:force on the two ROMs that report 100 ms for it (STM32F405, GD32VF103): their
 * flash, full of old bytes before, reads erased afterwards. dfu-util 0.11 then sleeps 35 s whatever
 * the device does, so both run side by side. */
static void test_dfuse_mass_erase_on_st_and_gd32_roms(void **state)
{
    (void)state;
    USBTEST_REQUIRE("dfu-util");
#ifdef DFU_HAVE_UMOCKDEV
    const char *specs[] = {"stm32f405", "gd32vf103"};
    char err[512];
    sim_usb *b = sim_usb_new(specs, 2, err, sizeof(err));
    if (!b) fail_msg("bridge: %s", err);
    tu_proc runs[2];
    for (size_t i = 0; i < 2; i++) {
        assert_false(flash_erased(b, i, true));
        uint64_t before = control_transfers(b, i);
        const char *argv[] = {"dfu-util", "-p", sim_usb_path(b, i),  "-a",
                              "0",        "-s", ":mass-erase:force", NULL};
        tu_start(&runs[i], false, argv);
        wait_until_talking(b, i, before, &runs[i]);
    }
    /* Both collected before either is judged: a failure leaves neither running. */
    tu_result r[2];
    for (size_t i = 0; i < 2; i++) tu_wait(&runs[i], &r[i]);
    for (size_t i = 0; i < 2; i++) {
        if (r[i].exit_code || !strstr(r[i].out, "Performing mass erase") ||
            !strstr(r[i].out, "Setting timeout to 35 seconds"))
            fail_msg("%s: dfu-util :mass-erase:force: exit %d\n%s\n%s", specs[i], r[i].exit_code,
                     r[i].out, r[i].err);
        tu_result_free(&r[i]);
        if (!flash_erased(b, i, false)) fail_msg("%s: the flash is not erased", specs[i]);
    }
    sim_usb_free(b);
#endif
}

/* STM32H743 revision V answers dfuDNBUSY for good after a sector erase; dfu-util 0.11 does not
 * know the CLRSTATUS way out and polls until killed. */
static void test_h743_rev_v_hangs_dfu_util(void **state)
{
    (void)state;
    USBTEST_REQUIRE("timeout");
    USBTEST_REQUIRE("dfu-util");
#ifdef DFU_HAVE_UMOCKDEV
    char *dir = tu_tmpdir("usb_dfuutil_h743"), *in = tu_path(dir, "in.bin");
    uint8_t img[IMAGE_SIZE];
    write_image(in, img, 3);
    sim_usb *b = bridge("stm32h743");
    /* timeout(1) only in case the test dies: dfu-util is stopped below, once it is seen stuck.
     * A fixed short time limit instead failed on a loaded machine before dfu-util got as far
     * as its first erase. */
    const char *argv[] = {"timeout", "120",        "dfu-util", "-a", "0",
                          "-s",      "0x08000000", "-D",       in,   NULL};
    tu_proc proc;
    tu_start(&proc, false, argv);
    bool busy = false;
    for (int i = 0; i < 1200 && !busy; i++) { /* up to a minute */
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
        sim_usb_lock(b);
        busy = dfu_sim_state(sim_usb_sim(b, 0)) == DFU_STATE_DNBUSY;
        sim_usb_unlock(b);
    }
    /* Two seconds later dfu-util is still at it (looked at without reaping it) and the device
     * still busy: it never gets out. */
    bool still_running = false;
    int left = -1;
    if (busy) {
        sleep(2);
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        still_running =
            waitid(P_PID, (id_t)proc.pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == 0;
        sim_usb_lock(b);
        left = (int)dfu_sim_state(sim_usb_sim(b, 0));
        sim_usb_unlock(b);
    }
    /* Stopped and collected before anything is asserted, so that a failure leaves no dfu-util
     * running nor descriptors or the bridge open: SIGTERM to timeout(1), which passes it on to
     * dfu-util. */
    kill(proc.pid, SIGTERM);
    tu_result r;
    tu_wait(&proc, &r);
    sim_usb_free(b);
    if (!busy || !still_running || left != DFU_STATE_DNBUSY)
        fail_msg("%s (device in %s); dfu-util: exit %d\n%s\n%s",
                 !busy            ? "the device was never busy within a minute"
                 : !still_running ? "dfu-util ended"
                                  : "the device got out of dfuDNBUSY",
                 left < 0 ? "-" : dfu_state_name(left), r.exit_code, r.out, r.err);
    tu_result_free(&r);
    free(in);
    free(dir);
#endif
}

int main(int argc, char **argv)
{
    (void)argc;
    usbtest_init(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists_every_profile),
        cmocka_unit_test(test_download_then_upload_every_profile),
        cmocka_unit_test(test_runtime_detaches_into_dfu_mode),
        cmocka_unit_test(test_dfuse_leave_runs_the_application),
        cmocka_unit_test(test_dfuse_mass_erase),
        cmocka_unit_test(test_dfuse_mass_erase_on_st_and_gd32_roms),
        cmocka_unit_test(test_h743_rev_v_hangs_dfu_util),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
