/*
 * Firmware images: segments of bytes at addresses, grouped in targets, with an optional identity.
 *
 * An image is sparse: only bytes that a file actually holds are stored, so a HEX file spanning
 * 256 MiB with 200 KiB of data costs about 200 KiB. Within a target, segments are sorted by
 * address, never overlap, and adjacent data is merged into one segment.
 *
 * A target corresponds to a DfuSe target (an alternate setting, optionally named). Formats
 * without targets (bin, hex, srec, elf, dfu) produce one target with alt -1 and no name.
 */
#ifndef LIBDFU_IMAGE_H
#define LIBDFU_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "context.h"
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dfu_image dfu_image;

typedef enum dfu_format {
    DFU_FORMAT_AUTO = 0, /* detect: by content first, by file extension second */
    DFU_FORMAT_BIN,      /* raw binary at a base address */
    DFU_FORMAT_IHEX,     /* Intel HEX, record types 00-05 */
    DFU_FORMAT_SREC,     /* Motorola S-record, S0-S9 */
    DFU_FORMAT_ELF,      /* ELF 32/64, LE/BE, read only (see below) */
    DFU_FORMAT_DFU,      /* raw binary with a DFU 1.1 suffix */
    DFU_FORMAT_DFUSE,    /* ST DfuSe container (with its DFU suffix) */
} dfu_format;
/* An ELF file gives the allocated sections' file bytes at their load addresses, as objcopy takes
 * them (not the headers or padding a linker may put in the same PT_LOAD segment); whole PT_LOAD
 * segments when it has no section headers. */

/* "bin", "hex", "srec", "elf", "dfu", "dfuse"; "auto" for DFU_FORMAT_AUTO. */
DFU_API const char *dfu_format_name(dfu_format format);
/* Accepts the names above and common aliases ("ihex", "s19", "mot"); DFU_ERR_ARG otherwise. */
DFU_API int dfu_format_from_name(dfu_format *out, const char *name);
/* The format a file name's extension suggests (".hex", ".s19", ".dfu" = DfuSe, ...), or
 * DFU_FORMAT_AUTO when the extension says nothing. */
DFU_API dfu_format dfu_format_from_path(const char *path);

/* A view of one segment; data is owned by the image and valid until the image changes. */
typedef struct dfu_segment {
    uint32_t address;
    uint32_t size;
    const uint8_t *data;
} dfu_segment;

/* Identity from a DFU suffix (DFU 1.1 appendix B). 0xffff in vid/pid/bcd_device is a wildcard. */
typedef struct dfu_identity {
    uint16_t vid;
    uint16_t pid;
    uint16_t bcd_device;
    uint16_t bcd_dfu; /* 0x0100 for DFU 1.0/1.1 suffixes, 0x011A for DfuSe files */
    bool crc_valid;   /* the stored dwCRC matched the file when it was read */
    uint32_t crc;     /* dwCRC as stored in (or written to) the file */
} dfu_identity;

#define DFU_IDENTITY_WILDCARD 0xffff

typedef struct dfu_load_options {
    unsigned version;
    dfu_format format;     /* DFU_FORMAT_AUTO to detect */
    uint32_t base_address; /* where a raw binary (bin, dfu) is placed */
    bool accept_bad_crc;   /* load a DFU suffix whose CRC is wrong (identity.crc_valid false)
                              instead of failing; for inspecting files, never for flashing */
} dfu_load_options;

#define DFU_LOAD_OPTIONS_VERSION 1
#define DFU_LOAD_OPTIONS_INIT                                                                      \
    {                                                                                              \
        DFU_LOAD_OPTIONS_VERSION, DFU_FORMAT_AUTO, 0, false                                        \
    }

typedef struct dfu_save_options {
    unsigned version;
    dfu_format format;     /* DFU_FORMAT_AUTO: from the file extension, else error */
    bool force;            /* overwrite an existing file */
    unsigned record_bytes; /* data bytes per HEX/S-record line; 0 = 16 for HEX, 32 for S-record */
    uint32_t max_gap;      /* bin/dfu: largest gap filled with 0xFF between segments (0 = 1 MiB) */
} dfu_save_options;

#define DFU_SAVE_OPTIONS_VERSION 1
#define DFU_SAVE_OPTIONS_INIT                                                                      \
    {                                                                                              \
        DFU_SAVE_OPTIONS_VERSION, DFU_FORMAT_AUTO, false, 0, 0                                     \
    }

/* An empty image with no targets; DFU_ERR_NOMEM. Here, as everywhere, a failing call leaves
 * *out NULL (error.h). */
DFU_API int dfu_image_new(dfu_image **out);
DFU_API void dfu_image_free(dfu_image *img);

