/* SPDX-License-Identifier: MIT */
/* jget -- query and edit JSON in shell tests, with Python's json module semantics.
 *
 *   jget [-f FILE] [-e] QUERY...              print each result, space separated, one line
 *   jget [-f FILE] [-s PATH=JSON | -d PATH]... (-o | -c | QUERY...)
 *
 * The input (FILE or stdin) is read the way json.load reads it: strict UTF-8, no byte order
 * mark, NaN / Infinity / -Infinity accepted, the last of duplicate keys wins (in the position of
 * the first). Integers and floats stay distinct: a literal 100 prints as 100 and 100.0 as 100.0,
 * like Python's print; floats print as Python's repr (shortest round trip).
 *
 * A query is a pipeline of stages separated by '|':
 *   path         .  .key  ["key"]  [N]  (N < 0 counts from the end)  []  (for each element:
 *                the rest of the pipeline runs on every element, the results form an array)
 *   length       len(): characters of a string, items of an array or object
 *   keys         the keys of an object, in order
 *   type         null, false, true, int, float, string, array or object
 *   sort         sorted(): numbers or strings
 *   unique       sorted(set())
 *   values       the values of an object, in order
 *   all          all(): every item of an array is truthy
 *   sum          sum() of an array of numbers
 *   == JSON, != JSON   Python's == (1 == 1.0 == true; objects compare regardless of key order)
 *   < JSON, <= JSON, > JSON, >= JSON   Python's order of numbers, or of strings
 *   ( QUERY )    a sub-pipeline: `([].label)|unique` sorts the labels, `[].label|unique` would
 *                apply unique to each label
 * A string result prints as its text, anything else as compact JSON. -e prints nothing and
 * exits 1 unless every result is truthy by Python's rules (false, null, 0, "", [] and {} are
 * not).
 *
 * -s PATH=JSON sets a key (added if absent) or an existing array item; -d PATH deletes one. Both
 * take a path without []; they run in order before the queries. -o prints the whole document as
 * json.dump does by default (", " and ": " separators, ASCII only), -c as json.dumps with
 * separators=(",", ":"); neither adds a newline.
 *
 * Exit status: 0, 1 on bad input, a failed query (missing key, wrong type, index out of range) or
 * a false -e, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum jtype { J_NULL, J_FALSE, J_TRUE, J_INT, J_FLOAT, J_STR, J_ARR, J_OBJ };

struct jv {
    enum jtype t;
    double d;         /* J_FLOAT */
    char *s;          /* J_INT: normalized digits; J_STR: text (UTF-8, lone surrogates as WTF-8) */
    size_t len;       /* J_STR: bytes of s; J_ARR / J_OBJ: items */
    size_t cap;
    struct jv **items;
    char **keys;      /* J_OBJ */
    size_t *klens;
};

static const char *prog = "jget";

static void die(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(status);
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die(1, "out of memory");
    return p;
}

static char *xmemdup(const char *s, size_t n)
{
    char *p = xrealloc(NULL, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static struct jv *jv_new(enum jtype t)
{
    struct jv *v = xrealloc(NULL, sizeof *v);
    memset(v, 0, sizeof *v);
    v->t = t;
    return v;
}

static void jv_free(struct jv *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->len && (v->t == J_ARR || v->t == J_OBJ); i++) {
        jv_free(v->items[i]);
        if (v->t == J_OBJ)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->klens);
    free(v->s);
    free(v);
}

static struct jv *jv_copy(const struct jv *v)
{
    struct jv *c = jv_new(v->t);
    c->d = v->d;
    if (v->t == J_INT)
        c->s = xmemdup(v->s, strlen(v->s));
    if (v->t == J_STR) {
        c->s = xmemdup(v->s, v->len);
        c->len = v->len;
    }
    if (v->t == J_ARR || v->t == J_OBJ) {
        c->len = c->cap = v->len;
        c->items = xrealloc(NULL, v->len * sizeof *c->items);
        if (v->t == J_OBJ) {
            c->keys = xrealloc(NULL, v->len * sizeof *c->keys);
            c->klens = xrealloc(NULL, v->len * sizeof *c->klens);
        }
        for (size_t i = 0; i < v->len; i++) {
            c->items[i] = jv_copy(v->items[i]);
            if (v->t == J_OBJ) {
                c->keys[i] = xmemdup(v->keys[i], v->klens[i]);
                c->klens[i] = v->klens[i];
            }
        }
    }
    return c;
}

static void arr_push(struct jv *a, struct jv *item)
{
    if (a->len == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 8;
        a->items = xrealloc(a->items, a->cap * sizeof *a->items);
        if (a->t == J_OBJ) {
            a->keys = xrealloc(a->keys, a->cap * sizeof *a->keys);
            a->klens = xrealloc(a->klens, a->cap * sizeof *a->klens);
        }
    }
    a->items[a->len++] = item;
}

static long obj_find(const struct jv *o, const char *k, size_t klen)
{
    for (size_t i = 0; i < o->len; i++)
        if (o->klens[i] == klen && memcmp(o->keys[i], k, klen) == 0)
            return (long)i;
    return -1;
}

/* Sets key k (taking ownership of k and val): replaces the value in place when present. */
static void obj_set(struct jv *o, char *k, size_t klen, struct jv *val)
{
    long i = obj_find(o, k, klen);
    if (i >= 0) {
        jv_free(o->items[i]);
        o->items[i] = val;
        free(k);
        return;
    }
    arr_push(o, val);
    o->keys[o->len - 1] = k;
    o->klens[o->len - 1] = klen;
}

/* ---- parsing ------------------------------------------------------------------------------ */

struct parser {
    const char *p, *end, *start;
    const char *what; /* for messages */
    int depth;
};

static void perr(const struct parser *ps, const char *msg)
{
    die(1, "%s: %s at byte %zu", ps->what, msg, (size_t)(ps->p - ps->start));
}

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static void put_utf8(char **buf, size_t *len, size_t *cap, uint32_t c)
{
    if (*len + 4 >= *cap) {
        *cap = *cap ? 2 * *cap : 32;
        *buf = xrealloc(*buf, *cap);
    }
    char *o = *buf + *len;
    if (c < 0x80) {
        o[0] = (char)c;
        *len += 1;
    } else if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        *len += 2;
    } else if (c < 0x10000) { /* lone surrogates too (WTF-8), as Python keeps them */
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        *len += 3;
    } else {
        o[0] = (char)(0xF0 | (c >> 18));
        o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[3] = (char)(0x80 | (c & 0x3F));
        *len += 4;
    }
}

