#!/bin/bash
# inner.sh FILE.bats: runs as PID 1's child (tini -s) inside the private pid +
# net + mount namespaces run-anchor.sh makes with unshare; everything made here
# dies with the namespaces. Env from run-anchor.sh: ENGINE_BIN, STATE, SUITE, OUT.
set -u
f=$1
A=/tmp/anchor
# --- mounts (private propagation: nothing reaches the host)
mount --make-rprivate /
mount -t tmpfs -o mode=0755 tmpfs /run     # /run/systemd, /run/netns, /run/pea, /run/containers, /run/libpod ...
mkdir -p /run/lock /run/netns /run/user && chmod 1777 /run/lock
ln -s /dev/shm /run/shm
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
# the stores on disk (ext4, as in podman's CI: 160-volumes compares a bind
# volume's filesystem with the suite folder's), in run-anchor.sh's $STATE.disk
for d in containers pea; do
	[[ -d /var/lib/$d ]] || mkdir -p "/var/lib/$d"   # (an empty folder on the host, the first time only)
	mkdir -p "$STATE.disk/$d" && mount --bind "$STATE.disk/$d" "/var/lib/$d"
done
mount -t tmpfs -o mode=1777 tmpfs /var/tmp
mount -t tmpfs -o mode=0755 tmpfs "$STATE"
mkdir -p "$STATE"/{tmp,home,bin,etc,registry} && chmod 1777 "$STATE/tmp"
export TMPDIR=$STATE/tmp HOME=$STATE/home
# --- /etc/subuid, /etc/subgid with podman's `containers` user (170-run-userns's
# userns=auto tests skip without it): private copies bind-mounted here only
for sf in subuid subgid; do
	{ cat /etc/$sf 2>/dev/null; echo "containers:2147483647:2147483648"; } >"$STATE/etc/$sf"
	[[ -e /etc/$sf ]] && mount --bind "$STATE/etc/$sf" /etc/$sf
done
# --- a journald of its own (podman's tests assume root has one: 035-logs,
# 030-run --log-driver journald, events); volatile, in this /run only
printf '[Journal]\nStorage=volatile\nReadKMsg=no\nForwardToSyslog=no\nForwardToWall=no\n' >"$STATE/etc/journald.conf"
mount --bind "$STATE/etc/journald.conf" /etc/systemd/journald.conf
/lib/systemd/systemd-journald >/dev/null 2>&1 &
for _ in $(seq 50); do [[ -S /run/systemd/journal/socket ]] && break; sleep 0.1; done
# --- network: lo up, an address for host.containers.internal (500-networking)
ip link set lo up
ip addr add 10.199.0.1/32 dev lo
# no internet: the nameservers of /etc/resolv.conf are answered here, any
# name (dnsd.c; 500-networking looks up google.com through the network's DNS
# server, which asks them); they die with the pid namespace
for ns in $(awk '$1 == "nameserver" && $2 ~ /^[0-9.]+$/ { print $2 }' /etc/resolv.conf); do
	[[ $ns == 127.* ]] || ip addr add "$ns/32" dev lo
	"$A/dnsd" "$ns" >/dev/null 2>&1 &
done
# --- config
cat >"$STATE/etc/registries.conf" <<R
unqualified-search-registries = ["quay.io"]
[[registry]]
prefix = "quay.io"
location = "127.0.0.1:5000"
insecure = true
[[registry]]
prefix = "k8s.gcr.io"
location = "127.0.0.1:5000/k8s"
insecure = true
[[registry]]
location = "127.0.0.1:5000"
insecure = true
R
# podman itself (baseline) needs the ulimits here; pea ignores what it does not know
cat >"$STATE/etc/containers.conf" <<C
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
# what Debian's and Fedora's containers.conf hold (this file replaces them):
# ping as root without CAP_NET_RAW (200-pod pings)
default_sysctls = ["net.ipv4.ping_group_range=0 0"]
[network]
network_backend = "netavark"
C
cat >"$STATE/etc/storage.conf" <<S
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
S
export CONTAINERS_REGISTRIES_CONF=$STATE/etc/registries.conf
export CONTAINERS_CONF=$STATE/etc/containers.conf
export CONTAINERS_STORAGE_CONF=$STATE/etc/storage.conf
# as podman's CI says it (005-info 'podman info netavark' checks the backend then)
export NETWORK_BACKEND=netavark
# --- `podman` on PATH: a symlink to the engine (300-cli-parsing, 710-kube look
# for the word; 220-healthcheck calls a bare `podman wait`)
ln -s "$ENGINE_BIN" "$STATE/bin/podman"
# the host has no nc (500-networking's port range test runs `nc -w 1` here): busybox's
command -v nc >/dev/null || ln -s /bin/busybox "$STATE/bin/nc"
export PATH=$STATE/bin:$PATH PODMAN=$STATE/bin/podman
# --- registry on 127.0.0.1:5000 holding the stand-in images
sed 's|/var/lib/docker-registry|'"$STATE"'/registry|; s|addr: :5000|addr: 127.0.0.1:5000|; /^auth:/,/^[a-z]/{/^auth:/d; /^  /d}' \
	/etc/docker/registry/config.yml >"$STATE/etc/registry.yml"
docker-registry serve "$STATE/etc/registry.yml" >"$STATE/registry.log" 2>&1 &
for _ in $(seq 50); do
	curl -s -o /dev/null http://127.0.0.1:5000/v2/ && break
	sleep 0.1
done
push() { skopeo copy -q --dest-tls-verify=false "oci:$A/images/$1:latest" "docker://127.0.0.1:5000/${3:-libpod}/$2" || echo "inner.sh: push of $2 failed" >&2; }
push testimage testimage:20220615
push testimage testimage:multiimage
push zeroimage testimage:00000004
push registry registry:2.8
push testimage alpine:latest   # 070-build (FROM quay.io/libpod/alpine)
push pause pause:3.5 k8s        # 200-pod --infra-image k8s.gcr.io/pause:3.5
# pea's skopeo is pea-image (the real one cannot read pea's store: 150-login's
# credential sharing copies containers-storage:IMAGE); podman keeps skopeo.
# Without CONTAINERS_STORAGE_CONF: its graphroot (podman's store, for the
# baseline) is where pea-storage alone would look; pea's store is /var/lib/pea's
if [[ -x $(dirname "$ENGINE_BIN")/pea-image ]]; then
	printf '#!/bin/sh\nexec env -u CONTAINERS_STORAGE_CONF %s "$@"\n' "$(dirname "$ENGINE_BIN")/pea-image" >"$STATE/bin/skopeo"
	chmod +x "$STATE/bin/skopeo"
fi
# --- the file (or INNER_CMD, a bash command line run here instead, for debugging)
cd "$SUITE" || exit 1
if [[ -n ${INNER_CMD:-} ]]; then
	bash -c "$INNER_CMD"
	rc=$?
else
	bats --tap "$f"
	rc=$?
fi
# the ids of every container and pod still recorded in any store of this run
# (520-checkpoint's own --root, 150-login's vfs store too): run-anchor.sh removes
# their cgroups, which outlive the processes this pid namespace kills
[[ -n ${IDS_FILE:-} ]] && find /var/lib/pea /var/lib/containers /run "$STATE" -xdev -type d \
	-regextype egrep -regex '.*/[0-9a-f]{64}' -printf '%f\n' 2>/dev/null | sort -u >"$IDS_FILE"
exit $rc
