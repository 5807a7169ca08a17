/*
 * What the headers promise an embedder: what a plan copies and what it borrows, which context
 * hears about a failure, one error code for one mistake wherever it is made, and progress that
 * never goes backwards, recovery included.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simutil.h"

typedef struct board {
    dfu_ctx *ctx;
    char *dir;
    char spec[600];
    dfu_device *dev;
    dfu_image *img;
    uint8_t *bytes;
} board;

static void board_open(board *b, const char *spec)
{
    if (dfu_device_open(&b->dev, b->ctx, spec, NULL) != DFU_OK)
        fail_msg("open %s: %s", spec, dfu_ctx_error(b->ctx)->message);
}

/* A board of profile with size bytes of application at base, opened with the spec plus extra. */
static void board_new(board *b, const char *name, const char *profile, const char *extra,
                      uint32_t base, uint32_t size, uint32_t sp)
{
    memset(b, 0, sizeof(*b));
    dfu_ctx_new(&b->ctx);
    b->dir = tu_tmpdir(name);
    tu_sim_spec(b->spec, sizeof(b->spec), profile, b->dir, NULL);
    b->bytes = tu_app_bytes(base, size, sp, 31);
    dfu_image_new(&b->img);
    dfu_image_add_target(b->img, -1, NULL, NULL);
    dfu_image_add_data(NULL, b->img, 0, base, b->bytes, size);
    char spec[700];
    snprintf(spec, sizeof(spec), "%s%s%s", b->spec, extra ? "," : "", extra ? extra : "");
    board_open(b, spec);
}

static void board_free(board *b)
{
    dfu_device_close(b->dev);
    dfu_image_free(b->img);
    dfu_ctx_free(b->ctx);
    free(b->bytes);
    free(b->dir);
}

/* A string that the caller frees as soon as the call that took it returns. */
static char *temporary(const char *s)
{
    size_t n = strlen(s) + 1;
    char *t = malloc(n);
    memcpy(t, s, n);
    return t;
}

/* Overwritten before it is freed, so that a plan still reading it goes wrong visibly even
 * without AddressSanitizer (which reports the read itself). */
static void gone(char *s)
{
    memset(s, 'X', strlen(s));
    free(s);
}

/* The options' strings (a QString's toUtf8().constData() in a Qt app) are the caller's only
 * while dfu_plan_new runs: the plan journals where and what it was told all the same. */
static void test_plan_keeps_its_own_copies_of_the_option_strings(void **state)
{
    (void)state;
    board b;
    board_new(&b, "contract_strings", "stm32f405", "fault=unplug@block:5", 0x08000000, 40 * 1024,
              0x20020000);
    char *jdir = tu_path(b.dir, "journal");
    char *dir = temporary(jdir), *selector = temporary("serial=TEMPORARY"),
         *image_path = temporary("/home/me/firmware.hex");
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.journal_dir = dir;
    o.selector = selector;
    o.image_path = image_path;
    dfu_plan *p;
    assert_int_equal(dfu_plan_new(&p, b.ctx, b.dev, b.img, &o), DFU_OK);
    gone(dir);
    gone(selector);
    gone(image_path);
    assert_int_equal(dfu_plan_execute(p, NULL), DFU_ERR_DISCONNECTED);
    dfu_plan_free(p);
    dfu_journal *j;
    if (dfu_journal_open(&j, b.ctx, jdir, "sim-1") != DFU_OK)
        fail_msg("no journal in %s: %s", jdir, dfu_ctx_error(b.ctx)->message);
    assert_string_equal(dfu_journal_selector(j), "serial=TEMPORARY");
    assert_string_equal(dfu_journal_image_path(j), "/home/me/firmware.hex");
    dfu_journal_free(j);
    free(jdir);
    board_free(&b);
}

/* A plan or a recovery on another context than its device's is refused at once, in the context
 * the caller gave: the device reports its failures into its own, where the caller would not
 * look. */
