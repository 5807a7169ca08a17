/* The recover command dfuctl prints when an update stops before it is done. */
#include <stdio.h>

#include <libdfu/journal.h>

#include "recover_hint.h"
#include "signals.h"

void cli_recover_command(char *buf, size_t cap, dfu_device *dev, const char *selector,
                         const char *jdir_option, bool json)
{
    char path[128] = "";
    if (!selector || !*selector)
        snprintf(path, sizeof(path), "path=%s", dfu_device_get_info(dev)->path);
    snprintf(buf, cap, "dfuctl recover -d '%s'%s%s%s%s", *path ? path : selector,
             jdir_option ? " --journal-dir '" : "", jdir_option ? jdir_option : "",
             jdir_option ? "'" : "", json ? " --json" : "");
}

/* errVENDOR from a DfuSe device is the STM32 ROM's read protection: it refuses every change,
 * so a recover would be refused the same way. The journal stays (a device that reports
 * errVENDOR for another reason may have been part-way through); --discard forgets it. */
static void hint_unprotect(const char *cmd, const char *selector, const char *jdir_option,
                           const dfu_journal *j)
{
    const char *sel = selector && *selector ? selector : dfu_journal_selector(j);
    fprintf(stderr,
            "dfuctl %s: the device reports errVENDOR, which on STM32 ROMs is read protection. "
            "`dfuctl unprotect --confirm -d '%s'` removes it and erases the whole flash; then "
            "flash again (`dfuctl recover --discard -d '%s'%s%s%s` forgets this update's "
            "journal)\n",
            cmd, sel, sel, jdir_option ? " --journal-dir '" : "", jdir_option ? jdir_option : "",
            jdir_option ? "'" : "");
}

void cli_hint_read_protected(const cli_out *out, const char *selector)
{
    fprintf(stderr,
            "dfuctl %s: errVENDOR is an STM32 ROM's read protection: nothing can be read back; "
            "`dfuctl unprotect --confirm%s%s%s` removes it and erases the whole flash\n",
            out->cmd, selector ? " -d '" : "", selector ? selector : "", selector ? "'" : "");
}

void cli_hint_recover(const cli_out *out, const char *cmd, dfu_device *dev, const char *jdir,
                      const char *jdir_option, const char *selector, int err)
{
    dfu_ctx *scratch;
    if (dfu_ctx_new(&scratch)) return;
    dfu_journal *j;
    if (dfu_journal_open(&j, scratch, jdir, dfu_device_get_info(dev)->path) != DFU_OK) {
        dfu_ctx_free(scratch);
        return;
    }
    if (!dfu_journal_matches(j, dev)) { /* another board's, which this update did not touch */
        dfu_journal_free(j);
        dfu_ctx_free(scratch);
        return;
    }
    if (dfu_ctx_error(out->ctx)->dfu_status == DFU_STATUS_ERR_VENDOR && dfu_device_is_dfuse(dev)) {
        hint_unprotect(cmd, selector, jdir_option, j);
    } else {
        int st = -1;
        bool gone = err == DFU_ERR_DISCONNECTED || dfu_device_gone(dev) ||
                    dfu_device_get_status(dev, &st, NULL) != DFU_OK;
        char where[160];
        if (gone)
            snprintf(where, sizeof(where),
                     "the device went away. When it is back (replugged or "
                     "powered), finish it with:");
        else if (st == DFU_STATE_DFU_IDLE)
            snprintf(where, sizeof(where), "the device was left in dfuIDLE. Finish it with:");
        else
            snprintf(where, sizeof(where),
                     "the device is stuck in %s; power-cycle it, then finish it with:",
                     dfu_state_name(st));
        char command[2300];
        cli_recover_command(command, sizeof(command), dev,
                            selector && *selector ? selector : dfu_journal_selector(j), jdir_option,
                            out->common.json);
        fprintf(stderr, "dfuctl %s: the update is incomplete and its journal is kept; %s\n  %s\n",
                cmd, where, command);
    }
    dfu_journal_free(j);
    dfu_ctx_free(scratch);
}

void cli_signals_install_recover(dfu_device *dev, const char *selector, const char *jdir_option,
                                 bool json)
{
    char command[2300];
    cli_recover_command(command, sizeof(command), dev, selector, jdir_option, json);
    cli_signals_install(command);
}
