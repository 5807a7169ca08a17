/* The in-process "sim" backend: virtual time, held transfers and timeouts, enumeration through
 * the host-side descriptor parser, waiting for a device that re-enumerates. */
#include <time.h>

#include "sim_test.h"
#include "usb/usb_sim.h"

typedef struct rig {
    dfu_ctx *ctx;
    dfu_backend *b;
    dfu_clock *clock;
} rig;

static void rig_open(rig *r, const char *const *specs, size_t n)
{
    assert_int_equal(dfu_ctx_new(&r->ctx), DFU_OK);
    int rc = dfu_backend_sim_new(&r->b, r->ctx, specs, n);
    if (rc) fail_msg("%s", dfu_ctx_error(r->ctx)->message);
    r->clock = r->b->ops->clock(r->b);
}

static void rig_close(rig *r)
{
    r->b->ops->free(r->b);
    dfu_ctx_free(r->ctx);
}

static uint64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int ctl(dfu_transport *t, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
               uint8_t *data, uint16_t len, unsigned timeout_ms)
{
    dfu_usb_setup s = {type, req, value, index, len};
    return t->ops->control(t, &s, data, timeout_ms);
}

static int status_of(dfu_transport *t, uint8_t *st, unsigned timeout_ms)
{
    return ctl(t, DFU_REQTYPE_IN, DFU_GETSTATUS, 0, 0, st, 6, timeout_ms);
}

/* The first device, opened, in dfuIDLE. */
static dfu_transport *open_first(rig *r, dfu_device_info *info)
{
    dfu_device_info *list;
    size_t n;
    assert_int_equal(r->b->ops->enumerate(r->b, r->ctx, &list, &n), DFU_OK);
    assert_true(n >= 1);
    dfu_device_info_copy(info, &list[0]);
    dfu_device_info_list_free(list, n);
    dfu_transport *t;
    assert_int_equal(r->b->ops->open(r->b, r->ctx, info, &t), DFU_OK);
    assert_int_equal(t->ops->set_alt(t, 0, 0), DFU_OK);
    uint8_t st[6];
    assert_int_equal(status_of(t, st, 1000), 6);
    if (st[4] == DFU_STATE_ERROR) ctl(t, DFU_REQTYPE_OUT, DFU_CLRSTATUS, 0, 0, NULL, 0, 1000);
    return t;
}

/* A 32 s mass erase (F405, timing=max) on the virtual clock: no real waiting. */
static void test_mass_erase_costs_no_wall_time(void **state)
{
    (void)state;
    const char *specs[] = {"stm32f405,timing=max"};
    rig r;
    rig_open(&r, specs, 1);
    dfu_device_info info;
    dfu_transport *t = open_first(&r, &info);
    uint64_t wall = wall_us(), v0 = dfu_clock_now(r.clock);
    uint8_t cmd = DFUSE_CMD_ERASE, st[6];
    assert_int_equal(ctl(t, DFU_REQTYPE_OUT, DFU_DNLOAD, 0, 0, &cmd, 1, 1000), 1);
    assert_int_equal(status_of(t, st, 1000), 6);
    assert_int_equal(st[4], DFU_STATE_DNBUSY);
    dfu_clock_sleep(r.clock, 100000);
    assert_int_equal(status_of(t, st, 0), 6); /* no timeout: held until done */
    assert_int_equal(st[4], DFU_STATE_DNLOAD_IDLE);
    assert_true(dfu_clock_now(r.clock) - v0 >= 32000000);
    assert_true(wall_us() - wall < 1000000);
    t->ops->close(t);
    dfu_device_info_clear(&info);
    rig_close(&r);
}

/* A held transfer longer than the host's timeout: DFU_ERR_TIMEOUT after exactly the timeout;
 * the device took the request anyway. */
