/* pea-overlayfs: -o parsing, validation, id mappings, the FUSE option string. */
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "overlayfs/idmap.h"
#include "overlayfs/options.h"
#include "tests/unit/tap.h"

/* Parse s into fresh options; returns the error message or NULL. */
static char *parse(const char *s, struct ovl_options *o)
{
	struct pea_error *err = NULL;
	char *msg = NULL;

	ovl_options_init(o);
	if (ovl_options_parse_opts(o, s, &err) < 0) {
		msg = strdup(err->message);
		pea_error_free(err);
	}
	return msg;
}

static void test_layers(void)
{
	struct ovl_options o;
	_cleanup_free_ char *msg = parse("lowerdir=/a:/b\\,c:/d,upperdir=/u,workdir=/w", &o);
	_cleanup_free_ char *joined = NULL;

	tap_ok(msg == NULL, "layers parse");
	joined = pea_strv_join(o.lowerdirs, "|");
	tap_is_str(joined, "/a|/b,c|/d", "lowerdirs split on ':', '\\,' keeps a comma");
	tap_is_str(o.upperdir, "/u", "upperdir");
	tap_is_str(o.workdir, "/w", "workdir");
	ovl_options_free(&o);
}

static void test_flags(void)
{
	struct ovl_options o;
	_cleanup_free_ char *msg =
		parse("lowerdir=/l,squash_to_root,static_nlink,noxattrs=1,fsync=0,"
		      "threaded=0,timeout=2.5,squash_to_uid=7,allow_other,xino=off",
		      &o);

	tap_ok(msg == NULL, "fuse-overlayfs's switches parse");
	tap_ok(o.squash_to_root && o.static_nlink && o.noxattrs && !o.fsync && !o.threaded,
	       "switches set");
	tap_ok(o.timeout > 2.4 && o.timeout < 2.6, "timeout");
	tap_ok(o.squash_uid == 7 && o.squash_gid == -1, "squash_to_uid only");
	tap_ok(pea_strv_contains(o.fuse_opts, "allow_other"), "allow_other goes to libfuse");
	ovl_options_free(&o);
}

static void test_fsync(void)
{
	struct ovl_options o;
	_cleanup_free_ char *m1 = NULL;
	_cleanup_free_ char *m2 = NULL;
	_cleanup_free_ char *m3 = NULL;

	m1 = parse("lowerdir=/l", &o);
	tap_ok(m1 == NULL && o.fsync && !o.fsync_copy_up,
	       "default: fsync(2) honoured, copy-up not synced (fuse-overlayfs)");
	ovl_options_free(&o);
	m2 = parse("lowerdir=/l,fsync=1", &o);
	tap_ok(m2 == NULL && o.fsync && o.fsync_copy_up, "fsync=1: copy-up synced too");
	ovl_options_free(&o);
	m3 = parse("lowerdir=/l,fsync=1,volatile", &o);
	tap_ok(m3 == NULL && !o.fsync && !o.fsync_copy_up, "volatile: nothing synced");
	ovl_options_free(&o);
}

static void test_errors(void)
{
	static const struct {
		const char *in, *msg;
	} cases[] = {
		{ "bogus", "unknown option 'bogus'" },
		{ "lowerdir=", "invalid lowerdir '': empty directory" },
		{ "=x", "invalid option '=x': no name" },
		{ "uidmapping=0:0", "invalid uidmapping '0:0': expected triples FROM:TO:LENGTH" },
		{ "gidmapping=0::1", "invalid gidmapping '0::1': empty field" },
		{ "uidmapping=-1:0:1", "invalid uidmapping '-1:0:1': '-1:0:1' is not three ids" },
		{ "uidmapping=1:4294967295:2",
		  "invalid uidmapping '1:4294967295:2': range 1 goes past 2^32" },
		{ "threaded=3", "invalid value '3' for option 'threaded'" },
		{ "timeout=nan", "invalid value 'nan' for option 'timeout'" },
		{ "fsname=", "option 'fsname' needs a value" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ovl_options o;
		_cleanup_free_ char *msg = parse(cases[i].in, &o);

		tap_is_str(msg ? msg : "(accepted)", cases[i].msg, "'%s' refused", cases[i].in);
		ovl_options_free(&o);
	}
}

static void test_validate(void)
{
	struct ovl_options o;
	struct pea_error *err = NULL;
	_cleanup_free_ char *msg = parse("upperdir=/u,workdir=/w", &o);

	tap_ok(ovl_options_validate(&o, &err) < 0 && strstr(err->message, "no lowerdir"),
	       "lowerdir is required");
	err = pea_error_free(err);
	ovl_options_free(&o);
}

static void test_idmap(void)
{
	struct ovl_idmap m = { 0 };
	struct pea_error *err = NULL;

	tap_ok(ovl_idmap_parse("0:100000:1:1:200000:65535", "uidmapping", &m, &err) == 0,
	       "two ranges parse");
	tap_ok(ovl_idmap_to_mount(&m, 0, 65534) == 100000, "disk 0 shows as 100000");
	tap_ok(ovl_idmap_to_mount(&m, 5, 65534) == 200004, "second range");
	tap_ok(ovl_idmap_to_mount(&m, 70000, 65534) == 65534, "outside: overflow");
	tap_ok(ovl_idmap_to_disk(&m, 200004, 65534) == 5, "written back unmapped");
	tap_ok(ovl_idmap_to_disk(&m, 0, 65534) == 65534, "unmapped caller: overflow");
	ovl_idmap_clear(&m);
	tap_ok(ovl_idmap_to_mount(&m, 42, 65534) == 42, "no ranges: identity");
}

static void test_fuse_string(void)
{
	struct ovl_options o;
	_cleanup_free_ char *msg = parse("lowerdir=/l,fsname=a\\,b,nodev", &o);
	_cleanup_free_ char *s = ovl_options_fuse_string(&o);

	tap_ok(strstr(s, "default_permissions") != NULL, "default_permissions always");
	tap_ok(strstr(s, ",ro") != NULL, "read-only without upperdir");
	tap_ok(strstr(s, "fsname=a\\,b") != NULL && strstr(s, ",nodev") != NULL,
	       "user options passed on, commas escaped");
	ovl_options_free(&o);
}

int main(void)
{
	tap_plan(4 + 5 + 3 + 10 + 1 + 7 + 3);
	test_layers();
	test_flags();
	test_fsync();
	test_errors();
	test_validate();
	test_idmap();
	test_fuse_string();
	return tap_done();
}
