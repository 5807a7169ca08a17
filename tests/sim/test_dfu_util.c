/*
 * dfu-util 0.11's request sequences, replayed against the profiles: its start-up (clear
 * dfuERROR, abort stale transfers), DFU 1.1 download with its manifestation handling, DfuSe
 * special commands (with its STM32L4 stall and STM32F405 mass-erase workarounds), page erases
 * from the layout string, SET_ADDRESS before every chunk, leave, and the run-time detach. The
 * sequences follow dfu-util's main.c, dfu_load.c and dfuse.c; the code is this test's own. Each
 * test asserts what a dfu-util user sees with the real device (including its known failures).
 */
#include "sim_test.h"

enum { DU_OK = 0, DU_FAIL = -1, DU_NO_STATUS_AFTER = -2, DU_FOREVER = -3, DU_REFUSED = -4 };

/* main.c "status_again": dfuERROR -> CLRSTATUS, stale dfuDNLOAD/UPLOAD-IDLE -> ABORT. */
static void du_start(th *h)
{
    for (int i = 0; i < 10; i++) {
        th_status st = th_getstatus(h);
        assert_true(st.result >= 0);
        th_sleep(h, st.poll_ms);
        if (st.state == DFU_STATE_ERROR) {
            assert_int_equal(th_simple(h, DFU_CLRSTATUS), 0);
        } else if (st.state == DFU_STATE_DNLOAD_IDLE || st.state == DFU_STATE_UPLOAD_IDLE) {
            assert_int_equal(th_simple(h, DFU_ABORT), 0);
        } else {
            assert_int_equal(st.status, DFU_STATUS_OK);
            return;
        }
    }
    fail_msg("device never reached dfuIDLE");
}

/* dfu_load.c dfuload_do_dnload(): the DFU 1.1 download. */
static int du_dnload(th *h, const uint8_t *img, size_t len, uint16_t xfer)
{
    uint16_t transaction = 0;
    for (size_t sent = 0; sent < len;) {
        uint16_t n = (uint16_t)(len - sent < xfer ? len - sent : xfer);
        if (th_dnload(h, transaction++, img + sent, n) < 0) return DU_FAIL;
        sent += n;
        th_status st;
        for (;;) {
            st = th_getstatus(h);
            if (st.result < 0) return DU_FAIL;
            if (st.state == DFU_STATE_DNLOAD_IDLE || st.state == DFU_STATE_ERROR) break;
            th_sleep(h, st.poll_ms);
        }
        if (st.status != DFU_STATUS_OK) return DU_FAIL;
    }
    if (th_dnload(h, transaction, NULL, 0) < 0) return DU_FAIL;
    for (int i = 0; i < 100; i++) {
        th_status st = th_getstatus(h);
        if (st.result < 0) return DU_NO_STATUS_AFTER; /* "unable to read DFU status ..." */
        th_sleep(h, st.poll_ms);
        if (st.state == DFU_STATE_MANIFEST_SYNC || st.state == DFU_STATE_MANIFEST) {
            th_sleep(h, 1000);
            continue;
        }
        if (st.state == DFU_STATE_MANIFEST_WAIT_RESET) dfu_sim_bus_reset(h->sim, h->now);
        return DU_OK;
    }
    return DU_FAIL;
}

/* dfuse.c dfuse_special_command() with its workarounds. */
static int du_special(th *h, const uint8_t *cmd, uint16_t len)
{
    bool mass = len == 1 && cmd[0] == DFUSE_CMD_ERASE;
    if (th_dnload(h, 0, cmd, len) < 0) return DU_FAIL;
    uint32_t polltimeout = 0;
    int stalls = 0;
    th_status st;
    for (int i = 0;; i++) {
        if (i == 2000) return DU_FOREVER; /* dfu-util itself would poll for ever */
        st = th_getstatus(h);
        if (st.result == DFU_ERR_STALL && polltimeout && stalls < 3) {
            st.state = DFU_STATE_DNBUSY; /* "Device stalled USB pipe, reusing last poll..." */
            stalls++;
        } else if (st.result < 0) {
            return DU_FAIL;
        } else {
            polltimeout = st.poll_ms;
        }
        if (i == 0) {
            if (st.state != DFU_STATE_DNBUSY) return DU_FAIL;   /* "Wrong state after command" */
            if (mass && st.poll_ms == 100) polltimeout = 35000; /* "F405 lies" */
        }
        th_sleep(h, polltimeout);
        if (cmd[0] == DFUSE_CMD_READ_UNPROTECT) return DU_OK;
        if (st.state != DFU_STATE_DNBUSY) break;
    }
    return st.status == DFU_STATUS_OK ? DU_OK : DU_FAIL;
}