static void test_held_transfer_times_out(void **state)
{
    (void)state;
    const char *specs[] = {"stm32f405"};
    rig r;
    rig_open(&r, specs, 1);
    dfu_device_info info;
    dfu_transport *t = open_first(&r, &info);
    uint8_t cmd = DFUSE_CMD_ERASE, st[6] = {0};
    ctl(t, DFU_REQTYPE_OUT, DFU_DNLOAD, 0, 0, &cmd, 1, 1000);
    status_of(t, st, 1000);
    dfu_clock_sleep(r.clock, 100000);
    uint64_t before = dfu_clock_now(r.clock);
    assert_int_equal(status_of(t, st, 5000), DFU_ERR_TIMEOUT);
    assert_int_equal(dfu_clock_now(r.clock) - before, 5000000);
    dfu_clock_sleep(r.clock, 20000000);
    /* The timed-out GETSTATUS moved the device on: it is already in dfuDNLOAD-IDLE. */
    assert_int_equal(dfu_sim_state(dfu_backend_sim_device(r.b, 0)), DFU_STATE_DNLOAD_IDLE);
    t->ops->close(t);
    dfu_device_info_clear(&info);
    rig_close(&r);
}

static void test_enumeration_through_the_parser(void **state)
{
    (void)state;
    const char *specs[] = {"stm32f405", "stm32f405", "gd32vf103,path=1-1.4"};
    rig r;
    rig_open(&r, specs, 3);
    dfu_device_info *list;
    size_t n;
    assert_int_equal(r.b->ops->enumerate(r.b, r.ctx, &list, &n), DFU_OK);
    assert_int_equal(n, 3);
    const dfu_device_info *a = &list[0], *b = &list[1], *g = &list[2];
    assert_string_equal(a->backend, "sim");
    assert_string_equal(a->path, "sim-1");
    assert_string_equal(b->path, "sim-2");
    assert_string_equal(g->path, "1-1.4");
    assert_int_equal(a->vid, 0x0483);
    assert_int_equal(a->pid, 0xDF11);
    assert_int_equal(a->bcd_device, 0x2100);
    assert_string_equal(a->product, "STM32  BOOTLOADER");
    assert_string_equal(a->manufacturer, "STMicroelectronics");
    assert_int_equal(a->mode, DFU_MODE_DFU);
    assert_int_equal(a->alt_count, 4);
    assert_string_equal(a->alts[0].name, "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg");
    assert_string_equal(a->alts[1].name, "@Option Bytes  /0x1FFFC000/01*016 g");
    assert_int_equal(a->alts[3].alt, 3);
    assert_int_equal(a->alts[3].protocol, DFU_PROTOCOL_DFU);
    assert_true(a->func.present);
    assert_int_equal(a->func.length, 9);
    assert_int_equal(a->func.attributes, 0x0B);
    assert_int_equal(a->func.detach_timeout_ms, 255);
    assert_int_equal(a->func.transfer_size, 2048);
    assert_int_equal(a->func.dfu_version, 0x011A);
    assert_string_equal(a->serial, b->serial); /* ROM serials collide */
    assert_true(a->address != b->address);
    assert_string_equal(g->serial, "3CBJ"); /* UTF-8 bytes, decoded as such */
    assert_string_equal(g->alts[0].name, "@Internal Flash  /0x08000000/512*002Kg");
    dfu_device_info_list_free(list, n);
    rig_close(&r);
}

/* A run-time application and its truncated functional descriptor, then detach: the bootloader
 * is found again with a new device number; the old handle and info are stale. */
static void test_runtime_detach_and_wait(void **state)
{
    (void)state;
    const char *specs[] = {"dfu11,runtime"};
    rig r;
    rig_open(&r, specs, 1);
    dfu_sim *sim = dfu_backend_sim_device(r.b, 0);
    uint8_t v[8];
    th_vectors(v, 0x08008000, 0x20020000);
    dfu_sim_poke(sim, 0x08008000, v, 8);
    dfu_sim_power_cycle(sim, dfu_clock_now(r.clock));
    dfu_device_info app, dfu;
    assert_int_equal(r.b->ops->wait(r.b, r.ctx, NULL, NULL, 5000, NULL, NULL, &app), DFU_OK);
    assert_int_equal(app.mode, DFU_MODE_RUNTIME);
    assert_int_equal(app.vid, 0x1209);
    assert_int_equal(app.alts[0].iface, 1);
    assert_int_equal(app.alts[0].protocol, DFU_PROTOCOL_RUNTIME);
    assert_string_equal(app.alts[0].name, "DFU run-time");
    assert_int_equal(app.func.length, 7);
    assert_int_equal(app.func.dfu_version, 0);
    dfu_transport *t;
    assert_int_equal(r.b->ops->open(r.b, r.ctx, &app, &t), DFU_OK);
    assert_int_equal(ctl(t, DFU_REQTYPE_OUT, DFU_DETACH, 1000, 1, NULL, 0, 1000), 0);
    assert_int_equal(t->ops->reset(t), DFU_ERR_DISCONNECTED);
    assert_int_equal(ctl(t, DFU_REQTYPE_IN, DFU_GETSTATE, 0, 1, v, 1, 1000), DFU_ERR_DISCONNECTED);
    t->ops->close(t);
    uint64_t t0 = dfu_clock_now(r.clock);
    assert_int_equal(r.b->ops->wait(r.b, r.ctx, NULL, NULL, 5000, NULL, NULL, &dfu), DFU_OK);
    assert_true(dfu_clock_now(r.clock) - t0 >= 500000); /* its re-enumeration time */
    assert_int_equal(dfu.mode, DFU_MODE_DFU);
    assert_int_equal(dfu.vid, 0x1209);
    assert_int_equal(dfu.pid, 0x0002);
    assert_true(dfu.address != app.address);
    assert_int_equal(r.b->ops->open(r.b, r.ctx, &app, &t), DFU_ERR_NO_DEVICE);
    dfu_device_info_clear(&app);
    dfu_device_info_clear(&dfu);
    rig_close(&r);
}

