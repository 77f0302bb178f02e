/* SPDX-License-Identifier: MIT */
/* test_app.c -- the device application core on the host: HELLO on boot, SAMPLES framing (seq,
 * t_us, samples per frame), commands answered with ACK/NAK (bad values, bad lengths, unknown
 * commands, noise and corrupt frames), stop/start flushing, UART overflow dropping whole frames
 * (a seq gap, never a corrupt frame), and an absent MPU6050 reported and retried. */
#include <string.h>

#include "app.h"
#include "check.h"
#include "fake_i2c.h"
#include "mpu6050.h"
#include "platform.h"
#include "synth_imu.h"

/* ---- platform stubs: a simulated millisecond clock ---- */
static uint32_t now_ms;
uint32_t platform_now_ms(void) { return now_ms; }
uint64_t platform_now_us(void) { return (uint64_t)now_ms * 1000u; }
uint32_t platform_irq_save(void) { return 0; }
void platform_irq_restore(uint32_t s) { (void)s; }
uint32_t platform_stack_used(void) { return 612; }
uint32_t platform_stack_size(void) { return 1536; }

static uint8_t txbuf[1024];
static struct ring tx;
static struct app app;
static struct synth_imu synth;
static struct sensor_ops sops;

/* ---- host side: decoded frames ---- */
struct seen {
    int hello, samples_frames, samples, acks, naks, errors, stats, logs;
    int crc_errors, framing, gaps;
    long last_seq;
    uint64_t last_t_us;
    struct proto_hello h;
    uint16_t ack_token, nak_token;
    uint8_t ack_cmd, nak_cmd, nak_reason;
    char nak_text[80], log_text[80];
    uint16_t last_count;
    uint16_t err_code;
    int16_t first[6];
    double absdev_x;
};
static struct seen S;
static struct proto_decoder dec;

static void host_reset(void)
{
    memset(&S, 0, sizeof S);
    S.last_seq = -1;
}

static void drain(void)
{
    uint8_t b;
    while (ring_pop(&tx, &b, 1)) {
        struct proto_frame f;
        int st = proto_decode_push(&dec, b, &f);
        if (st == PROTO_ERR_CRC)
            S.crc_errors++;
        else if (st < 0)
            S.framing++;
        if (st != PROTO_FRAME)
            continue;
        switch (f.type) {
        case PROTO_HELLO:
            S.hello++;
            CHECK_EQ(proto_hello_parse(f.payload, f.len, &S.h), 0);
            break;
        case PROTO_SAMPLES: {
            struct proto_samples s;
            CHECK_EQ(proto_samples_parse(f.payload, f.len, &s), 0);
            if (S.last_seq >= 0 && s.seq != (uint32_t)S.last_seq + 1)
                S.gaps++;
            S.last_seq = s.seq;
            S.last_t_us = s.t_us;
            S.last_count = s.count;
            CHECK_EQ(s.n_axes, 6);
            for (unsigned i = 0; i < s.count; i++) {
                int16_t x = proto_samples_value(&s, i, 0);
                S.absdev_x += x < 0 ? -x : x;
            }
            if (S.samples == 0)
                for (unsigned a = 0; a < 6; a++)
                    S.first[a] = proto_samples_value(&s, 0, a);
            S.samples += s.count;
            S.samples_frames++;
            break;
        }
        case PROTO_ACK:
            S.acks++;
            S.ack_token = proto_get_u16(f.payload);
            S.ack_cmd = f.payload[2];
            break;
        case PROTO_NAK:
            S.naks++;
            S.nak_token = proto_get_u16(f.payload);
            S.nak_cmd = f.payload[2];
            S.nak_reason = f.payload[3];
            memset(S.nak_text, 0, sizeof S.nak_text);
            memcpy(S.nak_text, f.payload + 4, (size_t)f.len - 4u < sizeof S.nak_text - 1u ? (size_t)f.len - 4u : sizeof S.nak_text - 1u);
            break;
        case PROTO_ERROR:
            S.errors++;
            S.err_code = proto_get_u16(f.payload);
            break;
        case PROTO_STATS:
            S.stats++;
            CHECK_EQ(f.len, PROTO_STATS_LEN);
            break;
        case PROTO_LOG:
            S.logs++;
            memset(S.log_text, 0, sizeof S.log_text);
            memcpy(S.log_text, f.payload + 1, (size_t)f.len - 1u < sizeof S.log_text - 1u ? (size_t)f.len - 1u : sizeof S.log_text - 1u);
            break;
        }
    }
}

