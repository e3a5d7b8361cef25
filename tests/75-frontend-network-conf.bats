#!/usr/bin/env bats
# containers.conf keys of networks: [network] default_network, default_subnet,
# default_subnet_pools, network_config_dir, dns_bind_port, firewall_driver;
# [containers] netns, base_hosts_file, host_containers_internal_ip,
# dns_servers, dns_searches, dns_options; and a clear error for each bad value.
# pea runs inside a network namespace made by the test, with the test's file
# as CONTAINERS_CONF_OVERRIDE (read after every other containers.conf).
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
	CONF=$TEST_DIR/containers.conf
	: >"$CONF"
}

teardown() {
	if [[ -n "${CONF:-}" && -e "$CONF" ]]; then
		pea_conf rm -af >/dev/null 2>&1 || true
	fi
	fe_net_teardown
	fe_teardown
}

# pea_conf ARGS...: pea_net with $CONF read last (CONTAINERS_CONF_OVERRIDE).
pea_conf() {
	local real=$PEA
	local PEA=env
	local FE_ARGS=("CONTAINERS_CONF_OVERRIDE=$CONF" nsenter --net="$FE_NETNS" -- "$real"
		"${FE_ARGS[@]}")
	pea_cmd "$@"
}

pea_conf_out() {
	pea_conf "$@" 2>/dev/null
}

@test "[network] default_network and default_subnet: the default network, --network bridge, -p" {
	cat >"$CONF" <<-'EOF'
		[network]
		default_network = "blue"
		default_subnet = "10.99.0.0/24"
		[containers]
		netns = "bridge"
	EOF
	run -0 pea_conf network ls --format '{{.Name}}'
	assert_output "blue"
	run -0 pea_conf network inspect --format '{{json .Subnets}}' blue
	assert_output '[{"subnet":"10.99.0.0/24","gateway":"10.99.0.1"}]'
	# netns = "bridge": no --network is the default network
	run -0 pea_conf run --rm busybox ip -4 -o addr show eth0
	assert_output --partial "inet 10.99.0.2/24"
	run -0 pea_conf run --rm --network bridge busybox ip -4 -o addr show eth0
	assert_output --partial "inet 10.99.0.3/24"
	# -p alone is dropped with podman's warning (tests/70-frontend-podman-suite)
	run -125 --separate-stderr pea_conf run --rm --network none --network-alias a busybox true
	assert_equal "$stderr" "Error: -p, -P, --ip, --mac-address and --network-alias need a bridge network, not --network none"
	run -0 pea_conf run --rm -p 8080:80 busybox ip -4 -o addr show eth0
	assert_output --partial "inet 10.99.0.4/24"
	run -125 --separate-stderr pea_conf network rm blue
	assert_equal "$stderr" "Error: default network blue cannot be removed"
	fe_net_clean
}

@test "[network] default_subnet_pools and network_config_dir" {
	cat >"$CONF" <<-EOF
		[network]
		network_config_dir = "$TEST_DIR/netconf"
		default_subnet_pools = [
		  {base = "10.120.0.0/16", size = 26},
		  {base = "10.130.0.0/24", size = 24},
		]
	EOF
	pea_conf network create one >/dev/null
	pea_conf network create two >/dev/null
	run -0 jq -r '.subnets[0].subnet' "$TEST_DIR/netconf/one.json" "$TEST_DIR/netconf/two.json"
	assert_equal "${lines[0]}" 10.120.0.0/26
	assert_equal "${lines[1]}" 10.120.0.64/26
	[[ ! -e "$FE_ROOT/networks/one.json" ]]
	run -0 pea_conf network ls --format '{{.Name}}'
	assert_output "$(printf '%s\n' one podman two)"
	run -0 pea_conf run --rm --network two busybox ip -4 -o addr show eth0
	assert_output --partial "inet 10.120.0.66/26"
}