static int du_set_address(th *h, uint32_t a)
{
    uint8_t c[5] = {DFUSE_CMD_SET_ADDRESS, (uint8_t)a, (uint8_t)(a >> 8), (uint8_t)(a >> 16),
                    (uint8_t)(a >> 24)};
    return du_special(h, c, 5);
}

/* dfuse.c dfuse_dnload_chunk(). */
static int du_chunk(th *h, const uint8_t *data, uint16_t size)
{
    if (th_dnload(h, 2, data, size) < 0) return DU_FAIL;
    th_status st;
    do {
        st = th_getstatus(h);
        if (st.result < 0) return DU_FAIL; /* "Error during download get_status" */
        th_sleep(h, st.poll_ms);
    } while (st.state != DFU_STATE_DNLOAD_IDLE && st.state != DFU_STATE_ERROR &&
             st.state != DFU_STATE_MANIFEST);
    return st.status == DFU_STATUS_OK ? DU_OK : DU_FAIL;
}

/* The page holding addr, from the alternate setting's layout string (dfuse_mem.c). */
typedef struct page {
    uint32_t start, size;
    bool erasable;
} page;

static bool du_page(th *h, uint8_t alt, uint32_t addr, page *out, uint32_t force_size)
{
    uint8_t b[255];
    char s[128];
    int n = th_ctrl(h, 0x80, 6, (uint16_t)(0x0304 + alt), 0x0409, b, 255);
    size_t k = 0;
    for (int i = 2; i < n && k + 1 < sizeof(s); i += 2) s[k++] = (char)b[i];
    s[k] = '\0';
    char *p = strchr(s, '/');
    if (!p) return false;
    uint32_t a = (uint32_t)strtoul(p + 1, &p, 16);
    if (*p++ != '/') return false;
    for (;;) {
        unsigned long count = strtoul(p, &p, 10);
        if (*p != '*') return false;
        unsigned long size = strtoul(p + 1, &p, 10);
        char mult = *p++, type = *p++;
        size *= mult == 'K' ? 1024 : mult == 'M' ? 1048576 : 1;
        if (force_size) { /* QUIRK_DFUSE_LAYOUT: the real page size instead */
            count = count * size / force_size;
            size = force_size;
        }
        if (addr >= a && addr < a + count * size) {
            out->start = a + (uint32_t)((addr - a) / size * size);
            out->size = (uint32_t)size;
            out->erasable = ((type - 'a' + 1) & 2) != 0;
            return true;
        }
        a += (uint32_t)(count * size);
        if (*p++ != ',') return false;
    }
}

/* dfuse.c dfuse_dnload_element(): erase every page touched, then SET_ADDRESS + chunk. */
static int du_dfuse_download(th *h, uint32_t addr, const uint8_t *img, size_t len, uint16_t xfer,
                             uint32_t force_page)
{
    page pg;
    for (uint32_t a = addr; a < addr + len; a = pg.start + pg.size) {
        if (!du_page(h, 0, a, &pg, force_page) || !pg.erasable) return DU_REFUSED;
        uint8_t c[5] = {DFUSE_CMD_ERASE, (uint8_t)a, (uint8_t)(a >> 8), (uint8_t)(a >> 16),
                        (uint8_t)(a >> 24)};
        int rc = du_special(h, c, 5);
        if (rc) return rc;
    }
    for (size_t off = 0; off < len; off += xfer) {
        uint16_t n = (uint16_t)(len - off < xfer ? len - off : xfer);
        int rc = du_set_address(h, addr + (uint32_t)off);
        if (!rc) rc = du_chunk(h, img + off, n);
        if (rc) return rc;
    }
    return DU_OK;
}

/* dfuse.c dfuse_do_leave(), with or without QUIRK_DFUSE_LEAVE. */
static int du_leave(th *h, uint32_t addr, bool quirk)
{
    int rc = du_set_address(h, addr);
    if (rc) return rc;
    if (quirk) {
        th_dnload(h, 2, NULL, 0);
        th_getstatus(h); /* "it might leave after this request, with or without a response" */
        return DU_OK;
    }
    return du_chunk(h, NULL, 0);
}

static uint8_t *app_image(uint32_t base, size_t len)
{
    uint8_t *img = malloc(len);
    for (size_t i = 0; i < len; i++) img[i] = (uint8_t)(i * 31 + 7);
    th_vectors(img, base, 0x20005000);
    return img;
}

