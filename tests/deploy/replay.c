/* SPDX-License-Identifier: MIT */
/* replay.c -- built against an exported C library alone (imulab export-model --format c): reads
 * `imulab eval --dump-windows` and checks that the library computes, byte for byte, the int8 scores
 * imulab eval computed for every testing example, and the same feature vectors bit for bit:
 *   - imulab_classify() on each example (a window, zero-padded as imulab pads a short recording;
 *     in gesture mode the gesture's samples);
 *   - imulab_push() of each recording's int16 samples: continuous models decide exactly eval's
 *     full windows, each once; gesture models, on recordings longer than a gesture (which eval
 *     cuts with the same segmenter), classify exactly eval's gestures; every inference's decision
 *     and event equal those of the documented decision logic (an independent implementation here:
 *     margin -> uncertain, majority over the last N newest first, minimum interval between events);
 *   - imulab_push_float() of the stored values gives the same inferences, after checking
 *     imulab_quantize() gives the host's int16 samples.
 * usage: replay DUMP [--inputs FILE] [--target-bin FILE]. Exit 0 when everything agrees, 1 with the
 * first differences otherwise. --inputs writes each example's network input (imulab_network_input:
 * the int8 input tensor of the model's .tflite), one line per example in dump order, for
 * tests/deploy/tflite.sh; --target-bin writes each continuous-mode window's int16 samples, eval's
 * scores and features (host byte order) for tests/deploy/target (the library on an emulated core). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imulab.h"

#if IMULAB_GESTURE_MODE
#define SEG_MAX_LEN ((int)imu_model_segment.max_len) /* eval uses longer recordings' segments */
#else
#define SEG_MAX_LEN 0
#endif

struct window {
    int start, len, label, seen[2];
    int8_t scores[IMULAB_N_CLASSES];
    float features[IMU_MODEL_N_FEATURES];
};
struct recording {
    int index, n;
    int16_t *q;
    float *v;
    int nw, cap;
    struct window *w;
};

static int failures;
static int n_events, n_uncertain; /* over the int16 streams: the decision logic was exercised */

static void fail(const char *fmt, const char *what, int rec, int start)
{
    if (failures++ < 10) {
        fprintf(stderr, fmt, what, rec, start);
        fputc('\n', stderr);
    }
}

static int load(const char *path, struct recording **out, int *nrec, int *nwin)
{
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); return -1; }
    unsigned hash;
    char mode[16];
    int na, wl, sl, nc, nf, nw, nr;
    if (fscanf(f, "imulab-eval-windows 2 %x %15s %d %d %d %d %d %d %d", &hash, mode, &na, &wl, &sl, &nc, &nf, &nw, &nr) != 9) {
        fprintf(stderr, "%s: not an imulab eval dump (version 2)\n", path);
        return -1;
    }
    if (hash != IMULAB_MODEL_HASH || na != IMULAB_N_AXES || wl != IMULAB_WINDOW_LEN || sl != IMULAB_STRIDE_LEN ||
        nc != IMULAB_N_CLASSES || nf != IMU_MODEL_N_FEATURES || strcmp(mode, IMULAB_GESTURE_MODE ? "gesture" : "continuous")) {
        fprintf(stderr, "%s: model %08x (%s, %d axes, window %d, stride %d, %d classes), the library is %08x\n", path,
                hash, mode, na, wl, sl, nc, (unsigned)IMULAB_MODEL_HASH);
        return -1;
    }
    struct recording *r = calloc((size_t)nr, sizeof *r);
    int total = 0;
    for (int i = 0; i < nr; i++) {
        int label;
        if (fscanf(f, " recording %d %d %d", &r[i].index, &label, &r[i].n) != 3 || r[i].n < 0) goto bad;
        r[i].q = malloc(sizeof(int16_t) * IMULAB_N_AXES * (size_t)(r[i].n + 1));
        r[i].v = malloc(sizeof(float) * IMULAB_N_AXES * (size_t)(r[i].n + 1));
        for (int t = 0; t < r[i].n; t++) {
            for (int a = 0; a < IMULAB_N_AXES; a++) {
                int x;
                if (fscanf(f, "%d", &x) != 1) goto bad;
                r[i].q[t * IMULAB_N_AXES + a] = (int16_t)x;
            }
            for (int a = 0; a < IMULAB_N_AXES; a++)
                if (fscanf(f, "%f", &r[i].v[t * IMULAB_N_AXES + a]) != 1) goto bad;
        }
        for (;;) {
            long pos = ftell(f);
            int rec, start, len, lab;
            if (fscanf(f, " window %d %d %d %d", &rec, &start, &len, &lab) != 4) { fseek(f, pos, SEEK_SET); break; }
            if (rec != r[i].index) goto bad;
            if (r[i].nw == r[i].cap) {
                r[i].cap = r[i].cap ? 2 * r[i].cap : 16;
                r[i].w = realloc(r[i].w, sizeof(struct window) * (size_t)r[i].cap);
            }
            struct window *w = &r[i].w[r[i].nw];
            memset(w, 0, sizeof *w);
            w->start = start;
            w->len = len;
            w->label = lab;
            for (int c = 0; c < IMULAB_N_CLASSES; c++) {
                int s;
                if (fscanf(f, "%d", &s) != 1) goto bad;
                w->scores[c] = (int8_t)s;
            }
            for (int k = 0; k < IMU_MODEL_N_FEATURES; k++)
                if (fscanf(f, "%f", &w->features[k]) != 1) goto bad;
            r[i].nw++;
        }
        total += r[i].nw;
    }
    fclose(f);
    if (total != nw) { fprintf(stderr, "%s: %d windows, the header says %d\n", path, total, nw); return -1; }
    *out = r;
    *nrec = nr;
    *nwin = nw;
    return 0;
