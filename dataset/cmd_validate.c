/* SPDX-License-Identifier: MIT */
/* cmd_validate.c -- `imulab validate`: run the testing windows on the device and prove that it
 * computes exactly what the host computes.
 *
 * The windows are cut as `imulab eval` cuts them (tr_quantize_samples with the model's input
 * scale, tr_examples, tr_example_window; gesture mode: whole gestures, sent raw, which the device
 * buffers and resamples as it does live); the host computes each window's features
 * (imu_features) and int8 scores (tr_predict_int8: imu_nn_quantize_input + imu_nn_run), sends the
 * window's int16 samples to the device in CMD_VALIDATE chunks, and compares the device's
 * VALIDATE_RESULT bit for bit (val_compare in validate_cmp.c: counts, every feature's bits, every
 * int8 score, the class). The model's decision logic (threshold, smoothing, minimum interval) runs
 * on the host over each recording's consecutive windows and is compared with the decision block the
 * device appends to each VALIDATE_RESULT (vdecide_* in validate_decide.c). Before any window it
 * asks for HELLO (CMD_INFO) and refuses a device that is not the classifier firmware for this model.
 * Every exchange has a timeout.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "devport.h"
#include "store.h"
#include "trainer.h"
#include "validate_cmp.h"
#include "validate_decide.h"

/* CMD_VALIDATE payloads (token included) stay within this: encoded with its CRC, COBS overhead and
 * both delimiters a chunk is at most PROTO_CMD_FRAME_MAX bytes, what the firmware's UART receive
 * ring holds whole while its main loop is busy (docs/protocol.md: flow control). */
#define VAL_MAX_CHUNK_PAYLOAD (PROTO_CMD_FRAME_MAX - 9u)
#define VAL_ATTEMPTS 3
/* Samples per chunk for n axes. */
#define VAL_PER_CHUNK(na) ((VAL_MAX_CHUNK_PAYLOAD - PROTO_VALIDATE_HDR) / (2u * (unsigned)(na)))
_Static_assert(VAL_MAX_CHUNK_PAYLOAD + 2u + 4u + 1u + 2u <= PROTO_CMD_FRAME_MAX, "a chunk frame exceeds the device's receive ring");
_Static_assert(VAL_PER_CHUNK(PROTO_MAX_AXES) >= 1, "no sample fits a chunk");

static const char validate_help[] =
    "usage: imulab validate --model MODEL_DIR --port DEV [--json] [--timeout-ms N] [--baud N]\n"
    "Run the testing windows of the database on the device (the classifier firmware built for\n"
    "MODEL_DIR): each window's raw int16 samples go to the device, which answers with its feature\n"
    "vector, its int8 scores and the instructions it spent; they are compared bit for bit with the\n"
    "host's int8 pipeline, and so is the model's decision logic (threshold, smoothing, minimum\n"
    "interval) run over each recording's consecutive windows, as the device's live path runs it.\n"
    "Reports bit-exact windows, on-device accuracy, per-class results and\n"
    "latency. Exit status 1 if a window is not bit-exact or the device fails. For a gesture-mode\n"
    "model the windows are gestures: each one's raw samples go to the device, which buffers and\n"
    "resamples them as it does live.\n"
    "  --model DIR        the model directory (model.json)\n"
    "  --port DEV         the device: serial port or pseudo-terminal (not while imulabd holds it)\n"
    "  --json             one JSON object: {\"windows\", \"bit_exact\", \"accuracy\",\n"
    "                     \"instructions_per_window\", \"decisions\", \"decisions_exact\", \"events\",\n"
    "                     \"classes\": {...}, \"latency_ms\": {...}}\n"
    "  --timeout-ms N     timeout of every exchange with the device (default 2000)\n"
    "  --baud N           serial baud rate (default 115200; ignored by pseudo-terminals)\n"
    "  --limit N          validate at most N windows\n";

/* ---- the testing recordings (as cmd_train.c loads them) ------------------------------------ */

struct vrec {
    struct tr_recording r;
    int64_t id;
};
struct vdata {
    struct vrec *v;
    int n, cap;
};

