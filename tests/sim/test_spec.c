/* The spec string: every option and fault parsed in one place, every mistake named. */
#include "sim_test.h"

static void expect_arg_error(const char *spec, const char *named)
{
    dfu_ctx *ctx;
    dfu_sim *sim = NULL;
    dfu_ctx_new(&ctx);
    int rc = dfu_sim_new(&sim, ctx, spec);
    if (rc != DFU_ERR_ARG) fail_msg("%s: %s, expected arg", spec, dfu_error_name(rc));
    const char *msg = dfu_ctx_error(ctx)->message;
    if (!strstr(msg, named)) fail_msg("%s: message '%s' does not name '%s'", spec, msg, named);
    assert_null(sim);
    dfu_ctx_free(ctx);
}

static void test_bad_specs_are_named(void **state)
{
    (void)state;
    expect_arg_error("", "no profile");
    expect_arg_error("sim:nosuch", "nosuch");
    expect_arg_error("sim:nosuch", "(profiles: stm32f405, ");
    expect_arg_error("stm32f405,foo=1", "foo");
    expect_arg_error("stm32f405,,seed=1", "empty option");
    expect_arg_error("stm32f405,seed=abc", "seed=abc");
    expect_arg_error("stm32f405,seed", "seed");
    expect_arg_error("stm32f405,reenum=700000", "reenum=700000");
    expect_arg_error("stm32f405,boot0=2", "boot0=2");
    expect_arg_error("dapboot-f103,boot0=0", "boot0");
    expect_arg_error("mboot-f4,rdp=1", "rdp");
    expect_arg_error("stm32f405,rev=V", "rev");
    expect_arg_error("stm32h743,rev=X", "rev=X");
    expect_arg_error("stm32f405,tolerant=1", "tolerant");
    expect_arg_error("stm32f405,transfer=0", "transfer=0");
    expect_arg_error("stm32f405,transfer=5000", "transfer=5000");
    expect_arg_error("dfu11,wtransfer=65536", "wtransfer=65536");
    expect_arg_error("dfu11,funclen=8", "funclen=8");
    expect_arg_error("dfu11,funclen", "funclen");
    expect_arg_error("stm32f405,timing=fast", "timing=fast");
    expect_arg_error("stm32f405,runtime=later", "runtime=later");
    expect_arg_error("stm32f405,serial=", "serial");
    expect_arg_error("stm32f405,fault=zap@block:1", "zap");
    expect_arg_error("stm32f405,fault=unplug@nowhere:1", "unplug@nowhere:1");
    expect_arg_error("stm32f405,fault=unplug", "unplug");
    expect_arg_error("stm32f405,fault=xfer@block:1:sideways", "xfer@block:1:sideways");
    expect_arg_error("stm32f405,fault=xfer@block:1:before:after", "xfer@block:1:before:after");
    expect_arg_error("stm32f405,fault=xfer@erase:1", "xfer@erase:1");
    expect_arg_error("stm32f405,fault=xfer@block", "xfer@block");
    expect_arg_error("stm32f405,fault=xfer@rate:0.1:after", "xfer@rate:0.1:after");
    expect_arg_error("stm32f405,fault=xfer@rate", "xfer@rate");
    expect_arg_error("stm32f405,fault=stall@erase:1", "stall@erase:1");
    expect_arg_error("stm32f405,fault=unplug@block", "unplug@block");
    expect_arg_error("stm32f405,fault=reset@block:x", "reset@block:x");
    expect_arg_error("stm32f405,fault=powerloss@erase:1:1.5", "powerloss@erase:1:1.5");
    expect_arg_error("stm32f405,fault=powerloss@block:1:0.5", "powerloss@block:1:0.5");
    expect_arg_error("stm32f405,fault=lie@block:1:dfuNOPE", "dfuNOPE");
    expect_arg_error("stm32f405,fault=polltimeout@block:1", "polltimeout@block:1");
    expect_arg_error("stm32f405,fault=polltimeout@block:1:16777216", "16777216");
    expect_arg_error("stm32f405,fault=xfer@rate:2", "xfer@rate:2");
}

