// An informer: list+watch of one resource (in one or more namespaces) into a Cache, with handlers.
#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "po/kube/client.hpp"
#include "po/kube/watcher.hpp"
#include "po/runtime/cache.hpp"
#include "po/runtime/workqueue.hpp"

namespace po::runtime {

struct EventHandler {
  std::function<void(const ObjectPtr& object)> on_add;
  std::function<void(const ObjectPtr& old_object, const ObjectPtr& new_object)> on_update;
  std::function<void(const ObjectPtr& object)> on_delete;
};

// Enqueue the object's own key on every change.
EventHandler enqueue_object(WorkQueue& queue);
// Enqueue the key of the object's controller owner when that owner is of owner_kind (child -> owner).
EventHandler enqueue_controller_owner(WorkQueue& queue, std::string owner_kind);
// Enqueue "<namespace>/<value of label>" for objects that carry the label (a group of objects -> the one
// object they belong to, when no owner reference links them: pods -> the resource that made them).
EventHandler enqueue_by_label(WorkQueue& queue, std::string label);
// The owner key ("ns/name") of an object's controller reference of the given kind, if any.
std::optional<std::string> controller_owner_key(const json& object, std::string_view owner_kind);

class Informer {
 public:
  // namespaces empty = all namespaces (one watch); otherwise one watch per namespace into the same cache.
  Informer(kube::Client& client, kube::GroupVersionResource gvr, std::vector<std::string> namespaces = {},
           kube::WatcherOptions options = {});
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void add_handler(EventHandler handler);  // before start()
  // Applied to every listed or watched object before it is cached and handed to handlers (before start()):
  // a cache that keeps only the fields its readers need holds far less memory.
  void set_transform(std::function<void(json&)> transform) { transform_ = std::move(transform); }
  void start();
  void stop();  // stops the watches and joins
  bool has_synced() const;  // every namespace has been listed once
  bool wait_for_sync(std::chrono::milliseconds timeout, std::stop_token stop = {});

  const Cache& cache() const { return cache_; }
  const kube::GroupVersionResource& resource() const { return gvr_; }
  std::uint64_t relists_after_gone() const { return relists_after_gone_.load(); }
  std::uint64_t lists() const { return lists_.load(); }

 private:
  void run(std::stop_token stop, std::string namespace_);
  void on_list(const std::string& namespace_, std::vector<json>&& items);
  void on_event(kube::WatchEvent&& event);

  kube::Client& client_;
  kube::GroupVersionResource gvr_;
  std::vector<std::string> namespaces_;
  kube::WatcherOptions options_;
  Cache cache_;
  std::vector<EventHandler> handlers_;  // fixed after start()
  std::function<void(json&)> transform_;  // fixed after start()
  std::atomic<std::size_t> synced_namespaces_{0};
  std::atomic<std::uint64_t> relists_after_gone_{0};
  std::atomic<std::uint64_t> lists_{0};
  std::mutex sync_mu_;
  std::condition_variable_any sync_cv_;
  std::vector<std::jthread> threads_;
};

}  // namespace po::runtime
