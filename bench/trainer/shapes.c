/* SPDX-License-Identifier: MIT */
/* shapes.c -- air-drawn digits by synthetic people, see shapes.h. */
#include "shapes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const DIGITS[10] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
static const char *const AXES[3] = {"accX", "accY", "accZ"};
static const double PI = 3.14159265358979323846;

/* ---- deterministic helpers: splitmix64, uniform, approximate normal, sin/cos/exp ---- */

static uint64_t sm(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double uni(uint64_t *s, double a, double b) { return a + (b - a) * (double)(sm(s) >> 11) * (1.0 / 9007199254740992.0); }
static double gauss(uint64_t *s) /* Irwin-Hall: sum of 12 uniforms - 6 */
{
    double v = -6.0;
    for (int i = 0; i < 12; i++) v += uni(s, 0, 1);
    return v;
}

static double dsin(double x)
{
    double n = (double)(long long)(x / (2 * PI) + (x >= 0 ? 0.5 : -0.5));
    x -= n * 2 * PI; /* [-pi, pi] */
    if (x > PI / 2) x = PI - x;
    else if (x < -PI / 2) x = -PI - x;
    double x2 = x * x, term = x, sum = x;
    for (int k = 1; k <= 11; k++) {
        term = term * -x2 / (double)((2 * k) * (2 * k + 1));
        sum += term;
    }
    return sum;
}
static double dcos(double x) { return dsin(x + PI / 2); }
static double dexp_neg(double x) /* e^x for x <= 0 */
{
    if (x < -700) return 0;
    double y = x / 1024.0, term = 1, sum = 1;
    for (int k = 1; k <= 8; k++) { term *= y / k; sum += term; }
    for (int k = 0; k < 10; k++) sum *= sum;
    return sum;
}

/* ---- digit paths ---- */

struct path {
    int n, cap;
    double *x, *y;
};

static void pt(struct path *p, double x, double y)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 256;
        p->x = realloc(p->x, sizeof(double) * (size_t)p->cap);
        p->y = realloc(p->y, sizeof(double) * (size_t)p->cap);
        if (!p->x || !p->y) { fprintf(stderr, "shapes: out of memory\n"); exit(1); }
    }
    p->x[p->n] = x;
    p->y[p->n] = y;
    p->n++;
}

static void line(struct path *p, double x, double y)
{
    if (p->n == 0) { pt(p, x, y); return; }
    double x0 = p->x[p->n - 1], y0 = p->y[p->n - 1];
    for (int k = 1; k <= 20; k++) pt(p, x0 + (x - x0) * k / 20.0, y0 + (y - y0) * k / 20.0);
}

/* elliptic arc from angle a0 to a1 (degrees; a1 < a0 is clockwise), joined by a line */
static void arc(struct path *p, double cx, double cy, double rx, double ry, double a0, double a1)
{
    int n = (int)(a1 > a0 ? a1 - a0 : a0 - a1) / 4 + 2;
    for (int k = 0; k <= n; k++) {
        double a = (a0 + (a1 - a0) * k / n) * PI / 180.0;
        double x = cx + rx * dcos(a), y = cy + ry * dsin(a);
        if (k == 0) line(p, x, y);
        else pt(p, x, y);
    }
}

static void digit_path(int d, struct path *p)
{
    p->n = 0;
    switch (d) {
    case 0: arc(p, 0.5, 0.5, 0.32, 0.48, 95, 455); break;
    case 1: line(p, 0.3, 0.75); line(p, 0.55, 1.0); line(p, 0.55, 0.0); break;
    case 2: arc(p, 0.5, 0.7, 0.3, 0.28, 160, -20); line(p, 0.15, 0.0); line(p, 0.85, 0.0); break;
    case 3: arc(p, 0.47, 0.75, 0.28, 0.23, 150, -90); arc(p, 0.47, 0.27, 0.32, 0.27, 90, -150); break;
    case 4: line(p, 0.6, 1.0); line(p, 0.12, 0.35); line(p, 0.88, 0.35); line(p, 0.68, 0.7); line(p, 0.68, 0.0); break;
    case 5: line(p, 0.8, 1.0); line(p, 0.28, 1.0); line(p, 0.24, 0.58); arc(p, 0.5, 0.32, 0.3, 0.3, 120, -150); break;
    case 6: line(p, 0.72, 0.98); line(p, 0.3, 0.45); arc(p, 0.5, 0.28, 0.24, 0.26, 160, 520); break;
    case 7: line(p, 0.12, 1.0); line(p, 0.88, 1.0); line(p, 0.38, 0.0); break;
    case 8:
        arc(p, 0.5, 0.76, 0.2, 0.22, 30, 270);
        arc(p, 0.5, 0.28, 0.26, 0.26, 90, -270);
        arc(p, 0.5, 0.76, 0.2, 0.22, 270, 390);
        break;
    default: arc(p, 0.45, 0.72, 0.25, 0.26, 10, 370); line(p, 0.7, 0.0); break;
    }
}

