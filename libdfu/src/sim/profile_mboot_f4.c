/* mboot-f4: a MicroPython mboot-like DfuSe bootloader in the first 32 KiB of an STM32F405. */
#include "libdfu/spec.h"
#include "sim_profile.h"

#define KIB 1024u
#define RWE (SIM_R | SIM_E | SIM_W)

static const uint8_t uid[12] = {0x1C, 0x00, 0x2E, 0x00, 0x09, 0x47,
                                0x33, 0x37, 0x31, 0x34, 0x38, 0x32};

static const sim_group flash[] = {
    {4, 16 * KIB, RWE, 2, 3, 'K'},
    {1, 64 * KIB, RWE, 2, 3, 'K'},
    {7, 128 * KIB, RWE, 2, 3, 'K'},
};
/* mboot's own two sectors announced read-only ('a'), so hosts leave them alone. */
static const sim_group announced[] = {
    {2, 16 * KIB, SIM_R, 2, 3, 'K'},
    {2, 16 * KIB, RWE, 2, 3, 'K'},
    {1, 64 * KIB, RWE, 2, 3, 'K'},
    {7, 128 * KIB, RWE, 2, 3, 'K'},
};
static const sim_group sram[] = {{1, 128 * KIB, SIM_R | SIM_W, 0, 0, 0}};

static const sim_region_def regions[] = {
    {"Internal Flash  ", 0x08000000, SIM_MEM_FLASH, flash, 3, announced, 4, 32 * KIB, NULL, 0},
    {"SRAM", 0x20000000, SIM_MEM_RAM, sram, 1, NULL, 0, 0, NULL, 0},
};

static const sim_alt_def alts[] = {{NULL, 0, 0, 0}};

/* The F4 flash at x32 (mboot erases with VOLTAGE_RANGE_3), DS8626 table 40. */
static const sim_erase_time erase[] = {
    {16 * KIB, 250000, 500000},
    {64 * KIB, 550000, 1100000},
    {128 * KIB, 1000000, 2000000},
};

const sim_profile dfu_simi_profile_mboot_f4 = {
    .info = {"mboot-f4",
             "A MicroPython mboot-like DfuSe bootloader in the first 32 KiB of an STM32F405 "
             "(0483:df11, \"MicroPython\" / \"Pyboard DFU\", bcdDevice 0x0300, one alternate "
             "setting, 2048-byte transfers). Its own sectors are announced read-only and any "
             "write or erase there fails with errADDRESS; a mass erase erases every other "
             "sector one by one. It reports bwPollTimeout 0, does the work after answering "
             "dfuDNBUSY and holds the next transfer until done; it does not verify what it "
             "programs (bits written over old data just clear). Leaving resets into the "
             "application at 0x08008000 when the low two bits of its initial stack pointer are "
             "clear, else it stays. A DFU_UPLOAD with wBlockNum below 2 is never answered.",
             "micropython ports/stm32/mboot/main.c (descriptors, strings, serial, DFU state "
             "handling, protected flash range, errADDRESS, APP_VALIDITY_BITS, mass erase by "
             "pages); DS8626 table 40 (F4 timings)"},
    .dialect = SIM_DIALECT_MBOOT,
    .busy = SIM_BUSY_HOLD,
    .quirks = 0,
    .vid = 0x0483,
    .pid = 0xDF11,
    .bcd_device = 0x0300,
    .bcd_usb = 0x0200,
    .manufacturer = "MicroPython",
    .product = "Pyboard DFU",
    .serial_kind = SIM_SERIAL_ST12,
    .uid = uid,
    .config_attributes = 0xC0,
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
    .app_base = 0x08008000,
    .write_unit = 4,
    .physics = SIM_PHYS_AND,
    .timing = {erase, SIM_COUNT(erase), 0, 0, 16000, 100000, 100, 1000},
    .status = {DFU_STATUS_ERR_ADDRESS, DFU_STATUS_ERR_ADDRESS, SIM_SILENT, DFU_STATUS_OK},
    .polls = {0, 0, 0, 0, 0, 0, 0},
    .boot = SIM_BOOT_CUSTOM,
    .check = SIM_CHECK_SP_ALIGN,
    .reenum_ms = 500,
};