static void expect_app_runs(th *h, uint32_t gen)
{
    assert_true(th_wait_new(h, gen, 6000));
    assert_false(dfu_sim_in_bootloader(h->sim));
}

static void test_dfu11_download(void **state)
{
    (void)state;
    th h;
    th_open(&h, "dfu11");
    du_start(&h);
    uint8_t *img = app_image(0x08008000, 10000);
    uint32_t gen = th_generation(&h);
    assert_int_equal(du_dnload(&h, img, 10000, 1024), DU_OK); /* ends with a USB reset */
    expect_app_runs(&h, gen);
    uint8_t back[10000];
    th_peek(&h, 0x08008000, back, sizeof(back));
    assert_memory_equal(back, img, sizeof(back));
    free(img);
    th_close(&h);
}

static void test_tinyusb_download(void **state)
{
    (void)state;
    th h;
    th_open(&h, "tinyusb");
    du_start(&h);
    uint8_t *img = app_image(0x08010000, 3000);
    uint32_t gen = th_generation(&h);
    assert_int_equal(du_dnload(&h, img, 3000, 512), DU_OK);
    expect_app_runs(&h, gen);
    free(img);
    th_close(&h);
}

/* dapboot resets as soon as manifestation is done: dfu-util cannot read the status after
 * completion and exits with an error, though the new firmware runs (field notes, P1). */
static void test_dapboot_download(void **state)
{
    (void)state;
    th h;
    th_open(&h, "dapboot-f103");
    du_start(&h);
    uint8_t *img = app_image(0x08002000, 5000);
    uint32_t gen = th_generation(&h);
    assert_int_equal(du_dnload(&h, img, 5000, 1024), DU_NO_STATUS_AFTER);
    expect_app_runs(&h, gen);
    free(img);
    th_close(&h);
}

/* dfu-util -a 0 -s 0x08000000:leave -D app.bin on the F405 ROM. */
static void test_stm32f405_dfuse_download_and_leave(void **state)
{
    (void)state;
    th h;
    th_open(&h, "stm32f405");
    du_start(&h);
    uint8_t *img = app_image(0x08000000, 40000); /* three 16 KiB sectors */
    assert_int_equal(du_dfuse_download(&h, 0x08000000, img, 40000, 2048, 0), DU_OK);
    uint32_t gen = th_generation(&h);
    assert_int_equal(du_leave(&h, 0x08000000, false), DU_OK);
    expect_app_runs(&h, gen);
    uint8_t back[40000];
    th_peek(&h, 0x08000000, back, sizeof(back));
    assert_memory_equal(back, img, sizeof(back));
    free(img);
    th_close(&h);
}

/* dfu-util -s :mass-erase:force: its 35 s override covers the F405's lie. */
static void test_stm32f405_mass_erase(void **state)
{
    (void)state;
    th h;
    th_open(&h, "stm32f405,timing=max");
    du_start(&h);
    uint8_t c = DFUSE_CMD_ERASE;
    assert_int_equal(du_special(&h, &c, 1), DU_OK);
    th_close(&h);
}

/* STM32L4: with 2048-byte chunks the data GETSTATUS stalls and dfu-util gives up; with
 * -t 1024 the reported poll timeout covers the work and it goes through. */
static void test_stm32l476_needs_t1024(void **state)
{
    (void)state;
    th h;
    uint8_t *img = app_image(0x08000000, 8192);
    th_open(&h, "stm32l476");
    du_start(&h);
    assert_int_equal(du_dfuse_download(&h, 0x08000000, img, 8192, 2048, 0), DU_FAIL);
    th_close(&h);
    th_open(&h, "stm32l476");
    du_start(&h);
    assert_int_equal(du_dfuse_download(&h, 0x08000000, img, 8192, 1024, 0), DU_OK);
    uint8_t back[8192];
    th_peek(&h, 0x08000000, back, sizeof(back));
    assert_memory_equal(back, img, sizeof(back));
    th_close(&h);
    free(img);
}

/* STM32H743 rev V: dfu-util 0.11 has no way out of the stuck dfuDNBUSY after a page erase. */
static void test_stm32h743_rev_v_hangs_dfu_util(void **state)
{
    (void)state;
    th h;
    uint8_t *img = app_image(0x08000000, 4096);
    th_open(&h, "stm32h743");
    du_start(&h);
    assert_int_equal(du_dfuse_download(&h, 0x08000000, img, 4096, 1024, 0), DU_FOREVER);
    th_close(&h);
    th_open(&h, "stm32h743,rev=Y");
    du_start(&h);
    assert_int_equal(du_dfuse_download(&h, 0x08000000, img, 4096, 1024, 0), DU_OK);
    th_close(&h);
    free(img);
}

