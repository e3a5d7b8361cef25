# shellcheck shell=bash
#
# tests/helpers/cstorage.bash: a containers/storage store of the file's own, where buildah
# makes external containers (podman's ps --external) for pea to list, keep or remove.

# cs_setup: the store buildah and pea's --external use (CONTAINERS_STORAGE_CONF, exported
# before the file's pea server starts), with the fixture image pulled by buildah.
cs_setup() {
	CS_DIR="$BATS_FILE_TMPDIR/cs"
	mkdir -p "$CS_DIR"
	cat >"$CS_DIR/storage.conf" <<-CONF
		[storage]
		driver = "overlay"
		graphroot = "$CS_DIR/root"
		runroot = "$CS_DIR/run"
	CONF
	export CONTAINERS_STORAGE_CONF="$CS_DIR/storage.conf" CS_DIR
	if command -v buildah >/dev/null; then
		timeout -k 5 120 buildah pull -q "docker-archive:$BUSYBOX_ARCHIVE" >/dev/null 2>&1 ||
			echo "buildah pull failed" >&2
	fi
}

# cs_clean: every buildah container gone, nothing mounted below the store.
cs_clean() {
	[[ -n "${CS_DIR:-}" && -d "$CS_DIR" ]] || return 0
	local m
	while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done < <(awk -v r="$CS_DIR/root/overlay/" 'index($2, r) == 1 {print $2}' /proc/self/mounts | sort -r)
	timeout -k 5 60 buildah rm -a >/dev/null 2>&1 || true
	while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done < <(awk -v r="$CS_DIR" 'index($2, r) == 1 {print $2}' /proc/self/mounts | sort -r)
}

# bfrom NAME: a buildah container of the fixture image; its id in $cid.
bfrom() {
	require_cmd buildah
	cid=$(timeout -k 5 60 buildah from --name "$1" localhost/busybox:latest 2>/dev/null)
	cid=$(timeout -k 5 60 buildah inspect --format '{{.ContainerID}}' "$1" 2>/dev/null)
	[[ ${#cid} == 64 ]]
}
