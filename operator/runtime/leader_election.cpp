#include "po/runtime/leader_election.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include <spdlog/spdlog.h>

#include "po/common/metrics.hpp"
#include "po/kube/backoff.hpp"
#include "po/kube/config.hpp"

namespace po::runtime {

using nlohmann::json;

LeaseRecord lease_record_from(const json& lease) {
  LeaseRecord r;
  const auto spec = lease.find("spec");
  if (spec == lease.end() || !spec->is_object()) return r;
  r.holder = spec->value("holderIdentity", "");
  r.lease_duration_seconds = spec->value("leaseDurationSeconds", 0);
  r.acquire_time = spec->value("acquireTime", "");
  r.renew_time = spec->value("renewTime", "");
  r.transitions = spec->value("leaseTransitions", 0);
  return r;
}

json lease_spec_for(const LeaseRecord& current, const std::string& identity, std::chrono::seconds duration,
                    std::chrono::system_clock::time_point now) {
  const std::string now_text = kube::format_rfc3339_micro(now);
  const bool ours = current.holder == identity;
  json spec = {{"holderIdentity", identity},
               {"leaseDurationSeconds", duration.count()},
               {"acquireTime", ours && !current.acquire_time.empty() ? current.acquire_time : now_text},
               {"renewTime", now_text},
               {"leaseTransitions", ours ? current.transitions : current.transitions + 1}};  // as client-go counts
  return spec;
}

bool can_acquire(const LeaseRecord& record, const std::string& identity, std::chrono::steady_clock::time_point observed_at,
                 std::chrono::steady_clock::time_point now) {
  if (record.holder.empty() || record.holder == identity) return true;
  return now >= observed_at + std::chrono::seconds(record.lease_duration_seconds);
}

std::string default_identity() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "unknown");
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", rd());
  return std::string(host) + "_" + suffix;
}

LeaderElector::LeaderElector(kube::Client& client, LeaderElectionConfig config, metrics::Registry* registry)
    : client_(client), config_(std::move(config)) {
  if (registry != nullptr) {
    master_status_ = &registry->gauge("leader_election_master_status",
                                      "Gauge of if the reporting system is master of the relevant lease, 0 indicates "
                                      "backup, 1 indicates master. 'name' is the string used to identify the lease.")
                          .with({{"name", config_.name}});
    master_status_->set(0);
  }
}

void LeaderElector::set_leader(bool leader) {
  leader_ = leader;
  if (master_status_) master_status_->set(leader ? 1 : 0);
}

bool LeaderElector::holds_lease(Clock::time_point now) const {
  return leader_.load() && now.time_since_epoch().count() < valid_until_.load();
}

kube::Result<json> LeaderElector::call(std::string_view method, const std::string& path, const json& body,
                                       Clock::time_point deadline) {
  return client_.request(method, path, body.is_null() ? std::string() : body.dump(), "application/json", deadline);
}

LeaderElector::Attempt LeaderElector::attempt(Clock::time_point deadline) {
  const auto now_wall = std::chrono::system_clock::now();
  const auto started = Clock::now();
  const std::string item = kube::resource_path(kube::resources::kLeases, config_.namespace_, config_.name);
  // Others count the lease from when they see our write, which is after we started it: the lease is ours
  // until at least started + lease duration.
  auto wrote = [&](const json& lease) {
    observed_ = lease_record_from(lease);
    observed_at_ = started;
    valid_until_ = (started + config_.lease_duration).time_since_epoch().count();
    return Attempt::Held;
  };
  auto lease = call("GET", item, nullptr, deadline);
  if (!lease) {
    if (!lease.error().not_found()) {
      spdlog::warn("leader election: reading lease {}/{}: {}", config_.namespace_, config_.name, lease.error().to_string());
      return Attempt::Failed;
    }
    json object = {{"apiVersion", "coordination.k8s.io/v1"},
                   {"kind", "Lease"},
                   {"metadata", {{"name", config_.name}, {"namespace", config_.namespace_}}},
                   {"spec", lease_spec_for({}, config_.identity, config_.lease_duration, now_wall)}};
    object["spec"]["leaseTransitions"] = 0;  // the first holder is no transition
    auto created = call("POST", kube::resource_path(kube::resources::kLeases, config_.namespace_), object, deadline);
    if (!created) return Attempt::Failed;
    return wrote(*created);
  }
  const LeaseRecord record = lease_record_from(*lease);
  if (!observed_ || !(*observed_ == record)) {
    observed_ = record;
    observed_at_ = started;
  }
  if (!can_acquire(record, config_.identity, observed_at_, started)) return Attempt::HeldByOther;
  json updated = *lease;
  updated["spec"] = lease_spec_for(record, config_.identity, config_.lease_duration, now_wall);
  auto result = call("PUT", item, updated, deadline);
  if (!result) {
    if (!result.error().conflict())
      spdlog::warn("leader election: updating lease {}/{}: {}", config_.namespace_, config_.name, result.error().to_string());
    return Attempt::Failed;
  }
  if (record.holder != config_.identity)
    spdlog::info("leader election: {} acquired lease {}/{}", config_.identity, config_.namespace_, config_.name);
  return wrote(*result);
}

