/* SPDX-License-Identifier: MIT */
/* vibsim.h -- a simulated motor's vibration, 3-axis accelerometer, for the anomaly benchmark. */
#ifndef IMULAB_VIBSIM_H
#define IMULAB_VIBSIM_H

#include <stdint.h>

enum vib_fault { VIB_NORMAL = 0, VIB_IMBALANCE, VIB_LOOSENESS, VIB_BEARING, VIB_N_FAULTS };

struct vib_config {
    double rate_hz;       /* sample rate, 1024 */
    double rot_hz;        /* nominal rotation, 24.7 (1,482 rpm) */
    double speed_spread;  /* per recording: rotation * (1 +- this), 0.03 */
    double amp_spread;    /* per recording: harmonic amplitudes * (1 +- this), 0.15 */
    double h1, h2, h3;    /* healthy 1x, 2x, 3x amplitudes (g), 0.10, 0.04, 0.02 */
    double noise;         /* white noise (g, standard deviation), 0.02 */
    double bpfo;          /* bearing outer-race defect frequency / rotation, 3.58 */
    double resonance_hz;  /* structural resonance the bearing impacts ring at, 310 */
    float scale;          /* g per int16 LSB, 1/4096 (+-8 g) */
};

void vib_default(struct vib_config *c);
/* n samples (x, y radial; z axial with 1 g of gravity) into out (n * 3 int16) of one recording
 * with the given fault at amplitude amp (g); amp_end != amp ramps it linearly over the recording.
 * rng: the recording's random state (speed, amplitudes, phases, noise). */
void vib_recording(const struct vib_config *c, int fault, double amp, double amp_end, int n, int16_t *out,
                   uint64_t *rng);
const char *vib_fault_name(int fault);

#endif
