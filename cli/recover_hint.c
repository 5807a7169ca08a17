/* The recover command dfuctl prints when an update stops before it is done. */
#include <stdio.h>
#include <string.h>

#include <libdfu/journal.h>

#include "recover_hint.h"
#include "signals.h"

const char *cli_shell_quote(char *buf, size_t cap, const char *s)
{
    size_t o = 0;
    if (cap < 3) return NULL;
    buf[o++] = '\'';
    for (; *s; s++) {
        /* A quote ends the quoted string, adds an escaped one, and starts another. */
        const char *piece = *s == '\'' ? "'\\''" : s;
        size_t len = *s == '\'' ? 4 : 1;
        if (o + len + 2 > cap) {
            buf[0] = '\0';
            return NULL; /* cut short, it would name something else */
        }
        memcpy(buf + o, piece, len);
        o += len;
    }
    buf[o++] = '\'';
    buf[o] = '\0';
    return buf;
}

bool cli_recover_command(char *buf, size_t cap, dfu_device *dev, const char *selector,
                         const char *jdir_option, bool json)
{
    char path[128] = "", sel[CLI_QUOTED_MAX], dir[CLI_QUOTED_MAX] = "";
    if (!selector || !*selector)
        snprintf(path, sizeof(path), "path=%s", dfu_device_get_info(dev)->path);
    int n = -1;
    if (cli_shell_quote(sel, sizeof(sel), *path ? path : selector) &&
        (!jdir_option || cli_shell_quote(dir, sizeof(dir), jdir_option)))
        n = snprintf(buf, cap, "dfuctl recover -d %s%s%s%s", sel,
                     jdir_option ? " --journal-dir " : "", dir, json ? " --json" : "");
    if (n >= 0 && (size_t)n < cap) return true;
    snprintf(buf, cap, "dfuctl recover, with this command's -d%s",
             jdir_option ? " and --journal-dir" : "");
    return false;
}

/* errVENDOR from a DfuSe device is the STM32 ROM's read protection: it refuses every change,
 * so a recover would be refused the same way. The journal stays (a device that reports
 * errVENDOR for another reason may have been part-way through); --discard forgets it. */
static void hint_unprotect(const char *cmd, const char *selector, const char *jdir_option,
                           const dfu_journal *j)
{
    char sel[CLI_QUOTED_MAX], dir[CLI_QUOTED_MAX] = "";
    if (!cli_shell_quote(sel, sizeof(sel),
                         selector && *selector ? selector : dfu_journal_selector(j)))
        snprintf(sel, sizeof(sel), "SELECTOR");
    if (jdir_option && !cli_shell_quote(dir, sizeof(dir), jdir_option))
        snprintf(dir, sizeof(dir), "DIR");
    fprintf(stderr,
            "dfuctl %s: the device reports errVENDOR, which on STM32 ROMs is read protection. "
            "`dfuctl unprotect --confirm -d %s` removes it and erases the whole flash; then "
            "flash again (`dfuctl recover --discard -d %s%s%s` forgets this update's "
            "journal)\n",
            cmd, sel, sel, jdir_option ? " --journal-dir " : "", dir);
}

void cli_hint_read_protected(const cli_out *out, const char *selector)
{
    char sel[CLI_QUOTED_MAX] = "";
    if (selector && !cli_shell_quote(sel, sizeof(sel), selector))
        snprintf(sel, sizeof(sel), "SELECTOR");
    fprintf(stderr,
            "dfuctl %s: errVENDOR is an STM32 ROM's read protection: nothing can be read back; "
            "`dfuctl unprotect --confirm%s%s` removes it and erases the whole flash\n",
            out->cmd, selector ? " -d " : "", sel);
}

/* Where the device is, to say before the recover command. */
static void device_whereabouts(dfu_device *dev, int err, char *where, size_t cap)
{
    /* The library's message said where a cancel left the device; asking it now would wait for
     * what it may still be doing (an erase), or be cancelled by the same interrupt. */
    if (err == DFU_ERR_CANCELLED && !dfu_device_gone(dev)) {
        snprintf(where, cap, "finish it with:");
        return;
    }
    int st = -1;
    if (err == DFU_ERR_DISCONNECTED || dfu_device_gone(dev) ||
        dfu_device_get_status(dev, &st, NULL) != DFU_OK)
        snprintf(where, cap,
                 "the device went away. When it is back (replugged or powered), finish it with:");
    else if (st == DFU_STATE_DFU_IDLE)
        snprintf(where, cap, "the device was left in dfuIDLE. Finish it with:");
    else
        snprintf(where, cap, "the device is stuck in %s; power-cycle it, then finish it with:",
                 dfu_state_name(st));
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
        char where[160];
        device_whereabouts(dev, err, where, sizeof(where));
        char command[CLI_RECOVER_COMMAND_MAX];
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
    char command[CLI_RECOVER_COMMAND_MAX];
    cli_recover_command(command, sizeof(command), dev, selector, jdir_option, json);
    cli_signals_install(command);
}