/* ---- people ---- */

struct person {
    double T, size, aspect, slant, rot, yaw, pitch, roll, sigma, tremor, tremor_hz, noise;
};

static void make_person(uint64_t *s, struct person *q)
{
    q->T = uni(s, 0.9, 1.5);
    q->size = uni(s, 0.15, 0.35);
    q->aspect = uni(s, 0.75, 1.25);
    q->slant = uni(s, -0.25, 0.25);
    q->rot = uni(s, -15, 15);
    q->yaw = uni(s, -40, 40);
    q->pitch = uni(s, -30, 30);
    q->roll = uni(s, -30, 30);
    q->sigma = uni(s, 0.03, 0.07);
    q->tremor = uni(s, 0.005, 0.03);
    q->tremor_hz = uni(s, 7, 12);
    q->noise = uni(s, 0.01, 0.03);
}

/* rotation matrix from yaw (z), pitch (y), roll (x) in degrees: R = Rz Ry Rx */
static void rotation(double yaw, double pitch, double roll, double R[9])
{
    double a = yaw * PI / 180, b = pitch * PI / 180, c = roll * PI / 180;
    double ca = dcos(a), sa = dsin(a), cb = dcos(b), sb = dsin(b), cc = dcos(c), sc = dsin(c);
    R[0] = ca * cb; R[1] = ca * sb * sc - sa * cc; R[2] = ca * sb * cc + sa * sc;
    R[3] = sa * cb; R[4] = sa * sb * sc + ca * cc; R[5] = sa * sb * cc - ca * sc;
    R[6] = -sb;     R[7] = cb * sc;                R[8] = cb * cc;
}

