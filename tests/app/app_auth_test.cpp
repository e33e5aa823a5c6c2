// JWT authentication on /api/*; health and metrics stay open.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <jwt/jwt.hpp>
#include <openssl/evp.h>

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

  TEST_CASE("POST /api/v1/auth/token exchanges a client credential for a short-lived token") {
    auto& e = env();
    REQUIRE(e.api->wait_ready());
    const auto form = [&](const std::string& body, std::map<std::string, std::string> headers = {}) {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      po::testing::TestConnection c(e.port());
      std::string req = "POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
      for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
      req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
      c.send(req);
      const auto r = c.read_response(30s);
      REQUIRE(r);
      return HttpResult{r->status, r->headers, r->body};
    };
    const std::string users_secret = e.clients.at("users");
    const auto ok = form("grant_type=client_credentials&client_id=users&client_secret=" + users_secret);
    REQUIRE(ok.status == 200);
    CHECK(ok.headers.at("cache-control") == "no-store");
    const auto j = body_of(ok);
    CHECK(j.at("token_type") == "Bearer");
    CHECK(j.at("expires_in") == 600);
    const std::string token = j.at("access_token");
    // The token is an HS256 JWT for the client, expiring within AUTH_TOKEN_TTL_SECONDS, and the api takes it.
    std::error_code ec;
    const auto decoded = jwt::decode(token, jwt::params::algorithms({"HS256"}), ec, jwt::params::secret(e.secret),
                                     jwt::params::verify(true));
    REQUIRE_FALSE(ec);
    const auto claims = decoded.payload().create_json_obj();
    CHECK(claims.at("sub") == "users");
    CHECK(claims.at("exp").get<long long>() <= now_s() + 600);
    CHECK(claims.at("exp").get<long long>() >= now_s() + 590);
    CHECK(http(e.port(), "GET", "/api/v1/audits", "", {{"Authorization", "Bearer " + token}}).status == 200);

    // The same client with HTTP Basic, and a JSON body.
    const std::string basic = "frontend:" + e.clients.at("frontend");
    std::string b64(4 * ((basic.size() + 2) / 3), '\0');
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), reinterpret_cast<const unsigned char*>(basic.data()),
                    static_cast<int>(basic.size()));
    const auto via_basic = form("grant_type=client_credentials", {{"Authorization", "Basic " + b64}});
    CHECK(via_basic.status == 200);
    const auto via_json = http(e.port(), "POST", "/api/v1/auth/token",
                               nlohmann::json{{"grant_type", "client_credentials"}, {"client_id", "frontend"},
                                              {"client_secret", e.clients.at("frontend")}}.dump());
    CHECK(via_json.status == 200);

    // Wrong secret, another client's secret, unknown client, no credentials: 401 invalid_client, JSON.
    for (const std::string& body : {"grant_type=client_credentials&client_id=users&client_secret=" + users_secret + "x",
                                    "grant_type=client_credentials&client_id=users&client_secret=" + e.clients.at("frontend"),
                                    "grant_type=client_credentials&client_id=mallory&client_secret=" + users_secret,
                                    std::string("grant_type=client_credentials")}) {
      INFO(body);
      const auto r = form(body);
      CHECK(r.status == 401);
      CHECK(error_code(r) == "invalid_client");
    }
    CHECK(error_code(form("grant_type=password&client_id=users&client_secret=" + users_secret)) == "unsupported_grant_type");
    CHECK(form("client_id=users&client_secret=" + users_secret).status == 400);
    // Only POST: the route exists, other methods are 405, not 401.
    CHECK(http(e.port(), "GET", "/api/v1/auth/token").status == 405);
  }

  TEST_CASE("a rotation of the clients directory takes effect without a restart: staged, promoted, retired") {
    auto& e = env();
    REQUIRE(e.api->wait_ready());
    namespace fs = std::filesystem;
    const fs::path dir = e.dir.path() / "clients";
    // Files change as the kubelet changes them: whole, never half-written.
    const auto write = [&](const std::string& name, const std::string& value) {
      std::ofstream(dir / (name + ".tmp")) << value << "\n";
      fs::rename(dir / (name + ".tmp"), dir / name);
    };
    const auto status = [&](const std::string& secret) {
      return http(e.port(), "POST", "/api/v1/auth/token",
                  nlohmann::json{{"grant_type", "client_credentials"}, {"client_id", "frontend"}, {"client_secret", secret}}.dump())
          .status;
    };
    // The api looks at the directory at most once a second: wait up to 5 s for what a step should bring.
    const auto becomes = [&](const std::string& secret, int want) {
      for (int i = 0; i < 50; ++i) {
        if (status(secret) == want) return true;
        std::this_thread::sleep_for(100ms);
      }
      return false;
    };
    const std::string old_secret = e.clients.at("frontend"), new_secret = "rotated-frontend-secret-0123456789";
    CHECK(status(old_secret) == 200);
    CHECK(status(new_secret) == 401);

    write("frontend.next", new_secret);  // staged
    CHECK(becomes(new_secret, 200));
    CHECK(status(old_secret) == 200);

    write("frontend.previous", old_secret);  // promoted
    write("frontend", new_secret);
    fs::remove(dir / "frontend.next");
    std::this_thread::sleep_for(1100ms);
    CHECK(status(new_secret) == 200);
    CHECK(status(old_secret) == 200);
    CHECK(status("frontend.next-is-no-secret-x") == 401);

    fs::remove(dir / "frontend.previous");  // retired
    CHECK(becomes(old_secret, 401));
    CHECK(status(new_secret) == 200);
    CHECK(status(e.clients.at("users")) == 401);  // another client's secret is still not this one's

    write("frontend", old_secret);  // as the other tests expect it
    CHECK(becomes(old_secret, 200));
  }
}
