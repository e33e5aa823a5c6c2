// Zero-downtime rotation of the generated client credentials (<name>-api-clients: one key per client of
// the api's token endpoint). Mounted Secret files change in every pod on the kubelet's schedule, up to a
// minute or two apart, so a rotation has three steps and the api accepts <client>, <client>.next and
// <client>.previous (app/server/clients.hpp) throughout:
//   Staged    <client>.next = a new secret: the api learns it before any client can present it;
//   Promoted  after the propagation delay, <client> = the new secret, <client>.previous = the old one;
//   (idle)    after the overlap, <client>.previous is retired.
// The state lives in annotations on the Secret (never in the Platform's status, never in a log). The
// decisions here are pure; reconcile_secrets.cpp reads, writes and records the Events.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>


namespace po::platform {

// On the Platform: a new value (any value different from the one handled last) starts one rotation.
inline constexpr std::string_view kRotateClientCredentialsAnnotation = "platform.a11y.dev/rotate-client-credentials";
// On the Secret: the step under way (Staged or Promoted; absent when none), when it began, when the last
// rotation began, and the value of the Platform's annotation handled last.
inline constexpr std::string_view kCredentialsPhaseAnnotation = "platform.a11y.dev/credentials-phase";
inline constexpr std::string_view kCredentialsPhaseSinceAnnotation = "platform.a11y.dev/credentials-phase-since";
inline constexpr std::string_view kCredentialsRotatedAnnotation = "platform.a11y.dev/credentials-last-rotation";
inline constexpr std::string_view kCredentialsRequestAnnotation = "platform.a11y.dev/credentials-rotation-request";
inline constexpr std::string_view kPhaseStaged = "Staged";
inline constexpr std::string_view kPhasePromoted = "Promoted";
inline constexpr std::string_view kNextKeySuffix = ".next";
inline constexpr std::string_view kPreviousKeySuffix = ".previous";

// Bounds of spec.api.clientCredentials (the CRD says the same).
inline constexpr std::int32_t kMinCredentialOverlapSeconds = 60;
inline constexpr std::int32_t kMaxCredentialSeconds = 31622400;  // 366 days

// spec.api.clientCredentials. Only the rotation reads it (nothing rendered depends on it), so it is read
// here from the Platform as the API server stored it, defaults and admission checks applied: the CRD's
// schema and CEL rule are its validation. Values the CRD would refuse (an object written before the CRD
// was updated) are taken in bounds: the overlap clamped, a schedule not longer than the overlap ignored.
struct ClientCredentialsSpec {
  std::int32_t rotateEverySeconds = 0;  // 0: only on request
  std::int32_t overlapSeconds = 3600;   // how long the previous secrets stay valid after a rotation
};
ClientCredentialsSpec client_credentials_spec(const nlohmann::json& platform);

enum class RotationAction { None, Stage, Promote, Retire };
std::string_view to_string(RotationAction action);

struct RotationDecision {
  RotationAction action = RotationAction::None;
  // When to look again: a step ends, or a scheduled rotation falls due. nullopt: nothing is pending.
  std::optional<std::chrono::seconds> requeue_after;
  std::string trigger;  // Stage: "requested" (the Platform's annotation) or "scheduled"
};

// The overlap in effect: never shorter than the propagation delay, or a client that has not yet seen the
// promoted secret would still present one that is already retired.
std::chrono::seconds effective_overlap(const ClientCredentialsSpec& spec, std::chrono::seconds propagation);

// What to do with the Secret now. `secret` needs only its metadata (annotations, creationTimestamp): the
// informer's slim copy will do. `request` is the Platform's kRotateClientCredentialsAnnotation, if set;
// `now` is seconds since the epoch. A Secret in an unknown step is retired (back to one secret per client).
RotationDecision decide_rotation(const nlohmann::json& secret, const ClientCredentialsSpec& spec,
                                 const std::optional<std::string>& request, std::chrono::seconds propagation, long long now);

// The merge patch that takes the Secret (as read from the API server, with data) through `action`, with its
// resourceVersion as precondition. `fresh` holds a new secret per client (Stage only); `clients` are the
// Secret's client keys; `request` is recorded as handled (Stage). Values stay base64 as the API has them.
nlohmann::json rotation_patch(const nlohmann::json& secret, RotationAction action, const std::vector<std::string>& clients,
                              const std::map<std::string, std::string>& fresh, const std::optional<std::string>& request,
                              long long now);

// The annotations a new api-clients Secret starts with: the Platform's request, if any, counts as handled
// (a Secret that was just generated needs no rotation).
std::map<std::string, std::string> initial_rotation_annotations(const std::optional<std::string>& request);

}  // namespace po::platform
