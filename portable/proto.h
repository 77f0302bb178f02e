/* SPDX-License-Identifier: MIT */
/* proto.h -- the imulab wire protocol, shared by the host programs and the firmware.
 *
 * A frame on the wire is COBS(body) followed by a single 0x00 delimiter, where
 *
 *     body = version:u8 | type:u8 | payload[0..PROTO_MAX_PAYLOAD] | crc32:u32le
 *
 * and crc32 is CRC-32/ISO-HDLC (the zlib/Ethernet CRC, check value 0xCBF43926) over
 * version, type and payload. All multi-byte fields are little-endian. Because COBS removes
 * every 0x00 from the body, a receiver that loses sync simply waits for the next 0x00 and
 * starts again: corruption costs at most the frame it hit. docs/protocol.md is the byte-exact
 * specification; this header mirrors it.
 *
 * Nothing here allocates. The decoder is incremental (bytes in, frames out) and bounds every
 * length it reads, so it is safe on hostile input and runs unchanged on the Cortex-M4.
 */
#ifndef IMULAB_PROTO_H
#define IMULAB_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION 1u

#define PROTO_MAX_PAYLOAD 1024u                      /* bytes of payload in one frame */
#define PROTO_MAX_BODY (2u + PROTO_MAX_PAYLOAD + 4u) /* version, type, payload, crc */
/* COBS adds one byte per 254 plus one; the delimiter is not counted. */
#define PROTO_MAX_ENCODED (PROTO_MAX_BODY + PROTO_MAX_BODY / 254u + 1u)
#define PROTO_MAX_AXES 9u
#define PROTO_NAME_LEN 8u   /* axis names and units: NUL-padded, not necessarily terminated */
#define PROTO_ID_LEN 16u    /* board, sensor strings */
#define PROTO_MAX_CLASSES 32u
#define PROTO_MAX_TEXT 200u /* LOG, ERROR, NAK text */

/* Frame types. Device to host have the top bit clear, host to device set. */
enum proto_type {
    PROTO_HELLO = 0x01,          /* device info; on boot and on PROTO_CMD_INFO */
    PROTO_SAMPLES = 0x02,        /* a block of int16 samples */
    PROTO_CLASSIFICATION = 0x03, /* result of one inference */
    PROTO_LOG = 0x04,            /* level + text */
    PROTO_ERROR = 0x05,          /* code + text */
    PROTO_ACK = 0x06,            /* command accepted */
    PROTO_NAK = 0x07,            /* command refused, with reason */
    PROTO_STATS = 0x08,          /* device-side counters */
    PROTO_VALIDATE_RESULT = 0x09,/* features + int8 output for a validation window */
    PROTO_EVENT = 0x0A,          /* the classifier's decision changed */

    PROTO_CMD_START = 0x81,      /* start streaming */
    PROTO_CMD_STOP = 0x82,       /* stop streaming */
    PROTO_CMD_SET_RATE = 0x83,   /* rate_hz:u16 */
    PROTO_CMD_SET_RANGES = 0x84, /* accel_g:u8 gyro_dps:u16 */
    PROTO_CMD_PING = 0x85,       /* answered by ACK */
    PROTO_CMD_INFO = 0x86,       /* answered by ACK then HELLO */
    PROTO_CMD_SET_GESTURE = 0x87,/* synthetic sensor only: gesture:u8 */
    PROTO_CMD_VALIDATE = 0x88,   /* validation window chunk (classifier firmware) */
    PROTO_CMD_STATS = 0x89,      /* answered by ACK then STATS */
    PROTO_CMD_SET_BAUD = 0x8A,   /* baud:u32; ACK at the old baud, then the line switches */
    PROTO_CMD_LEARN = 0x8B,      /* n_windows:u16 (classifier firmware built with learning) */
};

/* NAK reasons. */
enum proto_nak_reason {
    PROTO_NAK_UNKNOWN_COMMAND = 1,
    PROTO_NAK_BAD_LENGTH = 2,
    PROTO_NAK_BAD_VALUE = 3,      /* unsupported rate, range, gesture ... */
    PROTO_NAK_BUSY = 4,
    PROTO_NAK_UNSUPPORTED = 5,    /* not available on this firmware/sensor */
    PROTO_NAK_MODEL_MISMATCH = 6, /* validation window for another model */
    PROTO_NAK_SENSOR = 7,         /* sensor error */
};

