/* dfuctl erase: sectors of a range, or the whole flash (DfuSe). */
#include <stdio.h>

#include "commands.h"
#include "device_opts.h"
#include "progress.h"
#include "signals.h"

/* The whole sectors that [address, address + size) touches, as the library erases them. */
typedef struct erased {
    uint32_t first, sectors;
    uint64_t bytes;
} erased;

static erased sectors_touched(dfu_device *dev, uint32_t address, uint32_t size)
{
    erased e = {0, 0, 0};
    const dfu_layout *l = dfu_device_layout(dev, dfu_device_alt(dev));
    dfu_sector s;
    for (uint64_t a = address;
         l && a < (uint64_t)address + size && dfu_layout_find(l, (uint32_t)a, &s);
         a = (uint64_t)s.address + s.size) {
        if (!e.sectors++) e.first = s.address;
        e.bytes += s.size;
    }
    return e;
}

int cmd_erase(int argc, char **argv)
{
    cli_device_opts d = {0};
    uint32_t address = 0, size = 0;
    bool has_address = false, has_size = false, mass = false;
    const cli_opt opts[] = {
        CLI_DEVICE_OPTIONS(d),
        {"address", 0, OPT_U32, &address, &has_address, "ADDR", "first byte to erase"},
        {"size", 's', OPT_U32, &size, &has_size, "N", "bytes to erase (whole sectors are erased)"},
        {"mass", 0, OPT_FLAG, &mass, NULL, NULL, "erase the whole flash"},
        {NULL, 0, OPT_FLAG, NULL, NULL, NULL, NULL},
    };
    cli_out out = {{0}, NULL, "erase"};
    const char *pos[1];
    int npos;
    if (cli_parse(argc, argv, opts, &out.common, pos, 0, &npos)) return EXIT_USAGE;
    if (out.common.help) {
        cli_print_help("erase", "--address A --size N | --mass [options]",
                       "Erases every sector the range touches, or the whole flash (DfuSe "
                       "devices). Refuses sectors the device marks not erasable.",
                       opts);
        return EXIT_OK;
    }
    if (mass == (has_address || has_size))
        return cli_usage_error(&out, "give either --address and --size, or --mass");
    if (!mass && (!has_address || !has_size || size == 0))
        return cli_usage_error(&out, "--address and a non-zero --size go together");
    if (dfu_ctx_new(&out.ctx)) return EXIT_FAILURE_OTHER;
    cli_install_log(&out);
    dfu_device *dev = NULL;
    int code = cli_open_device(&out, &d, &dev);
    if (!code) {
        cli_progress prog;
        cli_progress_init(&prog, &out);
        cli_signals_install(NULL);
        /* One command the device takes its time over, with nothing to count meanwhile: said
         * where progress goes. */
        if (mass && dfu_device_is_dfuse(dev) && !out.common.quiet)
            fprintf(stderr,
                    "dfuctl erase: mass erase: the device erases its whole flash (an STM32F4 "
                    "takes up to 32 s)...\n");
        int rc = mass ? dfu_device_mass_erase(dev)
                      : dfu_device_erase(dev, address, size, cli_progress_cb, &prog);
        cli_progress_end(&prog);
        code = rc ? cli_report_error(&out, rc, cli_device_fallback(rc)) : EXIT_OK;
        /* Refused before anything was erased: the board goes back to what it was running. */
        if (rc == DFU_ERR_REFUSED || rc == DFU_ERR_UNSUPPORTED || rc == DFU_ERR_ARG)
            cli_return_detached(&out, dev);
        erased e = rc || mass ? (erased){0, 0, 0} : sectors_touched(dev, address, size);
        if (!rc && out.common.json) {
            json_w w;
            cli_json_ok_result(&w, &out, dev);
            jw_bool(&w, "mass", mass);
            jw_uint(&w, "address", address);
            jw_uint(&w, "size", size);
            /* A mass erase is the device's to scope: what it blanked is not known here. */
            if (mass) {
                jw_null(&w, "erased_address");
                jw_null(&w, "erased_bytes");
                jw_null(&w, "sectors_erased");
            } else {
                jw_uint(&w, "erased_address", e.first);
                jw_uint(&w, "erased_bytes", e.bytes);
                jw_uint(&w, "sectors_erased", e.sectors);
            }
            jw_end(&w);
            jw_finish(&w);
        } else if (!rc) {
            if (mass)
                cli_say(&out, "erased the whole flash\n");
            else
                cli_say(&out, "erased %u sector%s (%llu bytes) at 0x%08x-0x%08llx\n", e.sectors,
                        e.sectors == 1 ? "" : "s", (unsigned long long)e.bytes, e.first,
                        (unsigned long long)e.first + e.bytes - 1);
        }
    }
    dfu_device_close(dev);
    cli_device_opts_free(&d);
    dfu_ctx_free(out.ctx);
    return code;
}
