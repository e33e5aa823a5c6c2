// Why the pods of a workload are not ready, in the pods' own words (ImagePullBackOff, CrashLoopBackOff,
// a failing readiness probe, the scheduler's "Insufficient cpu"), for the Platform's status. Pure
// functions of pod objects as the operator's pod informer keeps them (slim_pod).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace po::platform {

struct PodProblem {
  std::string pod;
  std::string reason;   // a Kubernetes word: CrashLoopBackOff, ImagePullBackOff, Unschedulable, NotReady, ...
  std::string message;  // "pod <name>: ...", stable while the problem lasts (no counts or times)
};

// Cuts a Pod down to what diagnose_pods reads: metadata (name, namespace, uid, resourceVersion, labels,
// ownerReferences, deletionTimestamp), spec.nodeName, and status (phase, conditions, container statuses
// without image digests or start times).
void slim_pod(nlohmann::json& pod);

// The pods whose labels include every selector label.
std::vector<const nlohmann::json*> pods_matching(const std::vector<nlohmann::json>& pods, const nlohmann::json& match_labels);

// The most telling problem among pods that are not ready, or nothing when all are ready (or none exist).
// Order: a container that cannot start (image, config, crash loop, OOM) > unschedulable > running but not
// ready (readiness probe) > still being created.
std::optional<PodProblem> diagnose_pods(const std::vector<const nlohmann::json*>& pods);

}  // namespace po::platform
