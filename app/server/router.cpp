#include "server/router.hpp"

namespace a11y::server {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    const auto end = path.find('/', start);
    out.push_back(path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

void Router::add_route(Route r) {
  if (r.label.empty()) r.label = r.pattern;
  for (const auto seg : split_path(r.pattern)) r.segments.emplace_back(seg);
  routes_.push_back(std::move(r));
}

void Router::add(std::string method, std::string pattern, RouteHandler handler, std::string label) {
  add_route({std::move(method), std::move(pattern), std::move(label), {}, Access::Open, std::move(handler), {}});
}

void Router::add_bearer(std::string method, std::string pattern, PrincipalHandler handler, std::string label) {
  add_route({std::move(method), std::move(pattern), std::move(label), {}, Access::Bearer, {}, std::move(handler)});
}

void Router::declare(std::string method, std::string pattern, Access access) {
  add_route({std::move(method), std::move(pattern), {}, {}, access, {}, {}});
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  RouteMatch result;
  result.pattern = "unmatched";
  if (path.empty() || path.front() != '/') return result;
  const auto segments = split_path(path);
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    Params params;
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      const auto& want = route.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        if (segments[i].empty()) ok = false;
        else params.emplace(want.substr(1, want.size() - 2), std::string(segments[i]));
      } else {
        ok = want == segments[i];
      }
    }
    if (!ok) continue;
    if (route.method == method || (method == "HEAD" && route.method == "GET")) {
      result.handler = route.handler ? &route.handler : nullptr;
      result.principal_handler = route.principal_handler ? &route.principal_handler : nullptr;
      result.access = route.access;
      result.pattern = route.label;
      result.params = std::move(params);
      result.allow.clear();
      return result;
    }
    result.pattern = route.label;
    if (route.access == Access::Bearer) result.access = Access::Bearer;
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += route.method;
  }
  return result;
}

}  // namespace a11y::server
