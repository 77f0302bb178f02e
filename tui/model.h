/* SPDX-License-Identifier: MIT */
/* model.h -- class names for the classification panel.
 *
 * CLASSIFICATION frames carry class indices and int8 scores only. With --model DIR the TUI
 * reads the "labels" array of DIR/model.json (written by `imulab train`) to name them;
 * without it, classes show as #0, #1, ...
 */
#ifndef IMULAB_TUI_MODEL_H
#define IMULAB_TUI_MODEL_H

#include <stddef.h>

#include "app.h"

/* Loads the names; returns NULL on success, else a reason for the one-line error. */
const char *model_load_names(struct app *a, const char *dir, char *why, size_t n);
/* The name of class i, in buf when it has to be made up. */
const char *model_class_name(const struct app *a, int i, char *buf, size_t n);

#endif
