/* mlp.c -- the float dense network: mini-batch Adam, cross-entropy, L2, class weights, early
 * stopping, feature-noise augmentation. Deterministic for a given seed (own PRNG, fixed order). */
#include "trainer_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double tr_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint32_t tr_rand_u32(uint64_t *s) { return (uint32_t)(splitmix(s) >> 32); }
float tr_rand_uniform(uint64_t *s) { return (float)(splitmix(s) >> 40) * (1.0f / 16777216.0f); }

float tr_rand_normal(uint64_t *s)
{
    double u1 = ((double)(splitmix(s) >> 11) + 1.0) * (1.0 / 9007199254740993.0);
    double u2 = (double)(splitmix(s) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2));
}

void tr_random_rotation(uint64_t *s, float max_deg, float R[9])
{
    /* rotation by a random angle up to max_deg about a random axis (Rodrigues) */
    double ax[3], n = 0;
    for (int i = 0; i < 3; i++) { ax[i] = tr_rand_normal(s); n += ax[i] * ax[i]; }
    n = sqrt(n) + 1e-12;
    for (int i = 0; i < 3; i++) ax[i] /= n;
    double th = (2.0 * tr_rand_uniform(s) - 1.0) * max_deg * M_PI / 180.0, c = cos(th), si = sin(th);
    double x = ax[0], y = ax[1], z = ax[2];
    double M[9] = {c + x * x * (1 - c), x * y * (1 - c) - z * si, x * z * (1 - c) + y * si,
                   y * x * (1 - c) + z * si, c + y * y * (1 - c), y * z * (1 - c) - x * si,
                   z * x * (1 - c) - y * si, z * y * (1 - c) + x * si, c + z * z * (1 - c)};
    for (int i = 0; i < 9; i++) R[i] = (float)M[i];
}

/* Forward one sample through the float net; act[k] receives the layer-k activations (act[0] = z).
 * Returns the arg max; probs (optional) receives the softmax. */
static int forward(const struct tr_model *m, float *const *act, float *probs)
{
    for (int k = 0; k < m->n_layers; k++) {
        const int ni = m->sizes[k], no = m->sizes[k + 1];
        const float *in = act[k], *W = m->W[k];
        float *out = act[k + 1];
        for (int o = 0; o < no; o++) {
            const float *w = W + (size_t)o * ni;
            float s = 0;
            for (int i = 0; i < ni; i++) s += w[i] * in[i];
            s += m->B[k][o];
            out[o] = (k < m->n_layers - 1 && s < 0) ? 0 : s;
        }
    }
    const int nc = m->sizes[m->n_layers];
    const float *lg = act[m->n_layers];
    int best = 0;
    for (int c = 1; c < nc; c++)
        if (lg[c] > lg[best]) best = c;
    if (probs) {
        float sum = 0;
        for (int c = 0; c < nc; c++) { probs[c] = expf(lg[c] - lg[best]); sum += probs[c]; }
        for (int c = 0; c < nc; c++) probs[c] /= sum;
    }
    return best;
}

#define MAXW 1024
int tr_predict_float(const struct tr_model *m, const float *f, float *probs)
{
    float buf[TR_MAX_HIDDEN + 2][MAXW];
    float *act[TR_MAX_HIDDEN + 2];
    for (int k = 0; k <= m->n_layers; k++) act[k] = buf[k];
    for (int i = 0; i < m->n_feat; i++) buf[0][i] = (f[i] - m->feat_mean[i]) / m->feat_std[i];
    return forward(m, act, probs);
}

struct adam {
    float *m, *v;
};

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define TR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TR_CLONES
#endif

/* On x86-64 the training loop is also compiled for AVX2 and picked at run time; results then
 * depend on the machine (vector widths change the summation order) but not on the run. */
