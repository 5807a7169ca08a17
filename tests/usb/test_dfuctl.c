/*
 * dfuctl through the real libusb path: simulated devices served as USB devices (dfu-sim-usb),
 * flashed and verified by the dfuctl program like real boards, with nothing outside the image's
 * sectors changed. DfuSe and DFU 1.1 profiles, alternate settings picked by name and by number,
 * functional descriptors real devices get wrong, a run-time application detached and followed
 * by port path (by flash and by detach), leave, two boards with the same serial (exit 5, then
 * picked by path), and no matching device (exit 4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simutil.h"
#include "usbtest.h"

/* dfu-sim-usb SPEC... -- dfuctl ARGS... */
static void bridged(tu_result *r, const char *const *specs, const char *const *args)
{
    const char *argv[64];
    size_t n = 0;
    argv[n++] = DFU_SIM_USB_PATH;
    for (size_t i = 0; specs[i]; i++) argv[n++] = specs[i];
    argv[n++] = "--";
    argv[n++] = DFUCTL_PATH;
    for (size_t i = 0; args[i] && n < 63; i++) argv[n++] = args[i];
    argv[n] = NULL;
    tu_run(r, false, argv);
}

typedef struct usb_case {
    const char *profile;
    const char *vidpid;
    uint32_t base, size, sp;
    uint32_t erase_unit; /* the sectors the image touches are erased in these units */
} usb_case;

static void flash_and_verify(const usb_case *c)
{
    char name[64], spec[600], base[16];
    snprintf(name, sizeof(name), "usb_dfuctl_%s", c->profile);
    char *dir = tu_tmpdir(name);
    char *fw = tu_path(dir, "fw.bin"), *state = tu_path(dir, "board.img");
    snprintf(spec, sizeof(spec), "%s,state=%s", c->profile, state);
    snprintf(base, sizeof(base), "0x%08x", c->base);
    tu_write_app(fw, c->base, c->size, c->sp, 5);
    char peek_spec[640];
    snprintf(peek_spec, sizeof(peek_spec), "sim:%s", spec);
    /* A board in use: old bytes all over its flash, which must stay outside the image. */
    tu_sim_fill_used(peek_spec, c->base, 17);
    size_t before_len;
    uint8_t *before = tu_sim_snapshot(peek_spec, &before_len);
    const char *specs[] = {spec, NULL};
    const char *flash[] = {"flash", "-d",           c->vidpid,    fw,  "--address",
                           base,    "--no-journal", "--no-leave", NULL};
    tu_result r;
    bridged(&r, specs, flash);
    if (r.exit_code != 0) fail_msg("%s: flash exit %d\n%s", c->profile, r.exit_code, r.err);
    tu_result_free(&r);
    /* Every profile is still in DFU mode: DfuSe devices need no manifestation, and the DFU
     * 1.1 ones here (dapboot, TinyUSB) program blocks as they arrive, so flash verifies them
     * before manifesting (the verify-before-manifest quirk) and --no-leave skips that. */
    const char *verify[] = {"verify", "-d", c->vidpid, fw, "--address", base, NULL};
    bridged(&r, specs, verify);
    char holds[96];
    snprintf(holds, sizeof(holds), "the device holds the image (%u bytes compared)",
             (unsigned)c->size);
    if (r.exit_code != 0 || !strstr(r.out, holds))
        fail_msg("%s: verify exit %d, expected 0 and \"%s\"\n%s%s", c->profile, r.exit_code, holds,
                 r.out, r.err);
    tu_result_free(&r);
    uint8_t *want = tu_app_bytes(c->base, c->size, c->sp, 5), *got = malloc(c->size);
    tu_sim_peek(peek_spec, c->base, got, c->size);
    if (memcmp(got, want, c->size) != 0)
        fail_msg("%s: the board does not hold the image", c->profile);
    tu_sim_expect_untouched_outside(peek_spec, before, before_len, c->base, c->base + c->size,
                                    c->erase_unit);
    free(before);
    free(want);
    free(got);
    free(fw);
    free(state);
    free(dir);
}

