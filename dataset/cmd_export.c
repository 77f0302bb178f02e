/* SPDX-License-Identifier: MIT */
/* cmd_export.c -- imulab export: Edge Impulse data acquisition JSON or CSV, plus info.labels.
 *
 * JSON: {"protected":{"ver":"v1","alg":"none"|"HS256","iat":T},"signature":HEX64,"payload":{
 * "device_type","interval_ms","sensors":[{"name","units"}],"values":[[...],...]}}, compact.
 * Unsigned files carry 64 zeros as signature. Signed files: HMAC-SHA256 with the key over the
 * file's JSON text with the signature set to 64 zeros, hex, put in place of the zeros (the way
 * Edge Impulse signs: sign the encoding with an empty signature, then fill it in).
 * CSV: header timestamp,<axis>,..., timestamp in ms from the start, with as many digits as read
 * back exactly (16 kHz stays 16000 Hz); info.labels adds the exact "interval_ms" of each CSV file
 * (a one-row file cannot tell its rate). JSON keeps device_name; one sensor's values are flat.
 * info.labels writes each recording's sample name (an import's), else <label>.<id>.
 * Values print as the shortest decimal that reads back as the same float32.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "fmt.h"
#include "sha256.h"
#include "store.h"

/* A growable text buffer. */
struct buf {
    char *p;
    size_t n, cap;
    int oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 65536;
        while (nc < b->n + n + 1)
            nc *= 2;
        char *np = realloc(b->p, nc);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void puts_(struct buf *b, const char *s) { put(b, s, strlen(s)); }

static void put_jstr(struct buf *b, const char *s)
{
    put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char e[8];
        if (*p == '"' || *p == '\\') {
            e[0] = '\\';
            e[1] = (char)*p;
            put(b, e, 2);
        } else if (*p < 0x20 || *p == 0x7f) {
            snprintf(e, sizeof e, "\\u%04x", *p);
            put(b, e, 6);
        } else {
            put(b, (const char *)p, 1);
        }
    }
    put(b, "\"", 1);
}

static void put_float(struct buf *b, float v)
{
    char s[32];
    int n = fmt_float(s, sizeof s, v);
    put(b, s, (size_t)n);
}

/* A file-name-safe version of a label (the real label is in info.labels). */
static void safe_name(const char *label, char *out, size_t cap)
{
    size_t j = 0;
    for (const unsigned char *p = (const unsigned char *)label; *p && j + 1 < cap; p++)
        out[j++] = (*p == '/' || *p == '\\' || *p == '.' || *p < 0x20 || *p == ':' || *p == '*' || *p == '?' ||
                    *p == '"' || *p == '<' || *p == '>' || *p == '|')
                       ? '_'
                       : (char)*p;
    out[j] = 0;
}

static int write_file(const char *path, const char *data, size_t n)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return cli_error("%s: cannot create: %s", tmp, strerror(errno));
    size_t w = fwrite(data, 1, n, f);
    int bad = w != n || fflush(f) != 0 || ferror(f);
    if (fclose(f) || bad) {
        remove(tmp);
        return cli_error("%s: write error: %s", path, strerror(errno ? errno : EIO));
    }
    if (rename(tmp, path)) {
        remove(tmp);
        return cli_error("%s: cannot rename into place: %s", path, strerror(errno));
    }
    return 0;
}

struct export_ctx {
    struct store *s;
    const char *dir, *format, *key;
    struct buf labels; /* info.labels being built */
    int n, failed;
    long long samples;
};