/* ERROR codes (device to host, unsolicited). */
enum proto_error_code {
    PROTO_ERR_SENSOR_ABSENT = 1,
    PROTO_ERR_I2C_NACK = 2,
    PROTO_ERR_I2C_ARB_LOST = 3,
    PROTO_ERR_I2C_BUS_STUCK = 4,
    PROTO_ERR_I2C_TIMEOUT = 5,
    PROTO_ERR_FIFO_OVERFLOW = 6,
    PROTO_ERR_TX_OVERFLOW = 7,   /* whole frames dropped; the host sees a sequence gap */
    PROTO_ERR_FAULT = 8,         /* reported by the fault handler before reset */
    PROTO_ERR_CLOCK = 9,         /* HSE/PLL did not start: running on HSI */
    PROTO_ERR_SENSOR_UNKNOWN = 11,/* a device answered at the sensor's address with an unknown ID */
    PROTO_ERR_FIFO_RESET = 10,   /* a FIFO read failed part-way or its count was not whole
                                    packets: FIFO reset, samples lost, new time base */
};

/* Decoded frame: points into the decoder's buffer, valid until the next push. */
struct proto_frame {
    uint8_t version;
    uint8_t type;
    const uint8_t *payload;
    uint16_t len;
};

/* Result of feeding one byte to the decoder. */
enum proto_status {
    PROTO_NEED_MORE = 0,  /* no complete frame yet */
    PROTO_FRAME = 1,      /* *out holds a frame with a valid CRC and version */
    PROTO_ERR_CRC = -1,   /* delimiter seen, CRC mismatch: frame dropped */
    PROTO_ERR_COBS = -2,  /* delimiter seen, COBS structure invalid */
    PROTO_ERR_SHORT = -3, /* delimiter seen, body shorter than header + crc */
    PROTO_ERR_OVERSIZE = -4, /* more bytes than any frame can have: discarding to next 0x00 */
    PROTO_ERR_VERSION = -5,  /* valid CRC, unknown protocol version */
};

/* Incremental decoder state. Counters are cumulative, for status reports. */
struct proto_decoder {
    uint8_t buf[PROTO_MAX_ENCODED];
    uint16_t len;
    bool discarding;      /* overflowed: skip to next delimiter */
    uint32_t frames;      /* good frames */
    uint32_t crc_errors;  /* CRC mismatches */
    uint32_t framing_errors; /* COBS/short/oversize/version */
    uint32_t resyncs;     /* times the decoder dropped bytes to find the next delimiter */
    uint64_t bytes;       /* bytes pushed */
};

/* CRC-32/ISO-HDLC, incremental: start with crc = 0, feed chunks. */
uint32_t proto_crc32(uint32_t crc, const void *data, size_t len);

/* COBS encode len bytes from in to out (cap bytes). Returns encoded length or 0 if cap too small. */
size_t proto_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);
/* COBS decode in place-safe (out may equal in). Returns decoded length, or -1 if malformed. */
int proto_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

/* Build a complete wire frame (COBS + trailing 0x00) into out. Returns bytes written, 0 if the
 * payload is too long or out is too small. out needs at most PROTO_MAX_ENCODED + 1 bytes. */
size_t proto_frame_encode(uint8_t type, const void *payload, size_t len, uint8_t *out, size_t cap);

void proto_decoder_init(struct proto_decoder *d);
/* Feed one byte; returns an enum proto_status. On PROTO_FRAME, *out is filled. */
int proto_decode_push(struct proto_decoder *d, uint8_t byte, struct proto_frame *out);

/* Little-endian field helpers (no alignment assumptions). */
static inline void proto_put_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void proto_put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void proto_put_u64(uint8_t *p, uint64_t v) { proto_put_u32(p, (uint32_t)v); proto_put_u32(p + 4, (uint32_t)(v >> 32)); }
static inline uint16_t proto_get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t proto_get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t proto_get_u64(const uint8_t *p) { return (uint64_t)proto_get_u32(p) | ((uint64_t)proto_get_u32(p + 4) << 32); }

