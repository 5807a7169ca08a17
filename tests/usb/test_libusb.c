/*
 * libdfu's libusb backend against simulated devices on a real USB stack (umockdev): what
 * enumeration reports, selectors, raw DFU requests through the transport, following a device
 * across re-enumeration by its port path, and how a vanished device and a held transfer are
 * reported.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libdfu/device.h>
#include "usbtest.h"
#include "usb/select.h"
#include "usb/usb_libusb.h"

/* Profiles (sim.h specs) used here. */
#define SPEC_DFU     "fake"
#define SPEC_RUNTIME "fake,runtime"
#define DFU_VID      0x1209
#define DFU_PID      0xdb42
#define RUNTIME_PID  0x0001
#define XFER         1024

#ifdef DFU_HAVE_UMOCKDEV

typedef struct fixture {
    sim_usb *bridge;
    dfu_ctx *ctx;
    dfu_backend *usb;
} fixture;

static fixture *start(const char *const *specs, size_t n)
{
    fixture *f = calloc(1, sizeof(*f));
    char err[512];
    f->bridge = sim_usb_new(specs, n, err, sizeof(err));
    if (!f->bridge) fail_msg("bridge: %s", err);
    dfu_ctx_new(&f->ctx);
    if (dfu_backend_libusb_new(&f->usb, f->ctx)) fail_msg("%s", dfu_ctx_error(f->ctx)->message);
    return f;
}

static void stop(fixture *f)
{
    f->usb->ops->free(f->usb);
    sim_usb_free(f->bridge);
    dfu_ctx_free(f->ctx);
    free(f);
}

static void enumerate(fixture *f, dfu_device_info **list, size_t *n)
{
    if (f->usb->ops->enumerate(f->usb, f->ctx, list, n))
        fail_msg("enumerate: %s", dfu_ctx_error(f->ctx)->message);
}

static dfu_transport *open_one(fixture *f, const char *selector, dfu_device_info *info)
{
    dfu_selector *sel;
    dfu_transport *t;
    assert_int_equal(dfu_selector_parse(&sel, f->ctx, selector), 0);
    if (dfu_select_one(f->usb, f->ctx, sel, info))
        fail_msg("select %s: %s", selector, dfu_ctx_error(f->ctx)->message);
    dfu_selector_free(sel);
    if (f->usb->ops->open(f->usb, f->ctx, info, &t))
        fail_msg("open: %s", dfu_ctx_error(f->ctx)->message);
    assert_int_equal(t->ops->set_alt(t, 0, 0), 0);
    return t;
}

static int request(dfu_transport *t, uint8_t type, uint8_t req, uint16_t value, uint8_t *data,
                   uint16_t len, unsigned timeout_ms)
{
    dfu_usb_setup s = {type, req, value, 0, len};
    return t->ops->control(t, &s, data, timeout_ms);
}

static int get_state(dfu_transport *t)
{
    uint8_t st[6];
    int n = request(t, DFU_REQTYPE_IN, DFU_GETSTATUS, 0, st, 6, 1000);
    return n == 6 ? st[4] : n;
}

#endif

static void test_enumeration_reports_every_field(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
#ifdef DFU_HAVE_UMOCKDEV
    const char *specs[] = {SPEC_DFU, SPEC_RUNTIME};
    fixture *f = start(specs, 2);
    dfu_device_info *list;
    size_t n;
    enumerate(f, &list, &n);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        const dfu_device_info *d = &list[i];
        bool rt = !strcmp(d->path, "1-2");
        assert_string_equal(d->path, rt ? "1-2" : "1-1");
        assert_string_equal(d->backend, "usb");
        assert_int_equal(d->vid, DFU_VID);
        assert_int_equal(d->pid, rt ? RUNTIME_PID : DFU_PID);
        assert_int_equal(d->mode, rt ? DFU_MODE_RUNTIME : DFU_MODE_DFU);
        assert_int_equal(d->bus, 1);
        assert_int_equal(d->address, sim_usb_devnum(f->bridge, rt ? 1 : 0));
        assert_string_equal(d->manufacturer, "Fake");
        assert_string_equal(d->product, "Fake DFU");
        assert_string_equal(d->serial, "FAKE0001");
        assert_true(d->func.present);
        assert_int_equal(d->func.length, 9);
        assert_int_equal(d->func.transfer_size, XFER);
        assert_int_equal(d->func.dfu_version, 0x0110);
        assert_int_equal(d->alt_count, 1);
        assert_int_equal(d->alts[0].protocol, rt ? DFU_PROTOCOL_RUNTIME : DFU_PROTOCOL_DFU);
        assert_string_equal(d->alts[0].name, "Flash");
    }
    dfu_device_info_list_free(list, n);
    stop(f);
