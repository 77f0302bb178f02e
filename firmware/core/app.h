/* SPDX-License-Identifier: MIT */
/* app.h -- the device application core shared by the streamer and (later) classifier images.
 *
 * Two contexts, no RTOS:
 *   sensor context  app_sensor_poll(), from a low-priority interrupt (PendSV, triggered by the
 *                   SysTick time base): owns the sensor, applies configuration requests, reads
 *                   due samples and pushes them into the lock-free sample ring.
 *   main loop       app_rx_byte(), app_poll(): parses host commands, answers ACK/NAK/HELLO/STATS,
 *                   reports sensor errors, and app_stream_pump() packs the ring into SAMPLES frames
 *                   queued on the UART transmit ring.
 * Configuration flows main -> sensor context through a request generation counter; errors flow
 * back through a small ring of error codes. Nothing blocks and nothing allocates.
 */
#ifndef FW_APP_H
#define FW_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "imu.h"
#include "link.h"
#include "proto.h"
#include "ring.h"

#ifndef APP_SAMPLE_RING
#define APP_SAMPLE_RING 64u   /* elements of struct imu_sample (power of two); the classifier sets its own */
#endif
#define APP_ERR_RING 8u
#ifndef APP_MAX_SPF
#define APP_MAX_SPF 25u       /* samples per SAMPLES frame at most (the classifier: at its fixed rate) */
#endif
#define APP_DEFAULT_RATE 100u
#define APP_DEFAULT_ACCEL_G 8u     /* as the device simulator: gestures exceed 2 g */
#define APP_DEFAULT_GYRO_DPS 1000u
#define APP_READ_BATCH 8
#define APP_REINIT_MS 1000u   /* retry period for an absent or failed sensor */
#define APP_ANCHOR_S 8u       /* sample times re-anchored to the core clock this often */
#define APP_LINK_PERCENT 70u  /* SET_RATE refused when SAMPLES frames would take more of the link */

#define FW_VERSION_MAJOR 0
#define FW_VERSION_MINOR 1
#define FW_VERSION_PATCH 0

struct app_cfg {
    uint16_t rate_hz;
    uint8_t accel_g;
    uint16_t gyro_dps;
    uint8_t gesture;
    bool streaming;
};

struct app_info {
    const char *board;   /* HELLO board id */
    uint32_t baud;
    uint32_t model_hash; /* classifier images */
    uint8_t extra_flags; /* e.g. PROTO_FLAG_CLASSIFIER */
    /* Switch the UART to a new baud once what is queued has left (NULL: fixed baud). */
    void (*set_baud)(uint32_t baud);
};

struct app;
/* Optional handler for commands the core does not know (classifier: VALIDATE). Return true if
 * handled (it must then answer ACK or NAK itself). */
typedef bool (*app_cmd_hook)(struct app *a, uint16_t token, const struct proto_frame *f);

struct app {
    const struct sensor_ops *sensor;
    struct app_info info;
    struct link link;
    app_cmd_hook cmd_hook;

    /* main-loop owned */
    struct app_cfg cfg;
    uint8_t spf;
    uint32_t seq;
    uint32_t frames_sent, frames_dropped, drops_reported;
    uint32_t sensor_errors_seen;
    bool have_expect;
    uint32_t expect_idx;

    /* main -> sensor context (written with interrupts masked) */
    struct app_cfg req;
    uint32_t req_gen;

    /* sensor-context owned */
    struct app_cfg cur;
    uint32_t applied_gen;
    bool sensor_ready;
    uint32_t next_init_ms;
    uint32_t idx;
    uint32_t anchor_idx;      /* time base: sample anchor_idx was at anchor_us ... */
    uint64_t anchor_us;
    uint32_t period_q8;       /* ... and they come every period_q8 / 256 us (core clock) */
    uint32_t sensor_errors;   /* read by main for STATS */
    uint32_t fifo_overflows;
    uint32_t ring_overflows;  /* samples lost because the main loop fell behind */

    struct ring samples;
    struct imu_sample sample_buf[APP_SAMPLE_RING];
    struct ring errs;
    uint16_t err_buf[APP_ERR_RING];
};

void app_init(struct app *a, const struct sensor_ops *sensor, const struct app_info *info, struct ring *tx);
uint8_t app_spf_for_rate(uint16_t rate_hz);
/* Encoded SAMPLES bytes a second at this rate (at most; COBS overhead included). */
uint32_t app_link_bytes_per_s(uint16_t rate_hz);
/* Sensor context. */
void app_sensor_poll(struct app *a, uint32_t now_ms);
/* Main loop. */
void app_rx_byte(struct app *a, uint8_t byte);
void app_handle_frame(struct app *a, const struct proto_frame *f);
void app_poll(struct app *a);          /* errors + app_stream_pump */
void app_stream_pump(struct app *a);
void app_set_streaming(struct app *a, bool on);
void app_toggle_streaming(struct app *a);
bool app_send_hello(struct app *a);
bool app_send_error(struct app *a, uint16_t code, const char *text);
bool app_send_log(struct app *a, uint8_t level, const char *text);
/* LOG "stack N of M B used": the high-water mark of the main stack (on INFO). */
void app_send_stack_mark(struct app *a);
void app_ack(struct app *a, uint16_t token, uint8_t cmd);
void app_nak(struct app *a, uint16_t token, uint8_t cmd, uint8_t reason, const char *text);
/* Write v in decimal then suffix at p (NUL-terminated); returns the end. */
char *app_put_uint(char *p, uint32_t v, const char *suffix);

/* LD2 while the classifier runs: class c blinks c + 1 short pulses every 2 s, "uncertain"
 * (0xFF) keeps it dark; LED_HEARTBEAT is the streamer's blink. */
#define LED_HEARTBEAT 0xFEu
bool led_class_on(uint8_t cls, uint32_t now_ms);

#endif
