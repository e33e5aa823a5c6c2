#!/usr/bin/env bash
# operator-alerts: the operator's own alert rules (the chart's files/alerts/operator-alerts.yaml) pass
# `promtool check rules` and the promtool unit tests in operator-alerts.test.yaml; every alert has a
# runbook page named by its runbook_url; and the chart's PrometheusRule carries exactly those groups.
# Exit 77 (skipped) when promtool or helm is not built.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rules="$root/charts/platform-operator/files/alerts/operator-alerts.yaml"
promtool="$(bash "$root/hack/tools.sh" path promtool)/promtool"
helm="${HELM:-$(bash "$root/hack/tools.sh" path helm)/helm}"
[ -x "$promtool" ] || { echo "SKIP: promtool is not built (hack/tools.sh promtool)"; exit 77; }
[ -x "$helm" ] || { echo "SKIP: helm is not built (hack/tools.sh helm)"; exit 77; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export HELM_CACHE_HOME="$work/cache" HELM_CONFIG_HOME="$work/config" HELM_DATA_HOME="$work/data"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$promtool" check rules "$rules" || fail "promtool check rules"
cp "$rules" "$work/operator-alerts.yaml"
cp "$root/tests/chart/operator-alerts.test.yaml" "$work/"
(cd "$work" && "$promtool" test rules operator-alerts.test.yaml) || fail "promtool test rules"

python3 - "$rules" "$root" <<'PY' || fail "runbooks"
import os, sys, yaml
rules, root = sys.argv[1], sys.argv[2]
base = "https://github.com/a11y-dev/platform-operator/blob/main/docs/runbooks/"
alerts = [r for g in yaml.safe_load(open(rules))["groups"] for r in g["rules"] if "alert" in r]
assert len(alerts) >= 4, alerts
for a in alerts:
    url = a["annotations"]["runbook_url"]
    assert url == base + a["alert"] + ".md", url
    page = os.path.join(root, "docs/runbooks", a["alert"] + ".md")
    assert os.path.isfile(page), "no runbook " + page
    text = open(page).read()
    assert "## Check" in text and "## Act" in text, page + " lacks Check/Act"
print("runbooks: %d alerts, each with its page" % len(alerts))
PY

"$helm" template po "$root/charts/platform-operator" --set prometheusRule.enabled=true \
  -s templates/prometheusrule.yaml > "$work/rule.yaml"
python3 - "$rules" "$work/rule.yaml" <<'PY' || fail "the chart's PrometheusRule differs from the rules file"
import sys, yaml
want = yaml.safe_load(open(sys.argv[1]))["groups"]
got = yaml.safe_load(open(sys.argv[2]))
assert got["kind"] == "PrometheusRule", got["kind"]
assert got["spec"]["groups"] == want
PY
[ -z "$("$helm" template po "$root/charts/platform-operator" | grep 'kind: PrometheusRule' || true)" ] ||
  fail "a PrometheusRule is rendered without prometheusRule.enabled"
echo "operator alerts: promtool check and tests pass; the chart ships them behind prometheusRule.enabled"
