/*
 * The bridge: a umockdev testbed with one USB device per simulated device, kept in line with
 * the device's bus status (dfu_sim_bus_status) by a service thread. The order of plugging and
 * unplugging follows notes/umockdev.md: node before "add", "remove" before the sysfs entry goes.
 */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bridge_internal.h"

#define PRELOAD_LIB "libumockdev-preload.so.0"

uint64_t sim_usb_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t sim_dev_now(sim_dev *d)
{
    return sim_usb_wall_us() - d->bridge->start_wall + d->skipped_us;
}

void sim_usb_wake(sim_usb *b)
{
    char c = 1;
    if (write(b->wake[1], &c, 1) < 0) { /* full pipe: a wake-up is pending anyway */
    }
}

static void mkdirs(const char *path)
{
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(tmp, 0755);
        *p = '/';
    }
}

/* The device node: a FIFO, full while nothing can be reaped, so that a client's idle poll()
 * blocks as on real hardware instead of spinning on an always-ready regular file. */
static int make_node(sim_usb *b, plug *p)
{
    char path[512];
    /* umockdev's preload connects to the ioctl socket before opening the node: any client may
     * connect, the node's mode alone decides who may open it. */
    snprintf(path, sizeof(path), "%s/ioctl%s", b->root, p->devnode);
    chmod(path, 0666);
    snprintf(path, sizeof(path), "%s%s", b->root, p->devnode);
    mkdirs(path);
    unlink(path);
    if (mkfifo(path, 0600) || chmod(path, b->node_mode)) return -1;
    p->fifo = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (p->fifo < 0) return -1;
    fcntl(p->fifo, F_SETPIPE_SZ, 4096);
    static char page[4096];
    while (write(p->fifo, page, sizeof(page)) == (ssize_t)sizeof(page)) {
    }
    return 0;
}

static char *hex(const uint8_t *buf, size_t len)
{
    char *s = malloc(len * 2 + 1);
    for (size_t i = 0; s && i < len; i++) snprintf(s + 2 * i, 3, "%02x", buf[i]);
    if (s) s[len * 2] = '\0';
    return s;
}

static bool describe(sim_usb *b, sim_dev *d, plug *p)
{
    uint8_t desc[4096];
    size_t len = 0;
    if (dfu_sim_descriptors(d->sim, desc, sizeof(desc), &len) || len < 18) return false;
    char *h = hex(desc, len);
    char *text = g_strdup_printf("P: /devices/usb1/%s\n"
                                 "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
                                 "E: BUSNUM=001\nE: DEVNUM=%03u\nE: DEVNAME=%s\n"
                                 "E: PRODUCT=%x/%x/%x\n"
                                 "A: busnum=1\\n\nA: devnum=%u\\n\nA: speed=12\\n\n"
                                 "A: bConfigurationValue=1\\n\nA: idVendor=%04x\\n\n"
                                 "A: idProduct=%04x\\n\nH: descriptors=%s\n",
                                 d->path, p->devnum, p->devnode, desc[8] | desc[9] << 8,
                                 desc[10] | desc[11] << 8, desc[12] | desc[13] << 8, p->devnum,
                                 desc[8] | desc[9] << 8, desc[10] | desc[11] << 8, h);
    GError *e = NULL;
    bool ok = umockdev_testbed_add_from_string(b->tb, text, &e);
    if (e) {
        fprintf(stderr, "dfu-sim-usb: %s: %s\n", d->path, e->message);
        g_error_free(e);
    }
    g_free(text);
    free(h);
    return ok;
}

/* The configuration the kernel selects at enumeration: the first one's bConfigurationValue. */
static uint8_t desc_config_value(sim_dev *d)
{
    uint8_t desc[4096];
    size_t len = 0;
    if (dfu_sim_descriptors(d->sim, desc, sizeof(desc), &len) || len < 18 + 9) return 1;
    return desc[18 + 5];
}

