/*
 * dfu-util 0.11, a program nobody here wrote, against every simulated profile served as a USB
 * device: it lists each with the alternate settings and names our own enumeration sees, writes
 * an image that reads back identical (checked in the device's memory too), follows a run-time
 * device into DFU mode, and (DfuSe) leaves DFU mode and mass-erases.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdfu/device.h>
#include "usb/usb_libusb.h"
#include "usbtest.h"

typedef struct profile {
    const char *spec;
    bool dfuse;
    uint32_t base; /* DfuSe: where the test image goes (-s); DFU 1.1: where the device puts it */
    unsigned alts; /* alternate settings dfu-util lists */
} profile;

static const profile profiles[] = {
    {"fake", false, 0, 1},
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
                 d->vid, d->pid, d->bcd_device, d->address, d->alts[i].interface, d->path,
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

static void round_trip(const profile *p, const char *dir)
{
    char *in = tu_path(dir, "in.bin"), *out = tu_path(dir, "out.bin");
    uint8_t img[IMAGE_SIZE];
    write_image(in, img, 0x5eed + p->base);
    sim_usb *b = bridge(p->spec);
    tu_result r;
    char addr[32], range[48];
    snprintf(addr, sizeof(addr), "0x%08x", p->base);
    snprintf(range, sizeof(range), "0x%08x:%u", p->base, IMAGE_SIZE);
    if (p->dfuse)
        dfu_util(&r, "-a", "0", "-s", addr, "-D", in, NULL);
    else
        dfu_util(&r, "-D", in, NULL);
    expect_ok(&r, "-D");
    tu_result_free(&r);
    device_holds(b, p->base, img, IMAGE_SIZE);
    remove(out);
    if (p->dfuse)
        dfu_util(&r, "-a", "0", "-s", range, "-U", out, NULL);
    else
        dfu_util(&r, "-U", out, NULL);
    expect_ok(&r, "-U");
    tu_result_free(&r);
    expect_file_prefix(out, img, IMAGE_SIZE);
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
#endif
}

/* A run-time device: dfu-util detaches it, resets, and finds it in DFU mode at the same path. */
static void test_runtime_detaches_into_dfu_mode(void **state)
{
    (void)state;
    USBTEST_REQUIRE("dfu-util");
#ifdef DFU_HAVE_UMOCKDEV
    sim_usb *b = bridge("fake,runtime");
    unsigned before = sim_usb_devnum(b, 0);
    tu_result r;
    dfu_util(&r, "-e", NULL);
    expect_ok(&r, "-e");
    assert_non_null(strstr(r.out, "Resetting USB"));
    tu_result_free(&r);
    assert_true(sim_usb_wait_plugged(b, 0, before, 5000));
    dfu_util(&r, "-l", NULL);
    expect_ok(&r, "-l");
    assert_non_null(strstr(r.out, "Found DFU: [1209:db42]"));
    assert_non_null(strstr(r.out, "path=\"1-1\""));
    assert_null(strstr(r.out, "Found Runtime"));
    tu_result_free(&r);
    sim_usb_free(b);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
