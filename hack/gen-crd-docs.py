#!/usr/bin/env python3
"""Writes docs/crd-reference.md from the CustomResourceDefinitions in crds/ (the one source).

Usage: hack/gen-crd-docs.py           regenerate docs/crd-reference.md
       hack/gen-crd-docs.py --check   exit 1 (and show a diff) when the committed file is out of date
       hack/gen-crd-docs.py --stdout  print the reference instead of writing it
"""
import difflib
import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRD_DIR = ROOT / "crds"
OUT = ROOT / "docs" / "crd-reference.md"


def cell(text):
    """One Markdown table cell: a single line, pipes escaped, and < > outside code spans written as
    entities (so that '<version>' is shown, not taken for an HTML tag)."""
    parts = " ".join(str(text).split()).replace("|", "\\|").split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(parts)


def code(text):
    # A backtick inside an inline code span would end it; double backticks with spaces allow one.
    # Pipes are escaped by cell() when the span goes into a table.
    text = " ".join(str(text).split())
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return str(value)


def type_of(schema):
    if schema.get("x-kubernetes-int-or-string"):
        return "int-or-string"
    t = schema.get("type")
    if t == "array":
        return "[]" + type_of(schema.get("items", {}))
    if t == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and not schema.get("properties"):
            return "map[string]" + type_of(extra)
        return "object"
    if t is None:
        if "anyOf" in schema:
            return " or ".join(type_of(s) for s in schema["anyOf"])
        return "any"
    if schema.get("format"):
        return f"{t} ({schema['format']})"
    return t


def constraints(schema, required):
    out = []
    if required:
        out.append("required")
    if "enum" in schema:
        out.append("one of " + ", ".join(code(scalar(v)) for v in schema["enum"]))
    for key, word in (("minimum", "≥"), ("maximum", "≤")):
        if key in schema:
            out.append(f"{word} {scalar(schema[key])}")
    for key, word in (("minLength", "length ≥"), ("maxLength", "length ≤"),
                      ("minItems", "items ≥"), ("maxItems", "items ≤")):
        if key in schema:
            out.append(f"{word} {schema[key]}")
    if "pattern" in schema:
        out.append("pattern " + code(schema["pattern"]))
    if schema.get("x-kubernetes-list-type"):
        kind = schema["x-kubernetes-list-type"]
        keys = schema.get("x-kubernetes-list-map-keys")
        out.append(f"list type {kind}" + (f" (keys: {', '.join(keys)})" if keys else ""))
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        out.append("unknown fields kept")
    return out


def child_object(schema):
    """The schema whose properties a nested section documents (objects, lists and maps of objects)."""
    if schema.get("type") == "array":
        return child_object(schema.get("items", {}))
    if schema.get("properties"):
        return schema
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra.get("properties"):
        return extra
    return None


def child_path(path, name, schema):
    p = f"{path}.{name}" if path else f".{name}"
    if schema.get("type") == "array":
        return p + "[]"
    if isinstance(schema.get("additionalProperties"), dict) and not schema.get("properties"):
        return p + "{}"
    return p


def document_object(path, schema, lines):
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    lines.append(f"### `{path}`")
    lines.append("")
    if schema.get("description") and path.count(".") > 1:
        lines.append(cell(schema["description"]))
        lines.append("")
    lines.append("| Field | Type | Default | Constraints | Description |")
    lines.append("|---|---|---|---|---|")
    nested = []
    for name, child in props.items():
        default = cell(code(scalar(child["default"]))) if "default" in child else ""
        lines.append(f"| `{name}` | {cell(type_of(child))} | {default} | "
                     f"{cell('; '.join(constraints(child, name in required)))} | {cell(child.get('description', ''))} |")
        inner = child_object(child)
        if inner is not None:
            nested.append((child_path(path, name, child), inner))
    lines.append("")
    rules = schema.get("x-kubernetes-validations") or []
    if rules:
        lines.append("Checked at admission (CEL):")
        lines.append("")
        for rule in rules:
            message = rule.get("message") or rule.get("messageExpression") or ""
            lines.append(f"- {code(rule['rule'])}" + (f": {' '.join(message.split())}" if message else ""))
        lines.append("")
    for child_path_, inner in nested:
        document_object(child_path_, inner, lines)


