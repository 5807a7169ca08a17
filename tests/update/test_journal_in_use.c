/*
 * A journal belongs to the update that writes it while that update runs: discarding or
 * recovering it from elsewhere (another dfuctl on a production line: `recover --discard`) would
 * leave the live update without the journal an interruption needs. Once the update has ended,
 * completed or not, the journal is free again. A recovery holds its journal the same way, and
 * a second update or recovery at the same journal path is refused before it touches its device.
 */
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
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
    if (!strstr(pr.message, "another update or recovery is using the journal"))
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

/* Files in dir whose name ends with suffix. */
static int files_ending(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name), s = strlen(suffix);
        n += len >= s && strcmp(e->d_name + len - s, suffix) == 0;
    }
    closedir(d);
    return n;
}

static int count_events(const dfu_progress *p, void *payload)
{
    (void)p;
    (*(int *)payload)++;
    return 0;
}

/* Another board at the same port path, and what trying to use the busy journal for it did. */
typedef struct rival {
    const char *journal_dir;
    const char *spec; /* the other board */
    const dfu_image *img;
    dfu_phase when;
    bool tried;
    int plan_rc, recover_rc, discard_rc;
    int plan_events;
    uint64_t transfers_before, transfers_after;
    dfu_ctx *own_ctx; /* with own: the journal being recovered, discarded from its own process */
    dfu_journal *own;
    int own_rc;
} rival;

/* Mid-way through the update or recovery holding the journal: a second update of another board
 * at the same port path, keeping its journal in the same directory; a recovery of the journal
 * for that board; and a discard. */
static int try_rivals(const dfu_progress *p, void *payload)
{
    rival *r = payload;
    if (r->tried || p->phase != r->when) return 0;
    r->tried = true;
    dfu_ctx *other;
    assert_int_equal(dfu_ctx_new(&other), DFU_OK);
    dfu_device *dev;
    assert_int_equal(dfu_device_open(&dev, other, r->spec, NULL), DFU_OK);
    dfu_sim_stats st;
    dfu_sim_get_stats(dfu_device_sim(dev), &st);
    r->transfers_before = st.control_transfers;
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.journal_dir = r->journal_dir;
    o.progress = count_events;
    o.payload = &r->plan_events;
    dfu_plan *plan;
    assert_int_equal(dfu_plan_new(&plan, other, dev, r->img, &o), DFU_OK);
    r->plan_rc = dfu_plan_execute(plan, NULL);
    dfu_plan_free(plan);
    dfu_journal *j = NULL;
    assert_int_equal(dfu_journal_find(&j, other, r->journal_dir), DFU_OK);
    r->recover_rc = dfu_recover(other, dev, j, NULL, &o, NULL);
    r->discard_rc = dfu_journal_discard(other, j);
    dfu_journal_free(j);
    if (r->own) r->own_rc = dfu_journal_discard(r->own_ctx, r->own);
    dfu_sim_get_stats(dfu_device_sim(dev), &st);
    r->transfers_after = st.control_transfers;
    dfu_device_close(dev);
    dfu_ctx_free(other);
    return 0;
}

static void expect_rivals_refused(const rival *r)
{
    assert_true(r->tried);
    assert_int_equal(r->plan_rc, DFU_ERR_BUSY);
    assert_int_equal(r->recover_rc, DFU_ERR_BUSY);
    assert_int_equal(r->discard_rc, DFU_ERR_BUSY);
    /* Refused before the device was touched: no request, not even a progress event. */
    assert_int_equal(r->plan_events, 0);
    assert_int_equal(r->transfers_after, r->transfers_before);
}

