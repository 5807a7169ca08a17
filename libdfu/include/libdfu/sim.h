/*
 * Simulated DFU devices.
 *
 * A dfu_sim is a device, not a host: it answers USB control transfers the way a real DFU or DfuSe
 * bootloader does, including its timing, its flash physics and its known bugs, and it can be
 * told to fail on purpose (faults). It shares only the constants of spec.h with the host side of
 * libdfu, so a host bug shows up against it as it would on a real board.
 *
 * TIME. Every call that can change the device takes now_us, the caller's clock in microseconds
 * on any monotonic scale starting at 0 (a value lower than an earlier one counts as the earlier
 * one). The device is a pure function of its spec string (with its seed), the requests it
 * receives and the times they arrive: the same inputs give the same answers and the same trace.
 * Things that happen on their own (an erase ending, the device re-appearing after a reset, the
 * detach timer, a planned fault) happen as the caller's clock passes them, whichever call
 * carries the time. The in-process backend ("sim:" selector) runs a virtual clock: a 30-second
 * erase costs no real time unless "realtime" is given.
 *
 * SPEC STRING: [sim:]PROFILE[,option[=value]]...   (values cannot contain ',')
 *   PROFILE            one of dfu_sim_profile_at() (stm32f405, stm32h743, stm32l476, mboot-f4,
 *                      dapboot-f103, tinyusb, gd32vf103, dfu11)
 *   runtime[=reset]    the application, once it runs, has a DFU run-time interface (interface
 *                      1, protocol 1, VID:PID 1209:0001, a 7-byte functional descriptor,
 *                      wDetachTimeOut 1000 ms): DFU_DETACH then a USB reset before the timeout
 *                      brings up the bootloader
 *   runtime=detach     the same with bitWillDetach: DFU_DETACH alone re-enumerates it as the
 *                      bootloader
 *   state=FILE         the device's memory and DFU state live in FILE (created from the
 *                      profile's factory state when missing), written through on every change;
 *                      see "State file" below
 *   replug             with state=: the board is plugged in again, so it powers up afresh
 *                      (RAM and DFU state lost, flash kept; the boot logic picks the mode)
 *                      instead of resuming where the last process left it
 *   seed=N             seed for every random choice (transfer errors, where a cut lands, the
 *                      byte at the boundary of a partial write); default 0
 *   realtime           the in-process backend uses the wall clock and waits for real
 *   serial=S           USB serial number (default: the profile's; ST ROMs fold a fixed UID, so
 *                      two instances collide as real boards do)
 *   product=S          the bootloader's USB product string (default: the profile's)
 *   path=P             USB port path the in-process backend reports (default "sim-N", N from 1)
 *   boot0=0|1          ST ROM profiles (stm32*, gd32vf103): the BOOT0 strap; 1 (default) always
 *                      enters the ROM, 0 runs the application (nothing on the bus when there
 *                      is none)
 *   button             bootloaders in flash (mboot-f4, dapboot-f103, tinyusb, dfu11): the
 *                      bootloader button is held, so the board stays in its bootloader when it
 *                      powers up (with replug: the way back after an interrupted update)
 *   reenum=MS          time from a reset or detach to being enumerated again (default: the
 *                      profile's, 500 ms)
 *   rdp=0|1            profiles with read protection (stm32*): start at level 1 (only when the
 *                      state file is created)
 *   tolerant=0|1       dfu11, tinyusb: bitManifestationTolerant
 *   willdetach=0|1     dfu11, tinyusb: bitWillDetach
 *   rev=V|Y            stm32h743: silicon revision; V (default) has the stuck-dfuDNBUSY erase
 *   timing=typ|max     datasheet typical (default) or maximum erase and program times
 *   transfer=N         wTransferSize (1..4096) instead of the profile's
 *   wtransfer=N        the bootloader's functional descriptor announces wTransferSize N
 *                      (0..65535) while the device still takes blocks of its real size
 *                      (transfer=, or the profile's): the 0 and 0xffff fwupd has code for
 *                      (0xffff "unspecified", guessed as 1024; 0 invalid)
 *   funclen=7|9        length of the bootloader's functional descriptor: 7 is the DFU 1.0 one
 *                      without bcdDFUVersion, which fwupd finds "weirdly, quite common"
 *   fault=KIND@WHERE[:N][:ARG...]   a fault, repeatable; see "Faults" below
 * Every unknown option, bad value or option the profile does not have is DFU_ERR_ARG, with a
 * message naming it.
 *
 * FAULTS. N counts from 0 since this instance was created, as dfu_sim_get_stats() counts: data
 * blocks (DNLOAD with data; on DfuSe devices wBlockNum >= 1), DfuSe commands (wBlockNum 0),
 * erases (a mass erase counts once) and program operations (one per data block). Each fault
 * fires once, except xfer@rate. Deterministic for a seed.
 *   unplug@block:N[:MS]      the cable is pulled when block N arrives (the request is lost, the
 *   unplug@command:N[:MS]    device keeps power and state); it is back after MS (default 1000,
 *                            0: until dfu_sim_plug()), with a new device number
 *   unplug@erase:N[:MS]      the cable is pulled half-way through erase N / program N; the
 *   unplug@program:N[:MS]    operation completes
 *   powerloss@block:N        power is cut when block N / command N arrives: RAM and DFU state
 *   powerloss@command:N      are lost, flash kept; the device boots again at once
 *   powerloss@erase:N[:F]    power is cut when fraction F (0..1, default random) of erase N /
 *   powerloss@program:N[:F]  program N is done: the first part of the range is erased /
 *                            programmed, the rest old, the byte at the boundary random
 *   xfer@rate:R              every class request fails on the wire with probability R (0..1):
 *                            half the time before the device sees it, half the time after it
 *                            acted (the answer is lost); the host sees DFU_ERR_USB. Standard
 *                            requests are spared so the device still enumerates
 *   xfer@block:N[:before|after]    block N / command N fails on the wire (DFU_ERR_USB):
 *   xfer@command:N[:before|after]  before, the device never sees it; after, it acts on it and
 *                                  its answer is lost; default: either, from the seed
 *   stall@block:N            block N / command N is stalled, dfuERROR with errSTALLEDPKT
 *   stall@command:N
 *   lie@block:N[:STATE[:STATUS]]    the first GETSTATUS after block N / command N reports this
 *   lie@command:N[:STATE[:STATUS]]  state and status (numbers or names: dfuIDLE, errWRITE);
 *                                   default dfuDNLOAD-IDLE and OK; the device is not affected
 *   polltimeout@block:N:MS   the first GETSTATUS after block N / command N reports
 *   polltimeout@command:N:MS bwPollTimeout MS (0..16777215)
 *   busy@block:N             after block N / command N the device answers dfuDNBUSY for good
 *   busy@command:N           (other requests stall) until a reset or power loss
 *   reset@block:N            the device resets itself when block N / command N arrives
 *   reset@command:N
 *
 * BUSY DEVICES. What a device does with a transfer that arrives while it is erasing or
 * programming is the profile's: it holds it (dfu_sim_xfer.done_us is when the operation ends,
 * plus the transfer's own time: a host with a shorter timeout sees a timeout, and the device
 * has acted on the request anyway), stalls it (STM32L4) or answers dfuDNBUSY (H7, TinyUSB,
 * dfu11). Every transfer costs full-speed USB time: ~1 ms plus ~1 us per byte.
 *
 * STATE FILE. Memory and DFU state (mode, state, status, alternate setting, address pointer, a
 * received block waiting for its GETSTATUS, an operation under way, what was erased, device
 * number) are written through on every change; faults, statistics and the trace are per
 * instance. When a file is opened, time resumes where it stopped and whatever was pending
 * finishes (the board kept running while no host was there). A versioned header names the
 * profile: a file of another profile is DFU_ERR_ARG, anything else unreadable DFU_ERR_FORMAT.
 * Files are created whole (temporary file, renamed) and every change goes through two
 * alternating checksummed slots with a redo record, so a process killed at any moment leaves a
 * file that loads, with memory and state that agree. One instance at a time has a file: it
 * holds an exclusive lock on it (flock; LockFileEx on Windows) from dfu_sim_new() to
 * dfu_sim_free(), dropped by the system if the process dies, and a second dfu_sim_new() on the
 * same file meanwhile, in another process or this one, is DFU_ERR_BUSY naming the file.
 *
 * This header is all a USB bridge needs (the umockdev one uses nothing else): descriptors for
 * sysfs, control transfers with their completion times, SET_INTERFACE, resets, and bus status
 * with the time of its next change.
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
    const char *description; /* the real device it mirrors, what it does, one paragraph */
    const char *sources;     /* where its behaviour and figures come from */
} dfu_sim_profile_info;

