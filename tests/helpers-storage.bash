# shellcheck shell=bash
# shellcheck disable=SC2154,SC2012 # bats sets output and lines; ls -A lists small test trees
#
# tests/helpers-storage.bash: helpers for the pea-storage suites (30-storage-*.bats).
#
#   storage_setup [DRIVER]   a fresh store in the test's dir: STORE_ROOT, STORE_RUN,
#                            STORAGE_DRIVER (default overlay)
#   pstore ARGS...           pea-storage on that store
#   storage_teardown         unmount what a failed test left mounted
#   storage_mktar OUT        a tar from a spec on stdin (python's tarfile), one entry a line:
#                              file PATH [content=TEXT] [mode=0644] [uid=N] [gid=N] [mtime=N]
#                                        [xattr.NAME=VALUE]...
#                              dir PATH [mode=...] ...   symlink PATH target=T
#                              hardlink PATH target=T    char|block PATH major=N minor=N
#                              fifo PATH
#   busybox_layer            the gzip layer blob of the busybox fixture (BUSYBOX_LAYER) and
#                            its diff id (BUSYBOX_DIFF_ID)
#   tree_listing DIR         one line per entry: path, type, mode, owner, size, link target,
#                            content hash: for comparing two trees

STORAGE_PYTHON=/usr/bin/python3
[[ -x "$STORAGE_PYTHON" ]] || STORAGE_PYTHON=python3

storage_setup() {
	STORAGE_DRIVER="${1:-${STORAGE_DRIVER:-overlay}}"
	STORE_ROOT="$TEST_DIR/store"
	STORE_RUN="$TEST_DIR/run"
	export STORAGE_DRIVER STORE_ROOT STORE_RUN
}

pstore() {
	"$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver "$STORAGE_DRIVER" "$@"
}

storage_teardown() {
	local m
	[[ -n "${STORE_ROOT:-}" ]] || return 0
	while read -r m; do
		[[ -n "$m" ]] && umount -l "$m" 2>/dev/null
	done < <(findmnt -rn -o TARGET 2>/dev/null | grep -F "$STORE_ROOT" | sort -r)
	return 0
}

storage_mktar() {
	"$STORAGE_PYTHON" -c '
import io, sys, tarfile
out = sys.argv[1]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        kind, path, opts = words[0], words[1], {}
        for w in words[2:]:
            k, _, v = w.partition("=")
            opts[k] = v
        ti = tarfile.TarInfo(path)
        ti.mode = int(opts.get("mode", "0755" if kind == "dir" else "0644"), 8)
        ti.uid = int(opts.get("uid", "0"))
        ti.gid = int(opts.get("gid", "0"))
        ti.mtime = int(opts.get("mtime", "1000000000"))
        ti.pax_headers = {"SCHILY.xattr." + k[6:]: v for k, v in opts.items() if k.startswith("xattr.")}
        data = None
        if kind == "file":
            data = opts.get("content", "").encode()
            ti.size = len(data)
        elif kind == "dir":
            ti.type = tarfile.DIRTYPE
        elif kind == "symlink":
            ti.type, ti.linkname = tarfile.SYMTYPE, opts["target"]
        elif kind == "hardlink":
            ti.type, ti.linkname = tarfile.LNKTYPE, opts["target"]
        elif kind in ("char", "block"):
            ti.type = tarfile.CHRTYPE if kind == "char" else tarfile.BLKTYPE
            ti.devmajor, ti.devminor = int(opts["major"]), int(opts["minor"])
        elif kind == "fifo":
            ti.type = tarfile.FIFOTYPE
        else:
            sys.exit("storage_mktar: unknown kind " + kind)
        t.addfile(ti, io.BytesIO(data) if data is not None else None)
' "$1"
}

# storage_giant_pax_tar OUT: a pax header that claims 8 GiB.
storage_giant_pax_tar() {
	"$STORAGE_PYTHON" -c '
import sys
hdr = bytearray(512)
hdr[0:12] = b"PaxHeaders/f"
hdr[100:108] = b"0000644\0"; hdr[108:116] = b"0000000\0"; hdr[116:124] = b"0000000\0"
hdr[124:136] = b"77777777777\0"
hdr[136:148] = b"00000000000\0"; hdr[156] = ord("x"); hdr[257:263] = b"ustar\0"; hdr[263:265] = b"00"
hdr[148:156] = b"        "
hdr[148:156] = b"%06o\0 " % sum(hdr)
open(sys.argv[1], "wb").write(bytes(hdr) + bytes(4096))
' "$1"
}

busybox_layer() {
	local manifest config
	manifest="$BUSYBOX_OCI/blobs/sha256/${BUSYBOX_MANIFEST_DIGEST#sha256:}"
	BUSYBOX_LAYER="$BUSYBOX_OCI/blobs/sha256/$(jq -r '.layers[0].digest' "$manifest" | cut -d: -f2)"
	BUSYBOX_LAYER_DIGEST="$(jq -r '.layers[0].digest' "$manifest")"
	config="$BUSYBOX_OCI/blobs/sha256/$(jq -r '.config.digest' "$manifest" | cut -d: -f2)"
	BUSYBOX_CONFIG="$config"
	BUSYBOX_MANIFEST="$manifest"
	BUSYBOX_DIFF_ID="$(jq -r '.rootfs.diff_ids[0]' "$config")"
	export BUSYBOX_LAYER BUSYBOX_LAYER_DIGEST BUSYBOX_DIFF_ID BUSYBOX_CONFIG BUSYBOX_MANIFEST
}

tree_listing() (
	cd "$1" || exit 1
	find . -mindepth 1 -printf '%p %y %m %U:%G %s %l\n' | LC_ALL=C sort | while read -r p y rest; do
		if [[ "$y" == f ]]; then
			echo "$p $y $rest $(sha256sum <"$p" | cut -c1-16)"
		elif [[ "$y" == c || "$y" == b ]]; then
			echo "$p $y $rest $(stat -c '%t:%T' "$p")"
		else
			echo "$p $y $rest"
		fi
	done
)

# json_field FIELD: the field of {"result": ...} in $output.
json_field() {
	jq -r ".result.$1" <<<"${lines[-1]}"
}

# ---- test bodies shared by the overlay and vfs suites ------------------------------------