static int hex4(const char *p, const char *end, uint32_t *out)
{
    uint32_t v = 0;
    if (end - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* At the opening quote; returns the decoded text. */
static char *parse_string(struct parser *ps, size_t *outlen)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    ps->p++;
    for (;;) {
        if (ps->p >= ps->end)
            perr(ps, "unterminated string");
        unsigned char c = (unsigned char)*ps->p;
        if (c == '"') {
            ps->p++;
            break;
        }
        if (c < 0x20)
            perr(ps, "invalid control character in a string");
        if (c != '\\') {
            if (len + 1 >= cap) {
                cap = cap ? 2 * cap : 32;
                buf = xrealloc(buf, cap);
            }
            buf[len++] = (char)c; /* raw UTF-8, validated beforehand */
            ps->p++;
            continue;
        }
        ps->p++;
        if (ps->p >= ps->end)
            perr(ps, "unterminated string");
        char e = *ps->p++;
        uint32_t u;
        switch (e) {
        case '"': u = '"'; break;
        case '\\': u = '\\'; break;
        case '/': u = '/'; break;
        case 'b': u = '\b'; break;
        case 'f': u = '\f'; break;
        case 'n': u = '\n'; break;
        case 'r': u = '\r'; break;
        case 't': u = '\t'; break;
        case 'u':
            if (hex4(ps->p, ps->end, &u) < 0)
                perr(ps, "invalid \\u escape");
            ps->p += 4;
            if (u >= 0xD800 && u <= 0xDBFF && ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u') {
                uint32_t lo;
                if (hex4(ps->p + 2, ps->end, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                    ps->p += 6;
                }
            }
            break;
        default:
            perr(ps, "invalid escape");
            u = 0;
        }
        put_utf8(&buf, &len, &cap, u);
    }
    *outlen = len;
    buf = xrealloc(buf, len + 1);
    buf[len] = 0;
    return buf;
}

static bool lit(struct parser *ps, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, w, n) == 0) {
        ps->p += n;
        return true;
    }
    return false;
}

static bool isdig(char c) { return c >= '0' && c <= '9'; }

static struct jv *parse_value(struct parser *ps)
{
    skip_ws(ps);
    if (ps->p >= ps->end)
        perr(ps, "expecting a value");
    if (++ps->depth > 1000)
        perr(ps, "nested too deeply");
    struct jv *v = NULL;
    char c = *ps->p;
    if (c == '{') {
        v = jv_new(J_OBJ);
        ps->p++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
        } else {
            for (;;) {
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != '"')
                    perr(ps, "expecting a property name in double quotes");
                size_t klen;
                char *k = parse_string(ps, &klen);
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != ':')
                    perr(ps, "expecting ':'");
                ps->p++;
                obj_set(v, k, klen, parse_value(ps));
                skip_ws(ps);
                if (ps->p < ps->end && *ps->p == ',') {
                    ps->p++;
                    continue;
                }
                if (ps->p < ps->end && *ps->p == '}') {
                    ps->p++;
                    break;
                }
                perr(ps, "expecting ',' or '}'");
            }
        }
    } else if (c == '[') {
        v = jv_new(J_ARR);
        ps->p++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
        } else {
            for (;;) {
                arr_push(v, parse_value(ps));
                skip_ws(ps);
                if (ps->p < ps->end && *ps->p == ',') {
                    ps->p++;
                    continue;
                }
                if (ps->p < ps->end && *ps->p == ']') {
                    ps->p++;
                    break;
                }
                perr(ps, "expecting ',' or ']'");
            }
        }
    } else if (c == '"') {
        v = jv_new(J_STR);
        v->s = parse_string(ps, &v->len);
    } else if (lit(ps, "null")) {
        v = jv_new(J_NULL);
    } else if (lit(ps, "true")) {
        v = jv_new(J_TRUE);
    } else if (lit(ps, "false")) {
        v = jv_new(J_FALSE);
    } else if (lit(ps, "NaN")) {
        v = jv_new(J_FLOAT);
        v->d = NAN;
    } else if (lit(ps, "Infinity")) {
        v = jv_new(J_FLOAT);
        v->d = INFINITY;
    } else if (lit(ps, "-Infinity")) {
        v = jv_new(J_FLOAT);
        v->d = -INFINITY;
    } else if (c == '-' || isdig(c)) {
        /* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)? */
        const char *s = ps->p, *q = ps->p;
        if (*q == '-')
            q++;
        if (q >= ps->end || !isdig(*q))
            perr(ps, "expecting a value");
        if (*q == '0')
            q++;
        else
            while (q < ps->end && isdig(*q))
                q++;
        bool is_float = false;
        if (q + 1 < ps->end && *q == '.' && isdig(q[1])) {
            is_float = true;
            q++;
            while (q < ps->end && isdig(*q))
                q++;
        }
        if (q < ps->end && (*q == 'e' || *q == 'E')) {
            const char *r = q + 1;
            if (r < ps->end && (*r == '+' || *r == '-'))
                r++;
            if (r < ps->end && isdig(*r)) {
                is_float = true;
                while (r < ps->end && isdig(*r))
                    r++;
                q = r;
            }
        }
        char *text = xmemdup(s, (size_t)(q - s));
        ps->p = q;
        if (is_float) {
            v = jv_new(J_FLOAT);
            v->d = strtod(text, NULL);
            free(text);
        } else {
            v = jv_new(J_INT);
            if (strcmp(text, "-0") == 0)
                strcpy(text, "0");
            v->s = text;
        }
    } else {
        perr(ps, "expecting a value");
    }
    ps->depth--;
    return v;
}