int sim_dev_configure(sim_dev *d, uint8_t value)
{
    dfu_usb_setup s = {0x00, 0x09 /* SET_CONFIGURATION */, value, 0, 0};
    dfu_sim_xfer x;
    dfu_sim_control(d->sim, sim_dev_now(d), &s, NULL, &x);
    return x.result < 0 ? x.result : 0;
}

static unsigned next_devnum(sim_usb *b)
{
    unsigned n = b->next_devnum;
    b->next_devnum = n >= 127 ? 2 : n + 1; /* 1 is the root hub's */
    return n;
}

static void plug_in(sim_dev *d, uint32_t generation)
{
    sim_usb *b = d->bridge;
    plug *p = calloc(1, sizeof(*p));
    p->dev = d;
    p->fifo = -1;
    p->devnum = next_devnum(b);
    snprintf(p->devnode, sizeof(p->devnode), "/dev/bus/usb/001/%03u", p->devnum);
    p->handler = umockdev_ioctl_base_new();
    plug_connect_handler(p);
    GError *e = NULL;
    bool ok = umockdev_testbed_attach_ioctl(b->tb, p->devnode, p->handler, &e) && !make_node(b, p);
    /* The kernel configures a device before userspace hears of it. */
    if (ok) sim_dev_configure(d, desc_config_value(d));
    if (ok) ok = describe(b, d, p); /* sends "add" */
    if (!ok) {
        fprintf(stderr, "dfu-sim-usb: %s: cannot plug in %s: %s\n", d->path, p->devnode,
                e ? e->message : strerror(errno));
        if (e) g_error_free(e);
        p->gone = true;
    }
    d->generation = generation;
    d->cur = p;
    d->devnum = p->devnum;
    d->plugs++;
    if (b->verbose) fprintf(stderr, "dfu-sim-usb: %s: plugged in as %s\n", d->path, p->devnode);
    pthread_cond_broadcast(&b->changed);
}

static void unplug(sim_dev *d)
{
    sim_usb *b = d->bridge;
    plug *p = d->cur;
    d->cur = NULL;
    d->devnum = 0;
    p->gone = true;
    plug_fail_all(p, -ESHUTDOWN);
    plug_update_fifo(p, sim_usb_wall_us());
    umockdev_testbed_uevent(b->tb, d->syspath, "remove");
    umockdev_testbed_remove_device(b->tb, d->syspath);
    umockdev_testbed_detach_ioctl(b->tb, p->devnode, NULL);
    p->next_retired = b->retired;
    b->retired = p;
    if (b->verbose) fprintf(stderr, "dfu-sim-usb: %s: unplugged %s\n", d->path, p->devnode);
    pthread_cond_broadcast(&b->changed);
}

/* Plugs, unplugs or re-enumerates to match the device; returns its next bus change (device
 * clock). A device off the bus comes back at once unless it runs in real time. */
static uint64_t reconcile(sim_dev *d)
{
    for (int round = 0; round < 8; round++) {
        dfu_sim_bus bus;
        uint64_t now = sim_dev_now(d);
        dfu_sim_bus_status(d->sim, now, &bus);
        bool stale = d->cur && (d->cur->gone || !bus.present || bus.generation != d->generation);
        if (stale) unplug(d);
        if (!d->cur && bus.present) plug_in(d, bus.generation);
        /* Only the wait for re-enumeration is skipped: while the device is on the bus, a pending
         * change may be a timer the host must beat (wDetachTimeOut), so it runs in real time. */
        if (bus.next_change_us == UINT64_MAX || d->realtime || bus.present)
            return bus.next_change_us;
        if (bus.next_change_us > now) d->skipped_us += bus.next_change_us - now;
    }
    return UINT64_MAX;
}