/* ---- Typed messages ---------------------------------------------------------------------- */

/* HELLO payload (fixed part 64 bytes + 20 per axis):
 *   proto_version:u8 fw_major:u8 fw_minor:u8 fw_patch:u8 board[16] sensor[16]
 *   sample_rate_hz:u16 accel_range_g:u8 gyro_range_dps:u16 flags:u8 baud:u32 model_hash:u32
 *   samples_per_frame:u8 n_axes:u8 reserved[12]
 *   then per axis: name[8] unit[8] scale:f32 (physical value = raw * scale) */
#define PROTO_HELLO_FIXED 64u
#define PROTO_HELLO_AXIS 20u
#define PROTO_FLAG_STREAMING 0x01u
#define PROTO_FLAG_SYNTHETIC 0x02u /* synthetic sensor (emulated board or simulator) */
#define PROTO_FLAG_CLASSIFIER 0x04u /* classifier firmware: model_hash is meaningful */
struct proto_hello {
    uint8_t proto_version, fw_major, fw_minor, fw_patch;
    char board[PROTO_ID_LEN + 1];
    char sensor[PROTO_ID_LEN + 1];
    uint16_t sample_rate_hz;
    uint8_t accel_range_g;
    uint16_t gyro_range_dps;
    uint8_t flags;
    uint32_t baud;
    uint32_t model_hash;
    uint8_t samples_per_frame;
    uint8_t n_axes;
    char axis_name[PROTO_MAX_AXES][PROTO_NAME_LEN + 1];
    char axis_unit[PROTO_MAX_AXES][PROTO_NAME_LEN + 1];
    float axis_scale[PROTO_MAX_AXES];
};
size_t proto_hello_pack(const struct proto_hello *h, uint8_t *out, size_t cap);
int proto_hello_parse(const uint8_t *p, size_t len, struct proto_hello *h); /* 0 or -1 */

/* SAMPLES payload: seq:u32 t_us:u64 count:u16 n_axes:u8 reserved:u8 then int16[count*n_axes]
 * interleaved (sample 0 axis 0, sample 0 axis 1, ...). seq counts frames, so a missing seq is
 * a missing frame; t_us is the device time of the first sample. */
#define PROTO_SAMPLES_HDR 16u
#define PROTO_MAX_SAMPLE_VALUES ((PROTO_MAX_PAYLOAD - PROTO_SAMPLES_HDR) / 2u)
struct proto_samples {
    uint32_t seq;
    uint64_t t_us;
    uint16_t count;
    uint8_t n_axes;
    const uint8_t *data; /* count*n_axes little-endian int16, points into the payload */
};
size_t proto_samples_pack_header(uint32_t seq, uint64_t t_us, uint16_t count, uint8_t n_axes, uint8_t *out);
int proto_samples_parse(const uint8_t *p, size_t len, struct proto_samples *s);
static inline int16_t proto_samples_value(const struct proto_samples *s, unsigned i, unsigned axis) {
    return (int16_t)proto_get_u16(s->data + 2u * (i * s->n_axes + axis));
}

/* CLASSIFICATION payload: seq:u32 t_us:u64 instructions:u32 class:u8 n_classes:u8 flags:u8
 * reserved:u8 then int8 scores[n_classes]. instructions is what features + inference cost (0 if
 * unknown). flags (0 from firmware without an anomaly model): PROTO_CLS_ANOMALY -- the anomaly
 * score anomaly:u32 follows the scores; PROTO_CLS_UNKNOWN -- it is above the model's threshold
 * (the window is none of the known classes; the decision logic ignored it). */
#define PROTO_CLASSIFICATION_HDR 20u
#define PROTO_CLS_ANOMALY 0x01u
#define PROTO_CLS_UNKNOWN 0x02u
#define PROTO_ANOMALY_LEN 4u
struct proto_classification {
    uint32_t seq;
    uint64_t t_us;
    uint32_t instructions;
    uint8_t class_index;
    uint8_t n_classes;
    int8_t scores[PROTO_MAX_CLASSES];
    uint8_t flags;                 /* PROTO_CLS_* */
    uint32_t anomaly;              /* with PROTO_CLS_ANOMALY */
};
size_t proto_classification_pack(const struct proto_classification *c, uint8_t *out, size_t cap);
int proto_classification_parse(const uint8_t *p, size_t len, struct proto_classification *c);

