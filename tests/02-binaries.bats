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
