/* libdfu: USB DFU 1.1 and DfuSe firmware updates. Include this one header for everything. */
#ifndef LIBDFU_LIBDFU_H
#define LIBDFU_LIBDFU_H

#include "error.h"
#include "context.h"
#include "spec.h"
#include "image.h"
#include "layout.h"
#include "device.h"
#include "sim.h"
#include "update.h"
#include "journal.h"

#endif