/* Reads a firmware file. opts may be NULL for defaults. Errors say what and where. */
DFU_API int dfu_image_load(dfu_image **out, dfu_ctx *ctx, const char *path,
                           const dfu_load_options *opts);
/* Parses a firmware image held in memory; name is used in error messages (may be NULL). */
DFU_API int dfu_image_parse(dfu_image **out, dfu_ctx *ctx, const uint8_t *buf, size_t len,
                            const char *name, const dfu_load_options *opts);

/* Writes atomically (temporary file, then rename). Refuses to replace an existing file unless
 * opts->force, and anything but a regular file (a device, a FIFO) always (DFU_ERR_ARG); a
 * symbolic link to a regular file is written through. ELF cannot be written. */
DFU_API int dfu_image_save(dfu_ctx *ctx, const dfu_image *img, const char *path,
                           const dfu_save_options *opts);
/* Serialises into a malloc'ed buffer that the caller frees with dfu_free(); on failure *out is
 * NULL and *out_len 0. */
DFU_API int dfu_image_serialize(uint8_t **out, size_t *out_len, dfu_ctx *ctx, const dfu_image *img,
                                const dfu_save_options *opts);

/* The format the image was read from (DFU_FORMAT_AUTO for images built in memory). */
DFU_API dfu_format dfu_image_format(const dfu_image *img);

DFU_API size_t dfu_image_target_count(const dfu_image *img);
/* Alternate setting of a target, or -1 when the file did not say. */
DFU_API int dfu_image_target_alt(const dfu_image *img, size_t target);
/* Name of a target, or NULL when unnamed; valid until the target is renamed
 * (dfu_image_set_target) or the image freed. */
DFU_API const char *dfu_image_target_name(const dfu_image *img, size_t target);
DFU_API size_t dfu_image_segment_count(const dfu_image *img, size_t target);
/* DFU_ERR_ARG when out of range. */
DFU_API int dfu_image_segment(const dfu_image *img, size_t target, size_t index, dfu_segment *out);
/* dfu_image_data_size: every target together. */
#define DFU_ALL_TARGETS ((size_t)-1)
/* Bytes held by one target, or by all of them with DFU_ALL_TARGETS. */
DFU_API uint64_t dfu_image_data_size(const dfu_image *img, size_t target);

/* True, and *out filled, when the image carries a DFU suffix identity. */
DFU_API bool dfu_image_identity(const dfu_image *img, dfu_identity *out);
/* True, and *out filled, when the file gave a start (entry) address. */
DFU_API bool dfu_image_start_address(const dfu_image *img, uint32_t *out);

/* Building and editing. Each target has its own alternate setting, -1 ("the device's")
 * included, as planning needs: adding or setting one that another target has is DFU_ERR_ARG,
 * at once rather than when the update is planned. (Reading a DfuSe file whose targets share a
 * setting merges them into one.) Adding: DFU_ERR_NOMEM. */
DFU_API int dfu_image_add_target(dfu_image *img, int alt, const char *name, size_t *index_out);
/* Adds bytes to a target. Overlapping bytes must agree: a conflict returns DFU_ERR_FORMAT with the
 * first conflicting address in the message, and leaves the image unchanged. */
DFU_API int dfu_image_add_data(dfu_ctx *ctx, dfu_image *img, size_t target, uint32_t address,
                               const uint8_t *data, size_t len);
DFU_API void dfu_image_set_identity(dfu_image *img, const dfu_identity *id);    /* NULL clears */
DFU_API void dfu_image_set_start_address(dfu_image *img, const uint32_t *addr); /* NULL clears */
/* DFU_ERR_ARG when target is out of range or alt is another target's; DFU_ERR_NOMEM. */
DFU_API int dfu_image_set_target(dfu_image *img, size_t target, int alt, const char *name);
/* Copies bytes [address, address+len) of a target into buf, filling holes with fill. */
DFU_API void dfu_image_read(const dfu_image *img, size_t target, uint32_t address, uint8_t *buf,
                            size_t len, uint8_t fill);
/* Deep copy; DFU_ERR_NOMEM. */
DFU_API int dfu_image_clone(dfu_image **out, const dfu_image *img);
/* True when both have the same targets (alt, name) and the same bytes at the same addresses. */
DFU_API bool dfu_image_equal(const dfu_image *a, const dfu_image *b);

/* SHA-256 over every target's segments in order (address and size as 32-bit little-endian,
 * then the bytes): the same data at the same addresses gives the same digest, whatever the file
 * format, target names or alternate settings. */
DFU_API void dfu_image_digest(const dfu_image *img, uint8_t out[32]);

/* Frees memory that libdfu allocated for the caller. */
DFU_API void dfu_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
