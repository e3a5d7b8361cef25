#!/usr/bin/env bats
# pea run/create on networks: addresses (IPAM), the namespace set up by
# pea-netsetup and torn down on stop, rm and the exit command, /etc/hosts,
# /etc/resolv.conf, /etc/hostname, names through pea-dnsd, the network modes.
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
}

teardown() {
	fe_net_teardown
	fe_teardown
}

# The container's address on a network, from its record.
ctr_ip() {
	jq -r --arg n "$2" '.opts.networks[$n].static_ips[0]' \
		"$FE_ROOT/containers/$(pea_net_out inspect --format '{{.Id}}' "$1")/pea.json"
}

@test "run --network: an address of the subnet, eth0, the default route, /etc files" {
	pea_net network create --subnet 10.89.7.0/24 blue >/dev/null
	run -0 pea_net run --rm --name c1 --network blue busybox sh -c \
		'ip -4 -o addr show eth0; ip route; cat /etc/hostname /etc/hosts /etc/resolv.conf'
	assert_line --index 0 --regexp '^[0-9]+: eth0 +inet 10\.89\.7\.2/24 '
	assert_line --regexp '^default via 10\.89\.7\.1 dev eth0'
	assert_line --regexp '^10\.89\.7\.2	[0-9a-f]{12} c1$'
	assert_line "10.89.7.1	host.containers.internal host.docker.internal"
	# podman's: the host's /etc/hosts first (localhost added when it has none)
	assert_line --regexp '^127\.0\.0\.1[[:space:]](.* )?localhost( |$)'
	assert_equal "$(grep -c $'^10\.89\.7\.2\t' <<<"$output")" 1
	assert_line "search dns.podman"
	assert_line "nameserver 10.89.7.1"
	fe_net_clean
	[[ ! -e "$FE_RUNROOT/containers" ]] || [[ -z "$(ls "$FE_RUNROOT/containers")" ]]
}

@test "run -p alone uses the default network podman (10.88.0.0/16)" {
	run -0 pea_net run --rm -p 8080:80 busybox sh -c 'ip -4 -o addr show eth0; cat /etc/resolv.conf'
	assert_line --index 0 --regexp 'inet 10\.88\.0\.2/16'
	refute_line "search dns.podman"
	fe_net_clean
}

@test "run --network private: a namespace of its own on the default network podman, as podman" {
	run -0 pea_net run --rm --network private busybox ip -4 -o addr show eth0
	assert_output --regexp 'inet 10\.88\.0\.[0-9]+/16'
	run -0 pea_net create --name priv --network private busybox true
	run -0 pea_net_out inspect priv --format '{{json .NetworkSettings.Networks}}'
	assert_equal "$(jq -r 'keys | join(",")' <<<"$output")" podman
	run -125 --separate-stderr pea_net create --name priv2 --network private --network none busybox true
	assert_equal "$stderr" "Error: --network none cannot be combined with the networks named"
	fe_net_clean
}

@test "IPAM: addresses differ, --ip is honoured and checked, rm frees the address" {
	pea_net network create --subnet 10.89.8.0/24 blue >/dev/null
	pea_net create --name a --network blue busybox true >/dev/null
	pea_net create --name b --network blue busybox true >/dev/null
	assert_equal "$(ctr_ip a blue)" 10.89.8.2
	assert_equal "$(ctr_ip b blue)" 10.89.8.3
	run -0 pea_net create --name c --network blue --ip 10.89.8.50 busybox true
	assert_equal "$(ctr_ip c blue)" 10.89.8.50
	run -125 --separate-stderr pea_net create --name d --network blue --ip 10.89.8.50 busybox true
	assert_equal "$stderr" "Error: IPAM error: requested ip address 10.89.8.50 is already allocated to another container on network blue"
	run -125 --separate-stderr pea_net create --name d --network blue --ip 10.89.9.5 busybox true
	assert_equal "$stderr" "Error: requested static ip 10.89.9.5 not in any subnet on network blue"
	run -125 --separate-stderr pea_net create --name d --network blue --ip 10.89.8.1 busybox true
	assert_equal "$stderr" "Error: IPAM error: requested ip address 10.89.8.1 is the network's gateway"
	run -125 --separate-stderr pea_net create --name d --network blue:ip=10.89.8.400 busybox true
	assert_equal "$stderr" "Error: network blue: invalid IP address '10.89.8.400'"
	# nothing was left of the failed creates
	run -0 pea_net_out ps -a --format '{{.Names}}'
	assert_equal "$(sort <<<"$output" | paste -sd,)" a,b,c
	pea_net rm a >/dev/null
	# as podman's IPAM: the address after the one given last, not the one just freed
	pea_net create --name e --network blue busybox true >/dev/null
	assert_equal "$(ctr_ip e blue)" 10.89.8.4
	# the freed one is free again
	run -0 pea_net create --name f --network blue --ip 10.89.8.2 busybox true
	assert_equal "$(ctr_ip f blue)" 10.89.8.2
	# the address is the container's: started, it has it
	run -0 pea_net start -a c
	run -0 pea_net run --rm --network blue:ip=10.89.8.9 busybox ip -4 -o addr show eth0
	assert_output --partial "inet 10.89.8.9/24"
}

