/* stm32h743: the STM32H743 system-memory DFU bootloader (ST ROM, H7 class, rev V quirk). */
#include "libdfu/spec.h"
#include "sim_profile.h"

#define KIB 1024u
#define RWE (SIM_R | SIM_E | SIM_W)

static const uint8_t uid[12] = {0x27, 0x00, 0x45, 0x00, 0x12, 0x51,
                                0x30, 0x39, 0x33, 0x38, 0x36, 0x33};

/* Two banks of 8 x 128 KiB, bank 2 right after bank 1 at 0x08100000. */
static const sim_group flash[] = {{16, 128 * KIB, RWE, 2, 3, 'K'}};
static const sim_group option[] = {{1, 297, SIM_R | SIM_W, 2, 3, ' '}};
static const sim_group dtcm[] = {{1, 128 * KIB, SIM_R | SIM_W, 0, 0, 0}};
static const sim_group axi[] = {{1, 512 * KIB, SIM_R | SIM_W, 0, 0, 0}};
static const sim_group sysmem[] = {{1, 128 * KIB, SIM_R, 0, 0, 0}};

/* FLASH_OPTSR_CUR: RDP in bits 15:8 (0xAA, level 0). */
static const uint8_t option_init[4] = {0xF0, 0xAA, 0xC6, 0x13};

static const sim_region_def regions[] = {
    {"Internal Flash   ", 0x08000000, SIM_MEM_FLASH, flash, 1, NULL, 0, 0, NULL, 0},
    {"Option Bytes   ", 0x5200201C, SIM_MEM_OPTION, option, 1, NULL, 0, 0, option_init, 4},
    {"DTCM", 0x20000000, SIM_MEM_RAM, dtcm, 1, NULL, 0, 0, NULL, 0},
    {"AXI SRAM", 0x24000000, SIM_MEM_RAM, axi, 1, NULL, 0, 0, NULL, 0},
    {"System Memory", 0x1FF00000, SIM_MEM_ROM, sysmem, 1, NULL, 0, 0, NULL, 0},
};

static const sim_alt_def alts[] = {{NULL, 0, 0, 0}, {NULL, 1, 0, 0}};

/* x32 parallelism, DS12110: sector erase 1.1 s typical, 2.2 s maximum. */
static const sim_erase_time erase[] = {{128 * KIB, 1100000, 2200000}};

const sim_profile dfu_simi_profile_stm32h743 = {
    .info = {"stm32h743",
             "ST system bootloader of an STM32H743 (revision V unless rev=Y): DfuSe 1.1a, "
             "0483:df11, two banks of 8x128 KiB sectors announced as one group, 1024-byte "
             "transfers, 32-byte flash words with ECC (a flash word is programmed once between "
             "erases, errPROG otherwise; errTARGET where nothing can be written). It answers "
             "GETSTATUS during an operation with "
             "dfuDNBUSY and a 5 ms poll timeout; after a sector erase revision V keeps "
             "answering dfuDNBUSY for good, until a CLRSTATUS (-> errUNKNOWN, dfuERROR) and a "
             "second CLRSTATUS (-> OK, dfuIDLE). Layout strings follow the H7A3 ROM's format "
             "(no H743 dump is public).",
             "betaflight-configurator webusbdfu.js and PR #5348, issue #1972 (stuck dfuDNBUSY "
             "and the CLRSTATUS procedure); DS12110 (flash-word programming 130/260 us and "
             "sector erase 1.1/2.2 s at x32; bank erase figures unverified); modm PR #1345 "
             "(bank layout); o-murphy/pydfuutil#15 (H7A3 strings); fwupd#1944 (5 ms polls of "
             "F7-generation ROMs, assumed here)"},
    .dialect = SIM_DIALECT_ST,
    .busy = SIM_BUSY_DIALECT,
    .quirks = SIM_Q_START_ERROR | SIM_Q_RDP | SIM_Q_H7_STUCK_ERASE,
    .vid = 0x0483,
    .pid = 0xDF11,
    .bcd_device = 0x2200,
    .bcd_usb = 0x0200,
    .manufacturer = "STMicroelectronics",
    .product = "STM32  BOOTLOADER",
    .serial_kind = SIM_SERIAL_ST12,
    .uid = uid,
    .config_attributes = 0xC0,
    .max_power = 50,
    .func_length = 9,
    .attributes = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD | DFU_ATTR_WILL_DETACH,
    .detach_timeout_ms = 255,
    .transfer_size = 1024,
    .dfu_version = DFU_VERSION_DFUSE,
    .regions = regions,
    .region_count = SIM_COUNT(regions),
    .alts = alts,
    .alt_count = SIM_COUNT(alts),
    .app_base = 0x08000000,
    .write_unit = 32,
    .physics = SIM_PHYS_CHECK,
    .timing = {erase, SIM_COUNT(erase), 5000000, 10000000, 130000, 260000, 1000, 1000},
    .status = {DFU_STATUS_ERR_TARGET, DFU_STATUS_ERR_TARGET, DFU_STATUS_ERR_PROG,
               DFU_STATUS_ERR_VENDOR},
    .polls = {5, 5, 5, 5, 5, 5, 5},
    .boot = SIM_BOOT_STROM,
    .check = SIM_CHECK_VECTORS,
    .reenum_ms = 500,
    .rdp_offset = 1,
};
