// events.k8s.io/v1 Events with aggregation: a repeat of the same event (same object, type, reason, action,
// note) bumps series.count on the existing Event, written at most once per update interval, instead of
// creating a new object each time.
#pragma once
#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "po/kube/client.hpp"
#include "po/runtime/client.hpp"

namespace po::runtime {

// Pure bookkeeping of which event keys exist and when they were last written.
class EventAggregator {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Action { Create, UpdateSeries, Skip };
  struct Decision {
    Action action = Action::Create;
    std::string name;  // the Event's name (for UpdateSeries)
    int count = 1;     // occurrences so far, for series.count
  };
  explicit EventAggregator(std::chrono::seconds update_interval = std::chrono::seconds(30),
                           std::chrono::minutes series_window = std::chrono::minutes(30), std::size_t capacity = 4096)
      : update_interval_(update_interval), series_window_(series_window), capacity_(capacity) {}

  // An occurrence of key at now: what to write.
  Decision observe(const std::string& key, Clock::time_point now);
  // After a Create succeeded: remember its name.
  void created(const std::string& key, const std::string& name, Clock::time_point now);
  void forget(const std::string& key);  // the Event is gone (404 on update)
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string name;
    int count = 0;
    Clock::time_point first_seen{};
    Clock::time_point last_written{};
    std::list<std::string>::iterator lru;
  };
  std::chrono::seconds update_interval_;
  std::chrono::minutes series_window_;
  std::size_t capacity_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // most recent first
};

class EventRecorder final : public EventSink {
 public:
  EventRecorder(kube::Client& client, std::string reporting_controller, std::string reporting_instance);
  // type "Normal" | "Warning". Never throws; API failures are logged (events are best effort).
  void record(const nlohmann::json& regarding, const std::string& type, const std::string& reason,
              const std::string& action, const std::string& note) override;
  std::size_t writes() const;

 private:
  kube::Client& client_;
  std::string controller_;
  std::string instance_;
  mutable std::mutex mu_;  // guards aggregator_ and writes_
  EventAggregator aggregator_;
  std::size_t writes_ = 0;
};

}  // namespace po::runtime