/* one recording: n samples x 3 axes into v */
static void draw(uint64_t *s, const struct person *q, const struct path *base, double rate, int n, float *v,
                 double knocks)
{
    /* this repetition */
    double T = q->T * uni(s, 0.88, 1.12), size = q->size * uni(s, 0.9, 1.1);
    double rot = (q->rot + uni(s, -5, 5)) * PI / 180, cr = dcos(rot), sr = dsin(rot);
    double w1 = uni(s, -0.04, 0.04), w2 = uni(s, -0.04, 0.04), ph1 = uni(s, 0, 2 * PI), ph2 = uni(s, 0, 2 * PI);
    double depth = uni(s, -0.03, 0.03) * size / 0.25, dph = uni(s, 0, 2 * PI);
    double R[9];
    /* (one draw per statement: the order of evaluation of arguments is unspecified in C) */
    double yaw = q->yaw + uni(s, -8, 8);
    double pitch = q->pitch + uni(s, -8, 8);
    double roll = q->roll + uni(s, -8, 8);
    rotation(yaw, pitch, roll, R);
    const double secs = n / rate;
    double t0 = uni(s, 0.1, secs - T - 0.1 > 0.1 ? secs - T - 0.1 : 0.1);
    /* the warped, scaled, slanted, rotated path and its cumulative length */
    const int np = base->n;
    double *px = malloc(sizeof(double) * (size_t)np), *py = malloc(sizeof(double) * (size_t)np);
    double *cum = malloc(sizeof(double) * (size_t)np);
    double *P = malloc(sizeof(double) * 3 * (size_t)n), *S = malloc(sizeof(double) * 3 * (size_t)n);
    if (!px || !py || !cum || !P || !S) { fprintf(stderr, "shapes: out of memory\n"); exit(1); }
    for (int i = 0; i < np; i++) {
        double x = base->x[i] + w1 * dsin(PI * base->y[i] + ph1), y = base->y[i] + w2 * dsin(PI * base->x[i] + ph2);
        x = (x - 0.5) * q->aspect + q->slant * (y - 0.5);
        y = y - 0.5;
        px[i] = size * (cr * x - sr * y);
        py[i] = size * (sr * x + cr * y);
        cum[i] = i ? cum[i - 1] + __builtin_sqrt((px[i] - px[i - 1]) * (px[i] - px[i - 1]) +
                                                 (py[i] - py[i - 1]) * (py[i] - py[i - 1])) : 0;
    }
    const double L = cum[np - 1];
    /* positions (world: x right, y depth, z up) with a minimum-jerk speed profile */
    int seg = 0;
    for (int t = 0; t < n; t++) {
        double tau = (t / rate - t0) / T;
        tau = tau < 0 ? 0 : tau > 1 ? 1 : tau;
        double d = L * tau * tau * tau * (10 - 15 * tau + 6 * tau * tau);
        while (seg < np - 2 && cum[seg + 1] < d) seg++;
        while (seg > 0 && cum[seg] > d) seg--;
        double len = cum[seg + 1] - cum[seg], f = len > 0 ? (d - cum[seg]) / len : 0;
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        P[3 * t + 0] = px[seg] + f * (px[seg + 1] - px[seg]);
        P[3 * t + 1] = depth * dsin(2 * PI * tau + dph) * (tau > 0 && tau < 1);
        P[3 * t + 2] = py[seg] + f * (py[seg + 1] - py[seg]);
    }
    /* the hand is smooth: Gaussian smoothing (edges held) */
    const double sg = q->sigma * rate;
    const int hw = (int)(3 * sg) + 1;
    double kern[512];
    int kw = hw < 255 ? hw : 255;
    double ks = 0;
    for (int k = -kw; k <= kw; k++) ks += kern[k + kw] = dexp_neg(-0.5 * k * k / (sg * sg));
    for (int t = 0; t < n; t++)
        for (int a = 0; a < 3; a++) {
            double acc = 0;
            for (int k = -kw; k <= kw; k++) {
                int u = t + k < 0 ? 0 : t + k >= n ? n - 1 : t + k;
                acc += kern[k + kw] * P[3 * u + a];
            }
            S[3 * t + a] = acc / ks;
        }
    /* acceleration in g, gravity (+1 g up), into the device frame (R^T), tremor and noise */
    double ph[3];
    for (int a = 0; a < 3; a++) ph[a] = uni(s, 0, 2 * PI);
    for (int t = 0; t < n; t++) {
        double aw[3];
        for (int a = 0; a < 3; a++) {
            int tm = t > 0 ? t - 1 : 0, tp = t < n - 1 ? t + 1 : n - 1;
            aw[a] = (S[3 * tp + a] - 2 * S[3 * t + a] + S[3 * tm + a]) * rate * rate / 9.80665;
        }
        aw[2] += 1.0;
        for (int a = 0; a < 3; a++) {
            double dv = R[0 + a] * aw[0] + R[3 + a] * aw[1] + R[6 + a] * aw[2];
            dv += q->tremor * dsin(2 * PI * q->tremor_hz * t / rate + ph[a]) + q->noise * gauss(s);
            v[3 * t + a] = (float)dv;
        }
    }
    /* a knock: a Gaussian pulse of 20 ms in a random direction */
    if (uni(s, 0, 1) < knocks) {
        double amp = uni(s, 3, 8), at = uni(s, 0.1, secs - 0.1), dir[3], nn = 0;
        for (int a = 0; a < 3; a++) { dir[a] = gauss(s); nn += dir[a] * dir[a]; }
        nn = __builtin_sqrt(nn) + 1e-12;
        for (int t = 0; t < n; t++) {
            double u = (t / rate - at) / 0.01;
            if (u * u > 30) continue;
            double e = amp * dexp_neg(-0.5 * u * u);
            for (int a = 0; a < 3; a++) v[3 * t + a] += (float)(e * dir[a] / nn);
        }
    }
    free(px); free(py); free(cum); free(P); free(S);
}