static int export_one(const struct store_recording *r, void *arg)
{
    struct export_ctx *x = arg;
    if (r->ended_at == 0 && store_recording_writer_alive(x->s, r->id)) {
        /* still being recorded (an orphan of a killed daemon is exported as it stands): say so */
        fprintf(stderr, "imulab export: recording %lld ('%s') is still being recorded by imulabd: not exported\n",
                (long long)r->id, r->label);
        return 0;
    }
    float *v = NULL;
    int64_t n = 0;
    if (store_recording_samples(x->s, r->id, &v, &n)) {
        x->failed = cli_error("recording %lld: %s", (long long)r->id, store_errmsg(x->s));
        return 1;
    }
    char name[128], fname[160], path[4200];
    safe_name(r->label, name, sizeof name);
    int json = !strcmp(x->format, "ei-json");
    snprintf(fname, sizeof fname, "%s.%lld.%s", name, (long long)r->id, json ? "json" : "csv");
    snprintf(path, sizeof path, "%s/%s", x->dir, fname);
    struct buf b = {0};
    double interval = 1000.0 / r->sample_rate_hz;
    char num[40];
    /* CSV timestamps past 1e15 ms (a sample every 30,000 years) mean nothing: refused */
    if (!json && n > 1 && !((double)(n - 1) * interval < 1e15)) {
        free(v);
        x->failed = cli_error("recording %lld: a sample interval of %g ms puts its timestamps past 1e15 ms: not "
                              "exportable as CSV (use --format ei-json)",
                              (long long)r->id, interval);
        return 1;
    }
    int na = r->n_axes;
    if (json) {
        char dev[64] = "imulab", devname[256] = "";
        sqlite3_stmt *st;
        if (r->device_id && sqlite3_prepare_v2(store_db(x->s), "SELECT board, port, sensor FROM devices WHERE id=?",
                                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, r->device_id);
            if (sqlite3_step(st) == SQLITE_ROW) {
                const char *board = (const char *)sqlite3_column_text(st, 0);
                const char *port = (const char *)sqlite3_column_text(st, 1);
                const char *sensor = (const char *)sqlite3_column_text(st, 2);
                if (board && board[0])
                    snprintf(dev, sizeof dev, "%s", board);
                /* an imported file's device_name is kept as the device's port (its sensor is empty) */
                if (port && sensor && !sensor[0])
                    snprintf(devname, sizeof devname, "%s", port);
            }
            sqlite3_finalize(st);
        }
        puts_(&b, "{\"protected\":{\"ver\":\"v1\",\"alg\":");
        puts_(&b, x->key ? "\"HS256\"" : "\"none\"");
        snprintf(num, sizeof num, ",\"iat\":%lld},\"signature\":\"", (long long)llround(r->started_at));
        puts_(&b, num);
        size_t sig_at = b.n;
        puts_(&b, "0000000000000000000000000000000000000000000000000000000000000000\",\"payload\":{");
        if (devname[0]) {
            puts_(&b, "\"device_name\":");
            put_jstr(&b, devname);
            put(&b, ",", 1);
        }
        puts_(&b, "\"device_type\":");
        put_jstr(&b, dev);
        puts_(&b, ",\"interval_ms\":");
        fmt_double(num, sizeof num, interval);
        puts_(&b, num);
        puts_(&b, ",\"sensors\":[");
        for (int a = 0; a < na; a++) {
            puts_(&b, a ? ",{\"name\":" : "{\"name\":");
            put_jstr(&b, r->axes[a].name);
            puts_(&b, ",\"units\":");
            put_jstr(&b, r->axes[a].unit[0] ? r->axes[a].unit : "N/A");
            puts_(&b, "}");
        }
        puts_(&b, "],\"values\":[");
        for (int64_t i = 0; i < n; i++) {
            if (na == 1) { /* one sensor: flat numbers, as Edge Impulse writes them */
                if (i)
                    put(&b, ",", 1);
                put_float(&b, v[i]);
                continue;
            }
            puts_(&b, i ? ",[" : "[");
            for (int a = 0; a < na; a++) {
                if (a)
                    put(&b, ",", 1);
                put_float(&b, v[i * na + a]);
            }
            put(&b, "]", 1);
        }
        puts_(&b, "]}}");
        if (x->key && !b.oom) {
            uint8_t mac[32];
            char hex[65];
            hmac_sha256(x->key, strlen(x->key), b.p, b.n, mac);
            sha256_hex(mac, hex);
            memcpy(b.p + sig_at, hex, 64);
        }
    } else {
        puts_(&b, "timestamp");
        for (int a = 0; a < na; a++) {
            put(&b, ",", 1);
            /* axis names with commas or quotes would break the header */
            char ax[STORE_NAME_MAX + 1];
            safe_name(r->axes[a].name, ax, sizeof ax);
            for (char *p = ax; *p; p++)
                if (*p == ',')
                    *p = '_';
            puts_(&b, ax);
        }
        put(&b, "\n", 1);
        for (int64_t i = 0; i < n; i++) {
            /* ms, as many digits as read back exactly: the rate from the steps is exact */
            int len = fmt_double(num, sizeof num, (double)i * interval);
            assert(len > 0 && len < (int)sizeof num);
            put(&b, num, (size_t)len);
            for (int a = 0; a < na; a++) {
                put(&b, ",", 1);
                put_float(&b, v[i * na + a]);
            }
            put(&b, "\n", 1);
        }
    }
    free(v);
    if (b.oom) {
        free(b.p);
        x->failed = cli_error("%s: out of memory", path);
        return 1;
    }
    if (write_file(path, b.p, b.n)) {
        free(b.p);
        x->failed = CLI_FAIL;
        return 1;
    }
    free(b.p);
    /* info.labels entry */
    struct buf *l = &x->labels;
    puts_(l, x->n ? ",{\"path\":" : "{\"path\":");
    put_jstr(l, fname);
    char nm[200];
    snprintf(nm, sizeof nm, "%s.%lld", name, (long long)r->id);
    puts_(l, ",\"name\":");
    put_jstr(l, r->name[0] ? r->name : nm);
    if (!json) { /* the exact interval: a one-row CSV cannot tell its rate */
        puts_(l, ",\"interval_ms\":");
        fmt_double(num, sizeof num, interval);
        puts_(l, num);
    }
    puts_(l, ",\"category\":");
    put_jstr(l, strcmp(r->category, "unassigned") ? r->category : "split");
    puts_(l, ",\"label\":{\"type\":\"label\",\"label\":");
    put_jstr(l, r->label);
    puts_(l, "}}");
    x->n++;
    x->samples += n;
    return 0;
}

