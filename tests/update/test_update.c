/*
 * The update engine on simulated boards, through the library: round trips per block, flaky
 * links, permanent failures, cancellation, differential flashing and recovery.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simutil.h"

typedef struct rig {
    dfu_ctx *ctx;
    char *dir;
    char spec[600];
    dfu_device *dev;
    dfu_image *img;
    uint8_t *bytes;
    uint32_t base, size;
} rig;

static void open_dev(rig *r)
{
    if (dfu_device_open(&r->dev, r->ctx, r->spec, NULL) != DFU_OK)
        fail_msg("open %s: %s", r->spec, dfu_ctx_error(r->ctx)->message);
}

static void rig_new(rig *r, const char *name, const char *profile, const char *extra, uint32_t base,
                    uint32_t size, uint32_t sp)
{
    memset(r, 0, sizeof(*r));
    dfu_ctx_new(&r->ctx);
    r->dir = tu_tmpdir(name);
    tu_sim_spec(r->spec, sizeof(r->spec), profile, r->dir, extra);
    r->base = base;
    r->size = size;
    r->bytes = tu_app_bytes(base, size, sp, 77);
    dfu_image_new(&r->img);
    dfu_image_add_target(r->img, -1, NULL, NULL);
    dfu_image_add_data(NULL, r->img, 0, base, r->bytes, size);
    open_dev(r);
}

static void rig_free(rig *r)
{
    dfu_device_close(r->dev);
    dfu_image_free(r->img);
    dfu_ctx_free(r->ctx);
    free(r->bytes);
    free(r->dir);
}

static int flash(rig *r, dfu_update_options *o, dfu_update_result *res)
{
    dfu_plan *p;
    int rc = dfu_plan_new(&p, r->ctx, r->dev, r->img, o);
    if (!rc) rc = dfu_plan_execute(p, res);
    dfu_plan_free(p);
    return rc;
}

/* The board holds exactly the image. It is r->dev's: read through that instance, which holds
 * the state file (a second one would be refused, busy). */
static void expect_image(const rig *r)
{
    uint8_t *got = malloc(r->size);
    assert_int_equal(dfu_sim_peek(dfu_device_sim(r->dev), r->base, got, r->size), DFU_OK);
    if (memcmp(got, r->bytes, r->size) != 0) fail_msg("%s does not hold the image", r->spec);
    free(got);
}

static void test_dfuse_one_download_per_block_plus_what_the_device_asks(void **state)
{
    (void)state;
    rig r;
    rig_new(&r, "upd_roundtrips", "stm32f405", NULL, 0x08000000, 40 * 1024, 0x20020000);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_verify = true;
    o.no_leave = true;
    o.order = DFU_ORDER_LINEAR;
    dfu_device_stats before, after;
    dfu_device_get_stats(r.dev, &before);
    dfu_update_result res;
    assert_int_equal(flash(&r, &o, &res), DFU_OK);
    dfu_device_get_stats(r.dev, &after);
    uint64_t dnload = after.dnload - before.dnload, erase = after.erase - before.erase;
    uint64_t set_address = after.set_address - before.set_address;
    uint64_t getstatus = after.getstatus - before.getstatus, blocks = 40 * 1024 / 2048;
    /* One Set Address for the one contiguous run (dfu-util sends one before every block). */
    assert_int_equal(set_address, 1);
    assert_int_equal(erase, 3);
    assert_int_equal(dnload, blocks + set_address + erase);
    /* The ST ROM answers dfuDNBUSY then dfuDNLOAD-IDLE: two polls per download, no more. */
    assert_int_equal(getstatus - 1 /* make_idle */, 2 * dnload);
    expect_image(&r);
    rig_free(&r);
}

/* The board's whole memory, through r->dev's instance (see expect_image). */
static uint8_t *snapshot(const rig *r, size_t *len)
{
    return tu_sim_memory(dfu_device_sim(r->dev), len);
}

