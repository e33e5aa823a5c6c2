// Phase 4 of a reconcile: the generated Secrets (render_generated_secret), created once from a CSPRNG and
// never logged; their owner follows whenDeleted (generated_secret_owned). Only the client credentials are
// ever rewritten, by a rotation (credential_rotation.hpp); every other generated Secret keeps its values.
#include "po/platform/reconciler.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <set>

#include "po/platform/child_status.hpp"
#include "po/platform/credential_rotation.hpp"
#include "po/platform/pod_diagnosis.hpp"
#include "po/platform/conditions.hpp"
#include "po/platform/platform_status.hpp"
#include "po/platform/render.hpp"
#include "po/platform/rollback.hpp"
#include "po/platform/spec.hpp"
#include "po/platform/stateful.hpp"
#include "reconcile_attempt.hpp"
#include "render_common.hpp"

namespace po::platform {

using nlohmann::json;
using runtime::ReconcileResult;
using namespace reconcile;

namespace {

std::optional<std::string> rotation_request(const Platform& spec) {
  const auto it = spec.metadata.annotations.find(std::string(kRotateClientCredentialsAnnotation));
  if (it == spec.metadata.annotations.end()) return std::nullopt;
  return it->second;
}

std::string clients_list(const GeneratedSecret& gen) {
  std::string out;
  for (const auto& client : gen.randomKeys) out += (out.empty() ? "" : ", ") + client;
  return out;
}

}  // namespace

// One step of a rotation of <name>-api-clients, when one is due. The decision is taken on the cached
// metadata first (the informer keeps no values), so a Secret with nothing to do costs no request; a step
// reads the Secret, decides again on what it says now, and writes with its resourceVersion as precondition.
Step PlatformReconciler::rotate_client_credentials(Attempt& a, const GeneratedSecret& gen, const json& observed) {
  const auto& secrets = *resource_for("v1", "Secret");
  const auto request = rotation_request(a.spec);
  const ClientCredentialsSpec settings = client_credentials_spec(a.platform);
  const long long now = parse_rfc3339_utc(a.now).value_or(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  const auto propagation = options_.credentials_propagation;
  auto decision = decide_rotation(observed, settings, request, propagation, now);
  if (decision.action != RotationAction::None) {
    auto fresh = api_.get(secrets, a.ns, gen.name);
    if (!fresh.ok()) return ReconcileResult::failed("reading Secret " + gen.name + ": " + fresh.error().to_string());
    decision = decide_rotation(*fresh, settings, request, propagation, now);
    if (decision.action != RotationAction::None) {
      std::map<std::string, std::string> fresh_secrets;
      if (decision.action == RotationAction::Stage)
        for (const auto& client : gen.randomKeys) fresh_secrets[client] = random_token();
      const json patch = rotation_patch(*fresh, decision.action, gen.randomKeys, fresh_secrets, request, now);
      auto written = writer_.patch(secrets, a.ns, gen.name, kube::PatchType::Merge, patch);
      if (!written.ok()) {
        if (written.error().conflict()) return ReconcileResult::requeue();  // changed since read: decide again
        return ReconcileResult::failed("rotating the client credentials in Secret " + gen.name + ": " + written.error().to_string());
      }
      const auto overlap = effective_overlap(settings, propagation).count();
      switch (decision.action) {
        case RotationAction::Stage:
          events_.record(a.platform, "Normal", "CredentialsRotationStarted", "RotateCredentials",
                         "staged new client credentials (" + clients_list(gen) + ") in Secret " + gen.name + " (" +
                             decision.trigger + "); clients switch to them in " + std::to_string(propagation.count()) + "s");
          break;
        case RotationAction::Promote:
          events_.record(a.platform, "Normal", "CredentialsRotated", "RotateCredentials",
                         "clients now use the new credentials in Secret " + gen.name + "; the previous ones are accepted for " +
                             std::to_string(overlap) + "s more");
          break;
        case RotationAction::Retire:
          events_.record(a.platform, "Normal", "PreviousCredentialsRetired", "RotateCredentials",
                         "the previous client credentials in Secret " + gen.name + " are no longer accepted");
          break;
        case RotationAction::None:
          break;
      }
      spdlog::info("Platform {}: client credentials in Secret {}: {}", a.key, gen.name, to_string(decision.action));
    }
  }
  if (decision.requeue_after) {
    const std::chrono::milliseconds after = *decision.requeue_after;
    if (!a.credentials_requeue || after < *a.credentials_requeue) a.credentials_requeue = after;
  }
  return std::nullopt;
}

Step PlatformReconciler::ensure_secrets(Attempt& a) {
  // 4. Generated Secrets: created once, never logged, and never rewritten but by a rotation of the client
  // credentials. The PostgreSQL credentials belong with the data: under whenDeleted: Retain they have no
  // owner (the garbage collector and pruning leave them, so retained data keeps its password); under
  // Delete the Platform owns them.
  const auto& secrets = *resource_for("v1", "Secret");
  a.retain_data = a.spec.spec.whenDeleted == WhenDeleted::Retain;
  a.retained_credentials = names::postgres(a.spec);
  for (const auto& gen : generated_secrets(a.spec)) {
    a.generated_names.insert(gen.name);
    const bool owned = generated_secret_owned(a.spec, gen);
    runtime::ObjectPtr hold;
    const json* cached_secret = cached_child(secrets, a.ns + "/" + gen.name, hold);
    std::optional<json> existing_secret;
    if (cached_secret == nullptr) {
      auto existing = api_.get(secrets, a.ns, gen.name);
      if (existing.ok()) {
        existing_secret = std::move(*existing);
        cached_secret = &*existing_secret;
      } else if (!existing.error().not_found()) {
        return ReconcileResult::failed("reading Secret " + gen.name + ": " + existing.error().to_string());
      }
    }
    if (cached_secret != nullptr) {
      if (auto patch = owner_reference_patch(*cached_secret, detail::owner_reference(a.spec), owned)) {
        auto r = writer_.patch(secrets, a.ns, gen.name, kube::PatchType::Merge, *patch);
        if (!r.ok() && !r.error().not_found()) {
          return ReconcileResult::failed("setting the owner of Secret " + gen.name + ": " + r.error().to_string());
        }
      }
      if (gen.name == names::api_clients(a.spec)) PO_RETURN_IF_DONE(rotate_client_credentials(a, gen, *cached_secret));
      continue;
    }
    std::map<std::string, std::string> random;
    for (const auto& k : gen.randomKeys) random[k] = random_token();
    json secret = render_generated_secret(a.spec, gen, random);
    if (gen.name == names::api_clients(a.spec)) {
      for (const auto& [key, value] : initial_rotation_annotations(rotation_request(a.spec))) secret["metadata"]["annotations"][key] = value;
    }
    auto created = writer_.create(secrets, a.ns, secret);
    if (!created.ok() && !created.error().already_exists()) {
      return ReconcileResult::failed("creating Secret " + gen.name + ": " + created.error().to_string());
    }
    if (created.ok()) events_.record(a.platform, "Normal", "SecretGenerated", "Create", "generated Secret " + gen.name);
  }
  return std::nullopt;
}
}  // namespace po::platform
