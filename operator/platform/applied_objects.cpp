#include "po/platform/reconciler.hpp"

namespace po::platform {

std::string AppliedObjects::live_marker(const nlohmann::json& live) {
  const auto& meta = live.contains("metadata") ? live["metadata"] : nlohmann::json::object();
  // generation moves only with spec changes (ours or anyone's), not with status writes; kinds without
  // one (ConfigMap, Service, ...) fall back to resourceVersion.
  if (meta.contains("generation") && meta["generation"].is_number_integer()) {
    return "g" + std::to_string(meta["generation"].get<std::int64_t>());
  }
  return "rv" + meta.value("resourceVersion", "");
}

bool AppliedObjects::unchanged(const std::string& key, const std::string& desired_digest,
                               const nlohmann::json* live) const {
  if (live == nullptr) return false;
  std::scoped_lock lock(mu_);
  const auto it = marks_.find(key);
  return it != marks_.end() && it->second.desired_digest == desired_digest &&
         it->second.live_marker == live_marker(*live);
}

bool AppliedObjects::unchanged_unwatched(const std::string& key, const std::string& desired_digest) const {
  std::scoped_lock lock(mu_);
  const auto it = marks_.find(key);
  return it != marks_.end() && it->second.desired_digest == desired_digest;
}

void AppliedObjects::remember(const std::string& key, std::string desired_digest, const nlohmann::json& applied) {
  std::scoped_lock lock(mu_);
  marks_[key] = Mark{std::move(desired_digest), live_marker(applied)};
}

std::int64_t AppliedObjects::applied_generation(const std::string& key) const {
  std::scoped_lock lock(mu_);
  const auto it = marks_.find(key);
  if (it == marks_.end() || !it->second.live_marker.starts_with("g")) return 0;
  return std::stoll(it->second.live_marker.substr(1));
}

void AppliedObjects::forget_prefix(const std::string& prefix) {
  std::scoped_lock lock(mu_);
  std::erase_if(marks_, [&](const auto& entry) { return entry.first.starts_with(prefix); });
}

std::size_t AppliedObjects::size() const {
  std::scoped_lock lock(mu_);
  return marks_.size();
}

}  // namespace po::platform