static void test_flash_and_verify_through_libusb(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
    static const usb_case cases[] = {
        {"stm32f405", "0483:df11", 0x08000000, 40 * 1024, 0x20020000, 16 * 1024},
        {"stm32l476", "0483:df11", 0x08000000, 12 * 1024, 0x20018000, 2 * 1024},
        {"mboot-f4", "0483:df11", 0x08008000, 20 * 1024, 0x20020000, 16 * 1024},
        {"gd32vf103", "28e9:0189", 0x08000000, 8 * 1024, 0x20008000, 1024},
        {"dapboot-f103", "1209:db42", 0x08002000, 8 * 1024, 0x20005000, 1024},
        {"tinyusb", "cafe:4000", 0x08010000, 8 * 1024, 0x20020000, 64 * 1024}, /* F411 sector 4 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) flash_and_verify(&cases[i]);
}

static void test_runtime_device_is_detached_and_followed_by_port_path(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
    char *dir = tu_tmpdir("usb_dfuctl_runtime");
    char *fw = tu_path(dir, "fw.bin"), *board = tu_path(dir, "board.img");
    char spec[600], sim_spec[640];
    snprintf(spec, sizeof(spec), "stm32f405,runtime,boot0=0,state=%s", board);
    snprintf(sim_spec, sizeof(sim_spec), "sim:%s", spec);
    /* A board running an application with a DFU run-time interface. */
    uint8_t *old = tu_app_bytes(0x08000000, 4096, 0x20020000, 1);
    tu_sim_poke(sim_spec, 0x08000000, old, 4096);
    free(old);
    dfu_ctx *ctx;
    dfu_sim *sim;
    dfu_ctx_new(&ctx);
    assert_int_equal(dfu_sim_new(&sim, ctx, sim_spec), DFU_OK);
    dfu_sim_power_cycle(sim, 0);
    assert_false(dfu_sim_in_bootloader(sim));
    dfu_sim_free(sim);
    dfu_ctx_free(ctx);

    tu_write_app(fw, 0x08000000, 20 * 1024, 0x20020000, 6);
    const char *specs[] = {spec, NULL};
    /* The run-time ids, then the DFU-mode ids: the device changes identity when it detaches. */
    const char *flash[] = {"flash",     "-d",         "1209:0001,0483:df11", fw,
                           "--address", "0x08000000", "--no-journal",        "--json",
                           NULL};
    tu_result r;
    bridged(&r, specs, flash);
    if (r.exit_code != 0) fail_msg("flash exit %d\n%s", r.exit_code, r.err);
    tu_json *res = tu_json_parse_line(r.out, tu_json_line_count(r.out) - 1);
    assert_non_null(res);
    assert_string_equal(tu_json_path(res, "device.mode")->string, "dfu");
    assert_string_equal(tu_json_path(res, "device.path")->string, "1-1");
    assert_true(tu_json_get(res, "verified")->boolean);
    tu_json_free(res);
    tu_result_free(&r);
    uint8_t *want = tu_app_bytes(0x08000000, 20 * 1024, 0x20020000, 6), *got = malloc(20 * 1024);
    tu_sim_peek(sim_spec, 0x08000000, got, 20 * 1024);
    assert_memory_equal(got, want, 20 * 1024);
    free(want);
    free(got);
    free(fw);
    free(board);
    free(dir);
}

/* The last line of dfuctl --json output: the result. */
static tu_json *result_of(const tu_result *r)
{
    tu_json *res = tu_json_parse_line(r->out, tu_json_line_count(r->out) - 1);
    if (!res) fail_msg("no JSON result in\n%s", r->out);
    return res;
}

/* --alt by name and by number reach the STM32F405's option bytes (alt 1): both read the 16
 * bytes the board holds at 0x1FFFC000, not the flash of alt 0. */
static void test_alt_by_name_and_by_number(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
    char *dir = tu_tmpdir("usb_dfuctl_alt"), *board = tu_path(dir, "board.img");
    char spec[600], sim_spec[640];
    snprintf(spec, sizeof(spec), "stm32f405,state=%s", board);
    snprintf(sim_spec, sizeof(sim_spec), "sim:%s", spec);
    uint8_t ob[16];
    tu_sim_peek(sim_spec, 0x1FFFC000, ob, sizeof(ob));
    const char *specs[] = {spec, NULL};
    const char *alts[] = {"Option Bytes", "1"};
    for (size_t i = 0; i < 2; i++) {
        char *out = tu_path(dir, i ? "by_number.bin" : "by_name.bin");
        const char *read[] = {"read", "--alt", alts[i], "-o", out, "--json", NULL};
        tu_result r;
        bridged(&r, specs, read);
        if (r.exit_code != 0) fail_msg("--alt %s: exit %d\n%s", alts[i], r.exit_code, r.err);
        tu_json *res = result_of(&r);
        assert_int_equal(tu_json_get(res, "address")->integer, 0x1FFFC000);
        assert_int_equal(tu_json_get(res, "size")->integer, sizeof(ob));
        tu_json_free(res);
        tu_result_free(&r);
        size_t len;
        uint8_t *got = tu_read_file(out, &len);
        assert_int_equal(len, sizeof(ob));
        assert_memory_equal(got, ob, sizeof(ob));
        free(got);
        free(out);
    }
    free(board);
    free(dir);
}

/* Functional descriptors real devices get wrong, then a flash. A 7-byte DFU 1.0 descriptor
 * announcing wTransferSize 0: libdfu says so and uses 1024 bytes, which this device takes.
 * wTransferSize 0xffff, which is no size but "unknown": libdfu uses 1024 bytes too. Either way
 * the board ends up holding the image. */
static void test_flash_despite_odd_functional_descriptors(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
    static const struct {
        const char *profile;
        uint32_t base, sp;
        const char *says; /* on stderr with -v */
    } cases[] = {
        {"dfu11,funclen=7,wtransfer=0", 0x08008000, 0x20020000,
         "the device reports wTransferSize 0; using 1024 bytes"},
        {"dapboot-f103,wtransfer=0xffff,transfer=4096", 0x08002000, 0x20005000,
         "the device reports wTransferSize 0xffff; using 1024 bytes"},
    };
    char *dir = tu_tmpdir("usb_dfuctl_odd_desc");
    char *fw = tu_path(dir, "fw.bin"), *board = tu_path(dir, "board.img");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char spec[600], sim_spec[640];
        snprintf(spec, sizeof(spec), "%s,state=%s", cases[i].profile, board);
        snprintf(sim_spec, sizeof(sim_spec), "sim:%s", spec);
        remove(board);
        tu_write_app(fw, cases[i].base, 12 * 1024, cases[i].sp, 8);
        const char *specs[] = {spec, NULL};
        const char *flash[] = {"flash", "-v", fw, "--no-journal", NULL};
        tu_result r;
        bridged(&r, specs, flash);
        if (r.exit_code != 0 || !strstr(r.err, cases[i].says))
            fail_msg("%s: exit %d, expected 0 and \"%s\"\n%s", cases[i].profile, r.exit_code,
                     cases[i].says, r.err);
        tu_result_free(&r);
        uint8_t *want = tu_app_bytes(cases[i].base, 12 * 1024, cases[i].sp, 8);
        uint8_t *got = malloc(12 * 1024);
        tu_sim_peek(sim_spec, cases[i].base, got, 12 * 1024);
        if (memcmp(got, want, 12 * 1024) != 0)
            fail_msg("%s: the board does not hold the image", cases[i].profile);
        free(want);
        free(got);
    }
    free(fw);
    free(board);
    free(dir);
}

