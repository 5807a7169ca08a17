/* SHA-256 against the FIPS 180-4 / NIST example vectors: the journal's image digest relies on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "testutil.h"

static void expect(const void *data, size_t len, size_t pieces, const char *hex)
{
    dfu_sha256 s;
    dfu_sha256_init(&s);
    /* Fed in uneven pieces: block boundaries must not matter. */
    size_t done = 0;
    for (size_t i = 1; i <= pieces; i++) {
        size_t upto = len * i / pieces;
        dfu_sha256_update(&s, (const uint8_t *)data + done, upto - done);
        done = upto;
    }
    uint8_t out[32];
    dfu_sha256_final(&s, out);
    char got[65];
    for (int i = 0; i < 32; i++) snprintf(got + 2 * i, 3, "%02x", out[i]);
    assert_string_equal(got, hex);
}

static void test_nist_vectors(void **state)
{
    (void)state;
    expect("", 0, 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect("abc", 3, 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    expect(m448, strlen(m448), 1,
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    expect(m448, strlen(m448), 7,
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *million = malloc(1000000);
    memset(million, 'a', 1000000);
    expect(million, 1000000, 13,
           "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_nist_vectors)};
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
