/* SPDX-License-Identifier: MIT */
/* ei_load.c -- see ei_load.h. Development/test code only; the product reads the database. */
#include "ei_load.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) { free(b); b = NULL; }
    if (b) b[n] = 0;
    fclose(f);
    return b;
}

static int load_file(const char *path, const char *label, int cat, struct tr_recording *r)
{
    char *txt = slurp(path);
    if (!txt) { fprintf(stderr, "%s: cannot read\n", path); return -1; }
    cJSON *j = cJSON_Parse(txt);
    free(txt);
    cJSON *p = cJSON_GetObjectItem(j, "payload");
    cJSON *iv = cJSON_GetObjectItem(p, "interval_ms");
    cJSON *sens = cJSON_GetObjectItem(p, "sensors");
    cJSON *vals = cJSON_GetObjectItem(p, "values");
    if (!cJSON_IsNumber(iv) || !cJSON_IsArray(sens) || !cJSON_IsArray(vals)) {
        fprintf(stderr, "%s: not an Edge Impulse JSON file\n", path);
        cJSON_Delete(j);
        return -1;
    }
    memset(r, 0, sizeof *r);
    r->label = strdup(label);
    r->category = cat;
    r->rate_hz = 1000.0 / iv->valuedouble;
    r->n_axes = cJSON_GetArraySize(sens);
    for (int a = 0; a < r->n_axes && a < TR_MAX_AXES; a++)
        r->axes[a] = strdup(cJSON_GetObjectItem(cJSON_GetArrayItem(sens, a), "name")->valuestring);
    r->n_samples = cJSON_GetArraySize(vals);
    float *v = malloc(sizeof(float) * (size_t)r->n_samples * r->n_axes);
    int t = 0;
    cJSON *row;
    cJSON_ArrayForEach(row, vals) {
        for (int a = 0; a < r->n_axes; a++) v[t * r->n_axes + a] = (float)cJSON_GetArrayItem(row, a)->valuedouble;
        t++;
    }
    r->values = v;
    cJSON_Delete(j);
    return 0;
}

int ei_load_dir(const char *dir, struct ei_data *d)
{
    memset(d, 0, sizeof *d);
    char path[4096];
    snprintf(path, sizeof path, "%s/info.labels", dir);
    char *txt = slurp(path);
    if (!txt) { fprintf(stderr, "%s: cannot read\n", path); return -1; }
    cJSON *j = cJSON_Parse(txt);
    free(txt);
    cJSON *files = cJSON_GetObjectItem(j, "files");
    int n = cJSON_GetArraySize(files);
    d->rec = calloc((size_t)n, sizeof *d->rec);
    cJSON *f;
    cJSON_ArrayForEach(f, files) {
        const char *rel = cJSON_GetObjectItem(f, "path")->valuestring;
        const char *cat = cJSON_GetObjectItem(f, "category")->valuestring;
        const char *label = cJSON_GetObjectItem(cJSON_GetObjectItem(f, "label"), "label")->valuestring;
        snprintf(path, sizeof path, "%s/%s", dir, rel);
        if (load_file(path, label, strcmp(cat, "testing") == 0 ? TR_TESTING : TR_TRAINING, &d->rec[d->n])) {
            cJSON_Delete(j);
            return -1;
        }
        d->n++;
    }
    cJSON_Delete(j);
    d->ds.n = d->n;
    d->ds.rec = d->rec;
    return 0;
}

void ei_free(struct ei_data *d)
{
    for (int i = 0; i < d->n; i++) {
        free((void *)d->rec[i].label);
        for (int a = 0; a < d->rec[i].n_axes; a++) free((void *)d->rec[i].axes[a]);
        free((void *)d->rec[i].values);
    }
    free(d->rec);
    memset(d, 0, sizeof *d);
}
