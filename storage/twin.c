/* The static pea-storage's hand-over to its dynamic twin (twin.h). */
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

/*
 * Beside this binary (SELF, from /proc/self/exe) as installed
 * (BINDIR/../libexec/pea) or built (BUILD/bin), else LIBEXECDIR.
 */
static char *twin_path(char self[static PATH_MAX])
{
	ssize_t n = readlink("/proc/self/exe", self, PATH_MAX - 1);
	char *slash, *p;

	self[n > 0 ? n : 0] = '\0';
	slash = strrchr(self, '/');
	if (slash) {
		*slash = '\0';
		p = xasprintf("%s/../libexec/pea/" STORAGE_TWIN_NAME, self);
		*slash = '/';
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return xstrdup(PEA_LIBEXECDIR "/pea/" STORAGE_TWIN_NAME);
}

/*
 * The twin must be of our build (storage_build_tag, twin.h): a pea-storage
 * copied elsewhere, or one of a newer build beside an older installed twin,
 * would run another store code's layer commands without a word. The tag is
 * looked for in the twin's file (an older twin has none to say); one that
 * cannot be opened is left to the exec to report.
 */
static int twin_same_build(const char *path, const char *self, const char *what,
			   struct pea_error **err)
{
	static const char prefix[] = STORAGE_BUILD_TAG_PREFIX;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	const char *ours = storage_build_tag + strlen(prefix), *hit;
	char theirs[80] = "none (older than build ids)";
	struct stat st;
	void *map;
	bool same;

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0)
		return 0;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return pea_error_errno(err, "%s: read '%s'", what, path);
	/* with its NUL: not a longer tag that starts with ours */
	same = memmem(map, (size_t)st.st_size, storage_build_tag, strlen(storage_build_tag) + 1);
	hit = same ? NULL : memmem(map, (size_t)st.st_size, prefix, sizeof(prefix) - 1);
	if (hit) {
		const char *id = hit + sizeof(prefix) - 1, *end = (const char *)map + st.st_size;

		snprintf(theirs, sizeof(theirs), "%.*s", (int)(end - id < 64 ? end - id : 64), id);
	}
	munmap(map, (size_t)st.st_size);
	if (same)
		return 0;
	return pea_error_new(err, ENOEXEC,
			     "%s: '%s' is build %s, '%s' build %s: install pea-storage and its "
			     "twin from one build",
			     what, path, theirs, self, ours);
}

static char **command_argv;

static int exec_twin(char **argv, const char *what, struct pea_error **err)
{
	char self[PATH_MAX];
	_cleanup_free_ char *path = twin_path(self);

	if (twin_same_build(path, self, what, err) < 0)
		return -1;
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
