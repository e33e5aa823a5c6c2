#!/usr/bin/env python3
"""Checks the output of `helm template` for the platform-operator chart.

The expected RBAC below is the operator's contract (docs/architecture.md §1 and §4): the chart must grant
exactly these (apiGroup, resource, verb, resourceName) grants, no more and no fewer, and never a wildcard.
The CRD must be the one in crds/ (same spec), the aggregated view/edit ClusterRoles must grant people
exactly what they need on Platforms, and the `helm test` Pod must not be selected as an operator pod.
Exits 1 with one line per problem.
"""
import argparse
import sys

import yaml

CHILD_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete")


def grants(group, resources, verbs, name=""):
    """(apiGroup, resource, verb, resourceName) grants; resourceName "" means any object."""
    return {(group, r, v, name) for r in resources for v in verbs}


# Namespaced objects the operator reads and writes wherever Platforms live.
NAMESPACED = set().union(
    grants("platform.a11y.dev", ["platforms"], ["get", "list", "watch", "update", "patch"]),
    grants("platform.a11y.dev", ["platforms/status"], ["get", "update", "patch"]),
    grants("platform.a11y.dev", ["platforms/finalizers"], ["update"]),
    grants("platform.a11y.dev", ["platforms/scale"], ["get", "update", "patch"]),
    grants("apps", ["deployments", "statefulsets", "controllerrevisions"], CHILD_VERBS),
    grants("", ["services", "configmaps", "secrets", "serviceaccounts", "persistentvolumeclaims"], CHILD_VERBS),
    # pods to observe rollouts; endpoints because the operator grants Prometheus a Role reading
    # pods, services and endpoints, and RBAC lets nobody grant what it does not hold itself.
    grants("", ["pods", "endpoints"], ["get", "list", "watch"]),
    # StatefulSet forced rollback deletes pods of an abandoned, never-ready template.
    grants("", ["pods"], ["delete"]),
    grants("rbac.authorization.k8s.io", ["roles", "rolebindings"], CHILD_VERBS),
    grants("autoscaling", ["horizontalpodautoscalers"], CHILD_VERBS),
    grants("policy", ["poddisruptionbudgets"], CHILD_VERBS),
    grants("networking.k8s.io", ["networkpolicies", "ingresses"], CHILD_VERBS),
    grants("batch", ["cronjobs"], CHILD_VERBS),
    grants("gateway.networking.k8s.io", ["httproutes"], CHILD_VERBS),
    grants("monitoring.coreos.com", ["servicemonitors", "prometheusrules"], CHILD_VERBS),
    grants("events.k8s.io", ["events"], ["create", "patch"]),
)
# Cluster-scoped: discovery of optional CRDs (monitoring.coreos.com, Gateway API), and StorageClasses
# (whether a claim may grow).
CLUSTER = grants("apiextensions.k8s.io", ["customresourcedefinitions"], ["get", "list"]) | grants(
    "storage.k8s.io", ["storageclasses"], ["get"])

# ClusterRoles aggregated into the built-in user-facing roles: label -> grants.
AGGREGATED = {
    "view": grants("platform.a11y.dev", ["platforms", "platforms/status", "platforms/scale"], ["get", "list", "watch"]),
    "edit": set().union(
        grants("platform.a11y.dev", ["platforms"], ["create", "update", "patch", "delete", "deletecollection"]),
        grants("platform.a11y.dev", ["platforms/scale"], ["update", "patch"]),
    ),
}
# Which built-in roles each aggregated ClusterRole feeds (edit and admin include what view has).
AGGREGATE_TO = {"view": {"view", "edit", "admin"}, "edit": {"edit", "admin"}}
AGGREGATE_LABEL = "rbac.authorization.k8s.io/aggregate-to-"


def leader_election_grants(lease_name):
    """Release namespace only: create a Lease, then touch only this release's Lease; its events."""
    return set().union(
        grants("coordination.k8s.io", ["leases"], ["create"]),
        grants("coordination.k8s.io", ["leases"], ["get", "update", "patch"], lease_name),
        grants("events.k8s.io", ["events"], ["create", "patch"]),
    )


