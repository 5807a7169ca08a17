/* The device is a function of spec, seed, requests and times: same inputs, same trace; another
 * seed, other random choices (where a power cut lands, which transfers fail). */
#include "core/buf.h"
#include "sim_test.h"

static void collect(const char *line, void *payload)
{
    dfu_buf *b = payload;
    dfu_buf_append(b, line, strlen(line));
    dfu_buf_append_byte(b, '\n');
}

/* A fixed script of requests on a device with random faults; returns the trace. */
static char *script(const char *spec, uint8_t *mem, size_t memlen)
{
    th h;
    dfu_buf trace = DFU_BUF_INIT;
    th_open(&h, spec);
    dfu_sim_set_trace(h.sim, collect, &trace);
    th_clear(&h);
    static uint8_t img[4 * 2048];
    for (size_t i = 0; i < sizeof(img); i++) img[i] = (uint8_t)(i * 13);
    th_erase(&h, 0x08000000);
    th_dfuse_write(&h, 0x08000000, img, sizeof(img), 2048);
    th_wait_present(&h, 5000);
    for (int i = 0; i < 50; i++) th_getstatus(&h);
    if (mem) th_peek(&h, 0x08000000, mem, memlen);
    th_close(&h);
    return (char *)dfu_buf_detach(&trace, NULL);
}

static void same_twice(const char *spec, const char *must_contain)
{
    char *a = script(spec, NULL, 0), *b = script(spec, NULL, 0);
    assert_true(strlen(a) > 1000);
    if (!strstr(a, must_contain)) fail_msg("%s: no '%s' in the trace", spec, must_contain);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static void test_same_inputs_same_trace(void **state)
{
    (void)state;
    same_twice("stm32f405,seed=7,fault=powerloss@program:2", "power lost");
    same_twice("stm32f405,seed=7,fault=xfer@rate:0.1", "fault xfer@rate:0.1");
    same_twice("stm32l476,seed=7", "write done");
}

static void test_other_seed_other_choices(void **state)
{
    (void)state;
    static uint8_t m1[4 * 2048], m2[4 * 2048];
    char *a = script("stm32f405,seed=1,fault=powerloss@program:1", m1, sizeof(m1));
    char *b = script("stm32f405,seed=2,fault=powerloss@program:1", m2, sizeof(m2));
    assert_string_not_equal(a, b);
    /* Block 1 was cut at a different byte. */
    assert_memory_not_equal(m1 + 2048, m2 + 2048, 2048);
    free(a);
    free(b);
    a = script("stm32f405,seed=1,fault=xfer@rate:0.2", NULL, 0);
    b = script("stm32f405,seed=2,fault=xfer@rate:0.2", NULL, 0);
    assert_string_not_equal(a, b);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_inputs_same_trace),
        cmocka_unit_test(test_other_seed_other_choices),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