/* Run the device for ms milliseconds: sensor context every ms, main loop after it. */
static void run(uint32_t ms, bool host_reads)
{
    for (uint32_t i = 0; i < ms; i++) {
        now_ms++;
        app_sensor_poll(&app, now_ms);
        app_poll(&app);
        if (host_reads)
            drain();
    }
}

static void send_cmd(uint8_t type, uint16_t token, const uint8_t *args, size_t n)
{
    uint8_t p[16], out[64];
    proto_put_u16(p, token);
    if (n)
        memcpy(p + 2, args, n);
    size_t len = proto_frame_encode(type, p, 2 + n, out, sizeof out);
    for (size_t i = 0; i < len; i++)
        app_rx_byte(&app, out[i]);
    drain();
}

static uint32_t boot_baud = 115200;

static void boot_synth(void)
{
    now_ms = 0;
    ring_init(&tx, txbuf, sizeof txbuf, 1);
    synth_imu_init(&synth, 42);
    sops = synth_sensor_ops_template;
    sops.ctx = &synth;
    struct app_info info = { .board = "test-board", .baud = boot_baud };
    app_init(&app, &sops, &info, &tx);
    proto_decoder_init(&dec);
    host_reset();
    app_send_hello(&app);
    drain();
}

static void streaming(void)
{
    boot_synth();
    CHECK_EQ(S.hello, 1);
    CHECK_EQ(S.h.sample_rate_hz, 100);
    CHECK_EQ(S.h.samples_per_frame, 10);
    CHECK_EQ(S.h.n_axes, 6);
    CHECK(S.h.flags & PROTO_FLAG_STREAMING);
    CHECK(S.h.flags & PROTO_FLAG_SYNTHETIC);
    CHECK(!strcmp(S.h.board, "test-board"));
    CHECK(!strcmp(S.h.axis_name[0], "accX") && !strcmp(S.h.axis_name[5], "gyrZ"));
    CHECK(!strcmp(S.h.axis_unit[0], "g") && !strcmp(S.h.axis_unit[3], "dps"));
    CHECK(S.h.axis_scale[0] > 0.000244f && S.h.axis_scale[0] < 0.000245f); /* 8 g / 32768 */

    run(1000, true); /* streams from boot, no command needed */
    CHECK(S.samples >= 90 && S.samples <= 100); /* whole frames only */
    CHECK_EQ(S.samples % 10, 0);
    CHECK_EQ(S.gaps, 0);
    CHECK_EQ(S.last_seq, S.samples_frames - 1);
    CHECK_EQ(S.crc_errors + S.framing, 0);
    /* idle, flat: accZ ~ +1 g at 8 g range = 4096 counts */
    CHECK(S.first[2] > 3500 && S.first[2] < 4700);
    uint64_t t1 = S.last_t_us;
    run(100, true);
    CHECK_EQ(S.last_t_us - t1, 100000u); /* 10 samples at 100 Hz per frame */
}

