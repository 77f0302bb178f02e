/* SPDX-License-Identifier: MIT */
/* live_replay -- prove the classifier's live path bit-exact: the device's CLASSIFICATION and EVENT
 * frames against the host running the same samples through the same portable code.
 *
 *   live_replay MODEL_DIR DEV [--samples N] [--accel-g G] [--gyro-dps D] [--timeout S]
 *
 * On DEV (the classifier firmware, e.g. QEMU's pty) it sends STOP, SET_RANGES G D (a sensor scale
 * other than the default 8 g / 1000 dps), then START, which restarts the device's live path; from
 * the START's ACK on, every raw sample in the SAMPLES frames is exactly what the live path sees.
 * The host pushes each through portable/live.c (window ring, stride, decision logic), checks each
 * window against a plain reference (the last window_len samples of a flat history, so a ring bug
 * shared by host and device is caught too) and the scales against the MPU-6050 datasheet
 * sensitivities, computes features and int8 scores, and packs its own CLASSIFICATION and EVENT
 * payloads. Each must equal the device's byte for byte; the two fields only the device can know
 * (the instruction count; the sample time, checked against the SAMPLES frame times instead) are
 * taken from the device's frame. The synthetic gesture changes every 1500 samples so decisions
 * change. Runs until N samples (default 10000) and all their frames are compared. Prints one JSON
 * line; exit 0 only if everything matched, 1 on any difference, 2 on bad usage or no device.
 * Gesture-mode models (docs/model.md): the live path runs with a 2-sample window and stride 1, every
 * converted sample goes through the motion segmenter and the gesture buffer (portable/segment.c),
 * and each finished gesture is resampled and classified -- as classifier_main.c does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "imu_features.h"
#include "live.h"
#include "segment.h"
#include "proto.h"
#include "trainer.h"

#define MAX_FRAMES 8192

/* One CLASSIFICATION or EVENT payload, from the device or the host. */
struct rec {
    uint8_t type;
    uint16_t len;
    uint8_t p[PROTO_CLASSIFICATION_HDR + PROTO_MAX_CLASSES];
    uint64_t t_expect; /* host: the SAMPLES time of the sample that completed the window */
};

static struct {
    int fd;
    struct proto_decoder dec;
    bool synced;
    uint16_t token;
    struct tr_model m;
    struct live live;
    struct live_cfg cfg;
    int16_t *win, *hist;
    long n_hist, cap_hist;
    float scale[LIVE_MAX_AXES];
    float *work, *feat;
    uint32_t cls_seq, ev_seq;
    /* gesture mode */
    bool gesture;
    struct imu_seg_state seg;
    struct imu_gbuf gbuf;
    int16_t *gstore, *gwin;
    struct rec *dev, *host;
    int n_dev, n_host, compared;
    int classifications, events, mismatches;
    char why[400];
    long samples;
    bool started;
    uint16_t start_token;
    struct proto_hello hello;
    bool have_hello;
    int acked_token, naked_token;
    double period_us;
} R;