/* Progress never goes backwards nor past the total, retries included. */
static int monotonic_cb(const dfu_progress *p, void *payload)
{
    uint64_t *last = payload;
    if (p->overall_done < *last || p->overall_done > p->overall_total)
        fail_msg("overall progress went from %llu to %llu (of %llu)", (unsigned long long)*last,
                 (unsigned long long)p->overall_done, (unsigned long long)p->overall_total);
    *last = p->overall_done;
    return 0;
}

static unsigned flaky(const char *profile, uint32_t base, uint32_t size, uint32_t sp,
                      const char *rate, int seed)
{
    char name[80], extra[64];
    snprintf(name, sizeof(name), "upd_flaky_%s_%s_%d", profile, rate, seed);
    snprintf(extra, sizeof(extra), "fault=xfer@rate:%s,seed=%d", rate, seed);
    rig r;
    rig_new(&r, name, profile, extra, base, size, sp);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_leave = true;
    uint64_t last = 0;
    o.progress = monotonic_cb;
    o.payload = &last;
    dfu_update_result res;
    int rc = flash(&r, &o, &res);
    if (rc) fail_msg("%s at %s: %s", profile, rate, dfu_ctx_error(r.ctx)->message);
    expect_image(&r);
    /* Identical results: the whole memory as a clean link leaves it. */
    rig ref;
    snprintf(name, sizeof(name), "upd_flaky_%s_ref", profile);
    rig_new(&ref, name, profile, NULL, base, size, sp);
    o.progress = NULL;
    assert_int_equal(flash(&ref, &o, NULL), DFU_OK);
    size_t n, n_ref;
    uint8_t *got = snapshot(&r, &n), *want = snapshot(&ref, &n_ref);
    assert_int_equal(n, n_ref);
    if (memcmp(got, want, n) != 0)
        fail_msg("%s at %s: memory differs from a clean run", profile, rate);
    free(got);
    free(want);
    rig_free(&ref);
    rig_free(&r);
    return res.retries;
}

static void test_flaky_links_succeed_with_identical_results(void **state)
{
    (void)state;
    const char *rates[] = {"0.01", "0.05"};
    for (int i = 0; i < 2; i++) {
        unsigned retries = 0;
        for (int seed = 1; seed <= 5; seed++) {
            retries += flaky("stm32f405", 0x08000000, 40 * 1024, 0x20020000, rates[i], seed);
            retries += flaky("stm32l476", 0x08000000, 20 * 1024, 0x20018000, rates[i], seed);
            retries += flaky("stm32h743", 0x08000000, 20 * 1024, 0x24080000, rates[i], seed);
            retries += flaky("dapboot-f103", 0x08002000, 12 * 1024, 0x20005000, rates[i], seed);
            retries += flaky("tinyusb", 0x08010000, 8 * 1024, 0x20020000, rates[i], seed);
        }
        /* The link did fail, and the updates came through by retrying. */
        if (!retries) fail_msg("no block was retried at rate %s", rates[i]);
    }
}

static void test_permanent_failure_stops_cleanly_and_keeps_the_journal(void **state)
{
    (void)state;
    rig r;
    rig_new(&r, "upd_permanent", "stm32f405", "fault=busy@block:4", 0x08000000, 40 * 1024,
            0x20020000);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    char *jdir = tu_path(r.dir, "journal");
    o.journal_dir = jdir;
    dfu_update_result res;
    int rc = flash(&r, &o, &res);
    assert_true(rc == DFU_ERR_TIMEOUT || rc == DFU_ERR_STALL || rc == DFU_ERR_PROTOCOL);
    dfu_journal *j;
    assert_int_equal(dfu_journal_open(&j, r.ctx, jdir, "sim-1"), DFU_OK);
    assert_true(dfu_journal_steps_done(j) >= 3); /* the erases at least */
    assert_true(dfu_journal_steps_done(j) < dfu_journal_step_count(j));
    dfu_journal_free(j);
    free(jdir);
    rig_free(&r);
}

/* Byte counts are per phase, as update.h says: a phase's total is all its steps together, its
 * count never goes backwards and ends at the total; events move within steps, at addresses
 * that never jump back to a step's start. */
