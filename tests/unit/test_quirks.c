/* Quirk tables: which lines apply to a device, and errors that say where. */
#include <string.h>

#include "proto/quirks.h"
#include "testutil.h"

static int apply(dfu_ctx *ctx, const char *text, uint16_t bcd, dfu_quirks *q)
{
    memset(q, 0, sizeof(*q));
    return dfu_quirks_apply(ctx, text, "my.quirks", 0x0483, 0xdf11, bcd, q);
}

static void expect_error(const char *text, const char *where)
{
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_quirks q;
    assert_int_equal(apply(ctx, text, 0x2200, &q), DFU_ERR_ARG);
    if (!strstr(dfu_ctx_error(ctx)->message, where))
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", text, dfu_ctx_error(ctx)->message, where);
    dfu_ctx_free(ctx);
}

static void test_lines_apply_by_ids_and_bcd_range(void **state)
{
    (void)state;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_quirks q;
    const char *text = "0483:df11/2000-21ff transfer-size=1024\n"
                       "0483:df11/2200 poll-stalls=3 # the F405\n"
                       "1209:db42 no-upload\n";
    assert_int_equal(apply(ctx, text, 0x2200, &q), DFU_OK);
    assert_int_equal(q.transfer_size, 0);
    assert_int_equal(q.poll_stalls, 3);
    assert_false(q.no_upload);
    assert_string_equal(q.names, "poll-stalls=3");
    assert_int_equal(apply(ctx, text, 0x2100, &q), DFU_OK);
    assert_int_equal(q.transfer_size, 1024);
    assert_int_equal(q.poll_stalls, 0);
    assert_int_equal(apply(ctx, "0483:df11 stuck-dnbusy\n0483:df11 none erase-poll=5", 0, &q),
                     DFU_OK);
    assert_false(q.stuck_dnbusy);
    assert_int_equal(q.erase_poll_ms, 5);
    dfu_ctx_free(ctx);
}

static void test_errors_name_source_and_line_even_for_other_devices(void **state)
{
    (void)state;
    expect_error("# comment\n0483:df11 transfer-size=0\n", "my.quirks:2: transfer size");
    expect_error("\n\n1209:db42 stuck-dnbsy\n", "my.quirks:3: unknown quirk 'stuck-dnbsy'");
    expect_error("0483-df11 dfuse", "my.quirks:1: expected VID:PID");
    expect_error("0483:df11 ram=0x20005000-0x20000000", "my.quirks:1: needs START-END");
}

/* Found by fuzz_quirks: a flag with a value was taken as the bare flag, whatever the value, so
 * "stuck-dnbusy=0" turned the quirk on. */
static void test_flags_take_no_value(void **state)
{
    (void)state;
    expect_error("0483:df11 stuck-dnbusy=0", "my.quirks:1: takes no value: 'stuck-dnbusy=0'");
    expect_error("1209:db42 no-upload=false", "my.quirks:1: takes no value");
    expect_error("0483:df11 none=1", "takes no value");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_apply_by_ids_and_bcd_range),
        cmocka_unit_test(test_errors_name_source_and_line_even_for_other_devices),
        cmocka_unit_test(test_flags_take_no_value),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
