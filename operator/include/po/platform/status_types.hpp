// The status of a Platform (status of platform.a11y.dev/v1alpha1) as typed C++ values, field for field as
// the CRD has it, and its JSON; the operator writes it, platform_status.hpp keeps its books.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "po/platform/conditions.hpp"

namespace po::platform {

// A string field that is empty is absent (the CRD gives an empty string no meaning in any of them); numbers
// and booleans are optional where 0 or false is a value of its own; an empty list or map is absent.

// status.components.<component>
struct ComponentState {
  std::optional<bool> ready;
  std::optional<std::int64_t> replicas;
  std::optional<std::int64_t> readyReplicas;
  std::optional<std::int64_t> updatedReplicas;
  std::string revision;  // the Platform revision last applied to it
  std::string message;   // why it is not ready, when it is not
  bool operator==(const ComponentState&) const = default;
};

// status.revision: digests of the rendered stateless objects.
struct StatusRevision {
  std::string current;        // running now
  std::string lastGood;       // the last that rolled out; the rollback target
  std::string lastAttempted;  // the last the operator started to apply
  bool operator==(const StatusRevision&) const = default;
};

// How a rollout attempt ended (status.history[].result).
enum class RolloutResult { Progressing, Succeeded, Failed, Superseded };
std::string_view to_string(RolloutResult result);
std::optional<RolloutResult> parse_rollout_result(std::string_view text);

// status.history[]: one rollout attempt.
struct HistoryEntry {
  std::string revision;
  std::optional<std::int64_t> generation;  // metadata.generation that produced it
  std::string version;                     // spec.version of that generation
  std::optional<RolloutResult> result;
  std::string startedAt;
  std::string finishedAt;
  std::string message;  // why it failed (or recovered)
  bool operator==(const HistoryEntry&) const = default;
};

struct PlatformStatus {
  std::optional<std::int64_t> observedGeneration;
  std::optional<std::int64_t> replicas;  // observed API pods (the scale subresource)
  std::string componentsReady;           // "ready/total"
  std::string lastRollbackTime;
  std::string selector;                  // the API pods' label selector (the scale subresource)
  std::vector<Condition> conditions;
  std::map<std::string, ComponentState> components;  // api, frontend, gateway, database, cache, monitoring
  StatusRevision revision;
  std::vector<HistoryEntry> history;                  // oldest first
  std::map<std::string, std::string> endpoints;       // gateway, api, grafana, prometheus, alertmanager -> URL
  bool operator==(const PlatformStatus&) const = default;
};

// The JSON of a status, also what a status apply sends: absent fields and empty lists and maps are left
// out. Server-side apply turns an empty object sent where the live one had fields into null, which the
// CRD's schema refuses (422), so an empty field is left out instead (which removes it, as the applier no
// longer owns anything there).
void to_json(nlohmann::json& j, const PlatformStatus& status);
// Reads what the CRD allows; a value of another type (which the API server would not have stored) is
// ignored, as is a field the status does not have.
void from_json(const nlohmann::json& j, PlatformStatus& status);

}  // namespace po::platform
