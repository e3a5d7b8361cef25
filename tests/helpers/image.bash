# shellcheck shell=bash
#
# tests/helpers/image.bash: the busybox test image, built from busybox-static
# once per suite run into a cache ("$PEA_BUILD/test-fixtures") and reused while
# its stamp (the sha256 of /bin/busybox and the fixture format) matches.
#
#   BUSYBOX_ROOTFS           rootfs directory: /bin/busybox, a symlink per
#                            applet, /etc/passwd and /etc/group, /tmp, ...
#   BUSYBOX_OCI              OCI image layout, one manifest tagged "latest"
#   BUSYBOX_ARCHIVE          docker-archive tarball, localhost/busybox:latest
#   BUSYBOX_MANIFEST_DIGEST  digest of the image manifest ("sha256:...")
#
# Everything is deterministic (sorted tar with fixed owners and times, gzip -n,
# compact jq output, fixed "created"), so two builds give the same digests.
#
# Sourced by common.bash; usable alone from a script too:
#   source tests/helpers/common.bash && ensure_fixtures

# Bump when the content of the fixtures changes, to invalidate old caches.
PEA_FIXTURE_FORMAT=1
: "${PEA_BUSYBOX:=/bin/busybox}"

# shellcheck disable=SC2054 # the commas belong to --pax-option
PEA_IMAGE_TAR_OPTS=(
	--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix
	--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime
)
PEA_FIXTURE_CREATED="1970-01-01T00:00:00Z"
PEA_FIXTURE_PATH="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# fixtures_set_env: export the fixture paths (and the manifest digest if the
# cache is built). Cheap: no hashing, no building.
fixtures_set_env() {
	PEA_TEST_FIXTURES="${PEA_TEST_FIXTURES:-$PEA_BUILD/test-fixtures}"
	BUSYBOX_ROOTFS="$PEA_TEST_FIXTURES/rootfs"
	BUSYBOX_OCI="$PEA_TEST_FIXTURES/busybox-oci"
	BUSYBOX_ARCHIVE="$PEA_TEST_FIXTURES/busybox-docker-archive.tar"
	BUSYBOX_MANIFEST_DIGEST=""
	if [[ -r "$PEA_TEST_FIXTURES/manifest-digest" ]]; then
		read -r BUSYBOX_MANIFEST_DIGEST <"$PEA_TEST_FIXTURES/manifest-digest" || true
	fi
	export PEA_TEST_FIXTURES BUSYBOX_ROOTFS BUSYBOX_OCI BUSYBOX_ARCHIVE BUSYBOX_MANIFEST_DIGEST
}

# pea_sha256 FILE: print the hex sha256 of FILE.
pea_sha256() {
	local sum
	sum="$(sha256sum -- "$1")" || return 1
	echo "${sum%% *}"
}

# oci_platform: print "ARCH [VARIANT]" for this machine, in OCI/Go names.
oci_platform() {
	local deb
	deb="$(dpkg --print-architecture 2>/dev/null || uname -m)"
	case "$deb" in
	amd64 | x86_64) echo amd64 ;;
	arm64 | aarch64) echo "arm64 v8" ;;
	armhf) echo "arm v7" ;;
	armel) echo "arm v5" ;;
	i386 | i686) echo 386 ;;
	ppc64el | ppc64le) echo ppc64le ;;
	mips64el) echo mips64le ;;
	mipsel) echo mipsle ;;
	*) echo "$deb" ;;
	esac
}

# fixtures_stamp: the expected content of the stamp file.
fixtures_stamp() {
	local sum
	sum="$(pea_sha256 "$PEA_BUSYBOX")" || return 1
	printf '%s\nformat %s\n' "$sum" "$PEA_FIXTURE_FORMAT"
}

# fixtures_valid DIR: DIR holds complete fixtures built from this busybox.
fixtures_valid() {
	local dir="$1" want have digest
	[[ -f "$dir/stamp" && -x "$dir/rootfs/bin/busybox" && -f "$dir/busybox-oci/index.json" &&
		-f "$dir/busybox-docker-archive.tar" && -f "$dir/manifest-digest" ]] || return 1
	want="$(fixtures_stamp)" || return 1
	have="$(cat "$dir/stamp")" || return 1
	[[ "$want" == "$have" ]] || return 1
	# A test that wrote into the shared rootfs (dev/null made by a redirection
	# inside a chroot, say) spoils it for the others: rebuild.
	[[ -z "$(cd "$dir/rootfs" && find dev tmp run proc sys -mindepth 1 -print -quit)" ]] || return 1
	read -r digest <"$dir/manifest-digest" || return 1
	[[ -f "$dir/busybox-oci/blobs/sha256/${digest#sha256:}" ]]
}

