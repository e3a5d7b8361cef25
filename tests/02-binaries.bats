#!/usr/bin/env bats
# What every binary of the project owes its users: --help, --version, a clear
# one-line error for a bad option, and a man page.
bats_require_minimum_version 1.5.0
load helpers/common

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
PEA_VERSION_EXPECTED=$(sed -n "s/^VERSION := //p" "$TOP/Makefile")

binaries() {
	local b
	for b in "$PEA_BUILD"/bin/*; do
		[[ -x $b ]] && basename "$b"
	done
}

@test "binaries are built" {
	run binaries
	assert_success
	[[ -n $output ]] || fail "no binaries in $PEA_BUILD/bin"
}

@test "every binary prints --version and --help on stdout and exits 0" {
	local b
	for b in $(binaries); do
		run -0 "$PEA_BUILD/bin/$b" --version
		assert_output --partial "$PEA_VERSION_EXPECTED"
		run -0 "$PEA_BUILD/bin/$b" --help
		assert_output --regexp "(U|u)sage"
	done
}

@test "every binary refuses an unknown option with one line naming it" {
	local b
	for b in $(binaries); do
		run --separate-stderr "$PEA_BUILD/bin/$b" --pea-no-such-option
		((status != 0)) || fail "$b accepted an unknown option"
		[[ $stderr == *pea-no-such-option* ]] || fail "$b: error does not name the option: $stderr"
	done
}

@test "every binary has a man page that renders" {
	local b page
	for b in $(binaries); do
		page=$(ls "$TOP"/docs/"$b".[1-8].md 2>/dev/null | head -1)
		[[ -n $page ]] || fail "no docs/$b.N.md"
		run -0 go-md2man -in "$page" -out "$TEST_DIR/$b.man"
		run -0 grep -q '^\.TH' "$TEST_DIR/$b.man"
		run -0 grep -q '^\.SH SYNOPSIS' "$TEST_DIR/$b.man"
	done
}

@test "the binaries of every container start load neither libarchive nor libcrypto at exec (lib/dl.h)" {
	# pea run execs pea, pea-storage, pea-monitor and pea-runtime several
	# times; each library in DT_NEEDED costs every one of those execs
	local b
	for b in pea pea-storage pea-monitor pea-runtime; do
		run -0 ldd "$PEA_BUILD/bin/$b"
		refute_output --partial libarchive
		refute_output --partial libcrypto
		refute_output --partial libxml2
	done
}

@test "pea, pea-storage, pea-monitor and pea-runtime have json-c linked in, not in DT_NEEDED" {
	# each is exec'd on every pea run (pea-storage three times): loading and
	# binding libjson-c.so cost 0.06-0.23 ms of CPU per exec here (pea_program's
	# STATIC_PKG_MODULES; pea-runtime's RUNTIME_LINK)
	local b
	for b in pea pea-storage pea-monitor pea-runtime; do
		run -0 ldd "$PEA_BUILD/bin/$b"
		refute_output --partial libjson-c
	done
	for b in bin/pea libexec/pea/pea-storage-layers; do
		run -0 ldd "$PEA_BUILD/$b"
		assert_output --partial libc.so
		refute_output --partial libjson-c
	done
	run -0 "$PEA_BUILD/bin/pea-storage" --version
	run -0 "$PEA_BUILD/bin/pea-monitor" --version
}

@test "pea-storage, pea-monitor and pea-runtime are static PIEs: no program interpreter, no DT_NEEDED" {
	# exec'd on every container start (pea-runtime and pea-storage twice a run
	# --rm): ld.so's mapping, relocating and binding of libc.so cost 0.26-0.47
	# ms of CPU per exec here (Makefile: pea_static_program). A sanitizer build
	# links them dynamically (the sanitizers need ld.so).
	local b
	if ldd "$PEA_BUILD/bin/pea" | grep -q 'libasan\|libubsan'; then
		skip "expected: a sanitizer build links every binary dynamically"
	fi
	for b in pea-storage pea-monitor pea-runtime; do
		run -0 readelf -lW "$PEA_BUILD/bin/$b"
		refute_output --partial INTERP
		assert_output --partial 'Position-Independent Executable'
		run -0 readelf -dW "$PEA_BUILD/bin/$b"
		refute_output --partial NEEDED
		run -0 "$PEA_BUILD/bin/$b" --version
	done
}

@test "libarchive loaded on first use: a layer applies; a library that cannot be loaded is one line" {
	local store="$TEST_DIR/store" sto=("$PEA_BUILD/bin/pea-storage" --root "$TEST_DIR/store" --runroot "$TEST_DIR/run" --storage-driver vfs)
	mkdir -p "$TEST_DIR/src/d" "$TEST_DIR/bad"
	echo hi >"$TEST_DIR/src/d/f"
	tar -C "$TEST_DIR/src" -cf "$TEST_DIR/l.tar" d
	run -0 "${sto[@]}" layer apply --id l1 <"$TEST_DIR/l.tar"
	[[ $(cat "$store"/vfs/l1/diff/d/f) == hi ]]
	# another library under its name, first in the search path: loads, lacks
	# libarchive's functions
	cp "$(ldconfig -p | awk '/libz\.so\.1 / {print $NF; exit}')" "$TEST_DIR/bad/libarchive.so.13"
	run --separate-stderr env LD_LIBRARY_PATH="$TEST_DIR/bad" "${sto[@]}" layer apply --id l2 <"$TEST_DIR/l.tar"
	((status != 0))
	[[ $stderr == *"cannot load archive_"*" from libarchive.so.13"* ]] || fail "stderr: $stderr"
	assert_equal "${#stderr_lines[@]}" 1
	# and nothing half-made: l2 is not a layer; the apply exited as a kill
	# would, and what it left in staging goes at the next writer's open (a
	# reader such as layer ls does not repair)
	run -0 "${sto[@]}" layer ls
	refute_output --partial '"l2"'
	run -0 "${sto[@]}" check
	run -0 ls -A "$store/staging"
	assert_output ""
	# what needs no tar never loads it
	run -0 env LD_LIBRARY_PATH="$TEST_DIR/bad" "${sto[@]}" layer ls
}
