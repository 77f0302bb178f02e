/* SPDX-License-Identifier: MIT */
/* test_fit -- the training schedule (trainer/mlp.c) on shape gestures from the benchmark's
 * generator:
 *  1. early stop: with --patience P the fit stops P epochs after the lowest training loss, and
 *     the model it returns is that epoch's: bit for bit the model of a fixed schedule of exactly
 *     that many epochs; without patience every epoch runs;
 *  2. the L2 penalty (folded into the Adam pass) shrinks the weights: a larger penalty gives a
 *     smaller sum of squared weights, and no penalty a larger one than the default. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "shapes.h"
#include "trainer.h"

static void options(struct tr_options *o)
{
    tr_options_default(o);
    o->mode = TR_MODE_CONTINUOUS;
    o->window_ms = o->stride_ms = 2000; /* one window per recording */
    o->raw_points = 16;
    o->feat_flags = IMU_FEAT_RAW;
    o->n_hidden = 1;
    o->hidden[0] = 16;
    o->qat_epochs = 0;
    o->val_frac = 0.0f;
    o->seed = 3;
}

static int train(const struct shapes_data *d, const struct tr_options *o, struct tr_model *m)
{
    char err[256];
    int rc = tr_train(&d->ds, o, m, err, sizeof err);
    if (rc) fprintf(stderr, "train: %s\n", err);
    return rc;
}

static int same_float(const struct tr_model *a, const struct tr_model *b)
{
    if (a->n_layers != b->n_layers) return 0;
    for (int k = 0; k < a->n_layers; k++) {
        size_t n = (size_t)a->sizes[k] * a->sizes[k + 1];
        if (memcmp(a->W[k], b->W[k], sizeof(float) * n) || memcmp(a->B[k], b->B[k], sizeof(float) * a->sizes[k + 1]))
            return 0;
    }
    return 1;
}

/* Sum of the squared weights (not the biases: the penalty leaves them alone). */
static double weight_norm2(const struct tr_model *m)
{
    double s = 0;
    for (int k = 0; k < m->n_layers; k++)
        for (size_t j = 0; j < (size_t)m->sizes[k] * m->sizes[k + 1]; j++) s += (double)m->W[k][j] * m->W[k][j];
    return s;
}

static void test_early_stop(const struct shapes_data *d)
{
    struct tr_options o;
    options(&o);
    o.epochs = 80;
    o.lr = 0.02f; /* a large step: the training loss stops falling well before 80 epochs */
    o.patience = 3;
    struct tr_model a, b, c;
    REQUIRE(train(d, &o, &a) == 0);
    printf("patience 3: %d epochs run, best %d, loss at best %.6f\n", a.n_epochs, a.best_epoch,
           a.curve_loss[a.best_epoch - 1]);
    CHECK_MSG(a.n_epochs < 80, "the fit did not stop early (%d epochs)", a.n_epochs);
    CHECK_MSG(a.n_epochs == a.best_epoch + 3, "stopped after %d epochs, best %d: not 3 epochs after the best",
              a.n_epochs, a.best_epoch);
    const float best = a.curve_loss[a.best_epoch - 1];
    for (int e = 0; e < a.n_epochs; e++)
        CHECK_MSG(a.curve_loss[e] >= best - 1e-6f, "epoch %d has a lower loss (%.6f) than the best epoch %d (%.6f)",
                  e + 1, a.curve_loss[e], a.best_epoch, best);
    /* the returned weights are the best epoch's: the fixed schedule of that many epochs */
    o.patience = 0;
    o.epochs = a.best_epoch;
    REQUIRE(train(d, &o, &b) == 0);
    CHECK_MSG(b.n_epochs == a.best_epoch, "patience 0: %d epochs run, %d asked", b.n_epochs, a.best_epoch);
    CHECK_MSG(same_float(&a, &b), "the early-stopped model is not the model of its best epoch");
    CHECK_MSG(a.hash == b.hash, "int8 models differ: %08x %08x", a.hash, b.hash);
    /* and not the last epoch's */
    o.epochs = a.n_epochs;
    REQUIRE(train(d, &o, &c) == 0);
    CHECK_MSG(c.n_epochs == a.n_epochs && !same_float(&a, &c), "the early-stopped model is the last epoch's");
    tr_model_free(&a);
    tr_model_free(&b);
    tr_model_free(&c);
}

static void test_l2(const struct shapes_data *d)
{
    const float l2s[3] = {0.0f, 3e-3f, 0.05f};
    double norm[3];
    for (int i = 0; i < 3; i++) {
        struct tr_options o;
        options(&o);
        o.patience = 0;
        o.epochs = 30;
        o.l2 = l2s[i];
        struct tr_model m;
        REQUIRE(train(d, &o, &m) == 0);
        norm[i] = weight_norm2(&m);
        printf("L2 %g: sum of squared weights %.4f, test accuracy %.4f\n", (double)l2s[i], norm[i], m.acc_float);
        tr_model_free(&m);
    }
    CHECK_MSG(norm[0] > norm[1] && norm[1] > norm[2], "the weights do not shrink with the L2 penalty: %g %g %g",
              norm[0], norm[1], norm[2]);
    CHECK_MSG(norm[2] < 0.8 * norm[0], "L2 0.05 shrinks the weights only to %.2f of the unpenalized", norm[2] / norm[0]);
}

int main(void)
{
    struct shapes_config c;
    shapes_default(&c);
    c.n_people = 4;
    c.reps = 6;
    c.seed = 5;
    struct shapes_data d;
    REQUIRE(shapes_generate(&c, &d) == 0);
    shapes_split_reps(&d, 4);
    test_early_stop(&d);
    test_l2(&d);
    shapes_free(&d);
    return check_report("test_fit");
}
