/* SPDX-License-Identifier: MIT */
/* test_oom -- the trainer when memory runs out: every allocation of the trainer library is made
 * to fail in turn (the test is linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc, which
 * routes the library's own calls through the wrappers below; libc's and cJSON's allocations are
 * untouched). The promise (trainer/trainer.h): a call returns 0, or -1 with a one-line message in
 * err; it never crashes and never leaks (AddressSanitizer's leak check at exit). A call that
 * succeeds despite the failed allocation (a buffer it can do without) gives the very model of
 * the run without failures (the same hash).
 *
 * Covered: tr_train (set-up, windows, augmentation, fit, quantization with the probe fit and
 * quantization-aware fine-tuning, evaluation), tr_anomaly_fit, tr_export and tr_load, a quick
 * tr_search_run on one thread, and a conv front end's training. Usage: test_oom [SCRATCH_DIR] */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "trainer.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define TRACE() __sanitizer_print_stack_trace()
#else
#define TRACE() ((void)0)
#endif

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

/* Allocations counted since arm(); the one numbered fail_at (1-based; 0: none) fails. */
static atomic_long n_alloc, fail_at, n_failed;

/* OOM_TRACE=1 prints where each failed allocation was made (ASan builds) */
static int trace;

static int fail_now(void)
{
    long k = atomic_fetch_add(&n_alloc, 1) + 1;
    if (k == atomic_load(&fail_at)) {
        atomic_fetch_add(&n_failed, 1);
        errno = ENOMEM; /* as malloc does */
        if (trace) {
            fprintf(stderr, "allocation %ld fails here:\n", k);
            TRACE();
        }
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return fail_now() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }

static void arm(long k)
{
    atomic_store(&fail_at, k);
    atomic_store(&n_alloc, 0);
    atomic_store(&n_failed, 0);
}

enum { N = 8 };
static struct tr_recording rec[N];
static struct tr_dataset ds = {N, rec};
static char dir[512];

static void make_data(void)
{
    static const char *ax[3] = {"x", "y", "z"}, *subj[4] = {"p0", "p1", "p2", "p3"};
    for (int i = 0; i < N; i++) {
        float *v = __real_malloc(sizeof(float) * 200 * 3);
        for (int t = 0; t < 200; t++)
            for (int a = 0; a < 3; a++)
                v[t * 3 + a] = sinf((i % 2 ? 0.5f : 0.1f) * (float)t + (float)a) + 0.03f * (float)((t * 5 + a + i) % 7);
        rec[i].label = i % 2 ? "b" : "a";
        rec[i].subject = subj[(i / 2) % 4];
        rec[i].category = i < 6 ? TR_TRAINING : TR_TESTING;
        rec[i].rate_hz = 50;
        rec[i].n_axes = 3;
        for (int a = 0; a < 3; a++) rec[i].axes[a] = ax[a];
        rec[i].n_samples = 200;
        rec[i].values = v;
    }
}

static void base_options(struct tr_options *o)
{
    tr_options_default(o);
    o->mode = TR_MODE_CONTINUOUS;
    o->n_hidden = 1;
    o->hidden[0] = 4;
    o->epochs = 2;
    o->qat_epochs = -1; /* automatic: the probe fit, then fine-tuning if it helped there */
    o->aug_copies = 1;
    o->aug_scale = 0.1f;
    o->aug_rotate_deg = 10;
}

/* One scenario: run(k) with allocation k failing, k = 1.. until a run makes no failed allocation
 * (every allocation of the path has failed once). Returns how many runs failed cleanly. */
struct scenario {
    const char *name;
    /* 0 or -1 with err; on 0 *hash is the result's hash */
    int (*run)(char *err, size_t errlen, uint32_t *hash);
};

static void sweep(const struct scenario *s)
{
    char err[512];
    uint32_t want = 0, got;
    arm(0);
    REQUIRE(s->run(err, sizeof err, &want) == 0);
    const long total = atomic_load(&n_alloc);
    long failed_runs = 0, survived = 0;
    for (long k = 1;; k++) {
        err[0] = 0;
        got = 0;
        arm(k);
        int rc = s->run(err, sizeof err, &got);
        long nf = atomic_load(&n_failed);
        arm(0);
        if (nf == 0) {
            CHECK_MSG(rc == 0 && got == want, "%s: a run without a failure gave rc %d, hash %08x (want %08x)", s->name,
                      rc, got, want);
            break;
        }
        if (rc == 0) {
            survived++;
            CHECK_MSG(got == want, "%s: allocation %ld failed, the call succeeded with another model (%08x, want %08x)",
                      s->name, k, got, want);
        } else {
            failed_runs++;
            CHECK_MSG(rc == -1 && err[0] != 0 && strchr(err, '\n') == NULL,
                      "%s: allocation %ld failed: rc %d, message '%s'", s->name, k, rc, err);
        }
        if (k > 200000) {
            CHECK_MSG(0, "%s: no end to the allocations", s->name);
            break;
        }
    }
    printf("%s: %ld allocations, %ld failures refused with a message, %ld survived\n", s->name, total, failed_runs,
           survived);
    CHECK_MSG(failed_runs > 0, "%s: no failed allocation was reported", s->name);
}

static int run_train(char *err, size_t errlen, uint32_t *hash)
{
    struct tr_options o;
    base_options(&o);
    struct tr_model m;
    if (tr_train(&ds, &o, &m, err, errlen)) return -1;
    *hash = m.hash;
    tr_model_free(&m);
    return 0;
}

/* The anomaly model on a trained model (the training itself is not failed here). */
static struct tr_model trained;
static struct tr_windows trained_w;
static int run_anomaly(char *err, size_t errlen, uint32_t *hash)
{
    struct tr_model m = trained;
    memset(&m.anom, 0, sizeof m.anom);
    if (tr_anomaly_fit(&m, &trained_w, &ds, TR_ANOM_GAUSS, 1, 2, 0.05f, 3, 1, err, errlen)) {
        tr_anomaly_free(&m.anom);
        return -1;
    }
    *hash = m.anom.threshold * 2654435761u + (uint32_t)m.anom.k;
    tr_anomaly_free(&m.anom);
    return 0;
}

static int run_export_load(char *err, size_t errlen, uint32_t *hash)
{
    if (tr_export(&trained, dir, err, errlen)) return -1;
    struct tr_model m;
    if (tr_load(&m, dir, err, errlen)) return -1;
    *hash = m.hash;
    tr_model_free(&m);
    return 0;
}

static int run_search(char *err, size_t errlen, uint32_t *hash)
{
    struct tr_options o;
    base_options(&o);
    o.aug_copies = 0;
    struct tr_search_options so;
    tr_search_options_default(&so);
    so.quick = 1;
    so.threads = 1;
    so.n_seeds = 1;
    so.folds = 2;
    so.pins = TR_PIN_WINDOW | TR_PIN_MODE | TR_PIN_EPOCHS | TR_PIN_L2 | TR_PIN_AUG;
    struct tr_search r;
    int rc = tr_search_run(&ds, &o, &so, &r, err, errlen);
    if (rc == 0) {
        char *js = tr_search_json(&r, 3);
        /* the winner, its score and every candidate's */
        uint32_t h = 2166136261u;
        for (int i = 0; i < r.n; i++) {
            const struct tr_search_entry *e = &r.e[i];
            h = (h ^ (uint32_t)(e->score * 1e6 + 7)) * 16777619u;
            for (const char *p = e->desc; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
        }
        *hash = (h ^ (uint32_t)r.best) * 16777619u;
        free(js);
    }
    tr_search_free(&r);
    return rc;
}

static int run_conv(char *err, size_t errlen, uint32_t *hash)
{
    struct tr_options o;
    base_options(&o);
    o.mode = TR_MODE_GESTURE;
    o.gesture_points = 16;
    o.aug_copies = 0;
    o.n_hidden = 0;
    o.epochs = 1;
    if (tr_parse_conv("4:3:2", &o, err, errlen)) return -1;
    struct tr_model m;
    if (tr_train(&ds, &o, &m, err, errlen)) return -1;
    *hash = m.hash;
    tr_model_free(&m);
    return 0;
}

int main(int argc, char **argv)
{
    snprintf(dir, sizeof dir, "%s/test_oom.XXXXXX", argc > 1 ? argv[1] : "/tmp");
    REQUIRE(mkdtemp(dir) != NULL);
    make_data();
    trace = getenv("OOM_TRACE") != NULL;
    const struct scenario train = {"tr_train", run_train};
    sweep(&train);
    struct tr_options o;
    base_options(&o);
    char err[256];
    REQUIRE(tr_train(&ds, &o, &trained, err, sizeof err) == 0);
    REQUIRE(tr_make_windows(&trained, &ds, TR_TRAINING, &trained_w, err, sizeof err) == 0);
    const struct scenario anomaly = {"tr_anomaly_fit", run_anomaly}, export = {"tr_export + tr_load", run_export_load},
                          search = {"tr_search_run", run_search}, conv = {"tr_train (conv)", run_conv};
    sweep(&anomaly);
    sweep(&export);
    sweep(&search);
    sweep(&conv);
    tr_windows_free(&trained_w);
    tr_model_free(&trained);
    for (int i = 0; i < N; i++) free((void *)rec[i].values);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_report("test_oom");
}
