/*
 * Preloaded (LD_PRELOAD) into dfuctl by cli_recover_cases: getpwuid() says the account's home
 * directory is $DFU_TEST_PW_DIR, so that dfuctl run without HOME falls back to a directory the
 * test made, never to the real account's (where an update may be pending, and which a test must
 * not touch). Without DFU_TEST_PW_DIR it answers as the C library does.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

struct passwd *getpwuid(uid_t uid);

struct passwd *getpwuid(uid_t uid)
{
    static struct passwd pw;
    struct passwd *(*real)(uid_t);
    void *sym = dlsym(RTLD_NEXT, "getpwuid");
    memcpy(&real, &sym, sizeof(real)); /* POSIX: a function's address, as a void * */
    struct passwd *p = real ? real(uid) : NULL;
    const char *dir = getenv("DFU_TEST_PW_DIR");
    if (!dir) return p;
    if (p) {
        pw = *p;
    } else {
        memset(&pw, 0, sizeof(pw));
        pw.pw_name = (char *)(uintptr_t) "dfu-test";
        pw.pw_uid = uid;
    }
    pw.pw_dir = (char *)(uintptr_t)dir;
    return &pw;
}
