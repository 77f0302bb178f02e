/* SPDX-License-Identifier: MIT */
/* serial.h -- opening a serial port or pseudo-terminal for imulab's wire protocol.
 *
 * Shared by imulabd (daemon/) and the `imulab validate/flash` device client (dataset/devport.c):
 * libserialport for real devices, termios for pseudo-terminals, 8N1 raw, no flow control,
 * non-blocking, and locked (flock + TIOCEXCL) so two programs never share a port. */
#ifndef IMULAB_SERIAL_H
#define IMULAB_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct port;
/* Open path at baud; on failure returns NULL with a one-line reason in why. *busy is set when
 * another process holds the port. */
struct port *port_open(const char *path, int baud, char *why, size_t whylen, bool *busy);
int port_fd(struct port *p);
/* Read what is available (non-blocking). Returns bytes, 0 if none, -1 on hang-up/error. */
long port_read(struct port *p, uint8_t *buf, size_t cap);
/* Write all bytes, waiting at most ~100 ms for room. Returns 0 or -1. */
int port_write(struct port *p, const uint8_t *buf, size_t len);
void port_close(struct port *p);
/* Change the line rate of an open port (after the device switched). 0 or -1. */
int port_set_baud(struct port *p, int baud);
/* One of 9600 19200 38400 57600 115200 230400 460800 921600. */
bool port_baud_valid(int baud);

#endif
