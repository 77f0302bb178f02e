/* SPDX-License-Identifier: MIT */
/* test_mpu6050.c -- the MPU6050 driver against the register-level fake bus: configuration
 * written, FIFO draining and overflow, absent sensor, transient and persistent NACK,
 * arbitration loss, a stuck bus freed by recovery and one that stays stuck. */
#include <string.h>

#include "check.h"
#include "fake_i2c.h"
#include "mpu6050.h"
#include "proto.h"

static struct fake_mpu m;
static struct i2c_bus bus;
static struct mpu6050 d;

static void setup(void)
{
    fake_mpu_init(&m, 0x68);
    bus = fake_bus(&m);
    mpu6050_bind(&d, &bus, 0x68);
}

static void init_ok(void)
{
    setup();
    CHECK_EQ(mpu6050_init(&d), 0);
    CHECK(d.ready);
    CHECK_EQ(m.writes_to[MPU_PWR_MGMT_1], 2); /* reset, then wake */
    CHECK_EQ(m.regs[MPU_PWR_MGMT_1], MPU_PWR_CLKSEL_PLL_XG);
    CHECK(m.slept_ms >= 200);
    CHECK_EQ(m.regs[MPU_SMPLRT_DIV], 9);      /* 1 kHz / (1 + 9) = 100 Hz */
    CHECK_EQ(m.regs[MPU_CONFIG], 3);          /* DLPF 44 Hz at 100 Hz */
    CHECK_EQ(m.regs[MPU_ACCEL_CONFIG], 2 << 3); /* default 8 g */
    CHECK_EQ(m.regs[MPU_GYRO_CONFIG], 2 << 3);  /* default 1000 dps */
    CHECK_EQ(m.regs[MPU_FIFO_EN], 0x78);
    CHECK_EQ(m.regs[MPU_USER_CTRL], MPU_USER_FIFO_EN);
    CHECK_EQ(m.regs[MPU_INT_ENABLE], MPU_INT_FIFO_OFLOW | MPU_INT_DATA_RDY);

    CHECK_EQ(mpu6050_configure(&d, 500, 16, 2000), 0);
    CHECK_EQ(m.regs[MPU_SMPLRT_DIV], 1);
    CHECK_EQ(m.regs[MPU_CONFIG], 1);
    CHECK_EQ(m.regs[MPU_ACCEL_CONFIG], 3 << 3);
    CHECK_EQ(m.regs[MPU_GYRO_CONFIG], 3 << 3);
    CHECK_EQ(mpu6050_configure(&d, 50, 2, 250), 0);
    CHECK_EQ(m.regs[MPU_SMPLRT_DIV], 19);
    CHECK_EQ(m.regs[MPU_CONFIG], 4);
    CHECK_EQ(m.regs[MPU_ACCEL_CONFIG], 0);
    CHECK(mpu6050_configure(&d, 300, 2, 250) < 0); /* 1000/300 not whole */
    CHECK(mpu6050_configure(&d, 100, 3, 250) < 0);
    CHECK(mpu6050_configure(&d, 100, 2, 300) < 0);
    CHECK(mpu6050_rate_ok(1000) && mpu6050_rate_ok(125) && mpu6050_rate_ok(50));
    CHECK(!mpu6050_rate_ok(40) && !mpu6050_rate_ok(2000) && !mpu6050_rate_ok(60));
}

static void fifo(void)
{
    setup();
    CHECK_EQ(mpu6050_init(&d), 0);
    int16_t out[8][6];
    CHECK_EQ(mpu6050_read_fifo(&d, out, 8), 0);
    for (int i = 0; i < 5; i++) {
        int16_t v[6] = { (int16_t)(i * 100 - 200), -32768, 32767, (int16_t)i, -1, 0x1234 };
        fake_mpu_sample(&m, v);
    }
    CHECK_EQ(mpu6050_read_fifo(&d, out, 3), 3); /* bounded by max */
    CHECK_EQ(out[0][0], -200);
    CHECK_EQ(out[2][0], 0);
    CHECK_EQ(out[1][1], -32768);
    CHECK_EQ(out[1][2], 32767);
    CHECK_EQ(out[2][3], 2);
    CHECK_EQ(out[2][4], -1);
    CHECK_EQ(out[2][5], 0x1234);
    CHECK_EQ(mpu6050_read_fifo(&d, out, 8), 2);
    CHECK_EQ(out[1][0], 200);
    CHECK_EQ(m.fifo_len, 0);

    /* 86 packets = 1032 bytes > 1024: overflow flagged, FIFO reset, reported once. */
    int16_t z[6] = { 1, 2, 3, 4, 5, 6 };
    for (int i = 0; i < 86; i++)
        fake_mpu_sample(&m, z);
    CHECK_EQ(mpu6050_read_fifo(&d, out, 8), -(int)PROTO_ERR_FIFO_OVERFLOW);
    CHECK_EQ(d.fifo_overflows, 1);
    CHECK_EQ(m.fifo_len, 0);
    CHECK_EQ(m.regs[MPU_USER_CTRL], MPU_USER_FIFO_EN);
    fake_mpu_sample(&m, z);
    CHECK_EQ(mpu6050_read_fifo(&d, out, 8), 1);
    CHECK_EQ(out[0][5], 6);

    int16_t now[6];
    m.regs[MPU_ACCEL_XOUT_H] = 0x80; /* accX = -32768 */
    m.regs[0x41] = 0x7F;             /* temperature: skipped */
    m.regs[0x47] = 0x01;             /* gyrZ high byte */
    m.regs[0x48] = 0x02;
    CHECK_EQ(mpu6050_read_now(&d, now), 0);
    CHECK_EQ(now[0], -32768);
    CHECK_EQ(now[5], 0x0102);
    CHECK_EQ(now[3], 0);
}

