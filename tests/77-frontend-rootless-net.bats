#!/usr/bin/env bats
# The networks of rootless pea, each inside a network namespace the test makes
# (pea runs there as an ordinary user, through nsenter and runuser):
# slirp4netns with its published ports, pasta's DNS forwarder, and bridge
# networks in the user's rootless network namespace (podman 4.3's
# rootless-netns: slirp4netns out, pea-netsetup and pea-dnsd inside).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-rootless

FE_RL_NAME=pearl77

setup() {
	fe_rl_test_setup
	require_cmd nsenter
	require_cmd curl
	require_cmd slirp4netns
	require_cmd pasta
	require_cmd dnsmasq
	require_cmd socat
	rl_net_setup
}

teardown() {
	FE_RL_ENV=()
	if [[ -n "${NETNS_PATH:-}" && -e "$NETNS_PATH" ]]; then
		pea_rl_net rm -af >/dev/null 2>&1 || true
		pea_rl_net network rm -f net1 net2 other inner >/dev/null 2>&1 || true
	fi
	pea_rl system migrate >/dev/null 2>&1 || true
	local f
	for f in "$TEST_DIR"/dnsmasq*.pid; do
		[[ -f "$f" ]] && kill "$(cat "$f")" 2>/dev/null || true
	done
	netns_delete_all 2>/dev/null || true
}

# rl_net_setup: the test's network namespace (an address, a default route to
# copy, a DNS server, dnsmasq, on 192.0.2.1), and a pause process whose mount
# namespace has a 0666 /dev/net/tun and a resolv.conf naming that server.
rl_net_setup() {
	local real=$PEA envv
	netns_create
	ip -n "$NETNS_NAME" link add v0 type veth peer name v1
	ip -n "$NETNS_NAME" addr add 192.0.2.1/24 dev v0
	ip -n "$NETNS_NAME" link set v0 up
	ip -n "$NETNS_NAME" link set v1 up
	ip -n "$NETNS_NAME" route add default via 192.0.2.254 dev v0 onlink
	timeout -k 5 10 ip netns exec "$NETNS_NAME" dnsmasq --no-resolv --no-hosts \
		--listen-address=192.0.2.1 --bind-interfaces --pid-file="$TEST_DIR/dnsmasq.pid" \
		--address=/upstream.test/198.51.100.7 --address=/upstream.test/2001:db8::7 --user=root 3>&-
	mknod -m 0666 "$TEST_DIR/net-tun" c 10 200
	echo "nameserver 192.0.2.1" >"$TEST_DIR/resolv.conf"
	chmod 644 "$TEST_DIR/resolv.conf"
	run -0 pea_rl system migrate
	mapfile -d '' envv < <(fe_rl_env)
	local PEA=unshare
	local FE_ARGS=(-m --propagation private sh -c \
		"mount --bind $TEST_DIR/net-tun /dev/net/tun && mount --bind $TEST_DIR/resolv.conf /etc/resolv.conf && exec \"\$@\"" \
		sh runuser -u "$FE_RL_USER" -- "${envv[@]}" "$real" unshare true)
	run -0 pea_cmd
}

# pea_rl_net ARGS...: pea as the user inside the test's network namespace,
# with pea's real defaults (the host's guard, CONTAINERS_CONF_OVERRIDE, is dropped),
# and the network helpers the file was given (netavark and aardvark-dns:
# 75-frontend-network-netavark).
pea_rl_net() {
	local real=$PEA envv
	mapfile -d '' envv < <(fe_rl_env)
	local PEA=env
	local FE_ARGS=(-u CONTAINERS_CONF_OVERRIDE nsenter --net="$NETNS_PATH" -- runuser
		-u "$FE_RL_USER" -- "${envv[@]}" PEA_NETSETUP="$PEA_NETSETUP" PEA_DNSD="$PEA_DNSD"
		"${FE_RL_ENV[@]}" "$real" --runtime "$FE_RL_RUNTIME")
	pea_cmd "$@"
}

