#!/usr/bin/env bash
# The audit engine's CPU cost per page next to axe-core + jsdom on the same pages in the same run (issue 14 §5).
#
#   hack/bench/audit_engine.sh            RUNS=3 SIZES="5 20 50 100 200 500" AXE=1 AXE_MAX_KB=200
#
# Pages: the axe tier's corpus (tests/axe/corpus, 2-5 KB real-world-shaped pages) and larger generated
# real-world-shaped pages of SIZES KB (tests/axe/generate_pages.py: teasers, product cards, tables, forms,
# link lists, embeds, pagination, tracking snippets; fixed seeds, so every run audits the same bytes).
# Engine: audit-corpus (the api's Engine with the committed text-quality model, every rule, no CPU budget),
# CPU time of the auditing thread (CLOCK_THREAD_CPUTIME_ID) for parse + all rules, median of RUNS runs.
# axe: axe-core (tests/axe/package-lock.json) under jsdom, in one node process, only the axe rule ids the
# engine implements (the same rule set), process CPU time (user + system, all of node's threads) for
# jsdom's parse of the page + axe.run, median of RUNS runs after one warm-up run; loading axe's source
# into the window is not counted. Pages per second per core = 1 / median CPU seconds per page. The
# machine is shared, so CPU time, not wall-clock time, is what is compared. AXE=0 measures the engine only;
# axe + jsdom grows faster than linearly with the page (27.6 s at 100 KB with the 78 rule ids, 2 December
# 2026), so pages larger than AXE_MAX_KB are audited by the engine only. axe's color-contrast cannot run
# under plain jsdom (no canvas, no layout) and stops at once: its cost is understated here.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR=${BUILD_DIR:-$top/build}
bin=${AUDIT_CORPUS_BIN:-$BUILD_DIR/app/audit/tools/audit-corpus}
[ -x "$bin" ] || { echo "audit_engine: $bin not built (cmake --build $BUILD_DIR --target audit-corpus)" >&2; exit 2; }
RUNS=${RUNS:-3}
SIZES=${SIZES:-5 20 50 100 200 500}
AXE=${AXE:-1}
AXE_MAX_KB=${AXE_MAX_KB:-200}
model="$top/app/models/text-quality-1.0.0.json"
axe_dir="$top/tests/axe"

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2086
python3 "$axe_dir/generate_pages.py" "$work/generated" $SIZES
pages=("$axe_dir"/corpus/*.html "$work"/generated/*.html)

echo "method: engine = audit-corpus (parse + every rule, text-quality model loaded), thread CPU time;"
echo "        axe = axe-core under jsdom (parse + axe.run with the engine's axe rule ids), node process CPU time;"
echo "        median of RUNS=$RUNS runs per page, same pages, same run; pages/s/core = 1 / median CPU s"
"$bin" --model "$model" --repeat "$RUNS" "${pages[@]}" > "$work/ours.jsonl"
if [ "$AXE" = 1 ]; then
  # shellcheck source=hack/bench/axe_deps.sh
  . "$top/hack/bench/axe_deps.sh"
  axe_deps "$axe_dir"
  rules=$("$bin" --list-rules | python3 -c 'import json,sys; print(",".join(r["id"] for r in map(json.loads, sys.stdin) if r["source"] == "axe-core"))')
  echo "        rules: $rules"
  axe_pages=()
  for p in "${pages[@]}"; do [ "$(stat -c %s "$p")" -le $((AXE_MAX_KB * 1024 + 1024)) ] && axe_pages+=("$p"); done
  (cd "$axe_dir" && node bench_axe.mjs --rules "$rules" --repeat "$RUNS" "${axe_pages[@]}") > "$work/axe.jsonl"
else
  : > "$work/axe.jsonl"
fi

python3 - "$work/ours.jsonl" "$work/axe.jsonl" <<'PY'
import json, os, statistics, sys
ours = {os.path.basename(r["file"]): r for r in map(json.loads, open(sys.argv[1]))}
axe = {os.path.basename(r["file"]): r for r in map(json.loads, open(sys.argv[2]))}
print()
print(f"{'page':34} {'KB':>6} {'engine ms':>10} {'axe ms':>10} {'ratio':>8} {'engine ms/100KB':>16}")
rows = []
for name, r in ours.items():
    kb = r["bytes"] / 1024
    e = r["cpu_ns_median"] / 1e6
    a = axe[name]["cpu_ns_median"] / 1e6 if name in axe else None
    rows.append((name, kb, e, a))
    print(f"{name:34} {kb:6.1f} {e:10.3f} {a if a is not None else float('nan'):10.1f} "
          f"{(a / e) if a else float('nan'):8.0f} {e / kb * 100:16.2f}")
def summary(label, sel):
    sel = list(sel)
    if not sel:
        return
    e = statistics.median(r[2] for r in sel)
    line = f"{label:34} {len(sel):3d} pages  engine median {e:8.3f} ms = {1000 / e:8.0f} pages/s/core"
    both = [r for r in sel if r[3] is not None]
    if both:
        e2 = statistics.median(r[2] for r in both)
        a = statistics.median(r[3] for r in both)
        ratios = [r[3] / r[2] for r in both]
        line += (f"\n{'':34} on the {len(both)} with an axe figure: engine median {e2:8.3f} ms, axe+jsdom median {a:8.1f} ms"
                 f" = {1000 / a:6.2f} pages/s/core, ratio of medians {a / e2:5.0f}x"
                 f" (per page: min {min(ratios):.0f}x, median {statistics.median(ratios):.0f}x)")
    print(line)
print()
summary("corpus (tests/axe/corpus)", (r for r in rows if not r[0].startswith("generated-")))
summary("generated (5-500 KB)", (r for r in rows if r[0].startswith("generated-")))
summary("all", rows)
# Per byte only from 5 KB up: on a 1 KB page the fixed cost of an audit (the model, the rule set) dominates.
sized = [r for r in rows if r[1] >= 5] or rows
worst = max(sized, key=lambda r: r[2] / r[1])
print(f"\nslowest engine page per byte (pages of 5 KB or more): {worst[0]} at {worst[2] / worst[1] * 100:.2f} ms CPU per 100 KB (goal: at most 20)")
PY