static int collect(const struct store_recording *r, void *arg)
{
    struct vdata *d = arg;
    if (strcmp(r->category, "testing") != 0 || r->ended_at == 0)
        return 0;
    if (d->n == d->cap) {
        int nc = d->cap ? 2 * d->cap : 64;
        struct vrec *p = realloc(d->v, sizeof *p * (size_t)nc);
        if (!p)
            return 1;
        d->v = p;
        d->cap = nc;
    }
    struct vrec *t = &d->v[d->n++];
    memset(t, 0, sizeof *t);
    t->id = r->id;
    t->r.label = strdup(r->label);
    t->r.category = TR_TESTING;
    t->r.rate_hz = r->sample_rate_hz;
    t->r.n_axes = r->n_axes > TR_MAX_AXES ? TR_MAX_AXES + 1 : r->n_axes;
    for (int a = 0; a < r->n_axes && a < TR_MAX_AXES; a++)
        t->r.axes[a] = strdup(r->axes[a].name);
    return 0;
}

static void vdata_free(struct vdata *d)
{
    for (int i = 0; i < d->n; i++) {
        free((void *)d->v[i].r.label);
        for (int a = 0; a < d->v[i].r.n_axes && a < TR_MAX_AXES; a++)
            free((void *)d->v[i].r.axes[a]);
        free((void *)d->v[i].r.values);
    }
    free(d->v);
    memset(d, 0, sizeof *d);
}

static int vdata_load(const struct cli *cli, struct vdata *d)
{
    memset(d, 0, sizeof *d);
    int missing = 0;
    struct store *s = cli_open_store_ro(cli, &missing);
    if (!s) {
        if (missing)
            return cli_error("the database %s has no recordings", cli->db_path), -1;
        return -1;
    }
    if (store_recording_foreach(s, NULL, NULL, 0, collect, d)) {
        cli_error("%s", store_errmsg(s));
        store_close(s);
        vdata_free(d);
        return -1;
    }
    for (int i = 0; i < d->n; i++) {
        float *v = NULL;
        int64_t ns = 0;
        if (store_recording_samples(s, d->v[i].id, &v, &ns)) {
            cli_error("%s", store_errmsg(s));
            store_close(s);
            vdata_free(d);
            return -1;
        }
        d->v[i].r.values = v;
        d->v[i].r.n_samples = ns > 100000000 ? 0 : (int)ns;
    }
    store_close(s);
    return 0;
}

/* ---- device exchanges ---------------------------------------------------------------------- */

static const char *nak_reason(uint8_t r)
{
    switch (r) {
    case PROTO_NAK_UNKNOWN_COMMAND: return "unknown command";
    case PROTO_NAK_BAD_LENGTH: return "bad length";
    case PROTO_NAK_BAD_VALUE: return "bad value";
    case PROTO_NAK_BUSY: return "busy";
    case PROTO_NAK_UNSUPPORTED: return "unsupported";
    case PROTO_NAK_MODEL_MISMATCH: return "model mismatch";
    default: return "refused";
    }
}

/* Wait for the ACK (1) or NAK (-1, message printed) of token, or a frame of type want (with the
 * token in its first two bytes, when want != 0: returns 2 and *f). 0 on timeout, -2 port failure. */
static int await(struct devport *p, int token, uint8_t want, int timeout_ms, struct proto_frame *f, const char *what)
{
    double deadline = devport_now_ms() + timeout_ms;
    for (;;) {
        int left = (int)(deadline - devport_now_ms());
        if (left < 0)
            left = 0;
        int r = devport_read_frame(p, left, f);
        if (r < 0)
            return cli_error("the device port failed while waiting for %s", what), -2;
        if (r == 0)
            return 0;
        if (f->type == PROTO_ACK && f->len >= 2 && proto_get_u16(f->payload) == token && !want)
            return 1;
        if (f->type == PROTO_NAK && f->len >= PROTO_NAK_HDR && proto_get_u16(f->payload) == token) {
            int n = f->len - PROTO_NAK_HDR;
            uint8_t reason = f->payload[3];
            if (reason == PROTO_NAK_MODEL_MISMATCH)
                cli_error("the device refused the window: it runs another model (%.*s)", n,
                          (const char *)f->payload + PROTO_NAK_HDR);
            else if (reason == PROTO_NAK_UNKNOWN_COMMAND)
                cli_error("the device does not know validation: it does not run the classifier firmware");
            else
                cli_error("the device refused %s: %s (%.*s)", what, nak_reason(reason), n,
                          (const char *)f->payload + PROTO_NAK_HDR);
            return -1;
        }
        if (want && f->type == want && f->len >= 2 && proto_get_u16(f->payload) == token)
            return 2;
    }
}

