/* SPDX-License-Identifier: MIT */
/* model.c -- reading class names from MODEL_DIR/model.json (see model.h). */
#include "model.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

static char *slurp(const char *path, size_t max)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = 0;
    return buf;
}

const char *model_load_names(struct app *a, const char *dir, char *why, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/model.json", dir);
    char *text = slurp(path, 16 << 20);
    if (!text) {
        snprintf(why, n, "cannot read %s", path);
        return why;
    }
    cJSON *j = cJSON_Parse(text);
    free(text);
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(j, "labels"), *e;
    if (!cJSON_IsArray(labels)) {
        cJSON_Delete(j);
        snprintf(why, n, "%s has no \"labels\" array", path);
        return why;
    }
    a->nclass_names = 0;
    cJSON_ArrayForEach(e, labels) if (a->nclass_names < TUI_MAX_CLASSES)
        snprintf(a->class_names[a->nclass_names++], sizeof a->class_names[0], "%s",
                 cJSON_IsString(e) && e->valuestring ? e->valuestring : "?");
    cJSON_Delete(j);
    return NULL;
}

const char *model_class_name(const struct app *a, int i, char *buf, size_t n)
{
    if (i >= 0 && i < a->nclass_names)
        return a->class_names[i];
    snprintf(buf, n, "#%d", i);
    return buf;
}
