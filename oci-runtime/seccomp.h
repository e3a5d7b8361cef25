#pragma once

/*
 * linux.seccomp: parsed strictly (spec_seccomp_parse), compiled to BPF by
 * libseccomp in the parent before the clone (seccomp_compile), loaded by
 * the container's process as its last step before execve (seccomp_apply).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct pea_error;

struct spec_seccomp_arg {
	unsigned index;
	uint64_t value, value_two;
	int op; /* enum scmp_compare */
};

struct spec_seccomp_syscall {
	char **names;
	uint32_t action; /* SCMP_ACT_* (with the errno for ERRNO/TRACE) */
	struct spec_seccomp_arg *args;
	size_t n_args;
};

struct spec_seccomp {
	uint32_t default_action;
	char **archs;	     /* libseccomp names ("x86_64") */
	unsigned flags;	     /* SECCOMP_FILTER_FLAG_* */
	char *listener_path; /* SCMP_ACT_NOTIFY: where the listener fd goes */
	char *listener_metadata;
	bool notify;
	struct spec_seccomp_syscall *syscalls;
	size_t n_syscalls;
	char *source; /* linux.seccomp as config.json has it: the compile cache's key */
};

int spec_seccomp_parse(struct json_object *o, struct spec_seccomp **ret, struct pea_error **err);
struct spec_seccomp *spec_seccomp_free(struct spec_seccomp *s);

/*
 * The profile lets each of names (NULL-terminated) through whatever its
 * arguments: no rule gives it another action than SCMP_ACT_ALLOW or LOG, and
 * a rule allows it unconditionally or the default action does.
 */
bool seccomp_allows(const struct spec_seccomp *s, const char *const *names);

/* The compiled filter: a BPF program and the flags to load it with. */
struct seccomp_filter;

/*
 * Compile s, or take the program compiled earlier for the same s from the
 * cache in cache_dirfd's .seccomp-cache folder (-1: no cache).
 */
int seccomp_compile(const struct spec_seccomp *s, int cache_dirfd, struct seccomp_filter **ret,
		    struct pea_error **err);
/*
 * The program compiled earlier for linux.seccomp's text source (as
 * config.json has it) from ROOT/.seccomp-cache, with the flags it was
 * compiled with: 1, or 0 when there is none (source is then parsed and
 * compiled: spec_seccomp_materialize, seccomp_compile).
 */
int seccomp_cached(const char *root, const char *source, struct seccomp_filter **ret);
/* What the init and pea-runtime-dmz call once the filter is loaded (NULL-terminated). */
extern const char *const seccomp_dmz_calls[];
/* The filter lets seccomp_dmz_calls through whatever their arguments, and has no listener. */
bool seccomp_filter_allows_dmz(const struct seccomp_filter *f);
/* Load it; with a listener, returns its fd (>= 0), else 0. */
int seccomp_apply(const struct seccomp_filter *f, struct pea_error **err);
void seccomp_filter_free(struct seccomp_filter *f);
/* Connect to listenerPath's socket (the seccomp agent). */
int seccomp_agent_connect(const char *path, int *ret_fd, struct pea_error **err);
/*
 * Send the listener fd to listenerPath's socket as the runtime-spec says:
 * the containerProcessState JSON ({"ociVersion","fds":["seccompFd"],"pid",
 * "metadata","state"}) with the fd as SCM_RIGHTS. "pid" is the process the
 * filter belongs to, as the runtime sees it: pid when > 0 (an exec'd
 * process), else the state's (the container's init).
 */
int seccomp_send_listener(int sock, int fd, pid_t pid, const char *state_json, const char *metadata,
			  struct pea_error **err);

/* For `features`: the names pea-runtime knows. */
extern const char *const seccomp_action_names[];
extern const char *const seccomp_operator_names[];
extern const char *const seccomp_flag_names[];
