/* Every fault kind, and a sweep that injects one at every possible point of an update. */
#include "sim_test.h"

#define FLASH 0x08000000u

static void open_clear(th *h, const char *spec)
{
    th_open(h, spec);
    th_clear(h);
}

/* A DfuSe update of n blocks of 2048 bytes at 0x08000000 (erasing sector 0 first). */
static int update(th *h, int n, uint8_t fill)
{
    static uint8_t img[8 * 2048];
    memset(img, fill, sizeof(img));
    th_status st = th_erase(h, FLASH);
    if (st.result < 0 || st.status) return st.result < 0 ? st.result : -100 - st.status;
    st = th_dfuse_write(h, FLASH, img, (size_t)n * 2048, 2048);
    if (st.result < 0) return st.result;
    if (st.status) return -100 - st.status;
    return st.state == DFU_STATE_DNLOAD_IDLE ? 0 : -1; /* still busy after 10000 polls */
}

static void test_unplug_at_block(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=unplug@block:1:500");
    uint32_t gen = th_generation(&h);
    assert_int_equal(update(&h, 3, 0x00), DFU_ERR_DISCONNECTED);
    dfu_sim_bus b;
    th_bus(&h, &b);
    assert_false(b.present);
    assert_true(th_wait_new(&h, gen, 600));
    uint8_t back[2048];
    th_peek(&h, FLASH + 2048, back, sizeof(back)); /* block 1 never arrived */
    assert_true(th_all(back, sizeof(back), 0xFF));
    th_peek(&h, FLASH, back, sizeof(back)); /* block 0 did */
    assert_true(th_all(back, sizeof(back), 0x00));
    /* The ROM kept power: its DFU state is where the last good request left it. */
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_DNLOAD_IDLE);
    th_close(&h);
}

static void test_unplug_stays_until_plugged(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=unplug@block:0:0");
    assert_int_equal(update(&h, 1, 0x00), DFU_ERR_DISCONNECTED);
    assert_false(th_wait_present(&h, 60000));
    dfu_sim_plug(h.sim, h.now);
    assert_true(th_wait_present(&h, 10));
    th_close(&h);
}

/* The link drops during an erase; the device keeps power and finishes it. */
static void test_unplug_during_erase(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=unplug@erase:0");
    uint8_t zero[64] = {0}, back[64];
    dfu_sim_poke(h.sim, FLASH, zero, sizeof(zero));
    uint32_t gen = th_generation(&h);
    assert_int_equal(th_erase(&h, FLASH).result, DFU_ERR_DISCONNECTED);
    assert_true(th_wait_new(&h, gen, 5000));
    th_peek(&h, FLASH, back, sizeof(back));
    assert_true(th_all(back, sizeof(back), 0xFF));
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_DNLOAD_IDLE);
    th_close(&h);
}

/* Power goes when block 2 arrives: RAM and DFU state are lost, flash stays. */
static void test_powerloss_at_block(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=powerloss@block:2");
    uint8_t ram[16], back[16];
    memset(ram, 0x77, sizeof(ram));
    dfu_sim_poke(h.sim, 0x20001000, ram, sizeof(ram));
    uint32_t gen = th_generation(&h);
    assert_int_equal(update(&h, 4, 0x00), DFU_ERR_DISCONNECTED);
    assert_true(th_wait_new(&h, gen, 2000));
    th_peek(&h, 0x20001000, back, sizeof(back));
    assert_true(th_all(back, sizeof(back), 0x00));
    th_peek(&h, FLASH + 2048, back, sizeof(back));
    assert_true(th_all(back, sizeof(back), 0x00)); /* blocks 0 and 1 made it */
    th_peek(&h, FLASH + 4096, back, sizeof(back));
    assert_true(th_all(back, sizeof(back), 0xFF));
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_ERROR); /* a fresh ROM */
    assert_int_equal(st.status, DFU_STATUS_ERR_FIRMWARE);
    th_close(&h);
}

/* Power goes half-way through a page erase: half the page erased, the rest old, the byte at
 * the boundary anything. */
