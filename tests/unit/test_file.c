/* Files and directories: what the parsers of text files and the journal rely on. */
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "core/file.h"
#include "testutil.h"

/* The buffer ends with a NUL, as file.h promises, whatever the allocator left there: the
 * journal parser and others read it as a C string. Found while writing fuzz_journal: the NUL was
 * never written, and a buffer the allocator reused still held earlier text past the end. */
static void test_read_all_terminates_the_text(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("file_read_all");
    char *path = tu_path(dir, "small.txt");
    tu_write_file(path, "libdfu-journal 1\n", 17);
    for (int i = 0; i < 20; i++) {
        /* Leave stale bytes where the next buffer is likely to be allocated (volatile: the
         * compiler would drop an unused allocation). */
        size_t big = 300000;
        char *volatile junk = malloc(big);
        assert_non_null(junk);
        memset(junk, 'x', big);
        free(junk);
        uint8_t *text;
        size_t len;
        assert_int_equal(dfu_file_read_all(NULL, path, &text, &len), DFU_OK);
        assert_int_equal(len, 17);
        assert_int_equal(text[len], '\0');
        free(text);
    }
    free(path);
    free(dir);
}

/* The journal directory is created with its parents; the root of a path is never "created"
 * (mkdir("C:") fails on Windows with an error other than EEXIST). */
static void test_path_roots(void **state)
{
    (void)state;
    assert_int_equal(dfu_path_root_len("/var/lib", false), 1);
    assert_int_equal(dfu_path_root_len("rel/dir", false), 0);
    assert_int_equal(dfu_path_root_len("C:\\x\\y", false), 0);
    assert_int_equal(dfu_path_root_len("C:\\Users\\me", true), 3);
    assert_int_equal(dfu_path_root_len("d:/journal", true), 3);
    assert_int_equal(dfu_path_root_len("C:relative", true), 2);
    assert_int_equal(dfu_path_root_len("\\\\server\\share\\dir", true), 15);
    assert_int_equal(dfu_path_root_len("//server/share", true), 14);
    assert_int_equal(dfu_path_root_len("\\top", true), 1);
    assert_int_equal(dfu_path_root_len("rel\\dir", true), 0);
    assert_int_equal(dfu_path_root_len("\\\\server\\\\share\\d", true), 16);
    assert_int_equal(dfu_path_root_len("\\\\server", true), 8);
    assert_int_equal(dfu_path_root_len("C:", true), 2);
    assert_int_equal(dfu_path_root_len("/", false), 1);
    assert_int_equal(dfu_path_root_len("", true), 0);
    assert_int_equal(dfu_path_root_len("", false), 0);
    assert_true(dfu_path_is_sep('\\', true));
    assert_false(dfu_path_is_sep('\\', false));
}

static void test_make_dirs(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("file_make_dirs");
    char *deep = tu_path(dir, "a/b//c/");
    assert_int_equal(dfu_make_dirs(NULL, deep, "cannot create"), DFU_OK);
    assert_int_equal(dfu_make_dirs(NULL, deep, "cannot create"), DFU_OK); /* exists: fine */
    char *c = tu_path(dir, "a/b/c");
    struct stat st;
    assert_int_equal(stat(c, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(dfu_make_dirs(NULL, "", "cannot create"), DFU_ERR_ARG);
    /* A file where a directory should be: an error naming the path. */
    char *file = tu_path(dir, "plain");
    tu_write_file(file, "x", 1);
    char *under = tu_path(dir, "plain/sub");
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    assert_int_not_equal(dfu_make_dirs(ctx, under, "cannot create the journal directory"), DFU_OK);
    const char *msg = dfu_ctx_error(ctx)->message;
    if (!strstr(msg, "cannot create the journal directory") || !strstr(msg, "plain/sub"))
        fail_msg("%s", msg);
    dfu_ctx_free(ctx);
    free(deep);
    free(c);
    free(file);
    free(under);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_all_terminates_the_text),
        cmocka_unit_test(test_path_roots),
        cmocka_unit_test(test_make_dirs),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