uint64_t sim_dev_service(sim_dev *d)
{
    uint64_t change = reconcile(d), wall = sim_usb_wall_us(), now = sim_dev_now(d);
    uint64_t next = change == UINT64_MAX ? UINT64_MAX : wall + (change > now ? change - now : 0);
    if (d->cur) {
        plug_update_fifo(d->cur, wall);
        uint64_t due = plug_next_due(d->cur);
        if (due > wall && due < next) next = due;
    }
    return next;
}

static void *service(void *arg)
{
    sim_usb *b = arg;
    pthread_mutex_lock(&b->lock);
    while (!b->stop) {
        uint64_t next = UINT64_MAX;
        for (size_t i = 0; i < b->count; i++) {
            uint64_t t = sim_dev_service(&b->devs[i]);
            if (t < next) next = t;
        }
        for (plug *p = b->retired; p; p = p->next_retired) plug_update_fifo(p, sim_usb_wall_us());
        uint64_t wall = sim_usb_wall_us();
        int timeout = next == UINT64_MAX ? 1000
                      : next <= wall     ? 0
                                         : (int)((next - wall + 999) / 1000);
        pthread_mutex_unlock(&b->lock);
        struct pollfd pfd = {b->wake[0], POLLIN, 0};
        if (poll(&pfd, 1, timeout > 1000 ? 1000 : timeout) > 0) {
            char buf[64];
            while (read(b->wake[0], buf, sizeof(buf)) > 0) {
            }
        }
        pthread_mutex_lock(&b->lock);
    }
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

static bool add_device(sim_usb *b, size_t i, const char *spec, char *err, size_t errlen)
{
    sim_dev *d = &b->devs[i];
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    int rc = dfu_sim_new(&d->sim, ctx, spec);
    if (rc) snprintf(err, errlen, "%s: %s", spec, dfu_ctx_error(ctx)->message);
    dfu_ctx_free(ctx);
    if (rc) return false;
    d->bridge = b;
    d->port = (unsigned)i + 1;
    d->realtime = dfu_sim_realtime(d->sim);
    snprintf(d->path, sizeof(d->path), "1-%u", d->port);
    snprintf(d->syspath, sizeof(d->syspath), "/sys/devices/usb1/%s", d->path);
    return true;
}

sim_usb *sim_usb_new(const char *const *specs, size_t count, char *err, size_t errlen)
{
    /* Each transfer is three emulated ioctls with short sleeps around them: 1 ns timer slack
     * (inherited by threads and children started from here) takes ~30% off each. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    sim_usb *b = calloc(1, sizeof(*b));
    b->devs = calloc(count ? count : 1, sizeof(*b->devs));
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->changed, NULL);
    b->next_devnum = 2;
    b->node_mode = 0666;
    b->start_wall = sim_usb_wall_us();
    if (pipe(b->wake)) abort();
    fcntl(b->wake[0], F_SETFL, O_NONBLOCK);
    fcntl(b->wake[1], F_SETFL, O_NONBLOCK);
    b->tb = umockdev_testbed_new();
    b->root = umockdev_testbed_get_root_dir(b->tb);
    for (size_t i = 0; i < count; i++, b->count++)
        if (!add_device(b, i, specs[i], err, errlen)) {
            sim_usb_free(b);
            return NULL;
        }
    pthread_mutex_lock(&b->lock);
    for (size_t i = 0; i < b->count; i++) sim_dev_service(&b->devs[i]);
    pthread_mutex_unlock(&b->lock);
    b->thread_started = pthread_create(&b->thread, NULL, service, b) == 0;
    return b;
}

static void free_plug(plug *p)
{
    plug_free_urbs(p);
    if (p->fifo >= 0) close(p->fifo);
    g_object_unref(p->handler);
    free(p);
}

void sim_usb_free(sim_usb *b)
{
    if (!b) return;
    pthread_mutex_lock(&b->lock);
    b->stop = true;
    pthread_mutex_unlock(&b->lock);
    sim_usb_wake(b);
    if (b->thread_started) pthread_join(b->thread, NULL);
    pthread_mutex_lock(&b->lock);
    for (size_t i = 0; i < b->count; i++)
        if (b->devs[i].cur) unplug(&b->devs[i]);
    /* A client that still holds a node open now gets umockdev's default answer, not a freed
     * plug. */
    for (plug *p = b->retired; p; p = p->next_retired)
        g_signal_handlers_disconnect_by_data(p->handler, p);
    pthread_mutex_unlock(&b->lock);
    for (size_t i = 0; i < b->count; i++) dfu_sim_free(b->devs[i].sim);
    while (b->retired) {
        plug *p = b->retired;
        b->retired = p->next_retired;
        free_plug(p);
    }
    g_object_unref(b->tb);
    g_free(b->root);
    close(b->wake[0]);
    close(b->wake[1]);
    pthread_cond_destroy(&b->changed);
    pthread_mutex_destroy(&b->lock);
    free(b->devs);
    free(b);
}

size_t sim_usb_count(const sim_usb *b)
{
    return b->count;
}

const char *sim_usb_path(const sim_usb *b, size_t i)
{
    return b->devs[i].path;
}

void sim_usb_lock(sim_usb *b)
{
    pthread_mutex_lock(&b->lock);
}

void sim_usb_unlock(sim_usb *b)
{
    pthread_mutex_unlock(&b->lock);
}

dfu_sim *sim_usb_sim(sim_usb *b, size_t i)
{
    return b->devs[i].sim;
}

uint64_t sim_usb_now(sim_usb *b, size_t i)
{
    return sim_dev_now(&b->devs[i]);
}

void sim_usb_poke_bus(sim_usb *b)
{
    sim_usb_wake(b);
}

unsigned sim_usb_devnum(sim_usb *b, size_t i)
{
    pthread_mutex_lock(&b->lock);
    unsigned n = b->devs[i].devnum;
    pthread_mutex_unlock(&b->lock);
    return n;
}

unsigned sim_usb_plug_count(sim_usb *b, size_t i)
{
    pthread_mutex_lock(&b->lock);
    unsigned n = b->devs[i].plugs;
    pthread_mutex_unlock(&b->lock);
    return n;
}

bool sim_usb_wait_plugged(sim_usb *b, size_t i, unsigned not_devnum, unsigned timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&b->lock);
    int rc = 0;
    while (rc == 0 && (!b->devs[i].devnum || b->devs[i].devnum == not_devnum))
        rc = pthread_cond_timedwait(&b->changed, &b->lock, &until);
    bool ok = b->devs[i].devnum && b->devs[i].devnum != not_devnum;
    pthread_mutex_unlock(&b->lock);
    return ok;
}

void sim_usb_set_node_mode(sim_usb *b, unsigned mode)
{
    pthread_mutex_lock(&b->lock);
    b->node_mode = mode;
    chmod(b->root, 01777);
    for (size_t i = 0; i < b->count; i++) {
        if (!b->devs[i].cur) continue;
        char path[512];
        snprintf(path, sizeof(path), "%s%s", b->root, b->devs[i].cur->devnode);
        chmod(path, mode);
    }
    pthread_mutex_unlock(&b->lock);
}

void sim_usb_set_verbose(sim_usb *b, bool verbose)
{
    b->verbose = verbose;
}

bool sim_usb_reexec_under_preload(char **argv, char *err, size_t errlen)
{
    const char *pre = getenv("LD_PRELOAD");
    if (pre && strstr(pre, "libumockdev-preload")) return true;
    char *value = g_strdup_printf("%s%s%s", PRELOAD_LIB, pre && *pre ? ":" : "", pre ? pre : "");
    setenv("LD_PRELOAD", value, 1);
    g_free(value);
    execv("/proc/self/exe", argv);
    snprintf(err, errlen, "cannot re-execute under %s: %s", PRELOAD_LIB, strerror(errno));
    return false;
}
