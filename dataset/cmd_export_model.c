/* SPDX-License-Identifier: MIT */
/* cmd_export_model.c -- `imulab export-model`: a trained model for other people's firmware, as a
 * self-contained C library or Arduino library (deploy.c) or a TFLite flatbuffer (trainer/tflite.c). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "deploy.h"
#include "tflite.h"
#include "trainer.h"

static const char export_model_help[] =
    "usage: imulab export-model --model MODEL_DIR --format c|arduino|tflite --out PATH\n"
    "Write a trained model for another firmware (docs/deploy.md):\n"
    "  --format c        PATH is a directory: a C99 library that builds alone (imulab.h, imulab*.c,\n"
    "                    README.md with STM32 HAL + FreeRTOS, Arduino and Zephyr examples): features,\n"
    "                    int8 network, a stream API and a one-shot classify, bit-exact with imulab eval\n"
    "  --format arduino  PATH is a directory: the same as an Arduino library (library.properties,\n"
    "                    src/, examples/)\n"
    "  --format tflite   PATH is a .tflite file: the int8 network (features stay outside, computed by\n"
    "                    the C library); int8 input and output tensors\n"
    "  --tflite-op conv2d|fully-connected\n"
    "                    how each dense layer is written: conv2d (default) is a 1x1 CONV_2D between\n"
    "                    RESHAPEs, which every runtime runs with per-channel weights (TFLite, TFLM,\n"
    "                    Arm NN); fully-connected is FULLY_CONNECTED with per-channel weights (newer\n"
    "                    TFLite and TFLM only)\n";

int cmd_export_model(const struct cli *cli, int argc, char **argv)
{
    (void)cli;
    static const struct option opts[] = {{"model", required_argument, NULL, 'm'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"tflite-op", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *dir = NULL, *format = NULL, *out = NULL, *op = NULL;
    int c;
    const char *cmd = "export-model";
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'h': fputs(export_model_help, stdout); return CLI_OK;
        case 'm': dir = optarg; break;
        case 'f': format = optarg; break;
        case 'o': out = optarg; break;
        case 't': op = optarg; break;
        default: return CLI_USAGE;
        }
    }
    if (optind < argc) return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (!dir) return cli_usage(cmd, "--model MODEL_DIR is required");
    if (!format) return cli_usage(cmd, "--format c|arduino|tflite is required");
    if (!out || !*out) return cli_usage(cmd, "--out PATH is required");
    int is_c = !strcmp(format, "c"), is_ard = !strcmp(format, "arduino"), is_tfl = !strcmp(format, "tflite");
    if (!is_c && !is_ard && !is_tfl) return cli_usage(cmd, "bad --format '%s' (c, arduino or tflite)", format);
    enum tr_tflite_op top = TR_TFLITE_CONV;
    if (op) {
        if (!is_tfl) return cli_usage(cmd, "--tflite-op goes with --format tflite");
        if (!strcmp(op, "conv2d")) top = TR_TFLITE_CONV;
        else if (!strcmp(op, "fully-connected")) top = TR_TFLITE_FC;
        else return cli_usage(cmd, "bad --tflite-op '%s' (conv2d or fully-connected)", op);
    }
    struct tr_model m;
    char err[512] = "";
    if (tr_load(&m, dir, err, sizeof err)) return cli_error("%s", err);
    int rc;
    if (is_tfl) rc = tr_write_tflite(&m, out, top, err, sizeof err);
    else rc = deploy_write(&m, out, is_ard ? DEPLOY_ARDUINO : DEPLOY_C, err, sizeof err);
    if (rc) {
        tr_model_free(&m);
        return cli_error("%s", err);
    }
    if (is_tfl)
        printf("model %08x written to %s (int8 network %s%d", m.hash, out, m.conv ? "conv front end -> " : "",
               m.sizes[0]);
    else
        printf("model %08x written to %s (%s library; static RAM %ld bytes per stream; network %d", m.hash, out,
               is_ard ? "Arduino" : "C", deploy_state_bytes(&m), m.sizes[0]);
    for (int k = 1; k <= m.n_layers; k++) printf(" -> %d", m.sizes[k]);
    printf(")\n");
    tr_model_free(&m);
    return cli_finish_output(CLI_OK);
}
