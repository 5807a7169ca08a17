/*
 * The state file: the device's memory and DFU state on disk, written through on every change,
 * so a second process (or the same one after SIGKILL) finds the board as it was left.
 *
 *   header (512 bytes): magic, version, profile name, the memory map it was made for
 *   two state slots: sequence number, checksum, the serialised state and a redo record
 *   memory: every region, in profile order
 *
 * Slots alternate, so a write cut half-way leaves the previous slot intact. A memory change
 * first writes a slot whose redo record holds the new bytes, then the bytes themselves; on
 * loading, the newest valid slot's redo is applied again, which is harmless when the bytes
 * already made it.
 *
 * One instance at a time: the file stays open, exclusively locked (core/file_lock.h), from
 * dfu_sim_new() to dfu_sim_free(), and a second instance on it, in this process or another, is
 * DFU_ERR_BUSY, as a real board claimed by another program is. Two writers would each overwrite
 * the other's slots and memory, and each report a board the file no longer holds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/bytes.h"
#include "../core/file.h"
#include "../core/file_lock.h"
#include "../core/str.h"
#include "sim_internal.h"

#define HEADER_SIZE 512
#define MAGIC       "DFUSIMST"
#define VERSION     1
#define SLOT_MAGIC  0x544F4C53u /* "SLOT" */
#define REDO_MAX    (SIM_MAX_XFER + 64)
#define SLOT_SIZE   (16 + sizeof(sim_pstate) + 64 + 16 + REDO_MAX)

struct sim_statefile {
    FILE *fp;
    char *path;
    uint32_t seq;
    long memory_offset;
    size_t last_len;
    uint8_t last[SLOT_SIZE];
    uint8_t slot[SLOT_SIZE];
};

/* ---- serialisation: one function lists every field, for both directions ---- */

typedef struct ser {
    uint8_t *p;
    size_t pos, cap;
    bool load, ok;
} ser;

static void z_bytes(ser *z, void *v, size_t n)
{
    if (z->pos + n > z->cap) {
        z->ok = false;
        return;
    }
    if (z->load)
        memcpy(v, z->p + z->pos, n);
    else
        memcpy(z->p + z->pos, v, n);
    z->pos += n;
}

static void z_u64(ser *z, uint64_t *v)
{
    uint8_t b[8] = {0}; /* a load past the end leaves it as is: z->ok says so */
    if (!z->load) {
        dfu_put_le32(b, (uint32_t)*v);
        dfu_put_le32(b + 4, (uint32_t)(*v >> 32));
    }
    z_bytes(z, b, 8);
    if (z->load) *v = dfu_le64(b);
}

static void z_u32(ser *z, uint32_t *v)
{
    uint64_t x = *v;
    z_u64(z, &x);
    *v = (uint32_t)x;
}

static void z_u16(ser *z, uint16_t *v)
{
    uint64_t x = *v;
    z_u64(z, &x);
    *v = (uint16_t)x;
}

static void z_u8(ser *z, uint8_t *v)
{
    z_bytes(z, v, 1);
}

static void z_bool(ser *z, bool *v)
{
    uint8_t b = *v ? 1 : 0;
    z_u8(z, &b);
    *v = b != 0;
}

static void z_op(ser *z, sim_op *op)
{
    z_bool(z, &op->active);
    z_u8(z, &op->what);
    z_u8(z, &op->status);
    z_u8(z, &op->phase_count);
    z_u8(z, &op->applied);
    z_u64(z, &op->start);
    z_u64(z, &op->end);
    if (op->phase_count > SIM_MAX_PHASES) z->ok = false;
    for (int i = 0; z->ok && i < op->phase_count; i++) {
        sim_phase *ph = &op->phase[i];
        z_u8(z, &ph->kind);
        z_u8(z, &ph->fill);
        z_u32(z, &ph->addr);
        z_u32(z, &ph->len);
        z_u32(z, &ph->data_off);
        z_u32(z, &ph->dur_us);
        z_u64(z, &ph->ordinal);
    }
    z_u32(z, &op->data_len);
    if (op->data_len > sizeof(op->data)) z->ok = false;
    if (z->ok) z_bytes(z, op->data, op->data_len);
}

