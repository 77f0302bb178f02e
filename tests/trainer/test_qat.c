/* SPDX-License-Identifier: MIT */
/* test_qat -- quantization-aware fine-tuning and training determinism, on shape gestures from the
 * benchmark's generator (bench/trainer/shapes.c: air-drawn digits by synthetic people; the data
 * are the same on every machine).
 *
 *  1. Automatic QAT: over several seeds (small data, a validation part, raw features: the kind of
 *     model where post-training int8 loses), it starts exactly when post-training int8 loses
 *     more than 1 point on the validation part, says so, never touches the float model, keeps the
 *     fine-tuned int8 model only when it is no worse there (else the post-training one, bit for
 *     bit), and where it kept it the int8-vs-float gap on the test windows did not grow.
 *  2. Determinism: the same seed gives the same model, with and without QAT, and with the
 *     portable and the AVX2 training kernels (when the CPU has AVX2).
 *  3. --qat-epochs N runs N epochs without being asked by a loss; the export keeps the record.
 *  4. Without a validation part the automatic decision is still taken on data the model was not
 *     fitted on: a probe fit on all but TR_QAT_PROBE_FRAC of the training recordings, compared on
 *     the rest; the real model is fine-tuned exactly when the probe's fine-tuning started and was
 *     kept, its float model untouched, the record says "probe" after export and load.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "shapes.h"
#include "trainer.h"
#include "trainer_int.h"


static void options(struct tr_options *o, unsigned seed)
{
    tr_options_default(o);
    o->mode = TR_MODE_CONTINUOUS;
    o->window_ms = o->stride_ms = 2000; /* one window per recording */
    o->raw_points = 16;
    o->feat_flags = IMU_FEAT_RAW;
    o->n_hidden = 1;
    o->hidden[0] = 16;
    o->epochs = 40;
    o->patience = 0; /* the fixed 40 epochs these figures were taken with (docs/benchmarks.md), no early stop */
    o->val_frac = 0.25f;
    o->seed = seed;
}

static int make(unsigned seed, struct shapes_data *d)
{
    struct shapes_config c;
    shapes_default(&c);
    c.n_people = 6;
    c.reps = 8;
    c.seed = seed;
    if (shapes_generate(&c, d)) return -1;
    shapes_split_reps(d, 4);
    return 0;
}

static int train(const struct shapes_data *d, const struct tr_options *o, struct tr_model *m, char **log)
{
    char err[256];
    size_t len = 0;
    struct tr_options ov = *o;
    FILE *f = log ? open_memstream(log, &len) : NULL;
    if (f) { ov.verbose = 1; ov.progress_out = f; }
    int rc = tr_train(&d->ds, &ov, m, err, sizeof err);
    if (f) fclose(f);
    if (rc) fprintf(stderr, "train: %s\n", err);
    return rc;
}

/* the int8 network (weights, biases, requantization, zero points) -- the model hash without the
 * float part is exactly that, plus the configuration, which is the same in the runs compared */
static int same_int8(const struct tr_model *a, const struct tr_model *b) { return a->hash == b->hash; }

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

