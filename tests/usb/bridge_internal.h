/* The bridge's pieces: devices, their enumerations (plugs) and queued URBs. One lock guards all
 * of it: umockdev's ioctl thread and the bridge's service thread both take it. */
#ifndef DFU_TEST_SIM_USB_BRIDGE_INTERNAL_H
#define DFU_TEST_SIM_USB_BRIDGE_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "bridge.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#include <umockdev.h>
#pragma GCC diagnostic pop

typedef struct sim_dev sim_dev;

/* A control URB submitted by a client, completed at done_wall (wall clock, microseconds). */
typedef struct urb {
    struct urb *next;
    UMockdevIoctlClient *client;
    UMockdevIoctlData *urb_data; /* the client's struct usbdevfs_urb */
    UMockdevIoctlData *buf_data; /* its buffer: setup packet + data */
    uint64_t done_wall;
    int status; /* 0, -EPIPE (stall), -ENOENT (discarded), -ESHUTDOWN (device gone) */
    int actual;
} urb;

/* One enumeration of a device: a device number, its node and the ioctl handler behind it. A plug
 * outlives its time on the bus (clients may still hold the node open): then it is gone. */
typedef struct plug {
    struct plug *next_retired;
    sim_dev *dev;
    unsigned devnum;
    char devnode[32]; /* /dev/bus/usb/001/005 */
    UMockdevIoctlBase *handler;
    int fifo;     /* the node: a FIFO kept full while nothing is reapable (see update_fifo) */
    bool drained; /* one page read out of the FIFO: clients' poll() sees POLLOUT */
    bool gone;
    urb *urbs; /* submission order */
} plug;

struct sim_dev {
    sim_usb *bridge;
    dfu_sim *sim;
    unsigned port;
    char path[16];    /* "1-2" */
    char syspath[48]; /* /sys/devices/usb1/1-2 */
    bool realtime;
    uint64_t skipped_us; /* how far the device's clock was moved ahead of the wall clock */
    uint32_t generation;
    plug *cur; /* NULL while off the bus */
    unsigned devnum;
    unsigned plugs;
};

struct sim_usb {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* a plug or unplug happened */
    UMockdevTestbed *tb;
    char *root;
    sim_dev *devs;
    size_t count;
    unsigned next_devnum;
    unsigned node_mode;
    uint64_t start_wall;
    plug *retired;
    pthread_t thread;
    bool thread_started, stop, verbose;
    int wake[2]; /* writing to wake[1] makes the service thread look again */
};

/* The device's clock now. */
uint64_t sim_dev_now(sim_dev *d);
void sim_usb_wake(sim_usb *b);
/* SET_CONFIGURATION to the device, as the kernel sends it at enumeration. */
int sim_dev_configure(sim_dev *d, uint8_t value);
/* Brings the bus in line with the device (plug, unplug, re-enumerate); returns the next wall
 * time at which something is due for this device (UINT64_MAX: nothing). Lock held. */
uint64_t sim_dev_service(sim_dev *d);

/* bridge_urb.c */
void plug_connect_handler(plug *p);
/* Makes the FIFO writable iff some URB can be reaped. */
void plug_update_fifo(plug *p, uint64_t wall);
/* Completes every queued URB with status (device gone). */
void plug_fail_all(plug *p, int status);
/* The earliest pending completion, UINT64_MAX when none. */
uint64_t plug_next_due(const plug *p);
void plug_free_urbs(plug *p);

#endif
