/* SPDX-License-Identifier: MIT */
/* labels.c -- the label list and label validation (see labels.h). */
#include "labels.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void labels_free(struct labels *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
    l->sel = -1;
}

int labels_find(const struct labels *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i].name, name) == 0)
            return i;
    return -1;
}

static struct label_entry *labels_append(struct labels *l, const char *name)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        struct label_entry *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return NULL;
        l->v = v;
        l->cap = cap;
    }
    struct label_entry *e = &l->v[l->n++];
    memset(e, 0, sizeof *e);
    strncpy(e->name, name, sizeof e->name - 1);
    return e;
}

int labels_add_local(struct labels *l, const char *name)
{
    int i = labels_find(l, name);
    if (i < 0) {
        struct label_entry *e = labels_append(l, name);
        if (!e)
            return -1;
        e->local = true;
        i = l->n - 1;
    }
    l->sel = i;
    return i;
}

void labels_begin_refresh(struct labels *l, char *keep_sel, size_t n)
{
    const char *s = labels_selected(l);
    if (s) {
        strncpy(keep_sel, s, n - 1);
        keep_sel[n - 1] = 0;
    } else {
        keep_sel[0] = 0;
    }
    int j = 0;
    for (int i = 0; i < l->n; i++)
        if (l->v[i].local)
            l->v[j++] = l->v[i];
    l->n = j;
}

void labels_upsert(struct labels *l, const char *name, long recs, long samples, double secs)
{
    int i = labels_find(l, name);
    struct label_entry *e = i >= 0 ? &l->v[i] : labels_append(l, name);
    if (!e)
        return;
    e->local = false;
    e->recordings = recs;
    e->samples = samples;
    e->seconds = secs;
}

void labels_end_refresh(struct labels *l, const char *keep_sel)
{
    /* daemon labels first (in the daemon's order), local ones after */
    int j = 0;
    struct label_entry tmp;
    for (int i = 0; i < l->n; i++) {
        if (!l->v[i].local) {
            tmp = l->v[i];
            memmove(&l->v[j + 1], &l->v[j], (size_t)(i - j) * sizeof tmp);
            l->v[j++] = tmp;
        }
    }
    l->sel = keep_sel[0] ? labels_find(l, keep_sel) : -1;
    if (l->sel < 0 && l->n > 0)
        l->sel = 0;
}

const char *labels_selected(const struct labels *l)
{
    return l->sel >= 0 && l->sel < l->n ? l->v[l->sel].name : NULL;
}

void labels_select(struct labels *l, int i)
{
    if (i >= 0 && i < l->n)
        l->sel = i;
}

/* Length of the UTF-8 sequence at s (0 when invalid); *cp gets the code point. */
static int utf8_decode(const unsigned char *s, uint32_t *cp)
{
    int n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
          : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (!n)
        return 0;
    uint32_t c = n == 1 ? s[0] : s[0] & (0x7f >> n);
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3f);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

const char *label_invalid(const char *s)
{
    size_t len = strlen(s);
    if (len == 0)
        return "is empty";
    if (len > 64)
        return "is over 64 bytes";
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        uint32_t c;
        int n = utf8_decode(p, &c);
        if (!n)
            return "is not valid UTF-8";
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
            return "has control characters";
        p += n;
    }
    return NULL;
}
