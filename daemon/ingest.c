/* SPDX-License-Identifier: MIT */
/* ingest.c -- bytes from the port become samples.
 *
 * Two parsers see every byte: the binary frame decoder (portable/proto.c) and the
 * data-forwarder line assembler (textline.c). While the mode is unknown, the first frame with
 * a valid CRC selects binary mode (a 32-bit CRC makes a false positive from text practically
 * impossible), and two consecutive numeric lines with the same number of values select text
 * mode. A device that changes (re-flashed, another sketch) is followed: a valid frame always
 * switches to binary, and in binary mode three good text lines with no frame for two seconds
 * switch back to text.
 *
 * Binary mode: HELLO gives the axes, scales and rate (asked for with INFO when frames arrive
 * before it); SAMPLES are checked for sequence continuity and a jump of k frames is a gap of
 * k frames (k * samples-per-frame samples) stored with the recording, never filled in.
 *
 * While detecting, lines that are not recognised are counted as bad lines and reported every
 * DETECT_REPORT_S seconds (count, the first offending line escaped, and why), in the log and in
 * `status` ("text_problem"); frames showing up later take that count back.
 *
 * Text mode: the first line after opening the port is dropped (it is usually cut), values
 * are parsed strictly, and the rate is measured from line arrival: (lines - 1) / elapsed over
 * at least one second and at least two intervals, refined as more lines come, so slow
 * sketches (below 2 Hz) get a rate too, just later. Rates within 1% of an integer snap to it.
 * A silence longer than 10 periods (and 0.5 s) is a pause: the measurement starts again after
 * it, so lines before a pause cannot drag the rate of a recording after it down.
 */
#include "daemon.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *ingest_mode_name(enum ingest_mode m)
{
    return m == MODE_BINARY ? "binary" : m == MODE_TEXT ? "text" : "detecting";
}

/* Forget everything about the stream (port reopened). */
void ingest_reset(struct daemon *d)
{
    d->mode = MODE_DETECTING;
    proto_decoder_init(&d->dec);
    textline_init(&d->text, true);
    d->text_long_seen = 0;
    d->text_run = 0;
    d->text_columns = 0;
    d->text_rate_lines = 0;
    d->detect_bad = 0;
    d->detect_bad_since_log = 0;
    d->detect_log_t = mono_now();
    d->detect_first[0] = 0;
    d->text_problem[0] = 0;
    /* have_seq/next_seq survive a reopen: frames lost while the port was away are a gap */
    d->info_requested = false;
    memset(&d->dev, 0, sizeof d->dev);
    d->cls.valid = false;
}

/* Connected means: samples arrive and we know what they are (axes and rate). */
bool ingest_connected(const struct daemon *d)
{
    return d->port_open && d->mode != MODE_DETECTING && d->dev.known && d->dev.rate_hz > 0;
}

/* Send a command with a fresh token. */
int ingest_send_command(struct daemon *d, uint8_t type, const uint8_t *args, size_t len)
{
    uint8_t payload[64], frame[PROTO_MAX_ENCODED + 1];
    if (!d->port_open || len + 2 > sizeof payload)
        return -1;
    uint16_t token = ++d->next_token;
    if (token == 0)
        token = ++d->next_token;
    proto_put_u16(payload, token);
    if (len)
        memcpy(payload + 2, args, len);
    size_t n = proto_frame_encode(type, payload, len + 2, frame, sizeof frame);
    if (n == 0 || port_write(d->port, frame, n))
        return -1;
    return token;
}

