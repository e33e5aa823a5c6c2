// What the phases of one PlatformReconciler::reconcile share (reconciler.cpp lists the phases; each has
// its file: reconcile_guards, reconcile_secrets, reconcile_plan, reconcile_apply, reconcile_observe), the
// one error convention they follow, and the small helpers they have in common.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "po/platform/reconciler.hpp"
#include "po/platform/render.hpp"
#include "po/platform/rollback.hpp"
#include "po/platform/types.hpp"
#include "po/runtime/controller.hpp"

namespace po::platform {

// One reconcile of one Platform, filled in phase by phase.
struct PlatformReconciler::Attempt {
  std::string key;  // "ns/name"
  std::stop_token stop;
  // Read (guards): the Platform as this reconcile sees it, and its status before and after.
  nlohmann::json platform;
  std::string ns, name, now;
  std::int64_t generation = 0;
  PlatformStatus old_status;
  PlatformStatus status;
  // What the API server holds now: old_status, then each status this attempt wrote. write_status compares
  // with it (not with old_status, which the decisions read), so a final status equal to the one read at the
  // start is still written after an intermediate write changed it.
  PlatformStatus written_status;
  Platform spec;                                  // parsed and validated
  std::vector<runtime::ObjectPtr> data_claims;    // data-<name>-postgres-N, from the cache
  // Secrets: the generated ones are never pruned; the retained credentials have no owner.
  std::set<std::string> generated_names;
  bool retain_data = false;
  std::string retained_credentials;
  std::optional<std::chrono::milliseconds> credentials_requeue;  // a rotation step or a scheduled rotation is due
  // Plan: the rendered revision, what is in effect, and whether the revision is held.
  std::vector<DesiredObject> objects;
  std::string revision, last_good, effective_revision;
  PlanDecision plan;
  std::vector<nlohmann::json> in_effect;  // the manifests this reconcile applies, in tier order
  std::vector<nlohmann::json> held;       // HoldFailed: stateless objects left as the failed revision left them
  std::set<std::string> desired_keys;     // "<resource>/<name>" of everything that must not be pruned
  bool holding = false;                   // the revision is not applied (failed before, backing off, stalled)
  bool restore = false;                   // holding, with the last good revision's objects in effect
  bool attempt_begun = false;             // this reconcile recorded a new attempt
  std::vector<std::string> volume_refusals;  // claims that cannot follow the spec's storage sizes, and why
};

// A phase either lets the reconcile go on (nullopt) or ends it with this result.
using Step = std::optional<runtime::ReconcileResult>;

// Ends the reconcile with the phase's result, if it has one.
#define PO_RETURN_IF_DONE(step)                       \
  do {                                                \
    if (auto po_step_ = (step)) return *po_step_;     \
  } while (false)

// Ends the reconcile with an error (retried with back-off) when a request failed: `what: <ApiError>`.
#define PO_RETURN_IF_ERROR(result, what)                                                                   \
  do {                                                                                                     \
    if (auto&& po_result_ = (result); !po_result_.ok())                                                   \
      return ::po::runtime::ReconcileResult::failed(std::string(what) + ": " + po_result_.error().to_string()); \
  } while (false)

namespace reconcile {

struct KnownKind {
  ChildKind child;
  bool watched;  // an informer runs for it; optional CRD kinds are applied without one
};
const std::vector<KnownKind>& known_kinds();
extern const kube::GroupVersionResource kControllerRevisions;

std::string str(const nlohmann::json& object, const char* ptr);
std::int64_t generation_of(const nlohmann::json& object);
bool has_finalizer(const nlohmann::json& object);
// Finalizers with ours added or removed; resourceVersion makes the merge patch a compare-and-swap.
nlohmann::json finalizer_patch(const nlohmann::json& object, bool add);
// 32 characters from [A-Za-z0-9], drawn from OpenSSL's CSPRNG.
std::string random_token();
// A merge patch that adds (own) or removes (!own) the owner's reference; nullopt when already so.
std::optional<nlohmann::json> owner_reference_patch(const nlohmann::json& object, const nlohmann::json& owner, bool own);
// Quota, RBAC or an admission webhook refused it: the environment, not the spec.
bool rejected_by_environment(const kube::ApiError& error);
std::string digest_of(const nlohmann::json& manifest);
// A saved revision's objects with today's replica counts (a count is not part of a revision).
std::vector<nlohmann::json> with_current_replicas(std::vector<nlohmann::json> saved,
                                                  const std::vector<DesiredObject>& current);
std::string component_of(const nlohmann::json& manifest);
// "<Kind> <name>", as failures name an object.
std::string object_ref(const nlohmann::json& manifest);

}  // namespace reconcile
}  // namespace po::platform
