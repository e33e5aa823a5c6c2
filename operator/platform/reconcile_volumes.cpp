// Part of phase 8 (apply): a StatefulSet whose claim sizes changed. Its volumeClaimTemplates cannot be
// updated in place, so the claims grow first, then the StatefulSet is deleted with its pods orphaned
// (they keep running) and the next pass applies it with the new templates; it adopts the pods. The
// decisions are volume_growth.hpp's; this is the I/O around them.
#include <spdlog/spdlog.h>

#include "po/platform/reconciler.hpp"
#include "po/platform/volume_growth.hpp"
#include "reconcile_attempt.hpp"

namespace po::platform {

using nlohmann::json;
using namespace reconcile;

namespace {
const kube::GroupVersionResource kStorageClasses{"storage.k8s.io", "v1", "storageclasses", false};
}

kube::Result<std::optional<json>> PlatformReconciler::grow_volumes(Attempt& a, const json& manifest) {
  if (manifest.value("kind", "") != "StatefulSet" || claim_template_sizes(manifest).empty()) return std::optional<json>(manifest);
  const auto& statefulsets = *resource_for("apps/v1", "StatefulSet");
  const auto sts = str(manifest, "/metadata/name");
  runtime::ObjectPtr hold;
  const json* live = cached_child(statefulsets, a.ns + "/" + sts, hold);
  if (live == nullptr) return std::optional<json>(manifest);  // created with the templates as rendered
  if (live->contains(json::json_pointer("/metadata/deletionTimestamp"))) return std::optional<json>();  // being re-created
  if (same_claim_sizes(*live, manifest)) return std::optional<json>(manifest);

  // The claims as they are (the cache keeps no claim specs) and what their StorageClasses allow.
  const auto& pvcs = *resource_for("v1", "PersistentVolumeClaim");
  std::map<std::string, std::optional<bool>> classes;
  std::vector<ClaimState> claims;
  const auto sizes = claim_template_sizes(*live);
  for (const auto& [template_name, size] : sizes) {
    json one = *live;
    one["spec"]["volumeClaimTemplates"] = json::array({{{"metadata", {{"name", template_name}}}}});
    for (const auto& claim_name : stateful_claim_names(one)) {
      auto claim = api_.get(pvcs, a.ns, claim_name);
      if (!claim.ok() && claim.error().not_found()) continue;  // made with the new size when its pod starts
      if (!claim.ok()) return claim.error();
      ClaimState state{claim_name, template_name, str(*claim, "/spec/resources/requests/storage"),
                       str(*claim, "/spec/storageClassName"), std::nullopt};
      if (!state.storage_class.empty()) {
        if (!classes.contains(state.storage_class)) {
          auto sc = api_.get(kStorageClasses, "", state.storage_class);
          if (sc.ok()) {
            classes[state.storage_class] = sc->value("allowVolumeExpansion", false);
          } else if (sc.error().not_found()) {
            classes[state.storage_class] = std::nullopt;
          } else {
            return sc.error();
          }
        }
        state.class_allows_expansion = classes[state.storage_class];
      }
      claims.push_back(std::move(state));
    }
  }

  const auto plan = plan_volume_growth(manifest, *live, claims);
  if (!plan.refused.empty()) {
    for (const auto& why : plan.refused) a.volume_refusals.push_back("StatefulSet " + sts + ": " + why);
    return std::optional<json>(with_live_claim_templates(manifest, *live));
  }
  std::string grown;
  for (const auto& [claim_name, size] : plan.grow) {
    const json patch = {{"spec", {{"resources", {{"requests", {{"storage", size}}}}}}}};
    auto r = writer_.patch(pvcs, a.ns, claim_name, kube::PatchType::Merge, patch);
    if (!r.ok()) return r.error();
    grown += (grown.empty() ? "" : ", ") + claim_name + " to " + size;
  }
  // Orphan: the pods (and claims) stay; the StatefulSet applied next adopts them.
  auto r = writer_.remove(statefulsets, a.ns, sts, {"Orphan", str(*live, "/metadata/uid"), {}, {}});
  if (!r.ok() && !r.error().not_found()) return r.error();
  const auto message = (grown.empty() ? std::string("claims already at the new size") : "grew claim " + grown) +
                       "; re-creating StatefulSet " + sts + " with the new volumeClaimTemplates (its pods keep running)";
  spdlog::info("platform {}/{}: {}", a.ns, a.name, message);
  events_.record(a.platform, "Normal", "VolumesExpanding", "Resize", message);
  applied_.forget_prefix(a.key + "|" + statefulsets.resource + "/" + sts);
  return std::optional<json>();
}

}  // namespace po::platform