/* Adopt a HELLO: axes, units, scales, rate; register the device. */
static void handle_hello(struct daemon *d, const struct proto_frame *f)
{
    struct proto_hello h;
    static double last_log;
    if (proto_hello_parse(f->payload, f->len, &h)) {
        d->c.framing_errors++;
        log_ratelimited(&last_log, "%s: malformed HELLO (%u bytes) ignored", d->port_path, f->len);
        return;
    }
    if (d->rec.open && d->dev.known && (h.n_axes != d->dev.n_axes || h.sample_rate_hz != d->dev.rate_hz))
        log_msg("%s: device changed its rate or axes during a recording (now %u Hz, %u axes)", d->port_path,
                h.sample_rate_hz, h.n_axes);
    d->dev.hello = h;
    d->dev.n_axes = h.n_axes;
    for (int a = 0; a < h.n_axes; a++) {
        snprintf(d->dev.axis_name[a], sizeof d->dev.axis_name[a], "%s", h.axis_name[a]);
        snprintf(d->dev.axis_unit[a], sizeof d->dev.axis_unit[a], "%s", h.axis_unit[a]);
        d->dev.axis_scale[a] = h.axis_scale[a];
    }
    d->dev.rate_hz = h.sample_rate_hz;
    if (!d->dev.known)
        log_msg("%s: device %s firmware %u.%u.%u sensor %s, %u Hz, %u axes", d->port_path, h.board, h.fw_major,
                h.fw_minor, h.fw_patch, h.sensor, h.sample_rate_hz, h.n_axes);
    d->dev.known = true;
    struct store_device sd = {0};
    snprintf(sd.board, sizeof sd.board, "%s", h.board);
    snprintf(sd.sensor, sizeof sd.sensor, "%s", h.sensor);
    snprintf(sd.firmware, sizeof sd.firmware, "%u.%u.%u", h.fw_major, h.fw_minor, h.fw_patch);
    snprintf(sd.port, sizeof sd.port, "%s", d->port_path);
    sd.model_hash = h.model_hash;
    if (d->store && store_device_upsert(d->store, &sd, &d->device_id)) {
        d->c.db_errors++;
        log_msg("database: %s", store_errmsg(d->store));
    }
}

/* A SAMPLES frame: continuity check, then to the recorder and the live view. */
static void handle_samples(struct daemon *d, const struct proto_frame *f)
{
    struct proto_samples s;
    static double last_log;
    if (proto_samples_parse(f->payload, f->len, &s)) {
        d->c.framing_errors++;
        log_ratelimited(&last_log, "%s: malformed SAMPLES frame (%u bytes) ignored", d->port_path, f->len);
        return;
    }
    if (!d->dev.known) {
        /* We joined a running device: ask who it is, drop samples until we know. */
        if (!d->info_requested || mono_now() - d->info_requested_at > 1.0) {
            ingest_send_command(d, PROTO_CMD_INFO, NULL, 0);
            d->info_requested = true;
            d->info_requested_at = mono_now();
        }
        return; /* the sequence check counts these frames as a gap once the device is known */
    }
    if (s.n_axes != d->dev.n_axes) {
        d->c.framing_errors++;
        log_ratelimited(&last_log, "%s: SAMPLES with %u axes, HELLO said %d: asking again", d->port_path, s.n_axes,
                        d->dev.n_axes);
        d->dev.known = false;
        return;
    }
    if (d->have_seq && s.seq != d->next_seq) {
        uint32_t missing = s.seq - d->next_seq;
        if (missing < 0x80000000u) {
            int64_t ms = (int64_t)missing * (d->last_frame_count ? d->last_frame_count : s.count);
            d->c.gaps++;
            d->c.missing_samples += (uint64_t)ms;
            recorder_gap(d, missing, ms);
            log_ratelimited(&last_log, "%s: sequence gap: %u frame(s) missing before seq %u", d->port_path, missing,
                            s.seq);
        } else {
            log_ratelimited(&last_log, "%s: sequence went back from %u to %u (device restarted?)", d->port_path,
                            d->next_seq, s.seq);
        }
    }
    d->have_seq = true;
    d->next_seq = s.seq + 1;
    d->last_frame_count = s.count;
    d->c.samples += s.count;
    recorder_add_i16(d, s.data, s.count, s.n_axes, s.t_us);
    struct live *lv = &d->live;
    if (lv->n_axes != s.n_axes) {
        lv->n = 0;
        lv->n_axes = s.n_axes;
    }
    for (unsigned i = 0; i < s.count; i++) {
        if (lv->n >= LIVE_MAX_SAMPLES)
            break;
        for (unsigned a = 0; a < s.n_axes; a++)
            lv->values[lv->n * s.n_axes + a] = (float)(proto_samples_value(&s, i, a) * d->dev.axis_scale[a]);
        lv->n++;
    }
}

/* Text of a LOG/ERROR/NAK frame, made printable. */
static void frame_text(const uint8_t *p, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < cap; i++)
        out[n++] = (p[i] >= 0x20 && p[i] < 0x7F) ? (char)p[i] : '?';
    out[n] = 0;
}