/* CMD_INFO until HELLO arrives (QEMU's pty may drop what was sent before it was opened, and it
 * notices a newly opened pty only on its next poll, up to a second later: the first exchange gets
 * at least 2.5 s). */
static int get_hello(struct devport *p, int timeout_ms, struct proto_hello *h)
{
    if (timeout_ms < 2500)
        timeout_ms = 2500;
    double deadline = devport_now_ms() + timeout_ms;
    int tries = 0;
    while (devport_now_ms() < deadline) {
        if (devport_command(p, PROTO_CMD_INFO, NULL, 0) < 0)
            return cli_error("cannot write to the device port"), -1;
        tries++;
        double until = devport_now_ms() + (timeout_ms / 3 > 300 ? timeout_ms / 3 : 300);
        if (until > deadline)
            until = deadline;
        struct proto_frame f;
        for (;;) {
            int left = (int)(until - devport_now_ms());
            if (left <= 0)
                break;
            int r = devport_read_frame(p, left, &f);
            if (r < 0)
                return cli_error("the device port failed"), -1;
            if (r == 0)
                break;
            if (f.type == PROTO_HELLO && proto_hello_parse(f.payload, f.len, h) == 0)
                return 0;
        }
    }
    cli_error("no answer from the device (no HELLO after %d ms, %d requests%s)", timeout_ms, tries,
              p->bytes_in ? "; it sends something else: not imulab firmware or wrong baud rate" : "");
    return -1;
}

/* ---- one window on the device -------------------------------------------------------------- */

/* What one run of the command needs: the model, the port, the scratch buffers. */
struct vjob {
    struct tr_model m;
    struct devport dp;
    int timeout_ms;
    int16_t *win;     /* window_len * n_axes */
    int16_t *gstore;  /* gesture mode: gesture_buf * n_axes */
    const int16_t *send; /* what goes to the device: the window, or (gesture mode) the gesture's raw samples */
    unsigned total;   /* its samples */
    float *work;      /* imu_features scratch */
    float *feat;      /* n_feat */
    struct vdecide vd; /* the host's decision logic over the current recording's windows */
};

/* Send one window in CMD_VALIDATE chunks, one at a time: the next chunk leaves only after the
 * device ACKed the previous one, so the device never holds more than one command frame, which
 * its receive ring takes whole however long its main loop is busy (docs/protocol.md, flow
 * control). Then wait for the result. Returns 1 with *f holding the VALIDATE_RESULT, 0 on a
 * timeout, -1 on a refusal or a port failure (message printed). */
static int window_exchange(struct vjob *j, struct proto_frame *f)
{
    const int na = j->m.n_axes;
    const unsigned per_chunk = VAL_PER_CHUNK(na), total = j->total;
    const uint8_t flags = vdecide_flags(&j->vd);
    int token = -1, a = 1;
    for (unsigned off = 0; off < total && a == 1;) {
        unsigned cnt = total - off < per_chunk ? total - off : per_chunk;
        uint8_t body[VAL_MAX_CHUNK_PAYLOAD];
        struct proto_validate_chunk ch = {.token = 0, .model_hash = j->m.hash, .total = (uint16_t)total,
                                          .offset = (uint16_t)off, .count = (uint16_t)cnt, .n_axes = (uint8_t)na,
                                          .flags = flags};
        size_t len = proto_validate_pack_header(&ch, body) - 2u; /* devport puts the token */
        memmove(body, body + 2, len);
        for (unsigned s = 0; s < cnt * (unsigned)na; s++, len += 2)
            proto_put_u16(body + len, (uint16_t)j->send[off * (unsigned)na + s]);
        assert(len + 2u <= VAL_MAX_CHUNK_PAYLOAD);
        token = devport_command(&j->dp, PROTO_CMD_VALIDATE, body, len);
        if (token < 0)
            return cli_error("cannot write to the device port"), -1;
        off += cnt;
        a = await(&j->dp, token, 0, j->timeout_ms, f, "a validation chunk");
    }
    if (a == 1)
        a = await(&j->dp, token, PROTO_VALIDATE_RESULT, j->timeout_ms, f, "the validation result");
    return a == 2 ? 1 : a < 0 ? -1 : 0;
}

