/* Host-side descriptor parsing: what real devices send, including the broken parts. */
#include <stdlib.h>
#include <string.h>

#include "proto/descriptor.h"
#include "testutil.h"

static void test_functional_full_and_truncated(void **state)
{
    (void)state;
    dfu_func_desc f;
    const uint8_t full[9] = {9, 0x21, 0x0B, 0xFF, 0x00, 0x00, 0x08, 0x1A, 0x01};
    assert_int_equal(dfu_desc_parse_functional(&f, NULL, full, 9), DFU_OK);
    assert_true(f.present);
    assert_int_equal(f.length, 9);
    assert_int_equal(f.attributes, 0x0B);
    assert_int_equal(f.detach_timeout_ms, 255);
    assert_int_equal(f.transfer_size, 2048);
    assert_int_equal(f.dfu_version, 0x011A);
    const uint8_t trunc[7] = {7, 0x21, 0x03, 0xE8, 0x03, 0x00, 0x04};
    assert_int_equal(dfu_desc_parse_functional(&f, NULL, trunc, 7), DFU_OK);
    assert_int_equal(f.length, 7);
    assert_int_equal(f.detach_timeout_ms, 1000);
    assert_int_equal(f.transfer_size, 1024);
    assert_int_equal(f.dfu_version, 0);
}

/* wTransferSize 0 and 0xffff are reported as sent: what to do with them is the host's call. */
static void test_functional_odd_transfer_sizes(void **state)
{
    (void)state;
    dfu_func_desc f;
    uint8_t d[9] = {9, 0x21, 0x03, 0, 0, 0x00, 0x00, 0x10, 0x01};
    assert_int_equal(dfu_desc_parse_functional(&f, NULL, d, 9), DFU_OK);
    assert_int_equal(f.transfer_size, 0);
    d[5] = d[6] = 0xFF;
    assert_int_equal(dfu_desc_parse_functional(&f, NULL, d, 9), DFU_OK);
    assert_int_equal(f.transfer_size, 0xFFFF);
}

static void test_functional_garbage_rejected(void **state)
{
    (void)state;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_func_desc f;
    const uint8_t big[12] = {12, 0x21, 3, 0, 0, 0, 4, 0x10, 1, 0, 0, 0};
    assert_int_equal(dfu_desc_parse_functional(&f, ctx, big, 12), DFU_ERR_PROTOCOL);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "bLength 12"));
    assert_false(f.present);
    const uint8_t eight[8] = {8, 0x21, 3, 0, 0, 0, 4, 0x10};
    assert_int_equal(dfu_desc_parse_functional(&f, ctx, eight, 8), DFU_ERR_PROTOCOL);
    const uint8_t cut[9] = {9, 0x21, 3, 0, 0, 0, 4, 0x10, 1};
    assert_int_equal(dfu_desc_parse_functional(&f, ctx, cut, 6), DFU_ERR_PROTOCOL);
    const uint8_t hid[9] = {9, 0x21, 0x11, 0x01, 0, 1, 0x22, 0x3F, 0};
    assert_int_equal(dfu_desc_parse_functional(&f, ctx, hid + 1, 1), DFU_ERR_PROTOCOL);
    dfu_ctx_free(ctx);
}

/* A composite configuration: a HID interface whose class descriptor is also type 0x21 comes
 * first and must not be taken for the DFU one; the DFU functional descriptor follows the last
 * alternate setting, as on the ST ROM. */
static void test_config_finds_dfu_interfaces(void **state)
{
    (void)state;
    const uint8_t cfg[] = {
        9, 0x02, 0,    0,    2, 1,    0,    0xC0, 50,   /* config */
        9, 0x04, 0,    0,    1, 0x03, 0,    0,    0,    /* HID */
        9, 0x21, 0x11, 0x01, 0, 1,    0x22, 0x3F, 0,    /* HID class */
        7, 0x05, 0x81, 0x03, 8, 0,    10,               /* endpoint */
        9, 0x04, 1,    0,    0, 0xFE, 1,    2,    4,    /* DFU alt 0 */
        9, 0x04, 1,    1,    0, 0xFE, 1,    2,    5,    /* DFU alt 1 */
        9, 0x21, 0x0B, 0xFF, 0, 0,    0x08, 0x1A, 0x01, /* functional */
    };
    uint8_t buf[sizeof(cfg)];
    memcpy(buf, cfg, sizeof(cfg));
    buf[2] = sizeof(cfg);
    dfu_desc_config c;
    assert_int_equal(dfu_desc_parse_config(&c, NULL, buf, sizeof(buf)), DFU_OK);
    assert_int_equal(c.alt_count, 2);
    assert_int_equal(c.alts[0].iface, 1);
    assert_int_equal(c.alts[1].alt, 1);
    assert_int_equal(c.alts[1].i_interface, 5);
    assert_true(c.func.present);
    assert_int_equal(c.func.transfer_size, 2048);
    assert_int_equal(c.func.attributes, 0x0B);
    /* wTotalLength shorter than the buffer: what lies beyond is not read. */
    buf[2] = 9 + 9 + 9 + 7 + 9;
    assert_int_equal(dfu_desc_parse_config(&c, NULL, buf, sizeof(buf)), DFU_OK);
    assert_int_equal(c.alt_count, 1);
    assert_false(c.func.present);
}

