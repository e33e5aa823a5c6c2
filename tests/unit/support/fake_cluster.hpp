// A fake cluster behind the runtime client interfaces (Reader, ApiReader, Writer, EventSink), for driving a
// reconciler in unit tests. It keeps objects as the API server would (resourceVersion, generation, uid,
// server-side apply merging and the ownership of spec.replicas) and an informer cache per watched resource
// that the test can hold behind the server (lag) and then sync. Requests can be made to fail (409, 403,
// 422, 5xx) by verb, resource and name. It knows nothing of Platforms: workloads are plain Deployments
// and StatefulSets whose controllers the test plays (roll_out, fail_rollout, scale).
//
// Apply is modelled as a JSON merge of what was sent onto the live object (fields dropped from a manifest
// are not removed, except spec.replicas, whose owners are tracked: when its last owner stops sending it, a
// Deployment's replicas goes back to the default of 1, as the API server does).
//
// A status apply replaces status. Like the API server, it turns an empty object sent where the live object
// had fields into null (the applier's fields are removed and an empty map is left as null: kubernetes
// issue 104694), and, when the test gave a status schema (validate_status), it refuses with 422 Invalid
// what the CRD's structural schema refuses: a value of the wrong type, null included.
#pragma once
#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "po/runtime/cache.hpp"
#include "po/runtime/client.hpp"

namespace po::runtime::testing {

using nlohmann::json;

struct Call {
  std::string verb;  // get list create apply patch delete discovery
  std::string resource;
  std::string name;
  std::string subresource;
  std::string field_manager;
  json body;
};

struct RecordedEvent {
  std::string type, reason, note;
};

class FakeCluster final : public Reader, public ApiReader, public Writer, public EventSink {
 public:
  // An informer runs for gvr; transform is applied to what enters its cache.
  void watch(const kube::GroupVersionResource& gvr, std::function<void(json&)> transform = {}) {
    watched_[gvr.resource] = Watched{gvr, std::move(transform), std::make_unique<Cache>()};
  }
  // While lagging, writes reach the server but not the caches until sync().
  void set_cache_lag(bool lag) { lag_ = lag; }
  // Brings the cache of one resource ("" = all) up to the server's state.
  void sync(const std::string& resource = {}) {
    for (auto& [res, w] : watched_) {
      if (!resource.empty() && res != resource) continue;
      std::vector<json> items;
      for (const auto& [key, obj] : objects_[res]) {
        json copy = obj;
        if (w.transform) w.transform(copy);
        items.push_back(std::move(copy));
      }
      w.cache->replace(std::move(items));
    }
  }
  // The next `times` requests of verb on resource/name ("" = any) fail with error.
  void fail(std::string verb, std::string resource, std::string name, kube::ApiError error, int times = 1) {
    faults_.push_back({std::move(verb), std::move(resource), std::move(name), std::move(error), times});
  }
  void serve(const std::string& group_version_resource, bool served) { served_[group_version_resource] = served; }
  // Status applies of resource are checked against schema (an openAPIV3Schema node: type, properties,
  // items, additionalProperties, nullable), as the API server checks a CRD's status.
  void validate_status(const std::string& resource, json schema) { status_schemas_[resource] = std::move(schema); }

