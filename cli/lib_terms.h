/* libdfu's messages name the API's options (`force`, `transfer_size`, ...) for programs that
 * embed it; dfuctl's users know them as command-line options. */
#ifndef DFUCTL_LIB_TERMS_H
#define DFUCTL_LIB_TERMS_H

#include <stddef.h>

/* Copies msg into buf (cap bytes, always terminated), each API option the library names replaced
 * by the dfuctl option that sets it. Returns buf. */
const char *cli_lib_terms(const char *msg, char *buf, size_t cap);

#endif
