/*
 * A hostile device. A simulated board (a real profile, honest underneath) is opened as usual,
 * then hostile_link.h takes the place of its transport: from there on the fuzz input decides
 * what every control transfer returns (passed through, forged, short, over-long, stalled, timed
 * out, disconnected, garbled after the device acted). The host then runs one flow: bringing the
 * device to dfuIDLE, a DfuSe command, a DFU 1.1 block, manifestation, a read, an erase, or a
 * whole planned update.
 *
 * Whatever the device does, the host must
 *   - return (libFuzzer's -timeout catches a hang);
 *   - on failure, leave an error code and a message in the context;
 *   - never wait longer than wait_bounds.h derives from the documented limits: per transfer,
 *     per idle gap between transfers, and in total for the flow;
 *   - never talk to a device it knows has left, nor send more than wTransferSize;
 *   - report an update as verified only if the board holds the image (when every read-back came
 *     from the device as it was, and every DfuSe command reported accepted reached it).
 *
 * Input: an 8-byte header (profile, flow, end policy, device tweaks, update options, size,
 * address, image seed), then the link's directives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile_link.h"
#include "libdfu/sim.h"
#include "update/plan_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct profile {
    const char *spec;
    uint32_t app_base; /* where the application goes (DFU 1.1: where the device puts it) */
} profile;

static const profile profiles[] = {
    {"sim:stm32f405", 0x08000000},          {"sim:stm32l476", 0x08000000},
    {"sim:stm32h743", 0x08000000},          {"sim:stm32h743,rev=Y", 0x08000000},
    {"sim:mboot-f4", 0x08008000},           {"sim:gd32vf103", 0x08000000},
    {"sim:dapboot-f103", 0x08002000},       {"sim:tinyusb", 0x08010000},
    {"sim:tinyusb,tolerant=1", 0x08010000}, {"sim:dfu11", 0x08008000},
    {"sim:dfu11,tolerant=1", 0x08008000},   {"sim:dfu11,willdetach=1", 0x08008000},
};

enum {
    FLOW_MAKE_IDLE,
    FLOW_SET_ADDRESS,
    FLOW_ERASE_PAGE,
    FLOW_MASS_ERASE,
    FLOW_DFUSE_WRITE,
    FLOW_DFUSE_READ,
    FLOW_DFUSE_LEAVE,
    FLOW_UNPROTECT,
    FLOW_DFU11_WRITE,
    FLOW_DFU11_MANIFEST,
    FLOW_DFU11_READ,
    FLOW_DEVICE_READ,
    FLOW_DEVICE_ERASE,
    FLOW_UPDATE, /* several codes map here: it is the flow that matters most */
};
#define FLOW_CODES (FLOW_UPDATE + 4)

typedef struct run {
    dfu_ctx *ctx;
    dfu_device *d;
    hostile_link link;
    const profile *prof;
    const uint8_t *h; /* header */
    uint32_t xfer;
    uint32_t up_xfer; /* DFU 1.1 uploads ask for blocks of the device's own size */
    bool per_block;   /* DfuSe: the device places blocks by another size (a Set Address each) */
} run;

/* Every failure says what happened. */
static void check_rc(run *r, int rc, const char *flow)
{
    const dfu_error_info *e = dfu_ctx_error(r->ctx);
    if (rc > 0 || rc < DFU_ERR_NOT_FOUND) {
        fprintf(stderr, "%s: returned %d\n", flow, rc);
        abort();
    }
    if (rc == DFU_OK) return;
    if (e->code != rc || !e->message[0]) {
        fprintf(stderr, "%s: returned %s, context says %s: \"%s\"\n", flow, dfu_error_name(rc),
                dfu_error_name(e->code), e->message);
        abort();
    }
}