# rl_curl URL: the page, from the test's namespace (the host side), retried for 10 s.
rl_curl() {
	local n out
	for ((n = 0; n < 50; n++)); do
		out=$(timeout -k 5 10 nsenter --net="$NETNS_PATH" curl -s -m 5 "$1") && break
		sleep 0.2
	done
	echo "$out"
}

# rl_udp HOST PORT: send "hi" from the test's namespace, print the answer, retried for 6 s
# (HOST of IPv6 in brackets).
rl_udp() {
	local n out
	for ((n = 0; n < 30; n++)); do
		out=$(echo hi | timeout -k 2 3 nsenter --net="$NETNS_PATH" socat -t 1 - "UDP:$1:$2" \
			2>/dev/null) && [[ -n $out ]] && {
			echo "$out"
			return 0
		}
		sleep 0.2
	done
	return 1
}

# rl_client NS CMD: CMD (a shell line) in namespace NS, retried for 10 s until it prints
# something (a server still starting, a UDP datagram lost); prints that.
rl_client() {
	local n out
	for ((n = 0; n < 50; n++)); do
		out=$(timeout -k 2 5 ip netns exec "$1" sh -c "$2" </dev/null 2>/dev/null) &&
			[[ -n $out ]] && break
		sleep 0.2
	done
	echo "$out"
}

# rl_user_procs NAME: the user's processes named NAME (not zombies).
rl_user_procs() {
	ps -o stat=,pid=,comm= -u "$FE_RL_USER" | awk -v n="$1" '$1 !~ /^Z/ && $3 ~ "^"n { print $2 }'
}

@test "rootless slirp4netns: tap0, slirp's DNS first, -p forwarded, slirp4netns gone after stop" {
	run -0 pea_rl_net run --rm --network slirp4netns busybox \
		sh -c 'ip -4 -o addr show tap0 | awk "{ print \$4 }"; cat /sys/class/net/tap0/mtu; grep -m1 nameserver /etc/resolv.conf'
	assert_output "$(printf '10.0.2.100/24\n65520\nnameserver 10.0.2.3')"
	run -0 pea_rl_net run -d --name web --network slirp4netns:mtu=1500,port_handler=slirp4netns \
		-p 8080:80 busybox httpd -f -p 80 -h /etc
	# podman's NetworkMode is the mode without its options
	run -0 pea_rl inspect --format '{{.HostConfig.NetworkMode}}' web
	assert_output slirp4netns
	run -0 pea_rl port web
	assert_output "80/tcp -> 0.0.0.0:8080"
	assert_equal "$(rl_curl http://127.0.0.1:8080/hostname)" \
		"$(pea_rl inspect --format '{{.Config.Hostname}}' web)"
	# slirp4netns's own DNS answers with the host's resolver (dnsmasq)
	run -0 pea_rl_net exec web nslookup upstream.test
	assert_output --partial 198.51.100.7
	run -0 rl_user_procs slirp4netns
	[[ -n "$output" ]]
	# sandboxed as podman's: a seccomp filter (mode 2)
	run -0 awk '/^Seccomp:/ { print $2 }' "/proc/$output/status"
	assert_output 2
	run -0 pea_rl_net stop -t 1 web
	for ((n = 0; n < 50; n++)); do
		[[ -z "$(rl_user_procs slirp4netns)" ]] && break
		sleep 0.1
	done
	run -0 rl_user_procs slirp4netns
	assert_output ""
	run -0 pea_rl_net rm web
	# -P: a free host port
	run -0 pea_rl_net run -d --name pp --network slirp4netns -P --expose 80 busybox httpd -f -p 80 -h /etc
	run -0 pea_rl port pp
	assert_output --regexp '^80/tcp -> 0\.0\.0\.0:[0-9]+$'
	assert_equal "$(rl_curl "http://127.0.0.1:${output##*:}/hostname")" \
		"$(pea_rl inspect --format '{{.Config.Hostname}}' pp)"
	run -0 pea_rl_net rm -f pp
}

