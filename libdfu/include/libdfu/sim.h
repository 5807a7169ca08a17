/*
 * Simulated DFU devices.
 *
 * A dfu_sim is a device, not a host: it answers USB control transfers the way a real DFU or DfuSe
 * bootloader does, including its timing, its flash physics and its known bugs, and it can be
 * told to fail on purpose (faults). It shares only the constants of spec.h with the host side of
 * libdfu, so a host bug shows up against it as it would on a real board.
 *
 * Time is passed in by the caller (microseconds on any monotonic scale starting at 0): the device
 * is a pure function of the requests it receives and when it receives them, so the same inputs
 * and seed give the same behaviour. In-process use goes through the "sim:" selector (device.h),
 * which drives a virtual clock: a 30-second erase costs no real time unless "realtime" is given.
 *
 * Spec string: PROFILE[,option[=value]]... (a leading "sim:" is accepted). Options:
 *   runtime            power up as the profile's application with a DFU run-time interface,
 *                      which detaches into the bootloader
 *   state=FILE         the device's memory and state live in FILE (created when missing), so a
 *                      second process finds the device as the first left it
 *   seed=N             seed for every random choice (fault rates, partial writes)
 *   realtime           the in-process transport sleeps for real (default: virtual clock)
 *   serial=S           USB serial number (default: the profile's)
 *   path=P             USB port path reported by the in-process backend (default: "sim-N")
 *   boot0=0|1          ST ROM profiles: the BOOT0 strap (1, the default, always enters the ROM)
 *   reenum=MS          time the device takes to re-enumerate (default: the profile's)
 *   rdp=1              start with flash read protection active
 *   fault=KIND@WHERE[:ARG]  inject a fault; repeatable, combinable. See dfu_sim_new() below.
 */
#ifndef LIBDFU_SIM_H
#define LIBDFU_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "context.h"
#include "device.h"
#include "export.h"
#include "spec.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dfu_sim dfu_sim;

typedef struct dfu_sim_profile_info {
    const char *name;        /* "stm32f405" */
    const char *description; /* the real device it mirrors, one paragraph */
    const char *sources;     /* where its behaviour comes from */
} dfu_sim_profile_info;

DFU_API size_t dfu_sim_profile_count(void);
DFU_API const dfu_sim_profile_info *dfu_sim_profile_at(size_t index);

/*
 * Faults (KIND@WHERE[:ARG]); N counts from 0 since the device was created:
 *   unplug@block:N       the USB link drops when download data block N arrives
 *   unplug@erase:N       the USB link drops during the Nth erase (the device keeps power)
 *   powerloss@block:N    power is cut when data block N arrives
 *   powerloss@erase:N[:F]    power is cut during the Nth erase, fraction F (0..1) of it done
 *   powerloss@program:N[:F]  power is cut while programming block N, fraction F of it written
 *   xfer@rate:R          each control transfer fails on the wire with probability R
 *   stall@block:N        the device stalls download block N (and enters dfuERROR)
 *   lie@block:N[:STATE:STATUS]  the status after block N reports a wrong state/status
 *   polltimeout@block:N:MS      the status after block N reports bwPollTimeout MS
 *   busy@block:N         the device stays in dfuDNBUSY forever after block N
 *   reset@block:N        the device resets itself when block N arrives
 * Malformed fault strings are DFU_ERR_ARG with the offending text.
 */
DFU_API int dfu_sim_new(dfu_sim **out, dfu_ctx *ctx, const char *spec);
/* Flushes the state file, if any. */
DFU_API void dfu_sim_free(dfu_sim *sim);

/* The outcome of one control transfer. */
typedef struct dfu_sim_xfer {
    int result;       /* >= 0 bytes moved; or DFU_ERR_STALL, DFU_ERR_DISCONNECTED, DFU_ERR_USB */
    uint64_t done_us; /* when the transfer completes: the device may hold it while busy */
} dfu_sim_xfer;

/*
 * One control transfer (standard, class or vendor) reaching the device at now_us. For OUT
 * transfers data holds wLength bytes from the host; for IN transfers it has room for wLength
 * bytes. A host whose timeout expires before done_us sees a timeout; the device has acted anyway.
 */
DFU_API void dfu_sim_control(dfu_sim *sim, uint64_t now_us, const dfu_usb_setup *setup,
                             uint8_t *data, dfu_sim_xfer *out);