typedef struct phase_log {
    uint64_t done[DFU_PHASE_DONE + 1], total[DFU_PHASE_DONE + 1];
    unsigned events[DFU_PHASE_DONE + 1];
    uint32_t last_address;
    size_t last_step;
    dfu_phase last_phase;
} phase_log;

static int phase_cb(const dfu_progress *p, void *payload)
{
    phase_log *l = payload;
    if (l->events[p->phase] && p->total != l->total[p->phase])
        fail_msg("%s total changed from %llu to %llu", dfu_phase_name(p->phase),
                 (unsigned long long)l->total[p->phase], (unsigned long long)p->total);
    if (p->done < l->done[p->phase] || p->done > p->total)
        fail_msg("%s went from %llu to %llu of %llu", dfu_phase_name(p->phase),
                 (unsigned long long)l->done[p->phase], (unsigned long long)p->done,
                 (unsigned long long)p->total);
    if (p->step == l->last_step && p->phase == l->last_phase && p->address < l->last_address)
        fail_msg("step %zu: the address went back from 0x%08x to 0x%08x", p->step, l->last_address,
                 p->address);
    l->done[p->phase] = p->done;
    l->total[p->phase] = p->total;
    l->events[p->phase]++;
    l->last_address = p->address;
    l->last_step = p->step;
    l->last_phase = p->phase;
    return 0;
}

typedef struct canceller {
    uint64_t after;
    bool fired;
    uint64_t seen;         /* overall_done of the last event */
    unsigned after_cancel; /* events after the callback asked to stop */
} canceller;

static int cancel_cb(const dfu_progress *p, void *payload)
{
    canceller *c = payload;
    if (c->fired) c->after_cancel++;
    c->seen = p->overall_done;
    if (p->phase == DFU_PHASE_WRITE && p->overall_done >= c->after) c->fired = true;
    return c->fired;
}

static void test_progress_counts_bytes_per_phase(void **state)
{
    (void)state;
    rig r;
    rig_new(&r, "upd_phase_progress", "stm32f405", NULL, 0x08000000, 100 * 1024, 0x20020000);
    phase_log l;
    memset(&l, 0, sizeof(l));
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_leave = true;
    o.progress = phase_cb;
    o.payload = &l;
    dfu_update_result res;
    assert_int_equal(flash(&r, &o, &res), DFU_OK);
    /* Sectors 0-3 (16 KiB) and 4 (64 KiB): 128 KiB erased, 100 KiB written and verified. */
    assert_int_equal(l.total[DFU_PHASE_ERASE], 128 * 1024);
    assert_int_equal(l.done[DFU_PHASE_ERASE], 128 * 1024);
    assert_int_equal(l.total[DFU_PHASE_WRITE], 100 * 1024);
    assert_int_equal(l.done[DFU_PHASE_WRITE], 100 * 1024);
    assert_int_equal(l.total[DFU_PHASE_VERIFY], 100 * 1024);
    assert_int_equal(l.done[DFU_PHASE_VERIFY], 100 * 1024);
    assert_true(l.events[DFU_PHASE_WRITE] >= 100 * 1024 / 2048); /* every block */
    expect_image(&r);
    rig_free(&r);
}

