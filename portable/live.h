/* SPDX-License-Identifier: MIT */
/* live.h -- the classifier's live sample path, one copy for the device and the host.
 *
 * The firmware (firmware/app/classifier_main.c) and the host (imulab validate --live, the live-path
 * test) push the same sensor samples through these functions, so their CLASSIFICATION and EVENT
 * frames agree byte for byte. Only integer arithmetic happens here; features and inference
 * (imu_features, imu_nn_run: bit-exact by their own design) run in the caller between
 * live_next() and live_decide().
 *
 * Stages, in the order a sample goes through them:
 *   1. axis selection   the sensor's sample (IMU order accX..gyrZ) -> the model's axes (cfg.axis_map)
 *   2. rate conversion  the sensor rate -> the model rate, linear interpolation in integers
 *                       (output j sits at input position j * in_hz / out_hz; equal rates pass through)
 *   3. window ring      the last window_len converted samples; every stride_len samples a window is
 *                       due. live_window() rotates the ring in place into time order (oldest first).
 *   [a gesture segmenter slots in here: it would decide in live_next() which due windows go on]
 *   4. scaling          live_scales(): physical units per LSB of each model axis, from the sensor's
 *                       ranges (live_sensor_scales) -- the scale imu_features() multiplies by
 *   5. decision logic   live_decide(): a confidence threshold (the margin between the two best int8
 *                       scores) gives "uncertain"; a majority over the last N raw decisions; a
 *                       minimum interval between events; an event only when the decision changes.
 *
 * Time in the decision logic counts converted samples (model rate), so it needs no clock and the
 * host reproduces it exactly. Nothing allocates: the window buffer is the caller's.
 */
#ifndef IMULAB_LIVE_H
#define IMULAB_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#define LIVE_SENSOR_AXES 6u   /* accX accY accZ gyrX gyrY gyrZ */
#define LIVE_MAX_AXES 6u
#define LIVE_MAX_SMOOTH 16u
#define LIVE_UNCERTAIN 0xFFu  /* decision class: no class is confident enough */
#define LIVE_MAX_HZ 2000u    /* sensor and model rates */
#define LIVE_PENDING 4u       /* converted samples one input sample can produce (out_hz <= 3 in_hz) */

/* The decision logic chosen at training time (model.json "decision", model.h IMU_MODEL_DECISION_*). */
struct live_decision_cfg {
    uint8_t n_classes;      /* 1..32 */
    uint8_t min_margin;     /* int8 score units: top minus second below this -> uncertain (0: never) */
    uint8_t smooth_n;       /* majority over the last N raw decisions, 1..LIVE_MAX_SMOOTH */
    uint32_t min_interval;  /* converted samples between two events at least (0: none) */
};

struct live_cfg {
    uint8_t n_axes;                      /* model axes, 1..LIVE_MAX_AXES */
    uint8_t axis_map[LIVE_MAX_AXES];     /* model axis m is sensor axis axis_map[m] */
    uint16_t window_len, stride_len;     /* samples at the model rate */
    uint32_t in_hz, out_hz;              /* sensor rate, model rate (out_hz <= 3 in_hz) */
    struct live_decision_cfg decision;
};

struct live_event {
    uint8_t class_index;  /* the new decision, or LIVE_UNCERTAIN */
    uint8_t previous;     /* the decision before (LIVE_UNCERTAIN at first) */
    uint8_t votes;        /* raw decisions out of the last smooth_n that agree with it */
    uint32_t at;          /* converted sample count when it was decided */
};

struct live_decider {
    struct live_decision_cfg cfg;
    uint8_t votes[LIVE_MAX_SMOOTH];
    uint8_t n_votes, next;
    uint8_t current;
    bool have_event;
    uint32_t last_event_at;
};

