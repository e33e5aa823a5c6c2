#!/usr/bin/env python3
"""argocd-health: docs/argocd/health.lua, run by a real Lua interpreter the way Argo CD runs it (the live
object in the global `obj`, the returned table read), gives the expected health for each Platform in
tests/fixtures/argocd/platforms.yaml, and the argocd-cm snippet in docs/argocd/README.md embeds the
same script."""
import os
import pathlib
import shutil
import subprocess
import sys

import yaml

root = pathlib.Path(__file__).resolve().parents[2]
script = root / "docs" / "argocd" / "health.lua"
fixtures = root / "tests" / "fixtures" / "argocd" / "platforms.yaml"

# metadata.name -> (Argo CD health status, text the message must contain)
EXPECTED = {
    "ready": ("Healthy", "Available: all components are ready"),
    "no-status": ("Progressing", "Waiting for the operator"),
    "generation-not-observed": ("Progressing", "observe generation 3"),
    "progressing": ("Progressing", "Progressing: waiting for: api"),
    "rollout-failed": ("Degraded", "RolloutFailed: components failed to roll out: api"),
    "stateful-update-failed": ("Degraded", "StatefulUpdateFailed: update failed: database"),
    "stalled-invalid-spec": ("Degraded", "Stalled: InvalidSpec: spec.gateway.tls.secretName"),
    "stalled-retries-exceeded": ("Degraded", "Stalled: RetriesExceeded"),
    "rolled-back": ("Degraded", "Rolled back: RollbackSucceeded"),
    "rolling-back": ("Degraded", "Rolled back"),
    "rollback-failed": ("Degraded", "RollbackFailed: failed to roll out; rollback to 4f1c2a9b7d3e failed"),
    "paused-annotation": ("Suspended", "paused"),
    "paused-condition": ("Suspended", "paused"),
    "message-with-quotes": ("Progressing", 'gateway "a11y-gateway" \\ 0/2\nready'),
}


def lua_string(text):
    out = []
    for ch in text.encode("utf-8"):
        c = chr(ch)
        if c in '"\\':
            out.append("\\" + c)
        elif 32 <= ch < 127:
            out.append(c)
        else:
            out.append("\\%03d" % ch)
    return '"' + "".join(out) + '"'


def lua_value(value):
    """A Lua literal for a decoded YAML value, as Argo CD hands objects to Lua (maps as tables with
    string keys, lists as sequences, integers as numbers)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return lua_string(value)
    if isinstance(value, list):
        return "{" + ", ".join(lua_value(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua_string(str(k))}] = {lua_value(v)}" for k, v in value.items()) + "}"
    if value is None:
        return "nil"
    raise TypeError(type(value))


def health(lua, obj):
    program = (f"obj = {lua_value(obj)}\n"
               f"local check = assert(loadfile({lua_string(str(script))}))\n"
               "local hs = check()\n"
               "assert(type(hs) == 'table', 'the script must return a table')\n"
               "io.write(tostring(hs.status), '\\0', tostring(hs.message))\n")
    run = subprocess.run([lua, "-"], input=program.encode(), capture_output=True, timeout=30)
    if run.returncode != 0:
        raise RuntimeError(run.stderr.decode(errors="replace"))
    status, message = run.stdout.decode().split("\0", 1)
    return status, message


def main():
    lua = os.environ.get("LUA") or shutil.which("lua5.4") or shutil.which("lua")
    if not lua:
        print("argocd-health: lua5.4 not found; install it with hack/install-deps.sh", file=sys.stderr)
        return 1
    objects = [d for d in yaml.safe_load_all(fixtures.read_text()) if d]
    names = [o["metadata"]["name"] for o in objects]
    failures = []
    if sorted(names) != sorted(EXPECTED):
        failures.append(f"fixtures {sorted(names)} and expectations {sorted(EXPECTED)} differ")
    valid = {"Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"}
    for obj in objects:
        name = obj["metadata"]["name"]
        want_status, want_text = EXPECTED.get(name, ("?", ""))
        try:
            status, message = health(lua, obj)
        except RuntimeError as e:
            failures.append(f"{name}: the script failed: {e}")
            continue
        ok = status == want_status and want_text in message and status in valid
        print(f"argocd-health: {name:26} {status:12} {message!r}" + ("" if ok else f"  WANT {want_status} ~ {want_text!r}"))
        if not ok:
            failures.append(name)
    # The README's argocd-cm snippet is valid YAML and carries exactly this script under the key.
    readme = (root / "docs" / "argocd" / "README.md").read_text()
    key = "resource.customizations.health.platform.a11y.dev_Platform"
    blocks = [b.split("```", 1)[0] for b in readme.split("```yaml\n")[1:]]
    snippets = [d for b in blocks for d in yaml.safe_load_all(b) if d and d.get("kind") == "ConfigMap"]
    if len(snippets) != 1 or snippets[0].get("data", {}).get(key) != script.read_text():
        failures.append(f"docs/argocd/README.md has no argocd-cm snippet whose {key} is docs/argocd/health.lua")
    for f in failures:
        print("argocd-health: FAIL:", f, file=sys.stderr)
    if failures:
        return 1
    print(f"argocd-health: {len(objects)} Platforms, each with the expected health")
    return 0


if __name__ == "__main__":
    sys.exit(main())
