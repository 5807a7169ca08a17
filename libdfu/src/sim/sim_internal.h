/*
 * The simulated device's insides, shared by the files of src/sim/ and nothing else.
 *
 * Time: every function works in device time (microseconds), which is the caller's now_us plus
 * t_offset (non-zero when a state file carried the device over from an earlier process).
 * Everything a board would remember across a host process dying lives in sim_pstate and the
 * memory arrays, which the state file mirrors; the rest of struct dfu_sim is per instance.
 */
#ifndef DFU_SIM_INTERNAL_H
#define DFU_SIM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../core/internal.h"
#include "libdfu/sim.h"
#include "sim_profile.h"

#define SIM_MAX_XFER      4096 /* largest wTransferSize a profile or option may give */
#define SIM_MAX_PHASES    16
#define SIM_MAX_FAULTS    16
#define SIM_BITMAP_BYTES  512 /* erased-sector bitmap of plain DFU devices: 4096 sectors */
#define SIM_NEVER         UINT64_MAX
#define SIM_USB_SETUP_US  1000 /* a control transfer at full speed: ~1 ms ... */
#define SIM_USB_BYTE_NS   1000 /* ... plus ~1 us per byte (1 MB/s) */
#define SIM_APP_DETACH_MS 1000 /* wDetachTimeOut of the run-time application */
#define SIM_APP_VID       0x1209
#define SIM_APP_PID       0x0001 /* pid.codes test PID: the application's own identity */

/* ---- the parsed spec string (spec.c) ---- */

typedef enum sim_fault_kind {
    SIM_FAULT_UNPLUG,
    SIM_FAULT_POWERLOSS,
    SIM_FAULT_XFER,
    SIM_FAULT_STALL,
    SIM_FAULT_LIE,
    SIM_FAULT_POLLTIMEOUT,
    SIM_FAULT_BUSY,
    SIM_FAULT_RESET,
} sim_fault_kind;

typedef enum sim_fault_where {
    SIM_AT_BLOCK,   /* a download data block arrives */
    SIM_AT_COMMAND, /* a DfuSe command arrives */
    SIM_AT_ERASE,   /* during an erase */
    SIM_AT_PROGRAM, /* during a program operation */
    SIM_AT_RATE,    /* every class request, with a probability */
} sim_fault_where;

#define SIM_PPM_RANDOM UINT32_MAX

/* Where xfer@block / xfer@command loses the transfer (sim_fault.value). */
typedef enum sim_xfer_loss {
    SIM_XFER_EITHER, /* chosen from the seed */
    SIM_XFER_BEFORE, /* the request never reaches the device */
    SIM_XFER_AFTER,  /* the device acts on it; its answer is lost */
} sim_xfer_loss;

typedef struct sim_fault {
    sim_fault_kind kind;
    sim_fault_where where;
    uint64_t n;
    uint32_t ppm;   /* fraction done (power loss) or rate (xfer), millionths; or SIM_PPM_RANDOM */
    uint32_t value; /* replug delay ms (unplug), bwPollTimeout ms (polltimeout), sim_xfer_loss
                     * (xfer at a block or command) */
    int lie_state, lie_status;
    char text[48]; /* as given, for the trace */
} sim_fault;

typedef enum sim_runtime { SIM_RT_NONE, SIM_RT_RESET, SIM_RT_DETACH } sim_runtime;

typedef struct sim_config {
    const sim_profile *prof;
    char *state_file, *serial, *path, *product;
    uint64_t seed;
    bool realtime;
    bool replug; /* opening the state file power-cycles the board (it was plugged in) */
    bool timing_max;
    sim_runtime runtime;
    int boot0;         /* 1 unless given */
    int button;        /* bootloaders in flash: the button is held while the board powers up */
    int rdp;           /* 0 unless given */
    int tolerant;      /* -1: the profile's */
    int willdetach;    /* -1: the profile's */
    int rev_v;         /* stm32h743: 1 (rev V, stuck erase) unless rev=Y */
    uint32_t transfer; /* 0: the profile's wTransferSize */
    int32_t wtransfer; /* -1: announce the size the device takes; else only what it announces */
    uint8_t funclen;   /* 0: the profile's functional descriptor length; 7 or 9 */
    int64_t reenum_ms; /* -1: the profile's */
    size_t fault_count;
    sim_fault faults[SIM_MAX_FAULTS];
} sim_config;

