/* One fault case: faulted update in a child process, power-up, recovery, checks. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "sweep.h"

static void copy_file(const char *from, const char *to)
{
    size_t n;
    uint8_t *d = tu_read_file(from, &n);
    assert_non_null(d);
    tu_write_file(to, d, n);
    free(d);
}

/* Follows the update's trace: kills the host at event kill_at; in the reference run, notes
 * which program operation writes the vector table's head. */
typedef struct watch {
    uint64_t events, kill_at;
    const sweep_env *e;
    dfu_sim *sim; /* NULL: nothing to note */
    bool head_right;
    uint64_t head_program;
    bool head_last;
} watch;

static bool sim_holds(dfu_sim *sim, uint32_t address, const uint8_t *want, size_t len)
{
    uint8_t *now = malloc(len);
    bool same = dfu_sim_peek(sim, address, now, len) == DFU_OK && memcmp(now, want, len) == 0;
    free(now);
    return same;
}

static void on_event(const char *line, void *payload)
{
    (void)line;
    watch *w = payload;
    if (++w->events == w->kill_at) kill(getpid(), SIGKILL); /* the host dies here, mid-update */
    if (!w->sim) return;
    const sweep_profile *p = w->e->p;
    bool right = sim_holds(w->sim, p->base, w->e->bytes, SWEEP_HEAD);
    if (right && !w->head_right) {
        dfu_sim_stats st;
        dfu_sim_get_stats(w->sim, &st);
        w->head_program = st.programs - 1;
        w->head_last =
            sim_holds(w->sim, p->base + SWEEP_HEAD, w->e->bytes + SWEEP_HEAD, p->size - SWEEP_HEAD);
    }
    w->head_right = right;
}

/* The update as dfuctl flash runs it, in this process. Returns a dfu_error. */
static int update(const sweep_env *e, const char *spec, const char *journal, uint64_t kill_at,
                  sweep_ref *ref)
{
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_device *dev;
    int rc = dfu_device_open(&dev, ctx, spec, NULL);
    if (rc) {
        if (e->verbose) fprintf(stderr, "open %s: %s\n", spec, dfu_ctx_error(ctx)->message);
        dfu_ctx_free(ctx);
        return rc;
    }
    dfu_sim *sim = dfu_device_sim(dev);
    watch w = {0, kill_at, e, ref ? sim : NULL, false, UINT64_MAX, false};
    if (ref) w.head_right = sim_holds(sim, e->p->base, e->bytes, SWEEP_HEAD);
    dfu_sim_set_trace(sim, on_event, &w);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.journal_dir = journal;
    o.order = strcmp(e->p->order, "linear") == 0 ? DFU_ORDER_LINEAR : DFU_ORDER_SAFE;
    o.mass_erase = e->p->mass_erase;
    o.image_path = "sweep.img";
    dfu_plan *plan;
    rc = dfu_plan_new(&plan, ctx, dev, e->img, &o);
    if (!rc) rc = dfu_plan_execute(plan, NULL);
    if (rc && e->verbose) fprintf(stderr, "update: %s\n", dfu_ctx_error(ctx)->message);
    if (ref) {
        dfu_sim_get_stats(sim, &ref->stats);
        ref->trace_events = w.events;
        ref->head_program = w.head_program;
        ref->head_last = w.head_last;
    }
    dfu_plan_free(plan);
    dfu_device_close(dev);
    dfu_ctx_free(ctx);
    return rc;
}

/* Runs the update in a child so that a killed or crashed host cannot take the harness along. */
static int update_in_child(const sweep_env *e, const char *spec, const char *journal,
                           uint64_t kill_at)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(update(e, spec, journal, kill_at, NULL) == DFU_OK ? 0 : 1);
    int status;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) return WTERMSIG(status) == SIGKILL ? -SIGKILL : -1000;
    return WEXITSTATUS(status);
}

static void spec_for(char *buf, size_t cap, const sweep_env *e, const char *state,
                     const char *extra)
{
    snprintf(buf, cap, "sim:%s,state=%s%s%s", e->p->name, state, extra ? "," : "",
             extra ? extra : "");
}

/* Plugs the board in again as a user would, and says whether it is in DFU mode by itself; if
 * not, holds the bootloader button and plugs it in again. */
