/* Each profile's distinguishing behaviour, one test per documented trait. */
#include "sim_test.h"

/* A string descriptor as ASCII (the test's own decoding: UTF-16LE low bytes, or raw). */
static void string_of(th *h, uint8_t index, char *out, size_t cap, bool raw)
{
    uint8_t b[255];
    int n = th_ctrl(h, 0x80, 6, (uint16_t)(0x0300 | index), 0x0409, b, 255);
    assert_true(n >= 2 && b[1] == 3);
    size_t k = 0;
    for (int i = 2; i < n && k + 1 < cap; i += raw ? 1 : 2) out[k++] = (char)b[i];
    out[k] = '\0';
}

static void test_stm32f405_identity(void **state)
{
    (void)state;
    static const char *const alts[] = {
        "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg",
        "@Option Bytes  /0x1FFFC000/01*016 g",
        "@OTP Memory /0x1FFF7800/01*512 g,01*016 g",
        "@Device Feature/0xFFFF0000/01*004 g",
    };
    th h;
    th_open(&h, "stm32f405");
    uint8_t d[256];
    size_t n;
    assert_int_equal(dfu_sim_descriptors(h.sim, d, sizeof(d), &n), DFU_OK);
    assert_int_equal(n, 18 + 54); /* wTotalLength 54 as in the F4 discovery lsusb */
    assert_int_equal(d[2] | d[3] << 8, 0x0100);
    assert_int_equal(d[8] | d[9] << 8, 0x0483);
    assert_int_equal(d[10] | d[11] << 8, 0xDF11);
    assert_int_equal(d[12] | d[13] << 8, 0x2100);
    const uint8_t *f = d + n - 9;
    assert_memory_equal(f, "\x09\x21\x0B\xFF\x00\x00\x08\x1A\x01", 9);
    char s[128];
    string_of(&h, 2, s, sizeof(s), false);
    assert_string_equal(s, "STM32  BOOTLOADER");
    string_of(&h, 1, s, sizeof(s), false);
    assert_string_equal(s, "STMicroelectronics");
    string_of(&h, 3, s, sizeof(s), false);
    assert_int_equal(strlen(s), 12);
    for (uint8_t a = 0; a < 4; a++) {
        string_of(&h, (uint8_t)(4 + a), s, sizeof(s), false);
        assert_string_equal(s, alts[a]);
    }
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_ERROR);
    assert_int_equal(st.status, DFU_STATUS_ERR_FIRMWARE);
    th_close(&h);
}

/* 100 ms after commands, 104 ms after each write; the held GETSTATUS gets dfuDNLOAD-IDLE. */
static void test_stm32f405_poll_timeouts(void **state)
{
    (void)state;
    th h;
    th_open(&h, "stm32f405");
    th_clear(&h);
    uint8_t c[5] = {DFUSE_CMD_ERASE, 0, 0, 0, 0x08}, data[2048];
    memset(data, 0, sizeof(data));
    assert_int_equal(th_dnload(&h, 0, c, 5), 5);
    assert_int_equal(th_getstatus(&h).poll_ms, 100);
    th_sleep(&h, 100);
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_DNLOAD_IDLE);
    assert_int_equal(th_dnload(&h, 2, data, 2048), 2048);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DNBUSY);
    assert_int_equal(st.poll_ms, 104);
    th_sleep(&h, 104);
    st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DNLOAD_IDLE);
    assert_int_equal(st.poll_ms, 0);
    th_close(&h);
}

/* Throughput: one Set Address, then blocks (as fwupd does): ~109 ms per 2 KiB block, the
 * interval in the fwupd#2696 log, ~18 KiB/s, dominated by the 104 ms poll timeout. */
static void test_stm32f405_throughput(void **state)
{
    (void)state;
    th h;
    th_open(&h, "stm32f405");
    th_clear(&h);
    static uint8_t img[64 * 1024];
    memset(img, 0x5A, sizeof(img));
    for (uint32_t a = 0x08000000; a < 0x08010000; a += 0x4000)
        assert_int_equal(th_erase(&h, a).status, DFU_STATUS_OK);
    uint64_t t0 = h.now;
    assert_int_equal(th_dfuse_write(&h, 0x08000000, img, sizeof(img), 2048).status, DFU_STATUS_OK);
    double secs = (double)(h.now - t0) / 1e6, kib_s = 64.0 / secs;
    double per_block_ms = secs * 1000 / 32;
    if (per_block_ms < 105 || per_block_ms > 115 || kib_s < 17 || kib_s > 19.5)
        fail_msg("%.1f ms per block, %.1f KiB/s", per_block_ms, kib_s);
    th_close(&h);
}