static void absent_and_nack(void)
{
    setup();
    m.present = false;
    CHECK_EQ(mpu6050_init(&d), -(int)PROTO_ERR_SENSOR_ABSENT);
    CHECK(!d.ready);
    CHECK_EQ(m.xfers, MPU_RETRIES);
    CHECK_EQ(m.recover_calls, 0); /* a NACK is not a bus fault */

    setup(); /* wrong address: the device at 0x69 is not there */
    mpu6050_bind(&d, &bus, 0x69);
    CHECK_EQ(mpu6050_init(&d), -(int)PROTO_ERR_SENSOR_ABSENT);

    setup(); /* some other chip answers: refused, and the ID it gave is kept for HELLO and ERROR */
    m.regs[MPU_WHO_AM_I] = 0x12;
    CHECK_EQ(mpu6050_init(&d), -(int)PROTO_ERR_SENSOR_UNKNOWN);
    CHECK(!strcmp(d.name, "WHO_AM_I 0x12"));

    setup(); /* transient NACKs are retried away */
    CHECK_EQ(mpu6050_init(&d), 0);
    m.nack_next = MPU_RETRIES - 1;
    int16_t out[2][6];
    CHECK_EQ(mpu6050_read_fifo(&d, out, 2), 0);
    CHECK(d.ready);
    CHECK_EQ(d.i2c_errors, MPU_RETRIES - 1);

    m.nack_next = MPU_RETRIES; /* persistent NACK mid-stream */
    CHECK_EQ(mpu6050_read_fifo(&d, out, 2), -(int)PROTO_ERR_I2C_NACK);
    CHECK(!d.ready);
    CHECK_EQ(mpu6050_init(&d), 0); /* and it comes back */
}

static void bus_faults(void)
{
    setup();
    CHECK_EQ(mpu6050_init(&d), 0);
    int16_t out[2][6];
    int16_t z[6] = { 7, 7, 7, 7, 7, 7 };
    fake_mpu_sample(&m, z);
    m.stuck = true; /* slave holds SDA: recovery (nine clocks + STOP) frees it */
    CHECK_EQ(mpu6050_read_fifo(&d, out, 2), 1);
    CHECK_EQ(m.recover_calls, 1);
    CHECK_EQ(d.recoveries, 1);
    CHECK_EQ(out[0][0], 7);

    m.arb_next = 1; /* arbitration lost once: recover and retry */
    CHECK_EQ(mpu6050_read_fifo(&d, out, 2), 0);
    CHECK_EQ(m.recover_calls, 2);

    m.arb_next = 10; /* lost every time */
    CHECK_EQ(mpu6050_read_fifo(&d, out, 2), -(int)PROTO_ERR_I2C_ARB_LOST);
    m.arb_next = 0;

    m.stuck = true;
    m.stuck_permanent = true; /* held low for good: one recovery attempt, then an error, no hang */
    int before = m.xfers;
    CHECK_EQ(mpu6050_read_fifo(&d, out, 2), -(int)PROTO_ERR_I2C_BUS_STUCK);
    CHECK(m.xfers - before <= MPU_RETRIES);
    CHECK(!d.ready);
    CHECK_EQ(mpu6050_init(&d), -(int)PROTO_ERR_I2C_BUS_STUCK);

    m.stuck_permanent = false; /* released: init works again */
    CHECK_EQ(mpu6050_init(&d), 0);
}

static void sensor_ops_adapter(void)
{
    setup();
    struct sensor_ops ops = mpu6050_sensor_ops_template;
    ops.ctx = &d;
    CHECK(ops.set_gesture == NULL);
    int st, steps = 0;
    while ((st = ops.init(ops.ctx, 0)) > 0)
        steps++;
    CHECK_EQ(st, 0);
    CHECK_EQ(steps, 2); /* probe + reset, reset done, then wake and configure */
    CHECK_EQ(ops.configure(ops.ctx, 200, 4, 500, 0), 0);
    CHECK_EQ(m.regs[MPU_SMPLRT_DIV], 4);
    int16_t z[6] = { 1, 2, 3, 4, 5, 6 }, out[4][6];
    fake_mpu_sample(&m, z);
    fake_mpu_sample(&m, z);
    CHECK_EQ(ops.read(ops.ctx, 0, out, 4), 2);
    CHECK(!ops.rate_ok(ops.ctx, 333));
}

