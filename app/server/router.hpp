// Method + path-pattern routing: "/api/v1/audits/{id}" binds id. Unknown path = 404, known path with
// another method = 405 (with Allow), both as JSON errors. Each route says whether it needs a bearer
// token; the App authenticates a request once, from that, before any handler runs.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "po/common/http_server.hpp"
#include "server/auth.hpp"

namespace a11y::server {

using Params = std::map<std::string, std::string, std::less<>>;
using RouteHandler = std::function<po::http::Response(const po::http::Request&, const Params&)>;
// The handler of a route that needs a bearer token: it gets the authenticated principal.
using PrincipalHandler = std::function<po::http::Response(const po::http::Request&, const Params&, const Principal&)>;

enum class Access { Open, Bearer };

struct RouteMatch {
  const RouteHandler* handler = nullptr;              // an open route's handler
  const PrincipalHandler* principal_handler = nullptr;  // or a bearer route's (both null: no route here)
  Access access = Access::Open;  // of the route; for a 405, Bearer when any route of the path is
  std::string pattern;           // the matched route's label, the `route` label of metrics ("unmatched" if none)
  Params params;
  std::string allow;             // for 405: methods the path accepts
};

class Router {
 public:
  // label: the route's name in metrics when it is not the pattern (an alias such as a trailing slash).
  void add(std::string method, std::string pattern, RouteHandler handler, std::string label = {});
  void add_bearer(std::string method, std::string pattern, PrincipalHandler handler, std::string label = {});
  // A route served before routing (POST /api/v1/audits answers asynchronously), declared so that the
  // path's 405 answers name its method.
  void declare(std::string method, std::string pattern, Access access);
  RouteMatch match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method, pattern, label;
    std::vector<std::string> segments;
    Access access = Access::Open;
    RouteHandler handler;
    PrincipalHandler principal_handler;
  };
  void add_route(Route r);
  std::vector<Route> routes_;
};

}  // namespace a11y::server