bad:
    fprintf(stderr, "%s: malformed near byte %ld\n", path, ftell(f));
    fclose(f);
    return -1;
}

static struct window *find(struct recording *r, uint32_t start, uint32_t len)
{
    for (int k = 0; k < r->nw; k++)
        if (r->w[k].start == (int)start && r->w[k].len == (int)len) return &r->w[k];
    return NULL;
}

/* The decision logic as documented (portable/live.h), written again. */
struct decider {
    uint8_t votes[64];
    int n, current, have_event;
    uint32_t last;
};

static int raw_decision(const int8_t *s)
{
    int best = 0, second = -129;
    for (int i = 1; i < IMULAB_N_CLASSES; i++)
        if (s[i] > s[best]) best = i;
    if (IMU_MODEL_DECISION_MIN_MARGIN == 0) return best;
    for (int i = 0; i < IMULAB_N_CLASSES; i++)
        if (i != best && s[i] > second) second = s[i];
    return s[best] - second >= (int)IMU_MODEL_DECISION_MIN_MARGIN ? best : (int)IMULAB_UNCERTAIN;
}

/* Returns 1 on an event; *decision is the current decision. */
static int decide(struct decider *d, const int8_t *scores, uint32_t at, int *decision)
{
    d->votes[d->n++ % 64] = (uint8_t)raw_decision(scores);
    int keep = d->n < (int)IMU_MODEL_DECISION_SMOOTH ? d->n : (int)IMU_MODEL_DECISION_SMOOTH, cand = IMULAB_UNCERTAIN, best = 0;
    for (int k = 0; k < keep; k++) { /* newest first: the first class reaching the top count wins */
        int v = d->votes[(d->n - 1 - k) % 64], c = 0;
        for (int j = 0; j < keep; j++) c += d->votes[(d->n - 1 - j) % 64] == v;
        if (c > best) { best = c; cand = v; }
    }
    int ev = 0;
    uint32_t min_interval = IMU_MODEL_DECISION_MIN_INTERVAL;
    if (cand != d->current && !(d->have_event && at - d->last < min_interval)) {
        d->current = cand;
        d->have_event = 1;
        d->last = at;
        ev = 1;
    }
    *decision = d->current;
    return ev;
}

