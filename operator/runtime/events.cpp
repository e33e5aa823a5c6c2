#include "po/runtime/events.hpp"

#include <cstdio>
#include <random>

#include <spdlog/spdlog.h>

#include "po/kube/config.hpp"

namespace po::runtime {

using nlohmann::json;

EventAggregator::Decision EventAggregator::observe(const std::string& key, Clock::time_point now) {
  auto it = entries_.find(key);
  if (it != entries_.end() && now - it->second.first_seen > series_window_) {
    lru_.erase(it->second.lru);
    entries_.erase(it);
    it = entries_.end();
  }
  if (it == entries_.end() || it->second.name.empty()) return {Action::Create, {}, 1};
  Entry& e = it->second;
  ++e.count;
  lru_.splice(lru_.begin(), lru_, e.lru);
  if (now - e.last_written < update_interval_) return {Action::Skip, e.name, e.count};
  e.last_written = now;
  return {Action::UpdateSeries, e.name, e.count};
}

void EventAggregator::created(const std::string& key, const std::string& name, Clock::time_point now) {
  if (auto it = entries_.find(key); it != entries_.end()) {
    lru_.erase(it->second.lru);
    entries_.erase(it);
  }
  lru_.push_front(key);
  entries_[key] = Entry{name, 1, now, now, lru_.begin()};
  while (entries_.size() > capacity_) {
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
}

void EventAggregator::forget(const std::string& key) {
  if (auto it = entries_.find(key); it != entries_.end()) {
    lru_.erase(it->second.lru);
    entries_.erase(it);
  }
}

EventRecorder::EventRecorder(kube::Client& client, std::string reporting_controller, std::string reporting_instance)
    : client_(client), controller_(std::move(reporting_controller)), instance_(std::move(reporting_instance)) {}

std::size_t EventRecorder::writes() const {
  std::scoped_lock lock(mu_);
  return writes_;
}

void EventRecorder::record(const json& regarding, const std::string& type, const std::string& reason,
                           const std::string& action, const std::string& note) {
  const json& meta = regarding.contains("metadata") ? regarding["metadata"] : json::object();
  const std::string ns = meta.value("namespace", "default");
  const std::string name = meta.value("name", "");
  json ref = {{"apiVersion", regarding.value("apiVersion", "")},
              {"kind", regarding.value("kind", "")},
              {"name", name},
              {"namespace", meta.value("namespace", "")},
              {"uid", meta.value("uid", "")},
              {"resourceVersion", meta.value("resourceVersion", "")}};
  const std::string key = ref["kind"].get<std::string>() + "/" + ns + "/" + name + "/" + meta.value("uid", "") + "|" +
                          type + "|" + reason + "|" + action + "|" + note;
  const auto now = EventAggregator::Clock::now();
  const auto wall = std::chrono::system_clock::now();
  EventAggregator::Decision decision;
  {
    std::scoped_lock lock(mu_);
    decision = aggregator_.observe(key, now);
  }
  if (decision.action == EventAggregator::Action::Skip) return;
  if (decision.action == EventAggregator::Action::UpdateSeries) {
    const json patch = {{"series", {{"count", decision.count}, {"lastObservedTime", kube::format_rfc3339_micro(wall)}}}};
    auto r = client_.patch(kube::resources::kEvents, ns, decision.name, kube::PatchType::Merge, patch);
    std::scoped_lock lock(mu_);
    if (r) {
      ++writes_;
      return;
    }
    aggregator_.forget(key);  // deleted or expired: the next occurrence creates a new Event
    spdlog::warn("event {} on {}/{}: {}", reason, ns, name, r.error().to_string());
    return;
  }
  std::mt19937_64 rng{std::random_device{}()};
  char suffix[20];
  std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(rng()));
  const std::string event_name = name + "." + suffix;
  json event = {{"apiVersion", "events.k8s.io/v1"},
                {"kind", "Event"},
                {"metadata", {{"name", event_name}, {"namespace", ns}}},
                {"eventTime", kube::format_rfc3339_micro(wall)},
                {"reportingController", controller_},
                {"reportingInstance", instance_},
                {"action", action},
                {"reason", reason},
                {"regarding", ref},
                {"note", note.substr(0, 1024)},
                {"type", type}};
  auto r = client_.create(kube::resources::kEvents, ns, event);
  std::scoped_lock lock(mu_);
  if (!r) {
    spdlog::warn("event {} on {}/{}: {}", reason, ns, name, r.error().to_string());
    return;
  }
  ++writes_;
  aggregator_.created(key, event_name, now);
}

}  // namespace po::runtime