static void test_cancel_leaves_device_idle_and_recover_finishes(void **state)
{
    (void)state;
    rig r;
    rig_new(&r, "upd_cancel", "stm32f405", NULL, 0x08000000, 40 * 1024, 0x20020000);
    char *jdir = tu_path(r.dir, "journal");
    canceller c = {3 * 16384 + 16384 + 4096, false, 0, 0}; /* in the second write step */
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.journal_dir = jdir;
    o.progress = cancel_cb;
    o.payload = &c;
    dfu_update_result res;
    assert_int_equal(flash(&r, &o, &res), DFU_ERR_CANCELLED);
    assert_true(res.written_bytes >= 4096 && res.written_bytes < 40 * 1024);
    assert_int_equal(c.after_cancel, 0); /* asked to stop, the caller hears no more */
    /* The message counts what the caller was last told. */
    char after[64];
    snprintf(after, sizeof(after), "cancelled after %llu of", (unsigned long long)c.seen);
    if (!strstr(dfu_ctx_error(r.ctx)->message, after))
        fail_msg("\"%s\" lacks \"%s\"", dfu_ctx_error(r.ctx)->message, after);
    int st, status;
    assert_int_equal(dfu_device_get_status(r.dev, &st, &status), DFU_OK);
    assert_int_equal(st, DFU_STATE_DFU_IDLE);
    dfu_device_close(r.dev);
    r.dev = NULL;
    /* A new session: the journal says what to finish. */
    open_dev(&r);
    dfu_journal *j;
    assert_int_equal(dfu_journal_find(&j, r.ctx, jdir), DFU_OK);
    dfu_update_options ro = DFU_UPDATE_OPTIONS_INIT;
    ro.journal_dir = jdir;
    phase_log l;
    memset(&l, 0, sizeof(l));
    ro.progress = phase_cb;
    ro.payload = &l;
    dfu_recovery rec;
    assert_int_equal(dfu_recover(r.ctx, r.dev, j, NULL, &ro, &rec), DFU_OK);
    /* It read every sector of the plan back first, and said so as it went. */
    assert_int_equal(l.total[DFU_PHASE_READ], 3 * 16384); /* 40 KiB: sectors 0-2 */
    assert_int_equal(l.done[DFU_PHASE_READ], l.total[DFU_PHASE_READ]);
    assert_true(l.events[DFU_PHASE_READ] >= 6);
    assert_true(rec.had_journal && rec.read_back);
    assert_true(rec.result.verified);
    assert_true(rec.sectors_intact >= 1); /* what was finished before the cancel stayed */
    dfu_journal_free(j);
    assert_int_equal(dfu_journal_find(&j, r.ctx, jdir), DFU_ERR_NOT_FOUND);
    expect_image(&r);
    free(jdir);
    rig_free(&r);
}

static void test_differential_flash_skips_what_is_there(void **state)
{
    (void)state;
    rig r;
    rig_new(&r, "upd_diff", "stm32f405", NULL, 0x08000000, 40 * 1024, 0x20020000);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_leave = true;
    dfu_update_result res;
    assert_int_equal(flash(&r, &o, &res), DFU_OK);
    o.differential = true;
    assert_int_equal(flash(&r, &o, &res), DFU_OK);
    assert_int_equal(res.sectors_erased, 0);
    assert_int_equal(res.sectors_skipped, 3);
    assert_int_equal(res.written_bytes, 0);
    assert_int_equal(res.skipped_bytes, 40 * 1024);
    assert_true(res.verified);
    rig_free(&r);
}

static void test_recover_without_upload_trusts_only_confirmed_sectors(void **state)
{
    (void)state;
    rig r;
    rig_new(&r, "upd_noupload", "stm32f405", "fault=unplug@block:14", 0x08000000, 40 * 1024,
            0x20020000);
    char *jdir = tu_path(r.dir, "journal");
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.journal_dir = jdir;
    dfu_update_result res;
    assert_int_equal(flash(&r, &o, &res), DFU_ERR_DISCONNECTED);
    dfu_device_close(r.dev);
    /* The cable comes back; this time the device is opened as one that cannot upload. */
    char *p = strstr(r.spec, ",fault");
    *p = '\0';
    dfu_open_options oo = DFU_OPEN_OPTIONS_INIT;
    oo.quirks = "0483:df11 no-upload";
    assert_int_equal(dfu_device_open(&r.dev, r.ctx, r.spec, &oo), DFU_OK);
    dfu_journal *j;
    assert_int_equal(dfu_journal_find(&j, r.ctx, jdir), DFU_OK);
    dfu_recovery rec;
    dfu_update_options ro = DFU_UPDATE_OPTIONS_INIT;
    ro.journal_dir = jdir;
    assert_int_equal(dfu_recover(r.ctx, r.dev, j, NULL, &ro, &rec), DFU_OK);
    assert_false(rec.read_back);
    /* Safe order wrote sectors 1 and 2 first (blocks 0-11); block 14 was in sector 0, the last. */
    assert_int_equal(rec.sectors_intact, 2);
    assert_int_equal(rec.sectors_redone, 1);
    dfu_journal_free(j);
    expect_image(&r);
    free(jdir);
    rig_free(&r);
}