/* Stream one recording through push (use_float: push_float); returns the inferences checked. */
static int stream(struct imulab_state *st, struct recording *r, int use_float, int *unmatched)
{
    const char *what = use_float ? "push_float" : "push";
    struct imulab_result res;
    struct decider d = {{0}, 0, IMULAB_UNCERTAIN, 0, 0};
    int n = 0;
    imulab_init(st);
    if (imulab_latest(st, &res)) fail("%s: recording %d: a result before any sample (%d)", what, r->index, 0);
    for (int t = 0; t < r->n; t++) {
        int got = use_float ? imulab_push_float(st, &r->v[t * IMULAB_N_AXES]) : imulab_push(st, &r->q[t * IMULAB_N_AXES]);
        if (!got) continue;
        n++;
        if (got != 1 || !imulab_latest(st, &res) || res.count != (uint32_t)n || res.sample_index != (uint32_t)(t + 1) ||
            res.start + res.length != (uint32_t)(t + 1)) {
            fail("%s: recording %d: inference at sample %d is not the latest", what, r->index, t + 1);
            continue;
        }
        /* an unknown window (anomaly score over the threshold) is not decided: no vote, no event */
        int decision = d.current, ev = res.unknown ? 0 : decide(&d, res.scores, res.sample_index, &decision);
        if (!use_float) {
            n_events += res.event;
            n_uncertain += res.decision == IMULAB_UNCERTAIN;
        }
        if (ev != res.event || decision != res.decision)
            fail("%s: recording %d: the decision at sample %d is not the documented logic's", what, r->index, t + 1);
        struct window *w = find(r, res.start, res.length);
        if (!w) {
            (*unmatched)++;
            if (!IMULAB_GESTURE_MODE || r->n > SEG_MAX_LEN)
                fail("%s: recording %d: an inference on samples from %d that imulab eval does not cut", what, r->index, (int)res.start);
            continue;
        }
        if (memcmp(w->scores, res.scores, IMULAB_N_CLASSES)) fail("%s: recording %d: example %d scores differ", what, r->index, w->start);
        else if (memcmp(w->features, st->features, sizeof w->features)) fail("%s: recording %d: example %d features differ", what, r->index, w->start);
        else w->seen[use_float]++;
    }
    return n;
}