#endif
}

/* Two devices with the same serial: ambiguous unless told apart by path; none for a wrong id. */
static void test_selectors_pick_by_path_not_serial(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
#ifdef DFU_HAVE_UMOCKDEV
    const char *specs[] = {SPEC_DFU, SPEC_DFU, SPEC_RUNTIME};
    fixture *f = start(specs, 3);
    dfu_selector *sel;
    dfu_device_info info;
    assert_int_equal(dfu_selector_parse(&sel, f->ctx, "serial=FAKE0001"), 0);
    assert_int_equal(dfu_select_one(f->usb, f->ctx, sel, &info), DFU_ERR_AMBIGUOUS);
    const char *msg = dfu_ctx_error(f->ctx)->message;
    assert_non_null(strstr(msg, "3 DFU devices match"));
    assert_non_null(strstr(msg, "path=1-1 1209:db42 serial=FAKE0001 (DFU mode"));
    assert_non_null(strstr(msg, "path=1-2 1209:db42 serial=FAKE0001 (DFU mode"));
    assert_non_null(strstr(msg, "path=1-3 1209:0001 serial=FAKE0001 (run-time mode"));
    dfu_selector_free(sel);

    assert_int_equal(dfu_selector_parse(&sel, f->ctx, "1209:0001,1209:db42,path=1-2"), 0);
    assert_int_equal(dfu_select_one(f->usb, f->ctx, sel, &info), 0);
    assert_string_equal(info.path, "1-2");
    dfu_device_info_clear(&info);
    dfu_selector_free(sel);

    assert_int_equal(dfu_selector_parse(&sel, f->ctx, "1209:0001"), 0);
    assert_int_equal(dfu_select_one(f->usb, f->ctx, sel, &info), 0);
    assert_string_equal(info.path, "1-3");
    dfu_device_info_clear(&info);
    dfu_selector_free(sel);

    assert_int_equal(dfu_selector_parse(&sel, f->ctx, "0483:df11"), 0);
    assert_int_equal(dfu_select_one(f->usb, f->ctx, sel, &info), DFU_ERR_NO_DEVICE);
    assert_non_null(strstr(dfu_ctx_error(f->ctx)->message, "3 DFU devices seen"));
    dfu_selector_free(sel);
    stop(f);
#endif
}

/* DNLOAD, GETSTATUS, UPLOAD through the transport: the bytes come back. */
static void test_raw_requests_round_trip(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
#ifdef DFU_HAVE_UMOCKDEV
    const char *specs[] = {SPEC_DFU};
    fixture *f = start(specs, 1);
    dfu_device_info info;
    dfu_transport *t = open_one(f, "path=1-1", &info);
    uint8_t out[XFER], in[XFER];
    tu_rng rng;
    tu_rng_seed(&rng, 7);
    tu_rng_fill(&rng, out, sizeof(out));
    assert_int_equal(get_state(t), DFU_STATE_DFU_IDLE);
    assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_DNLOAD, 0, out, XFER, 1000), XFER);
    assert_int_equal(get_state(t), DFU_STATE_DNLOAD_IDLE);
    assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_DNLOAD, 1, NULL, 0, 1000), 0);
    assert_int_equal(get_state(t), DFU_STATE_DFU_IDLE);
    assert_int_equal(request(t, DFU_REQTYPE_IN, DFU_UPLOAD, 0, in, XFER, 1000), XFER);
    assert_memory_equal(in, out, XFER);
    assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_ABORT, 0, NULL, 0, 1000), 0);
    /* A request the device refuses is a stall, and the device still answers afterwards. */
    assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_DETACH, 0, NULL, 0, 1000), DFU_ERR_STALL);
    assert_int_equal(get_state(t), DFU_STATE_DFU_IDLE);
    t->ops->close(t);
    dfu_device_info_clear(&info);
    stop(f);
#endif
}

/* DETACH + reset: the device leaves, comes back in DFU mode at the same port path with a new
 * device number, and wait() finds it there. */
