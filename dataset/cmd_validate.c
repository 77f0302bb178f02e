/* cmd_validate.c -- `imulab validate`: run the testing windows on the device and prove that it
 * computes exactly what the host computes.
 *
 * The windows are cut as `imulab eval` cuts them (tr_quantize_samples with the model's input
 * scale, tr_window_starts, tr_extract_window); the host computes each window's features
 * (imu_features) and int8 scores (tr_predict_int8: imu_nn_quantize_input + imu_nn_run), sends the
 * window's int16 samples to the device in CMD_VALIDATE chunks, and compares the device's
 * VALIDATE_RESULT bit for bit. Before any window it asks for HELLO (CMD_INFO) and refuses a device
 * that is not the classifier firmware for this model. Every exchange has a timeout.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "devport.h"
#include "store.h"
#include "trainer.h"
#include "trainer_int.h"

/* CMD_VALIDATE payloads stay within this (the classifier firmware receives up to 280 encoded bytes). */
#define VAL_MAX_CHUNK_PAYLOAD 256u
#define VAL_ATTEMPTS 3

static const char validate_help[] =
    "usage: imulab validate --model MODEL_DIR --port DEV [--json] [--timeout-ms N] [--baud N]\n"
    "Run the testing windows of the database on the device (the classifier firmware built for\n"
    "MODEL_DIR): each window's raw int16 samples go to the device, which answers with its feature\n"
    "vector, its int8 scores and the instructions it spent; they are compared bit for bit with the\n"
    "host's int8 pipeline. Reports bit-exact windows, on-device accuracy, per-class results and\n"
    "latency. Exit status 1 if a window is not bit-exact or the device fails.\n"
    "  --model DIR        the model directory (model.json)\n"
    "  --port DEV         the device: serial port or pseudo-terminal (not while imulabd holds it)\n"
    "  --json             one JSON object: {\"windows\", \"bit_exact\", \"accuracy\",\n"
    "                     \"instructions_per_window\", \"classes\": {...}, \"latency_ms\": {...}}\n"
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

/* ---- the command --------------------------------------------------------------------------- */

struct vclass {
    int windows, correct, exact;
};

