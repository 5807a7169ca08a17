/*
 * How long the host may wait for a device, derived from the limits the protocol layer documents
 * (proto.h: every request has a 5 s timeout; every wait ends within 2 x the operation's longest
 * legitimate time + 10 s; retries are counted). fuzz_device asserts these whatever the device
 * answers, so a lying bwPollTimeout of 0xFFFFFF (4.6 hours) can never make the host wait hours.
 *
 * The figures are copied here on purpose, not included: raising a limit in the library must be
 * a decision that also changes this file. All times in milliseconds.
 */
#ifndef DFU_FUZZ_WAIT_BOUNDS_H
#define DFU_FUZZ_WAIT_BOUNDS_H

#include <stdbool.h>
#include <stdint.h>

#define B_REQUEST    5000u  /* proto.h DFU_CONTROL_TIMEOUT_MS: one control transfer */
#define B_SLACK      10000u /* poll.c: a wait may take 2 x expected + this */
#define B_OVERRUN    1000u  /* poll.c: the last GETSTATUS may end this long after the deadline */
#define B_COMMAND    1000u  /* dfuse.c: Set Address */
#define B_WRITE      1000u  /* dfuse.c: programming one block */
#define B_MASS       40000u /* dfuse.c: a mass erase (F405 datasheet 32 s, plus margin) */
#define B_DFU11      2000u  /* dfu11.c: programming one block */
#define B_MANIFEST   10000u /* dfu11.c: manifestation */
#define B_SET_ALT    1000u  /* usb_sim.c: SET_INTERFACE's timeout */
#define B_IDLE_STALL 50u    /* poll.c: make_idle's pause after a tolerated stall */
#define B_STALLS     3u     /* the poll-stalls quirk (ST ROMs); the harness sets no more */
#define B_CONFIRM    2000u /* poll.c dfu_confirm_left: after a failed request, 2 GETSTATUS of 1 s */
/* A wait for an operation that ends in a reset (Read Unprotect, the last block of option bytes)
 * confirms a failed GETSTATUS that way: at most once past its deadline, so B_CONFIRM more. */

/* poll.c wait_busy: make_idle waits for an earlier operation: on DfuSe a mass erase
 * (proto.h DFU_LONGEST_OPERATION_MS), on DFU 1.1 a 128 KiB erase (dfu_erase_expect_ms). */
static inline uint64_t b_idle_wait(bool dfuse)
{
    return dfuse ? 40000u : 5120u;
}

/* poll.c dfu_erase_expect_ms: 40 ms per KiB, at least 100 ms. */
static inline uint64_t b_erase_expect(uint32_t size)
{
    uint64_t ms = (uint64_t)(size / 1024u) * 40u;
    return ms > 100 ? ms : 100;
}

/* The longest single wait for an operation expected to take up to e. */
static inline uint64_t b_wait(uint64_t e)
{
    return 2 * e + B_SLACK;
}

/* The longest timeout a GETSTATUS of that wait asks for. */
static inline uint64_t b_poll_timeout(uint64_t e)
{
    return e + 2000 > B_REQUEST ? e + 2000 : B_REQUEST;
}

/* dfu_poll: the wait, the GETSTATUS that straddles its end, and for erases the stuck-dnbusy
 * recovery (CLRSTATUS and GETSTATUS, twice). */
static inline uint64_t b_poll(uint64_t e, bool erase)
{
    return b_wait(e) + B_OVERRUN + (erase ? 4 * B_REQUEST : 0);
}

/* dfu_dnload_wait: up to 4 DNLOADs, each followed by up to 3 GETSTATUS probes, the device's
 * poll timeout once (at most e), then the poll. */
static inline uint64_t b_dnload_wait(uint64_t e, bool erase)
{
    return 4 * 4 * B_REQUEST + e + b_poll(e, erase);
}

/* dfu_make_idle: 8 rounds of (3 lost GETSTATUS, 1 answered, then CLRSTATUS, ABORT, or a wait
 * for an earlier operation and a CLRSTATUS), then a last round that fails; the stalls it
 * tolerates, each with a pause. */
static inline uint64_t b_make_idle(bool dfuse)
{
    return 8 * (4 * B_REQUEST + b_poll(b_idle_wait(dfuse), true) + B_REQUEST) + 4 * B_REQUEST +
           B_STALLS * (B_REQUEST + B_IDLE_STALL);
}

/* dfu_dfuse_read: per run, Set Address and ABORT; one UPLOAD per block; ABORT. A run is 65534
 * blocks, or one when the device places blocks by another size than the host reads (per_block). */
static inline uint64_t b_dfuse_read(uint64_t len, uint32_t xfer, bool per_block)
{
    uint64_t blocks = (len + xfer - 1) / xfer, runs = per_block ? blocks : blocks / 65534 + 1;
    return runs * (b_dnload_wait(B_COMMAND, false) + 2 * B_REQUEST) + blocks * B_REQUEST;
}

/* dfu_dfuse_leave: an optional Set Address, the zero-length DNLOAD and one GETSTATUS; after a
 * failure, the GETSTATUS that confirm the device has left. */
static inline uint64_t b_dfuse_leave(bool address)
{
    return (address ? b_dnload_wait(B_COMMAND, false) : 0) + 2 * B_REQUEST + B_CONFIRM;
}

/* dfu_dfu11_manifest: the zero-length DNLOAD (sent up to 3 times when it is lost), polls until 2 x
 * the manifestation time, the GETSTATUS that straddles it. */
static inline uint64_t b_manifest(void)
{
    return 3 * (B_REQUEST + B_CONFIRM) + 2 * B_MANIFEST + B_REQUEST + B_CONFIRM;
}

#endif
