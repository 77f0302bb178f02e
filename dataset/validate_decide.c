/* SPDX-License-Identifier: MIT */
/* validate_decide.c -- see validate_decide.h. */
#include "validate_decide.h"

#include <stdio.h>

void vdecide_init(struct vdecide *v, const struct tr_model *m)
{
    v->cfg.n_classes = (uint8_t)m->n_labels;
    v->cfg.min_margin = (uint8_t)m->dec_min_margin;
    v->cfg.smooth_n = (uint8_t)(m->dec_smooth_n < 1 ? 1 : m->dec_smooth_n);
    v->cfg.min_interval = (uint32_t)m->dec_min_interval;
    v->stride = (uint32_t)m->stride_len;
    v->windows = v->exact = v->events = 0;
    v->anomaly_windows = v->anomaly_exact = v->unknown = 0;
    vdecide_recording(v);
}

void vdecide_recording(struct vdecide *v)
{
    live_decider_init(&v->d, &v->cfg);
    v->decided = 0;
}

uint8_t vdecide_flags(const struct vdecide *v)
{
    /* the window's number: windows compared so far, the same when a lost answer makes it go again */
    uint8_t seq = (uint8_t)(((unsigned)v->windows & 31u) << PROTO_VALIDATE_SEQ_SHIFT);
    return (uint8_t)(PROTO_VALIDATE_DECIDE | PROTO_VALIDATE_SEQ | seq | (v->decided == 0 ? PROTO_VALIDATE_DECIDE_RESET : 0));
}

int vdecide_compare(struct vdecide *v, const int8_t *host_scores, const struct proto_validate_result *res,
                    char *why, size_t whylen)
{
    return vdecide_compare_ex(v, host_scores, 0, res, why, whylen);
}

int vdecide_anomaly(struct vdecide *v, const struct tr_model *m, uint32_t host_score,
                    const struct proto_validate_result *res, int *unknown, char *why, size_t whylen)
{
    *unknown = 0;
    if (m->anom.method == TR_ANOM_NONE) return 1;
    const uint32_t score = host_score;
    *unknown = score > m->anom.threshold;
    v->anomaly_windows++;
    v->unknown += *unknown;
    if (!res->has_anomaly) {
        snprintf(why, whylen, "the device sent no anomaly score (firmware built without the model's anomaly model?)");
        return -1;
    }
    if (res->anomaly != score || res->unknown != *unknown) {
        snprintf(why, whylen, "anomaly score: device %u%s, host %u%s", res->anomaly, res->unknown ? " (unknown)" : "",
                 score, *unknown ? " (unknown)" : "");
        return 0;
    }
    v->anomaly_exact++;
    return 1;
}

int vdecide_compare_ex(struct vdecide *v, const int8_t *host_scores, int unknown, const struct proto_validate_result *res,
                       char *why, size_t whylen)
{
    struct live_event ev;
    /* the same clock as the device: stride samples per window of this recording (an unknown
     * window is not decided) */
    const uint32_t at = v->decided++ * v->stride;
    uint8_t event = !unknown && live_decide(&v->d, host_scores, at, &ev) ? 1 : 0;
    uint8_t votes = event ? ev.votes : 0, previous = event ? ev.previous : v->d.current;
    v->windows++;
    v->events += event;
    if (!res->has_decision) {
        snprintf(why, whylen, "the device sent no decision (firmware without the decision logic?)");
        return -1;
    }
    if (res->decision != v->d.current || res->event != event || res->votes != votes || res->previous != previous) {
        snprintf(why, whylen, "decision logic: device decision %u event %u votes %u, host %u %u %u",
                 res->decision, res->event, res->votes, v->d.current, event, votes);
        return 0;
    }
    v->exact++;
    return 1;
}
