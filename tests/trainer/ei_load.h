/* SPDX-License-Identifier: MIT */
/* ei_load.h -- a small Edge Impulse JSON dataset loader for the trainer's tests and benchmark. */
#ifndef IMULAB_EI_LOAD_H
#define IMULAB_EI_LOAD_H
#include "trainer.h"

struct ei_data {
    struct tr_dataset ds;
    struct tr_recording *rec;
    int n;
};
/* Load DIR/info.labels and the files it names. Returns 0 or -1 (message on stderr). */
int ei_load_dir(const char *dir, struct ei_data *d);
void ei_free(struct ei_data *d);
#endif
