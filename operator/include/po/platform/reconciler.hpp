// The Platform reconciler (DESIGN §4): the thin I/O shell around rendering, status and apply decisions.
// It reads the Platform and its children from informer caches, writes with server-side apply, and
// records what happened in status, conditions and Events.
#pragma once
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "po/kube/client.hpp"
#include "po/kube/resource.hpp"
#include "po/platform/child_status.hpp"
#include "po/platform/status_types.hpp"
#include "po/platform/types.hpp"
#include "po/runtime/client.hpp"
#include "po/runtime/controller.hpp"

namespace po::platform {

inline constexpr std::string_view kFieldManager = "platform-operator";
// Shares spec.replicas while our field manager lets go of it (an HPA takes the count over).
inline constexpr std::string_view kReplicasHandoverFieldManager = "platform-operator-replicas-handover";
inline constexpr std::string_view kFinalizer = "platform.a11y.dev/finalizer";
inline constexpr std::string_view kPausedAnnotation = "platform.a11y.dev/paused";
inline constexpr std::string_view kManagedBySelector = "app.kubernetes.io/managed-by=platform-operator";

extern const kube::GroupVersionResource kPlatforms;

// A kind of child object the operator owns, watched through an informer (labelled managed-by us).
struct ChildKind {
  kube::GroupVersionResource gvr;
  std::string api_version;
  std::string kind;
};
const std::vector<ChildKind>& watched_child_kinds();
// The resource of an apiVersion/kind the renderer may emit (including optional CRD kinds); nullptr if unknown.
const kube::GroupVersionResource* resource_for(std::string_view api_version, std::string_view kind);

// Decides whether an object must be sent again. After each apply the reconciler remembers the
// digest of what it sent and the live object's generation (or resourceVersion for kinds without
// one); while both still match, the live object is as we left it, so an idle cluster sees no request.
class AppliedObjects {
 public:
  struct Mark {
    std::string desired_digest;
    std::string live_marker;
  };
  static std::string live_marker(const nlohmann::json& live);  // "g<generation>" or "rv<resourceVersion>"
  bool unchanged(const std::string& key, const std::string& desired_digest, const nlohmann::json* live) const;
  // For kinds without an informer (optional CRDs): only what we sent is known, so the digest decides.
  bool unchanged_unwatched(const std::string& key, const std::string& desired_digest) const;
  void remember(const std::string& key, std::string desired_digest, const nlohmann::json& applied);
  // metadata.generation of the object as our last apply left it; 0 when unknown (or a kind without one).
  std::int64_t applied_generation(const std::string& key) const;
  void forget_prefix(const std::string& prefix);  // every key of one Platform
  std::size_t size() const;

 private:
  mutable std::mutex mu_;  // guards marks_
  std::unordered_map<std::string, Mark> marks_;
};

struct GeneratedSecret;

struct ReconcilerOptions {
  std::chrono::milliseconds progressing_requeue{3000};  // poll while a rollout is under way
  std::chrono::seconds discovery_ttl{60};                 // how long a discovery answer is trusted
  std::chrono::seconds failure_backoff{30};               // wait after the 2nd failed revision in a row (doubles)
  std::chrono::seconds degraded_requeue{30};              // look again at a failed stateful update
  // How long a staged client credential waits before clients are switched to it: long enough for every
  // api pod's kubelet to have updated the mounted Secret (its sync period, about a minute, plus its cache TTL).
  std::chrono::seconds credentials_propagation{120};
  // Fault injection for the crash-safety test: "<Kind>/<name>" kills the process (SIGKILL) right after
  // that object is applied as part of a rollout attempt recorded in the same reconcile. Empty: off.
  std::string failpoint_kill_after_apply;
};

class PlatformReconciler {
 public:
  // cache: informers of Platforms and of every watched_child_kinds() entry.
  PlatformReconciler(runtime::ApiReader& api, runtime::Writer& writer, const runtime::Reader& cache,
                     runtime::EventSink& events, ReconcilerOptions options = {});
  runtime::ReconcileResult reconcile(const std::string& key, std::stop_token stop);

  std::uint64_t applies() const { return applies_.load(); }
  std::uint64_t skipped_applies() const { return skipped_.load(); }