@test "IPAM: containers created at once get distinct addresses and find each other" {
	pea_net network create --subnet 10.89.23.0/24 blue >/dev/null
	local i pids=()
	for i in 1 2 3 4 5 6; do
		pea_net run -d --name "c$i" --network blue busybox sleep 100 >/dev/null &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	run -0 bash -c "jq -r '.opts.networks.blue.static_ips[0]' $FE_ROOT/containers/*/pea.json |
		sort -u | wc -l"
	assert_output 6
	run -0 pea_net exec c1 sh -c 'for i in 2 3 4 5 6; do nslookup c$i >/dev/null || exit 1; done'
}

@test "IPAM: a full subnet and a lease range" {
	pea_net network create --subnet 10.89.9.0/30 tiny >/dev/null
	pea_net create --name a --network tiny busybox true >/dev/null
	run -125 --separate-stderr pea_net create --name b --network tiny busybox true
	assert_equal "$stderr" "Error: IPAM error: failed to find free IP in range: 10.89.9.1 - 10.89.9.2"
	pea_net network create --subnet 10.89.10.0/24 --ip-range 10.89.10.100-10.89.10.102 lr >/dev/null
	pea_net create --name c --network lr busybox true >/dev/null
	pea_net create --name d --network lr busybox true >/dev/null
	assert_equal "$(ctr_ip c lr) $(ctr_ip d lr)" "10.89.10.100 10.89.10.101"
	# as podman's IPAM: the address after the one given last (c's, freed, is not
	# given again at once), then round to the start of the range
	pea_net rm c >/dev/null
	pea_net create --name e --network lr busybox true >/dev/null
	assert_equal "$(ctr_ip e lr)" 10.89.10.102
	pea_net create --name f --network lr busybox true >/dev/null
	assert_equal "$(ctr_ip f lr)" 10.89.10.100
	run -125 --separate-stderr pea_net create --name g --network lr busybox true
	assert_equal "$stderr" "Error: IPAM error: failed to find free IP in range: 10.89.10.100 - 10.89.10.102"
	pea_net rm d >/dev/null
	pea_net create --name g --network lr busybox true >/dev/null
	assert_equal "$(ctr_ip g lr)" 10.89.10.101
	# network rm forgets the last one given (podman drops the network's IPAM bucket)
	pea_net network rm -f lr >/dev/null
	pea_net network create --subnet 10.89.10.0/24 lr >/dev/null
	pea_net create --name h --network lr busybox true >/dev/null
	assert_equal "$(ctr_ip h lr)" 10.89.10.2
}