/* Strict UTF-8 as Python's codec: no overlong forms, no surrogates, at most U+10FFFF. */
static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp, min;
        if (c >= 0xC2 && c <= 0xDF) { k = 1; cp = c & 0x1F; min = 0x80; }
        else if (c >= 0xE0 && c <= 0xEF) { k = 2; cp = c & 0x0F; min = 0x800; }
        else if (c >= 0xF0 && c <= 0xF4) { k = 3; cp = c & 0x07; min = 0x10000; }
        else return false;
        if (i + k >= n)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k + 1;
    }
    return true;
}

static struct jv *parse_document(const char *text, size_t n, const char *what)
{
    if (!valid_utf8((const unsigned char *)text, n))
        die(1, "%s: not valid UTF-8", what);
    if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        die(1, "%s: unexpected UTF-8 byte order mark", what);
    struct parser ps = {text, text + n, text, what, 0};
    struct jv *v = parse_value(&ps);
    skip_ws(&ps);
    if (ps.p != ps.end)
        perr(&ps, "extra data");
    return v;
}

/* ---- output ------------------------------------------------------------------------------- */

struct out {
    char *buf;
    size_t len, cap;
};

static void out_mem(struct out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        while (o->len + n + 1 > o->cap)
            o->cap = o->cap ? 2 * o->cap : 256;
        o->buf = xrealloc(o->buf, o->cap);
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = 0;
}

static void out_str(struct out *o, const char *s) { out_mem(o, s, strlen(s)); }

/* Python's float repr: the shortest string that reads back as the same double, in fixed
 * notation when the decimal exponent is in [-4, 16), else as d.ddde+XX. */
static void float_repr(double x, bool json, struct out *o)
{
    if (isnan(x)) {
        out_str(o, json ? "NaN" : "nan");
        return;
    }
    if (isinf(x)) {
        out_str(o, x < 0 ? (json ? "-Infinity" : "-inf") : (json ? "Infinity" : "inf"));
        return;
    }
    if (x == 0) {
        out_str(o, signbit(x) ? "-0.0" : "0.0");
        return;
    }
    /* The shortest digits M * 10^scale that read back as x, the closest to x among those of
     * that length: the correctly rounded p-digit string, or when it does not read back (the
     * interval of x is lopsided at a power of two) its neighbour on the other side. */
    char buf[64];
    bool neg = x < 0;
    double ax = fabs(x);
    unsigned long long m = 0;
    int scale = 0;
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, ax);
        char *e = strchr(buf, 'e');
        int exp10 = atoi(e + 1);
        m = 0;
        for (const char *q = buf; q < e; q++)
            if (*q != '.')
                m = m * 10 + (unsigned long long)(*q - '0');
        scale = exp10 - (p - 1);
        if (strtod(buf, NULL) == ax)
            break;
        unsigned long long cand[2] = {m - 1, m + 1};
        bool found = false;
        unsigned long long best = 0;
        for (int i = 0; i < 2; i++) {
            snprintf(buf, sizeof buf, "%llue%d", cand[i], scale);
            double y = strtod(buf, NULL);
            if (y == ax) {
                /* both could only read back if they were equally close: keep the first */
                if (!found) {
                    best = cand[i];
                    found = true;
                }
            }
        }
        if (found) {
            m = best;
            break;
        }
    }
    char digits[32];
    snprintf(digits, sizeof digits, "%llu", m);
    size_t nd = strlen(digits);
    while (nd > 1 && digits[nd - 1] == '0') {
        nd--;
        scale++;
    }
    digits[nd] = 0;
    int decpt = (int)nd + scale; /* value = 0.digits * 10^decpt */
    int exp10 = decpt - 1;
    if (neg)
        out_str(o, "-");
    if (decpt <= -4 || decpt > 16) {
        out_mem(o, digits, 1);
        if (nd > 1) {
            out_str(o, ".");
            out_mem(o, digits + 1, nd - 1);
        }
        snprintf(buf, sizeof buf, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
        out_str(o, buf);
    } else if (decpt <= 0) {
        out_str(o, "0.");
        for (int i = 0; i < -decpt; i++)
            out_str(o, "0");
        out_mem(o, digits, nd);
    } else if ((size_t)decpt >= nd) {
        out_mem(o, digits, nd);
        for (size_t i = nd; i < (size_t)decpt; i++)
            out_str(o, "0");
        out_str(o, ".0");
    } else {
        out_mem(o, digits, (size_t)decpt);
        out_str(o, ".");
        out_mem(o, digits + decpt, nd - (size_t)decpt);
    }
}

