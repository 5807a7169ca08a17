/* Format names, and detection: content first, extension second. */
#include <ctype.h>
#include <string.h>

#include "../core/internal.h"
#include "formats.h"

static const char *const format_names[] = {"auto", "bin", "hex", "srec", "elf", "dfu", "dfuse"};

const char *dfu_format_name(dfu_format format)
{
    if ((unsigned)format >= DFU_ARRAY_SIZE(format_names)) return "unknown";
    return format_names[format];
}

static bool ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
    return *a == *b;
}

int dfu_format_from_name(dfu_format *out, const char *name)
{
    static const struct {
        const char *name;
        dfu_format format;
    } names[] = {
        {"auto", DFU_FORMAT_AUTO}, {"bin", DFU_FORMAT_BIN},   {"binary", DFU_FORMAT_BIN},
        {"raw", DFU_FORMAT_BIN},   {"hex", DFU_FORMAT_IHEX},  {"ihex", DFU_FORMAT_IHEX},
        {"ihx", DFU_FORMAT_IHEX},  {"srec", DFU_FORMAT_SREC}, {"s19", DFU_FORMAT_SREC},
        {"s28", DFU_FORMAT_SREC},  {"s37", DFU_FORMAT_SREC},  {"mot", DFU_FORMAT_SREC},
        {"elf", DFU_FORMAT_ELF},   {"dfu", DFU_FORMAT_DFU},   {"dfuse", DFU_FORMAT_DFUSE},
    };
    for (size_t i = 0; name && i < DFU_ARRAY_SIZE(names); i++) {
        if (ieq(name, names[i].name)) {
            *out = names[i].format;
            return DFU_OK;
        }
    }
    return DFU_ERR_ARG;
}

dfu_format dfu_format_from_extension(const char *name)
{
    static const struct {
        const char *ext;
        dfu_format format;
    } exts[] = {
        {"bin", DFU_FORMAT_BIN},
        {"raw", DFU_FORMAT_BIN},
        {"hex", DFU_FORMAT_IHEX},
        {"ihx", DFU_FORMAT_IHEX},
        {"ihex", DFU_FORMAT_IHEX},
        {"srec", DFU_FORMAT_SREC},
        {"s19", DFU_FORMAT_SREC},
        {"s28", DFU_FORMAT_SREC},
        {"s37", DFU_FORMAT_SREC},
        {"mot", DFU_FORMAT_SREC},
        {"mhx", DFU_FORMAT_SREC},
        {"elf", DFU_FORMAT_ELF},
        {"axf", DFU_FORMAT_ELF},
        {"out", DFU_FORMAT_ELF},
        /* ".dfu" files for STM32 are DfuSe containers; a plain suffixed binary is "--to dfu". */
        {"dfu", DFU_FORMAT_DFUSE},
        {"dfuse", DFU_FORMAT_DFUSE},
    };
    if (!name) return DFU_FORMAT_AUTO;
    /* The extension of the last path component; '\\' separates them too (Windows). */
    const char *base = name;
    for (const char *c = name; *c; c++)
        if (*c == '/' || *c == '\\') base = c + 1;
    const char *dot = strrchr(base, '.');
    if (!dot) return DFU_FORMAT_AUTO;
    for (size_t i = 0; i < DFU_ARRAY_SIZE(exts); i++)
        if (ieq(dot + 1, exts[i].ext)) return exts[i].format;
    return DFU_FORMAT_AUTO;
}

dfu_format dfu_format_from_path(const char *path)
{
    return dfu_format_from_extension(path);
}

static bool is_hex_digit(uint8_t c)
{
    return isxdigit(c) != 0;
}

dfu_format dfu_format_detect(const uint8_t *head, size_t head_len, const uint8_t *tail,
                             size_t tail_len, const char *name)
{
    if (head_len >= 5 && memcmp(head, "DfuSe", 5) == 0) return DFU_FORMAT_DFUSE;
    if (head_len >= 4 && memcmp(head,
                                "\x7f"
                                "ELF",
                                4) == 0)
        return DFU_FORMAT_ELF;

    /* Text formats: the first non-blank character starts a record. */
    size_t i = 0;
    if (head_len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0) i = 3; /* UTF-8 BOM */
    while (i < head_len &&
           (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    if (i + 2 < head_len && head[i] == ':' && is_hex_digit(head[i + 1]) &&
        is_hex_digit(head[i + 2]))
        return DFU_FORMAT_IHEX;
    if (i + 3 < head_len && (head[i] == 'S' || head[i] == 's') && head[i + 1] >= '0' &&
        head[i + 1] <= '9' && is_hex_digit(head[i + 2]) && is_hex_digit(head[i + 3]))
        return DFU_FORMAT_SREC;

    if (tail_len == 16 && memcmp(tail + 8, "UFD", 3) == 0) return DFU_FORMAT_DFU;

    dfu_format by_ext = dfu_format_from_extension(name);
    return by_ext == DFU_FORMAT_AUTO ? DFU_FORMAT_BIN : by_ext;
}