int dfu_simi_parse(sim_config *cfg, dfu_ctx *ctx, const char *spec);
void dfu_simi_config_free(sim_config *cfg);

/* ---- persistent state ---- */

typedef enum sim_mode {
    SIM_MODE_BOOTLOADER, /* DFU mode */
    SIM_MODE_APP,        /* the application runs (a run-time DFU device with "runtime") */
    SIM_MODE_DEAD,       /* code that does not run: nothing on the bus until reset */
} sim_mode;

typedef enum sim_phase_kind {
    SIM_PH_ERASE,   /* sector erase: bytes become 0xFF */
    SIM_PH_PROGRAM, /* flash programming with the part's physics */
    SIM_PH_WRITE,   /* plain overwrite (RAM, option bytes, EEPROM) */
    SIM_PH_FILL,    /* set a range to one value (RAM cleared by read unprotect) */
} sim_phase_kind;

typedef struct sim_phase {
    uint8_t kind;
    uint8_t fill;
    uint32_t addr, len;
    uint32_t data_off; /* PROGRAM/WRITE: where its bytes are in the op buffer */
    uint32_t dur_us;
    uint64_t ordinal; /* erase or program number since the instance was created */
} sim_phase;

/* What a running operation is for, so the dialect knows what to do when it ends. */
typedef enum sim_what {
    SIM_WHAT_DATA,
    SIM_WHAT_SET_ADDRESS,
    SIM_WHAT_ERASE,
    SIM_WHAT_MASS_ERASE,
    SIM_WHAT_UNPROTECT,
    SIM_WHAT_OPTIONS,
    SIM_WHAT_MANIFEST,
    SIM_WHAT_COMMAND_ERROR, /* a command refused when executed: only its status remains */
} sim_what;

typedef struct sim_op {
    bool active;
    uint8_t what;   /* sim_what */
    uint8_t status; /* the result, set while the phases are applied */
    uint8_t phase_count;
    uint8_t applied; /* phases already applied to memory (a state file may stop half-way) */
    uint64_t start, end;
    sim_phase phase[SIM_MAX_PHASES];
    uint32_t data_len;
    uint8_t data[SIM_MAX_XFER + 64];
} sim_op;

typedef struct sim_pstate {
    uint8_t mode; /* sim_mode */
    bool force_bootloader;
    bool powered, cable, attached, present;
    uint32_t generation;
    uint64_t t_now;
    uint64_t appear_at, replug_at, detach_deadline;
    /* DFU */
    uint8_t state, status, istring, alt, config;
    uint32_t pointer; /* DfuSe address pointer */
    bool pending;     /* a DNLOAD received, waiting for GETSTATUS */
    uint16_t pending_block, pending_len;
    uint8_t pending_buf[SIM_MAX_XFER];
    /* plain DFU: where blocks land, what has been erased */
    bool seq_started;
    uint16_t last_block;
    uint32_t wraps, offset, erase_lo, erase_hi;
    uint8_t erased[SIM_BITMAP_BYTES];
    bool manifested;
    uint8_t cmd; /* dialect scratch: mboot's pending command, TinyUSB's "flashing" */
    bool stuck;  /* H7 rev V: dfuDNBUSY for good after a sector erase, until CLRSTATUS */
    bool hung;   /* the busy fault: dfuDNBUSY for good, until a reset */
    sim_op op;
} sim_pstate;

/* ---- the device ---- */

typedef struct sim_statefile sim_statefile;

