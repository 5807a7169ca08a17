/* dapboot-f103: a dapboot-like DFU 1.1 bootloader on an STM32F103 "blue pill". */
#include "libdfu/spec.h"
#include "sim_profile.h"

#define KIB 1024u
#define RWE (SIM_R | SIM_E | SIM_W)

static const uint8_t uid[12] = {0x55, 0xFF, 0x6B, 0x06, 0x48, 0x75,
                                0x49, 0x51, 0x25, 0x32, 0x10, 0x87};

/* 128 KiB (dapboot's FLASH_SIZE_OVERRIDE), the bootloader in the first 8 KiB. */
static const sim_group flash[] = {{128, 1 * KIB, RWE, 0, 0, 0}};
static const sim_group sram[] = {{1, 20 * KIB, SIM_R | SIM_W, 0, 0, 0}};

static const sim_region_def regions[] = {
    {"Flash", 0x08000000, SIM_MEM_FLASH, flash, 1, NULL, 0, 8 * KIB, NULL, 0},
    {"SRAM", 0x20000000, SIM_MEM_RAM, sram, 1, NULL, 0, 0, NULL, 0},
};

static const sim_alt_def alts[] = {{"DAPBoot DFU", 0, 0x08002000, 0}};

/* DS5319: page erase 20-40 ms, half-word programming 52.5 us typical, 70 us maximum. */
static const sim_erase_time erase[] = {{1 * KIB, 20000, 40000}};

const sim_profile dfu_simi_profile_dapboot_f103 = {
    .info = {"dapboot-f103",
             "A dapboot-like DFU 1.1 bootloader on an STM32F103 (1209:db42, \"Devanarchy\" / "
             "\"DAPBoot DFU Bootloader\", 24-hex-digit serial, bitWillDetach, 1024-byte "
             "transfers). The application is at 0x08002000 in 1 KiB pages; blocks are written "
             "one after the other whatever their wBlockNum, a page is erased when a write first "
             "enters it, every half-word is verified (errVERIFY on any failure). It reports a "
             "fixed 100 ms poll timeout and programs while the next transfer waits. At "
             "manifestation it checks the application's initial stack pointer (errFIRMWARE) "
             "and resets into it; DFU_DETACH stalls; a USB reset restarts it.",
             "devanlai/dapboot src/dfu.c, dapboot.c, usb_conf.c/h, stm32f103/target_stm32f103.c "
             "(state machine, poll timeout, erase on first touch, vector check, descriptors); "
             "field notes section 5 (DFU_DETACH stalls: older dapboot; current dapboot resets "
             "instead); DS5319 (page erase 20-40 ms, half-word 52.5/70 us)"},
    .dialect = SIM_DIALECT_DAPBOOT,
    .busy = SIM_BUSY_HOLD,
    .quirks = 0,
    .vid = 0x1209,
    .pid = 0xDB42,
    .bcd_device = 0x0111,
    .bcd_usb = 0x0210,
    .manufacturer = "Devanarchy",
    .product = "DAPBoot DFU Bootloader",
    .serial_kind = SIM_SERIAL_HEX24,
    .uid = uid,
    .config_attributes = 0xC0,
    .max_power = 0x32,
    .func_length = 9,
    .attributes = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD | DFU_ATTR_WILL_DETACH,
    .detach_timeout_ms = 255,
    .transfer_size = 1024,
    .dfu_version = 0x0110,
    .regions = regions,
    .region_count = SIM_COUNT(regions),
    .alts = alts,
    .alt_count = SIM_COUNT(alts),
    .app_base = 0x08002000,
    .write_unit = 2,
    .physics = SIM_PHYS_CHECK,
    .zero_ok = true,
    .timing = {erase, SIM_COUNT(erase), 0, 0, 52500, 70000, 100, 1000},
    .status = {DFU_STATUS_ERR_VERIFY, DFU_STATUS_ERR_VERIFY, DFU_STATUS_ERR_VERIFY, DFU_STATUS_OK},
    .polls = {100, 100, 100, 100, 100, 0, 0},
    .boot = SIM_BOOT_CUSTOM,
    .check = SIM_CHECK_SP_RAM,
    .reenum_ms = 500,
};