static void check_total(run *r, int rc, uint64_t start_us, uint64_t bound_ms, const char *flow)
{
    uint64_t spent = dfu_clock_now(r->d->clock) - start_us;
    if (getenv("FUZZ_DEVICE_VERBOSE"))
        fprintf(stderr, "%s %s: %s, %llu ms of %llu allowed; %s\n", r->prof->spec, flow,
                dfu_error_name(rc), (unsigned long long)spent / 1000, (unsigned long long)bound_ms,
                rc ? dfu_ctx_error(r->ctx)->message : "");
    if (spent > bound_ms * 1000u) {
        fprintf(stderr, "%s: %llu us, bound %llu ms\n", flow, (unsigned long long)spent,
                (unsigned long long)bound_ms);
        abort();
    }
}

/* The sector holding address on the selected alternate setting; 1 KiB pages without a layout. */
static dfu_sector sector_at(const run *r, uint32_t address)
{
    dfu_sector s = {address & ~1023u, 1024, 7};
    const dfu_layout *l = dfu_device_layout(r->d, r->d->alt);
    if (l) dfu_layout_find(l, address, &s);
    return s;
}

static uint32_t param_address(const run *r)
{
    return r->prof->app_base + (uint32_t)r->h[6] * 256u;
}

static uint32_t param_len(const run *r)
{
    return 1u + (uint32_t)r->h[5] * 53u;
}

/* One protocol-layer operation. */
static void run_operation(run *r, int flow)
{
    static const char *const names[] = {
        "make_idle",        "set_address", "erase_page",     "mass_erase",  "dfuse_write",
        "dfuse_read",       "dfuse_leave", "read_unprotect", "dfu11_write", "dfu11_manifest",
        "dfu11_read_block", "device_read", "device_erase",
    };
    dfu_device *d = r->d;
    uint32_t address = param_address(r), len = param_len(r);
    uint16_t block = r->h[6];
    dfu_sector sec = sector_at(r, address);
    uint8_t buf[16384];
    memset(buf, 0xA5, sizeof(buf));
    uint16_t n = (uint16_t)(len < r->xfer ? len : r->xfer);
    /* The longest operation the flow waits for: it sizes the limits on every transfer's
     * timeout and on the gaps between transfers. */
    const uint64_t idle_e = b_idle_wait(d->dfuse), idle = b_make_idle(d->dfuse);
    uint64_t e = B_COMMAND, bound = 0;
    switch (flow) {
    case FLOW_MAKE_IDLE:
    case FLOW_DEVICE_READ: e = idle_e; break;
    case FLOW_ERASE_PAGE: e = b_erase_expect(sec.size); break;
    case FLOW_MASS_ERASE:
    case FLOW_UNPROTECT: e = B_MASS; break;
    case FLOW_DFUSE_WRITE: e = B_WRITE; break;
    case FLOW_DFU11_WRITE: e = B_DFU11; break;
    case FLOW_DFU11_MANIFEST: e = B_MANIFEST; break;
    case FLOW_DEVICE_ERASE:
        e = b_erase_expect(sec.size) > idle_e ? b_erase_expect(sec.size) : idle_e;
        break;
    default: break;
    }
    hostile_link_limits(&r->link, b_wait(e), b_poll_timeout(e));
    uint64_t start = dfu_clock_now(d->clock);
    int rc = DFU_OK;
    switch (flow) {
    case FLOW_MAKE_IDLE:
        rc = dfu_make_idle(d);
        bound = idle;
        break;
    case FLOW_SET_ADDRESS:
        rc = dfu_dfuse_set_address(d, address);
        bound = b_dnload_wait(B_COMMAND, false);
        break;
    case FLOW_ERASE_PAGE:
        rc = dfu_dfuse_erase_page(d, sec.address, sec.size);
        bound = b_dnload_wait(e, true);
        break;
    case FLOW_MASS_ERASE:
        rc = dfu_dfuse_mass_erase(d);
        bound = b_dnload_wait(B_MASS, true);
        break;
    case FLOW_DFUSE_WRITE:
        rc = dfu_dfuse_write_block(d, (uint16_t)(2 + block % 8), buf, n, address);
        bound = b_dnload_wait(B_WRITE, false);
        break;
    case FLOW_DFUSE_READ:
        rc = dfu_dfuse_read(d, address, buf, len > sizeof(buf) ? sizeof(buf) : len);
        bound = b_dfuse_read(len > sizeof(buf) ? sizeof(buf) : len, r->xfer, r->per_block);
        break;
    case FLOW_DFUSE_LEAVE:
        rc = dfu_dfuse_leave(d, block & 1 ? &address : NULL);
        bound = b_dfuse_leave(block & 1);
        break;
    case FLOW_UNPROTECT:
        rc = dfu_dfuse_read_unprotect(d);
        bound = b_dnload_wait(B_MASS, false) + B_CONFIRM;
        break;
    case FLOW_DFU11_WRITE:
        rc = dfu_dfu11_write_block(d, block, buf, n);
        bound = b_dnload_wait(B_DFU11, false);
        break;
    case FLOW_DFU11_MANIFEST:
        rc = dfu_dfu11_manifest(d, block);
        bound = b_manifest();
        break;
    case FLOW_DFU11_READ:
        rc = dfu_dfu11_read_block(d, block, buf, (uint16_t)r->xfer);
        if (rc > (int)r->xfer) abort();
        if (rc > 0) rc = DFU_OK;
        bound = B_REQUEST;
        break;
    case FLOW_DEVICE_READ: {
        /* DfuSe: 16 KiB chunks, each retried 3 times after make_idle; DFU 1.1: one UPLOAD per
         * block, then make_idle; after a failure, one more to settle the device. (len 0, "until
         * the device stops", is not bounded by time.) */
        dfu_image *img = NULL;
        rc = dfu_device_read(&img, d, address, len, NULL, NULL);
        dfu_image_free(img);
        uint64_t chunks = (len + 16383) / 16384;
        bound = d->dfuse ? chunks * 4 * (b_dfuse_read(16384, r->xfer, r->per_block) + idle)
                         : (len / r->up_xfer + 1) * B_REQUEST + idle;
        bound += idle;
        break;
    }
    case FLOW_DEVICE_ERASE: {
        rc = dfu_device_erase(d, address, len, NULL, NULL);
        /* Every sector the range touches (at most len / 1 KiB + 2 of them), 4 attempts each;
         * after a failure, a make_idle to settle the device. */
        uint64_t sectors = len / 1024 + 2;
        bound = sectors * 4 * (b_dnload_wait(e, true) + idle) + idle;
        break;
    }
    default: abort();
    }
    check_rc(r, rc, names[flow]);
    check_total(r, rc, start, bound, names[flow]);
}