static void test_config_malformed(void **state)
{
    (void)state;
    dfu_desc_config c;
    uint8_t zero_len[] = {9, 0x02, 12, 0, 1, 1, 0, 0x80, 50, 0, 4, 0};
    assert_int_equal(dfu_desc_parse_config(&c, NULL, zero_len, sizeof(zero_len)), DFU_ERR_PROTOCOL);
    uint8_t overrun[] = {9, 0x02, 14, 0, 1, 1, 0, 0x80, 50, 9, 0x04, 0, 0, 0};
    assert_int_equal(dfu_desc_parse_config(&c, NULL, overrun, sizeof(overrun)), DFU_ERR_PROTOCOL);
    uint8_t not_cfg[] = {9, 0x01, 9, 0, 1, 1, 0, 0x80, 50};
    assert_int_equal(dfu_desc_parse_config(&c, NULL, not_cfg, sizeof(not_cfg)), DFU_ERR_PROTOCOL);
    /* DFU 1.0 protocol 0 counts as DFU; a bad functional descriptor inside it is an error. */
    uint8_t v10[] = {9, 0x02, 25,   0, 1, 1, 0, 0x80, 50, 9, 0x04, 0,
                     0, 0,    0xFE, 1, 0, 0, 5, 0x21, 3,  0, 0};
    v10[2] = sizeof(v10);
    assert_int_equal(dfu_desc_parse_config(&c, NULL, v10, sizeof(v10)), DFU_ERR_PROTOCOL);
}

/* A device that claims more than it sent, more alternate settings than a host keeps, and an
 * interface descriptor too short to be one: nothing beyond what arrived is read. */
static void test_config_oversized_and_truncated(void **state)
{
    (void)state;
    dfu_desc_config c;
    /* wTotalLength 255, 27 bytes arrived: the DFU alternate setting is found; the functional
     * descriptor cut by the end of what arrived is an error, not read past. */
    uint8_t cut[] = {9,    0x02, 255, 0, 1, 1,    0,    0x80, 50, 9, 0x04, 0,    0,   0,
                     0xFE, 1,    2,   4, 9, 0x21, 0x0B, 0xFF, 0,  0, 0x08, 0x1A, 0x01};
    assert_int_equal(dfu_desc_parse_config(&c, NULL, cut, 18), DFU_OK);
    assert_int_equal(c.alt_count, 1);
    assert_false(c.func.present);
    assert_int_equal(dfu_desc_parse_config(&c, NULL, cut, 25), DFU_ERR_PROTOCOL);
    assert_int_equal(dfu_desc_parse_config(&c, NULL, cut, sizeof(cut)), DFU_OK);
    assert_true(c.func.present);
    /* 65 DFU alternate settings: more than the host keeps, an error rather than an overflow. */
    size_t n = 9 + 65 * 9;
    uint8_t *many = calloc(1, n);
    uint8_t head[9] = {9, 0x02, (uint8_t)n, (uint8_t)(n >> 8), 1, 1, 0, 0x80, 50};
    memcpy(many, head, 9);
    for (int i = 0; i < 65; i++) {
        uint8_t alt[9] = {9, 0x04, 0, (uint8_t)i, 0, 0xFE, 1, 2, 0};
        memcpy(many + 9 + 9 * i, alt, 9);
    }
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    assert_int_equal(dfu_desc_parse_config(&c, ctx, many, n), DFU_ERR_PROTOCOL);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "more than 64"));
    assert_int_equal(dfu_desc_parse_config(&c, ctx, many, n - 9), DFU_OK);
    assert_int_equal(c.alt_count, 64);
    dfu_ctx_free(ctx);
    free(many);
    /* An "interface" of 8 bytes has no iInterface: it is skipped, not read past. */
    uint8_t short_if[] = {9, 0x02, 17, 0, 1, 1, 0, 0x80, 50, 8, 0x04, 0, 0, 0, 0xFE, 1, 2};
    assert_int_equal(dfu_desc_parse_config(&c, NULL, short_if, sizeof(short_if)), DFU_OK);
    assert_int_equal(c.alt_count, 0);
}

static void test_device_descriptor(void **state)
{
    (void)state;
    const uint8_t d[18] = {18, 1, 0, 1, 0, 0, 0, 64, 0x83, 0x04, 0x11, 0xDF, 0, 0x22, 1, 2, 3, 1};
    dfu_desc_device dev;
    assert_int_equal(dfu_desc_parse_device(&dev, NULL, d, 18), DFU_OK);
    assert_int_equal(dev.vid, 0x0483);
    assert_int_equal(dev.pid, 0xDF11);
    assert_int_equal(dev.bcd_device, 0x2200);
    assert_int_equal(dev.i_serial, 3);
    assert_int_equal(dfu_desc_parse_device(&dev, NULL, d, 17), DFU_ERR_PROTOCOL);
}