static void test_powerloss_during_erase(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32l476,fault=powerloss@erase:0:0.5");
    uint8_t zero[2048] = {0}, back[2048];
    dfu_sim_poke(h.sim, 0x08001000, zero, sizeof(zero));
    assert_int_equal(th_erase(&h, 0x08001000).result, DFU_ERR_DISCONNECTED);
    th_peek(&h, 0x08001000, back, sizeof(back));
    assert_true(th_all(back, 1024, 0xFF));
    assert_true(th_all(back + 1025, 1023, 0x00));
    th_close(&h);
}

/* Power goes a quarter into programming a block. */
static void test_powerloss_during_program(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=powerloss@program:0:0.25");
    uint8_t back[2048];
    assert_int_equal(update(&h, 1, 0x00), DFU_ERR_DISCONNECTED);
    th_peek(&h, FLASH, back, sizeof(back));
    assert_true(th_all(back, 512, 0x00));
    assert_true(th_all(back + 513, 2048 - 513, 0xFF));
    th_close(&h);
}

/* xfer@rate:1: every class request fails on the wire, sometimes before the device sees it
 * (nothing happens), sometimes after it acted (the answer is lost). */
static void test_transfer_errors(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=xfer@rate:1,seed=3");
    int acted = 0, lost = 0;
    for (int i = 0; i < 40; i++) {
        uint8_t before = (uint8_t)dfu_sim_state(h.sim);
        assert_int_equal(th_simple(&h, DFU_CLRSTATUS), DFU_ERR_USB);
        if (dfu_sim_state(h.sim) != before)
            acted++;
        else
            lost++;
    }
    assert_true(acted > 0 && lost > 0);
    /* Standard requests still work, so the device enumerates. */
    uint8_t d[18];
    assert_int_equal(th_ctrl(&h, 0x80, 6, 0x0100, 0, d, 18), 18);
    th_close(&h);

    open_clear(&h, "stm32f405,fault=xfer@rate:0.3,seed=3");
    int failed = 0;
    for (int i = 0; i < 200; i++) failed += th_getstatus(&h).result == DFU_ERR_USB;
    assert_true(failed > 30 && failed < 90);
    th_close(&h);
}

/* xfer@block:N:before: block 1 is lost on its way; the device never saw it, and the same
 * block sent again goes through (the fault fires once). */
static void test_transfer_error_before_block(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=xfer@block:1:before");
    uint8_t blk[2048] = {0}, back[2048];
    assert_int_equal(update(&h, 2, 0x00), DFU_ERR_USB);
    th_peek(&h, FLASH + 2048, back, sizeof(back));
    assert_true(th_all(back, sizeof(back), 0xFF));
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_DNLOAD_IDLE); /* as block 0 left it */
    assert_int_equal(th_dnload(&h, 3, blk, 2048), 2048);
    assert_int_equal(th_poll(&h).state, DFU_STATE_DNLOAD_IDLE);
    th_peek(&h, FLASH + 2048, back, sizeof(back));
    assert_true(th_all(back, sizeof(back), 0x00));
    th_close(&h);
}

/* xfer@block:N:after: the device took block 1 and programs it; only its answer is lost. */
static void test_transfer_error_after_block(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=xfer@block:1:after");
    uint8_t back[2048];
    assert_int_equal(update(&h, 2, 0x00), DFU_ERR_USB);
    assert_int_equal(th_poll(&h).state, DFU_STATE_DNLOAD_IDLE);
    th_peek(&h, FLASH + 2048, back, sizeof(back));
    assert_true(th_all(back, sizeof(back), 0x00));
    dfu_sim_stats s;
    dfu_sim_get_stats(h.sim, &s);
    assert_int_equal(s.programs, 2);
    th_close(&h);
}

