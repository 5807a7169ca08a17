/*
 * The protocol layer: DFU 1.1 and DfuSe host-side requests and waits on an open device.
 *
 * Every request records a message naming what was being done (request, block, address) when it
 * fails. Every wait goes through the transport's clock and is bounded, so a device that lies
 * about its poll timeout or stays busy forever produces a clear error, never a hang.
 */
#ifndef DFU_PROTO_H
#define DFU_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "../usb/transport.h"
#include "libdfu/device.h"
#include "libdfu/layout.h"
#include "quirks.h"

/* The longest single operation a DFU device performs: an STM32F405 mass erase, 32 s at most
 * (DS8626), with margin (dfu-util allows 35 s). */
#define DFU_LONGEST_OPERATION_MS 40000u

/* Default control-transfer timeout, as dfu-util uses for every request. */
#define DFU_CONTROL_TIMEOUT_MS 5000u
/* The largest control transfer every host stack takes (libusb on Linux caps at 4 KiB). */
#define DFU_MAX_TRANSFER 4096u

/* Asked while the device keeps the host waiting; non-zero stops the wait. */
typedef int (*dfu_wait_hook)(void *payload);

typedef struct dfu_status_reply {
    uint8_t status;   /* bStatus */
    uint32_t poll_ms; /* bwPollTimeout */
    uint8_t state;    /* bState */
    uint8_t istring;
} dfu_status_reply;

/* Counters, for tests that assert round trips per block and for progress estimates. */
typedef struct dfu_proto_stats {
    uint64_t control; /* all control transfers */
    uint64_t dnload;  /* DFU_DNLOAD requests (data blocks and DfuSe commands) */
    uint64_t upload;
    uint64_t getstatus;
    uint64_t set_address; /* DfuSe Set Address Pointer commands */
    uint64_t erase;       /* DfuSe erase commands (page or mass) */
    uint64_t slept_us;    /* time spent waiting as the device asked */
} dfu_proto_stats;

struct dfu_device {
    dfu_ctx *ctx;
    dfu_backend *backend;
    dfu_transport *t;
    dfu_clock *clock;
    dfu_device_info info;
    dfu_quirks quirks;
    uint8_t iface; /* of the selected alternate setting */
    uint8_t alt;
    uint16_t transfer_size; /* effective: the size of the blocks the host sends */
    /* DfuSe: the size the device places blocks by (its descriptor's, or the quirk's that corrects
     * it), block N at pointer + (N - 2) x this (AN3156). Runs of blocks after one Set Address
     * land right only when transfer_size is the same. */
    uint16_t device_transfer_size;
    bool dfuse;
    bool can_upload;
    bool can_download;
    dfu_layout **layouts; /* per entry of info.alts; NULL where the name is not a layout */
    dfu_proto_stats stats;
    dfu_wait_hook wait_hook; /* asked while the device keeps the host waiting (an update's) */
    void *wait_payload;
    bool settling; /* after a cancel: every wait stops at its first question */
    bool idling;   /* in dfu_make_idle: its requests do not wait for it (dfu_req_ready) */
    /* A wait the caller cancelled while the device worked (busy_until_us 0: none since the
     * device was last brought to dfuIDLE): it goes on with busy_what, begun at busy_since_us, and
     * may stay busy (and hold requests) until busy_until_us. */
    uint64_t busy_since_us, busy_until_us;
    char busy_what[96];
    bool gone;                         /* the device disconnected (expected after leave/reset) */
    bool detached;                     /* open found it running its application and detached it */
    uint16_t runtime_vid, runtime_pid; /* its ids in run-time mode, when detached */
};

/* The device's alternate settings for a message, "0 \"Internal Flash\", 1 \"Option Bytes\"", in
 * buf. Returns buf. */
const char *dfu_alt_list(const dfu_device *d, char *buf, size_t cap);
/* DFU_ERR_ARG naming the alternate setting the device does not have, and those it has: the same
 * at open (dfu_open_options.alt) and later (dfu_device_set_alt). */
int dfu_err_no_alt(dfu_device *d, int alt);

/* Whether a layout's name holds word, in any case ("Internal Flash" has "flash"). */
bool dfu_layout_named(const dfu_layout *layout, const char *word);
/* The first sector a bootloader leaves to the application (writable and erasable): where the
 * application's vector table must be. */
bool dfu_layout_app_start(const dfu_layout *layout, uint32_t *out);
/* What a mass erase of the layout's memory blanks: its erasable sectors (count, bytes) and the
 * first one's address. False when none is erasable. */
bool dfu_layout_erasable(const dfu_layout *layout, uint32_t *first, uint64_t *bytes,
                         unsigned *sectors);