static void z_state(ser *z, sim_pstate *ps)
{
    z_u8(z, &ps->mode);
    z_bool(z, &ps->force_bootloader);
    z_bool(z, &ps->powered);
    z_bool(z, &ps->cable);
    z_bool(z, &ps->attached);
    z_bool(z, &ps->present);
    z_u32(z, &ps->generation);
    z_u64(z, &ps->t_now);
    z_u64(z, &ps->appear_at);
    z_u64(z, &ps->replug_at);
    z_u64(z, &ps->detach_deadline);
    z_u8(z, &ps->state);
    z_u8(z, &ps->status);
    z_u8(z, &ps->istring);
    z_u8(z, &ps->alt);
    z_u8(z, &ps->config);
    z_u32(z, &ps->pointer);
    z_bool(z, &ps->pending);
    z_u16(z, &ps->pending_block);
    z_u16(z, &ps->pending_len);
    if (ps->pending_len > SIM_MAX_XFER) z->ok = false;
    if (z->ok) z_bytes(z, ps->pending_buf, ps->pending_len);
    z_bool(z, &ps->seq_started);
    z_u16(z, &ps->last_block);
    z_u32(z, &ps->wraps);
    z_u32(z, &ps->offset);
    z_u32(z, &ps->erase_lo);
    z_u32(z, &ps->erase_hi);
    z_bytes(z, ps->erased, sizeof(ps->erased));
    z_bool(z, &ps->manifested);
    z_u8(z, &ps->cmd);
    z_bool(z, &ps->stuck);
    z_bool(z, &ps->hung);
    z_op(z, &ps->op);
    if (ps->mode > SIM_MODE_DEAD || ps->state > DFU_STATE_ERROR) z->ok = false;
}

/* A redo record: kind 0 none, 1 bytes, 2 fill. */
typedef struct redo {
    uint8_t kind, fill;
    uint32_t addr, len;
    uint8_t data[REDO_MAX];
} redo;

