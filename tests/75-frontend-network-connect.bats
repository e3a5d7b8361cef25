#!/usr/bin/env bats
# pea network connect, disconnect and reload: running and created
# containers join and leave networks (addresses allocated and freed, DNS
# names), published ports survive, reload restores flushed firewall rules.
# pea runs inside a network namespace made by the test (pea_net).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend

setup_file() {
	ensure_fixtures
	fe_server_start
}

teardown_file() {
	fe_server_stop
}

setup() {
	require_root
	require_cmd "$PEA"
	require_cmd "$PEA_NETSETUP"
	require_cmd "$PEA_DNSD"
	require_cmd tini
	fe_setup
	fe_net_setup
	fe_load_busybox
	pea_net network create --subnet 10.89.70.0/24 a >/dev/null
	pea_net network create --subnet 10.89.71.0/24 b >/dev/null
}

teardown() {
	fe_net_teardown
	fe_teardown
}

get() {
	fe_in_net curl -sS -m 3 --retry 5 --retry-connrefused --retry-delay 0 "$1"
}

@test "connect a running container: a new interface, its address and alias; disconnect" {
	local id
	id=$(pea_net_out run -d --name web --network a -p 8080:80 busybox httpd -f -p 80 -h /etc)
	run -0 pea_net network connect --alias www --ip 10.89.71.7 b web
	assert_output ""
	# the short id is an alias on each network (podman 4, docker), in DNS too
	run -0 pea_net inspect --format '{{(index .NetworkSettings.Networks "a").Aliases}}' web
	assert_output "[${id:0:12}]"
	run -0 pea_net inspect --format '{{(index .NetworkSettings.Networks "b").Aliases}}' web
	assert_output "[www ${id:0:12}]"
	run -0 pea_net run --rm --network b busybox nslookup "${id:0:12}"
	assert_output --partial "Address: 10.89.71.7"
	run -0 pea_net exec web ip -4 -o addr show eth1
	assert_output --partial "inet 10.89.71.7/24"
	run -0 pea_net run --rm --network b busybox sh -c 'nslookup www; wget -qO- http://web/hostname'
	assert_output --partial "Address: 10.89.71.7"
	assert_output --partial "${id:0:12}"
	run -0 get http://127.0.0.1:8080/hostname
	run -0 pea_net network disconnect b web
	run ! pea_net exec web ip -o link show eth1
	run -0 pea_net exec web ip -4 -o addr show eth0
	assert_output --partial "inet 10.89.70.2/24"
	# the port forward survived, and the address on b is free again
	run -0 get http://127.0.0.1:8080/hostname
	assert_output "${id:0:12}"
	run -0 pea_net run --rm --network b --ip 10.89.71.7 busybox true
	pea_net rm -f web >/dev/null
	fe_net_clean
}

@test "disconnect from the last network, connect again: the published ports come back (podman's 500-networking)" {
	local id
	# tests/75-frontend-network-netavark.bats runs this file on Debian's netavark 1.4
	[[ "${PEA_NETSETUP:-}" != */netavark ]] ||
		skip "expected: netavark 1.4 sends no gratuitous ARP: the host's neighbour cache keeps the old MAC for up to a minute"
	id=$(pea_net_out run -d --name web --network a:ip=10.89.70.5 -p 8080:80 busybox \
		httpd -f -p 80 -h /etc)
	run -0 get http://127.0.0.1:8080/hostname
	assert_output "${id:0:12}"
	run -0 pea_net network disconnect a web
	run ! fe_in_net curl -sS -m 2 http://127.0.0.1:8080/hostname
	# the same address on a new interface (a new MAC): its gratuitous ARP
	# (arp_notify) updates the host's neighbour cache at once, no retry needed
	run -0 pea_net network connect --ip 10.89.70.5 a web
	run -0 pea_net exec web cat /proc/sys/net/ipv4/conf/eth0/arp_notify
	assert_output 1
	run -0 fe_in_net curl -sS -m 3 http://127.0.0.1:8080/hostname
	assert_output "${id:0:12}"
	pea_net rm -f web >/dev/null
	fe_net_clean
}