static void test_second_update_at_the_journal_path_refused(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("journal_two_updates"), *journal = tu_path(dir, "journal");
    char spec[600], other[600];
    snprintf(spec, sizeof(spec), "sim:stm32f405,state=%s/a.img,path=1-1", dir);
    snprintf(other, sizeof(other), "sim:stm32f405,state=%s/b.img,path=1-1", dir);
    uint8_t *bytes;
    dfu_image *img = app_image(&bytes);
    dfu_ctx *ctx;
    assert_int_equal(dfu_ctx_new(&ctx), DFU_OK);
    dfu_device *dev;
    assert_int_equal(dfu_device_open(&dev, ctx, spec, NULL), DFU_OK);
    rival r = {journal, other, img, DFU_PHASE_WRITE, false, 0, 0, 0, 0, 0, 0, NULL, NULL, 0};
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.journal_dir = journal;
    o.progress = try_rivals;
    o.payload = &r;
    dfu_plan *p;
    assert_int_equal(dfu_plan_new(&p, ctx, dev, img, &o), DFU_OK);
    assert_int_equal(dfu_plan_execute(p, NULL), DFU_OK);
    expect_rivals_refused(&r);
    dfu_plan_free(p);
    dfu_device_close(dev);
    /* Completed: its journal, image copy and lock file are gone. */
    assert_int_equal(files_ending(journal, ".journal"), 0);
    assert_int_equal(files_ending(journal, ".dfu"), 0);
    assert_int_equal(files_ending(journal, ".lock"), 0);
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

/* A recovery holds the journal it recovers until it ends: keeping its own journal in the same
 * place (as dfuctl does) or not. */
static void recovery_holds_its_journal(const char *name, bool keeps_journal)
{
    char *dir = tu_tmpdir(name), *journal = tu_path(dir, "journal");
    char spec[600], faulty[700], other[600];
    snprintf(spec, sizeof(spec), "sim:stm32f405,state=%s/a.img,path=1-1", dir);
    snprintf(faulty, sizeof(faulty), "%s,fault=unplug@block:10", spec);
    snprintf(other, sizeof(other), "sim:stm32f405,state=%s/b.img,path=1-1", dir);
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
    /* The interrupted update's lock is gone with it. */
    assert_int_equal(files_ending(journal, ".journal"), 1);
    assert_int_equal(files_ending(journal, ".lock"), 0);

    assert_int_equal(dfu_device_open(&dev, ctx, spec, NULL), DFU_OK);
    dfu_journal *j = NULL;
    assert_int_equal(dfu_journal_find(&j, ctx, journal), DFU_OK);
    rival r = {journal, other, img, DFU_PHASE_WRITE, false, 0, 0, 0, 0, 0, 0, NULL, NULL, 0};
    dfu_update_options ro = DFU_UPDATE_OPTIONS_INIT;
    ro.journal_dir = keeps_journal ? journal : NULL;
    ro.progress = try_rivals;
    ro.payload = &r;
    r.own_ctx = ctx;
    r.own = j;
    r.own_rc = DFU_OK;
    dfu_recovery rec;
    assert_int_equal(dfu_recover(ctx, dev, j, NULL, &ro, &rec), DFU_OK);
    expect_rivals_refused(&r);
    /* Discarding j itself while it is being recovered is refused too. */
    assert_int_equal(r.own_rc, DFU_ERR_BUSY);
    assert_true(rec.had_journal);
    assert_int_equal(files_ending(journal, ".journal"), 0);
    assert_int_equal(files_ending(journal, ".lock"), 0);
    /* Ended: j is free (nothing left to discard, but no longer busy). */
    assert_int_equal(dfu_journal_discard(ctx, j), DFU_OK);
    dfu_journal_free(j);
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

static void test_recovery_keeping_a_journal_holds_it(void **state)
{
    (void)state;
    recovery_holds_its_journal("journal_recovery_keeps", true);
}

static void test_recovery_without_a_journal_holds_it(void **state)
{
    (void)state;
    recovery_holds_its_journal("journal_recovery_plain", false);
}

/* A lock file that cannot be made (here a directory stands in its place; in the field, a
 * read-only journal directory) stops neither a recovery nor an update, as a journal that cannot
 * be written does not: they warn and go on. A discard, which must remove the files, fails. */
static void test_a_lock_that_cannot_be_made_stops_no_recovery(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("journal_lock_unmade"), *journal = tu_path(dir, "journal");
    char spec[600], faulty[700];
    snprintf(spec, sizeof(spec), "sim:stm32f405,state=%s/a.img,path=1-1", dir);
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
    char *lock = tu_path(journal, "1-1.journal.lock");
    assert_int_equal(mkdir(lock, 0700), 0);

    dfu_journal *j = NULL;
    assert_int_equal(dfu_journal_find(&j, ctx, journal), DFU_OK);
    assert_int_not_equal(dfu_journal_discard(ctx, j), DFU_OK);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "cannot lock the journal"));
    assert_int_equal(dfu_device_open(&dev, ctx, spec, NULL), DFU_OK);
    dfu_update_options ro = DFU_UPDATE_OPTIONS_INIT;
    dfu_recovery rec;
    if (dfu_recover(ctx, dev, j, NULL, &ro, &rec) != DFU_OK)
        fail_msg("recover: %s", dfu_ctx_error(ctx)->message);
    assert_true(rec.had_journal && rec.result.verified);
    dfu_journal_free(j);
    dfu_device_close(dev);
    uint8_t *got = malloc(40 * 1024);
    tu_sim_peek(spec, 0x08000000, got, 40 * 1024);
    assert_memory_equal(got, bytes, 40 * 1024);
    free(got);
    rmdir(lock);
    free(lock);
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
        cmocka_unit_test(test_second_update_at_the_journal_path_refused),
        cmocka_unit_test(test_recovery_keeping_a_journal_holds_it),
        cmocka_unit_test(test_recovery_without_a_journal_holds_it),
        cmocka_unit_test(test_a_lock_that_cannot_be_made_stops_no_recovery),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
