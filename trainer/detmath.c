/* SPDX-License-Identifier: MIT */
/* detmath.c -- the few transcendental functions the trainer needs, written with IEEE +, -, *, /
 * and exact operations (frexp, ldexp, conversions) only, so that training gives the same bits on
 * every machine: glibc picks FMA variants of exp/log/sin/cos at run time (ifunc) on CPUs that
 * have FMA, and other C libraries round differently. Accuracy: a few ulp, plenty for training. */
#include "trainer_int.h"

#include <math.h>

/* e^x in single precision; 0 below -87.3, clamped at 88.7 */
float tr_expf(float x)
{
    if (!(x > -87.3f)) return 0.0f; /* also NaN -> 0 */
    if (x > 88.7f) x = 88.7f;
    float t = x * 1.44269504f;
    int n = (int)(t >= 0.0f ? t + 0.5f : t - 0.5f);
    float fn = (float)n;
    /* r = x - n ln2 with ln2 split (Cody-Waite; 0.693359375 has 9 significant bits) */
    float r = (x - fn * 0.693359375f) - fn * -2.12194440e-4f;
    float r2 = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float e = p * r2 + r + 1.0f;
    return ldexpf(e, n); /* exact scaling by a power of two */
}

/* natural logarithm, double precision, x > 0 (returns -745 for x <= 0) */
double tr_log(double x)
{
    if (!(x > 0)) return -745.0;
    int e;
    double m = frexp(x, &e); /* x = m 2^e, m in [0.5, 1) */
    if (m < 0.70710678118654752440) { m *= 2.0; e--; }
    /* log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716 */
    double s = (m - 1.0) / (m + 1.0), s2 = s * s;
    double p = 1.0 / 23.0;
    for (int k = 21; k >= 3; k -= 2) p = p * s2 + 1.0 / (double)k;
    p = p * s2 + 1.0;
    double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    return (double)e * ln2_hi + (2.0 * s * p + (double)e * ln2_lo);
}

/* sin and cos by Taylor series after reduction to [-pi/2, pi/2]; meant for moderate arguments
 * (angles of rotations and filter design), |x| up to a few thousand */
static const double PI_D = 3.14159265358979323846;

static double sin_small(double x) /* |x| <= pi/2 */
{
    double x2 = x * x, term = x, sum = x;
    for (int k = 1; k <= 12; k++) {
        term = term * -x2 / (double)((2 * k) * (2 * k + 1));
        sum = sum + term;
    }
    return sum;
}

static double reduce(double x) /* x -> y in [-pi/2, pi/2] with sin y = sin x */
{
    double n = floor(x / (2.0 * PI_D) + 0.5);
    double y = x - n * (2.0 * PI_D); /* [-pi, pi] */
    if (y > PI_D / 2) y = PI_D - y;
    else if (y < -PI_D / 2) y = -PI_D - y;
    return y;
}

double tr_sin(double x)
{
    return sin_small(reduce(x));
}

double tr_cos(double x)
{
    return tr_sin(x + PI_D / 2);
}

double tr_tan(double x)
{
    return tr_sin(x) / tr_cos(x);
}
