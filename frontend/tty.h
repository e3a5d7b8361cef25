#pragma once

/*
 * -t/--tty in the foreground (run, start -a, exec): pea's terminal in raw mode
 * (restored at the end), its size passed on and again on each SIGWINCH, the
 * detach keys (podman's ctrl-p,ctrl-q) watched in the input.
 */

#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

struct pea_error;
struct global_options;

#define TTY_DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"

/* Detach keys as podman writes them ("ctrl-p,ctrl-q", "a,ctrl-[", "" for none) to bytes. */
int tty_parse_detach_keys(const char *s, char **ret, size_t *ret_len, struct pea_error **err);

/* Our stdin in raw mode when it is a terminal; tty_restore() puts it back. */
struct tty_state {
	bool raw;
	struct termios saved;
};
void tty_make_raw(struct tty_state *t);
void tty_restore(struct tty_state *t);

/* Our terminal's size (stdin, else stdout); false when neither is a terminal. */
bool tty_size(unsigned short *ret_rows, unsigned short *ret_cols);

/* Tell the container's monitor our size (its ctl fifo in the bundle: "1 ROWS COLS"). */
void tty_resize_monitor(const struct global_options *g, const char *id);

struct tty_proxy {
	int fd;	      /* the monitor's attach socket, or a terminal's master */
	bool packets; /* fd is the attach socket (output packets carry a stream byte) */
	bool input;   /* copy our stdin to it */
	/* run -a: with packets, a stream not attached is read and dropped */
	bool drop_stdout, drop_stderr;
	const char *keys;
	size_t nkeys;
	/* called on SIGWINCH and for the signals pea forwards (SIGINT, SIGTERM, ...) */
	void (*resize)(void *data);
	void (*signal)(void *data, int sig);
	void *data;
	/*
	 * Without signal: SIGINT, SIGTERM, SIGHUP, SIGQUIT end the copy and the
	 * signal goes to *ret_signal when set; else they keep their default action.
	 */
	int *ret_signal;
	/* stop once this file exists and the output went quiet (NULL: at the end of fd) */
	const char *exit_file;
};

/* Copy until the end of fd's output (or the exit file); *ret_detached: the keys were typed. */
int tty_proxy_run(const struct tty_proxy *p, bool *ret_detached, struct pea_error **err);

/* A new folder for a console socket, short enough for sun_path (TMPDIR or /tmp). */
int tty_console_dir(char **ret, struct pea_error **err);

/*
 * exec -t: listen on sockpath (the runtime's --console-socket, which argv
 * names), run argv, take the terminal the runtime sends there and copy it to
 * and from ours (raw with input, sized, resized) until the process ends or
 * the detach keys (keys_spec, tty_parse_detach_keys()) are typed.
 * *ret_status: the runtime's wait status.
 */
int tty_exec(char *const *argv, const char *sockpath, bool input, const char *keys_spec,
	     int *ret_status, struct pea_error **err);
