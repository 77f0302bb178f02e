/* SPDX-License-Identifier: MIT */
/* devport.h -- a small client of the device's wire protocol for `imulab validate` and
 * `imulab flash`: open a serial port or pseudo-terminal raw, send commands, read frames with a
 * deadline. Blocking with poll(); every wait has a timeout, nothing here can hang. */
#ifndef IMULAB_DEVPORT_H
#define IMULAB_DEVPORT_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct port;

struct devport {
    struct port *port; /* serial/serial.h */
    int fd;
    uint16_t token;
    struct proto_decoder dec;
    uint64_t bytes_in;
    uint8_t buf[512];
    size_t pos, len;
};

/* Open path raw at baud (serial ports; ignored by pseudo-terminals). Returns 0, or -1 with a
 * one-line reason in err (missing, busy, not a terminal). */
int devport_open(struct devport *p, const char *path, unsigned baud, char *err, size_t errlen);
void devport_close(struct devport *p);
/* Send a command: token (a fresh one, returned) then body. Returns the token, or -1 on an error. */
int devport_command(struct devport *p, uint8_t type, const void *body, size_t len);
/* Wait up to timeout_ms for the next good frame. Returns 1 with *f set, 0 on timeout, -1 if the
 * port failed (closed, hung up). */
int devport_read_frame(struct devport *p, int timeout_ms, struct proto_frame *f);
/* Milliseconds of CLOCK_MONOTONIC. */
double devport_now_ms(void);

#endif