static void commands(void)
{
    boot_synth();
    uint8_t a[4];

    send_cmd(PROTO_CMD_PING, 7, NULL, 0);
    CHECK_EQ(S.acks, 1);
    CHECK_EQ(S.ack_token, 7);
    CHECK_EQ(S.ack_cmd, PROTO_CMD_PING);

    send_cmd(PROTO_CMD_INFO, 8, NULL, 0);
    CHECK_EQ(S.acks, 2);
    CHECK_EQ(S.hello, 2);
    CHECK(!strcmp(S.log_text, "stack 612 of 1536 B used")); /* the high-water mark, on INFO */

    proto_put_u16(a, 20); /* too slow */
    send_cmd(PROTO_CMD_SET_RATE, 9, a, 2);
    CHECK_EQ(S.naks, 1);
    CHECK_EQ(S.nak_token, 9);
    CHECK_EQ(S.nak_reason, PROTO_NAK_BAD_VALUE);
    proto_put_u16(a, 5000);
    send_cmd(PROTO_CMD_SET_RATE, 10, a, 2);
    CHECK_EQ(S.naks, 2);
    send_cmd(PROTO_CMD_SET_RATE, 11, a, 1); /* short */
    CHECK_EQ(S.nak_reason, PROTO_NAK_BAD_LENGTH);
    CHECK_EQ(app.cfg.rate_hz, 100); /* unchanged */
    host_reset();
    run(500, true);
    CHECK(S.samples >= 40 && S.samples <= 50); /* stream went on at 100 Hz */

    proto_put_u16(a, 200);
    send_cmd(PROTO_CMD_SET_RATE, 12, a, 2);
    CHECK_EQ(S.ack_token, 12);
    CHECK_EQ(S.h.sample_rate_hz, 200);
    CHECK_EQ(S.h.samples_per_frame, 20);
    host_reset();
    run(1000, true);
    CHECK(S.samples >= 180 && S.samples <= 200);
    CHECK_EQ(S.gaps, 0);

    a[0] = 4;
    proto_put_u16(a + 1, 500);
    send_cmd(PROTO_CMD_SET_RANGES, 13, a, 3);
    CHECK_EQ(S.ack_token, 13);
    CHECK_EQ(S.h.accel_range_g, 4);
    CHECK_EQ(S.h.gyro_range_dps, 500);
    a[0] = 3;
    send_cmd(PROTO_CMD_SET_RANGES, 14, a, 3);
    CHECK_EQ(S.nak_token, 14);
    CHECK_EQ(S.nak_reason, PROTO_NAK_BAD_VALUE);
    CHECK_EQ(app.cfg.accel_g, 4);

    a[0] = 9;
    send_cmd(PROTO_CMD_SET_GESTURE, 15, a, 1);
    CHECK_EQ(S.nak_reason, PROTO_NAK_BAD_VALUE);
    int naks = S.naks;
    send_cmd(0x9F, 16, NULL, 0);
    CHECK_EQ(S.naks, naks + 1);
    CHECK_EQ(S.nak_reason, PROTO_NAK_UNKNOWN_COMMAND);
    CHECK_EQ(S.nak_cmd, 0x9F);
    send_cmd(PROTO_SAMPLES, 17, NULL, 0); /* a device-to-host type */
    CHECK_EQ(S.nak_reason, PROTO_NAK_UNKNOWN_COMMAND);
    {
        uint8_t out[16];
        size_t n = proto_frame_encode(PROTO_CMD_PING, NULL, 0, out, sizeof out); /* no token */
        for (size_t i = 0; i < n; i++)
            app_rx_byte(&app, out[i]);
        drain();
        CHECK_EQ(S.nak_reason, PROTO_NAK_BAD_LENGTH);
        CHECK_EQ(S.nak_token, 0);
    }

    /* noise, a corrupt frame and an over-long run are skipped; the next command still works */
    int acks = S.acks;
    uint32_t rx_err = app.link.rx_errors;
    const uint8_t noise[] = { 0x13, 0x37, 0xFF, 0x00, 0x05, 0x01, 0x85, 0x00 };
    for (size_t i = 0; i < sizeof noise; i++)
        app_rx_byte(&app, noise[i]);
    uint8_t p[2] = { 1, 0 }, out[32];
    size_t n = proto_frame_encode(PROTO_CMD_PING, p, 2, out, sizeof out);
    out[3] ^= 0x40; /* corrupt: CRC mismatch */
    for (size_t i = 0; i < n; i++)
        app_rx_byte(&app, out[i]);
    for (int i = 0; i < 300; i++)
        app_rx_byte(&app, 0x55);
    app_rx_byte(&app, 0);
    drain();
    CHECK_EQ(S.acks, acks);
    CHECK(app.link.rx_errors >= rx_err + 3);
    send_cmd(PROTO_CMD_PING, 18, NULL, 0);
    CHECK_EQ(S.acks, acks + 1);
    CHECK_EQ(S.ack_token, 18);

    send_cmd(PROTO_CMD_STATS, 19, NULL, 0);
    CHECK_EQ(S.stats, 1);
}

