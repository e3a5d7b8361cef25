/*
 * pea __complete / __completeNoDesc: cobra's completion protocol, as podman's
 * shell completion scripts call it. ARGS... ends with the word being completed;
 * the reply is a completion a line, then ":DIRECTIVE" (cobra's bits), and on
 * standard error "Completion ended with directive: ...". Completed so far: the
 * command names, paths inside an image (create, run: the words after the
 * image) and cp's CONTAINER:PATH.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/frontend.h"

/* cobra's ShellCompDirective bits */
enum {
	DIR_ERROR = 1,
	DIR_NO_SPACE = 2,
	DIR_NO_FILE_COMP = 4,
};

static const char *const command_names[] = {
	"attach",  "build",   "commit",	  "container", "cp",	 "create", "diff",    "events",
	"exec",	   "export",  "generate", "history",   "image",	 "images", "import",  "info",
	"inspect", "kill",    "kube",	  "load",      "login",	 "logout", "logs",    "manifest",
	"mount",   "network", "pause",	  "play",      "pod",	 "port",   "ps",      "pull",
	"push",	   "rename",  "restart",  "rm",	       "rmi",	 "run",	   "save",    "search",
	"start",   "stats",   "stop",	  "system",    "tag",	 "top",	   "unmount", "unpause",
	"unshare", "untag",   "update",	  "version",   "volume", "wait",
};

static void finish(char *const *words, unsigned directive)
{
	static const char *const names[] = { "ShellCompDirectiveError", "ShellCompDirectiveNoSpace",
					     "ShellCompDirectiveNoFileComp" };
	bool first = true;

	for (size_t i = 0; words && words[i]; i++)
		printf("%s\n", words[i]);
	printf(":%u\n", directive);
	fflush(stdout);
	fputs("Completion ended with directive: ", stderr);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (directive & (1u << i)) {
			fprintf(stderr, "%s%s", first ? "" : ", ", names[i]);
			first = false;
		}
	fprintf(stderr, "%s\n", first ? "ShellCompDirectiveDefault" : "");
}

/*
 * podman's path completion inside a root: WORD names a folder (with or without
 * its '/'): its entries; else the entries of its folder starting with its last
 * part. Folders end in '/'; an empty folder is itself. Each is prefixed with
 * prefix (cp's "CONTAINER:"). Paths are resolved inside root (symlinks and ".."
 * cannot leave it).
 */
static unsigned path_words(int rootfd, const char *prefix, const char *word, char ***ret)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int fd = -1;
	_cleanup_closedir_ DIR *d = NULL;
	const char *base, *slash;
	struct dirent *e;
	struct stat st;
	size_t n = 0;

	if (!*word)
		word = "/";
	if (pea_open_in_root(rootfd, word, O_RDONLY | O_DIRECTORY, 0, &fd, NULL) == 0 &&
	    word[strlen(word) - 1] != '/') {
		dir = xasprintf("%s/", word);
		base = "";
	} else {
		slash = strrchr(word, '/');
		dir = slash ? xstrndup(word, (size_t)(slash - word + 1)) : xstrdup("");
		base = slash ? slash + 1 : word;
		if (fd >= 0)
			close(TAKE_FD(fd));
		if (pea_open_in_root(rootfd, *dir ? dir : ".", O_RDONLY | O_DIRECTORY, 0, &fd,
				     NULL) < 0)
			return 0;
	}
	if (fstat(fd, &st) < 0 || !(d = fdopendir(fd)))
		return 0;
	TAKE_FD(fd);
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strncmp(e->d_name, base, strlen(base)) != 0)
			continue;
		pea_strv_push_take(ret, xasprintf("%s%s%s%s", prefix, dir, e->d_name,
						  e->d_type == DT_DIR ? "/" : ""));
		n++;
	}
	if (n == 0 && !*base && *dir) {
		pea_strv_push_take(ret, xasprintf("%s%s", prefix, dir));
		n++;
	}
	if (n == 0 || (n == 1 && (*ret)[0][strlen((*ret)[0]) - 1] != '/'))
		return 0;
	return DIR_NO_SPACE;
}

