/* SPDX-License-Identifier: MIT */
/* app.c -- command handling, sensor pacing and SAMPLES framing (see app.h). */
#include "app.h"

#include <string.h>

#include "platform.h"
#include "live.h"
#include "synth.h"

/* Every frame the core builds fits the link's payload (the classifier sizes it per model). */
_Static_assert(PROTO_HELLO_FIXED + IMU_AXES * PROTO_HELLO_AXIS <= LINK_MAX_PAYLOAD, "HELLO does not fit LINK_MAX_PAYLOAD");
_Static_assert(PROTO_SAMPLES_HDR + APP_MAX_SPF * IMU_AXES * 2u <= LINK_MAX_PAYLOAD, "SAMPLES at APP_MAX_SPF do not fit LINK_MAX_PAYLOAD");
_Static_assert(PROTO_NAK_HDR + 60u <= LINK_MAX_PAYLOAD && 2u + 60u <= LINK_MAX_PAYLOAD, "texts do not fit LINK_MAX_PAYLOAD");
_Static_assert(APP_SAMPLE_RING >= APP_MAX_SPF + 2u * APP_READ_BATCH, "the sample ring holds less than a frame and two read batches");

char *app_put_uint(char *p, uint32_t v, const char *suffix)
{
    char d[10];
    int n = 0;
    do {
        d[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n)
        *p++ = d[--n];
    while (suffix && *suffix)
        *p++ = *suffix++;
    *p = 0;
    return p;
}

bool led_class_on(uint8_t cls, uint32_t now_ms)
{
    if (cls == 0xFFu)
        return false;
    uint32_t t = now_ms % 2000u, pulse = t / 300u; /* 150 ms on, 150 ms off per pulse */
    return pulse <= cls && t % 300u < 150u;
}

uint32_t app_link_bytes_per_s(uint16_t rate_hz)
{
    uint32_t spf = app_spf_for_rate(rate_hz);
    uint32_t frames = (rate_hz + spf - 1u) / spf;
    return frames * (uint32_t)link_encoded_max(PROTO_SAMPLES_HDR + spf * IMU_AXES * 2u);
}

uint8_t app_spf_for_rate(uint16_t rate_hz)
{
    unsigned n = rate_hz / 10u; /* about ten frames a second */
    if (n < 1)
        n = 1;
    if (n > APP_MAX_SPF)
        n = APP_MAX_SPF;
    return (uint8_t)n;
}

/* Publish cfg to the sensor context. */
static void post_cfg(struct app *a)
{
    uint32_t s = platform_irq_save();
    a->req = a->cfg;
    a->req_gen++;
    platform_irq_restore(s);
}

void app_init(struct app *a, const struct sensor_ops *sensor, const struct app_info *info, struct ring *tx)
{
    memset(a, 0, sizeof *a);
    a->sensor = sensor;
    a->info = *info;
    link_init(&a->link, tx);
    ring_init(&a->samples, a->sample_buf, APP_SAMPLE_RING, sizeof a->sample_buf[0]);
    ring_init(&a->errs, a->err_buf, APP_ERR_RING, sizeof a->err_buf[0]);
    a->cfg.rate_hz = APP_DEFAULT_RATE;
    a->cfg.accel_g = APP_DEFAULT_ACCEL_G;
    a->cfg.gyro_dps = APP_DEFAULT_GYRO_DPS;
    a->cfg.gesture = 0;
    a->cfg.streaming = true; /* stream from boot */
    a->spf = app_spf_for_rate(a->cfg.rate_hz);
    a->cur = a->cfg;
    a->cur.streaming = false;
    a->req = a->cfg;
    a->req_gen = 1; /* applied_gen 0: the first poll applies it */
}

/* ---- sensor context ------------------------------------------------------------------ */

static void post_err(struct app *a, int code)
{
    uint16_t c = (uint16_t)code;
    a->sensor_errors++;
    (void)ring_push(&a->errs, &c, 1); /* full: the main loop already has errors to report */
}

/* A new time base: sample 0 is now, at the nominal period until the core clock says otherwise. */
static void restart_stream(struct app *a)
{
    a->idx = 0;
    a->anchor_idx = 0;
    a->anchor_us = platform_now_us();
    a->period_q8 = (1000000u << 8) / a->cur.rate_hz;
}

/* Device time of sample idx: the anchor plus whole periods (1/256 us resolution). */
static uint64_t sample_time(const struct app *a, uint32_t idx)
{
    return a->anchor_us + (((uint64_t)(idx - a->anchor_idx) * a->period_q8) >> 8);
}

/* Re-anchor the sample times to the core clock (the sensor's own clock is only +-1 %, up to 36 s
 * an hour): once APP_ANCHOR_S seconds of samples have come since the anchor, the newest sample
 * (read just now, so at most a poll period old) is taken to be now, and the period becomes the
 * core-clock time since the anchor over the samples since it. The new anchor is that sample's
 * time under the old period, so times never jump back; the next span absorbs the error. */
static void reanchor(struct app *a, uint64_t now_us)
{
    uint32_t newest = a->idx - 1u, n = newest - a->anchor_idx;
    if (n < (uint32_t)a->cur.rate_hz * APP_ANCHOR_S)
        return;
    uint64_t t = sample_time(a, newest);
    uint64_t span = now_us - a->anchor_us;
    uint32_t elapsed = span < (1u << 24) ? (uint32_t)span : (1u << 24) - 1u; /* about APP_ANCHOR_S s */
    uint32_t nominal = (1000000u << 8) / a->cur.rate_hz;
    uint32_t p = (elapsed << 8) / n; /* elapsed < 2^24 us: the shift fits (clamped just below) */
    /* a stalled poll or a sensor far off its rate: stay within +-5 % of nominal */
    if (p > nominal + nominal / 20u)
        p = nominal + nominal / 20u;
    if (p < nominal - nominal / 20u)
        p = nominal - nominal / 20u;
    a->anchor_idx = newest;
    a->anchor_us = t;
    a->period_q8 = p;
}

static bool sensor_configure(struct app *a, uint32_t now_ms)
{
    int e = a->sensor->configure(a->sensor->ctx, a->cur.rate_hz, a->cur.accel_g, a->cur.gyro_dps, now_ms);
    if (e) {
        post_err(a, -e);
        a->sensor_ready = false;
        a->next_init_ms = now_ms + APP_REINIT_MS;
        return false;
    }
    restart_stream(a);
    return true;
}

void app_sensor_poll(struct app *a, uint32_t now_ms)
{
    uint32_t gen = __atomic_load_n(&a->req_gen, __ATOMIC_ACQUIRE);
    if (gen != a->applied_gen) {
        struct app_cfg want = a->req; /* main cannot run while we do */
        bool restart = want.rate_hz != a->cur.rate_hz || want.accel_g != a->cur.accel_g ||
                       want.gyro_dps != a->cur.gyro_dps || (want.streaming && !a->cur.streaming);
        if (want.gesture != a->cur.gesture && a->sensor->set_gesture)
            a->sensor->set_gesture(a->sensor->ctx, want.gesture);
        a->cur = want;
        a->applied_gen = gen;
        if (restart && a->sensor_ready)
            sensor_configure(a, now_ms);
    }
    if (!a->sensor_ready) {
        if ((int32_t)(now_ms - a->next_init_ms) < 0)
            return;
        /* init is a state machine: each call does a few transfers and says how long to wait */
        int e = a->sensor->init(a->sensor->ctx, now_ms);
        if (e > 0) {
            a->next_init_ms = now_ms + (uint32_t)e;
            return;
        }
        if (e) {
            post_err(a, -e);
            a->next_init_ms = now_ms + APP_REINIT_MS;
            return;
        }
        if (a->sensor->set_gesture)
            a->sensor->set_gesture(a->sensor->ctx, a->cur.gesture);
        a->sensor_ready = true;
        if (!sensor_configure(a, now_ms))
            return;
    }
    if (!a->cur.streaming)
        return;
    int16_t v[APP_READ_BATCH][IMU_AXES];
    for (;;) {
        int n = a->sensor->read(a->sensor->ctx, now_ms, v, APP_READ_BATCH);
        if (n < 0) {
            post_err(a, -n);
            if (-n == (int)PROTO_ERR_FIFO_OVERFLOW || -n == (int)PROTO_ERR_FIFO_RESET) {
                /* the driver reset its FIFO: samples were lost, so a new time base */
                a->fifo_overflows++;
                restart_stream(a);
            } else {
                a->sensor_ready = false;
                a->next_init_ms = now_ms + APP_REINIT_MS;
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            struct imu_sample s;
            memcpy(s.v, v[i], sizeof s.v);
            s.idx = a->idx;
            s.t_us = sample_time(a, a->idx);
            a->idx++;
            if (!ring_push(&a->samples, &s, 1))
                a->ring_overflows++;
        }
        if (n > 0)
            reanchor(a, platform_now_us());
        if (n < APP_READ_BATCH)
            return;
    }
}

/* ---- main loop: replies --------------------------------------------------------------- */

void app_ack(struct app *a, uint16_t token, uint8_t cmd)
{
    uint8_t p[PROTO_ACK_LEN];
    proto_put_u16(p, token);
    p[2] = cmd;
    link_send(&a->link, PROTO_ACK, p, sizeof p);
}

static size_t put_text(uint8_t *dst, const char *text, size_t cap)
{
    size_t n = 0;
    while (text && text[n] && n < cap) {
        dst[n] = (uint8_t)text[n];
        n++;
    }
    return n;
}

void app_nak(struct app *a, uint16_t token, uint8_t cmd, uint8_t reason, const char *text)
{
    uint8_t *p = link_payload(&a->link);
    proto_put_u16(p, token);
    p[2] = cmd;
    p[3] = reason;
    size_t n = put_text(p + PROTO_NAK_HDR, text, 60);
    link_send(&a->link, PROTO_NAK, NULL, PROTO_NAK_HDR + n);
}

bool app_send_error(struct app *a, uint16_t code, const char *text)
{
    uint8_t *p = link_payload(&a->link);
    proto_put_u16(p, code);
    size_t n = put_text(p + 2, text, 60); /* the host names the code: proto_error_name() */
    return link_send(&a->link, PROTO_ERROR, NULL, 2 + n);
}

bool app_send_log(struct app *a, uint8_t level, const char *text)
{
    uint8_t *p = link_payload(&a->link);
    p[0] = level;
    size_t n = put_text(p + 1, text, 60);
    return link_send(&a->link, PROTO_LOG, NULL, 1 + n);
}

/* Copy at most cap characters of src to dst (the rest stays as it is: zero). */
static void put_id(uint8_t *dst, const char *src, size_t cap)
{
    for (size_t i = 0; src && i < cap && src[i]; i++)
        dst[i] = (uint8_t)src[i];
}

bool app_send_hello(struct app *a)
{
    /* HELLO written straight into the payload in its layout (docs/protocol.md §3.2, proto.h): the
     * struct proto_hello and proto_hello_pack() cost about 0.3 KB of the classifier's flash.
     * test_app parses every HELLO back with proto_hello_parse. */
    static const char names[] = "accXaccYaccZgyrXgyrYgyrZ";
    uint8_t *p = link_payload(&a->link);
    size_t len = PROTO_HELLO_FIXED + IMU_AXES * PROTO_HELLO_AXIS;
    memset(p, 0, len);
    p[0] = PROTO_VERSION;
    p[1] = FW_VERSION_MAJOR;
    p[2] = FW_VERSION_MINOR;
    p[3] = FW_VERSION_PATCH;
    put_id(p + 4, a->info.board, PROTO_ID_LEN);
    put_id(p + 20, a->sensor->name, PROTO_ID_LEN);
    proto_put_u16(p + 36, a->cfg.rate_hz);
    p[38] = a->cfg.accel_g;
    proto_put_u16(p + 39, a->cfg.gyro_dps);
    p[41] = (uint8_t)((a->cfg.streaming ? PROTO_FLAG_STREAMING : 0) |
                      ((a->sensor->flags & SENSOR_FLAG_SYNTHETIC) ? PROTO_FLAG_SYNTHETIC : 0) | a->info.extra_flags);
    proto_put_u32(p + 42, a->info.baud);
    proto_put_u32(p + 46, a->info.model_hash);
    p[50] = a->spf;
    p[51] = IMU_AXES;
    /* the sensor's sensitivities at these ranges (portable/live.c: MPU-6050 datasheet §6.1-6.2,
     * LIS3DH table 4): the same scales the classifier's live path uses */
    float scale[IMU_AXES];
    live_sensor_scales((enum live_sensor_kind)a->sensor->scale_kind, a->cfg.accel_g, a->cfg.gyro_dps, scale);
    for (unsigned i = 0; i < IMU_AXES; i++) {
        uint8_t *q = p + PROTO_HELLO_FIXED + i * PROTO_HELLO_AXIS;
        uint32_t bits;
        memcpy(q, names + 4 * i, 4);
        memcpy(q + 8, i < 3 ? "g" : "dps", i < 3 ? 1 : 3);
        memcpy(&bits, &scale[i], 4);
        proto_put_u32(q + 16, bits);
    }
    return link_send(&a->link, PROTO_HELLO, NULL, len);
}

void app_send_stack_mark(struct app *a)
{
    char t[40] = "stack ", *p = app_put_uint(t + 6, platform_stack_used(), " of ");
    app_put_uint(p, platform_stack_size(), " B used");
    app_send_log(a, PROTO_LOG_INFO, t);
}

static void send_stats(struct app *a)
{
    uint8_t *p = link_payload(&a->link);
    proto_put_u32(p, platform_now_ms());
    proto_put_u32(p + 4, a->frames_sent);
    proto_put_u32(p + 8, a->frames_dropped);
    proto_put_u32(p + 12, __atomic_load_n(&a->sensor_errors, __ATOMIC_RELAXED));
    proto_put_u32(p + 16, __atomic_load_n(&a->fifo_overflows, __ATOMIC_RELAXED) +
                              __atomic_load_n(&a->ring_overflows, __ATOMIC_RELAXED));
    proto_put_u32(p + 20, a->link.rx_errors);
    link_send(&a->link, PROTO_STATS, NULL, PROTO_STATS_LEN);
}

/* ---- main loop: commands -------------------------------------------------------------- */

void app_set_streaming(struct app *a, bool on)
{
    if (a->cfg.streaming == on)
        return;
    a->cfg.streaming = on;
    post_cfg(a);
}

void app_toggle_streaming(struct app *a) { app_set_streaming(a, !a->cfg.streaming); }

static bool want_len(struct app *a, uint16_t token, const struct proto_frame *f, uint16_t len)
{
    if (f->len == len)
        return true;
    app_nak(a, token, f->type, PROTO_NAK_BAD_LENGTH, "bad length");
    return false;
}

void app_handle_frame(struct app *a, const struct proto_frame *f)
{
    if (f->len < 2) {
        app_nak(a, 0, f->type, PROTO_NAK_BAD_LENGTH, "no token");
        return;
    }
    uint16_t token = proto_get_u16(f->payload);
    const uint8_t *p = f->payload + 2;
    switch (f->type) {
    case PROTO_CMD_START:
    case PROTO_CMD_STOP:
        if (!want_len(a, token, f, 2))
            return;
        app_set_streaming(a, f->type == PROTO_CMD_START);
        app_ack(a, token, f->type);
        return;
    case PROTO_CMD_PING:
        if (want_len(a, token, f, 2))
            app_ack(a, token, f->type);
        return;
    case PROTO_CMD_INFO:
        if (!want_len(a, token, f, 2))
            return;
        app_ack(a, token, f->type);
        app_send_hello(a);
        app_send_stack_mark(a);
        return;
    case PROTO_CMD_STATS:
        if (!want_len(a, token, f, 2))
            return;
        app_ack(a, token, f->type);
        send_stats(a);
        return;
#ifndef APP_FIXED_RATE /* the classifier: its model fixes the rate (classifier_main.c answers) */
    case PROTO_CMD_SET_RATE: {
        if (!want_len(a, token, f, 4))
            return;
        uint16_t r = proto_get_u16(p);
        /* 50-1000 Hz, and one the sensor makes exactly (MPU-6050: 1 kHz / n; BMI160, LIS3DH: 50 * 2^n) */
        if (r < 50 || r > 1000 || !a->sensor->rate_ok(a->sensor->ctx, r)) {
            app_nak(a, token, f->type, PROTO_NAK_BAD_VALUE, "rate not one the sensor makes (50-1000 Hz)");
            return;
        }
        uint32_t need = app_link_bytes_per_s(r);
        if (need * 10u * 100u > a->info.baud * APP_LINK_PERCENT) { /* 8N1: 10 bits a byte */
            char why[64], *w = app_put_uint(why, r, " Hz needs ");
            w = app_put_uint(w, need, " B/s: over 70% of ");
            app_put_uint(w, a->info.baud, " baud");
            app_nak(a, token, f->type, PROTO_NAK_BAD_VALUE, why);
            return;
        }
        a->cfg.rate_hz = r;
        a->spf = app_spf_for_rate(r);
        post_cfg(a);
        app_ack(a, token, f->type);
        app_send_hello(a);
        return;
    }
#endif
#ifndef APP_FIXED_RATE
    case PROTO_CMD_SET_BAUD: {
        /* the host's rates (serial.c); ACK at the old baud, then the switch (set_baud drains the
         * transmit ring first); the rates that fit change with it (SET_RATE above) */
        static const uint32_t ok[] = { 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600 };
        if (!want_len(a, token, f, 6))
            return;
        uint32_t b = proto_get_u32(p);
        unsigned i = 0;
        while (i < 8 && ok[i] != b)
            i++;
        if (!a->info.set_baud || i == 8) {
            app_nak(a, token, f->type, a->info.set_baud ? PROTO_NAK_BAD_VALUE : PROTO_NAK_UNSUPPORTED,
                    "baud: 9600-921600 (the host's rates)");
            return;
        }
        app_ack(a, token, f->type);
        a->info.set_baud(b);
        a->info.baud = b;
        app_send_hello(a);
        return;
    }
#endif
    case PROTO_CMD_SET_RANGES: {
        if (!want_len(a, token, f, 5))
            return;
        uint8_t g = p[0];
        uint16_t d = proto_get_u16(p + 1);
        if (!imu_accel_range_ok(g) || !imu_gyro_range_ok(d)) {
            app_nak(a, token, f->type, PROTO_NAK_BAD_VALUE, "ranges: 2/4/8/16 g, 250/500/1000/2000 dps");
            return;
        }
        a->cfg.accel_g = g;
        a->cfg.gyro_dps = d;
        post_cfg(a);
        app_ack(a, token, f->type);
        app_send_hello(a);
        return;
    }
#ifndef APP_NO_SYNTH_COMMANDS /* images without a synthetic sensor answer UNKNOWN_COMMAND */
    case PROTO_CMD_SET_GESTURE:
        if (!want_len(a, token, f, 3))
            return;
        if (!a->sensor->set_gesture) {
            app_nak(a, token, f->type, PROTO_NAK_UNSUPPORTED, "not a synthetic sensor");
            return;
        }
        if (p[0] >= SYNTH_N_GESTURES) {
            app_nak(a, token, f->type, PROTO_NAK_BAD_VALUE, "gesture: 0 idle, 1 wave, 2 circle, 3 updown");
            return;
        }
        a->cfg.gesture = p[0];
        post_cfg(a);
        app_ack(a, token, f->type);
        return;
#endif
    default:
        if (a->cmd_hook && a->cmd_hook(a, token, f))
            return;
        app_nak(a, token, f->type, PROTO_NAK_UNKNOWN_COMMAND, "unknown command");
        return;
    }
}

void app_rx_byte(struct app *a, uint8_t byte)
{
    struct proto_frame f;
    if (link_rx_byte(&a->link, byte, &f))
        app_handle_frame(a, &f);
}

/* ---- main loop: samples --------------------------------------------------------------- */

/* Pack n consecutive samples from the ring head into one SAMPLES frame and drop them. */
static void send_samples(struct app *a, uint32_t n)
{
    const struct imu_sample *s0 = ring_peek(&a->samples);
    uint8_t *p = link_payload(&a->link);
    size_t off = proto_samples_pack_header(a->seq, s0->t_us, (uint16_t)n, IMU_AXES, p);
    for (uint32_t k = 0; k < n; k++) {
        const struct imu_sample *s = ring_at(&a->samples, k);
        for (unsigned ax = 0; ax < IMU_AXES; ax++) {
            proto_put_u16(p + off, (uint16_t)s->v[ax]);
            off += 2;
        }
    }
    a->expect_idx = ((const struct imu_sample *)ring_at(&a->samples, n - 1))->idx + 1u;
    a->have_expect = true;
    ring_drop(&a->samples, n);
    if (link_send(&a->link, PROTO_SAMPLES, NULL, off))
        a->frames_sent++;
    else
        a->frames_dropped++; /* the host sees the missing seq */
    a->seq++;
}

void app_stream_pump(struct app *a)
{
    for (;;) {
        uint32_t used = ring_used(&a->samples);
        if (used == 0)
            return;
        /* Count the run of consecutive sample indices at the head, up to one frame. */
        const struct imu_sample *s = ring_peek(&a->samples);
        uint32_t idx = s->idx, run = 1;
        bool broken = false;
        while (run < a->spf && run < used) {
            const struct imu_sample *t = ring_at(&a->samples, run);
            if (t->idx != idx + run) {
                broken = true;
                break;
            }
            run++;
        }
        /* A full frame, a run cut by a restart, or the tail when streaming stopped. */
        if (run < a->spf && !broken && a->cfg.streaming)
            return;
        send_samples(a, run);
    }
}

void app_poll(struct app *a)
{
    uint16_t code;
    while (ring_pop(&a->errs, &code, 1)) /* an unknown sensor: its name says what answered */
        app_send_error(a, code, code == PROTO_ERR_SENSOR_UNKNOWN ? a->sensor->name : NULL);
    app_stream_pump(a);
    if (a->frames_dropped != a->drops_reported && ring_free(a->link.tx) >= link_encoded_max(64)) {
        a->drops_reported = a->frames_dropped;
        app_send_error(a, PROTO_ERR_TX_OVERFLOW, NULL);
    }
}
