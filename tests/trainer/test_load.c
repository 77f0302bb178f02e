/* SPDX-License-Identifier: MIT */
/* test_load -- tr_load against damaged model.json files: every field of an exported model is, in
 * turn, removed, given the wrong type, emptied, cut short by one element or set out of range.
 * Each variant is refused with a message or loads the same int8 model (the model hash, which covers
 * the configuration and the int8 network; fields outside it, such as the training curves, may be
 * damaged without consequence), never crashes; the undamaged file loads bit for bit. Three models
 * are damaged so: continuous with a filter and a Gaussian anomaly model, gesture mode (the
 * segmenter's fields) with a k-means anomaly model on the input, and a conv front end.
 * Usage: test_load [SCRATCH_DIR] */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "trainer.h"

static char dir[512];
static uint32_t want_hash;
static int variants, refused, accepted;

static float *wave(int n, int na, float freq)
{
    float *v = malloc(sizeof(float) * (size_t)n * (size_t)na);
    for (int t = 0; t < n; t++)
        for (int a = 0; a < na; a++)
            v[t * na + a] = sinf(freq * (float)t + (float)a) + 0.03f * (float)((t * 5 + a) % 7);
    return v;
}

/* Write root as model.json and load it: refused with a message, or the same model. */
static void try_load(cJSON *root, const char *what)
{
    char path[600], err[512] = "";
    snprintf(path, sizeof path, "%s/model.json", dir);
    char *text = cJSON_Print(root);
    REQUIRE(text != NULL);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
    free(text);
    struct tr_model m;
    variants++;
    if (tr_load(&m, dir, err, sizeof err) == 0) {
        accepted++;
        CHECK_MSG(m.hash == want_hash, "%s: loaded as another model (%08x, want %08x)", what, m.hash, want_hash);
        tr_model_free(&m);
    } else {
        refused++;
        CHECK_MSG(err[0] != 0, "%s: refused without a message", what);
    }
}

/* The node at path (child indices from the root). */
static cJSON *walk(cJSON *root, const int *path, int depth)
{
    cJSON *n = root;
    for (int d = 0; d < depth && n; d++)
        n = cJSON_GetArrayItem(n, path[d]);
    return n;
}

/* Variant kind k of the child at path[depth-1]: 0 removed, 1..5 replaced by a string, a huge
 * number, -1, an empty array, null; 6 (arrays) one element short. Returns 0 if k does not apply. */
static int variant(cJSON *root, const int *path, int depth, int k, const char *what)
{
    cJSON *copy = cJSON_Duplicate(root, 1);
    REQUIRE(copy != NULL);
    cJSON *parent = walk(copy, path, depth - 1), *node = cJSON_GetArrayItem(parent, path[depth - 1]);
    REQUIRE(parent != NULL && node != NULL);
    cJSON *repl = NULL;
    switch (k) {
    case 0: cJSON_DeleteItemFromArray(parent, path[depth - 1]); break;
    case 1: repl = cJSON_CreateString("x"); break;
    case 2: repl = cJSON_CreateNumber(1e300); break;
    case 3: repl = cJSON_CreateNumber(-1); break;
    case 4: repl = cJSON_CreateArray(); break;
    case 5: repl = cJSON_CreateNull(); break;
    case 6:
        if (!cJSON_IsArray(node) || cJSON_GetArraySize(node) == 0) {
            cJSON_Delete(copy);
            return 0;
        }
        cJSON_DeleteItemFromArray(node, cJSON_GetArraySize(node) - 1);
        break;
    }
    if (repl) {
        if (node->string)
            repl->string = strdup(node->string);
        cJSON_ReplaceItemViaPointer(parent, node, repl);
    }
    try_load(copy, what);
    cJSON_Delete(copy);
    return 1;
}

/* Damage every node under the one at path, recursively (arrays: their first two and last
 * elements stand for the rest). */
static void damage(cJSON *root, int *path, int depth, const char *where)
{
    cJSON *parent = walk(root, path, depth);
    int n = cJSON_GetArraySize(parent);
    for (int i = 0; i < n && depth < 7; i++) {
        if (cJSON_IsArray(parent) && i >= 2 && i < n - 1)
            continue;
        cJSON *node = cJSON_GetArrayItem(parent, i);
        char what[300];
        if (cJSON_IsObject(parent))
            snprintf(what, sizeof what, "%s.%s", where, node->string);
        else
            snprintf(what, sizeof what, "%s[%d]", where, i);
        path[depth] = i;
        for (int k = 0; k <= 6; k++)
            variant(root, path, depth + 1, k, what);
        if (cJSON_IsArray(node) || cJSON_IsObject(node))
            damage(root, path, depth + 1, what);
    }
}

