/* SPDX-License-Identifier: MIT */
/* test_conv_options -- the conv front end's option string, shapes and checks (trainer/convnet.c),
 * each refusal with its message (what --conv and model.json promise, docs/model.md):
 *  1. tr_parse_conv: "C:K[:P[:S]],..." with channels 1..128, kernel 1..15, pool 0..8, stride 1..4
 *     and at most TR_MAX_CONV layers; "", "0" and NULL are none; the defaults (pool 0, stride 1);
 *  2. the set-up: at most 256 points per axis, a pool longer than its layer's points refused,
 *     the shapes of "same" padding (output length ceil(L / stride), pooled length floor(L / pool));
 *  3. tr_model_check on a trained conv model: the dense input must be the last conv layer's
 *     channels, the features exactly the raw window. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "trainer.h"
#include "tr_conv.h"

static void parse(void)
{
    struct tr_options o;
    char why[160];
    tr_options_default(&o);
    CHECK(tr_parse_conv(NULL, &o, why, sizeof why) == 0 && o.n_conv == 0);
    CHECK(tr_parse_conv("", &o, why, sizeof why) == 0 && o.n_conv == 0);
    CHECK(tr_parse_conv("0", &o, why, sizeof why) == 0 && o.n_conv == 0);
    CHECK(tr_parse_conv("8:5", &o, why, sizeof why) == 0 && o.n_conv == 1 && o.conv[0].ch == 8 && o.conv[0].k == 5 &&
          o.conv[0].pool == 0 && o.conv[0].stride == 1);
    CHECK(tr_parse_conv("8:7:2,16:5:0:2,4:3:3", &o, why, sizeof why) == 0 && o.n_conv == 3 && o.conv[1].ch == 16 &&
          o.conv[1].pool == 0 && o.conv[1].stride == 2 && o.conv[2].pool == 3);
    CHECK(tr_parse_conv("128:15:8:4", &o, why, sizeof why) == 0 && o.conv[0].ch == 128 && o.conv[0].stride == 4);
    static const struct { const char *s, *want; } bad[] = {
        {"8:5,8:5,8:5,8:5", "at most 3 conv layers"},
        {"x", "'x': expected a number at 'x'"},
        {"8:", "'8:': expected a number at ''"},
        {"8:5;4:3", "'8:5;4:3': unexpected ';'"},
        {"8:5:2:1:1", "unexpected ':'"},
        {"8", "each layer is CHANNELS:KERNEL[:POOL[:STRIDE]]"},
        {"0:5", "channels 1..128, kernel 1..15, pool 0..8, stride 1..4"},
        {"129:5", "channels 1..128"},
        {"8:16", "kernel 1..15"},
        {"8:0", "kernel 1..15"},
        {"8:5:9", "pool 0..8"},
        {"8:5:-1", "pool 0..8"},
        {"8:5:2:5", "stride 1..4"},
        {"8:5:2:0", "stride 1..4"},
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = 0;
        int rc = tr_parse_conv(bad[i].s, &o, why, sizeof why);
        CHECK_MSG(rc == -1 && strstr(why, bad[i].want), "'%s': rc %d, '%s' (want '%s')", bad[i].s, rc, why, bad[i].want);
    }
}

static struct tr_recording rec[8];
static struct tr_dataset ds = {8, rec};

static void make(void)
{
    static const char *ax[3] = {"x", "y", "z"};
    for (int i = 0; i < 8; i++) {
        float *v = malloc(sizeof(float) * 150 * 3);
        for (int t = 0; t < 150; t++)
            for (int a = 0; a < 3; a++) v[t * 3 + a] = sinf((i % 2 ? 0.6f : 0.15f) * (float)t + (float)a) + 0.02f * (float)(i % 3);
        memset(&rec[i], 0, sizeof rec[i]);
        rec[i].label = i % 2 ? "b" : "a";
        rec[i].category = i < 6 ? TR_TRAINING : TR_TESTING;
        rec[i].rate_hz = 50;
        rec[i].n_axes = 3;
        for (int a = 0; a < 3; a++) rec[i].axes[a] = ax[a];
        rec[i].n_samples = 150;
        rec[i].values = v;
    }
}

static void setup(void)
{
    struct tr_options o;
    struct tr_model m;
    char err[256];
    tr_options_default(&o);
    o.mode = TR_MODE_GESTURE;
    o.gesture_points = 300;
    REQUIRE(tr_parse_conv("4:3", &o, err, sizeof err) == 0);
    CHECK_MSG(tr_setup_model(&ds, &o, &m, err, sizeof err) == -1 &&
              strstr(err, "--conv needs at most 256 points per axis (the window has 300)"), "%s", err);
    tr_model_free(&m);
    /* 20 points, stride 2: 10; a pool of 8: 1 point; a second pool of 2 on 1 point: refused */
    o.gesture_points = 20;
    REQUIRE(tr_parse_conv("4:3:8:2,4:3:2", &o, err, sizeof err) == 0);
    CHECK_MSG(tr_setup_model(&ds, &o, &m, err, sizeof err) == -1 &&
              strstr(err, "--conv: conv layer 2: pool 2 longer than its 1 points"), "%s", err);
    tr_model_free(&m);
    REQUIRE(tr_parse_conv("4:4:0:3,6:3:2", &o, err, sizeof err) == 0);
    REQUIRE(tr_setup_model(&ds, &o, &m, err, sizeof err) == 0);
    const struct tr_conv *c = m.conv;
    REQUIRE(c != NULL && c->n == 2);
    CHECK_MSG(c->l[0].len_in == 20 && c->l[0].len_out == 7 && c->l[0].pool_len == 7 && c->l[0].ch_in == 3,
              "layer 1: %d -> %d (%d)", c->l[0].len_in, c->l[0].len_out, c->l[0].pool_len);
    CHECK_MSG(c->l[1].len_in == 7 && c->l[1].len_out == 7 && c->l[1].pool_len == 3 && c->l[1].ch_in == 4,
              "layer 2: %d -> %d (%d)", c->l[1].len_in, c->l[1].len_out, c->l[1].pool_len);
    /* "same" padding: (len_out - 1) * stride + k - len_in, half before */
    CHECK_MSG(c->l[0].pad == 1 && c->l[1].pad == 1, "pads %d %d", c->l[0].pad, c->l[1].pad);
    CHECK_MSG(m.feat.flags == IMU_FEAT_RAW && m.feat.raw_points == 20 && m.n_feat == 60, "features %x, %d points, %d",
              m.feat.flags, m.feat.raw_points, m.n_feat);
    tr_model_free(&m);
}