#ifdef DFU_HAVE_UMOCKDEV
/* The devices served in this process (it runs under umockdev's preload), so that the test can
 * watch them while dfuctl talks to them. */
static sim_usb *serve(const char *const *specs, size_t n)
{
    char err[512];
    sim_usb *b = sim_usb_new(specs, n, err, sizeof(err));
    if (!b) fail_msg("bridge: %s", err);
    return b;
}

/* dfuctl ARGS... (NULL-terminated) against the devices this process serves. */
static void dfuctl_here(tu_result *r, const char *const *args)
{
    const char *argv[32] = {DFUCTL_PATH};
    size_t n = 1;
    for (size_t i = 0; args[i] && n < 31; i++) argv[n++] = args[i];
    argv[n] = NULL;
    tu_run(r, false, argv);
}

/* Device i holds an application at base (a vector table that every bootloader here accepts);
 * with boot, it is power-cycled and boots it. */
static void install_app(sim_usb *b, size_t i, uint32_t base, bool boot)
{
    const uint32_t sp = 0x20001000, reset = base + 0x101;
    uint8_t vt[8];
    for (int k = 0; k < 4; k++) {
        vt[k] = (uint8_t)(sp >> (8 * k));
        vt[4 + k] = (uint8_t)(reset >> (8 * k));
    }
    unsigned before = sim_usb_devnum(b, i);
    sim_usb_lock(b);
    assert_int_equal(dfu_sim_poke(sim_usb_sim(b, i), base, vt, sizeof(vt)), 0);
    if (boot) dfu_sim_power_cycle(sim_usb_sim(b, i), sim_usb_now(b, i));
    sim_usb_unlock(b);
    if (!boot) return;
    sim_usb_poke_bus(b);
    assert_true(sim_usb_wait_plugged(b, i, before, 5000));
}

