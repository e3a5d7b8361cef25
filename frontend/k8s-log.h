#pragma once

/*
 * k8s-file logs: "TIME STREAM TAG TEXT" lines, TAG F (full line) or P (a
 * piece of a longer one), STREAM stdout or stderr.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Where the last n full lines start (0: from the beginning; n < 0: all). */
size_t k8s_log_tail_start(const char *buf, size_t len, long n);
/*
 * Print the complete lines of buf from off: stdout text to out, stderr text
 * to errf (NULL: not printed), with their times when ts. Returns the offset after the last
 * complete line (an incomplete one is left for later).
 */
size_t k8s_log_print(FILE *out, FILE *errf, const char *buf, size_t len, size_t off, bool ts);
