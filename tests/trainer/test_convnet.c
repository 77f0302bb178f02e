/* SPDX-License-Identifier: MIT */
/* test_convnet -- the trainer's conv front end (trainer/convnet.c):
 * - back-propagation against central differences on several shapes (strides, pools, hidden
 *   layers);
 * - a conv model trained on shape gestures of held-out people (the pairs set: time-reversed and
 *   mirrored classes) learns them, deterministically for the seed;
 * - export and tr_load give the same model: same hash, the same float and int8 outputs on every
 *   testing gesture (with a measured, non-integer sample rate);
 * - edited model.json files are refused, naming the field;
 * - quantization-aware fine-tuning (--qat-epochs): its fake-quantized forward pass picks the int8
 *   network's class where the float network does not; the fine-tuned model keeps the float
 *   model and replaces the int8 one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "shapes.h"
#include "tr_conv.h"
#include "trainer.h"

/* A model with only shapes set, for the gradient check. */
static void grad_case(int len, int ch, const char *spec, int n_hidden, int hidden, int nc)
{
    struct tr_model m;
    struct tr_options o;
    memset(&m, 0, sizeof m);
    tr_options_default(&o);
    char why[160];
    REQUIRE(tr_parse_conv(spec, &o, why, sizeof why) == 0);
    struct tr_conv *c = calloc(1, sizeof *c);
    REQUIRE(c != NULL);
    c->n = o.n_conv;
    c->len = len;
    c->ch = ch;
    for (int i = 0; i < c->n; i++) {
        c->l[i].ch_out = o.conv[i].ch;
        c->l[i].k = o.conv[i].k;
        c->l[i].stride = o.conv[i].stride;
        c->l[i].pool = o.conv[i].pool > 1 ? o.conv[i].pool : 0;
    }
    REQUIRE(tr_conv_shapes(c, why, sizeof why) == 0);
    m.conv = c;
    m.n_labels = nc;
    m.n_layers = n_hidden + 1;
    m.sizes[0] = c->l[c->n - 1].ch_out;
    if (n_hidden) m.sizes[1] = hidden;
    m.sizes[m.n_layers] = nc;
    int n = 0;
    double worst = tr_conv_grad_check(&m, 7, &n);
    printf("gradient %s (len %d, %d axes, hidden %d): %d parameters, largest relative difference %.2e\n", spec,
           len, ch, n_hidden ? hidden : 0, n, worst);
    CHECK_MSG(n > 50 && worst < 0.02, "%s: %d checked, relative difference %g", spec, n, worst);
    for (int k = 0; k < m.n_layers; k++) { free(m.W[k]); free(m.B[k]); }
    tr_conv_free(&m);
}

static void options(struct tr_options *o)
{
    char why[160];
    tr_options_default(o);
    o->mode = TR_MODE_GESTURE;
    o->gesture_points = 32;
    o->n_hidden = 0;
    o->epochs = 30;
    o->aug_copies = 1;
    o->aug_scale = 0.1f;
    o->aug_rotate_deg = 10;
    o->seed = 3;
    tr_parse_conv("8:5:2,16:5", o, why, sizeof why);
}

