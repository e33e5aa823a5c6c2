// The operator's per-Platform metrics. State (conditions, generations, revision, components, last
// rollback) is read from the Platforms' status at each scrape, so a deleted Platform's series go with
// it; counts of rollbacks and reconcile errors come from the reconciler's Warning events. Every label
// set is bounded: condition types, statuses and error reasons are fixed lists.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "po/common/metrics.hpp"
#include "po/runtime/client.hpp"

namespace po::platform {

// Exposition text of the platform_* state families for these Platform objects (as the cache holds them).
std::string platform_state_metrics(const std::vector<nlohmann::json>& platforms);

// The reason label of platform_reconcile_errors_total: the reconciler's failure reasons by name, any
// other Warning reason as "Other"; empty for Warning events that are not errors (RolledBack, RevisionHeld).
std::string_view error_reason_label(std::string_view event_reason);

// Passes every event on to `next` and counts platform_rollbacks_total and platform_reconcile_errors_total.
class MetricsEventSink final : public runtime::EventSink {
 public:
  MetricsEventSink(runtime::EventSink& next, metrics::Registry& registry);
  void record(const nlohmann::json& regarding, const std::string& type, const std::string& reason,
              const std::string& action, const std::string& note) override;

 private:
  runtime::EventSink& next_;
  metrics::CounterFamily& rollbacks_;
  metrics::CounterFamily& errors_;
};

}  // namespace po::platform