STANDARD_LABELS = (
    "helm.sh/chart",
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
)
CLUSTER_SCOPED_KINDS = {"ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}


class Checker:
    def __init__(self):
        self.problems = []

    def expect(self, ok, message):
        if not ok:
            self.problems.append(message)
        return ok


def rule_grants(check, obj):
    """Expands a Role/ClusterRole's rules, reporting wildcards and unsupported rule shapes."""
    name = f"{obj['kind']}/{obj['metadata']['name']}"
    out = set()
    for i, rule in enumerate(obj.get("rules") or []):
        where = f"{name} rule {i}"
        for key in ("apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs"):
            values = rule.get(key) or []
            check.expect(not any("*" in str(v) for v in values), f"{where}: wildcard in {key}: {values}")
        check.expect("nonResourceURLs" not in rule, f"{where}: nonResourceURLs are not needed")
        check.expect(rule.get("resourceNames", [""]) != [], f"{where}: empty resourceNames")
        for group in rule.get("apiGroups") or []:
            for resource in rule.get("resources") or []:
                for verb in rule.get("verbs") or []:
                    for name in rule.get("resourceNames") or [""]:
                        grant = (group, resource, verb, name)
                        check.expect(grant not in out, f"{where}: {grant} granted twice")
                        out.add(grant)
    return out


def compare_grants(check, what, got, want):
    for t in sorted(got - want):
        check.problems.append(f"{what}: grants more than the operator needs: {t}")
    for t in sorted(want - got):
        check.problems.append(f"{what}: missing a permission the operator needs: {t}")


def check_binding(check, binding, role_kind, role_name, sa_name, sa_namespace):
    name = f"{binding['kind']}/{binding['metadata']['name']}"
    ref = binding.get("roleRef", {})
    check.expect(ref.get("kind") == role_kind and ref.get("name") == role_name
                 and ref.get("apiGroup") == "rbac.authorization.k8s.io",
                 f"{name}: roleRef {ref} does not point at {role_kind}/{role_name}")
    subjects = binding.get("subjects") or []
    check.expect(subjects == [{"kind": "ServiceAccount", "name": sa_name, "namespace": sa_namespace}],
                 f"{name}: subjects {subjects} are not exactly the operator ServiceAccount {sa_namespace}/{sa_name}")


def check_deployment(check, dep, sa_name, args_want, args_forbidden_prefix):
    name = f"Deployment/{dep['metadata']['name']}"
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    selector = spec["selector"]["matchLabels"]
    template_labels = spec["template"]["metadata"].get("labels", {})
    check.expect(all(template_labels.get(k) == v for k, v in selector.items()),
                 f"{name}: selector {selector} does not match the pod labels")
    check.expect(pod.get("serviceAccountName") == sa_name, f"{name}: runs as {pod.get('serviceAccountName')}, not {sa_name}")
    psc = pod.get("securityContext", {})
    check.expect(psc.get("runAsNonRoot") is True, f"{name}: pod securityContext.runAsNonRoot is not true")
    check.expect(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{name}: seccompProfile is not RuntimeDefault")
    containers = pod.get("containers") or []
    if not check.expect(len(containers) == 1, f"{name}: expected one container, got {len(containers)}"):
        return
    c = containers[0]
    sc = c.get("securityContext", {})
    check.expect(sc.get("allowPrivilegeEscalation") is False, f"{name}: allowPrivilegeEscalation is not false")
    check.expect(sc.get("readOnlyRootFilesystem") is True, f"{name}: readOnlyRootFilesystem is not true")
    check.expect(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{name}: capabilities are not drop [ALL]")
    check.expect(not sc.get("privileged", False), f"{name}: container is privileged")
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    check.expect(ports == {"metrics": 8080, "probes": 8081}, f"{name}: ports {ports}, want metrics 8080 and probes 8081")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        http = c.get(probe, {}).get("httpGet", {})
        check.expect(http.get("path") == path and http.get("port") == "probes",
                     f"{name}: {probe} is {http}, want GET {path} on port probes")
    res = c.get("resources", {})
    for kind in ("requests", "limits"):
        check.expect({"cpu", "memory"} <= set(res.get(kind, {})), f"{name}: resources.{kind} needs cpu and memory")
    args = c.get("args") or []
    for a in args_want:
        check.expect(a in args, f"{name}: argument {a} missing from {args}")
    for a in args:
        for prefix in args_forbidden_prefix:
            check.expect(not a.startswith(prefix), f"{name}: unexpected argument {a}")
    check.expect(f"--metrics-bind-address=:{ports.get('metrics')}" in args, f"{name}: metrics flag does not match the metrics port")
    check.expect(f"--health-probe-bind-address=:{ports.get('probes')}" in args, f"{name}: probe flag does not match the probes port")


def check_test_pods(check, by_kind, want, service_selectors):
    """The helm test Pod: a test hook, restricted, and selected by no Service or PDB of the operator."""
    pods = by_kind.get("Pod", [])
    if not want:
        check.expect(not pods, f"test Pods rendered although disabled: {[p['metadata']['name'] for p in pods]}")
        return
    if not check.expect(len(pods) == 1, f"want one helm test Pod, got {len(pods)}"):
        return
    pod = pods[0]
    name = f"Pod/{pod['metadata']['name']}"
    annotations = pod["metadata"].get("annotations") or {}
    check.expect(annotations.get("helm.sh/hook") == "test", f"{name}: not a helm test hook: {annotations}")
    labels = pod["metadata"].get("labels") or {}
    for sel in service_selectors:
        check.expect(not all(labels.get(k) == v for k, v in sel.items()), f"{name}: selected by a Service ({sel})")
    spec = pod["spec"]
    check.expect(spec.get("restartPolicy") == "Never", f"{name}: restartPolicy is not Never")
    check.expect(spec.get("automountServiceAccountToken") is False, f"{name}: mounts a ServiceAccount token")
    check.expect(spec.get("securityContext", {}).get("runAsNonRoot") is True, f"{name}: runAsNonRoot is not true")
    for c in spec.get("containers") or []:
        sc = c.get("securityContext", {})
        check.expect(sc.get("allowPrivilegeEscalation") is False and sc.get("readOnlyRootFilesystem") is True,
                     f"{name}: container {c['name']} is not restricted")
        script = " ".join(c.get("command") or [])
        for path in ("/healthz", "/readyz", "/metrics"):
            check.expect(path in script, f"{name}: does not check {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("manifest")
    ap.add_argument("--mode", choices=("cluster", "namespaced"), required=True)
    ap.add_argument("--release-namespace", required=True)
    ap.add_argument("--watch", action="append", default=[], help="a watched namespace (namespaced mode)")
    ap.add_argument("--expect-kind", action="append", default=[], help="a kind that must be rendered")
    ap.add_argument("--crd-source", help="crds/ file the rendered CRD must match (spec and name)")
    ap.add_argument("--crds", choices=("kept", "not-kept", "absent"), default="kept",
                    help="kept: the CRD carries helm.sh/resource-policy: keep; absent: no CRD rendered")
    ap.add_argument("--aggregated", choices=("present", "absent"), default="present",
                    help="the view/edit ClusterRoles for Platforms")
    ap.add_argument("--test-pod", choices=("present", "absent"), default="present", help="the helm test Pod")
    opts = ap.parse_args()
    check = Checker()

    with open(opts.manifest) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    seen = set()
    by_kind = {}
    for d in docs:
        kind = d.get("kind")
        meta = d.get("metadata") or {}
        name = meta.get("name")
        if not check.expect(d.get("apiVersion") and kind and name, f"object without apiVersion/kind/name: {str(d)[:120]}"):
            continue
        key = (kind, meta.get("namespace"), name)
        check.expect(key not in seen, f"{kind}/{name} rendered twice")
        seen.add(key)
        by_kind.setdefault(kind, []).append(d)
        check.expect(len(name) <= 63 or kind in CLUSTER_SCOPED_KINDS, f"{kind}/{name}: name longer than 63 characters")
        if kind in CLUSTER_SCOPED_KINDS:
            check.expect("namespace" not in meta, f"{kind}/{name}: cluster-scoped object with a namespace")
        else:
            check.expect(bool(meta.get("namespace")), f"{kind}/{name}: namespaced object without metadata.namespace")
        labels = meta.get("labels") or {}
        missing = [label for label in STANDARD_LABELS if label not in labels]
        check.expect(not missing, f"{kind}/{name}: missing standard labels {missing}")

    for kind in ["Deployment", "ServiceAccount", "Service", "ClusterRole",
                 "ClusterRoleBinding", "Role", "RoleBinding"] + opts.expect_kind:
        check.expect(kind in by_kind, f"no {kind} rendered")

    crd_objects = by_kind.get("CustomResourceDefinition", [])
    crds = [c["metadata"]["name"] for c in crd_objects]
    if opts.crds == "absent":
        check.expect(crds == [], f"crds.enabled=false but CRDs rendered: {crds}")
    elif check.expect(crds == ["platforms.platform.a11y.dev"], f"CRDs rendered: {crds}"):
        crd = crd_objects[0]
        annotations = crd["metadata"].get("annotations") or {}
        if opts.crds == "kept":
            check.expect(annotations.get("helm.sh/resource-policy") == "keep",
                         f"CRD: annotations {annotations}, want helm.sh/resource-policy: keep")
        else:
            check.expect("helm.sh/resource-policy" not in annotations, f"CRD: kept although crds.keep=false: {annotations}")
        if opts.crd_source:
            with open(opts.crd_source) as f:
                source = yaml.safe_load(f)
            check.expect(crd["spec"] == source["spec"], "CRD: the rendered spec differs from " + opts.crd_source)
            check.expect(crd["apiVersion"] == source["apiVersion"], "CRD: apiVersion differs from the source")
            for k, v in (source["metadata"].get("labels") or {}).items():
                check.expect(crd["metadata"]["labels"].get(k) == v, f"CRD: label {k}={v} of the source missing")

    sas = by_kind.get("ServiceAccount", [])
    sa_name = sas[0]["metadata"]["name"] if sas else "?"
    check.expect(len(sas) == 1 and sas[0]["metadata"]["namespace"] == opts.release_namespace,
                 f"want one ServiceAccount in {opts.release_namespace}")

    deployments = by_kind.get("Deployment", [])
    # The operator's Lease is named after the release's objects (the Deployment's name).
    lease_name = deployments[0]["metadata"]["name"] if deployments else "?"

    # RBAC: what each role grants, and that each binding ties exactly that role to the ServiceAccount.
    aggregated = {}
    cluster_roles = []
    for cr in by_kind.get("ClusterRole", []):
        labels = cr["metadata"].get("labels") or {}
        feeds = {k[len(AGGREGATE_LABEL):] for k, v in labels.items() if k.startswith(AGGREGATE_LABEL) and v == "true"}
        if feeds:
            aggregated[cr["metadata"]["name"]] = (cr, feeds)
        else:
            cluster_roles.append(cr)
    if opts.aggregated == "absent":
        check.expect(not aggregated, f"aggregated ClusterRoles rendered: {sorted(aggregated)}")
    else:
        found = set()
        for name, (cr, feeds) in aggregated.items():
            role = name.rsplit("-", 1)[-1]
            if not check.expect(role in AGGREGATED, f"ClusterRole/{name}: unexpected aggregated role"):
                continue
            found.add(role)
            check.expect(feeds == AGGREGATE_TO[role], f"ClusterRole/{name}: aggregated to {sorted(feeds)}, want {sorted(AGGREGATE_TO[role])}")
            compare_grants(check, f"ClusterRole/{name}", rule_grants(check, cr), AGGREGATED[role])
        check.expect(found == set(AGGREGATED), f"aggregated ClusterRoles for {sorted(found)}, want {sorted(AGGREGATED)}")
        for b in by_kind.get("ClusterRoleBinding", []) + by_kind.get("RoleBinding", []):
            check.expect(b["roleRef"]["name"] not in aggregated, f"{b['kind']}/{b['metadata']['name']} binds an aggregated role")
    if check.expect(len(cluster_roles) == 1, f"want one ClusterRole, got {len(cluster_roles)}"):
        cr = cluster_roles[0]
        want = CLUSTER | (NAMESPACED if opts.mode == "cluster" else set())
        compare_grants(check, f"ClusterRole/{cr['metadata']['name']}", rule_grants(check, cr), want)
        crbs = by_kind.get("ClusterRoleBinding", [])
        check.expect(len(crbs) == 1, f"want one ClusterRoleBinding, got {len(crbs)}")
        for b in crbs:
            check_binding(check, b, "ClusterRole", cr["metadata"]["name"], sa_name, opts.release_namespace)

    roles = {(r["metadata"]["namespace"], r["metadata"]["name"]): r for r in by_kind.get("Role", [])}
    bindings = {(b["metadata"]["namespace"], b["metadata"]["name"]): b for b in by_kind.get("RoleBinding", [])}
    leader_roles = [k for k in roles if k[1].endswith("-leader-election")]
    check.expect(len(leader_roles) == 1 and leader_roles[0][0] == opts.release_namespace,
                 f"want one leader-election Role in {opts.release_namespace}, got {leader_roles}")
    watched = {}
    for key, role in roles.items():
        grants = rule_grants(check, role)
        if key in leader_roles:
            compare_grants(check, f"Role {key}", grants, leader_election_grants(lease_name))
        else:
            compare_grants(check, f"Role {key}", grants, NAMESPACED)
            watched[key[0]] = key
        b = bindings.get(key)
        if check.expect(b is not None, f"Role {key} has no RoleBinding of the same name"):
            check_binding(check, b, "Role", key[1], sa_name, opts.release_namespace)
    check.expect(set(bindings) == set(roles), f"RoleBindings {sorted(bindings)} do not match Roles {sorted(roles)}")
    want_watched = set(opts.watch) if opts.mode == "namespaced" else set()
    check.expect(set(watched) == want_watched,
                 f"per-namespace Roles in {sorted(watched)}, want {sorted(want_watched)}")

    if check.expect(len(deployments) == 1, f"want one Deployment, got {len(deployments)}"):
        args_want = ["--leader-elect", f"--leader-election-namespace={opts.release_namespace}",
                     f"--leader-election-id={lease_name}", "--log-format=json"]
        args_want += [f"--namespace={ns}" for ns in opts.watch]
        forbidden = ["--namespace="] if opts.mode == "cluster" else []
        check_deployment(check, deployments[0], sa_name, args_want, forbidden)
        dep = deployments[0]
        pod_labels = dep["spec"]["template"]["metadata"].get("labels", {})
        for svc in by_kind.get("Service", []):
            sel = svc["spec"].get("selector", {})
            check.expect(sel and all(pod_labels.get(k) == v for k, v in sel.items()),
                         f"Service/{svc['metadata']['name']}: selector {sel} does not select the operator pods")
        for pdb in by_kind.get("PodDisruptionBudget", []):
            sel = pdb["spec"]["selector"]["matchLabels"]
            check.expect(all(pod_labels.get(k) == v for k, v in sel.items()),
                         f"PodDisruptionBudget/{pdb['metadata']['name']}: selector does not select the operator pods")
        check_test_pods(check, by_kind, opts.test_pod == "present",
                        [s["spec"].get("selector", {}) for s in by_kind.get("Service", [])])

    if check.problems:
        for p in check.problems:
            print(f"check_rendered: {p}", file=sys.stderr)
        return 1
    kinds = ", ".join(f"{k} x{len(v)}" for k, v in sorted(by_kind.items()))
    print(f"check_rendered: {opts.mode} mode ok ({kinds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
