/* Files and directories: what the parsers of text files and the journal rely on, and what an
 * atomic write (dfu_image_save) may replace. */
#define _XOPEN_SOURCE 700 /* mknod(), S_IFMT */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <libdfu/libdfu.h>

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

static dfu_image *small_image(void)
{
    dfu_image *img;
    assert_int_equal(dfu_image_new(&img), DFU_OK);
    assert_int_equal(dfu_image_add_target(img, -1, NULL, NULL), DFU_OK);
    assert_int_equal(dfu_image_add_data(NULL, img, 0, 0x08000000, (const uint8_t *)"abcd", 4),
                     DFU_OK);
    return img;
}

static mode_t kind_of(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) fail_msg("%s is gone", path);
    return st.st_mode & S_IFMT;
}

static size_t entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Refused with and without force, with path still what it was and nothing left behind in dir,
 * the directory that holds path (NULL: not looked at). */
static void expect_not_replaced(const char *dir, const char *path, const char *what)
{
    dfu_image *img = small_image();
    mode_t before = kind_of(path);
    size_t files = dir ? entries(dir) : 0;
    for (int force = 0; force < 2; force++) {
        dfu_ctx *ctx;
        dfu_ctx_new(&ctx);
        dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
        so.format = DFU_FORMAT_BIN;
        so.force = force;
        assert_int_equal(dfu_image_save(ctx, img, path, &so), DFU_ERR_ARG);
        const char *m = dfu_ctx_error(ctx)->message;
        if (!strstr(m, path) || !strstr(m, what) || !strstr(m, "not a regular file"))
            fail_msg("\"%s\" does not say %s is %s", m, path, what);
        dfu_ctx_free(ctx);
        assert_int_equal(kind_of(path), before);
        if (dir) assert_int_equal(entries(dir), files);
    }
    dfu_image_free(img);
}

/* A rename over a device node or a FIFO would put a regular file in its place (as root, over
 * /dev/null): only a regular file is replaced, also for library callers. */
static void test_save_replaces_only_regular_files(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("file_save_not_regular");
    char *fifo = tu_path(dir, "fifo"), *link = tu_path(dir, "link"), *node = tu_path(dir, "null");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    expect_not_replaced(dir, fifo, "a FIFO");
    assert_int_equal(symlink("fifo", link), 0);
    expect_not_replaced(dir, link, "a symbolic link to a FIFO");
    /* A device node of our own when we may make one; /dev/null otherwise, which a user who may
     * not make device nodes cannot replace either. */
    struct stat null;
    assert_int_equal(stat("/dev/null", &null), 0);
    if (geteuid() != 0) {
        /* Nothing to count: a temporary file would be in /dev, which this user cannot write,
         * and whose entries come and go with devices and terminals. */
        expect_not_replaced(NULL, "/dev/null", "a character device");
    } else if (mknod(node, S_IFCHR | 0666, null.st_rdev) == 0) {
        expect_not_replaced(dir, node, "a character device");
    } else {
        TU_SKIP("root, but mknod fails (no CAP_MKNOD?): not risking /dev/null");
    }
    free(node);
    free(link);
    free(fifo);
    free(dir);
}

/* A symbolic link to a regular file is written through: the file it names is replaced, the link
 * stays (renaming over the link itself would replace /dev/stdout when it leads to a file). */
static void test_save_writes_through_symbolic_links(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("file_save_symlink");
    char *file = tu_path(dir, "real.bin"), *link = tu_path(dir, "link"), *dangling;
    dangling = tu_path(dir, "dangling");
    tu_write_file(file, "old", 3);
    assert_int_equal(symlink("real.bin", link), 0);
    dfu_image *img = small_image();
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
    so.format = DFU_FORMAT_BIN;
    assert_int_equal(dfu_image_save(ctx, img, link, &so), DFU_ERR_EXISTS);
    so.force = true;
    assert_int_equal(dfu_image_save(ctx, img, link, &so), DFU_OK);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    size_t len;
    uint8_t *data = tu_read_file(file, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(data, "abcd", 4);
    free(data);
    assert_int_equal(entries(dir), 2);
    /* A link to nothing: what to create is unclear, so nothing is. */
    assert_int_equal(symlink("nowhere", dangling), 0);
    assert_int_equal(dfu_image_save(ctx, img, dangling, &so), DFU_ERR_ARG);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "a symbolic link to nothing"));
    dfu_ctx_free(ctx);
    dfu_image_free(img);
    free(dangling);
    free(link);
    free(file);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_all_terminates_the_text),
        cmocka_unit_test(test_path_roots),
        cmocka_unit_test(test_make_dirs),
        cmocka_unit_test(test_save_replaces_only_regular_files),
        cmocka_unit_test(test_save_writes_through_symbolic_links),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
