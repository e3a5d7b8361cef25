/*
 * pea __complete / __completeNoDesc: cobra's completion protocol, as podman's
 * shell completion scripts call it. ARGS... ends with the word being completed;
 * the reply is a completion a line, then ":DIRECTIVE" (cobra's bits), and on
 * standard error "Completion ended with directive: ...". Everything is read from
 * the commands' help (pea CMD... --help): the path through "Available Commands:",
 * the flags of "Options:", the --format fields ({{.X}}) it names, and each operand
 * by its name in the synopsis (CONTAINER, POD, IMAGE, NETWORK, VOLUME, SECRET,
 * REGISTRY: the names there are; a PATH or FILE: the shell's). cp's CONTAINER:PATH
 * and the paths inside the image of create and run have their own.
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

/* The help of pea PATH... (its --help, run as a child): NULL when it fails. */
static char *help_of(struct global_options *g, char *const *path, int n)
{
	_cleanup_free_ char **args = xnew(char *, (size_t)n + 2);
	char *out = NULL;

	for (int i = 0; i < n; i++)
		args[i] = path[i];
	args[n] = (char *)"--help";
	if (frontend_run_self_capture(g, args, &out, NULL) < 0)
		return NULL;
	return out;
}

/* The lines of a help section ("Available Commands:", "Options:"), up to a blank line. */
static char **help_section(const char *help, const char *title)
{
	const char *s = strstr(help, title);
	char **lines = NULL;

	if (!s || (s != help && s[-1] != '\n'))
		return NULL;
	s += strcspn(s, "\n");
	while (*s == '\n' && s[1] && s[1] != '\n') {
		size_t len = strcspn(s + 1, "\n");
		pea_strv_push_take(&lines, xstrndup(s + 1, len));
		s += 1 + len;
	}
	return lines;
}

/* The names of a help's sub-commands starting with word. */
static void sub_commands(const char *help, const char *word, char ***ret)
{
	_cleanup_strv_ char **lines = help_section(help, "Available Commands:");

	for (size_t i = 0; lines && lines[i]; i++) {
		const char *name = lines[i] + strspn(lines[i], " ");
		size_t len = strcspn(name, " ");
		if (len && strncmp(name, word, strlen(word)) == 0)
			pea_strv_push_take(ret, xstrndup(name, len));
	}
}

/*
 * The flags of a help's "Options:" starting with word ("--all", and "-a" when word is
 * a single "-"); ret_value: whether the flag word names takes a value ("--name=VALUE").
 */
static void help_flags(const char *help, const char *word, char ***ret, bool *ret_value)
{
	_cleanup_strv_ char **lines = help_section(help, "Options:");

	for (size_t i = 0; lines && lines[i]; i++) {
		const char *s = lines[i] + strspn(lines[i], " ");
		while (*s == '-') {
			size_t len = strcspn(s, "=[ ,");
			_cleanup_free_ char *flag = xstrndup(s, len);
			if (ret_value && strcmp(flag, word) == 0 && s[len] == '=')
				*ret_value = true;
			if (ret && strncmp(flag, word, strlen(word)) == 0 &&
			    (flag[1] == '-' || strcmp(word, "-") == 0))
				pea_strv_push(ret, flag);
			s += len;
			s += strcspn(s, ", ");
			if (strncmp(s, ", -", 3) != 0)
				break;
			s += 2;
		}
	}
}

/*
 * The Go template fields a help names ({{.ID}}, {{.Names}}) starting with word; not the
 * ones of its Examples: section (a whole template there may name fields of nested objects).
 */
