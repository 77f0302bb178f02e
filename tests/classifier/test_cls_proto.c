/* SPDX-License-Identifier: MIT */
/* test_cls_proto.c -- CMD_VALIDATE and VALIDATE_RESULT: round trips and malformed payloads. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "proto.h"

int main(void)
{
    uint8_t buf[PROTO_MAX_PAYLOAD];
    struct proto_validate_chunk c = { .token = 0x1234, .model_hash = 0xdeadbeef, .total = 104, .offset = 40,
                                      .count = 3, .n_axes = 3 };
    size_t n = proto_validate_pack_header(&c, buf);
    CHECK(n == PROTO_VALIDATE_HDR);
    for (int i = 0; i < 9; i++) proto_put_u16(buf + n + 2 * i, (uint16_t)(i * 1000 - 4000));
    n += 18;
    struct proto_validate_chunk d;
    CHECK(proto_validate_parse(buf, n, &d) == 0);
    CHECK(d.token == 0x1234 && d.model_hash == 0xdeadbeef && d.total == 104 && d.offset == 40 && d.count == 3 && d.n_axes == 3);
    CHECK((int16_t)proto_get_u16(d.data + 2 * 8) == 4000);
    CHECK(proto_validate_parse(buf, n - 1, &d) == -1);  /* short */
    CHECK(proto_validate_parse(buf, n + 2, &d) == -1);  /* long */
    CHECK(proto_validate_parse(buf, 5, &d) == -1);      /* no header */
    c.offset = 102; /* 102 + 3 > 104 */
    proto_validate_pack_header(&c, buf);
    CHECK(proto_validate_parse(buf, n, &d) == -1);
    c.offset = 0; c.n_axes = 0;
    proto_validate_pack_header(&c, buf);
    CHECK(proto_validate_parse(buf, PROTO_VALIDATE_HDR, &d) == -1);

    float feat[60];
    for (int i = 0; i < 60; i++) feat[i] = (float)i * -0.37f + 1e-20f;
    struct proto_validate_result r = { .token = 7, .model_hash = 0x4a80ff7c, .instructions = 44349, .class_index = 2,
                                       .n_classes = 4, .n_features = 60, .scores = { -128, 5, 127, -3 } };
    n = proto_validate_result_pack(&r, feat, buf, sizeof buf);
    CHECK(n == PROTO_VALIDATE_RESULT_HDR + 240 + 4);
    CHECK(proto_validate_result_pack(&r, feat, buf, n - 1) == 0);
    struct proto_validate_result s;
    CHECK(proto_validate_result_parse(buf, n, &s) == 0);
    CHECK(s.token == 7 && s.model_hash == 0x4a80ff7c && s.instructions == 44349 && s.class_index == 2 && s.n_classes == 4 && s.n_features == 60);
    CHECK(s.scores[0] == -128 && s.scores[2] == 127 && s.scores[3] == -3);
    for (int i = 0; i < 60; i++) {
        uint32_t b;
        memcpy(&b, &feat[i], 4);
        CHECK(proto_validate_feature_bits(&s, (unsigned)i) == b);
    }
    CHECK(proto_validate_result_parse(buf, n - 1, &s) == -1);
    buf[10] = 4; /* class index out of range */
    CHECK(proto_validate_result_parse(buf, n, &s) == -1);
    r.n_features = PROTO_MAX_VALIDATE_FEATURES + 1;
    CHECK(proto_validate_result_pack(&r, feat, buf, sizeof buf) == 0);

    /* the decision block (chunk flag DECIDE): 4 more bytes, round trip, event is 0 or 1 */
    c.flags = PROTO_VALIDATE_DECIDE | PROTO_VALIDATE_DECIDE_RESET;
    proto_validate_pack_header(&c, buf);
    CHECK(buf[13] == 3);
    r.n_features = 60;
    r.has_decision = true;
    r.decision = 2, r.event = 1, r.votes = 3, r.previous = 0xFF;
    n = proto_validate_result_pack(&r, feat, buf, sizeof buf);
    CHECK(n == PROTO_VALIDATE_RESULT_HDR + 240 + 4 + PROTO_VALIDATE_DECISION_LEN);
    CHECK(proto_validate_result_parse(buf, n, &s) == 0);
    CHECK(s.has_decision && s.decision == 2 && s.event == 1 && s.votes == 3 && s.previous == 0xFF);
    CHECK(proto_validate_result_parse(buf, n - 1, &s) == -1); /* neither length */
    buf[n - 3] = 2; /* event 2 */
    CHECK(proto_validate_result_parse(buf, n, &s) == -1);

    /* the anomaly block (firmware with an anomaly model): 5 more bytes after the decision block or
     * the scores; the four lengths tell the blocks apart; unknown is 0 or 1 */
    buf[n - 3] = 1;
    r.has_anomaly = true;
    r.anomaly = 0xfedcba98u;
    r.unknown = 1;
    n = proto_validate_result_pack(&r, feat, buf, sizeof buf);
    CHECK(n == PROTO_VALIDATE_RESULT_HDR + 240 + 4 + PROTO_VALIDATE_DECISION_LEN + PROTO_VALIDATE_ANOMALY_LEN);
    CHECK(proto_validate_result_pack(&r, feat, buf, n - 1) == 0);
    CHECK(proto_validate_result_parse(buf, n, &s) == 0);
    CHECK(s.has_decision && s.decision == 2 && s.event == 1 && s.has_anomaly && s.anomaly == 0xfedcba98u && s.unknown == 1);
    buf[n - 1] = 2; /* unknown 2 */
    CHECK(proto_validate_result_parse(buf, n, &s) == -1);
    r.has_decision = false;
    r.unknown = 0;
    n = proto_validate_result_pack(&r, feat, buf, sizeof buf);
    CHECK(n == PROTO_VALIDATE_RESULT_HDR + 240 + 4 + PROTO_VALIDATE_ANOMALY_LEN);
    CHECK(proto_validate_result_parse(buf, n, &s) == 0);
    CHECK(!s.has_decision && s.has_anomaly && s.anomaly == 0xfedcba98u && s.unknown == 0);
    for (size_t extra = 1; extra <= 10; extra++) /* only 0, 4, 5 and 9 extra bytes */
        if (extra != 4 && extra != 5 && extra != 9)
            CHECK(proto_validate_result_parse(buf, PROTO_VALIDATE_RESULT_HDR + 240 + 4 + extra, &s) == -1);
    r.has_anomaly = false;

    /* CLASSIFICATION with the anomaly score: flags ANOMALY (+ UNKNOWN) and 4 more bytes */
    struct proto_classification k = { .seq = 9, .t_us = 77, .instructions = 40000, .class_index = 1, .n_classes = 3,
                                       .scores = { -5, 100, 3 }, .flags = PROTO_CLS_ANOMALY | PROTO_CLS_UNKNOWN,
                                       .anomaly = 123456789u };
    n = proto_classification_pack(&k, buf, sizeof buf);
    CHECK(n == PROTO_CLASSIFICATION_HDR + 3 + PROTO_ANOMALY_LEN);
    CHECK(buf[18] == (PROTO_CLS_ANOMALY | PROTO_CLS_UNKNOWN));
    struct proto_classification k2;
    CHECK(proto_classification_parse(buf, n, &k2) == 0);
    CHECK(k2.anomaly == 123456789u && k2.flags == (PROTO_CLS_ANOMALY | PROTO_CLS_UNKNOWN) && k2.scores[1] == 100);
    CHECK(proto_classification_parse(buf, n - PROTO_ANOMALY_LEN, &k2) == -1); /* flag without the score */
    buf[18] = PROTO_CLS_UNKNOWN; /* unknown without a score */
    CHECK(proto_classification_parse(buf, n - PROTO_ANOMALY_LEN, &k2) == -1);
    buf[18] = 0x80; /* a flag nobody defined */
    CHECK(proto_classification_parse(buf, n - PROTO_ANOMALY_LEN, &k2) == -1);
    buf[18] = 0; /* old firmware: no flags, no score */
    CHECK(proto_classification_parse(buf, n - PROTO_ANOMALY_LEN, &k2) == 0 && k2.flags == 0 && k2.anomaly == 0);
    k.flags = 0;
    CHECK(proto_classification_pack(&k, buf, sizeof buf) == PROTO_CLASSIFICATION_HDR + 3);

    /* EVENT: 20 bytes, round trip; another length or no change is refused */
    struct proto_event e = { .seq = 5, .t_us = 123456789012ull, .cls_seq = 77, .class_index = 1, .previous = 0xFF, .votes = 2 };
    CHECK(proto_event_pack(&e, buf, PROTO_EVENT_LEN - 1) == 0);
    n = proto_event_pack(&e, buf, sizeof buf);
    CHECK(n == PROTO_EVENT_LEN);
    struct proto_event g;
    CHECK(proto_event_parse(buf, n, &g) == 0);
    CHECK(g.seq == 5 && g.t_us == 123456789012ull && g.cls_seq == 77 && g.class_index == 1 && g.previous == 0xFF && g.votes == 2);
    CHECK(proto_event_parse(buf, n - 1, &g) == -1);
    CHECK(proto_event_parse(buf, n + 1, &g) == -1);
    buf[17] = 1; /* previous == class: not a change */
    CHECK(proto_event_parse(buf, n, &g) == -1);
    CHECK(!strcmp(proto_error_name(PROTO_ERR_FIFO_RESET), "sensor FIFO read broken: reset"));
    CHECK(!strcmp(proto_error_name(999), "error"));
    return check_report("test_cls_proto");
}
