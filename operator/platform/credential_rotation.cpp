#include "po/platform/credential_rotation.hpp"

#include <openssl/evp.h>

#include <algorithm>

#include "po/kube/config.hpp"
#include "po/platform/rollback.hpp"

namespace po::platform {

using nlohmann::json;
using std::chrono::seconds;

namespace {

std::string annotation(const json& object, std::string_view key) {
  const auto ptr = json::json_pointer("/metadata/annotations");
  if (!object.contains(ptr) || !object.at(ptr).is_object()) return "";
  const json& annotations = object.at(ptr);
  const auto it = annotations.find(std::string(key));
  return it != annotations.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string rfc3339(long long epoch_seconds) {
  return kube::format_rfc3339(std::chrono::system_clock::time_point(seconds(epoch_seconds)));
}

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

seconds until(long long deadline, long long now) { return seconds(std::max(1LL, deadline - now)); }

}  // namespace

ClientCredentialsSpec client_credentials_spec(const json& platform) {
  ClientCredentialsSpec spec;
  const auto ptr = json::json_pointer("/spec/api/clientCredentials");
  if (!platform.contains(ptr) || !platform.at(ptr).is_object()) return spec;
  const json& in = platform.at(ptr);
  const auto number = [&](const char* key, std::int32_t fallback) {
    const auto it = in.find(key);
    if (it == in.end() || !it->is_number_integer()) return fallback;
    return static_cast<std::int32_t>(std::clamp<std::int64_t>(it->get<std::int64_t>(), 0, kMaxCredentialSeconds));
  };
  spec.overlapSeconds = std::max(number("overlapSeconds", spec.overlapSeconds), kMinCredentialOverlapSeconds);
  spec.rotateEverySeconds = number("rotateEverySeconds", 0);
  if (spec.rotateEverySeconds <= spec.overlapSeconds) spec.rotateEverySeconds = 0;
  return spec;
}

std::string_view to_string(RotationAction action) {
  switch (action) {
    case RotationAction::None: return "None";
    case RotationAction::Stage: return "Stage";
    case RotationAction::Promote: return "Promote";
    case RotationAction::Retire: return "Retire";
  }
  return "None";
}

seconds effective_overlap(const ClientCredentialsSpec& spec, seconds propagation) {
  return std::max(seconds(spec.overlapSeconds), propagation);
}

RotationDecision decide_rotation(const json& secret, const ClientCredentialsSpec& spec, const std::optional<std::string>& request,
                                 seconds propagation, long long now) {
  const std::string phase = annotation(secret, kCredentialsPhaseAnnotation);
  // A step whose start is unreadable is over: the Secret was edited by hand; finish the rotation.
  const long long since = parse_rfc3339_utc(annotation(secret, kCredentialsPhaseSinceAnnotation)).value_or(0);
  if (phase == kPhaseStaged) {
    const long long due = since + propagation.count();
    if (now >= due) return {RotationAction::Promote, effective_overlap(spec, propagation), ""};
    return {RotationAction::None, until(due, now), ""};
  }
  if (phase == kPhasePromoted) {
    const long long due = since + effective_overlap(spec, propagation).count();
    if (now < due) return {RotationAction::None, until(due, now), ""};
    RotationDecision retire{RotationAction::Retire, std::nullopt, ""};
    if (spec.rotateEverySeconds > 0) {
      const long long started = parse_rfc3339_utc(annotation(secret, kCredentialsRotatedAnnotation)).value_or(now);
      retire.requeue_after = until(started + spec.rotateEverySeconds, now);
    }
    return retire;
  }
  if (!phase.empty()) return {RotationAction::Retire, std::nullopt, ""};

  if (request && *request != annotation(secret, kCredentialsRequestAnnotation))
    return {RotationAction::Stage, propagation, "requested"};
  if (spec.rotateEverySeconds <= 0) return {};
  // The first scheduled rotation counts from the Secret's creation.
  const auto last = parse_rfc3339_utc(annotation(secret, kCredentialsRotatedAnnotation));
  const auto created = secret.contains(json::json_pointer("/metadata/creationTimestamp"))
                           ? parse_rfc3339_utc(secret.at(json::json_pointer("/metadata/creationTimestamp")).get<std::string>())
                           : std::nullopt;
  const long long due = last.value_or(created.value_or(now)) + spec.rotateEverySeconds;
  if (now >= due) return {RotationAction::Stage, propagation, "scheduled"};
  return {RotationAction::None, until(due, now), ""};
}

json rotation_patch(const json& secret, RotationAction action, const std::vector<std::string>& clients,
                    const std::map<std::string, std::string>& fresh, const std::optional<std::string>& request, long long now) {
  const json data = secret.contains("data") && secret.at("data").is_object() ? secret.at("data") : json::object();
  const auto has = [&](const std::string& key) { return data.contains(key) && data.at(key).is_string(); };
  json patch_data = json::object();
  json annotations = json::object();
  switch (action) {
    case RotationAction::None:
      return json::object();
    case RotationAction::Stage:
      for (const auto& client : clients) patch_data[client + std::string(kNextKeySuffix)] = base64(fresh.at(client));
      annotations[std::string(kCredentialsPhaseAnnotation)] = std::string(kPhaseStaged);
      annotations[std::string(kCredentialsRotatedAnnotation)] = rfc3339(now);
      if (request) annotations[std::string(kCredentialsRequestAnnotation)] = *request;
      break;
    case RotationAction::Promote:
      for (const auto& client : clients) {
        const std::string next = client + std::string(kNextKeySuffix);
        if (!has(next)) continue;  // a client added since the rotation was staged keeps its one secret
        if (has(client)) patch_data[client + std::string(kPreviousKeySuffix)] = data.at(client);
        patch_data[client] = data.at(next);
        patch_data[next] = nullptr;
      }
      annotations[std::string(kCredentialsPhaseAnnotation)] = std::string(kPhasePromoted);
      break;
    case RotationAction::Retire:
      for (const auto& [key, value] : data.items()) {
        if (key.ends_with(kNextKeySuffix) || key.ends_with(kPreviousKeySuffix)) patch_data[key] = nullptr;
      }
      annotations[std::string(kCredentialsPhaseAnnotation)] = nullptr;
      annotations[std::string(kCredentialsPhaseSinceAnnotation)] = nullptr;
      break;
  }
  if (action != RotationAction::Retire) annotations[std::string(kCredentialsPhaseSinceAnnotation)] = rfc3339(now);
  json patch = {{"metadata", {{"annotations", annotations}}}, {"data", patch_data}};
  if (secret.contains(json::json_pointer("/metadata/resourceVersion")))
    patch["metadata"]["resourceVersion"] = secret.at(json::json_pointer("/metadata/resourceVersion"));
  return patch;
}

std::map<std::string, std::string> initial_rotation_annotations(const std::optional<std::string>& request) {
  if (!request) return {};
  return {{std::string(kCredentialsRequestAnnotation), *request}};
}

}  // namespace po::platform
