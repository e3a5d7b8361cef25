#pragma once

/* Spawning programs, waiting on them through pidfds, decoding exit status. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pea_error;

/*
 * One fd of the parent made fd `child` in the child (dup2 before execve).
 * Numbers may overlap freely ({3,4} and {4,3} swap). parent -1 closes `child`.
 */
struct pea_fd_map {
	int parent;
	int child;
};

struct pea_spawn {
	char *const *argv; /* argv[0] is looked up in PATH when it has no '/' */
	char *const *envp; /* NULL: inherit environ */
	const char *cwd;   /* NULL: inherit */
	/* stdio included: map 0,1,2 explicitly or they are inherited */
	const struct pea_fd_map *fds;
	size_t nfds;
	bool new_session;  /* setsid() in the child */
	bool null_stdin;   /* stdin at its end (an empty pipe) unless mapped */
	int pdeath_signal; /* 0: none */
};

/*
 * clone(CLONE_VM | CLONE_VFORK)+execve, as posix_spawn, with every other fd closed in the child
 * (fds 0-2 are inherited unless mapped), signal mask emptied and dispositions reset to default.
 * Errors in the child before execve (chdir, execve itself) come back to the
 * parent as this call's error, with the child's reason ("execve 'nosuch': No
 * such file or directory"); that child is already reaped. Returns the pid,
 * and a pidfd (O_CLOEXEC) in *ret_pidfd when not NULL.
 */
int pea_spawn(const struct pea_spawn *s, pid_t *ret_pid, int *ret_pidfd, struct pea_error **err);

/*
 * The read end (O_CLOEXEC) of a pipe whose write end is closed: it reads as
 * the end of file, as /dev/null does, without being a device. Given to an OCI
 * runtime in place of /dev/null: crun before 1.24 chowns the stdio it is
 * given to the process's user, and the host's /dev/null changed owner.
 * -1 and errno on failure.
 */
int pea_empty_pipe(void);

/* Whether fd is the null device (1:3): the host's, whoever opened it. */
bool pea_fd_is_null_device(int fd);

/*
 * In a child meant to outlive its parent unwaited (a detached remover): a
 * session of its own (not stopped with the caller's terminal), stdio on
 * /dev/null, every fd from 3 on closed but keep's. Does not allocate.
 */
void pea_detach_self(const int *keep, size_t nkeep);

/*
 * Close fds[0..n-1] (those >= 0; each set to -1) whose last close is slow and
 * independent of the others' (a detached mount's: the sync of the file system
 * under it): in one process such closes queue one after the other, so up to
 * 8 forked processes close them beside each other, each its share first
 * (whichever closes an fd last does its slow part), and this one waits.
 */
void pea_close_parallel(int *fds, size_t n);

/*
 * One message of len bytes with one fd (SCM_RIGHTS) on a unix socket;
 * flags for sendmsg (MSG_NOSIGNAL is added). 0, or -1 and errno.
 */
int pea_send_fd(int sock, const void *msg, size_t len, int fd, int flags);
/*
 * The next message into buf (at most cap bytes) and its fd, O_CLOEXEC (-1
 * when it came without one); flags for recvmsg. Its length, 0 at the end, or
 * -1 and errno: EMSGSIZE for a datagram longer than cap, EPROTO for one with
 * more than one fd (either consumed, its fds closed: the next one can be read).
 */
ssize_t pea_recv_fd(int sock, void *buf, size_t cap, int *ret_fd, int flags);

/* pidfd_open(2); -1 and errno on failure. */
int pea_pidfd_open(pid_t pid, unsigned int flags);
int pea_pidfd_send_signal(int pidfd, int sig);

/*
 * Wait for a child to end (pidfd when >= 0, else pid) and return its raw
 * wait status in *ret_status. timeout_ms < 0 waits forever; a timeout is
 * ETIMEDOUT and leaves the child running.
 */
int pea_wait(pid_t pid, int pidfd, int timeout_ms, int *ret_status, struct pea_error **err);

/*
 * Exit status as a shell reports it: code for a normal exit, 128 + signal
 * for a signal. ret_signal is 0 for a normal exit.
 */
int pea_exit_status(int wait_status);
/* "exited with status 3", "killed by signal 9 (SIGKILL)"; static buffer-free (new string). */
char *pea_describe_wait_status(int wait_status);

/*
 * Run argv (stdin from /dev/null) and wait; non-zero exit becomes an EIO error
 * naming argv[0] and the status ("'ip' exited with status 2").
 */
int pea_run_wait(char *const *argv, struct pea_error **err);

/*
 * Signal names with or without "SIG", any case, and numbers 1-64; < 0 if
 * unknown. Real-time signals as SIGRTMIN (34), SIGRTMIN+n, SIGRTMAX-n,
 * SIGRTMAX (64), like kill -l and podman.
 */
int pea_signal_from_string(const char *s);
const char *pea_signal_name(int sig); /* "SIGKILL", "SIGRTMIN+1", or NULL (0, 32, 33, > 64) */

/*
 * Are we in the initial user namespace (the host's)? Inside a user namespace
 * (rootless pea's, `unshare -Ur`) uid 0 is not the host's root: cgroups are
 * not ours to make, device nodes not ours to create. Read once.
 */
bool pea_in_initial_userns(void);