static void check(void)
{
    struct tr_options o;
    struct tr_model m;
    char err[256];
    tr_options_default(&o);
    o.mode = TR_MODE_GESTURE;
    o.gesture_points = 16;
    o.n_hidden = 0;
    o.epochs = 2;
    REQUIRE(tr_parse_conv("4:3:2", &o, err, sizeof err) == 0);
    int rc = tr_train(&ds, &o, &m, err, sizeof err);
    CHECK_MSG(rc == 0, "train: %s", err);
    if (rc) return;
    CHECK_MSG(tr_model_check(&m, err, sizeof err) == 0, "the trained conv model: %s", err);
    m.conv->l[0].ch_out++; /* the dense layers' input no longer matches */
    CHECK_MSG(tr_model_check(&m, err, sizeof err) == -1 && strstr(err, "conv: network.sizes[0] is not the last conv layer's channels"),
              "%s", err);
    m.conv->l[0].ch_out--;
    m.feat.raw_points = 8;
    CHECK_MSG(tr_model_check(&m, err, sizeof err) == -1 && strstr(err, "conv: features are not the raw window"), "%s", err);
    m.feat.raw_points = 16;
    m.feat.flags |= IMU_FEAT_STATS;
    CHECK_MSG(tr_model_check(&m, err, sizeof err) == -1 && strstr(err, "conv: features are not the raw window"), "%s", err);
    m.feat.flags = IMU_FEAT_RAW;
    CHECK_MSG(tr_model_check(&m, err, sizeof err) == 0, "restored: %s", err);
    tr_model_free(&m);
}

int main(void)
{
    parse();
    make();
    setup();
    check();
    for (int i = 0; i < 8; i++) free((void *)rec[i].values);
    return check_report("test_conv_options");
}
