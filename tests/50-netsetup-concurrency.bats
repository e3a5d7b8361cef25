#!/usr/bin/env bats
# Many setups and teardowns at once on one bridge: the lock serializes them,
# none fails, the rules and the DNS file hold every container exactly once,
# and the parallel teardowns leave nothing.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-netsetup

N=8

setup() {
	require_cmd "$AARDVARK_DNS"
	nsu_setup "$N"
}

teardown() {
	nsu_teardown
}

@test "concurrency: $N setups at once, then $N teardowns at once" {
	local i before pids=()
	before=$(nsu_snapshot)
	for ((i = 0; i < N; i++)); do
		nsu_json "$(nsu_id "c$i")" podman1 podman1 eth0 "10.89.3.0/24,10.89.3.1,10.89.3.$((i + 2))" |
			jq --argjson p $((8000 + i)) '.network_info.podman1.dns_enabled = true
			    | .container_name = "c\($p)"
			    | .port_mappings = [{host_ip: "", container_port: 80, host_port: $p, range: 1, protocol: "tcp"}]' \
				>"$TEST_DIR/o$i.json"
	done
	for ((i = 0; i < N; i++)); do
		nsu_host "$PEA_NETSETUP" --config "$NSU_CONF" --aardvark-binary "$AARDVARK_DNS" \
			-f "$TEST_DIR/o$i.json" setup "${NSU_CTR_PATH[i]}" >"$TEST_DIR/out$i" 2>&1 &
		pids+=($!)
	done
	for ((i = 0; i < N; i++)); do
		wait "${pids[i]}" || fail "setup $i: $(cat "$TEST_DIR/out$i")"
	done
	run -0 --separate-stderr nsu_host ip -o link show master podman1
	assert_equal "${#lines[@]}" "$N"
	run -0 nsu_host nft -j list ruleset
	for ((i = 0; i < N; i++)); do
		assert_equal "$(jq "[.nftables[].rule | select(. != null) | select(.comment == \"$(nsu_id "c$i")\")] | length" <<<"$output")" 3
	done
	assert_equal "$(jq '[.nftables[].rule | select(. != null) | select(.comment == "net:podman1")] | length' <<<"$output")" 3
	assert_equal "$(wc -l <"$NSU_CONF/aardvark-dns/podman1")" $((N + 1))
	run -0 nsu_ctr 0 busybox ping -c1 -W2 "10.89.3.$((N + 1))"
	# aardvark-dns restarts its listeners on each reload: ask again for a while
	for ((i = 0; i < 10; i++)); do
		nsu_ctr 0 busybox nslookup "c$((8000 + N - 1))" 10.89.3.1 >/dev/null 2>&1 && break
		sleep 0.3
	done
	run -0 nsu_ctr 0 busybox nslookup "c$((8000 + N - 1))" 10.89.3.1
	assert_output --partial "10.89.3.$((N + 1))"

	pids=()
	for ((i = 0; i < N; i++)); do
		nsu_host "$PEA_NETSETUP" --config "$NSU_CONF" --aardvark-binary "$AARDVARK_DNS" \
			-f "$TEST_DIR/o$i.json" teardown "${NSU_CTR_PATH[i]}" >"$TEST_DIR/out$i" 2>&1 &
		pids+=($!)
	done
	for ((i = 0; i < N; i++)); do
		wait "${pids[i]}" || fail "teardown $i: $(cat "$TEST_DIR/out$i")"
	done
	assert_equal "$(nsu_snapshot)" "$before"
	[[ ! -e $NSU_CONF/aardvark-dns/podman1 ]]
}