struct dfu_sim {
    const sim_profile *prof;
    sim_config cfg;
    sim_pstate ps;
    uint8_t **mem;     /* one array per region */
    uint64_t t_offset; /* device time = caller's time + t_offset */
    uint64_t t_done;   /* completion time of the transfer being handled */
    uint64_t gone_at;  /* when the device last dropped off the bus */
    uint16_t transfer_size;
    uint8_t attributes;
    char serial[64];
    bool button;
    dfu_sim_stats stats;
    uint64_t rng;
    dfu_sim_trace_cb trace_cb;
    void *trace_payload;
    /* fault bookkeeping (per instance) */
    uint32_t fired; /* bit per fault: already triggered */
    bool lie_next, poll_next, hang_next;
    int lie_state, lie_status;
    uint32_t poll_value;
    uint64_t cut_at; /* a scheduled mid-operation fault, SIM_NEVER: none */
    int cut_fault;   /* its index */
    uint32_t cut_ppm;
    sim_statefile *file;
};

/* A control request being handled. */
typedef struct sim_req {
    const dfu_usb_setup *setup;
    uint8_t *data;
    int result;       /* bytes moved, or DFU_ERR_STALL / DFU_ERR_DISCONNECTED / DFU_ERR_USB */
    bool never;       /* the device never completes it: the host's timeout expires */
    bool answer_lost; /* the device acts on it, then the host sees DFU_ERR_USB */
} sim_req;

/* ---- dialects: the firmware's DFU class request handling ---- */

typedef struct sim_dialect_ops {
    void (*enter)(dfu_sim *s);               /* DFU mode starts */
    void (*request)(dfu_sim *s, sim_req *r); /* a class request in DFU mode */
    void (*op_done)(dfu_sim *s);             /* the running operation ended (s->ps.op) */
    void (*bus_reset)(dfu_sim *s);           /* USB reset signalling in DFU mode */
} sim_dialect_ops;

extern const sim_dialect_ops dfu_simi_dialect_spec, dfu_simi_dialect_st, dfu_simi_dialect_mboot,
    dfu_simi_dialect_dapboot, dfu_simi_dialect_tinyusb;
const sim_dialect_ops *dfu_simi_dialect(const dfu_sim *s);

/* ---- dfu_common.c: helpers every dialect uses ---- */

void dfu_simi_set_state(dfu_sim *s, uint8_t state);
void dfu_simi_fail(dfu_sim *s, uint8_t status); /* dfuERROR with this status */
void dfu_simi_stall(sim_req *r);
void dfu_simi_stall_error(dfu_sim *s, sim_req *r); /* stall, dfuERROR, errSTALLEDPKT */
/* The 6-byte GETSTATUS answer (honours the lie and polltimeout faults). */
void dfu_simi_status_reply(dfu_sim *s, sim_req *r, uint8_t status, uint32_t poll_ms, uint8_t state);
void dfu_simi_state_reply(sim_req *r, uint8_t state);
/* Keeps a DNLOAD's data for the GETSTATUS that executes it. */
void dfu_simi_keep_download(dfu_sim *s, const sim_req *r);
/* Reports a status on the wire: SIM_SILENT becomes OK. */
uint8_t dfu_simi_wire_status(uint8_t status);
uint8_t dfu_simi_req(const sim_req *r);
uint16_t dfu_simi_value(const sim_req *r);
uint16_t dfu_simi_length(const sim_req *r);
bool dfu_simi_manifest_tolerant(const dfu_sim *s);

/* ---- dfuse.c: the DfuSe command set (ST ROM and mboot) ---- */

bool dfu_simi_dfuse_command_known(const uint8_t *buf, uint16_t len);
uint32_t dfu_simi_dfuse_address(const dfu_sim *s, uint16_t block);
/* Starts executing the pending DNLOAD (command or data) as an operation, or fails it. */
void dfu_simi_dfuse_execute(dfu_sim *s);
/* DfuSe read: fills out and returns the byte count, or a negative status to fail with. */
int dfu_simi_dfuse_read(dfu_sim *s, uint16_t block, uint8_t *out, uint16_t len);
bool dfu_simi_rdp_active(const dfu_sim *s);

/* ---- plain.c: the DFU 1.1 data path (spec, dapboot, TinyUSB) ---- */

