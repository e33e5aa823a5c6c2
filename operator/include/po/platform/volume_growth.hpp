// Growing the data volumes of a running StatefulSet (spec.database.managed.storage.size and the other
// storage sizes). A StatefulSet's volumeClaimTemplates cannot be changed in place, so the operator grows
// each existing claim (where its StorageClass allows expansion), then deletes the StatefulSet with
// propagationPolicy Orphan (its pods keep running) and applies it again with the new templates; the new
// StatefulSet adopts the running pods. Where a claim cannot grow, nothing changes and the Platform says
// why (condition VolumeExpansionRefused, Event). The decisions are pure functions here.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace po::platform {

// The requested size of each volumeClaimTemplate of a StatefulSet, by template name.
std::map<std::string, std::string> claim_template_sizes(const nlohmann::json& statefulset);

// Whether two StatefulSets' templates ask the same sizes (as quantities: 1024Mi is 1Gi).
bool same_claim_sizes(const nlohmann::json& a, const nlohmann::json& b);

// The claims the StatefulSet's pods use: <template>-<statefulset>-<ordinal> for every ordinal below its
// replica count.
std::vector<std::string> stateful_claim_names(const nlohmann::json& statefulset);

// One existing claim, as the decision needs it.
struct ClaimState {
  std::string name;
  std::string template_name;   // the volumeClaimTemplate it was made from
  std::string requested;       // spec.resources.requests.storage
  std::string storage_class;   // spec.storageClassName ("" when none)
  std::optional<bool> class_allows_expansion;  // nullopt: the StorageClass does not exist
};

struct VolumeGrowth {
  std::vector<std::pair<std::string, std::string>> grow;  // claim -> new requested size
  std::vector<std::string> refused;                        // why a claim (or a template) cannot follow the spec
  bool changed = false;                                    // the templates differ from the live ones
};

// What to do when the rendered StatefulSet's claim templates differ from the live one's: grow the claims
// whose StorageClass allows expansion; refuse shrinking and claims whose class does not allow it.
VolumeGrowth plan_volume_growth(const nlohmann::json& desired, const nlohmann::json& live,
                                const std::vector<ClaimState>& claims);

// The rendered StatefulSet with the live one's claim sizes in its volumeClaimTemplates (so that the rest
// of it applies while its volumes cannot follow the spec).
nlohmann::json with_live_claim_templates(nlohmann::json desired, const nlohmann::json& live);

}  // namespace po::platform