void shapes_default(struct shapes_config *c)
{
    c->n_people = 8;
    c->reps = 12;
    c->rate_hz = 100;
    c->seconds = 2.0;
    c->seed = 1;
    c->knocks = 0;
}

int shapes_generate(const struct shapes_config *c, struct shapes_data *d)
{
    memset(d, 0, sizeof *d);
    const int n = c->n_people * 10 * c->reps, ns = (int)(c->seconds * c->rate_hz + 0.5);
    if (n <= 0 || ns < 16) return -1;
    d->rec = calloc((size_t)n, sizeof *d->rec);
    d->person = calloc((size_t)n, sizeof(int));
    d->rep = calloc((size_t)n, sizeof(int));
    if (!d->rec || !d->person || !d->rep) return -1;
    d->n_people = c->n_people;
    struct path base[10];
    memset(base, 0, sizeof base);
    for (int g = 0; g < 10; g++) digit_path(g, &base[g]);
    int k = 0;
    for (int p = 0; p < c->n_people; p++) {
        uint64_t s = 0x5ea9e5ull * 1000003u + (uint64_t)c->seed * 7919u + (uint64_t)p * 104729u;
        struct person q;
        make_person(&s, &q);
        for (int g = 0; g < 10; g++)
            for (int r = 0; r < c->reps; r++, k++) {
                struct tr_recording *t = &d->rec[k];
                float *v = malloc(sizeof(float) * 3 * (size_t)ns);
                if (!v) return -1;
                draw(&s, &q, &base[g], c->rate_hz, ns, v, c->knocks);
                t->label = DIGITS[g];
                t->category = TR_TRAINING;
                t->rate_hz = c->rate_hz;
                t->n_axes = 3;
                for (int a = 0; a < 3; a++) t->axes[a] = AXES[a];
                t->n_samples = ns;
                t->values = v;
                d->person[k] = p;
                d->rep[k] = r;
            }
    }
    for (int g = 0; g < 10; g++) { free(base[g].x); free(base[g].y); }
    d->n = n;
    d->ds.n = n;
    d->ds.rec = d->rec;
    return 0;
}

void shapes_free(struct shapes_data *d)
{
    for (int i = 0; i < d->n; i++) free((void *)d->rec[i].values);
    free(d->rec);
    free(d->person);
    free(d->rep);
    memset(d, 0, sizeof *d);
}

void shapes_split_people(struct shapes_data *d, const char *held)
{
    for (int i = 0; i < d->n; i++) d->rec[i].category = held[d->person[i]] ? TR_TESTING : TR_TRAINING;
}

void shapes_split_reps(struct shapes_data *d, int k)
{
    for (int i = 0; i < d->n; i++) d->rec[i].category = d->rep[i] % k == k - 1 ? TR_TESTING : TR_TRAINING;
}

int shapes_write_csv(const struct shapes_data *d, const char *dir)
{
    char path[4096];
    if (mkdir(dir, 0777) && errno != EEXIST) return -1;
    for (int i = 0; i < d->n; i++) {
        const struct tr_recording *r = &d->rec[i];
        snprintf(path, sizeof path, "%s/person%d", dir, d->person[i]);
        if (mkdir(path, 0777) && errno != EEXIST) return -1;
        snprintf(path, sizeof path, "%s/person%d/%s.p%d.r%d.csv", dir, d->person[i], r->label, d->person[i], d->rep[i]);
        FILE *f = fopen(path, "w");
        if (!f) return -1;
        fprintf(f, "timestamp,accX,accY,accZ\n");
        for (int t = 0; t < r->n_samples; t++)
            fprintf(f, "%.3f,%.6f,%.6f,%.6f\n", 1000.0 * t / r->rate_hz, (double)r->values[3 * t],
                    (double)r->values[3 * t + 1], (double)r->values[3 * t + 2]);
        if (fclose(f)) return -1;
    }
    return 0;
}
