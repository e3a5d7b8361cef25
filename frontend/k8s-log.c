/* The k8s-file log format of pea-monitor and conmon (cmd-logs.c). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "frontend/k8s-log.h"

/*
 * One k8s-file line: "TIME STREAM TAG TEXT" with TAG F (full) or P (partial).
 * Prints TEXT on stdout or stderr, with a newline for F.
 */
static void print_entry(FILE *out, FILE *errf, const char *line, size_t len, bool timestamps)
{
	const char *sp1 = memchr(line, ' ', len), *sp2, *sp3, *text;
	bool err_stream, full;
	size_t tlen;

	if (!sp1)
		return;
	sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line));
	if (!sp2)
		return;
	sp3 = memchr(sp2 + 1, ' ', len - (size_t)(sp2 + 1 - line));
	err_stream = (size_t)(sp2 - sp1 - 1) == 6 && strncmp(sp1 + 1, "stderr", 6) == 0;
	full = sp2[1] == 'F';
	text = sp3 ? sp3 + 1 : line + len;
	tlen = (size_t)(line + len - text);
	{
		FILE *f = err_stream ? errf : out;
		if (!f)
			return; /* a stream the caller does not want */
		if (timestamps)
			fprintf(f, "%.*s ", (int)(sp1 - line), line);
		fwrite(text, 1, tlen, f);
		if (full)
			fputc('\n', f);
		fflush(f);
	}
}

/* Offsets of the starts of the last n entries that end a line (F). */
size_t k8s_log_tail_start(const char *buf, size_t len, long n)
{
	size_t pos = len;
	long seen = 0;

	if (n < 0)
		return 0;
	while (pos > 0) {
		size_t end = pos - 1, start;
		/* find the start of the line ending at end */
		start = end;
		while (start > 0 && buf[start - 1] != '\n')
			start--;
		{
			const char *sp1 = memchr(buf + start, ' ', end - start);
			const char *sp2 =
				sp1 ? memchr(sp1 + 1, ' ', end - (size_t)(sp1 + 1 - buf)) : NULL;
			if (sp2 && sp2[1] == 'F') {
				if (seen == n)
					return pos;
				seen++;
			}
		}
		pos = start;
	}
	return 0;
}

size_t k8s_log_print(FILE *out, FILE *errf, const char *buf, size_t len, size_t off, bool ts)
{
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		if (!nl)
			break; /* an incomplete line: later */
		print_entry(out, errf, buf + off, (size_t)(nl - (buf + off)), ts);
		off = (size_t)(nl - buf) + 1;
	}
	return off;
}
