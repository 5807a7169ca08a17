/* libFuzzer harness: Intel HEX parsing (see fuzz_text.h for what is checked). */
#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_text_format(data, size, DFU_FORMAT_IHEX);
}
