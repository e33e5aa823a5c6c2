// Leader election on a coordination.k8s.io/v1 Lease, with client-go's timing rules: a lease is taken over
// only when its record has not changed for leaseDuration as observed by our own clock, and a leader whose
// renewals keep failing gives up at the renew deadline, before the lease can run out in anyone else's eyes.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>

#include "po/kube/client.hpp"

namespace po::metrics {
class Registry;
class Gauge;
}  // namespace po::metrics

namespace po::runtime {

struct LeaderElectionConfig {
  std::string namespace_;
  std::string name;
  std::string identity;                       // unique per process: hostname + random suffix
  std::chrono::seconds lease_duration{15};
  std::chrono::seconds renew_deadline{10};    // < lease_duration: we stop before others may take over
  std::chrono::seconds retry_period{2};
};

// The Lease spec as the elector reads it.
struct LeaseRecord {
  std::string holder;
  int lease_duration_seconds = 0;
  std::string acquire_time;
  std::string renew_time;
  int transitions = 0;
  bool operator==(const LeaseRecord&) const = default;
};
LeaseRecord lease_record_from(const nlohmann::json& lease);
// The spec we write to take or keep the lease at `now`.
nlohmann::json lease_spec_for(const LeaseRecord& current, const std::string& identity, std::chrono::seconds duration,
                              std::chrono::system_clock::time_point now);
// May `identity` take the lease? observed_at is when we (locally) first saw `record` as it is now.
bool can_acquire(const LeaseRecord& record, const std::string& identity,
                 std::chrono::steady_clock::time_point observed_at, std::chrono::steady_clock::time_point now);

class LeaderElector {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Attempt { Held, HeldByOther, Failed };

  LeaderElector(kube::Client& client, LeaderElectionConfig config, metrics::Registry* registry = nullptr);

  // Blocks until stop is requested or leadership is lost. on_started_leading runs on this thread once the
  // lease is held and must return promptly (renewals wait for it); on_stopped_leading when it is lost.
  // Each renewal round is bounded by the renew deadline, counted from the start of the last renewal that
  // succeeded: requests are cut off at that deadline (however the server answers), and a lease found
  // held by another candidate is lost at once. On stop while leading the lease is released.
  // Returns true for a clean stop, false when leadership was lost.
  bool run(std::stop_token stop, const std::function<void()>& on_started_leading,
           const std::function<void()>& on_stopped_leading);
  bool is_leader() const { return leader_.load(); }
  // Leading, and the lease we last wrote has not run out by our clock: no other candidate can hold it.
  bool holds_lease(Clock::time_point now = Clock::now()) const;
  const LeaderElectionConfig& config() const { return config_; }

  // One attempt whose requests end by `deadline`; public for tests.
  Attempt attempt(Clock::time_point deadline);
  bool try_acquire_or_renew() { return attempt(Clock::now() + config_.renew_deadline) == Attempt::Held; }
  bool release();  // give the lease up if we hold it

 private:
  void set_leader(bool leader);
  kube::Result<nlohmann::json> call(std::string_view method, const std::string& path, const nlohmann::json& body,
                                    Clock::time_point deadline);

  kube::Client& client_;
  LeaderElectionConfig config_;
  std::atomic<bool> leader_{false};
  std::atomic<Clock::rep> valid_until_{0};  // steady-clock ticks: start of our last write + lease duration
  std::optional<LeaseRecord> observed_;    // only the run() thread touches observed_ and observed_at_
  Clock::time_point observed_at_{};
  metrics::Gauge* master_status_ = nullptr;
};

// hostname_<random hex>: a fresh identity per process.
std::string default_identity();

}  // namespace po::runtime
