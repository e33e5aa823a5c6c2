#!/usr/bin/env python3
"""Prints config/samples/platform-local.yaml made lean for a node-tier test: in NAMESPACE, the api image
of this repository's build at TAG, no frontend, no monitoring, and small CPU requests (the real node has
2 CPUs that other Platforms share; limits stay the defaults). Each further argument is a JSON merge patch
(RFC 7386) applied to the Platform in order.

    lean_platform.py NAMESPACE TAG ['{"spec": {"rollout": {"progressDeadlineSeconds": 30}}}' ...]
"""
import json
import os
import sys

import yaml


def merge(target, patch):
    if not isinstance(patch, dict):
        return patch
    if not isinstance(target, dict):
        target = {}
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = merge(target.get(key), value)
    return target


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    ns, tag = sys.argv[1], sys.argv[2]
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../config/samples/platform-local.yaml")
    with open(src) as f:
        p = yaml.safe_load(f)
    p["metadata"]["namespace"] = ns
    p["spec"]["api"]["image"] = p["spec"]["api"]["image"].rsplit(":", 1)[0] + ":" + tag
    p["spec"]["frontend"] = {"enabled": False}
    p["spec"]["monitoring"] = {"enabled": False}
    small = {"requests": {"cpu": "20m"}}
    for path in (("api",), ("gateway",), ("database", "managed"), ("cache", "managed")):
        node = p["spec"]
        for k in path:
            node = node.setdefault(k, {})
        node["resources"] = small
    for patch in sys.argv[3:]:
        p = merge(p, json.loads(patch))
    print(yaml.safe_dump(p, sort_keys=False))


if __name__ == "__main__":
    main()
