#!/usr/bin/env python3
"""Compares what a Dockerfile's runtime stage promises with the OCI config and files of the image that
hack/images.sh built for the local cluster: user, entrypoint, exposed ports, environment, and the files
the Dockerfile copies in. Usage: image_contract.py <Dockerfile> <oci-layout.tar>"""
import io
import os
import json
import shlex
import sys
import tarfile


def dockerfile_runtime(path):
    """USER, ENTRYPOINT, EXPOSE, ENV and COPY destinations of the last stage."""
    lines, cur = [], ""
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            cur += line[:-1] + " "
            continue
        cur += line
        if cur.strip():
            lines.append(cur.strip())
        cur = ""
    stages = [i for i, l in enumerate(lines) if l.upper().startswith("FROM ")]
    last = lines[stages[-1]:]
    facts = {"user": None, "entrypoint": None, "cmd": None, "workdir": None, "ports": set(), "env": {}, "copies": []}
    for l in last:
        word, _, rest = l.partition(" ")
        word = word.upper()
        if word == "USER":
            facts["user"] = rest.strip()
        elif word == "ENTRYPOINT":
            facts["entrypoint"] = json.loads(rest)
        elif word == "CMD":
            facts["cmd"] = json.loads(rest)
        elif word == "WORKDIR":
            facts["workdir"] = rest.strip()
        elif word == "EXPOSE":
            facts["ports"] |= {p if "/" in p else p + "/tcp" for p in rest.split()}
        elif word == "ENV":
            for item in shlex.split(rest):
                k, _, v = item.partition("=")
                facts["env"][k] = v
        elif word == "COPY":
            parts = [p for p in shlex.split(rest) if not p.startswith("--")]
            facts["copies"].append(parts[-1])
    return facts


def image(tar_path):
    with tarfile.open(tar_path) as t:
        def blob(digest):
            return t.extractfile("./blobs/" + digest.replace(":", "/")).read()
        index = json.loads(t.extractfile("./index.json").read())
        manifest = json.loads(blob(index["manifests"][0]["digest"]))
        config = json.loads(blob(manifest["config"]["digest"]))
        files = set()
        for layer in manifest["layers"]:
            with tarfile.open(fileobj=io.BytesIO(blob(layer["digest"]))) as lt:
                files |= {os.path.normpath("/" + n) for n in lt.getnames()}
    return config.get("config", {}), files


def main():
    dockerfile, tar_path = sys.argv[1], sys.argv[2]
    want = dockerfile_runtime(dockerfile)
    cfg, files = image(tar_path)
    problems = []
    if want["user"] and cfg.get("User") != want["user"]:
        problems.append(f"user: Dockerfile {want['user']!r}, image {cfg.get('User')!r}")
    if want["entrypoint"] and cfg.get("Entrypoint") != want["entrypoint"]:
        problems.append(f"entrypoint: Dockerfile {want['entrypoint']}, image {cfg.get('Entrypoint')}")
    if want["cmd"] and cfg.get("Cmd") != want["cmd"]:
        problems.append(f"cmd: Dockerfile {want['cmd']}, image {cfg.get('Cmd')}")
    if want["workdir"] and cfg.get("WorkingDir") != want["workdir"]:
        problems.append(f"workdir: Dockerfile {want['workdir']!r}, image {cfg.get('WorkingDir')!r}")
    ports = set(cfg.get("ExposedPorts", {}).keys())
    if want["ports"] != ports:
        problems.append(f"exposed ports: Dockerfile {sorted(want['ports'])}, image {sorted(ports)}")
    env = dict(e.partition("=")[::2] for e in cfg.get("Env", []))
    for k, v in want["env"].items():
        if env.get(k) != v:
            problems.append(f"env {k}: Dockerfile {v!r}, image {env.get(k)!r}")
    for dest in want["copies"]:
        if dest.startswith("/tmp/"):
            continue  # build-time scratch files, removed in the same layer
        if not dest.startswith("/"):
            dest = os.path.normpath(os.path.join(want["workdir"] or "/", dest))
        d = dest.rstrip("/") or "/"
        if d not in files and not any(f.startswith(d + "/") for f in files):
            problems.append(f"file {dest}: copied by the Dockerfile, missing from the image")
    name = dockerfile
    if problems:
        print(f"image contract: {name} and {tar_path} disagree:")
        for p in problems:
            print("  " + p)
        return 1
    print(f"image contract: {name} matches the local image (user {cfg.get('User')}, entrypoint {cfg.get('Entrypoint')}, "
          f"ports {sorted(ports)}, {len(want['env'])} env, {len(want['copies'])} copied paths)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