/* An application image at the profile's application address: a vector table, then bytes from
 * the seed. */
static int make_image(const run *r, dfu_image **out, uint32_t *base, uint32_t *size)
{
    *base = r->prof->app_base + (r->d->dfuse ? (uint32_t)(r->h[6] % 4) * 1024u : 0);
    *size = 8 + (uint32_t)r->h[5] * 97u;
    uint8_t *bytes = malloc(*size);
    if (!bytes) return -1;
    uint32_t x = 0x9E3779B9u * (r->h[7] + 1u);
    for (uint32_t i = 0; i < *size; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        bytes[i] = (uint8_t)x;
    }
    const uint32_t vectors[2] = {0x20004000, *base + 0x101};
    for (int i = 0; i < 8; i++) bytes[i] = (uint8_t)(vectors[i / 4] >> (8 * (i % 4)));
    int rc = dfu_image_new(out);
    if (!rc) rc = dfu_image_add_target(*out, -1, NULL, NULL);
    if (!rc) rc = dfu_image_add_data(NULL, *out, 0, *base, bytes, *size);
    free(bytes);
    return rc;
}

/*
 * The longest a plan may take, from the retries it allows (a = retries + 1 attempts, each after
 * make_idle). Every step selects its alternate setting (twice when differential). DfuSe blocks:
 * Set Address (retried itself), the block, and after a failure make_idle and a read-back. A
 * half-written block erases its sector again (one the size of the layout's largest) and rewrites
 * every write of the plan, once per write step at most. Differential: each write is read first.
 */