static bool never(const dfu_device_info *info, void *arg)
{
    (void)info;
    (void)arg;
    return false;
}

static void test_wait_times_out(void **state)
{
    (void)state;
    const char *specs[] = {"stm32f405"};
    rig r;
    rig_open(&r, specs, 1);
    dfu_device_info out;
    uint64_t t0 = dfu_clock_now(r.clock);
    assert_int_equal(r.b->ops->wait(r.b, r.ctx, never, NULL, 3000, NULL, NULL, &out),
                     DFU_ERR_TIMEOUT);
    assert_true(dfu_clock_now(r.clock) - t0 >= 3000000);
    rig_close(&r);
}

static void test_set_alt_that_does_not_exist(void **state)
{
    (void)state;
    const char *specs[] = {"stm32f405"};
    rig r;
    rig_open(&r, specs, 1);
    dfu_device_info info;
    dfu_transport *t = open_first(&r, &info);
    assert_int_equal(t->ops->set_alt(t, 0, 9), DFU_ERR_STALL);
    assert_int_equal(t->ops->set_alt(t, 0, 3), DFU_OK);
    t->ops->close(t);
    dfu_device_info_clear(&info);
    rig_close(&r);
}

/* "realtime": the wall clock, and real waiting for a held transfer (a 2 KiB write at x8). */
static void test_realtime_waits_for_real(void **state)
{
    (void)state;
    const char *specs[] = {"stm32f405,realtime"};
    rig r;
    rig_open(&r, specs, 1);
    assert_true(r.clock == dfu_clock_wall());
    dfu_device_info info;
    dfu_transport *t = open_first(&r, &info);
    uint8_t c[5] = {DFUSE_CMD_SET_ADDRESS, 0, 0, 0, 0x08}, st[6], blk[2048];
    ctl(t, DFU_REQTYPE_OUT, DFU_DNLOAD, 0, 0, c, 5, 1000);
    status_of(t, st, 1000);
    dfu_clock_sleep(r.clock, 5000);
    status_of(t, st, 1000);
    memset(blk, 0, sizeof(blk));
    assert_int_equal(ctl(t, DFU_REQTYPE_OUT, DFU_DNLOAD, 2, 0, blk, 2048, 1000), 2048);
    assert_int_equal(status_of(t, st, 1000), 6);
    uint64_t w0 = wall_us();
    assert_int_equal(status_of(t, st, 1000), 6); /* held while 2048 bytes are programmed */
    assert_int_equal(st[4], DFU_STATE_DNLOAD_IDLE);
    assert_true(wall_us() - w0 >= 25000);
    t->ops->close(t);
    dfu_device_info_clear(&info);
    rig_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mass_erase_costs_no_wall_time),
        cmocka_unit_test(test_held_transfer_times_out),
        cmocka_unit_test(test_enumeration_through_the_parser),
        cmocka_unit_test(test_runtime_detach_and_wait),
        cmocka_unit_test(test_wait_times_out),
        cmocka_unit_test(test_set_alt_that_does_not_exist),
        cmocka_unit_test(test_realtime_waits_for_real),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
