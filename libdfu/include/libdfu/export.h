/* Symbol visibility for libdfu's public API. */
#ifndef LIBDFU_EXPORT_H
#define LIBDFU_EXPORT_H

#if defined(_WIN32) && !defined(DFU_STATIC)
#ifdef DFU_BUILDING_LIBRARY
#define DFU_API __declspec(dllexport)
#else
#define DFU_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define DFU_API __attribute__((visibility("default")))
#else
#define DFU_API
#endif

#if defined(__MINGW32__) && !defined(__clang__)
/* GCC on MinGW checks against Microsoft's printf unless told otherwise; libdfu formats with
 * C99's (clang has no gnu_printf and checks C99 anyway). */
#define DFU_PRINTF(fmt, args) __attribute__((format(gnu_printf, fmt, args)))
#elif defined(__GNUC__) || defined(__clang__)
#define DFU_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define DFU_PRINTF(fmt, args)
#endif

#endif