/* m (fine-tuned for 8 epochs) against p (the same options, post-training int8 only). */
static void qat_checks(const struct tr_model *m, const struct tr_model *p, const struct tr_dataset *ds)
{
    char err[256];
    struct tr_windows te, tw;
    REQUIRE(tr_make_windows(p, ds, TR_TESTING, &te, err, sizeof err) == 0);
    REQUIRE(tr_make_windows(p, ds, TR_TRAINING, &tw, err, sizeof err) == 0);
    /* the fine-tuning's forward pass simulates the int8 network (on p, whose int8 weights are
     * its float ones rounded): it agrees with it where the float network may not */
    double fa, qa = tr_conv_qat_agreement(p, &tw, &fa), fa2, qa2 = tr_conv_qat_agreement(p, &te, &fa2);
    printf("fake-quantized forward pass picks the int8 class on %.4f (float: %.4f) of %d training and %.4f "
           "(%.4f) of %d testing gestures\n", qa, fa, tw.n, qa2, fa2, te.n);
    CHECK(qa >= 0.985 && qa2 >= 0.985 && qa >= fa && qa2 >= fa2);
    /* the fine-tuned model: float as trained, int8 from the fine-tuning */
    CHECK_MSG(m->qat_epochs == 8 && m->qat_kept && m->qat_best_epoch >= 0 && m->qat_best_epoch <= 8,
              "qat epochs %d kept %d best %d", m->qat_epochs, m->qat_kept, m->qat_best_epoch);
    CHECK(p->qat_epochs == 0);
    int samef = 1, diff8 = 0;
    for (int r = 0; r < te.n; r++) {
        const float *f = te.x + (size_t)r * te.n_feat;
        float p1[TR_MAX_LABELS], p2[TR_MAX_LABELS];
        tr_predict_float(m, f, p1);
        tr_predict_float(p, f, p2);
        samef &= !memcmp(p1, p2, sizeof(float) * (size_t)m->n_labels);
        int8_t y1[TR_MAX_LABELS], y2[TR_MAX_LABELS];
        tr_predict_int8(m, f, y1);
        tr_predict_int8(p, f, y2);
        diff8 += memcmp(y1, y2, (size_t)m->n_labels) != 0;
    }
    printf("fine-tuned (best epoch %d, %.3f s): int8 %.4f against post-training %.4f, float %.4f; int8 scores "
           "differ on %d of %d testing gestures\n", m->qat_best_epoch, m->qat_seconds, m->acc_int8, p->acc_int8,
           m->acc_float, diff8, te.n);
    CHECK_MSG(samef && m->acc_float == p->acc_float, "fine-tuning changed the float model");
    CHECK_MSG(m->qat_best_epoch == 0 || (diff8 > 0 && m->hash != p->hash), "fine-tuning left the int8 model as it was");
    tr_windows_free(&te);
    tr_windows_free(&tw);
}

/* Replace the first occurrence of from by to in the file; 0 if done. */
static int edit(const char *path, const char *from, const char *to)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    static char buf[8 << 20], out[8 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strstr(buf, from);
    if (!p) return -1;
    size_t a = (size_t)(p - buf);
    snprintf(out, sizeof out, "%.*s%s%s", (int)a, buf, to, p + strlen(from));
    f = fopen(path, "wb");
    if (!f) return -1;
    fputs(out, f);
    return fclose(f);
}

static void refused(const char *dir, const char *from, const char *to, const char *want)
{
    char src[512], cmd[1200], err[512];
    snprintf(src, sizeof src, "%s/model.json", dir);
    snprintf(cmd, sizeof cmd, "cp %s/model.json %s/orig.json", dir, dir);
    REQUIRE(system(cmd) == 0);
    CHECK_MSG(edit(src, from, to) == 0, "test set-up: '%s' not in model.json", from);
    struct tr_model m;
    int rc = tr_load(&m, dir, err, sizeof err);
    CHECK_MSG(rc != 0, "an edit of '%s' to '%s' was accepted", from, to);
    if (rc == 0) tr_model_free(&m);
    else CHECK_MSG(strstr(err, want) != NULL, "message '%s' does not name '%s'", err, want);
    snprintf(cmd, sizeof cmd, "cp %s/orig.json %s/model.json", dir, dir);
    REQUIRE(system(cmd) == 0);
}

