#!/usr/bin/env bash
# The audit engine against axe-core on real third-party pages (issue 14 §2 and §3): documentation that other
# people's generators wrote (Sphinx, DocBook XSL, Doxygen, AsciiDoc, javadoc, makeinfo, gtk-doc, rustdoc,
# mdBook, node's and npm's doc tools, hand-written package pages and widget demos), read in place from this
# machine's Debian doc packages and toolchains, never copied into the repo.
#
#   hack/bench/axe_real_pages.sh [--details] [--json FILE] [--record-manifest] [--install] [--list]
#     (no flag)          select the pages (tests/axe/real_pages.sources), audit them with both engines and print,
#                        per rule the engine implements: axe's violating nodes, how many of those the engine reports
#                        on the same nodes, its extra findings; then the axe rules it does not implement, and the
#                        coverage figure: the share of axe's violating nodes (all its rules) that are under a rule
#                        id the engine implements and that the engine reports on the same node
#     --details          also list every node the two disagree on
#     --json FILE        also write the figures as JSON
#     --record-manifest  write the selected pages' sha256, size, generator, Debian package and path to
#                        tests/axe/real_pages.manifest (by default the run compares with it and says what changed)
#     --install          apt-get install the Debian doc packages the sources name, then run
#     --list             print the selected pages' manifest (as --record-manifest writes it) and stop
#   REAL_PAGES_MAX_KB (default 80): larger pages are left out (axe + jsdom grows faster than linearly)
#   AXE_CACHE (default ~/.cache/platform-operator/axe-real-pages; empty: none): axe's verdicts per page content
#     and axe version, so a rerun after an engine change runs only the engine (and jsdom's parse)
#   AUDIT_CORPUS_BIN (default: $BUILD_DIR/app/audit/tools/audit-corpus, BUILD_DIR default ./build)
#
# Method as hack/bench/axe_parity.sh (tests/axe/parity.mjs): axe-core (pinned in tests/axe/package-lock.json)
# runs all its rules on each page under jsdom (no scripts run, nothing fetched), the engine runs all its rules
# (audit-corpus: the api's Engine, no CPU budget or finding cap), and a node is the same when both name the same
# element of jsdom's tree. Pages are chosen deterministically: per source, evenly spaced over its sorted files.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR=${BUILD_DIR:-$top/build}
bin=${AUDIT_CORPUS_BIN:-$BUILD_DIR/app/audit/tools/audit-corpus}
axe_dir="$top/tests/axe"
sources="$axe_dir/real_pages.sources"
manifest="$axe_dir/real_pages.manifest"
max_kb=${REAL_PAGES_MAX_KB:-80}
# The Debian packages that hold the sources' pages (the others come with packages hack/install-deps.sh installs,
# or with the toolchains).
doc_packages=(python3-doc libfmt-doc postgresql-doc git-doc junit4-doc gnutls-doc libjsoncpp-doc doxygen-doc
  sqlite3-doc libjs-jquery-ui-docs libjs-bootstrap4 libjs-rickshaw libxslt1-dev libffi-dev valgrind
  libtasn1-doc socat doctest-dev ccache shared-mime-info)

flags=() record=0 install=0 list=0
while [ $# -gt 0 ]; do
  case "$1" in
    --details) flags+=("$1") ;;
    --json) flags+=("$1" "$(realpath -m "$2")"); shift ;;
    --record-manifest) record=1 ;;
    --install) install=1 ;;
    --list) list=1 ;;
    *) echo "usage: $0 [--details] [--json FILE] [--record-manifest] [--install] [--list]" >&2; exit 2 ;;
  esac
  shift
done
if [ "$install" = 1 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${doc_packages[@]}" >&2
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
: > "$work/pages.tsv"
while read -r generator count dir; do
  case "$generator" in ''|'#'*) continue ;; esac
  if [ ! -d "$dir" ]; then echo "axe_real_pages: $dir is missing; its $count $generator pages are left out" >&2; continue; fi
  mapfile -t files < <(find -L "$dir" -type f \( -name '*.html' -o -name '*.htm' \) -size +1k -size "-${max_kb}k" | LC_ALL=C sort)
  n=${#files[@]} take=$count
  [ "$n" -lt "$take" ] && take=$n
  for ((i = 0; i < take; i++)); do printf '%s\t%s\n' "$generator" "${files[i * n / take]}" >> "$work/pages.tsv"; done
done < "$sources"
cut -f2 "$work/pages.tsv" > "$work/pages.txt"
[ -s "$work/pages.txt" ] || { echo "axe_real_pages: no pages found (install them with --install)" >&2; exit 2; }

# Where each page comes from: its Debian package and version (or "-" for the toolchains' docs) and its sha256.
declare -A pkg_of=()
while IFS= read -r line; do
  p=${line%%: *} f=${line#*: }
  pkg_of[$f]=${p%%,*}
done < <(xargs -d '\n' dpkg -S < "$work/pages.txt" 2>/dev/null || true)
{
  printf '# sha256\tbytes\tgenerator\tpackage\tpath\n'
  while IFS=$'\t' read -r generator file; do
    pkg=${pkg_of[$file]:--}
    [ "$pkg" != - ] && pkg="$pkg=$(dpkg-query -W -f='${Version}' "${pkg%%:*}" 2>/dev/null || echo '?')"
    printf '%s\t%s\t%s\t%s\t%s\n' "$(sha256sum < "$file" | cut -d' ' -f1)" "$(stat -c %s "$file")" "$generator" "$pkg" "$file"
  done < "$work/pages.tsv"
} > "$work/manifest"
if [ "$list" = 1 ]; then cat "$work/manifest"; exit 0; fi
if [ "$record" = 1 ]; then
  cp "$work/manifest" "$manifest"
  echo "axe_real_pages: recorded $(($(wc -l < "$manifest") - 1)) pages in $manifest" >&2
elif [ -f "$manifest" ]; then
  changed=$(diff <(grep -v '^#' "$manifest" | cut -f1,5 | sort -k2) <(grep -v '^#' "$work/manifest" | cut -f1,5 | sort -k2) | grep -c '^[<>]' || true)
  if [ "$changed" != 0 ]; then
    echo "axe_real_pages: the pages differ from $manifest ($changed lines of its diff): other package versions, other figures" >&2
  fi
fi
echo "pages: $(wc -l < "$work/pages.txt") of at most ${max_kb} KiB, $(cut -f1 "$work/pages.tsv" | sort -u | wc -l) generators," \
  "$(awk -F'\t' 'NR > 1 { s += $2 } END { printf "%.1f MiB", s / 1048576 }' "$work/manifest") in all"
cut -f1 "$work/pages.tsv" | sort | uniq -c | sort -rn | awk '{ printf "  %-20s %3d\n", $2, $1 }'

[ -x "$bin" ] || { echo "axe_real_pages: $bin not built (cmake --build $BUILD_DIR --target audit-corpus)" >&2; exit 2; }
# shellcheck source=hack/bench/axe_deps.sh
. "$top/hack/bench/axe_deps.sh"
axe_deps "$axe_dir"
"$bin" --list-rules > "$work/rules.jsonl"
xargs -d '\n' "$bin" < "$work/pages.txt" > "$work/ours.jsonl"
cd "$axe_dir"
cache=${AXE_CACHE-$HOME/.cache/platform-operator/axe-real-pages}
[ -n "$cache" ] && flags+=(--axe-cache "$cache")
node parity.mjs --pages "$work/pages.txt" --ours "$work/ours.jsonl" --rules "$work/rules.jsonl" "${flags[@]}"
