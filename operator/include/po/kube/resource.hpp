// Naming API resources and building request paths and query strings (pure).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace po::kube {

struct GroupVersionResource {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string resource;  // plural, lower case: "configmaps"
  bool namespaced = true;

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  bool operator==(const GroupVersionResource&) const = default;
};

// Well-known resources used by the runtime itself.
namespace resources {
inline const GroupVersionResource kConfigMaps{"", "v1", "configmaps", true};
inline const GroupVersionResource kSecrets{"", "v1", "secrets", true};
inline const GroupVersionResource kNamespaces{"", "v1", "namespaces", false};
inline const GroupVersionResource kLeases{"coordination.k8s.io", "v1", "leases", true};
inline const GroupVersionResource kEvents{"events.k8s.io", "v1", "events", true};
inline const GroupVersionResource kCRDs{"apiextensions.k8s.io", "v1", "customresourcedefinitions", false};
}  // namespace resources

// /api/v1/namespaces/ns/configmaps/name/status; namespace_ empty = all namespaces (or cluster-scoped).
std::string resource_path(const GroupVersionResource& gvr, std::string_view namespace_ = {},
                          std::string_view name = {}, std::string_view subresource = {});
// /api/v1 or /apis/group/version (discovery document of one group version).
std::string group_version_path(std::string_view group, std::string_view version);

std::string percent_encode(std::string_view s);  // RFC 3986 unreserved characters kept

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int limit = 0;                         // 0 = no limit
  std::string continue_token;
  std::string resource_version;          // "" = most recent (quorum read)
  std::string resource_version_match;    // "NotOlderThan" | "Exact" | ""
  std::optional<int> timeout_seconds;    // watch only
  bool watch = false;
  bool allow_watch_bookmarks = false;
};
std::string list_query(const ListOptions& options);  // "" or "?a=b&c=d"

// Splits "namespace/name" (or "name" for cluster-scoped objects).
struct ObjectKey {
  std::string namespace_;
  std::string name;
  std::string to_string() const { return namespace_.empty() ? name : namespace_ + "/" + name; }
  bool operator==(const ObjectKey&) const = default;
};
ObjectKey parse_object_key(std::string_view key);

}  // namespace po::kube
