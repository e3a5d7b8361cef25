# dnsd/: pea-dnsd, the DNS server of container networks (an aardvark-dns drop-in).
DNSD_SOURCES := $(filter-out dnsd/main.c,$(wildcard dnsd/*.c))
$(eval $(call pea_archive,dnsd,$(DNSD_SOURCES)))
$(eval $(call pea_program,pea-dnsd,dnsd/main.c,dnsd,json-c libseccomp libcap))
INSTALL_BIN += pea-dnsd
# dig (bind9-dnsutils) and dnsmasq for the tests, dnsperf for bench/dnsd.sh
DEB_PACKAGES += aardvark-dns netavark dnsutils dnsmasq-base dnsperf iptables
