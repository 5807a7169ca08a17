/* Single operations on an open device: read, erase, mass erase, leave. Each first waits for
 * what a cancel left the device doing, as every request does (dfu_req_ready). */
#include <stdio.h>
#include <stdlib.h>

#include "../core/buf.h"
#include "../core/internal.h"
#include "../proto/retry.h"
#include "libdfu/update.h"

/* The most a DFU 1.1 read of unknown length takes before asking for a size. */
#define DFU11_READ_ALL_MAX (64u << 20)

/* A single operation's progress, and the caller's cancel: heard at every block and, through the
 * device's wait hook, while the device keeps the operation waiting (an erase). */
typedef struct op_progress {
    dfu_device *d;
    dfu_progress_cb cb;
    void *payload;
    dfu_progress last; /* told again, as a heartbeat, while the device keeps us waiting */
    bool cancel;
} op_progress;

static int heartbeat(void *payload)
{
    op_progress *p = payload;
    if (!p->cancel && p->cb(&p->last, p->payload) != 0) p->cancel = true;
    return p->cancel;
}

static void op_begin(op_progress *p, dfu_device *d, dfu_progress_cb cb, void *payload,
                     dfu_phase phase, uint64_t total, uint32_t address)
{
    *p = (op_progress){
        d, cb, payload, {phase, 0, total, 0, total, 0, 1, address, d->info.path}, false};
    if (cb) dfu_device_set_wait_hook(d, heartbeat, p);
}

static int op_end(op_progress *p, int rc)
{
    dfu_device_set_wait_hook(p->d, NULL, NULL);
    return rc;
}

static int report(op_progress *p, uint64_t done, uint64_t total, uint32_t address)
{
    if (!p->cb) return DFU_OK;
    p->last.done = p->last.overall_done = done;
    p->last.total = p->last.overall_total = total;
    p->last.address = address;
    if (p->cb(&p->last, p->payload) == 0) return DFU_OK;
    p->cancel = true;
    /* As a plan's cancel says (execute.c): what settling achieved, not what it tried. */
    if (dfu_settle_cancelled(p->d))
        return dfu_err(p->d->ctx, DFU_ERR_CANCELLED,
                       "cancelled at 0x%08x; the device is in dfuIDLE", address);
    if (p->d->gone)
        return dfu_err(p->d->ctx, DFU_ERR_CANCELLED, "cancelled at 0x%08x; the device has left",
                       address);
    return dfu_err(p->d->ctx, DFU_ERR_CANCELLED,
                   "cancelled at 0x%08x; the device is not back in dfuIDLE (the next operation "
                   "brings it back)",
                   address);
}

/* A failure stands: the device is left in dfuIDLE for whoever comes next. After a cancel only
 * if that takes no waiting: an erase goes on by itself, and the next call waits for it. */
static int failed(dfu_device *d, const dfu_retry *r, int rc)
{
    if (rc == DFU_ERR_CANCELLED)
        dfu_settle_cancelled(d);
    else
        dfu_settle(d, r);
    return rc;
}

/* End of the run of sectors (groups back to back) that holds address. */
static uint64_t region_end(const dfu_layout *l, uint32_t address)
{
    uint64_t end = address;
    for (bool grew = true; grew;) {
        grew = false;
        for (size_t i = 0; i < l->group_count; i++) {
            uint64_t a = l->groups[i].address,
                     e = a + (uint64_t)l->groups[i].count * l->groups[i].size;
            if (a <= end && e > end) {
                end = e;
                grew = true;
            }
        }
    }
    return end;
}

static int read_dfuse(dfu_device *d, uint8_t *buf, uint32_t address, uint32_t len, op_progress *p)
{
    dfu_retry retry = {.limit = DFU_DEFAULT_RETRIES};
    for (uint32_t off = 0; off < len;) {
        uint32_t n = DFU_MIN(DFUSE_READ_CHUNK, len - off);
        int rc = dfu_dfuse_read_retrying(d, &retry, address + off, buf + off, n);
        if (rc) return failed(d, &retry, rc);
        off += n;
        if ((rc = report(p, off, len, address + off))) return rc;
    }
    return DFU_OK;
}