@test "rootless slirp4netns: bad options and a missing slirp4netns get one clear line, nothing left" {
	run -125 pea_rl run --rm --network slirp4netns:bogus=1 busybox true
	assert_output "Error: unknown option for slirp4netns: 'bogus=1'"
	run -125 pea_rl run --rm --network slirp4netns:mtu=70000 busybox true
	assert_output "Error: slirp4netns: invalid mtu '70000': want 68 to 65521"
	run -125 pea_rl run --rm --network slirp4netns:allow_host_loopback=yes busybox true
	assert_output "Error: slirp4netns: invalid value 'yes' of allow_host_loopback: use true or false"
	run -125 pea_rl run --rm --network slirp4netns:cidr=10.0.2.0/30 busybox true
	assert_output "Error: slirp4netns: invalid cidr '10.0.2.0/30': want an IPv4 subnet (/25 or larger)"
	run -125 pea_rl run --rm --network slirp4netns:port_handler=x busybox true
	assert_output "Error: slirp4netns: invalid port_handler 'x': use slirp4netns or rootlesskit"
	run -0 pea_rl_net network create net1
	FE_RL_ENV=(PATH=/nonexistent)
	run -125 pea_rl_net run --rm --network slirp4netns busybox true
	assert_output "Error: --network slirp4netns: slirp4netns not found (install the slirp4netns package)"
	# a bridge network's rootless namespace needs it too
	run -125 pea_rl_net run --rm --network net1 busybox true
	assert_output "Error: the rootless network namespace: slirp4netns not found (install the slirp4netns package)"
	FE_RL_ENV=()
	[[ ! -e "$FE_RL_XDG/pea/rootless-netns/netns" ]]
	run -0 pea_rl_net network rm net1
	run -0 pea_rl ps -aq
	assert_output ""
	run -0 find "$FE_RL_XDG/pea/containers" -name netns
	assert_output ""
}

@test "rootless pasta: 169.254.1.1 is the first nameserver, pasta forwards it to the host's resolver" {
	run -0 pea_rl_net run --rm busybox sh -c 'grep nameserver /etc/resolv.conf | head -1; nslookup upstream.test 169.254.1.1'
	assert_line --index 0 "nameserver 169.254.1.1"
	assert_output --partial 198.51.100.7
	# the user's own --dns-forward wins
	run -0 pea_rl_net run --rm --network pasta:--dns-forward,192.0.2.53 busybox \
		sh -c 'grep nameserver /etc/resolv.conf | head -1; nslookup upstream.test 192.0.2.53'
	assert_line --index 0 "nameserver 192.0.2.53"
	assert_output --partial 198.51.100.7
	# --dns: the user's servers alone
	run -0 pea_rl_net run --rm --dns 192.0.2.1 busybox grep nameserver /etc/resolv.conf
	assert_output "nameserver 192.0.2.1"
}

