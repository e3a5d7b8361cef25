#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "netsetup/netsetup.h"

#define DNS_FILE_MAX (8u << 20)

/* Replace the second column of the first line (the network's DNS servers). */
static char *with_servers(const char *text, const char *servers)
{
	size_t hl = strcspn(text, "\n");
	size_t ips = strcspn(text, " \n");
	const char *rest = text[hl] ? text + hl + 1 : "";

	if (*servers)
		return xasprintf("%.*s %s\n%s", (int)ips, text, servers, rest);
	return xasprintf("%.*s\n%s", (int)ips, text, rest);
}

int cmd_update(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "network-dns-servers", required_argument, NULL, 's' },
		{ 0 },
	};
	_cleanup_strv_ char **servers = NULL;
	_cleanup_free_ char *dir = NULL, *text = NULL, *joined = NULL, *out = NULL;
	_cleanup_close_ int dirfd = -1;
	bool given = false;
	size_t len = 0;
	int c, r;

	optind = 0; /* glibc: start over, on this argv */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		_cleanup_strv_ char **parts = NULL;
		struct ipnet ip;

		if (c != 's')
			return pea_error_new(err, EINVAL, "update: unknown option '%s'",
					     argv[optind - 1]);
		given = true;
		parts = pea_strv_split(optarg, ",");
		for (size_t i = 0; parts && parts[i]; i++) {
			if (ipnet_parse(parts[i], false, &ip, err) < 0)
				return pea_error_wrap(err, "--network-dns-servers");
			pea_strv_push(&servers, parts[i]);
		}
	}
	if (!given || optind + 1 != argc)
		return pea_error_new(err, EINVAL,
				     "update: usage: update --network-dns-servers IP,... NETWORK");
	if (strchr(argv[optind], '/') || argv[optind][0] == '.')
		return pea_error_new(err, EINVAL, "invalid network name '%s'", argv[optind]);
	dir = xasprintf("%s/aardvark-dns",
			g->config_dir ? g->config_dir : "/run/containers/networks");
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 && errno == ENOENT)
		return 0; /* no DNS for any network: nothing to update, as netavark */
	if (dirfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	r = pea_read_file_at(dirfd, argv[optind], DNS_FILE_MAX, &text, &len, err);
	if (r == -ENOENT) {
		*err = pea_error_free(*err);
		return 0;
	}
	if (r < 0)
		return pea_error_wrap(err, "network '%s'", argv[optind]);
	joined = servers ? pea_strv_join(servers, ",") : xstrdup("");
	out = with_servers(text, joined);
	if (pea_write_file_atomic_at(dirfd, argv[optind], out, strlen(out), 0644, err) < 0)
		return -EIO;
	return dns_commit(g, err);
}
