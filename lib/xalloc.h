#pragma once

/*
 * Allocation that aborts on out-of-memory. Sizes that come from outside the
 * process must be capped by the caller before they get here.
 */

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n) __attribute__((malloc, returns_nonnull, alloc_size(1)));
void *xzalloc(size_t n) __attribute__((malloc, returns_nonnull, alloc_size(1)));
void *xcalloc(size_t nmemb, size_t size) __attribute__((malloc, returns_nonnull, alloc_size(1, 2)));
void *xrealloc(void *p, size_t n) __attribute__((returns_nonnull, alloc_size(2)));
/* realloc of an array, checking nmemb * size for overflow. */
void *xreallocarray(void *p, size_t nmemb, size_t size) __attribute__((returns_nonnull));
char *xstrdup(const char *s) __attribute__((malloc, returns_nonnull));
char *xstrndup(const char *s, size_t n) __attribute__((malloc, returns_nonnull));
char *xasprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), malloc, returns_nonnull));
char *xvasprintf(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0), malloc, returns_nonnull));

/* Allocate a zeroed struct: struct foo *f = xnew(struct foo, 1); */
#define xnew(type, n) ((type *)xcalloc((n), sizeof(type)))
