/* SPDX-License-Identifier: MIT */
/* plot.c -- an SVG with the training curves (loss, training and validation accuracy per epoch)
 * and the confusion matrix. */
#include "trainer_int.h"

#include <stdlib.h>
#include <string.h>

static void esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else if (*s == '"') fputs("&quot;", f);
        else fputc(*s, f);
    }
}

static void polyline(FILE *f, const float *v, int n, float lo, float hi, int x0, int y0, int w, int h,
                     const char *color)
{
    if (n < 1) return;
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", color);
    for (int i = 0; i < n; i++) {
        float t = hi > lo ? (v[i] - lo) / (hi - lo) : 0.5f;
        if (t < 0) t = 0;
        if (t > 1) t = 1;
        double x = x0 + (n > 1 ? (double)i * w / (n - 1) : w / 2.0);
        fprintf(f, "%.1f,%.1f ", x, y0 + h - t * h);
    }
    fprintf(f, "\"/>\n");
}

int tr_plot_svg(const struct tr_model *m, const int *conf, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    const int W = 900, H = 420, n = m->n_labels;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    /* curves */
    int x0 = 50, y0 = 40, w = 380, h = 300;
    fprintf(f, "<text x=\"%d\" y=\"24\" font-size=\"14\">Training (model %08x)</text>\n", x0, m->hash);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n", x0, y0, w, h);
    float lmax = 0;
    for (int i = 0; i < m->n_epochs; i++) if (m->curve_loss[i] > lmax) lmax = m->curve_loss[i];
    if (m->n_epochs > 0) {
        polyline(f, m->curve_loss, m->n_epochs, 0, lmax, x0, y0, w, h, "#d62728");
        polyline(f, m->curve_train_acc, m->n_epochs, 0, 1, x0, y0, w, h, "#1f77b4");
        if (m->curve_val_acc[0] >= 0) polyline(f, m->curve_val_acc, m->n_epochs, 0, 1, x0, y0, w, h, "#2ca02c");
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\">epoch 1..%d</text>\n", x0 + w / 2 - 30, y0 + h + 18, m->n_epochs);
    fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#d62728\">loss (0..%.3g)</text>\n", x0, y0 + h + 40, lmax);
    fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#1f77b4\">train accuracy (0..1)</text>\n", x0 + 110, y0 + h + 40);
    fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#2ca02c\">validation accuracy</text>\n", x0 + 260, y0 + h + 40);
    /* confusion */
    int cx = 520, cy = 70, cs = n > 0 ? 300 / n : 30;
    fprintf(f, "<text x=\"%d\" y=\"24\" font-size=\"14\">Confusion, int8 (rows true, columns predicted)</text>\n", cx - 40);
    int maxc = 1;
    for (int i = 0; i < n * n; i++) if (conf[i] > maxc) maxc = conf[i];
    for (int r = 0; r < n; r++) {
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", cx - 4, cy + r * cs + cs / 2 + 4);
        esc(f, m->labels[r]);
        fprintf(f, "</text>\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", cx + r * cs + cs / 2, cy - 6);
        esc(f, m->labels[r]);
        fprintf(f, "</text>\n");
        for (int c = 0; c < n; c++) {
            int v = conf[r * n + c], shade = 255 - (int)(200.0 * v / maxc);
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"rgb(%d,%d,255)\" stroke=\"#ccc\"/>\n",
                    cx + c * cs, cy + r * cs, cs, cs, shade, shade);
            fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", cx + c * cs + cs / 2,
                    cy + r * cs + cs / 2 + 4, v);
        }
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\">float accuracy %.4f, int8 %.4f</text>\n", cx, cy + n * cs + 24, m->acc_float,
            m->acc_int8);
    fprintf(f, "</svg>\n");
    return fclose(f);
}
