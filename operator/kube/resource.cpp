#include "po/kube/resource.hpp"

namespace po::kube {

std::string group_version_path(std::string_view group, std::string_view version) {
  if (group.empty()) return "/api/" + std::string(version);
  return "/apis/" + std::string(group) + "/" + std::string(version);
}

std::string resource_path(const GroupVersionResource& gvr, std::string_view namespace_, std::string_view name,
                          std::string_view subresource) {
  std::string path = group_version_path(gvr.group, gvr.version);
  if (gvr.namespaced && !namespace_.empty()) path += "/namespaces/" + percent_encode(namespace_);
  path += "/" + gvr.resource;
  if (!name.empty()) {
    path += "/" + percent_encode(name);
    if (!subresource.empty()) path += "/" + std::string(subresource);
  }
  return path;
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

std::string list_query(const ListOptions& o) {
  std::string q;
  auto add = [&q](std::string_view k, std::string_view v) {
    q += q.empty() ? "?" : "&";
    q += k;
    q += "=";
    q += percent_encode(v);
  };
  if (!o.label_selector.empty()) add("labelSelector", o.label_selector);
  if (!o.field_selector.empty()) add("fieldSelector", o.field_selector);
  if (o.limit > 0) add("limit", std::to_string(o.limit));
  if (!o.continue_token.empty()) add("continue", o.continue_token);
  if (!o.resource_version.empty()) add("resourceVersion", o.resource_version);
  if (!o.resource_version_match.empty()) add("resourceVersionMatch", o.resource_version_match);
  if (o.watch) add("watch", "true");
  if (o.allow_watch_bookmarks) add("allowWatchBookmarks", "true");
  if (o.timeout_seconds) add("timeoutSeconds", std::to_string(*o.timeout_seconds));
  return q;
}

ObjectKey parse_object_key(std::string_view key) {
  const auto slash = key.find('/');
  if (slash == std::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

}  // namespace po::kube
