/* SPDX-License-Identifier: MIT */
/* proto.c -- framing, CRC and typed messages of the imulab wire protocol.
 *
 * The frame layer is COBS over (version, type, payload, crc32). Encoding builds the body in
 * place after the COBS overhead byte budget; decoding collects bytes up to the 0x00
 * delimiter into a fixed buffer, then undoes COBS in place and checks length, CRC and
 * version, in that order. Any failure drops exactly the bytes up to that delimiter, so
 * the stream resynchronises on the next frame.
 *
 * The CRC uses a 16-entry (nibble) table: 64 bytes of flash on the device and still about
 * one table lookup per four bits on the host, which is far below the serial line rate.
 * Typed pack/parse functions bound every field against the payload length they are given.
 */
#include "proto.h"

#include <string.h>

/* CRC-32/ISO-HDLC (reflected, polynomial 0xEDB88320), table for one nibble. */
static const uint32_t crc32_nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

/* Continue a CRC over len bytes. */
uint32_t proto_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    crc = ~crc;
    while (len--) {
        crc ^= *p++;
        crc = (crc >> 4) ^ crc32_nibble[crc & 15u];
        crc = (crc >> 4) ^ crc32_nibble[crc & 15u];
    }
    return ~crc;
}

/* COBS: each run of non-zero bytes is prefixed by its length+1; runs longer than 254 split. */
size_t proto_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    size_t code_at = 0, o = 1;
    uint8_t code = 1;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] == 0) {
            out[code_at] = code;
            code_at = o++;
            code = 1;
        } else {
            if (o >= cap)
                return 0;
            out[o++] = in[i];
            code++;
            if (code == 0xFF && i + 1 < len) { /* a full block ending the input needs no successor */
                out[code_at] = code;
                code_at = o++;
                code = 1;
            }
        }
        if (o > cap)
            return 0;
    }
    if (code_at >= cap)
        return 0;
    out[code_at] = code;
    return o;
}

/* Undo COBS. Returns the decoded length or -1 on a zero byte or a code running past the end. */
int proto_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    size_t i = 0, o = 0;
    while (i < len) {
        uint8_t code = in[i++];
        if (code == 0)
            return -1;
        if (i + (size_t)(code - 1) > len)
            return -1;
        for (uint8_t k = 1; k < code; k++) {
            if (in[i] == 0 || o >= cap)
                return -1;
            out[o++] = in[i++];
        }
        if (code != 0xFF && i < len) {
            if (o >= cap)
                return -1;
            out[o++] = 0;
        }
    }
    return (int)o;
}

/* Encode one frame: body into a scratch area at the end of out, then COBS to the front. */
size_t proto_frame_encode(uint8_t type, const void *payload, size_t len, uint8_t *out, size_t cap)
{
    uint8_t body[PROTO_MAX_BODY];
    if (len > PROTO_MAX_PAYLOAD)
        return 0;
    body[0] = PROTO_VERSION;
    body[1] = type;
    if (len)
        memcpy(body + 2, payload, len);
    proto_put_u32(body + 2 + len, proto_crc32(0, body, 2 + len));
    if (cap < 2)
        return 0;
    size_t n = proto_cobs_encode(body, len + 6, out, cap - 1);
    if (n == 0)
        return 0;
    out[n] = 0;
    return n + 1;
}

/* Reset a decoder and its counters. */
void proto_decoder_init(struct proto_decoder *d)
{
    memset(d, 0, sizeof *d);
}

/* Check a complete COBS run that ended at a delimiter; fill *out on success. */
static int decoder_finish(struct proto_decoder *d, struct proto_frame *out)
{
    int n = proto_cobs_decode(d->buf, d->len, d->buf, sizeof d->buf);
    d->len = 0;
    if (n < 0) {
        d->framing_errors++;
        return PROTO_ERR_COBS;
    }
    if (n < 6) {
        d->framing_errors++;
        return PROTO_ERR_SHORT;
    }
    if (n > (int)PROTO_MAX_BODY) {
        d->framing_errors++;
        return PROTO_ERR_OVERSIZE;
    }
    uint32_t want = proto_get_u32(d->buf + n - 4);
    if (proto_crc32(0, d->buf, (size_t)n - 4) != want) {
        d->crc_errors++;
        return PROTO_ERR_CRC;
    }
    if (d->buf[0] != PROTO_VERSION) {
        d->framing_errors++;
        return PROTO_ERR_VERSION;
    }
    out->version = d->buf[0];
    out->type = d->buf[1];
    out->payload = d->buf + 2;
    out->len = (uint16_t)(n - 6);
    d->frames++;
    return PROTO_FRAME;
}