@test "[network] dns_bind_port: pea-dnsd on that port, names still resolve; firewall_driver" {
	cat >"$CONF" <<-'EOF'
		[network]
		dns_bind_port = 5353
	EOF
	pea_conf network create --subnet 10.89.40.0/24 blue >/dev/null
	pea_conf run -d --name web --network blue busybox sleep 100 >/dev/null
	run -0 fe_in_net ss -lun
	assert_output --regexp '10\.89\.40\.1:5353 '
	run -0 pea_conf run --rm --network blue busybox nslookup web
	assert_output --partial "Address: 10.89.40.2"
	pea_conf rm -f web >/dev/null
	fe_net_clean
	# (netavark 1.4 knows iptables and nftables only: 75-frontend-network-netavark)
	[[ "${PEA_NETSETUP:-}" != */netavark ]] || return 0
	# firewall_driver none: no rules at all, the bridge still made
	cat >"$CONF" <<-'EOF'
		[network]
		firewall_driver = "none"
	EOF
	run -0 pea_conf run --rm --network blue busybox sh -c 'ip -4 -o addr show eth0'
	assert_output --partial "inet 10.89.40.4/24"
	run -0 ip netns exec "$FE_NETNS_NAME" nft list ruleset
	assert_output ""
	cat >"$CONF" <<-'EOF'
		[network]
		firewall_driver = "bogus"
	EOF
	run -125 --separate-stderr pea_conf run --rm --network blue busybox true
	assert_regex "$stderr" "^Error: setting up the network of container .*unknown firewall driver 'bogus' in NETAVARK_FW$"
	run -0 pea_conf_out ps -aq
	assert_output ""
	fe_net_clean
}

@test "[containers] netns: none, host, private and bridge as root" {
	cat >"$CONF" <<-'EOF'
		[containers]
		netns = "none"
	EOF
	run -0 pea_conf run --rm busybox ip -o link show
	assert_equal "${#lines[@]}" 1
	ip -n "$FE_NETNS_NAME" link add pea-dummy0 type veth peer name pea-dummy1
	cat >"$CONF" <<-'EOF'
		[containers]
		netns = "host"
	EOF
	run -0 pea_conf run --rm busybox ip -o link show
	assert_output --partial pea-dummy0
	ip -n "$FE_NETNS_NAME" link del pea-dummy0
	cat >"$CONF" <<-'EOF'
		[containers]
		netns = "private"
	EOF
	run -0 pea_conf run --rm busybox ip -4 -o addr show eth0
	assert_output --partial "inet 10.88.0.2/16"
	# a flag wins over the file
	run -0 pea_conf run --rm --network none busybox ip -o link show
	assert_equal "${#lines[@]}" 1
	fe_net_clean
}