/* The window on the device, sent again with fresh tokens after a lost frame (noise, an overrun),
 * up to VAL_ATTEMPTS times; late answers to old tokens are ignored. Returns 0 with *res parsed
 * and checked for this model, -1 on failure (message printed). */
static int window_on_device(struct vjob *j, int number, int *retries, struct proto_frame *f,
                            struct proto_validate_result *res)
{
    int a = 0;
    for (int attempt = 0; attempt < VAL_ATTEMPTS && a == 0; attempt++) {
        if (attempt)
            (*retries)++;
        a = window_exchange(j, f);
    }
    if (a < 0)
        return -1;
    if (a == 0)
        return cli_error("the device stopped answering (window %d: no answer within %d ms, %d attempts)", number,
                         j->timeout_ms, VAL_ATTEMPTS), -1;
    if (proto_validate_result_parse(f->payload, f->len, res))
        return cli_error("malformed VALIDATE_RESULT from the device"), -1;
    if (res->model_hash != j->m.hash)
        return cli_error("the device answered for model %08x, not %08x", res->model_hash, j->m.hash), -1;
    return 0;
}

/* ---- tallies ------------------------------------------------------------------------------- */

struct vclass {
    int windows, correct, exact;
};

struct vstats {
    int windows, exact, correct, retries;
    int known;            /* windows of the model's labels (the others: anomalies, not in the accuracy) */
    int n_insn;
    double insn_sum, insn_min, insn_max;
    int first_bad;        /* window number (from 1) of the first difference, 0 = none */
    char bad_what[200];
    struct vclass *cls;   /* per true label */
    int *conf;            /* n_labels x n_labels, row = true label */
    double *lat;          /* ms per window */
    int n_lat, cap_lat;
    double t_start;
};

/* Count one window: bit-exactness, accuracy, instructions, latency. Returns 0 or -1 (memory). */
static int stats_add(struct vstats *s, int nl, int label, enum val_difference diff, const char *why,
                     const struct proto_validate_result *res, double latency_ms)
{
    s->windows++;
    s->exact += diff == VAL_SAME;
    if (diff != VAL_SAME && !s->first_bad) {
        s->first_bad = s->windows;
        snprintf(s->bad_what, sizeof s->bad_what, "%s", why);
    }
    if (label >= 0) {
        s->known++;
        s->correct += res->class_index == label;
        s->cls[label].windows++;
        s->cls[label].correct += res->class_index == label;
        s->cls[label].exact += diff == VAL_SAME;
        if (res->class_index < nl)
            s->conf[label * nl + res->class_index]++;
    }
    if (res->instructions) {
        if (!s->n_insn || res->instructions < s->insn_min)
            s->insn_min = res->instructions;
        if (!s->n_insn || res->instructions > s->insn_max)
            s->insn_max = res->instructions;
        s->insn_sum += res->instructions;
        s->n_insn++;
    }
    if (s->n_lat == s->cap_lat) {
        int cap = s->cap_lat ? 2 * s->cap_lat : 512;
        double *p = realloc(s->lat, sizeof(double) * (size_t)cap);
        if (!p)
            return cli_error("out of memory"), -1;
        s->lat = p;
        s->cap_lat = cap;
    }
    s->lat[s->n_lat++] = latency_ms;
    return 0;
}

static void stats_free(struct vstats *s)
{
    free(s->cls);
    free(s->conf);
    free(s->lat);
    memset(s, 0, sizeof *s);
}

/* ---- the windows of the testing recordings ------------------------------------------------- */

/* The window's decision on the host against the device's decision block: a window whose
 * features, scores and class agree but whose decision does not becomes VAL_DECISION (with what
 * differs in why). Returns 0, or -1 when the device sent no decision block (message printed). */