/* Dispatch one valid frame. */
static void handle_frame(struct daemon *d, const struct proto_frame *f)
{
    char text[PROTO_MAX_TEXT + 1];
    static double last_log;
    d->last_frame_t = mono_now();
    if (d->mode != MODE_BINARY) {
        log_msg("%s: binary frames detected", d->port_path);
        if (d->mode == MODE_DETECTING) {
            /* the "lines" seen before the first frame were frame bytes, not bad text */
            d->c.bad_lines -= d->detect_bad;
            d->detect_bad = d->detect_bad_since_log = 0;
            d->text_problem[0] = 0;
        }
        d->mode = MODE_BINARY;
        if (!d->dev.known || d->dev.hello.board[0] == 0) {
            d->dev.known = false;
            ingest_send_command(d, PROTO_CMD_INFO, NULL, 0);
            d->info_requested = true;
            d->info_requested_at = mono_now();
        }
    }
    switch (f->type) {
    case PROTO_HELLO:
        handle_hello(d, f);
        break;
    case PROTO_SAMPLES:
        d->fps_frames++;
        handle_samples(d, f);
        break;
    case PROTO_CLASSIFICATION:
        if (proto_classification_parse(f->payload, f->len, &d->cls.c) == 0) {
            d->cls.valid = true;
            d->cls.unknown += (d->cls.c.flags & PROTO_CLS_UNKNOWN) != 0;
            control_event_classification(d->control, &d->cls.c);
        } else {
            d->c.framing_errors++;
        }
        break;
    case PROTO_EVENT:
        if (proto_event_parse(f->payload, f->len, &d->cls.decision) == 0) {
            d->cls.have_decision = true;
            d->cls.events++;
            control_event_decision(d->control, &d->cls.decision);
        } else {
            d->c.framing_errors++;
        }
        break;
    case PROTO_LOG:
        if (f->len >= 1) {
            frame_text(f->payload + 1, f->len - 1u, text, sizeof text);
            log_ratelimited(&last_log, "%s: device log: %s", d->port_path, text);
        }
        break;
    case PROTO_ERROR:
        d->c.device_errors++;
        if (f->len >= 2) {
            frame_text(f->payload + 2, f->len - 2u, text, sizeof text);
            uint16_t code = proto_get_u16(f->payload);
            if (code == PROTO_ERR_FAULT && f->len == 2 + PROTO_FAULT_DETAIL_LEN) {
                const uint8_t *q = f->payload + 2;
                uint32_t pc = proto_get_u32(q + 4), sp = proto_get_u32(q + 20);
                log_ratelimited(&last_log, "%s: device fault: exception %u pc=%08x lr=%08x cfsr=%08x hfsr=%08x sp=%08x%s",
                                d->port_path, proto_get_u32(q), pc, proto_get_u32(q + 8), proto_get_u32(q + 12),
                                proto_get_u32(q + 16), sp, pc ? "" : " (stack overflow: the frame was not stacked)");
                break;
            }
            log_ratelimited(&last_log, "%s: device error %u (%s)%s%s", d->port_path, code, proto_error_name(code),
                            text[0] ? ": " : "", text);
        }
        break;
    case PROTO_ACK:
        if (f->len >= PROTO_ACK_LEN)
            control_device_reply(d->control, proto_get_u16(f->payload), true, NULL);
        break;
    case PROTO_NAK:
        if (f->len >= PROTO_NAK_HDR) {
            char why[PROTO_MAX_TEXT + 64];
            frame_text(f->payload + PROTO_NAK_HDR, f->len - PROTO_NAK_HDR, text, sizeof text);
            snprintf(why, sizeof why, "device refused (reason %u)%s%s", f->payload[3], text[0] ? ": " : "", text);
            control_device_reply(d->control, proto_get_u16(f->payload), false, why);
        }
        break;
    default:
        break; /* STATS, VALIDATE_RESULT and unknown types are not the daemon's business */
    }
}

/* A silence of this many periods (and at least this long) is a pause, not slow lines. */
#define TEXT_PAUSE_PERIODS 10.0
#define TEXT_PAUSE_MIN_S 0.5

