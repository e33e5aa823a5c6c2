#!/usr/bin/env python3
"""doc-links: every relative link in the repository's Markdown files points at a file or directory that
exists inside the repository (the docs are self-contained), and no Markdown file names ../shared."""
import pathlib
import re
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parents[2]
files = subprocess.run(["git", "-C", str(root), "ls-files", "--cached", "--others", "--exclude-standard", "*.md"],
                       check=True, capture_output=True, text=True).stdout.split()
link = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
problems = []
checked = 0
for name in files:
    path = root / name
    if not path.exists():
        continue
    in_code = False
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        line = re.sub(r"``.*?``|`[^`]*`", "", line)  # code spans are not links
        if "../shared" in line:
            problems.append(f"{name}:{lineno}: points at ../shared (outside the repository)")
        for target in link.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # URLs and anchors in the same file
            target_path = target.split("#", 1)[0]
            resolved = (path.parent / target_path).resolve()
            checked += 1
            if root not in resolved.parents and resolved != root:
                problems.append(f"{name}:{lineno}: {target} leaves the repository")
            elif not resolved.exists():
                problems.append(f"{name}:{lineno}: {target} does not exist")
for p in problems:
    print("doc-links:", p, file=sys.stderr)
if problems:
    sys.exit(1)
print(f"doc-links: {checked} relative links in {len(files)} Markdown files resolve inside the repository")