/* Real ROM serials collide: two boards, one serial (unless serial= is given). */
static void test_st_serials_collide(void **state)
{
    (void)state;
    th a, b, c;
    char sa[32], sb[32], sc[32];
    th_open(&a, "stm32f405");
    th_open(&b, "stm32f405,seed=9");
    th_open(&c, "stm32f405,serial=BOARD-2");
    string_of(&a, 3, sa, sizeof(sa), false);
    string_of(&b, 3, sb, sizeof(sb), false);
    string_of(&c, 3, sc, sizeof(sc), false);
    assert_string_equal(sa, sb);
    assert_string_equal(sc, "BOARD-2");
    th_close(&a);
    th_close(&b);
    th_close(&c);
}

/* H7 rev V: dfuDNBUSY for good after a sector erase; CLRSTATUS -> (errUNKNOWN, dfuERROR),
 * CLRSTATUS again -> (OK, dfuIDLE), and the sector is erased. */
static void test_stm32h743_stuck_dnbusy(void **state)
{
    (void)state;
    th h;
    th_open(&h, "stm32h743");
    th_clear(&h);
    uint8_t zero[32] = {0}, back[32];
    dfu_sim_poke(h.sim, 0x08040000, zero, 32);
    uint8_t c[5] = {DFUSE_CMD_ERASE, 0x00, 0x00, 0x04, 0x08};
    assert_int_equal(th_dnload(&h, 0, c, 5), 5);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DNBUSY);
    assert_int_equal(st.poll_ms, 5);
    th_sleep(&h, 10000); /* far past the 2.2 s worst case */
    st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DNBUSY);
    assert_int_equal(st.status, DFU_STATUS_OK);
    assert_int_equal(th_simple(&h, DFU_CLRSTATUS), 0);
    st = th_getstatus(&h);
    assert_int_equal(st.status, DFU_STATUS_ERR_UNKNOWN);
    assert_int_equal(st.state, DFU_STATE_ERROR);
    assert_int_equal(th_simple(&h, DFU_CLRSTATUS), 0);
    st = th_getstatus(&h);
    assert_int_equal(st.status, DFU_STATUS_OK);
    assert_int_equal(st.state, DFU_STATE_DFU_IDLE);
    th_peek(&h, 0x08040000, back, 32);
    assert_true(th_all(back, 32, 0xFF));
    th_close(&h);

    th_open(&h, "stm32h743,rev=Y"); /* the fixed revision finishes normally */
    th_clear(&h);
    assert_int_equal(th_erase(&h, 0x08040000).state, DFU_STATE_DNLOAD_IDLE);
    th_close(&h);
}

/* H7: 1024-byte transfers, and dfuDNBUSY answers while busy (5 ms) rather than a held pipe. */
static void test_stm32h743_answers_while_busy(void **state)
{
    (void)state;
    th h;
    th_open(&h, "stm32h743,rev=Y");
    th_clear(&h);
    uint8_t d[64];
    size_t n;
    dfu_sim_descriptors(h.sim, d, sizeof(d), &n);
    assert_int_equal(d[n - 4] | d[n - 3] << 8, 1024);
    assert_int_equal(th_mass_erase(&h).state, DFU_STATE_DNLOAD_IDLE);
    uint8_t c = DFUSE_CMD_ERASE;
    assert_int_equal(th_dnload(&h, 0, &c, 1), 1);
    th_getstatus(&h);
    uint64_t t0 = h.now;
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DNBUSY);
    assert_int_equal(st.poll_ms, 5);
    assert_true(h.now - t0 < 5000); /* answered at once */
    th_close(&h);
}

/* L4: a GETSTATUS before the work is done stalls the pipe and leaves the state alone; the
 * reported poll timeout (12 ms) is shorter than the page erase (22 ms). */