struct live {
    struct live_cfg cfg;
    int16_t *win;                 /* window_len * n_axes, interleaved, the caller's */
    uint32_t head, fill, since;   /* ring: oldest row, rows filled, rows since the last window */
    /* rate conversion */
    uint32_t pos;                 /* next output position after the previous input, in 1/out_hz */
    bool have_prev;
    int16_t prev[LIVE_MAX_AXES];
    int16_t pend[LIVE_PENDING][LIVE_MAX_AXES];
    uint8_t n_pend, pend_next;
    uint32_t n_out;               /* converted samples since live_init (the decision clock) */
    struct live_decider dec;
};

/* Check a configuration: 0, or -1 (axes, window, stride, rates or decision out of range). */
int live_cfg_check(const struct live_cfg *cfg);
/* Start with an empty window; win holds window_len * n_axes int16. cfg must pass live_cfg_check. */
void live_init(struct live *l, const struct live_cfg *cfg, int16_t *win);
/* A gap in the input (sensor restart, lost samples): empty window, rate conversion and votes
 * restart; the current decision and the event clock are kept. */
void live_restart(struct live *l);
/* One sensor sample (LIVE_SENSOR_AXES values) in. Then call live_next() until it returns false. */
void live_put(struct live *l, const int16_t *sensor_sample);
/* Move converted samples into the window; true when a window is due (classify live_window(),
 * then call live_next() again for the rest). */
bool live_next(struct live *l);
/* The window in time order (rotated in place; the ring goes on from there). */
const int16_t *live_window(struct live *l);
/* Physical units per LSB of each model axis from the sensor's per-axis scales. */
void live_scales(const struct live_cfg *cfg, const float sensor_scale[LIVE_SENSOR_AXES], float *scale);

/* Sensors whose LSB differs from the MPU-6050's (32768 LSB per full scale). */
enum live_sensor_kind { LIVE_SENSOR_MPU = 0, LIVE_SENSOR_LIS3DH = 1 };
/* Per-axis scales (g and dps per LSB) of a sensor at the given ranges; 0 where unsupported. */
void live_sensor_scales(enum live_sensor_kind kind, uint8_t accel_g, uint16_t gyro_dps,
                        float out[LIVE_SENSOR_AXES]);

void live_decider_init(struct live_decider *d, const struct live_decision_cfg *cfg);
/* The raw decision of one inference: the best class, or LIVE_UNCERTAIN when its score is not
 * min_margin above the second best. */
uint8_t live_raw_decision(const struct live_decision_cfg *cfg, const int8_t *scores);
/* Take one inference's scores at converted sample count `at`; true (and *ev) when the smoothed
 * decision changes and the minimum interval since the last event has passed. */
bool live_decide(struct live_decider *d, const int8_t *scores, uint32_t at, struct live_event *ev);
/* The device's validation copy of the decision logic (CMD_VALIDATE with PROTO_VALIDATE_DECIDE):
 * one decision per validation window, its clock advancing by the stride per window. A window sent
 * again after a lost answer carries the same number (PROTO_VALIDATE_SEQ): the decision taken for
 * it is taken back first, so the decider advances once per window, as the host's does. */
struct live_validate_decider {
    struct live_decider d, before; /* now, and before the last window decided */
    uint32_t decided, decided_before;
    uint8_t last_seq;              /* number of the last window decided, 0xFF none */
};
void live_validate_init(struct live_validate_decider *v);
/* Decide one validation window with chunk flags `flags` (DECIDE_RESET: afresh, with cfg; SEQ:
 * its number); true (and *ev) when the decision changed. v->d.current is the decision after. An
 * unknown window (the anomaly score over its threshold) is not decided, but the clock runs on. */
bool live_validate_decide(struct live_validate_decider *v, const struct live_decision_cfg *cfg, uint8_t flags,
                          const int8_t *scores, uint32_t stride, bool unknown, struct live_event *ev);
/* Convenience: the decision step of the live path at its current sample count. */
static inline bool live_decide_now(struct live *l, const int8_t *scores, struct live_event *ev) {
    return live_decide(&l->dec, scores, l->n_out, ev);
}

#endif