static uint64_t plan_bound(const dfu_plan *p, uint32_t xfer, uint32_t up_xfer, bool per_block,
                           unsigned retries, uint64_t erase_e)
{
    /* make_idle before the first step, and after a failure to leave the device in dfuIDLE. */
    uint64_t a = retries + 1, idle = b_make_idle(p->desc.dfuse), total = 2 * idle, writes = 0,
             write_steps = 0;
    uint64_t block =
        a * (a * (b_dnload_wait(B_COMMAND, false) + idle) + b_dnload_wait(B_WRITE, false) + idle +
             b_dfuse_read(xfer, xfer, per_block));
    for (size_t i = 0; i < dfu_plan_step_count(p); i++) {
        const dfu_step *s = dfu_plan_step(p, i);
        uint64_t blocks = (s->size + xfer - 1) / xfer, chunks = (s->size + 16383) / 16384, cost;
        switch (s->kind) {
        case DFU_STEP_ERASE:
            cost = a * (b_dnload_wait(b_erase_expect(s->size), true) + idle);
            break;
        case DFU_STEP_MASS_ERASE: cost = a * (b_dnload_wait(B_MASS, true) + idle); break;
        case DFU_STEP_WRITE:
            if (!p->desc.dfuse) {
                cost = a * (blocks * b_dnload_wait(B_DFU11, false) + idle);
                break;
            }
            cost = blocks * block + a * (b_dfuse_read(s->size, xfer, per_block) + idle);
            writes += cost;
            write_steps++;
            break;
        case DFU_STEP_VERIFY:
            cost = p->desc.dfuse ? chunks * a * (b_dfuse_read(16384, xfer, per_block) + idle)
                                 : a * (2 * idle + (s->size / up_xfer + 1) * a * B_REQUEST);
            break;
        case DFU_STEP_MANIFEST: cost = b_manifest(); break;
        default: cost = p->desc.dfuse ? b_dfuse_leave(true) : 0; break;
        }
        total += 2 * B_SET_ALT + cost;
    }
    uint64_t reerase = a * (b_dnload_wait(erase_e, true) + idle) + writes;
    return total + write_steps * reerase;
}

/* The plan said it verified: with honest read-backs, the board must hold the image. */
static void check_board(run *r, uint32_t base, uint32_t size, const dfu_image *img)
{
    dfu_sim *sim = dfu_device_sim(r->d);
    uint8_t *got = malloc(size), *want = malloc(size);
    if (!sim || !got || !want) abort();
    dfu_image_read(img, 0, base, want, size, 0xFF);
    if (dfu_sim_peek(sim, base, got, size) != DFU_OK || memcmp(got, want, size) != 0) {
        size_t i = 0;
        while (i < size && got[i] == want[i]) i++;
        fprintf(stderr,
                "verified, but the board does not hold the image: 0x%08x holds 0x%02x, "
                "the image has 0x%02x\n",
                base + (uint32_t)i, i < size ? got[i] : 0, i < size ? want[i] : 0);
        abort();
    }
    free(got);
    free(want);
}