/* What a wait is for: names it in messages and sizes its timeouts. */
typedef struct dfu_wait {
    const char *what;       /* "erase of sector 0x08020000" */
    uint32_t expect_ms;     /* the longest the operation may legitimately take */
    uint32_t first_poll_ms; /* quirk: wait at least this long before the first re-poll */
    bool erase;             /* an erase (the H7 stuck-dfuDNBUSY recovery applies) */
    /* The device resets to finish the operation (ST ROM: option bytes, Read Unprotect; AN2662
     * fig.56): once it took the request, its going away is the success (d->gone set). */
    bool resets;
} dfu_wait;

/*
 * Waiting that the caller may stop (wait.c). Every wait asks, at every DFU_WAIT_ASK_MS of it
 * (transport.h), the context's cancel callback and then the device's wait hook; either saying
 * stop ends it with DFU_ERR_CANCELLED. A wait shorter than that is never asked: it finishes.
 */
/* One wait: when it last asked. */
typedef struct dfu_waiter {
    uint64_t asked_us;
} dfu_waiter;

/* Whether to stop waiting now (asks the callbacks). */
bool dfu_wait_stop(dfu_device *d);
/* The same as a transport's `waiting` and a backend wait's `stop` callback: d is the device. */
int dfu_wait_stop_arg(void *d);
/* Installs (or, with NULL, removes) the hook asked while the device keeps the host waiting. */
void dfu_device_set_wait_hook(dfu_device *d, dfu_wait_hook hook, void *payload);
/* Makes the transport ask too while the device holds a transfer (the ST ROM holds GETSTATUS
 * through a whole erase). */
void dfu_wait_attach(dfu_device *d);
void dfu_waiter_start(dfu_device *d, dfu_waiter *w);
/* Sleeps us microseconds on the device's clock, asking whenever DFU_WAIT_ASK_MS of the wait
 * have passed: 0, or DFU_ERR_CANCELLED (no message: dfu_wait_abandon records it). */
int dfu_wait_sleep(dfu_device *d, dfu_waiter *w, uint64_t us);
/* A wait for `what`, started at start_us and allowed expect_ms, was cancelled: the device goes on
 * with it, so it may be busy until then (d->busy_*). Records the message and returns
 * DFU_ERR_CANCELLED. */
int dfu_wait_abandon(dfu_device *d, const char *what, uint64_t start_us, uint32_t expect_ms);
/* Whether an operation whose wait was cancelled may still keep the device busy: it has not had
 * the longest time it may take yet. */
bool dfu_device_may_be_busy(const dfu_device *d);
/* How long, at time now on the device's clock, it may still be busy with it (0: no longer). */
uint64_t dfu_device_busy_left_us(const dfu_device *d, uint64_t now);
/* After a cancel: back to dfuIDLE when that takes no waiting (ABORT, CLRSTATUS, an operation
 * about to end); a device busy with a longer one is left to finish it. Keeps the cancel's error.
 * True when the device is in dfuIDLE. */
bool dfu_settle_cancelled(dfu_device *d);

/*
 * Before every request to the device, whichever operation makes it (requests.c sends every
 * class request through here; dfu_device_set_alt calls it too): when a wait was cancelled since
 * the device was last in dfuIDLE, the device may still be busy with what it was told (an erase
 * goes on by itself), so it is waited for first (dfu_make_idle, whose own requests, like those
 * of settling after a cancel, pass). DFU_OK, or why that wait failed. dfu_device_reset does not
 * wait: a USB reset is what a device stuck busy needs.
 */
int dfu_req_ready(dfu_device *d);
/* Class requests. Return 0 (or bytes for upload) or a transport error with a message. */
int dfu_req_getstatus(dfu_device *d, dfu_status_reply *st, unsigned timeout_ms);
int dfu_req_clrstatus(dfu_device *d);
int dfu_req_abort(dfu_device *d);
int dfu_req_dnload(dfu_device *d, uint16_t block, const uint8_t *data, uint16_t len);
int dfu_req_upload(dfu_device *d, uint16_t block, uint8_t *data, uint16_t len);

/*
 * After a DNLOAD: GETSTATUS until the device is no longer busy, sleeping exactly the
 * bwPollTimeout it asks for between polls and not after the final one. Returns 0 with the final
 * status (dfuDNLOAD-IDLE, dfuIDLE, dfuMANIFEST*, ...), DFU_ERR_DEVICE when the device reports an
 * error (its status named), or DFU_ERR_TIMEOUT when it stays busy past the bound. For a wait
 * that `resets`, also 0 when the device went away (d->gone set, *final zeroed).
 */
int dfu_poll(dfu_device *d, const dfu_wait *w, dfu_status_reply *final);

/*
 * A DNLOAD and the wait after it, surviving a lost request or a lost answer: DNLOAD moves the
 * device to dfuDNLOAD-SYNC and only GETSTATUS moves it on, so after a failed DNLOAD the state
 * tells whether the block arrived (continue) or not (send it again). A device that programs
 * blocks in order (DFU 1.1) must never get one twice, and now never does.
 */