/* Found by fuzz_device: a DfuSe device places block N at pointer + (N - 2) x ITS transfer size
 * (AN3156), so with --transfer-size smaller than the device's, one Set Address per run put every
 * block after the first at the wrong address; verify read them back the same wrong way and
 * reported success. */
static void overridden_transfer_size(const char *profile, uint16_t xfer, uint32_t sp)
{
    char name[64];
    snprintf(name, sizeof(name), "upd_xfer_%s_%u", profile, xfer);
    rig r;
    rig_new(&r, name, profile, NULL, 0x08000000, 5000, sp);
    dfu_device_close(r.dev);
    dfu_open_options oo = DFU_OPEN_OPTIONS_INIT;
    oo.transfer_size = xfer;
    assert_int_equal(dfu_device_open(&r.dev, r.ctx, r.spec, &oo), DFU_OK);
    assert_int_equal(dfu_device_transfer_size(r.dev), xfer);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_leave = true;
    dfu_update_result res;
    if (flash(&r, &o, &res)) fail_msg("%s: %s", name, dfu_ctx_error(r.ctx)->message);
    assert_true(res.verified);
    expect_image(&r);
    /* Reading with the same override gives the image back. */
    dfu_image *back;
    assert_int_equal(dfu_device_read(&back, r.dev, 0x08000000, 5000, NULL, NULL), DFU_OK);
    uint8_t got[5000];
    dfu_image_read(back, 0, 0x08000000, got, sizeof(got), 0xFF);
    assert_memory_equal(got, r.bytes, sizeof(got));
    dfu_image_free(back);
    rig_free(&r);
}

static void test_dfuse_blocks_land_right_with_any_transfer_size(void **state)
{
    (void)state;
    overridden_transfer_size("stm32f405", 1024, 0x20020000);
    overridden_transfer_size("stm32f405", 1000, 0x20020000);
    overridden_transfer_size("stm32h743", 256, 0x24080000);
    overridden_transfer_size("stm32l476", 1024, 0x20018000);
}

static void reopen_with_transfer_size(rig *r, uint16_t xfer)
{
    dfu_device_close(r->dev);
    dfu_open_options oo = DFU_OPEN_OPTIONS_INIT;
    oo.transfer_size = xfer;
    assert_int_equal(dfu_device_open(&r->dev, r->ctx, r->spec, &oo), DFU_OK);
    assert_int_equal(dfu_device_transfer_size(r->dev), xfer);
}

/* Found by fuzz_device: DFU 1.1 has no Set Address, and devices such as TinyUSB's place block N
 * at N x their own wTransferSize: 256-byte blocks to a 512-byte device went to the wrong places
 * and were read back the same wrong way, "verified". Such a transfer size is refused before
 * anything is written unless forced, and reads always use the device's own size. */
static void test_dfu11_refuses_a_transfer_size_not_the_devices(void **state)
{
    (void)state;
    rig r;
    rig_new(&r, "upd_dfu11_xfer", "tinyusb", "tolerant=1", 0x08010000, 3000, 0x20020000);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_leave = true;
    dfu_update_result res;
    assert_int_equal(flash(&r, &o, &res), DFU_OK); /* the board holds the image */
    reopen_with_transfer_size(&r, 256);
    dfu_plan *p = NULL;
    assert_int_equal(dfu_plan_new(&p, r.ctx, r.dev, r.img, NULL), DFU_ERR_REFUSED);
    const char *msg = dfu_ctx_error(r.ctx)->message;
    if (!strstr(msg, "512") || !strstr(msg, "256") || !strstr(msg, "`force` option"))
        fail_msg("%s", msg);
    /* A read is harmless and right: it asks for blocks of the device's own size. */
    dfu_image *back = NULL;
    assert_int_equal(dfu_device_read(&back, r.dev, 0x08010000, 3000, NULL, NULL), DFU_OK);
    uint8_t got[3000];
    dfu_image_read(back, 0, 0x08010000, got, sizeof(got), 0xFF);
    assert_memory_equal(got, r.bytes, sizeof(got));
    dfu_image_free(back);
    rig_free(&r);
}

