/* SPDX-License-Identifier: MIT */
/* sha256.h -- SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for Edge Impulse HS256 signatures. */
#ifndef IMULAB_SHA256_H
#define IMULAB_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t h[8];
    uint64_t len; /* bytes so far */
    uint8_t buf[64];
    size_t fill;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t n);
void sha256_final(struct sha256 *c, uint8_t out[32]);
void sha256(const void *data, size_t n, uint8_t out[32]);
void hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n, uint8_t out[32]);
/* 64 lowercase hex digits and a NUL. */
void sha256_hex(const uint8_t d[32], char out[65]);

#endif
