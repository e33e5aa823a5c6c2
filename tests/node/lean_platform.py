#!/usr/bin/env python3
"""Prints config/samples/platform-local.yaml made lean for a node-tier test or benchmark: in NAMESPACE, the
api image of this repository's build at TAG, no frontend, no monitoring, and small CPU requests (the real
node has 2 CPUs that other Platforms share; limits stay the defaults). With --monitoring the sample's
monitoring stays on, Prometheus and Alertmanager with the same small requests. Each further argument is a
JSON merge patch (RFC 7386) applied to the Platform in order.

    lean_platform.py [--monitoring] NAMESPACE TAG ['{"spec": {"rollout": {"progressDeadlineSeconds": 30}}}' ...]
"""
import json
import os
import sys

import yaml

SMALL_CPU = "20m"


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
    args = sys.argv[1:]
    monitoring = bool(args) and args[0] == "--monitoring"
    if monitoring:
        args = args[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    ns, tag, patches = args[0], args[1], args[2:]
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../config/samples/platform-local.yaml")
    with open(src) as f:
        p = yaml.safe_load(f)
    p["metadata"]["namespace"] = ns
    p["spec"]["api"]["image"] = p["spec"]["api"]["image"].rsplit(":", 1)[0] + ":" + tag
    p["spec"]["frontend"] = {"enabled": False}
    paths = [("api",), ("gateway",), ("database", "managed"), ("cache", "managed")]
    if monitoring:
        paths += [("monitoring", "prometheus"), ("monitoring", "alertmanager")]
    else:
        p["spec"]["monitoring"] = {"enabled": False}
    for path in paths:
        node = p["spec"]
        for k in path:
            node = node.setdefault(k, {})
        # A dict of its own each time: a patch to one component's resources must not reach the others.
        node["resources"] = {"requests": {"cpu": SMALL_CPU}}
    for patch in patches:
        p = merge(p, json.loads(patch))
    print(yaml.safe_dump(p, sort_keys=False))


if __name__ == "__main__":
    main()