/* Next code point of WTF-8 text (input was validated, so sequences are complete). */
static uint32_t next_cp(const unsigned char *s, size_t n, size_t *i)
{
    unsigned c = s[*i];
    size_t k = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    uint32_t cp = k == 0 ? c : k == 1 ? (c & 0x1F) : k == 2 ? (c & 0x0F) : (c & 0x07);
    for (size_t j = 1; j <= k && *i + j < n; j++)
        cp = (cp << 6) | (s[*i + j] & 0x3F);
    *i += k + 1;
    return cp;
}

/* json.dumps string encoding with ensure_ascii=True. */
static void json_string(const char *s, size_t n, struct out *o)
{
    char buf[16];
    out_str(o, "\"");
    size_t i = 0;
    while (i < n) {
        uint32_t c = next_cp((const unsigned char *)s, n, &i);
        switch (c) {
        case '"': out_str(o, "\\\""); continue;
        case '\\': out_str(o, "\\\\"); continue;
        case '\b': out_str(o, "\\b"); continue;
        case '\f': out_str(o, "\\f"); continue;
        case '\n': out_str(o, "\\n"); continue;
        case '\r': out_str(o, "\\r"); continue;
        case '\t': out_str(o, "\\t"); continue;
        }
        if (c >= ' ' && c <= '~') {
            char ch = (char)c;
            out_mem(o, &ch, 1);
        } else if (c < 0x10000) {
            snprintf(buf, sizeof buf, "\\u%04x", (unsigned)c);
            out_str(o, buf);
        } else {
            uint32_t v = c - 0x10000;
            snprintf(buf, sizeof buf, "\\u%04x\\u%04x", (unsigned)(0xD800 | (v >> 10)), (unsigned)(0xDC00 | (v & 0x3FF)));
            out_str(o, buf);
        }
    }
    out_str(o, "\"");
}

static void json_dump(const struct jv *v, const char *item_sep, const char *key_sep, struct out *o)
{
    switch (v->t) {
    case J_NULL: out_str(o, "null"); break;
    case J_TRUE: out_str(o, "true"); break;
    case J_FALSE: out_str(o, "false"); break;
    case J_INT: out_str(o, v->s); break;
    case J_FLOAT: float_repr(v->d, true, o); break;
    case J_STR: json_string(v->s, v->len, o); break;
    case J_ARR:
        out_str(o, "[");
        for (size_t i = 0; i < v->len; i++) {
            if (i)
                out_str(o, item_sep);
            json_dump(v->items[i], item_sep, key_sep, o);
        }
        out_str(o, "]");
        break;
    case J_OBJ:
        out_str(o, "{");
        for (size_t i = 0; i < v->len; i++) {
            if (i)
                out_str(o, item_sep);
            json_string(v->keys[i], v->klens[i], o);
            out_str(o, key_sep);
            json_dump(v->items[i], item_sep, key_sep, o);
        }
        out_str(o, "}");
        break;
    }
}

/* A query result: strings as their text, numbers as Python prints them, the rest compact JSON. */
static void print_result(const struct jv *v, struct out *o)
{
    if (v->t == J_STR)
        out_mem(o, v->s, v->len);
    else if (v->t == J_FLOAT)
        float_repr(v->d, false, o);
    else
        json_dump(v, ",", ":", o);
}

/* ---- Python semantics --------------------------------------------------------------------- */

static bool is_num(const struct jv *v) { return v->t == J_INT || v->t == J_FLOAT || v->t == J_TRUE || v->t == J_FALSE; }

/* Compares the digits of two normalized integers. */
static int int_cmp(const char *a, const char *b)
{
    bool na = *a == '-', nb = *b == '-';
    if (na != nb)
        return na ? -1 : 1;
    if (na) {
        a++;
        b++;
    }
    size_t la = strlen(a), lb = strlen(b);
    int r = la != lb ? (la < lb ? -1 : 1) : strcmp(a, b);
    if (r > 0)
        r = 1;
    if (r < 0)
        r = -1;
    return na ? -r : r;
}

/* Numeric comparison (bools count as 0 and 1); sets *unordered for NaN. */
static int num_cmp(const struct jv *a, const struct jv *b, bool *unordered)
{
    *unordered = false;
    if (a->t == J_INT && b->t == J_INT)
        return int_cmp(a->s, b->s);
    const char *ia = a->t == J_TRUE ? "1" : a->t == J_FALSE ? "0" : a->s;
    const char *ib = b->t == J_TRUE ? "1" : b->t == J_FALSE ? "0" : b->s;
    if (a->t != J_FLOAT && b->t != J_FLOAT)
        return int_cmp(ia, ib);
    double x = a->t == J_FLOAT ? a->d : strtod(ia, NULL);
    double y = b->t == J_FLOAT ? b->d : strtod(ib, NULL);
    if (isnan(x) || isnan(y)) {
        *unordered = true;
        return 0;
    }
    return x < y ? -1 : x > y;
}

