#!/usr/bin/env bats
# pea run -p/--publish and -P, pea port: a busybox httpd (tcp) and socat (udp)
# published on the host side, IPv4 and IPv6; the rules gone with the container.
# pea runs inside a network namespace made by the test (pea_net), which is the
# "host" the ports are published on.
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
	require_cmd socat
	require_cmd tini
	fe_setup
	fe_net_setup
	fe_load_busybox
}

teardown() {
	fe_net_teardown
	fe_teardown
}

# get URL: the body, retried while the server in the container starts.
get() {
	local i
	for ((i = 0; i < 50; i++)); do
		fe_in_net curl -sS -m 2 "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fe_in_net curl -sS -m 2 "$1"
}

# udp HOST PORT: send "hi", print the answer, retried while the server starts.
udp() {
	local i out
	for ((i = 0; i < 30; i++)); do
		out=$(echo hi | fe_in_net timeout -k 2 3 socat -t 1 - "UDP:$1:$2" 2>/dev/null) &&
			[[ -n $out ]] && {
			echo "$out"
			return 0
		}
		sleep 0.1
	done
	return 1
}

# client NS CMD: CMD (a shell line) in namespace NS, retried for 10 s until it prints
# something (a server still starting, a UDP datagram lost); prints that.
client() {
	local n out
	for ((n = 0; n < 50; n++)); do
		out=$(timeout -k 2 5 ip netns exec "$1" sh -c "$2" </dev/null 2>/dev/null) &&
			[[ -n $out ]] && break
		sleep 0.2
	done
	echo "$out"
}

@test "-p 8080:80: a busybox httpd answers on the host side (loopback and gateway), pea port" {
	local id
	id=$(pea_net_out run -d --name web -p 8080:80 busybox httpd -f -p 80 -h /etc)
	run -0 get http://127.0.0.1:8080/hostname
	assert_output "${id:0:12}"
	run -0 get http://10.88.0.1:8080/hostname
	assert_output "${id:0:12}"
	run -0 pea_net port web
	assert_output "80/tcp -> 0.0.0.0:8080"
	run -0 pea_net port web 80
	assert_output "0.0.0.0:8080"
	run -0 pea_net port web 80/tcp
	assert_output "0.0.0.0:8080"
	run -125 --separate-stderr pea_net port web 81
	assert_equal "$stderr" 'Error: failed to find published port "81/tcp"'
	run -0 pea_net port -a
	assert_output "${id:0:12}	80/tcp -> 0.0.0.0:8080"
	run -0 pea_net port -l
	assert_output "80/tcp -> 0.0.0.0:8080"
	pea_net rm -f web >/dev/null
	fe_net_clean
	run -7 fe_in_net curl -sS -m 2 http://127.0.0.1:8080/
}

@test "-p on a user network: tcp and udp, IPv4 and IPv6, a host address, a range" {
	pea_net network create --subnet 10.89.40.0/24 --subnet fd00:40::/64 dual >/dev/null
	pea_net run -d --name web --network dual -p 8080:80 -p 127.0.0.1:8081:80 \
		-p 9000-9001:90-91 busybox sh -c \
		'httpd -p 90 -h /etc; httpd -p 91 -h /etc; httpd -f -p 80 -h /etc' >/dev/null
	run -0 get http://10.89.40.1:8080/hostname
	run -0 get "http://[fd00:40::1]:8080/hostname"
	run -0 get http://127.0.0.1:8081/hostname
	run -0 get http://127.0.0.1:9000/hostname
	run -0 get http://127.0.0.1:9001/hostname
	# 8081 is published on 127.0.0.1 only
	run -7 fe_in_net curl -sS -m 2 http://10.89.40.1:8081/hostname
	run -0 pea_net port web
	assert_output "80/tcp -> 0.0.0.0:8080
80/tcp -> 127.0.0.1:8081
90/tcp -> 0.0.0.0:9000
91/tcp -> 0.0.0.0:9001"
	# udp through socat (the host's, bind-mounted read-only)
	pea_net run -d --name u --network dual -p 5354:5353/udp -v /usr:/usr:ro \
		-v /usr/lib:/lib:ro -v /usr/lib64:/lib64:ro busybox \
		/usr/bin/socat UDP6-RECVFROM:5353,fork,ipv6only=0 SYSTEM:'echo pong' >/dev/null
	run -0 udp 10.89.40.1 5354
	assert_output pong
	run -0 udp '[fd00:40::1]' 5354
	assert_output pong
	run -0 pea_net port u
	assert_output "5353/udp -> 0.0.0.0:5354"
	# rm takes exactly its own rules: web's ports are dead, u's still answer
	local web_id u_id
	web_id=$(pea_net_out inspect --format '{{.Id}}' web)
	u_id=$(pea_net_out inspect --format '{{.Id}}' u)
	run -0 ip netns exec "$FE_NETNS_NAME" nft list ruleset
	assert_output --regexp 'dport (8080|9000)[^0-9]'
	pea_net rm -f web >/dev/null
	run -0 ip netns exec "$FE_NETNS_NAME" nft list ruleset
	refute_output --regexp 'dport (8080|8081|9000|9001)[^0-9]'
	assert_output --regexp 'dport 5354[^0-9]'
	# (pea-netsetup's rules name their container; netavark 1.4's do not)
	if [[ "${PEA_NETSETUP:-}" != */netavark ]]; then
		refute_output --partial "$web_id"
		assert_output --partial "$u_id"
	fi
	run -7 fe_in_net curl -sS -m 2 http://127.0.0.1:8080/hostname
	run -7 fe_in_net curl -sS -m 2 http://127.0.0.1:9000/hostname
	run -0 udp 10.89.40.1 5354
	assert_output pong
	pea_net rm -f u >/dev/null
	fe_net_clean
}

