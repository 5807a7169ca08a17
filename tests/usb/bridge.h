/*
 * The simulator on a real USB stack: simulated devices (sim.h) served as USB devices through
 * umockdev, so that any unmodified libusb program (dfu-util, libdfu's own libusb backend) in this
 * process or its children lists, opens and talks to them. See notes/umockdev.md for the recipe
 * and README.md ("Testing without hardware") for the program built on this, dfu-sim-usb.
 *
 * Each spec becomes one device on bus 1, at port path "1-1", "1-2"... in order. A device that
 * re-enumerates (detach, reset, leave, a fault) really leaves the bus and comes back with a new
 * device number. Transfers complete when the simulated device says (its done_us, on the wall
 * clock): with "realtime" in the spec the device takes its modelled time; without it the bridge
 * skips the device's clock ahead so that busy operations and re-enumeration take no real time.
 *
 * Only a process running under umockdev's preload can own the testbed: call
 * sim_usb_reexec_under_preload() first thing in main().
 */
#ifndef DFU_TEST_SIM_USB_BRIDGE_H
#define DFU_TEST_SIM_USB_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <libdfu/sim.h>

typedef struct sim_usb sim_usb;

/*
 * Re-executes the program with umockdev's preload library in LD_PRELOAD unless it is already
 * there. Returns only when already preloaded (true), or when re-executing failed (false, with a
 * message in err).
 */
bool sim_usb_reexec_under_preload(char **argv, char *err, size_t errlen);

/* Creates the testbed and plugs one device per spec. On failure returns NULL with a message. */
sim_usb *sim_usb_new(const char *const *specs, size_t count, char *err, size_t errlen);
/* Unplugs every device and removes the testbed. */
void sim_usb_free(sim_usb *b);

size_t sim_usb_count(const sim_usb *b);
/* The device's port path ("1-2"), fixed for its lifetime. */
const char *sim_usb_path(const sim_usb *b, size_t i);

/* The simulated device itself, for inspection (peek, state, stats) and faults: hold the lock
 * while using it, since USB requests reach it from umockdev's thread. After changing it
 * (unplug, plug, power cycle), call sim_usb_poke_bus() so the bus follows. */
void sim_usb_lock(sim_usb *b);
void sim_usb_unlock(sim_usb *b);
dfu_sim *sim_usb_sim(sim_usb *b, size_t i);
/* The device's current clock (microseconds), to pass to sim calls made under the lock. */
uint64_t sim_usb_now(sim_usb *b, size_t i);
void sim_usb_poke_bus(sim_usb *b);

/* Current device number, 0 while it is off the bus. Lock not needed. */
unsigned sim_usb_devnum(sim_usb *b, size_t i);
/* Number of times the device has been plugged in (first enumeration included). */
unsigned sim_usb_plug_count(sim_usb *b, size_t i);

/* Waits up to timeout_ms for device i to be on the bus (true) with a device number other than
 * not_devnum (0: any). */
bool sim_usb_wait_plugged(sim_usb *b, size_t i, unsigned not_devnum, unsigned timeout_ms);

/* Access mode of the device nodes (default 0666). 0600 makes a non-root client fail to open
 * them, as without a udev rule on a real system. Applies to the nodes now and later. Also lets
 * clients running as other users into the testbed (they create their uevent socket there). */
void sim_usb_set_node_mode(sim_usb *b, unsigned mode);

/* The monotonic wall clock the bridge runs on, in microseconds. */
uint64_t sim_usb_wall_us(void);

/* Logs every plug, unplug and URB to stderr (dfu-sim-usb --verbose). */
void sim_usb_set_verbose(sim_usb *b, bool verbose);

#endif
