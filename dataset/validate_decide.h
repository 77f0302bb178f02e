/* SPDX-License-Identifier: MIT */
/* validate_decide.h -- the decision-logic part of `imulab validate`: the host runs the model's
 * decision logic (portable/live.h) over the consecutive windows of each testing recording, as the
 * device's live path does, and compares it with the decision block the device appends to each
 * VALIDATE_RESULT (PROTO_VALIDATE_DECIDE). Kept apart from cmd_validate.c's exchange loop. */
#ifndef IMULAB_VALIDATE_DECIDE_H
#define IMULAB_VALIDATE_DECIDE_H

#include <stdint.h>

#include "live.h"
#include "proto.h"
#include "trainer.h"

struct vdecide {
    struct live_decision_cfg cfg;
    struct live_decider d;
    uint32_t decided;      /* windows decided since the recording started */
    uint32_t stride;       /* samples between windows (the decider's clock) */
    int windows, exact, events;
    /* the anomaly score (models with an anomaly model): windows compared, equal, unknown */
    int anomaly_windows, anomaly_exact, unknown;
};

/* The model's decision logic (model.json "decision"). */
void vdecide_init(struct vdecide *v, const struct tr_model *m);
/* A new recording: the next window starts the decider afresh. */
void vdecide_recording(struct vdecide *v);
/* The chunk flags for the next window (PROTO_VALIDATE_DECIDE, plus _RESET at a recording's start,
 * and its number mod 32 with PROTO_VALIDATE_SEQ: unchanged until the window is compared). */
uint8_t vdecide_flags(const struct vdecide *v);
/* Decide the window's host scores and compare with the device's block: 1 if identical, 0 if
 * not (what differs goes to why), -1 if the device sent no decision block. */
int vdecide_compare(struct vdecide *v, const int8_t *host_scores, const struct proto_validate_result *res,
                    char *why, size_t whylen);

/* The same for a window the host's anomaly score marks unknown (unknown 1): the decision logic
 * ignores it (the device's block repeats the current decision, event 0, votes 0), its clock runs
 * on. vdecide_compare is this with unknown 0. */
int vdecide_compare_ex(struct vdecide *v, const int8_t *host_scores, int unknown, const struct proto_validate_result *res,
                       char *why, size_t whylen);
/* The host's anomaly score of the window (tr_anomaly_score) against the device's anomaly block:
 * 1 identical (score and unknown flag) or the model has no anomaly model, 0 not (why says what),
 * -1 the device sent no anomaly block. *unknown receives the host's verdict. */
int vdecide_anomaly(struct vdecide *v, const struct tr_model *m, uint32_t host_score,
                    const struct proto_validate_result *res, int *unknown, char *why, size_t whylen);

#endif