/* At a DfuSe command, and without a side: one of the two, the same for the same seed. */
static void test_transfer_error_at_command(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=xfer@command:0:after");
    assert_int_equal(th_erase(&h, FLASH).result, DFU_ERR_USB);
    assert_int_equal(th_poll(&h).state, DFU_STATE_DNLOAD_IDLE); /* the erase went ahead */
    dfu_sim_stats s;
    dfu_sim_get_stats(h.sim, &s);
    assert_int_equal(s.erases, 1);
    th_close(&h);
    int before = 0, after = 0;
    for (int seed = 0; seed < 16; seed++) {
        char spec[64];
        snprintf(spec, sizeof(spec), "stm32f405,fault=xfer@command:0,seed=%d", seed);
        uint64_t erases[2];
        for (int run = 0; run < 2; run++) {
            open_clear(&h, spec);
            assert_int_equal(th_erase(&h, FLASH).result, DFU_ERR_USB);
            th_poll(&h);
            dfu_sim_get_stats(h.sim, &s);
            erases[run] = s.erases;
            th_close(&h);
        }
        assert_int_equal(erases[0], erases[1]);
        *(erases[0] ? &after : &before) += 1;
    }
    assert_true(before > 0 && after > 0);
}

static void test_stall_at_block(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=stall@block:0");
    assert_int_equal(update(&h, 1, 0x00), DFU_ERR_STALL);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_ERROR);
    assert_int_equal(st.status, DFU_STATUS_ERR_STALLEDPKT);
    th_close(&h);
}

static void test_stall_at_command(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=stall@command:1");
    assert_int_equal(th_erase(&h, FLASH).status, DFU_STATUS_OK);       /* command 0 */
    assert_int_equal(th_set_address(&h, FLASH).result, DFU_ERR_STALL); /* command 1 */
    th_close(&h);
}

/* The status after block 0 lies; the device itself is not affected. */
static void test_lying_status(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=lie@block:0:dfuIDLE:errWRITE");
    uint8_t blk[2048] = {0};
    assert_int_equal(th_erase(&h, FLASH).status, DFU_STATUS_OK);
    assert_int_equal(th_dnload(&h, 2, blk, 2048), 2048);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DFU_IDLE);
    assert_int_equal(st.status, DFU_STATUS_ERR_WRITE);
    th_sleep(&h, 200);
    st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DNLOAD_IDLE);
    assert_int_equal(st.status, DFU_STATUS_OK);
    th_close(&h);
}

static void test_bogus_poll_timeout(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=polltimeout@block:0:16777215");
    uint8_t blk[2048] = {0};
    assert_int_equal(th_dnload(&h, 2, blk, 2048), 2048);
    assert_int_equal(th_getstatus(&h).poll_ms, 0xFFFFFF);
    th_close(&h);
}

/* The status after command 1 (the set address after the erase) names a bogus poll timeout;
 * only that one: the erase before and the status after are the device's own. */
static void test_bogus_poll_timeout_at_command(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=polltimeout@command:1:54321");
    uint8_t c[5] = {DFUSE_CMD_ERASE, 0x00, 0x00, 0x00, 0x08};
    assert_int_equal(th_dnload(&h, 0, c, 5), 5); /* command 0 */
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DNBUSY);
    assert_int_not_equal(st.poll_ms, 54321);
    assert_int_equal(th_poll(&h).state, DFU_STATE_DNLOAD_IDLE);
    c[0] = DFUSE_CMD_SET_ADDRESS;
    assert_int_equal(th_dnload(&h, 0, c, 5), 5); /* command 1 */
    st = th_getstatus(&h);
    assert_int_equal(st.poll_ms, 54321);
    th_sleep(&h, 54321);
    st = th_getstatus(&h);
    assert_int_not_equal(st.poll_ms, 54321);
    assert_int_equal(st.status, DFU_STATUS_OK);
    th_close(&h);
}

/* dfuDNBUSY for good after block 0, until the power goes. */
static void test_endless_busy(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=busy@block:0");
    uint8_t blk[2048] = {0}, back[16];
    assert_int_equal(th_erase(&h, FLASH).status, DFU_STATUS_OK);
    assert_int_equal(th_dnload(&h, 2, blk, 2048), 2048);
    for (int i = 0; i < 100; i++) {
        th_status st = th_getstatus(&h);
        assert_int_equal(st.state, DFU_STATE_DNBUSY);
        th_sleep(&h, 1000);
    }
    th_peek(&h, FLASH, back, sizeof(back));
    assert_true(th_all(back, sizeof(back), 0xFF)); /* the block was never written */
    uint32_t gen = th_generation(&h);
    dfu_sim_power_cycle(h.sim, h.now);
    assert_true(th_wait_new(&h, gen, 2000));
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_ERROR);
    th_close(&h);
}