@test "[containers] base_hosts_file, host_containers_internal_ip" {
	printf '192.0.2.9\tprinter\n' >"$TEST_DIR/base"
	cat >"$CONF" <<-EOF
		[containers]
		base_hosts_file = "$TEST_DIR/base"
		host_containers_internal_ip = "192.0.2.1"
	EOF
	pea_conf network create --subnet 10.89.41.0/24 blue >/dev/null
	run -0 pea_conf run --rm --name c --hostname box --network blue --add-host gw:host-gateway \
		busybox cat /etc/hosts
	assert_line "192.0.2.9	printer"
	assert_line "127.0.0.1	localhost"
	assert_line "192.0.2.1	gw"
	assert_line "192.0.2.1	host.containers.internal host.docker.internal"
	assert_line "10.89.41.2	box c"
	refute_output --partial "10.89.41.1"
	cat >"$CONF" <<-'EOF'
		[containers]
		base_hosts_file = "none"
		host_containers_internal_ip = "none"
	EOF
	run -0 pea_conf run --rm --name c --hostname box --network blue busybox cat /etc/hosts
	refute_output --partial printer
	refute_output --partial host.containers.internal
	# podman's own entries: localhost on both loopback addresses
	assert_line "127.0.0.1	localhost"
	assert_line "::1	localhost"
	assert_line "10.89.41.3	box c"
	# the image's own file (the fixture has none: only localhost and the container)
	cat >"$CONF" <<-'EOF'
		[containers]
		base_hosts_file = "image"
	EOF
	run -0 pea_conf run --rm --name c --hostname box --network none busybox sh -c \
		'cat /etc/hosts'
	assert_line "127.0.0.1	localhost"
	assert_line "127.0.0.1	box c"
	refute_output --partial localhost4
	# unset: podman's default, the host's /etc/hosts; --add-host and the base win over
	# pea's own lines (a name is written once)
	: >"$CONF"
	run -0 pea_conf run --rm --name c --hostname box --network none --add-host box:192.0.2.7 \
		busybox cat /etc/hosts
	assert_line --index 0 "192.0.2.7	box"
	# the host's entries as podman writes them: IP, a tab, the names; no comments
	local line
	while read -r line; do
		line=${line%%#*}
		read -ra w <<<"$line"
		[[ ${#w[@]} -lt 2 ]] || assert_line "${w[0]}	${w[*]:1}"
	done </etc/hosts
	refute_output --partial '#'
	assert_line "127.0.0.1	c"
	# --network host: the host's file, no line of the container's own
	run -0 pea_conf run --rm --name c --hostname box --network host busybox cat /etc/hosts
	refute_output --partial box
}

@test "[containers] dns_servers, dns_searches, dns_options go before the flags" {
	cat >"$CONF" <<-'EOF'
		[containers]
		dns_servers = ["192.0.2.53"]
		dns_searches = ["example.test"]
		dns_options = ["ndots:3"]
	EOF
	run -0 pea_conf run --rm --network none busybox cat /etc/resolv.conf
	assert_line "nameserver 192.0.2.53"
	assert_line "search example.test"
	assert_line "options ndots:3"
	run -0 pea_conf run --rm --network none --dns 192.0.2.54 --dns-search other.test \
		--dns-option edns0 busybox cat /etc/resolv.conf
	assert_line --index 0 "search example.test other.test"
	assert_line --index 1 "nameserver 192.0.2.53"
	assert_line --index 2 "nameserver 192.0.2.54"
	assert_line --index 3 "options ndots:3 edns0"
}

@test "[containers] base_hosts_file: podman's lines and counts (500-networking)" {
	# podman 4.3.1's test/system/500-networking "CONTAINERS_CONF /etc/hosts options"
	printf '192.0.2.11 one\n192.0.2.12 two #some comment\n# only a comment\n192.0.2.13\n' \
		>"$TEST_DIR/base"
	cat >"$CONF" <<-EOF
		[containers]
		base_hosts_file = "$TEST_DIR/base"
		host_containers_internal_ip = "192.0.2.99"
	EOF
	run -0 pea_conf run --rm --add-host three:192.0.2.3 busybox cat /etc/hosts
	assert_line --index 0 "192.0.2.3	three"
	assert_line --index 1 "192.0.2.11	one"
	assert_line --index 2 "192.0.2.12	two"
	assert_line --index 3 "127.0.0.1	localhost"
	assert_line --index 4 "::1	localhost"
	assert_line --index 5 "192.0.2.99	host.containers.internal host.docker.internal"
	assert_equal "${#lines[@]}" 7
	# the container's name and hostname are a base entry's: no line of its own
	run -0 pea_conf run --rm --name one --hostname one busybox cat /etc/hosts
	assert_line "192.0.2.11	one"
	assert_line "192.0.2.99	host.containers.internal host.docker.internal"
	assert_equal "${#lines[@]}" 5
}

@test "containers.conf: a bad network value is one clear line and nothing is made" {
	local bad
	while IFS='|' read -r bad want; do
		printf '%s\n' "$bad" | tr ';' '\n' >"$CONF"
		run -125 --separate-stderr pea_conf run --rm busybox true
		assert_equal "$stderr" "Error: containers.conf: $CONF: $want"
	done <<-'EOF'
		[network];default_network = "no/slash"|'network.default_network': invalid network name 'no/slash'
		[network];default_subnet = "10.0.0.0/40"|'network.default_subnet': invalid subnet '10.0.0.0/40'
		[network];dns_bind_port = 70000|'network.dns_bind_port': 70000 is not a port
		[network];dns_bind_port = "53"|'network.dns_bind_port' is not an integer
		[network];default_subnet_pools = [{base = "10.1.0.0/16"}]|'network.default_subnet_pools[0].size' is missing
		[network];default_subnet_pools = [{base = "10.1.0.0/16", size = 8}]|'network.default_subnet_pools[0]': size 8 does not fit in 10.1.0.0/16
		[network];default_subnet_pools = [{base = "x", size = 24}]|'network.default_subnet_pools[0]': invalid base subnet 'x'
		[containers];netns = "bogus"|'containers.netns': invalid network mode 'bogus'
		[containers];base_hosts_file = "rel/path"|'containers.base_hosts_file': 'rel/path' is not an absolute path, image or none
		[containers];host_containers_internal_ip = "1.2.3"|'containers.host_containers_internal_ip': invalid IP address '1.2.3'
		[containers];dns_servers = ["8.8.8"]|'containers.dns_servers': invalid IP address '8.8.8'
		[containers];dns_searches = "one"|'containers.dns_searches' is not an array
	EOF
	run -0 pea_conf_out ps -aq
	assert_output ""
	printf '[containers]\nbase_hosts_file = "%s/nosuch"\n' "$TEST_DIR" >"$CONF"
	run -125 --separate-stderr pea_conf run --rm --network none busybox true
	assert_equal "$stderr" "Error: containers.conf base_hosts_file: open '$TEST_DIR/nosuch': No such file or directory"
	run -0 pea_conf_out ps -aq
	assert_output ""
}