static int window_decision(struct vdecide *vd, const struct tr_model *m, const float *feat, const int8_t *scores,
                           const struct proto_validate_result *res, enum val_difference *diff, char *why, size_t whylen)
{
    char dwhy[160] = "";
    const uint32_t host_score = m->anom.method != TR_ANOM_NONE ? tr_anomaly_score(m, feat) : 0;
    int unknown = 0, same_anomaly = vdecide_anomaly(vd, m, host_score, res, &unknown, dwhy, sizeof dwhy);
    if (same_anomaly < 0)
        return cli_error("%s", dwhy), -1;
    if (!same_anomaly && *diff == VAL_SAME) {
        *diff = VAL_ANOMALY;
        snprintf(why, whylen, "%s", dwhy);
    }
    int same = vdecide_compare_ex(vd, scores, unknown, res, dwhy, sizeof dwhy);
    if (same < 0)
        return cli_error("%s", dwhy), -1;
    if (!same && *diff == VAL_SAME) {
        *diff = VAL_DECISION;
        snprintf(why, whylen, "%s", dwhy);
    }
    return 0;
}

/* Every window of one recording, cut as `imulab eval` cuts it: host result, device result,
 * comparison. Returns 0, 1 when the --limit is reached, -1 on failure. */
static int validate_recording(struct vjob *j, const struct tr_recording *r, int64_t id, int limit, struct vstats *s)
{
    const int na = j->m.n_axes, wl = j->m.window_len, li = tr_label_index(&j->m, r->label);
    int16_t *q = malloc(sizeof(int16_t) * (size_t)(r->n_samples > 0 ? r->n_samples : 1) * (size_t)na);
    int nst = 0, *starts = NULL, *lens = NULL, rc = 0;
    if (q) {
        tr_quantize_samples(r->values, r->n_samples, na, j->m.in_scale, q);
        nst = tr_examples(&j->m, q, r->n_samples, NULL, NULL, 0);
        starts = malloc(sizeof(int) * (size_t)(nst > 0 ? nst : 1));
        lens = malloc(sizeof(int) * (size_t)(nst > 0 ? nst : 1));
    }
    if (!q || nst < 0 || !starts || !lens) {
        cli_error("out of memory");
        rc = -1;
        goto out;
    }
    tr_examples(&j->m, q, r->n_samples, starts, lens, nst);
    vdecide_recording(&j->vd); /* the decision logic runs over each recording's windows in order */
    for (int k = 0; k < nst; k++) {
        if (limit > 0 && s->windows >= limit) {
            rc = 1;
            break;
        }
        int st = starts[k];
        j->send = j->win;
        j->total = (unsigned)wl;
        if (j->m.mode == TR_MODE_GESTURE) {
            j->send = q + (size_t)st * na;
            j->total = (unsigned)lens[k];
            if (j->total < 1 || j->total > 65535u) {
                cli_error("recording %lld: a gesture of %u samples does not fit the validation exchange (at most 65535)",
                          (long long)id, j->total);
                rc = -1;
                break;
            }
        } else {
            if (st + wl > r->n_samples)
                st = r->n_samples - wl;
            if (st < 0)
                st = 0;
        }
        tr_example_window(&j->m, q, r->n_samples, st, lens[k], j->win, j->gstore);
        imu_features(&j->m.feat, j->win, j->m.in_scale, j->work, j->feat);
        int8_t scores[TR_MAX_LABELS];
        int cls = tr_predict_int8(&j->m, j->feat, scores);
        struct val_host_result host = {j->m.n_feat, j->feat, j->m.n_labels, scores, cls};
        struct proto_frame f;
        struct proto_validate_result res;
        double t0 = devport_now_ms();
        if (window_on_device(j, s->windows + 1, &s->retries, &f, &res)) {
            rc = -1;
            break;
        }
        double t1 = devport_now_ms();
        char why[200];
        enum val_difference diff = val_compare(&host, &res, why, sizeof why);
        if (window_decision(&j->vd, &j->m, j->feat, scores, &res, &diff, why, sizeof why)) {
            rc = -1;
            break;
        }
        if (stats_add(s, j->m.n_labels, li, diff, why, &res, t1 - t0)) {
            rc = -1;
            break;
        }
    }
out:
    free(q);
    free(starts);
    free(lens);
    return rc;
}

/* ---- checks before the device -------------------------------------------------------------- */

