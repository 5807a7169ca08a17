/* Device selectors: parsing (errors name the bad term), matching, and picking exactly one device
 * (several = a list the user can pick from; none = what was looked for and what was seen). */
#include <stdlib.h>
#include <string.h>

#include <libdfu/device.h>
#include "testutil.h"
#include "usb/select.h"

static dfu_ctx *ctx;

static int setup(void **state)
{
    (void)state;
    return dfu_ctx_new(&ctx);
}

static int teardown(void **state)
{
    (void)state;
    dfu_ctx_free(ctx);
    return 0;
}

static dfu_selector *parse_ok(const char *text)
{
    dfu_selector *s = NULL;
    int rc = dfu_selector_parse(&s, ctx, text);
    if (rc) fail_msg("%s: %s", text, dfu_ctx_error(ctx)->message);
    return s;
}

static void parse_bad(const char *text, const char *needle)
{
    dfu_selector *s = (dfu_selector *)1;
    assert_int_equal(dfu_selector_parse(&s, ctx, text), DFU_ERR_ARG);
    assert_null(s);
    const char *msg = dfu_ctx_error(ctx)->message;
    if (!strstr(msg, needle)) fail_msg("\"%s\": message \"%s\" lacks \"%s\"", text, msg, needle);
}

static dfu_device_info dev(char *path, uint16_t vid, uint16_t pid, char *serial, dfu_mode mode)
{
    dfu_device_info d;
    memset(&d, 0, sizeof(d));
    d.backend = (char *)"usb";
    d.path = path;
    d.serial = serial;
    d.vid = vid;
    d.pid = pid;
    d.mode = mode;
    d.address = 7;
    return d;
}

static void test_parse_errors_name_the_term(void **state)
{
    (void)state;
    parse_bad("0483:df11,bogus", "\"bogus\"");
    parse_bad("0483", "\"0483\"");
    parse_bad("0483:df11x", "\"0483:df11x\"");
    parse_bad("12345:1", "\"12345:1\"");
    parse_bad("1:2,3:4,5:6", "at most two");
    parse_bad("serial=", "empty value");
    parse_bad("serial=a,serial=b", "given twice");
    parse_bad("path=1-1,", "empty term");
    parse_bad("0483:df11,,path=1-1", "empty term");
    parse_bad("path=1-1,sim:stm32f405", "sim: must start");
    parse_bad("sim:", "needs a profile");
}

/* The term is the whole selector: said once ("device selector \"0483:zz11\": \"0483:zz11\": ..."
 * read as a stutter). */
static void test_a_selector_of_one_term_is_named_once(void **state)
{
    (void)state;
    parse_bad("0483:zz11", "device selector \"0483:zz11\": expected VID:PID in hex");
    parse_bad("serial=", "device selector \"serial=\": empty value");
    parse_bad("0483:df11,zz", "device selector \"0483:df11,zz\": \"zz\": expected VID:PID");
}

static void test_match_ids_serial_path(void **state)
{
    (void)state;
    dfu_device_info a = dev("1-1", 0x0483, 0xdf11, "STM32FxSTM32", DFU_MODE_DFU);
    dfu_selector *s = parse_ok("0483:DF11");
    assert_true(dfu_selector_match(s, &a));
    dfu_selector_free(s);
    s = parse_ok("0483:df12");
    assert_false(dfu_selector_match(s, &a));
    dfu_selector_free(s);
    s = parse_ok("serial=STM32FxSTM32,path=1-1");
    assert_true(dfu_selector_match(s, &a));
    dfu_selector_free(s);
    s = parse_ok("path=1-2");
    assert_false(dfu_selector_match(s, &a));
    dfu_selector_free(s);
    a.serial = NULL;
    s = parse_ok("serial=X");
    assert_false(dfu_selector_match(s, &a));
    dfu_selector_free(s);
    assert_true(dfu_selector_match(NULL, &a));
    s = parse_ok("");
    assert_true(dfu_selector_match(s, &a));
    assert_null(dfu_selector_sim_spec(s));
    dfu_selector_free(s);
}

/* "RT,DFU": the first pair matches the run-time device, the second the DFU-mode one. */
static void test_two_ids_follow_the_mode(void **state)
{
    (void)state;
    dfu_device_info rt = dev("1-1", 0x1209, 0x0001, NULL, DFU_MODE_RUNTIME);
    dfu_device_info bl = dev("1-1", 0x1209, 0xdb42, NULL, DFU_MODE_DFU);
    dfu_device_info wrong = dev("1-1", 0x1209, 0x0001, NULL, DFU_MODE_DFU);
    dfu_selector *s = parse_ok("1209:0001,1209:db42");
    assert_true(dfu_selector_match(s, &rt));
    assert_true(dfu_selector_match(s, &bl));
    assert_false(dfu_selector_match(s, &wrong));
    dfu_selector_free(s);
}

static void test_sim_spec_keeps_commas(void **state)
{
    (void)state;
    dfu_selector *s = parse_ok("sim:stm32f405,runtime,serial=X");
    assert_string_equal(dfu_selector_sim_spec(s), "stm32f405,runtime,serial=X");
    dfu_device_info usb = dev("1-1", 0x0483, 0xdf11, NULL, DFU_MODE_DFU);
    assert_false(dfu_selector_match(s, &usb));
    usb.backend = (char *)"sim";
    assert_true(dfu_selector_match(s, &usb));
    dfu_selector_free(s);
}

/* A backend that lists a fixed set of devices. */
typedef struct fake_backend {
    dfu_backend base;
    const dfu_device_info *devs;
    size_t n;
} fake_backend;