/* Refine the measured text rate with a new line at time now. A provisional figure, from the
 * median of the first intervals, is available after four lines (so a recording can start at
 * once and one late line does not skew it); from the 16th line on it is lines over elapsed
 * time. It is logged as measured once a second of lines has arrived. */
static void text_rate_update(struct daemon *d, double now)
{
    if (d->text_rate_lines > 0 && d->dev.rate_hz > 0 && now - d->text_last_t > TEXT_PAUSE_PERIODS / d->dev.rate_hz &&
        now - d->text_last_t > TEXT_PAUSE_MIN_S) {
        /* A pause (the sender stopped, a sketch was reset): lines over elapsed time would count
         * it as slow lines. Measure afresh from here; the old rate holds until the new one. */
        static double last_log;
        log_ratelimited(&last_log, "%s: text lines paused for %.1f s: measuring the rate again", d->port_path,
                        now - d->text_last_t);
        d->text_rate_lines = 0;
        d->text_rate_final = false;
    }
    if (d->text_rate_lines == 0 || now == d->text_first_t) {
        /* Lines read in one go with the first ones (a backlog buffered before the port was
         * opened) say nothing about timing: the window starts at the last of them. */
        d->text_first_t = now;
        d->text_rate_lines = 0;
        d->text_n_iv = 0;
    } else if (d->text_n_iv < TEXT_EARLY_INTERVALS)
        d->text_iv[d->text_n_iv++] = now - d->text_last_t;
    d->text_rate_lines++;
    d->text_last_t = now;
    double el = d->text_last_t - d->text_first_t;
    double r;
    if (d->text_rate_lines < TEXT_EARLY_INTERVALS) {
        /* Few lines: one delayed line would skew a mean, so use the median interval, and
         * only once there are three of them. */
        if (d->text_n_iv < 3)
            return;
        double iv[TEXT_EARLY_INTERVALS];
        int n = d->text_n_iv;
        memcpy(iv, d->text_iv, sizeof(double) * (size_t)n);
        for (int i = 1; i < n; i++) /* insertion sort: n <= 16 */
            for (int j = i; j > 0 && iv[j] < iv[j - 1]; j--) {
                double t = iv[j];
                iv[j] = iv[j - 1];
                iv[j - 1] = t;
            }
        double med = n % 2 ? iv[n / 2] : (iv[n / 2 - 1] + iv[n / 2]) / 2;
        if (med <= 0) /* lines arriving in bursts: the mean over the window says more */
            med = el / (double)(d->text_rate_lines - 1);
        if (med <= 0)
            return;
        r = 1.0 / med;
    } else {
        if (el < 0.02)
            return;
        r = (double)(d->text_rate_lines - 1) / el;
    }
    double ri = floor(r + 0.5);
    if (ri >= 1 && fabs(r - ri) <= 0.01 * ri)
        r = ri;
    if (el >= 1.0 && !d->text_rate_final) {
        d->text_rate_final = true;
        log_msg("%s: text rate measured: %.3f Hz", d->port_path, r);
    }
    if (d->dev.rate_hz != r) {
        d->dev.rate_hz = r;
        d->rec.rate_dirty = true;
    }
}

/* Take up text mode with the column count of the current good line. */
static void text_adopt(struct daemon *d, int columns)
{
    d->mode = MODE_TEXT;
    d->text_columns = columns;
    d->text_rate_lines = 0;
    d->text_n_iv = 0;
    d->text_rate_final = false;
    d->dev.rate_hz = 0;
    d->dev.known = true;
    d->dev.n_axes = columns;
    memset(&d->dev.hello, 0, sizeof d->dev.hello);
    snprintf(d->dev.hello.board, sizeof d->dev.hello.board, "data-forwarder");
    snprintf(d->dev.hello.sensor, sizeof d->dev.hello.sensor, "text");
    for (int a = 0; a < columns; a++) {
        if (a < d->n_cli_axes)
            memcpy(d->dev.axis_name[a], d->cli_axes[a], sizeof d->dev.axis_name[a]); /* same size */
        else
            snprintf(d->dev.axis_name[a], sizeof d->dev.axis_name[a], "axis%d", a);
        d->dev.axis_unit[a][0] = 0;
        d->dev.axis_scale[a] = 1.0;
    }
    log_msg("%s: data-forwarder text detected, %d values per line", d->port_path, columns);
    struct store_device sd = {0};
    snprintf(sd.board, sizeof sd.board, "data-forwarder");
    snprintf(sd.sensor, sizeof sd.sensor, "text");
    snprintf(sd.port, sizeof sd.port, "%s", d->port_path);
    if (d->store && store_device_upsert(d->store, &sd, &d->device_id)) {
        d->c.db_errors++;
        log_msg("database: %s", store_errmsg(d->store));
    }
}