 private:
  // One reconcile's shared state (reconcile_attempt.hpp); each phase either lets it go on (nullopt) or
  // ends it with a result.
  struct Attempt;
  std::optional<runtime::ReconcileResult> read_platform(Attempt& a);     // reconcile_guards.cpp
  std::optional<runtime::ReconcileResult> check_guards(Attempt& a);      // reconcile_guards.cpp
  std::optional<runtime::ReconcileResult> ensure_secrets(Attempt& a);    // reconcile_secrets.cpp
  std::optional<runtime::ReconcileResult> rotate_client_credentials(Attempt& a, const GeneratedSecret& gen,
                                                                    const nlohmann::json& observed);  // reconcile_secrets.cpp
  std::optional<runtime::ReconcileResult> plan_revision(Attempt& a);     // reconcile_plan.cpp
  std::optional<runtime::ReconcileResult> apply_and_prune(Attempt& a);   // reconcile_apply.cpp
  runtime::ReconcileResult observe_and_report(Attempt& a);               // reconcile_observe.cpp
  // Applies the last good revision's stateless objects and records the outcome; true when it went through.
  bool roll_back(Attempt& a, const std::string& why);
  // Applies `status` when it differs from what the API server holds (what the reconcile read, or what it
  // last wrote); conditions that did not transition keep their lastTransitionTime.
  kube::Status write_status(Attempt& a, PlatformStatus status);

  // Server-side apply of one object unless it is as we left it. An error is the API server's (a 404 for
  // a kind no resource is known for); the caller names the object (reconcile::object_ref). Quota, RBAC and
  // admission rejections (reconcile::rejected_by_environment) are the environment's, not the spec's.
  kube::Status apply_object(const std::string& platform_key, const std::string& ns, const nlohmann::json& manifest);
  // ControllerRevision <platform>-<revision[:10]> holding a revision's stateless objects; "" on success.
  // A StatefulSet that is not current: deletes pods of an abandoned template that never became ready
  // (Kubernetes' documented forced rollback) and returns why the update failed when its pod is past the
  // deadline; nullopt while it may still progress.
  std::optional<std::string> tend_stateful_pods(const nlohmann::json& platform, const nlohmann::json& live,
                                                const nlohmann::json& manifest, int deadline_seconds,
                                                const std::string& now);
  // A StatefulSet whose claim sizes changed (volume_growth.hpp): grows its claims and re-creates it with
  // the new volumeClaimTemplates (nullopt: it is being re-created, not applied in this pass), or returns
  // it with the live sizes and records why in the attempt when a claim cannot grow.
  kube::Result<std::optional<nlohmann::json>> grow_volumes(Attempt& a, const nlohmann::json& manifest);
  // The PostgreSQL data claims (data-<platform>-postgres-N) of a Platform, from the informer cache.
  std::vector<runtime::ObjectPtr> postgres_data_claims(const std::string& ns, const std::string& name) const;
  std::optional<runtime::ReconcileResult> save_revision(const Platform& spec, const std::string& revision,
                                                       const std::vector<nlohmann::json>& stateless, int history_limit);
  // The stateless objects of a saved revision; empty when it is not saved.
  kube::Result<std::vector<nlohmann::json>> load_revision(const std::string& ns, const std::string& name,
                                                          const std::string& revision);
  runtime::ReconcileResult finalize(const nlohmann::json& platform);
  // resourceVersion of our last status write per Platform key, until the cache shows it.
  std::string last_written_version(const std::string& key) const;
  void remember_written(const std::string& key, std::string resource_version);
  void forget_written(const std::string& key);
  // Are the monitoring.coreos.com CRDs served? The last answer for discovery_ttl; an error while no
  // answer was ever had (never "absent": that would switch to a self-run Prometheus and a new revision).
  kube::Result<bool> monitoring_crds_available();
  const nlohmann::json* cached_child(const kube::GroupVersionResource& gvr, const std::string& key,
                                     runtime::ObjectPtr& hold) const;
  void explain_with_pods(const std::string& ns, const nlohmann::json& manifest, WorkloadStatus& workload) const;

  runtime::ApiReader& api_;
  runtime::Writer& writer_;
  const runtime::Reader& cache_;
  runtime::EventSink& events_;
  ReconcilerOptions options_;
  AppliedObjects applied_;
  std::atomic<std::uint64_t> applies_{0}, skipped_{0};

  // Hands spec.replicas over before our apply stops sending it; an error says which step failed.
  kube::Status hand_over_replicas(const kube::GroupVersionResource& gvr, const std::string& memo_key,
                                                 const std::string& ns, const nlohmann::json& manifest);

  // Deletes this Platform's objects of the kinds without an informer that are no longer desired.
  std::optional<runtime::ReconcileResult> prune_unwatched(const std::string& key, const std::string& ns, const std::string& name,
                              const std::string& uid, const std::set<std::string>& desired_keys);

  std::mutex swept_mu_;  // guards swept_
  std::set<std::string> swept_;  // Platforms whose unwatched kinds were pruned since start-up

  std::mutex handover_mu_;  // guards handed_over_
  std::set<std::string> handed_over_;  // memo keys whose spec.replicas another manager shares

  mutable std::mutex written_mu_;  // guards written_
  std::unordered_map<std::string, std::string> written_;

  std::mutex discovery_mu_;  // guards the two below
  bool monitoring_crds_ = false;
  std::chrono::steady_clock::time_point discovery_checked_{};
};

}  // namespace po::platform