/* The next C string literal at *p (after the opening quote is found), decoded (\", \\, \ooo)
 * into out; *p moves past it. 0, or -1 when there is none or it is malformed. */
static int c_string(const char **p, char *out, size_t len)
{
    const char *s = strchr(*p, '"');
    if (!s)
        return -1;
    size_t n = 0;
    for (s++; *s && *s != '"'; s++) {
        int ch = (unsigned char)*s;
        if (ch == '\\') {
            s++;
            if (*s >= '0' && *s <= '7') {
                ch = 0;
                for (int k = 0; k < 3 && *s >= '0' && *s <= '7'; k++, s++) ch = ch * 8 + (*s - '0');
                s--;
            } else if (*s == '"' || *s == '\\') {
                ch = *s;
            } else {
                return -1;
            }
        } else if (ch < 32 || ch >= 127) {
            return -1; /* raw bytes the generated C must not hold */
        }
        if (n + 1 < len)
            out[n++] = (char)ch;
    }
    if (*s != '"')
        return -1;
    out[n] = 0;
    *p = s + 1;
    return 0;
}

/* Labels with quotes, backslashes and UTF-8: model.c spells them as C
 * string literals that decode to the very bytes, model.json keeps them, the model loads. A
 * model.json that is a directory, a FIFO or over 64 MiB is refused with its reason. */
static void test_export_names(struct tr_model *m)
{
    char *keep[2] = {m->labels[0], m->labels[1]};
    char l0[] = "say \"hi\" \\o/", l1[] = "caf\xc3\xa9 1";
    m->labels[0] = l0;
    m->labels[1] = l1;
    m->hash = tr_model_hash(m);
    char err[512], path[600];
    int rc = tr_export(m, dir, err, sizeof err);
    CHECK_MSG(rc == 0, "export: %s", err);
    snprintf(path, sizeof path, "%s/model.c", dir);
    FILE *f = fopen(path, "r");
    static char text[1 << 20];
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = 0;
    const char *p = strstr(text, "imu_model_labels[IMU_MODEL_N_CLASSES] = {");
    char a[128] = "", b[128] = "";
    CHECK_MSG(p && c_string(&p, a, sizeof a) == 0 && c_string(&p, b, sizeof b) == 0 && strcmp(a, l0) == 0 &&
              strcmp(b, l1) == 0, "model.c labels: '%s' '%s'", a, b);
    struct tr_model back;
    rc = tr_load(&back, dir, err, sizeof err);
    CHECK_MSG(rc == 0, "load: %s", err);
    if (rc == 0) {
        CHECK(strcmp(back.labels[0], l0) == 0 && strcmp(back.labels[1], l1) == 0 && back.hash == m->hash);
        tr_model_free(&back);
    }
    m->labels[0] = keep[0];
    m->labels[1] = keep[1];
    m->hash = tr_model_hash(m);
    /* model.json that is not a file of a model's size */
    snprintf(path, sizeof path, "%s/model.json", dir);
    unlink(path);
    REQUIRE(mkdir(path, 0700) == 0);
    CHECK_MSG(tr_load(&back, dir, err, sizeof err) == -1 && strstr(err, "a directory, not a model file"), "%s", err);
    rmdir(path);
    REQUIRE(mkfifo(path, 0600) == 0);
    int fd = open(path, O_RDWR); /* a writer, so that opening it to read does not wait */
    CHECK_MSG(tr_load(&back, dir, err, sizeof err) == -1 && strstr(err, "not a regular file"), "%s", err);
    if (fd >= 0)
        close(fd);
    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    CHECK(ftruncate(fd, (64L << 20) + 1) == 0); /* sparse: no disk used */
    close(fd);
    CHECK_MSG(tr_load(&back, dir, err, sizeof err) == -1 && strstr(err, "over 64 MiB, larger than any model"), "%s", err);
    unlink(path);
}

/* Train a model with these options (and an anomaly model of method on layer, unless NONE),
 * export it and damage every field of its model.json. */