/* Address of block (wrap-around continues the offset) for devices that use wBlockNum. */
uint32_t dfu_simi_plain_block_address(dfu_sim *s, uint16_t block);
void dfu_simi_plain_start(dfu_sim *s); /* a new download: forget what was erased */
/* Builds the operation writing len bytes at addr (erasing on first touch); returns OK or the
 * status that refuses it before anything happens. */
uint8_t dfu_simi_plain_write(dfu_sim *s, uint32_t addr, const uint8_t *data, uint32_t len,
                             bool window);
/* Reads up to len bytes at addr of the current alt's region; short at its end. */
int dfu_simi_plain_read(dfu_sim *s, uint32_t addr, uint8_t *out, uint16_t len);
uint32_t dfu_simi_alt_base(const dfu_sim *s);
uint32_t dfu_simi_alt_end(const dfu_sim *s);

/* ---- memory.c ---- */

int dfu_simi_mem_alloc(dfu_sim *s);
void dfu_simi_mem_free(dfu_sim *s);
void dfu_simi_mem_init_contents(dfu_sim *s); /* factory state (erased flash, option bytes) */
uint32_t dfu_simi_region_size(const sim_region_def *r);
/* Region holding [addr, addr+len), or -1. */
int dfu_simi_region_of(const dfu_sim *s, uint32_t addr, uint32_t len);
uint8_t *dfu_simi_mem_at(dfu_sim *s, uint32_t addr);
/* Access bits the layout string announces at addr (region access for unannounced regions). */
uint8_t dfu_simi_access(const dfu_sim *s, uint32_t addr);
bool dfu_simi_touches_bootloader(const dfu_sim *s, uint32_t addr, uint32_t len);
/* The physical sector holding addr. */
bool dfu_simi_sector(const dfu_sim *s, uint32_t addr, uint32_t *start, uint32_t *size);
/* The one place memory changes: the copy here and the state file (data NULL: fill). */
void dfu_simi_mem_set(dfu_sim *s, uint32_t addr, const uint8_t *data, uint8_t fill, uint32_t len);
void dfu_simi_mem_power_loss(dfu_sim *s); /* RAM forgets */

/* ---- flash.c: physics and timing ---- */

/* Programs the first cut bytes of data at addr (cut < len: interrupted, the byte at cut gets
 * random bits); returns OK or the profile's status for memory that was not erased. */
uint8_t dfu_simi_flash_program(dfu_sim *s, uint32_t addr, const uint8_t *data, uint32_t len,
                               uint32_t cut);
void dfu_simi_flash_erase(dfu_sim *s, uint32_t addr, uint32_t len, uint32_t cut);
uint32_t dfu_simi_erase_us(const dfu_sim *s, uint32_t size);
uint32_t dfu_simi_program_us(const dfu_sim *s, uint32_t addr, uint32_t len);
uint32_t dfu_simi_mass_erase_us(const dfu_sim *s);

/* ---- op.c: operations that take time ---- */

void dfu_simi_op_begin(dfu_sim *s, sim_what what);
void dfu_simi_op_erase(dfu_sim *s, uint32_t addr, uint32_t len);
void dfu_simi_op_program(dfu_sim *s, uint32_t addr, const uint8_t *data, uint32_t len);
void dfu_simi_op_write(dfu_sim *s, uint32_t addr, const uint8_t *data, uint32_t len);
void dfu_simi_op_fill(dfu_sim *s, uint32_t addr, uint8_t value, uint32_t len);
/* Schedules the operation: it starts when the current transfer completes and lasts its phases
 * plus extra_us; faults aimed at its erases and programs are planned here. */
void dfu_simi_op_commit(dfu_sim *s, uint32_t extra_us);
bool dfu_simi_op_running(const dfu_sim *s);
void dfu_simi_op_finish(dfu_sim *s); /* at op.end: apply, then tell the dialect */
void dfu_simi_op_cut(dfu_sim *s);    /* interrupted now: partial effect, no dialect */

/* ---- bus.c: time, presence, resets ---- */