static void test_strings(void **state)
{
    (void)state;
    char *s;
    /* "Aé€😀" in UTF-16LE, the last one a surrogate pair. */
    const uint8_t u16[] = {12, 3, 'A', 0, 0xE9, 0, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE};
    assert_int_equal(dfu_desc_decode_string(&s, NULL, u16, sizeof(u16), false), DFU_OK);
    assert_string_equal(s, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    free(s);
    /* bLength says more than arrived (STM32F427): clamp. An unpaired surrogate: U+FFFD. */
    const uint8_t lying[] = {40, 3, 'O', 0, 'K', 0, 0x00, 0xD8};
    assert_int_equal(dfu_desc_decode_string(&s, NULL, lying, sizeof(lying), false), DFU_OK);
    assert_string_equal(s, "OK\xEF\xBF\xBD");
    free(s);
    /* GD32: UTF-8 bytes where UTF-16 belongs. */
    const uint8_t gd[] = {6, 3, '3', 'C', 'B', 'J'};
    assert_int_equal(dfu_desc_decode_string(&s, NULL, gd, sizeof(gd), true), DFU_OK);
    assert_string_equal(s, "3CBJ");
    free(s);
    const uint8_t bad_utf8[] = {5, 3, 'x', 0xC3, 'y'};
    assert_int_equal(dfu_desc_decode_string(&s, NULL, bad_utf8, sizeof(bad_utf8), true), DFU_OK);
    assert_string_equal(s, "x\xEF\xBF\xBDy");
    free(s);
    const uint8_t nul[] = {8, 3, 'a', 0, 0, 0, 'b', 0};
    assert_int_equal(dfu_desc_decode_string(&s, NULL, nul, sizeof(nul), false), DFU_OK);
    assert_string_equal(s, "a");
    free(s);
    const uint8_t not_string[] = {4, 2, 'a', 0};
    assert_int_equal(dfu_desc_decode_string(&s, NULL, not_string, 4, false), DFU_ERR_PROTOCOL);
    assert_null(s);
    /* Empty (found writing these tests: it came back as heap garbage, unterminated, read past
     * by strlen), a stray odd byte, and lengths too small to be a string descriptor at all. */
    const uint8_t empty[] = {2, 3};
    assert_int_equal(dfu_desc_decode_string(&s, NULL, empty, sizeof(empty), false), DFU_OK);
    assert_string_equal(s, "");
    free(s);
    const uint8_t odd[] = {5, 3, 'h', 0, 'i'};
    assert_int_equal(dfu_desc_decode_string(&s, NULL, odd, sizeof(odd), false), DFU_OK);
    assert_string_equal(s, "h");
    free(s);
    const uint8_t one[] = {1, 3, 'x', 0}, zero[] = {0, 3, 'x', 0};
    assert_int_equal(dfu_desc_decode_string(&s, NULL, one, sizeof(one), false), DFU_ERR_PROTOCOL);
    assert_int_equal(dfu_desc_decode_string(&s, NULL, zero, sizeof(zero), true), DFU_ERR_PROTOCOL);
    assert_int_equal(dfu_desc_decode_string(&s, NULL, empty, 1, false), DFU_ERR_PROTOCOL);
    /* UTF-8 whose bLength says more than arrived, and a sequence cut by the end. */
    const uint8_t cut8[] = {40, 3, 'a', 0xF0, 0x9F, 0x98};
    assert_int_equal(dfu_desc_decode_string(&s, NULL, cut8, sizeof(cut8), true), DFU_OK);
    assert_string_equal(s, "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    free(s);
    assert_true(dfu_desc_string_is_utf8(0x28E9, 0x0189, 0x0100)); /* from the quirk table */
    assert_false(dfu_desc_string_is_utf8(0x0483, 0xDF11, 0x2200));
}

static void test_alt_mode(void **state)
{
    (void)state;
    dfu_func_desc dfuse = {true, 9, 0x0B, 255, 2048, 0x011A}, v10 = {true, 7, 3, 0, 64, 0};
    dfu_desc_alt a = {0, 0, 2, 4};
    assert_int_equal(dfu_desc_alt_mode(&a, &v10), DFU_MODE_DFU);
    a.protocol = 1;
    assert_int_equal(dfu_desc_alt_mode(&a, &dfuse), DFU_MODE_RUNTIME);
    a.protocol = 0;
    assert_int_equal(dfu_desc_alt_mode(&a, &dfuse), DFU_MODE_DFU);
    assert_int_equal(dfu_desc_alt_mode(&a, &v10), DFU_MODE_RUNTIME);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_functional_full_and_truncated),
        cmocka_unit_test(test_functional_odd_transfer_sizes),
        cmocka_unit_test(test_functional_garbage_rejected),
        cmocka_unit_test(test_config_finds_dfu_interfaces),
        cmocka_unit_test(test_config_malformed),
        cmocka_unit_test(test_config_oversized_and_truncated),
        cmocka_unit_test(test_device_descriptor),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_alt_mode),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
