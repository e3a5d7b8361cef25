/* The static pea-storage's hand-over to its dynamic twin (twin.h). */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "storage/twin.h"

#ifndef PEA_LIBEXECDIR
#define PEA_LIBEXECDIR "/usr/local/libexec"
#endif

/* the commands that load libarchive, libzstd, ISA-L or libcrypto (lib/dl.h) */
static const char *const twin_commands[][2] = {
	{ "layer", "apply" },	 { "layer", "create" }, { "layer", "diff" },
	{ "container", "diff" }, { "image", "create" },
};

static bool needs_twin(int argc, char **argv, int first)
{
	if (first + 1 >= argc)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(twin_commands); i++)
		if (!strcmp(argv[first], twin_commands[i][0]) &&
		    !strcmp(argv[first + 1], twin_commands[i][1]))
			return true;
	return false;
}

/* beside this binary as installed (BINDIR/../libexec/pea) or built (BUILD/bin), else LIBEXECDIR */
static char *twin_path(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash, *p;

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			p = xasprintf("%s/../libexec/pea/" STORAGE_TWIN_NAME, self);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	return xstrdup(PEA_LIBEXECDIR "/pea/" STORAGE_TWIN_NAME);
}

static char **command_argv;

static int exec_twin(char **argv, const char *what, struct pea_error **err)
{
	_cleanup_free_ char *path = twin_path();

	execv(path, argv);
	return pea_error_errno(err, "%s: exec '%s'", what, path);
}

int storage_twin_exec(int argc, char **argv, int first, struct pea_error **err)
{
	_cleanup_free_ char *what = NULL;

	command_argv = argv;
	if (!needs_twin(argc, argv, first))
		return 0;
	what = xasprintf("%s %s", argv[first], argv[first + 1]);
	return exec_twin(argv, what, err);
}

int storage_twin_handoff(struct pea_error **err)
{
	if (!command_argv)
		return 0;
	log_debug("verifying layers of another boot: handing over to %s", STORAGE_TWIN_NAME);
	return exec_twin(command_argv, "verifying layers of another boot", err);
}

#ifndef PEA_TWIN_LIBC_DL
/*
 * The static binary's dlopen, dlsym, dlclose and dlerror (the link's --wrap):
 * libc.a's dlopen would load a second libc.so beside the linked-in one, which
 * must be the very glibc the binary was built with (the link warns). The
 * commands that load a library go to the twin above; one that reaches here
 * anyway is a bug of needs_twin's table, said in one line. A sanitizer build
 * links pea-storage dynamically without the wrap (-DPEA_TWIN_LIBC_DL).
 */
void *__wrap_dlopen(const char *file, int mode);
void *__wrap_dlsym(void *handle, const char *name);
int __wrap_dlclose(void *handle);
char *__wrap_dlerror(void);

void *__wrap_dlopen(const char *file, int mode)
{
	(void)mode;
	log_error("internal error: the static pea-storage cannot load %s: this command "
		  "belongs to %s (storage/twin.c)",
		  file ? file : "(self)", STORAGE_TWIN_NAME);
	exit(EXIT_FAILURE);
}

void *__wrap_dlsym(void *handle, const char *name)
{
	(void)handle;
	(void)name;
	return NULL;
}

int __wrap_dlclose(void *handle)
{
	(void)handle;
	return 0;
}

char *__wrap_dlerror(void)
{
	return NULL;
}
#endif
