#!/usr/bin/env bats
# pea-storage: a new layer's root is its parent's mode, also when the parent is applied at the
# same time (a pull: every layer's apply starts at once with --wait-parent).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage
load helpers/storage-file

# root_mode ID: the mode of layer ID's root (its diff folder).
root_mode() {
	stat -c %a "$(pstore layer inspect "$1" | jq -r .result.path)"
}

@test "rootmode: layers applied while their parents apply (--wait-parent) take the stored base's mode" {
	local i fd ppid pids=() d c
	echo "file base" | storage_mktar "$TEST_DIR/l0.tar"
	for i in 1 2 3; do
		echo "file f$i content=$i" | storage_mktar "$TEST_DIR/l$i.tar"
	done
	run -0 pstore layer apply "$TEST_DIR/l0.tar"
	C[0]=$(json_field id)
	assert_equal "$(root_mode "${C[0]}")" 555
	# a base layer of a store from before the 0555 rule: its root 0755
	chmod 0755 "$(pstore layer inspect "${C[0]}" | jq -r .result.path)"
	for i in 1 2 3; do
		d="sha256:$(sha256sum <"$TEST_DIR/l$i.tar" | cut -d' ' -f1)"
		D[i]=$d
		C[i]=$(st_chain_id "${C[i - 1]}" "$d")
	done
	# layer 1 reads a fifo: still in staging while 2 and 3 are made and applied
	mkfifo "$TEST_DIR/fifo"
	exec {fd}<>"$TEST_DIR/fifo"
	st_apply_bg "$TEST_DIR/o1" --parent "${C[0]}" --diff-id "${D[1]}" --wait-parent \
		"$TEST_DIR/fifo" {fd}>&-
	ppid=$BG_PID
	st_wait_announced "${C[1]}"
	for i in 2 3; do
		st_apply_bg "$TEST_DIR/o$i" --parent "${C[i - 1]}" --diff-id "${D[i]}" --wait-parent \
			"$TEST_DIR/l$i.tar" {fd}>&-
		pids+=("$BG_PID")
		st_wait_announced "${C[i]}"
		st_wait_flock "$BG_PID"
	done
	cat "$TEST_DIR/l1.tar" >&"$fd"
	exec {fd}>&-
	wait "$ppid"
	for c in "${pids[@]}"; do
		wait "$c"
	done
	for i in 1 2 3; do
		assert_equal "$(jq -r .result.id "$TEST_DIR/o$i")" "${C[i]}"
		assert_equal "$(root_mode "${C[i]}")" 755
	done
	# a base layer applied now: 0555
	echo "file other content=x" | storage_mktar "$TEST_DIR/b.tar"
	run -0 pstore layer apply "$TEST_DIR/b.tar"
	assert_equal "$(root_mode "$(json_field id)")" 555
	run -0 pstore check
	assert_equal "$(json_field ok)" true
}