/* Every WHO_AM_I of the family and its clones is accepted, named, and set up for its FIFO size
 * and accelerometer filter. */
static void who_am_i_variants(void)
{
    static const struct { uint8_t who; const char *name; unsigned fifo; bool config2; } parts[] = {
        { 0x68, "MPU6050 0x68", 1024, false }, { 0x70, "MPU6500 0x70", 512, true },
        { 0x71, "MPU9250 0x71", 512, true },   { 0x73, "MPU9255 0x73", 512, true },
        { 0x98, "MPU6500c 0x98", 512, true }, { 0x72, "MPU6050c 0x72", 1024, false },
        { 0x69, "MPU6050 0x69", 1024, false }, { 0x7D, "MPU6500c 0x7d", 512, true },
    };
    for (unsigned i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        setup();
        m.who_am_i = parts[i].who;
        m.regs[MPU_WHO_AM_I] = parts[i].who;
        CHECK_EQ(mpu6050_init(&d), 0);
        CHECK_EQ(d.who_am_i, parts[i].who);
        if (strncmp(d.name, parts[i].name, 16) != 0) {
            fprintf(stderr, "WHO_AM_I 0x%02x named '%s'\n", parts[i].who, d.name);
            check_failures++;
        }
        CHECK_EQ(d.chip->fifo_size, parts[i].fifo);
        CHECK_EQ(m.writes_to[MPU_ACCEL_CONFIG2] > 0, parts[i].config2);
        if (parts[i].config2)
            CHECK_EQ(m.regs[MPU_ACCEL_CONFIG2], 3); /* 44 Hz at 100 Hz */
        /* a full FIFO of this part's size is an overflow (packets would misalign next) */
        int16_t z[6] = { 1, 2, 3, 4, 5, 6 }, out[8][6];
        for (unsigned k = 0; k < parts[i].fifo / 12u + 1u; k++)
            fake_mpu_sample(&m, z);
        m.regs[MPU_INT_STATUS] = 0;
        CHECK_EQ(mpu6050_read_fifo(&d, out, 8), -(int)PROTO_ERR_FIFO_OVERFLOW);
    }
}

/* An I2C error in the middle of a FIFO burst: the bytes read before it are gone, so the driver
 * must reset the FIFO rather than retry (a retry reads a packet shifted by those bytes, and every
 * later packet too). The caller is told samples were lost (a new time base). */
static void mid_burst_failure(void)
{
    setup();
    CHECK_EQ(mpu6050_init(&d), 0);
    int16_t out[4][6];
    for (int i = 0; i < 3; i++) {
        int16_t v[6] = { (int16_t)(100 + i), 200, 300, 400, 500, 600 };
        fake_mpu_sample(&m, v);
    }
    m.cut_fifo_read = 5; /* 5 bytes of the first packet leave the FIFO, then the transfer fails */
    CHECK_EQ(mpu6050_read_fifo(&d, out, 4), -(int)PROTO_ERR_FIFO_RESET);
    CHECK_EQ(d.fifo_resets, 1);
    CHECK_EQ(m.fifo_len, 0); /* thrown away: realigned */
    int16_t v[6] = { 11, 22, 33, 44, 55, 66 };
    fake_mpu_sample(&m, v);
    fake_mpu_sample(&m, v);
    CHECK_EQ(mpu6050_read_fifo(&d, out, 4), 2);
    for (int a = 0; a < 6; a++)
        CHECK_EQ(out[1][a], v[a]); /* axes in place */

    /* a count that is not whole packets (a byte lost or added): reset too */
    fake_mpu_sample(&m, v);
    m.fifo[m.fifo_len++] = 0x5A;
    CHECK_EQ(mpu6050_read_fifo(&d, out, 4), -(int)PROTO_ERR_FIFO_RESET);
    CHECK_EQ(m.fifo_len, 0);
    CHECK_EQ(d.fifo_resets, 2);
}

/* Init never waits inside: each step makes a few transfers and returns the time to wait. */
static void init_without_blocking(void)
{
    setup();
    int st, steps = 0;
    uint32_t waited = 0;
    int xfers = m.xfers;
    while ((st = mpu6050_init_step(&d)) > 0) {
        CHECK(m.xfers - xfers <= 16); /* a few transfers, ~1 ms of bus time at 400 kHz */
        xfers = m.xfers;
        waited += (uint32_t)st;
        steps++;
    }
    CHECK(m.xfers - xfers <= 16); /* the last step too */
    CHECK_EQ(st, 0);
    CHECK_EQ(m.slept_ms, 0); /* never called delay_ms */
    CHECK(waited >= 200);    /* the reset and signal-path waits are the caller's */
    CHECK(steps >= 2);
    CHECK(d.ready);
}

int main(void)
{
    who_am_i_variants();
    mid_burst_failure();
    init_without_blocking();
    init_ok();
    fifo();
    absent_and_nack();
    bus_faults();
    sensor_ops_adapter();
    return check_report("test_mpu6050");
}