/* SET_INTERFACE (claiming is free). DFU_ERR_STALL for an alternate setting that does not exist. */
DFU_API int dfu_sim_set_interface(dfu_sim *sim, uint64_t now_us, uint8_t interface, uint8_t alt);
/* USB reset signalling from the host. */
DFU_API void dfu_sim_bus_reset(dfu_sim *sim, uint64_t now_us);
/* Cable: unplug drops the link (the device stays powered); plug brings it back. */
DFU_API void dfu_sim_unplug(dfu_sim *sim, uint64_t now_us);
DFU_API void dfu_sim_plug(dfu_sim *sim, uint64_t now_us);
/* Power cut and restored: RAM and DFU state are lost, flash is kept; boot logic decides the mode.
 */
DFU_API void dfu_sim_power_cycle(dfu_sim *sim, uint64_t now_us);
/* The "button": while held, the next power-up or reset stays in the bootloader. */
DFU_API void dfu_sim_hold_bootloader_button(dfu_sim *sim, bool held);

/* How the device looks on the bus. */
typedef struct dfu_sim_bus {
    bool present;            /* enumerated now */
    bool dfu_capable;        /* it exposes a DFU interface (run-time or DFU mode) */
    dfu_mode mode;           /* when dfu_capable */
    uint32_t generation;     /* increments on every (re-)enumeration: a new device number */
    uint64_t next_change_us; /* when it appears or changes next; UINT64_MAX when nothing pending */
} dfu_sim_bus;

DFU_API void dfu_sim_bus_status(dfu_sim *sim, uint64_t now_us, dfu_sim_bus *out);
/* The device descriptor followed by the configuration descriptor, as a USB stack caches them
 * (Linux sysfs "descriptors"). DFU_ERR_DISCONNECTED when not present. */
DFU_API int dfu_sim_descriptors(dfu_sim *sim, uint8_t *buf, size_t cap, size_t *len);

/* Options the device carries for whoever serves it: "path=" (NULL when not given) and
 * "realtime". */
DFU_API const char *dfu_sim_path(const dfu_sim *sim);
DFU_API bool dfu_sim_realtime(const dfu_sim *sim);

/* Introspection and backdoors, for tests and harnesses. */
DFU_API const char *dfu_sim_profile_name(const dfu_sim *sim);
DFU_API dfu_state dfu_sim_state(const dfu_sim *sim);
DFU_API dfu_status dfu_sim_status(const dfu_sim *sim);
/* True while the bootloader runs (DFU mode); false while the application runs. */
DFU_API bool dfu_sim_in_bootloader(const dfu_sim *sim);
/* Reads or writes the device's memory directly (any region, ignoring protection and physics). */
DFU_API int dfu_sim_peek(const dfu_sim *sim, uint32_t address, uint8_t *buf, size_t len);
DFU_API int dfu_sim_poke(dfu_sim *sim, uint32_t address, const uint8_t *buf, size_t len);

/* A region of the device's memory map. */
typedef struct dfu_sim_region {
    const char *name; /* "Internal Flash", "Option Bytes", "SRAM", "System Memory"... */
    uint32_t address;
    uint32_t size;
    uint8_t access;            /* dfu_mem_access bits, as the layout string announces them */
    bool protected_bootloader; /* holds (part of) the bootloader: that part never changes */
    uint32_t bootloader_size;  /* bytes at the start of the region holding the bootloader */
} dfu_sim_region;

DFU_API size_t dfu_sim_region_count(const dfu_sim *sim);
DFU_API int dfu_sim_region_at(const dfu_sim *sim, size_t index, dfu_sim_region *out);

/* Counters since creation, for sweeps (how many points to inject at) and protocol tests. */
typedef struct dfu_sim_stats {
    uint64_t control_transfers;
    uint64_t dnload_blocks;   /* DNLOAD with data that is not a DfuSe command */
    uint64_t dnload_commands; /* DfuSe commands (wBlockNum 0) */
    uint64_t upload_blocks;
    uint64_t getstatus;
    uint64_t erases;   /* sector/page erases performed (mass erase counts once) */
    uint64_t programs; /* program operations (one per data block) */
    uint64_t resets;   /* bus resets and self-resets */
    uint64_t enumerations;
} dfu_sim_stats;

DFU_API void dfu_sim_get_stats(const dfu_sim *sim, dfu_sim_stats *out);

/* A line per event (request, answer, state change, fault) with its time, for determinism tests
 * and debugging. cb NULL stops tracing. */
typedef void (*dfu_sim_trace_cb)(const char *line, void *payload);
DFU_API void dfu_sim_set_trace(dfu_sim *sim, dfu_sim_trace_cb cb, void *payload);

#ifdef __cplusplus
}
#endif
#endif
