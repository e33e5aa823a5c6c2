// A thread-safe object cache keyed "namespace/name", with indexes by namespace, label and controller owner.
// Objects are stored without metadata.managedFields (big, and never needed by a controller), encoded as
// CBOR: a parsed nlohmann::json costs several times its text in small allocations, and an operator reads
// only a few cached objects per reconcile, so each read decodes a fresh immutable copy instead.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace po::runtime {

using json = nlohmann::json;
using ObjectPtr = std::shared_ptr<const json>;  // cached objects are immutable; copy to change

// "ns/name" or "name" for cluster-scoped objects.
std::string object_key(const json& object);
// The controller ownerReference as "<namespace>/<name>" index value with its kind: "Kind:ns/name";
// nullopt when the object has no controller owner.
std::optional<std::string> controller_owner_index(const json& object);
std::string owner_index_value(std::string_view kind, std::string_view namespace_, std::string_view name);
// Removes metadata.managedFields in place.
void strip_managed_fields(json& object);
// Does labels match a selector given as equality requirements (all must hold)?
bool labels_match(const json& object, const std::map<std::string, std::string>& selector);

class Cache {
 public:
  // Inserts or replaces; returns the previous object (null when new).
  ObjectPtr upsert(json object);
  // Removes by the object's key; returns the removed object (null when absent).
  ObjectPtr remove(const json& object);
  ObjectPtr remove_key(const std::string& key);
  // Replaces everything in namespace_scope ("" = every namespace) after a list; returns the objects
  // that disappeared.
  std::vector<ObjectPtr> replace(std::vector<json> objects, const std::string& namespace_scope = {});

  ObjectPtr get(const std::string& key) const;
  std::vector<ObjectPtr> list() const;
  std::vector<ObjectPtr> by_namespace(const std::string& namespace_) const;
  std::vector<ObjectPtr> by_labels(const std::map<std::string, std::string>& selector) const;
  std::vector<ObjectPtr> by_owner(std::string_view kind, std::string_view namespace_, std::string_view name) const;
  std::vector<std::string> keys() const;
  std::size_t size() const;

 private:
  void index_locked(const std::string& key, const json& object);
  void unindex_locked(const std::string& key, const json& object);
  std::vector<ObjectPtr> lookup_locked(const std::set<std::string>* keys) const;

  mutable std::shared_mutex mu_;  // guards everything below
  std::unordered_map<std::string, std::string> objects_;  // key -> CBOR
  std::unordered_map<std::string, std::set<std::string>> by_namespace_;
  std::unordered_map<std::string, std::set<std::string>> by_label_;  // "k=v" -> keys
  std::unordered_map<std::string, std::set<std::string>> by_owner_;  // owner_index_value -> keys
};

}  // namespace po::runtime
