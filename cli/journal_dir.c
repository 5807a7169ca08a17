/* Where recovery journals live, and the selector to reach their device again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <pwd.h>
#include <unistd.h>
#endif

#include "journal_dir.h"

#if !defined(_WIN32)
/* $HOME, else the account's home directory (cron, systemd units and sudo -i may run without
 * HOME), else "." as a last resort. */
static const char *home_dir(void)
{
    const char *home = getenv("HOME");
    if (home && *home) return home;
    const struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : ".";
}
#endif

void cli_journal_dir(const char *option, char *buf, size_t cap)
{
    const char *env = getenv("DFU_JOURNAL_DIR");
    if (option && *option) {
        snprintf(buf, cap, "%s", option);
    } else if (env && *env) {
        snprintf(buf, cap, "%s", env);
    } else {
#if defined(_WIN32)
        const char *base = getenv("LOCALAPPDATA");
        snprintf(buf, cap, "%s\\libdfu", base ? base : ".");
#elif defined(__APPLE__)
        snprintf(buf, cap, "%s/Library/Application Support/libdfu", home_dir());
#else
        /* Relative XDG paths are invalid (the XDG spec says to ignore them), and a relative
         * directory would hold journals that a recover run from elsewhere never finds. */
        const char *state = getenv("XDG_STATE_HOME");
        if (state && state[0] == '/')
            snprintf(buf, cap, "%s/libdfu", state);
        else
            snprintf(buf, cap, "%s/.local/state/libdfu", home_dir());
#endif
    }
}

void cli_recover_selector(const char *selector, char *buf, size_t cap)
{
    if (!selector) {
        snprintf(buf, cap, "%s", "");
        return;
    }
    if (strncmp(selector, "sim:", 4) != 0) {
        snprintf(buf, cap, "%s", selector);
        return;
    }
    size_t n = 0;
    buf[0] = '\0';
    for (const char *p = selector; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        bool drop =
            (len >= 6 && strncmp(p, "fault=", 6) == 0) || (len >= 5 && strncmp(p, "seed=", 5) == 0);
        if (!drop && n + len + 2 < cap) {
            if (n) buf[n++] = ',';
            memcpy(buf + n, p, len);
            n += len;
            buf[n] = '\0';
        }
        p += len + (comma ? 1 : 0);
    }
}

const char *cli_journal_image_path(const char *path, char *buf, size_t cap)
{
    if (!path) return NULL;
#ifdef _WIN32
    if (_fullpath(buf, path, cap)) return buf;
#else
    char cwd[4096];
    if (path[0] == '/') return path;
    if (getcwd(cwd, sizeof(cwd))) {
        int n = snprintf(buf, cap, "%s/%s", cwd, strncmp(path, "./", 2) ? path : path + 2);
        if (n > 0 && (size_t)n < cap) return buf;
    }
#endif
    return path;
}
