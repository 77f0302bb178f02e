/* SPDX-License-Identifier: MIT */
// Declarations only (Arduino core and Arduino_LSM9DS1 library API) for compiling
// examples/arduino.ino as C++ (-fsyntax-only). Not an implementation.
#include <stdint.h>
unsigned long micros(void);
struct SerialClass {
    void begin(unsigned long baud);
    explicit operator bool() const;
    void print(const char *s);
    void print(char c);
    void print(int v);
    void println(const char *s);
    void println();
};
extern SerialClass Serial;
struct LSM9DS1Class {
    int begin();
    int accelerationAvailable();
    int readAcceleration(float &x, float &y, float &z);
};
extern LSM9DS1Class IMU;