# busybox_build_rootfs DIR: DIR becomes a busybox root filesystem.
busybox_build_rootfs() (
	dir="$1"
	list="$("$PEA_BUSYBOX" --list-full)" || pea_die "'$PEA_BUSYBOX --list-full' failed" || exit 1
	mkdir -p "$dir" && cd "$dir" || exit 1
	mkdir -p bin sbin usr/bin usr/sbin etc dev proc sys run root home var tmp || exit 1
	chmod 0755 . bin sbin usr usr/bin usr/sbin etc dev proc sys run home var || exit 1
	chmod 0700 root && chmod 1777 tmp || exit 1
	cp -- "$PEA_BUSYBOX" bin/busybox && chmod 0755 bin/busybox || exit 1
	while read -r applet; do
		[[ -n "$applet" && "$applet" != bin/busybox ]] || continue
		# Relative links, so the rootfs also works when looked at from the host.
		case "$applet" in
		bin/*) target=busybox ;;
		*/*/*) target=../../bin/busybox ;;
		*/*) target=../bin/busybox ;;
		*) target=bin/busybox ;;
		esac
		ln -s "$target" "$applet" || exit 1
	done <<<"$list"
	printf '%s\n' "root:x:0:0:root:/root:/bin/sh" "nobody:x:65534:65534:nobody:/home:/bin/false" >etc/passwd &&
		printf '%s\n' "root:x:0:" "nobody:x:65534:" >etc/group &&
		chmod 0644 etc/passwd etc/group || exit 1
)

