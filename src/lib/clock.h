/*
 * clock.h: the one monotonic clock, for timeouts and for the timings the
 * program reports. Never the wall clock, which an administrator or NTP
 * may step while a guest is being built.
 */
#ifndef CLOCK_H
#define CLOCK_H

/* Milliseconds on CLOCK_MONOTONIC. */
long long clock_ms(void);
/* Seconds on CLOCK_MONOTONIC, with fractions. */
double clock_seconds(void);

#endif