static void test_stm32l476_stalls_when_polled_early(void **state)
{
    (void)state;
    th h;
    th_open(&h, "stm32l476");
    th_clear(&h);
    uint8_t c[5] = {DFUSE_CMD_ERASE, 0x00, 0x08, 0x00, 0x08};
    assert_int_equal(th_dnload(&h, 0, c, 5), 5);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DNBUSY);
    assert_int_equal(st.poll_ms, 12);
    th_sleep(&h, st.poll_ms);
    assert_int_equal(th_getstatus(&h).result, DFU_ERR_STALL);
    assert_int_equal(dfu_sim_state(h.sim), DFU_STATE_DNBUSY);
    th_sleep(&h, 15);
    st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DNLOAD_IDLE);
    assert_int_equal(st.status, DFU_STATUS_OK);
    th_close(&h);
}

/* mboot: its sectors read-only in the layout, poll timeout 0 with the transfer held, an error
 * status reported once, a stack pointer with clear low bits boots. */
static void test_mboot_behaviour(void **state)
{
    (void)state;
    th h;
    th_open(&h, "mboot-f4");
    char s[128];
    string_of(&h, 4, s, sizeof(s), false);
    assert_string_equal(s, "@Internal Flash  /0x08000000/02*016Ka,02*016Kg,01*064Kg,07*128Kg");
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_DFU_IDLE);
    uint8_t c[5] = {DFUSE_CMD_ERASE, 0x00, 0x00, 0x02, 0x08};
    assert_int_equal(th_dnload(&h, 0, c, 5), 5);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DNBUSY);
    assert_int_equal(st.poll_ms, 0);
    uint64_t t0 = h.now;
    st = th_getstatus(&h); /* held through the 1 s sector erase */
    assert_true(h.now - t0 >= 1000000);
    assert_int_equal(st.state, DFU_STATE_DNLOAD_IDLE);
    c[3] = 0x00; /* 0x08000000: mboot's own sector */
    assert_int_equal(th_dnload(&h, 0, c, 5), 5);
    th_getstatus(&h);
    st = th_getstatus(&h);
    assert_int_equal(st.status, DFU_STATUS_ERR_ADDRESS);
    assert_int_equal(st.state, DFU_STATE_ERROR);
    st = th_getstatus(&h);
    assert_int_equal(st.status, DFU_STATUS_OK); /* reported once, then cleared */
    assert_int_equal(st.state, DFU_STATE_ERROR);
    th_simple(&h, DFU_CLRSTATUS);
    /* A DFU_UPLOAD below wBlockNum 2 (Get Commands) is never answered. */
    uint8_t b[16];
    assert_int_equal(th_upload(&h, 0, b, 16), DFU_ERR_TIMEOUT);
    /* Leave with an application at 0x08008000 whose SP has its low bits clear. */
    uint8_t v[8];
    th_vectors(v, 0x08008000, 0x20020000);
    assert_int_equal(th_dfuse_write(&h, 0x08008000, v, 8, 2048).status, DFU_STATUS_OK);
    uint32_t gen = th_generation(&h);
    assert_int_equal(th_dnload(&h, 2, NULL, 0), 0);
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_MANIFEST);
    assert_true(th_wait_new(&h, gen, 2000));
    assert_false(dfu_sim_in_bootloader(h.sim));
    th_close(&h);
}

/* dapboot: wBlockNum ignored, blocks follow each other from 0x08002000; a fixed 100 ms. */
static void test_dapboot_ignores_block_numbers(void **state)
{
    (void)state;
    th h;
    th_open(&h, "dapboot-f103");
    uint8_t a[1024], b[1024], back[2048];
    memset(a, 0xA1, sizeof(a));
    memset(b, 0xB2, sizeof(b));
    assert_int_equal(th_dnload(&h, 77, a, 1024), 1024);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DNBUSY);
    assert_int_equal(st.poll_ms, 100);
    th_sleep(&h, 100);
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_DNLOAD_IDLE);
    assert_int_equal(th_dnload(&h, 3, b, 1024), 1024);
    assert_int_equal(th_poll(&h).state, DFU_STATE_DNLOAD_IDLE);
    th_peek(&h, 0x08002000, back, 2048);
    assert_true(th_all(back, 1024, 0xA1) && th_all(back + 1024, 1024, 0xB2));
    th_close(&h);
}