@test "rootless bridge: two containers on net1 reach each other by name, -p reaches the host side" {
	run -0 pea_rl_net network create net1
	run -0 pea_rl_net run -d --name web --network net1 --network-alias www -p 8081:80 busybox \
		httpd -f -p 80 -h /etc
	run -0 pea_rl_net run --rm --network net1 busybox sh -c \
		'nslookup web >/dev/null && wget -qO- http://web/hostname && wget -qO- http://www/hostname'
	assert_output "$(printf '%s\n%s' "$(pea_rl inspect --format '{{.Config.Hostname}}' web)" \
		"$(pea_rl inspect --format '{{.Config.Hostname}}' web)")"
	# another network does not resolve it; an isolated one (strict: from any other
	# bridge; by default networks route to each other, as podman's) cannot reach it;
	# an internal one has no way out
	# (netavark 1.4 has no isolate=strict, only true, which keeps two isolated
	# networks apart: 75-frontend-network-run's isolation test runs on it)
	if [[ "$PEA_NETSETUP" != */netavark ]]; then
		run -0 pea_rl_net network create --subnet 10.89.78.0/24 -o isolate=strict other
	else
		run -0 pea_rl_net network create --subnet 10.89.78.0/24 other
	fi
	run -1 pea_rl_net run --rm --network other busybox nslookup web
	run -0 pea_rl inspect --format '{{.NetworkSettings.Networks.net1.IPAddress}}' web
	[[ $output == 10.* ]]
	if [[ "$PEA_NETSETUP" != */netavark ]]; then
		run -1 pea_rl_net run --rm --network other busybox nc -w 3 "$output" 80 </dev/null
	fi
	run -0 pea_rl_net network create --internal --subnet 10.89.79.0/24 inner
	run ! pea_rl_net run --rm --network inner busybox timeout 5 wget -qO- http://192.0.2.1:53/
	run -0 pea_rl_net run --rm --network inner busybox ip route
	refute_output --partial default
	run -0 pea_rl_net network rm other inner
	# the network's DNS server forwards other names to the host's resolver
	run -0 pea_rl_net exec web nslookup upstream.test
	assert_output --partial 198.51.100.7
	run -0 pea_rl port web
	assert_output "80/tcp -> 0.0.0.0:8081"
	assert_equal "$(rl_curl http://127.0.0.1:8081/hostname)" \
		"$(pea_rl inspect --format '{{.Config.Hostname}}' web)"
	run -0 pea_rl ps --format '{{.Names}} {{.Ports}}'
	assert_output --partial "web 0.0.0.0:8081->80/tcp"
	# udp on a host address, through socat (the host's, bound read-only); not
	# from 127.0.0.1: slirp4netns --disable-host-loopback drops the replies to
	# the host's loopback (as podman's, containers/podman#4586)
	run -0 pea_rl_net run -d --name u --network net1 -p 192.0.2.1:5354:5353/udp \
		-v /usr:/usr:ro -v /usr/lib:/lib:ro -v /usr/lib64:/lib64:ro busybox \
		/usr/bin/socat UDP-RECVFROM:5353,fork SYSTEM:'read x; echo pong'
	run -0 pea_rl port u
	assert_output "5353/udp -> 192.0.2.1:5354"
	run -0 rl_udp 192.0.2.1 5354
	assert_output pong
	run -0 pea_rl_net rm -f u
	# the bridge is in the user's rootless namespace, beside slirp4netns's tap0, not in the test's
	run -0 pea_rl network inspect --format '{{.NetworkInterface}}' net1
	br=$output
	[[ -n "$br" ]]
	run -0 pea_rl unshare nsenter --net="$FE_RL_XDG/pea/rootless-netns/netns" ip -o link show
	assert_output --regexp "[0-9]+: $br: "
	assert_output --regexp "[0-9]+: tap0: "
	run -1 ip -n "$NETNS_NAME" link show "$br"
	[[ -e "$FE_RL_XDG/pea/rootless-netns/netns" ]]
	run -0 rl_user_procs slirp4netns
	[[ -n "$output" ]]
	# the last container to go takes the namespace, its slirp4netns and pea-dnsd along
	run -0 pea_rl_net rm -f web
	for ((n = 0; n < 50; n++)); do
		[[ -z "$(rl_user_procs slirp4netns)$(rl_user_procs pea-dnsd)" ]] && break
		sleep 0.1
	done
	run -0 rl_user_procs slirp4netns
	assert_output ""
	run -0 rl_user_procs pea-dnsd
	assert_output ""
	[[ ! -e "$FE_RL_XDG/pea/rootless-netns/netns" ]]
	run -0 pea_rl_net network rm net1
}

