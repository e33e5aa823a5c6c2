// Method + path-pattern routing: "/api/v1/audits/{id}" binds id. Unknown path = 404, known path with
// another method = 405 (with Allow), both as JSON errors.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "po/common/http_server.hpp"

namespace a11y::server {

using Params = std::map<std::string, std::string, std::less<>>;
using RouteHandler = std::function<po::http::Response(const po::http::Request&, const Params&)>;

struct RouteMatch {
  const RouteHandler* handler = nullptr;  // null: no route
  std::string pattern;                    // the matched pattern, the `route` label of metrics ("unmatched" if none)
  Params params;
  std::string allow;                      // for 405: methods the path accepts
};

class Router {
 public:
  void add(std::string method, std::string pattern, RouteHandler handler);
  RouteMatch match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method, pattern;
    std::vector<std::string> segments;
    RouteHandler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace a11y::server