@test "two containers on a user network reach each other by name and alias (pea-dnsd)" {
	pea_net network create --subnet 10.89.11.0/24 app >/dev/null
	pea_net run -d --name web --network app --network-alias www busybox \
		httpd -f -p 80 -h /etc >/dev/null
	run -0 pea_net run --rm --network app busybox sh -c \
		'nslookup web; nslookup www.dns.podman; wget -qO- http://web/hostname; wget -qO- http://www/hostname'
	assert_output --partial "Address: 10.89.11.2"
	assert_equal "$(grep -c '^[0-9a-f]\{12\}$' <<<"$output")" 2
	# an alias given as a network option
	pea_net run -d --name db --network app:alias=database busybox sleep 100 >/dev/null
	run -0 pea_net run --rm --network app busybox nslookup database
	assert_output --partial "Address: $(ctr_ip db app)"
	# another network neither resolves nor reaches them
	pea_net network create --subnet 10.89.12.0/24 other >/dev/null
	run -1 pea_net run --rm --network other busybox nslookup web
	pea_net rm -f web db >/dev/null
	fe_net_clean
	[[ ! -e "$FE_RUNROOT/networks/aardvark-dns/aardvark.pid" ]] ||
		! kill -0 "$(cat "$FE_RUNROOT/networks/aardvark-dns/aardvark.pid")" 2>/dev/null
}

@test "an internal network has no way out; isolated networks cannot reach each other" {
	pea_net network create --internal --subnet 10.89.20.0/24 inside >/dev/null
	run -0 pea_net run --rm --network inside busybox sh -c 'ip route; ip route get 192.0.2.1 2>&1 || :'
	refute_line --partial default
	assert_output --partial "Network is unreachable"
	pea_net network create -o isolate=true --subnet 10.89.21.0/24 iso1 >/dev/null
	pea_net network create -o isolate=true --subnet 10.89.22.0/24 iso2 >/dev/null
	pea_net run -d --name web --network iso1 busybox httpd -f -p 80 -h /etc >/dev/null
	run -0 pea_net run --rm --network iso1 busybox sh -c 'timeout 5 wget -qO- http://web/hostname'
	run -0 pea_net run --rm --network iso1 busybox nc -w 2 10.89.21.2 80 </dev/null
	run -1 pea_net run --rm --network iso2 busybox nc -w 2 10.89.21.2 80 </dev/null
	run -1 pea_net run --rm --network iso2 busybox nslookup web
	pea_net rm -f web >/dev/null
	fe_net_clean
}

@test "--route on the network, --ipam-driver none" {
	# tests/75-frontend-network-netavark.bats runs this file on Debian's netavark 1.4
	[[ "${PEA_NETSETUP:-}" != */netavark ]] ||
		skip "expected: netavark 1.4 has no routes (netavark 1.5 added them)"
	pea_net network create --subnet 10.89.25.0/24 --route 10.100.0.0/16,10.89.25.254,50 rt >/dev/null
	run -0 pea_net run --rm --network rt busybox ip route
	assert_line --regexp '^10\.100\.0\.0/16 via 10\.89\.25\.254 dev eth0 +metric 50'
	pea_net network create --ipam-driver none noaddr >/dev/null
	run -0 pea_net network inspect --format '{{.IPAMOptions}} {{.DNSEnabled}}' noaddr
	assert_output 'map[driver:none] false'
	run -0 pea_net run --rm --network noaddr busybox ip -4 -o addr show eth0
	assert_output ""
	fe_net_clean
}

@test "run on a macvlan network: an interface on the parent, which reaches the parent's side" {
	ip -n "$FE_NETNS_NAME" link add mv0 type veth peer name mv1
	ip -n "$FE_NETNS_NAME" addr add 10.89.26.1/24 dev mv1
	ip -n "$FE_NETNS_NAME" link set mv0 up
	ip -n "$FE_NETNS_NAME" link set mv1 up
	pea_net network create -d macvlan -o parent=mv0 --subnet 10.89.26.0/24 mv >/dev/null
	# a gateway as podman gives it (not internal): the first address
	run -0 pea_net network inspect --format '{{json .Subnets}}' mv
	assert_output '[{"subnet":"10.89.26.0/24","gateway":"10.89.26.1"}]'
	pea_net run -d --name m --network mv --cap-add NET_RAW busybox sleep 100 >/dev/null
	run -0 nsenter -t "$(pea_net_out inspect --format '{{.State.Pid}}' m)" -n ip -d -o link show eth0
	assert_output --regexp "macvlan mode bridge"
	run -0 pea_net exec m sh -c 'ip -4 -o addr show eth0; ping -c 1 -W 5 10.89.26.1'
	assert_output --partial "inet 10.89.26.2/24"
	assert_output --partial "1 packets received"
	pea_net rm -f m >/dev/null
	pea_net network rm mv >/dev/null
	ip -n "$FE_NETNS_NAME" link del mv0
	fe_net_clean
}

