/* A small JSON parser for checking dfuctl's --json output in tests. */
#ifndef DFU_TEST_JSON_H
#define DFU_TEST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum tu_json_type {
    TU_JSON_NULL,
    TU_JSON_BOOL,
    TU_JSON_NUMBER,
    TU_JSON_STRING,
    TU_JSON_ARRAY,
    TU_JSON_OBJECT,
} tu_json_type;

typedef struct tu_json tu_json;
struct tu_json {
    tu_json_type type;
    bool boolean;
    double number;
    uint64_t integer; /* exact value when the number is a non-negative integer */
    char *string;
    size_t count; /* array or object members */
    tu_json **items;
    char **keys; /* object keys, parallel to items */
};

/* Parses one JSON value (surrounding whitespace allowed); NULL when malformed. */
tu_json *tu_json_parse(const char *text);
/* Parses line number `index` (0-based) of JSON-lines text; NULL when missing or malformed. */
tu_json *tu_json_parse_line(const char *text, size_t index);
/* Number of non-empty lines. */
size_t tu_json_line_count(const char *text);
void tu_json_free(tu_json *v);
/* Member of an object, or NULL. */
const tu_json *tu_json_get(const tu_json *obj, const char *key);
/* Path of keys and indexes, e.g. tu_json_path(v, "targets.0.segments.1.address"). */
const tu_json *tu_json_path(const tu_json *v, const char *path);

#endif
