#include "po/runtime/informer.hpp"

#include <set>

#include <spdlog/spdlog.h>

namespace po::runtime {

std::optional<std::string> controller_owner_key(const json& object, std::string_view owner_kind) {
  const auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return std::nullopt;
  const auto refs = meta->find("ownerReferences");
  if (refs == meta->end() || !refs->is_array()) return std::nullopt;
  for (const auto& ref : *refs) {
    if (!ref.is_object() || !ref.value("controller", false) || ref.value("kind", "") != owner_kind) continue;
    const std::string ns = meta->value("namespace", "");
    const std::string name = ref.value("name", "");
    return ns.empty() ? name : ns + "/" + name;
  }
  return std::nullopt;
}

EventHandler enqueue_object(WorkQueue& queue) {
  EventHandler h;
  h.on_add = [&queue](const ObjectPtr& o) { queue.add(object_key(*o)); };
  h.on_update = [&queue](const ObjectPtr&, const ObjectPtr& o) { queue.add(object_key(*o)); };
  h.on_delete = [&queue](const ObjectPtr& o) { queue.add(object_key(*o)); };
  return h;
}

EventHandler enqueue_controller_owner(WorkQueue& queue, std::string owner_kind) {
  auto enqueue = [&queue, kind = std::move(owner_kind)](const ObjectPtr& o) {
    if (auto key = controller_owner_key(*o, kind)) queue.add(*key);
  };
  EventHandler h;
  h.on_add = enqueue;
  h.on_update = [enqueue](const ObjectPtr& old_object, const ObjectPtr& new_object) {
    enqueue(old_object);  // the owner may have changed: tell both
    enqueue(new_object);
  };
  h.on_delete = enqueue;
  return h;
}

EventHandler enqueue_by_label(WorkQueue& queue, std::string label) {
  auto enqueue = [&queue, label = std::move(label)](const ObjectPtr& o) {
    const auto& meta = o->value("metadata", json::object());
    const auto& labels = meta.value("labels", json::object());
    auto it = labels.find(label);
    if (it == labels.end() || !it->is_string()) return;
    queue.add(meta.value("namespace", "") + "/" + it->get<std::string>());
  };
  EventHandler h;
  h.on_add = enqueue;
  h.on_update = [enqueue](const ObjectPtr&, const ObjectPtr& new_object) { enqueue(new_object); };
  h.on_delete = enqueue;
  return h;
}

Informer::Informer(kube::Client& client, kube::GroupVersionResource gvr, std::vector<std::string> namespaces,
                   kube::WatcherOptions options)
    : client_(client), gvr_(std::move(gvr)), namespaces_(std::move(namespaces)), options_(std::move(options)) {
  if (namespaces_.empty() || !gvr_.namespaced) namespaces_ = {""};
}

Informer::~Informer() { stop(); }

void Informer::add_handler(EventHandler handler) { handlers_.push_back(std::move(handler)); }

void Informer::start() {
  for (const auto& ns : namespaces_)
    threads_.emplace_back([this, ns](std::stop_token stop) { run(stop, ns); });
}

void Informer::stop() {
  for (auto& t : threads_) t.request_stop();
  threads_.clear();  // jthread joins
}

bool Informer::has_synced() const { return synced_namespaces_.load() >= namespaces_.size(); }

bool Informer::wait_for_sync(std::chrono::milliseconds timeout, std::stop_token stop) {
  std::unique_lock lock(sync_mu_);
  return sync_cv_.wait_for(lock, stop, timeout, [this] { return has_synced(); });
}

void Informer::run(std::stop_token stop, std::string namespace_) {
  bool listed_once = false;
  kube::WatcherHandlers handlers;
  handlers.on_list = [&](std::vector<json>&& items, const std::string&) {
    ++lists_;
    on_list(namespace_, std::move(items));
    if (!listed_once) {
      listed_once = true;
      {
        std::scoped_lock lock(sync_mu_);
        ++synced_namespaces_;
      }
      sync_cv_.notify_all();
    }
  };
  handlers.on_event = [this](kube::WatchEvent&& e) { on_event(std::move(e)); };
  const auto stats = kube::run_watcher(client_, gvr_, namespace_, options_, handlers, stop);
  relists_after_gone_ += stats.relists_after_gone;
}

void Informer::on_list(const std::string& namespace_, std::vector<json>&& items) {
  if (transform_) {
    for (auto& item : items) transform_(item);
  }
  // Remember what each listed object replaces, so handlers see add vs update.
  std::vector<std::pair<ObjectPtr, std::string>> previous;
  previous.reserve(items.size());
  for (const auto& item : items) {
    std::string key = object_key(item);
    previous.emplace_back(cache_.get(key), std::move(key));
  }
  const auto gone = cache_.replace(std::move(items), namespace_);
  for (const auto& [old_object, key] : previous) {
    const ObjectPtr now = cache_.get(key);
    if (!now) continue;
    for (const auto& h : handlers_) {
      if (!old_object) {
        if (h.on_add) h.on_add(now);
      } else if ((*old_object)["metadata"].value("resourceVersion", "") != (*now)["metadata"].value("resourceVersion", "")) {
        if (h.on_update) h.on_update(old_object, now);
      }
    }
  }
  for (const auto& obj : gone)
    for (const auto& h : handlers_)
      if (h.on_delete) h.on_delete(obj);
}

void Informer::on_event(kube::WatchEvent&& event) {
  if (transform_) transform_(event.object);
  switch (event.type) {
    case kube::WatchEventType::Added:
    case kube::WatchEventType::Modified: {
      const std::string key = object_key(event.object);
      const ObjectPtr old_object = cache_.upsert(std::move(event.object));
      const ObjectPtr now = cache_.get(key);
      for (const auto& h : handlers_) {
        if (!old_object) {
          if (h.on_add) h.on_add(now);
        } else if (h.on_update) {
          h.on_update(old_object, now);
        }
      }
      break;
    }
    case kube::WatchEventType::Deleted: {
      ObjectPtr removed = cache_.remove(event.object);
      if (!removed) {
        strip_managed_fields(event.object);
        removed = std::make_shared<const json>(std::move(event.object));
      }
      for (const auto& h : handlers_)
        if (h.on_delete) h.on_delete(removed);
      break;
    }
    default:
      break;
  }
}

}  // namespace po::runtime
