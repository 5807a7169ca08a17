/* Reading whole files: what the parsers of text files rely on. */
#include <stdlib.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_all_terminates_the_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
