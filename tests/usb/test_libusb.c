/*
 * libdfu's libusb backend against simulated devices on a real USB stack (umockdev): what
 * enumeration reports, selectors, raw DFU requests through the transport, following a device
 * across re-enumeration by its port path, and how a vanished device and a held transfer are
 * reported, and how a held transfer is abandoned.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libdfu/device.h>
#include "core/internal.h"
#include "usbtest.h"
#include "usb/select.h"
#include "usb/usb_libusb.h"

/* dfu11: the DFU 1.1 reference profile (1209:0002); its application's run-time identity is
 * 1209:0001. */
#define SPEC_DFU    "dfu11"
#define DFU_VID     0x1209
#define DFU_PID     0x0002
#define RUNTIME_PID 0x0001
#define APP_BASE    0x08008000
#define XFER        1024

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

/* The DFU interface of the device last opened: class requests go to it. */
static uint8_t dfu_intf;

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
    dfu_intf = info->alts[0].iface;
    assert_int_equal(t->ops->set_alt(t, dfu_intf, info->alts[0].alt), 0);
    return t;
}

static int request(dfu_transport *t, uint8_t type, uint8_t req, uint16_t value, uint8_t *data,
                   uint16_t len, unsigned timeout_ms)
{
    dfu_usb_setup s = {type, req, value, dfu_intf, len};
    return t->ops->control(t, &s, data, timeout_ms);
}

static int get_state(dfu_transport *t)
{
    uint8_t st[6];
    int n = request(t, DFU_REQTYPE_IN, DFU_GETSTATUS, 0, st, 6, 1000);
    return n == 6 ? st[4] : n;
}

/* GETSTATUS, honouring bwPollTimeout, until the device leaves dfuDNBUSY/dfuDNLOAD-SYNC. */
static int settle(dfu_transport *t)
{
    for (int i = 0; i < 200; i++) {
        uint8_t st[6];
        int n = request(t, DFU_REQTYPE_IN, DFU_GETSTATUS, 0, st, 6, 5000);
        if (n != 6) return n;
        if (st[4] != DFU_STATE_DNBUSY && st[4] != DFU_STATE_DNLOAD_SYNC) return st[4];
        unsigned ms = st[1] | st[2] << 8 | (unsigned)st[3] << 16;
        struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* Leaves dfuERROR (a blank device reports errFIRMWARE) for dfuIDLE. */
static void to_idle(dfu_transport *t)
{
    if (get_state(t) == DFU_STATE_ERROR)
        assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_CLRSTATUS, 0, NULL, 0, 1000), 0);
    assert_int_equal(get_state(t), DFU_STATE_DFU_IDLE);
}

/* Gives device i a valid application and power-cycles it, so that it boots it. */
static void install_app(sim_usb *b, size_t i, uint32_t base)
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
    dfu_sim_power_cycle(sim_usb_sim(b, i), sim_usb_now(b, i));
    sim_usb_unlock(b);
    sim_usb_poke_bus(b);
    assert_true(sim_usb_wait_plugged(b, i, before, 5000));
}

#endif

static void test_enumeration_reports_every_field(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
#ifdef DFU_HAVE_UMOCKDEV
    const char *specs[] = {SPEC_DFU, "stm32f405"};
    fixture *f = start(specs, 2);
    dfu_device_info *list;
    size_t n;
    enumerate(f, &list, &n);
    assert_int_equal(n, 2);
    const dfu_device_info *d = !strcmp(list[0].path, "1-1") ? &list[0] : &list[1];
    assert_string_equal(d->backend, "usb");
    assert_string_equal(d->path, "1-1");
    assert_int_equal(d->vid, DFU_VID);
    assert_int_equal(d->pid, DFU_PID);
    assert_int_equal(d->bcd_device, 0x0100);
    assert_int_equal(d->mode, DFU_MODE_DFU);
    assert_int_equal(d->bus, 1);
    assert_int_equal(d->address, sim_usb_devnum(f->bridge, 0));
    assert_string_equal(d->manufacturer, "libdfu");
    assert_string_equal(d->product, "DFU 1.1 reference bootloader");
    assert_string_equal(d->serial, "REF0001");
    assert_true(d->func.present);
    assert_int_equal(d->func.length, 9);
    assert_int_equal(d->func.attributes, DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD);
    assert_int_equal(d->func.detach_timeout_ms, 255);
    assert_int_equal(d->func.transfer_size, XFER);
    assert_int_equal(d->func.dfu_version, 0x0110);
    assert_int_equal(d->alt_count, 1);
    assert_int_equal(d->alts[0].protocol, DFU_PROTOCOL_DFU);
    assert_string_equal(d->alts[0].name, "Application");

    d = d == &list[0] ? &list[1] : &list[0]; /* the STM32F405 ROM: DfuSe, four alternates */
    assert_string_equal(d->path, "1-2");
    assert_int_equal(d->vid, 0x0483);
    assert_int_equal(d->pid, 0xdf11);
    assert_int_equal(d->address, sim_usb_devnum(f->bridge, 1));
    assert_string_equal(d->product, "STM32  BOOTLOADER");
    assert_int_equal(strlen(d->serial), 12);
    assert_int_equal(d->func.dfu_version, DFU_VERSION_DFUSE);
    assert_int_equal(d->func.transfer_size, 2048);
    assert_int_equal(d->alt_count, 4);
    for (size_t i = 0; i < 4; i++) assert_int_equal(d->alts[i].alt, i);
    assert_string_equal(d->alts[0].name, "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg");
    assert_string_equal(d->alts[1].name, "@Option Bytes  /0x1FFFC000/01*016 g");
    dfu_device_info_list_free(list, n);
    stop(f);
#endif
}