static void z_redo(ser *z, redo *r)
{
    z_u8(z, &r->kind);
    z_u8(z, &r->fill);
    z_u32(z, &r->addr);
    z_u32(z, &r->len);
    if (r->kind == 1 && r->len > REDO_MAX) z->ok = false;
    if (z->ok && r->kind == 1) z_bytes(z, r->data, r->len);
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

/* ---- file I/O ---- */

static bool write_at(FILE *fp, long off, const void *p, size_t n)
{
    return fseek(fp, off, SEEK_SET) == 0 && fwrite(p, 1, n, fp) == n;
}

static bool read_at(FILE *fp, long off, void *p, size_t n)
{
    return fseek(fp, off, SEEK_SET) == 0 && fread(p, 1, n, fp) == n;
}

static size_t payload(dfu_sim *s, redo *r, uint8_t *out)
{
    ser z = {out, 0, SLOT_SIZE - 16, false, true};
    z_state(&z, &s->ps);
    z_redo(&z, r);
    return z.ok ? z.pos : 0;
}

static void write_slot(dfu_sim *s, const uint8_t *p, size_t n)
{
    sim_statefile *f = s->file;
    uint8_t head[16];
    f->seq++;
    dfu_put_le32(head, SLOT_MAGIC);
    dfu_put_le32(head + 4, f->seq);
    dfu_put_le32(head + 8, (uint32_t)n);
    dfu_put_le32(head + 12, fnv1a(p, n));
    long off = HEADER_SIZE + (long)(f->seq % 2) * (long)SLOT_SIZE;
    memcpy(f->slot, head, 16);
    memcpy(f->slot + 16, p, n);
    write_at(f->fp, off, f->slot, 16 + n);
    fflush(f->fp); /* in the kernel now: survives SIGKILL of this process */
}

void dfu_simi_file_sync(dfu_sim *s)
{
    sim_statefile *f = s->file;
    if (!f) return;
    redo none = {0};
    uint8_t *p = f->slot + 16;
    size_t n = payload(s, &none, p);
    if (n == 0 || (n == f->last_len && memcmp(p, f->last, n) == 0)) return;
    memcpy(f->last, p, n);
    f->last_len = n;
    write_slot(s, p, n);
}

static long mem_offset(const dfu_sim *s, uint32_t addr)
{
    long off = s->file->memory_offset;
    for (size_t i = 0; i < s->prof->region_count; i++) {
        const sim_region_def *r = &s->prof->regions[i];
        uint32_t size = dfu_simi_region_size(r);
        if (addr >= r->address && addr - r->address < size) return off + (long)(addr - r->address);
        off += (long)size;
    }
    return -1;
}

void dfu_simi_file_mem(dfu_sim *s, uint32_t addr, const uint8_t *data, uint8_t fill, uint32_t len)
{
    sim_statefile *f = s->file;
    if (!f) return;
    redo *r = calloc(1, sizeof(*r));
    uint8_t *p = malloc(SLOT_SIZE);
    while (r && p && len) {
        /* Bytes go in pieces that fit a redo record; a fill is one record of any length. */
        uint32_t n = data && len > REDO_MAX ? REDO_MAX : len;
        r->kind = data ? 1 : 2;
        r->fill = fill;
        r->addr = addr;
        r->len = n;
        if (data) memcpy(r->data, data, n);
        size_t pl = payload(s, r, p);
        if (pl) write_slot(s, p, pl);
        /* Then the bytes, from the in-memory copy (already updated). */
        write_at(f->fp, mem_offset(s, addr), dfu_simi_mem_at(s, addr), n);
        fflush(f->fp);
        addr += n;
        len -= n;
        if (data) data += n;
    }
    free(r);
    free(p);
    f->last_len = 0; /* the next sync writes a slot without the redo */
}

/* ---- opening: create, or load and replay ---- */

static void put_header(const dfu_sim *s, uint8_t *h)
{
    memset(h, 0, HEADER_SIZE);
    memcpy(h, MAGIC, 8);
    dfu_put_le32(h + 8, VERSION);
    dfu_put_le32(h + 12, HEADER_SIZE);
    dfu_put_le32(h + 16, (uint32_t)SLOT_SIZE);
    dfu_put_le32(h + 20, (uint32_t)s->prof->region_count);
    snprintf((char *)h + 24, 32, "%s", s->prof->info.name);
    for (size_t i = 0; i < s->prof->region_count && i < 16; i++) {
        dfu_put_le32(h + 64 + 8 * i, s->prof->regions[i].address);
        dfu_put_le32(h + 68 + 8 * i, dfu_simi_region_size(&s->prof->regions[i]));
    }
}

/* Why dfu_file_open_locked() failed (errno), as the error of opening the board. */
static int open_error(dfu_ctx *ctx, const char *path)
{
    if (errno == EAGAIN)
        return dfu_err(ctx, DFU_ERR_BUSY,
                       "%s: another process has this simulated board open (or another instance "
                       "in this process does): a state file is one board, used by one at a time",
                       path);
    return dfu_err_errno(ctx, "cannot open the simulator state file", path);
}

/* A new file appears whole or not at all (written aside, then put in place), so a process
 * killed while creating it leaves nothing half-made behind. It never replaces a file that
 * appeared meanwhile (DFU_ERR_EXISTS: another instance made it, and may hold it now). */
static int create(dfu_sim *s, dfu_ctx *ctx, sim_statefile *f)
{
    uint8_t h[HEADER_SIZE];
    dfu_atomic_file af;
    int rc = dfu_atomic_open(&af, ctx, f->path, false);
    if (rc) return rc;
    put_header(s, h);
    bool ok = write_at(af.fp, 0, h, sizeof(h));
    redo none = {0};
    size_t n = payload(s, &none, f->slot + 16);
    f->fp = af.fp; /* write_slot() writes through f->fp */
    s->file = f;
    write_slot(s, f->slot + 16, n);
    s->file = NULL;
    long off = f->memory_offset;
    for (size_t i = 0; ok && i < s->prof->region_count; i++) {
        uint32_t size = dfu_simi_region_size(&s->prof->regions[i]);
        ok = write_at(af.fp, off, s->mem[i], size);
        off += (long)size;
    }
    f->fp = NULL;
    if (!ok) {
        dfu_atomic_abort(&af);
        return dfu_err_errno(ctx, "cannot write the simulator state file", f->path);
    }
    rc = dfu_atomic_commit(&af, ctx);
    dfu_atomic_abort(&af); /* the temporary file, when the commit failed */
    if (rc) return rc;
    /* Someone may open it between its appearing and this: then it is theirs (busy). */
    f->fp = dfu_file_open_locked(f->path);
    if (!f->fp) return open_error(ctx, f->path);
    memcpy(f->last, f->slot + 16, n);
    f->last_len = n;
    s->file = f;
    return DFU_OK;
}

/* The newest slot whose checksum holds; its state goes into s, its redo into r. */
static bool pick_slot(dfu_sim *s, sim_statefile *f, redo *r)
{
    uint32_t best = 0;
    for (int k = 0; k < 2; k++) {
        uint8_t *b = f->slot;
        if (!read_at(f->fp, HEADER_SIZE + k * (long)SLOT_SIZE, b, SLOT_SIZE)) continue;
        uint32_t seq = dfu_le32(b + 4), n = dfu_le32(b + 8);
        if (dfu_le32(b) != SLOT_MAGIC || n > SLOT_SIZE - 16 || fnv1a(b + 16, n) != dfu_le32(b + 12))
            continue;
        if (seq <= best) continue;
        sim_pstate ps = s->ps;
        redo rr;
        ser z = {b + 16, 0, n, true, true};
        z_state(&z, &ps);
        z_redo(&z, &rr);
        if (!z.ok) continue;
        best = seq;
        s->ps = ps;
        *r = rr;
    }
    f->seq = best;
    return best != 0;
}

static int load(dfu_sim *s, dfu_ctx *ctx, sim_statefile *f)
{
    uint8_t h[HEADER_SIZE], want[HEADER_SIZE];
    if (!read_at(f->fp, 0, h, sizeof(h)) || memcmp(h, MAGIC, 8) != 0)
        return dfu_err(ctx, DFU_ERR_FORMAT, "%s: not a simulator state file", f->path);
    if (dfu_le32(h + 8) != VERSION || dfu_le32(h + 16) != SLOT_SIZE)
        return dfu_err(ctx, DFU_ERR_FORMAT, "%s: simulator state file version %u not supported",
                       f->path, (unsigned)dfu_le32(h + 8));
    put_header(s, want);
    if (memcmp(h + 24, want + 24, 32) != 0)
        return dfu_err(ctx, DFU_ERR_ARG, "%s: state file of profile '%.32s', not '%s'", f->path,
                       (const char *)h + 24, s->prof->info.name);
    if (memcmp(h, want, sizeof(h)) != 0)
        return dfu_err(ctx, DFU_ERR_FORMAT, "%s: memory map differs from profile '%s'", f->path,
                       s->prof->info.name);
    long off = f->memory_offset;
    for (size_t i = 0; i < s->prof->region_count; i++) {
        uint32_t size = dfu_simi_region_size(&s->prof->regions[i]);
        if (!read_at(f->fp, off, s->mem[i], size))
            return dfu_err(ctx, DFU_ERR_FORMAT, "%s: truncated simulator state file", f->path);
        off += (long)size;
    }
    redo *r = calloc(1, sizeof(*r));
    if (!r) return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    bool ok = pick_slot(s, f, r);
    s->file = f;
    if (ok && r->kind) dfu_simi_mem_set(s, r->addr, r->kind == 1 ? r->data : NULL, r->fill, r->len);
    free(r);
    if (!ok) {
        s->file = NULL;
        return dfu_err(ctx, DFU_ERR_FORMAT, "%s: no intact state in the simulator state file",
                       f->path);
    }
    return DFU_OK;
}

int dfu_simi_file_open(dfu_sim *s, dfu_ctx *ctx, const char *path)
{
    sim_statefile *f = calloc(1, sizeof(*f));
    if (!f || !(f->path = dfu_strdup(path))) {
        free(f);
        return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    }
    f->memory_offset = HEADER_SIZE + 2 * (long)SLOT_SIZE;
    int rc = DFU_ERR_EXISTS;
    /* Made by another instance between our looking and our creating it: load that one. */
    for (int attempt = 0; rc == DFU_ERR_EXISTS && attempt < 2; attempt++) {
        f->fp = dfu_file_open_locked(path);
        if (f->fp)
            rc = load(s, ctx, f);
        else if (errno == ENOENT)
            rc = create(s, ctx, f);
        else
            rc = open_error(ctx, path);
    }
    if (rc) {
        s->file = NULL;
        dfu_file_close_locked(f->fp);
        free(f->path);
        free(f);
    }
    return rc;
}

void dfu_simi_file_close(dfu_sim *s)
{
    sim_statefile *f = s->file;
    if (!f) return;
    dfu_simi_file_sync(s);
    dfu_file_close_locked(f->fp);
    free(f->path);
    free(f);
    s->file = NULL;
}
