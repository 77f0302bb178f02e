/* SPDX-License-Identifier: MIT */
/* deploy.c -- `imulab export-model --format c|arduino`: the model as a C library that builds with
 * no file of this repository.
 *
 * Design: nothing here is a second copy of the inference code. The portable modules (the portable .c
 * and .h but the wire protocol and the synthetic IMU) and the interface in portable/deploy/ are
 * embedded into imulab when it is built (cmake/embed_sources.cmake), and the model's data is what
 * the trainer's own exporter writes for the firmware (tr_export: model.c, model.h). This file only
 * arranges them:
 *   imulab.h          one header: the portable headers (in include order), model.h and the
 *                     interface (portable/deploy/imulab_api.h), system includes hoisted, C++ guards,
 *                     the static RAM stated;
 *   imulab_model.c    model.c;  imulab.c  portable/deploy/imulab.c;
 *   imulab_X.c        portable/X.c for every module X, behind a prelude that turns floating-point
 *                     contraction off (bit-exactness), turns assert() off unless IMULAB_ASSERTS is
 *                     defined (newlib's assert pulls in printf), refuses -ffast-math and 16-bit int;
 *   README.md         portable/deploy/README.md.in with the model's figures filled in;
 *   LICENSE           imulab's licence text, when the source tree has one;
 *   examples/         STM32 HAL + FreeRTOS, Arduino, Zephyr (portable/deploy/examples/).
 * Every `#include "X.h"` of an embedded header becomes `#include "imulab.h"`; a quoted include of
 * anything else is refused (the library would not build alone).
 * The Arduino format is the same files under src/, plus library.properties and examples/ as the
 * Arduino IDE expects them.
 */
#include "deploy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live.h"
#include "segment.h"
#include "trainer.h"

/* A growable string. */
struct sbuf {
    char *s;
    size_t n, cap;
    int oom;
};

static void sb_add(struct sbuf *b, const char *p, size_t n)
{
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc < b->n + n + 1) nc *= 2;
        char *q = realloc(b->s, nc);
        if (!q) { b->oom = 1; return; }
        b->s = q;
        b->cap = nc;
    }
    memcpy(b->s + b->n, p, n);
    b->n += n;
    b->s[b->n] = 0;
}

static void sb_puts(struct sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) { sb_add(b, tmp, (size_t)n); return; }
    char *big = malloc((size_t)n + 1);
    if (!big) { b->oom = 1; return; }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_add(b, big, (size_t)n);
    free(big);
}

static const struct deploy_source *find_source(const char *name)
{
    for (int i = 0; i < deploy_n_sources; i++)
        if (!strcmp(deploy_sources[i].name, name)) return &deploy_sources[i];
    return NULL;
}

/* A top-level portable module header or source ("nn.h"), not one of deploy/. */
static int is_module(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return !strchr(name, '/') && n > e && !strcmp(name + n - e, ext);
}

/* The file name of a quoted include on this line ("nn.h"), or 0 when the line is not one. */
static int quoted_include(const char *line, size_t len, char *name, size_t cap)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    if (i >= len || line[i] != '#') return 0;
    i++;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    if (len - i < 7 || strncmp(line + i, "include", 7)) return 0;
    i += 7;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    if (i >= len || line[i] != '"') return 0;
    size_t s = ++i;
    while (i < len && line[i] != '"') i++;
    if (i >= len || i - s + 1 > cap) return 0;
    memcpy(name, line + s, i - s);
    name[i - s] = 0;
    const char *slash = strrchr(name, '/'); /* "../portable/nn.h" -> "nn.h" */
    if (slash) memmove(name, slash + 1, strlen(slash + 1) + 1);
    return 1;
}

static int is_system_include(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    return len - i > 10 && !strncmp(line + i, "#include <", 10);
}

/* Names the library provides: the embedded module headers, model.h and imulab.h. */
static int known_header(const char *name)
{
    if (!strcmp(name, "model.h") || !strcmp(name, "imulab.h") || !strcmp(name, "imulab_api.h")) return 1;
    const struct deploy_source *s = find_source(name);
    return s && is_module(name, ".h");
}

