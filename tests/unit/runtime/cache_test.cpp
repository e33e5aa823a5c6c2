#include <doctest/doctest.h>

#include "po/runtime/cache.hpp"
#include "po/runtime/informer.hpp"

using namespace po::runtime;
using nlohmann::json;

namespace {
json cm(const std::string& ns, const std::string& name, json labels = json::object(), json owners = json::array(),
        const std::string& rv = "1") {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata",
           {{"namespace", ns},
            {"name", name},
            {"resourceVersion", rv},
            {"labels", labels},
            {"ownerReferences", owners},
            {"managedFields", json::array({{{"manager", "kubectl"}}})}}}};
}
json owner(const std::string& kind, const std::string& name, bool controller = true) {
  return {{"apiVersion", "platform.a11y.dev/v1alpha1"}, {"kind", kind}, {"name", name}, {"uid", "u"}, {"controller", controller}};
}
std::set<std::string> names(const std::vector<ObjectPtr>& objects) {
  std::set<std::string> out;
  for (const auto& o : objects) out.insert((*o)["metadata"]["name"].get<std::string>());
  return out;
}
}  // namespace

TEST_CASE("keys and managedFields stripping") {
  CHECK(object_key(cm("ns", "a")) == "ns/a");
  CHECK(object_key(json{{"metadata", {{"name", "cluster-wide"}}}}) == "cluster-wide");
  Cache c;
  c.upsert(cm("ns", "a"));
  const auto got = c.get("ns/a");
  REQUIRE(got);
  CHECK_FALSE((*got)["metadata"].contains("managedFields"));
  CHECK((*got)["metadata"]["resourceVersion"] == "1");
}

TEST_CASE("namespace, label and controller-owner indexes follow updates and deletes") {
  Cache c;
  c.upsert(cm("a", "one", {{"app", "web"}, {"tier", "fe"}}, json::array({owner("Platform", "p1")})));
  c.upsert(cm("a", "two", {{"app", "web"}}, json::array({owner("Platform", "p1", false)})));
  c.upsert(cm("b", "three", {{"app", "db"}}, json::array({owner("Platform", "p1")})));
  CHECK(c.size() == 3);
  CHECK(names(c.by_namespace("a")) == std::set<std::string>{"one", "two"});
  CHECK(names(c.by_namespace("b")) == std::set<std::string>{"three"});
  CHECK(names(c.by_labels({{"app", "web"}})) == std::set<std::string>{"one", "two"});
  CHECK(names(c.by_labels({{"app", "web"}, {"tier", "fe"}})) == std::set<std::string>{"one"});
  CHECK(c.by_labels({{"app", "none"}}).empty());
  CHECK(c.by_labels({}).size() == 3);
  // Only the controller reference counts, and owners are namespaced like their children.
  CHECK(names(c.by_owner("Platform", "a", "p1")) == std::set<std::string>{"one"});
  CHECK(names(c.by_owner("Platform", "b", "p1")) == std::set<std::string>{"three"});

  // An update moves the object between index entries.
  const auto old = c.upsert(cm("a", "one", {{"app", "api"}}, json::array(), "2"));
  REQUIRE(old);
  CHECK((*old)["metadata"]["resourceVersion"] == "1");
  CHECK(names(c.by_labels({{"app", "web"}})) == std::set<std::string>{"two"});
  CHECK(names(c.by_labels({{"app", "api"}})) == std::set<std::string>{"one"});
  CHECK(c.by_owner("Platform", "a", "p1").empty());

  CHECK(c.remove(cm("a", "two")));
  CHECK_FALSE(c.remove_key("a/two"));
  CHECK(c.by_labels({{"app", "web"}}).empty());
  CHECK(names(c.by_namespace("a")) == std::set<std::string>{"one"});
}

TEST_CASE("replace reports what disappeared, scoped to a namespace") {
  Cache c;
  c.upsert(cm("a", "keep"));
  c.upsert(cm("a", "gone"));
  c.upsert(cm("b", "other"));
  auto gone = c.replace({cm("a", "keep", {}, json::array(), "5"), cm("a", "new")}, "a");
  CHECK(names(gone) == std::set<std::string>{"gone"});
  CHECK(c.size() == 3);
  CHECK(c.get("b/other"));
  CHECK((*c.get("a/keep"))["metadata"]["resourceVersion"] == "5");
  gone = c.replace({cm("a", "keep")});
  CHECK(names(gone) == std::set<std::string>{"new", "other"});
  CHECK(c.keys() == std::vector<std::string>{"a/keep"});
}

TEST_CASE("child objects map to their owner's key") {
  const json child = cm("ns", "c", {}, json::array({owner("Deployment", "d", false), owner("Platform", "p")}));
  CHECK(controller_owner_key(child, "Platform") == "ns/p");
  CHECK_FALSE(controller_owner_key(child, "Deployment").has_value());
  CHECK_FALSE(controller_owner_key(cm("ns", "x"), "Platform").has_value());
  CHECK(controller_owner_index(child) == "Platform:ns/p");

  WorkQueue q;
  auto handler = enqueue_controller_owner(q, "Platform");
  handler.on_add(std::make_shared<const json>(child));
  handler.on_delete(std::make_shared<const json>(cm("ns", "orphan")));
  CHECK(q.len() == 1);
  CHECK(q.try_get() == "ns/p");
}

TEST_CASE("label selector matching") {
  const json o = cm("n", "x", {{"a", "1"}, {"b", "2"}});
  CHECK(labels_match(o, {}));
  CHECK(labels_match(o, {{"a", "1"}}));
  CHECK_FALSE(labels_match(o, {{"a", "2"}}));
  CHECK_FALSE(labels_match(o, {{"c", "1"}}));
  CHECK_FALSE(labels_match(json{{"metadata", {{"name", "n"}}}}, {{"a", "1"}}));
}