/* Two STM32 ROMs with the same serial: ambiguous unless told apart by path. */
static void test_selectors_pick_by_path_not_serial(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
#ifdef DFU_HAVE_UMOCKDEV
    const char *specs[] = {"stm32f405", "stm32f405", SPEC_DFU};
    fixture *f = start(specs, 3);
    dfu_selector *sel;
    dfu_device_info info;
    assert_int_equal(dfu_selector_parse(&sel, f->ctx, "0483:df11"), 0);
    assert_int_equal(dfu_select_one(f->usb, f->ctx, sel, &info), DFU_ERR_AMBIGUOUS);
    const char *msg = dfu_ctx_error(f->ctx)->message;
    assert_non_null(strstr(msg, "2 DFU devices match \"0483:df11\""));
    assert_non_null(strstr(msg, "path=1-1 0483:df11 serial=396F376A3635 (DFU mode"));
    assert_non_null(strstr(msg, "path=1-2 0483:df11 serial=396F376A3635 (DFU mode"));
    assert_null(strstr(msg, "1-3"));
    dfu_selector_free(sel);

    assert_int_equal(dfu_selector_parse(&sel, f->ctx, "serial=396F376A3635,path=1-2"), 0);
    assert_int_equal(dfu_select_one(f->usb, f->ctx, sel, &info), 0);
    assert_string_equal(info.path, "1-2");
    assert_int_equal(info.address, sim_usb_devnum(f->bridge, 1));
    dfu_device_info_clear(&info);
    dfu_selector_free(sel);

    /* Run-time ids first, then DFU ids: the DFU-mode device matches the second pair. */
    assert_int_equal(dfu_selector_parse(&sel, f->ctx, "1209:0001,1209:0002"), 0);
    assert_int_equal(dfu_select_one(f->usb, f->ctx, sel, &info), 0);
    assert_string_equal(info.path, "1-3");
    dfu_device_info_clear(&info);
    dfu_selector_free(sel);

    assert_int_equal(dfu_selector_parse(&sel, f->ctx, "28e9:0189"), 0);
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
    to_idle(t);
    assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_DNLOAD, 0, out, XFER, 1000), XFER);
    assert_int_equal(settle(t), DFU_STATE_DNLOAD_IDLE);
    assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_ABORT, 0, NULL, 0, 1000), 0);
    assert_int_equal(get_state(t), DFU_STATE_DFU_IDLE);
    assert_int_equal(request(t, DFU_REQTYPE_IN, DFU_UPLOAD, 0, in, XFER, 1000), XFER);
    assert_memory_equal(in, out, XFER);
    sim_usb_lock(f->bridge);
    assert_int_equal(dfu_sim_peek(sim_usb_sim(f->bridge, 0), APP_BASE, in, XFER), 0);
    sim_usb_unlock(f->bridge);
    assert_memory_equal(in, out, XFER);
    /* A request the device refuses is a stall, and the device still answers afterwards. */
    assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_DETACH, 0, NULL, 0, 1000), DFU_ERR_STALL);
    assert_true(get_state(t) >= 0);
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
    const char *specs[] = {"stm32f405", SPEC_DFU ",runtime"};
    fixture *f = start(specs, 2);
    install_app(f->bridge, 1, APP_BASE);
    dfu_device_info rt, bl;
    dfu_transport *t = open_one(f, "path=1-2", &rt);
    assert_int_equal(rt.pid, RUNTIME_PID);
    assert_int_equal(rt.mode, DFU_MODE_RUNTIME);
    assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_DETACH, 1000, NULL, 0, 1000), 0);
    assert_int_equal(t->ops->reset(t), DFU_ERR_DISCONNECTED);
    t->ops->close(t);
    char path[16];
    strcpy(path, rt.path);
    assert_int_equal(
        f->usb->ops->wait(f->usb, f->ctx, dfu_match_path_dfu_mode, path, 5000, NULL, NULL, &bl), 0);
    assert_string_equal(bl.path, "1-2");
    assert_int_equal(bl.mode, DFU_MODE_DFU);
    assert_int_equal(bl.pid, DFU_PID);
    assert_int_not_equal(bl.address, rt.address);
    assert_int_equal(bl.address, sim_usb_devnum(f->bridge, 1));
    /* And it works there. */
    assert_int_equal(f->usb->ops->open(f->usb, f->ctx, &bl, &t), 0);
    dfu_intf = bl.alts[0].iface;
    assert_int_equal(t->ops->set_alt(t, dfu_intf, 0), 0);
    assert_true(get_state(t) == DFU_STATE_DFU_IDLE || get_state(t) == DFU_STATE_ERROR);
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
    assert_int_equal(
        f->usb->ops->wait(f->usb, f->ctx, dfu_match_path_dfu_mode, path, 300, NULL, NULL, &info),
        DFU_ERR_TIMEOUT);
    uint64_t ms = (sim_usb_wall_us() - t0) / 1000;
    assert_true(ms >= 300 && ms < 3000);
    stop(f);