static bool py_equal(const struct jv *a, const struct jv *b)
{
    if (is_num(a) && is_num(b)) {
        bool un;
        int c = num_cmp(a, b, &un);
        return !un && c == 0;
    }
    if (a->t != b->t)
        return false;
    switch (a->t) {
    case J_NULL: return true;
    case J_STR: return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
    case J_ARR:
        if (a->len != b->len)
            return false;
        for (size_t i = 0; i < a->len; i++)
            if (!py_equal(a->items[i], b->items[i]))
                return false;
        return true;
    case J_OBJ:
        if (a->len != b->len)
            return false;
        for (size_t i = 0; i < a->len; i++) {
            long j = obj_find(b, a->keys[i], a->klens[i]);
            if (j < 0 || !py_equal(a->items[i], b->items[j]))
                return false;
        }
        return true;
    default: return false;
    }
}

static bool truthy(const struct jv *v)
{
    switch (v->t) {
    case J_NULL: case J_FALSE: return false;
    case J_TRUE: return true;
    case J_INT: return strcmp(v->s, "0") != 0;
    case J_FLOAT: return v->d != 0;
    default: return v->len != 0;
    }
}

static const char *type_name(const struct jv *v)
{
    static const char *n[] = {"null", "false", "true", "int", "float", "string", "array", "object"};
    return n[v->t];
}

static int sort_cmp(const struct jv *a, const struct jv *b)
{
    if (a->t == J_STR) {
        size_t n = a->len < b->len ? a->len : b->len;
        int c = memcmp(a->s, b->s, n); /* byte order of UTF-8 is code point order */
        return c ? c : (a->len > b->len) - (a->len < b->len);
    }
    bool un;
    return num_cmp(a, b, &un);
}

static struct jv *make_int(long long n);

/* Python's <, <=, >, >= operands: -1, 0, 1, or 2 when unordered (NaN); other types are an error. */
static int py_order(const struct jv *a, const struct jv *b)
{
    if (is_num(a) && is_num(b)) {
        bool un;
        int c = num_cmp(a, b, &un);
        return un ? 2 : c;
    }
    if (a->t == J_STR && b->t == J_STR)
        return sort_cmp(a, b);
    die(1, "cannot order %s and %s", type_name(a), type_name(b));
    return 0;
}

/* sum(): ints add exactly (within 64 bits), then in floating point from the first float on. */
static struct jv *py_sum(const struct jv *v)
{
    if (v->t != J_ARR)
        die(1, "sum: %s is not an array", type_name(v));
    long long acc = 0;
    double facc = 0;
    bool is_float = false;
    for (size_t i = 0; i < v->len; i++) {
        const struct jv *x = v->items[i];
        if (!is_num(x))
            die(1, "sum: cannot add %s", type_name(x));
        if (x->t == J_FLOAT) {
            if (!is_float)
                facc = (double)acc;
            is_float = true;
            facc += x->d;
            continue;
        }
        long long n = x->t == J_TRUE ? 1 : x->t == J_FALSE ? 0 : 0;
        if (x->t == J_INT) {
            errno = 0;
            n = strtoll(x->s, NULL, 10);
            if (errno)
                die(1, "sum: %s is too large", x->s);
        }
        if (is_float)
            facc += (double)n;
        else if (__builtin_add_overflow(acc, n, &acc))
            die(1, "sum: too large");
    }
    if (!is_float)
        return make_int(acc);
    struct jv *r = jv_new(J_FLOAT);
    r->d = facc;
    return r;
}

/* Stable, as sorted() is: equal items (1, 1.0, true) keep their order. */
static void merge_sort(struct jv **a, struct jv **tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2, i = 0, j = h, k = 0;
    merge_sort(a, tmp, h);
    merge_sort(a + h, tmp, n - h);
    while (i < h && j < n)
        tmp[k++] = sort_cmp(a[j], a[i]) < 0 ? a[j++] : a[i++];
    while (i < h)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

/* sorted(): all numbers or all strings. */
static struct jv *py_sorted(struct jv *v, bool unique)
{
    if (v->t != J_ARR)
        die(1, "sort: %s is not an array", type_name(v));
    for (size_t i = 0; i < v->len; i++) {
        const struct jv *x = v->items[i];
        bool ok = v->items[0]->t == J_STR ? x->t == J_STR : is_num(x);
        if (!ok)
            die(1, "sort: cannot compare %s with %s", type_name(v->items[0]), type_name(x));
    }
    struct jv **tmp = xrealloc(NULL, v->len * sizeof *tmp);
    merge_sort(v->items, tmp, v->len);
    free(tmp);
    if (unique) {
        size_t n = 0;
        for (size_t i = 0; i < v->len; i++) {
            if (n && py_equal(v->items[n - 1], v->items[i]))
                jv_free(v->items[i]);
            else
                v->items[n++] = v->items[i];
        }
        v->len = n;
    }
    return v;
}

static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

static struct jv *make_int(long long n)
{
    struct jv *v = jv_new(J_INT);
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", n);
    v->s = xmemdup(buf, strlen(buf));
    return v;
}

/* ---- queries ------------------------------------------------------------------------------ */

enum stage_kind { S_KEY, S_INDEX, S_EACH, S_LENGTH, S_KEYS, S_TYPE, S_VALUES, S_SORT, S_UNIQUE, S_ALL, S_SUM, S_EQ, S_NE, S_LT, S_LE, S_GT, S_GE, S_GROUP };

struct stage {
    enum stage_kind k;
    char *key;
    size_t klen;
    long index;
    struct jv *value;    /* S_EQ .. S_GE */
    struct stage *sub;   /* S_GROUP */
    size_t nsub;
};

struct qparser {
    const char *p, *end, *q; /* q: the whole query, for messages */
};

static void qerr(const struct qparser *qp, const char *msg)
{
    die(2, "query '%s': %s at '%s'", qp->q, msg, qp->p);
}

static void qskip(struct qparser *qp)
{
    while (qp->p < qp->end && (*qp->p == ' ' || *qp->p == '\t' || *qp->p == '\n'))
        qp->p++;
}

static void add_stage(struct stage **st, size_t *n, struct stage s)
{
    *st = xrealloc(*st, (*n + 1) * sizeof **st);
    (*st)[(*n)++] = s;
}

static void free_stages(struct stage *st, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(st[i].key);
        jv_free(st[i].value);
        free_stages(st[i].sub, st[i].nsub);
    }
    free(st);
}

