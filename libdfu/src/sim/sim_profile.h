/*
 * What a simulated device is made of: const data describing one real device (its USB identity,
 * memory map, flash physics, timings, reported poll timeouts and quirks). One file per profile
 * fills one of these; nothing in a profile changes at run time.
 */
#ifndef DFU_SIM_PROFILE_H
#define DFU_SIM_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "libdfu/sim.h"

/* How the device's firmware answers DFU class requests in DFU mode (one file each). */
typedef enum sim_dialect {
    SIM_DIALECT_SPEC,    /* DFU 1.1 appendix A to the letter (dialect_spec.c) */
    SIM_DIALECT_ST,      /* ST system bootloader and its clones, AN3156 (dialect_st.c) */
    SIM_DIALECT_MBOOT,   /* MicroPython mboot (dialect_mboot.c) */
    SIM_DIALECT_DAPBOOT, /* dapboot (dialect_dapboot.c) */
    SIM_DIALECT_TINYUSB, /* TinyUSB's DFU class driver (dialect_tinyusb.c) */
} sim_dialect;

/* What the device does with a request that arrives while a flash operation is running. */
typedef enum sim_busy {
    SIM_BUSY_DIALECT, /* the dialect decides (spec: stall and dfuERROR; H7, TinyUSB: dfuDNBUSY) */
    SIM_BUSY_HOLD,    /* the transfer is held until the operation ends (USB not serviced) */
    SIM_BUSY_STALL,   /* class requests are stalled, the state does not change (L4) */
} sim_busy;

/* Flash programming rules. */
typedef enum sim_physics {
    SIM_PHYS_AND,   /* programming ANDs the bits in; no hardware check (F4) */
    SIM_PHYS_CHECK, /* a write unit must read erased (0xFF) before programming (F1, L4, H7) */
} sim_physics;

/* How the boot code decides between the bootloader and the application. */
typedef enum sim_boot {
    SIM_BOOT_STROM,  /* BOOT0 strap selects system memory; leave jumps to the address pointer */
    SIM_BOOT_CUSTOM, /* a bootloader in flash: stays when the button is held or the app is bad */
} sim_boot;

/* What makes an application image bootable for the boot code. */
typedef enum sim_app_check {
    SIM_CHECK_VECTORS,   /* initial SP in RAM, reset vector in the app region with the Thumb bit */
    SIM_CHECK_SP_RAM,    /* dapboot: (SP & 0x2FFE0000) == 0x20000000 */
    SIM_CHECK_SP_ALIGN,  /* mboot: the low two bits of the initial SP are clear */
    SIM_CHECK_NOT_BLANK, /* RISC-V (GD32VF103): the first word is not erased flash */
} sim_app_check;

typedef enum sim_mem_kind {
    SIM_MEM_FLASH,   /* erase by sector to 0xFF, program with the profile's physics */
    SIM_MEM_OTP,     /* programmable once (same physics as flash), never erased */
    SIM_MEM_OPTION,  /* option bytes: written as a whole by register; writing resets the device */
    SIM_MEM_RAM,     /* read/write, lost on power loss */
    SIM_MEM_ROM,     /* system memory: read only */
    SIM_MEM_FEATURE, /* ST "Device Feature": four read/write bytes */
    SIM_MEM_EEPROM,  /* byte-writable, no erase (TinyUSB example's second target) */
} sim_mem_kind;

/* Access bits as layout strings announce them; the same values as layout.h's dfu_mem_access,
 * spelled out here because the device shares nothing with the host but spec.h. */
#define SIM_R 1
#define SIM_E 2
#define SIM_W 4

/* count sectors of size bytes; the last three fields say how the layout string writes them. */
typedef struct sim_group {
    uint32_t count;
    uint32_t size;
    uint8_t access;       /* SIM_R | SIM_E | SIM_W */
    uint8_t count_digits; /* zero-padded width of the count ("04", "0128") */
    uint8_t size_digits;  /* zero-padded width of the size in units ("016", "0002") */
    char unit;            /* 'K', 'M', 'B', or ' ' (bytes, as ST writes it) */
} sim_group;

typedef struct sim_region_def {
    const char *name; /* as the layout string has it, trailing spaces included */
    uint32_t address;
    sim_mem_kind kind;
    const sim_group *groups; /* physical sectors; their sizes add up to the region's size */
    size_t group_count;
    /* What the layout string announces when it differs from the hardware (GD32 lies about its
     * page size, mboot marks its own sectors read-only); NULL: the physical groups. */
    const sim_group *announced;
    size_t announced_count;
    uint32_t bootloader_size; /* bytes at the start holding the bootloader: never modified */
    const uint8_t *init;      /* initial contents (option bytes), NULL: erased or zero */
    size_t init_len;
} sim_region_def;

