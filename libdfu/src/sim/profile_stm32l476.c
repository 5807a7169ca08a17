/* stm32l476: the STM32L476 system-memory DFU bootloader (ST ROM, L4 class). */
#include "libdfu/spec.h"
#include "sim_profile.h"

#define KIB 1024u
#define RWE (SIM_R | SIM_E | SIM_W)

static const uint8_t uid[12] = {0x41, 0x00, 0x31, 0x00, 0x82, 0x32,
                                0x7E, 0x20, 0x31, 0x41, 0x20, 0x20};

static const sim_group flash[] = {{512, 2 * KIB, RWE, 4, 4, 'K'}};
static const sim_group option[] = {{1, 40, SIM_R | SIM_W, 2, 3, ' '}};
static const sim_group otp[] = {{1, 1 * KIB, SIM_R | SIM_W, 2, 4, 'K'}};
static const sim_group feature[] = {{1, 4, SIM_R | SIM_W, 2, 3, ' '}};
static const sim_group sram[] = {{1, 128 * KIB, SIM_R | SIM_W, 0, 0, 0}};
static const sim_group sysmem[] = {{1, 28 * KIB, SIM_R, 0, 0, 0}};

/* FLASH_OPTR factory value 0xFFEFF8AA (RDP 0xAA, level 0), then PCROP/WRP words erased. */
static const uint8_t option_init[8] = {0xAA, 0xF8, 0xEF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

static const sim_region_def regions[] = {
    {"Internal Flash  ", 0x08000000, SIM_MEM_FLASH, flash, 1, NULL, 0, 0, NULL, 0},
    {"Option Bytes  ", 0x1FFF7800, SIM_MEM_OPTION, option, 1, NULL, 0, 0, option_init, 8},
    {"OTP Memory ", 0x1FFF7000, SIM_MEM_OTP, otp, 1, NULL, 0, 0, NULL, 0},
    {"Device Feature", 0xFFFF0000, SIM_MEM_FEATURE, feature, 1, NULL, 0, 0, NULL, 0},
    {"SRAM", 0x20000000, SIM_MEM_RAM, sram, 1, NULL, 0, 0, NULL, 0},
    {"System Memory", 0x1FFF0000, SIM_MEM_ROM, sysmem, 1, NULL, 0, 0, NULL, 0},
};

static const sim_alt_def alts[] = {
    {NULL, 0, 0, 0}, {NULL, 1, 0, 0}, {NULL, 2, 0, 0}, {NULL, 3, 0, 0}};

/* Page erase 22 ms typical (ST training), 24.47 ms maximum (L496 datasheet). */
static const sim_erase_time erase[] = {{2 * KIB, 22000, 24470}};

const sim_profile dfu_simi_profile_stm32l476 = {
    .info =
        {"stm32l476",
         "ST system bootloader of an STM32L476: DfuSe 1.1a, 0483:df11, 512 pages of 2 KiB "
         "(\"0512*0002Kg\", the L4 ROM's four-digit format), 2048-byte transfers. Flash is "
         "programmed by 64-bit double word with ECC: a double word is written once between "
         "erases (only all-zero data may go over it), errPROG otherwise (the hardware's PROGERR); "
         "errTARGET where nothing can be written. It reports poll "
         "timeouts shorter than the work takes (12 ms for a 22 ms page erase or a 21 ms "
         "2 KiB block; enough for a 1 KiB block, which is why dfu-util works with -t 1024) "
         "and stalls the control pipe when polled before it is done, without leaving its "
         "state.",
         "dfu-util 0.11 dfuse.c (\"some STM32L4 bootloaders report a too short poll "
         "timeout and may stall the pipe\"); sourceforge dfu-util ticket #40; "
         "mobilinkd/tnc3-firmware#12 (L4 layout strings, bootloader 0x2200); ST training "
         "STM32L4_Memory_Flash (22 ms page erase, 82 us double word); Zephyr#16934 "
         "(24.47 ms maximum); community.st.com \"USB DFU on STM32L432 and STM32L433\" (-t "
         "1024 works). The reported values themselves are not published: chosen to fit "
         "these reports"},
    .dialect = SIM_DIALECT_ST,
    .busy = SIM_BUSY_STALL,
    .quirks = SIM_Q_START_ERROR | SIM_Q_RDP,
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
    .transfer_size = 2048,
    .dfu_version = DFU_VERSION_DFUSE,
    .regions = regions,
    .region_count = SIM_COUNT(regions),
    .alts = alts,
    .alt_count = SIM_COUNT(alts),
    .app_base = 0x08000000,
    .write_unit = 8,
    .physics = SIM_PHYS_CHECK,
    .zero_ok = true,
    .timing = {erase, SIM_COUNT(erase), 44040, 48940, 82000, 90760, 1000, 1000},
    .status = {DFU_STATUS_ERR_TARGET, DFU_STATUS_ERR_TARGET, DFU_STATUS_ERR_PROG,
               DFU_STATUS_ERR_VENDOR},
    .polls = {12, 12, 30, 12, 30, 12, 0},
    .boot = SIM_BOOT_STROM,
    .check = SIM_CHECK_VECTORS,
    .reenum_ms = 500,
    .rdp_offset = 0,
};
