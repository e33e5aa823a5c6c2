#include "po/platform/volume_growth.hpp"

#include "po/platform/spec.hpp"

namespace po::platform {

using nlohmann::json;

namespace {

const json& claim_templates(const json& statefulset) {
  static const json none = json::array();
  const auto ptr = json::json_pointer("/spec/volumeClaimTemplates");
  return statefulset.is_object() && statefulset.contains(ptr) && statefulset.at(ptr).is_array() ? statefulset.at(ptr) : none;
}

std::string text_at(const json& object, const char* ptr) {
  const auto p = json::json_pointer(ptr);
  return object.is_object() && object.contains(p) && object.at(p).is_string() ? object.at(p).get<std::string>() : std::string{};
}

}  // namespace

std::map<std::string, std::string> claim_template_sizes(const json& statefulset) {
  std::map<std::string, std::string> out;
  for (const auto& t : claim_templates(statefulset)) {
    out[text_at(t, "/metadata/name")] = text_at(t, "/spec/resources/requests/storage");
  }
  return out;
}

std::vector<std::string> stateful_claim_names(const json& statefulset) {
  std::vector<std::string> out;
  const auto name = text_at(statefulset, "/metadata/name");
  const auto replicas_ptr = json::json_pointer("/spec/replicas");
  const auto replicas = statefulset.contains(replicas_ptr) && statefulset.at(replicas_ptr).is_number_integer()
                            ? statefulset.at(replicas_ptr).get<int>()
                            : 1;
  for (const auto& [template_name, size] : claim_template_sizes(statefulset)) {
    for (int i = 0; i < replicas; ++i) out.push_back(template_name + "-" + name + "-" + std::to_string(i));
  }
  return out;
}

bool same_claim_sizes(const json& a, const json& b) {
  const auto x = claim_template_sizes(a);
  const auto y = claim_template_sizes(b);
  if (x.size() != y.size()) return false;
  for (const auto& [name, size] : x) {
    const auto it = y.find(name);
    if (it == y.end()) return false;
    if (size == it->second) continue;
    // The API server writes quantities in canonical form (1024Mi comes back as 1Gi).
    const auto p = parse_quantity_milli(size), q = parse_quantity_milli(it->second);
    if (!p || !q || *p != *q) return false;
  }
  return true;
}

VolumeGrowth plan_volume_growth(const json& desired, const json& live, const std::vector<ClaimState>& claims) {
  VolumeGrowth out;
  const auto want = claim_template_sizes(desired);
  const auto have = claim_template_sizes(live);
  if (same_claim_sizes(desired, live)) return out;
  out.changed = true;
  for (const auto& [template_name, size] : want) {
    const auto it = have.find(template_name);
    if (it == have.end()) {
      out.refused.push_back("volumeClaimTemplate " + template_name + " is new; a StatefulSet's templates cannot be added to");
      continue;
    }
    const auto target = parse_quantity_milli(size);
    const auto before = parse_quantity_milli(it->second);
    if (target && before && *target < *before) {
      out.refused.push_back("volumeClaimTemplate " + template_name + " asks " + size + ", less than its " + it->second +
                            ": volumes cannot shrink");
      continue;
    }
    for (const auto& claim : claims) {
      if (claim.template_name != template_name) continue;
      const auto now = parse_quantity_milli(claim.requested);
      if (!target || !now || *target == *now) continue;
      if (*target < *now) {
        out.refused.push_back("claim " + claim.name + " requests " + claim.requested + ", more than " + size +
                              ": volumes cannot shrink");
      } else if (claim.storage_class.empty()) {
        out.refused.push_back("claim " + claim.name + " cannot grow from " + claim.requested + " to " + size +
                              ": it has no StorageClass, so nothing can expand it");
      } else if (!claim.class_allows_expansion) {
        out.refused.push_back("claim " + claim.name + " cannot grow from " + claim.requested + " to " + size +
                              ": its StorageClass " + claim.storage_class + " does not exist");
      } else if (!*claim.class_allows_expansion) {
        out.refused.push_back("claim " + claim.name + " cannot grow from " + claim.requested + " to " + size +
                              ": its StorageClass " + claim.storage_class +
                              " does not allow volume expansion (allowVolumeExpansion is not true)");
      } else {
        out.grow.emplace_back(claim.name, size);
      }
    }
  }
  for (const auto& [template_name, size] : have) {
    if (want.count(template_name) == 0) {
      out.refused.push_back("volumeClaimTemplate " + template_name + " is gone from the spec; a StatefulSet's templates cannot be removed");
    }
  }
  if (!out.refused.empty()) out.grow.clear();  // all or nothing: the StatefulSet is re-created only once
  return out;
}

json with_live_claim_templates(json desired, const json& live) {
  const auto have = claim_template_sizes(live);
  const auto ptr = json::json_pointer("/spec/volumeClaimTemplates");
  if (!desired.is_object() || !desired.contains(ptr) || !desired.at(ptr).is_array()) return desired;
  for (auto& t : desired.at(ptr)) {
    const auto it = have.find(text_at(t, "/metadata/name"));
    if (it != have.end() && !it->second.empty()) t["spec"]["resources"]["requests"]["storage"] = it->second;
  }
  return desired;
}

}  // namespace po::platform
