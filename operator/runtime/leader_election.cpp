#include "po/runtime/leader_election.hpp"

#include <unistd.h>

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

bool LeaderElector::try_acquire_or_renew() {
  const auto now_wall = std::chrono::system_clock::now();
  const auto now = std::chrono::steady_clock::now();
  auto lease = client_.get(kube::resources::kLeases, config_.namespace_, config_.name);
  if (!lease) {
    if (!lease.error().not_found()) {
      spdlog::warn("leader election: reading lease {}/{}: {}", config_.namespace_, config_.name, lease.error().to_string());
      return false;
    }
    json object = {{"apiVersion", "coordination.k8s.io/v1"},
                   {"kind", "Lease"},
                   {"metadata", {{"name", config_.name}, {"namespace", config_.namespace_}}},
                   {"spec", lease_spec_for({}, config_.identity, config_.lease_duration, now_wall)}};
    object["spec"]["leaseTransitions"] = 0;  // the first holder is no transition
    auto created = client_.create(kube::resources::kLeases, config_.namespace_, object);
    if (!created) return false;
    observed_ = lease_record_from(*created);
    observed_at_ = now;
    return true;
  }
  const LeaseRecord record = lease_record_from(*lease);
  if (!observed_ || !(*observed_ == record)) {
    observed_ = record;
    observed_at_ = now;
  }
  if (!can_acquire(record, config_.identity, observed_at_, now)) return false;
  json updated = *lease;
  updated["spec"] = lease_spec_for(record, config_.identity, config_.lease_duration, now_wall);
  auto result = client_.replace(kube::resources::kLeases, config_.namespace_, config_.name, updated);
  if (!result) {
    if (!result.error().conflict())
      spdlog::warn("leader election: updating lease {}/{}: {}", config_.namespace_, config_.name, result.error().to_string());
    return false;
  }
  if (record.holder != config_.identity)
    spdlog::info("leader election: {} acquired lease {}/{}", config_.identity, config_.namespace_, config_.name);
  observed_ = lease_record_from(*result);
  observed_at_ = now;
  return true;
}

bool LeaderElector::release() {
  auto lease = client_.get(kube::resources::kLeases, config_.namespace_, config_.name);
  if (!lease) return false;
  if (lease_record_from(*lease).holder != config_.identity) return false;
  json updated = *lease;
  const std::string now = kube::format_rfc3339_micro(std::chrono::system_clock::now());
  updated["spec"]["holderIdentity"] = "";
  updated["spec"]["leaseDurationSeconds"] = 1;
  updated["spec"]["acquireTime"] = now;
  updated["spec"]["renewTime"] = now;
  auto result = client_.replace(kube::resources::kLeases, config_.namespace_, config_.name, updated);
  if (result) spdlog::info("leader election: released lease {}/{}", config_.namespace_, config_.name);
  return result.ok();
}

bool LeaderElector::run(std::stop_token stop, const std::function<void()>& on_started_leading,
                        const std::function<void()>& on_stopped_leading) {
  spdlog::info("leader election: {} waiting for lease {}/{}", config_.identity, config_.namespace_, config_.name);
  const auto retry = std::chrono::duration_cast<std::chrono::milliseconds>(config_.retry_period);
  // Acquire: retry every retry_period (with a little jitter so candidates do not move in lockstep).
  while (!try_acquire_or_renew()) {
    const auto wait = kube::apply_jitter(retry, 0.2, kube::unit_random());
    if (!kube::sleep_unless_stopped(wait, stop)) return true;
  }
  set_leader(true);
  if (on_started_leading) on_started_leading();
  // Renew: give up when renewals keep failing for renew_deadline.
  auto last_renew = std::chrono::steady_clock::now();
  while (kube::sleep_unless_stopped(retry, stop)) {
    if (try_acquire_or_renew()) {
      last_renew = std::chrono::steady_clock::now();
      continue;
    }
    if (std::chrono::steady_clock::now() - last_renew >= config_.renew_deadline) {
      spdlog::error("leader election: {} lost lease {}/{}", config_.identity, config_.namespace_, config_.name);
      set_leader(false);
      if (on_stopped_leading) on_stopped_leading();
      return false;
    }
  }
  release();
  set_leader(false);
  if (on_stopped_leading) on_stopped_leading();
  return true;
}

}  // namespace po::runtime
