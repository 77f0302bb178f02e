/* SPDX-License-Identifier: MIT */
/* anomaly_cli.c -- the anomaly model in the CLI: fitting it after `imulab train` (by default when
 * the classifier firmware with it fits the device budgets; its space and centroids chosen by the
 * budget left, trainer/anomaly_select.c; for an anomaly-only model always, on the input), deciding
 * the firmware's on-device learning (--device-learn), scoring the testing recordings in `imulab
 * eval` (labels the model does not know are the anomalies: ROC AUC, detection rate and false-alarm
 * rate at the threshold) and the score histogram of `--plot`. */
#include "anomaly_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trainer_int.h"

int anom_train(struct tr_model *m, const struct tr_dataset *known, const struct tr_options *o,
               const struct tr_budget *b, FILE *out, char *err, size_t errlen)
{
    const int only = m->n_labels == 1; /* anomaly-only mode: the anomaly model is the model */
    if (o->anomaly == TR_ANOM_NONE) {
        if (!only) return 0;
        snprintf(err, errlen, "anomaly-only mode (one label) needs an anomaly model: not --anomaly none");
        return -1;
    }
    int hid[TR_MAX_HIDDEN] = {0};
    const int nh = m->n_layers - 1;
    for (int k = 0; k < nh; k++) hid[k] = m->sizes[k + 1];
    const int method = o->anomaly < 0 ? TR_ANOM_GAUSS : o->anomaly;
    struct tr_windows tw;
    if (tr_make_windows(m, known, TR_TRAINING, &tw, err, errlen)) return -1;
    int layer = tr_anomaly_layer_for(o, nh), k = o->anomaly_k;
    if (only) { /* no other class to cross-validate against: 4 centroids (docs/benchmarks.md, vibration) */
        if (k < 0) k = 4;
    } else if (o->anomaly_layer < 0 || k < 0) { /* the space and centroids by the budget left (anomaly_select.c) */
        struct tr_anomaly_choice ch[6];
        int n_ch = 0, best = tr_anomaly_choose(m, o, b, ch, 6, &n_ch);
        if (best < 0) {
            tr_windows_free(&tw);
            snprintf(err, errlen, "anomaly model: no candidate for --anomaly-layer %d", o->anomaly_layer);
            return -1;
        }
        if (out) {
            fprintf(out, "anomaly model candidates (in the order of their measured left-out-class AUC; the "
                         "predicted firmware flash):");
            for (int i = 0; i < n_ch; i++) {
                char kd[16];
                snprintf(kd, sizeof kd, ch[i].k ? "%d" : "per class", ch[i].k);
                fprintf(out, "%s %s x %s %d B%s", i ? ";" : "", ch[i].layer ? "hidden" : "input", kd, ch[i].cost.flash,
                        ch[i].fits ? "" : " (over)");
            }
            fprintf(out, "\n");
        }
        if (o->anomaly < 0 && !ch[best].fits) {
            tr_windows_free(&tw);
            if (out)
                fprintf(out, "anomaly model: none (with the cheapest the classifier firmware would need about %d B of "
                             "flash, %d B of RAM, %d instructions: over the budget; --anomaly gauss adds it anyway)\n",
                        ch[best].cost.flash, ch[best].cost.ram, ch[best].cost.instructions);
            return 0;
        }
        layer = ch[best].layer;
        k = ch[best].k;
    }
    {
        struct tr_options t = *o;
        t.anomaly = method;
        t.anomaly_layer = layer;
        t.anomaly_k = k;
        struct tr_cost c;
        tr_cost_predict(m, nh, hid, &c);
        tr_cost_add_anomaly(m, nh, hid, &t, &c);
        if (!tr_cost_fits(&c, b)) {
            if (!only && o->anomaly < 0) {
                tr_windows_free(&tw);
                if (out)
                    fprintf(out, "anomaly model: none (with it the classifier firmware would need about %d B of flash, "
                                 "%d B of RAM, %d instructions: over the budget; --anomaly gauss adds it anyway)\n",
                            c.flash, c.ram, c.instructions);
                return 0;
            }
            if (out)
                fprintf(out, "warning: the firmware with this anomaly model would need about %d B of flash, %d B of "
                             "RAM, %d instructions: over the budget%s\n", c.flash, c.ram, c.instructions,
                        only ? " (fewer features, a shorter window or --anomaly-k)" : "");
        }
    }
    int rc = tr_anomaly_fit(m, &tw, known, method, layer, k, o->anomaly_far, 5, o->seed, err, errlen);
    tr_windows_free(&tw);
    if (rc && o->anomaly < 0 && !only) { /* the default: a model without one rather than no model */
        if (out) fprintf(out, "anomaly model: none (%s)\n", err);
        tr_anomaly_free(&m->anom);
        return 0;
    }
    if (rc) return -1;
    m->hash = tr_model_hash(m);
    if (out) {
        const struct tr_anomaly_model *a = &m->anom;
        fprintf(out, "anomaly model: %s, %d centroids on %s (%d values), threshold %u: %.2f%% of held-out "
                     "training windows above it (target %.2f%%, %d windows, 5 folds by recording)\n",
                tr_anomaly_method_name(a->method), a->k, a->layer ? "the first hidden layer" : "the network input",
                a->n_dim, a->threshold, 100 * a->cv_far, 100 * (double)a->far, a->cv_windows);
    }
    return 0;
}

