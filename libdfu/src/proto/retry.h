/*
 * Retrying what failed for a reason that may pass (a lost transfer, a stall, a glitch the device
 * reported): one policy for every operation, in an update and on its own.
 */
#ifndef DFU_PROTO_RETRY_H
#define DFU_PROTO_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* The retries one series of operations allows and has made. */
typedef struct dfu_retry {
    unsigned limit;   /* further attempts allowed per operation */
    unsigned used;    /* retries made, over every operation */
    bool idle_failed; /* after a failure the device could not be brought back to dfuIDLE */
} dfu_retry;

#define DFU_DEFAULT_RETRIES DFU_RETRIES_DEFAULT
/* Reads are retried and reported in pieces of this size: a lost transfer costs little. */
#define DFUSE_READ_CHUNK 16384u

/* Worth another attempt after bringing the device back to dfuIDLE? Lost or stalled transfers
 * and protocol confusion are; a device that left is not, nor a status that is never a glitch
 * (errVENDOR, errTARGET, errADDRESS). */
bool dfu_transient(const dfu_device *d, int rc);

/* Back to dfuIDLE after a failure. If even that fails, the error tells both what had failed and
 * why the device could not be brought back (and r->idle_failed is set). */
int dfu_retry_idle(dfu_device *d, dfu_retry *r);

/* After a failure that stands: the device is left in dfuIDLE, so the next session finds it clean,
 * and the failure's error is kept (a warning says when the device could not be brought back).
 * Nothing is done when it has left or could not be brought back before. */
void dfu_settle(dfu_device *d, const dfu_retry *r);

/* Attempt `attempt` (from 1) of something failed with *rc. True when it is worth another: the
 * retry is counted, a warning says "<what> failed: <error>; retrying (n of limit)" and the device
 * is back in dfuIDLE. False otherwise, with *rc the error to return (0 when nothing failed). */
bool dfu_retry_again(dfu_device *d, dfu_retry *r, int *rc, unsigned attempt, const char *what);

/* DfuSe erase of one sector, mass erase and read of a range, retried as above. */
int dfu_dfuse_erase_retrying(dfu_device *d, dfu_retry *r, uint32_t address, uint32_t size);
int dfu_dfuse_mass_erase_retrying(dfu_device *d, dfu_retry *r);
int dfu_dfuse_read_retrying(dfu_device *d, dfu_retry *r, uint32_t address, uint8_t *buf,
                            size_t len);

#endif