@test "stop tears the network down, start sets it up again, the exit command cleans up" {
	pea_net network create --subnet 10.89.13.0/24 blue >/dev/null
	pea_net run -d --name s --network blue busybox sleep 100 >/dev/null
	run -0 ip -n "$FE_NETNS_NAME" -o link show
	assert_output --partial "podman1"
	[[ -e "$FE_RUNROOT/containers/$(pea_net_out inspect --format '{{.Id}}' s)/netns" ]]
	pea_net stop -t 0 s >/dev/null
	fe_net_clean
	[[ ! -e "$FE_RUNROOT/containers/$(pea_net_out inspect --format '{{.Id}}' s)/netns" ]]
	pea_net start s >/dev/null
	run -0 pea_net exec s ip -4 -o addr show eth0
	assert_output --partial "inet 10.89.13.2/24"
	pea_net rm -f s >/dev/null
	fe_net_clean
	# a detached container that ends by itself: the monitor's exit command tears down
	pea_net run -d --name q --network blue busybox sh -c 'sleep 0.3' >/dev/null
	fe_wait_state q exited
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -e "$FE_RUNROOT/containers/$(pea_net_out inspect --format '{{.Id}}' q)/netns" ]] || break
		sleep 0.05
	done
	fe_net_clean
	# its address stays reserved until rm (the one after s's: s's, freed, is not
	# given again at once, as podman's IPAM)
	assert_equal "$(ctr_ip q blue)" 10.89.13.3
	# run -d --rm: the exit command removes it, network and address included
	pea_net run -d --rm --name gone --network blue busybox sh -c 'sleep 0.3' >/dev/null
	for ((i = 0; i < 200; i++)); do
		[[ -n "$(pea_net_out ps -a -q --filter name=gone)" ]] || break
		sleep 0.05
	done
	assert_equal "$(pea_net_out ps -a -q --filter name=gone)" ""
	fe_net_clean
	run -0 pea_net run --rm --network blue busybox ip -4 -o addr show eth0
	assert_output --partial "inet 10.89.13.5/24"
}

@test "a container that fails to start leaves no network behind, and starts later" {
	pea_net network create --subnet 10.89.19.0/24 blue >/dev/null
	# the runtime fails (127; 125 when the process is gone before the runtime moved
	# it into its cgroup: pea-runtime reports that instead, a race of its own)
	run ! pea_net run --name bad --network blue busybox /nosuch
	[[ $status == 127 || $status == 125 ]]
	fe_net_clean
	[[ ! -e "$FE_RUNROOT/containers/$(pea_net_out inspect --format '{{.Id}}' bad)/netns" ]]
	run ! pea_net run --rm --network blue busybox /nosuch
	[[ $status == 127 || $status == 125 ]]
	fe_net_clean
	# the bundle cannot be written (no such user) after the network was set up
	run -125 --separate-stderr pea_net run --rm --network blue -u nosuchuser busybox true
	if [[ "${PEA_NETSETUP:-}" == */netavark ]]; then
		# netavark 1.4's teardown right after its setup can miss the pid file of the
		# aardvark-dns it just started ("aardvark pid not found", podman's too):
		# pea warns and goes on
		assert_equal "${stderr_lines[-1]}" "Error: unable to find user nosuchuser: no matching entries in passwd file"
	else
		assert_equal "$stderr" "Error: unable to find user nosuchuser: no matching entries in passwd file"
	fi
	fe_net_clean
	# the address stays with the container that exists, and it runs once fixed
	# (the failed runs took .3 and .4, given back)
	assert_equal "$(ctr_ip bad blue)" 10.89.19.2
	run -0 pea_net run --rm --network blue busybox ip -4 -o addr show eth0
	assert_output --partial "inet 10.89.19.5/24"
}

