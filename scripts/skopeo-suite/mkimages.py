#!/usr/bin/env python3
"""mkimages.py BUSYBOX_OCI OUT: the stand-ins of the quay.io images that skopeo's
systemtest pulls, as OCI layouts in OUT/NAME (each tagged "latest"), made from
the busybox test image: its layer, a config changed as each test wants."""
import hashlib
import json
import os
import shutil
import sys

src, out = sys.argv[1], sys.argv[2]


def blob(layout, data):
    d = hashlib.sha256(data).hexdigest()
    os.makedirs(f"{layout}/blobs/sha256", exist_ok=True)
    with open(f"{layout}/blobs/sha256/{d}", "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + d, "size": len(data)}


def dumps(o):
    return json.dumps(o, separators=(",", ":")).encode()


index = json.load(open(f"{src}/index.json"))
man_desc = index["manifests"][0]
manifest = json.load(open(f"{src}/blobs/sha256/{man_desc['digest'][7:]}"))
config = json.load(open(f"{src}/blobs/sha256/{manifest['config']['digest'][7:]}"))


def image(name, edit=None, platform=None):
    layout = f"{out}/{name}"
    shutil.rmtree(layout, ignore_errors=True)
    shutil.copytree(src, layout)
    c = json.loads(json.dumps(config))
    if edit:
        edit(c)
    m = json.loads(json.dumps(manifest))
    m["config"].update(blob(layout, dumps(c)))
    md = {"mediaType": m["mediaType"], **blob(layout, dumps(m))}
    if platform:  # a manifest list holding only this platform
        lst = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
               "manifests": [{**md, "platform": platform}]}
        md = {"mediaType": lst["mediaType"], **blob(layout, dumps(lst))}
    else:
        md["platform"] = {"architecture": c["architecture"], "os": c["os"]}
    md["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
    with open(f"{layout}/index.json", "wb") as f:
        f.write(dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                       "manifests": [md]}))


def labels(c):
    c["created"] = "2021-01-21T16:50:30.123456789Z"
    c["docker_version"] = "20.10.2"
    c.setdefault("config", {})["Labels"] = {"PODMAN": "podman run -d IMAGE", "name": "alpine_labels"}


def fedora(c):
    c.setdefault("config", {}).setdefault("Env", []).extend(["DISTTAG=f31container", "FGC=f31"])


image("busybox")
image("alpine_labels", labels)
image("fedora31", fedora)
image("fedora", fedora)
image("notmyarch", platform={"architecture": "mc68000", "os": "amigaos", "variant": "1000"})