/* Copy text into out with its quoted includes rewritten: in a header (in_header) they are dropped
 * and system includes go to hoist; in a source the first becomes #include "imulab.h". */
static int rewrite(const char *what, const char *text, size_t len, int in_header, struct sbuf *out,
                   struct sbuf *hoist, char *err, size_t errlen)
{
    int included = 0, lineno = 0;
    for (size_t p = 0; p < len;) {
        const char *line = text + p;
        const char *nl = memchr(line, '\n', len - p);
        size_t ll = nl ? (size_t)(nl - line) : len - p;
        p += ll + (nl ? 1 : 0);
        lineno++;
        char name[256];
        if (quoted_include(line, ll, name, sizeof name)) {
            if (!known_header(name)) {
                snprintf(err, errlen, "%s:%d includes \"%s\", which is not part of the exported library", what,
                         lineno, name);
                return -1;
            }
            if (!in_header && !included) sb_puts(out, "#include \"imulab.h\"\n");
            included = 1;
            continue;
        }
        if (in_header && is_system_include(line, ll)) {
            char inc[300];
            snprintf(inc, sizeof inc, "%.*s\n", (int)ll, line);
            if (!hoist->s || !strstr(hoist->s, inc)) sb_puts(hoist, inc);
            continue;
        }
        sb_add(out, line, ll);
        sb_add(out, "\n", 1);
    }
    return 0;
}

/* Append the module headers to out in include order (a header after those it includes). */
static int add_headers(struct sbuf *out, struct sbuf *hoist, char *err, size_t errlen)
{
    int n = deploy_n_sources, done[256] = {0}, progress = 1, left = 0;
    if (n > 256) { snprintf(err, errlen, "too many portable files"); return -1; }
    for (int i = 0; i < n; i++)
        if (is_module(deploy_sources[i].name, ".h")) left++;
        else done[i] = 1;
    while (left > 0 && progress) {
        progress = 0;
        for (int i = 0; i < n; i++) {
            if (done[i]) continue;
            const struct deploy_source *s = &deploy_sources[i];
            int ready = 1;
            const char *t = (const char *)s->data;
            for (size_t p = 0; p < s->len && ready;) {
                const char *nl = memchr(t + p, '\n', s->len - p);
                size_t ll = nl ? (size_t)(nl - (t + p)) : s->len - p;
                char name[256];
                if (quoted_include(t + p, ll, name, sizeof name) && strcmp(name, s->name)) {
                    for (int k = 0; k < n; k++)
                        if (!done[k] && !strcmp(deploy_sources[k].name, name)) ready = 0;
                }
                p += ll + 1;
            }
            if (!ready) continue;
            char what[300];
            snprintf(what, sizeof what, "portable/%s", s->name);
            sb_printf(out, "\n/* ---- portable/%s ---- */\n", s->name);
            if (rewrite(what, t, s->len, 1, out, hoist, err, errlen)) return -1;
            done[i] = 1;
            left--;
            progress = 1;
        }
    }
    if (left) { snprintf(err, errlen, "the portable headers include each other in a circle"); return -1; }
    return 0;
}

static int write_file(const char *dir, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fwrite(text, 1, len, f) != len) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        if (f) fclose(f);
        return -1;
    }
    if (fclose(f)) { snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno)); return -1; }
    return 0;
}

static int make_dir(const char *path, char *err, size_t errlen)
{
    if (mkdir(path, 0777) && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a directory", path);
        return -1;
    }
    return 0;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct sbuf b = {0};
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) sb_add(&b, tmp, n);
    fclose(f);
    if (b.oom) { free(b.s); return NULL; }
    if (!b.s) sb_add(&b, "", 0);
    *len = b.n;
    return b.s;
}