@test "rootless bridge and slirp4netns: -p on IPv6, tcp and udp, through pea-netsetup forward" {
	ip -n "$NETNS_NAME" addr add 2001:db8::1/64 dev v0 nodad
	run -0 pea_rl_net network create net1
	run -0 pea_rl_net run -d --name web --network net1 -p 8084:80 busybox httpd -f -p 80 -h /etc
	host=$(pea_rl inspect --format '{{.Config.Hostname}}' web)
	# IPv4 through slirp4netns, IPv6 (loopback and a host address) through the forwarder
	assert_equal "$(rl_curl http://127.0.0.1:8084/hostname)" "$host"
	assert_equal "$(rl_curl 'http://[::1]:8084/hostname')" "$host"
	assert_equal "$(rl_curl 'http://[2001:db8::1]:8084/hostname')" "$host"
	run -0 rl_user_procs pea-netsetup
	assert_equal "${#lines[@]}" 1
	# an IPv6 host address alone: nothing on IPv4
	run -0 pea_rl_net run -d --name web6 --network net1 -p '[2001:db8::1]:8085:80' busybox \
		httpd -f -p 80 -h /etc
	run -0 pea_rl port web6
	assert_output "80/tcp -> [2001:db8::1]:8085"
	assert_equal "$(rl_curl 'http://[2001:db8::1]:8085/hostname')" \
		"$(pea_rl inspect --format '{{.Config.Hostname}}' web6)"
	run ! timeout -k 5 10 nsenter --net="$NETNS_PATH" curl -s -m 3 http://127.0.0.1:8085/
	# udp, a range, on ::1 (slirp4netns drops replies to the host's IPv4 loopback)
	run -0 pea_rl_net run -d --name u --network net1 -p 5360-5361:5353-5354/udp \
		-v /usr:/usr:ro -v /usr/lib:/lib:ro -v /usr/lib64:/lib64:ro busybox sh -c \
		"/usr/bin/socat UDP-RECVFROM:5353,fork SYSTEM:'read x; echo pong' &
		 exec /usr/bin/socat UDP-RECVFROM:5354,fork SYSTEM:'read x; echo pong2'"
	run -0 rl_udp '[::1]' 5360
	assert_output pong
	run -0 rl_udp '[::1]' 5361
	assert_output pong2
	# a port the host cannot give: one clear line, nothing left
	run -125 pea_rl_net run --rm --network net1 -p '[2001:db8::99]:8086:80' busybox true
	assert_output --regexp "^Error: .*bind tcp '2001:db8::99' port 8086: Cannot assign requested address$"
	run -0 pea_rl_net rm -f web web6 u
	run -0 rl_user_procs pea-netsetup
	assert_output ""
	# --network slirp4netns: the forwarder goes straight to the container's port
	run -0 pea_rl_net run -d --name s --network slirp4netns -p 8087:80 busybox httpd -f -p 80 -h /etc
	assert_equal "$(rl_curl 'http://[::1]:8087/hostname')" \
		"$(pea_rl inspect --format '{{.Config.Hostname}}' s)"
	assert_equal "$(rl_curl http://127.0.0.1:8087/hostname)" \
		"$(pea_rl inspect --format '{{.Config.Hostname}}' s)"
	run -0 pea_rl_net rm -f s
	run -0 rl_user_procs pea-netsetup
	assert_output ""
	run -0 pea_rl_net network rm net1
}