/* An alternate setting of the DFU interface in DFU mode. */
typedef struct sim_alt_def {
    const char *name; /* plain interface string; NULL: the region's DfuSe layout string */
    uint8_t region;   /* index into the profile's regions */
    uint32_t base;    /* plain DFU: where block 0 lands (the application's start) */
    uint32_t poll_ms; /* plain DFU: bwPollTimeout after a block, 0: the profile's polls.write */
} sim_alt_def;

/* Where the USB serial number comes from. */
typedef enum sim_serial {
    SIM_SERIAL_FIXED, /* the profile's serial string */
    SIM_SERIAL_ST12,  /* 12 hex digits folded from the 96-bit UID, as ST's ROM does */
    SIM_SERIAL_HEX24, /* the whole UID in hex (libopencm3's desig_get_unique_id_as_string) */
} sim_serial;

typedef struct sim_erase_time {
    uint32_t size; /* sector size this row is for */
    uint32_t typ_us, max_us;
} sim_erase_time;

typedef struct sim_timing {
    const sim_erase_time *erase; /* by sector size */
    size_t erase_count;
    uint32_t mass_typ_us, mass_max_us; /* whole-flash erase */
    uint32_t unit_typ_ns, unit_max_ns; /* programming one write unit */
    uint32_t command_us;               /* executing a DfuSe set-address or similar */
    uint32_t manifest_us;              /* manifestation or leaving */
} sim_timing;

/* bwPollTimeout the device reports in the first GETSTATUS after each kind of request (ms). */
typedef struct sim_polls {
    uint32_t set_address, erase, mass_erase, write, unprotect, manifest;
    uint32_t busy; /* answering a GETSTATUS while still busy (SIM_BUSY_DIALECT devices) */
} sim_polls;

/* bStatus codes the device reports for each failure (SIM_SILENT: it reports OK regardless). */
#define SIM_SILENT 0xFF
typedef struct sim_statuses {
    uint8_t bad_address;  /* no memory there */
    uint8_t not_writable; /* read-only in the layout, or the bootloader's own sectors */
    uint8_t unerased;     /* programming memory that is not erased */
    uint8_t protected_rdp;
} sim_statuses;

/* Quirks (flags). */
enum {
    SIM_Q_START_ERROR = 1u << 0,      /* enters DFU mode in dfuERROR/errFIRMWARE (ST ROM logs) */
    SIM_Q_H7_STUCK_ERASE = 1u << 1,   /* rev V: dfuDNBUSY forever after a sector erase */
    SIM_Q_LEAVE_NO_STATUS = 1u << 2,  /* resets right after the leave request (GD32) */
    SIM_Q_ALT_RESETS = 1u << 4,       /* SET_INTERFACE resets the DFU state (TinyUSB) */
    SIM_Q_RDP = 1u << 5,              /* has read protection (RDP byte in the option bytes) */
    SIM_Q_OPTIONS_TOLERANT = 1u << 6, /* accepts tolerant=/willdetach= (spec, TinyUSB) */
};

struct sim_profile {
    dfu_sim_profile_info info;
    sim_dialect dialect;
    sim_busy busy;
    uint32_t quirks;

    /* USB identity in DFU mode */
    uint16_t vid, pid, bcd_device, bcd_usb;
    const char *manufacturer, *product;
    sim_serial serial_kind;
    const char *serial;        /* SIM_SERIAL_FIXED */
    const uint8_t *uid;        /* 96-bit unique ID, the same for every instance */
    bool serial_utf8;          /* the serial string descriptor holds UTF-8 bytes (GD32) */
    uint8_t config_attributes; /* bmAttributes of the configuration (0xC0 self-powered) */
    uint8_t max_power;         /* bMaxPower, 2 mA units */

    /* DFU functional descriptor */
    uint8_t func_length; /* 9, or 7 (truncated, no bcdDFUVersion) */
    uint8_t attributes;
    uint16_t detach_timeout_ms, transfer_size, dfu_version;

    /* memory */
    const sim_region_def *regions;
    size_t region_count;
    const sim_alt_def *alts;
    size_t alt_count;
    uint32_t app_base; /* where the application's vector table is */

    /* flash */
    uint8_t write_unit; /* bytes programmed at once: 2 (F1), 4 (F4 x32), 8 (L4), 32 (H7) */
    sim_physics physics;
    bool zero_ok; /* CHECK physics: writing all zeros over programmed memory is allowed */
    sim_timing timing;
    sim_statuses status;
    sim_polls polls;

    /* boot */
    sim_boot boot;
    sim_app_check check;
    uint32_t reenum_ms;  /* from reset to enumerated */
    uint32_t rdp_offset; /* SIM_Q_RDP: offset of the RDP byte in the option-bytes region */
};
typedef struct sim_profile sim_profile;

/* The registry (profiles.c). */
const sim_profile *dfu_simi_profile_find(const char *name);

#define SIM_COUNT(a) (sizeof(a) / sizeof((a)[0]))

#endif