/* The testing recordings must be what the model was trained for: axes, rate, labels. */
static int check_recordings(const struct tr_model *m, const struct vdata *d, const char *db_path)
{
    if (d->n == 0)
        return cli_error("no testing recordings in %s (run imulab split)", db_path), -1;
    if (m->n_feat > (int)PROTO_MAX_VALIDATE_FEATURES)
        return cli_error("the model has %d features, more than a VALIDATE_RESULT frame carries (%u)", m->n_feat,
                         PROTO_MAX_VALIDATE_FEATURES), -1;
    for (int i = 0; i < d->n; i++) {
        const struct tr_recording *r = &d->v[i].r;
        if (r->n_axes != m->n_axes)
            return cli_error("recording of '%s' has %d axes, the model was trained for %d", r->label, r->n_axes,
                             m->n_axes), -1;
        for (int a = 0; a < m->n_axes; a++)
            if (strcmp(r->axes[a], m->axes[a]))
                return cli_error("recording of '%s' has axis '%s' where the model has '%s'", r->label, r->axes[a],
                                 m->axes[a]), -1;
        if (fabs(r->rate_hz - m->rate_hz) > 0.01 * m->rate_hz)
            return cli_error("recording of '%s' is at %.4g Hz, the model was trained at %.4g Hz", r->label,
                             r->rate_hz, m->rate_hz), -1;
        if (tr_label_index(m, r->label) < 0 && m->anom.method == TR_ANOM_NONE) /* with one: anomalies */
            return cli_error("label '%s' is not one of the model's labels", r->label), -1;
    }
    return 0;
}

/* Open the port and make sure the device runs the classifier firmware for this model. */
static int connect_device(struct vjob *j, const char *port, unsigned baud, const char *dir, struct proto_hello *h)
{
    char err[512];
    if (devport_open(&j->dp, port, baud, err, sizeof err))
        return cli_error("%s", err), -1;
    if (get_hello(&j->dp, j->timeout_ms, h))
        return -1;
    if (!(h->flags & PROTO_FLAG_CLASSIFIER))
        return cli_error("the device runs another firmware (board %s, firmware %u.%u.%u without a classifier): flash "
                         "the classifier with imulab flash --model %s",
                         h->board, h->fw_major, h->fw_minor, h->fw_patch, dir), -1;
    if (h->model_hash != j->m.hash)
        return cli_error("the device runs model %08x, not %08x from %s: flash it with imulab flash --model %s",
                         h->model_hash, j->m.hash, dir, dir), -1;
    return 0;
}

/* Raw SAMPLES off while validating (less traffic on the line). Returns 1 if the device stopped. */
static int stop_streaming(struct vjob *j)
{
    struct proto_frame f;
    int t = devport_command(&j->dp, PROTO_CMD_STOP, NULL, 0);
    return t >= 0 && await(&j->dp, t, 0, j->timeout_ms, &f, "CMD_STOP") == 1;
}

/* ---- report -------------------------------------------------------------------------------- */

static void latency(const struct vstats *s, double *mean, double *max)
{
    *mean = *max = 0;
    for (int i = 0; i < s->n_lat; i++) {
        *mean += s->lat[i];
        if (s->lat[i] > *max)
            *max = s->lat[i];
    }
    if (s->n_lat)
        *mean /= s->n_lat;
}

static void json_num_or_null(int have, double v)
{
    if (have)
        cli_json_num(stdout, v);
    else
        printf("null");
}

