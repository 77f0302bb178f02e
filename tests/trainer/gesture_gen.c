/* SPDX-License-Identifier: MIT */
/* gesture_gen.c -- writes whole-gesture recordings by synthetic people as Edge Impulse CSV files,
 * for the gesture-mode end-to-end test (tests/trainer/gesture_e2e.sh).
 *
 *   gesture_gen DIR [--people N] [--reps N] [--rate HZ] [--seed N] [--stream]
 *
 * Classes come in pairs that stats and spectra cannot tell apart: circle_cw / circle_ccw and
 * swipe_left / swipe_right are mirror images, check / check_rev are time-reversals of each other.
 * Each person has a speed (a gesture lasts 0.8-2.5 s), a size, a tilt of the wrist (gravity), a
 * sensor rotation and a noise level; each repetition varies speed and size a little. A recording
 * is rest (0.2-0.5 s), the gesture, rest. Files go to DIR/p<k>/<label>.p<k>_<rep>.csv (header
 * timestamp,accX,accY,accZ; ms; g), one folder per person for `imulab import --subject`.
 * --stream writes instead one long recording per person and label with 4 gestures and rest
 * between them (for the segmenter). Deterministic (splitmix64, libm sin/cos/sqrt).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const LABELS[] = {"circle_cw", "circle_ccw", "swipe_left", "swipe_right", "check", "check_rev"};
#define N_LABELS 6
#define MAXN 20000

static uint64_t sm(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double uni(uint64_t *s, double a, double b) { return a + (b - a) * (double)(sm(s) >> 11) * (1.0 / 9007199254740992.0); }
static double gauss(uint64_t *s)
{
    double v = -6.0;
    for (int i = 0; i < 12; i++) v += uni(s, 0, 1);
    return v;
}

struct person {
    double dur, size, tilt_x, tilt_y, noise, R[9];
};

/* Minimum-jerk progress 0..1 for u in 0..1. */
static double mj(double u) { return u * u * u * (10 - 15 * u + 6 * u * u); }

/* Pen position (x, y) of gesture g at progress p in 0..1 (metres). */
static void path(int g, double p, double *x, double *y)
{
    const double PI = 3.14159265358979323846;
    switch (g) {
    case 0: *x = cos(2 * PI * p) - 1; *y = -sin(2 * PI * p); break; /* clockwise */
    case 1: *x = cos(2 * PI * p) - 1; *y = sin(2 * PI * p); break;  /* anticlockwise */
    case 2: *x = -2 * p; *y = 0.3 * sin(PI * p); break;
    case 3: *x = 2 * p; *y = 0.3 * sin(PI * p); break;
    case 4: case 5: { /* check: short stroke down-right, long stroke up-right; check_rev: reversed */
        double q = g == 4 ? p : 1 - p;
        if (q < 0.3) { *x = q / 0.3 * 0.5; *y = -q / 0.3 * 0.5; }
        else { *x = 0.5 + (q - 0.3) / 0.7 * 1.5; *y = -0.5 + (q - 0.3) / 0.7 * 2.0; }
        break;
    }
    }
}

static void make_person(uint64_t *s, struct person *q)
{
    q->dur = uni(s, 0.8, 2.5);
    q->size = uni(s, 0.15, 0.35);
    q->tilt_x = uni(s, -0.4, 0.4);
    q->tilt_y = uni(s, -0.4, 0.4);
    q->noise = uni(s, 0.01, 0.04);
    double a = uni(s, -0.3, 0.3), c = cos(a), sn = sin(a);
    double R[9] = {c, -sn, 0, sn, c, 0, 0, 0, 1};
    memcpy(q->R, R, sizeof R);
}

