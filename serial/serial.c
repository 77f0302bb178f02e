/* SPDX-License-Identifier: MIT */
/* serial.c -- the serial port (see serial.h).
 *
 * Real serial devices (USB CDC-ACM such as the ST-Link virtual COM port, USB-serial bridges)
 * are opened with libserialport: 8N1, no flow control, the requested baud rate.
 * libserialport 0.1.1 finds a port's details through sysfs and refuses pseudo-terminals
 * (which have no sysfs entry), so those, used by the emulated board and the tests, are
 * opened with plain termios in raw mode. Either way the port is put in exclusive mode
 * (TIOCEXCL) and locked with flock(), so a second imulabd on the same port is refused with
 * a clear reason instead of stealing half the bytes.
 *
 * Reads are non-blocking and driven by poll() in main.c. A hang-up (unplug, QEMU or socat
 * gone) shows as EOF, EIO or POLLHUP; the caller closes the port and reconnects later.
 */
#include "serial.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <libserialport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

struct port {
    struct sp_port *sp; /* NULL when opened with termios */
    int fd;
};

static const int bauds[] = {9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600};

bool port_baud_valid(int baud)
{
    for (size_t i = 0; i < sizeof bauds / sizeof bauds[0]; i++)
        if (bauds[i] == baud)
            return true;
    return false;
}

static speed_t baud_to_speed(int baud)
{
    switch (baud) {
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 230400: return B230400;
    case 460800: return B460800;
    case 921600: return B921600;
    default: return B115200;
    }
}

/* Exclusive use: flock for other imulabd instances, TIOCEXCL for everything else. */
static int port_lock(int fd, const char *path, char *why, size_t whylen, bool *busy)
{
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        *busy = errno == EWOULDBLOCK;
        snprintf(why, whylen, "%s: %s", path,
                 *busy ? "in use by another process (is another imulabd running on it?)" : strerror(errno));
        return -1;
    }
    ioctl(fd, TIOCEXCL);
    return 0;
}

/* termios path for pseudo-terminals. */
static struct port *open_termios(const char *path, int baud, char *why, size_t whylen, bool *busy)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        *busy = errno == EBUSY;
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (!isatty(fd)) {
        snprintf(why, whylen, "%s: not a terminal device", path);
        close(fd);
        return NULL;
    }
    if (port_lock(fd, path, why, whylen, busy)) {
        close(fd);
        return NULL;
    }
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        t.c_cflag |= CLOCAL | CREAD;
        t.c_cflag &= ~(CRTSCTS | CSTOPB | PARENB);
        cfsetispeed(&t, baud_to_speed(baud));
        cfsetospeed(&t, baud_to_speed(baud));
        tcsetattr(fd, TCSANOW, &t);
    }
    struct port *p = calloc(1, sizeof *p);
    if (!p) {
        close(fd);
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    p->fd = fd;
    return p;
}

int port_set_baud(struct port *p, int baud)
{
    if (!port_baud_valid(baud))
        return -1;
    if (p->sp)
        return sp_set_baudrate(p->sp, baud) == SP_OK ? 0 : -1;
    struct termios t;
    if (tcgetattr(p->fd, &t) != 0)
        return -1;
    cfsetispeed(&t, baud_to_speed(baud));
    cfsetospeed(&t, baud_to_speed(baud));
    return tcsetattr(p->fd, TCSADRAIN, &t);
}

/* Open a port: libserialport for real devices, termios for pseudo-terminals. */
struct port *port_open(const char *path, int baud, char *why, size_t whylen, bool *busy)
{
    struct sp_port *sp = NULL;
    *busy = false;
    if (access(path, F_OK) != 0) {
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (sp_get_port_by_name(path, &sp) != SP_OK)
        return open_termios(path, baud, why, whylen, busy);
    if (sp_open(sp, SP_MODE_READ_WRITE) != SP_OK) {
        char *msg = sp_last_error_message();
        *busy = sp_last_error_code() == EBUSY;
        snprintf(why, whylen, "%s: %s", path, msg ? msg : "cannot open");
        sp_free_error_message(msg);
        sp_free_port(sp);
        return NULL;
    }
    sp_set_baudrate(sp, baud);
    sp_set_bits(sp, 8);
    sp_set_parity(sp, SP_PARITY_NONE);
    sp_set_stopbits(sp, 1);
    sp_set_flowcontrol(sp, SP_FLOWCONTROL_NONE);
    int fd = -1;
    sp_get_port_handle(sp, &fd);
    if (port_lock(fd, path, why, whylen, busy)) {
        sp_close(sp);
        sp_free_port(sp);
        return NULL;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    struct port *p = calloc(1, sizeof *p);
    if (!p) {
        sp_close(sp);
        sp_free_port(sp);
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    p->sp = sp;
    p->fd = fd;
    return p;
}

int port_fd(struct port *p) { return p->fd; }

/* Non-blocking read; -1 means the port is gone. */
long port_read(struct port *p, uint8_t *buf, size_t cap)
{
    ssize_t n = read(p->fd, buf, cap);
    if (n > 0)
        return (long)n;
    if (n == 0)
        return -1; /* EOF: the other side hung up */
    if (errno == EAGAIN || errno == EINTR)
        return 0;
    return -1;
}

/* Write a whole command, waiting briefly if the output buffer is full. */
int port_write(struct port *p, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    int spins = 0;
    while (done < len) {
        ssize_t n = write(p->fd, buf + done, len - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR) && spins++ < 100) {
            usleep(1000);
            continue;
        }
        return -1;
    }
    return 0;
}

void port_close(struct port *p)
{
    if (!p)
        return;
    if (p->sp) {
        sp_close(p->sp);
        sp_free_port(p->sp);
    } else {
        close(p->fd);
    }
    free(p);
}