/* Feed one byte. Empty runs (two delimiters in a row) are ignored silently. */
int proto_decode_push(struct proto_decoder *d, uint8_t byte, struct proto_frame *out)
{
    d->bytes++;
    if (byte == 0) {
        if (d->discarding) {
            d->discarding = false;
            d->len = 0;
            return PROTO_NEED_MORE;
        }
        if (d->len == 0)
            return PROTO_NEED_MORE;
        return decoder_finish(d, out);
    }
    if (d->discarding)
        return PROTO_NEED_MORE;
    if (d->len >= sizeof d->buf) {
        d->discarding = true;
        d->framing_errors++;
        d->resyncs++;
        d->len = 0;
        return PROTO_ERR_OVERSIZE;
    }
    d->buf[d->len++] = byte;
    return PROTO_NEED_MORE;
}

/* Copy a NUL-padded fixed-width field into a terminated string. */
static void get_str(char *dst, const uint8_t *src, size_t n)
{
    size_t i;
    for (i = 0; i < n && src[i]; i++)
        dst[i] = (char)src[i];
    dst[i] = 0;
}

/* Write a string into a NUL-padded fixed-width field, truncating. */
static void put_str(uint8_t *dst, const char *src, size_t n)
{
    size_t i = 0;
    for (; i < n && src[i]; i++)
        dst[i] = (uint8_t)src[i];
    for (; i < n; i++)
        dst[i] = 0;
}

static void put_f32(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    proto_put_u32(p, u);
}