static bool power_up(const char *spec)
{
    dfu_ctx *ctx;
    dfu_sim *sim;
    dfu_ctx_new(&ctx);
    assert_int_equal(dfu_sim_new(&sim, ctx, spec), DFU_OK);
    dfu_sim_power_cycle(sim, 0);
    dfu_sim_bus bus;
    dfu_sim_bus_status(sim, 10000000, &bus);
    bool by_itself = bus.present && bus.dfu_capable && dfu_sim_in_bootloader(sim);
    if (!by_itself) {
        dfu_sim_hold_bootloader_button(sim, true);
        dfu_sim_power_cycle(sim, 20000000);
        dfu_sim_bus_status(sim, 30000000, &bus);
        assert_true(dfu_sim_in_bootloader(sim));
    }
    dfu_sim_free(sim);
    dfu_ctx_free(ctx);
    return by_itself;
}

static bool journal_pending(const char *dir)
{
    dfu_journal *j;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    bool pending = dfu_journal_find(&j, ctx, dir) == DFU_OK;
    if (pending) dfu_journal_free(j);
    dfu_ctx_free(ctx);
    return pending;
}

static bool memory_is(const sweep_env *e, const char *spec, const uint8_t *want)
{
    size_t n;
    uint8_t *now = tu_sim_snapshot(spec, &n);
    bool same = n == e->ref.mem_len && memcmp(now, want, n) == 0;
    free(now);
    return same;
}

/* After a mass erase cut short and finished by a recovery (which erases sectors, not the
 * chip), flash outside the image may still hold what was there: each byte there is as before
 * or as a clean update leaves it, but for the one byte at the boundary of an erase cut in the
 * middle, which is anything. */
static bool outside_image_ok(const sweep_env *e, const uint8_t *now, size_t n)
{
    size_t odd = 0, img = e->ref.image_offset, img_end = img + e->p->size;
    for (size_t i = 0; i < n; i++)
        if ((i < img || i >= img_end) && now[i] != e->ref.final[i] && now[i] != e->ref.initial[i])
            odd++;
    return odd <= 1 && memcmp(now + img, e->ref.final + img, e->p->size) == 0;
}

/* Memory must be what a clean update leaves: the image where it goes, erased sectors erased,
 * everything else (the bootloader included) as it was. */
static bool memory_ok(const sweep_env *e, const char *spec, const char *what)
{
    size_t n;
    uint8_t *now = tu_sim_snapshot(spec, &n);
    bool ok = n == e->ref.mem_len && memcmp(now, e->ref.final, n) == 0;
    if (!ok && n == e->ref.mem_len && e->p->mass_erase) ok = outside_image_ok(e, now, n);
    if (!ok && e->verbose) {
        size_t i = 0;
        while (i < n && now[i] == e->ref.final[i]) i++;
        fprintf(stderr, "%s: memory differs from a clean update at offset %zu\n", what, i);
    }
    free(now);
    return ok;
}

/* `dfuctl recover` with the journal alone: it must say it found the interrupted update, finish
 * it, and leave no journal behind. */
static bool recover_from_journal(const sweep_env *e, const char *clean, const char *journal,
                                 const char *fault)
{
    tu_result r;
    tu_dfuctl(&r, "recover", "-d", clean, "--journal-dir", journal, "--json", NULL);
    bool found = false;
    for (size_t i = 0; i < tu_json_line_count(r.out); i++) {
        tu_json *v = tu_json_parse_line(r.out, i);
        const tu_json *type = v ? tu_json_get(v, "type") : NULL;
        const tu_json *jf = v ? tu_json_get(v, "journal_found") : NULL;
        if (type && type->type == TU_JSON_STRING && strcmp(type->string, "recovery") == 0 && jf)
            found = jf->boolean;
        tu_json_free(v);
    }
    bool ok = r.exit_code == 0 && found && !journal_pending(journal);
    if (!ok && e->verbose)
        fprintf(stderr, "%s: recover from the journal: exit %d, journal %s: %s\n", fault,
                r.exit_code, found ? "found" : "NOT found", r.err);
    tu_result_free(&r);
    return ok;
}

