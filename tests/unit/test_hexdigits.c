/*
 * The hex decoder the text readers use: its eight-digits-at-a-time path must agree with the
 * plain table for every byte value in every position, or a reader would accept a non-hex
 * character or load a wrong byte.
 */
#include <string.h>

#include "image/hexdigits.h"
#include "testutil.h"

/* The reference: one digit at a time through the table. */
static bool reference(const uint8_t *s, size_t n, uint8_t *out, unsigned *sum)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        uint8_t hi = dfu_hex_value[s[2 * i]], lo = dfu_hex_value[s[2 * i + 1]];
        ok = ok && !(hi & DFU_HEX_BAD) && !(lo & DFU_HEX_BAD);
        out[i] = (uint8_t)(hi << 4 | lo);
        *sum += out[i];
    }
    return ok;
}

static void test_every_byte_in_every_position(void **state)
{
    (void)state;
    const char *base = "0123456789abcdefABCDEF0f9A";
    for (size_t n = 1; n <= 13; n++) { /* SWAR blocks and the scalar tail */
        for (size_t pos = 0; pos < 2 * n; pos++) {
            for (unsigned c = 0; c < 256; c++) {
                uint8_t s[32], got[16], want[16];
                for (size_t i = 0; i < 2 * n; i++) s[i] = (uint8_t)base[(i * 7 + n) % 26];
                s[pos] = (uint8_t)c;
                unsigned sum_got = 5, sum_want = 5;
                bool ok_want = reference(s, n, want, &sum_want);
                bool ok_got = dfu_hex_decode(s, n, got, &sum_got);
                if (ok_got != ok_want)
                    fail_msg("n %zu, byte 0x%02X at %zu: decoder says %s", n, c, pos,
                             ok_got ? "valid" : "invalid");
                if (ok_want) {
                    assert_memory_equal(got, want, n);
                    assert_int_equal(sum_got & 0xFF, sum_want & 0xFF);
                }
            }
        }
    }
}

/* A record's worth of 0xFF bytes: the checksum lanes must not overflow. */
static void test_longest_record_sum(void **state)
{
    (void)state;
    uint8_t s[512], out[256];
    memset(s, 'F', sizeof(s));
    unsigned sum = 0;
    assert_true(dfu_hex_decode(s, 256, out, &sum));
    assert_int_equal(sum & 0xFF, (256 * 255) & 0xFF);
    for (int i = 0; i < 256; i++) assert_int_equal(out[i], 0xFF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_byte_in_every_position),
        cmocka_unit_test(test_longest_record_sum),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