/* dfuDNBUSY for good after command 1 (the set address), until the power goes: the erase
 * before it was done, nothing after it is. */
static void test_endless_busy_at_command(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=busy@command:1");
    uint8_t zero[16] = {0}, back[16];
    dfu_sim_poke(h.sim, FLASH, zero, sizeof(zero));
    assert_int_equal(th_erase(&h, FLASH).status, DFU_STATUS_OK); /* command 0 */
    uint8_t c[5] = {DFUSE_CMD_SET_ADDRESS, 0x00, 0x00, 0x00, 0x08};
    assert_int_equal(th_dnload(&h, 0, c, 5), 5); /* command 1 */
    for (int i = 0; i < 100; i++) {
        th_status st = th_getstatus(&h);
        assert_int_equal(st.result, 6);
        assert_int_equal(st.state, DFU_STATE_DNBUSY);
        th_sleep(&h, 1000);
    }
    assert_int_equal(th_getstate(&h), DFU_STATE_DNBUSY);
    assert_int_equal(th_simple(&h, DFU_ABORT), DFU_ERR_STALL);
    assert_int_equal(th_dnload(&h, 2, zero, sizeof(zero)), DFU_ERR_STALL);
    th_peek(&h, FLASH, back, sizeof(back));
    assert_true(th_all(back, sizeof(back), 0xFF)); /* erased, and the block never written */
    uint32_t gen = th_generation(&h);
    dfu_sim_power_cycle(h.sim, h.now);
    assert_true(th_wait_new(&h, gen, 2000));
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_ERROR);
    th_close(&h);
}

/* Power goes while a transfer is held and the device is back before the hold would have
 * ended: the transfer fails when the device went, it never reaches the rebooted one. */
static void test_powerloss_during_held_transfer(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,reenum=10,fault=powerloss@erase:0:0.5");
    uint8_t c[5] = {DFUSE_CMD_ERASE, 0x00, 0x00, 0x02, 0x08}; /* a 128 KiB sector: 2 s */
    assert_int_equal(th_dnload(&h, 0, c, 5), 5);
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_DNBUSY);
    uint64_t t0 = h.now;
    th_sleep(&h, 100);
    assert_int_equal(th_getstatus(&h).result, DFU_ERR_DISCONNECTED);
    assert_true(h.now - t0 < 1100000); /* at the power cut, 1 s into the erase */
    assert_int_equal(dfu_sim_state(h.sim), DFU_STATE_ERROR); /* a freshly booted ROM */
    th_close(&h);
}

/* The device resets itself when block 1 arrives. */
static void test_self_reset(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=reset@block:1,reenum=250");
    uint32_t gen = th_generation(&h);
    assert_int_equal(update(&h, 2, 0x00), DFU_ERR_DISCONNECTED);
    uint64_t t0 = h.now;
    assert_true(th_wait_new(&h, gen, 2000));
    /* reenum=MS after the reset, which came a transfer time before the host saw the error */
    assert_true(h.now - t0 <= 250000 && h.now - t0 > 245000);
    dfu_sim_stats s;
    dfu_sim_get_stats(h.sim, &s);
    assert_int_equal(s.resets, 1);
    assert_int_equal(s.enumerations, 2);
    th_close(&h);
}

/* The device resets itself when command 1 (the set address) arrives: the erase before it is
 * done, the request is lost, and the ROM comes back after reenum. */
static void test_self_reset_at_command(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=reset@command:1,reenum=250");
    uint8_t zero[16] = {0}, back[16];
    dfu_sim_poke(h.sim, FLASH, zero, sizeof(zero));
    uint32_t gen = th_generation(&h);
    assert_int_equal(th_erase(&h, FLASH).status, DFU_STATUS_OK); /* command 0 */
    assert_int_equal(th_set_address(&h, FLASH).result, DFU_ERR_DISCONNECTED);
    dfu_sim_bus b;
    th_bus(&h, &b);
    assert_false(b.present);
    uint64_t t0 = h.now;
    assert_true(th_wait_new(&h, gen, 2000));
    assert_true(h.now - t0 <= 250000 && h.now - t0 > 245000);
    dfu_sim_stats s;
    dfu_sim_get_stats(h.sim, &s);
    assert_int_equal(s.resets, 1);
    assert_int_equal(s.enumerations, 2);
    assert_int_equal(s.dnload_commands, 2);
    assert_int_equal(s.dnload_blocks, 0);
    th_peek(&h, FLASH, back, sizeof(back));
    assert_true(th_all(back, sizeof(back), 0xFF));
    th_status st = th_getstatus(&h); /* a freshly booted ROM, the vector table erased */
    assert_int_equal(st.state, DFU_STATE_ERROR);
    assert_int_equal(st.status, DFU_STATUS_ERR_FIRMWARE);
    th_close(&h);
}