/* dapboot: manifestation checks the stack pointer (errFIRMWARE), or resets into the app. */
static void test_dapboot_manifestation(void **state)
{
    (void)state;
    th h;
    th_open(&h, "dapboot-f103");
    uint8_t blk[1024];
    memset(blk, 0xFF, sizeof(blk));
    assert_int_equal(th_dnload(&h, 0, blk, 1024), 1024);
    assert_int_equal(th_poll(&h).state, DFU_STATE_DNLOAD_IDLE);
    assert_int_equal(th_dnload(&h, 1, NULL, 0), 0);
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_MANIFEST);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_ERROR);
    assert_int_equal(st.status, DFU_STATUS_ERR_FIRMWARE);
    th_simple(&h, DFU_CLRSTATUS);
    th_vectors(blk, 0x08002000, 0x20005000);
    assert_int_equal(th_dnload(&h, 0, blk, 1024), 1024);
    assert_int_equal(th_poll(&h).state, DFU_STATE_DNLOAD_IDLE);
    assert_int_equal(th_dnload(&h, 1, NULL, 0), 0);
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_MANIFEST);
    assert_int_equal(th_getstatus(&h).result, DFU_ERR_DISCONNECTED); /* bitWillDetach: reset */
    assert_true(th_wait_present(&h, 2000));
    assert_false(dfu_sim_in_bootloader(h.sim));
    th_close(&h);
}

static void test_dapboot_detach_stalls(void **state)
{
    (void)state;
    th h;
    th_open(&h, "dapboot-f103");
    assert_int_equal(th_simple(&h, DFU_DETACH), DFU_ERR_STALL);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_ERROR);
    assert_int_equal(st.status, DFU_STATUS_ERR_STALLEDPKT);
    th_close(&h);
}

/* TinyUSB: dfuDNBUSY with the app's 1 ms first, then 0 ms while busy; when done it is back in
 * dfuDNLOAD-SYNC and one more GETSTATUS reaches dfuDNLOAD-IDLE. */
static void test_tinyusb_polls(void **state)
{
    (void)state;
    th h;
    th_open(&h, "tinyusb");
    uint8_t blk[512];
    memset(blk, 0x42, sizeof(blk));
    assert_int_equal(th_dnload(&h, 0, blk, 512), 512);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DNBUSY);
    assert_int_equal(st.poll_ms, 1);
    th_sleep(&h, 1);
    st = th_getstatus(&h); /* a 64 KiB sector erase at x32 is going on */
    assert_int_equal(st.state, DFU_STATE_DNBUSY);
    assert_int_equal(st.poll_ms, 0);
    th_sleep(&h, 2000);
    assert_int_equal(th_getstate(&h), DFU_STATE_DNLOAD_SYNC);
    st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DNLOAD_IDLE);
    uint8_t back[512];
    th_peek(&h, 0x08010000, back, 512);
    assert_true(th_all(back, 512, 0x42));
    th_close(&h);
}

/* TinyUSB: ABORT while the application flashes in the background stops the state machine,
 * not the flashing; a new download then lands after it. */
static void test_tinyusb_abort_while_flashing(void **state)
{
    (void)state;
    th h;
    th_open(&h, "tinyusb");
    uint8_t a[512], b[512], back[512];
    memset(a, 0xAA, sizeof(a));
    memset(b, 0x55, sizeof(b));
    assert_int_equal(th_dnload(&h, 0, a, 512), 512);
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_DNBUSY);
    assert_int_equal(th_simple(&h, DFU_ABORT), 0);
    assert_int_equal(th_getstate(&h), DFU_STATE_DFU_IDLE);
    assert_int_equal(th_dnload(&h, 0, b, 512), 512);
    assert_int_equal(th_poll(&h).state, DFU_STATE_DNLOAD_IDLE);
    th_peek(&h, 0x08010000, back, sizeof(back));
    assert_true(th_all(back, sizeof(back), 0x55));
    th_close(&h);
}

/* TinyUSB: manifestation ends in dfuMANIFEST-WAIT-RESET; a USB reset restarts the board. */
static void test_tinyusb_manifest_wait_reset(void **state)
{
    (void)state;
    th h;
    th_open(&h, "tinyusb");
    uint8_t blk[512];
    memset(blk, 0xFF, sizeof(blk));
    th_vectors(blk, 0x08010000, 0x20020000);
    assert_int_equal(th_dnload(&h, 0, blk, 512), 512);
    assert_int_equal(th_poll(&h).state, DFU_STATE_DNLOAD_IDLE);
    assert_int_equal(th_dnload(&h, 1, NULL, 0), 0);
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_MANIFEST);
    th_sleep(&h, 5);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_MANIFEST_WAIT_RESET);
    dfu_sim_bus_reset(h.sim, h.now);
    assert_true(th_wait_present(&h, 2000));
    assert_false(dfu_sim_in_bootloader(h.sim));
    th_close(&h);
}