TR_CLONES
int tr_fit(struct tr_model *m, const struct tr_options *o, const struct tr_windows *tw)
{
    const int n = tw->n, nf = tw->n_feat, nc = m->n_labels;
    uint64_t rng = 0x5eed0000ull + o->seed;
    double t0 = tr_now();
    if (n <= 0 || nf <= 0 || nc < 2) return -1;
    /* layer sizes */
    m->n_layers = o->n_hidden + 1;
    m->sizes[0] = nf;
    for (int k = 0; k < o->n_hidden; k++) m->sizes[k + 1] = o->hidden[k];
    m->sizes[m->n_layers] = nc;
    for (int k = 0; k <= m->n_layers; k++)
        if (m->sizes[k] > MAXW) return -1;
    /* normalization */
    free(m->feat_mean);
    free(m->feat_std);
    m->feat_mean = calloc((size_t)nf, sizeof(float));
    m->feat_std = calloc((size_t)nf, sizeof(float));
    for (int i = 0; i < nf; i++) {
        double s = 0, s2 = 0;
        for (int r = 0; r < n; r++) s += tw->x[(size_t)r * nf + i];
        double mu = s / n;
        for (int r = 0; r < n; r++) { double d = tw->x[(size_t)r * nf + i] - mu; s2 += d * d; }
        double sd = sqrt(s2 / n);
        m->feat_mean[i] = (float)mu;
        m->feat_std[i] = (float)(sd > 1e-6 ? sd : 1.0);
    }
    float *Z = malloc(sizeof(float) * (size_t)n * (size_t)nf);
    for (int r = 0; r < n; r++)
        for (int i = 0; i < nf; i++)
            Z[(size_t)r * nf + i] = (tw->x[(size_t)r * nf + i] - m->feat_mean[i]) / m->feat_std[i];
    /* validation split by recording */
    char *is_val = calloc((size_t)n, 1);
    int n_val = 0;
    if (o->val_frac > 0) {
        int maxrec = 0;
        for (int r = 0; r < n; r++) if (tw->rec[r] + 1 > maxrec) maxrec = tw->rec[r] + 1;
        int *reclab = malloc(sizeof(int) * (size_t)maxrec);
        for (int i = 0; i < maxrec; i++) reclab[i] = -1;
        for (int r = 0; r < n; r++) reclab[tw->rec[r]] = tw->y[r];
        char *valrec = calloc((size_t)maxrec, 1);
        for (int c = 0; c < nc; c++) {
            int cnt = 0;
            for (int i = 0; i < maxrec; i++) cnt += reclab[i] == c;
            int take = (int)(cnt * o->val_frac + 0.5);
            if (cnt >= 2 && take < 1) take = 1;
            if (take >= cnt) take = cnt - 1;
            while (take > 0) {
                int pick = (int)(tr_rand_u32(&rng) % (uint32_t)cnt);
                for (int i = 0, seen = 0; i < maxrec; i++)
                    if (reclab[i] == c && seen++ == pick) {
                        if (!valrec[i]) { valrec[i] = 1; take--; }
                        break;
                    }
            }
        }
        for (int r = 0; r < n; r++) { is_val[r] = valrec[tw->rec[r]]; n_val += is_val[r]; }
        free(reclab);
        free(valrec);
    }
    int *idx = malloc(sizeof(int) * (size_t)n), n_tr = 0;
    int *vidx = malloc(sizeof(int) * (size_t)(n_val + 1)), nv = 0;
    for (int r = 0; r < n; r++) {
        if (is_val[r]) vidx[nv++] = r;
        else idx[n_tr++] = r;
    }
    /* class weights */
    float cw[TR_MAX_LABELS];
    {
        int cnt[TR_MAX_LABELS] = {0};
        for (int j = 0; j < n_tr; j++) cnt[tw->y[idx[j]]]++;
        for (int c = 0; c < nc; c++)
            cw[c] = (o->class_weights && cnt[c]) ? (float)n_tr / ((float)nc * (float)cnt[c]) : 1.0f;
    }
    /* parameters */
    size_t np = 0, off[TR_MAX_HIDDEN + 1];
    for (int k = 0; k < m->n_layers; k++) {
        off[k] = np;
        np += (size_t)m->sizes[k] * m->sizes[k + 1] + m->sizes[k + 1];
    }
    float *P = calloc(np, sizeof(float)), *G = calloc(np, sizeof(float));
    float *Am = calloc(np, sizeof(float)), *Av = calloc(np, sizeof(float));
    float *best = malloc(sizeof(float) * np);
    for (int k = 0; k < m->n_layers; k++) {
        const int ni = m->sizes[k], no = m->sizes[k + 1];
        float bound = sqrtf(6.0f / (float)(ni + no));
        for (int j = 0; j < ni * no; j++) P[off[k] + j] = bound * (2.0f * tr_rand_uniform(&rng) - 1.0f);
        for (int j = 0; j < no; j++) P[off[k] + (size_t)ni * no + j] = bound * (2.0f * tr_rand_uniform(&rng) - 1.0f);
    }
    for (int k = 0; k < m->n_layers; k++) {
        free(m->W[k]);
        free(m->B[k]);
        m->W[k] = NULL;
        m->B[k] = NULL;
    }
    /* point the model at P during training */
    struct tr_model tmp = *m;
    for (int k = 0; k < m->n_layers; k++) {
        tmp.W[k] = P + off[k];
        tmp.B[k] = P + off[k] + (size_t)m->sizes[k] * m->sizes[k + 1];
    }
    const int B = o->batch > 0 ? o->batch : 32;
    const int L = m->n_layers;
    /* per-batch activations and deltas */
    float *act[TR_MAX_HIDDEN + 2], *del[TR_MAX_HIDDEN + 2];
    for (int k = 0; k <= L; k++) {
        act[k] = malloc(sizeof(float) * (size_t)B * m->sizes[k]);
        del[k] = malloc(sizeof(float) * (size_t)B * m->sizes[k]);
    }
    float vbuf[TR_MAX_HIDDEN + 2][MAXW];
    float *vact[TR_MAX_HIDDEN + 2];
    for (int k = 0; k <= L; k++) vact[k] = vbuf[k];

    const int maxep = o->epochs > 0 ? o->epochs : 1;
    free(m->curve_loss); free(m->curve_train_acc); free(m->curve_val_acc);
    m->curve_loss = calloc((size_t)maxep, sizeof(float));
    m->curve_train_acc = calloc((size_t)maxep, sizeof(float));
    m->curve_val_acc = calloc((size_t)maxep, sizeof(float));
    const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    float b1t = 1, b2t = 1;
    double best_score = -1e30;
    int best_ep = 0, ep;
    memcpy(best, P, sizeof(float) * np);
    int tty = o->progress_bar;
    for (ep = 0; ep < maxep; ep++) {
        for (int j = n_tr - 1; j > 0; j--) {
            int r = (int)(tr_rand_u32(&rng) % (uint32_t)(j + 1));
            int t = idx[j]; idx[j] = idx[r]; idx[r] = t;
        }
        double loss_sum = 0;
        int correct = 0;
        for (int s0 = 0; s0 < n_tr; s0 += B) {
            const int bs = (n_tr - s0 < B) ? n_tr - s0 : B;
            memset(G, 0, sizeof(float) * np);
            float wsum = 0;
            for (int b = 0; b < bs; b++) wsum += cw[tw->y[idx[s0 + b]]];
            /* forward */
            for (int b = 0; b < bs; b++) {
                const float *z = Z + (size_t)idx[s0 + b] * nf;
                float *a0 = act[0] + (size_t)b * nf;
                if (o->aug_noise > 0)
                    for (int i = 0; i < nf; i++) a0[i] = z[i] + o->aug_noise * tr_rand_normal(&rng);
                else
                    memcpy(a0, z, sizeof(float) * nf);
            }
            for (int k = 0; k < L; k++) {
                const int ni = m->sizes[k], no = m->sizes[k + 1];
                const float *W = tmp.W[k], *bb = tmp.B[k];
                for (int b = 0; b < bs; b++) {
                    const float *in = act[k] + (size_t)b * ni;
                    float *out = act[k + 1] + (size_t)b * no;
                    for (int oo = 0; oo < no; oo++) {
                        const float *w = W + (size_t)oo * ni;
                        float s = 0;
                        for (int i = 0; i < ni; i++) s += w[i] * in[i];
                        s += bb[oo];
                        out[oo] = (k < L - 1 && s < 0) ? 0 : s;
                    }
                }
            }
            /* softmax + loss + output delta */
            for (int b = 0; b < bs; b++) {
                float *lg = act[L] + (size_t)b * nc, *d = del[L] + (size_t)b * nc;
                int y = tw->y[idx[s0 + b]], am = 0;
                for (int c = 1; c < nc; c++) if (lg[c] > lg[am]) am = c;
                correct += am == y;
                float sum = 0;
                for (int c = 0; c < nc; c++) { d[c] = expf(lg[c] - lg[am]); sum += d[c]; }
                float wgt = cw[y] / wsum;
                for (int c = 0; c < nc; c++) d[c] = d[c] / sum;
                loss_sum += -log(d[y] > 1e-12f ? d[y] : 1e-12f) * cw[y];
                d[y] -= 1.0f;
                for (int c = 0; c < nc; c++) d[c] *= wgt;
            }
            /* backward */
            for (int k = L - 1; k >= 0; k--) {
                const int ni = m->sizes[k], no = m->sizes[k + 1];
                float *gW = G + off[k], *gB = G + off[k] + (size_t)ni * no;
                const float *W = tmp.W[k];
                for (int b = 0; b < bs; b++) {
                    const float *d = del[k + 1] + (size_t)b * no, *in = act[k] + (size_t)b * ni;
                    for (int oo = 0; oo < no; oo++) {
                        const float dv = d[oo];
                        if (dv == 0) continue;
                        float *g = gW + (size_t)oo * ni;
                        for (int i = 0; i < ni; i++) g[i] += dv * in[i];
                        gB[oo] += dv;
                    }
                    if (k > 0) {
                        float *dp = del[k] + (size_t)b * ni;
                        memset(dp, 0, sizeof(float) * ni);
                        for (int oo = 0; oo < no; oo++) {
                            const float dv = d[oo];
                            if (dv == 0) continue;
                            const float *w = W + (size_t)oo * ni;
                            for (int i = 0; i < ni; i++) dp[i] += dv * w[i];
                        }
                        for (int i = 0; i < ni; i++) if (in[i] <= 0) dp[i] = 0;
                    }
                }
                if (o->l2 > 0)
                    for (int j = 0; j < ni * no; j++) gW[j] += o->l2 * W[j];
            }
            /* Adam */
            b1t *= b1;
            b2t *= b2;
            const float lr = o->lr * sqrtf(1.0f - b2t) / (1.0f - b1t);
            for (size_t j = 0; j < np; j++) {
                float g = G[j];
                Am[j] = b1 * Am[j] + (1 - b1) * g;
                Av[j] = b2 * Av[j] + (1 - b2) * g * g;
                P[j] -= lr * Am[j] / (sqrtf(Av[j]) + eps);
            }
        }
        float tr_acc = (float)correct / (float)n_tr;
        float vacc = -1;
        double vloss = 0;
        if (nv > 0) {
            int vc = 0;
            for (int j = 0; j < nv; j++) {
                memcpy(vbuf[0], Z + (size_t)vidx[j] * nf, sizeof(float) * nf);
                float pr[TR_MAX_LABELS];
                int y = tw->y[vidx[j]];
                vc += forward(&tmp, vact, pr) == y;
                vloss += -log(pr[y] > 1e-12f ? pr[y] : 1e-12f);
            }
            vacc = (float)vc / (float)nv;
            vloss /= nv;
        }
        m->curve_loss[ep] = (float)(loss_sum / n_tr);
        m->curve_train_acc[ep] = tr_acc;
        m->curve_val_acc[ep] = vacc;
        double score = nv > 0 ? vacc - 0.01 * vloss : -loss_sum / n_tr;
        if (score > best_score + 1e-6) {
            best_score = score;
            best_ep = ep;
            memcpy(best, P, sizeof(float) * np);
        }
        if (o->verbose && o->progress_out) {
            FILE *f = o->progress_out;
            if (tty) {
                int w = 30, fill = (ep + 1) * w / maxep;
                fprintf(f, "\r[");
                for (int i = 0; i < w; i++) fputc(i < fill ? '#' : '.', f);
                fprintf(f, "] epoch %3d/%d loss %.4f train %.3f", ep + 1, maxep, m->curve_loss[ep], tr_acc);
                if (nv > 0) fprintf(f, " val %.3f", vacc);
                fflush(f);
            } else {
                fprintf(f, "epoch %d loss %.4f train_acc %.4f", ep + 1, m->curve_loss[ep], tr_acc);
                if (nv > 0) fprintf(f, " val_acc %.4f", vacc);
                fputc('\n', f);
            }
        }
        if (o->patience > 0 && ep - best_ep >= o->patience) { ep++; break; }
    }
    if (o->verbose && o->progress_out && tty) fputc('\n', o->progress_out);
    m->n_epochs = ep;
    m->best_epoch = best_ep + 1;
    m->val_acc_float = nv > 0 ? m->curve_val_acc[best_ep] : -1;
    if (!(nv > 0 || o->patience > 0)) memcpy(best, P, sizeof(float) * np);
    for (int k = 0; k < L; k++) {
        size_t nw = (size_t)m->sizes[k] * m->sizes[k + 1];
        m->W[k] = malloc(sizeof(float) * nw);
        m->B[k] = malloc(sizeof(float) * m->sizes[k + 1]);
        memcpy(m->W[k], best + off[k], sizeof(float) * nw);
        memcpy(m->B[k], best + off[k] + nw, sizeof(float) * m->sizes[k + 1]);
    }
    for (int k = 0; k <= L; k++) { free(act[k]); free(del[k]); }
    free(P); free(G); free(Am); free(Av); free(best);
    free(Z); free(is_val); free(idx); free(vidx);
    m->train_seconds = tr_now() - t0;
    return 0;
}