static void sweep_model(const struct tr_dataset *ds, const struct tr_options *o, int method, int layer,
                        struct tr_model *m, const char *name)
{
    char err[512];
    REQUIRE(tr_train(ds, o, m, err, sizeof err) == 0);
    if (method != TR_ANOM_NONE) {
        struct tr_windows tw;
        REQUIRE(tr_make_windows(m, ds, TR_TRAINING, &tw, err, sizeof err) == 0);
        REQUIRE(tr_anomaly_fit(m, &tw, ds, method, layer, 2, 0.05f, 3, 1, err, sizeof err) == 0);
        tr_windows_free(&tw);
        m->hash = tr_model_hash(m);
    }
    want_hash = m->hash;
    REQUIRE(tr_export(m, dir, err, sizeof err) == 0);
    char path[600];
    snprintf(path, sizeof path, "%s/model.json", dir);
    FILE *f = fopen(path, "r");
    REQUIRE(f != NULL);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    cJSON *root = cJSON_Parse(text);
    REQUIRE(root != NULL);
    variants = refused = accepted = 0;
    try_load(root, "the exported file");
    CHECK_MSG(accepted == 1, "%s: the exported file does not load", name);
    int at[8];
    damage(root, at, 0, "model");
    printf("test_load: %s: %d damaged files, %d refused, %d loaded as the same model\n", name, variants - 1, refused,
           accepted - 1);
    CHECK_MSG(refused > variants / 2, "%s: only %d of %d damaged files refused", name, refused, variants);
    cJSON_Delete(root);
}

int main(int argc, char **argv)
{
    snprintf(dir, sizeof dir, "%s/test_load.XXXXXX", argc > 1 ? argv[1] : "/tmp");
    REQUIRE(mkdtemp(dir) != NULL);
    enum { N = 6 };
    struct tr_recording r[N];
    const char *ax[3] = {"x", "y", "z"};
    memset(r, 0, sizeof r);
    for (int i = 0; i < N; i++) {
        r[i].label = i % 2 ? "b" : "a";
        r[i].category = i < 4 ? TR_TRAINING : TR_TESTING;
        r[i].rate_hz = 50;
        r[i].n_axes = 3;
        for (int a = 0; a < 3; a++)
            r[i].axes[a] = ax[a];
        r[i].n_samples = 200;
        r[i].values = wave(200, 3, i % 2 ? 0.5f : 0.1f);
    }
    struct tr_dataset ds = {N, r};
    struct tr_options o;
    tr_options_default(&o);
    o.n_hidden = 1;
    o.hidden[0] = 4;
    o.fft_len = 8;
    o.raw_points = 2;
    o.epochs = 3;
    o.filter = 1;
    o.filter_hz = 10;
    struct tr_model m, g, c;
    o.mode = TR_MODE_GESTURE;
    o.filter = 0;
    sweep_model(&ds, &o, TR_ANOM_KMEANS, 0, &g, "gesture, k-means");
    tr_model_free(&g);
    o.n_hidden = 0;
    o.gesture_points = 16;
    char why[160];
    REQUIRE(tr_parse_conv("4:3:2", &o, why, sizeof why) == 0);
    sweep_model(&ds, &o, TR_ANOM_NONE, 0, &c, "conv front end");
    tr_model_free(&c);
    tr_options_default(&o);
    o.mode = TR_MODE_CONTINUOUS;
    o.n_hidden = 1;
    o.hidden[0] = 4;
    o.fft_len = 8;
    o.raw_points = 2;
    o.epochs = 3;
    o.filter = 1;
    o.filter_hz = 10;
    sweep_model(&ds, &o, TR_ANOM_GAUSS, 1, &m, "continuous, filter, gauss");
    test_export_names(&m);
    char path[600], err[512];
    snprintf(path, sizeof path, "%s/model.json", dir);
    FILE *f;
    /* not JSON at all, and no file */
    f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs("{\"format\": ", f);
    fclose(f);
    struct tr_model m2;
    CHECK(tr_load(&m2, dir, err, sizeof err) != 0 && err[0]);
    unlink(path);
    CHECK(tr_load(&m2, dir, err, sizeof err) != 0 && strstr(err, "model.json"));
    /* export where it cannot: the directory and the reason are named */
    CHECK(tr_export(&m, "/nonexistent-dir/model", err, sizeof err) != 0 && strstr(err, "/nonexistent-dir/model"));
    snprintf(path, sizeof path, "%s/file", dir);
    f = fopen(path, "w");
    REQUIRE(f != NULL);
    fclose(f);
    CHECK(tr_export(&m, path, err, sizeof err) != 0 && err[0]); /* a file where the directory should be */
    tr_model_free(&m);
    for (int i = 0; i < N; i++)
        free((void *)r[i].values);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_report("test_load");
}
