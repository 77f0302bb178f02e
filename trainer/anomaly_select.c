/* SPDX-License-Identifier: MIT */
/* anomaly_select.c -- the default anomaly model's space and centroids (docs/model.md, "Anomaly
 * model"): by the budget the classifier leaves, in the order of the left-out-class ROC AUC measured
 * on ei-xiao-gestures (docs/benchmarks.md, bench_anomaly, seeds 1-3, the worst class):
 *   the input, 8 centroids          0.970 / 0.974 / 0.987   (8 x features x 2 bytes)
 *   the first hidden layer, 4       0.963 / 0.936 / 0.944
 *   the first hidden layer, per class 0.958 / 0.935 / 0.941
 *   the input, 4                    0.879
 *   the first hidden layer, 8       0.867 / 0.952 / 0.910
 *   the input, per class            (not measured: last)
 * The first candidate whose classifier firmware fits the budget is taken; when none fits, the
 * cheapest (the caller decides whether an over-budget model is wanted). The user's --anomaly-layer /
 * --anomaly-k pin either.
 * Cross-validation was tried and dropped: the leave-one-class-out AUC on held-out folds of the
 * training windows is about 1.0 on the hidden layer for every class (the network was trained on the
 * class left out, so its hidden layer separates it) and on the input it did not follow the
 * measured left-out AUC (worst class 0.75-0.99 against 0.97-1.0), so it chose badly (updown left
 * out: 0.935-0.948 against 0.97 for the order above). */
#include "trainer_int.h"

int tr_anomaly_choose(const struct tr_model *m, const struct tr_options *o, const struct tr_budget *b,
                      struct tr_anomaly_choice *ch, int max_ch, int *n_ch)
{
    const int nh = m->n_layers - 1;
    int hid[TR_MAX_HIDDEN] = {0};
    for (int i = 0; i < nh; i++) hid[i] = m->sizes[i + 1];
    static const int order[][2] = {{0, 8}, {1, 4}, {1, 0}, {0, 4}, {1, 8}, {0, 0}}; /* layer, k (0: per class) */
    const int method = o->anomaly > 0 ? o->anomaly : TR_ANOM_GAUSS;
    const int pin_layer = o->anomaly_layer >= 0 ? (o->anomaly_layer <= nh ? o->anomaly_layer : nh) : -1;
    int cand[6][2], nc = 0; /* the order, restricted to what the user pinned */
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        int layer = order[i][0], k = order[i][1];
        if (pin_layer >= 0 && (layer != 0) != (pin_layer != 0)) continue;
        if (pin_layer >= 0) layer = pin_layer;
        if (o->anomaly_k >= 0) k = o->anomaly_k;
        int dup = 0;
        for (int c = 0; c < nc; c++) dup |= cand[c][0] == layer && cand[c][1] == k;
        if (!dup) { cand[nc][0] = layer; cand[nc][1] = k; nc++; }
    }
    int n = 0, best = -1;
    for (int i = 0; i < nc && n < max_ch; i++) {
        const int layer = cand[i][0], k = cand[i][1];
        if (layer > nh) continue;
        struct tr_anomaly_choice *c = &ch[n];
        c->layer = layer;
        c->k = k;
        struct tr_options t = *o;
        t.anomaly = method;
        t.anomaly_layer = layer;
        t.anomaly_k = k;
        tr_cost_predict(m, nh, hid, &c->cost);
        tr_cost_add_anomaly(m, nh, hid, &t, &c->cost);
        c->fits = tr_cost_fits(&c->cost, b);
        if (best < 0 && c->fits) best = n;
        n++;
    }
    if (best < 0 && n > 0) { /* none fits: the cheapest, the nearest to fitting */
        best = 0;
        for (int j = 1; j < n; j++)
            if (ch[j].cost.flash < ch[best].cost.flash) best = j;
    }
    *n_ch = n;
    return best;
}
