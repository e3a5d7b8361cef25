# image/: pea-image, a skopeo-like client that copies images between registries,
# OCI layouts, archives and directories.
IMAGE_SOURCES := $(filter-out image/main.c,$(wildcard image/*.c))
$(eval $(call pea_archive,image,$(IMAGE_SOURCES)))
$(eval $(call pea_program,pea-image,image/main.c,image,libcurl libcrypto libzstd gpgme yaml-0.1))
INSTALL_BIN += pea-image
# tests: htpasswd (apache2-utils), a self-signed certificate (openssl), the token and flaky
# fronts (python3), zstd layers, script(1) for a terminal, gpg keys and signatures (gnupg);
# signatures are checked with gpgme; bench: podman beside skopeo; sif: unpacks its squashfs with
# sqfs2tar and its tests make squashfs images with tar2sqfs (squashfs-tools-ng)
DEB_PACKAGES += skopeo docker-registry libcurl4-openssl-dev libssl-dev libarchive-dev apache2-utils \
	openssl python3 zstd util-linux podman libgpgme-dev gnupg squashfs-tools-ng