/* What an ERROR code means, for the host's logs ("error" for codes it does not know). The device
 * sends only the code, plus a detail where it has one (the unknown sensor's WHO_AM_I, a fault's
 * registers): the names cost flash there. */
const char *proto_error_name(uint16_t code);
/* ERROR FAULT's detail: exception:u32 pc:u32 lr:u32 cfsr:u32 hfsr:u32 sp:u32 (pc, lr 0 when the
 * faulting stack pointer was outside the stack: an overflow). */
#define PROTO_FAULT_DETAIL_LEN 24u

/* EVENT payload: seq:u32 t_us:u64 cls_seq:u32 class:u8 previous:u8 votes:u8 reserved:u8.
 * Sent by the classifier only when its decision (threshold, majority over the last N, minimum
 * interval: portable/live.h) changes; class 0xFF is "uncertain". cls_seq is the CLASSIFICATION
 * that made the decision; seq counts events. */
#define PROTO_EVENT_LEN 20u
#define PROTO_EVENT_UNCERTAIN 0xFFu
struct proto_event {
    uint32_t seq;
    uint64_t t_us;
    uint32_t cls_seq;
    uint8_t class_index, previous, votes;
};
size_t proto_event_pack(const struct proto_event *e, uint8_t *out, size_t cap);
int proto_event_parse(const uint8_t *p, size_t len, struct proto_event *e); /* 0 or -1 */

/* LOG payload: level:u8 text; ERROR payload: code:u16 text. Text is not NUL-terminated on the wire. */
enum proto_log_level { PROTO_LOG_DEBUG = 0, PROTO_LOG_INFO = 1, PROTO_LOG_WARN = 2, PROTO_LOG_ERROR = 3 };

/* Commands from the host carry token:u16 first; ACK and NAK echo it:
 *   ACK: token:u16 cmd:u8 ;  NAK: token:u16 cmd:u8 reason:u8 text */
#define PROTO_ACK_LEN 3u
#define PROTO_NAK_HDR 4u
/* Flow control: the command frames a host has sent and the device not yet answered (ACK or NAK;
 * a timeout gives one up), with both delimiters, are never more than this many bytes, what the
 * firmware's UART receive ring holds whole while its main loop is busy. So a long command (a
 * validation chunk) waits for the answer to the previous one. */
#define PROTO_CMD_FRAME_MAX 128u

/* CMD_LEARN: token:u16 n_windows:u16 (anomaly-only mode, docs/protocol.md). The classifier firmware
 * (built with CLS_LEARN) fits one diagonal Gaussian on the first hidden layer's activations of the
 * next n_windows live windows, scores n_windows more for the threshold, then marks windows above
 * it unknown. n_windows 0 forgets the learned model. LOG INFO frames report the steps; the last
 * one is "learn: threshold T" (decimal). */
#define PROTO_LEARN_LEN 4u
#define PROTO_LEARN_MIN 2u
#define PROTO_LEARN_MAX 10000u

/* STATS payload: uptime_ms:u32 frames_sent:u32 frames_dropped:u32 sensor_errors:u32
 *   fifo_overflows:u32 rx_errors:u32 (bad host frames) */
#define PROTO_STATS_LEN 24u

/* Validation (classifier firmware). The host sends a window's raw int16 samples in chunks:
 *   CMD_VALIDATE: token:u16 model_hash:u32 total:u16 offset:u16 count:u16 n_axes:u8 reserved:u8
 *                 then int16[count*n_axes]   (offset = index of the chunk's first sample)
 * Chunks must arrive in order (offset 0 starts a new window). Each chunk is ACKed, or NAKed
 * with PROTO_NAK_MODEL_MISMATCH when model_hash is not the firmware's model, BAD_LENGTH or
 * BAD_VALUE when the window does not match the model (axes, window length, order). After the
 * ACK of the last chunk (offset + count == total) the device runs features + inference on the
 * window and sends
 *   VALIDATE_RESULT: token:u16 model_hash:u32 instructions:u32 class:u8 n_classes:u8
 *                    n_features:u16 then f32 features[n_features], int8 scores[n_classes]
 * where instructions is what features + inference cost (SysTick-derived, 0 if unknown). */