static bool recover_from_file(const sweep_env *e, const char *clean, const char *journal,
                              const char *fault)
{
    tu_result r;
    tu_dfuctl(&r, "recover", e->file, "-d", clean, "--journal-dir", journal, "-q", NULL);
    if (r.exit_code != 0 && e->verbose)
        fprintf(stderr, "%s: recover FILE exit %d: %s\n", fault, r.exit_code, r.err);
    bool ok = r.exit_code == 0;
    tu_result_free(&r);
    return ok;
}

static void note_bricked(sweep_env *e, const char *fault)
{
    char **list = realloc(e->bricked, (e->bricked_count + 1) * sizeof(*list));
    assert_non_null(list);
    e->bricked = list;
    e->bricked[e->bricked_count] = malloc(strlen(fault) + 1);
    assert_non_null(e->bricked[e->bricked_count]);
    strcpy(e->bricked[e->bricked_count++], fault);
}

static sweep_outcome interrupted(sweep_env *e, const char *fault, const char *clean,
                                 const char *journal, bool *by_journal)
{
    bool untouched = memory_is(e, clean, e->ref.initial);
    bool complete = memory_is(e, clean, e->ref.final);
    /* The journal is written before anything is erased: a board that changed and is not yet
     * complete must have one, or nothing could finish it but the user's FILE. */
    bool pending = journal_pending(journal);
    if (!pending && !untouched && !complete) {
        fprintf(stderr, "%s %s: the board changed but no journal was written\n", e->p->name, fault);
        return SWEEP_FAILED;
    }
    bool by_itself = power_up(clean);
    /* The journal alone whenever there is one (that is what it is for); FILE only when the
     * update stopped before writing it. */
    *by_journal = pending;
    bool ok = pending ? recover_from_journal(e, clean, journal, fault)
                      : recover_from_file(e, clean, journal, fault);
    ok = ok && memory_ok(e, clean, fault);
    if (e->verbose)
        fprintf(stderr, "%s %s: %s%s\n", e->p->name, fault,
                !ok         ? "failed"
                : by_itself ? "recovered"
                : untouched ? "old-fw"
                : complete  ? "new-fw"
                            : "BUTTON",
                pending ? " (journal)" : " (file)");
    return !ok         ? SWEEP_FAILED
           : by_itself ? SWEEP_RECOVERED
           : untouched ? SWEEP_OLD_FIRMWARE
           : complete  ? SWEEP_NEW_FIRMWARE
                       : SWEEP_BRICKED;
}

sweep_outcome sweep_case(sweep_env *e, const char *fault, unsigned index, bool *by_journal)
{
    char state[512], journal[512], spec[800], clean[800];
    snprintf(state, sizeof(state), "%s/case%u.img", e->dir, index);
    snprintf(journal, sizeof(journal), "%s/journal%u", e->dir, index);
    copy_file(e->initial, state);
    uint64_t kill_at = 0;
    bool is_kill = strncmp(fault, "kill@", 5) == 0;
    if (is_kill) kill_at = strtoull(fault + 5, NULL, 10);
    spec_for(spec, sizeof(spec), e, state, is_kill ? NULL : fault);
    spec_for(clean, sizeof(clean), e, state, NULL);

    *by_journal = false;
    int rc = update_in_child(e, spec, journal, kill_at);
    sweep_outcome out;
    if (rc == 0 && !journal_pending(journal))
        out = memory_ok(e, clean, fault) ? SWEEP_COMPLETED : SWEEP_FAILED;
    else
        out = interrupted(e, fault, clean, journal, by_journal);
    if (out == SWEEP_BRICKED) note_bricked(e, fault);
    if (out == SWEEP_FAILED)
        fprintf(stderr, "FAILED: %s %s (kept in %s)\n", e->p->name, fault, state);
    else
        remove(state);
    return out;
}

