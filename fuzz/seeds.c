/* SPDX-License-Identifier: MIT */
/* seeds.c -- writes the seed corpora of the fuzz targets: argv[1] gets wire-protocol streams
 * (one frame of every type, a SAMPLES frame of synthetic data, streams with garbage and cut
 * frames), argv[2] gets data-forwarder text (good lines, bad lines, long lines, CR/LF mixes),
 * argv[3] (optional) gets Edge Impulse info.labels files (JSON and NDJSON, every label type). */
#include "proto.h"
#include "synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *dir;
static int count;

static void put(const void *data, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/seed-%03d", dir, count++);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "seeds: cannot write %s\n", path);
        exit(1);
    }
}

static size_t frame(uint8_t *out, uint8_t type, const void *p, size_t n)
{
    size_t e = proto_frame_encode(type, p, n, out, PROTO_MAX_ENCODED + 1);
    if (!e)
        abort();
    return e;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: seeds PROTO_DIR TEXT_DIR [LABELS_DIR]\n");
        return 2;
    }
    static uint8_t w[8 * (PROTO_MAX_ENCODED + 1)], p[PROTO_MAX_PAYLOAD];
    size_t n;

    dir = argv[1];
    /* HELLO */
    struct proto_hello h = {.proto_version = PROTO_VERSION, .fw_major = 1, .board = "imulab-sim",
                            .sensor = "synthetic", .sample_rate_hz = 100, .accel_range_g = 8,
                            .gyro_range_dps = 1000, .flags = 3, .samples_per_frame = 10, .n_axes = 6};
    static const char *names[6] = {"accX", "accY", "accZ", "gyrX", "gyrY", "gyrZ"};
    for (int a = 0; a < 6; a++) {
        strcpy(h.axis_name[a], names[a]);
        strcpy(h.axis_unit[a], a < 3 ? "g" : "dps");
        h.axis_scale[a] = a < 3 ? synth_accel_scale(8) : synth_gyro_scale(1000);
    }
    n = proto_hello_pack(&h, p, sizeof p);
    size_t hello_len = frame(w, PROTO_HELLO, p, n);
    put(w, hello_len);
    /* SAMPLES of synthetic motion, small and maximal */
    struct synth s;
    synth_init(&s, 1);
    synth_set_gesture(&s, SYNTH_WAVE);
    for (unsigned count_ = 1; count_ <= 84; count_ = count_ == 1 ? 10 : 84) {
        n = proto_samples_pack_header(7, 70000, (uint16_t)count_, 6, p);
        for (unsigned i = 0; i < count_; i++) {
            int16_t v[6];
            synth_next(&s, v);
            for (unsigned a = 0; a < 6; a++)
                proto_put_u16(p + n + 2 * (i * 6 + a), (uint16_t)v[a]);
        }
        n += 12u * count_;
        put(w, frame(w, PROTO_SAMPLES, p, n));
        if (count_ == 84)
            break;
    }
    /* CLASSIFICATION */
    struct proto_classification c = {.seq = 3, .t_us = 1000, .instructions = 40000, .class_index = 2,
                                      .n_classes = 4, .scores = {-128, -100, 120, -90}};
    n = proto_classification_pack(&c, p, sizeof p);
    put(w, frame(w, PROTO_CLASSIFICATION, p, n));
    /* CLASSIFICATION with an anomaly score above the threshold (unknown) */
    c.flags = PROTO_CLS_ANOMALY | PROTO_CLS_UNKNOWN;
    c.anomaly = 123456;
    n = proto_classification_pack(&c, p, sizeof p);
    put(w, frame(w, PROTO_CLASSIFICATION, p, n));
    /* EVENT, and a VALIDATE_RESULT with the decision block */
    struct proto_event e = {.seq = 1, .t_us = 2000, .cls_seq = 3, .class_index = 2, .previous = PROTO_EVENT_UNCERTAIN,
                            .votes = 2};
    n = proto_event_pack(&e, p, sizeof p);
    put(w, frame(w, PROTO_EVENT, p, n));
    struct proto_validate_result vr = {.token = 9, .model_hash = 0x1234, .instructions = 44000, .class_index = 1,
                                       .n_classes = 2, .n_features = 2, .scores = {-5, 7}, .has_decision = true,
                                       .decision = 1, .event = 1, .votes = 3, .previous = 0};
    const float vf[2] = {0.5f, -1.25f};
    n = proto_validate_result_pack(&vr, vf, p, sizeof p);
    put(w, frame(w, PROTO_VALIDATE_RESULT, p, n));
    vr.has_anomaly = true; /* and with the anomaly block */
    vr.anomaly = 99999;
    vr.unknown = 1;
    n = proto_validate_result_pack(&vr, vf, p, sizeof p);
    put(w, frame(w, PROTO_VALIDATE_RESULT, p, n));
    /* small messages */
    put(w, frame(w, PROTO_LOG, "\x01hello", 6));
    put(w, frame(w, PROTO_ERROR, "\x02\x00i2c nack", 10));
    put(w, frame(w, PROTO_ACK, "\x01\x00\x85", 3));
    put(w, frame(w, PROTO_NAK, "\x02\x00\x83\x03rate", 8));
    memset(p, 0, PROTO_STATS_LEN);
    p[0] = 100;
    put(w, frame(w, PROTO_STATS, p, PROTO_STATS_LEN));
    put(w, frame(w, PROTO_CMD_PING, "\x05\x00", 2));
    put(w, frame(w, PROTO_CMD_SET_RATE, "\x06\x00\xe8\x03", 4));
    put(w, frame(w, PROTO_CMD_SET_RANGES, "\x07\x00\x08\xe8\x03", 5));
    /* a stream: HELLO, garbage, a cut frame, two good frames */
    n = frame(w, PROTO_HELLO, p, proto_hello_pack(&h, p, sizeof p));
    memcpy(w + n, "\x13\x37\xff\x00\x42", 5);
    n += 5;
    size_t m = frame(w + n, PROTO_CMD_PING, "\x08\x00", 2);
    n += m / 2;
    n += frame(w + n, PROTO_ACK, "\x08\x00\x85", 3);
    n += frame(w + n, PROTO_ACK, "\x09\x00\x85", 3);
    put(w, n);
    int nproto = count;

    dir = argv[2];
    count = 0;
    static const char *text[] = {
        "\x00" "1,2,3\r\n4,5,6\r\n",
        "\x05" "0.0123,-0.9876,9.8100\r\n0.0200,-0.9800,9.8000\r\n",
        "\x85" "12,0.5\r\n1\t2\t3\n",
        "\x02" "-1.5e-3, +2.25 ,.5\n1e999\nnan,inf\n0x10\n",
        "\x0f" "Accel: 1,2,3\r\n1,,2\r\n1,2,\r\n\r\n\n",
        "\x03" "1.0,2.0,3.0,4.0,5.0,6.0,7.0,8.0,9.0,10.0,11.0,12.0,13.0,14.0,15.0,16.0,17.0\n",
        "\x02" "1\t2\t3\t\r\n4,5,6,\r\n7 8 9\r\n  1 ,\t2  3 \r\n",
    };
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
        put(text[i], 1 + strlen(text[i] + 1));
    static char longline[600];
    longline[0] = 1;
    memset(longline + 1, '7', 400);
    longline[401] = '\n';
    memcpy(longline + 402, "1,2\n", 4);
    put(longline, 406);
    int ntext = count;
    if (argc == 4) {
        dir = argv[3];
        count = 0;
        static const char *labels[] = {
            "{\"version\":1,\"files\":[{\"path\":\"a.json\",\"name\":\"a.1\",\"category\":\"training\","
            "\"label\":{\"type\":\"label\",\"label\":\"wave\"}},{\"path\":\"b.csv\",\"category\":\"split\","
            "\"label\":\"idle\",\"interval_ms\":0.0625}]}",
            "{\"__ndjson\":true,\"version\":1}\n{\"path\":\"s1.json\",\"category\":\"validation\",\"label\":"
            "{\"type\":\"unlabeled\"}}\n\n{\"path\":\"s2.json\",\"category\":\"testing\",\"label\":{\"type\":"
            "\"multi-label\",\"labels\":[{\"label\":\"idle\",\"startIndex\":0,\"endIndex\":99},{\"label\":\"jump\","
            "\"startIndex\":100,\"endIndex\":349}]}}\n",
            "{\"version\":1,\"files\":[{\"path\":\"\",\"label\":{\"type\":\"bogus\"}},{\"path\":\"x\",\"category\":"
            "\"holdout\"},{\"path\":\"y\",\"label\":{\"label\":\"a\\u0001\"}}]}\n{}",
        };
        for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
            put(labels[i], strlen(labels[i]));
    }
    fprintf(stderr, "seeds: %d protocol, %d text, %d info.labels\n", nproto, ntext, argc == 4 ? count : 0);
    return 0;
}