static int read_dfu11(dfu_device *d, dfu_buf *out, uint32_t address, uint32_t len, op_progress *p)
{
    const dfu_retry no_retries = {0}; /* a device that ignores wBlockNum cannot be asked again */
    uint16_t xfer = dfu_dfu11_upload_size(d);
    for (uint16_t block = 0;; block++) {
        uint16_t want = len ? (uint16_t)DFU_MIN((uint32_t)xfer, len - (uint32_t)out->len) : xfer;
        if (want == 0) break;
        if (dfu_buf_reserve(out, want))
            return failed(d, &no_retries, dfu_err(d->ctx, DFU_ERR_NOMEM, "out of memory"));
        int n = dfu_dfu11_read_block(d, block, out->data + out->len, want);
        if (n < 0) return failed(d, &no_retries, n);
        out->len += (size_t)n;
        /* Of unknown length, the total is 0 (unknown) until the device's short frame ends the
         * upload: claiming "done of done" would show every block as 100%. */
        bool ended = n < want;
        uint64_t total = len ? len : ended ? out->len : 0;
        int rc = report(p, out->len, total, address + (uint32_t)out->len);
        if (rc) return rc;
        if (ended) return DFU_OK; /* a short frame: the device has no more */
        /* "Until the device ends the upload" needs an end: a device that never sends a short
         * frame would have the host read and keep gigabytes. */
        if (!len && out->len >= DFU11_READ_ALL_MAX)
            return failed(d, &no_retries,
                          dfu_err(d->ctx, DFU_ERR_PROTOCOL,
                                  "the device has sent %u MiB without ending the upload; give the "
                                  "length to read (`len`)",
                                  DFU11_READ_ALL_MAX >> 20));
    }
    return dfu_make_idle(d); /* we stopped before the device did: ABORT the upload */
}

int dfu_device_read(dfu_image **out, dfu_device *d, uint32_t address, uint32_t len,
                    dfu_progress_cb cb, void *payload)
{
    if (!out) return dfu_err(d->ctx, DFU_ERR_ARG, "dfu_device_read: no output pointer");
    *out = NULL;
    if (!d->can_upload)
        return dfu_err(d->ctx, DFU_ERR_UNSUPPORTED,
                       "%s cannot be read back: it does not support DFU upload (its descriptor "
                       "or a no-upload quirk says so)",
                       d->info.path);
    const dfu_layout *l = dfu_device_layout(d, d->alt);
    dfu_buf data = DFU_BUF_INIT;
    int rc;
    if (d->dfuse) {
        dfu_sector s;
        char name[256];
        dfu_shown(l ? l->name : "", name, sizeof(name)); /* the device's words */
        if (!l || !dfu_layout_find(l, address, &s)) {
            return dfu_err(d->ctx, DFU_ERR_REFUSED,
                           "0x%08x is outside every memory region of alt %u \"%s\"", address,
                           d->alt, name);
        }
        uint64_t end = region_end(l, address);
        if (len == 0) len = (uint32_t)(end - address);
        /* Refused before the first request, as a start outside is: the device would fail at
         * the end of the region, after reading everything before it. */
        if (end < (uint64_t)address + len)
            return dfu_err(d->ctx, DFU_ERR_REFUSED,
                           "0x%08x-0x%08llx runs past the end of alt %u \"%s\" at 0x%08llx "
                           "(%llu bytes from 0x%08x are there)",
                           address, (unsigned long long)address + len - 1, d->alt, name,
                           (unsigned long long)end, (unsigned long long)(end - address), address);
        if (dfu_buf_reserve(&data, len)) return dfu_err(d->ctx, DFU_ERR_NOMEM, "out of memory");
        op_progress p;
        op_begin(&p, d, cb, payload, DFU_PHASE_READ, len, address);
        rc = op_end(&p, read_dfuse(d, data.data, address, len, &p));
        data.len = len;
    } else {
        op_progress p;
        op_begin(&p, d, cb, payload, DFU_PHASE_READ, len, address);
        rc = op_end(&p, read_dfu11(d, &data, address, len, &p));
    }
    dfu_image *img = NULL;
    if (!rc && dfu_image_new(&img)) rc = dfu_err(d->ctx, DFU_ERR_NOMEM, "out of memory");
    if (!rc) rc = dfu_image_add_target(img, d->dfuse ? d->alt : -1, l ? l->name : NULL, NULL);
    if (!rc) rc = dfu_image_add_data(d->ctx, img, 0, address, data.data, data.len);
    dfu_buf_free(&data);
    if (rc) {
        dfu_image_free(img);
        return rc;
    }
    *out = img;
    return DFU_OK;
}

/* The sectors holding [address, end), one by one: the first is at p->last.address. */
static int erase_sectors(dfu_device *d, const dfu_layout *l, uint64_t address, uint64_t end,
                         op_progress *p)
{
    dfu_retry retry = {.limit = DFU_DEFAULT_RETRIES};
    uint64_t first = p->last.address;
    for (uint64_t a = address; a < end;) {
        dfu_sector s;
        dfu_layout_find(l, (uint32_t)a, &s);
        int rc = dfu_dfuse_erase_retrying(d, &retry, s.address, s.size);
        if (rc) return failed(d, &retry, rc);
        a = (uint64_t)s.address + s.size;
        if ((rc = report(p, a - first, p->last.total, s.address))) return rc;
    }
    return DFU_OK;
}