/* The cable goes half-way through programming block 0; the device keeps power and finishes
 * the block (sim.h: "the operation completes"), then is back in dfuDNLOAD-IDLE. */
static void test_unplug_during_program(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405,fault=unplug@program:0");
    uint32_t gen = th_generation(&h);
    assert_int_equal(update(&h, 1, 0x00), DFU_ERR_DISCONNECTED);
    assert_true(th_wait_new(&h, gen, 5000));
    uint8_t back[2048];
    th_peek(&h, FLASH, back, sizeof(back));
    assert_true(th_all(back, sizeof(back), 0x00));
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DNLOAD_IDLE);
    assert_int_equal(st.status, DFU_STATUS_OK);
    th_close(&h);
}

/* Stats say how many points an update has; every one of them can take a fault. */
static void test_sweep_every_block_and_erase(void **state)
{
    (void)state;
    th h;
    open_clear(&h, "stm32f405");
    assert_int_equal(update(&h, 4, 0x00), 0);
    dfu_sim_stats s;
    dfu_sim_get_stats(h.sim, &s);
    th_close(&h);
    assert_int_equal(s.dnload_blocks, 4);
    assert_int_equal(s.erases, 1);
    assert_int_equal(s.programs, 4);
    static const char *const kinds[] = {"powerloss@block", "unplug@block", "reset@block",
                                        "stall@block",     "busy@block",   "powerloss@program",
                                        "unplug@program",  "xfer@block"};
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        for (uint64_t n = 0; n < s.dnload_blocks; n++) {
            char spec[96];
            snprintf(spec, sizeof(spec), "stm32f405,fault=%s:%u", kinds[k], (unsigned)n);
            open_clear(&h, spec);
            int rc = update(&h, 4, 0x00);
            if (rc == 0) fail_msg("%s: the update did not notice the fault", spec);
            if (!th_wait_present(&h, 5000)) fail_msg("%s: the device did not come back", spec);
            th_close(&h);
        }
    }
    for (uint64_t n = 0; n < s.erases; n++) {
        char spec[64];
        snprintf(spec, sizeof(spec), "stm32f405,fault=powerloss@erase:%u", (unsigned)n);
        open_clear(&h, spec);
        assert_true(update(&h, 4, 0x00) < 0);
        assert_true(th_wait_present(&h, 5000));
        th_close(&h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unplug_at_block),
        cmocka_unit_test(test_unplug_stays_until_plugged),
        cmocka_unit_test(test_unplug_during_erase),
        cmocka_unit_test(test_powerloss_at_block),
        cmocka_unit_test(test_powerloss_during_erase),
        cmocka_unit_test(test_powerloss_during_program),
        cmocka_unit_test(test_transfer_errors),
        cmocka_unit_test(test_transfer_error_before_block),
        cmocka_unit_test(test_transfer_error_after_block),
        cmocka_unit_test(test_transfer_error_at_command),
        cmocka_unit_test(test_stall_at_block),
        cmocka_unit_test(test_stall_at_command),
        cmocka_unit_test(test_lying_status),
        cmocka_unit_test(test_bogus_poll_timeout),
        cmocka_unit_test(test_bogus_poll_timeout_at_command),
        cmocka_unit_test(test_endless_busy),
        cmocka_unit_test(test_endless_busy_at_command),
        cmocka_unit_test(test_powerloss_during_held_transfer),
        cmocka_unit_test(test_self_reset),
        cmocka_unit_test(test_self_reset_at_command),
        cmocka_unit_test(test_unplug_during_program),
        cmocka_unit_test(test_sweep_every_block_and_erase),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