static void test_a_context_other_than_the_devices_is_refused(void **state)
{
    (void)state;
    board b;
    board_new(&b, "contract_ctx", "stm32f405", NULL, 0x08000000, 4096, 0x20020000);
    dfu_ctx *other;
    dfu_ctx_new(&other);
    dfu_plan *p = NULL;
    assert_int_equal(dfu_plan_new(&p, other, b.dev, b.img, NULL), DFU_ERR_ARG);
    assert_null(p);
    assert_non_null(strstr(dfu_ctx_error(other)->message, "context the device was opened with"));
    dfu_ctx_clear_error(other);
    dfu_recovery rec;
    assert_int_equal(dfu_recover(other, b.dev, NULL, b.img, NULL, &rec), DFU_ERR_ARG);
    assert_non_null(strstr(dfu_ctx_error(other)->message, "context the device was opened with"));
    /* Nothing was sent to the device. */
    dfu_device_stats st;
    dfu_device_get_stats(b.dev, &st);
    assert_int_equal(st.dnload, 0);
    assert_int_equal(st.upload, 0);
    dfu_ctx_free(other);
    board_free(&b);
}

/* Options that contradict each other are refused, not resolved one way in silence: a
 * differential update keeps sectors a mass erase would wipe. */
static void test_differential_with_mass_erase_is_refused(void **state)
{
    (void)state;
    board b;
    board_new(&b, "contract_diff_mass", "stm32f405", NULL, 0x08000000, 4096, 0x20020000);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.differential = true;
    o.mass_erase = true;
    dfu_plan *p = NULL;
    assert_int_equal(dfu_plan_new(&p, b.ctx, b.dev, b.img, &o), DFU_ERR_ARG);
    assert_null(p);
    assert_non_null(strstr(dfu_ctx_error(b.ctx)->message, "choose one"));
    o.mass_erase = false;
    assert_int_equal(dfu_plan_new(&p, b.ctx, b.dev, b.img, &o), DFU_OK);
    dfu_plan_free(p);
    board_free(&b);
}

/* A device without the alternate setting asked for is the caller's mistake, DFU_ERR_ARG naming
 * what it has, whether it is asked at open or afterwards. */
static void test_a_missing_alternate_setting_is_the_same_error_everywhere(void **state)
{
    (void)state;
    board b;
    board_new(&b, "contract_alt", "stm32f405", NULL, 0x08000000, 4096, 0x20020000);
    const char *want = "has no alternate setting 9 (it has: 0 \"Internal Flash\", 1";
    assert_int_equal(dfu_device_set_alt(b.dev, 9), DFU_ERR_ARG);
    if (!strstr(dfu_ctx_error(b.ctx)->message, want))
        fail_msg("\"%s\" lacks \"%s\"", dfu_ctx_error(b.ctx)->message, want);
    assert_int_equal(dfu_device_alt(b.dev), 0);
    dfu_device_close(b.dev);
    dfu_open_options oo = DFU_OPEN_OPTIONS_INIT;
    oo.alt = 9;
    assert_int_equal(dfu_device_open(&b.dev, b.ctx, b.spec, &oo), DFU_ERR_ARG);
    if (!strstr(dfu_ctx_error(b.ctx)->message, want))
        fail_msg("\"%s\" lacks \"%s\"", dfu_ctx_error(b.ctx)->message, want);
    board_free(&b);
}

/* Progress as an embedder's bar sees it: one total, and a count that never goes back. */
typedef struct progress_log {
    unsigned events, connects, reads;
    dfu_phase first, last_phase;
    uint64_t total, last;
    int cancel_at_connect;
} progress_log;

