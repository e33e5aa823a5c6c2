#include "po/platform/stateful.hpp"

#include <charconv>

#include "po/platform/rollback.hpp"

namespace po::platform {

using nlohmann::json;

std::optional<int> postgres_major(std::string_view version) {
  const auto dot = version.find('.');
  const auto major = version.substr(0, dot);
  int value = 0;
  const auto [end, ec] = std::from_chars(major.data(), major.data() + major.size(), value);
  if (ec != std::errc{} || end != major.data() + major.size() || major.empty() || value <= 0) return std::nullopt;
  if (dot != std::string_view::npos) {
    const auto minor = version.substr(dot + 1);
    int ignored = 0;
    const auto [mend, mec] = std::from_chars(minor.data(), minor.data() + minor.size(), ignored);
    if (mec != std::errc{} || mend != minor.data() + minor.size() || minor.empty()) return std::nullopt;
  }
  return value;
}

std::optional<int> running_postgres_major(const json* statefulset) {
  if (statefulset == nullptr) return std::nullopt;
  const auto ptr = json::json_pointer("/spec/template/spec/containers");
  if (!statefulset->contains(ptr) || !statefulset->at(ptr).is_array()) return std::nullopt;
  for (const auto& c : statefulset->at(ptr)) {
    if (!c.is_object() || c.value("name", "") != "postgres") continue;
    const auto image = c.value("image", "");
    const auto colon = image.rfind(':');
    if (colon == std::string::npos || image.find('/', colon) != std::string::npos) return std::nullopt;
    return postgres_major(std::string_view(image).substr(colon + 1));
  }
  return std::nullopt;
}

std::optional<int> recorded_postgres_major(const json& claim) {
  const auto ptr = json::json_pointer("/metadata/labels");
  if (!claim.contains(ptr) || !claim.at(ptr).is_object()) return std::nullopt;
  const auto value = claim.at(ptr).value(std::string(kPostgresMajorLabel), "");
  if (value.find('.') != std::string::npos) return std::nullopt;
  return postgres_major(value);
}

std::optional<std::string> refuse_postgres_downgrade(std::optional<int> running, const std::string& desired_version) {
  const auto desired = postgres_major(desired_version);
  if (!running || !desired || *desired >= *running) return std::nullopt;
  return "spec.database.managed.version: PostgreSQL " + std::to_string(*running) + " runs on this data; " +
         desired_version + " is an older major version, which cannot read it. Downgrades are refused: set the " +
         "version back to " + std::to_string(*running) + " or later (restore a backup into a new Platform to go back)";
}

namespace {

std::string label(const json& object, const char* key) {
  const auto ptr = json::json_pointer("/metadata/labels");
  if (!object.contains(ptr) || !object.at(ptr).is_object()) return {};
  return object.at(ptr).value(key, "");
}

bool pod_ready(const json& pod) {
  const auto ptr = json::json_pointer("/status/conditions");
  if (!pod.contains(ptr) || !pod.at(ptr).is_array()) return false;
  for (const auto& c : pod.at(ptr)) {
    if (c.is_object() && c.value("type", "") == "Ready") return c.value("status", "") == "True";
  }
  return false;
}

std::string text_at(const json& object, const char* pointer) {
  const auto ptr = json::json_pointer(pointer);
  return object.contains(ptr) && object.at(ptr).is_string() ? object.at(ptr).get<std::string>() : std::string{};
}

}  // namespace

StatefulPodsVerdict judge_stateful_pods(const json& statefulset, const std::vector<json>& pods, long long now,
                                        int deadline_seconds) {
  StatefulPodsVerdict out;
  if (text_at(statefulset, "/spec/updateStrategy/type") == "OnDelete") return out;
  const auto current = text_at(statefulset, "/status/currentRevision");
  const auto update = text_at(statefulset, "/status/updateRevision");
  if (current.empty() || update.empty()) return out;
  for (const auto& pod : pods) {
    if (!pod.is_object() || pod.contains(json::json_pointer("/metadata/deletionTimestamp"))) continue;
    const auto revision = label(pod, "controller-revision-hash");
    if (revision.empty() || pod_ready(pod)) continue;
    const auto name = text_at(pod, "/metadata/name");
    if (revision != current && revision != update) {
      out.abandoned.push_back({name, text_at(pod, "/metadata/uid"), revision});
      continue;
    }
    if (revision != update || update == current) continue;
    const auto created = parse_rfc3339_utc(text_at(pod, "/metadata/creationTimestamp"));
    if (created && now - *created > deadline_seconds) {
      out.failed = true;
      if (!out.message.empty()) out.message += "; ";
      // No elapsed time in the text: it ends up in a condition, which must not change while nothing does.
      out.message += "pod " + name + " of the update (created " + text_at(pod, "/metadata/creationTimestamp") +
                     ") is not ready after progressDeadlineSeconds " + std::to_string(deadline_seconds) +
                     "; stateful components are not rolled back automatically";
    }
  }
  return out;
}

}  // namespace po::platform