static void test_reenumeration_followed_by_port_path(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
#ifdef DFU_HAVE_UMOCKDEV
    const char *specs[] = {SPEC_DFU, SPEC_RUNTIME};
    fixture *f = start(specs, 2);
    dfu_device_info rt, bl;
    dfu_transport *t = open_one(f, "path=1-2", &rt);
    assert_int_equal(rt.mode, DFU_MODE_RUNTIME);
    assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_DETACH, 1000, NULL, 0, 1000), 0);
    assert_int_equal(t->ops->reset(t), DFU_ERR_DISCONNECTED);
    t->ops->close(t);
    char path[16];
    strcpy(path, rt.path);
    assert_int_equal(f->usb->ops->wait(f->usb, f->ctx, dfu_match_path_dfu_mode, path, 5000, &bl),
                     0);
    assert_string_equal(bl.path, "1-2");
    assert_int_equal(bl.mode, DFU_MODE_DFU);
    assert_int_equal(bl.pid, DFU_PID);
    assert_int_not_equal(bl.address, rt.address);
    assert_int_equal(bl.address, sim_usb_devnum(f->bridge, 1));
    /* And it works there. */
    assert_int_equal(f->usb->ops->open(f->usb, f->ctx, &bl, &t), 0);
    assert_int_equal(t->ops->set_alt(t, 0, 0), 0);
    assert_int_equal(get_state(t), DFU_STATE_DFU_IDLE);
    t->ops->close(t);
    dfu_device_info_clear(&rt);
    dfu_device_info_clear(&bl);
    stop(f);
#endif
}

static void test_wait_times_out(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
#ifdef DFU_HAVE_UMOCKDEV
    const char *specs[] = {SPEC_DFU};
    fixture *f = start(specs, 1);
    dfu_device_info info;
    char path[] = "1-7";
    uint64_t t0 = sim_usb_wall_us();
    assert_int_equal(f->usb->ops->wait(f->usb, f->ctx, dfu_match_path_dfu_mode, path, 300, &info),
                     DFU_ERR_TIMEOUT);
    uint64_t ms = (sim_usb_wall_us() - t0) / 1000;
    assert_true(ms >= 300 && ms < 3000);
    stop(f);
#endif
}

/* The link drops when a block arrives: that transfer and every later one say disconnected. */
static void test_unplug_mid_transfer_is_disconnected(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
#ifdef DFU_HAVE_UMOCKDEV
    const char *specs[] = {SPEC_DFU ",unplug=1"};
    fixture *f = start(specs, 1);
    dfu_device_info info;
    dfu_transport *t = open_one(f, "", &info);
    uint8_t block[XFER] = {0};
    assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_DNLOAD, 0, block, XFER, 1000), XFER);
    assert_int_equal(get_state(t), DFU_STATE_DNLOAD_IDLE);
    assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_DNLOAD, 1, block, XFER, 1000),
                     DFU_ERR_DISCONNECTED);
    assert_int_equal(get_state(t), DFU_ERR_DISCONNECTED);
    t->ops->close(t);
    /* Really off the bus: libusb hears of it through the "remove" uevent, asynchronously. */
    dfu_device_info *list;
    size_t n = 1;
    for (int tries = 0; n && tries < 100; tries++) {
        enumerate(f, &list, &n);
        dfu_device_info_list_free(list, n);
        struct timespec ts = {0, 20000000};
        if (n) nanosleep(&ts, NULL);
    }
    assert_int_equal(n, 0);
    assert_int_equal(sim_usb_devnum(f->bridge, 0), 0);
    dfu_device_info_clear(&info);
    stop(f);
#endif
}

/* The device holds GETSTATUS for a second; a 150 ms timeout is a timeout, not a stall, and the
 * device is still there afterwards. */
static void test_held_transfer_times_out(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
#ifdef DFU_HAVE_UMOCKDEV
    const char *specs[] = {SPEC_DFU ",hold=1000,realtime"};
    fixture *f = start(specs, 1);
    dfu_device_info info;
    dfu_transport *t = open_one(f, "", &info);
    uint8_t block[XFER] = {0}, st[6];
    assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_DNLOAD, 0, block, XFER, 1000), XFER);
    uint64_t t0 = sim_usb_wall_us();
    assert_int_equal(request(t, DFU_REQTYPE_IN, DFU_GETSTATUS, 0, st, 6, 150), DFU_ERR_TIMEOUT);
    uint64_t ms = (sim_usb_wall_us() - t0) / 1000;
    assert_true(ms >= 140 && ms < 900);
    assert_int_equal(get_state(t), DFU_STATE_DNLOAD_IDLE);
    t->ops->close(t);
    dfu_device_info_clear(&info);
    stop(f);
#endif
}

int main(int argc, char **argv)
{
    (void)argc;
    usbtest_init(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enumeration_reports_every_field),
        cmocka_unit_test(test_selectors_pick_by_path_not_serial),
        cmocka_unit_test(test_raw_requests_round_trip),
        cmocka_unit_test(test_reenumeration_followed_by_port_path),
        cmocka_unit_test(test_wait_times_out),
        cmocka_unit_test(test_unplug_mid_transfer_is_disconnected),
        cmocka_unit_test(test_held_transfer_times_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