int anom_evaluate(const struct tr_model *m, const struct tr_dataset *ds, const struct tr_windows *te,
                  struct anom_eval *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    struct tr_windows tu;
    if (tr_unknown_windows(m, ds, TR_TESTING, &tu, err, errlen)) return -1;
    r->n_known = te->n;
    r->n_unknown = tu.n;
    r->known = malloc(sizeof(uint32_t) * (size_t)(te->n + 1));
    r->unknown = malloc(sizeof(uint32_t) * (size_t)(tu.n + 1));
    if (!r->known || !r->unknown) {
        tr_windows_free(&tu);
        anom_eval_free(r);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int fa = 0, det = 0;
    const uint32_t th = m->anom.threshold;
    for (int i = 0; i < te->n; i++) fa += (r->known[i] = tr_anomaly_score(m, te->x + (size_t)i * te->n_feat)) > th;
    for (int i = 0; i < tu.n; i++) det += (r->unknown[i] = tr_anomaly_score(m, tu.x + (size_t)i * tu.n_feat)) > th;
    r->false_alarm = te->n ? (double)fa / te->n : 0;
    r->detect = tu.n ? (double)det / tu.n : -1;
    r->auc = tu.n && te->n ? tr_auc(r->known, te->n, r->unknown, tu.n) : -1;
    tr_windows_free(&tu);
    return 0;
}

void anom_eval_free(struct anom_eval *r)
{
    free(r->known);
    free(r->unknown);
    memset(r, 0, sizeof *r);
}

/* Bin of a score on a log scale from 1 to 2^32 in nb bins. */
static int bin_of(uint32_t s, int nb)
{
    double l = log2((double)s + 1.0) / 32.0;
    int b = (int)(l * nb);
    return b < 0 ? 0 : b >= nb ? nb - 1 : b;
}

int anom_plot_svg(const struct tr_model *m, const struct anom_eval *r, const char *path)
{
    enum { NB = 64, W = 640, H = 300, X0 = 50, Y0 = 250 };
    int hk[NB] = {0}, hu[NB] = {0}, lo = NB, hi = 0;
    for (int i = 0; i < r->n_known; i++) hk[bin_of(r->known[i], NB)]++;
    for (int i = 0; i < r->n_unknown; i++) hu[bin_of(r->unknown[i], NB)]++;
    const int bt = bin_of(m->anom.threshold, NB);
    int peak = 1;
    for (int b = 0; b < NB; b++) {
        if (hk[b] || hu[b] || b == bt) { if (b < lo) lo = b; if (b > hi) hi = b; }
        if (hk[b] > peak) peak = hk[b];
        if (hu[b] > peak) peak = hu[b];
    }
    if (lo > hi) lo = hi = 0;
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    const int nbins = hi - lo + 1;
    const double bw = (double)(W - X0 - 20) / nbins;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
               "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H);
    fprintf(f, "<text x=\"%d\" y=\"18\">anomaly scores of model %08x (log2 bins): known labels (%d, blue), "
               "unknown labels (%d, red)</text>\n", X0, m->hash, r->n_known, r->n_unknown);
    for (int b = lo; b <= hi; b++) {
        const double x = X0 + (b - lo) * bw;
        const double yk = (double)hk[b] / peak * (Y0 - 40), yu = (double)hu[b] / peak * (Y0 - 40);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#3366cc\" fill-opacity=\"0.6\"/>\n",
                x, Y0 - yk, bw, yk);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#cc3333\" fill-opacity=\"0.6\"/>\n",
                x, Y0 - yu, bw, yu);
    }
    const double xt = X0 + (bt - lo + 0.5) * bw;
    fprintf(f, "<line x1=\"%.1f\" y1=\"30\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\" stroke-dasharray=\"4\"/>\n", xt, xt, Y0);
    fprintf(f, "<text x=\"%.1f\" y=\"42\">threshold %u</text>\n", xt + 4, m->anom.threshold);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", X0, Y0, W - 20, Y0);
    fprintf(f, "<text x=\"%d\" y=\"%d\">score %.3g</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.3g</text>\n", X0,
            Y0 + 18, pow(2.0, 32.0 * lo / NB), W - 20, Y0 + 18, pow(2.0, 32.0 * (hi + 1) / NB));
    if (r->auc >= 0) fprintf(f, "<text x=\"%d\" y=\"%d\">ROC AUC %.4f</text>\n", X0, Y0 + 36, r->auc);
    fprintf(f, "</svg>\n");
    return fclose(f);
}

int anom_learn_decide(struct tr_model *m, const struct tr_options *o, const struct tr_budget *b, FILE *out)
{
    int hid[TR_MAX_HIDDEN] = {0};
    const int nh = m->n_layers - 1;
    for (int k = 0; k < nh; k++) hid[k] = m->sizes[k + 1];
    struct tr_cost c;
    tr_cost_predict(m, nh, hid, &c);
    m->device_learn = 0;
    tr_cost_add_model_anomaly(m, &c);
    const struct tr_cost without = c;
    tr_cost_add_learn(m, nh, hid, m->anom.method != TR_ANOM_NONE, &c);
    const int fits = tr_cost_fits(&c, b);
    m->device_learn = o->device_learn > 0 || (o->device_learn < 0 && fits);
    if (!out) return m->device_learn;
    if (m->device_learn)
        fprintf(out, "on-device learning (imulab device learn, the user button): on%s; the firmware with it: about %d B "
                     "of flash, %d B of RAM (+%d B, +%d B)%s\n", o->device_learn > 0 ? " (--device-learn on)" : ", it fits the budgets",
                c.flash, c.ram, c.flash - without.flash, c.ram - without.ram, fits ? "" : ": over the budget");
    else if (o->device_learn < 0)
        fprintf(out, "on-device learning: off (it would take the firmware to about %d B of flash, %d B of RAM: over the "
                     "budget; --device-learn on adds it anyway)\n", c.flash, c.ram);
    return m->device_learn;
}