# st_nothing_left: a refused apply left no layer, no staging dir, no driver dir.
st_nothing_left() {
	run -0 pstore layer ls
	assert_equal "$(jq '.result | length' <<<"$output")" 0
	assert_equal "$(find "$STORE_ROOT/staging" -mindepth 1 | wc -l)" 0
	assert_equal "$(find "$STORE_ROOT/$STORAGE_DRIVER" -mindepth 1 -maxdepth 1 ! -name l ! -name empty | wc -l)" 0
	assert_equal "$(find "$STORE_ROOT/layers" -mindepth 1 | wc -l)" 0
}

# st_busybox_image NAME: apply the busybox layer and record an image NAME.
st_busybox_image() {
	busybox_layer
	run -0 pstore layer apply "$BUSYBOX_LAYER"
	BUSYBOX_LAYER_ID="$(json_field id)"
	run -0 pstore image create --layers "$BUSYBOX_LAYER_ID" --config "$BUSYBOX_CONFIG" \
		--manifest "$BUSYBOX_MANIFEST" --name "$1"
}

st_apply_compressions() {
	busybox_layer
	run -0 pstore layer apply "$BUSYBOX_LAYER"
	assert_equal "$(json_field diff_id)" "$BUSYBOX_DIFF_ID"
	assert_equal "$(json_field compressed_digest)" "$BUSYBOX_LAYER_DIGEST"
	assert_equal "$(json_field compressed_size)" "$(stat -c %s "$BUSYBOX_LAYER")"
	assert_equal "$(json_field compression)" gzip
	assert_equal "$(json_field existed)" false
	local id size
	id="$(json_field id)"
	assert_equal "sha256:$id" "$BUSYBOX_DIFF_ID" # a base layer's chain id is its diff id
	gzip -dc "$BUSYBOX_LAYER" >"$TEST_DIR/layer.tar"
	size="$(stat -c %s "$TEST_DIR/layer.tar")"
	assert_equal "$(json_field size)" "$size"
	zstd -q -c "$TEST_DIR/layer.tar" >"$TEST_DIR/layer.tar.zst"

	# the same content again, zstd: the same layer, stored once
	run -0 pstore layer apply <"$TEST_DIR/layer.tar.zst"
	assert_equal "$(json_field existed)" true
	assert_equal "$(json_field id)" "$id"
	run -0 pstore layer apply --id zstd "$TEST_DIR/layer.tar.zst"
	assert_equal "$(json_field compression)" zstd
	assert_equal "$(json_field diff_id)" "$BUSYBOX_DIFF_ID"
	assert_equal "$(json_field compressed_size)" "$(stat -c %s "$TEST_DIR/layer.tar.zst")"

	# plain, under another id
	run -0 pstore layer apply --id plain "$TEST_DIR/layer.tar"
	assert_equal "$(json_field compression)" none
	assert_equal "$(json_field diff_id)" "$BUSYBOX_DIFF_ID"
	assert_equal "$(json_field compressed_digest)" null
	run -0 diff -r "$BUSYBOX_ROOTFS" "$(json_field path)"

	# expected digests: checked before the layer is stored
	run -0 pstore layer apply --id checked --digest "$BUSYBOX_LAYER_DIGEST" \
		--diff-id "$BUSYBOX_DIFF_ID" "$BUSYBOX_LAYER"
	run -1 pstore layer apply --id bad --digest "sha256:$(printf '%064d' 0)" "$BUSYBOX_LAYER"
	assert_output --partial "layer apply: the stream's digest is '$BUSYBOX_LAYER_DIGEST', not 'sha256:000"
	assert_equal "$(jq -r .error.errno <<<"${lines[-1]}")" EBADMSG
	run -1 pstore layer apply --id bad --diff-id "$BUSYBOX_LAYER_DIGEST" "$BUSYBOX_LAYER"
	assert_output --partial "the layer's diff id is '$BUSYBOX_DIFF_ID', not '$BUSYBOX_LAYER_DIGEST'"
	run -1 pstore layer inspect bad
	run -0 pstore layer rm checked
	run -0 pstore layer inspect "${id:0:12}"
	assert_equal "$(json_field id)" "$id"
	run -0 pstore layer ls
	assert_equal "$(jq '.result | length' <<<"$output")" 3
	run -0 pstore check
	assert_equal "$(json_field ok)" true
	# nothing left in staging after applies
	assert_equal "$(find "$STORE_ROOT/staging" -mindepth 1 | wc -l)" 0
}

st_run_busybox() {
	st_busybox_image localhost/busybox:latest
	run -0 pstore container create --image localhost/busybox:latest --name c1
	run -0 pstore container mount c1
	local mp
	mp="$(json_field mountpoint)"
	assert_equal "$(json_field mount_count)" 1
	run -0 chroot "$mp" /bin/busybox echo ok
	assert_output ok
	# the container writes to its own layer only
	chroot "$mp" /bin/busybox sh -c 'echo hi >/tmp/new && rm /bin/cat'
	run -0 pstore container inspect c1
	[[ -f "$(json_field layer_path)/tmp/new" ]]
	[[ -e "$BUSYBOX_ROOTFS/bin/cat" ]]
	run -0 pstore layer inspect "$BUSYBOX_LAYER_ID"
	[[ -L "$(json_field path)/bin/cat" ]]
	run -0 pstore container unmount c1
	assert_equal "$(json_field mounted)" false
	run -0 pstore container rm c1
	run -0 pstore container ls
	assert_equal "$(jq '.result | length' <<<"$output")" 0
}

st_whiteout_layers_tars() {
	printf '%s\n' "dir a" "file a/keep content=keep" "file a/gone content=gone" \
		"dir a/gonedir" "file a/gonedir/x content=x" "file a/both content=old" \
		"dir opq" "file opq/old content=old" "dir opq/sub" "file opq/sub/deep content=deep" |
		storage_mktar "$TEST_DIR/l1.tar"
	# opq/implicit: a directory this layer makes without an entry, before the opaque marker
	printf '%s\n' "file a/.wh.gone" "file a/.wh.gonedir" "file a/both content=both" \
		"file a/.wh.both" "file a/added content=added" "file opq/implicit/x content=x" \
		"dir opq" "file opq/.wh..wh..opq" "file opq/new content=new" |
		storage_mktar "$TEST_DIR/l2.tar"
}

st_whiteout_layers() {
	st_whiteout_layers_tars
	run -0 pstore layer apply "$TEST_DIR/l1.tar"
	L1="$(json_field id)"
	run -0 pstore layer apply --parent "$L1" "$TEST_DIR/l2.tar"
	L2="$(json_field id)"
	run -0 pstore image create --layers "$L1,$L2" --name wh
}