# pea_tar_dir DIR OUT [NAMES...]: deterministic tar of NAMES (default: all
# entries of DIR, sorted, without a "./" prefix) to OUT.
pea_tar_dir() (
	dir="$1" out="$2"
	shift 2
	names=("$@")
	if [[ ${#names[@]} -eq 0 ]]; then
		mapfile -t names < <(find "$dir" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort) || exit 1
	fi
	LC_ALL=C tar "${PEA_IMAGE_TAR_OPTS[@]}" -C "$dir" -cf "$out" -- "${names[@]}"
)

# fixtures_build OUT: build the rootfs, the OCI layout and the docker-archive
# into the new directory OUT. Writes OUT/stamp last.
fixtures_build() (
	out="$1"
	for cmd in tar gzip jq sha256sum; do
		command -v "$cmd" >/dev/null || pea_die "'$cmd' is needed to build the test image" || exit 1
	done
	[[ -x "$PEA_BUSYBOX" ]] ||
		pea_die "'$PEA_BUSYBOX' is missing: apt-get install busybox-static" || exit 1
	[[ ! -e "$out" ]] || pea_die "'$out' already exists" || exit 1
	read -r arch variant <<<"$(oci_platform)"
	work="$out/.work"
	mkdir -p "$work" "$out/busybox-oci/blobs/sha256" "$work/archive" || exit 1

	busybox_build_rootfs "$out/rootfs" || exit 1
	pea_tar_dir "$out/rootfs" "$work/layer.tar" || exit 1
	gzip -n -c "$work/layer.tar" >"$work/layer.tar.gz" || exit 1
	diff_id="$(pea_sha256 "$work/layer.tar")" || exit 1
	layer_hex="$(pea_sha256 "$work/layer.tar.gz")" || exit 1
	layer_size="$(stat -c %s "$work/layer.tar.gz")" || exit 1

	jq -cjn --arg arch "$arch" --arg variant "${variant:-}" --arg diff "sha256:$diff_id" \
		--arg created "$PEA_FIXTURE_CREATED" --arg path "$PEA_FIXTURE_PATH" '{
		created: $created,
		architecture: $arch
	} + (if $variant != "" then {variant: $variant} else {} end) + {
		os: "linux",
		config: {Env: [$path], Cmd: ["sh"]},
		rootfs: {type: "layers", diff_ids: [$diff]},
		history: [{created: $created, created_by: "pea tests/helpers/image.bash: busybox-static"}]
	}' >"$work/config.json" || exit 1
	config_hex="$(pea_sha256 "$work/config.json")" || exit 1
	config_size="$(stat -c %s "$work/config.json")" || exit 1

	jq -cjn --arg config "sha256:$config_hex" --argjson config_size "$config_size" \
		--arg layer "sha256:$layer_hex" --argjson layer_size "$layer_size" '{
		schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $config, size: $config_size},
		layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $layer, size: $layer_size}]
	}' >"$work/manifest.json" || exit 1
	manifest_hex="$(pea_sha256 "$work/manifest.json")" || exit 1
	manifest_size="$(stat -c %s "$work/manifest.json")" || exit 1

	# The OCI layout.
	blobs="$out/busybox-oci/blobs/sha256"
	cp "$work/layer.tar.gz" "$blobs/$layer_hex" &&
		cp "$work/config.json" "$blobs/$config_hex" &&
		cp "$work/manifest.json" "$blobs/$manifest_hex" || exit 1
	printf '{"imageLayoutVersion":"1.0.0"}' >"$out/busybox-oci/oci-layout" || exit 1
	jq -cjn --arg digest "sha256:$manifest_hex" --argjson size "$manifest_size" \
		--arg arch "$arch" --arg variant "${variant:-}" '{
		schemaVersion: 2,
		mediaType: "application/vnd.oci.image.index.v1+json",
		manifests: [{
			mediaType: "application/vnd.oci.image.manifest.v1+json",
			digest: $digest,
			size: $size,
			annotations: {"org.opencontainers.image.ref.name": "latest"},
			platform: ({architecture: $arch, os: "linux"}
				+ (if $variant != "" then {variant: $variant} else {} end))
		}]
	}' >"$out/busybox-oci/index.json" || exit 1

	# The docker-archive: like `skopeo copy ... docker-archive:`, the config as
	# <hex>.json, the uncompressed layer as <diff_id hex>.tar, manifest.json last.
	cp "$work/config.json" "$work/archive/$config_hex.json" &&
		cp "$work/layer.tar" "$work/archive/$diff_id.tar" || exit 1
	jq -cjn --arg config "$config_hex.json" --arg layer "$diff_id.tar" \
		'[{Config: $config, RepoTags: ["localhost/busybox:latest"], Layers: [$layer]}]' \
		>"$work/archive/manifest.json" || exit 1
	chmod 0644 "$work/archive"/* "$blobs"/* "$out/busybox-oci/oci-layout" "$out/busybox-oci/index.json" || exit 1
	pea_tar_dir "$work/archive" "$out/busybox-docker-archive.tar" \
		"$config_hex.json" "$diff_id.tar" manifest.json || exit 1

	rm -rf "$work" || exit 1
	echo "sha256:$manifest_hex" >"$out/manifest-digest" || exit 1
	fixtures_stamp >"$out/stamp" || exit 1
)

# ensure_fixtures: build the fixtures into the cache unless valid there, and
# export BUSYBOX_*. Safe to call from several bats processes at once (flock).
# Call it in setup_file, so that a single .bats file runs without setup_suite.
ensure_fixtures() {
	local fd tmp rc=0
	fixtures_set_env
	if fixtures_valid "$PEA_TEST_FIXTURES"; then
		return 0
	fi
	mkdir -p "$(dirname "$PEA_TEST_FIXTURES")" || return 1
	exec {fd}>"$PEA_TEST_FIXTURES.lock" || return 1
	if ! flock -w 300 "$fd"; then
		exec {fd}>&-
		pea_die "cannot lock '$PEA_TEST_FIXTURES.lock'"
		return 1
	fi
	if ! fixtures_valid "$PEA_TEST_FIXTURES"; then
		tmp="$PEA_TEST_FIXTURES.tmp.$$"
		rm -rf "$tmp"
		if fixtures_build "$tmp"; then
			rm -rf "$PEA_TEST_FIXTURES" && mv "$tmp" "$PEA_TEST_FIXTURES" || rc=1
		else
			rc=1
		fi
		rm -rf "$tmp"
	fi
	exec {fd}>&-
	if [[ $rc -ne 0 ]]; then
		pea_die "cannot build the busybox test image in '$PEA_TEST_FIXTURES'"
		return 1
	fi
	fixtures_set_env
	if ! fixtures_valid "$PEA_TEST_FIXTURES" || [[ -z "$BUSYBOX_MANIFEST_DIGEST" ]]; then
		pea_die "the test image in '$PEA_TEST_FIXTURES' is incomplete after building it"
		return 1
	fi
}