/*
 * Mount an image (image: true) or a container, complete in it, unmount. NAME is
 * the user's word: never taken for an option (--all would unmount everything).
 */
static unsigned words_in(struct global_options *g, bool image, const char *name, const char *prefix,
			 const char *word, char ***ret)
{
	char *mount[] = { image ? "image" : "mount", image ? "mount" : "--",
			  image ? "--" : (char *)name, image ? (char *)name : NULL, NULL };
	char *unmount[] = { image ? "image" : "unmount", image ? "unmount" : "--",
			    image ? "--" : (char *)name, image ? (char *)name : NULL, NULL };
	_cleanup_free_ char *mp = NULL;
	_cleanup_close_ int rootfd = -1;
	unsigned directive = 0;

	if (!*name || name[0] == '-')
		return 0;
	if (frontend_run_self_capture(g, mount, &mp, NULL) < 0)
		return 0;
	rootfd = open(mp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd >= 0)
		directive = path_words(rootfd, prefix, word, ret);
	/* nothing of ours open in the mount while it is taken down */
	if (rootfd >= 0)
		close(TAKE_FD(rootfd));
	(void)frontend_run_self_capture(g, unmount, NULL, NULL);
	return directive;
}

/* cp SRC DEST: CONTAINER:PATH inside the container, else the containers' names. */
static unsigned complete_cp(struct global_options *g, int nargs, const char *word, char ***ret)
{
	char *ps[] = { "ps", "-a", "--format", "{{.Names}}", NULL };
	_cleanup_free_ char *out = NULL, *name = NULL;
	_cleanup_strv_ char **names = NULL;
	const char *colon = strchr(word, ':');
	bool match = false;

	if (nargs >= 2)
		return DIR_NO_FILE_COMP;
	if (colon) {
		_cleanup_free_ char *prefix = xstrndup(word, (size_t)(colon - word + 1));
		name = xstrndup(word, (size_t)(colon - word));
		return words_in(g, false, name, prefix, colon + 1, ret);
	}
	if (frontend_run_self_capture(g, ps, &out, NULL) < 0)
		return 0;
	names = pea_strv_split(out, "\n");
	for (size_t i = 0; names && names[i]; i++)
		if (*names[i] && strncmp(names[i], word, strlen(word)) == 0)
			match = true;
	if (!match)
		return 0; /* the shell's own completion: a path on the host */
	for (size_t i = 0; names[i]; i++)
		if (*names[i])
			pea_strv_push_take(ret, xasprintf("%s:", names[i]));
	return DIR_NO_SPACE;
}

/* create/run [OPTIONS] IMAGE [COMMAND...]: after the image, paths inside it. */
static unsigned complete_create(struct global_options *g, int nargs, char **args, const char *word,
				char ***ret)
{
	for (int i = 0; i < nargs; i++) {
		if (strcmp(args[i], "--") == 0) {
			if (i + 1 < nargs)
				return words_in(g, true, args[i + 1], "", word, ret);
			break;
		}
		/* options: --x=v and switches (the value of "--x v" is taken for the image) */
		if (args[i][0] == '-')
			continue;
		return words_in(g, true, args[i], "", word, ret);
	}
	return 0;
}

int cmd_complete(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_strv_ char **words = NULL;
	unsigned directive = 0;
	const char *word;
	int first = 1;

	if (argc < 2) {
		finish(NULL, DIR_ERROR);
		return 0;
	}
	word = argv[argc - 1];
	/* "container create", "container run", "container cp" are the same */
	if (argc > 2 && strcmp(argv[1], "container") == 0)
		first = 2;
	if (argc - 1 == 1) {
		for (size_t i = 0; i < ARRAY_SIZE(command_names); i++)
			if (strncmp(command_names[i], word, strlen(word)) == 0)
				pea_strv_push(&words, command_names[i]);
		directive = DIR_NO_FILE_COMP;
	} else if (strcmp(argv[first], "cp") == 0) {
		directive = complete_cp(g, argc - first - 2, word, &words);
	} else if (strcmp(argv[first], "create") == 0 || strcmp(argv[first], "run") == 0) {
		directive = complete_create(g, argc - first - 2, argv + first + 1, word, &words);
	}
	finish(words, directive);
	return 0;
}