#endif
}

#ifdef DFU_HAVE_UMOCKDEV
/* dfu_ctx_set_cancel's callback: yes once the wall clock passes the time in payload. */
static int cancel_after(void *payload)
{
    return sim_usb_wall_us() >= *(const uint64_t *)payload;
}
#endif

#ifdef DFU_HAVE_UMOCKDEV
/* Says yes to one question only, the k-th: an answer that is not asked for again. */
typedef struct one_shot {
    unsigned k, asked;
} one_shot;

static int yes_once(void *payload)
{
    one_shot *o = payload;
    return ++o->asked == o->k;
}
#endif

/* Whichever question of a wait the caller's one yes answers, the wait ends then. An answer to
 * the question asked just before a step of the wait was dropped: the step ended, the device list
 * was read again, and the next question heard no. */
static void test_wait_hears_a_single_yes(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
#ifdef DFU_HAVE_UMOCKDEV
    const char *specs[] = {SPEC_DFU};
    fixture *f = start(specs, 1);
    dfu_device_info info;
    char path[] = "1-7";
    for (unsigned k = 1; k <= 4; k++) {
        one_shot o = {k, 0};
        dfu_ctx_set_cancel(f->ctx, yes_once, &o);
        int rc = f->usb->ops->wait(f->usb, f->ctx, dfu_match_path_dfu_mode, path, 3000,
                                   dfu_ctx_stop, f->ctx, &info);
        if (rc != DFU_ERR_CANCELLED)
            fail_msg("yes to question %u of %u: %s", k, o.asked, dfu_error_name(rc));
        assert_int_equal(o.asked, k);
    }
    dfu_ctx_set_cancel(f->ctx, NULL, NULL);
    stop(f);
#endif
}

/* A wait of a minute that the caller cancels after 300 ms ends then, with DFU_ERR_CANCELLED. */
static void test_wait_is_cancelled(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
#ifdef DFU_HAVE_UMOCKDEV
    const char *specs[] = {SPEC_DFU};
    fixture *f = start(specs, 1);
    dfu_device_info info;
    char path[] = "1-7";
    uint64_t t0 = sim_usb_wall_us(), at = t0 + 300 * 1000;
    dfu_ctx_set_cancel(f->ctx, cancel_after, &at);
    assert_int_equal(f->usb->ops->wait(f->usb, f->ctx, dfu_match_path_dfu_mode, path, 60000,
                                       dfu_ctx_stop, f->ctx, &info),
                     DFU_ERR_CANCELLED);
    uint64_t ms = (sim_usb_wall_us() - t0) / 1000;
    if (ms < 300 || ms > 3000) fail_msg("the cancelled wait took %llu ms", (unsigned long long)ms);
    assert_non_null(strstr(dfu_ctx_error(f->ctx)->message, "cancelled while waiting"));
    dfu_ctx_set_cancel(f->ctx, NULL, NULL);
    stop(f);
#endif
}

/* The link drops when a block arrives: that transfer and every later one on the handle say
 * disconnected (not a timeout, not a stall). */