static void prepare_board(const sweep_env *e)
{
    dfu_ctx *ctx;
    dfu_sim *sim;
    char spec[800];
    spec_for(spec, sizeof(spec), e, e->initial, NULL);
    dfu_ctx_new(&ctx);
    assert_int_equal(dfu_sim_new(&sim, ctx, spec), DFU_OK);
    /* Whatever a used board holds: random bytes in every flash region outside its bootloader,
     * and an older application where the new one goes. */
    tu_rng rng;
    tu_rng_seed(&rng, 1234);
    for (size_t i = 0; i < dfu_sim_region_count(sim); i++) {
        dfu_sim_region r;
        dfu_sim_region_at(sim, i, &r);
        if (!(r.access & DFU_MEM_WRITABLE) || strstr(r.name, "Option") || strstr(r.name, "OTP") ||
            strstr(r.name, "Feature") || strstr(r.name, "SRAM") || r.size > 4u << 20)
            continue;
        uint32_t skip = r.protected_bootloader ? r.bootloader_size : 0;
        uint8_t *junk = malloc(r.size);
        tu_rng_fill(&rng, junk, r.size);
        assert_int_equal(dfu_sim_poke(sim, r.address + skip, junk, r.size - skip), DFU_OK);
        free(junk);
    }
    uint8_t *old = tu_app_bytes(e->p->base, e->p->size, e->p->sp, 1);
    assert_int_equal(dfu_sim_poke(sim, e->p->base, old, e->p->size), DFU_OK);
    free(old);
    /* The user put it in its bootloader to update it. */
    dfu_sim_hold_bootloader_button(sim, true);
    dfu_sim_power_cycle(sim, 0);
    dfu_sim_bus bus;
    dfu_sim_bus_status(sim, 10000000, &bus);
    assert_true(dfu_sim_in_bootloader(sim));
    dfu_sim_free(sim);
    dfu_ctx_free(ctx);
}

/* Where p->base is in a snapshot (the regions one after the other). */
static size_t image_offset(const sweep_env *e, const char *spec)
{
    dfu_ctx *ctx;
    dfu_sim *sim;
    dfu_ctx_new(&ctx);
    assert_int_equal(dfu_sim_new(&sim, ctx, spec), DFU_OK);
    size_t off = 0, found = SIZE_MAX;
    for (size_t i = 0; i < dfu_sim_region_count(sim) && found == SIZE_MAX; i++) {
        dfu_sim_region r;
        dfu_sim_region_at(sim, i, &r);
        if (e->p->base >= r.address && e->p->base - r.address < r.size)
            found = off + (e->p->base - r.address);
        off += r.size;
    }
    dfu_sim_free(sim);
    dfu_ctx_free(ctx);
    assert_true(found != SIZE_MAX);
    return found;
}

void sweep_setup(sweep_env *e, const sweep_profile *p, const char *dirname)
{
    memset(e, 0, sizeof(*e));
    e->p = p;
    e->verbose = getenv("DFU_SWEEP_VERBOSE") != NULL;
    e->dir = tu_tmpdir(dirname);
    e->initial = tu_path(e->dir, "initial.img");
    e->bytes = tu_app_bytes(p->base, p->size, p->sp, 2);
    dfu_image_new(&e->img);
    dfu_image_add_target(e->img, -1, NULL, NULL);
    dfu_image_add_data(NULL, e->img, 0, p->base, e->bytes, p->size);
    e->file = tu_path(e->dir, "image.hex");
    dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
    so.format = DFU_FORMAT_IHEX;
    assert_int_equal(dfu_image_save(NULL, e->img, e->file, &so), DFU_OK);
    prepare_board(e);
    char spec[800], ref_state[512], journal[512];
    spec_for(spec, sizeof(spec), e, e->initial, NULL);
    e->ref.initial = tu_sim_snapshot(spec, &e->ref.mem_len);
    snprintf(ref_state, sizeof(ref_state), "%s/reference.img", e->dir);
    snprintf(journal, sizeof(journal), "%s/journal-ref", e->dir);
    copy_file(e->initial, ref_state);
    spec_for(spec, sizeof(spec), e, ref_state, NULL);
    if (update(e, spec, journal, 0, &e->ref) != DFU_OK)
        fail_msg("%s: the reference update failed", p->name);
    size_t n;
    e->ref.final = tu_sim_snapshot(spec, &n);
    assert_int_equal(n, e->ref.mem_len);
    e->ref.image_offset = image_offset(e, spec);
}

void sweep_teardown(sweep_env *e)
{
    dfu_image_free(e->img);
    free(e->bytes);
    for (size_t i = 0; i < e->bricked_count; i++) free(e->bricked[i]);
    free(e->bricked);
    free(e->ref.initial);
    free(e->ref.final);
    free(e->initial);
    free(e->file);
    free(e->dir);
}
