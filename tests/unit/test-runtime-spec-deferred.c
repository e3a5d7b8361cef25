/*
 * oci-runtime/spec.c spec_load_deferred: linux.seccomp's text is split out
 * unparsed where that is safe, parsed as spec_load_config does where it is
 * not (a listener, a key spelled with an escape, an escape in the profile,
 * twice, a comment), and
 * spec_seccomp_materialize gives what spec_load_config gives, errors too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "oci-runtime/seccomp.h"
#include "oci-runtime/spec.h"
#include "tests/unit/tap.h"

#define BASE                                                       \
	"\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}," \
	"\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}"
#define NS "\"namespaces\":[{\"type\":\"mount\"}]"
#define PROFILE                                                                           \
	"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"]," \
	"\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"}]}"

static char dir[] = "/tmp/test-spec-deferred.XXXXXX";

static struct spec *load(const char *doc, bool deferred, char **msg)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *path = NULL;
	struct spec *s = NULL;
	FILE *f;

	if (asprintf(&path, "%s/config.json", dir) < 0 || !(f = fopen(path, "w")))
		return NULL;
	fputs(doc, f);
	fclose(f);
	if ((deferred ? spec_load_deferred(dir, NULL, &s, &err)
		      : spec_load_config(dir, NULL, &s, &err)) < 0 ||
	    (deferred && spec_seccomp_materialize(s, &err) < 0)) {
		if (msg)
			*msg = strdup(err->message);
		spec_free(s);
		return NULL;
	}
	return s;
}

/* Deferred or not: deferred (text kept, nothing parsed), then materialized the same. */
static void check(const char *what, const char *doc, bool want_deferred)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct spec *plain = load(doc, false, NULL), *d = NULL;
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "%s/config.json", dir) < 0 ||
	    spec_load_deferred(dir, NULL, &d, &err) < 0) {
		tap_ok(false, "%s: loads", what);
		tap_skip(1, "no spec");
		spec_free(plain);
		return;
	}
	tap_ok((d->seccomp_text && !d->seccomp) == want_deferred, "%s: %s", what,
	       want_deferred ? "left unparsed" : "parsed at once");
	tap_ok(spec_seccomp_materialize(d, &err) == 0 && plain && plain->seccomp && d->seccomp &&
		       plain->seccomp->n_syscalls == d->seccomp->n_syscalls &&
		       plain->seccomp->default_action == d->seccomp->default_action &&
		       !strcmp(plain->seccomp->syscalls[0].names[1],
			       d->seccomp->syscalls[0].names[1]),
	       "%s: the same profile", what);
	spec_free(plain);
	spec_free(d);
}

int main(void)
{
	char *msg = NULL, *want = NULL;
	struct spec *s;

	tap_plan(2 * 7 + 6);
	if (!mkdtemp(dir))
		tap_skip_all("mkdtemp");
	check("podman's form", "{" BASE ",\"linux\":{" NS ",\"seccomp\":" PROFILE "}}", true);
	check("spaces and other keys",
	      "{ " BASE " , \"linux\" : { " NS
	      ", \"maskedPaths\" : [\"/a{\\\"\"], \"seccomp\" : " PROFILE " , \"x\": 1 } }",
	      true);
	check("a listenerPath",
	      "{" BASE ",\"linux\":{" NS ",\"seccomp\":{\"listenerPath\":\"/l\","
	      "\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\",\"write\"],"
	      "\"action\":\"SCMP_ACT_ALLOW\"}]}}}",
	      false);
	check("an escaped key",
	      "{" BASE ",\"linux\":{" NS ",\"se\\u0063comp\":" PROFILE ",\"seccomp\":" PROFILE "}}",
	      false);
	check("twice",
	      "{" BASE ",\"linux\":{" NS ",\"seccomp\":" PROFILE ",\"seccomp\":" PROFILE "}}",
	      false);
	check("an escape in the profile (another spelling of SCMP_ACT_NOTIFY could hide so)",
	      "{" BASE ",\"linux\":{" NS ",\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
	      "\"syscalls\":[{\"names\":[\"read\",\"write\"],"
	      "\"action\":\"SCMP_ACT_ALLO\\u0057\"}]}}}",
	      false);
	check("linux twice",
	      "{" BASE ",\"linux\":{" NS "},\"linux\":{" NS ",\"seccomp\":" PROFILE "}}", false);
	/* a comment (not JSON: json-c refuses it either way), and errors: the same line */
	free(load("{" BASE ",\"linux\":{" NS ",\"seccomp\":" PROFILE " /* } */ }}", false, &want));
	s = load("{" BASE ",\"linux\":{" NS ",\"seccomp\":" PROFILE " /* } */ }}", true, &msg);
	tap_ok(!s && msg && want && !strcmp(msg, want), "a comment: '%s'", msg ? msg : "");
	free(msg);
	free(want);
	msg = want = NULL;
	free(load("{" BASE ",\"linux\":{" NS ",\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOPE\"}}}",
		  false, &want));
	s = load("{" BASE ",\"linux\":{" NS ",\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOPE\"}}}",
		 true, &msg);
	tap_ok(!s && msg && want && !strcmp(msg, want), "an error: '%s'", msg ? msg : "");
	free(msg);
	free(want);
	msg = want = NULL;
	free(load("{" BASE ",\"linux\":{" NS ",\"seccomp\":{\"defaultAction\":1}}}", false, &want));
	s = load("{" BASE ",\"linux\":{" NS ",\"seccomp\":{\"defaultAction\":1}}}", true, &msg);
	tap_ok(!s && msg && want && !strcmp(msg, want), "a type error: '%s'", msg ? msg : "");
	free(msg);
	free(want);
	/* an error outside the profile: its offset in config.json, not in the text without it */
	free(load("{" BASE ",\"linux\":{" NS ",\"seccomp\":" PROFILE "}} x", false, &want));
	s = load("{" BASE ",\"linux\":{" NS ",\"seccomp\":" PROFILE "}} x", true, &msg);
	tap_ok(!s && msg && want && !strcmp(msg, want) && strstr(msg, "offset"),
	       "an error after the profile: '%s'", msg ? msg : "");
	free(msg);
	free(want);
	msg = want = NULL;
	/* no seccomp, and the key's text kept as written */
	s = load("{" BASE ",\"linux\":{" NS "}}", true, NULL);
	tap_ok(s && !s->seccomp_text && !s->seccomp, "no linux.seccomp: nothing");
	spec_free(s);
	s = load("{" BASE ",\"linux\":{" NS ",\"seccomp\": " PROFILE "}}", true, NULL);
	tap_ok(s && s->seccomp && !strcmp(s->seccomp->source, PROFILE),
	       "materialized: the source is the text as written");
	spec_free(s);
	{
		_cleanup_free_ char *p = NULL;

		if (asprintf(&p, "%s/config.json", dir) >= 0)
			unlink(p);
		rmdir(dir);
	}
	return tap_done();
}
