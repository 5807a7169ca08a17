/* gd32vf103: the GigaDevice GD32VF103CB ROM bootloader, an ST-compatible DfuSe clone. */
#include "libdfu/spec.h"
#include "sim_profile.h"

#define KIB 1024u
#define RWE (SIM_R | SIM_E | SIM_W)

/* 128 KiB in 1 KiB pages, announced as 512 pages of 2 KiB (the real, wrong string). */
static const sim_group flash[] = {{128, 1 * KIB, RWE, 3, 3, 'K'}};
static const sim_group announced[] = {{512, 2 * KIB, RWE, 3, 3, 'K'}};
static const sim_group option[] = {{1, 16, RWE, 2, 3, ' '}};
static const sim_group sram[] = {{1, 32 * KIB, SIM_R | SIM_W, 0, 0, 0}};

/* F1-style option bytes, each byte followed by its complement: RDP 0xA5 = unprotected. */
static const uint8_t option_init[16] = {0xA5, 0x5A, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00,
                                        0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00};

static const sim_region_def regions[] = {
    {"Internal Flash  ", 0x08000000, SIM_MEM_FLASH, flash, 1, announced, 1, 0, NULL, 0},
    {"Option Bytes  ", 0x1FFFF800, SIM_MEM_OPTION, option, 1, NULL, 0, 0, option_init, 16},
    {"SRAM", 0x20000000, SIM_MEM_RAM, sram, 1, NULL, 0, 0, NULL, 0},
};

static const sim_alt_def alts[] = {{NULL, 0, 0, 0}, {NULL, 1, 0, 0}};

/* No GD32VF103 figures in the notes: the F1-class ones (DS5319) are used. */
static const sim_erase_time erase[] = {{1 * KIB, 20000, 40000}};

/* Left out, for want of specifics:
 * - The bare-chip variant of gd32-dfu-utils#5 (bcdDevice 0x0100, alt 0 only, "128*001Kg"): its
 *   mass erase "always reports failure", but the report gives no status or state, nor says
 *   whether page erases fail too (only a JTAG erase let it be programmed again). Modelling it
 *   would mean inventing the failure; its silent failed writes are modelled here (below).
 * - fwupd's force-dfu-mode flag for 28e9:0189 ("reports wrong interface protocol/state"): the
 *   notes do not say what is wrong. dfu-util lists the device as "Found DFU", so its interface
 *   protocol is the DFU mode's 2, as here; the state it starts in (dfuERROR) is modelled. */
const sim_profile dfu_simi_profile_gd32vf103 = {
    .info = {"gd32vf103",
             "The GD32VF103CB (RISC-V) ROM bootloader as on the Longan Nano: an ST-compatible "
             "DfuSe clone, 28e9:0189, bcdDevice 0x1000. Its serial string is the four UTF-8 "
             "bytes \"3CBJ\" (not UTF-16), whose third character encodes the flash size "
             "('B' = 128 KiB); its layout string claims 512 pages of 2 KiB while the chip has "
             "128 pages of 1 KiB. It starts in dfuERROR/errFIRMWARE, reports 100 ms after "
             "set-address and erase and 104 ms after each 2048-byte write, and on leave resets "
             "at once without answering the GETSTATUS that follows. Programming over data that "
             "is not erased leaves the old data and still reports success; addresses outside "
             "memory give errTARGET, as on the ST ROM it copies. Not modelled: the bare-chip "
             "variant (bcdDevice 0x0100, alt 0 only, \"128*001Kg\", a mass erase that fails in "
             "a way not recorded) and whatever fwupd's force-dfu-mode flag works around.",
             "riscv-mcu/gd32-dfu-utils#3 (poll timeouts, initial dfuERROR, 2048-byte "
             "transfers), #5 (layouts; silent failed writes, reported on the bare-chip variant "
             "and assumed of this ROM too: dfu-util's layout quirk for it matters only if "
             "writes to pages left unerased fail); aw/fiveforths#20 (strings, "
             "bcdDevice); dfu-util 0.11 quirks.c (UTF-8 serial, layout fix from serial[2], "
             "leave without GETSTATUS); fwupd PR #2815; DS5319 (F1-class flash timings, "
             "assumed)"},
    .dialect = SIM_DIALECT_ST,
    .busy = SIM_BUSY_HOLD,
    .quirks = SIM_Q_START_ERROR | SIM_Q_LEAVE_NO_STATUS,
    .vid = 0x28E9,
    .pid = 0x0189,
    .bcd_device = 0x1000,
    .bcd_usb = 0x0200,
    .manufacturer = "GigaDevice",
    .product = "GD32 USB DFU in FS Mode",
    .serial_kind = SIM_SERIAL_FIXED,
    .serial = "3CBJ",
    .serial_utf8 = true,
    .config_attributes = 0x80,
    .max_power = 50,
    .func_length = 9,
    .attributes = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD | DFU_ATTR_WILL_DETACH,
    .detach_timeout_ms = 255,
    .transfer_size = 2048,
    .dfu_version = DFU_VERSION_DFUSE,
    .regions = regions,
    .region_count = SIM_COUNT(regions),
    .alts = alts,
    .alt_count = SIM_COUNT(alts),
    .app_base = 0x08000000,
    .write_unit = 4,
    .physics = SIM_PHYS_CHECK,
    .timing = {erase, SIM_COUNT(erase), 20000, 40000, 105000, 140000, 1000, 1000},
    .status = {DFU_STATUS_ERR_TARGET, DFU_STATUS_ERR_TARGET, SIM_SILENT, DFU_STATUS_OK},
    .polls = {100, 100, 100, 104, 100, 0, 0},
    .boot = SIM_BOOT_STROM,
    .check = SIM_CHECK_NOT_BLANK,
    .reenum_ms = 500,
};