st_whiteouts() {
	st_whiteout_layers
	run -0 pstore container create --image wh --name c
	run -0 pstore container mount c
	local mp
	mp="$(json_field mountpoint)"
	assert_equal "$(ls -A "$mp/a" | tr '\n' ' ')" "added both keep "
	assert_equal "$(cat "$mp/a/keep")" keep
	assert_equal "$(cat "$mp/a/both")" both # a whiteout only hides lower layers
	assert_equal "$(ls -A "$mp/opq" | tr '\n' ' ')" "implicit new "
	assert_equal "$(cat "$mp/opq/new")" new
	assert_equal "$(cat "$mp/opq/implicit/x")" x
	[[ ! -e "$mp/a/gone" && ! -e "$mp/a/gonedir" && ! -e "$mp/opq/old" && ! -e "$mp/opq/sub" ]]
	run -0 pstore container unmount c
}

st_entry_types() {
	printf '%s\n' "dir d mode=0750 uid=1000 gid=1000 mtime=1234567890" \
		"file d/f content=hello mode=04755 uid=1000 gid=100 mtime=1111111111 xattr.user.color=blue" \
		"hardlink d/h target=d/f" "symlink d/l target=f" "symlink abs target=/etc/passwd" \
		"dir dev" "char dev/null major=1 minor=3 mode=0666" \
		"block dev/loopx major=7 minor=200 mode=0660" "fifo d/p mode=0600" \
		"file ./dot/./slash//x content=x" "dir sg mode=02775 gid=50" "file sg/f content=f mode=0640" \
		"file plain content=p mode=0600" |
		storage_mktar "$TEST_DIR/types.tar"
	run -0 pstore layer apply "$TEST_DIR/types.tar"
	local p
	p="$(json_field path)"
	assert_equal "$(stat -c '%a %u:%g %Y %s' "$p/d/f")" "4755 1000:100 1111111111 5"
	assert_equal "$(cat "$p/d/f")" hello
	assert_equal "$(stat -c '%i %h' "$p/d/h")" "$(stat -c '%i %h' "$p/d/f")"
	assert_equal "$(stat -c %h "$p/d/f")" 2
	assert_equal "$(getfattr --only-values -n user.color "$p/d/f")" blue
	assert_equal "$(readlink "$p/d/l")" f
	assert_equal "$(readlink "$p/abs")" /etc/passwd
	assert_equal "$(stat -c '%F %t:%T %a' "$p/dev/null")" "character special file 1:3 666"
	assert_equal "$(stat -c '%F %t:%T %a' "$p/dev/loopx")" "block special file 7:c8 660"
	assert_equal "$(stat -c '%F %a' "$p/d/p")" "fifo 600"
	assert_equal "$(stat -c '%a %u:%g %Y' "$p/d")" "750 1000:1000 1234567890"
	assert_equal "$(cat "$p/dot/slash/x")" x
	# a set-group-id directory does not give its group to what the layer says is root's
	assert_equal "$(stat -c '%a %u:%g' "$p/sg" "$p/sg/f" "$p/plain")" "$(printf '2775 0:50\n640 0:0\n600 0:0')"
}

st_sparse() {
	mkdir "$TEST_DIR/sp"
	truncate -s 64M "$TEST_DIR/sp/big"
	echo middle | dd of="$TEST_DIR/sp/big" bs=1M seek=32 conv=notrunc status=none
	tar --sparse --format=posix -C "$TEST_DIR/sp" -cf "$TEST_DIR/sparse.tar" big
	[[ "$(stat -c %s "$TEST_DIR/sparse.tar")" -lt 1000000 ]]
	run -0 pstore layer apply "$TEST_DIR/sparse.tar"
	local p
	p="$(json_field path)"
	assert_equal "$(stat -c %s "$p/big")" "$(stat -c %s "$TEST_DIR/sp/big")"
	cmp "$p/big" "$TEST_DIR/sp/big"
	# holes stay holes: far less than 64 MiB allocated
	[[ $(($(stat -c '%b * %B' "$p/big"))) -lt 1048576 ]]
}

st_diff_roundtrip() {
	st_whiteout_layers
	run -0 pstore container create --image wh --name orig
	run -0 pstore container mount orig
	local orig copy
	orig="$(json_field mountpoint)"
	# without its tar-split record, the diff is made from the layer's files
	rm -f "$STORE_ROOT/$STORAGE_DRIVER/$L1/tar-split" "$STORE_ROOT/$STORAGE_DRIVER/$L2/tar-split"
	pstore layer diff "$L2" >"$TEST_DIR/d2.tar"
	run -0 tar -tf "$TEST_DIR/d2.tar"
	assert_line a/.wh.gone
	assert_line a/.wh.gonedir
	assert_line a/added
	[[ "$output" != *".wh.both"* ]]
	run -0 pstore layer apply --parent "$L1" --id roundtrip "$TEST_DIR/d2.tar"
	run -0 pstore image create --layers "$L1,roundtrip" --name rt
	run -0 pstore container create --image rt --name copy
	run -0 pstore container mount copy
	copy="$(json_field mountpoint)"
	assert_equal "$(tree_listing "$copy")" "$(tree_listing "$orig")"
	# a container's changes
	echo changed >"$orig/a/keep"
	rm "$orig/opq/new"
	run -0 pstore container diff orig
	pstore container diff orig | tar -t >"$TEST_DIR/cdiff"
	run -0 cat "$TEST_DIR/cdiff"
	assert_line a/keep
	assert_line opq/.wh.new
	# a base layer round-trips to the same files
	pstore layer diff "$L1" >"$TEST_DIR/d1.tar"
	run -0 pstore layer apply --id base-again "$TEST_DIR/d1.tar"
	assert_equal "$(tree_listing "$(json_field path)")" "$(tree_listing "$STORE_ROOT/$STORAGE_DRIVER/$L1/diff")"
	run -0 pstore container unmount orig
	run -0 pstore container unmount copy
}

