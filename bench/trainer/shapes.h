/* SPDX-License-Identifier: MIT */
/* shapes.h -- a deterministic generator of shape gestures: the digits 0-9 drawn in the air by
 * synthetic people, as 3-axis accelerometer recordings (g, gravity included).
 *
 * Each digit is a pen path in the unit square (lines and arcs). A recording draws it once: the
 * path, perturbed a little for this repetition, scaled to the person's size and aspect, slanted,
 * rotated in its plane, placed in 3-D in the person's drawing plane, traversed with a smooth
 * (minimum-jerk) speed profile in the person's time, smoothed like a hand (Gaussian, the person's
 * stiffness), between rests of random length; the acceleration is its second difference, to
 * which the gravity of the person's wrist tilt, a small tremor and sensor noise are added.
 * Optionally some recordings get a knock (a short spike of several g).
 * People differ in speed, size, aspect, slant, rotation, plane, tilt, smoothness, tremor and
 * noise, so a model has to generalize across them (a held-out person is the hard test).
 * Everything comes from one seed through splitmix64 and + - * / only (own sin/cos), so the data
 * are the same on every machine.
 */
#ifndef IMULAB_SHAPES_H
#define IMULAB_SHAPES_H

#include "trainer.h"

struct shapes_config {
    int n_people;     /* 8 */
    int reps;         /* recordings per person and digit, 12 */
    double rate_hz;   /* 100 */
    double seconds;   /* length of a recording, 2.0 */
    unsigned seed;    /* 1 */
    double knocks;    /* share of recordings with a knock (a 20 ms spike of 3-8 g, the wrist
                       * hitting something), 0 */
};

struct shapes_data {
    struct tr_dataset ds;
    struct tr_recording *rec;
    int n;
    int *person;      /* person of each recording, 0..n_people-1 */
    int *rep;         /* repetition index */
    int n_people;
};

void shapes_default(struct shapes_config *c);
int shapes_generate(const struct shapes_config *c, struct shapes_data *d);
void shapes_free(struct shapes_data *d);

/* Categories: people with held[p] != 0 go to testing, the others to training. */
void shapes_split_people(struct shapes_data *d, const char *held);
/* Categories: in every person x digit, repetitions with rep % k == k - 1 go to testing. */
void shapes_split_reps(struct shapes_data *d, int k);

/* Write Edge Impulse CSV files DIR/person<P>/<digit>.p<P>.r<R>.csv (timestamp in ms, accX,
 * accY, accZ), one directory per person (import each with --subject). Returns 0 or -1. */
int shapes_write_csv(const struct shapes_data *d, const char *dir);

#endif
