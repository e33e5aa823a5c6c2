// One environment per test process: PostgreSQL, Redis, a stub AI provider and platform-api, built on first use.
#pragma once
#include <atomic>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "harness.hpp"
#include "po/common/http_server.hpp"

namespace apptest {

// An OpenAI-compatible chat-completions stub: answers one suggestion per finding in the prompt.
class AiStub {
 public:
  enum class Mode { Ok, Fail, Slow };
  AiStub();
  std::uint16_t port() const { return server_.port(); }
  void set_mode(Mode m) { mode_ = m; }
  int calls() const { return calls_; }

 private:
  std::atomic<Mode> mode_{Mode::Ok};
  std::atomic<int> calls_{0};
  po::http::HttpServer server_;
};

struct Env {
  Env();
  TempDir dir;
  Postgres pg{dir.path()};
  Redis redis{dir.path()};
  AiStub ai;
  std::string secret = "test-secret-key-0123456789abcdef";
  // AUTH_CLIENTS_DIR: client id -> secret, one file each, as a mounted Secret gives them.
  std::map<std::string, std::string> clients = {{"frontend", "frontend-client-secret-0123456789"},
                                                {"users", "users-client-secret-abcdefghijkl"}};
  std::unique_ptr<ApiServer> api;

  std::map<std::string, std::string> api_env() const;
  std::string token(const std::string& sub, long ttl_seconds = 3600) const;
  std::uint16_t port() const { return api->port(); }
  HttpResult get(const std::string& target, const std::string& sub = "alice");
  HttpResult post(const std::string& target, const std::string& body, const std::string& sub = "alice");
};

Env& env();  // created on first use, torn down at exit

nlohmann::json body_of(const HttpResult& r);
std::string error_code(const HttpResult& r);  // error.code of a JSON error body ("" if none)
std::string small_page(int variant);           // a small HTML page with a few known problems

}  // namespace apptest