/* The --json object (docs/classifier.md). */
static void print_json(const struct tr_model *m, const struct proto_hello *h, const struct vstats *s,
                       const struct vdecide *vd)
{
    const int nl = m->n_labels;
    double lat_mean, lat_max;
    latency(s, &lat_mean, &lat_max);
    printf("{\"windows\": %d, \"bit_exact\": %d, \"accuracy\": ", s->windows, s->exact);
    cli_json_num(stdout, s->known ? (double)s->correct / s->known : 0);
    printf(", \"instructions_per_window\": ");
    json_num_or_null(s->n_insn, s->n_insn ? s->insn_sum / s->n_insn : 0);
    printf(", \"instructions_min\": ");
    json_num_or_null(s->n_insn, s->insn_min);
    printf(", \"instructions_max\": ");
    json_num_or_null(s->n_insn, s->insn_max);
    printf(", \"decisions\": %d, \"decisions_exact\": %d, \"events\": %d", vd->windows, vd->exact, vd->events);
    if (m->anom.method != TR_ANOM_NONE)
        printf(", \"anomaly_windows\": %d, \"anomaly_exact\": %d, \"unknown\": %d", vd->anomaly_windows,
               vd->anomaly_exact, vd->unknown);
    printf(", \"model_hash\": \"%08x\", \"board\": ", m->hash);
    cli_json_str(stdout, h->board);
    printf(", \"classes\": {");
    for (int l = 0; l < nl; l++) {
        const struct vclass *c = &s->cls[l];
        printf("%s", l ? ", " : "");
        cli_json_str(stdout, m->labels[l]);
        printf(": {\"windows\": %d, \"correct\": %d, \"bit_exact\": %d, \"accuracy\": ", c->windows, c->correct,
               c->exact);
        cli_json_num(stdout, c->windows ? (double)c->correct / c->windows : 0);
        printf("}");
    }
    printf("}, \"labels\": [");
    for (int l = 0; l < nl; l++) {
        printf("%s", l ? ", " : "");
        cli_json_str(stdout, m->labels[l]);
    }
    printf("], \"confusion\": [");
    for (int l = 0; l < nl; l++) {
        printf("%s[", l ? ", " : "");
        for (int k = 0; k < nl; k++)
            printf("%s%d", k ? ", " : "", s->conf[l * nl + k]);
        printf("]");
    }
    printf("], \"latency_ms\": {\"mean\": ");
    cli_json_num(stdout, lat_mean);
    printf(", \"max\": ");
    cli_json_num(stdout, lat_max);
    printf("}, \"retries\": %d, \"seconds\": ", s->retries);
    cli_json_num(stdout, (devport_now_ms() - s->t_start) / 1000.0);
    printf("}\n");
}

/* The human-readable report. */
static void print_text(const struct tr_model *m, const struct proto_hello *h, const struct vstats *s)
{
    double lat_mean, lat_max;
    latency(s, &lat_mean, &lat_max);
    printf("model %08x on %s: %d windows, %d bit-exact (%.1f%%), on-device accuracy %.4f\n", m->hash, h->board,
           s->windows, s->exact, s->windows ? 100.0 * s->exact / s->windows : 0.0,
           s->known ? (double)s->correct / s->known : 0.0);
    if (s->n_insn)
        printf("features + inference: %.0f instructions per window (min %.0f, max %.0f)\n", s->insn_sum / s->n_insn,
               s->insn_min, s->insn_max);
    else
        printf("features + inference: the device does not count instructions\n");
    printf("latency per window (send, compute, answer): mean %.2f ms, max %.2f ms; %.1f s in all\n", lat_mean, lat_max,
           (devport_now_ms() - s->t_start) / 1000.0);
    printf("%-16s %8s %8s %9s %9s\n", "class", "windows", "correct", "accuracy", "bit-exact");
    for (int l = 0; l < m->n_labels; l++) {
        const struct vclass *c = &s->cls[l];
        printf("%-16s %8d %8d %9.4f %9d\n", m->labels[l], c->windows, c->correct,
               c->windows ? (double)c->correct / c->windows : 0.0, c->exact);
    }
}

/* The exit status: success only when there were windows and every one was bit-exact. */
static int verdict(const struct vstats *s)
{
    if (s->retries)
        fprintf(stderr, "imulab: %d window%s sent again after a lost answer\n", s->retries, s->retries == 1 ? "" : "s");
    if (s->first_bad)
        cli_error("%d of %d windows differ from the host; the first is window %d (%s)", s->windows - s->exact,
                  s->windows, s->first_bad, s->bad_what);
    if (s->windows == 0)
        cli_error("no testing windows");
    return s->windows > 0 && s->exact == s->windows ? CLI_OK : CLI_FAIL;
}

/* ---- the command --------------------------------------------------------------------------- */

struct vopts {
    const char *dir, *port;
    int json, limit, timeout_ms;
    unsigned baud;
};