@test "-p: the container sees the client's own address, tcp and udp, IPv4 and IPv6" {
	local client
	# a client in a namespace of its own, behind a veth to the test's (the host)
	netns_create
	client=$NETNS_NAME
	ip -n "$FE_NETNS_NAME" link add cl0 type veth peer name cl1 netns "$client"
	ip -n "$FE_NETNS_NAME" addr add 192.0.2.1/24 dev cl0
	ip -n "$FE_NETNS_NAME" addr add 2001:db8::1/64 dev cl0 nodad
	ip -n "$client" addr add 192.0.2.2/24 dev cl1
	ip -n "$client" addr add 2001:db8::2/64 dev cl1 nodad
	ip -n "$FE_NETNS_NAME" link set cl0 up
	ip -n "$client" link set cl1 up
	pea_net network create --subnet 10.89.42.0/24 --subnet fd00:42::/64 dual >/dev/null
	pea_net run -d --name echo --network dual -p 8096:80 -p 8097:81/udp -v /usr:/usr:ro \
		-v /usr/lib:/lib:ro -v /usr/lib64:/lib64:ro busybox sh -c \
		"/usr/bin/socat TCP6-LISTEN:80,fork,reuseaddr,ipv6only=0 SYSTEM:'echo \$SOCAT_PEERADDR' &
		 exec /usr/bin/socat UDP6-RECVFROM:81,fork,ipv6only=0 SYSTEM:'echo \$SOCAT_PEERADDR'" \
		>/dev/null
	# (socat writes the IPv4 client of an IPv6 socket as a mapped address, in full)
	run -0 client "$client" 'socat -T 2 - TCP:192.0.2.1:8096'
	assert_output "[0000:0000:0000:0000:0000:ffff:c000:0202]"
	run -0 client "$client" 'echo hi | socat -T 2 - UDP:192.0.2.1:8097'
	assert_output "[0000:0000:0000:0000:0000:ffff:c000:0202]"
	run -0 client "$client" 'socat -T 2 - "TCP6:[2001:db8::1]:8096"'
	assert_output "[2001:0db8:0000:0000:0000:0000:0000:0002]"
	run -0 client "$client" 'echo hi | socat -T 2 - "UDP6:[2001:db8::1]:8097"'
	assert_output "[2001:0db8:0000:0000:0000:0000:0000:0002]"
	pea_net rm -f echo >/dev/null
	ip -n "$FE_NETNS_NAME" link del cl0
	fe_net_clean
}