static void test_good_specs(void **state)
{
    (void)state;
    static const char *const good[] = {
        "sim:stm32f405",
        "stm32f405,seed=0x10,reenum=0,rdp=1,boot0=0,timing=max,transfer=1024",
        "stm32h743,rev=Y,realtime,path=1-1.4,serial=ABC",
        "tinyusb,tolerant=1,runtime=detach",
        "dfu11,willdetach=1,tolerant=0,runtime=reset",
        "dfu11,funclen=7,wtransfer=0",
        "stm32f405,funclen=9,wtransfer=0xffff,transfer=1024",
        "stm32l476,fault=unplug@erase:2,fault=powerloss@program:0:0.25,fault=xfer@rate:0.01,"
        "fault=lie@command:1:5:errWRITE,fault=polltimeout@block:3:16777215,fault=busy@block:9,"
        "fault=reset@command:0,fault=stall@block:2,fault=unplug@block:1:0,fault=powerloss@block:4",
        "mboot-f4,fault=xfer@block:2:before,fault=xfer@command:1:after,fault=xfer@block:7",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        th h;
        th_open(&h, good[i]);
        th_close(&h);
    }
    th h;
    th_open(&h, "stm32h743,realtime,path=1-1.4");
    assert_true(dfu_sim_realtime(h.sim));
    assert_string_equal(dfu_sim_path(h.sim), "1-1.4");
    th_close(&h);
    th_open(&h, "stm32h743");
    assert_false(dfu_sim_realtime(h.sim));
    assert_null(dfu_sim_path(h.sim));
    th_close(&h);
}

/* funclen= and wtransfer= change what the bootloader's functional descriptor says, not the
 * blocks the device takes: a 7-byte descriptor announcing 0 on a device that takes 1024. */
static void test_descriptor_options_change_only_the_descriptor(void **state)
{
    (void)state;
    th h;
    th_open(&h, "dfu11,funclen=7,wtransfer=0");
    uint8_t d[256];
    size_t n;
    assert_int_equal(dfu_sim_descriptors(h.sim, d, sizeof(d), &n), DFU_OK);
    const uint8_t *f = d + n - 7; /* the functional descriptor comes last */
    assert_int_equal(f[0], 7);
    assert_int_equal(f[1], 0x21);
    assert_int_equal(f[5] | f[6] << 8, 0);
    th_clear(&h);
    uint8_t block[1025] = {0};
    assert_int_equal(th_dnload(&h, 0, block, 1025), DFU_ERR_STALL);
    th_clear(&h);
    assert_int_equal(th_dnload(&h, 0, block, 1024), 1024);
    th_close(&h);
    th_open(&h, "dfu11,wtransfer=0xffff");
    assert_int_equal(dfu_sim_descriptors(h.sim, d, sizeof(d), &n), DFU_OK);
    f = d + n - 9;
    assert_int_equal(f[0], 9);
    assert_int_equal(f[5] | f[6] << 8, 0xFFFF);
    assert_int_equal(f[7] | f[8] << 8, 0x0110);
    th_close(&h);
}

/* Every profile describes itself and its sources, and opens. */
static void test_profiles_listed(void **state)
{
    (void)state;
    size_t n = dfu_sim_profile_count();
    assert_true(n >= 8);
    assert_null(dfu_sim_profile_at(n));
    for (size_t i = 0; i < n; i++) {
        const dfu_sim_profile_info *p = dfu_sim_profile_at(i);
        assert_true(strlen(p->name) > 0 && strlen(p->description) > 100);
        assert_true(strlen(p->sources) > 20);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(p->name, dfu_sim_profile_at(k)->name);
        th h;
        th_open(&h, p->name);
        assert_string_equal(dfu_sim_profile_name(h.sim), p->name);
        th_close(&h);
    }
}

/* The memory map as the device sees it. */
static void test_regions(void **state)
{
    (void)state;
    th h;
    th_open(&h, "mboot-f4");
    dfu_sim_region r;
    assert_true(dfu_sim_region_count(h.sim) >= 2);
    assert_int_equal(dfu_sim_region_at(h.sim, 0, &r), DFU_OK);
    assert_int_equal(r.address, 0x08000000);
    assert_int_equal(r.size, 1024 * 1024);
    assert_int_equal(r.bootloader_size, 32 * 1024);
    assert_true(r.protected_bootloader);
    assert_int_equal(r.access, DFU_MEM_READABLE | DFU_MEM_ERASABLE | DFU_MEM_WRITABLE);
    assert_int_equal(dfu_sim_region_at(h.sim, 99, &r), DFU_ERR_ARG);
    uint8_t b[4];
    assert_int_equal(dfu_sim_peek(h.sim, 0x30000000, b, 4), DFU_ERR_ARG);
    th_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_specs_are_named),
        cmocka_unit_test(test_good_specs),
        cmocka_unit_test(test_descriptor_options_change_only_the_descriptor),
        cmocka_unit_test(test_profiles_listed),
        cmocka_unit_test(test_regions),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
