#include <doctest/doctest.h>

#include "po/kube/resource.hpp"

using namespace po::kube;

TEST_CASE("paths for core, grouped, namespaced and cluster-scoped resources") {
  CHECK(resource_path(resources::kConfigMaps) == "/api/v1/configmaps");
  CHECK(resource_path(resources::kConfigMaps, "ns1") == "/api/v1/namespaces/ns1/configmaps");
  CHECK(resource_path(resources::kConfigMaps, "ns1", "cm") == "/api/v1/namespaces/ns1/configmaps/cm");
  CHECK(resource_path(resources::kLeases, "kube-system", "op", "status") ==
        "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/op/status");
  CHECK(resource_path(resources::kNamespaces, "ignored", "team") == "/api/v1/namespaces/team");
  CHECK(resource_path(resources::kCRDs, "", "widgets.example.com") ==
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com");
  CHECK(group_version_path("", "v1") == "/api/v1");
  CHECK(group_version_path("apps", "v1") == "/apis/apps/v1");
  CHECK(resources::kLeases.api_version() == "coordination.k8s.io/v1");
  CHECK(resources::kConfigMaps.api_version() == "v1");
}

TEST_CASE("query strings are encoded") {
  CHECK(list_query({}) == "");
  ListOptions o;
  o.label_selector = "app in (a,b),tier!=db";
  o.limit = 50;
  o.continue_token = "abc=/+";
  CHECK(list_query(o) == "?labelSelector=app%20in%20%28a%2Cb%29%2Ctier%21%3Ddb&limit=50&continue=abc%3D%2F%2B");
  ListOptions w;
  w.watch = true;
  w.allow_watch_bookmarks = true;
  w.resource_version = "123";
  w.timeout_seconds = 317;
  CHECK(list_query(w) == "?resourceVersion=123&watch=true&allowWatchBookmarks=true&timeoutSeconds=317");
}

TEST_CASE("object keys") {
  CHECK(parse_object_key("ns/name") == ObjectKey{"ns", "name"});
  CHECK(parse_object_key("name") == ObjectKey{"", "name"});
  CHECK(ObjectKey{"ns", "n"}.to_string() == "ns/n");
  CHECK(ObjectKey{"", "n"}.to_string() == "n");
}