static void fail_usage(const char *msg)
{
    fprintf(stderr, "live_replay: %s\n", msg);
    exit(2);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void send_cmd(uint8_t type, const uint8_t *args, size_t n, uint16_t *token)
{
    uint8_t p[16], out[64];
    *token = R.token++;
    proto_put_u16(p, *token);
    if (n)
        memcpy(p + 2, args, n);
    size_t len = proto_frame_encode(type, p, 2 + n, out, sizeof out);
    for (size_t off = 0; off < len;) {
        ssize_t w = write(R.fd, out + off, len - off);
        if (w < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (w < 0)
            fail_usage("write to the device failed");
        off += (size_t)w;
    }
}

/* Note the first difference (later ones only count). */
static void mismatch(const char *fmt, long a, long b)
{
    if (!R.mismatches++)
        snprintf(R.why, sizeof R.why, fmt, a, b);
}

/* Compare the device's and the host's frames pairwise, in order, as far as both go. */
static void compare(void)
{
    while (R.compared < R.n_dev && R.compared < R.n_host) {
        struct rec *d = &R.dev[R.compared], *h = &R.host[R.compared];
        long i = R.compared++;
        if (d->type != h->type || d->len != h->len) {
            mismatch("frame %ld: device type 0x%lx, host another frame or length", i, d->type);
            continue;
        }
        if (d->type == PROTO_CLASSIFICATION) {
            /* device-only fields: t_us (checked against the samples' times), instructions */
            uint64_t t = proto_get_u64(d->p + 4);
            /* within a frame the device times samples by its re-anchored period (+-1 %, up to
             * 25 samples on): a wrong sample is a whole period off */
            double tol = 0.01 * 25.0 * R.period_us + 5.0;
            if (fabs((double)t - (double)h->t_expect) > tol)
                mismatch("CLASSIFICATION %ld: t_us off the samples' time by %ld us", i, (long)t - (long)h->t_expect);
            memcpy(h->p + 4, d->p + 4, 12);
            R.classifications++;
        } else {
            memcpy(h->p + 4, d->p + 4, 8); /* EVENT: t_us as its CLASSIFICATION's */
            R.events++;
        }
        if (memcmp(d->p, h->p, d->len)) {
            int k = 0;
            while (d->p[k] == h->p[k])
                k++;
            mismatch("frame %ld: first different byte %ld", i, k);
        }
    }
}

static void add(struct rec *list, int *n, uint8_t type, const uint8_t *p, size_t len, uint64_t t)
{
    if (*n == MAX_FRAMES || len > sizeof list[0].p) {
        mismatch("too many or too long frames (%ld, %ld)", *n, (long)len);
        return;
    }
    struct rec *r = &list[(*n)++];
    r->type = type;
    r->len = (uint16_t)len;
    memcpy(r->p, p, len);
    r->t_expect = t;
}

/* The sensor scales a reference would give: MPU-6050 datasheet sensitivities (register map
 * §4.4-4.5): 32768 LSB per full scale for the accelerometer, 131/65.5/32.8/16.4 LSB per dps. */
static float ref_scale(unsigned sensor_axis)
{
    if (sensor_axis < 3)
        return (float)R.hello.accel_range_g / 32768.0f;
    int tenths = R.hello.gyro_range_dps == 250 ? 1310 : R.hello.gyro_range_dps == 500 ? 655
               : R.hello.gyro_range_dps == 1000 ? 328 : 164;
    return 10.0f / (float)tenths;
}

static void host_classify(const int16_t *w, uint64_t t);
static void host_gesture_sample(const int16_t *x, uint64_t t);

/* The host's live path for one raw sample that arrived at device time t. */
static void host_sample(const int16_t *s, uint64_t t)
{
    R.samples++;
    if (R.n_hist == R.cap_hist) {
        R.cap_hist = R.cap_hist ? 2 * R.cap_hist : 4096;
        R.hist = realloc(R.hist, sizeof(int16_t) * (size_t)R.cap_hist * R.cfg.n_axes);
        if (!R.hist)
            fail_usage("out of memory");
    }
    for (unsigned a = 0; a < R.cfg.n_axes; a++)
        R.hist[R.n_hist * R.cfg.n_axes + a] = s[R.cfg.axis_map[a]];
    R.n_hist++;
    live_put(&R.live, s);
    if (R.gesture) { /* every converted sample through the segmenter and the gesture buffer */
        const int16_t *x;
        while ((x = live_next_sample(&R.live)) != NULL)
            host_gesture_sample(x, t);
        return;
    }
    while (live_next(&R.live)) {
        const int16_t *w = live_window(&R.live);
        const int16_t *ref = R.hist + (R.n_hist - R.cfg.window_len) * R.cfg.n_axes;
        if (memcmp(w, ref, sizeof(int16_t) * R.cfg.window_len * R.cfg.n_axes))
            mismatch("window after sample %ld is not the last %ld samples", R.samples, R.cfg.window_len);
        host_classify(w, t);
    }
}

/* Gesture mode: one converted sample through the segmenter and the gesture buffer; a gesture that
 * ends is resampled and classified. */
static void host_gesture_sample(const int16_t *x, uint64_t t)
{
    int ev = imu_seg_push(&R.seg, x, NULL, NULL);
    if (ev == IMU_SEG_ONSET)
        imu_gbuf_reset(&R.gbuf);
    if (R.seg.active || ev == IMU_SEG_END || ev == IMU_SEG_DROPPED)
        imu_gbuf_push(&R.gbuf, x);
    if (ev == IMU_SEG_END) {
        uint16_t n = imu_gbuf_finish(&R.gbuf);
        imu_resample_i16(R.gstore, n, (uint16_t)R.cfg.n_axes, R.gwin, (uint16_t)R.m.window_len);
        host_classify(R.gwin, t);
    }
}

/* Features, int8 scores and decision of one window (gesture mode: one resampled gesture); the
 * host's CLASSIFICATION and EVENT payloads. */
static void host_classify(const int16_t *w, uint64_t t)
{
    {
        imu_features(&R.m.feat, w, R.scale, R.work, R.feat);
        struct proto_classification c = { .seq = R.cls_seq++, .t_us = 0, .instructions = 0 };
        int8_t y[TR_MAX_LABELS];
        c.class_index = (uint8_t)tr_predict_int8(&R.m, R.feat, y);
        c.n_classes = (uint8_t)R.m.n_labels;
        memcpy(c.scores, y, (size_t)R.m.n_labels);
        bool unknown = false; /* the anomaly score (models with one): unknown windows are not decided */
        if (R.m.anom.method != TR_ANOM_NONE) {
            c.anomaly = tr_anomaly_score(&R.m, R.feat);
            unknown = c.anomaly > R.m.anom.threshold;
            c.flags = (uint8_t)(PROTO_CLS_ANOMALY | (unknown ? PROTO_CLS_UNKNOWN : 0u));
        }
        uint8_t p[PROTO_CLASSIFICATION_HDR + PROTO_MAX_CLASSES + PROTO_ANOMALY_LEN];
        size_t n = proto_classification_pack(&c, p, sizeof p);
        add(R.host, &R.n_host, PROTO_CLASSIFICATION, p, n, t);
        struct live_event ev;
        if (!unknown && live_decide_now(&R.live, c.scores, &ev)) {
            struct proto_event e = { .seq = R.ev_seq++, .cls_seq = c.seq, .class_index = ev.class_index,
                                     .previous = ev.previous, .votes = ev.votes };
            n = proto_event_pack(&e, p, sizeof p);
            add(R.host, &R.n_host, PROTO_EVENT, p, n, t);
        }
    }
}

/* Set up the host's live path like the device's (classifier_main.c live_begin), from HELLO. */
static void host_begin(void)
{
    static const char *const names[LIVE_SENSOR_AXES] = { "accX", "accY", "accZ", "gyrX", "gyrY", "gyrZ" };
    memset(&R.cfg, 0, sizeof R.cfg);
    R.cfg.n_axes = (uint8_t)R.m.n_axes;
    for (int a = 0; a < R.m.n_axes; a++) {
        unsigned d = 0;
        while (d < LIVE_SENSOR_AXES && strcasecmp(R.m.axes[a], names[d]))
            d++;
        if (d == LIVE_SENSOR_AXES)
            fail_usage("the model has an axis the sensor does not");
        R.cfg.axis_map[a] = (uint8_t)d;
    }
    R.gesture = R.m.mode == TR_MODE_GESTURE;
    R.cfg.window_len = (uint16_t)(R.gesture ? 2 : R.m.window_len);
    R.cfg.stride_len = (uint16_t)(R.gesture ? 1 : R.m.stride_len);
    R.cfg.in_hz = R.hello.sample_rate_hz;
    R.cfg.out_hz = (uint32_t)(R.m.rate_hz + 0.5);
    R.cfg.decision.n_classes = (uint8_t)R.m.n_labels;
    R.cfg.decision.min_margin = (uint8_t)R.m.dec_min_margin;
    R.cfg.decision.smooth_n = (uint8_t)R.m.dec_smooth_n;
    R.cfg.decision.min_interval = (uint32_t)R.m.dec_min_interval;
    if (live_cfg_check(&R.cfg))
        fail_usage("the model's live configuration is out of range");
    live_init(&R.live, &R.cfg, R.win);
    float sensor[LIVE_SENSOR_AXES];
    live_sensor_scales(LIVE_SENSOR_MPU, R.hello.accel_range_g, R.hello.gyro_range_dps, sensor);
    live_scales(&R.cfg, sensor, R.scale);
    for (unsigned a = 0; a < R.cfg.n_axes; a++)
        if (R.scale[a] != ref_scale(R.cfg.axis_map[a]))
            mismatch("scale of model axis %ld is not the datasheet's (sensor axis %ld)", a, R.cfg.axis_map[a]);
    if (R.gesture) {
        imu_seg_init(&R.seg, &R.m.seg, R.scale);
        imu_gbuf_init(&R.gbuf, R.gstore, (uint16_t)R.cfg.n_axes, (uint16_t)R.m.gesture_buf);
    }
    R.period_us = 1e6 / R.hello.sample_rate_hz;
    R.cls_seq = R.ev_seq = 0;
}

static void handle(const struct proto_frame *f)
{
    switch (f->type) {
    case PROTO_HELLO:
        if (proto_hello_parse(f->payload, f->len, &R.hello) == 0)
            R.have_hello = true;
        break;
    case PROTO_ACK:
        if (f->len >= PROTO_ACK_LEN) {
            R.acked_token = proto_get_u16(f->payload);
            if (R.acked_token == R.start_token && R.start_token && !R.started) {
                R.started = true; /* from here on the stream is the live path's */
                host_begin();
            }
        }
        break;
    case PROTO_NAK:
        if (f->len >= PROTO_NAK_HDR)
            R.naked_token = proto_get_u16(f->payload);
        break;
    case PROTO_SAMPLES: {
        struct proto_samples s;
        if (!R.started || proto_samples_parse(f->payload, f->len, &s))
            break;
        if (s.n_axes != LIVE_SENSOR_AXES) {
            mismatch("SAMPLES with %ld axes, not %ld", s.n_axes, LIVE_SENSOR_AXES);
            break;
        }
        for (unsigned i = 0; i < s.count; i++) {
            int16_t v[LIVE_SENSOR_AXES];
            for (unsigned a = 0; a < LIVE_SENSOR_AXES; a++)
                v[a] = proto_samples_value(&s, i, a);
            host_sample(v, s.t_us + (uint64_t)llround(i * R.period_us));
        }
        break;
    }
    case PROTO_CLASSIFICATION:
    case PROTO_EVENT:
        if (R.started)
            add(R.dev, &R.n_dev, f->type, f->payload, f->len, 0);
        break;
    default:
        break;
    }
}

/* Read frames for up to `seconds`, or until done() holds. */
static bool pump(double seconds, bool (*done)(void))
{
    double end = now_s() + seconds;
    uint8_t buf[4096];
    while (!(done && done())) {
        double left = end - now_s();
        if (left <= 0)
            return false;
        struct pollfd pfd = { R.fd, POLLIN, 0 };
        int r = poll(&pfd, 1, (int)ceil(left * 1000));
        if (r <= 0)
            continue;
        ssize_t n = read(R.fd, buf, sizeof buf);
        if (n <= 0) {
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            return false;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (!R.synced) {
                R.synced = buf[i] == 0;
                continue;
            }
            struct proto_frame f;
            if (proto_decode_push(&R.dec, buf[i], &f) == PROTO_FRAME)
                handle(&f);
        }
        compare();
    }
    return true;
}

static uint16_t want_token;
static long want_samples;
static bool acked(void) { return R.acked_token == want_token || R.naked_token == want_token; }
static bool have_hello(void) { return R.have_hello; }
static bool enough(void) { return R.samples >= want_samples; }

int main(int argc, char **argv)
{
    long samples = 10000, accel_g = 16, gyro_dps = 2000;
    double timeout = 600;
    static const struct option opts[] = { { "samples", 1, 0, 'n' }, { "accel-g", 1, 0, 'g' },
                                          { "gyro-dps", 1, 0, 'd' }, { "timeout", 1, 0, 't' },
                                          { "help", 0, 0, 'h' }, { 0, 0, 0, 0 } };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n': samples = strtol(optarg, NULL, 10); break;
        case 'g': accel_g = strtol(optarg, NULL, 10); break;
        case 'd': gyro_dps = strtol(optarg, NULL, 10); break;
        case 't': timeout = strtod(optarg, NULL); break;
        case 'h': puts("usage: live_replay MODEL_DIR DEV [--samples N] [--accel-g G] [--gyro-dps D] [--timeout S]"); return 0;
        default: return 2;
        }
    }
    if (optind != argc - 2 || samples < 1 || timeout <= 0)
        fail_usage("usage: live_replay MODEL_DIR DEV [--samples N] [--accel-g G] [--gyro-dps D] [--timeout S]");
    char err[512];
    if (tr_load(&R.m, argv[optind], err, sizeof err))
        fail_usage(err);
    R.fd = open(argv[optind + 1], O_RDWR | O_NOCTTY);
    if (R.fd < 0)
        fail_usage("cannot open the device");
    struct termios t;
    if (tcgetattr(R.fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(R.fd, TCSANOW, &t);
    }
    proto_decoder_init(&R.dec);
    R.token = 1;
    R.win = calloc((size_t)R.m.window_len * (size_t)R.m.n_axes, sizeof(int16_t));
    R.gwin = calloc((size_t)R.m.window_len * (size_t)R.m.n_axes, sizeof(int16_t));
    R.gstore = calloc((size_t)(R.m.gesture_buf > 0 ? R.m.gesture_buf : 1) * (size_t)R.m.n_axes, sizeof(int16_t));
    R.work = calloc((size_t)imu_features_work_len(&R.m.feat), sizeof(float));
    R.feat = calloc((size_t)R.m.n_feat, sizeof(float));
    R.dev = calloc(MAX_FRAMES, sizeof *R.dev);
    R.host = calloc(MAX_FRAMES, sizeof *R.host);
    if (!R.win || !R.gwin || !R.gstore || !R.work || !R.feat || !R.dev || !R.host)
        fail_usage("out of memory");

    /* QEMU notices a reopened pty only on its 1 s poll: ask for HELLO until it answers */
    for (int i = 0; i < 10 && !R.have_hello; i++) {
        send_cmd(PROTO_CMD_INFO, NULL, 0, &want_token);
        pump(1.0, have_hello);
    }
    if (!R.have_hello)
        fail_usage("no HELLO from the device");
    if (!(R.hello.flags & PROTO_FLAG_CLASSIFIER) || R.hello.model_hash != R.m.hash)
        fail_usage("the device does not run this model's classifier firmware");
    send_cmd(PROTO_CMD_STOP, NULL, 0, &want_token);
    if (!pump(5, acked))
        fail_usage("no answer to STOP");
    uint8_t ranges[3] = { (uint8_t)accel_g };
    proto_put_u16(ranges + 1, (uint16_t)gyro_dps);
    R.have_hello = false;
    send_cmd(PROTO_CMD_SET_RANGES, ranges, 3, &want_token);
    if (!pump(5, acked) || R.naked_token == want_token || !pump(5, have_hello))
        fail_usage("SET_RANGES refused or unanswered");
    if (R.hello.accel_range_g != accel_g || R.hello.gyro_range_dps != gyro_dps)
        fail_usage("HELLO does not show the new ranges");
    send_cmd(PROTO_CMD_START, NULL, 0, &R.start_token);
    want_token = R.start_token;
    if (!pump(5, acked) || !R.started)
        fail_usage("no answer to START");

    double t0 = now_s();
    int gesture = 0;
    for (long next = 1500; R.samples < samples;) {
        want_samples = next < samples ? next : samples;
        if (!pump(timeout - (now_s() - t0), enough))
            break;
        if (R.samples >= next) { /* the next synthetic gesture: decisions change */
            uint8_t g = (uint8_t)(++gesture % 4);
            uint16_t tok;
            send_cmd(PROTO_CMD_SET_GESTURE, &g, 1, &tok);
            next += 1500;
        }
    }
    /* the device's frames for the last samples come before those samples: a short drain */
    pump(0.5, NULL);
    compare();
    bool ok = R.samples >= samples && R.mismatches == 0 && R.classifications > 0 && R.compared == R.n_host;
    if (R.compared < R.n_host && !R.mismatches)
        snprintf(R.why, sizeof R.why, "the device sent %d frames, the host expected %d", R.n_dev, R.n_host);
    printf("{\"samples\": %ld, \"classifications\": %d, \"events\": %d, \"device_frames\": %d, \"host_frames\": %d, "
           "\"mismatches\": %d, \"window_len\": %d, \"accel_g\": %u, \"gyro_dps\": %u, \"seconds\": %.1f, \"why\": \"%s\"}\n",
           R.samples, R.classifications, R.events, R.n_dev, R.n_host, R.mismatches, R.m.window_len,
           R.hello.accel_range_g, R.hello.gyro_range_dps, now_s() - t0, R.why);
    tr_model_free(&R.m);
    return ok ? 0 : 1;
}