def document_crd(path, crd, lines):
    spec = crd["spec"]
    names = spec["names"]
    lines.append(f"## {names['kind']} (`{crd['metadata']['name']}`)")
    lines.append("")
    lines.append(f"Source: `{path.relative_to(ROOT)}`.")
    lines.append("")
    lines.append("| | |")
    lines.append("|---|---|")
    lines.append(f"| Group | `{spec['group']}` |")
    lines.append(f"| Kind / list kind | `{names['kind']}` / `{names.get('listKind', names['kind'] + 'List')}` |")
    lines.append(f"| Scope | {spec['scope']} |")
    lines.append(f"| Plural / singular | `{names['plural']}` / `{names.get('singular', '')}` |")
    if names.get("shortNames"):
        lines.append(f"| Short names | {', '.join('`' + n + '`' for n in names['shortNames'])} |")
    if names.get("categories"):
        lines.append(f"| Categories | {', '.join('`' + n + '`' for n in names['categories'])} |")
    lines.append("")
    for version in spec["versions"]:
        flags = [w for w, on in (("served", version.get("served")), ("storage", version.get("storage"))) if on]
        lines.append(f"### Version `{version['name']}` ({', '.join(flags) or 'not served'})")
        lines.append("")
        sub = version.get("subresources") or {}
        if "status" in sub:
            lines.append("- Status subresource: `/status` (the operator writes status; users write spec).")
        if "scale" in sub:
            scale = sub["scale"]
            lines.append(f"- Scale subresource: `kubectl scale` sets `{scale['specReplicasPath']}`, reads "
                         f"`{scale['statusReplicasPath']}`" +
                         (f" and selector `{scale['labelSelectorPath']}`" if scale.get("labelSelectorPath") else "") + ".")
        if sub:
            lines.append("")
        columns = version.get("additionalPrinterColumns") or []
        if columns:
            lines.append("`kubectl get` columns:")
            lines.append("")
            lines.append("| Column | Type | JSONPath | Shown | Description |")
            lines.append("|---|---|---|---|---|")
            for c in columns:
                shown = "with `-o wide`" if c.get("priority", 0) > 0 else "always"
                lines.append(f"| {cell(c['name'])} | {c['type']} | {cell(code(c['jsonPath']))} | {shown} | {cell(c.get('description', ''))} |")
            lines.append("")
        root = version["schema"]["openAPIV3Schema"]
        if root.get("description"):
            lines.append(cell(root["description"]))
            lines.append("")
        for name, child in (root.get("properties") or {}).items():
            inner = child_object(child)
            if inner is not None and name not in ("metadata",):
                document_object(f".{name}", inner, lines)


def render():
    lines = [
        "# CRD reference",
        "",
        "<!-- Generated by hack/gen-crd-docs.py from crds/*.yaml. Do not edit by hand: change the CRD and run",
        "     `python3 hack/gen-crd-docs.py`; the chart-tier test `crd-docs` fails when this file is stale. -->",
        "",
        "Every field of the custom resources the operator serves, as the API server validates them. Defaults",
        "are applied by the API server when an object is written; rules marked CEL are checked at admission,",
        "so a bad object is refused with the message shown. Checks that need more than one object (for example",
        "a PostgreSQL downgrade on retained volumes) are made by the operator and reported as",
        "`Stalled=True` with a reason; see [operations](operations.md#troubleshooting).",
        "",
    ]
    sources = sorted(CRD_DIR.glob("*.yaml"))
    if not sources:
        sys.exit(f"gen-crd-docs: no CRD in {CRD_DIR}")
    for path in sources:
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "CustomResourceDefinition":
                document_crd(path, doc, lines)
    return "\n".join(lines).rstrip() + "\n"


def main(argv):
    text = render()
    if argv == ["--stdout"]:
        sys.stdout.write(text)
        return 0
    if argv == ["--check"]:
        current = OUT.read_text() if OUT.exists() else ""
        if current == text:
            print(f"gen-crd-docs: {OUT.relative_to(ROOT)} is up to date")
            return 0
        sys.stderr.writelines(difflib.unified_diff(current.splitlines(True), text.splitlines(True),
                                                   str(OUT.relative_to(ROOT)), "generated"))
        print(f"gen-crd-docs: {OUT.relative_to(ROOT)} is stale; run python3 hack/gen-crd-docs.py", file=sys.stderr)
        return 1
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"gen-crd-docs: wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
