/* dfu11: a DFU 1.1 bootloader that follows the specification's appendix A to the letter. */
#include "libdfu/spec.h"
#include "sim_profile.h"

#define KIB 1024u
#define RWE (SIM_R | SIM_E | SIM_W)

static const sim_group flash[] = {{256, 4 * KIB, RWE, 0, 0, 0}};
static const sim_group sram[] = {{1, 128 * KIB, SIM_R | SIM_W, 0, 0, 0}};

static const sim_region_def regions[] = {
    {"Flash", 0x08000000, SIM_MEM_FLASH, flash, 1, NULL, 0, 32 * KIB, NULL, 0},
    {"SRAM", 0x20000000, SIM_MEM_RAM, sram, 1, NULL, 0, 0, NULL, 0},
};

static const sim_alt_def alts[] = {{"Application", 0, 0x08008000, 0}};

/* Nominal figures of a generic Cortex-M flash: no real part is claimed. */
static const sim_erase_time erase[] = {{4 * KIB, 20000, 40000}};

const sim_profile dfu_simi_profile_dfu11 = {
    .info = {"dfu11",
             "A reference DFU 1.1 bootloader that does what the specification's appendix A "
             "says in every state, for conformance tests; no real device is claimed. 1209:0002 "
             "(pid.codes test PID), one alternate setting \"Application\" at 0x08008000 in 4 KiB "
             "pages (erased on first touch), 1024-byte transfers, block N at base + N * "
             "wTransferSize (wrapping block numbers continue). bwPollTimeout is the true length "
             "of the work; any request while dfuDNBUSY or dfuMANIFEST stalls and enters "
             "dfuERROR. bmAttributes 0x03 (upload and download), plus manifestation tolerance "
             "with tolerant=1 and bitWillDetach with willdetach=1. After a USB reset it runs "
             "the application when its vector table is valid, else reports dfuERROR/"
             "errFIRMWARE. Statuses: errADDRESS past its memory, errWRITE on its own sectors, "
             "errPROG over data that is not erased.",
             "USB DFU 1.1 (2004) sections 6-7 and appendix A.2 (state tables)"},
    .dialect = SIM_DIALECT_SPEC,
    .busy = SIM_BUSY_DIALECT,
    .quirks = SIM_Q_OPTIONS_TOLERANT,
    .vid = 0x1209,
    .pid = 0x0002,
    .bcd_device = 0x0100,
    .bcd_usb = 0x0200,
    .manufacturer = "libdfu",
    .product = "DFU 1.1 reference bootloader",
    .serial_kind = SIM_SERIAL_FIXED,
    .serial = "REF0001",
    .config_attributes = 0x80,
    .max_power = 50,
    .func_length = 9,
    .attributes = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD,
    .detach_timeout_ms = 255,
    .transfer_size = 1024,
    .dfu_version = 0x0110,
    .regions = regions,
    .region_count = SIM_COUNT(regions),
    .alts = alts,
    .alt_count = SIM_COUNT(alts),
    .app_base = 0x08008000,
    .write_unit = 4,
    .physics = SIM_PHYS_CHECK,
    .timing = {erase, SIM_COUNT(erase), 0, 0, 20000, 40000, 100, 5000},
    .status = {DFU_STATUS_ERR_ADDRESS, DFU_STATUS_ERR_WRITE, DFU_STATUS_ERR_PROG, DFU_STATUS_OK},
    .polls = {0, 0, 0, 0, 0, 0, 0},
    .boot = SIM_BOOT_CUSTOM,
    .check = SIM_CHECK_VECTORS,
    .reenum_ms = 500,
};