int main(int argc, char **argv)
{
    FILE *inputs = NULL, *target = NULL;
    const char *dump = NULL;
    for (int i = 1; i < argc; i++) {
        FILE **f = !strcmp(argv[i], "--inputs") ? &inputs : !strcmp(argv[i], "--target-bin") ? &target : NULL;
        if (f && i + 1 < argc) {
            if (!(*f = fopen(argv[++i], "wb"))) { perror(argv[i]); return 1; }
        } else if (!f && !dump) {
            dump = argv[i];
        } else {
            fprintf(stderr, "usage: replay DUMP [--inputs FILE] [--target-bin FILE]\n");
            return 2;
        }
    }
    if (!dump) { fprintf(stderr, "usage: replay DUMP [--inputs FILE] [--target-bin FILE]\n"); return 2; }
    struct recording *r;
    int nr, nw;
    if (load(dump, &r, &nr, &nw)) return 1;
    if (sizeof(void *) == 8 && sizeof(struct imulab_state) != IMULAB_STATE_BYTES)
        fail("%s: sizeof(struct imulab_state) is not IMULAB_STATE_BYTES on this 64-bit host (%d, %d)", "imulab.h",
             (int)sizeof(struct imulab_state), IMULAB_STATE_BYTES);
    static struct imulab_state st;
    static int16_t win[IMULAB_WINDOW_LEN * IMULAB_N_AXES];
    int classify_ok = 0, expect = 0, ok[2] = {0, 0}, inf[2] = {0, 0}, unmatched[2] = {0, 0}, quant_ok = 1;
    for (int i = 0; i < nr; i++) {
        struct recording *R = &r[i];
        int16_t *q = malloc(sizeof(int16_t) * IMULAB_N_AXES * (size_t)(R->n + 1));
        imulab_quantize(R->v, q, (uint32_t)R->n);
        if (memcmp(q, R->q, sizeof(int16_t) * IMULAB_N_AXES * (size_t)R->n)) {
            quant_ok = 0;
            fail("%s: recording %d: int16 samples differ from the host's (%d)", "imulab_quantize", R->index, 0);
        }
        free(q);
        for (int k = 0; k < R->nw; k++) { /* one-shot */
            struct window *w = &R->w[k];
            struct imulab_result res;
            const int16_t *x;
            uint32_t n;
            if (IMULAB_GESTURE_MODE) {
                x = R->q + (size_t)w->start * IMULAB_N_AXES;
                n = (uint32_t)w->len;
            } else {
                for (int t = 0; t < IMULAB_WINDOW_LEN; t++)
                    for (int a = 0; a < IMULAB_N_AXES; a++)
                        win[t * IMULAB_N_AXES + a] = w->start + t < R->n ? R->q[(w->start + t) * IMULAB_N_AXES + a] : 0;
                x = win;
                n = IMULAB_WINDOW_LEN;
            }
            int c = imulab_classify(&st, x, n, &res);
            if (memcmp(res.scores, w->scores, IMULAB_N_CLASSES) || c != res.class_index)
                fail("%s: recording %d: example %d scores differ", "classify", R->index, w->start);
            else if (memcmp(st.features, w->features, sizeof w->features))
                fail("%s: recording %d: example %d features differ (bit for bit)", "classify", R->index, w->start);
            else classify_ok++;
            if (target && !IMULAB_GESTURE_MODE &&
                (fwrite(win, sizeof win, 1, target) != 1 || fwrite(w->scores, sizeof w->scores, 1, target) != 1 ||
                 fwrite(w->features, sizeof w->features, 1, target) != 1))
                fail("%s: cannot write the target file (%d, %d)", "replay", R->index, w->start);
            if (inputs) {
                int8_t in[IMULAB_N_INPUTS];
                imulab_network_input(&st, x, n, in);
                for (int k2 = 0; k2 < IMULAB_N_INPUTS; k2++) fprintf(inputs, "%s%d", k2 ? " " : "", in[k2]);
                fputc('\n', inputs);
            }
        }
        for (int f = 0; f < 2; f++) inf[f] += stream(&st, R, f, &unmatched[f]);
        /* the examples a stream must reproduce: continuous, the full windows; gesture, the gestures
         * eval cut with the segmenter (recordings longer than a gesture) -- except one still
         * running when the recording stops, which eval ends there (imu_seg_finish) and a live
         * stream, not knowing it stopped, does not */
        for (int k = 0; k < R->nw; k++) {
            struct window *w = &R->w[k];
            int must = IMULAB_GESTURE_MODE ? R->n > SEG_MAX_LEN && w->start + w->len < R->n
                                           : w->start + IMULAB_WINDOW_LEN <= R->n;
            if (!must) continue;
            expect++;
            for (int f = 0; f < 2; f++) {
                if (w->seen[f] == 1) ok[f]++;
                else fail("%s: recording %d: example %d not reproduced exactly once", f ? "push_float" : "push", R->index, w->start);
            }
        }
    }
    printf("%d %s of %d recordings (model %08x): classify %d/%d byte-identical; stream int16 %d/%d (%d inferences, "
           "%d on examples eval does not cut), float %d/%d (%d inferences); decisions as documented (%d events, %d "
           "uncertain); imulab_quantize %s\n",
           nw, IMULAB_GESTURE_MODE ? "gestures" : "windows", nr, (unsigned)IMULAB_MODEL_HASH, classify_ok, nw, ok[0],
           expect, inf[0], unmatched[0], ok[1], expect, inf[1], n_events, n_uncertain, quant_ok ? "identical" : "DIFFERS");
    if (inf[0] != inf[1]) fail("%s: %d int16 inferences, %d float", "stream", inf[0], inf[1]);
    if (inputs && fclose(inputs)) { perror("--inputs"); failures++; }
    if (target && fclose(target)) { perror("--target-bin"); failures++; }
    for (int i = 0; i < nr; i++) { free(r[i].q); free(r[i].v); free(r[i].w); }
    free(r);
    return failures ? 1 : 0;
}