@test "--dns --dns-search --dns-option --add-host (host-gateway) --hostname" {
	pea_net network create --subnet 10.89.14.0/24 blue >/dev/null
	run -0 pea_net run --rm --network blue --hostname box --dns 192.0.2.1 --dns 192.0.2.2 \
		--dns-search example.com --dns-option ndots:2 --add-host db:192.0.2.9 \
		--add-host gw:host-gateway --add-host v6:[2001:db8::1] busybox \
		sh -c 'hostname; cat /etc/resolv.conf /etc/hosts'
	assert_line --index 0 box
	assert_line "search example.com"
	assert_line "nameserver 192.0.2.1"
	assert_line "nameserver 192.0.2.2"
	assert_line "options ndots:2"
	assert_line "192.0.2.9	db"
	assert_line "10.89.14.1	gw"
	assert_line "2001:db8::1	v6"
	assert_line --regexp '^10\.89\.14\.2	box [a-z]+_[a-z]+[0-9]*$'
}

@test "--network none, host, container:ID, ns:PATH" {
	run -0 pea_net run --rm --network none busybox ip -o link show
	assert_equal "${#lines[@]}" 1
	ip -n "$FE_NETNS_NAME" link add pea-dummy0 type veth peer name pea-dummy1
	run -0 pea_net run --rm --network host busybox ip -o link show
	assert_output --partial "pea-dummy0"
	ip -n "$FE_NETNS_NAME" link del pea-dummy0
	pea_net network create --subnet 10.89.15.0/24 blue >/dev/null
	pea_net run -d --name owner --network blue busybox sleep 100 >/dev/null
	run -0 pea_net run --rm --network container:owner busybox ip -4 -o addr show eth0
	assert_output --partial "inet 10.89.15.2/24"
	# it resolves names on the other container's network, as the other does
	run -0 pea_net run --rm --network container:owner busybox sh -c 'cat /etc/resolv.conf; nslookup owner'
	assert_line "nameserver 10.89.15.1"
	assert_output --partial "Address: 10.89.15.2"
	run -0 pea_net run --rm --network "ns:$FE_NETNS" busybox ip -o link show
	assert_output --partial "podman1"
	run -125 --separate-stderr pea_net run --rm --network container:nosuch busybox true
	assert_equal "$stderr" "Error: --network container:nosuch: no container with name or ID \"nosuch\" found: no such container"
}

@test "run: bad network options give one clear line and leave nothing" {
	run -125 --separate-stderr pea_net run --rm --network nosuch busybox true
	assert_equal "$stderr" "Error: unable to find network with name or ID nosuch: network not found"
	run -125 --separate-stderr pea_net run --rm --network 'bad/name' busybox true
	assert_equal "$stderr" "Error: invalid network name 'bad/name'"
	run -125 --separate-stderr pea_net run --rm --network podman:color=red busybox true
	assert_equal "$stderr" "Error: network podman: unknown option 'color=red': use ip, ip6, mac, alias or interface_name"
	run -125 --separate-stderr pea_net run --rm --ip 10.88.0.300 busybox true
	assert_equal "$stderr" "Error: --ip: '10.88.0.300' is not an IPv4 address"
	run -125 --separate-stderr pea_net run --rm --ip6 10.88.0.3 busybox true
	assert_equal "$stderr" "Error: --ip6: '10.88.0.3' is not an IPv6 address"
	run -125 --separate-stderr pea_net run --rm --mac-address 00:11:22 busybox true
	assert_equal "$stderr" "Error: invalid MAC address '00:11:22'"
	run -125 --separate-stderr pea_net run --rm --dns nope busybox true
	assert_equal "$stderr" "Error: --dns: 'nope' is not an IP address"
	run -125 --separate-stderr pea_net run --rm --add-host nocolon busybox true
	assert_equal "$stderr" "Error: invalid --add-host 'nocolon': use NAME:IP (IP may be host-gateway)"
	run -125 --separate-stderr pea_net run --rm --add-host a:b busybox true
	assert_equal "$stderr" 'Error: invalid IP address in add-host: "b"'
	run -125 --separate-stderr pea_net run --rm --network none --network-alias a -p 80 busybox true
	assert_equal "$stderr" "Error: -p, -P, --ip, --mac-address and --network-alias need a bridge network, not --network none"
	run -125 --separate-stderr pea_net run --rm --network host --network none busybox true
	assert_equal "$stderr" "Error: network mode 'none' conflicts with 'host'"
	run -125 --separate-stderr pea_net run --rm --network pasta busybox true
	[[ $stderr == "Error: network mode 'pasta' is not supported yet"* ]]
	run -0 pea_net_out ps -a -q
	assert_output ""
	fe_net_clean
}