st_mount_counts() {
	st_busybox_image bb
	run -0 pstore container create --image bb --name c
	run -0 pstore container mount c
	local mp
	mp="$(json_field mountpoint)"
	run -0 pstore container mount c
	assert_equal "$(json_field mount_count)" 2
	assert_equal "$(json_field mountpoint)" "$mp"
	run -0 pstore container unmount c
	assert_equal "$(json_field mount_count)" 1
	assert_equal "$(json_field mounted)" true
	[[ -x "$mp/bin/busybox" ]]
	run -1 pstore container rm c
	assert_output --partial "is mounted"
	run -0 pstore container unmount c
	assert_equal "$(json_field mounted)" false
	run -0 pstore container mount c
	run -0 pstore container rm --force c
	run -0 pstore container ls
	assert_equal "$(jq '.result | length' <<<"$output")" 0
}

# st_refused SPEC MESSAGE: a tar from SPEC is refused with MESSAGE, leaving nothing.
st_refused() {
	local spec="$1" message="$2"
	printf '%s\n' "$spec" | tr ';' '\n' | storage_mktar "$TEST_DIR/evil.tar"
	run -1 pstore layer apply "$TEST_DIR/evil.tar"
	assert_output --partial "$message"
	jq -e '.error.message' <<<"${lines[-1]}" >/dev/null
	st_nothing_left
}

st_hostile() {
	mkdir -p "$TEST_DIR/outside"
	st_refused "file ../x content=evil" "path '../x' escapes the layer"
	st_refused "dir a;file a/../../x content=evil" "escapes the layer"
	st_refused "file /abs content=evil" "absolute path '/abs' is refused"
	st_refused "symlink evil target=$TEST_DIR/outside;file evil/pwn content=x" \
		"path 'evil' goes through a symlink: refused"
	st_refused "symlink up target=../../../..;file up/pwn content=x" "goes through a symlink"
	st_refused "hardlink h target=../../../etc/passwd" "escapes the layer"
	st_refused "hardlink h target=/etc/passwd" "absolute path '/etc/passwd' is refused"
	st_refused "hardlink h target=nothere" "its target 'nothere' is not in the layer"
	st_refused "symlink s target=/etc/passwd;hardlink h target=s/x" "goes through a symlink"
	st_refused "file .wh.. content=" "names no file"
	st_refused "file $(printf 'a%.0s' {1..5000}) content=x" "path longer than 4096 bytes"
	[[ -z "$(ls -A "$TEST_DIR/outside")" ]]
	storage_giant_pax_tar "$TEST_DIR/giant.tar"
	run -1 pstore layer apply "$TEST_DIR/giant.tar"
	assert_output --partial "tar stream: Special header too large"
	st_nothing_left
	# not a layer at all
	head -c 10000 /dev/urandom >"$TEST_DIR/random"
	run -1 pstore layer apply "$TEST_DIR/random"
	assert_output --partial "layer apply:"
	st_nothing_left
	run -1 pstore layer apply </dev/null
	assert_output --partial "empty input"
	busybox_layer
	head -c 300000 "$BUSYBOX_LAYER" >"$TEST_DIR/truncated.gz"
	run -1 pstore layer apply "$TEST_DIR/truncated.gz"
	st_nothing_left
}

