/* SPDX-License-Identifier: MIT */
/* vibsim.c -- a motor's vibration as a 3-axis accelerometer sees it on its housing.
 *
 * Healthy: the rotation's 1x, 2x and 3x harmonics on the two radial axes (y 90 degrees behind x,
 * the axial axis a third of them), with per-recording spread of speed and amplitudes, phases at
 * random, white noise, and 1 g of gravity on the axial axis. Faults (amplitude a in g):
 *   - imbalance: a more of 1x on the radial axes (the rotating heavy spot);
 *   - looseness: the half order and the 2x..6x harmonics (a / k at order k), plus a clipped
 *     1x (the structure hitting its stops) of a/2;
 *   - bearing outer-race defect: an impact every 1 / (bpfo * rotation) s ringing at the housing's
 *     resonance (decay time 4 ms), peak a, on both radial axes.
 * The fault amplitude may ramp linearly over a recording (a developing fault). */
#include "vibsim.h"

#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

void vib_default(struct vib_config *c)
{
    c->rate_hz = 1024;
    c->rot_hz = 24.7;
    c->speed_spread = 0.03;
    c->amp_spread = 0.15;
    c->h1 = 0.10;
    c->h2 = 0.04;
    c->h3 = 0.02;
    c->noise = 0.02;
    c->bpfo = 3.58;
    c->resonance_hz = 310;
    c->scale = 1.0f / 4096;
}

const char *vib_fault_name(int fault)
{
    static const char *const n[] = {"normal", "imbalance", "looseness", "bearing"};
    return fault >= 0 && fault < VIB_N_FAULTS ? n[fault] : "?";
}

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double uni(uint64_t *s) { return (double)(next(s) >> 11) * (1.0 / 9007199254740992.0); }
static double gauss(uint64_t *s)
{
    double u = uni(s) + 1e-300, v = uni(s);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static int16_t to_i16(double g, float scale)
{
    double q = g / scale;
    q = q >= 0 ? floor(q + 0.5) : -floor(-q + 0.5);
    return (int16_t)(q > 32767 ? 32767 : q < -32768 ? -32768 : q);
}

void vib_recording(const struct vib_config *c, int fault, double amp, double amp_end, int n, int16_t *out,
                   uint64_t *rng)
{
    const double f = c->rot_hz * (1 + c->speed_spread * (2 * uni(rng) - 1));
    double h[4] = {0, c->h1, c->h2, c->h3}, ph[8];
    for (int k = 1; k <= 3; k++) h[k] *= 1 + c->amp_spread * (2 * uni(rng) - 1);
    for (int k = 0; k < 8; k++) ph[k] = 2 * M_PI * uni(rng);
    const double impact_period = 1.0 / (c->bpfo * f), tau = 0.004;
    for (int t = 0; t < n; t++) {
        const double ts = t / c->rate_hz, th = 2 * M_PI * f * ts;
        const double a = n > 1 ? amp + (amp_end - amp) * t / (n - 1) : amp;
        double x = 0, y = 0, z = 0;
        for (int k = 1; k <= 3; k++) {
            x += h[k] * sin(k * th + ph[k]);
            y += h[k] * sin(k * th + ph[k] - M_PI / 2);
        }
        z = (x + y) / 3;
        switch (fault) {
        case VIB_IMBALANCE:
            x += a * sin(th + ph[1]);
            y += a * sin(th + ph[1] - M_PI / 2);
            break;
        case VIB_LOOSENESS: {
            double l = a / 2 * sin(0.5 * th + ph[4]);
            for (int k = 2; k <= 6; k++) l += a / k * sin(k * th + ph[(k + 3) % 8]);
            double clip = a / 2 * sin(th + ph[1]);
            clip = clip > a / 4 ? a / 4 : clip < -a / 4 ? -a / 4 : clip;
            x += l + clip;
            y += 0.7 * l;
            break;
        }
        case VIB_BEARING: {
            const double since = fmod(ts + ph[5] / (2 * M_PI) * impact_period, impact_period);
            const double ring = a * exp(-since / tau) * sin(2 * M_PI * c->resonance_hz * since);
            x += ring;
            y += 0.8 * ring;
            break;
        }
        default: break;
        }
        out[3 * t + 0] = to_i16(x + c->noise * gauss(rng), c->scale);
        out[3 * t + 1] = to_i16(y + c->noise * gauss(rng), c->scale);
        out[3 * t + 2] = to_i16(1.0 + z + c->noise * gauss(rng), c->scale);
    }
}
