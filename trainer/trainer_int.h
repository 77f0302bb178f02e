/* trainer_int.h -- internals shared by the trainer's source files. */
#ifndef IMULAB_TRAINER_INT_H
#define IMULAB_TRAINER_INT_H

#include "trainer.h"

float tr_rand_uniform(uint64_t *s);               /* [0, 1) */
float tr_rand_normal(uint64_t *s);
uint32_t tr_rand_u32(uint64_t *s);
void tr_random_rotation(uint64_t *s, float max_deg, float R[9]);
int tr_label_index(const struct tr_model *m, const char *label);
int tr_window_starts(int n_samples, int wl, int sl, int *starts, int max);
void tr_extract_window(const int16_t *q, int n_samples, int n_axes, int start, int wl, int16_t *win);
int tr_make_windows_aug(const struct tr_model *m, const struct tr_dataset *ds, int category,
                        const struct tr_options *aug, struct tr_windows *w, char *err, size_t errlen);
int tr_forward_fake_quant_enabled(void);

#endif
