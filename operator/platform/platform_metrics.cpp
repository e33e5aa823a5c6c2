// Per-Platform metrics: state families computed from status at scrape time, counters from events.
#include "po/platform/platform_metrics.hpp"

#include <ctime>
#include <optional>

namespace po::platform {
namespace {

using nlohmann::json;
using metrics::format_header;
using metrics::format_sample;
using metrics::Labels;

constexpr std::string_view kConditionTypes[] = {"Ready", "Reconciling", "Stalled", "Degraded", "RolledBack", "ReconciliationPaused"};
constexpr std::string_view kStatuses[] = {"True", "False", "Unknown"};
constexpr std::string_view kErrorReasons[] = {"InvalidSpec",     "DowngradeRefused", "ApplyFailed",   "ApplyRejected",
                                              "RetriesExceeded", "RolloutFailed",    "RollbackFailed", "StatefulUpdateFailed"};

std::string text(const json& object, const char* pointer) {
  const json::json_pointer ptr(pointer);
  return object.contains(ptr) && object[ptr].is_string() ? object[ptr].get<std::string>() : std::string();
}
double number(const json& object, const char* pointer) {
  const json::json_pointer ptr(pointer);
  return object.contains(ptr) && object[ptr].is_number() ? object[ptr].get<double>() : 0;
}

// RFC 3339 UTC time (as the operator writes it) in seconds since the epoch.
std::optional<double> epoch_seconds(const std::string& time) {
  std::tm tm{};
  const char* end = strptime(time.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) return std::nullopt;
  return static_cast<double>(timegm(&tm));
}

}  // namespace

std::string platform_state_metrics(const std::vector<json>& platforms) {
  std::string info, condition, generation, observed, components, ready, rollback;
  for (const json& p : platforms) {
    const Labels id = {{"namespace", text(p, "/metadata/namespace")}, {"name", text(p, "/metadata/name")}};
    const json status = p.contains("status") && p["status"].is_object() ? p["status"] : json::object();
    Labels info_labels = id;
    info_labels.emplace_back("version", text(p, "/spec/version"));
    // Short digests, as the events and conditions print them: one series per Platform at any time.
    info_labels.emplace_back("revision", text(status, "/revision/current").substr(0, 12));
    info_labels.emplace_back("last_good_revision", text(status, "/revision/lastGood").substr(0, 12));
    info += format_sample("platform_info", info_labels, 1);
    generation += format_sample("platform_generation", id, number(p, "/metadata/generation"));
    observed += format_sample("platform_observed_generation", id, number(status, "/observedGeneration"));
    if (status.contains("conditions") && status["conditions"].is_array()) {
      for (const json& c : status["conditions"]) {
        const std::string type = c.value("type", "");
        bool known = false;
        for (auto t : kConditionTypes) known |= t == type;
        if (!known) continue;
        for (auto s : kStatuses) {
          Labels labels = id;
          labels.emplace_back("type", type);
          labels.emplace_back("status", std::string(s));
          condition += format_sample("platform_condition", labels, c.value("status", "") == s ? 1 : 0);
        }
      }
    }
    if (status.contains("components") && status["components"].is_object()) {
      double total = 0, ready_count = 0;
      for (const auto& component : status["components"]) {
        total += 1;
        ready_count += component.is_object() && component.value("ready", false) ? 1 : 0;
      }
      components += format_sample("platform_components", id, total);
      ready += format_sample("platform_components_ready", id, ready_count);
    }
    if (auto at = epoch_seconds(text(status, "/lastRollbackTime"))) rollback += format_sample("platform_last_rollback_timestamp_seconds", id, *at);
  }
  std::string out;
  auto family = [&out](std::string_view name, std::string_view help, const std::string& samples) {
    if (samples.empty()) return;
    out += format_header(name, help, "gauge");
    out += samples;
  };
  family("platform_info", "A Platform's spec.version and its current and last good revisions (12-character digests).", info);
  family("platform_condition", "The status of each condition of a Platform (1 for the current status).", condition);
  family("platform_generation", "metadata.generation of a Platform.", generation);
  family("platform_observed_generation", "status.observedGeneration of a Platform; behind platform_generation while a change is pending.", observed);
  family("platform_components", "Components of a Platform the operator deployed.", components);
  family("platform_components_ready", "Components of a Platform that are ready.", ready);
  family("platform_last_rollback_timestamp_seconds", "When the operator last rolled a Platform back to its last good revision.", rollback);
  return out;
}

std::string_view error_reason_label(std::string_view event_reason) {
  for (auto reason : kErrorReasons)
    if (reason == event_reason) return reason;
  if (event_reason == "RolledBack" || event_reason == "RevisionHeld") return {};
  return "Other";
}

MetricsEventSink::MetricsEventSink(runtime::EventSink& next, metrics::Registry& registry)
    : next_(next),
      rollbacks_(registry.counter("platform_rollbacks_total", "Rollbacks of a Platform to its last good revision.")),
      errors_(registry.counter("platform_reconcile_errors_total",
                               "Reconcile failures of a Platform by reason (the reason of the Warning event).")) {}

void MetricsEventSink::record(const json& regarding, const std::string& type, const std::string& reason, const std::string& action,
                              const std::string& note) {
  // The reconciler reports on Platforms only; a cached object may lack kind (list items do).
  if (const std::string kind = regarding.value("kind", ""); kind == "Platform" || kind.empty()) {
    const Labels id = {{"namespace", text(regarding, "/metadata/namespace")}, {"name", text(regarding, "/metadata/name")}};
    if (reason == "RolledBack") rollbacks_.with(id).inc();
    if (type == "Warning") {
      if (const auto label = error_reason_label(reason); !label.empty()) {
        Labels labels = id;
        labels.emplace_back("reason", std::string(label));
        errors_.with(labels).inc();
      }
    }
  }
  next_.record(regarding, type, reason, action, note);
}

}  // namespace po::platform
