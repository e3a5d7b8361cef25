#pragma once

/*
 * A tiny TAP producer for C unit tests. Each test file is one program:
 *
 *	int main(void)
 *	{
 *		tap_plan(2);
 *		tap_ok(1 + 1 == 2, "addition");
 *		tap_is_str(s, "x", "name");
 *		return tap_done();
 *	}
 *
 * Exit status 0 if every test passed, 1 otherwise, 77 for a whole-file skip
 * (tap_skip_all).
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count;
static int tap_failed;
static int tap_planned;

static inline void tap_plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

static inline __attribute__((format(printf, 2, 3))) bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

#define tap_is_int(got, want, ...)                                                               \
	({                                                                                       \
		long long _g = (long long)(got), _w = (long long)(want);                         \
		bool _r = tap_ok(_g == _w, __VA_ARGS__);                                         \
		if (!_r)                                                                         \
			printf("#   got %lld, want %lld (%s:%d)\n", _g, _w, __FILE__, __LINE__); \
		_r;                                                                              \
	})

#define tap_is_str(got, want, ...)                                                      \
	({                                                                              \
		const char *_g = (got), *_w = (want);                                   \
		bool _r = tap_ok(_g && _w && strcmp(_g, _w) == 0, __VA_ARGS__);         \
		if (!_r)                                                                \
			printf("#   got '%s', want '%s' (%s:%d)\n", _g ? _g : "(null)", \
			       _w ? _w : "(null)", __FILE__, __LINE__);                 \
		_r;                                                                     \
	})

static inline void tap_skip(int n, const char *reason)
{
	for (int i = 0; i < n; i++)
		printf("ok %d # skip %s\n", ++tap_count, reason);
	fflush(stdout);
}

static inline __attribute__((noreturn)) void tap_skip_all(const char *reason)
{
	printf("1..0 # skip %s\n", reason);
	exit(77);
}

static inline void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline int tap_done(void)
{
	if (tap_planned && tap_count != tap_planned) {
		printf("# planned %d tests but ran %d\n", tap_planned, tap_count);
		return 1;
	}
	return tap_failed ? 1 : 0;
}