bool LeaderElector::release() {
  const auto deadline = Clock::now() + config_.renew_deadline;
  const std::string item = kube::resource_path(kube::resources::kLeases, config_.namespace_, config_.name);
  auto lease = call("GET", item, nullptr, deadline);
  if (!lease) return false;
  if (lease_record_from(*lease).holder != config_.identity) return false;
  json updated = *lease;
  const std::string now = kube::format_rfc3339_micro(std::chrono::system_clock::now());
  updated["spec"]["holderIdentity"] = "";
  updated["spec"]["leaseDurationSeconds"] = 1;
  updated["spec"]["acquireTime"] = now;
  updated["spec"]["renewTime"] = now;
  auto result = call("PUT", item, updated, deadline);
  if (result) spdlog::info("leader election: released lease {}/{}", config_.namespace_, config_.name);
  return result.ok();
}

bool LeaderElector::run(std::stop_token stop, const std::function<void()>& on_started_leading,
                        const std::function<void()>& on_stopped_leading) {
  spdlog::info("leader election: {} waiting for lease {}/{}", config_.identity, config_.namespace_, config_.name);
  const auto retry = std::chrono::duration_cast<std::chrono::milliseconds>(config_.retry_period);
  // Acquire: retry every retry_period (with a little jitter so candidates do not move in lockstep).
  auto last_renew = Clock::now();
  while (attempt(last_renew + config_.renew_deadline) != Attempt::Held) {
    const auto wait = kube::apply_jitter(retry, 0.2, kube::unit_random());
    if (!kube::sleep_unless_stopped(wait, stop)) return true;
    last_renew = Clock::now();
  }
  set_leader(true);
  if (on_started_leading) on_started_leading();
  auto lose = [&](const char* why) {
    spdlog::error("leader election: {} lost lease {}/{}: {}", config_.identity, config_.namespace_, config_.name, why);
    set_leader(false);
    if (on_stopped_leading) on_stopped_leading();
    return false;
  };
  // Renew every retry_period; a failed attempt is retried within the round, which ends at the renew
  // deadline counted from the last renewal that succeeded (a request in flight then is cut off).
  auto wait = retry;
  while (kube::sleep_unless_stopped(wait, stop)) {
    const auto deadline = last_renew + config_.renew_deadline;
    const auto started = Clock::now();
    switch (attempt(deadline)) {
      case Attempt::Held:
        last_renew = started;
        wait = retry;
        continue;
      case Attempt::HeldByOther:
        return lose(("held by " + (observed_ ? observed_->holder : std::string("another candidate"))).c_str());
      case Attempt::Failed:
        break;
    }
    const auto now = Clock::now();
    if (now >= deadline) return lose("renew deadline passed");
    wait = std::min(retry, std::chrono::ceil<std::chrono::milliseconds>(deadline - now));
  }
  set_leader(false);
  release();
  if (on_stopped_leading) on_stopped_leading();
  return true;
}

}  // namespace po::runtime