@test "-p: a host port another container publishes is refused, free again after it stops" {
	pea_net run -d --name a -p 8080:80 busybox httpd -f -p 80 -h /etc >/dev/null
	# 126 as podman's run when a host port is taken (030-run; 21323bf)
	run -126 --separate-stderr pea_net run -d --name b -p 127.0.0.1:8079-8081:79-81 busybox true
	assert_equal "$stderr" "Error: host port 8080/tcp is already published by container a"
	# nothing of b was set up
	run -0 ip netns exec "$FE_NETNS_NAME" nft list ruleset
	refute_output --partial 8079
	[[ ! -e "$FE_RUNROOT/containers/$(pea_net_out inspect --format '{{.Id}}' b)/netns" ]]
	# another protocol, another port: fine
	run -0 pea_net run --rm -p 8080:80/udp busybox true
	run -0 pea_net run --rm -p 8081:80 busybox true
	pea_net stop -t 0 a >/dev/null
	run -0 pea_net start b
	pea_net rm -f a b >/dev/null
	fe_net_clean
}

@test "-P: the exposed ports on free host ports; -p PORT picks one too" {
	pea_net run -d --name web -P --expose 80 --expose 81/udp busybox httpd -f -p 80 -h /etc >/dev/null
	run -0 pea_net port web
	assert_line --index 0 --regexp '^80/tcp -> 0\.0\.0\.0:[0-9]+$'
	assert_line --index 1 --regexp '^81/udp -> 0\.0\.0\.0:[0-9]+$'
	local hp
	hp=$(pea_net_out port web 80)
	hp=${hp##*:}
	((hp > 0 && hp != 80))
	run -0 get "http://127.0.0.1:$hp/hostname"
	pea_net run -d --name web2 -p 80 busybox httpd -f -p 80 -h /etc >/dev/null
	hp=$(pea_net_out port web2 80)
	run -0 get "http://127.0.0.1:${hp##*:}/hostname"
	# the image's own exposed ports (EXPOSE), tcp and udp
	pea_net create --name base busybox true >/dev/null
	pea_net commit -q -c 'EXPOSE 80' -c 'EXPOSE 81/udp' base exposed >/dev/null
	pea_net run -d --name web3 -P exposed httpd -f -p 80 -h /etc >/dev/null
	run -0 pea_net port web3
	assert_line --index 0 --regexp '^80/tcp -> 0\.0\.0\.0:[0-9]+$'
	assert_line --index 1 --regexp '^81/udp -> 0\.0\.0\.0:[0-9]+$'
	hp=$(pea_net_out port web3 80)
	run -0 get "http://127.0.0.1:${hp##*:}/hostname"
	# -P without exposed ports publishes nothing
	pea_net run -d --name quiet -P busybox sleep 100 >/dev/null
	run -0 pea_net port quiet
	assert_output ""
}

@test "-p: bad specifications give one clear line and leave nothing" {
	run -125 --separate-stderr pea_net run --rm -p 70000:80 busybox true
	assert_equal "$stderr" "Error: invalid port format '70000:80': invalid host port '70000'"
	run -125 --separate-stderr pea_net run --rm -p 8080:http busybox true
	assert_equal "$stderr" "Error: invalid port format '8080:http': invalid container port 'http'"
	run -125 --separate-stderr pea_net run --rm -p 80/icmp busybox true
	assert_equal "$stderr" "Error: invalid port format '80/icmp': unknown protocol 'icmp': use tcp, udp or sctp"
	run -125 --separate-stderr pea_net run --rm -p 1.2.3:80:80 busybox true
	assert_equal "$stderr" "Error: invalid port format '1.2.3:80:80': invalid IP address '1.2.3'"
	run -125 --separate-stderr pea_net run --rm -p 8000-8002:80-81 busybox true
	assert_equal "$stderr" "Error: invalid port format '8000-8002:80-81': host and container port ranges differ in size"
	run -125 --separate-stderr pea_net run --rm -p ::1:80:80 busybox true
	assert_equal "$stderr" "Error: invalid port format '::1:80:80': an IPv6 address goes in brackets ([::1]:8080:80)"
	run -125 --separate-stderr pea_net run --rm -p 90-80 busybox true
	assert_equal "$stderr" "Error: invalid port format '90-80': invalid container port '90-80'"
	run -125 --separate-stderr pea_net run --rm --expose 0 busybox true
	assert_equal "$stderr" "Error: invalid exposed port '0'"
	run -125 --separate-stderr pea_net port
	assert_equal "$stderr" "Error: you must supply a running container name or ID"
	run -125 --separate-stderr pea_net port nosuch
	assert_equal "$stderr" 'Error: no container with name or ID "nosuch" found: no such container'
	run -0 pea_net_out ps -a -q
	assert_output ""
	fe_net_clean
}

@test "ps PORTS and inspect NetworkSettings: the published ports, the address" {
	run -0 pea_net run -d --name web -p 8080:80 -p 127.0.0.1:5353:53/udp busybox sleep 1000
	run -0 pea_net ps --format '{{.Names}} {{.Ports}}'
	assert_output 'web 0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp'
	run -0 pea_net ps --format json
	assert_equal "$(jq -c '.[0].Ports[0] | [.host_port, .container_port, .protocol]' <<<"$output")" '[8080,80,"tcp"]'
	run -0 pea_net inspect --format json web
	assert_equal "$(jq -r '.[0].NetworkSettings.Ports["80/tcp"][0].HostPort' <<<"$output")" 8080
	assert_equal "$(jq -r '.[0].NetworkSettings.Ports["53/udp"][0].HostIp' <<<"$output")" 127.0.0.1
	assert_regex "$(jq -r '.[0].NetworkSettings.IPAddress' <<<"$output")" '^10\.88\.[0-9]+\.[0-9]+$'
	assert_equal "$(jq -r '.[0].NetworkSettings.Gateway' <<<"$output")" 10.88.0.1
	assert_equal "$(jq -r '.[0].NetworkSettings.Networks | keys[0]' <<<"$output")" podman
	# HostConfig.PortBindings: what was asked for, as podman's
	assert_equal "$(jq -c '.[0].HostConfig.PortBindings' <<<"$output")" '{"80/tcp":[{"HostIp":"","HostPort":"8080"}],"53/udp":[{"HostIp":"127.0.0.1","HostPort":"5353"}]}'
	# stopped: the ports asked for, no address
	run -0 pea_net stop -t 0 web
	run -0 pea_net inspect --format '{{.NetworkSettings.IPAddress}}|{{.NetworkSettings.SandboxKey}}' web
	assert_output '|'
	run -0 pea_net ps -a --format '{{.Ports}}'
	assert_output '0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp'
	# no ports: an empty column, null in JSON; not on a network: no settings of one
	run -0 pea_net run -d --name quiet --network none busybox sleep 1000
	run -0 pea_net ps --filter name=quiet --format '{{.Names}}:{{.Ports}}'
	assert_output 'quiet:'
	run -0 pea_net ps --filter name=quiet --format json
	assert_equal "$(jq -r '.[0].Ports' <<<"$output")" null
	run -0 pea_net inspect --format json quiet
	assert_equal "$(jq -c '.[0].NetworkSettings | [.IPAddress, .Ports, .Networks]' <<<"$output")" '["",{},{}]'
	assert_equal "$(jq -c '.[0].HostConfig.PortBindings' <<<"$output")" '{}'
}

@test "--network slirp4netns as root: tap0 at the cidr's .100, its DNS, /etc/hosts as podman's, -p on IPv4 and IPv6" {
	require_cmd slirp4netns
	# the host's own address: host.containers.internal (podman's getLocalIP)
	fe_in_net ip addr add 192.0.2.5/24 dev lo
	run -0 pea_net run --rm --network slirp4netns:cidr=172.20.5.0/24 --name sl --hostname sl \
		busybox sh -c 'ip -4 -o addr show tap0; cat /etc/hosts; grep -m1 nameserver /etc/resolv.conf'
	assert_line --index 0 --regexp 'inet 172\.20\.5\.100/24 '
	# podman writes the name twice when it is the hostname (500-networking reads it so)
	assert_line "172.20.5.100	sl sl"
	assert_line "192.0.2.5	host.containers.internal host.docker.internal"
	assert_line "nameserver 172.20.5.3"
	run -0 pea_net run -d --name web --network slirp4netns -p 8090:80 busybox httpd -f -p 80 -h /etc
	id=$output
	run -0 pea_net port web
	assert_output "80/tcp -> 0.0.0.0:8090"
	run -0 get http://127.0.0.1:8090/hostname
	assert_output "${id:0:12}"
	run -0 get 'http://[::1]:8090/hostname'
	assert_output "${id:0:12}"
	run -0 pea_net rm -f web
	for ((n = 0; n < 50; n++)); do
		pgrep -f "slirp4netns.*$id" >/dev/null || break
		sleep 0.1
	done
	run -1 pgrep -f "slirp4netns.*$id"
	# its sandbox detached nothing of ours: the test's namespace (a shared
	# mount under /run/netns) is still there
	run -0 ip -n "$FE_NETNS_NAME" link show lo
	fe_net_clean
}