@test "connect and disconnect a container that is not running" {
	pea_net create --name c --network a busybox sleep 100 >/dev/null
	pea_net network connect b c
	pea_net start c >/dev/null
	# (the addresses after those the tests before gave on a and b)
	run -0 pea_net exec c ip -4 -o addr
	assert_output --regexp "inet 10\.89\.70\.[0-9]+/24"
	assert_output --regexp "inet 10\.89\.71\.[0-9]+/24"
	b_ip=$(grep -o 'inet 10\.89\.71\.[0-9]*/24' <<<"$output")
	pea_net stop -t 0 c >/dev/null
	pea_net network disconnect a c
	pea_net start c >/dev/null
	run -0 pea_net exec c ip -4 -o addr
	refute_output --partial "10.89.70."
	assert_output --partial "$b_ip"
	# no network left at all: still a namespace of its own, with lo up
	pea_net stop -t 0 c >/dev/null
	pea_net network disconnect b c
	pea_net start c >/dev/null
	run -0 pea_net exec c ip -o link show
	assert_equal "${#lines[@]}" 1
	assert_output --partial "lo: <LOOPBACK,UP,LOWER_UP>"
	# a container created with --network none can join too
	pea_net create --name n --network none busybox sleep 100 >/dev/null
	pea_net network connect a n
	pea_net start n >/dev/null
	run -0 pea_net exec n ip -4 -o addr show eth0
	assert_output --regexp "inet 10\.89\.70\.[0-9]+/24"
}

@test "connect and disconnect wait for the container's own lock (a start or stop of it in progress)" {
	require_cmd flock
	run -0 pea_net create --name c --network a busybox sleep 100
	id=$output
	timeout -k 5 30 flock "$FE_RUNROOT/locks/$id" \
		bash -c 'while [[ ! -e "$0" ]]; do sleep 0.05; done' "$TEST_DIR/release" 3>&- &
	holder=$!
	for ((k = 0; k < 100; k++)); do
		flock -n "$FE_RUNROOT/locks/$id" true || break
		sleep 0.05
	done
	run -124 timeout 2 "$PEA" "${FE_ARGS[@]}" network connect b c
	touch "$TEST_DIR/release"
	wait "$holder"
	run -0 pea_net network connect b c
	run -0 pea_net inspect --format '{{json .NetworkSettings.Networks}}' c
	assert_output --partial '"a":'
	assert_output --partial '"b":'
}

@test "connect, disconnect: clear errors" {
	pea_net run -d --name c --network a busybox sleep 100 >/dev/null
	pea_net run -d --name h --network host busybox sleep 100 >/dev/null
	pea_net run -d --name other --network b --ip 10.89.71.9 busybox sleep 100 >/dev/null
	run -125 --separate-stderr pea_net network connect a c
	assert_equal "$stderr" "Error: container c is already connected to network a"
	run -125 --separate-stderr pea_net network connect nosuch c
	assert_equal "$stderr" "Error: unable to find network with name or ID nosuch: network not found"
	run -125 --separate-stderr pea_net network connect b nosuch
	assert_equal "$stderr" 'Error: no container with name or ID "nosuch" found: no such container'
	run -125 --separate-stderr pea_net network connect b h
	assert_equal "$stderr" "Error: container h has network mode host: only containers on bridge networks (or created with none) can join networks"
	run -125 --separate-stderr pea_net network connect --ip 10.89.71.9 b c
	assert_equal "$stderr" "Error: IPAM error: requested ip address 10.89.71.9 is already allocated to another container on network b"
	run -125 --separate-stderr pea_net network connect --ip 10.89.71 b c
	assert_equal "$stderr" "Error: --ip: '10.89.71' is not an IPv4 address"
	run -125 --separate-stderr pea_net network connect b
	assert_equal "$stderr" "Error: accepts 2 arg(s), received 1"
	run -125 --separate-stderr pea_net network disconnect b c
	assert_equal "$stderr" "Error: container c is not connected to network b"
	# nothing changed for c
	run -0 pea_net exec c ip -o link show
	refute_output --partial eth1
}