static void gestures_and_stop(void)
{
    boot_synth();
    host_reset();
    run(2000, true);
    double idle = S.absdev_x / S.samples;
    uint8_t g = 1;
    send_cmd(PROTO_CMD_SET_GESTURE, 1, &g, 1);
    CHECK_EQ(S.ack_cmd, PROTO_CMD_SET_GESTURE);
    long seq = S.last_seq;
    host_reset();
    run(2000, true);
    double wave = S.absdev_x / S.samples;
    CHECK(wave > 5 * idle + 100); /* waving moves X a lot */
    CHECK_EQ(S.gaps, 0);
    CHECK(S.last_seq > seq);

    /* STOP flushes the partial frame and silences the stream; START resumes with the next seq */
    run(35, true);
    int before = S.samples;
    send_cmd(PROTO_CMD_STOP, 2, NULL, 0);
    run(5, true);
    CHECK_EQ(S.samples % 10, 3);
    CHECK(S.samples > before);
    int stopped = S.samples;
    run(500, true);
    CHECK_EQ(S.samples, stopped);
    long last = S.last_seq;
    send_cmd(PROTO_CMD_START, 3, NULL, 0);
    run(1000, true);
    CHECK(S.samples - stopped >= 90);
    CHECK_EQ(S.gaps, 0);
    CHECK(S.last_seq > last);

    app_toggle_streaming(&app); /* the user button */
    CHECK(!app.cfg.streaming);
    app_toggle_streaming(&app);
    CHECK(app.cfg.streaming);
}

static void tx_overflow(void)
{
    boot_baud = 921600; /* 1 kHz fits this link (not 115200: see rate_vs_baud) */
    boot_synth();
    boot_baud = 115200;
    uint8_t a[2];
    proto_put_u16(a, 1000); /* 25 samples per frame, ~330-byte frames */
    send_cmd(PROTO_CMD_SET_RATE, 1, a, 2);
    host_reset();
    run(1000, false); /* the UART stalls: the 1 KB ring fills up */
    CHECK(app.frames_dropped > 0);
    drain();
    run(300, true);
    CHECK(S.gaps > 0);            /* the host sees missing seq numbers */
    CHECK_EQ(S.crc_errors, 0);    /* but never a broken frame */
    CHECK_EQ(S.framing, 0);
    CHECK(S.errors >= 1);
    CHECK_EQ(S.err_code, PROTO_ERR_TX_OVERFLOW);
}

static void absent_sensor(void)
{
    static struct fake_mpu m;
    static struct i2c_bus bus;
    static struct mpu6050 d;
    fake_mpu_init(&m, 0x68);
    m.present = false;
    bus = fake_bus(&m);
    mpu6050_bind(&d, &bus, 0x68);
    sops = mpu6050_sensor_ops_template;
    sops.ctx = &d;
    now_ms = 0;
    ring_init(&tx, txbuf, sizeof txbuf, 1);
    struct app_info info = { .board = "nucleo", .baud = 115200 };
    app_init(&app, &sops, &info, &tx);
    proto_decoder_init(&dec);
    host_reset();
    run(2500, true);
    CHECK_EQ(S.errors, 3); /* at 1, 1001, 2001 ms: retried once a second, no hang */
    CHECK_EQ(S.err_code, PROTO_ERR_SENSOR_ABSENT);
    CHECK_EQ(S.samples, 0);
    send_cmd(PROTO_CMD_PING, 5, NULL, 0); /* commands still answered */
    CHECK_EQ(S.ack_token, 5);
    uint8_t g = 1;
    send_cmd(PROTO_CMD_SET_GESTURE, 6, &g, 1);
    CHECK_EQ(S.nak_reason, PROTO_NAK_UNSUPPORTED);
    uint8_t a[2];
    proto_put_u16(a, 300);
    send_cmd(PROTO_CMD_SET_RATE, 7, a, 2);
    CHECK_EQ(S.nak_reason, PROTO_NAK_BAD_VALUE); /* the MPU6050 cannot make 300 Hz */

    m.present = true; /* plugged in: the next retry finds it and streams (init takes 200 ms) */
    int16_t z[6] = { 1, 2, 3, 4, 5, 6 };
    for (int i = 0; i < 1500; i++) {
        now_ms++;
        if (i % 10 == 0)
            fake_mpu_sample(&m, z);
        app_sensor_poll(&app, now_ms);
        app_poll(&app);
        drain();
    }
    CHECK(S.samples >= 40);
    CHECK_EQ(S.first[0], 1);
    CHECK_EQ(S.first[5], 6);
}

static uint32_t switched_to;
static int acks_before_switch;
static void fake_set_baud(uint32_t baud)
{
    switched_to = baud;
    drain();
    acks_before_switch = S.acks;
}