static float get_f32(const uint8_t *p)
{
    uint32_t u = proto_get_u32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* Pack HELLO; returns the payload length or 0 if cap is too small or n_axes too large. */
size_t proto_hello_pack(const struct proto_hello *h, uint8_t *out, size_t cap)
{
    size_t len = PROTO_HELLO_FIXED + (size_t)h->n_axes * PROTO_HELLO_AXIS;
    if (h->n_axes > PROTO_MAX_AXES || cap < len)
        return 0;
    memset(out, 0, PROTO_HELLO_FIXED);
    out[0] = h->proto_version;
    out[1] = h->fw_major;
    out[2] = h->fw_minor;
    out[3] = h->fw_patch;
    put_str(out + 4, h->board, PROTO_ID_LEN);
    put_str(out + 20, h->sensor, PROTO_ID_LEN);
    proto_put_u16(out + 36, h->sample_rate_hz);
    out[38] = h->accel_range_g;
    proto_put_u16(out + 39, h->gyro_range_dps);
    out[41] = h->flags;
    proto_put_u32(out + 42, h->baud);
    proto_put_u32(out + 46, h->model_hash);
    out[50] = h->samples_per_frame;
    out[51] = h->n_axes;
    for (unsigned a = 0; a < h->n_axes; a++) {
        uint8_t *p = out + PROTO_HELLO_FIXED + a * PROTO_HELLO_AXIS;
        put_str(p, h->axis_name[a], PROTO_NAME_LEN);
        put_str(p + 8, h->axis_unit[a], PROTO_NAME_LEN);
        put_f32(p + 16, h->axis_scale[a]);
    }
    return len;
}

/* Parse HELLO, refusing short payloads and axis counts the payload cannot hold. */
int proto_hello_parse(const uint8_t *p, size_t len, struct proto_hello *h)
{
    if (len < PROTO_HELLO_FIXED)
        return -1;
    memset(h, 0, sizeof *h);
    h->proto_version = p[0];
    h->fw_major = p[1];
    h->fw_minor = p[2];
    h->fw_patch = p[3];
    get_str(h->board, p + 4, PROTO_ID_LEN);
    get_str(h->sensor, p + 20, PROTO_ID_LEN);
    h->sample_rate_hz = proto_get_u16(p + 36);
    h->accel_range_g = p[38];
    h->gyro_range_dps = proto_get_u16(p + 39);
    h->flags = p[41];
    h->baud = proto_get_u32(p + 42);
    h->model_hash = proto_get_u32(p + 46);
    h->samples_per_frame = p[50];
    h->n_axes = p[51];
    if (h->n_axes == 0 || h->n_axes > PROTO_MAX_AXES)
        return -1;
    if (len < PROTO_HELLO_FIXED + (size_t)h->n_axes * PROTO_HELLO_AXIS)
        return -1;
    for (unsigned a = 0; a < h->n_axes; a++) {
        const uint8_t *q = p + PROTO_HELLO_FIXED + a * PROTO_HELLO_AXIS;
        get_str(h->axis_name[a], q, PROTO_NAME_LEN);
        get_str(h->axis_unit[a], q + 8, PROTO_NAME_LEN);
        h->axis_scale[a] = get_f32(q + 16);
    }
    return 0;
}

/* Write the 16-byte SAMPLES header; the caller appends count*n_axes int16 values. */
size_t proto_samples_pack_header(uint32_t seq, uint64_t t_us, uint16_t count, uint8_t n_axes, uint8_t *out)
{
    proto_put_u32(out, seq);
    proto_put_u64(out + 4, t_us);
    proto_put_u16(out + 12, count);
    out[14] = n_axes;
    out[15] = 0;
    return PROTO_SAMPLES_HDR;
}

/* Parse SAMPLES: the value count must match the payload length exactly. */
int proto_samples_parse(const uint8_t *p, size_t len, struct proto_samples *s)
{
    if (len < PROTO_SAMPLES_HDR)
        return -1;
    s->seq = proto_get_u32(p);
    s->t_us = proto_get_u64(p + 4);
    s->count = proto_get_u16(p + 12);
    s->n_axes = p[14];
    if (s->n_axes == 0 || s->n_axes > PROTO_MAX_AXES || s->count == 0)
        return -1;
    if ((size_t)s->count * s->n_axes * 2u != len - PROTO_SAMPLES_HDR)
        return -1;
    s->data = p + PROTO_SAMPLES_HDR;
    return 0;
}

/* Pack CLASSIFICATION; returns payload length, 0 if it does not fit. */
size_t proto_classification_pack(const struct proto_classification *c, uint8_t *out, size_t cap)
{
    const bool anom = (c->flags & PROTO_CLS_ANOMALY) != 0;
    size_t len = PROTO_CLASSIFICATION_HDR + c->n_classes + (anom ? PROTO_ANOMALY_LEN : 0u);
    if (c->n_classes > PROTO_MAX_CLASSES || cap < len)
        return 0;
    proto_put_u32(out, c->seq);
    proto_put_u64(out + 4, c->t_us);
    proto_put_u32(out + 12, c->instructions);
    out[16] = c->class_index;
    out[17] = c->n_classes;
    out[18] = anom ? c->flags & (PROTO_CLS_ANOMALY | PROTO_CLS_UNKNOWN) : 0;
    out[19] = 0;
    for (unsigned i = 0; i < c->n_classes; i++)
        out[PROTO_CLASSIFICATION_HDR + i] = (uint8_t)c->scores[i];
    if (anom)
        proto_put_u32(out + PROTO_CLASSIFICATION_HDR + c->n_classes, c->anomaly);
    return len;
}

/* Parse CLASSIFICATION, checking the class index against the class count. */
int proto_classification_parse(const uint8_t *p, size_t len, struct proto_classification *c)
{
    if (len < PROTO_CLASSIFICATION_HDR)
        return -1;
    c->seq = proto_get_u32(p);
    c->t_us = proto_get_u64(p + 4);
    c->instructions = proto_get_u32(p + 12);
    c->class_index = p[16];
    c->n_classes = p[17];
    c->flags = p[18];
    c->anomaly = 0;
    if (c->n_classes == 0 || c->n_classes > PROTO_MAX_CLASSES || c->class_index >= c->n_classes)
        return -1;
    /* flags: only the known bits, UNKNOWN only with ANOMALY */
    if ((c->flags & ~(PROTO_CLS_ANOMALY | PROTO_CLS_UNKNOWN)) || c->flags == PROTO_CLS_UNKNOWN)
        return -1;
    const size_t extra = (c->flags & PROTO_CLS_ANOMALY) ? PROTO_ANOMALY_LEN : 0u;
    if (len != PROTO_CLASSIFICATION_HDR + (size_t)c->n_classes + extra)
        return -1;
    for (unsigned i = 0; i < c->n_classes; i++)
        c->scores[i] = (int8_t)p[PROTO_CLASSIFICATION_HDR + i];
    if (extra)
        c->anomaly = proto_get_u32(p + PROTO_CLASSIFICATION_HDR + c->n_classes);
    return 0;
}

const char *proto_error_name(uint16_t code)
{
    static const char *const names[] = {
        [PROTO_ERR_SENSOR_ABSENT] = "sensor absent",
        [PROTO_ERR_I2C_NACK] = "I2C NACK",
        [PROTO_ERR_I2C_ARB_LOST] = "I2C arbitration lost",
        [PROTO_ERR_I2C_BUS_STUCK] = "I2C bus stuck low",
        [PROTO_ERR_I2C_TIMEOUT] = "I2C timeout",
        [PROTO_ERR_FIFO_OVERFLOW] = "sensor FIFO overflow",
        [PROTO_ERR_TX_OVERFLOW] = "UART behind: frames dropped",
        [PROTO_ERR_FAULT] = "fault",
        [PROTO_ERR_CLOCK] = "HSE/PLL failed: on HSI",
        [PROTO_ERR_FIFO_RESET] = "sensor FIFO read broken: reset",
        [PROTO_ERR_SENSOR_UNKNOWN] = "unknown sensor",
    };
    return code < sizeof names / sizeof names[0] && names[code] ? names[code] : "error";
}

/* Pack EVENT; returns the payload length, 0 if it does not fit. */
size_t proto_event_pack(const struct proto_event *e, uint8_t *out, size_t cap)
{
    if (cap < PROTO_EVENT_LEN)
        return 0;
    proto_put_u32(out, e->seq);
    proto_put_u64(out + 4, e->t_us);
    proto_put_u32(out + 12, e->cls_seq);
    out[16] = e->class_index;
    out[17] = e->previous;
    out[18] = e->votes;
    out[19] = 0;
    return PROTO_EVENT_LEN;
}

/* Parse EVENT: exact length, a class different from the previous one. */
int proto_event_parse(const uint8_t *p, size_t len, struct proto_event *e)
{
    if (len != PROTO_EVENT_LEN)
        return -1;
    e->seq = proto_get_u32(p);
    e->t_us = proto_get_u64(p + 4);
    e->cls_seq = proto_get_u32(p + 12);
    e->class_index = p[16];
    e->previous = p[17];
    e->votes = p[18];
    if (e->class_index == e->previous)
        return -1;
    return 0;
}

/* ---- Validation (classifier firmware) ---------------------------------------------------- */

size_t proto_validate_pack_header(const struct proto_validate_chunk *c, uint8_t *out)
{
    proto_put_u16(out, c->token);
    proto_put_u32(out + 2, c->model_hash);
    proto_put_u16(out + 6, c->total);
    proto_put_u16(out + 8, c->offset);
    proto_put_u16(out + 10, c->count);
    out[12] = c->n_axes;
    out[13] = c->flags;
    return PROTO_VALIDATE_HDR;
}

int proto_validate_parse(const uint8_t *p, size_t len, struct proto_validate_chunk *c)
{
    if (len < PROTO_VALIDATE_HDR)
        return -1;
    c->token = proto_get_u16(p);
    c->model_hash = proto_get_u32(p + 2);
    c->total = proto_get_u16(p + 6);
    c->offset = proto_get_u16(p + 8);
    c->count = proto_get_u16(p + 10);
    c->n_axes = p[12];
    c->flags = p[13];
    c->data = p + PROTO_VALIDATE_HDR;
    if (c->n_axes == 0 || c->n_axes > PROTO_MAX_AXES || c->count == 0 ||
        (uint32_t)c->offset + c->count > c->total)
        return -1;
    if (len != PROTO_VALIDATE_HDR + 2u * (size_t)c->count * c->n_axes)
        return -1;
    return 0;
}

size_t proto_validate_result_pack(const struct proto_validate_result *r, const float *features,
                                  uint8_t *out, size_t cap)
{
    size_t len = PROTO_VALIDATE_RESULT_HDR + 4u * (size_t)r->n_features + r->n_classes;
    if (r->n_classes == 0 || r->n_classes > PROTO_MAX_CLASSES ||
        r->n_features > PROTO_MAX_VALIDATE_FEATURES || cap < len)
        return 0;
    proto_put_u16(out, r->token);
    proto_put_u32(out + 2, r->model_hash);
    proto_put_u32(out + 6, r->instructions);
    out[10] = r->class_index;
    out[11] = r->n_classes;
    proto_put_u16(out + 12, r->n_features);
    uint8_t *q = out + PROTO_VALIDATE_RESULT_HDR;
    for (unsigned i = 0; i < r->n_features; i++, q += 4) {
        uint32_t bits;
        memcpy(&bits, &features[i], 4);
        proto_put_u32(q, bits);
    }
    for (unsigned i = 0; i < r->n_classes; i++)
        q[i] = (uint8_t)r->scores[i];
    if (r->has_decision) {
        if (cap < len + PROTO_VALIDATE_DECISION_LEN)
            return 0;
        q += r->n_classes;
        q[0] = r->decision;
        q[1] = r->event;
        q[2] = r->votes;
        q[3] = r->previous;
        len += PROTO_VALIDATE_DECISION_LEN;
    }
    if (r->has_anomaly) {
        if (cap < len + PROTO_VALIDATE_ANOMALY_LEN)
            return 0;
        proto_put_u32(out + len, r->anomaly);
        out[len + 4] = r->unknown;
        len += PROTO_VALIDATE_ANOMALY_LEN;
    }
    return len;
}

int proto_validate_result_parse(const uint8_t *p, size_t len, struct proto_validate_result *r)
{
    if (len < PROTO_VALIDATE_RESULT_HDR)
        return -1;
    r->token = proto_get_u16(p);
    r->model_hash = proto_get_u32(p + 2);
    r->instructions = proto_get_u32(p + 6);
    r->class_index = p[10];
    r->n_classes = p[11];
    r->n_features = proto_get_u16(p + 12);
    if (r->n_classes == 0 || r->n_classes > PROTO_MAX_CLASSES || r->class_index >= r->n_classes)
        return -1;
    size_t base = PROTO_VALIDATE_RESULT_HDR + 4u * (size_t)r->n_features + r->n_classes;
    if (len < base)
        return -1;
    const size_t extra = len - base;
    if (extra != 0 && extra != PROTO_VALIDATE_DECISION_LEN && extra != PROTO_VALIDATE_ANOMALY_LEN &&
        extra != PROTO_VALIDATE_DECISION_LEN + PROTO_VALIDATE_ANOMALY_LEN)
        return -1;
    r->features = p + PROTO_VALIDATE_RESULT_HDR;
    for (unsigned i = 0; i < r->n_classes; i++)
        r->scores[i] = (int8_t)p[PROTO_VALIDATE_RESULT_HDR + 4u * r->n_features + i];
    r->has_decision = extra == PROTO_VALIDATE_DECISION_LEN || extra == PROTO_VALIDATE_DECISION_LEN + PROTO_VALIDATE_ANOMALY_LEN;
    r->has_anomaly = extra >= PROTO_VALIDATE_ANOMALY_LEN;
    r->anomaly = 0;
    r->unknown = 0;
    if (r->has_anomaly) {
        const uint8_t *a = p + len - PROTO_VALIDATE_ANOMALY_LEN;
        r->anomaly = proto_get_u32(a);
        r->unknown = a[4];
        if (r->unknown > 1)
            return -1;
    }
    r->decision = r->event = r->votes = r->previous = 0;
    if (r->has_decision) {
        const uint8_t *q = p + base;
        r->decision = q[0];
        r->event = q[1];
        r->votes = q[2];
        r->previous = q[3];
        if (r->event > 1)
            return -1;
    }
    return 0;
}
