/* tinyusb: TinyUSB's DFU class driver in a bootloader on an STM32F411. */
#include "libdfu/spec.h"
#include "sim_profile.h"

#define KIB 1024u
#define RWE (SIM_R | SIM_E | SIM_W)

/* STM32F411: 4x16, 1x64, 3x128 KiB; the bootloader keeps the first 64 KiB. */
static const sim_group flash[] = {
    {4, 16 * KIB, RWE, 0, 0, 0},
    {1, 64 * KIB, RWE, 0, 0, 0},
    {3, 128 * KIB, RWE, 0, 0, 0},
};
static const sim_group eeprom[] = {{1, 4 * KIB, SIM_R | SIM_W, 0, 0, 0}};
static const sim_group sram[] = {{1, 128 * KIB, SIM_R | SIM_W, 0, 0, 0}};

static const sim_region_def regions[] = {
    {"Flash", 0x08000000, SIM_MEM_FLASH, flash, 3, NULL, 0, 64 * KIB, NULL, 0},
    {"EEPROM", 0x60000000, SIM_MEM_EEPROM, eeprom, 1, NULL, 0, 0, NULL, 0},
    {"SRAM", 0x20000000, SIM_MEM_RAM, sram, 1, NULL, 0, 0, NULL, 0},
};

/* The example's tud_dfu_get_timeout_cb: FLASH "is fast: 1 ms", EEPROM "is slow: 100 ms". */
static const sim_alt_def alts[] = {
    {"FLASH", 0, 0x08010000, 1},
    {"EEPROM", 1, 0x60000000, 100},
};

static const sim_erase_time erase[] = {
    {16 * KIB, 250000, 500000},
    {64 * KIB, 550000, 1100000},
    {128 * KIB, 1000000, 2000000},
};

const sim_profile dfu_simi_profile_tinyusb = {
    .info = {"tinyusb",
             "TinyUSB's DFU class driver (DFU 1.1, no DfuSe) in a bootloader on an STM32F411: "
             "cafe:4000, \"TinyUSB\" / \"TinyUSB Device\", alternate settings FLASH (the "
             "application at 0x08010000) and EEPROM, 512-byte transfers, bcdDFUVersion 0x0101, "
             "not manifestation tolerant unless tolerant=1. Block N goes to base + N * "
             "wTransferSize (wrapping block numbers continue). Flashing starts once the first "
             "GETSTATUS in dfuDNLOAD-SYNC has been answered (dfuDNBUSY, 1 ms for FLASH, 100 ms "
             "for EEPROM); every GETSTATUS while busy answers dfuDNBUSY with bwPollTimeout 0; "
             "when done it is back in dfuDNLOAD-SYNC and one more GETSTATUS reaches "
             "dfuDNLOAD-IDLE. DNLOAD outside dfuIDLE/dfuDNLOAD-IDLE stalls without leaving the "
             "state; UPLOAD never changes the state; CLRSTATUS and ABORT always go to dfuIDLE; "
             "SET_INTERFACE resets the state machine; manifestation ends in "
             "dfuMANIFEST-WAIT-RESET and a USB reset then restarts the board. The application "
             "(the example's callbacks made real) reports errADDRESS outside its region and does "
             "not read back what it programs.",
             "hathach/tinyusb src/class/dfu/dfu_device.c (state machine, poll timeouts, "
             "dfu_moded_reset), examples/device/dfu (strings, timeout callback), "
             "TUD_DFU_DESCRIPTOR (bcdDFUVersion 0x0101); DS8626 table 40 (F4 flash timings)"},
    .dialect = SIM_DIALECT_TINYUSB,
    .busy = SIM_BUSY_DIALECT,
    .quirks = SIM_Q_ALT_RESETS | SIM_Q_OPTIONS_TOLERANT,
    .vid = 0xCAFE,
    .pid = 0x4000,
    .bcd_device = 0x0100,
    .bcd_usb = 0x0200,
    .manufacturer = "TinyUSB",
    .product = "TinyUSB Device",
    .serial_kind = SIM_SERIAL_FIXED,
    .serial = "123456",
    .config_attributes = 0x80,
    .max_power = 50,
    .func_length = 9,
    .attributes = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD,
    .detach_timeout_ms = 1000,
    .transfer_size = 512,
    .dfu_version = 0x0101,
    .regions = regions,
    .region_count = SIM_COUNT(regions),
    .alts = alts,
    .alt_count = SIM_COUNT(alts),
    .app_base = 0x08010000,
    .write_unit = 4,
    .physics = SIM_PHYS_AND,
    .timing = {erase, SIM_COUNT(erase), 0, 0, 16000, 100000, 100, 1000},
    .status = {DFU_STATUS_ERR_ADDRESS, DFU_STATUS_ERR_ADDRESS, SIM_SILENT, DFU_STATUS_OK},
    .polls = {0, 0, 0, 1, 0, 0, 0},
    .boot = SIM_BOOT_CUSTOM,
    .check = SIM_CHECK_VECTORS,
    .reenum_ms = 500,
};
