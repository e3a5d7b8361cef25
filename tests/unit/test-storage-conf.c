/* storage/config.c: the storage.conf parser and --storage-opt. */
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "storage/config.h"
#include "tests/unit/tap.h"

static int parse(const char *text, struct storage_conf *c, struct pea_error **err)
{
	return storage_conf_parse(text, strlen(text), "t.conf", c, err);
}

/* The error message of parsing text, or "" when it parses. */
static char *parse_error(const char *text)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct storage_conf c = { 0 };
	char *msg;

	msg = strdup(parse(text, &c, &err) < 0 ? err->message : "");
	storage_conf_clear(&c);
	return msg;
}

static void test_good(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct storage_conf c = { 0 };
	const char *text = "# comment\n"
			   "[storage]\r\n"
			   "driver = \"overlay\"\n"
			   "graphroot = \"/var/lib/x\\u00e9\\t\"  # tail\n"
			   "runroot = '/run/\\x'\n"
			   "\"quoted key\" = true\n"
			   "n = -1_000\n"
			   "[storage.options]\n"
			   "additionalimagestores = [ \"a\", [\"nested\"], ]\n"
			   "[ storage . options . overlay ]\n"
			   "mount_program = \"/usr/bin/fuse-overlayfs\"\n"
			   "mountopt = \"nodev,metacopy=on\"\n"
			   "ignore_chown_errors = \"true\"\n"
			   "[storage.options.thinpool]\n"
			   "autoextend_percent = \"20\"\n";

	tap_is_int(parse(text, &c, &err), 0, "a full storage.conf parses");
	tap_is_str(c.driver, "overlay", "driver");
	tap_is_str(c.graphroot, "/var/lib/x\xc3\xa9\t", "basic string escapes");
	tap_is_str(c.runroot, "/run/\\x", "literal strings keep backslashes");
	tap_is_str(c.mount_program, "/usr/bin/fuse-overlayfs", "overlay mount_program");
	tap_is_str(c.mountopt, "nodev,metacopy=on", "mountopt");
	tap_ok(c.ignore_chown_errors, "booleans written as strings");
	storage_conf_clear(&c);

	tap_is_int(parse("[storage]\ndriver = \"\"\n", &c, &err), 0, "an empty driver");
	tap_ok(c.driver == NULL, "an empty driver means the default");
	storage_conf_clear(&c);
	tap_is_int(parse("", &c, &err), 0, "an empty file");

	/* containers-storage.conf's own file has an inline table */
	tap_is_int(parse("[storage.options]\n"
			 "pull_options = {enable_partial_images = \"false\", use_hard_links = "
			 "\"false\"}\n"
			 "mount_program = \"/bin/generic\"\n"
			 "mountopt = '''nodev'''\n"
			 "[storage.options.overlay]\n"
			 "mount_program = \"/bin/overlay\"\n",
			 &c, &err),
		   0, "inline tables and multi-line strings");
	tap_is_str(c.mount_program, "/bin/overlay", "the driver's own option wins");
	tap_is_str(c.mountopt, "nodev", "the generic option applies when the driver has none");
	storage_conf_clear(&c);
}

static void test_bad(void)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "[storage]\ndriver = \"zfs\"\n", "t.conf: 'storage.driver': storage driver 'zfs' "
						   "is not supported (overlay, vfs)" },
		{ "x = \"a\nb\"\n", "t.conf:1: newline in a single-line string" },
		{ "x = 'a", "t.conf:1: unterminated string" },
		{ "x = \"\\u12\"\n", "t.conf:1: invalid unicode escape" },
		{ "x = \"\\ud800\"\n", "t.conf:1: invalid unicode scalar U+D800" },
		{ "x = \"\\u0000\"\n", "t.conf:1: invalid unicode scalar U+0000" },
		{ "x = \"a\x01\"\n", "t.conf:1: control character in a string" },
		{ "a.b = 1\na.b = 2\n", "t.conf:2: duplicate key 'b'" },
		{ "[a]\n[a]\n", "t.conf:2: table 'a' is defined twice" },
		{ "= 1\n", "t.conf:1: expected a key" },
		{ "[]\n", "t.conf:1: expected a key" },
		{ "x = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
		  "t.conf:1: values nested too deep" },
		{ "x = 1.5\n", "t.conf:1: floats and dates are not supported here" },
		{ "x = 99999999999999999999\n", "t.conf:1: integer out of range" },
		{ "x = true false\n", "t.conf:1: expected the end of the line, found 'f'" },
		{ "x = [1,\n2\n# c\n", "t.conf:4: unterminated array" },
		{ "storage = 1\n", "t.conf: 'storage' is not a table" },
		{ "[[storage]]\n", "t.conf: 'storage' is not a table" },
		{ "[storage.options]\noverlay = \"x\"\n",
		  "t.conf: 'storage.options.overlay' is not a table" },
		{ "[storage.options]\nmountopt = [\"a\"]\n",
		  "t.conf: 'storage.options.mountopt' is not a string" },
		{ "[storage.options.overlay]\nmountopt = 1\n",
		  "t.conf: 'storage.options.overlay.mountopt' is not a string" },
		{ "[storage.options.vfs]\nignore_chown_errors = 1\n",
		  "t.conf: 'storage.options.vfs.ignore_chown_errors' is not a boolean (true or "
		  "false)" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *msg = parse_error(cases[i].text);

		tap_ok(!strncmp(msg, cases[i].msg, strlen(cases[i].msg)), "error: %s (got '%s')",
		       cases[i].msg, msg);
	}
	{
		_cleanup_free_ char *msg = NULL;
		_cleanup_error_ struct pea_error *err = NULL;
		struct storage_conf c = { 0 };
		char text[] = "x = 1\0\n";

		tap_ok(storage_conf_parse(text, sizeof(text) - 1, "t.conf", &c, &err) < 0 &&
			       strstr(err->message, "NUL byte"),
		       "a NUL byte is refused");
	}
}

static void test_opts(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct storage_conf c = { 0 };

	tap_is_int(storage_conf_set_opt(&c, "overlay.mount_program=/bin/x", &err), 0,
		   "overlay.mount_program");
	tap_is_str(c.mount_program, "/bin/x", "mount_program set");
	tap_is_int(storage_conf_set_opt(&c, "mount_program=", &err), 0, "empty mount_program");
	tap_ok(c.mount_program == NULL, "empty resets");
	tap_is_int(storage_conf_set_opt(&c, "vfs.ignore_chown_errors=true", &err), 0, "vfs option");
	tap_ok(c.ignore_chown_errors, "ignore_chown_errors set");
	tap_ok(storage_conf_set_opt(&c, "overlay.size=1G", &err) < 0 &&
		       !strcmp(err->message, "unknown storage option 'overlay.size'"),
	       "unknown option");
	storage_conf_clear(&c);
}

int main(void)
{
	tap_plan(43);
	test_good();
	test_bad();
	test_opts();
	return tap_done();
}