static bool isident(char c) { return c == '_' || isdig(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* A JSON value inside a query (the operand of == or the JSON of -s). */
static struct jv *query_json(struct qparser *qp)
{
    struct parser ps = {qp->p, qp->end, qp->q, qp->q, 0};
    struct jv *v = parse_value(&ps);
    qp->p = ps.p;
    return v;
}

/* Path steps: . .key .[..] [..]; returns false at once if there is none. */
static bool parse_path(struct qparser *qp, struct stage **st, size_t *n, bool allow_each)
{
    bool any = false;
    for (;;) {
        if (qp->p < qp->end && *qp->p == '.') {
            qp->p++;
            any = true;
            if (qp->p < qp->end && isident(*qp->p)) {
                const char *s = qp->p;
                while (qp->p < qp->end && isident(*qp->p))
                    qp->p++;
                add_stage(st, n, (struct stage){.k = S_KEY, .key = xmemdup(s, (size_t)(qp->p - s)), .klen = (size_t)(qp->p - s)});
            }
            continue;
        }
        if (qp->p < qp->end && *qp->p == '[') {
            qp->p++;
            any = true;
            qskip(qp);
            if (qp->p < qp->end && *qp->p == ']') {
                if (!allow_each)
                    qerr(qp, "[] is not allowed here");
                add_stage(st, n, (struct stage){.k = S_EACH});
            } else if (qp->p < qp->end && *qp->p == '"') {
                struct parser ps = {qp->p, qp->end, qp->q, qp->q, 0};
                struct stage s = {.k = S_KEY};
                s.key = parse_string(&ps, &s.klen);
                qp->p = ps.p;
                add_stage(st, n, s);
            } else {
                char *e;
                errno = 0;
                long i = strtol(qp->p, &e, 10);
                if (e == qp->p || errno)
                    qerr(qp, "expecting an index, a \"key\" or ]");
                qp->p = e;
                add_stage(st, n, (struct stage){.k = S_INDEX, .index = i});
            }
            qskip(qp);
            if (qp->p >= qp->end || *qp->p != ']')
                qerr(qp, "expecting ]");
            qp->p++;
            continue;
        }
        return any;
    }
}

static void parse_pipeline(struct qparser *qp, struct stage **st, size_t *n, bool nested)
{
    for (;;) {
        qskip(qp);
        if (qp->p < qp->end && *qp->p == '(') {
            qp->p++;
            struct stage g = {.k = S_GROUP};
            parse_pipeline(qp, &g.sub, &g.nsub, true);
            qskip(qp);
            if (qp->p >= qp->end || *qp->p != ')')
                qerr(qp, "expecting )");
            qp->p++;
            add_stage(st, n, g);
        } else if (!parse_path(qp, st, n, true)) {
            static const struct { const char *name; enum stage_kind k; } fn[] = {
                {"length", S_LENGTH}, {"keys", S_KEYS}, {"values", S_VALUES}, {"type", S_TYPE}, {"sort", S_SORT}, {"unique", S_UNIQUE},
                {"all", S_ALL}, {"sum", S_SUM}};
            bool found = false;
            for (size_t i = 0; i < sizeof fn / sizeof fn[0]; i++) {
                size_t l = strlen(fn[i].name);
                if ((size_t)(qp->end - qp->p) >= l && memcmp(qp->p, fn[i].name, l) == 0 &&
                    (qp->p + l == qp->end || !isident(qp->p[l]))) {
                    qp->p += l;
                    add_stage(st, n, (struct stage){.k = fn[i].k});
                    found = true;
                    break;
                }
            }
            if (!found)
                qerr(qp, "expecting a path, a function or (");
        }
        qskip(qp);
        static const struct { const char *op; enum stage_kind k; } ops[] = {
            {"==", S_EQ}, {"!=", S_NE}, {"<=", S_LE}, {">=", S_GE}, {"<", S_LT}, {">", S_GT}};
        size_t o = 0;
        while (o < sizeof ops / sizeof ops[0] &&
               ((size_t)(qp->end - qp->p) < strlen(ops[o].op) || memcmp(qp->p, ops[o].op, strlen(ops[o].op)) != 0))
            o++;
        if (o < sizeof ops / sizeof ops[0]) {
            struct stage s = {.k = ops[o].k};
            qp->p += strlen(ops[o].op);
            s.value = query_json(qp);
            add_stage(st, n, s);
            qskip(qp);
        }
        if (qp->p < qp->end && *qp->p == '|') {
            qp->p++;
            continue;
        }
        if (qp->p >= qp->end || (nested && *qp->p == ')'))
            return;
        qerr(qp, "expecting | or the end");
    }
}

/* Runs stages [i, n) on v (borrowed); returns a new value. */
static struct jv *run(const struct jv *v, const struct stage *st, size_t i, size_t n)
{
    if (i == n)
        return jv_copy(v);
    const struct stage *s = &st[i];
    struct jv *r = NULL;
    switch (s->k) {
    case S_KEY: {
        if (v->t != J_OBJ)
            die(1, "[\"%s\"]: %s is not an object", s->key, type_name(v));
        long j = obj_find(v, s->key, s->klen);
        if (j < 0)
            die(1, "no key \"%s\"", s->key);
        return run(v->items[j], st, i + 1, n);
    }
    case S_INDEX: {
        if (v->t != J_ARR)
            die(1, "[%ld]: %s is not an array", s->index, type_name(v));
        long j = s->index < 0 ? (long)v->len + s->index : s->index;
        if (j < 0 || (size_t)j >= v->len)
            die(1, "[%ld]: index out of range (%zu items)", s->index, v->len);
        return run(v->items[j], st, i + 1, n);
    }
    case S_EACH:
        if (v->t != J_ARR)
            die(1, "[]: %s is not an array", type_name(v));
        r = jv_new(J_ARR);
        for (size_t j = 0; j < v->len; j++)
            arr_push(r, run(v->items[j], st, i + 1, n));
        return r;
    case S_GROUP: {
        struct jv *g = run(v, s->sub, 0, s->nsub);
        r = run(g, st, i + 1, n);
        jv_free(g);
        return r;
    }
    case S_LENGTH:
        if (v->t == J_STR)
            r = make_int((long long)utf8_chars(v->s, v->len));
        else if (v->t == J_ARR || v->t == J_OBJ)
            r = make_int((long long)v->len);
        else
            die(1, "length: %s has no length", type_name(v));
        break;
    case S_TYPE:
        r = jv_new(J_STR);
        r->s = xmemdup(type_name(v), strlen(type_name(v)));
        r->len = strlen(r->s);
        break;
    case S_KEYS:
        if (v->t != J_OBJ)
            die(1, "keys: %s is not an object", type_name(v));
        r = jv_new(J_ARR);
        for (size_t j = 0; j < v->len; j++) {
            struct jv *k = jv_new(J_STR);
            k->s = xmemdup(v->keys[j], v->klens[j]);
            k->len = v->klens[j];
            arr_push(r, k);
        }
        break;
    case S_SORT:
    case S_UNIQUE:
        r = py_sorted(jv_copy(v), s->k == S_UNIQUE);
        break;
    case S_ALL: {
        if (v->t != J_ARR)
            die(1, "all: %s is not an array", type_name(v));
        bool all = true;
        for (size_t j = 0; j < v->len; j++)
            all = all && truthy(v->items[j]);
        r = jv_new(all ? J_TRUE : J_FALSE);
        break;
    }
    case S_EQ:
    case S_NE:
        r = jv_new(py_equal(v, s->value) == (s->k == S_EQ) ? J_TRUE : J_FALSE);
        break;
    case S_LT:
    case S_LE:
    case S_GT:
    case S_GE: {
        int c = py_order(v, s->value);
        bool t = c != 2 && (s->k == S_LT ? c < 0 : s->k == S_LE ? c <= 0 : s->k == S_GT ? c > 0 : c >= 0);
        r = jv_new(t ? J_TRUE : J_FALSE);
        break;
    }
    case S_VALUES:
        if (v->t != J_OBJ)
            die(1, "values: %s is not an object", type_name(v));
        r = jv_new(J_ARR);
        for (size_t j = 0; j < v->len; j++)
            arr_push(r, jv_copy(v->items[j]));
        break;
    case S_SUM:
        r = py_sum(v);
        break;
    }
    struct jv *out = run(r, st, i + 1, n);
    jv_free(r);
    return out;
}

/* ---- edits -------------------------------------------------------------------------------- */

/* Walks to the container of the last step of a path (no []). */
static struct jv *walk_parent(struct jv *v, const struct stage *st, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        const struct stage *s = &st[i];
        if (s->k == S_KEY) {
            long j = v->t == J_OBJ ? obj_find(v, s->key, s->klen) : -1;
            if (j < 0)
                die(1, "no key \"%s\"", s->key);
            v = v->items[j];
        } else {
            long j = v->t == J_ARR ? (s->index < 0 ? (long)v->len + s->index : s->index) : -1;
            if (j < 0 || (size_t)j >= v->len)
                die(1, "[%ld]: no such item", s->index);
            v = v->items[j];
        }
    }
    return v;
}

static long item_index(const struct jv *a, long index)
{
    long j = index < 0 ? (long)a->len + index : index;
    if (a->t != J_ARR || j < 0 || (size_t)j >= a->len)
        die(1, "[%ld]: no such item", index);
    return j;
}

static void edit(struct jv **doc, const char *arg, bool del)
{
    struct qparser qp = {arg, arg + strlen(arg), arg};
    struct stage *st = NULL;
    size_t n = 0;
    parse_path(&qp, &st, &n, false);
    struct jv *val = NULL;
    if (del) {
        if (qp.p != qp.end)
            qerr(&qp, "expecting the end of the path");
    } else {
        if (qp.p >= qp.end || *qp.p != '=')
            qerr(&qp, "expecting =");
        qp.p++;
        val = query_json(&qp);
        qskip(&qp);
        if (qp.p != qp.end)
            qerr(&qp, "extra text after the value");
    }
    if (n == 0) {
        if (del)
            die(2, "cannot delete the whole document");
        jv_free(*doc);
        *doc = val;
    } else {
        struct jv *parent = walk_parent(*doc, st, n);
        const struct stage *last = &st[n - 1];
        if (last->k == S_KEY) {
            if (parent->t != J_OBJ)
                die(1, "[\"%s\"]: %s is not an object", last->key, type_name(parent));
            if (del) {
                long j = obj_find(parent, last->key, last->klen);
                if (j < 0)
                    die(1, "no key \"%s\"", last->key);
                jv_free(parent->items[j]);
                free(parent->keys[j]);
                memmove(parent->items + j, parent->items + j + 1, (parent->len - (size_t)j - 1) * sizeof *parent->items);
                memmove(parent->keys + j, parent->keys + j + 1, (parent->len - (size_t)j - 1) * sizeof *parent->keys);
                memmove(parent->klens + j, parent->klens + j + 1, (parent->len - (size_t)j - 1) * sizeof *parent->klens);
                parent->len--;
            } else {
                obj_set(parent, xmemdup(last->key, last->klen), last->klen, val);
            }
        } else {
            long j = item_index(parent, last->index);
            jv_free(parent->items[j]);
            if (del) {
                memmove(parent->items + j, parent->items + j + 1, (parent->len - (size_t)j - 1) * sizeof *parent->items);
                parent->len--;
            } else {
                parent->items[j] = val;
            }
        }
    }
    free_stages(st, n);
}

/* ---- main --------------------------------------------------------------------------------- */

static char *read_all(FILE *f, size_t *n)
{
    size_t cap = 65536, len = 0;
    char *buf = xrealloc(NULL, cap);
    for (;;) {
        if (len == cap)
            buf = xrealloc(buf, cap *= 2);
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0)
            break;
    }
    if (ferror(f))
        die(1, "read error: %s", strerror(errno));
    *n = len;
    return buf;
}

