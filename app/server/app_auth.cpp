// The token endpoint: POST /api/v1/auth/token exchanges a client credential for a bearer token.
#include "server/app.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "server/app_internal.hpp"
#include "server/request_parsing.hpp"

namespace a11y::server {

using nlohmann::json;
using po::http::json_error;
using Clock = std::chrono::steady_clock;

po::http::Response App::issue_token(const Request& req) {
  const auto creds = parse_token_request(req.header("authorization"), req.header("content-type"), req.body);
  if (!clients_.verify(creds.id, creds.secret)) {
    spdlog::warn("request {}: token refused: unknown client or wrong secret", req.request_id);
    auto res = json_error(401, "invalid_client", "unknown client or wrong client secret", req.request_id);
    res.headers["WWW-Authenticate"] = "Basic realm=\"platform-api\"";
    res.headers["Cache-Control"] = "no-store";
    return res;
  }
  auto res = json_response(200, {{"access_token", auth_.issue(creds.id, config_.auth_token_ttl)},
                                 {"token_type", "Bearer"},
                                 {"expires_in", config_.auth_token_ttl.count()}});
  res.headers["Cache-Control"] = "no-store";  // RFC 6749 §5.1
  res.headers["Pragma"] = "no-cache";
  return res;
}

}  // namespace a11y::server