static void automatic(void)
{
    int started = 0, kept = 0;
    double gap_ptq = 0, gap_qat = 0;
    for (unsigned seed = 1; seed <= 8; seed++) {
        struct shapes_data d;
        if (make(seed, &d)) { CHECK_MSG(0, "generate"); return; }
        struct tr_options o;
        options(&o, seed);
        struct tr_model p, a, a2;
        char *log = NULL;
        o.qat_epochs = 0;
        if (train(&d, &o, &p, NULL)) { CHECK_MSG(0, "training failed"); shapes_free(&d); continue; }
        o.qat_epochs = -1;
        if (train(&d, &o, &a, &log)) { CHECK_MSG(0, "training failed"); tr_model_free(&p); shapes_free(&d); continue; }
        const int should = a.cmp_float - a.cmp_int8_ptq > 0.01 + 1e-9;
        printf("seed %u: float %.4f, int8 post-training %.4f, automatic %.4f (validation: float %.4f, "
               "post-training %.4f, fine-tuned %.4f, %s)\n", seed, p.acc_float, p.acc_int8, a.acc_int8, a.cmp_float,
               a.cmp_int8_ptq, a.cmp_int8_qat, a.qat_epochs ? (a.qat_kept ? "kept" : "not kept") : "not run");
        CHECK_MSG(a.cmp_is_val && a.cmp_windows > 0, "seed %u: decision not on the validation part", seed);
        CHECK_MSG(same_float(&p, &a) && p.acc_float == a.acc_float, "seed %u: QAT changed the float model", seed);
        CHECK_MSG((a.qat_epochs > 0) == should, "seed %u: QAT %s though int8 %.4f vs float %.4f", seed,
              a.qat_epochs ? "ran" : "did not run", a.cmp_int8_ptq, a.cmp_float);
        if (should) {
            started++;
            CHECK_MSG(a.qat_auto && a.qat_epochs == TR_QAT_AUTO_EPOCHS, "seed %u: auto %d epochs %d", seed, a.qat_auto, a.qat_epochs);
            CHECK_MSG(log && strstr(log, "post-training int8 loses more than 1 point") &&
                  strstr(log, "quantization-aware fine-tuning for 20 epochs"), "seed %u: no message:\n%s", seed, log ? log : "");
            if (a.qat_kept) {
                kept++;
                CHECK_MSG(a.cmp_int8_qat >= a.cmp_int8_ptq, "seed %u: kept a worse fine-tuned model", seed);
                CHECK_MSG(a.acc_float - a.acc_int8 <= p.acc_float - p.acc_int8 + 1e-12,
                      "seed %u: the int8-vs-float test gap grew with QAT: %.4f -> %.4f", seed,
                      p.acc_float - p.acc_int8, a.acc_float - a.acc_int8);
                gap_ptq += p.acc_float - p.acc_int8;
                gap_qat += a.acc_float - a.acc_int8;
            } else {
                CHECK_MSG(a.cmp_int8_qat < a.cmp_int8_ptq, "seed %u: dropped a fine-tuned model that was no worse", seed);
                CHECK_MSG(same_int8(&p, &a), "seed %u: not kept, but the int8 model is not the post-training one", seed);
            }
            /* deterministic for a seed */
            CHECK_MSG(train(&d, &o, &a2, NULL) == 0, "seed %u: second run", seed);
            CHECK_MSG(a2.hash == a.hash && a2.acc_int8 == a.acc_int8 && a2.cmp_int8_qat == a.cmp_int8_qat,
                  "seed %u: QAT not deterministic (%08x vs %08x)", seed, a.hash, a2.hash);
            tr_model_free(&a2);
        } else {
            CHECK_MSG(same_int8(&p, &a), "seed %u: no QAT, but a different int8 model", seed);
        }
        free(log);
        tr_model_free(&p);
        tr_model_free(&a);
        shapes_free(&d);
    }
    printf("automatic QAT: started in %d of 8 runs, kept in %d; test gap float-int8 summed over those: "
           "post-training %.4f, with QAT %.4f\n", started, kept, gap_ptq, gap_qat);
    CHECK_MSG(started >= 2 && kept >= 1, "automatic QAT started %d times, kept %d (the test needs both)", started, kept);
}

static void forced_and_kernels(void)
{
    struct shapes_data d;
    if (make(3, &d)) { CHECK_MSG(0, "generate"); return; }
    struct tr_options o;
    options(&o, 3);
    o.feat_flags = IMU_FEAT_STATS | IMU_FEAT_SPECTRAL | IMU_FEAT_RAW | IMU_FEAT_HANN;
    o.val_frac = 0;
    o.qat_epochs = 5;
    o.n_hidden = 2;
    o.hidden[0] = 24; /* widths that exercise the 8-, 4- and 1-wide paths of the kernels */
    o.hidden[1] = 13;
    struct tr_model m[3];
    tr_fit_kernels(0);
    int ok = train(&d, &o, &m[0], NULL) == 0;
    CHECK_MSG(ok, "forced QAT");
    if (ok) {
        CHECK_MSG(m[0].qat_epochs == 5 && !m[0].qat_auto && !m[0].cmp_is_val && m[0].cmp_windows == m[0].n_train,
              "--qat-epochs 5: epochs %d auto %d", m[0].qat_epochs, m[0].qat_auto);
        /* the record survives export and load */
        char tmpl[] = "/tmp/test_qat.XXXXXX", err[256];
        struct tr_model l;
        if (mkdtemp(tmpl) && tr_export(&m[0], tmpl, err, sizeof err) == 0 && tr_load(&l, tmpl, err, sizeof err) == 0) {
            CHECK_MSG(l.hash == m[0].hash && l.qat_epochs == 5 && l.qat_kept == m[0].qat_kept &&
                  l.cmp_int8_qat == m[0].cmp_int8_qat, "QAT record after export/load");
            tr_model_free(&l);
        } else CHECK_MSG(0, "export/load: %s", err);
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
        CHECK_MSG(system(cmd) == 0, "%s", cmd);
    }
    ok = train(&d, &o, &m[1], NULL) == 0;
    CHECK_MSG(ok && m[1].hash == m[0].hash, "forced QAT not deterministic");
    /* the AVX2 kernels, the 16-lane source (built for AVX2 here; for AVX-512 where the CPU has
     * it) and the AVX-512 ones give the same bits as the portable ones */
    static const struct { int k; const char *name; } ks[] = {
        {TR_KERNELS_AVX2, "AVX2"}, {TR_KERNELS_16_ON_AVX2, "16-lane on AVX2"}, {TR_KERNELS_AVX512, "AVX-512"}};
    char same[120] = "portable";
    for (size_t k = 0; k < sizeof ks / sizeof ks[0] && ok; k++) {
        if (tr_fit_kernels(ks[k].k) != ks[k].k) continue; /* not on this CPU */
        CHECK_MSG(train(&d, &o, &m[2], NULL) == 0 && m[2].hash == m[0].hash && same_float(&m[2], &m[0]),
                  "%s and portable training kernels differ (%08x vs %08x)", ks[k].name, m[2].hash, m[0].hash);
        tr_model_free(&m[2]);
        snprintf(same + strlen(same), sizeof same - strlen(same), ", %s", ks[k].name);
    }
    printf("forced QAT (5 epochs): model %08x, same with the kernels: %s\n", m[0].hash, same);
    tr_fit_kernels(-1);
    tr_model_free(&m[0]);
    if (ok) tr_model_free(&m[1]);
    shapes_free(&d);
}

