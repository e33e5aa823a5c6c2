#!/usr/bin/env python3
"""release-images: every image of this project that the chart or the CRD (and the operator's renderer,
which applies the CRD's defaults) default to is one the release pushes: built by the `images` job of
.github/workflows/ci.yml for amd64 and arm64 with an SBOM and provenance, and tagged and signed from its
tested digest by the `release` job. Images of other projects (docker.io, quay.io) are listed, not required."""
import pathlib
import re
import sys

import yaml

root = pathlib.Path(__file__).resolve().parents[2]
workflow = yaml.safe_load((root / ".github/workflows/ci.yml").read_text())
env = workflow["env"]
registry = env["RELEASE_REGISTRY"]
failures = []


def resolve(text):
    return re.sub(r"\$\{\{\s*env\.([A-Z_]+)\s*\}\}", lambda m: str(env.get(m.group(1), m.group(0))), str(text))


# The images job: what it builds, and how.
images_job = workflow["jobs"]["images"]
pushed = {}
for step in images_job["steps"]:
    if "docker/build-push-action" not in step.get("uses", ""):
        continue
    w = step["with"]
    tag = resolve(w["tags"])
    repo = tag.rsplit(":", 1)[0]
    pushed[repo] = step.get("id")
    if set(w.get("platforms", "").split(",")) != {"linux/amd64", "linux/arm64"}:
        failures.append(f"{repo}: not built for linux/amd64 and linux/arm64")
    if str(w.get("sbom")).lower() != "true" or "mode=max" not in str(w.get("provenance")):
        failures.append(f"{repo}: no SBOM or provenance attached")
    if "env.PUSH" not in str(w.get("push")):
        failures.append(f"{repo}: the images job does not push it")
    if not step.get("id") or step["id"] not in str(images_job["outputs"].get(step["id"], "")):
        failures.append(f"{repo}: its digest is not an output of the images job")
    dockerfile = root / w["file"]
    if not dockerfile.is_file():
        failures.append(f"{repo}: {w['file']} does not exist")

# The release job: tags and signs the images job's digests, builds nothing.
release = workflow["jobs"]["release"]
release_text = yaml.safe_dump(release)
if "docker/build-push-action" in release_text:
    failures.append("the release job rebuilds images instead of tagging the tested digests")
for needed in ("images", "e2e-kind", "security"):
    if needed not in release["needs"]:
        failures.append(f"the release job does not wait for {needed}")
if "imagetools create" not in release_text or "cosign sign" not in release_text:
    failures.append("the release job does not tag (imagetools) and sign (cosign) the digests")
if release.get("permissions", {}).get("id-token") != "write":
    failures.append("the release job cannot sign keylessly (permissions.id-token: write)")
for repo, step_id in pushed.items():
    if f"needs.images.outputs.{step_id}" not in release_text:
        failures.append(f"{repo}: the release job does not use the tested digest (needs.images.outputs.{step_id})")
    name = repo.rsplit("/", 1)[1]
    var = next((k for k, v in env.items() if v == name), None)
    if var is None or f"${var}@" not in release_text:
        failures.append(f"{repo}: the release job does not tag it")

# What the chart, the CRD and the renderer default to.
defaults = {}
values = yaml.safe_load((root / "charts/platform-operator/values.yaml").read_text())
defaults[values["image"]["repository"]] = "chart values image.repository"
defaults[values["test"]["image"]["repository"]] = "chart values test.image.repository"
crd_text = (root / "crds/platforms.platform.a11y.dev.yaml").read_text()
# Image references in the CRD's descriptions ("Defaults to ghcr.io/a11y-platform/platform-api:<spec.version>").
for m in re.finditer(r"\b((?:ghcr\.io|docker\.io|quay\.io|registry\.k8s\.io)/[a-z0-9._/-]*[a-z0-9])(?=[:@])", crd_text):
    defaults.setdefault(m.group(1), "CRD")
render_text = (root / "operator/platform/render_common.hpp").read_text()
for m in re.finditer(r'constexpr std::string_view k\w+Image\w* = "([^"]+)"', render_text):
    repo = re.sub(r"(:[^/]+|@sha256:[0-9a-f]+)$", "", m.group(1))
    defaults.setdefault(repo, "operator/platform/render_common.hpp")

ours = {r: where for r, where in defaults.items() if r.startswith(registry + "/")}
others = sorted(r for r in defaults if not r.startswith(registry + "/"))
if len(ours) < 3:
    failures.append(f"expected the operator, api and frontend among the defaults, found {sorted(ours)}")
for repo, where in sorted(ours.items()):
    if repo not in pushed:
        failures.append(f"{repo} (default of the {where}) is not pushed by the release")

if failures:
    for f in failures:
        print("release-images: FAIL:", f, file=sys.stderr)
    sys.exit(1)
print(f"release-images: {len(ours)} project images defaulted to, all built multi-arch and released by digest: "
      + ", ".join(sorted(ours)))
print("release-images: other projects' images (not released here): " + ", ".join(others))