  // --- the server's side, for tests -------------------------------------------------------------------
  json* live(const std::string& resource, const std::string& key) {
    auto& m = objects_[resource];
    const auto it = m.find(key);
    return it == m.end() ? nullptr : &it->second;
  }
  std::vector<json> all(const std::string& resource) {
    std::vector<json> out;
    for (const auto& [k, o] : objects_[resource]) out.push_back(o);
    return out;
  }
  // Creates or replaces an object as a person would (kubectl), bumping generation on a spec change.
  json put(const kube::GroupVersionResource& gvr, json object) {
    const auto key = key_of(object);
    json* old = live(gvr.resource, key);
    if (old != nullptr) {
      object["metadata"]["uid"] = (*old)["metadata"]["uid"];
      object["metadata"]["generation"] = (*old)["metadata"].value("generation", 1) +
                                         (object.value("spec", json()) != old->value("spec", json()) ? 1 : 0);
      if (!object.contains("status") && old->contains("status")) object["status"] = (*old)["status"];
    } else {
      object["metadata"]["uid"] = "uid-" + std::to_string(++uids_);
      object["metadata"]["generation"] = 1;
    }
    return store(gvr.resource, std::move(object));
  }
  // The workload controller finished: every pod of the current generation is ready.
  void roll_out(const std::string& resource, const std::string& key) {
    json& o = *live(resource, key);
    const auto r = o["spec"].value("replicas", 1);
    const auto gen = o["metadata"].value("generation", 1);
    json status = {{"observedGeneration", gen}, {"replicas", r}, {"readyReplicas", r}, {"updatedReplicas", r},
                   {"availableReplicas", r}};
    if (o.value("kind", "") == "StatefulSet") {
      status["currentRevision"] = status["updateRevision"] = "rev-" + std::to_string(gen);
    }
    o["status"] = status;
    store(resource, o);
  }
  void roll_out_all() {
    for (const char* res : {"deployments", "statefulsets"}) {
      std::vector<std::string> keys;
      for (const auto& [k, o] : objects_[res]) keys.push_back(k);
      for (const auto& k : keys) roll_out(res, k);
    }
  }
  // The Deployment controller gave up: ProgressDeadlineExceeded for the current generation.
  void fail_rollout(const std::string& key) {
    json& o = *live("deployments", key);
    const auto r = o["spec"].value("replicas", 1);
    o["status"] = {{"observedGeneration", o["metadata"].value("generation", 1)},
                   {"replicas", r + 1},
                   {"readyReplicas", r},
                   {"updatedReplicas", 1},
                   {"availableReplicas", r},
                   {"conditions", json::array({{{"type", "Progressing"},
                                                {"status", "False"},
                                                {"reason", "ProgressDeadlineExceeded"},
                                                {"message", "ReplicaSet has timed out progressing"}}})}};
    store("deployments", o);
  }
  // Another manager (an HPA through the scale subresource, kubectl scale) sets spec.replicas and owns it.
  void scale(const std::string& resource, const std::string& key, int replicas, const std::string& manager) {
    json& o = *live(resource, key);
    o["spec"]["replicas"] = replicas;
    o["metadata"]["generation"] = o["metadata"].value("generation", 1) + 1;
    replica_owners_[resource + "/" + key] = {manager};
    store(resource, o);
  }
  const std::set<std::string>& replica_owners(const std::string& resource, const std::string& key) {
    return replica_owners_[resource + "/" + key];
  }
  // Every spec.replicas the object had, in order (to catch a transient drop).
  const std::vector<int>& replica_history(const std::string& resource, const std::string& key) {
    return replica_history_[resource + "/" + key];
  }
  void mark_deleting(const std::string& resource, const std::string& key) {
    json& o = *live(resource, key);
    o["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
    store(resource, o);
  }

  std::vector<Call> calls;
  std::vector<RecordedEvent> events;
  std::size_t count(const std::string& verb, const std::string& resource = {}) const {
    return static_cast<std::size_t>(std::count_if(calls.begin(), calls.end(), [&](const Call& c) {
      return c.verb == verb && (resource.empty() || c.resource == resource);
    }));
  }
  bool has_event(const std::string& reason) const {
    return std::any_of(events.begin(), events.end(), [&](const RecordedEvent& e) { return e.reason == reason; });
  }

  // --- Reader --------------------------------------------------------------------------------------
  bool watches(const kube::GroupVersionResource& gvr) const override { return watched_.count(gvr.resource) != 0; }
  ObjectPtr get(const kube::GroupVersionResource& gvr, const std::string& key) const override {
    const auto it = watched_.find(gvr.resource);
    return it == watched_.end() ? nullptr : it->second.cache->get(key);
  }
  std::vector<ObjectPtr> by_owner(const kube::GroupVersionResource& gvr, std::string_view owner_kind,
                                  std::string_view ns, std::string_view name) const override {
    const auto it = watched_.find(gvr.resource);
    return it == watched_.end() ? std::vector<ObjectPtr>{} : it->second.cache->by_owner(owner_kind, ns, name);
  }
  std::vector<ObjectPtr> by_labels(const kube::GroupVersionResource& gvr,
                                   const std::map<std::string, std::string>& selector) const override {
    const auto it = watched_.find(gvr.resource);
    return it == watched_.end() ? std::vector<ObjectPtr>{} : it->second.cache->by_labels(selector);
  }
  std::vector<kube::GroupVersionResource> watched() const override {
    std::vector<kube::GroupVersionResource> out;
    for (const auto& [res, w] : watched_) out.push_back(w.gvr);
    return out;
  }

  // --- ApiReader -----------------------------------------------------------------------------------
  kube::Result<json> get(const kube::GroupVersionResource& gvr, std::string_view ns, std::string_view name) override {
    calls.push_back({"get", gvr.resource, std::string(name), {}, {}, {}});
    if (auto f = fault("get", gvr.resource, name)) return *f;
    json* o = live(gvr.resource, std::string(ns) + "/" + std::string(name));
    if (o == nullptr) return not_found(gvr, name);
    return *o;
  }
  kube::Result<kube::ListResult> list_all(const kube::GroupVersionResource& gvr, std::string_view ns,
                                          const kube::ListOptions& options) override {
    calls.push_back({"list", gvr.resource, {}, {}, {}, {}});
    if (auto f = fault("list", gvr.resource, "")) return *f;
    kube::ListResult out;
    const auto selector = parse_selector(options.label_selector);
    for (const auto& [key, o] : objects_[gvr.resource]) {
      if (o["metadata"].value("namespace", "") != ns) continue;
      if (!labels_match(o, selector)) continue;
      out.items.push_back(o);
    }
    out.resource_version = std::to_string(rv_);
    return out;
  }
  kube::Result<bool> has_resource(std::string_view group, std::string_view version,
                                  std::string_view resource) override {
    const auto gvr = std::string(group) + "/" + std::string(version) + "/" + std::string(resource);
    calls.push_back({"discovery", std::string(resource), {}, {}, {}, {}});
    if (auto f = fault("discovery", std::string(resource), "")) return *f;
    const auto it = served_.find(gvr);
    return it != served_.end() && it->second;
  }

  // --- Writer --------------------------------------------------------------------------------------
  kube::Result<json> create(const kube::GroupVersionResource& gvr, std::string_view ns, const json& object) override {
    const auto name = object["metadata"].value("name", "");
    calls.push_back({"create", gvr.resource, name, {}, {}, object});
    if (auto f = fault("create", gvr.resource, name)) return *f;
    if (live(gvr.resource, std::string(ns) + "/" + name) != nullptr) {
      return kube::classify_response(409, R"({"kind":"Status","reason":"AlreadyExists","message":"already exists"})");
    }
    json o = object;
    o["metadata"]["namespace"] = std::string(ns);
    if (o.contains("stringData")) {  // the API server turns stringData into data
      for (auto& [k, v] : o["stringData"].items()) o["data"][k] = v;
      o.erase("stringData");
    }
    return put(gvr, std::move(o));
  }
  kube::Result<json> apply(const kube::GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                           const json& object, const kube::ApplyOptions& options,
                           std::string_view subresource = {}) override {
    calls.push_back({"apply", gvr.resource, std::string(name), std::string(subresource), options.field_manager, object});
    if (auto f = fault("apply", gvr.resource, name)) return *f;
    const auto key = std::string(ns) + "/" + std::string(name);
    json* old = live(gvr.resource, key);
    if (subresource == "status") {
      if (old == nullptr) return not_found(gvr, name);
      json o = *old;
      json sent = object.value("status", json::object());
      empty_maps_to_null(sent, old->value("status", json::object()));
      if (const auto it = status_schemas_.find(gvr.resource); it != status_schemas_.end()) {
        if (auto invalid = schema_error(sent, it->second, "status")) {
          return kube::classify_response(
              422, json{{"kind", "Status"}, {"reason", "Invalid"}, {"message", gvr.resource + " \"" + std::string(name) + "\" is invalid: " + *invalid}}.dump());
        }
      }
      o["status"] = std::move(sent);
      return store(gvr.resource, std::move(o));
    }
    // A dry run answers with what the object would become and changes nothing (replica owners included).
    const auto owners_before = replica_owners_;
    struct Restore {
      FakeCluster& cluster;
      const std::map<std::string, std::set<std::string>>& owners;
      bool dry_run;
      ~Restore() {
        if (dry_run) cluster.replica_owners_ = owners;
      }
    } restore{*this, owners_before, options.dry_run};
    json o = old != nullptr ? *old : json{{"metadata", {{"namespace", std::string(ns)}, {"name", std::string(name)}}}};
    const json old_spec = o.value("spec", json());
    json sent = object;
    sent["metadata"].erase("resourceVersion");
    o.merge_patch(sent);
    // spec.replicas: owned by the managers that sent it; dropped by its last owner, it falls back to 1.
    const auto kind = object.value("kind", "");
    if (kind == "Deployment" || kind == "StatefulSet") {
      auto& owners = replica_owners_[gvr.resource + "/" + key];
      const bool sends = object.contains("spec") && object["spec"].contains("replicas");
      const json old_replicas = old_spec.is_object() && old_spec.contains("replicas") ? old_spec["replicas"] : json();
      if (sends) {
        const bool others = std::any_of(owners.begin(), owners.end(), [&](const auto& m) { return m != options.field_manager; });
        if (!old_replicas.is_null() && old_replicas != object["spec"]["replicas"] && others) {
          if (!options.force) {
            return kube::classify_response(409, R"({"kind":"Status","reason":"Conflict","message":"Apply failed with 1 conflict: conflict with another manager: .spec.replicas"})");
          }
          owners.clear();
        }
        if (!old_replicas.is_null() && old_replicas != object["spec"]["replicas"]) owners.clear();
        owners.insert(options.field_manager);
      } else if (object.contains("spec")) {
        owners.erase(options.field_manager);
        if (owners.empty()) o["spec"]["replicas"] = 1;  // no owner left: the default
        else if (!old_replicas.is_null()) o["spec"]["replicas"] = old_replicas;
      }
    }
    if (old == nullptr) {
      o["metadata"]["uid"] = "uid-" + std::to_string(++uids_);
      o["metadata"]["generation"] = 1;
    } else if (o.value("spec", json()) != old_spec) {
      o["metadata"]["generation"] = o["metadata"].value("generation", 1) + 1;
    }
    if (options.dry_run) return o;
    return store(gvr.resource, std::move(o));
  }
  kube::Result<json> patch(const kube::GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                           kube::PatchType, const json& patch) override {
    calls.push_back({"patch", gvr.resource, std::string(name), {}, {}, patch});
    if (auto f = fault("patch", gvr.resource, name)) return *f;
    json* old = live(gvr.resource, std::string(ns) + "/" + std::string(name));
    if (old == nullptr) return not_found(gvr, name);
    json p = patch;
    if (p.contains("metadata") && p["metadata"].contains("resourceVersion")) {
      if (p["metadata"]["resourceVersion"] != (*old)["metadata"]["resourceVersion"]) {
        return kube::classify_response(409, R"({"kind":"Status","reason":"Conflict","message":"the object has been modified"})");
      }
      p["metadata"].erase("resourceVersion");
    }
    json o = *old;
    o.merge_patch(p);
    if (o["metadata"].contains("deletionTimestamp") && o["metadata"].value("finalizers", json::array()).empty()) {
      objects_[gvr.resource].erase(key_of(o));
      if (!lag_) sync(gvr.resource);
      return o;
    }
    return store(gvr.resource, std::move(o));
  }
  kube::Result<json> remove(const kube::GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                            const kube::DeleteOptions& options = {}) override {
    calls.push_back({"delete", gvr.resource, std::string(name), {}, {}, {}});
    if (auto f = fault("delete", gvr.resource, name)) return *f;
    const auto key = std::string(ns) + "/" + std::string(name);
    json* o = live(gvr.resource, key);
    if (o == nullptr) return not_found(gvr, name);
    if (options.precondition_uid && *options.precondition_uid != (*o)["metadata"].value("uid", "")) {
      return kube::classify_response(409, R"({"kind":"Status","reason":"Conflict","message":"Precondition failed: UID"})");
    }
    json removed = *o;
    objects_[gvr.resource].erase(key);
    if (!lag_) sync(gvr.resource);
    return removed;
  }

  // --- EventSink -----------------------------------------------------------------------------------
  void record(const json&, const std::string& type, const std::string& reason, const std::string&,
              const std::string& note) override {
    events.push_back({type, reason, note});
  }

  static kube::ApiError error(int code, const std::string& reason, const std::string& message = "injected") {
    return kube::classify_response(code, json{{"kind", "Status"}, {"reason", reason}, {"message", message}}.dump());
  }

 private:
  struct Watched {
    kube::GroupVersionResource gvr;
    std::function<void(json&)> transform;
    std::unique_ptr<Cache> cache;
  };
  struct Fault {
    std::string verb, resource, name;
    kube::ApiError error;
    int times;
  };

  static std::string key_of(const json& o) {
    return o["metadata"].value("namespace", "") + "/" + o["metadata"].value("name", "");
  }
  static kube::ApiError not_found(const kube::GroupVersionResource& gvr, std::string_view name) {
    return kube::classify_response(
        404, json{{"kind", "Status"}, {"reason", "NotFound"}, {"message", gvr.resource + " \"" + std::string(name) + "\" not found"}}.dump());
  }
  static std::map<std::string, std::string> parse_selector(const std::string& text) {
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
      auto end = text.find(',', start);
      if (end == std::string::npos) end = text.size();
      const auto part = text.substr(start, end - start);
      const auto eq = part.find('=');
      if (eq != std::string::npos) out[part.substr(0, eq)] = part.substr(eq + 1);
      start = end + 1;
    }
    return out;
  }
  std::optional<kube::ApiError> fault(const std::string& verb, const std::string& resource, std::string_view name) {
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      if (it->verb != verb || (!it->resource.empty() && it->resource != resource) ||
          (!it->name.empty() && it->name != name)) {
        continue;
      }
      auto e = it->error;
      if (--it->times <= 0) faults_.erase(it);
      return e;
    }
    return std::nullopt;
  }
  // Server-side apply of {} over a map that had fields leaves null (the fields go, no map is kept).
  static void empty_maps_to_null(json& sent, const json& live) {
    if (!sent.is_object() || !live.is_object()) return;
    for (auto& [key, value] : sent.items()) {
      const auto it = live.find(key);
      if (it == live.end() || !it->is_object()) continue;
      if (value.is_object() && value.empty() && !it->empty()) {
        value = nullptr;
      } else {
        empty_maps_to_null(value, *it);
      }
    }
  }
  // The first violation of a structural schema, as the API server words it; nullopt when valid.
  static std::optional<std::string> schema_error(const json& value, const json& schema, const std::string& path) {
    const auto type = schema.value("type", "");
    const auto wrong = [&] {
      return path + ": Invalid value: \"" + (value.is_null() ? std::string("null") : value.type_name()) + "\": " + path +
             " in body must be of type " + type + ": \"" + (value.is_null() ? std::string("null") : value.type_name()) + "\"";
    };
    if (value.is_null()) {
      if (!type.empty() && !schema.value("nullable", false)) return wrong();
      return std::nullopt;
    }
    if (type == "object") {
      if (!value.is_object()) return wrong();
      const json props = schema.value("properties", json::object());
      for (const auto& [key, child] : value.items()) {
        if (props.contains(key)) {
          if (auto e = schema_error(child, props[key], path + "." + key)) return e;
        } else if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
          if (auto e = schema_error(child, schema["additionalProperties"], path + "." + key)) return e;
        }
      }
    } else if (type == "array") {
      if (!value.is_array()) return wrong();
      if (schema.contains("items")) {
        for (std::size_t i = 0; i < value.size(); ++i) {
          if (auto e = schema_error(value[i], schema["items"], path + "[" + std::to_string(i) + "]")) return e;
        }
      }
    } else if (type == "string") {
      if (!value.is_string()) return wrong();
    } else if (type == "integer") {
      if (!value.is_number_integer()) return wrong();
    } else if (type == "boolean") {
      if (!value.is_boolean()) return wrong();
    }
    return std::nullopt;
  }
  json store(const std::string& resource, json o) {
    o["metadata"]["resourceVersion"] = std::to_string(++rv_);
    for (const char* list : {"ownerReferences", "finalizers"}) {  // empty lists are omitted, as the API does
      if (o["metadata"].contains(list) && o["metadata"][list].empty()) o["metadata"].erase(list);
    }
    const auto key = key_of(o);
    if (o.contains("spec") && o["spec"].is_object() && o["spec"].contains("replicas") && o["spec"]["replicas"].is_number()) {
      auto& h = replica_history_[resource + "/" + key];
      const int r = o["spec"]["replicas"].get<int>();
      if (h.empty() || h.back() != r) h.push_back(r);
    }
    objects_[resource][key] = o;
    if (!lag_) sync(resource);
    return o;
  }

  std::map<std::string, Watched> watched_;
  std::map<std::string, std::map<std::string, json>> objects_;  // resource -> key -> object
  std::map<std::string, std::set<std::string>> replica_owners_;
  std::map<std::string, std::vector<int>> replica_history_;
  std::map<std::string, bool> served_;
  std::map<std::string, json> status_schemas_;
  std::deque<Fault> faults_;
  bool lag_ = false;
  long long rv_ = 100;
  int uids_ = 0;
};

}  // namespace po::runtime::testing