/* A line made printable for a log: at most 60 characters, escapes for the rest. */
static void escape_line(const char *line, char *out, size_t cap)
{
    size_t n = 0, i = 0;
    for (; line[i] && i < 60 && n + 5 < cap; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c == '\\' || c == '"') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c == '\t') {
            out[n++] = '\\';
            out[n++] = 't';
        } else if (c >= 0x20 && c < 0x7f) {
            out[n++] = (char)c;
        } else {
            n += (size_t)snprintf(out + n, cap - n, "\\x%02x", c);
        }
    }
    if (line[i] && n + 4 < cap)
        out[n++] = '.', out[n++] = '.', out[n++] = '.';
    out[n] = 0;
}

/* A line not recognised while detecting: counted, and the first one since the last report kept
 * (line NULL: a line too long to keep, why says so). */
static void detect_reject(struct daemon *d, const char *line, const char *why, int where)
{
    d->c.bad_lines++;
    d->detect_bad++;
    if (d->detect_bad_since_log++ == 0) {
        char esc[120];
        escape_line(line ? line : "", esc, sizeof esc);
        if (!line) /* its bytes are gone (too long to keep) */
            snprintf(d->detect_first, sizeof d->detect_first, "%s", why);
        else if (where >= 0)
            snprintf(d->detect_first, sizeof d->detect_first, "\"%s\": %s at byte %d", esc, why, where);
        else
            snprintf(d->detect_first, sizeof d->detect_first, "\"%s\": %s", esc, why);
    }
}

/* While detecting: every few seconds, say that lines come but none is recognised, and why. */
static void detect_report(struct daemon *d, double now)
{
    if (d->mode != MODE_DETECTING || d->detect_bad_since_log == 0 || now - d->detect_log_t < DETECT_REPORT_S)
        return;
    snprintf(d->text_problem, sizeof d->text_problem, "%llu line%s not recognised as data-forwarder text; first: %s",
             (unsigned long long)d->detect_bad_since_log, d->detect_bad_since_log == 1 ? "" : "s", d->detect_first);
    log_msg("%s: %s", d->port_path, d->text_problem);
    d->detect_bad_since_log = 0;
    d->detect_log_t = now;
}

/* One complete text line. */
static void handle_line(struct daemon *d, const char *line, double now)
{
    float v[TEXTLINE_MAX_VALUES];
    const char *why;
    int where;
    static double last_log;
    int n = textline_parse(line, v, TEXTLINE_MAX_VALUES, &why, &where);
    if (d->mode == MODE_BINARY) {
        /* Lines in binary mode are noise unless frames stopped and text took over. */
        if (n > 0 && now - d->last_frame_t > 2.0 && ++d->text_run >= 3)
            text_adopt(d, n);
        else if (n <= 0)
            d->text_run = 0;
        if (d->mode == MODE_BINARY)
            return;
    }
    d->c.text_lines++;
    if (n < 0) {
        d->text_run = 0;
        if (d->mode == MODE_DETECTING)
            detect_reject(d, line, why, where);
        if (d->mode == MODE_TEXT) {
            d->c.bad_lines++;
            log_ratelimited(&last_log, "%s: rejected text line %llu: %s at byte %d (%llu rejected so far)",
                            d->port_path, (unsigned long long)d->text.lines, why, where,
                            (unsigned long long)d->c.bad_lines);
        }
        return;
    }
    if (d->mode == MODE_DETECTING) {
        if (d->text_run > 0 && n == d->text_columns) {
            d->text_run++;
        } else {
            if (d->text_run > 0) {
                char why2[64];
                snprintf(why2, sizeof why2, "%d values after a line of %d (the count must stay the same)", n,
                         d->text_columns);
                detect_reject(d, line, why2, -1);
            }
            d->text_run = 1;
            d->text_columns = n;
        }
        if (d->text_run < 2)
            return;
        text_adopt(d, n);
        d->detect_bad = 0;
        d->text_problem[0] = 0;
    }
    if (n != d->text_columns || (d->n_cli_axes && n != d->n_cli_axes)) {
        d->c.bad_lines++;
        log_ratelimited(&last_log, "%s: rejected text line %llu: %d values, expected %d (%llu rejected so far)",
                        d->port_path, (unsigned long long)d->text.lines, n,
                        d->n_cli_axes ? d->n_cli_axes : d->text_columns, (unsigned long long)d->c.bad_lines);
        return;
    }
    d->last_text_t = now;
    text_rate_update(d, now);
    d->c.samples++;
    d->fps_frames++;
    recorder_add_f32(d, v, 1, n);
    struct live *lv = &d->live;
    if (lv->n_axes != n) {
        lv->n = 0;
        lv->n_axes = n;
    }
    if (lv->n < LIVE_MAX_SAMPLES) {
        memcpy(&lv->values[lv->n * n], v, (size_t)n * sizeof(float));
        lv->n++;
    }
}