@test "rootless pasta: -p keeps the client's address, tcp and udp" {
	local host_ns=$NETNS_NAME host_path=$NETNS_PATH client
	# a client in a namespace of its own, behind v1 (pasta splices local clients)
	netns_create
	client=$NETNS_NAME
	NETNS_NAME=$host_ns NETNS_PATH=$host_path
	ip -n "$host_ns" link set v1 netns "$client"
	ip -n "$client" addr add 192.0.2.2/24 dev v1
	ip -n "$client" link set v1 up
	run -0 pea_rl_net run -d --name echo -p 8088:80 -p 8089:81/udp \
		-v /usr:/usr:ro -v /usr/lib:/lib:ro -v /usr/lib64:/lib64:ro busybox sh -c \
		"/usr/bin/socat TCP4-LISTEN:80,fork,reuseaddr SYSTEM:'echo \$SOCAT_PEERADDR' &
		 exec /usr/bin/socat UDP4-RECVFROM:81,fork SYSTEM:'echo \$SOCAT_PEERADDR'"
	run -0 rl_client "$client" 'socat -T 2 - TCP:192.0.2.1:8088'
	assert_output 192.0.2.2
	run -0 rl_client "$client" 'echo hi | socat -T 2 - UDP:192.0.2.1:8089'
	assert_output 192.0.2.2
	run -0 pea_rl_net rm -f echo
}

@test "rootless pasta: -p over IPv6 ([::1] and a host address), tcp and udp, keeps the client's address" {
	local host_ns=$NETNS_NAME host_path=$NETNS_PATH client out n
	# IPv6 in the test's namespace: an address and a default route for pasta to copy
	ip netns exec "$host_ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0
	ip -n "$host_ns" addr add 2001:db8::1/64 dev v0 nodad
	ip -n "$host_ns" -6 route add default via 2001:db8::fe dev v0 onlink
	# a client in a namespace of its own, behind v1 (pasta splices local clients)
	netns_create
	client=$NETNS_NAME
	NETNS_NAME=$host_ns NETNS_PATH=$host_path
	ip -n "$host_ns" link set v1 netns "$client"
	ip netns exec "$client" sysctl -qw net.ipv6.conf.all.disable_ipv6=0
	ip -n "$client" addr add 2001:db8::2/64 dev v1 nodad
	ip -n "$client" link set v1 up
	run -0 pea_rl_net run -d --name echo -p 8090:80 -p 8091:81/udp \
		-v /usr:/usr:ro -v /usr/lib:/lib:ro -v /usr/lib64:/lib64:ro busybox sh -c \
		"/usr/bin/socat TCP6-LISTEN:80,fork,reuseaddr SYSTEM:'echo \$SOCAT_PEERADDR' &
		 exec /usr/bin/socat UDP6-RECVFROM:81,fork SYSTEM:'echo \$SOCAT_PEERADDR'"
	# the container has the host's IPv6 address, as pasta copies it
	run -0 pea_rl_net exec echo ip -6 -o addr show scope global
	assert_output --partial 2001:db8::1/64
	# from the host's own loopback (spliced: the container sees its loopback)
	for ((n = 0; n < 50; n++)); do
		out=$(timeout -k 2 5 nsenter --net="$host_path" socat -T 2 - 'TCP6:[::1]:8090' \
			</dev/null 2>/dev/null) && [[ -n $out ]] && break
		sleep 0.2
	done
	# (socat writes IPv6 addresses in full)
	assert_equal "$out" "[0000:0000:0000:0000:0000:0000:0000:0001]"
	# (udp from the host's own addresses, spliced, gets no answer from this pasta
	# (2023-03), IPv4's 127.0.0.1 neither: udp from another machine only)
	# from another machine, to the host's IPv6 address: its own address
	run -0 rl_client "$client" 'socat -T 2 - "TCP6:[2001:db8::1]:8090"'
	assert_output "[2001:0db8:0000:0000:0000:0000:0000:0002]"
	run -0 rl_client "$client" 'echo hi | socat -T 2 - "UDP6:[2001:db8::1]:8091"'
	assert_output "[2001:0db8:0000:0000:0000:0000:0000:0002]"
	run -0 pea_rl_net rm -f echo
	# a port on an IPv6 host address alone: nothing on IPv4
	run -0 pea_rl_net run -d --name web6 -p '[2001:db8::1]:8092:80' busybox httpd -f -p 80 -h /etc
	run -0 pea_rl port web6
	assert_output "80/tcp -> [2001:db8::1]:8092"
	assert_equal "$(rl_curl 'http://[2001:db8::1]:8092/hostname')" \
		"$(pea_rl inspect --format '{{.Config.Hostname}}' web6)"
	run ! timeout -k 5 10 nsenter --net="$host_path" curl -s -m 3 http://127.0.0.1:8092/
	run -0 pea_rl_net rm -f web6
}

