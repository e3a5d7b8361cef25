#!/usr/bin/env bats
# The isolate option, as netavark: isolated networks (isolate=true) exchange
# nothing with each other, strict ones (isolate=strict) nothing with any other
# network; all still reach the outside, and teardown removes their rules.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-netsetup

setup() {
	nsu_setup 4
}

teardown() {
	nsu_teardown
}

# net I NAME BRIDGE THIRD_OCTET ISOLATE: options file $TEST_DIR/I.json
net() {
	local i=$1 name=$2 br=$3 o=$4 iso=$5
	nsu_json "$(nsu_id "iso$i")" "$name" "$br" eth0 "10.89.$o.0/24,10.89.$o.1,10.89.$o.2" |
		jq --arg iso "$iso" --arg n "$name" \
			'if $iso == "" then . else .network_info[$n].options = {isolate: $iso} end' \
			>"$TEST_DIR/$i.json"
	nsu_run -f "$TEST_DIR/$i.json" setup "${NSU_CTR_PATH[i]}"
	assert_success
}

reach() {
	nsu_ctr "$1" busybox ping -c1 -W1 "$2"
}

@test "isolate: true keeps isolated networks apart, strict keeps apart from all" {
	local before
	before=$(nsu_snapshot)
	nsu_host ip addr add 198.51.100.1/32 dev lo
	net 0 iso1 isobr1 10 true
	net 1 iso2 isobr2 11 true
	net 2 strict strictbr 12 strict
	net 3 plain plainbr 13 ""
	# isolated from each other
	run -1 reach 0 10.89.11.2
	run -1 reach 1 10.89.10.2
	run -1 reach 0 10.89.12.2
	run -1 reach 2 10.89.10.2
	# strict: from and to the plain network too
	run -1 reach 2 10.89.13.2
	run -1 reach 3 10.89.12.2
	# isolate=true and a plain network talk
	run -0 reach 3 10.89.10.2
	run -0 reach 0 10.89.13.2
	# everyone gets out
	for i in 0 1 2 3; do
		run -0 reach "$i" 198.51.100.1
	done
	for i in 0 1 2 3; do
		nsu_run -f "$TEST_DIR/$i.json" teardown "${NSU_CTR_PATH[i]}"
		assert_success
	done
	nsu_host ip addr del 198.51.100.1/32 dev lo
	assert_equal "$(nsu_snapshot)" "$before"
}