/* A line over TEXTLINE_MAX bytes was dropped by the assembler: counted and said, unless it is
 * binary data (frames hold '\n' bytes at random, so "lines" between them mean nothing). */
static void handle_long_line(struct daemon *d)
{
    static double last_log;
    if (d->mode == MODE_BINARY)
        return;
    d->c.text_lines++;
    d->c.long_lines++;
    d->text_run = 0;
    if (d->mode == MODE_DETECTING) {
        char why[96];
        snprintf(why, sizeof why, "a line over %d bytes (longer than any data-forwarder line)", TEXTLINE_MAX);
        detect_reject(d, NULL, why, -1);
        return;
    }
    d->c.bad_lines++;
    log_ratelimited(&last_log, "%s: rejected text line %llu: over %d bytes (%llu rejected so far)", d->port_path,
                    (unsigned long long)(d->text.lines + d->text.too_long), TEXTLINE_MAX,
                    (unsigned long long)d->c.bad_lines);
}

/* Feed bytes to both parsers. */
void ingest_bytes(struct daemon *d, const uint8_t *buf, size_t n)
{
    double now = mono_now();
    struct proto_frame f;
    const char *line;
    uint32_t frames0 = d->dec.frames, crc0 = d->dec.crc_errors, fe0 = d->dec.framing_errors, rs0 = d->dec.resyncs;
    d->c.bytes += n;
    d->last_data_t = now;
    for (size_t i = 0; i < n; i++) {
        int rc = proto_decode_push(&d->dec, buf[i], &f);
        if (rc == PROTO_FRAME) {
            handle_frame(d, &f);
        } else if (rc < 0 && d->mode == MODE_BINARY) {
            static double last_log;
            log_ratelimited(&last_log, "%s: dropped a corrupt frame (%s); %u CRC errors so far", d->port_path,
                            rc == PROTO_ERR_CRC ? "CRC mismatch" : rc == PROTO_ERR_OVERSIZE ? "oversize" : "framing",
                            d->dec.crc_errors);
        }
        if (textline_push(&d->text, buf[i], &line))
            handle_line(d, line, now);
        else if (d->text.too_long != d->text_long_seen) {
            d->text_long_seen = d->text.too_long;
            handle_long_line(d);
        }
    }
    /* Decoder counters only mean something in binary mode (text overflows its buffer). */
    if (d->mode == MODE_BINARY) {
        d->c.frames += d->dec.frames - frames0;
        d->c.crc_errors += d->dec.crc_errors - crc0;
        d->c.framing_errors += d->dec.framing_errors - fe0;
        d->c.resyncs += d->dec.resyncs - rs0;
    }
}

/* Periodic work: retry INFO, frames-per-second figure. */
void ingest_tick(struct daemon *d, double now)
{
    detect_report(d, now);
    if (d->mode == MODE_BINARY && !d->dev.known && d->info_requested && now - d->info_requested_at > 1.0) {
        ingest_send_command(d, PROTO_CMD_INFO, NULL, 0);
        d->info_requested_at = now;
    }
    if (now - d->fps_t >= 1.0) {
        d->fps = d->fps_frames / (now - d->fps_t);
        d->fps_frames = 0;
        d->fps_t = now;
    }
}