static int log_progress(const dfu_progress *p, void *payload)
{
    progress_log *l = payload;
    if (!l->events++) {
        l->first = p->phase;
        l->total = p->overall_total;
    }
    if (p->overall_total != l->total)
        fail_msg("%s: the overall total changed from %llu to %llu", dfu_phase_name(p->phase),
                 (unsigned long long)l->total, (unsigned long long)p->overall_total);
    if (p->overall_done < l->last || p->overall_done > p->overall_total)
        fail_msg("%s: overall progress went from %llu to %llu of %llu", dfu_phase_name(p->phase),
                 (unsigned long long)l->last, (unsigned long long)p->overall_done,
                 (unsigned long long)p->overall_total);
    l->last = p->overall_done;
    l->last_phase = p->phase;
    l->connects += p->phase == DFU_PHASE_CONNECT;
    l->reads += p->phase == DFU_PHASE_READ;
    return p->phase == DFU_PHASE_CONNECT && l->cancel_at_connect;
}

/* An update starts with one connect event, while the device is brought to dfuIDLE, and ends
 * complete. Cancelled there, nothing has been sent. */
static void test_an_update_starts_with_connect(void **state)
{
    (void)state;
    board b;
    board_new(&b, "contract_connect", "stm32f405", NULL, 0x08000000, 20 * 1024, 0x20020000);
    progress_log l;
    memset(&l, 0, sizeof(l));
    l.cancel_at_connect = 1;
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_leave = true;
    o.progress = log_progress;
    o.payload = &l;
    dfu_plan *p;
    assert_int_equal(dfu_plan_new(&p, b.ctx, b.dev, b.img, &o), DFU_OK);
    dfu_device_stats before, after;
    dfu_device_get_stats(b.dev, &before);
    assert_int_equal(dfu_plan_execute(p, NULL), DFU_ERR_CANCELLED);
    dfu_device_get_stats(b.dev, &after);
    assert_int_equal(after.dnload, before.dnload);
    assert_int_equal(l.events, 1);
    assert_int_equal(l.first, DFU_PHASE_CONNECT);
    memset(&l, 0, sizeof(l));
    assert_int_equal(dfu_plan_execute(p, NULL), DFU_OK);
    dfu_plan_free(p);
    assert_int_equal(l.first, DFU_PHASE_CONNECT);
    assert_int_equal(l.connects, 1);
    assert_int_equal(l.last_phase, DFU_PHASE_DONE);
    assert_int_equal(l.last, l.total);
    board_free(&b);
}

/* A DFU 1.1 recovery reads the board back before it writes: that read moves the read phase, not
 * the recovery's overall count, which would otherwise run to the read's size and start again
 * at 0 for the write. When the board already holds the image, the count still ends complete. */
static void test_a_dfu11_recovery_never_goes_back(void **state)
{
    (void)state;
    board b;
    board_new(&b, "contract_dfu11_recover", "dfu11", "tolerant=1", 0x08010000, 20 * 1024,
              0x20020000);
    progress_log l;
    memset(&l, 0, sizeof(l));
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_leave = true;
    o.progress = log_progress;
    o.payload = &l;
    dfu_recovery rec;
    if (dfu_recover(b.ctx, b.dev, NULL, b.img, &o, &rec) != DFU_OK)
        fail_msg("%s", dfu_ctx_error(b.ctx)->message);
    assert_true(l.reads > 0);
    assert_int_equal(rec.result.written_bytes, 20 * 1024);
    assert_int_equal(l.last_phase, DFU_PHASE_DONE);
    assert_int_equal(l.last, l.total);
    memset(&l, 0, sizeof(l));
    assert_int_equal(dfu_recover(b.ctx, b.dev, NULL, b.img, &o, &rec), DFU_OK);
    assert_int_equal(rec.result.written_bytes, 0); /* it was there: only compared */
    assert_true(l.reads > 0);
    assert_int_equal(l.last_phase, DFU_PHASE_DONE);
    assert_int_equal(l.last, l.total);
    board_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_keeps_its_own_copies_of_the_option_strings),
        cmocka_unit_test(test_a_context_other_than_the_devices_is_refused),
        cmocka_unit_test(test_a_missing_alternate_setting_is_the_same_error_everywhere),
        cmocka_unit_test(test_differential_with_mass_erase_is_refused),
        cmocka_unit_test(test_an_update_starts_with_connect),
        cmocka_unit_test(test_a_dfu11_recovery_never_goes_back),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