/* Options into *o. Returns -1 to go on, or the exit status (--help, a usage error). */
static int parse_options(int argc, char **argv, struct vopts *o)
{
    static const struct option opts[] = {{"model", required_argument, NULL, 'm'},
                                         {"port", required_argument, NULL, 'p'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"timeout-ms", required_argument, NULL, 't'},
                                         {"baud", required_argument, NULL, 'b'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    double timeout_ms = 2000, baud = 115200, limit = 0;
    int c;
    memset(o, 0, sizeof *o);
    cli_getopt_begin();
    while ((c = cli_getopt("validate", argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'h': fputs(validate_help, stdout); return CLI_OK;
        case 'm': o->dir = optarg; break;
        case 'p': o->port = optarg; break;
        case 'j': o->json = 1; break;
        case 't':
            if (cli_parse_range("validate", "--timeout-ms", optarg, 10, 600000, &timeout_ms))
                return CLI_USAGE;
            break;
        case 'b':
            if (cli_parse_range("validate", "--baud", optarg, 1200, 4000000, &baud))
                return CLI_USAGE;
            break;
        case 'l':
            if (cli_parse_range("validate", "--limit", optarg, 1, 1e9, &limit))
                return CLI_USAGE;
            break;
        default: return CLI_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("validate", "unexpected argument '%s'", argv[optind]);
    if (!o->dir)
        return cli_usage("validate", "--model MODEL_DIR is required");
    if (!o->port)
        return cli_usage("validate", "--port DEV is required");
    o->timeout_ms = (int)timeout_ms;
    o->baud = (unsigned)baud;
    o->limit = (int)limit;
    return -1;
}

/* Scratch buffers and tallies for the model. Returns 0 or -1 (message printed). */
static int job_alloc(struct vjob *j, struct vstats *s)
{
    const int nl = j->m.n_labels;
    j->win = malloc(sizeof(int16_t) * (size_t)j->m.window_len * (size_t)j->m.n_axes);
    j->gstore = malloc(sizeof(int16_t) * (size_t)(j->m.gesture_buf > 0 ? j->m.gesture_buf : 1) * (size_t)j->m.n_axes);
    j->work = malloc(sizeof(float) * (size_t)imu_features_work_len(&j->m.feat));
    j->feat = malloc(sizeof(float) * (size_t)(j->m.n_feat > 0 ? j->m.n_feat : 1));
    s->cls = calloc((size_t)nl, sizeof *s->cls);
    s->conf = calloc((size_t)nl * (size_t)nl, sizeof(int));
    if (!j->win || !j->gstore || !j->work || !j->feat || !s->cls || !s->conf)
        return cli_error("out of memory"), -1;
    return 0;
}

int cmd_validate(const struct cli *cli, int argc, char **argv)
{
    struct vopts o;
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    struct vjob j = {.dp = {.fd = -1}, .timeout_ms = o.timeout_ms};
    char err[512] = "";
    if (tr_load(&j.m, o.dir, err, sizeof err))
        return cli_error("%s", err);
    vdecide_init(&j.vd, &j.m);
    struct vdata d;
    if (vdata_load(cli, &d)) {
        tr_model_free(&j.m);
        return CLI_FAIL;
    }
    struct vstats s = {0};
    struct proto_hello h;
    int raw_stopped = 0;
    rc = CLI_FAIL;
    if (job_alloc(&j, &s) || check_recordings(&j.m, &d, cli->db_path) || connect_device(&j, o.port, o.baud, o.dir, &h))
        goto out;
    raw_stopped = stop_streaming(&j);
    s.t_start = devport_now_ms();
    int r = 0;
    for (int i = 0; i < d.n && r == 0; i++)
        r = validate_recording(&j, &d.v[i].r, d.v[i].id, o.limit, &s);
    if (r < 0)
        goto out;
    if (o.json)
        print_json(&j.m, &h, &s, &j.vd);
    else
        print_text(&j.m, &h, &s);
    rc = verdict(&s);
out:
    if (raw_stopped)
        devport_command(&j.dp, PROTO_CMD_START, NULL, 0);
    devport_close(&j.dp);
    free(j.win);
    free(j.gstore);
    free(j.work);
    free(j.feat);
    stats_free(&s);
    vdata_free(&d);
    tr_model_free(&j.m);
    return cli_finish_output(rc);
}