/* model.c and model.h as the trainer writes them for the firmware (into a temporary directory). */
static int model_sources(const struct tr_model *m, char **mc, size_t *mc_len, char **mh, size_t *mh_len,
                         char *err, size_t errlen)
{
    char tmp[] = "/tmp/imulab-export.XXXXXX";
    if (!mkdtemp(tmp)) { snprintf(err, errlen, "cannot create a temporary directory: %s", strerror(errno)); return -1; }
    int rc = tr_export(m, tmp, err, errlen);
    char p[256];
    *mc = *mh = NULL;
    if (!rc) {
        snprintf(p, sizeof p, "%s/model.c", tmp);
        *mc = read_all(p, mc_len);
        snprintf(p, sizeof p, "%s/model.h", tmp);
        *mh = read_all(p, mh_len);
        if (!*mc || !*mh) { snprintf(err, errlen, "cannot read back %s", p); rc = -1; }
    }
    static const char *const names[] = {"model.c", "model.h", "model.json"};
    for (int i = 0; i < 3; i++) { snprintf(p, sizeof p, "%s/%s", tmp, names[i]); unlink(p); }
    rmdir(tmp);
    if (rc) { free(*mc); free(*mh); *mc = *mh = NULL; }
    return rc;
}

/* Round off up to a multiple of a. */
static long align_to(long off, long a) { return (off + a - 1) / a * a; }

long deploy_state_bytes(const struct tr_model *m)
{
    /* struct imulab_state (portable/deploy/imulab_api.h) laid out by the C rules on this (64-bit)
     * host, with the portable structs' sizes as compiled here: exact on 64-bit hosts, an upper
     * bound on 32-bit targets (pointers are smaller there); imulab.c checks it with sizeof */
    long off = 4L * imu_features_work_len(&m->feat) + 4L * m->n_feat; /* work, features */
    long maxal = (long)_Alignof(struct live);
    off = align_to(off, (long)_Alignof(struct live)) + (long)sizeof(struct live);
    if (m->mode == TR_MODE_GESTURE) {
        off = align_to(off, (long)_Alignof(struct imu_seg_state)) + (long)sizeof(struct imu_seg_state);
        off = align_to(off, (long)_Alignof(struct imu_gbuf)) + (long)sizeof(struct imu_gbuf);
        if ((long)_Alignof(struct imu_seg_state) > maxal) maxal = (long)_Alignof(struct imu_seg_state);
        if ((long)_Alignof(struct imu_gbuf) > maxal) maxal = (long)_Alignof(struct imu_gbuf);
        off = align_to(off, 2) + 2L * m->gesture_buf * m->n_axes + 2L * 2 * m->n_axes + 2L * m->window_len * m->n_axes;
    } else {
        off = align_to(off, 2) + 2L * m->window_len * m->n_axes; /* ring */
    }
    off += 2L * m->nn.max_width;                                         /* nn_a, nn_b */
    off = align_to(off, 4) + align_to(align_to(4 * 4 + 2 + 1 + 1 + m->n_labels, 4) + 4 + 1, 4); /* struct imulab_result (anomaly, unknown) */
    off += 2;                                                            /* has_latest, seg_ready */
    return align_to(off, maxal > 4 ? maxal : 4);
}

/* The README and example templates with @NAME@ placeholders filled in. */
struct subst {
    const char *key;
    char val[1024];
};

static void fill_template(const struct deploy_source *t, const struct subst *sv, int ns, struct sbuf *out)
{
    const char *s = (const char *)t->data, *end = s + t->len;
    while (s < end) {
        const char *at = memchr(s, '@', (size_t)(end - s));
        if (!at) { sb_add(out, s, (size_t)(end - s)); break; }
        sb_add(out, s, (size_t)(at - s));
        const char *close = memchr(at + 1, '@', (size_t)(end - at - 1));
        int hit = 0;
        const struct deploy_source *inc;
        char name[200];
        if (close && close - at > 9 && close - at < 190 && !strncmp(at + 1, "include:", 8)) {
            snprintf(name, sizeof name, "%.*s", (int)(close - at - 9), at + 9);
            if ((inc = find_source(name)) && inc != t) { /* another template, filled in too */
                fill_template(inc, sv, ns, out);
                s = close + 1;
                continue;
            }
        }
        if (close) {
            for (int i = 0; i < ns; i++)
                if ((size_t)(close - at - 1) == strlen(sv[i].key) && !strncmp(at + 1, sv[i].key, strlen(sv[i].key))) {
                    sb_puts(out, sv[i].val);
                    s = close + 1;
                    hit = 1;
                    break;
                }
        }
        if (!hit) { sb_add(out, "@", 1); s = at + 1; }
    }
}