static int fake_enumerate(dfu_backend *b, dfu_ctx *c, dfu_device_info **list, size_t *count)
{
    (void)c;
    fake_backend *f = (fake_backend *)b;
    *list = calloc(f->n + 1, sizeof(**list));
    for (size_t i = 0; i < f->n; i++)
        assert_int_equal(dfu_device_info_copy(&(*list)[i], &f->devs[i]), 0);
    *count = f->n;
    return 0;
}

static const dfu_backend_ops fake_ops = {"fake", fake_enumerate, NULL, NULL, NULL, NULL};

static int select_from(const dfu_device_info *devs, size_t n, const char *text,
                       dfu_device_info *out)
{
    fake_backend f = {{&fake_ops}, devs, n};
    dfu_selector *s = parse_ok(text);
    int rc = dfu_select_one(&f.base, ctx, s, out);
    dfu_selector_free(s);
    return rc;
}

/* Two STM32 ROMs with the same serial: ambiguous, and the message tells them apart by path. */
static void test_ambiguous_lists_each_match(void **state)
{
    (void)state;
    dfu_device_info devs[] = {dev("1-1", 0x0483, 0xdf11, "STM32FxSTM32", DFU_MODE_DFU),
                              dev("1-2", 0x0483, 0xdf11, "STM32FxSTM32", DFU_MODE_DFU),
                              dev("1-3", 0x1209, 0xdb42, NULL, DFU_MODE_DFU)};
    dfu_device_info out;
    assert_int_equal(select_from(devs, 3, "serial=STM32FxSTM32", &out), DFU_ERR_AMBIGUOUS);
    const char *msg = dfu_ctx_error(ctx)->message;
    assert_non_null(strstr(msg, "2 DFU devices match \"serial=STM32FxSTM32\""));
    assert_non_null(strstr(msg, "path=1-1 0483:df11 serial=STM32FxSTM32 (DFU mode, device 7)"));
    assert_non_null(strstr(msg, "path=1-2 0483:df11 serial=STM32FxSTM32 (DFU mode"));
    assert_null(strstr(msg, "1-3"));

    assert_int_equal(select_from(devs, 3, "serial=STM32FxSTM32,path=1-2", &out), 0);
    assert_string_equal(out.path, "1-2");
    dfu_device_info_clear(&out);
}

static void test_none_says_what_was_seen(void **state)
{
    (void)state;
    dfu_device_info devs[] = {dev("1-1", 0x0483, 0xdf11, NULL, DFU_MODE_DFU),
                              dev("1-2", 0x1209, 0x0001, NULL, DFU_MODE_RUNTIME)};
    dfu_device_info out;
    assert_int_equal(select_from(devs, 2, "28e9:0189", &out), DFU_ERR_NO_DEVICE);
    const char *msg = dfu_ctx_error(ctx)->message;
    assert_non_null(strstr(msg, "no DFU device matches \"28e9:0189\"; 2 DFU devices seen"));
    assert_non_null(strstr(msg, "path=1-2 1209:0001 no serial (run-time mode"));
    assert_int_equal(select_from(devs, 0, "", &out), DFU_ERR_NO_DEVICE);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "no DFU device found"));
}

/* A device's serial is the device's to choose: in the list of an error it cannot add lines of
 * its own (the list's items start "\n  ") or send escape sequences. */
static void test_listed_serials_cannot_forge_lines(void **state)
{
    (void)state;
    dfu_device_info devs[] = {dev("1-1", 0x0483, 0xdf11, "A\n  path=9-9 fake\x1b[2J", DFU_MODE_DFU),
                              dev("1-2", 0x0483, 0xdf11, "B", DFU_MODE_DFU)};
    dfu_device_info out;
    assert_int_equal(select_from(devs, 2, "0483:df11", &out), DFU_ERR_AMBIGUOUS);
    const char *msg = dfu_ctx_error(ctx)->message;
    assert_non_null(strstr(msg, "serial=A\\n  path=9-9 fake\\x1b[2J (DFU mode"));
    assert_null(strstr(msg, "\n  path=9-9"));
    assert_null(strchr(msg, '\x1b'));
    assert_non_null(strstr(msg, "\n  path=1-2 0483:df11 serial=B"));
}

static void test_follow_by_port_path(void **state)
{
    (void)state;
    dfu_device_info rt = dev("1-1.4", 0x1209, 0x0001, "A", DFU_MODE_RUNTIME);
    dfu_device_info bl = dev("1-1.4", 0x1209, 0xdb42, "B", DFU_MODE_DFU);
    dfu_device_info other = dev("1-1.3", 0x1209, 0xdb42, "A", DFU_MODE_DFU);
    char path[] = "1-1.4";
    assert_false(dfu_match_path_dfu_mode(&rt, path));
    assert_true(dfu_match_path_dfu_mode(&bl, path));
    assert_false(dfu_match_path_dfu_mode(&other, path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors_name_the_term),
        cmocka_unit_test(test_a_selector_of_one_term_is_named_once),
        cmocka_unit_test(test_match_ids_serial_path),
        cmocka_unit_test(test_two_ids_follow_the_mode),
        cmocka_unit_test(test_sim_spec_keeps_commas),
        cmocka_unit_test(test_ambiguous_lists_each_match),
        cmocka_unit_test(test_none_says_what_was_seen),
        cmocka_unit_test(test_listed_serials_cannot_forge_lines),
        cmocka_unit_test(test_follow_by_port_path),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, setup, teardown));
}