/* SET_RATE is refused when SAMPLES frames would take more than 70 % of the link, with a NAK
 * naming the baud: 1 kHz at 115200 baud needs 13,000 B/s of 11,520 (docs/firmware.md table). */
static void rate_vs_baud(void)
{
    boot_synth();
    uint8_t a[2];
    proto_put_u16(a, 1000);
    send_cmd(PROTO_CMD_SET_RATE, 1, a, 2);
    CHECK_EQ(S.nak_token, 1);
    CHECK_EQ(S.nak_reason, PROTO_NAK_BAD_VALUE);
    CHECK(strstr(S.nak_text, "115200 baud") != NULL);
    CHECK(strstr(S.nak_text, "1000 Hz") != NULL);
    CHECK_EQ(app.cfg.rate_hz, 100);
    static const uint16_t ok[] = { 250, 100, 500, 50 };
    for (unsigned i = 0; i < 4; i++) {
        proto_put_u16(a, ok[i]);
        send_cmd(PROTO_CMD_SET_RATE, (uint16_t)(10 + i), a, 2);
        CHECK_EQ(S.ack_token, 10 + i);
        CHECK_EQ(app.cfg.rate_hz, ok[i]);
    }
    CHECK_EQ(app_link_bytes_per_s(1000), 13000); /* 40 frames of 25 samples, 325 bytes each */
    CHECK(app_link_bytes_per_s(500) * 10 <= 115200 * 7 / 10);
    /* the limit follows the baud: at 921600 1 kHz is fine */
    boot_baud = 921600;
    boot_synth();
    boot_baud = 115200;
    proto_put_u16(a, 1000);
    send_cmd(PROTO_CMD_SET_RATE, 2, a, 2);
    CHECK_EQ(S.ack_token, 2);
    CHECK_EQ(app.cfg.rate_hz, 1000);

    /* the baud at run time: ACK first, then the switch; the limit follows it */
    boot_synth();
    app.info.set_baud = fake_set_baud;
    uint8_t b[4];
    proto_put_u32(b, 921600);
    send_cmd(PROTO_CMD_SET_BAUD, 3, b, 4);
    CHECK_EQ(S.ack_token, 3);
    CHECK_EQ(switched_to, 921600);
    CHECK_EQ(acks_before_switch, 1); /* the ACK was queued before the switch */
    CHECK_EQ(S.h.baud, 921600);
    proto_put_u16(a, 1000);
    send_cmd(PROTO_CMD_SET_RATE, 4, a, 2);
    CHECK_EQ(S.ack_token, 4);
    proto_put_u32(b, 1234);
    send_cmd(PROTO_CMD_SET_BAUD, 5, b, 4);
    CHECK_EQ(S.nak_token, 5);
    CHECK_EQ(S.nak_reason, PROTO_NAK_BAD_VALUE);
    app.info.set_baud = NULL; /* a board with a fixed baud */
    proto_put_u32(b, 115200);
    send_cmd(PROTO_CMD_SET_BAUD, 6, b, 4);
    CHECK_EQ(S.nak_reason, PROTO_NAK_UNSUPPORTED);
}

/* A sensor whose own clock runs 1 % fast (the MPU-6050's is +-1 %): SAMPLES times must follow the
 * core clock, not the nominal rate (that would drift 36 s an hour). */
static uint32_t fast_made;
static int fast_read(void *ctx, uint32_t now, int16_t (*out)[IMU_AXES], int max)
{
    (void)ctx;
    uint32_t due = (uint32_t)((uint64_t)now * 101u / 1000u); /* 100 Hz * 1.01 */
    int n = 0;
    while (fast_made < due && n < max) {
        memset(out[n++], 0, sizeof out[0]);
        fast_made++;
    }
    return n;
}
static int fast_init(void *ctx, uint32_t now) { (void)ctx; (void)now; return 0; }
static bool fast_rate_ok(void *ctx, uint16_t r) { (void)ctx; return r == 100; }
static int fast_configure(void *ctx, uint16_t r, uint8_t g, uint16_t d, uint32_t now)
{
    (void)ctx; (void)r; (void)g; (void)d;
    fast_made = (uint32_t)((uint64_t)now * 101u / 1000u);
    return 0;
}