int cmd_validate(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, NULL, 'm'},
                                         {"port", required_argument, NULL, 'p'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"timeout-ms", required_argument, NULL, 't'},
                                         {"baud", required_argument, NULL, 'b'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *dir = NULL, *port = NULL;
    int json = 0, c;
    double timeout_ms = 2000, baud = 115200, limit = 0;
    cli_getopt_begin();
    while ((c = cli_getopt("validate", argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'h': fputs(validate_help, stdout); return CLI_OK;
        case 'm': dir = optarg; break;
        case 'p': port = optarg; break;
        case 'j': json = 1; break;
        case 't':
            if (cli_parse_double(optarg, &timeout_ms) || timeout_ms < 10 || timeout_ms > 600000)
                return cli_usage("validate", "--timeout-ms must be 10 to 600000");
            break;
        case 'b':
            if (cli_parse_double(optarg, &baud) || baud < 1200 || baud > 4000000)
                return cli_usage("validate", "bad --baud '%s'", optarg);
            break;
        case 'l':
            if (cli_parse_double(optarg, &limit) || limit < 1)
                return cli_usage("validate", "bad --limit '%s'", optarg);
            break;
        default: return CLI_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("validate", "unexpected argument '%s'", argv[optind]);
    if (!dir)
        return cli_usage("validate", "--model MODEL_DIR is required");
    if (!port)
        return cli_usage("validate", "--port DEV is required");
    const int tmo = (int)timeout_ms;

    struct tr_model m;
    char err[512] = "";
    if (tr_load(&m, dir, err, sizeof err))
        return cli_error("%s", err);
    const int na = m.n_axes, wl = m.window_len, nl = m.n_labels;
    struct vdata d;
    if (vdata_load(cli, &d)) {
        tr_model_free(&m);
        return CLI_FAIL;
    }
    int rc = CLI_FAIL;
    struct devport dp = { .fd = -1 };
    int raw_stopped = 0;
    int16_t *q = NULL, *win = NULL, *gstore = NULL;
    int *starts = NULL, *lens = NULL;
    float *work = malloc(sizeof(float) * (size_t)imu_features_work_len(&m.feat));
    float *feat = malloc(sizeof(float) * (size_t)(m.n_feat > 0 ? m.n_feat : 1));
    struct vclass *cls = calloc((size_t)nl, sizeof *cls);
    int *conf = calloc((size_t)nl * nl, sizeof(int));
    double *lat = NULL;
    win = malloc(sizeof(int16_t) * (size_t)wl * na);
    gstore = malloc(sizeof(int16_t) * (size_t)(m.gesture_buf > 0 ? m.gesture_buf : 1) * na);
    if (!work || !feat || !cls || !conf || !win || !gstore) {
        cli_error("out of memory");
        goto out;
    }
    if (d.n == 0) {
        cli_error("no testing recordings in %s (run imulab split)", cli->db_path);
        goto out;
    }
    for (int i = 0; i < d.n; i++) {
        const struct tr_recording *r = &d.v[i].r;
        if (r->n_axes != na) { cli_error("recording of '%s' has %d axes, the model was trained for %d", r->label, r->n_axes, na); goto out; }
        for (int a = 0; a < na; a++)
            if (strcmp(r->axes[a], m.axes[a])) { cli_error("recording of '%s' has axis '%s' where the model has '%s'", r->label, r->axes[a], m.axes[a]); goto out; }
        if (fabs(r->rate_hz - m.rate_hz) > 0.01 * m.rate_hz) { cli_error("recording of '%s' is at %.4g Hz, the model was trained at %.4g Hz", r->label, r->rate_hz, m.rate_hz); goto out; }
        if (tr_label_index(&m, r->label) < 0) { cli_error("label '%s' is not one of the model's labels", r->label); goto out; }
    }
    if (m.n_feat > (int)PROTO_MAX_VALIDATE_FEATURES) {
        cli_error("the model has %d features, more than a VALIDATE_RESULT frame carries (%u)", m.n_feat, PROTO_MAX_VALIDATE_FEATURES);
        goto out;
    }

    if (devport_open(&dp, port, (unsigned)baud, err, sizeof err)) {
        cli_error("%s", err);
        goto out;
    }
    struct proto_hello h;
    if (get_hello(&dp, tmo, &h))
        goto out;
    if (!(h.flags & PROTO_FLAG_CLASSIFIER)) {
        cli_error("the device runs another firmware (board %s, firmware %u.%u.%u without a classifier): flash the classifier with imulab flash --model %s",
                  h.board, h.fw_major, h.fw_minor, h.fw_patch, dir);
        goto out;
    }
    if (h.model_hash != m.hash) {
        cli_error("the device runs model %08x, not %08x from %s: flash it with imulab flash --model %s", h.model_hash, m.hash, dir, dir);
        goto out;
    }

    /* raw SAMPLES off while validating (less traffic on the line); on again at the end */
    {
        struct proto_frame f;
        int t = devport_command(&dp, PROTO_CMD_STOP, NULL, 0);
        if (t >= 0 && await(&dp, t, 0, tmo, &f, "CMD_STOP") == 1)
            raw_stopped = 1;
    }
    const unsigned per_chunk = (VAL_MAX_CHUNK_PAYLOAD - 2u - PROTO_VALIDATE_HDR + 2u) / (2u * (unsigned)na);
    int retries = 0;
    int n_win = 0, n_exact = 0, n_correct = 0, n_lat = 0, cap_lat = 0, n_insn = 0;
    double insn_sum = 0, insn_min = 0, insn_max = 0, t_start = devport_now_ms();
    int first_bad = -1;
    char bad_what[200] = "";
    for (int i = 0; i < d.n; i++) {
        const struct tr_recording *r = &d.v[i].r;
        int li = tr_label_index(&m, r->label);
        free(q);
        q = malloc(sizeof(int16_t) * (size_t)(r->n_samples > 0 ? r->n_samples : 1) * na);
        if (!q) { cli_error("out of memory"); goto out; }
        tr_quantize_samples(r->values, r->n_samples, na, m.in_scale, q);
        int nst = tr_examples(&m, q, r->n_samples, NULL, NULL, 0);
        free(starts);
        free(lens);
        starts = malloc(sizeof(int) * (size_t)(nst > 0 ? nst : 1));
        lens = malloc(sizeof(int) * (size_t)(nst > 0 ? nst : 1));
        if (nst < 0 || !starts || !lens) { cli_error("out of memory"); goto out; }
        tr_examples(&m, q, r->n_samples, starts, lens, nst);
        for (int k = 0; k < nst; k++) {
            if (limit > 0 && n_win >= (int)limit)
                goto done;
            int st = starts[k];
            /* what goes to the device: the window (continuous) or the gesture's raw samples */
            const int16_t *send = win;
            unsigned total = (unsigned)wl;
            if (m.mode == TR_MODE_GESTURE) {
                send = q + (size_t)st * na;
                total = (unsigned)lens[k];
                if (total < 1 || total > 64u * per_chunk || total > 65535u) {
                    cli_error("recording %lld: a gesture of %u samples does not fit the validation exchange (at most %u)",
                              (long long)d.v[i].id, total, 64u * per_chunk);
                    goto out;
                }
            } else {
                if (st + wl > r->n_samples) st = r->n_samples - wl;
                if (st < 0) st = 0;
            }
            tr_example_window(&m, q, r->n_samples, st, lens[k], win, gstore);
            imu_features(&m.feat, win, m.in_scale, work, feat);
            int8_t host_y[TR_MAX_LABELS];
            int host_cls = tr_predict_int8(&m, feat, host_y);

            double t0 = devport_now_ms();
            struct proto_frame f;
            /* all chunks of the window at once (the device takes them in order; the UART
             * receive ring and QEMU's flow control hold them), then their ACKs and the result.
             * A lost frame (noise, an overrun) costs a timeout: the window is sent again, up to
             * VAL_ATTEMPTS times, with fresh tokens (late answers to old ones are ignored). */
            int a = 0;
            for (int attempt = 0; attempt < VAL_ATTEMPTS && a == 0; attempt++) {
                if (attempt) retries++;
                int toks[64], nt = 0, token = -1;
                for (unsigned off = 0; off < total && nt < 64;) {
                    unsigned cnt = total - off < per_chunk ? total - off : per_chunk;
                    uint8_t body[VAL_MAX_CHUNK_PAYLOAD];
                    struct proto_validate_chunk ch = { .token = 0, .model_hash = m.hash, .total = (uint16_t)total,
                                                       .offset = (uint16_t)off, .count = (uint16_t)cnt, .n_axes = (uint8_t)na };
                    size_t len = proto_validate_pack_header(&ch, body) - 2u; /* devport puts the token */
                    memmove(body, body + 2, len);
                    for (unsigned s = 0; s < cnt * (unsigned)na; s++, len += 2)
                        proto_put_u16(body + len, (uint16_t)send[off * (unsigned)na + s]);
                    token = devport_command(&dp, PROTO_CMD_VALIDATE, body, len);
                    if (token < 0) { cli_error("cannot write to the device port"); goto out; }
                    toks[nt++] = token;
                    off += cnt;
                }
                a = 1;
                for (int k2 = 0; k2 < nt && a == 1; k2++)
                    a = await(&dp, toks[k2], 0, tmo, &f, "a validation chunk");
                if (a == 1)
                    a = await(&dp, token, PROTO_VALIDATE_RESULT, tmo, &f, "the validation result");
                if (a < 0) goto out;
            }
            if (a == 0) {
                cli_error("the device stopped answering (window %d: no answer within %d ms, %d attempts)", n_win + 1, tmo, VAL_ATTEMPTS);
                goto out;
            }
            double t1 = devport_now_ms();
            struct proto_validate_result res;
            if (proto_validate_result_parse(f.payload, f.len, &res)) { cli_error("malformed VALIDATE_RESULT from the device"); goto out; }
            if (res.model_hash != m.hash) { cli_error("the device answered for model %08x, not %08x", res.model_hash, m.hash); goto out; }
            /* compare */
            int exact = res.n_features == m.n_feat && res.n_classes == nl && res.class_index == host_cls;
            int bad_feat = -1;
            for (int j = 0; exact && j < m.n_feat; j++) {
                uint32_t hb;
                memcpy(&hb, &feat[j], 4);
                if (proto_validate_feature_bits(&res, (unsigned)j) != hb) { exact = 0; bad_feat = j; }
            }
            for (int j = 0; exact && j < nl; j++)
                if (res.scores[j] != host_y[j]) exact = 0;
            if (!exact && first_bad < 0) {
                first_bad = n_win;
                if (bad_feat >= 0) {
                    uint32_t b = proto_validate_feature_bits(&res, (unsigned)bad_feat);
                    float dv;
                    memcpy(&dv, &b, 4);
                    snprintf(bad_what, sizeof bad_what, "feature %d: device %.9g, host %.9g", bad_feat, dv, feat[bad_feat]);
                } else {
                    snprintf(bad_what, sizeof bad_what, "int8 scores or class differ (device class %d, host %d)", res.class_index, host_cls);
                }
            }
            n_win++;
            n_exact += exact;
            n_correct += res.class_index == li;
            cls[li].windows++;
            cls[li].correct += res.class_index == li;
            cls[li].exact += exact;
            if (res.class_index < nl) conf[li * nl + res.class_index]++;
            if (res.instructions) {
                insn_sum += res.instructions;
                if (!n_insn || res.instructions < insn_min) insn_min = res.instructions;
                if (!n_insn || res.instructions > insn_max) insn_max = res.instructions;
                n_insn++;
            }
            if (n_lat == cap_lat) {
                cap_lat = cap_lat ? 2 * cap_lat : 512;
                double *nlat = realloc(lat, sizeof(double) * (size_t)cap_lat);
                if (!nlat) { cli_error("out of memory"); goto out; }
                lat = nlat;
            }
            lat[n_lat++] = t1 - t0;
        }
    }
done:;
    double total_s = (devport_now_ms() - t_start) / 1000.0;
    double acc = n_win ? (double)n_correct / n_win : 0;
    double lat_mean = 0, lat_max = 0;
    for (int i = 0; i < n_lat; i++) {
        lat_mean += lat[i];
        if (lat[i] > lat_max) lat_max = lat[i];
    }
    if (n_lat) lat_mean /= n_lat;
    if (json) {
        printf("{\"windows\": %d, \"bit_exact\": %d, \"accuracy\": ", n_win, n_exact);
        cli_json_num(stdout, acc);
        printf(", \"instructions_per_window\": ");
        if (n_insn) cli_json_num(stdout, insn_sum / n_insn); else printf("null");
        printf(", \"instructions_min\": ");
        if (n_insn) cli_json_num(stdout, insn_min); else printf("null");
        printf(", \"instructions_max\": ");
        if (n_insn) cli_json_num(stdout, insn_max); else printf("null");
        printf(", \"model_hash\": \"%08x\", \"board\": ", m.hash);
        cli_json_str(stdout, h.board);
        printf(", \"classes\": {");
        for (int l = 0; l < nl; l++) {
            if (l) printf(", ");
            cli_json_str(stdout, m.labels[l]);
            printf(": {\"windows\": %d, \"correct\": %d, \"bit_exact\": %d, \"accuracy\": ", cls[l].windows, cls[l].correct, cls[l].exact);
            cli_json_num(stdout, cls[l].windows ? (double)cls[l].correct / cls[l].windows : 0);
            printf("}");
        }
        printf("}, \"labels\": [");
        for (int l = 0; l < nl; l++) { if (l) printf(", "); cli_json_str(stdout, m.labels[l]); }
        printf("], \"confusion\": [");
        for (int l = 0; l < nl; l++) {
            printf("%s[", l ? ", " : "");
            for (int k = 0; k < nl; k++) printf("%s%d", k ? ", " : "", conf[l * nl + k]);
            printf("]");
        }
        printf("], \"latency_ms\": {\"mean\": ");
        cli_json_num(stdout, lat_mean);
        printf(", \"max\": ");
        cli_json_num(stdout, lat_max);
        printf("}, \"retries\": %d, \"seconds\": ", retries);
        cli_json_num(stdout, total_s);
        printf("}\n");
    } else {
        printf("model %08x on %s: %d windows, %d bit-exact (%.1f%%), on-device accuracy %.4f\n", m.hash, h.board,
               n_win, n_exact, n_win ? 100.0 * n_exact / n_win : 0.0, acc);
        if (n_insn)
            printf("features + inference: %.0f instructions per window (min %.0f, max %.0f)\n", insn_sum / n_insn, insn_min, insn_max);
        else
            printf("features + inference: the device does not count instructions\n");
        printf("latency per window (send, compute, answer): mean %.2f ms, max %.2f ms; %.1f s in all\n", lat_mean, lat_max, total_s);
        printf("%-16s %8s %8s %9s %9s\n", "class", "windows", "correct", "accuracy", "bit-exact");
        for (int l = 0; l < nl; l++)
            printf("%-16s %8d %8d %9.4f %9d\n", m.labels[l], cls[l].windows, cls[l].correct,
                   cls[l].windows ? (double)cls[l].correct / cls[l].windows : 0.0, cls[l].exact);
    }
    if (retries)
        fprintf(stderr, "imulab: %d window%s sent again after a lost answer\n", retries, retries == 1 ? "" : "s");
    if (first_bad >= 0)
        cli_error("%d of %d windows differ from the host; the first is window %d (%s)", n_win - n_exact, n_win, first_bad + 1, bad_what);
    rc = n_exact == n_win && n_win > 0 ? CLI_OK : CLI_FAIL;
    if (n_win == 0)
        cli_error("no testing windows");
out:
    if (raw_stopped)
        devport_command(&dp, PROTO_CMD_START, NULL, 0);
    devport_close(&dp);
    free(q);
    free(starts);
    free(lens);
    free(gstore);
    free(win);
    free(work);
    free(feat);
    free(cls);
    free(conf);
    free(lat);
    vdata_free(&d);
    tr_model_free(&m);
    return cli_finish_output(rc);
}