static void model_substitutions(const struct tr_model *m, struct subst *sv, int *ns)
{
    int n = 0;
    struct subst *v;
#define SET(k, ...) (v = &sv[n++], v->key = k, snprintf(v->val, sizeof v->val, __VA_ARGS__))
    SET("HASH", "%08x", m->hash);
    char labels[900] = "", axes[300] = "";
    for (int i = 0; i < m->n_labels; i++) {
        size_t l = strlen(labels);
        snprintf(labels + l, sizeof labels - l, "%s`%s`", i ? ", " : "", m->labels[i]);
    }
    for (int i = 0; i < m->n_axes; i++) {
        size_t l = strlen(axes);
        snprintf(axes + l, sizeof axes - l, "%s`%s`", i ? ", " : "", m->axes[i]);
    }
    SET("LABELS", "%s", labels);
    SET("AXES", "%s", axes);
    SET("N_AXES", "%d", m->n_axes);
    SET("N_CLASSES", "%d", m->n_labels);
    SET("RATE_HZ", "%.6g", m->rate_hz);
    SET("PERIOD_MS", "%d", (int)(1000.0 / m->rate_hz + 0.5));
    SET("WINDOW_LEN", "%d", m->window_len);
    SET("WINDOW_MS", "%d", m->window_ms);
    SET("STRIDE_LEN", "%d", m->stride_len);
    SET("STRIDE_MS", "%d", m->stride_ms);
    SET("N_FEATURES", "%d", m->n_feat);
    char net[200] = "";
    for (int k = 0; k <= m->n_layers; k++) {
        size_t l = strlen(net);
        snprintf(net + l, sizeof net - l, "%s%d", k ? " -> " : "", m->sizes[k]);
    }
    SET("NETWORK", "%s", net);
    int wb = 0;
    for (int k = 0; k < m->n_layers; k++)
        wb += (int)IMU_NN_PAD4((unsigned)m->q[k].n_in) * m->q[k].n_out + 9 * m->q[k].n_out;
    SET("WEIGHTS_BYTES", "%d", wb + 8 * m->n_feat);
    SET("STATE_BYTES", "%ld", deploy_state_bytes(m));
    SET("ACCURACY_INT8", "%.4f", m->acc_int8);
    if (m->mode == TR_MODE_GESTURE)
        SET("WINDOW", "each gesture (up to %u samples) resampled to %d points", (unsigned)m->seg.max_len, m->window_len);
    else
        SET("WINDOW", "%d samples (%d ms), an inference every %d samples (%d ms)", m->window_len, m->window_ms,
            m->stride_len, m->stride_ms);
    if (m->mode == TR_MODE_GESTURE)
        SET("MODE", "gesture: one inference per gesture found by the motion segmenter, resampled to %d points",
            m->window_len);
    else
        SET("MODE", "continuous: sliding windows");
    SET("SCALES", "%g", (double)m->in_scale[0]);
#undef SET
    *ns = n;
}