int dfu_dnload_wait(dfu_device *d, uint16_t block, const uint8_t *data, uint16_t len,
                    const dfu_wait *w, dfu_status_reply *final);

/*
 * After a request that should make a device leave (leave, manifestation) failed with rc: has it
 * left? A disconnect says so; otherwise the device is asked. One that no longer answers has left
 * (1, d->gone set, the error cleared). One that answers is still here (0, its status in *st) and
 * its state decides. Anything else is an error.
 */
int dfu_confirm_left(dfu_device *d, int rc, const char *what, dfu_status_reply *st);

/* After the device went away by itself (it reset to load its option bytes): waits up to wait_ms
 * for it to come back in DFU mode at its port path, then talks to it again as it was opened
 * (same alternate setting, dfuIDLE). DFU_ERR_NO_DEVICE when it does not come back so (it
 * started its application); DFU_ERR_REFUSED when another device came back there. */
int dfu_device_reopen(dfu_device *d, unsigned wait_ms);

/* Brings the device to dfuIDLE from wherever an earlier session left it: CLRSTATUS from
 * dfuERROR, ABORT from a stale dfuDNLOAD-IDLE/dfuUPLOAD-IDLE, a wait (and the H7 recovery)
 * from dfuDNBUSY. Logs what it found and did. */
int dfu_make_idle(dfu_device *d);

/* DfuSe commands (AN3156): a DNLOAD with wBlockNum 0, executed on the following GETSTATUS. */
int dfu_dfuse_set_address(dfu_device *d, uint32_t address);
int dfu_dfuse_erase_page(dfu_device *d, uint32_t address, uint32_t size);
int dfu_dfuse_mass_erase(dfu_device *d);
int dfu_dfuse_read_unprotect(dfu_device *d);
/* Leaves DFU mode and starts the application (at address when given). A device that resets as
 * soon as it accepts the request is a success: that is what leaving means. */
int dfu_dfuse_leave(dfu_device *d, const uint32_t *address);
/* Writes len (<= transfer size) bytes as data block `block` (>= 2) and waits for it. */
int dfu_dfuse_write_block(dfu_device *d, uint16_t block, const uint8_t *data, uint16_t len,
                          uint32_t address_for_messages);
/* The same for the block after which the device resets (the last of its option bytes: the ST
 * ROM loads them with a reset): the device going away once it took the block is success, with
 * d->gone set. A device still there must end in dfuDNLOAD-IDLE, as after any block. */
int dfu_dfuse_write_block_then_reset(dfu_device *d, uint16_t block, const uint8_t *data,
                                     uint16_t len, uint32_t address_for_messages);
/* Reads len bytes at address: Set Address, ABORT to dfuIDLE, UPLOAD blocks from 2 (a new Set
 * Address for every block when the device places blocks by another size). */
int dfu_dfuse_read(dfu_device *d, uint32_t address, uint8_t *buf, size_t len);

/* DFU 1.1: one download block and the wait the device asks for afterwards. */
int dfu_dfu11_write_block(dfu_device *d, uint16_t block, const uint8_t *data, uint16_t len);
/* DFU 1.1: the zero-length download that ends a download (sent again, up to 3 times in all, while
 * the device is still in dfuDNLOAD-IDLE: it never arrived), then manifestation: polls while the
 * device manifests, resets it when it waits for a reset (unless it detaches by itself). A device
 * that disconnects to start its new firmware has succeeded. */
int dfu_dfu11_manifest(dfu_device *d, uint16_t block);
/* DFU 1.1: one upload block; returns the bytes received (fewer than len ends the upload). */
int dfu_dfu11_read_block(dfu_device *d, uint16_t block, uint8_t *buf, uint16_t len);

/* DFU 1.1 has no addresses, and a device may place block N at N x its own wTransferSize
 * (TinyUSB's class does) where another streams blocks one after the other (dapboot does): blocks
 * of another size land in the wrong places on the first kind. DFU_ERR_REFUSED, before anything
 * is sent, when the host was told to write blocks of another size than the device's own, unless
 * force (then a warning); what names the device. */
int dfu_dfu11_check_block_size(dfu_device *d, const char *what, bool force);

/* The block size for DFU 1.1 uploads: the device's own when it has a usable one, whatever the
 * host writes with. Block N of the device's own size is N x that size on every device, so a read
 * back shows blocks that a forced size put in the wrong places instead of reading them back the
 * same wrong way. */
uint16_t dfu_dfu11_upload_size(const dfu_device *d);

/* The longest an erase of `size` bytes may take (datasheet maxima, rounded up). */
uint32_t dfu_erase_expect_ms(uint32_t size);

/* "device reports errWRITE (device is unable to write memory), state dfuERROR" */
int dfu_err_status(dfu_device *d, const dfu_status_reply *st, const char *what);

#endif