/* Append one gesture (with rest before and after) to v at n; returns the new n. */
static int gesture(uint64_t *s, const struct person *q, int g, double rate, float *v, int n)
{
    double dur = q->dur * uni(s, 0.85, 1.15), size = q->size * uni(s, 0.85, 1.15);
    int rest0 = (int)(uni(s, 0.2, 0.5) * rate), rest1 = (int)(uni(s, 0.2, 0.5) * rate);
    int ng = (int)(dur * rate);
    double dt = 1.0 / rate;
    for (int t = 0; t < rest0 + ng + rest1 && n < MAXN; t++, n++) {
        double ax = 0, ay = 0;
        if (t >= rest0 && t < rest0 + ng) {
            double u = (double)(t - rest0) / ng, h = 1.0 / ng;
            double x0, y0, x1, y1, x2, y2;
            path(g, mj(u - h < 0 ? 0 : u - h), &x0, &y0);
            path(g, mj(u), &x1, &y1);
            path(g, mj(u + h > 1 ? 1 : u + h), &x2, &y2);
            ax = size * (x2 - 2 * x1 + x0) / (dt * dt) / 9.81;
            ay = size * (y2 - 2 * y1 + y0) / (dt * dt) / 9.81;
        }
        double a[3] = {ax + q->tilt_x, ay + q->tilt_y, 1.0};
        for (int k = 0; k < 3; k++) {
            double r = q->R[3 * k] * a[0] + q->R[3 * k + 1] * a[1] + q->R[3 * k + 2] * a[2];
            v[3 * n + k] = (float)(r + q->noise * gauss(s));
        }
    }
    return n;
}

static int write_csv(const char *path, const float *v, int n, double rate)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "timestamp,accX,accY,accZ\n");
    for (int t = 0; t < n; t++)
        fprintf(f, "%.3f,%.5f,%.5f,%.5f\n", t * 1000.0 / rate, v[3 * t], v[3 * t + 1], v[3 * t + 2]);
    return fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help")) {
        fprintf(argc < 2 ? stderr : stdout, "usage: gesture_gen DIR [--people N] [--reps N] [--rate HZ] [--seed N] [--stream]\n");
        return argc < 2 ? 2 : 0;
    }
    const char *dir = argv[1];
    int people = 6, reps = 10, stream = 0;
    double rate = 50;
    unsigned seed = 1;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--people") && i + 1 < argc) people = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--rate") && i + 1 < argc) rate = atof(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--stream")) stream = 1;
        else { fprintf(stderr, "gesture_gen: bad argument '%s'\n", argv[i]); return 2; }
    }
    if (people < 1 || reps < 1 || !(rate >= 10 && rate <= 1000)) { fprintf(stderr, "gesture_gen: bad counts or rate\n"); return 2; }
    if (mkdir(dir, 0777) && errno != EEXIST) { fprintf(stderr, "gesture_gen: cannot create %s: %s\n", dir, strerror(errno)); return 1; }
    float *v = malloc(sizeof(float) * 3 * MAXN);
    if (!v) return 1;
    uint64_t s = 0x6e57u + seed;
    for (int p = 0; p < people; p++) {
        struct person q;
        make_person(&s, &q);
        char pd[4096], path[4200];
        snprintf(pd, sizeof pd, "%s/p%d", dir, p);
        if (mkdir(pd, 0777) && errno != EEXIST) { fprintf(stderr, "gesture_gen: cannot create %s\n", pd); return 1; }
        for (int g = 0; g < N_LABELS; g++) {
            if (stream) {
                int n = 0;
                for (int k = 0; k < 4; k++) n = gesture(&s, &q, g, rate, v, n);
                snprintf(path, sizeof path, "%s/%s.p%d_stream.csv", pd, LABELS[g], p);
                if (write_csv(path, v, n, rate)) { fprintf(stderr, "gesture_gen: cannot write %s\n", path); return 1; }
                continue;
            }
            for (int r = 0; r < reps; r++) {
                int n = gesture(&s, &q, g, rate, v, 0);
                snprintf(path, sizeof path, "%s/%s.p%d_%d.csv", pd, LABELS[g], p, r);
                if (write_csv(path, v, n, rate)) { fprintf(stderr, "gesture_gen: cannot write %s\n", path); return 1; }
            }
        }
    }
    free(v);
    return 0;
}