static void probe(void)
{
    int runs = 0, started = 0;
    for (unsigned seed = 1; seed <= 6; seed++) {
        struct shapes_data d;
        if (make(seed, &d)) { CHECK_MSG(0, "generate"); return; }
        struct tr_options o;
        options(&o, seed);
        o.val_frac = 0;
        struct tr_model a, p, pr;
        char err[256];
        if (train(&d, &o, &a, NULL)) { shapes_free(&d); CHECK_MSG(0, "train"); continue; }
        struct tr_options po = o;
        po.qat_epochs = 0;
        if (train(&d, &po, &p, NULL)) { tr_model_free(&a); shapes_free(&d); CHECK_MSG(0, "train"); continue; }
        /* the probe, rebuilt here from the documented recipe */
        struct tr_options pb = o;
        pb.val_frac = TR_QAT_PROBE_FRAC;
        struct tr_windows tw;
        int ok = tr_setup_model(&d.ds, &pb, &pr, err, sizeof err) == 0 &&
                 tr_make_windows(&pr, &d.ds, TR_TRAINING, &tw, err, sizeof err) == 0 &&
                 tr_fit(&pr, &pb, &tw) == 0 && tr_quantize_auto(&pr, &pb, &tw) == 0;
        CHECK_MSG(ok, "seed %u: probe: %s", seed, err);
        if (ok) {
            int want = pr.qat_epochs > 0 && pr.qat_kept;
            runs++;
            started += want;
            CHECK_MSG(a.qat_probe && a.cmp_is_val && a.cmp_windows > 0 && a.cmp_windows < a.n_train &&
                  a.cmp_windows == pr.cmp_windows,
                  "seed %u: decision not on held-out windows (probe %d, %d of %d windows)", seed, a.qat_probe,
                  a.cmp_windows, a.n_train);
            CHECK_MSG((a.qat_epochs > 0) == want, "seed %u: fine-tuning %s, the probe says %s", seed,
                  a.qat_epochs ? "ran" : "did not run", want ? "run" : "don't");
            CHECK_MSG(same_float(&a, &p), "seed %u: the decision changed the float model", seed);
            if (!want) CHECK_MSG(same_int8(&a, &p), "seed %u: no fine-tuning, but a different int8 model", seed);
            char tmpl[] = "/tmp/test_qat.XXXXXX";
            struct tr_model l;
            if (mkdtemp(tmpl) && tr_export(&a, tmpl, err, sizeof err) == 0 && tr_load(&l, tmpl, err, sizeof err) == 0) {
                CHECK_MSG(l.qat_probe && l.cmp_windows == a.cmp_windows, "seed %u: probe record after export/load", seed);
                tr_model_free(&l);
            } else CHECK_MSG(0, "export/load: %s", err);
            char cmd[300];
            snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
            CHECK_MSG(system(cmd) == 0, "%s", cmd);
        }
        tr_windows_free(&tw);
        tr_model_free(&pr);
        tr_model_free(&a);
        tr_model_free(&p);
        shapes_free(&d);
    }
    printf("QAT decided on a probe's held-out part: fine-tuning in %d of %d runs\n", started, runs);
    CHECK_MSG(runs == 6 && started >= 1, "probe: %d runs, %d with fine-tuning (the test needs one)", runs, started);
}

int main(void)
{
    double t0 = tr_now();
    probe();
    automatic();
    forced_and_kernels();
    printf("test_qat: %.2f s\n", tr_now() - t0);
    return check_report("test_qat");
}