static bool in_bootloader(sim_usb *b, size_t i)
{
    sim_usb_lock(b);
    bool in = dfu_sim_in_bootloader(sim_usb_sim(b, i));
    sim_usb_unlock(b);
    return in;
}

/* dfuctl list --json, parsed; fails unless it exits 0. */
static tu_json *list_json(void)
{
    const char *list[] = {"list", "--json", NULL};
    tu_result r;
    dfuctl_here(&r, list);
    if (r.exit_code != 0) fail_msg("list: exit %d\n%s", r.exit_code, r.err);
    tu_json *root = tu_json_parse(r.out);
    if (!root) fail_msg("list: not JSON\n%s", r.out);
    tu_result_free(&r);
    return root;
}
#endif

/* dfuctl detach on a run-time device, one that needs DFU_DETACH and a USB reset and one that
 * detaches by itself (bitWillDetach): exit 0, and dfuctl finds it in DFU mode at the same port
 * path with a new device number; the board next to it is left alone. */
static void test_detach_then_dfu_mode_at_the_same_path(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
#ifdef DFU_HAVE_UMOCKDEV
    const char *const variants[] = {"dfu11,runtime", "dfu11,runtime=detach"};
    for (size_t v = 0; v < 2; v++) {
        const char *specs[] = {"stm32f405", variants[v]};
        sim_usb *b = serve(specs, 2);
        install_app(b, 1, 0x08008000, true);
        assert_false(in_bootloader(b, 1));
        unsigned app = sim_usb_devnum(b, 1), other = sim_usb_devnum(b, 0);
        const char *detach[] = {"detach", "-d", "1209:0001", "--json", NULL};
        tu_result r;
        dfuctl_here(&r, detach);
        if (r.exit_code != 0) fail_msg("%s: detach exit %d\n%s", variants[v], r.exit_code, r.err);
        tu_json *res = result_of(&r);
        assert_string_equal(tu_json_path(res, "device.path")->string, "1-2");
        assert_string_equal(tu_json_path(res, "device.mode")->string, "dfu");
        assert_int_equal(tu_json_path(res, "device.pid")->integer, 0x0002);
        tu_json_free(res);
        tu_result_free(&r);
        assert_true(in_bootloader(b, 1));
        assert_int_not_equal(sim_usb_devnum(b, 1), app);
        assert_int_equal(sim_usb_devnum(b, 0), other);
        tu_json *root = list_json();
        const tu_json *devs = tu_json_get(root, "devices");
        assert_int_equal(devs->count, 2);
        const tu_json *d = devs->items[1];
        assert_string_equal(tu_json_get(d, "path")->string, "1-2");
        assert_string_equal(tu_json_get(d, "mode")->string, "dfu");
        assert_int_equal(tu_json_get(d, "pid")->integer, 0x0002);
        assert_int_equal(tu_json_get(d, "address")->integer, sim_usb_devnum(b, 1));
        tu_json_free(root);
        sim_usb_free(b);
    }
#endif
}