#define PROTO_VALIDATE_HDR 14u
/* Chunk flags (the byte after n_axes). DECIDE: run the window's scores through the device's
 * validation decider (the model's decision logic, portable/live.h) and append to the result
 *   decision:u8 event:u8 votes:u8 previous:u8
 * (event 1 when the decision changed: the device would have sent an EVENT); DECIDE_RESET: start
 * that decider afresh first (the first window of a recording). The decider's clock advances by
 * the model's stride per decided window, as on the live path.
 * Firmware with an anomaly model appends after that (or after the scores without DECIDE)
 *   anomaly:u32 unknown:u8
 * (unknown 1 when the score is above the model's threshold: such a window is not decided, the
 * decision block then repeats the current decision with event 0, votes 0). The lengths base,
 * base + 4, base + 5 and base + 9 tell the blocks apart. */
#define PROTO_VALIDATE_ANOMALY_LEN 5u
#define PROTO_VALIDATE_DECIDE 0x01u
#define PROTO_VALIDATE_DECIDE_RESET 0x02u
/* SEQ: the top five bits hold the window's number mod 32 (PROTO_VALIDATE_SEQ_SHIFT). A window
 * sent again because its answer was lost carries the same number: a device that already decided
 * it takes back that decision before deciding again, so its decider advances once per window. */
#define PROTO_VALIDATE_SEQ 0x04u
#define PROTO_VALIDATE_SEQ_SHIFT 3u
#define PROTO_VALIDATE_DECISION_LEN 4u
#define PROTO_VALIDATE_RESULT_HDR 14u
#define PROTO_MAX_VALIDATE_FEATURES ((PROTO_MAX_PAYLOAD - PROTO_VALIDATE_RESULT_HDR - PROTO_MAX_CLASSES) / 4u)

struct proto_validate_chunk {
    uint16_t token;
    uint32_t model_hash;
    uint16_t total, offset, count; /* samples (time steps) */
    uint8_t n_axes;
    uint8_t flags;                 /* PROTO_VALIDATE_DECIDE... (the reserved byte of version 1) */
    const uint8_t *data;           /* count*n_axes little-endian int16, points into the payload */
};
/* Header of CMD_VALIDATE (PROTO_VALIDATE_HDR bytes); the samples follow. Returns the header length. */
size_t proto_validate_pack_header(const struct proto_validate_chunk *c, uint8_t *out);
/* Parse CMD_VALIDATE: 0, or -1 if the length does not match count * n_axes or the chunk lies
 * outside the window (offset + count > total) or has no axes. */
int proto_validate_parse(const uint8_t *p, size_t len, struct proto_validate_chunk *c);

struct proto_validate_result {
    uint16_t token;
    uint32_t model_hash;
    uint32_t instructions;
    uint8_t class_index, n_classes;
    uint16_t n_features;
    const uint8_t *features;       /* parse: n_features little-endian f32, points into the payload */
    int8_t scores[PROTO_MAX_CLASSES];
    bool has_decision;             /* the DECIDE block follows the scores */
    uint8_t decision, event, votes, previous;
    bool has_anomaly;              /* the anomaly block follows (firmware with an anomaly model) */
    uint32_t anomaly;
    uint8_t unknown;               /* 0 or 1 */
};
/* Pack VALIDATE_RESULT with the given features (r->features is ignored). Returns the length, 0 if
 * cap is too small or the counts are out of range. */
size_t proto_validate_result_pack(const struct proto_validate_result *r, const float *features,
                                  uint8_t *out, size_t cap);
int proto_validate_result_parse(const uint8_t *p, size_t len, struct proto_validate_result *r);
/* Bits of feature i of a parsed result (compare bit for bit with the host's float). */
static inline uint32_t proto_validate_feature_bits(const struct proto_validate_result *r, unsigned i) {
    return proto_get_u32(r->features + 4u * i);
}

#endif
