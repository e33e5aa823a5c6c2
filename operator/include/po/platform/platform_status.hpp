// Pure status bookkeeping of a Platform: revision, history, component statuses and the summary
// conditions (Ready, Reconciling, Stalled, Degraded), by Kubernetes API conventions, on the typed
// status (PlatformStatus, status_types.hpp).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "po/platform/child_status.hpp"
#include "po/platform/status_types.hpp"

namespace po::platform {

// Records that `revision` is about to be applied: revision.lastAttempted, a Progressing history entry
// (when the revision is new to the head of history), Reconciling=True. Returns true when status changed.
bool begin_attempt(PlatformStatus& status, const std::string& revision, std::int64_t generation,
                   const std::string& version, int history_limit, const std::string& now);

// Closes the newest history entry of `revision` with `result` (and `message`, when given) if it is still
// Progressing.
void finish_attempt(PlatformStatus& status, const std::string& revision, RolloutResult result,
                    const std::string& now, const std::string& message = {});

// A failed attempt of `revision` (the head of history) whose workloads all became ready after all: the
// entry turns Succeeded with `message` saying so. Returns false when the head is not such an entry.
bool recover_attempt(PlatformStatus& status, const std::string& revision, const std::string& now,
                     const std::string& message);

struct Observed {
  std::string revision;                              // the revision just applied
  std::int64_t generation = 0;
  std::map<std::string, ComponentStatus> components; // api, frontend, gateway, database, cache, monitoring
  std::int64_t api_replicas = 0;
  std::string selector;                               // for the scale subresource
  std::map<std::string, std::string> endpoints;       // name -> in-cluster URL
};

// Failed: a stateless component failed to roll out (rollback territory). Degraded: only a stateful one
// did, which is reported and left for a person (never rolled back automatically).
enum class Outcome { Progressing, Ready, Failed, Degraded };

// Fills components, revision.current/lastGood, history result, endpoints and the conditions from what
// was observed after an apply. Returns the outcome; `status` is modified in place.
Outcome observe(PlatformStatus& status, const Observed& observed, const std::string& now);

// The stateless components that failed to roll out, each with what its workloads and pods say:
// "api (p-api: rollout exceeded its progress deadline: ...; pod p-api-x: container api CrashLoopBackOff ...)".
std::string failed_components(const Observed& observed);

// Marks the Platform stalled: Stalled=True and Ready=False with reason and message (InvalidSpec, ApplyFailed).
void stall(PlatformStatus& status, std::int64_t generation, const std::string& reason, const std::string& message,
           const std::string& now);

}  // namespace po::platform
