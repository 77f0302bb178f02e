/* SPDX-License-Identifier: MIT */
/* fuzz_model.c -- libFuzzer target for model.json loading (trainer/export.c tr_load and
 * trainer/check.c tr_model_check).
 *
 * The input is written as MODEL_DIR/model.json and loaded. A load must fail with a message
 * naming the file, or succeed with a model whose every value passed the checks; a loaded model
 * then classifies a zero and a random feature vector with the float and the int8 network
 * (shifts, multipliers and biases of a checked model are safe for the int8 kernel).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trainer.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static char dir[256], path[300];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "/tmp/fuzz-model.%d", (int)getpid());
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/model.json", dir);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    CHECK(f);
    CHECK(size == 0 || fwrite(data, 1, size, f) == size);
    fclose(f);
    struct tr_model m;
    char err[512];
    if (tr_load(&m, dir, err, sizeof err)) {
        CHECK(strstr(err, "model.json") != NULL);
        return 0;
    }
    char why[256];
    CHECK(tr_model_check(&m, why, sizeof why) == 0);
    float *feat = calloc((size_t)m.n_feat, sizeof(float));
    CHECK(feat);
    tr_predict_float(&m, feat, NULL);
    tr_predict_int8(&m, feat, NULL);
    for (int i = 0; i < m.n_feat; i++)
        feat[i] = (float)(data[i % size] - 128) / 16.0f;
    tr_predict_float(&m, feat, NULL);
    tr_predict_int8(&m, feat, NULL);
    free(feat);
    tr_model_free(&m);
    return 0;
}
