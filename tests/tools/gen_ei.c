/* SPDX-License-Identifier: MIT */
/* gen_ei -- writes small Edge Impulse JSON files for the tests.
 *
 *   gen_ei DIR LABEL:COUNT[:CATEGORY] ...
 *
 * File n (counted over all the specs, from 1) is DIR/LABEL.fN.json: 3 axes (accX, accY, accZ in
 * g), 100 Hz, 50..149 rows of values in [-2, 2] with at most 4 decimals, "iat" 1700000000 + n.
 * Values are deterministic: a seed per file from DIR's absolute path, the label and n, so files
 * of different directories differ. When the specs name a category, DIR/info.labels lists those
 * files. The JSON is laid out as Python's json.dump writes it (", " and ": " separators).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "gen_ei: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(1);
}

static uint64_t rng;

static uint64_t next(void) /* splitmix64 */
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint64_t below(uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, r;
    do
        r = next();
    while (r >= limit);
    return r % n;
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xCBF29CE484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001B3ull;
    return h;
}

/* A JSON string (labels and categories are plain in the tests; quotes and controls are escaped). */
static void put_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* k / 10000 as Python prints the float: at least one decimal, no trailing zeros. */
static void put_value(FILE *f, long k)
{
    char frac[8];
    snprintf(frac, sizeof frac, "%04ld", labs(k) % 10000);
    size_t n = strlen(frac);
    while (n > 1 && frac[n - 1] == '0')
        n--;
    frac[n] = 0;
    fprintf(f, "%s%ld.%s", k < 0 ? "-" : "", labs(k) / 10000, frac);
}

static void mkdirs(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        die("path too long: %s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0777) < 0 && errno != EEXIST)
                die("cannot create %s", buf);
            *p = c;
            if (!c)
                break;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: gen_ei DIR LABEL:COUNT[:CATEGORY] ...\n", stderr);
        return 2;
    }
    const char *out = argv[1];
    mkdirs(out);
    char abs[PATH_MAX];
    if (!realpath(out, abs))
        die("cannot resolve %s", out);
    char *labels = NULL; /* info.labels entries */
    size_t labels_len = 0;
    FILE *lf = open_memstream(&labels, &labels_len);
    if (!lf)
        die("%s", "out of memory");
    int n = 0, listed = 0;
    for (int a = 2; a < argc; a++) {
        char spec[256];
        if (snprintf(spec, sizeof spec, "%s", argv[a]) >= (int)sizeof spec)
            die("spec too long: %s", argv[a]);
        char *label = spec, *cnt = strchr(spec, ':'), *cat = NULL;
        if (!cnt || cnt == spec)
            die("bad spec %s (want LABEL:COUNT[:CATEGORY])", argv[a]);
        *cnt++ = 0;
        if ((cat = strchr(cnt, ':')))
            *cat++ = 0;
        char *end;
        long count = strtol(cnt, &end, 10);
        if (*end || end == cnt || count < 0)
            die("bad count in %s", argv[a]);
        for (long i = 0; i < count; i++) {
            n++;
            char seed[PATH_MAX + 300], name[300], path[PATH_MAX + 300];
            snprintf(seed, sizeof seed, "%s/%s/%d", abs, label, n);
            rng = fnv1a(seed);
            snprintf(name, sizeof name, "%s.f%d.json", label, n);
            snprintf(path, sizeof path, "%s/%s", out, name);
            FILE *f = fopen(path, "w");
            if (!f)
                die("cannot write %s", path);
            fprintf(f, "{\"protected\": {\"ver\": \"v1\", \"alg\": \"none\", \"iat\": %d}, "
                       "\"signature\": \"%064d\", "
                       "\"payload\": {\"device_type\": \"TEST\", \"interval_ms\": 10, "
                       "\"sensors\": [{\"name\": \"accX\", \"units\": \"g\"}, {\"name\": \"accY\", \"units\": \"g\"}, "
                       "{\"name\": \"accZ\", \"units\": \"g\"}], \"values\": [",
                    1700000000 + n, 0);
            long rows = 50 + (long)below(100);
            for (long r = 0; r < rows; r++) {
                fputs(r ? ", [" : "[", f);
                for (int x = 0; x < 3; x++) {
                    if (x)
                        fputs(", ", f);
                    put_value(f, (long)below(40001) - 20000);
                }
                fputs("]", f);
            }
            fputs("]}}", f);
            if (fclose(f) != 0)
                die("cannot write %s", path);
            if (cat) {
                fprintf(lf, "%s{\"path\": ", listed++ ? ", " : "");
                put_str(lf, name, strlen(name));
                fputs(", \"name\": ", lf);
                put_str(lf, name, strlen(name) - 5);
                fputs(", \"category\": ", lf);
                put_str(lf, cat, strlen(cat));
                fputs(", \"label\": {\"type\": \"label\", \"label\": ", lf);
                put_str(lf, label, strlen(label));
                fputs("}}", lf);
            }
        }
    }
    fclose(lf);
    if (listed) {
        char path[PATH_MAX + 20];
        snprintf(path, sizeof path, "%s/info.labels", out);
        FILE *f = fopen(path, "w");
        if (!f)
            die("cannot write %s", path);
        fprintf(f, "{\"version\": 1, \"files\": [%s]}", labels);
        if (fclose(f) != 0)
            die("cannot write %s", path);
    }
    free(labels);
    return 0;
}
