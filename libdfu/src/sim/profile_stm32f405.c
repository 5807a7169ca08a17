/* stm32f405: the STM32F405/F407 system-memory DFU bootloader (ST ROM, F4 class). */
#include "libdfu/spec.h"
#include "sim_profile.h"

#define KIB 1024u
#define RWE (SIM_R | SIM_E | SIM_W)

/* Any fixed 96-bit UID: every instance reports the serial folded from it, so two simulated
 * boards collide exactly as real ROM serials do. */
static const uint8_t uid[12] = {0x32, 0x00, 0x3A, 0x00, 0x0E, 0x51,
                                0x35, 0x36, 0x38, 0x37, 0x35, 0x39};

static const sim_group flash[] = {
    {4, 16 * KIB, RWE, 2, 3, 'K'},
    {1, 64 * KIB, RWE, 2, 3, 'K'},
    {7, 128 * KIB, RWE, 2, 3, 'K'},
};
static const sim_group option[] = {{1, 16, RWE, 2, 3, ' '}};
static const sim_group otp[] = {{1, 512, RWE, 2, 3, ' '}, {1, 16, RWE, 2, 3, ' '}};
static const sim_group feature[] = {{1, 4, RWE, 2, 3, ' '}};
static const sim_group sram[] = {{1, 128 * KIB, SIM_R | SIM_W, 0, 0, 0}};
static const sim_group sysmem[] = {{1, 30 * KIB, SIM_R, 0, 0, 0}};

/* Factory option bytes (RM0090 3.7.1): USER 0xEC and RDP 0xAA (level 0) at 0x1FFFC000, nWRP
 * 0x0FFF at 0x1FFFC008. */
static const uint8_t option_init[16] = {0xEC, 0xAA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                        0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

static const sim_region_def regions[] = {
    {"Internal Flash  ", 0x08000000, SIM_MEM_FLASH, flash, 3, NULL, 0, 0, NULL, 0},
    {"Option Bytes  ", 0x1FFFC000, SIM_MEM_OPTION, option, 1, NULL, 0, 0, option_init, 16},
    {"OTP Memory ", 0x1FFF7800, SIM_MEM_OTP, otp, 2, NULL, 0, 0, NULL, 0},
    {"Device Feature", 0xFFFF0000, SIM_MEM_FEATURE, feature, 1, NULL, 0, 0, NULL, 0},
    {"SRAM", 0x20000000, SIM_MEM_RAM, sram, 1, NULL, 0, 0, NULL, 0},
    {"System Memory", 0x1FFF0000, SIM_MEM_ROM, sysmem, 1, NULL, 0, 0, NULL, 0},
};

static const sim_alt_def alts[] = {
    {NULL, 0, 0, 0}, {NULL, 1, 0, 0}, {NULL, 2, 0, 0}, {NULL, 3, 0, 0}};

/* x8 parallelism, DS8626 table 40: the ROM cannot know the supply voltage, so it uses the
 * parallelism that works at any (dfu-util's "up to 32 seconds" mass erase is the x8 maximum). */
static const sim_erase_time erase[] = {
    {16 * KIB, 400000, 800000},
    {64 * KIB, 1200000, 2400000},
    {128 * KIB, 2000000, 4000000},
};

const sim_profile dfu_simi_profile_stm32f405 = {
    .info = {"stm32f405",
             "ST system bootloader of an STM32F405/F407 (bootloader V2.1, started with BOOT0 "
             "high): DfuSe 1.1a, 0483:df11, \"STM32  BOOTLOADER\", four alternate settings "
             "(Internal Flash 4x16+1x64+7x128 KiB, Option Bytes, OTP Memory, Device Feature), "
             "2048-byte transfers, bmAttributes 0x0B (not manifestation tolerant). It starts in "
             "dfuERROR/errFIRMWARE, reports 100 ms after commands and 104 ms after each write, "
             "and holds the next control transfer until a long erase is done; it claims 100 ms "
             "for a mass erase that takes 16 s (32 s worst case). The ROM erases and programs "
             "at x8 parallelism (byte by byte); writing over data that is not erased clears bits "
             "and fails the ROM's "
             "read-back with errVERIFY. Memory that does not exist or is not "
             "writable (system memory) gives errTARGET. Read protection level 1 refuses "
             "reads, writes and erases with errVENDOR.",
             "dfu-util 0.11 device-logs/stm32f4discovery.lsusb and .bin-download (descriptors, "
             "strings, initial dfuERROR), dfuse.c (F405 mass-erase timeout); fwupd#2696 (104 ms "
             "per write); AN3156/AN2662 (commands, errTARGET for addresses not allowed, errVENDOR, "
             "resets; "
             "errVERIFY is this model's reading of a ROM that checks what it wrote); DS8626 table "
             "40 (erase and program times at x8; the 800 ms, 2.4 s, 4 s and 32 s maxima are "
             "confirmed, the typical values recalled); RM0090 (option bytes)"},
    .dialect = SIM_DIALECT_ST,
    .busy = SIM_BUSY_HOLD,
    .quirks = SIM_Q_START_ERROR | SIM_Q_RDP,
    .vid = 0x0483,
    .pid = 0xDF11,
    .bcd_device = 0x2100, /* AN3156: the bootloader version in the MSB; V2.1 in the lsusb */
    .bcd_usb = 0x0100,
    .manufacturer = "STMicroelectronics",
    .product = "STM32  BOOTLOADER",
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
    .app_base = 0x08000000,
    .write_unit = 1,
    .physics = SIM_PHYS_AND,
    .timing = {erase, SIM_COUNT(erase), 16000000, 32000000, 16000, 100000, 1000, 1000},
    .status = {DFU_STATUS_ERR_TARGET, DFU_STATUS_ERR_TARGET, DFU_STATUS_ERR_VERIFY,
               DFU_STATUS_ERR_VENDOR},
    .polls = {100, 100, 100, 104, 100, 100, 0},
    .boot = SIM_BOOT_STROM,
    .check = SIM_CHECK_VECTORS,
    .reenum_ms = 500,
    .rdp_offset = 1,
};
