// What the workloads of a Platform are doing, read from their status the way kstatus reads it.
// Pure functions of the live objects; the reconciler turns them into status.components and conditions.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace po::platform {

enum class RolloutState {
  Current,      // every desired pod runs the current template and is ready
  InProgress,   // the rollout is under way (or the controller has not seen the latest generation yet)
  Failed,       // Deployment Progressing=False/ProgressDeadlineExceeded
  Missing       // the object does not exist (yet)
};
std::string_view to_string(RolloutState state);

struct WorkloadStatus {
  RolloutState state = RolloutState::Missing;
  std::int64_t replicas = 0;          // pods that exist
  std::int64_t ready_replicas = 0;
  std::int64_t updated_replicas = 0;
  std::int64_t desired_replicas = 0;  // spec.replicas (default 1)
  std::string message;                // why it is not Current, for a person
};

// Deployment (apps/v1), by kstatus rules: observedGeneration must have caught up; ProgressDeadlineExceeded
// is a failure; done when updated == desired, no old pods remain, and available == desired.
// applied_generation: the generation our own apply returned. A cached object older than that (the
// informer has not delivered our write yet) says nothing about what we applied: it is InProgress.
WorkloadStatus deployment_status(const nlohmann::json* live, std::int64_t applied_generation = 0);
// StatefulSet (apps/v1): observedGeneration caught up, updateRevision == currentRevision (RollingUpdate),
// ready and updated replicas == desired. applied_generation as for deployment_status.
WorkloadStatus statefulset_status(const nlohmann::json* live, std::int64_t applied_generation = 0);

// Cuts a child object down to what the reconciler reads from its informer cache, before it is stored:
// metadata (name, namespace, uid, resourceVersion, generation, labels, ownerReferences,
// deletionTimestamp), status, for Deployments and StatefulSets spec.replicas and spec.updateStrategy,
// and for StatefulSets their containers' names and images; for Secrets their annotations and
// creationTimestamp (a rotation's state, credential_rotation.hpp). Other specs, ConfigMap and Secret data
// (no secret stays in memory) and other annotations go.
void slim_child(nlohmann::json& object);

// One component (api, frontend, gateway, database, cache, monitoring) may run several workloads.
struct ComponentStatus {
  bool ready = false;
  bool failed = false;
  std::int64_t replicas = 0, ready_replicas = 0, updated_replicas = 0;
  std::string message;
  bool stateful = false;  // runs StatefulSets: a failure is reported, never rolled back
};
// Folds workload statuses into one; a component with no workloads is ready.
ComponentStatus combine(const std::vector<std::pair<std::string, WorkloadStatus>>& named_workloads);

}  // namespace po::platform
