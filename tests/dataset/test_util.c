/* SPDX-License-Identifier: MIT */
/* Unit tests: SHA-256 (FIPS 180-2 examples), HMAC-SHA256 (RFC 4231), round-trip float printing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fmt.h"
#include "sha256.h"

static void check_hex(const char *what, const uint8_t d[32], const char *want)
{
    char hex[65];
    sha256_hex(d, hex);
    CHECK_MSG(strcmp(hex, want) == 0, "%s\n  got  %s\n  want %s", what, hex, want);
}

static void hexbytes(const char *hex, uint8_t *out, size_t *n)
{
    *n = strlen(hex) / 2;
    for (size_t i = 0; i < *n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

int main(void)
{
    uint8_t d[32];
    sha256("abc", 3, d);
    check_hex("sha256 abc", d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256("", 0, d);
    check_hex("sha256 empty", d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256(m2, strlen(m2), d);
    check_hex("sha256 448 bits", d, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* a million 'a', fed in odd-sized pieces */
    struct sha256 c;
    sha256_init(&c);
    char a[1000];
    memset(a, 'a', sizeof a);
    size_t left = 1000000;
    for (size_t step = 1; left; step = step % 997 + 1) {
        size_t k = step < left ? step : left;
        sha256_update(&c, a, k);
        left -= k;
    }
    sha256_final(&c, d);
    check_hex("sha256 million a", d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    /* RFC 4231 test cases 1, 2, 3, 4, 6, 7 */
    static const struct {
        const char *key, *data, *mac;
        int key_is_hex, data_is_hex;
    } t[] = {
        {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", 1, 0},
        {"Jefe", "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", 0,
         0},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", 1, 1},
        {"0102030405060708090a0b0c0d0e0f10111213141516171819",
         "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", 1, 1},
        {NULL, /* 131 bytes of 0xaa */
         "Test Using Larger Than Block-Size Key - Hash Key First",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", 1, 0},
        {NULL, /* 131 bytes of 0xaa */
         "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be "
         "hashed before being used by the HMAC algorithm.",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2", 1, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint8_t key[256], data[256];
        size_t kn, dn;
        if (!t[i].key)
            memset(key, 0xaa, kn = 131);
        else if (t[i].key_is_hex)
            hexbytes(t[i].key, key, &kn);
        else
            memcpy(key, t[i].key, kn = strlen(t[i].key));
        if (t[i].data_is_hex)
            hexbytes(t[i].data, data, &dn);
        else
            memcpy(data, t[i].data, dn = strlen(t[i].data));
        hmac_sha256(key, kn, data, dn, d);
        char what[32];
        snprintf(what, sizeof what, "hmac rfc4231 #%zu", i + 1);
        check_hex(what, d, t[i].mac);
    }

    /* floats print short and read back exactly */
    char buf[40];
    fmt_float(buf, sizeof buf, 0.5786f);
    CHECK_MSG(strcmp(buf, "0.5786") == 0, "fmt_float(0.5786f) = %s", buf);
    srand(1);
    for (int i = 0; i < 200000; i++) {
        uint32_t u = (uint32_t)rand() << 16 ^ (uint32_t)rand();
        float f;
        memcpy(&f, &u, 4);
        if (f != f || f - f != 0)
            continue; /* NaN, inf */
        fmt_float(buf, sizeof buf, f);
        if (strtof(buf, NULL) != f) {
            CHECK_MSG(0, "float round trip %a -> %s", (double)f, buf);
            break;
        }
        double x = (double)f * 1.000000123;
        fmt_double(buf, sizeof buf, x);
        if (strtod(buf, NULL) != x) {
            CHECK_MSG(0, "double round trip %a -> %s", x, buf);
            break;
        }
    }
    return check_report("test_dataset_util");
}