DFU_API size_t dfu_sim_profile_count(void);
/* NULL past the end. */
DFU_API const dfu_sim_profile_info *dfu_sim_profile_at(size_t index);

/* A device as the spec string says, plugged in and enumerated at time 0 (or as its state file
 * left it). DFU_ERR_ARG for a bad spec, DFU_ERR_IO/FORMAT/ARG for a bad state file,
 * DFU_ERR_BUSY when another instance (any process) has the state file open; *out is then
 * NULL. */
DFU_API int dfu_sim_new(dfu_sim **out, dfu_ctx *ctx, const char *spec);
/* Writes the state file, if any, and frees. NULL is fine. */
DFU_API void dfu_sim_free(dfu_sim *sim);

/* The outcome of one control transfer. */
typedef struct dfu_sim_xfer {
    int result;       /* >= 0 bytes moved; or DFU_ERR_STALL, DFU_ERR_DISCONNECTED, DFU_ERR_USB */
    uint64_t done_us; /* when the transfer completes (caller's clock); UINT64_MAX: the device
                       * never answers it (the host times out; its next SETUP supersedes it) */
} dfu_sim_xfer;

/*
 * One control transfer (standard, class or vendor) reaching the device at now_us. For OUT
 * transfers data holds wLength bytes from the host; for IN transfers it has room for wLength
 * bytes. Standard requests: GET_DESCRIPTOR (device, configuration, string, BOS for USB 2.1
 * devices, DFU functional), GET/SET_CONFIGURATION, GET/SET_INTERFACE, GET_STATUS,
 * SET/CLEAR_FEATURE, SET_ADDRESS; anything else stalls. Class requests go to the DFU interface
 * (wIndex); vendor requests stall. A device that is not on the bus gives DFU_ERR_DISCONNECTED.
 */
