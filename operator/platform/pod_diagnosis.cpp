#include "po/platform/pod_diagnosis.hpp"

#include <array>
#include <string_view>

#include <fmt/format.h>

namespace po::platform {
namespace {

using nlohmann::json;

std::string str(const json& object, std::string_view key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

const json* condition(const json& pod, std::string_view type) {
  const auto ptr = json::json_pointer("/status/conditions");
  if (!pod.contains(ptr) || !pod.at(ptr).is_array()) return nullptr;
  for (const auto& c : pod.at(ptr))
    if (c.is_object() && str(c, "type") == type) return &c;
  return nullptr;
}

bool pod_ready(const json& pod) {
  const json* ready = condition(pod, "Ready");
  return ready != nullptr && str(*ready, "status") == "True";
}

// Waiting reasons that mean the container cannot run without a change (most telling first).
constexpr std::array<std::string_view, 9> kBlockingWaits = {
    "CrashLoopBackOff",  "ImagePullBackOff", "ErrImagePull",     "ErrImageNeverPull", "InvalidImageName",
    "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "PreCreateHookError"};

int severity(std::string_view reason) {
  for (std::size_t i = 0; i < kBlockingWaits.size(); ++i)
    if (reason == kBlockingWaits[i]) return 100 - static_cast<int>(i);
  return 0;
}

std::string first_line(std::string text, std::size_t max = 240) {
  if (auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
  if (text.size() > max) text = text.substr(0, max) + "...";
  return text;
}

// The last run of a container that exited with an error, when it has been restarted since.
const json* failed_exit(const json& container) {
  if (container.value("restartCount", 0) < 1 || !container.contains("/lastState/terminated"_json_pointer)) return nullptr;
  const json& last = container.at("/lastState/terminated"_json_pointer);
  return last.value("exitCode", 0) != 0 ? &last : nullptr;
}

std::string restarts(const json& container) {
  const int n = container.value("restartCount", 0);
  return n > 0 ? fmt::format(" (restarted {} time{})", n, n == 1 ? "" : "s") : std::string{};
}

// The worst container problem of one pod: (severity, reason, message).
struct Finding {
  int severity = -1;
  std::string reason;
  std::string message;
};

Finding container_problem(const json& pod, const std::string& name) {
  Finding worst;
  const auto status = pod.find("status");
  if (status == pod.end() || !status->is_object()) return worst;
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    auto it = status->find(list);
    if (it == status->end() || !it->is_array()) continue;
    for (const auto& c : *it) {
      const std::string container = str(c, "name");
      if (c.contains("/state/waiting"_json_pointer)) {
        const json& waiting = c.at("/state/waiting"_json_pointer);
        const std::string reason = str(waiting, "reason");
        int sev = severity(reason);
        if (sev == 0) continue;  // ContainerCreating, PodInitializing: not a problem yet
        std::string message = fmt::format("pod {}: container {} {}", name, container, reason);
        if (reason == "CrashLoopBackOff" && c.contains("/lastState/terminated"_json_pointer)) {
          const json& last = c.at("/lastState/terminated"_json_pointer);
          message += fmt::format(" (last exit: {}, code {})", str(last, "reason"), last.value("exitCode", 0));
        } else if (const std::string detail = str(waiting, "message"); !detail.empty()) {
          message += ": " + first_line(detail);
        }
        if (sev > worst.severity) worst = {sev, reason, message};
      } else if (c.contains("/state/terminated"_json_pointer)) {
        const json& done = c.at("/state/terminated"_json_pointer);
        if (done.value("exitCode", 0) == 0) continue;
        const std::string reason = str(done, "reason").empty() ? "Error" : str(done, "reason");
        const int sev = reason == "OOMKilled" ? 60 : 50;
        if (sev > worst.severity)
          worst = {sev, reason, fmt::format("pod {}: container {} exited: {}, code {}{}", name, container, reason,
                                            done.value("exitCode", 0), restarts(c))};
      } else if (c.contains("/state/running"_json_pointer) && !c.value("ready", false)) {
        // Just restarted after a failed run: a crash loop between two back-offs (the kubelet shows
        // CrashLoopBackOff only while it waits), not a probe that has yet to pass.
        if (const json* last = failed_exit(c)) {
          const std::string reason = str(*last, "reason").empty() ? "Error" : str(*last, "reason");
          if (45 > worst.severity)
            worst = {45, reason, fmt::format("pod {}: container {} running again after it exited: {}, code {}{}", name,
                                             container, reason, last->value("exitCode", 0), restarts(c))};
        } else if (20 > worst.severity) {
          worst = {20, "NotReady", fmt::format("pod {}: container {} is running but not ready (its readiness probe is not passing)", name, container)};
        }
      }
    }
  }
  return worst;
}

}  // namespace

void slim_pod(json& pod) {
  if (!pod.is_object()) return;
  json slim = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", json::object()}};
  if (auto meta = pod.find("metadata"); meta != pod.end() && meta->is_object()) {
    for (const char* field : {"name", "namespace", "uid", "resourceVersion", "labels", "ownerReferences", "deletionTimestamp"})
      if (auto it = meta->find(field); it != meta->end()) slim["metadata"][field] = std::move(*it);
  }
  if (pod.contains("/spec/nodeName"_json_pointer)) slim["spec"] = {{"nodeName", pod.at("/spec/nodeName"_json_pointer)}};
  if (auto status = pod.find("status"); status != pod.end() && status->is_object()) {
    json& s = slim["status"] = json::object();
    if (auto it = status->find("phase"); it != status->end()) s["phase"] = *it;
    if (auto it = status->find("conditions"); it != status->end() && it->is_array()) {
      s["conditions"] = json::array();
      for (auto& c : *it) {
        json kept = json::object();
        for (const char* f : {"type", "status", "reason", "message"})
          if (auto v = c.find(f); v != c.end()) kept[f] = std::move(*v);
        s["conditions"].push_back(std::move(kept));
      }
    }
    for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
      auto it = status->find(list);
      if (it == status->end() || !it->is_array()) continue;
      json out = json::array();
      for (auto& c : *it) {
        json kept = json::object();
        for (const char* f : {"name", "ready", "restartCount", "state", "lastState"})
          if (auto v = c.find(f); v != c.end()) kept[f] = std::move(*v);
        for (const char* st : {"state", "lastState"}) {
          if (!kept.contains(st) || !kept[st].is_object()) continue;
          for (auto& [_, detail] : kept[st].items())
            if (detail.is_object()) {
              detail.erase("startedAt");
              detail.erase("finishedAt");
              detail.erase("containerID");
            }
        }
        out.push_back(std::move(kept));
      }
      s[list] = std::move(out);
    }
  }
  pod = std::move(slim);
}

std::vector<const json*> pods_matching(const std::vector<json>& pods, const json& match_labels) {
  std::vector<const json*> out;
  if (!match_labels.is_object() || match_labels.empty()) return out;
  for (const auto& pod : pods) {
    const json* labels = pod.contains("/metadata/labels"_json_pointer) ? &pod.at("/metadata/labels"_json_pointer) : nullptr;
    if (labels == nullptr || !labels->is_object()) continue;
    bool all = true;
    for (const auto& [key, value] : match_labels.items()) {
      auto it = labels->find(key);
      if (it == labels->end() || *it != value) {
        all = false;
        break;
      }
    }
    if (all) out.push_back(&pod);
  }
  return out;
}

std::optional<PodProblem> diagnose_pods(const std::vector<const json*>& pods) {
  std::optional<PodProblem> best;
  int best_severity = -1;
  auto consider = [&](int sev, const std::string& pod, std::string reason, std::string message) {
    if (sev > best_severity || (sev == best_severity && best && pod < best->pod)) {
      best_severity = sev;
      best = PodProblem{pod, std::move(reason), std::move(message)};
    }
  };
  for (const json* pod : pods) {
    if (pod == nullptr || !pod->is_object()) continue;
    if (pod->contains("/metadata/deletionTimestamp"_json_pointer)) continue;  // going away anyway
    if (pod_ready(*pod)) continue;
    const std::string name = pod->contains("/metadata/name"_json_pointer) ? pod->at("/metadata/name"_json_pointer).get<std::string>() : "";
    if (const json* scheduled = condition(*pod, "PodScheduled"); scheduled != nullptr && str(*scheduled, "status") == "False") {
      const std::string reason = str(*scheduled, "reason").empty() ? "Unschedulable" : str(*scheduled, "reason");
      consider(40, name, reason, fmt::format("pod {}: {}: {}", name, reason, first_line(str(*scheduled, "message"))));
      continue;
    }
    Finding f = container_problem(*pod, name);
    if (f.severity >= 0) {
      consider(f.severity, name, f.reason, f.message);
    } else {
      consider(10, name, "ContainerCreating", fmt::format("pod {}: containers are being created", name));
    }
  }
  return best;
}

}  // namespace po::platform