/* TinyUSB: UPLOAD never changes the state; a DNLOAD outside dfuIDLE/dfuDNLOAD-IDLE stalls
 * and the state stays; the EEPROM alternate setting reports 100 ms. */
static void test_tinyusb_state_quirks(void **state)
{
    (void)state;
    th h;
    th_open(&h, "tinyusb");
    uint8_t b[512];
    assert_int_equal(th_upload(&h, 0, b, 512), 512);
    assert_int_equal(th_getstate(&h), DFU_STATE_DFU_IDLE);
    assert_int_equal(dfu_sim_set_interface(h.sim, h.now, 0, 1), DFU_OK);
    assert_int_equal(th_dnload(&h, 0, b, 64), 64);
    assert_int_equal(th_dnload(&h, 1, b, 64), DFU_ERR_STALL);
    assert_int_equal(th_getstate(&h), DFU_STATE_DNLOAD_SYNC);
    assert_int_equal(th_getstatus(&h).poll_ms, 100);
    th_close(&h);
}

/* GD32VF103: UTF-8 serial, a layout string that lies, leave without an answer. */
static void test_gd32vf103_quirks(void **state)
{
    (void)state;
    th h;
    th_open(&h, "gd32vf103");
    uint8_t b[64];
    int n = th_ctrl(&h, 0x80, 6, 0x0303, 0x0409, b, sizeof(b));
    assert_int_equal(n, 6);
    assert_memory_equal(b,
                        "\x06\x03"
                        "3CBJ",
                        6);
    char s[128];
    string_of(&h, 4, s, sizeof(s), false);
    assert_string_equal(s, "@Internal Flash  /0x08000000/512*002Kg");
    th_clear(&h);
    /* Erasing at 2 KiB steps, as the string says, leaves every other 1 KiB page. */
    uint8_t zero[4096] = {0}, back[4096];
    dfu_sim_poke(h.sim, 0x08000000, zero, sizeof(zero));
    assert_int_equal(th_erase(&h, 0x08000000).status, DFU_STATUS_OK);
    assert_int_equal(th_erase(&h, 0x08000800).status, DFU_STATUS_OK);
    th_peek(&h, 0x08000000, back, sizeof(back));
    assert_true(th_all(back, 1024, 0xFF) && th_all(back + 1024, 1024, 0x00));
    uint8_t c[5] = {DFUSE_CMD_SET_ADDRESS, 0, 0, 0, 8};
    assert_int_equal(th_dnload(&h, 0, c, 5), 5);
    assert_int_equal(th_getstatus(&h).poll_ms, 100);
    th_poll(&h);
    uint8_t d[2048] = {0};
    assert_int_equal(th_dnload(&h, 2, d, 2048), 2048);
    assert_int_equal(th_getstatus(&h).poll_ms, 104);
    th_poll(&h);
    assert_int_equal(th_dnload(&h, 2, NULL, 0), 0);
    assert_int_equal(th_getstatus(&h).result, DFU_ERR_DISCONNECTED);
    th_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stm32f405_identity),
        cmocka_unit_test(test_stm32f405_poll_timeouts),
        cmocka_unit_test(test_stm32f405_throughput),
        cmocka_unit_test(test_st_serials_collide),
        cmocka_unit_test(test_stm32h743_stuck_dnbusy),
        cmocka_unit_test(test_stm32h743_answers_while_busy),
        cmocka_unit_test(test_stm32l476_stalls_when_polled_early),
        cmocka_unit_test(test_mboot_behaviour),
        cmocka_unit_test(test_dapboot_ignores_block_numbers),
        cmocka_unit_test(test_dapboot_manifestation),
        cmocka_unit_test(test_dapboot_detach_stalls),
        cmocka_unit_test(test_tinyusb_polls),
        cmocka_unit_test(test_tinyusb_abort_while_flashing),
        cmocka_unit_test(test_tinyusb_manifest_wait_reset),
        cmocka_unit_test(test_tinyusb_state_quirks),
        cmocka_unit_test(test_gd32vf103_quirks),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
