/* A small recursive-descent JSON parser for tests. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

typedef struct parser {
    const char *p;
    int depth;
} parser;

static tu_json *value(parser *ps);

static void skip_ws(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r') ps->p++;
}

static tu_json *make(tu_json_type t)
{
    tu_json *v = calloc(1, sizeof(*v));
    v->type = t;
    return v;
}

static char *string_lit(parser *ps)
{
    if (*ps->p != '"') return NULL;
    ps->p++;
    size_t cap = 16, n = 0;
    char *s = malloc(cap);
    while (*ps->p && *ps->p != '"') {
        char c = *ps->p++;
        if (c == '\\') {
            char e = *ps->p++;
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                unsigned v = 0;
                for (int i = 0; i < 4; i++) {
                    if (!isxdigit((unsigned char)*ps->p)) {
                        free(s);
                        return NULL;
                    }
                    char h = *ps->p++;
                    v = v * 16 +
                        (unsigned)(isdigit((unsigned char)h) ? h - '0' : (tolower(h) - 'a' + 10));
                }
                c = v < 0x80 ? (char)v : '?';
                break;
            }
            case '"':
            case '\\':
            case '/': c = e; break;
            default: free(s); return NULL;
            }
        }
        if (n + 2 > cap) s = realloc(s, cap *= 2);
        s[n++] = c;
    }
    if (*ps->p != '"') {
        free(s);
        return NULL;
    }
    ps->p++;
    s[n] = 0;
    return s;
}

static tu_json *container(parser *ps, bool object)
{
    tu_json *v = make(object ? TU_JSON_OBJECT : TU_JSON_ARRAY);
    ps->p++;
    skip_ws(ps);
    char close = object ? '}' : ']';
    if (*ps->p == close) {
        ps->p++;
        return v;
    }
    for (;;) {
        char *key = NULL;
        if (object) {
            skip_ws(ps);
            key = string_lit(ps);
            skip_ws(ps);
            if (!key || *ps->p != ':') {
                free(key);
                tu_json_free(v);
                return NULL;
            }
            ps->p++;
        }
        tu_json *item = value(ps);
        if (!item) {
            free(key);
            tu_json_free(v);
            return NULL;
        }
        v->items = realloc(v->items, (v->count + 1) * sizeof(*v->items));
        v->keys = realloc(v->keys, (v->count + 1) * sizeof(*v->keys));
        v->items[v->count] = item;
        v->keys[v->count] = key;
        v->count++;
        skip_ws(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == close) {
            ps->p++;
            return v;
        }
        tu_json_free(v);
        return NULL;
    }
}

static tu_json *value(parser *ps)
{
    if (++ps->depth > 64) return NULL;
    skip_ws(ps);
    tu_json *v = NULL;
    const char *p = ps->p;
    if (*p == '{' || *p == '[') {
        v = container(ps, *p == '{');
    } else if (*p == '"') {
        char *s = string_lit(ps);
        if (s) {
            v = make(TU_JSON_STRING);
            v->string = s;
        }
    } else if (strncmp(p, "true", 4) == 0 || strncmp(p, "false", 5) == 0) {
        v = make(TU_JSON_BOOL);
        v->boolean = *p == 't';
        ps->p += v->boolean ? 4 : 5;
    } else if (strncmp(p, "null", 4) == 0) {
        v = make(TU_JSON_NULL);
        ps->p += 4;
    } else if (*p == '-' || isdigit((unsigned char)*p)) {
        char *end;
        double d = strtod(p, &end);
        if (end != p) {
            v = make(TU_JSON_NUMBER);
            v->number = d;
            if (*p != '-' && !memchr(p, '.', (size_t)(end - p)) &&
                !memchr(p, 'e', (size_t)(end - p)) && !memchr(p, 'E', (size_t)(end - p)))
                v->integer = strtoull(p, NULL, 10);
            ps->p = end;
        }
    }
    ps->depth--;
    return v;
}

tu_json *tu_json_parse(const char *text)
{
    if (!text) return NULL;
    parser ps = {text, 0};
    tu_json *v = value(&ps);
    if (!v) return NULL;
    skip_ws(&ps);
    if (*ps.p) {
        tu_json_free(v);
        return NULL;
    }
    return v;
}

tu_json *tu_json_parse_line(const char *text, size_t index)
{
    size_t i = 0;
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (len) {
            if (i == index) {
                char *copy = strndup(line, len);
                tu_json *v = tu_json_parse(copy);
                free(copy);
                return v;
            }
            i++;
        }
        line = nl ? nl + 1 : NULL;
    }
    return NULL;
}

size_t tu_json_line_count(const char *text)
{
    size_t n = 0;
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (len) n++;
        line = nl ? nl + 1 : NULL;
    }
    return n;
}

void tu_json_free(tu_json *v)
{
    if (!v) return;
    for (size_t i = 0; i < v->count; i++) {
        tu_json_free(v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

const tu_json *tu_json_get(const tu_json *obj, const char *key)
{
    if (!obj || obj->type != TU_JSON_OBJECT) return NULL;
    for (size_t i = 0; i < obj->count; i++)
        if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
    return NULL;
}

const tu_json *tu_json_path(const tu_json *v, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    char *save = NULL;
    for (char *part = strtok_r(buf, ".", &save); part && v; part = strtok_r(NULL, ".", &save)) {
        if (v->type == TU_JSON_ARRAY) {
            char *end;
            unsigned long idx = strtoul(part, &end, 10);
            v = (*end || idx >= v->count) ? NULL : v->items[idx];
        } else {
            v = tu_json_get(v, part);
        }
    }
    return v;
}
