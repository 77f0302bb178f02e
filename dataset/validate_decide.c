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
    struct live_event ev;
    /* the same clock as the device: stride samples per decided window of this recording */
    uint8_t event = live_decide(&v->d, host_scores, v->decided++ * v->stride, &ev) ? 1 : 0;
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
