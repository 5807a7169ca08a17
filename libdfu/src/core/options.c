/* The version field of the options structs callers pass in. */
#include "internal.h"

int dfu_check_options(dfu_ctx *ctx, const char *what, unsigned version, unsigned max)
{
    if (version >= 1 && version <= max) return DFU_OK;
    return dfu_err(ctx, DFU_ERR_ARG,
                   "%s version %u: this libdfu knows versions 1 to %u; initialise the struct with "
                   "its _INIT macro%s",
                   what, version, max, version ? " from this libdfu's headers" : "");
}