@test "rootless slirp4netns and bridge: -p on IPv4 keeps the client's address (slirp4netns's own forwards)" {
	local host_ns=$NETNS_NAME host_path=$NETNS_PATH client name
	# podman keeps it with port_handler=slirp4netns only (rootlesskit's, its
	# default and its bridge networks' handler, shows 10.0.2.100); pea forwards
	# through slirp4netns's API in each case, so the container sees the client
	netns_create
	client=$NETNS_NAME
	NETNS_NAME=$host_ns NETNS_PATH=$host_path
	ip -n "$host_ns" link set v1 netns "$client"
	ip -n "$client" addr add 192.0.2.2/24 dev v1
	ip -n "$client" link set v1 up
	run -0 pea_rl_net network create net1
	for name in slirp4netns:port_handler=slirp4netns slirp4netns net1; do
		run -0 pea_rl_net run -d --name echo --network "$name" -p 8094:80 -p 8095:81/udp \
			-v /usr:/usr:ro -v /usr/lib:/lib:ro -v /usr/lib64:/lib64:ro busybox sh -c \
			"/usr/bin/socat TCP4-LISTEN:80,fork,reuseaddr SYSTEM:'echo \$SOCAT_PEERADDR' &
			 exec /usr/bin/socat UDP4-RECVFROM:81,fork SYSTEM:'echo \$SOCAT_PEERADDR'"
		run -0 rl_client "$client" 'socat -T 2 - TCP:192.0.2.1:8094'
		assert_output 192.0.2.2
		run -0 rl_client "$client" 'echo hi | socat -T 2 - UDP:192.0.2.1:8095'
		assert_output 192.0.2.2
		run -0 pea_rl_net rm -f echo
	done
	run -0 pea_rl_net network rm net1
}

@test "rootless bridge: containers.conf's dns_servers are pea-dnsd's upstreams for the containers" {
	# a second server, which alone knows conf.test
	ip -n "$NETNS_NAME" addr add 192.0.2.2/24 dev v0
	timeout -k 5 10 ip netns exec "$NETNS_NAME" dnsmasq --no-resolv --no-hosts \
		--listen-address=192.0.2.2 --bind-interfaces --pid-file="$TEST_DIR/dnsmasq2.pid" \
		--address=/conf.test/198.51.100.8 --address=/conf.test/2001:db8::8 --user=root 3>&-
	printf '[containers]\ndns_servers = ["192.0.2.2"]\n' >"$FE_RL_HOME/dns.conf"
	chmod 644 "$FE_RL_HOME/dns.conf"
	FE_RL_ENV=(CONTAINERS_CONF_OVERRIDE="$FE_RL_HOME/dns.conf")
	run -0 pea_rl_net network create net2
	run -0 pea_rl_net run --rm --network net2 busybox nslookup conf.test
	assert_output --partial 198.51.100.8
	FE_RL_ENV=()
	run -1 pea_rl_net run --rm --network net2 busybox nslookup conf.test
	run -0 pea_rl_net network rm net2
	kill "$(cat "$TEST_DIR/dnsmasq2.pid")"
}

