/*
 * dfuctl list against simulated devices served as USB devices (dfu-sim-usb): text, JSON (every
 * field, and the truncated or odd functional descriptors some devices send), colliding serials
 * told apart by port path, a selector that matches nothing, and a device the user may not open
 * (the warning names the udev rule).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libdfu/sim.h>

#include "usbtest.h"

#define SPEC_DFU "dfu11"

/* A state file holding the dfu11 device with a valid application, so that "runtime" boots it:
 * the device then shows its application's DFU run-time interface (1209:0001). */
static char *runtime_spec(const char *dir)
{
    char *state = tu_path(dir, "app.state"), *spec = malloc(strlen(state) + 64);
    sprintf(spec, "dfu11,runtime,state=%s", state);
    remove(state);
    dfu_ctx *ctx;
    dfu_sim *sim;
    dfu_ctx_new(&ctx);
    if (dfu_sim_new(&sim, ctx, spec)) fail_msg("%s: %s", spec, dfu_ctx_error(ctx)->message);
    const uint8_t vt[8] = {0x00, 0x10, 0x00, 0x20, 0x01, 0x81, 0x00, 0x08}; /* SP, reset */
    assert_int_equal(dfu_sim_poke(sim, 0x08008000, vt, sizeof(vt)), 0);
    dfu_sim_power_cycle(sim, 0);
    dfu_sim_free(sim);
    dfu_ctx_free(ctx);
    free(state);
    return spec;
}

static void bridge_run(tu_result *r, const char *const *specs_and_cmd)
{
    const char *argv[64];
    size_t n = 0;
    argv[n++] = DFU_SIM_USB_PATH;
    for (size_t i = 0; specs_and_cmd[i] && n < 63; i++) argv[n++] = specs_and_cmd[i];
    argv[n] = NULL;
    tu_run(r, false, argv);
}

static const tu_json *device_at(const tu_json *root, size_t i)
{
    const tu_json *devs = tu_json_get(root, "devices");
    assert_non_null(devs);
    assert_true(i < devs->count);
    return devs->items[i];
}

static void expect_str(const tu_json *obj, const char *key, const char *want)
{
    const tu_json *v = tu_json_path(obj, key);
    if (!want) {
        assert_true(v && v->type == TU_JSON_NULL);
        return;
    }
    if (!v || v->type != TU_JSON_STRING) fail_msg("%s: not a string", key);
    assert_string_equal(v->string, want);
}

static void expect_uint(const tu_json *obj, const char *key, uint64_t want)
{
    const tu_json *v = tu_json_path(obj, key);
    if (!v || v->type != TU_JSON_NUMBER) fail_msg("%s: not a number", key);
    if (v->integer != want)
        fail_msg("%s: %llu, expected %llu", key, (unsigned long long)v->integer,
                 (unsigned long long)want);
}

static void expect_bool(const tu_json *obj, const char *key, bool want)
{
    const tu_json *v = tu_json_path(obj, key);
    if (!v || v->type != TU_JSON_BOOL) fail_msg("%s: not a boolean", key);
    if (v->boolean != want) fail_msg("%s: %d, expected %d", key, v->boolean, want);
}

static void check_dfu11(const tu_json *d, bool rt, uint64_t address)
{
    expect_str(d, "backend", "usb");
    expect_str(d, "path", rt ? "1-3" : "1-1");
    expect_str(d, "mode", rt ? "runtime" : "dfu");
    expect_uint(d, "vid", 0x1209);
    expect_uint(d, "pid", rt ? 0x0001 : 0x0002);
    expect_uint(d, "bus", 1);
    expect_uint(d, "address", address);
    expect_uint(d, "alts.0.protocol", rt ? 1 : 2);
    expect_str(d, "alts.0.layout", NULL);
    if (rt) {
        /* The application's run-time interface: the 7-byte descriptor, reported as sent. */
        expect_str(d, "product", "DFU sim application");
        expect_str(d, "serial", "REF0001");
        expect_uint(d, "dfu_descriptor.length", 7);
        expect_uint(d, "dfu_descriptor.dfu_version", 0);
        expect_uint(d, "dfu_descriptor.detach_timeout_ms", 1000);
        expect_uint(d, "dfu_descriptor.transfer_size", 1024);
        expect_bool(d, "dfu_descriptor.will_detach", false);
        expect_uint(d, "alts.0.interface", 1);
        expect_str(d, "alts.0.name", "DFU run-time");
        return;
    }
    expect_uint(d, "bcd_device", 0x0100);
    expect_str(d, "manufacturer", "libdfu");
    expect_str(d, "product", "DFU 1.1 reference bootloader");
    expect_str(d, "serial", "REF0001");
    expect_uint(d, "dfu_descriptor.length", 9);
    expect_uint(d, "dfu_descriptor.attributes", 0x03);
    expect_bool(d, "dfu_descriptor.can_download", true);
    expect_bool(d, "dfu_descriptor.can_upload", true);
    expect_bool(d, "dfu_descriptor.manifestation_tolerant", false);
    expect_bool(d, "dfu_descriptor.will_detach", false);
    expect_uint(d, "dfu_descriptor.detach_timeout_ms", 255);
    expect_uint(d, "dfu_descriptor.transfer_size", 1024);
    expect_uint(d, "dfu_descriptor.dfu_version", 0x0110);
    expect_uint(d, "alts.0.interface", 0);
    expect_uint(d, "alts.0.alt", 0);
    expect_str(d, "alts.0.name", "Application");
}