/* Forced onto a device that places blocks by number, the read-back in the device's own size
 * finds the misplaced blocks (it used to read them back the same wrong way); flashing again at
 * the device's own size puts everything right. */
static void test_dfu11_forced_transfer_size_misplaced_is_caught(void **state)
{
    (void)state;
    rig r;
    rig_new(&r, "upd_dfu11_xfer_forced", "tinyusb", "tolerant=1", 0x08010000, 3000, 0x20020000);
    reopen_with_transfer_size(&r, 256);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_leave = true;
    o.force = true;
    dfu_update_result res;
    assert_int_equal(flash(&r, &o, &res), DFU_ERR_VERIFY);
    assert_false(res.verified);
    const char *msg = dfu_ctx_error(r.ctx)->message;
    if (!strstr(msg, "0x08010100")) fail_msg("the first misplaced block is at 0x08010100: %s", msg);
    reopen_with_transfer_size(&r, 512);
    o.force = false;
    assert_int_equal(flash(&r, &o, &res), DFU_OK);
    assert_true(res.verified);
    expect_image(&r);
    rig_free(&r);
}

/* Recovery from a journal trusts the checks made when the update was planned (its vector
 * table), not a transfer size given only now: that is refused as in a flash. */
static void test_dfu11_recover_refuses_a_transfer_size_not_the_devices(void **state)
{
    (void)state;
    rig r;
    rig_new(&r, "upd_dfu11_xfer_recover", "tinyusb", "tolerant=1,fault=unplug@block:3", 0x08010000,
            3000, 0x20020000);
    char *jdir = tu_path(r.dir, "journal");
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.journal_dir = jdir;
    assert_int_not_equal(flash(&r, &o, NULL), DFU_OK);
    char *fault = strstr(r.spec, ",fault=");
    *fault = '\0'; /* the board comes back without the fault */
    reopen_with_transfer_size(&r, 256);
    dfu_journal *j;
    assert_int_equal(dfu_journal_find(&j, r.ctx, jdir), DFU_OK);
    dfu_update_options ro = DFU_UPDATE_OPTIONS_INIT;
    ro.journal_dir = jdir;
    assert_int_equal(dfu_recover(r.ctx, r.dev, j, NULL, &ro, NULL), DFU_ERR_REFUSED);
    if (!strstr(dfu_ctx_error(r.ctx)->message, "could land in the wrong places"))
        fail_msg("%s", dfu_ctx_error(r.ctx)->message);
    reopen_with_transfer_size(&r, 512);
    assert_int_equal(dfu_recover(r.ctx, r.dev, j, NULL, &ro, NULL), DFU_OK);
    dfu_journal_free(j);
    expect_image(&r);
    free(jdir);
    rig_free(&r);
}

/* Forced onto a device that stores blocks one after the other (dapboot), any size works. */
static void test_dfu11_forced_transfer_size_on_a_streaming_device(void **state)
{
    (void)state;
    static const uint16_t sizes[] = {64, 256, 1000};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "upd_dfu11_stream_%u", sizes[i]);
        rig r;
        rig_new(&r, name, "dapboot-f103", NULL, 0x08002000, 5000, 0x20005000);
        reopen_with_transfer_size(&r, sizes[i]);
        dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
        o.no_leave = true;
        o.force = true;
        dfu_update_result res;
        if (flash(&r, &o, &res)) fail_msg("%u: %s", sizes[i], dfu_ctx_error(r.ctx)->message);
        assert_true(res.verified);
        assert_int_equal(res.written_bytes, 5000);
        expect_image(&r);
        rig_free(&r);
    }
}