@test "network reload makes flushed firewall rules again, with the same address and MAC" {
	local id mac
	id=$(pea_net_out run -d --name web --network a -p 8080:80 busybox httpd -f -p 80 -h /etc)
	run -0 get http://127.0.0.1:8080/hostname
	mac=$(pea_net_out inspect --format '{{.NetworkSettings.Networks.a.MacAddress}}' web)
	[[ $mac =~ ^[0-9a-f]{2}(:[0-9a-f]{2}){5}$ ]]
	ip netns exec "$FE_NETNS_NAME" nft flush ruleset
	run -7 fe_in_net curl -sS -m 2 http://127.0.0.1:8080/hostname
	run -0 --separate-stderr pea_net network reload web
	assert_output "$id"
	run -0 get http://127.0.0.1:8080/hostname
	assert_output "${id:0:12}"
	run -0 pea_net exec web ip -4 -o addr show eth0
	assert_output --partial "inet 10.89.70.2/24"
	# the interface made again is the same (podman's 500-networking)
	run -0 pea_net inspect --format '{{.NetworkSettings.Networks.a.MacAddress}}' web
	assert_output "$mac"
	run -0 pea_net exec web cat /sys/class/net/eth0/address
	assert_output "$mac"
	ip netns exec "$FE_NETNS_NAME" nft flush ruleset
	run -0 --separate-stderr pea_net network reload --all
	assert_output "$id"
	run -0 get http://127.0.0.1:8080/hostname
	run -0 pea_net exec web cat /sys/class/net/eth0/address
	assert_output "$mac"
	run -125 --separate-stderr pea_net network reload
	assert_equal "$stderr" "Error: give containers or --all, not both or neither"
}

@test "connect and disconnect keep /etc/hosts and /etc/resolv.conf of a running container current" {
	local id
	pea_net network create --subnet 10.89.72.0/24 --disable-dns quiet >/dev/null
	id=$(pea_net_out run -d --name c --hostname box --network a busybox sleep 100)
	run -0 pea_net exec c cat /etc/hosts
	assert_line "10.89.70.2	box c"
	refute_output --partial "10.89.71."
	run -0 pea_net network connect --ip 10.89.71.5 b c
	run -0 pea_net exec c cat /etc/hosts
	assert_line "10.89.70.2	box c"
	assert_line "10.89.71.5	box c"
	# the new network's DNS server comes first
	run -0 pea_net exec c cat /etc/resolv.conf
	assert_line --index 1 "nameserver 10.89.71.1"
	assert_line "nameserver 10.89.70.1"
	# a network without DNS adds its address, no server
	run -0 pea_net network connect quiet c
	run -0 pea_net exec c sh -c 'cat /etc/hosts; cat /etc/resolv.conf'
	assert_line "10.89.72.2	box c"
	refute_line "nameserver 10.89.72.1"
	run -0 pea_net network disconnect b c
	run -0 pea_net exec c sh -c 'cat /etc/hosts; cat /etc/resolv.conf'
	refute_output --partial "10.89.71."
	assert_line "10.89.70.2	box c"
	assert_line "nameserver 10.89.70.1"
	run -0 pea_net network disconnect a c
	run -0 pea_net exec c sh -c 'cat /etc/hosts; cat /etc/resolv.conf'
	refute_line "10.89.70.2	box c"
	refute_line "nameserver 10.89.70.1"
	assert_line "10.89.72.2	box c"
	# the files in the container are the run folder's (edited in place, not replaced)
	run -0 cat "$FE_RUNROOT/containers/$id/hosts"
	assert_line "10.89.72.2	box c"
	# a container the name of which is its hostname gets one name on its lines
	pea_net run -d --name same --hostname same --network a busybox sleep 100 >/dev/null
	pea_net network connect b same
	run -0 pea_net exec same cat /etc/hosts
	assert_line "10.89.71.2	same"
}
