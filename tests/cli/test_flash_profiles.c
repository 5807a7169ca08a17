/*
 * dfuctl flash against every simulated profile, in-process: afterwards the device's memory
 * holds exactly the image, nothing outside the sectors it touched changed, and a separate
 * dfuctl verify agrees. Run-time profiles are detached first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simutil.h"

typedef struct profile_case {
    const char *name; /* spec without the state file */
    uint32_t base;    /* where the application goes */
    uint32_t sp;      /* initial stack pointer inside the part's RAM */
    uint32_t size;
    bool needs_address;  /* DfuSe: the .bin needs --address */
    uint32_t erase_unit; /* the sectors the image touches are erased in these units */
} profile_case;

static const profile_case cases[] = {
    {"stm32f405", 0x08000000, 0x20020000, 40 * 1024 + 100, true, 16 * 1024},
    {"stm32h743", 0x08000000, 0x24080000, 20 * 1024, true, 128 * 1024},
    {"stm32l476", 0x08000000, 0x20018000, 20 * 1024 + 8, true, 2 * 1024},
    {"mboot-f4", 0x08008000, 0x20020000, 32 * 1024, true, 16 * 1024}, /* its two 16K sectors */
    {"gd32vf103", 0x08000000, 0x20008000, 20 * 1024, true, 1024},
    {"dapboot-f103", 0x08002000, 0x20005000, 12 * 1024, false, 1024},
    {"tinyusb", 0x08010000, 0x20020000, 20 * 1024, false, 64 * 1024}, /* F411 sector 4 */
    {"dfu11", 0x08008000, 0x20020000, 8 * 1024, false, 4 * 1024},
    {"stm32f405,runtime", 0x08000000, 0x20020000, 20 * 1024, true, 16 * 1024},
    {"dapboot-f103,runtime=detach", 0x08002000, 0x20005000, 6 * 1024, false, 1024},
};

static void flash_one(const profile_case *c)
{
    char dirname[64], spec[600], base[32];
    snprintf(dirname, sizeof(dirname), "flash_%s", c->name);
    for (char *p = dirname; *p; p++)
        if (*p == ',' || *p == '=') *p = '_';
    char *dir = tu_tmpdir(dirname);
    char *fw = tu_path(dir, "fw.bin");
    tu_write_app(fw, c->base, c->size, c->sp, 42);
    tu_sim_spec(spec, sizeof(spec), c->name, dir, NULL);
    snprintf(base, sizeof(base), "0x%08x", c->base);

    /* A board that already holds something: random bytes all over its flash. */
    tu_sim_fill_used(spec, c->base, 17);
    size_t before_len;
    uint8_t *before = tu_sim_snapshot(spec, &before_len);
    tu_result r;
    const char *args[] = {"flash",
                          "-d",
                          spec,
                          fw,
                          "--no-journal",
                          "--no-leave",
                          c->needs_address ? "--address" : NULL,
                          base,
                          NULL};
    tu_dfuctl_argv(&r, args);
    if (r.exit_code != 0) fail_msg("%s: exit %d\n%s", c->name, r.exit_code, r.err);
    tu_result_free(&r);

    uint8_t *want = tu_app_bytes(c->base, c->size, c->sp, 42);
    uint8_t *got = malloc(c->size);
    tu_sim_peek(spec, c->base, got, c->size);
    if (memcmp(got, want, c->size) != 0)
        fail_msg("%s: the device does not hold the image", c->name);
    tu_sim_expect_untouched_outside(spec, before, before_len, c->base, c->base + c->size,
                                    c->erase_unit);

    /* A device that must restart to commit the download has left DFU mode: press its button. */
    tu_sim_enter_bootloader(spec);
    const char *vargs[] = {"verify", "-d", spec, fw, c->needs_address ? "--address" : NULL,
                           base,     NULL};
    tu_dfuctl_argv(&r, vargs);
    if (r.exit_code != 0) fail_msg("%s: verify exit %d\n%s", c->name, r.exit_code, r.err);
    tu_result_free(&r);
    free(want);
    free(got);
    free(before);
    free(fw);
    free(dir);
}

static void test_every_profile_holds_exactly_the_image(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) flash_one(&cases[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_profile_holds_exactly_the_image),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
