# netsetup/: pea-netsetup, a drop-in for netavark.
NETSETUP_SOURCES := $(filter-out netsetup/main.c,$(wildcard netsetup/*.c))
$(eval $(call pea_archive,netsetup,$(NETSETUP_SOURCES)))
$(eval $(call pea_program,pea-netsetup,netsetup/main.c,netsetup,libmnl libnftables))
INSTALL_BIN += pea-netsetup
DEB_PACKAGES += netavark aardvark-dns libmnl-dev libnftables-dev nftables iproute2 iptables \
	busybox-static socat podman crun conmon
# rootless networks (frontend/rootless-net.c, tests/77-*) and bench/network.sh's throughput
DEB_PACKAGES += slirp4netns passt iperf3
