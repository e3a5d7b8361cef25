#!/usr/bin/env python3
"""mksif.py: write a Singularity Image Format (SIF) file, for tests only.

Writes what `singularity build` writes (the layout of sylabs/sif): a 128-byte
global header, a table of 48 descriptors of 585 bytes at 4096, and the data
objects from 32768 on, each aligned to 4096. Options break it on purpose so
that tests can check pea-image's errors.

  mksif.py OUT [--squashfs FILE] [--deffile FILE] [--oci-config FILE]
           [--arch CODE] [--fstype N] [--parttype N] [--magic TEXT]
           [--version TEXT] [--truncate BYTES] [--descriptors N] [--compact]
           [--created SECONDS]

--compact puts the table right after the header and the data right after
the table, unaligned (small files for the fuzz corpus).
"""
import argparse
import struct
import uuid

HEADER_SIZE = 128
DESCRIPTOR_SIZE = 585
DESCRIPTORS_OFFSET = 4096
DATA_OFFSET = 32768
ALIGN = 4096

DATA_DEFFILE = 0x4001
DATA_PARTITION = 0x4004
DATA_GENERIC_JSON = 0x4006
GROUP = 0xF0000001
CREATED = 1627931376  # 2021-08-02T19:09:36Z, fixed so that images are reproducible


def descriptor(datatype, ident, offset, size, name, extra=b""):
    head = struct.pack("<iBIII", datatype, 1, ident, GROUP, 0)
    times = struct.pack("<qqqqqqq", offset, size, size, CREATED, CREATED, 0, 0)
    raw = head + times + name.encode().ljust(128, b"\0") + extra.ljust(384, b"\0")
    assert len(raw) == DESCRIPTOR_SIZE
    return raw


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--squashfs")
    p.add_argument("--deffile")
    p.add_argument("--deffile-name", default=".")
    p.add_argument("--oci-config")
    p.add_argument("--arch", default="02")
    p.add_argument("--fstype", type=int, default=1)
    p.add_argument("--parttype", type=int, default=2)
    p.add_argument("--magic", default="SIF_MAGIC")
    p.add_argument("--version", default="01")
    p.add_argument("--truncate", type=int)
    p.add_argument("--descriptors", type=int, default=48)
    p.add_argument("--compact", action="store_true")
    p.add_argument("--created", type=int, default=CREATED, help="the header's times")
    a = p.parse_args()
    total = max(a.descriptors, 0)
    table_at = HEADER_SIZE if a.compact else DESCRIPTORS_OFFSET
    data_at = table_at + DESCRIPTOR_SIZE * total if a.compact else DATA_OFFSET
    align = 1 if a.compact else ALIGN

    objects = []  # (datatype, name, data, extra)
    if a.deffile:
        objects.append((DATA_DEFFILE, a.deffile_name, open(a.deffile, "rb").read(), b""))
    if a.oci_config:
        objects.append((DATA_GENERIC_JSON, "oci-config.json", open(a.oci_config, "rb").read(), b""))
    if a.squashfs:
        extra = struct.pack("<ii", a.fstype, a.parttype) + a.arch.encode()[:2] + b"\0"
        objects.append((DATA_PARTITION, "squashfs-1", open(a.squashfs, "rb").read(), extra))

    data = bytearray()
    table = bytearray()
    for i, (datatype, name, blob, extra) in enumerate(objects):
        offset = data_at + len(data)
        table += descriptor(datatype, i + 1, offset, len(blob), name, extra)
        data += blob
        data += b"\0" * (-len(data) % align)
    total = max(total, len(objects))
    table += b"\0" * (DESCRIPTOR_SIZE * (total - len(objects)))

    header = b"#!/usr/bin/env run-singularity\n".ljust(32, b"\0")
    header += a.magic.encode()[:9].ljust(10, b"\0")
    header += a.version.encode()[:2].ljust(3, b"\0")
    header += a.arch.encode()[:2].ljust(3, b"\0")
    header += uuid.UUID("4f307b4c-58a8-4753-9c0f-21dceefed4a6").bytes
    header += struct.pack("<qqqqqqqq", a.created, a.created, total - len(objects), total,
                          table_at, len(table), data_at, len(data))
    assert len(header) == HEADER_SIZE

    out = bytearray(header)
    out += b"\0" * (table_at - len(out))
    out += table
    out += b"\0" * (data_at - len(out))
    out += data
    if a.truncate is not None:
        out = out[: a.truncate]
    with open(a.out, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