st_crash_during_apply() {
	busybox_layer
	gzip -dc "$BUSYBOX_LAYER" >"$TEST_DIR/layer.tar"
	mkfifo "$TEST_DIR/fifo"
	"$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver "$STORAGE_DRIVER" \
		layer apply <"$TEST_DIR/fifo" >"$TEST_DIR/out" 2>&1 &
	local pid=$! fd i
	exec {fd}>"$TEST_DIR/fifo"
	head -c 1200000 "$TEST_DIR/layer.tar" >&"$fd"
	for ((i = 0; i < 100; i++)); do
		[[ -n "$(find "$STORE_ROOT/staging" -path '*/diff/bin/*' 2>/dev/null | head -1)" ]] && break
		sleep 0.05
	done
	[[ -n "$(find "$STORE_ROOT/staging" -mindepth 1 -maxdepth 1 -type d)" ]]
	kill -9 "$pid"
	wait "$pid" || true
	exec {fd}>&-
	run -0 pstore check
	assert_equal "$(json_field ok)" true
	[[ "$(jq -r '.result.removed[0]' <<<"$output")" == staging/* ]]
	st_nothing_left
	# and the store works on
	run -0 pstore layer apply "$TEST_DIR/layer.tar"
	assert_equal "$(json_field diff_id)" "$BUSYBOX_DIFF_ID"
}

st_shared_layers() {
	st_whiteout_layers
	run -0 pstore image create --layers "$L1" --name base
	run -1 pstore layer rm "$L1"
	assert_output --partial "is in use"
	run -0 pstore image rm base
	assert_equal "$(jq -c .result.removed_layers <<<"$output")" "[]"
	run -0 pstore layer inspect "$L1"
	run -0 pstore image rm wh
	assert_equal "$(jq -c .result.removed_layers <<<"$output")" "[\"$L2\",\"$L1\"]"
	st_nothing_left
}

st_concurrent() {
	local i pids=()
	st_busybox_image bb
	for i in 1 2 3 4 5 6 7 8; do
		printf 'file f%s content=%s\n' "$i" "$i" | storage_mktar "$TEST_DIR/c$i.tar"
	done
	for i in 1 2 3 4 5 6 7 8; do
		pstore container create --image bb --name "c$i" >"$TEST_DIR/cc$i" &
		pids+=($!)
		pstore layer apply --parent "$BUSYBOX_LAYER_ID" "$TEST_DIR/c$i.tar" >"$TEST_DIR/lc$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	run -0 pstore container ls
	assert_equal "$(jq '.result | length' <<<"$output")" 8
	run -0 pstore layer ls
	assert_equal "$(jq '.result | length' <<<"$output")" 17
	run -0 pstore check
	assert_equal "$(json_field ok)" true
}

st_idmapped() {
	st_busybox_image bb
	run -0 pstore container create --image bb --name m --uidmap 0:100000:65536 --gidmap 0:200000:65536
	assert_equal "$(json_field uid_map)" 0:100000:65536
	assert_equal "$(json_field gid_map)" 0:200000:65536
	run -0 pstore container mount m
	local mp
	mp="$(json_field mountpoint)"
	# the image's files appear owned by the container's root, the layer stays as it is
	assert_equal "$(stat -c %u:%g "$mp" "$mp/bin/busybox" "$mp/etc/passwd" | sort -u)" 100000:200000
	run -0 pstore layer inspect "$BUSYBOX_LAYER_ID"
	assert_equal "$(stat -c %u:%g "$(json_field path)/bin/busybox")" 0:0
	# the container's root writes as its mapped root; its changes come out in its own ids
	run -0 chroot --userspec=100000:200000 "$mp" /bin/busybox sh -c 'echo w >/tmp/new && chmod 4755 /tmp/new'
	pstore container diff m >"$TEST_DIR/diff.tar"
	run -0 tar -tv --numeric-owner -f "$TEST_DIR/diff.tar" tmp/new
	assert_output --regexp '^-rwsr-xr-x 0/0 +2 '
	run -0 pstore container unmount m
	# a container without a map sees the files as they are
	run -0 pstore container create --image bb --name plain
	run -0 pstore container mount plain
	assert_equal "$(stat -c %u:%g "$(json_field mountpoint)/bin/busybox")" 0:0
	run -0 pstore container unmount plain
}

# st_diff_is_original TAR [APPLY-ARGS...]: applied, the layer's diff is TAR byte for byte.
st_diff_is_original() {
	local tar="$1"
	shift
	run -0 pstore layer apply "$@" "$tar"
	local id diff_id
	id="$(json_field id)"
	diff_id="$(json_field diff_id)"
	pstore layer diff "$id" >"$TEST_DIR/back.tar"
	assert_equal "sha256:$(sha256sum <"$TEST_DIR/back.tar" | cut -d' ' -f1)" "$diff_id"
}

st_diff_exact() {
	busybox_layer
	st_diff_is_original "$BUSYBOX_LAYER"
	# pax headers, xattrs, hardlinks, devices, fifos, whiteouts, long names
	printf '%s\n' "dir d mode=0750 uid=1000" "file d/f content=hello xattr.user.a=1" \
		"hardlink d/h target=d/f" "symlink d/l target=f" "char d/c major=1 minor=3" \
		"fifo d/p" "file d/.wh.gone" "file d/.wh..wh..opq" \
		"file $(printf 'n%.0s' {1..150})/$(printf 'm%.0s' {1..150}) content=long" "file empty" |
		storage_mktar "$TEST_DIR/pax.tar"
	st_diff_is_original "$TEST_DIR/pax.tar" --id pax
	# GNU tar: sparse files, long names as GNU headers
	mkdir -p "$TEST_DIR/g/$(printf 'd%.0s' {1..120})"
	truncate -s 8M "$TEST_DIR/g/sparse"
	echo data | dd of="$TEST_DIR/g/sparse" bs=1M seek=4 conv=notrunc status=none
	seq 1 20000 >"$TEST_DIR/g/$(printf 'd%.0s' {1..120})/numbers"
	tar --sparse --format=gnu -C "$TEST_DIR/g" -cf "$TEST_DIR/gnu.tar" .
	st_diff_is_original "$TEST_DIR/gnu.tar" --id gnu
	tar --sparse --format=posix -C "$TEST_DIR/g" -cf "$TEST_DIR/posix.tar" .
	st_diff_is_original "$TEST_DIR/posix.tar" --id posix
	# a path written twice: no record, a new tar with the last contents
	printf '%s\n' "file twice content=one" "file twice content=two" | storage_mktar "$TEST_DIR/twice.tar"
	run -0 pstore layer apply --id twice "$TEST_DIR/twice.tar"
	pstore layer diff twice | tar -xO twice >"$TEST_DIR/twice.out"
	assert_equal "$(cat "$TEST_DIR/twice.out")" two
	# the files changed under the layer: an error, not a wrong tar taken for the right one
	run -0 pstore layer inspect pax
	printf HELLO >"$(json_field path)/d/f"
	if pstore layer diff pax >/dev/null 2>"$TEST_DIR/err"; then false; fi
	run cat "$TEST_DIR/err"
	assert_output --partial "layer diff: the tar written has the digest 'sha256:"
}

st_image_mount() {
	st_whiteout_layers
	run -0 pstore image mount wh
	local mp
	mp="$(json_field mountpoint)"
	assert_equal "$(json_field mount_count)" 1
	assert_equal "$(ls -A "$mp/a" | tr '\n' ' ')" "added both keep "
	assert_equal "$(ls -A "$mp/opq" | tr '\n' ' ')" "implicit new "
	if [[ "$STORAGE_DRIVER" == overlay ]]; then
		run ! touch "$mp/new"
		assert_output --partial "Read-only file system"
	fi
	run -0 pstore image mount wh
	assert_equal "$(json_field mount_count)" 2
	run -0 pstore image inspect wh
	assert_equal "$(json_field mount_count)" 2
	run -1 pstore image rm wh
	assert_output --partial "is mounted; unmount it first"
	run -0 pstore image unmount wh
	assert_equal "$(json_field mounted)" true
	run -0 pstore image unmount wh
	assert_equal "$(json_field mounted)" false
	if [[ "$STORAGE_DRIVER" == overlay ]]; then
		run -1 findmnt "$mp"
	fi
	run -0 pstore image rm wh
}

# st_crash POINT CMD...: pea-storage CMD killed at POINT; then the store is consistent.
st_crash() {
	local point="$1"
	shift
	PEA_STORAGE_TEST_CRASH="$point" run pstore "$@"
	assert_equal "$status" 137
	run -0 pstore check --repair
	run -0 pstore check
	assert_equal "$(json_field ok)" true
}

st_crash_points() {
	st_whiteout_layers
	printf 'file f content=x\n' | storage_mktar "$TEST_DIR/f.tar"
	st_crash layer-before-record layer apply "$TEST_DIR/f.tar"
	run -0 pstore layer ls
	assert_equal "$(jq '.result | length' <<<"$output")" 2
	# synced, its record written but not yet renamed into place
	st_crash layer-before-rename layer apply "$TEST_DIR/f.tar"
	run -0 pstore layer ls
	assert_equal "$(jq '.result | length' <<<"$output")" 2
	assert_equal "$(find "$STORE_ROOT/layers" -name '*.tmp.*' | wc -l)" 0
	st_crash image-before-record image create --layers "$L1" --name one --config "$TEST_DIR/f.tar"
	run -1 pstore image inspect one
	# its config blob, written before the record, went with the next open
	assert_equal "$(find "$STORE_ROOT/images" -mindepth 1 -maxdepth 1 -type d | wc -l)" 0
	# config and record synced, the record not yet renamed into place: no image, no litter
	st_crash image-before-rename image create --layers "$L1" --name one --config "$TEST_DIR/f.tar"
	run -1 pstore image inspect one
	assert_equal "$(find "$STORE_ROOT/images" -mindepth 1 -maxdepth 1 -type d | wc -l)" 0
	assert_equal "$(find "$STORE_ROOT/images" -name '*.tmp.*' | wc -l)" 0
	run -0 pstore image create --layers "$L1" --name one --config "$TEST_DIR/f.tar"
	run -0 pstore image inspect one
	run -0 pstore image rm one
	st_crash container-before-record container create --image wh --name c
	run -0 pstore container ls
	assert_equal "$(jq '.result | length' <<<"$output")" 0
	run -0 pstore container create --image wh --name c
	st_crash container-rm-after-record container rm c
	run -0 pstore layer ls
	assert_equal "$(jq '.result | length' <<<"$output")" 2
	st_crash image-rm-after-record image rm wh
	run -0 pstore image ls
	assert_equal "$(jq '.result | length' <<<"$output")" 0
	run -0 pstore layer rm "$L2"
	st_crash layer-rm-after-record layer rm "$L1"
	st_nothing_left
}

# ---- parallel applies ---------------------------------------------------------------------

# st_wait_flock PID: until PID's child (timeout runs the apply) sleeps on a file lock: an
# apply waiting for its parent.
st_wait_flock() {
	local n c
	for ((n = 0; n < 200; n++)); do
		for c in $(pgrep -P "$1"); do
			[[ "$(cat "/proc/$c/wchan" 2>/dev/null)" == *lock* ]] && return 0
		done
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# st_chain_id PARENT_ID DIFF_ID: the chain id of a layer over PARENT_ID ("" for a base).
st_chain_id() {
	if [[ -z "$1" ]]; then
		echo "${2#sha256:}"
	else
		printf 'sha256:%s %s' "$1" "$2" | sha256sum | cut -d' ' -f1
	fi
}

# st_two_layers: l1.tar (plain) and l2.tar.gz over it (whiteouts, an opaque dir), their diff
# ids D1 D2, digests G1 G2 and chain ids C1 C2.
st_two_layers() {
	st_whiteout_layers_tars
	gzip -c "$TEST_DIR/l2.tar" >"$TEST_DIR/l2.tar.gz"
	D1="sha256:$(sha256sum <"$TEST_DIR/l1.tar" | cut -d' ' -f1)"
	D2="sha256:$(sha256sum <"$TEST_DIR/l2.tar" | cut -d' ' -f1)"
	G1="$D1"
	G2="sha256:$(sha256sum <"$TEST_DIR/l2.tar.gz" | cut -d' ' -f1)"
	C1="$(st_chain_id "" "$D1")"
	C2="$(st_chain_id "$C1" "$D2")"
}

# st_store_listing: the layers (id, parent, diff id, digest, size) and each layer's files.
st_store_listing() {
	local id
	pstore layer ls | jq -c '.result | sort_by(.id)[] | [.id, .parent, .diff_id,
		.compressed_digest, .size, .compression]'
	for id in $(pstore layer ls | jq -r '.result[].id' | sort); do
		echo "== $id"
		tree_listing "$(pstore layer inspect "$id" | jq -r .result.path)"
	done
}

# st_sequential_listing: the same two layers applied one after the other, in another store.
st_sequential_listing() {
	local root="$STORE_ROOT" runroot="$STORE_RUN"
	STORE_ROOT="$TEST_DIR/seq-store" STORE_RUN="$TEST_DIR/seq-run"
	pstore layer apply "$TEST_DIR/l1.tar" >/dev/null
	pstore layer apply --parent "$C1" "$TEST_DIR/l2.tar.gz" >/dev/null
	st_store_listing
	STORE_ROOT="$root" STORE_RUN="$runroot"
}

# st_apply_bg OUT ARGS...: pea-storage layer apply ARGS in the background (pid in BG_PID).
st_apply_bg() {
	local out="$1"
	shift
	timeout -k 5 60 "$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" \
		--storage-driver "$STORAGE_DRIVER" layer apply "$@" >"$out" 2>"$out.err" 3>&- &
	BG_PID=$!
}

# st_parallel_parent_first: the child's apply ends while its parent's is still reading.
st_parallel_parent_first() {
	local fd ppid cpid n
	st_two_layers
	mkfifo "$TEST_DIR/fifo"
	exec {fd}<>"$TEST_DIR/fifo"
	st_apply_bg "$TEST_DIR/o1" --diff-id "$D1" --digest "$G1" "$TEST_DIR/fifo" {fd}>&-
	ppid=$BG_PID
	st_wait_announced "$C1"
	st_apply_bg "$TEST_DIR/o2" --parent "$C1" --diff-id "$D2" --digest "$G2" \
		"$TEST_DIR/l2.tar.gz" {fd}>&-
	cpid=$BG_PID
	st_wait_flock "$cpid"
	cat "$TEST_DIR/l1.tar" >&"$fd"
	exec {fd}>&-
	wait "$ppid"
	wait "$cpid"
	assert_equal "$(jq -r .result.id "$TEST_DIR/o1")" "$C1"
	assert_equal "$(jq -r .result.id "$TEST_DIR/o2")" "$C2"
	assert_equal "$(jq -r .result.parent "$TEST_DIR/o2")" "$C1"
	assert_equal "$(st_store_listing)" "$(st_sequential_listing)"
	run -0 pstore check
	assert_equal "$(json_field ok)" true
	assert_equal "$(find "$STORE_ROOT/staging" -mindepth 1 | wc -l)" 0
}

# st_wait_announced ID: until an apply of layer ID has announced itself.
st_wait_announced() {
	local n
	for ((n = 0; n < 200; n++)); do
		[[ -e "$STORE_ROOT/staging/applying-$1.lock" ]] && return 0
		sleep 0.05
	done
	return 1
}

# st_parallel_child_first: the child starts (and reads) before its parent starts.
st_parallel_child_first() {
	local fd cpid
	st_two_layers
	mkfifo "$TEST_DIR/fifo"
	exec {fd}<>"$TEST_DIR/fifo"
	gzip -c "$TEST_DIR/l2.tar" | head -c 100 >&"$fd"
	st_apply_bg "$TEST_DIR/o2" --parent "$C1" --diff-id "$D2" "$TEST_DIR/fifo" {fd}>&-
	cpid=$BG_PID
	st_wait_announced "$C2"
	run -0 pstore layer apply --diff-id "$D1" "$TEST_DIR/l1.tar"
	gzip -c "$TEST_DIR/l2.tar" | tail -c +101 >&"$fd"
	exec {fd}>&-
	wait "$cpid"
	assert_equal "$(jq -r .result.id "$TEST_DIR/o2")" "$C2"
	assert_equal "$(st_store_listing)" "$(st_sequential_listing)"
	run -0 pstore check
	assert_equal "$(json_field ok)" true
}

# st_parallel_parent_fails: the child waits for a parent whose stream is not its diff id.
st_parallel_parent_fails() {
	local fd ppid cpid rc
	st_two_layers
	mkfifo "$TEST_DIR/fifo"
	exec {fd}<>"$TEST_DIR/fifo"
	st_apply_bg "$TEST_DIR/o1" --diff-id "$D1" "$TEST_DIR/fifo" {fd}>&-
	ppid=$BG_PID
	st_wait_announced "$C1"
	st_apply_bg "$TEST_DIR/o2" --parent "$C1" --diff-id "$D2" "$TEST_DIR/l2.tar.gz" {fd}>&-
	cpid=$BG_PID
	st_wait_flock "$cpid"
	cat "$TEST_DIR/l2.tar" >&"$fd" # not the parent's tar
	exec {fd}>&-
	rc=0
	wait "$ppid" || rc=$?
	assert_equal "$rc" 1
	rc=0
	wait "$cpid" || rc=$?
	assert_equal "$rc" 1
	run cat "$TEST_DIR/o2.err"
	assert_output "pea-storage: layer apply: parent layer '$C1': its apply failed: the layer's diff id is '$D2', not '$D1'"
	assert_equal "$(jq -r .error.errno "$TEST_DIR/o2")" ENOENT
	st_nothing_left
}

# st_apply_pid PID: the pea-storage that st_apply_bg's timeout PID runs.
st_apply_pid() {
	pgrep -P "$1"
}

# st_parallel_parent_killed [WAIT...]: the parent's apply is killed while its child waits on
# it (with the options WAIT): the child fails at once, and says so; check --repair cleans.
st_parallel_parent_killed() {
	local fd ppid cpid rc
	st_two_layers
	mkfifo "$TEST_DIR/fifo"
	exec {fd}<>"$TEST_DIR/fifo"
	st_apply_bg "$TEST_DIR/o1" --diff-id "$D1" "$TEST_DIR/fifo" {fd}>&-
	ppid=$BG_PID
	st_wait_announced "$C1"
	head -c 3000 "$TEST_DIR/l1.tar" >&"$fd" # mid-apply
	st_apply_bg "$TEST_DIR/o2" "$@" --parent "$C1" --diff-id "$D2" "$TEST_DIR/l2.tar.gz" {fd}>&-
	cpid=$BG_PID
	st_wait_flock "$cpid"
	kill -9 "$(st_apply_pid "$ppid")"
	rc=0
	wait "$ppid" || rc=$?
	assert_equal "$rc" 137
	rc=0
	wait "$cpid" || rc=$?
	exec {fd}>&-
	assert_equal "$rc" 1
	run cat "$TEST_DIR/o2.err"
	assert_output "pea-storage: layer apply: parent layer '$C1': its apply stopped before committing it"
	run -0 pstore check --repair
	run -0 pstore check
	assert_equal "$(json_field ok)" true
	st_nothing_left
	assert_equal "$(find "$STORE_RUN/applies" -mindepth 1 | wc -l)" 0
}

# st_parallel_late_failure: a child waits (--wait-parent) for a parent not started yet; the
# parent then starts and fails on its digest: the child fails at once with the reason.
st_parallel_late_failure() {
	local cpid rc
	st_two_layers
	st_apply_bg "$TEST_DIR/o2" --wait-parent --parent "$C1" --diff-id "$D2" "$TEST_DIR/l2.tar.gz"
	cpid=$BG_PID
	st_wait_sleep "$cpid"
	run -1 pstore layer apply --diff-id "$D1" --digest "$G2" "$TEST_DIR/l1.tar"
	assert_output --partial "the stream's digest is '$G1', not '$G2'"
	rc=0
	wait "$cpid" || rc=$?
	assert_equal "$rc" 1
	run cat "$TEST_DIR/o2.err"
	assert_output "pea-storage: layer apply: parent layer '$C1': its apply failed: the stream's digest is '$G1', not '$G2'"
	st_nothing_left
	# the notes of the failures stay for the applies that wait; check --repair removes them
	assert_equal "$(ls "$STORE_RUN/applies" | sort)" "$(printf 'failed-%s\n' "$C1" "$C2" | sort)"
	run -0 pstore check --repair
	assert_equal "$(jq -r '.result.removed | sort | join(" ")' <<<"$output")" \
		"$(printf 'applies/failed-%s\n' "$C1" "$C2" | sort | paste -sd' ')"
	assert_equal "$(find "$STORE_RUN/applies" -mindepth 1 | wc -l)" 0
	# a new apply is not refused for the old failure
	run -0 pstore layer apply --diff-id "$D1" "$TEST_DIR/l1.tar"
	run -0 pstore layer apply --wait-parent --parent "$C1" --diff-id "$D2" "$TEST_DIR/l2.tar.gz"
	assert_equal "$(json_field id)" "$C2"
}

# st_parallel_wait_timeout: a parent that never starts: --wait-timeout ends the wait.
st_parallel_wait_timeout() {
	st_two_layers
	run -1 timeout -k 5 60 "$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" \
		--storage-driver "$STORAGE_DRIVER" layer apply --wait-parent --wait-timeout 1 \
		--parent "$C1" "$TEST_DIR/l2.tar.gz"
	assert_output --partial "parent layer '$C1': its apply did not start in 1 s (--wait-timeout)"
	assert_equal "$(jq -r .error.errno <<<"${lines[-1]}")" ETIMEDOUT
	st_nothing_left
	# a parent that is applied for longer than the timeout
	mkfifo "$TEST_DIR/fifo"
	exec {fd}<>"$TEST_DIR/fifo"
	st_apply_bg "$TEST_DIR/o1" --diff-id "$D1" "$TEST_DIR/fifo" {fd}>&-
	ppid=$BG_PID
	st_wait_announced "$C1"
	run -1 pstore layer apply --wait-timeout 1 --parent "$C1" "$TEST_DIR/l2.tar.gz"
	assert_output --partial "parent layer '$C1': its apply did not end in 1 s (--wait-timeout)"
	# SIGALRM ignored by the caller: the same
	run -1 timeout -k 5 60 bash -c 'trap "" ALRM; exec "$@"' _ "$PEA_STORAGE" --root "$STORE_ROOT" \
		--runroot "$STORE_RUN" --storage-driver "$STORAGE_DRIVER" layer apply --wait-timeout 1 \
		--parent "$C1" "$TEST_DIR/l2.tar.gz"
	assert_output --partial "parent layer '$C1': its apply did not end in 1 s (--wait-timeout)"
	cat "$TEST_DIR/l1.tar" >&"$fd"
	exec {fd}>&-
	wait "$ppid"
	for bad in 0 -1 x 1.5 604801 ""; do
		run -2 pstore layer apply --wait-timeout "$bad" "$TEST_DIR/l1.tar"
		assert_output --partial "layer apply: invalid --wait-timeout '$bad' (seconds, 1 to 604800)"
	done
}

# st_parallel_parent_never_arrives: a child whose parent is not applied is refused; one
# waiting for a parent whose apply is killed, killed too, is cleaned by check --repair.
st_parallel_parent_never_arrives() {
	local fd ppid cpid
	st_two_layers
	run -1 pstore layer apply --parent "$C1" "$TEST_DIR/l2.tar.gz"
	assert_output --partial "parent layer '$C1' does not exist and is not being applied"
	st_nothing_left
	mkfifo "$TEST_DIR/fifo"
	exec {fd}<>"$TEST_DIR/fifo"
	st_apply_bg "$TEST_DIR/o1" --diff-id "$D1" "$TEST_DIR/fifo" {fd}>&-
	ppid=$BG_PID
	st_wait_announced "$C1"
	st_apply_bg "$TEST_DIR/o2" --parent "$C1" --diff-id "$D2" "$TEST_DIR/l2.tar.gz" {fd}>&-
	cpid=$BG_PID
	st_wait_flock "$cpid"
	kill -9 "$cpid" "$ppid"
	wait "$cpid" || true
	wait "$ppid" || true
	exec {fd}>&-
	run -0 pstore check --repair
	run -0 pstore check
	assert_equal "$(json_field ok)" true
	st_nothing_left
}

# st_plain_digest: a plain tar's digest is its diff id, hashed once; a wrong one is refused.
st_plain_digest() {
	st_two_layers
	run -1 pstore layer apply --digest "$D2" "$TEST_DIR/l1.tar"
	assert_output --partial "the stream's digest is '$D1', not '$D2'"
	st_nothing_left
	run -0 pstore layer apply --digest "$D1" --diff-id "$D1" "$TEST_DIR/l1.tar"
	assert_equal "$(json_field diff_id)" "$D1"
	assert_equal "$(json_field compression)" none
	assert_equal "$(json_field size)" "$(stat -c %s "$TEST_DIR/l1.tar")"
}

# st_wait_sleep PID: until PID's child (timeout runs the apply) sleeps in nanosleep: an
# apply with --wait-parent looking for a parent that has not started.
st_wait_sleep() {
	local n c
	for ((n = 0; n < 200; n++)); do
		for c in $(pgrep -P "$1"); do
			[[ "$(cat "/proc/$c/wchan" 2>/dev/null)" == *sleep* ]] && return 0
		done
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# st_parallel_wait_start: with --wait-parent, a child waits for a parent not yet started;
# killed while it waits, it is cleaned by check --repair.
st_parallel_wait_start() {
	local cpid
	st_two_layers
	st_apply_bg "$TEST_DIR/o2" --wait-parent --parent "$C1" --diff-id "$D2" "$TEST_DIR/l2.tar.gz"
	cpid=$BG_PID
	st_wait_sleep "$cpid"
	run -0 pstore layer apply --diff-id "$D1" "$TEST_DIR/l1.tar"
	wait "$cpid"
	assert_equal "$(jq -r .result.id "$TEST_DIR/o2")" "$C2"
	assert_equal "$(st_store_listing)" "$(st_sequential_listing)"
	# a parent that never arrives
	run -0 pstore layer rm "$C2"
	run -0 pstore layer rm "$C1"
	st_apply_bg "$TEST_DIR/o2" --wait-parent --parent "$C1" "$TEST_DIR/l2.tar.gz"
	cpid=$BG_PID
	st_wait_sleep "$cpid"
	run -0 pstore check
	assert_equal "$(json_field ok)" true # an apply in progress is not damage
	kill -9 $(pgrep -P "$cpid")
	wait "$cpid" || true
	run -0 pstore check --repair
	[[ "$(jq -r '.result.removed[0]' <<<"$output")" == staging/* ]]
	run -0 pstore check
	assert_equal "$(json_field ok)" true
	st_nothing_left
	# a forced id never waits
	run -1 pstore layer apply --wait-parent --id forced --parent "$C1" "$TEST_DIR/l2.tar.gz"
	assert_output --partial "parent layer '$C1' does not exist"
	st_nothing_left
}

# storage_no_io_getevents CMD...: CMD with the kernel refusing io_getevents(2) (EIO), through
# a seccomp filter (x86_64 and aarch64): an apply that cannot wait for its AIO writes.
storage_no_io_getevents() {
	"$STORAGE_PYTHON" -c '
import ctypes, os, platform, struct, sys
arch, nr = {"x86_64": (0xC000003E, 208), "aarch64": (0xC00000B7, 4)}[platform.machine()]
ins = [(0x20, 0, 0, 4), (0x15, 0, 3, arch), (0x20, 0, 0, 0), (0x15, 0, 1, nr),
       (0x06, 0, 0, 0x00050000 | 5), (0x06, 0, 0, 0x7FFF0000)]
code = b"".join(struct.pack("HBBI", *i) for i in ins)
buf = ctypes.create_string_buffer(code, len(code))
prog = struct.pack("HxxxxxxP", len(ins), ctypes.addressof(buf))
pbuf = ctypes.create_string_buffer(prog, len(prog))
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
if libc.prctl(38, 1, 0, 0, 0) or libc.prctl(22, 2, ctypes.addressof(pbuf), 0, 0):
    sys.exit("seccomp: " + os.strerror(ctypes.get_errno()))
os.execvp(sys.argv[1], sys.argv[1:])
' "$@"
}
