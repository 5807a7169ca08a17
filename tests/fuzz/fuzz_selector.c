/* Device selectors from arbitrary text: parsing never crashes, and a parsed selector matches
 * a device without reading out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libdfu/device.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    dfu_ctx *ctx;
    if (dfu_ctx_new(&ctx)) {
        free(text);
        return 0;
    }
    dfu_selector *sel;
    if (dfu_selector_parse(&sel, ctx, text) == 0) {
        char path[] = "1-1.4", serial[] = "STM32FxSTM32", usb[] = "usb";
        dfu_device_info d;
        memset(&d, 0, sizeof(d));
        d.backend = usb;
        d.path = path;
        d.serial = serial;
        d.vid = 0x0483;
        d.pid = 0xdf11;
        d.mode = DFU_MODE_DFU;
        (void)dfu_selector_match(sel, &d);
        d.mode = DFU_MODE_RUNTIME;
        d.serial = NULL;
        (void)dfu_selector_match(sel, &d);
        (void)dfu_selector_sim_spec(sel);
        dfu_selector_free(sel);
    }
    dfu_ctx_free(ctx);
    free(text);
    return 0;
}