void dfu_simi_advance(dfu_sim *s, uint64_t t);
uint64_t dfu_simi_next_event(const dfu_sim *s);
void dfu_simi_update_presence(dfu_sim *s);
/* The device drops off the bus and comes back after its re-enumeration time. */
void dfu_simi_reenumerate(dfu_sim *s, const char *why);
/* System reset (watchdog, software reset): boot logic decides, then it re-enumerates. */
void dfu_simi_reset(dfu_sim *s, const char *why);
void dfu_simi_power_loss(dfu_sim *s, const char *why);
uint32_t dfu_simi_reenum_us(const dfu_sim *s);

/* ---- boot.c ---- */

void dfu_simi_boot(dfu_sim *s); /* decides the mode after a reset and enters it */
bool dfu_simi_app_valid(const dfu_sim *s, uint32_t base);
/* Jumps to the code at base (leave, manifestation done): runs it if valid, else resets. */
void dfu_simi_jump(dfu_sim *s, uint32_t base);
void dfu_simi_enter_bootloader(dfu_sim *s);

/* ---- runtime.c: the application's DFU run-time interface ---- */

void dfu_simi_runtime_request(dfu_sim *s, sim_req *r);
void dfu_simi_runtime_bus_reset(dfu_sim *s);

/* ---- descriptors.c ---- */

bool dfu_simi_dfu_capable(const dfu_sim *s);
uint8_t dfu_simi_dfu_interface(const dfu_sim *s);
size_t dfu_simi_device_desc(const dfu_sim *s, uint8_t *out);
size_t dfu_simi_config_desc(const dfu_sim *s, uint8_t *out, size_t cap);
size_t dfu_simi_func_desc(const dfu_sim *s, uint8_t *out);
size_t dfu_simi_string_desc(const dfu_sim *s, uint8_t index, uint8_t *out);
size_t dfu_simi_bos_desc(const dfu_sim *s, uint8_t *out);
size_t dfu_simi_layout_string(const dfu_sim *s, size_t region, char *out, size_t cap);
uint8_t dfu_simi_alt_count(const dfu_sim *s);

/* ---- standard.c ---- */

void dfu_simi_standard(dfu_sim *s, sim_req *r);
void dfu_simi_select_alt(dfu_sim *s, uint8_t alt);

/* ---- faults.c ---- */

typedef enum sim_fault_action {
    SIM_ACT_NONE,
    SIM_ACT_STALL,      /* stall the request, dfuERROR/errSTALLEDPKT */
    SIM_ACT_LOST,       /* the request never reaches the device (link or power gone) */
    SIM_ACT_USB_BEFORE, /* a transfer error: the request never reaches the device */
    SIM_ACT_USB_AFTER,  /* a transfer error: the device acts, the answer is lost */
} sim_fault_action;

/* A download block or DfuSe command arrived: the faults aimed at it act. */
sim_fault_action dfu_simi_fault_arrival(dfu_sim *s, sim_fault_where where, uint64_t index);
/* An operation was committed: plans power loss or unplug inside its erases and programs. */
void dfu_simi_fault_plan(dfu_sim *s);
void dfu_simi_fault_cut(dfu_sim *s); /* the planned moment has come */
/* xfer@rate: true when this transfer fails; *after: the device acted first. */
bool dfu_simi_fault_xfer(dfu_sim *s, bool *after);

/* ---- rng.c ---- */

uint64_t dfu_simi_rand(dfu_sim *s);
uint32_t dfu_simi_rand_ppm(dfu_sim *s);

/* ---- statefile.c ---- */

int dfu_simi_file_open(dfu_sim *s, dfu_ctx *ctx, const char *path);
/* Writes the state when it changed since the last call. */
void dfu_simi_file_sync(dfu_sim *s);
/* Called by dfu_simi_mem_set: records the change so it survives being cut half-way. */
void dfu_simi_file_mem(dfu_sim *s, uint32_t addr, const uint8_t *data, uint8_t fill, uint32_t len);
void dfu_simi_file_close(dfu_sim *s);

/* ---- trace.c ---- */

void dfu_simi_trace(dfu_sim *s, const char *fmt, ...) DFU_PRINTF(2, 3);
bool dfu_simi_tracing(const dfu_sim *s);

#endif