static const char *export_help =
    "usage: imulab export --format ei-json|csv --out DIR [--hmac-key K] [--label L] [--category C]\n"
    "\n"
    "Writes one file per recording (not the trash, nor a recording still being recorded; one left\n"
    "open by a killed daemon is exported as it stands) into DIR, created if\n"
    "needed: <label>.<id>.json in the Edge Impulse data acquisition format, or <label>.<id>.csv\n"
    "(header timestamp,<axis>,..., timestamp in ms), and an info.labels with each file's label\n"
    "and category (unassigned is written as Edge Impulse's 'split'), for\n"
    "`edge-impulse-uploader --info-file info.labels` or `imulab import DIR`.\n"
    "  --hmac-key K   sign the JSON files with HMAC-SHA256 (alg HS256); unsigned otherwise\n"
    "  --label L, --category C   export only those recordings\n";

int cmd_export(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"hmac-key", required_argument, NULL, 'k'},
                                         {"label", required_argument, NULL, 'l'},
                                         {"category", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct export_ctx x;
    memset(&x, 0, sizeof x);
    const char *label = NULL, *category = NULL;
    int c;
    cli_getopt_begin();
    while ((c = cli_getopt("export", argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'f': x.format = optarg; break;
        case 'o': x.dir = optarg; break;
        case 'k':
            if (!*optarg)
                return cli_usage("export", "--hmac-key is empty");
            x.key = optarg;
            break;
        case 'l': label = optarg; break;
        case 'c': category = optarg; break;
        case 'h': fputs(export_help, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("export", "unexpected argument '%s'", argv[optind]);
    if (!x.format)
        return cli_usage("export", "--format is required (ei-json or csv)");
    if (strcmp(x.format, "ei-json") && strcmp(x.format, "csv"))
        return cli_usage("export", "--format must be ei-json or csv, not '%s'", x.format);
    if (!x.dir || !*x.dir)
        return cli_usage("export", "--out DIR is required");
    if (x.key && strcmp(x.format, "ei-json"))
        return cli_usage("export", "--hmac-key signs JSON files only (--format ei-json)");
    if (category && !store_category_valid(category))
        return cli_usage("export", "--category must be training, testing or unassigned, not '%s'", category);
    x.s = cli_open_store(cli, 0);
    if (!x.s)
        return CLI_FAIL;
    if (mkdir(x.dir, 0755) && errno != EEXIST) {
        store_close(x.s);
        return cli_error("%s: cannot create the directory: %s", x.dir, strerror(errno));
    }
    puts_(&x.labels, "{\"version\":1,\"files\":[");
    /* read everything in one snapshot */
    sqlite3_exec(store_db(x.s), "BEGIN", NULL, NULL, NULL);
    if (store_recording_foreach(x.s, label, category, 0, export_one, &x) && !x.failed)
        x.failed = cli_error("%s: %s", cli->db_path, store_errmsg(x.s));
    sqlite3_exec(store_db(x.s), "COMMIT", NULL, NULL, NULL);
    puts_(&x.labels, "]}\n");
    int status = x.failed;
    if (!status) {
        char lp[4200];
        snprintf(lp, sizeof lp, "%s/info.labels", x.dir);
        if (x.labels.oom)
            status = cli_error("%s: out of memory", lp);
        else if (write_file(lp, x.labels.p, x.labels.n))
            status = CLI_FAIL;
    }
    if (!status)
        printf("exported %d recording%s (%lld samples) to %s as %s\n", x.n, x.n == 1 ? "" : "s", x.samples, x.dir,
               x.format);
    free(x.labels.p);
    store_close(x.s);
    return status;
}