static void run_update(run *r)
{
    const uint8_t opt = r->h[4];
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_verify = opt & 1;
    o.no_leave = opt & 2;
    o.order = opt & 4 ? DFU_ORDER_LINEAR : DFU_ORDER_SAFE;
    o.mass_erase = opt & 8;
    o.differential = opt & 16;
    o.retries = (opt >> 5) % 4;
    o.force = true;
    dfu_image *img = NULL;
    uint32_t base, size;
    if (make_image(r, &img, &base, &size)) abort();
    dfu_plan *plan = NULL;
    int rc = dfu_plan_new(&plan, r->ctx, r->d, img, &o);
    check_rc(r, rc, "dfu_plan_new");
    if (!rc) {
        uint64_t e = b_idle_wait(r->d->dfuse), erase_e = 100;
        const dfu_layout *l = dfu_device_layout(r->d, r->d->alt);
        for (size_t i = 0; l && i < l->group_count; i++)
            if (b_erase_expect(l->groups[i].size) > erase_e)
                erase_e = b_erase_expect(l->groups[i].size);
        if (erase_e > e) e = erase_e;
        if (o.mass_erase) e = B_MASS;
        if (!r->d->dfuse && B_MANIFEST > e) e = B_MANIFEST;
        hostile_link_limits(&r->link, b_wait(e), b_poll_timeout(e));
        uint64_t start = dfu_clock_now(r->d->clock);
        dfu_update_result res;
        rc = dfu_plan_execute(plan, &res);
        check_rc(r, rc, "dfu_plan_execute");
        check_total(r, rc, start,
                    plan_bound(plan, r->xfer, r->up_xfer, r->per_block, o.retries, erase_e),
                    "update");
        if (rc == DFU_OK && res.verified && !r->link.forged_upload && !r->link.forged_command)
            check_board(r, base, size, img);
        dfu_plan_free(plan);
    }
    dfu_image_free(img);
}

/* The header's device tweaks: quirks and transfer sizes the device does not announce. */
static void tweak(run *r)
{
    uint8_t t = r->h[3];
    dfu_quirks *q = &r->d->quirks;
    if (t & 1) q->poll_stalls = 3;
    if (t & 2) q->stuck_dnbusy = true;
    if (t & 4) q->erase_poll_ms = t & 8 ? 0xFFFFFFFFu : 50;
    if (t & 16) q->mass_erase_poll_ms = 35000;
    if (t & 32) r->d->can_upload = !r->d->can_upload;
    static const uint16_t sizes[] = {0, 256, 1000, 4096};
    if (sizes[t >> 6]) r->d->transfer_size = sizes[t >> 6];
    r->xfer = r->d->transfer_size;
    r->up_xfer = dfu_dfu11_upload_size(r->d);
    r->per_block = r->d->transfer_size != r->d->device_transfer_size;
}

static void trace_line(const char *line, void *payload)
{
    (void)payload;
    fprintf(stderr, "  sim: %s\n", line);
}

static void log_line(dfu_log_level level, const char *line, void *payload)
{
    (void)level, (void)payload;
    if (!line[0]) abort(); /* every log line says something */
    if (getenv("FUZZ_DEVICE_VERBOSE")) fprintf(stderr, "  log: %s\n", line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t h[8] = {0};
    memcpy(h, data, size < sizeof(h) ? size : sizeof(h));
    run r;
    memset(&r, 0, sizeof(r));
    r.h = h;
    r.prof = &profiles[h[0] % (sizeof(profiles) / sizeof(profiles[0]))];
    if (dfu_ctx_new(&r.ctx)) return 0;
    dfu_ctx_set_log(r.ctx, log_line, DFU_LOG_DEBUG, NULL);
    if (dfu_device_open(&r.d, r.ctx, r.prof->spec, NULL) != DFU_OK) {
        fprintf(stderr, "%s: %s\n", r.prof->spec, dfu_ctx_error(r.ctx)->message);
        abort(); /* an honest board always opens */
    }
    tweak(&r);
    if (getenv("FUZZ_DEVICE_VERBOSE")) dfu_sim_set_trace(dfu_device_sim(r.d), trace_line, NULL);
    size_t skip = size < sizeof(h) ? size : sizeof(h);
    hostile_link_insert(&r.link, r.d, data + skip, size - skip, h[2] % END_POLICIES);
    int flow = h[1] % FLOW_CODES;
    if (flow >= FLOW_UPDATE)
        run_update(&r);
    else
        run_operation(&r, flow);
    hostile_link_remove(&r.link);
    dfu_device_close(r.d);
    dfu_ctx_free(r.ctx);
    return 0;
}
