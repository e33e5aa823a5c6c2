// Decisions about the stateful parts (PostgreSQL, Redis StatefulSets), which are never rolled back
// automatically: a PostgreSQL major-version downgrade is refused, a failed StatefulSet update is reported,
// and pods of an abandoned, never-ready template are deleted as Kubernetes documents for StatefulSets
// ("Forced rollback": after reverting the template, delete the pods that tried the bad one).
// Pure functions of live objects; the reconciler does the I/O.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace po::platform {

// "16" and "16.4" -> 16; nullopt for anything else.
std::optional<int> postgres_major(std::string_view version);

// The PostgreSQL major a live StatefulSet runs, from its "postgres" container's image tag.
std::optional<int> running_postgres_major(const nlohmann::json* statefulset);

// The label the operator puts on PostgreSQL data claims once a major version runs on them. The claims
// outlive a deleted Platform (whenDeleted: Retain), so a new Platform on the same data is checked too;
// the CRD's transition rule only sees updates of one object.
inline constexpr std::string_view kPostgresMajorLabel = "platform.a11y.dev/postgres-major";

// The major recorded on a claim's label, if any.
std::optional<int> recorded_postgres_major(const nlohmann::json& claim);

// Why applying `desired_version` over data written by PostgreSQL `running_major` is refused (an older
// major cannot read it), or nullopt when it is allowed (or nothing is known).
std::optional<std::string> refuse_postgres_downgrade(std::optional<int> running_major,
                                                     const std::string& desired_version);

struct PodRef {
  std::string name;
  std::string uid;
  std::string revision;  // controller-revision-hash
};

struct StatefulPodsVerdict {
  std::vector<PodRef> abandoned;  // not ready, of a revision that is neither current nor the update target
  bool failed = false;            // the update's pod has not become ready within the deadline
  std::string message;            // why it failed, for status and events
};

// Looks at the pods of a RollingUpdate StatefulSet (OnDelete is left to the person who chose it).
// `now` is seconds since the epoch; `deadline_seconds` is spec.rollout.progressDeadlineSeconds.
StatefulPodsVerdict judge_stateful_pods(const nlohmann::json& statefulset, const std::vector<nlohmann::json>& pods,
                                        long long now, int deadline_seconds);

}  // namespace po::platform