static void check_f405(const tu_json *d)
{
    expect_str(d, "path", "1-2");
    expect_str(d, "mode", "dfu");
    expect_uint(d, "vid", 0x0483);
    expect_uint(d, "pid", 0xdf11);
    expect_str(d, "manufacturer", "STMicroelectronics");
    expect_str(d, "product", "STM32  BOOTLOADER");
    expect_uint(d, "dfu_descriptor.dfu_version", 0x011a);
    expect_bool(d, "dfu_descriptor.will_detach", true);
    expect_uint(d, "dfu_descriptor.transfer_size", 2048);
    expect_uint(d, "alts.3.alt", 3);
    expect_str(d, "alts.0.name", "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg");
    expect_str(d, "alts.0.layout.name", "Internal Flash");
    expect_uint(d, "alts.0.layout.size", 1024 * 1024);
    expect_uint(d, "alts.0.layout.groups.0.address", 0x08000000);
    expect_uint(d, "alts.0.layout.groups.0.count", 4);
    expect_uint(d, "alts.0.layout.groups.0.size", 16384);
    expect_bool(d, "alts.0.layout.groups.0.readable", true);
    expect_bool(d, "alts.0.layout.groups.0.erasable", true);
    expect_bool(d, "alts.0.layout.groups.0.writable", true);
    expect_uint(d, "alts.0.layout.groups.2.address", 0x08020000);
    expect_uint(d, "alts.0.layout.groups.2.count", 7);
    expect_uint(d, "alts.0.layout.groups.2.size", 131072);
    expect_str(d, "alts.1.layout.name", "Option Bytes");
    expect_bool(d, "alts.1.layout.groups.0.erasable", true); /* "g" */
}

static void test_json_has_every_field(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
    char *dir = tu_tmpdir("usb_list_json"), *rt = runtime_spec(dir);
    const char *args[] = {SPEC_DFU, "stm32f405", rt, "--", DFUCTL_PATH, "list", "--json", NULL};
    tu_result r;
    bridge_run(&r, args);
    if (r.exit_code) fail_msg("exit %d: %s", r.exit_code, r.err);
    tu_json *root = tu_json_parse(r.out);
    assert_non_null(root);
    expect_str(root, "type", "list");
    assert_int_equal(tu_json_get(root, "devices")->count, 3);
    /* Device numbers are handed out in plugging order; the run-time device was plugged in
     * once, as its application. */
    check_dfu11(device_at(root, 0), false, 2);
    check_f405(device_at(root, 1));
    check_dfu11(device_at(root, 2), true, 4);
    tu_json_free(root);
    tu_result_free(&r);
    free(rt);
    free(dir);
}

/* Descriptors real devices get wrong, in DFU mode: a 7-byte DFU 1.0 one announcing
 * wTransferSize 0, and a 9-byte one announcing 0xffff. Listed as sent, and still DFU mode. */
static void test_odd_functional_descriptors_reported_as_sent(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
    const char *json[] = {"dfu11,funclen=7,wtransfer=0",
                          "dfu11,wtransfer=0xffff",
                          "--",
                          DFUCTL_PATH,
                          "list",
                          "--json",
                          NULL};
    tu_result r;
    bridge_run(&r, json);
    if (r.exit_code) fail_msg("exit %d: %s", r.exit_code, r.err);
    tu_json *root = tu_json_parse(r.out);
    assert_non_null(root);
    assert_int_equal(tu_json_get(root, "devices")->count, 2);
    const tu_json *d = device_at(root, 0);
    expect_str(d, "path", "1-1");
    expect_str(d, "mode", "dfu");
    expect_uint(d, "alts.0.protocol", 2);
    expect_uint(d, "dfu_descriptor.length", 7);
    expect_uint(d, "dfu_descriptor.dfu_version", 0);
    expect_uint(d, "dfu_descriptor.transfer_size", 0);
    expect_bool(d, "dfu_descriptor.can_download", true);
    expect_uint(d, "dfu_descriptor.detach_timeout_ms", 255);
    d = device_at(root, 1);
    expect_str(d, "mode", "dfu");
    expect_uint(d, "dfu_descriptor.length", 9);
    expect_uint(d, "dfu_descriptor.dfu_version", 0x0110);
    expect_uint(d, "dfu_descriptor.transfer_size", 0xffff);
    tu_json_free(root);
    tu_result_free(&r);

    const char *text[] = {"dfu11,funclen=7,wtransfer=0", "--", DFUCTL_PATH, "list", NULL};
    bridge_run(&r, text);
    if (r.exit_code) fail_msg("exit %d: %s", r.exit_code, r.err);
    const char *want = "DFU version 0x0000, transfer size 0, detach timeout 255 ms, attributes "
                       "0x03 download upload (truncated descriptor)";
    if (!strstr(r.out, want)) fail_msg("lacks \"%s\" in\n%s", want, r.out);
    tu_result_free(&r);
}