static unsigned format_fields(const char *help, const char *word, char ***ret)
{
	const char *ex = strstr(help, "\nExamples:\n"),
		   *ex_end = ex ? strstr(ex + 1, "\n\n") : NULL;

	for (const char *s = strstr(help, "{{."); s; s = strstr(s + 3, "{{.")) {
		size_t len =
			3 + strspn(s + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.");
		_cleanup_free_ char *f = NULL;
		if (len == 3 || strncmp(s + len, "}}", 2) != 0 ||
		    (ex && s > ex && (!ex_end || s < ex_end)))
			continue;
		f = xasprintf("%.*s}}", (int)len, s);
		if (strncmp(f, word, strlen(word)) == 0 && !pea_strv_contains(*ret, f))
			pea_strv_push(ret, f);
	}
	return DIR_NO_SPACE | DIR_NO_FILE_COMP;
}

/* The lines of pea ARGS... starting with word, each passed through fix (when not NULL). */
static void names_of(struct global_options *g, char *const *args, const char *word, char ***ret)
{
	_cleanup_free_ char *out = NULL;
	_cleanup_strv_ char **v = NULL;

	if (frontend_run_self_capture(g, args, &out, NULL) < 0)
		return;
	v = pea_strv_split(out, "\n");
	for (size_t i = 0; v && v[i]; i++)
		if (*v[i] && strncmp(v[i], word, strlen(word)) == 0 &&
		    !pea_strv_contains(*ret, v[i]))
			pea_strv_push(ret, v[i]);
}

/* Images as podman completes them: localhost/name:tag, then name:tag and ids once typed. */
static void image_names(struct global_options *g, const char *word, char ***ret)
{
	char *list[] = { "images", "--format", "{{.Repository}}:{{.Tag}}\n{{.ID}}", NULL };
	_cleanup_free_ char *out = NULL;
	_cleanup_strv_ char **v = NULL;

	if (frontend_run_self_capture(g, list, &out, NULL) < 0)
		return;
	v = pea_strv_split(out, "\n");
	for (size_t i = 0; v && v[i]; i++) {
		const char *slash = strchr(v[i], '/');
		if (strcmp(v[i], "<none>:<none>") == 0)
			continue;
		if (strncmp(v[i], word, strlen(word)) == 0 && (*word || strchr(v[i], ':')))
			pea_strv_push(ret, v[i]);
		if (*word && slash && strncmp(slash + 1, word, strlen(word)) == 0)
			pea_strv_push(ret, slash + 1);
	}
}

/*
 * The completion of an operand from its name in the synopsis (CONTAINER, POD, IMAGE,
 * NETWORK, VOLUME, SECRET, REGISTRY: their names; a PATH, FILE, CONTEXT, COMMAND, ARG or
 * URI: the shell's own), as podman's completion functions.
 */
static unsigned complete_operand(struct global_options *g, const char *token, const char *word,
				 char ***ret)
{
	static const struct {
		const char *key;
		char *args[6];
	} lists[] = {
		{ "CONTAINER", { "ps", "-a", "--format", "{{.Names}}", NULL } },
		{ "POD", { "pod", "ps", "--format", "{{.Name}}", NULL } },
		{ "NETWORK", { "network", "ls", "--format", "{{.Name}}", NULL } },
		{ "VOLUME", { "volume", "ls", "--format", "{{.Name}}", NULL } },
		{ "SECRET", { "secret", "ls", "--format", "{{.Name}}", NULL } },
	};
	char *registries[] = { "info", "--format", "{{json .Registries.search}}", NULL };
	static const char *const paths[] = {
		"PATH", "CONTEXT", "FILE", "COMMAND", "ARG...", "URI"
	};
	bool named = false;

	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		if (strstr(token, lists[i].key)) {
			names_of(g, lists[i].args, word, ret);
			named = true;
		}
	if (strstr(token, "REGISTRY")) {
		/* ["docker.io","quay.io"]: the unqualified-search registries */
		_cleanup_free_ char *out = NULL;
		_cleanup_strv_ char **v = NULL;
		if (frontend_run_self_capture(g, registries, &out, NULL) == 0)
			v = pea_strv_split(out, "[\",] \n");
		for (size_t i = 0; v && v[i]; i++)
			if (strncmp(v[i], word, strlen(word)) == 0)
				pea_strv_push(ret, v[i]);
		named = true;
	}
	if (strstr(token, "IMAGE")) {
		image_names(g, word, ret);
		named = true;
	}
	if (named)
		return DIR_NO_FILE_COMP;
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		if (strstr(token, paths[i]))
			return 0;
	return DIR_NO_FILE_COMP;
}

/* The operand tokens of a help's synopsis ("Usage:" line after the path and [options]). */
static char **synopsis_tokens(const char *help, int npath)
{
	_cleanup_strv_ char **lines = help_section(help, "Usage:");
	char **words = NULL, **ret = NULL;

	if (!lines || !lines[0])
		return NULL;
	/* the operands have no spaces inside their brackets but "[COMMAND [ARG...]]" */
	words = pea_strv_split(lines[0], " ");
	for (size_t i = (size_t)npath + 1; words && words[i]; i++) {
		if (strcmp(words[i], "[options]") == 0)
			continue;
		if (ret && strchr(words[i - 1], '[') && !strchr(words[i - 1], ']') &&
		    words[i - 1][0] == '[') {
			char *last = ret[pea_strv_length(ret) - 1];
			ret[pea_strv_length(ret) - 1] = xasprintf("%s %s", last, words[i]);
			free(last);
			continue;
		}
		pea_strv_push(&ret, words[i]);
	}
	pea_strv_free(words);
	return ret;
}

/* Flags, operands by their synopsis and --format fields of the command at path. */
static unsigned complete_command(struct global_options *g, const char *help, int npath, char **args,
				 int nargs, const char *word, char ***ret)
{
	_cleanup_strv_ char **tokens = NULL;
	const char *prev = nargs > 0 ? args[nargs - 1] : "";
	size_t ntok, k = 0;

	if (strcmp(prev, "--format") == 0 || strncmp(word, "--format=", 9) == 0)
		return strncmp(word, "--format=", 9) == 0 ? 0 : format_fields(help, word, ret);
	if (word[0] == '-') {
		help_flags(help, word, ret, NULL);
		return DIR_NO_FILE_COMP;
	}
	if (prev[0] == '-' && !strchr(prev, '=')) {
		bool value = false;
		help_flags(help, prev, NULL, &value);
		if (value)
			return 0; /* a flag's value: the shell's own completion */
	}
	if (strstr(help, "\nAvailable Commands:\n")) {
		sub_commands(help, word, ret);
		return DIR_NO_FILE_COMP;
	}
	/* the operands typed so far: not the flags, nor the value of a "--flag VALUE" */
	for (int i = 0; i < nargs; i++) {
		bool value = false;
		if (args[i][0] != '-') {
			k++;
			continue;
		}
		if (!strchr(args[i], '='))
			help_flags(help, args[i], NULL, &value);
		if (value)
			i++;
	}
	tokens = synopsis_tokens(help, npath);
	ntok = pea_strv_length(tokens);
	if (ntok == 0)
		return DIR_NO_FILE_COMP;
	if (k >= ntok) {
		if (!strstr(tokens[ntok - 1], "..."))
			return DIR_NO_FILE_COMP;
		k = ntok - 1;
	}
	return complete_operand(g, tokens[k], word, ret);
}

int cmd_complete(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_strv_ char **words = NULL;
	_cleanup_free_ char *help = NULL;
	unsigned directive = 0;
	const char *word, *cmd = "";
	int first = 1, npath = 0;

	if (argc < 2) {
		finish(NULL, DIR_ERROR);
		return 0;
	}
	word = argv[argc - 1];
	/* the command's path: each word its group lists under "Available Commands:" */
	help = help_of(g, argv + 1, 0);
	while (help && first + npath < argc - 1) {
		_cleanup_strv_ char **subs = NULL;
		sub_commands(help, argv[first + npath], &subs);
		if (!pea_strv_contains(subs, argv[first + npath]))
			break;
		npath++;
		free(help);
		help = help_of(g, argv + first, npath);
	}
	if (!help) {
		finish(NULL, DIR_NO_FILE_COMP);
		return 0;
	}
	/* cp, create and run (or container cp, create, run) have their own */
	if (npath == 2 && strcmp(argv[first], "container") == 0)
		cmd = argv[first + 1];
	else if (npath == 1)
		cmd = argv[first];
	/* a flag, unless it is a name typed before ':' (never taken for an option) */
	if (strcmp(cmd, "cp") == 0 && (word[0] != '-' || strchr(word, ':')))
		directive = complete_cp(g, argc - first - npath - 1, word, &words);
	else if (argc - first - npath > 1 && word[0] != '-' &&
		 (strcmp(cmd, "create") == 0 || strcmp(cmd, "run") == 0))
		directive = complete_create(g, argc - first - npath - 1, argv + first + npath, word,
					    &words);
	else if (strcmp(cmd, "inspect") == 0 && npath == 1 && argc - first - npath > 1 &&
		 strcmp(argv[argc - 2], "--format") == 0)
		directive =
			DIR_NO_SPACE | DIR_NO_FILE_COMP; /* podman's: the type is the operand's */
	else
		directive = complete_command(g, help, npath, argv + first + npath,
					     argc - first - npath - 1, word, &words);
	finish(words, directive);
	return 0;
}
