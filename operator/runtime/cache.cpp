#include "po/runtime/cache.hpp"

#include <mutex>

namespace po::runtime {

namespace {
const json& metadata_of(const json& object) {
  static const json empty = json::object();
  const auto it = object.find("metadata");
  return it != object.end() && it->is_object() ? *it : empty;
}
std::string string_field(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

std::string object_key(const json& object) {
  const json& meta = metadata_of(object);
  const std::string ns = string_field(meta, "namespace");
  const std::string name = string_field(meta, "name");
  return ns.empty() ? name : ns + "/" + name;
}

std::string owner_index_value(std::string_view kind, std::string_view namespace_, std::string_view name) {
  std::string v(kind);
  v += ':';
  if (!namespace_.empty()) {
    v += namespace_;
    v += '/';
  }
  v += name;
  return v;
}

std::optional<std::string> controller_owner_index(const json& object) {
  const json& meta = metadata_of(object);
  const auto refs = meta.find("ownerReferences");
  if (refs == meta.end() || !refs->is_array()) return std::nullopt;
  for (const auto& ref : *refs) {
    if (!ref.is_object() || !ref.value("controller", false)) continue;
    // An owner of a namespaced object lives in the same namespace (cluster-scoped owners have none).
    return owner_index_value(string_field(ref, "kind"), string_field(meta, "namespace"), string_field(ref, "name"));
  }
  return std::nullopt;
}

void strip_managed_fields(json& object) {
  if (auto meta = object.find("metadata"); meta != object.end() && meta->is_object()) meta->erase("managedFields");
}

bool labels_match(const json& object, const std::map<std::string, std::string>& selector) {
  const json& meta = metadata_of(object);
  const auto labels = meta.find("labels");
  for (const auto& [k, v] : selector) {
    if (labels == meta.end() || !labels->is_object()) return false;
    const auto it = labels->find(k);
    if (it == labels->end() || !it->is_string() || it->get_ref<const std::string&>() != v) return false;
  }
  return true;
}

void Cache::index_locked(const std::string& key, const json& object) {
  const json& meta = metadata_of(object);
  by_namespace_[string_field(meta, "namespace")].insert(key);
  if (const auto labels = meta.find("labels"); labels != meta.end() && labels->is_object())
    for (const auto& [k, v] : labels->items())
      if (v.is_string()) by_label_[k + "=" + v.get<std::string>()].insert(key);
  if (auto owner = controller_owner_index(object)) by_owner_[*owner].insert(key);
}

void Cache::unindex_locked(const std::string& key, const json& object) {
  auto drop = [&key](auto& index, const std::string& value) {
    if (auto it = index.find(value); it != index.end()) {
      it->second.erase(key);
      if (it->second.empty()) index.erase(it);
    }
  };
  const json& meta = metadata_of(object);
  drop(by_namespace_, string_field(meta, "namespace"));
  if (const auto labels = meta.find("labels"); labels != meta.end() && labels->is_object())
    for (const auto& [k, v] : labels->items())
      if (v.is_string()) drop(by_label_, k + "=" + v.get<std::string>());
  if (auto owner = controller_owner_index(object)) drop(by_owner_, *owner);
}

namespace {
std::string encode(const json& object) {
  std::string bytes;
  json::to_cbor(object, bytes);
  bytes.shrink_to_fit();
  return bytes;
}
ObjectPtr decode(const std::string& bytes) { return std::make_shared<const json>(json::from_cbor(bytes)); }
// The namespace part of a key ("" for cluster-scoped objects).
std::string_view namespace_of_key(std::string_view key) {
  const auto slash = key.find('/');
  return slash == std::string_view::npos ? std::string_view{} : key.substr(0, slash);
}
}  // namespace

ObjectPtr Cache::upsert(json object) {
  strip_managed_fields(object);
  const std::string key = object_key(object);
  std::string bytes = encode(object);
  std::unique_lock lock(mu_);
  ObjectPtr old;
  if (auto it = objects_.find(key); it != objects_.end()) {
    old = decode(it->second);
    unindex_locked(key, *old);
    it->second = std::move(bytes);
  } else {
    objects_.emplace(key, std::move(bytes));
  }
  index_locked(key, object);
  return old;
}

ObjectPtr Cache::remove_key(const std::string& key) {
  std::unique_lock lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr old = decode(it->second);
  unindex_locked(key, *old);
  objects_.erase(it);
  return old;
}

ObjectPtr Cache::remove(const json& object) { return remove_key(object_key(object)); }

std::vector<ObjectPtr> Cache::replace(std::vector<json> objects, const std::string& namespace_scope) {
  std::unordered_map<std::string, std::string> fresh;
  fresh.reserve(objects.size());
  for (auto& o : objects) {
    strip_managed_fields(o);
    fresh[object_key(o)] = encode(o);
  }
  std::unique_lock lock(mu_);
  std::vector<ObjectPtr> gone;
  std::vector<std::string> kept;  // another namespace's informer owns these
  for (auto& [key, bytes] : objects_) {
    if (fresh.contains(key)) continue;
    if (!namespace_scope.empty() && namespace_of_key(key) != namespace_scope) {
      kept.push_back(key);
      fresh.emplace(key, std::move(bytes));
      continue;
    }
    gone.push_back(decode(bytes));
  }
  objects_ = std::move(fresh);
  by_namespace_.clear();
  by_label_.clear();
  by_owner_.clear();
  for (const auto& o : objects) index_locked(object_key(o), o);
  for (const auto& key : kept) index_locked(key, *decode(objects_.at(key)));
  return gone;
}

ObjectPtr Cache::get(const std::string& key) const {
  std::shared_lock lock(mu_);
  const auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : decode(it->second);
}

std::vector<ObjectPtr> Cache::lookup_locked(const std::set<std::string>* keys) const {
  std::vector<ObjectPtr> out;
  if (keys == nullptr) return out;
  out.reserve(keys->size());
  for (const auto& k : *keys)
    if (auto it = objects_.find(k); it != objects_.end()) out.push_back(decode(it->second));
  return out;
}

std::vector<ObjectPtr> Cache::list() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [key, bytes] : objects_) out.push_back(decode(bytes));
  return out;
}

std::vector<ObjectPtr> Cache::by_namespace(const std::string& namespace_) const {
  std::shared_lock lock(mu_);
  const auto it = by_namespace_.find(namespace_);
  return lookup_locked(it == by_namespace_.end() ? nullptr : &it->second);
}

std::vector<ObjectPtr> Cache::by_labels(const std::map<std::string, std::string>& selector) const {
  std::shared_lock lock(mu_);
  if (selector.empty()) {
    std::vector<ObjectPtr> out;
    for (const auto& [key, bytes] : objects_) out.push_back(decode(bytes));
    return out;
  }
  // Walk the smallest posting list and check the other requirements on each object.
  const std::set<std::string>* smallest = nullptr;
  for (const auto& [k, v] : selector) {
    const auto it = by_label_.find(k + "=" + v);
    if (it == by_label_.end()) return {};
    if (smallest == nullptr || it->second.size() < smallest->size()) smallest = &it->second;
  }
  std::vector<ObjectPtr> out;
  for (const auto& obj : lookup_locked(smallest))
    if (labels_match(*obj, selector)) out.push_back(obj);
  return out;
}

std::vector<ObjectPtr> Cache::by_owner(std::string_view kind, std::string_view namespace_, std::string_view name) const {
  std::shared_lock lock(mu_);
  const auto it = by_owner_.find(owner_index_value(kind, namespace_, name));
  return lookup_locked(it == by_owner_.end() ? nullptr : &it->second);
}

std::vector<std::string> Cache::keys() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  out.reserve(objects_.size());
  for (const auto& [key, obj] : objects_) out.push_back(key);
  return out;
}

std::size_t Cache::size() const {
  std::shared_lock lock(mu_);
  return objects_.size();
}

}  // namespace po::runtime