DFU_API void dfu_sim_control(dfu_sim *sim, uint64_t now_us, const dfu_usb_setup *setup,
                             uint8_t *data, dfu_sim_xfer *out);
/* SET_INTERFACE as a control transfer (claiming is free). DFU_ERR_STALL for an alternate
 * setting that does not exist. */
DFU_API int dfu_sim_set_interface(dfu_sim *sim, uint64_t now_us, uint8_t iface, uint8_t alt);
/* USB reset signalling from the host. What it does is the firmware's: the ST ROM ignores it,
 * dapboot restarts, the run-time application enters DFU mode during its detach timer, ... */
DFU_API void dfu_sim_bus_reset(dfu_sim *sim, uint64_t now_us);
/* Cable: unplug drops the link (the device stays powered and keeps working); plug brings it
 * back, enumerated with a new device number. */
DFU_API void dfu_sim_unplug(dfu_sim *sim, uint64_t now_us);
DFU_API void dfu_sim_plug(dfu_sim *sim, uint64_t now_us);
/* Power cut and restored: an operation under way stops half-done, RAM and DFU state are lost,
 * flash is kept; the boot logic decides the mode and the device re-enumerates. */
DFU_API void dfu_sim_power_cycle(dfu_sim *sim, uint64_t now_us);
/* The "button" of bootloaders in flash: while held, the next power-up or reset stays in the
 * bootloader. */
DFU_API void dfu_sim_hold_bootloader_button(dfu_sim *sim, bool held);

/* How the device looks on the bus. */
typedef struct dfu_sim_bus {
    bool present;            /* enumerated now */
    bool dfu_capable;        /* it exposes a DFU interface (run-time or DFU mode) */
    dfu_mode mode;           /* DFU mode (bootloader) or run-time (application) */
    uint32_t generation;     /* increments on every (re-)enumeration: a new device number */
    uint64_t next_change_us; /* the next moment anything may change by itself (an operation
                              * ending, re-appearing...); UINT64_MAX when nothing is pending */
} dfu_sim_bus;

DFU_API void dfu_sim_bus_status(dfu_sim *sim, uint64_t now_us, dfu_sim_bus *out);
/* The device descriptor followed by the configuration descriptor, as a USB stack caches them
 * (Linux sysfs "descriptors"), as of the last call that carried a time. DFU_ERR_DISCONNECTED
 * when not present; DFU_ERR_ARG (with *len set) when cap is too small. */
DFU_API int dfu_sim_descriptors(const dfu_sim *sim, uint8_t *buf, size_t cap, size_t *len);

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
/* Reads or writes the device's memory directly (any region, ignoring protection and physics;
 * the range must lie in one region). DFU_ERR_ARG otherwise. A poke goes to the state file. */
DFU_API int dfu_sim_peek(const dfu_sim *sim, uint32_t address, uint8_t *buf, size_t len);
DFU_API int dfu_sim_poke(dfu_sim *sim, uint32_t address, const uint8_t *buf, size_t len);

/* A region of the device's memory map (flash, option bytes, OTP, RAM, system memory...). */
typedef struct dfu_sim_region {
    const char *name; /* as the layout string writes it: "Internal Flash  " (padding kept) */
    uint32_t address;
    uint32_t size;
    uint8_t access;            /* dfu_mem_access bits the layout string announces (all groups) */
    bool protected_bootloader; /* holds (part of) the bootloader: that part never changes */
    uint32_t bootloader_size;  /* bytes at the start of the region holding the bootloader */
} dfu_sim_region;

DFU_API size_t dfu_sim_region_count(const dfu_sim *sim);
/* DFU_ERR_ARG past the end. */
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

/* A line per event, prefixed with the time in seconds on the caller's clock: each request and
 * its answer, state and status changes, operations starting and ending, bus changes, faults.
 * Same spec, seed, requests and times: the same lines. A line is valid only until the callback
 * returns. cb NULL stops tracing. */
typedef void (*dfu_sim_trace_cb)(const char *line, void *payload);
DFU_API void dfu_sim_set_trace(dfu_sim *sim, dfu_sim_trace_cb cb, void *payload);

#ifdef __cplusplus
}
#endif
#endif