int dfu_device_erase(dfu_device *d, uint32_t address, uint32_t len, dfu_progress_cb cb,
                     void *payload)
{
    if (!d->dfuse)
        return dfu_err(d->ctx, DFU_ERR_UNSUPPORTED,
                       "DFU 1.1 devices erase by themselves while they are written; only DfuSe "
                       "devices take erase commands");
    const dfu_layout *l = dfu_device_layout(d, d->alt);
    if (!l)
        return dfu_err(d->ctx, DFU_ERR_UNSUPPORTED, "alternate setting %u has no layout", d->alt);
    uint64_t end = (uint64_t)address + (len ? len : 1);
    /* Check every sector first: nothing is erased if any of them may not be. */
    for (uint64_t a = address; a < end;) {
        dfu_sector s;
        if (!dfu_layout_find(l, (uint32_t)a, &s))
            return dfu_err(d->ctx, DFU_ERR_REFUSED, "0x%08llx is outside every memory region",
                           (unsigned long long)a);
        if (!(s.access & DFU_MEM_ERASABLE))
            return dfu_err(d->ctx, DFU_ERR_REFUSED,
                           "the sector 0x%08x-0x%08x is not erasable (the device protects it)",
                           s.address, s.address + s.size - 1);
        a = (uint64_t)s.address + s.size;
    }
    uint64_t first = 0, total = 0;
    for (uint64_t a = address; a < end;) {
        dfu_sector s;
        dfu_layout_find(l, (uint32_t)a, &s);
        if (!total) first = s.address;
        total = (uint64_t)s.address + s.size - first;
        a = (uint64_t)s.address + s.size;
    }
    op_progress p;
    op_begin(&p, d, cb, payload, DFU_PHASE_ERASE, total, first);
    return op_end(&p, erase_sectors(d, l, address, end, &p));
}

int dfu_device_mass_erase(dfu_device *d)
{
    if (!d->dfuse)
        return dfu_err(d->ctx, DFU_ERR_UNSUPPORTED,
                       "mass erase is a DfuSe command; DFU 1.1 devices erase by themselves while "
                       "they are written");
    dfu_retry retry = {.limit = DFU_DEFAULT_RETRIES};
    int rc = dfu_dfuse_mass_erase_retrying(d, &retry);
    return rc ? failed(d, &retry, rc) : DFU_OK;
}

int dfu_device_read_unprotect(dfu_device *d)
{
    if (!d->dfuse) return dfu_err(d->ctx, DFU_ERR_UNSUPPORTED, "read unprotect is a DfuSe command");
    int rc = dfu_dfuse_read_unprotect(d);
    if (rc) {
        const dfu_retry no_retries = {0}; /* it erases everything: never sent twice */
        return failed(d, &no_retries, rc);
    }
    return DFU_OK;
}

/* Where a DfuSe leave without an address jumps: the application's start in the flash. The ST
 * ROM jumps to its address pointer, which a read or an erase leaves anywhere in the flash. Only
 * when the selected alternate setting is the flash: another may refuse a flash address. */
static bool default_leave_address(const dfu_device *d, uint32_t *out)
{
    for (size_t i = 0; d->layouts && i < d->info.alt_count; i++) {
        const dfu_layout *l = d->layouts[i];
        if (l && d->info.alts[i].iface == d->iface && d->info.alts[i].alt == d->alt)
            return dfu_layout_named(l, "flash") && dfu_layout_app_start(l, out);
    }
    return false;
}

int dfu_device_leave(dfu_device *d, const uint32_t *address)
{
    if (!d->dfuse && address)
        return dfu_err(d->ctx, DFU_ERR_UNSUPPORTED,
                       "%s is a DFU 1.1 device: it starts its firmware where it keeps it, and "
                       "cannot be told to jump to 0x%08x",
                       d->info.path, *address);
    /* A reset sends no request, and does not wait by itself (dfu_device_reset): starting the
     * firmware waits for what the device is finishing, as a DfuSe leave's request does. */
    int rc = d->dfuse ? DFU_OK : dfu_req_ready(d);
    if (rc) return rc;
    if (!d->dfuse) return dfu_device_reset(d);
    uint32_t app;
    if (!address && default_leave_address(d, &app)) address = &app;
    return dfu_dfuse_leave(d, address);
}
