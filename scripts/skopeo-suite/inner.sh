#!/bin/bash
# inner.sh FILE.bats: inside private pid/net/mount namespaces (run.sh): /run a
# tmpfs, lo up, the stores bound to the state folder, a docker-registry on
# 127.0.0.1:5001 holding the stand-ins that registries.conf sends quay.io to,
# the skopeo and podman shims first on PATH; then bats on the file.
set -u
H=/tmp/skopeo-suite
S=${STATE:?}
mount -t tmpfs tmpfs /run && mkdir -p /run/lock
# the host's /dev is shared with these namespaces: each common node is covered by a node of
# our own (same device, made on /run's tmpfs), so that a rename or unlink over it (an engine
# writing `-o /dev/null` by rename) fails here with EBUSY instead of replacing the host's
# node, and a chown or chmod of it (crun 1.8.1 chowns the stdio it is given to the process's
# user) changes ours, not the host's
mkdir -p /run/.dev
for n in null zero full random urandom tty; do
	# shellcheck disable=SC2046 # major and minor, two words
	mknod -m 666 "/run/.dev/$n" c $(stat -c '%Hr %Lr' "/dev/$n") && mount --bind "/run/.dev/$n" "/dev/$n"
done
ip link set lo up
mkdir -p "$S"/{pea,containers,tmp,home,mirror,bin} /var/lib/pea /var/lib/containers
mount --bind "$S/pea" /var/lib/pea
mount --bind "$S/containers" /var/lib/containers
export HOME=$S/home TMPDIR=$S/tmp SKOPEO_SUITE_STATE=$S
cat >"$S/mirror.yml" <<C
version: 0.1
storage:
  filesystem:
    rootdirectory: $S/mirror
http:
  addr: 127.0.0.1:5001
C
setsid docker-registry serve "$S/mirror.yml" </dev/null >"$S/mirror.log" 2>&1 &
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:5001/v2/ && break; sleep 0.1; done
# Docker schema 2 manifests, as quay.io serves these images (060-delete looks for
# the media type); notmyarch stays an OCI index of one amigaos manifest
push() {
	skopeo copy -q --dest-tls-verify=false ${3:---format v2s2} "oci:$H/images/$1:latest" \
		"docker://127.0.0.1:5001/$2" || echo "inner.sh: push of $2 failed" >&2
}
push busybox libpod/busybox:latest
push busybox libpod/alpine:latest
push alpine_labels libpod/alpine_labels:latest
push fedora31 libpod/fedora:31
push notmyarch libpod/notmyarch:20210121 --all
push fedora fedora/fedora:latest
push fedora fedora/fedora:39
cat >"$S/registries.conf" <<R
[[registry]]
prefix = "quay.io"
location = "127.0.0.1:5001"
insecure = true
R
export CONTAINERS_REGISTRIES_CONF=$S/registries.conf
# the engine under test as skopeo; podman as itself but for registry containers
printf '#!/bin/sh\nexec %s "$@"\n' "${SKOPEO_ENGINE:?}" >"$S/bin/skopeo"
cp "$H/bin-podman" "$S/bin/podman"
chmod +x "$S/bin/skopeo" "$S/bin/podman"
export PATH=$S/bin:$PATH SKOPEO_BINARY=$S/bin/skopeo
cd "$H/src/systemtest" && bats --tap "$1"
