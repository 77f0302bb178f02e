/* SPDX-License-Identifier: MIT */
/* imu_probe.c -- detect the sensor at boot (see imu_probe.h). */
#include "imu_probe.h"

#include "proto.h"

#define N_CANDIDATES 6u

struct candidate {
    uint8_t addr, id_reg;
    uint8_t kind; /* 0 MPU-6050 family, 1 BMI160, 2 LIS3DH */
};
static const struct candidate candidates[N_CANDIDATES] = {
    { MPU_ADDR_AD0_LOW, MPU_WHO_AM_I, 0 },         { MPU_ADDR_AD0_HIGH, MPU_WHO_AM_I, 0 },
    { BMI160_ADDR_SDO_LOW, BMI160_CHIP_ID, 1 },    { BMI160_ADDR_SDO_HIGH, BMI160_CHIP_ID, 1 },
    { LIS3DH_ADDR_SA0_LOW, LIS3DH_WHO_AM_I, 2 },   { LIS3DH_ADDR_SA0_HIGH, LIS3DH_WHO_AM_I, 2 },
};

/* Make the driver of a matching candidate the active one. */
static void activate(struct imu_probe *p, const struct candidate *c)
{
    if (c->kind == 0) {
        mpu6050_bind(&p->mpu, p->bus, c->addr);
        p->active = &mpu6050_sensor_ops_template;
        p->active_ctx = &p->mpu;
        p->self->name = p->mpu.name; /* "MPU6500 0x70" once its init has read WHO_AM_I */
    } else {
        regsensor_bind(&p->reg, p->bus, c->addr, c->kind == 1 ? REGSENSOR_BMI160 : REGSENSOR_LIS3DH);
        p->active = c->kind == 1 ? &bmi160_sensor_ops_template : &lis3dh_sensor_ops_template;
        p->active_ctx = &p->reg;
        p->self->name = p->active->name;
    }
    p->self->scale_kind = p->active->scale_kind;
}

/* One probe step: read the next candidate's ID register. 1 = go on, 0 = found, < 0 = nothing. */
static int probe_step(struct imu_probe *p)
{
    const struct candidate *c = &candidates[p->candidate];
    uint8_t id = 0;
    int st = p->bus->xfer(p->bus->ctx, c->addr, &c->id_reg, 1, &id, 1);
    if (st == I2C_OK) {
        bool match = c->kind == 0 ? mpu_chip_for(id) != 0 : id == (c->kind == 1 ? BMI160_ID : LIS3DH_ID);
        if (match) {
            p->candidate = 0;
            activate(p, c);
            return 0;
        }
        if (!p->unknown_id)
            p->unknown_id = id;
    } else if (st != I2C_NACK) {
        p->bus->recover(p->bus->ctx);
    }
    if (++p->candidate < N_CANDIDATES)
        return 1;
    p->candidate = 0;
    if (!p->unknown_id)
        return -(int)PROTO_ERR_SENSOR_ABSENT;
    /* "WHO_AM_I 0xNN": what answered, in HELLO and in the ERROR */
    static const char hex[] = "0123456789abcdef";
    static const char base[] = "WHO_AM_I 0x";
    for (unsigned i = 0; i < sizeof base - 1; i++)
        p->name[i] = base[i];
    p->name[11] = hex[p->unknown_id >> 4];
    p->name[12] = hex[p->unknown_id & 15u];
    p->name[13] = 0;
    p->self->name = p->name;
    p->unknown_id = 0;
    return -(int)PROTO_ERR_SENSOR_UNKNOWN;
}

static int op_init(void *ctx, uint32_t now_ms)
{
    struct imu_probe *p = ctx;
    if (!p->active) {
        int e = probe_step(p);
        if (e != 0)
            return e; /* the next candidate at the next step, or nothing found */
    }
    int e = p->active->init(p->active_ctx, now_ms); /* found: its own init steps */
    if (e < 0)
        p->active = 0; /* probe again next time */
    return e;
}

static bool op_rate_ok(void *ctx, uint16_t r)
{
    struct imu_probe *p = ctx;
    return p->active ? p->active->rate_ok(p->active_ctx, r) : mpu6050_rate_ok(r);
}

static int op_configure(void *ctx, uint16_t rate, uint8_t accel_g, uint16_t gyro_dps, uint32_t now_ms)
{
    struct imu_probe *p = ctx;
    if (!p->active)
        return -(int)PROTO_ERR_SENSOR_ABSENT;
    return p->active->configure(p->active_ctx, rate, accel_g, gyro_dps, now_ms);
}

static int op_read(void *ctx, uint32_t now_ms, int16_t (*out)[IMU_AXES], int max)
{
    struct imu_probe *p = ctx;
    if (!p->active)
        return -(int)PROTO_ERR_SENSOR_ABSENT;
    int n = p->active->read(p->active_ctx, now_ms, out, max);
    if (n < 0 && n != -(int)PROTO_ERR_FIFO_OVERFLOW && n != -(int)PROTO_ERR_FIFO_RESET)
        p->active = 0; /* the application re-initialises: probe again */
    return n;
}

void imu_probe_bind(struct imu_probe *p, const struct i2c_bus *bus, struct sensor_ops *ops)
{
    p->bus = bus;
    p->self = ops;
    p->active = 0;
    p->active_ctx = 0;
    p->candidate = 0;
    p->unknown_id = 0;
    p->name[0] = 0;
    mpu6050_bind(&p->mpu, bus, MPU_ADDR_AD0_LOW);
    ops->name = "none";
    ops->flags = 0;
    ops->scale_kind = 0;
    ops->init = op_init;
    ops->rate_ok = op_rate_ok;
    ops->configure = op_configure;
    ops->read = op_read;
    ops->set_gesture = 0;
    ops->ctx = p;
}