static void usage(FILE *f, int status)
{
    fputs("usage: jget [-f FILE] [-e] [-s PATH=JSON] [-d PATH] (-o | -c | QUERY...)\n"
          "Queries and edits JSON with Python's json semantics; see the top of jget.c.\n", f);
    exit(status);
}

int main(int argc, char **argv)
{
    const char *file = NULL;
    bool check = false;
    int dump = 0; /* 'o' or 'c' */
    struct { bool del; const char *arg; } edits[64];
    size_t nedits = 0;
    int c;
    while ((c = getopt(argc, argv, "f:es:d:och")) != -1) {
        switch (c) {
        case 'f': file = optarg; break;
        case 'e': check = true; break;
        case 's':
        case 'd':
            if (nedits == sizeof edits / sizeof edits[0])
                die(2, "too many edits");
            edits[nedits].del = c == 'd';
            edits[nedits++].arg = optarg;
            break;
        case 'o':
        case 'c': dump = c; break;
        case 'h': usage(stdout, 0); break;
        default: usage(stderr, 2);
        }
    }
    if ((optind == argc) == !dump)
        usage(stderr, 2);
    FILE *f = stdin;
    if (file && !(f = fopen(file, "rb")))
        die(1, "%s: %s", file, strerror(errno));
    size_t n;
    char *text = read_all(f, &n);
    if (file)
        fclose(f);
    struct jv *doc = parse_document(text, n, file ? file : "stdin");
    free(text);
    for (size_t i = 0; i < nedits; i++)
        edit(&doc, edits[i].arg, edits[i].del);
    struct out o = {0};
    int status = 0;
    if (dump) {
        json_dump(doc, dump == 'o' ? ", " : ",", dump == 'o' ? ": " : ":", &o);
    } else {
        for (int a = optind; a < argc; a++) {
            struct qparser qp = {argv[a], argv[a] + strlen(argv[a]), argv[a]};
            struct stage *st = NULL;
            size_t ns = 0;
            parse_pipeline(&qp, &st, &ns, false);
            struct jv *r = run(doc, st, 0, ns);
            if (check) {
                if (!truthy(r))
                    status = 1;
            } else {
                if (a > optind)
                    out_str(&o, " ");
                print_result(r, &o);
            }
            jv_free(r);
            free_stages(st, ns);
        }
        if (!check)
            out_str(&o, "\n");
    }
    if (o.len && fwrite(o.buf, 1, o.len, stdout) != o.len)
        die(1, "write error");
    free(o.buf);
    jv_free(doc);
    if (fflush(stdout) != 0)
        die(1, "write error");
    return status;
}
