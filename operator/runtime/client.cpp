#include "po/runtime/client.hpp"

#include "po/runtime/informer.hpp"

namespace po::runtime {

using nlohmann::json;

kube::Result<json> ClusterClient::get(const kube::GroupVersionResource& gvr, std::string_view ns,
                                      std::string_view name) {
  return client_.get(gvr, ns, name);
}

kube::Result<kube::ListResult> ClusterClient::list_all(const kube::GroupVersionResource& gvr, std::string_view ns,
                                                       const kube::ListOptions& options) {
  return client_.list_all(gvr, ns, options);
}

kube::Result<bool> ClusterClient::has_resource(std::string_view group, std::string_view version,
                                               std::string_view resource) {
  return client_.has_resource(group, version, resource);
}

kube::Result<json> ClusterClient::create(const kube::GroupVersionResource& gvr, std::string_view ns, const json& object) {
  return client_.create(gvr, ns, object);
}

kube::Result<json> ClusterClient::apply(const kube::GroupVersionResource& gvr, std::string_view ns,
                                        std::string_view name, const json& object, const kube::ApplyOptions& options,
                                        std::string_view subresource) {
  return client_.apply(gvr, ns, name, object, options, subresource);
}

kube::Result<json> ClusterClient::patch(const kube::GroupVersionResource& gvr, std::string_view ns,
                                        std::string_view name, kube::PatchType type, const json& patch) {
  return client_.patch(gvr, ns, name, type, patch);
}

kube::Result<json> ClusterClient::remove(const kube::GroupVersionResource& gvr, std::string_view ns,
                                         std::string_view name, const kube::DeleteOptions& options) {
  return client_.remove(gvr, ns, name, options);
}

const Informer* InformerReader::find(const kube::GroupVersionResource& gvr) const {
  const auto it = informers_.find(gvr.resource);
  if (it == informers_.end() || it->second == nullptr) return nullptr;
  if (it->second->resource().group != gvr.group) return nullptr;
  return it->second;
}

bool InformerReader::watches(const kube::GroupVersionResource& gvr) const { return find(gvr) != nullptr; }

ObjectPtr InformerReader::get(const kube::GroupVersionResource& gvr, const std::string& key) const {
  const auto* informer = find(gvr);
  return informer == nullptr ? nullptr : informer->cache().get(key);
}

std::vector<ObjectPtr> InformerReader::by_owner(const kube::GroupVersionResource& gvr, std::string_view owner_kind,
                                                std::string_view ns, std::string_view name) const {
  const auto* informer = find(gvr);
  return informer == nullptr ? std::vector<ObjectPtr>{} : informer->cache().by_owner(owner_kind, ns, name);
}

std::vector<ObjectPtr> InformerReader::by_labels(const kube::GroupVersionResource& gvr,
                                                 const std::map<std::string, std::string>& selector) const {
  const auto* informer = find(gvr);
  return informer == nullptr ? std::vector<ObjectPtr>{} : informer->cache().by_labels(selector);
}

std::vector<kube::GroupVersionResource> InformerReader::watched() const {
  std::vector<kube::GroupVersionResource> out;
  for (const auto& [resource, informer] : informers_) {
    if (informer != nullptr) out.push_back(informer->resource());
  }
  return out;
}

}  // namespace po::runtime