/* GD32VF103: without dfu-util's layout quirk (2 KiB pages as announced) every other 1 KiB
 * page is left unerased and the download "succeeds" with the wrong data; with the quirk (1 KiB
 * pages from the serial) it is right. Leave needs QUIRK_DFUSE_LEAVE. */
static void test_gd32vf103_quirks_needed(void **state)
{
    (void)state;
    th h;
    uint8_t *img = app_image(0x08000000, 4096), old[4096], back[4096];
    memset(old, 0x00, sizeof(old));
    th_open(&h, "gd32vf103");
    dfu_sim_poke(h.sim, 0x08000000, old, sizeof(old));
    du_start(&h);
    assert_int_equal(du_dfuse_download(&h, 0x08000000, img, 4096, 2048, 0), DU_OK);
    th_peek(&h, 0x08000000, back, sizeof(back));
    assert_memory_not_equal(back, img, sizeof(back));
    th_close(&h);
    th_open(&h, "gd32vf103");
    dfu_sim_poke(h.sim, 0x08000000, old, sizeof(old));
    du_start(&h);
    assert_int_equal(du_dfuse_download(&h, 0x08000000, img, 4096, 2048, 1024), DU_OK);
    th_peek(&h, 0x08000000, back, sizeof(back));
    assert_memory_equal(back, img, sizeof(back));
    assert_int_equal(du_leave(&h, 0x08000000, false), DU_FAIL); /* without the quirk */
    th_close(&h);
    th_open(&h, "gd32vf103");
    du_start(&h);
    uint32_t gen = th_generation(&h);
    assert_int_equal(du_leave(&h, 0x08000000, true), DU_OK);
    assert_true(th_wait_new(&h, gen, 6000));
    th_close(&h);
    free(img);
}

/* mboot: its own sectors are announced read-only, so dfu-util refuses to erase them; the
 * application area downloads and the application boots after leave. */
static void test_mboot_download(void **state)
{
    (void)state;
    th h;
    th_open(&h, "mboot-f4");
    du_start(&h);
    uint8_t *img = app_image(0x08008000, 6000);
    assert_int_equal(du_dfuse_download(&h, 0x08000000, img, 6000, 2048, 0), DU_REFUSED);
    assert_int_equal(du_dfuse_download(&h, 0x08008000, img, 6000, 2048, 0), DU_OK);
    uint32_t gen = th_generation(&h);
    assert_int_equal(du_leave(&h, 0x08008000, false), DU_OK);
    expect_app_runs(&h, gen);
    free(img);
    th_close(&h);
}

/* main.c run-time path: GETSTATUS (appIDLE), DFU_DETACH 1000, USB reset, a 5 s sleep, and the
 * device is found in DFU mode. */
static void test_runtime_detach(void **state)
{
    (void)state;
    th h;
    th_open(&h, "dfu11,runtime");
    uint8_t *img = app_image(0x08008000, 64);
    dfu_sim_poke(h.sim, 0x08008000, img, 64);
    uint32_t gen = th_generation(&h);
    dfu_sim_power_cycle(h.sim, h.now);
    assert_true(th_wait_new(&h, gen, 2000));
    h.iface = 1;
    assert_int_equal(th_ctrl(&h, 0x01, 11, 0, 1, NULL, 0), 0); /* alt zero of interface 1 */
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_APP_IDLE);
    assert_int_equal(th_ctrl(&h, DFU_REQTYPE_OUT, DFU_DETACH, 1000, 1, NULL, 0), 0);
    gen = th_generation(&h);
    dfu_sim_bus_reset(h.sim, h.now);
    th_sleep(&h, 5000);
    dfu_sim_bus b;
    th_bus(&h, &b);
    assert_true(b.present && b.dfu_capable && b.mode == DFU_MODE_DFU);
    assert_true(b.generation > gen);
    h.iface = 0;
    du_start(&h);
    free(img);
    th_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dfu11_download),
        cmocka_unit_test(test_tinyusb_download),
        cmocka_unit_test(test_dapboot_download),
        cmocka_unit_test(test_stm32f405_dfuse_download_and_leave),
        cmocka_unit_test(test_stm32f405_mass_erase),
        cmocka_unit_test(test_stm32l476_needs_t1024),
        cmocka_unit_test(test_stm32h743_rev_v_hangs_dfu_util),
        cmocka_unit_test(test_gd32vf103_quirks_needed),
        cmocka_unit_test(test_mboot_download),
        cmocka_unit_test(test_runtime_detach),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