/* dfuctl leave on an STM32F405 ROM holding an application: exit 0, and the ROM jumps to it.
 * With a DFU run-time interface the application enumerates at the same port path in run-time
 * mode; without one, no DFU device is left. */
static void test_leave_starts_the_application(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
#ifdef DFU_HAVE_UMOCKDEV
    const char *const variants[] = {"stm32f405,runtime", "stm32f405"};
    for (size_t v = 0; v < 2; v++) {
        bool runtime = v == 0;
        sim_usb *b = serve(&variants[v], 1);
        install_app(b, 0, 0x08000000, false);
        unsigned dfu = sim_usb_devnum(b, 0);
        const char *leave[] = {"leave", "--json", NULL};
        tu_result r;
        dfuctl_here(&r, leave);
        if (r.exit_code != 0) fail_msg("%s: leave exit %d\n%s", variants[v], r.exit_code, r.err);
        tu_json *res = result_of(&r);
        assert_true(tu_json_get(res, "ok")->boolean);
        tu_json_free(res);
        tu_result_free(&r);
        /* The application enumerates with its own function, DFU or not. */
        assert_true(sim_usb_wait_plugged(b, 0, dfu, 5000));
        assert_false(in_bootloader(b, 0));
        tu_json *root = list_json();
        const tu_json *devs = tu_json_get(root, "devices");
        assert_int_equal(devs->count, runtime ? 1 : 0);
        if (runtime) {
            const tu_json *d = devs->items[0];
            assert_string_equal(tu_json_get(d, "path")->string, "1-1");
            assert_string_equal(tu_json_get(d, "mode")->string, "runtime");
            assert_int_equal(tu_json_get(d, "vid")->integer, 0x1209);
            assert_int_equal(tu_json_get(d, "pid")->integer, 0x0001);
        }
        tu_json_free(root);
        sim_usb_free(b);
    }
#endif
}

static void test_colliding_serials_and_missing_devices(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
    char *dir = tu_tmpdir("usb_dfuctl_two");
    char *fw = tu_path(dir, "fw.bin");
    tu_write_app(fw, 0x08000000, 4096, 0x20020000, 7);
    /* Two ST ROMs report the same serial: only the port path tells them apart. */
    const char *two[] = {"stm32f405", "stm32f405", NULL};
    const char *ambiguous[] = {"flash", fw, "--address", "0x08000000", "--no-journal", NULL};
    tu_result r;
    bridged(&r, two, ambiguous);
    if (r.exit_code != 5 || !strstr(r.err, "path=1-1") || !strstr(r.err, "path=1-2"))
        fail_msg("exit %d (want 5, listing both paths)\n%s", r.exit_code, r.err);
    tu_result_free(&r);
    const char *picked[] = {"flash",     "-d",         "path=1-2",     fw,
                            "--address", "0x08000000", "--no-journal", NULL};
    bridged(&r, two, picked);
    if (r.exit_code != 0) fail_msg("flash -d path=1-2: exit %d\n%s", r.exit_code, r.err);
    tu_result_free(&r);
    const char *one[] = {"dfu11", NULL};
    const char *missing[] = {"flash", "-d", "0483:df11", fw, "--address", "0x08000000", NULL};
    bridged(&r, one, missing);
    if (r.exit_code != 4) fail_msg("no matching device: exit %d (want 4)\n%s", r.exit_code, r.err);
    tu_result_free(&r);
    free(fw);
    free(dir);
}

int main(int argc, char **argv)
{
    (void)argc;
    usbtest_init(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flash_and_verify_through_libusb),
        cmocka_unit_test(test_runtime_device_is_detached_and_followed_by_port_path),
        cmocka_unit_test(test_alt_by_name_and_by_number),
        cmocka_unit_test(test_flash_despite_odd_functional_descriptors),
        cmocka_unit_test(test_detach_then_dfu_mode_at_the_same_path),
        cmocka_unit_test(test_leave_starts_the_application),
        cmocka_unit_test(test_colliding_serials_and_missing_devices),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