static const char prelude[] =
    "/* Generated by imulab export-model from the imulab sources; do not edit. */\n"
    "#if defined(__clang__)\n"
    "#pragma STDC FP_CONTRACT OFF\n"
    "#elif defined(__GNUC__)\n"
    "#pragma GCC optimize(\"fp-contract=off\") /* no fused multiply-add: results bit for bit as on the host */\n"
    "#endif\n"
    "#if !defined(IMULAB_ASSERTS) && !defined(NDEBUG)\n"
    "#define NDEBUG /* internal invariant checks off (newlib's assert() pulls in printf): -DIMULAB_ASSERTS keeps them */\n"
    "#endif\n"
    "#if defined(__FAST_MATH__)\n"
    "#error \"imulab: -ffast-math changes the features; build these files without it\"\n"
    "#endif\n"
    "#include <float.h>\n"
    "#include <limits.h>\n"
    "#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD != 0\n"
    "#error \"imulab needs float arithmetic in single precision (FLT_EVAL_METHOD 0)\"\n"
    "#endif\n"
    "#if INT_MAX < 2147483647\n"
    "#error \"imulab needs a 32-bit int (not an 8- or 16-bit target)\"\n"
    "#endif\n\n";

static int build_header(const struct tr_model *m, const char *mh, size_t mh_len, struct sbuf *h, char *err,
                        size_t errlen)
{
    struct sbuf body = {0}, hoist = {0};
    int rc = -1;
    if (add_headers(&body, &hoist, err, errlen)) goto out;
    sb_puts(&body, "\n/* ---- model.h (imulab train) ---- */\n");
    if (rewrite("model.h", mh, mh_len, 1, &body, &hoist, err, errlen)) goto out;
    const struct deploy_source *api = find_source("deploy/imulab_api.h");
    if (!api) { snprintf(err, errlen, "imulab was built without portable/deploy/imulab_api.h"); goto out; }
    sb_puts(&body, "\n");
    if (rewrite("portable/deploy/imulab_api.h", (const char *)api->data, api->len, 1, &body, &hoist, err, errlen))
        goto out;
    sb_printf(h,
              "/* imulab.h -- the one header of an imulab model library; generated by imulab export-model,\n"
              " * do not edit. Model %08x: labels", m->hash);
    for (int i = 0; i < m->n_labels; i++) sb_printf(h, "%s %s", i ? "," : "", m->labels[i]);
    sb_printf(h, "; axes");
    for (int i = 0; i < m->n_axes; i++) sb_printf(h, "%s %s", i ? "," : "", m->axes[i]);
    sb_printf(h, "; %.6g Hz;\n * windows of %d samples every %d; %d features; int8 test accuracy %.4f.\n *\n",
              m->rate_hz, m->window_len, m->stride_len, m->n_feat, m->acc_int8);
    sb_printf(h, " * Memory: static RAM is one struct imulab_state per stream, at most IMULAB_STATE_BYTES = %ld\n"
                 " * bytes (that on a 64-bit host; a few bytes less on 32-bit targets, whose pointers are smaller);\n"
                 " * nothing else is written: no globals, no heap. Flash: the constant model,\n"
                 " * IMU_MODEL_WEIGHTS_BYTES, plus the code (README.md gives measured figures).\n"
                 " * Build: C99 or later, all imulab*.c files; see README.md. The application interface is at the\n"
                 " * end of this file (\"The application interface\"); what comes before it is the portable\n"
                 " * feature extractor and int8 network, and the model's constants.\n */\n",
              deploy_state_bytes(m));
    sb_puts(h, "#ifndef IMULAB_H\n#define IMULAB_H\n\n");
    sb_add(h, hoist.s ? hoist.s : "", hoist.n);
    sb_printf(h, "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n#define IMULAB_STATE_BYTES %ld /* sizeof(struct imulab_state) at most */\n",
              deploy_state_bytes(m));
    sb_add(h, body.s, body.n);
    sb_puts(h, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* IMULAB_H */\n");
    rc = h->oom || body.oom || hoist.oom ? (snprintf(err, errlen, "out of memory"), -1) : 0;
out:
    free(body.s);
    free(hoist.s);
    return rc;
}

/* One .c file: the prelude, then the source with its includes rewritten. */
static int write_source(const char *dir, const char *name, const char *what, const char *text, size_t len,
                        char *err, size_t errlen)
{
    struct sbuf b = {0};
    sb_puts(&b, prelude);
    int rc = rewrite(what, text, len, 0, &b, NULL, err, errlen);
    if (!rc && b.oom) { snprintf(err, errlen, "out of memory"); rc = -1; }
    if (!rc) rc = write_file(dir, name, b.s, b.n, err, errlen);
    free(b.s);
    return rc;
}

static int write_template(const char *dir, const char *name, const char *tmpl, const struct subst *sv, int ns,
                          char *err, size_t errlen)
{
    const struct deploy_source *t = find_source(tmpl);
    if (!t) { snprintf(err, errlen, "imulab was built without portable/%s", tmpl); return -1; }
    struct sbuf b = {0};
    fill_template(t, sv, ns, &b);
    int rc = b.oom ? (snprintf(err, errlen, "out of memory"), -1) : write_file(dir, name, b.s, b.n, err, errlen);
    free(b.s);
    return rc;
}

int deploy_write(const struct tr_model *m, const char *out, enum deploy_format fmt, char *err, size_t errlen)
{
    char *mc = NULL, *mh = NULL;
    size_t mc_len = 0, mh_len = 0;
    struct sbuf h = {0};
    int rc = -1;
    char src[4096], ex[4096], path[4096];
    struct subst sv[40];
    int ns = 0;
    model_substitutions(m, sv, &ns);
    if (make_dir(out, err, errlen)) return -1;
    snprintf(src, sizeof src, fmt == DEPLOY_ARDUINO ? "%s/src" : "%s", out);
    snprintf(ex, sizeof ex, "%s/examples", out);
    if (make_dir(src, err, errlen) || make_dir(ex, err, errlen)) return -1;
    if (model_sources(m, &mc, &mc_len, &mh, &mh_len, err, errlen)) return -1;
    if (build_header(m, mh, mh_len, &h, err, errlen)) goto out;
    if (write_file(src, "imulab.h", h.s, h.n, err, errlen)) goto out;
    if (write_source(src, "imulab_model.c", "model.c", mc, mc_len, err, errlen)) goto out;
    const struct deploy_source *api = find_source("deploy/imulab.c");
    if (!api) { snprintf(err, errlen, "imulab was built without portable/deploy/imulab.c"); goto out; }
    if (write_source(src, "imulab.c", "portable/deploy/imulab.c", (const char *)api->data, api->len, err, errlen))
        goto out;
    for (int i = 0; i < deploy_n_sources; i++) {
        const struct deploy_source *s = &deploy_sources[i];
        if (!is_module(s->name, ".c")) continue;
        char name[300], what[300];
        snprintf(name, sizeof name, "imulab_%s", s->name);
        snprintf(what, sizeof what, "portable/%s", s->name);
        if (write_source(src, name, what, (const char *)s->data, s->len, err, errlen)) goto out;
    }
    if (write_template(out, "README.md", "deploy/README.md.in", sv, ns, err, errlen)) goto out;
    const struct deploy_source *lic = find_source("LICENSE"); /* imulab's licence, when it has one */
    if (lic && write_file(out, "LICENSE", (const char *)lic->data, lic->len, err, errlen)) goto out;
    if (fmt == DEPLOY_ARDUINO) {
        if (write_template(out, "library.properties", "deploy/library.properties.in", sv, ns, err, errlen)) goto out;
        snprintf(path, sizeof path, "%s/imulab_classify", ex);
        if (make_dir(path, err, errlen)) goto out;
        if (write_template(path, "imulab_classify.ino", "deploy/examples/arduino.ino.in", sv, ns, err, errlen)) goto out;
    } else {
        if (write_template(ex, "stm32_freertos.c", "deploy/examples/stm32_freertos.c.in", sv, ns, err, errlen) ||
            write_template(ex, "arduino.ino", "deploy/examples/arduino.ino.in", sv, ns, err, errlen) ||
            write_template(ex, "zephyr_main.c", "deploy/examples/zephyr_main.c.in", sv, ns, err, errlen))
            goto out;
    }
    rc = 0;
out:
    free(mc);
    free(mh);
    free(h.s);
    return rc;
}