/* Reading and erasing on their own, over a link that loses 5% of its transfers, retry as an
 * update does and give the same result as over a clean one. */
static void test_single_operations_retry_over_a_flaky_link(void **state)
{
    (void)state;
    rig r;
    rig_new(&r, "upd_ops_flaky", "stm32f405", "fault=xfer@rate:0.05,seed=11", 0x08000000, 40 * 1024,
            0x20020000);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_leave = true;
    dfu_update_result res;
    if (flash(&r, &o, &res)) fail_msg("flash: %s", dfu_ctx_error(r.ctx)->message);
    for (int round = 0; round < 3; round++) {
        dfu_image *back = NULL;
        if (dfu_device_read(&back, r.dev, r.base, r.size, NULL, NULL))
            fail_msg("read: %s", dfu_ctx_error(r.ctx)->message);
        uint8_t *got = malloc(r.size);
        dfu_image_read(back, 0, r.base, got, r.size, 0);
        assert_memory_equal(got, r.bytes, r.size);
        free(got);
        dfu_image_free(back);
    }
    /* The second 16 KiB sector erased, the first kept. */
    if (dfu_device_erase(r.dev, 0x08004000, 16 * 1024, NULL, NULL))
        fail_msg("erase: %s", dfu_ctx_error(r.ctx)->message);
    dfu_image *back = NULL;
    if (dfu_device_read(&back, r.dev, r.base, 32 * 1024, NULL, NULL))
        fail_msg("read: %s", dfu_ctx_error(r.ctx)->message);
    uint8_t got[32 * 1024];
    dfu_image_read(back, 0, r.base, got, sizeof(got), 0);
    assert_memory_equal(got, r.bytes, 16 * 1024);
    for (size_t i = 16 * 1024; i < sizeof(got); i++) assert_int_equal(got[i], 0xFF);
    dfu_image_free(back);
    rig_free(&r);
}

/* An erase that keeps failing is reported with what failed, and the device is left in dfuIDLE,
 * not in the dfuERROR of the last attempt. */
static void test_single_operation_failure_leaves_device_idle(void **state)
{
    (void)state;
    rig r;
    rig_new(&r, "upd_ops_fail", "stm32f405",
            "fault=stall@command:0,fault=stall@command:1,fault=stall@command:2,"
            "fault=stall@command:3",
            0x08000000, 1024, 0x20020000);
    assert_int_equal(dfu_device_erase(r.dev, 0x08004000, 16 * 1024, NULL, NULL), DFU_ERR_STALL);
    const char *msg = dfu_ctx_error(r.ctx)->message;
    if (!strstr(msg, "0x08004000")) fail_msg("%s", msg);
    int st = -1, status = -1;
    assert_int_equal(dfu_device_get_status(r.dev, &st, &status), DFU_OK);
    assert_int_equal(st, DFU_STATE_DFU_IDLE);
    assert_int_equal(status, DFU_STATUS_OK);
    rig_free(&r);
}

/* A mass erase takes what the device takes: the F405 claims 100 ms and holds the next GETSTATUS
 * until it is done; the host must not sleep dfu-util's fixed 35 s instead. */
static void test_mass_erase_waits_only_as_long_as_the_device(void **state)
{
    (void)state;
    rig r;
    rig_new(&r, "upd_mass_time", "stm32f405", NULL, 0x08000000, 16 * 1024, 0x20020000);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.mass_erase = true;
    o.no_verify = true;
    dfu_update_result res;
    assert_int_equal(flash(&r, &o, &res), DFU_OK);
    expect_image(&r);
    /* The model's 1 MiB mass erase is 16 s (DS8626 typical); the write is well under 1 s. */
    assert_true(res.elapsed_us >= 16000000u);
    if (res.elapsed_us >= 20000000u)
        fail_msg("the update took %llu ms", (unsigned long long)(res.elapsed_us / 1000u));
    rig_free(&r);
}

