// What a reconciler needs of the cluster, split as controller-runtime splits it: a Reader over the
// informer caches, an ApiReader that goes to the API server (for what is not cached, or must be fresh),
// a Writer (create, server-side apply, patch, delete) and an EventSink. A reconciler takes these
// interfaces, so a unit test drives it with a fake cluster; the manager wires the real ones below.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "po/kube/client.hpp"
#include "po/kube/error.hpp"
#include "po/kube/resource.hpp"
#include "po/runtime/cache.hpp"

namespace po::runtime {

class Informer;

// Reads from informer caches: cheap, possibly behind the API server.
class Reader {
 public:
  virtual ~Reader() = default;
  // Does an informer run for this resource? Reads of other resources return nothing.
  virtual bool watches(const kube::GroupVersionResource& gvr) const = 0;
  // key: "ns/name"; null when not cached.
  virtual ObjectPtr get(const kube::GroupVersionResource& gvr, const std::string& key) const = 0;
  virtual std::vector<ObjectPtr> by_owner(const kube::GroupVersionResource& gvr, std::string_view owner_kind,
                                          std::string_view ns, std::string_view name) const = 0;
  virtual std::vector<ObjectPtr> by_labels(const kube::GroupVersionResource& gvr,
                                           const std::map<std::string, std::string>& selector) const = 0;
  // The watched resources (for pruning by owner).
  virtual std::vector<kube::GroupVersionResource> watched() const = 0;
};

// Reads straight from the API server.
class ApiReader {
 public:
  virtual ~ApiReader() = default;
  virtual kube::Result<nlohmann::json> get(const kube::GroupVersionResource& gvr, std::string_view ns,
                                           std::string_view name) = 0;
  virtual kube::Result<kube::ListResult> list_all(const kube::GroupVersionResource& gvr, std::string_view ns,
                                                  const kube::ListOptions& options) = 0;
  virtual kube::Result<bool> has_resource(std::string_view group, std::string_view version,
                                          std::string_view resource) = 0;
};

class Writer {
 public:
  virtual ~Writer() = default;
  virtual kube::Result<nlohmann::json> create(const kube::GroupVersionResource& gvr, std::string_view ns,
                                              const nlohmann::json& object) = 0;
  // Server-side apply; subresource "status" applies status.
  virtual kube::Result<nlohmann::json> apply(const kube::GroupVersionResource& gvr, std::string_view ns,
                                             std::string_view name, const nlohmann::json& object,
                                             const kube::ApplyOptions& options, std::string_view subresource = {}) = 0;
  virtual kube::Result<nlohmann::json> patch(const kube::GroupVersionResource& gvr, std::string_view ns,
                                             std::string_view name, kube::PatchType type,
                                             const nlohmann::json& patch) = 0;
  virtual kube::Result<nlohmann::json> remove(const kube::GroupVersionResource& gvr, std::string_view ns,
                                              std::string_view name, const kube::DeleteOptions& options = {}) = 0;
};

// Events about an object (best effort: never fails the caller).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void record(const nlohmann::json& regarding, const std::string& type, const std::string& reason,
                      const std::string& action, const std::string& note) = 0;
};

// ApiReader and Writer over a kube::Client.
class ClusterClient final : public ApiReader, public Writer {
 public:
  explicit ClusterClient(kube::Client& client) : client_(client) {}
  kube::Result<nlohmann::json> get(const kube::GroupVersionResource& gvr, std::string_view ns,
                                   std::string_view name) override;
  kube::Result<kube::ListResult> list_all(const kube::GroupVersionResource& gvr, std::string_view ns,
                                          const kube::ListOptions& options) override;
  kube::Result<bool> has_resource(std::string_view group, std::string_view version, std::string_view resource) override;
  kube::Result<nlohmann::json> create(const kube::GroupVersionResource& gvr, std::string_view ns,
                                      const nlohmann::json& object) override;
  kube::Result<nlohmann::json> apply(const kube::GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                                     const nlohmann::json& object, const kube::ApplyOptions& options,
                                     std::string_view subresource = {}) override;
  kube::Result<nlohmann::json> patch(const kube::GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                                     kube::PatchType type, const nlohmann::json& patch) override;
  kube::Result<nlohmann::json> remove(const kube::GroupVersionResource& gvr, std::string_view ns,
                                      std::string_view name, const kube::DeleteOptions& options = {}) override;

 private:
  kube::Client& client_;
};

// Reader over a set of informers, keyed by resource plural.
class InformerReader final : public Reader {
 public:
  explicit InformerReader(std::map<std::string, const Informer*> informers) : informers_(std::move(informers)) {}
  bool watches(const kube::GroupVersionResource& gvr) const override;
  ObjectPtr get(const kube::GroupVersionResource& gvr, const std::string& key) const override;
  std::vector<ObjectPtr> by_owner(const kube::GroupVersionResource& gvr, std::string_view owner_kind,
                                  std::string_view ns, std::string_view name) const override;
  std::vector<ObjectPtr> by_labels(const kube::GroupVersionResource& gvr,
                                   const std::map<std::string, std::string>& selector) const override;
  std::vector<kube::GroupVersionResource> watched() const override;

 private:
  const Informer* find(const kube::GroupVersionResource& gvr) const;
  std::map<std::string, const Informer*> informers_;
};

}  // namespace po::runtime
