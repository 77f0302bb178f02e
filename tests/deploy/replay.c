/* replay.c -- built against an exported C library alone (imulab export-model --format c): reads
 * `imulab eval --dump-windows` and checks that the library computes, byte for byte, the int8 scores
 * imulab eval computed for every testing window, and the same feature vectors bit for bit, three ways:
 *   - imulab_classify() on each window (cut and zero-padded as imulab cuts it);
 *   - imulab_push() of each recording's int16 samples: every decision is one of eval's windows
 *     (the one that ends at that sample) with its scores, and every full window gets a decision;
 *   - imulab_push_float() of the stored values, after checking imulab_quantize() gives the host's
 *     int16 samples.
 * usage: replay DUMP [--inputs FILE] [--target-bin FILE]. Exit 0 when everything agrees, 1 with the
 * first differences otherwise. --inputs writes each window's network input (imulab_network_input:
 * the int8 input tensor of the model's .tflite), one line per window in dump order, for
 * tests/deploy/tflite.sh; --target-bin writes each window's int16 samples, eval's int8 scores and
 * its features (host byte order) for tests/deploy/target (the library on an emulated Cortex-M). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imulab.h"

struct window {
    int start, label, seen_int16, seen_float;
    int8_t scores[IMULAB_N_CLASSES];
    float features[IMU_MODEL_N_FEATURES];
};
struct recording {
    int index, n;
    int16_t *q;
    float *v;
    int nw;
    struct window *w;
};

static int failures;

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
    int na, wl, sl, nc, nf, nw, nr;
    if (fscanf(f, "imulab-eval-windows 1 %x %d %d %d %d %d %d %d", &hash, &na, &wl, &sl, &nc, &nf, &nw, &nr) != 8) {
        fprintf(stderr, "%s: not an imulab eval dump\n", path);
        return -1;
    }
    if (hash != IMULAB_MODEL_HASH || na != IMULAB_N_AXES || wl != IMULAB_WINDOW_LEN || sl != IMULAB_STRIDE_LEN ||
        nc != IMULAB_N_CLASSES || nf != IMU_MODEL_N_FEATURES) {
        fprintf(stderr, "%s: model %08x (%d axes, window %d, stride %d, %d classes), the library is %08x\n", path,
                hash, na, wl, sl, nc, (unsigned)IMULAB_MODEL_HASH);
        return -1;
    }
    struct recording *r = calloc((size_t)nr, sizeof *r);
    int total = 0;
    for (int i = 0; i < nr; i++) {
        int label;
        if (fscanf(f, " recording %d %d %d", &r[i].index, &label, &r[i].n) != 3 || r[i].n < 0) goto bad;
        r[i].q = malloc(sizeof(int16_t) * IMULAB_N_AXES * (size_t)(r[i].n + 1));
        r[i].v = malloc(sizeof(float) * IMULAB_N_AXES * (size_t)(r[i].n + 1));
        r[i].w = calloc((size_t)(r[i].n / IMULAB_STRIDE_LEN + 2), sizeof(struct window));
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
            int rec, start;
            struct window *w = &r[i].w[r[i].nw];
            if (fscanf(f, " window %d %d %d", &rec, &start, &w->label) != 3) { fseek(f, pos, SEEK_SET); break; }
            if (rec != r[i].index || r[i].nw > r[i].n / IMULAB_STRIDE_LEN) goto bad;
            w->start = start;
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

static struct window *find(struct recording *r, int start)
{
    for (int k = 0; k < r->nw; k++)
        if (r->w[k].start == start) return &r->w[k];
    return NULL;
}

/* Stream one recording through push (use_float: push_float); returns the decisions checked. */
static int stream(struct imulab_state *st, struct recording *r, int use_float)
{
    const char *what = use_float ? "push_float" : "push";
    struct imulab_result res;
    int n = 0;
    imulab_init(st);
    if (imulab_latest(st, &res)) fail("%s: recording %d: a decision before any sample (%d)", what, r->index, 0);
    for (int t = 0; t < r->n; t++) {
        int got = use_float ? imulab_push_float(st, &r->v[t * IMULAB_N_AXES]) : imulab_push(st, &r->q[t * IMULAB_N_AXES]);
        if (!got) continue;
        n++;
        if (!imulab_latest(st, &res) || res.count != (uint32_t)n || res.sample_index != (uint32_t)(t + 1)) {
            fail("%s: recording %d: decision at sample %d is not the latest", what, r->index, t + 1);
            continue;
        }
        struct window *w = find(r, t + 1 - IMULAB_WINDOW_LEN);
        if (!w) { fail("%s: recording %d: a decision on window %d, which imulab eval does not cut", what, r->index, t + 1 - IMULAB_WINDOW_LEN); continue; }
        if (memcmp(w->scores, res.scores, IMULAB_N_CLASSES)) fail("%s: recording %d: window %d scores differ", what, r->index, w->start);
        else if (memcmp(w->features, st->features, sizeof w->features)) fail("%s: recording %d: window %d features differ", what, r->index, w->start);
        else if (use_float) w->seen_float++;
        else w->seen_int16++;
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
    static struct imulab_state st;
    static int16_t win[IMULAB_WINDOW_LEN * IMULAB_N_AXES];
    int classify_ok = 0, full = 0, ok16 = 0, okf = 0, dec16 = 0, decf = 0, quant_ok = 1;
    for (int i = 0; i < nr; i++) {
        struct recording *R = &r[i];
        /* the float conversion */
        int16_t *q = malloc(sizeof(int16_t) * IMULAB_N_AXES * (size_t)(R->n + 1));
        imulab_quantize(R->v, q, (uint32_t)R->n);
        if (memcmp(q, R->q, sizeof(int16_t) * IMULAB_N_AXES * (size_t)R->n)) {
            quant_ok = 0;
            fail("%s: recording %d: int16 samples differ from the host's (%d)", "imulab_quantize", R->index, 0);
        }
        free(q);
        /* one-shot */
        for (int k = 0; k < R->nw; k++) {
            struct window *w = &R->w[k];
            for (int t = 0; t < IMULAB_WINDOW_LEN; t++)
                for (int a = 0; a < IMULAB_N_AXES; a++)
                    win[t * IMULAB_N_AXES + a] = w->start + t < R->n ? R->q[(w->start + t) * IMULAB_N_AXES + a] : 0;
            struct imulab_result res;
            int c = imulab_classify(&st, win, &res);
            if (memcmp(res.scores, w->scores, IMULAB_N_CLASSES) || c != res.class_index)
                fail("%s: recording %d: window %d scores differ", "classify", R->index, w->start);
            else if (memcmp(st.features, w->features, sizeof w->features))
                fail("%s: recording %d: window %d features differ (bit for bit)", "classify", R->index, w->start);
            else classify_ok++;
            if (w->start + IMULAB_WINDOW_LEN <= R->n) full++;
            if (target && (fwrite(win, sizeof win, 1, target) != 1 || fwrite(w->scores, sizeof w->scores, 1, target) != 1 ||
                           fwrite(w->features, sizeof w->features, 1, target) != 1))
                fail("%s: cannot write the target file (%d, %d)", "replay", R->index, w->start);
            if (inputs) {
                int8_t in[IMULAB_N_INPUTS];
                imulab_network_input(&st, win, in);
                for (int k2 = 0; k2 < IMULAB_N_INPUTS; k2++) fprintf(inputs, "%s%d", k2 ? " " : "", in[k2]);
                fputc('\n', inputs);
            }
        }
        dec16 += stream(&st, R, 0);
        decf += stream(&st, R, 1);
        for (int k = 0; k < R->nw; k++) {
            struct window *w = &R->w[k];
            if (w->start + IMULAB_WINDOW_LEN > R->n) continue; /* zero-padded: not a stream window */
            if (w->seen_int16 == 1) ok16++;
            else fail("%s: recording %d: window %d not decided exactly once", "push", R->index, w->start);
            if (w->seen_float == 1) okf++;
            else fail("%s: recording %d: window %d not decided exactly once", "push_float", R->index, w->start);
        }
    }
    printf("%d windows of %d recordings (model %08x): classify %d/%d byte-identical; stream int16 %d/%d "
           "(%d decisions), float %d/%d (%d decisions); imulab_quantize %s\n",
           nw, nr, (unsigned)IMULAB_MODEL_HASH, classify_ok, nw, ok16, full, dec16, okf, full, decf,
           quant_ok ? "identical" : "DIFFERS");
    if (dec16 != full || decf != full) fail("%s: %d decisions for %d full windows", "stream", dec16, full);
    if (inputs && fclose(inputs)) { perror("--inputs"); failures++; }
    if (target && fclose(target)) { perror("--target-bin"); failures++; }
    for (int i = 0; i < nr; i++) { free(r[i].q); free(r[i].v); free(r[i].w); }
    free(r);
    return failures ? 1 : 0;
}