@test "rootless bridge: --network bridge, network reload restores flushed rules, connect and disconnect" {
	# --network bridge: the default network, in the rootless namespace too
	run -0 pea_rl_net run --rm --network bridge busybox ip -4 -o addr show eth0
	assert_output --partial "inet 10.88."
	run -0 pea_rl_net network create net1
	run -0 pea_rl_net network create --subnet 10.89.77.0/24 net2
	run -0 pea_rl_net run -d --name web --network net1 -p 8083:80 busybox httpd -f -p 80 -h /etc
	host=$(pea_rl inspect --format '{{.Config.Hostname}}' web)
	assert_equal "$(rl_curl http://127.0.0.1:8083/hostname)" "$host"
	# the rootless namespace's rules flushed: the port is dead until reload
	run -0 pea_rl unshare nsenter --net="$FE_RL_XDG/pea/rootless-netns/netns" nft flush ruleset
	run ! timeout -k 5 10 nsenter --net="$NETNS_PATH" curl -s -m 3 http://127.0.0.1:8083/hostname
	run -0 pea_rl_net network reload web
	assert_equal "$(rl_curl http://127.0.0.1:8083/hostname)" "$host"
	# a second network while it runs, and off again
	run -0 pea_rl_net network connect net2 web
	run -0 pea_rl_net exec web ip -4 -o addr show eth1
	assert_output --partial "inet 10.89.77."
	run -0 pea_rl_net network disconnect net2 web
	run -1 pea_rl_net exec web ip -4 -o addr show eth1
	assert_equal "$(rl_curl http://127.0.0.1:8083/hostname)" "$host"
	# rm frees the address and takes exactly its own rules in the rootless namespace
	run -0 pea_rl_net run -d --name web2 --network net1 -p 8082:80 busybox httpd -f -p 80 -h /etc
	local id web_id ip2
	id=$output
	web_id=$(pea_rl inspect --format '{{.Id}}' web)
	ip2=$(pea_rl inspect --format '{{.NetworkSettings.Networks.net1.IPAddress}}' web2)
	[[ $ip2 == 10.* ]]
	assert_equal "$(rl_curl http://127.0.0.1:8082/hostname)" "${id:0:12}"
	run -0 pea_rl unshare nsenter --net="$FE_RL_XDG/pea/rootless-netns/netns" nft list ruleset
	assert_output --regexp 'dport 8082[^0-9]'
	run -0 pea_rl_net rm -f web2
	run -0 pea_rl unshare nsenter --net="$FE_RL_XDG/pea/rootless-netns/netns" nft list ruleset
	refute_output --regexp 'dport 8082[^0-9]'
	assert_output --regexp 'dport 8083[^0-9]'
	# (pea-netsetup's rules name their container; netavark 1.4's do not)
	if [[ "$PEA_NETSETUP" != */netavark ]]; then
		refute_output --partial "$id"
		assert_output --partial "$web_id"
	fi
	run ! timeout -k 5 10 nsenter --net="$NETNS_PATH" curl -s -m 3 http://127.0.0.1:8082/hostname
	assert_equal "$(rl_curl http://127.0.0.1:8083/hostname)" "$host"
	run -0 pea_rl_net run --rm --network net1 --ip "$ip2" busybox ip -4 -o addr show eth0
	assert_output --partial "inet $ip2/"
	# bad subnets and conflicts: one clear line, no network made
	run -125 pea_rl_net network create --subnet 10.89.77.0/25 net3
	assert_output "Error: subnet 10.89.77.0/25 is already used on the host or by another config"
	run -125 pea_rl_net network create --subnet 10.89.300.0/24 net3
	assert_output --partial "Error: invalid subnet '10.89.300.0/24'"
	run -125 pea_rl_net network create net2
	assert_output "Error: network name net2 already used: network already exists"
	run -125 pea_rl_net run --rm --network net1 --ip "$(pea_rl inspect --format '{{.NetworkSettings.Networks.net1.IPAddress}}' web)" busybox true
	assert_output --regexp "^Error: IPAM error: requested ip address 10\.[0-9.]+ is already allocated to another container on network net1$"
	run -1 pea_rl network exists net3
	run -0 pea_rl_net rm -f web
	run -0 pea_rl_net network rm net1 net2
}