static void time_reanchor(void)
{
    static const struct sensor_ops fast = { .name = "fast", .init = fast_init, .rate_ok = fast_rate_ok,
                                            .configure = fast_configure, .read = fast_read };
    now_ms = 0;
    fast_made = 0;
    ring_init(&tx, txbuf, sizeof txbuf, 1);
    struct app_info info = { .board = "test-board", .baud = 115200 };
    app_init(&app, &fast, &info, &tx);
    proto_decoder_init(&dec);
    host_reset();
    uint64_t prev = 0;
    bool monotonic = true;
    for (int minute = 0; minute < 10; minute++) {
        for (int i = 0; i < 60000; i++) {
            now_ms++;
            if (now_ms % 4 == 0) /* the Nucleo polls every 4 ms */
                app_sensor_poll(&app, now_ms);
            app_poll(&app);
            drain();
            if (S.last_t_us < prev)
                monotonic = false;
            prev = S.last_t_us;
        }
    }
    CHECK(monotonic);
    CHECK_EQ(S.gaps, 0);
    /* the newest frame's last sample was taken at most a frame (100 ms) ago */
    uint64_t last = S.last_t_us + (uint64_t)(S.last_count - 1u) * 990u;
    int64_t lag = (int64_t)now_ms * 1000 - (int64_t)last;
    if (lag < 0 || lag > 150000) {
        fprintf(stderr, "after 10 min the last sample is %lld us behind the core clock\n", (long long)lag);
        check_failures++;
    }
}

/* Sensor init runs as steps between polls: nothing waits, commands are answered meanwhile. */
static void init_steps(void)
{
    static struct fake_mpu m;
    static struct i2c_bus bus;
    static struct mpu6050 d;
    fake_mpu_init(&m, 0x68);
    bus = fake_bus(&m);
    mpu6050_bind(&d, &bus, 0x68);
    sops = mpu6050_sensor_ops_template;
    sops.ctx = &d;
    now_ms = 0;
    ring_init(&tx, txbuf, sizeof txbuf, 1);
    struct app_info info = { .board = "nucleo", .baud = 115200 };
    app_init(&app, &sops, &info, &tx);
    proto_decoder_init(&dec);
    host_reset();
    int pings = 0;
    int16_t z[6] = { 1, 2, 3, 4, 5, 6 };
    for (int i = 0; i < 600; i++) {
        now_ms++;
        if (i % 10 == 0)
            fake_mpu_sample(&m, z);
        int before = m.xfers;
        app_sensor_poll(&app, now_ms);
        /* a poll is a few transfers (16 at 400 kHz: about 1.2 ms, while the 128-byte receive ring
         * lasts 11 ms at 115200 baud), never a 100 ms wait */
        CHECK(m.xfers - before <= 16);
        app_poll(&app);
        if (i < 200 && i % 20 == 0) {
            send_cmd(PROTO_CMD_PING, (uint16_t)(100 + i), NULL, 0);
            pings += S.ack_token == 100 + i;
        }
        drain();
    }
    CHECK_EQ(m.slept_ms, 0);     /* never a blocking delay */
    CHECK_EQ(pings, 10);         /* all answered while the sensor was still starting */
    CHECK(S.samples >= 30);      /* and then it streams */
    CHECK_EQ(S.errors, 0);
}

/* LD2 per class: class k is k + 1 pulses of 150 ms every 2 s; uncertain (0xFF) keeps it dark. */
static void led_pattern(void)
{
    for (unsigned cls = 0; cls < 4; cls++) {
        int pulses = 0, on_ms = 0;
        bool prev = false;
        for (uint32_t t = 0; t < 2000; t++) {
            bool on = led_class_on((uint8_t)cls, 10000u + t);
            pulses += on && !prev;
            on_ms += on;
            prev = on;
        }
        CHECK_EQ(pulses, (int)cls + 1);
        CHECK_EQ(on_ms, 150 * ((int)cls + 1));
    }
    int dark = 0;
    for (uint32_t t = 0; t < 2000; t++)
        dark += !led_class_on(0xFF, t);
    CHECK_EQ(dark, 2000);
}

int main(void)
{
    led_pattern();
    rate_vs_baud();
    time_reanchor();
    init_steps();
    streaming();
    commands();
    gestures_and_stop();
    tx_overflow();
    absent_sensor();
    return check_report("test_app");
}