@test "--mac-address and --network-alias with --network NAME" {
	pea_net network create --subnet 10.89.16.0/24 blue >/dev/null
	run -0 pea_net run --rm --network blue --mac-address 02:42:ac:11:00:07 busybox \
		cat /sys/class/net/eth0/address
	assert_output 02:42:ac:11:00:07
	run -0 pea_net run --rm --network blue:mac=02:42:ac:11:00:08 busybox \
		cat /sys/class/net/eth0/address
	assert_output 02:42:ac:11:00:08
	pea_net network create --subnet 10.89.17.0/24 red >/dev/null
	run -125 --separate-stderr pea_net run --rm --network blue --network red --ip 10.89.16.5 busybox true
	[[ $stderr == *"can only be set with one network"* ]]
	# --ip and --ip6 on a dual-stack network
	pea_net network create --subnet 10.89.24.0/24 --subnet fd00:24::/64 dual >/dev/null
	run -0 pea_net run --rm --network dual --ip 10.89.24.9 --ip6 fd00:24::99 busybox ip -o addr show eth0
	assert_output --partial "inet 10.89.24.9/24"
	assert_output --partial "inet6 fd00:24::99/64"
	# the network's mtu option is its interfaces'
	pea_net network create --subnet 10.89.27.0/24 -o mtu=1400 small >/dev/null
	run -0 pea_net run --rm --network small busybox cat /sys/class/net/eth0/mtu
	assert_output 1400
	# two networks: eth0 and eth1
	run -0 pea_net run --rm --network blue,red busybox ip -4 -o addr
	assert_output --partial "eth0"
	assert_output --partial "eth1"
}

@test "network rm of a network in use: exit 2, -f removes its containers" {
	pea_net network create --subnet 10.89.18.0/24 blue >/dev/null
	pea_net run -d --name user --network blue busybox sleep 100 >/dev/null
	run -2 --separate-stderr pea_net network rm blue
	assert_equal "$stderr" 'Error: "blue" has associated containers with it. Use -f to forcibly delete containers: network is being used'
	run -0 pea_net network prune -f
	assert_output ""
	run -0 pea_net network rm -f -t 0 blue
	assert_output blue
	run -0 pea_net_out ps -a -q
	assert_output ""
	fe_net_clean
}

@test "--network container:ID shares the other's /etc/hosts and resolv.conf, with its own names on 127.0.0.1" {
	pea_net network create --subnet 10.89.16.0/24 blue >/dev/null
	pea_net run -d --name owner --hostname own --network blue busybox sleep 100 >/dev/null
	pea_net run -d --name guest --hostname gst --network container:owner busybox sleep 100 >/dev/null
	run -0 pea_net exec guest sh -c 'hostname; cat /etc/hosts'
	assert_line --index 0 gst
	assert_line "10.89.16.2	own owner"
	assert_line "127.0.0.1	gst guest"
	run -0 pea_net exec owner cat /etc/hosts
	assert_line "127.0.0.1	gst guest"
	# as podman's: only the names the file lacks (a pod member's host name is the pod's)
	pea_net run -d --name twin --hostname own --network container:owner busybox sleep 100 >/dev/null
	run -0 pea_net exec owner cat /etc/hosts
	assert_line "127.0.0.1	twin"
	pea_net rm -f twin >/dev/null
	run -0 pea_net exec owner cat /etc/hosts
	refute_output --partial twin
	assert_line "10.89.16.2	own owner"
	# the owner joining a network shows in the guest's file too
	pea_net network create --subnet 10.89.17.0/24 red >/dev/null
	pea_net network connect red owner
	run -0 pea_net exec guest cat /etc/hosts
	assert_line "10.89.17.2	own owner"
	# the guest's line goes with it
	pea_net stop -t 0 guest >/dev/null
	run -0 pea_net exec owner cat /etc/hosts
	refute_output --partial guest
	# both at once: the guest goes first (rm's waves)
	run -0 pea_net rm -f owner guest
	fe_net_clean
}
