/* SPDX-License-Identifier: MIT */
/* test_validate_cmp -- val_compare (dataset/validate_cmp.c), the host-against-device comparison
 * of `imulab validate`: a result equal bit for bit passes; a difference in any single feature
 * bit (sign of zero, NaN payload, last mantissa bit), any single score, the class or a count is
 * reported as the first difference, named, with both values. The device's side is built the way
 * it arrives: packed into a VALIDATE_RESULT payload and parsed back. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "proto.h"
#include "validate_cmp.h"

enum { NF = 12, NC = 5 };

static float feat[NF];
static int8_t scores[NC];

/* The device's answer for the given values, through the wire format. */
static struct proto_validate_result device(const float *f, int nf, const int8_t *sc, int nc, int cls, uint8_t *buf)
{
    struct proto_validate_result r = {.token = 7, .model_hash = 0x1234abcd, .instructions = 999,
                                      .class_index = (uint8_t)cls, .n_classes = (uint8_t)nc, .n_features = (uint16_t)nf};
    memcpy(r.scores, sc, (size_t)nc);
    size_t n = proto_validate_result_pack(&r, f, buf, PROTO_MAX_PAYLOAD);
    REQUIRE(n > 0);
    struct proto_validate_result out;
    REQUIRE(proto_validate_result_parse(buf, n, &out) == 0);
    return out;
}

int main(void)
{
    for (int i = 0; i < NF; i++)
        feat[i] = (float)i * 0.37f - 1.5f;
    feat[3] = 0.0f;
    feat[7] = NAN;
    for (int i = 0; i < NC; i++)
        scores[i] = (int8_t)(i * 50 - 128);
    scores[NC - 1] = 127;
    const struct val_host_result host = {NF, feat, NC, scores, NC - 1};
    uint8_t buf[PROTO_MAX_PAYLOAD];
    char why[200];

    struct proto_validate_result d = device(feat, NF, scores, NC, NC - 1, buf);
    CHECK(val_compare(&host, &d, why, sizeof why) == VAL_SAME && why[0] == 0);

    /* every single bit of every feature */
    int missed = 0;
    for (int i = 0; i < NF; i++)
        for (int b = 0; b < 32; b++) {
            float f2[NF];
            memcpy(f2, feat, sizeof f2);
            uint32_t u;
            memcpy(&u, &f2[i], 4);
            u ^= 1u << b;
            memcpy(&f2[i], &u, 4);
            d = device(f2, NF, scores, NC, NC - 1, buf);
            enum val_difference r = val_compare(&host, &d, why, sizeof why);
            char want[16];
            snprintf(want, sizeof want, "feature %d:", i);
            missed += r != VAL_FEATURE || strncmp(why, want, strlen(want)) != 0;
        }
    CHECK_MSG(missed == 0, "%d of %d single-bit feature changes not reported as that feature", missed, NF * 32);
    /* -0.0 is not 0.0 on the wire */
    {
        float f2[NF];
        memcpy(f2, feat, sizeof f2);
        f2[3] = -0.0f;
        d = device(f2, NF, scores, NC, NC - 1, buf);
        CHECK(val_compare(&host, &d, why, sizeof why) == VAL_FEATURE && strstr(why, "feature 3"));
    }
    /* every score, one step either way, and to the ends of the int8 range */
    for (int j = 0; j < NC; j++) {
        const int deltas[] = {1, -1};
        for (int k = 0; k < 2; k++) {
            int8_t s2[NC];
            memcpy(s2, scores, sizeof s2);
            int v = s2[j] + deltas[k];
            if (v > 127 || v < -128)
                continue;
            s2[j] = (int8_t)v;
            d = device(feat, NF, s2, NC, NC - 1, buf);
            char want[40];
            snprintf(want, sizeof want, "score of class %d: device %d, host %d", j, v, scores[j]);
            CHECK_MSG(val_compare(&host, &d, why, sizeof why) == VAL_SCORE && strstr(why, want), "score %d %+d: %s", j,
                      deltas[k], why);
        }
    }
    /* the class alone */
    for (int c = 0; c < NC - 1; c++) {
        d = device(feat, NF, scores, NC, c, buf);
        CHECK_MSG(val_compare(&host, &d, why, sizeof why) == VAL_CLASS && strstr(why, "class: device"), "class %d: %s",
                  c, why);
    }
    /* counts: one feature or one class fewer or more */
    d = device(feat, NF - 1, scores, NC, NC - 1, buf);
    CHECK(val_compare(&host, &d, why, sizeof why) == VAL_COUNTS && strstr(why, "11 features"));
    d = device(feat, NF, scores, NC - 1, 0, buf);
    CHECK(val_compare(&host, &d, why, sizeof why) == VAL_COUNTS);
    const struct val_host_result host_more = {NF - 1, feat, NC, scores, NC - 1};
    d = device(feat, NF, scores, NC, NC - 1, buf);
    CHECK(val_compare(&host_more, &d, why, sizeof why) == VAL_COUNTS);
    /* the first difference is the one named: a feature before a score before the class */
    {
        float f2[NF];
        int8_t s2[NC];
        memcpy(f2, feat, sizeof f2);
        memcpy(s2, scores, sizeof s2);
        f2[9] = 42.0f;
        s2[0]++;
        d = device(f2, NF, s2, NC, 0, buf);
        CHECK(val_compare(&host, &d, why, sizeof why) == VAL_FEATURE && strstr(why, "feature 9"));
        d = device(feat, NF, s2, NC, 0, buf);
        CHECK(val_compare(&host, &d, why, sizeof why) == VAL_SCORE);
    }
    /* a short message buffer is still terminated */
    d = device(feat, NF, scores, NC, 0, buf);
    char tiny[8];
    CHECK(val_compare(&host, &d, tiny, sizeof tiny) == VAL_CLASS && strlen(tiny) == 7);
    return check_report("test_validate_cmp");
}
