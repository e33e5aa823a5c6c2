// JWT authentication on /api/*; health and metrics stay open.
#include <doctest/doctest.h>

#include <jwt/jwt.hpp>

#include "app_env.hpp"

using namespace apptest;

namespace {
const std::vector<std::pair<std::string, std::string>> kApiRoutes = {
    {"GET", "/api/v1/audits"},
    {"POST", "/api/v1/audits"},
    {"GET", "/api/v1/audits/00000000-0000-4000-8000-000000000000"},
    {"POST", "/api/v1/audits/00000000-0000-4000-8000-000000000000/suggestions"},
    {"GET", "/api/v1/models"},
    {"POST", "/api/v1/models/text-quality/predict"},
    {"GET", "/api/v1/rules"},
};

std::string sign(const std::string& secret, const nlohmann::json& payload, const std::string& alg = "HS256") {
  jwt::jwt_object obj{jwt::params::algorithm(alg), jwt::params::secret(secret)};
  for (const auto& [k, v] : payload.items()) {
    if (v.is_string()) obj.add_claim(k, v.get<std::string>());
    else obj.add_claim(k, v.get<long long>());
  }
  return obj.signature();
}

long long now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

TEST_SUITE("auth") {
  TEST_CASE("every /api route needs a valid bearer token") {
    auto& e = env();
    REQUIRE(e.api->wait_ready());
    const std::map<std::string, std::pair<std::string, std::string>> cases = {
        {"no header", {"", "missing_token"}},
        {"not bearer", {"Basic YWxpY2U6cHc=", "invalid_token"}},
        {"garbage", {"Bearer not.a.jwt", "invalid_token"}},
        {"wrong key", {"Bearer " + sign("another-secret-key-000000", {{"sub", "alice"}, {"exp", now_s() + 600}}), "invalid_token"}},
        {"expired", {"Bearer " + sign(e.secret, {{"sub", "alice"}, {"exp", now_s() - 3600}}), "token_expired"}},
        {"no sub", {"Bearer " + sign(e.secret, {{"exp", now_s() + 600}}), "invalid_token"}},
        {"alg none", {"Bearer " + sign(e.secret, {{"sub", "alice"}, {"exp", now_s() + 600}}, "none"), "invalid_token"}},
        {"HS512 not accepted", {"Bearer " + sign(e.secret, {{"sub", "alice"}, {"exp", now_s() + 600}}, "HS512"), "invalid_token"}},
        {"no exp", {"Bearer " + sign(e.secret, {{"sub", "alice"}}), "invalid_token"}},
        {"exp past the longest lifetime", {"Bearer " + sign(e.secret, {{"sub", "alice"}, {"exp", now_s() + 3 * 86400}}), "invalid_token"}},
    };
    for (const auto& [name, c] : cases) {
      for (const auto& [method, path] : kApiRoutes) {
        INFO(name << ": " << method << " " << path);
        std::map<std::string, std::string> headers;
        if (!c.first.empty()) headers["Authorization"] = c.first;
        const auto r = http(e.port(), method, path, method == "POST" ? "{}" : "", headers);
        CHECK(r.status == 401);
        CHECK(error_code(r) == c.second);
        CHECK(r.headers.at("www-authenticate") == "Bearer");
      }
    }
  }

  TEST_CASE("a valid token is accepted, and the token sub-command mints one") {
    auto& e = env();
    CHECK(e.get("/api/v1/rules").status == 200);
    CHECK(http(e.port(), "GET", "/api/v1/rules", "",
               {{"Authorization", "Bearer " + sign(e.secret, {{"sub", "carol"}, {"exp", now_s() + 3600}})}})
              .status == 200);

    Process minter({PO_PLATFORM_API_BIN, "token", "--sub", "dave", "--ttl", "60"}, {{"SECRET_KEY", e.secret}},
                   e.dir.path() / "token.out");
    REQUIRE(minter.wait() == 0);
    std::string token = minter.log();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    CHECK(http(e.port(), "GET", "/api/v1/rules", "", {{"Authorization", "Bearer " + token}}).status == 200);
  }

  TEST_CASE("health and metrics need no token") {
    auto& e = env();
    for (const char* path : {"/health", "/health/live", "/health/ready", "/health/database", "/health/redis",
                             "/health/ml-models", "/health/ai-agents", "/metrics"}) {
      INFO(path);
      CHECK(http(e.port(), "GET", path).status == 200);
    }
  }
}