/* retries 0 means none from options version 2; older (and zero-filled) options meant the
 * default by it, and keep that meaning. */
static void test_retries_zero_by_options_version(void **state)
{
    (void)state;
    for (unsigned version = 1; version <= 2; version++) {
        char name[32];
        snprintf(name, sizeof(name), "upd_retries_v%u", version);
        rig r;
        rig_new(&r, name, "stm32f405", "fault=stall@block:3", 0x08000000, 16 * 1024, 0x20020000);
        dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
        o.version = version;
        o.retries = 0;
        o.no_leave = true;
        dfu_update_result res;
        int rc = flash(&r, &o, &res);
        if (version == 1) {
            assert_int_equal(rc, DFU_OK);
            assert_int_equal(res.retries, 1);
        } else {
            assert_int_equal(rc, DFU_ERR_STALL);
        }
        rig_free(&r);
    }
}

/* Options not made with their _INIT macro (zero-filled) or from newer headers are refused,
 * never read past their end. */
static void test_unknown_options_versions_are_refused(void **state)
{
    (void)state;
    rig r;
    rig_new(&r, "upd_opts_version", "stm32f405", NULL, 0x08000000, 4096, 0x20020000);
    dfu_update_options zero;
    memset(&zero, 0, sizeof(zero));
    dfu_update_options newer = DFU_UPDATE_OPTIONS_INIT;
    newer.version = DFU_UPDATE_OPTIONS_VERSION + 1;
    const dfu_update_options *bad[] = {&zero, &newer};
    for (size_t i = 0; i < 2; i++) {
        dfu_plan *p = NULL;
        assert_int_equal(dfu_plan_new(&p, r.ctx, r.dev, r.img, bad[i]), DFU_ERR_ARG);
        assert_null(p);
        assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "dfu_update_options version"));
        dfu_recovery rec;
        assert_int_equal(dfu_recover(r.ctx, r.dev, NULL, r.img, bad[i], &rec), DFU_ERR_ARG);
    }
    dfu_load_options lo;
    memset(&lo, 0, sizeof(lo));
    dfu_image *img = NULL;
    assert_int_equal(
        dfu_image_parse(&img, r.ctx, (const uint8_t *)":00000001FF\n", 12, "x.hex", &lo),
        DFU_ERR_ARG);
    dfu_open_options oo;
    memset(&oo, 0, sizeof(oo));
    dfu_device *dev = NULL;
    assert_int_equal(dfu_device_open(&dev, r.ctx, r.spec, &oo), DFU_ERR_ARG);
    assert_null(dev);
    rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_options_versions_are_refused),
        cmocka_unit_test(test_retries_zero_by_options_version),
        cmocka_unit_test(test_mass_erase_waits_only_as_long_as_the_device),
        cmocka_unit_test(test_dfuse_one_download_per_block_plus_what_the_device_asks),
        cmocka_unit_test(test_flaky_links_succeed_with_identical_results),
        cmocka_unit_test(test_permanent_failure_stops_cleanly_and_keeps_the_journal),
        cmocka_unit_test(test_cancel_leaves_device_idle_and_recover_finishes),
        cmocka_unit_test(test_progress_counts_bytes_per_phase),
        cmocka_unit_test(test_differential_flash_skips_what_is_there),
        cmocka_unit_test(test_recover_without_upload_trusts_only_confirmed_sectors),
        cmocka_unit_test(test_dfuse_blocks_land_right_with_any_transfer_size),
        cmocka_unit_test(test_single_operations_retry_over_a_flaky_link),
        cmocka_unit_test(test_single_operation_failure_leaves_device_idle),
        cmocka_unit_test(test_dfu11_refuses_a_transfer_size_not_the_devices),
        cmocka_unit_test(test_dfu11_forced_transfer_size_misplaced_is_caught),
        cmocka_unit_test(test_dfu11_forced_transfer_size_on_a_streaming_device),
        cmocka_unit_test(test_dfu11_recover_refuses_a_transfer_size_not_the_devices),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