static void test_unplug_mid_transfer_is_disconnected(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
#ifdef DFU_HAVE_UMOCKDEV
    const char *specs[] = {SPEC_DFU ",fault=unplug@block:1"};
    fixture *f = start(specs, 1);
    dfu_device_info info;
    dfu_transport *t = open_one(f, "", &info);
    uint8_t block[XFER] = {0};
    to_idle(t);
    assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_DNLOAD, 0, block, XFER, 1000), XFER);
    assert_int_equal(settle(t), DFU_STATE_DNLOAD_IDLE);
    assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_DNLOAD, 1, block, XFER, 1000),
                     DFU_ERR_DISCONNECTED);
    assert_int_equal(get_state(t), DFU_ERR_DISCONNECTED);
    t->ops->close(t);
    /* It really left the bus: when the cable comes back it is a new device, at the same path. */
    assert_true(sim_usb_wait_plugged(f->bridge, 0, info.address, 5000));
    assert_int_equal(sim_usb_plug_count(f->bridge, 0), 2);
    char path[] = "1-1";
    dfu_device_info back;
    assert_int_equal(
        f->usb->ops->wait(f->usb, f->ctx, dfu_match_path_dfu_mode, path, 5000, NULL, NULL, &back),
        0);
    assert_int_not_equal(back.address, info.address);
    dfu_device_info_clear(&back);
    dfu_device_info_clear(&info);
    stop(f);
#endif
}

/* mboot erases inside the GETSTATUS that follows the command and holds the next control
 * transfer until done (USB is not serviced while the flash is busy). In real time, a 150 ms
 * timeout on that transfer is a timeout, not a stall, and the device answers afterwards. */
static void test_held_transfer_times_out(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
#ifdef DFU_HAVE_UMOCKDEV
    const char *specs[] = {"mboot-f4,realtime"};
    fixture *f = start(specs, 1);
    dfu_device_info info;
    dfu_transport *t = open_one(f, "", &info);
    to_idle(t);
    uint8_t erase[5] = {DFUSE_CMD_ERASE, 0x00, 0x00, 0x02, 0x08}, st[6]; /* 0x08020000: 128 KiB */
    assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_DNLOAD, 0, erase, 5, 1000), 5);
    assert_int_equal(get_state(t), DFU_STATE_DNBUSY);
    uint64_t t0 = sim_usb_wall_us();
    assert_int_equal(request(t, DFU_REQTYPE_IN, DFU_GETSTATUS, 0, st, 6, 150), DFU_ERR_TIMEOUT);
    uint64_t ms = (sim_usb_wall_us() - t0) / 1000;
    assert_true(ms >= 140 && ms < 900);
    assert_int_equal(request(t, DFU_REQTYPE_IN, DFU_GETSTATUS, 0, st, 6, 10000), 6);
    t->ops->close(t);
    dfu_device_info_clear(&info);
    stop(f);
#endif
}

/* The same held transfer, with someone to ask (as an open device's transport has): a cancel
 * after 300 ms abandons it then, not when mboot finishes the erase (2 s: timing=max); the device
 * carries on and answers the next request once done. The bound is relative to when it does, so
 * that a loaded machine or valgrind, slow to come back from the cancel, does not fail it while a
 * transfer held to the end still would. */
static void test_held_transfer_is_abandoned_when_asked(void **state)
{
    (void)state;
    USBTEST_REQUIRE(NULL);
#ifdef DFU_HAVE_UMOCKDEV
    const char *specs[] = {"mboot-f4,realtime,timing=max"};
    fixture *f = start(specs, 1);
    dfu_device_info info;
    dfu_transport *t = open_one(f, "", &info);
    to_idle(t);
    uint8_t erase[5] = {DFUSE_CMD_ERASE, 0x00, 0x00, 0x02, 0x08}, st[6]; /* 0x08020000: 128 KiB */
    assert_int_equal(request(t, DFU_REQTYPE_OUT, DFU_DNLOAD, 0, erase, 5, 1000), 5);
    assert_int_equal(get_state(t), DFU_STATE_DNBUSY);
    uint64_t t0 = sim_usb_wall_us(), at = t0 + 300 * 1000;
    t->waiting = cancel_after;
    t->waiting_arg = &at;
    assert_int_equal(request(t, DFU_REQTYPE_IN, DFU_GETSTATUS, 0, st, 6, 10000), DFU_ERR_CANCELLED);
    uint64_t ms = (sim_usb_wall_us() - t0) / 1000;
    /* Asked, and never saying stop, it is an ordinary transfer: held until the erase is done. */
    at = UINT64_MAX;
    assert_int_equal(request(t, DFU_REQTYPE_IN, DFU_GETSTATUS, 0, st, 6, 10000), 6);
    uint64_t done_ms = (sim_usb_wall_us() - t0) / 1000;
    assert_int_not_equal(st[4], DFU_STATE_DNBUSY);
    if (ms < 300 || ms > 3000 || done_ms < ms + 500)
        fail_msg("abandoned after %llu ms, the erase done after %llu ms", (unsigned long long)ms,
                 (unsigned long long)done_ms);
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
        cmocka_unit_test(test_wait_is_cancelled),
        cmocka_unit_test(test_wait_hears_a_single_yes),
        cmocka_unit_test(test_wait_times_out),
        cmocka_unit_test(test_unplug_mid_transfer_is_disconnected),
        cmocka_unit_test(test_held_transfer_times_out),
        cmocka_unit_test(test_held_transfer_is_abandoned_when_asked),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