int main(void)
{
    grad_case(24, 3, "4:3", 0, 0, 3);
    grad_case(32, 3, "6:5:2,8:3", 1, 7, 4);
    grad_case(29, 6, "5:4:3:2,7:3:0:1", 0, 0, 5); /* stride 2, pool 3; an even kernel */
    grad_case(40, 2, "3:5:2,4:3:2,5:3", 2, 6, 3);
    grad_case(30, 3, "4:3,6:4:2:2", 1, 5, 3);    /* a strided layer after another */

    struct shapes_config sc;
    shapes_default(&sc);
    sc.set = SHAPES_PAIRS;
    sc.n_people = 6;
    sc.reps = 6;
    sc.rate_hz = 104.279468976858; /* a measured rate: model.json must keep every bit of it */
    struct shapes_data d;
    REQUIRE(shapes_generate(&sc, &d) == 0);
    const char held[6] = {0, 0, 0, 0, 1, 1};
    shapes_split_people(&d, held);
    struct tr_options o;
    options(&o);
    o.qat_epochs = 8;
    struct tr_model m, m2, m3;
    char err[512];
    REQUIRE(tr_train(&d.ds, &o, &m, err, sizeof err) == 0);
    REQUIRE(tr_train(&d.ds, &o, &m2, err, sizeof err) == 0);
    o.qat_epochs = 0;
    REQUIRE(tr_train(&d.ds, &o, &m3, err, sizeof err) == 0);
    o.qat_epochs = 8;
    qat_checks(&m, &m3, &d.ds);
    tr_model_free(&m3);
    printf("conv model on 2 held-out people: float %.4f, int8 %.4f (%d gestures); train %.4f\n", m.acc_float,
           m.acc_int8, m.n_test, m.curve_train_acc[m.n_epochs - 1]);
    CHECK_MSG(m.hash == m2.hash, "same seed, different models: %08x %08x", m.hash, m2.hash);
    CHECK(m.curve_train_acc[m.n_epochs - 1] > 0.9f);
    CHECK(m.acc_float > 0.5); /* 8 classes: chance is 0.125 */
    CHECK(m.conv != NULL && m.nn.conv != NULL && m.sizes[0] == 16);
    tr_model_free(&m2);

    char dir[] = "/tmp/imulab-convnet.XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    REQUIRE(tr_export(&m, dir, err, sizeof err) == 0);
    struct tr_model l;
    int rc = tr_load(&l, dir, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    if (rc == 0) {
        CHECK(l.hash == m.hash);
        CHECK(l.rate_hz == m.rate_hz);
        struct tr_windows te;
        REQUIRE(tr_make_windows(&l, &d.ds, TR_TESTING, &te, err, sizeof err) == 0);
        int same8 = 1, samef = 1;
        for (int r = 0; r < te.n; r++) {
            const float *f = te.x + (size_t)r * te.n_feat;
            int8_t y1[TR_MAX_LABELS], y2[TR_MAX_LABELS];
            tr_predict_int8(&m, f, y1);
            tr_predict_int8(&l, f, y2);
            same8 &= !memcmp(y1, y2, (size_t)m.n_labels);
            float p1[TR_MAX_LABELS], p2[TR_MAX_LABELS];
            tr_predict_float(&m, f, p1);
            tr_predict_float(&l, f, p2);
            samef &= !memcmp(p1, p2, sizeof(float) * (size_t)m.n_labels);
        }
        CHECK_MSG(same8 && samef, "the loaded model computes other outputs (int8 %d, float %d)", same8, samef);
        CHECK(tr_evaluate(&l, &te, 1, NULL) == m.acc_int8);
        tr_windows_free(&te);
        tr_model_free(&l);
    }
    /* edits: a kernel size (shape), a weight (hash), an accumulator-overflowing bias, a pool of 1 */
    refused(dir, "\"kernel\":\t5", "\"kernel\":\t99", "conv.layers[0].kernel");
    refused(dir, "\"int8_weights\":\t[", "\"int8_weights\":\t[1000, ", "conv.layers[0].int8_weights");
    refused(dir, "\"bias_folded\":\t[", "\"bias_folded\":\t[2147000000, ", "conv.layers[0].bias_folded");
    refused(dir, "\"pool\":\t2", "\"pool\":\t1", "conv.layers[0].pool");
    refused(dir, "\"output_scale\":\t0.", "\"output_scale\":\t0.1", "hash mismatch");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    tr_model_free(&m);
    shapes_free(&d);
    return check_report("test_convnet");
}
