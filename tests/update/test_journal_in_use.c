/*
 * A journal belongs to the update that writes it while that update runs: discarding or
 * recovering it from elsewhere (another dfuctl on a production line: `recover --discard`) would
 * leave the live update without the journal an interruption needs. Once the update has ended,
 * completed or not, the journal is free again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simutil.h"

typedef struct probe {
    const char *journal_dir;
    bool tried;
    int discard_rc;
    int found_after; /* dfu_journal_find() after the refused discard */
    char message[512];
} probe;

/* Mid-write, as another holder would: find the journal, try to discard it, and look for it
 * again. */
static int try_discard(const dfu_progress *p, void *payload)
{
    probe *pr = payload;
    if (pr->tried || p->phase != DFU_PHASE_WRITE) return 0;
    pr->tried = true;
    dfu_ctx *other;
    assert_int_equal(dfu_ctx_new(&other), DFU_OK);
    dfu_journal *j = NULL;
    assert_int_equal(dfu_journal_find(&j, other, pr->journal_dir), DFU_OK);
    pr->discard_rc = dfu_journal_discard(other, j);
    snprintf(pr->message, sizeof(pr->message), "%s", dfu_ctx_error(other)->message);
    dfu_journal_free(j);
    j = NULL;
    pr->found_after = dfu_journal_find(&j, other, pr->journal_dir);
    dfu_journal_free(j);
    dfu_ctx_free(other);
    return 0;
}

static dfu_image *app_image(uint8_t **bytes)
{
    *bytes = tu_app_bytes(0x08000000, 40 * 1024, 0x20020000, 5);
    dfu_image *img;
    assert_int_equal(dfu_image_new(&img), DFU_OK);
    assert_int_equal(dfu_image_add_target(img, -1, NULL, NULL), DFU_OK);
    assert_int_equal(dfu_image_add_data(NULL, img, 0, 0x08000000, *bytes, 40 * 1024), DFU_OK);
    return img;
}

static void test_journal_kept_while_its_update_runs(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("journal_in_use"), *journal = tu_path(dir, "journal");
    char spec[600];
    tu_sim_spec(spec, sizeof(spec), "stm32f405", dir, NULL);
    uint8_t *bytes;
    dfu_image *img = app_image(&bytes);
    dfu_ctx *ctx;
    assert_int_equal(dfu_ctx_new(&ctx), DFU_OK);
    dfu_device *dev;
    assert_int_equal(dfu_device_open(&dev, ctx, spec, NULL), DFU_OK);
    probe pr = {journal, false, 0, -1, ""};
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.journal_dir = journal;
    o.progress = try_discard;
    o.payload = &pr;
    dfu_plan *p;
    assert_int_equal(dfu_plan_new(&p, ctx, dev, img, &o), DFU_OK);
    assert_int_equal(dfu_plan_execute(p, NULL), DFU_OK);
    assert_true(pr.tried);
    assert_int_equal(pr.discard_rc, DFU_ERR_BUSY);
    if (!strstr(pr.message, "another process is running the update"))
        fail_msg("unexpected message: %s", pr.message);
    /* Refused, and not half done: the journal was still there for the running update. */
    assert_int_equal(pr.found_after, DFU_OK);
    /* The update completed and removed its own journal. */
    dfu_journal *j = NULL;
    assert_int_equal(dfu_journal_find(&j, ctx, journal), DFU_ERR_NOT_FOUND);
    dfu_plan_free(p);
    dfu_device_close(dev);
    uint8_t *got = malloc(40 * 1024);
    tu_sim_peek(spec, 0x08000000, got, 40 * 1024);
    assert_memory_equal(got, bytes, 40 * 1024);
    free(got);
    dfu_ctx_free(ctx);
    dfu_image_free(img);
    free(bytes);
    free(journal);
    free(dir);
}

static void test_journal_of_an_ended_update_is_free(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("journal_ended"), *journal = tu_path(dir, "journal");
    char spec[600], faulty[700];
    tu_sim_spec(spec, sizeof(spec), "stm32f405", dir, NULL);
    snprintf(faulty, sizeof(faulty), "%s,fault=unplug@block:10", spec);
    uint8_t *bytes;
    dfu_image *img = app_image(&bytes);
    dfu_ctx *ctx;
    assert_int_equal(dfu_ctx_new(&ctx), DFU_OK);
    dfu_device *dev;
    assert_int_equal(dfu_device_open(&dev, ctx, faulty, NULL), DFU_OK);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.journal_dir = journal;
    dfu_plan *p;
    assert_int_equal(dfu_plan_new(&p, ctx, dev, img, &o), DFU_OK);
    assert_int_equal(dfu_plan_execute(p, NULL), DFU_ERR_DISCONNECTED);
    dfu_plan_free(p);
    dfu_device_close(dev);
    /* Interrupted: the journal stays, and nobody holds it any more. */
    dfu_journal *j = NULL;
    assert_int_equal(dfu_journal_find(&j, ctx, journal), DFU_OK);
    assert_int_equal(dfu_journal_discard(ctx, j), DFU_OK);
    dfu_journal_free(j);
    assert_int_equal(dfu_journal_find(&j, ctx, journal), DFU_ERR_NOT_FOUND);
    dfu_ctx_free(ctx);
    dfu_image_free(img);
    free(bytes);
    free(journal);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_journal_kept_while_its_update_runs),
        cmocka_unit_test(test_journal_of_an_ended_update_is_free),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