static void test_text_lists_colliding_serials_by_path(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
    const char *args[] = {"stm32f405", "stm32f405", "--", DFUCTL_PATH, "list", NULL};
    tu_result r;
    bridge_run(&r, args);
    if (r.exit_code) fail_msg("exit %d: %s", r.exit_code, r.err);
    const char *want[] = {"1-1  0483:df11  DFU mode  serial \"396F376A3635\"  (bus 1, device 2)",
                          "1-2  0483:df11  DFU mode  serial \"396F376A3635\"  (bus 1, device 3)",
                          "alt 0 (interface 0): @Internal Flash  /0x08000000/",
                          "0x08020000     7 x 128 KiB  readable erasable writable"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(r.out, want[i])) fail_msg("lacks \"%s\" in\n%s", want[i], r.out);
    tu_result_free(&r);
}

/* Nothing on the bus is an answer (0); a selector that matches nothing is "no device" (4). */
static void test_exit_codes(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
    const char *none[] = {SPEC_DFU, "--", DFUCTL_PATH, "list", "-d", "0483:df11", "--json", NULL};
    tu_result r;
    bridge_run(&r, none);
    assert_int_equal(r.exit_code, 4);
    assert_string_equal(r.out, "{\"type\":\"list\",\"devices\":[]}\n");
    tu_result_free(&r);
    const char *one[] = {SPEC_DFU, SPEC_DFU, "--", DFUCTL_PATH, "list", "-d", "path=1-2", NULL};
    bridge_run(&r, one);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "1-2  "));
    assert_null(strstr(r.out, "1-1  "));
    tu_result_free(&r);
}

/* A copy of dfuctl and libdfu that user nobody can run: a checkout under a private directory
 * (mktemp -d makes them 0700) is out of its reach. */
static char *nobody_dir;

static const char *dfuctl_for_nobody(void)
{
    char tmpl[] = "/tmp/dfuctl-nobody-XXXXXX";
    if (!mkdtemp(tmpl)) fail_msg("mkdtemp: %s", strerror(errno));
    assert_int_equal(chmod(tmpl, 0755), 0);
    nobody_dir = strdup(tmpl);
    const char *from[] = {DFUCTL_PATH, DFU_SHARED_LIB_PATH};
    const char *to[] = {"dfuctl", "libdfu.so.0"};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        uint8_t *bytes = tu_read_file(from[i], &len);
        char *dst = tu_path(nobody_dir, to[i]);
        tu_write_file(dst, bytes, len);
        assert_int_equal(chmod(dst, 0755), 0);
        free(dst);
        free(bytes);
    }
    /* dfuctl's RUNPATH names the build tree; the copy of the library next to it comes first. */
    setenv("LD_LIBRARY_PATH", nobody_dir, 1);
    static char path[64];
    snprintf(path, sizeof(path), "%s/dfuctl", nobody_dir);
    return path;
}

static void remove_nobody_copy(void)
{
    if (!nobody_dir) return;
    const char *names[] = {"dfuctl", "libdfu.so.0"};
    for (size_t i = 0; i < 2; i++) {
        char *f = tu_path(nobody_dir, names[i]);
        remove(f);
        free(f);
    }
    rmdir(nobody_dir);
    free(nobody_dir);
    nobody_dir = NULL;
    unsetenv("LD_LIBRARY_PATH");
}

/* As a user without access to the device node: still listed (ids, path, interfaces), and the
 * warning says to install the udev rule. */
static void test_permission_denied_names_udev_rule(void **state)
{
    (void)state;
    USBTEST_REQUIRE("setpriv");
    if (geteuid() != 0) TU_SKIP("needs root to run the client as another user");
    const char *dfuctl = dfuctl_for_nobody();
    const char *probe[] = {
        "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", dfuctl, "--version", NULL};
    tu_result p;
    tu_run(&p, false, probe);
    if (p.exit_code) fail_msg("user nobody cannot run %s: %s", dfuctl, p.err);
    tu_result_free(&p);
    const char *args[] = {
        "--node-mode",   "0600",           SPEC_DFU, "--",   "setpriv", "--reuid=65534",
        "--regid=65534", "--clear-groups", dfuctl,   "list", NULL};
    tu_result r;
    bridge_run(&r, args);
    remove_nobody_copy();
    if (r.exit_code) fail_msg("exit %d: %s", r.exit_code, r.err);
    assert_non_null(strstr(r.out, "1-1  1209:0002  DFU mode  serial none"));
    assert_non_null(strstr(r.err, "LIBUSB_ERROR_ACCESS"));
    assert_non_null(strstr(r.err, "70-libdfu.rules"));
    tu_result_free(&r);
}

int main(int argc, char **argv)
{
    (void)argc;
    usbtest_init(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_has_every_field),
        cmocka_unit_test(test_odd_functional_descriptors_reported_as_sent),
        cmocka_unit_test(test_text_lists_colliding_serials_by_path),
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_permission_denied_names_udev_rule),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
